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
    tree.files
        .iter()
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
        Backend::Seccomp | Backend::Networkpolicy => return None,
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
                    rules.insert(
                        format!("mode {mode}"),
                        Rule {
                            // Complain mode allows everything (it only logs).
                            effect: if mode == "complain" {
                                Effect::Allow
                            } else {
                                Effect::Deny
                            },
                            reasons: BTreeSet::from([reason]),
                        },
                    );
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
            let rule = rules.entry(key).or_insert_with(|| Rule {
                effect,
                reasons: BTreeSet::new(),
            });
            rule.reasons.extend(comments.iter().cloned());
        }
    }
    inside.then_some((subject, rules))
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
}
