//! Diagnostics and errors.
//!
//! Two kinds of trouble, kept apart (as cargo-deny and just do):
//! - a [`Diagnostic`] is something wrong (or worth saying) about the user's input. It names
//!   the file and line, carries a stable [`Code`], and is *collected*: every frontend keeps
//!   going after the first one, so the user sees all problems of a run at once.
//! - an [`Error`] means cinch cannot go on (I/O, a template bug, bad usage). It ends the run.
//!
//! Exit codes (DESIGN.md §4): a run with any error-severity diagnostic exits 2, like bad usage.

pub mod fold;

use std::fmt;

use serde::Serialize;

/// How bad a diagnostic is. Errors stop output from being written; the rest go to stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        })
    }
}

macro_rules! codes {
    ($($variant:ident = $id:literal : $desc:literal,)*) => {
        /// Stable diagnostic codes. The id is what users grep for and suppress; never rename one.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($variant,)* }

        impl Code {
            /// Every code, in declaration order (a test snapshots this list).
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable kebab-case id.
            pub fn id(self) -> &'static str {
                match self { $(Code::$variant => $id,)* }
            }

            /// One line saying what the code means.
            pub fn description(self) -> &'static str {
                match self { $(Code::$variant => $desc,)* }
            }
        }
    };
}

codes! {
    Io = "io": "a file or directory could not be read",
    InputTooLarge = "input-too-large": "an input exceeds a size limit (see src/limits.rs)",
    Encoding = "encoding": "an input is not UTF-8 text or holds a control character",
    YamlSyntax = "yaml-syntax": "the YAML cannot be parsed",
    YamlLimit = "yaml-limit": "the YAML exceeds a structural limit (aliases, depth, documents)",
    DuplicateKey = "duplicate-key": "a mapping has the same key twice",
    WrongType = "wrong-type": "a field has the wrong type (a map where a list belongs, ...)",
    InvalidValue = "invalid-value": "a field's value is out of range or malformed",
    UnknownField = "unknown-field": "a field the format does not define (likely a typo)",
    Interpolation = "interpolation": "a ${VAR} expression cannot be evaluated",
    UnknownExtends = "unknown-extends": "a Compose `extends` names a service or file that does not exist",
    ExtendsCycle = "extends-cycle": "Compose `extends` entries form a cycle",
    Include = "include": "a Compose `include` names a file that cannot be read, forms a cycle, or redeclares a service",
    SkippedDocument = "skipped-document": "an input cinch does not read was skipped",
    Unresolved = "unresolved": "a reference names something the inputs do not define",
    Dockerfile = "dockerfile": "the Dockerfile cannot be parsed or evaluated",
    Kubernetes = "kubernetes": "a Kubernetes object cannot be decoded",
    Privileged = "privileged": "a privileged workload runs unconfined; no profile confines it",
    Unsafe = "unsafe-value": "a manifest value cannot be written safely into a profile",
    Spo = "spo": "a profile the Security Profiles Operator's object form cannot express exactly; no object is written for it",
    Output = "output": "the output directory cannot be written as asked",
    NetworkPolicy = "network-policy": "a declared connection a NetworkPolicy cannot allow as declared (host name, host networking, no shared network, no pod labels)",
    UndeclaredConnection = "undeclared-connection": "a Service port no workload is declared to reach, or a workload that declares no connection (what --undeclared allows for them)",
}

/// A finding about the user's input, with where it is.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Diagnostic {
    /// The file as displayed everywhere (see `input::SourceFile::display`).
    pub file: String,
    /// 1-based; 0 when the whole file is meant (e.g. it cannot be read).
    pub line: u32,
    /// 1-based; `None` when unknown.
    pub column: Option<u32>,
    pub severity: Severity,
    #[serde(serialize_with = "serialize_code")]
    pub code: Code,
    pub message: String,
}

/// Codes serialize as their stable id.
pub fn serialize_code<S: serde::Serializer>(code: &Code, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(code.id())
}

impl Diagnostic {
    pub fn new(severity: Severity, code: Code, file: &str, line: u32, message: String) -> Self {
        Diagnostic {
            file: file.to_owned(),
            line,
            column: None,
            severity,
            code,
            message,
        }
    }

    pub fn error(code: Code, file: &str, line: u32, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, file, line, message.into())
    }

    pub fn warning(code: Code, file: &str, line: u32, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, file, line, message.into())
    }

    pub fn note(code: Code, file: &str, line: u32, message: impl Into<String>) -> Self {
        Self::new(Severity::Note, code, file, line, message.into())
    }

    pub fn with_column(mut self, column: u32) -> Self {
        self.column = Some(column);
        self
    }
}

/// `file:line:col: severity[code]: message` — the shape editors and CI annotators parse.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:", self.file, self.line)?;
        if let Some(c) = self.column {
            write!(f, "{c}:")?;
        }
        write!(
            f,
            " {}[{}]: {}",
            self.severity,
            self.code.id(),
            self.message
        )
    }
}

/// The diagnostics of one run, in the order found; sorted before printing so output
/// does not depend on input order.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Forget everything pushed after the first `len` (work done only to compare).
    pub fn truncate(&mut self, len: usize) {
        self.items.truncate(len);
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Sorted by file, line, column, severity, and without exact duplicates.
    pub fn sorted(&self) -> Vec<Diagnostic> {
        let mut v = self.items.clone();
        v.sort();
        v.dedup();
        v
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.severity == Severity::Error)
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<T: IntoIterator<Item = Diagnostic>>(iter: T) -> Self {
        Diagnostics {
            items: iter.into_iter().collect(),
        }
    }
}

/// Why a run cannot continue. `main.rs` maps every variant to exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is wrong; the diagnostics say where. They have already been printed.
    #[error("{} error(s) in the input", .0.errors().count())]
    Input(Diagnostics),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Usage(String),
    #[error("output: {0}")]
    Output(String),
    #[error("internal: {0}")]
    Internal(String),
}

impl Error {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_list_is_stable() {
        let list: String = Code::ALL
            .iter()
            .map(|c| format!("{:<18} {}\n", c.id(), c.description()))
            .collect();
        crate::assert_snap!("diagnostic_codes", list);
    }

    #[test]
    fn display_names_file_line_and_code() {
        let d = Diagnostic::error(
            Code::InvalidValue,
            "compose.yaml",
            14,
            "port 70000 is out of range",
        )
        .with_column(9);
        assert_eq!(
            d.to_string(),
            "compose.yaml:14:9: error[invalid-value]: port 70000 is out of range"
        );
    }
}
