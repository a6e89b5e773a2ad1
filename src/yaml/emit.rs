//! JSON values → block-style YAML that means the same to every reader: what wired manifests
//! are written with.
//!
//! Why not `serde_norway::to_string`: it writes the strings `yes`, `no`, `on`, `off`, `y`,
//! `n`, `1_000` and `12:30` as plain scalars (checked with serde_norway 0.9.42). Its reader
//! takes them back as strings, but kubectl reads manifests with go-yaml v2 (YAML 1.1,
//! through `sigs.k8s.io/yaml`), where they are booleans and numbers: an env value `"on"`
//! would come back as `true` and the object would be rejected. So this writer is
//! conservative: a string is plain only when it starts with a letter, `_` or `/`, holds only
//! `[A-Za-z0-9_./@+=$~:-]` and inner spaces (no `: `, no trailing `:`) and is not a word any
//! YAML version reads as a boolean or null; everything else is double-quoted, with every
//! control or line-separator character escaped. Multi-line strings become literal blocks
//! (`|`, `|-`, `|+`) when they can round-trip exactly, else double-quoted.
//!
//! Layout follows kubectl's own output: two-space indent, sequences at their key's indent,
//! keys in the value's order (sorted: `serde_json::Map` is a `BTreeMap` here).

use std::fmt::Write as _;

use serde_json::{Map, Value as Json};

/// One document, ending with a newline.
pub fn to_yaml(value: &Json) -> String {
    let mut out = String::new();
    match value {
        Json::Object(m) if !m.is_empty() => write_map(&mut out, m, 0, false),
        Json::Array(a) if !a.is_empty() => write_seq(&mut out, a, 0, false),
        scalar => write_scalar(&mut out, scalar, 2),
    }
    out
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// Entries at `indent`; with `inline_first`, the first one continues the current line
/// (after `- `).
fn write_map(out: &mut String, m: &Map<String, Json>, indent: usize, inline_first: bool) {
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 || !inline_first {
            pad(out, indent);
        }
        out.push_str(&scalar_string(k));
        out.push(':');
        match v {
            Json::Object(inner) if !inner.is_empty() => {
                out.push('\n');
                write_map(out, inner, indent + 2, false);
            }
            Json::Array(items) if !items.is_empty() => {
                out.push('\n');
                write_seq(out, items, indent, false);
            }
            scalar => {
                out.push(' ');
                write_scalar(out, scalar, indent + 2);
            }
        }
    }
}

fn write_seq(out: &mut String, items: &[Json], indent: usize, inline_first: bool) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 || !inline_first {
            pad(out, indent);
        }
        out.push_str("- ");
        match item {
            Json::Object(m) if !m.is_empty() => write_map(out, m, indent + 2, true),
            Json::Array(a) if !a.is_empty() => write_seq(out, a, indent + 2, true),
            scalar => write_scalar(out, scalar, indent + 2),
        }
    }
}

/// A scalar (or an empty collection) and its line break; a block string's lines are
/// indented by `block_indent`.
fn write_scalar(out: &mut String, v: &Json, block_indent: usize) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Json::String(s) if literal_ok(s) => {
            write_literal(out, s, block_indent);
            return;
        }
        Json::String(s) => out.push_str(&scalar_string(s)),
        Json::Array(_) => out.push_str("[]"),
        Json::Object(_) => out.push_str("{}"),
    }
    out.push('\n');
}

/// A string as a plain scalar when that is unambiguous, else double-quoted.
pub fn scalar_string(s: &str) -> String {
    if plain_ok(s) {
        s.to_owned()
    } else {
        double_quoted(s)
    }
}

/// Words some YAML version reads as a boolean or null (1.1: `y`, `yes`, `on`, …), or that a
/// reader might take for a special float: never plain, whatever their case.
const AMBIGUOUS_WORDS: &[&str] = &[
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf",
];

fn plain_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(&first) = b.first() else {
        return false;
    };
    if !(first.is_ascii_alphabetic() || first == b'_' || first == b'/') {
        return false;
    }
    if AMBIGUOUS_WORDS.iter().any(|w| s.eq_ignore_ascii_case(w)) {
        return false;
    }
    b.iter().enumerate().all(|(i, &c)| match c {
        b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => true,
        b'_' | b'.' | b'/' | b'@' | b'+' | b'=' | b'$' | b'~' | b'-' => true,
        // `key: value` and a trailing `:` start a mapping.
        b':' => i + 1 < b.len() && b[i + 1] != b' ',
        // Inner spaces only; ` #` cannot occur since `#` is never plain.
        b' ' => i + 1 < b.len(),
        _ => false,
    })
}

/// Characters a literal block cannot hold verbatim: controls other than tab and line feed,
/// DEL and C1 controls, and the characters YAML 1.1 treats as line breaks or that readers
/// strip (NEL, LS, PS, BOM).
fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n')
        || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}')
}

/// A multi-line string that a literal block gives back exactly: no carriage returns or
/// other escapes, some text besides line feeds, and a first text line that does not start
/// with a space (which would be taken for indentation).
fn literal_ok(s: &str) -> bool {
    let body = s.trim_end_matches('\n');
    s.contains('\n')
        && !body.is_empty()
        && !s.chars().any(needs_escape)
        && !body
            .lines()
            .find(|l| !l.is_empty())
            .is_some_and(|l| l.starts_with(' '))
        // Whitespace-only text lines are fine (they are indented), but a first line of only
        // spaces and tabs is ambiguous to some readers.
        && !body.lines().next().is_some_and(|l| !l.is_empty() && l.trim().is_empty())
}

fn write_literal(out: &mut String, s: &str, indent: usize) {
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    out.push('|');
    match trailing {
        0 => out.push('-'),
        1 => {}
        _ => out.push('+'),
    }
    out.push('\n');
    for line in body.split('\n') {
        if !line.is_empty() {
            pad(out, indent);
            out.push_str(line);
        }
        out.push('\n');
    }
    for _ in 1..trailing {
        out.push('\n');
    }
}

/// A YAML double-quoted scalar: `"` and `\` escaped, and every character that is not
/// printable in YAML (or breaks a line in YAML 1.1) as an escape.
pub fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::json::{Schema, to_json};
    use crate::yaml::load;
    use serde_json::json;

    /// Strings that tempt a writer into ambiguity.
    const TRICKY: &[&str] = &[
        "yes",
        "No",
        "ON",
        "off",
        "y",
        "N",
        "true",
        "True",
        "null",
        "~",
        "",
        "0644",
        "0o17",
        "0x1F",
        "1_000",
        "0b101",
        "1e3",
        "1.5",
        ".5",
        "-.inf",
        ".nan",
        "NaN",
        "12:30",
        "2001-12-14",
        "+1",
        "-0",
        "=",
        "<<",
        "- a",
        "a: b",
        "a:",
        "#x",
        "x #y",
        "@a",
        "`a",
        "!a",
        "%a",
        "*a",
        "&a",
        "?",
        "|",
        ">",
        "'q'",
        "\"q\"",
        " lead",
        "trail ",
        "${VAR}",
        "{a}",
        "[a]",
        "a,b",
        "nginx:1.25",
        "http://x:80/y",
        "a\nb",
        "a\n",
        "a\n\n",
        "\n",
        "\n\nx",
        " x\ny",
        "x\r\ny",
        "tab\there",
        "\u{2028}",
        "\u{feff}x",
        "é",
        "a\u{7f}b",
        "line\n  indented\n",
        "\t\nx",
        "  \nx",
        "x\n \ny\n",
    ];

    fn roundtrip(v: &Json) {
        let text = to_yaml(v);
        let docs = load(&text).unwrap_or_else(|e| panic!("{text}\n{e:?}"));
        for schema in [Schema::Yaml11, Schema::Yaml12] {
            let back = to_json(&docs[0].root, schema).value;
            assert_eq!(
                &back, v,
                "{schema:?} reads back something else from:\n{text}"
            );
        }
        let norway: Json = serde_norway::from_str(&text).unwrap();
        assert_eq!(
            &norway, v,
            "serde_norway reads back something else:\n{text}"
        );
    }

    #[test]
    fn every_tricky_string_reads_back_unchanged() {
        for s in TRICKY {
            let mut m = Map::new();
            m.insert("k".into(), json!(s));
            m.insert((*s).to_owned(), json!([s, {"in": s}, [s]]));
            roundtrip(&Json::Object(m));
        }
    }

    #[test]
    fn structures_read_back_unchanged() {
        roundtrip(&json!({
            "apiVersion": "apps/v1",
            "n": 420, "neg": -3, "f": 1.5, "big": 1e300, "b": true, "z": null,
            "e": {}, "l": [], "ll": [[1, 2], [], {}, {"a": {"b": [{"c": 1, "d": [3]}]}}],
            "policy": "profile x {\n  file,\n}\n",
            "script": "set -e\n\nrun\n\n\n",
        }));
        roundtrip(&json!([1, "a", [2, [3]], {"k": "v"}]));
        roundtrip(&json!("top\nlevel\n"));
        roundtrip(&json!("yes"));
        roundtrip(&json!(null));
    }

    #[test]
    fn layout_is_kubectl_like() {
        let v = json!({"spec": {"containers": [{"name": "web", "ports": [{"containerPort": 80}]}]}, "data": {"a.conf": "x\ny\n"}});
        assert_eq!(
            to_yaml(&v),
            "data:\n  a.conf: |\n    x\n    y\nspec:\n  containers:\n  - name: web\n    ports:\n    - containerPort: 80\n"
        );
        assert_eq!(scalar_string("on"), "\"on\"");
        assert_eq!(scalar_string("nginx:1.25"), "nginx:1.25");
        assert_eq!(scalar_string("a\u{2028}b"), "\"a\\u2028b\"");
    }
}
