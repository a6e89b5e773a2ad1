//! Helpers shared by the integration tests: run the CLI in-process (fast, deterministic
//! environment) or as the real binary (exit codes, panics, limits).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What one run printed and returned.
#[derive(Debug)]
pub struct Run {
    pub code: u8,
    pub stdout: String,
    pub stderr: String,
}

/// Run `cinch ARGS` in-process with an empty environment and the given stdin.
pub fn cinch_with_stdin(args: &[&str], stdin: &str) -> Run {
    let mut input = stdin.as_bytes();
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let mut io = cinch::Io {
        stdin: &mut input,
        stdout: &mut stdout,
        stderr: &mut stderr,
        env: BTreeMap::new(),
    };
    let code = cinch::run(
        std::iter::once("cinch").chain(args.iter().copied()),
        &mut io,
    );
    Run {
        code,
        stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
    }
}

pub fn cinch(args: &[&str]) -> Run {
    cinch_with_stdin(args, "")
}

/// The built binary, for tests that need a real process.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cinch"))
}

/// `../shared/corpus`, when it is beside the checkout (it is in CI).
pub fn corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    p.is_dir().then_some(p)
}

/// Insta settings: snapshots in the top-level `snapshots/` folder.
pub fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots"));
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s
}

/// Every file under `dir` (recursively), sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("readable dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}
