//! The Dockerfile frontend end to end: `cinch inspect` on one fixture per syntax feature
//! (snapshots), the real corpus, malformed Dockerfiles, and a Compose service that builds
//! its image (merged intent, precedence, overridden facts).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use common::{cinch, corpus, settings};
use serde_json::Value;

/// `cinch.args` beside a fixture: extra command-line arguments, whitespace-separated.
fn fixture_args(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("cinch.args"))
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The build steps (RUN argv, here-documents, files) the library evaluates for a fixture,
/// with the same `--target`/`--build-arg` the CLI gets.
fn build_steps(path: &Path, rel: &str, args: &[String]) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let mut target = None;
    let mut build_args = BTreeMap::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--target" => target = it.next().cloned(),
            "--build-arg" => {
                let (k, v) = it.next().unwrap().split_once('=').unwrap();
                build_args.insert(k.to_owned(), v.to_owned());
            }
            other => panic!("cinch.args: unexpected {other}"),
        }
    }
    let req = cinch::frontend::dockerfile::Request {
        target: target.as_deref(),
        build_args: &build_args,
        build_args_at: None,
    };
    let mut diags = cinch::diag::Diagnostics::new();
    let file: Arc<str> = Arc::from(rel);
    let built =
        cinch::frontend::dockerfile::evaluate(&text, &file, &req, &mut diags).expect("evaluates");
    built.steps
}

/// One snapshot per fixture under testdata/dockerfile: the intent model, the diagnostics,
/// and the build steps.
#[test]
fn inspect_fixtures() {
    settings().bind(|| {
        insta::glob!("../testdata/dockerfile", "*/Dockerfile", |path| {
            let rel = path
                .strip_prefix(env!("CARGO_MANIFEST_DIR"))
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            let args = fixture_args(path.parent().unwrap());
            let mut argv = vec!["inspect".to_owned(), rel.clone()];
            argv.extend(args.iter().cloned());
            let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
            let run = cinch(&argv);
            assert_eq!(run.code, 0, "{}", run.stderr);
            let steps = build_steps(path, &rel, &args);
            insta::assert_snapshot!(
                "dockerfile",
                format!(
                    "{}\n--- stderr ---\n{}--- build ---\n{steps}",
                    run.stdout, run.stderr
                )
            );
        });
    });
}

fn inspect(args: &[&str]) -> Value {
    let run = cinch(args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

fn container<'a>(model: &'a Value, id: &str) -> &'a Value {
    let w = model["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"] == id)
        .unwrap_or_else(|| panic!("no workload {id} in {model}"));
    &w["containers"][0]
}

/// The behaviours the snapshots show, asserted directly so a reviewer need not read JSON.
#[test]
fn buildkit_semantics() {
    let m = inspect(&["inspect", "testdata/dockerfile/three-stages/Dockerfile"]);
    let c = container(&m, "testdata/dockerfile/three-stages");
    assert_eq!(c["name"], "runtime");
    assert_eq!(
        c["user"]["value"]["uid"], 65532,
        "USER inherited from the second stage"
    );
    assert_eq!(c["user"]["at"]["line"], 11);
    assert_eq!(
        c["process"]["workdir"]["value"], "/app/data",
        "relative WORKDIR joins the inherited one"
    );
    assert_eq!(
        c["process"]["entrypoint"]["value"],
        serde_json::json!(["/app/server"])
    );
    assert_eq!(
        c["process"]["command"]["value"],
        serde_json::json!(["--port", "9090"])
    );
    assert_eq!(c["env"]["PORT"]["value"]["value"], "9090");
    assert_eq!(c["env"]["APP_ENV"]["value"]["value"], "production");
    let bases: Vec<&str> = c["base_images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["value"]["raw"].as_str().unwrap())
        .collect();
    assert_eq!(
        bases,
        ["golang:1.22", "gcr.io/distroless/static-debian12:nonroot"],
        "the docs stage is not built"
    );
    assert_eq!(c["runtime"]["value"], "go");

    let m = inspect(&[
        "inspect",
        "testdata/dockerfile/shell-entrypoint/Dockerfile",
        "--target",
        "app",
    ]);
    let c = container(&m, "testdata/dockerfile/shell-entrypoint");
    assert_eq!(
        c["process"]["entrypoint"]["value"],
        serde_json::json!(["/bin/sh", "-c", "gunicorn --bind 0.0.0.0:8000 app:app"])
    );
    assert_eq!(
        c["process"]["command"]["value"],
        serde_json::json!(["--workers", "2"]),
        "CMD set before ENTRYPOINT in the same stage stays"
    );
    let m = inspect(&["inspect", "testdata/dockerfile/shell-entrypoint/Dockerfile"]);
    let c = container(&m, "testdata/dockerfile/shell-entrypoint");
    assert_eq!(
        c["process"]["command"]["value"],
        serde_json::json!([]),
        "an inherited CMD is reset by ENTRYPOINT"
    );
    assert_eq!(
        c["process"]["entrypoint"]["value"][2],
        "exec celery -A app worker     --loglevel=info"
    );

    let m = inspect(&[
        "inspect",
        "testdata/dockerfile/arg-in-from/Dockerfile",
        "--build-arg",
        "VERSION=1.26",
    ]);
    let c = container(&m, "testdata/dockerfile/arg-in-from");
    assert_eq!(
        c["base_images"][0]["value"]["raw"],
        "docker.io/library/nginx:1.26-alpine"
    );
    assert_eq!(
        c["labels"]["version"]["value"], "",
        "a global ARG is not visible in a stage before ARG redeclares it"
    );
    assert_eq!(c["labels"]["redeclared"]["value"], "1.26");
    assert_eq!(
        c["env"]["ARCH"]["value"]["value"], "${TARGETARCH}",
        "unknown platform values stay as written"
    );

    let m = inspect(&["inspect", "testdata/dockerfile/expose-udp/Dockerfile"]);
    let c = container(&m, "testdata/dockerfile/expose-udp");
    let ports: Vec<(u64, &str)> = c["listens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["port"].as_u64().unwrap(), l["protocol"].as_str().unwrap()))
        .collect();
    assert_eq!(
        ports,
        [
            (53, "tcp"),
            (53, "udp"),
            (5353, "udp"),
            (8080, "tcp"),
            (8081, "tcp"),
            (8082, "tcp"),
            (9153, "tcp")
        ]
    );
    let udp = c["listens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["protocol"] == "udp" && l["port"] == 53)
        .unwrap();
    assert_eq!(
        udp["at"]["via"][0]["line"], 2,
        "EXPOSE ${{PORT}} points at the ARG that set PORT"
    );

    let m = inspect(&["inspect", "testdata/dockerfile/onbuild/Dockerfile"]);
    let c = container(&m, "testdata/dockerfile/onbuild");
    assert_eq!(
        c["user"]["value"]["name"], "nobody",
        "the parent's ONBUILD USER ran in the child stage"
    );
    assert_eq!(c["user"]["at"]["field"], "ONBUILD USER");
    assert_eq!(
        c["onbuild"].as_array().unwrap().len(),
        1,
        "only the final stage's own triggers are recorded"
    );

    let m = inspect(&["inspect", "testdata/dockerfile/healthcheck-none/Dockerfile"]);
    let c = container(&m, "testdata/dockerfile/healthcheck-none");
    assert_eq!(c["probes"][0]["action"], "disabled");
}

/// Every Dockerfile of the real-world corpus is read without error.
#[test]
fn corpus_dockerfiles_read_without_error() {
    let Some(corpus) = corpus() else {
        eprintln!("SKIPPED: ../shared/corpus is not beside the checkout; corpus not checked");
        return;
    };
    let sources = std::fs::read_to_string(corpus.join("SOURCES.tsv")).unwrap();
    let files: Vec<String> = sources
        .lines()
        .filter(|l| l.ends_with("\tdockerfile"))
        .map(|l| {
            corpus
                .join(l.split('\t').next().unwrap())
                .display()
                .to_string()
        })
        .collect();
    assert!(
        files.len() >= 60,
        "expected the corpus' Dockerfiles, found {}",
        files.len()
    );
    let (mut users, mut listens, mut entrypoints) = (0, 0, 0);
    for f in &files {
        let run = cinch(&["inspect", f]);
        assert_eq!(run.code, 0, "{f}: {}", run.stderr);
        assert!(!run.stderr.contains("error["), "{f}: {}", run.stderr);
        let model: Value = serde_json::from_str(&run.stdout).unwrap();
        let ws = model["workloads"].as_array().unwrap();
        assert_eq!(ws.len(), 1, "{f}: one workload per lone Dockerfile");
        let c = &ws[0]["containers"][0];
        users += usize::from(!c["user"].is_null());
        listens += usize::from(c["listens"].as_array().is_some_and(|l| !l.is_empty()));
        entrypoints += usize::from(
            !c["process"]["entrypoint"].is_null() || !c["process"]["command"].is_null(),
        );
    }
    eprintln!(
        "corpus: read {} Dockerfiles; {users} set USER, {listens} EXPOSE a port, {entrypoints} declare what runs",
        files.len()
    );
    assert!(
        listens >= 30 && entrypoints >= 45,
        "fewer facts than the corpus holds"
    );
}

/// Malformed Dockerfiles: exit 2 and a `file:line:` error naming the right line.
#[test]
fn malformed_dockerfiles_fail_with_file_and_line() {
    let cases: &[(&str, &[&str], u32, &str)] = &[
        (
            "unterminated-heredoc.Dockerfile",
            &[],
            3,
            "unterminated here-document",
        ),
        (
            "unknown-instruction.Dockerfile",
            &[],
            3,
            "unknown instruction",
        ),
        ("bad-json-cmd.Dockerfile", &[], 3, "not a valid JSON array"),
        ("bad-json-shell.Dockerfile", &[], 2, "invalid JSON"),
        ("no-from.Dockerfile", &[], 2, "expected FROM"),
        ("only-args.Dockerfile", &[], 1, "at least one FROM"),
        (
            "unknown-target.Dockerfile",
            &["--target", "prod"],
            1,
            "target stage `prod` could not be found",
        ),
        ("bad-user.Dockerfile", &[], 3, "negative"),
        ("env-without-value.Dockerfile", &[], 2, "two arguments"),
        ("required-arg.Dockerfile", &[], 3, "TOKEN: must be given"),
        ("stage-cycle.Dockerfile", &[], 1, "circular"),
        ("bad-port.Dockerfile", &[], 2, "not a port"),
        // Blank only because the build arg given is empty (without it: a warning, see
        // testdata/dockerfile/unknown-base).
        (
            "empty-base.Dockerfile",
            &["--build-arg", "BASE="],
            2,
            "should not be blank",
        ),
    ];
    for (file, extra, line, needle) in cases {
        common::assert_fails_at(
            &format!("testdata/bad/dockerfile/{file}"),
            extra,
            *line,
            needle,
        );
    }
}

/// A Compose service that builds its image: the Dockerfile's target stage beneath the
/// service, field by field, with every overridden fact kept.
#[test]
fn compose_build_merges_with_service_precedence() {
    let run = cinch(&["inspect", "testdata/compose/build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let m: Value = serde_json::from_str(&run.stdout).unwrap();
    let ids = common::workload_ids(&m);
    assert_eq!(
        ids,
        ["shop/api", "shop/inline", "shop/missing", "shop/worker"],
        "built Dockerfiles are not also lone workloads"
    );

    let api = container(&m, "shop/api");
    // Compose `user` beats USER; the loser is kept.
    assert_eq!(api["user"]["value"]["spec"], "2000:2000");
    assert_eq!(api["user"]["overridden"][0]["value"]["spec"], "1000:1000");
    assert_eq!(
        api["user"]["overridden"][0]["at"]["file"],
        "testdata/compose/build/api/Dockerfile"
    );
    // `command` beats CMD; ENTRYPOINT comes from the image (the `prod` target, build arg applied).
    assert_eq!(
        api["process"]["command"]["value"],
        serde_json::json!(["serve", "--port", "9000"])
    );
    assert_eq!(
        api["process"]["command"]["overridden"][0]["value"],
        serde_json::json!(["serve"])
    );
    assert_eq!(
        api["process"]["entrypoint"]["value"],
        serde_json::json!(["/usr/local/bin/api"])
    );
    assert_eq!(
        api["env"]["LOG_LEVEL"]["value"]["value"], "debug",
        "Compose wins per key"
    );
    assert_eq!(
        api["env"]["LOG_LEVEL"]["overridden"][0]["value"]["value"],
        "info"
    );
    assert_eq!(
        api["env"]["APP_VERSION"]["value"]["value"], "2.0.0",
        "build.args reach the Dockerfile"
    );
    let via = &api["env"]["APP_VERSION"]["at"]["via"];
    assert!(
        via.as_array()
            .unwrap()
            .iter()
            .any(|v| v["file"] == "testdata/compose/build/compose.yaml"),
        "{via}"
    );
    let ports: Vec<(u64, &str)> = api["listens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["port"].as_u64().unwrap(), l["origin"].as_str().unwrap()))
        .collect();
    assert!(
        ports.contains(&(8080, "expose")) && ports.contains(&(9000, "port")),
        "{ports:?}"
    );
    assert_eq!(
        api["probes"][0]["at"]["file"], "testdata/compose/build/compose.yaml",
        "Compose healthcheck wins"
    );
    assert_eq!(
        api["overridden_probes"][0]["at"]["file"],
        "testdata/compose/build/api/Dockerfile"
    );
    assert!(
        api["base_images"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["value"]["raw"] != "alpine:3.20"),
        "the debug stage is not built"
    );

    let worker = container(&m, "shop/worker");
    // `entrypoint` without `command`: the image's CMD is dropped, and kept as overridden.
    assert_eq!(
        worker["process"]["entrypoint"]["value"],
        serde_json::json!(["python", "-m", "worker"])
    );
    assert_eq!(worker["process"]["command"]["value"], serde_json::json!([]));
    assert_eq!(
        worker["process"]["command"]["overridden"][0]["value"],
        serde_json::json!(["python", "app.py"])
    );
    assert_eq!(
        worker["user"]["value"]["name"], "app",
        "image USER applies when the service sets none"
    );

    let inline = container(&m, "shop/inline");
    assert_eq!(inline["user"]["value"]["uid"], 101);
    assert!(
        inline["user"]["at"]["file"]
            .as_str()
            .unwrap()
            .contains("dockerfile_inline")
    );

    assert!(
        run.stderr.contains(
            "services.missing.build: Dockerfile testdata/compose/build/nowhere/Dockerfile not found"
        ),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("error["), "{}", run.stderr);
}

/// Truncated input (every prefix of every fixture, good and bad) never panics: it is read
/// or reported.
#[test]
fn truncated_dockerfiles_never_panic() {
    let mut files = common::files_under(Path::new("testdata/dockerfile"));
    files.extend(common::files_under(Path::new("testdata/bad/dockerfile")));
    files.retain(|f| {
        f.file_name()
            .is_some_and(|n| n.to_string_lossy().contains("ockerfile"))
    });
    assert!(files.len() > 20);
    let args = BTreeMap::new();
    let req = cinch::frontend::dockerfile::Request {
        target: None,
        build_args: &args,
        build_args_at: None,
    };
    let file: Arc<str> = Arc::from("Dockerfile");
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (i, _) in text.char_indices() {
            let mut diags = cinch::diag::Diagnostics::new();
            let built = cinch::frontend::dockerfile::evaluate(&text[..i], &file, &req, &mut diags);
            assert!(
                built.is_some() || diags.has_errors(),
                "{}: prefix of {i} bytes neither read nor reported",
                f.display()
            );
        }
    }
}
