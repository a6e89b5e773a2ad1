//! Proof in the runtimes users run (issue 15; tests/lab/README.md): every profile cinch writes
//! for the lab's apps starts its container and serves, and forbidden calls fail in it.
//!
//! For each app of tests/lab/apps (the official images' start-up: their entrypoint scripts,
//! root start-up, `gosu`, `envsubst`, rebuilt on the host's Debian servers):
//! - `cinch generate --wire` on the app's directory;
//! - the wired Compose file runs under the Compose CLI Debian ships (docker-compose 1.29, on
//!   the Docker engine with runc), invoked as the wired file's header says, plus a lab file
//!   that binds the host's /usr and the probe; its `plain` and `hardened` services must
//!   answer two real requests, and `seccomp-probe` run inside each must see the calls intent
//!   does not grant fail;
//! - the wired Pod runs on containerd (the shim and runc the kubelet's CRI path uses) with an
//!   OCI spec built from it as the CRI plugin builds one (user, no_new_privs, read-only root,
//!   default capabilities, volumes), the seccomp profile read from where the wired
//!   `localhostProfile` points under a kubelet seccomp root; same checks;
//! - complain mode (`--complain`): the container runs, and the kernel logs a refused call.
//!
//! One test runs the whole matrix in order and prints its table; a broken run fails it.
//! AppArmor needs a kernel with AppArmor: tests/apparmor_vm.rs runs that half in QEMU.

#[path = "lab_support/mod.rs"]
mod lab;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use lab::{App, Check, Engine, Outcome};
use serde_json::{Value, json};

/// How long a server may take to serve after its container started (postgres runs initdb).
const START: Duration = Duration::from_secs(120);

#[test]
fn every_profile_starts_and_serves_under_docker_and_containerd() {
    let Some(engine) = Engine::ensure() else {
        return;
    };
    if !lab::tools_present(&[("/usr/bin/scmp_sys_resolver", "apt-get install seccomp")]) {
        return;
    }
    let Some(probe) = lab::probe_binary() else {
        return;
    };
    let _printk = lab::PrintkUnlimited::new();
    // CINCH_LAB_APPS=postgres,redis runs part of the matrix (while working on one app).
    let only = std::env::var("CINCH_LAB_APPS").ok();
    let apps: Vec<&App> = lab::APPS
        .iter()
        .filter(|a| {
            only.as_deref()
                .is_none_or(|o| o.split(',').any(|n| n == a.name))
        })
        .collect();
    lab::build_images(&apps);
    let python = apps.iter().any(|a| a.name == "python");
    let mut outcomes = Vec::new();
    for app in apps {
        let out = format!("target/lab/out/{}", app.name);
        lab::generate(app.name, &out, &["--wire"]).unwrap_or_else(|e| panic!("{e}"));
        outcomes.extend(compose_variants(app, &out, &probe));
        outcomes.push(complain_audit(app));
        if let Some(address) = engine.containerd_address() {
            outcomes.push(kubernetes_variant(app, &out, &probe, &address));
        } else {
            lab::missing("containerd's socket", "dockerd starts containerd");
        }
    }
    if python {
        outcomes.push(Outcome {
            app: "python",
            variant: "complain",
            runtime: "docker 20.10",
            result: complain_mode_logs(&probe),
        });
    }
    let (table, broken) = lab::table(&outcomes);
    eprintln!("runtime lab (Docker 20.10 + runc, containerd 1.6 + runc):\n{table}");
    assert!(only.is_some() || outcomes.len() >= 20, "{table}");
    assert_eq!(broken, 0, "broken runs:\n{table}");
}

/// The `cd DIR && docker compose --project-directory . -f FILE up` line of a wired file.
fn run_instruction(wired: &str) -> (String, String) {
    let line = wired
        .lines()
        .find_map(|l| l.strip_prefix("#   cd "))
        .unwrap_or_else(|| panic!("no run instruction in the wired header:\n{wired}"));
    let (dir, rest) = line.split_once(" && docker compose ").expect("instruction");
    let file = rest
        .strip_prefix("--project-directory . -f ")
        .and_then(|r| r.strip_suffix(" up"))
        .unwrap_or_else(|| panic!("instruction: {line}"));
    (dir.to_owned(), file.to_owned())
}

/// The plain and hardened services of the app's wired Compose file, through docker-compose.
fn compose_variants(app: &App, out: &str, probe: &Path) -> Vec<Outcome> {
    let wired_path = lab::root().join(format!(
        "{out}/wired/tests/lab/apps/{}/compose.yaml",
        app.name
    ));
    let wired = std::fs::read_to_string(&wired_path).expect("wired compose file");
    let (dir, file) = run_instruction(&wired);
    // The lab's additions, which cinch does not see: the host's /usr and the probe.
    let lab_file = lab::work_dir().join(format!("{}.lab.yaml", app.name));
    let mounts = json!([
        "/usr:/usr:ro",
        format!("{}:{}:ro", probe.display(), lab::PROBE_IN_CONTAINER)
    ]);
    let lab_doc = json!({
        "services": {
            "plain": {"volumes": mounts},
            "hardened": {"volumes": mounts},
        }
    });
    std::fs::write(&lab_file, lab_doc.to_string()).expect("lab file");
    let project = format!("lab-{}", app.name);
    let compose = |args: &[&str]| compose_command(&dir, &file, &lab_file, &project, args);
    let _ = lab::run(&mut compose(&["down", "-v", "--remove-orphans"]));
    let (up, up_out, up_err) = lab::run(&mut compose(&["up", "-d"]));
    let mut outcomes = Vec::new();
    for variant in ["plain", "hardened"] {
        let result = if !up {
            Err(format!("docker-compose up failed: {up_out}{up_err}"))
        } else {
            let (_, id, _) = lab::run(&mut compose(&["ps", "-q", variant]));
            docker_check(app, id.trim(), app.port, variant == "hardened", probe)
        };
        outcomes.push(Outcome {
            app: app.name,
            variant,
            runtime: "docker-compose 1.29",
            result,
        });
    }
    let _ = lab::run(&mut compose(&["down", "-v", "--remove-orphans"]));
    outcomes
}

/// `docker-compose` as the wired header says (from `dir`, `--project-directory .`), with
/// the lab's file on top.
fn compose_command(
    dir: &str,
    file: &str,
    lab_file: &Path,
    project: &str,
    args: &[&str],
) -> Command {
    let mut c = Command::new("/usr/bin/docker-compose");
    c.current_dir(lab::root().join(dir))
        .args(["--project-directory", ".", "-f", file, "-f"])
        .arg(lab_file)
        .args(["-p", project])
        .args(args);
    c
}

/// The profiles never refuse a call the real start-up makes, measured rather than inferred
/// from "it served": the app's plain (root, through the entrypoint's chown and gosu) and
/// hardened services run with `--complain` profiles (the same allow-list, but what it would
/// refuse is allowed and logged by the kernel: `audit: type=1326`), serve their requests,
/// and the records logged meanwhile name every call the enforcing profiles would have
/// refused. None may appear but those runc tolerates being refused
/// (`container_runtime::TOLERATED`). The syscall numbers are named by libseccomp's
/// `scmp_sys_resolver`.
fn complain_audit(app: &App) -> Outcome {
    let outcome = |result| Outcome {
        app: app.name,
        variant: "audit",
        runtime: "docker-compose 1.29",
        result,
    };
    let out = format!("target/lab/out/{}-complain", app.name);
    if let Err(e) = lab::generate(app.name, &out, &["--complain", "--wire"]) {
        return outcome(Err(e));
    }
    let wired = lab::root().join(format!(
        "{out}/wired/tests/lab/apps/{}/compose.yaml",
        app.name
    ));
    let wired = std::fs::read_to_string(&wired).expect("wired compose file");
    let (dir, file) = run_instruction(&wired);
    let lab_file = lab::work_dir().join(format!("{}.audit.yaml", app.name));
    let usr = json!(["/usr:/usr:ro"]);
    let lab_doc = json!({"services": {"plain": {"volumes": usr}, "hardened": {"volumes": usr}}});
    std::fs::write(&lab_file, lab_doc.to_string()).expect("lab file");
    let project = format!("lab-{}-audit", app.name);
    let compose = |args: &[&str]| compose_command(&dir, &file, &lab_file, &project, args);
    let _ = lab::run(&mut compose(&["down", "-v", "--remove-orphans"]));
    let mark = lab::kernel_mark(&format!("audit {}", app.name));
    let (up, up_out, up_err) = lab::run(&mut compose(&["up", "-d"]));
    let mut served = Vec::new();
    let result = (|| {
        if !up {
            return Err(format!("docker-compose up failed: {up_out}{up_err}"));
        }
        for variant in ["plain", "hardened"] {
            let (_, id, _) = lab::run(&mut compose(&["ps", "-q", variant]));
            let (_, pid, _) =
                lab::run(lab::docker().args(["inspect", "--format", "{{.State.Pid}}", id.trim()]));
            let pid: u32 = pid.trim().parse().unwrap_or(0);
            let running = || {
                let (_, r, _) = lab::run(lab::docker().args([
                    "inspect",
                    "--format",
                    "{{.State.Running}}",
                    id.trim(),
                ]));
                r.trim() == "true"
            };
            if pid == 0 {
                return Err(format!("{variant} did not start"));
            }
            lab::wait_serving(app.check, pid, app.port, START, running)
                .map_err(|e| format!("{variant}: {e}"))?;
            served.push(variant);
        }
        Ok(())
    })();
    let _ = lab::run(&mut compose(&["down", "-v", "--remove-orphans"]));
    if let Err(e) = result {
        return outcome(Err(e));
    }
    // kauditd prints asynchronously; the containers have stopped, so the log is complete
    // once it stops growing.
    let mut new = Vec::new();
    for _ in 0..8 {
        std::thread::sleep(Duration::from_millis(250));
        let again = match lab::kernel_log_since(&mark) {
            Ok(lines) => lines,
            Err(e) => return outcome(Err(e)),
        };
        if again.len() == new.len() {
            break;
        }
        new = again;
    }
    if new
        .iter()
        .any(|l| l.contains("callbacks suppressed") || l.contains("audit_lost"))
    {
        return outcome(Err("the kernel suppressed audit records; rerun".into()));
    }
    let mut refused = std::collections::BTreeSet::new();
    let mut tolerated = std::collections::BTreeSet::new();
    for line in new.iter().filter(|l| l.contains("type=1326")) {
        let field = |k: &str| {
            line.split_whitespace()
                .find_map(|f| f.strip_prefix(k))
                .unwrap_or("?")
                .to_owned()
        };
        let name = syscall_name(&field("syscall="));
        let who = format!("{name} ({})", field("exe="));
        if cinch::backend::seccomp::container_runtime::TOLERATED.contains(&name.as_str()) {
            tolerated.insert(who);
        } else {
            refused.insert(who);
        }
    }
    let tolerated = if tolerated.is_empty() {
        String::new()
    } else {
        format!(
            " (tolerated by runc: {})",
            Vec::from_iter(tolerated).join(", ")
        )
    };
    outcome(if refused.is_empty() {
        Ok(format!(
            "{} served under --complain; no call would be refused{tolerated}",
            served.join(" and ")
        ))
    } else {
        Err(format!(
            "the enforcing profiles would refuse: {}",
            Vec::from_iter(refused).join(", ")
        ))
    })
}

/// The x86_64 name of a syscall number, by libseccomp.
fn syscall_name(number: &str) -> String {
    let (ok, out, _) = lab::run(Command::new("scmp_sys_resolver").args(["-a", "x86_64", number]));
    if ok {
        out.trim().to_owned()
    } else {
        format!("syscall {number}")
    }
}

/// Serve and probe checks on a Docker container; on failure, its log.
fn docker_check(
    app: &App,
    id: &str,
    port: u16,
    caps_dropped: bool,
    _probe: &Path,
) -> Result<String, String> {
    if id.is_empty() {
        return Err("no container".into());
    }
    let inspect = |fmt: &str| {
        let (_, out, _) = lab::run(lab::docker().args(["inspect", "--format", fmt, id]));
        out.trim().to_owned()
    };
    let running = || inspect("{{.State.Running}}") == "true";
    let pid: u32 = inspect("{{.State.Pid}}").parse().unwrap_or(0);
    let logs = || {
        let (_, out, err) = lab::run(lab::docker().args(["logs", "--tail", "20", id]));
        format!("{out}{err}")
    };
    if pid == 0 || !running() {
        return Err(format!(
            "did not start ({}): {}",
            inspect("{{.State.Error}}"),
            logs()
        ));
    }
    let served = lab::wait_serving(app.check, pid, port, START, running)
        .map_err(|e| format!("{e}\n{}", logs()))?;
    let user = inspect("{{.Config.User}}");
    let (ok, out, err) = lab::run(lab::docker().args(["exec", id, lab::PROBE_IN_CONTAINER]));
    if !ok {
        return Err(format!("the probe did not run: {out}{err}"));
    }
    let probed = lab::parse_probe(&out);
    let non_root = !(user.is_empty() || user == "0" || user.starts_with("0:") || user == "root");
    let wrong = lab::forbidden_failures(&probed, non_root, !caps_dropped);
    if !wrong.is_empty() {
        return Err(format!("forbidden calls: {}", wrong.join(", ")));
    }
    // Served once more after the probe: the container is still healthy.
    lab::serve_check(app.check, pid, port)?;
    Ok(format!("{served}; forbidden calls fail"))
}

/// The kubelet's seccomp root for the lab, holding the tree's seccomp/ under cinch/ as the
/// wired header says to copy it.
fn kubelet_root(out: &str, app: &App) -> PathBuf {
    let root = lab::work_dir().join(format!("kubelet-{}", app.name));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).expect("kubelet root");
    lab::must(
        Command::new("cp")
            .arg("-a")
            .arg(lab::root().join(out).join("seccomp"))
            .arg(root.join("cinch")),
    );
    root
}

/// The app's wired Pod on containerd.
fn kubernetes_variant(app: &App, out: &str, probe: &Path, address: &Path) -> Outcome {
    let result = run_pod(app, out, probe, address);
    Outcome {
        app: app.name,
        variant: "kubernetes",
        runtime: "containerd 1.6",
        result,
    }
}

fn ctr(address: &Path) -> Command {
    let mut c = Command::new("/usr/bin/ctr");
    c.arg("--address").arg(address).args(["-n", "cinch-lab"]);
    c
}

fn run_pod(app: &App, out: &str, probe: &Path, address: &Path) -> Result<String, String> {
    let wired_path = lab::root().join(format!("{out}/wired/tests/lab/apps/{}/pod.yaml", app.name));
    let text = std::fs::read_to_string(&wired_path).map_err(|e| format!("wired pod: {e}"))?;
    let docs: Vec<Value> = serde_norway::Deserializer::from_str(&text)
        .map(|d| serde::Deserialize::deserialize(d).expect("wired pod YAML"))
        .collect();
    let pod = docs
        .iter()
        .find(|d| d["kind"] == "Pod")
        .ok_or("no Pod in the wired file")?;
    let config_maps: Vec<&Value> = docs.iter().filter(|d| d["kind"] == "ConfigMap").collect();
    let container = &pod["spec"]["containers"][0];
    let profile = container["securityContext"]["seccompProfile"]["localhostProfile"]
        .as_str()
        .ok_or("the wired container names no localhostProfile")?;
    let kubelet = kubelet_root(out, app);
    let seccomp: Value = serde_json::from_str(
        &std::fs::read_to_string(kubelet.join(profile)).map_err(|e| format!("{profile}: {e}"))?,
    )
    .map_err(|e| format!("{profile}: {e}"))?;
    let work = lab::work_dir().join(format!("pod-{}", app.name));
    let _ = std::fs::remove_dir_all(&work);
    let rootfs = work.join("rootfs");
    lab::export_rootfs(app.image, &rootfs);
    let image = lab::image_config(app.image);
    let id = format!("lab-{}", app.name);
    let cleanup = || {
        let _ = lab::run(ctr(address).args(["task", "kill", "-s", "SIGKILL", &id]));
        std::thread::sleep(Duration::from_millis(300));
        let _ = lab::run(ctr(address).args(["task", "rm", "-f", &id]));
        let _ = lab::run(ctr(address).args(["container", "rm", &id]));
        let _ = lab::run(Command::new("ip").args([
            "netns",
            "delete",
            &format!(
                "cinch-lab-{}",
                pod["metadata"]["name"].as_str().unwrap_or("pod")
            ),
        ]));
    };
    cleanup();
    let spec = pod_spec(
        pod,
        container,
        &config_maps,
        &image,
        &rootfs,
        &work,
        seccomp,
        probe,
        address,
    )?;
    let spec_path = work.join("config.json");
    std::fs::write(&spec_path, serde_json::to_vec_pretty(&spec).expect("spec")).expect("spec");
    let log = work.join("stdio.log");
    let (ok, o, e) = lab::run(
        ctr(address)
            .args(["run", "-d", "--log-uri"])
            .arg(format!("file://{}", log.display()))
            .arg("--config")
            .arg(&spec_path)
            .arg(&id),
    );
    let logs = || std::fs::read_to_string(&log).unwrap_or_default();
    let result = (|| {
        if !ok {
            return Err(format!("ctr run failed: {o}{e}"));
        }
        let (_, tasks, _) = lab::run(ctr(address).args(["task", "ls"]));
        let line = tasks
            .lines()
            .find(|l| l.split_whitespace().next() == Some(&id))
            .ok_or_else(|| format!("no task: {tasks}"))?;
        let pid: u32 = line
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse().ok())
            .ok_or("no pid")?;
        let running = || {
            let (_, t, _) = lab::run(ctr(address).args(["task", "ls"]));
            t.lines().any(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                f.first() == Some(&id.as_str()) && f.get(2) == Some(&"RUNNING")
            })
        };
        let port = app.k8s_port;
        let served = lab::wait_serving(app.check, pid, port, START, running)
            .map_err(|e| format!("{e}\n{}", tail(&logs())))?;
        let (ok, out, err) = lab::run(ctr(address).args([
            "task",
            "exec",
            "--exec-id",
            "probe",
            &id,
            lab::PROBE_IN_CONTAINER,
        ]));
        if !ok {
            return Err(format!("the probe did not run: {out}{err}"));
        }
        let probed = lab::parse_probe(&out);
        let wrong = lab::forbidden_failures(&probed, true, true);
        if !wrong.is_empty() {
            return Err(format!("forbidden calls: {}", wrong.join(", ")));
        }
        lab::serve_check(app.check, pid, port)?;
        Ok(format!("{served}; forbidden calls fail"))
    })();
    cleanup();
    result
}

fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// The Pod container's OCI spec (lab::oci::pod_spec, as the CRI plugin builds it) on
/// containerd's default, in the pod's own network namespace. AppArmor is left to the VM lab
/// (this kernel has none, and the CRI plugin sets no profile on such a node).
#[allow(clippy::too_many_arguments)]
fn pod_spec(
    pod: &Value,
    c: &Value,
    config_maps: &[&Value],
    image: &lab::ImageConfig,
    rootfs: &Path,
    work: &Path,
    seccomp: Value,
    probe: &Path,
    address: &Path,
) -> Result<Value, String> {
    let (ok, default, err) = lab::run(ctr(address).args(["oci", "spec"]));
    if !ok {
        return Err(format!("ctr oci spec: {err}"));
    }
    let default: Value = serde_json::from_str(&default).map_err(|e| e.to_string())?;
    let extras = lab::oci::Extras {
        seccomp,
        apparmor: None,
        mounts: vec![
            json!({"destination": "/usr", "type": "bind", "source": "/usr", "options": ["rbind", "ro"]}),
            json!({"destination": lab::PROBE_IN_CONTAINER, "type": "bind", "source": probe, "options": ["rbind", "ro"]}),
        ],
    };
    let mut spec = lab::oci::pod_spec(&default, pod, c, config_maps, image, rootfs, work, extras)?;
    // The pod's network namespace, with loopback up as the CNI loopback plugin leaves it.
    let netns = pod_netns(pod["metadata"]["name"].as_str().unwrap_or("pod"))?;
    for ns in spec["linux"]["namespaces"]
        .as_array_mut()
        .ok_or("namespaces")?
    {
        if ns["type"] == "network" {
            ns["path"] = json!(netns);
        }
    }
    Ok(spec)
}

/// A fresh named network namespace for one pod, as the CNI plugins leave it: `lo` up and an
/// `eth0` with the pod's address (one end of a veth pair whose host end stays down: nothing
/// outside is reached).
fn pod_netns(name: &str) -> Result<String, String> {
    let ns = format!("cinch-lab-{name}");
    let _ = lab::run(Command::new("ip").args(["netns", "delete", &ns]));
    let (ok, _, err) = lab::run(Command::new("ip").args(["netns", "add", &ns]));
    if !ok {
        return Err(format!("ip netns add {ns}: {err}"));
    }
    let host_end = format!("cl{}", std::process::id() % 100_000);
    let (ok, _, err) = lab::run(Command::new("ip").args([
        "link", "add", &host_end, "type", "veth", "peer", "name", "eth0", "netns", &ns,
    ]));
    if !ok {
        return Err(format!("veth into {ns}: {err}"));
    }
    for args in [
        &["link", "set", "lo", "up"][..],
        &[
            "addr",
            "add",
            &format!("{}/16", lab::oci::POD_IP),
            "dev",
            "eth0",
        ],
        &["link", "set", "eth0", "up"],
    ] {
        let (ok, _, err) = lab::run(Command::new("ip").args(["-n", &ns]).args(args));
        if !ok {
            return Err(format!("ip -n {ns} {}: {err}", args.join(" ")));
        }
    }
    Ok(format!("/var/run/netns/{ns}"))
}

#[test]
fn the_run_instruction_is_read_from_the_header() {
    let (dir, file) = run_instruction(
        "# x\n#   cd tests/lab/apps/a && docker compose --project-directory . -f ../w/c.yaml up\n",
    );
    assert_eq!(
        (dir.as_str(), file.as_str()),
        ("tests/lab/apps/a", "../w/c.yaml")
    );
    let _ = Check::Http;
}

/// `--complain`: the hardened python service's profile logs instead of refusing. The probe's
/// `unshare` (not granted) runs, reaches the kernel (which refuses it for want of
/// CAP_SYS_ADMIN, not seccomp), and the kernel logs a seccomp record (`audit: type=1326 …
/// syscall=272`, SECCOMP_RET_LOG) naming the probe's path.
fn complain_mode_logs(probe: &Path) -> Result<String, String> {
    const UNSHARE: u32 = 272; // x86_64
    let out = "target/lab/out/python-complain";
    lab::generate("python", out, &["--complain"])?;
    let profile = lab::root()
        .join(out)
        .join("seccomp/python.hardened.hardened.json");
    let text = std::fs::read_to_string(&profile).map_err(|e| format!("{profile:?}: {e}"))?;
    let json: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    if json["defaultAction"] != "SCMP_ACT_LOG" {
        return Err(format!("not a complain profile: {}", json["defaultAction"]));
    }
    let listed = json["syscalls"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["action"] == "SCMP_ACT_ALLOW")
        .flat_map(|r| r["names"].as_array().cloned().unwrap_or_default())
        .any(|n| n == "unshare");
    if listed {
        return Err("unshare is allowed by the profile; the check needs a denied call".into());
    }
    let mark = lab::kernel_mark("complain");
    let (ok, stdout, stderr) = lab::run(lab::docker().args([
        "run",
        "--rm",
        "--user",
        "1000:1000",
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
        "--security-opt",
        &format!("seccomp={}", profile.display()),
        "-v",
        "/usr:/usr:ro",
        "-v",
        &format!("{}:{}:ro", probe.display(), lab::PROBE_IN_CONTAINER),
        "python:3.11",
        lab::PROBE_IN_CONTAINER,
    ]));
    if !ok {
        return Err(format!("the container did not run: {stdout}{stderr}"));
    }
    let probed = lab::parse_probe(&stdout);
    if probed.get("unshare") == Some(&0) {
        return Err("unshare succeeded without CAP_SYS_ADMIN".into());
    }
    // The kernel writes audit records asynchronously (kauditd).
    let mut new = Vec::new();
    for _ in 0..20 {
        new = lab::kernel_log_since(&mark)?;
        let record = new.iter().find(|l| {
            l.contains("type=1326")
                && l.contains(&format!("exe=\"{}\"", lab::PROBE_IN_CONTAINER))
                && l.contains(&format!(" syscall={UNSHARE} "))
        });
        if record.is_some() {
            return Ok(format!(
                "ran; the kernel logged unshare (type=1326 syscall={UNSHARE}) for the probe"
            ));
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    Err(format!(
        "no seccomp record for unshare in the kernel log; new lines:\n{}",
        new.join("\n")
    ))
}
