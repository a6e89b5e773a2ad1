//! The output tree: every generated file, by relative path, as bytes — built completely in
//! memory by the backends, then compared (`check`) or written atomically (`generate`).
//!
//! Layout (DESIGN.md §4): `seccomp/<workload>.<container>.json`,
//! `apparmor/<workload>.<container>`, `networkpolicy/<workload>.yaml`. Bytes are
//! deterministic: LF line endings, no timestamps, no absolute paths.

mod naming;
mod writer;

use std::collections::BTreeMap;

pub use naming::{MAX_STEM, Naming, sanitize};
pub use writer::{
    MANIFEST, WriteOptions, WriteReport, generated_files, is_safe_relative, read_generated,
    write_tree,
};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutputTree {
    pub files: BTreeMap<String, Vec<u8>>,
}

impl OutputTree {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a file at `dir/name`. `name` must already be sanitized (it comes from `Naming`).
    /// Panics on a path that is not a plain relative path: that is a bug in cinch, not input.
    pub fn insert(&mut self, dir: &str, name: &str, bytes: Vec<u8>) {
        let rel = format!("{dir}/{name}");
        assert!(is_safe_relative(&rel), "unsafe output path {rel:?}");
        assert!(
            !rel.contains(['\r', '\n']),
            "output path with a line break {rel:?}"
        );
        let previous = self.files.insert(rel.clone(), bytes);
        assert!(previous.is_none(), "two backends wrote {rel}");
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}
