//! The typed AppArmor profile: what `build` decides from intent and `render` writes out.
//!
//! Rules come in groups; every group carries the reasons it exists (a manifest field or a
//! named baseline), so every rule has its reason, in the output as a comment and for
//! `explain`. `Display` on a rule gives its AppArmor text without the closing `,`; every
//! path in it is a [`PathPattern`], so manifest text is escaped by construction.
//! Grammar: apparmor.d(5) of AppArmor 3.0 (the ABI cinch targets, like Docker's profile).

use std::fmt;

use crate::intent::{Capability, Provenance};

use super::escape::{PathPattern, ProfileName};

/// One container's profile.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    pub name: ProfileName,
    pub origin: Origin,
    /// Log instead of deny (`flags=(complain,…)`), and why.
    pub complain: Option<Reason>,
    /// The AppArmor profile the manifest itself names for the container, if any.
    pub declared: Option<Reason>,
    pub groups: Vec<RuleGroup>,
}

/// Where the profile comes from, for its header comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The manifest as displayed (relative path), `<inputs>` when unknown.
    pub manifest: String,
    pub workload: String,
    pub container: String,
}

/// Rules that exist for the same reasons.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleGroup {
    pub topic: Topic,
    pub why: Vec<Reason>,
    pub rules: Vec<Rule>,
}

impl RuleGroup {
    pub fn new(topic: Topic, why: Vec<Reason>, rules: Vec<Rule>) -> Self {
        RuleGroup { topic, why, rules }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Topic {
    Capabilities,
    Network,
    Files,
    Exec,
    Signals,
    Ptrace,
    Mounts,
}

impl Topic {
    pub fn name(self) -> &'static str {
        match self {
            Topic::Capabilities => "capabilities",
            Topic::Network => "network",
            Topic::Files => "files",
            Topic::Exec => "programs",
            Topic::Signals => "signals",
            Topic::Ptrace => "ptrace",
            Topic::Mounts => "mounts",
        }
    }
}

/// Why a rule exists: a short sentence and the fact behind it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reason {
    pub what: String,
    pub at: Provenance,
}

impl Reason {
    pub fn new(what: impl Into<String>, at: &Provenance) -> Self {
        Reason {
            what: what.into(),
            at: at.clone(),
        }
    }

    pub fn baseline(what: impl Into<String>, baseline: &str) -> Self {
        Reason {
            what: what.into(),
            at: Provenance::baseline(baseline.to_owned()),
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.what, self.at)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    Allow,
    Deny,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    Capability(Capability),
    /// `network [family] [type]`; neither means every socket.
    Network {
        access: Access,
        family: Option<Family>,
        kind: Option<SockType>,
    },
    File {
        access: Access,
        path: PathPattern,
        perms: Perms,
    },
    /// `ix`: the program runs under this same profile.
    Exec {
        path: PathPattern,
    },
    Signal {
        perms: SignalPerms,
        peer: Peer,
    },
    /// Denied outright, or allowed (trace, read, tracedby, readby) with one peer.
    Ptrace {
        access: Access,
        peer: Option<Peer>,
    },
    Mount(Access),
    Umount(Access),
    PivotRoot(Access),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Family {
    Unix,
    Inet,
    Inet6,
    Netlink,
    Packet,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SockType {
    Stream,
    Dgram,
    Seqpacket,
    Raw,
}

/// File permissions (apparmor.d(5) "Access Modes"): read, write, link, lock, mmap with
/// PROT_EXEC, and — only in deny rules — exec.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Perms {
    pub read: bool,
    pub write: bool,
    pub link: bool,
    pub lock: bool,
    pub mmap: bool,
    pub exec: bool,
}

impl Perms {
    pub const R: Perms = Perms {
        read: true,
        write: false,
        link: false,
        lock: false,
        mmap: false,
        exec: false,
    };
    pub const W: Perms = Perms {
        write: true,
        ..Perms::R.none()
    };
    pub const X: Perms = Perms {
        exec: true,
        ..Perms::R.none()
    };
    pub const RW: Perms = Perms {
        write: true,
        ..Perms::R
    };
    pub const RM: Perms = Perms {
        mmap: true,
        ..Perms::R
    };
    pub const RWLK: Perms = Perms {
        link: true,
        lock: true,
        ..Perms::RW
    };
    pub const RWLKM: Perms = Perms {
        mmap: true,
        ..Perms::RWLK
    };
    /// Everything, for interfaces that are denied outright.
    pub const ALL: Perms = Perms {
        exec: true,
        ..Perms::RWLK
    };
    /// Write, link, lock and exec: denied where reading is harmless.
    pub const WLKX: Perms = Perms {
        read: false,
        ..Perms::ALL
    };

    const fn none(self) -> Perms {
        Perms {
            read: false,
            write: false,
            link: false,
            lock: false,
            mmap: false,
            exec: false,
        }
    }
}

impl fmt::Display for Perms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (on, c) in [
            (self.read, 'r'),
            (self.write, 'w'),
            (self.link, 'l'),
            (self.lock, 'k'),
            (self.mmap, 'm'),
            (self.exec, 'x'),
        ] {
            if on {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SignalPerms {
    SendReceive,
    Receive,
}

/// The other end of a signal or ptrace: a profile by name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Peer {
    /// This profile itself.
    Profile(ProfileName),
    /// A fixed label cinch writes (`unconfined`, `runc`, `crun`).
    Label(&'static str),
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Peer::Profile(p) => write!(f, "{p}"),
            Peer::Label(l) => f.write_str(l),
        }
    }
}

fn deny(access: Access) -> &'static str {
    match access {
        Access::Allow => "",
        Access::Deny => "deny ",
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Capability(c) => write!(f, "capability {}", c.name().to_ascii_lowercase()),
            Rule::Network {
                access,
                family,
                kind,
            } => {
                write!(f, "{}network", deny(*access))?;
                if let Some(family) = family {
                    f.write_str(match family {
                        Family::Unix => " unix",
                        Family::Inet => " inet",
                        Family::Inet6 => " inet6",
                        Family::Netlink => " netlink",
                        Family::Packet => " packet",
                    })?;
                }
                if let Some(kind) = kind {
                    f.write_str(match kind {
                        SockType::Stream => " stream",
                        SockType::Dgram => " dgram",
                        SockType::Seqpacket => " seqpacket",
                        SockType::Raw => " raw",
                    })?;
                }
                Ok(())
            }
            Rule::File {
                access,
                path,
                perms,
            } => write!(f, "{}{path} {perms}", deny(*access)),
            Rule::Exec { path } => write!(f, "{path} ix"),
            Rule::Signal { perms, peer } => {
                let perms = match perms {
                    SignalPerms::SendReceive => "(send, receive)",
                    SignalPerms::Receive => "(receive)",
                };
                write!(f, "signal {perms} peer={peer}")
            }
            Rule::Ptrace {
                access: Access::Deny,
                ..
            } => f.write_str("deny ptrace"),
            Rule::Ptrace {
                access: Access::Allow,
                peer,
            } => {
                f.write_str("ptrace (trace, read, tracedby, readby)")?;
                match peer {
                    Some(p) => write!(f, " peer={p}"),
                    None => Ok(()),
                }
            }
            Rule::Mount(a) => write!(f, "{}mount", deny(*a)),
            Rule::Umount(a) => write!(f, "{}umount", deny(*a)),
            Rule::PivotRoot(a) => write!(f, "{}pivot_root", deny(*a)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_render_as_apparmor_text() {
        let name = ProfileName::new("shop.web").unwrap();
        let cases = [
            (
                Rule::Capability(Capability::NetBindService),
                "capability net_bind_service",
            ),
            (
                Rule::Network {
                    access: Access::Deny,
                    family: None,
                    kind: Some(SockType::Raw),
                },
                "deny network raw",
            ),
            (
                Rule::Network {
                    access: Access::Allow,
                    family: Some(Family::Inet6),
                    kind: Some(SockType::Stream),
                },
                "network inet6 stream",
            ),
            (
                Rule::File {
                    access: Access::Allow,
                    path: PathPattern::glob("/**"),
                    perms: Perms::RWLKM,
                },
                "/** rwlkm",
            ),
            (
                Rule::File {
                    access: Access::Deny,
                    path: PathPattern::glob("@{PROC}/kcore"),
                    perms: Perms::ALL,
                },
                "deny @{PROC}/kcore rwlkx",
            ),
            (
                Rule::Exec {
                    path: PathPattern::literal("/usr/bin/my app").unwrap(),
                },
                "\"/usr/bin/my app\" ix",
            ),
            (
                Rule::Signal {
                    perms: SignalPerms::SendReceive,
                    peer: Peer::Profile(name.clone()),
                },
                "signal (send, receive) peer=cinch.shop.web",
            ),
            (
                Rule::Ptrace {
                    access: Access::Deny,
                    peer: None,
                },
                "deny ptrace",
            ),
            (
                Rule::Ptrace {
                    access: Access::Allow,
                    peer: Some(Peer::Profile(name)),
                },
                "ptrace (trace, read, tracedby, readby) peer=cinch.shop.web",
            ),
            (Rule::PivotRoot(Access::Deny), "deny pivot_root"),
        ];
        for (rule, text) in cases {
            assert_eq!(rule.to_string(), text);
        }
        assert_eq!(Perms::WLKX.to_string(), "wlkx");
        assert_eq!(Perms::X.to_string(), "x");
        assert_eq!(Perms::W.to_string(), "w");
    }
}
