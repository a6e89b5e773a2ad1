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
pub mod diag;
pub mod frontend;
pub mod input;
pub mod intent;
pub mod limits;
pub mod output;
pub mod resolve;
pub mod yaml;

use std::collections::BTreeMap;
use std::io::{Read, Write};

use clap::Parser;

use crate::cli::{Cli, Command, GenerateArgs, InputArgs};
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
}

/// Run the command line; returns the exit code (0 ok, 1 findings, 2 bad input or usage).
pub fn run<I, T>(args: I, io: &mut Io<'_>) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = e.exit_code();
            let text = e.render().ansi().to_string();
            if code == 0 {
                let _ = write!(io.stdout, "{text}");
                return 0;
            }
            let _ = write!(io.stderr, "{text}");
            return 2;
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
            let model = load(&args.input, io)?;
            let mut json = serde_json::to_string_pretty(&model).map_err(|e| Error::Internal(e.to_string()))?;
            json.push('\n');
            io.stdout
                .write_all(json.as_bytes())
                .map_err(|e| Error::io("stdout", e))?;
            Ok(0)
        }
        Command::Generate(args) => generate(&args, io),
    }
}

/// Read the inputs into a linked model, printing diagnostics to stderr. Errors in the
/// input end the run with [`Error::Input`] after all of them were printed.
pub fn load(args: &InputArgs, io: &mut Io<'_>) -> Result<Model> {
    let mut diags = Diagnostics::new();
    let model = load_model(args, &io.env, io.stdin, &mut diags);
    print_diagnostics(&diags, io.stderr);
    if diags.has_errors() {
        return Err(Error::Input(diags));
    }
    Ok(model)
}

/// The pipeline up to the model, without printing.
pub fn load_model(
    args: &InputArgs,
    env: &BTreeMap<String, String>,
    stdin: &mut dyn Read,
    diags: &mut Diagnostics,
) -> Model {
    let inputs = if args.inputs.is_empty() { vec![".".to_owned()] } else { args.inputs.clone() };
    let sources = input::discover(&inputs, stdin, diags);
    let opts = frontend::Options {
        namespace: args.namespace.clone(),
        target: args.target.clone(),
        build_args: args.build_args.iter().cloned().collect(),
        project_name: args.project_name.clone(),
        env: env.clone(),
        profiles: args.profiles.clone(),
    };
    let fragments = sources.iter().map(|src| frontend::lower(src, &opts, diags)).collect();
    resolve::resolve(fragments, diags)
}

/// Every profile for the model, in memory.
pub fn render(model: &Model, opts: &backend::Options, diags: &mut Diagnostics) -> OutputTree {
    let mut tree = OutputTree::new();
    backend::emit(model, opts, &mut tree, diags);
    tree
}

fn backend_options(args: &GenerateArgs) -> backend::Options {
    let mut opts = backend::Options {
        complain: args.complain,
        ..backend::Options::default()
    };
    if !args.backends.is_empty() {
        opts.backends = args.backends.iter().copied().collect();
    }
    if !args.arches.is_empty() {
        opts.arches = args.arches.iter().copied().collect();
    }
    opts
}

fn generate(args: &GenerateArgs, io: &mut Io<'_>) -> Result<u8> {
    let model = load(&args.input, io)?;
    let mut diags = Diagnostics::new();
    let tree = render(&model, &backend_options(args), &mut diags);
    print_diagnostics(&diags, io.stderr);
    if diags.has_errors() {
        return Err(Error::Input(diags));
    }
    let report = output::write_tree(&args.output, &tree, output::WriteOptions::default())?;
    let _ = if report.unchanged {
        writeln!(io.stderr, "cinch: {} is up to date ({} files)", args.output.display(), tree.len())
    } else {
        writeln!(
            io.stderr,
            "cinch: wrote {} files to {}{}",
            report.written,
            args.output.display(),
            if report.removed.is_empty() { String::new() } else { format!(", removed {} stale", report.removed.len()) }
        )
    };
    Ok(0)
}

/// Diagnostics to stderr, sorted, one per line.
pub fn print_diagnostics(diags: &Diagnostics, stderr: &mut dyn Write) {
    for d in diags.sorted() {
        let _ = writeln!(stderr, "{d}");
    }
}
