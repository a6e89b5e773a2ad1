//! One pod template → one workload: identity (`<namespace>/<name>`, pod labels), what the pod
//! shares with the host, pod-level security defaults, explicit intent from `cinch.dev/…`
//! annotations, and its containers, init containers and sidecars (init containers with
//! `restartPolicy: Always`).

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::diag::Code;
use crate::frontend::explicit;
use crate::intent::{
    ContainerRole, Explicit, Fact, NetworkMode, SourceRef, Workload, WorkloadKind,
};

use super::security::PodSecurity;
use super::{Ctx, Loc, container, defaults, references, volumes};
use crate::k8s_names as names;

/// Annotation prefix for explicit intent (DESIGN.md §5).
const CINCH_PREFIX: &str = "cinch.dev/";

/// What a workload object hands to the pod-template lowering.
pub(crate) struct Template<'a> {
    pub kind: WorkloadKind,
    /// The object's own metadata (name, namespace, annotations).
    pub meta: &'a ObjectMeta,
    pub meta_loc: Loc<'a>,
    /// The pod template's metadata (labels, annotations); a Pod's own metadata for a Pod.
    pub pod_meta: Option<&'a ObjectMeta>,
    pub pod_meta_loc: Loc<'a>,
    pub spec: &'a PodSpec,
    pub spec_loc: Loc<'a>,
    /// StatefulSet `volumeClaimTemplates`: (claim name, where it is declared).
    pub claims: &'a [(String, Loc<'a>)],
}

pub(crate) fn lower(ctx: &mut Ctx<'_>, t: Template<'_>) -> Option<Workload> {
    let kind_name = format!("{:?}", t.kind);
    let name = ctx.name(&kind_name, t.meta, &t.meta_loc, names::dns1123_subdomain)?;
    let namespace = ctx.namespace(t.meta, &t.meta_loc);
    let mut w = Workload::new(t.kind, namespace, name, ctx.at(&t.meta_loc.key("name")));
    if let Some(labels) = t.pod_meta.and_then(|m| m.labels.as_ref()) {
        w.labels = labels.clone();
    }
    let spec = t.spec;
    let sl = &t.spec_loc;
    // `serviceAccount` is the deprecated spelling; `serviceAccountName` wins (PodSpec docs).
    let account = [
        (&spec.service_account_name, "serviceAccountName"),
        (&spec.service_account, "serviceAccount"),
    ]
    .into_iter()
    .find_map(|(v, key)| v.as_ref().map(|v| (v, key)));
    if let Some((name, key)) = account {
        w.service_account = Some(Fact::new(name.clone(), ctx.at(&sl.key(key))));
    }

    if let Some(mount) = spec.automount_service_account_token {
        let at = ctx.at(&sl.key("automountServiceAccountToken"));
        w.service_account_token = Some(Fact::new(mount, at));
    }

    if let Some(host) = spec.host_network {
        let at = ctx.at(&sl.key("hostNetwork"));
        let mode = if host {
            NetworkMode::Host
        } else {
            NetworkMode::Default
        };
        w.network.mode = Fact::new(mode, at);
    }
    if let Some(b) = spec.host_pid {
        w.host.pid = Some(Fact::new(b, ctx.at(&sl.key("hostPID"))));
    }
    if let Some(b) = spec.host_ipc {
        w.host.ipc = Some(Fact::new(b, ctx.at(&sl.key("hostIPC"))));
    }

    // The pod template's annotations are the more specific; the object's fill in.
    let mut annotations: Vec<(&BTreeMap<String, String>, Loc<'_>)> = Vec::new();
    if let Some(a) = t.pod_meta.and_then(|m| m.annotations.as_ref()) {
        annotations.push((a, t.pod_meta_loc.key("annotations")));
    }
    if !std::ptr::eq(t.meta, t.pod_meta.unwrap_or(t.meta))
        && let Some(a) = t.meta.annotations.as_ref()
    {
        annotations.push((a, t.meta_loc.key("annotations")));
    }
    for (map, loc) in &annotations {
        w.explicit.merge(explicit_intent(ctx, map, loc));
    }

    // `restartPolicy` says nothing about what a container may do, but the API server
    // rejects a kind's pods with the wrong one (see `defaults.rs`).
    if let Err(m) = defaults::pod_restart_policy(t.kind, spec.restart_policy.as_deref()) {
        ctx.error(Code::InvalidValue, &sl.key("restartPolicy"), m);
    }
    let pod = container::Pod {
        security: PodSecurity::read(ctx, spec, sl, t.pod_meta, &t.pod_meta_loc),
        volumes: volumes::index(ctx, spec, sl, t.claims),
        host_network: (spec.host_network == Some(true)).then(|| ctx.at(&sl.key("hostNetwork"))),
    };
    let mut seen = BTreeSet::new();
    let groups = [
        (
            spec.init_containers.as_deref().unwrap_or_default(),
            "initContainers",
        ),
        (spec.containers.as_slice(), "containers"),
    ];
    for (list, key) in groups {
        for (i, c) in list.iter().enumerate() {
            let loc = sl.key(key).idx(i);
            let role = if key == "containers" {
                ContainerRole::Main
            } else {
                match defaults::init_restart_policy(c.restart_policy.as_deref()) {
                    Ok(true) => ContainerRole::Sidecar,
                    Ok(false) => ContainerRole::Init,
                    Err(m) => {
                        ctx.error(Code::InvalidValue, &loc.key("restartPolicy"), m);
                        ContainerRole::Init
                    }
                }
            };
            let Some(lowered) = container::lower(ctx, c, role, &loc, &pod) else {
                continue;
            };
            if !lowered.name.is_empty() && !seen.insert(lowered.name.clone()) {
                ctx.error(
                    Code::InvalidValue,
                    &loc.key("name"),
                    format!(
                        "container name `{}` is used twice in this pod",
                        lowered.name
                    ),
                );
                continue;
            }
            w.network
                .references
                .extend(references::collect(ctx, &lowered, &loc));
            let mut lowered = lowered;
            if ctx.opts.keep_documents {
                lowered.source = Some(SourceRef {
                    file: ctx.file.clone(),
                    document: ctx.document,
                    path: loc.segments(),
                });
            }
            w.containers.push(lowered);
        }
    }
    if spec.containers.is_empty() {
        ctx.error(
            Code::Kubernetes,
            &sl.key("containers"),
            "a pod needs at least one container",
        );
        return None;
    }
    pod.security.check_annotations(ctx, &seen);
    if let Some(eph) = spec.ephemeral_containers.as_ref().filter(|e| !e.is_empty()) {
        ctx.note(
            Code::SkippedDocument,
            &sl.key("ephemeralContainers"),
            format!("{} ephemeral container(s) ignored: debugging containers added at run time get no profile", eph.len()),
        );
    }
    w.network.references.sort();
    w.network.references.dedup();
    Some(w)
}

/// `cinch.dev/<key>: value` annotations as explicit intent.
fn explicit_intent(ctx: &mut Ctx<'_>, map: &BTreeMap<String, String>, loc: &Loc<'_>) -> Explicit {
    let entries: Vec<(&str, &str, crate::intent::Provenance)> = map
        .iter()
        .filter_map(|(k, v)| {
            let key = k.strip_prefix(CINCH_PREFIX)?;
            Some((key, v.as_str(), ctx.at(&loc.key(k))))
        })
        .collect();
    if entries.is_empty() {
        return Explicit::default();
    }
    let file = ctx.file.clone();
    explicit::from_strings(entries, &file, ctx.diags)
}
