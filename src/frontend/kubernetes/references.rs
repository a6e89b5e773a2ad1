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

use crate::frontend::reference;
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
        for r in reference::find(&text, reference::name_hints_address(name)) {
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
            for r in reference::find(&expand(word, &literals), false) {
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
    fn expands_like_kubernetes() {
        let vars: BTreeMap<&str, &str> =
            [("HOST", "redis"), ("PORT", "6379")].into_iter().collect();
        assert_eq!(expand("$(HOST):$(PORT)", &vars), "redis:6379");
        assert_eq!(expand("$$(HOST)", &vars), "$(HOST)");
        assert_eq!(expand("$(UNKNOWN) $HOST $(", &vars), "$(UNKNOWN) $HOST $(");
        assert_eq!(expand("", &vars), "");
    }
}
