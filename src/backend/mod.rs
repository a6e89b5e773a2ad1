//! Backends: intent model → typed profiles, each rule with its reason, rendered into the
//! output tree. A backend never parses manifests; it reads only the model.

pub mod apparmor;
pub mod networkpolicy;
pub mod privileged;
pub mod seccomp;
pub mod wiring;

use std::collections::BTreeSet;

use rayon::prelude::*;

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::intent::Model;
use crate::output::{Naming, OutputTree};

/// The backends cinch has. `generate` runs all of them unless `--backend` picks some.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Seccomp,
    Apparmor,
    Networkpolicy,
}

impl Backend {
    pub const ALL: &'static [Backend] =
        &[Backend::Seccomp, Backend::Apparmor, Backend::Networkpolicy];

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
    /// `--ingress-from`, `--dns`, `--default-deny`, `--compose-label`.
    pub networkpolicy: networkpolicy::Options,
    /// Write patched manifests that use the profiles (`--wire`; needs the model's
    /// `manifests`, see `frontend::Options::keep_documents`).
    pub wire: bool,
    /// Security Profiles Operator objects, and wiring to them (`--spo`).
    pub spo: bool,
    /// The output directory as given (`-o`), so wired Compose files can name profiles
    /// relative to the original project directory.
    pub output_dir: Option<std::path::PathBuf>,
    /// Architectures seccomp profiles cover (`--arch`; default amd64 and arm64).
    pub arches: BTreeSet<seccomp::Arch>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            backends: Backend::ALL.iter().copied().collect(),
            complain: false,
            networkpolicy: networkpolicy::Options::default(),
            wire: false,
            spo: false,
            output_dir: None,
            arches: seccomp::Arch::ALL.iter().copied().collect(),
        }
    }
}

/// Run the selected backends over the model, adding their files to `tree`.
pub fn emit(model: &Model, opts: &Options, tree: &mut OutputTree, diags: &mut Diagnostics) {
    let naming = Naming::new(model);
    // The backends read the model and write disjoint folders: they run at the same time,
    // each into its own tree and diagnostics, merged afterwards in a fixed order (so the
    // result does not depend on which finished first).
    let run = |backend: Backend| -> (OutputTree, Diagnostics) {
        let mut tree = tree.child();
        let mut diags = Diagnostics::new();
        match backend {
            Backend::Apparmor => {
                if let Err(e) = apparmor::emit(model, opts.complain, &naming, &mut tree, &mut diags)
                {
                    // Not the input's fault: the embedded template failed (a bug in cinch).
                    diags.push(Diagnostic::error(
                        Code::Output,
                        "<cinch>",
                        0,
                        format!("AppArmor profiles not written: {e}"),
                    ));
                }
            }
            Backend::Seccomp => {
                let sopts = seccomp::Options {
                    arches: opts.arches.clone(),
                    complain: opts.complain,
                };
                seccomp::emit(model, &sopts, &naming, &mut tree, &mut diags);
            }
            Backend::Networkpolicy => {
                networkpolicy::emit(model, &opts.networkpolicy, &naming, &mut tree, &mut diags);
            }
        }
        (tree, diags)
    };
    // NetworkPolicy first: its planning is serial, so it starts while the other backends'
    // parallel chunks keep the second core busy (issue 17).
    let mut selected: Vec<Backend> = opts.backends.iter().copied().collect();
    selected.sort_by_key(|b| *b != Backend::Networkpolicy);
    let mut results: Vec<(Backend, OutputTree, Diagnostics)> = selected
        .into_par_iter()
        .map(|b| {
            let (t, d) = run(b);
            (b, t, d)
        })
        .collect();
    results.sort_by_key(|(b, ..)| *b);
    for (_, t, d) in results {
        tree.absorb(t);
        diags.extend(d);
    }
    // Last: wiring names the profiles the backends above put into the tree.
    if opts.wire || opts.spo {
        wiring::emit(
            model,
            opts.spo,
            opts.output_dir.as_deref(),
            &naming,
            tree,
            diags,
        );
    }
}

/// The confinable workloads of `model`, through [`in_chunks`]. The backends running beside
/// each other (`emit`) do not keep 2 cores busy on their own: one backend is most of the
/// work (issue 17).
fn per_workload<E: Send>(
    model: &Model,
    tree: &mut OutputTree,
    diags: &mut Diagnostics,
    each: impl Fn(&crate::intent::Workload, &mut OutputTree, &mut Diagnostics) -> Result<(), E> + Sync,
) -> Result<(), E> {
    let workloads: Vec<&crate::intent::Workload> =
        model.workloads.iter().filter(|w| w.confinable()).collect();
    in_chunks(&workloads, tree, diags, |w, t, d| each(w, t, d))
}

/// `items` handed to `each` in chunks that run in parallel, each chunk into its own tree
/// and diagnostics; the results are merged in the items' order, so the tree and the
/// diagnostics do not depend on which chunk finished first. The first error is returned
/// (after every chunk has run).
fn in_chunks<T: Sync, E: Send>(
    items: &[T],
    tree: &mut OutputTree,
    diags: &mut Diagnostics,
    each: impl Fn(&T, &mut OutputTree, &mut Diagnostics) -> Result<(), E> + Sync,
) -> Result<(), E> {
    // Big enough that a chunk's bookkeeping is nothing beside its profiles.
    const CHUNK: usize = 64;
    let results: Vec<(OutputTree, Diagnostics, Result<(), E>)> = items
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut t = tree.child();
            let mut d = Diagnostics::new();
            let r = chunk.iter().try_for_each(|item| each(item, &mut t, &mut d));
            (t, d, r)
        })
        .collect();
    let mut outcome = Ok(());
    for (t, d, r) in results {
        tree.absorb(t);
        diags.extend(d);
        if outcome.is_ok() {
            outcome = r;
        }
    }
    outcome
}
