//! A workload: one Compose service, one Kubernetes pod template, or one lone Dockerfile,
//! with the network intent that connects it to the others.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::container::{Container, Protocol};
use super::explicit::Explicit;
use super::provenance::{Fact, Provenance};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Workload {
    /// `<namespace>/<name>` (Kubernetes), `<project>/<service>` (Compose), the Dockerfile's
    /// directory (lone Dockerfile). Unique in a model: where two app scopes define the same
    /// id, each is qualified as `<scope>:<id>` (`resolve::scope`).
    pub id: String,
    /// The app scope of the source that defines it (`input::SourceFile::scope`).
    #[serde(skip)]
    pub scope: Arc<str>,
    pub kind: WorkloadKind,
    pub name: String,
    /// Kubernetes namespace or Compose project.
    pub namespace: String,
    pub at: Provenance,
    /// Pod labels: what Services and NetworkPolicies select. For Compose services, labels
    /// cinch defines (`io.kompose.service: <service>`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Kubernetes `serviceAccountName`, when the pod names one (`default` otherwise): the
    /// identity mesh authorization policies name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account: Option<Fact<String>>,
    /// Kubernetes `automountServiceAccountToken` of the pod (unset: the token is mounted,
    /// unless the ServiceAccount says otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account_token: Option<Fact<bool>>,
    /// Pods an operator makes from a custom resource (a Prometheus, an Alertmanager): their
    /// containers are the operator's, so cinch writes no profile for them, but they are
    /// peers (they scrape, they are called) and Services select them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub managed_by: Option<Fact<String>>,
    pub containers: Vec<Container>,
    pub host: HostNamespaces,
    pub network: Network,
    /// Compose `profiles:` the service belongs to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<String>,
    #[serde(skip_serializing_if = "Explicit::is_empty")]
    pub explicit: Explicit,
    /// Warnings that belong in `explain` (also printed on stderr when found).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum WorkloadKind {
    ComposeService,
    Pod,
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    ReplicationController,
    Job,
    CronJob,
    Dockerfile,
}

impl WorkloadKind {
    pub fn is_kubernetes(self) -> bool {
        !matches!(
            self,
            WorkloadKind::ComposeService | WorkloadKind::Dockerfile
        )
    }
}

/// Namespaces shared with the host (Compose `pid: host`, Kubernetes `hostPID`, …).
/// Host networking is `Network::mode`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct HostNamespaces {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<Fact<bool>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipc: Option<Fact<bool>>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Network {
    pub mode: Fact<NetworkMode>,
    /// Compose networks the service joins, with their aliases.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub networks: BTreeMap<String, Fact<Vec<String>>>,
    /// Mentions of other hosts found in the manifest, before resolution.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    /// What the references resolved to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub peers: Vec<Peer>,
    /// Sources that are not workloads of the inputs, allowed in by a custom resource (a
    /// namespace, the API server, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub admits: Vec<Admit>,
}

impl Default for Network {
    fn default() -> Self {
        Network {
            mode: Fact::new(
                NetworkMode::Default,
                Provenance::baseline("runtime default: own network namespace"),
            ),
            networks: BTreeMap::new(),
            references: Vec::new(),
            peers: Vec::new(),
            admits: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", content = "target", rename_all = "snake_case")]
pub enum NetworkMode {
    /// Its own network namespace on the project's/cluster's network.
    Default,
    /// `network_mode: none`: loopback only.
    None,
    /// Host networking: policies do not apply.
    Host,
    /// `network_mode: service:<name>`: shares another service's namespace.
    Service(String),
    /// `network_mode: container:<name>`.
    Container(String),
}

/// A mention of another host in a manifest: `depends_on`, `links`, `db:5432` in an env value.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Reference {
    /// Host as written: `db`, `api.shop.svc.cluster.local`, `api.stripe.com`.
    pub host: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    pub via: ReferenceKind,
    /// The container whose manifest holds the reference (Kubernetes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    pub at: Provenance,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReferenceKind {
    DependsOn,
    Link,
    ExternalLink,
    Env {
        name: String,
    },
    Arg,
    ConfigMap {
        name: String,
        key: String,
    },
    /// `x-cinch`/`cinch.dev/egress`.
    Explicit,
}

/// A resolved connection this workload makes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Peer {
    pub target: PeerTarget,
    /// The port on the target (for a workload: its container port). `None`: every port the
    /// target declares (a `depends_on` without a port).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    pub protocol: Protocol,
    pub at: Provenance,
    /// The custom resource that declares the connection (`ServiceMonitor monitoring/grafana`),
    /// when it is not a reference in the workload's own manifest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PeerTarget {
    Workload {
        id: String,
    },
    /// A host outside the inputs. `cidr` only when explicit intent gives one.
    External {
        host: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        cidr: Option<String>,
    },
}

/// A connection into this workload from something that is not a workload of the inputs,
/// as a custom resource declares it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Admit {
    pub from: AdmitFrom,
    /// The container port; `None`: every port the workload declares.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    pub protocol: Protocol,
    /// Our words: `APIService v1beta1.metrics.k8s.io: the API server calls it`.
    pub why: String,
    pub at: Provenance,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AdmitFrom {
    /// Every pod of this namespace.
    Namespace {
        name: String,
    },
    /// Every pod of every namespace.
    AllNamespaces,
    /// Any source (the API server, whose address no pod selector matches, or a rule that
    /// names no source).
    Anywhere,
    Cidr {
        cidr: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Note {
    pub severity: crate::diag::Severity,
    /// What kind of note (`unresolved`, `privileged`, …): lint and explain select by it.
    #[serde(serialize_with = "crate::diag::serialize_code")]
    pub code: crate::diag::Code,
    pub message: String,
    pub at: Provenance,
}

impl Workload {
    /// A workload with no containers yet and every fact at its default.
    pub fn new(
        kind: WorkloadKind,
        namespace: impl Into<String>,
        name: impl Into<String>,
        at: Provenance,
    ) -> Self {
        let namespace = namespace.into();
        let name = name.into();
        let id = if namespace.is_empty() {
            name.clone()
        } else {
            format!("{namespace}/{name}")
        };
        Workload {
            id,
            scope: Arc::default(),
            kind,
            name,
            namespace,
            at,
            labels: BTreeMap::new(),
            service_account: None,
            service_account_token: None,
            managed_by: None,
            containers: Vec::new(),
            host: HostNamespaces::default(),
            network: Network::default(),
            profiles: Vec::new(),
            explicit: Explicit::default(),
            notes: Vec::new(),
        }
    }

    pub fn container(&self, name: &str) -> Option<&Container> {
        self.containers.iter().find(|c| c.name == name)
    }

    /// Whether cinch writes seccomp and AppArmor profiles for its containers: not for pods
    /// an operator makes from a custom resource (their containers are the operator's).
    pub fn confinable(&self) -> bool {
        self.managed_by.is_none()
    }

    pub fn privileged(&self) -> bool {
        self.containers.iter().any(|c| c.privileged.value)
    }
}
