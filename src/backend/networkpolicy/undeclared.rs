//! Undeclared intent (issue 20, DESIGN.md §8): undeclared is not "none".
//!
//! Two things in the manifests say that connections exist without saying whose:
//! - a **Service-backed port** that nothing declared reaches: a Service's target port on a
//!   pod it selects (for Compose: a port a service listens on, `expose:` or the image's
//!   `EXPOSE`, that is not published), which no ingress rule of the pod's policy admits —
//!   no workload names it, no custom resource grants it, it is not published;
//! - an **undeclared workload**: one that names no other workload at all, while its
//!   namespace (Compose: project) has undeclared ports of other workloads. Its callees are
//!   compiled into its code (Istio's bookinfo: `productpage` calls `details:9080`). An
//!   undeclared port is the evidence that some caller is hidden; where every port has its
//!   declared callers (microservices-demo), a workload naming nobody is a leaf (a database,
//!   `paymentservice`) and its policy stays exact.
//!
//! What cinch writes for them is `--undeclared`:
//! - `deny`: nothing (the exact policies of complete manifests);
//! - `namespace` (default): the port admits every pod of its namespace (`podSelector: {}`;
//!   for Compose every service of the project that shares a network with it: kompose puts a
//!   project in one namespace, so that is `podSelector: {}` too when all do), and an
//!   undeclared workload may reach every Service-backed port of its namespace whose policy
//!   admits it (the undeclared ones, published ones, pods without a policy of their own);
//! - `cluster`: the same, with every namespace (`namespaceSelector: {}`) as peers.
//!
//! Each such rule's reason starts with `undeclared:` and names the Service port; one warning
//! per application (namespace or Compose project) names the ports and workloads and how to
//! declare them, in every mode. A declared port stays exact: an undeclared workload is not
//! let in where only declared callers are, and the warning lists those ports.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::intent::{Model, NetworkMode, Protocol, Provenance, Workload, WorkloadKind};

use super::build::NAMESPACE_NAME_LABEL;
use super::plan::{Endpoint, Planner, PortKey, Reason};

/// `--undeclared`: what undeclared intent allows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Undeclared {
    /// Nothing: exactly the declared connections (for complete manifests).
    Deny,
    /// Within the namespace (Compose: the project).
    #[default]
    Namespace,
    /// Within the cluster (every namespace).
    Cluster,
}

impl Undeclared {
    pub fn name(self) -> &'static str {
        match self {
            Undeclared::Deny => "deny",
            Undeclared::Namespace => "namespace",
            Undeclared::Cluster => "cluster",
        }
    }
}

/// The prefix of every undeclared rule's reason: `explain`, `diff` and `graph` tell
/// undeclared rules from declared ones by it.
pub const PREFIX: &str = "undeclared: ";

/// A port of a workload that a Service (Compose: the project network) makes reachable by
/// name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Backed {
    /// The workload whose policy admits it (the pods carrying its traffic).
    pub workload: usize,
    pub protocol: Protocol,
    pub port: u16,
    /// `details:9080` (the Service and its port; Compose: the service and its port).
    pub service: String,
    pub at: Provenance,
}

/// An application: a Kubernetes namespace or a Compose project (with its app scope: two
/// projects of one name in different directories are two apps).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct AppKey {
    pub compose: bool,
    pub name: String,
    pub scope: Arc<str>,
}

impl std::fmt::Display for AppKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.compose {
            write!(f, "Compose project {}", self.name)
        } else {
            write!(f, "namespace {}", self.name)
        }
    }
}

/// What one application leaves undeclared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct App {
    pub key: AppKey,
    /// Service-backed ports no declared connection reaches.
    pub ports: Vec<Backed>,
    /// Workloads that declare no connection (ids).
    pub workloads: Vec<String>,
    /// Declared ports (`user-db:27017`) the undeclared workloads may not reach: only their
    /// declared callers may.
    pub closed: BTreeSet<String>,
    /// Where the warning points: the first undeclared port, else the first workload.
    pub at: Provenance,
}

impl App {
    /// The grouped warning: what is undeclared, what the mode does, and how to declare it.
    pub fn message(&self, model: &Model, mode: Undeclared) -> String {
        let mut services: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for b in &self.ports {
            services
                .entry(b.service.as_str())
                .or_default()
                .insert(model.workloads[b.workload].name.as_str());
        }
        let mut parts = Vec::new();
        if !services.is_empty() {
            let list: Vec<String> = services
                .iter()
                .map(|(s, ws)| {
                    format!(
                        "{s} ({})",
                        ws.iter().copied().collect::<Vec<_>>().join(", ")
                    )
                })
                .collect();
            let whom = if self.key.compose {
                "service"
            } else {
                "workload"
            };
            parts.push(format!(
                "no {whom} is declared to reach {} port(s): {}",
                list.len(),
                list.join(", ")
            ));
        }
        if !self.workloads.is_empty() {
            parts.push(format!(
                "{} workload(s) declare no connection: {}",
                self.workloads.len(),
                self.workloads.join(", ")
            ));
        }
        let (ports, workloads) = (!self.ports.is_empty(), !self.workloads.is_empty());
        let them = match (ports, workloads) {
            (true, true) => "those ports and workloads",
            (true, false) => "those ports",
            _ => "those workloads",
        };
        let effect = match mode {
            Undeclared::Deny => {
                let mut e = Vec::new();
                if ports {
                    e.push("those ports are unreachable");
                }
                if workloads {
                    e.push("those workloads reach no other workload");
                }
                format!("with --undeclared deny {}", e.join(" and "))
            }
            Undeclared::Namespace => {
                let scope = if self.key.compose {
                    "the project"
                } else {
                    "the namespace"
                };
                format!(
                    "--undeclared namespace allows {them} within {scope} (rules whose reason starts with `undeclared:`)"
                )
            }
            Undeclared::Cluster => format!(
                "--undeclared cluster allows {them} across every namespace (rules whose reason starts with `undeclared:`)"
            ),
        };
        let closed = if self.closed.is_empty() || mode == Undeclared::Deny {
            String::new()
        } else {
            format!(
                "; ports with declared callers stay closed to them: {}",
                self.closed.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        };
        let fix = match (self.key.compose, mode) {
            (true, Undeclared::Deny) => {
                "declare who calls whom: `depends_on`, a reference in `environment`/`command` (`API_URL: http://api:9000`), or `x-cinch: {egress: [api:9000]}`; or use --undeclared namespace"
            }
            (true, _) => {
                "declare who calls whom: `depends_on`, a reference in `environment`/`command` (`API_URL: http://api:9000`), or `x-cinch: {egress: [api:9000]}`; then use --undeclared deny"
            }
            (false, Undeclared::Deny) => {
                "declare who calls whom: a reference in env, args or a ConfigMap (`DETAILS_URL: http://details:9080`), the annotation `cinch.dev/egress: details:9080`, or a custom resource cinch reads (ServiceMonitor/PodMonitor, Istio or Linkerd AuthorizationPolicy, APIService); or use --undeclared namespace"
            }
            (false, _) => {
                "declare who calls whom: a reference in env, args or a ConfigMap (`DETAILS_URL: http://details:9080`), the annotation `cinch.dev/egress: details:9080`, or a custom resource cinch reads (ServiceMonitor/PodMonitor, Istio or Linkerd AuthorizationPolicy, APIService); then use --undeclared deny"
            }
        };
        let lead = if mode == Undeclared::Deny {
            "To keep the application working"
        } else {
            "To make the policies exact"
        };
        format!(
            "{}: {}; {effect}{closed}. {lead}, {fix}",
            self.key,
            parts.join("; ")
        )
    }
}

fn app_key(w: &Workload) -> AppKey {
    let compose = w.kind == WorkloadKind::ComposeService;
    AppKey {
        compose,
        name: w.namespace.clone(),
        scope: if compose {
            Arc::clone(&w.scope)
        } else {
            Arc::default()
        },
    }
}

/// The application of workload `w`, created at `at` when first met.
fn entry<'a>(apps: &'a mut BTreeMap<AppKey, App>, w: &Workload, at: &Provenance) -> &'a mut App {
    let key = app_key(w);
    apps.entry(key.clone()).or_insert_with(|| App {
        key,
        ports: Vec::new(),
        workloads: Vec::new(),
        closed: BTreeSet::new(),
        at: at.clone(),
    })
}

fn shares_network(a: &Workload, b: &Workload) -> bool {
    a.network
        .networks
        .keys()
        .any(|n| b.network.networks.contains_key(n))
}

impl Planner<'_> {
    /// Whether workload `i` can be a peer in a rule: its pods carry its own traffic, a
    /// selector names them, and they have a network.
    fn selectable(&self, i: usize) -> bool {
        matches!(self.owners[i], Ok(o) if o == i)
            && self.selectors[i].is_ok()
            && self.model.workloads[i].network.mode.value == NetworkMode::Default
    }

    /// Every Service-backed port of the model.
    fn backed(&self) -> Vec<Backed> {
        let model = self.model;
        let mut out = Vec::new();
        for s in model
            .services
            .iter()
            .filter(|s| s.service_type != "ExternalName" && !s.selector.is_empty())
        {
            for sp in &s.ports {
                for t in &s.targets {
                    let Some(ti) = self.index(t) else { continue };
                    if !self.selectable(ti) {
                        continue;
                    }
                    for port in sp.container_ports(&model.workloads[ti]) {
                        out.push(Backed {
                            workload: ti,
                            protocol: sp.protocol,
                            port,
                            service: format!("{}:{}", s.name, sp.port),
                            at: sp.at.clone(),
                        });
                    }
                }
            }
        }
        for (ti, w) in model.workloads.iter().enumerate() {
            if w.kind != WorkloadKind::ComposeService || !self.selectable(ti) {
                continue;
            }
            for l in w.containers.iter().flat_map(|c| &c.listens) {
                if l.published.is_empty() {
                    out.push(Backed {
                        workload: ti,
                        protocol: l.protocol,
                        port: l.port,
                        service: format!("{}:{}", w.name, l.port),
                        at: l.at.clone(),
                    });
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// Whether some ingress rule of `t`'s policy allows (protocol, port) at all.
    fn declared(&self, t: usize, protocol: Protocol, port: u16) -> bool {
        self.plans[t]
            .ingress
            .iter()
            .any(|a| a.port == PortKey::One(protocol, port) || a.port == PortKey::All)
    }

    /// Whether the pods of workload `u` match endpoint `e` of a rule on `t`'s policy.
    fn endpoint_selects(&self, t: usize, e: &Endpoint, u: usize) -> bool {
        let (tw, uw) = (&self.model.workloads[t], &self.model.workloads[u]);
        let same = app_key(tw) == app_key(uw);
        let Ok(labels) = &self.selectors[u] else {
            return false;
        };
        let within = |m: &BTreeMap<String, String>| m.iter().all(|(k, v)| labels.get(k) == Some(v));
        match e {
            Endpoint::Anywhere | Endpoint::Cluster => true,
            Endpoint::Namespace(None) => same,
            Endpoint::Namespace(Some(ns)) => uw.kind.is_kubernetes() && &uw.namespace == ns,
            Endpoint::Workload {
                namespace,
                labels: l,
                ..
            } => {
                let ns_ok = match namespace {
                    None => same,
                    Some(ns) => uw.kind.is_kubernetes() && *uw.namespace == **ns,
                };
                ns_ok && within(l)
            }
            Endpoint::Given(spec) => {
                let ns_ok = match &spec.namespaces {
                    None => same,
                    Some(m) => m
                        .iter()
                        .all(|(k, v)| k == NAMESPACE_NAME_LABEL && *v == uw.namespace),
                };
                spec.cidr.is_none() && ns_ok && spec.pods.as_ref().is_none_or(within)
            }
            Endpoint::Cidr(_) | Endpoint::Dns(_) => false,
        }
    }

    /// Whether `t`'s pods admit `u` on (protocol, port): a rule of its policy does, or it
    /// has no policy of its own (an operator's pods).
    fn admits(&self, t: usize, u: usize, protocol: Protocol, port: u16) -> bool {
        if self.plans[t].skip.is_some() {
            return true;
        }
        self.plans[t].ingress.iter().any(|a| {
            (a.port == PortKey::One(protocol, port) || a.port == PortKey::All)
                && self.endpoint_selects(t, &a.endpoint, u)
        })
    }

    /// The workloads whose own policy this pass may widen: selectable, with a policy, not
    /// managed by an operator.
    fn policied(&self, i: usize) -> bool {
        self.selectable(i) && self.plans[i].skip.is_none() && self.plans[i].deny_all.is_none()
    }

    /// Apply `mode` to the plans (after the declared rules) and report each application's
    /// undeclared intent.
    pub fn undeclared(&mut self, mode: Undeclared) -> Vec<App> {
        let model = self.model;
        let backed = self.backed();
        let mut apps: BTreeMap<AppKey, App> = BTreeMap::new();
        // Ports first: what nothing declared admits.
        let open: Vec<&Backed> = backed
            .iter()
            .filter(|b| self.plans[b.workload].skip.is_none())
            .filter(|b| !self.declared(b.workload, b.protocol, b.port))
            .collect();
        for b in &open {
            let tw = &model.workloads[b.workload];
            entry(&mut apps, tw, &b.at).ports.push((*b).clone());
            if mode == Undeclared::Deny || !self.policied(b.workload) {
                continue;
            }
            let compose = tw.kind == WorkloadKind::ComposeService;
            let why = if compose {
                format!("{PREFIX}no service names {}", b.service)
            } else {
                format!("{PREFIX}no workload names Service {}", b.service)
            };
            let r = Reason {
                why: why.into(),
                at: b.at.clone(),
            };
            let key = PortKey::One(b.protocol, b.port);
            let endpoints: Vec<Endpoint> = match (mode, compose) {
                (Undeclared::Cluster, _) => vec![Endpoint::Cluster],
                (_, false) => vec![Endpoint::Namespace(None)],
                (_, true) => self.compose_peers(b.workload),
            };
            for e in endpoints {
                self.allow(b.workload, true, e, key, r.clone());
            }
        }
        // Then workloads: what an undeclared one may reach.
        for (u, w) in model.workloads.iter().enumerate() {
            if !self.policied(u) || w.kind == WorkloadKind::Dockerfile {
                continue;
            }
            let declares = w
                .network
                .peers
                .iter()
                .any(|p| matches!(p.target, crate::intent::PeerTarget::Workload { .. }));
            if declares {
                continue;
            }
            let key = app_key(w);
            let hidden = open
                .iter()
                .any(|b| b.workload != u && app_key(&model.workloads[b.workload]) == key);
            if !hidden {
                continue;
            }
            let scope: Vec<&Backed> = backed
                .iter()
                .filter(|b| b.workload != u)
                .filter(|b| {
                    let tw = &model.workloads[b.workload];
                    let tk = app_key(tw);
                    match mode {
                        Undeclared::Cluster if !key.compose => !tk.compose,
                        _ => tk == key,
                    }
                })
                .filter(|b| !key.compose || shares_network(w, &model.workloads[b.workload]))
                .collect();
            entry(&mut apps, w, &w.at).workloads.push(w.id.clone());
            if mode == Undeclared::Deny {
                continue;
            }
            let mut any = false;
            for b in scope {
                if !self.admits(b.workload, u, b.protocol, b.port) {
                    entry(&mut apps, w, &w.at).closed.insert(b.service.clone());
                    continue;
                }
                let tw = &model.workloads[b.workload];
                let cross = tw.kind.is_kubernetes() && tw.namespace != w.namespace;
                let Some(e) = self.pods(b.workload, cross) else {
                    continue;
                };
                let svc = if tw.kind == WorkloadKind::ComposeService {
                    format!("service {}", b.service)
                } else if cross {
                    format!("Service {}/{}", tw.namespace, b.service)
                } else {
                    format!("Service {}", b.service)
                };
                let r = Reason {
                    why: format!(
                        "{PREFIX}{} declares no connection; it may reach {svc}",
                        w.id
                    )
                    .into(),
                    at: b.at.clone(),
                };
                self.allow(u, false, e, PortKey::One(b.protocol, b.port), r);
                any = true;
            }
            if any {
                self.by_name[u] = true;
            }
        }
        apps.into_values()
            .map(|mut a| {
                a.workloads.sort();
                a.workloads.dedup();
                a
            })
            .collect()
    }

    /// The peers of an undeclared Compose port on `t`: the project's services that share a
    /// network with it; every pod of the namespace when that is all of them.
    fn compose_peers(&self, t: usize) -> Vec<Endpoint> {
        let model = self.model;
        let tw = &model.workloads[t];
        let key = (Arc::clone(&tw.scope), tw.namespace.as_str());
        let project: Vec<usize> = self
            .compose_projects
            .get(&key)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&i| i != t && self.selectable(i))
            .collect();
        let sharing: Vec<usize> = project
            .iter()
            .copied()
            .filter(|&i| shares_network(tw, &model.workloads[i]))
            .collect();
        if sharing.len() == project.len() {
            return vec![Endpoint::Namespace(None)];
        }
        sharing
            .into_iter()
            .filter_map(|i| self.pods(i, false))
            .collect()
    }
}
