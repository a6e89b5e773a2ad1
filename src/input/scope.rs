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

/// Scopes by directory, cached: a tree of 10,000 files has far fewer directories.
#[derive(Default)]
pub struct Scopes {
    by_dir: BTreeMap<PathBuf, Arc<str>>,
}

impl Scopes {
    /// The scope of `src` (read from disk; `src.dir` and `src.dir_display` name the same
    /// directory).
    pub fn of(&mut self, src: &SourceFile) -> Arc<str> {
        if src.kind != SourceKind::Yaml {
            return Arc::from(src.dir_display.as_str());
        }
        if let Some(s) = self.by_dir.get(&src.dir) {
            return s.clone();
        }
        let scope: Arc<str> =
            Arc::from(kustomization_above(&src.dir, &src.dir_display).unwrap_or(&src.dir_display));
        self.by_dir.insert(src.dir.clone(), scope.clone());
        scope
    }
}

/// The display name of the nearest directory at or above `dir` with a kustomization,
/// climbing only while the display name has a parent inside the root (never into `..`).
fn kustomization_above<'d>(dir: &Path, display: &'d str) -> Option<&'d str> {
    let mut dir = dir.to_path_buf();
    let mut shown = display;
    loop {
        if tooling::is_kustomization(&dir) {
            return Some(shown);
        }
        if shown.is_empty() || shown == ".." || shown.ends_with("/..") {
            return None;
        }
        shown = shown.rsplit_once('/').map_or("", |(parent, _)| parent);
        if !dir.pop() {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_kustomization_wins_and_the_climb_stops_at_the_root() {
        let t = tempfile::tempdir().unwrap();
        let app = t.path().join("apps/shop");
        std::fs::create_dir_all(app.join("deploy/web")).unwrap();
        std::fs::write(app.join("kustomization.yaml"), "resources: []\n").unwrap();
        assert_eq!(
            kustomization_above(&app.join("deploy/web"), "apps/shop/deploy/web"),
            Some("apps/shop")
        );
        assert_eq!(kustomization_above(&t.path().join("apps"), "apps"), None);
        // Nothing above the root is looked at: with the root at apps/shop/deploy, the
        // kustomization of apps/shop is outside.
        assert_eq!(kustomization_above(&app.join("deploy/web"), "web"), None);
        // The root's own kustomization is the root scope.
        assert_eq!(
            kustomization_above(&app.join("deploy/web"), "deploy/web"),
            Some("")
        );
    }
}
