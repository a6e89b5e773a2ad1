//! Splitting a command string into words the way docker compose does for `command: npm start`
//! (go-shellwords, without expansion): whitespace separates, single quotes are literal, double
//! quotes allow `\"` and `\\`, a backslash outside quotes escapes the next character.
//! Hand-written: `shlex` differs on edge cases (it errors on a trailing backslash that
//! go-shellwords keeps), and this is twenty lines.

pub fn split(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => cur.push(c),
                        None => return Err("unterminated single quote".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => cur.push(c),
                            Some(c) => {
                                cur.push('\\');
                                cur.push(c);
                            }
                            None => return Err("unterminated double quote".into()),
                        },
                        Some(c) => cur.push(c),
                        None => return Err("unterminated double quote".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(c) => cur.push(c),
                    None => cur.push('\\'),
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn words() {
        assert_eq!(split("npm start").unwrap(), ["npm", "start"]);
        assert_eq!(
            split(r#"sh -c "echo \"hi\" && ls""#).unwrap(),
            ["sh", "-c", r#"echo "hi" && ls"#]
        );
        assert_eq!(split("a 'b c' d\\ e").unwrap(), ["a", "b c", "d e"]);
        assert_eq!(split("  ").unwrap(), Vec::<String>::new());
        assert_eq!(split("''").unwrap(), [""]);
        assert!(split("'oops").is_err());
    }
}
