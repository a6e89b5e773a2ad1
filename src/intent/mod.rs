//! The intent model: what the manifests declare, as plain data, every fact with its reason.
//!
//! Frontends fill it, the resolver links it, backends read it; nothing else connects them.
//! It holds no format-specific types. Collections are sorted (`BTreeMap`, sorted `Vec`s) so
//! that everything derived from it is deterministic. `cinch inspect` prints it as JSON; the
//! schema is documented in `docs/intent.md`.

mod capability;
mod cluster;
mod container;
mod explicit;
mod grant;
mod image;
mod provenance;
mod source;
mod user;
mod workload;

pub use capability::{
    CapSpec, Capability, CapabilitySet, RUNTIME_DEFAULT, RUNTIME_DEFAULT_BASELINE,
};
pub use cluster::{ConfigMap, Route, RoutePort, Service, ServicePort, TargetPort};
pub use container::{
    BuildRef, Container, ContainerRole, DeclaredProfile, Device, EnvSource, EnvValue, Exposure,
    Limits, Listen, ListenOrigin, Mount, MountKind, Probe, ProbeAction, ProbeRole, Process,
    Protocol, Publish,
};
pub use explicit::{Allow, Egress, Explicit, ExtraPath, ExtraSyscall, PathAccess};
pub use grant::{
    Grant, GrantFrom, GrantKind, GrantPort, GrantPortRef, GrantSource, GrantTarget, LabelSelector,
    MeshAuthentication, MeshServer, MonitorSelection, Namespaces, Operator, Requirement, Scraper,
};
pub use image::{ImageRef, Runtime};
pub use provenance::{Fact, Location, Overridden, Provenance, field, layer};
pub use source::{Manifest, ManifestFormat, PathSegment, SourceRef, Syntax, pointer_mut};
pub use user::User;
pub use workload::{
    Admit, AdmitFrom, HostNamespaces, Network, NetworkMode, Note, Peer, PeerTarget, Reference,
    ReferenceKind, Workload, WorkloadKind,
};

use serde::Serialize;

/// Everything the inputs declare, linked.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Model {
    /// Sorted by id; ids are unique.
    pub workloads: Vec<Workload>,
    /// Kubernetes Services, sorted by id.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<Service>,
    /// Ingress / Gateway routes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<Route>,
    /// ConfigMaps, used to resolve references, then emptied by the resolver; not printed
    /// (their values are in `env`).
    #[serde(skip)]
    pub config_maps: Vec<ConfigMap>,
    /// Connection intent read from custom resources (ServiceMonitor, authorization
    /// policies, APIService), sorted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<Grant>,
    /// Prometheus pods and the monitors they select, sorted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scrapers: Vec<Scraper>,
    /// Mesh servers and authentications that authorization policies name, sorted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mesh_servers: Vec<MeshServer>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mesh_authentications: Vec<MeshAuthentication>,
    /// The source documents, sorted by file; only when `frontend::Options::keep_documents`
    /// asked for them (wiring). Not printed.
    #[serde(skip)]
    pub manifests: Vec<Manifest>,
}

impl Model {
    pub fn workload(&self, id: &str) -> Option<&Workload> {
        self.workloads
            .binary_search_by(|w| w.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.workloads[i])
    }
}

/// What one frontend produced from one source, before linking.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fragment {
    /// The app scope of the source it came from (`input::SourceFile::scope`); the resolver
    /// stamps it on what the fragment defines.
    pub scope: std::sync::Arc<str>,
    pub workloads: Vec<Workload>,
    pub services: Vec<Service>,
    pub routes: Vec<Route>,
    pub config_maps: Vec<ConfigMap>,
    pub grants: Vec<Grant>,
    pub scrapers: Vec<Scraper>,
    pub mesh_servers: Vec<MeshServer>,
    pub mesh_authentications: Vec<MeshAuthentication>,
    pub manifests: Vec<Manifest>,
}

impl Fragment {
    /// Leave out everything defined in one of `files` (files with errors: `lint` and
    /// `inspect` report the rest, issue 21 point 2). A file's kept text stays, for wiring.
    pub fn drop_files(&mut self, files: &std::collections::BTreeSet<String>) {
        let keep = |at: &Provenance| !at.file().is_some_and(|f| files.contains(f));
        self.workloads.retain(|w| keep(&w.at));
        self.services.retain(|s| keep(&s.at));
        self.routes.retain(|r| keep(&r.at));
        self.config_maps.retain(|c| keep(&c.at));
        self.grants.retain(|g| keep(&g.at));
        self.scrapers.retain(|s| keep(&s.at));
        self.mesh_servers.retain(|s| keep(&s.at));
        self.mesh_authentications.retain(|a| keep(&a.at));
    }

    pub fn extend(&mut self, other: Fragment) {
        self.workloads.extend(other.workloads);
        self.services.extend(other.services);
        self.routes.extend(other.routes);
        self.config_maps.extend(other.config_maps);
        self.grants.extend(other.grants);
        self.scrapers.extend(other.scrapers);
        self.mesh_servers.extend(other.mesh_servers);
        self.mesh_authentications.extend(other.mesh_authentications);
        self.manifests.extend(other.manifests);
    }
}
