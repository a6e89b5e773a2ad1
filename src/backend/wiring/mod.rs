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
//! - Compose (`compose.rs`): each service's `security_opt` gets `seccomp=<path>` and
//!   `apparmor=cinch.<stem>`. Compose v2 resolves relative paths, `seccomp=` included, against
//!   the project directory; docker-compose 1.x resolves `seccomp=` against the working
//!   directory. So the path is written relative to the ORIGINAL file's directory and the
//!   header says to run `cd <that dir> && docker compose --project-directory . -f <wired>`:
//!   both CLIs then read the same profile, and the build contexts, bind mounts and
//!   `env_file`s copied from the original resolve as they always did. (Without a known
//!   output directory: relative to the wired file.)
//!
//!   A Compose override file, or a file a project `include`s, is copied too; the wired
//!   includer's `include:` names the copies (with the original `project_directory`).
//!
//! Not wired: privileged containers (they run unconfined whatever profile is named: moby
//! `daemon/oci_linux.go`, kubelet), lone Dockerfiles (no manifest to patch). Only files that
//! declare a workload (or belong to a project that does) are copied; every document of such
//! a file is kept, in order.

mod compose;
mod kubernetes;
pub mod spo;
pub mod spo_apparmor;
mod write;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path};

use crate::diag::{Code, Diagnostic, Diagnostics, Severity};
use crate::intent::{Container, Manifest, ManifestFormat, Model, SourceRef, Workload, pointer_mut};
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
    output_dir: Option<&Path>,
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
    // Which manifests get a copy, and where, is decided first: a Compose file that
    // `include`s another names that file's copy.
    let mut planned = Vec::new();
    for manifest in &model.manifests {
        let containers = match (by_file.get(&*manifest.file), &manifest.merged_into) {
            (Some(c), _) => c.as_slice(),
            // An override or included file is copied too, so compose reads the wired one.
            (None, Some(base)) if by_file.contains_key(&**base) => &[],
            (None, _) => continue,
        };
        let rel = write::wired_path(manifest, &mut taken);
        planned.push((manifest, containers, rel));
    }
    let wired: BTreeMap<&str, &str> = planned
        .iter()
        .map(|(m, _, rel)| (&*m.file, rel.as_str()))
        .collect();
    for (manifest, containers, rel) in &planned {
        let (manifest, rel) = (*manifest, rel.as_str());
        let mut notes = write::Notes::default();
        if let Some(base) = &manifest.merged_into {
            notes.other.push(format!(
                "read as part of the project of {base} (its override file, or through include)"
            ));
        }
        let mut documents = manifest.documents.clone();
        let from_project = output_dir.and_then(|o| project_relative(&manifest.file, o));
        if manifest.format == ManifestFormat::Compose {
            let up = from_project.as_ref().map(|(_, up)| up.as_str());
            for doc in &mut documents {
                compose::include_copies(doc, &manifest.file, rel, &wired, up);
            }
        }
        for &(w, c, src) in *containers {
            let who = format!("{} container {}", w.id, c.name);
            if c.privileged.value {
                notes.skipped.push(format!(
                    "{who}: privileged, so it runs unconfined whatever profile is named"
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
            let stem = naming.container(&w.id, &c.name);
            let profiles = match manifest.format {
                ManifestFormat::Kubernetes => kubernetes_profiles(
                    w,
                    c,
                    stem,
                    manifest,
                    spo,
                    tree,
                    &mut notes,
                    &mut spo_files,
                    diags,
                ),
                ManifestFormat::Compose => {
                    if let Some((dir, up)) = &from_project {
                        notes.compose_project = Some((dir.clone(), format!("{up}{DIR}/{rel}")));
                    }
                    compose_profiles(
                        stem,
                        rel,
                        from_project.as_ref().map(|(_, up)| up.as_str()),
                        tree,
                    )
                }
            };
            if profiles == Profiles::default() {
                notes.skipped.push(format!(
                    "{who}: no seccomp or AppArmor profile was generated for it"
                ));
                continue;
            }
            let patched =
                documents
                    .get_mut(src.document)
                    .is_some_and(|doc| match manifest.format {
                        ManifestFormat::Kubernetes => {
                            kubernetes::patch(doc, &src.path, &c.name, &profiles)
                        }
                        ManifestFormat::Compose => pointer_mut(doc, &src.path)
                            .map(|service| compose::patch(service, &profiles))
                            .is_some(),
                    });
            if !patched {
                // The frontend recorded where the container is; not finding it is a bug.
                notes
                    .skipped
                    .push(format!("{who}: not found at {src} (a bug in cinch)"));
                continue;
            }
            match &profiles.seccomp {
                Some(p) if p.starts_with(spo::OPERATOR_ROOT) => notes.seccomp_spo = true,
                Some(_) => notes.seccomp_local = true,
                None => notes.no_seccomp.push(who.clone()),
            }
            match &profiles.apparmor {
                Some(_) => notes.apparmor = true,
                None => notes.no_apparmor.push(who),
            }
        }
        let bytes = write::manifest(manifest, &documents, &notes, spo);
        tree.insert(DIR, rel, bytes);
    }
    for (name, bytes) in spo_files {
        tree.insert(spo::DIR, &name, bytes);
    }
}

/// A Kubernetes container's profiles: the files on the node (`cinch/<stem>.json`, relative to
/// the kubelet's seccomp root, and `cinch.<stem>`), or with `spo` the operator's objects.
#[allow(clippy::too_many_arguments)]
fn kubernetes_profiles(
    w: &Workload,
    c: &Container,
    stem: &str,
    manifest: &Manifest,
    spo: bool,
    tree: &OutputTree,
    notes: &mut write::Notes,
    spo_files: &mut BTreeMap<String, Vec<u8>>,
    diags: &mut Diagnostics,
) -> Profiles {
    let (seccomp_file, apparmor_file) =
        (format!("seccomp/{stem}.json"), format!("apparmor/{stem}"));
    let mut profiles = Profiles {
        seccomp: tree
            .files
            .contains_key(&seccomp_file)
            .then(|| format!("cinch/{stem}.json")),
        apparmor: tree
            .files
            .contains_key(&apparmor_file)
            .then(|| format!("cinch.{stem}")),
    };
    if spo {
        // The operator objects embed the profiles themselves: the seccomp JSON as written,
        // the AppArmor profile as typed (built again, exactly as the backend did: the mode
        // is read from the written profile's flags).
        let seccomp_json = tree.read(&seccomp_file);
        let apparmor = tree.read(&apparmor_file).and_then(|text| {
            let complain = String::from_utf8_lossy(&text).contains(" flags=(complain,");
            match crate::backend::apparmor::build(w, c, stem, complain, &mut Diagnostics::new()) {
                crate::backend::apparmor::Outcome::Profile(p) => Some(p),
                _ => None,
            }
        });
        let objects = spo::objects(
            w,
            c,
            stem,
            &manifest.file,
            seccomp_json.as_deref(),
            apparmor.as_deref(),
        );
        if objects.seccomp_profile.is_some() {
            profiles.seccomp = objects.seccomp_profile;
        }
        if !objects.apparmor_lost.is_empty() {
            diags.push(w.at.diagnostic(
                Severity::Warning,
                Code::Spo,
                format!(
                    "{} container {}: no Security Profiles Operator AppArmorProfile, its abstract form cannot express {} rule(s) of apparmor/{stem} (first: {}); load that file on the nodes instead (spo/{stem}.yaml lists them)",
                    w.id,
                    c.name,
                    objects.apparmor_lost.len(),
                    objects.apparmor_lost[0]
                ),
            ));
        }
        notes.other.extend(objects.notes);
        if let Some(bytes) = objects.file {
            spo_files.insert(format!("{stem}.yaml"), bytes);
        }
    }
    profiles
}

/// From a Compose file's directory to the output tree: `(the file's directory, path to the
/// tree)`, both relative, e.g. `("app", "../profiles/")`. `None` when either is absolute or
/// climbs out with `..` (then the wired file's own directory is the reference).
fn project_relative(file: &str, output_dir: &Path) -> Option<(String, String)> {
    let plain = |p: &Path| -> Option<Vec<String>> {
        p.components()
            .filter(|c| !matches!(c, Component::CurDir))
            .map(|c| match c {
                Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect()
    };
    let dir = plain(Path::new(file).parent()?)?;
    let out = plain(output_dir)?;
    let common = dir.iter().zip(&out).take_while(|(a, b)| a == b).count();
    let mut up = "../".repeat(dir.len() - common);
    for part in &out[common..] {
        up.push_str(part);
        up.push('/');
    }
    let shown = if dir.is_empty() {
        ".".to_owned()
    } else {
        dir.join("/")
    };
    Some((shown, up))
}

/// A Compose service's profiles: `seccomp=` a path to the tree's `seccomp/` — from the
/// original project directory when known (`tree_from_project`), else from the wired file
/// (`wired/<rel>`) — and `apparmor=cinch.<stem>`.
fn compose_profiles(
    stem: &str,
    rel: &str,
    tree_from_project: Option<&str>,
    tree: &OutputTree,
) -> Profiles {
    let up =
        tree_from_project.map_or_else(|| "../".repeat(rel.matches('/').count() + 1), str::to_owned);
    let seccomp_file = format!("seccomp/{stem}.json");
    Profiles {
        seccomp: tree
            .files
            .contains_key(&seccomp_file)
            .then(|| format!("{up}{seccomp_file}")),
        apparmor: tree
            .files
            .contains_key(&format!("apparmor/{stem}"))
            .then(|| format!("cinch.{stem}")),
    }
}

#[cfg(test)]
mod tests;
