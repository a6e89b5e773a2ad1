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
    run_in_process(args, stdin, &[])
}

pub fn cinch(args: &[&str]) -> Run {
    cinch_with_stdin(args, "")
}

/// Run `cinch ARGS` in-process with exactly these environment variables.
pub fn cinch_with_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    run_in_process(args, "", env)
}

fn run_in_process(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Run {
    let mut input = stdin.as_bytes();
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let mut io = cinch::Io {
        stdin: &mut input,
        stdout: &mut stdout,
        stderr: &mut stderr,
        env: env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        color: false,
        stderr_color: false,
        process_exits: false,
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

/// The built binary, for tests that need a real process.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cinch"))
}

/// Run the built binary in `cwd` with `NO_COLOR` and `CLICOLOR*` removed and `env` added;
/// its stdout and stderr are pipes, not terminals.
pub fn cinch_bin(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let out = std::process::Command::new(bin())
        .args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("cinch runs");
    Run {
        code: u8::try_from(out.status.code().expect("cinch exits")).expect("a small exit code"),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
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

/// `apparmor_parser` (Debian package `apparmor`), or `None` after one visible `SKIPPED:`
/// line. With `CI` set, its absence fails the test and says how to install it.
pub fn apparmor_parser(test: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|d| d.join("apparmor_parser"))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{test}: apparmor_parser not found; install it with `apt-get install apparmor` (scripts/install-tools does)"
        );
        eprintln!(
            "SKIPPED: {test}: apparmor_parser not found (apt-get install apparmor); profiles not compiled"
        );
    }
    found
}

/// The kernel feature set Debian ships, so profiles compile without kernel AppArmor.
pub const APPARMOR_FEATURES: &str = "/usr/share/apparmor-features/features";

/// Compile one profile as DESIGN.md §7 says (`-Q`: no kernel load, `-K --skip-cache`: no
/// cache): `Ok`, or the parser's message (it names the file and line).
pub fn apparmor_compile(parser: &Path, file: &Path) -> Result<(), String> {
    let out = std::process::Command::new(parser)
        .args(["-Q", "-K", "--skip-cache", "-M", APPARMOR_FEATURES])
        .arg(file)
        .output()
        .expect("apparmor_parser runs");
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} (exit {:?}): {}{}",
            file.display(),
            out.status.code(),
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        ))
    }
}

/// Every file under `dir`/apparmor: its `profile` line names `cinch.<file name>`, and it
/// compiles. Panics listing every failure; returns how many profiles were checked.
pub fn assert_apparmor_profiles(parser: Option<&Path>, dir: &Path) -> usize {
    let root = dir.join("apparmor");
    if !root.is_dir() {
        return 0;
    }
    let files = files_under(&root);
    let mut failures = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("profile is UTF-8");
        let name = f.file_name().unwrap().to_str().unwrap();
        let line = format!("\nprofile cinch.{name} flags=(");
        if !text.contains(&line) {
            failures.push(format!("{}: no `{}` line", f.display(), line.trim()));
        }
        if let Some(parser) = parser
            && let Err(e) = apparmor_compile(parser, f)
        {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} profiles fail:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    files.len()
}

/// `cinch inspect PATH EXTRA…` must exit 2 with an error at `PATH:LINE:` that mentions
/// `needle`, and print nothing from PATH (inspect prints what else it could read).
pub fn assert_fails_at(path: &str, extra: &[&str], line: u32, needle: &str) {
    let mut args = vec!["inspect", path];
    args.extend_from_slice(extra);
    let run = cinch(&args);
    assert_eq!(run.code, 2, "{path} should fail: {}", run.stderr);
    let prefix = format!("{path}:{line}:");
    let hit = run
        .stderr
        .lines()
        .find(|l| l.starts_with(&prefix) && l.contains("error"))
        .unwrap_or_else(|| panic!("{path}: no error at line {line}:\n{}", run.stderr));
    assert!(
        hit.contains(needle),
        "{path}: `{hit}` does not mention {needle}"
    );
    let model: serde_json::Value = serde_json::from_str(&run.stdout).expect("a model on stdout");
    let from_path = model["workloads"]
        .as_array()
        .expect("a workloads list")
        .iter()
        .filter(|w| w["at"]["file"] == path)
        .count();
    assert_eq!(
        from_path, 0,
        "{path}: a file with errors is left out of the model"
    );
}

/// The workload ids of an `inspect` model, in its order.
pub fn workload_ids(model: &serde_json::Value) -> Vec<&str> {
    model["workloads"]
        .as_array()
        .expect("a model has a workloads list")
        .iter()
        .map(|w| w["id"].as_str().expect("every workload has an id"))
        .collect()
}

/// The model and the NetworkPolicy files (path → text) of some inputs, and every
/// diagnostic as the CLI prints them.
pub fn generate_policies(
    inputs: &[&str],
    np: cinch::backend::networkpolicy::Options,
) -> (cinch::intent::Model, BTreeMap<String, String>, String) {
    let args = cinch::cli::InputArgs {
        inputs: inputs.iter().map(|s| (*s).to_owned()).collect(),
        ..Default::default()
    };
    let mut diags = cinch::diag::Diagnostics::new();
    let model = cinch::load_model(&args, &BTreeMap::new(), &mut std::io::empty(), &mut diags);
    let opts = cinch::backend::Options {
        backends: [cinch::backend::Backend::Networkpolicy].into(),
        networkpolicy: np,
        ..Default::default()
    };
    let tree = cinch::render(&model, &opts, &mut diags);
    let files = tree
        .files
        .into_iter()
        .map(|(k, v)| (k, String::from_utf8(v).expect("UTF-8 output")))
        .collect();
    let stderr: String = diags.sorted().iter().map(|d| format!("{d}\n")).collect();
    (model, files, stderr)
}
