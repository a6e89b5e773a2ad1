//! `cinch audit`'s closed loop for AppArmor (issue 19), in the guest's real AppArmor kernel:
//! a script that writes under a path its manifest does not declare
//! (testdata/audit/lab/script: a report job on a read-only root writing
//! /var/cache/report/summary.txt, an anonymous volume its image declares).
//!
//! Host, before the boot ([`plan`]): the image, `cinch generate --complain --wire` and the
//! unpatched enforcing tree (`--backend apparmor`: tests/audit_lab.rs closes seccomp's loop),
//! and one bundle built from the wired Compose file as Docker builds it (lab_support::oci),
//! the same for every phase: the profile's name does not change, only its rules.
//! Guest, before the matrix, alone so its kernel records are its own ([`guest`]):
//! 1. the complain profile loaded, the job runs and writes, the kernel logs
//!    `apparmor="ALLOWED"` for the path;
//! 2. those kernel lines → `cinch audit --format patch` → patch(1) on a copy → `cinch
//!    generate` (enforcing): the same binaries the host runs, on the host's root, so the
//!    loop needs no second boot;
//! 3. the regenerated profile loaded: the job writes, and the kernel logs no
//!    `apparmor="DENIED"` for the profile;
//! 4. control: the unpatched enforcing profile refuses the write (EACCES, a DENIED record).
//!
//! Each phase's kernel lines, the patch and the regenerated profile come back in
//! `results/audit/`; the host checks the records again from those files ([`check`]), audits
//! the complain lines itself (the same patch, and the text report), and snapshots the patch
//! (`snapshots/audit-patch@apparmor-vm.snap`). About 70 s of guest time under TCG, most of
//! it cinch's debug build emulated.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::lab;

/// The fixture: a Compose project, named after its directory.
const FIXTURE: &str = "testdata/audit/lab/script";
const PROJECT: &str = "script";
/// Its image: the lab's empty base and one VOLUME, which Docker mounts as an anonymous
/// volume, writable under the read-only root.
const IMAGE: &str = "cinch-lab/report:1";
const DOCKERFILE: &str = "FROM cinch-lab/base:1\nVOLUME /var/cache/report\nCMD [\"sh\"]\n";
/// The file the job writes, and the intent `cinch audit` must propose for it.
const WRITTEN: &str = "/var/cache/report/summary.txt";
const PROPOSED: &str = "/var/cache/report";
/// Where the guest unpacks the bundle and works (its tmpfs).
const GUEST_DIR: &str = "/tmp/cinch-vm/audit-loop";

/// What the guest needs, written by the host into the plan.
#[derive(Serialize, Deserialize, Debug)]
pub struct Loop {
    /// The host's work directory: the fixture's copy and the two generated trees (read-only
    /// in the guest).
    work: PathBuf,
    bundle: PathBuf,
    profile: String,
    /// `<profile>`'s file in the complain tree and in the unpatched enforcing tree.
    complain: PathBuf,
    unpatched: PathBuf,
    /// The anonymous volume's directory in the unpacked bundle (the job's output).
    volume: PathBuf,
    /// Set when the host could not build it (the reason).
    error: Option<String>,
}

/// The host half: everything the guest runs, prepared under `vm/audit`.
pub fn plan(vm: &Path) -> Loop {
    let work = vm.join("audit");
    let mut l = Loop {
        work: work.clone(),
        bundle: vm.join("bundles/audit-loop.tar"),
        profile: String::new(),
        complain: PathBuf::new(),
        unpatched: PathBuf::new(),
        volume: Path::new(GUEST_DIR).join("volumes/anonymous-0"),
        error: None,
    };
    if let Err(e) = prepare(vm, &mut l) {
        l.error = Some(e);
    }
    l
}

fn prepare(vm: &Path, l: &mut Loop) -> Result<(), String> {
    let _ = std::fs::remove_dir_all(&l.work);
    let ctx = l.work.join("image");
    std::fs::create_dir_all(&ctx).map_err(|e| e.to_string())?;
    std::fs::write(ctx.join("Dockerfile"), DOCKERFILE).map_err(|e| e.to_string())?;
    lab::must(
        lab::docker()
            .args(["build", "-q", "-t", IMAGE])
            .arg(&ctx)
            .env("DOCKER_BUILDKIT", "0"),
    );
    std::fs::create_dir_all(l.work.join(PROJECT)).map_err(|e| e.to_string())?;
    std::fs::copy(
        lab::root().join(FIXTURE).join("compose.yaml"),
        l.work.join(PROJECT).join("compose.yaml"),
    )
    .map_err(|e| e.to_string())?;
    let apparmor = ["--backend", "apparmor", "--wire"];
    cinch(
        &l.work,
        &[
            &["generate", PROJECT, "-o", "complain", "--complain"],
            &apparmor[..],
        ]
        .concat(),
    )?;
    cinch(
        &l.work,
        &[&["generate", PROJECT, "-o", "unpatched"], &apparmor[..]].concat(),
    )?;
    let wired = |tree: &str| -> Result<Value, String> {
        let path = l
            .work
            .join(tree)
            .join("wired")
            .join(PROJECT)
            .join("compose.yaml");
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let doc: Value = serde_norway::from_str(&text).map_err(|e| e.to_string())?;
        Ok(doc["services"]["report"].clone())
    };
    let service = wired("complain")?;
    let (_, profile) = lab::oci::compose_profiles(&service);
    let profile = profile.ok_or("the wired service names no AppArmor profile")?;
    if lab::oci::compose_profiles(&wired("unpatched")?)
        .1
        .as_deref()
        != Some(profile.as_str())
    {
        return Err("complain and enforce name different profiles".into());
    }
    let file = profile.trim_start_matches("cinch.");
    l.complain = l.work.join("complain/apparmor").join(file);
    l.unpatched = l.work.join("unpatched/apparmor").join(file);
    l.profile = profile;

    let default: Value = serde_json::from_str(&lab::must(
        Command::new("/usr/bin/ctr").args(["oci", "spec"]),
    ))
    .map_err(|e| format!("ctr oci spec: {e}"))?;
    let rootfs = vm.join("rootfs/audit-loop");
    lab::export_rootfs(IMAGE, &rootfs);
    let bundle = l.bundle.with_extension("");
    let _ = std::fs::remove_dir_all(&bundle);
    std::fs::create_dir_all(&bundle).map_err(|e| e.to_string())?;
    lab::must(
        Command::new("cp")
            .arg("-a")
            .arg(&rootfs)
            .arg(bundle.join("rootfs")),
    );
    let extras = lab::oci::Extras {
        // No seccomp profile: this loop is AppArmor's.
        seccomp: Value::Null,
        apparmor: Some(&l.profile),
        mounts: vec![
            json!({"destination": "/usr", "type": "bind", "source": "/usr", "options": ["rbind", "ro"]}),
        ],
    };
    let image = lab::image_config(IMAGE);
    let mut spec = lab::oci::compose_spec(
        &default,
        &service,
        &image,
        &bundle.join("rootfs"),
        &bundle,
        extras,
    )?;
    spec["linux"]["cgroupsPath"] = json!("/cinch-lab/audit-loop");
    super::pack(&spec, &bundle, Path::new(GUEST_DIR))
}

/// `cinch ARGS` in `dir`, names relative to it (`--root .`); its stdout, or its stderr.
fn cinch(dir: &Path, args: &[&str]) -> Result<String, String> {
    let (stdout, stderr, ok) = cinch_output(dir, args)?;
    if ok {
        Ok(stdout)
    } else {
        Err(format!("cinch {args:?}: {stderr}"))
    }
}

fn cinch_output(dir: &Path, args: &[&str]) -> Result<(String, String, bool), String> {
    let o = Command::new(env!("CARGO_BIN_EXE_cinch"))
        .args(args)
        .args(["--root", "."])
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cinch: {e}"))?;
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    Ok((text(&o.stdout), text(&o.stderr), o.status.success()))
}

// ---- the guest half ----

/// What a phase's job did: its exit, its output, and the kernel lines after the phase's mark.
struct Ran {
    ok: bool,
    out: String,
    kernel: Vec<String>,
}

/// The loop in the guest; its files go to `results/audit/`, its verdict is returned.
pub fn guest(l: &Loop, results: &Path) -> Result<String, String> {
    if let Some(e) = &l.error {
        return Err(format!("not built: {e}"));
    }
    let started = Instant::now();
    let out = results.join("audit");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let save =
        |name: &str, text: &str| std::fs::write(out.join(name), text).map_err(|e| e.to_string());
    let scratch = Path::new(GUEST_DIR).with_extension("work");
    let _ = std::fs::remove_dir_all(&scratch);
    for dir in [PROJECT.to_owned(), format!("copy/{PROJECT}")] {
        std::fs::create_dir_all(scratch.join(&dir)).map_err(|e| e.to_string())?;
        std::fs::copy(
            l.work.join(PROJECT).join("compose.yaml"),
            scratch.join(&dir).join("compose.yaml"),
        )
        .map_err(|e| e.to_string())?;
    }
    let record = |verdict: &str, line: &str| {
        line.contains(&format!("apparmor=\"{verdict}\""))
            && line.contains(&format!("profile=\"{}\"", l.profile))
    };

    // 1. complain: the write goes through, and the kernel logs it.
    let allowed = |k: &[String]| {
        k.iter()
            .any(|r| record("ALLOWED", r) && r.contains(&format!("name=\"{WRITTEN}\"")))
    };
    let complain = phase(l, &l.complain, "complain", allowed, started)?;
    save("complain.log", &(complain.kernel.join("\n") + "\n"))?;
    written(l, &complain, "complain")?;
    if !allowed(&complain.kernel) {
        return Err(format!(
            "complain: no apparmor=\"ALLOWED\" record for {WRITTEN}:\n{}",
            complain.kernel.join("\n")
        ));
    }

    // 2. the audit of those lines, its patch on a copy, the enforcing profile regenerated.
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
    save("intent.diff", &patch)?;
    save("audit.stderr", &warnings)?;
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
    eprintln!(
        "guest: audit loop: audited, patched, regenerated at {}s",
        started.elapsed().as_secs()
    );
    let patched = scratch
        .join("patched/apparmor")
        .join(l.profile.trim_start_matches("cinch."));
    let text =
        std::fs::read_to_string(&patched).map_err(|e| format!("{}: {e}", patched.display()))?;
    save("patched.apparmor", &text)?;
    if !text.contains(&format!("{PROPOSED}{{,/}} rw,")) {
        return Err(format!(
            "the regenerated profile does not grant {PROPOSED}:\n{text}"
        ));
    }

    // 3. enforce, patched: the write goes through, and nothing is denied.
    let enforce = phase(l, &patched, "enforce", |_| true, started)?;
    save("enforce.log", &(enforce.kernel.join("\n") + "\n"))?;
    written(l, &enforce, "enforce")?;
    let denied: Vec<&String> = enforce
        .kernel
        .iter()
        .filter(|r| record("DENIED", r))
        .collect();
    if !denied.is_empty() {
        return Err(format!("the patched profile denied:\n{denied:?}"));
    }

    // 4. control: the unpatched enforcing profile refuses the same write.
    let denied_write = |k: &[String]| {
        k.iter()
            .any(|r| record("DENIED", r) && r.contains(&format!("name=\"{WRITTEN}\"")))
    };
    let control = phase(l, &l.unpatched, "control", denied_write, started)?;
    save("control.log", &(control.kernel.join("\n") + "\n"))?;
    if control.ok
        || !control.out.contains("Permission denied")
        || l.volume.join(file_name()).exists()
    {
        return Err(format!(
            "control: the unpatched profile let the job write:\n{}",
            control.out
        ));
    }
    if !denied_write(&control.kernel) {
        return Err(format!(
            "control: no apparmor=\"DENIED\" record for {WRITTEN}:\n{}",
            control.kernel.join("\n")
        ));
    }
    Ok(format!(
        "complain: written, {} ALLOWED record(s); patch applied; enforce: written, 0 DENIED; unpatched: EACCES, DENIED",
        complain
            .kernel
            .iter()
            .filter(|r| record("ALLOWED", r))
            .count()
    ))
}

/// One run of the job on a fresh copy of the bundle under `profile` (loaded with
/// `apparmor_parser -r`), and the kernel lines after it: once kauditd has settled and
/// `enough` says they hold what the phase waits for (5 s more at most).
fn phase(
    l: &Loop,
    profile: &Path,
    name: &str,
    enough: impl Fn(&[String]) -> bool,
    started: Instant,
) -> Result<Ran, String> {
    let (ok, _, err) = lab::run(
        Command::new("apparmor_parser")
            .args(["-r", "-K"])
            .arg(profile),
    );
    if !ok {
        return Err(format!(
            "{name}: apparmor_parser -r {}: {err}",
            profile.display()
        ));
    }
    super::unpack(&l.bundle, Path::new(GUEST_DIR))?;
    let id = format!("audit-loop-{name}");
    let mark = lab::kernel_mark(&format!("audit loop {name}"));
    let (ok, out, err) = lab::run(super::runc().args(["run", "--bundle", GUEST_DIR, &id]));
    let _ = lab::run(super::runc().args(["delete", "-f", &id]));
    // kauditd writes the records after the job is gone.
    let mut kernel = lab::settled_log_since(&mark)?;
    for _ in 0..20 {
        if enough(&kernel) {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
        kernel = lab::kernel_log_since(&mark)?;
    }
    eprintln!(
        "guest: audit loop: {name} done at {}s",
        started.elapsed().as_secs()
    );
    Ok(Ran {
        ok,
        out: format!("{out}{err}"),
        kernel,
    })
}

/// The job ran under the profile in `mode`, said so, and left its file in the volume.
fn written(l: &Loop, ran: &Ran, mode: &str) -> Result<(), String> {
    let confined = format!("written under {} ({mode})", l.profile);
    if !ran.ok || !ran.out.contains(&confined) {
        return Err(format!(
            "{mode}: the job failed or ran unconfined (want `{confined}`):\n{}",
            ran.out
        ));
    }
    let file = l.volume.join(file_name());
    std::fs::read_to_string(&file)
        .map(|_| ())
        .map_err(|e| format!("{mode}: {}: {e}", file.display()))
}

/// [`WRITTEN`] in the volume.
fn file_name() -> &'static str {
    WRITTEN.trim_start_matches(PROPOSED).trim_start_matches('/')
}

// ---- back on the host ----

/// The guest's verdict, checked again from the kernel lines it brought back; the patch and
/// its warnings (for the snapshot) and the lines to show.
pub fn check(l: &Loop, results: &Path) -> Result<(String, Vec<String>), String> {
    let dir = results.join("audit");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
    let verdict: Result<String, String> = serde_json::from_str(&read("result.json"))
        .unwrap_or_else(|_| Err("no result from the guest".into()));
    verdict?;
    let lines = |name: &str, verdict: &str| -> Vec<String> {
        read(name)
            .lines()
            .filter(|r| {
                r.contains(&format!("apparmor=\"{verdict}\""))
                    && r.contains(&format!("profile=\"{}\"", l.profile))
            })
            .map(str::to_owned)
            .collect()
    };
    let of_path = |v: &[String]| v.iter().any(|r| r.contains(&format!("name=\"{WRITTEN}\"")));
    let allowed = lines("complain.log", "ALLOWED");
    let denied = lines("control.log", "DENIED");
    if !of_path(&allowed) || !lines("enforce.log", "DENIED").is_empty() || !of_path(&denied) {
        return Err(format!(
            "the kernel lines disagree with the guest: complain.log {allowed:?}, control.log {denied:?}, enforce.log {:?}",
            lines("enforce.log", "DENIED")
        ));
    }
    let patch = read("intent.diff");
    if !patch.contains(&format!("path: \"{PROPOSED}\"")) {
        return Err(format!("the patch does not declare {PROPOSED}:\n{patch}"));
    }
    // The same audit on the host (where users run it) proposes the same patch; its text
    // report goes beside it, for people.
    let log = dir.join("complain.log");
    let log = log.to_str().ok_or("results path")?;
    let report = cinch(&l.work, &["audit", PROJECT, "--log", log])?;
    std::fs::write(dir.join("report.txt"), &report).map_err(|e| e.to_string())?;
    let again = cinch(
        &l.work,
        &["audit", PROJECT, "--log", log, "--format", "patch"],
    )?;
    if again != patch {
        return Err(format!(
            "the host's audit disagrees with the guest's:\n{again}\n{patch}"
        ));
    }
    let shown = format!("{patch}\n--- stderr ---\n{}", read("audit.stderr"));
    Ok((shown, allowed.into_iter().chain(denied).collect()))
}
