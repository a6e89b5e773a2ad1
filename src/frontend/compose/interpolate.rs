//! `${VAR}` interpolation as docker compose does it (compose-go `template`): `$VAR`,
//! `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`,
//! `${VAR:+replacement}`, `${VAR+replacement}`, nested defaults (`${A:-${B:-x}}`), and `$$`
//! for a literal `$`. Values come from the environment, then the env files: `--env-file`
//! files when given, else a `.env` file beside the Compose file (the environment wins, as
//! in docker compose).
//!
//! A scalar that went through interpolation is a string, as in compose-go, which decodes
//! the YAML before it interpolates (`port: ${P}` with `P=80` is the string `"80"`): such
//! scalars are marked quoted, and compose-go's casts (`coerce.rs`) type them.
//!
//! Hand-written because no maintained crate implements compose-go's exact grammar
//! (`:?` errors, `+` forms, nesting); `shellexpand` covers only `$VAR`/`${VAR:-x}`.

use std::collections::BTreeMap;

use crate::intent::Location;
use crate::yaml::{Mark, Node, Style, Value};

/// Where a variable's value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Var {
    pub value: String,
    /// The `.env` line that set it; `None` for the process environment.
    pub at: Option<Location>,
}

/// Unset variables a scalar used, and the scalar as written (for the error that names
/// them when the value they left is invalid).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unset {
    pub names: Vec<String>,
    pub raw: String,
}

/// Variables visible to interpolation, and what using them left behind.
#[derive(Debug, Default)]
pub struct Vars {
    pub vars: BTreeMap<String, Var>,
    /// Where each interpolated scalar got its variables from (`.env` lines), by its mark.
    pub vias: BTreeMap<Mark, Vec<Location>>,
    /// Variables used but set nowhere (each reported once), with the first place.
    pub unset: BTreeMap<String, Mark>,
    /// The unset variables each scalar used, by its mark.
    pub unset_at: BTreeMap<Mark, Unset>,
    /// Unset variables of the scalar being expanded.
    scalar_unset: Vec<String>,
}

/// A failed `${VAR:?message}` or malformed expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterpolationError {
    pub mark: Mark,
    /// The key path of the value (`services.web.image`).
    pub field: String,
    pub message: String,
}

impl Vars {
    /// Interpolate every scalar value (not keys) in `node`, in place. Errors are collected.
    pub fn apply(&mut self, node: &mut Node, errors: &mut Vec<InterpolationError>) {
        let mut path = Vec::new();
        self.apply_at(node, &mut path, errors);
    }

    fn apply_at(
        &mut self,
        node: &mut Node,
        path: &mut Vec<String>,
        errors: &mut Vec<InterpolationError>,
    ) {
        match &mut node.value {
            Value::Scalar(s) => {
                if s.text.contains('$') {
                    let mut used = Vec::new();
                    self.scalar_unset.clear();
                    match self.expand(&s.text, &mut used, node.mark) {
                        Ok(text) => {
                            if !self.scalar_unset.is_empty() {
                                let unset = Unset {
                                    names: std::mem::take(&mut self.scalar_unset),
                                    raw: s.text.clone(),
                                };
                                self.unset_at.insert(node.mark, unset);
                            }
                            s.text = text;
                            // A string in compose-go, whatever it now looks like.
                            s.style = Style::Quoted;
                        }
                        Err(message) => errors.push(InterpolationError {
                            mark: node.mark,
                            field: join_path(path),
                            message,
                        }),
                    }
                    let locs: Vec<Location> = used.into_iter().flatten().collect();
                    if !locs.is_empty() {
                        self.vias.entry(node.mark).or_default().extend(locs);
                    }
                }
            }
            Value::Seq(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    path.push(format!("[{i}]"));
                    self.apply_at(item, path, errors);
                    path.pop();
                }
            }
            Value::Map(entries) => {
                for (k, v) in entries {
                    path.push(k.as_str().unwrap_or("?").to_owned());
                    self.apply_at(v, path, errors);
                    path.pop();
                }
            }
            Value::Null => {}
        }
    }

    /// Expand one string. `used` collects the `.env` locations of the variables read.
    pub fn expand(
        &mut self,
        text: &str,
        used: &mut Vec<Option<Location>>,
        mark: Mark,
    ) -> Result<String, String> {
        let chars: Vec<char> = text.chars().collect();
        let (out, end) = self.expand_until(&chars, 0, None, used, mark)?;
        debug_assert_eq!(end, chars.len());
        Ok(out)
    }

    /// Expand from `i` until `stop` (the `}` closing a nested default) or the end.
    fn expand_until(
        &mut self,
        chars: &[char],
        mut i: usize,
        stop: Option<char>,
        used: &mut Vec<Option<Location>>,
        mark: Mark,
    ) -> Result<(String, usize), String> {
        let mut out = String::new();
        while i < chars.len() {
            let c = chars[i];
            if Some(c) == stop {
                return Ok((out, i));
            }
            if c != '$' {
                out.push(c);
                i += 1;
                continue;
            }
            match chars.get(i + 1) {
                Some('$') => {
                    out.push('$');
                    i += 2;
                }
                Some('{') => {
                    let (value, next) = self.braced(chars, i + 2, used, mark)?;
                    out.push_str(&value);
                    i = next;
                }
                Some(c) if c.is_ascii_alphabetic() || *c == '_' => {
                    let start = i + 1;
                    let mut j = start;
                    while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
                        j += 1;
                    }
                    let name: String = chars[start..j].iter().collect();
                    out.push_str(&self.lookup(&name, used, mark).unwrap_or_default());
                    i = j;
                }
                // A lone `$` (end of text, `$1`, `$(`): compose keeps it as written.
                _ => {
                    out.push('$');
                    i += 1;
                }
            }
        }
        if stop.is_some() {
            return Err("unterminated `${` (missing `}`)".into());
        }
        Ok((out, i))
    }

    /// `${…}` starting after the `{`. Returns the value and the index after the `}`.
    fn braced(
        &mut self,
        chars: &[char],
        start: usize,
        used: &mut Vec<Option<Location>>,
        mark: Mark,
    ) -> Result<(String, usize), String> {
        let mut j = start;
        while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
            j += 1;
        }
        let name: String = chars[start..j].iter().collect();
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(format!(
                "invalid interpolation `${{{}`: expected a variable name",
                chars[start..].iter().take(20).collect::<String>()
            ));
        }
        let op: String = match chars.get(j) {
            Some('}') => {
                let v = self.lookup(&name, used, mark).unwrap_or_default();
                return Ok((v, j + 1));
            }
            Some(':') => match chars.get(j + 1) {
                Some(c @ ('-' | '?' | '+')) => format!(":{c}"),
                _ => return Err(format!("invalid interpolation after `${{{name}:`")),
            },
            Some(c @ ('-' | '?' | '+')) => c.to_string(),
            Some(c) => return Err(format!("invalid character `{c}` in `${{{name}…}}`")),
            None => return Err("unterminated `${` (missing `}`)".into()),
        };
        let arg_start = j + op.len();
        // The argument may itself hold `${…}`; it is only evaluated when used.
        let mut scratch = Vec::new();
        let saved_unset = self.unset.clone();
        let saved_scalar = self.scalar_unset.len();
        let (arg, end) = self.expand_until(chars, arg_start, Some('}'), &mut scratch, mark)?;
        let value = self.vars.get(&name).map(|v| v.value.clone());
        let set = value.is_some();
        let nonempty = value.as_deref().is_some_and(|v| !v.is_empty());
        let result = match op.as_str() {
            ":-" | "-" => {
                let use_value = if op == ":-" { nonempty } else { set };
                if use_value {
                    self.unset = saved_unset;
                    self.scalar_unset.truncate(saved_scalar);
                    self.lookup(&name, used, mark).unwrap_or_default()
                } else {
                    used.extend(scratch);
                    arg
                }
            }
            ":?" | "?" => {
                let ok = if op == ":?" { nonempty } else { set };
                if !ok {
                    // compose-go `MissingRequiredError`, word for word, then the fix.
                    let reason = if arg.is_empty() {
                        String::new()
                    } else {
                        format!(": {arg}")
                    };
                    return Err(format!(
                        "required variable {name} is missing a value{reason} (set {name} in .env, or pass --env-file, --env {name}=VALUE or --inherit-env)"
                    ));
                }
                self.unset = saved_unset;
                self.scalar_unset.truncate(saved_scalar);
                self.lookup(&name, used, mark).unwrap_or_default()
            }
            ":+" | "+" => {
                let ok = if op == ":+" { nonempty } else { set };
                self.unset = saved_unset;
                self.scalar_unset.truncate(saved_scalar);
                if ok {
                    used.extend(scratch);
                    self.lookup(&name, used, mark);
                    arg
                } else {
                    String::new()
                }
            }
            _ => unreachable!("operators are matched above"),
        };
        Ok((result, end + 1))
    }

    fn lookup(
        &mut self,
        name: &str,
        used: &mut Vec<Option<Location>>,
        mark: Mark,
    ) -> Option<String> {
        match self.vars.get(name) {
            Some(v) => {
                used.push(v.at.clone());
                Some(v.value.clone())
            }
            None => {
                self.unset.entry(name.to_owned()).or_insert(mark);
                if !self.scalar_unset.iter().any(|n| n == name) {
                    self.scalar_unset.push(name.to_owned());
                }
                None
            }
        }
    }
}

/// `services`, `web`, `ports`, `[0]` → `services.web.ports[0]`.
fn join_path(path: &[String]) -> String {
    let mut out = String::new();
    for p in path {
        if !out.is_empty() && !p.starts_with('[') {
            out.push('.');
        }
        out.push_str(p);
    }
    out
}

/// Parse a `.env` file (compose-go `dotenv`): `KEY=VALUE`, `export KEY=VALUE`, comments,
/// single quotes (literal), double quotes (with `\n`, `\"` escapes and interpolation),
/// unquoted values with ` #` comments. Values may use variables set before them.
/// Returns the variables and the line numbers of malformed lines.
pub fn parse_env_file(
    text: &str,
    file: &std::sync::Arc<str>,
    outer: &BTreeMap<String, Var>,
) -> (BTreeMap<String, Var>, Vec<(u32, String)>) {
    let mut vars: BTreeMap<String, Var> = BTreeMap::new();
    let bad = parse_env_file_into(text, file, outer, &mut vars);
    (vars, bad)
}

/// [`parse_env_file`] into `vars`, which holds what earlier env files set: a later file
/// overrides them and its values may use them (compose-go `dotenv.GetEnvFromFile` fills
/// one map file after file, looking values up in the environment first).
pub fn parse_env_file_into(
    text: &str,
    file: &std::sync::Arc<str>,
    outer: &BTreeMap<String, Var>,
    vars: &mut BTreeMap<String, Var>,
) -> Vec<(u32, String)> {
    let mut bad = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let line_no = u32::try_from(idx + 1).unwrap_or(u32::MAX);
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let Some((key, value)) = line.split_once('=') else {
            bad.push((line_no, format!("expected KEY=VALUE, found `{line}`")));
            continue;
        };
        let key = key.trim();
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')
        {
            bad.push((line_no, format!("`{key}` is not a variable name")));
            continue;
        }
        let value = value.trim();
        let value = if let Some(inner) = value.strip_prefix('\'') {
            inner.split_once('\'').map_or(inner, |(v, _)| v).to_owned()
        } else if let Some(inner) = value.strip_prefix('"') {
            let body = inner.rsplit_once('"').map_or(inner, |(v, _)| v);
            let unescaped = body
                .replace("\\n", "\n")
                .replace("\\\"", "\"")
                .replace("\\\\", "\\");
            expand_with(&unescaped, vars, outer)
        } else {
            let v = match value.find(" #") {
                Some(i) => &value[..i],
                None => value,
            };
            expand_with(v.trim(), vars, outer)
        };
        vars.insert(
            key.to_owned(),
            Var {
                value,
                at: Some(Location {
                    file: std::sync::Arc::clone(file),
                    line: line_no,
                    column: None,
                    field: crate::intent::field(key),
                }),
            },
        );
    }
    bad
}

/// Interpolate a `.env` value with the variables defined so far (environment first).
fn expand_with(text: &str, local: &BTreeMap<String, Var>, outer: &BTreeMap<String, Var>) -> String {
    if !text.contains('$') {
        return text.to_owned();
    }
    let mut vars = Vars {
        vars: local.clone(),
        ..Vars::default()
    };
    vars.vars
        .extend(outer.iter().map(|(k, v)| (k.clone(), v.clone())));
    vars.expand(text, &mut Vec::new(), Mark::default())
        .unwrap_or_else(|_| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vars {
        Vars {
            vars: pairs
                .iter()
                .map(|(k, v)| {
                    (
                        (*k).to_owned(),
                        Var {
                            value: (*v).to_owned(),
                            at: None,
                        },
                    )
                })
                .collect(),
            ..Vars::default()
        }
    }

    fn ex(v: &mut Vars, s: &str) -> Result<String, String> {
        v.expand(s, &mut Vec::new(), Mark::default())
    }

    #[test]
    fn forms() {
        let mut v = vars(&[("A", "a"), ("E", "")]);
        assert_eq!(ex(&mut v, "$A ${A} $$A").unwrap(), "a a $A");
        assert_eq!(
            ex(&mut v, "${E:-d} ${E-d} ${U-d} ${U:-d}").unwrap(),
            "d  d d"
        );
        assert_eq!(
            ex(&mut v, "${A:+r} ${E:+r} ${E+r} ${U+r}").unwrap(),
            "r  r "
        );
        assert_eq!(ex(&mut v, "${U:-${A:-x}}/y").unwrap(), "a/y");
        assert_eq!(ex(&mut v, "${U:-${V:-x}}").unwrap(), "x");
        assert!(
            ex(&mut v, "${U:?must be set}")
                .unwrap_err()
                .contains("must be set")
        );
        assert!(ex(&mut v, "${A").is_err());
        assert!(ex(&mut v, "${A:x}").is_err());
        assert_eq!(ex(&mut v, "cost $5").unwrap(), "cost $5");
        assert!(!v.unset.contains_key("U"), "a default means no warning");
        assert_eq!(ex(&mut v, "[$U]").unwrap(), "[]");
        assert!(v.unset.contains_key("U"));
    }

    #[test]
    fn env_files() {
        let file: std::sync::Arc<str> = std::sync::Arc::from(".env");
        let (vars, bad) = parse_env_file(
            "# c\nA=1\nexport B='x y'\nC=\"q\\nr\"\nD=${A}2 # note\nbroken\n",
            &file,
            &BTreeMap::new(),
        );
        assert_eq!(vars["A"].value, "1");
        assert_eq!(vars["B"].value, "x y");
        assert_eq!(vars["C"].value, "q\nr");
        assert_eq!(vars["D"].value, "12");
        assert_eq!(vars["D"].at.as_ref().unwrap().line, 5);
        assert_eq!(bad[0].0, 6);
    }
}
