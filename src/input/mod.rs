//! Input discovery: turn the command line's INPUTS (files, directories, `-`) into source
//! files, each with the name users see in messages and the kind of manifest it holds.
//!
//! Owns all reading of user files (frontends ask it for `.env`, `env_file`, `extends` files
//! and Dockerfiles through [`read_text`]), so the limits of `crate::limits` apply everywhere.
//! Names: every input is shown relative to one stable root ([`root`]: `--root`, else the
//! git work tree's top, else the working directory), a file inside an input directory as
//! `<dir>/<path inside>`. So output carries no machine paths, and the same file has the same
//! name whether it was given as a relative or an absolute path, from any directory.
//! Sources are sorted by that name: the order of INPUTS never changes the result.

use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::limits::{MAX_DIR_DEPTH, MAX_FILE_BYTES, MAX_INPUT_FILES};

pub mod root;
mod scope;
mod tooling;

/// What a file holds, as far as its name (or, for stdin, its first line) tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SourceKind {
    Dockerfile,
    /// Named like a Compose file (`compose.yaml`, `docker-compose.override.yml`).
    Compose,
    /// Some other YAML or JSON: each document is sniffed (`apiVersion`+`kind` → Kubernetes,
    /// top-level `services` → Compose).
    Yaml,
}

#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The name shown in messages and written into profile comments.
    pub display: Arc<str>,
    /// Where it is on disk; `None` for stdin.
    pub path: Option<PathBuf>,
    /// `path`, canonical (symlinks and `..` resolved): identifies a file reached twice.
    pub canonical: Option<PathBuf>,
    /// The directory relative references resolve against (build contexts, `env_file`).
    pub dir: PathBuf,
    /// The display name of `dir`, for naming files found relative to it.
    pub dir_display: String,
    pub text: String,
    pub kind: SourceKind,
    /// The app scope the file belongs to, shown like `dir_display` (see [`scope`]).
    pub scope: Arc<str>,
}

impl SourceFile {
    /// A source from memory (tests, fuzzing, stdin).
    pub fn from_text(display: &str, kind: SourceKind, text: impl Into<String>) -> Self {
        SourceFile {
            display: Arc::from(display),
            path: None,
            canonical: None,
            dir: PathBuf::from("."),
            dir_display: String::new(),
            text: text.into(),
            kind,
            scope: Arc::from(""),
        }
    }

    /// Resolve `rel` against this file's directory: the path on disk and the display name.
    pub fn relative(&self, rel: &str) -> (PathBuf, String) {
        let path = self.dir.join(rel);
        let display = normalize(&Path::new(&self.dir_display).join(rel));
        (path, display)
    }
}

/// Classify a file by its name alone. `None`: not a name cinch reads when walking a directory.
pub fn kind_from_name(name: &str) -> Option<SourceKind> {
    let lower = name.to_ascii_lowercase();
    let yaml = lower.ends_with(".yaml") || lower.ends_with(".yml");
    if lower == "dockerfile"
        || lower == "containerfile"
        || lower.starts_with("dockerfile.")
        || lower.starts_with("containerfile.")
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
    {
        Some(SourceKind::Dockerfile)
    } else if yaml && (lower.starts_with("compose") || lower.starts_with("docker-compose")) {
        Some(SourceKind::Compose)
    } else if yaml || lower.ends_with(".json") {
        Some(SourceKind::Yaml)
    } else {
        None
    }
}

/// Guess the kind of text with no usable name (stdin, an oddly named file given directly):
/// a Dockerfile starts with a parser directive, a comment, `ARG` or `FROM`.
pub fn kind_from_content(text: &str) -> SourceKind {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'));
    let is_directive = text
        .lines()
        .next()
        .map(|l| l.trim_start().to_ascii_lowercase())
        .is_some_and(|l| {
            l.starts_with("# syntax=") || l.starts_with("# escape=") || l.starts_with("# check=")
        });
    let first_word = first
        .and_then(|l| l.split_whitespace().next())
        .map(str::to_ascii_uppercase);
    if is_directive || matches!(first_word.as_deref(), Some("FROM" | "ARG")) {
        SourceKind::Dockerfile
    } else {
        SourceKind::Yaml
    }
}

/// Read a file a manifest names (`extends`, `include`, `env_file`, `.env`, a Dockerfile) as
/// text, enforcing the size limit and rejecting what is not UTF-8 text, with the line of the
/// first bad byte. Only regular files: a FIFO or a device a manifest names
/// (`include: [/dev/stdin]`) could block forever.
pub fn read_text(path: &Path, display: &str) -> Result<String, Diagnostic> {
    read_limited(path, display, true)
}

/// [`read_text`] for an input named on the command line, which may be a pipe
/// (`cinch generate <(helm template …)`).
pub fn read_input(path: &Path, display: &str) -> Result<String, Diagnostic> {
    read_limited(path, display, false)
}

fn read_limited(path: &Path, display: &str, regular_only: bool) -> Result<String, Diagnostic> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Diagnostic::error(Code::Io, display, 0, format!("cannot read: {e}")))?;
    if regular_only && !meta.is_file() {
        return Err(Diagnostic::error(
            Code::Io,
            display,
            0,
            "cannot read: not a regular file",
        ));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(display, meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| Diagnostic::error(Code::Io, display, 0, format!("cannot read: {e}")))?;
    decode(bytes, display)
}

fn too_large(display: &str, len: u64) -> Diagnostic {
    Diagnostic::error(
        Code::InputTooLarge,
        display,
        1,
        format!(
            "file is {} bytes, over the {} MiB limit for one manifest",
            len,
            MAX_FILE_BYTES / (1024 * 1024)
        ),
    )
}

/// Bytes → text: UTF-8 only, BOM dropped, no control characters besides tab, LF and CR
/// (YAML forbids them, and a NUL in a name could cut a path or a profile line short).
pub fn decode(mut bytes: Vec<u8>, display: &str) -> Result<String, Diagnostic> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(display, bytes.len() as u64));
    }
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    let line_of = |offset: usize, bytes: &[u8]| -> u32 {
        1 + bytes[..offset].iter().filter(|b| **b == b'\n').count() as u32
    };
    let bad = |b: u8| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r') || b == 0x7f;
    // A branch-free test per 64-byte block (it vectorizes); the position only when one fails.
    let first_bad = bytes
        .chunks(64)
        .position(|block| block.iter().fold(false, |any, &b| any | bad(b)))
        .and_then(|k| {
            let start = k * 64;
            bytes[start..]
                .iter()
                .position(|&b| bad(b))
                .map(|i| start + i)
        });
    if let Some(i) = first_bad {
        return Err(Diagnostic::error(
            Code::Encoding,
            display,
            line_of(i, &bytes),
            format!("control character 0x{:02x} in the text", bytes[i]),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        Diagnostic::error(
            Code::Encoding,
            display,
            line_of(at, e.as_bytes()),
            "not valid UTF-8 text",
        )
    })
}

/// Drop `.` components and a leading `./`; `dir/..` cancels out, a leading `..` stays
/// (display only, never used to open: lexical, so a file reached as `app/../shared/x` and as
/// `shared/x` has one name).
pub fn normalize(p: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::RootDir => parts.push(String::new()),
            Component::ParentDir
                if parts
                    .last()
                    .is_some_and(|last| !last.is_empty() && last != "..") =>
            {
                parts.pop();
            }
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    if parts.len() == 1 && parts[0].is_empty() {
        return "/".into();
    }
    parts.join("/")
}

/// How an input argument is shown: relative to `display_root` (see [`root`]); as given
/// when the working directory is unknown.
pub fn display_of_arg(arg: &str, display_root: Option<&Path>) -> String {
    match (display_root, std::env::current_dir()) {
        (Some(root), Ok(cwd)) => root::shown(Path::new(arg), &cwd, root),
        _ => normalize(Path::new(arg)),
    }
}

/// Find and read every source named by `inputs`. Problems are reported in `diags`; what
/// could be read is returned, sorted by display name.
pub fn discover(
    inputs: &[String],
    stdin: &mut dyn Read,
    diags: &mut Diagnostics,
) -> Vec<SourceFile> {
    let root = std::env::current_dir()
        .ok()
        .map(|cwd| root::display_root(None, &cwd));
    discover_in(None, root.as_deref(), inputs, stdin, diags)
}

/// Like [`discover`], with relative INPUTS opened under `root` but shown as they are today
/// (relative to `display_root`): how `cinch diff --git-base` reads an older commit's
/// checkout under the names of today's.
pub fn discover_in(
    root: Option<&Path>,
    display_root: Option<&Path>,
    inputs: &[String],
    stdin: &mut dyn Read,
    diags: &mut Diagnostics,
) -> Vec<SourceFile> {
    let mut found: Vec<(PathBuf, String, String, Option<SourceKind>)> = Vec::new();
    let mut patches: Vec<tooling::Patches> = Vec::new();
    let mut out = Vec::new();
    for arg in inputs {
        if arg == "-" {
            let mut bytes = Vec::new();
            if let Err(e) = stdin.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes) {
                diags.push(Diagnostic::error(
                    Code::Io,
                    "<stdin>",
                    0,
                    format!("cannot read: {e}"),
                ));
                continue;
            }
            match decode(bytes, "<stdin>") {
                Ok(text) => {
                    let kind = kind_from_content(&text);
                    let mut src = SourceFile::from_text("<stdin>", kind, text);
                    // Its relative references (`build: ./app`) are read from the working
                    // directory and named from the root, like any input's.
                    if let Ok(cwd) = std::env::current_dir() {
                        src.dir_display = display_of_arg(".", display_root);
                        src.scope = Arc::from(src.dir_display.as_str());
                        src.dir = cwd;
                    }
                    out.push(src);
                }
                Err(d) => diags.push(d),
            }
            continue;
        }
        let path = match root {
            Some(r) if Path::new(arg).is_relative() => r.join(arg),
            _ => PathBuf::from(arg),
        };
        let display = display_of_arg(arg, display_root);
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => walk(&path, &display, 0, &mut found, &mut patches, diags),
            Ok(_) => {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let dir_display = Path::new(&display)
                    .parent()
                    .map(normalize)
                    .unwrap_or_default();
                found.push((path, display.clone(), dir_display, kind_from_name(&name)));
            }
            Err(e) => diags.push(Diagnostic::error(
                Code::Io,
                &display,
                0,
                format!("cannot read: {e}"),
            )),
        }
        if found.len() > MAX_INPUT_FILES {
            diags.push(Diagnostic::error(
                Code::InputTooLarge,
                &display,
                0,
                format!("more than {MAX_INPUT_FILES} input files"),
            ));
            return out;
        }
    }
    tooling::drop_patches(&mut found, &patches, diags);
    // Canonicalizing (a syscall per path component), reading and checking the text are most
    // of discovery's time on a large tree, and each file is independent: in parallel, results
    // in the sorted order. The same file reached twice (a directory and a file in it) is kept
    // once, under its first name.
    found.sort_by(|a, b| a.1.cmp(&b.1));
    use rayon::prelude::*;
    let read: Vec<_> = found
        .into_par_iter()
        .map(|(path, display, dir_display, kind)| {
            let key = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            let text = read_input(&path, &display)?;
            let kind = kind.unwrap_or_else(|| kind_from_content(&text));
            let dir = path
                .parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
            let dir = if dir.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                dir
            };
            Ok(SourceFile {
                display: Arc::from(display.as_str()),
                path: Some(path),
                canonical: Some(key),
                scope: Arc::from(""),
                dir,
                dir_display,
                text,
                kind,
            })
        })
        .collect();
    let mut scopes = scope::Scopes::default();
    // By the canonical path's bytes: `Path`'s own order compares component by component,
    // a sixth of discovery's serial time over 8,000 files (issue 17).
    let mut seen = std::collections::HashSet::new();
    for r in read {
        match r {
            Ok(mut src) => {
                let key = src.canonical.as_ref().map(|p| p.as_os_str().to_owned());
                if seen.insert(key) {
                    src.scope = scopes.of(&src);
                    out.push(src);
                }
            }
            Err(d) => diags.push(d),
        }
    }
    out.sort_by(|a, b| a.display.cmp(&b.display));
    out
}

/// Directories never worth reading: VCS metadata, build output, dependencies.
const SKIP_DIRS: &[&str] = &[
    ".git",
    "target",
    "node_modules",
    "vendor",
    "__pycache__",
    ".venv",
];

/// Every input file under `dir`, in name order, into `found`; the patch files of each
/// kustomization met into `patches` (dropped from `found` after the walk, as a patch may
/// sit anywhere); a Helm chart is not entered (`tooling`).
fn walk(
    dir: &Path,
    display: &str,
    depth: usize,
    found: &mut Vec<(PathBuf, String, String, Option<SourceKind>)>,
    patches: &mut Vec<tooling::Patches>,
    diags: &mut Diagnostics,
) {
    if depth > MAX_DIR_DEPTH {
        diags.push(Diagnostic::error(
            Code::InputTooLarge,
            display,
            0,
            format!("directories nested deeper than {MAX_DIR_DEPTH} levels"),
        ));
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            diags.push(Diagnostic::error(
                Code::Io,
                display,
                0,
                format!("cannot read directory: {e}"),
            ));
            return;
        }
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    // The names this directory holds decide what it is, asked of the one listing: a stat
    // for each of five names in each of 3,500 directories was a third of the walk (issue 17).
    let is_file = |name: &str| {
        entries
            .binary_search_by(|e| e.file_name().as_os_str().cmp(name.as_ref()))
            .is_ok()
            && dir.join(name).is_file()
    };
    // cinch's own output tree (it holds the list of generated files): its wired manifests
    // and NetworkPolicies are not inputs, or every run would read the last. Named on the
    // command line, it is read.
    if depth > 0 && is_file(crate::output::MANIFEST) {
        return;
    }
    if tooling::is_helm_chart(&is_file) {
        diags.push(tooling::helm_note(display));
        return;
    }
    patches.extend(tooling::kustomize_patches(dir, display, &is_file));
    for entry in entries {
        if found.len() > MAX_INPUT_FILES {
            return;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let child_display = if display.is_empty() {
            name.clone()
        } else {
            format!("{display}/{name}")
        };
        // The entry's own type (as symlink_metadata gives it, from the listing on Linux): a
        // symlinked directory is not followed, so a link loop cannot make the walk endless;
        // symlinked files are read.
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_dir() {
            if SKIP_DIRS.contains(&name.as_str()) || (name.starts_with('.') && name.len() > 1) {
                continue;
            }
            walk(
                &entry.path(),
                &child_display,
                depth + 1,
                found,
                patches,
                diags,
            );
        } else if let Some(kind) = kind_from_name(&name) {
            // What a symlink points at decides, as for a file itself.
            let linked = file_type.is_symlink();
            let target = if linked {
                match std::fs::metadata(entry.path()) {
                    Ok(target) => target.file_type(),
                    Err(e) => {
                        diags.push(Diagnostic::warning(
                            Code::SkippedDocument,
                            &child_display,
                            0,
                            format!("skipped: broken or looping symlink ({e})"),
                        ));
                        continue;
                    }
                }
            } else {
                file_type
            };
            // A linked directory is not followed.
            if target.is_dir() {
                continue;
            }
            if !target.is_file() {
                // A FIFO would block the walk until someone writes to it; a socket or
                // device is no manifest.
                let what = if linked {
                    "skipped: links to something that is not a regular file"
                } else {
                    "skipped: not a regular file"
                };
                diags.push(Diagnostic::warning(
                    Code::SkippedDocument,
                    &child_display,
                    0,
                    what,
                ));
                continue;
            }
            found.push((entry.path(), child_display, display.to_owned(), Some(kind)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_decide_kinds() {
        assert_eq!(kind_from_name("Dockerfile"), Some(SourceKind::Dockerfile));
        assert_eq!(
            kind_from_name("Dockerfile.debug"),
            Some(SourceKind::Dockerfile)
        );
        assert_eq!(
            kind_from_name("api.dockerfile"),
            Some(SourceKind::Dockerfile)
        );
        assert_eq!(
            kind_from_name("docker-compose.prod.yml"),
            Some(SourceKind::Compose)
        );
        assert_eq!(kind_from_name("compose.yaml"), Some(SourceKind::Compose));
        assert_eq!(kind_from_name("deployment.yaml"), Some(SourceKind::Yaml));
        assert_eq!(kind_from_name("README.md"), None);
    }

    #[test]
    fn content_sniffing() {
        assert_eq!(
            kind_from_content("# syntax=docker/dockerfile:1\nFROM x\n"),
            SourceKind::Dockerfile
        );
        assert_eq!(
            kind_from_content("# comment\nFROM alpine\n"),
            SourceKind::Dockerfile
        );
        assert_eq!(
            kind_from_content("apiVersion: v1\nkind: Pod\n"),
            SourceKind::Yaml
        );
    }

    #[test]
    fn bad_bytes_name_their_line() {
        let d = decode(b"a: 1\nb: \x00\n".to_vec(), "x.yaml").unwrap_err();
        assert_eq!((d.line, d.code), (2, Code::Encoding));
        let d = decode(b"a: 1\n\nb: \xff\n".to_vec(), "x.yaml").unwrap_err();
        assert_eq!((d.line, d.code), (3, Code::Encoding));
        assert_eq!(decode(b"\xEF\xBB\xBFa: 1".to_vec(), "x").unwrap(), "a: 1");
    }

    #[test]
    fn normalizes_display_paths() {
        assert_eq!(normalize(Path::new("./a/./b.yaml")), "a/b.yaml");
        assert_eq!(normalize(Path::new(".")), "");
        assert_eq!(normalize(Path::new("a/../b")), "b");
        assert_eq!(normalize(Path::new("app/../../shared/x")), "../shared/x");
        assert_eq!(normalize(Path::new("../../x")), "../../x");
        assert_eq!(normalize(Path::new("/../x")), "/../x");
    }
}
