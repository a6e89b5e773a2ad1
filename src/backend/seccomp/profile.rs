//! The typed seccomp profile: what build.rs decides and render.rs serializes. Every rule
//! carries its reason; `explain` and `diff` read this type, not the JSON.

use std::collections::BTreeSet;
use std::fmt;

use crate::diag::Severity;
use crate::intent::Provenance;

use super::arch::{Abi, Arch};
use super::groups::{Family, Group};
use super::names::NameSet;
use crate::intent::Capability;

/// What the kernel does for a matching call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    Allow,
    /// Fail with this errno.
    Errno(u32),
    /// Allow and log (complain mode).
    Log,
}

impl Action {
    pub fn scmp(self) -> &'static str {
        match self {
            Action::Allow => "SCMP_ACT_ALLOW",
            Action::Errno(_) => "SCMP_ACT_ERRNO",
            Action::Log => "SCMP_ACT_LOG",
        }
    }

    pub fn errno(self) -> Option<u32> {
        match self {
            Action::Errno(e) => Some(e),
            Action::Allow | Action::Log => None,
        }
    }
}

/// Comparison of one syscall argument (seccomp_rule_add(3)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Op {
    Eq,
    /// `(arg & mask) == value`.
    MaskedEq {
        mask: u64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ArgCmp {
    pub index: u8,
    pub op: Op,
    pub value: u64,
}

impl ArgCmp {
    pub fn eq(index: u8, value: u64) -> Self {
        ArgCmp {
            index,
            op: Op::Eq,
            value,
        }
    }

    pub fn masked_eq(index: u8, mask: u64, value: u64) -> Self {
        ArgCmp {
            index,
            op: Op::MaskedEq { mask },
            value,
        }
    }
}

/// Why a rule (or the default action) is there: a sentence and the facts behind it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Why {
    pub text: String,
    pub at: Vec<Provenance>,
}

impl Why {
    pub fn new(text: impl Into<String>, at: Vec<Provenance>) -> Self {
        let mut at = at;
        at.dedup();
        Why {
            text: text.into(),
            at,
        }
    }
}

/// `listens on 8080/tcp (compose.yaml:14 services.web.ports[0]; …)`.
impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)?;
        if !self.at.is_empty() {
            f.write_str(" (")?;
            for (i, p) in self.at.iter().enumerate() {
                if i > 0 {
                    f.write_str("; ")?;
                }
                write!(f, "{p}")?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// Which table a rule comes from (for `explain`, `diff` and tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    Group(Group),
    /// `clone` with namespace flags masked, `clone3` refused with ENOSYS.
    Clone,
    /// What runc/crun call after loading the filter.
    ContainerRuntime,
    /// The runtime's switch to the container's user.
    UserSwitch,
    SocketFamily(Family),
    Capability(Capability),
    Explicit,
}

/// One entry: these names, with these argument conditions (ANDed), get this action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Sorted, as every reader lists them.
    pub names: NameSet,
    pub action: Action,
    pub args: Vec<ArgCmp>,
    pub why: Why,
    pub source: Source,
}

/// Something `explain` shows and stderr warned about (privileged, declared unconfined).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileNote {
    pub severity: Severity,
    pub message: String,
    pub at: Provenance,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeccompProfile {
    pub workload: String,
    pub container: String,
    /// `testdata/x/compose.yaml (service web)`: where the workload is declared.
    pub source: String,
    pub default_action: Action,
    pub default_why: Why,
    pub arches: BTreeSet<Arch>,
    pub rules: Vec<Rule>,
    pub notes: Vec<ProfileNote>,
}

impl SeccompProfile {
    /// Seccomp architectures, native first per target (the order runtimes add them).
    pub fn architectures(&self) -> Vec<Abi> {
        self.arches
            .iter()
            .flat_map(|a| a.abis().iter().copied())
            .collect()
    }

    /// The syscalls this profile lists as allowed on an ABI (any rule whose action runs the
    /// call, with or without argument conditions). An unconfined profile lists none: check
    /// [`SeccompProfile::is_unconfined`] first.
    pub fn allowed_on(&self, abi: Abi) -> BTreeSet<&'static str> {
        self.rules
            .iter()
            .filter(|r| matches!(r.action, Action::Allow | Action::Log))
            .flat_map(|r| r.names.iter())
            .filter(|n| abi.knows(n))
            .collect()
    }

    /// Number of syscalls allowed on an architecture's native ABI (the figure compared with
    /// Docker's default: 301 on amd64, 260 on arm64).
    pub fn allowed_count(&self, arch: Arch) -> usize {
        self.allowed_on(arch.native()).len()
    }

    pub fn is_unconfined(&self) -> bool {
        self.default_action == Action::Allow
    }
}
