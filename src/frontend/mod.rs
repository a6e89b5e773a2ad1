//! Frontends: one source in, intent facts out. A frontend never emits profiles and never
//! looks at other sources; linking them is the resolver's job.
//!
//! Dispatch: a Dockerfile goes to `dockerfile`; YAML is loaded once and each document goes
//! to the frontend its content names (`apiVersion` + `kind` → `kubernetes`, top-level
//! `services` → `compose`). A document no frontend understands is skipped with one line.

pub mod compose;
pub mod dockerfile;
pub mod explicit;
pub mod kubernetes;
pub mod reference;
pub mod words;

use std::collections::BTreeMap;

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::input::{SourceFile, SourceKind};
use crate::intent::Fragment;
use crate::yaml::{self, Document, Node};

/// Options that change how sources are read (from the command line).
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Kubernetes namespace for objects without one (`--namespace`; else `default`).
    pub namespace: Option<String>,
    /// Dockerfile stage to build (`--target`; else the last stage).
    pub target: Option<String>,
    /// Dockerfile build args (`--build-arg K=V`).
    pub build_args: BTreeMap<String, String>,
    /// Compose project name (`--project-name`; else `name:` or the directory name).
    pub project_name: Option<String>,
    /// The environment `${VAR}` interpolation reads (the process environment from the CLI;
    /// empty in tests, so results do not depend on the machine).
    pub env: BTreeMap<String, String>,
    /// Compose profiles to activate (`--profile`); empty: every service, whatever its
    /// profiles (DESIGN.md §8).
    pub profiles: Vec<String>,
}

/// What a YAML document is, judged by its top-level keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocKind {
    Kubernetes,
    Compose,
    Empty,
    Unknown,
}

pub fn sniff(doc: &Node) -> DocKind {
    if doc.is_null() {
        return DocKind::Empty;
    }
    if doc.as_map().is_none() {
        return DocKind::Unknown;
    }
    if doc.get("apiVersion").is_some() && doc.get("kind").is_some() {
        DocKind::Kubernetes
    } else if doc.get("services").is_some() {
        DocKind::Compose
    } else {
        DocKind::Unknown
    }
}

/// Lower one source into facts. Problems go to `diags`; what could be read is returned.
pub fn lower(src: &SourceFile, opts: &Options, diags: &mut Diagnostics) -> Fragment {
    match src.kind {
        SourceKind::Dockerfile => dockerfile::lower(src, opts, diags),
        SourceKind::Compose | SourceKind::Yaml => {
            let docs = match yaml::load(&src.text) {
                Ok(d) => d,
                Err(e) => {
                    diags.push(e.to_diagnostic(&src.display));
                    return Fragment::default();
                }
            };
            lower_yaml(src, docs, opts, diags)
        }
    }
}

fn lower_yaml(
    src: &SourceFile,
    docs: Vec<Document>,
    opts: &Options,
    diags: &mut Diagnostics,
) -> Fragment {
    let mut fragment = Fragment::default();
    let mut kubernetes = Vec::new();
    let mut any = false;
    for doc in docs {
        match sniff(&doc.root) {
            DocKind::Compose => {
                any = true;
                fragment.extend(compose::lower(src, &doc, opts, diags));
            }
            DocKind::Kubernetes => {
                any = true;
                kubernetes.push(doc);
            }
            DocKind::Empty => {}
            DocKind::Unknown => {
                if src.kind == SourceKind::Compose {
                    diags.push(Diagnostic::error(
                        Code::WrongType,
                        &src.display,
                        doc.root.line(),
                        format!(
                            "a Compose file must be a map with `services`; found {}",
                            doc.root.kind()
                        ),
                    ));
                    any = true;
                }
            }
        }
    }
    if !kubernetes.is_empty() {
        let roots: Vec<&Node> = kubernetes.iter().map(|d| &d.root).collect();
        fragment.extend(kubernetes::lower(src, &roots, opts, diags));
    }
    if !any {
        diags.push(Diagnostic::note(
            Code::SkippedDocument,
            &src.display,
            1,
            "skipped: neither a Compose file nor a Kubernetes manifest",
        ));
    }
    fragment
}
