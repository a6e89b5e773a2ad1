//! The pull-request workflow end to end (issue 8), in a scratch git repository:
//! generate → commit → edit the manifest (a port, a capability, a dependency) → `check`
//! fails naming the stale files → `diff --git-base HEAD` lists exactly those widenings with
//! their file:line reasons → regenerate → `check` passes. Plus `explain` and `graph`.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{bin, cinch, settings};

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=cinch",
            "-c",
            "user.email=cinch@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn pull_request_flow() {
    if Command::new("git").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "git is missing: apt-get install -y git"
        );
        eprintln!("SKIPPED: git not found; the pull-request flow is not checked");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    fs::create_dir(repo.join("app")).unwrap();
    let original = fs::read_to_string("testdata/workflow/compose.yaml").unwrap();
    fs::write(repo.join("app/compose.yaml"), &original).unwrap();
    git(repo, &["init", "-q", "-b", "main"]);
    let (code, _, err) = run(repo, &["generate", "app", "-o", "profiles"]);
    assert_eq!(code, 0, "{err}");
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", "profiles"]);
    assert_eq!(
        run(repo, &["check", "app", "-o", "profiles"]).0,
        0,
        "fresh tree is up to date"
    );

    // The pull request: a port, a capability, a dependency.
    let edited = original
        .replace("    expose: [\"9000\"]\n", "    expose: [\"9000\"]\n    ports: [\"9443:9443\"]\n")
        .replace("      API_URL: http://api:9000\n    cap_drop: [ALL]\n", "      API_URL: http://api:9000\n    cap_drop: [ALL]\n    cap_add: [NET_BIND_SERVICE]\n    depends_on: [db]\n");
    assert_ne!(edited, original);
    fs::write(repo.join("app/compose.yaml"), &edited).unwrap();
    let edited_lines = |needle: &str| -> u32 {
        edited.lines().position(|l| l.contains(needle)).unwrap() as u32 + 1
    };
    let port_line = edited_lines("9443:9443");
    let cap_line = edited_lines("NET_BIND_SERVICE");
    let dep_line = edited_lines("depends_on: [db]");

    let (code, out, _) = run(repo, &["check", "app", "-o", "profiles"]);
    assert_eq!(code, 1, "check must fail on stale profiles:\n{out}");
    for stale in [
        "stale: profiles/apparmor/shop.web.web",
        "stale: profiles/apparmor/shop.api.api",
        "stale: profiles/networkpolicy/shop.db.yaml",
        "stale: profiles/networkpolicy/shop.web.yaml",
    ] {
        assert!(out.contains(stale), "check should name `{stale}`:\n{out}");
    }

    let (code, md, err) = run(
        repo,
        &["diff", "--git-base", "HEAD", "app", "--format", "markdown"],
    );
    assert_eq!(code, 0, "{err}");
    let (_, json, _) = run(
        repo,
        &["diff", "--git-base", "HEAD", "app", "--format", "json"],
    );
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let changes = report["changes"].as_array().unwrap();
    assert!(!changes.is_empty());
    // Exactly those three widenings: every change widens, and every one is explained by one
    // of the three edited lines; each edit explains at least one change.
    let cites = |c: &serde_json::Value, line: u32| {
        c["reasons"].as_array().unwrap().iter().any(|r| {
            r.as_str()
                .unwrap()
                .contains(&format!("app/compose.yaml:{line} "))
        })
    };
    for c in changes {
        assert_eq!(c["widening"], true, "only widenings expected: {c}");
        assert!(
            [port_line, cap_line, dep_line].iter().any(|l| cites(c, *l)),
            "a change no edit explains: {c}"
        );
    }
    for line in [port_line, cap_line, dep_line] {
        assert!(
            changes.iter().any(|c| cites(c, line)),
            "the edit at line {line} shows no change:\n{md}"
        );
    }
    assert!(
        md.contains("```mermaid") && md.contains("linkStyle"),
        "graph with the new edge highlighted:\n{md}"
    );
    settings().bind(|| insta::assert_snapshot!("workflow@pull-request-diff.md", md));

    let (code, _, _) = run(
        repo,
        &["diff", "--git-base", "HEAD", "app", "--fail-on", "widen"],
    );
    assert_eq!(code, 1, "--fail-on widen fails on a widening change");

    let (code, _, err) = run(repo, &["generate", "app", "-o", "profiles"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        run(repo, &["check", "app", "-o", "profiles"]).0,
        0,
        "regenerated tree is up to date"
    );
    let (_, text, _) = run(repo, &["diff", "--git-base", "HEAD", "app"]);
    assert!(
        text.contains("widening"),
        "the committed base still differs from the work tree:\n{text}"
    );
}

#[test]
fn diff_of_two_profile_directories_equals_diff_of_their_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    assert_eq!(
        cinch(&[
            "generate",
            "testdata/compose/webapp",
            "-o",
            a.to_str().unwrap()
        ])
        .code,
        0
    );
    assert_eq!(
        cinch(&["generate", "testdata/workflow", "-o", b.to_str().unwrap()]).code,
        0
    );
    let dirs = cinch(&[
        "diff",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let inputs = cinch(&[
        "diff",
        "testdata/compose/webapp",
        "testdata/workflow",
        "--format",
        "json",
    ]);
    assert_eq!(dirs.code, 0, "{}", dirs.stderr);
    assert_eq!(dirs.stdout, inputs.stdout);
    let same = cinch(&["diff", a.to_str().unwrap(), a.to_str().unwrap()]);
    assert!(
        same.stdout.contains("no security-relevant change"),
        "{}",
        same.stdout
    );
}

/// `explain` for one workload of each input kind.
#[test]
fn explain_snapshots() {
    settings().bind(|| {
        for (name, args) in [
            (
                "compose",
                vec!["explain", "testdata/compose/webapp", "shop/api"],
            ),
            (
                "kubernetes",
                vec!["explain", "testdata/kubernetes/named-target-port", "api"],
            ),
            (
                "dockerfile",
                vec![
                    "explain",
                    "testdata/dockerfile/three-stages",
                    "--backend",
                    "apparmor",
                    "testdata/dockerfile/three-stages",
                ],
            ),
        ] {
            let run = cinch(&args);
            assert_eq!(run.code, 0, "{name}: {}", run.stderr);
            insta::assert_snapshot!(format!("explain@{name}"), run.stdout);
        }
    });
    let run = cinch(&["explain", "testdata/compose/webapp", "nope"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("shop/api"),
        "lists the workloads: {}",
        run.stderr
    );
}

#[test]
fn graph_draws_the_allowed_connections() {
    let run = cinch(&["graph", "testdata/compose/webapp"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for edge in [
        "|\"TCP 80\"|",
        "|\"TCP 9000\"|",
        "|\"TCP 5432\"|",
        "|\"TCP 6379\"|",
    ] {
        assert!(run.stdout.contains(edge), "{edge} missing:\n{}", run.stdout);
    }
    let dot = cinch(&["graph", "--format", "dot", "testdata/compose/webapp"]);
    assert!(
        dot.stdout
            .contains("\"shop/web\" -> \"shop/api\" [label=\"TCP 9000\"]"),
        "{}",
        dot.stdout
    );
}

/// Undeclared intent (issue 20) is told apart everywhere a rule is shown: `explain` lists it
/// under its own heading, `graph` draws it dashed, `diff` tags and counts it, and `lint`
/// reports it as `undeclared-connection`. With `--undeclared deny` none of it exists.
#[test]
fn undeclared_rules_are_marked_apart() {
    let undeclared = "testdata/lint/undeclared-connection.yaml";
    let declared = "testdata/lint/undeclared-connection.ok.yaml";

    let run = cinch(&[
        "explain",
        "--backend",
        "networkpolicy",
        undeclared,
        "lint/api",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (before, after) = run
        .stdout
        .split_once("undeclared intent")
        .unwrap_or_else(|| panic!("no undeclared heading:\n{}", run.stdout));
    assert!(!before.contains("undeclared:"), "{}", run.stdout);
    assert!(
        after.contains("because undeclared: no service names api:9000")
            && after.contains("ingress from every pod of the namespace on TCP 9000"),
        "{}",
        run.stdout
    );

    let mermaid = cinch(&["graph", undeclared]);
    assert!(
        mermaid.stdout.contains("-.->|\"TCP 9000\"|") && !mermaid.stdout.contains("-->|"),
        "every edge is undeclared, so dashed:\n{}",
        mermaid.stdout
    );
    let dot = cinch(&["graph", "--format", "dot", undeclared]);
    assert!(
        dot.stdout
            .contains("\"lint/web\" -> \"lint/api\" [label=\"TCP 9000\" style=dashed]"),
        "{}",
        dot.stdout
    );
    let solid = cinch(&["graph", "--format", "dot", declared]);
    assert!(
        solid
            .stdout
            .contains("\"lint/web\" -> \"lint/api\" [label=\"TCP 9000\"]"),
        "a declared edge is solid:\n{}",
        solid.stdout
    );
    let deny = cinch(&["graph", "--undeclared", "deny", undeclared]);
    assert!(!deny.stdout.contains("TCP 9000"), "{}", deny.stdout);

    let text = cinch(&["diff", declared, undeclared]);
    assert!(
        text.stdout
            .contains("1 widening (1 of them undeclared intent)")
            && text.stdout.contains(
                "+ ingress from every pod of the namespace on TCP 9000  [widens, undeclared]"
            )
            && text
                .stdout
                .contains("- ingress from lint/web on TCP 9000  [narrows]\n"),
        "{}",
        text.stdout
    );
    let json = cinch(&["diff", "--format", "json", declared, undeclared]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let marked: Vec<_> = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["undeclared"] == true)
        .map(|c| c["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        marked,
        ["ingress from every pod of the namespace on TCP 9000"]
    );

    let lint = cinch(&["lint", "--deny", "undeclared-connection", undeclared]);
    assert_eq!(lint.code, 1, "{}", lint.stdout);
    assert_eq!(
        cinch(&["lint", "--deny", "undeclared-connection", declared]).code,
        0
    );
}
