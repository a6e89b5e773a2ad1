//! The Dockerfile being read: its display name, original text, here-documents, and the
//! mapping from byte offsets (parse-dockerfile spans) to lines for provenance.

use std::sync::Arc;

use crate::intent::Provenance;

use super::heredoc::Prepared;

pub struct Text<'t> {
    pub file: Arc<str>,
    /// The text as the user wrote it (spans from the crate index it too; see heredoc.rs).
    pub original: &'t str,
    pub prepared: &'t Prepared,
    line_starts: Vec<usize>,
}

impl<'t> Text<'t> {
    pub fn new(file: Arc<str>, original: &'t str, prepared: &'t Prepared) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(original.match_indices('\n').map(|(i, _)| i + 1));
        Text {
            file,
            original,
            prepared,
            line_starts,
        }
    }

    pub fn escape(&self) -> char {
        self.prepared.escape
    }

    /// 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> u32 {
        let i = self.line_starts.partition_point(|s| *s <= offset);
        u32::try_from(i).unwrap_or(u32::MAX)
    }

    pub fn at(&self, offset: usize, field: impl AsRef<str>) -> Provenance {
        Provenance::line(&self.file, self.line(offset), field)
    }

    /// The text of a span with line continuations joined and the comment and empty lines
    /// inside them dropped, as BuildKit passes a shell-form command to the shell.
    pub fn joined(&self, span: std::ops::Range<usize>) -> String {
        join_continuations(self.original.get(span).unwrap_or(""), self.escape())
    }

    /// From `offset` to the end of its logical line, joined (an ONBUILD trigger's text).
    pub fn logical_line(&self, offset: usize) -> String {
        let rest = self.original.get(offset..).unwrap_or("");
        let mut end = 0;
        for line in rest.split_inclusive('\n') {
            end += line.len();
            let body = line
                .trim_end_matches(['\n', '\r'])
                .trim_end_matches([' ', '\t']);
            if !body.ends_with(self.escape()) {
                break;
            }
        }
        join_continuations(&rest[..end], self.escape())
            .trim()
            .to_owned()
    }
}

/// Remove `<escape>[ \t]*\n` and, after it, comment and whitespace-only lines (BuildKit's
/// `parser.go`: continuation lines that are empty or comments are skipped).
pub fn join_continuations(s: &str, escape: char) -> String {
    let mut out = String::new();
    let mut lines = s.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        let body = line.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim_end_matches([' ', '\t']);
        match trimmed.strip_suffix(escape) {
            Some(kept) if line.ends_with('\n') => {
                out.push_str(kept);
                while let Some(next) = lines.peek() {
                    let t = next.trim_start();
                    if t.trim().is_empty() || t.starts_with('#') {
                        lines.next();
                    } else {
                        break;
                    }
                }
            }
            _ => out.push_str(line),
        }
    }
    out.trim_end_matches(['\n', '\r']).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuations_join_without_comments() {
        assert_eq!(join_continuations("a \\\n  # c\n\n  b", '\\'), "a   b");
        assert_eq!(join_continuations("a `\n b", '`'), "a  b");
        assert_eq!(join_continuations("a \\  \nb", '\\'), "a b");
    }
}
