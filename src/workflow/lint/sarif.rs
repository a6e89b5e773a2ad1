//! SARIF 2.1.0 output for GitHub code scanning, built with `serde-sarif` (typed structs
//! generated from the OASIS schema). What GitHub needs: rules with help, results with a
//! physical location (repository-relative `uri`, `startLine`), stable `partialFingerprints`
//! so an alert survives unrelated edits, and `security-severity` to rank security rules.
//! An allowed finding carries an in-source suppression with the manifest's reason.

use std::collections::BTreeMap;

use serde_json::json;
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, Message, MultiformatMessageString, Notification,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor,
    ReportingDescriptorReference, Result as SarifResult, ResultLevel, Run, Sarif, Suppression,
    Tool, ToolComponent,
};

use super::{Finding, Level, Report, Rule};
use crate::diag::Diagnostic;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(l: Level) -> ResultLevel {
    match l {
        Level::Error => ResultLevel::Error,
        Level::Warning => ResultLevel::Warning,
        Level::Note => ResultLevel::Note,
    }
}

/// GitHub ranks security alerts by this (CVSS-like, 0.0–10.0).
fn security_severity(l: Level) -> &'static str {
    match l {
        Level::Error => "8.0",
        Level::Warning => "5.0",
        Level::Note => "2.0",
    }
}

fn descriptor(r: Rule) -> ReportingDescriptor {
    let mut props = BTreeMap::new();
    props.insert(
        "security-severity".to_owned(),
        json!(security_severity(r.level())),
    );
    ReportingDescriptor::builder()
        .id(r.id())
        .name(r.name())
        .short_description(MultiformatMessageString::builder().text(r.short()).build())
        .full_description(MultiformatMessageString::builder().text(r.short()).build())
        .help(
            MultiformatMessageString::builder()
                .text(r.help())
                .markdown(format!("**{}**\n\n{}", r.short(), r.help()))
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(r.level().name()))
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(vec!["security".to_owned(), "containers".to_owned()])
                .additional_properties(props)
                .build(),
        )
        .build()
}

/// FNV-1a of the finding's identity (rule, workload, container, field): stable across line
/// moves, different for different findings.
fn fingerprint(f: &Finding) -> String {
    let field = f.at.location().map_or("", |l| &*l.field);
    let key = format!(
        "{}\0{}\0{}\0{}",
        f.rule.id(),
        f.workload,
        f.container.as_deref().unwrap_or(""),
        field
    );
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// A file and line (1-based; 0, the whole file, shows as line 1) as SARIF locates it.
fn physical(file: &str, line: u32, column: Option<u32>) -> PhysicalLocation {
    let mut region = Region::builder().start_line(i64::from(line.max(1))).build();
    region.start_column = column.map(i64::from);
    PhysicalLocation::builder()
        .artifact_location(ArtifactLocation::builder().uri(file.to_owned()).build())
        .region(region)
        .build()
}

/// An input that could not be read, as a tool execution notification: SARIF's place for
/// "this file was not analysed", which code scanning shows as a tool error, not an alert.
fn notification(d: &Diagnostic) -> Notification {
    Notification::builder()
        .level(json!("error"))
        .message(Message::builder().text(d.message.clone()).build())
        .descriptor(
            ReportingDescriptorReference::builder()
                .id(d.code.id())
                .build(),
        )
        .locations(vec![
            Location::builder()
                .physical_location(physical(&d.file, d.line, d.column))
                .build(),
        ])
        .build()
}

fn result(f: &Finding) -> SarifResult {
    let loc = f.at.location();
    let physical = physical(
        loc.map_or("", |l| &*l.file),
        loc.map_or(1, |l| l.line),
        loc.and_then(|l| l.column).map(std::num::NonZeroU32::get),
    );
    let who = match &f.container {
        Some(c) => format!("{} (container {c})", f.workload),
        None => f.workload.clone(),
    };
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert("cinchFinding/v1".to_owned(), fingerprint(f));
    let rule_index = Rule::ALL.iter().position(|r| *r == f.rule).unwrap_or(0);
    let mut r = SarifResult::builder()
        .rule_id(f.rule.id())
        .rule_index(rule_index as i64)
        .level(level(f.level))
        .message(
            Message::builder()
                .text(format!("{}: {}", who, f.message))
                .build(),
        )
        .locations(vec![
            Location::builder().physical_location(physical).build(),
        ])
        .partial_fingerprints(fingerprints)
        .build();
    if let Some(a) = &f.allowed {
        r.suppressions = Some(vec![
            Suppression::builder()
                .kind(json!("inSource"))
                .justification(format!("{} ({})", a.value.reason, a.at))
                .build(),
        ]);
    }
    r
}

pub fn render(report: &Report) -> String {
    let driver = ToolComponent::builder()
        .name("cinch")
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .rules(Rule::ALL.iter().map(|r| descriptor(*r)).collect::<Vec<_>>())
        .build();
    let mut run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(report.findings.iter().map(result).collect::<Vec<_>>())
        .build();
    if !report.errors.is_empty() {
        run.invocations = Some(vec![
            Invocation::builder()
                .execution_successful(false)
                .tool_execution_notifications(
                    report.errors.iter().map(notification).collect::<Vec<_>>(),
                )
                .build(),
        ]);
    }
    let log = Sarif::builder()
        .schema(SCHEMA)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build();
    let mut s =
        serde_json::to_string_pretty(&log).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
