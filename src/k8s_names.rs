//! Kubernetes name rules, as the API server checks them (k8s.io/apimachinery
//! `pkg/util/validation/validation.go`). The Kubernetes frontend rejects what the cluster
//! would reject: names become workload ids, profile names and file names, so an odd one must
//! not get that far. The NetworkPolicy backend checks label-key prefixes with the same rules.

/// `IsDNS1123Label`: lowercase alphanumerics and `-`, starting and ending alphanumeric,
/// at most 63 characters (namespaces, container names).
pub fn dns1123_label(s: &str) -> Result<(), String> {
    label(s, false)
        .map_err(|m| format!("`{}` is not a valid DNS-1123 label: {m}", s.escape_debug()))
}

/// `IsDNS1123Subdomain`: DNS-1123 labels joined by `.`, at most 253 characters (most object
/// names: Pods, Deployments, ConfigMaps, …).
pub fn dns1123_subdomain(s: &str) -> Result<(), String> {
    let bad = |m: &str| {
        Err(format!(
            "`{}` is not a valid DNS-1123 subdomain: {m}",
            s.escape_debug()
        ))
    };
    if s.is_empty() {
        return bad("it is empty");
    }
    if s.len() > 253 {
        return bad("longer than 253 characters");
    }
    for part in s.split('.') {
        if let Err(m) = label(part, false) {
            return bad(&m);
        }
    }
    Ok(())
}

/// `IsDNS1035Label`: like a DNS-1123 label, but starting with a letter (Service names,
/// which become DNS names `<service>.<namespace>.svc`).
pub fn dns1035_label(s: &str) -> Result<(), String> {
    label(s, true).map_err(|m| format!("`{}` is not a valid DNS-1035 label: {m}", s.escape_debug()))
}

/// `IsValidPortName` (IANA_SVC_NAME): at most 15 lowercase alphanumerics and `-`, at least one
/// letter, no `--`, not starting or ending with `-`.
pub fn port_name(s: &str) -> Result<(), String> {
    let bad = |m: &str| {
        Err(format!(
            "`{}` is not a valid port name: {m}",
            s.escape_debug()
        ))
    };
    if s.is_empty() || s.len() > 15 {
        return bad("it must be 1-15 characters");
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return bad("only lowercase letters, digits and `-` are allowed");
    }
    if !s.bytes().any(|b| b.is_ascii_lowercase()) {
        return bad("it must contain a letter");
    }
    if s.starts_with('-') || s.ends_with('-') || s.contains("--") {
        return bad("`-` may not start or end it, nor repeat");
    }
    Ok(())
}

fn label(s: &str, letter_first: bool) -> Result<(), String> {
    if s.is_empty() {
        return Err("it is empty".into());
    }
    if s.len() > 63 {
        return Err("longer than 63 characters".into());
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err("only lowercase letters, digits and `-` are allowed".into());
    }
    let first = s.as_bytes()[0];
    if letter_first && !first.is_ascii_lowercase() {
        return Err("it must start with a letter".into());
    }
    if !first.is_ascii_alphanumeric() || s.ends_with('-') {
        return Err("it must start and end with a letter or digit".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_the_api_server_checks_them() {
        assert!(dns1123_label("web-1").is_ok());
        assert!(dns1123_label("Web").is_err());
        assert!(dns1123_label("-web").is_err());
        assert!(dns1123_label(&"a".repeat(64)).is_err());
        assert!(dns1123_subdomain("kube-state-metrics.v2").is_ok());
        assert!(dns1123_subdomain("a..b").is_err());
        assert!(dns1123_subdomain("my_app").is_err());
        assert!(dns1123_subdomain("../etc").is_err());
        assert!(dns1035_label("redis").is_ok());
        assert!(dns1035_label("1redis").is_err());
        assert!(port_name("http-metrics").is_ok());
        assert!(port_name("8080").is_err());
        assert!(port_name("a--b").is_err());
        assert!(port_name("much-too-long-name").is_err());
    }
}
