//! Differential test of cinch's YAML reader against the readers of the real tools: every YAML
//! file of `../shared/corpus` and `testdata/` goes through `yaml::load` (scalars typed by
//! `yaml::json::typed`) and through both oracles of `tools/yaml-oracle` (go-yaml v3 as
//! compose-go reads it, sigs.k8s.io/yaml as kubectl reads it). Both oracles read every file:
//! the reader is one, and each schema must match its tool on any input. Accept/reject must
//! agree and the decoded values be equal, scalars typed as that tool types them.
//!
//! Where cinch differs on purpose, [`DELIBERATE`] names the file, the oracle and the reason;
//! the test asserts the disagreements are exactly those (a fixed one must leave the table).

mod common;
#[path = "common/oracle.rs"]
mod oracle;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use oracle::{Mode, Oracle, Outcome, cinch};

/// (file, oracle, why cinch reads it differently). Paths are `corpus/…` or `testdata/…`.
const DELIBERATE: &[(&str, Mode, &str)] = &[
    (
        "corpus/GoogleCloudPlatform__microservices-demo/kustomize/components/google-cloud-operations/otel-collector.yaml",
        Mode::K8s,
        "kubectl's document splitter ends every line with a line break, so a block scalar \
         running to the end of a file that has no final line break gains one; cinch reads the \
         text as written, as compose-go does (one reader for both kinds). Only that value \
         differs (a ConfigMap's data), by one final line break",
    ),
    (
        "testdata/bad/compose/deep-nesting.yaml",
        Mode::V3,
        "limits::MAX_YAML_DEPTH: more than 128 nested collections is refused (real manifests \
         nest under 40); go-yaml allows 10,000",
    ),
    (
        "testdata/bad/compose/deep-nesting.yaml",
        Mode::K8s,
        "limits::MAX_YAML_DEPTH, as for v3",
    ),
    (
        "testdata/yaml/alias-across-documents.k8s.yaml",
        Mode::K8s,
        "an alias of an earlier document's anchor: kubectl parses each document alone and \
         refuses it; cinch reads the stream as one, as compose-go's go-yaml v3 does (one \
         loader for both kinds)",
    ),
    (
        "testdata/yaml/document-end-only.k8s.yaml",
        Mode::K8s,
        "a document of only `...`: kubectl's splitter hands go-yaml v2 that chunk alone, which \
         it refuses; as one stream it is an empty document, which kubectl drops anyway",
    ),
    (
        "testdata/yaml/self-alias-merge.compose.yaml",
        Mode::V3,
        "an alias inside its own anchor as a `<<` source: go-yaml v3 refuses it only when \
         decoding recurses into it (here every merged key is shadowed); cinch refuses it \
         always, as v2 does, since the value it would stand for is not built yet",
    ),
    (
        "testdata/bad/compose/tag-before-comma.yaml",
        Mode::V3,
        "a tag directly followed by `,` in a flow collection: go-yaml reads the comma into \
         the tag (`[!x, b]` is the one item `b` tagged `!x,`), a silent change of meaning; \
         cinch refuses it at the line (libyaml-safer cannot read it either)",
    ),
    (
        "testdata/bad/compose/tag-before-comma.yaml",
        Mode::K8s,
        "a tag directly followed by `,`, as for v3",
    ),
];

fn yaml_files(root: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) {
    for f in common::files_under(root) {
        let is_yaml = f.extension().is_some_and(|e| e == "yaml" || e == "yml");
        if is_yaml {
            let rel = f.strip_prefix(root).expect("under root").display();
            out.push((format!("{prefix}/{rel}"), f));
        }
    }
}

fn summary(o: &Outcome) -> String {
    match o {
        Outcome::Accepted(docs) => {
            let text = serde_json::to_string(docs).unwrap_or_default();
            let cut: String = text.chars().take(600).collect();
            format!("accepted {} docs: {cut}", docs.len())
        }
        Outcome::Rejected { line, message } => format!("rejected at line {line}: {message}"),
    }
}

/// The first place two accepted streams differ, for a readable failure.
fn first_difference(a: &serde_json::Value, b: &serde_json::Value, path: &str) -> String {
    use serde_json::Value::{Array, Object};
    match (a, b) {
        (Object(x), Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) if p == q => {}
                    (Some(p), Some(q)) => return first_difference(p, q, &format!("{path}.{k}")),
                    (p, q) => return format!("{path}.{k}: cinch {p:?} / oracle {q:?}"),
                }
            }
            String::new()
        }
        (Array(x), Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find(|(_, (p, q))| p != q)
            .map(|(i, (p, q))| first_difference(p, q, &format!("{path}[{i}]")))
            .unwrap_or_default(),
        _ => format!("{path}: cinch {a} / oracle {b}"),
    }
}

#[test]
fn every_yaml_file_reads_as_the_real_tools_read_it() {
    let test = "yaml_oracle";
    let mut oracles = Vec::new();
    for mode in Mode::ALL {
        match Oracle::start(mode, test) {
            Some(o) => oracles.push(o),
            None => return,
        }
    }
    let mut files = Vec::new();
    match common::corpus() {
        Some(c) => yaml_files(&c, "corpus", &mut files),
        None => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{test}: ../shared/corpus is missing"
            );
            eprintln!("SKIPPED: {test}: ../shared/corpus missing; testdata only");
        }
    }
    let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    yaml_files(&testdata, "testdata", &mut files);
    assert!(files.len() > 100, "found only {} YAML files", files.len());

    let mut found: BTreeMap<(String, Mode), String> = BTreeMap::new();
    let mut agreed = 0usize;
    for (name, path) in &files {
        let bytes = std::fs::read(path).expect("readable");
        for o in &mut oracles {
            let real = o.read(&bytes);
            let ours = cinch(&bytes, o.mode());
            if ours.agrees(&real) {
                agreed += 1;
                continue;
            }
            let detail = match (&ours, &real) {
                (Outcome::Accepted(a), Outcome::Accepted(b)) if a.len() == b.len() => {
                    let (i, (p, q)) = a
                        .iter()
                        .zip(b)
                        .enumerate()
                        .find(|(_, (p, q))| p != q)
                        .expect("a document differs");
                    format!("document {i}: {}", first_difference(p, q, ""))
                }
                _ => format!("cinch {}\n      oracle {}", summary(&ours), summary(&real)),
            };
            found.insert((name.clone(), o.mode()), detail);
        }
    }
    eprintln!(
        "{test}: {} files x {} oracles: {agreed} agree, {} differ ({} deliberate)",
        files.len(),
        oracles.len(),
        found.len(),
        DELIBERATE.len()
    );

    let mut unexplained = Vec::new();
    for ((file, mode), detail) in &found {
        if !DELIBERATE.iter().any(|(f, m, _)| f == file && m == mode) {
            unexplained.push(format!("{file} [{}]: {detail}", mode.name()));
        }
    }
    let stale: Vec<String> = DELIBERATE
        .iter()
        .filter(|(f, m, _)| !found.contains_key(&(f.to_string(), *m)))
        .map(|(f, m, why)| format!("{f} [{}]: {why}", m.name()))
        .collect();
    assert!(
        unexplained.is_empty() && stale.is_empty(),
        "unexplained disagreements:\n  {}\ndeliberate differences that no longer occur (remove them):\n  {}",
        unexplained.join("\n  "),
        stale.join("\n  ")
    );
}
