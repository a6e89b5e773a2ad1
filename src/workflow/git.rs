//! The inputs as they were at a git revision, for `cinch diff --git-base REF`.
//!
//! `git archive REF | tar -x` into a scratch directory: the user's checkout, index and
//! worktrees are never touched, and it works on a shallow CI clone as long as REF was fetched.
//! The scratch root that corresponds to the current directory is returned, so the old inputs
//! are read under the same relative names as today's and their profiles compare line by line.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::diag::{Error, Result};

pub struct Checkout {
    /// Removed when dropped.
    _dir: tempfile::TempDir,
    /// The directory in the checkout that is the current directory in the working tree.
    pub root: PathBuf,
}

fn git(args: &[&str]) -> Result<String> {
    let out = Command::new("git")
        .args(args)
        .output()
        .map_err(|e| Error::Usage(format!("--git-base needs git: {e}")))?;
    if !out.status.success() {
        return Err(Error::Usage(format!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .trim_end_matches('\n')
        .to_owned())
}

/// Extract the tree of `rev` (a commit-ish) of the repository around the current directory.
pub fn checkout(rev: &str) -> Result<Checkout> {
    if rev.starts_with('-') {
        return Err(Error::Usage(format!("--git-base {rev}: not a revision")));
    }
    // Each failure names its fix: outside a repository there is no base to read; an
    // unknown revision is, in CI, nearly always a shallow clone that never fetched it.
    let top = git(&["rev-parse", "--show-toplevel"]).map_err(|e| {
        Error::Usage(format!(
            "{e}\n  --git-base reads the inputs from git: run it inside the repository, or \
             compare two trees or input sets with `cinch diff OLD NEW`"
        ))
    })?;
    let commit = git(&[
        "rev-parse",
        "--verify",
        "--end-of-options",
        &format!("{rev}^{{commit}}"),
    ])
    .map_err(|e| {
        Error::Usage(format!(
            "{e}\n  fetch it first (`git fetch origin {}`; in GitHub Actions, \
             actions/checkout with `fetch-depth: 0`)",
            rev.strip_prefix("origin/").unwrap_or(rev)
        ))
    })?;
    let prefix = git(&["rev-parse", "--show-prefix"])?;
    let dir = tempfile::Builder::new()
        .prefix("cinch-base-")
        .tempdir()
        .map_err(|e| Error::io("scratch directory", e))?;
    let mut archive = Command::new("git")
        .args(["-C", &top, "archive", "--format=tar", &commit])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::io("git archive", e))?;
    let tar = Command::new("tar")
        .args(["-x", "-C"])
        .arg(dir.path())
        .stdin(archive.stdout.take().expect("piped"))
        .output()
        .map_err(|e| Error::io("tar", e))?;
    let status = archive.wait().map_err(|e| Error::io("git archive", e))?;
    if !status.success() || !tar.status.success() {
        return Err(Error::Usage(format!(
            "could not extract {rev}: {}",
            String::from_utf8_lossy(&tar.stderr).trim()
        )));
    }
    let root = dir.path().join(prefix);
    Ok(Checkout { _dir: dir, root })
}
