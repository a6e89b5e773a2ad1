//! Every Compose file cinch accepts (exit 0) — the fixtures under testdata/ and the real
//! ones of ../shared/corpus — is valid against the compose-spec JSON schema after
//! interpolation and compose-go's casts, which is where compose-go validates it
//! (`loader/loader.go`). The schema is vendored unchanged in testdata/schema/compose-spec/
//! (SOURCE says from where).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cinch::diag::Diagnostics;
use cinch::frontend::{self, Options};
use cinch::input::{self, SourceKind};
use serde_json::Value;

use common::{cinch, corpus, files_under};

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(include_str!(
        "../testdata/schema/compose-spec/compose-spec.json"
    ))
    .expect("the vendored schema is JSON");
    jsonschema::validator_for(&schema).expect("the vendored schema compiles")
}

/// The schema's complaints about `path` in the form compose-go validates, or `None` when
/// cinch does not accept the file (or it holds no Compose document).
fn schema_errors(v: &jsonschema::Validator, path: &Path) -> Option<Vec<String>> {
    let shown = path.to_str().unwrap();
    if cinch(&["inspect", shown]).code != 0 {
        return None;
    }
    let mut diags = Diagnostics::new();
    let sources = input::discover(&[shown.to_owned()], &mut std::io::empty(), &mut diags);
    let mut docs = Vec::new();
    for src in sources.iter().filter(|s| s.kind != SourceKind::Dockerfile) {
        docs.extend(frontend::compose::interpolated_documents(
            src,
            &Options::default(),
            &mut diags,
        ));
    }
    if docs.is_empty() {
        return None;
    }
    let mut errors = Vec::new();
    for doc in &docs {
        errors.extend(
            v.iter_errors(doc)
                .map(|e| format!("{shown}: {} at {}", e, e.instance_path())),
        );
    }
    Some(errors)
}

/// YAML files of a tree that look like Compose files (top-level `services`, or a Compose
/// file name), apart from the malformed inputs under testdata/bad.
fn compose_files(dir: &Path) -> Vec<PathBuf> {
    files_under(dir)
        .into_iter()
        .filter(|p| !p.starts_with("testdata/bad"))
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            (name.ends_with(".yaml") || name.ends_with(".yml"))
                && std::fs::read_to_string(p).is_ok_and(|t| {
                    input::kind_from_name(&name) == Some(SourceKind::Compose)
                        || t.lines().any(|l| l.starts_with("services:"))
                })
        })
        .collect()
}

#[test]
fn accepted_compose_files_are_valid_against_the_compose_spec_schema() {
    let v = validator();
    let mut files = compose_files(Path::new("testdata"));
    let mut corpus_files = 0;
    if let Some(corpus) = corpus() {
        let sources = std::fs::read_to_string(corpus.join("SOURCES.tsv")).unwrap();
        for l in sources.lines().filter(|l| l.ends_with("\tcompose")) {
            let rel = l.split('\t').next().unwrap();
            if !rel.ends_with("/.env") {
                files.push(corpus.join(rel));
                corpus_files += 1;
            }
        }
    } else {
        eprintln!("SKIPPED: ../shared/corpus is not beside the checkout; only testdata checked");
    }
    let mut checked: BTreeMap<bool, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for f in &files {
        match schema_errors(&v, f) {
            Some(errors) => {
                *checked.entry(f.starts_with("testdata")).or_default() += 1;
                failures.extend(errors);
            }
            None => eprintln!("not accepted by cinch, not checked: {}", f.display()),
        }
    }
    let testdata = checked.get(&true).copied().unwrap_or_default();
    let real = checked.get(&false).copied().unwrap_or_default();
    eprintln!(
        "compose-spec schema: {testdata} testdata files and {real} of {corpus_files} corpus files checked"
    );
    assert!(
        failures.is_empty(),
        "{} schema violations:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(testdata >= 20, "only {testdata} testdata Compose files");
    if corpus_files > 0 {
        assert!(real >= 30, "only {real} corpus Compose files accepted");
    }
}

/// The check can fail: the schema rejects what compose-go rejects, and the casts are what
/// make `"true"` a boolean and `"8080"` a port number.
#[test]
fn the_schema_rejects_and_the_casts_type() {
    let v = validator();
    let doc = |text: &str| -> Value {
        let src = input::SourceFile::from_text("compose.yaml", SourceKind::Compose, text);
        let mut diags = Diagnostics::new();
        let mut docs = frontend::compose::interpolated_documents(
            &src,
            &Options {
                env: [("RO".to_owned(), "true".to_owned())].into(),
                ..Options::default()
            },
            &mut diags,
        );
        assert!(!diags.has_errors(), "{diags:?}");
        docs.remove(0)
    };
    let good = doc(
        "services:\n  web:\n    image: nginx\n    read_only: ${RO}\n    privileged: \"false\"\n    ports: [{target: \"80\", published: \"8080\"}]\n",
    );
    let web = &good["services"]["web"];
    assert_eq!(web["read_only"], Value::Bool(true));
    assert_eq!(web["privileged"], Value::Bool(false));
    assert_eq!(web["ports"][0]["target"], 80);
    assert_eq!(web["ports"][0]["published"], "8080");
    assert!(v.is_valid(&good));
    for bad in [
        "services:\n  web:\n    image: nginx\n    read_only: 1\n",
        "services:\n  web:\n    image: nginx\n    ports: {http: 80}\n",
        "services:\n  web:\n    image: nginx\n    healthcheck: {interval: 30}\n",
        "services:\n  web:\n    imagee: nginx\n",
    ] {
        assert!(!v.is_valid(&doc(bad)), "the schema accepts {bad}");
    }
}
