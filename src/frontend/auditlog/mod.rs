//! The audit log reader: kernel audit records in, typed seccomp and AppArmor records out.
//!
//! A frontend of its own kind: it reads what the kernel logged while profiles ran, not a
//! manifest, and knows nothing of workloads (`workflow::audit` attributes records).
//! Accepted, mixed freely in one input: `dmesg` / `journalctl -k` lines, auditd's
//! `/var/log/audit/audit.log` (`type=SECCOMP`, `type=AVC`) and `ausearch -i` output.
//!
//! Contract: any byte stream reads without a panic. Lines that are not seccomp or AppArmor
//! records are counted as noise; records that cannot be used (cut off, another machine's
//! architecture, an unknown number) become [`Problem`]s with their line number, so the
//! report can say what it left out. Memory stays bounded: a line is read at most
//! [`MAX_LINE`] bytes far, and only the first [`MAX_PROBLEMS`] problems are kept verbatim.

mod decode;
mod fields;

use std::io::BufRead;

use serde::Serialize;

pub use decode::AuditArch;

/// The kernel caps one record at MAX_AUDIT_MESSAGE_LENGTH (8970 bytes, kernel/audit.h);
/// a longer line is not a record, whatever a prefix adds.
pub const MAX_LINE: usize = 16 * 1024;
/// Problems kept with their text; the rest are only counted.
pub const MAX_PROBLEMS: usize = 50;

/// What the kernel did with the call (the record's `code=`, SECCOMP_RET_* in
/// include/uapi/linux/seccomp.h; `ausearch -i` prints the action's name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SeccompAction {
    /// SCMP_ACT_LOG: allowed and logged (complain mode).
    Log,
    /// Refused with an errno (logged only where the kernel's actions_logged says so).
    Errno,
    /// The thread or process was killed.
    Kill,
    /// Trap, trace, user notification or a code this reader does not know.
    Other,
}

fn seccomp_action(code: Option<&str>) -> SeccompAction {
    let Some(code) = code else {
        return SeccompAction::Other;
    };
    match code {
        "log" => return SeccompAction::Log,
        "errno" => return SeccompAction::Errno,
        "kill" | "kill_thread" | "kill_process" => return SeccompAction::Kill,
        _ => {}
    }
    match u32::from_str_radix(code.trim_start_matches("0x"), 16) {
        Ok(c) => match c & 0xffff_0000 {
            0x7ffc_0000 => SeccompAction::Log,
            0x0005_0000 => SeccompAction::Errno,
            0x0000_0000 | 0x8000_0000 => SeccompAction::Kill,
            _ => SeccompAction::Other,
        },
        Err(_) => SeccompAction::Other,
    }
}

/// A seccomp record (`type=1326`, `type=SECCOMP`).
#[derive(Clone, Debug, Serialize)]
pub struct SeccompRecord {
    pub line: u32,
    pub arch: AuditArch,
    pub syscall: &'static str,
    pub action: SeccompAction,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exe: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comm: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
}

/// `apparmor="ALLOWED"` (complain mode) or `apparmor="DENIED"` (enforce mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Allowed,
    Denied,
}

/// An AppArmor record (`type=1400`, `type=AVC`) about a file, capability, network or
/// other operation under a profile.
#[derive(Clone, Debug, Serialize)]
pub struct AppArmorRecord {
    pub line: u32,
    pub verdict: Verdict,
    pub operation: String,
    pub profile: String,
    /// The path (file operations), when the record has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `requested_mask` (`r`, `w`, `wc`, …), when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mask: Option<String>,
    /// `capname` for capability records.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capability: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comm: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Record {
    Seccomp(SeccompRecord),
    AppArmor(AppArmorRecord),
}

/// Why a line that looked like a record was not used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// A required field is missing or a quote never closes.
    Truncated,
    /// An architecture cinch has no syscall table for (another machine's log).
    OtherArch,
    /// A syscall number the architecture's table does not have.
    UnknownSyscall,
    /// Longer than any audit record.
    Overlong,
}

impl ProblemKind {
    pub fn describe(self) -> &'static str {
        match self {
            ProblemKind::Truncated => "cut off: a field the record needs is missing",
            ProblemKind::OtherArch => "an architecture cinch builds no profiles for",
            ProblemKind::UnknownSyscall => "a syscall number the architecture's table lacks",
            ProblemKind::Overlong => "longer than any kernel audit record",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Problem {
    pub line: u32,
    pub kind: ProblemKind,
    pub detail: String,
}

/// Everything read from the logs.
#[derive(Debug, Default, Serialize)]
pub struct AuditLog {
    pub records: Vec<Record>,
    pub problems: Vec<Problem>,
    /// Problems beyond [`MAX_PROBLEMS`], only counted.
    pub more_problems: u64,
    /// Lines that are no seccomp or AppArmor record (other kernel messages, auditd's
    /// SYSCALL/PROCTITLE companions, `ausearch`'s `----` separators).
    pub noise: u64,
    /// AppArmor records that are no finding: profile loads (`STATUS`), `AUDIT` rules.
    pub ignored_apparmor: u64,
}

impl AuditLog {
    fn problem(&mut self, line: u32, kind: ProblemKind, detail: String) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(Problem { line, kind, detail });
        } else {
            self.more_problems += 1;
        }
    }
}

/// Read a whole log. Only I/O errors fail; bad content becomes problems.
pub fn read(input: &mut dyn BufRead) -> std::io::Result<AuditLog> {
    let mut log = AuditLog::default();
    let mut buf = Vec::new();
    let mut line_no: u32 = 0;
    loop {
        buf.clear();
        let (more, overlong) = read_line(input, &mut buf)?;
        if !more {
            break;
        }
        line_no = line_no.saturating_add(1);
        if overlong {
            log.problem(
                line_no,
                ProblemKind::Overlong,
                format!("over {MAX_LINE} bytes, skipped"),
            );
            continue;
        }
        let text = String::from_utf8_lossy(&buf);
        line(&mut log, line_no, text.trim_end_matches(['\n', '\r']));
    }
    Ok(log)
}

/// Read one line into `buf`, keeping at most [`MAX_LINE`] bytes of it. Returns (a line was
/// read, it was longer than the limit).
fn read_line(input: &mut dyn BufRead, buf: &mut Vec<u8>) -> std::io::Result<(bool, bool)> {
    let mut any = false;
    let mut overlong = false;
    loop {
        let chunk = match input.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok((any, overlong));
        }
        any = true;
        let (take, done) = match chunk.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        let room = MAX_LINE.saturating_sub(buf.len());
        if take > room {
            overlong = true;
        }
        buf.extend_from_slice(&chunk[..take.min(room)]);
        input.consume(take);
        if done {
            return Ok((true, overlong));
        }
    }
}

fn line(log: &mut AuditLog, line_no: u32, text: &str) {
    let is_seccomp = text.contains("type=1326 ") || text.contains("type=SECCOMP ");
    let is_apparmor = text.contains("apparmor=");
    if !is_seccomp && !is_apparmor {
        log.noise += 1;
        return;
    }
    let f = fields::parse(text);
    if is_seccomp {
        seccomp(log, line_no, &f);
    } else {
        apparmor(log, line_no, &f);
    }
}

fn seccomp(log: &mut AuditLog, line_no: u32, f: &fields::Fields) {
    let (Some(arch), Some(nr)) = (f.get("arch"), f.get("syscall")) else {
        log.problem(
            line_no,
            ProblemKind::Truncated,
            "seccomp record without `arch=` and `syscall=`".into(),
        );
        return;
    };
    let arch = decode::arch(arch);
    if let AuditArch::Other(name) = &arch {
        log.problem(
            line_no,
            ProblemKind::OtherArch,
            format!("seccomp record for {name} (syscall {nr})"),
        );
        return;
    }
    let (arch, name) = decode::syscall(&arch, nr);
    let Some(syscall) = name else {
        log.problem(
            line_no,
            ProblemKind::UnknownSyscall,
            format!("syscall {nr} is not in the {arch} table"),
        );
        return;
    };
    let exe = f.get("exe").filter(|e| *e != "(null)").map(str::to_owned);
    if f.truncated && exe.is_none() {
        log.problem(
            line_no,
            ProblemKind::Truncated,
            format!("{syscall}: the record ends inside a quoted value"),
        );
        return;
    }
    log.records.push(Record::Seccomp(SeccompRecord {
        line: line_no,
        arch,
        syscall,
        action: seccomp_action(f.get("code")),
        exe,
        comm: f.get("comm").map(str::to_owned),
        pid: f.get("pid").and_then(|p| p.parse().ok()),
    }));
}

fn apparmor(log: &mut AuditLog, line_no: u32, f: &fields::Fields) {
    let verdict = match f.get("apparmor") {
        Some("ALLOWED") => Verdict::Allowed,
        Some("DENIED") => Verdict::Denied,
        Some(_) => {
            log.ignored_apparmor += 1;
            return;
        }
        None => {
            log.problem(line_no, ProblemKind::Truncated, "empty `apparmor=`".into());
            return;
        }
    };
    let (Some(operation), Some(profile)) = (f.get("operation"), f.get("profile")) else {
        log.problem(
            line_no,
            ProblemKind::Truncated,
            "AppArmor record without `operation=` and `profile=`".into(),
        );
        return;
    };
    if f.truncated {
        log.problem(
            line_no,
            ProblemKind::Truncated,
            format!("{operation} under {profile}: the record ends inside a quoted value"),
        );
        return;
    }
    log.records.push(Record::AppArmor(AppArmorRecord {
        line: line_no,
        verdict,
        operation: operation.to_owned(),
        profile: profile.to_owned(),
        name: f.get("name").map(str::to_owned),
        mask: f.get("requested_mask").map(str::to_owned),
        capability: f.get("capname").map(str::to_owned),
        comm: f.get("comm").map(str::to_owned),
        pid: f.get("pid").and_then(|p| p.parse().ok()),
    }));
}

#[cfg(test)]
mod tests;
