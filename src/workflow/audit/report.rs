//! The audit report as text for people and JSON for scripts (one model, two printers, as
//! ripgrep's printers share one result). Grouped by workload and container, sorted.

use std::fmt::Write;

use super::{Judgement, Report};

/// The text report.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "cinch audit: {} record(s) read, {} other line(s) skipped",
        report.records, report.noise
    );
    if report.records == 0 {
        out.push_str(
            "\nno seccomp or AppArmor record in the log: take it on the host (dmesg, journalctl -k, ausearch -i) while complain-mode profiles run\n",
        );
    } else if report.findings.is_empty() {
        out.push_str("\nno record belongs to a workload of these manifests\n");
    }
    for f in report.findings.values() {
        let _ = writeln!(out, "\n{} (container {})", f.workload, f.container);
        let section =
            |out: &mut String, title: &str, pick: &dyn Fn(&Judgement) -> Option<String>| {
                let rows: Vec<String> = f
                    .syscalls
                    .iter()
                    .filter_map(|(name, call)| {
                        let what = pick(&call.judgement)?;
                        let how: Vec<String> =
                            call.observed.matched.iter().map(|h| h.describe()).collect();
                        Some(format!(
                            "    {name} — {what}: {} (matched by {})\n",
                            call.observed.evidence("call"),
                            how.join(", ")
                        ))
                    })
                    .collect();
                if !rows.is_empty() {
                    let _ = writeln!(out, "  {title}:");
                    out.extend(rows);
                }
            };
        section(
            &mut out,
            "would be denied; explicit intent can declare it",
            &|j| match j {
                Judgement::Declare { group } => Some(group.clone()),
                _ => None,
            },
        );
        section(
            &mut out,
            "would be denied; needs a capability or a review (no patch)",
            &|j| match j {
                Judgement::NeedsCapability { capability } => Some(format!(
                    "needs {capability}: declare it (Compose cap_add, Kubernetes securityContext.capabilities.add) or review why"
                )),
                Judgement::Review { why } => Some(format!("review: {why}")),
                _ => None,
            },
        );
        section(
            &mut out,
            "already allowed by the enforcing profile (the log came from an older one)",
            &|j| matches!(j, Judgement::AlreadyAllowed).then(|| "allowed".to_owned()),
        );
        if !f.apparmor.is_empty() {
            out.push_str("  AppArmor:\n");
            for a in &f.apparmor {
                let mask = if a.mask.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", a.mask)
                };
                let then = match (&a.declare, &a.judgement) {
                    (Some(p), _) => format!("declare {}: {}", p.access.key(), p.path),
                    (None, Judgement::NeedsCapability { capability }) => {
                        format!("needs {capability} or a review (no patch)")
                    }
                    (None, Judgement::Review { why }) => format!("review: {why} (no patch)"),
                    (None, Judgement::Declare { group }) => group.clone(),
                    (None, Judgement::AlreadyAllowed) => "allowed".into(),
                };
                let _ = writeln!(
                    out,
                    "    {} {} {}{mask}: {} → {then}",
                    a.logged,
                    a.operation,
                    a.object,
                    a.observed.evidence("record")
                );
            }
        }
    }
    if !report.unmatched.is_empty() {
        out.push_str("\nunmatched records (listed, never guessed):\n");
        for u in &report.unmatched {
            let _ = writeln!(out, "  line {}: {} — {}", u.line, u.what, u.why);
        }
        if report.more_unmatched > 0 {
            let _ = writeln!(out, "  … and {} more", report.more_unmatched);
        }
    }
    if !report.problems.is_empty() {
        out.push_str("\nlines not used:\n");
        for p in &report.problems {
            let _ = writeln!(
                out,
                "  line {}: {} ({})",
                p.line,
                p.kind.describe(),
                p.detail
            );
        }
        if report.more_problems > 0 {
            let _ = writeln!(out, "  … and {} more", report.more_problems);
        }
    }
    out
}

/// The JSON report: the same model, findings as a list.
pub fn json(report: &Report) -> String {
    let value = serde_json::json!({
        "records": report.records,
        "noise": report.noise,
        "findings": report.findings.values().collect::<Vec<_>>(),
        "unmatched": report.unmatched,
        "more_unmatched": report.more_unmatched,
        "problems": report.problems,
        "more_problems": report.more_problems,
    });
    let mut s = serde_json::to_string_pretty(&value).unwrap_or_default();
    s.push('\n');
    s
}
