//! App scopes (issue 21): which app a file belongs to, so that two independent apps in one
//! repository may both define `default/frontend` (or two Compose projects both named
//! `compose` a `db`) without one hiding the other. The resolver qualifies an id by its scope
//! only where two scopes define it, and links references inside a scope first.
//!
//! The rule (docs/intent.md, "App scopes"):
//! - a Kubernetes manifest (any YAML or JSON input) belongs to the nearest directory at or
//!   above its own, up to the root, that holds a `kustomization.yaml`: kustomize builds that
//!   directory as one app;
//! - anything else (a Compose file: its project directory; a Dockerfile; a manifest outside
//!   any kustomization) belongs to its own directory.
//!
//! A Helm chart is a scope too, but the walk never reads one (`tooling`). Scopes are shown
//! like the files (relative to the display root, `""` for the root itself).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{SourceFile, SourceKind, tooling};

/// The kustomization directory at or above each directory met (`None`: none up to the
/// root), cached: a tree of 10,000 files has a few thousand directories, and each would
/// otherwise be looked at again for every file below it.
#[derive(Default)]
pub struct Scopes {
    by_dir: BTreeMap<PathBuf, Option<Arc<str>>>,
}

impl Scopes {
    /// The scope of `src` (read from disk; `src.dir` and `src.dir_display` name the same
    /// directory).
    pub fn of(&mut self, src: &SourceFile) -> Arc<str> {
        if src.kind != SourceKind::Yaml {
            return Arc::from(src.dir_display.as_str());
        }
        self.kustomization_above(&src.dir, &src.dir_display)
            .unwrap_or_else(|| Arc::from(src.dir_display.as_str()))
    }

    /// The display name of the nearest directory at or above `dir` with a kustomization,
    /// climbing only while the display name has a parent inside the root (never into `..`).
    fn kustomization_above(&mut self, dir: &Path, display: &str) -> Option<Arc<str>> {
        if let Some(found) = self.by_dir.get(dir) {
            return found.clone();
        }
        let found = if tooling::is_kustomization(dir) {
            Some(Arc::from(display))
        } else if display.is_empty() || display == ".." || display.ends_with("/..") {
            None
        } else {
            let parent = display.rsplit_once('/').map_or("", |(parent, _)| parent);
            match dir.parent() {
                Some(up) => self.kustomization_above(up, parent),
                None => None,
            }
        };
        self.by_dir.insert(dir.to_path_buf(), found.clone());
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn above(dir: &Path, display: &str) -> Option<String> {
        Scopes::default()
            .kustomization_above(dir, display)
            .map(|s| s.to_string())
    }

    #[test]
    fn the_nearest_kustomization_wins_and_the_climb_stops_at_the_root() {
        let t = tempfile::tempdir().unwrap();
        let app = t.path().join("apps/shop");
        std::fs::create_dir_all(app.join("deploy/web")).unwrap();
        std::fs::write(app.join("kustomization.yaml"), "resources: []\n").unwrap();
        assert_eq!(
            above(&app.join("deploy/web"), "apps/shop/deploy/web").as_deref(),
            Some("apps/shop")
        );
        assert_eq!(above(&t.path().join("apps"), "apps"), None);
        // Nothing above the root is looked at: with the root at apps/shop/deploy, the
        // kustomization of apps/shop is outside.
        assert_eq!(above(&app.join("deploy/web"), "web"), None);
        // The root's own kustomization is the root scope.
        assert_eq!(
            above(&app.join("deploy/web"), "deploy/web").as_deref(),
            Some("")
        );
        // One cache serves every file below a directory, whatever its depth.
        let mut scopes = Scopes::default();
        let deep = scopes.kustomization_above(&app.join("deploy/web"), "apps/shop/deploy/web");
        let near = scopes.kustomization_above(&app.join("deploy"), "apps/shop/deploy");
        assert_eq!(
            (deep.as_deref(), near.as_deref()),
            (Some("apps/shop"), Some("apps/shop"))
        );
        assert_eq!(scopes.by_dir.len(), 3);
    }
}
