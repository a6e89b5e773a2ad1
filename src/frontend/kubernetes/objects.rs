//! The objects that link workloads: Services (a name → pods by selector, Service port →
//! container port), Ingress and Gateway API routes (a Service port published from outside),
//! ConfigMaps (values that may name services). Linking is the resolver's job; this only reads.

use k8s_openapi::api::core::v1::{ConfigMap, Service};
use k8s_openapi::api::networking::v1::{Ingress, IngressBackend};

use crate::diag::Code;
use crate::intent::{self, Fact, Route, RoutePort, ServicePort, TargetPort};
use crate::yaml::Node;

use super::container::port_number;
use super::defaults::{self, Target};
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
    // `SetDefaults_Service`: type "" is ClusterIP.
    let service_type = spec
        .type_
        .clone()
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "ClusterIP".to_owned());
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
    let all = spec.ports.as_deref().unwrap_or_default();
    let mut names_seen = std::collections::BTreeSet::new();
    for (i, p) in all.iter().enumerate() {
        let pl = sl.key("ports").idx(i);
        if let Some(sp) = service_port(ctx, p, &pl, all.len(), &mut names_seen) {
            ports.push(sp);
        }
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
        scope: Default::default(),
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

/// One Service port, defaulted and checked as `SetDefaults_Service` and
/// `validateServicePort` do (`defaults.rs`). `count`: how many ports the Service has (each
/// needs a name when there are several).
fn service_port(
    ctx: &mut Ctx<'_>,
    p: &k8s_openapi::api::core::v1::ServicePort,
    pl: &Loc<'_>,
    count: usize,
    names_seen: &mut std::collections::BTreeSet<String>,
) -> Option<ServicePort> {
    match p.name.as_deref().filter(|n| !n.is_empty()) {
        None if count > 1 => {
            ctx.error(
                Code::InvalidValue,
                pl,
                "a Service with several ports needs a name on each",
            );
            return None;
        }
        None => {}
        Some(n) => {
            if let Err(m) = names::dns1123_label(n) {
                ctx.error(
                    Code::InvalidValue,
                    &pl.key("name"),
                    format!("Service port name {m}"),
                );
                return None;
            }
            if !names_seen.insert(n.to_owned()) {
                ctx.error(
                    Code::InvalidValue,
                    &pl.key("name"),
                    format!("Service port name `{n}` is used twice"),
                );
                return None;
            }
        }
    }
    let port = port_number(ctx, p.port, &pl.key("port"))?;
    let tl = pl.key("targetPort");
    let target = match defaults::target_port(p.target_port.as_ref()) {
        Target::SamePort => TargetPort::Number(port),
        Target::Number(n) => TargetPort::Number(port_number(ctx, n, &tl)?),
        Target::Name(s) => {
            if let Err(m) = names::port_name(s) {
                // `targetPort: "8080"` is a string, so a port name, and a port name needs a
                // letter (`ValidatePortNumOrName`).
                let m = if s.bytes().all(|b| b.is_ascii_digit()) {
                    format!(
                        "targetPort \"{s}\" is quoted, so Kubernetes reads it as a port name, and a port name needs a letter; write {s} without quotes"
                    )
                } else {
                    m
                };
                ctx.error(Code::InvalidValue, &tl, m);
                return None;
            }
            TargetPort::Name(s.to_owned())
        }
    };
    let protocol = match defaults::protocol(p.protocol.as_deref()) {
        Ok(proto) => proto,
        Err(m) => {
            ctx.error(Code::InvalidValue, &pl.key("protocol"), m);
            return None;
        }
    };
    // 0 asks the cluster to allocate one.
    let node_port = match defaults::optional_port(p.node_port) {
        Some(n) => Some(port_number(ctx, n, &pl.key("nodePort"))?),
        None => None,
    };
    Some(ServicePort {
        name: p.name.clone().filter(|n| !n.is_empty()),
        port,
        target,
        protocol,
        node_port,
        at: ctx.at(pl),
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
        scope: Default::default(),
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
            scope: Default::default(),
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
                scope: Default::default(),
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
