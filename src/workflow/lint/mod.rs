//! `cinch lint`: quality gates for the risks the manifests themselves declare.
//!
//! Every finding points at the manifest fact behind it. Suppressions live in the manifest
//! next to what they excuse — Compose `x-cinch: {allow: [{rule, reason}]}`, the annotation
//! `cinch.dev/allow: "rule: reason"`, a Dockerfile `LABEL cinch.allow="rule: reason"` — and
//! must give a reason; an allowed finding is still reported (as allowed, with its reason), and
//! an allow entry that matches nothing is reported too, so stale suppressions do not pile up.

mod checks;
pub mod rules;
mod sarif;
mod undeclared;

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::Serialize;

use crate::diag::Diagnostic;
use crate::intent::{Allow, Fact, Model, Provenance};
pub use rules::{Level, Rule};

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    #[serde(serialize_with = "rule_id")]
    pub rule: Rule,
    pub level: Level,
    pub message: String,
    pub at: Provenance,
    pub workload: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// The suppression that allows it, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Fact<Allow>>,
}

fn rule_id<S: serde::Serializer>(r: &Rule, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(r.id())
}

/// An allow entry that excused nothing (or names no rule).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct UnusedAllow {
    pub workload: String,
    pub allow: Fact<Allow>,
    pub unknown_rule: bool,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub unused_allows: Vec<UnusedAllow>,
    /// Inputs that could not be read (their files were left out; the run exits 2). Printed
    /// on stderr with the other diagnostics; in JSON here, in SARIF as notifications.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Diagnostic>,
}

/// Which findings fail the run (`--deny`).
#[derive(Clone, Debug, Default)]
pub struct Deny {
    /// `--deny warnings`: warnings fail too (errors always do).
    pub warnings: bool,
    /// `--deny RULE`: this rule fails whatever its level.
    pub rules: BTreeSet<Rule>,
}

impl Deny {
    pub fn denies(&self, f: &Finding) -> bool {
        f.allowed.is_none()
            && (f.level == Level::Error
                || (self.warnings && f.level == Level::Warning)
                || self.rules.contains(&f.rule))
    }
}

/// Run every check over the model and apply the manifests' suppressions.
pub fn lint(model: &Model) -> Report {
    let mut report = Report::default();
    let mut undeclared = undeclared::findings(model);
    for w in &model.workloads {
        let mut findings = Vec::new();
        // An operator's pods: their containers are the operator's, not the manifests'.
        if w.confinable() {
            checks::check(w, &mut findings);
        }
        findings.extend(undeclared.remove(&w.id).unwrap_or_default());
        // Allows of the workload apply to all its containers; a container's (image labels)
        // to that container only.
        let mut allows: Vec<(Option<&str>, &Fact<Allow>, bool)> =
            w.explicit.allow.iter().map(|a| (None, a, false)).collect();
        for c in &w.containers {
            allows.extend(
                c.explicit
                    .allow
                    .iter()
                    .map(|a| (Some(c.name.as_str()), a, false)),
            );
        }
        for f in &mut findings {
            if let Some(entry) = allows.iter_mut().find(|(container, a, _)| {
                a.value.rule == f.rule.id()
                    && container.is_none_or(|c| f.container.as_deref() == Some(c))
            }) {
                f.allowed = Some(entry.1.clone());
                entry.2 = true;
            }
        }
        for (_, allow, used) in allows {
            if !used {
                report.unused_allows.push(UnusedAllow {
                    workload: w.id.clone(),
                    allow: allow.clone(),
                    unknown_rule: Rule::from_id(&allow.value.rule).is_none(),
                });
            }
        }
        report.findings.extend(findings);
    }
    report.findings.sort_by(|a, b| {
        (
            a.at.file(),
            a.at.line_no(),
            a.rule,
            &a.workload,
            &a.container,
            &a.message,
        )
            .cmp(&(
                b.at.file(),
                b.at.line_no(),
                b.rule,
                &b.workload,
                &b.container,
                &b.message,
            ))
    });
    report.findings.dedup();
    report.unused_allows.sort();
    report
}

impl Report {
    pub fn failed(&self, deny: &Deny) -> bool {
        self.findings.iter().any(|f| deny.denies(f))
    }

    /// `file:line:col: level[rule]: message (workload/container)` + help, then a summary.
    pub fn text(&self, deny: &Deny) -> String {
        let mut out = String::new();
        let mut helped = BTreeSet::new();
        for f in &self.findings {
            let loc = f.at.location();
            let (file, line) = (
                loc.map_or("<inputs>", |l| &*l.file),
                loc.map_or(0, |l| l.line),
            );
            let col = loc
                .and_then(|l| l.column)
                .map(|c| format!("{c}:"))
                .unwrap_or_default();
            let who = match &f.container {
                Some(c) if !f.workload.ends_with(&format!("/{c}")) => {
                    format!("{}, container {c}", f.workload)
                }
                _ => f.workload.clone(),
            };
            let level = if f.allowed.is_some() {
                "allowed"
            } else {
                f.level.name()
            };
            let _ = writeln!(
                out,
                "{file}:{line}:{col} {level}[{}]: {} ({who})",
                f.rule.id(),
                f.message
            );
            match &f.allowed {
                Some(a) => {
                    let _ = writeln!(out, "  reason: {} ({})", a.value.reason, a.at);
                }
                // The help text once per rule: it does not change between findings.
                None if helped.insert(f.rule) => {
                    let _ = writeln!(out, "  help: {}", f.rule.help());
                }
                None => {}
            }
        }
        for u in &self.unused_allows {
            let what = if u.unknown_rule {
                "names no lint rule"
            } else {
                "matched no finding"
            };
            let _ = writeln!(
                out,
                "{}: note[unused-allow]: allow entry for `{}` {what} ({})",
                u.allow.at, u.allow.value.rule, u.workload
            );
        }
        let count = |l: Level| {
            self.findings
                .iter()
                .filter(|f| f.allowed.is_none() && f.level == l)
                .count()
        };
        let allowed = self.findings.iter().filter(|f| f.allowed.is_some()).count();
        let denied = self.findings.iter().filter(|f| deny.denies(f)).count();
        let _ = writeln!(
            out,
            "lint: {} error(s), {} warning(s), {} note(s), {allowed} allowed; {denied} denied",
            count(Level::Error),
            count(Level::Warning),
            count(Level::Note)
        );
        // The errors themselves are on stderr with every diagnostic; the summary names the
        // files that were not linted, so stdout alone never reads as a clean run.
        if !self.errors.is_empty() {
            let files: BTreeSet<&str> = self.errors.iter().map(|e| e.file.as_str()).collect();
            let _ = writeln!(
                out,
                "lint: {} input error(s); not linted: {}",
                self.errors.len(),
                files.into_iter().collect::<Vec<_>>().join(", ")
            );
        }
        out
    }

    pub fn json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        s.push('\n');
        s
    }

    /// SARIF 2.1.0 for GitHub code scanning.
    pub fn sarif(&self) -> String {
        sarif::render(self)
    }
}
