//! cinch: container manifests in, least-privilege security profiles out.
//!
//! The pipeline (DESIGN.md §1): `input` discovers and reads sources → `frontend` turns each
//! into intent facts → `resolve` links them into one `intent::Model` → `backend` turns the
//! model into typed profiles → `output` writes them. Only the intent model connects
//! frontends and backends.
//!
//! [`run`] is the whole command line, callable in-process (tests use it); `main.rs` only
//! hands it the real process I/O.

/// `insta::assert_snapshot!` with the snapshot stored in the top-level `snapshots/` folder
/// under exactly `name` (unit tests and integration tests share that folder).
#[macro_export]
macro_rules! assert_snap {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

pub mod backend;
pub mod cli;
pub mod color;
pub mod commands;
pub mod diag;
pub mod frontend;
pub mod input;
pub mod intent;
pub mod k8s_names;
pub mod limits;
pub mod output;
pub mod resolve;
pub mod version;
pub mod workflow;
pub mod yaml;

use std::collections::BTreeMap;
use std::io::{Read, Write};

use clap::Parser;

use crate::cli::{
    CheckArgs, Cli, Command, DiffArgs, DiffFormat, ExplainArgs, FailOn, GenerateArgs, GraphArgs,
    GraphFormat, InputArgs, LintArgs, LintFormat, ProfileArgs,
};
use crate::diag::{Diagnostics, Error, Result};
use crate::intent::Model;
use crate::output::OutputTree;

/// The process's I/O, passed in so the CLI can run in tests.
pub struct Io<'a> {
    pub stdin: &'a mut dyn Read,
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
    /// Environment for Compose `${VAR}` interpolation.
    pub env: BTreeMap<String, String>,
    /// stdout is a terminal and `NO_COLOR` is not set (`--color auto`, see `color`).
    pub color: bool,
    /// The same for stderr (clap's usage errors go there).
    pub stderr_color: bool,
    /// The process ends when `run` returns (the binary, not a test calling `run`): the
    /// model is then left to the OS, see [`Io::release`].
    pub process_exits: bool,
}

impl Io<'_> {
    /// Done with a run's model. Freeing 10,000 workloads' model one allocation at a time
    /// takes 0.1 s at the end of `generate` (issue 17); when the process exits right after,
    /// the OS takes the memory back at once, so the binary does not free it.
    fn release(&self, model: Model) {
        if self.process_exits {
            std::mem::forget(model);
        } else {
            drop(model);
        }
    }
}

/// Run the command line; returns the exit code (0 ok, 1 findings, 2 bad input or usage).
pub fn run<I, T>(args: I, io: &mut Io<'_>) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
    let choice = color::requested(&args);
    io.color = color::enabled(choice, io.color);
    io.stderr_color = color::enabled(choice, io.stderr_color);
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // Help and --version (exit 0) go to stdout, usage errors to stderr: each styled
            // only when its own stream is to be coloured.
            let code = e.exit_code();
            let (out, styled) = if code == 0 {
                (&mut *io.stdout, io.color)
            } else {
                (&mut *io.stderr, io.stderr_color)
            };
            let rendered = e.render();
            let _ = if styled {
                write!(out, "{}", rendered.ansi())
            } else {
                write!(out, "{rendered}")
            };
            return if code == 0 { 0 } else { 2 };
        }
    };
    match dispatch(cli, io) {
        Ok(code) => code,
        Err(Error::Input(_)) => 2,
        Err(e) => {
            let _ = writeln!(io.stderr, "cinch: error: {e}");
            2
        }
    }
}

fn dispatch(cli: Cli, io: &mut Io<'_>) -> Result<u8> {
    match cli.command {
        Command::Inspect(args) => {
            // What could be read is printed even when some inputs have errors (exit 2).
            let (mut model, errors) = load_partial(&args.input, io);
            // Streamed: the pretty JSON of 10,000 workloads is hundreds of MB as one String.
            let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut *io.stdout);
            workflow::inspect::write_pretty(&mut model, &mut out).map_err(|e| {
                match e.io_error_kind() {
                    Some(_) => Error::io("stdout", e.into()),
                    None => Error::Internal(e.to_string()),
                }
            })?;
            out.flush().map_err(|e| Error::io("stdout", e))?;
            drop(out);
            io.release(model);
            Ok(if errors.is_empty() { 0 } else { 2 })
        }
        Command::Generate(args) => generate(&args, io),
        Command::Wire(mut args) => {
            args.profiles.wire = true;
            generate(&args, io)
        }
        Command::Check(args) => check(&args, io),
        Command::Diff(args) => diff(&args, io),
        Command::Explain(args) => explain(args, io),
        Command::Graph(args) => graph(&args, io),
        Command::Lint(args) => lint(&args, io),
        Command::Audit(args) => commands::audit::run(&args, io),
        Command::Completions { shell } => commands::shell::completions(shell, io.stdout),
        Command::Man { dir } => commands::shell::man(dir.as_deref(), io.stdout),
    }
}

fn lint(args: &LintArgs, io: &mut Io<'_>) -> Result<u8> {
    use workflow::lint::{Deny, Rule};
    let mut deny = Deny::default();
    for d in &args.deny {
        if d == "warnings" {
            deny.warnings = true;
        } else if let Some(rule) = Rule::from_id(d) {
            deny.rules.insert(rule);
        } else {
            let known: Vec<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
            return Err(Error::Usage(format!(
                "--deny {d}: no such rule (rules: {}; or `warnings`)",
                known.join(", ")
            )));
        }
    }
    let (model, errors) = load_partial(&args.input, io);
    let mut report = workflow::lint::lint(&model);
    report.errors = errors;
    let text = match args.format {
        LintFormat::Text => report.text(&deny),
        LintFormat::Json => report.json(),
        LintFormat::Sarif => report.sarif(),
    };
    io.stdout
        .write_all(text.as_bytes())
        .map_err(|e| Error::io("stdout", e))?;
    if !report.errors.is_empty() {
        return Ok(2);
    }
    Ok(u8::from(report.failed(&deny)))
}

/// Read the inputs into a linked model, printing diagnostics to stderr. Errors in the
/// input end the run with [`Error::Input`] after all of them were printed.
pub fn load(args: &InputArgs, io: &mut Io<'_>) -> Result<Model> {
    load_in(None, args, io)
}

fn load_in(root: Option<&std::path::Path>, args: &InputArgs, io: &mut Io<'_>) -> Result<Model> {
    let (model, diags) = load_printed(root, args, io);
    if diags.has_errors() {
        return Err(Error::Input(diags));
    }
    Ok(model)
}

/// The model, with every diagnostic printed to stderr and returned.
fn load_printed(
    root: Option<&std::path::Path>,
    args: &InputArgs,
    io: &mut Io<'_>,
) -> (Model, Diagnostics) {
    let mut diags = Diagnostics::new();
    let model = load_model_in(root, args, &io.env, io.stdin, &mut diags);
    print_diagnostics(&diags, args.verbose, io.stderr);
    (model, diags)
}

/// Read the inputs for a command that reports what it could read (`lint`, `inspect`; issue
/// 21, point 2): the model of every file without errors, and the errors (printed with the
/// other diagnostics). A tree of profiles is never written from this (`load` is
/// all-or-nothing).
fn load_partial(args: &InputArgs, io: &mut Io<'_>) -> (Model, Vec<diag::Diagnostic>) {
    let (model, diags) = load_printed(None, args, io);
    let errors = diags
        .sorted()
        .into_iter()
        .filter(|d| d.severity == diag::Severity::Error);
    (model, errors.collect())
}

/// The pipeline up to the model, without printing.
pub fn load_model(
    args: &InputArgs,
    env: &BTreeMap<String, String>,
    stdin: &mut dyn Read,
    diags: &mut Diagnostics,
) -> Model {
    load_model_in(None, args, env, stdin, diags)
}

/// [`load_model`] with relative inputs read under `root` (see `input::discover_in`).
pub fn load_model_in(
    root: Option<&std::path::Path>,
    args: &InputArgs,
    env: &BTreeMap<String, String>,
    stdin: &mut dyn Read,
    diags: &mut Diagnostics,
) -> Model {
    let inputs = if args.inputs.is_empty() {
        vec![".".to_owned()]
    } else {
        args.inputs.clone()
    };
    let shown_from = std::env::current_dir()
        .ok()
        .map(|cwd| input::root::display_root(args.root.as_deref(), &cwd));
    let sources = input::discover_in(root, shown_from.as_deref(), &inputs, stdin, diags);
    // Compose `${VAR}` values come from the repository (`.env`, `env_file`) and the command
    // line (`--env-file`, `--env`), and from the shell only with --inherit-env: the same
    // repository gives the same profiles on a laptop and in CI (issue 21, point 3).
    let mut env: BTreeMap<String, String> = if args.inherit_env {
        env.clone()
    } else {
        BTreeMap::new()
    };
    env.extend(args.env.iter().cloned());
    let env = &env;
    let opts = frontend::Options {
        namespace: args.namespace.clone(),
        target: args.target.clone(),
        build_args: args.build_args.iter().cloned().collect(),
        project_name: args.project_name.clone(),
        env: env.clone(),
        env_files: env_files(&args.env_files, shown_from.as_deref(), env, diags),
        profiles: args.profiles.clone(),
        keep_documents: args.keep_documents,
    };
    let (dockerfiles, manifests): (Vec<_>, Vec<_>) = sources
        .into_iter()
        .partition(|s| s.kind == input::SourceKind::Dockerfile);
    let mut fragments = lower_all(manifests, &opts, diags);
    let built = link_builds(&mut fragments, &dockerfiles, diags);
    // A Dockerfile a Compose service builds was read there, with the service's args.
    let lone: Vec<input::SourceFile> = dockerfiles
        .into_iter()
        .filter(|src| !src.canonical.as_ref().is_some_and(|p| built.contains(p)))
        .collect();
    fragments.extend(lower_all(lone, &opts, diags));
    // A file with errors is left out whole, so it cannot shadow or qualify a good file's
    // names: `lint` and `inspect` report the rest (issue 21, point 2); `generate` and
    // `check` stop on the errors anyway.
    let bad: std::collections::BTreeSet<String> = diags.errors().map(|d| d.file.clone()).collect();
    if !bad.is_empty() {
        for f in &mut fragments {
            f.drop_files(&bad);
        }
    }
    resolve::resolve(fragments, diags)
}

/// `--env-file` files, read once. A path is opened as given (relative to the working
/// directory, also with `diff --git-base`: the files hold the environment, not the inputs)
/// and named from the display root, like the inputs;
/// one that cannot be read is an error naming it. `None` when none is given.
fn env_files(
    paths: &[std::path::PathBuf],
    shown_from: Option<&std::path::Path>,
    env: &BTreeMap<String, String>,
    diags: &mut Diagnostics,
) -> Option<frontend::compose::EnvFiles> {
    if paths.is_empty() {
        return None;
    }
    let mut files = Vec::new();
    for path in paths {
        let display = input::display_of_arg(&path.to_string_lossy(), shown_from);
        // A pipe is fine (`--env-file <(vault read …)`), as for docker compose.
        match input::read_input(path, &display) {
            Ok(text) => files.push((display, text)),
            Err(d) => diags.push(diag::Diagnostic {
                message: format!("--env-file {display}: {}", d.message),
                ..d
            }),
        }
    }
    Some(frontend::compose::EnvFiles::parse(&files, env, diags))
}

/// Every source through its frontend. Sources are independent (a frontend never looks at
/// another source), so they are lowered in parallel; results keep the sources' order.
/// The one exception: a Compose file another input reads — an override file merged into
/// its base (`frontend::compose::override_pairs`), or a file another input `include`s
/// (`frontend::compose::included_by`) — is read by that input's frontend, not on its own.
///
/// The sources are consumed: a source no other one reads is dropped as soon as it is
/// lowered, so the input text is not held beside the whole model at the peak of the run
/// (issue 17: 24 MB of 10,000 realistic workloads).
fn lower_all(
    sources: Vec<input::SourceFile>,
    opts: &frontend::Options,
    diags: &mut Diagnostics,
) -> Vec<intent::Fragment> {
    use rayon::prelude::*;
    let refs: Vec<&input::SourceFile> = sources.iter().collect();
    let pairs = frontend::compose::override_pairs(&refs);
    let mut merged_into: BTreeMap<usize, usize> = pairs.iter().map(|(&b, &o)| (o, b)).collect();
    for (included, by) in frontend::compose::included_by(&refs) {
        merged_into.entry(included).or_insert(by);
    }
    drop(refs);
    // Every override pair is in `merged_into` too (override → base).
    let linked: std::collections::BTreeSet<usize> =
        merged_into.iter().flat_map(|(&a, &b)| [a, b]).collect();
    let (alone, kept): (Vec<_>, Vec<_>) = sources
        .into_iter()
        .enumerate()
        .partition(|(i, _)| !linked.contains(i));
    let kept: BTreeMap<usize, input::SourceFile> = kept.into_iter().collect();
    let mut results: Vec<(usize, intent::Fragment, Diagnostics)> = alone
        .into_par_iter()
        .map(|(i, src)| {
            let mut d = Diagnostics::new();
            let mut f = frontend::lower(&src, &[], opts, &mut d);
            f.scope = src.scope.clone();
            (i, f, d)
        })
        .collect();
    results.par_extend(kept.par_iter().map(|(&i, src)| {
        let mut d = Diagnostics::new();
        let mut f = if let Some(base) = merged_into.get(&i) {
            frontend::keep_merged(src, &kept[base], opts)
        } else {
            let overrides: Vec<&input::SourceFile> =
                pairs.get(&i).map(|o| &kept[o]).into_iter().collect();
            frontend::lower(src, &overrides, opts, &mut d)
        };
        f.scope = src.scope.clone();
        (i, f, d)
    }));
    results.sort_by_key(|(i, ..)| *i);
    results
        .into_iter()
        .map(|(_, f, d)| {
            diags.extend(d);
            f
        })
        .collect()
}

/// Compose `build:` → read the Dockerfile it names and layer the service over its target
/// stage (DESIGN.md §1: the resolver links, it reads no files; so the reading is here).
/// Returns the Dockerfiles read, canonical.
fn link_builds(
    fragments: &mut [intent::Fragment],
    sources: &[input::SourceFile],
    diags: &mut Diagnostics,
) -> std::collections::BTreeSet<std::path::PathBuf> {
    use rayon::prelude::*;
    // The Dockerfiles among the inputs by canonical path, so a built Dockerfile that is also
    // an input keeps its name (other inputs' text is gone: `lower_all`).
    let by_path: std::collections::BTreeMap<&std::path::Path, &input::SourceFile> = sources
        .iter()
        .filter_map(|s| s.canonical.as_deref().map(|p| (p, s)))
        .collect();
    // Each service reads its own Dockerfile: in parallel, diagnostics kept in service order.
    let services: Vec<&mut intent::Workload> = fragments
        .iter_mut()
        .flat_map(|f| f.workloads.iter_mut())
        .filter(|w| w.kind == intent::WorkloadKind::ComposeService)
        .collect();
    let results: Vec<(Vec<std::path::PathBuf>, Diagnostics)> = services
        .into_par_iter()
        .map(|w| {
            let mut read = Vec::new();
            let mut d = Diagnostics::new();
            let field = format!("services.{}.build", w.name);
            for c in &mut w.containers {
                let Some(build) = &c.build else { continue };
                let Some(image) =
                    frontend::dockerfile::build::read(build, &field, &by_path, &mut d)
                else {
                    continue;
                };
                read.extend(image.path);
                let service =
                    std::mem::replace(c, intent::Container::new("", intent::ContainerRole::Main));
                *c = resolve::image::layer_image(image.container, service);
            }
            (read, d)
        })
        .collect();
    let mut read = std::collections::BTreeSet::new();
    for (paths, d) in results {
        read.extend(paths);
        diags.extend(d);
    }
    read
}

/// One source from memory through the whole pipeline to the profile tree, without I/O:
/// what the fuzz targets and property tests drive. `kind: None` sniffs the content as stdin
/// does. Returns the tree, or the diagnostics when the input has errors.
pub fn generate_from_bytes(
    display: &str,
    kind: Option<input::SourceKind>,
    bytes: &[u8],
) -> std::result::Result<(Model, OutputTree), Diagnostics> {
    let mut diags = Diagnostics::new();
    let text = match input::decode(bytes.to_vec(), display) {
        Ok(t) => t,
        Err(d) => {
            diags.push(d);
            return Err(diags);
        }
    };
    let kind = kind.unwrap_or_else(|| input::kind_from_content(&text));
    let src = input::SourceFile::from_text(display, kind, text);
    let opts = frontend::Options {
        project_name: Some("fuzz".into()),
        ..frontend::Options::default()
    };
    let fragment = frontend::lower(&src, &[], &opts, &mut diags);
    let model = resolve::resolve(vec![fragment], &mut diags);
    if diags.has_errors() {
        return Err(diags);
    }
    let tree = render(&model, &backend::Options::default(), &mut diags);
    if diags.has_errors() {
        return Err(diags);
    }
    Ok((model, tree))
}

/// Every profile for the model, in memory.
pub fn render(model: &Model, opts: &backend::Options, diags: &mut Diagnostics) -> OutputTree {
    render_into(model, opts, OutputTree::new(), diags)
}

/// Every profile for the model, into `tree` (in memory, or spilling into a stage).
pub fn render_into(
    model: &Model,
    opts: &backend::Options,
    mut tree: OutputTree,
    diags: &mut Diagnostics,
) -> OutputTree {
    backend::emit(model, opts, &mut tree, diags);
    tree
}

fn backend_options(args: &ProfileArgs) -> Result<backend::Options> {
    let mut opts = backend::Options {
        complain: args.complain,
        wire: args.wire || args.spo,
        spo: args.spo,
        ..backend::Options::default()
    };
    if !args.backends.is_empty() {
        opts.backends = args.backends.iter().copied().collect();
    }
    let np = &mut opts.networkpolicy;
    np.ingress_from = args.ingress_from.clone();
    np.dns = backend::networkpolicy::Options::dns_from(&args.dns).map_err(Error::Usage)?;
    np.default_deny = args.default_deny;
    np.undeclared = args.undeclared;
    if let Some(key) = &args.compose_label {
        np.compose_label = key.clone();
    }
    if !args.arches.is_empty() {
        opts.arches = args.arches.iter().copied().collect();
    }
    Ok(opts)
}

/// Load and render: the profile tree the inputs produce, in memory.
fn build_tree(input: &InputArgs, profiles: &ProfileArgs, io: &mut Io<'_>) -> Result<OutputTree> {
    build_tree_in(None, input, profiles, None, io)
}

fn build_tree_in(
    root: Option<&std::path::Path>,
    input: &InputArgs,
    profiles: &ProfileArgs,
    output: Option<&std::path::Path>,
    io: &mut Io<'_>,
) -> Result<OutputTree> {
    let (model, opts) = prepare(root, input, profiles, output, io)?;
    render_checked(&model, &opts, OutputTree::new(), input.verbose, io)
}

/// Read the inputs and check the options: everything before the first profile is made, so
/// that bad input is reported before the output directory is touched. `output`: the
/// directory the tree will be written to (wired Compose files name profiles relative to it).
fn prepare(
    root: Option<&std::path::Path>,
    input: &InputArgs,
    profiles: &ProfileArgs,
    output: Option<&std::path::Path>,
    io: &mut Io<'_>,
) -> Result<(Model, backend::Options)> {
    let mut opts = backend_options(profiles)?;
    // Named from the same root as the inputs, so the path from a wired Compose file's
    // directory to the tree is right wherever cinch runs (input::root).
    opts.output_dir = output.map(|o| match std::env::current_dir() {
        Ok(cwd) => {
            let from = input::root::display_root(input.root.as_deref(), &cwd);
            std::path::PathBuf::from(input::root::shown(o, &cwd, &from))
        }
        Err(_) => o.to_path_buf(),
    });
    // Wiring patches copies of the source documents: only then are they kept.
    let mut input = input.clone();
    input.keep_documents |= profiles.wire || profiles.spo;
    let model = load_in(root, &input, io)?;
    Ok((model, opts))
}

/// Render into `tree` (in memory, or spilling into a stage); errors end the run.
fn render_checked(
    model: &Model,
    opts: &backend::Options,
    tree: OutputTree,
    verbose: bool,
    io: &mut Io<'_>,
) -> Result<OutputTree> {
    let mut diags = Diagnostics::new();
    let tree = render_into(model, opts, tree, &mut diags);
    print_diagnostics(&diags, verbose, io.stderr);
    if diags.has_errors() {
        return Err(Error::Input(diags));
    }
    if let Some(e) = tree.error() {
        return Err(Error::Output(e.to_owned()));
    }
    Ok(tree)
}

fn check(args: &CheckArgs, io: &mut Io<'_>) -> Result<u8> {
    // Each file is compared as it is rendered; neither tree is ever whole in memory.
    let (model, opts) = prepare(None, &args.input, &args.profiles, Some(&args.output), io)?;
    let comparison = std::sync::Arc::new(output::Comparison::begin(&args.output)?);
    let tree = OutputTree::comparing(std::sync::Arc::clone(&comparison));
    let tree = render_checked(&model, &opts, tree, args.input.verbose, io)?;
    io.release(model);
    let report = workflow::check::report(&args.output, tree.files.keys(), &comparison, io.color)?;
    io.stdout
        .write_all(report.text(&args.output).as_bytes())
        .map_err(|e| Error::io("stdout", e))?;
    Ok(if report.clean() { 0 } else { 1 })
}

fn diff(args: &DiffArgs, io: &mut Io<'_>) -> Result<u8> {
    let (old, new) = match &args.git_base {
        Some(rev) => {
            let base = workflow::git::checkout(rev)?;
            let old = build_tree_in(Some(&base.root), &args.input, &args.profiles, None, io)?;
            (old, build_tree(&args.input, &args.profiles, io)?)
        }
        None => {
            let [old, new] = args.input.inputs.as_slice() else {
                return Err(Error::Usage(
                    "cinch diff takes OLD NEW (or --git-base REF [INPUTS…])".into(),
                ));
            };
            let side = |path: &str, io: &mut Io<'_>| -> Result<OutputTree> {
                let dir = std::path::Path::new(path);
                if !args.as_inputs && dir.join(output::MANIFEST).is_file() {
                    let mut tree = OutputTree::new();
                    tree.files = output::read_generated(dir)?;
                    Ok(tree)
                } else {
                    let input = InputArgs {
                        inputs: vec![path.to_owned()],
                        ..args.input.clone()
                    };
                    build_tree(&input, &args.profiles, io)
                }
            };
            (side(old, io)?, side(new, io)?)
        }
    };
    let report = workflow::diff::diff(&old, &new);
    let text = match args.format {
        DiffFormat::Text => report.text(),
        DiffFormat::Markdown => report.markdown(),
        DiffFormat::Json => report.json(),
    };
    io.stdout
        .write_all(text.as_bytes())
        .map_err(|e| Error::io("stdout", e))?;
    Ok(match args.fail_on {
        Some(FailOn::Widen) if report.widened() => 1,
        Some(FailOn::Widen) | None => 0,
    })
}

fn explain(mut args: ExplainArgs, io: &mut Io<'_>) -> Result<u8> {
    let Some(workload) = args.input.inputs.pop() else {
        return Err(Error::Usage(
            "cinch explain [INPUTS…] WORKLOAD: name the workload".into(),
        ));
    };
    let model = load(&args.input, io)?;
    let mut diags = Diagnostics::new();
    let tree = render(&model, &backend_options(&args.profiles)?, &mut diags);
    print_diagnostics(&diags, args.input.verbose, io.stderr);
    let query = workflow::explain::Query {
        workload: &workload,
        container: args.container.as_deref(),
        backend: match args.profiles.backends.as_slice() {
            [one] => Some(*one),
            _ => None,
        },
    };
    let text = workflow::explain::explain(&model, &tree, &query).map_err(Error::Usage)?;
    io.stdout
        .write_all(text.as_bytes())
        .map_err(|e| Error::io("stdout", e))?;
    Ok(0)
}

fn graph(args: &GraphArgs, io: &mut Io<'_>) -> Result<u8> {
    let mut profiles = args.profiles.clone();
    profiles.backends = vec![backend::Backend::Networkpolicy];
    let tree = build_tree(&args.input, &profiles, io)?;
    let edges: Vec<workflow::diff::Edge> =
        workflow::facts::connections(&workflow::facts::read_tree(&tree))
            .into_iter()
            .map(|c| workflow::diff::Edge::from_connection(c, false))
            .collect();
    let text = match args.format {
        GraphFormat::Mermaid => workflow::diff::mermaid(&edges),
        GraphFormat::Dot => workflow::diff::dot(&edges),
    };
    io.stdout
        .write_all(text.as_bytes())
        .map_err(|e| Error::io("stdout", e))?;
    Ok(0)
}

fn generate(args: &GenerateArgs, io: &mut Io<'_>) -> Result<u8> {
    // Files go into a stage beside the output directory as they are rendered (not held in
    // memory), and the stage is swapped in at the end; on any error it is removed.
    let (model, opts) = prepare(None, &args.input, &args.profiles, Some(&args.output), io)?;
    if model.workloads.is_empty() {
        // Not an error (an empty tree is a valid result), but nearly always a wrong path.
        let _ = writeln!(
            io.stderr,
            "cinch: warning: no workload in {}; name the files or directories that hold your \
             Dockerfiles, Compose files or Kubernetes manifests",
            shown_inputs(&args.input)
        );
    }
    let staging = std::sync::Arc::new(output::Staging::begin(&args.output)?);
    let tree = OutputTree::spilling(std::sync::Arc::clone(&staging));
    let mut tree = render_checked(&model, &opts, tree, args.input.verbose, io)?;
    io.release(model);
    let files: std::collections::BTreeSet<String> =
        std::mem::take(&mut tree.files).into_keys().collect();
    drop(tree);
    let staging = std::sync::Arc::try_unwrap(staging)
        .map_err(|_| Error::Internal("the output stage is still in use".into()))?;
    let report = staging.finish(&files, output::WriteOptions::default())?;
    let _ = if report.unchanged {
        writeln!(
            io.stderr,
            "cinch: {} is up to date ({} files)",
            args.output.display(),
            files.len()
        )
    } else {
        writeln!(
            io.stderr,
            "cinch: wrote {} files to {}{}",
            report.written,
            args.output.display(),
            if report.removed.is_empty() {
                String::new()
            } else {
                format!(", removed {} stale", report.removed.len())
            }
        )
    };
    Ok(0)
}

/// The INPUTS as the user gave them, for a message (`.` when none were).
fn shown_inputs(input: &InputArgs) -> String {
    if input.inputs.is_empty() {
        ".".to_owned()
    } else {
        input.inputs.join(" ")
    }
}

/// Diagnostics to stderr, sorted, one per line; long runs folded unless `verbose`
/// (`diag::fold`).
pub fn print_diagnostics(diags: &Diagnostics, verbose: bool, stderr: &mut dyn Write) {
    let sorted = diags.sorted();
    let mut out = std::io::BufWriter::new(stderr);
    for line in diag::fold::fold(&sorted, verbose) {
        let _ = writeln!(out, "{line}");
    }
}
