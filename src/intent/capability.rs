//! Linux capabilities and the effective set a container ends up with.
//!
//! The list is capabilities(7) as of Linux 6.x (CAP_CHOWN = 0 … CAP_CHECKPOINT_RESTORE = 40).
//! The effective set starts from the runtime's default set and applies `cap_drop`/`cap_add`
//! the way moby's `caps.TweakCapabilities` does (and containerd's CRI plugin, which Kubernetes
//! uses, follows the same rules): `add: [ALL]` starts from every capability and then drops;
//! `drop: [ALL]` starts from nothing and then adds; otherwise default − drop + add.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::provenance::Provenance;

macro_rules! capabilities {
    ($($variant:ident = $name:literal,)*) => {
        /// A Linux capability, named without the `CAP_` prefix as Compose and Kubernetes write it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Capability { $($variant,)* }

        impl Capability {
            /// Every capability, in kernel number order.
            pub const ALL: &'static [Capability] = &[$(Capability::$variant,)*];

            /// `NET_BIND_SERVICE` (without `CAP_`).
            pub fn name(self) -> &'static str {
                match self { $(Capability::$variant => $name,)* }
            }
        }
    };
}

capabilities! {
    Chown = "CHOWN",
    DacOverride = "DAC_OVERRIDE",
    DacReadSearch = "DAC_READ_SEARCH",
    Fowner = "FOWNER",
    Fsetid = "FSETID",
    Kill = "KILL",
    Setgid = "SETGID",
    Setuid = "SETUID",
    Setpcap = "SETPCAP",
    LinuxImmutable = "LINUX_IMMUTABLE",
    NetBindService = "NET_BIND_SERVICE",
    NetBroadcast = "NET_BROADCAST",
    NetAdmin = "NET_ADMIN",
    NetRaw = "NET_RAW",
    IpcLock = "IPC_LOCK",
    IpcOwner = "IPC_OWNER",
    SysModule = "SYS_MODULE",
    SysRawio = "SYS_RAWIO",
    SysChroot = "SYS_CHROOT",
    SysPtrace = "SYS_PTRACE",
    SysPacct = "SYS_PACCT",
    SysAdmin = "SYS_ADMIN",
    SysBoot = "SYS_BOOT",
    SysNice = "SYS_NICE",
    SysResource = "SYS_RESOURCE",
    SysTime = "SYS_TIME",
    SysTtyConfig = "SYS_TTY_CONFIG",
    Mknod = "MKNOD",
    Lease = "LEASE",
    AuditWrite = "AUDIT_WRITE",
    AuditControl = "AUDIT_CONTROL",
    Setfcap = "SETFCAP",
    MacOverride = "MAC_OVERRIDE",
    MacAdmin = "MAC_ADMIN",
    Syslog = "SYSLOG",
    WakeAlarm = "WAKE_ALARM",
    BlockSuspend = "BLOCK_SUSPEND",
    AuditRead = "AUDIT_READ",
    Perfmon = "PERFMON",
    Bpf = "BPF",
    CheckpointRestore = "CHECKPOINT_RESTORE",
}

/// The capabilities Docker, containerd and CRI-O grant by default (moby
/// `oci/caps/defaults.go`, containerd `oci/spec.go` `defaultUnixCaps`).
pub const RUNTIME_DEFAULT: &[Capability] = &[
    Capability::Chown,
    Capability::DacOverride,
    Capability::Fsetid,
    Capability::Fowner,
    Capability::Mknod,
    Capability::NetRaw,
    Capability::Setgid,
    Capability::Setuid,
    Capability::Setfcap,
    Capability::Setpcap,
    Capability::NetBindService,
    Capability::SysChroot,
    Capability::Kill,
    Capability::AuditWrite,
];

pub const RUNTIME_DEFAULT_BASELINE: &str = "runtime default capabilities (Docker/containerd/CRI-O)";

impl FromStr for Capability {
    type Err = String;

    /// Accepts `NET_ADMIN`, `CAP_NET_ADMIN`, and any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        let bare = upper.strip_prefix("CAP_").unwrap_or(&upper);
        Capability::ALL
            .iter()
            .copied()
            .find(|c| c.name() == bare)
            .ok_or_else(|| format!("unknown capability `{s}`"))
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Capability {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// One entry of a `cap_add`/`cap_drop` list: a capability, or `ALL`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapSpec {
    All,
    One(Capability),
}

impl FromStr for CapSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().eq_ignore_ascii_case("ALL") {
            Ok(CapSpec::All)
        } else {
            s.parse().map(CapSpec::One)
        }
    }
}

/// The effective capability set, each member with the reason it is there, and the
/// default members that were dropped (kept for `explain`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CapabilitySet {
    pub effective: BTreeMap<Capability, Provenance>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub dropped: BTreeMap<Capability, Provenance>,
}

impl CapabilitySet {
    /// The runtime default set.
    pub fn runtime_default() -> Self {
        let at = Provenance::baseline(RUNTIME_DEFAULT_BASELINE);
        CapabilitySet {
            effective: RUNTIME_DEFAULT.iter().map(|c| (*c, at.clone())).collect(),
            dropped: BTreeMap::new(),
        }
    }

    /// Apply `cap_add`/`cap_drop` to the runtime default set (moby's rules, see module doc).
    pub fn from_add_drop(add: &[(CapSpec, Provenance)], drop: &[(CapSpec, Provenance)]) -> Self {
        let mut set = CapabilitySet::runtime_default();
        let add_all = add.iter().find(|(c, _)| *c == CapSpec::All);
        let drop_all = drop.iter().find(|(c, _)| *c == CapSpec::All);
        if let Some((_, at)) = add_all {
            set.effective = Capability::ALL.iter().map(|c| (*c, at.clone())).collect();
        } else if let Some((_, at)) = drop_all {
            let old = std::mem::take(&mut set.effective);
            set.dropped = old.into_keys().map(|c| (c, at.clone())).collect();
        }
        if drop_all.is_none() || add_all.is_some() {
            for (spec, at) in drop {
                if let CapSpec::One(c) = spec
                    && set.effective.remove(c).is_some()
                {
                    set.dropped.insert(*c, at.clone());
                }
            }
        }
        if add_all.is_none() {
            for (spec, at) in add {
                if let CapSpec::One(c) = spec {
                    set.dropped.remove(c);
                    set.effective.insert(*c, at.clone());
                }
            }
        }
        set
    }

    pub fn has(&self, c: Capability) -> bool {
        self.effective.contains_key(&c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &'static str) -> Provenance {
        Provenance::baseline(s)
    }

    fn names(set: &CapabilitySet) -> Vec<&'static str> {
        set.effective.keys().map(|c| c.name()).collect()
    }

    #[test]
    fn parses_with_and_without_prefix() {
        assert_eq!(
            "cap_net_admin".parse::<Capability>(),
            Ok(Capability::NetAdmin)
        );
        assert_eq!("NET_ADMIN".parse::<Capability>(), Ok(Capability::NetAdmin));
        assert!("NET_ADMINN".parse::<Capability>().is_err());
        assert_eq!(Capability::ALL.len(), 41);
    }

    #[test]
    fn drop_all_then_add() {
        let set = CapabilitySet::from_add_drop(
            &[(CapSpec::One(Capability::NetBindService), p("add"))],
            &[(CapSpec::All, p("drop"))],
        );
        assert_eq!(names(&set), ["NET_BIND_SERVICE"]);
        assert_eq!(set.effective[&Capability::NetBindService], p("add"));
        assert_eq!(set.dropped.len(), 13);
    }

    #[test]
    fn add_all_then_drop() {
        let set = CapabilitySet::from_add_drop(
            &[(CapSpec::All, p("add"))],
            &[(CapSpec::One(Capability::SysAdmin), p("drop"))],
        );
        assert_eq!(set.effective.len(), 40);
        assert!(!set.has(Capability::SysAdmin));
    }

    #[test]
    fn default_minus_drop_plus_add() {
        let set = CapabilitySet::from_add_drop(
            &[(CapSpec::One(Capability::SysPtrace), p("add"))],
            &[(CapSpec::One(Capability::NetRaw), p("drop"))],
        );
        assert_eq!(set.effective.len(), 14);
        assert!(set.has(Capability::SysPtrace));
        assert!(!set.has(Capability::NetRaw));
        assert_eq!(set.dropped[&Capability::NetRaw], p("drop"));
    }
}
