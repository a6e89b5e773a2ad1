//! Folded diagnostics through the real binary (issue 17): a repeated note prints its first
//! three and a count, `--verbose` prints every one, errors never fold, and lint's JSON keeps
//! every finding.

mod common;

use std::path::Path;
use std::process::Command;

/// `n` Deployments in one directory, each reading its own ConfigMap, which is absent.
fn monorepo(dir: &Path, n: usize) {
    for i in 0..n {
        let yaml = format!(
            "apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
spec:
  selector:
    matchLabels: {{app: app-{i}}}
  template:
    metadata:
      labels: {{app: app-{i}}}
    spec:
      containers:
        - name: app
          image: nginx:1.27
          envFrom:
            - configMapRef:
                name: cfg-{i}
"
        );
        std::fs::write(dir.join(format!("app-{i:03}.yaml")), yaml).unwrap();
    }
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(common::bin()).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn unresolved(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains("note[unresolved]"))
        .collect()
}

#[test]
fn repeated_notes_fold_unless_verbose() {
    let dir = tempfile::tempdir().unwrap();
    monorepo(dir.path(), 12);
    let input = dir.path().to_str().unwrap();

    let (code, _, stderr) = run(&["inspect", input]);
    assert_eq!(code, 0, "{stderr}");
    let lines = unresolved(&stderr);
    assert_eq!(lines.len(), 4, "{stderr}");
    assert!(lines[0].contains("app-000.yaml:") && lines[0].contains("ConfigMap cfg-0 "));
    assert!(lines[2].contains("app-002.yaml:"));
    assert_eq!(
        lines[3],
        "note[unresolved]: … and 9 more; --verbose for all"
    );

    let (code, _, verbose) = run(&["inspect", "--verbose", input]);
    assert_eq!(code, 0);
    let all = unresolved(&verbose);
    assert_eq!(all.len(), 12, "{verbose}");
    assert!(all.iter().all(|l| !l.contains("more; --verbose")));
    // Folding only drops lines: what it shows is what --verbose shows, in the same order.
    assert_eq!(&all[..3], &lines[..3]);

    // generate folds the same notes (and still writes every profile).
    let out = tempfile::tempdir().unwrap();
    let profiles = out.path().join("profiles");
    let (code, _, stderr) = run(&["generate", input, "-o", profiles.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(unresolved(&stderr).len(), 4, "{stderr}");
}

#[test]
fn errors_are_never_folded() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..8 {
        let yaml = format!("services:\n  s{i}:\n    image: nginx\n    ports: [\"7000{i}:80\"]\n");
        std::fs::write(dir.path().join(format!("compose-{i}.yaml")), yaml).unwrap();
    }
    let (code, _, stderr) = run(&["inspect", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    let errors = stderr.lines().filter(|l| l.contains(": error[")).count();
    assert_eq!(errors, 8, "{stderr}");
    assert!(!stderr.contains("more; --verbose"), "{stderr}");
}

#[test]
fn lint_json_keeps_every_item() {
    let dir = tempfile::tempdir().unwrap();
    monorepo(dir.path(), 12);
    let (_, text, _) = run(&["lint", dir.path().to_str().unwrap()]);
    let (_, json, _) = run(&["lint", "--format", "json", dir.path().to_str().unwrap()]);
    // Every workload's findings are there, one per Deployment file.
    for i in 0..12 {
        assert!(
            json.contains(&format!("app-{i:03}.yaml")),
            "app-{i:03} missing"
        );
        assert!(
            text.contains(&format!("app-{i:03}.yaml")),
            "app-{i:03} missing"
        );
    }
}
