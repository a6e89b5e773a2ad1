//! The resolver links what the frontends found in separate sources: references between
//! workloads become peers, a port another workload reaches becomes a listen fact of the
//! target, explicit egress becomes external peers. It reads no files.
//!
//! Compose: a host resolves within the same project, by service name, network alias or
//! `container_name`. A dotted name or IP that resolves to nothing is an external peer; a
//! single-label name that resolves to nothing is reported (a typo, or a service of an
//! overlay file not given as input).
//!
//! Kubernetes (`kubernetes.rs`): ConfigMap values reach the environments that read them,
//! Services select workloads by labels, a host naming a Service becomes a peer on the
//! selected workload's container port, and NodePort/LoadBalancer Services and routes mark
//! the listens they publish.

mod grants;
mod kubernetes;
mod ports;
pub mod scope;

pub mod image;

use rayon::prelude::*;

use crate::diag::{Code, Diagnostics, Severity};
use crate::frontend::reference::scheme_port;
use crate::intent::{
    Fragment, Listen, ListenOrigin, Model, Note, Peer, PeerTarget, Protocol, Reference,
    ReferenceKind, WorkloadKind,
};

/// Link the fragments of all sources into one model.
pub fn resolve(mut fragments: Vec<Fragment>, diags: &mut Diagnostics) -> Model {
    scope::qualify(&mut fragments);
    let mut all = Fragment::default();
    // One allocation per list: growing them one fragment at a time copied 10,000
    // workloads (900 bytes each) over and over into fresh memory (issue 17).
    all.workloads
        .reserve_exact(fragments.iter().map(|f| f.workloads.len()).sum());
    all.services
        .reserve_exact(fragments.iter().map(|f| f.services.len()).sum());
    all.config_maps
        .reserve_exact(fragments.iter().map(|f| f.config_maps.len()).sum());
    for f in fragments {
        all.extend(f);
    }
    let mut model = Model {
        workloads: all.workloads,
        services: all.services,
        routes: all.routes,
        config_maps: all.config_maps,
        grants: all.grants,
        scrapers: all.scrapers,
        mesh_servers: all.mesh_servers,
        mesh_authentications: all.mesh_authentications,
        manifests: all.manifests,
    };
    model.manifests.sort_by(|a, b| a.file.cmp(&b.file));
    // Stable sorts on both cores: the same order as `sort_by`, and the serial sorts of
    // 10,000 workloads and Services were a third of resolving's time (issue 17).
    model
        .workloads
        .par_sort_by(|a, b| a.id.cmp(&b.id).then_with(|| a.at.cmp(&b.at)));
    dedupe_ids(&mut model, diags);
    // By scope within an id, so that a duplicate within one scope is next to its first.
    model.services.par_sort_by(|a, b| {
        (&a.id, &a.scope)
            .cmp(&(&b.id, &b.scope))
            .then_with(|| a.at.cmp(&b.at))
    });
    model.routes.sort_by(|a, b| {
        (&a.route, &a.namespace, &a.service, &a.at).cmp(&(
            &b.route,
            &b.namespace,
            &b.service,
            &b.at,
        ))
    });
    model.config_maps.par_sort_by(|a, b| {
        (&a.id, &a.scope)
            .cmp(&(&b.id, &b.scope))
            .then_with(|| a.at.cmp(&b.at))
    });
    explicit_references(&mut model);
    resolve_compose(&mut model);
    kubernetes::resolve(&mut model, diags);
    grants::resolve(&mut model, diags);
    ports::infer(&mut model);
    explicit_egress(&mut model);
    model.workloads.par_iter_mut().for_each(|w| {
        w.network.peers.sort();
        w.network.peers.dedup();
        w.notes.sort();
        w.notes.dedup();
        // Lists whose order is not meaningful are sorted, so that reordering keys in a
        // manifest (`volumes:` before `secrets:`) never reorders output.
        for c in &mut w.containers {
            c.listens.sort();
            c.listens.dedup();
            c.mounts.sort();
            c.devices.sort();
            c.probes.sort();
        }
    });
    for w in &model.workloads {
        for n in &w.notes {
            diags.push(n.at.diagnostic(n.severity, Code::Unresolved, n.message.clone()));
        }
    }
    // Their values are in the workloads' `env` and references now, and nothing after the
    // resolver reads them: their memory goes to the backends (issue 17).
    std::mem::take(&mut model.config_maps)
        .into_par_iter()
        .for_each(drop);
    model
}

/// Two definitions of one workload id in one app scope (the same service in two Compose
/// files of one project; ids two scopes share were qualified apart by `scope::qualify`):
/// the first (by file name) is kept, the other reported.
fn dedupe_ids(model: &mut Model, diags: &mut Diagnostics) {
    // Workloads are sorted by id: each run of equal ids is one group. A Compose file named as
    // `docker compose` reads by default (`docker-compose.yml`) is the project's own definition
    // and wins over a variant beside it (`docker-compose.images.yml`); else the first wins.
    let preferred = |w: &crate::intent::Workload| {
        !(w.kind == crate::intent::WorkloadKind::ComposeService
            && w.at
                .file()
                .is_some_and(crate::frontend::compose::is_default_file))
    };
    let mut kept: Vec<crate::intent::Workload> = Vec::with_capacity(model.workloads.len());
    let mut group: Vec<crate::intent::Workload> = Vec::new();
    let mut flush = |group: &mut Vec<crate::intent::Workload>, kept: &mut Vec<_>| {
        let Some(best) = group
            .iter()
            .enumerate()
            .min_by_key(|(i, w)| (preferred(w), *i))
            .map(|(i, _)| i)
        else {
            return;
        };
        let winner = group.swap_remove(best);
        group.sort_by(|a, b| a.at.cmp(&b.at));
        for w in group.drain(..) {
            let hint = if w.kind == crate::intent::WorkloadKind::ComposeService {
                " (cinch merges compose.override.yaml into the compose.yaml beside it, as docker compose does; read other variants in separate runs)"
            } else {
                ""
            };
            diags.push(w.at.diagnostic(
                Severity::Warning,
                Code::Unresolved,
                format!(
                    "workload {} is defined again (kept: {}); this definition is ignored{hint}",
                    w.id, winner.at
                ),
            ));
        }
        kept.push(winner);
    };
    for w in std::mem::take(&mut model.workloads) {
        if group.first().is_some_and(|g| g.id != w.id) {
            flush(&mut group, &mut kept);
        }
        group.push(w);
    }
    flush(&mut group, &mut kept);
    model.workloads = kept;
}

fn is_ip(host: &str) -> bool {
    host.parse::<std::net::IpAddr>().is_ok()
}

/// A reference to a dotted name or an address that no workload of the inputs answers to:
/// a peer outside (Compose and Kubernetes alike).
fn external_peer(r: &Reference, port: Option<u16>) -> Peer {
    Peer {
        target: PeerTarget::External {
            host: r.host.clone(),
            cidr: None,
        },
        port,
        protocol: Protocol::Tcp,
        at: r.at.clone(),
        by: None,
    }
}

fn resolve_compose(model: &mut Model) {
    // (project, name or alias) → workload index, in the asker's scope first. Service names
    // come before aliases, so a name wins over another service's alias.
    let services = || {
        model
            .workloads
            .iter()
            .enumerate()
            .filter(|(_, w)| w.kind == WorkloadKind::ComposeService)
    };
    let own = services().map(|(i, w)| ((w.namespace.clone(), w.name.clone()), w.scope.clone(), i));
    let aliases = services().flat_map(|(i, w)| {
        w.network.networks.values().flat_map(move |aliases| {
            aliases
                .value
                .iter()
                .map(move |a| ((w.namespace.clone(), a.clone()), w.scope.clone(), i))
        })
    });
    let names = scope::Scoped::new(own.chain(aliases));
    let mut inferred: Vec<(usize, Listen)> = Vec::new();
    for i in 0..model.workloads.len() {
        if model.workloads[i].kind != WorkloadKind::ComposeService {
            continue;
        }
        let project = model.workloads[i].namespace.clone();
        let scope = model.workloads[i].scope.clone();
        let refs = model.workloads[i].network.references.clone();
        let mut peers = Vec::new();
        let mut notes = Vec::new();
        for r in &refs {
            let port = r.port.or_else(|| r.scheme.as_deref().and_then(scheme_port));
            match names.get(&scope, &(project.clone(), r.host.clone())) {
                Some(&t) if t == i => {}
                Some(&t) => {
                    let target = &model.workloads[t];
                    if let Some(p) = port
                        && !target
                            .containers
                            .iter()
                            .any(|c| c.listens.iter().any(|l| l.port == p))
                    {
                        inferred.push((t, inferred_listen(p, r)));
                    }
                    peers.push(Peer {
                        target: PeerTarget::Workload {
                            id: target.id.clone(),
                        },
                        port,
                        protocol: Protocol::Tcp,
                        at: r.at.clone(),
                        by: None,
                    });
                }
                None if r.host.contains('.') || is_ip(&r.host) => {
                    peers.push(external_peer(r, port))
                }
                // A bare word from a variable named like an address (`REDIS_HOST: cache`)
                // is only a guess; it is dropped quietly unless it names a service.
                None if matches!(r.via, ReferenceKind::Env { .. } | ReferenceKind::Arg)
                    && r.port.is_none()
                    && r.scheme.is_none() => {}
                None => notes.push(unresolved(r)),
            }
        }
        let w = &mut model.workloads[i];
        w.network.peers.extend(peers);
        w.notes.extend(notes);
    }
    for (t, listen) in inferred {
        if let Some(c) = model.workloads[t].containers.first_mut()
            && !c
                .listens
                .iter()
                .any(|l| l.port == listen.port && l.protocol == listen.protocol)
        {
            c.listens.push(listen);
        }
    }
}

/// The port a reference reaches, as a listen fact of the target (provenance: the reference).
pub fn inferred_listen(port: u16, r: &Reference) -> Listen {
    Listen {
        port,
        protocol: Protocol::Tcp,
        name: None,
        origin: ListenOrigin::Inferred,
        published: Vec::new(),
        at: r.at.clone(),
    }
}

fn unresolved(r: &Reference) -> Note {
    let what = match &r.via {
        ReferenceKind::DependsOn => "depends_on names",
        ReferenceKind::Link | ReferenceKind::ExternalLink => "links names",
        ReferenceKind::Env { .. } => "environment value names",
        ReferenceKind::Arg => "command names",
        ReferenceKind::ConfigMap { .. } => "ConfigMap value names",
        ReferenceKind::Explicit => "explicit intent names",
    };
    Note {
        severity: Severity::Warning,
        code: Code::Unresolved,
        message: format!(
            "{what} `{}`, which is not a service of the inputs; no connection is allowed for it",
            r.host
        ),
        at: r.at.clone(),
    }
}

/// Explicit egress to a host name (`x-cinch: {egress: [details:9080]}`, `cinch.dev/egress`)
/// is a reference like any other: it resolves to a service of the inputs when it names one
/// (the way to declare a connection no manifest value shows), else to an external host.
/// A lone Dockerfile has no peers to resolve against; its explicit egress stays external.
fn explicit_references(model: &mut Model) {
    for w in model
        .workloads
        .iter_mut()
        .filter(|w| w.kind != WorkloadKind::Dockerfile)
    {
        let own = w.explicit.egress.iter().map(|e| (None, e));
        let per_container = w.containers.iter().flat_map(|c| {
            c.explicit
                .egress
                .iter()
                .map(move |e| (Some(c.name.clone()), e))
        });
        let refs: Vec<Reference> = own
            .chain(per_container)
            .filter(|(_, e)| e.value.cidr.is_none())
            .filter_map(|(container, e)| {
                Some(Reference {
                    host: e.value.host.clone()?,
                    port: e.value.port,
                    scheme: None,
                    via: ReferenceKind::Explicit,
                    container,
                    at: e.at.clone(),
                })
            })
            .collect();
        w.network.references.extend(refs);
        w.network.references.sort();
        w.network.references.dedup();
    }
}

/// Explicit egress to an address block (and, for a lone Dockerfile, to any host) becomes
/// external peers; host names were resolved as references (`explicit_references`).
fn explicit_egress(model: &mut Model) {
    for w in &mut model.workloads {
        let lone = w.kind == WorkloadKind::Dockerfile;
        let mut sources: Vec<&crate::intent::Explicit> = vec![&w.explicit];
        sources.extend(w.containers.iter().map(|c| &c.explicit));
        let peers: Vec<Peer> = sources
            .into_iter()
            .flat_map(|e| e.egress.iter())
            .filter(|e| lone || e.value.cidr.is_some())
            .map(|e| Peer {
                target: PeerTarget::External {
                    host: e
                        .value
                        .host
                        .clone()
                        .or_else(|| e.value.cidr.clone())
                        .unwrap_or_default(),
                    cidr: e.value.cidr.clone(),
                },
                port: e.value.port,
                protocol: e.value.protocol,
                at: e.at.clone(),
                by: None,
            })
            .collect();
        w.network.peers.extend(peers);
    }
}
