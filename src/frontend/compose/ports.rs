//! `ports:` and `expose:` → listens.
//!
//! Short syntax as Docker parses it (`nat.ParsePortSpec`):
//! `[[ip:]host[-host_end]:]container[-container_end][/protocol]`, the IP possibly `[v6]`,
//! an empty host port meaning "ephemeral" (`127.0.0.1::80`), a bare integer meaning a
//! container port published on an ephemeral host port. Long syntax: `target`, `published`
//! (number, string or range), `host_ip`, `protocol`, `mode`, `name`, `app_protocol`.
//! Ranges expand to one listen per port, up to `MAX_PORT_RANGE`.

use crate::diag::Code;
use crate::intent::{Exposure, Listen, ListenOrigin, Protocol, Publish};
use crate::limits::MAX_PORT_RANGE;
use crate::yaml::Node;

use super::Ctx;

/// A port range `a` or `a-b`, each 1..=65535.
fn parse_range(s: &str) -> Result<(u16, u16), String> {
    let s = s.trim();
    let (a, b) = match s.split_once('-') {
        Some((a, b)) => (a, b),
        None => (s, s),
    };
    let one = |p: &str| -> Result<u16, String> {
        let p = p.trim();
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("`{s}` is not a port or port range"));
        }
        match p.parse::<u32>() {
            Ok(n) if (1..=65535).contains(&n) => Ok(n as u16),
            _ => Err(format!("port {p} is out of range (1-65535)")),
        }
    };
    let (a, b) = (one(a)?, one(b)?);
    if b < a {
        return Err(format!("port range `{s}` ends before it starts"));
    }
    if u32::from(b - a) >= MAX_PORT_RANGE {
        return Err(format!(
            "port range `{s}` has more than {MAX_PORT_RANGE} ports"
        ));
    }
    Ok((a, b))
}

/// Split `ip:host:container` respecting `[v6]` brackets.
fn split_colons(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ':' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

#[derive(Debug)]
struct Spec {
    host_ip: Option<String>,
    host: Option<(u16, u16)>,
    container: (u16, u16),
    protocol: Protocol,
    published: bool,
}

fn parse_short(s: &str) -> Result<Spec, String> {
    let (body, protocol) = match s.rsplit_once('/') {
        Some((b, p)) => (
            b,
            Protocol::parse(p).ok_or_else(|| format!("unknown protocol `{p}`"))?,
        ),
        None => (s, Protocol::Tcp),
    };
    let parts = split_colons(body.trim());
    let (ip, host, container) = match parts.as_slice() {
        [c] => (None, None, *c),
        [h, c] => (None, Some(*h), *c),
        [ip, h, c] => (Some(*ip), Some(*h), *c),
        _ => return Err(format!("`{s}` is not a port mapping")),
    };
    let container = parse_range(container)?;
    let host = match host {
        Some(h) if !h.is_empty() => {
            let r = parse_range(h)?;
            let (hl, cl) = (r.1 - r.0, container.1 - container.0);
            if hl != cl && hl != 0 {
                return Err(format!(
                    "host range `{h}` and container range differ in length"
                ));
            }
            Some(r)
        }
        _ => None,
    };
    let host_ip = ip
        .filter(|i| !i.is_empty())
        .map(|i| i.trim_start_matches('[').trim_end_matches(']').to_owned());
    Ok(Spec {
        host_ip,
        host,
        container,
        protocol,
        published: true,
    })
}

fn listens_of(
    spec: &Spec,
    name: Option<String>,
    origin: ListenOrigin,
    at: crate::intent::Provenance,
) -> Vec<Listen> {
    (spec.container.0..=spec.container.1)
        .enumerate()
        .map(|(i, port)| {
            let host_port = spec
                .host
                .map(|(a, b)| if a == b { a } else { a + i as u16 });
            let published = if spec.published {
                vec![Publish {
                    via: Exposure::HostPort {
                        host_ip: spec.host_ip.clone(),
                        host_port,
                    },
                    at: at.clone(),
                }]
            } else {
                Vec::new()
            };
            Listen {
                port,
                protocol: spec.protocol,
                name: name.clone(),
                origin,
                published,
                at: at.clone(),
            }
        })
        .collect()
}

/// `ports:` entries.
pub fn ports(ctx: &mut Ctx<'_>, node: &Node, field: &str) -> Vec<Listen> {
    let Some(items) = node.as_seq() else {
        ctx.wrong_type(node, field, "a list of ports");
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let f = format!("{field}[{i}]");
        let at = ctx.at(item, &f);
        if item.as_map().is_some() {
            match long(item) {
                Ok((spec, name)) => out.extend(listens_of(&spec, name, ListenOrigin::Port, at)),
                Err(m) => ctx.error(Code::InvalidValue, item, &f, m),
            }
            continue;
        }
        let Some(text) = item.as_str() else {
            ctx.wrong_type(item, &f, "a port mapping string, a number or a map");
            continue;
        };
        match parse_short(text) {
            Ok(spec) => out.extend(listens_of(&spec, None, ListenOrigin::Port, at)),
            Err(m) => ctx.error(Code::InvalidValue, item, &f, m),
        }
    }
    out
}

fn long(item: &Node) -> Result<(Spec, Option<String>), String> {
    let target = item.get("target").ok_or("long syntax needs `target`")?;
    let target = target
        .as_str()
        .ok_or_else(|| format!("`target` must be a port number, found {}", target.kind()))?;
    let container = parse_range(target)?;
    let protocol = match item.get("protocol").and_then(Node::as_str) {
        Some(p) => Protocol::parse(p).ok_or_else(|| format!("unknown protocol `{p}`"))?,
        None => Protocol::Tcp,
    };
    let host = match item.get("published").and_then(Node::as_str) {
        Some(p) if !p.is_empty() => Some(parse_range(p)?),
        _ => None,
    };
    // Long syntax without `published` publishes on an ephemeral port, like `- "80"`.
    Ok((
        Spec {
            host_ip: item
                .get("host_ip")
                .and_then(Node::as_str)
                .map(str::to_owned),
            host,
            container,
            protocol,
            published: true,
        },
        item.get("name").and_then(Node::as_str).map(str::to_owned),
    ))
}

/// `expose:` entries: listened on, not published.
pub fn expose(ctx: &mut Ctx<'_>, node: &Node, field: &str) -> Vec<Listen> {
    let Some(items) = node.as_seq() else {
        ctx.wrong_type(node, field, "a list of ports");
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let f = format!("{field}[{i}]");
        let Some(text) = item.as_str() else {
            ctx.wrong_type(item, &f, "a port or range");
            continue;
        };
        let (body, protocol) = match text.rsplit_once('/') {
            Some((b, p)) => match Protocol::parse(p) {
                Some(p) => (b, p),
                None => {
                    ctx.error(
                        Code::InvalidValue,
                        item,
                        &f,
                        format!("unknown protocol `{p}`"),
                    );
                    continue;
                }
            },
            None => (text, Protocol::Tcp),
        };
        match parse_range(body) {
            Ok(container) => {
                let spec = Spec {
                    host_ip: None,
                    host: None,
                    container,
                    protocol,
                    published: false,
                };
                out.extend(listens_of(
                    &spec,
                    None,
                    ListenOrigin::Expose,
                    ctx.at(item, &f),
                ));
            }
            Err(m) => ctx.error(Code::InvalidValue, item, &f, m),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_forms() {
        let s = parse_short("127.0.0.1:8001:8001").unwrap();
        assert_eq!(
            (s.host_ip.as_deref(), s.host, s.container),
            (Some("127.0.0.1"), Some((8001, 8001)), (8001, 8001))
        );
        let s = parse_short("9090-9091:8080-8081").unwrap();
        assert_eq!((s.host, s.container), (Some((9090, 9091)), (8080, 8081)));
        let s = parse_short("[::1]:6001:6001/udp").unwrap();
        assert_eq!(
            (s.host_ip.as_deref(), s.protocol),
            (Some("::1"), Protocol::Udp)
        );
        let s = parse_short("127.0.0.1::80").unwrap();
        assert_eq!((s.host, s.container), (None, (80, 80)));
        assert_eq!(parse_short("3000").unwrap().host, None);
        assert!(parse_short("70000").unwrap_err().contains("out of range"));
        assert!(parse_short("0").unwrap_err().contains("out of range"));
        assert!(parse_short("80:80/xtp").is_err());
        assert!(parse_short("1-2000").is_err());
        assert!(parse_short("8000-8001:80-85").is_err());
    }
}
