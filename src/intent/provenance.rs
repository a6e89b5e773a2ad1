//! Provenance: why a fact is in the model, and so why a rule is in a profile.
//!
//! Every fact points either at manifest text (file, line, column, field path) or at a named
//! baseline ("runtime default capabilities"). `explain`, the `comment` of a seccomp entry and
//! the comments in AppArmor and NetworkPolicy output all print it with `Display`.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::num::NonZeroU32;
use std::sync::Arc;

use serde::Serialize;

use crate::diag::{Code, Diagnostic, Severity};
use crate::yaml::Mark;

/// A place in a manifest.
///
/// Ordered by file, then field path, then line: two facts that differ only in where they
/// are written sort the same way whatever the order of keys or documents in the file, so
/// reordering a manifest never reorders rules (tests/determinism.rs).
///
/// Shared text, 40 bytes: a 10,000-workload model holds hundreds of thousands of locations
/// but only about a thousand different field paths (issue 17).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Location {
    /// The file as displayed (relative to the input directory, or as given).
    pub file: Arc<str>,
    pub line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<NonZeroU32>,
    /// Field path (`services.web.ports[0]`) or instruction (`EXPOSE`), from [`field`].
    pub field: Arc<str>,
}

/// A field path as a [`Location`] holds it: one shared copy of each text per thread, so
/// that the same path in many workloads (and every clone of a location) is no new string.
pub fn field(text: &str) -> Arc<str> {
    thread_local! {
        // Kept for the thread's life: the distinct paths of the inputs, a few hundred KB
        // at most, which the model would hold anyway.
        static FIELDS: RefCell<HashSet<Arc<str>>> = RefCell::default();
    }
    FIELDS.with_borrow_mut(|fields| match fields.get(text) {
        Some(shared) => Arc::clone(shared),
        None => {
            let shared: Arc<str> = Arc::from(text);
            fields.insert(Arc::clone(&shared));
            shared
        }
    })
}

impl Ord for Location {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (&self.file, &self.field, self.line, self.column).cmp(&(
            &other.file,
            &other.field,
            other.line,
            other.column,
        ))
    }
}

impl PartialOrd for Location {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Where a fact comes from.
///
/// Small and cheap to clone (an `Arc` or a borrowed string): every fact, rule and note
/// carries one, and a 10,000-workload model holds millions of them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(untagged)]
pub enum Provenance {
    Manifest(Arc<Cited>),
    /// Most baselines are fixed text: borrowed, so the many facts that share one (every
    /// container's default capabilities) cost no allocation.
    Baseline {
        baseline: Cow<'static, str>,
    },
}

/// A place in a manifest, and the places its value passed through.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Cited {
    #[serde(flatten)]
    pub at: Location,
    /// Further places the value passed through: the line that set a substituted
    /// variable, the `extends` base a field came from, the Service a peer was found by.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<Location>,
}

impl Provenance {
    /// A citation of `at` (and `via`).
    pub fn cited(at: Location, via: Vec<Location>) -> Self {
        Provenance::Manifest(Arc::new(Cited { at, via }))
    }

    pub fn manifest(file: &Arc<str>, mark: Mark, field: impl AsRef<str>) -> Self {
        Provenance::cited(
            Location {
                file: Arc::clone(file),
                line: mark.line,
                column: NonZeroU32::new(mark.column),
                field: self::field(field.as_ref()),
            },
            Vec::new(),
        )
    }

    /// A whole line (Dockerfile instructions): no column.
    pub fn line(file: &Arc<str>, line: u32, field: impl AsRef<str>) -> Self {
        Provenance::cited(
            Location {
                file: Arc::clone(file),
                line,
                column: None,
                field: self::field(field.as_ref()),
            },
            Vec::new(),
        )
    }

    pub fn baseline(name: impl Into<Cow<'static, str>>) -> Self {
        Provenance::Baseline {
            baseline: name.into(),
        }
    }

    /// Add a place the value passed through (a place already cited is not repeated).
    pub fn via(mut self, loc: &Provenance) -> Self {
        if let (Provenance::Manifest(mine), Provenance::Manifest(theirs)) = (&mut self, loc) {
            let mine = Arc::make_mut(mine);
            for l in std::iter::once(&theirs.at).chain(&theirs.via) {
                if *l != mine.at && !mine.via.contains(l) {
                    mine.via.push(l.clone());
                }
            }
        }
        self
    }

    /// The places the value passed through (empty for a baseline).
    pub fn vias(&self) -> &[Location] {
        match self {
            Provenance::Manifest(c) => &c.via,
            Provenance::Baseline { .. } => &[],
        }
    }

    pub fn location(&self) -> Option<&Location> {
        match self {
            Provenance::Manifest(c) => Some(&c.at),
            Provenance::Baseline { .. } => None,
        }
    }

    pub fn file(&self) -> Option<&str> {
        self.location().map(|l| &*l.file)
    }

    pub fn line_no(&self) -> u32 {
        self.location().map_or(0, |l| l.line)
    }

    /// A diagnostic about this fact, at its file and line (`<inputs>`, line 0, for a
    /// baseline, which no file wrote).
    pub fn diagnostic(
        &self,
        severity: Severity,
        code: Code,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(
            severity,
            code,
            self.file().unwrap_or("<inputs>"),
            self.line_no(),
            message.into(),
        )
    }

    /// [`Provenance::diagnostic`], with the column too when the manifest position has one.
    pub fn diagnostic_at_column(
        &self,
        severity: Severity,
        code: Code,
        message: impl Into<String>,
    ) -> Diagnostic {
        let d = self.diagnostic(severity, code, message);
        match self.location().and_then(|l| l.column) {
            Some(col) => d.with_column(col.get()),
            None => d,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)?;
        if !self.field.is_empty() {
            write!(f, " {}", self.field)?;
        }
        Ok(())
    }
}

/// `compose.yaml:14 services.web.ports[0]`, `baseline: runtime minimum`.
impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Provenance::Manifest(c) => {
                let (at, via) = (&c.at, &c.via);
                write!(f, "{at}")?;
                for v in via {
                    write!(f, " via {v}")?;
                }
                Ok(())
            }
            Provenance::Baseline { baseline } => write!(f, "baseline: {baseline}"),
        }
    }
}

/// A value with its reason. When a more specific source overrides a value (Compose `user`
/// over Dockerfile `USER`), the loser is kept in `overridden` for `explain`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Fact<T> {
    pub value: T,
    pub at: Provenance,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overridden: Vec<Overridden<T>>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Overridden<T> {
    pub value: T,
    pub at: Provenance,
}

impl<T> Fact<T> {
    pub fn new(value: T, at: Provenance) -> Self {
        Fact {
            value,
            at,
            overridden: Vec::new(),
        }
    }

    /// Replace the value with a more specific one, keeping the old one for `explain`.
    pub fn overridden_by(self, value: T, at: Provenance) -> Self {
        let mut overridden = self.overridden;
        overridden.push(Overridden {
            value: self.value,
            at: self.at,
        });
        Fact {
            value,
            at,
            overridden,
        }
    }

    pub fn map<U>(self, f: impl Fn(T) -> U) -> Fact<U> {
        Fact {
            value: f(self.value),
            at: self.at,
            overridden: self
                .overridden
                .into_iter()
                .map(|o| Overridden {
                    value: f(o.value),
                    at: o.at,
                })
                .collect(),
        }
    }
}

/// Layer a more specific optional fact over a less specific one (DESIGN.md §2: manifest
/// field > Dockerfile instruction > runtime default).
pub fn layer<T>(base: Option<Fact<T>>, specific: Option<Fact<T>>) -> Option<Fact<T>> {
    match (base, specific) {
        (Some(b), Some(s)) => {
            let mut overridden = b.overridden;
            overridden.push(Overridden {
                value: b.value,
                at: b.at,
            });
            overridden.extend(s.overridden);
            Some(Fact {
                value: s.value,
                at: s.at,
                overridden,
            })
        }
        (b, None) => b,
        (None, s) => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_path_is_one_shared_text() {
        let file: Arc<str> = Arc::from("k8s/web.yaml");
        let mark = Mark {
            file: 0,
            line: 3,
            column: 0,
        };
        let a = Provenance::manifest(&file, mark, format!("spec.containers[{}].env", 0));
        let b = Provenance::manifest(&file, mark, "spec.containers[0].env");
        let (a, b) = (a.location().unwrap(), b.location().unwrap());
        assert!(Arc::ptr_eq(&a.field, &b.field));
        assert_eq!(a, b);
        // Column 0 is "no column", as before.
        assert_eq!(a.column, None);
        let other = field("spec.containers[1].env");
        assert!(!Arc::ptr_eq(&a.field, &other) && *other == *"spec.containers[1].env");
    }

    #[test]
    fn display_is_file_line_field() {
        let file: Arc<str> = Arc::from("compose.yaml");
        let p = Provenance::manifest(
            &file,
            Mark {
                file: 0,
                line: 14,
                column: 7,
            },
            "services.web.ports[0]",
        );
        assert_eq!(p.to_string(), "compose.yaml:14 services.web.ports[0]");
        let v = p.clone().via(&Provenance::line(&file, 3, "x-common"));
        assert_eq!(
            v.to_string(),
            "compose.yaml:14 services.web.ports[0] via compose.yaml:3 x-common"
        );
        assert_eq!(
            Provenance::baseline("runtime minimum").to_string(),
            "baseline: runtime minimum"
        );
    }

    #[test]
    fn layering_keeps_the_loser() {
        let a = Fact::new(1, Provenance::baseline("a"));
        let b = Fact::new(2, Provenance::baseline("b"));
        let f = layer(Some(a), Some(b)).unwrap();
        assert_eq!(f.value, 2);
        assert_eq!(f.overridden[0].value, 1);
    }
}
