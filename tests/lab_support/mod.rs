//! The runtime lab (tests/lab/README.md): the official images' start-up, rebuilt locally,
//! run by the real container runtimes under the profiles cinch writes for them.
//!
//! This module knows the lab's apps (which image, port and request check each has), builds
//! their images into the Docker engine (starting `dockerd` when none runs, stopping it
//! after), and checks a running container from the host: requests from inside its network
//! namespace (`nsenter -n`, so nothing needs publishing and the client is not confined), and
//! `seccomp-probe` run inside it to see forbidden calls fail.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub mod oci;

/// How a server is asked whether it serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// HTTP GET `/` answers 200 and a missing path 404.
    Http,
    /// `SELECT 1`, then a table written and read back.
    Postgres,
    /// PING, then SET and GET.
    Redis,
}

/// One app of tests/lab/apps: its image (tests/lab/images/<image_dir>) and how it serves.
#[derive(Clone, Copy, Debug)]
pub struct App {
    /// tests/lab/apps/<name>
    pub name: &'static str,
    /// tests/lab/images/<image_dir>
    pub image_dir: &'static str,
    /// The official image it stands for, as the manifests name it.
    pub image: &'static str,
    /// The port of the Compose variants and of the Kubernetes one.
    pub port: u16,
    pub k8s_port: u16,
    pub check: Check,
    /// The runtime cinch recognises from the image name (None: an unknown image).
    pub runtime: Option<&'static str>,
}

pub const APPS: &[App] = &[
    App {
        name: "postgres",
        image_dir: "postgres",
        image: "postgres:15",
        port: 5432,
        k8s_port: 5432,
        check: Check::Postgres,
        runtime: Some("postgres"),
    },
    App {
        name: "redis",
        image_dir: "redis",
        image: "redis:7.0",
        port: 6379,
        k8s_port: 6379,
        check: Check::Redis,
        runtime: Some("redis"),
    },
    App {
        name: "nginx",
        image_dir: "nginx",
        image: "nginx:1.22",
        port: 80,
        k8s_port: 8080,
        check: Check::Http,
        runtime: Some("nginx"),
    },
    App {
        name: "node",
        image_dir: "node",
        image: "node:20",
        port: 3000,
        k8s_port: 3000,
        check: Check::Http,
        runtime: Some("node"),
    },
    App {
        name: "temurin",
        image_dir: "temurin",
        image: "eclipse-temurin:17-jre",
        port: 8080,
        k8s_port: 8080,
        check: Check::Http,
        runtime: Some("jvm"),
    },
    App {
        name: "distroless",
        image_dir: "distroless",
        image: "gcr.io/distroless/static-debian12",
        port: 8080,
        k8s_port: 8080,
        check: Check::Http,
        runtime: Some("go"),
    },
    App {
        name: "python",
        image_dir: "python",
        image: "python:3.11",
        port: 8000,
        k8s_port: 8000,
        check: Check::Http,
        runtime: Some("python"),
    },
    App {
        name: "busybox",
        image_dir: "busybox",
        image: "busybox:1.35",
        port: 8080,
        k8s_port: 8080,
        check: Check::Http,
        runtime: Some("shell"),
    },
    App {
        name: "unknown",
        image_dir: "unknown",
        image: "example/shop-api:1.0",
        port: 8080,
        k8s_port: 8080,
        check: Check::Http,
        runtime: None,
    },
];

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where the lab keeps what it builds (images' contexts, outputs, logs).
pub fn work_dir() -> PathBuf {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
        .join("lab");
    std::fs::create_dir_all(&dir).expect("target/lab");
    dir
}

/// Skip (or, in CI, fail) with a message saying how to get what is missing.
pub fn missing(what: &str, fix: &str) -> bool {
    if std::env::var_os("CI").is_some() {
        panic!("{what} is missing: {fix}");
    }
    eprintln!("SKIPPED: {what} is missing ({fix})");
    true
}

/// The lab's tools and the servers its images run from the host's /usr, plus `extra`; each
/// missing one is reported ([`missing`]). True when all are present.
pub fn tools_present(extra: &[(&str, &str)]) -> bool {
    let tools = [
        ("/usr/bin/docker-compose", "apt-get install docker-compose"),
        ("/usr/bin/ctr", "apt-get install containerd"),
        ("/usr/bin/nsenter", "apt-get install util-linux"),
        ("/usr/bin/ip", "apt-get install iproute2"),
        ("/usr/bin/curl", "apt-get install curl"),
        ("/usr/bin/psql", "apt-get install postgresql-client"),
        ("/usr/bin/redis-cli", "apt-get install redis-tools"),
        ("/usr/bin/go", "apt-get install golang-go"),
        ("/usr/sbin/gosu", "apt-get install gosu"),
        ("/usr/bin/node", "apt-get install nodejs"),
        ("/usr/bin/java", "apt-get install default-jdk-headless"),
        (
            "/usr/lib/postgresql/15/bin/postgres",
            "apt-get install postgresql",
        ),
        ("/usr/sbin/nginx", "apt-get install nginx-light"),
        ("/usr/bin/redis-server", "apt-get install redis-server"),
        ("/usr/bin/busybox", "apt-get install busybox-static"),
        ("/usr/bin/envsubst", "apt-get install gettext-base"),
    ];
    tools
        .iter()
        .chain(extra)
        .all(|(path, fix)| Path::new(path).exists() || !missing(path, fix))
}

pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

/// Run a command to its end; stdout, stderr and whether it succeeded.
pub fn run(cmd: &mut Command) -> (bool, String, String) {
    match cmd.stdin(Stdio::null()).output() {
        Ok(Output {
            status,
            stdout,
            stderr,
        }) => (
            status.success(),
            String::from_utf8_lossy(&stdout).into_owned(),
            String::from_utf8_lossy(&stderr).into_owned(),
        ),
        Err(e) => (false, String::new(), format!("{cmd:?}: {e}")),
    }
}

/// Run a command that must succeed; its stdout.
pub fn must(cmd: &mut Command) -> String {
    let shown = format!("{cmd:?}");
    let (ok, out, err) = run(cmd);
    assert!(ok, "{shown} failed:\n{out}\n{err}");
    out
}

/// Debian's docker client: it speaks the engine's API version (the machine may have a newer
/// client first on PATH).
pub fn docker() -> Command {
    let bin = if Path::new("/usr/bin/docker").exists() {
        "/usr/bin/docker"
    } else {
        "docker"
    };
    Command::new(bin)
}

/// A Docker engine for the lab: the one running, or one started here and stopped on drop.
pub struct Engine {
    started: Option<Child>,
}

impl Engine {
    /// `None` (after saying why) when there is no engine to be had here.
    pub fn ensure() -> Option<Engine> {
        if !is_root() {
            missing(
                "root",
                "the runtime lab runs containers: run the tests as root",
            );
            return None;
        }
        if !Path::new("/usr/sbin/dockerd").exists() {
            missing("dockerd", "apt-get install docker.io");
            return None;
        }
        if engine_up() {
            return Some(Engine { started: None });
        }
        let log = std::fs::File::create(work_dir().join("dockerd.log")).expect("log");
        let child = Command::new("/usr/sbin/dockerd")
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .expect("start dockerd");
        let engine = Engine {
            started: Some(child),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !engine_up() {
            assert!(
                Instant::now() < deadline,
                "dockerd did not start; see {}",
                work_dir().join("dockerd.log").display()
            );
            std::thread::sleep(Duration::from_millis(250));
        }
        Some(engine)
    }

    /// The containerd socket the engine uses (its own, or the system's).
    pub fn containerd_address(&self) -> Option<PathBuf> {
        [
            "/var/run/docker/containerd/containerd.sock",
            "/run/containerd/containerd.sock",
        ]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        if let Some(child) = &mut self.started {
            // SIGTERM lets dockerd stop its containerd and clean up its mounts.
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn engine_up() -> bool {
    run(docker().args(["version", "--format", "{{.Server.Version}}"])).0
}

/// The base every lab image starts from: an empty root with the usr-merge links
/// (`bin lib lib64 sbin` → `usr/…`), `var/run` → `../run`, and the usual empty directories.
pub const BASE: &str = "cinch-lab/base:1";

/// Build the base and every app's image (Docker's build cache makes a rebuild cheap).
pub fn build_images(apps: &[&App]) {
    let work = work_dir();
    let base = work.join("base");
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).expect("base");
    for d in ["bin", "lib", "lib64", "sbin"] {
        std::os::unix::fs::symlink(format!("usr/{d}"), base.join(d)).expect("link");
    }
    for d in [
        "usr", "etc", "tmp", "run", "var", "proc", "sys", "dev", "root", "home",
    ] {
        std::fs::create_dir_all(base.join(d)).expect("dir");
    }
    std::os::unix::fs::symlink("../run", base.join("var/run")).expect("var/run");
    must(Command::new("chmod").arg("1777").arg(base.join("tmp")));
    let tar = work.join("base.tar");
    must(
        Command::new("tar")
            .arg("--numeric-owner")
            .arg("-C")
            .arg(&base)
            .arg("-cf")
            .arg(&tar)
            .arg("."),
    );
    must(docker().arg("import").arg(&tar).arg(BASE));
    for app in apps {
        build_image(app);
    }
}

fn build_image(app: &App) {
    let lab = root().join("tests/lab");
    let ctx = work_dir().join("ctx").join(app.image_dir);
    let _ = std::fs::remove_dir_all(&ctx);
    std::fs::create_dir_all(ctx.join("empty")).expect("ctx");
    // The image's /etc: the host's, with the image's own users as the official image has them.
    must(
        Command::new("cp")
            .arg("-a")
            .arg("/etc")
            .arg(ctx.join("etc")),
    );
    let image = lab.join("images").join(app.image_dir);
    for db in ["passwd", "group"] {
        let own = std::fs::read_to_string(image.join(db)).unwrap_or_default();
        if own.is_empty() {
            continue;
        }
        let taken: Vec<(&str, &str)> = own
            .lines()
            .filter_map(|l| {
                let mut f = l.split(':');
                Some((f.next()?, f.nth(1)?))
            })
            .collect();
        let host = std::fs::read_to_string(ctx.join("etc").join(db)).expect("etc");
        let mut out: String = host
            .lines()
            .filter(|l| {
                let mut f = l.split(':');
                let (name, id) = (f.next().unwrap_or(""), f.nth(1).unwrap_or(""));
                !taken.iter().any(|(n, i)| *n == name || *i == id)
            })
            .map(|l| format!("{l}\n"))
            .collect();
        out.push_str(&own);
        std::fs::write(ctx.join("etc").join(db), out).expect("etc");
    }
    must(
        Command::new("cp")
            .arg("-a")
            .arg(lab.join("entrypoints"))
            .arg(ctx.join("entrypoints")),
    );
    must(
        Command::new("cp")
            .arg("-a")
            .arg(&image)
            .arg(ctx.join("image")),
    );
    if app.image_dir == "busybox" {
        let applets = ctx.join("image/applets");
        std::fs::create_dir_all(&applets).expect("applets");
        for name in must(Command::new("/usr/bin/busybox").arg("--list")).lines() {
            std::os::unix::fs::symlink("/usr/bin/busybox", applets.join(name)).expect("applet");
        }
    }
    if app.image_dir == "distroless" {
        // The application: a static Go server, built from tests/lab/images/distroless.
        let gocache = work_dir().join("gocache");
        must(
            Command::new("go")
                .args(["build", "-o"])
                .arg(ctx.join("image/server"))
                .arg(ctx.join("image/server.go"))
                .env("CGO_ENABLED", "0")
                .env("GO111MODULE", "off")
                .env("GOCACHE", &gocache)
                .env("HOME", work_dir()),
        );
    }
    must(
        docker()
            .args(["build", "-q", "-t", app.image, "-f"])
            .arg(ctx.join("image/Dockerfile"))
            .arg(&ctx)
            .env("DOCKER_BUILDKIT", "0"),
    );
}

/// The image's own configuration (entrypoint, command, environment, working directory, user,
/// VOLUME paths).
#[derive(Debug, Default)]
pub struct ImageConfig {
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub env: Vec<String>,
    pub workdir: String,
    pub user: String,
    pub volumes: Vec<String>,
}

pub fn image_config(image: &str) -> ImageConfig {
    let out = must(docker().args(["image", "inspect", "--format", "{{json .Config}}", image]));
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("image config");
    let strings = |k: &str| -> Vec<String> {
        v[k].as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    ImageConfig {
        entrypoint: strings("Entrypoint"),
        cmd: strings("Cmd"),
        env: strings("Env"),
        workdir: v["WorkingDir"].as_str().unwrap_or("").to_owned(),
        user: v["User"].as_str().unwrap_or("").to_owned(),
        // `"Volumes": {"/data": {}}`; the keys are sorted (a JSON object).
        volumes: v["Volumes"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default(),
    }
}

/// The image's files unpacked into a directory (for runtimes given a root path).
pub fn export_rootfs(image: &str, dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("rootfs");
    let name = format!("cinch-lab-export-{}", std::process::id());
    let _ = run(docker().args(["rm", "-f", &name]));
    must(docker().args(["create", "--name", &name, image]));
    let tar = dir.with_extension("tar");
    must(docker().args(["export", "-o"]).arg(&tar).arg(&name));
    let _ = run(docker().args(["rm", "-f", &name]));
    must(
        Command::new("tar")
            .arg("--numeric-owner")
            .arg("-xpf")
            .arg(&tar)
            .arg("-C")
            .arg(dir),
    );
    let _ = std::fs::remove_file(&tar);
}

/// Run a client in the network namespace of `pid` (the container's), unconfined.
fn in_netns(pid: u32, argv: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let mut cmd = Command::new("nsenter");
    cmd.arg("-t").arg(pid.to_string()).arg("-n").arg("--");
    cmd.args(argv);
    for (k, v) in env {
        cmd.env(k, v);
    }
    run(&mut cmd)
}

/// Two real requests against the server in `pid`'s network namespace; `Err` says what failed.
pub fn serve_check(check: Check, pid: u32, port: u16) -> Result<String, String> {
    let p = port.to_string();
    match check {
        Check::Http => {
            let url = |path: &str| format!("http://127.0.0.1:{p}{path}");
            let code = |path: &str| {
                let (_, out, err) = in_netns(
                    pid,
                    &[
                        "curl",
                        "-s",
                        "-o",
                        "/dev/null",
                        "-m",
                        "5",
                        "-w",
                        "%{http_code}",
                        &url(path),
                    ],
                    &[],
                );
                (out.trim().to_owned(), err)
            };
            let (root, err) = code("/");
            if root != "200" {
                return Err(format!("GET / answered {root:?} {err}"));
            }
            let (missing, err) = code("/cinch-lab-missing");
            if missing != "404" {
                return Err(format!("GET /cinch-lab-missing answered {missing:?} {err}"));
            }
            Ok("GET / 200, GET /cinch-lab-missing 404".into())
        }
        Check::Postgres => {
            let env = [("PGPASSWORD", "lab"), ("PGCONNECT_TIMEOUT", "5")];
            let sql = |q: &str| {
                in_netns(
                    pid,
                    &[
                        "psql",
                        "-X",
                        "-q",
                        "-tA",
                        "-h",
                        "127.0.0.1",
                        "-p",
                        &p,
                        "-U",
                        "postgres",
                        "-d",
                        "postgres",
                        "-c",
                        q,
                    ],
                    &env,
                )
            };
            let (ok, out, err) = sql("SELECT 1");
            if !ok || out.trim() != "1" {
                return Err(format!("SELECT 1: {out} {err}"));
            }
            let (ok, out, err) = sql(
                "CREATE TABLE IF NOT EXISTS lab (n int); INSERT INTO lab VALUES (42); SELECT max(n) FROM lab",
            );
            if !ok || out.trim() != "42" {
                return Err(format!("CREATE/INSERT/SELECT: {out} {err}"));
            }
            Ok("SELECT 1, CREATE TABLE + INSERT + SELECT".into())
        }
        Check::Redis => {
            let cli = |args: &[&str]| {
                let mut argv = vec!["redis-cli", "-h", "127.0.0.1", "-p", &p];
                argv.extend(args);
                in_netns(pid, &argv, &[])
            };
            let (_, out, err) = cli(&["PING"]);
            if out.trim() != "PONG" {
                return Err(format!("PING: {out} {err}"));
            }
            let (_, out, err) = cli(&["SET", "lab", "42"]);
            if out.trim() != "OK" {
                return Err(format!("SET: {out} {err}"));
            }
            let (_, out, err) = cli(&["GET", "lab"]);
            if out.trim() != "42" {
                return Err(format!("GET: {out} {err}"));
            }
            Ok("PING, SET, GET".into())
        }
    }
}

/// Retry [`serve_check`] until it passes or `alive` says the container died or time is up.
pub fn wait_serving(
    check: Check,
    pid: u32,
    port: u16,
    timeout: Duration,
    alive: impl Fn() -> bool,
) -> Result<String, String> {
    let deadline = Instant::now() + timeout;
    loop {
        match serve_check(check, pid, port) {
            Ok(s) => return Ok(s),
            Err(e) if Instant::now() > deadline => return Err(format!("not serving: {e}")),
            Err(e) if !alive() => return Err(format!("exited: {e}")),
            Err(_) => std::thread::sleep(Duration::from_millis(500)),
        }
    }
}

/// `seccomp-probe` (tools/seccomp-run), mounted into containers at [`PROBE_IN_CONTAINER`].
pub fn probe_binary() -> Option<PathBuf> {
    let p = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
        .join("debug/seccomp-probe");
    if p.is_file() {
        Some(p)
    } else {
        missing(
            "target/debug/seccomp-probe",
            "cargo build -p seccomp-run (scripts/test does)",
        );
        None
    }
}

pub const PROBE_IN_CONTAINER: &str = "/lab/probe";

/// Parse `seccomp-probe` output: call → errno (0: it succeeded).
pub fn parse_probe(out: &str) -> BTreeMap<String, i32> {
    out.lines()
        .filter_map(|l| {
            let (name, errno) = l.split_once(' ')?;
            Some((name.to_owned(), errno.trim().parse().ok()?))
        })
        .collect()
}

/// The calls that must fail in a container: never granted by intent (`mount`, `unshare`,
/// `ptrace`, `bpf`, `keyctl`), `setuid(0)` when it runs as non-root, AF_PACKET sockets when
/// NET_RAW is dropped. Returns what wrongly succeeded.
pub fn forbidden_failures(
    probe: &BTreeMap<String, i32>,
    non_root: bool,
    net_raw: bool,
) -> Vec<String> {
    let mut must_fail = vec!["mount", "unshare", "ptrace", "bpf", "keyctl"];
    if non_root {
        must_fail.push("setuid");
    }
    if !net_raw {
        must_fail.push("socket_packet");
    }
    let mut wrong = Vec::new();
    if probe.get("getpid") != Some(&0) {
        wrong.push(format!("the probe did not run: {probe:?}"));
        return wrong;
    }
    for call in must_fail {
        match probe.get(call) {
            Some(0) => wrong.push(format!("{call} succeeded")),
            Some(_) => {}
            None => wrong.push(format!("{call} was not probed")),
        }
    }
    wrong
}

/// The outcome of one lab run, for the summary table.
#[derive(Debug)]
pub struct Outcome {
    pub app: &'static str,
    pub variant: &'static str,
    pub runtime: &'static str,
    pub result: Result<String, String>,
}

/// The summary table: one line per run, and the count of broken ones.
pub fn table(outcomes: &[Outcome]) -> (String, usize) {
    let mut lines = vec![format!(
        "{:<12} {:<10} {:<22} result",
        "app", "variant", "runtime"
    )];
    let mut broken = 0;
    for o in outcomes {
        let text = match &o.result {
            Ok(s) => format!("ok: {s}"),
            Err(e) => {
                broken += 1;
                format!("BROKEN: {e}")
            }
        };
        lines.push(format!(
            "{:<12} {:<10} {:<22} {text}",
            o.app, o.variant, o.runtime
        ));
    }
    lines.push(format!("{} runs, {broken} broken", outcomes.len()));
    (lines.join("\n"), broken)
}

/// `cinch generate ARGS -o OUT tests/lab/apps/APP` from the repository root, into a fresh
/// `out` (relative to the root); on failure, cinch's stderr.
pub fn generate(app: &str, out: &str, args: &[&str]) -> Result<(), String> {
    let _ = std::fs::remove_dir_all(root().join(out));
    let generated = Command::new(env!("CARGO_BIN_EXE_cinch"))
        .current_dir(root())
        .arg("generate")
        .args(args)
        .args(["-o", out])
        .arg(format!("tests/lab/apps/{app}"))
        .output()
        .expect("cinch");
    if generated.status.success() {
        Ok(())
    } else {
        Err(format!(
            "cinch generate {app}: {}",
            String::from_utf8_lossy(&generated.stderr)
        ))
    }
}

/// The kernel log (`dmesg`), one record a line.
pub fn kernel_log() -> String {
    run(&mut Command::new("dmesg")).1
}

/// Writes a unique line into the kernel log (/dev/kmsg, as root) and returns it: the ring
/// buffer rotates, so records are read as the lines after the mark, not by count.
pub fn kernel_mark(what: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mark = format!("cinch-lab mark {what} {nanos}");
    if let Err(e) = std::fs::write("/dev/kmsg", format!("{mark}\n")) {
        panic!("cannot write /dev/kmsg: {e}");
    }
    mark
}

/// The kernel log lines after `mark`; an error when the mark has rotated out.
pub fn kernel_log_since(mark: &str) -> Result<Vec<String>, String> {
    let log = kernel_log();
    let lines: Vec<&str> = log.lines().collect();
    match lines.iter().rposition(|l| l.contains(mark)) {
        Some(i) => Ok(lines[i + 1..].iter().map(|l| (*l).to_owned()).collect()),
        None => Err("the kernel log rotated past the lab's mark; rerun".into()),
    }
}

/// The kernel log after `mark`, once kauditd stopped adding to it (it writes audit records
/// asynchronously): the lines after the mark, when two reads 250 ms apart agree (3 s at most).
pub fn settled_log_since(mark: &str) -> Result<Vec<String>, String> {
    let mut lines = Vec::new();
    for _ in 0..12 {
        std::thread::sleep(Duration::from_millis(250));
        let again = kernel_log_since(mark)?;
        if again.len() == lines.len() && !lines.is_empty() {
            break;
        }
        lines = again;
    }
    Ok(lines)
}

/// The kernel prints seccomp's audit records through `printk_ratelimit()` (10 per 5 s by
/// default), and the audit and complain checks must see all of them: the interval is set to
/// 0 (no limit) while the lab runs, and put back after.
pub struct PrintkUnlimited(Option<String>);

const PRINTK_RATELIMIT: &str = "/proc/sys/kernel/printk_ratelimit";

impl PrintkUnlimited {
    pub fn new() -> Self {
        let old = std::fs::read_to_string(PRINTK_RATELIMIT).ok();
        if std::fs::write(PRINTK_RATELIMIT, "0").is_err() {
            missing("a writable kernel.printk_ratelimit", "run as root");
        }
        PrintkUnlimited(old)
    }
}

impl Drop for PrintkUnlimited {
    fn drop(&mut self) {
        if let Some(old) = &self.0 {
            let _ = std::fs::write(PRINTK_RATELIMIT, old.trim());
        }
    }
}
