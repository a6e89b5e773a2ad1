//! `cinch diff`: what a change does to security, rule by rule, with the reason of each.
//!
//! Both sides are profile trees (a committed directory, or inputs generated in memory); each
//! profile is read back into rules (`facts.rs`) and compared. A change **widens** when it
//! allows more: a rule that allows is added, or a rule that denies is removed. Widening
//! changes come first in every format, since they are what a reviewer must look at.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;

use super::facts::{self, Effect, ProfileFile};
use crate::backend::Backend;
use crate::output::OutputTree;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Change {
    /// Widening first when sorted.
    #[serde(skip)]
    order: u8,
    pub subject: String,
    pub backend: Backend,
    pub file: String,
    pub added: bool,
    pub widening: bool,
    /// The rule is there for undeclared intent only (`--undeclared`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub undeclared: bool,
    pub rule: String,
    pub reasons: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct DiffReport {
    pub changes: Vec<Change>,
    /// Allowed connections after the change, and which of them are new (for the graph).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub edges: Vec<Edge>,
}

/// A connection between workloads in the new profiles (`web → api:9000/TCP`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub port: String,
    pub added: bool,
    /// Allowed for undeclared intent only (drawn dashed).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub undeclared: bool,
}

impl Edge {
    pub fn from_connection(c: facts::Connection, added: bool) -> Edge {
        Edge {
            from: c.from,
            to: c.to,
            port: c.port,
            added,
            undeclared: c.undeclared,
        }
    }
}

impl DiffReport {
    pub fn widened(&self) -> bool {
        self.changes.iter().any(|c| c.widening)
    }

    fn counts(&self) -> (usize, usize) {
        let w = self.changes.iter().filter(|c| c.widening).count();
        (w, self.changes.len() - w)
    }

    /// Widening changes that are undeclared intent only.
    fn undeclared_widening(&self) -> usize {
        self.changes
            .iter()
            .filter(|c| c.widening && c.undeclared)
            .count()
    }
}

pub fn diff(old: &OutputTree, new: &OutputTree) -> DiffReport {
    // A profile with the same bytes on both sides has no changed rule, so it is not read
    // back: reading every rule of both trees took 2.8 GB and 46 s for a one-file change at
    // 10,000 workloads (issue 17). NetworkPolicies are read whole, as the graph draws every
    // connection of the new side.
    let unchanged = |path: &String| {
        !path.starts_with("networkpolicy/") && old.files.get(path) == new.files.get(path)
    };
    let old = facts::read_files(old.files.iter().filter(|(p, _)| !unchanged(p)));
    let new = facts::read_files(new.files.iter().filter(|(p, _)| !unchanged(p)));
    let before: BTreeSet<(String, String, String)> = facts::connections(&old)
        .into_iter()
        .map(|c| (c.from, c.to, c.port))
        .collect();
    let edges = facts::connections(&new)
        .into_iter()
        .map(|c| {
            let added = !before.contains(&(c.from.clone(), c.to.clone(), c.port.clone()));
            Edge::from_connection(c, added)
        })
        .collect();
    let empty = BTreeMap::new();
    let mut changes = Vec::new();
    let paths: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for path in paths {
        let (o, n) = (old.get(path), new.get(path));
        let any: &ProfileFile = n.or(o).expect("the path came from one side");
        let (orules, nrules) = (
            o.map_or(&empty, |f| &f.rules),
            n.map_or(&empty, |f| &f.rules),
        );
        for (key, rule) in nrules {
            if !orules.contains_key(key) {
                changes.push(change(any, key, rule, true));
            }
        }
        for (key, rule) in orules {
            if !nrules.contains_key(key) {
                changes.push(change(any, key, rule, false));
            }
        }
    }
    changes.sort();
    DiffReport { changes, edges }
}

fn change(file: &ProfileFile, key: &str, rule: &facts::Rule, added: bool) -> Change {
    let widening = added == (rule.effect == Effect::Allow);
    Change {
        // Declared widenings first, then undeclared ones, then narrowing.
        order: if widening {
            u8::from(rule.undeclared)
        } else {
            2
        },
        undeclared: rule.undeclared,
        subject: file.subject.clone(),
        backend: file.backend,
        file: file.path.clone(),
        added,
        widening,
        rule: key.to_owned(),
        reasons: rule.reasons.iter().cloned().collect(),
    }
}

impl DiffReport {
    pub fn text(&self) -> String {
        let mut out = String::new();
        let (w, n) = self.counts();
        if self.changes.is_empty() {
            out.push_str("cinch diff: no security-relevant change\n");
            return out;
        }
        let u = self.undeclared_widening();
        let of_which = if u > 0 {
            format!(" ({u} of them undeclared intent)")
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "cinch diff: {w} widening{of_which}, {n} narrowing change(s)"
        );
        let mut last: Option<(&str, Backend)> = None;
        for c in &self.changes {
            if last != Some((c.subject.as_str(), c.backend)) {
                let _ = writeln!(out, "\n{} — {} ({})", c.subject, c.backend.name(), c.file);
                last = Some((&c.subject, c.backend));
            }
            let sign = if c.added { '+' } else { '-' };
            let tag = match (c.widening, c.undeclared) {
                (true, false) => "widens",
                (true, true) => "widens, undeclared",
                (false, false) => "narrows",
                (false, true) => "narrows, undeclared",
            };
            let _ = writeln!(out, "  {sign} {}  [{tag}]", c.rule);
            for r in &c.reasons {
                let _ = writeln!(out, "      because {r}");
            }
        }
        out
    }

    pub fn json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// A pull-request comment: a summary table, the details per profile in `<details>`
    /// blocks (widening first), and a Mermaid graph of the connections with new ones marked.
    pub fn markdown(&self) -> String {
        let mut out = String::from("### cinch: security profile changes\n\n");
        if self.changes.is_empty() {
            out.push_str("No security-relevant change.\n");
            return out;
        }
        let (w, n) = self.counts();
        let u = self.undeclared_widening();
        let _ = writeln!(
            out,
            "{}**{w} widening**{} and {n} narrowing change(s).\n",
            if w > 0 { "⚠️ " } else { "" },
            if u > 0 {
                format!(
                    " ({u} of them undeclared intent, marked _undeclared_: allowed because no manifest says who connects; see `--undeclared`)"
                )
            } else {
                String::new()
            }
        );
        out.push_str("| profile | backend | widens | narrows |\n|---|---|---:|---:|\n");
        let mut groups: BTreeMap<(&str, Backend), Vec<&Change>> = BTreeMap::new();
        for c in &self.changes {
            groups.entry((&c.subject, c.backend)).or_default().push(c);
        }
        // Profiles with a widening change first.
        let mut ordered: Vec<_> = groups.into_iter().collect();
        ordered.sort_by_key(|((s, b), cs)| (!cs.iter().any(|c| c.widening), *s, *b));
        for ((subject, backend), cs) in &ordered {
            let wide = cs.iter().filter(|c| c.widening).count();
            let _ = writeln!(
                out,
                "| {}{} | {} | {wide} | {} |",
                if wide > 0 { "⚠️ " } else { "" },
                md_escape(subject),
                backend.name(),
                cs.len() - wide
            );
        }
        out.push('\n');
        for ((subject, backend), cs) in &ordered {
            let wide = cs.iter().filter(|c| c.widening).count();
            let _ = writeln!(
                out,
                "<details{}><summary>{}{} — {} ({} widening, {} narrowing)</summary>\n",
                if wide > 0 { " open" } else { "" },
                if wide > 0 { "⚠️ " } else { "" },
                html_escape(subject),
                backend.name(),
                wide,
                cs.len() - wide
            );
            for c in cs.iter() {
                let sign = if c.added { "➕" } else { "➖" };
                let _ = write!(out, "- {sign} `{}`", c.rule.replace('`', "'"));
                if c.undeclared {
                    out.push_str(" _undeclared_");
                }
                if !c.reasons.is_empty() {
                    let _ = write!(out, " — {}", md_escape(&c.reasons.join("; ")));
                }
                out.push('\n');
            }
            out.push_str("\n</details>\n\n");
        }
        if !self.edges.is_empty() {
            out.push_str(
                "Connections the NetworkPolicies allow (new ones in red):\n\n```mermaid\n",
            );
            out.push_str(&mermaid(&self.edges));
            out.push_str("```\n");
        }
        out
    }
}

/// Graphviz `digraph` of workload connections; added edges are red, undeclared ones dashed.
pub fn dot(edges: &[Edge]) -> String {
    let q = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let mut out = String::from("digraph cinch {\n  rankdir=LR;\n  node [shape=box];\n");
    for e in edges {
        let mut color = if e.added { " color=red" } else { "" }.to_owned();
        if e.undeclared {
            color.push_str(" style=dashed");
        }
        let _ = writeln!(
            out,
            "  {} -> {} [label={}{color}];",
            q(&e.from),
            q(&e.to),
            q(&e.port)
        );
    }
    out.push_str("}\n");
    out
}

/// Mermaid `graph LR` of workload connections; added edges are drawn thick and red,
/// undeclared ones dotted (`-.->`).
pub fn mermaid(edges: &[Edge]) -> String {
    let mut ids: BTreeMap<&str, String> = BTreeMap::new();
    for e in edges {
        for name in [&e.from, &e.to] {
            let next = format!("n{}", ids.len());
            ids.entry(name).or_insert(next);
        }
    }
    let mut out = String::from("graph LR\n");
    for (name, id) in &ids {
        let _ = writeln!(out, "  {id}[\"{}\"]", name.replace('"', "'"));
    }
    let mut added = Vec::new();
    for (i, e) in edges.iter().enumerate() {
        let arrow = if e.undeclared { "-.->" } else { "-->" };
        let _ = writeln!(
            out,
            "  {} {arrow}|\"{}\"| {}",
            ids[e.from.as_str()],
            e.port.replace('"', "'"),
            ids[e.to.as_str()]
        );
        if e.added {
            added.push(i.to_string());
        }
    }
    if !added.is_empty() {
        let _ = writeln!(
            out,
            "  linkStyle {} stroke:#d73a49,stroke-width:3px",
            added.join(",")
        );
    }
    out
}

/// Markdown-inline text: no table breaks, no HTML.
fn md_escape(s: &str) -> String {
    html_escape(s).replace('|', "\\|")
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
