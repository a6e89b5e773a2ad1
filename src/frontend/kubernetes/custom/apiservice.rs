//! `APIService` (`apiregistration.k8s.io/v1`, k8s-openapi's type): an aggregated API whose
//! `spec.service` names the Service the API server forwards its requests to (on
//! `spec.service.port`, 443 when unset: `ServiceReference` API docs). The API server runs on
//! the control plane, outside the pod network, so no pod selector can name it: the Service's
//! pods are reachable from anywhere on that port, and the reason says why.

use std::collections::BTreeMap;

use k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1::APIService;

use crate::intent::{
    Fragment, Grant, GrantFrom, GrantKind, GrantPort, GrantPortRef, GrantSource, GrantTarget,
};
use crate::yaml::Node;

use super::{Ctx, Loc, decode};
use crate::k8s_names as names;

/// `ServiceReference.port`'s default.
const DEFAULT_PORT: u16 = 443;

pub(super) fn lower(
    ctx: &mut Ctx<'_>,
    node: &Node,
    base: &str,
    root: &Loc<'_>,
    fragment: &mut Fragment,
) {
    let Some(a) = decode::<APIService>(ctx, "APIService", node, base) else {
        return;
    };
    // Cluster-scoped: a name, no namespace.
    let Some(name) = ctx.name(
        "APIService",
        &a.metadata,
        &root.key("metadata"),
        names::dns1123_subdomain,
    ) else {
        return;
    };
    let sl = root.key("spec").key("service");
    // No service: the API is served by the API server itself (a local APIService).
    let Some(svc) = a.spec.as_ref().and_then(|s| s.service.as_ref()) else {
        return;
    };
    let (Some(service), Some(namespace)) = (&svc.name, &svc.namespace) else {
        return;
    };
    let (port, port_at) = match svc.port {
        Some(n) => match u16::try_from(n).ok().filter(|n| *n > 0) {
            Some(p) => (p, ctx.at(&sl.key("port"))),
            None => {
                ctx.warn(
                    crate::diag::Code::InvalidValue,
                    &sl.key("port"),
                    format!("port {n} is out of range (1-65535); this APIService is not read"),
                );
                return;
            }
        },
        None => (DEFAULT_PORT, ctx.at(&sl)),
    };
    let at = ctx.at(&sl);
    fragment.grants.push(Grant {
        scope: Default::default(),
        kind: GrantKind::ApiService,
        object: format!("APIService {name}"),
        namespace: namespace.clone(),
        labels: BTreeMap::new(),
        target: GrantTarget::Service {
            namespace: namespace.clone(),
            name: service.clone(),
        },
        ports: vec![GrantPortRef {
            port: GrantPort::Number(port),
            container: false,
            at: port_at,
        }],
        from: vec![GrantFrom {
            source: GrantSource::ApiServer,
            at: at.clone(),
        }],
        at,
    });
}
