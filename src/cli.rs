//! The command line (clap derive). Parsing only: `lib.rs` runs what it describes.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::backend::Backend;
use crate::backend::seccomp::Arch;

const EXAMPLES: &str = "\
Examples:
  cinch inspect compose.yaml                 the intent cinch reads, as JSON
  cinch generate . -o profiles               seccomp, AppArmor and NetworkPolicy profiles
  helm template ./chart | cinch generate -   from stdin
  cinch inspect Dockerfile --target runtime --build-arg VERSION=1.2

Exit codes: 0 success, 1 findings (check, lint), 2 bad input or usage.";

/// cinch compiles the manifests you already write (Dockerfiles, Compose files, Kubernetes
/// manifests) into least-privilege security profiles: seccomp, AppArmor and Kubernetes
/// NetworkPolicy, each rule explained.
#[derive(Debug, Parser)]
#[command(name = "cinch", version, about, long_about = None, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the intent model read from the inputs as JSON (schema: docs/intent.md).
    Inspect(InspectArgs),
    /// Generate profiles into an output directory, atomically.
    Generate(GenerateArgs),
}

/// Which inputs to read and how.
#[derive(Debug, Args, Clone, Default)]
pub struct InputArgs {
    /// Files, directories (searched recursively) or `-` for stdin. Default: `.`
    #[arg(value_name = "INPUTS")]
    pub inputs: Vec<String>,
    /// Kubernetes namespace for objects that name none (default: `default`).
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,
    /// Dockerfile stage to read (default: the last stage).
    #[arg(long, value_name = "STAGE")]
    pub target: Option<String>,
    /// Dockerfile build argument, as `docker build --build-arg` (repeatable).
    #[arg(long = "build-arg", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub build_args: Vec<(String, String)>,
    /// Compose profile to activate (repeatable); by default every service is read.
    #[arg(long = "profile", value_name = "NAME")]
    pub profiles: Vec<String>,
    /// Compose project name (default: `name:` in the file, else its directory's name).
    #[arg(long, value_name = "NAME")]
    pub project_name: Option<String>,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output directory. Only files cinch generated there before are replaced or removed.
    #[arg(short, long, value_name = "DIR", default_value = "profiles")]
    pub output: PathBuf,
    /// Backends to run (repeatable; default: all).
    #[arg(long = "backend", value_enum, value_name = "BACKEND")]
    pub backends: Vec<Backend>,
    /// Emit profiles that log violations instead of blocking them (rollout mode).
    #[arg(long)]
    pub complain: bool,
    /// Architectures the seccomp profiles cover (repeatable or comma-separated; default:
    /// amd64 and arm64). amd64 includes the x86 and x32 ABIs, arm64 32-bit arm.
    #[arg(long = "arch", value_enum, value_name = "ARCH", value_delimiter = ',')]
    pub arches: Vec<Arch>,
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("`{s}` is not KEY=VALUE")),
    }
}
