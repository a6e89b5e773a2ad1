//! Every command on two shapes of monorepo, against the parse + write floor (issue 17).
//!
//! `cargo bench --bench shapes [-- [--dir DIR] [--reps N] [SHAPE:N …]]`, SHAPE `small`
//! (benches/synth, ~800 bytes a workload) or `realistic` (benches/synth/realistic.rs);
//! default `small:1000 small:10000 realistic:1000 realistic:10000`. Input and output live
//! under DIR (default: the temp dir), so `--dir /dev/shm` measures tmpfs and `--dir /work/x`
//! the disk.
//!
//! Each command runs as the real `cinch` binary under `/usr/bin/time`, so its peak RSS is its
//! own: `generate` (into a fresh directory, then again over the tree it wrote), `check` of
//! the tree just written (current) and with 1% of the files stale, `inspect` and `lint`
//! (stdout to /dev/null), and `diff --git-base HEAD` with one input file changed since the
//! commit. Times are the best of N runs (default 3).
//!
//! The **floor**, measured in the same run: reading and parsing the same input files into
//! the YAML crate's generic value or parse-dockerfile's instructions (single-threaded,
//! nothing else), plus writing the same number of files with the same bytes in total, at the
//! same relative paths, to a fresh directory on the same file system. Every command's ratio
//! is to that floor. Nothing is asserted; the figures go into docs/benchmark.md.

mod synth;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` (CI) runs this binary
    // without it, in a debug build: then one small run, so CI checks the bench still works
    // without spending minutes measuring a debug build.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let mut args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let mut take = |flag: &str| {
        let pos = args.iter().position(|a| a == flag)?;
        let v = args.remove(pos + 1);
        args.remove(pos);
        Some(v)
    };
    // `--write DIR SHAPE:N`: only write that repository (to measure or profile by hand).
    if let Some(dir) = take("--write") {
        let (shape, n) = args[0].split_once(':').expect("SHAPE:N");
        let n = n.parse().expect("a number of workloads");
        let counts = match shape {
            "small" => synth::generate(Path::new(&dir), n, 42),
            _ => synth::realistic::generate(Path::new(&dir), n, 42),
        };
        println!("{counts:?}");
        return;
    }
    let base = take("--dir").map_or_else(std::env::temp_dir, PathBuf::from);
    let reps: usize =
        take("--reps").map_or(if smoke { 1 } else { 3 }, |r| r.parse().expect("--reps N"));
    let runs: Vec<String> = if smoke && args.is_empty() {
        vec!["small:100".to_owned()]
    } else if args.is_empty() {
        [
            "small:1000",
            "small:10000",
            "realistic:1000",
            "realistic:10000",
        ]
        .map(String::from)
        .to_vec()
    } else {
        args
    };
    let lint_reps = if smoke { 1 } else { reps.max(5) };
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if corpus.is_dir() {
        println!("corpus: {}", sizes(&corpus));
        // Issue 22's target: `cinch lint ../shared/corpus` under 0.3 s.
        let (wall, rss) = best(lint_reps, &corpus, &["lint", "."], &[0, 1], || {});
        println!(
            "corpus lint: {:.3} s, {} MiB peak (best of {})",
            wall.as_secs_f64(),
            rss / 1024,
            lint_reps
        );
    }
    println!("output under {} (best of {reps})", base.display());
    println!(
        "{:<10} {:>6} {:<14} {:>9} {:>8} {:>9} {:>7}",
        "shape", "N", "command", "wall", "µs/wl", "peak RSS", "÷floor"
    );
    for run in runs {
        let (shape, n) = run.split_once(':').expect("SHAPE:N");
        measure(
            &base,
            shape,
            n.parse().expect("a number of workloads"),
            reps,
        );
    }
}

/// One shape at one size: every command and the floor.
fn measure(base: &Path, shape: &str, n: usize, reps: usize) {
    let tmp = tempfile::tempdir_in(base).expect("temp dir");
    let root = tmp.path().join("repo");
    let counts = match shape {
        "small" => synth::generate(&root, n, 42),
        "realistic" => synth::realistic::generate(&root, n, 42),
        other => panic!("no shape {other}"),
    };
    println!("{shape:<10} {n:>6} input: {}", sizes(&root));
    git(&root, &["init", "-q"]);
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "bench"]);
    let out = tmp.path().join("out");
    let o = out.to_str().unwrap().to_owned();

    let mut rows: Vec<(&str, (Duration, u64))> = Vec::new();
    let fresh = tmp.path().join("fresh");
    let f = fresh.to_str().unwrap().to_owned();
    rows.push((
        "generate",
        best(reps, &root, &["generate", ".", "-o", &f], &[0], || {
            let _ = std::fs::remove_dir_all(&fresh);
        }),
    ));
    cinch(&root, &["generate", ".", "-o", &o], &[0]);
    rows.push((
        "check",
        best(reps, &root, &["check", ".", "-o", &o], &[0], || {}),
    ));
    // The pre-commit case: generate again over the tree it wrote, nothing changed.
    rows.push((
        "generate again",
        best(reps, &root, &["generate", ".", "-o", &o], &[0], || {}),
    ));
    rows.push(("inspect", best(reps, &root, &["inspect", "."], &[0], || {})));
    rows.push(("lint", best(reps, &root, &["lint", "."], &[0, 1], || {})));
    let written = tree(&out);
    // 1% stale: every hundredth generated file gains a line.
    for (rel, _) in written.iter().step_by(100) {
        let p = out.join(rel);
        let mut text = std::fs::read(&p).unwrap();
        text.extend_from_slice(b"# stale\n");
        std::fs::write(&p, text).unwrap();
    }
    rows.push((
        "check 1% stale",
        best(reps, &root, &["check", ".", "-o", &o], &[1], || {}),
    ));
    change_one_input(&root);
    rows.push((
        "diff --git-base",
        best(
            reps,
            &root,
            &["diff", "--git-base", "HEAD", "."],
            &[0],
            || {},
        ),
    ));

    let inputs = synth::floor::input_files(&root);
    let parse = (0..reps)
        .map(|_| {
            timed(|| {
                std::hint::black_box(synth::floor::parse_floor(&inputs));
            })
        })
        .min()
        .unwrap();
    let write = (0..reps)
        .map(|i| {
            let dir = tmp.path().join(format!("floor-{i}"));
            timed(|| write_floor(&dir, &written))
        })
        .min()
        .unwrap();
    let floor = parse + write;
    let bytes: u64 = written.iter().map(|(_, len)| len).sum();
    println!(
        "{shape:<10} {n:>6} {:<14} {:>7.0}ms   (parse {:.0} ms + write {:.0} ms: {} files, {:.0} MB; input {} files, {:.1} MB)",
        "floor",
        ms(floor),
        ms(parse),
        ms(write),
        written.len(),
        bytes as f64 / 1e6,
        counts.files,
        counts.bytes as f64 / 1e6
    );
    for (what, (wall, kib)) in rows {
        println!(
            "{shape:<10} {n:>6} {what:<14} {:>7.0}ms {:>8.0} {:>6.0}MiB {:>6.2}×",
            ms(wall),
            wall.as_secs_f64() * 1e6 / n as f64,
            kib as f64 / 1024.0,
            wall.as_secs_f64() / floor.as_secs_f64()
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn timed(f: impl FnOnce()) -> Duration {
    let t = Instant::now();
    f();
    t.elapsed()
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args([
            "-c",
            "user.name=bench",
            "-c",
            "user.email=bench@example.com",
        ])
        .args(args)
        .current_dir(dir)
        .status()
        .expect("git runs")
        .success();
    assert!(ok, "git {args:?}");
}

/// Best wall time of `reps` runs of `cinch ARGS` in `dir` (`before` runs ahead of each), and
/// the largest peak RSS among them, in KiB.
fn best(
    reps: usize,
    dir: &Path,
    args: &[&str],
    codes: &[i32],
    before: impl Fn(),
) -> (Duration, u64) {
    let mut wall = Duration::MAX;
    let mut rss = 0;
    for _ in 0..reps {
        before();
        let (w, r) = cinch(dir, args, codes);
        wall = wall.min(w);
        rss = rss.max(r);
    }
    (wall, rss)
}

/// `cinch ARGS` under `/usr/bin/time`: wall time and peak RSS (KiB). Asserts the exit code
/// is one of `codes`.
fn cinch(dir: &Path, args: &[&str], codes: &[i32]) -> (Duration, u64) {
    let report = tempfile::NamedTempFile::new().unwrap();
    let t = Instant::now();
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M", "-o"])
        .arg(report.path())
        .arg(env!("CARGO_BIN_EXE_cinch"))
        .args(args)
        .current_dir(dir)
        // `diff --git-base` extracts the base revision into a temp dir: on the measured
        // file system too (beside the repository, removed with it).
        .env("TMPDIR", dir.parent().unwrap_or(dir))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("/usr/bin/time runs");
    let wall = t.elapsed();
    assert!(
        out.status.code().is_some_and(|c| codes.contains(&c)),
        "cinch {args:?}: {:?} {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    let kib = std::fs::read_to_string(report.path())
        .ok()
        .and_then(|s| s.lines().last()?.trim().parse().ok())
        .unwrap_or(0);
    (wall, kib)
}

/// One input changed since the commit: the first Deployment's first port.
fn change_one_input(root: &Path) {
    let path = synth::floor::input_files(root)
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "yaml") && p.starts_with(root.join("k8s")))
        .expect("a Kubernetes input");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replacen("containerPort: 80", "containerPort: 70", 1),
    )
    .unwrap();
}

/// Every file under `dir` with its size, sorted by relative path.
fn tree(dir: &Path) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let meta = e.metadata().unwrap();
            if meta.is_dir() {
                stack.push(e.path());
            } else {
                let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
                out.push((rel, meta.len()));
            }
        }
    }
    out.sort();
    out
}

/// The floor's write half: the same paths and sizes, filler bytes, one `write` each.
fn write_floor(dir: &Path, files: &[(String, u64)]) {
    let filler = vec![b'x'; files.iter().map(|f| f.1).max().unwrap_or(0) as usize];
    for (rel, len) in files {
        let p = dir.join(rel);
        if let Err(e) = std::fs::write(&p, &filler[..*len as usize]) {
            assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, &filler[..*len as usize]).unwrap();
        }
    }
}

/// Median bytes of a Kubernetes workload document and of a Compose service, under `root`.
fn sizes(root: &Path) -> String {
    const KINDS: &[&str] = &[
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "Job",
        "CronJob",
        "Pod",
    ];
    let (mut k8s, mut compose) = (Vec::new(), Vec::new());
    for f in synth::floor::input_files(root) {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        if name.contains("compose") {
            let v: serde_norway::Value = serde_norway::from_str(&text).unwrap_or_default();
            if let Some(services) = v.get("services").and_then(|s| s.as_mapping()) {
                let each = text.len() / services.len().max(1);
                compose.extend(std::iter::repeat_n(each, services.len()));
            }
            continue;
        }
        let mut doc = String::new();
        for line in text.lines().chain(["---"]) {
            if line.starts_with("---") {
                let kind = doc.lines().find_map(|l| l.strip_prefix("kind: "));
                if kind.is_some_and(|k| KINDS.contains(&k.trim())) {
                    k8s.push(doc.len());
                }
                doc.clear();
            } else {
                doc.push_str(line);
                doc.push('\n');
            }
        }
    }
    let median = |v: &mut Vec<usize>| {
        v.sort_unstable();
        v.get(v.len() / 2).copied().unwrap_or(0)
    };
    format!(
        "median Kubernetes workload document {} bytes ({} documents), median Compose service {} bytes ({} services)",
        median(&mut k8s),
        k8s.len(),
        median(&mut compose),
        compose.len()
    )
}
