//! Linking the connection intent of custom resources (`intent::Grant`) to workloads.
//!
//! A grant's targets are workloads on container ports: the Services a ServiceMonitor
//! selects (Service port by name → `targetPort` → container port, as for references), the
//! pods a selector picks, the pods and port of a mesh `Server`. Its sources become:
//! - peers of the source workloads, when the source is a workload of the inputs: the
//!   Prometheus pods that select a monitor (`Scraper`), the pods running as a service
//!   account (a mesh identity), the resource's own pods;
//! - admissions of the targets (`Admit`) otherwise: every pod of a namespace, of every
//!   namespace, any source (the API server, which runs outside the pod network), an
//!   address block.
//!
//! A port a grant names that a target does not declare is inferred as a listen (the
//! resource says the pod serves there), as for a Service's `targetPort`. Whatever a grant
//! names that the inputs do not hold is reported once.

use crate::diag::{Code, Diagnostics, Severity};
use crate::intent::{
    Admit, AdmitFrom, Grant, GrantFrom, GrantKind, GrantPort, GrantSource, GrantTarget, Model,
    Peer, PeerTarget, Protocol, Provenance, Service, ServicePort,
};

use super::kubernetes::{container_ports, listen_mut};

/// One target of a grant: a workload, a container port (`None`: every declared port).
struct Hit {
    workload: usize,
    port: Option<u16>,
    protocol: Protocol,
    at: Provenance,
}

/// What the resolver adds to the model for the grants, applied after all are read.
#[derive(Default)]
struct Found {
    peers: Vec<(usize, Peer)>,
    admits: Vec<(usize, Admit)>,
    listens: Vec<(usize, u16, Protocol, Provenance)>,
}

pub fn resolve(model: &mut Model, diags: &mut Diagnostics) {
    model.grants.sort();
    model.grants.dedup();
    model.scrapers.sort();
    model.mesh_servers.sort();
    model.mesh_authentications.sort();
    let mut found = Found::default();
    for g in &model.grants {
        let hits = targets(model, g, diags, &mut found);
        if hits.is_empty() {
            continue;
        }
        for f in &g.from {
            sources(model, g, f, &hits, diags, &mut found, 0);
        }
    }
    for (wi, port, protocol, at) in found.listens {
        listen_mut(&mut model.workloads[wi], port, protocol, &at);
    }
    for (wi, p) in found.peers {
        model.workloads[wi].network.peers.push(p);
    }
    for (wi, a) in found.admits {
        let admits = &mut model.workloads[wi].network.admits;
        admits.push(a);
        admits.sort();
        admits.dedup();
    }
}

fn index(model: &Model, id: &str) -> Option<usize> {
    model
        .workloads
        .binary_search_by(|w| w.id.as_str().cmp(id))
        .ok()
}

fn what(kind: GrantKind) -> &'static str {
    match kind {
        GrantKind::ServiceMonitor | GrantKind::ApiService | GrantKind::Prometheus => "Service",
        GrantKind::PodMonitor
        | GrantKind::IstioAuthorizationPolicy
        | GrantKind::LinkerdAuthorizationPolicy => "pod",
    }
}

fn note(diags: &mut Diagnostics, severity: Severity, at: &Provenance, message: String) {
    diags.push(at.diagnostic(severity, Code::Unresolved, message));
}

/// The hits of Service `s`'s ports that `g` names (all of them when it names none).
fn service_hits(model: &Model, g: &Grant, s: &Service, found: &mut Found, out: &mut Vec<Hit>) {
    let all: Vec<&ServicePort> = s.ports.iter().collect();
    let mut by_service: Vec<(&ServicePort, Provenance)> = Vec::new();
    if g.ports.is_empty() {
        by_service.extend(all.iter().map(|sp| (*sp, g.at.clone())));
    }
    for pr in &g.ports {
        if pr.container {
            for t in s.targets.iter().filter_map(|t| index(model, t)) {
                pod_port(model, t, &pr.port, &pr.at, found, out);
            }
            continue;
        }
        for sp in all.iter().filter(|sp| match &pr.port {
            GrantPort::Number(n) => sp.port == *n,
            GrantPort::Name(name) => sp.name.as_deref() == Some(name.as_str()),
        }) {
            by_service.push((sp, pr.at.clone()));
        }
    }
    for (sp, at) in by_service {
        for t in s.targets.iter().filter_map(|t| index(model, t)) {
            for p in container_ports(&model.workloads[t], sp) {
                out.push(Hit {
                    workload: t,
                    port: Some(p),
                    protocol: sp.protocol,
                    at: at.clone().via(&sp.at),
                });
            }
        }
    }
}

/// A container port of workload `t` by number (inferred when undeclared) or name.
fn pod_port(
    model: &Model,
    t: usize,
    port: &GrantPort,
    at: &Provenance,
    found: &mut Found,
    out: &mut Vec<Hit>,
) {
    let w = &model.workloads[t];
    match port {
        GrantPort::Number(n) => {
            found.listens.push((t, *n, Protocol::Tcp, at.clone()));
            out.push(Hit {
                workload: t,
                port: Some(*n),
                protocol: Protocol::Tcp,
                at: at.clone(),
            });
        }
        GrantPort::Name(name) => {
            for l in w
                .containers
                .iter()
                .flat_map(|c| &c.listens)
                .filter(|l| l.name.as_deref() == Some(name.as_str()))
            {
                out.push(Hit {
                    workload: t,
                    port: Some(l.port),
                    protocol: l.protocol,
                    at: at.clone(),
                });
            }
        }
    }
}

/// Every workload and port `g` targets; a note when there is none.
fn targets(model: &Model, g: &Grant, diags: &mut Diagnostics, found: &mut Found) -> Vec<Hit> {
    let mut out = Vec::new();
    let pods_of = |ns_ok: &dyn Fn(&str) -> bool, sel: Option<&crate::intent::LabelSelector>| {
        model
            .workloads
            .iter()
            .enumerate()
            .filter(|(_, w)| w.kind.is_kubernetes() && ns_ok(&w.namespace))
            .filter(|(_, w)| sel.is_none_or(|s| s.matches(&w.labels)))
            .map(|(i, _)| i)
            .collect::<Vec<usize>>()
    };
    match &g.target {
        GrantTarget::Services {
            selector,
            namespaces,
        } => {
            for s in model.services.iter().filter(|s| {
                namespaces.contains(&g.namespace, &s.namespace)
                    && !s.selector.is_empty()
                    && selector.matches(&s.labels)
            }) {
                service_hits(model, g, s, found, &mut out);
            }
        }
        GrantTarget::Service { namespace, name } => {
            // The grant's own app's Service first, else the first of that name.
            let named = || {
                model
                    .services
                    .iter()
                    .filter(|s| &s.namespace == namespace && &s.name == name)
            };
            let s = named()
                .find(|s| s.scope == g.scope)
                .or_else(|| named().next());
            match s {
                Some(s) => service_hits(model, g, s, found, &mut out),
                None => {
                    let msg = format!(
                        "{} names Service {namespace}/{name}, which is not among the inputs; nothing is allowed for it",
                        g.object
                    );
                    note(diags, Severity::Warning, &g.at, msg);
                    return out;
                }
            }
        }
        GrantTarget::Pods {
            selector,
            namespaces,
        } => {
            let ns_ok = |ns: &str| namespaces.contains(&g.namespace, ns);
            for t in pods_of(&ns_ok, selector.as_ref()) {
                if g.ports.is_empty() {
                    out.push(Hit {
                        workload: t,
                        port: None,
                        protocol: Protocol::Tcp,
                        at: g.at.clone(),
                    });
                }
                for pr in &g.ports {
                    pod_port(model, t, &pr.port, &pr.at, found, &mut out);
                }
            }
        }
        GrantTarget::Server { namespace, name } => {
            let Some(server) = model
                .mesh_servers
                .iter()
                .find(|s| &s.namespace == namespace && &s.name == name)
            else {
                let msg = format!(
                    "{} names Server {namespace}/{name}, which is not among the inputs; nothing is allowed for it",
                    g.object
                );
                note(diags, Severity::Warning, &g.at, msg);
                return out;
            };
            let ns_ok = |ns: &str| ns == namespace;
            for t in pods_of(&ns_ok, Some(&server.pods)) {
                let at = g.at.clone().via(&server.at);
                pod_port(model, t, &server.port, &at, found, &mut out);
            }
        }
    }
    if out.is_empty() {
        let msg = format!(
            "{} selects no {} port of the inputs; nothing is allowed for it",
            g.object,
            what(g.kind)
        );
        note(diags, Severity::Note, &g.at, msg);
    }
    out
}

/// What source `f` of grant `g` adds for `hits` (peers or admissions); `depth` bounds the
/// one level of indirection an authentication resource adds.
fn sources(
    model: &Model,
    g: &Grant,
    f: &GrantFrom,
    hits: &[Hit],
    diags: &mut Diagnostics,
    found: &mut Found,
    depth: usize,
) {
    let peers_from = |sources: &[usize], found: &mut Found| {
        for &s in sources {
            for h in hits {
                found.peers.push((
                    s,
                    Peer {
                        target: PeerTarget::Workload {
                            id: model.workloads[h.workload].id.clone(),
                        },
                        port: h.port,
                        protocol: h.protocol,
                        at: f.at.clone().via(&h.at),
                        by: Some(g.object.clone()),
                    },
                ));
            }
        }
    };
    let admit = |from: AdmitFrom, why: String, found: &mut Found| {
        for h in hits {
            found.admits.push((
                h.workload,
                Admit {
                    from: from.clone(),
                    port: h.port,
                    protocol: h.protocol,
                    why: why.clone(),
                    at: f.at.clone().via(&h.at),
                },
            ));
        }
    };
    let object = &g.object;
    match &f.source {
        GrantSource::Workload { id } => {
            peers_from(&index(model, id).into_iter().collect::<Vec<_>>(), found);
        }
        GrantSource::Scrapers => {
            let kind_pm = g.kind == GrantKind::PodMonitor;
            let scrapers: Vec<usize> = model
                .scrapers
                .iter()
                .filter(|s| {
                    let sel = if kind_pm {
                        &s.pod_monitors
                    } else {
                        &s.service_monitors
                    };
                    sel.selects(&s.namespace, &g.namespace, &g.labels)
                })
                .filter_map(|s| index(model, &s.workload))
                .collect();
            if scrapers.is_empty() {
                let msg = format!(
                    "no Prometheus of the inputs selects {object}, so who scrapes it is unknown; its ports count as undeclared (give the Prometheus resource as an input)"
                );
                note(diags, Severity::Warning, &f.at, msg);
            }
            peers_from(&scrapers, found);
        }
        GrantSource::ServiceAccount { namespace, name } => {
            let pods: Vec<usize> = model
                .workloads
                .iter()
                .enumerate()
                .filter(|(_, w)| w.kind.is_kubernetes() && &w.namespace == namespace)
                .filter(|(_, w)| {
                    w.service_account
                        .as_ref()
                        .map_or("default", |sa| sa.value.as_str())
                        == name
                })
                .map(|(i, _)| i)
                .collect();
            if pods.is_empty() {
                let msg = format!(
                    "{object} allows service account {namespace}/{name}, which no workload of the inputs runs as"
                );
                note(diags, Severity::Note, &f.at, msg);
            }
            peers_from(&pods, found);
        }
        GrantSource::Namespace { name } => admit(
            AdmitFrom::Namespace { name: name.clone() },
            format!("{object} allows the pods of namespace {name}"),
            found,
        ),
        GrantSource::AllNamespaces => admit(
            AdmitFrom::AllNamespaces,
            format!("{object} allows the pods of every namespace"),
            found,
        ),
        GrantSource::Anywhere => admit(
            AdmitFrom::Anywhere,
            format!("{object} allows any source"),
            found,
        ),
        GrantSource::ApiServer => admit(
            AdmitFrom::Anywhere,
            format!(
                "{object}: the API server calls it (the control plane is outside the pod network, so no selector can name it)"
            ),
            found,
        ),
        GrantSource::Cidr { cidr } => admit(
            AdmitFrom::Cidr { cidr: cidr.clone() },
            format!("{object} allows {cidr}"),
            found,
        ),
        GrantSource::Authentication {
            resource,
            namespace,
            name,
        } => {
            let auth = model
                .mesh_authentications
                .iter()
                .find(|a| &a.kind == resource && &a.namespace == namespace && &a.name == name);
            let Some(auth) = auth.filter(|_| depth == 0) else {
                let msg = format!(
                    "{object} requires {resource} {namespace}/{name}, which is not among the inputs; nothing is allowed for it"
                );
                note(diags, Severity::Warning, &f.at, msg);
                return;
            };
            for inner in &auth.sources {
                let via = GrantFrom {
                    source: inner.source.clone(),
                    at: inner.at.clone().via(&f.at),
                };
                sources(model, g, &via, hits, diags, found, depth + 1);
            }
        }
    }
}
