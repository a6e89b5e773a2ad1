//! The independent NetworkPolicy verifier, nca (PyPI `network-config-analyzer`, installed
//! into `.tools/venv` by scripts/install-tools), behind helpers: run it, give it the pods of a
//! small cluster (the workloads, the namespaces with the label the API server sets, CoreDNS,
//! a decoy per namespace), and read its connectivity map back as edges.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use cinch::intent::{Model, WorkloadKind};

use super::reach::{Edge, Pod};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// `nca` on PATH or in `.tools/venv/bin` (scripts/install-tools); `None` → the caller skips.
pub fn nca(test: &str) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("nca"))
            .find(|p| p.is_file())
    });
    let found = on_path.or_else(|| {
        let p = Path::new(ROOT).join(".tools/venv/bin/nca");
        p.is_file().then_some(p)
    });
    if found.is_none() {
        let install = "scripts/install-tools (python3 -m venv .tools/venv && .tools/venv/bin/pip install network-config-analyzer)";
        assert!(
            std::env::var_os("CI").is_none(),
            "nca is not installed; install it with {install}"
        );
        eprintln!("SKIPPED: {test}: nca not found (install: {install})");
    }
    found
}

pub fn run_nca(nca: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new(nca)
        .args(args)
        .output()
        .expect("nca runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "nca {args:?} failed:\n{text}");
    text
}

/// The workload documents of YAML text (what nca should see as pods; Services and the
/// rest are left out so nca's own warnings about them do not mix with cinch's).
pub fn workload_docs(text: &str) -> String {
    use serde::Deserialize;
    let kinds = [
        "Pod",
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "ReplicationController",
        "Job",
        "CronJob",
    ];
    let mut out = String::new();
    for doc in serde_norway::Deserializer::from_str(text) {
        let v = serde_json::Value::deserialize(doc).expect("YAML");
        if kinds.iter().any(|k| v["kind"] == *k) {
            out.push_str("---\n");
            out.push_str(&serde_norway::to_string(&v).unwrap());
        }
    }
    out
}

pub fn yaml_doc(v: serde_json::Value) -> String {
    format!("---\n{}", serde_norway::to_string(&v).unwrap())
}

pub fn deployment(
    ns: &str,
    name: &str,
    labels: serde_json::Value,
    ports: serde_json::Value,
) -> String {
    yaml_doc(serde_json::json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"selector": {"matchLabels": labels}, "template": {
            "metadata": {"labels": labels},
            "spec": {"containers": [{"name": name, "image": "x", "ports": ports}]}}}
    }))
}

/// A small cluster around the workloads: the namespaces (with the label the API server
/// sets), CoreDNS in kube-system, and a decoy pod in every namespace that nothing may reach
/// (it also keeps nca from calling a selector "all pods of the namespace").
pub fn cluster(namespaces: &BTreeSet<String>) -> String {
    let mut out = String::new();
    let mut all = namespaces.clone();
    all.insert("kube-system".into());
    for ns in &all {
        out.push_str(&yaml_doc(serde_json::json!({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns}}
        })));
        out.push_str(&deployment(
            ns,
            "decoy",
            serde_json::json!({"cinch-test": "decoy"}),
            serde_json::json!([{"containerPort": 80}]),
        ));
    }
    out.push_str(&deployment(
        "kube-system",
        "coredns",
        serde_json::json!({"k8s-app": "kube-dns"}),
        serde_json::json!([
            {"containerPort": 53, "protocol": "UDP"},
            {"containerPort": 53, "protocol": "TCP"}
        ]),
    ));
    out
}

/// The pods kompose would make of Compose services: a Deployment per service in
/// `default`, labelled `io.kompose.service`, with the container ports the model declares.
pub fn compose_pods(model: &Model) -> String {
    model
        .workloads
        .iter()
        .filter(|w| w.kind == WorkloadKind::ComposeService)
        .map(|w| {
            let ports: Vec<serde_json::Value> = w
                .containers
                .iter()
                .flat_map(|c| c.listen_ports())
                .map(|(port, proto)| {
                    serde_json::json!({"containerPort": port, "protocol": proto.name().to_uppercase()})
                })
                .collect();
            deployment("default", &w.name, serde_json::json!(w.labels), serde_json::json!(ports))
        })
        .collect()
}

/// nca's connectivity lines as `SRC => DST : CONN` with the `[Kind]` suffixes dropped and
/// CONN as `all` or sorted `PROTO PORTS` entries joined by `; `.
pub fn nca_edges(text: &str) -> Vec<(String, String, String)> {
    let strip = |s: &str| s.trim().split('[').next().unwrap().to_owned();
    let mut out = Vec::new();
    for line in text.lines() {
        let Some((ends, conns)) = line.split_once(" : ") else {
            continue;
        };
        let Some((src, dst)) = ends.split_once(" => ") else {
            continue;
        };
        out.push((strip(src), strip(dst), conn_text(conns)));
    }
    out.sort();
    out
}

/// `{protocols:TCP, UDP,dst_ports:53}` → `TCP 53; UDP 53`.
pub fn conn_text(conns: &str) -> String {
    let conns = conns.trim();
    if conns == "All connections" {
        return "all".into();
    }
    let mut parts = Vec::new();
    for group in conns.split('}').filter(|g| g.contains("protocols:")) {
        let body = group.trim_start_matches([',', '{', ' ']);
        let body = body.trim_start_matches('{');
        let (protos, ports) = match body.split_once(",dst_ports:") {
            Some((p, ports)) => (p, ports.to_owned()),
            None => (body, "all".to_owned()),
        };
        for proto in protos.trim_start_matches("protocols:").split(',') {
            parts.push(format!("{} {ports}", proto.trim()));
        }
    }
    parts.sort();
    parts.join("; ")
}

/// nca's pod-to-pod edges, expanded over each destination's declared ports (the
/// evaluator's universe).
pub fn nca_workload_edges(
    nca: &Path,
    policies: &str,
    pods_yaml: &str,
    pods: &[Pod],
) -> BTreeSet<Edge> {
    let tmp = tempfile::tempdir().unwrap();
    let (pol, pod_dir) = (tmp.path().join("policies"), tmp.path().join("pods"));
    std::fs::create_dir_all(&pol).unwrap();
    std::fs::create_dir_all(&pod_dir).unwrap();
    std::fs::write(pol.join("policies.yaml"), policies).unwrap();
    let namespaces: BTreeSet<&str> = pods.iter().map(|p| p.namespace.as_str()).collect();
    let ns_docs: String = namespaces
        .iter()
        .map(|ns| {
            yaml_doc(serde_json::json!({"apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns}}}))
        })
        .collect();
    std::fs::write(pod_dir.join("pods.yaml"), format!("{pods_yaml}{ns_docs}")).unwrap();
    let (p, d) = (pol.to_str().unwrap(), pod_dir.to_str().unwrap());
    let out = run_nca(
        nca,
        &[
            "--connectivity",
            p,
            "--pod_list",
            d,
            "--ns_list",
            d,
            "-o",
            "txt_no_fw_rules",
        ],
    );
    let by_id: BTreeMap<&str, &Pod> = pods.iter().map(|p| (p.id.as_str(), p)).collect();
    let in_ranges = |ranges: &str, port: u16| {
        ranges == "all"
            || ranges.split(',').any(|r| match r.split_once('-') {
                Some((a, b)) => (a.parse::<u16>().unwrap()..=b.parse().unwrap()).contains(&port),
                None => r.parse::<u16>().unwrap() == port,
            })
    };
    let mut edges = BTreeSet::new();
    for (src, dst, conn) in nca_edges(&out) {
        let (Some(_), Some(d)) = (by_id.get(src.as_str()), by_id.get(dst.as_str())) else {
            continue;
        };
        for (proto, port, _) in &d.ports {
            let ok = conn == "all"
                || conn.split("; ").any(|c| {
                    let (pr, ranges) = c.split_once(' ').unwrap();
                    pr == proto && in_ranges(ranges, *port)
                });
            if ok {
                edges.insert((src.clone(), dst.clone(), format!("{proto} {port}")));
            }
        }
    }
    edges
}

/// Every workload of a model as the pods nca sees: a Deployment per workload, in its
/// namespace (Compose services in `default`, where kompose's output would be applied), with
/// the labels its policies select it by and every port it declares (with its name).
pub fn model_pods(model: &Model, compose_label: &str) -> String {
    pods_of(model, compose_label, |_| true)
}

/// [`model_pods`] of the workloads an operator makes from a custom resource only (no
/// manifest holds them as pods).
pub fn managed_pods(model: &Model) -> String {
    pods_of(model, "", |w| w.managed_by.is_some())
}

fn pods_of(
    model: &Model,
    compose_label: &str,
    keep: impl Fn(&cinch::intent::Workload) -> bool,
) -> String {
    model
        .workloads
        .iter()
        .filter(|w| w.kind != WorkloadKind::Dockerfile && keep(w))
        .map(|w| {
            let (ns, labels) = if w.kind == WorkloadKind::ComposeService {
                let l: BTreeMap<String, String> =
                    [(compose_label.to_owned(), w.name.clone())].into();
                ("default", l)
            } else {
                (w.namespace.as_str(), w.labels.clone())
            };
            let ports: BTreeSet<(u16, String, Option<String>)> = w
                .containers
                .iter()
                .flat_map(|c| &c.listens)
                .map(|l| (l.port, l.protocol.name().to_uppercase(), l.name.clone()))
                .collect();
            let ports: Vec<serde_json::Value> = ports
                .into_iter()
                .map(|(port, proto, name)| match name {
                    Some(n) => {
                        serde_json::json!({"containerPort": port, "protocol": proto, "name": n})
                    }
                    None => serde_json::json!({"containerPort": port, "protocol": proto}),
                })
                .collect();
            deployment(
                ns,
                &w.name,
                serde_json::json!(labels),
                serde_json::json!(ports),
            )
        })
        .collect()
}
