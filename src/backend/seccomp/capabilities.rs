//! Capability → the syscalls it unlocks (capabilities(7)), used only when the container's
//! effective set holds the capability.
//!
//! The gating follows Docker's default profile (../shared/reference/docker-default-seccomp.json,
//! `includes.caps`) and is stricter where that profile allows a call to everyone although
//! only the capability makes it useful: the chown and set*id families (CAP_CHOWN,
//! CAP_SETUID, CAP_SETGID), `adjtimex`/`clock_adjtime` (CAP_SYS_TIME), memory locking
//! (CAP_IPC_LOCK), scheduling policy (CAP_SYS_NICE), `name_to_handle_at`
//! (CAP_DAC_READ_SEARCH), netlink sockets (CAP_NET_ADMIN). `clone`/`clone3` and socket
//! families are argument rules built in build.rs; [`unlocks_namespaces`],
//! [`socket_family`] say which capability changes them.

use crate::intent::Capability;

use super::groups::Family;

/// The syscalls a capability unlocks. Capabilities that only widen permission checks inside
/// calls every profile already allows (opening files of other users, `kill` of other users'
/// processes, binding low ports, …) unlock nothing here.
pub fn syscalls(cap: Capability) -> &'static [&'static str] {
    match cap {
        Capability::Chown => &["chown", "fchown", "fchownat", "lchown"],
        Capability::Setuid => &["setfsuid", "setresuid", "setreuid", "setuid"],
        Capability::Setgid => &["setfsgid", "setgid", "setgroups", "setregid", "setresgid"],
        Capability::SysChroot => &["chroot"],
        // Docker's CAP_SYS_ADMIN list (mount API, namespaces, quotas, hostnames, bpf and
        // perf before CAP_BPF/CAP_PERFMON existed, fanotify, syslog, LSM attributes).
        Capability::SysAdmin => &[
            "bpf",
            "fanotify_init",
            "fsconfig",
            "fsmount",
            "fsopen",
            "fspick",
            "lookup_dcookie",
            "lsm_get_self_attr",
            "lsm_list_modules",
            "lsm_set_self_attr",
            "mount",
            "mount_setattr",
            "move_mount",
            "open_tree",
            "perf_event_open",
            "quotactl",
            "quotactl_fd",
            "setdomainname",
            "sethostname",
            "setns",
            "syslog",
            "umount",
            "umount2",
            "unshare",
        ],
        Capability::SysPtrace => &[
            "kcmp",
            "pidfd_getfd",
            "process_madvise",
            "process_vm_readv",
            "process_vm_writev",
            "ptrace",
        ],
        Capability::SysTime => &[
            "adjtimex",
            "clock_adjtime",
            "clock_settime",
            "settimeofday",
            "stime",
        ],
        Capability::SysModule => &["delete_module", "finit_module", "init_module"],
        Capability::SysBoot => &["reboot"],
        Capability::SysPacct => &["acct"],
        Capability::SysRawio => &["ioperm", "iopl"],
        Capability::SysTtyConfig => &["vhangup"],
        Capability::SysNice => &[
            "get_mempolicy",
            "ioprio_set",
            "mbind",
            "sched_setaffinity",
            "sched_setattr",
            "sched_setparam",
            "sched_setscheduler",
            "set_mempolicy",
            "set_mempolicy_home_node",
        ],
        Capability::Syslog => &["syslog"],
        Capability::Bpf => &["bpf"],
        Capability::Perfmon => &["perf_event_open"],
        Capability::DacReadSearch => &["name_to_handle_at", "open_by_handle_at"],
        Capability::IpcLock => &["mlock", "mlock2", "mlockall", "munlock", "munlockall"],
        // Raw and packet sockets, interface configuration: socket families, see below.
        Capability::NetRaw | Capability::NetAdmin => &[],
        // Permission checks inside calls already allowed: file access and ownership
        // (DAC_OVERRIDE, FOWNER, FSETID, LINUX_IMMUTABLE, SETFCAP via setxattr, MKNOD for
        // device nodes), signals (KILL), capability sets (SETPCAP via capset/prctl), ports
        // and broadcast (NET_BIND_SERVICE, NET_BROADCAST), IPC ownership (IPC_OWNER),
        // limits (SYS_RESOURCE), leases (LEASE via fcntl), audit and MAC (netlink/LSM
        // interfaces cinch does not open), alarms, suspend, checkpoint/restore.
        Capability::DacOverride
        | Capability::Fowner
        | Capability::Fsetid
        | Capability::Kill
        | Capability::Setpcap
        | Capability::LinuxImmutable
        | Capability::NetBindService
        | Capability::NetBroadcast
        | Capability::IpcOwner
        | Capability::SysResource
        | Capability::Mknod
        | Capability::Lease
        | Capability::AuditWrite
        | Capability::AuditControl
        | Capability::Setfcap
        | Capability::MacOverride
        | Capability::MacAdmin
        | Capability::WakeAlarm
        | Capability::BlockSuspend
        | Capability::AuditRead
        | Capability::CheckpointRestore => &[],
    }
}

/// The socket family a capability makes usable: AF_PACKET needs CAP_NET_RAW (packet(7)),
/// rtnetlink configuration needs CAP_NET_ADMIN (rtnetlink(7)).
pub fn socket_family(cap: Capability) -> Option<Family> {
    match cap {
        Capability::NetRaw => Some(Family::Packet),
        Capability::NetAdmin => Some(Family::Netlink),
        Capability::Chown
        | Capability::DacOverride
        | Capability::DacReadSearch
        | Capability::Fowner
        | Capability::Fsetid
        | Capability::Kill
        | Capability::Setgid
        | Capability::Setuid
        | Capability::Setpcap
        | Capability::LinuxImmutable
        | Capability::NetBindService
        | Capability::NetBroadcast
        | Capability::IpcLock
        | Capability::IpcOwner
        | Capability::SysModule
        | Capability::SysRawio
        | Capability::SysChroot
        | Capability::SysPtrace
        | Capability::SysPacct
        | Capability::SysAdmin
        | Capability::SysBoot
        | Capability::SysNice
        | Capability::SysResource
        | Capability::SysTime
        | Capability::SysTtyConfig
        | Capability::Mknod
        | Capability::Lease
        | Capability::AuditWrite
        | Capability::AuditControl
        | Capability::Setfcap
        | Capability::MacOverride
        | Capability::MacAdmin
        | Capability::Syslog
        | Capability::WakeAlarm
        | Capability::BlockSuspend
        | Capability::AuditRead
        | Capability::Perfmon
        | Capability::Bpf
        | Capability::CheckpointRestore => None,
    }
}

/// CAP_SYS_ADMIN lifts the namespace-flag mask on `clone` and allows `clone3` (Docker's rule).
pub fn unlocks_namespaces(cap: Capability) -> bool {
    cap == Capability::SysAdmin
}

#[cfg(test)]
mod tests {
    use super::super::arch::Abi;
    use super::*;

    #[test]
    fn names_are_sorted_syscalls() {
        for cap in Capability::ALL {
            let names = syscalls(*cap);
            assert!(names.windows(2).all(|w| w[0] < w[1]), "{cap} is not sorted");
            for n in names {
                assert!(
                    [Abi::X86_64, Abi::X86, Abi::Aarch64]
                        .iter()
                        .any(|a| a.knows(n)),
                    "{n} ({cap})"
                );
            }
        }
    }
}
