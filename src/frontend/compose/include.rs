//! Compose `include:` (compose-spec `14-include.md`): each entry is a Compose application
//! of its own — loaded with its own project directory (for relative paths) and its own
//! `.env` or `env_file` (for `${VAR}`), its override paths merged, its own `include`s
//! followed — whose services are then copied into the including project. A service both
//! declared and included is an error, as in docker compose.
//!
//! [`included_by`] is the same reading done before lowering, on the inputs alone: an input
//! that another input includes belongs to that project and is not read on its own.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diag::Code;
use crate::input::{self, SourceFile};
use crate::limits::MAX_INCLUDE_DEPTH;
use crate::yaml::{self, Node};

use super::interpolate::Var;
use super::{Ctx, Extends, Options, Resolved};

/// A service an `include` brought in, and the entry that brought it (for messages).
pub(super) struct Service {
    pub name: String,
    pub key: Node,
    pub def: Node,
    pub entry: Node,
}

/// One entry of `include:`, as written.
struct Entry {
    /// The application's file, then files merged onto it; each with its node.
    paths: Vec<(String, Node)>,
    project_directory: Option<String>,
    env_files: Vec<String>,
    at: Node,
}

/// The entries of a root's `include:`; malformed ones are reported (when `ctx` is given)
/// and left out.
fn entries(root: &Node, mut ctx: Option<&mut Ctx<'_>>) -> Vec<Entry> {
    let Some(include) = root.get("include") else {
        return Vec::new();
    };
    let mut wrong = |node: &Node, field: &str, expected: &str| {
        if let Some(ctx) = ctx.as_deref_mut() {
            ctx.wrong_type(node, field, expected);
        }
    };
    let Some(items) = include.as_seq() else {
        if !include.is_null() {
            wrong(include, "include", "a list of paths or {path, …}");
        }
        return Vec::new();
    };
    let strings = |n: &Node| -> Option<Vec<(String, Node)>> {
        match (n.as_str(), n.as_seq()) {
            (Some(s), _) => Some(vec![(s.to_owned(), n.clone())]),
            (_, Some(list)) => list
                .iter()
                .map(|i| i.as_str().map(|s| (s.to_owned(), i.clone())))
                .collect(),
            _ => None,
        }
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let field = format!("include[{i}]");
        if let Some(path) = item.as_str() {
            out.push(Entry {
                paths: vec![(path.to_owned(), item.clone())],
                project_directory: None,
                env_files: Vec::new(),
                at: item.clone(),
            });
            continue;
        }
        let Some(paths) = item.get("path").and_then(strings).filter(|p| !p.is_empty()) else {
            wrong(item, &field, "a path or {path: <path or list>, …}");
            continue;
        };
        let env_files = match item.get("env_file").map(strings) {
            None => Vec::new(),
            Some(Some(files)) => files.into_iter().map(|(f, _)| f).collect(),
            Some(None) => {
                let node = item.get("env_file").unwrap_or(item);
                wrong(
                    node,
                    &format!("{field}.env_file"),
                    "a path or a list of paths",
                );
                continue;
            }
        };
        out.push(Entry {
            paths,
            project_directory: item
                .get("project_directory")
                .and_then(Node::as_str)
                .map(str::to_owned),
            env_files,
            at: item.clone(),
        });
    }
    out
}

/// For each input that another input includes (by index), the index of the includer.
/// Paths are read as written (a `${VAR}` in an include path is not expanded here), so such
/// an input is read on its own as well as through its includer.
pub fn included_by(sources: &[&SourceFile]) -> BTreeMap<usize, usize> {
    let by_canonical: BTreeMap<&Path, usize> = sources
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.canonical.as_deref().map(|p| (p, i)))
        .collect();
    let mut out = BTreeMap::new();
    for (i, src) in sources.iter().enumerate() {
        // Cheap test first: most files have no top-level `include`.
        if src.path.is_none() || !has_top_level_include(&src.text) {
            continue;
        }
        let Ok(docs) = yaml::load(&src.text) else {
            continue;
        };
        for doc in &docs {
            for entry in entries(&doc.root, None) {
                for (rel, _) in &entry.paths {
                    let Ok(canonical) = std::fs::canonicalize(src.dir.join(rel)) else {
                        continue;
                    };
                    if let Some(&j) = by_canonical.get(canonical.as_path())
                        && j != i
                    {
                        out.entry(j).or_insert(i);
                    }
                }
            }
        }
    }
    out
}

fn has_top_level_include(text: &str) -> bool {
    // `contains` is a vectorized search: the line walk runs only for the rare hit.
    text.contains("include:") && text.lines().any(|l| l.starts_with("include:"))
}

/// The services of the applications file `file` of the context includes, recursively, in
/// entry order. `chain` holds the canonical paths of the files being included (cycles).
/// `vars`: the including application's variables, which win over the included one's own
/// (compose-go `ApplyInclude` merges them that way).
pub(super) fn services(
    ctx: &mut Ctx<'_>,
    opts: &Options,
    file: u32,
    vars: &BTreeMap<String, Var>,
    chain: &mut Vec<PathBuf>,
) -> Vec<Service> {
    let root = std::rc::Rc::clone(&ctx.files[file as usize].root);
    let mut out = Vec::new();
    for entry in entries(&root, Some(ctx)) {
        out.extend(application(ctx, opts, &entry, vars, chain));
    }
    out
}

/// One included application: its files loaded, merged and resolved, with its own includes.
fn application(
    ctx: &mut Ctx<'_>,
    opts: &Options,
    entry: &Entry,
    parent_vars: &BTreeMap<String, Var>,
    chain: &mut Vec<PathBuf>,
) -> Vec<Service> {
    let (dir, dir_display) = {
        let (d, dd) = ctx.dir_of(entry.at.mark);
        (d.to_path_buf(), dd.to_owned())
    };
    let located = |rel: &str| -> (PathBuf, String) {
        (
            dir.join(rel),
            input::normalize(&Path::new(&dir_display).join(rel)),
        )
    };
    let (main_path, main_display) = located(&entry.paths[0].0);
    let canonical = std::fs::canonicalize(&main_path).unwrap_or_else(|_| main_path.clone());
    if chain.contains(&canonical) || chain.len() > MAX_INCLUDE_DEPTH {
        let msg = if chain.contains(&canonical) {
            format!("{main_display} is already being included (an include cycle)")
        } else {
            format!("include chain longer than {MAX_INCLUDE_DEPTH}")
        };
        ctx.error(Code::Include, &entry.at, "include", msg);
        return Vec::new();
    }
    // Relative paths in the application resolve against its project directory: given, or
    // the directory of its first file.
    let (project_dir, project_display) = match &entry.project_directory {
        Some(pd) => located(pd),
        None => (
            main_path
                .parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
            Path::new(&main_display)
                .parent()
                .map(input::normalize)
                .unwrap_or_default(),
        ),
    };
    let env_files: Vec<(PathBuf, String)> = if entry.env_files.is_empty() {
        let dotenv = (
            project_dir.join(".env"),
            input::normalize(&Path::new(&project_display).join(".env")),
        );
        dotenv.0.is_file().then_some(dotenv).into_iter().collect()
    } else {
        entry.env_files.iter().map(|f| located(f)).collect()
    };
    let mut vars = super::environment_from(&env_files, opts, ctx.diags);
    vars.vars
        .extend(parent_vars.iter().map(|(k, v)| (k.clone(), v.clone())));

    let mut layers = Vec::new();
    for (rel, node) in &entry.paths {
        let (path, display) = located(rel);
        let text = match input::read_text(&path, &display) {
            Ok(t) => t,
            Err(_) => {
                ctx.error(
                    Code::Include,
                    node,
                    "include",
                    format!("cannot read included file {display}"),
                );
                continue;
            }
        };
        let Some(docs) = ctx.parse_file(&text, &display) else {
            continue;
        };
        let Some(root) = docs.into_iter().map(|d| d.root).find(|r| !r.is_null()) else {
            continue;
        };
        let is_map = root.as_map().is_some();
        let display: Arc<str> = Arc::from(display.as_str());
        let index = ctx.add_file(&mut vars, root, &display, &project_dir, &project_display);
        if !is_map {
            let root = std::rc::Rc::clone(&ctx.files[index as usize].root);
            ctx.wrong_type(&root, "(included file)", "a Compose file (a map)");
            continue;
        }
        super::check_top_level(ctx, index);
        layers.push(index);
    }

    let mut resolver = Extends {
        vars,
        memo: BTreeMap::new(),
    };
    // What an included application's own override paths replace is not kept (as overridden
    // facts) the way the project's own override file's is.
    let mut replaced = BTreeMap::new();
    let mut resolved: Vec<Resolved> =
        super::merge_layers(ctx, &mut resolver, &layers, &mut replaced);
    chain.push(canonical);
    for &layer in &layers {
        let nested = services(ctx, opts, layer, &resolver.vars.vars, chain);
        super::add_included(ctx, &mut resolved, nested);
    }
    chain.pop();
    super::report_unset(&resolver.vars, ctx);
    resolved
        .into_iter()
        .map(|(name, key, def)| Service {
            name,
            key,
            def,
            entry: entry.at.clone(),
        })
        .collect()
}
