//! `cinch audit --format patch`: a unified diff against the user's manifests that declares
//! the missing intent, each entry with its evidence as the reason. The files are read,
//! never written (issue 19, point 3).
//!
//! Where the intent goes (DESIGN.md §5, `frontend::explicit`): Compose `x-cinch.syscalls`
//! (and `writes`/`reads` for AppArmor's paths) on the service, a list item per entry;
//! Kubernetes the pod template's `cinch.dev/<key>` annotation; a Dockerfile
//! `LABEL cinch.<key>` in its last stage; the string forms separate entries with `;`. The edit is textual, at the lines the YAML tree marks, so
//! comments, order and quoting of everything else stay as the user wrote them. A shape this
//! cannot edit safely (a flow map, a multi-line annotation) is reported, not guessed.

use std::collections::BTreeMap;

use similar::TextDiff;

use crate::intent::{PathAccess, Workload, WorkloadKind};
use crate::yaml::{self, Node};

use super::attribute::Targets;
use super::{Judgement, Observed, PathIntent, Report};

/// One intent to declare: under `key` (`syscalls`, `writes`, `reads`), the call or path,
/// and the reason that cites the evidence.
struct Entry {
    key: &'static str,
    name: String,
    reason: String,
}

/// The patch, and what could not be patched (one line each).
#[derive(Debug, Default)]
pub struct Patch {
    pub diff: String,
    pub skipped: Vec<String>,
}

/// The reason written into the manifest.
pub fn reason(evidence: &str) -> String {
    format!("observed in complain mode ({evidence})")
}

/// Build the diff for every finding with declarable calls; `read` gives a file's text.
pub fn patch(
    report: &Report,
    targets: &Targets<'_>,
    read: &dyn Fn(&str) -> Option<String>,
) -> Patch {
    let mut out = Patch::default();
    // file → (workload, entries), workloads in id order.
    let mut per_file: BTreeMap<String, Vec<(&Workload, Vec<Entry>)>> = BTreeMap::new();
    for (key, f) in &report.findings {
        let mut entries: Vec<Entry> = f
            .syscalls
            .iter()
            .filter(|(_, c)| matches!(c.judgement, Judgement::Declare { .. }))
            .map(|(name, c)| Entry {
                key: "syscalls",
                name: name.clone(),
                reason: reason(&c.observed.evidence("call")),
            })
            .collect();
        for (name, c) in &f.syscalls {
            match &c.judgement {
                Judgement::NeedsCapability { capability } => out.skipped.push(format!(
                    "{}: no patch for {name}: the workload needs {capability} or a review",
                    key.0
                )),
                Judgement::Review { why } => out.skipped.push(format!(
                    "{}: no patch for {name}: dangerous whatever the reason ({why}); review the workload",
                    key.0
                )),
                Judgement::Declare { .. } | Judgement::AlreadyAllowed => {}
            }
        }
        // Paths: the records behind one proposed path counted together.
        let mut paths: BTreeMap<&PathIntent, Observed> = BTreeMap::new();
        for a in &f.apparmor {
            match (&a.declare, &a.judgement) {
                (Some(p), _) => {
                    let o = paths.entry(p).or_default();
                    if o.count == 0 {
                        o.first_line = a.observed.first_line;
                    }
                    o.count += a.observed.count;
                    for (by, n) in &a.observed.by {
                        *o.by.entry(by.clone()).or_default() += n;
                    }
                }
                (None, Judgement::NeedsCapability { capability }) => out.skipped.push(format!(
                    "{}: no patch for {} {}: the workload needs {capability} or a review",
                    key.0, a.operation, a.object
                )),
                (None, Judgement::Review { why }) => out.skipped.push(format!(
                    "{}: no patch for {} {}: {why}",
                    key.0, a.operation, a.object
                )),
                (None, Judgement::Declare { .. } | Judgement::AlreadyAllowed) => {}
            }
        }
        // A directory declared for writing covers what lies below it.
        let writes: Vec<&str> = paths
            .keys()
            .filter(|p| p.access == PathAccess::Write)
            .map(|p| p.path.as_str())
            .collect();
        for (p, o) in &paths {
            let covered = writes.iter().any(|w| {
                *w != p.path && p.path.strip_prefix(w).is_some_and(|r| r.starts_with('/'))
            });
            if !covered {
                entries.push(Entry {
                    key: p.access.key(),
                    name: p.path.clone(),
                    reason: reason(&o.evidence("record")),
                });
            }
        }
        if entries.is_empty() {
            continue;
        }
        let Some((w, _)) = targets.get(key) else {
            continue;
        };
        let Some(file) = w.at.file() else {
            out.skipped
                .push(format!("{}: no source file to patch", w.id));
            continue;
        };
        per_file
            .entry(file.to_owned())
            .or_default()
            .push((w, entries));
    }
    for (file, edits) in per_file {
        let Some(old) = read(&file).filter(|_| file != "-" && file != "<stdin>") else {
            out.skipped
                .push(format!("{file}: cannot read it back to patch (stdin?)"));
            continue;
        };
        let mut text = old.clone();
        for (w, entries) in edits {
            match edit(&text, w, &entries) {
                Ok(new) => text = new,
                Err(why) => out.skipped.push(format!("{}: {file}: {why}", w.id)),
            }
        }
        if text != old {
            let diff = TextDiff::from_lines(&old, &text);
            out.diff.push_str(
                &diff
                    .unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{file}"), &format!("b/{file}"))
                    .to_string(),
            );
        }
    }
    out
}

/// Each key's entries in turn (each edit reads the text the previous one left).
fn edit(text: &str, w: &Workload, entries: &[Entry]) -> Result<String, String> {
    let mut out = text.to_owned();
    for key in ["syscalls", "writes", "reads"] {
        let mine: Vec<&Entry> = entries.iter().filter(|e| e.key == key).collect();
        if !mine.is_empty() {
            out = edit_key(&out, w, key, &mine)?;
        }
    }
    Ok(out)
}

fn edit_key(text: &str, w: &Workload, key: &str, entries: &[&Entry]) -> Result<String, String> {
    match w.kind {
        WorkloadKind::ComposeService => compose(text, &w.name, key, entries),
        WorkloadKind::Dockerfile => Ok(dockerfile(text, key, entries)),
        WorkloadKind::Pod => kubernetes(text, w.at.line_no(), &["metadata"], key, entries),
        WorkloadKind::Deployment
        | WorkloadKind::StatefulSet
        | WorkloadKind::DaemonSet
        | WorkloadKind::ReplicaSet
        | WorkloadKind::ReplicationController
        | WorkloadKind::Job => kubernetes(
            text,
            w.at.line_no(),
            &["spec", "template", "metadata"],
            key,
            entries,
        ),
        WorkloadKind::CronJob => kubernetes(
            text,
            w.at.line_no(),
            &["spec", "jobTemplate", "spec", "template", "metadata"],
            key,
            entries,
        ),
    }
}

/// A double-quoted YAML scalar (and Dockerfile label value): `\` and `"` escaped.
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Insert `new` lines after line `after` (1-based).
fn insert_after(text: &str, after: u32, new: &[String]) -> String {
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
    let at = (after as usize).min(lines.len());
    if at > 0 && !lines[at - 1].ends_with('\n') {
        lines[at - 1].push('\n');
    }
    for (i, l) in new.iter().enumerate() {
        lines.insert(at + i, format!("{l}\n"));
    }
    lines.concat()
}

fn line_text(text: &str, line: u32) -> &str {
    text.lines()
        .nth(line.saturating_sub(1) as usize)
        .unwrap_or("")
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// The column (0-based) of a block map's keys, when `node` is a non-empty block map below
/// the line of its key.
fn block_indent(node: &Node, key_line: u32) -> Option<usize> {
    let (first, _) = node.as_map()?.first()?;
    (first.mark.line > key_line).then(|| first.mark.column.saturating_sub(1) as usize)
}

fn compose(text: &str, service: &str, key: &str, entries: &[&Entry]) -> Result<String, String> {
    let docs = yaml::load(text).map_err(|e| e.message.clone())?;
    let root = &docs.first().ok_or("empty file")?.root;
    let (skey, svc) = root
        .get("services")
        .and_then(|s| s.entry(service))
        .ok_or_else(|| format!("no service `{service}` in this file"))?;
    let ind = block_indent(svc, skey.mark.line)
        .ok_or("the service is not a block map: add x-cinch by hand")?;
    let item = |pad: usize| -> Vec<String> {
        let p = " ".repeat(pad);
        entries
            .iter()
            .flat_map(|e| {
                [
                    if key == "syscalls" {
                        format!("{p}- names: [{}]", e.name)
                    } else {
                        format!("{p}- path: {}", quoted(&e.name))
                    },
                    format!("{p}  reason: {}", quoted(&e.reason)),
                ]
            })
            .collect()
    };
    let Some((xkey, x)) = svc.entry("x-cinch") else {
        let p = " ".repeat(ind);
        let mut lines = vec![format!("{p}x-cinch:"), format!("{p}  {key}:")];
        lines.extend(item(ind + 4));
        return Ok(insert_after(text, skey.mark.line, &lines));
    };
    let xind = block_indent(x, xkey.mark.line)
        .ok_or("x-cinch is not a block map: add the entries by hand")?;
    match x.entry(key) {
        None => {
            let mut lines = vec![format!("{}{key}:", " ".repeat(xind))];
            lines.extend(item(xind + 2));
            Ok(insert_after(text, xkey.mark.line, &lines))
        }
        Some((sk, seq)) => {
            let first = seq
                .as_seq()
                .and_then(|s| s.first())
                .filter(|f| f.mark.line > sk.mark.line)
                .ok_or_else(|| {
                    format!("x-cinch.{key} is not a block list: add the entries by hand")
                })?;
            let pad = indent_of(line_text(text, first.mark.line));
            Ok(insert_after(text, sk.mark.line, &item(pad)))
        }
    }
}

/// `fstatfs: reason; chown: reason` — the string form of several entries.
fn string_form(entries: &[&Entry]) -> String {
    entries
        .iter()
        .map(|e| format!("{}: {}", e.name, e.reason))
        .collect::<Vec<_>>()
        .join("; ")
}

fn kubernetes(
    text: &str,
    line: u32,
    path: &[&str],
    key: &str,
    entries: &[&Entry],
) -> Result<String, String> {
    let annotation = format!("cinch.dev/{key}");
    let docs = yaml::load(text).map_err(|e| e.message.clone())?;
    // The document holding the workload's `metadata.name` line.
    let doc = docs
        .iter()
        .filter(|d| d.root.mark.line <= line)
        .max_by_key(|d| d.root.mark.line)
        .ok_or("the workload's document is not in this file")?;
    let (last, parents) = path.split_last().ok_or("empty path")?;
    let mut node = &doc.root;
    for p in parents {
        node = node
            .get(p)
            .ok_or_else(|| format!("no `{p}` where the pod template is"))?;
    }
    let (mkey, meta) = node
        .entry(last)
        .ok_or("the pod template has no metadata: add the annotation by hand")?;
    let mind = block_indent(meta, mkey.mark.line)
        .ok_or("metadata is not a block map: add the annotation by hand")?;
    let value = string_form(entries);
    let Some((akey, ann)) = meta.entry("annotations") else {
        let p = " ".repeat(mind);
        return Ok(insert_after(
            text,
            mkey.mark.line,
            &[
                format!("{p}annotations:"),
                format!("{p}  {annotation}: {}", quoted(&value)),
            ],
        ));
    };
    let aind = block_indent(ann, akey.mark.line)
        .ok_or("annotations is not a block map: add the annotation by hand")?;
    match ann.entry(&annotation) {
        None => Ok(insert_after(
            text,
            akey.mark.line,
            &[format!(
                "{}{annotation}: {}",
                " ".repeat(aind),
                quoted(&value)
            )],
        )),
        Some((k, v)) => {
            let old = v
                .as_str()
                .ok_or_else(|| format!("{annotation} is not a string"))?;
            if v.mark.line != k.mark.line || old.contains('\n') {
                return Err(format!(
                    "{annotation} spans several lines: add the entries by hand"
                ));
            }
            let merged = format!("{}; {value}", old.trim_end().trim_end_matches(';'));
            let new_line = format!("{}{annotation}: {}", " ".repeat(aind), quoted(&merged));
            Ok(replace_line(text, k.mark.line, &new_line))
        }
    }
}

fn replace_line(text: &str, line: u32, new: &str) -> String {
    text.split_inclusive('\n')
        .enumerate()
        .map(|(i, l)| {
            if i + 1 == line as usize {
                let eol = if l.ends_with('\n') { "\n" } else { "" };
                format!("{new}{eol}")
            } else {
                l.to_owned()
            }
        })
        .collect()
}

/// A `LABEL cinch.<key>="…"` line after the last stage's `FROM`; an existing one-key
/// label line of that name is extended instead (a second label of the same key would
/// silently win over the first).
fn dockerfile(text: &str, key: &str, entries: &[&Entry]) -> String {
    let value = string_form(entries);
    let label = format!("cinch.{key}=\"");
    let lines: Vec<&str> = text.lines().collect();
    let existing = lines.iter().rposition(|l| {
        let t = l.trim_start();
        t.get(..6).is_some_and(|p| p.eq_ignore_ascii_case("LABEL "))
            && t[6..].trim_start().starts_with(&label)
            && t.ends_with('"')
            && t.matches('"').count() == 2
    });
    if let Some(i) = existing {
        let old = lines[i].trim_start()[6..]
            .trim_start()
            .trim_start_matches(label.as_str())
            .trim_end_matches('"');
        let merged = format!("{}; {value}", old.trim_end().trim_end_matches(';'));
        return replace_line(
            text,
            (i + 1) as u32,
            &format!("LABEL cinch.{key}={}", quoted(&merged)),
        );
    }
    let from = lines
        .iter()
        .rposition(|l| {
            l.trim_start()
                .get(..5)
                .is_some_and(|p| p.eq_ignore_ascii_case("FROM "))
        })
        .map_or(0, |i| i + 1);
    insert_after(
        text,
        from as u32,
        &[format!("LABEL cinch.{key}={}", quoted(&value))],
    )
}
