//! Merging a service over the one it `extends`, per the Compose Specification's merge rules
//! (compose-spec `05-services.md#extends` and `13-merge.md`):
//! - maps (`environment`, `labels`, `sysctls`, `depends_on`, `networks`, `build`,
//!   `healthcheck`, …) merge key by key, list forms (`KEY=VALUE`) normalized first;
//! - `ports`, `expose`, `cap_add`, `dns`, … append, without duplicates;
//! - `volumes`, `devices`, `secrets`, `configs` merge by mount target;
//! - anything else (`image`, `command`, `entrypoint`, `user`, …) is replaced;
//! - `!reset` removes an inherited value, `!override` replaces instead of merging.
//!
//! Nodes keep their marks (file included), so every merged fact still points at the file
//! and line that wrote it.

use crate::yaml::{Mark, Node, Scalar, Style, Value};

/// Keys whose maps merge entry by entry.
const MAP_MERGE: &[&str] = &[
    "environment",
    "labels",
    "annotations",
    "sysctls",
    "extra_hosts",
    "ulimits",
    "depends_on",
    "networks",
    "build",
    "healthcheck",
    "deploy",
    "logging",
    "x-cinch",
];

/// Keys whose lists append (unique by text).
const SEQ_APPEND: &[&str] = &[
    "ports",
    "expose",
    "external_links",
    "links",
    "dns",
    "dns_search",
    "dns_opt",
    "tmpfs",
    "cap_add",
    "cap_drop",
    "security_opt",
    "profiles",
    "volumes_from",
    "group_add",
    "env_file",
    "device_cgroup_rules",
];

/// Keys whose lists merge by mount target.
const SEQ_BY_TARGET: &[&str] = &["volumes", "devices", "secrets", "configs"];

/// `over` merged onto `base`; both are service maps.
pub fn merge_service(base: &Node, over: &Node) -> Node {
    merge_map(base, over, true)
}

fn merge_map(base: &Node, over: &Node, top: bool) -> Node {
    let (Some(b), Some(o)) = (base.as_map(), over.as_map()) else {
        return over.clone();
    };
    let mut out: Vec<(Node, Node)> = Vec::with_capacity(b.len() + o.len());
    for (k, bv) in b {
        let name = k.as_str().unwrap_or("");
        if top && name == "extends" {
            continue;
        }
        match o.iter().find(|(ok, _)| ok.as_str() == Some(name)) {
            None => out.push((k.clone(), bv.clone())),
            Some((ok, ov)) => match ov.tag.as_deref() {
                Some("!reset") => {}
                Some("!override") => out.push((ok.clone(), untagged(ov))),
                _ => out.push((ok.clone(), merge_value(name, bv, ov, top))),
            },
        }
    }
    for (k, ov) in o {
        let name = k.as_str().unwrap_or("");
        if b.iter().any(|(bk, _)| bk.as_str() == Some(name)) || ov.tag.as_deref() == Some("!reset")
        {
            continue;
        }
        out.push((k.clone(), untagged(ov)));
    }
    Node {
        mark: over.mark,
        tag: None,
        value: Value::Map(out),
    }
}

fn untagged(n: &Node) -> Node {
    let mut n = n.clone();
    if matches!(n.tag.as_deref(), Some("!override" | "!reset")) {
        n.tag = None;
    }
    n
}

fn merge_value(key: &str, base: &Node, over: &Node, top: bool) -> Node {
    if !top {
        // Inside a merged map (healthcheck, build): nested maps merge, the rest is replaced.
        return if base.as_map().is_some() && over.as_map().is_some() {
            merge_map(base, over, false)
        } else {
            over.clone()
        };
    }
    if MAP_MERGE.contains(&key) {
        let (b, o) = (as_map_form(base), as_map_form(over));
        return merge_map(&b, &o, false);
    }
    match (base.as_seq(), over.as_seq()) {
        (Some(b), Some(o)) if SEQ_APPEND.contains(&key) => {
            let mut items: Vec<Node> = b.to_vec();
            for item in o {
                if !items.iter().any(|i| same_text(i, item)) {
                    items.push(item.clone());
                }
            }
            seq(over.mark, items)
        }
        (Some(b), Some(o)) if SEQ_BY_TARGET.contains(&key) => {
            let mut items: Vec<Node> = b
                .iter()
                .filter(|bi| {
                    !o.iter()
                        .any(|oi| target_of(oi).is_some() && target_of(oi) == target_of(bi))
                })
                .cloned()
                .collect();
            items.extend(o.iter().cloned());
            seq(over.mark, items)
        }
        _ => over.clone(),
    }
}

fn seq(mark: Mark, items: Vec<Node>) -> Node {
    Node {
        mark,
        tag: None,
        value: Value::Seq(items),
    }
}

fn same_text(a: &Node, b: &Node) -> bool {
    match (a.as_str(), b.as_str()) {
        (Some(x), Some(y)) => x == y,
        _ => a.value == b.value,
    }
}

/// The container-side path of a volume/device/secret/config entry, short or long form.
fn target_of(n: &Node) -> Option<String> {
    if let Some(s) = n.as_str() {
        let parts: Vec<&str> = s.split(':').collect();
        return Some(match parts.len() {
            1 => parts[0].to_owned(),
            _ => parts[1].to_owned(),
        });
    }
    n.get("target")
        .or_else(|| n.get("source"))
        .and_then(Node::as_str)
        .map(str::to_owned)
}

/// `[K=V, K2]` → `{K: V, K2: null}`; `[a, b]` (depends_on, networks) → `{a: null, b: null}`.
/// Maps are returned as they are.
pub fn as_map_form(n: &Node) -> Node {
    let Some(items) = n.as_seq() else {
        return n.clone();
    };
    let entries = items
        .iter()
        .map(|item| {
            let text = item.as_str().unwrap_or("");
            let (k, v) = match text.split_once('=') {
                Some((k, v)) => (k, Some(v)),
                None => (text, None),
            };
            let scalar = |t: &str| Node {
                mark: item.mark,
                tag: None,
                value: Value::Scalar(Scalar {
                    text: t.to_owned(),
                    style: Style::Quoted,
                }),
            };
            let value = match v {
                Some(v) => scalar(v),
                None => Node::new(item.mark, Value::Null),
            };
            (scalar(k), value)
        })
        .collect();
    Node {
        mark: n.mark,
        tag: None,
        value: Value::Map(entries),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::load;

    fn node(text: &str) -> Node {
        load(text).unwrap().remove(0).root
    }

    #[test]
    fn spec_merge_rules() {
        let base = node(
            "image: a\nenvironment: [A=1, B=2]\nports: ['80']\nvolumes: ['/x:/data', '/y:/logs']\ncommand: [x]\n",
        );
        let over = node(
            "environment: {B: 3, C: 4}\nports: ['80', '443']\nvolumes: ['/z:/data']\ncommand: [y]\nuser: u\n",
        );
        let m = merge_service(&base, &over);
        assert_eq!(m.get("image").unwrap().as_str(), Some("a"));
        let env = m.get("environment").unwrap();
        assert_eq!(env.get("A").unwrap().as_str(), Some("1"));
        assert_eq!(env.get("B").unwrap().as_str(), Some("3"));
        assert_eq!(env.get("C").unwrap().as_str(), Some("4"));
        assert_eq!(m.get("ports").unwrap().as_seq().unwrap().len(), 2);
        let vols: Vec<&str> = m
            .get("volumes")
            .unwrap()
            .as_seq()
            .unwrap()
            .iter()
            .filter_map(Node::as_str)
            .collect();
        assert_eq!(vols, ["/y:/logs", "/z:/data"]);
        assert_eq!(
            m.get("command").unwrap().as_seq().unwrap()[0].as_str(),
            Some("y")
        );
        assert_eq!(m.get("user").unwrap().as_str(), Some("u"));
    }

    #[test]
    fn reset_and_override_tags() {
        let base = node("ports: ['80']\nlabels: {a: b}\n");
        let over = node("ports: !reset []\nlabels: !override {c: d}\n");
        let m = merge_service(&base, &over);
        assert!(m.get("ports").is_none());
        assert!(m.get("labels").unwrap().get("a").is_none());
        assert_eq!(
            m.get("labels").unwrap().get("c").unwrap().as_str(),
            Some("d")
        );
    }
}
