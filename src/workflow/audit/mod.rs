//! `cinch audit`: what complain mode observed, back to declared intent (issue 19).
//!
//! The audit log reader (`frontend::auditlog`) gives records; `attribute` ties each to a
//! container of the model; here each observed call or path is judged against the profile
//! the same manifests give in enforce mode: already allowed (an older profile logged it),
//! missing intent (a patch can declare it, `patch.rs`), or dangerous whatever the reason
//! (a capability or a review, never a patch). `report` prints the result as text or JSON.

pub mod attribute;
pub mod docker;
pub mod patch;
pub mod report;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::backend::seccomp::arch::Abi;
use crate::backend::seccomp::groups::{Group, NEVER};
use crate::backend::seccomp::{self, Arch, capabilities};
use crate::diag::Diagnostics;
use crate::frontend::auditlog::{AuditArch, AuditLog, Problem, Record};
use crate::intent::{Capability, PathAccess};

use attribute::{How, Key, Targets};

/// What one call or path was seen doing.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Observed {
    pub count: u64,
    /// Executables (seccomp) or commands (AppArmor `comm`), with their counts.
    pub by: BTreeMap<String, u64>,
    /// How the records were tied to this container.
    pub matched: BTreeSet<How>,
    /// The first line of the log that shows it.
    pub first_line: u32,
}

impl Observed {
    fn add(&mut self, by: Option<&str>, how: How, line: u32) {
        if self.count == 0 {
            self.first_line = line;
        }
        self.count += 1;
        *self.by.entry(by.unwrap_or("?").to_owned()).or_default() += 1;
        self.matched.insert(how);
    }

    /// `N calls by /usr/bin/x` (the busiest executable; `and others` when there are more).
    pub fn evidence(&self, noun: &str) -> String {
        let plural = if self.count == 1 { "" } else { "s" };
        let top = self
            .by
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map_or("?", |(k, _)| k.as_str());
        let more = if self.by.len() > 1 { " and others" } else { "" };
        format!("{} {noun}{plural} by {top}{more}", self.count)
    }
}

/// The verdict on one observed syscall.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum Judgement {
    /// The enforcing profile allows it: the log came from an older profile.
    AlreadyAllowed,
    /// Missing intent: explicit intent can declare it. `group` says what it is for.
    Declare { group: String },
    /// Needs a capability the container does not hold: declare the capability or review.
    NeedsCapability { capability: String },
    /// Dangerous whatever the reason: review.
    Review { why: String },
}

/// One syscall a container was seen making.
#[derive(Clone, Debug, Serialize)]
pub struct Call {
    #[serde(flatten)]
    pub observed: Observed,
    #[serde(flatten)]
    pub judgement: Judgement,
}

/// One AppArmor finding: an operation on a path (or a capability, a network family).
#[derive(Clone, Debug, Serialize)]
pub struct Access {
    pub operation: String,
    /// The path, capability or other object the record names.
    pub object: String,
    /// `requested_mask` (`r`, `w`, `c`, …).
    pub mask: String,
    /// `ALLOWED` in complain mode, `DENIED` when enforcing.
    pub logged: String,
    #[serde(flatten)]
    pub observed: Observed,
    #[serde(flatten)]
    pub judgement: Judgement,
    /// The explicit path intent that allows it, when one can.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declare: Option<PathIntent>,
}

/// `writes: /dir` or `reads: /file`, as `cinch audit` proposes it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PathIntent {
    pub access: PathAccess,
    pub path: String,
}

/// What an AppArmor record asks for, and the path intent that would allow it. File
/// operations only: a capability needs the capability; a path under the kernel's
/// interfaces meets a `deny` rule no intent lifts; network and signal records are reported
/// without a proposal.
pub fn judge_access(
    name: Option<&str>,
    mask: &str,
    capability: Option<&str>,
) -> (Judgement, Option<PathIntent>) {
    if let Some(cap) = capability {
        return (
            Judgement::NeedsCapability {
                capability: format!("CAP_{}", cap.to_ascii_uppercase()),
            },
            None,
        );
    }
    let Some(path) = name.filter(|n| n.starts_with('/')) else {
        return (
            Judgement::Review {
                why: "not a file access: cinch audit proposes file paths only".into(),
            },
            None,
        );
    };
    let kernel = ["/proc/", "/sys/", "/dev/"]
        .iter()
        .any(|p| path.starts_with(p) || path == p.trim_end_matches('/'))
        && !["/dev/shm/", "/dev/mqueue/"]
            .iter()
            .any(|p| path.starts_with(p));
    if kernel {
        return (
            Judgement::Review {
                why: "a kernel interface: denied in every profile, no intent lifts it".into(),
            },
            None,
        );
    }
    // AppArmor's masks (apparmor.d(5)): w write, a append, c create, d delete, l link, k lock.
    let writes = mask.contains(['w', 'a', 'c', 'd', 'l', 'k']);
    let intent = if writes {
        // Writers create, rename and remove files beside the one logged: the directory.
        let dir = if path.ends_with('/') {
            path.trim_end_matches('/')
        } else {
            path.rsplit_once('/')
                .map_or("/", |(d, _)| if d.is_empty() { "/" } else { d })
        };
        PathIntent {
            access: PathAccess::Write,
            path: dir.to_owned(),
        }
    } else {
        PathIntent {
            access: PathAccess::Read,
            path: path.trim_end_matches('/').to_owned(),
        }
    };
    if intent.path == "/" {
        return (
            Judgement::Review {
                why: "the root directory itself: declare a narrower path by hand".into(),
            },
            None,
        );
    }
    let group = match intent.access {
        PathAccess::Write => format!("write below {}", intent.path),
        PathAccess::Read => format!("read {}", intent.path),
    };
    (Judgement::Declare { group }, Some(intent))
}

/// Everything seen for one container.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Finding {
    pub workload: String,
    pub container: String,
    pub syscalls: BTreeMap<String, Call>,
    pub apparmor: Vec<Access>,
}

/// A record no container could be tied to.
#[derive(Clone, Debug, Serialize)]
pub struct Unmatched {
    pub line: u32,
    pub what: String,
    pub why: String,
}

#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub findings: BTreeMap<Key, Finding>,
    pub unmatched: Vec<Unmatched>,
    /// Unmatched records beyond `MAX_UNMATCHED`, only counted.
    pub more_unmatched: u64,
    pub problems: Vec<Problem>,
    pub more_problems: u64,
    pub records: u64,
    pub noise: u64,
}

/// (object, operation, mask, verdict) of an AppArmor record, for counting alike ones.
type AccessKey = (String, String, String, String);

/// Unmatched records kept verbatim; the rest are counted.
const MAX_UNMATCHED: usize = 200;

/// Judge every record of `log` against the model behind `targets`.
pub fn analyze(log: AuditLog, targets: &Targets<'_>, arches: &BTreeSet<Arch>) -> Report {
    let mut report = Report {
        problems: log.problems,
        more_problems: log.more_problems,
        noise: log.noise,
        records: log.records.len() as u64,
        ..Report::default()
    };
    let mut accesses: BTreeMap<Key, BTreeMap<AccessKey, Observed>> = BTreeMap::new();
    for record in &log.records {
        match record {
            Record::Seccomp(s) => match targets.seccomp(s.pid, s.exe.as_deref()) {
                Ok((key, how)) => {
                    let f = finding(&mut report, &key);
                    f.syscalls
                        .entry(s.syscall.to_owned())
                        .or_insert_with(|| Call {
                            observed: Observed::default(),
                            judgement: Judgement::AlreadyAllowed,
                        })
                        .observed
                        .add(s.exe.as_deref().or(s.comm.as_deref()), how, s.line);
                }
                Err(why) => unmatched(
                    &mut report,
                    s.line,
                    format!(
                        "seccomp {} ({}) by {}",
                        s.syscall,
                        s.arch,
                        s.exe.as_deref().unwrap_or("?")
                    ),
                    why,
                ),
            },
            Record::AppArmor(a) => match targets.profile(&a.profile) {
                Some(key) => {
                    let object = a
                        .name
                        .clone()
                        .or_else(|| a.capability.as_ref().map(|c| format!("capability {c}")))
                        .unwrap_or_default();
                    let verdict = match a.verdict {
                        crate::frontend::auditlog::Verdict::Allowed => "ALLOWED",
                        crate::frontend::auditlog::Verdict::Denied => "DENIED",
                    };
                    finding(&mut report, &key);
                    accesses
                        .entry(key)
                        .or_default()
                        .entry((
                            object,
                            a.operation.clone(),
                            a.mask.clone().unwrap_or_default(),
                            verdict.to_owned(),
                        ))
                        .or_default()
                        .add(a.comm.as_deref(), How::Profile, a.line);
                }
                None => unmatched(
                    &mut report,
                    a.line,
                    format!(
                        "AppArmor {} {} under `{}`",
                        a.operation,
                        a.name.as_deref().unwrap_or(""),
                        a.profile
                    ),
                    if a.profile == "unconfined" {
                        "the process ran unconfined: no profile of these manifests applied".into()
                    } else {
                        "not a profile of these manifests (another tool's profile, or other inputs)"
                            .into()
                    },
                ),
            },
        }
    }
    for (key, map) in accesses {
        let f = finding(&mut report, &key);
        for ((object, operation, mask, verdict), observed) in map {
            let capability = object.strip_prefix("capability ");
            let name = (capability.is_none() && !object.is_empty()).then_some(object.as_str());
            let (mut judgement, mut declare) = judge_access(name, &mask, capability);
            if let (Some(p), Some((w, c))) = (&declare, targets.get(&key))
                && declared(w, c, p)
            {
                judgement = Judgement::AlreadyAllowed;
                declare = None;
            }
            f.apparmor.push(Access {
                operation,
                object,
                mask,
                logged: verdict,
                observed,
                judgement,
                declare,
            });
        }
    }
    judge(&mut report, targets, arches, &log.records);
    report
}

fn finding<'r>(report: &'r mut Report, key: &Key) -> &'r mut Finding {
    report
        .findings
        .entry(key.clone())
        .or_insert_with(|| Finding {
            workload: key.0.clone(),
            container: key.1.clone(),
            ..Finding::default()
        })
}

fn unmatched(report: &mut Report, line: u32, what: String, why: String) {
    if report.unmatched.len() < MAX_UNMATCHED {
        report.unmatched.push(Unmatched { line, what, why });
    } else {
        report.more_unmatched += 1;
    }
}

/// `p` is already declared: by explicit path intent (a write covers reads) or a writable
/// mount at or above it. The log then came from the profile before that declaration.
fn declared(w: &crate::intent::Workload, c: &crate::intent::Container, p: &PathIntent) -> bool {
    let under = |dir: &str| {
        let dir = dir.trim_end_matches('/');
        p.path == dir || p.path.strip_prefix(dir).is_some_and(|r| r.starts_with('/'))
    };
    let by_intent = w.explicit.paths.iter().chain(&c.explicit.paths).any(|f| {
        (f.value.access == PathAccess::Write || p.access == PathAccess::Read)
            && under(&f.value.path)
    });
    let by_mount = c
        .mounts
        .iter()
        .any(|m| (!m.read_only || p.access == PathAccess::Read) && under(&m.target));
    by_intent || by_mount
}

/// The ABI of a record, for the profile's allowlist on it.
fn abi(arch: &AuditArch) -> Option<Abi> {
    match arch {
        AuditArch::X86_64 => Some(Abi::X86_64),
        AuditArch::X32 => Some(Abi::X32),
        AuditArch::I386 => Some(Abi::X86),
        AuditArch::Aarch64 => Some(Abi::Aarch64),
        AuditArch::Arm => Some(Abi::Arm),
        AuditArch::Other(_) => None,
    }
}

/// Calls in [`NEVER`] that explicit intent may still add with a reason (groups.rs: "only a
/// capability in intent or explicit intent can add them"): io_uring is an opt-in facility,
/// not an escalation. Everything else there is a review, never a generated patch.
const DECLARABLE_NEVER: &[&str] = &["io_uring_enter", "io_uring_register", "io_uring_setup"];

/// The judgement on one call the container was seen making.
pub fn judge_call(name: &str, allowed: bool) -> Judgement {
    if allowed {
        return Judgement::AlreadyAllowed;
    }
    if let Some(cap) = Capability::ALL
        .iter()
        .find(|c| capabilities::syscalls(**c).contains(&name))
    {
        return Judgement::NeedsCapability {
            capability: format!("CAP_{}", cap.name()),
        };
    }
    if let Some((_, why)) = NEVER
        .iter()
        .find(|(n, _)| *n == name && !DECLARABLE_NEVER.contains(n))
    {
        return Judgement::Review {
            why: (*why).to_owned(),
        };
    }
    let group = Group::ALL
        .iter()
        .find(|g| g.names().contains(&name))
        .map_or_else(
            || "not in a generic group".to_owned(),
            |g| g.what().to_owned(),
        );
    Judgement::Declare { group }
}

fn judge(report: &mut Report, targets: &Targets<'_>, arches: &BTreeSet<Arch>, records: &[Record]) {
    // The ABIs each call was seen on, per container.
    let mut seen_on: BTreeMap<(Key, &str), BTreeSet<Abi>> = BTreeMap::new();
    for r in records {
        if let Record::Seccomp(s) = r
            && let Ok((key, _)) = targets.seccomp(s.pid, s.exe.as_deref())
            && let Some(a) = abi(&s.arch)
        {
            seen_on.entry((key, s.syscall)).or_default().insert(a);
        }
    }
    let opts = seccomp::Options {
        arches: arches.clone(),
        complain: false,
    };
    for (key, f) in &mut report.findings {
        let Some((w, c)) = targets.get(key) else {
            continue;
        };
        // The profile these manifests give in enforce mode; its diagnostics were shown by
        // `generate` already.
        // A privileged container gets no seccomp profile (backend::privileged): nothing of
        // what it called was refused.
        let Some(profile) = seccomp::build::build(w, c, &opts, &mut Diagnostics::new()) else {
            f.syscalls.clear();
            continue;
        };
        let mut allow_cache: BTreeMap<Abi, BTreeSet<&'static str>> = BTreeMap::new();
        for (name, call) in &mut f.syscalls {
            let abis = seen_on
                .get(&(key.clone(), name.as_str()))
                .cloned()
                .unwrap_or_default();
            let allowed = !abis.is_empty()
                && abis.iter().all(|a| {
                    allow_cache
                        .entry(*a)
                        .or_insert_with(|| profile.allowed_on(*a))
                        .contains(name.as_str())
                });
            call.judgement = judge_call(name, allowed);
            if let Judgement::NeedsCapability { capability } = &call.judgement
                && c.capabilities
                    .effective
                    .keys()
                    .any(|k| format!("CAP_{}", k.name()) == *capability)
            {
                // The capability is held but the call still was not allowed: only a review
                // can tell why (an argument filter, e.g. clone's namespace flags).
                call.judgement = Judgement::Review {
                    why: format!("{capability} is held, yet the profile refused the call"),
                };
            }
        }
    }
}

#[cfg(test)]
mod tests;
