//! Syscall groups: the generic tables a profile is assembled from (DESIGN.md §3).
//!
//! Each group is a set of x86_64/generic names with a gate saying when intent enables it.
//! [`arch::resolve`](super::arch::resolve) adds the names other ABIs use for the same calls.
//! Sources of the facts: syscalls(2) and the man pages of each call, capabilities(7), the
//! groups systemd defines for `SystemCallFilter=` (systemd.exec(5): @basic-io, @file-system,
//! @io-event, @ipc, @network-io, @process, @signal, @timer, @privileged, @obsolete, …), and
//! what Docker's default profile (../shared/reference) allows unconditionally — a generic
//! group never holds a call that profile refuses. Capability-gated calls live in
//! `capabilities.rs`; the calls the container runtime makes after loading the filter in
//! `container_runtime.rs`.
//!
//! Gates: `Always` (every profile), `Baseline` (every profile of an image cinch does not
//! know; for a known one only what was measured), intent gates (a writable file system, a
//! listening port), and `Facility`: rarely used kernel facilities that an unknown image does
//! not get; a measured runtime gets them when it was measured to use them, anyone else by
//! naming them in explicit intent (`x-cinch.syscalls`, `cinch.dev/syscalls`).

/// When a group is part of a profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Gate {
    Always,
    Baseline,
    /// The root file system is writable or the container mounts something writable.
    WritableFs,
    /// A port is declared (`ports`, `expose`, `containerPort`, or another workload reaches it).
    Listens,
    Facility,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    Minimum,
    Process,
    Signals,
    Timers,
    EventLoops,
    FilesRead,
    FilesWrite,
    Memory,
    UnixSockets,
    NetworkServer,
    SysvIpc,
    PosixMqueue,
    MemoryLocking,
    ProtectionKeys,
    XattrWrite,
    AsyncIo,
    Scheduling,
    Rare,
}

impl Group {
    /// Every group, in the order a name is attributed to its first group.
    pub const ALL: &'static [Group] = &[
        Group::Minimum,
        Group::Process,
        Group::Signals,
        Group::Timers,
        Group::EventLoops,
        Group::FilesRead,
        Group::FilesWrite,
        Group::Memory,
        Group::UnixSockets,
        Group::NetworkServer,
        Group::SysvIpc,
        Group::PosixMqueue,
        Group::MemoryLocking,
        Group::ProtectionKeys,
        Group::XattrWrite,
        Group::AsyncIo,
        Group::Scheduling,
        Group::Rare,
    ];

    pub fn gate(self) -> Gate {
        match self {
            Group::Minimum => Gate::Always,
            Group::Process
            | Group::Signals
            | Group::Timers
            | Group::EventLoops
            | Group::FilesRead
            | Group::Memory
            | Group::UnixSockets => Gate::Baseline,
            Group::FilesWrite => Gate::WritableFs,
            Group::NetworkServer => Gate::Listens,
            Group::SysvIpc
            | Group::PosixMqueue
            | Group::MemoryLocking
            | Group::ProtectionKeys
            | Group::XattrWrite
            | Group::AsyncIo
            | Group::Scheduling
            | Group::Rare => Gate::Facility,
        }
    }

    /// What the group is for, as the `comment` of its entry says it.
    pub fn what(self) -> &'static str {
        match self {
            Group::Minimum => "start, memory, read files, signals, time, threads, exit",
            Group::Process => "processes: fork, exec, wait, sessions, limits, pipes",
            Group::Signals => "signals",
            Group::Timers => "timers",
            Group::EventLoops => "event loops: epoll, poll, select, eventfd, inotify",
            Group::FilesRead => "file metadata, vectored and zero-copy reads",
            Group::FilesWrite => "write files: create, rename, remove, sync, chmod",
            Group::Memory => "memory: memfd, msync, mincore",
            Group::UnixSockets => "sockets (local AF_UNIX, and the network families allowed below)",
            Group::NetworkServer => "accept connections",
            Group::SysvIpc => "System V shared memory, semaphores, message queues",
            Group::PosixMqueue => "POSIX message queues",
            Group::MemoryLocking => "lock memory",
            Group::ProtectionKeys => "memory protection keys",
            Group::XattrWrite => "write extended attributes",
            Group::AsyncIo => "Linux AIO",
            Group::Scheduling => "scheduling policy and CPU affinity",
            Group::Rare => "other calls",
        }
    }

    pub fn names(self) -> &'static [&'static str] {
        match self {
            // glibc/musl startup and ld.so (mmap, mprotect, arch_prctl, set_tid_address,
            // set_robust_list, rseq, prlimit64, getrandom), stdio, reading files and
            // directories, signal handlers, clocks, futex-based threads, exit. `clone` is
            // here too, as a separate entry with namespace flags masked (see build.rs).
            Group::Minimum => &[
                "access",
                "arch_prctl",
                "brk",
                "clock_getres",
                "clock_gettime",
                "clock_nanosleep",
                "close",
                "dup",
                "dup2",
                "dup3",
                "execve",
                "exit",
                "exit_group",
                "faccessat",
                "faccessat2",
                "fcntl",
                "fstat",
                "futex",
                "getcwd",
                "getdents64",
                "getegid",
                "geteuid",
                "getgid",
                "getpid",
                "getppid",
                "getrandom",
                "getrlimit",
                "gettid",
                "gettimeofday",
                "getuid",
                "ioctl",
                "lseek",
                "lstat",
                "madvise",
                "mmap",
                "mprotect",
                "mremap",
                "munmap",
                "nanosleep",
                "newfstatat",
                "open",
                "openat",
                "pread64",
                "prlimit64",
                "read",
                "readlink",
                "readlinkat",
                "readv",
                "restart_syscall",
                "rseq",
                "rt_sigaction",
                "rt_sigprocmask",
                "rt_sigreturn",
                "sched_getaffinity",
                "sched_yield",
                "set_robust_list",
                "set_tid_address",
                "sigaltstack",
                "stat",
                "statx",
                "time",
                "uname",
                "write",
                "writev",
            ],
            // systemd @process/@default minus what needs privileges; pipes for spawning.
            Group::Process => &[
                "capget",
                "capset",
                "chdir",
                "close_range",
                "fchdir",
                "fork",
                "getgroups",
                "getpgid",
                "getpgrp",
                "getpriority",
                "getresgid",
                "getresuid",
                "getrusage",
                "getsid",
                "membarrier",
                "pidfd_open",
                "pipe",
                "pipe2",
                "prctl",
                "sched_getparam",
                "sched_getscheduler",
                "setpgid",
                "setpriority",
                "setrlimit",
                "setsid",
                "sysinfo",
                "times",
                "umask",
                "vfork",
                "wait4",
                "waitid",
            ],
            // systemd @signal; kill(2) reaches only processes of the same user without CAP_KILL.
            Group::Signals => &[
                "alarm",
                "kill",
                "pause",
                "pidfd_send_signal",
                "rt_sigpending",
                "rt_sigsuspend",
                "rt_sigtimedwait",
                "signalfd",
                "signalfd4",
                "tgkill",
            ],
            // systemd @timer.
            Group::Timers => &[
                "getitimer",
                "setitimer",
                "timer_create",
                "timer_delete",
                "timer_getoverrun",
                "timer_gettime",
                "timer_settime",
                "timerfd_create",
                "timerfd_gettime",
                "timerfd_settime",
            ],
            // systemd @io-event, plus inotify (config reloaders).
            Group::EventLoops => &[
                "epoll_create",
                "epoll_create1",
                "epoll_ctl",
                "epoll_pwait",
                "epoll_pwait2",
                "epoll_wait",
                "eventfd",
                "eventfd2",
                "inotify_add_watch",
                "inotify_init",
                "inotify_init1",
                "inotify_rm_watch",
                "poll",
                "ppoll",
                "pselect6",
                "select",
            ],
            Group::FilesRead => &[
                "fadvise64",
                "fgetxattr",
                "flistxattr",
                "flock",
                "fstatfs",
                "getxattr",
                "lgetxattr",
                "listxattr",
                "llistxattr",
                "preadv",
                "preadv2",
                "readahead",
                "sendfile",
                "splice",
                "statfs",
                "tee",
            ],
            // systemd @file-system writes. `mknod` makes FIFOs and sockets without a
            // capability; device nodes need CAP_MKNOD (and the device cgroup).
            Group::FilesWrite => &[
                "chmod",
                "copy_file_range",
                "fallocate",
                "fchmod",
                "fchmodat",
                "fchmodat2",
                "fdatasync",
                "fsync",
                "ftruncate",
                "link",
                "linkat",
                "mkdir",
                "mkdirat",
                "mknod",
                "mknodat",
                "pwrite64",
                "pwritev",
                "pwritev2",
                "rename",
                "renameat",
                "renameat2",
                "rmdir",
                "symlink",
                "symlinkat",
                "sync_file_range",
                "syncfs",
                "truncate",
                "unlink",
                "unlinkat",
                "utimensat",
                "utimes",
            ],
            Group::Memory => &["memfd_create", "mincore", "msync"],
            // systemd @network-io. `socket` itself is a separate entry per address family
            // (build.rs): AF_UNIX always, AF_INET/AF_INET6 with network intent.
            Group::UnixSockets => &[
                "connect",
                "getpeername",
                "getsockname",
                "getsockopt",
                "recvfrom",
                "recvmmsg",
                "recvmsg",
                "sendmmsg",
                "sendmsg",
                "sendto",
                "setsockopt",
                "shutdown",
                "socketpair",
            ],
            Group::NetworkServer => &["accept", "accept4", "bind", "listen"],
            // PostgreSQL, Oracle, Apache use SysV IPC.
            Group::SysvIpc => &[
                "msgctl",
                "msgget",
                "msgrcv",
                "msgsnd",
                "semctl",
                "semget",
                "semop",
                "semtimedop",
                "shmat",
                "shmctl",
                "shmdt",
                "shmget",
            ],
            Group::PosixMqueue => &[
                "mq_getsetattr",
                "mq_notify",
                "mq_open",
                "mq_timedreceive",
                "mq_timedsend",
                "mq_unlink",
            ],
            // Locking beyond RLIMIT_MEMLOCK needs CAP_IPC_LOCK, which unlocks these too.
            Group::MemoryLocking => &["mlock", "mlock2", "mlockall", "munlock", "munlockall"],
            // V8 (node) probes pkey_alloc at start.
            Group::ProtectionKeys => &["pkey_alloc", "pkey_free", "pkey_mprotect"],
            Group::XattrWrite => &[
                "fremovexattr",
                "fsetxattr",
                "lremovexattr",
                "lsetxattr",
                "removexattr",
                "setxattr",
            ],
            Group::AsyncIo => &[
                "io_cancel",
                "io_destroy",
                "io_getevents",
                "io_pgetevents",
                "io_setup",
                "io_submit",
            ],
            // Raising priority or real-time policies needs CAP_SYS_NICE, which unlocks these too.
            Group::Scheduling => &[
                "getcpu",
                "ioprio_get",
                "ioprio_set",
                "sched_get_priority_max",
                "sched_get_priority_min",
                "sched_getattr",
                "sched_rr_get_interval",
                "sched_setaffinity",
                "sched_setattr",
                "sched_setparam",
                "sched_setscheduler",
            ],
            // Allowed by Docker's default, used by few programs: obsolete forms (`creat`,
            // `utime`, `futimesat`, `getdents`, `tkill`), sync(2), sigqueue(3), vmsplice,
            // nested seccomp filters and Landlock (sandboxes), futex_waitv (Wine/Proton).
            Group::Rare => &[
                "creat",
                "futex_waitv",
                "futimesat",
                "get_robust_list",
                "getdents",
                "landlock_add_rule",
                "landlock_create_ruleset",
                "landlock_restrict_self",
                "rt_sigqueueinfo",
                "rt_tgsigqueueinfo",
                "seccomp",
                "sync",
                "tkill",
                "utime",
                "vmsplice",
            ],
        }
    }
}

/// Flags that create namespaces: CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |
/// CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET (include/uapi/linux/sched.h). `clone` is
/// allowed only when `flags & mask == 0` unless CAP_SYS_ADMIN is held — Docker's rule.
pub const CLONE_NAMESPACE_FLAGS: u64 = 0x7E02_0000;

/// ENOSYS: what `clone3` returns without CAP_SYS_ADMIN. Its flags live in a struct that
/// seccomp cannot read, so it is refused as "not implemented" and glibc (≥ 2.34) falls
/// back to `clone`, whose flags can be checked — Docker does the same.
pub const ENOSYS: u32 = 38;

/// Socket address families (include/linux/socket.h).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    Unix,
    Inet,
    Inet6,
    Netlink,
    Packet,
}

impl Family {
    pub fn number(self) -> u64 {
        match self {
            Family::Unix => 1,
            Family::Inet => 2,
            Family::Inet6 => 10,
            Family::Netlink => 16,
            Family::Packet => 17,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Family::Unix => "AF_UNIX",
            Family::Inet => "AF_INET",
            Family::Inet6 => "AF_INET6",
            Family::Netlink => "AF_NETLINK",
            Family::Packet => "AF_PACKET",
        }
    }

    pub fn from_name(s: &str) -> Option<Family> {
        [
            Family::Unix,
            Family::Inet,
            Family::Inet6,
            Family::Netlink,
            Family::Packet,
        ]
        .into_iter()
        .find(|f| f.name() == s)
    }
}

/// Calls no generic group and no runtime table ever allows; only a capability in intent
/// (capabilities.rs) or explicit intent can add them. Docker's default refuses all of them
/// unless the named capability is held.
pub const NEVER: &[(&str, &str)] = &[
    ("acct", "process accounting (CAP_SYS_PACCT)"),
    ("add_key", "kernel keyring: not namespaced"),
    ("bpf", "eBPF (CAP_BPF, CAP_SYS_ADMIN)"),
    ("chroot", "CAP_SYS_CHROOT"),
    ("clock_adjtime", "adjust the clock (CAP_SYS_TIME)"),
    ("clock_settime", "set the clock (CAP_SYS_TIME)"),
    ("delete_module", "kernel modules (CAP_SYS_MODULE)"),
    ("finit_module", "kernel modules (CAP_SYS_MODULE)"),
    ("init_module", "kernel modules (CAP_SYS_MODULE)"),
    (
        "io_uring_enter",
        "io_uring: a large attack surface, not filtered by seccomp",
    ),
    ("io_uring_register", "io_uring"),
    ("io_uring_setup", "io_uring"),
    ("ioperm", "port I/O (CAP_SYS_RAWIO)"),
    ("iopl", "port I/O (CAP_SYS_RAWIO)"),
    ("kcmp", "compare processes (CAP_SYS_PTRACE)"),
    ("kexec_file_load", "load a new kernel"),
    ("kexec_load", "load a new kernel"),
    ("keyctl", "kernel keyring: not namespaced"),
    ("mount", "CAP_SYS_ADMIN"),
    ("move_mount", "CAP_SYS_ADMIN"),
    (
        "open_by_handle_at",
        "CAP_DAC_READ_SEARCH (the 'shocker' escape)",
    ),
    ("perf_event_open", "CAP_PERFMON, CAP_SYS_ADMIN"),
    (
        "personality",
        "execution domains; Docker allows only a few values",
    ),
    ("pivot_root", "CAP_SYS_ADMIN; Docker refuses it even then"),
    ("process_vm_readv", "CAP_SYS_PTRACE"),
    ("process_vm_writev", "CAP_SYS_PTRACE"),
    ("ptrace", "CAP_SYS_PTRACE"),
    ("reboot", "CAP_SYS_BOOT"),
    ("request_key", "kernel keyring: not namespaced"),
    ("setdomainname", "CAP_SYS_ADMIN"),
    ("sethostname", "CAP_SYS_ADMIN"),
    ("setns", "CAP_SYS_ADMIN"),
    ("settimeofday", "CAP_SYS_TIME"),
    ("swapoff", "swap"),
    ("swapon", "swap"),
    ("syslog", "kernel log (CAP_SYSLOG)"),
    ("umount2", "CAP_SYS_ADMIN"),
    ("unshare", "CAP_SYS_ADMIN"),
    ("uselib", "obsolete"),
    ("userfaultfd", "used in kernel exploits; Docker refuses it"),
    ("vhangup", "CAP_SYS_TTY_CONFIG"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_disjoint() {
        let mut seen = std::collections::BTreeMap::new();
        for g in Group::ALL {
            let names = g.names();
            assert!(names.windows(2).all(|w| w[0] < w[1]), "{g:?} is not sorted");
            for n in names {
                if let Some(other) = seen.insert(*n, *g) {
                    panic!("{n} is in both {other:?} and {g:?}");
                }
            }
        }
        assert!(NEVER.windows(2).all(|w| w[0].0 < w[1].0));
        for (n, _) in NEVER {
            assert!(
                !seen.contains_key(n),
                "{n} is in a generic group and in NEVER"
            );
        }
    }

    #[test]
    fn every_name_is_a_syscall() {
        use super::super::arch::Abi;
        for g in Group::ALL {
            for n in g.names() {
                assert!(Abi::X86_64.knows(n) || Abi::Aarch64.knows(n), "{n} ({g:?})");
            }
        }
        for (n, _) in NEVER {
            assert!(
                [Abi::X86_64, Abi::Aarch64, Abi::X86]
                    .iter()
                    .any(|a| a.knows(n)),
                "{n}"
            );
        }
    }
}
