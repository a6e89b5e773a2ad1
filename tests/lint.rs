//! `cinch lint`: each rule fires on its fixture and stays silent on its clean twin,
//! suppressions need reasons, exit codes follow `--deny`, SARIF validates against the
//! SARIF 2.1.0 schema, and the real corpus lints without error.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use cinch::workflow::lint::Rule;
use common::{cinch, corpus, settings};
use serde_json::Value;

fn findings(run: &common::Run) -> Vec<Value> {
    let v: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr));
    v["findings"].as_array().unwrap().clone()
}

fn rules_of(fs: &[Value]) -> Vec<String> {
    fs.iter()
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn every_rule_fires_on_its_fixture_and_not_on_the_clean_one() {
    for rule in Rule::ALL {
        let id = rule.id();
        // A rule about Dockerfiles has Dockerfile fixtures.
        let ext = if Path::new(&format!("testdata/lint/{id}.Dockerfile")).exists() {
            "Dockerfile"
        } else {
            "yaml"
        };
        let trigger = format!("testdata/lint/{id}.{ext}");
        let clean = format!("testdata/lint/{id}.ok.{ext}");
        let run = cinch(&["lint", "--format", "json", &trigger]);
        assert!(run.code <= 1, "{trigger}: {}", run.stderr);
        let fs = findings(&run);
        let hit = fs
            .iter()
            .find(|f| f["rule"] == id)
            .unwrap_or_else(|| panic!("{trigger} does not trigger {id}: {:?}", rules_of(&fs)));
        assert_eq!(
            hit["at"]["file"],
            trigger.as_str(),
            "{id}: finding points into the fixture"
        );
        assert!(
            hit["at"]["line"].as_u64().unwrap() >= 2,
            "{id}: finding points at a line"
        );

        let run = cinch(&["lint", "--format", "json", &clean]);
        assert_eq!(run.code, 0, "{clean}: {}{}", run.stdout, run.stderr);
        let fs = findings(&run);
        assert!(
            fs.is_empty(),
            "{clean} should be clean, found {:?}",
            rules_of(&fs)
        );
    }
}

#[test]
fn exit_codes_follow_deny() {
    // An error-level rule fails by default.
    assert_eq!(cinch(&["lint", "testdata/lint/privileged.yaml"]).code, 1);
    // A warning does not, unless warnings are denied or the rule is named.
    assert_eq!(
        cinch(&["lint", "testdata/lint/writable-root-filesystem.yaml"]).code,
        0
    );
    assert_eq!(
        cinch(&[
            "lint",
            "--deny",
            "warnings",
            "testdata/lint/writable-root-filesystem.yaml"
        ])
        .code,
        1
    );
    // A note fails only when its rule is denied.
    assert_eq!(
        cinch(&[
            "lint",
            "--deny",
            "warnings",
            "testdata/lint/no-healthcheck.ok.yaml"
        ])
        .code,
        0
    );
    let no_health = "testdata/lint/no-healthcheck.yaml";
    assert_eq!(
        cinch(&["lint", "--deny", "writable-root-filesystem", no_health]).code,
        1
    );
    assert_eq!(
        cinch(&["lint", "--deny", "no-healthcheck", no_health]).code,
        1
    );
    // An unknown rule is a usage error.
    let run = cinch(&["lint", "--deny", "no-such-rule", no_health]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no such rule"), "{}", run.stderr);
}

#[test]
fn suppressions_need_reasons_and_unused_ones_are_reported() {
    let run = cinch(&["lint", "testdata/lint/allow.yaml"]);
    assert_eq!(run.code, 0, "the only error is allowed: {}", run.stdout);
    assert!(run.stdout.contains("allowed[privileged]"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("reason: the node agent manages host devices"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("allow entry for `docker-socket` matched no finding"),
        "{}",
        run.stdout
    );

    let run = cinch(&["lint", "testdata/lint/allow-no-reason.yaml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("testdata/lint/allow-no-reason.yaml:6:"),
        "{}",
        run.stderr
    );
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let mut schema: Value =
        serde_json::from_str(include_str!("../testdata/sarif/sarif-schema-2.1.0.json")).unwrap();
    // The official schema's `language` patterns (on `run` and `toolComponent`) have a stray
    // `]` (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`), which the meta-schema's
    // `format: regex` check rejects before any validation can happen. cinch never emits a
    // `language`; we replace those patterns in memory with what they mean and validate the
    // rest as is.
    let fixed = fix_language_patterns(&mut schema);
    assert_eq!(fixed, 2, "the vendored schema changed");
    let validator = jsonschema::validator_for(&schema).expect("the vendored schema compiles");
    for input in [
        "testdata/compose/security",
        "testdata/lint/allow.yaml",
        "testdata/lint/privileged.ok.yaml",
        // Input errors as tool execution notifications.
        "testdata/lint/partial",
    ] {
        let run = cinch(&["lint", "--format", "sarif", input]);
        assert!(
            run.code <= 1 || input.ends_with("partial"),
            "{}",
            run.stderr
        );
        let log: Value = serde_json::from_str(&run.stdout).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{input}: SARIF does not validate:\n{}",
            errors.join("\n")
        );
        // What GitHub code scanning needs beyond the schema.
        let run0 = &log["runs"][0];
        assert_eq!(
            run0["tool"]["driver"]["rules"].as_array().unwrap().len(),
            Rule::ALL.len()
        );
        for r in run0["results"].as_array().unwrap() {
            let loc = &r["locations"][0]["physicalLocation"];
            assert!(!loc["artifactLocation"]["uri"].as_str().unwrap().is_empty());
            assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
            assert!(
                r["partialFingerprints"]
                    .as_object()
                    .is_some_and(|m| !m.is_empty())
            );
        }
    }
    // A schema violation is caught (the check can fail).
    let broken = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {}}]});
    assert!(validator.iter_errors(&broken).next().is_some());
}

/// Issue 21, point 2: three unreadable files among good ones (testdata/lint/partial/README.md).
/// `lint` reports the good files' findings and the three files' errors in every format, and
/// exits 2; `inspect` prints the good files' model and exits 2.
#[test]
fn three_bad_files_do_not_hide_the_findings_of_the_good_ones() {
    let bad = [
        "testdata/lint/partial/bad/broken.yaml",
        "testdata/lint/partial/bad/compose/compose.yaml",
        "testdata/lint/partial/bad/overlay/env-patch.yaml",
    ];
    let text = cinch(&["lint", "testdata/lint/partial"]);
    assert_eq!(text.code, 2, "{}", text.stderr);
    let json = cinch(&["lint", "--format", "json", "testdata/lint/partial"]);
    assert_eq!(json.code, 2);
    let sarif = cinch(&["lint", "--format", "sarif", "testdata/lint/partial"]);
    assert_eq!(sarif.code, 2);
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    let linted: std::collections::BTreeSet<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["workload"].as_str().unwrap())
        .collect();
    assert_eq!(
        linted.into_iter().collect::<Vec<_>>(),
        ["blog/web", "shop/api"]
    );
    let errored: std::collections::BTreeSet<&str> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["file"].as_str().unwrap())
        .collect();
    assert_eq!(errored.into_iter().collect::<Vec<_>>(), bad);
    let log: Value = serde_json::from_str(&sarif.stdout).unwrap();
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notified: std::collections::BTreeSet<&str> = invocation["toolExecutionNotifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(notified.into_iter().collect::<Vec<_>>(), bad);
    for file in bad {
        assert!(text.stderr.contains(&format!("{file}:")), "{}", text.stderr);
    }
    settings().bind(|| {
        insta::assert_snapshot!(
            "lint@partial.txt",
            format!("--- stdout\n{}--- stderr\n{}", text.stdout, text.stderr)
        );
        insta::assert_snapshot!("lint@partial.json", json.stdout);
        insta::assert_snapshot!("lint@partial.sarif", sarif.stdout);
    });
    // inspect: the good files' model, and exit 2.
    let run = cinch(&["inspect", "testdata/lint/partial"]);
    assert_eq!(run.code, 2);
    let model: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(common::workload_ids(&model), ["blog/web", "shop/api"]);
}

/// `generate` and `check` stay all-or-nothing: nothing is written, and the error names every
/// bad file at once, not the first.
#[test]
fn generate_and_check_name_every_bad_file_and_write_nothing() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("profiles");
    let dir = dir.to_str().unwrap();
    for args in [
        vec!["generate", "testdata/lint/partial", "-o", dir],
        vec!["check", "testdata/lint/partial", "-o", dir],
    ] {
        let run = cinch(&args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        for file in [
            "testdata/lint/partial/bad/broken.yaml:6:20: error[yaml-syntax]",
            "testdata/lint/partial/bad/compose/compose.yaml:3:12: error[interpolation]",
            "testdata/lint/partial/bad/overlay/env-patch.yaml:12:15: error[invalid-value]",
        ] {
            assert!(run.stderr.contains(file), "{args:?}: {}", run.stderr);
        }
        assert!(!std::path::Path::new(dir).exists(), "{args:?} wrote {dir}");
    }
}

#[test]
fn text_and_sarif_snapshots() {
    settings().bind(|| {
        let run = cinch(&["lint", "testdata/compose/webapp"]);
        insta::assert_snapshot!("lint@webapp.txt", run.stdout);
        let run = cinch(&["lint", "--format", "sarif", "testdata/lint/allow.yaml"]);
        insta::assert_snapshot!("lint@allow.sarif", run.stdout);
    });
}

/// The real corpus lints without error; counts per rule are printed, a few files snapshotted.
#[test]
fn corpus_lints_without_error() {
    let Some(corpus) = corpus() else {
        eprintln!("SKIPPED: ../shared/corpus is not beside the checkout; corpus lint not checked");
        return;
    };
    let run = cinch(&["lint", "--format", "json", corpus.to_str().unwrap()]);
    assert!(run.code <= 1, "{}", run.stderr);
    assert!(!run.stderr.contains("error["), "{}", run.stderr);
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for f in findings(&run) {
        *counts
            .entry(f["rule"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    eprintln!("corpus lint findings per rule:");
    for (rule, n) in &counts {
        eprintln!("  {rule:<26} {n}");
    }
    assert!(!counts.is_empty());
    settings().bind(|| {
        for app in [
            "docker__awesome-compose/nginx-flask-mysql",
            "deviantony__docker-elk/docker-compose.yml",
        ] {
            let path = corpus.join(app);
            let run = cinch(&["lint", path.to_str().unwrap()]);
            // Messages name files as given; make the snapshot independent of the checkout path.
            let shown = run.stdout.replace("../shared/corpus/", "corpus/");
            let text = shown.replace(&format!("{}/", corpus.display()), "corpus/");
            insta::assert_snapshot!(format!("lint@corpus-{}", app.replace('/', "-")), text);
        }
    });
}

fn fix_language_patterns(v: &mut Value) -> usize {
    const BROKEN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    match v {
        Value::Object(map) => {
            let mut n = 0;
            if map.get("pattern").and_then(Value::as_str) == Some(BROKEN) {
                map.insert(
                    "pattern".into(),
                    Value::from("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$"),
                );
                n += 1;
            }
            n + map.values_mut().map(fix_language_patterns).sum::<usize>()
        }
        Value::Array(items) => items.iter_mut().map(fix_language_patterns).sum(),
        _ => 0,
    }
}

/// Dockerfiles: base images are checked too, and `# cinch:allow RULE: reason` suppresses.
#[test]
fn dockerfile_base_images_and_comment_suppressions() {
    let run = cinch(&[
        "lint",
        "--format",
        "json",
        "testdata/lint/dockerfile/unpinned-allowed",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let fs = findings(&run);
    let pins: Vec<&Value> = fs
        .iter()
        .filter(|f| f["rule"] == "image-not-pinned")
        .collect();
    assert_eq!(pins.len(), 2, "both FROM images: {fs:?}");
    assert!(pins.iter().all(
        |f| f["allowed"]["value"]["reason"] == "the mirror re-tags latest nightly after a scan"
    ));
    assert_eq!(pins[0]["at"]["line"], 3);
    let run = cinch(&[
        "lint",
        "--format",
        "json",
        "testdata/lint/dockerfile/pinned",
    ]);
    assert!(findings(&run).is_empty(), "{}", run.stdout);
}

/// Kubernetes: `runAsUser: 0` and a hostPath are found, and the annotation
/// `cinch.dev/allow: "rule: reason; …"` allows them.
#[test]
fn kubernetes_annotation_suppressions() {
    let run = cinch(&[
        "lint",
        "--format",
        "json",
        "testdata/lint/kubernetes/allowed.yaml",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let fs = findings(&run);
    let rules = rules_of(&fs);
    assert!(
        rules.contains(&"runs-as-root".to_owned()) && rules.contains(&"host-path-mount".to_owned()),
        "{rules:?}"
    );
    for f in &fs {
        assert!(f["allowed"].is_object(), "not allowed: {f}");
    }
    let root = fs.iter().find(|f| f["rule"] == "runs-as-root").unwrap();
    assert_eq!(
        root["allowed"]["value"]["reason"],
        "reads root-owned host logs"
    );
    assert_eq!(root["at"]["line"], 24, "points at runAsUser");
}

/// Real cases that fired before (issue 22): a variable that holds a secret's *name*, a yes/no
/// switch named like a password, and Jobs, which finish and have no health to check. Each
/// rule still fires on its trigger fixture (above).
#[test]
fn false_positives_from_real_files_stay_quiet() {
    let run = cinch(&["lint", "--format", "json", "testdata/lint/false-positives"]);
    assert!(run.code <= 1, "{}", run.stderr);
    let fs = findings(&run);
    let quiet = ["secret-in-env", "no-healthcheck"];
    let loud: Vec<String> = fs
        .iter()
        .filter(|f| quiet.contains(&f["rule"].as_str().unwrap_or_default()))
        .map(|f| format!("{} {}", f["rule"], f["message"]))
        .collect();
    assert!(loud.is_empty(), "{loud:?}");
    // The same files still get the findings that are real: the privileged agent's, and the
    // limits its init container lacks.
    let rules = rules_of(&fs);
    assert!(rules.iter().any(|r| r == "runs-as-root"), "{rules:?}");
    let agent: Vec<(String, String)> = fs
        .iter()
        .filter(|f| f["workload"] == "ops/agent")
        .map(|f| (f["rule"].to_string(), f["container"].to_string()))
        .collect();
    assert!(
        agent.contains(&("\"privileged\"".into(), "\"agent\"".into())),
        "{agent:?}"
    );
    assert!(
        agent.contains(&("\"no-resource-limits\"".into(), "\"setup\"".into())),
        "{agent:?}"
    );
    // What `privileged` implies is not reported again.
    let implied = [
        "\"no-seccomp-profile\"",
        "\"privilege-escalation\"",
        "\"net-raw-not-dropped\"",
    ];
    assert!(
        !agent
            .iter()
            .any(|(r, c)| implied.contains(&r.as_str()) && c == "\"agent\""),
        "{agent:?}"
    );
}
