//! cinch's AppArmor profile as the Security Profiles Operator's `AppArmorProfile`
//! `spec.abstract` — or the list of its rules that form cannot express.
//!
//! The operator's CRD (v1 and v1alpha1 alike, `testdata/crds/security-profiles-operator/`)
//! has only `spec.abstract`, `spec.mode` and `spec.state`; the node agent turns the abstract
//! into a profile with a fixed template (`internal/pkg/daemon/apparmorprofile/crd2armor/
//! crd2armor.go`, commit a2e4c4b): `#include <abstractions/base>`, then `<exe> ixr` per
//! allowed executable, `<lib> mr` per allowed library, `<p> r` + `deny <p> wlk` per
//! read-only path, `<p> wlk` + `deny <p> r` per write-only path, `<p> rwlk` per read-write
//! path, `network raw|tcp|udp` (or `deny network raw`), `capability <c>`, and its own denies
//! of /proc writes, `@{PROC}/{sysrq-trigger,mem,kmem,kcore}` and EFI variables (the denies
//! and `deny network raw` only in enforce mode).
//!
//! Each rule of cinch's profile is either **mapped** (the template writes exactly it),
//! **covered** (the template's fixed part already says it: `abstractions/base`'s own-signal
//! rules, a deny of something no mapped rule allows) or **lost**. Any lost rule means no
//! object: an operator profile that is narrower breaks the workload, one that is wider
//! confines less than `apparmor/<stem>` claims, and neither is what `explain` explains.
//! The caller warns with the list, and the container stays wired to the profile loaded on
//! the node from `apparmor/<stem>` (the same name, `cinch.<stem>`).
//!
//! What cinch's profiles always hold and the abstract form cannot say: `network unix`
//! (abstractions/base allows unix sockets only among the profile's own processes), signals
//! from the runtimes (`peer=runc`, `peer=crun`), `deny ptrace` (base allows being traced),
//! and `rw` on a directory without `lk`. So in practice every container is listed, and the
//! objects carry seccomp only; the mapping is kept exact for the day the form grows.

use serde::{Deserialize, Serialize};

use crate::backend::apparmor::model::{Access, Family, Peer, Perms, Profile, Rule, SockType};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Abstract {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub executable: Option<Executable>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub filesystem: Option<Filesystem>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub network: Option<Network>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub capability: Option<Capabilities>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Executable {
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub allowed_executables: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub allowed_libraries: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Filesystem {
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub read_only_paths: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub write_only_paths: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub read_write_paths: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Network {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub allow_raw: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub allowed_protocols: Option<Protocols>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Protocols {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub allow_tcp: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub allow_udp: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Capabilities {
    pub allowed_capabilities: Vec<String>,
}

/// `/proc` denies the operator's template writes itself (crd2armor.go), with cinch's spelling.
const TEMPLATE_DENIES: &[&str] = &[
    "@{PROC}/*",
    "@{PROC}/sysrq-trigger",
    "@{PROC}/mem",
    "@{PROC}/kmem",
    "@{PROC}/kcore",
];

/// The abstract form of `p`, or every rule it cannot express (AppArmor text and why).
pub fn abstract_of(p: &Profile) -> Result<Abstract, Vec<String>> {
    let rules: Vec<&Rule> = p.groups.iter().flat_map(|g| &g.rules).collect();
    let mut out = Abstract::default();
    let mut fs = Filesystem::default();
    let mut exe = Executable::default();
    let mut caps = Vec::new();
    let (mut tcp, mut udp, mut raw) = (false, false, None);
    let mut lost = Vec::new();
    let self_name = p.name.as_str();
    let has = |family: Family, kind: SockType| {
        rules.iter().any(|r| {
            matches!(r, Rule::Network { access: Access::Allow, family: Some(f), kind: Some(k) }
                if *f == family && *k == kind)
        })
    };
    // What the mapped allow rules grant, per path, to decide whether a deny is covered.
    let mut grants: Vec<(String, Perms)> = Vec::new();
    for r in &rules {
        let text = r.to_string();
        let mut lose = |why: &str| lost.push(format!("`{text}` ({why})"));
        match r {
            Rule::Capability(c) => caps.push(c.name().to_ascii_lowercase()),
            Rule::Network {
                access: Access::Allow,
                family: Some(Family::Inet | Family::Inet6),
                kind: Some(kind @ (SockType::Stream | SockType::Dgram)),
            } => {
                // `network tcp`/`udp` covers IPv4 and IPv6 together.
                if has(Family::Inet, *kind) && has(Family::Inet6, *kind) {
                    match kind {
                        SockType::Stream => tcp = true,
                        _ => udp = true,
                    }
                } else {
                    lose("the operator allows TCP or UDP for IPv4 and IPv6 together");
                }
            }
            Rule::Network {
                access,
                family: None,
                kind: Some(SockType::Raw),
            } => raw = Some(*access == Access::Allow),
            Rule::Network {
                access: Access::Deny,
                family: Some(Family::Packet),
                kind: None,
            } if !rules.iter().any(|r| {
                matches!(
                    r,
                    Rule::Network {
                        access: Access::Allow,
                        kind: Some(SockType::Raw),
                        ..
                    }
                )
            }) => {} // covered: nothing mapped allows a packet socket
            Rule::Network { .. } => lose("no network rule of the operator says this"),
            Rule::File {
                access: Access::Allow,
                path,
                perms,
            } => {
                let path = path.to_string();
                if !spo_path(&path) {
                    lose(SPO_PATH);
                } else if *perms == Perms::RM {
                    exe.allowed_libraries.push(path.clone());
                } else if *perms == Perms::RWLK {
                    fs.read_write_paths.push(path.clone());
                } else if *perms == Perms::R && !path.contains('*') {
                    fs.read_only_paths.push(path.clone());
                } else if *perms == Perms::R {
                    lose(
                        "a read-only glob gets `deny … wlk`, which would override writable paths below it",
                    );
                } else {
                    lose("the operator grants only r, mr, wlk or rwlk on a path");
                }
                grants.push((path, *perms));
            }
            Rule::Exec { path } => {
                if !spo_path(&path.to_string()) {
                    lose(SPO_PATH);
                }
                exe.allowed_executables.push(path.to_string());
                grants.push((path.to_string(), Perms::X));
            }
            Rule::File {
                access: Access::Deny,
                ..
            }
            | Rule::Ptrace { .. }
            | Rule::Mount(_)
            | Rule::Umount(_)
            | Rule::PivotRoot(_)
            | Rule::Signal { .. } => {}
        }
    }
    // Denies and the rest, now that every grant is known.
    for r in &rules {
        let text = r.to_string();
        let mut lose = |why: &str| lost.push(format!("`{text}` ({why})"));
        match r {
            Rule::File {
                access: Access::Deny,
                path,
                perms,
            } => {
                let path = path.to_string();
                let templated = TEMPLATE_DENIES.contains(&path.as_str());
                let granted = grants
                    .iter()
                    .any(|(g, p)| may_overlap(g, &path) && intersects(*p, *perms));
                if granted && !templated {
                    lose("the abstract form has no deny rules, and a mapped rule allows this");
                }
            }
            Rule::Signal { peer, .. } => match peer {
                // abstractions/base: `signal peer=@{profile_name}` and
                // `signal (receive) peer=unconfined`.
                Peer::Profile(n) if n.as_str() == self_name => {}
                Peer::Label("unconfined") => {}
                _ => lose("the abstract form has no signal rules"),
            },
            Rule::Ptrace { .. } => lose(
                "the abstract form has no ptrace rules, and abstractions/base allows being traced",
            ),
            // The template allows mount only, and always, with sys_rawio.
            Rule::Mount(access) | Rule::Umount(access) | Rule::PivotRoot(access)
                if *access == Access::Allow || caps.iter().any(|c| c == "sys_rawio") =>
            {
                lose("the operator allows mounting only, and always, with sys_rawio");
            }
            _ => {}
        }
    }
    if !lost.is_empty() {
        return Err(lost);
    }
    if tcp || udp {
        out.network.get_or_insert_default().allowed_protocols = Some(Protocols {
            allow_tcp: tcp.then_some(true),
            allow_udp: udp.then_some(true),
        });
    }
    if let Some(raw) = raw {
        out.network.get_or_insert_default().allow_raw = Some(raw);
    }
    if fs != Filesystem::default() {
        out.filesystem = Some(fs);
    }
    if exe != Executable::default() {
        out.executable = Some(exe);
    }
    if !caps.is_empty() {
        out.capability = Some(Capabilities {
            allowed_capabilities: caps,
        });
    }
    Ok(out)
}

const SPO_PATH: &str =
    "the operator accepts only absolute paths of letters, digits and `_./*?+@{} -`";

/// A path the operator's node agent accepts (crd2armor.go `strictPathRegex`): absolute,
/// without quotes, commas, brackets or escapes — so `{a,b}`, `[0-9]` and `@{PROC}/…` are out.
fn spo_path(p: &str) -> bool {
    p.starts_with('/')
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./*?+@{} -".contains(c))
}

/// Whether two AppArmor path patterns may match a common path: their literal prefixes (up
/// to the first glob, brace or variable) are prefixes of one another. Conservative: "may".
fn may_overlap(a: &str, b: &str) -> bool {
    let lit = |s: &str| -> String {
        s.chars()
            .take_while(|c| !matches!(c, '*' | '?' | '[' | '{' | '@'))
            .collect()
    };
    let (a, b) = (lit(a), lit(b));
    a.starts_with(&b) || b.starts_with(&a)
}

fn intersects(a: Perms, b: Perms) -> bool {
    (a.read && b.read)
        || (a.write && b.write)
        || (a.link && b.link)
        || (a.lock && b.lock)
        || (a.mmap && b.mmap)
        || (a.exec && b.exec)
}
