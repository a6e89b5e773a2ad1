//! A small NetworkPolicy evaluator for the ground-truth tests: which (source pod, destination
//! pod, port) connections a set of `networking.k8s.io/v1` NetworkPolicies allows between the
//! pods of a model. Independent of cinch's backend (it reads only k8s-openapi objects and
//! pod labels), and checked against nca on the same inputs.
//!
//! Semantics, from the Kubernetes docs ("Network Policies") and the API reference:
//! - a pod is isolated for a direction when some policy in its namespace selects it and has
//!   that policy type (`policyTypes` absent: Ingress, plus Egress when `egress` is set);
//! - an isolated pod admits a connection when any rule of any such policy matches it; a
//!   connection needs the source's egress AND the destination's ingress;
//! - a rule without `from`/`to` (or an empty list) matches every peer; without `ports` (or
//!   empty) every port; a peer with both selectors matches pods in the selected namespaces
//!   with those labels; a podSelector alone means the policy's namespace; an ipBlock matches
//!   no pod here (pod addresses are not known);
//! - a port is a number (with `endPort` a range) or a name resolved against the
//!   destination pod's container ports; protocol defaults to TCP.
//! - a policy without `metadata.namespace` applies in `default_ns`.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// One pod (template) of the model.
#[derive(Clone, Debug)]
pub struct Pod {
    pub id: String,
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    /// (protocol `TCP`/`UDP`/`SCTP`, port, name)
    pub ports: Vec<(String, u16, Option<String>)>,
}

/// (source id, destination id, `TCP 8080`).
pub type Edge = (String, String, String);

impl Pod {
    /// Every workload of a cinch model as a pod: labels, namespace, declared ports.
    pub fn from_model(model: &cinch::intent::Model) -> Vec<Pod> {
        model
            .workloads
            .iter()
            .filter(|w| w.kind != cinch::intent::WorkloadKind::Dockerfile)
            .map(|w| Pod {
                id: w.id.clone(),
                namespace: w.namespace.clone(),
                labels: w.labels.clone(),
                ports: w
                    .containers
                    .iter()
                    .flat_map(|c| &c.listens)
                    .map(|l| (l.protocol.name().to_uppercase(), l.port, l.name.clone()))
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect(),
            })
            .collect()
    }
}

pub fn selects(sel: &LabelSelector, labels: &BTreeMap<String, String>) -> bool {
    let m = sel
        .match_labels
        .iter()
        .flatten()
        .all(|(k, v)| labels.get(k) == Some(v));
    let e = sel.match_expressions.iter().flatten().all(|r| {
        let values = r.values.clone().unwrap_or_default();
        match r.operator.as_str() {
            "In" => labels.get(&r.key).is_some_and(|v| values.contains(v)),
            "NotIn" => labels.get(&r.key).is_none_or(|v| !values.contains(v)),
            "Exists" => labels.contains_key(&r.key),
            "DoesNotExist" => !labels.contains_key(&r.key),
            other => panic!("unknown selector operator {other}"),
        }
    });
    m && e
}

fn ns_labels(ns: &str) -> BTreeMap<String, String> {
    [("kubernetes.io/metadata.name".to_owned(), ns.to_owned())].into()
}

fn peer_matches(peer: &NetworkPolicyPeer, policy_ns: &str, other: &Pod) -> bool {
    if peer.ip_block.is_some() {
        return false;
    }
    let ns_ok = match &peer.namespace_selector {
        None => other.namespace == policy_ns,
        Some(s) => selects(s, &ns_labels(&other.namespace)),
    };
    let pod_ok = peer
        .pod_selector
        .as_ref()
        .is_none_or(|s| selects(s, &other.labels));
    ns_ok && pod_ok
}

fn port_matches(ports: Option<&Vec<NetworkPolicyPort>>, dst: &Pod, proto: &str, port: u16) -> bool {
    let Some(ports) = ports.filter(|p| !p.is_empty()) else {
        return true;
    };
    ports.iter().any(|p| {
        let pp = p.protocol.as_deref().unwrap_or("TCP");
        pp == proto
            && match &p.port {
                None => true,
                Some(IntOrString::Int(n)) => {
                    let end = p.end_port.unwrap_or(*n);
                    (*n..=end).contains(&i32::from(port))
                }
                Some(IntOrString::String(name)) => dst
                    .ports
                    .iter()
                    .any(|(pr, n, nm)| pr == proto && *n == port && nm.as_deref() == Some(name)),
            }
    })
}

fn types(p: &NetworkPolicy) -> (bool, bool) {
    let spec = p.spec.as_ref().expect("policy has a spec");
    match &spec.policy_types {
        Some(t) => (
            t.iter().any(|x| x == "Ingress"),
            t.iter().any(|x| x == "Egress"),
        ),
        None => (true, spec.egress.is_some()),
    }
}

pub struct Evaluator<'a> {
    pub policies: &'a [NetworkPolicy],
    pub default_ns: &'a str,
}

impl Evaluator<'_> {
    fn ns<'p>(&'p self, p: &'p NetworkPolicy) -> &'p str {
        p.metadata.namespace.as_deref().unwrap_or(self.default_ns)
    }

    fn applying(&self, pod: &Pod, ingress: bool) -> Vec<&NetworkPolicy> {
        self.policies
            .iter()
            .filter(|p| self.ns(p) == pod.namespace)
            .filter(|p| {
                let sel = p.spec.as_ref().and_then(|s| s.pod_selector.clone());
                selects(&sel.unwrap_or_default(), &pod.labels)
            })
            .filter(|p| if ingress { types(p).0 } else { types(p).1 })
            .collect()
    }

    pub fn ingress_allows(&self, dst: &Pod, src: &Pod, proto: &str, port: u16) -> bool {
        let pols = self.applying(dst, true);
        pols.is_empty()
            || pols.iter().any(|p| {
                let ns = self.ns(p);
                p.spec.as_ref().unwrap().ingress.iter().flatten().any(|r| {
                    let from_ok = match &r.from {
                        None => true,
                        Some(v) if v.is_empty() => true,
                        Some(v) => v.iter().any(|peer| peer_matches(peer, ns, src)),
                    };
                    from_ok && port_matches(r.ports.as_ref(), dst, proto, port)
                })
            })
    }

    pub fn egress_allows(&self, src: &Pod, dst: &Pod, proto: &str, port: u16) -> bool {
        let pols = self.applying(src, false);
        pols.is_empty()
            || pols.iter().any(|p| {
                let ns = self.ns(p);
                p.spec.as_ref().unwrap().egress.iter().flatten().any(|r| {
                    let to_ok = match &r.to {
                        None => true,
                        Some(v) if v.is_empty() => true,
                        Some(v) => v.iter().any(|peer| peer_matches(peer, ns, dst)),
                    };
                    to_ok && port_matches(r.ports.as_ref(), dst, proto, port)
                })
            })
    }

    /// Whether `src` may egress to arbitrary addresses outside the cluster on some port
    /// (a rule with no `to`, or an ipBlock): the "all egress" of hand-written policies.
    pub fn egress_to_outside(&self, src: &Pod) -> bool {
        let pols = self.applying(src, false);
        pols.is_empty()
            || pols.iter().any(|p| {
                p.spec
                    .as_ref()
                    .unwrap()
                    .egress
                    .iter()
                    .flatten()
                    .any(|r| match &r.to {
                        None => true,
                        Some(v) if v.is_empty() => true,
                        Some(v) => v.iter().any(|peer| peer.ip_block.is_some()),
                    })
            })
    }

    /// Every allowed (src, dst, port) between distinct pods, on the destination's declared
    /// ports; with `ingress_only`, what the destinations admit whatever the sources' egress.
    pub fn edges(&self, pods: &[Pod], ingress_only: bool) -> BTreeSet<Edge> {
        let mut out = BTreeSet::new();
        for src in pods {
            for dst in pods {
                if src.id == dst.id {
                    continue;
                }
                for (proto, port, _) in &dst.ports {
                    if (ingress_only || self.egress_allows(src, dst, proto, *port))
                        && self.ingress_allows(dst, src, proto, *port)
                    {
                        out.insert((src.id.clone(), dst.id.clone(), format!("{proto} {port}")));
                    }
                }
            }
        }
        out
    }
}

/// Every NetworkPolicy document of YAML text (other kinds skipped).
pub fn policies_in(text: &str) -> Vec<NetworkPolicy> {
    use serde::Deserialize;
    serde_norway::Deserializer::from_str(text)
        .filter_map(|doc| {
            let v = serde_json::Value::deserialize(doc).expect("YAML");
            (v["kind"] == "NetworkPolicy")
                .then(|| serde_json::from_value(v).expect("a NetworkPolicy"))
        })
        .collect()
}
