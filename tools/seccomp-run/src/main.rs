//! `seccomp-run`: load a seccomp profile the way runc does, switch user the way runc does,
//! then exec a program. cinch's tests run real servers through it (a separate process, so
//! the filter never touches the multi-threaded test runner).
//!
//! ```text
//! seccomp-run [--profile FILE] [--uid N] [--gid N] [--caps none|all|CAP,CAP…]
//!             [--no-new-privs] [--chdir DIR] -- PROGRAM [ARG…]
//! ```
//!
//! Loading follows runc's libcontainer/seccomp/seccomp_linux.go `InitSeccomp`: a filter with
//! the default action (errno `defaultErrnoRet`, EPERM when absent), every listed
//! architecture added, the no_new_privs attribute cleared (`SetNoNewPrivsBit(false)`), one
//! rule per name — a name libseccomp cannot resolve on the native architecture is skipped,
//! a rule whose action equals the default is skipped, argument conditions are ANDed in one
//! rule unless two of them test the same argument, in which case each condition becomes a
//! rule of its own (runc's "old behaviour") — and the non-exact `seccomp_rule_add_array`.
//! (runc's extra ENOSYS stub for syscalls newer than the profile, patchbpf, is not
//! reproduced: it only changes the errno of calls no profile entry names.)
//!
//! The order follows runc's `linuxStandardInit.Init` and `finalizeNamespace`: without
//! `--no-new-privs` the filter is loaded first, then the bounding set is dropped, caps are
//! kept across the user switch (`PR_SET_KEEPCAPS`), `setgroups(0)`, `setgid`, `setuid`,
//! `chdir`, then the capability sets are applied with `capset`; with `--no-new-privs` the
//! no_new_privs bit is set early, the user is switched, and the filter is loaded last,
//! right before `execve`. Without `--profile` nothing is filtered (a baseline for probes).

use std::collections::BTreeSet;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use libseccomp::{
    ScmpAction, ScmpArch, ScmpArgCompare, ScmpCompareOp, ScmpFilterContext, ScmpSyscall,
};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Profile {
    default_action: String,
    default_errno_ret: Option<i32>,
    #[serde(default)]
    architectures: Vec<String>,
    #[serde(default)]
    syscalls: Vec<Syscall>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Syscall {
    names: Vec<String>,
    action: String,
    errno_ret: Option<i32>,
    #[serde(default)]
    args: Vec<Arg>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Arg {
    index: u32,
    value: u64,
    #[serde(default)]
    value_two: u64,
    op: String,
}

struct Options {
    profile: Option<PathBuf>,
    uid: Option<u32>,
    gid: Option<u32>,
    caps: Option<BTreeSet<u32>>,
    no_new_privs: bool,
    chdir: Option<PathBuf>,
    argv: Vec<String>,
}

/// Capability numbers (include/uapi/linux/capability.h), by name without `CAP_`.
const CAPS: &[&str] = &[
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--resolve") {
        resolve(&args[1..]);
        return;
    }
    let opts = match parse(args) {
        Ok(o) => o,
        Err(e) => fail(&format!("usage: {e}")),
    };
    if let Err(e) = run(opts) {
        fail(&e);
    }
}

/// `--resolve SCMP_ARCH_… NAME…`: print `NAME NUMBER` as libseccomp resolves each name on
/// that architecture (`-` when it does not know it), so tests can cross-check cinch's
/// syscall tables against the library runtimes use.
fn resolve(args: &[String]) {
    let Some((arch, names)) = args.split_first() else {
        fail("--resolve ARCH NAME…")
    };
    let arch = ScmpArch::from_str(arch).unwrap_or_else(|e| fail(&format!("{arch}: {e}")));
    let mut out = String::new();
    for n in names {
        match ScmpSyscall::from_name_by_arch(n, arch) {
            Ok(s) => out.push_str(&format!("{n} {}\n", i32::from(s))),
            Err(_) => out.push_str(&format!("{n} -\n")),
        }
    }
    print!("{out}");
}

fn fail(msg: &str) -> ! {
    eprintln!("seccomp-run: {msg}");
    std::process::exit(127);
}

fn parse(args: Vec<String>) -> Result<Options, String> {
    let mut o = Options {
        profile: None,
        uid: None,
        gid: None,
        caps: None,
        no_new_privs: false,
        chdir: None,
        argv: Vec::new(),
    };
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--profile" => o.profile = Some(value("--profile")?.into()),
            "--uid" => o.uid = Some(value("--uid")?.parse().map_err(|e| format!("--uid: {e}"))?),
            "--gid" => o.gid = Some(value("--gid")?.parse().map_err(|e| format!("--gid: {e}"))?),
            "--caps" => o.caps = Some(parse_caps(&value("--caps")?)?),
            "--no-new-privs" => o.no_new_privs = true,
            "--chdir" => o.chdir = Some(value("--chdir")?.into()),
            "--" => {
                o.argv = it.collect();
                break;
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    if o.argv.is_empty() {
        return Err("no program given after --".into());
    }
    Ok(o)
}

fn parse_caps(s: &str) -> Result<BTreeSet<u32>, String> {
    match s {
        "none" | "" => Ok(BTreeSet::new()),
        "all" => Ok((0..CAPS.len() as u32).collect()),
        list => list
            .split(',')
            .map(|c| {
                let c = c.trim().trim_start_matches("CAP_");
                CAPS.iter()
                    .position(|k| k.eq_ignore_ascii_case(c))
                    .map(|i| i as u32)
                    .ok_or(format!("unknown capability {c}"))
            })
            .collect(),
    }
}

fn action(name: &str, errno: Option<i32>) -> Result<ScmpAction, String> {
    Ok(match name {
        "SCMP_ACT_ALLOW" => ScmpAction::Allow,
        "SCMP_ACT_ERRNO" => ScmpAction::Errno(errno.unwrap_or(libc::EPERM)),
        "SCMP_ACT_LOG" => ScmpAction::Log,
        "SCMP_ACT_KILL" | "SCMP_ACT_KILL_THREAD" => ScmpAction::KillThread,
        "SCMP_ACT_KILL_PROCESS" => ScmpAction::KillProcess,
        "SCMP_ACT_TRAP" => ScmpAction::Trap,
        other => return Err(format!("unsupported action {other}")),
    })
}

fn condition(a: &Arg) -> Result<ScmpArgCompare, String> {
    let (op, datum) = match a.op.as_str() {
        "SCMP_CMP_NE" => (ScmpCompareOp::NotEqual, a.value),
        "SCMP_CMP_LT" => (ScmpCompareOp::Less, a.value),
        "SCMP_CMP_LE" => (ScmpCompareOp::LessOrEqual, a.value),
        "SCMP_CMP_EQ" => (ScmpCompareOp::Equal, a.value),
        "SCMP_CMP_GE" => (ScmpCompareOp::GreaterEqual, a.value),
        "SCMP_CMP_GT" => (ScmpCompareOp::Greater, a.value),
        // OCI: `value` is the mask, `valueTwo` the value the masked argument must equal.
        "SCMP_CMP_MASKED_EQ" => (ScmpCompareOp::MaskedEqual(a.value), a.value_two),
        other => return Err(format!("unsupported operator {other}")),
    };
    Ok(ScmpArgCompare::new(a.index, op, datum))
}

/// Build the filter as runc's `InitSeccomp` does (not loaded yet).
fn filter(path: &Path) -> Result<ScmpFilterContext, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let p: Profile = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let default = action(&p.default_action, p.default_errno_ret)?;
    let mut ctx = ScmpFilterContext::new(default).map_err(|e| format!("seccomp_init: {e}"))?;
    for a in &p.architectures {
        let arch = ScmpArch::from_str(a).map_err(|e| format!("{a}: {e}"))?;
        if !ctx.is_arch_present(arch).map_err(|e| e.to_string())? {
            ctx.add_arch(arch)
                .map_err(|e| format!("seccomp_arch_add {a}: {e}"))?;
        }
    }
    ctx.set_ctl_nnp(false).map_err(|e| e.to_string())?;
    for call in &p.syscalls {
        let act = action(&call.action, call.errno_ret)?;
        if act == default {
            continue;
        }
        let conds: Vec<ScmpArgCompare> =
            call.args.iter().map(condition).collect::<Result<_, _>>()?;
        let mut per_index = [0u32; 6];
        for a in &call.args {
            *per_index
                .get_mut(a.index as usize)
                .ok_or("argument index > 5")? += 1;
        }
        let repeated = per_index.iter().any(|n| *n > 1);
        for name in &call.names {
            let Ok(sys) = ScmpSyscall::from_name(name) else {
                continue; // unknown on this architecture or to this libseccomp: skipped, as runc does
            };
            let result = if conds.is_empty() {
                ctx.add_rule(act, sys).map(|_| ())
            } else if repeated {
                conds
                    .iter()
                    .try_for_each(|c| ctx.add_rule_conditional(act, sys, &[*c]).map(|_| ()))
            } else {
                ctx.add_rule_conditional(act, sys, &conds).map(|_| ())
            };
            result.map_err(|e| format!("seccomp_rule_add {name}: {e}"))?;
        }
    }
    Ok(ctx)
}

fn cstring(s: &[u8]) -> Result<CString, String> {
    CString::new(s).map_err(|_| "argument with a NUL byte".to_owned())
}

/// The program as `execvp` would find it (done before the filter is loaded).
fn lookup(program: &str) -> Result<PathBuf, String> {
    if program.contains('/') {
        return Ok(PathBuf::from(program));
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into());
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
        .ok_or(format!("{program}: not found in PATH"))
}

fn check(rc: libc::c_int, what: &str) -> Result<(), String> {
    if rc == -1 {
        Err(format!("{what}: {}", std::io::Error::last_os_error()))
    } else {
        Ok(())
    }
}

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: libc::c_int,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;

/// The process's permitted set (capget): a test sandbox may lack a capability (CAP_SYS_RESOURCE
/// on some CI machines); asking for it would fail capset, so requests are capped by it.
fn permitted() -> Result<BTreeSet<u32>, String> {
    let mut header = CapHeader {
        version: LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    let rc = unsafe {
        libc::syscall(
            libc::SYS_capget,
            &mut header as *mut CapHeader,
            data.as_mut_ptr(),
        )
    };
    check(rc as libc::c_int, "capget")?;
    Ok((0..CAPS.len() as u32)
        .filter(|c| data[(c / 32) as usize].permitted & (1 << (c % 32)) != 0)
        .collect())
}

/// runc `ApplyBoundingSet`: drop what is not asked for from the bounding set.
fn drop_bounding(caps: &BTreeSet<u32>) -> Result<(), String> {
    for cap in 0..CAPS.len() as u32 {
        if !caps.contains(&cap) {
            let rc = unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0) };
            if rc == -1 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINVAL) {
                return Err(format!(
                    "prctl(PR_CAPBSET_DROP, {}): {}",
                    CAPS[cap as usize],
                    std::io::Error::last_os_error()
                ));
            }
        }
    }
    Ok(())
}

/// runc `ApplyCaps`: effective = permitted = the asked set (inheritable and ambient empty).
fn apply_caps(caps: &BTreeSet<u32>) -> Result<(), String> {
    let mut data = [CapData::default(); 2];
    for cap in caps {
        let (i, bit) = ((*cap / 32) as usize, 1u32 << (cap % 32));
        data[i].effective |= bit;
        data[i].permitted |= bit;
    }
    let mut header = CapHeader {
        version: LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    let rc = unsafe {
        libc::syscall(
            libc::SYS_capset,
            &mut header as *mut CapHeader,
            data.as_ptr(),
        )
    };
    check(rc as libc::c_int, "capset")
}

/// runc `finalizeNamespace`: bounding set, keep caps over the user switch, switch, chdir,
/// clear keep-caps, apply the capability sets.
fn switch_user(o: &Options, caps: Option<&BTreeSet<u32>>) -> Result<(), String> {
    let switching = o.uid.is_some() || o.gid.is_some();
    if let Some(caps) = caps {
        drop_bounding(caps)?;
    }
    if switching {
        check(
            unsafe { libc::prctl(libc::PR_SET_KEEPCAPS, 1, 0, 0, 0) },
            "prctl(PR_SET_KEEPCAPS)",
        )?;
        check(unsafe { libc::setgroups(0, std::ptr::null()) }, "setgroups")?;
        if let Some(gid) = o.gid {
            check(unsafe { libc::setgid(gid) }, "setgid")?;
        }
        if let Some(uid) = o.uid {
            check(unsafe { libc::setuid(uid) }, "setuid")?;
        }
    }
    if let Some(dir) = &o.chdir {
        let c = cstring(dir.as_os_str().as_bytes())?;
        check(unsafe { libc::chdir(c.as_ptr()) }, "chdir")?;
    }
    if switching {
        check(
            unsafe { libc::prctl(libc::PR_SET_KEEPCAPS, 0, 0, 0, 0) },
            "prctl(PR_SET_KEEPCAPS, 0)",
        )?;
    }
    if let Some(caps) = caps {
        apply_caps(caps)?;
    }
    Ok(())
}

fn run(o: Options) -> Result<(), String> {
    let ctx = o.profile.as_deref().map(filter).transpose()?;
    let caps = match &o.caps {
        Some(asked) => Some(
            asked
                .intersection(&permitted()?)
                .copied()
                .collect::<BTreeSet<u32>>(),
        ),
        None => None,
    };
    let program = cstring(lookup(&o.argv[0])?.as_os_str().as_bytes())?;
    let argv: Vec<CString> = o
        .argv
        .iter()
        .map(|a| cstring(a.as_bytes()))
        .collect::<Result<_, _>>()?;
    let envp: Vec<CString> = std::env::vars_os()
        .map(|(k, v)| {
            let mut kv = k.as_bytes().to_vec();
            kv.push(b'=');
            kv.extend(v.as_bytes());
            cstring(&kv)
        })
        .collect::<Result<_, _>>()?;
    let mut argv_p: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
    argv_p.push(std::ptr::null());
    let mut envp_p: Vec<*const libc::c_char> = envp.iter().map(|a| a.as_ptr()).collect();
    envp_p.push(std::ptr::null());

    // The program starts with the default action for the signals a shell may have left
    // ignored: a background `&` in a non-interactive shell ignores SIGINT and SIGQUIT, and
    // ignored dispositions survive execve. The tests stop servers with SIGINT (python's
    // http.server then exits cleanly); a run started that way must not hang them. Before
    // the filter, so the reset does not depend on the profile.
    for sig in [libc::SIGHUP, libc::SIGINT, libc::SIGQUIT] {
        unsafe { libc::signal(sig, libc::SIG_DFL) };
    }
    if o.no_new_privs {
        check(
            unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) },
            "prctl(PR_SET_NO_NEW_PRIVS)",
        )?;
        switch_user(&o, caps.as_ref())?;
        if let Some(ctx) = &ctx {
            ctx.load().map_err(|e| format!("seccomp load: {e}"))?;
        }
    } else {
        if let Some(ctx) = &ctx {
            ctx.load().map_err(|e| format!("seccomp load: {e}"))?;
        }
        switch_user(&o, caps.as_ref())?;
    }
    unsafe { libc::execve(program.as_ptr(), argv_p.as_ptr(), envp_p.as_ptr()) };
    Err(format!(
        "execve {}: {}",
        o.argv[0],
        std::io::Error::last_os_error()
    ))
}
