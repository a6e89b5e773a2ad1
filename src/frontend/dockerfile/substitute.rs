//! `$VAR` substitution as BuildKit does it (moby/buildkit `frontend/dockerfile/shell/lex.go`,
//! `ProcessWord`): `$VAR`, `${VAR}`, `${VAR:-word}`, `${VAR-word}`, `${VAR:+word}`,
//! `${VAR+word}`, `${VAR:?msg}`, `${VAR?msg}`, `${VAR#glob}`, `${VAR##glob}`, `${VAR%glob}`,
//! `${VAR%%glob}`; single quotes stop expansion, double quotes do not; the escape character
//! (`\` or the `# escape=` one) makes the next character literal; quotes are removed.
//!
//! Hand-written: no crate implements BuildKit's lexer, and parse-dockerfile leaves
//! substitution to its users. Which instructions are substituted, and with which variables
//! (the scoping rules), is decided by the caller (`eval.rs`, `stages.rs`).
//!
//! Besides the text, the result names every variable that was read, with the line that set
//! it, so a substituted fact can point at its ARG/ENV line (`Provenance::via`).

use std::collections::BTreeMap;

use crate::intent::Provenance;

/// A variable's value. `Unknown`: defined, but only BuildKit knows the value (the automatic
/// platform args `TARGETARCH`, …): its `$NAME` is kept as written instead of guessed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Set(String),
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Var {
    pub value: Value,
    /// The ARG/ENV line that set it (`None`: a predefined variable).
    pub at: Option<Provenance>,
}

impl Var {
    pub fn set(value: impl Into<String>, at: Option<Provenance>) -> Var {
        Var {
            value: Value::Set(value.into()),
            at,
        }
    }
}

/// The variables visible to an instruction.
pub type Vars = BTreeMap<String, Var>;

/// How to read a word.
#[derive(Clone, Copy, Debug, Default)]
pub struct Mode {
    /// Quotes are plain characters (here-document bodies: BuildKit's `SkipProcessQuotes`).
    pub keep_quotes: bool,
    /// An unset variable keeps its `$NAME` text instead of becoming empty (`RUN`
    /// here-documents, whose variables the shell expands at run time from its environment).
    pub keep_unset: bool,
}

/// A substituted word and the provenance of every variable it read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Expanded {
    pub text: String,
    pub used: Vec<Provenance>,
}

impl Expanded {
    /// `at` with a `via` for every variable line the value passed through.
    pub fn provenance(&self, at: Provenance) -> Provenance {
        self.used.iter().fold(at, |p, u| p.via(u))
    }
}

/// Substitute and unquote one word, as BuildKit's `ProcessWord`.
pub fn process_word(word: &str, vars: &Vars, escape: char) -> Result<Expanded, String> {
    process(word, vars, escape, Mode::default())
}

pub fn process(word: &str, vars: &Vars, escape: char, mode: Mode) -> Result<Expanded, String> {
    let mut lex = Lexer {
        chars: word.chars().collect(),
        pos: 0,
        vars,
        escape,
        mode,
        used: Vec::new(),
    };
    let text = lex.until(None)?;
    let mut used = lex.used;
    used.sort();
    used.dedup();
    Ok(Expanded { text, used })
}

struct Lexer<'v> {
    chars: Vec<char>,
    pos: usize,
    vars: &'v Vars,
    escape: char,
    mode: Mode,
    used: Vec<Provenance>,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    /// Read up to `stop` (consumed) or the end.
    fn until(&mut self, stop: Option<char>) -> Result<String, String> {
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return match stop {
                    Some(s) => Err(format!(
                        "unexpected end of statement while looking for matching {s}"
                    )),
                    None => Ok(out),
                };
            };
            if Some(c) == stop {
                self.pos += 1;
                return Ok(out);
            }
            match c {
                '\'' if !self.mode.keep_quotes => out.push_str(&self.single_quoted()?),
                '"' if !self.mode.keep_quotes => out.push_str(&self.double_quoted()?),
                '$' => out.push_str(&self.dollar()?),
                c if c == self.escape => {
                    self.pos += 1;
                    // The escape character makes the next one literal; at the end it is dropped.
                    if let Some(n) = self.next() {
                        out.push(n);
                    }
                }
                c => {
                    self.pos += 1;
                    out.push(c);
                }
            }
        }
    }

    fn single_quoted(&mut self) -> Result<String, String> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.next() {
                Some('\'') => return Ok(out),
                Some(c) => out.push(c),
                None => {
                    return Err(
                        "unexpected end of statement while looking for matching single-quote"
                            .into(),
                    );
                }
            }
        }
    }

    fn double_quoted(&mut self) -> Result<String, String> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => {
                    return Err(
                        "unexpected end of statement while looking for matching double-quote"
                            .into(),
                    );
                }
                Some('"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some('$') => out.push_str(&self.dollar()?),
                Some(c) => {
                    self.pos += 1;
                    // Inside double quotes only `"`, `$` and the escape character itself can
                    // be escaped; any other escape is kept as written (lex.go processDoubleQuote).
                    if c == self.escape {
                        match self.peek() {
                            None => continue,
                            Some(n) if n == '"' || n == '$' || n == self.escape => {
                                self.pos += 1;
                                out.push(n);
                                continue;
                            }
                            Some(_) => {}
                        }
                    }
                    out.push(c);
                }
            }
        }
    }

    /// `$NAME`, `${NAME}`, `${NAME<modifier>word}`; `self.pos` is at the `$`.
    fn dollar(&mut self) -> Result<String, String> {
        let start = self.pos;
        self.pos += 1;
        if self.peek() != Some('{') {
            let name = self.name();
            if name.is_empty() {
                return Ok("$".into());
            }
            return Ok(self.lookup(&name).unwrap_or_else(|| self.unset(start)));
        }
        self.pos += 1;
        let name = self.name();
        if name.is_empty() {
            return Err("bad substitution: `${` without a variable name".into());
        }
        let value = self.lookup_raw(&name);
        let unknown = matches!(value, Some(Value::Unknown));
        let (colon, modifier) = match self.next() {
            Some('}') => {
                return Ok(match value {
                    Some(Value::Set(v)) => v,
                    Some(Value::Unknown) => self.original(start),
                    None => self.unset(start),
                });
            }
            Some(':') => (true, self.next()),
            Some(m) => (false, Some(m)),
            None => return Err(format!("unexpected end of statement in ${{{name}")),
        };
        let word = match modifier {
            Some('-' | '+' | '?') => self.until(Some('}'))?,
            Some(c @ ('#' | '%')) if !colon => {
                let longest = self.peek() == Some(c);
                if longest {
                    self.pos += 1;
                }
                let pattern = self.until(Some('}'))?;
                return Ok(match value {
                    Some(Value::Set(v)) => strip(&v, &pattern, c == '#', longest),
                    Some(Value::Unknown) => self.original(start),
                    None => self.unset(start),
                });
            }
            Some(m) => {
                return Err(format!(
                    "unsupported modifier ({m}) in substitution ${{{name}…}}"
                ));
            }
            None => return Err(format!("unexpected end of statement in ${{{name}")),
        };
        if unknown {
            return Ok(self.original(start));
        }
        // With `:` an empty value counts as unset (POSIX sh, lex.go processDollar).
        let set = match &value {
            Some(Value::Set(v)) => !(colon && v.is_empty()),
            _ => false,
        };
        let text = match &value {
            Some(Value::Set(v)) => v.clone(),
            _ => String::new(),
        };
        match modifier {
            Some('-') => Ok(if set { text } else { word }),
            Some('+') => Ok(if set { word } else { String::new() }),
            _ if set => Ok(text),
            _ if word.is_empty() => Err(format!("{name}: is not allowed to be unset")),
            _ => Err(format!("{name}: {word}")),
        }
    }

    /// A variable name: letters, digits and `_`; a run of digits or one special parameter.
    fn name(&mut self) -> String {
        let mut name = String::new();
        if let Some(c) = self.peek() {
            if c.is_ascii_digit() {
                while let Some(d) = self.peek().filter(char::is_ascii_digit) {
                    self.pos += 1;
                    name.push(d);
                }
                return name;
            }
            if matches!(c, '*' | '#' | '@' | '!' | '?' | '-' | '$') {
                self.pos += 1;
                return c.to_string();
            }
        }
        while let Some(c) = self.peek().filter(|c| c.is_alphanumeric() || *c == '_') {
            self.pos += 1;
            name.push(c);
        }
        name
    }

    fn lookup_raw(&mut self, name: &str) -> Option<Value> {
        let var = self.vars.get(name)?;
        if let Some(at) = &var.at {
            self.used.push(at.clone());
        }
        Some(var.value.clone())
    }

    fn lookup(&mut self, name: &str) -> Option<String> {
        match self.lookup_raw(name)? {
            Value::Set(v) => Some(v),
            Value::Unknown => None,
        }
    }

    /// The text of the expression that started at `start`, as written.
    fn original(&self, start: usize) -> String {
        self.chars[start..self.pos].iter().collect()
    }

    /// An unset variable: empty (BuildKit), or kept as written.
    fn unset(&self, start: usize) -> String {
        if self.mode.keep_unset || self.vars.get(self.name_at(start).as_str()).is_some() {
            self.original(start)
        } else {
            String::new()
        }
    }

    fn name_at(&self, start: usize) -> String {
        self.chars[start..self.pos]
            .iter()
            .skip_while(|c| matches!(c, '$' | '{'))
            .take_while(|c| c.is_alphanumeric() || **c == '_')
            .collect()
    }
}

/// `${v#p}` / `${v##p}` (prefix) and `${v%p}` / `${v%%p}` (suffix) removal with a glob.
fn strip(value: &str, pattern: &str, prefix: bool, longest: bool) -> String {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    let cut: Vec<usize> = if prefix {
        (0..=n).collect()
    } else {
        (0..=n).rev().collect()
    };
    let mut best = None;
    for i in cut {
        let part: String = if prefix {
            chars[..i].iter().collect()
        } else {
            chars[i..].iter().collect()
        };
        if glob(pattern, &part) {
            best = Some(i);
            if !longest {
                break;
            }
        }
    }
    match best {
        Some(i) if prefix => chars[i..].iter().collect(),
        Some(i) => chars[..i].iter().collect(),
        None => value.to_owned(),
    }
}

/// `*` and `?` wildcards, everything else literal.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vars {
        let file: std::sync::Arc<str> = std::sync::Arc::from("Dockerfile");
        let mut v = Vars::new();
        v.insert(
            "PORT".into(),
            Var::set("8080", Some(Provenance::line(&file, 2, "ARG PORT"))),
        );
        v.insert("EMPTY".into(), Var::set("", None));
        v.insert(
            "ARCH".into(),
            Var {
                value: Value::Unknown,
                at: None,
            },
        );
        v.insert("FILE".into(), Var::set("archive.tar.gz", None));
        v
    }

    fn w(s: &str) -> String {
        process_word(s, &vars(), '\\').unwrap().text
    }

    #[test]
    fn forms() {
        assert_eq!(w("$PORT/udp"), "8080/udp");
        assert_eq!(w("${PORT}x"), "8080x");
        assert_eq!(w("${NOPE:-9}"), "9");
        assert_eq!(w("${EMPTY:-9}"), "9");
        assert_eq!(w("${EMPTY-9}"), "");
        assert_eq!(w("${PORT:+set}"), "set");
        assert_eq!(w("${NOPE:+set}"), "");
        assert_eq!(w("$NOPE"), "");
        assert_eq!(w("a$"), "a$");
        assert_eq!(w("${FILE%.*}"), "archive.tar");
        assert_eq!(w("${FILE%%.*}"), "archive");
        assert_eq!(w("${FILE#*.}"), "tar.gz");
        assert_eq!(w("${FILE##*.}"), "gz");
        assert_eq!(w("${NOPE:-${PORT}}"), "8080");
        assert!(
            process_word("${NOPE:?must be set}", &vars(), '\\')
                .unwrap_err()
                .contains("must be set")
        );
        assert!(process_word("${PORT/8/9}", &vars(), '\\').is_err());
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(w("'$PORT'"), "$PORT");
        assert_eq!(w("\"$PORT x\""), "8080 x");
        assert_eq!(w("\\$PORT"), "$PORT");
        assert_eq!(w("\"a\\\"b\\n\""), "a\"b\\n");
        assert_eq!(process_word("`$PORT", &vars(), '`').unwrap().text, "$PORT");
        assert!(process_word("'open", &vars(), '\\').is_err());
    }

    #[test]
    fn unknown_values_stay_as_written() {
        assert_eq!(w("go-$ARCH"), "go-$ARCH");
        assert_eq!(w("${ARCH:-amd64}"), "${ARCH:-amd64}");
        let keep = Mode {
            keep_quotes: true,
            keep_unset: true,
        };
        let e = process("echo '$PORT' $i", &vars(), '\\', keep).unwrap();
        assert_eq!(e.text, "echo '8080' $i");
    }

    #[test]
    fn reports_where_variables_were_set() {
        let e = process_word("${PORT}", &vars(), '\\').unwrap();
        assert_eq!(e.used.len(), 1);
        assert_eq!(e.used[0].line_no(), 2);
    }
}
