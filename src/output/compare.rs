//! Comparing a profile tree with a directory as it is produced (`cinch check`, issue 17).
//!
//! `check` used to render the whole new tree into memory, read the whole committed tree into
//! memory, then compare: at 10,000 workloads that held ~500 MB of text at once. A
//! [`Comparison`] is the other end of an [`super::OutputTree`]: each file is compared with the
//! directory's copy the moment a backend inserts it (from the backends' threads), and only the
//! files that differ are kept. The report is assembled afterwards in path order
//! (`workflow::check`), so it is the same bytes whatever order the files came in; only then
//! is the manifest read, to tell which of the directory's files are committed.
//!
//! "Committed" means what `read_generated` reads: listed in the directory's manifest and a
//! regular file (a symlink there is never followed).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use crate::diag::{Error, Result};

use super::writer::generated_files;

/// The committed side of a comparison and what differs from it so far.
#[derive(Debug)]
pub struct Comparison {
    dir: PathBuf,
    /// The files the manifest lists (empty when `dir` is not a directory): read by
    /// [`Comparison::listed`] once the new tree is produced, so that 30,000 paths are
    /// not held through rendering, the run's peak; with them `check` held more memory than
    /// `generate` (issue 17). While rendering, each file is compared with the directory's.
    listed: OnceLock<BTreeSet<String>>,
    /// New bytes of each produced file that is not in the directory byte for byte.
    differing: Mutex<BTreeMap<String, Vec<u8>>>,
    /// The first error reading a committed file; `check` reports it.
    error: Mutex<Option<Error>>,
}

impl Comparison {
    /// Nothing is read yet.
    pub fn begin(dir: &Path) -> Result<Comparison> {
        Ok(Comparison {
            dir: dir.to_path_buf(),
            listed: OnceLock::new(),
            differing: Mutex::new(BTreeMap::new()),
            error: Mutex::new(None),
        })
    }

    /// The files the manifest lists, sorted: read the first time they are asked for, which
    /// `check` does once every file was compared.
    pub fn listed(&self) -> Result<&BTreeSet<String>> {
        if let Some(listed) = self.listed.get() {
            return Ok(listed);
        }
        let listed = if self.dir.is_dir() {
            generated_files(&self.dir)?
        } else {
            BTreeSet::new()
        };
        Ok(self.listed.get_or_init(|| listed))
    }

    /// The committed bytes of `rel`, or `None` when it is not committed.
    pub fn committed(&self, rel: &str) -> Result<Option<Vec<u8>>> {
        if !self.listed()?.contains(rel) {
            return Ok(None);
        }
        self.on_disk(rel)
    }

    /// `rel` as a regular file of the directory, listed or not (a symlink is never followed).
    pub fn on_disk(&self, rel: &str) -> Result<Option<Vec<u8>>> {
        let path = self.dir.join(rel);
        match fs::symlink_metadata(&path) {
            Ok(m) if m.is_file() => fs::read(&path)
                .map(Some)
                .map_err(|e| Error::io(path.display().to_string(), e)),
            _ => Ok(None),
        }
    }

    /// Compare one produced file with the directory's; keep it only when it differs.
    pub fn compare(&self, rel: &str, new: Vec<u8>) {
        match self.on_disk(rel) {
            Ok(Some(old)) if old == new => {}
            Ok(_) => {
                lock(&self.differing).insert(rel.to_owned(), new);
            }
            Err(e) => {
                lock(&self.error).get_or_insert(e);
            }
        }
    }

    /// A produced file's bytes: kept when it differs, else the directory's copy (the same
    /// bytes). Wiring reads the profiles it links to this way.
    pub fn read(&self, rel: &str) -> Option<Vec<u8>> {
        if let Some(new) = lock(&self.differing).get(rel) {
            return Some(new.clone());
        }
        self.on_disk(rel).ok().flatten()
    }

    /// The produced files that differ from the directory (new bytes), and the first read
    /// error.
    pub fn take(&self) -> Result<BTreeMap<String, Vec<u8>>> {
        if let Some(e) = lock(&self.error).take() {
            return Err(e);
        }
        Ok(std::mem::take(&mut *lock(&self.differing)))
    }
}

/// A poisoned lock only means another backend thread panicked; that panic is the report.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
