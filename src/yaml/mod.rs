//! YAML as cinch reads it: a tree where every node knows its line.
//!
//! Why our own tree: provenance needs the line of every value, through anchors, `<<` merge
//! keys and multi-document streams, and the limits of `crate::limits` must hold on hostile
//! input. serde_norway (the maintained serde_yaml fork) only reports positions in errors;
//! saphyr's `MarkedYaml` neither resolves merge keys nor bounds alias expansion. So we build
//! the tree from libyaml's marked events (`load`, which says why libyaml), type scalars as
//! the reader of the file's kind does (`json::typed`: go-yaml v3 for Compose, v2 for
//! Kubernetes), and decode typed structs from it with a serde `Deserializer` (`de`) that
//! reports positions and unknown fields.
//! serde_norway is still what we *write* YAML with.

pub mod de;
pub mod emit;
pub mod json;
mod load;
mod node;

pub use de::{DeError, UnknownField, from_node, from_node_at};
pub use load::{
    Document, LoadError, LoadErrorKind, load, load_as, load_file, load_skipping,
    quiet_reader_panics,
};
pub use node::{Mark, Node, Scalar, Style, Value};

use crate::diag::{Code, Diagnostic};

impl LoadError {
    /// As a diagnostic about `file`.
    pub fn to_diagnostic(&self, file: &str) -> Diagnostic {
        let code = match self.kind {
            LoadErrorKind::Syntax => Code::YamlSyntax,
            LoadErrorKind::Limit => Code::YamlLimit,
            LoadErrorKind::DuplicateKey => Code::DuplicateKey,
        };
        Diagnostic::error(code, file, self.mark.line, self.message.clone())
            .with_column(self.mark.column)
    }
}

impl DeError {
    /// As a diagnostic about `file`; `fallback` is used when the error has no position.
    pub fn to_diagnostic(&self, code: Code, file: &str, fallback: Mark) -> Diagnostic {
        let mark = self.mark.unwrap_or(fallback);
        Diagnostic::error(code, file, mark.line, self.to_string()).with_column(mark.column)
    }
}
