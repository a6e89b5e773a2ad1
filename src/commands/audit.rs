//! `cinch audit`: read the manifests and the logs, attribute, judge, print (issue 19).
//! Exit 0 when the report was printed (findings or not), 2 on bad usage, an unreadable
//! log or bad manifests. Nothing is written but stdout and stderr.

use std::collections::BTreeSet;
use std::io::BufReader;

use crate::Io;
use crate::backend::seccomp::Arch;
use crate::cli::{AuditArgs, AuditFormat};
use crate::diag::{Error, Result};
use crate::frontend::auditlog::{self, AuditLog, Record};
use crate::workflow::audit::{self, attribute::Targets, docker, patch, report};

pub fn run(args: &AuditArgs, io: &mut Io<'_>) -> Result<u8> {
    let stdin_logs = args.logs.iter().filter(|l| *l == "-").count();
    if stdin_logs > 1 || (stdin_logs == 1 && args.input.inputs.iter().any(|i| i == "-")) {
        return Err(Error::Usage(
            "stdin can be read once: give the manifests or one --log as `-`, not both".into(),
        ));
    }
    let model = crate::load(&args.input, io)?;
    let log = read_logs(&args.logs, io)?;
    let mut targets = Targets::new(&model, args.workload.as_deref(), args.container.as_deref())
        .map_err(Error::Usage)?;
    if args.docker {
        let pids: BTreeSet<u32> = log
            .records
            .iter()
            .filter_map(|r| match r {
                Record::Seccomp(s) => s.pid,
                Record::AppArmor(_) => None,
            })
            .collect();
        targets.pids = docker::pids(pids).map_err(Error::Usage)?;
    }
    let arches: BTreeSet<Arch> = if args.arches.is_empty() {
        Arch::ALL.iter().copied().collect()
    } else {
        args.arches.iter().copied().collect()
    };
    let result = audit::analyze(log, &targets, &arches);
    let text = match args.format {
        AuditFormat::Text => report::text(&result),
        AuditFormat::Json => report::json(&result),
        AuditFormat::Patch => {
            let p = patch::patch(&result, &targets, &|f| std::fs::read_to_string(f).ok());
            for s in &p.skipped {
                let _ = writeln!(io.stderr, "cinch audit: {s}");
            }
            if p.diff.is_empty() {
                let _ = writeln!(io.stderr, "cinch audit: nothing to declare");
            }
            p.diff
        }
    };
    io.stdout
        .write_all(text.as_bytes())
        .map_err(|e| Error::io("stdout", e))?;
    Ok(0)
}

/// Every `--log`, in order, into one log. Line numbers count within each file; give one
/// log per run when the report's line numbers must point into it unambiguously.
fn read_logs(logs: &[String], io: &mut Io<'_>) -> Result<AuditLog> {
    let mut all = AuditLog::default();
    for name in logs {
        let log = if name == "-" {
            auditlog::read(&mut BufReader::new(&mut *io.stdin))
        } else {
            let file = std::fs::File::open(name).map_err(|e| Error::io(name.clone(), e))?;
            auditlog::read(&mut BufReader::new(file))
        }
        .map_err(|e| Error::io(name.clone(), e))?;
        all.records.extend(log.records);
        all.problems.extend(log.problems);
        all.more_problems += log.more_problems;
        all.noise += log.noise;
        all.ignored_apparmor += log.ignored_apparmor;
    }
    Ok(all)
}
