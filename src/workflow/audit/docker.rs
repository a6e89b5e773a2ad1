//! `--docker`: live pids → the engine's containers → workloads (issue 19, point 2a).
//!
//! A pid's container is the 64-hex id in its cgroup path (`/proc/<pid>/cgroup`:
//! `…/docker/<id>` with cgroupfs, `…/docker-<id>.scope` with the systemd driver). The
//! engine then gives the container's labels; Compose sets `com.docker.compose.project` and
//! `com.docker.compose.service` (compose-go `api/labels.go`), which name the workload
//! `<project>/<service>`. The engine is asked through the `docker` client (its API over the
//! socket), so DOCKER_HOST and contexts work as for the user.

use std::collections::BTreeMap;
use std::process::Command;

use super::attribute::Key;

/// The container id in a `/proc/<pid>/cgroup` text.
pub fn container_id(cgroup: &str) -> Option<String> {
    for line in cgroup.lines() {
        let path = line.splitn(3, ':').nth(2).unwrap_or("");
        for part in path.split('/').rev() {
            let id = part
                .strip_prefix("docker-")
                .and_then(|p| p.strip_suffix(".scope"))
                .unwrap_or(part);
            if id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Some(id.to_owned());
            }
        }
    }
    None
}

/// The workload key of an engine container from its labels: Compose labels, else none.
pub fn key_from_labels(labels: &BTreeMap<String, String>) -> Option<Key> {
    let project = labels.get("com.docker.compose.project")?;
    let service = labels.get("com.docker.compose.service")?;
    Some((format!("{project}/{service}"), service.clone()))
}

/// pid → (container key, engine container name) for the pids that are still alive and run
/// in a Compose container. Errors: the engine cannot be asked.
pub fn pids(pids: impl IntoIterator<Item = u32>) -> Result<BTreeMap<u32, (Key, String)>, String> {
    let mut by_id: BTreeMap<String, Option<(Key, String)>> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for pid in pids {
        let Ok(cgroup) = std::fs::read_to_string(format!("/proc/{pid}/cgroup")) else {
            continue; // exited: the record stays for the other ways of matching
        };
        let Some(id) = container_id(&cgroup) else {
            continue;
        };
        if !by_id.contains_key(&id) {
            let found = inspect(&id)?;
            by_id.insert(id.clone(), found);
        }
        if let Some(Some(found)) = by_id.get(&id) {
            out.insert(pid, found.clone());
        }
    }
    Ok(out)
}

fn inspect(id: &str) -> Result<Option<(Key, String)>, String> {
    let o = Command::new("docker")
        .args([
            "inspect",
            "--format",
            "{{.Name}} {{json .Config.Labels}}",
            id,
        ])
        .output()
        .map_err(|e| format!("--docker: cannot run `docker inspect`: {e}"))?;
    if !o.status.success() {
        return Err(format!(
            "--docker: `docker inspect {id}` failed: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        ));
    }
    let text = String::from_utf8_lossy(&o.stdout);
    let (name, labels) = text.trim().split_once(' ').unwrap_or((text.trim(), "null"));
    let labels: BTreeMap<String, String> = serde_json::from_str(labels).unwrap_or_default();
    Ok(key_from_labels(&labels).map(|k| (k, name.trim_start_matches('/').to_owned())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cgroup_paths() {
        let id = "a".repeat(64);
        assert_eq!(
            container_id(&format!("12:pids:/docker/{id}\n")),
            Some(id.clone())
        );
        assert_eq!(
            container_id(&format!("0::/system.slice/docker-{id}.scope\n")),
            Some(id)
        );
        assert_eq!(container_id("0::/user.slice/session-1.scope\n"), None);
    }
}
