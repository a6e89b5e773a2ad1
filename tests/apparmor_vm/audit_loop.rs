//! `cinch audit`'s closed loop for AppArmor (issue 19), in the guest's real AppArmor kernel,
//! for the two cases the issue names (testdata/audit/lab/script): a script that writes under
//! a path its manifest does not declare (a report job writing
//! /var/cache/report/summary.txt), and a server whose start-up does (a Python server stamping
//! /var/lib/report/started before it serves). Both run on read-only roots; the paths are
//! anonymous volumes of their image's VOLUMEs, which the Compose file does not show.
//!
//! Host, before the boot ([`plan`]): the image, `cinch generate --complain --wire` and the
//! unpatched enforcing tree (`--backend apparmor`: tests/audit_lab.rs closes seccomp's loop),
//! and a bundle per service built from the wired Compose file as Docker builds it
//! (lab_support::oci), the same for every phase: the profile's name does not change, only
//! its rules. Guest, before the matrix, alone so its kernel records are its own ([`guest`]);
//! in each phase both services run at once:
//! 1. the complain profiles loaded, both write (the server then serves), the kernel logs
//!    `apparmor="ALLOWED"` for each path;
//! 2. those kernel lines → `cinch audit --format patch` → patch(1) on a copy → `cinch
//!    generate` (enforcing): the same binaries the host runs, on the host's root, so the
//!    loop needs no second boot;
//! 3. the regenerated profiles loaded: both write, and the kernel logs no
//!    `apparmor="DENIED"` for either profile;
//! 4. control: the unpatched enforcing profiles refuse the writes (EACCES, a DENIED record
//!    each; the job fails, the server does not start).
//!
//! Each phase's kernel lines, the patch and the regenerated profiles come back in
//! `results/audit/`; the host checks the records again from those files ([`check`]), audits
//! the complain lines itself (the same patch, and the text report), and snapshots the patch
//! (`snapshots/audit-patch@apparmor-vm.snap`). About 75 s of guest time under TCG, a third
//! of it cinch's debug build emulated.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::lab;

#[path = "audit_loop_guest.rs"]
mod guest;
pub use guest::guest;

/// The fixture: a Compose project, named after its directory.
const FIXTURE: &str = "testdata/audit/lab/script";
const PROJECT: &str = "script";
/// Its image: the lab's empty base and two VOLUMEs, which Docker mounts as anonymous volumes,
/// writable under the read-only root.
const IMAGE: &str = "cinch-lab/report:1";
const DOCKERFILE: &str =
    "FROM cinch-lab/base:1\nVOLUME /var/cache/report /var/lib/report\nCMD [\"sh\"]\n";
/// The fixture's services: the file each writes, the intent `cinch audit` must propose for
/// it, and whether it serves (runs until killed, once it says `serving`) or is a job.
const SERVICES: [(&str, &str, &str, bool); 2] = [
    (
        "report",
        "/var/cache/report/summary.txt",
        "/var/cache/report",
        false,
    ),
    ("web", "/var/lib/report/started", "/var/lib/report", true),
];
/// Where the guest unpacks the bundles and works (its tmpfs).
const GUEST_DIR: &str = "/tmp/cinch-vm/audit-loop";

/// One service of the fixture, as the guest runs it.
#[derive(Serialize, Deserialize, Debug)]
pub struct Service {
    name: String,
    bundle: PathBuf,
    guest_dir: PathBuf,
    profile: String,
    /// `<profile>`'s file in the complain tree and in the unpatched enforcing tree.
    complain: PathBuf,
    unpatched: PathBuf,
    /// The file its start-up writes, and where that lands in the unpacked bundle's volume.
    written: String,
    in_volume: PathBuf,
    proposed: String,
    server: bool,
}

/// What the guest needs, written by the host into the plan.
#[derive(Serialize, Deserialize, Debug)]
pub struct Loop {
    /// The host's work directory: the fixture's copy and the two generated trees (read-only
    /// in the guest).
    work: PathBuf,
    services: Vec<Service>,
    /// Set when the host could not build it (the reason).
    error: Option<String>,
}

/// The host half: everything the guest runs, prepared under `vm/audit`.
pub fn plan(vm: &Path) -> Loop {
    let mut l = Loop {
        work: vm.join("audit"),
        services: Vec::new(),
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
        serde_norway::from_str(&text).map_err(|e| e.to_string())
    };
    let (complain, unpatched) = (wired("complain")?, wired("unpatched")?);
    let default: Value = serde_json::from_str(&lab::must(
        Command::new("/usr/bin/ctr").args(["oci", "spec"]),
    ))
    .map_err(|e| format!("ctr oci spec: {e}"))?;
    let rootfs = vm.join("rootfs/audit-loop");
    lab::export_rootfs(IMAGE, &rootfs);
    let image = lab::image_config(IMAGE);
    for (name, written, proposed, server) in SERVICES {
        let service = &complain["services"][name];
        let profile = lab::oci::compose_profiles(service)
            .1
            .ok_or("the wired service names no AppArmor profile")?;
        if lab::oci::compose_profiles(&unpatched["services"][name]).1 != Some(profile.clone()) {
            return Err("complain and enforce name different profiles".into());
        }
        let file = profile.trim_start_matches("cinch.");
        let bundle = vm.join("bundles").join(format!("audit-{name}"));
        let guest_dir = Path::new(GUEST_DIR).join(name);
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
            apparmor: Some(&profile),
            mounts: vec![
                json!({"destination": "/usr", "type": "bind", "source": "/usr", "options": ["rbind", "ro"]}),
            ],
        };
        let mut spec = lab::oci::compose_spec(
            &default,
            service,
            &image,
            &bundle.join("rootfs"),
            &bundle,
            extras,
        )?;
        spec["linux"]["cgroupsPath"] = json!(format!("/cinch-lab/audit-{name}"));
        super::pack(&spec, &bundle, &guest_dir)?;
        // compose_spec names the image's anonymous volumes in its order of VOLUMEs.
        let volume = image
            .volumes
            .iter()
            .position(|v| v == proposed)
            .ok_or("the image declares no such VOLUME")?;
        l.services.push(Service {
            name: name.into(),
            bundle: bundle.with_extension("tar"),
            in_volume: guest_dir
                .join(format!("volumes/anonymous-{volume}"))
                .join(written.trim_start_matches(proposed).trim_start_matches('/')),
            guest_dir,
            complain: l.work.join("complain/apparmor").join(file),
            unpatched: l.work.join("unpatched/apparmor").join(file),
            profile,
            written: written.into(),
            proposed: proposed.into(),
            server,
        });
    }
    Ok(())
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

/// `line` is an AppArmor record of `verdict` under the service's profile.
fn record(s: &Service, line: &str, verdict: &str) -> bool {
    line.contains(&format!("apparmor=\"{verdict}\""))
        && line.contains(&format!("profile=\"{}\"", s.profile))
}

/// ... and it names the file the service writes.
fn of(s: &Service, line: &str, verdict: &str) -> bool {
    record(s, line, verdict) && line.contains(&format!("name=\"{}\"", s.written))
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
    let (complain, enforce, control) = (
        read("complain.log"),
        read("enforce.log"),
        read("control.log"),
    );
    let patch = read("intent.diff");
    let mut shown = Vec::new();
    for s in &l.services {
        let allowed: Vec<&str> = complain.lines().filter(|r| of(s, r, "ALLOWED")).collect();
        let denied: Vec<&str> = control.lines().filter(|r| of(s, r, "DENIED")).collect();
        let wrongly: Vec<&str> = enforce.lines().filter(|r| record(s, r, "DENIED")).collect();
        if allowed.is_empty() || denied.is_empty() || !wrongly.is_empty() {
            return Err(format!(
                "the kernel lines disagree with the guest for {}: complain.log {allowed:?}, control.log {denied:?}, enforce.log {wrongly:?}",
                s.name
            ));
        }
        if !patch.contains(&format!("path: \"{}\"", s.proposed)) {
            return Err(format!(
                "the patch does not declare {}:\n{patch}",
                s.proposed
            ));
        }
        shown.extend(allowed.iter().chain(&denied).map(|r| (*r).to_owned()));
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
    Ok((
        format!("{patch}\n--- stderr ---\n{}", read("audit.stderr")),
        shown,
    ))
}
