//! `cinch check` compares each file as it is rendered (issue 17) instead of holding both
//! trees in memory. Its report must be the bytes the in-memory comparison printed: the
//! snapshot below was taken with the binary before the change (stale, missing and orphaned
//! files, with `--wire`, whose patched manifests read the profiles back during the check).

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

const INPUTS: &[&str] = &["testdata/compose/webapp", "testdata/kubernetes/references"];

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(common::bin())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The first generated file under `dir/sub`, by name.
fn first(dir: &Path, sub: &str) -> String {
    let mut names: Vec<String> = fs::read_dir(dir.join(sub))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    format!("{sub}/{}", names[0])
}

#[test]
fn streamed_check_prints_what_the_in_memory_check_printed() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("profiles");
    let out_s = out.to_str().unwrap();
    let mut args = vec!["generate", "--wire", "-o", out_s];
    args.extend(INPUTS);
    let (code, _, stderr) = run(&args);
    assert_eq!(code, 0, "{stderr}");

    // Current: clean.
    args[0] = "check";
    args.extend(["--color", "never"]);
    let (code, stdout, stderr) = run(&args);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.ends_with("is up to date\n"), "{stdout}");

    // One stale, one missing, one orphaned.
    let stale = out.join(first(&out, "seccomp"));
    let text = fs::read_to_string(&stale).unwrap();
    fs::write(&stale, text.replacen("\"read\"", "\"reed\"", 1)).unwrap();
    fs::remove_file(out.join(first(&out, "apparmor"))).unwrap();
    fs::write(out.join("networkpolicy/gone.yaml"), "kind: NetworkPolicy\n").unwrap();
    let manifest = out.join(".cinch-generated");
    let mut list = fs::read_to_string(&manifest).unwrap();
    list.push_str("networkpolicy/gone.yaml\n");
    fs::write(&manifest, list).unwrap();

    let (code, stdout, stderr) = run(&args);
    assert_eq!(code, 1, "{stderr}");
    let shown = stdout.replace(out_s, "[OUT]");
    common::settings().bind(|| insta::assert_snapshot!("check_stream", shown));
}
