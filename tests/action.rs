//! The GitHub Action (`action.yml`) run as the runner would run it, step by step, in a
//! scratch git repository (`act` cannot be installed here). Each step's `env:` expressions
//! are evaluated from the inputs, the `github` context and earlier steps' outputs (written
//! to `$GITHUB_OUTPUT`), and its `run:` goes to bash in the repository. `cargo` and `gh` are
//! stand-ins on `PATH`: `cargo install` copies the cinch this test built, `gh api` answers
//! from a file and records what the action sent.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_norway::Value;

const ACTION: &str = include_str!("../action.yml");

/// One run of the action: the step outcomes and what `gh` was asked.
struct ActionRun {
    /// Exit status of each step that ran, by name (the runner stops at the first failure).
    steps: Vec<(String, i32)>,
    outputs: BTreeMap<String, BTreeMap<String, String>>,
    gh_calls: String,
    /// The comment body the action posted or patched, if any.
    comment: Option<String>,
}

struct Scratch {
    _dir: tempfile::TempDir,
    repo: PathBuf,
    bin: PathBuf,
    temp: PathBuf,
}

fn sh(dir: &Path, script: &str) {
    let out = Command::new("bash")
        .args(["-euc", script])
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A repository whose main branch has the shop and its committed profiles, as `origin/main`,
/// and the stand-ins for `cargo` and `gh`.
fn scratch() -> Scratch {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let bin = dir.path().join("bin");
    let temp = dir.path().join("runner-temp");
    for d in [&repo, &bin, &temp] {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::create_dir_all(repo.join("app")).unwrap();
    std::fs::copy(
        "testdata/compose/webapp/compose.yaml",
        repo.join("app/compose.yaml"),
    )
    .unwrap();
    let cinch = common::bin();
    sh(
        &repo,
        &format!(
            "git init -q -b main . && {} generate app -o profiles 2>/dev/null && git add -A && \
             git commit -qm base && git update-ref refs/remotes/origin/main HEAD && \
             git checkout -qb feature",
            cinch.display()
        ),
    );
    // `cargo install --locked --path P --root R`: the cinch under test into R/bin.
    let cargo = format!(
        "#!/bin/bash\nset -eu\necho \"cargo $* (CINCH_COMMIT=$CINCH_COMMIT)\" >> {log}\nroot=${{@: -1}}\nmkdir -p \"$root/bin\"\ncp {cinch} \"$root/bin/cinch\"\n",
        log = temp.join("calls.log").display(),
        cinch = cinch.display()
    );
    // `gh api`: the comment list from $GH_COMMENTS (a file of ids), bodies kept.
    let gh = format!(
        "#!/bin/bash\nset -eu\necho \"gh $*\" >> {log}\n\
         if [[ \" $* \" == *' --paginate '* ]]; then cat {comments} 2>/dev/null || true; exit 0; fi\n\
         for a in \"$@\"; do case $a in body=@*) cp \"${{a#body=@}}\" {posted};; esac; done\n",
        log = temp.join("calls.log").display(),
        comments = temp.join("comments").display(),
        posted = temp.join("posted.md").display(),
    );
    for (name, text) in [("cargo", cargo), ("gh", gh)] {
        let p = bin.join(name);
        std::fs::write(&p, text).unwrap();
        sh(&bin, &format!("chmod +x {name}"));
    }
    Scratch {
        _dir: dir,
        repo,
        bin,
        temp,
    }
}

/// `${{ a.b.c }}` in `text`, from `ctx` (an unknown name is empty, as on the runner).
fn evaluate(text: &str, ctx: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("${{") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find("}}").expect("closed expression") + i;
        let name = rest[i + 3..end].trim();
        out.push_str(ctx.get(name).map_or("", String::as_str));
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

fn run_action(s: &Scratch, inputs: &[(&str, &str)]) -> ActionRun {
    let action: Value = serde_norway::from_str(ACTION).unwrap();
    let _ = std::fs::remove_file(s.temp.join("posted.md"));
    let _ = std::fs::remove_file(s.temp.join("calls.log"));
    let mut ctx: BTreeMap<String, String> = [
        ("github.action_path", env!("CARGO_MANIFEST_DIR")),
        (
            "github.action_ref",
            "0123456789abcdef0123456789abcdef01234567",
        ),
        ("github.base_ref", "main"),
        ("github.event.pull_request.number", "7"),
        ("github.repository", "owner/app"),
        ("github.token", "token"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let given: BTreeMap<&str, &str> = inputs.iter().copied().collect();
    for (name, spec) in action["inputs"].as_mapping().unwrap() {
        let name = name.as_str().unwrap();
        let default = spec["default"].as_str().unwrap_or_default();
        let value = given
            .get(name)
            .map_or_else(|| default.to_owned(), |v| (*v).to_owned());
        let value = evaluate(&value, &ctx);
        ctx.insert(format!("inputs.{name}"), value);
    }
    let mut run = ActionRun {
        steps: Vec::new(),
        outputs: BTreeMap::new(),
        gh_calls: String::new(),
        comment: None,
    };
    let path = format!(
        "{}:{}",
        s.bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for step in action["runs"]["steps"].as_sequence().unwrap() {
        assert_eq!(step["shell"].as_str(), Some("bash"));
        assert!(step.get("if").is_none(), "steps must not be skipped");
        let script = step["run"].as_str().unwrap();
        assert!(
            !script.contains("${{"),
            "expressions belong in env:, not in run:"
        );
        let output_file = s.temp.join("step-output");
        std::fs::write(&output_file, "").unwrap();
        let mut cmd = Command::new("bash");
        cmd.args([
            "--noprofile",
            "--norc",
            "-e",
            "-o",
            "pipefail",
            "-c",
            script,
        ])
        .current_dir(&s.repo)
        .env("PATH", &path)
        .env("RUNNER_TEMP", &s.temp)
        .env("GITHUB_OUTPUT", &output_file)
        .env("GITHUB_PATH", s.temp.join("github-path"))
        .env("GITHUB_STEP_SUMMARY", s.temp.join("summary.md"))
        .env_remove("NO_COLOR");
        if let Some(env) = step["env"].as_mapping() {
            for (k, v) in env {
                cmd.env(k.as_str().unwrap(), evaluate(v.as_str().unwrap(), &ctx));
            }
        }
        let out = cmd.output().unwrap();
        let name = step["name"].as_str().unwrap().to_owned();
        let code = out.status.code().unwrap_or(-1);
        eprintln!(
            "== {name}: exit {code}\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        run.steps.push((name, code));
        if let Some(id) = step["id"].as_str() {
            let mut outputs = BTreeMap::new();
            for line in std::fs::read_to_string(&output_file).unwrap().lines() {
                let (k, v) = line.split_once('=').expect("name=value");
                ctx.insert(format!("steps.{id}.outputs.{k}"), v.to_owned());
                outputs.insert(k.to_owned(), v.to_owned());
            }
            run.outputs.insert(id.to_owned(), outputs);
        }
        if code != 0 {
            break;
        }
    }
    run.gh_calls = std::fs::read_to_string(s.temp.join("calls.log")).unwrap_or_default();
    run.comment = std::fs::read_to_string(s.temp.join("posted.md")).ok();
    run
}

fn output<'a>(run: &'a ActionRun, step: &str, key: &str) -> &'a str {
    run.outputs
        .get(step)
        .and_then(|o| o.get(key))
        .map_or("", String::as_str)
}

#[test]
fn action_checks_comments_and_fails_only_at_the_end() {
    let s = scratch();
    // The pull request adds a capability and forgets to regenerate the profiles.
    let compose = s.repo.join("app/compose.yaml");
    let text = std::fs::read_to_string(&compose).unwrap().replace(
        "cap_add: [NET_BIND_SERVICE, CHOWN, SETUID, SETGID]",
        "cap_add: [NET_BIND_SERVICE, CHOWN, SETUID, SETGID, SYS_PTRACE]",
    );
    std::fs::write(&compose, text).unwrap();
    sh(&s.repo, "git commit -qam 'web: ptrace'");

    let run = run_action(&s, &[("paths", "app"), ("fail-on", "widen")]);
    let names: Vec<&str> = run.steps.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "Install cinch",
            "Committed profiles are up to date",
            "Security-relevant changes",
            "Comment on the pull request",
            "Verdict"
        ]
    );
    assert!(
        run.steps[..4].iter().all(|(_, code)| *code == 0),
        "{:?}",
        run.steps
    );
    assert_eq!(run.steps[4].1, 1, "stale and widened: the verdict fails");
    assert!(run.gh_calls.contains(&format!(
        "cargo install --locked --path {} --root",
        env!("CARGO_MANIFEST_DIR")
    )));
    assert!(
        run.gh_calls
            .contains("(CINCH_COMMIT=0123456789abcdef0123456789abcdef01234567)"),
        "the pinned ref names the build: {}",
        run.gh_calls
    );
    assert_eq!(output(&run, "check", "result"), "stale");
    assert_eq!(output(&run, "diff", "widened"), "true");
    // No comment yet: a new one, with the marker and the diff (naming the capability).
    assert!(
        run.gh_calls
            .contains("gh api --method POST repos/owner/app/issues/7/comments"),
        "{}",
        run.gh_calls
    );
    let comment = run.comment.expect("a comment body");
    assert!(comment.starts_with("<!-- cinch-diff -->\n"), "{comment}");
    assert!(comment.contains("SYS_PTRACE"), "{comment}");

    // The author regenerates and pushes; the comment exists now, so it is updated.
    sh(
        &s.repo,
        &format!(
            "{} generate app -o profiles 2>/dev/null && git add -A && git commit -qm regenerate",
            common::bin().display()
        ),
    );
    std::fs::write(s.temp.join("comments"), "4242\n").unwrap();
    let run = run_action(&s, &[("paths", "app")]);
    assert!(
        run.steps.iter().all(|(_, code)| *code == 0),
        "{:?}",
        run.steps
    );
    assert_eq!(output(&run, "check", "result"), "up-to-date");
    assert_eq!(output(&run, "diff", "widened"), "true");
    assert!(
        run.gh_calls
            .contains("gh api --method PATCH repos/owner/app/issues/comments/4242"),
        "{}",
        run.gh_calls
    );
    assert!(!run.gh_calls.contains("--method POST"));

    // With --wire the committed tree (generated without it) is stale; without a pull
    // request nothing is commented.
    let mut no_pr = run_action(
        &s,
        &[("paths", "app"), ("wire", "true"), ("comment", "false")],
    );
    assert_eq!(output(&no_pr, "check", "result"), "stale");
    assert_eq!(no_pr.steps.pop().map(|(_, c)| c), Some(1));
    assert!(!no_pr.gh_calls.contains("gh api"), "{}", no_pr.gh_calls);
}
