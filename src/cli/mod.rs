//! The command line (clap derive). Parsing only: `lib.rs` runs what it describes.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::backend::Backend;
use crate::backend::networkpolicy::{DnsChoice, PeerSpec, Undeclared};
use crate::backend::seccomp::Arch;

mod examples;

const EXAMPLES: &str = "\
Examples:
  cinch inspect compose.yaml                 the intent cinch reads, as JSON
  cinch generate . -o profiles               seccomp, AppArmor and NetworkPolicy profiles
  cinch generate . --wire                    and patched manifests using them (profiles/wired/)
  helm template ./chart | cinch generate -   from stdin
  cinch inspect Dockerfile --target runtime --build-arg VERSION=1.2
  dmesg | cinch audit . --log - --docker --format patch    complain mode's records → intent

Exit codes: 0 success, 1 findings (check, lint), 2 bad input or usage.";

/// cinch compiles the manifests you already write (Dockerfiles, Compose files, Kubernetes
/// manifests) into least-privilege security profiles: seccomp, AppArmor and Kubernetes
/// NetworkPolicy, each rule explained.
#[derive(Debug, Parser)]
#[command(name = "cinch", version = crate::version::VERSION, about, long_about = None, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Colour help, errors and diffs: auto (on a terminal, unless NO_COLOR is set), always,
    /// never.
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        default_value = "auto"
    )]
    pub color: ColorChoice,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the intent model read from the inputs as JSON (schema: docs/intent.md).
    #[command(after_help = examples::INSPECT)]
    Inspect(InspectArgs),
    /// Generate profiles into an output directory, atomically.
    #[command(after_help = examples::GENERATE)]
    Generate(GenerateArgs),
    /// Regenerate in memory and compare with the committed profiles; exit 1 with a diff when
    /// they are stale. Never writes.
    #[command(after_help = examples::CHECK)]
    Check(CheckArgs),
    /// Security-relevant changes between two profile trees or input sets, rule by rule with
    /// reasons: `cinch diff OLD NEW`, or `cinch diff --git-base REF [INPUTS…]`.
    #[command(after_help = examples::DIFF)]
    Diff(DiffArgs),
    /// Every rule of a workload's profiles and the manifest facts (file:line, field) or
    /// baseline behind it: `cinch explain [INPUTS…] WORKLOAD` (the last argument names the
    /// workload: its id `shop/api`, its name `api`, or a profile file stem).
    #[command(after_help = examples::EXPLAIN)]
    Explain(ExplainArgs),
    /// Draw the workloads and the connections their NetworkPolicies allow.
    #[command(after_help = examples::GRAPH)]
    Graph(GraphArgs),
    /// Check the manifests for declared risks (root, privileged, host namespaces, …).
    /// Exit 1 when a denied finding remains.
    #[command(after_help = examples::LINT)]
    Lint(LintArgs),
    /// Read kernel audit records (dmesg, `journalctl -k`, audit.log, `ausearch -i`) taken
    /// while profiles ran, and report per workload what the enforcing profiles would deny,
    /// with the explicit intent that allows it (`--format patch`: a diff; files are never
    /// written).
    #[command(after_help = examples::AUDIT)]
    Audit(AuditArgs),
    /// Generate profiles and wired copies of the manifests that use them (`generate
    /// --wire`): DIR/wired/ holds each input file that declares a workload, patched.
    #[command(after_help = examples::WIRE)]
    Wire(GenerateArgs),
    /// Print a shell completion script (README: Shell completions and man page).
    #[command(after_help = examples::COMPLETIONS)]
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page cinch.1, or write one page per command into DIR.
    #[command(after_help = examples::MAN)]
    Man {
        /// Write cinch.1, cinch-generate.1, … into DIR instead of cinch.1 to stdout.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
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
    /// Compose: read `${VAR}` values from FILE instead of each project's `.env`, as
    /// `docker compose --env-file` does (repeatable: a later file wins over an earlier one;
    /// the environment wins over every file).
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// Compose: set `${VAR}` to VALUE (repeatable; wins over `.env` and `--env-file`, as
    /// the shell's environment does for `docker compose`).
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub env: Vec<(String, String)>,
    /// Compose: read `${VAR}` values from this shell's environment too, as `docker compose`
    /// does. Off by default, so the profiles do not depend on who runs cinch (`${PWD}`,
    /// `${HOME}`, a variable exported on one laptop).
    #[arg(long)]
    pub inherit_env: bool,
    /// The directory the file names written into profiles are relative to (default: the
    /// top of the git work tree around the working directory, else the working directory),
    /// so the output is the same bytes wherever cinch runs.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Print every diagnostic. By default a run of more than four notes or warnings of one
    /// code and message shape prints its first three and `… and N more` (errors never fold).
    #[arg(short, long)]
    pub verbose: bool,
    /// Keep the source documents for wiring (set from `--wire`, not a flag of its own).
    #[arg(skip)]
    pub keep_documents: bool,
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
    #[command(flatten)]
    pub profiles: ProfileArgs,
}

/// How profiles are generated (shared by `generate`, `check` and `explain`, so that `check`
/// regenerates exactly what `generate` wrote).
#[derive(Debug, Args, Clone, Default)]
pub struct ProfileArgs {
    /// Backends to run (repeatable; default: all).
    #[arg(long = "backend", value_enum, value_name = "BACKEND")]
    pub backends: Vec<Backend>,
    /// Emit profiles that log violations instead of blocking them (rollout mode).
    #[arg(long)]
    pub complain: bool,
    /// NetworkPolicy: who may reach published ports (Compose `ports:`, NodePort and
    /// LoadBalancer Services, Ingress/Gateway backends); default: anywhere. SPEC is
    /// `ns:K=V[,K=V]` (namespaces with these labels; a bare `K=V` means the same),
    /// `pod:K=V[,K=V]` (pods in the policy's namespace), both joined with `+` (those pods in
    /// those namespaces), `*` for any labels, or `cidr:ADDR/N`. Repeatable. Example:
    /// `--ingress-from kubernetes.io/metadata.name=ingress-nginx`.
    #[arg(long = "ingress-from", value_name = "SPEC", value_parser = PeerSpec::parse)]
    pub ingress_from: Vec<PeerSpec>,
    /// NetworkPolicy: where name lookups go, allowed on UDP and TCP. `kube-dns` (default:
    /// pods `k8s-app=kube-dns` in namespace kube-system, port 53), `nodelocal` (NodeLocal
    /// DNSCache, 169.254.20.10/32 port 53), `openshift` (namespace openshift-dns, port 5353),
    /// `none`, or SPEC[@PORT] as for --ingress-from (port 53 by default). Repeatable.
    #[arg(long = "dns", value_name = "TARGET", value_parser = DnsChoice::parse)]
    pub dns: Vec<DnsChoice>,
    /// NetworkPolicy: also write one deny-all policy per namespace
    /// (`networkpolicy/default-deny/<namespace>.yaml`).
    #[arg(long = "default-deny")]
    pub default_deny: bool,
    /// NetworkPolicy: what undeclared intent allows — a Service port no workload is declared
    /// to reach, and a workload that declares no connection at all (its callees are compiled
    /// into its code). `namespace` (default): the port is open to the pods of its namespace
    /// (Compose: its project) and such a workload may reach the namespace's Service ports,
    /// each rule with an `undeclared:` reason and a warning; `cluster`: every namespace;
    /// `deny`: nothing, exactly the declared connections (for complete manifests).
    #[arg(long, value_enum, value_name = "MODE", default_value = "namespace")]
    pub undeclared: Undeclared,
    /// NetworkPolicy: the pod label that selects a Compose service's pods, with the service
    /// name as value (default: `io.kompose.service`, as `kompose convert` labels them).
    #[arg(long = "compose-label", value_name = "KEY", value_parser = parse_label_key)]
    pub compose_label: Option<String>,
    /// Also write patched copies of the manifests under DIR/wired/ that use the profiles:
    /// Kubernetes `securityContext.seccompProfile`/`appArmorProfile`, Compose
    /// `security_opt`. The input files are never changed.
    #[arg(long)]
    pub wire: bool,
    /// Also write Security Profiles Operator SeccompProfile and AppArmorProfile objects
    /// under DIR/spo/, and wire Kubernetes manifests to them (implies --wire).
    #[arg(long)]
    pub spo: bool,
    /// Architectures the seccomp profiles cover (repeatable or comma-separated; default:
    /// amd64 and arm64). amd64 includes the x86 and x32 ABIs, arm64 32-bit arm.
    #[arg(long = "arch", value_enum, value_name = "ARCH", value_delimiter = ',')]
    pub arches: Vec<Arch>,
}

fn parse_label_key(s: &str) -> Result<String, String> {
    crate::backend::networkpolicy::label_key(s).map(|()| s.to_owned())
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The committed profile directory to compare with.
    #[arg(short, long, value_name = "DIR", default_value = "profiles")]
    pub output: PathBuf,
    #[command(flatten)]
    pub profiles: ProfileArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("`{s}` is not KEY=VALUE")),
    }
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The kernel log to read (repeatable): dmesg or `journalctl -k` output, auditd's
    /// audit.log, `ausearch -i` output; `-` for stdin.
    #[arg(long = "log", value_name = "FILE|-", required = true)]
    pub logs: Vec<String>,
    /// Tie seccomp records to containers through the engine: live pids → their cgroup →
    /// the container's Compose labels (run where the containers run).
    #[arg(long)]
    pub docker: bool,
    /// The log was taken from this workload (id `shop/api`, name, or profile stem): seccomp
    /// records no other way matches belong to it.
    #[arg(long, value_name = "ID")]
    pub workload: Option<String>,
    /// With --workload: only this container of it.
    #[arg(long, value_name = "NAME", requires = "workload")]
    pub container: Option<String>,
    /// text for people, json for scripts, patch for a unified diff of the manifests.
    #[arg(long, value_enum, default_value = "text")]
    pub format: AuditFormat,
    /// Architectures of the profiles to judge against (as for `generate`).
    #[arg(long = "arch", value_enum, value_name = "ARCH", value_delimiter = ',')]
    pub arches: Vec<Arch>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuditFormat {
    Text,
    Json,
    Patch,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format: text for people, json for scripts, sarif for GitHub code scanning.
    #[arg(long, value_enum, default_value = "text")]
    pub format: LintFormat,
    /// Fail (exit 1) on this rule whatever its level, or on all warnings with `warnings`.
    /// Errors always fail. Repeatable.
    #[arg(long = "deny", value_name = "RULE|warnings")]
    pub deny: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LintFormat {
    Text,
    Json,
    Sarif,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// INPUTS… then WORKLOAD.
    #[command(flatten)]
    pub input: InputArgs,
    /// Only this container of the workload.
    #[arg(long, value_name = "NAME")]
    pub container: Option<String>,
    /// `--backend seccomp|apparmor|networkpolicy` shows only that backend's rules.
    #[command(flatten)]
    pub profiles: ProfileArgs,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[arg(long, value_enum, default_value = "mermaid")]
    pub format: GraphFormat,
    #[command(flatten)]
    pub profiles: ProfileArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    Mermaid,
    Dot,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// OLD NEW: two profile directories (with a `.cinch-generated` list) or, with `--inputs`
    /// or when they are not profile directories, two input sets (a file or directory each).
    /// With `--git-base`: the INPUTS, compared with themselves at that revision.
    #[command(flatten)]
    pub input: InputArgs,
    /// Treat OLD and NEW as inputs to generate from, even if they look like profile trees.
    #[arg(long = "inputs")]
    pub as_inputs: bool,
    /// Compare the INPUTS with the same INPUTS at this git revision (e.g. `origin/main`).
    #[arg(long, value_name = "REF")]
    pub git_base: Option<String>,
    /// text for people, markdown for a pull-request comment, json for scripts.
    #[arg(long, value_enum, default_value = "text")]
    pub format: DiffFormat,
    /// Exit 1 when the change widens a profile (exit 0 otherwise).
    #[arg(long, value_enum, value_name = "WHAT")]
    pub fail_on: Option<FailOn>,
    #[command(flatten)]
    pub profiles: ProfileArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Text,
    Markdown,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Something allows more than before.
    Widen,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// clap checks the whole command tree (unique names, valid defaults) here, not at runtime.
    #[test]
    fn command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
