//! The guest half of `cinch audit`'s AppArmor loop (audit_loop.rs says what it proves): the
//! phases, each service's run under runc, and what the kernel logged after each phase's mark.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{GUEST_DIR, Loop, PROJECT, Service, cinch, cinch_output, of, record};
use crate::lab;

/// What a service did in a phase: whether it ran as it should (the job exited 0; the server
/// said `serving` and ran until killed) and its output.
struct Ran {
    ok: bool,
    out: String,
}

/// One phase: the services' runs, and the kernel lines after the phase's mark.
struct Phase {
    ran: Vec<Ran>,
    kernel: Vec<String>,
}

/// The loop in the guest; its files go to `results/audit/`, its verdict is returned.
pub fn guest(l: &Loop, results: &Path) -> Result<String, String> {
    if let Some(e) = &l.error {
        return Err(format!("not built: {e}"));
    }
    let started = Instant::now();
    let lap = |what: &str| {
        eprintln!(
            "guest: audit loop: {what} at {}s",
            started.elapsed().as_secs()
        )
    };
    let out = results.join("audit");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let save = |name: &str, lines: &[String]| {
        std::fs::write(out.join(name), lines.join("\n") + "\n").map_err(|e| e.to_string())
    };
    let scratch = Path::new(GUEST_DIR).join("work");
    let _ = std::fs::remove_dir_all(&scratch);
    for dir in [PROJECT.to_owned(), format!("copy/{PROJECT}")] {
        std::fs::create_dir_all(scratch.join(&dir)).map_err(|e| e.to_string())?;
        std::fs::copy(
            l.work.join(PROJECT).join("compose.yaml"),
            scratch.join(&dir).join("compose.yaml"),
        )
        .map_err(|e| e.to_string())?;
    }

    // 1. complain: the writes go through, and the kernel logs them.
    let complain = phase(
        l,
        "complain",
        |s| s.complain.clone(),
        |s, r| of(s, r, "ALLOWED"),
    )?;
    lap("complain done");
    save("complain.log", &complain.kernel)?;
    for (s, ran) in l.services.iter().zip(&complain.ran) {
        written(s, ran, "complain")?;
        if !complain.kernel.iter().any(|r| of(s, r, "ALLOWED")) {
            return Err(format!(
                "complain: no apparmor=\"ALLOWED\" record for {}:\n{}",
                s.written,
                complain.kernel.join("\n")
            ));
        }
    }

    // 2. the audit of those lines, its patch on a copy, the enforcing profiles regenerated.
    std::fs::write(
        scratch.join("complain.log"),
        complain.kernel.join("\n") + "\n",
    )
    .map_err(|e| e.to_string())?;
    let (patch, warnings, ok) = cinch_output(
        &scratch,
        &[
            "audit",
            PROJECT,
            "--log",
            "complain.log",
            "--format",
            "patch",
        ],
    )?;
    std::fs::write(out.join("intent.diff"), &patch).map_err(|e| e.to_string())?;
    std::fs::write(out.join("audit.stderr"), &warnings).map_err(|e| e.to_string())?;
    if !ok {
        return Err(format!("cinch audit --format patch: {warnings}"));
    }
    let mut p = Command::new("patch")
        .args(["-p1", "--batch", "--silent"])
        .current_dir(scratch.join("copy"))
        .stdin(Stdio::piped())
        .spawn()
        .map_err(|e| format!("patch: {e}"))?;
    std::io::Write::write_all(&mut p.stdin.take().ok_or("patch stdin")?, patch.as_bytes())
        .map_err(|e| e.to_string())?;
    if !p.wait().map_err(|e| e.to_string())?.success() {
        return Err(format!("patch(1) refused:\n{patch}"));
    }
    cinch(
        &scratch,
        &[
            "generate",
            &format!("copy/{PROJECT}"),
            "-o",
            "patched",
            "--backend",
            "apparmor",
        ],
    )?;
    lap("audited, patched, regenerated");
    let patched = |s: &Service| {
        scratch
            .join("patched/apparmor")
            .join(s.profile.trim_start_matches("cinch."))
    };
    for s in &l.services {
        let text = std::fs::read_to_string(patched(s))
            .map_err(|e| format!("{}: {e}", patched(s).display()))?;
        std::fs::write(out.join(format!("patched.{}.apparmor", s.name)), &text)
            .map_err(|e| e.to_string())?;
        if !text.contains(&format!("{}{{,/}} rw,", s.proposed)) {
            return Err(format!(
                "the regenerated profile does not grant {}:\n{text}",
                s.proposed
            ));
        }
    }

    // 3. enforce, patched: the writes go through, and nothing is denied.
    let enforce = phase(l, "enforce", patched, |_, _| true)?;
    lap("enforce done");
    save("enforce.log", &enforce.kernel)?;
    for (s, ran) in l.services.iter().zip(&enforce.ran) {
        written(s, ran, "enforce")?;
        let denied: Vec<&String> = enforce
            .kernel
            .iter()
            .filter(|r| record(s, r, "DENIED"))
            .collect();
        if !denied.is_empty() {
            return Err(format!("the patched profile denied:\n{denied:?}"));
        }
    }

    // 4. control: the unpatched enforcing profiles refuse the same writes.
    let control = phase(
        l,
        "control",
        |s| s.unpatched.clone(),
        |s, r| of(s, r, "DENIED"),
    )?;
    lap("control done");
    save("control.log", &control.kernel)?;
    for (s, ran) in l.services.iter().zip(&control.ran) {
        if ran.ok || !ran.out.contains("ermission denied") || s.in_volume.exists() {
            return Err(format!(
                "control: the unpatched profile let {} write:\n{}",
                s.name, ran.out
            ));
        }
        if !control.kernel.iter().any(|r| of(s, r, "DENIED")) {
            return Err(format!(
                "control: no apparmor=\"DENIED\" record for {}:\n{}",
                s.written,
                control.kernel.join("\n")
            ));
        }
    }
    Ok(format!(
        "complain: written, {} ALLOWED record(s); patch applied; enforce: written, served, 0 DENIED; unpatched: EACCES, DENIED",
        complain
            .kernel
            .iter()
            .filter(|r| r.contains("apparmor=\"ALLOWED\""))
            .count()
    ))
}

/// One run of every service on a fresh copy of its bundle, under the profile `profile`
/// names (loaded with `apparmor_parser -r`), at once; then the kernel lines after it: once
/// kauditd has settled and `awaited` holds for a line of each service (5 s more at most).
fn phase(
    l: &Loop,
    name: &str,
    profile: impl Fn(&Service) -> PathBuf,
    awaited: impl Fn(&Service, &str) -> bool,
) -> Result<Phase, String> {
    for s in &l.services {
        let (ok, _, err) = lab::run(
            Command::new("apparmor_parser")
                .args(["-r", "-K"])
                .arg(profile(s)),
        );
        if !ok {
            return Err(format!(
                "{name}: apparmor_parser -r {}: {err}",
                profile(s).display()
            ));
        }
        crate::unpack(&s.bundle, &s.guest_dir)?;
    }
    let mark = lab::kernel_mark(&format!("audit loop {name}"));
    let ran: Vec<Ran> = std::thread::scope(|scope| {
        let runs: Vec<_> = l
            .services
            .iter()
            .map(|s| scope.spawn(move || run(s, &format!("audit-{name}-{}", s.name))))
            .collect();
        runs.into_iter()
            .map(|r| r.join().expect("run thread"))
            .collect()
    });
    let done = |k: &[String]| l.services.iter().all(|s| k.iter().any(|r| awaited(s, r)));
    // kauditd writes the records after the processes made them. A phase that awaits none
    // (enforce: `awaited` holds for any line, and there is none) waits the full 8 s, for
    // records that must not come.
    let mut kernel = lab::settled_log_since(&mark)?;
    for _ in 0..20 {
        if done(&kernel) {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
        kernel = lab::kernel_log_since(&mark)?;
    }
    Ok(Phase { ran, kernel })
}

/// `runc run` of one service in the foreground, its output in a file: a job to its end, a
/// server until it says `serving` (then killed) or ends (60 s at most).
fn run(s: &Service, id: &str) -> Ran {
    let log = s.guest_dir.with_extension("log");
    let child = File::create(&log).and_then(|f| {
        crate::runc()
            .args(["run", "--bundle"])
            .arg(&s.guest_dir)
            .arg(id)
            .stdin(Stdio::null())
            .stdout(f.try_clone()?)
            .stderr(f)
            .spawn()
    });
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            return Ran {
                ok: false,
                out: format!("runc: {e}"),
            };
        }
    };
    let out = || std::fs::read_to_string(&log).unwrap_or_default();
    let deadline = Instant::now() + Duration::from_secs(60);
    let ok = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status.success() && !s.server;
        }
        if (s.server && out().contains("serving")) || Instant::now() > deadline {
            let serving = out().contains("serving");
            let _ = lab::run(crate::runc().args(["kill", id, "KILL"]));
            let _ = child.wait();
            break serving;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let _ = lab::run(crate::runc().args(["delete", "-f", id]));
    Ran { ok, out: out() }
}

/// The service ran under its profile in `mode`, said so, and left its file in the volume.
fn written(s: &Service, ran: &Ran, mode: &str) -> Result<(), String> {
    let confined = format!("under {} ({mode})", s.profile);
    if !ran.ok || !ran.out.contains(&confined) {
        return Err(format!(
            "{mode}: {} failed or ran unconfined (want `{confined}`):\n{}",
            s.name, ran.out
        ));
    }
    std::fs::read_to_string(&s.in_volume)
        .map(|_| ())
        .map_err(|e| format!("{mode}: {}: {e}", s.in_volume.display()))
}
