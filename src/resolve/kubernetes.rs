//! Linking Kubernetes objects: ConfigMap values into the environments that reference them,
//! Services to the pods they select, references to peers on the **container** port, and
//! NodePort/LoadBalancer Services and Ingress/Gateway routes to published listens.
//!
//! A host names a Service as cluster DNS does (Kubernetes docs, "DNS for Services and Pods"):
//! `svc` and `svc.ns` (resolv.conf search path), `svc.ns.svc`, `svc.ns.svc.<cluster domain>`,
//! and a pod of a headless Service as `pod.svc[.ns.svc…]`. A Service port maps to the pods by
//! `targetPort`: a number, or a name looked up among the pod's container ports with the same
//! protocol (the endpoints controller's `FindPort`).

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use super::scope::Scoped;
use crate::diag::{Code, Diagnostics, Severity};
use crate::frontend::kubernetes::{expand, hosts};
use crate::frontend::reference::{self, scheme_port};
use crate::intent::{
    ConfigMap, ContainerRole, EnvSource, EnvValue, Exposure, Fact, Listen, ListenOrigin, Model,
    MountKind, Note, Peer, PeerTarget, Protocol, Provenance, Publish, Reference, ReferenceKind,
    RoutePort, Service, ServicePort, TargetPort, Workload, WorkloadKind,
};

pub fn resolve(model: &mut Model, diags: &mut Diagnostics) {
    dedupe(model, diags);
    config_maps(model);
    select(model);
    peers(model);
    publish(model, diags);
}

/// The same Service or ConfigMap twice in one app scope (a file given twice under different
/// names, a bundle beside its parts): the first, by file name, is kept and the other
/// reported.
fn dedupe(model: &mut Model, diags: &mut Diagnostics) {
    let mut again = |what: &str, id: &str, at: &Provenance, first: &Provenance| {
        diags.push(at.diagnostic(
            Severity::Warning,
            Code::Unresolved,
            format!("{what} {id} is defined again (first at {first}); this definition is ignored"),
        ));
    };
    // Sorted by (id, scope): a duplicate within one scope follows its first. The same id in
    // two scopes is two apps' (`super::scope`).
    let mut services: Vec<Service> = Vec::with_capacity(model.services.len());
    for s in std::mem::take(&mut model.services) {
        match services.last() {
            Some(first) if (&first.id, &first.scope) == (&s.id, &s.scope) => {
                again("Service", &s.id, &s.at, &first.at)
            }
            _ => services.push(s),
        }
    }
    model.services = services;
    let mut maps: Vec<ConfigMap> = Vec::with_capacity(model.config_maps.len());
    for c in std::mem::take(&mut model.config_maps) {
        match maps.last() {
            Some(first) if (&first.id, &first.scope) == (&c.id, &c.scope) => {
                again("ConfigMap", &c.id, &c.at, &first.at)
            }
            _ => maps.push(c),
        }
    }
    model.config_maps = maps;
}

/// Every note the Kubernetes resolver makes is about something the inputs do not define
/// (a Service, a port name, a ConfigMap or key).
fn note(severity: Severity, message: String, at: &Provenance) -> Note {
    Note {
        severity,
        code: Code::Unresolved,
        message,
        at: at.clone(),
    }
}

/// ConfigMap values into `env` (`configMapKeyRef`, `envFrom`), and references found in them
/// and in ConfigMaps mounted as volumes. What cannot be known is noted once per ConfigMap.
fn config_maps(model: &mut Model) {
    let by_id = Scoped::new(
        model
            .config_maps
            .iter()
            .map(|c| (c.id.as_str(), c.scope.clone(), c)),
    );
    // Each workload reads only the ConfigMaps: in parallel (issue 17; 10,000 workloads'
    // references took a tenth of a second on one core).
    model
        .workloads
        .par_iter_mut()
        .filter(|w| w.kind.is_kubernetes())
        .for_each(|w| config_maps_of(w, &by_id));
}

/// One workload's part of [`config_maps`].
fn config_maps_of(w: &mut Workload, by_id: &Scoped<&str, &ConfigMap>) {
    // ConfigMaps not among the inputs, and keys asked for that a ConfigMap lacks.
    let mut absent = Uses::new();
    let mut missing_keys = Uses::new();
    let mut refs = Vec::new();
    let ns = w.namespace.clone();
    let scope = w.scope.clone();
    let lookup = |name: &str| by_id.get(&scope, format!("{ns}/{name}").as_str()).copied();
    for c in &mut w.containers {
        for fact in c.env.values_mut() {
            let EnvValue::ConfigMap {
                name,
                key,
                value,
                optional,
            } = &mut fact.value
            else {
                continue;
            };
            let Some(cm) = lookup(name) else {
                record(&mut absent, name, &fact.at, key.clone());
                continue;
            };
            match cm.data.get(key.as_str()) {
                Some(v) => {
                    *value = Some(v.value.clone());
                    fact.at = fact.at.clone().via(&v.at);
                }
                None if *optional => {}
                None => {
                    record(&mut missing_keys, name, &fact.at, key.clone());
                }
            }
        }
        for from in &c.env_from {
            let EnvSource::ConfigMap { name, prefix } = &from.value else {
                continue;
            };
            let Some(cm) = lookup(name) else {
                record(&mut absent, name, &from.at, "envFrom".into());
                continue;
            };
            for (key, v) in &cm.data {
                let var = format!("{}{key}", prefix.as_deref().unwrap_or(""));
                // `env` wins over `envFrom` (Container.envFrom API docs).
                c.env.entry(var).or_insert_with(|| {
                    let value = EnvValue::ConfigMap {
                        name: name.clone(),
                        key: key.clone(),
                        value: Some(v.value.clone()),
                        optional: false,
                    };
                    Fact::new(value, from.at.clone().via(&v.at))
                });
            }
        }
        let literals: BTreeMap<&str, &str> = c
            .env
            .iter()
            .filter_map(|(k, f)| Some((k.as_str(), f.value.text()?)))
            .collect();
        for (var, fact) in &c.env {
            let EnvValue::ConfigMap {
                name,
                key,
                value: Some(text),
                ..
            } = &fact.value
            else {
                continue;
            };
            if reference::name_rules_out_address(var) {
                continue;
            }
            for r in hosts(&expand(text, &literals), reference::name_hints_address(var)) {
                refs.push(reference_from(r, name, key, &c.name, fact.at.clone()));
            }
        }
        for m in c.mounts.iter().filter(|m| m.kind == MountKind::Config) {
            let Some(name) = &m.source else { continue };
            let Some(cm) = lookup(name) else {
                record(&mut absent, name, &m.at, "volume".into());
                continue;
            };
            for (key, v) in &cm.data {
                for r in hosts(&v.value, false) {
                    refs.push(reference_from(
                        r,
                        name,
                        key,
                        &c.name,
                        v.at.clone().via(&m.at),
                    ));
                }
            }
        }
    }
    refs.sort();
    refs.dedup();
    w.network.references.extend(refs);
    for (name, (at, _)) in absent {
        let msg = format!(
            "ConfigMap {name} is not among the inputs; the values this pod reads from it are unknown"
        );
        w.notes.push(note(Severity::Note, msg, &at));
    }
    for (name, (at, mut keys)) in missing_keys {
        keys.sort();
        keys.dedup();
        // The kubelet refuses to start the container (CreateContainerConfigError).
        let msg = format!(
            "ConfigMap {name} has no key {}, which this pod requires; it will not start",
            keys.join(", ")
        );
        w.notes.push(note(Severity::Warning, msg, &at));
    }
}

/// ConfigMap name → (its first use, what each use asked of it).
type Uses = BTreeMap<String, (Provenance, Vec<String>)>;

fn record(uses: &mut Uses, name: &str, at: &Provenance, asked: String) {
    uses.entry(name.to_owned())
        .or_insert_with(|| (at.clone(), Vec::new()))
        .1
        .push(asked);
}

fn reference_from(
    r: reference::HostRef,
    name: &str,
    key: &str,
    container: &str,
    at: Provenance,
) -> Reference {
    Reference {
        host: r.host,
        port: r.port,
        scheme: r.scheme,
        via: ReferenceKind::ConfigMap {
            name: name.to_owned(),
            key: key.to_owned(),
        },
        container: Some(container.to_owned()),
        at,
    }
}

/// The container ports a Service port reaches in workload `w` (see
/// [`ServicePort::container_ports`]).
pub(super) fn container_ports(w: &Workload, sp: &ServicePort) -> Vec<u16> {
    sp.container_ports(w)
}

/// The listen of `w` on (port, protocol); when no container declares it, an inferred one on
/// the only main container (a Service's targetPort says the pod listens there). `None` when
/// the pod has several main containers and none declares the port.
pub(super) fn listen_mut<'w>(
    w: &'w mut Workload,
    port: u16,
    protocol: Protocol,
    at: &Provenance,
) -> Option<&'w mut Listen> {
    let found = w.containers.iter().enumerate().find_map(|(ci, c)| {
        c.listens
            .iter()
            .position(|l| l.port == port && l.protocol == protocol)
            .map(|li| (ci, li))
    });
    if let Some((ci, li)) = found {
        return Some(&mut w.containers[ci].listens[li]);
    }
    let mains: Vec<usize> = (0..w.containers.len())
        .filter(|i| w.containers[*i].role == ContainerRole::Main)
        .collect();
    let [only] = mains.as_slice() else {
        return None;
    };
    let c = &mut w.containers[*only];
    c.listens.push(Listen {
        port,
        protocol,
        name: None,
        origin: ListenOrigin::Inferred,
        published: Vec::new(),
        at: at.clone(),
    });
    c.listens.last_mut()
}

/// Service targets by selector (same namespace, labels ⊇ selector), the listens their
/// targetPorts imply, and warnings for named targetPorts a target does not declare.
fn select(model: &mut Model) {
    // Candidates by (namespace, label, value), so a Service looks at the few workloads that
    // carry one of its selector's labels, not at all of them.
    let mut by_label: BTreeMap<(&str, &str, &str), Vec<usize>> = BTreeMap::new();
    let mut by_namespace: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, w) in model
        .workloads
        .iter()
        .enumerate()
        .filter(|(_, w)| w.kind.is_kubernetes())
    {
        by_namespace
            .entry(w.namespace.as_str())
            .or_default()
            .push(i);
        for (k, v) in &w.labels {
            by_label
                .entry((w.namespace.as_str(), k.as_str(), v.as_str()))
                .or_default()
                .push(i);
        }
    }
    let mut matches: Vec<(usize, usize)> = Vec::new();
    for (si, s) in model.services.iter().enumerate() {
        if s.selector.is_empty() {
            continue;
        }
        let ns = s.namespace.as_str();
        let indexed = s
            .selector
            .iter()
            .find(|(k, _)| !CONTROLLER_LABELS.contains(&k.as_str()));
        let candidates = match indexed {
            Some((k, v)) => by_label.get(&(ns, k.as_str(), v.as_str())),
            None => by_namespace.get(ns),
        };
        let selected: Vec<usize> = candidates
            .into_iter()
            .flatten()
            .copied()
            .filter(|&wi| {
                let w = &model.workloads[wi];
                s.selector
                    .iter()
                    .all(|(k, v)| w.labels.get(k) == Some(v) || controller_label(w, k, v))
            })
            .collect();
        // The pods of the Service's own app when it has any; else any app's (`super::scope`).
        let own = selected
            .iter()
            .any(|&wi| model.workloads[wi].scope == s.scope);
        matches.extend(
            selected
                .into_iter()
                .filter(|&wi| !own || model.workloads[wi].scope == s.scope)
                .map(|wi| (si, wi)),
        );
    }
    for (si, wi) in matches {
        let s = &mut model.services[si];
        let w = &mut model.workloads[wi];
        s.targets.push(w.id.clone());
        for sp in &s.ports {
            let ports = container_ports(w, sp);
            if ports.is_empty()
                && let TargetPort::Name(name) = &sp.target
            {
                w.notes.push(note(
                    Severity::Warning,
                    format!(
                        "Service {} port {} targets the port named `{name}` ({}), which no container of {} declares; no connection is allowed for it",
                        s.name, sp.port, sp.protocol, w.id
                    ),
                    &sp.at,
                ));
            }
            for p in ports {
                listen_mut(w, p, sp.protocol, &sp.at);
            }
        }
    }
    for s in &mut model.services {
        s.targets.sort();
        s.targets.dedup();
    }
}

const CONTROLLER_LABELS: &[&str] = &[
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
];

/// Labels a controller puts on each pod it creates, beyond the template's: a StatefulSet
/// labels pod `<name>-<ordinal>` with `statefulset.kubernetes.io/pod-name` and
/// `apps.kubernetes.io/pod-index` (Kubernetes docs, "StatefulSets: Pod Name Label"). A
/// Service selecting one such pod (redis-ha's per-replica `announce` Services) selects the
/// workload.
fn controller_label(w: &Workload, key: &str, value: &str) -> bool {
    if w.kind != WorkloadKind::StatefulSet {
        return false;
    }
    let is_ordinal = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match key {
        "statefulset.kubernetes.io/pod-name" => value
            .strip_prefix(w.name.as_str())
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(is_ordinal),
        "apps.kubernetes.io/pod-index" => is_ordinal(value),
        _ => false,
    }
}

/// How a host names a Service: candidate (name, namespace) pairs, most likely first.
fn service_candidates(host: &str, own_ns: &str) -> Vec<(String, String)> {
    let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
    let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    match labels.as_slice() {
        [svc] => vec![pair(svc, own_ns)],
        [svc, ns] => vec![pair(svc, ns), pair(ns, own_ns)],
        [svc, ns, "svc", ..] => vec![pair(svc, ns)],
        [_pod, svc, ns, "svc", ..] => vec![pair(svc, ns)],
        _ => Vec::new(),
    }
}

/// A name only cluster DNS answers: `….svc`, `….svc.cluster.local`, or `name.ns` where `ns`
/// is a namespace of the inputs.
fn is_cluster_name(host: &str, namespaces: &BTreeSet<&str>) -> bool {
    let h = host.trim_end_matches('.');
    if h.ends_with(".svc") || h.contains(".svc.") || h.ends_with(".cluster.local") {
        return true;
    }
    matches!(h.split('.').collect::<Vec<_>>().as_slice(), [_, ns] if namespaces.contains(ns))
}

/// The Service ports a reference reaches: its explicit port, else the scheme's default port
/// when the Service has it, else the Service's only port, else all of them.
fn service_ports<'s>(s: &'s Service, r: &Reference) -> Result<Vec<&'s ServicePort>, String> {
    if let Some(p) = r.port {
        let hit: Vec<&ServicePort> = s.ports.iter().filter(|sp| sp.port == p).collect();
        if hit.is_empty() {
            let have: Vec<String> = s.ports.iter().map(|sp| sp.port.to_string()).collect();
            return Err(format!(
                "port {p} is not a port of Service {} (ports: {})",
                s.id,
                have.join(", ")
            ));
        }
        return Ok(hit);
    }
    if let Some(p) = r.scheme.as_deref().and_then(scheme_port) {
        let hit: Vec<&ServicePort> = s.ports.iter().filter(|sp| sp.port == p).collect();
        if !hit.is_empty() {
            return Ok(hit);
        }
    }
    Ok(s.ports.iter().collect())
}

fn peers(model: &mut Model) {
    // (name, namespace), as `service_candidates` gives them.
    let services = Scoped::new(
        model
            .services
            .iter()
            .map(|s| ((s.name.clone(), s.namespace.clone()), s.scope.clone(), s)),
    );
    let namespaces: BTreeSet<&str> = model
        .workloads
        .iter()
        .filter(|w| w.kind.is_kubernetes())
        .map(|w| w.namespace.as_str())
        .chain(model.services.iter().map(|s| s.namespace.as_str()))
        .chain(model.config_maps.iter().map(|c| c.namespace.as_str()))
        .collect();
    // Resolved first (in parallel: each workload reads the others), applied after: peers
    // name other workloads' ids.
    let found: Vec<(usize, Vec<Peer>, Vec<Note>)> = model
        .workloads
        .par_iter()
        .enumerate()
        .filter(|(_, w)| w.kind.is_kubernetes())
        .map(|(i, w)| {
            let (peers, notes) = peers_of(w, model, &services, &namespaces);
            (i, peers, notes)
        })
        .collect();
    for (i, peers, notes) in found {
        let w = &mut model.workloads[i];
        w.network.peers.extend(peers);
        w.notes.extend(notes);
    }
}

/// Services by (name, namespace), as `service_candidates` gives them.
type ServicesByName<'m> = Scoped<(String, String), &'m Service>;

/// The peers and notes of one workload's references (see [`peers`]).
fn peers_of(
    w: &Workload,
    model: &Model,
    services: &ServicesByName<'_>,
    namespaces: &BTreeSet<&str>,
) -> (Vec<Peer>, Vec<Note>) {
    let mut peers = Vec::new();
    let mut notes = Vec::new();
    for r in &w.network.references {
        let service = service_candidates(&r.host, &w.namespace)
            .into_iter()
            .find_map(|k| services.get(&w.scope, &k).copied());
        let port = r.port.or_else(|| r.scheme.as_deref().and_then(scheme_port));
        match service {
            Some(s) if s.service_type == "ExternalName" => peers.push(Peer {
                target: PeerTarget::External {
                    host: s.external_name.clone().unwrap_or_default(),
                    cidr: None,
                },
                port,
                protocol: Protocol::Tcp,
                at: r.at.clone().via(&s.at),
                by: None,
            }),
            Some(s) => {
                if s.targets.is_empty() {
                    let why = if s.selector.is_empty() {
                        "has no selector (its endpoints are managed elsewhere)"
                    } else {
                        "selects no workload of the inputs"
                    };
                    notes.push(note(Severity::Warning, format!("`{}` names Service {}, which {why}; no connection is allowed for it", r.host, s.id), &r.at));
                    continue;
                }
                let sps = match service_ports(s, r) {
                    Ok(sps) => sps,
                    Err(m) => {
                        notes.push(note(Severity::Warning, format!("`{}`: {m}; no connection is allowed for it", r.host), &r.at));
                        continue;
                    }
                };
                // A workload reaching its own Service is kept: replicas of a StatefulSet
                // talk to each other (sentinels, seeds), and a policy must allow it.
                for target in &s.targets {
                    let Some(t) = model.workload(target) else { continue };
                    for sp in &sps {
                        for p in container_ports(t, sp) {
                            peers.push(Peer {
                                target: PeerTarget::Workload { id: t.id.clone() },
                                port: Some(p),
                                protocol: sp.protocol,
                                at: r.at.clone().via(&sp.at),
                                by: None,
                            });
                        }
                    }
                }
            }
            None if is_cluster_name(&r.host, namespaces) => notes.push(note(
                Severity::Warning,
                format!("`{}` names a cluster Service that is not among the inputs; no connection is allowed for it", r.host),
                &r.at,
            )),
            None if r.host.contains('.') || super::is_ip(&r.host) => {
                peers.push(super::external_peer(r, port))
            }
            // A bare word from a variable named like an address is only a guess; it is
            // dropped quietly unless it names a Service (as for Compose).
            None if matches!(r.via, ReferenceKind::Env { .. } | ReferenceKind::Arg | ReferenceKind::ConfigMap { .. })
                && r.port.is_none()
                && r.scheme.is_none() => {}
            None => notes.push(super::unresolved(r)),
        }
    }
    (peers, notes)
}

/// NodePort/LoadBalancer Services and route backends mark the listens they publish.
fn publish(model: &mut Model, diags: &mut Diagnostics) {
    let mut marks: Vec<(String, ServicePort, Exposure)> = Vec::new();
    for s in &model.services {
        if matches!(s.service_type.as_str(), "NodePort" | "LoadBalancer") {
            for sp in &s.ports {
                let via = Exposure::Service {
                    service: s.id.clone(),
                    service_type: s.service_type.clone(),
                };
                marks.extend(
                    s.targets
                        .iter()
                        .map(|t| (t.clone(), sp.clone(), via.clone())),
                );
            }
        }
    }
    let by_name = Scoped::new(
        model
            .services
            .iter()
            .map(|s| ((s.namespace.as_str(), s.name.as_str()), s.scope.clone(), s)),
    );
    for route in &model.routes {
        let key = (route.namespace.as_str(), route.service.as_str());
        let Some(s) = by_name.get(&route.scope, &key) else {
            diags.push(route.at.diagnostic(
                Severity::Note,
                Code::Unresolved,
                format!(
                    "{} sends traffic to Service {}/{}, which is not among the inputs",
                    route.route, route.namespace, route.service
                ),
            ));
            continue;
        };
        let sps: Vec<&ServicePort> = s
            .ports
            .iter()
            .filter(|sp| match &route.port {
                RoutePort::Number(n) => sp.port == *n,
                RoutePort::Name(n) => sp.name.as_deref() == Some(n.as_str()),
                RoutePort::Unspecified => true,
            })
            .collect();
        if sps.is_empty() {
            diags.push(route.at.diagnostic(
                Severity::Warning,
                Code::Unresolved,
                format!("{}: Service {} has no such port", route.route, s.id),
            ));
        }
        for sp in sps {
            let mut sp = sp.clone();
            sp.at = route.at.clone().via(&sp.at);
            let via = Exposure::Route {
                route: route.route.clone(),
            };
            marks.extend(
                s.targets
                    .iter()
                    .map(|t| (t.clone(), sp.clone(), via.clone())),
            );
        }
    }
    for (target, sp, via) in marks {
        let Ok(i) = model
            .workloads
            .binary_search_by(|w| w.id.as_str().cmp(&target))
        else {
            continue;
        };
        let w = &mut model.workloads[i];
        for p in container_ports(w, &sp) {
            if let Some(l) = listen_mut(w, p, sp.protocol, &sp.at) {
                l.published.push(Publish {
                    via: via.clone(),
                    at: sp.at.clone(),
                });
                l.published.sort();
                l.published.dedup();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_names_as_cluster_dns_resolves_them() {
        let c = |h: &str| service_candidates(h, "shop");
        let p = |a: &str, b: &str| (a.to_owned(), b.to_owned());
        assert_eq!(c("redis"), [p("redis", "shop")]);
        assert_eq!(c("redis.cache"), [p("redis", "cache"), p("cache", "shop")]);
        assert_eq!(c("redis.cache.svc"), [p("redis", "cache")]);
        assert_eq!(c("redis.cache.svc.cluster.local"), [p("redis", "cache")]);
        assert_eq!(
            c("redis-0.redis.cache.svc.cluster.local"),
            [p("redis", "cache")]
        );
        assert!(c("api.stripe.com").is_empty());
        let ns: BTreeSet<&str> = ["shop"].into_iter().collect();
        assert!(is_cluster_name("x.y.svc.cluster.local", &ns));
        assert!(is_cluster_name("statsd.shop", &ns));
        assert!(!is_cluster_name("api.stripe.com", &ns));
        assert!(!is_cluster_name("example.com", &ns));
    }
}
