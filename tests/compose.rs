//! The Compose frontend end to end: `cinch inspect` on fixtures (snapshots), on the real
//! corpus, and on malformed input.

mod common;

use common::{cinch, corpus, settings};

/// One snapshot of the intent model per fixture directory under testdata/compose.
#[test]
fn inspect_fixtures() {
    settings().bind(|| {
        insta::glob!("../testdata/compose", "*/compose.yaml", |path| {
            let dir = path.parent().unwrap();
            let rel = dir.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap();
            let run = cinch(&["inspect", rel.to_str().unwrap()]);
            assert_eq!(run.code, 0, "{}", run.stderr);
            insta::assert_snapshot!(
                "intent",
                format!("{}\n--- stderr ---\n{}", run.stdout, run.stderr)
            );
        });
    });
}

/// Same bytes on every run and whatever the order of the inputs.
#[test]
fn inspect_is_deterministic_across_runs_and_input_order() {
    let dirs = [
        "testdata/compose/webapp",
        "testdata/compose/networks",
        "testdata/compose/anchors",
    ];
    let first = cinch(&["inspect", dirs[0], dirs[1], dirs[2]]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let again = cinch(&["inspect", dirs[0], dirs[1], dirs[2]]);
    let reversed = cinch(&["inspect", dirs[2], dirs[1], dirs[0]]);
    assert_eq!(first.stdout, again.stdout);
    assert_eq!(first.stdout, reversed.stdout);
    assert_eq!(first.stderr, reversed.stderr);
}

/// Every Compose file of the real-world corpus is read without error.
#[test]
fn corpus_compose_files_read_without_error() {
    let Some(corpus) = corpus() else {
        eprintln!("SKIPPED: ../shared/corpus is not beside the checkout; corpus not checked");
        return;
    };
    let sources = std::fs::read_to_string(corpus.join("SOURCES.tsv")).unwrap();
    let files: Vec<String> = sources
        .lines()
        .filter(|l| l.ends_with("\tcompose") && !l.contains("/.env\t"))
        .map(|l| {
            corpus
                .join(l.split('\t').next().unwrap())
                .display()
                .to_string()
        })
        .collect();
    assert!(
        files.len() >= 30,
        "expected the corpus' ~40 Compose files, found {}",
        files.len()
    );
    let mut workloads = 0;
    for f in &files {
        let run = cinch(&["inspect", f]);
        assert_eq!(run.code, 0, "{f}: {}", run.stderr);
        assert!(!run.stderr.contains("error["), "{f}: {}", run.stderr);
        let model: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        workloads += model["workloads"].as_array().unwrap().len();
    }
    eprintln!(
        "corpus: read {} Compose files, {workloads} services",
        files.len()
    );
    assert!(workloads > 80);
}

/// Malformed Compose input: exit 2 and a `file:line:` message naming the right line.
#[test]
fn malformed_compose_files_fail_with_file_and_line() {
    let cases = [
        ("truncated.yaml", 4, "yaml-syntax"),
        ("tabs.yaml", 4, "yaml-syntax"),
        ("duplicate-key.yaml", 5, "duplicate-key"),
        ("ports-map.yaml", 4, "wrong-type"),
        ("port-range.yaml", 6, "out of range"),
        ("port-zero.yaml", 5, "out of range"),
        ("extends-unknown.yaml", 5, "unknown-extends"),
        ("extends-cycle.yaml", 7, "extends-cycle"),
        ("negative-uid.yaml", 4, "negative"),
        ("unknown-capability.yaml", 5, "unknown capability"),
        ("required-variable.yaml", 5, "DB_PASSWORD"),
        ("services-list.yaml", 2, "wrong-type"),
        ("relative-target.yaml", 5, "not an absolute path"),
        ("healthcheck.yaml", 5, "CMD"),
        ("bad-service-name.yaml", 2, "service name"),
    ];
    for (file, line, needle) in cases {
        common::assert_fails_at(&format!("testdata/bad/compose/{file}"), &[], line, needle);
    }
}

/// `-` reads a manifest from stdin; messages call it `<stdin>`.
#[test]
fn compose_from_stdin() {
    let run = common::cinch_with_stdin(
        &["inspect", "--project-name", "piped", "-"],
        "services:\n  web:\n    image: nginx:1.27\n    ports: [\"80:80\"]\n",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let model: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(model["workloads"][0]["id"], "piped/web");
    assert_eq!(model["workloads"][0]["at"]["file"], "<stdin>");
    let bad = common::cinch_with_stdin(&["inspect", "-"], "services:\n  web:\n    ports: {}\n");
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.starts_with("<stdin>:3:"), "{}", bad.stderr);
}

/// `--profile` limits output to the services Compose would start (DESIGN.md §8).
#[test]
fn profiles_filter_services() {
    let ids = |args: &[&str]| -> Vec<String> {
        let run = cinch(args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let m: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        m["workloads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        ids(&["inspect", "testdata/compose/explicit"]),
        ["always", "debug-tools", "payments"]
    );
    assert_eq!(
        ids(&["inspect", "testdata/compose/explicit", "--profile", "ops"]),
        ["always", "debug-tools"]
    );
}
