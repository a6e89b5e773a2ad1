//! Kubernetes objects that are not workloads but decide who reaches whom: Services (names →
//! pods, Service port → container port), Ingress/Gateway routes (published from outside),
//! and ConfigMaps (values that may hold service addresses).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::container::Protocol;
use super::provenance::{Fact, Provenance};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Service {
    /// `<namespace>/<name>`.
    pub id: String,
    /// The app scope of its source (`input::SourceFile::scope`).
    #[serde(skip)]
    pub scope: Arc<str>,
    pub namespace: String,
    pub name: String,
    /// `ClusterIP`, `NodePort`, `LoadBalancer`, `ExternalName`.
    pub service_type: String,
    /// Empty for a Service without selector (its endpoints are managed elsewhere).
    pub selector: BTreeMap<String, String>,
    /// The Service's own labels (what a ServiceMonitor selects it by).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    pub ports: Vec<ServicePort>,
    /// `spec.externalName` for `ExternalName` Services.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_name: Option<String>,
    pub at: Provenance,
    /// Workloads whose pod labels the selector matches (filled by the resolver).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ServicePort {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub port: u16,
    /// `targetPort`: a number, a container port name, or absent (= `port`).
    pub target: TargetPort,
    pub protocol: Protocol,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_port: Option<u16>,
    pub at: Provenance,
}

impl ServicePort {
    /// The container ports this Service port reaches in workload `w`: `targetPort` as a
    /// number, or the ports a container of `w` declares under that name with the same
    /// protocol (the endpoints controller's `FindPort`); empty when the name is not there.
    pub fn container_ports(&self, w: &super::Workload) -> Vec<u16> {
        match &self.target {
            TargetPort::Number(n) => vec![*n],
            TargetPort::Name(name) => {
                let mut v: Vec<u16> = w
                    .containers
                    .iter()
                    .flat_map(|c| &c.listens)
                    .filter(|l| {
                        l.name.as_deref() == Some(name.as_str()) && l.protocol == self.protocol
                    })
                    .map(|l| l.port)
                    .collect();
                v.sort_unstable();
                v.dedup();
                v
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(untagged)]
pub enum TargetPort {
    Number(u16),
    Name(String),
}

/// An Ingress rule or Gateway API route backend: this Service port is published.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Route {
    /// `Ingress <namespace>/<name>`, `HTTPRoute <namespace>/<name>`.
    pub route: String,
    /// The app scope of its source (`input::SourceFile::scope`).
    #[serde(skip)]
    pub scope: Arc<str>,
    pub namespace: String,
    pub service: String,
    pub port: RoutePort,
    pub at: Provenance,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum RoutePort {
    Number(u16),
    Name(String),
    /// No port given (Gateway `backendRefs` may omit it when the Service has one).
    Unspecified,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConfigMap {
    pub id: String,
    /// The app scope of its source (`input::SourceFile::scope`).
    #[serde(skip)]
    pub scope: Arc<str>,
    pub namespace: String,
    pub name: String,
    pub data: BTreeMap<String, Fact<String>>,
    pub at: Provenance,
}
