//! `ENV`/`LABEL`/`ARG` arguments → name/value pairs, as BuildKit's parser splits them
//! (moby/buildkit `frontend/dockerfile/parser/line_parsers.go`: `parseWords`, `parseNameVal`,
//! `parseNameOrNameVal`). parse-dockerfile hands us these arguments as one string.
//!
//! Words keep their quotes and escapes here; each name and value is later substituted and
//! unquoted with `substitute::process_word`, as BuildKit does when it dispatches them.

/// Split on whitespace outside quotes; quotes and escapes stay in the words.
pub fn words(rest: &str, escape: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    // A quoted empty string (`a=""`) is still a word.
    let mut blank_ok = false;
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            // The escape character escapes anything but inside single quotes.
            if c == escape && q != '\'' {
                word.push(c);
                match chars.next() {
                    Some(n) => word.push(n),
                    None => quote = None,
                }
                continue;
            }
            word.push(c);
            continue;
        }
        if c.is_whitespace() {
            if in_word && (blank_ok || !word.is_empty()) {
                out.push(std::mem::take(&mut word));
            }
            in_word = false;
            blank_ok = false;
            continue;
        }
        in_word = true;
        if c == '\'' || c == '"' {
            quote = Some(c);
            blank_ok = true;
        }
        if c == escape {
            // An escape at the very end is dropped.
            if let Some(n) = chars.next() {
                word.push(c);
                word.push(n);
            }
            continue;
        }
        word.push(c);
    }
    if in_word && (blank_ok || !word.is_empty()) {
        out.push(word);
    }
    out
}

/// `ENV`/`LABEL`: `k=v k2="v 2"`, or the legacy `k value with spaces` (when the first word
/// has no `=`). Errors are BuildKit's messages.
pub fn name_values(
    rest: &str,
    instruction: &str,
    escape: char,
) -> Result<Vec<(String, String)>, String> {
    let ws = words(rest, escape);
    let Some(first) = ws.first() else {
        return Err(format!("{instruction} requires at least one argument"));
    };
    if !first.contains('=') {
        let rest = rest.trim_start();
        let split = rest.find(char::is_whitespace);
        return match split {
            Some(i) => Ok(vec![(
                rest[..i].to_owned(),
                rest[i..].trim_start().to_owned(),
            )]),
            None => Err(format!(
                "{instruction} must have two arguments (`{instruction} name=value` or `{instruction} name value`)"
            )),
        };
    }
    ws.into_iter()
        .map(|w| match w.split_once('=') {
            Some(("", _)) => Err(format!("{instruction} names can not be blank (`{w}`)")),
            Some((k, v)) => Ok((k.to_owned(), v.to_owned())),
            None => Err(format!(
                "syntax error - can't find = in `{w}`; must be of the form name=value"
            )),
        })
        .collect()
}

/// `ARG name[=default] …`.
pub fn args(rest: &str, escape: char) -> Vec<(String, Option<String>)> {
    words(rest, escape)
        .into_iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
            None => (w, None),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_buildkit() {
        assert_eq!(
            words(r#"a=1 b="x y" c='$z w'"#, '\\'),
            [r#"a=1"#, r#"b="x y""#, "c='$z w'"]
        );
        assert_eq!(words(r"a=x\ y b", '\\'), [r"a=x\ y", "b"]);
        assert_eq!(words(r#"a="""#, '\\'), [r#"a="""#]);
        assert_eq!(words("a=`\"q b", '`'), ["a=`\"q", "b"]);
    }

    #[test]
    fn name_value_forms() {
        let kv = |s| name_values(s, "ENV", '\\');
        assert_eq!(
            kv("A=1 B=\"2 3\"").unwrap(),
            [("A".into(), "1".into()), ("B".into(), "\"2 3\"".into())]
        );
        assert_eq!(
            kv("GOPATH C:\\\\go").unwrap(),
            [("GOPATH".into(), "C:\\\\go".into())]
        );
        assert_eq!(
            kv("KEY  a value ").unwrap(),
            [("KEY".into(), "a value ".into())]
        );
        assert!(kv("A=1 B").unwrap_err().contains("can't find ="));
        assert!(kv("LONELY").unwrap_err().contains("two arguments"));
        assert_eq!(
            args("A B=2", '\\'),
            [("A".into(), None), ("B".into(), Some("2".into()))]
        );
    }
}
