//! Writing a wired manifest: where it goes under `wired/`, its header comment, and its
//! documents in their order — YAML (multi-document with `---`) through `yaml::emit`, or
//! JSON when the input was JSON. Empty documents (`---` with nothing after it) are left
//! out: no reader sees one.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::Value as Json;

use crate::intent::{Manifest, ManifestFormat, Syntax};
use crate::output::sanitize;
use crate::yaml::emit::to_yaml;

/// What the header says besides where the file comes from.
#[derive(Debug, Default)]
pub(crate) struct Notes {
    /// Some container names a seccomp profile file on the node (`cinch/<stem>.json`, or a
    /// path for Compose).
    pub seccomp_local: bool,
    /// Compose: the original project directory the wired file's paths are relative to, and
    /// the wired file's path seen from it.
    pub compose_project: Option<(String, String)>,
    /// Some container names a Security Profiles Operator SeccompProfile.
    pub seccomp_spo: bool,
    pub apparmor: bool,
    /// Containers left as they are, each with why.
    pub skipped: Vec<String>,
    /// Containers wired without a seccomp profile (none was generated).
    pub no_seccomp: Vec<String>,
    /// Containers wired without an AppArmor profile (none was generated).
    pub no_apparmor: Vec<String>,
    /// Anything else worth knowing (an SPO object that could not be made).
    pub other: Vec<String>,
}

/// `wired/<path>`: the input's displayed path, each component made safe (`..` → `_.`,
/// `<stdin>` → `_stdin_.yaml`), unique among the wired files.
pub(crate) fn wired_path(manifest: &Manifest, taken: &mut BTreeSet<String>) -> String {
    let parts: Vec<String> = manifest
        .file
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .map(sanitize)
        .collect();
    let mut path = if parts.is_empty() {
        "_".to_owned()
    } else {
        parts.join("/")
    };
    let lower = path.to_ascii_lowercase();
    if ![".yaml", ".yml", ".json"]
        .iter()
        .any(|e| lower.ends_with(e))
    {
        path.push_str(match manifest.syntax {
            Syntax::Json => ".json",
            Syntax::Yaml => ".yaml",
        });
    }
    if taken.insert(path.to_ascii_lowercase()) {
        return path;
    }
    // The suffix goes before the extension: `kubectl apply -f DIR` reads only .yaml, .yml
    // and .json files.
    let dot = path.rfind('.').unwrap_or(path.len());
    let (stem, ext) = path.split_at(dot);
    (2..)
        .map(|i| format!("{stem}~{i}{ext}"))
        .find(|p| taken.insert(p.to_ascii_lowercase()))
        .expect("an unused suffix exists")
}

/// Text from a manifest (file names, workload and container names) made safe for a
/// one-line comment: control characters escaped.
pub(crate) fn comment_safe(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}') {
                c.escape_unicode().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

pub(crate) fn manifest(
    manifest: &Manifest,
    documents: &[Json],
    notes: &Notes,
    spo: bool,
) -> Vec<u8> {
    let docs: Vec<&Json> = documents.iter().filter(|d| !d.is_null()).collect();
    if manifest.syntax == Syntax::Json && docs.len() == 1 {
        // JSON has no comments: the header's facts are in the diagnostics and the README.
        let mut text = serde_json::to_string_pretty(docs[0]).unwrap_or_default();
        text.push('\n');
        return text.into_bytes();
    }
    let mut out = header(manifest, notes, spo);
    for (i, d) in docs.iter().enumerate() {
        if i > 0 || docs.len() > 1 {
            out.push_str("---\n");
        }
        out.push_str(&to_yaml(d));
    }
    out.into_bytes()
}

fn header(manifest: &Manifest, notes: &Notes, spo: bool) -> String {
    let mut h = String::new();
    let _ = writeln!(
        h,
        "# wired by cinch from {}; do not edit",
        comment_safe(&manifest.file)
    );
    match manifest.format {
        ManifestFormat::Kubernetes => {
            if notes.seccomp_spo {
                h.push_str("# seccomp: localhostProfile operator/<namespace>/<name>.json names a SeccompProfile of this\n# tree's spo/ (kubectl apply -f spo/); the Security Profiles Operator installs it on the nodes.\n");
            }
            if notes.seccomp_local {
                h.push_str("# seccomp: localhostProfile cinch/<name>.json is relative to the kubelet's seccomp root:\n# copy this tree's seccomp/ to /var/lib/kubelet/seccomp/cinch/ on every node.\n");
            }
            if notes.apparmor {
                if spo {
                    h.push_str("# AppArmor: the AppArmorProfile objects of spo/ load the profiles on the nodes;\n");
                } else {
                    h.push_str("# AppArmor: load this tree's apparmor/ profiles on every node (apparmor_parser -r -W);\n");
                }
                h.push_str("# securityContext.appArmorProfile needs Kubernetes 1.30 or later.\n");
            }
        }
        ManifestFormat::Compose => {
            match &notes.compose_project {
                Some((dir, file)) => {
                    // docker compose v2 resolves `seccomp=` against the project directory
                    // (pkg/compose/create.go `parseSecurityOpts`, `p.RelativePath`), the
                    // Python docker-compose 1.x against the working directory: run from the
                    // project directory with `--project-directory .`, both read the same file.
                    h.push_str(&format!("# Run it from your project directory (docker compose v2 and docker-compose 1.x alike):\n#   cd {dir} && docker compose --project-directory . -f {file} up\n# Relative paths (build contexts, bind mounts, env_file, seccomp=) resolve against {dir},\n# as in the original.\n"));
                }
                None if notes.seccomp_local => {
                    h.push_str("# seccomp= paths are relative to this file's directory, the project directory when run\n# as `docker compose -f <this file>`. Relative paths copied from the original (build\n# contexts, bind mounts, env_file) resolve against that directory too.\n");
                }
                None => {}
            }
            if notes.apparmor {
                h.push_str("# apparmor= names profiles to load first: apparmor_parser -r -W <tree>/apparmor/*\n");
            }
        }
    }
    for s in &notes.skipped {
        let _ = writeln!(h, "# not wired: {}", comment_safe(s));
    }
    for s in &notes.other {
        let _ = writeln!(h, "# note: {}", comment_safe(s));
    }
    for (list, what) in [
        (&notes.no_seccomp, "seccomp"),
        (&notes.no_apparmor, "AppArmor"),
    ] {
        if !list.is_empty() {
            let _ = writeln!(
                h,
                "# no {what} profile was generated, so none is named, for:"
            );
            for who in list.iter() {
                let _ = writeln!(h, "#   {}", comment_safe(who));
            }
        }
    }
    if !manifest.dropped_tags.is_empty() {
        let tags: Vec<String> = manifest
            .dropped_tags
            .iter()
            .map(|(line, tag)| format!("{tag} (line {line})"))
            .collect();
        let _ = writeln!(
            h,
            "# note: YAML tags this copy cannot keep were dropped: {}",
            comment_safe(&tags.join(", "))
        );
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn manifest(file: &str, syntax: Syntax) -> Manifest {
        Manifest {
            file: Arc::from(file),
            format: ManifestFormat::Kubernetes,
            syntax,
            documents: Vec::new(),
            dropped_tags: Vec::new(),
            merged_into: None,
        }
    }

    #[test]
    fn wired_paths_are_safe_and_unique() {
        let mut taken = BTreeSet::new();
        let mut p = |f: &str, s| wired_path(&manifest(f, s), &mut taken);
        assert_eq!(p("k8s/app.yaml", Syntax::Yaml), "k8s/app.yaml");
        assert_eq!(p("../other/app.yaml", Syntax::Yaml), "_./other/app.yaml");
        assert_eq!(p("<stdin>", Syntax::Yaml), "_stdin_.yaml");
        assert_eq!(p("<stdin>", Syntax::Json), "_stdin_.json");
        assert_eq!(p("K8S/App.yaml", Syntax::Yaml), "K8S/App~2.yaml");
        assert_eq!(p("/abs/x.json", Syntax::Json), "abs/x.json");
        assert_eq!(p("a\nb.yaml", Syntax::Yaml), "a_b.yaml");
    }

    #[test]
    fn comments_cannot_be_broken_out_of() {
        assert_eq!(comment_safe("a\nb\u{2028}c"), "a\\u{a}b\\u{2028}c");
    }
}
