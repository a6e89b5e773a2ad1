//! Untrusted input (issue 10): every bad input gives exit 2 and a `file:line:` error, never a
//! panic; each run is capped in memory (`ulimit -v`) and killed if it is not done in 5 s (a
//! hang guard, not a speed measurement); a failed run writes nothing; concurrent runs on one
//! output directory never interleave.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::bin;

/// Address-space cap for each run: far above what cinch needs (tens of MB), far below what
/// an alias bomb or a runaway allocation would take.
const MEMORY_CAP_KIB: u64 = 1024 * 1024;
/// A run that takes longer is treated as a hang.
const HANG_GUARD: Duration = Duration::from_secs(5);

struct Outcome {
    code: Option<i32>,
    stderr: String,
}

/// Run the real binary under the memory cap and the hang guard, from the crate root.
fn run_capped(args: &[&str]) -> Outcome {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {MEMORY_CAP_KIB} && exec \"$0\" \"$@\""))
        .arg(bin())
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cinch starts");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut stderr = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
            return Outcome {
                code: status.code(),
                stderr,
            };
        }
        if start.elapsed() > HANG_GUARD {
            let _ = child.kill();
            panic!("cinch {args:?} did not finish within {HANG_GUARD:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn assert_no_panic(o: &Outcome, what: &str) {
    assert!(
        !o.stderr.contains("panicked"),
        "{what}: panic:\n{}",
        o.stderr
    );
    assert!(
        o.code.is_some(),
        "{what}: killed by a signal (memory cap?):\n{}",
        o.stderr
    );
}

#[test]
fn every_bad_input_fails_with_its_file_and_line() {
    let table = fs::read_to_string("testdata/bad/expected.tsv").unwrap();
    let mut listed = BTreeSet::new();
    let tmp = tempfile::tempdir().unwrap();
    for row in table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let cols: Vec<&str> = row.split('\t').collect();
        let [path, args, exit, line, code] = cols[..] else {
            panic!("bad row {row:?}")
        };
        listed.insert(PathBuf::from(path));
        let out = tmp.path().join(path.replace('/', "_"));
        let mut argv = vec!["generate", path, "-o", out.to_str().unwrap()];
        if args != "-" {
            argv.extend(args.split(' '));
        }
        let o = run_capped(&argv);
        assert_no_panic(&o, path);
        assert_eq!(
            o.code,
            Some(exit.parse().unwrap()),
            "{path}: exit code\n{}",
            o.stderr
        );
        let first_error = o
            .stderr
            .lines()
            .find(|l| l.contains(": error["))
            .unwrap_or_default();
        assert!(
            first_error.starts_with(&format!("{path}:{line}:"))
                && first_error.contains(&format!("error[{code}]")),
            "{path}: expected an error[{code}] at line {line}, got:\n{}",
            o.stderr
        );
        assert!(
            !out.exists(),
            "{path}: a failed run must not create the output directory"
        );
    }
    let on_disk: BTreeSet<PathBuf> = common::files_under(Path::new("testdata/bad"))
        .into_iter()
        .filter(|p| p.extension().is_none_or(|e| e != "tsv"))
        // Logs for `cinch audit` are no manifests; tests/audit.rs checks each of them.
        .filter(|p| !p.to_string_lossy().contains("testdata/bad/audit/"))
        .map(|p| {
            p.strip_prefix(env!("CARGO_MANIFEST_DIR"))
                .map(Path::to_path_buf)
                .unwrap_or(p)
        })
        .collect();
    let unlisted: Vec<_> = on_disk.difference(&listed).collect();
    assert!(
        unlisted.is_empty(),
        "bad inputs without an expectation in expected.tsv: {unlisted:?}"
    );
    eprintln!("checked {} bad inputs", listed.len());
}

#[test]
fn a_50_mb_file_is_refused_quickly() {
    let tmp = tempfile::tempdir().unwrap();
    let big = tmp.path().join("compose.yaml");
    let mut text = String::from("services:\n  web:\n    image: nginx\n    environment:\n");
    while text.len() < 50 * 1024 * 1024 {
        text.push_str("      # padding padding padding padding padding padding padding padding\n");
    }
    fs::write(&big, text).unwrap();
    let o = run_capped(&["inspect", big.to_str().unwrap()]);
    assert_no_panic(&o, "50 MB");
    assert_eq!(o.code, Some(2));
    assert!(
        o.stderr.contains(":1: error[input-too-large]"),
        "{}",
        o.stderr
    );
}

#[test]
fn too_many_documents_is_a_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("many.yaml");
    fs::write(
        &f,
        "---\n{}\n".repeat(cinch::limits::MAX_YAML_DOCUMENTS + 1),
    )
    .unwrap();
    let o = run_capped(&["inspect", f.to_str().unwrap()]);
    assert_no_panic(&o, "documents");
    assert_eq!(o.code, Some(2));
    assert!(o.stderr.contains("error[yaml-limit]"), "{}", o.stderr);
}

#[test]
fn a_dockerfile_with_10000_continuation_lines_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("Dockerfile");
    let mut text = String::from("FROM alpine:3.20\nRUN echo start \\\n");
    for i in 0..10_000 {
        text.push_str(&format!("    && echo {i} \\\n"));
    }
    text.push_str("    && echo done\nUSER 10001\nCMD [\"sh\"]\n");
    fs::write(&f, text).unwrap();
    let o = run_capped(&["inspect", f.to_str().unwrap()]);
    assert_no_panic(&o, "continuations");
    assert_eq!(o.code, Some(0), "{}", o.stderr);
}

#[test]
fn symlink_loops_and_dangling_links_are_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("repo");
    fs::create_dir_all(dir.join("sub")).unwrap();
    fs::write(
        dir.join("compose.yaml"),
        "services:\n  web:\n    image: nginx:1.27\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("..", dir.join("sub/up")).unwrap();
    std::os::unix::fs::symlink("self.yaml", dir.join("self.yaml")).unwrap();
    std::os::unix::fs::symlink("nowhere.yaml", dir.join("dangling.yaml")).unwrap();
    let o = run_capped(&["inspect", dir.to_str().unwrap()]);
    assert_no_panic(&o, "symlinks");
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert!(
        o.stderr.contains("self.yaml:0: warning[skipped-document]"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr
            .contains("dangling.yaml:0: warning[skipped-document]"),
        "{}",
        o.stderr
    );
}

#[test]
fn a_directory_with_10000_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("many");
    fs::create_dir(&dir).unwrap();
    for i in 0..10_000 {
        let body = if i % 10 == 0 {
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  URL: http://svc-{i}:80\n"
            )
        } else {
            format!("notes for file {i}\n")
        };
        let name = if i % 10 == 0 {
            format!("cm-{i}.yaml")
        } else {
            format!("notes-{i}.txt")
        };
        fs::write(dir.join(name), body).unwrap();
    }
    let o = run_capped(&["inspect", dir.to_str().unwrap()]);
    assert_no_panic(&o, "10,000 files");
    assert_eq!(o.code, Some(0), "{}", o.stderr);
}

/// Names from manifests never escape the output directory, whatever they hold.
#[test]
fn hostile_names_stay_inside_the_output_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let long = "a".repeat(300);
    let cases = [
        (
            "dots",
            "services:\n  ../../etc:\n    image: nginx:1.27\n".to_owned(),
            2,
        ),
        (
            "slash",
            "services:\n  a/b:\n    image: nginx:1.27\n".to_owned(),
            2,
        ),
        (
            "newline",
            "services:\n  \"a\\nb\":\n    image: nginx:1.27\n".to_owned(),
            2,
        ),
        (
            "long",
            format!("services:\n  {long}:\n    image: nginx:1.27\n    ports: [\"80\"]\n"),
            0,
        ),
        (
            "k8s-long",
            // A valid DNS-1123 subdomain of 247 characters (labels of at most 63).
            format!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n",
                vec!["b".repeat(60); 4].join(".")
            ),
            0,
        ),
    ];
    for (what, text, exit) in cases {
        let case = tmp.path().join(what);
        fs::create_dir(&case).unwrap();
        fs::write(case.join("compose.yaml"), &text).unwrap();
        let out = case.join("profiles");
        let o = run_capped(&[
            "generate",
            case.join("compose.yaml").to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_no_panic(&o, what);
        assert_eq!(o.code, Some(exit), "{what}: {}", o.stderr);
        // Everything cinch created is inside `out`, and every name is one plain component.
        let created: Vec<PathBuf> = common::files_under(&case);
        for p in created {
            if p == case.join("compose.yaml") {
                continue;
            }
            let rel = p
                .strip_prefix(&out)
                .unwrap_or_else(|_| panic!("{what}: {} written outside", p.display()));
            for c in rel.components() {
                let s = c.as_os_str().to_string_lossy();
                assert!(
                    s.len() <= 255 && !s.contains('\n') && s != "..",
                    "{what}: bad component {s:?}"
                );
            }
        }
    }
}

/// Two runs writing the same directory at once: the result is one run's tree, complete.
#[test]
fn concurrent_generates_do_not_interleave() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("profiles");
    let inputs = ["testdata/compose/webapp", "testdata/compose/networks"];
    let expected: Vec<_> = inputs
        .iter()
        .map(|i| {
            let one = tmp.path().join(format!("alone-{}", i.replace('/', "_")));
            let o = run_capped(&["generate", i, "-o", one.to_str().unwrap()]);
            assert_eq!(o.code, Some(0), "{}", o.stderr);
            tree_of(&one)
        })
        .collect();
    for round in 0..4 {
        let children: Vec<_> = inputs
            .iter()
            .map(|i| {
                Command::new(bin())
                    .args(["generate", i, "-o", out.to_str().unwrap()])
                    .current_dir(env!("CARGO_MANIFEST_DIR"))
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut c in children {
            assert!(c.wait().unwrap().success(), "round {round}");
        }
        let got = tree_of(&out);
        assert!(
            expected.contains(&got),
            "round {round}: the output is a mix of two runs: {:?}",
            got.keys()
        );
    }
}

fn tree_of(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    common::files_under(dir)
        .into_iter()
        .map(|p| {
            (
                p.strip_prefix(dir).unwrap().to_path_buf(),
                fs::read(&p).unwrap(),
            )
        })
        .collect()
}

/// A failure inside a backend, after other backends already wrote files into the stage
/// (the AppArmor backend refuses a value no profile can hold): the existing output directory
/// stays byte-identical and no stage is left behind.
#[test]
fn a_backend_failure_leaves_the_output_directory_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("profiles");
    let o = run_capped(&[
        "generate",
        "testdata/compose/webapp",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    fs::write(out.join("notes.txt"), "mine").unwrap();
    let before = tree_of(&out);
    let o = run_capped(&[
        "generate",
        "testdata/compose/webapp",
        "testdata/apparmor/err_unrepresentable",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_no_panic(&o, "backend failure");
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(o.stderr.contains("error[unsafe-value]"), "{}", o.stderr);
    assert_eq!(tree_of(&out), before, "output directory changed");
    let left: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left, ["profiles"], "no stage left behind");
}

/// A FIFO or a device is never opened when a manifest names it (`include`, `extends`,
/// `env_file`) or when it sits in an input directory: opening a FIFO blocks until someone
/// writes, reading a device may never end.
#[test]
fn fifos_and_devices_are_never_read() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("repo");
    fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("fifo.yaml");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let cases = [
        ("include", "include:\n  - fifo.yaml\n"),
        ("include-device", "include:\n  - /dev/zero\n"),
        (
            "extends",
            "    extends:\n      file: fifo.yaml\n      service: web\n",
        ),
        ("env_file", "    env_file: fifo.yaml\n"),
    ];
    for (name, extra) in cases {
        let file = tmp.path().join(format!("{name}.yaml"));
        let text = format!("services:\n  app:\n    image: busybox:1\n{extra}")
            .replace("fifo.yaml", fifo.to_str().unwrap());
        fs::write(&file, text).unwrap();
        let o = run_capped(&["inspect", file.to_str().unwrap()]);
        assert_no_panic(&o, name);
        // Said, with the file it could not read (an error, or for env_file a warning).
        let named = if name == "include-device" {
            "/dev/zero"
        } else {
            "fifo.yaml"
        };
        assert!(o.stderr.contains(named), "{name}: {}", o.stderr);
    }
    // In an input directory, the FIFO (and a link to it) is passed over, with a warning.
    std::os::unix::fs::symlink(&fifo, dir.join("link.yaml")).unwrap();
    fs::write(
        dir.join("compose.yaml"),
        "services:\n  web:\n    image: nginx:1.27\n",
    )
    .unwrap();
    let o = run_capped(&["inspect", dir.to_str().unwrap()]);
    assert_no_panic(&o, "directory with a FIFO");
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    for skipped in [
        "fifo.yaml:0: warning[skipped-document]",
        "link.yaml:0: warning[skipped-document]",
    ] {
        assert!(o.stderr.contains(skipped), "{}", o.stderr);
    }
}
