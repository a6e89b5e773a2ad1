//! The source documents themselves, for backends that write patched copies of them
//! (wiring). Kept only when asked (`frontend::Options::keep_documents`): documents cost
//! memory and time, and no other backend needs them.
//!
//! A document is a generic JSON value typed the way its reader types it (`yaml::json`); a
//! container points into one with a [`SourceRef`]. Nothing here is format-specific beyond
//! naming the format, so a backend can patch a document without reading a manifest.

use std::fmt;
use std::sync::Arc;

/// One input file's documents, in stream order (empty documents included, as `null`).
#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
    /// The file as displayed (`input::SourceFile::display`).
    pub file: Arc<str>,
    pub format: ManifestFormat,
    pub syntax: Syntax,
    pub documents: Vec<serde_json::Value>,
    /// Tags the documents carried that JSON cannot hold (`!reset`), as (line, tag).
    pub dropped_tags: Vec<(u32, String)>,
    /// A Compose file another input reads (merged into it as its override file, or through
    /// `include`): that input. Its copy is written even when it declares no container.
    pub merged_into: Option<Arc<str>>,
}

/// Who reads the file: decides how a patched copy must be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ManifestFormat {
    Compose,
    Kubernetes,
}

/// How the file was written: a copy is written the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Syntax {
    Yaml,
    Json,
}

/// Where a container is declared: a document of a file, and the path to the object that
/// declares it (a Kubernetes container, a Compose service).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SourceRef {
    pub file: Arc<str>,
    /// Index into [`Manifest::documents`].
    pub document: usize,
    pub path: Vec<PathSegment>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PathSegment {
    Key(String),
    Index(usize),
}

/// `spec.containers[0]`, `services.web` (for messages; keys are not escaped).
impl fmt::Display for SourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.path.iter().enumerate() {
            match seg {
                PathSegment::Key(k) if i == 0 => write!(f, "{k}")?,
                PathSegment::Key(k) => write!(f, ".{k}")?,
                PathSegment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// The value at `path` in `doc`, for patching.
pub fn pointer_mut<'a>(
    doc: &'a mut serde_json::Value,
    path: &[PathSegment],
) -> Option<&'a mut serde_json::Value> {
    path.iter().try_fold(doc, |v, seg| match seg {
        PathSegment::Key(k) => v.as_object_mut()?.get_mut(k),
        PathSegment::Index(i) => v.as_array_mut()?.get_mut(*i),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_point_into_documents() {
        let mut doc = json!({"spec": {"containers": [{"name": "a"}, {"name": "b.c"}]}});
        let path = vec![
            PathSegment::Key("spec".into()),
            PathSegment::Key("containers".into()),
            PathSegment::Index(1),
        ];
        assert_eq!(pointer_mut(&mut doc, &path).unwrap()["name"], "b.c");
        let r = SourceRef {
            file: Arc::from("x.yaml"),
            document: 0,
            path,
        };
        assert_eq!(r.to_string(), "spec.containers[1]");
        assert!(pointer_mut(&mut doc, &[PathSegment::Index(0)]).is_none());
    }
}
