//! AppArmor backend: one profile per container, from intent only.
//!
//! `build` maps a container's intent to a typed [`Profile`] (`model`), every rule with its
//! reason; `render` writes it through `templates/apparmor.profile.j2`. Every value from a
//! manifest is validated or escaped on the way (`escape`), so none can close a block, start
//! a rule, add an `#include` or widen a glob. Files: `apparmor/<stem>` with the profile
//! `cinch.<stem>`, where `<stem>` is the container's file stem (`output::Naming`).
//! The output targets AppArmor ABI 3.0 (what Docker's own profile declares); every profile
//! compiles with `apparmor_parser` 3.0.8 (tests/apparmor.rs runs it on all of them).

pub mod build;
pub mod escape;
mod exec;
mod files;
pub mod model;
mod network;
pub mod render;
mod shell;
#[cfg(test)]
mod tests;

pub use build::{Outcome, build};
pub use model::Profile;
pub use render::Renderer;

use crate::diag::{Diagnostics, Result};
use crate::intent::Model;
use crate::output::{Naming, OutputTree};

/// Folder of the output tree that holds the profiles.
pub const DIR: &str = "apparmor";

/// Build and render a profile for every container of the model into `tree`.
pub fn emit(
    model: &Model,
    complain: bool,
    naming: &Naming,
    tree: &mut OutputTree,
    diags: &mut Diagnostics,
) -> Result<()> {
    let renderer = Renderer::new()?;
    super::per_workload(model, tree, diags, |w, tree, diags| {
        for c in &w.containers {
            let stem = naming.container(&w.id, &c.name);
            match build(w, c, stem, complain, diags) {
                Outcome::Profile(profile) => {
                    tree.insert(DIR, stem, renderer.render(&profile)?.into_bytes())
                }
                Outcome::Unconfined { .. } | Outcome::Rejected => {}
            }
        }
        Ok(())
    })
}
