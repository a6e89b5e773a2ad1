//! Reading explicit intent (DESIGN.md §5) from its three spellings:
//!
//! Compose `x-cinch:` on a service (structured YAML):
//! ```yaml
//! x-cinch:
//!   egress: ["api.stripe.com:443", "10.0.0.0/8:5432/tcp"]
//!   syscalls: [{names: [io_uring_setup, io_uring_enter], reason: "uses io_uring"}]
//!   writes: [{path: /var/backups, reason: "the nightly dump"}]    # and `reads`, alike
//!   complain: true
//!   allow: [{rule: runs-as-root, reason: "needs port 80 before dropping privileges"}]
//!   runtime: nginx
//! ```
//! Kubernetes annotations `cinch.dev/<key>` and Dockerfile labels `cinch.<key>` (strings):
//! `egress: "api.stripe.com:443, 10.0.0.0/8:5432"`, `syscalls: "io_uring_setup io_uring_enter: uses io_uring; statfs: reads disk usage"`,
//! `writes: "/var/backups: the nightly dump; /srv/spool: the queue"`, `complain: "true"`, `allow: "runs-as-root: reason; image-not-pinned: reason"`, `runtime: nginx`.
//!
//! Every entry must be well-formed; a syscall or lint suppression without a reason is an
//! error, since the reason is what reviewers read in the profile.

use std::sync::Arc;

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::intent::{
    Allow, Egress, Explicit, ExtraPath, ExtraSyscall, Fact, PathAccess, Protocol, Provenance,
    Runtime,
};
use crate::yaml::Node;

/// Parse `host:port[/proto]`, `cidr:port[/proto]`, `[v6-cidr]:port`, or a bare host/CIDR.
pub fn parse_egress(s: &str) -> Result<Egress, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty egress entry".into());
    }
    let (body, protocol) = match s.rsplit_once('/') {
        Some((b, p)) if Protocol::parse(p).is_some() => {
            (b, Protocol::parse(p).unwrap_or(Protocol::Tcp))
        }
        _ => (s, Protocol::Tcp),
    };
    // The last `:` starts a port only when digits follow (an IPv6 CIDR has colons too).
    let port_split = body
        .rsplit_once(':')
        .filter(|(_, p)| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let (addr, port) = if let Some(rest) = body.strip_prefix('[') {
        let (a, after) = rest.split_once(']').ok_or("unclosed `[`")?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(parse_port(p)?),
            None if after.is_empty() => None,
            None => return Err(format!("unexpected `{after}` after `]`")),
        };
        (a.to_owned(), port)
    } else {
        match port_split {
            Some((a, p)) => (a.to_owned(), Some(parse_port(p)?)),
            None if body.contains(':') && !body.contains('/') && body.matches(':').count() == 1 => {
                return Err(format!("`{body}` does not end in a port (1-65535)"));
            }
            None => (body.to_owned(), None),
        }
    };
    if addr.contains('/') {
        validate_cidr(&addr)?;
        Ok(Egress {
            host: None,
            cidr: Some(addr),
            port,
            protocol,
        })
    } else {
        let valid = !addr.is_empty()
            && addr.len() <= 253
            && addr
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'*'));
        if !valid {
            return Err(format!("`{addr}` is not a host name or CIDR"));
        }
        Ok(Egress {
            host: Some(addr.to_ascii_lowercase()),
            cidr: None,
            port,
            protocol,
        })
    }
}

fn parse_port(p: &str) -> Result<u16, String> {
    p.trim()
        .parse::<u16>()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| format!("`{p}` is not a port (1-65535)"))
}

fn validate_cidr(c: &str) -> Result<(), String> {
    let (ip, bits) = c.split_once('/').ok_or("missing prefix length")?;
    let ip: std::net::IpAddr = ip
        .parse()
        .map_err(|_| format!("`{ip}` is not an IP address"))?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    match bits.parse::<u8>() {
        Ok(b) if b <= max => Ok(()),
        _ => Err(format!("`/{bits}` is not a prefix length for {ip}")),
    }
}

/// A syscall name as the kernel tables spell them (the seccomp backend checks it exists).
fn valid_syscall_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// An absolute path without `..`, NUL or newlines (the AppArmor backend escapes the rest).
fn valid_path(p: &str) -> Result<(), String> {
    if !p.starts_with('/') {
        return Err(format!("`{p}` is not an absolute path"));
    }
    if p.split('/').any(|c| c == "..") || p.contains(['\0', '\n', '\r']) || p.len() > 4096 {
        return Err(format!("`{}` is not a usable path", p.escape_debug()));
    }
    Ok(())
}

/// Lint rule ids are kebab-case.
fn valid_rule(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Explicit intent from string key/values (annotations with `cinch.dev/`, labels with `cinch.`).
/// `entries`: (key without prefix, value, provenance of the entry).
pub fn from_strings<'a>(
    entries: impl IntoIterator<Item = (&'a str, &'a str, Provenance)>,
    file: &str,
    diags: &mut Diagnostics,
) -> Explicit {
    let mut out = Explicit::default();
    for (key, value, at) in entries {
        let line = at.line_no();
        let mut err =
            |msg: String| diags.push(Diagnostic::error(Code::InvalidValue, file, line, msg));
        match key {
            "egress" => {
                for item in value.split([',', ' ', '\n']).filter(|s| !s.trim().is_empty()) {
                    match parse_egress(item) {
                        Ok(e) => out.egress.push(Fact::new(e, at.clone())),
                        Err(m) => err(format!("cinch egress: {m}")),
                    }
                }
            }
            // `a b: reason; c: another reason` — several entries, each with its reason, as
            // `allow` separates them (`cinch audit` appends entries this way).
            "syscalls" => {
                for entry in value.split(';').filter(|s| !s.trim().is_empty()) {
                    match entry.split_once(':') {
                        Some((names, reason)) if !reason.trim().is_empty() => {
                            for name in names.split([',', ' ']).filter(|s| !s.is_empty()) {
                                if valid_syscall_name(name) {
                                    out.syscalls.push(Fact::new(
                                        ExtraSyscall {
                                            name: name.to_owned(),
                                            reason: reason.trim().to_owned(),
                                        },
                                        at.clone(),
                                    ));
                                } else {
                                    err(format!("cinch syscalls: `{name}` is not a syscall name"));
                                }
                            }
                        }
                        _ => err(
                            "cinch syscalls: write `name1 name2: the reason they are needed`"
                                .into(),
                        ),
                    }
                }
            }
            "writes" | "reads" => {
                let access = if key == "writes" { PathAccess::Write } else { PathAccess::Read };
                for entry in value.split(';').filter(|s| !s.trim().is_empty()) {
                    match entry.split_once(':').map(|(p, r)| (p.trim(), r.trim())) {
                        Some((path, reason)) if !reason.is_empty() => match valid_path(path) {
                            Ok(()) => out.paths.push(Fact::new(
                                ExtraPath {
                                    path: path.to_owned(),
                                    access,
                                    reason: reason.to_owned(),
                                },
                                at.clone(),
                            )),
                            Err(m) => err(format!("cinch {key}: {m}")),
                        },
                        _ => err(format!("cinch {key}: write `/path: the reason it is needed`")),
                    }
                }
            }
            "complain" => match value.trim() {
                "true" => out.complain = Some(Fact::new(true, at)),
                "false" => out.complain = Some(Fact::new(false, at)),
                other => err(format!("cinch complain: `{other}` is not true or false")),
            },
            "allow" => {
                for item in value.split(';').filter(|s| !s.trim().is_empty()) {
                    match item.split_once(':') {
                        Some((rule, reason)) if valid_rule(rule.trim()) && !reason.trim().is_empty() => {
                            out.allow.push(Fact::new(
                                Allow {
                                    rule: rule.trim().to_owned(),
                                    reason: reason.trim().to_owned(),
                                },
                                at.clone(),
                            ));
                        }
                        _ => err(format!("cinch allow: `{}` must be `rule-id: reason`", item.trim())),
                    }
                }
            }
            "runtime" => match Runtime::from_name(value) {
                Some(r) => out.runtime = Some(Fact::new(r, at)),
                None => err(format!(
                    "cinch runtime: `{value}` is not one of {}",
                    Runtime::ALL.iter().map(|r| r.name()).collect::<Vec<_>>().join(", ")
                )),
            },
            other => diags.push(Diagnostic::warning(
                Code::UnknownField,
                file,
                line,
                format!("unknown cinch key `{other}` (known: egress, syscalls, writes, reads, complain, allow, runtime)"),
            )),
        }
    }
    out
}

/// Explicit intent from a Compose `x-cinch:` map. `field` is the path of the `x-cinch` key.
pub fn from_yaml(node: &Node, file: &Arc<str>, field: &str, diags: &mut Diagnostics) -> Explicit {
    let mut out = Explicit::default();
    let Some(map) = node.as_map() else {
        diags.push(Diagnostic::error(
            Code::WrongType,
            file,
            node.line(),
            format!("{field}: expected a map, found {}", node.kind()),
        ));
        return out;
    };
    let at = |n: &Node, f: String| Provenance::manifest(file, n.mark, f);
    let mut err = |n: &Node, msg: String| {
        diags.push(Diagnostic::error(Code::InvalidValue, file, n.line(), msg))
    };
    for (k, v) in map {
        let key = k.as_str().unwrap_or("");
        let f = format!("{field}.{key}");
        match key {
            "egress" => {
                for (i, item) in v.as_seq().unwrap_or_default().iter().enumerate() {
                    let fi = format!("{f}[{i}]");
                    let parsed = match item.as_map() {
                        Some(_) => egress_from_map(item),
                        None => item
                            .as_str()
                            .map_or(Err("expected a string or map".into()), parse_egress),
                    };
                    match parsed {
                        Ok(e) => out.egress.push(Fact::new(e, at(item, fi))),
                        Err(m) => err(item, format!("{fi}: {m}")),
                    }
                }
                if v.as_seq().is_none() {
                    err(v, format!("{f}: expected a list, found {}", v.kind()));
                }
            }
            "syscalls" => {
                let Some(items) = v.as_seq() else {
                    err(v, format!("{f}: expected a list, found {}", v.kind()));
                    continue;
                };
                for (i, item) in items.iter().enumerate() {
                    let fi = format!("{f}[{i}]");
                    let reason = item
                        .get("reason")
                        .and_then(Node::as_str)
                        .unwrap_or("")
                        .trim();
                    let names: Vec<&str> = match (item.get("names"), item.get("name")) {
                        (Some(ns), _) => ns
                            .as_seq()
                            .unwrap_or_default()
                            .iter()
                            .filter_map(Node::as_str)
                            .collect(),
                        (None, Some(n)) => n.as_str().into_iter().collect(),
                        (None, None) => Vec::new(),
                    };
                    if names.is_empty() || reason.is_empty() {
                        err(
                            item,
                            format!(
                                "{fi}: write {{names: [syscall, …], reason: \"why it is needed\"}}"
                            ),
                        );
                        continue;
                    }
                    for name in names {
                        if valid_syscall_name(name) {
                            out.syscalls.push(Fact::new(
                                ExtraSyscall {
                                    name: name.to_owned(),
                                    reason: reason.to_owned(),
                                },
                                at(item, fi.clone()),
                            ));
                        } else {
                            err(item, format!("{fi}: `{name}` is not a syscall name"));
                        }
                    }
                }
            }
            "writes" | "reads" => {
                let access = if key == "writes" {
                    PathAccess::Write
                } else {
                    PathAccess::Read
                };
                let Some(items) = v.as_seq() else {
                    err(v, format!("{f}: expected a list, found {}", v.kind()));
                    continue;
                };
                for (i, item) in items.iter().enumerate() {
                    let fi = format!("{f}[{i}]");
                    let path = item.get("path").and_then(Node::as_str).unwrap_or("").trim();
                    let reason = item
                        .get("reason")
                        .and_then(Node::as_str)
                        .unwrap_or("")
                        .trim();
                    if reason.is_empty() {
                        err(
                            item,
                            format!("{fi}: write {{path: /dir, reason: \"why it is needed\"}}"),
                        );
                        continue;
                    }
                    match valid_path(path) {
                        Ok(()) => out.paths.push(Fact::new(
                            ExtraPath {
                                path: path.to_owned(),
                                access,
                                reason: reason.to_owned(),
                            },
                            at(item, fi),
                        )),
                        Err(m) => err(item, format!("{fi}: {m}")),
                    }
                }
            }
            "complain" => match v.as_bool_lenient() {
                Some(b) => out.complain = Some(Fact::new(b, at(v, f))),
                None => err(
                    v,
                    format!("{f}: expected true or false, found {}", v.kind()),
                ),
            },
            "allow" => {
                let Some(items) = v.as_seq() else {
                    err(v, format!("{f}: expected a list, found {}", v.kind()));
                    continue;
                };
                for (i, item) in items.iter().enumerate() {
                    let fi = format!("{f}[{i}]");
                    let rule = item.get("rule").and_then(Node::as_str).unwrap_or("").trim();
                    let reason = item
                        .get("reason")
                        .and_then(Node::as_str)
                        .unwrap_or("")
                        .trim();
                    if !valid_rule(rule) || reason.is_empty() {
                        err(
                            item,
                            format!(
                                "{fi}: write {{rule: rule-id, reason: \"why it is acceptable here\"}}"
                            ),
                        );
                        continue;
                    }
                    out.allow.push(Fact::new(
                        Allow {
                            rule: rule.to_owned(),
                            reason: reason.to_owned(),
                        },
                        at(item, fi),
                    ));
                }
            }
            "runtime" => match v.as_str().and_then(Runtime::from_name) {
                Some(r) => out.runtime = Some(Fact::new(r, at(v, f))),
                None => err(v, format!("{f}: not a known runtime")),
            },
            other => err(
                k,
                format!(
                    "{field}: unknown key `{other}` (known: egress, syscalls, writes, reads, complain, allow, runtime)"
                ),
            ),
        }
    }
    out
}

fn egress_from_map(item: &Node) -> Result<Egress, String> {
    let host = item.get("host").and_then(Node::as_str);
    let cidr = item.get("cidr").and_then(Node::as_str);
    let port = match item.get("port") {
        Some(p) => Some(
            p.as_i64_lenient()
                .and_then(|p| u16::try_from(p).ok())
                .filter(|p| *p > 0)
                .ok_or("port must be 1-65535")?,
        ),
        None => None,
    };
    let protocol = match item.get("protocol").and_then(Node::as_str) {
        Some(p) => Protocol::parse(p).ok_or_else(|| format!("unknown protocol `{p}`"))?,
        None => Protocol::Tcp,
    };
    let mut e = match (host, cidr) {
        (Some(h), None) => parse_egress(h)?,
        (None, Some(c)) => {
            validate_cidr(c)?;
            Egress {
                host: None,
                cidr: Some(c.to_owned()),
                port: None,
                protocol: Protocol::Tcp,
            }
        }
        _ => return Err("give exactly one of `host` or `cidr`".into()),
    };
    e.port = port.or(e.port);
    e.protocol = protocol;
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn egress_forms() {
        let e = parse_egress("api.stripe.com:443").unwrap();
        assert_eq!(
            (e.host.as_deref(), e.port),
            (Some("api.stripe.com"), Some(443))
        );
        let e = parse_egress("10.0.0.0/8:5432/tcp").unwrap();
        assert_eq!(
            (e.cidr.as_deref(), e.port),
            (Some("10.0.0.0/8"), Some(5432))
        );
        let e = parse_egress("[fd00::/8]:53/udp").unwrap();
        assert_eq!(
            (e.cidr.as_deref(), e.protocol),
            (Some("fd00::/8"), Protocol::Udp)
        );
        assert!(parse_egress("10.0.0.0/33:1").is_err());
        assert!(parse_egress("a b").is_err());
        assert!(parse_egress("x:0").is_err());
        assert!(parse_egress("x:http").is_err());
        let e = parse_egress("fd00::/8").unwrap();
        assert_eq!((e.cidr.as_deref(), e.port), (Some("fd00::/8"), None));
    }

    #[test]
    fn string_forms_need_reasons() {
        let mut d = Diagnostics::new();
        let p = Provenance::baseline("t");
        let e = from_strings(
            [
                (
                    "syscalls",
                    "io_uring_setup io_uring_enter: uses io_uring",
                    p.clone(),
                ),
                ("syscalls", "fstatfs: observed; chown: too", p.clone()),
                (
                    "allow",
                    "runs-as-root: binds 80; image-not-pinned: mirrors",
                    p.clone(),
                ),
                ("complain", "true", p.clone()),
            ],
            "f",
            &mut d,
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(e.syscalls.len(), 4);
        assert_eq!(e.syscalls[3].value.reason, "too");
        assert_eq!(e.allow.len(), 2);
        let _ = from_strings(
            [("syscalls", "mount", p.clone()), ("allow", "x", p)],
            "f",
            &mut d,
        );
        assert_eq!(d.errors().count(), 2);
    }

    #[test]
    fn paths_need_absolute_paths_and_reasons() {
        let mut d = Diagnostics::new();
        let p = Provenance::baseline("t");
        let e = from_strings(
            [
                (
                    "writes",
                    "/var/backups: the dump; /srv/spool: the queue",
                    p.clone(),
                ),
                ("reads", "/etc/app.conf: its settings", p.clone()),
            ],
            "f",
            &mut d,
        );
        assert!(d.is_empty(), "{d:?}");
        let got: Vec<(&str, PathAccess)> = e
            .paths
            .iter()
            .map(|f| (f.value.path.as_str(), f.value.access))
            .collect();
        assert_eq!(
            got,
            [
                ("/var/backups", PathAccess::Write),
                ("/srv/spool", PathAccess::Write),
                ("/etc/app.conf", PathAccess::Read)
            ]
        );
        let _ = from_strings(
            [
                ("writes", "var/x: relative", p.clone()),
                ("writes", "/a/../etc: climbs", p.clone()),
                ("reads", "/x", p),
            ],
            "f",
            &mut d,
        );
        assert_eq!(d.errors().count(), 3);
    }
}
