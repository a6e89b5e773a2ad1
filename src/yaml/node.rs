//! The marked YAML tree: every node knows the line and column it was written at.
//!
//! Scalars keep their source text and style; whether `8080`, `"8080"`, `yes` or `~` is a
//! number, a string, a boolean or null is decided by the reader that knows what the field
//! means (Compose accepts `"8080"` for a port, `privileged: yes` for a boolean). Anchors,
//! aliases and `<<` merge keys are resolved by the loader, and a node copied from an anchor
//! keeps the position where it was written, so provenance points at the text that holds it.

use std::fmt;

/// A position in a source file: line and column 1-based, and which file of the frontend's
/// file table (0 unless the frontend loads several files, as Compose `extends` does).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mark {
    pub file: u32,
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for Mark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// How a scalar was written. Only plain scalars are ever typed as null/bool/number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    Quoted,
    Block,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scalar {
    pub text: String,
    pub style: Style,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Scalar(Scalar),
    Seq(Vec<Node>),
    /// Entries in source order, merge keys already resolved, keys unique.
    Map(Vec<(Node, Node)>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub mark: Mark,
    /// A local tag such as `!reset` (Compose) or `!!str`, as written.
    pub tag: Option<Box<str>>,
    pub value: Value,
}

impl Node {
    pub fn new(mark: Mark, value: Value) -> Self {
        Node {
            mark,
            tag: None,
            value,
        }
    }

    pub fn line(&self) -> u32 {
        self.mark.line
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The text of any scalar (quoted or not). `None` for null and collections.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) => Some(&s.text),
            _ => None,
        }
    }

    /// A plain scalar's text: one that YAML would type as null/bool/number if it looks like one.
    pub fn as_plain(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) if s.style == Style::Plain && self.tag.is_none() => Some(&s.text),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The value under a scalar key of a map.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// Key node and value node under a scalar key of a map.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, v)| (k, v))
    }

    /// YAML 1.2 core-schema boolean (`true`/`false` in any case) from a plain scalar.
    pub fn as_bool(&self) -> Option<bool> {
        match self.as_plain()? {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            _ => None,
        }
    }

    /// Booleans as Compose accepts them: YAML 1.1's `yes`/`no`/`on`/`off` too, and quoted
    /// forms (`"true"`), since docker compose converts those when a boolean is expected.
    pub fn as_bool_lenient(&self) -> Option<bool> {
        match self.as_str()?.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "on" => Some(true),
            "false" | "no" | "n" | "off" => Some(false),
            _ => None,
        }
    }

    /// An integer written as a plain scalar, read as go-yaml reads it (`yaml::json`):
    /// decimal, `0x`, `0o`, `0b`, a leading-zero octal (`0644` is 420), `_` ignored.
    pub fn as_i64(&self) -> Option<i64> {
        super::json::parse_int(self.as_plain()?)
    }

    /// An integer written plain or quoted (`"8080"`): Compose and Kubernetes' int-or-string
    /// fields accept both. Quoted text is read as decimal, as Go's `strconv.Atoi` does.
    pub fn as_i64_lenient(&self) -> Option<i64> {
        self.as_i64().or_else(|| parse_int(self.as_str()?.trim()))
    }

    /// A float from a plain scalar, YAML 1.2 core schema.
    pub fn as_f64(&self) -> Option<f64> {
        let s = self.as_plain()?;
        match s {
            ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Some(f64::INFINITY),
            "-.inf" | "-.Inf" | "-.INF" => Some(f64::NEG_INFINITY),
            ".nan" | ".NaN" | ".NAN" => Some(f64::NAN),
            _ if looks_like_float(s) => s.parse().ok(),
            _ => None,
        }
    }

    /// What the node is, for messages: "a string", "a list", "a map", ...
    pub fn kind(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a map",
            Value::Scalar(_) if self.as_bool().is_some() => "a boolean",
            Value::Scalar(_) if self.as_i64().is_some() || self.as_f64().is_some() => "a number",
            Value::Scalar(_) => "a string",
        }
    }

    /// Total number of nodes in this subtree (used to bound alias expansion).
    pub fn count(&self) -> usize {
        1 + match &self.value {
            Value::Null | Value::Scalar(_) => 0,
            Value::Seq(items) => items.iter().map(Node::count).sum(),
            Value::Map(entries) => entries.iter().map(|(k, v)| k.count() + v.count()).sum(),
        }
    }
}

fn parse_int(s: &str) -> Option<i64> {
    let (neg, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let v = if let Some(hex) = digits.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(oct) = digits.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()?
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()?
    } else {
        return None;
    };
    Some(if neg { -v } else { v })
}

fn looks_like_float(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    !body.is_empty()
        && body.bytes().any(|b| b.is_ascii_digit())
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(s: &str) -> Node {
        Node::new(
            Mark::default(),
            Value::Scalar(Scalar {
                text: s.into(),
                style: Style::Plain,
            }),
        )
    }

    #[test]
    fn integers_follow_the_core_schema() {
        assert_eq!(plain("8080").as_i64(), Some(8080));
        assert_eq!(plain("-1").as_i64(), Some(-1));
        assert_eq!(plain("0x1F").as_i64(), Some(31));
        assert_eq!(plain("0o17").as_i64(), Some(15));
        assert_eq!(
            plain("0644").as_i64(),
            Some(420),
            "go-yaml: a leading zero is octal"
        );
        assert_eq!(plain("1_000").as_i64(), Some(1000));
        assert_eq!(plain("80a").as_i64(), None);
        assert_eq!(plain("").as_i64(), None);
        assert_eq!(plain("99999999999999999999").as_i64(), None);
    }

    #[test]
    fn kinds_for_messages() {
        assert_eq!(plain("yes").kind(), "a string");
        assert_eq!(plain("true").kind(), "a boolean");
        assert_eq!(plain("1.5").kind(), "a number");
        assert_eq!(plain("1.2.3").kind(), "a string");
    }
}
