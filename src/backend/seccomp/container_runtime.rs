//! What the container runtime itself calls after it installed the filter and before the
//! entrypoint runs: a profile that forgets these makes the container fail to start.
//!
//! runc (libcontainer/standard_init_linux.go, `linuxStandardInit.Init`) and crun
//! (src/libcrun/container.c, `container_init_setup`) load the filter at one of two moments:
//! - no-new-privileges **off** (Docker and Compose default; Kubernetes unless
//!   `allowPrivilegeEscalation: false`): loading a filter is privileged without the
//!   no_new_privs bit, so it happens *before* the runtime drops privileges. After it, runc's
//!   `finalizeNamespace` drops the bounding set (`prctl(PR_CAPBSET_DROP)`), keeps caps
//!   (`prctl(PR_SET_KEEPCAPS)`), switches user (`setgroups`, `setgid`, `setuid`), changes
//!   directory, applies the capability sets (`capget`/`capset`, `prctl(PR_CAP_AMBIENT)`),
//!   restores the parent-death signal, checks its parent (`getppid`, `kill`) and looks the
//!   entrypoint up (`newfstatat`, `faccessat2`); crun's `libcrun_set_caps` does the same
//!   with `setgid`/`setuid`, and it also sets the umask and rlimits.
//! - no-new-privileges **on**: the filter is installed as late as possible, right before
//!   exec; only the exec fifo handshake, closing inherited descriptors and the exec remain.
//!
//! Both are Go (runc) or C (crun) programs, so their runtime calls (futex, signals, mmap,
//! sched_yield, epoll_pwait, …) continue in between; most are in the runtime minimum.

/// Always called after the filter: the exec fifo (`openat` on /proc/thread-self/fd, `write`,
/// `close`), `getpid` for the state, closing inherited descriptors (runc
/// `utils.UnsafeCloseFrom`: `close_range`, or reading /proc/self/fd with `getdents64` and
/// `fcntl`), the exec itself (`execve`; `execveat` when runc re-execs through runc-dmz with
/// `fexecve`), and the Go scheduler's `epoll_pwait`/`tgkill`.
pub const AFTER_FILTER: &[&str] = &[
    "close",
    "close_range",
    "epoll_pwait",
    "execve",
    "execveat",
    "exit_group",
    "fcntl",
    "futex",
    "getdents64",
    "getpid",
    "gettid",
    "madvise",
    "mmap",
    "munmap",
    "nanosleep",
    "newfstatat",
    "openat",
    "read",
    "rt_sigaction",
    "rt_sigprocmask",
    "rt_sigreturn",
    "sched_yield",
    "sigaltstack",
    "tgkill",
    "write",
];

/// Also called after the filter when no-new-privileges is off (see the module doc). The user
/// switch itself (`setgid`, `setuid`) is a separate entry pinned to the declared ids.
pub const WITHOUT_NO_NEW_PRIVILEGES: &[&str] = &[
    "capget",
    "capset",
    "chdir",
    "faccessat",
    "faccessat2",
    "getppid",
    "kill",
    "prctl",
    "prlimit64",
    "setgroups",
    "umask",
];

/// The user switch: `setgid(gid)` then `setuid(uid)` (runc `setupUser`, crun
/// `set_required_caps`). Pinned by an argument filter when the manifest gives the id.
pub const SET_GID: &str = "setgid";
pub const SET_UID: &str = "setuid";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted() {
        for t in [AFTER_FILTER, WITHOUT_NO_NEW_PRIVILEGES] {
            assert!(t.windows(2).all(|w| w[0] < w[1]));
        }
    }
}
