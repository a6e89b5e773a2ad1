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

/// Always called after the filter. Measured on runc 1.1 (`measured/runc.txt`, written by
/// `scripts/measure-runtime.sh`): the exec fifo (`openat` on /proc/self/fd, `write`,
/// `close`), `getpid` for the state, closing inherited descriptors (runc
/// `utils.CloseExecFrom`: `openat` /proc/self/fd, `fstatfs` to check it is procfs — denying
/// it fails the start with "ensure /proc/self/fd is on procfs" — `getdents64`, `fcntl`;
/// `epoll_ctl` as Go registers the descriptor), the exec itself (`execve`), and the Go
/// runtime's `futex`, `rt_sigreturn` (preemption signals), `epoll_pwait`, `tgkill`.
/// Read from the sources, because later releases differ: runc 1.2 reopens the fifo through
/// /proc/thread-self (`gettid`) and closes with `close_range(CLOSE_RANGE_CLOEXEC)`; runc
/// 1.2.8, 1.3.3 and 1.4 (libcontainer/standard_init_linux.go and the vendored
/// filepath-securejoin pathrs-lite procfs code) open a verified procfs handle after the
/// filter: `openat`/`openat2` lookups, `fstatfs` + `fstat` of the root, `faccessat2`,
/// `statx` (mount ids), `readlinkat`; crun (src/libcrun/utils.c `mark_or_close_fds_ge_than`)
/// uses `close_range` or reads /proc/self/fd after checking it with `fstatfs`.
pub const AFTER_FILTER: &[&str] = &[
    "close",
    "close_range",
    "epoll_ctl",
    "epoll_pwait",
    "execve",
    "execveat",
    "exit_group",
    "faccessat",
    "faccessat2",
    "fcntl",
    "fstat",
    "fstatfs",
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
    "openat2",
    "read",
    "readlinkat",
    "rt_sigaction",
    "rt_sigprocmask",
    "rt_sigreturn",
    "sched_yield",
    "sigaltstack",
    "statx",
    "tgkill",
    "write",
];

/// Also called after the filter when no-new-privileges is off (see the module doc; measured
/// on runc 1.1, and crun's `libcrun_set_caps`, `setsid`, `umask`, `chdir` from its source).
/// The user switch itself is a separate entry pinned to the declared ids.
pub const WITHOUT_NO_NEW_PRIVILEGES: &[&str] = &[
    "capget",
    "capset",
    "chdir",
    "getcwd",
    "getppid",
    "kill",
    "prctl",
    "prlimit64",
    "setgroups",
    "setsid",
    "umask",
];

/// The user switch: runc `setgid(gid)` then `setuid(uid)` (libcontainer `setupUser`), crun
/// `setresgid(gid, gid, gid)` then `setresuid(uid, uid, uid)` (linux.c `libcrun_set_caps`).
/// Pinned by an argument filter when the manifest gives the id.
pub const SET_GID: &str = "setgid";
pub const SET_UID: &str = "setuid";
pub const SET_RES_GID: &str = "setresgid";
pub const SET_RES_UID: &str = "setresuid";

/// Calls runc makes after the filter whose refusal it tolerates, so a profile need not allow
/// them: `fchown` of the stdio descriptors to the container user (`fixStdioPermissions`
/// ignores EPERM), and the private procfs mount of runc 1.2.8+ (`fsopen`, `fsconfig`,
/// `fsmount`, `open_tree`: pathrs-lite falls back to opening /proc on any error). Each needs
/// a capability cinch grants only when the manifest asks (CAP_CHOWN, CAP_SYS_ADMIN).
pub const TOLERATED: &[&str] = &["fchown", "fsconfig", "fsmount", "fsopen", "open_tree"];

/// The measurement of runc, `[no-new-privileges]` and `[without-no-new-privileges]` sections.
pub const MEASURED: &str = include_str!("measured/runc.txt");

/// The names of one section of [`MEASURED`].
pub fn measured(section: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in MEASURED.lines().map(str::trim) {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            inside = name == section;
        } else if inside {
            out.push(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted() {
        for t in [AFTER_FILTER, WITHOUT_NO_NEW_PRIVILEGES, TOLERATED] {
            assert!(t.windows(2).all(|w| w[0] < w[1]));
        }
    }

    /// A re-measurement that finds a new call fails here until a table has it.
    #[test]
    fn the_tables_cover_the_measurement() {
        let with = measured("no-new-privileges");
        let without = measured("without-no-new-privileges");
        assert!(with.len() >= 5 && !without.is_empty(), "{MEASURED}");
        for n in &with {
            assert!(AFTER_FILTER.contains(n) || TOLERATED.contains(n), "{n}");
        }
        let user_switch = [SET_GID, SET_UID, SET_RES_GID, SET_RES_UID];
        for n in &without {
            assert!(
                AFTER_FILTER.contains(n)
                    || WITHOUT_NO_NEW_PRIVILEGES.contains(n)
                    || user_switch.contains(n)
                    || TOLERATED.contains(n)
                    || super::super::groups::Group::Minimum.names().contains(n),
                "{n}"
            );
        }
    }
}
