//! Folding repeated diagnostics for the terminal (issue 17).
//!
//! At 10,000 workloads one missing ConfigMap per workload is 5,000 `note[unresolved]` lines
//! that bury everything else on stderr. So the text form prints a run of diagnostics with the
//! same severity, code and message *shape* once per location only for the first
//! [`SHOWN`], followed by one line `… and 4,997 more; --verbose for all`.
//!
//! Contract:
//! - **Errors are never folded**: each one is something the user must fix where it is.
//! - A group folds only when that saves lines (more than [`SHOWN`] + 1 members).
//! - Order is the sorted order of [`Diagnostics::sorted`]; the summary line follows the
//!   last shown member of its group. Deterministic: it depends only on the sorted list.
//! - `verbose` prints every line, exactly as before folding existed. Machine forms (lint's
//!   JSON and SARIF) never go through here and keep every item.
//!
//! The shape of a message is the message with every name-like word masked: a word holding
//! a digit, a quote or backtick, or one of `/ . - _ : @ = $ { } [ ]` inside it. Names of
//! objects, files, ports and fields vary between the members of a group; the prose around
//! them does not (`ConfigMap shop/cfg-17 is not among the inputs` → `ConfigMap * is not among
//! the inputs`). Plain words are kept, so two different sentences never share a shape.

use std::collections::BTreeMap;

use super::{Code, Diagnostic, Severity};

/// How many members of a folded group are printed in full.
pub const SHOWN: usize = 3;

/// One line of folded output: a diagnostic, or the summary after a folded group's last shown
/// member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Line<'a> {
    Item(&'a Diagnostic),
    More {
        severity: Severity,
        code: Code,
        hidden: usize,
    },
}

/// The lines to print for `sorted` (already sorted and deduplicated).
pub fn fold(sorted: &[Diagnostic], verbose: bool) -> Vec<Line<'_>> {
    if verbose {
        return sorted.iter().map(Line::Item).collect();
    }
    type Key = (Severity, Code, String);
    let key = |d: &Diagnostic| -> Option<Key> {
        (d.severity != Severity::Error).then(|| (d.severity, d.code, shape(&d.message)))
    };
    let mut sizes: BTreeMap<Key, usize> = BTreeMap::new();
    for d in sorted {
        if let Some(k) = key(d) {
            *sizes.entry(k).or_default() += 1;
        }
    }
    let mut seen: BTreeMap<Key, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for d in sorted {
        let Some(k) = key(d) else {
            out.push(Line::Item(d));
            continue;
        };
        let size = sizes[&k];
        if size <= SHOWN + 1 {
            out.push(Line::Item(d));
            continue;
        }
        let n = seen.entry(k).or_default();
        *n += 1;
        if *n <= SHOWN {
            out.push(Line::Item(d));
        }
        if *n == SHOWN {
            out.push(Line::More {
                severity: d.severity,
                code: d.code,
                hidden: size - SHOWN,
            });
        }
    }
    out
}

/// The message with its name-like words replaced by `*` (see the module comment).
pub fn shape(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for (i, word) in message.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        // Sentence punctuation at the end belongs to the prose, not to the name.
        let core = word.trim_end_matches([',', ';', '.', ':', ')']);
        let tail = &word[core.len()..];
        let named = core
            .chars()
            .any(|c| c.is_ascii_digit() || "/.-_:@=${}[]`'\"".contains(c));
        out.push_str(if named { "*" } else { core });
        out.push_str(tail);
    }
    out
}

impl std::fmt::Display for Line<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Line::Item(d) => write!(f, "{d}"),
            Line::More {
                severity,
                code,
                hidden,
            } => write!(
                f,
                "{severity}[{}]: … and {} more; --verbose for all",
                code.id(),
                thousands(*hidden)
            ),
        }
    }
}

/// `4997` → `4,997`, as the summary line is read by people.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(file: &str, name: &str) -> Diagnostic {
        Diagnostic::note(
            Code::Unresolved,
            file,
            7,
            format!("ConfigMap {name} is not among the inputs; the values are unknown"),
        )
    }

    #[test]
    fn names_are_masked_prose_is_kept() {
        assert_eq!(
            shape("ConfigMap shop/cfg-17 is not among the inputs; the values are unknown"),
            "ConfigMap * is not among the inputs; the values are unknown"
        );
        assert_ne!(shape("port 80 is out of range"), shape("port 80 is in use"));
    }

    #[test]
    fn a_long_run_folds_after_the_first_few() {
        let mut all: Vec<Diagnostic> = (0..5000)
            .map(|i| note(&format!("k8s/app-{i:05}.yaml"), &format!("shop/cfg-{i}")))
            .collect();
        all.push(Diagnostic::warning(Code::UnknownField, "a.yaml", 1, "x"));
        all.sort();
        let lines: Vec<String> = fold(&all, false).iter().map(ToString::to_string).collect();
        assert_eq!(lines.len(), 5);
        assert_eq!(lines[0], "a.yaml:1: warning[unknown-field]: x");
        assert!(lines[1].starts_with("k8s/app-00000.yaml:7: note[unresolved]: ConfigMap"));
        assert_eq!(
            lines[4],
            "note[unresolved]: … and 4,997 more; --verbose for all"
        );
        assert_eq!(fold(&all, true).len(), 5001);
    }

    #[test]
    fn errors_and_short_runs_are_not_folded() {
        let errors: Vec<Diagnostic> = (0..10)
            .map(|i| Diagnostic::error(Code::InvalidValue, &format!("f{i}.yaml"), 1, "port 0"))
            .collect();
        assert_eq!(fold(&errors, false).len(), 10);
        let four: Vec<Diagnostic> = (0..4).map(|i| note(&format!("f{i}"), "a/b")).collect();
        assert_eq!(fold(&four, false).len(), 4);
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(4997), "4,997");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
