//! Explicit intent (DESIGN.md §5): what a manifest cannot say, the developer adds in the
//! manifest itself (Compose `x-cinch:`, Kubernetes `cinch.dev/…` annotations, Dockerfile
//! `LABEL cinch.…`). Parsed by `frontend::explicit`; provenance like any other fact.

use serde::Serialize;

use super::container::Protocol;
use super::image::Runtime;
use super::provenance::Fact;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Explicit {
    /// Extra egress: external hosts or CIDRs the workload talks to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub egress: Vec<Fact<Egress>>,
    /// Extra syscalls, each with the developer's reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub syscalls: Vec<Fact<ExtraSyscall>>,
    /// Extra paths the container reads or writes (AppArmor), each with the reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<Fact<ExtraPath>>,
    /// Emit profiles in complain/log mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complain: Option<Fact<bool>>,
    /// Lint rules suppressed here, each with a reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<Fact<Allow>>,
    /// The well-known software this image runs, when its name does not say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime: Option<Fact<Runtime>>,
}

impl Explicit {
    pub fn is_empty(&self) -> bool {
        self.egress.is_empty()
            && self.syscalls.is_empty()
            && self.paths.is_empty()
            && self.complain.is_none()
            && self.allow.is_empty()
            && self.runtime.is_none()
    }

    /// Add another source's explicit intent (image labels beneath a Compose service's).
    pub fn merge(&mut self, other: Explicit) {
        self.egress.extend(other.egress);
        self.syscalls.extend(other.syscalls);
        self.paths.extend(other.paths);
        self.allow.extend(other.allow);
        if self.complain.is_none() {
            self.complain = other.complain;
        }
        if self.runtime.is_none() {
            self.runtime = other.runtime;
        }
    }
}

/// One allowed external destination.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Egress {
    /// A DNS name (`api.stripe.com`), when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// An address block (`10.0.0.0/8`), when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cidr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    pub protocol: Protocol,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ExtraSyscall {
    pub name: String,
    pub reason: String,
}

/// A path (a file, or a directory and everything below it) the container reads or writes
/// beyond what its mounts and root file system give (`x-cinch.writes`, `cinch.dev/reads`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ExtraPath {
    /// Absolute, as the container sees it.
    pub path: String,
    pub access: PathAccess,
    pub reason: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PathAccess {
    Read,
    Write,
}

impl PathAccess {
    /// The explicit-intent key that declares it.
    pub fn key(self) -> &'static str {
        match self {
            PathAccess::Read => "reads",
            PathAccess::Write => "writes",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Allow {
    /// A lint rule id.
    pub rule: String,
    pub reason: String,
}
