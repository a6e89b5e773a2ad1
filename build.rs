//! Build script: the git commit for `cinch --version` (src/version.rs) as
//! `CINCH_GIT_COMMIT`: `$CINCH_COMMIT` when set (the GitHub Action sets it to the ref it was
//! pinned with, since the runner unpacks actions without `.git`), else `git rev-parse`, else
//! `unknown` (a source tarball).
//!
//! It reruns when HEAD moves: the HEAD file and the ref it names (loose, or packed), found
//! with `git rev-parse --git-path` so that linked worktrees work too.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn main() {
    println!("cargo:rerun-if-env-changed=CINCH_COMMIT");
    let given = std::env::var("CINCH_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .map(|c| {
            // A full commit is shortened like git's; a tag or branch stays as it is.
            if c.len() == 40 && c.chars().all(|ch| ch.is_ascii_hexdigit()) {
                c[..7].to_owned()
            } else {
                c
            }
        });
    let commit = given
        .or_else(|| git(&["rev-parse", "--short=7", "HEAD"]))
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=CINCH_GIT_COMMIT={commit}");
    println!("cargo:rerun-if-changed=build.rs");
    let mut watched = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
    watched.extend(git(&["symbolic-ref", "-q", "HEAD"]));
    for name in watched {
        // A missing file would rerun the script (and rebuild cinch) on every build.
        if let Some(path) = git(&["rev-parse", "--git-path", &name])
            && std::path::Path::new(&path).exists()
        {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}
