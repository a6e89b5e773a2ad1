//! The marked tree as a generic JSON value, typed the way the tool that reads the file
//! types it: what wiring patches and writes back (`backend::wiring`).
//!
//! A plain scalar's type depends on the YAML library that reads it, and the wired copy must
//! mean to that reader what the original meant:
//! - Kubernetes manifests are read by kubectl and the API machinery through
//!   `sigs.k8s.io/yaml`, i.e. go-yaml v2, a YAML 1.1 resolver: `yes`/`no`/`on`/`off`/`y`/`n`
//!   are booleans there ([`Schema::Yaml11`]).
//! - Compose files are read by compose-go with go-yaml v3, whose resolver knows only
//!   `true`/`false` as booleans ([`Schema::Yaml12`]); `privileged: yes` reaches Compose as
//!   the string `yes`, which Compose then converts.
//!
//! Both resolvers read numbers alike (go-yaml `resolve.go`): underscores removed, then Go's
//! `strconv.ParseInt(s, 0, 64)`, so `0x1F`, `0o17`, `0b101` *and* a leading-zero `0644`
//! (octal, 420: Kubernetes' `defaultMode: 0644`) are integers; else a float of the form
//! `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, or `.inf`/`.nan`. This departs
//! from the YAML 1.2 core schema (where `0644` is 644) on purpose: the readers do.
//! Quoted and block scalars are strings; a core tag (`!!str`, `!!int`, …) decides over the
//! style. Other tags (Compose `!reset`, `!override`) have no JSON form: the value is kept
//! and the tag reported in `dropped_tags`. Anchors, aliases and merge keys were resolved by
//! the loader, so the value is the expanded document.

use std::borrow::Cow;

use base64::Engine as _;
use serde_json::{Map, Number, Value as Json};

use super::node::{Node, Style, Value};

/// Which resolver types plain scalars (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schema {
    /// go-yaml v2 (kubectl, `sigs.k8s.io/yaml`).
    Yaml11,
    /// go-yaml v3 (compose-go).
    Yaml12,
}

/// A converted document and the local tags it carried (which JSON cannot hold).
#[derive(Clone, Debug, PartialEq)]
pub struct Converted {
    pub value: Json,
    /// `(line, tag)` of each non-core tag dropped, in document order.
    pub dropped_tags: Vec<(u32, String)>,
}

/// Convert one document.
pub fn to_json(node: &Node, schema: Schema) -> Converted {
    let mut dropped = Vec::new();
    let value = convert(node, schema, &mut dropped);
    Converted {
        value,
        dropped_tags: dropped,
    }
}

fn convert(node: &Node, schema: Schema, dropped: &mut Vec<(u32, String)>) -> Json {
    if let Some(tag) = node.tag.as_deref()
        && core_tag(tag).is_none()
    {
        dropped.push((node.line(), tag.to_owned()));
    }
    match &node.value {
        Value::Seq(items) => {
            Json::Array(items.iter().map(|n| convert(n, schema, dropped)).collect())
        }
        Value::Map(entries) => {
            let mut map = Map::new();
            for (k, v) in entries {
                map.insert(key_text(k, schema), convert(v, schema, dropped));
            }
            Json::Object(map)
        }
        Value::Null | Value::Scalar(_) => match typed(node, schema) {
            Some(Typed::Null) | None => Json::Null,
            Some(Typed::Bool(b)) => Json::Bool(b),
            Some(Typed::Int(n)) => Json::Number(n),
            // JSON has no infinity or NaN; the text stays (and is quoted when written).
            Some(Typed::Float(f)) => Number::from_f64(f)
                .map(Json::Number)
                .unwrap_or_else(|| Json::String(node.as_str().unwrap_or_default().to_owned())),
            Some(Typed::Str(s)) => Json::String(s.into_owned()),
        },
    }
}

/// A scalar as a reader types it.
#[derive(Clone, Debug, PartialEq)]
pub enum Typed<'a> {
    Null,
    Bool(bool),
    /// An integer that fits `i64` or `u64` (go-yaml's `int`/`uint64`).
    Int(Number),
    /// Any float, `.inf` and `.nan` included.
    Float(f64),
    /// A string: the text, or the decoded bytes of a `!!binary` scalar.
    Str(Cow<'a, str>),
}

/// How `schema`'s reader types a scalar or null node; `None` for a collection. This is the
/// one place cinch decides what a scalar is: `to_json` (wiring) and the typed decoder
/// (`de`) both ask it. Tags as go-yaml reads them: a core tag decides over the style
/// (`!!int "7"` is 7, `!!float 1` is 1.0, `!!binary` is decoded); another tag makes the
/// text a string, except that compose-go takes its own `!reset`/`!override` off first and
/// go-yaml v3 reads the non-specific `!` like no tag (v2 makes it a string).
pub fn typed(node: &Node, schema: Schema) -> Option<Typed<'_>> {
    let s = match &node.value {
        Value::Null => return Some(Typed::Null),
        Value::Scalar(s) => s,
        Value::Seq(_) | Value::Map(_) => return None,
    };
    let text = s.text.as_str();
    let untagged = || {
        if s.style == Style::Plain {
            resolve_plain(text, schema).unwrap_or(Typed::Str(Cow::Borrowed(text)))
        } else {
            Typed::Str(Cow::Borrowed(text))
        }
    };
    let Some(tag) = node.tag.as_deref() else {
        return Some(untagged());
    };
    Some(match core_tag(tag) {
        Some(CoreTag::Str) => Typed::Str(Cow::Borrowed(text)),
        Some(CoreTag::Binary) => Typed::Str(
            decode_binary(text).map_or(Cow::Borrowed(text), |b| Cow::Owned(go_lossy(&b))),
        ),
        Some(CoreTag::Float) => match resolve_plain(text, schema) {
            Some(Typed::Int(n)) => Typed::Float(n.as_f64().unwrap_or_default()),
            Some(t) => t,
            None => Typed::Str(Cow::Borrowed(text)),
        },
        Some(CoreTag::Int | CoreTag::Bool | CoreTag::Null) => {
            resolve_plain(text, schema).unwrap_or(Typed::Str(Cow::Borrowed(text)))
        }
        Some(CoreTag::Collection) => untagged(),
        None if schema == Schema::Yaml12 && matches!(tag, "!" | "!reset" | "!override") => {
            untagged()
        }
        None => Typed::Str(Cow::Borrowed(text)),
    })
}

/// A map key go-yaml v3 counts as a string when it picks the Go map type: untagged (or
/// `!!str`) text that is no other type. Plain dates, which v3 reads as timestamps, count as
/// strings here as everywhere in cinch (docs/yaml.md).
pub fn is_v3_string_key(k: &Node) -> bool {
    let tag_ok = match k.tag.as_deref() {
        None | Some("!") => true,
        Some(t) => core_tag(t) == Some(CoreTag::Str),
    };
    tag_ok && matches!(typed(k, Schema::Yaml12), Some(Typed::Str(_)))
}

/// Why go-yaml refuses a scalar's explicit core tag, if it does: the text must be what the
/// tag says (`!!int abc` fails, `!!float 1` is fine), `!!binary` must be base64. Judged by
/// YAML 1.1's resolver, so a tag either reader accepts is accepted (`!!bool yes` is fine to
/// kubectl; compose-go refuses it, a difference `tests/yaml_generated.rs` names).
pub(super) fn tag_error(node: &Node) -> Option<String> {
    let tag = node.tag.as_deref()?;
    let text = match &node.value {
        Value::Scalar(s) => s.text.as_str(),
        Value::Null => "",
        Value::Seq(_) | Value::Map(_) => return None,
    };
    let resolved = resolve_plain(text, Schema::Yaml11);
    let ok = match core_tag(tag)? {
        CoreTag::Str | CoreTag::Collection => true,
        CoreTag::Binary => decode_binary(text).is_some(),
        CoreTag::Int => matches!(resolved, Some(Typed::Int(_))),
        // go-yaml turns an int64 into a float, not a larger integer.
        CoreTag::Float => match &resolved {
            Some(Typed::Int(n)) => n.as_i64().is_some(),
            r => matches!(r, Some(Typed::Float(_))),
        },
        CoreTag::Bool => matches!(resolved, Some(Typed::Bool(_))),
        CoreTag::Null => matches!(resolved, Some(Typed::Null)),
    };
    let what = match resolved {
        None => "!!str",
        Some(Typed::Null) => "!!null",
        Some(Typed::Bool(_)) => "!!bool",
        Some(Typed::Int(_)) => "!!int",
        Some(Typed::Float(_)) => "!!float",
        Some(Typed::Str(_)) => "!!str",
    };
    (!ok).then(|| {
        let short = tag.strip_prefix("tag:yaml.org,2002:").unwrap_or(tag);
        format!("cannot decode {what} `{text}` as a !!{short}")
    })
}

/// Bytes as a Go string reaches JSON: each byte of an invalid UTF-8 sequence becomes one
/// U+FFFD (Rust's `from_utf8_lossy` would make one of a whole truncated sequence).
fn go_lossy(mut bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    loop {
        match std::str::from_utf8(bytes) {
            Ok(s) => {
                out.push_str(s);
                return out;
            }
            Err(e) => {
                let (valid, rest) = bytes.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                out.push(char::REPLACEMENT_CHARACTER);
                bytes = &rest[1..];
            }
        }
    }
}

/// `!!binary`: base64 with line breaks ignored, as Go's `base64.StdEncoding` reads it.
fn decode_binary(text: &str) -> Option<Vec<u8>> {
    let clean: String = text.chars().filter(|c| !matches!(c, '\n' | '\r')).collect();
    base64::engine::general_purpose::STANDARD.decode(clean).ok()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CoreTag {
    Str,
    Binary,
    Int,
    Float,
    Bool,
    Null,
    /// `!!map`, `!!seq`, …: core, but they change nothing about a value.
    Collection,
}

/// `!!str` and friends (the loader keeps the tag as `tag:yaml.org,2002:str`).
fn core_tag(tag: &str) -> Option<CoreTag> {
    let suffix = tag
        .strip_prefix("tag:yaml.org,2002:")
        .or_else(|| tag.strip_prefix("!!"))?;
    match suffix {
        "str" | "timestamp" => Some(CoreTag::Str),
        "binary" => Some(CoreTag::Binary),
        "int" => Some(CoreTag::Int),
        "float" => Some(CoreTag::Float),
        "bool" => Some(CoreTag::Bool),
        "null" => Some(CoreTag::Null),
        "map" | "seq" | "omap" | "set" | "merge" | "value" => Some(CoreTag::Collection),
        _ => None,
    }
}

/// What kubectl cannot turn into JSON, so refuses the whole document: a `.inf`/`.nan` float
/// (`encoding/json` has none) or a null map key (`sigs.k8s.io/yaml`: "Unsupported map key").
/// The first such node and why; the Kubernetes frontend reports it as kubectl would fail.
pub fn kubectl_refuses(node: &Node) -> Option<(&Node, String)> {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        match &n.value {
            Value::Seq(items) => stack.extend(items.iter().rev()),
            Value::Map(entries) => {
                for (k, v) in entries.iter().rev() {
                    stack.push(v);
                    stack.push(k);
                }
                if let Some((k, _)) = entries
                    .iter()
                    .find(|(k, _)| typed(k, Schema::Yaml11) == Some(Typed::Null))
                {
                    return Some((
                        k,
                        "a null map key has no JSON name; kubectl refuses it".into(),
                    ));
                }
            }
            Value::Null | Value::Scalar(_) => {
                if let Some(Typed::Float(f)) = typed(n, Schema::Yaml11)
                    && !f.is_finite()
                {
                    let text = n.as_str().unwrap_or_default();
                    return Some((
                        n,
                        format!(
                            "`{text}` is a float JSON cannot hold, so kubectl refuses the document; quote it for a string"
                        ),
                    ));
                }
            }
        }
    }
    None
}

/// A map key as the reader names it in JSON. Compose (go-yaml v3) keeps a scalar key's text;
/// kubectl's `sigs.k8s.io/yaml` names a key by its YAML 1.1 value: `yes` -> `"true"`,
/// `0x10` -> `"16"`, `1e3` -> `"1000"` (Go's `FormatFloat(f, 'g', -1, 32)`). A null key is
/// empty (kubectl refuses it), a collection key (rare, `? [a, b]`) its compact JSON.
pub(super) fn key_text(k: &Node, schema: Schema) -> String {
    match &k.value {
        Value::Scalar(s) if schema == Schema::Yaml12 => s.text.clone(),
        Value::Scalar(s) => match typed(k, schema) {
            Some(Typed::Bool(b)) => b.to_string(),
            Some(Typed::Int(n)) => n.to_string(),
            Some(Typed::Float(f)) => go_format_g32(f),
            Some(Typed::Str(_) | Typed::Null) | None => s.text.clone(),
        },
        Value::Null => String::new(),
        Value::Seq(_) | Value::Map(_) => {
            let mut ignored = Vec::new();
            convert(k, schema, &mut ignored).to_string()
        }
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)` as `sigs.k8s.io/yaml` names float keys, with
/// go-yaml's names for the non-finite ones.
fn go_format_g32(f: f64) -> String {
    #[allow(clippy::cast_possible_truncation)] // the 32 in FormatFloat's call
    let f = f as f32;
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    // Shortest round-trip digits and decimal exponent, from Rust's `{:e}` ("1.5e20").
    let e = format!("{:e}", f.abs());
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if f.is_sign_negative() { "-" } else { "" };
    // Go's shortest 'g': exponent form when the exponent is < -4 or >= 6.
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{dot}{rest}e{esign}{:02}", exp.abs());
    }
    // Fixed notation with exactly the significant digits.
    let point = exp + 1; // digits before the decimal point
    let body = if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        let (int, frac) = digits.split_at(point as usize);
        format!("{int}.{frac}")
    };
    format!("{sign}{body}")
}

/// What a plain scalar is to the reader; `None`: a string.
fn resolve_plain(text: &str, schema: Schema) -> Option<Typed<'static>> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Typed::Null),
        "true" | "True" | "TRUE" => return Some(Typed::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Typed::Bool(false)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Some(Typed::Float(f64::INFINITY));
        }
        "-.inf" | "-.Inf" | "-.INF" => return Some(Typed::Float(f64::NEG_INFINITY)),
        ".nan" | ".NaN" | ".NAN" => return Some(Typed::Float(f64::NAN)),
        _ => {}
    }
    if schema == Schema::Yaml11 {
        match text {
            "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => {
                return Some(Typed::Bool(true));
            }
            "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => {
                return Some(Typed::Bool(false));
            }
            _ => {}
        }
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    let plain: String = text.chars().filter(|&c| c != '_').collect();
    if let Some(n) = go_parse_int(&plain) {
        return Some(Typed::Int(n));
    }
    if is_go_yaml_float(&plain) {
        return plain.parse::<f64>().ok().map(Typed::Float);
    }
    None
}

/// An integer as go-yaml reads one (see the module doc); what `Node::as_i64` uses.
pub fn parse_int(text: &str) -> Option<i64> {
    let plain: String = text.chars().filter(|&c| c != '_').collect();
    go_parse_int(&plain)?.as_i64()
}

/// Go's `strconv.ParseInt(s, 0, 64)`, falling back to `ParseUint` as go-yaml does: an
/// optional sign, then `0x`/`0o`/`0b` or a leading `0` (octal) or decimal digits.
fn go_parse_int(s: &str) -> Option<Number> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if neg {
        let v = i64::try_from(magnitude)
            .ok()
            .map(|m| -m)
            .or((magnitude == 1u64 << 63).then_some(i64::MIN))?;
        Some(Number::from(v))
    } else {
        Some(Number::from(magnitude))
    }
}

/// go-yaml's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_go_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::load;

    fn one(text: &str, schema: Schema) -> Json {
        let docs = load(text).unwrap();
        to_json(&docs[0].root, schema).value
    }

    #[test]
    fn plain_scalars_are_typed_like_go_yaml() {
        let text = "a: 8080\nb: '8080'\nc: 0644\nd: 0x1F\ne: 1_000\nf: 1.5\ng: 1e3\nh: ~\ni: true\nj: yes\nk: \"yes\"\nl: 08\nm: .inf\nq: -0b11\no: 1.2.3\np: |\n  x\n";
        let v11 = one(text, Schema::Yaml11);
        assert_eq!(v11["a"], 8080);
        assert_eq!(v11["b"], "8080");
        assert_eq!(v11["c"], 420, "a leading zero is octal to go-yaml");
        assert_eq!(v11["d"], 31);
        assert_eq!(v11["e"], 1000);
        assert_eq!(v11["f"], 1.5);
        assert_eq!(v11["g"], 1000.0);
        assert_eq!(v11["h"], Json::Null);
        assert_eq!(v11["i"], true);
        assert_eq!(v11["j"], true, "YAML 1.1: yes is a boolean");
        assert_eq!(v11["k"], "yes");
        assert_eq!(v11["l"], 8.0, "not octal, but a float to go-yaml");
        assert_eq!(v11["m"], ".inf");
        assert_eq!(v11["q"], -3);
        assert_eq!(v11["o"], "1.2.3");
        assert_eq!(v11["p"], "x\n");
        let v12 = one(text, Schema::Yaml12);
        assert_eq!(v12["j"], "yes", "go-yaml v3: yes is a string");
        assert_eq!(v12["c"], 420);
    }

    #[test]
    fn tags_decide_and_local_tags_are_reported() {
        let docs = load("a: !!str 12\nb: !!int '7'\nc: !reset null\nd: !override [1]\n").unwrap();
        let c = to_json(&docs[0].root, Schema::Yaml12);
        assert_eq!(c.value["a"], "12");
        assert_eq!(c.value["b"], 7);
        assert_eq!(c.value["c"], Json::Null);
        assert_eq!(c.value["d"], serde_json::json!([1]));
        assert_eq!(
            c.dropped_tags,
            vec![(3, "!reset".to_owned()), (4, "!override".to_owned())]
        );
    }

    #[test]
    fn merge_keys_and_aliases_are_expanded() {
        let v = one(
            "base: &b {x: 1, y: 2}\nitem:\n  <<: *b\n  y: 3\n",
            Schema::Yaml12,
        );
        assert_eq!(v["item"], serde_json::json!({"x": 1, "y": 3}));
    }

    #[test]
    fn kubectl_names_keys_by_their_yaml_1_1_value() {
        let v = one(
            "yes: 1\n0x10: 2\n1e3: 3\n1.5: 4\n'no': 5\n.inf: 6\n0.00001: 7\n1234567.0: 8\n",
            Schema::Yaml11,
        );
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                ".inf",
                "1.234567e+06",
                "1.5",
                "1000",
                "16",
                "1e-05",
                "no",
                "true"
            ]
        );
        let v = one("yes: 1\n0x10: 2\n", Schema::Yaml12);
        assert_eq!(v, serde_json::json!({"yes": 1, "0x10": 2}));
    }

    #[test]
    fn integers_at_the_edges() {
        assert_eq!(
            go_parse_int("18446744073709551615"),
            Some(Number::from(u64::MAX))
        );
        assert_eq!(
            go_parse_int("-9223372036854775808"),
            Some(Number::from(i64::MIN))
        );
        assert_eq!(go_parse_int("-9223372036854775809"), None);
        assert_eq!(go_parse_int("0"), Some(Number::from(0)));
        assert_eq!(go_parse_int("09"), None);
        assert!(is_go_yaml_float("-.5e+3"));
        assert!(!is_go_yaml_float("1.2.3"));
        assert!(!is_go_yaml_float("e3"));
    }
}
