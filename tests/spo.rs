//! `--spo` objects as the Kubernetes API server sees them: every document cinch writes is
//! validated against the Security Profiles Operator's own CRDs (vendored in
//! testdata/crds/security-profiles-operator/, see SOURCE.md) — the storage version's
//! structural schema, with unknown fields rejected as strict field validation (`kubectl
//! apply`'s default) does. AppArmor objects carry only `spec.abstract`/`mode`; where that
//! form cannot express a rule, there is no object and a warning names the rules.

mod common;

use std::path::Path;

use cinch::backend::apparmor::escape::{PathPattern, ProfileName};
use cinch::backend::apparmor::model::{
    Access, Family, Origin, Peer, Perms, Profile, Reason, Rule, RuleGroup, SignalPerms, SockType,
    Topic,
};
use cinch::backend::wiring::spo::{AppArmorSpec, Metadata, Object};
use cinch::backend::wiring::spo_apparmor::abstract_of;
use cinch::intent::Capability;
use serde_json::{Value, json};

/// One CRD: what the API server checks an object of its kind against.
struct Crd {
    kind: String,
    group: String,
    storage: String,
    cluster_scoped: bool,
    validator: jsonschema::Validator,
}

/// The CRD in `file`, its storage version's schema made strict: every object schema with
/// `properties` rejects other keys (a structural schema prunes or, under strict field
/// validation, rejects them), and `metadata` is ObjectMeta's common fields.
fn crd(file: &str) -> Crd {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/crds/security-profiles-operator")
        .join(file);
    let doc: Value = serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let spec = &doc["spec"];
    let version = spec["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["storage"] == true)
        .expect("a storage version");
    let mut schema = version["schema"]["openAPIV3Schema"].clone();
    strict(&mut schema);
    schema["properties"]["metadata"] = json!({
        "type": "object",
        "required": ["name"],
        "additionalProperties": false,
        "properties": {
            "name": {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", "maxLength": 253},
            "namespace": {"type": "string"},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "annotations": {"type": "object", "additionalProperties": {"type": "string"}}
        }
    });
    schema["required"] = json!(["apiVersion", "kind", "metadata", "spec"]);
    Crd {
        kind: spec["names"]["kind"].as_str().unwrap().to_owned(),
        group: spec["group"].as_str().unwrap().to_owned(),
        storage: version["name"].as_str().unwrap().to_owned(),
        cluster_scoped: spec["scope"] == "Cluster",
        validator: jsonschema::validator_for(&schema).expect("the CRD schema compiles"),
    }
}

fn strict(schema: &mut Value) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    if obj.contains_key("properties")
        && obj.get("x-kubernetes-preserve-unknown-fields") != Some(&Value::Bool(true))
    {
        obj.insert("additionalProperties".into(), Value::Bool(false));
    }
    for (_, v) in obj.iter_mut() {
        match v {
            Value::Object(_) => strict(v),
            Value::Array(items) => items.iter_mut().for_each(strict),
            _ => {}
        }
    }
}

fn crds() -> Vec<Crd> {
    vec![crd("seccompprofile.yaml"), crd("apparmorprofile.yaml")]
}

/// Every reason the API server would refuse `doc` (empty when it accepts it).
fn refusals(crds: &[Crd], doc: &Value) -> Vec<String> {
    let Some(crd) = crds.iter().find(|c| doc["kind"] == c.kind.as_str()) else {
        return vec![format!("no CRD for kind {}", doc["kind"])];
    };
    let mut out = Vec::new();
    let want = format!("{}/{}", crd.group, crd.storage);
    if doc["apiVersion"] != want.as_str() {
        out.push(format!(
            "apiVersion {} is not the storage version {want}",
            doc["apiVersion"]
        ));
    }
    if crd.cluster_scoped && !doc["metadata"]["namespace"].is_null() {
        out.push(format!(
            "{} is cluster-scoped: no metadata.namespace",
            crd.kind
        ));
    }
    out.extend(
        crd.validator
            .iter_errors(doc)
            .map(|e| format!("{}: {e}", e.instance_path())),
    );
    out
}

fn documents(text: &str) -> Vec<Value> {
    text.split("\n---\n")
        .skip(1)
        .map(|d| serde_norway::from_str(d).unwrap())
        .collect()
}

#[test]
fn every_spo_object_is_accepted_by_the_operators_crds() {
    let crds = crds();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p");
    let run = common::cinch_bin(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &[
            "generate",
            "testdata/kubernetes/workloads",
            "testdata/kubernetes/security",
            "--spo",
            "-o",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let files = common::files_under(&out.join("spo"));
    assert!(files.len() >= 5, "{files:?}");
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for doc in documents(&text) {
            let why = refusals(&crds, &doc);
            assert!(why.is_empty(), "{}: {why:#?}\n{doc:#}", f.display());
            *kinds
                .entry(doc["kind"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
        let stem = f.file_stem().unwrap().to_str().unwrap();
        let wired = std::fs::read_to_string(out.join(format!("seccomp/{stem}.json")));
        if wired.is_ok() {
            assert!(text.contains("kind: SeccompProfile"), "{}", f.display());
        }
        // Where there is no AppArmorProfile, the file and stderr say which rules are why.
        if !text.contains("kind: AppArmorProfile") && out.join("apparmor").join(stem).is_file() {
            assert!(
                text.contains("# No AppArmorProfile: the operator's abstract form cannot express")
            );
            assert!(
                run.stderr.contains("warning[spo]")
                    && run.stderr.contains(&format!("apparmor/{stem} (first: `")),
                "{}",
                run.stderr
            );
        }
    }
    assert!(
        kinds.get("SeccompProfile").copied().unwrap_or(0) >= 5,
        "{kinds:?}"
    );
    // The wired manifests name the operator's path of a cluster-scoped profile.
    let wired: String = common::files_under(&out.join("wired"))
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    assert!(
        wired.contains("localhostProfile: operator/cinch."),
        "{wired}"
    );
}

#[test]
fn the_schema_rejects_what_the_api_server_rejects() {
    let crds = crds();
    let seccomp = json!({
        "apiVersion": "security-profiles-operator.x-k8s.io/v1",
        "kind": "SeccompProfile",
        "metadata": {"name": "cinch.default.web.web"},
        "spec": {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}
    });
    assert_eq!(refusals(&crds, &seccomp), Vec::<String>::new());
    // What cinch wrote before: a raw policy, v1alpha1/v1beta1, a namespace, a comment.
    let mut policy = json!({
        "apiVersion": "security-profiles-operator.x-k8s.io/v1",
        "kind": "AppArmorProfile",
        "metadata": {"name": "cinch.default.web.web"},
        "spec": {"policy": "profile x {}"}
    });
    assert!(!refusals(&crds, &policy).is_empty());
    policy["spec"] = json!({"abstract": {}, "mode": "Enforce"});
    assert_eq!(refusals(&crds, &policy), Vec::<String>::new());
    for broken in [
        json!({"apiVersion": "security-profiles-operator.x-k8s.io/v1beta1"}),
        json!({"metadata": {"name": "cinch.x", "namespace": "default"}}),
        json!({"spec": {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1}}),
        json!({"spec": {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "comment": "why"}]}}),
    ] {
        let mut doc = seccomp.clone();
        for (k, v) in broken.as_object().unwrap() {
            doc[k] = v.clone();
        }
        assert!(!refusals(&crds, &doc).is_empty(), "accepted: {doc}");
    }
}

fn group(topic: Topic, rules: Vec<Rule>) -> RuleGroup {
    RuleGroup::new(topic, vec![Reason::baseline("test", "test")], rules)
}

fn file(access: Access, path: &'static str, perms: Perms) -> Rule {
    Rule::File {
        access,
        path: PathPattern::glob(path),
        perms,
    }
}

/// A profile the abstract form can say exactly: it maps rule for rule, and the object
/// passes the CRD; add one rule it cannot say and there is no object, with that rule named.
#[test]
fn an_expressible_profile_maps_to_the_abstract_form() {
    let name = ProfileName::new("default.web.web").unwrap();
    let mut profile = Profile {
        name: name.clone(),
        origin: Origin {
            manifest: "k8s.yaml".into(),
            workload: "default/web".into(),
            container: "web".into(),
        },
        complain: None,
        declared: None,
        groups: vec![
            group(
                Topic::Capabilities,
                vec![Rule::Capability(Capability::NetBindService)],
            ),
            group(
                Topic::Network,
                vec![
                    Rule::Network {
                        access: Access::Allow,
                        family: Some(Family::Inet),
                        kind: Some(SockType::Stream),
                    },
                    Rule::Network {
                        access: Access::Allow,
                        family: Some(Family::Inet6),
                        kind: Some(SockType::Stream),
                    },
                    Rule::Network {
                        access: Access::Deny,
                        family: None,
                        kind: Some(SockType::Raw),
                    },
                    Rule::Network {
                        access: Access::Deny,
                        family: Some(Family::Packet),
                        kind: None,
                    },
                ],
            ),
            group(
                Topic::Files,
                vec![
                    file(Access::Allow, "/", Perms::R),
                    file(Access::Allow, "/**", Perms::RM),
                    file(Access::Allow, "/run/**", Perms::RWLK),
                    file(Access::Deny, "/sys/**", Perms::WLKX),
                    file(Access::Deny, "@{PROC}/sysrq-trigger", Perms::ALL),
                ],
            ),
            group(
                Topic::Exec,
                vec![Rule::Exec {
                    path: PathPattern::glob("/usr/sbin/nginx"),
                }],
            ),
            group(
                Topic::Signals,
                vec![
                    Rule::Signal {
                        perms: SignalPerms::SendReceive,
                        peer: Peer::Profile(name.clone()),
                    },
                    Rule::Signal {
                        perms: SignalPerms::Receive,
                        peer: Peer::Label("unconfined"),
                    },
                ],
            ),
            group(
                Topic::Mounts,
                vec![Rule::Mount(Access::Deny), Rule::Umount(Access::Deny)],
            ),
        ],
    };
    let abstract_ = abstract_of(&profile).unwrap_or_else(|lost| panic!("{lost:#?}"));
    let spec = serde_json::to_value(&abstract_).unwrap();
    assert_eq!(
        spec,
        json!({
            "executable": {"allowedExecutables": ["/usr/sbin/nginx"], "allowedLibraries": ["/**"]},
            "filesystem": {"readOnlyPaths": ["/"], "readWritePaths": ["/run/**"]},
            "network": {"allowRaw": false, "allowedProtocols": {"allowTcp": true}},
            "capability": {"allowedCapabilities": ["net_bind_service"]}
        })
    );
    let object = Object {
        api_version: cinch::backend::wiring::spo::API_VERSION_APPARMOR.into(),
        kind: "AppArmorProfile".into(),
        metadata: Metadata {
            name: "cinch.default.web.web".into(),
            namespace: None,
        },
        spec: AppArmorSpec {
            abstract_,
            mode: "Enforce".into(),
        },
    };
    let doc = serde_json::to_value(object).unwrap();
    assert_eq!(refusals(&crds(), &doc), Vec::<String>::new());

    // Rules the form cannot say: each is named, and nothing is mapped.
    profile.groups.push(group(
        Topic::Ptrace,
        vec![Rule::Ptrace {
            access: Access::Deny,
            peer: None,
        }],
    ));
    profile.groups.push(group(
        Topic::Network,
        vec![Rule::Network {
            access: Access::Allow,
            family: Some(Family::Unix),
            kind: None,
        }],
    ));
    let lost = abstract_of(&profile).unwrap_err();
    assert_eq!(lost.len(), 2, "{lost:#?}");
    assert!(lost[0].starts_with("`network unix`"), "{lost:#?}");
    assert!(lost[1].starts_with("`deny ptrace`"), "{lost:#?}");
}
