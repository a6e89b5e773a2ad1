//! The seccomp backend: intent → a tight syscall allowlist per container, every entry with
//! its reason (DESIGN.md §3).
//!
//! - knowledge tables: `arch` (architectures, names per ABI via the `syscalls` crate),
//!   `groups` (generic syscall groups and their gates), `capabilities` (capability →
//!   syscalls), `container_runtime` (what runc/crun call after loading the filter),
//!   `runtimes` (measured sets of well-known software, data in `measured/`);
//! - `build`: the mapping, producing a typed [`SeccompProfile`];
//! - `render`: deterministic JSON that containerd, CRI-O, Podman and Docker read alike.
//!
//! Output: `seccomp/<workload>.<container>.json` in the output tree.

pub mod arch;
pub mod build;
pub mod capabilities;
pub mod container_runtime;
pub mod groups;
pub mod names;
pub mod profile;
pub mod render;
pub mod runtimes;

pub use arch::{Abi, Arch};
pub use build::Options;
pub use profile::{Action, ArgCmp, Op, ProfileNote, Rule, SeccompProfile, Source, Why};

use crate::diag::Diagnostics;
use crate::intent::Model;
use crate::output::{Naming, OutputTree};

/// Every container's profile, in model order.
pub fn profiles(model: &Model, opts: &Options, diags: &mut Diagnostics) -> Vec<SeccompProfile> {
    model
        .workloads
        .iter()
        .filter(|w| w.confinable())
        .flat_map(|w| w.containers.iter().map(move |c| (w, c)))
        .filter_map(|(w, c)| build::build(w, c, opts, diags))
        .collect()
}

/// Add `seccomp/<stem>.json` for every container to the tree.
pub fn emit(
    model: &Model,
    opts: &Options,
    naming: &Naming,
    tree: &mut OutputTree,
    diags: &mut Diagnostics,
) {
    // One profile at a time: built, rendered, handed to the tree (which may write it out
    // at once), dropped — a 10,000-container run never holds every typed profile.
    let _ = super::per_workload(model, tree, diags, |w, tree, diags| {
        for c in &w.containers {
            let Some(p) = build::build(w, c, opts, diags) else {
                continue;
            };
            let stem = naming.container(&p.workload, &p.container);
            tree.insert("seccomp", &format!("{stem}.json"), render::json(&p));
        }
        Ok::<(), std::convert::Infallible>(())
    });
}
