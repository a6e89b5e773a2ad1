//! Audit `arch=` and `syscall=` values → the architecture and the syscall's name.
//!
//! `arch` is the `AUDIT_ARCH_*` constant of the calling ABI (include/uapi/linux/audit.h:
//! EM_* machine number, `__AUDIT_ARCH_64BIT` 0x80000000, `__AUDIT_ARCH_LE` 0x40000000);
//! `ausearch -i` prints its name instead (`x86_64`, `aarch64`). `syscall` is the number in
//! that ABI's table, which the `syscalls` crate holds for each architecture cinch builds
//! profiles for (the same tables `backend::seccomp::arch` validates names with). x32 calls
//! arrive with arch x86_64 and bit 30 set in the number (`__X32_SYSCALL_BIT`).

use std::fmt;

use serde::Serialize;

/// The ABI a record names.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditArch {
    X86_64,
    X32,
    I386,
    Aarch64,
    Arm,
    /// Another machine's ABI (ppc64le, s390x, riscv64, …): cinch has no table for it.
    Other(String),
}

impl fmt::Display for AuditArch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AuditArch::X86_64 => "x86_64",
            AuditArch::X32 => "x32",
            AuditArch::I386 => "i386",
            AuditArch::Aarch64 => "aarch64",
            AuditArch::Arm => "arm",
            AuditArch::Other(s) => s,
        })
    }
}

const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
const AUDIT_ARCH_I386: u32 = 0x4000_0003;
const AUDIT_ARCH_AARCH64: u32 = 0xc000_00b7;
const AUDIT_ARCH_ARM: u32 = 0x4000_0028;
/// arch/x86/include/uapi/asm/unistd.h.
const X32_SYSCALL_BIT: u64 = 0x4000_0000;

/// Names of the AUDIT_ARCH values of other machines, for a readable report.
const OTHER_ARCHES: &[(u32, &str)] = &[
    (0x8000_0016, "s390x"),
    (0x8000_0015, "ppc64"),
    (0xc000_0015, "ppc64le"),
    (0xc000_00f3, "riscv64"),
    (0x4000_00f3, "riscv32"),
    (0x8000_0008, "mips64"),
    (0xc000_0008, "mips64el"),
    (0xc000_0102, "loongarch64"),
];

/// The raw `arch=` value: hex (kernel, auditd) or a name (`ausearch -i`).
pub fn arch(value: &str) -> AuditArch {
    let by_name = match value {
        "x86_64" => Some(AuditArch::X86_64),
        "i386" | "i686" => Some(AuditArch::I386),
        "aarch64" => Some(AuditArch::Aarch64),
        "arm" | "armeb" | "armv7l" => Some(AuditArch::Arm),
        _ => None,
    };
    if let Some(a) = by_name {
        return a;
    }
    match u32::from_str_radix(value.trim_start_matches("0x"), 16) {
        Ok(AUDIT_ARCH_X86_64) => AuditArch::X86_64,
        Ok(AUDIT_ARCH_I386) => AuditArch::I386,
        Ok(AUDIT_ARCH_AARCH64) => AuditArch::Aarch64,
        Ok(AUDIT_ARCH_ARM) => AuditArch::Arm,
        Ok(n) => AuditArch::Other(
            OTHER_ARCHES
                .iter()
                .find(|(v, _)| *v == n)
                .map_or_else(|| format!("arch {n:#x}"), |(_, name)| (*name).to_owned()),
        ),
        Err(_) => AuditArch::Other(value.to_owned()),
    }
}

/// The x32 calls with their own numbers, 512–547 in arch/x86/entry/syscalls/syscall_64.tbl
/// (the compat-structure variants); below 512 x32 shares x86_64's numbers.
const X32_OWN: &[&str] = &[
    "rt_sigaction",
    "rt_sigreturn",
    "ioctl",
    "readv",
    "writev",
    "recvfrom",
    "sendmsg",
    "recvmsg",
    "execve",
    "ptrace",
    "rt_sigpending",
    "rt_sigtimedwait",
    "rt_sigqueueinfo",
    "sigaltstack",
    "timer_create",
    "mq_notify",
    "kexec_load",
    "waitid",
    "set_robust_list",
    "get_robust_list",
    "vmsplice",
    "move_pages",
    "preadv",
    "pwritev",
    "rt_tgsigqueueinfo",
    "recvmmsg",
    "sendmmsg",
    "process_vm_readv",
    "process_vm_writev",
    "setsockopt",
    "getsockopt",
    "io_setup",
    "io_submit",
    "execveat",
    "preadv2",
    "pwritev2",
];

/// ARM-private calls (`__ARM_NR_BASE` 0x0f0000, arch/arm/include/uapi/asm/unistd.h).
const ARM_PRIVATE: &[(u64, &str)] = &[
    (0x0f_0001, "breakpoint"),
    (0x0f_0002, "cacheflush"),
    (0x0f_0003, "usr26"),
    (0x0f_0004, "usr32"),
    (0x0f_0005, "set_tls"),
    (0x0f_0006, "get_tls"),
];

/// The architecture a record really ran under (x32 is told apart by the number) and the
/// call's name; `None` for a number the ABI's table does not have.
pub fn syscall(arch: &AuditArch, value: &str) -> (AuditArch, Option<&'static str>) {
    let Ok(n) = value.parse::<u64>() else {
        // `ausearch -i` printed the name; keep only names some table knows.
        return (arch.clone(), known_name(value));
    };
    let Ok(idx) = usize::try_from(n) else {
        return (arch.clone(), None);
    };
    match arch {
        AuditArch::X86_64 | AuditArch::X32 if n & X32_SYSCALL_BIT != 0 => {
            let nr = n & !X32_SYSCALL_BIT;
            let name = if (512..512 + X32_OWN.len() as u64).contains(&nr) {
                usize::try_from(nr - 512).ok().map(|i| X32_OWN[i])
            } else {
                usize::try_from(nr)
                    .ok()
                    .and_then(syscalls::x86_64::Sysno::new)
                    .map(|s| s.name())
            };
            (AuditArch::X32, name)
        }
        AuditArch::X86_64 | AuditArch::X32 => (
            AuditArch::X86_64,
            syscalls::x86_64::Sysno::new(idx).map(|s| s.name()),
        ),
        AuditArch::I386 => (
            arch.clone(),
            syscalls::x86::Sysno::new(idx).map(|s| s.name()),
        ),
        // The crate calls aarch64's #79 `fstatat`; the kernel, strace and libseccomp say
        // `newfstatat` (see backend::seccomp::arch).
        AuditArch::Aarch64 => (
            arch.clone(),
            syscalls::aarch64::Sysno::new(idx).map(|s| match s.name() {
                "fstatat" => "newfstatat",
                other => other,
            }),
        ),
        AuditArch::Arm => (
            arch.clone(),
            ARM_PRIVATE
                .iter()
                .find(|(nr, _)| *nr == n)
                .map(|(_, name)| *name)
                .or_else(|| syscalls::arm::Sysno::new(idx).map(|s| s.name())),
        ),
        AuditArch::Other(_) => (arch.clone(), None),
    }
}

/// A syscall name from `ausearch -i`, as a static name when some table has it.
fn known_name(name: &str) -> Option<&'static str> {
    use std::str::FromStr;
    syscalls::x86_64::Sysno::from_str(name)
        .map(|s| s.name())
        .or_else(|_| syscalls::aarch64::Sysno::from_str(name).map(|s| s.name()))
        .or_else(|_| syscalls::x86::Sysno::from_str(name).map(|s| s.name()))
        .or_else(|_| syscalls::arm::Sysno::from_str(name).map(|s| s.name()))
        .ok()
        .or_else(|| (name == "newfstatat").then_some("newfstatat"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_per_architecture() {
        assert_eq!(
            syscall(&arch("c000003e"), "138"),
            (AuditArch::X86_64, Some("fstatfs"))
        );
        assert_eq!(
            syscall(&arch("c00000b7"), "44"),
            (AuditArch::Aarch64, Some("fstatfs"))
        );
        assert_eq!(
            syscall(&arch("c00000b7"), "79"),
            (AuditArch::Aarch64, Some("newfstatat"))
        );
        assert_eq!(
            syscall(&arch("40000003"), "100"),
            (AuditArch::I386, Some("fstatfs"))
        );
        assert_eq!(
            syscall(&arch("40000028"), "983045"),
            (AuditArch::Arm, Some("set_tls"))
        );
        // x32: bit 30 set; 0x40000000 + 138 is fstatfs, + 512 rt_sigaction.
        assert_eq!(
            syscall(&arch("c000003e"), "1073741962"),
            (AuditArch::X32, Some("fstatfs"))
        );
        assert_eq!(
            syscall(&arch("c000003e"), "1073742336"),
            (AuditArch::X32, Some("rt_sigaction"))
        );
        assert_eq!(syscall(&arch("c000003e"), "99999").1, None);
        assert_eq!(
            syscall(&arch("x86_64"), "fstatfs"),
            (AuditArch::X86_64, Some("fstatfs"))
        );
    }

    #[test]
    fn other_machines() {
        assert_eq!(arch("c0000015"), AuditArch::Other("ppc64le".into()));
        assert_eq!(arch("deadbeef"), AuditArch::Other("arch 0xdeadbeef".into()));
        assert_eq!(arch("zz"), AuditArch::Other("zz".into()));
        assert_eq!(syscall(&arch("c0000015"), "1").1, None);
    }
}
