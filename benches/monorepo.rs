//! Is cinch fast enough for a pre-commit hook on a monorepo? (issue 11)
//!
//! `cargo bench --bench monorepo [-- N…]` measures, for N = 100, 1,000 and 10,000 synthetic
//! workloads (benches/synth) and for the real corpus in ../shared/corpus:
//! - `generate` wall time (all backends, writing to a fresh temp dir), per workload;
//! - `check` wall time against the tree just written;
//! - peak RSS of the process after `generate` (each size runs in its own child process);
//! - the **parse floor**: reading the same files and parsing each into the YAML crate's
//!   generic value (`serde_norway::Value`, every document) or, for Dockerfiles, into
//!   parse-dockerfile's instruction list — no further work — and `generate`'s ratio to it.
//!
//! Times are the best of 3 runs (the first run also warms the page cache). Nothing is
//! asserted: the figures are printed for the closing note.

mod synth;

/// The same allocator as the `cinch` binary (src/main.rs), so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` (CI) runs this binary
    // without it, in a debug build: then one small size, so CI checks the bench still
    // works without spending minutes measuring a debug build.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    // `-- --write DIR N`: only write the synthetic repository (for profiling by hand).
    if let Some(pos) = args.iter().position(|a| a == "--write") {
        let n = args[pos + 2].parse().expect("a number of workloads");
        let counts = synth::generate(Path::new(&args[pos + 1]), n, 42);
        println!("{counts:?}");
        return;
    }
    // `-- --phases DIR`: where generate's time goes (load, render, write), for profiling.
    if let Some(pos) = args.iter().position(|a| a == "--phases") {
        phases(Path::new(&args[pos + 1]));
        return;
    }
    if let Some(pos) = args.iter().position(|a| a == "--child") {
        child(&args[pos + 1]);
        return;
    }
    let sizes: Vec<String> = if smoke && args.is_empty() {
        vec!["100".into()]
    } else if args.is_empty() {
        vec!["100".into(), "1000".into(), "10000".into(), "corpus".into()]
    } else {
        args
    };
    println!(
        "{:>8} {:>7} {:>10} {:>12} {:>10} {:>9} {:>8} {:>10} {:>9}",
        "inputs",
        "files",
        "generate",
        "per workload",
        "floor",
        "ratio",
        "check",
        "peak RSS",
        "workloads"
    );
    let exe = std::env::current_exe().expect("own path");
    for size in sizes {
        let out = Command::new(&exe)
            .args(["--child", &size])
            .output()
            .expect("child runs");
        if !out.status.success() {
            eprintln!(
                "size {size} failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            continue;
        }
        print!("{}", String::from_utf8_lossy(&out.stdout));
    }
}

fn best_of<T>(runs: usize, mut f: impl FnMut(usize) -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for i in 0..runs {
        let t = Instant::now();
        let r = f(i);
        best = best.min(t.elapsed());
        last = Some(r);
    }
    (best, last.expect("at least one run"))
}

/// `cinch ARGS` in-process: exit code, stdout, stderr.
fn run_cinch(args: &[&str]) -> (u8, Vec<u8>, String) {
    let mut stdin: &[u8] = b"";
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let mut io = cinch::Io {
        stdin: &mut stdin,
        stdout: &mut stdout,
        stderr: &mut stderr,
        env: BTreeMap::new(),
        color: false,
        stderr_color: false,
        process_exits: false,
    };
    let code = cinch::run(
        std::iter::once("cinch").chain(args.iter().copied()),
        &mut io,
    );
    (code, stdout, String::from_utf8_lossy(&stderr).into_owned())
}

fn child(size: &str) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (root, workloads) = if size == "corpus" {
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
        if !corpus.is_dir() {
            println!("{:>8} (../shared/corpus not found; skipped)", size);
            return;
        }
        (corpus, 0)
    } else {
        let n: usize = size.parse().expect("a number of workloads");
        let root = tmp.path().join("repo");
        let counts = synth::generate(&root, n, 42);
        (root, counts.workloads)
    };
    let root_s = root.to_str().expect("UTF-8 path").to_owned();

    let (generate, _) = best_of(3, |i| {
        let out = tmp.path().join(format!("out-{i}"));
        let (code, _, stderr) = run_cinch(&["generate", &root_s, "-o", out.to_str().unwrap()]);
        assert_eq!(code, 0, "generate failed: {stderr}");
    });
    let rss = peak_rss_kib();
    let out0 = tmp.path().join("out-0");
    let (check, _) = best_of(3, |_| {
        let (code, _, stderr) = run_cinch(&["check", &root_s, "-o", out0.to_str().unwrap()]);
        assert_eq!(code, 0, "check found differences: {stderr}");
    });
    let files = synth::floor::input_files(&root);
    let (floor, _) = best_of(3, |_| synth::floor::parse_floor(&files));
    let workloads = if workloads == 0 {
        count_workloads(&root_s)
    } else {
        workloads
    };
    println!(
        "{:>8} {:>7} {:>8.1}ms {:>10.1}µs {:>8.1}ms {:>8.2}× {:>6.1}ms {:>7.1}MiB {:>9}",
        size,
        files.len(),
        ms(generate),
        generate.as_secs_f64() * 1e6 / workloads.max(1) as f64,
        ms(floor),
        generate.as_secs_f64() / floor.as_secs_f64(),
        ms(check),
        rss as f64 / 1024.0,
        workloads
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn count_workloads(root: &str) -> usize {
    let (_, stdout, _) = run_cinch(&["inspect", root]);
    let v: serde_json::Value = serde_json::from_slice(&stdout).unwrap_or_default();
    v["workloads"].as_array().map_or(0, Vec::len)
}

/// VmHWM: the peak resident set size of this process, in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn phases(root: &Path) {
    let mut diags = cinch::diag::Diagnostics::new();
    let input = cinch::cli::InputArgs {
        inputs: vec![root.display().to_string()],
        ..Default::default()
    };
    let t = Instant::now();
    let model = cinch::load_model(&input, &BTreeMap::new(), &mut &b""[..], &mut diags);
    let load = t.elapsed();
    let t = Instant::now();
    let tree = cinch::render(&model, &cinch::backend::Options::default(), &mut diags);
    let render = t.elapsed();
    let out = tempfile::tempdir().unwrap();
    let t = Instant::now();
    cinch::output::write_tree(&out.path().join("p"), &tree, Default::default()).unwrap();
    let write = t.elapsed();
    let bytes: usize = tree.files.values().map(Vec::len).sum();
    println!(
        "load {:.1}ms, render {:.1}ms, write {:.1}ms ({} files, {:.1} MB)",
        ms(load),
        ms(render),
        ms(write),
        tree.len(),
        bytes as f64 / 1e6
    );
}
