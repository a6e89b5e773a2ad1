//! A serde `Deserializer` over the marked tree, so typed structs (k8s-openapi's, Compose's
//! long-syntax entries) decode from the same parse that gives us positions.
//!
//! Why not serde_norway's deserializer: it re-parses the text, reports only the first error's
//! position, and k8s-openapi ignores unknown fields silently. Decoding from our tree gives:
//! - errors with line, column and field path (`spec.template.spec.containers[0].ports[0]`);
//! - every unknown field of a typed struct (serde passes each struct's field list to
//!   `deserialize_struct`), with its position and the closest known name, so `imagee:` becomes
//!   "unknown field imagee; did you mean image?".
//!
//! Typing follows the reader of the file's kind (`yaml::json::typed` with the caller's
//! [`Schema`]; kubectl's go-yaml v2 for Kubernetes, so `yes` is a boolean and `0644` is 420):
//! a plain `8080` is a number, a quoted `"8080"` a string; `null` decodes as an empty list or
//! object where one is required. Map keys are named as that reader names them in JSON
//! (`sigs.k8s.io/yaml` writes a plain key `yes` as `"true"`, `0x10` as `"16"`).
//! One leniency: a scalar of any style decodes where a string is expected (`value: 8080`).

use std::cell::RefCell;
use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};

use super::json::{Schema, Typed, key_text, typed};
use super::node::{Mark, Node, Value};

/// A decoding error with the position and field path of the node it is about.
#[derive(Clone, Debug, PartialEq)]
pub struct DeError {
    pub message: String,
    pub mark: Option<Mark>,
    /// Dotted path from the decoded root, e.g. `spec.template.spec.containers[0].image`.
    pub path: String,
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError {
            message: msg.to_string(),
            mark: None,
            path: String::new(),
        }
    }
}

/// A key that the target struct does not define.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownField {
    pub mark: Mark,
    /// Path of the map holding the key.
    pub path: String,
    pub field: String,
    /// The closest field the struct does define, when one is close enough to be a typo.
    pub suggestion: Option<&'static str>,
}

#[derive(Clone, Copy)]
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

struct State<'a> {
    path: Vec<Seg<'a>>,
    unknown: Vec<UnknownField>,
    schema: Schema,
}

impl State<'_> {
    fn path_string(&self) -> String {
        render_path(&self.path)
    }
}

fn render_path(path: &[Seg<'_>]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => {
                s.push('[');
                s.push_str(&i.to_string());
                s.push(']');
            }
        }
    }
    s
}

/// Decode `T` from `node`, scalars typed by `schema`; returns the value and the unknown
/// fields met on the way.
pub fn from_node<'a, T: de::Deserialize<'a>>(
    node: &'a Node,
    schema: Schema,
) -> Result<(T, Vec<UnknownField>), DeError> {
    from_node_at(node, "", schema)
}

/// Like [`from_node`], with paths in errors and warnings prefixed by `base`.
pub fn from_node_at<'a, T: de::Deserialize<'a>>(
    node: &'a Node,
    base: &'a str,
    schema: Schema,
) -> Result<(T, Vec<UnknownField>), DeError> {
    let state = RefCell::new(State {
        path: Vec::new(),
        unknown: Vec::new(),
        schema,
    });
    if !base.is_empty() {
        state.borrow_mut().path.push(Seg::Key(base));
    }
    let value = T::deserialize(De {
        node,
        state: &state,
    })?;
    Ok((value, state.into_inner().unknown))
}

struct De<'a, 's> {
    node: &'a Node,
    state: &'s RefCell<State<'a>>,
}

impl<'a> De<'a, '_> {
    /// Attach this node's position and path to an error raised while decoding it, unless
    /// a deeper node already claimed it.
    fn locate(&self, mut e: DeError) -> DeError {
        if e.mark.is_none() {
            e.mark = Some(self.node.mark);
            e.path = self.state.borrow().path_string();
        }
        e
    }

    fn scalar_any<V: Visitor<'a>>(&self, visitor: V) -> Result<V::Value, DeError> {
        let schema = self.state.borrow().schema;
        match typed(self.node, schema) {
            Some(Typed::Null) => visitor.visit_unit(),
            Some(Typed::Bool(b)) => visitor.visit_bool(b),
            Some(Typed::Int(n)) => match n.as_i64() {
                Some(i) => visitor.visit_i64(i),
                None => visitor.visit_u64(n.as_u64().unwrap_or_default()),
            },
            Some(Typed::Float(f)) => visitor.visit_f64(f),
            Some(Typed::Str(std::borrow::Cow::Borrowed(s))) => visitor.visit_borrowed_str(s),
            Some(Typed::Str(std::borrow::Cow::Owned(s))) => visitor.visit_string(s),
            None => unreachable!("scalar_any on a collection"),
        }
    }

    fn map<V: Visitor<'a>>(
        &self,
        visitor: V,
        fields: Option<&'static [&'static str]>,
    ) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Map(entries) => visitor.visit_map(Entries {
                entries: entries.iter(),
                value: None,
                fields,
                state: self.state,
            }),
            // Go decodes `null` into a zero-valued struct or map; so do we.
            Value::Null => visitor.visit_map(Entries {
                entries: [].iter(),
                value: None,
                fields,
                state: self.state,
            }),
            _ => Err(de::Error::invalid_type(self.unexpected(), &visitor)),
        }
    }

    fn unexpected(&self) -> de::Unexpected<'a> {
        match &self.node.value {
            Value::Null => de::Unexpected::Unit,
            Value::Seq(_) => de::Unexpected::Seq,
            Value::Map(_) => de::Unexpected::Map,
            Value::Scalar(s) => match self.node.as_plain() {
                Some(_) if self.node.as_bool().is_some() => {
                    de::Unexpected::Bool(self.node.as_bool().unwrap_or_default())
                }
                Some(_) if self.node.as_i64().is_some() => {
                    de::Unexpected::Signed(self.node.as_i64().unwrap_or_default())
                }
                _ => de::Unexpected::Str(&s.text),
            },
        }
    }
}

macro_rules! via_any {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
            self.deserialize_any(visitor)
        }
    )*};
}

impl<'a> Deserializer<'a> for De<'a, '_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        let r = match &self.node.value {
            Value::Null => visitor.visit_unit(),
            Value::Scalar(_) => self.scalar_any(visitor),
            Value::Seq(items) => visitor.visit_seq(Items {
                items: items.iter().enumerate(),
                state: self.state,
            }),
            Value::Map(_) => self.map(visitor, None),
        };
        r.map_err(|e| self.locate(e))
    }

    via_any! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_i128
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char
    }

    fn deserialize_str<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Scalar(s) => visitor
                .visit_borrowed_str(&s.text)
                .map_err(|e| self.locate(e)),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_string<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Scalar(s) => visitor
                .visit_borrowed_bytes(s.text.as_bytes())
                .map_err(|e| self.locate(e)),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_unit_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        let r = match &self.node.value {
            // Go decodes `null` into an empty slice.
            Value::Null => visitor.visit_seq(Items {
                items: [].iter().enumerate(),
                state: self.state,
            }),
            Value::Seq(_) => return self.deserialize_any(visitor),
            _ => Err(de::Error::invalid_type(self.unexpected(), &visitor)),
        };
        r.map_err(|e| self.locate(e))
    }

    fn deserialize_tuple<V: Visitor<'a>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.map(visitor, None).map_err(|e| self.locate(e))
    }

    fn deserialize_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.map(visitor, Some(fields)).map_err(|e| self.locate(e))
    }

    fn deserialize_enum<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let r = match &self.node.value {
            Value::Scalar(s) => visitor.visit_enum(s.text.as_str().into_deserializer()),
            Value::Map(entries) if entries.len() == 1 => visitor.visit_enum(Variant {
                key: &entries[0].0,
                value: &entries[0].1,
                state: self.state,
            }),
            _ => Err(de::Error::invalid_type(self.unexpected(), &visitor)),
        };
        r.map_err(|e| self.locate(e))
    }

    fn deserialize_identifier<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }
}

struct Items<'a, 's, I: Iterator<Item = (usize, &'a Node)>> {
    items: I,
    state: &'s RefCell<State<'a>>,
}

impl<'a, I: Iterator<Item = (usize, &'a Node)>> SeqAccess<'a> for Items<'a, '_, I> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'a>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let Some((i, node)) = self.items.next() else {
            return Ok(None);
        };
        self.state.borrow_mut().path.push(Seg::Index(i));
        let r = seed.deserialize(De {
            node,
            state: self.state,
        });
        self.state.borrow_mut().path.pop();
        r.map(Some)
    }
}

struct Entries<'a, 's> {
    entries: std::slice::Iter<'a, (Node, Node)>,
    value: Option<(&'a Node, &'a Node)>,
    fields: Option<&'static [&'static str]>,
    state: &'s RefCell<State<'a>>,
}

impl<'a> MapAccess<'a> for Entries<'a, '_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'a>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some((key, value));
        if let (Some(fields), Some(name)) = (self.fields, key.as_str())
            && !fields.contains(&name)
        {
            let mut state = self.state.borrow_mut();
            let path = state.path_string();
            state.unknown.push(UnknownField {
                mark: key.mark,
                path,
                field: name.to_owned(),
                suggestion: closest(name, fields),
            });
        }
        let schema = self.state.borrow().schema;
        if schema == Schema::Yaml11 && !matches!(typed(key, schema), Some(Typed::Str(_))) {
            // kubectl's JSON names this key by its YAML 1.1 value (`yes` -> "true").
            return seed
                .deserialize(key_text(key, schema).into_deserializer())
                .map(Some);
        }
        seed.deserialize(De {
            node: key,
            state: self.state,
        })
        .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'a>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let (key, value) = self
            .value
            .take()
            .expect("serde calls next_value_seed after next_key_seed");
        let pushed = match key.as_str() {
            Some(k) => {
                self.state.borrow_mut().path.push(Seg::Key(k));
                true
            }
            None => false,
        };
        let r = seed.deserialize(De {
            node: value,
            state: self.state,
        });
        if pushed {
            self.state.borrow_mut().path.pop();
        }
        r
    }
}

struct Variant<'a, 's> {
    key: &'a Node,
    value: &'a Node,
    state: &'s RefCell<State<'a>>,
}

impl<'a, 's> EnumAccess<'a> for Variant<'a, 's> {
    type Error = DeError;
    type Variant = De<'a, 's>;

    fn variant_seed<V: DeserializeSeed<'a>>(
        self,
        seed: V,
    ) -> Result<(V::Value, De<'a, 's>), DeError> {
        let v = seed.deserialize(De {
            node: self.key,
            state: self.state,
        })?;
        Ok((
            v,
            De {
                node: self.value,
                state: self.state,
            },
        ))
    }
}

impl<'a> VariantAccess<'a> for De<'a, '_> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'a>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'a>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn struct_variant<V: Visitor<'a>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_struct("", fields, visitor)
    }
}

/// The known field closest to `name` by edit distance, when it is close enough to be a typo.
pub fn closest(name: &str, fields: &[&'static str]) -> Option<&'static str> {
    let limit = (name.len() / 3).max(1);
    fields
        .iter()
        .map(|f| {
            (
                edit_distance(&name.to_ascii_lowercase(), &f.to_ascii_lowercase()),
                *f,
            )
        })
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, f)| f)
}

/// Levenshtein distance; field names are short, so the O(n·m) table is fine.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::load;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Port {
        #[serde(rename = "containerPort")]
        container_port: u16,
        protocol: Option<String>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Container {
        name: String,
        image: Option<String>,
        #[serde(default)]
        ports: Vec<Port>,
    }

    fn root(text: &str) -> Node {
        load(text).unwrap().remove(0).root
    }

    #[test]
    fn decodes_and_reports_unknown_fields_with_suggestions() {
        let n = root("name: web\nimagee: nginx\nports:\n  - containerPort: 80\n    protocl: TCP\n");
        let (c, unknown): (Container, _) = from_node(&n, Schema::Yaml11).unwrap();
        assert_eq!(c.name, "web");
        assert_eq!(c.ports[0].container_port, 80);
        assert_eq!(unknown.len(), 2);
        assert_eq!(unknown[0].field, "imagee");
        assert_eq!(unknown[0].suggestion, Some("image"));
        assert_eq!(unknown[0].mark.line, 2);
        assert_eq!(unknown[1].path, "ports[0]");
        assert_eq!(unknown[1].suggestion, Some("protocol"));
    }

    #[test]
    fn errors_carry_line_and_path() {
        let n = root("name: web\nports:\n  - containerPort: http\n");
        let err = from_node::<Container>(&n, Schema::Yaml11).unwrap_err();
        assert_eq!(err.mark.unwrap().line, 3);
        assert_eq!(err.path, "ports[0].containerPort");
        assert!(err.message.contains("invalid type"), "{}", err.message);
    }

    #[test]
    fn missing_field_points_at_the_map() {
        let n = root("image: x\n");
        let err = from_node::<Container>(&n, Schema::Yaml11).unwrap_err();
        assert!(err.message.contains("missing field `name`"));
        assert_eq!(err.mark.unwrap().line, 1);
    }

    #[test]
    fn out_of_range_numbers_fail() {
        let n = root("name: a\nports: [{containerPort: 70000}]\n");
        let err = from_node::<Container>(&n, Schema::Yaml11).unwrap_err();
        assert_eq!(err.path, "ports[0].containerPort");
    }

    #[test]
    fn null_list_is_empty() {
        let n = root("name: a\nports:\n");
        let (c, _): (Container, _) = from_node(&n, Schema::Yaml11).unwrap();
        assert!(c.ports.is_empty());
    }
}
