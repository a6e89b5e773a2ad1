//! From text to marked documents: libyaml's event stream, folded into [`Node`] trees.
//!
//! Why libyaml (the safe Rust port `libyaml-safer`): the readers cinch must agree with are
//! ports of libyaml too. go-yaml v2 (kubectl, via sigs.k8s.io/yaml) and v3 (compose-go)
//! carry libyaml's scanner and parser, so the same grammar accepts and rejects the same
//! text, down to libyaml's leniencies that real files rely on (a multi-line flow sequence
//! closed at its key's indentation). saphyr-parser, used before, follows the YAML 1.2 spec
//! more strictly and rejected such files; patching its event stream or pre-processing the
//! text would have chased each leniency one at a time. The differential test against both
//! Go readers (`tests/yaml_oracle.rs`) holds the two together; the speed is the same
//! (argo-cd's 1.9 MB install.yaml: 24 ms of events, saphyr 22 ms).
//!
//! The loader resolves aliases (copying the anchored node, positions included) and `<<`
//! merge keys (as the reader of the file's kind applies them: compose-go's go-yaml v3 by
//! default, kubectl's v2 with [`load_as`]; see `resolve_merges`), rejects duplicate keys, and enforces the limits in `crate::limits` so a hostile
//! stream fails fast with a message naming the line. It is iterative (an explicit stack),
//! so deep input cannot overflow the call stack.

use std::collections::{HashMap, HashSet};

use libyaml_safer::{EventData, Parser, ScalarStyle};

use super::json::{Schema, Typed, is_v3_string_key, typed};
use super::node::{Mark, Node, Scalar, Style, Value};
use crate::limits::{MAX_YAML_DEPTH, MAX_YAML_DOCUMENTS, MAX_YAML_NODES};

/// One document of a YAML stream.
#[derive(Clone, Debug)]
pub struct Document {
    pub root: Node,
    /// The index of this document in its stream (0-based), for messages about empty ones.
    pub index: usize,
    /// A `<<` merge key in it builds a map differently under the other reader's rules
    /// (go-yaml v2 for a stream loaded as v3, and the reverse): a caller that finds it is
    /// of the other kind loads the stream again with that reader's rules.
    pub merges_differ: bool,
    /// Keys written twice in one map, read as kubectl's go-yaml v2 reads them: the last value
    /// wins (`load_as` with `Schema::Yaml11` only; go-yaml v3 refuses them, see `Deferred`).
    /// The caller reports them: kubectl says nothing, and a missing `---` hides this way.
    pub duplicate_keys: Vec<LoadError>,
}

/// Why a stream could not be loaded: the first problem, with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadError {
    pub mark: Mark,
    pub kind: LoadErrorKind,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadErrorKind {
    Syntax,
    Limit,
    DuplicateKey,
}

impl LoadError {
    fn new(mark: Mark, kind: LoadErrorKind, message: impl Into<String>) -> Self {
        LoadError {
            mark,
            kind,
            message: message.into(),
        }
    }
}

/// Anchors as go-yaml names them: when the anchored node *starts* (so an alias inside it is
/// to the node itself, which go-yaml refuses), the latest start of a name winning (in
/// `&a [&a x]`, `*a` after it is `x`); aliases copy finished nodes.
#[derive(Default)]
struct Anchors {
    /// Finished anchored nodes and their node counts (to bound alias expansion).
    done: HashMap<String, (Node, usize)>,
    /// The generation of the latest start of each name.
    started: HashMap<String, u64>,
    generation: u64,
}

impl Anchors {
    fn start(&mut self, name: Option<String>) -> Option<(String, u64)> {
        let name = name?;
        self.generation += 1;
        self.started.insert(name.clone(), self.generation);
        Some((name, self.generation))
    }

    /// The node that holds `name` now is still being built.
    fn is_open(&self, name: &str, stack: &[Frame]) -> bool {
        let Some(latest) = self.started.get(name) else {
            return false;
        };
        stack.iter().any(|f| match f {
            Frame::Seq { anchor, .. } | Frame::Map { anchor, .. } => anchor
                .as_ref()
                .is_some_and(|(n, g)| n == name && g == latest),
        })
    }

    fn finish(&mut self, (name, generation): (String, u64), node: &Node) {
        if self.started.get(&name) == Some(&generation) {
            let count = node.count();
            self.done.insert(name, (node.clone(), count));
        }
    }
}

/// A collection being built.
enum Frame {
    Seq {
        mark: Mark,
        anchor: Option<(String, u64)>,
        tag: Option<Box<str>>,
        items: Vec<Node>,
    },
    Map {
        mark: Mark,
        anchor: Option<(String, u64)>,
        tag: Option<Box<str>>,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
    },
}

/// libyaml's marks are 0-based.
fn mark_of(file: u32, m: libyaml_safer::Mark) -> Mark {
    Mark {
        file,
        line: u32::try_from(m.line + 1).unwrap_or(u32::MAX),
        column: u32::try_from(m.column + 1).unwrap_or(u32::MAX),
    }
}

/// libyaml's message as go-yaml words it: the problem, and what the parser was reading.
fn syntax_error(file: u32, e: &libyaml_safer::Error) -> LoadError {
    let mark = e.problem_mark().map_or(
        Mark {
            file,
            line: 1,
            column: 1,
        },
        |m| mark_of(file, m),
    );
    let message = match e.context() {
        Some(c) if !c.is_empty() => format!("{} ({c})", e.problem()),
        _ => e.problem().to_owned(),
    };
    LoadError::new(mark, LoadErrorKind::Syntax, message)
}

/// Keep the panics of libyaml-safer off stderr (the binary calls this once at start). The
/// port panics on a few inputs C libyaml reads (a tag directly followed by `,` in a flow
/// collection); the loader catches that and reports a syntax error at the line, so the
/// panic's own message and backtrace would only be noise. Other panics print as before.
pub fn quiet_reader_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info
            .location()
            .is_some_and(|l| l.file().contains("libyaml-safer"))
        {
            return;
        }
        default(info);
    }));
}

/// Load every document of `text`, `<<` merges as compose-go's go-yaml v3 applies them.
/// Empty documents (a lone `---`) come back as `Null` roots.
pub fn load(text: &str) -> Result<Vec<Document>, LoadError> {
    load_file(text, 0)
}

/// Like [`load`], `<<` merges as `schema`'s reader applies them (see [`Document::merges_differ`]).
pub fn load_as(text: &str, schema: Schema) -> Result<Vec<Document>, LoadError> {
    load_events(text, 0, &[], schema).map_err(|e| pinpoint(text, e))
}

/// Like [`load`], with every mark naming file `file` of the caller's file table.
pub fn load_file(text: &str, file: u32) -> Result<Vec<Document>, LoadError> {
    load_events(text, file, &[], Schema::Yaml12).map_err(|e| pinpoint(text, e))
}

/// Like [`load_as`], but in a document whose root map says `kind: <one of skip_kinds>`, the
/// root keys after `kind` other than `apiVersion` and `metadata` are parsed (syntax is
/// still checked) but never built. Kubernetes CustomResourceDefinitions are half of a
/// typical cluster bundle's bytes and cinch reads nothing in them but their name.
pub fn load_skipping(
    text: &str,
    skip_kinds: &[&str],
    schema: Schema,
) -> Result<Vec<Document>, LoadError> {
    load_events(text, 0, skip_kinds, schema).map_err(|e| pinpoint(text, e))
}

/// Make a syntax error point at the line a user must fix: the scanner reports a
/// truncated file at the line after the last, and a tab indent at the end of the line
/// before it.
fn pinpoint(text: &str, mut e: LoadError) -> LoadError {
    let lines: Vec<&str> = text.lines().collect();
    if e.kind == LoadErrorKind::Syntax && e.message.contains("tab") {
        let from = e.mark.line.saturating_sub(1) as usize;
        if let Some(i) = lines
            .iter()
            .enumerate()
            .skip(from)
            .find(|(_, l)| {
                l.chars()
                    .take_while(|c| c.is_whitespace())
                    .any(|c| c == '\t')
            })
            .map(|(i, _)| i)
        {
            e.mark.line = u32::try_from(i + 1).unwrap_or(u32::MAX);
            e.mark.column = 1;
        }
    }
    let last = u32::try_from(lines.len().max(1)).unwrap_or(u32::MAX);
    if e.mark.line > last {
        e.mark.line = last;
        e.mark.column =
            u32::try_from(lines.last().map_or(0, |l| l.chars().count()) + 1).unwrap_or(1);
    }
    e
}

fn load_events(
    text: &str,
    file: u32,
    skip_kinds: &[&str],
    schema: Schema,
) -> Result<Vec<Document>, LoadError> {
    // libyaml-safer 0.3 panics where C libyaml reads the NUL padding after the input: a
    // block scalar running to the end of a file that lacks a final line break (real files
    // do). So the parser reads the text with one, and `unterminated` undoes what that break
    // adds to such a scalar: go-yaml keeps no final break there.
    let unterminated = !text.is_empty() && !text.ends_with(['\n', '\r']);
    let padded;
    let input_text = if unterminated {
        padded = format!("{text}\n");
        padded.as_str()
    } else {
        text
    };
    let last_line_has_text = text
        .rsplit(['\n', '\r'])
        .next()
        .is_some_and(|l| l.chars().any(|c| !matches!(c, ' ' | '\t')));
    let mut parser = PooledParser::take();
    parser.set_input(std::io::Cursor::new(input_text.as_bytes().to_vec()));
    let mut mark = Mark {
        file,
        line: 1,
        column: 1,
    };
    // The current document's kind is one of `skip_kinds`.
    let mut skipped_doc = false;
    // Inside a skipped root value: how deeply nested below it the parser is.
    let mut skipping: Option<usize> = None;
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors = Anchors::default();
    let mut merges_differ = false;
    let mut duplicate_keys = Vec::new();
    // How many errors were held before this document.
    let mut held_before = 0;
    let mut deferred = Deferred {
        schema,
        pending: Vec::new(),
    };
    let mut nodes = 0usize;
    let mut root: Option<Node> = None;

    let end = loop {
        // A panic is a bug of the port (C libyaml has none there); it must not take the
        // whole run down, so it becomes a syntax error at the last position read.
        let event = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parser.parse()))
            .map_err(|_| {
                LoadError::new(
                    mark,
                    LoadErrorKind::Syntax,
                    "the YAML reader cannot read what follows here (a tag directly followed \
                     by `,` in a flow collection is one such case: put a space after the tag)",
                )
            })?
            .map_err(|e| syntax_error(file, &e))?;
        mark = mark_of(file, event.start_mark);
        let at_end = event.end_mark.index as usize >= input_text.len();
        if let Some(depth) = skipping.as_mut() {
            match event.data {
                EventData::SequenceStart { .. } | EventData::MappingStart { .. } => *depth += 1,
                EventData::SequenceEnd | EventData::MappingEnd => *depth -= 1,
                _ => {}
            }
            // The value ends with its last collection end, or is one scalar or alias.
            if *depth == 0 {
                skipping = None;
            }
            continue;
        }
        // A finished node, to be placed into its parent (or to become the document root).
        // The node is an alias of something other than a map: go-yaml refuses it as a `<<`
        // value though the aliased list may hold maps (a written list of maps is fine).
        let mut alias_of_non_map = false;
        // The node stands for an alias inside its own anchor (see `Deferred`).
        let mut self_alias: Option<LoadError> = None;
        let done: Option<(Node, Option<(String, u64)>)> = match event.data {
            EventData::StreamStart { .. } => None,
            EventData::StreamEnd => break mark,
            EventData::DocumentStart { .. } => {
                if docs.len() >= MAX_YAML_DOCUMENTS {
                    return Err(LoadError::new(
                        mark,
                        LoadErrorKind::Limit,
                        format!("more than {MAX_YAML_DOCUMENTS} YAML documents in one file"),
                    ));
                }
                None
            }
            EventData::DocumentEnd { .. } => {
                skipped_doc = false;
                let root = root.take().unwrap_or_else(|| Node::new(mark, Value::Null));
                deferred.check(&root)?;
                // Errors held and dropped: v2 raises them, so it reads the document otherwise.
                merges_differ |= deferred.pending.len() > held_before;
                held_before = deferred.pending.len();
                docs.push(Document {
                    root,
                    index: docs.len(),
                    merges_differ: std::mem::take(&mut merges_differ),
                    duplicate_keys: std::mem::take(&mut duplicate_keys),
                });
                None
            }
            EventData::Alias { anchor } if anchors.is_open(&anchor, &stack) => {
                let e = LoadError::new(
                    mark,
                    LoadErrorKind::Syntax,
                    format!("anchor '{anchor}' value contains itself"),
                );
                deferred.raise(mark, Shape::Leaf, e.clone())?;
                self_alias = Some(e);
                Some((Node::new(mark, Value::Null), None))
            }
            EventData::Alias { anchor } => match anchors.done.get(&anchor) {
                Some((node, count)) => {
                    nodes += count;
                    if nodes > MAX_YAML_NODES {
                        return Err(too_many_nodes(mark));
                    }
                    alias_of_non_map = !matches!(node.value, Value::Map(_));
                    Some((node.clone(), None))
                }
                // In a skipped document the anchor may be in a part never built, which the
                // document's head has no use for.
                None if skipped_doc => Some((Node::new(mark, Value::Null), None)),
                None => {
                    return Err(LoadError::new(
                        mark,
                        LoadErrorKind::Syntax,
                        format!("unknown anchor '{anchor}' referenced"),
                    ));
                }
            },
            EventData::Scalar {
                anchor,
                tag,
                value: mut text,
                style,
                ..
            } => {
                if unterminated
                    && at_end
                    && last_line_has_text
                    && matches!(style, ScalarStyle::Literal | ScalarStyle::Folded)
                    && text.ends_with('\n')
                {
                    text.pop();
                }
                nodes += 1;
                if nodes > MAX_YAML_NODES {
                    return Err(too_many_nodes(mark));
                }
                let tag = tag.map(String::into_boxed_str);
                let style = match style {
                    ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Style::Quoted,
                    ScalarStyle::Literal | ScalarStyle::Folded => Style::Block,
                    // `ScalarStyle` is non-exhaustive; the parser reports only the styles
                    // above and `Plain`.
                    _ => Style::Plain,
                };
                let node = Node {
                    mark,
                    tag,
                    value: Value::Scalar(Scalar { text, style }),
                };
                if let Some(why) = super::json::tag_error(&node) {
                    let e = LoadError::new(mark, LoadErrorKind::Syntax, why);
                    deferred.raise(mark, Shape::Leaf, e)?;
                }
                Some((node, anchors.start(anchor)))
            }
            EventData::SequenceStart { anchor, tag, .. } => {
                push_frame(
                    &mut stack,
                    mark,
                    Frame::Seq {
                        mark,
                        anchor: anchors.start(anchor),
                        tag: tag.map(String::into_boxed_str),
                        items: Vec::new(),
                    },
                )?;
                nodes += 1;
                None
            }
            EventData::MappingStart { anchor, tag, .. } => {
                push_frame(
                    &mut stack,
                    mark,
                    Frame::Map {
                        mark,
                        anchor: anchors.start(anchor),
                        tag: tag.map(String::into_boxed_str),
                        entries: Vec::new(),
                        key: None,
                    },
                )?;
                nodes += 1;
                None
            }
            EventData::SequenceEnd => match stack.pop() {
                Some(Frame::Seq {
                    mark,
                    anchor,
                    tag,
                    items,
                }) => Some((
                    Node {
                        mark,
                        tag,
                        value: Value::Seq(items),
                    },
                    anchor,
                )),
                _ => {
                    return Err(LoadError::new(
                        mark,
                        LoadErrorKind::Syntax,
                        "unbalanced sequence",
                    ));
                }
            },
            EventData::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    mark,
                    anchor,
                    tag,
                    mut entries,
                    ..
                }) => {
                    // go-yaml v3 decodes a merged map into this one: its held error is ours.
                    if let Some(e) = deferred.of_sources(&entries) {
                        deferred.raise(mark, Shape::Map, e)?;
                    }
                    let duplicates = check_duplicates(&entries);
                    if !duplicates.is_empty() {
                        match schema {
                            // A duplicate key, too, is found only when go-yaml v3 decodes the
                            // map; it names the first one, as v3 does.
                            Schema::Yaml12 => {
                                deferred.raise(mark, Shape::Map, duplicate(&duplicates[..1]))?;
                            }
                            // go-yaml v2's non-strict decoding (sigs.k8s.io/yaml) sets the
                            // entries in the order written, `<<` merges included: the last wins.
                            Schema::Yaml11 => {
                                entries = merge_v2(&entries)?;
                                duplicate_keys.push(duplicate(&duplicates));
                            }
                        }
                    }
                    let entries = match resolve_merges(entries, schema) {
                        Ok((entries, differ)) => {
                            merges_differ |= differ;
                            entries
                        }
                        Err((e, entries)) => {
                            deferred.raise(mark, Shape::Map, e)?;
                            entries
                                .into_iter()
                                .filter(|(k, _)| !is_merge_key(k))
                                .collect()
                        }
                    };
                    Some((
                        Node {
                            mark,
                            tag,
                            value: Value::Map(entries),
                        },
                        anchor,
                    ))
                }
                _ => {
                    return Err(LoadError::new(
                        mark,
                        LoadErrorKind::Syntax,
                        "unbalanced mapping",
                    ));
                }
            },
        };

        let Some((node, anchor)) = done else { continue };
        if let Some(anchor) = anchor {
            anchors.finish(anchor, &node);
        }
        let at_root = stack.len() == 1;
        match stack.last_mut() {
            None => root = Some(settle(node)),
            Some(Frame::Seq { items, .. }) => items.push(settle(node)),
            Some(Frame::Map {
                entries,
                key,
                mark: map_mark,
                ..
            }) => match key.take() {
                None if at_root
                    && skipped_doc
                    && !matches!(node.as_str(), Some("apiVersion" | "kind" | "metadata")) =>
                {
                    skipping = Some(0);
                }
                None if matches!(node.value, Value::Seq(_) | Value::Map(_)) => {
                    // go-yaml decodes into Go maps, whose keys cannot be collections: both
                    // compose-go and kubectl fail with "invalid map key" when they decode
                    // the map (held as `Deferred` says); the entry is dropped below.
                    let e = LoadError::new(
                        node.mark,
                        LoadErrorKind::Syntax,
                        format!("{} cannot be a map key", node.kind()),
                    );
                    deferred.raise(*map_mark, Shape::Map, e)?;
                    *key = Some(node);
                }
                None => *key = Some(node),
                // The collection key's error is held on this map; the entry never counts.
                Some(k) if matches!(k.value, Value::Seq(_) | Value::Map(_)) => {}
                Some(k) if self_alias.is_some() && is_merge_key(&k) => {
                    let e = self_alias.take().expect("checked");
                    deferred.raise(*map_mark, Shape::Map, e)?;
                }
                Some(k) if alias_of_non_map && is_merge_key(&k) => {
                    let e = LoadError::new(
                        node.mark,
                        LoadErrorKind::Syntax,
                        format!(
                            "`<<` merge key needs a map or a list of maps, found an alias of {}",
                            node.kind()
                        ),
                    );
                    deferred.raise(*map_mark, Shape::Map, e)?;
                }
                Some(k) => {
                    if at_root
                        && k.as_str() == Some("kind")
                        && node.as_str().is_some_and(|v| skip_kinds.contains(&v))
                    {
                        skipped_doc = true;
                    }
                    entries.push((k, settle(node)));
                }
            },
        }
    };
    if !stack.is_empty() {
        return Err(LoadError::new(
            end,
            LoadErrorKind::Syntax,
            "unexpected end of input inside a collection",
        ));
    }
    Ok(docs)
}

/// A parser from this thread's pool, reset and given back when dropped. A new parser
/// allocates a 64 KB input buffer, which the allocator hands out as freshly zeroed pages
/// again and again over thousands of files (issue 17: 4% of a 10,000-workload run); a reset
/// one keeps it. A pool rather than one cell, so a nested load gets a parser of its own.
/// The input is an owned copy (a reader borrowing the text could not be kept between texts).
struct PooledParser(Option<Parser<std::io::Cursor<Vec<u8>>>>);

thread_local! {
    static PARSERS: std::cell::RefCell<Vec<Parser<std::io::Cursor<Vec<u8>>>>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

impl PooledParser {
    fn take() -> Self {
        let pooled = PARSERS.with(|p| p.borrow_mut().pop());
        PooledParser(Some(pooled.unwrap_or_default()))
    }
}

impl std::ops::Deref for PooledParser {
    type Target = Parser<std::io::Cursor<Vec<u8>>>;
    fn deref(&self) -> &Self::Target {
        self.0
            .as_ref()
            .expect("a pooled parser is present until dropped")
    }
}

impl std::ops::DerefMut for PooledParser {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.0
            .as_mut()
            .expect("a pooled parser is present until dropped")
    }
}

impl Drop for PooledParser {
    fn drop(&mut self) {
        if let Some(mut parser) = self.0.take() {
            // Also after a panic inside the parser: reset sets every field anew.
            parser.reset();
            PARSERS.with(|p| p.borrow_mut().push(parser));
        }
    }
}

/// A value (not a key) that YAML reads as null becomes `Value::Null`: `~`, `null`, an empty
/// plain scalar, or anything tagged `!!null`. Keys keep their text, so `null:` twice is a
/// duplicate key (as go-yaml v3 says) while `null:` and `~:` are not.
fn settle(node: Node) -> Node {
    let Value::Scalar(s) = &node.value else {
        return node;
    };
    let is_null = match node.tag.as_deref() {
        Some(t) => t.ends_with(":null"),
        None => s.style == Style::Plain && matches!(&*s.text, "" | "~" | "null" | "Null" | "NULL"),
    };
    if is_null {
        Node {
            value: Value::Null,
            ..node
        }
    } else {
        node
    }
}

/// What a node is, to tell a map from its first key (a block map starts where that key does).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A scalar or null.
    Leaf,
    Seq,
    Map,
}

fn shape(node: &Node) -> Shape {
    match node.value {
        Value::Null | Value::Scalar(_) => Shape::Leaf,
        Value::Seq(_) => Shape::Seq,
        Value::Map(_) => Shape::Map,
    }
}

/// Errors go-yaml raises only when it decodes the node: a scalar that is not what its tag
/// says, an alias inside its own anchor, a `<<` of no map, a duplicate key or a collection
/// as a key (held on their map). go-yaml v2 (kubectl) decodes
/// every node, merged-over ones too, so they are raised at once; v3 (compose-go) never
/// decodes a merged entry that an explicit key shadows or a null key it drops, so under its
/// rules they wait until the document is built and count only if the node is in it.
struct Deferred {
    schema: Schema,
    pending: Vec<(Mark, Shape, LoadError)>,
}

impl Deferred {
    fn raise(&mut self, at: Mark, shape: Shape, e: LoadError) -> Result<(), LoadError> {
        match self.schema {
            Schema::Yaml11 => Err(e),
            Schema::Yaml12 => {
                self.pending.push((at, shape, e));
                Ok(())
            }
        }
    }

    /// A held error of a map that a `<<` of `entries` merges.
    fn of_sources(&self, entries: &[(Node, Node)]) -> Option<LoadError> {
        if self.pending.is_empty() {
            return None;
        }
        let sources = entries
            .iter()
            .filter(|(k, _)| is_merge_key(k))
            .flat_map(|(_, v)| match &v.value {
                Value::Seq(items) => items.iter().collect(),
                _ => vec![v],
            });
        for n in sources {
            if let Some((_, _, e)) = self
                .pending
                .iter()
                .find(|(m, s, _)| *m == n.mark && *s == shape(n))
            {
                return Some(e.clone());
            }
        }
        None
    }

    /// The first held error whose node is in the document.
    fn check(&self, root: &Node) -> Result<(), LoadError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            if let Some((_, _, e)) = self
                .pending
                .iter()
                .find(|(m, s, _)| *m == n.mark && *s == shape(n))
            {
                return Err(e.clone());
            }
            match &n.value {
                Value::Seq(items) => stack.extend(items.iter().rev()),
                Value::Map(entries) => {
                    for (k, v) in entries.iter().rev() {
                        stack.push(v);
                        stack.push(k);
                    }
                }
                Value::Null | Value::Scalar(_) => {}
            }
        }
        Ok(())
    }
}

fn too_many_nodes(mark: Mark) -> LoadError {
    LoadError::new(
        mark,
        LoadErrorKind::Limit,
        format!(
            "YAML expands to more than {MAX_YAML_NODES} nodes (alias expansion bomb?); refusing to read further"
        ),
    )
}

fn push_frame(stack: &mut Vec<Frame>, mark: Mark, frame: Frame) -> Result<(), LoadError> {
    if stack.len() >= MAX_YAML_DEPTH {
        return Err(LoadError::new(
            mark,
            LoadErrorKind::Limit,
            format!("YAML nested deeper than {MAX_YAML_DEPTH} levels"),
        ));
    }
    stack.push(frame);
    Ok(())
}

/// A map's entries, in the order written.
type Entries = Vec<(Node, Node)>;

fn is_merge_key(key: &Node) -> bool {
    key.as_plain() == Some("<<")
}

/// Apply `<<` merge keys as `schema`'s reader does. Also says
/// whether the other reader would build the map differently, so a caller that learns the
/// document's kind later can load it again (see [`Document::merges_differ`]).
///
/// go-yaml v3 (compose-go), as the YAML merge-key spec: explicit keys win wherever they are
/// written; among several merged maps (`<<: [*a, *b]`) the first wins; merged entries take
/// the place of the `<<` key. Into a map whose own keys are all strings, merged keys come
/// as their text (v3 picks a `map[string]any` by the map's own keys; `1:` becomes `"1"`,
/// a null key is dropped). go-yaml v2 (kubectl) applies `<<` where it is written: it
/// overrides the keys before it, the keys after it override it.
/// A `<<` value that is no map (or list of maps) is the inner error, with the entries given
/// back (the caller may defer it, see [`Deferred`]). Duplicate keys (`<<` twice among them)
/// are the caller's to check.
fn resolve_merges(
    entries: Vec<(Node, Node)>,
    schema: Schema,
) -> Result<(Entries, bool), (LoadError, Entries)> {
    if !entries.iter().any(|(k, _)| is_merge_key(k)) {
        return Ok((entries, false));
    }
    let (v3, v2) = match (merge_v3(&entries), merge_v2(&entries)) {
        (Ok(v3), Ok(v2)) => (v3, v2),
        (Err(e), _) | (_, Err(e)) => return Err((e, entries)),
    };
    let differs = !same_entries(&v3, &v2);
    Ok(match schema {
        Schema::Yaml12 => (v3, differs),
        Schema::Yaml11 => (v2, differs),
    })
}

/// The maps a `<<` value merges, in the order written.
fn merge_sources(value: &Node) -> Result<Vec<&[(Node, Node)]>, LoadError> {
    let want_map = |n: &Node| {
        LoadError::new(
            n.mark,
            LoadErrorKind::Syntax,
            format!(
                "`<<` merge key needs a map or a list of maps, found {}",
                n.kind()
            ),
        )
    };
    match &value.value {
        Value::Map(entries) => Ok(vec![entries.as_slice()]),
        Value::Seq(items) => items
            .iter()
            .map(|i| i.as_map().ok_or_else(|| want_map(i)))
            .collect(),
        _ => Err(want_map(value)),
    }
}

/// A key as the reader's Go map tells keys apart: by typed value (`1` and `0x1` are one key).
fn key_id(k: &Node, schema: Schema) -> String {
    match typed(k, schema) {
        Some(Typed::Str(s)) => format!("s{s}"),
        Some(Typed::Null) => "n".into(),
        Some(Typed::Bool(b)) => format!("b{b}"),
        Some(Typed::Int(n)) => format!("i{n}"),
        Some(Typed::Float(f)) => format!("f{}", f.to_bits()),
        // Collection keys were refused when the map was built.
        None => String::new(),
    }
}

fn merge_v3(entries: &[(Node, Node)]) -> Result<Vec<(Node, Node)>, LoadError> {
    let string_map = entries
        .iter()
        .all(|(k, _)| is_merge_key(k) || is_v3_string_key(k));
    let mut seen: HashSet<String> = entries
        .iter()
        .filter(|(k, _)| !is_merge_key(k))
        .map(|(k, _)| key_id(k, Schema::Yaml12))
        .collect();
    let mut out = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        if !is_merge_key(key) {
            out.push((key.clone(), value.clone()));
            continue;
        }
        for source in merge_sources(value)? {
            for (k, v) in source {
                let k = if string_map {
                    match typed(k, Schema::Yaml12) {
                        Some(Typed::Null) => continue,
                        Some(Typed::Str(_)) => k.clone(),
                        _ => Node {
                            mark: k.mark,
                            tag: None,
                            value: Value::Scalar(Scalar {
                                text: k.as_str().unwrap_or_default().to_owned(),
                                style: Style::Quoted,
                            }),
                        },
                    }
                } else {
                    k.clone()
                };
                if seen.insert(key_id(&k, Schema::Yaml12)) {
                    out.push((k, v.clone()));
                }
            }
        }
    }
    Ok(out)
}

fn merge_v2(entries: &[(Node, Node)]) -> Result<Vec<(Node, Node)>, LoadError> {
    let mut out: Vec<(Node, Node)> = Vec::with_capacity(entries.len());
    let mut at: HashMap<String, usize> = HashMap::new();
    let mut set = |k: &Node, v: &Node| match at.get(&key_id(k, Schema::Yaml11)) {
        Some(&i) => out[i] = (k.clone(), v.clone()),
        None => {
            at.insert(key_id(k, Schema::Yaml11), out.len());
            out.push((k.clone(), v.clone()));
        }
    };
    for (key, value) in entries {
        if !is_merge_key(key) {
            set(key, value);
            continue;
        }
        // The last merged map first, so the first one written wins.
        for source in merge_sources(value)?.into_iter().rev() {
            for (k, v) in source {
                set(k, v);
            }
        }
    }
    Ok(out)
}

/// The same entries, in any order.
fn same_entries(a: &[(Node, Node)], b: &[(Node, Node)]) -> bool {
    a.len() == b.len() && a.iter().all(|e| b.contains(e))
}

/// A key written again in a map after its first occurrence.
struct Duplicate {
    name: String,
    at: Mark,
    first_line: u32,
}

/// Every key written again after its first occurrence in `entries`, in the order written.
fn check_duplicates(entries: &[(Node, Node)]) -> Vec<Duplicate> {
    let dup = |k: &Node, name: &str, first: &Node| Duplicate {
        name: name.to_owned(),
        at: k.mark,
        first_line: first.mark.line,
    };
    // Maps in manifests are small; a quadratic scan beats hashing below ~64 keys, and
    // large maps (ConfigMap data) use the sorted path.
    let mut found = Vec::new();
    if entries.len() <= 64 {
        for (i, (k, _)) in entries.iter().enumerate() {
            let Some(name) = k.as_str() else { continue };
            if let Some((first, _)) = entries[..i].iter().find(|(p, _)| p.as_str() == Some(name)) {
                found.push(dup(k, name, first));
            }
        }
        return found;
    }
    let mut keyed: Vec<(&str, &Node)> = entries
        .iter()
        .filter_map(|(k, _)| k.as_str().map(|s| (s, k)))
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(b.0).then(a.1.mark.cmp(&b.1.mark)));
    let mut first = 0;
    for i in 1..keyed.len() {
        if keyed[i].0 == keyed[first].0 {
            found.push(dup(keyed[i].1, keyed[i].0, keyed[first].1));
        } else {
            first = i;
        }
    }
    found.sort_by_key(|d| d.at);
    found
}

/// One error for a map's duplicate keys (not empty), at the first of them: a missing `---`
/// repeats every key of an object, which is one mistake.
fn duplicate(found: &[Duplicate]) -> LoadError {
    let each = |d: &Duplicate| format!("`{}` (first defined at line {})", d.name, d.first_line);
    let message = match found {
        [one] => format!("duplicate key {}", each(one)),
        many => format!(
            "duplicate keys {}",
            many.iter().map(each).collect::<Vec<_>>().join(", ")
        ),
    };
    LoadError::new(found[0].at, LoadErrorKind::DuplicateKey, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let mut docs = load(text).unwrap();
        assert_eq!(docs.len(), 1);
        docs.remove(0).root
    }

    #[test]
    fn marks_are_one_based_and_point_at_values() {
        let root = one("a: 1\nb:\n  - x\n  - {c: d}\n");
        assert_eq!(
            root.get("a").unwrap().mark,
            Mark {
                file: 0,
                line: 1,
                column: 4
            }
        );
        let b = root.get("b").unwrap().as_seq().unwrap();
        assert_eq!(b[0].mark.line, 3);
        assert_eq!(
            b[1].get("c").unwrap().mark,
            Mark {
                file: 0,
                line: 4,
                column: 9
            }
        );
    }

    #[test]
    fn merge_keys_keep_positions_of_the_anchor_and_let_explicit_keys_win() {
        let root = one("base: &b\n  x: 1\n  y: 2\nsvc:\n  <<: *b\n  y: 3\n");
        let svc = root.get("svc").unwrap();
        assert_eq!(svc.get("x").unwrap().as_str(), Some("1"));
        assert_eq!(svc.get("x").unwrap().mark.line, 2);
        assert_eq!(svc.get("y").unwrap().as_str(), Some("3"));
        assert_eq!(svc.get("y").unwrap().mark.line, 6);
        assert_eq!(svc.as_map().unwrap().len(), 2);
    }

    #[test]
    fn merge_list_earlier_map_wins() {
        let root = one("a: &a {k: 1}\nb: &b {k: 2, j: 3}\nc:\n  <<: [*a, *b]\n");
        let c = root.get("c").unwrap();
        assert_eq!(c.get("k").unwrap().as_str(), Some("1"));
        assert_eq!(c.get("j").unwrap().as_str(), Some("3"));
    }

    #[test]
    fn duplicate_keys_are_rejected_with_both_lines() {
        let err = load("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(err.kind, LoadErrorKind::DuplicateKey);
        assert_eq!(err.mark.line, 3);
        assert!(err.message.contains("line 1"), "{}", err.message);
    }

    #[test]
    fn alias_bomb_stops_at_the_node_limit() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let err = load(&text).unwrap_err();
        assert_eq!(err.kind, LoadErrorKind::Limit);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = "[".repeat(10_000) + &"]".repeat(10_000);
        let err = load(&text).unwrap_err();
        assert!(matches!(
            err.kind,
            LoadErrorKind::Limit | LoadErrorKind::Syntax
        ));
    }

    #[test]
    fn documents_nulls_and_tags() {
        let docs = load("---\n---\na: ~\nb: !!str 12\nc: !reset []\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert!(docs[0].root.is_null());
        let r = &docs[1].root;
        assert!(r.get("a").unwrap().is_null());
        assert_eq!(r.get("b").unwrap().as_i64(), None);
        assert_eq!(r.get("b").unwrap().as_str(), Some("12"));
        assert_eq!(r.get("c").unwrap().tag.as_deref(), Some("!reset"));
    }

    #[test]
    fn skipped_kinds_keep_only_their_head() {
        let text = "apiVersion: v1\nkind: Big\nspec: {a: [1, {b: 2}], c: &x 3}\nx: *x\nmetadata: {name: n, labels: {c: *x}}\n---\nkind: Small\nspec: {a: 1}\n";
        let docs = load_skipping(text, &["Big"], Schema::Yaml12).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].root.as_map().unwrap().len(), 3);
        assert_eq!(docs[0].root.get("kind").unwrap().as_str(), Some("Big"));
        assert_eq!(
            docs[0]
                .root
                .get("metadata")
                .unwrap()
                .get("name")
                .unwrap()
                .as_str(),
            Some("n")
        );
        assert!(docs[0].root.get("spec").is_none() && docs[0].root.get("x").is_none());
        // An alias into a part never built reads as null instead of failing.
        let labels = docs[0].root.get("metadata").unwrap().get("labels").unwrap();
        assert!(labels.get("c").unwrap().is_null());
        assert_eq!(
            docs[1].root.get("spec").unwrap().get("a").unwrap().as_str(),
            Some("1")
        );
        assert!(
            load_skipping("kind: Big\nspec: [1, 2\n", &["Big"], Schema::Yaml12).is_err(),
            "syntax still checked"
        );
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let err = load("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert_eq!(err.kind, LoadErrorKind::Syntax);
        assert!(err.mark.line >= 2);
    }

    fn texts(node: &Node) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = node
            .as_map()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                let key = match &k.value {
                    Value::Scalar(s) if s.style == Style::Quoted => format!("{:?}", s.text),
                    _ => k.as_str().unwrap_or("~").to_owned(),
                };
                (key, v.as_str().unwrap_or("~").to_owned())
            })
            .collect();
        out.sort();
        out
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect()
    }

    #[test]
    fn merge_rules_follow_the_reader() {
        let text = "b: web\n<<: [{b: a, c: x}, {c: y, d: z}]\nd: last\n";
        let v3 = load_as(text, Schema::Yaml12).unwrap();
        let v2 = load_as(text, Schema::Yaml11).unwrap();
        // v3: explicit keys win wherever written, the first merged map wins.
        assert_eq!(
            texts(&v3[0].root),
            pairs(&[("b", "web"), ("c", "x"), ("d", "last")])
        );
        // v2: `<<` overrides the keys before it, the keys after it override it.
        assert_eq!(
            texts(&v2[0].root),
            pairs(&[("b", "a"), ("c", "x"), ("d", "last")])
        );
        assert!(v3[0].merges_differ && v2[0].merges_differ);
        let same = load_as("<<: {a: 1}\nb: 2\n", Schema::Yaml12).unwrap();
        assert!(!same[0].merges_differ);
    }

    #[test]
    fn v3_merges_keys_as_text_into_a_map_of_string_keys() {
        let text = "<<: {1: a, ~: b, yes: c}\nk: v\n";
        let v3 = load_as(text, Schema::Yaml12).unwrap();
        assert_eq!(
            texts(&v3[0].root),
            pairs(&[("\"1\"", "a"), ("k", "v"), ("yes", "c")])
        );
        assert!(v3[0].merges_differ);
        // A map with a key of another type keeps merged keys typed.
        let mixed = load_as("<<: {1: a}\n2: v\n", Schema::Yaml12).unwrap();
        assert_eq!(texts(&mixed[0].root), pairs(&[("1", "a"), ("2", "v")]));
    }

    #[test]
    fn every_duplicate_of_a_large_map_is_found_in_the_order_written() {
        // Over 64 keys takes the sorted path; `k3` three times, `k7` twice.
        let mut text: String = (0..70).map(|i| format!("k{i}: v\n")).collect();
        text.push_str("k7: again\nk3: again\nk3: third\n");
        let v2 = load_as(&text, Schema::Yaml11).unwrap();
        let [one] = &v2[0].duplicate_keys[..] else {
            panic!("one warning per map: {:?}", v2[0].duplicate_keys)
        };
        assert_eq!(one.mark.line, 71);
        assert!(
            one.message.ends_with(
                "`k7` (first defined at line 8), `k3` (first defined at line 4), \
                 `k3` (first defined at line 4)"
            ),
            "{}",
            one.message
        );
        assert_eq!(v2[0].root.get("k3").and_then(Node::as_str), Some("third"));
        let v3 = load_as(&text, Schema::Yaml12).unwrap_err();
        assert_eq!(v3.message, "duplicate key `k7` (first defined at line 8)");
    }

    #[test]
    fn key_errors_in_a_shadowed_merged_value_count_only_for_v2() {
        let text = "y:\n  <<: {c: {a: 1, a: 2}, d: {? [k]: v}}\n  c: 1\n  d: 2\n";
        assert!(load_as(text, Schema::Yaml12).is_ok());
        // v2 refuses the collection key at once; a duplicate key it reads, the last winning.
        let err = load_as(text, Schema::Yaml11).unwrap_err();
        assert!(
            err.message.contains("cannot be a map key"),
            "{}",
            err.message
        );
        let v2 = load_as("y:\n  <<: {c: {a: 1, a: 2}}\n  c: 1\n", Schema::Yaml11).unwrap();
        assert_eq!(v2[0].duplicate_keys.len(), 1);
        assert!(
            v2[0].duplicate_keys[0]
                .message
                .contains("`a` (first defined at line 2)")
        );
        // Merged and kept, they count for v3 too.
        let kept = load_as("y:\n  <<: {c: {a: 1, a: 2}}\n", Schema::Yaml12).unwrap_err();
        assert_eq!(kept.kind, LoadErrorKind::DuplicateKey);
        let err = load_as("y:\n  <<: {? [k]: v}\n", Schema::Yaml12).unwrap_err();
        assert!(
            err.message.contains("cannot be a map key"),
            "{}",
            err.message
        );
    }

    #[test]
    fn merge_of_an_aliased_list_is_refused() {
        let err = load("l: &l [{a: 1}]\nm:\n  <<: *l\n").unwrap_err();
        assert!(err.message.contains("merge key"), "{}", err.message);
        // A written list of aliased maps is fine.
        assert!(load("a: &a {x: 1}\nm:\n  <<: [*a]\n").is_ok());
    }
}
