//! Connection intent that custom resources declare: who may connect to which pods, in the
//! ecosystem's own words (a Prometheus Operator `ServiceMonitor`, an Istio or Linkerd
//! authorization policy, an `APIService`). The Kubernetes frontend reads each resource into
//! a [`Grant`] (targets, ports, sources, each with its place in the manifest); the resolver
//! turns grants into peers (a source that is a workload of the inputs) and admissions (a
//! source that is not: a namespace, every namespace, the API server, an address block).
//!
//! A Prometheus resource also makes pods (the operator's StatefulSet); the frontend lowers
//! those as a workload and records here which monitors its pods scrape ([`Scraper`]).

use std::collections::BTreeMap;

use serde::Serialize;

use super::provenance::Provenance;

/// A Kubernetes label selector (`matchLabels` AND every `matchExpressions` requirement).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LabelSelector {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub match_labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<Requirement>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Requirement {
    pub key: String,
    pub operator: Operator,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

impl LabelSelector {
    /// Whether `labels` satisfy the selector (an empty selector matches everything), as
    /// `metav1.LabelSelectorAsSelector` evaluates it.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|r| {
                let have = labels.get(&r.key);
                match r.operator {
                    Operator::In => have.is_some_and(|v| r.values.contains(v)),
                    Operator::NotIn => have.is_none_or(|v| !r.values.contains(v)),
                    Operator::Exists => have.is_some(),
                    Operator::DoesNotExist => have.is_none(),
                }
            })
    }

    /// Namespaces are matched by the one label the API server sets on every namespace
    /// (`kubernetes.io/metadata.name`); other namespace labels are not in the inputs.
    pub fn matches_namespace(&self, namespace: &str) -> bool {
        let labels = [(
            "kubernetes.io/metadata.name".to_owned(),
            namespace.to_owned(),
        )]
        .into();
        self.matches(&labels)
    }
}

/// Which namespaces a grant looks in, relative to its own.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", content = "names", rename_all = "snake_case")]
pub enum Namespaces {
    /// The grant's own namespace.
    Own,
    /// Every namespace.
    Any,
    Names(Vec<String>),
}

impl Namespaces {
    pub fn contains(&self, own: &str, namespace: &str) -> bool {
        match self {
            Namespaces::Own => own == namespace,
            Namespaces::Any => true,
            Namespaces::Names(names) => names.iter().any(|n| n == namespace),
        }
    }
}

/// The kinds of resource cinch reads connection intent from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum GrantKind {
    ServiceMonitor,
    PodMonitor,
    ApiService,
    IstioAuthorizationPolicy,
    LinkerdAuthorizationPolicy,
    /// A Prometheus resource's `alerting.alertmanagers`: its pods call these Services.
    Prometheus,
}

/// Where the granted connections go.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GrantTarget {
    /// The Services these select, in these namespaces (a ServiceMonitor); ports name
    /// Service ports.
    Services {
        selector: LabelSelector,
        namespaces: Namespaces,
    },
    /// One Service (an APIService, an Istio `targetRef`); ports name Service ports.
    Service { namespace: String, name: String },
    /// The pods these select (`None`: every pod of the namespaces); ports are container
    /// ports.
    Pods {
        selector: Option<LabelSelector>,
        namespaces: Namespaces,
    },
    /// A mesh `Server` (Linkerd): its pods and its one port.
    Server { namespace: String, name: String },
}

/// A port as a resource names it: a number or a port name. What it names (a Service port
/// or a container port) depends on the target.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(untagged)]
pub enum GrantPort {
    Number(u16),
    Name(String),
}

impl std::fmt::Display for GrantPort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GrantPort::Number(n) => write!(f, "{n}"),
            GrantPort::Name(s) => f.write_str(s),
        }
    }
}

/// A port of a grant: a Service port (number or name), or a container port of the pods.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct GrantPortRef {
    pub port: GrantPort,
    /// For a Service target: a container port given directly (a ServiceMonitor
    /// endpoint's `targetPort`) rather than a Service port.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub container: bool,
    pub at: Provenance,
}

/// Who the grant lets in.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum GrantSource {
    /// A workload of the inputs (the pods of the resource itself).
    Workload { id: String },
    /// The Prometheus pods of the inputs whose monitor selectors select this monitor.
    Scrapers,
    /// Pods running as this service account (a mesh identity).
    ServiceAccount { namespace: String, name: String },
    /// Every pod of a namespace.
    Namespace { name: String },
    /// Every pod of every namespace (any mesh identity).
    AllNamespaces,
    /// Any source (an authorization rule without `from`).
    Anywhere,
    /// The Kubernetes API server (an aggregated API's backend).
    ApiServer,
    /// An address block.
    Cidr { cidr: String },
    /// Whoever a mesh authentication resource (Linkerd `MeshTLSAuthentication`,
    /// `NetworkAuthentication`) names.
    Authentication {
        resource: String,
        namespace: String,
        name: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct GrantFrom {
    #[serde(flatten)]
    pub source: GrantSource,
    pub at: Provenance,
}

/// What one custom resource declares about connections.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Grant {
    pub kind: GrantKind,
    /// `ServiceMonitor monitoring/grafana`: how reasons name the resource.
    pub object: String,
    pub namespace: String,
    /// The resource's own labels (Prometheus selects monitors by them).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    pub target: GrantTarget,
    /// Empty: every port the targets declare.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<GrantPortRef>,
    pub from: Vec<GrantFrom>,
    pub at: Provenance,
    /// The app scope of its source (`input::SourceFile::scope`): a Service it names is
    /// looked up there first. Last, so that it only breaks ties in the order of grants.
    #[serde(skip)]
    pub scope: std::sync::Arc<str>,
}

/// Which monitors a Prometheus selects: `selector` null matches none, empty matches all;
/// `namespaces` null means the Prometheus' own namespace, empty means every namespace
/// (Prometheus CRD: `serviceMonitorSelector`, `serviceMonitorNamespaceSelector`).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct MonitorSelection {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespaces: Option<LabelSelector>,
}

impl MonitorSelection {
    pub fn selects(&self, own_ns: &str, ns: &str, labels: &BTreeMap<String, String>) -> bool {
        let Some(sel) = &self.selector else {
            return false;
        };
        let ns_ok = match &self.namespaces {
            None => own_ns == ns,
            Some(s) => s.matches_namespace(ns),
        };
        ns_ok && sel.matches(labels)
    }
}

/// The pods of a Prometheus resource (workload `workload`) and what they scrape.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Scraper {
    pub workload: String,
    pub namespace: String,
    pub service_monitors: MonitorSelection,
    pub pod_monitors: MonitorSelection,
    pub at: Provenance,
}

/// A mesh `Server` (Linkerd `policy.linkerd.io` Server): a port of the pods it selects, which
/// authorization policies name as their target.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct MeshServer {
    pub namespace: String,
    pub name: String,
    pub pods: LabelSelector,
    /// A container port number or name.
    pub port: GrantPort,
    pub at: Provenance,
}

/// A mesh authentication resource: the identities or networks it names.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct MeshAuthentication {
    /// `MeshTLSAuthentication`, `NetworkAuthentication`.
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub sources: Vec<GrantFrom>,
    pub at: Provenance,
}
