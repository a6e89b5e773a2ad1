//! Manifest values → AppArmor text that means exactly that value, or a refusal.
//!
//! A profile is a small language (apparmor.d(5)): in a path, `*`, `**`, `?`, `[…]`, `{a,b}`
//! and `^` are globs and `@{NAME}` expands a variable; `"` quotes, `#` starts a comment, `,`
//! ends a rule and `}` closes the profile. The template gets no auto-escaping, so every value
//! from a manifest passes through this module before it reaches it:
//!
//! - paths become [`PathPattern`]s. Manifest text is *escaped* (a backslash before each of
//!   `" \ * ? [ ] { } ^ , @`) and the whole pattern is quoted when it holds anything but
//!   `[A-Za-z0-9/._-]` and cinch's own globs. Only `&'static str` text can become a glob
//!   ([`PathPattern::glob`]), so a manifest value cannot widen one.
//! - control characters (newline, tab, NUL, DEL, C1) cannot be written safely: they are an
//!   error, reported with the manifest's file:line (never dropped).
//! - comment text (file names, field paths) is printed with control characters shown as
//!   `\u{…}`: a comment runs to the end of its line, so nothing else can escape it.
//! - profile names are checked against a plain character set (they are file stems that
//!   `output::sanitize` already reduced to `[A-Za-z0-9._~-]`).
//!
//! The escapes were measured with Debian's apparmor_parser 3.0.8: each escaped character
//! compiles to the same DFA as its `\dNNN` byte escape, i.e. to that byte and nothing else;
//! bytes ≥ 0x80 (UTF-8) are taken as they are. `tests/apparmor.rs` repeats that proof.

use std::fmt;

/// Characters that mean something in an AppArmor path (AARE globs, variables, quoting,
/// rule separators). A backslash makes each of them literal.
const SPECIAL: &[char] = &['"', '\\', '*', '?', '[', ']', '{', '}', '^', ',', '@'];

/// Linux `PATH_MAX`: a longer path cannot name a file, so it is not a path.
const PATH_MAX: usize = 4096;

/// Why a manifest value cannot be written into a profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsafe(pub String);

impl fmt::Display for Unsafe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A path pattern: manifest text escaped to stand for itself, joined with globs cinch writes.
/// The text inside is AARE, already escaped; `Display` quotes it when needed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PathPattern(String);

impl PathPattern {
    /// A pattern cinch writes itself (`/**`, `@{PROC}/sysrq-trigger`). Only program text
    /// (`'static`) can be a glob; values read at run time go through [`PathPattern::literal`].
    pub fn glob(text: &'static str) -> Self {
        PathPattern(text.to_owned())
    }

    /// Exactly the absolute path `path`: every glob character in it is literal.
    pub fn literal(path: &str) -> Result<Self, Unsafe> {
        if !path.starts_with('/') {
            return Err(Unsafe(format!("`{}` is not an absolute path", shown(path))));
        }
        Self::part(path)
    }

    /// Exactly `text` (a file name or a path tail), to be joined with other patterns.
    pub fn part(text: &str) -> Result<Self, Unsafe> {
        if text.is_empty() {
            return Err(Unsafe(
                "an empty path cannot be written into a profile".into(),
            ));
        }
        if text.len() > PATH_MAX {
            return Err(Unsafe(format!(
                "a path of {} bytes is longer than PATH_MAX ({PATH_MAX})",
                text.len()
            )));
        }
        if let Some(c) = text.chars().find(|c| c.is_control()) {
            return Err(Unsafe(format!(
                "`{}` holds the control character U+{:04X}, which an AppArmor profile cannot hold",
                shown(text),
                u32::from(c)
            )));
        }
        let mut out = String::with_capacity(text.len() + 8);
        for c in text.chars() {
            if SPECIAL.contains(&c) {
                out.push('\\');
            }
            out.push(c);
        }
        Ok(PathPattern(out))
    }

    /// `self` followed by `next`.
    pub fn concat(&self, next: &PathPattern) -> Self {
        PathPattern(format!("{}{}", self.0, next.0))
    }

    /// `self` followed by a glob cinch writes (`/**`).
    pub fn then(&self, glob: &'static str) -> Self {
        PathPattern(format!("{}{glob}", self.0))
    }

    /// Any one of `items` (AARE `{a,b}`; one item stands alone, as AppArmor rejects `{a}`).
    /// Panics on an empty list: callers always have at least one item.
    pub fn any_of(items: &[PathPattern]) -> Self {
        match items {
            [] => panic!("PathPattern::any_of needs at least one item"),
            [one] => one.clone(),
            many => {
                let inner: Vec<&str> = many.iter().map(|p| p.0.as_str()).collect();
                PathPattern(format!("{{{}}}", inner.join(",")))
            }
        }
    }

    /// The AARE text without quotes (for tests and `explain`).
    pub fn as_aare(&self) -> &str {
        &self.0
    }
}

/// Quoted unless it is plain (`[A-Za-z0-9/._-]` plus the glob characters of cinch's own
/// patterns): a space, `#`, a backslash escape or a non-ASCII byte always gets quotes.
impl fmt::Display for PathPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plain = self
            .0
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-@{}*?,^[]".contains(c));
        if plain {
            f.write_str(&self.0)
        } else {
            write!(f, "\"{}\"", self.0)
        }
    }
}

/// A profile name: `cinch.<stem>`, where the stem is a sanitized file stem. Checked again
/// here because the name is written unquoted (after `profile` and in `peer=`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProfileName(String);

impl ProfileName {
    pub fn new(stem: &str) -> Result<Self, Unsafe> {
        let ok = !stem.is_empty()
            && !stem.starts_with('.')
            && stem
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '~'));
        if ok {
            Ok(ProfileName(format!("cinch.{stem}")))
        } else {
            Err(Unsafe(format!(
                "`{}` cannot be an AppArmor profile name",
                shown(stem)
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProfileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Text for a `#` comment: one line, control characters shown as `\u{…}`.
pub fn comment(text: &str) -> String {
    shown(text)
}

/// `text` with control characters made visible, for messages and comments.
fn shown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Lexically clean an absolute path the way the runtimes do before mounting or executing
/// (moby `filepath.Clean` on mount destinations, runc `securejoin`): collapse `//`, drop
/// `.`, resolve `..` without going above `/`. A rule must name the path the kernel reports.
pub fn clean(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_stay_readable() {
        let p = PathPattern::literal("/var/lib/postgresql/data").unwrap();
        assert_eq!(p.to_string(), "/var/lib/postgresql/data");
        assert_eq!(p.then("/**").to_string(), "/var/lib/postgresql/data/**");
    }

    #[test]
    fn every_special_character_is_escaped_and_quoted() {
        let p = PathPattern::literal(r#"/a b/"q"/\/*/**/?/[x]/{y,z}/^/@{PROC}/#include <x>/}"#)
            .unwrap();
        assert_eq!(
            p.to_string(),
            r#""/a b/\"q\"/\\/\*/\*\*/\?/\[x\]/\{y\,z\}/\^/\@\{PROC\}/#include <x>/\}""#
        );
        // Read it as the parser does: a backslash takes the next character literally, so no
        // special character is left to act as a glob, a quote or a separator.
        let mut chars = p.as_aare().chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                chars.next();
            } else {
                assert!(!SPECIAL.contains(&c), "unescaped {c:?} in {}", p.as_aare());
            }
        }
    }

    #[test]
    fn non_ascii_is_kept_and_quoted() {
        let p = PathPattern::literal("/données/日本").unwrap();
        assert_eq!(p.to_string(), "\"/données/日本\"");
    }

    #[test]
    fn control_characters_and_relative_paths_are_refused() {
        for bad in [
            "/data\n}",
            "/a\tb",
            "/nul\0",
            "/del\u{7f}",
            "/c1\u{85}",
            "/cr\r",
        ] {
            let err = PathPattern::literal(bad).unwrap_err();
            assert!(err.0.contains("control character"), "{bad:?}: {err}");
            assert!(
                !err.0.contains('\n'),
                "the message itself stays on one line: {err}"
            );
        }
        assert!(PathPattern::literal("data").is_err());
        assert!(PathPattern::literal("").is_err());
        assert!(PathPattern::literal(&format!("/{}", "a".repeat(PATH_MAX))).is_err());
    }

    #[test]
    fn alternatives() {
        let dirs = [
            PathPattern::part("usr/bin").unwrap(),
            PathPattern::part("b{in").unwrap(),
        ];
        let p = PathPattern::glob("/")
            .concat(&PathPattern::any_of(&dirs))
            .then("/")
            .concat(&PathPattern::part("py,thon").unwrap());
        assert_eq!(p.to_string(), r#""/{usr/bin,b\{in}/py\,thon""#);
        assert_eq!(PathPattern::any_of(&dirs[..1]).to_string(), "usr/bin");
    }

    #[test]
    fn profile_names_are_plain() {
        assert_eq!(
            ProfileName::new("shop.web~2").unwrap().as_str(),
            "cinch.shop.web~2"
        );
        for bad in ["", ".x", "a b", "a}", "a\nb", "a,b", "a\"b", "ä"] {
            assert!(ProfileName::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn comments_stay_on_one_line() {
        assert_eq!(comment("a\n#include <x>\r}"), "a\\u{a}#include <x>\\u{d}}");
    }

    #[test]
    fn clean_matches_the_runtime() {
        assert_eq!(clean("/data/../etc//x/./y/"), "/etc/x/y");
        assert_eq!(clean("/../../"), "/");
        assert_eq!(clean("/a/b"), "/a/b");
    }
}
