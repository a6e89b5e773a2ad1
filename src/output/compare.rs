//! Comparing a profile tree with a directory as it is produced (`cinch check`, issue 17).
//!
//! `check` used to render the whole new tree into memory, read the whole committed tree into
//! memory, then compare: at 10,000 workloads that held ~500 MB of text at once. A
//! [`Comparison`] is the other end of an [`super::OutputTree`]: each file is compared with its
//! committed copy the moment a backend inserts it (from the backends' threads), and only the
//! files that differ are kept. The report is assembled afterwards in path order
//! (`workflow::check`), so it is the same bytes whatever order the files came in.
//!
//! "Committed" means what `read_generated` reads: listed in the directory's manifest and a
//! regular file (a symlink there is never followed).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::diag::{Error, Result};

use super::writer::generated_files;

/// The committed side of a comparison and what differs from it so far.
#[derive(Debug)]
pub struct Comparison {
    dir: PathBuf,
    /// The files the manifest lists (empty when `dir` is not a directory).
    listed: BTreeSet<String>,
    /// New bytes of each produced file that is not committed byte for byte.
    differing: Mutex<BTreeMap<String, Vec<u8>>>,
    /// The first error reading a committed file; `check` reports it.
    error: Mutex<Option<Error>>,
}

impl Comparison {
    /// Read `dir`'s manifest; no file is read yet.
    pub fn begin(dir: &Path) -> Result<Comparison> {
        let listed = if dir.is_dir() {
            generated_files(dir)?
        } else {
            BTreeSet::new()
        };
        Ok(Comparison {
            dir: dir.to_path_buf(),
            listed,
            differing: Mutex::new(BTreeMap::new()),
            error: Mutex::new(None),
        })
    }

    /// The committed bytes of `rel`, or `None` when it is not committed.
    pub fn committed(&self, rel: &str) -> Result<Option<Vec<u8>>> {
        if !self.listed.contains(rel) {
            return Ok(None);
        }
        let path = self.dir.join(rel);
        match fs::symlink_metadata(&path) {
            Ok(m) if m.is_file() => fs::read(&path)
                .map(Some)
                .map_err(|e| Error::io(path.display().to_string(), e)),
            _ => Ok(None),
        }
    }

    /// Compare one produced file; keep it only when it differs.
    pub fn compare(&self, rel: &str, new: Vec<u8>) {
        match self.committed(rel) {
            Ok(Some(old)) if old == new => {}
            Ok(_) => {
                lock(&self.differing).insert(rel.to_owned(), new);
            }
            Err(e) => {
                lock(&self.error).get_or_insert(e);
            }
        }
    }

    /// A produced file's bytes: kept when it differs, else the committed copy (the same
    /// bytes). Wiring reads the profiles it links to this way.
    pub fn read(&self, rel: &str) -> Option<Vec<u8>> {
        if let Some(new) = lock(&self.differing).get(rel) {
            return Some(new.clone());
        }
        self.committed(rel).ok().flatten()
    }

    /// The files the manifest lists, sorted.
    pub fn listed(&self) -> &BTreeSet<String> {
        &self.listed
    }

    /// The produced files that differ (new bytes), and the first read error.
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
