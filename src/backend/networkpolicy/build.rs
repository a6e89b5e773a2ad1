//! Plans → typed `networking.k8s.io/v1` NetworkPolicy objects (k8s-openapi), each rule
//! with the reasons that put it there.
//!
//! One policy per workload: `policyTypes: [Ingress, Egress]` always, so a workload nobody
//! reaches gets `ingress: []` and one that reaches nothing gets `egress: []` (deny all; a
//! missing list would mean "not isolated" for that direction). One rule per endpoint, its
//! ports merged and sorted; endpoints sorted, so equal inputs give equal bytes.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::intent::{Model, Note, Protocol, WorkloadKind};

use super::plan::{Endpoint, Plan, PortKey, PortSet, Reason};
use super::selector::PeerSpec;

/// The label every policy cinch emits carries (`kubectl get netpol -l …` finds them).
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "cinch");

/// The namespace label the API server sets on every namespace (since Kubernetes 1.22,
/// `NamespaceDefaultLabelName`); the only namespace label cinch can rely on.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Direction {
    Ingress,
    Egress,
}

/// One rule of a policy, described for people (the YAML comments, `explain`).
#[derive(Clone, Debug, PartialEq)]
pub struct RuleDoc {
    pub direction: Direction,
    /// Index in `spec.ingress` / `spec.egress`.
    pub index: usize,
    /// `from default/frontend (app=frontend) on TCP 8080`.
    pub summary: String,
    /// Each port (`TCP 8080`, `all ports`) with a reason.
    pub reasons: Vec<(String, Reason)>,
}

/// A workload's policy, typed, with its explanation.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    pub workload: String,
    /// The Compose project, when the workload is a Compose service (no `metadata.namespace`).
    pub compose_project: Option<String>,
    pub object: NetworkPolicy,
    pub rules: Vec<RuleDoc>,
    /// `network_mode: none` and why.
    pub deny_all: Option<String>,
    pub notes: Vec<Note>,
    /// The manifests the workload and its rules come from, sorted.
    pub sources: BTreeSet<String>,
}

fn match_labels(labels: &BTreeMap<String, String>) -> LabelSelector {
    LabelSelector {
        match_expressions: None,
        match_labels: (!labels.is_empty()).then(|| labels.clone()),
    }
}

fn namespace_selector(ns: &str) -> LabelSelector {
    match_labels(&[(NAMESPACE_NAME_LABEL.to_owned(), ns.to_owned())].into())
}

fn spec_peer(spec: &PeerSpec) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        ip_block: spec.cidr.as_ref().map(|c| IPBlock {
            cidr: c.clone(),
            except: None,
        }),
        namespace_selector: spec.namespaces.as_ref().map(match_labels),
        pod_selector: spec.pods.as_ref().map(match_labels),
    }
}

/// The `from`/`to` list of an endpoint (`None`: any peer).
fn peers(e: &Endpoint) -> Option<Vec<NetworkPolicyPeer>> {
    let peer = match e {
        Endpoint::Anywhere => return None,
        Endpoint::Workload {
            namespace, labels, ..
        } => NetworkPolicyPeer {
            ip_block: None,
            // Both selectors in one element: pods with these labels in that namespace (AND).
            namespace_selector: namespace.as_deref().map(namespace_selector),
            pod_selector: Some(match_labels(labels)),
        },
        // `podSelector: {}` alone: every pod of the policy's namespace.
        Endpoint::Namespace(None) => NetworkPolicyPeer {
            ip_block: None,
            namespace_selector: None,
            pod_selector: Some(LabelSelector::default()),
        },
        Endpoint::Namespace(Some(ns)) => NetworkPolicyPeer {
            ip_block: None,
            namespace_selector: Some(namespace_selector(ns)),
            pod_selector: None,
        },
        // `namespaceSelector: {}` alone: every pod of every namespace (not addresses
        // outside the cluster).
        Endpoint::Cluster => NetworkPolicyPeer {
            ip_block: None,
            namespace_selector: Some(LabelSelector::default()),
            pod_selector: None,
        },
        Endpoint::Given(spec) => spec_peer(spec),
        Endpoint::Cidr(c) => NetworkPolicyPeer {
            ip_block: Some(IPBlock {
                cidr: c.clone(),
                except: None,
            }),
            namespace_selector: None,
            pod_selector: None,
        },
        Endpoint::Dns(t) => spec_peer(&t.peer),
    };
    Some(vec![peer])
}

fn protocol(p: Protocol) -> &'static str {
    match p {
        Protocol::Tcp => "TCP",
        Protocol::Udp => "UDP",
        Protocol::Sctp => "SCTP",
    }
}

/// `ports` of a rule (`None`: every port, when any reason allows all).
fn ports(set: &PortSet) -> Option<Vec<NetworkPolicyPort>> {
    if set.contains_key(&PortKey::All) {
        return None;
    }
    Some(
        set.keys()
            .filter_map(|k| match k {
                PortKey::All => None,
                PortKey::One(proto, n) => Some(NetworkPolicyPort {
                    end_port: None,
                    port: Some(IntOrString::Int(i32::from(*n))),
                    protocol: Some(protocol(*proto).to_owned()),
                }),
            })
            .collect(),
    )
}

fn port_text(k: &PortKey) -> String {
    match k {
        PortKey::All => "all ports".to_owned(),
        PortKey::One(p, n) => format!("{} {n}", protocol(*p)),
    }
}

fn labels_text(labels: &BTreeMap<String, String>) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn endpoint_text(e: &Endpoint) -> String {
    match e {
        Endpoint::Workload { id, labels, .. } => format!("{id} ({})", labels_text(labels)),
        Endpoint::Anywhere => "anywhere".to_owned(),
        Endpoint::Namespace(None) => "every pod of the namespace".to_owned(),
        Endpoint::Namespace(Some(ns)) => format!("every pod of namespace {ns}"),
        Endpoint::Cluster => "every pod of every namespace".to_owned(),
        Endpoint::Given(spec) => format!("{spec} (--ingress-from)"),
        Endpoint::Cidr(c) => c.clone(),
        Endpoint::Dns(t) => format!("DNS {} ({})", t.name, t.peer),
    }
}

fn doc(direction: Direction, index: usize, e: &Endpoint, set: &PortSet) -> RuleDoc {
    let word = match direction {
        Direction::Ingress => "from",
        Direction::Egress => "to",
    };
    let ports: Vec<String> = if set.contains_key(&PortKey::All) {
        vec![port_text(&PortKey::All)]
    } else {
        set.keys().map(port_text).collect()
    };
    RuleDoc {
        direction,
        index,
        summary: format!("{word} {} on {}", endpoint_text(e), ports.join(", ")),
        reasons: set
            .iter()
            .flat_map(|(k, rs)| rs.iter().map(move |r| (port_text(k), r.clone())))
            .collect(),
    }
}

/// `cinch-<name>` as a DNS-1123 label (at most 63 characters; `metadata.name` of a
/// NetworkPolicy must be a DNS-1123 subdomain, which this is).
pub fn policy_name(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '-',
        })
        .collect();
    s = s.trim_matches('-').to_owned();
    s.truncate(56);
    let s = s.trim_end_matches('-');
    if s.is_empty() {
        "cinch-workload".to_owned()
    } else {
        format!("cinch-{s}")
    }
}

/// The policy of a plan (`None` when the plan says the workload gets none). `name` is the
/// unique `metadata.name` chosen by the caller.
pub fn policy(model: &Model, plan: &Plan, name: String) -> Option<Policy> {
    if plan.skip.is_some() {
        return None;
    }
    let w = model.workload(&plan.workload)?;
    let compose = w.kind == WorkloadKind::ComposeService;
    let mut rules = Vec::new();
    let ingress: Vec<NetworkPolicyIngressRule> = plan
        .ingress_rules()
        .iter()
        .enumerate()
        .map(|(i, (e, set))| {
            rules.push(doc(Direction::Ingress, i, e, set));
            NetworkPolicyIngressRule {
                from: peers(e),
                ports: ports(set),
            }
        })
        .collect();
    let egress: Vec<NetworkPolicyEgressRule> = plan
        .egress_rules()
        .iter()
        .enumerate()
        .map(|(i, (e, set))| {
            rules.push(doc(Direction::Egress, i, e, set));
            NetworkPolicyEgressRule {
                to: peers(e),
                ports: ports(set),
            }
        })
        .collect();
    let mut sources: BTreeSet<String> = w.at.file().map(str::to_owned).into_iter().collect();
    for r in &rules {
        for (_, reason) in &r.reasons {
            sources.extend(reason.at.file().map(str::to_owned));
        }
    }
    let object = NetworkPolicy {
        metadata: ObjectMeta {
            name: Some(name),
            // Compose: kompose puts a project's services in the namespace the output is
            // applied to, so the policy names none either.
            namespace: (!compose).then(|| w.namespace.clone()),
            labels: Some([(MANAGED_BY.0.to_owned(), MANAGED_BY.1.to_owned())].into()),
            ..ObjectMeta::default()
        },
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(match_labels(&plan.selector)),
            policy_types: Some(vec!["Ingress".to_owned(), "Egress".to_owned()]),
            ingress: Some(ingress),
            egress: Some(egress),
        }),
    };
    Some(Policy {
        workload: w.id.clone(),
        compose_project: compose.then(|| w.namespace.clone()),
        object,
        rules,
        deny_all: plan
            .deny_all
            .as_ref()
            .map(|at| format!("network_mode: none ({at})")),
        notes: plan.notes.clone(),
        sources,
    })
}

/// The namespace-wide deny-all policy (`--default-deny`): an empty podSelector selects
/// every pod of the namespace, and no rules allow nothing (Kubernetes docs, "Default deny
/// all ingress and all egress traffic"). `namespace: None` for Compose projects.
pub fn default_deny(namespace: Option<&str>) -> NetworkPolicy {
    NetworkPolicy {
        metadata: ObjectMeta {
            name: Some("cinch-default-deny".to_owned()),
            namespace: namespace.map(str::to_owned),
            labels: Some([(MANAGED_BY.0.to_owned(), MANAGED_BY.1.to_owned())].into()),
            ..ObjectMeta::default()
        },
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector::default()),
            policy_types: Some(vec!["Ingress".to_owned(), "Egress".to_owned()]),
            ingress: None,
            egress: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_names_are_dns_labels() {
        assert_eq!(policy_name("frontend"), "cinch-frontend");
        assert_eq!(policy_name("My_Service.v2"), "cinch-my-service-v2");
        assert_eq!(policy_name("__"), "cinch-workload");
        let long = policy_name(&"x".repeat(300));
        assert!(long.len() <= 63, "{}", long.len());
    }
}
