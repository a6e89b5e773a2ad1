//! Dispatch of one document on `(apiVersion, kind)`: the kinds cinch reads are decoded into
//! their `k8s-openapi` types and lowered; `List`/`*List` documents recurse into their items;
//! API kinds that say nothing about containers are ignored silently; anything else (custom
//! resources, CRDs, removed apiVersions) is skipped with one note.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{ConfigMap, Pod, PodTemplateSpec, ReplicationController, Service};
use k8s_openapi::api::networking::v1::Ingress;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::diag::Code;
use crate::intent::{Fragment, WorkloadKind};
use crate::limits::MAX_YAML_DEPTH;
use crate::yaml::Node;

use super::{Ctx, Loc, decode, objects, pod};

/// Kinds of the Kubernetes API that say nothing about what a container does or whom it
/// talks to: read silently and ignored (RBAC, storage, scheduling, admission, …).
const IGNORED_KINDS: &[&str] = &[
    "ClusterRole",
    "ClusterRoleBinding",
    "ControllerRevision",
    "CSIDriver",
    "Endpoints",
    "EndpointSlice",
    "Event",
    "Gateway",
    "GatewayClass",
    "HorizontalPodAutoscaler",
    "IngressClass",
    "Lease",
    "LimitRange",
    "MutatingWebhookConfiguration",
    "Namespace",
    "NetworkPolicy",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "PodDisruptionBudget",
    "PodSecurityPolicy",
    "PodTemplate",
    "PriorityClass",
    "ReferenceGrant",
    "ResourceQuota",
    "Role",
    "RoleBinding",
    "RuntimeClass",
    "Secret",
    "ServiceAccount",
    "StorageClass",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
];

/// Kinds cinch reads, with the apiVersion it reads them at (the Kubernetes 1.34 API).
const READ_KINDS: &[(&str, &str)] = &[
    ("Pod", "v1"),
    ("Deployment", "apps/v1"),
    ("StatefulSet", "apps/v1"),
    ("DaemonSet", "apps/v1"),
    ("ReplicaSet", "apps/v1"),
    ("ReplicationController", "v1"),
    ("Job", "batch/v1"),
    ("CronJob", "batch/v1"),
    ("Service", "v1"),
    ("ConfigMap", "v1"),
    ("Ingress", "networking.k8s.io/v1"),
];

/// Gateway API route kinds whose `backendRefs` name Services (gateway.networking.k8s.io,
/// no typed crate: read from the tree in `objects.rs`).
const GATEWAY_ROUTES: &[&str] = &["HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute", "UDPRoute"];

/// A group of the Kubernetes API itself (`v1`, `apps/v1`, `rbac.authorization.k8s.io/v1`), as
/// opposed to a custom resource's group.
fn is_builtin_group(api: &str) -> bool {
    match api.split_once('/') {
        None => true,
        Some((group, _)) => !group.contains('.') || group.ends_with(".k8s.io"),
    }
}

/// One object, or a `List`. `implied`: the (apiVersion, kind) a typed list (`ConfigMapList`)
/// gives items that do not name their own.
pub(crate) fn object(
    ctx: &mut Ctx<'_>,
    node: &Node,
    base: &str,
    implied: Option<(&str, &str)>,
    fragment: &mut Fragment,
    depth: usize,
) {
    let root = Loc::root(node, base);
    if node.is_null() {
        return;
    }
    if node.as_map().is_none() {
        ctx.error(
            Code::WrongType,
            &root,
            format!(
                "expected a Kubernetes object (a map), found {}",
                node.kind()
            ),
        );
        return;
    }
    let field = |key: &str, ctx: &mut Ctx<'_>| -> Option<String> {
        match node.get(key) {
            Some(v) => match v.as_str() {
                Some(s) => Some(s.to_owned()),
                None => {
                    ctx.error(
                        Code::WrongType,
                        &root.key(key),
                        format!("expected a string, found {}", v.kind()),
                    );
                    None
                }
            },
            None => implied.map(|(api, kind)| {
                if key == "apiVersion" {
                    api.to_owned()
                } else {
                    kind.to_owned()
                }
            }),
        }
    };
    let (Some(api), Some(kind)) = (field("apiVersion", ctx), field("kind", ctx)) else {
        if node.get("apiVersion").is_none() || node.get("kind").is_none() {
            ctx.error(
                Code::Kubernetes,
                &root,
                "a Kubernetes object needs apiVersion and kind",
            );
        }
        return;
    };

    if kind == "List" || (kind.ends_with("List") && kind.len() > 4) {
        list(ctx, node, &root, &api, &kind, fragment, depth);
        return;
    }
    let skip = |ctx: &mut Ctx<'_>, why: String| {
        let name = node
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Node::as_str)
            .unwrap_or("");
        let what = if name.is_empty() {
            kind.clone()
        } else {
            format!("{kind} {name}")
        };
        ctx.note(
            Code::SkippedDocument,
            &root,
            format!("skipped {what} ({api}): {why}"),
        );
    };
    match (api.as_str(), kind.as_str()) {
        ("v1", "Pod") => {
            if let Some(pod) = decode::<Pod>(ctx, node, base) {
                let meta_loc = root.key("metadata");
                let spec_loc = root.key("spec");
                let Some(spec) = pod.spec.as_ref().filter(|_| spec_loc.exists()) else {
                    ctx.error(
                        Code::Kubernetes,
                        &spec_loc,
                        "a Pod needs a spec with containers",
                    );
                    return;
                };
                let t = pod::Template {
                    kind: WorkloadKind::Pod,
                    meta: &pod.metadata,
                    meta_loc: meta_loc.clone(),
                    pod_meta: Some(&pod.metadata),
                    pod_meta_loc: meta_loc,
                    spec,
                    spec_loc,
                    claims: &[],
                };
                fragment.workloads.extend(pod::lower(ctx, t));
            }
        }
        ("apps/v1", "Deployment") => {
            if let Some(d) = decode::<Deployment>(ctx, node, base) {
                let t = d.spec.as_ref().map(|s| &s.template);
                workload(
                    ctx,
                    WorkloadKind::Deployment,
                    &d.metadata,
                    &root,
                    &["spec"],
                    t,
                    fragment,
                );
            }
        }
        ("apps/v1", "StatefulSet") => {
            if let Some(d) = decode::<StatefulSet>(ctx, node, base) {
                let t = d.spec.as_ref().map(|s| &s.template);
                // Each volumeClaimTemplate is a volume of the pod, named like the claim.
                let claims: Vec<(String, Loc<'_>)> = d
                    .spec
                    .iter()
                    .flat_map(|s| s.volume_claim_templates.iter().flatten())
                    .enumerate()
                    .filter_map(|(i, c)| {
                        let l = root.key("spec").key("volumeClaimTemplates").idx(i);
                        Some((c.metadata.name.clone()?, l))
                    })
                    .collect();
                workload_with(
                    ctx,
                    WorkloadKind::StatefulSet,
                    &d.metadata,
                    &root,
                    &["spec"],
                    t,
                    &claims,
                    fragment,
                );
            }
        }
        ("apps/v1", "DaemonSet") => {
            if let Some(d) = decode::<DaemonSet>(ctx, node, base) {
                let t = d.spec.as_ref().map(|s| &s.template);
                workload(
                    ctx,
                    WorkloadKind::DaemonSet,
                    &d.metadata,
                    &root,
                    &["spec"],
                    t,
                    fragment,
                );
            }
        }
        ("apps/v1", "ReplicaSet") => {
            if let Some(d) = decode::<ReplicaSet>(ctx, node, base) {
                let t = d.spec.as_ref().and_then(|s| s.template.as_ref());
                workload(
                    ctx,
                    WorkloadKind::ReplicaSet,
                    &d.metadata,
                    &root,
                    &["spec"],
                    t,
                    fragment,
                );
            }
        }
        ("v1", "ReplicationController") => {
            if let Some(d) = decode::<ReplicationController>(ctx, node, base) {
                let t = d.spec.as_ref().and_then(|s| s.template.as_ref());
                workload(
                    ctx,
                    WorkloadKind::ReplicationController,
                    &d.metadata,
                    &root,
                    &["spec"],
                    t,
                    fragment,
                );
            }
        }
        ("batch/v1", "Job") => {
            if let Some(d) = decode::<Job>(ctx, node, base) {
                let t = d.spec.as_ref().map(|s| &s.template);
                workload(
                    ctx,
                    WorkloadKind::Job,
                    &d.metadata,
                    &root,
                    &["spec"],
                    t,
                    fragment,
                );
            }
        }
        ("batch/v1", "CronJob") => {
            if let Some(d) = decode::<CronJob>(ctx, node, base) {
                let t = d
                    .spec
                    .as_ref()
                    .and_then(|s| s.job_template.spec.as_ref())
                    .map(|s| &s.template);
                let path = ["spec", "jobTemplate", "spec"];
                workload(
                    ctx,
                    WorkloadKind::CronJob,
                    &d.metadata,
                    &root,
                    &path,
                    t,
                    fragment,
                );
            }
        }
        ("v1", "Service") => {
            if let Some(s) = decode::<Service>(ctx, node, base) {
                fragment.services.extend(objects::service(ctx, &s, &root));
            }
        }
        ("v1", "ConfigMap") => {
            if let Some(c) = decode::<ConfigMap>(ctx, node, base) {
                fragment
                    .config_maps
                    .extend(objects::config_map(ctx, &c, &root));
            }
        }
        ("networking.k8s.io/v1", "Ingress") => {
            if let Some(i) = decode::<Ingress>(ctx, node, base) {
                fragment.routes.extend(objects::ingress(ctx, &i, &root));
            }
        }
        (api, kind)
            if api.starts_with("gateway.networking.k8s.io/") && GATEWAY_ROUTES.contains(&kind) =>
        {
            fragment
                .routes
                .extend(objects::gateway_route(ctx, kind, &root));
        }
        (api, kind) if super::custom::lower(ctx, api, kind, node, base, fragment) => {}
        (_, "CustomResourceDefinition") => skip(
            ctx,
            "cinch does not read custom resource definitions".into(),
        ),
        (api, kind) if is_builtin_group(api) && IGNORED_KINDS.contains(&kind) => {}
        (api, kind) => match READ_KINDS.iter().find(|(k, _)| *k == kind) {
            Some((_, want)) if is_builtin_group(api) => skip(
                ctx,
                format!(
                    "cinch reads {kind} as {want} (the Kubernetes 1.34 API); {api} is no longer served"
                ),
            ),
            _ => skip(ctx, "not a kind cinch reads".into()),
        },
    }
}

/// A workload object with a pod template under `spec_path` (`spec`, or
/// `spec.jobTemplate.spec` for a CronJob).
fn workload(
    ctx: &mut Ctx<'_>,
    kind: WorkloadKind,
    meta: &ObjectMeta,
    root: &Loc<'_>,
    spec_path: &[&str],
    template: Option<&PodTemplateSpec>,
    fragment: &mut Fragment,
) {
    workload_with(ctx, kind, meta, root, spec_path, template, &[], fragment);
}

/// [`workload`] with volumes the controller adds to the pod (a StatefulSet's claims).
#[allow(clippy::too_many_arguments)]
fn workload_with(
    ctx: &mut Ctx<'_>,
    kind: WorkloadKind,
    meta: &ObjectMeta,
    root: &Loc<'_>,
    spec_path: &[&str],
    template: Option<&PodTemplateSpec>,
    claims: &[(String, Loc<'_>)],
    fragment: &mut Fragment,
) {
    let spec_loc = spec_path.iter().fold(root.clone(), |l, k| l.key(k));
    let tpl_loc = spec_loc.key("template");
    let pod_spec_loc = tpl_loc.key("spec");
    let name = meta.name.as_deref().unwrap_or("");
    let template = template.filter(|_| tpl_loc.exists());
    let Some(template) = template else {
        ctx.error(
            Code::Kubernetes,
            &tpl_loc,
            format!(
                "{kind:?} {name} has no pod template (missing {})",
                tpl_loc.path
            ),
        );
        return;
    };
    let Some(spec) = template.spec.as_ref().filter(|_| pod_spec_loc.exists()) else {
        ctx.error(
            Code::Kubernetes,
            &pod_spec_loc,
            format!("{kind:?} {name}: the pod template has no spec"),
        );
        return;
    };
    let t = pod::Template {
        kind,
        meta,
        meta_loc: root.key("metadata"),
        pod_meta: template.metadata.as_ref(),
        pod_meta_loc: tpl_loc.key("metadata"),
        spec,
        spec_loc: pod_spec_loc,
        claims,
    };
    fragment.workloads.extend(pod::lower(ctx, t));
}

/// `kind: List` (what `kubectl get -o yaml` prints) and typed lists (`ConfigMapList`): each
/// item is an object; items of a typed list may leave out their apiVersion and kind.
fn list(
    ctx: &mut Ctx<'_>,
    node: &Node,
    root: &Loc<'_>,
    api: &str,
    kind: &str,
    fragment: &mut Fragment,
    depth: usize,
) {
    if depth >= MAX_YAML_DEPTH {
        ctx.error(Code::YamlLimit, root, "lists nested too deeply");
        return;
    }
    let items_loc = root.key("items");
    let Some(items) = node.get("items") else {
        return;
    };
    let Some(seq) = items.as_seq() else {
        if !items.is_null() {
            ctx.error(
                Code::WrongType,
                &items_loc,
                format!("expected a list of objects, found {}", items.kind()),
            );
        }
        return;
    };
    let item_kind = kind.strip_suffix("List").filter(|k| !k.is_empty());
    for (i, item) in seq.iter().enumerate() {
        let base = items_loc.idx(i).path;
        object(
            ctx,
            item,
            &base,
            item_kind.map(|k| (api, k)),
            fragment,
            depth + 1,
        );
    }
}
