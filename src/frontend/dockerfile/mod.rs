//! The Dockerfile frontend: a Dockerfile, read as BuildKit reads it → the intent of a
//! container of the image it builds (USER, EXPOSE, VOLUME, WORKDIR, ENTRYPOINT/CMD,
//! HEALTHCHECK, SHELL, labels, `LABEL cinch.*` explicit intent), every fact with its line.
//!
//! Layers, each a file:
//! - `heredoc.rs`: here-documents, found before parsing (the crate misses most forms);
//!   `empty_exec.rs`: `ENTRYPOINT []`, which the crate rejects;
//! - parse-dockerfile 0.1.9: tokenising (directives, continuations, JSON vs shell form,
//!   flags, stages), errors with line and column;
//! - `kv.rs`: `ENV`/`LABEL`/`ARG` name/value splitting; `substitute.rs`: `${VAR}`;
//! - `eval.rs`: one instruction at a time onto a stage's image config;
//! - `stages.rs`: meta args, `FROM <stage>` inheritance, `--target`, stages needed;
//! - `intent.rs`: the target stage → `Container`; `build.rs`: a Compose `build:` → its
//!   Dockerfile (the pipeline calls it; the I/O goes through `input::read_text`).
//!
//! A lone Dockerfile is one workload of kind `Dockerfile`, named after its directory.
//! It names no image (its tag is not in the file); `base_images` lists the FROM images.

pub mod build;
mod comments;
mod empty_exec;
mod eval;
mod heredoc;
mod intent;
mod kv;
mod stages;
mod substitute;
mod text;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::input::SourceFile;
use crate::intent::{Container, Fragment, Provenance, Workload, WorkloadKind};

use super::Options;

/// How to build: the stage and the build args (`--target`, `--build-arg`, or a Compose
/// service's `build.target` / `build.args`).
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    pub target: Option<&'a str>,
    pub build_args: &'a BTreeMap<String, String>,
    /// Where the build args were given (a Compose `build:`); `None`: the command line.
    pub build_args_at: Option<&'a Provenance>,
}

/// One Dockerfile, evaluated for its target stage.
#[derive(Debug)]
pub struct Built {
    pub container: Container,
    /// The target stage's FROM line.
    pub at: Provenance,
    /// The stages built, their RUN commands and here-document files (for tests and review).
    pub steps: String,
}

/// Read and evaluate one Dockerfile. Problems go to `diags`; `None` when it cannot be read.
pub fn evaluate(
    text: &str,
    file: &Arc<str>,
    req: &Request<'_>,
    diags: &mut Diagnostics,
) -> Option<Built> {
    let mut prepared = match heredoc::prepare(text) {
        Ok(p) => p,
        Err((line, msg)) => {
            diags.push(Diagnostic::error(Code::Dockerfile, file, line, msg));
            return None;
        }
    };
    empty_exec::prepare(&mut prepared.text);
    let df = match parse_dockerfile::parse(&prepared.text) {
        Ok(df) => df,
        Err(e) => {
            // `{:#}`: the message without the crate's own "at line L column C".
            let msg = format!("{e:#}").replace(heredoc::MARK, "<");
            let line = u32::try_from(e.line()).unwrap_or(0).max(1);
            let mut d = Diagnostic::error(Code::Dockerfile, file, line, msg);
            if e.line() > 0 {
                d = d.with_column(u32::try_from(e.column()).unwrap_or(0));
            }
            diags.push(d);
            return None;
        }
    };
    let t = text::Text::new(Arc::clone(file), text, &prepared);
    let build = stages::Build {
        target: req.target,
        build_args: req.build_args,
        build_args_at: req.build_args_at,
    };
    let image = stages::evaluate(&df, &t, &build, diags)?;
    let steps = stages::describe(&image);
    let at = image.from_at.clone();
    let name = image.name.clone().unwrap_or_else(|| "main".to_owned());
    let mut container = intent::container(image, &name, diags);
    container
        .explicit
        .allow
        .extend(comments::allows(text, file, diags));
    Some(Built {
        container,
        at,
        steps,
    })
}

/// A lone Dockerfile → one workload.
pub fn lower(src: &SourceFile, opts: &Options, diags: &mut Diagnostics) -> Fragment {
    let req = Request {
        target: opts.target.as_deref(),
        build_args: &opts.build_args,
        build_args_at: None,
    };
    let Some(built) = evaluate(&src.text, &src.display, &req, diags) else {
        return Fragment::default();
    };
    let mut w = Workload::new(
        WorkloadKind::Dockerfile,
        "",
        workload_name(&src.display),
        built.at,
    );
    w.containers.push(built.container);
    Fragment {
        workloads: vec![w],
        ..Fragment::default()
    }
}

/// The Dockerfile's directory (`src/api/Dockerfile` → `src/api`); other names keep the file
/// name (`src/api/Dockerfile.debug`); a Dockerfile in the current directory is `dockerfile`.
pub fn workload_name(display: &str) -> String {
    let (dir, name) = display.rsplit_once('/').unwrap_or(("", display));
    let plain =
        name.eq_ignore_ascii_case("dockerfile") || name.eq_ignore_ascii_case("containerfile");
    match (plain, dir.is_empty()) {
        (true, true) => "dockerfile".to_owned(),
        (true, false) => dir.to_owned(),
        (false, _) => display.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workload_names() {
        assert_eq!(workload_name("src/api/Dockerfile"), "src/api");
        assert_eq!(
            workload_name("src/api/Dockerfile.debug"),
            "src/api/Dockerfile.debug"
        );
        assert_eq!(workload_name("Dockerfile"), "dockerfile");
        assert_eq!(workload_name("<stdin>"), "<stdin>");
    }
}
