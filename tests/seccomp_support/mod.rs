//! Shared by the seccomp integration tests: the fixtures under testdata/seccomp, their
//! generated profiles, and an evaluator of Docker's default profile (the yardstick in
//! ../shared/reference) for a given capability set and architecture.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use cinch::backend::seccomp::{self, Abi, Arch, SeccompProfile};
use cinch::cli::InputArgs;
use cinch::diag::Diagnostics;
use cinch::intent::{Capability, Container, Model, Workload};
use cinch::output::Naming;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Fixture directories, sorted (paths relative to the crate root, as tests pass them).
pub fn fixtures() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join("testdata/seccomp"))
        .expect("testdata/seccomp")
        .flatten()
        .filter(|e| e.path().join("compose.yaml").is_file())
        .map(|e| format!("testdata/seccomp/{}", e.file_name().to_string_lossy()))
        .collect();
    v.sort();
    v
}

pub fn model(dir: &str) -> Model {
    let mut diags = Diagnostics::new();
    let args = InputArgs {
        inputs: vec![dir.to_owned()],
        ..InputArgs::default()
    };
    let prev = std::env::current_dir().unwrap();
    assert_eq!(prev, root(), "tests run from the crate root");
    let model = cinch::load_model(&args, &BTreeMap::new(), &mut std::io::empty(), &mut diags);
    assert!(!diags.has_errors(), "{dir}: {:?}", diags.sorted());
    model
}

/// One generated profile with the container it is for.
pub struct Generated {
    pub stem: String,
    pub workload: Workload,
    pub container: Container,
    pub profile: SeccompProfile,
    pub json: Vec<u8>,
}

pub fn generate(dir: &str) -> Vec<Generated> {
    let model = model(dir);
    let naming = Naming::new(&model);
    let opts = seccomp::Options {
        arches: Arch::ALL.iter().copied().collect(),
        complain: false,
    };
    let mut diags = Diagnostics::new();
    let mut out = Vec::new();
    for w in &model.workloads {
        for c in &w.containers {
            let Some(profile) = seccomp::build::build(w, c, &opts, &mut diags) else {
                continue; // privileged: no profile
            };
            out.push(Generated {
                stem: naming.container(&w.id, &c.name).to_owned(),
                workload: w.clone(),
                container: c.clone(),
                json: seccomp::render::json(&profile),
                profile,
            });
        }
    }
    out
}

/// The one profile of a single-service fixture, by service name.
pub fn one(dir: &str, service: &str) -> Generated {
    generate(dir)
        .into_iter()
        .find(|g| g.workload.name == service)
        .unwrap_or_else(|| panic!("{dir} has no service {service}"))
}

/// A condition of Docker's profile: (index, op, value, valueTwo).
pub type Cond = (u64, String, u64, u64);

/// Docker's default profile, evaluated the way Docker does for one container: `includes`
/// and `excludes` by capability and architecture (`minKernel` taken as met: every kernel
/// in use is newer than 4.8).
pub struct DockerDefault {
    doc: serde_json::Value,
}

impl DockerDefault {
    pub fn load() -> Option<DockerDefault> {
        let path = root().join("../shared/reference/docker-default-seccomp.json");
        let text = std::fs::read_to_string(path).ok()?;
        Some(DockerDefault {
            doc: serde_json::from_str(&text).expect("Docker's profile is JSON"),
        })
    }

    /// Docker's profile, or `None` after a visible SKIPPED line (a failure in CI).
    pub fn require() -> Option<DockerDefault> {
        let d = DockerDefault::load();
        if d.is_none() {
            if std::env::var_os("CI").is_some() {
                panic!(
                    "../shared/reference/docker-default-seccomp.json is missing beside the checkout"
                );
            }
            eprintln!("SKIPPED: ../shared/reference is not beside the checkout");
        }
        d
    }

    /// name → the argument-condition sets under which Docker allows it (an empty set:
    /// unconditionally), for a container with `caps` on `abi`. Only names `abi` knows.
    pub fn allowed(
        &self,
        caps: &BTreeSet<Capability>,
        abi: Abi,
    ) -> BTreeMap<String, Vec<Vec<Cond>>> {
        let arch = match abi {
            Abi::X86_64 => "amd64",
            Abi::X86 => "x86",
            Abi::X32 => "x32",
            Abi::Aarch64 => "arm64",
            Abi::Arm => "arm",
        };
        let has_cap = |v: &serde_json::Value| {
            v.as_array().unwrap().iter().any(|c| {
                let name = c.as_str().unwrap().trim_start_matches("CAP_");
                caps.iter().any(|k| k.name() == name)
            })
        };
        let all_caps = |v: &serde_json::Value| {
            v.as_array().unwrap().iter().all(|c| {
                let name = c.as_str().unwrap().trim_start_matches("CAP_");
                caps.iter().any(|k| k.name() == name)
            })
        };
        let has_arch = |v: &serde_json::Value| {
            v.as_array()
                .unwrap()
                .iter()
                .any(|a| a.as_str() == Some(arch))
        };
        let mut out: BTreeMap<String, Vec<Vec<Cond>>> = BTreeMap::new();
        for entry in self.doc["syscalls"].as_array().unwrap() {
            if entry["action"] != "SCMP_ACT_ALLOW" {
                continue;
            }
            let inc = &entry["includes"];
            if inc.get("caps").is_some_and(|c| !all_caps(c))
                || inc.get("arches").is_some_and(|a| !has_arch(a))
            {
                continue;
            }
            let exc = &entry["excludes"];
            if exc.get("caps").is_some_and(has_cap) || exc.get("arches").is_some_and(has_arch) {
                continue;
            }
            let conds: Vec<Cond> = entry
                .get("args")
                .and_then(|a| a.as_array())
                .map(|args| {
                    args.iter()
                        .map(|a| {
                            (
                                a["index"].as_u64().unwrap(),
                                a["op"].as_str().unwrap().to_owned(),
                                a["value"].as_u64().unwrap(),
                                a.get("valueTwo").and_then(|v| v.as_u64()).unwrap_or(0),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            for n in entry["names"].as_array().unwrap() {
                let n = n.as_str().unwrap();
                if abi.knows(n) {
                    out.entry(n.to_owned()).or_default().push(conds.clone());
                }
            }
        }
        out
    }

    /// Docker's count for a capability set on an architecture's native ABI.
    pub fn count(&self, caps: &BTreeSet<Capability>, arch: Arch) -> usize {
        self.allowed(caps, arch.native()).len()
    }
}

/// Docker's (and containerd's) default capability set.
pub fn default_caps() -> BTreeSet<Capability> {
    cinch::intent::RUNTIME_DEFAULT.iter().copied().collect()
}

/// Whether one argument vector passes a Docker condition.
pub fn passes(cond: &Cond, args: &BTreeMap<u64, u64>) -> Option<bool> {
    let (index, op, value, two) = cond;
    let a = *args.get(index)?;
    Some(match op.as_str() {
        "SCMP_CMP_EQ" => a == *value,
        "SCMP_CMP_NE" => a != *value,
        "SCMP_CMP_LT" => a < *value,
        "SCMP_CMP_LE" => a <= *value,
        "SCMP_CMP_GT" => a > *value,
        "SCMP_CMP_GE" => a >= *value,
        "SCMP_CMP_MASKED_EQ" => a & *value == *two,
        other => panic!("unknown op {other}"),
    })
}

pub fn path(p: &str) -> &Path {
    Path::new(p)
}
