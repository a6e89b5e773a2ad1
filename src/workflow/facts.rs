//! Reading generated profiles back as rules with reasons: what `diff` compares and `explain`
//! prints. Working from the rendered files (not from the backends' typed values) means a
//! committed profile directory, an older commit's inputs and the working tree are all
//! compared the same way, and what is compared is exactly what the runtime will load.
//!
//! A rule is identified by its text (`capability net_bind_service`, `syscall bind`,
//! `ingress from shop/web on 9000/TCP`); its reasons are the provenance the backend wrote
//! beside it. Each rule either allows something or denies it, which decides whether adding or
//! removing it widens the profile.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::backend::Backend;
use crate::output::OutputTree;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    Allow,
    Deny,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rule {
    pub effect: Effect,
    pub reasons: BTreeSet<String>,
    /// Every reason is undeclared intent (`--undeclared`, NetworkPolicy): allowed because
    /// nothing declares who connects, not because something does.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub undeclared: bool,
}

impl Rule {
    fn new(effect: Effect) -> Rule {
        Rule {
            effect,
            reasons: BTreeSet::new(),
            undeclared: false,
        }
    }
}

/// One generated file, read back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProfileFile {
    pub path: String,
    pub backend: Backend,
    /// What the profile confines: `shop/api` or `shop/api (container api)`, from the file's
    /// header; the file stem when the header does not say.
    pub subject: String,
    pub rules: BTreeMap<String, Rule>,
}

/// Every profile file of a tree, by path. Files that are not profiles (wired manifests,
/// operator objects, a user's README) are left out.
pub fn read_tree(tree: &OutputTree) -> BTreeMap<String, ProfileFile> {
    read_files(tree.files.iter())
}

/// [`read_tree`] for some of a tree's files.
pub fn read_files<'a>(
    files: impl Iterator<Item = (&'a String, &'a Vec<u8>)>,
) -> BTreeMap<String, ProfileFile> {
    files
        .filter_map(|(path, bytes)| read_file(path, bytes).map(|f| (path.clone(), f)))
        .collect()
}

pub fn read_file(path: &str, bytes: &[u8]) -> Option<ProfileFile> {
    let (dir, name) = path.split_once('/')?;
    let text = std::str::from_utf8(bytes).ok()?;
    let stem = name.rsplit_once('.').map_or(name, |(s, ext)| {
        if matches!(ext, "json" | "yaml") {
            s
        } else {
            name
        }
    });
    let backend = match dir {
        "apparmor" => Backend::Apparmor,
        "seccomp" => Backend::Seccomp,
        "networkpolicy" => Backend::Networkpolicy,
        _ => return None,
    };
    let (subject, rules) = match backend {
        Backend::Apparmor => apparmor(text)?,
        Backend::Networkpolicy => networkpolicy(text)?,
        Backend::Seccomp => seccomp(text)?,
    };
    Some(ProfileFile {
        path: path.to_owned(),
        backend,
        subject: subject.unwrap_or_else(|| stem.to_owned()),
        rules,
    })
}

/// The reason in a comment: the text inside the last parentheses (`(compose.yaml:14 …)`).
fn reason_of(comment: &str) -> String {
    comment.trim().to_owned()
}

/// AppArmor: blocks of `# section: what (reason)` comments followed by the rules they
/// explain; the header names the workload and container.
fn apparmor(text: &str) -> Option<(Option<String>, BTreeMap<String, Rule>)> {
    let mut subject = None;
    let mut rules = BTreeMap::new();
    let mut comments: Vec<String> = Vec::new();
    let mut inside = false;
    let mut mode_reason = None;
    for line in text.lines() {
        let t = line.trim();
        if !inside {
            if let Some(m) = t.strip_prefix("# Mode: ") {
                mode_reason = Some(m.to_owned());
            }
            if let Some(rest) = t.strip_prefix("# From ")
                && let Some((_, who)) = rest.split_once(": workload ")
            {
                let who = who.trim_end_matches('.');
                subject = Some(match who.split_once(", container ") {
                    Some((w, c)) => format!("{w} (container {c})"),
                    None => who.to_owned(),
                });
            }
            if t.starts_with("profile ") {
                inside = true;
                if let Some(flags) = t
                    .split_once("flags=(")
                    .map(|(_, f)| f.trim_end_matches(['{', ' ', ')']))
                {
                    let mode = if flags.split(',').any(|f| f == "complain") {
                        "complain"
                    } else {
                        "enforce"
                    };
                    let reason = mode_reason
                        .take()
                        .unwrap_or_else(|| "baseline: enforce mode (no --complain)".to_owned());
                    // Complain mode allows everything (it only logs).
                    let mut rule = Rule::new(if mode == "complain" {
                        Effect::Allow
                    } else {
                        Effect::Deny
                    });
                    rule.reasons.insert(reason);
                    rules.insert(format!("mode {mode}"), rule);
                }
            }
            continue;
        }
        if t.is_empty() {
            comments.clear();
        } else if let Some(c) = t.strip_prefix('#') {
            if !c.starts_with("include") {
                comments.push(reason_of(c));
            }
        } else if t != "}" {
            let key = t.trim_end_matches(',').to_owned();
            let effect = if key.starts_with("deny ") {
                Effect::Deny
            } else {
                Effect::Allow
            };
            let rule = rules.entry(key).or_insert_with(|| Rule::new(effect));
            rule.reasons.extend(comments.iter().cloned());
        }
    }
    inside.then_some((subject, rules))
}

/// seccomp: one rule per syscall name (and argument condition) of each entry, its reason the
/// entry's `comment`; the default action is a rule too (`default SCMP_ACT_ERRNO`). The top
/// `comment` names the workload and container.
fn seccomp(text: &str) -> Option<(Option<String>, BTreeMap<String, Rule>)> {
    let doc: serde_json::Value = serde_json::from_str(text).ok()?;
    let subject = doc["comment"].as_str().and_then(|c| {
        let (_, inner) = c.rsplit_once("(workload ")?;
        let (who, _) = inner.split_once(')')?;
        Some(match who.split_once(", container ") {
            Some((w, c)) => format!("{w} (container {c})"),
            None => who.to_owned(),
        })
    });
    let effect = |action: &str| {
        if action.contains("ERRNO") || action.contains("KILL") || action.contains("TRAP") {
            Effect::Deny
        } else {
            Effect::Allow
        }
    };
    let mut rules = BTreeMap::new();
    let default = doc["defaultAction"].as_str()?;
    let why = doc["comment"]
        .as_str()
        .and_then(|c| c.split_once("Default: ").map(|(_, d)| d.to_owned()));
    let mut rule = Rule::new(effect(default));
    rule.reasons.extend(why);
    rules.insert(format!("default {default}"), rule);
    for entry in doc["syscalls"].as_array().into_iter().flatten() {
        let action = entry["action"].as_str().unwrap_or("");
        let cond: Vec<String> = entry["args"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| {
                let (i, v) = (&a["index"], a["value"].as_u64().unwrap_or(0));
                let two = a["valueTwo"].as_u64().unwrap_or(0);
                match a["op"].as_str().unwrap_or("") {
                    "SCMP_CMP_MASKED_EQ" => format!("arg{i} & {v:#x} == {two:#x}"),
                    "SCMP_CMP_EQ" => format!("arg{i} == {v:#x}"),
                    "SCMP_CMP_NE" => format!("arg{i} != {v:#x}"),
                    "SCMP_CMP_LT" => format!("arg{i} < {v:#x}"),
                    "SCMP_CMP_LE" => format!("arg{i} <= {v:#x}"),
                    "SCMP_CMP_GT" => format!("arg{i} > {v:#x}"),
                    "SCMP_CMP_GE" => format!("arg{i} >= {v:#x}"),
                    other => format!("arg{i} {other} {v:#x} {two:#x}"),
                }
            })
            .collect();
        let suffix = if cond.is_empty() {
            String::new()
        } else {
            format!(" if {}", cond.join(" and "))
        };
        let verb = if effect(action) == Effect::Deny {
            "deny syscall"
        } else {
            "syscall"
        };
        for name in entry["names"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| n.as_str())
        {
            let rule = rules
                .entry(format!("{verb} {name}{suffix}"))
                .or_insert_with(|| Rule::new(effect(action)));
            if let Some(c) = entry["comment"].as_str() {
                rule.reasons.insert(c.to_owned());
            }
        }
    }
    Some((subject, rules))
}

/// NetworkPolicy: the header lists each rule (`# ingress[0]: from shop/web (selector) on
/// TCP 9000, UDP 53`) and under it one reason per port (`#   TCP 9000: …`). One rule per
/// direction, peer and port: `ingress from shop/web on TCP 9000`.
fn networkpolicy(text: &str) -> Option<(Option<String>, BTreeMap<String, Rule>)> {
    let mut subject = None;
    let mut rules: BTreeMap<String, Rule> = BTreeMap::new();
    let mut current: Option<(String, String)> = None; // (direction, peer)
    for line in text.lines() {
        let Some(c) = line.strip_prefix('#') else {
            // The YAML body starts; the header is over.
            if !line.trim().is_empty() {
                break;
            }
            continue;
        };
        if let Some(rest) = c.strip_prefix(" generated by cinch from ") {
            subject = rest
                .rsplit_once("(workload ")
                .map(|(_, w)| w.split_once(')').map_or(w, |(w, _)| w).to_owned());
            continue;
        }
        let c = c.trim_start();
        if let Some((dir, rest)) = ["ingress[", "egress["]
            .iter()
            .find_map(|d| c.strip_prefix(d).map(|r| (d, r)))
        {
            let Some((_, rest)) = rest.split_once("]: ") else {
                continue;
            };
            let rest = rest
                .strip_prefix("from ")
                .or_else(|| rest.strip_prefix("to "))
                .unwrap_or(rest);
            let Some((peer, ports)) = rest.rsplit_once(" on ") else {
                continue;
            };
            // `shop/web (io.kompose.service=web)`: the name is what reviewers read.
            let peer = peer.split_once(" (").map_or(peer, |(p, _)| p).to_owned();
            let dir = dir.trim_end_matches('[').to_owned();
            let word = if dir == "ingress" { "from" } else { "to" };
            for port in ports.split(", ") {
                rules
                    .entry(format!("{dir} {word} {peer} on {port}"))
                    .or_insert_with(|| Rule::new(Effect::Allow));
            }
            current = Some((dir, peer));
            continue;
        }
        // `  TCP 9000: reason` under the current rule.
        if let (Some((dir, peer)), Some((port, reason))) = (&current, c.split_once(": ")) {
            let word = if dir == "ingress" { "from" } else { "to" };
            if let Some(rule) = rules.get_mut(&format!("{dir} {word} {peer} on {port}")) {
                rule.reasons.insert(reason.to_owned());
            }
        }
    }
    for rule in rules.values_mut() {
        rule.undeclared = !rule.reasons.is_empty()
            && rule
                .reasons
                .iter()
                .all(|r| r.starts_with(crate::backend::networkpolicy::undeclared::PREFIX));
    }
    subject.is_some().then_some((subject, rules))
}

/// A connection a NetworkPolicy allows, for the graph.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Connection {
    pub from: String,
    pub to: String,
    pub port: String,
    /// Allowed by `--undeclared` only (drawn dashed).
    pub undeclared: bool,
}

/// Connections between workloads that the policies of `files` allow, for the graph: egress
/// to a workload or an address; ingress from anywhere (`outside`), from every pod of a
/// namespace (`pods of <namespace>`) or of every namespace (`pods of any namespace`). DNS
/// is left out.
pub fn connections(files: &BTreeMap<String, ProfileFile>) -> BTreeSet<Connection> {
    let mut out = BTreeSet::new();
    for f in files
        .values()
        .filter(|f| f.backend == Backend::Networkpolicy)
    {
        // `shop/api` (namespace or Compose project / name).
        let own_ns = f.subject.split_once('/').map_or("", |(ns, _)| ns);
        for (key, rule) in &f.rules {
            let mut add = |from: String, to: String, port: &str| {
                out.insert(Connection {
                    from,
                    to,
                    port: port.to_owned(),
                    undeclared: rule.undeclared,
                });
            };
            if let Some(rest) = key.strip_prefix("egress to ")
                && let Some((peer, port)) = rest.rsplit_once(" on ")
                && !peer.starts_with("DNS ")
            {
                add(f.subject.clone(), peer.to_owned(), port);
            } else if let Some(rest) = key.strip_prefix("ingress from ")
                && let Some((peer, port)) = rest.rsplit_once(" on ")
            {
                let from = match peer {
                    "anywhere" => "outside".to_owned(),
                    "every pod of the namespace" => format!("pods of {own_ns}"),
                    "every pod of every namespace" => "pods of any namespace".to_owned(),
                    other => match other.strip_prefix("every pod of namespace ") {
                        Some(ns) => format!("pods of {ns}"),
                        None => continue,
                    },
                };
                add(from, f.subject.clone(), port);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apparmor_rules_with_their_reasons() {
        let text = "# From c.yaml: workload shop/api, container api.\nprofile cinch.x flags=(attach_disconnected,mediate_deleted) {\n  #include <abstractions/base>\n\n  # network: listens on 80/tcp (c.yaml:3 x)\n  network inet stream,\n\n  # files: no (baseline: b)\n  deny /sys/** w,\n}\n";
        let f = read_file("apparmor/x", text.as_bytes()).unwrap();
        assert_eq!(f.subject, "shop/api (container api)");
        assert_eq!(f.rules["network inet stream"].effect, Effect::Allow);
        assert!(
            f.rules["network inet stream"]
                .reasons
                .contains("network: listens on 80/tcp (c.yaml:3 x)")
        );
        assert_eq!(f.rules["deny /sys/** w"].effect, Effect::Deny);
        assert_eq!(f.rules["mode enforce"].effect, Effect::Deny);
        assert!(!f.rules.keys().any(|k| k.contains("include")));
    }

    #[test]
    fn seccomp_rules_per_syscall_with_reasons() {
        let text = r#"{"comment": "generated by cinch from c.yaml (workload shop/api, container api); do not edit. Default: anything not listed fails with EPERM (baseline: deny by default)",
          "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "architectures": [],
          "syscalls": [{"names": ["bind", "listen"], "action": "SCMP_ACT_ALLOW", "args": [], "comment": "listens on 80/tcp (c.yaml:3 x)"},
                       {"names": ["clone"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}], "comment": "threads"}]}"#;
        let f = read_file("seccomp/shop.api.api.json", text.as_bytes()).unwrap();
        assert_eq!(f.subject, "shop/api (container api)");
        assert_eq!(f.rules["default SCMP_ACT_ERRNO"].effect, Effect::Deny);
        assert!(
            f.rules["syscall bind"]
                .reasons
                .contains("listens on 80/tcp (c.yaml:3 x)")
        );
        assert!(
            f.rules
                .contains_key("syscall clone if arg0 & 0x7e020000 == 0x0"),
            "{:?}",
            f.rules.keys()
        );
    }

    #[test]
    fn networkpolicy_rules_per_port_with_reasons() {
        let text = "# generated by cinch from c.yaml (workload shop/api); do not edit\n# ingress[0]: from shop/web (io.kompose.service=web) on TCP 9000\n#   TCP 9000: shop/web connects to shop/api (c.yaml:17 x)\n# egress[0]: to DNS kube-dns (ns:a=b+pod:c=d) on TCP 53, UDP 53\n#   UDP 53: name lookups (baseline: dns)\napiVersion: networking.k8s.io/v1\n";
        let f = read_file("networkpolicy/shop.api.yaml", text.as_bytes()).unwrap();
        assert_eq!(f.subject, "shop/api");
        let keys: Vec<&str> = f.rules.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "egress to DNS kube-dns on TCP 53",
                "egress to DNS kube-dns on UDP 53",
                "ingress from shop/web on TCP 9000"
            ]
        );
        assert!(
            f.rules["ingress from shop/web on TCP 9000"]
                .reasons
                .contains("shop/web connects to shop/api (c.yaml:17 x)")
        );
        assert!(
            f.rules["egress to DNS kube-dns on UDP 53"]
                .reasons
                .contains("name lookups (baseline: dns)")
        );
        assert!(!f.rules.values().any(|r| r.undeclared));
        let files = BTreeMap::from([(f.path.clone(), f)]);
        assert!(connections(&files).is_empty(), "DNS is not drawn");
    }
}
