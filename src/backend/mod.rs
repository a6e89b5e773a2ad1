//! Backends: intent model → typed profiles, each rule with its reason, rendered into the
//! output tree. A backend never parses manifests; it reads only the model.

pub mod seccomp;

use std::collections::BTreeSet;

use crate::diag::Diagnostics;
use crate::intent::Model;
use crate::output::{Naming, OutputTree};

/// The backends cinch has. `generate` runs all of them unless `--backend` picks some.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum Backend {
    Seccomp,
    Apparmor,
    Networkpolicy,
}

impl Backend {
    pub const ALL: &'static [Backend] = &[Backend::Seccomp, Backend::Apparmor, Backend::Networkpolicy];

    pub fn name(self) -> &'static str {
        match self {
            Backend::Seccomp => "seccomp",
            Backend::Apparmor => "apparmor",
            Backend::Networkpolicy => "networkpolicy",
        }
    }
}

/// Options every backend may read (from the command line).
#[derive(Clone, Debug)]
pub struct Options {
    pub backends: BTreeSet<Backend>,
    /// Emit profiles that log instead of deny (`--complain`).
    pub complain: bool,
    /// Architectures seccomp profiles cover (`--arch`; default amd64 and arm64).
    pub arches: BTreeSet<seccomp::Arch>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            backends: Backend::ALL.iter().copied().collect(),
            complain: false,
            arches: seccomp::Arch::ALL.iter().copied().collect(),
        }
    }
}

/// Run the selected backends over the model, adding their files to `tree`.
pub fn emit(model: &Model, opts: &Options, tree: &mut OutputTree, diags: &mut Diagnostics) {
    let naming = Naming::new(model);
    for backend in &opts.backends {
        match backend {
            Backend::Seccomp => {
                let sopts = seccomp::Options {
                    arches: opts.arches.clone(),
                    complain: opts.complain,
                };
                seccomp::emit(model, &sopts, &naming, tree, diags);
            }
            // Each backend lands with its own issue; until then it contributes no files.
            Backend::Apparmor | Backend::Networkpolicy => {
                let _ = (&naming, &tree, &diags);
            }
        }
    }
}
