//! `cinch audit`'s closed loop in the real runtime (issue 19, point 4), on the Docker lab
//! (tests/lab/README.md): a server whose start-up makes a call its manifest does not declare
//! (testdata/audit/lab/server: `setxattr` on its state file).
//!
//! 1. `cinch generate --complain --wire`; the wired Compose file runs under docker-compose;
//!    the server starts and serves, the kernel logs the call (`audit: type=1326`);
//! 2. `dmesg` since a mark → `cinch audit --docker --format patch` while the container
//!    runs (pid → cgroup → Compose labels); the patch declares `setxattr` with its evidence;
//! 3. the patch is applied to a copy with patch(1); `cinch generate` without `--complain`;
//!    the same server now starts and serves enforcing;
//! 4. control: the unpatched manifests' enforcing profile refuses the call and the server
//!    does not start, so the patch is what made the difference.
//!
//! Root, dockerd and docker-compose are needed; without them the test says SKIPPED (in CI
//! it fails). About 30 s: one tiny image (the lab's empty base with the host's /usr).

#[path = "lab_support/mod.rs"]
mod lab;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// docker-compose's project, the directory's name as cinch names it (`auditlab/server`).
const PROJECT: &str = "auditlab";

#[test]
fn audit_patch_turns_complain_into_enforce() {
    if !lab::is_root() && lab::missing("root", "the audit lab runs containers") {
        return;
    }
    if !Path::new("/usr/bin/docker-compose").exists()
        && lab::missing("/usr/bin/docker-compose", "apt-get install docker-compose")
    {
        return;
    }
    let Some(_engine) = lab::Engine::ensure() else {
        return;
    };
    let _printk = lab::PrintkUnlimited::new();
    lab::build_images(&[]);
    let work = lab::work_dir().join("audit");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(work.join("auditlab")).unwrap();
    std::fs::copy(
        lab::root().join("testdata/audit/lab/server/compose.yaml"),
        work.join("auditlab/compose.yaml"),
    )
    .unwrap();
    let cinch = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_cinch"))
            .args(args)
            // The scratch directory is inside this checkout (target/lab): without --root
            // the names would be keyed from the checkout's top, not from here.
            .args(["--root", "."])
            .current_dir(&work)
            .output()
            .unwrap();
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        assert!(o.status.success(), "cinch {args:?}: {}", text(&o.stderr));
        text(&o.stdout)
    };

    // 1. complain mode: runs, and the kernel logs the undeclared call.
    cinch(&[
        "generate",
        "auditlab",
        "-o",
        "complain",
        "--backend",
        "seccomp",
        "--complain",
        "--wire",
    ]);
    let mark = lab::kernel_mark("cinch audit closed loop");
    let up = Up::start(&work, "complain/wired/auditlab/compose.yaml");
    up.wait_ready()
        .unwrap_or_else(|e| panic!("complain mode: {e}"));
    let log = lab::settled_log_since(&mark).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        log.iter().any(|l| l.contains("type=1326")),
        "no seccomp record after the mark:\n{}",
        log.join("\n")
    );
    std::fs::write(work.join("dmesg.txt"), log.join("\n") + "\n").unwrap();

    // 2. the audit, while the container runs (its pids are alive for --docker).
    let report = cinch(&["audit", "auditlab", "--log", "dmesg.txt", "--docker"]);
    let patch = cinch(&[
        "audit",
        "auditlab",
        "--log",
        "dmesg.txt",
        "--docker",
        "--format",
        "patch",
    ]);
    drop(up);
    eprintln!("{report}\n{patch}");
    assert!(
        report.contains("setxattr — write extended attributes")
            && report.contains("matched by --docker: container"),
        "{report}"
    );
    assert!(
        patch.contains("+        - names: [setxattr]")
            && patch.contains("reason: \"observed in complain mode ("),
        "{patch}"
    );

    // 3. the patch on a copy; enforce mode now runs the same server.
    std::fs::create_dir_all(work.join("copy/auditlab")).unwrap();
    std::fs::copy(
        work.join("auditlab/compose.yaml"),
        work.join("copy/auditlab/compose.yaml"),
    )
    .unwrap();
    let mut p = Command::new("patch")
        .args(["-p1", "--batch", "--silent"])
        .current_dir(work.join("copy"))
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut p.stdin.take().unwrap(), patch.as_bytes()).unwrap();
    assert!(p.wait().unwrap().success(), "patch(1) refused:\n{patch}");
    assert_eq!(
        std::fs::read_to_string(work.join("auditlab/compose.yaml")).unwrap(),
        std::fs::read_to_string(lab::root().join("testdata/audit/lab/server/compose.yaml"))
            .unwrap(),
        "cinch audit must never write the user's files"
    );
    cinch(&[
        "generate",
        "copy/auditlab",
        "-o",
        "enforce",
        "--backend",
        "seccomp",
        "--wire",
    ]);
    let profile =
        std::fs::read_to_string(work.join("enforce/seccomp/auditlab.server.server.json")).unwrap();
    assert!(profile.contains("\"SCMP_ACT_ERRNO\"") && profile.contains("\"setxattr\""));
    let up = Up::start(&work, "enforce/wired/copy/auditlab/compose.yaml");
    up.wait_ready()
        .unwrap_or_else(|e| panic!("enforce mode after the patch: {e}"));
    drop(up);

    // 4. control: without the patch, enforce mode refuses the call.
    cinch(&[
        "generate",
        "auditlab",
        "-o",
        "unpatched",
        "--backend",
        "seccomp",
        "--wire",
    ]);
    let up = Up::start(&work, "unpatched/wired/auditlab/compose.yaml");
    let err = up
        .wait_ready()
        .expect_err("the unpatched profile let setxattr through");
    assert!(err.contains("PermissionError"), "{err}");
}

/// `docker-compose up -d` of a wired file as its header says (from the project directory),
/// with the lab's additions: the host's /usr and /etc, read-only. Down on drop.
struct Up {
    dir: std::path::PathBuf,
    file: String,
    lab_file: std::path::PathBuf,
}

impl Up {
    fn start(work: &Path, wired: &str) -> Up {
        let text = std::fs::read_to_string(work.join(wired)).unwrap();
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix("#   cd "))
            .expect("run instruction in the wired header");
        let (dir, rest) = line.split_once(" && docker compose ").expect("instruction");
        let file = rest
            .strip_prefix("--project-directory . -f ")
            .and_then(|r| r.strip_suffix(" up"))
            .expect("instruction");
        let lab_file = work.join("lab.yaml");
        std::fs::write(
            &lab_file,
            r#"{"services": {"server": {"volumes": ["/usr:/usr:ro", "/etc:/etc:ro"]}}}"#,
        )
        .unwrap();
        let up = Up {
            dir: work.join(dir),
            file: file.to_owned(),
            lab_file,
        };
        let _ = lab::run(&mut up.compose(&["down", "-v", "--remove-orphans"]));
        lab::must(&mut up.compose(&["up", "-d"]));
        up
    }

    fn compose(&self, args: &[&str]) -> Command {
        let mut c = Command::new("/usr/bin/docker-compose");
        c.current_dir(&self.dir)
            .args(["--project-directory", ".", "-f", &self.file, "-f"])
            .arg(&self.lab_file)
            .args(["-p", PROJECT])
            .args(args);
        c
    }

    /// The server printed `ready` and is still running 2 s later; else its log.
    fn wait_ready(&self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (_, logs, _) = lab::run(&mut self.compose(&["logs", "--no-color", "server"]));
            let (_, id, _) = lab::run(&mut self.compose(&["ps", "-q", "server"]));
            let (_, running, _) = lab::run(lab::docker().args([
                "inspect",
                "--format",
                "{{.State.Running}}",
                id.trim(),
            ]));
            if logs.contains("ready") && running.trim() == "true" {
                std::thread::sleep(Duration::from_secs(2));
                let (_, still, _) = lab::run(lab::docker().args([
                    "inspect",
                    "--format",
                    "{{.State.Running}}",
                    id.trim(),
                ]));
                return if still.trim() == "true" {
                    Ok(())
                } else {
                    Err(format!("stopped after starting:\n{logs}"))
                };
            }
            if running.trim() == "false" || Instant::now() > deadline {
                return Err(format!("did not start:\n{logs}"));
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

impl Drop for Up {
    fn drop(&mut self) {
        let _ = lab::run(&mut self.compose(&["down", "-v", "--remove-orphans", "-t", "1"]));
    }
}
