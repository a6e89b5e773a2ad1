//! The typed structs of the custom resources, checked against the published CRD schemas
//! vendored in `testdata/crds/` (see `testdata/crds/SOURCE.md`).
//!
//! For every served version of each CRD, a resource that sets *every* property of the schema
//! (one item per list, one key per map, the first value of an enum, `1` for an
//! int-or-string) is decoded with the struct the frontend decodes that kind with. Decoding
//! must succeed: each field the struct reads has the schema's type. The struct, serialized
//! again with all its fields, must hold no key the resource lacks: each field it reads is a
//! property of the schema (a misspelled or invented field would serialize as `null` where
//! the schema has nothing).

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::istio::IstioAuthorizationPolicy;
use super::linkerd::{
    LinkerdAuthorizationPolicy, LinkerdMeshTlsAuthentication, LinkerdNetworkAuthentication,
    LinkerdServer,
};
use super::monitoring::{PromAlertmanager, PromPodMonitor, PromPrometheus, PromServiceMonitor};

/// The deepest schema the sample generator follows (CRD schemas are not recursive).
const MAX_DEPTH: usize = 64;

/// A value with every property `schema` defines.
fn sample(schema: &Value, depth: usize) -> Value {
    assert!(depth < MAX_DEPTH, "schema nested too deeply");
    if schema.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
        return Value::from(1);
    }
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    if let Some(first) = schema["anyOf"]
        .as_array()
        .or(schema["oneOf"].as_array())
        .and_then(|v| v.first())
        && schema.get("type").is_none()
    {
        return sample(first, depth + 1);
    }
    match schema["type"].as_str() {
        Some("string") => Value::from("x"),
        Some("integer") => Value::from(1),
        Some("number") => Value::from(1.5),
        Some("boolean") => Value::from(true),
        Some("array") => Value::Array(vec![sample(&schema["items"], depth + 1)]),
        _ => {
            let mut out = Map::new();
            if let Some(props) = schema["properties"].as_object() {
                for (k, v) in props {
                    out.insert(k.clone(), sample(v, depth + 1));
                }
            }
            if let Some(extra) = schema["additionalProperties"].as_object() {
                out.insert(
                    "k".to_owned(),
                    sample(&Value::Object(extra.clone()), depth + 1),
                );
            }
            Value::Object(out)
        }
    }
}

/// Keys of `ours` (the struct, serialized) that `theirs` (the schema sample) lacks.
fn extra_keys(ours: &Value, theirs: &Value, path: &str, out: &mut Vec<String>) {
    match (ours, theirs) {
        (Value::Object(o), Value::Object(t)) => {
            for (k, v) in o {
                let p = format!("{path}.{k}");
                match t.get(k) {
                    Some(tv) => extra_keys(v, tv, &p, out),
                    None => out.push(p),
                }
            }
        }
        (Value::Array(o), Value::Array(t)) => {
            if let (Some(o), Some(t)) = (o.first(), t.first()) {
                extra_keys(o, t, &format!("{path}[]"), out);
            }
        }
        _ => {}
    }
}

/// Check struct `T` against every served version of the CRD in `file`; returns the number
/// of versions checked.
fn check<T: DeserializeOwned + Serialize>(file: &str, kind: &str) -> usize {
    check_newer::<T>(file, kind, &[])
}

/// [`check`], where the fields `newer` (paths like `.spec.accessPolicy`) exist only in the
/// later versions: an older version may lack them, but some version must define each.
fn check_newer<T: DeserializeOwned + Serialize>(file: &str, kind: &str, newer: &[&str]) -> usize {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/crds")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    let crd: Value = serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    assert_eq!(crd["spec"]["names"]["kind"], kind, "{file}");
    let group = crd["spec"]["group"].as_str().unwrap();
    let mut checked = 0;
    let mut defined: Vec<&str> = Vec::new();
    for v in crd["spec"]["versions"].as_array().unwrap() {
        if v["served"] == Value::Bool(false) {
            continue;
        }
        let version = v["name"].as_str().unwrap();
        let mut resource = sample(&v["schema"]["openAPIV3Schema"], 0);
        resource["apiVersion"] = Value::from(format!("{group}/{version}"));
        resource["kind"] = Value::from(kind);
        resource["metadata"] = serde_json::json!({"name": "x", "namespace": "x"});
        // JSON is YAML: decode it the way the frontend decodes a document.
        let json = serde_json::to_string(&resource).unwrap();
        let docs = crate::yaml::load(&json).unwrap();
        let (typed, _unknown) =
            crate::yaml::from_node::<T>(&docs[0].root, crate::yaml::json::Schema::Yaml11)
                .unwrap_or_else(|e| {
                    panic!(
                        "{file} {version}: the {kind} struct does not decode a full resource: {e}"
                    )
                });
        let ours = serde_json::to_value(&typed).unwrap();
        let mut extra = Vec::new();
        extra_keys(&ours, &resource, "", &mut extra);
        defined.extend(newer.iter().filter(|n| !extra.iter().any(|e| e == *n)));
        extra.retain(|e| !newer.contains(&e.as_str()));
        assert!(
            extra.is_empty(),
            "{file} {version}: fields of the {kind} struct that the schema does not define: {extra:?}"
        );
        checked += 1;
    }
    for n in newer {
        assert!(defined.contains(n), "{file}: no version defines {n}");
    }
    checked
}

#[test]
fn typed_structs_match_the_published_crd_schemas() {
    let checked = [
        check::<PromServiceMonitor>("prometheus-operator/servicemonitors.yaml", "ServiceMonitor"),
        check::<PromPodMonitor>("prometheus-operator/podmonitors.yaml", "PodMonitor"),
        check::<PromPrometheus>("prometheus-operator/prometheuses.yaml", "Prometheus"),
        check::<PromAlertmanager>("prometheus-operator/alertmanagers.yaml", "Alertmanager"),
        check::<IstioAuthorizationPolicy>(
            "istio/authorizationpolicies.yaml",
            "AuthorizationPolicy",
        ),
        // `accessPolicy` is new in v1beta3.
        check_newer::<LinkerdServer>("linkerd/server.yaml", "Server", &[".spec.accessPolicy"]),
        check::<LinkerdAuthorizationPolicy>(
            "linkerd/authorization-policy.yaml",
            "AuthorizationPolicy",
        ),
        check::<LinkerdMeshTlsAuthentication>(
            "linkerd/meshtls-authentication.yaml",
            "MeshTLSAuthentication",
        ),
        check::<LinkerdNetworkAuthentication>(
            "linkerd/network-authentication.yaml",
            "NetworkAuthentication",
        ),
    ]
    .iter()
    .sum::<usize>();
    // 4 Prometheus Operator kinds at v1, Istio at v1 and v1beta1, Linkerd's Server at four
    // versions and the other three at v1alpha1.
    assert_eq!(checked, 13);
}

/// The check fails for a field the schema lacks, and for one of another type.
#[test]
fn the_check_catches_invented_and_mistyped_fields() {
    #[derive(Default, serde::Deserialize, Serialize)]
    #[serde(rename_all = "camelCase", default)]
    struct Invented {
        spec: InventedSpec,
    }
    #[derive(Default, serde::Deserialize, Serialize)]
    #[serde(rename_all = "camelCase", default)]
    struct InventedSpec {
        endpoints: Vec<String>,
    }
    let invented = std::panic::catch_unwind(|| {
        check::<Invented>("prometheus-operator/servicemonitors.yaml", "ServiceMonitor")
    });
    assert!(
        invented.is_err(),
        "a list of strings where the schema has objects"
    );

    #[derive(Default, serde::Deserialize, Serialize)]
    #[serde(rename_all = "camelCase", default)]
    struct Extra {
        spec: ExtraSpec,
    }
    #[derive(Default, serde::Deserialize, Serialize)]
    #[serde(rename_all = "camelCase", default)]
    struct ExtraSpec {
        not_in_schema: Option<String>,
    }
    let extra = std::panic::catch_unwind(|| {
        check::<Extra>("prometheus-operator/servicemonitors.yaml", "ServiceMonitor")
    });
    assert!(extra.is_err(), "a field the schema does not define");
}
