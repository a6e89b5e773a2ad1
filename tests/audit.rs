//! `cinch audit` (issue 19): the three log formats through the CLI, the report as text and
//! JSON, the patch for each manifest kind (snapshots), the dangerous-call rule, matching by
//! exe and `--workload`, bad logs, and the patch applied and read back.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{bin, cinch, settings};

fn audit(inputs: &str, log: &str, extra: &[&str]) -> common::Run {
    let mut args = vec!["audit", inputs, "--log", log];
    args.extend(extra);
    cinch(&args)
}

#[test]
fn report_text_groups_by_workload() {
    let r = audit(
        "testdata/audit/compose",
        "testdata/audit/compose/dmesg.log",
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    settings().bind(|| insta::assert_snapshot!("audit-report@compose", r.stdout));
    // Each way a record matched is said.
    assert!(
        r.stdout
            .contains("matched by exe matches `/usr/local/bin/worker`")
    );
    assert!(r.stdout.contains("statfs — file metadata"));
}

#[test]
fn report_json_is_the_same_model() {
    let r = audit(
        "testdata/audit/compose",
        "testdata/audit/compose/dmesg.log",
        &["--format", "json"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let worker = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["workload"] == "shop/worker")
        .unwrap();
    assert_eq!(worker["syscalls"]["statfs"]["verdict"], "declare");
    assert_eq!(worker["syscalls"]["statfs"]["count"], 1);
    assert_eq!(worker["syscalls"]["ptrace"]["verdict"], "needs-capability");
    assert_eq!(worker["syscalls"]["ptrace"]["matched"][0]["by"], "exe");
    let tools = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["workload"] == "shop/tools")
        .unwrap();
    let backup = tools["apparmor"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["object"] == "/var/backups/db.dump" && a["operation"] == "mknod")
        .unwrap();
    assert_eq!(backup["logged"], "ALLOWED");
    assert_eq!(backup["verdict"], "declare");
    assert_eq!(backup["declare"]["access"], "write");
    assert_eq!(backup["declare"]["path"], "/var/backups");
    assert_eq!(v["unmatched"].as_array().unwrap().len(), 2);
}

#[test]
fn patch_per_manifest_kind() {
    for (kind, log) in [
        ("compose", "dmesg.log"),
        ("kubernetes", "audit.log"),
        ("dockerfile", "ausearch.txt"),
    ] {
        let r = audit(
            &format!("testdata/audit/{kind}"),
            &format!("testdata/audit/{kind}/{log}"),
            &["--format", "patch"],
        );
        assert_eq!(r.code, 0, "{kind}: {}", r.stderr);
        let shown = format!("{}\n--- stderr ---\n{}", r.stdout, r.stderr);
        settings().bind(|| insta::assert_snapshot!(format!("audit-patch@{kind}"), shown));
    }
}

/// mount, ptrace, bpf, unshare: never a patch, always a warning that names the capability.
#[test]
fn dangerous_calls_get_no_patch() {
    let r = audit(
        "testdata/audit/compose",
        "testdata/audit/compose/dmesg.log",
        &["--format", "patch"],
    );
    assert!(
        !r.stdout.contains("mount") && !r.stdout.contains("ptrace"),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr
            .contains("no patch for mount: the workload needs CAP_SYS_ADMIN")
    );
    assert!(
        r.stderr
            .contains("no patch for ptrace: the workload needs CAP_SYS_PTRACE")
    );
    for name in ["bpf", "unshare", "mount", "ptrace"] {
        assert!(
            !matches!(
                cinch::workflow::audit::judge_call(name, false),
                cinch::workflow::audit::Judgement::Declare { .. }
            ),
            "{name}"
        );
    }
    assert!(matches!(
        cinch::workflow::audit::judge_call("kexec_load", false),
        cinch::workflow::audit::Judgement::Review { .. }
    ));
}

#[test]
fn workload_flag_takes_what_exe_does_not_match() {
    let log = "testdata/audit/compose/dmesg.log";
    let r = audit("testdata/audit/compose", log, &["--workload", "tools"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The log is the tools container's: what no exe ties elsewhere in it is tools' too
    // (curl is declared nowhere), and exe matching looks only inside that workload.
    assert!(
        r.stdout.contains("fstatfs — allowed: 4 calls by /usr/sbin/nginx and others (matched by exe matches `/usr/bin/backup.sh`, --workload)"),
        "{}",
        r.stdout
    );
    // AppArmor records name their profile, whatever --workload says.
    assert!(!r.stdout.contains("shop/worker"), "{}", r.stdout);
    assert!(r.stdout.contains("shop/web"), "{}", r.stdout);
    let r = audit("testdata/audit/compose", log, &["--workload", "nope"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--workload nope: no such workload"),
        "{}",
        r.stderr
    );
}

/// Bad logs (testdata/bad/audit): a clear report or a clear error, never a panic.
#[test]
fn bad_logs_report_clearly() {
    let cases: [(&str, &[&str]); 5] = [
        (
            "truncated.log",
            &["line 1: cut off", "line 4: cut off", "io_setup — Linux AIO"],
        ),
        (
            "other-arch.log",
            &[
                "seccomp record for ppc64le",
                "s390x",
                "riscv64",
                "syscall 999 is not in the x86_64 table",
            ],
        ),
        (
            "unconfined.log",
            &[
                "the process ran unconfined",
                "under `docker-default`",
                "no exe in the record",
            ],
        ),
        (
            "noise.log",
            &[
                "0 record(s) read, 200 other line(s) skipped",
                "no seccomp or AppArmor record",
            ],
        ),
        ("invalid-utf8.log", &["seccomp io_setup (x86_64)"]),
    ];
    for (file, needles) in cases {
        let path = format!("testdata/bad/audit/{file}");
        let o = Command::new(bin())
            .args(["audit", "testdata/audit/compose", "--log", &path])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&o.stdout);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{file}: {stderr}");
        assert!(!stderr.contains("panicked"), "{file}: {stderr}");
        for n in needles {
            assert!(stdout.contains(n), "{file}: no `{n}` in\n{stdout}");
        }
    }
    let listed = [
        "truncated.log",
        "other-arch.log",
        "unconfined.log",
        "noise.log",
        "invalid-utf8.log",
    ];
    for f in common::files_under(Path::new("testdata/bad/audit")) {
        let name = f.file_name().unwrap().to_str().unwrap().to_owned();
        assert!(
            listed.contains(&name.as_str()),
            "{name} is not checked here"
        );
    }
    let r = audit(
        "testdata/audit/compose",
        "testdata/bad/audit/missing.log",
        &[],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("testdata/bad/audit/missing.log"),
        "{}",
        r.stderr
    );
}

/// 100 MB of unrelated kernel messages (and one overlong line): read in bounded memory, no
/// panic, the one record in it found.
#[test]
fn hundred_megabytes_of_noise() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("noise.log");
    let noise = std::fs::read_to_string("testdata/bad/audit/noise.log").unwrap();
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    use std::io::Write;
    f.write_all(&vec![b'x'; 3 << 20]).unwrap();
    f.write_all(b"\n").unwrap();
    let mut written = 0;
    while written < 100 << 20 {
        f.write_all(noise.as_bytes()).unwrap();
        written += noise.len();
    }
    f.write_all(b"[ 99.0] audit: type=1326 audit(1.2:3): pid=9 comm=\"worker\" exe=\"/usr/local/bin/worker\" sig=0 arch=c000003e syscall=206 code=0x7ffc0000\n").unwrap();
    drop(f);
    // A 512 MiB address-space cap: reading must not hold the file.
    let o = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 524288 && exec \"$0\" \"$@\"")
        .arg(bin())
        .args(["audit", "testdata/audit/compose", "--log"])
        .arg(&path)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout.contains("io_setup — Linux AIO: 1 call"), "{stdout}");
    assert!(
        stdout.contains("longer than any kernel audit record"),
        "{stdout}"
    );
}

/// The patch applied to a copy (with patch(1), as a reviewer would) and read back: the
/// declared call is in the regenerated enforcing profile with the evidence as its reason,
/// and auditing the same log again finds nothing left to declare.
#[test]
fn patch_applies_and_closes_the_loop() {
    for (kind, log, call) in [
        ("compose", "dmesg.log", "statfs"),
        ("kubernetes", "audit.log", "io_setup"),
        ("dockerfile", "ausearch.txt", "setxattr"),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let proj = tmp.path().join("proj");
        std::fs::create_dir(&proj).unwrap();
        for f in common::files_under(Path::new(&format!("testdata/audit/{kind}"))) {
            std::fs::copy(&f, proj.join(f.file_name().unwrap())).unwrap();
        }
        let run = |args: &[&str]| {
            let o = Command::new(bin())
                .args(args)
                .current_dir(tmp.path())
                .output()
                .unwrap();
            (
                o.status.code(),
                String::from_utf8_lossy(&o.stdout).into_owned(),
                String::from_utf8_lossy(&o.stderr).into_owned(),
            )
        };
        let log = format!("proj/{log}");
        let (code, diff, err) = run(&["audit", "proj", "--log", &log, "--format", "patch"]);
        assert_eq!(code, Some(0), "{kind}: {err}");
        let before = std::fs::read_to_string(proj.join(if kind == "dockerfile" {
            "Dockerfile"
        } else {
            "x"
        }))
        .ok();
        let mut p = Command::new("patch")
            .args(["-p1", "--batch", "--silent"])
            .current_dir(tmp.path())
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        p.stdin.take().unwrap().write_all(diff.as_bytes()).unwrap();
        assert!(p.wait().unwrap().success(), "{kind}: patch failed:\n{diff}");
        if let Some(before) = before {
            assert_ne!(
                before,
                std::fs::read_to_string(proj.join("Dockerfile")).unwrap()
            );
        }
        let (code, out, err) = run(&["generate", "proj", "-o", "out"]);
        assert_eq!(code, Some(0), "{kind}: {err}");
        let profiles: Vec<String> = common::files_under(&tmp.path().join("out/seccomp"))
            .iter()
            .map(|f| std::fs::read_to_string(f).unwrap())
            .collect();
        // Every profile, explicit paths included, compiles with apparmor_parser.
        let parser = common::apparmor_parser("audit");
        common::assert_apparmor_profiles(parser.as_deref(), &tmp.path().join("out"));
        if kind != "dockerfile" {
            let apparmor: Vec<String> = common::files_under(&tmp.path().join("out/apparmor"))
                .iter()
                .map(|f| std::fs::read_to_string(f).unwrap())
                .collect();
            let (path, comment) = match kind {
                "compose" => (
                    "/var/backups{,/} rw,",
                    "explicit: observed in complain mode (2 records by backup.sh)",
                ),
                _ => (
                    "/srv/cache/blobs{,/} rw,",
                    "explicit: observed in complain mode (1 record by api)",
                ),
            };
            assert!(
                apparmor
                    .iter()
                    .any(|p| p.contains(path) && p.contains(comment)),
                "{kind}: {path} not declared in the regenerated AppArmor profiles:\n{}",
                apparmor.join("\n")
            );
        }
        assert!(
            profiles.iter().any(|p| p.contains(&format!("\"{call}\""))
                && p.contains("explicit: observed in complain mode (")),
            "{kind}: {call} not declared in the regenerated profiles\n{out}"
        );
        let (code, again, _) = run(&["audit", "proj", "--log", &log, "--format", "patch"]);
        assert_eq!(
            (code, again.as_str()),
            (Some(0), ""),
            "{kind}: still something to declare"
        );
    }
}

/// `--log -` reads stdin; stdin cannot also be the manifests.
#[test]
fn log_from_stdin() {
    let log = std::fs::read_to_string("testdata/audit/compose/dmesg.log").unwrap();
    let r = common::cinch_with_stdin(&["audit", "testdata/audit/compose", "--log", "-"], &log);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("statfs — file metadata"), "{}", r.stdout);
    let r = common::cinch_with_stdin(&["audit", "-", "--log", "-"], &log);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("stdin can be read once"), "{}", r.stderr);
}
