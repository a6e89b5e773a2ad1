//! The one directory every input name is shown relative to, so that a profile's provenance
//! (`# from app/compose.yaml line 12`) is the same bytes wherever cinch runs: from the
//! repository's top, from a subdirectory, or with absolute INPUTS.
//!
//! The root is `--root DIR` when given, else the top of the git work tree around the working
//! directory (the nearest ancestor holding `.git`, a directory or, in a linked worktree or
//! submodule, a file: what `git rev-parse --show-toplevel` finds without `GIT_DIR`), else the
//! working directory. A CI job and a developer's pre-commit hook then agree as long as they
//! read the same repository. No `git` process is started: a walk up is enough and works
//! where git is not installed (a container build).
//!
//! Names are lexical (`..` cancels the component before it; symlinks are not resolved), like
//! [`super::normalize`]: the name says how the user reached the file, never where a link
//! points on this machine.

use std::path::{Component, Path, PathBuf};

/// The root for display names: `explicit` (made absolute against `cwd`), else the git work
/// tree's top above `cwd`, else `cwd`.
pub fn display_root(explicit: Option<&Path>, cwd: &Path) -> PathBuf {
    if let Some(dir) = explicit {
        return absolute(dir, cwd);
    }
    cwd.ancestors()
        .find(|dir| dir.join(".git").exists())
        .unwrap_or(cwd)
        .to_path_buf()
}

/// The name of `arg` (a path as given on the command line, relative to `cwd`) relative to
/// `root`: `a/b.yaml` under the root (the root itself is `""`), `../shared/x.yaml` beside it
/// (a sibling checkout stays a stable name). Only a path that shares no directory with the
/// root but `/` (`/tmp/…` against `/home/…`) is shown absolute: a chain of `../../..` up to
/// `/` would name this machine's layout just as much, and the absolute path is what the user
/// can open; `--root` takes such a file in.
pub fn shown(arg: &Path, cwd: &Path, root: &Path) -> String {
    let path = absolute(arg, cwd);
    let root = absolute(root, cwd);
    let path_parts: Vec<Component<'_>> = path.components().collect();
    let root_parts: Vec<Component<'_>> = root.components().collect();
    let common = path_parts
        .iter()
        .zip(&root_parts)
        .take_while(|(a, b)| a == b)
        .count();
    // Both are absolute, so the first shared component is `/`.
    if common <= 1 && root_parts.len() > 1 {
        return super::normalize(&path);
    }
    let mut rel = PathBuf::new();
    for _ in common..root_parts.len() {
        rel.push("..");
    }
    rel.extend(&path_parts[common..]);
    super::normalize(&rel)
}

/// `p` against `cwd` when relative, with `.` and `dir/..` removed lexically.
fn absolute(p: &Path, cwd: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in cwd.join(p).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_relative_to_the_root_wherever_the_input_is_given_from() {
        let root = Path::new("/repo");
        let top = Path::new("/repo");
        let sub = Path::new("/repo/testdata");
        let want = "testdata/compose/webapp";
        assert_eq!(shown(Path::new("testdata/compose/webapp"), top, root), want);
        assert_eq!(shown(Path::new("compose/webapp"), sub, root), want);
        assert_eq!(
            shown(Path::new("/repo/testdata/compose/webapp"), sub, root),
            want
        );
        assert_eq!(shown(Path::new("./a/../compose/webapp"), sub, root), want);
        assert_eq!(shown(Path::new("."), top, root), "");
        assert_eq!(shown(Path::new(".."), sub, root), "");
        // Beside the root: relative; sharing only `/` with it: absolute.
        let nested = Path::new("/work/repo");
        assert_eq!(
            shown(Path::new("../shared/x"), nested, nested),
            "../shared/x"
        );
        assert_eq!(
            shown(Path::new("/work/shared/x"), nested, nested),
            "../shared/x"
        );
        assert_eq!(
            shown(Path::new("/elsewhere/x.yaml"), sub, root),
            "/elsewhere/x.yaml"
        );
        assert_eq!(shown(Path::new("../../x.yaml"), sub, root), "/x.yaml");
        assert_eq!(
            shown(Path::new("x.yaml"), Path::new("/"), Path::new("/")),
            "x.yaml"
        );
    }

    #[test]
    fn the_root_is_the_git_top_else_the_working_directory() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        assert_eq!(display_root(None, &sub), sub.as_path());
        std::fs::write(dir.path().join(".git"), "gitdir: elsewhere\n").unwrap();
        assert_eq!(display_root(None, &sub), dir.path());
        assert_eq!(
            display_root(Some(Path::new("..")), &sub),
            dir.path().join("a")
        );
    }
}
