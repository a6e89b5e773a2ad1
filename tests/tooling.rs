//! Directories whose YAML is another tool's input (issue 21, point 4): a Helm chart's
//! templates and the patch files a kustomization lists are skipped by the directory walk,
//! with one note each saying how to read them rendered; the rest of the tree is read.
//! testdata/tooling/README.md describes the layouts.

mod common;

use common::{cinch, settings, workload_ids};

#[test]
fn charts_and_kustomize_patches_are_skipped_with_a_note() {
    let run = cinch(&["inspect", "testdata/tooling", "--verbose"]);
    // Before: the chart's templates were YAML syntax errors, and the overlay's
    // `$patch: replace` an environment variable without a name: exit 2.
    assert_eq!(run.code, 0, "{}", run.stderr);
    let model: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    // The base's Deployment only: nothing from the chart, no half-Deployment from a patch.
    assert_eq!(workload_ids(&model), ["default/web"]);
    let at = model["workloads"][0]["at"]["file"].as_str().unwrap();
    assert_eq!(at, "testdata/tooling/kustomize/base/deployment.yaml");
    let skipped: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("Helm chart") || l.contains("kustomize patch"))
        .collect();
    settings().bind(|| insta::assert_snapshot!("tooling_skipped", skipped.join("\n")));
}

#[test]
fn a_file_named_on_the_command_line_is_read() {
    // Only the walk skips: a patch named explicitly is read, and its error reported.
    let run = cinch(&[
        "inspect",
        "testdata/tooling/kustomize/overlays/prod/patches/env.yaml",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("environment variable without a name"),
        "{}",
        run.stderr
    );
}

#[test]
fn generate_over_the_tree_writes_the_base_only() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("profiles");
    let run = cinch(&["generate", "testdata/tooling", "-o", dir.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let files: Vec<String> = common::files_under(&dir)
        .iter()
        .map(|p| p.strip_prefix(&dir).unwrap().display().to_string())
        .filter(|p| !p.starts_with('.'))
        .collect();
    assert!(!files.is_empty());
    assert!(
        files
            .iter()
            .all(|f| f.contains("web") && !f.contains("release")),
        "{files:?}"
    );
}

/// cinch's own output tree inside the inputs (`cinch wire app -o app/profiles`) is not read
/// by the walk, or every run would read the last one's wired manifests and report each
/// workload twice; named on the command line, it is read like any input.
#[test]
fn the_walk_skips_cinch_s_own_output_tree_but_reads_it_when_named() {
    let t = tempfile::tempdir().unwrap();
    let app = t.path().join("app");
    std::fs::create_dir(&app).unwrap();
    std::fs::copy(
        "testdata/kubernetes/workloads/workloads.yaml",
        app.join("workloads.yaml"),
    )
    .unwrap();
    let out = app.join("profiles");
    let (app, out) = (app.to_str().unwrap(), out.to_str().unwrap());
    let wired = cinch(&["wire", app, "-o", out]);
    assert_eq!(wired.code, 0, "{}", wired.stderr);
    let files = |run: &common::Run| -> Vec<String> {
        let model: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let mut files: Vec<String> = model["workloads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["at"]["file"].as_str().unwrap().to_owned())
            .collect();
        files.dedup();
        files
    };
    // Files are shown relative to the working directory when they share a root with it
    // (`../../tmp/…`), so only their ends are compared.
    let walked = cinch(&["inspect", app]);
    assert_eq!(walked.code, 0, "{}", walked.stderr);
    let read = files(&walked);
    assert_eq!(read.len(), 1, "{read:?}");
    assert!(read[0].ends_with("/app/workloads.yaml"), "{read:?}");
    let named = cinch(&["inspect", out]);
    assert_eq!(named.code, 0, "{}", named.stderr);
    let read = files(&named);
    assert_eq!(read.len(), 1, "{read:?}");
    assert!(
        read[0].contains("/app/profiles/wired/") && read[0].ends_with("/app/workloads.yaml"),
        "{read:?}"
    );
    assert_eq!(
        workload_ids(&serde_json::from_str(&named.stdout).unwrap()).len(),
        8
    );
}
