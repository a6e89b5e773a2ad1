//! Finding host references in manifest values: `db:5432`, `postgres://u:p@db:5432/x`,
//! `http://api.shop.svc.cluster.local:8080/`, `kafka-1:9092,kafka-2:9092`.
//!
//! Shared by the Compose and Kubernetes frontends. It only finds candidates; the resolver
//! decides which name a Service or Compose service (a peer) and which an external host.
//! A bare word without port or scheme (`REDIS_HOST: redis`) counts only when the variable's
//! name says it holds an address — otherwise every `NODE_ENV: production` would be a guess.

/// A host mentioned in a value.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct HostRef {
    /// Lowercased host: a DNS name or an IP literal.
    pub host: String,
    pub port: Option<u16>,
    /// URL scheme, lowercased, driver suffixes removed (`postgresql+psycopg2` → `postgresql`).
    pub scheme: Option<String>,
}

/// A hinted value that is one bare word (or `k=word`): a host without port.
fn push_bare(token: &str, out: &mut Vec<HostRef>) {
    for part in token.split(',') {
        let part = part
            .rsplit('=')
            .next()
            .unwrap_or(part)
            .trim_end_matches('.');
        if !part.contains('/')
            && let Some((host, None)) = split_host_port(part)
        {
            out.push(HostRef {
                host,
                port: None,
                scheme: None,
            });
        }
    }
}

/// Default ports of URL schemes seen in manifests (IANA service names; `rediss` per Redis docs).
pub fn scheme_port(scheme: &str) -> Option<u16> {
    Some(match scheme {
        "http" | "ws" => 80,
        "https" | "wss" => 443,
        "postgres" | "postgresql" => 5432,
        "redis" => 6379,
        "rediss" => 6380,
        "amqp" => 5672,
        "amqps" => 5671,
        "mongodb" => 27017,
        "mysql" | "mariadb" => 3306,
        "sqlserver" | "mssql" => 1433,
        "nats" => 4222,
        "kafka" => 9092,
        "memcached" => 11211,
        "ldap" => 389,
        "ldaps" => 636,
        "smtp" => 25,
        "ftp" => 21,
        "ssh" => 22,
        _ => return None,
    })
}

/// Schemes whose URLs name hosts (a `file://` or `data:` URL does not).
fn is_network_scheme(scheme: &str) -> bool {
    scheme_port(scheme).is_some()
        || matches!(
            scheme,
            "grpc"
                | "grpcs"
                | "tcp"
                | "udp"
                | "dns"
                | "mqtt"
                | "mqtts"
                | "zk"
                | "etcd"
                | "jdbc"
                | "s3"
        )
}

/// Does an environment variable's name say its value is an address?
pub fn name_hints_address(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    [
        "HOST", "ADDR", "SERVER", "URL", "URI", "ENDPOINT", "BROKER", "DSN", "SERVICE",
    ]
    .iter()
    .any(|h| {
        upper.ends_with(h) || upper.contains(&format!("{h}_")) || upper.contains(&format!("{h}S"))
    })
}

/// Does a variable's name say its value is *not* an address, though it may look like one
/// (`IMAGE: redis:7`, `VERSION: 1:2`)?
pub fn name_rules_out_address(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    [
        "IMAGE", "VERSION", "TAG", "PASSWORD", "SECRET", "TOKEN", "KEY",
    ]
    .iter()
    .any(|h| upper.contains(h))
}

/// Every host reference in `text`. `hinted`: a bare host without port counts too.
pub fn find(text: &str, hinted: bool) -> Vec<HostRef> {
    let mut out = Vec::new();
    // Besides a bare hinted word, a reference is `scheme://…` or `host:<digits>`: a value
    // with neither (most of a mounted JSON or YAML config file) is passed over at memchr speed.
    if !hinted
        && !text.contains("://")
        && !text
            .match_indices(':')
            .any(|(i, _)| text.as_bytes().get(i + 1).is_some_and(u8::is_ascii_digit))
    {
        return out;
    }
    // A bare word counts only when it is the whole value (`REDIS_HOST: cache`).
    let single = hinted
        && text
            .split(|c: char| {
                c.is_whitespace()
                    || matches!(c, ',' | ';' | '"' | '\'' | '(' | ')' | '`' | '<' | '>')
            })
            .filter(|t| !t.is_empty())
            .nth(1)
            .is_none();
    for token in text.split(|c: char| {
        c.is_whitespace() || matches!(c, ';' | '"' | '\'' | '(' | ')' | '`' | '<' | '>')
    }) {
        // Every reference but a bare hinted word has a `:` (a port or `://`); checking for
        // one first keeps scanning large values (mounted config files) cheap.
        let Some(colon) = token.find(':') else {
            if single && !token.is_empty() {
                push_bare(token, &mut out);
            }
            continue;
        };
        let url = token[colon..]
            .starts_with("://")
            .then(|| (&token[..colon], &token[colon + 3..]));
        if let Some((scheme, rest)) = url {
            // `--prometheus-url=http://…`: the scheme starts after the flag.
            let scheme = scheme
                .rsplit(|c: char| {
                    !(c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-' | ':'))
                })
                .next()
                .unwrap_or(scheme);
            let scheme = base_scheme(scheme);
            if !is_network_scheme(&scheme) {
                continue;
            }
            let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
            let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            // mongodb://a:27017,b:27017/db lists several hosts.
            for hp in authority.split(',') {
                if let Some((host, port)) = split_host_port(hp) {
                    out.push(HostRef {
                        host,
                        port,
                        scheme: Some(scheme.clone()),
                    });
                }
            }
            continue;
        }
        for part in token.split(',') {
            // `--db=postgres:5432` and `host=db port=5432`-style words.
            let part = part.rsplit('=').next().unwrap_or(part);
            let part = part.trim_end_matches(['.', ':']);
            // Only a bare hinted word may lack a port (`"key":` in JSON is no host).
            if !single && !part.contains(':') {
                continue;
            }
            match split_host_port(part) {
                Some((host, Some(port))) => out.push(HostRef {
                    host,
                    port: Some(port),
                    scheme: None,
                }),
                Some((host, None)) if single && !part.contains('/') => out.push(HostRef {
                    host,
                    port: None,
                    scheme: None,
                }),
                _ => {}
            }
        }
    }
    out.retain(|r| !is_self(&r.host));
    out.sort();
    out.dedup();
    out
}

fn base_scheme(scheme: &str) -> String {
    let lower = scheme.to_ascii_lowercase();
    // `postgresql+psycopg2`, `db+postgresql`, `jdbc:postgresql`: pick the known part.
    lower
        .split(['+', ':'])
        .find(|p| scheme_port(p).is_some())
        .map(str::to_owned)
        .unwrap_or_else(|| lower.split(['+', ':']).next().unwrap_or("").to_owned())
}

fn is_self(host: &str) -> bool {
    // Words that are values, not hosts, when a variable named `*_SERVER` holds them.
    if matches!(
        host,
        "true" | "false" | "yes" | "no" | "on" | "off" | "none" | "null"
    ) {
        return true;
    }
    matches!(
        host,
        "localhost" | "127.0.0.1" | "0.0.0.0" | "::1" | "::" | "host.docker.internal"
    )
}

/// `host`, `host:port`, `[v6]:port`. `None` when it is not a plausible host.
fn split_host_port(s: &str) -> Option<(String, Option<u16>)> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (h, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(parse_port(p)?),
            None if after.is_empty() => None,
            None => return None,
        };
        (h.to_owned(), port)
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), Some(parse_port(p)?)),
            None => (s.to_owned(), None),
        }
    };
    is_hostname(&host).then(|| (host.to_ascii_lowercase(), port))
}

fn parse_port(p: &str) -> Option<u16> {
    if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    p.parse::<u16>().ok().filter(|p| *p > 0)
}

/// A DNS name (labels of letters, digits, `-`, `_`, first label not all digits) or an
/// IPv4 literal.
fn is_hostname(h: &str) -> bool {
    if h.is_empty() || h.len() > 253 {
        return false;
    }
    let labels = || h.split('.');
    if labels().count() == 4
        && labels().all(|l| !l.is_empty() && l.len() <= 3 && l.bytes().all(|b| b.is_ascii_digit()))
    {
        return true;
    }
    labels().all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && !l.starts_with('-')
    }) && labels()
        .next()
        .is_some_and(|l| l.bytes().any(|b| b.is_ascii_alphabetic()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(text: &str, hinted: bool) -> Vec<(String, Option<u16>, Option<String>)> {
        find(text, hinted)
            .into_iter()
            .map(|r| (r.host, r.port, r.scheme))
            .collect()
    }

    #[test]
    fn urls_with_userinfo_and_driver_schemes() {
        assert_eq!(
            hosts(
                "postgresql+psycopg2://airflow:airflow@postgres/airflow",
                false
            ),
            [("postgres".into(), None, Some("postgresql".into()))]
        );
        assert_eq!(
            hosts("redis://:@redis:6379/0", false),
            [("redis".into(), Some(6379), Some("redis".into()))]
        );
        assert_eq!(
            hosts("http://api.shop.svc.cluster.local:8080/x?y=1", false),
            [(
                "api.shop.svc.cluster.local".into(),
                Some(8080),
                Some("http".into())
            )]
        );
        assert_eq!(hosts("mongodb://a:27017,b:27018/db", false).len(), 2);
    }

    #[test]
    fn bare_host_ports_and_lists() {
        assert_eq!(hosts("db:5432", false), [("db".into(), Some(5432), None)]);
        assert_eq!(hosts("kafka-1:9092,kafka-2:9092", false).len(), 2);
        assert_eq!(
            hosts("--addr=cartservice:7070", false),
            [("cartservice".into(), Some(7070), None)]
        );
        assert_eq!(
            hosts(
                "--prometheus-url=http://prometheus-k8s.monitoring.svc:9090/",
                false
            ),
            [(
                "prometheus-k8s.monitoring.svc".into(),
                Some(9090),
                Some("http".into())
            )]
        );
    }

    #[test]
    fn bare_words_only_when_hinted() {
        assert!(hosts("redis", false).is_empty());
        assert_eq!(hosts("redis", true), [("redis".into(), None, None)]);
        assert!(hosts("production mode", true).is_empty());
    }

    #[test]
    fn not_hosts() {
        assert!(hosts("10:30", false).is_empty());
        assert!(hosts("nginx:1.25", false).is_empty());
        assert!(hosts("localhost:8080", false).is_empty());
        assert!(hosts("file:///etc/x", false).is_empty());
        assert!(hosts("-Xmx512m -Xms512m", false).is_empty());
        assert!(hosts("db:70000", false).is_empty());
    }

    #[test]
    fn address_hints() {
        assert!(name_hints_address("REDIS_HOST"));
        assert!(name_hints_address("PRODUCT_CATALOG_SERVICE_ADDR"));
        assert!(name_hints_address("DATABASE_URL"));
        assert!(!name_hints_address("NODE_ENV"));
        assert!(name_rules_out_address("BASE_IMAGE"));
    }
}
