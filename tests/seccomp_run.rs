//! Proof that generated seccomp profiles are right: real programs run under them.
//!
//! Each test generates a fixture's profile, then starts a program through
//! `tools/seccomp-run` (built by `scripts/test` with `cargo build -p seccomp-run`), which
//! loads the profile with libseccomp exactly as runc does, switches to the fixture's user
//! with the fixture's capabilities in the order runc does (filter before the user switch
//! unless no-new-privileges), and execs. Servers are the Debian packages, on loopback ports
//! picked free, with their data in a temporary directory; each answers a real request, a
//! second one, and shuts down cleanly. `seccomp-probe` attempts forbidden calls.
//!
//! Needs root (to switch users), libseccomp-dev, nginx-light, redis-server, postgresql,
//! python3 (scripts/install-tools). Missing pieces skip with a visible line, or fail in CI.

#[path = "seccomp_support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use support::Generated;

/// Skip (or, in CI, fail) with a message saying how to get what is missing.
fn missing(what: &str, fix: &str) -> bool {
    if std::env::var_os("CI").is_some() {
        panic!("{what} is missing: {fix}");
    }
    eprintln!("SKIPPED: {what} is missing ({fix})");
    true
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| support::root().join("target"))
        .join("debug")
}

/// The harness and the probe, when built and runnable here.
fn harness() -> Option<(PathBuf, PathBuf)> {
    let (run, probe) = (
        target_dir().join("seccomp-run"),
        target_dir().join("seccomp-probe"),
    );
    if !run.is_file() || !probe.is_file() {
        missing(
            "tools/seccomp-run",
            "cargo build -p seccomp-run (needs libseccomp-dev)",
        );
        return None;
    }
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        });
    if uid != Some(true) {
        missing(
            "root",
            "run the tests as root: the harness switches users like a container runtime",
        );
        return None;
    }
    Some((run, probe))
}

fn tool(path: &str, package: &str) -> bool {
    !Path::new(path).exists() && missing(path, &format!("apt-get install {package}"))
}

/// How the fixture's container is run: its user, capabilities and no-new-privileges.
struct Modeled {
    uid: u32,
    gid: u32,
    caps: String,
    nnp: bool,
}

fn id_of(flag: &str, name: &str) -> u32 {
    let out = Command::new("id").args([flag, name]).output().expect("id");
    assert!(out.status.success(), "no user {name} on this machine");
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

fn modeled(g: &Generated) -> Modeled {
    let user = g.container.user.as_ref().map(|u| u.value.clone());
    let (uid, gid) = match &user {
        Some(u) => {
            let uid = u.uid.unwrap_or_else(|| match u.name.as_deref() {
                Some("root") => 0,
                Some(n) => id_of("-u", n),
                None => 0,
            });
            let gid = u
                .gid
                .unwrap_or_else(|| match (u.group.as_deref(), u.name.as_deref()) {
                    (Some(g), _) => id_of("-g", g),
                    (None, Some("root")) | (None, None) => uid,
                    (None, Some(n)) => id_of("-g", n),
                });
            (uid, gid)
        }
        None => (0, 0),
    };
    let caps: Vec<&str> = g
        .container
        .capabilities
        .effective
        .keys()
        .map(|c| c.name())
        .collect();
    Modeled {
        uid,
        gid,
        caps: if caps.is_empty() {
            "none".into()
        } else {
            caps.join(",")
        },
        nnp: g.container.no_new_privileges.value,
    }
}

/// A temporary directory the container's user can use.
fn workdir(uid: u32, gid: u32) -> tempfile::TempDir {
    let d = tempfile::Builder::new()
        .prefix("cinch-seccomp-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::chown(d.path(), Some(uid), Some(gid)).unwrap();
    d
}

fn chown_tree(p: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(p, Some(uid), Some(gid)).unwrap();
    if p.is_dir() {
        for e in std::fs::read_dir(p).unwrap().flatten() {
            chown_tree(&e.path(), uid, gid);
        }
    }
}

/// `seccomp-run` arguments for a profile file and the modeled container.
fn run_args(profile: &Path, m: &Modeled) -> Vec<String> {
    let mut v = vec![
        "--profile".into(),
        profile.display().to_string(),
        "--uid".into(),
        m.uid.to_string(),
        "--gid".into(),
        m.gid.to_string(),
        "--caps".into(),
        m.caps.clone(),
    ];
    if m.nnp {
        v.push("--no-new-privs".into());
    }
    v
}

/// A process started through the harness in its own process group, killed with its
/// children (nginx and postgres fork) when dropped.
struct Server {
    child: Child,
    log: PathBuf,
}

impl Server {
    fn start(
        harness: &Path,
        args: &[String],
        program: &[&str],
        dir: &Path,
        env: &[(&str, &str)],
    ) -> Server {
        let log = dir.join("server.log");
        let out = std::fs::File::create(&log).unwrap();
        let mut cmd = Command::new(harness);
        cmd.args(args)
            .arg("--")
            .args(program)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .process_group(0);
        for (k, v) in env {
            cmd.env(k, v);
        }
        Server {
            child: cmd.spawn().expect("start the harness"),
            log,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{sig}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    /// Wait for the server to exit after a shutdown signal.
    fn wait(&mut self) -> ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "server did not stop:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Fail with the server's output when it died.
    fn alive(&mut self, what: &str) {
        if let Some(s) = self.child.try_wait().unwrap() {
            panic!(
                "{what}: the server exited ({s}) under its profile:\n{}",
                self.log()
            );
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let pgid = format!("-{}", self.child.id());
            let _ = Command::new("kill").args(["-KILL", "--", &pgid]).status();
            let _ = self.child.wait();
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Poll until `f` succeeds (the server started), failing with the server's log.
fn until<T>(server: &mut Server, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(v) = f() {
            return v;
        }
        server.alive(what);
        assert!(
            Instant::now() < deadline,
            "{what}: timed out:\n{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn connect(port: u16) -> Option<TcpStream> {
    let s =
        TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(2)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    Some(s)
}

/// A raw HTTP/1.0 GET: the status line and body.
fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = connect(port)?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    (!out.is_empty()).then_some(out)
}

/// One redis command in RESP, the first reply line.
fn redis(port: u16, args: &[&str]) -> Option<String> {
    let mut s = connect(port)?;
    let mut req = format!("*{}\r\n", args.len());
    for a in args {
        req.push_str(&format!("${}\r\n{a}\r\n", a.len()));
    }
    s.write_all(req.as_bytes()).ok()?;
    let mut line = String::new();
    let mut r = BufReader::new(s);
    r.read_line(&mut line).ok()?;
    if line.starts_with('$') && line.trim() != "$-1" {
        let mut value = String::new();
        r.read_line(&mut value).ok()?;
        return Some(value.trim().to_owned());
    }
    (!line.is_empty()).then(|| line.trim().to_owned())
}

/// The profile of a fixture's service, written to a file in `dir`.
fn profile_file(dir: &Path, fixture: &str, service: &str) -> (Generated, PathBuf) {
    let g = support::one(fixture, service);
    assert!(!g.profile.is_unconfined());
    let path = dir.join(format!("{}.json", g.stem));
    std::fs::write(&path, &g.json).unwrap();
    (g, path)
}

/// What the official images' docker-entrypoint.sh scripts do before `exec "$@"`: look for
/// init scripts, make directories, then exec the server (so the shell runs under the profile).
const ENTRYPOINT: &str = r#"#!/bin/sh
set -e
if find "$ENTRYPOINT_D" -mindepth 1 -maxdepth 1 -type f -print -quit 2>/dev/null | grep -q .; then
  for f in $(find "$ENTRYPOINT_D" -type f | sort); do . "$f"; done
fi
mkdir -p "$STATE_DIR/run"
exec "$@"
"#;

fn entrypoint(dir: &Path) -> (String, Vec<(&'static str, String)>) {
    let d = dir.join("docker-entrypoint.d");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("10-note.sh"), "echo \"entrypoint: configuring\"\n").unwrap();
    let script = dir.join("docker-entrypoint.sh");
    std::fs::write(&script, ENTRYPOINT).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    (
        script.display().to_string(),
        vec![
            ("ENTRYPOINT_D", d.display().to_string()),
            ("STATE_DIR", dir.display().to_string()),
        ],
    )
}

#[test]
fn nginx_serves_under_its_profile() {
    let Some((run, _)) = harness() else { return };
    if tool("/usr/sbin/nginx", "nginx-light") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (g, profile) = profile_file(tmp.path(), "testdata/seccomp/nginx", "web");
    let m = modeled(&g);
    assert!(
        !m.nnp && m.caps == "none" && m.uid == 101,
        "the fixture models a non-root, caps-dropped nginx"
    );
    let d = workdir(m.uid, m.gid);
    let dir = d.path();
    let port = free_port();
    std::fs::create_dir_all(dir.join("www")).unwrap();
    std::fs::create_dir_all(dir.join("tmp")).unwrap();
    std::fs::write(dir.join("www/index.html"), "hello from nginx\n").unwrap();
    std::fs::write(
        dir.join("nginx.conf"),
        format!(
            "worker_processes 2;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\ndaemon off;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  access_log {d}/access.log;\n  sendfile on;\n\
             client_body_temp_path {d}/tmp/body; proxy_temp_path {d}/tmp/proxy;\n\
             fastcgi_temp_path {d}/tmp/fastcgi; uwsgi_temp_path {d}/tmp/uwsgi; scgi_temp_path {d}/tmp/scgi;\n\
             server {{ listen 127.0.0.1:{port}; root {d}/www; location /healthz {{ return 200 \"ok\\n\"; }} }}\n}}\n",
            d = dir.display()
        ),
    )
    .unwrap();
    let (script, env) = entrypoint(dir);
    chown_tree(dir, m.uid, m.gid);
    let conf = dir.join("nginx.conf").display().to_string();
    let prefix = dir.display().to_string();
    let err = dir.join("error.log").display().to_string();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut server = Server::start(
        &run,
        &run_args(&profile, &m),
        &[
            "/bin/sh",
            &script,
            "/usr/sbin/nginx",
            "-p",
            &prefix,
            "-c",
            &conf,
            "-e",
            &err,
        ],
        dir,
        &env,
    );
    let first = until(&mut server, "nginx GET /", || http_get(port, "/"));
    assert!(
        first.starts_with("HTTP/1.1 200") && first.contains("hello from nginx"),
        "{first}"
    );
    let second = until(&mut server, "nginx GET /healthz", || {
        http_get(port, "/healthz")
    });
    assert!(second.starts_with("HTTP/1.1 200"), "{second}");
    // Reload: the master re-reads its configuration and replaces its workers.
    server.signal("HUP");
    std::thread::sleep(Duration::from_millis(300));
    let third = until(&mut server, "nginx GET / after reload", || {
        http_get(port, "/")
    });
    assert!(third.contains("hello from nginx"), "{third}");
    // Fast shutdown, as `docker stop` and Kubernetes send it (the master waits with setitimer).
    server.signal("TERM");
    let status = server.wait();
    assert!(
        status.success(),
        "nginx exit {status}:\n{}\n{}",
        server.log(),
        std::fs::read_to_string(&err).unwrap_or_default()
    );
    assert!(
        server.log().contains("entrypoint: configuring"),
        "the shell entrypoint ran: {}",
        server.log()
    );
}

#[test]
fn redis_serves_under_its_profile() {
    let Some((run, _)) = harness() else { return };
    if tool("/usr/bin/redis-server", "redis-server") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (g, profile) = profile_file(tmp.path(), "testdata/seccomp/redis", "cache");
    let m = modeled(&g);
    assert!(
        m.nnp && m.uid == 999,
        "the fixture models redis with no-new-privileges as uid 999"
    );
    let d = workdir(m.uid, m.gid);
    let dir = d.path();
    let (script, env) = entrypoint(dir);
    chown_tree(dir, m.uid, m.gid);
    let port = free_port().to_string();
    let data = dir.display().to_string();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut server = Server::start(
        &run,
        &run_args(&profile, &m),
        &[
            "/bin/sh",
            &script,
            "/usr/bin/redis-server",
            "--port",
            &port,
            "--bind",
            "127.0.0.1",
            "--dir",
            &data,
            "--save",
            "60 1",
            "--appendonly",
            "yes",
            "--daemonize",
            "no",
            "--logfile",
            "",
        ],
        dir,
        &env,
    );
    let port: u16 = port.parse().unwrap();
    assert_eq!(
        until(&mut server, "redis PING", || redis(port, &["PING"])),
        "+PONG"
    );
    assert_eq!(
        redis(port, &["SET", "greeting", "hello"]).as_deref(),
        Some("+OK")
    );
    assert_eq!(redis(port, &["GET", "greeting"]).as_deref(), Some("hello"));
    // A background save forks a child that writes and renames the RDB file.
    assert!(redis(port, &["BGSAVE"]).is_some_and(|r| r.starts_with('+')));
    until(&mut server, "redis BGSAVE", || {
        dir.join("dump.rdb").exists().then_some(())
    });
    assert_eq!(redis(port, &["PING"]).as_deref(), Some("+PONG"));
    server.signal("TERM");
    let status = server.wait();
    assert!(status.success(), "redis exit {status}:\n{}", server.log());
}

#[test]
fn postgres_serves_under_its_profile() {
    let Some((run, _)) = harness() else { return };
    let bin = "/usr/lib/postgresql/15/bin";
    if tool(&format!("{bin}/postgres"), "postgresql") || tool("/usr/bin/psql", "postgresql-client")
    {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (g, profile) = profile_file(tmp.path(), "testdata/seccomp/postgres", "db");
    let m = modeled(&g);
    assert!(
        !m.nnp && m.caps == "none",
        "the fixture models postgres with every capability dropped"
    );
    let d = workdir(m.uid, m.gid);
    let dir = d.path();
    let port = free_port();
    // As the official image: a bash entrypoint runs initdb on first start, then execs postgres.
    let script = dir.join("docker-entrypoint.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/bash\nset -e\nif [ ! -s \"$PGDATA/PG_VERSION\" ]; then\n  {bin}/initdb -D \"$PGDATA\" -U postgres --auth=trust --locale=C -E UTF8 >/dev/null\nfi\nexec \"$@\"\n"
        ),
    )
    .unwrap();
    chown_tree(dir, m.uid, m.gid);
    let data = dir.join("data").display().to_string();
    let sock = dir.display().to_string();
    let port_s = port.to_string();
    let mut server = Server::start(
        &run,
        &run_args(&profile, &m),
        &[
            "/bin/bash",
            &script.display().to_string(),
            &format!("{bin}/postgres"),
            "-D",
            &data,
            "-k",
            &sock,
            "-h",
            "127.0.0.1",
            "-p",
            &port_s,
            "-c",
            "logging_collector=off",
        ],
        dir,
        &[("PGDATA", data.as_str())],
    );
    let psql = |sql: &str| -> Option<String> {
        let out = Command::new("/usr/bin/psql")
            .args([
                "-X",
                "-A",
                "-t",
                "-h",
                "127.0.0.1",
                "-p",
                &port_s,
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-c",
                sql,
            ])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    assert_eq!(
        until(&mut server, "postgres SELECT 1", || psql("SELECT 1")),
        "1"
    );
    assert_eq!(
        psql("CREATE TABLE t AS SELECT g FROM generate_series(1, 1000) g").as_deref(),
        Some("SELECT 1000")
    );
    assert_eq!(psql("SELECT count(*) FROM t").as_deref(), Some("1000"));
    assert_eq!(psql("SELECT 1").as_deref(), Some("1"));
    // The health check runs inside the container, so under the same profile.
    let health = Command::new(&run)
        .args(run_args(&profile, &m))
        .args([
            "--",
            &format!("{bin}/pg_isready"),
            "-h",
            "127.0.0.1",
            "-p",
            &port_s,
        ])
        .output()
        .unwrap();
    assert!(
        health.status.success(),
        "pg_isready: {}",
        String::from_utf8_lossy(&health.stderr)
    );
    server.signal("INT");
    let status = server.wait();
    assert!(
        status.success(),
        "postgres exit {status}:\n{}",
        server.log()
    );
}

fn python_server(run: &Path, profile: &Path, m: &Modeled, what: &str) {
    let d = workdir(m.uid, m.gid);
    let dir = d.path();
    std::fs::write(dir.join("index.html"), format!("hello from {what}\n")).unwrap();
    std::fs::create_dir_all(dir.join("files")).unwrap();
    std::fs::write(dir.join("files/a.txt"), "a file\n").unwrap();
    chown_tree(dir, m.uid, m.gid);
    let port = free_port();
    let port_s = port.to_string();
    let root = dir.display().to_string();
    let mut server = Server::start(
        run,
        &run_args(profile, m),
        &[
            "/usr/bin/python3",
            "-m",
            "http.server",
            &port_s,
            "--bind",
            "127.0.0.1",
            "--directory",
            &root,
        ],
        dir,
        &[],
    );
    let first = until(&mut server, "python GET /", || http_get(port, "/"));
    assert!(
        first.starts_with("HTTP/1.0 200") && first.contains(&format!("hello from {what}")),
        "{first}"
    );
    let second = until(&mut server, "python GET /files/", || {
        http_get(port, "/files/")
    });
    assert!(second.contains("a.txt"), "{second}");
    let third = http_get(port, "/files/a.txt").unwrap_or_default();
    assert!(third.contains("a file"), "{third}");
    server.signal("INT");
    let status = server.wait();
    // http.server ends with KeyboardInterrupt caught: a clean exit.
    assert!(status.success(), "python exit {status}:\n{}", server.log());
}

#[test]
fn python_http_server_serves_under_its_profile() {
    let Some((run, _)) = harness() else { return };
    if tool("/usr/bin/python3", "python3") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (g, profile) = profile_file(tmp.path(), "testdata/seccomp/python", "files");
    let m = modeled(&g);
    assert!(m.nnp && m.uid == 1000);
    python_server(&run, &profile, &m, "python");
}

/// The unknown web image's generic groups are enough for a real server too.
#[test]
fn unknown_image_profile_runs_a_web_server() {
    let Some((run, _)) = harness() else { return };
    if tool("/usr/bin/python3", "python3") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (g, profile) = profile_file(tmp.path(), "testdata/seccomp/web", "web");
    let m = modeled(&g);
    assert!(!m.nnp && m.uid == 1000 && m.caps == "none");
    python_server(&run, &profile, &m, "an unknown image");
}

/// `seccomp-probe` output: call → errno.
fn probe(run: &Path, probe: &Path, args: &[String]) -> BTreeMap<String, i32> {
    let out = Command::new(run)
        .args(args)
        .arg("--")
        .arg(probe)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "probe failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(k, v)| (k.to_owned(), v.parse().unwrap()))
        .collect()
}

const FORBIDDEN: &[&str] = &[
    "mount",
    "unshare",
    "ptrace",
    "setuid",
    "bpf",
    "keyctl",
    "socket_packet",
];
const EPERM: i32 = 1;

#[test]
fn forbidden_calls_fail_with_eperm_under_the_web_profile() {
    let Some((run, probe_bin)) = harness() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (g, profile) = profile_file(tmp.path(), "testdata/seccomp/web", "web");
    let m = modeled(&g);
    // As the fixture runs: uid 1000, no capabilities, filter loaded before the user switch.
    let as_modeled = probe(&run, &probe_bin, &run_args(&profile, &m));
    // The filter alone refuses them: root with every capability, filter loaded last.
    let root_all = [
        "--profile".to_owned(),
        profile.display().to_string(),
        "--caps".to_owned(),
        "all".to_owned(),
        "--no-new-privs".to_owned(),
    ];
    let as_root = probe(&run, &probe_bin, &root_all);
    for results in [&as_modeled, &as_root] {
        assert_eq!(results.get("getpid"), Some(&0), "{results:?}");
        for call in FORBIDDEN {
            assert_eq!(
                results.get(*call),
                Some(&EPERM),
                "{call} under the web profile: {results:?}"
            );
        }
    }
}

#[test]
fn granted_capabilities_are_not_blocked_by_the_profile() {
    let Some((run, probe_bin)) = harness() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (g, profile) = profile_file(tmp.path(), "testdata/seccomp/granted", "netdiag");
    let m = modeled(&g);
    assert_eq!(m.uid, 0);
    let with = probe(&run, &probe_bin, &run_args(&profile, &m));
    // The same process without any filter: what the kernel answers with these capabilities.
    let without = probe(
        &run,
        &probe_bin,
        &[
            "--uid".into(),
            "0".into(),
            "--gid".into(),
            "0".into(),
            "--caps".into(),
            m.caps.clone(),
        ],
    );
    for call in FORBIDDEN {
        assert_eq!(
            with.get(*call),
            without.get(*call),
            "{call}: the profile changes the kernel's answer"
        );
        assert_ne!(with.get(*call), Some(&EPERM), "{call} is refused: {with:?}");
    }
}

/// Item 4 of the issue: without no-new-privileges the runtime switches user after the
/// filter is loaded, so the profile allows exactly that switch and nothing else.
#[test]
fn the_runtime_user_switch_is_pinned_to_the_declared_ids() {
    let Some((run, _)) = harness() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let (g, profile) = profile_file(tmp.path(), "testdata/seccomp/web", "web");
    let m = modeled(&g);
    assert!(!m.nnp);
    let start = |uid: u32, gid: u32, nnp: bool| {
        let mm = Modeled {
            uid,
            gid,
            caps: "none".into(),
            nnp,
        };
        Command::new(&run)
            .args(run_args(&profile, &mm))
            .args(["--", "/bin/true"])
            .output()
            .unwrap()
    };
    assert!(
        start(1000, 1000, false).status.success(),
        "the declared user starts"
    );
    let other_uid = start(1001, 1000, false);
    assert!(!other_uid.status.success());
    assert!(String::from_utf8_lossy(&other_uid.stderr).contains("setuid: Operation not permitted"));
    let other_gid = start(1000, 0, false);
    assert!(String::from_utf8_lossy(&other_gid.stderr).contains("setgid: Operation not permitted"));
    // The python fixture has no-new-privileges: its filter is loaded last, so its profile has
    // no user switch at all, and loading it before the switch fails.
    let (pg, pprofile) = profile_file(tmp.path(), "testdata/seccomp/python", "files");
    let pm = modeled(&pg);
    let ok = Command::new(&run)
        .args(run_args(&pprofile, &pm))
        .args(["--", "/bin/true"])
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let late = Modeled { nnp: false, ..pm };
    let bad = Command::new(&run)
        .args(run_args(&pprofile, &late))
        .args(["--", "/bin/true"])
        .output()
        .unwrap();
    assert!(
        !bad.status.success(),
        "a no-new-privileges profile must not allow the runtime's user switch"
    );
}

/// cinch validates names with the `syscalls` crate; runtimes resolve them with libseccomp.
/// Every name a profile lists for an ABI must be one libseccomp resolves on that ABI
/// (a number, or a socketcall/ipc-multiplexed pseudo number on i386), except calls newer
/// than the installed libseccomp, which it skips like runc does.
#[test]
fn emitted_names_are_what_libseccomp_knows() {
    let Some((run, _)) = harness() else { return };
    let mut per_abi: BTreeMap<&'static str, std::collections::BTreeSet<&'static str>> =
        BTreeMap::new();
    for dir in support::fixtures() {
        for g in support::generate(&dir) {
            for abi in g.profile.architectures() {
                per_abi.entry(abi.scmp()).or_default().extend(
                    g.profile
                        .rules
                        .iter()
                        .flat_map(|r| r.names.iter())
                        .filter(|n| abi.knows(n)),
                );
            }
        }
    }
    let mut newer = std::collections::BTreeSet::new();
    for (arch, names) in per_abi {
        let out = Command::new(&run)
            .arg("--resolve")
            .arg(arch)
            .args(&names)
            .output()
            .unwrap();
        assert!(out.status.success());
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let (name, number) = line.split_once(' ').unwrap();
            match number.parse::<i64>() {
                Ok(n) => assert!(
                    n > -10000,
                    "{name} is not a syscall on {arch} for libseccomp ({n})"
                ),
                Err(_) => {
                    newer.insert(name.to_owned());
                }
            }
        }
    }
    // Only calls added after libseccomp 2.5.4 (Debian 12) may be unknown to it.
    for n in &newer {
        let id = <syscalls::x86_64::Sysno as std::str::FromStr>::from_str(n)
            .map(|s| s.id())
            .unwrap_or(0);
        assert!(
            id >= 451 || (334..=336).contains(&id),
            "libseccomp does not know {n}"
        );
    }
}

/// The server tests can fail: the python profile without `bind` stops the server at start.
#[test]
fn a_profile_missing_a_needed_call_stops_the_server() {
    let Some((run, _)) = harness() else { return };
    if tool("/usr/bin/python3", "python3") {
        return;
    }
    let mut g = support::one("testdata/seccomp/python", "files");
    for r in &mut g.profile.rules {
        r.names.remove("bind");
    }
    let tmp = tempfile::tempdir().unwrap();
    let profile = tmp.path().join("no-bind.json");
    std::fs::write(&profile, cinch::backend::seccomp::render::json(&g.profile)).unwrap();
    let m = modeled(&g);
    let d = workdir(m.uid, m.gid);
    let port = free_port().to_string();
    let out = Command::new(&run)
        .args(run_args(&profile, &m))
        .args([
            "--",
            "/usr/bin/python3",
            "-m",
            "http.server",
            &port,
            "--bind",
            "127.0.0.1",
        ])
        .current_dir(d.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("PermissionError"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
