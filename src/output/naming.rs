//! File names for profiles. Workload and container names come from manifests, so they are
//! untrusted: a name may hold `/`, `..`, NUL, newlines or 300 characters. Each becomes a
//! single safe path component; two names that sanitize alike get deterministic suffixes.

use std::collections::{BTreeMap, BTreeSet};

use crate::intent::Model;

/// Longest file stem we produce (Linux allows 255 bytes per component; leave room for
/// `.json`, collision suffixes and the writer's temporary names).
pub const MAX_STEM: usize = 180;

/// Turn any string into one path component: `[A-Za-z0-9._-]` kept, `/` → `.`, anything
/// else → `_`; no leading `.` (no hidden files, no `..`); never empty; at most `MAX_STEM`
/// bytes (a long name keeps its head and gets a hash of the whole name appended).
pub fn sanitize(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '_' | '-' => c,
            '/' => '.',
            _ => '_',
        })
        .collect();
    while s.starts_with('.') {
        s.replace_range(..1, "_");
    }
    if s.is_empty() {
        s.push('_');
    }
    if s.len() > MAX_STEM {
        let hash = fnv1a(name.as_bytes());
        s.truncate(MAX_STEM - 17);
        s.push_str(&format!("~{hash:016x}"));
    }
    s
}

/// FNV-1a: a stable, dependency-free hash for shortening names (not for security).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The file stem of every workload and of every (workload, container), unique across the model.
#[derive(Clone, Debug, Default)]
pub struct Naming {
    workloads: BTreeMap<String, String>,
    containers: BTreeMap<(String, String), String>,
}

impl Naming {
    /// Assign names in model order (workloads sorted by id, containers in declared order),
    /// so collisions resolve the same way on every run.
    pub fn new(model: &Model) -> Self {
        let mut naming = Naming::default();
        let mut taken_w = BTreeSet::new();
        let mut taken_c = BTreeSet::new();
        for w in &model.workloads {
            let stem = unique(sanitize(&w.id), &mut taken_w);
            for c in &w.containers {
                let cstem = unique(sanitize(&format!("{}.{}", w.id, c.name)), &mut taken_c);
                naming
                    .containers
                    .insert((w.id.clone(), c.name.clone()), cstem);
            }
            naming.workloads.insert(w.id.clone(), stem);
        }
        naming
    }

    /// Stem for per-workload files (`networkpolicy/<stem>.yaml`).
    pub fn workload(&self, id: &str) -> &str {
        self.workloads.get(id).map_or("_", String::as_str)
    }

    /// Stem for per-container files (`seccomp/<stem>.json`, `apparmor/<stem>`), also the
    /// AppArmor profile name after `cinch.`.
    pub fn container(&self, workload: &str, container: &str) -> &str {
        self.containers
            .get(&(workload.to_owned(), container.to_owned()))
            .map_or("_", String::as_str)
    }
}

fn unique(stem: String, taken: &mut BTreeSet<String>) -> String {
    if taken.insert(stem.to_ascii_lowercase()) {
        return stem;
    }
    // Case-insensitive file systems (macOS checkouts) would merge `Web` and `web`.
    (2..)
        .map(|i| format!("{stem}~{i}"))
        .find(|s| taken.insert(s.to_ascii_lowercase()))
        .expect("an unused suffix exists")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_become_one_safe_component() {
        assert_eq!(sanitize("default/web"), "default.web");
        assert_eq!(sanitize("../../etc/passwd"), "_.....etc.passwd");
        assert_eq!(sanitize(".."), "_.");
        assert_eq!(sanitize("a\0b\nc"), "a_b_c");
        assert_eq!(sanitize("}{#include"), "___include");
        assert_eq!(sanitize(""), "_");
        let long = sanitize(&"x".repeat(300));
        assert!(long.len() <= MAX_STEM, "{}", long.len());
        assert_ne!(long, sanitize(&"x".repeat(299)));
    }

    #[test]
    fn collisions_get_stable_suffixes() {
        let mut taken = BTreeSet::new();
        assert_eq!(unique("a.b".into(), &mut taken), "a.b");
        assert_eq!(unique("a.b".into(), &mut taken), "a.b~2");
        assert_eq!(unique("A.B".into(), &mut taken), "A.B~3");
    }
}
