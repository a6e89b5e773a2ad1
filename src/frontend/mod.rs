//! Frontends: one source in, intent facts out. A frontend never emits profiles and never
//! looks at other sources; linking them is the resolver's job.
//!
//! Dispatch: a Dockerfile goes to `dockerfile`; YAML is loaded once and each document goes
//! to the frontend its content names (`apiVersion` + `kind` → `kubernetes`, top-level
//! `services` → `compose`). A document no frontend understands is skipped with one line.

pub mod auditlog;
pub mod compose;
pub mod dockerfile;
pub mod explicit;
pub mod kubernetes;
pub mod reference;
pub mod words;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::input::{SourceFile, SourceKind};
use crate::intent::{Fragment, Manifest, ManifestFormat, PathSegment, SourceRef, Syntax};
use crate::yaml::json::{Schema, to_json};
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
    /// `--env-file` files, read: when given, Compose interpolation reads them instead of
    /// each project's `.env` (as `docker compose --env-file` does).
    pub env_files: Option<compose::EnvFiles>,
    /// Compose profiles to activate (`--profile`); empty: every service, whatever its
    /// profiles (DESIGN.md §8).
    pub profiles: Vec<String>,
    /// Keep each manifest's documents and where each container is declared
    /// (`Model::manifests`, `Container::source`): wiring patches copies of them. Off by
    /// default: it costs memory and time, and nothing else needs it.
    pub keep_documents: bool,
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

/// Kinds whose bodies cinch never reads; the YAML loader keeps only their head
/// (`apiVersion`, `kind`, `metadata`), which is all the "skipped" note needs — unless the
/// documents are kept to be written back whole (`wire`).
const SKIPPED_KINDS: &[&str] = &["CustomResourceDefinition"];

/// Lower one source into facts. Problems go to `diags`; what could be read is returned.
/// `overrides`: Compose override files merged into this source's Compose documents
/// (`compose::override_pairs`); they are not lowered on their own.
pub fn lower(
    src: &SourceFile,
    overrides: &[&SourceFile],
    opts: &Options,
    diags: &mut Diagnostics,
) -> Fragment {
    match src.kind {
        SourceKind::Dockerfile => dockerfile::lower(src, opts, diags),
        SourceKind::Compose | SourceKind::Yaml => {
            let skipped = if opts.keep_documents {
                &[][..]
            } else {
                SKIPPED_KINDS
            };
            let mut docs = match yaml::load_skipping(&src.text, skipped, Schema::Yaml12) {
                Ok(d) => d,
                Err(e) => match kubectl_reading(src, skipped, &e, diags) {
                    Some(docs) => docs,
                    None => {
                        diags.push(e.to_diagnostic(&src.display));
                        return Fragment::default();
                    }
                },
            };
            // A `<<` merge that kubectl's go-yaml v2 applies differently from compose-go's
            // v3 (rare): the Kubernetes documents are read again with v2's rules.
            let kubectl_reads_otherwise =
                |d: &yaml::Document| d.merges_differ && sniff(&d.root) == DocKind::Kubernetes;
            if docs.iter().any(kubectl_reads_otherwise) {
                match yaml::load_skipping(&src.text, skipped, Schema::Yaml11) {
                    Ok(v2) => {
                        for (d, again) in docs.iter_mut().zip(v2) {
                            if kubectl_reads_otherwise(d) {
                                *d = again;
                            }
                        }
                    }
                    // v2 decodes merged-over entries that v3 skips, and refuses a bad one.
                    Err(e) => {
                        diags.push(e.to_diagnostic(&src.display));
                        return Fragment::default();
                    }
                }
            }
            lower_yaml(src, docs, overrides, opts, diags)
        }
    }
}

/// A duplicate key refuses a Compose file (compose-go's go-yaml v3 refuses it) but not a
/// Kubernetes manifest: kubectl's go-yaml v2 keeps the last value without a word. So when the
/// compose-go reading fails on one, the stream is read as kubectl reads it, and taken if every
/// map with a duplicate key is in a Kubernetes document and no document is Compose. Each
/// duplicate is a warning: a missing `---` between two objects looks exactly like this, and
/// kubectl would apply only the last.
fn kubectl_reading(
    src: &SourceFile,
    skipped: &[&str],
    v3_error: &yaml::LoadError,
    diags: &mut Diagnostics,
) -> Option<Vec<Document>> {
    if v3_error.kind != yaml::LoadErrorKind::DuplicateKey {
        return None;
    }
    let docs = yaml::load_skipping(&src.text, skipped, Schema::Yaml11).ok()?;
    let kinds: Vec<DocKind> = docs.iter().map(|d| sniff(&d.root)).collect();
    let kubernetes_only = docs.iter().zip(&kinds).all(|(d, k)| {
        *k != DocKind::Compose && (d.duplicate_keys.is_empty() || *k == DocKind::Kubernetes)
    });
    if !kubernetes_only {
        return None;
    }
    for e in docs.iter().flat_map(|d| &d.duplicate_keys) {
        diags.push(
            Diagnostic::warning(
                Code::DuplicateKey,
                &src.display,
                e.mark.line,
                format!(
                    "{}; kubectl keeps the last value, and so does cinch. If two objects were \
                     meant, separate them with a `---` line; otherwise delete the first",
                    e.message
                ),
            )
            .with_column(e.mark.column),
        );
    }
    Some(docs)
}

/// A Compose file another input reads — its override file, or a file it `include`s (see
/// [`lower`]): nothing of its own to lower, but its documents are kept for wiring, which
/// writes a copy beside the base's.
pub fn keep_merged(src: &SourceFile, base: &SourceFile, opts: &Options) -> Fragment {
    let mut fragment = Fragment::default();
    if opts.keep_documents {
        // A syntax error is reported by the base that merges this file.
        if let Ok(docs) = yaml::load(&src.text) {
            let kinds: Vec<DocKind> = docs.iter().map(|d| sniff(&d.root)).collect();
            fragment
                .manifests
                .extend(keep(src, &docs, &kinds).map(|m| Manifest {
                    merged_into: Some(base.display.clone()),
                    ..m
                }));
        }
    }
    fragment
}

fn lower_yaml(
    src: &SourceFile,
    docs: Vec<Document>,
    overrides: &[&SourceFile],
    opts: &Options,
    diags: &mut Diagnostics,
) -> Fragment {
    let mut fragment = Fragment::default();
    let mut kubernetes = Vec::new();
    let mut any = false;
    let kinds: Vec<DocKind> = docs.iter().map(|d| sniff(&d.root)).collect();
    if opts.keep_documents {
        fragment.manifests.extend(keep(src, &docs, &kinds));
    }
    for (i, (doc, kind)) in docs.iter().zip(&kinds).enumerate() {
        match kind {
            DocKind::Compose => {
                any = true;
                let mut f = compose::lower(src, doc, overrides, opts, diags);
                if opts.keep_documents {
                    // A Compose workload is one service, declared at `services.<name>` of
                    // this document — or of an override file's first document, for a service
                    // only the override declares (its provenance names that file).
                    for w in &mut f.workloads {
                        let path = vec![
                            PathSegment::Key("services".into()),
                            PathSegment::Key(w.name.clone()),
                        ];
                        let (file, document) = match w.at.file() {
                            Some(f) if f != &*src.display => (Arc::from(f), 0),
                            _ => (src.display.clone(), i),
                        };
                        for c in &mut w.containers {
                            c.source = Some(SourceRef {
                                file: file.clone(),
                                document,
                                path: path.clone(),
                            });
                        }
                    }
                }
                fragment.extend(f);
            }
            DocKind::Kubernetes => {
                any = true;
                kubernetes.push((i, &doc.root));
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
        fragment.extend(kubernetes::lower(src, &kubernetes, opts, diags));
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

/// The documents of a Compose or Kubernetes file as generic values, typed for the tool that
/// reads the file (`yaml::json`): go-yaml v3 for Compose (compose-go), go-yaml v2 for
/// Kubernetes (kubectl). The Compose tree is the one *before* `${VAR}` interpolation, so a
/// patched copy keeps `${VAR}` and never bakes in this machine's environment.
fn keep(src: &SourceFile, docs: &[Document], kinds: &[DocKind]) -> Option<Manifest> {
    let format = if kinds.contains(&DocKind::Compose) {
        ManifestFormat::Compose
    } else if kinds.contains(&DocKind::Kubernetes) {
        ManifestFormat::Kubernetes
    } else {
        return None;
    };
    let schema = match format {
        ManifestFormat::Compose => Schema::Yaml12,
        ManifestFormat::Kubernetes => Schema::Yaml11,
    };
    let mut documents = Vec::with_capacity(docs.len());
    let mut dropped_tags = Vec::new();
    for d in docs {
        let c = to_json(&d.root, schema);
        documents.push(c.value);
        dropped_tags.extend(c.dropped_tags);
    }
    // JSON is YAML too; a file whose first character opens a JSON object or array is
    // written back as JSON (`kubectl get -o json`, generated manifests).
    let syntax = match src
        .text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .chars()
        .next()
    {
        Some('{' | '[') if documents.len() == 1 => Syntax::Json,
        _ => Syntax::Yaml,
    };
    Some(Manifest {
        file: src.display.clone(),
        format,
        syntax,
        documents,
        dropped_tags,
        merged_into: None,
    })
}
