//! Security Profiles Operator objects (kubernetes-sigs/security-profiles-operator): one file
//! `spo/<stem>.yaml` per Kubernetes container with a `SeccompProfile` and, where its form can
//! say exactly cinch's profile, an `AppArmorProfile`, so the operator installs on every node
//! what cinch generated and explains.
//!
//! Both target the storage version of the operator's CRDs, `v1`, vendored with their
//! licence in `testdata/crds/security-profiles-operator/` (commit a2e4c4b); tests/spo.rs
//! validates every object cinch writes against them as the API server does (structural
//! schema, unknown fields rejected). Both kinds are cluster-scoped there, so the objects
//! carry no namespace, and `cinch.<stem>` (the stem holds the namespace) is unique.
//!
//! - `SeccompProfile`: `spec.defaultAction`, `spec.architectures`, `spec.flags` and
//!   `spec.syscalls[]` with `names`, `action`, `errnoRet` and `args[]` (`index`, `value`,
//!   `valueTwo`, `op`) — the fields of the Docker/containerd profile in
//!   `seccomp/<stem>.json`, copied one to one. Not used: `baseProfileName` (the profile is
//!   complete; a base would widen it), `listenerPath`/`listenerMetadata` (no seccomp
//!   agent). The JSON's per-rule `comment` has no field: the reasons stay in
//!   `seccomp/<stem>.json`. There is no `defaultErrnoRet` either: a profile whose default
//!   errno is not EPERM, or with `includes`/`excludes`/`archMap`, gets no object. Pods name
//!   it `operator/<name>.json` (`GetProfileOperatorPath`: `operator/<namespace>/<name>.json`
//!   with the empty namespace of a cluster-scoped object).
//! - `AppArmorProfile`: `spec.abstract` and `spec.mode` only (the raw `spec.policy` of
//!   older releases is an unknown field now: strict `kubectl apply` rejects it, a lenient
//!   one prunes it to an empty profile). `spo_apparmor` maps cinch's typed profile to the
//!   abstract form or lists the rules it cannot express; then no object is written, a
//!   `warning[spo]` names them, and the container stays wired to `cinch.<stem>` loaded on
//!   the node from `apparmor/<stem>` (the name the operator would load, too).
//!
//! Both names must be DNS-1123 subdomains (`metadata.name`); a container whose name is not
//! gets no objects and stays wired to the files on the node.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::intent::{Container, Workload};
use crate::yaml::emit::to_yaml;

use super::write::comment_safe;

/// Folder of the output tree that holds the objects.
pub const DIR: &str = "spo";

/// Where SPO installs seccomp profiles, relative to the kubelet's seccomp root.
pub const OPERATOR_ROOT: &str = "operator/";

pub const API_VERSION_SECCOMP: &str = "security-profiles-operator.x-k8s.io/v1";
pub const API_VERSION_APPARMOR: &str = "security-profiles-operator.x-k8s.io/v1";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Object<Spec> {
    pub api_version: String,
    pub kind: String,
    pub metadata: Metadata,
    pub spec: Spec,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub namespace: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeccompSpec {
    pub default_action: String,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub architectures: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub syscalls: Vec<Syscall>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub flags: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Syscall {
    pub names: Vec<String>,
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub errno_ret: Option<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub args: Vec<Arg>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Arg {
    pub index: u64,
    #[serde(skip_serializing_if = "is_zero", default)]
    pub value: u64,
    #[serde(skip_serializing_if = "is_zero", default)]
    pub value_two: u64,
    pub op: String,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AppArmorSpec {
    #[serde(rename = "abstract")]
    pub abstract_: super::spo_apparmor::Abstract,
    /// `Enforce` or `Complain`.
    pub mode: String,
}

/// What SPO gives one container.
#[derive(Debug, Default)]
pub(crate) struct Objects {
    /// The seccomp `localhostProfile` naming the SeccompProfile, when there is one.
    pub seccomp_profile: Option<String>,
    /// `spo/<stem>.yaml`, when any object was made.
    pub file: Option<Vec<u8>>,
    /// Why an object could not be made.
    pub notes: Vec<String>,
    /// The AppArmor rules the operator's form cannot express (then no AppArmorProfile).
    pub apparmor_lost: Vec<String>,
}

pub(crate) fn objects(
    w: &Workload,
    c: &Container,
    stem: &str,
    manifest: &str,
    seccomp_json: Option<&[u8]>,
    apparmor: Option<&crate::backend::apparmor::Profile>,
) -> Objects {
    let mut out = Objects::default();
    let name = format!("cinch.{stem}");
    if !is_dns1123_subdomain(&name) {
        out.notes.push(format!(
            "{} container {}: `{name}` is not a valid Kubernetes object name, so no Security Profiles Operator objects; the profiles on the nodes are named instead",
            w.id, c.name
        ));
        return out;
    }
    let mut docs: Vec<Json> = Vec::new();
    if let Some(bytes) = seccomp_json {
        match seccomp_spec(bytes) {
            Ok(spec) => {
                let obj = Object {
                    api_version: API_VERSION_SECCOMP.into(),
                    kind: "SeccompProfile".into(),
                    metadata: Metadata {
                        name: name.clone(),
                        namespace: None,
                    },
                    spec,
                };
                docs.push(serde_json::to_value(obj).unwrap_or_default());
                out.seccomp_profile = Some(format!("{OPERATOR_ROOT}{name}.json"));
            }
            Err(why) => out.notes.push(format!(
                "{} container {}: no SeccompProfile object ({why}); the profile on the nodes is named instead",
                w.id, c.name
            )),
        }
    }
    let mut apparmor_object = false;
    if let Some(profile) = apparmor {
        match super::spo_apparmor::abstract_of(profile) {
            Ok(abstract_) => {
                let obj = Object {
                    api_version: API_VERSION_APPARMOR.into(),
                    kind: "AppArmorProfile".into(),
                    metadata: Metadata {
                        name: name.clone(),
                        namespace: None,
                    },
                    spec: AppArmorSpec {
                        abstract_,
                        mode: if profile.complain.is_some() {
                            "Complain"
                        } else {
                            "Enforce"
                        }
                        .into(),
                    },
                };
                docs.push(serde_json::to_value(obj).unwrap_or_default());
                apparmor_object = true;
            }
            Err(lost) => out.apparmor_lost = lost,
        }
    }
    if docs.is_empty() {
        return out;
    }
    let mut reasons = Vec::new();
    if out.seccomp_profile.is_some() {
        reasons.push(format!("seccomp/{stem}.json"));
    }
    if apparmor_object {
        reasons.push(format!("apparmor/{stem}"));
    }
    let mut text = format!(
        "# Security Profiles Operator objects for {} container {}, generated by cinch from {}; do not edit.\n# Apply with kubectl apply -f; the reason of every rule is in {}.\n",
        comment_safe(&w.id),
        comment_safe(&c.name),
        comment_safe(manifest),
        reasons.join(" and "),
    );
    if !out.apparmor_lost.is_empty() {
        text.push_str(&format!(
            "# No AppArmorProfile: the operator's abstract form cannot express {} rule(s) of apparmor/{stem}\n# (load that file on the nodes with apparmor_parser; the manifests name it as cinch.{stem}):\n",
            out.apparmor_lost.len()
        ));
        for l in &out.apparmor_lost {
            text.push_str(&format!("#   {}\n", comment_safe(l)));
        }
    }
    for d in &docs {
        text.push_str("---\n");
        text.push_str(&to_yaml(d));
    }
    out.file = Some(text.into_bytes());
    out
}

/// The Docker/containerd profile JSON as an SPO spec, field by field; `Err` when it holds
/// something SPO cannot say.
fn seccomp_spec(bytes: &[u8]) -> Result<SeccompSpec, String> {
    let v: Json = serde_json::from_slice(bytes).map_err(|e| format!("unreadable: {e}"))?;
    let obj = v.as_object().ok_or("not a JSON object")?;
    for key in ["archMap", "listenerPath"] {
        if obj.contains_key(key) {
            return Err(format!("`{key}` has no SeccompProfile field"));
        }
    }
    if let Some(errno) = obj.get("defaultErrnoRet").and_then(Json::as_u64)
        && errno != 1
    {
        return Err(format!(
            "defaultErrnoRet {errno}: a SeccompProfile's default SCMP_ACT_ERRNO returns EPERM (1)"
        ));
    }
    let strings = |v: Option<&Json>| -> Vec<String> {
        v.and_then(Json::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut syscalls = Vec::new();
    for s in obj
        .get("syscalls")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        for key in ["includes", "excludes"] {
            if s.get(key)
                .is_some_and(|v| v.as_object().is_some_and(|o| !o.is_empty()))
            {
                return Err(format!("a rule with `{key}` has no SeccompProfile form"));
            }
        }
        let mut args = Vec::new();
        for a in s.get("args").and_then(Json::as_array).into_iter().flatten() {
            let num = |k: &str| a.get(k).and_then(Json::as_u64).unwrap_or(0);
            args.push(Arg {
                index: num("index"),
                value: num("value"),
                value_two: num("valueTwo"),
                op: a
                    .get("op")
                    .and_then(Json::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            });
        }
        syscalls.push(Syscall {
            names: strings(s.get("names")),
            action: s
                .get("action")
                .and_then(Json::as_str)
                .ok_or("a rule without an action")?
                .to_owned(),
            errno_ret: s.get("errnoRet").and_then(Json::as_u64),
            args,
        });
    }
    Ok(SeccompSpec {
        default_action: obj
            .get("defaultAction")
            .and_then(Json::as_str)
            .ok_or("no defaultAction")?
            .to_owned(),
        architectures: strings(obj.get("architectures")),
        syscalls,
        flags: strings(obj.get("flags")),
    })
}

/// Kubernetes `metadata.name` for most kinds (apimachinery `IsDNS1123Subdomain`): at most
/// 253 characters of `[a-z0-9.-]`, each dot-separated label starting and ending with a
/// letter or digit.
fn is_dns1123_subdomain(s: &str) -> bool {
    s.len() <= 253
        && s.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
                && b[0] != b'-'
                && b[b.len() - 1] != b'-'
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn docker_profile_fields_map_one_to_one() {
        let docker = json!({
            "defaultAction": "SCMP_ACT_ERRNO",
            "defaultErrnoRet": 1,
            "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"],
            "syscalls": [
                {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW", "comment": "runtime minimum"},
                {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]},
                {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}
            ]
        });
        let spec = seccomp_spec(docker.to_string().as_bytes()).unwrap();
        assert_eq!(
            serde_json::to_value(&spec).unwrap(),
            json!({
                "defaultAction": "SCMP_ACT_ERRNO",
                "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"],
                "syscalls": [
                    {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
                    {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]},
                    {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}
                ]
            })
        );
    }

    #[test]
    fn what_spo_cannot_say_gets_no_object() {
        let enosys = json!({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38});
        assert!(seccomp_spec(enosys.to_string().as_bytes()).is_err());
        let includes = json!({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
            {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_PTRACE"]}}
        ]});
        assert!(seccomp_spec(includes.to_string().as_bytes()).is_err());
        assert!(seccomp_spec(b"[]").is_err());
    }

    #[test]
    fn object_names_follow_dns1123() {
        assert!(is_dns1123_subdomain("cinch.default.web.app"));
        assert!(!is_dns1123_subdomain("cinch.default.web.app~2"));
        assert!(!is_dns1123_subdomain("cinch.Web"));
        assert!(!is_dns1123_subdomain("cinch..a"));
        assert!(!is_dns1123_subdomain(&"a".repeat(254)));
    }
}
