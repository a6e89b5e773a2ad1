//! `ENTRYPOINT []`: the exec form with no words, which clears the entrypoint the base image
//! set (BuildKit `dispatchEntrypoint` stores the empty list; the classic builder and
//! BuildKit both accept it, and images use it to drop an inherited entrypoint).
//!
//! Why: parse-dockerfile 0.1.9 rejects it ("ENTRYPOINT instruction requires at least one
//! argument"), though it accepts `CMD []`. So, in the copy of the text the crate reads (see
//! heredoc.rs), the brackets of such a line become [`MARK`] characters: the crate reads a
//! shell-form ENTRYPOINT of the same length, and `eval.rs` reads the original text of that
//! span, sees `[]`, and takes it as the empty exec form. Offsets and lines are unchanged.

/// Replaces `[` and `]` of an empty `ENTRYPOINT []` in the text given to the crate. Input
/// text never holds control characters (`input::decode` rejects them).
pub const MARK: char = '\u{2}';

/// Rewrites every one-line `ENTRYPOINT [ ]` (any case, any blanks inside) of `text`.
pub fn prepare(text: &mut String) {
    let mut offset = 0;
    let mut spans = Vec::new();
    for line in text.split_inclusive('\n') {
        if let Some((open, close)) = empty_entrypoint(line) {
            spans.push((offset + open, offset + close));
        }
        offset += line.len();
    }
    let mut bytes = std::mem::take(text).into_bytes();
    for (open, close) in spans {
        bytes[open] = MARK as u8;
        bytes[close] = MARK as u8;
    }
    *text = String::from_utf8(bytes).expect("ASCII replaced by ASCII");
}

/// Whether the original text of a shell-form command is the empty exec form.
pub fn is_empty_array(text: &str) -> bool {
    text.trim()
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .is_some_and(|inner| inner.trim().is_empty())
}

/// Offsets of the brackets in `ENTRYPOINT [ ]` (leading blanks, a trailing newline allowed).
fn empty_entrypoint(line: &str) -> Option<(usize, usize)> {
    let body = line.trim_end_matches(['\n', '\r']);
    let start = body.len() - body.trim_start().len();
    let word = body.get(start..start + "ENTRYPOINT".len())?;
    if !word.eq_ignore_ascii_case("ENTRYPOINT") {
        return None;
    }
    let rest = &body[start + word.len()..];
    if !rest.starts_with([' ', '\t']) || !is_empty_array(rest) {
        return None;
    }
    let open = start + word.len() + rest.find('[')?;
    let close = start + word.len() + rest.rfind(']')?;
    Some((open, close))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prepared(text: &str) -> String {
        let mut t = text.to_owned();
        prepare(&mut t);
        t
    }

    #[test]
    fn only_an_empty_exec_entrypoint_is_rewritten() {
        assert_eq!(
            prepared("FROM x\nENTRYPOINT []\n"),
            "FROM x\nENTRYPOINT \u{2}\u{2}\n"
        );
        assert_eq!(
            prepared("  entrypoint [ ]\r\n"),
            "  entrypoint \u{2} \u{2}\r\n"
        );
        for kept in [
            "ENTRYPOINT [\"a\"]\n",
            "CMD []\n",
            "ENTRYPOINT[]\n",
            "RUN echo ENTRYPOINT []\n",
        ] {
            assert_eq!(prepared(kept), kept);
        }
    }

    #[test]
    fn empty_arrays() {
        assert!(is_empty_array("[]"));
        assert!(is_empty_array(" [ \t] "));
        assert!(!is_empty_array("[\"\"]"));
        assert!(!is_empty_array("echo []"));
    }
}
