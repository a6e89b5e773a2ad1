//! Generated YAML through cinch's reader and both Go oracles (`tools/yaml-oracle`): block and
//! flow collections, flow collections closed at odd indentation (at their key's, or left of
//! it), anchors and aliases (some undefined), `<<` merge keys, several documents with varied
//! separators, tags, every quoting and block style, and scalars that are booleans, integers
//! or floats in only one YAML version. Accept/reject and values must agree as in
//! `tests/yaml_oracle.rs`; the deliberate differences are recognized by [`deliberate`].
//!
//! In CI a bounded number of cases runs (`YAML_GEN_CASES`, default 400 per oracle). The long
//! comparison is a documented command (docs/yaml.md):
//!
//! ```sh
//! YAML_GEN_SECONDS=600 cargo test --release --test yaml_generated -- --nocapture
//! ```
//!
//! It runs each oracle for that many seconds, does not stop at the first disagreement, and
//! prints the figures and each distinct disagreement shrunk to a small input (also written
//! to `target/yaml-gen/`), to be made a fixture under `testdata/yaml/`.

mod common;
#[path = "common/oracle.rs"]
mod oracle;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use oracle::{Mode, Oracle, Outcome, cinch};
use proptest::prelude::*;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// Scalars chosen to hit typing differences between YAML 1.1 (kubectl) and 1.2 (compose-go).
const SCALARS: &[&str] = &[
    "a",
    "b c",
    "web",
    "nginx:1.27",
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "Y",
    "NO",
    "true",
    "True",
    "FALSE",
    "null",
    "Null",
    "~",
    "",
    "0",
    "-0",
    "0644",
    "0o17",
    "0x1F",
    "0b101",
    "1_000",
    "+12",
    "08",
    "09",
    "1e3",
    "1E-2",
    ".5",
    "1.",
    "-.5e+3",
    ".inf",
    "-.Inf",
    ".NaN",
    "12:30",
    "2001-12-14",
    "2001-12-14T21:59:43.10-05:00",
    "18446744073709551615",
    "99999999999999999999",
    "-9223372036854775808",
    "-9223372036854775809",
    "4611686018427387904",
    "0x8000000000000000",
    "1e20",
    "a: b",
    "a #b",
    "#c",
    "- x",
    "[x]",
    "{x}",
    "*x",
    "&x",
    "!x",
    "%x",
    "@x",
    "`x",
    "a\nb",
    "a\n\nb\n",
    " lead",
    "trail ",
    "x\\y",
    "'q'",
    "\"d\"",
    "<<",
    "=",
    "?",
    "-",
    ":",
    "a,b",
    "é",
    "\u{1F600}",
];

const KEYS: &[&str] = &[
    "a", "b", "image", "yes", "on", "y", "1", "0x10", "1.5", "~", "null", "true", "<<", "'a'",
    "\"b\"", "? c", "é",
];

const TAGS: &[&str] = &[
    "!!str",
    "!!int",
    "!!float",
    "!!bool",
    "!!null",
    "!!binary",
    "!reset",
    "!override",
    "!custom",
    "!",
];

#[derive(Clone, Debug)]
enum Style {
    Plain,
    Single,
    Double,
    Literal(&'static str),
    Folded(&'static str),
}

#[derive(Clone, Debug)]
enum Coll {
    Block,
    Flow,
    /// One item per line, the closing bracket at this many columns left (+) or right (-) of
    /// the parent's indentation.
    FlowLines(i8),
}

#[derive(Clone, Debug)]
enum G {
    Scalar(&'static str, Style),
    Seq(Vec<Item>, Coll),
    Map(Vec<(&'static str, Item)>, Coll),
    Alias(u8),
    /// A `<<` entry's value: one alias or a list of them.
    Merge(Vec<u8>),
}

#[derive(Clone, Debug)]
struct Item {
    node: G,
    anchor: Option<u8>,
    tag: Option<&'static str>,
}

#[derive(Clone, Debug)]
struct Stream {
    docs: Vec<Item>,
    separators: Vec<&'static str>,
    indent: usize,
    final_newline: bool,
}

fn style() -> impl Strategy<Value = Style> {
    prop_oneof![
        6 => Just(Style::Plain),
        2 => Just(Style::Single),
        2 => Just(Style::Double),
        1 => prop::sample::select(vec!["", "-", "+", "2"]).prop_map(Style::Literal),
        1 => prop::sample::select(vec!["", "-", "+"]).prop_map(Style::Folded),
    ]
}

fn coll() -> impl Strategy<Value = Coll> {
    prop_oneof![
        6 => Just(Coll::Block),
        2 => Just(Coll::Flow),
        2 => (-2i8..=3).prop_map(Coll::FlowLines),
    ]
}

fn item(node: impl Strategy<Value = G>) -> impl Strategy<Value = Item> {
    (
        node,
        prop::option::weighted(0.15, 0u8..4),
        prop::option::weighted(0.1, prop::sample::select(TAGS)),
    )
        .prop_map(|(node, anchor, tag)| Item { node, anchor, tag })
}

fn tree() -> impl Strategy<Value = G> {
    let leaf = prop_oneof![
        10 => (prop::sample::select(SCALARS), style()).prop_map(|(s, st)| G::Scalar(s, st)),
        1 => (0u8..5).prop_map(G::Alias),
    ];
    leaf.prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            5 => (prop::collection::vec(item(inner.clone()), 0..5), coll())
                .prop_map(|(items, c)| G::Seq(items, c)),
            5 => (
                prop::collection::vec((prop::sample::select(KEYS), item(inner.clone())), 0..5),
                coll()
            )
                .prop_map(|(entries, c)| G::Map(entries, c)),
            1 => prop::collection::vec(0u8..5, 1..3).prop_map(G::Merge),
        ]
    })
}

fn stream() -> impl Strategy<Value = Stream> {
    (
        prop::collection::vec(item(tree()), 1..4),
        prop::collection::vec(
            prop::sample::select(vec![
                "---\n",
                "--- \n",
                "--- # c\n",
                "...\n---\n",
                "\n---\n",
            ]),
            3,
        ),
        1usize..5,
        prop::bool::weighted(0.85),
    )
        .prop_map(|(docs, separators, indent, final_newline)| Stream {
            docs,
            separators,
            indent,
            final_newline,
        })
}

/// The text of a generated stream.
fn render(s: &Stream) -> String {
    let mut out = String::new();
    for (i, d) in s.docs.iter().enumerate() {
        if i > 0 {
            out.push_str(s.separators[(i - 1) % s.separators.len()]);
        }
        let mut r = Renderer {
            out: String::new(),
            w: s.indent,
        };
        r.top(d);
        out.push_str(&r.out);
    }
    if !s.final_newline {
        while out.ends_with('\n') {
            out.pop();
        }
    }
    out
}

struct Renderer {
    out: String,
    w: usize,
}

impl Renderer {
    fn top(&mut self, d: &Item) {
        let head = props(d);
        match &d.node {
            G::Seq(items, Coll::Block) if !items.is_empty() => {
                if !head.is_empty() {
                    self.out.push_str(&head);
                    self.out.push('\n');
                }
                self.block_seq(items, 0);
            }
            G::Map(entries, Coll::Block) if !entries.is_empty() => {
                if !head.is_empty() {
                    self.out.push_str(&head);
                    self.out.push('\n');
                }
                self.block_map(entries, 0);
            }
            _ => {
                self.out.push_str(&head);
                self.inline(d, 0);
                self.out.push('\n');
            }
        }
    }

    fn block_seq(&mut self, items: &[Item], indent: usize) {
        for it in items {
            self.out.push_str(&" ".repeat(indent));
            self.out.push('-');
            self.value(it, indent);
        }
    }

    fn block_map(&mut self, entries: &[(&'static str, Item)], indent: usize) {
        for (k, it) in entries {
            self.out.push_str(&" ".repeat(indent));
            self.out.push_str(k);
            self.out.push(':');
            self.value(it, indent);
        }
    }

    /// A value after `key:` or `-` at `indent`; ends with a line break.
    fn value(&mut self, it: &Item, indent: usize) {
        let head = props(it);
        match &it.node {
            G::Seq(items, Coll::Block) if !items.is_empty() => {
                self.out.push_str(&head);
                self.out.push('\n');
                self.block_seq(items, indent + self.w);
            }
            G::Map(entries, Coll::Block) if !entries.is_empty() => {
                self.out.push_str(&head);
                self.out.push('\n');
                self.block_map(entries, indent + self.w);
            }
            G::Scalar(text, Style::Literal(ind) | Style::Folded(ind)) => {
                let sign = if matches!(it.node, G::Scalar(_, Style::Literal(_))) {
                    '|'
                } else {
                    '>'
                };
                let _ = writeln!(self.out, "{head} {sign}{ind}");
                let pad = if *ind == "2" {
                    indent + 2
                } else {
                    indent + self.w
                };
                for line in text.split('\n') {
                    if !line.is_empty() {
                        self.out.push_str(&" ".repeat(pad));
                    }
                    self.out.push_str(line);
                    self.out.push('\n');
                }
            }
            _ => {
                self.out.push(' ');
                self.out.push_str(&head);
                self.inline(it, indent);
                self.out.push('\n');
            }
        }
    }

    /// A value on the current line (flow style, scalars, aliases).
    fn inline(&mut self, it: &Item, indent: usize) {
        match &it.node {
            G::Scalar(text, style) => self.out.push_str(&scalar(text, style)),
            G::Alias(n) => {
                let _ = write!(self.out, "*a{n}");
            }
            G::Merge(ids) if ids.len() == 1 => {
                let _ = write!(self.out, "*a{}", ids[0]);
            }
            G::Merge(ids) => {
                let list: Vec<String> = ids.iter().map(|n| format!("*a{n}")).collect();
                let _ = write!(self.out, "[{}]", list.join(", "));
            }
            G::Seq(items, c) => {
                let parts: Vec<String> = items.iter().map(|i| self.flow_item(i)).collect();
                self.flow(&parts, "[", "]", c, indent);
            }
            G::Map(entries, c) => {
                let parts: Vec<String> = entries
                    .iter()
                    .map(|(k, i)| format!("{k}: {}", self.flow_item(i)))
                    .collect();
                self.flow(&parts, "{", "}", c, indent);
            }
        }
    }

    fn flow_item(&self, it: &Item) -> String {
        let mut r = Renderer {
            out: props(it),
            w: self.w,
        };
        if !r.out.is_empty() {
            r.out.push(' ');
        }
        let flat = match &it.node {
            G::Seq(items, _) => G::Seq(items.clone(), Coll::Flow),
            G::Map(entries, _) => G::Map(entries.clone(), Coll::Flow),
            G::Scalar(t, Style::Literal(_) | Style::Folded(_)) => G::Scalar(t, Style::Double),
            other => other.clone(),
        };
        r.inline(
            &Item {
                node: flat,
                anchor: None,
                tag: None,
            },
            0,
        );
        r.out
    }

    fn flow(&mut self, parts: &[String], open: &str, close: &str, c: &Coll, indent: usize) {
        match c {
            Coll::FlowLines(shift) if !parts.is_empty() => {
                self.out.push_str(open);
                self.out.push('\n');
                for (i, p) in parts.iter().enumerate() {
                    self.out.push_str(&" ".repeat(indent + self.w));
                    self.out.push_str(p);
                    if i + 1 < parts.len() {
                        self.out.push(',');
                    }
                    self.out.push('\n');
                }
                let at = (indent as i64 - i64::from(*shift)).max(0) as usize;
                self.out.push_str(&" ".repeat(at));
                self.out.push_str(close);
            }
            _ => {
                self.out.push_str(open);
                self.out.push_str(&parts.join(", "));
                self.out.push_str(close);
            }
        }
    }
}

/// Anchor and tag written before a node.
fn props(it: &Item) -> String {
    let mut s = String::new();
    if let Some(a) = it.anchor {
        let _ = write!(s, "&a{a}");
    }
    if let Some(t) = it.tag {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(t);
    }
    if let G::Merge(_) = it.node {
        // Merge values carry no properties of their own here.
        s.clear();
    }
    s
}

fn scalar(text: &str, style: &Style) -> String {
    match style {
        Style::Plain => text.replace('\n', " "),
        Style::Single => format!("'{}'", text.replace('\'', "''").replace('\n', "\n\n")),
        Style::Double | Style::Literal(_) | Style::Folded(_) => {
            let mut s = String::from("\"");
            for c in text.chars() {
                match c {
                    '"' => s.push_str("\\\""),
                    '\\' => s.push_str("\\\\"),
                    '\n' => s.push_str("\\n"),
                    c => s.push(c),
                }
            }
            s.push('"');
            s
        }
    }
}

/// Why a disagreement is one of the deliberate differences (docs/yaml.md lists them), if it
/// is. `other` is the oracle of the other mode.
fn deliberate(
    text: &str,
    mode: Mode,
    ours: &Outcome,
    real: &Outcome,
    oracle: &mut Oracle,
    other: &mut Oracle,
) -> Option<&'static str> {
    let our_error = match ours {
        Outcome::Rejected { message, .. } => Some(message.as_str()),
        Outcome::Accepted(_) => None,
    };
    let real_error = match real {
        Outcome::Rejected { message, .. } => Some(message.as_str()),
        Outcome::Accepted(_) => None,
    };
    if our_error.is_some_and(|m| {
        m.contains("while scanning a tag") || m.contains("cannot read what follows")
    }) {
        return Some(
            "a tag directly followed by `[`, `]` or `,` (go-yaml reads them into the tag)",
        );
    }
    if mode == Mode::K8s
        && ours.accepted()
        && text.trim_start().starts_with('{')
        && real_error.is_some_and(|m| !m.starts_with("yaml:"))
    {
        return Some("kubectl reads a stream starting with `{` as JSON");
    }
    if mode == Mode::K8s
        && real.accepted()
        && our_error.is_some()
        && !other.read(text.as_bytes()).accepted()
    {
        return Some("syntax go-yaml v2 accepts and v3 refuses: cinch follows v3");
    }
    // cinch refuses an unknown anchor itself, so when it accepts, the anchor is in the stream.
    if mode == Mode::K8s
        && ours.accepted()
        && real_error.is_some_and(|m| m.contains("unknown anchor"))
    {
        return Some(
            "an alias of an earlier document's anchor: go-yaml v3 reads it, kubectl parses each document alone",
        );
    }
    if mode == Mode::K8s
        && ours.accepted()
        && real_error.is_some_and(|m| m.contains("did not find expected node content"))
        && has_end_marker_only_document(text)
    {
        return Some(
            "a document of only `...`: kubectl's splitter hands go-yaml v2 that chunk alone, which it refuses",
        );
    }
    if mode == Mode::V3
        && real.accepted()
        && our_error.is_some_and(|m| m.contains("value contains itself"))
    {
        return Some(
            "an alias inside its own anchor as a `<<` source: v3 refuses it only when decoding recurses into it; cinch refuses it always, as v2 does",
        );
    }
    if mode == Mode::K8s && oracle::kubectl_merges_keys(text) {
        return Some("keys kubectl names alike (`yes:` and `true:`): go-yaml v2 keeps the last");
    }
    if mode == Mode::V3 && ours.accepted() && real_error.is_some_and(|m| m.contains("as a !!bool"))
    {
        return Some("explicit !!bool on a YAML 1.1 boolean (kubectl reads it)");
    }
    if let (Outcome::Accepted(a), Outcome::Accepted(b)) = (ours, real)
        && a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| same_but_timestamps(x, y))
    {
        return Some("go-yaml v3 reads a plain date as a timestamp; cinch keeps the text");
    }
    if mode == Mode::K8s && !text.is_empty() && !text.ends_with('\n') {
        let padded = format!("{text}\n");
        if cinch(padded.as_bytes(), mode).agrees(real)
            && oracle.read(padded.as_bytes()).agrees(real)
        {
            return Some("kubectl's splitter adds a final line break");
        }
    }
    None
}

/// Whether a chunk between `---` lines (as kubectl splits) holds `...` and nothing else.
fn has_end_marker_only_document(text: &str) -> bool {
    let mut chunk: Vec<&str> = Vec::new();
    let only_end = |c: &[&str]| {
        let lines: Vec<&str> = c
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        !lines.is_empty() && lines.iter().all(|l| *l == "...")
    };
    for line in text.lines() {
        if line.starts_with("---") {
            if only_end(&chunk) {
                return true;
            }
            chunk.clear();
        } else {
            chunk.push(line);
        }
    }
    only_end(&chunk)
}

/// Equal, where the oracle's `{"!timestamp": …}` may stand for cinch's string.
fn same_but_timestamps(ours: &serde_json::Value, real: &serde_json::Value) -> bool {
    use serde_json::Value::{Array, Object, String};
    match (ours, real) {
        (String(_), Object(m)) if m.len() == 1 && m.contains_key("!timestamp") => true,
        (Array(a), Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_but_timestamps(x, y))
        }
        (Object(a), Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, x)| b.get(k).is_some_and(|y| same_but_timestamps(x, y)))
        }
        _ => ours == real,
    }
}

/// How cinch's reading of a stream compares with the oracle's.
enum Verdict {
    Agree,
    /// A deliberate difference (docs/yaml.md), by its reason.
    Deliberate(&'static str),
    /// A disagreement, by its kind.
    Differs(String),
}

/// The disagreement, if cinch and the oracle differ other than deliberately.
fn differs(text: &str, oracles: &mut [Oracle; 2], which: usize) -> Option<String> {
    match verdict(text, oracles, which) {
        Verdict::Differs(kind) => Some(kind),
        Verdict::Agree | Verdict::Deliberate(_) => None,
    }
}

fn verdict(text: &str, oracles: &mut [Oracle; 2], which: usize) -> Verdict {
    let (a, b) = oracles.split_at_mut(1);
    let (oracle, other) = if which == 0 {
        (&mut a[0], &mut b[0])
    } else {
        (&mut b[0], &mut a[0])
    };
    let real = oracle.read(text.as_bytes());
    let ours = cinch(text.as_bytes(), oracle.mode());
    if ours.agrees(&real) {
        return Verdict::Agree;
    }
    if let Some(why) = deliberate(text, oracle.mode(), &ours, &real, oracle, other) {
        return Verdict::Deliberate(why);
    }
    Verdict::Differs(match (&ours, &real) {
        (Outcome::Accepted(_), Outcome::Accepted(_)) => "values differ".to_owned(),
        (Outcome::Accepted(_), Outcome::Rejected { message, .. }) => {
            format!("cinch accepts, oracle rejects: {message}")
        }
        (Outcome::Rejected { message, .. }, _) => format!("cinch rejects: {message}"),
    })
}

/// Shrink a failing case as far as it keeps failing with the same kind of disagreement.
fn shrink(
    tree: &mut impl ValueTree<Value = Stream>,
    oracles: &mut [Oracle; 2],
    which: usize,
    kind: &str,
) -> String {
    let mut best = render(&tree.current());
    for _ in 0..2000 {
        if !tree.simplify() {
            break;
        }
        loop {
            let text = render(&tree.current());
            if differs(&text, oracles, which).is_some_and(|k| same_kind(&k, kind)) {
                best = text;
                break;
            }
            if !tree.complicate() {
                return best;
            }
        }
    }
    best
}

/// Two disagreements are of one kind when they differ only in numbers and quoted text.
fn same_kind(a: &str, b: &str) -> bool {
    kind_key(a) == kind_key(b)
}

fn kind_key(kind: &str) -> String {
    let mut out = String::new();
    let mut quoted = None;
    for c in kind.chars() {
        match quoted {
            Some(q) if c == q => quoted = None,
            Some(_) => {}
            None if matches!(c, '`' | '\'' | '"') => {
                quoted = Some(c);
                out.push('_');
            }
            None if c.is_ascii_digit() => {}
            None => out.push(c),
        }
    }
    out.chars().take(100).collect()
}

fn case_count() -> usize {
    std::env::var("YAML_GEN_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400)
}

/// `YAML_GEN_FILE=path cargo test --test yaml_generated replay -- --nocapture`: one file
/// through cinch and both oracles, to study a disagreement.
#[test]
fn replay() {
    let Ok(path) = std::env::var("YAML_GEN_FILE") else {
        return;
    };
    let bytes = std::fs::read(&path).expect("YAML_GEN_FILE is readable");
    for mode in Mode::ALL {
        let Some(mut oracle) = Oracle::start(mode, "replay") else {
            return;
        };
        eprintln!("[{}] oracle {:?}", mode.name(), oracle.read(&bytes));
        eprintln!("[{}] cinch  {:?}", mode.name(), cinch(&bytes, mode));
    }
}

#[test]
fn generated_yaml_reads_as_the_real_tools_read_it() {
    let test = "yaml_generated";
    let budget = std::env::var("YAML_GEN_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_secs);
    let mut report = String::new();
    let mut failures = Vec::new();
    let (Some(v3), Some(k8s)) = (
        Oracle::start(Mode::V3, test),
        Oracle::start(Mode::K8s, test),
    ) else {
        return;
    };
    let mut oracles = [v3, k8s];
    for (which, mode) in Mode::ALL.into_iter().enumerate() {
        // A fixed seed in CI (reproducible); a fresh one per long run.
        let rng = match budget {
            Some(_) => TestRng::from_seed(RngAlgorithm::ChaCha, &rand_seed()),
            None => TestRng::deterministic_rng(RngAlgorithm::ChaCha),
        };
        let mut runner = TestRunner::new_with_rng(Config::default(), rng);
        let strategy = stream();
        let start = Instant::now();
        let mut cases = 0usize;
        let mut seen: BTreeMap<String, (usize, String)> = BTreeMap::new();
        let mut deliberate: BTreeMap<&str, usize> = BTreeMap::new();
        loop {
            match budget {
                Some(b) if start.elapsed() >= b => break,
                None if cases >= case_count() => break,
                _ => {}
            }
            let mut tree = strategy.new_tree(&mut runner).expect("a generated stream");
            cases += 1;
            let text = render(&tree.current());
            let kind = match verdict(&text, &mut oracles, which) {
                Verdict::Agree => continue,
                Verdict::Deliberate(why) => {
                    *deliberate.entry(why).or_default() += 1;
                    continue;
                }
                Verdict::Differs(kind) => kind,
            };
            let key = kind_key(&kind);
            if let Some(entry) = seen.get_mut(&key) {
                entry.0 += 1;
                continue;
            }
            let small = shrink(&mut tree, &mut oracles, which, &kind);
            seen.insert(key, (1, small));
        }
        let total: usize = seen.values().map(|(n, _)| n).sum();
        let _ = writeln!(
            report,
            "{test} [{}]: {cases} cases in {:.0?}, {total} disagreements, {} distinct; {} deliberate differences",
            mode.name(),
            start.elapsed(),
            seen.len(),
            deliberate.values().sum::<usize>()
        );
        for (why, n) in &deliberate {
            let _ = writeln!(report, "  deliberate {n} x {why}");
        }
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/yaml-gen");
        for (i, (kind, (n, small))) in seen.iter().enumerate() {
            let _ = writeln!(report, "  {n} x {kind}\n{}", indent_block(small));
            if budget.is_some() {
                let _ = std::fs::create_dir_all(&dir);
                let _ = std::fs::write(dir.join(format!("{}-{i}.yaml", mode.name())), small);
            }
            failures.push(format!(
                "[{}] {kind}:\n{}",
                mode.name(),
                indent_block(small)
            ));
        }
    }
    eprint!("{report}");
    assert!(
        failures.is_empty(),
        "generated YAML read differently (make each a fixture under testdata/yaml/):\n{}",
        failures.join("\n")
    );
}

fn indent_block(text: &str) -> String {
    text.lines()
        .map(|l| format!("    | {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn rand_seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    seed[..16].copy_from_slice(&nanos.to_le_bytes());
    seed
}
