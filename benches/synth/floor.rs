//! The parse half of the benches' floor, shared by `monorepo` and `shapes`: the files cinch
//! would read, each parsed into the generic value of its format and nothing more.

use std::path::{Path, PathBuf};

/// The files cinch reads in a directory walk (same names as input discovery).
pub fn input_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if p.is_dir() {
                if !name.starts_with('.') {
                    stack.push(p);
                }
            } else if cinch::input::kind_from_name(&name).is_some() {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Read each file and parse it into the generic value of its format (`serde_norway::Value`
/// per YAML document, parse-dockerfile's instructions), nothing more. Returns the number of
/// documents, so the work cannot be optimised away.
pub fn parse_floor(files: &[PathBuf]) -> usize {
    let mut docs = 0;
    for f in files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let name = f.file_name().unwrap().to_string_lossy();
        if cinch::input::kind_from_name(&name) == Some(cinch::input::SourceKind::Dockerfile) {
            if let Ok(d) = parse_dockerfile::parse(&text) {
                docs += d.instructions.len().min(1);
            }
            continue;
        }
        for doc in serde_norway::Deserializer::from_str(&text) {
            if let Ok(v) = <serde_norway::Value as serde::Deserialize>::deserialize(doc) {
                docs += usize::from(!v.is_null());
            }
        }
    }
    docs
}
