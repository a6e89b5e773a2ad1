//! The AppArmor half of the runtime lab (issue 15; tests/lab/README.md): every AppArmor
//! profile cinch writes for the lab's apps, enforced by a real AppArmor kernel, lets its
//! container start and serve, and denies a write it does not grant.
//!
//! This machine's kernel has no AppArmor; Debian's has it built in. The test boots Debian's
//! kernel (`linux-image-amd64`'s dependency, downloaded with `apt-get download` and cached
//! under target/lab/vm/) in QEMU, with a busybox initramfs that mounts the host's root
//! read-only over virtio-9p and `switch_root`s into it (not `chroot`: AppArmor matches paths
//! from the namespace root), so the guest runs the host's own apparmor_parser, runc, servers
//! and clients, and this very test binary, which finds a plan in its environment and runs the
//! guest half. One boot runs the whole matrix.
//!
//! Host half: build the lab images (lab_support, with dockerd), `cinch generate --wire` per
//! app, and for each variant a bundle: the image's root, and an OCI spec built from the wired
//! file as the runtime builds it (lab_support::oci: Docker for the Compose services, the CRI
//! plugin for the Pod) with the seccomp profile and `process.apparmorProfile` it names.
//! Guest half, per run: load the profile (`apparmor_parser -r`), copy the bundle into the
//! guest's tmpfs, `runc run` it in a network namespace with `lo` up, then require
//! `/proc/<pid>/attr/current` = `<profile> (enforce)`, two real requests answered from inside
//! the netns, the probe's forbidden calls failing, and the probe's write to a path the profile
//! does not grant failing with EACCES with an `apparmor="DENIED"` record in the kernel log.
//! Results come back through a second, writable 9p share.
//!
//! Before the matrix, the same boot closes `cinch audit`'s loop for AppArmor
//! (apparmor_vm/audit_loop.rs): complain mode, the audit's patch, enforce mode without a
//! denial. `CINCH_LAB_APPS=redis,audit` runs only the apps named, `audit` for the loop.

#[path = "lab_support/mod.rs"]
mod lab;

#[path = "apparmor_vm/audit_loop.rs"]
mod audit_loop;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use lab::{App, Engine, Outcome};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// This test's name: the guest runs the same binary with `--exact` on it.
const TEST: &str = "every_apparmor_profile_starts_and_serves_under_a_real_apparmor_kernel";
/// Set (to the plan's path) only in the guest.
const GUEST: &str = "CINCH_APPARMOR_VM_GUEST";
/// The kernel modules the initramfs loads to mount the host over virtio-9p, in dependency
/// order (`modinfo -F depends`); Debian builds them as modules, not into the kernel.
const MODULES: &[&str] = &[
    "drivers/virtio/virtio_ring",
    "drivers/virtio/virtio",
    "drivers/virtio/virtio_pci_legacy_dev",
    "drivers/virtio/virtio_pci_modern_dev",
    "drivers/virtio/virtio_pci",
    "fs/netfs/netfs",
    "fs/fscache/fscache",
    "net/9p/9pnet",
    "net/9p/9pnet_virtio",
    "fs/9p/9p",
];
/// How long a server may take to serve in the guest (TCG emulation is slow: postgres's
/// initdb and first start took 250 s on the lead's loaded 2-core machine).
const START: Duration = Duration::from_secs(600);
/// How long the whole boot may take.
const BOOT: Duration = Duration::from_secs(40 * 60);
/// Where the guest copies the bundles (its tmpfs).
const GUEST_RUNS: &str = "/tmp/cinch-vm";
/// The write a read-only-root profile does not grant: a file on the mqueue filesystem the
/// runtimes mount at /dev/mqueue (mode 1777, so neither the mount nor file permissions
/// refuse it; only AppArmor does, and logs it).
const UNDECLARED_WRITE: &str = "/dev/mqueue/cinch-undeclared";
/// The write a writable-root profile refuses: a profile for a writable root grants writes
/// everywhere (`/** rwlkm`) except its `deny` rules, here `deny @{PROC}/[^0-9]*/** w`
/// (kernel settings). /proc/pressure/cpu is mode 0666 and not read-only-mounted by runc,
/// so AppArmor answers first. `deny` rules are quiet; the guest boots with
/// `apparmor.audit=noquiet` so the kernel logs them too.
const DENIED_WRITE: &str = "/proc/pressure/cpu";

/// One run of the matrix, as the guest reads it.
#[derive(Serialize, Deserialize, Debug, Clone)]
struct Run {
    app: String,
    variant: String,
    /// The host's bundle (config.json, rootfs/, volumes) as a tar, unpacked at `guest_dir`
    /// (one sequential read: copying its many small files over 9p file by file takes
    /// minutes under TCG).
    bundle: PathBuf,
    guest_dir: PathBuf,
    /// The AppArmor profile the wired file names, and the file of cinch's tree defining it.
    profile: String,
    profile_file: PathBuf,
    non_root: bool,
    net_raw: bool,
    /// The write the profile must refuse ([`UNDECLARED_WRITE`] or [`DENIED_WRITE`]).
    write: String,
    /// Set when the host could not build the run (the reason).
    error: Option<String>,
}

#[derive(Serialize, Deserialize, Debug)]
struct Plan {
    runs: Vec<Run>,
    /// `cinch audit`'s closed loop, run before the matrix.
    audit: Option<audit_loop::Loop>,
    results: PathBuf,
}

#[derive(Serialize, Deserialize, Debug)]
struct RunResult {
    app: String,
    variant: String,
    result: Result<String, String>,
}

#[test]
fn every_apparmor_profile_starts_and_serves_under_a_real_apparmor_kernel() {
    if let Some(plan) = std::env::var_os(GUEST) {
        // Three runs at a time deny writes at once: the guest kernel's printk rate limit
        // would drop their `apparmor="DENIED"` records.
        let _printk = lab::PrintkUnlimited::new();
        guest(Path::new(&plan));
        return;
    }
    let Some(_engine) = Engine::ensure() else {
        return;
    };
    let vm_tools = [
        (
            "/usr/bin/qemu-system-x86_64",
            "apt-get install qemu-system-x86",
        ),
        ("/usr/bin/cpio", "apt-get install cpio"),
        ("/usr/sbin/modinfo", "apt-get install kmod"),
        ("/usr/sbin/apparmor_parser", "apt-get install apparmor"),
        ("/usr/sbin/runc", "apt-get install runc"),
    ];
    if !lab::tools_present(&vm_tools) {
        return;
    }
    let Some(probe) = lab::probe_binary() else {
        return;
    };
    let Some(kernel) = debian_kernel() else {
        return;
    };
    // `CINCH_LAB_APPS=redis,audit`: these apps, and `audit` for the closed loop; all when unset.
    let only = std::env::var("CINCH_LAB_APPS").ok();
    let chosen = |name: &str| {
        only.as_deref()
            .is_none_or(|o| o.split(',').any(|n| n == name))
    };
    let apps: Vec<&App> = lab::APPS.iter().filter(|a| chosen(a.name)).collect();
    lab::build_images(&apps);
    let vm = lab::work_dir().join("vm");
    let results = vm.join("results");
    let _ = std::fs::remove_dir_all(&results);
    std::fs::create_dir_all(&results).expect("results dir");
    let mut runs = Vec::new();
    for app in &apps {
        runs.extend(plan_app(app, &vm, &probe));
    }
    let plan = Plan {
        runs,
        audit: chosen("audit").then(|| audit_loop::plan(&vm)),
        results: results.clone(),
    };
    let plan_path = vm.join("plan.json");
    std::fs::write(&plan_path, serde_json::to_vec_pretty(&plan).expect("plan")).expect("plan");
    let initrd = initramfs(&kernel, &vm);
    let stage2 = stage2(&vm, &plan_path, &results);
    let _ = stage2;
    let accel = boot(&kernel, &initrd, &results, &vm);
    let got: Vec<RunResult> = std::fs::read_to_string(results.join("results.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let guest_log = std::fs::read_to_string(results.join("guest.log")).unwrap_or_default();
    let outcomes: Vec<Outcome> = plan
        .runs
        .iter()
        .map(|r| Outcome {
            app: lab::APPS
                .iter()
                .find(|a| a.name == r.app)
                .map(|a| a.name)
                .unwrap_or("?"),
            variant: match r.variant.as_str() {
                "plain" => "plain",
                "hardened" => "hardened",
                _ => "kubernetes",
            },
            runtime: "runc 1.1 + AppArmor",
            result: got
                .iter()
                .find(|g| g.app == r.app && g.variant == r.variant)
                .map(|g| g.result.clone())
                .unwrap_or_else(|| Err(format!("no result from the guest ({accel})"))),
        })
        .collect();
    let (table, broken) = lab::table(&outcomes);
    eprintln!(
        "AppArmor lab ({}, {accel}; runc in the guest):\n{table}",
        kernel.package
    );
    let closed = plan.audit.as_ref().map(|l| audit_loop::check(l, &results));
    if let Some(Ok((_, lines))) = &closed {
        eprintln!("audit loop: ok; the kernel logged:\n{}", lines.join("\n"));
    }
    assert!(
        only.is_some() || outcomes.len() >= 27,
        "{table}\n{guest_log}"
    );
    assert_eq!(broken, 0, "broken runs:\n{table}\nguest log:\n{guest_log}");
    if let Some(closed) = closed {
        let (patch, _) =
            closed.unwrap_or_else(|e| panic!("audit loop ({accel}): {e}\nguest log:\n{guest_log}"));
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(lab::root().join("snapshots"));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.bind(|| insta::assert_snapshot!("audit-patch@apparmor-vm", patch));
    }
}

/// Debian's kernel, extracted under target/lab/vm/kernel/.
struct Kernel {
    /// `linux-image-6.1.0-…-amd64 6.1.…`
    package: String,
    vmlinuz: PathBuf,
    /// lib/modules/<release>/kernel
    modules: PathBuf,
}

/// The package `linux-image-amd64` depends on, downloaded and extracted once.
fn debian_kernel() -> Option<Kernel> {
    let (ok, deps, err) =
        lab::run(Command::new("apt-cache").args(["depends", "linux-image-amd64"]));
    let name = deps
        .lines()
        .find_map(|l| l.trim().strip_prefix("Depends: "))
        .map(str::trim)
        .filter(|n| n.starts_with("linux-image-"));
    let Some(name) = name.filter(|_| ok) else {
        lab::missing(
            "Debian's kernel package (apt-cache depends linux-image-amd64)",
            &format!("apt-get update: {err}"),
        );
        return None;
    };
    let (_, shown, _) =
        lab::run(Command::new("apt-cache").args(["show", "--no-all-versions", name]));
    let version = shown
        .lines()
        .find_map(|l| l.strip_prefix("Version: "))
        .unwrap_or("unknown")
        .to_owned();
    let dir = lab::work_dir()
        .join("vm/kernel")
        .join(format!("{name}_{version}"));
    let release = name.trim_start_matches("linux-image-");
    let vmlinuz = dir.join(format!("boot/vmlinuz-{release}"));
    if !vmlinuz.is_file() {
        let download = lab::work_dir().join("vm/kernel/download");
        let _ = std::fs::remove_dir_all(&download);
        std::fs::create_dir_all(&download).expect("download dir");
        // As root, apt's sandbox user cannot write here: download as root.
        let (ok, out, err) = lab::run(
            Command::new("apt-get")
                .args(["-o", "APT::Sandbox::User=root", "download", name])
                .current_dir(&download),
        );
        let deb = std::fs::read_dir(&download)
            .ok()
            .and_then(|mut d| d.find_map(|e| e.ok().map(|e| e.path())));
        let Some(deb) = deb.filter(|_| ok) else {
            lab::missing(
                &format!("{name} {version}"),
                &format!("apt-get download {name}: {out}{err}"),
            );
            return None;
        };
        let _ = std::fs::remove_dir_all(&dir);
        lab::must(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&dir));
        let _ = std::fs::remove_dir_all(&download);
    }
    Some(Kernel {
        package: format!("{name} {version}"),
        vmlinuz,
        modules: dir.join(format!("lib/modules/{release}/kernel")),
    })
}

/// The initramfs: busybox, the 9p modules, and an init that mounts the host's root
/// read-only with tmpfs on /tmp and /run, then `switch_root`s into it to run `stage2`.
fn initramfs(kernel: &Kernel, vm: &Path) -> PathBuf {
    let dir = vm.join("initramfs");
    let _ = std::fs::remove_dir_all(&dir);
    for d in ["bin", "lib/modules", "mnt", "proc", "dev", "sys"] {
        std::fs::create_dir_all(dir.join(d)).expect("initramfs dir");
    }
    std::fs::copy("/usr/bin/busybox", dir.join("bin/busybox")).expect("busybox");
    let mut names = Vec::new();
    for m in MODULES {
        let ko = kernel.modules.join(format!("{m}.ko"));
        let name = Path::new(m).file_name().expect("module name");
        std::fs::copy(&ko, dir.join("lib/modules").join(name).with_extension("ko"))
            .unwrap_or_else(|e| panic!("{}: {e}", ko.display()));
        names.push(name.to_string_lossy().into_owned());
    }
    // The guest's /tmp is a tmpfs; a checkout under the host's /tmp (a CI clone) would then
    // vanish, so its top directory is bound back over the tmpfs.
    let keep_tmp = vm
        .strip_prefix("/tmp")
        .ok()
        .and_then(|rest| rest.components().next())
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    let init = format!(
        r#"#!/bin/busybox sh
# cinch's AppArmor lab: mount the host's root read-only over virtio-9p, then switch_root.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t devtmpfs devtmpfs /dev
for m in {modules}; do insmod /lib/modules/$m.ko || echo "cinch-vm: insmod $m failed"; done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 host /mnt || echo "cinch-vm: no host root"
mount -t tmpfs tmpfs /mnt/run
{keep_tmp}mount -t tmpfs tmpfs /mnt/tmp
{restore_tmp}umount /proc /dev
exec switch_root /mnt /bin/sh {stage2}
"#,
        modules = names.join(" "),
        stage2 = vm.join("stage2.sh").display(),
        keep_tmp = keep_tmp.as_ref().map_or(String::new(), |_| {
            "mkdir -p /mnt/run/cinch-host-tmp\nmount --bind /mnt/tmp /mnt/run/cinch-host-tmp\n".into()
        }),
        restore_tmp = keep_tmp.as_ref().map_or(String::new(), |top| {
            format!("mkdir -p /mnt/tmp/{top}\nmount --bind /mnt/run/cinch-host-tmp/{top} /mnt/tmp/{top}\n")
        }),
    );
    std::fs::write(dir.join("init"), init).expect("init");
    lab::must(Command::new("chmod").arg("755").arg(dir.join("init")));
    let out = vm.join("initramfs.cpio.gz");
    lab::must(
        Command::new("sh")
            .arg("-c")
            .arg("find . | cpio -o -H newc --quiet | gzip -1 > \"$0\"")
            .arg(&out)
            .current_dir(&dir),
    );
    out
}

/// The guest's second stage, on the host's root: the kernel filesystems, the results
/// share, `lo`, then this test binary in guest mode; then power off.
fn stage2(vm: &Path, plan: &Path, results: &Path) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary");
    let script = format!(
        r#"# cinch's AppArmor lab, stage 2 (run by the initramfs after switch_root).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t securityfs securityfs /sys/kernel/security
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results {results}
ip link set lo up
uname -r > {results}/booted
{GUEST}={plan} {exe} --exact {TEST} --nocapture --test-threads=1 > {results}/guest.log 2>&1
echo $? > {results}/guest.exit
sync
echo o > /proc/sysrq-trigger
sleep 60
"#,
        results = results.display(),
        plan = plan.display(),
        exe = exe.display(),
    );
    let path = vm.join("stage2.sh");
    std::fs::write(&path, script).expect("stage2");
    path
}

/// Boot the guest and wait for it to power off. KVM when /dev/kvm opens and the guest gets
/// to stage 2 under it (nested KVM may refuse `-cpu host` or hang), TCG otherwise. Returns
/// which accelerator ran.
fn boot(kernel: &Kernel, initrd: &Path, results: &Path, vm: &Path) -> String {
    let kvm = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .is_ok();
    // TCG twice: now and then (1 boot in 4 on the lead's machine) a vCPU of the guest hangs
    // at the first `runc run` (`watchdog: BUG: soft lockup - CPU#1 stuck … [runc]`, RCU
    // stalls), and nothing moves again; a fresh boot runs the matrix.
    let tries: &[(&str, &str)] = if kvm {
        &[("kvm", "host"), ("tcg", "max"), ("tcg", "max")]
    } else {
        &[("tcg", "max"), ("tcg", "max")]
    };
    for (accel, cpu) in tries {
        for stale in ["booted", "results.jsonl", "guest.log"] {
            let _ = std::fs::remove_file(results.join(stale));
        }
        let _ = std::fs::remove_dir_all(results.join("audit"));
        let console = vm.join(format!("console-{accel}.log"));
        let mut child = qemu(kernel, initrd, results, accel, cpu, &console);
        let started = Instant::now();
        let mut booted = false;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                if booted || results.join("booted").exists() {
                    return format!("QEMU {accel}");
                }
                eprintln!(
                    "QEMU {accel} ended before the guest booted ({status}); see {}",
                    console.display()
                );
                break;
            }
            booted = booted || results.join("booted").exists();
            if hung(&console) {
                let _ = child.kill();
                let _ = child.wait();
                eprintln!(
                    "QEMU {accel}: a guest CPU locked up after {}s (see {}); booting again",
                    started.elapsed().as_secs(),
                    console.display()
                );
                break;
            }
            // A working KVM guest reaches stage 2 in seconds; on this machine's nested KVM it
            // hangs after the BIOS every time, so waiting longer only delays the TCG boot.
            let limit = if booted || *accel == "tcg" {
                BOOT
            } else {
                Duration::from_secs(30)
            };
            if started.elapsed() > limit {
                let _ = child.kill();
                let _ = child.wait();
                if booted {
                    return format!("QEMU {accel}, killed after {}s", limit.as_secs());
                }
                eprintln!(
                    "QEMU {accel}: no boot in {}s; see {}",
                    limit.as_secs(),
                    console.display()
                );
                break;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }
    "no boot".into()
}

/// The guest kernel says a CPU is stuck: the soft-lockup watchdog fires after 20 s of a CPU
/// not scheduling, which no run of the matrix causes on a working guest.
fn hung(console: &Path) -> bool {
    std::fs::read_to_string(console).is_ok_and(|log| log.contains("BUG: soft lockup - CPU#"))
}

fn qemu(
    kernel: &Kernel,
    initrd: &Path,
    results: &Path,
    accel: &str,
    cpu: &str,
    console: &Path,
) -> Child {
    let log = File::create(console).expect("console log");
    Command::new("qemu-system-x86_64")
        .args(["-accel", accel, "-cpu", cpu, "-m", "3072", "-smp", "2"])
        .args(["-nographic", "-no-reboot", "-monitor", "none"])
        .arg("-kernel")
        .arg(&kernel.vmlinuz)
        .arg("-initrd")
        .arg(initrd)
        .args([
            "-append",
            "console=ttyS0 apparmor=1 security=apparmor apparmor.audit=noquiet panic=-1 loglevel=4",
            "-virtfs",
            "local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap",
            "-virtfs",
        ])
        .arg(format!(
            "local,path={},mount_tag=results,security_model=none",
            results.display()
        ))
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .expect("qemu-system-x86_64")
}

/// The app's runs: `cinch generate --wire`, then a bundle per variant.
fn plan_app(app: &App, vm: &Path, probe: &Path) -> Vec<Run> {
    let out = format!("target/lab/vm/out/{}", app.name);
    lab::generate(app.name, &out, &["--wire"]).unwrap_or_else(|e| panic!("{e}"));
    let default: Value = serde_json::from_str(&lab::must(
        Command::new("/usr/bin/ctr").args(["oci", "spec"]),
    ))
    .expect("ctr oci spec");
    let image = lab::image_config(app.image);
    let exported = vm.join("rootfs").join(app.name);
    lab::export_rootfs(app.image, &exported);
    let tree = lab::root().join(&out);
    let wired = tree.join(format!("wired/tests/lab/apps/{}", app.name));
    let mut runs = Vec::new();
    for variant in ["plain", "hardened", "kubernetes"] {
        let id = format!("{}-{variant}", app.name);
        let bundle = vm.join("bundles").join(&id);
        let guest_dir = Path::new(GUEST_RUNS).join(&id);
        let mut run = Run {
            app: app.name.into(),
            variant: variant.into(),
            bundle: bundle.with_extension("tar"),
            guest_dir: guest_dir.clone(),
            profile: String::new(),
            profile_file: PathBuf::new(),
            non_root: variant != "plain",
            net_raw: variant == "plain",
            write: String::new(),
            error: None,
        };
        match bundle_for(
            app, variant, &default, &image, &exported, &bundle, &guest_dir, &wired, &tree, probe,
        ) {
            Ok((profile, non_root, net_raw, read_only)) => {
                run.write = if read_only {
                    UNDECLARED_WRITE
                } else {
                    DENIED_WRITE
                }
                .into();
                run.profile_file = tree
                    .join("apparmor")
                    .join(profile.trim_start_matches("cinch."));
                run.profile = profile;
                run.non_root = non_root;
                run.net_raw = net_raw;
            }
            Err(e) => run.error = Some(e),
        }
        runs.push(run);
    }
    runs
}

/// One variant's bundle; the AppArmor profile it names, whether it runs as non-root, keeps
/// NET_RAW and has a read-only root.
#[allow(clippy::too_many_arguments)]
fn bundle_for(
    app: &App,
    variant: &str,
    default: &Value,
    image: &lab::ImageConfig,
    exported: &Path,
    bundle: &Path,
    guest_dir: &Path,
    wired: &Path,
    tree: &Path,
    probe: &Path,
) -> Result<(String, bool, bool, bool), String> {
    let _ = std::fs::remove_dir_all(bundle);
    std::fs::create_dir_all(bundle).map_err(|e| e.to_string())?;
    let rootfs = bundle.join("rootfs");
    lab::must(Command::new("cp").arg("-a").arg(exported).arg(&rootfs));
    let lab_mounts = vec![
        json!({"destination": "/usr", "type": "bind", "source": "/usr", "options": ["rbind", "ro"]}),
        json!({"destination": lab::PROBE_IN_CONTAINER, "type": "bind", "source": probe, "options": ["rbind", "ro"]}),
    ];
    let read_json = |p: &Path| -> Result<Value, String> {
        serde_json::from_str(
            &std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?,
        )
        .map_err(|e| format!("{}: {e}", p.display()))
    };
    let (mut spec, profile) = if variant == "kubernetes" {
        let text = std::fs::read_to_string(wired.join("pod.yaml")).map_err(|e| e.to_string())?;
        let docs: Vec<Value> = serde_norway::Deserializer::from_str(&text)
            .map(|d| serde::Deserialize::deserialize(d).expect("wired pod YAML"))
            .collect();
        let pod = docs.iter().find(|d| d["kind"] == "Pod").ok_or("no Pod")?;
        let config_maps: Vec<&Value> = docs.iter().filter(|d| d["kind"] == "ConfigMap").collect();
        let c = &pod["spec"]["containers"][0];
        let seccomp = c["securityContext"]["seccompProfile"]["localhostProfile"]
            .as_str()
            .ok_or("the wired container names no localhostProfile")?;
        // The kubelet's seccomp root holds the tree's seccomp/ under cinch/.
        let seccomp = read_json(
            &tree
                .join("seccomp")
                .join(seccomp.trim_start_matches("cinch/")),
        )?;
        let profile = lab::oci::pod_apparmor(pod, c)
            .ok_or("the wired container names no AppArmor profile")?;
        let extras = lab::oci::Extras {
            seccomp,
            apparmor: Some(&profile),
            mounts: lab_mounts,
        };
        let spec = lab::oci::pod_spec(
            default,
            pod,
            c,
            &config_maps,
            image,
            &rootfs,
            bundle,
            extras,
        )?;
        (spec, profile)
    } else {
        let text =
            std::fs::read_to_string(wired.join("compose.yaml")).map_err(|e| e.to_string())?;
        let doc: Value = serde_norway::from_str(&text).map_err(|e| e.to_string())?;
        let service = &doc["services"][variant];
        let (seccomp, profile) = lab::oci::compose_profiles(service);
        let seccomp = seccomp.ok_or("the wired service names no seccomp profile")?;
        let profile = profile.ok_or("the wired service names no AppArmor profile")?;
        // seccomp= resolves against the project directory (the wired header's `cd`).
        let project = lab::root().join(format!("tests/lab/apps/{}", app.name));
        let seccomp = read_json(&project.join(seccomp))?;
        let extras = lab::oci::Extras {
            seccomp,
            apparmor: Some(&profile),
            mounts: lab_mounts,
        };
        let spec = lab::oci::compose_spec(default, service, image, &rootfs, bundle, extras)?;
        (spec, profile)
    };
    let uid = spec["process"]["user"]["uid"].as_u64().unwrap_or(0);
    let net_raw = spec["process"]["capabilities"]["effective"]
        .as_array()
        .is_some_and(|c| c.iter().any(|c| c == "CAP_NET_RAW"));
    spec["linux"]["cgroupsPath"] = json!(format!("/cinch-lab/{}-{variant}", app.name));
    let netns = format!("/run/netns/cinch-{}-{variant}", app.name);
    for ns in spec["linux"]["namespaces"]
        .as_array_mut()
        .ok_or("namespaces")?
    {
        if ns["type"] == "network" {
            ns["path"] = json!(netns);
        }
    }
    pack(&spec, bundle, guest_dir)?;
    let read_only = spec["root"]["readonly"] == json!(true);
    Ok((profile, uid != 0, net_raw, read_only))
}

/// The bundle's config.json, then the bundle as `<bundle>.tar` for the guest to unpack at
/// `guest_dir` ([`unpack`]).
fn pack(spec: &Value, bundle: &Path, guest_dir: &Path) -> Result<(), String> {
    // The spec names the bundle's files by their guest paths (the guest copies the bundle).
    let text = serde_json::to_string_pretty(spec)
        .map_err(|e| e.to_string())?
        .replace(
            &bundle.display().to_string(),
            &guest_dir.display().to_string(),
        );
    std::fs::write(bundle.join("config.json"), text).map_err(|e| e.to_string())?;
    lab::must(
        Command::new("tar")
            .arg("--numeric-owner")
            .arg("-C")
            .arg(bundle)
            .arg("-cf")
            .arg(bundle.with_extension("tar"))
            .arg("."),
    );
    Ok(())
}

// ---- the guest half ----

/// Runs at once in the guest: most of a run is waiting (a server starting, a client
/// retrying), so two vCPUs carry more than one.
const GUEST_WORKERS: usize = 3;

fn guest(plan: &Path) {
    use std::io::Write;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let plan: Plan = serde_json::from_slice(&std::fs::read(plan).expect("plan")).expect("plan");
    let out = Mutex::new(File::create(plan.results.join("results.jsonl")).expect("results"));
    eprintln!(
        "guest: kernel {}, AppArmor {}",
        std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim(),
        std::fs::read_to_string("/sys/module/apparmor/parameters/enabled")
            .unwrap_or_default()
            .trim()
    );
    // The loop first and alone: the kernel lines after each of its marks are its own.
    if let Some(l) = &plan.audit {
        let started = Instant::now();
        let result = audit_loop::guest(l, &plan.results);
        eprintln!(
            "guest: audit loop ({}s): {result:?}",
            started.elapsed().as_secs()
        );
        let dir = plan.results.join("audit");
        let _ = std::fs::create_dir_all(&dir);
        std::fs::write(
            dir.join("result.json"),
            serde_json::to_vec(&result).expect("result"),
        )
        .expect("result");
    }
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..GUEST_WORKERS {
            s.spawn(|| {
                while let Some(run) = plan.runs.get(next.fetch_add(1, Ordering::SeqCst)) {
                    let started = Instant::now();
                    let result = match &run.error {
                        Some(e) => Err(format!("not built: {e}")),
                        None => guest_run(run),
                    };
                    eprintln!(
                        "guest: {} {} ({}s): {result:?}",
                        run.app,
                        run.variant,
                        started.elapsed().as_secs()
                    );
                    let line = serde_json::to_string(&RunResult {
                        app: run.app.clone(),
                        variant: run.variant.clone(),
                        result,
                    })
                    .expect("result");
                    let mut out = out.lock().expect("results");
                    writeln!(out, "{line}").expect("result");
                    out.sync_all().expect("sync");
                }
            });
        }
    });
}

/// A fresh copy of a bundle [`pack`] made, in the guest's tmpfs at `guest_dir`.
fn unpack(bundle: &Path, guest_dir: &Path) -> Result<(), String> {
    let _ = std::fs::remove_dir_all(guest_dir);
    std::fs::create_dir_all(guest_dir).map_err(|e| e.to_string())?;
    lab::must(
        Command::new("tar")
            .arg("--numeric-owner")
            .arg("-xpf")
            .arg(bundle)
            .arg("-C")
            .arg(guest_dir),
    );
    Ok(())
}

fn runc() -> Command {
    let mut c = Command::new("/usr/sbin/runc");
    c.args(["--root", "/run/runc"]);
    c
}

fn guest_run(run: &Run) -> Result<String, String> {
    let id = format!("{}-{}", run.app, run.variant);
    let netns = format!("cinch-{id}");
    let t0 = Instant::now();
    let lap = |what: &str| eprintln!("guest: {id} {what} at {:.1}s", t0.elapsed().as_secs_f64());
    let (ok, _, err) = lab::run(
        Command::new("apparmor_parser")
            .args(["-r", "-K"])
            .arg(&run.profile_file),
    );
    if !ok {
        return Err(format!(
            "apparmor_parser -r {}: {err}",
            run.profile_file.display()
        ));
    }
    lap("loaded");
    unpack(&run.bundle, &run.guest_dir)?;
    lap("copied");
    lab::must(Command::new("ip").args(["netns", "add", &netns]));
    lab::must(Command::new("ip").args(["-n", &netns, "link", "set", "lo", "up"]));
    let log_path = Path::new(GUEST_RUNS).join(format!("{id}.log"));
    let result = (|| {
        // The container's stdio are pipes, drained into a log, as containerd's shim and
        // Docker give it (`/var/log/nginx/error.log` → /dev/stderr is then a pipe, not a
        // file outside the container that AppArmor would see).
        File::create(&log_path).map_err(|e| e.to_string())?;
        let mut child = runc()
            .args(["run", "-d", "--bundle"])
            .arg(&run.guest_dir)
            .arg(&id)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        let pipes: [Option<Box<dyn std::io::Read + Send>>; 2] = [
            child.stdout.take().map(|p| Box::new(p) as _),
            child.stderr.take().map(|p| Box::new(p) as _),
        ];
        for mut pipe in pipes.into_iter().flatten() {
            let mut log = std::fs::OpenOptions::new()
                .append(true)
                .open(&log_path)
                .map_err(|e| e.to_string())?;
            std::thread::spawn(move || std::io::copy(&mut pipe, &mut log));
        }
        let status = child.wait().map_err(|e| e.to_string())?;
        let logs = || tail(&std::fs::read_to_string(&log_path).unwrap_or_default());
        if !status.success() {
            return Err(format!("runc run failed: {}", logs()));
        }
        let state = || -> Value {
            let (_, out, _) = lab::run(runc().args(["state", &id]));
            serde_json::from_str(&out).unwrap_or(Value::Null)
        };
        lap("started");
        let pid = state()["pid"].as_u64().ok_or("no pid")? as u32;
        let running = || state()["status"] == "running";
        let app = lab::APPS.iter().find(|a| a.name == run.app).ok_or("app")?;
        let port = if run.variant == "kubernetes" {
            app.k8s_port
        } else {
            app.port
        };
        let served = lab::wait_serving(app.check, pid, port, START, running)
            .map_err(|e| format!("{e}\n{}", logs()))?;
        lap("served");
        // The server's confinement, read after it serves (entrypoints exec the server).
        let attr = std::fs::read_to_string(format!("/proc/{pid}/attr/current"))
            .map_err(|e| format!("attr/current: {e}"))?;
        let want = format!("{} (enforce)", run.profile);
        if attr.trim_end_matches(['\n', '\0']) != want {
            return Err(format!("the server runs as {attr:?}, not {want:?}"));
        }
        let mark = lab::kernel_mark(&format!("write {}", run.profile));
        let (ok, out, err) =
            lab::run(runc().args(["exec", &id, lab::PROBE_IN_CONTAINER, &run.write]));
        if !ok {
            return Err(format!("the probe did not run: {out}{err}"));
        }
        lap("probed");
        let probed = lab::parse_probe(&out);
        let wrong = lab::forbidden_failures(&probed, run.non_root, run.net_raw);
        if !wrong.is_empty() {
            return Err(format!("forbidden calls: {}", wrong.join(", ")));
        }
        let write = probed.get(&format!("write:{}", run.write)).copied();
        if write != Some(EACCES) {
            return Err(format!(
                "the write to {} gave {write:?}, not EACCES: {out}",
                run.write
            ));
        }
        // The kernel writes audit records asynchronously (kauditd).
        let mut new = Vec::new();
        for _ in 0..20 {
            new = lab::kernel_log_since(&mark)?;
            if new.iter().any(|l| {
                l.contains("apparmor=\"DENIED\"")
                    && l.contains(&format!("profile=\"{}\"", run.profile))
                    && l.contains(&format!("name=\"{}\"", run.write))
            }) {
                break;
            }
            new.clear();
            std::thread::sleep(Duration::from_millis(250));
        }
        if new.is_empty() {
            return Err(format!(
                "no apparmor=\"DENIED\" record for {}:\n{}",
                run.write,
                lab::kernel_log_since(&mark)?.join("\n")
            ));
        }
        lab::serve_check(app.check, pid, port)?;
        Ok(format!(
            "{served}; {want}; forbidden calls fail; write to {} DENIED",
            run.write
        ))
    })();
    // A broken run says what AppArmor refused it (the profile's DENIED records).
    let result = result.map_err(|e| {
        let denied: Vec<String> = lab::kernel_log()
            .lines()
            .filter(|l| {
                l.contains("apparmor=\"DENIED\"")
                    && l.contains(&format!("profile=\"{}\"", run.profile))
            })
            .map(str::to_owned)
            .collect();
        if denied.is_empty() {
            e
        } else {
            format!("{e}\nAppArmor denied:\n{}", denied.join("\n"))
        }
    });
    let _ = lab::run(runc().args(["kill", &id, "KILL"]));
    std::thread::sleep(Duration::from_millis(300));
    let _ = lab::run(runc().args(["delete", "-f", &id]));
    let _ = lab::run(Command::new("ip").args(["netns", "delete", &netns]));
    let _ = std::fs::remove_dir_all(&run.guest_dir);
    result
}

/// EACCES, the errno AppArmor refuses a file access with.
const EACCES: i32 = 13;

fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}
