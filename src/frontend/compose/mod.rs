//! The Compose frontend: a Compose file (the Compose Specification as users write it) →
//! one workload per service.
//!
//! Stage 1 (this file): the marked YAML tree, interpolated (`${VAR}` from the environment and
//! `.env` or `--env-file`), cast as compose-go casts (`coerce.rs`), with `extends` resolved
//! (same file or another) by the spec's merge rules.
//! Stage 2 (`service.rs` and friends): each service's keys lowered into intent facts.
//!
//! Why not `docker-compose-types`: it rejects whole files for things real files do (mixed
//! short/long `ports`, a bare integer port, `<<` merge keys, keys it does not model such as
//! `pids_limit`, `platform` or `gpus`, long-form `devices`/`env_file`, `privileged: yes`),
//! silently drops `app_protocol`/`name` on ports, and has no positions, interpolation or
//! `extends`. 25 of 67 test files failed in our trial (DESIGN.md §7). A real Compose file must
//! never be rejected because of a library, so we read the tree leniently and check each key
//! ourselves; the crate is used in tests to check that wired output still parses.

mod as_json;
mod coerce;
mod include;
mod interpolate;
mod keys;
mod merge;
mod overridden;
mod overrides;
mod ports;
mod service;
mod volumes;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::input::{self, SourceFile};
use crate::intent::{Fragment, Location, Provenance};
use crate::limits::MAX_EXTENDS_DEPTH;
use crate::yaml::{self, Document, Mark, Node};

use super::Options;
use interpolate::{Unset, Var, Vars};

pub use as_json::interpolated_documents;
pub use include::included_by;
pub use merge::as_map_form;
pub use overrides::{is_default_file, pairs as override_pairs};

/// State shared while lowering one Compose file: the table of files its marks point into
/// (the file itself, then files reached through `extends`), `.env` provenance, diagnostics.
pub(crate) struct Ctx<'d> {
    files: Vec<LoadedFile>,
    vias: BTreeMap<Mark, Vec<Location>>,
    /// The unset variables each interpolated scalar used, by its mark.
    unset_at: BTreeMap<Mark, Unset>,
    /// Unset variables an error already named (no warning repeats them).
    unset_named: BTreeSet<String>,
    /// Values a cast already reported as wrong (`coerce.rs`): not reported again.
    cast_failed: BTreeSet<Mark>,
    pub diags: &'d mut Diagnostics,
}

struct LoadedFile {
    display: Arc<str>,
    dir: PathBuf,
    dir_display: String,
    /// Shared: the lowering reads a file's tree while it reports into the context, and
    /// copying whole trees for that was a third of the Compose frontend's time (issue 17).
    root: Rc<Node>,
}

impl<'d> Ctx<'d> {
    fn new(diags: &'d mut Diagnostics) -> Self {
        Ctx {
            files: Vec::new(),
            vias: BTreeMap::new(),
            unset_at: BTreeMap::new(),
            unset_named: BTreeSet::new(),
            cast_failed: BTreeSet::new(),
            diags,
        }
    }
}

impl Ctx<'_> {
    pub fn file(&self, mark: Mark) -> &Arc<str> {
        &self.files[mark.file as usize].display
    }

    /// Provenance of `node` at `field`, with the `.env` lines its value came through.
    pub fn at(&self, node: &Node, field: &str) -> Provenance {
        let p = Provenance::manifest(self.file(node.mark), node.mark, field);
        match (self.vias.get(&node.mark), p.location()) {
            (Some(vias), Some(at)) => Provenance::cited(at.clone(), vias.clone()),
            _ => p,
        }
    }

    /// An error at `node`. When the value is wrong because a variable it uses is not set
    /// (`ports: ["${PORT}"]` → `` is not a port), the error says so first, and how to fix
    /// it (issue 16).
    pub fn error(&mut self, code: Code, node: &Node, field: &str, msg: impl std::fmt::Display) {
        if self.cast_failed.contains(&node.mark) {
            return;
        }
        let (code, message) = match self.unset_in(node) {
            Some(u) => {
                let names = u.names.join(" and ");
                let verb = if u.names.len() == 1 { "is" } else { "are" };
                let value = node
                    .as_str()
                    .map_or_else(String::new, |v| format!(" (it becomes `{v}`)"));
                let first = u.names.first().map_or("VAR", String::as_str);
                let message = format!(
                    "{field}: `{}` uses {names}, which {verb} not set{value}: {msg}; set {names} in .env, or pass --env-file, --env {first}=VALUE or --inherit-env",
                    u.raw
                );
                self.unset_named.extend(u.names);
                (Code::Interpolation, message)
            }
            None => (code, format!("{field}: {msg}")),
        };
        let d = Diagnostic::error(code, &self.file(node.mark).clone(), node.mark.line, message)
            .with_column(node.mark.column);
        self.diags.push(d);
    }

    /// Mark `node` as reported by a failed cast.
    pub fn cast_failed(&mut self, node: &Node) {
        self.cast_failed.insert(node.mark);
    }

    /// The unset variables `node`'s value used: its own, or those of the scalars directly
    /// in it (a long `ports` entry whose `published: ${P}` is empty). Not deeper: an error
    /// about a whole service is not about the variable one of its values used.
    fn unset_in(&self, node: &Node) -> Option<Unset> {
        if let Some(u) = self.unset_at.get(&node.mark) {
            return Some(u.clone());
        }
        let children: Vec<&Node> = match &node.value {
            yaml::Value::Map(entries) => entries.iter().map(|(_, v)| v).collect(),
            yaml::Value::Seq(items) => items.iter().collect(),
            yaml::Value::Scalar(_) | yaml::Value::Null => Vec::new(),
        };
        let mut found: Option<Unset> = None;
        for c in children {
            if let Some(u) = self.unset_at.get(&c.mark).cloned() {
                match &mut found {
                    None => found = Some(u),
                    Some(f) => {
                        for n in u.names {
                            if !f.names.contains(&n) {
                                f.names.push(n);
                            }
                        }
                        f.raw = format!("{}, {}", f.raw, u.raw);
                    }
                }
            }
        }
        found
    }

    pub fn warn(&mut self, code: Code, node: &Node, field: &str, msg: impl std::fmt::Display) {
        let d = Diagnostic::warning(
            code,
            &self.file(node.mark).clone(),
            node.mark.line,
            format!("{field}: {msg}"),
        )
        .with_column(node.mark.column);
        self.diags.push(d);
    }

    /// A type error: `field: expected X, found Y`.
    pub fn wrong_type(&mut self, node: &Node, field: &str, expected: &str) {
        let found = node.kind();
        self.error(
            Code::WrongType,
            node,
            field,
            format!("expected {expected}, found {found}"),
        );
    }

    /// Parse `text` as the next file of the context: every document's marks name the entry
    /// [`Ctx::add_file`] gives the first document added after this call. A syntax error is
    /// reported (`None`).
    fn parse_file(&mut self, text: &str, display: &str) -> Option<Vec<Document>> {
        let index = u32::try_from(self.files.len()).unwrap_or(u32::MAX);
        match yaml::load_file(text, index) {
            Ok(docs) => Some(docs),
            Err(e) => {
                self.diags.push(e.to_diagnostic(display));
                None
            }
        }
    }

    /// Add a file's root (parsed by [`Ctx::parse_file`], or file 0), interpolated with
    /// `vars`: relative paths in it resolve against `dir`. Returns its index. Added before
    /// anything is reported about it, so that its marks can be named.
    fn add_file(
        &mut self,
        vars: &mut Vars,
        mut root: Node,
        display: &Arc<str>,
        dir: &Path,
        dir_display: &str,
    ) -> u32 {
        interpolate_into(vars, &mut root, display, self);
        let index = u32::try_from(self.files.len()).unwrap_or(u32::MAX);
        self.files.push(LoadedFile {
            display: Arc::clone(display),
            dir: dir.to_path_buf(),
            dir_display: dir_display.to_owned(),
            root: Rc::new(Node::new(root.mark, yaml::Value::Null)),
        });
        // compose-go casts right after interpolating a file (`coerce.rs`).
        coerce::casts(self, &mut root);
        self.files[index as usize].root = Rc::new(root);
        index
    }

    /// The directory of the file `mark` is in, and its display name (for relative paths).
    pub fn dir_of(&self, mark: Mark) -> (&Path, &str) {
        let f = &self.files[mark.file as usize];
        (&f.dir, &f.dir_display)
    }
}

/// Lower one Compose document, with the override files `docker compose` would merge into
/// it (`overrides.rs`): each is loaded as another file of the context, its services resolved
/// (`extends`) on their own and then merged onto the base's by the spec's merge rules, so
/// every fact still names the file and line that wrote it.
pub fn lower(
    src: &SourceFile,
    doc: &Document,
    overrides: &[&SourceFile],
    opts: &Options,
    diags: &mut Diagnostics,
) -> Fragment {
    let mut vars = environment(src, opts, diags);
    let mut ctx = Ctx::new(diags);
    let base = ctx.add_file(
        &mut vars,
        doc.root.clone(),
        &src.display,
        &src.dir,
        &src.dir_display,
    );
    check_top_level(&mut ctx, base);
    let mut layers = vec![base];
    for over in overrides {
        layers.extend(load_override(&mut ctx, &mut vars, over));
    }
    // `name:` of the last file that sets it wins, as in a merge.
    let named = layers
        .iter()
        .rev()
        .map(|&f| Rc::clone(&ctx.files[f as usize].root))
        .find(|r| r.get("name").is_some())
        .unwrap_or_else(|| Rc::clone(&ctx.files[0].root));
    let project = project_name(&named, src, opts, &mut ctx);

    let mut resolver = Extends {
        vars,
        memo: BTreeMap::new(),
    };
    let mut replaced = BTreeMap::new();
    let mut resolved = merge_layers(&mut ctx, &mut resolver, &layers, &mut replaced);
    // `include` comes after the merge, so a service may not be both declared and included.
    let mut chain: Vec<PathBuf> = src.canonical.iter().cloned().collect();
    let vars = resolver.vars.vars.clone();
    for &file in &layers {
        let included = include::services(&mut ctx, opts, file, &vars, &mut chain);
        add_included(&mut ctx, &mut resolved, included);
    }

    let mut fragment = Fragment::default();
    for (name, key, def) in &resolved {
        if let Some(mut w) = service::lower(&mut ctx, &project, name, key, def) {
            if let Some(first) = replaced.get(name) {
                // The first file's own definition, lowered only to compare (its
                // diagnostics are those of the merged service, already reported).
                let mark = ctx.diags.len();
                if let Some(before) = service::lower(&mut ctx, &project, name, key, first) {
                    overridden::note(&mut w, &before);
                }
                ctx.diags.truncate(mark);
            }
            if !opts.profiles.is_empty()
                && !w.profiles.is_empty()
                && !w.profiles.iter().any(|p| opts.profiles.contains(p))
            {
                continue;
            }
            fragment.workloads.push(w);
        }
    }
    report_unset(&resolver.vars, &mut ctx);
    fragment
}

/// The services of a file and the files merged onto it (override files), in order of
/// first declaration; a later file's definition is merged onto the earlier one. `replaced`
/// gets the first file's own definition of each service a later file changed.
fn merge_layers(
    ctx: &mut Ctx<'_>,
    resolver: &mut Extends,
    layers: &[u32],
    replaced: &mut BTreeMap<String, Node>,
) -> Vec<Resolved> {
    let mut resolved: Vec<Resolved> = Vec::new();
    for &file in layers {
        for (name, key, def) in resolve_services(ctx, resolver, file) {
            match resolved.iter_mut().find(|(n, _, _)| *n == name) {
                // The first key stays: the workload is declared where it was first written.
                Some((_, _, base)) => {
                    replaced.entry(name).or_insert_with(|| base.clone());
                    *base = merge::merge_service(base, &def);
                }
                None => resolved.push((name, key, def)),
            }
        }
    }
    resolved
}

/// Add the services an `include` brought in; one that is already declared differently is an
/// error, as in docker compose (included applications are copied, never merged; the same
/// definition twice, from a file included along two paths, is one service).
fn add_included(ctx: &mut Ctx<'_>, resolved: &mut Vec<Resolved>, included: Vec<include::Service>) {
    let same = |a: &Node, b: &Node| {
        let json = |n: &Node| yaml::json::to_json(n, yaml::json::Schema::Yaml12).value;
        json(a) == json(b)
    };
    for inc in included {
        if let Some((_, first, def)) = resolved.iter().find(|(n, _, _)| *n == inc.name) {
            if same(def, &inc.def) {
                continue;
            }
            let first = format!("{}:{}", ctx.file(first.mark), first.mark.line);
            ctx.error(
                Code::Include,
                &inc.entry,
                "include",
                format!(
                    "service `{}` of {} is already declared at {first}; docker compose rejects this conflict too",
                    inc.name,
                    ctx.file(inc.key.mark)
                ),
            );
            continue;
        }
        resolved.push((inc.name, inc.key, inc.def));
    }
}

/// A service as lowered: its name, its key (where it is declared), its merged definition.
type Resolved = (String, Node, Node);

/// The services of file `file`, each with its `extends` chain merged in, in file order.
fn resolve_services(ctx: &mut Ctx<'_>, resolver: &mut Extends, file: u32) -> Vec<Resolved> {
    let root = Rc::clone(&ctx.files[file as usize].root);
    let Some(services) = root.get("services") else {
        return Vec::new();
    };
    let Some(entries) = services.as_map() else {
        if !services.is_null() {
            ctx.wrong_type(services, "services", "a map of services");
        }
        return Vec::new();
    };
    let mut resolved = Vec::new();
    for (key, _) in entries {
        let Some(name) = key.as_str() else {
            ctx.wrong_type(key, "services", "service names as strings");
            continue;
        };
        if !valid_service_name(name) {
            ctx.error(
                Code::InvalidValue,
                key,
                &format!("services.{}", name.escape_debug()),
                "a service name may only hold letters, digits, `.`, `_` and `-`",
            );
            continue;
        }
        let mut stack = Vec::new();
        if let Some(def) = resolver.resolve(ctx, file, name, key, &mut stack) {
            resolved.push((name.to_owned(), key.clone(), def));
        }
    }
    resolved
}

/// Load an override file into the context: its Compose documents, interpolated with the
/// project's variables. Returns their file indexes (one per document, in order).
fn load_override(ctx: &mut Ctx<'_>, vars: &mut Vars, over: &SourceFile) -> Vec<u32> {
    let Some(docs) = ctx.parse_file(&over.text, &over.display) else {
        return Vec::new();
    };
    let mut indexes = Vec::new();
    for doc in docs {
        if doc.root.is_null() {
            continue;
        }
        if doc.root.as_map().is_none() {
            ctx.diags.push(Diagnostic::error(
                Code::WrongType,
                &over.display,
                doc.root.line(),
                format!(
                    "a Compose file must be a map with `services`; found {}",
                    doc.root.kind()
                ),
            ));
            continue;
        }
        // Marks of every document name the first entry; later documents get their own
        // entry with the same name and directory, which is all a mark needs.
        let index = ctx.add_file(vars, doc.root, &over.display, &over.dir, &over.dir_display);
        check_top_level(ctx, index);
        indexes.push(index);
    }
    indexes
}

/// Compose service names: `[a-zA-Z0-9._-]+` (compose-spec schema, `services` pattern).
fn valid_service_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Variables for interpolation: the `--env-file` files when given, else the `.env` beside
/// the file; the environment overrides them.
///
/// docker compose (`cmd/compose/compose.go` `toProjectOptions`) applies `cli.WithOsEnv`
/// ("First apply os.Environment, always win"), then `cli.WithEnvFiles(o.EnvFiles...)`,
/// then `cli.WithDotEnv`. In compose-go (`cli/options.go`), `WithEnvFiles` takes the given
/// files and returns (`if len(file) > 0 { o.EnvFiles = file; return nil }`) before it looks
/// for `.env` in the working directory, so `.env` is read only without `--env-file`;
/// `WithDotEnv` reads the files in order into one map (`dotenv.GetEnvFromFile`: a later
/// file overwrites) and merges it with `Mapping.Merge`, which never overwrites a variable
/// the environment set.
fn environment(src: &SourceFile, opts: &Options, diags: &mut Diagnostics) -> Vars {
    if let Some(files) = &opts.env_files {
        let mut vars = Vars::default();
        vars.vars = files.vars.clone();
        vars.vars.extend(process_env(opts));
        return vars;
    }
    let dotenv = src.path.is_some().then(|| src.relative(".env"));
    environment_from(dotenv.iter().filter(|(p, _)| p.is_file()), opts, diags)
}

/// The process environment as interpolation variables.
fn process_env(opts: &Options) -> BTreeMap<String, Var> {
    opts.env
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                Var {
                    value: v.clone(),
                    at: None,
                },
            )
        })
        .collect()
}

/// `--env-file` files, read once for every Compose file of the run.
#[derive(Clone, Debug, Default)]
pub struct EnvFiles {
    /// What the files set, a later file over an earlier one (not the environment).
    vars: BTreeMap<String, Var>,
}

impl EnvFiles {
    /// Parse the files (`(display name, text)`, in command-line order). Values may use the
    /// environment and what earlier lines and files set. Malformed lines are warnings.
    pub fn parse(
        files: &[(String, String)],
        env: &BTreeMap<String, String>,
        diags: &mut Diagnostics,
    ) -> Self {
        let outer = process_env(&Options {
            env: env.clone(),
            ..Options::default()
        });
        let mut vars = BTreeMap::new();
        for (display, text) in files {
            let file: Arc<str> = Arc::from(display.as_str());
            for (line, msg) in interpolate::parse_env_file_into(text, &file, &outer, &mut vars) {
                diags.push(Diagnostic::warning(Code::InvalidValue, display, line, msg));
            }
        }
        EnvFiles { vars }
    }
}

/// Variables from env files (later files win), overridden by the environment.
fn environment_from<'a>(
    files: impl IntoIterator<Item = &'a (PathBuf, String)>,
    opts: &Options,
    diags: &mut Diagnostics,
) -> Vars {
    let env = process_env(opts);
    let mut vars = Vars::default();
    for (path, display) in files {
        match input::read_text(path, display) {
            Ok(text) => {
                let file: Arc<str> = Arc::from(display.as_str());
                let (dotenv, bad) = interpolate::parse_env_file(&text, &file, &env);
                for (line, msg) in bad {
                    diags.push(Diagnostic::warning(Code::InvalidValue, display, line, msg));
                }
                vars.vars.extend(dotenv);
            }
            Err(d) => diags.push(d),
        }
    }
    vars.vars.extend(env);
    vars
}

fn interpolate_into(vars: &mut Vars, root: &mut Node, file: &Arc<str>, ctx: &mut Ctx<'_>) {
    let mut errors = Vec::new();
    vars.apply(root, &mut errors);
    for e in errors {
        let message = if e.field.is_empty() {
            e.message
        } else {
            format!("{}: {}", e.field, e.message)
        };
        ctx.diags.push(
            Diagnostic::error(Code::Interpolation, file, e.mark.line, message)
                .with_column(e.mark.column),
        );
    }
    for (mark, locs) in std::mem::take(&mut vars.vias) {
        ctx.vias.entry(mark).or_default().extend(locs);
    }
    ctx.unset_at.append(&mut vars.unset_at);
}

fn report_unset(vars: &Vars, ctx: &mut Ctx<'_>) {
    for (name, mark) in &vars.unset {
        if ctx.unset_named.contains(name) {
            continue;
        }
        let file = ctx.file(*mark).clone();
        ctx.diags.push(Diagnostic::warning(
            Code::Interpolation,
            &file,
            mark.line,
            format!(
                "variable {name} is not set; it becomes an empty string (as in docker compose); set {name} in .env, or pass --env-file, --env {name}=VALUE or --inherit-env (the shell's environment), if that is not meant"
            ),
        ));
    }
}

/// Top-level keys of the Compose Specification.
const TOP_LEVEL: &[&str] = &[
    "version", "name", "include", "services", "networks", "volumes", "secrets", "configs", "models",
];

fn check_top_level(ctx: &mut Ctx<'_>, file: u32) {
    let root = Rc::clone(&ctx.files[file as usize].root);
    for (k, _) in root.as_map().unwrap_or_default() {
        let key = k.as_str().unwrap_or("");
        if key.starts_with("x-") || TOP_LEVEL.contains(&key) {
            continue;
        }
        let hint = crate::yaml::de::closest(key, TOP_LEVEL)
            .map(|s| format!("; did you mean {s}?"))
            .unwrap_or_default();
        ctx.warn(
            Code::UnknownField,
            k,
            key,
            format!("unknown top-level key{hint}"),
        );
    }
}

/// `name:`, else `--project-name`, else the directory name — normalized as compose does
/// (lowercase; only `a-z0-9_-`).
fn project_name(root: &Node, src: &SourceFile, opts: &Options, ctx: &mut Ctx<'_>) -> String {
    let raw = if let Some(n) = root.get("name").and_then(Node::as_str) {
        n.to_owned()
    } else if let Some(n) = &opts.project_name {
        n.clone()
    } else {
        std::fs::canonicalize(&src.dir)
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "default".into())
    };
    let name: String = raw
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    if name.is_empty() {
        if let Some(n) = root.get("name") {
            ctx.error(
                Code::InvalidValue,
                n,
                "name",
                "project name has no letters or digits",
            );
        }
        return "default".into();
    }
    name
}

/// Follows `extends`, loading other files on demand. Memoized per (file, service).
struct Extends {
    vars: Vars,
    memo: BTreeMap<(u32, String), Option<Node>>,
}

impl Extends {
    /// The service definition `name` in file `file`, with its `extends` chain merged in.
    /// `at` is the node that asked for it (for error positions).
    fn resolve(
        &mut self,
        ctx: &mut Ctx<'_>,
        file: u32,
        name: &str,
        at: &Node,
        stack: &mut Vec<(u32, String)>,
    ) -> Option<Node> {
        if let Some(done) = self.memo.get(&(file, name.to_owned())) {
            return done.clone();
        }
        if stack.iter().any(|(f, n)| *f == file && n == name) || stack.len() > MAX_EXTENDS_DEPTH {
            let chain: Vec<String> = stack
                .iter()
                .map(|(_, n)| n.clone())
                .chain([name.to_owned()])
                .collect();
            let msg = if stack.len() > MAX_EXTENDS_DEPTH {
                format!("extends chain longer than {MAX_EXTENDS_DEPTH}")
            } else {
                format!("extends cycle: {}", chain.join(" → "))
            };
            ctx.error(
                Code::ExtendsCycle,
                at,
                &format!("services.{name}.extends"),
                msg,
            );
            return None;
        }
        // Only the definition is copied, not the file it is in (once per service, that
        // was quadratic in the services of a file; issue 17).
        let def = ctx.files[file as usize]
            .root
            .get("services")
            .and_then(|s| s.get(name))
            .cloned();
        let Some(def) = def else {
            ctx.error(
                Code::UnknownExtends,
                at,
                "extends",
                format!(
                    "no service `{name}` in {}",
                    ctx.files[file as usize].display
                ),
            );
            return None;
        };
        let def = if def.is_null() {
            Node::new(def.mark, yaml::Value::Map(Vec::new()))
        } else {
            def
        };
        if def.as_map().is_none() {
            ctx.wrong_type(&def, &format!("services.{name}"), "a map");
            self.memo.insert((file, name.to_owned()), None);
            return None;
        }
        let result = match def.get("extends") {
            // Nothing to merge: as cheap to find again as to remember.
            None => return Some(def),
            Some(ext) => {
                stack.push((file, name.to_owned()));
                let base = self.base(ctx, file, name, ext, stack);
                stack.pop();
                base.map(|b| merge::merge_service(&b, &def))
            }
        };
        self.memo.insert((file, name.to_owned()), result.clone());
        result
    }

    /// The service an `extends:` value names (string form, or `{service, file}`).
    fn base(
        &mut self,
        ctx: &mut Ctx<'_>,
        file: u32,
        name: &str,
        ext: &Node,
        stack: &mut Vec<(u32, String)>,
    ) -> Option<Node> {
        let field = format!("services.{name}.extends");
        let (service, other) = if let Some(s) = ext.as_str() {
            (s.to_owned(), None)
        } else if ext.as_map().is_some() {
            let Some(s) = ext.get("service").and_then(Node::as_str) else {
                ctx.error(Code::WrongType, ext, &field, "needs `service: <name>`");
                return None;
            };
            (
                s.to_owned(),
                ext.get("file").and_then(Node::as_str).map(str::to_owned),
            )
        } else {
            ctx.wrong_type(ext, &field, "a service name or {service, file}");
            return None;
        };
        let target_file = match other {
            None => file,
            Some(rel) => self.load_file(ctx, &rel, ext, &field)?,
        };
        let service_node = ext.get("service").unwrap_or(ext);
        self.resolve(ctx, target_file, &service, service_node, stack)
    }

    /// Load (once) a Compose file named relative to the file of `at`; returns its index.
    fn load_file(&mut self, ctx: &mut Ctx<'_>, rel: &str, at: &Node, field: &str) -> Option<u32> {
        let (dir, dir_display) = ctx.dir_of(at.mark);
        let path = dir.join(rel);
        let display = input::normalize(&Path::new(dir_display).join(rel));
        if let Some(i) = ctx.files.iter().position(|f| *f.display == *display) {
            return Some(i as u32);
        }
        let text = match input::read_text(&path, &display) {
            Ok(t) => t,
            Err(_) => {
                ctx.error(
                    Code::UnknownExtends,
                    at,
                    field,
                    format!("cannot read extends file {display}"),
                );
                return None;
            }
        };
        let docs = ctx.parse_file(&text, &display)?;
        let index = u32::try_from(ctx.files.len()).unwrap_or(u32::MAX);
        let root = docs.into_iter().next().map_or_else(
            || {
                let mark = Mark {
                    file: index,
                    line: 1,
                    column: 1,
                };
                Node::new(mark, yaml::Value::Null)
            },
            |d| d.root,
        );
        let file: Arc<str> = Arc::from(display.as_str());
        let new_dir = path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let new_dir_display = Path::new(&display)
            .parent()
            .map(input::normalize)
            .unwrap_or_default();
        let index = ctx.add_file(&mut self.vars, root, &file, &new_dir, &new_dir_display);
        Some(index)
    }
}
