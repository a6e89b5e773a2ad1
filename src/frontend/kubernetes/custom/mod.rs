//! Custom resources that declare who connects to whom, read with typed structs that mirror
//! their published CRD schemas (vendored in `testdata/crds/`, checked by `schema_check.rs`):
//!
//! - Prometheus Operator (`monitoring.coreos.com/v1`): `ServiceMonitor`, `PodMonitor` (the
//!   Prometheus pods that select them scrape the endpoints), `Prometheus` and `Alertmanager`
//!   (the pods the operator makes: `monitoring.rs`);
//! - Istio `AuthorizationPolicy` (`security.istio.io/v1`, `v1beta1`): ALLOW rules (`istio.rs`);
//! - Linkerd (`policy.linkerd.io`): `Server`, `AuthorizationPolicy`, `MeshTLSAuthentication`,
//!   `NetworkAuthentication` (`linkerd.rs`);
//! - `APIService` (`apiregistration.k8s.io/v1`, k8s-openapi's type): the API server calls the
//!   Service of an aggregated API (`apiservice.rs`).
//!
//! Each becomes a [`Grant`](crate::intent::Grant) (or a workload, for the operator's pods);
//! the resolver links them. Fields these structs do not model are ignored silently: a
//! custom resource's schema is its operator's, and most of it says nothing about
//! connections. A resource that does not decode (a wrong type where cinch reads) is skipped
//! with a warning, never an error: cinch reads it for extra intent, and the operator's API
//! server is the one that validates it.

mod apiservice;
mod istio;
mod linkerd;
mod monitoring;
#[cfg(test)]
mod schema_check;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    LabelSelector as K8sLabelSelector, ObjectMeta,
};

use crate::diag::Code;
use crate::intent::{Fragment, LabelSelector, Operator, Requirement};
use crate::yaml::{self, Node};

use super::{Ctx, Loc};
use crate::k8s_names as names;

/// Read a custom resource cinch understands into `fragment`; `false` when `(api, kind)` is
/// not one of them (the caller skips it with its note).
pub(crate) fn lower(
    ctx: &mut Ctx<'_>,
    api: &str,
    kind: &str,
    node: &Node,
    base: &str,
    fragment: &mut Fragment,
) -> bool {
    let root = Loc::root(node, base);
    let (group, version) = api.split_once('/').unwrap_or(("", api));
    match (group, kind) {
        (
            "monitoring.coreos.com",
            "ServiceMonitor" | "PodMonitor" | "Prometheus" | "Alertmanager",
        ) if version == "v1" => {
            monitoring::lower(ctx, kind, node, base, &root, fragment);
        }
        ("security.istio.io", "AuthorizationPolicy") if matches!(version, "v1" | "v1beta1") => {
            istio::lower(ctx, node, base, &root, fragment);
        }
        ("policy.linkerd.io", "Server")
            if matches!(version, "v1alpha1" | "v1beta1" | "v1beta2" | "v1beta3") =>
        {
            linkerd::lower(ctx, kind, node, base, &root, fragment);
        }
        (
            "policy.linkerd.io",
            "AuthorizationPolicy" | "MeshTLSAuthentication" | "NetworkAuthentication",
        ) if version == "v1alpha1" => {
            linkerd::lower(ctx, kind, node, base, &root, fragment);
        }
        ("apiregistration.k8s.io", "APIService") if version == "v1" => {
            apiservice::lower(ctx, node, base, &root, fragment);
        }
        _ => return false,
    }
    true
}

/// Decode a custom resource leniently: unknown fields are ignored (see the module docs), a
/// decoding error skips the resource with a warning.
fn decode<T: serde::de::DeserializeOwned>(
    ctx: &mut Ctx<'_>,
    kind: &str,
    node: &Node,
    base: &str,
) -> Option<T> {
    match yaml::from_node_at::<T>(node, base, yaml::json::Schema::Yaml11) {
        Ok((value, _unknown)) => Some(value),
        Err(e) => {
            let mut d = e.to_diagnostic(Code::Kubernetes, &ctx.file, node.mark);
            d.severity = crate::diag::Severity::Warning;
            d.message = format!("{}; this {kind} is not read", d.message);
            ctx.diags.push(d);
            None
        }
    }
}

/// `(name, namespace)` of a namespaced resource, or `None` after an error.
fn identity(
    ctx: &mut Ctx<'_>,
    kind: &str,
    meta: &ObjectMeta,
    root: &Loc<'_>,
) -> Option<(String, String)> {
    let meta_loc = root.key("metadata");
    let name = ctx.name(kind, meta, &meta_loc, names::dns1123_subdomain)?;
    let namespace = ctx.namespace(meta, &meta_loc);
    Some((name, namespace))
}

/// A `metav1.LabelSelector` as the intent model holds it; an unknown operator is an error
/// (the API server rejects it) and the selector is dropped.
fn selector(ctx: &mut Ctx<'_>, s: &K8sLabelSelector, loc: &Loc<'_>) -> Option<LabelSelector> {
    let mut out = LabelSelector {
        match_labels: s.match_labels.clone().unwrap_or_default(),
        match_expressions: Vec::new(),
    };
    for (i, r) in s.match_expressions.iter().flatten().enumerate() {
        let operator = match r.operator.as_str() {
            "In" => Operator::In,
            "NotIn" => Operator::NotIn,
            "Exists" => Operator::Exists,
            "DoesNotExist" => Operator::DoesNotExist,
            other => {
                ctx.warn(
                    Code::InvalidValue,
                    &loc.key("matchExpressions").idx(i).key("operator"),
                    format!("`{other}` is not a selector operator (In, NotIn, Exists, DoesNotExist); the selector is not read"),
                );
                return None;
            }
        };
        out.match_expressions.push(Requirement {
            key: r.key.clone(),
            operator,
            values: r.values.clone().unwrap_or_default(),
        });
    }
    out.match_expressions.sort();
    Some(out)
}
