//! Intent → typed profile: one container of one workload becomes one [`Profile`].
//!
//! Mapping (DESIGN.md §3 "AppArmor"): `capability` rules for exactly the effective set;
//! network rules for what the workload declares (`network.rs`); file rules from the root
//! filesystem, mounts and devices (`files.rs`); `ix` for declared programs (`exec.rs`);
//! signals only within the profile (plus receiving the runtime's stop/kill); ptrace denied
//! unless SYS_PTRACE is granted, mount/umount/pivot_root denied unless SYS_ADMIN is.
//! A privileged container gets no profile, only a warning: the rule seccomp follows too
//! (`backend::privileged` says why).
//! A manifest value that cannot be written safely is an error with its file:line, and the
//! container gets no profile (never a profile with the value silently dropped).

use std::collections::BTreeMap;

use crate::diag::{Code, Diagnostics, Severity};
use crate::intent::{Capability, Container, DeclaredProfile, Provenance, Workload};

use super::escape::{ProfileName, Unsafe};
use super::model::{Access, Origin, Peer, Profile, Reason, Rule, RuleGroup, SignalPerms, Topic};
use super::{exec, files, network};

/// What the backend makes of one container.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Profile(Box<Profile>),
    /// Privileged: AppArmor does not apply (kept for `explain`).
    Unconfined {
        at: Provenance,
    },
    /// A value could not be written safely; the errors are in the diagnostics.
    Rejected,
}

/// Unsafe manifest values found while building, each with where it was written.
#[derive(Default)]
pub(super) struct Problems(Vec<(Provenance, String)>);

impl Problems {
    /// `what` names the kind of value (`mount target`); the error shows the value itself.
    pub fn push(&mut self, at: &Provenance, what: &str, e: Unsafe) {
        self.0.push((at.clone(), format!("{what}: {e}")));
    }
}

/// Build the profile of container `c` of workload `w`, named `cinch.<stem>`.
pub fn build(
    w: &Workload,
    c: &Container,
    stem: &str,
    complain: bool,
    diags: &mut Diagnostics,
) -> Outcome {
    if let Some(warning) = crate::backend::privileged::warning(w, c) {
        diags.push(warning);
        return Outcome::Unconfined {
            at: c.privileged.at.clone(),
        };
    }
    let mut problems = Problems::default();
    let name = match ProfileName::new(stem) {
        Ok(n) => Some(n),
        Err(e) => {
            problems.push(&w.at, "profile name", e);
            None
        }
    };
    let mut groups = Vec::new();
    capabilities(c, &mut groups);
    network::groups(w, c, &mut groups);
    let mounts = files::mounts(c, &mut problems);
    files::groups(w, c, &mounts, &mut groups, &mut problems);
    exec::groups(c, &mounts, &mut groups, &mut problems);
    let Some(name) = name.filter(|_| problems.0.is_empty()) else {
        for (at, message) in problems.0 {
            diags.push(at.diagnostic_at_column(
                Severity::Error,
                Code::Unsafe,
                format!(
                    "{message}; no AppArmor profile is written for container `{}` of {}",
                    c.name, w.id
                ),
            ));
        }
        return Outcome::Rejected;
    };
    signals(&name, &mut groups);
    privileged_operations(c, &name, &mut groups);
    Outcome::Profile(Box::new(Profile {
        origin: Origin {
            manifest: w.at.file().unwrap_or("<inputs>").to_owned(),
            workload: w.id.clone(),
            container: c.name.clone(),
        },
        complain: complain_reason(w, c, complain),
        declared: c.apparmor.as_ref().map(|f| {
            let what = match &f.value {
                DeclaredProfile::Unconfined => {
                    "the manifest runs this container unconfined by AppArmor".to_owned()
                }
                DeclaredProfile::RuntimeDefault => {
                    "the manifest names the runtime's default AppArmor profile".to_owned()
                }
                DeclaredProfile::Localhost(p) => {
                    format!("the manifest names the AppArmor profile `{p}`")
                }
            };
            Reason::new(
                format!("{what}; this profile applies once it names {name} instead"),
                &f.at,
            )
        }),
        name,
        groups,
    }))
}

/// `--complain`, else explicit intent (`x-cinch: {complain: true}`) on the container or workload.
fn complain_reason(w: &Workload, c: &Container, complain: bool) -> Option<Reason> {
    if complain {
        return Some(Reason::baseline(
            "complain mode: violations are logged, not blocked",
            "--complain",
        ));
    }
    [&c.explicit.complain, &w.explicit.complain]
        .into_iter()
        .flatten()
        .find(|f| f.value)
        .map(|f| Reason::new("complain mode: violations are logged, not blocked", &f.at))
}

/// One `capability` rule per member of the effective set, grouped by why it is there.
fn capabilities(c: &Container, out: &mut Vec<RuleGroup>) {
    let set = &c.capabilities;
    if set.effective.is_empty() {
        let mut why: Vec<Reason> = Vec::new();
        for at in set.dropped.values() {
            let r = Reason::new("no capabilities: the effective set is empty", at);
            if !why.contains(&r) {
                why.push(r);
            }
        }
        if why.is_empty() {
            why.push(Reason::baseline(
                "no capabilities: the effective set is empty",
                "capabilities(7)",
            ));
        }
        out.push(RuleGroup::new(Topic::Capabilities, why, Vec::new()));
        return;
    }
    let mut by_reason: BTreeMap<&Provenance, Vec<Capability>> = BTreeMap::new();
    for (cap, at) in &set.effective {
        by_reason.entry(at).or_default().push(*cap);
    }
    for (at, caps) in by_reason {
        let why = vec![Reason::new("in the effective capability set", at)];
        out.push(RuleGroup::new(
            Topic::Capabilities,
            why,
            caps.into_iter().map(Rule::Capability).collect(),
        ));
    }
}

/// Signals stay within the profile; the container runtime may stop and kill it.
fn signals(name: &ProfileName, out: &mut Vec<RuleGroup>) {
    out.push(RuleGroup::new(
        Topic::Signals,
        vec![Reason::baseline(
            "signals only between this profile's own processes",
            "least privilege",
        )],
        vec![Rule::Signal {
            perms: SignalPerms::SendReceive,
            peer: Peer::Profile(name.clone()),
        }],
    ));
    out.push(RuleGroup::new(
        Topic::Signals,
        vec![Reason::baseline(
            "the container runtime stops and kills the container (docker stop, kubelet)",
            "runc/crun and the daemons run unconfined or as `runc`/`crun`",
        )],
        ["unconfined", "runc", "crun"]
            .into_iter()
            .map(|l| Rule::Signal {
                perms: SignalPerms::Receive,
                peer: Peer::Label(l),
            })
            .collect(),
    ));
}

/// ptrace needs SYS_PTRACE and mounts need SYS_ADMIN (capabilities(7)); without them AppArmor
/// denies both outright, which also keeps their denials out of the log.
fn privileged_operations(c: &Container, name: &ProfileName, out: &mut Vec<RuleGroup>) {
    let caps = &c.capabilities.effective;
    match caps.get(&Capability::SysPtrace) {
        Some(at) => out.push(RuleGroup::new(
            Topic::Ptrace,
            vec![Reason::new(
                "capability SYS_PTRACE: tracing within this profile",
                at,
            )],
            vec![Rule::Ptrace {
                access: Access::Allow,
                peer: Some(Peer::Profile(name.clone())),
            }],
        )),
        None => out.push(RuleGroup::new(
            Topic::Ptrace,
            vec![Reason::baseline(
                "no SYS_PTRACE capability: no tracing",
                "capabilities(7), ptrace(2)",
            )],
            vec![Rule::Ptrace {
                access: Access::Deny,
                peer: None,
            }],
        )),
    }
    let (access, why) = match caps.get(&Capability::SysAdmin) {
        Some(at) => (
            Access::Allow,
            Reason::new("capability SYS_ADMIN: mounts", at),
        ),
        None => (
            Access::Deny,
            Reason::baseline(
                "no SYS_ADMIN capability: no mount, umount or pivot_root",
                "capabilities(7), mount(2)",
            ),
        ),
    };
    out.push(RuleGroup::new(
        Topic::Mounts,
        vec![why],
        vec![
            Rule::Mount(access),
            Rule::Umount(access),
            Rule::PivotRoot(access),
        ],
    ));
}
