//! Where a field of a Kubernetes object is written: the typed structs of `k8s-openapi` carry
//! no positions, so lowering walks the marked YAML tree alongside them. A [`Loc`] is a field
//! path (`spec.template.spec.containers[0].image`) plus the node at that path, when it exists.
//! A field that is absent (a default) points at its nearest written ancestor, so every
//! provenance has a real line — also inside a `List` (paths start `items[3].`) and after `---`.

use crate::intent::PathSegment;
use crate::yaml::{Mark, Node};

#[derive(Clone, Debug)]
pub(crate) struct Loc<'a> {
    node: Option<&'a Node>,
    /// The node's mark, or the nearest ancestor's when the field is not written.
    mark: Mark,
    pub path: String,
}

impl<'a> Loc<'a> {
    /// The root of a document (or of a `List` item, with `base` = `items[3]`).
    pub fn root(node: &'a Node, base: &str) -> Self {
        Loc {
            node: Some(node),
            mark: node.mark,
            path: base.to_owned(),
        }
    }

    /// The value under `key`. Its mark is the value's for a scalar and the key's for a
    /// collection or null, so `hostPath:` points at its own line, not the one below.
    pub fn key(&self, key: &str) -> Loc<'a> {
        let path = if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        };
        match self.node.and_then(|n| n.entry(key)) {
            Some((k, v)) => Loc {
                node: Some(v),
                mark: if v.as_str().is_some() { v.mark } else { k.mark },
                path,
            },
            None => Loc {
                node: None,
                mark: self.mark,
                path,
            },
        }
    }

    /// Item `i` of a list.
    pub fn idx(&self, i: usize) -> Loc<'a> {
        let path = format!("{}[{i}]", self.path);
        match self
            .node
            .and_then(Node::as_seq)
            .and_then(|items| items.get(i))
        {
            Some(n) => Loc {
                node: Some(n),
                mark: n.mark,
                path,
            },
            None => Loc {
                node: None,
                mark: self.mark,
                path,
            },
        }
    }

    pub fn node(&self) -> Option<&'a Node> {
        self.node
    }

    /// Written, and not `null`.
    pub fn exists(&self) -> bool {
        self.node.is_some_and(|n| !n.is_null())
    }

    pub fn mark(&self) -> Mark {
        self.mark
    }

    pub fn line(&self) -> u32 {
        self.mark.line
    }

    /// The path as segments (`items[2].spec.containers[0]` → `items`, 2, `spec`, …), for
    /// `Container::source`. Only for paths built from field names, which hold no `.` or
    /// `[` (not for paths through annotation or label keys).
    pub fn segments(&self) -> Vec<PathSegment> {
        let mut out = Vec::new();
        for part in self.path.split('.').filter(|p| !p.is_empty()) {
            let mut pieces = part.split('[');
            if let Some(key) = pieces.next().filter(|k| !k.is_empty()) {
                out.push(PathSegment::Key(key.to_owned()));
            }
            for idx in pieces {
                let n = idx.trim_end_matches(']').parse().unwrap_or(usize::MAX);
                out.push(PathSegment::Index(n));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::load;

    #[test]
    fn paths_and_lines_follow_the_tree() {
        let docs =
            load("a: 1\n---\nspec:\n  containers:\n  - name: web\n    image: nginx\n").unwrap();
        let root = Loc::root(&docs[1].root, "");
        let image = root.key("spec").key("containers").idx(0).key("image");
        assert_eq!(image.path, "spec.containers[0].image");
        assert_eq!(image.line(), 6);
        assert!(image.exists());
        let missing = root
            .key("spec")
            .key("containers")
            .idx(0)
            .key("ports")
            .idx(0);
        assert_eq!(missing.path, "spec.containers[0].ports[0]");
        assert_eq!(
            missing.line(),
            5,
            "absent fields point at the nearest written ancestor"
        );
        assert!(!missing.exists());
        assert_eq!(root.key("spec").line(), 3, "a collection points at its key");
        let item = Loc::root(&docs[1].root, "items[2]").key("spec");
        assert_eq!(item.path, "items[2].spec");
        let c = item.key("containers").idx(0);
        assert_eq!(
            c.segments(),
            vec![
                PathSegment::Key("items".into()),
                PathSegment::Index(2),
                PathSegment::Key("spec".into()),
                PathSegment::Key("containers".into()),
                PathSegment::Index(0),
            ]
        );
    }
}
