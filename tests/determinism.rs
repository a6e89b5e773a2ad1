//! Determinism as a property (issue 10): for many random permutations of the inputs — the
//! order of INPUTS, the order of documents in multi-document YAML, and the order of keys in
//! every YAML map — the output is the same.
//!
//! Input order never moves a line, so there the bytes must be identical. Reordering documents
//! or keys moves lines, and every profile cites the lines of its reasons (`compose.yaml:14`):
//! those citations legitimately change. So for the latter two, outputs are compared with
//! every `file:line` citation and every `"line"`/`"column"` field masked; everything else —
//! which rules, in which order, with which reasons — must be byte-identical.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::bin;

/// xorshift64*: deterministic permutations for a given seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1) as u64) as usize
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
    }
}

const FIXTURES: &[&str] = &[
    "testdata/compose/webapp",
    "testdata/compose/networks",
    "testdata/compose/anchors",
    "testdata/compose/override",
    "testdata/compose/include",
    "testdata/kubernetes/references",
    "testdata/kubernetes/workloads",
    "testdata/kubernetes/list",
    "testdata/networkpolicy/istio-bookinfo",
    "testdata/networkpolicy/linkerd",
    "testdata/networkpolicy/monitoring",
    "testdata/ground-truth/sock-shop",
];

const SEEDS: u64 = 6;

/// `cinch generate` and `cinch inspect` of `inputs`, run in `cwd`: every output file by path,
/// plus the intent model under the key `inspect`.
fn outputs(cwd: &Path, inputs: &[String]) -> BTreeMap<String, String> {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec!["generate".to_owned()];
    args.extend(inputs.iter().cloned());
    args.extend(["-o".to_owned(), out.path().join("p").display().to_string()]);
    let run = Command::new(bin())
        .args(&args)
        .current_dir(cwd)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut files: BTreeMap<String, String> = common::files_under(&out.path().join("p"))
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(out.path()).unwrap().display().to_string();
            (rel, fs::read_to_string(&p).unwrap())
        })
        .collect();
    let mut args = vec!["inspect".to_owned()];
    args.extend(inputs.iter().cloned());
    let run = Command::new(bin())
        .args(&args)
        .current_dir(cwd)
        .output()
        .unwrap();
    assert!(run.status.success());
    files.insert("inspect".into(), String::from_utf8(run.stdout).unwrap());
    files
}

/// Mask `file.yaml:123` citations and JSON `"line"`/`"column"` values.
fn mask_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if let Some(f) = ["\"line\": ", "\"column\": "]
            .into_iter()
            .find(|f| rest.starts_with(f))
        {
            out.push_str(f);
            rest = rest[f.len()..].trim_start_matches(|c: char| c.is_ascii_digit());
            out.push('N');
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
        // A citation: `.yaml:` / `.yml:` / `Dockerfile:` followed by digits.
        let cited =
            out.ends_with(".yaml:") || out.ends_with(".yml:") || out.ends_with("Dockerfile:");
        if c == ':' && cited && rest.starts_with(|c: char| c.is_ascii_digit()) {
            rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
            out.push('N');
        }
    }
    out
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    common::files_under(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect()
}

fn rel(p: &Path) -> String {
    p.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(p)
        .display()
        .to_string()
}

#[test]
fn input_order_never_changes_output_bytes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<String> = FIXTURES
        .iter()
        .flat_map(|f| yaml_files(&root.join(f)))
        .map(|p| rel(&p))
        .collect();
    let baseline = outputs(root, &files);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for seed in 0..SEEDS {
        rng.shuffle(&mut files);
        assert_eq!(
            outputs(root, &files),
            baseline,
            "seed {seed}: order {files:?}"
        );
    }
}

/// Rewrite one YAML file: documents shuffled, every map's keys shuffled.
fn permute_yaml(text: &str, rng: &mut Rng) -> String {
    let mut docs: Vec<serde_norway::Value> = serde_norway::Deserializer::from_str(text)
        .map(|d| <serde_norway::Value as serde::Deserialize>::deserialize(d).unwrap())
        .filter(|v| !v.is_null())
        .collect();
    rng.shuffle(&mut docs);
    docs.iter_mut().for_each(|d| shuffle_keys(d, rng));
    docs.iter()
        .map(|d| format!("---\n{}", serde_norway::to_string(d).unwrap()))
        .collect()
}

fn shuffle_keys(v: &mut serde_norway::Value, rng: &mut Rng) {
    match v {
        serde_norway::Value::Mapping(m) => {
            let mut entries: Vec<(serde_norway::Value, serde_norway::Value)> =
                std::mem::take(m).into_iter().collect();
            rng.shuffle(&mut entries);
            for (k, mut val) in entries {
                shuffle_keys(&mut val, rng);
                m.insert(k, val);
            }
        }
        serde_norway::Value::Sequence(items) => items.iter_mut().for_each(|i| shuffle_keys(i, rng)),
        serde_norway::Value::Tagged(t) => shuffle_keys(&mut t.value, rng),
        _ => {}
    }
}

#[test]
fn document_and_key_order_never_change_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for fixture in FIXTURES {
        let files: Vec<String> = yaml_files(&root.join(fixture))
            .iter()
            .map(|p| rel(p))
            .collect();
        let mask = |m: BTreeMap<String, String>| -> BTreeMap<String, String> {
            m.into_iter().map(|(k, v)| (k, mask_lines(&v))).collect()
        };
        let baseline = mask(outputs(root, &files));
        let mut rng = Rng(0x2545_f491_4f6c_dd1d ^ fixture.len() as u64);
        for seed in 0..SEEDS {
            // The same relative paths in a scratch tree, so displayed names are unchanged.
            let tmp = tempfile::tempdir().unwrap();
            for f in common::files_under(&root.join(fixture)) {
                let r = rel(&f);
                let dest = tmp.path().join(&r);
                fs::create_dir_all(dest.parent().unwrap()).unwrap();
                let text = fs::read_to_string(&f).unwrap();
                let is_yaml = f.extension().is_some_and(|e| e == "yaml" || e == "yml");
                fs::write(
                    &dest,
                    if is_yaml {
                        permute_yaml(&text, &mut rng)
                    } else {
                        text
                    },
                )
                .unwrap();
            }
            let got = mask(outputs(tmp.path(), &files));
            for (path, want) in &baseline {
                let have = got
                    .get(path)
                    .unwrap_or_else(|| panic!("{fixture} seed {seed}: {path} missing"));
                assert!(
                    have == want,
                    "{fixture} seed {seed}: {path} differs:\n{}",
                    first_difference(want, have)
                );
            }
            assert_eq!(
                got.len(),
                baseline.len(),
                "{fixture} seed {seed}: different files"
            );
        }
    }
}

fn first_difference(a: &str, b: &str) -> String {
    a.lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .map(|(i, (x, y))| format!("line {}:\n  want: {x}\n  have: {y}", i + 1))
        .unwrap_or_else(|| "different lengths".into())
}

#[test]
fn masking_only_touches_citations() {
    assert_eq!(
        mask_lines("a (compose.yaml:14 services.web) \"line\": 7, x:9"),
        "a (compose.yaml:N services.web) \"line\": N, x:9"
    );
}
