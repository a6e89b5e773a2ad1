//! A Kubernetes container wired to its profiles, in its own `securityContext` (which wins
//! over the pod's): `seccompProfile: {type: Localhost, localhostProfile: …}` and
//! `appArmorProfile: {type: Localhost, localhostProfile: …}` (the field is GA since
//! Kubernetes 1.30; kubernetes.io "Restrict a Container's Access to Resources with
//! AppArmor"). Whatever profile the container named before is replaced.
//!
//! The deprecated per-container annotations `container.apparmor.security.beta.kubernetes.io/
//! <name>` and `container.seccomp.security.alpha.kubernetes.io/<name>` must agree with the
//! fields when both are set (the API server's pod validation rejects a mismatch:
//! `validateSeccompAnnotationsAndFields`, and its AppArmor counterpart since 1.30), so an
//! existing one is rewritten to `localhost/<profile>`; none is added.

use serde_json::{Map, Value as Json, json};

use crate::intent::{PathSegment, pointer_mut};

use super::Profiles;

/// Patch the container at `path` (`…spec.containers[i]` or `…spec.initContainers[i]`) in
/// `doc`. `false` when the path does not lead to a container object.
pub(crate) fn patch(doc: &mut Json, path: &[PathSegment], name: &str, profiles: &Profiles) -> bool {
    let Some(container) = pointer_mut(doc, path).and_then(Json::as_object_mut) else {
        return false;
    };
    let sc = container
        .entry("securityContext")
        .or_insert_with(|| Json::Object(Map::new()));
    if !sc.is_object() {
        *sc = Json::Object(Map::new());
    }
    let Some(sc) = sc.as_object_mut() else {
        return false;
    };
    if let Some(p) = &profiles.seccomp {
        sc.insert(
            "seccompProfile".into(),
            json!({"type": "Localhost", "localhostProfile": p}),
        );
    }
    if let Some(p) = &profiles.apparmor {
        sc.insert(
            "appArmorProfile".into(),
            json!({"type": "Localhost", "localhostProfile": p}),
        );
    }
    if let Some(p) = &profiles.seccomp {
        let key = format!("container.seccomp.security.alpha.kubernetes.io/{name}");
        rewrite_annotation(doc, path, &key, p);
    }
    if let Some(p) = &profiles.apparmor {
        let key = format!("container.apparmor.security.beta.kubernetes.io/{name}");
        rewrite_annotation(doc, path, &key, p);
    }
    true
}

/// The pod's metadata is beside its spec: `<pod>.spec.containers[i]` → `<pod>.metadata`.
fn rewrite_annotation(doc: &mut Json, path: &[PathSegment], key: &str, profile: &str) {
    let Some(pod) = path.len().checked_sub(3).map(|n| &path[..n]) else {
        return;
    };
    let mut meta_path = pod.to_vec();
    meta_path.push(PathSegment::Key("metadata".into()));
    meta_path.push(PathSegment::Key("annotations".into()));
    if let Some(value) = pointer_mut(doc, &meta_path)
        .and_then(Json::as_object_mut)
        .and_then(|a| a.get_mut(key))
    {
        *value = Json::String(format!("localhost/{profile}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(keys: &[&str], index: usize) -> Vec<PathSegment> {
        let mut p: Vec<PathSegment> = keys.iter().map(|k| PathSegment::Key((*k).into())).collect();
        p.push(PathSegment::Index(index));
        p
    }

    #[test]
    fn sets_both_profiles_and_keeps_the_rest() {
        let mut doc = json!({
            "kind": "Deployment",
            "spec": {"template": {
                "metadata": {"annotations": {
                    "container.apparmor.security.beta.kubernetes.io/web": "runtime/default",
                    "container.seccomp.security.alpha.kubernetes.io/web": "unconfined",
                    "other": "x"
                }},
                "spec": {"containers": [{"name": "web", "securityContext": {
                    "runAsNonRoot": true,
                    "seccompProfile": {"type": "Unconfined"}
                }}]}
            }}
        });
        let profiles = Profiles {
            seccomp: Some("cinch/default.web.web.json".into()),
            apparmor: Some("cinch.default.web.web".into()),
        };
        let p = path(&["spec", "template", "spec", "containers"], 0);
        assert!(patch(&mut doc, &p, "web", &profiles));
        let tpl = &doc["spec"]["template"];
        assert_eq!(
            tpl["spec"]["containers"][0]["securityContext"],
            json!({
                "runAsNonRoot": true,
                "seccompProfile": {"type": "Localhost", "localhostProfile": "cinch/default.web.web.json"},
                "appArmorProfile": {"type": "Localhost", "localhostProfile": "cinch.default.web.web"}
            })
        );
        assert_eq!(
            tpl["metadata"]["annotations"],
            json!({
                "container.apparmor.security.beta.kubernetes.io/web": "localhost/cinch.default.web.web",
                "container.seccomp.security.alpha.kubernetes.io/web": "localhost/cinch/default.web.web.json",
                "other": "x"
            })
        );
    }

    #[test]
    fn a_missing_container_is_not_patched() {
        let mut doc = json!({"spec": {"containers": []}});
        let profiles = Profiles {
            seccomp: Some("x".into()),
            apparmor: None,
        };
        assert!(!patch(
            &mut doc,
            &path(&["spec", "containers"], 0),
            "web",
            &profiles
        ));
        assert_eq!(doc, json!({"spec": {"containers": []}}));
    }
}
