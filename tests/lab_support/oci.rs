//! OCI runtime specs for the lab's containers, built from the wired manifests as the
//! runtimes build them: [`pod_spec`] as containerd's CRI plugin does for a Pod container,
//! [`compose_spec`] as the Docker engine does for a Compose service. Both start from
//! containerd's default spec (`ctr oci spec`: the same default capabilities, masked and
//! read-only paths and mounts as Docker's), so the runtime lab (containerd) and the AppArmor
//! VM lab (plain runc) run the same containers.
//!
//! Hand-written on serde_json values: the lab needs a handful of fields, and the runtimes'
//! own builders are Go.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use super::{ImageConfig, must};

/// What the caller adds to the runtime's spec: the seccomp profile the wired manifest names,
/// the AppArmor profile (only on a node with AppArmor: the CRI plugin and Docker set
/// `apparmorProfile` only there), and the lab's own bind mounts (host /usr, the probe).
pub struct Extras<'a> {
    pub seccomp: Value,
    pub apparmor: Option<&'a str>,
    pub mounts: Vec<Value>,
}

/// The mounts, the seccomp profile and the AppArmor profile, as both runtimes add them last.
fn finish(
    mut spec: Value,
    mounts: Vec<Value>,
    seccomp: Value,
    apparmor: Option<&str>,
) -> Result<Value, String> {
    spec["mounts"]
        .as_array_mut()
        .ok_or("spec mounts")?
        .extend(mounts);
    spec["linux"]["seccomp"] = seccomp;
    if let Some(profile) = apparmor {
        spec["process"]["apparmorProfile"] = json!(profile);
    }
    Ok(spec)
}

fn strings(v: &Value) -> Option<Vec<String>> {
    v.as_array().map(|a| {
        a.iter()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect()
    })
}

fn bind(destination: &Value, source: &Path, ro: bool) -> Value {
    json!({
        "destination": destination,
        "type": "bind",
        "source": source,
        "options": ["rbind", if ro { "ro" } else { "rw" }],
    })
}

/// An OCI spec for one Pod container, as containerd's CRI plugin builds it (containerd's
/// default spec, then the container's image config and the Pod's fields; see
/// pkg/cri/server/container_create_linux.go): argv from `command`/`args` over the image's
/// ENTRYPOINT/CMD, environment, working directory, `runAsUser`/`runAsGroup`/`fsGroup`,
/// `allowPrivilegeEscalation: false` as no_new_privs, `readOnlyRootFilesystem`, emptyDir and
/// ConfigMap volumes as bind mounts under `work`, the Localhost seccomp and AppArmor profiles.
/// The network namespace is the caller's (the pod's).
#[allow(clippy::too_many_arguments)]
pub fn pod_spec(
    default: &Value,
    pod: &Value,
    c: &Value,
    config_maps: &[&Value],
    image: &ImageConfig,
    rootfs: &Path,
    work: &Path,
    extras: Extras,
) -> Result<Value, String> {
    let mut spec = default.clone();
    // Kubernetes: `command` replaces ENTRYPOINT (and drops CMD), `args` replaces CMD.
    let (entry, cmd) = match (strings(&c["command"]), strings(&c["args"])) {
        (Some(command), args) => (command, args.unwrap_or_default()),
        (None, Some(args)) => (image.entrypoint.clone(), args),
        (None, None) => (image.entrypoint.clone(), image.cmd.clone()),
    };
    let argv: Vec<String> = entry.into_iter().chain(cmd).collect();
    let mut env = image.env.clone();
    for e in c["env"].as_array().into_iter().flatten() {
        env.push(format!(
            "{}={}",
            e["name"].as_str().unwrap_or(""),
            e["value"].as_str().unwrap_or("")
        ));
    }
    let psc = &pod["spec"]["securityContext"];
    let csc = &c["securityContext"];
    let field = |k: &str| {
        if csc[k].is_null() {
            psc[k].clone()
        } else {
            csc[k].clone()
        }
    };
    let uid = field("runAsUser").as_u64().unwrap_or(0);
    let gid = field("runAsGroup").as_u64().unwrap_or(0);
    let mut user = json!({"uid": uid, "gid": gid});
    if let Some(fs_group) = psc["fsGroup"].as_u64() {
        user["additionalGids"] = json!([fs_group]);
    }
    let process = &mut spec["process"];
    process["args"] = json!(argv);
    process["env"] = json!(env);
    process["cwd"] = json!(if image.workdir.is_empty() {
        "/"
    } else {
        &image.workdir
    });
    process["user"] = user;
    process["terminal"] = json!(false);
    process["noNewPrivileges"] = json!(csc["allowPrivilegeEscalation"] == json!(false));
    spec["root"] = json!({
        "path": rootfs,
        "readonly": csc["readOnlyRootFilesystem"] == json!(true),
    });
    let name = pod["metadata"]["name"].as_str().unwrap_or("pod");
    spec["hostname"] = json!(name);
    // The kubelet bind-mounts its own /etc/hosts into every pod that is not hostNetwork
    // (pkg/kubelet/kubelet_pods.go `managedHostsFileContent`); an exported image has an empty one.
    let hosts = work.join("etc-hosts");
    std::fs::write(
        &hosts,
        format!(
            "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n{POD_IP}\t{name}\n"
        ),
    )
    .map_err(|e| e.to_string())?;
    let mut mounts = vec![bind(&json!("/etc/hosts"), &hosts, false)];
    mounts.extend(extras.mounts);
    let volumes = pod["spec"]["volumes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for vm in c["volumeMounts"].as_array().into_iter().flatten() {
        let name = vm["name"].as_str().unwrap_or("");
        let vol = volumes
            .iter()
            .find(|v| v["name"] == name)
            .ok_or_else(|| format!("volume {name}"))?;
        let source = work.join("volumes").join(name);
        std::fs::create_dir_all(&source).map_err(|e| e.to_string())?;
        if !vol["emptyDir"].is_null() {
            // The kubelet makes emptyDirs 0777, group-owned by fsGroup with setgid.
            let mode = if let Some(g) = psc["fsGroup"].as_u64() {
                must(Command::new("chown").arg(format!(":{g}")).arg(&source));
                "2777"
            } else {
                "0777"
            };
            must(Command::new("chmod").arg(mode).arg(&source));
        } else if let Some(cm) = vol["configMap"]["name"].as_str() {
            let map = config_maps
                .iter()
                .find(|m| m["metadata"]["name"] == cm)
                .ok_or_else(|| format!("ConfigMap {cm}"))?;
            for (k, v) in map["data"].as_object().into_iter().flatten() {
                std::fs::write(source.join(k), v.as_str().unwrap_or(""))
                    .map_err(|e| e.to_string())?;
            }
        } else {
            return Err(format!(
                "volume {name}: the lab knows emptyDir and configMap"
            ));
        }
        mounts.push(bind(
            &vm["mountPath"],
            &source,
            vm["readOnly"] == json!(true),
        ));
    }
    finish(spec, mounts, extras.seccomp, extras.apparmor)
}

/// The address the lab's CNI stand-in gives every pod (its own network namespace each).
pub const POD_IP: &str = "10.88.0.2";

/// The AppArmor profile a wired Pod container names: `securityContext.appArmorProfile`
/// (Kubernetes 1.30+) or the beta annotation, `Localhost` / `localhost/<name>` only.
pub fn pod_apparmor(pod: &Value, c: &Value) -> Option<String> {
    let field = &c["securityContext"]["appArmorProfile"];
    if field["type"] == "Localhost" {
        return field["localhostProfile"].as_str().map(str::to_owned);
    }
    let key = format!(
        "container.apparmor.security.beta.kubernetes.io/{}",
        c["name"].as_str().unwrap_or("")
    );
    pod["metadata"]["annotations"][key.as_str()]
        .as_str()
        .and_then(|v| v.strip_prefix("localhost/"))
        .map(str::to_owned)
}

/// Docker's default capabilities (moby oci/caps/defaults.go; containerd's default spec has
/// the same list), for `cap_drop`/`cap_add` to edit.
fn default_caps(spec: &Value) -> Vec<String> {
    strings(&spec["process"]["capabilities"]["bounding"]).unwrap_or_default()
}

/// An OCI spec for one Compose service, as the Docker engine builds it from the container
/// config docker-compose 1.29 sends (moby daemon/oci_linux.go): argv from `entrypoint`/
/// `command` over the image's, environment, `working_dir`, `user` (numeric `uid:gid`, as the
/// lab's services declare it), `cap_drop`/`cap_add` over the default set (bounding, effective and
/// permitted, as Docker 20.10.14+ sets them: inheritable and ambient stay empty), `no-new-privileges`, `read_only`, `tmpfs`
/// (Docker's `rw,nosuid,nodev,noexec` plus the entry's options), Docker's unprivileged-port
/// and ping sysctls, named volumes (Docker fills
/// an empty named volume from the image's directory, owner and mode included: `seed` copies
/// it from the rootfs), an anonymous volume per image VOLUME the service does not mount, and
/// the hostname/hosts/resolv.conf files the engine bind-mounts.
pub fn compose_spec(
    default: &Value,
    service: &Value,
    image: &ImageConfig,
    rootfs: &Path,
    work: &Path,
    extras: Extras,
) -> Result<Value, String> {
    let mut spec = default.clone();
    // Compose: `entrypoint` replaces ENTRYPOINT and drops CMD; `command` replaces CMD.
    let entry = strings(&service["entrypoint"]);
    let cmd = strings(&service["command"]);
    if service["command"].is_string() || service["entrypoint"].is_string() {
        return Err("the lab's services use exec-form command/entrypoint".into());
    }
    let argv: Vec<String> = match (entry, cmd) {
        (Some(e), c) => e.into_iter().chain(c.unwrap_or_default()).collect(),
        (None, Some(c)) => image.entrypoint.iter().cloned().chain(c).collect(),
        (None, None) => image
            .entrypoint
            .iter()
            .chain(image.cmd.iter())
            .cloned()
            .collect(),
    };
    let mut env = image.env.clone();
    match &service["environment"] {
        Value::Object(m) => {
            for (k, v) in m {
                let v = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                env.push(format!("{k}={v}"));
            }
        }
        Value::Array(a) => env.extend(a.iter().filter_map(|s| s.as_str().map(str::to_owned))),
        _ => {}
    }
    let user = service["user"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| image.user.clone());
    let (uid, gid) = match user.split_once(':') {
        Some((u, g)) => (u.to_owned(), g.to_owned()),
        None if user.is_empty() => ("0".into(), "0".into()),
        None => (user.clone(), "0".into()),
    };
    let uid: u64 = uid
        .parse()
        .map_err(|_| format!("user {user}: not numeric"))?;
    let gid: u64 = gid
        .parse()
        .map_err(|_| format!("user {user}: not numeric"))?;
    let mut caps = default_caps(&spec);
    let listed = |k: &str| -> Vec<String> {
        strings(&service[k])
            .unwrap_or_default()
            .into_iter()
            .map(|c| {
                let c = c.to_ascii_uppercase();
                if c.starts_with("CAP_") || c == "ALL" {
                    c
                } else {
                    format!("CAP_{c}")
                }
            })
            .collect()
    };
    let (drop, add) = (listed("cap_drop"), listed("cap_add"));
    if drop.iter().any(|c| c == "ALL") {
        caps.clear();
    } else {
        caps.retain(|c| !drop.contains(c));
    }
    caps.extend(add.into_iter().filter(|c| c != "ALL"));
    let security_opt = strings(&service["security_opt"]).unwrap_or_default();
    let no_new_privs = security_opt
        .iter()
        .any(|o| o == "no-new-privileges" || o == "no-new-privileges:true");
    let process = &mut spec["process"];
    process["args"] = json!(argv);
    process["env"] = json!(env);
    process["cwd"] = json!(service["working_dir"].as_str().unwrap_or(
        if image.workdir.is_empty() {
            "/"
        } else {
            &image.workdir
        }
    ));
    process["user"] = json!({"uid": uid, "gid": gid});
    process["terminal"] = json!(false);
    process["noNewPrivileges"] = json!(no_new_privs);
    process["capabilities"] = json!({"bounding": caps, "effective": caps, "permitted": caps});
    spec["root"] = json!({"path": rootfs, "readonly": service["read_only"] == json!(true)});
    // Docker 20.10 sets these in every container with its own network namespace (moby
    // daemon/oci_linux.go WithSysctls): non-root servers bind ports below 1024 (the hardened
    // nginx binds 80 with no capability) and ping without NET_RAW.
    spec["linux"]["sysctl"] = json!({
        "net.ipv4.ip_unprivileged_port_start": "0",
        "net.ipv4.ping_group_range": "0 2147483647",
    });
    let hostname = "lab";
    spec["hostname"] = json!(hostname);
    let etc = work.join("etc");
    std::fs::create_dir_all(&etc).map_err(|e| e.to_string())?;
    let files = [
        ("hostname", format!("{hostname}\n")),
        (
            "hosts",
            format!(
                "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n172.17.0.2\t{hostname}\n"
            ),
        ),
        ("resolv.conf", "nameserver 127.0.0.11\n".to_owned()),
    ];
    let mut mounts = Vec::new();
    for (name, text) in files {
        std::fs::write(etc.join(name), text).map_err(|e| e.to_string())?;
        mounts.push(bind(&json!(format!("/etc/{name}")), &etc.join(name), false));
    }
    mounts.extend(extras.mounts);
    for t in strings(&service["tmpfs"]).unwrap_or_default() {
        let (dest, opts) = t.split_once(':').unwrap_or((&t, ""));
        let mut options = vec!["rw", "nosuid", "nodev", "noexec"];
        options.extend(opts.split(',').filter(|o| !o.is_empty()));
        mounts.push(
            json!({"destination": dest, "type": "tmpfs", "source": "tmpfs", "options": options}),
        );
    }
    for v in strings(&service["volumes"]).unwrap_or_default() {
        let mut parts = v.split(':');
        let (name, dest) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let ro = parts.next() == Some("ro");
        if name.starts_with('/') || name.starts_with('.') || dest.is_empty() {
            return Err(format!("volume {v}: the lab knows named volumes"));
        }
        let source = work.join("volumes").join(name);
        seed(&rootfs.join(dest.trim_start_matches('/')), &source)?;
        mounts.push(bind(&json!(dest), &source, ro));
    }
    // The image's VOLUMEs no mount of the service covers get an anonymous volume each, filled
    // from the image like a named one and mounted read-write (moby daemon/create_unix.go
    // `createContainerOSSpecificSettings`): writable under `read_only` too, and unseen by
    // anything that reads only the manifest.
    for (i, dest) in image.volumes.iter().enumerate() {
        let covered = mounts
            .iter()
            .any(|m| m["destination"].as_str() == Some(dest.as_str()));
        if !covered {
            let source = work.join("volumes").join(format!("anonymous-{i}"));
            seed(&rootfs.join(dest.trim_start_matches('/')), &source)?;
            mounts.push(bind(&json!(dest), &source, false));
        }
    }
    finish(spec, mounts, extras.seccomp, extras.apparmor)
}

/// A new named volume: the image's directory at its mount point (owner, mode and content),
/// or an empty root-owned directory when the image has none (as Docker does).
fn seed(image_dir: &Path, volume: &Path) -> Result<(), String> {
    let _ = std::fs::remove_dir_all(volume);
    if let Some(parent) = volume.parent() {
        std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    }
    if image_dir.is_dir() {
        must(Command::new("cp").arg("-a").arg(image_dir).arg(volume));
    } else {
        std::fs::create_dir_all(volume).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The `seccomp=` and `apparmor=` entries of a wired Compose service.
pub fn compose_profiles(service: &Value) -> (Option<String>, Option<String>) {
    let opts = strings(&service["security_opt"]).unwrap_or_default();
    let find = |k: &str| {
        opts.iter()
            .find_map(|o| o.strip_prefix(k).map(str::to_owned))
    };
    (find("seccomp="), find("apparmor="))
}
