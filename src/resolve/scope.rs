//! App scopes in the resolver (issue 21; the rule that assigns them is `input::scope`).
//!
//! - **Identity.** A workload id that two scopes define names two workloads: both are kept,
//!   each qualified as `<scope>:<id>` (the root scope shows as `.`). Ids defined in one
//!   scope only keep their plain names, so outputs that do not collide keep theirs. Within
//!   one scope a second definition stays a duplicate (`dedupe_ids`).
//! - **Linking.** A name (a Compose host, a Service, a ConfigMap) is looked up in the
//!   asker's own scope first, then across scopes, where the first definition wins as before
//!   scopes existed: an app split over several directories still links.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::intent::{Fragment, GrantSource};

/// Stamp each fragment's scope on what it defines, and qualify the workload ids that more
/// than one scope defines (and the references a fragment makes to its own workloads by id).
pub fn qualify(fragments: &mut [Fragment]) {
    let mut scopes_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for f in fragments.iter() {
        for w in &f.workloads {
            scopes_of.entry(&w.id).or_default().insert(&f.scope);
        }
    }
    let shared: BTreeSet<String> = scopes_of
        .into_iter()
        .filter(|(_, s)| s.len() > 1)
        .map(|(id, _)| id.to_owned())
        .collect();
    for f in fragments {
        let scope = f.scope.clone();
        let renamed = |id: &mut String| {
            if shared.contains(id.as_str()) {
                *id = qualified(&scope, id);
            }
        };
        for w in &mut f.workloads {
            w.scope = scope.clone();
            renamed(&mut w.id);
        }
        for g in &mut f.grants {
            g.scope = scope.clone();
            for from in &mut g.from {
                if let GrantSource::Workload { id } = &mut from.source {
                    renamed(id);
                }
            }
        }
        for s in &mut f.scrapers {
            renamed(&mut s.workload);
        }
        for s in &mut f.services {
            s.scope = scope.clone();
        }
        for c in &mut f.config_maps {
            c.scope = scope.clone();
        }
        for r in &mut f.routes {
            r.scope = scope.clone();
        }
    }
}

/// A scope as a qualifier shows it: the root scope (the empty path) is `.`.
fn shown(scope: &str) -> &str {
    if scope.is_empty() { "." } else { scope }
}

/// `<scope>:<id>`.
pub fn qualified(scope: &str, id: &str) -> String {
    format!("{}:{id}", shown(scope))
}

/// The id as its manifest names it: `id` without its scope qualifier.
pub fn local_id<'w>(scope: &str, id: &'w str) -> &'w str {
    id.strip_prefix(shown(scope))
        .and_then(|rest| rest.strip_prefix(':'))
        .unwrap_or(id)
}

/// Values by name, each with its scope: [`Scoped::get`] prefers the asker's scope.
pub struct Scoped<K, V> {
    map: BTreeMap<K, Vec<(Arc<str>, V)>>,
}

impl<K: Ord, V> Scoped<K, V> {
    /// Entries in model order (the first of a name across scopes wins a fallback lookup).
    pub fn new(entries: impl IntoIterator<Item = (K, Arc<str>, V)>) -> Self {
        let mut map: BTreeMap<K, Vec<(Arc<str>, V)>> = BTreeMap::new();
        for (k, scope, v) in entries {
            map.entry(k).or_default().push((scope, v));
        }
        Scoped { map }
    }

    /// The entry named `key` in `scope`, else the first one in any scope.
    pub fn get<Q>(&self, scope: &str, key: &Q) -> Option<&V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let all = self.map.get(key)?;
        all.iter()
            .find(|(s, _)| &**s == scope)
            .or_else(|| all.first())
            .map(|(_, v)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intent::{Provenance, Workload, WorkloadKind};

    fn fragment(scope: &str, ids: &[(&str, &str)]) -> Fragment {
        Fragment {
            scope: Arc::from(scope),
            workloads: ids
                .iter()
                .map(|(ns, name)| {
                    Workload::new(
                        WorkloadKind::Deployment,
                        *ns,
                        *name,
                        Provenance::baseline("test"),
                    )
                })
                .collect(),
            ..Fragment::default()
        }
    }

    #[test]
    fn only_ids_two_scopes_define_are_qualified() {
        let mut f = vec![
            fragment("apps/a", &[("default", "frontend"), ("default", "a-only")]),
            fragment("apps/b", &[("default", "frontend")]),
            // A second file of scope apps/a: a duplicate within the scope, not qualified away.
            fragment("apps/a", &[("default", "a-only")]),
            fragment("", &[("default", "frontend")]),
        ];
        qualify(&mut f);
        let ids: Vec<Vec<&str>> = f
            .iter()
            .map(|f| f.workloads.iter().map(|w| w.id.as_str()).collect())
            .collect();
        assert_eq!(
            ids,
            [
                vec!["apps/a:default/frontend", "default/a-only"],
                vec!["apps/b:default/frontend"],
                vec!["default/a-only"],
                vec![".:default/frontend"],
            ]
        );
        assert_eq!(
            local_id("apps/b", &f[1].workloads[0].id),
            "default/frontend"
        );
        assert_eq!(local_id("", &f[3].workloads[0].id), "default/frontend");
        assert_eq!(&*f[1].workloads[0].scope, "apps/b");
    }

    #[test]
    fn lookups_prefer_the_own_scope_then_the_first() {
        let s = Scoped::new([
            ("db", Arc::from("a"), 1),
            ("db", Arc::from("b"), 2),
            ("cache", Arc::from("b"), 3),
        ]);
        assert_eq!(s.get("b", "db"), Some(&2));
        assert_eq!(s.get("a", "db"), Some(&1));
        assert_eq!(s.get("c", "db"), Some(&1));
        assert_eq!(s.get("a", "cache"), Some(&3));
        assert_eq!(s.get("a", "queue"), None);
    }
}
