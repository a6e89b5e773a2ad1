//! `seccomp-probe`: attempt calls a confined web server must not make and print, for each,
//! `NAME ERRNO` (0 when the call succeeded). The calls fail harmlessly or are no-ops when
//! they are allowed (a mount on a path that does not exist, attaching to a pid that does not
//! exist, an invalid bpf or keyctl command, a new UTS namespace for this short-lived
//! process), so the errno tells who answered: seccomp's EPERM (1) or the kernel.
//! Run it through `seccomp-run`, or inside a container (the runtime lab); `setuid` is the raw
//! syscall (no glibc thread broadcast).
//!
//! Each argument is a path to create for writing (`open(O_WRONLY|O_CREAT)`), printed as
//! `write:PATH ERRNO`: the AppArmor lab (tests/apparmor_vm.rs) checks that a write the
//! profile does not grant fails with EACCES.
//!
//! `no_main`: Rust's own start-up (checking fds 0-2 with `poll`, a signal stack) is skipped,
//! so the probe makes only the dynamic loader's calls, its probes, one `write` and `exit`:
//! under a tight profile Rust's start-up would abort on a refused `poll` before probing.
#![no_main]

/// Run one call and return 0 or the errno it failed with.
fn probe(call: impl FnOnce() -> i64) -> i32 {
    if call() < 0 {
        std::io::Error::last_os_error().raw_os_error().unwrap_or(-1)
    } else {
        0
    }
}

/// A named call to attempt.
type Probe = (&'static str, Box<dyn FnOnce() -> i64>);

#[unsafe(no_mangle)]
extern "C" fn main(argc: libc::c_int, argv: *const *const libc::c_char) -> libc::c_int {
    let probes: [Probe; 8] = [
        (
            "getpid",
            Box::new(|| unsafe { libc::syscall(libc::SYS_getpid) }),
        ),
        (
            "mount",
            Box::new(|| unsafe {
                let target = c"/nonexistent/cinch-probe";
                libc::mount(
                    c"cinch-probe".as_ptr(),
                    target.as_ptr(),
                    c"tmpfs".as_ptr(),
                    0,
                    std::ptr::null(),
                ) as i64
            }),
        ),
        (
            "unshare",
            Box::new(|| unsafe { libc::unshare(libc::CLONE_NEWUTS) as i64 }),
        ),
        (
            "ptrace",
            Box::new(|| unsafe {
                libc::ptrace(
                    libc::PTRACE_ATTACH,
                    999_999_999 as libc::pid_t,
                    0usize,
                    0usize,
                )
            }),
        ),
        (
            "setuid",
            Box::new(|| unsafe { libc::syscall(libc::SYS_setuid, 0) }),
        ),
        (
            "bpf",
            Box::new(|| unsafe {
                libc::syscall(libc::SYS_bpf, 0x7fff_i64, std::ptr::null::<u8>(), 0)
            }),
        ),
        (
            "keyctl",
            Box::new(|| unsafe { libc::syscall(libc::SYS_keyctl, 9999_i64, 0, 0, 0, 0) }),
        ),
        (
            "socket_packet",
            Box::new(|| unsafe {
                let fd = libc::socket(libc::AF_PACKET, libc::SOCK_RAW, 0);
                if fd >= 0 {
                    libc::close(fd);
                }
                fd as i64
            }),
        ),
    ];
    let mut out = String::new();
    for (name, call) in probes {
        out.push_str(&format!("{name} {}\n", probe(call)));
    }
    for i in 1..argc.max(1) as usize {
        // SAFETY: argv holds argc valid C strings (the C runtime's contract for main).
        let path = unsafe { std::ffi::CStr::from_ptr(*argv.add(i)) };
        let errno = probe(|| unsafe {
            let fd = libc::open(
                path.as_ptr(),
                libc::O_WRONLY | libc::O_CREAT | libc::O_CLOEXEC,
                0o644,
            );
            if fd >= 0 {
                libc::close(fd);
            }
            fd as i64
        });
        out.push_str(&format!("write:{} {errno}\n", path.to_string_lossy()));
    }
    // One write(2), no stdio machinery.
    let bytes = out.as_bytes();
    let written = unsafe { libc::write(1, bytes.as_ptr().cast(), bytes.len()) };
    if written == bytes.len() as isize {
        0
    } else {
        1
    }
}
