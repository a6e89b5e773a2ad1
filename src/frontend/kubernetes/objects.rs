//! The objects that link workloads: Services (a name → pods by selector, Service port →
//! container port), Ingress and Gateway API routes (a Service port published from outside),
//! ConfigMaps (values that may name services). Linking is the resolver's job; this only reads.

use k8s_openapi::api::core::v1::{ConfigMap, Service};
use k8s_openapi::api::networking::v1::{Ingress, IngressBackend};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::diag::Code;
use crate::intent::{self, Fact, Protocol, Route, RoutePort, ServicePort, TargetPort};
use crate::yaml::Node;

use super::container::port_number;
use super::{Ctx, Loc};
use crate::k8s_names as names;

const SERVICE_TYPES: &[&str] = &["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"];

pub(crate) fn service(ctx: &mut Ctx<'_>, s: &Service, root: &Loc<'_>) -> Option<intent::Service> {
    let meta_loc = root.key("metadata");
    // Service names are DNS-1035 labels: they become `<name>.<namespace>.svc` DNS names.
    let name = ctx.name("Service", &s.metadata, &meta_loc, names::dns1035_label)?;
    let namespace = ctx.namespace(&s.metadata, &meta_loc);
    let sl = root.key("spec");
    let spec = s.spec.clone().unwrap_or_default();
    let service_type = spec.type_.clone().unwrap_or_else(|| "ClusterIP".to_owned());
    if !SERVICE_TYPES.contains(&service_type.as_str()) {
        ctx.error(
            Code::InvalidValue,
            &sl.key("type"),
            format!(
                "`{service_type}` is not a Service type ({})",
                SERVICE_TYPES.join(", ")
            ),
        );
        return None;
    }
    let mut ports = Vec::new();
    for (i, p) in spec.ports.iter().flatten().enumerate() {
        let pl = sl.key("ports").idx(i);
        let Some(port) = port_number(ctx, p.port, &pl.key("port")) else {
            continue;
        };
        let tl = pl.key("targetPort");
        let target = match &p.target_port {
            None => TargetPort::Number(port),
            Some(IntOrString::Int(n)) => match port_number(ctx, *n, &tl) {
                Some(n) => TargetPort::Number(n),
                None => continue,
            },
            Some(IntOrString::String(s)) => match s.parse::<i32>() {
                Ok(n) => {
                    ctx.warn(
                        Code::WrongType,
                        &tl,
                        format!("targetPort \"{s}\" is quoted: Kubernetes reads a string as a port name; read here as the number {n}"),
                    );
                    match port_number(ctx, n, &tl) {
                        Some(n) => TargetPort::Number(n),
                        None => continue,
                    }
                }
                Err(_) => {
                    if let Err(m) = names::port_name(s) {
                        ctx.error(Code::InvalidValue, &tl, m);
                        continue;
                    }
                    TargetPort::Name(s.clone())
                }
            },
        };
        let protocol = match p.protocol.as_deref() {
            None => Protocol::Tcp,
            Some(s) => match Protocol::parse(s) {
                Some(proto) => proto,
                None => {
                    ctx.error(
                        Code::InvalidValue,
                        &pl.key("protocol"),
                        format!("`{s}` is not TCP, UDP or SCTP"),
                    );
                    continue;
                }
            },
        };
        let node_port = match p.node_port {
            Some(n) => Some(port_number(ctx, n, &pl.key("nodePort"))?),
            None => None,
        };
        ports.push(ServicePort {
            name: p.name.clone(),
            port,
            target,
            protocol,
            node_port,
            at: ctx.at(&pl),
        });
    }
    let external_name = spec
        .external_name
        .clone()
        .filter(|_| service_type == "ExternalName");
    if service_type == "ExternalName" && external_name.is_none() {
        ctx.error(
            Code::Kubernetes,
            &sl,
            "an ExternalName Service needs spec.externalName",
        );
        return None;
    }
    Some(intent::Service {
        id: format!("{namespace}/{name}"),
        namespace,
        name,
        service_type,
        selector: spec.selector.clone().unwrap_or_default(),
        labels: s.metadata.labels.clone().unwrap_or_default(),
        ports,
        external_name,
        at: ctx.at(&meta_loc.key("name")),
        targets: Vec::new(),
    })
}

pub(crate) fn config_map(
    ctx: &mut Ctx<'_>,
    c: &ConfigMap,
    root: &Loc<'_>,
) -> Option<intent::ConfigMap> {
    let meta_loc = root.key("metadata");
    let name = ctx.name(
        "ConfigMap",
        &c.metadata,
        &meta_loc,
        names::dns1123_subdomain,
    )?;
    let namespace = ctx.namespace(&c.metadata, &meta_loc);
    let dl = root.key("data");
    let data = c
        .data
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), Fact::new(v.clone(), ctx.at(&dl.key(k)))))
        .collect();
    Some(intent::ConfigMap {
        id: format!("{namespace}/{name}"),
        namespace,
        name,
        data,
        at: ctx.at(&meta_loc.key("name")),
    })
}

/// Every Service backend of an Ingress (`defaultBackend` and `rules[].http.paths[].backend`).
pub(crate) fn ingress(ctx: &mut Ctx<'_>, i: &Ingress, root: &Loc<'_>) -> Vec<Route> {
    let meta_loc = root.key("metadata");
    let Some(name) = ctx.name("Ingress", &i.metadata, &meta_loc, names::dns1123_subdomain) else {
        return Vec::new();
    };
    let namespace = ctx.namespace(&i.metadata, &meta_loc);
    let route = format!("Ingress {namespace}/{name}");
    let sl = root.key("spec");
    let Some(spec) = &i.spec else {
        return Vec::new();
    };
    let mut backends: Vec<(&IngressBackend, Loc<'_>)> = Vec::new();
    if let Some(b) = &spec.default_backend {
        backends.push((b, sl.key("defaultBackend")));
    }
    for (r, rule) in spec.rules.iter().flatten().enumerate() {
        let pl = sl.key("rules").idx(r).key("http").key("paths");
        for (p, path) in rule.http.iter().flat_map(|h| h.paths.iter()).enumerate() {
            backends.push((&path.backend, pl.idx(p).key("backend")));
        }
    }
    let mut out = Vec::new();
    for (b, loc) in backends {
        // A `resource` backend (a storage bucket, …) is not a workload.
        let Some(svc) = &b.service else { continue };
        let sl = loc.key("service");
        let port = match &svc.port {
            Some(p) => match (&p.number, &p.name) {
                (Some(n), _) => match port_number(ctx, *n, &sl.key("port").key("number")) {
                    Some(n) => RoutePort::Number(n),
                    None => continue,
                },
                (None, Some(name)) => RoutePort::Name(name.clone()),
                (None, None) => RoutePort::Unspecified,
            },
            None => RoutePort::Unspecified,
        };
        out.push(Route {
            route: route.clone(),
            namespace: namespace.clone(),
            service: svc.name.clone(),
            port,
            at: ctx.at(&sl),
        });
    }
    out
}

/// Gateway API routes (`HTTPRoute`, `GRPCRoute`, `TCPRoute`, `TLSRoute`, `UDPRoute`): every
/// `spec.rules[].backendRefs[]` of kind Service (the default). Read from the tree: no typed
/// crate for the Gateway API is among our dependencies, and four fields are all we need.
pub(crate) fn gateway_route(ctx: &mut Ctx<'_>, kind: &str, root: &Loc<'_>) -> Vec<Route> {
    let Some(node) = root.node() else {
        return Vec::new();
    };
    let meta_loc = root.key("metadata");
    let text = |n: Option<&Node>| n.and_then(Node::as_str).map(str::to_owned);
    let Some(name) = text(node.get("metadata").and_then(|m| m.get("name"))) else {
        ctx.error(
            Code::Kubernetes,
            &meta_loc,
            format!("a {kind} needs metadata.name"),
        );
        return Vec::new();
    };
    if let Err(m) = names::dns1123_subdomain(&name) {
        ctx.error(
            Code::InvalidValue,
            &meta_loc.key("name"),
            format!("{kind} name {m}"),
        );
        return Vec::new();
    }
    let meta = k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
        namespace: text(node.get("metadata").and_then(|m| m.get("namespace"))),
        ..Default::default()
    };
    let namespace = ctx.namespace(&meta, &meta_loc);
    let route = format!("{kind} {namespace}/{name}");
    let rules_loc = root.key("spec").key("rules");
    let mut out = Vec::new();
    let rules = rules_loc.node().and_then(Node::as_seq).unwrap_or_default();
    for (r, rule) in rules.iter().enumerate() {
        let bl = rules_loc.idx(r).key("backendRefs");
        let Some(refs) = rule.get("backendRefs") else {
            continue;
        };
        let Some(refs) = refs.as_seq() else {
            ctx.error(
                Code::WrongType,
                &bl,
                format!("expected a list, found {}", refs.kind()),
            );
            continue;
        };
        for (b, backend) in refs.iter().enumerate() {
            let l = bl.idx(b);
            let group = text(backend.get("group")).unwrap_or_default();
            let backend_kind = text(backend.get("kind")).unwrap_or_else(|| "Service".to_owned());
            if !group.is_empty() || backend_kind != "Service" {
                continue;
            }
            let Some(service) = text(backend.get("name")) else {
                ctx.error(Code::Kubernetes, &l, "a backendRef needs a name");
                continue;
            };
            let port = match backend.get("port") {
                None => RoutePort::Unspecified,
                Some(p) => match p.as_i64().and_then(|n| i32::try_from(n).ok()) {
                    Some(n) => match port_number(ctx, n, &l.key("port")) {
                        Some(n) => RoutePort::Number(n),
                        None => continue,
                    },
                    None => {
                        ctx.error(
                            Code::WrongType,
                            &l.key("port"),
                            format!("expected a port number, found {}", p.kind()),
                        );
                        continue;
                    }
                },
            };
            out.push(Route {
                route: route.clone(),
                namespace: text(backend.get("namespace")).unwrap_or_else(|| namespace.clone()),
                service,
                port,
                at: ctx.at(&l),
            });
        }
    }
    out
}
