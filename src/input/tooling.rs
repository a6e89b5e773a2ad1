//! Files in a directory walk that are another tool's input, not manifests (issue 21,
//! point 4):
//! - a **Helm chart** (a directory with `Chart.yaml`): its templates are Go templates, not
//!   YAML, until `helm template` renders them; read as manifests every one is a syntax error
//!   and the run exits 2;
//! - the **patches a kustomization lists** (`patches`, `patchesStrategicMerge`,
//!   `patchesJson6902`): fragments kustomize applies to objects (`env: - $patch: replace`),
//!   not objects; read as manifests they are half-Deployments.
//!
//! Both are skipped with one note each that says how to read them rendered. A file named
//! on the command line is always read: only the walk skips.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::diag::{Code, Diagnostic, Diagnostics};

use super::{SourceKind, normalize};

/// A directory holding a Helm chart, told by `is_file` (is this name a file in it).
pub fn is_helm_chart(is_file: &dyn Fn(&str) -> bool) -> bool {
    is_file("Chart.yaml")
}

/// The note for a skipped chart directory (`display`: the directory as shown).
pub fn helm_note(display: &str) -> Diagnostic {
    let shown = if display.is_empty() { "." } else { display };
    Diagnostic::note(
        Code::SkippedDocument,
        &format!("{shown}/Chart.yaml"),
        1,
        format!(
            "skipped the Helm chart {shown}: its templates are not manifests until rendered; read it rendered: `helm template {shown} | cinch generate -`"
        ),
    )
}

/// The names kustomize looks for in a directory, in its order.
const KUSTOMIZATION: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// A directory holding a kustomization.
pub fn is_kustomization(dir: &Path) -> bool {
    KUSTOMIZATION.iter().any(|n| dir.join(n).is_file())
}

/// The patch files one kustomization lists.
pub struct Patches {
    /// The kustomization file, as shown.
    file: String,
    /// The directory, as shown (for the suggested command).
    dir: String,
    /// Each listed patch file, lexically normalized (`normalize`), under the walk's paths.
    paths: BTreeSet<String>,
}

/// The patch files the kustomization in `dir` lists (`is_file`: is this name a file in `dir`),
/// if `dir` has a kustomization that parses; a kustomization that does not is read as any
/// other input (and reported there).
pub fn kustomize_patches(
    dir: &Path,
    display: &str,
    is_file: &dyn Fn(&str) -> bool,
) -> Option<Patches> {
    let name = KUSTOMIZATION.iter().find(|n| is_file(n))?;
    let text = std::fs::read_to_string(dir.join(name)).ok()?;
    let docs = crate::yaml::load(&text).ok()?;
    let doc = &docs.first()?.root;
    let mut listed = Vec::new();
    // `patchesStrategicMerge`: file names, or inline patches (which hold a newline).
    // `patches` and `patchesJson6902`: `{path: FILE, target: …}` or `{patch: INLINE}`; a plain
    // string in `patches` is a file name too.
    for key in ["patches", "patchesStrategicMerge", "patchesJson6902"] {
        let Some(items) = doc.get(key).and_then(|v| v.as_seq()) else {
            continue;
        };
        for item in items {
            let path = match item.as_map() {
                Some(_) => item.get("path").and_then(|p| p.as_str()),
                None => item.as_str(),
            };
            if let Some(p) = path.filter(|p| !p.contains('\n') && !p.trim().is_empty()) {
                listed.push(normalize(&dir.join(p.trim())));
            }
        }
    }
    let shown = if display.is_empty() { "." } else { display };
    Some(Patches {
        file: normalize(&Path::new(display).join(name)),
        dir: shown.to_owned(),
        paths: listed.into_iter().collect(),
    })
}

/// Drop from `found` (the walk's files: path, display, directory, kind) every patch a
/// kustomization lists, with one note per kustomization naming the files it dropped.
pub fn drop_patches(
    found: &mut Vec<(PathBuf, String, String, Option<SourceKind>)>,
    lists: &[Patches],
    diags: &mut Diagnostics,
) {
    let mut dropped: Vec<Vec<String>> = vec![Vec::new(); lists.len()];
    found.retain(|(path, display, ..)| {
        let key = normalize(path);
        let owners: Vec<usize> = (0..lists.len())
            .filter(|&i| lists[i].paths.contains(&key))
            .collect();
        for &i in &owners {
            // Named from the kustomization's directory, as it lists them.
            let shown = display
                .strip_prefix(&format!("{}/", lists[i].dir))
                .unwrap_or(display);
            dropped[i].push(shown.to_owned());
        }
        owners.is_empty()
    });
    for (list, files) in lists.iter().zip(dropped) {
        if files.is_empty() {
            continue;
        }
        diags.push(Diagnostic::note(
            Code::SkippedDocument,
            &list.file,
            1,
            format!(
                "skipped {} kustomize patch file(s) it lists ({}): a patch is a fragment, not an object; read the overlay built: `kustomize build {} | cinch generate -`",
                files.len(),
                files.join(", "),
                list.dir
            ),
        ));
    }
}
