//! A workload's declared connections (its `Peer`s) → egress on its policy and ingress on
//! the target's.
//!
//! - S → T allows egress on S and ingress on T on T's **container** port (the resolver
//!   already mapped Service ports to container ports). A port-less peer (`depends_on`,
//!   `links`) means every port T declares — unless S also names specific ports of T, which
//!   are more specific and win (DESIGN.md §2). When T declares the port only with another
//!   protocol (`statsd:8125` read as TCP, `expose: ["8125/udp"]`), T's protocol is used.
//! - Compose: S and T must share a network; Compose only connects services on a common
//!   network (Compose spec, "Networks top-level element"). Otherwise a warning names both.
//! - Different namespaces: the peer is selected with a `namespaceSelector` on
//!   `kubernetes.io/metadata.name` beside the `podSelector`.
//! - External peers become `ipBlock`s only with an address block: from explicit intent, or an
//!   IP literal in the manifest (a /32 or /128: exactly the address written). A host name
//!   needs an FQDN-capable policy and is reported; it is never widened to 0.0.0.0/0.
//! - Neither end may be unselectable (host networking, no labels) or `network_mode: none`;
//!   each such case is a note on the policy concerned.

use std::collections::BTreeSet;

use crate::intent::{
    NetworkMode, Peer, PeerTarget, Protocol, ReferenceKind, Workload, WorkloadKind,
};

use super::labels;
use super::plan::{Endpoint, Planner, PortKey, Reason, info, warn};

/// Every port a workload declares, by (protocol, port).
pub(super) fn declared_ports(w: &Workload) -> BTreeSet<(Protocol, u16)> {
    w.containers
        .iter()
        .flat_map(|c| c.listen_ports())
        .map(|(port, proto)| (proto, port))
        .collect()
}

/// The protocols to allow for a reference to port `n` of `t`: the reference's own, unless
/// `t` declares that port only with other protocols: the target knows best.
fn protocols_on(t: &Workload, n: u16, given: Protocol) -> BTreeSet<(Protocol, u16)> {
    let declared: BTreeSet<Protocol> = declared_ports(t)
        .into_iter()
        .filter(|(_, port)| *port == n)
        .map(|(proto, _)| proto)
        .collect();
    if declared.is_empty() || declared.contains(&given) {
        return [(given, n)].into_iter().collect();
    }
    declared.into_iter().map(|proto| (proto, n)).collect()
}

fn networks(w: &Workload) -> String {
    w.network
        .networks
        .keys()
        .cloned()
        .collect::<Vec<_>>()
        .join(", ")
}

impl Planner<'_> {
    /// The rules workload `si`'s peers put on its own policy and on its targets'.
    pub fn peers(&mut self, si: usize) {
        let s = &self.model.workloads[si];
        if s.kind == WorkloadKind::Dockerfile {
            return;
        }
        // Targets S names with a port: a port-less peer to the same target adds nothing.
        let specific: BTreeSet<&str> = s
            .network
            .peers
            .iter()
            .filter(|p| p.port.is_some())
            .filter_map(|p| match &p.target {
                PeerTarget::Workload { id } => Some(id.as_str()),
                PeerTarget::External { .. } => None,
            })
            .collect();
        for p in &s.network.peers {
            let from = match &self.owners[si] {
                Ok(o) => *o,
                // S's own note says it gets no policy; the target's policy says what it misses.
                Err(why) => {
                    if let PeerTarget::Workload { id } = &p.target
                        && let Some(ti) = self.index(id)
                    {
                        let msg = format!(
                            "{} → {id}: {why}; the policy of {id} does not allow this connection",
                            s.id
                        );
                        self.note(ti, warn(msg, &p.at));
                    }
                    continue;
                }
            };
            if *self.mode(from) == NetworkMode::None {
                let what = match &p.target {
                    PeerTarget::Workload { id } => id,
                    PeerTarget::External { host, .. } => host,
                };
                let msg = format!(
                    "{}: network_mode: none allows no connection ({what} is not reachable)",
                    s.id
                );
                self.note(from, info(msg, &p.at));
                continue;
            }
            match &p.target {
                PeerTarget::External { host, cidr } => self.external(si, from, p, host, cidr),
                PeerTarget::Workload { id } => {
                    if p.port.is_none() && specific.contains(id.as_str()) {
                        continue;
                    }
                    if let Some(ti) = self.index(id) {
                        self.workload(si, from, ti, p);
                    }
                }
            }
        }
    }

    pub(super) fn index(&self, id: &str) -> Option<usize> {
        self.model
            .workloads
            .binary_search_by(|w| w.id.as_str().cmp(id))
            .ok()
    }

    fn external(&mut self, si: usize, from: usize, p: &Peer, host: &str, cidr: &Option<String>) {
        let s = &self.model.workloads[si];
        let port = p.port.map_or(PortKey::All, |n| PortKey::One(p.protocol, n));
        let shown = match p.port {
            Some(n) => format!("{host}:{n}"),
            None => host.to_owned(),
        };
        let literal = labels::host_cidr(host);
        if literal.is_none() && cidr.as_deref() != Some(host) {
            self.by_name[from] = true;
        }
        match cidr.clone().or(literal).as_deref().map(labels::cidr) {
            Some(Ok(block)) => {
                let how = if cidr.is_some() {
                    "explicit address block"
                } else {
                    "an address in the manifest"
                };
                let r = Reason {
                    why: format!("{} reaches {shown} ({how})", s.id).into(),
                    at: p.at.clone(),
                };
                self.allow(from, false, Endpoint::Cidr(block), port, r);
            }
            Some(Err(m)) => {
                let msg = format!("{}: {m}; no rule is emitted for it", s.id);
                self.note(from, warn(msg, &p.at));
            }
            None => {
                let msg = format!(
                    "{} reaches {shown} by name: a NetworkPolicy cannot allow a host name; it needs an FQDN-capable policy (e.g. Cilium toFQDNs, Calico domains) or an address block in explicit intent (x-cinch / cinch.dev/egress); not allowed here",
                    s.id
                );
                self.note(from, warn(msg, &p.at));
            }
        }
    }

    fn workload(&mut self, si: usize, from: usize, ti: usize, p: &Peer) {
        let ws = &self.model.workloads;
        let (s, t) = (&ws[si], &ws[ti]);
        let to = match &self.owners[ti] {
            Ok(o) => *o,
            Err(why) => {
                let msg = format!("{} → {}: {why}; the connection is not allowed", s.id, t.id);
                self.note(from, warn(msg, &p.at));
                return;
            }
        };
        if from == to && si != ti {
            // One network namespace (a `network_mode: service:` sidecar and its service):
            // loopback, which no policy filters.
            return;
        }
        let (sw, tw) = (&ws[from], &ws[to]);
        if *self.mode(to) == NetworkMode::None {
            let msg = format!(
                "{} → {}: {} has network_mode: none; nothing can reach it",
                s.id, t.id, tw.id
            );
            self.note(from, warn(msg, &p.at));
            return;
        }
        let compose = sw.kind == WorkloadKind::ComposeService;
        if compose
            && tw.kind == WorkloadKind::ComposeService
            && from != to
            && !sw
                .network
                .networks
                .keys()
                .any(|n| tw.network.networks.contains_key(n))
        {
            let msg = format!(
                "{} declares a connection to {}, but they share no network ({}: {}; {}: {}); Compose cannot connect them, so no rule is emitted",
                s.id,
                t.id,
                sw.name,
                networks(sw),
                tw.name,
                networks(tw)
            );
            self.note(from, warn(msg.clone(), &p.at));
            self.note(to, warn(msg, &p.at));
            return;
        }
        let ports = match p.port {
            Some(n) => protocols_on(t, n, p.protocol),
            None => declared_ports(t),
        };
        if ports.is_empty() {
            let msg = format!(
                "{} → {}: {} declares no port and the reference gives none, so no rule is emitted (declare it: Compose expose:/ports:, Kubernetes containerPort, or a port in the reference)",
                s.id, t.id, t.id
            );
            // `depends_on` orders startup and often names a one-shot job
            // (`service_completed_successfully`), not a server: only a note then.
            let ordering = s
                .network
                .references
                .iter()
                .any(|r| r.at == p.at && r.via == ReferenceKind::DependsOn);
            let n = if ordering {
                info(msg, &p.at)
            } else {
                warn(msg, &p.at)
            };
            self.note(from, n);
            return;
        }
        if let (Err(why), _) | (_, Err(why)) = (&self.selectors[from], &self.selectors[to]) {
            let msg = format!("{} → {}: {why}; the connection is not allowed", s.id, t.id);
            self.note(from, warn(msg.clone(), &p.at));
            self.note(to, warn(msg, &p.at));
            return;
        }
        let cross = sw.kind.is_kubernetes() && sw.namespace != tw.namespace;
        let (Some(src), Some(dst)) = (self.pods(from, cross), self.pods(to, cross)) else {
            return;
        };
        // A connection a custom resource declares says which one.
        let by = p.by.as_ref().map(|b| format!(" ({b})")).unwrap_or_default();
        let why: std::sync::Arc<str> = format!("{} connects to {}{by}", s.id, t.id).into();
        for (proto, n) in ports {
            let key = PortKey::One(proto, n);
            let r = Reason {
                why: why.clone(),
                at: p.at.clone(),
            };
            self.allow(to, true, src.clone(), key, r.clone());
            self.allow(from, false, dst.clone(), key, r);
        }
        self.by_name[from] = true;
    }
}
