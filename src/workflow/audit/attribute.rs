//! Which container a record belongs to (issue 19, point 2).
//!
//! An AppArmor record names its profile, `cinch.<stem>` (output::naming), hence the
//! container. A seccomp record names no profile; it is resolved in this order, and the way
//! it matched is kept for the report:
//! 1. `--docker`: the record's pid → its container (docker.rs: /proc/<pid>/cgroup, then the
//!    engine's Compose labels);
//! 2. the record's `exe` against each container's declared executables (entrypoint or
//!    command, exec probes) and its known runtime (`nginx` → `/usr/sbin/nginx`);
//! 3. `--workload ID`: a log taken from one container.
//!
//! A record that matches nothing, or more than one container, is unmatched and listed —
//! never guessed.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::intent::{Container, Model, Runtime, Workload};
use crate::output::Naming;

/// How a record was tied to its container.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "by", rename_all = "kebab-case")]
pub enum How {
    /// The AppArmor profile named in the record.
    Profile,
    /// `--docker`: the pid ran in this engine container.
    Docker { container: String },
    /// The exe is this declared executable or runtime binary.
    Exe { declared: String },
    /// `--workload`.
    WorkloadFlag,
}

impl How {
    pub fn describe(&self) -> String {
        match self {
            How::Profile => "AppArmor profile".into(),
            How::Docker { container } => format!("--docker: container {container}"),
            How::Exe { declared } => format!("exe matches `{declared}`"),
            How::WorkloadFlag => "--workload".into(),
        }
    }
}

/// A container of the model, addressed as (workload id, container name).
pub type Key = (String, String);

/// The model's containers, with what matching needs.
pub struct Targets<'m> {
    pub model: &'m Model,
    by_profile: BTreeMap<String, Key>,
    /// `--workload` (and `--container`), resolved.
    only: Option<Vec<Key>>,
    /// `--docker`: pid → container key and engine container name.
    pub pids: BTreeMap<u32, (Key, String)>,
}

impl<'m> Targets<'m> {
    /// `workload`: an id (`shop/api`), a name (`api`) or a profile stem; `container` narrows
    /// it. Errors name the choices.
    pub fn new(
        model: &'m Model,
        workload: Option<&str>,
        container: Option<&str>,
    ) -> Result<Self, String> {
        let naming = Naming::new(model);
        let mut by_profile = BTreeMap::new();
        for w in model.workloads.iter().filter(|w| w.confinable()) {
            for c in &w.containers {
                let stem = naming.container(&w.id, &c.name);
                by_profile.insert(format!("cinch.{stem}"), (w.id.clone(), c.name.clone()));
            }
        }
        let only = match workload {
            None => None,
            Some(id) => Some(select(model, &naming, id, container)?),
        };
        Ok(Targets {
            model,
            by_profile,
            only,
            pids: BTreeMap::new(),
        })
    }

    pub fn get(&self, key: &Key) -> Option<(&'m Workload, &'m Container)> {
        let w = self.model.workloads.iter().find(|w| w.id == key.0)?;
        let c = w.containers.iter().find(|c| c.name == key.1)?;
        Some((w, c))
    }

    /// An AppArmor profile name → its container. Child profiles (`cinch.x//null-…`, an
    /// exec transition) belong to their parent.
    pub fn profile(&self, profile: &str) -> Option<Key> {
        let base = profile.split("//").next().unwrap_or(profile);
        self.by_profile.get(base).cloned()
    }

    /// A seccomp record's container, or why there is none.
    pub fn seccomp(&self, pid: Option<u32>, exe: Option<&str>) -> Result<(Key, How), String> {
        if let Some((key, name)) = pid.and_then(|p| self.pids.get(&p)) {
            return Ok((
                key.clone(),
                How::Docker {
                    container: name.clone(),
                },
            ));
        }
        let candidates: Vec<(Key, String)> = match exe {
            Some(exe) => self.by_exe(exe),
            None => Vec::new(),
        };
        match (candidates.len(), &self.only) {
            (1, _) => {
                let (key, declared) = candidates.into_iter().next().unwrap_or_default();
                Ok((key, How::Exe { declared }))
            }
            (_, Some(only)) if only.len() == 1 => Ok((only[0].clone(), How::WorkloadFlag)),
            (0, Some(_)) => Err(
                "--workload has several containers and the exe matches none: add --container"
                    .into(),
            ),
            (0, None) => Err(match exe {
                Some(e) => format!("no container declares `{e}`: use --docker or --workload"),
                None => "no exe in the record: use --docker or --workload".into(),
            }),
            (_, _) => Err(format!(
                "the exe matches several containers ({}): use --docker or --workload",
                candidates
                    .iter()
                    .map(|((w, c), _)| format!("{w}/{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    fn by_exe(&self, exe: &str) -> Vec<(Key, String)> {
        let mut out = Vec::new();
        for w in self.model.workloads.iter().filter(|w| w.confinable()) {
            for c in &w.containers {
                let key = (w.id.clone(), c.name.clone());
                if self.only.as_ref().is_some_and(|o| !o.contains(&key)) {
                    continue;
                }
                if let Some(declared) = exe_matches(c, exe) {
                    out.push((key, declared));
                }
            }
        }
        out
    }
}

fn select(
    model: &Model,
    naming: &Naming,
    id: &str,
    container: Option<&str>,
) -> Result<Vec<Key>, String> {
    let found: Vec<&Workload> = model
        .workloads
        .iter()
        .filter(|w| w.id == id || w.name == id || naming.workload(&w.id) == id)
        .collect();
    let w = match found[..] {
        [w] => w,
        [] => {
            let ids: Vec<&str> = model.workloads.iter().map(|w| w.id.as_str()).collect();
            return Err(format!(
                "--workload {id}: no such workload (workloads: {})",
                ids.join(", ")
            ));
        }
        _ => {
            return Err(format!(
                "--workload {id}: several workloads have that name; give the id"
            ));
        }
    };
    let keys: Vec<Key> = w
        .containers
        .iter()
        .filter(|c| container.is_none_or(|n| c.name == n))
        .map(|c| (w.id.clone(), c.name.clone()))
        .collect();
    if keys.is_empty() {
        return Err(format!(
            "--container {}: {} has no such container",
            container.unwrap_or(""),
            w.id
        ));
    }
    Ok(keys)
}

fn basename(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// The binaries a known runtime runs as, by the paths Debian and the official images use.
fn runtime_binaries(rt: Runtime) -> &'static [&'static str] {
    match rt {
        Runtime::Nginx => &["nginx"],
        Runtime::Redis => &["redis-server"],
        Runtime::Postgres => &["postgres", "postgresql"],
        Runtime::Python => &["python", "python3"],
        Runtime::Node => &["node", "nodejs"],
        Runtime::Jvm => &["java"],
        // A Go binary has no well-known name; only its declared path matches.
        Runtime::Go => &[],
        Runtime::Shell => &["sh", "ash", "busybox"],
    }
}

/// The declared executable (or runtime) `exe` matches: the same path, or, when the manifest
/// gives a bare name (resolved through PATH), the same file name.
fn exe_matches(c: &Container, exe: &str) -> Option<String> {
    for (declared, _) in c.declared_executables().unwrap_or_default() {
        let same = if declared.contains('/') {
            declared == exe
        } else {
            basename(exe) == declared
        };
        if same {
            return Some(declared);
        }
    }
    let rt = c
        .explicit
        .runtime
        .as_ref()
        .or(c.runtime.as_ref())
        .map(|f| f.value)?;
    let name = basename(exe);
    // `python3.11` is python3; a version suffix is part of how Debian names interpreters.
    let stem = name.trim_end_matches(|ch: char| ch.is_ascii_digit() || ch == '.');
    runtime_binaries(rt)
        .iter()
        .find(|b| **b == name || **b == stem)
        .map(|b| format!("{b} ({} runtime)", rt.name()))
}
