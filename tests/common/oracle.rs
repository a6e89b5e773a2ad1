//! The YAML oracles (`tools/yaml-oracle`, built by `scripts/install-tools` into `.tools/`):
//! go-yaml v3 as compose-go reads a stream, sigs.k8s.io/yaml over go-yaml v2 as kubectl reads
//! one. And cinch's reader (`yaml::load`, scalars typed by `yaml::json::typed`) printed in
//! the oracle's typed JSON, so a test compares the two with `==`. The format is the
//! oracle's (see its package doc): integers as JSON integers, floats as their IEEE bits
//! (`{"!float": "408f400000000000"}`), so 1 and 1.0 differ and no float is rounded.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use cinch::yaml::json::{Schema, Typed, typed};
use cinch::yaml::{Node, Value};
use serde_json::{Map, Value as Json, json};

/// Which real reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mode {
    /// compose-go: go-yaml v3, YAML 1.2 booleans, every document of the stream.
    V3,
    /// kubectl: `sigs.k8s.io/yaml` (go-yaml v2, YAML 1.1), documents split on `---` lines,
    /// empty ones dropped, values as the JSON kubectl sends.
    K8s,
}

impl Mode {
    pub const ALL: [Mode; 2] = [Mode::V3, Mode::K8s];

    pub fn name(self) -> &'static str {
        match self {
            Mode::V3 => "v3",
            Mode::K8s => "k8s",
        }
    }

    fn schema(self) -> Schema {
        match self {
            Mode::V3 => Schema::Yaml12,
            Mode::K8s => Schema::Yaml11,
        }
    }
}

/// What a reader made of a stream.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Accepted(Vec<Json>),
    /// Rejected; the line is 0 when the reader names none.
    Rejected {
        line: u32,
        message: String,
    },
}

impl Outcome {
    pub fn accepted(&self) -> bool {
        matches!(self, Outcome::Accepted(_))
    }

    /// Same verdict and, when accepted, the same values (error texts and lines may differ).
    pub fn agrees(&self, other: &Outcome) -> bool {
        match (self, other) {
            (Outcome::Accepted(a), Outcome::Accepted(b)) => a == b,
            (Outcome::Rejected { .. }, Outcome::Rejected { .. }) => true,
            _ => false,
        }
    }
}

/// A running oracle; inputs are framed on its stdin, one JSON line comes back for each.
pub struct Oracle {
    mode: Mode,
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

/// `.tools/yaml-oracle` in the checkout.
pub fn oracle_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".tools/yaml-oracle")
}

impl Oracle {
    /// Start the oracle, or `None` after one visible `SKIPPED:` line. With `CI` set, its
    /// absence fails the test and says how to build it.
    pub fn start(mode: Mode, test: &str) -> Option<Oracle> {
        let path = oracle_path();
        if !path.is_file() {
            assert!(
                std::env::var_os("CI").is_none(),
                "{test}: {} is missing; `source scripts/install-tools` builds it (Debian golang-go, golang-gopkg-yaml.v3-dev, golang-k8s-sigs-yaml-dev)",
                path.display()
            );
            eprintln!(
                "SKIPPED: {test}: {} missing (source scripts/install-tools)",
                path.display()
            );
            return None;
        }
        let mut child = Command::new(&path)
            .args([mode.name(), "-stream"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the oracle starts");
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        Some(Oracle {
            mode,
            child,
            stdin,
            stdout,
        })
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn read(&mut self, text: &[u8]) -> Outcome {
        writeln!(self.stdin, "{}", text.len()).expect("oracle stdin");
        self.stdin.write_all(text).expect("oracle stdin");
        self.stdin.flush().expect("oracle stdin");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("oracle stdout");
        let v: Json =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("oracle printed {line:?}: {e}"));
        if v["ok"] == true {
            Outcome::Accepted(v["docs"].as_array().cloned().unwrap_or_default())
        } else {
            Outcome::Rejected {
                line: v["line"].as_u64().unwrap_or(0) as u32,
                message: v["error"].as_str().unwrap_or_default().to_owned(),
            }
        }
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// cinch's reader (its input check, then `yaml::load`), printed as the oracle of `mode`
/// prints.
pub fn cinch(bytes: &[u8], mode: Mode) -> Outcome {
    let text = match cinch::input::decode(bytes.to_vec(), "input") {
        Ok(t) => t,
        Err(d) => {
            return Outcome::Rejected {
                line: d.line,
                message: d.message,
            };
        }
    };
    let schema = mode.schema();
    let docs = match cinch::yaml::load_as(&text, schema) {
        Ok(d) => d,
        Err(e) => {
            return Outcome::Rejected {
                line: e.mark.line,
                message: e.message,
            };
        }
    };
    let mut out = Vec::new();
    for d in &docs {
        // kubectl drops empty documents; compose-go's decoder reports them as null.
        if mode == Mode::K8s && d.root.is_null() {
            continue;
        }
        // What cinch's Kubernetes frontend refuses, as kubectl does.
        if mode == Mode::K8s
            && let Some((node, why)) = cinch::yaml::json::kubectl_refuses(&d.root)
        {
            return Outcome::Rejected {
                line: node.line(),
                message: why,
            };
        }
        match view(&d.root, mode, schema) {
            Ok(v) => out.push(v),
            Err(message) => {
                return Outcome::Rejected {
                    line: d.root.line(),
                    message,
                };
            }
        }
    }
    Outcome::Accepted(out)
}

fn float(f: f64) -> Json {
    json!({ "!float": float_text(f) })
}

fn float_text(f: f64) -> String {
    if f.is_nan() {
        ".nan".into()
    } else if f.is_infinite() {
        if f > 0.0 { ".inf" } else { "-.inf" }.into()
    } else {
        format!("{:x}", f.to_bits())
    }
}

fn view(node: &Node, mode: Mode, schema: Schema) -> Result<Json, String> {
    Ok(match &node.value {
        Value::Seq(items) => Json::Array(
            items
                .iter()
                .map(|n| view(n, mode, schema))
                .collect::<Result<_, _>>()?,
        ),
        Value::Map(entries) => {
            let mut map = Map::new();
            for (k, v) in entries {
                map.insert(key(k, mode, schema)?, view(v, mode, schema)?);
            }
            Json::Object(map)
        }
        Value::Null | Value::Scalar(_) => match typed(node, schema).expect("a scalar") {
            Typed::Null => Json::Null,
            Typed::Bool(b) => Json::Bool(b),
            Typed::Int(n) => Json::Number(n),
            Typed::Str(s) => Json::String(s.into_owned()),
            Typed::Float(f) if mode == Mode::K8s => {
                // kubectl's JSON writes a float in its shortest decimal digits, without an
                // exponent below 1e21 (`1000`, `4611686018427388000`), and such text reads
                // back as an integer when it fits 64 bits; Rust's `{}` writes the same digits.
                if f.is_finite() && f.abs() < 1e21 {
                    let text = format!("{f}");
                    if let Ok(i) = text.parse::<i64>() {
                        return Ok(json!(i));
                    }
                    if let Ok(u) = text.parse::<u64>() {
                        return Ok(json!(u));
                    }
                }
                float(f)
            }
            Typed::Float(f) => float(f),
        },
    })
}

/// Whether some map of `text` has two keys that kubectl names alike though they are written
/// differently (`yes:` and `true:`): go-yaml v2 keeps the last silently.
pub fn kubectl_merges_keys(text: &str) -> bool {
    let Ok(docs) = cinch::yaml::load_as(text, Schema::Yaml11) else {
        return false;
    };
    let mut stack: Vec<&Node> = docs.iter().map(|d| &d.root).collect();
    while let Some(n) = stack.pop() {
        match &n.value {
            Value::Seq(items) => stack.extend(items),
            Value::Map(entries) => {
                let names: Vec<String> = entries
                    .iter()
                    .filter_map(|(k, _)| key(k, Mode::K8s, Schema::Yaml11).ok())
                    .collect();
                let mut sorted = names.clone();
                sorted.sort();
                sorted.dedup();
                if sorted.len() < names.len() {
                    return true;
                }
                stack.extend(entries.iter().map(|(_, v)| v));
            }
            Value::Null | Value::Scalar(_) => {}
        }
    }
    false
}

/// A map key as the oracle names it: typed in v3 mode, kubectl's JSON key in k8s mode
/// (what `yaml::json::to_json` names it).
fn key(k: &Node, mode: Mode, schema: Schema) -> Result<String, String> {
    if mode == Mode::K8s {
        let one = cinch::yaml::json::to_json(
            &Node::new(
                k.mark,
                Value::Map(vec![(k.clone(), Node::new(k.mark, Value::Null))]),
            ),
            schema,
        );
        return Ok(one
            .value
            .as_object()
            .and_then(|m| m.keys().next().cloned())
            .unwrap_or_default());
    }
    Ok(match typed(k, schema) {
        Some(Typed::Str(s)) => s.into_owned(),
        Some(Typed::Null) => "!!null".into(),
        Some(Typed::Bool(b)) => format!("!!bool {b}"),
        Some(Typed::Int(n)) => format!("!!int {n}"),
        Some(Typed::Float(f)) => format!("!!float {}", float_text(f)),
        None => return Err("invalid map key: a collection".into()),
    })
}
