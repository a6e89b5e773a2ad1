//! What each workload's policy must allow, at the level of the intent model: for every
//! workload a [`Plan`] of ingress and egress endpoints, each port with the reasons it is
//! allowed, and the notes for what a NetworkPolicy cannot express.
//!
//! Semantics (issue 7, DESIGN.md §3):
//! - a connection S → T (a `Peer` of S naming workload T) allows egress on S and ingress on
//!   T, on T's **container** port (`edges.rs`);
//! - published ports (Compose `ports:`, NodePort/LoadBalancer Services, Ingress/Gateway route
//!   backends) are reachable from anywhere, or from the `--ingress-from` peers;
//! - DNS egress is added when the workload reaches anything by name;
//! - `network_mode: none` denies everything; a workload the identity rules cannot select
//!   (`identity.rs`: host networking, no labels, a lone Dockerfile) gets no policy, and a
//!   note says why.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::diag::{Code, Severity};
use crate::intent::{Exposure, Model, NetworkMode, Note, Protocol, Provenance, WorkloadKind};

use super::Options;
use super::identity;
use super::selector::{DnsTarget, PeerSpec};
use super::undeclared::App;

/// A workload's pod labels, shared: every rule that names the workload holds them, and a
/// 10,000-workload plan names workloads hundreds of thousands of times (issue 17).
pub type Labels = Arc<BTreeMap<String, String>>;

/// Who a rule admits (ingress) or reaches (egress).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Endpoint {
    /// The pods of a workload of the inputs, by their labels; `namespace` is set when they
    /// live in another namespace than the policy (then a `namespaceSelector` is added).
    Workload {
        id: Arc<str>,
        namespace: Option<Arc<str>>,
        labels: Labels,
    },
    /// Any source: a published port without `--ingress-from`.
    Anywhere,
    /// Every pod of a namespace: `None` the policy's own (`podSelector: {}`), `Some` another
    /// (`namespaceSelector` on its name).
    Namespace(Option<String>),
    /// Every pod of every namespace (`namespaceSelector: {}`).
    Cluster,
    /// An `--ingress-from` peer.
    Given(PeerSpec),
    /// An address block outside the cluster.
    Cidr(String),
    /// The cluster's DNS servers (`--dns`).
    Dns(Arc<DnsTarget>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PortKey {
    /// Every port and protocol (an external block given without a port).
    All,
    One(Protocol, u16),
}

/// Why a port is allowed: our own words (`why`) and the place in the manifests (`at`).
/// Shared text: one connection's words go on both ends and on each of its ports.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reason {
    pub why: Arc<str>,
    pub at: Provenance,
}

/// Ports of one endpoint, each with its reasons (sorted, deduplicated).
pub type PortSet = BTreeMap<PortKey, BTreeSet<Reason>>;

/// One thing a policy allows, as the planner finds it. A plan keeps these in a flat list
/// and [`Plan::ingress_rules`] shapes them into rules only when the policy is built: the
/// maps of sets are ten times the size, and 10,000 plans exist at once (issue 17).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Allow {
    pub endpoint: Endpoint,
    pub port: PortKey,
    pub reason: Reason,
}

/// What one workload's policy must say.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub workload: String,
    /// Why the workload gets no policy (host networking, a lone Dockerfile, …).
    pub skip: Option<String>,
    /// The pod labels the policy selects.
    pub selector: Labels,
    /// `network_mode: none`: deny everything (the fact's provenance).
    pub deny_all: Option<Provenance>,
    /// What the policy allows in and out, sorted, without repeats.
    pub ingress: Vec<Allow>,
    pub egress: Vec<Allow>,
    /// Findings about this workload's connections (also printed on stderr), and the
    /// resolver's notes on its references (already printed by the resolver).
    pub notes: Vec<Note>,
}

impl Plan {
    /// The ingress rules in the policy's shape: by endpoint, then port, each port with its
    /// reasons, and no rule contained in another ([`absorb`]).
    pub fn ingress_rules(&self) -> BTreeMap<Endpoint, PortSet> {
        rules(&self.ingress)
    }

    /// The egress rules, as [`Plan::ingress_rules`].
    pub fn egress_rules(&self) -> BTreeMap<Endpoint, PortSet> {
        rules(&self.egress)
    }
}

fn rules(allows: &[Allow]) -> BTreeMap<Endpoint, PortSet> {
    let mut rules: BTreeMap<Endpoint, PortSet> = BTreeMap::new();
    for a in allows {
        rules
            .entry(a.endpoint.clone())
            .or_default()
            .entry(a.port)
            .or_default()
            .insert(a.reason.clone());
    }
    absorb(&mut rules);
    rules
}

pub fn warn(message: String, at: &Provenance) -> Note {
    Note {
        severity: Severity::Warning,
        code: Code::NetworkPolicy,
        message,
        at: at.clone(),
    }
}

pub fn info(message: String, at: &Provenance) -> Note {
    Note {
        severity: Severity::Note,
        code: Code::NetworkPolicy,
        message,
        at: at.clone(),
    }
}

/// The plans under construction, with what every step needs to know about each workload.
pub struct Planner<'m> {
    pub model: &'m Model,
    pub owners: Vec<Result<usize, String>>,
    pub selectors: Vec<Result<Labels, String>>,
    /// Each workload's id and namespace, shared by the endpoints that name it.
    ids: Vec<(Arc<str>, Arc<str>)>,
    pub plans: Vec<Plan>,
    /// The workload reaches something by name (so it needs DNS).
    pub by_name: Vec<bool>,
    /// The services of each Compose project, by (app scope, project): two projects of one
    /// name in different directories are different apps (`resolve::scope`). Built once, so
    /// finding a port's project peers is not a scan of every workload.
    pub compose_projects: BTreeMap<(Arc<str>, &'m str), Vec<usize>>,
}

impl Planner<'_> {
    pub fn note(&mut self, i: usize, n: Note) {
        self.plans[i].notes.push(n);
    }

    pub fn allow(&mut self, i: usize, ingress: bool, e: Endpoint, port: PortKey, r: Reason) {
        let list = if ingress {
            &mut self.plans[i].ingress
        } else {
            &mut self.plans[i].egress
        };
        list.push(Allow {
            endpoint: e,
            port,
            reason: r,
        });
    }

    /// The pods of workload `i` as an endpoint (`cross`: named with their namespace), or
    /// `None` when no selector can stand for them.
    pub fn pods(&self, i: usize, cross: bool) -> Option<Endpoint> {
        let labels = self.selectors[i].as_ref().ok()?;
        let (id, namespace) = &self.ids[i];
        Some(Endpoint::Workload {
            id: Arc::clone(id),
            namespace: cross.then(|| Arc::clone(namespace)),
            labels: Arc::clone(labels),
        })
    }

    pub fn mode(&self, i: usize) -> &NetworkMode {
        &self.model.workloads[i].network.mode.value
    }
}

fn publish_reason(via: &Exposure) -> String {
    match via {
        Exposure::HostPort { .. } => "published on the host (Compose ports:)".to_owned(),
        Exposure::Service {
            service,
            service_type,
        } => format!("published by {service_type} Service {service}"),
        Exposure::Route { route } => format!("published by {route}"),
    }
}

/// The plans of every workload of the model, in model order, and what each application
/// leaves undeclared (`undeclared.rs`).
pub fn plan(model: &Model, opts: &Options) -> (Vec<Plan>, Vec<App>) {
    let ws = &model.workloads;
    let owners: Vec<_> = (0..ws.len()).map(|i| identity::owner(model, i)).collect();
    let selectors: Vec<_> = ws
        .iter()
        .map(|w| identity::selector(w, opts).map(Arc::new))
        .collect();
    let plans = ws
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let skip = identity::skip(
                model,
                i,
                &owners[i],
                selectors[i].as_deref().map_err(String::as_str),
            );
            let mut notes = w.notes.clone();
            if let Some(why) = &skip
                && w.kind != WorkloadKind::Dockerfile
            {
                // Sharing another service's namespace, or an operator's pods, is normal, not
                // a gap.
                let sev = if matches!(owners[i], Ok(o) if o != i) || w.managed_by.is_some() {
                    info
                } else {
                    warn
                };
                notes.push(sev(format!("{}: no NetworkPolicy: {why}", w.id), &w.at));
            }
            Plan {
                workload: w.id.clone(),
                skip,
                selector: selectors[i].clone().unwrap_or_default(),
                deny_all: (w.network.mode.value == NetworkMode::None)
                    .then(|| w.network.mode.at.clone()),
                ingress: Vec::new(),
                egress: Vec::new(),
                notes,
            }
        })
        .collect();
    let ids = ws
        .iter()
        .map(|w| (Arc::from(w.id.as_str()), Arc::from(w.namespace.as_str())))
        .collect();
    let mut compose_projects: BTreeMap<(Arc<str>, &str), Vec<usize>> = BTreeMap::new();
    for (i, w) in ws.iter().enumerate() {
        if w.kind == WorkloadKind::ComposeService {
            compose_projects
                .entry((Arc::clone(&w.scope), w.namespace.as_str()))
                .or_default()
                .push(i);
        }
    }
    let mut p = Planner {
        model,
        owners,
        selectors,
        ids,
        plans,
        by_name: vec![false; ws.len()],
        compose_projects,
    };
    for i in 0..ws.len() {
        p.peers(i);
        published(&mut p, i, opts);
        p.admitted(i);
    }
    // After every declared rule: what is undeclared is what they leave out.
    let apps = p.undeclared(opts.undeclared);
    let dns: Vec<(Arc<DnsTarget>, Reason)> = opts
        .dns
        .iter()
        .map(|t| {
            let r = Reason {
                why: format!("name lookups (DNS: {})", t.name).into(),
                at: Provenance::baseline("cluster DNS for connections made by name"),
            };
            (Arc::new(t.clone()), r)
        })
        .collect();
    for (i, plan) in p.plans.iter_mut().enumerate() {
        if p.by_name[i] {
            for (t, r) in &dns {
                for proto in [Protocol::Udp, Protocol::Tcp] {
                    plan.egress.push(Allow {
                        endpoint: Endpoint::Dns(Arc::clone(t)),
                        port: PortKey::One(proto, t.port),
                        reason: r.clone(),
                    });
                }
            }
        }
        for list in [&mut plan.ingress, &mut plan.egress] {
            list.sort();
            list.dedup();
            list.shrink_to_fit();
        }
        plan.notes.sort();
        plan.notes.dedup();
    }
    (p.plans, apps)
}

/// Whether every peer `b` selects is selected by `a` too: anyone covers everything; a
/// workload's labels cover the workloads whose labels include them (same namespace).
fn covers(a: &Endpoint, b: &Endpoint) -> bool {
    match (a, b) {
        (Endpoint::Anywhere, _) => true,
        (
            Endpoint::Cluster,
            Endpoint::Workload { .. } | Endpoint::Namespace(_) | Endpoint::Cluster,
        ) => true,
        (Endpoint::Namespace(na), Endpoint::Workload { namespace: nb, .. }) => {
            na.as_deref() == nb.as_deref()
        }
        (Endpoint::Namespace(na), Endpoint::Namespace(nb)) => na == nb,
        (
            Endpoint::Workload {
                namespace: na,
                labels: la,
                ..
            },
            Endpoint::Workload {
                namespace: nb,
                labels: lb,
                ..
            },
        ) => na == nb && la.iter().all(|(k, v)| lb.get(k) == Some(v)),
        _ => false,
    }
}

/// Ports of one rule that a wider rule already allows move there, reasons and all, so no
/// rule is contained in another (`nca --sanity` calls such a rule redundant; a reviewer
/// would ask which one applies). frontend's rule "from loadgenerator on 8080" joins "from
/// anywhere on 8080" as one more reason. Of two endpoints with equal selectors, the first
/// keeps the ports.
fn absorb(rules: &mut BTreeMap<Endpoint, PortSet>) {
    let keys: Vec<Endpoint> = rules.keys().cloned().collect();
    for b in &keys {
        for a in &keys {
            if a == b || !covers(a, b) || (covers(b, a) && b < a) || !rules.contains_key(a) {
                continue;
            }
            let Some(bset) = rules.get(b).cloned() else {
                break;
            };
            let aset = rules.get(a).cloned().unwrap_or_default();
            let mut moved = Vec::new();
            for (k, reasons) in bset {
                let into = if aset.contains_key(&PortKey::All) {
                    PortKey::All
                } else if aset.contains_key(&k) {
                    k
                } else {
                    continue;
                };
                moved.push((k, into, reasons));
            }
            for (k, into, reasons) in moved {
                rules
                    .entry(a.clone())
                    .or_default()
                    .entry(into)
                    .or_default()
                    .extend(reasons);
                if let Some(set) = rules.get_mut(b) {
                    set.remove(&k);
                }
            }
            if rules.get(b).is_some_and(BTreeMap::is_empty) {
                rules.remove(b);
            }
        }
    }
}

/// Published ports of workload `i`: from anywhere, or from the `--ingress-from` peers, on
/// the policy of the pods that carry its traffic.
fn published(p: &mut Planner<'_>, i: usize, opts: &Options) {
    let w = &p.model.workloads[i];
    let Ok(o) = p.owners[i] else { return };
    if w.kind == WorkloadKind::Dockerfile {
        return;
    }
    for l in w.containers.iter().flat_map(|c| &c.listens) {
        for publish in &l.published {
            if *p.mode(o) == NetworkMode::None {
                let msg = format!(
                    "{}: port {} is published, but network_mode: none allows no connection",
                    w.id, l.port
                );
                p.note(o, warn(msg, &publish.at));
                continue;
            }
            let r = Reason {
                why: publish_reason(&publish.via).into(),
                at: publish.at.clone(),
            };
            let key = PortKey::One(l.protocol, l.port);
            if opts.ingress_from.is_empty() {
                p.allow(o, true, Endpoint::Anywhere, key, r);
            } else {
                for spec in &opts.ingress_from {
                    p.allow(o, true, Endpoint::Given(spec.clone()), key, r.clone());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pods(id: &str, labels: &[(&str, &str)]) -> Endpoint {
        Endpoint::Workload {
            id: id.into(),
            namespace: None,
            labels: Arc::new(
                labels
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            ),
        }
    }

    fn set(ports: &[u16], why: &str) -> PortSet {
        ports
            .iter()
            .map(|p| {
                let r = Reason {
                    why: why.into(),
                    at: Provenance::baseline("test"),
                };
                (PortKey::One(Protocol::Tcp, *p), [r].into())
            })
            .collect()
    }

    #[test]
    fn contained_rules_join_the_wider_one() {
        let mut rules: BTreeMap<Endpoint, PortSet> = BTreeMap::new();
        rules.insert(Endpoint::Anywhere, set(&[8080], "published"));
        rules.insert(pods("a", &[("app", "a")]), set(&[8080, 9090], "a calls"));
        rules.insert(
            pods("b", &[("app", "a"), ("tier", "x")]),
            set(&[9090], "b calls"),
        );
        rules.insert(pods("c", &[("app", "c")]), set(&[7000], "c calls"));
        rules.insert(pods("d", &[("app", "c")]), set(&[7000], "d calls"));
        absorb(&mut rules);
        let shape: Vec<(String, Vec<u16>, usize)> = rules
            .iter()
            .map(|(e, ports)| {
                let name = match e {
                    Endpoint::Workload { id, .. } => id.to_string(),
                    _ => "anywhere".into(),
                };
                let list = ports
                    .keys()
                    .map(|k| match k {
                        PortKey::One(_, n) => *n,
                        PortKey::All => 0,
                    })
                    .collect();
                (name, list, ports.values().map(BTreeSet::len).sum())
            })
            .collect();
        assert_eq!(
            shape,
            [
                // a's 8080 joined anywhere; b (labels ⊇ a's) joined a's 9090; d (same labels
                // as c) joined c.
                ("a".to_owned(), vec![9090], 2),
                ("c".to_owned(), vec![7000], 2),
                ("anywhere".to_owned(), vec![8080], 2),
            ]
        );
    }
}
