//! Wiring backend: patched copies of the input manifests that use the generated profiles
//! (DESIGN.md §3 "wiring"). It runs after the profile backends and names only profiles
//! that are in the output tree, so a wired manifest never points at a missing file.
//!
//! It reads no manifest: the frontends kept each file's documents as generic values
//! (`Model::manifests`) and where each container is declared (`Container::source`); this
//! backend patches clones of those values and writes them to `wired/<input path>`:
//! - Kubernetes (`kubernetes.rs`): each container's `securityContext.seccompProfile`
//!   (`Localhost`, `cinch/<stem>.json`, relative to the kubelet's seccomp root
//!   `/var/lib/kubelet/seccomp`) and `securityContext.appArmorProfile` (`Localhost`,
//!   `cinch.<stem>`, Kubernetes 1.30+). With `--spo`, `spo.rs` writes Security Profiles
//!   Operator objects to `spo/<stem>.yaml` and the containers name those instead.
//! - Compose (`compose.rs`): each service's `security_opt` gets `seccomp=<path>` (relative to
//!   the wired file: Compose resolves it against the project directory, docker/compose#8669)
//!   and `apparmor=cinch.<stem>`.
//!
//! Not wired: privileged containers (they run unconfined whatever profile is named: moby
//! `daemon/oci_linux.go`, kubelet), lone Dockerfiles (no manifest to patch). Only files that
//! declare a workload are copied; every document of such a file is kept, in order.

mod compose;
mod kubernetes;
mod spo;
mod write;

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::intent::{Container, ManifestFormat, Model, SourceRef, Workload, pointer_mut};
use crate::output::{Naming, OutputTree};

/// Folder of the output tree that holds the wired manifests.
pub const DIR: &str = "wired";

/// What one container is made to use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Profiles {
    /// Kubernetes `localhostProfile` or Compose `seccomp=` value.
    pub seccomp: Option<String>,
    /// The AppArmor profile name.
    pub apparmor: Option<String>,
}

/// Write a wired copy of every manifest that declares a container, and with `spo` the
/// Security Profiles Operator objects.
pub fn emit(
    model: &Model,
    spo: bool,
    naming: &Naming,
    tree: &mut OutputTree,
    diags: &mut Diagnostics,
) {
    // Containers by the file that declares them, in model order.
    let mut by_file: BTreeMap<&str, Vec<(&Workload, &Container, &SourceRef)>> = BTreeMap::new();
    for w in &model.workloads {
        for c in &w.containers {
            if let Some(src) = &c.source {
                by_file.entry(&src.file).or_default().push((w, c, src));
            }
        }
    }
    let mut taken = BTreeSet::new();
    let mut spo_files = BTreeMap::new();
    for manifest in &model.manifests {
        let Some(containers) = by_file.get(&*manifest.file) else {
            continue;
        };
        let rel = write::wired_path(manifest, &mut taken);
        let mut documents = manifest.documents.clone();
        let mut notes = write::Notes::default();
        for &(w, c, src) in containers {
            let stem = naming.container(&w.id, &c.name);
            if c.privileged.value {
                notes.skipped.push(format!(
                    "{} container {}: privileged, so it runs unconfined whatever profile is named",
                    w.id, c.name
                ));
                diags.push(Diagnostic::note(
                    Code::Privileged,
                    &manifest.file,
                    c.privileged.at.line_no(),
                    format!(
                        "{} container `{}` is not wired: it is privileged and runs unconfined",
                        w.id, c.name
                    ),
                ));
                continue;
            }
            let seccomp_file = format!("seccomp/{stem}.json");
            let apparmor_file = format!("apparmor/{stem}");
            let seccomp_json = tree.files.get(&seccomp_file);
            let apparmor_text = tree.files.get(&apparmor_file);
            let mut profiles = Profiles {
                seccomp: None,
                apparmor: apparmor_text.map(|_| format!("cinch.{stem}")),
            };
            match manifest.format {
                ManifestFormat::Kubernetes => {
                    profiles.seccomp = seccomp_json.map(|_| format!("cinch/{stem}.json"));
                    if spo {
                        let objects = spo::objects(
                            w,
                            c,
                            stem,
                            &manifest.file,
                            seccomp_json.map(Vec::as_slice),
                            apparmor_text.map(Vec::as_slice),
                        );
                        if let Some(p) = &objects.seccomp_profile {
                            profiles.seccomp = Some(p.clone());
                        }
                        notes.other.extend(objects.notes);
                        if let Some(bytes) = objects.file {
                            spo_files.insert(format!("{stem}.yaml"), bytes);
                        }
                    }
                }
                ManifestFormat::Compose => {
                    // From `wired/<rel>`'s directory up to the tree's root.
                    let up = "../".repeat(rel.matches('/').count() + 1);
                    profiles.seccomp = seccomp_json.map(|_| format!("{up}{seccomp_file}"));
                }
            }
            if profiles == Profiles::default() {
                notes.skipped.push(format!(
                    "{} container {}: no seccomp or AppArmor profile was generated for it",
                    w.id, c.name
                ));
                continue;
            }
            if profiles.seccomp.is_none() {
                notes.partial.push(format!("{} container {}", w.id, c.name));
            }
            let Some(doc) = documents.get_mut(src.document) else {
                continue;
            };
            let patched = match manifest.format {
                ManifestFormat::Kubernetes => kubernetes::patch(doc, &src.path, &c.name, &profiles),
                ManifestFormat::Compose => pointer_mut(doc, &src.path)
                    .map(|service| compose::patch(service, &profiles))
                    .is_some(),
            };
            if patched {
                if let Some(p) = &profiles.seccomp {
                    if p.starts_with(spo::OPERATOR_ROOT) {
                        notes.seccomp_spo = true;
                    } else {
                        notes.seccomp_local = true;
                    }
                }
                notes.apparmor |= profiles.apparmor.is_some();
            }
        }
        let bytes = write::manifest(manifest, &documents, &notes, spo);
        tree.insert(DIR, &rel, bytes);
    }
    for (name, bytes) in spo_files {
        tree.insert(spo::DIR, &name, bytes);
    }
}

#[cfg(test)]
mod tests;
