//! Host mentions in a pod's containers: environment `value:` literals and `command`/`args`
//! words (`frontend::reference::find` decides what looks like a host). They become
//! `Reference`s; the resolver turns those naming a Service into peers. Values that come from
//! ConfigMaps are known only once all inputs are read, so the resolver scans those.
//!
//! Kubernetes expands `$(VAR)` in env values, `command` and `args` from the container's
//! environment (`$$` escapes a `$`; an unknown variable stays as written — Kubernetes docs,
//! "Define Dependent Environment Variables"). References are found in the expanded text, with
//! the container's literal values. Kubernetes expands an env value only with variables
//! defined before it; this reads all literals, which can only find more.

use std::collections::BTreeMap;

use crate::frontend::reference::{self, HostRef};
use crate::intent::{Container, EnvValue, Reference, ReferenceKind};

use super::{Ctx, Loc};

/// The references of one container; `loc` is where the container is written, so a
/// `command`/`args` word points at its own line.
pub(crate) fn collect(ctx: &Ctx<'_>, c: &Container, loc: &Loc<'_>) -> Vec<Reference> {
    let mut refs = Vec::new();
    let literals: BTreeMap<&str, &str> = c
        .env
        .iter()
        .filter_map(|(k, f)| match &f.value {
            EnvValue::Literal { value } => Some((k.as_str(), value.as_str())),
            EnvValue::FromHost
            | EnvValue::Secret { .. }
            | EnvValue::ConfigMap { .. }
            | EnvValue::Field { .. } => None,
        })
        .collect();
    for (name, value) in &literals {
        if reference::name_rules_out_address(name) {
            continue;
        }
        let text = expand(value, &literals);
        for r in hosts(&text, reference::name_hints_address(name)) {
            refs.push(Reference {
                host: r.host,
                port: r.port,
                scheme: r.scheme,
                via: ReferenceKind::Env {
                    name: (*name).to_owned(),
                },
                container: Some(c.name.clone()),
                at: c.env[*name].at.clone(),
            });
        }
    }
    for (fact, key) in [
        (&c.process.entrypoint, "command"),
        (&c.process.command, "args"),
    ] {
        let Some(fact) = fact else { continue };
        for (i, word) in fact.value.iter().enumerate() {
            for r in hosts(&expand(word, &literals), false) {
                refs.push(Reference {
                    host: r.host,
                    port: r.port,
                    scheme: r.scheme,
                    via: ReferenceKind::Arg,
                    container: Some(c.name.clone()),
                    at: ctx.at(&loc.key(key).idx(i)),
                });
            }
        }
    }
    refs.sort();
    refs.dedup();
    refs
}

/// Host references in `text`: what `reference::find` sees, and bare cluster DNS names.
pub(crate) fn hosts(text: &str, hinted: bool) -> Vec<HostRef> {
    let mut out = reference::find(text, hinted);
    out.extend(cluster_names(text));
    out.sort();
    out.dedup();
    out
}

/// Bare cluster DNS names (`db.apps.svc`, `db.apps.svc.cluster.local`, `db-0.db.apps.svc`):
/// only a Service can be meant, so they count without a port and whatever the variable is
/// called (`nc -z db.apps.svc.cluster.local 5432`).
fn cluster_names(text: &str) -> Vec<HostRef> {
    // Every such name has a `.svc` label: a value without one (most of a mounted config
    // file) is passed over at memchr speed, and only words with one are looked at.
    let has_svc = |s: &str| {
        s.match_indices('.').any(|(i, _)| {
            s.as_bytes()
                .get(i + 1..i + 4)
                .is_some_and(|w| w.eq_ignore_ascii_case(b"svc"))
        })
    };
    if !has_svc(text) {
        return Vec::new();
    }
    text.split(|c: char| {
        c.is_whitespace() || matches!(c, ',' | ';' | '"' | '\'' | '(' | ')' | '=' | '`')
    })
    .filter(|t| has_svc(t))
    .map(|t| t.trim_end_matches('.').to_ascii_lowercase())
    .filter(|t| {
        let labels: Vec<&str> = t.split('.').collect();
        let valid = labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        });
        valid && (labels.get(2) == Some(&"svc") || labels.get(3) == Some(&"svc"))
    })
    .map(|host| HostRef {
        host,
        port: None,
        scheme: None,
    })
    .collect()
}

/// Kubernetes `$(VAR)` expansion (k8s.io/kubernetes `third_party/forked/golang/expansion`):
/// `$$` → `$`, `$(NAME)` → its value when known, anything else as written.
pub(crate) fn expand(text: &str, vars: &BTreeMap<&str, &str>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(inner) = after.strip_prefix('(')
            && let Some(end) = inner.find(')')
            && let Some(value) = vars.get(&inner[..end])
        {
            out.push_str(value);
            rest = &inner[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_cluster_names_count() {
        let h = |t: &str| {
            hosts(t, false)
                .into_iter()
                .map(|r| (r.host, r.port))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            h("until nc -z db.apps.svc.cluster.local 5432"),
            [("db.apps.svc.cluster.local".to_owned(), None)]
        );
        assert_eq!(
            h("--peer=db-0.db.apps.svc"),
            [("db-0.db.apps.svc".to_owned(), None)]
        );
        assert_eq!(
            h("http://api.shop.svc:8080/x"),
            [("api.shop.svc".to_owned(), Some(8080))]
        );
        assert!(h("example.svc.com service").is_empty());
    }

    #[test]
    fn expands_like_kubernetes() {
        let vars: BTreeMap<&str, &str> =
            [("HOST", "redis"), ("PORT", "6379")].into_iter().collect();
        assert_eq!(expand("$(HOST):$(PORT)", &vars), "redis:6379");
        assert_eq!(expand("$$(HOST)", &vars), "$(HOST)");
        assert_eq!(expand("$(UNKNOWN) $HOST $(", &vars), "$(UNKNOWN) $HOST $(");
        assert_eq!(expand("", &vars), "");
    }
}
