//! Which input is an override file of which Compose file: `docker compose` reads the
//! first of `compose.yaml`, `compose.yml`, `docker-compose.yml`, `docker-compose.yaml` in a
//! directory, then merges the first of the `*.override.*` names found beside it
//! (compose-go `cli/options.go`, `DefaultFileNames`/`DefaultOverrideFileNames`). cinch
//! does the same with its inputs: when both files are inputs (given, or found in an input
//! directory), the override is merged into the base by the spec's merge rules and is not
//! read on its own. Other variants (`docker-compose.prod.yml`) are separate projects.

use std::collections::BTreeMap;
use std::path::Path;

use crate::input::SourceFile;

/// Base file names, in `docker compose`'s order of preference.
const BASE_NAMES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

/// Override file names, in `docker compose`'s order of preference.
const OVERRIDE_NAMES: &[&str] = &[
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// Whether `file` (a path as displayed) has a name `docker compose` reads by default: of two
/// files that declare the same service, that one is the project's own definition.
pub fn is_default_file(file: &str) -> bool {
    let name = file.rsplit('/').next().unwrap_or(file);
    BASE_NAMES.contains(&name)
}

/// The best-ranked candidate seen so far: (rank in its name list, source index).
type Best = Option<(usize, usize)>;

/// Keep `(rank, index)` in `best` if it ranks higher than what is there.
fn prefer(best: &mut Best, rank: usize, index: usize) {
    if best.is_none_or(|(r, _)| rank < r) {
        *best = Some((rank, index));
    }
}

/// For each base source (by index), the index of the override merged into it.
pub fn pairs(sources: &[&SourceFile]) -> BTreeMap<usize, usize> {
    // Per directory: the best-ranked base and override among the inputs.
    let mut by_dir: BTreeMap<&Path, (Best, Best)> = BTreeMap::new();
    for (i, src) in sources.iter().enumerate() {
        let Some(path) = &src.path else { continue };
        let (Some(dir), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str()))
        else {
            continue;
        };
        let (base, over) = by_dir.entry(dir).or_default();
        if let Some(rank) = BASE_NAMES.iter().position(|n| *n == name) {
            prefer(base, rank, i);
        } else if let Some(rank) = OVERRIDE_NAMES.iter().position(|n| *n == name) {
            prefer(over, rank, i);
        }
    }
    by_dir
        .into_values()
        .filter_map(|(base, over)| Some((base?.1, over?.1)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::SourceKind;
    use std::path::PathBuf;

    fn src(path: &str) -> SourceFile {
        let mut s = SourceFile::from_text(path, SourceKind::Compose, "");
        s.path = Some(PathBuf::from(path));
        s
    }

    #[test]
    fn pairs_base_and_override_in_the_same_directory_only() {
        let files = [
            src("a/compose.yaml"),
            src("a/compose.override.yaml"),
            src("b/docker-compose.yml"),
            src("c/compose.override.yml"),
            src("d/docker-compose.yml"),
            src("d/compose.yml"),
            src("d/docker-compose.override.yaml"),
            src("d/compose.override.yml"),
            src("e/docker-compose.prod.yml"),
            src("e/docker-compose.yml"),
        ];
        let refs: Vec<&SourceFile> = files.iter().collect();
        let got: Vec<(usize, usize)> = pairs(&refs).into_iter().collect();
        // a: the pair; b: no override; c: no base; d: the best-ranked of each; e: none.
        assert_eq!(got, vec![(0, 1), (5, 7)]);
    }

    #[test]
    fn default_files_are_known_by_name() {
        assert!(is_default_file("app/docker-compose.yml"));
        assert!(is_default_file("compose.yaml"));
        assert!(!is_default_file("app/docker-compose.images.yml"));
        assert!(!is_default_file("app/compose.override.yaml"));
    }
}
