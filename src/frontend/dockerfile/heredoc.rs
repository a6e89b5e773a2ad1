//! Here-documents (`RUN <<EOF`, `RUN python3 <<PY`, `RUN <<A <<B`, `COPY <<EOF /path`),
//! read before parse-dockerfile sees the text.
//!
//! Why: parse-dockerfile 0.1.9 reads a here-document only when it starts a RUN's arguments
//! and only one per RUN (its source says "TODO: here-doc is not always start from first",
//! "TODO: multiple here-docs"); `RUN python3 <<PY` makes it read the script as instructions.
//! BuildKit (moby/buildkit `frontend/dockerfile/parser/parser.go`, `heredocsFromLine`) finds
//! every word of a RUN/COPY/ADD line that starts with `<<` (optionally after digits, as in
//! `2<<EOF`) and reads the bodies, in order, from the lines after the instruction.
//!
//! So this pass does that, and hands parse-dockerfile a copy of the text of the same length
//! in which each body (and its terminator) is blanked with spaces and the first `<` of each
//! marker is replaced with [`MARK`], so the crate sees a plain word. Byte offsets and line
//! numbers are unchanged: spans from the crate index the original text as well.

use std::collections::BTreeMap;

/// Replaces the first `<` of a here-document marker in the text given to the crate.
/// Input text never holds control characters (`input::decode` rejects them).
pub const MARK: char = '\u{1}';

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HereDoc {
    /// The delimiter, unquoted.
    pub name: String,
    /// Unquoted delimiter: the body's variables are expanded.
    pub expand: bool,
    /// `<<-`: leading tabs were removed from the body lines.
    pub chomp: bool,
    pub body: String,
}

#[derive(Debug)]
pub struct Prepared {
    /// The text for parse-dockerfile.
    pub text: String,
    /// The escape character (`# escape=` directive, else `\`).
    pub escape: char,
    /// Here-documents by the (1-based) first line of the instruction that holds them.
    pub heredocs: BTreeMap<u32, Vec<HereDoc>>,
}

/// An unterminated here-document: (line of its instruction, message).
pub type Error = (u32, String);

pub fn prepare(text: &str) -> Result<Prepared, Error> {
    let escape = escape_directive(text);
    let mut out: Vec<u8> = text.as_bytes().to_vec();
    let mut heredocs = BTreeMap::new();
    // Physical lines with their byte offsets.
    let mut lines: Vec<(usize, &str)> = Vec::new();
    let mut offset = 0;
    for l in text.split_inclusive('\n') {
        lines.push((offset, l));
        offset += l.len();
    }
    let mut i = 0;
    while i < lines.len() {
        let first = lines[i].1.trim_start();
        if first.trim().is_empty() || first.starts_with('#') {
            i += 1;
            continue;
        }
        let start_line = i;
        // Join the logical line, remembering each character's byte offset.
        let mut joined: Vec<(char, usize)> = Vec::new();
        loop {
            let (off, line) = lines[i];
            let body = line.trim_end_matches(['\n', '\r']);
            let continued = continues(body, escape);
            let keep = if continued {
                body.trim_end_matches([' ', '\t'])
                    .strip_suffix(escape)
                    .unwrap_or(body)
            } else {
                body
            };
            joined.extend(keep.char_indices().map(|(j, c)| (c, off + j)));
            i += 1;
            if !continued {
                break;
            }
            // Comment and empty lines inside a continuation are dropped.
            while i < lines.len() && {
                let t = lines[i].1.trim_start();
                t.trim().is_empty() || t.starts_with('#')
            } {
                i += 1;
            }
            if i >= lines.len() {
                break;
            }
        }
        let markers = markers(&joined);
        if markers.is_empty() || !takes_heredocs(&joined) {
            continue;
        }
        let mut docs = Vec::new();
        for (marker_offset, name, expand, chomp) in markers {
            out[marker_offset] = MARK as u8;
            let mut body = String::new();
            let mut closed = false;
            while i < lines.len() {
                let (off, line) = lines[i];
                for b in &mut out[off..off + line.len()] {
                    if *b != b'\n' {
                        *b = b' ';
                    }
                }
                i += 1;
                let content = line.trim_end_matches(['\n', '\r']);
                let content = if chomp {
                    content.trim_start_matches('\t')
                } else {
                    content
                };
                if content == name {
                    closed = true;
                    break;
                }
                body.push_str(content);
                body.push('\n');
            }
            if !closed {
                return Err((
                    start_line as u32 + 1,
                    format!(
                        "unterminated here-document <<{name}: no line `{name}` before the end of the file"
                    ),
                ));
            }
            docs.push(HereDoc {
                name,
                expand,
                chomp,
                body,
            });
        }
        heredocs.insert(start_line as u32 + 1, docs);
    }
    let text = String::from_utf8(out)
        .map_err(|_| (1, "internal: here-document blanking broke UTF-8".to_owned()))?;
    Ok(Prepared {
        text,
        escape,
        heredocs,
    })
}

/// The escape character from a `# escape=` parser directive at the top of the file.
fn escape_directive(text: &str) -> char {
    for line in text.lines() {
        let Some(rest) = line.trim_start().strip_prefix('#') else {
            break;
        };
        let Some((key, value)) = rest.split_once('=') else {
            break;
        };
        if key.trim().eq_ignore_ascii_case("escape") {
            return if value.trim() == "`" { '`' } else { '\\' };
        }
        if !["syntax", "check"]
            .iter()
            .any(|k| key.trim().eq_ignore_ascii_case(k))
        {
            break;
        }
    }
    '\\'
}

/// A line continues when it ends with the escape character (spaces after it allowed).
fn continues(line: &str, escape: char) -> bool {
    !line.trim_start().starts_with('#') && line.trim_end_matches([' ', '\t']).ends_with(escape)
}

/// Only RUN, COPY and ADD (also after ONBUILD) take here-documents.
fn takes_heredocs(joined: &[(char, usize)]) -> bool {
    let text: String = joined.iter().map(|(c, _)| c).collect();
    let mut words = text.split_whitespace().map(str::to_ascii_uppercase);
    let mut first = words.next();
    if first.as_deref() == Some("ONBUILD") {
        first = words.next();
    }
    matches!(first.as_deref(), Some("RUN" | "COPY" | "ADD"))
}

/// Each word that starts with `<<` (after optional digits): (byte offset of its first `<`,
/// delimiter, expand, chomp). Words split on unquoted whitespace; `\` escapes, as in
/// BuildKit's `heredocsFromLine` (which lexes with `\` whatever the escape directive says).
fn markers(joined: &[(char, usize)]) -> Vec<(usize, String, bool, bool)> {
    let mut words: Vec<Vec<(char, usize)>> = Vec::new();
    let mut cur: Vec<(char, usize)> = Vec::new();
    let mut quote = None;
    let mut iter = joined.iter().copied();
    while let Some((c, off)) = iter.next() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
                cur.push((c, off));
            }
            None if c.is_whitespace() => {
                if !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
            }
            None => {
                if c == '\'' || c == '"' {
                    quote = Some(c);
                }
                cur.push((c, off));
                if c == '\\'
                    && let Some(n) = iter.next()
                {
                    cur.push(n);
                }
            }
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    let mut out = Vec::new();
    for w in words {
        let text: String = w.iter().map(|(c, _)| c).collect();
        let digits = text.chars().take_while(char::is_ascii_digit).count();
        let Some(rest) = text[digits..].strip_prefix("<<") else {
            continue;
        };
        let (chomp, rest) = match rest.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        if rest.is_empty() || rest.contains('<') {
            continue;
        }
        let name: String = rest
            .chars()
            .filter(|c| !matches!(c, '\'' | '"' | '\\'))
            .collect();
        if name.is_empty() {
            continue;
        }
        let expand = !rest.contains(['\'', '"', '\\']);
        out.push((w[digits].1, name, expand, chomp));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_heredocs_anywhere_in_the_line() {
        let text = "FROM a\nRUN <<A cat - <<-\"B\" > /x\necho a\nA\n\techo $b\n\tB\nCMD x\n";
        let p = prepare(text).unwrap();
        assert_eq!(p.text.len(), text.len());
        assert_eq!(p.text.lines().count(), text.lines().count());
        let docs = &p.heredocs[&2];
        assert_eq!(docs.len(), 2);
        assert_eq!(
            (docs[0].name.as_str(), docs[0].expand, docs[0].body.as_str()),
            ("A", true, "echo a\n")
        );
        assert_eq!(
            (docs[1].name.as_str(), docs[1].expand, docs[1].chomp),
            ("B", false, true)
        );
        assert_eq!(docs[1].body, "echo $b\n");
        assert!(p.text.contains("RUN \u{1}<A cat - \u{1}<-\"B\""));
        assert!(p.text.ends_with("CMD x\n"));
    }

    #[test]
    fn quoted_markers_and_other_instructions_are_not_heredocs() {
        let p = prepare("FROM a\nRUN echo \"<<EOF\"\nENV A=<<B\n").unwrap();
        assert!(p.heredocs.is_empty());
    }

    #[test]
    fn continuation_lines_before_the_body() {
        let p =
            prepare("# escape=`\nFROM a\nRUN `\n  # note\n  python3 <<PY\nprint(1)\nPY\n").unwrap();
        assert_eq!(p.escape, '`');
        assert_eq!(p.heredocs[&3][0].body, "print(1)\n");
    }

    #[test]
    fn unterminated() {
        let e = prepare("FROM a\n\nRUN <<EOF\necho\n").unwrap_err();
        assert_eq!(e.0, 3);
    }
}
