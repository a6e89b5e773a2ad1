//! Wiring over a tree that holds seccomp profiles too (stand-ins in the Docker format the
//! seccomp backend writes, DESIGN.md §3), so seccomp wiring and SPO `SeccompProfile`s are
//! covered whatever backends exist.

use serde_json::json;

use crate::diag::Diagnostics;
use crate::frontend;
use crate::input::{SourceFile, SourceKind};
use crate::intent::Model;
use crate::output::{Naming, OutputTree};

fn model(display: &str, kind: SourceKind, text: &str) -> Model {
    let src = SourceFile::from_text(display, kind, text);
    let opts = frontend::Options {
        project_name: Some("app".into()),
        keep_documents: true,
        ..frontend::Options::default()
    };
    let mut diags = Diagnostics::new();
    let fragment = frontend::lower(&src, &[], &opts, &mut diags);
    let model = crate::resolve::resolve(vec![fragment], &mut diags);
    assert!(!diags.has_errors(), "{diags:?}");
    model
}

/// A tree with a stand-in seccomp and AppArmor profile for every container; `odd` gets a
/// seccomp profile SPO cannot hold (ENOSYS as the default errno).
fn tree_for(model: &Model, naming: &Naming) -> OutputTree {
    let mut tree = OutputTree::new();
    for w in &model.workloads {
        for c in &w.containers {
            let stem = naming.container(&w.id, &c.name);
            let errno = if c.name == "odd" { 38 } else { 1 };
            let profile = json!({
                "defaultAction": "SCMP_ACT_ERRNO",
                "defaultErrnoRet": errno,
                "architectures": ["SCMP_ARCH_X86_64"],
                "syscalls": [
                    {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW", "comment": "runtime minimum"},
                    {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38, "comment": "glibc falls back to clone"}
                ]
            });
            tree.insert(
                "seccomp",
                &format!("{stem}.json"),
                profile.to_string().into_bytes(),
            );
            tree.insert(
                "apparmor",
                stem,
                format!("profile cinch.{stem} {{\n}}\n").into_bytes(),
            );
        }
    }
    tree
}

fn wire(model: &Model, spo: bool) -> (String, Diagnostics) {
    let naming = Naming::new(model);
    let mut tree = tree_for(model, &naming);
    let mut diags = Diagnostics::new();
    super::emit(
        model,
        spo,
        Some(std::path::Path::new("profiles")),
        &naming,
        &mut tree,
        &mut diags,
    );
    let mut text = String::new();
    for (path, bytes) in &tree.files {
        if path.starts_with("wired/") || path.starts_with("spo/") {
            text.push_str(&format!("=== {path}\n{}\n", String::from_utf8_lossy(bytes)));
        }
    }
    (text, diags)
}

const KUBERNETES: &str = r#"apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: shop}
  spec:
    selector: {matchLabels: {app: web}}
    template:
      metadata:
        labels: {app: web}
        annotations:
          container.apparmor.security.beta.kubernetes.io/nginx: runtime/default
      spec:
        securityContext: {seccompProfile: {type: RuntimeDefault}}
        containers:
        - name: nginx
          image: nginx:1.27
          env:
          - {name: FEATURE, value: "on"}
          - {name: MODE, value: "0644"}
          securityContext: {seccompProfile: {type: Unconfined}}
        - name: tool
          image: busybox:1.36
          securityContext: {privileged: true}
        - name: odd
          image: busybox:1.36
---
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80}]
"#;

#[test]
fn kubernetes_with_spo_names_operator_profiles() {
    let m = model("k8s/web.yaml", SourceKind::Yaml, KUBERNETES);
    let (text, diags) = wire(&m, true);
    crate::assert_snap!("wiring@unit-kubernetes-spo", text);
    let notes: Vec<String> = diags.sorted().iter().map(ToString::to_string).collect();
    assert_eq!(
        notes.last().map(String::as_str),
        Some(
            "k8s/web.yaml:25: note[privileged]: shop/web container `tool` is not wired: it is privileged and runs unconfined"
        )
    );
    // Every AppArmor profile holds rules the operator's abstract form cannot say.
    for (note, container) in notes.iter().zip(["nginx", "odd"]) {
        assert!(
            note.starts_with(&format!(
                "k8s/web.yaml:6: warning[spo]: shop/web container {container}: no Security Profiles Operator AppArmorProfile"
            )),
            "{note}"
        );
    }
}

#[test]
fn kubernetes_without_spo_names_files_on_the_node() {
    let m = model("k8s/web.yaml", SourceKind::Yaml, KUBERNETES);
    let (text, _) = wire(&m, false);
    assert!(
        text.contains("localhostProfile: cinch/shop.web.nginx.json"),
        "{text}"
    );
    assert!(
        text.contains("localhostProfile: cinch.shop.web.nginx"),
        "{text}"
    );
    assert!(!text.contains("=== spo/"), "{text}");
    assert!(!text.contains("operator/"), "{text}");
}

#[test]
fn compose_seccomp_paths_lead_back_to_the_tree() {
    let text = "services:\n  web:\n    image: nginx:1.27\n    security_opt: [\"seccomp:unconfined\", no-new-privileges]\n  worker:\n";
    let m = model("app/compose.yaml", SourceKind::Compose, text);
    let (out, _) = wire(&m, true);
    crate::assert_snap!("wiring@unit-compose", out);
    assert!(!out.contains("=== spo/"), "SPO is for Kubernetes only");
}
