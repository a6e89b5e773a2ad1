//! One container's declared behaviour: what it runs, as whom, with which privileges,
//! which files it may write, which ports it listens on.

use std::collections::BTreeMap;

use serde::Serialize;

use super::capability::CapabilitySet;
use super::explicit::Explicit;
use super::image::{ImageRef, Runtime};
use super::provenance::{Fact, Provenance};
use super::user::User;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ContainerRole {
    Main,
    /// Kubernetes initContainers that run to completion before the main containers start.
    Init,
    /// Kubernetes init containers with `restartPolicy: Always`: they start before the main
    /// containers and run for the pod's life, like them (their ports listen, their probes
    /// run). Kubernetes docs, "Sidecar Containers".
    Sidecar,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Container {
    pub name: String,
    pub role: ContainerRole,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Fact<ImageRef>>,
    /// Compose `build:` (the Dockerfile it names is read and layered beneath this container).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<Fact<BuildRef>>,
    /// `FROM` images of the stages built (from a Dockerfile), for pinning checks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub base_images: Vec<Fact<ImageRef>>,
    /// Well-known software, from the image name or explicit intent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime: Option<Fact<Runtime>>,
    pub process: Process,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub probes: Vec<Probe>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<Fact<User>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_as_non_root: Option<Fact<bool>>,
    pub privileged: Fact<bool>,
    /// `no-new-privileges` / `allowPrivilegeEscalation: false`.
    pub no_new_privileges: Fact<bool>,
    pub capabilities: CapabilitySet,
    pub read_only_root: Fact<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mounts: Vec<Mount>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub listens: Vec<Listen>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, Fact<EnvValue>>,
    /// Compose `env_file`, Kubernetes `envFrom`: environment whose keys the manifest does not show.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env_from: Vec<Fact<EnvSource>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<Fact<Device>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub sysctls: BTreeMap<String, Fact<String>>,
    /// A seccomp profile the manifest itself names (`seccomp=unconfined`, `seccompProfile`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seccomp: Option<Fact<DeclaredProfile>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apparmor: Option<Fact<DeclaredProfile>>,
    /// Kubernetes `resources.limits`: what bounds the container's share of the node (the
    /// denial-of-service half of least privilege; read for `lint`).
    #[serde(skip_serializing_if = "Limits::is_empty")]
    pub limits: Limits,
    /// Dockerfile shell-form `RUN` lines with a pipe and no `pipefail`: a failing command
    /// before `|` does not fail the build (read for `lint`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unsafe_pipes: Vec<Fact<String>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, Fact<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_signal: Option<Fact<String>>,
    /// Dockerfile `ONBUILD` triggers: recorded, they run in a child image's build, not here.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub onbuild: Vec<Fact<String>>,
    #[serde(skip_serializing_if = "Explicit::is_empty")]
    pub explicit: Explicit,
    /// Probes a more specific source replaced (an image's HEALTHCHECK under a Compose
    /// `healthcheck:`), kept for `explain`; backends ignore them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overridden_probes: Vec<Probe>,
    /// Where the manifest declares this container (only with
    /// `frontend::Options::keep_documents`; `None` for a lone Dockerfile). Not printed.
    #[serde(skip)]
    pub source: Option<super::SourceRef>,
}

impl Container {
    /// A container with nothing declared: every fact at its runtime default.
    pub fn new(name: impl Into<String>, role: ContainerRole) -> Self {
        Container {
            name: name.into(),
            role,
            image: None,
            build: None,
            base_images: Vec::new(),
            runtime: None,
            process: Process::default(),
            probes: Vec::new(),
            user: None,
            run_as_non_root: None,
            privileged: Fact::new(
                false,
                Provenance::baseline("runtime default: not privileged"),
            ),
            no_new_privileges: Fact::new(
                false,
                Provenance::baseline("runtime default: privilege escalation allowed"),
            ),
            capabilities: CapabilitySet::runtime_default(),
            read_only_root: Fact::new(
                false,
                Provenance::baseline("runtime default: writable root filesystem"),
            ),
            mounts: Vec::new(),
            listens: Vec::new(),
            env: BTreeMap::new(),
            env_from: Vec::new(),
            devices: Vec::new(),
            sysctls: BTreeMap::new(),
            seccomp: None,
            apparmor: None,
            limits: Limits::default(),
            unsafe_pipes: Vec::new(),
            labels: BTreeMap::new(),
            stop_signal: None,
            onbuild: Vec::new(),
            explicit: Explicit::default(),
            overridden_probes: Vec::new(),
            source: None,
        }
    }

    /// The programs this container is declared to execute, with the reason for each: the
    /// first word of the entrypoint (or of the command when there is no entrypoint), of the
    /// healthcheck and of exec probes/hooks. `None` when the main program is not known
    /// (no entrypoint or command anywhere in the inputs: it lives in the image).
    pub fn declared_executables(&self) -> Option<Vec<(String, Provenance)>> {
        let main = self
            .process
            .entrypoint
            .as_ref()
            .filter(|f| !f.value.is_empty())
            .or(self
                .process
                .command
                .as_ref()
                .filter(|f| !f.value.is_empty()))?;
        let mut out = vec![(main.value[0].clone(), main.at.clone())];
        for probe in &self.probes {
            if let ProbeAction::Exec(argv) = &probe.action
                && let Some(first) = argv.first()
            {
                out.push((first.clone(), probe.at.clone()));
            }
        }
        Some(out)
    }

    /// Ports this container listens on, by (port, protocol), deduplicated.
    pub fn listen_ports(&self) -> Vec<(u16, Protocol)> {
        let mut v: Vec<_> = self.listens.iter().map(|l| (l.port, l.protocol)).collect();
        v.sort();
        v.dedup();
        v
    }
}

/// Compose `build:`: where the Dockerfile is and how it is built.
/// Resource limits as written (`512Mi`, `500m`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Limits {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<Fact<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Fact<String>>,
}

impl Limits {
    pub fn is_empty(&self) -> bool {
        self.memory.is_none() && self.cpu.is_none()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct BuildRef {
    /// Build context, relative to the manifest's directory (as written).
    pub context: String,
    /// Dockerfile path relative to the context (`Dockerfile` when not given).
    pub dockerfile: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, String>,
    /// Inline `dockerfile_inline:` content, when given instead of a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inline: Option<String>,
    /// The directory `context` is relative to (the Compose file's, on disk), so the
    /// pipeline can read the Dockerfile; not printed (no machine paths in output).
    #[serde(skip)]
    pub dir: std::path::PathBuf,
    /// `dir` as displayed (relative to the inputs), for the Dockerfile's display name.
    #[serde(skip)]
    pub dir_display: String,
}

/// What runs, as Docker assembles it: `entrypoint + command` (Kubernetes: `command + args`).
/// Each part is kept separately because a manifest may override one and not the other.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Process {
    /// ENTRYPOINT / Compose `entrypoint` / Kubernetes `command`, as argv.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Fact<Vec<String>>>,
    /// CMD / Compose `command` / Kubernetes `args`, as argv.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Fact<Vec<String>>>,
    /// Dockerfile `SHELL` that shell-form instructions were wrapped with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shell: Option<Fact<Vec<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workdir: Option<Fact<String>>,
}

/// A health check, probe or lifecycle hook.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Probe {
    pub role: ProbeRole,
    pub action: ProbeAction,
    pub at: Provenance,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeRole {
    /// Docker/Compose `HEALTHCHECK` / `healthcheck:`.
    Healthcheck,
    Liveness,
    Readiness,
    Startup,
    PostStart,
    PreStop,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeAction {
    /// argv run inside the container (shell forms already wrapped: `["/bin/sh", "-c", …]`).
    Exec(Vec<String>),
    Http {
        port: String,
        path: String,
    },
    Tcp {
        port: String,
    },
    Grpc {
        port: u16,
    },
    Sleep {
        seconds: i64,
    },
    /// `HEALTHCHECK NONE`, `healthcheck: {disable: true}`: explicitly no check.
    Disabled,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
    Sctp,
}

impl Protocol {
    pub fn parse(s: &str) -> Option<Protocol> {
        match s.trim().to_ascii_lowercase().as_str() {
            "tcp" => Some(Protocol::Tcp),
            "udp" => Some(Protocol::Udp),
            "sctp" => Some(Protocol::Sctp),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Sctp => "sctp",
        }
    }
}

impl std::fmt::Display for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A port the container listens on.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Listen {
    pub port: u16,
    pub protocol: Protocol,
    /// Kubernetes port name, Compose long-syntax `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub origin: ListenOrigin,
    /// How the port is reachable from outside the workload set (host port, NodePort, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub published: Vec<Publish>,
    pub at: Provenance,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListenOrigin {
    /// Compose `ports:`, Kubernetes `containerPort`.
    Port,
    /// Dockerfile `EXPOSE`, Compose `expose:`.
    Expose,
    /// Another workload reaches it on this port (`db:5432` in an env value).
    Inferred,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Publish {
    pub via: Exposure,
    pub at: Provenance,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Exposure {
    /// Compose `ports:` with a host port (or an ephemeral one).
    HostPort {
        #[serde(skip_serializing_if = "Option::is_none")]
        host_ip: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        host_port: Option<u16>,
    },
    /// A Kubernetes Service of type NodePort or LoadBalancer.
    Service {
        service: String,
        service_type: String,
    },
    /// A Kubernetes Ingress or Gateway API route backend.
    Route { route: String },
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Mount {
    /// Path inside the container.
    pub target: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub kind: MountKind,
    pub read_only: bool,
    pub at: Provenance,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MountKind {
    /// A named or anonymous volume (Compose), PVC or other persistent volume (Kubernetes).
    Volume,
    /// A host directory (Compose bind mount).
    Bind,
    /// Kubernetes `hostPath`.
    HostPath,
    /// In-memory: Compose `tmpfs`, Kubernetes `emptyDir: {medium: Memory}`.
    Tmpfs,
    /// Kubernetes `emptyDir` on disk.
    EmptyDir,
    Secret,
    /// Compose `configs`, Kubernetes `configMap`.
    Config,
    /// Kubernetes `projected`, `downwardAPI`, service account tokens.
    Projected,
    /// Dockerfile `VOLUME`: an anonymous volume the image declares.
    ImageVolume,
    /// Named pipe, image volume, cluster volume, CSI and anything else.
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EnvValue {
    Literal {
        value: String,
    },
    /// Compose list entry without `=`: taken from the host environment when run.
    FromHost,
    Secret {
        name: String,
        key: String,
    },
    ConfigMap {
        name: String,
        key: String,
        /// The value, when the ConfigMap is among the inputs.
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<String>,
        /// `optional: true`: a missing key leaves the variable unset instead of failing the pod.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        optional: bool,
    },
    /// `fieldRef` / `resourceFieldRef`.
    Field {
        path: String,
    },
}

impl EnvValue {
    /// The text of the value when the inputs know it.
    pub fn text(&self) -> Option<&str> {
        match self {
            EnvValue::Literal { value } => Some(value),
            EnvValue::ConfigMap { value, .. } => value.as_deref(),
            EnvValue::FromHost | EnvValue::Secret { .. } | EnvValue::Field { .. } => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EnvSource {
    File {
        path: String,
    },
    /// Kubernetes `envFrom.configMapRef`; `prefix` is prepended to every key.
    ConfigMap {
        name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        prefix: Option<String>,
    },
    Secret {
        name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        prefix: Option<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Device {
    pub host: String,
    pub container: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub permissions: String,
}

/// A security profile named by the manifest itself.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum DeclaredProfile {
    Unconfined,
    RuntimeDefault,
    /// Kubernetes `Localhost` profile, Compose `seccomp=<file>` / `apparmor=<name>`.
    Localhost(String),
}
