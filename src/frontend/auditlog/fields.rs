//! One kernel audit line → its `key=value` fields, whichever tool printed it.
//!
//! The kernel writes a record as `type=N audit(TIME:SERIAL): k=v k=v …` (kernel/audit.c
//! `audit_log_start`); dmesg and `journalctl -k` put their own prefix before it (`[ 12.3]
//! audit: `, `Dec 04 01:02:03 host kernel: audit: `), auditd writes `type=SECCOMP
//! msg=audit(TIME:SERIAL): …` and `ausearch -i` the same with every value interpreted and
//! ` : ` after the stamp. Values that may hold spaces or untrusted bytes (`exe`, `comm`,
//! `name`, `profile`) are either quoted or hex-encoded (audit_log_untrustedstring in
//! kernel/audit.c); `ausearch -i` prints them decoded and unquoted.

use std::collections::BTreeMap;

/// The fields of one line, and whether it was cut off inside a quoted value.
#[derive(Debug, Default)]
pub struct Fields {
    pub map: BTreeMap<String, String>,
    /// A quote was opened and never closed: the line was cut (a full ring buffer, a copy
    /// and paste, `head -c`).
    pub truncated: bool,
    /// `ausearch -i` output: values are names (`arch=x86_64 syscall=fstatfs`), not numbers.
    pub interpreted: bool,
}

impl Fields {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.map.get(key).map(String::as_str)
    }
}

/// Keys the kernel writes with `audit_log_untrustedstring`: quoted, or hex when the value
/// holds a quote, a space or a control character.
const UNTRUSTED: &[&str] = &["exe", "comm", "name", "profile", "target", "peer"];

/// Split a line into its fields. Tokens that are not `key=value` (prefixes, ` : `) are
/// skipped; the first occurrence of a key wins, as the kernel writes each key once.
pub fn parse(line: &str) -> Fields {
    let mut out = Fields {
        interpreted: line.contains(") : "),
        ..Fields::default()
    };
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // A key starts at a word boundary: [a-z0-9_-]+ '='.
        if i > 0 && !bytes[i - 1].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len()
            && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'-')
        {
            i += 1;
        }
        if i == start || i >= bytes.len() || bytes[i] != b'=' {
            i = i.max(start + 1);
            continue;
        }
        let key = &line[start..i];
        i += 1;
        let (value, quoted) = if bytes.get(i) == Some(&b'"') {
            let from = i + 1;
            match line[from..].find('"') {
                Some(len) => {
                    i = from + len + 1;
                    (&line[from..from + len], true)
                }
                None => {
                    out.truncated = true;
                    i = bytes.len();
                    (&line[from..], true)
                }
            }
        } else {
            let from = i;
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            (&line[from..i], false)
        };
        let value = if !quoted && !out.interpreted && UNTRUSTED.contains(&key) {
            unhex(value).unwrap_or_else(|| value.to_owned())
        } else {
            value.to_owned()
        };
        out.map.entry(key.to_owned()).or_insert(value);
    }
    out
}

/// An unquoted untrusted value is hex (`exe=2F7573722F62696E2F6D7920617070`); `(null)` and
/// anything that is not even-length hex of valid UTF-8 stays as written.
fn unhex(s: &str) -> Option<String> {
    if s.is_empty() || !s.len().is_multiple_of(2) || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dmesg_line() {
        let f = parse(
            r#"[ 1234.567890] audit: type=1326 audit(1733277600.123:456): auid=4294967295 uid=0 pid=1234 comm="sh" exe="/usr/bin/dash" sig=0 arch=c000003e syscall=138 compat=0 ip=0x7f code=0x7ffc0000"#,
        );
        assert_eq!(f.get("type"), Some("1326"));
        assert_eq!(f.get("exe"), Some("/usr/bin/dash"));
        assert_eq!(f.get("syscall"), Some("138"));
        assert!(!f.truncated && !f.interpreted);
    }

    #[test]
    fn hex_and_truncation() {
        let f =
            parse("type=SECCOMP msg=audit(1.2:3): exe=2F7573722F62696E2F6D7920617070 comm=\"abc");
        assert_eq!(f.get("exe"), Some("/usr/bin/my app"));
        assert!(f.truncated);
        // A value that only looks like hex in a quoted field stays.
        assert_eq!(parse("comm=\"cafe\"").get("comm"), Some("cafe"));
    }

    #[test]
    fn ausearch_interpreted() {
        let f = parse(
            "type=SECCOMP msg=audit(12/04/2026 01:02:03.123:456) : auid=unset pid=7 comm=cafe exe=/usr/bin/x arch=x86_64 syscall=fstatfs code=log",
        );
        assert!(f.interpreted);
        assert_eq!(f.get("comm"), Some("cafe"));
        assert_eq!(f.get("syscall"), Some("fstatfs"));
    }
}
