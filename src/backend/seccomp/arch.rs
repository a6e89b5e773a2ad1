//! Architectures and syscall names.
//!
//! A profile lists the seccomp architectures of each target (`--arch`): amd64 is x86_64 plus
//! the 32-bit x86 and x32 ABIs a 64-bit kernel also accepts, arm64 is aarch64 plus 32-bit arm
//! (the same sets Docker's `archMap` gives as sub-architectures). The OCI format has one
//! name list for all of them; libseccomp resolves each name per architecture and skips the
//! ones an architecture lacks. cinch writes its tables with x86_64 names (the measured sets
//! come from strace on amd64) and [`resolve`] adds what the same libc call is named on the
//! other ABIs, so the union works everywhere: aarch64 has no `open`/`stat`/`poll` (only the
//! asm-generic `*at` calls), 32-bit ABIs call `fstat64`, `mmap2`, `*_time64`, `*32`.
//!
//! Names are validated with the `syscalls` crate's per-architecture tables, not typed by hand.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::str::FromStr;

use serde::Serialize;

use super::names::NameSet;

/// A target architecture family, as `--arch` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Arch {
    Amd64,
    Arm64,
}

impl Arch {
    pub const ALL: &'static [Arch] = &[Arch::Amd64, Arch::Arm64];

    pub fn name(self) -> &'static str {
        match self {
            Arch::Amd64 => "amd64",
            Arch::Arm64 => "arm64",
        }
    }

    /// The native ABI first, then the compat ABIs its kernel also runs.
    pub fn abis(self) -> &'static [Abi] {
        match self {
            Arch::Amd64 => &[Abi::X86_64, Abi::X86, Abi::X32],
            Arch::Arm64 => &[Abi::Aarch64, Abi::Arm],
        }
    }

    pub fn native(self) -> Abi {
        self.abis()[0]
    }
}

/// One seccomp architecture (an ABI with its own syscall table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Abi {
    X86_64,
    X86,
    X32,
    Aarch64,
    Arm,
}

/// ARM-private syscalls (`__ARM_NR_*` in arch/arm/include/uapi/asm/unistd.h) that libseccomp
/// resolves by name but the `syscalls` crate does not list. 32-bit arm libcs set the thread
/// pointer with `set_tls`; JITs flush with `cacheflush`.
pub(super) const ARM_PRIVATE: &[&str] = &["breakpoint", "cacheflush", "set_tls"];

/// The asm-generic time64 calls (numbers 403–423). The `syscalls` crate lists them for
/// aarch64 too, but include/uapi/asm-generic/unistd.h defines them only for 32-bit ABIs
/// (`__BITS_PER_LONG != 64`), and libseccomp knows them on aarch64 as unavailable.
fn is_time64_compat(name: &str) -> bool {
    name.ends_with("_time64")
        || matches!(
            name,
            "clock_gettime64"
                | "clock_settime64"
                | "clock_adjtime64"
                | "timer_gettime64"
                | "timer_settime64"
                | "timerfd_gettime64"
                | "timerfd_settime64"
        )
}

/// x86_64 calls x32 does not have: the rows of arch/x86/entry/syscalls/syscall_64.tbl
/// marked `64` (not `common`) without an `x32` counterpart, as libseccomp's x32 table has them.
const NOT_ON_X32: &[&str] = &[
    "_sysctl",
    "create_module",
    "epoll_ctl_old",
    "epoll_wait_old",
    "get_kernel_syms",
    "get_thread_area",
    "map_shadow_stack",
    "nfsservctl",
    "query_module",
    "set_thread_area",
    "uselib",
    "vserver",
];

/// The `syscalls` crate names aarch64's #79 `fstatat`; the kernel (asm-generic
/// `__NR_newfstatat`), strace and libseccomp call it `newfstatat`, and so do profiles.
fn aarch64_knows(name: &str) -> bool {
    match name {
        "newfstatat" => true,
        "fstatat" => false,
        _ => syscalls::aarch64::Sysno::from_str(name).is_ok() && !is_time64_compat(name),
    }
}

impl Abi {
    /// The architecture name in OCI/Docker profiles.
    pub fn scmp(self) -> &'static str {
        match self {
            Abi::X86_64 => "SCMP_ARCH_X86_64",
            Abi::X86 => "SCMP_ARCH_X86",
            Abi::X32 => "SCMP_ARCH_X32",
            Abi::Aarch64 => "SCMP_ARCH_AARCH64",
            Abi::Arm => "SCMP_ARCH_ARM",
        }
    }

    /// 32-bit ABIs call the `*64`, `*32` and `*_time64` variants (see [`COMPAT32`]).
    fn is_32bit(self) -> bool {
        matches!(self, Abi::X86 | Abi::Arm)
    }

    /// Whether this ABI has a syscall of this name, as libseccomp names it (tests cross-check
    /// every emitted name with libseccomp). x32 shares the x86_64 names (its numbers are
    /// x86_64's with bit 30 set, plus 512+ for calls with compat structures; libseccomp
    /// resolves x32 names from the x86_64 table), minus [`NOT_ON_X32`].
    pub fn knows(self, name: &str) -> bool {
        match self {
            Abi::X86_64 => syscalls::x86_64::Sysno::from_str(name).is_ok(),
            Abi::X32 => {
                syscalls::x86_64::Sysno::from_str(name).is_ok() && !NOT_ON_X32.contains(&name)
            }
            Abi::X86 => syscalls::x86::Sysno::from_str(name).is_ok(),
            Abi::Aarch64 => aarch64_knows(name),
            Abi::Arm => syscalls::arm::Sysno::from_str(name).is_ok() || ARM_PRIVATE.contains(&name),
        }
    }
}

/// Whether any ABI of the given architectures has this syscall.
pub fn known_on_any(name: &str, arches: &BTreeSet<Arch>) -> bool {
    arches
        .iter()
        .flat_map(|a| a.abis())
        .any(|abi| abi.knows(name))
}

/// x86_64 calls that aarch64 (asm-generic) does not have, and what libc calls there
/// instead (glibc sysdeps/unix/sysv/linux/*.c fall back to these when `__NR_<legacy>` is
/// undefined). `fork`/`vfork` map to nothing on purpose: their replacement is `clone`,
/// which cinch only ever allows with namespace flags masked (see groups.rs).
const LEGACY: &[(&str, &[&str])] = &[
    ("access", &["faccessat"]),
    ("alarm", &["setitimer"]),
    ("arch_prctl", &[]),
    ("chmod", &["fchmodat"]),
    ("chown", &["fchownat"]),
    ("dup2", &["dup3"]),
    ("epoll_create", &["epoll_create1"]),
    ("epoll_wait", &["epoll_pwait"]),
    ("eventfd", &["eventfd2"]),
    ("fork", &[]),
    ("getdents", &["getdents64"]),
    ("getpgrp", &["getpgid"]),
    ("inotify_init", &["inotify_init1"]),
    ("lchown", &["fchownat"]),
    ("link", &["linkat"]),
    ("lstat", &["newfstatat"]),
    ("mkdir", &["mkdirat"]),
    ("mknod", &["mknodat"]),
    ("open", &["openat"]),
    ("pause", &["rt_sigsuspend"]),
    ("pipe", &["pipe2"]),
    ("poll", &["ppoll"]),
    ("readlink", &["readlinkat"]),
    ("rename", &["renameat", "renameat2"]),
    ("rmdir", &["unlinkat"]),
    ("select", &["pselect6"]),
    ("signalfd", &["signalfd4"]),
    ("stat", &["newfstatat"]),
    ("symlink", &["symlinkat"]),
    ("time", &["clock_gettime"]),
    ("unlink", &["unlinkat"]),
    ("utimes", &["utimensat"]),
    ("vfork", &[]),
];

/// What 32-bit ABIs (x86, arm) call for a 64-bit name: large-file and 32-bit-id variants
/// (`fstat64`, `mmap2`, `setuid32`, …; see the i386 and arm tables in the kernel), the
/// 64-bit-time calls glibc ≥ 2.34 and musl ≥ 1.2 use first (`clock_gettime64`, …), and the
/// thread-pointer calls. The base name stays allowed where the ABI has it (binaries built
/// against older libcs call it). `socketcall` and `ipc` (the i386 multiplexers) are left out on
/// purpose: their arguments cannot be filtered; libcs use the direct socket and SysV calls
/// on kernels ≥ 4.3 / 5.1.
const COMPAT32: &[(&str, &[&str])] = &[
    ("arch_prctl", &["set_thread_area", "set_tls"]),
    ("chown", &["chown32"]),
    ("clock_adjtime", &["clock_adjtime64"]),
    ("clock_getres", &["clock_getres_time64"]),
    ("clock_gettime", &["clock_gettime64"]),
    ("clock_nanosleep", &["clock_nanosleep_time64"]),
    ("clock_settime", &["clock_settime64"]),
    ("fadvise64", &["fadvise64_64", "arm_fadvise64_64"]),
    ("fchown", &["fchown32"]),
    ("fcntl", &["fcntl64"]),
    ("fstat", &["fstat64"]),
    ("fstatfs", &["fstatfs64"]),
    ("ftruncate", &["ftruncate64"]),
    ("futex", &["futex_time64"]),
    ("getegid", &["getegid32"]),
    ("geteuid", &["geteuid32"]),
    ("getgid", &["getgid32"]),
    ("getgroups", &["getgroups32"]),
    ("getresgid", &["getresgid32"]),
    ("getresuid", &["getresuid32"]),
    ("getrlimit", &["ugetrlimit"]),
    ("getuid", &["getuid32"]),
    ("io_pgetevents", &["io_pgetevents_time64"]),
    ("lchown", &["lchown32"]),
    ("lseek", &["_llseek"]),
    ("lstat", &["lstat64"]),
    ("mmap", &["mmap2"]),
    ("mq_timedreceive", &["mq_timedreceive_time64"]),
    ("mq_timedsend", &["mq_timedsend_time64"]),
    ("newfstatat", &["fstatat64"]),
    ("ppoll", &["ppoll_time64"]),
    ("pselect6", &["pselect6_time64"]),
    ("recvfrom", &["recv"]),
    ("recvmmsg", &["recvmmsg_time64"]),
    ("rt_sigreturn", &["sigreturn"]),
    ("rt_sigtimedwait", &["rt_sigtimedwait_time64"]),
    ("sched_rr_get_interval", &["sched_rr_get_interval_time64"]),
    ("select", &["_newselect"]),
    ("semtimedop", &["semtimedop_time64"]),
    ("sendfile", &["sendfile64"]),
    ("sendto", &["send"]),
    ("setfsgid", &["setfsgid32"]),
    ("setfsuid", &["setfsuid32"]),
    ("setgid", &["setgid32"]),
    ("setgroups", &["setgroups32"]),
    ("setregid", &["setregid32"]),
    ("setresgid", &["setresgid32"]),
    ("setresuid", &["setresuid32"]),
    ("setreuid", &["setreuid32"]),
    ("setuid", &["setuid32"]),
    ("stat", &["stat64"]),
    ("statfs", &["statfs64"]),
    ("sync_file_range", &["arm_sync_file_range"]),
    ("timer_gettime", &["timer_gettime64"]),
    ("timer_settime", &["timer_settime64"]),
    ("timerfd_gettime", &["timerfd_gettime64"]),
    ("timerfd_settime", &["timerfd_settime64"]),
    ("truncate", &["truncate64"]),
    ("utimensat", &["utimensat_time64"]),
];

fn lookup(
    table: &'static [(&'static str, &'static [&'static str])],
    name: &str,
) -> &'static [&'static str] {
    table
        .binary_search_by(|(k, _)| (*k).cmp(name))
        .map_or(&[], |i| table[i].1)
}

/// The names to list so that the call `name` (an x86_64 or generic name) is allowed on every
/// ABI of `arches`: the name itself where an ABI has it, its replacement where an ABI lacks
/// it, and the 32-bit variants on 32-bit ABIs. Names no selected ABI knows are dropped.
pub fn resolve(name: &str, arches: &BTreeSet<Arch>) -> BTreeSet<&'static str> {
    resolved(name, arches).to_btree()
}

/// [`resolve`] as a [`NameSet`]. Every container asks for the same few hundred names,
/// and resolving one means parsing it against five ABI tables, so results are memoized per
/// (architectures, name) — per thread: no lock to contend for and no allocation on a hit.
/// The cache only saves work; what it returns is the same as computing it again.
pub fn resolved(name: &str, arches: &BTreeSet<Arch>) -> NameSet {
    type Cache = RefCell<HashMap<u8, HashMap<Box<str>, NameSet>>>;
    thread_local! {
        static CACHE: Cache = RefCell::default();
    }
    let mask = arches.iter().fold(0u8, |m, a| m | (1 << (*a as u8)));
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        let by_name = cache.entry(mask).or_default();
        if let Some(hit) = by_name.get(name) {
            return *hit;
        }
        let out = resolve_uncached(name, arches);
        by_name.insert(name.into(), out);
        out
    })
}

fn resolve_uncached(name: &str, arches: &BTreeSet<Arch>) -> NameSet {
    let mut out = NameSet::default();
    for abi in arches.iter().flat_map(|a| a.abis()) {
        let mut wanted: Vec<&str> = Vec::new();
        if abi.knows(name) {
            wanted.push(name);
        } else {
            wanted.extend(lookup(LEGACY, name));
        }
        if abi.is_32bit() {
            let base: Vec<&str> = wanted.clone();
            for b in base.iter().chain(std::iter::once(&name)) {
                wanted.extend(lookup(COMPAT32, b));
            }
        }
        for w in wanted {
            if abi.knows(w) {
                let known = out.insert(w);
                debug_assert!(known, "{w} is known to {abi:?} but not in the name table");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both() -> BTreeSet<Arch> {
        Arch::ALL.iter().copied().collect()
    }

    #[test]
    fn tables_are_sorted_for_binary_search() {
        for table in [LEGACY, COMPAT32] {
            assert!(
                table.windows(2).all(|w| w[0].0 < w[1].0),
                "{:?}",
                table.windows(2).find(|w| w[0].0 >= w[1].0)
            );
        }
    }

    #[test]
    fn every_table_name_exists_somewhere() {
        let abis = [Abi::X86_64, Abi::X86, Abi::Aarch64, Abi::Arm];
        for (k, vs) in LEGACY.iter().chain(COMPAT32) {
            assert!(abis.iter().any(|a| a.knows(k)), "{k}");
            for v in *vs {
                assert!(abis.iter().any(|a| a.knows(v)), "{v} (for {k})");
            }
        }
        // Legacy names are exactly the ones aarch64 lacks.
        for (k, _) in LEGACY {
            assert!(Abi::X86_64.knows(k) && !Abi::Aarch64.knows(k), "{k}");
        }
    }

    #[test]
    fn resolves_per_abi() {
        let r = resolve("open", &both());
        assert_eq!(r.into_iter().collect::<Vec<_>>(), ["open", "openat"]);
        let amd64: BTreeSet<Arch> = [Arch::Amd64].into();
        assert_eq!(
            resolve("stat", &amd64).into_iter().collect::<Vec<_>>(),
            ["stat", "stat64"]
        );
        let arm64: BTreeSet<Arch> = [Arch::Arm64].into();
        // aarch64 uses newfstatat; 32-bit arm has the old stat and stat64 (compat lists add, never remove).
        let r: Vec<_> = resolve("stat", &arm64).into_iter().collect();
        assert_eq!(r, ["newfstatat", "stat", "stat64"]);
        let r: Vec<_> = resolve("clock_gettime", &both()).into_iter().collect();
        assert_eq!(r, ["clock_gettime", "clock_gettime64"]);
        assert!(
            resolve("clock_gettime64", &arm64).contains("clock_gettime64"),
            "32-bit arm has it"
        );
        assert!(!Abi::Aarch64.knows("clock_gettime64"));
        assert!(resolve("arch_prctl", &arm64).contains("set_tls"));
        assert!(
            !resolve("fork", &arm64).contains("clone"),
            "never an unfiltered clone"
        );
        assert!(!resolve("vfork", &both()).contains("clone"));
        assert!(resolve("no_such_call", &both()).is_empty());
        assert!(Abi::Aarch64.knows("newfstatat") && !Abi::Aarch64.knows("fstatat"));
        assert!(resolve("newfstatat", &arm64).contains("newfstatat"));
    }
}
