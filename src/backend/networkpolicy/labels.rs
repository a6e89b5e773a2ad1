//! Label keys, label values and CIDRs, checked as the API server checks them
//! (k8s.io/apimachinery `pkg/util/validation/validation.go`: `IsQualifiedName`,
//! `IsValidLabelValue`; `IsValidCIDR` in `pkg/util/validation/ip.go`).
//!
//! Pod labels come from manifests and are not checked by the frontends (a Compose service
//! name becomes a label value). A NetworkPolicy whose selector holds an invalid label is
//! rejected by the API server, so the backend reports such a workload instead of emitting a
//! policy that cannot be applied.

use std::collections::BTreeMap;

/// `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`, at most 63 bytes (label names and values).
fn name_part(s: &str) -> Result<(), String> {
    if s.len() > 63 {
        return Err("longer than 63 characters".into());
    }
    let b = s.as_bytes();
    let alnum = |c: &u8| c.is_ascii_alphanumeric();
    if b.is_empty() || !alnum(&b[0]) || !alnum(&b[b.len() - 1]) {
        return Err("it must start and end with a letter or digit".into());
    }
    if !b
        .iter()
        .all(|c| alnum(c) || matches!(c, b'-' | b'_' | b'.'))
    {
        return Err("only letters, digits, `-`, `_` and `.` are allowed".into());
    }
    Ok(())
}

/// `IsQualifiedName`: `[prefix/]name`.
pub fn key(k: &str) -> Result<(), String> {
    let r = match k.split_once('/') {
        Some((prefix, name)) => {
            crate::k8s_names::dns1123_subdomain(prefix).and_then(|()| name_part(name))
        }
        None => name_part(k),
    };
    r.map_err(|m| format!("label key `{}` is invalid: {m}", k.escape_debug()))
}

/// `IsValidLabelValue`: empty, or a name part.
pub fn value(v: &str) -> Result<(), String> {
    if v.is_empty() {
        return Ok(());
    }
    name_part(v).map_err(|m| format!("label value `{}` is invalid: {m}", v.escape_debug()))
}

/// Every key and value of a selector.
pub fn selector(labels: &BTreeMap<String, String>) -> Result<(), String> {
    for (k, v) in labels {
        key(k)?;
        value(v)?;
    }
    Ok(())
}

/// An IPv4 or IPv6 CIDR in canonical form (`10.0.0.0/8`, `fd00::/64`). The API server
/// accepts a prefix with host bits set; cinch normalizes it so two spellings of one block
/// are one rule.
pub fn cidr(s: &str) -> Result<String, String> {
    let bad = || format!("`{}` is not a CIDR (ADDRESS/PREFIX)", s.escape_debug());
    let (addr, len) = s.trim().split_once('/').ok_or_else(bad)?;
    let len: u8 = len.parse().map_err(|_| bad())?;
    match addr.parse::<std::net::IpAddr>().map_err(|_| bad())? {
        std::net::IpAddr::V4(a) if len <= 32 => {
            let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            let net = std::net::Ipv4Addr::from(u32::from(a) & mask);
            Ok(format!("{net}/{len}"))
        }
        std::net::IpAddr::V6(a) if len <= 128 => {
            let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            let net = std::net::Ipv6Addr::from(u128::from(a) & mask);
            Ok(format!("{net}/{len}"))
        }
        _ => Err(bad()),
    }
}

/// The single-address block of an IP literal (`10.1.2.3` → `10.1.2.3/32`).
pub fn host_cidr(host: &str) -> Option<String> {
    match host
        .trim_matches(['[', ']'])
        .parse::<std::net::IpAddr>()
        .ok()?
    {
        std::net::IpAddr::V4(a) => Some(format!("{a}/32")),
        std::net::IpAddr::V6(a) => Some(format!("{a}/128")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_values_as_the_api_server_checks_them() {
        assert!(key("app").is_ok());
        assert!(key("app.kubernetes.io/name").is_ok());
        assert!(key("io.kompose.service").is_ok());
        assert!(key("Example.com/x").is_err(), "uppercase prefix");
        assert!(key("a/b/c").is_err());
        assert!(key("-x").is_err());
        assert!(key(&"k".repeat(64)).is_err());
        assert!(value("").is_ok());
        assert!(value("my_service.v2").is_ok());
        assert!(value("_x").is_err());
        assert!(value("a\nb").is_err());
        assert!(value(&"v".repeat(64)).is_err());
    }

    #[test]
    fn cidrs_are_checked_and_normalized() {
        assert_eq!(cidr("10.20.0.0/16").unwrap(), "10.20.0.0/16");
        assert_eq!(cidr("10.20.3.4/16").unwrap(), "10.20.0.0/16");
        assert_eq!(cidr("fd00:1::5/64").unwrap(), "fd00:1::/64");
        assert_eq!(cidr("0.0.0.0/0").unwrap(), "0.0.0.0/0");
        assert!(cidr("10.0.0.0/33").is_err());
        assert!(cidr("10.0.0.0").is_err());
        assert!(cidr("example.com/8").is_err());
        assert_eq!(host_cidr("10.1.2.3").unwrap(), "10.1.2.3/32");
        assert_eq!(host_cidr("::1").unwrap(), "::1/128");
        assert!(host_cidr("db.example.com").is_none());
    }
}
