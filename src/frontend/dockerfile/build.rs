//! A Compose `build:` → the Dockerfile it names, evaluated with the service's `build.args`
//! and `build.target`. Called by the pipeline (`lib.rs`) after every source was lowered;
//! the resolver then layers the service over the result (`resolve::image`).
//!
//! A missing context or Dockerfile is a warning, not an error: overlay Compose files name
//! contexts relative to another directory, and remote contexts (git URLs) are not fetched.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::input::{self, SourceFile};
use crate::intent::{BuildRef, Container, Fact};

use super::Request;

/// The image side of a service that builds its image.
#[derive(Debug)]
pub struct BuiltImage {
    pub container: Container,
    /// The Dockerfile on disk, canonical (so the directory walk does not read it again as a
    /// lone Dockerfile); `None` for `dockerfile_inline`.
    pub path: Option<PathBuf>,
}

/// Read and evaluate the Dockerfile of `build`. `inputs`: the input sources by canonical
/// path, so a Dockerfile that is also an input keeps the name (and text) it has there.
pub fn read(
    build: &Fact<BuildRef>,
    field: &str,
    inputs: &BTreeMap<&Path, &SourceFile>,
    diags: &mut Diagnostics,
) -> Option<BuiltImage> {
    let b = &build.value;
    let file = build.at.file().unwrap_or("<inputs>").to_owned();
    let line = build.at.line_no();
    let req = Request {
        target: b.target.as_deref(),
        build_args: &b.args,
        build_args_at: Some(&build.at),
    };
    if let Some(inline) = &b.inline {
        let display: Arc<str> = Arc::from(format!("{file}[{field}.dockerfile_inline]"));
        let built = super::evaluate(inline, &display, &req, diags)?;
        return Some(BuiltImage {
            container: built.container,
            path: None,
        });
    }
    if is_remote(&b.context) {
        diags.push(Diagnostic::note(
            Code::SkippedDocument,
            &file,
            line,
            format!(
                "{field}: remote build context {} is not fetched; the image's defaults are unknown",
                b.context
            ),
        ));
        return None;
    }
    let (path, display) = if Path::new(&b.dockerfile).is_absolute() {
        (PathBuf::from(&b.dockerfile), b.dockerfile.clone())
    } else {
        (
            b.dir.join(&b.context).join(&b.dockerfile),
            input::normalize(
                &Path::new(&b.dir_display)
                    .join(&b.context)
                    .join(&b.dockerfile),
            ),
        )
    };
    if !path.is_file() {
        diags.push(Diagnostic::warning(
            Code::Io,
            &file,
            line,
            format!(
                "{field}: Dockerfile {display} not found; the image's defaults (USER, EXPOSE, CMD, …) are unknown"
            ),
        ));
        return None;
    }
    let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
    let known = inputs.get(canonical.as_path());
    let (display, text): (Arc<str>, String) = match known {
        Some(s) => (Arc::clone(&s.display), s.text.clone()),
        None => match input::read_text(&path, &display) {
            Ok(t) => (Arc::from(display.as_str()), t),
            Err(d) => {
                diags.push(d);
                return None;
            }
        },
    };
    let built = super::evaluate(&text, &display, &req, diags)?;
    Some(BuiltImage {
        container: built.container,
        path: Some(canonical),
    })
}

/// Git and HTTP(S) contexts (`https://…`, `git@…`, `github.com/a/b.git#main`).
fn is_remote(context: &str) -> bool {
    context.contains("://")
        || context.starts_with("git@")
        || context.ends_with(".git")
        || context.contains(".git#")
}
