//! The Kubernetes frontend: manifests (plain files, `kubectl`/kustomize/helm output) → one
//! workload per pod template, plus the Services, routes and ConfigMaps that link them.
//!
//! Stage 1 (this file): dispatch each document on `(apiVersion, kind)` and decode it into the
//! typed structs of `k8s-openapi` (feature `v1_34`, the Kubernetes 1.34 API) straight from
//! the marked tree (`yaml::from_node_at`), so decoding errors carry line and field path, and
//! unknown fields — which k8s-openapi would drop silently — become typo warnings. `List` and
//! `*List` documents are read item by item (`documents.rs`). Stage 2 (`pod.rs`,
//! `container.rs`, `objects.rs`): lowering into intent facts, each positioned through [`Loc`].
//!
//! k8s-openapi defaults a missing required field instead of failing (a Deployment without
//! `spec.template` decodes to an empty template), so the fields a workload cannot do without
//! are checked on the tree.

mod container;
mod custom;
mod defaults;
mod documents;
mod loc;
mod objects;
mod pod;
mod references;
mod security;
mod volumes;

use std::fmt::Display;
use std::sync::Arc;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::input::SourceFile;
use crate::intent::{Fragment, Provenance};
use crate::yaml::{self, Node};

use super::Options;
pub(crate) use loc::Loc;
pub(crate) use references::{expand, hosts};

/// State shared while lowering the documents of one file.
pub(crate) struct Ctx<'d> {
    pub file: Arc<str>,
    pub opts: &'d Options,
    pub diags: &'d mut Diagnostics,
    /// Index of the document being lowered in its file's stream (for `Container::source`).
    pub document: usize,
}

impl Ctx<'_> {
    pub fn at(&self, loc: &Loc<'_>) -> Provenance {
        Provenance::manifest(&self.file, loc.mark(), loc.path.clone())
    }

    fn push(
        &mut self,
        d: fn(Code, &str, u32, String) -> Diagnostic,
        code: Code,
        loc: &Loc<'_>,
        msg: impl Display,
    ) {
        let message = if loc.path.is_empty() {
            msg.to_string()
        } else {
            format!("{}: {msg}", loc.path)
        };
        let diag = d(code, &self.file, loc.line(), message).with_column(loc.mark().column);
        self.diags.push(diag);
    }

    pub fn error(&mut self, code: Code, loc: &Loc<'_>, msg: impl Display) {
        self.push(Diagnostic::error, code, loc, msg);
    }

    pub fn warn(&mut self, code: Code, loc: &Loc<'_>, msg: impl Display) {
        self.push(Diagnostic::warning, code, loc, msg);
    }

    pub fn note(&mut self, code: Code, loc: &Loc<'_>, msg: impl Display) {
        self.push(Diagnostic::note, code, loc, msg);
    }

    /// The namespace of an object: its own, else `--namespace`, else `default`.
    pub fn namespace(&mut self, meta: &ObjectMeta, meta_loc: &Loc<'_>) -> String {
        match &meta.namespace {
            Some(ns) => {
                if let Err(m) = crate::k8s_names::dns1123_label(ns) {
                    self.error(Code::InvalidValue, &meta_loc.key("namespace"), m);
                }
                ns.clone()
            }
            None => match &self.opts.namespace {
                Some(ns) => {
                    if let Err(m) = crate::k8s_names::dns1123_label(ns) {
                        self.error(Code::InvalidValue, meta_loc, format!("--namespace {m}"));
                    }
                    ns.clone()
                }
                None => "default".to_owned(),
            },
        }
    }

    /// `metadata.name`, checked with `rule`; `None` (and an error) when missing or invalid.
    pub fn name(
        &mut self,
        kind: &str,
        meta: &ObjectMeta,
        meta_loc: &Loc<'_>,
        rule: fn(&str) -> Result<(), String>,
    ) -> Option<String> {
        let Some(name) = &meta.name else {
            self.error(
                Code::Kubernetes,
                meta_loc,
                format!("a {kind} needs metadata.name"),
            );
            return None;
        };
        match rule(name) {
            Ok(()) => Some(name.clone()),
            Err(m) => {
                self.error(
                    Code::InvalidValue,
                    &meta_loc.key("name"),
                    format!("{kind} name {m}"),
                );
                None
            }
        }
    }
}

/// Decode a typed object from the tree; unknown fields become warnings (with the closest
/// known name), a decoding error becomes an error at its line.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    ctx: &mut Ctx<'_>,
    node: &Node,
    base: &str,
) -> Option<T> {
    match yaml::from_node_at::<T>(node, base, yaml::json::Schema::Yaml11) {
        Ok((value, unknown)) => {
            for u in unknown {
                let hint = u
                    .suggestion
                    .map(|s| format!("; did you mean {s}?"))
                    .unwrap_or_default();
                let at = if u.path.is_empty() {
                    String::new()
                } else {
                    format!("{}: ", u.path)
                };
                ctx.diags.push(
                    Diagnostic::warning(
                        Code::UnknownField,
                        &ctx.file,
                        u.mark.line,
                        format!("{at}unknown field {}{hint}", u.field),
                    )
                    .with_column(u.mark.column),
                );
            }
            Some(value)
        }
        Err(e) => {
            ctx.diags
                .push(e.to_diagnostic(Code::Kubernetes, &ctx.file, node.mark));
            None
        }
    }
}

/// Lower the Kubernetes documents of one source (each has `apiVersion` and `kind`), each
/// with its index in the file's stream.
pub fn lower(
    src: &SourceFile,
    docs: &[(usize, &Node)],
    opts: &Options,
    diags: &mut Diagnostics,
) -> Fragment {
    let mut ctx = Ctx {
        file: Arc::clone(&src.display),
        opts,
        diags,
        document: 0,
    };
    let mut fragment = Fragment::default();
    for (index, doc) in docs {
        ctx.document = *index;
        // kubectl turns each document into JSON before anything reads it; what has no JSON
        // form fails there, so it is an error here too (tests/yaml_oracle.rs).
        if let Some((node, why)) = yaml::json::kubectl_refuses(doc) {
            ctx.diags.push(
                Diagnostic::error(Code::YamlSyntax, &ctx.file, node.line(), why)
                    .with_column(node.mark.column),
            );
            continue;
        }
        documents::object(&mut ctx, doc, "", None, &mut fragment, 0);
    }
    fragment
}
