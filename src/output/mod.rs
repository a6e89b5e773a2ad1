//! The output tree: every generated file, by relative path, as bytes — in memory, or
//! streamed as each file is made into a stage that is swapped in atomically (`generate`) or
//! into a comparison with the committed directory (`check`).
//!
//! Layout (DESIGN.md §4): `seccomp/<workload>.<container>.json`,
//! `apparmor/<workload>.<container>`, `networkpolicy/<workload>.yaml`. Bytes are
//! deterministic: LF line endings, no timestamps, no absolute paths.

mod compare;
mod naming;
mod writer;

use std::collections::BTreeMap;
use std::sync::Arc;

pub use compare::Comparison;
pub use naming::{MAX_STEM, Naming, sanitize};
pub use writer::{
    MANIFEST, Staging, WriteOptions, WriteReport, generated_by, generated_files, is_safe_relative,
    read_generated, write_tree,
};

/// Every generated file by relative path. In memory by default; a tree made with
/// [`OutputTree::spilling`] writes each file into a [`Staging`] directory as soon as it is
/// inserted and keeps only its path (a 10,000-workload tree is ~200 MB of text); one made
/// with [`OutputTree::comparing`] compares each file with the committed one instead.
#[derive(Clone, Debug, Default)]
pub struct OutputTree {
    /// Path → bytes (empty for a spilled or compared file).
    pub files: BTreeMap<String, Vec<u8>>,
    sink: Sink,
    /// The first error writing a spilled file (disk full, …); reported after rendering.
    error: Option<String>,
}

/// Where inserted bytes go.
#[derive(Clone, Debug, Default)]
enum Sink {
    #[default]
    Memory,
    Spill(Arc<Staging>),
    Compare(Arc<Comparison>),
}

impl PartialEq for OutputTree {
    fn eq(&self, other: &Self) -> bool {
        self.files == other.files
    }
}

impl Eq for OutputTree {}

impl OutputTree {
    pub fn new() -> Self {
        Self::default()
    }

    /// A tree whose files go straight into `staging`.
    pub fn spilling(staging: Arc<Staging>) -> Self {
        OutputTree {
            sink: Sink::Spill(staging),
            ..Self::default()
        }
    }

    /// A tree whose files are compared with `comparison`'s directory as they are inserted.
    pub fn comparing(comparison: Arc<Comparison>) -> Self {
        OutputTree {
            sink: Sink::Compare(comparison),
            ..Self::default()
        }
    }

    /// An empty tree that spills where this one does (one per backend, merged with `absorb`).
    pub fn child(&self) -> Self {
        OutputTree {
            sink: self.sink.clone(),
            ..Self::default()
        }
    }

    pub fn absorb(&mut self, other: OutputTree) {
        self.files.extend(other.files);
        if self.error.is_none() {
            self.error = other.error;
        }
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
        let bytes = match &self.sink {
            Sink::Spill(staging) => {
                if let Err(e) = staging.write(&rel, &bytes) {
                    self.error.get_or_insert_with(|| e.to_string());
                }
                Vec::new()
            }
            Sink::Compare(comparison) => {
                comparison.compare(&rel, bytes);
                Vec::new()
            }
            Sink::Memory => bytes,
        };
        let previous = self.files.insert(rel.clone(), bytes);
        assert!(previous.is_none(), "two backends wrote {rel}");
    }

    /// A file's bytes, from memory, the stage, or the comparison.
    pub fn read(&self, rel: &str) -> Option<std::borrow::Cow<'_, [u8]>> {
        let bytes = self.files.get(rel)?;
        match &self.sink {
            Sink::Spill(staging) => staging.read(rel).map(std::borrow::Cow::Owned),
            Sink::Compare(comparison) => comparison.read(rel).map(std::borrow::Cow::Owned),
            Sink::Memory => Some(std::borrow::Cow::Borrowed(bytes)),
        }
    }

    /// The first error writing a spilled file, if any.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}
