//! File rules: the root filesystem as declared, writable mounts, devices, and the kernel
//! interfaces no container needs.
//!
//! AppArmor denies every path no rule allows, and a `deny` rule wins over any allow rule
//! (apparmor.d(5) "Rule Qualifiers"). So a read-only root is `/** rm` plus `rw` on each
//! writable mount: writes elsewhere are denied (and logged) by default. An explicit
//! `deny /** w` would also cancel the writable mounts, so it is not written.
//! A writable root is `/** rwlkm` minus the kernel's interfaces, as Docker's default
//! profile does it (moby/profiles `apparmor/template.go`): writes in /proc only below a
//! process's own `/proc/<pid>`, /sys read-only, kernel memory and SysRq never.

use crate::intent::{Container, Mount, MountKind, PathAccess, Workload};

use super::build::Problems;
use super::escape::{self, PathPattern, Unsafe, clean};
use super::model::{Access, Perms, Reason, Rule, RuleGroup, Topic};

/// A mount with its target as the kernel reports it and as a pattern.
pub(super) struct MountPath<'a> {
    pub mount: &'a Mount,
    /// Lexically cleaned, absolute.
    pub target: String,
    pub pattern: PathPattern,
}

/// The container's mounts with usable targets; a target that cannot be written is reported.
pub(super) fn mounts<'a>(c: &'a Container, problems: &mut Problems) -> Vec<MountPath<'a>> {
    let mut out = Vec::new();
    for m in &c.mounts {
        let target = clean(&m.target);
        if let Err(e) = PathPattern::literal(&m.target) {
            problems.push(&m.at, "mount target", e);
            continue;
        }
        if target == "/" && !m.read_only {
            let e = Unsafe(format!(
                "`{}` is `/`: a writable mount there would make the whole root writable",
                escape::comment(&m.target)
            ));
            problems.push(&m.at, "mount target", e);
            continue;
        }
        match path_pattern(&target) {
            Ok(pattern) => out.push(MountPath {
                mount: m,
                target,
                pattern,
            }),
            Err(e) => problems.push(&m.at, "mount target", e),
        }
    }
    out.sort_by(|a, b| a.target.cmp(&b.target));
    out
}

/// `/var/run` and `/run` are one directory in FHS images (`/var/run → /run`), and AppArmor
/// sees the path after symlinks: `@{run}` (tunables/run: `/run/ /var/run/`) covers both.
pub(super) fn path_pattern(path: &str) -> Result<PathPattern, Unsafe> {
    let literal = PathPattern::literal(path)?;
    for prefix in ["/var/run", "/run"] {
        if path == prefix {
            return Ok(PathPattern::glob("@{run}"));
        }
        if let Some(rest) = path.strip_prefix(prefix).filter(|r| r.starts_with('/')) {
            return Ok(PathPattern::glob("@{run}").concat(&PathPattern::part(rest)?));
        }
    }
    Ok(literal)
}

/// `path` is `dir` or below it.
pub(super) fn is_under(path: &str, dir: &str) -> bool {
    dir == "/" || path == dir || path.strip_prefix(dir).is_some_and(|r| r.starts_with('/'))
}

pub(super) fn kind_name(kind: MountKind) -> &'static str {
    match kind {
        MountKind::Volume => "volume",
        MountKind::Bind => "bind mount",
        MountKind::HostPath => "hostPath volume",
        MountKind::Tmpfs => "tmpfs",
        MountKind::EmptyDir => "emptyDir volume",
        MountKind::Secret => "secret",
        MountKind::Config => "config",
        MountKind::Projected => "projected volume",
        MountKind::ImageVolume => "image VOLUME",
        MountKind::Other => "volume",
    }
}

fn file(access: Access, path: PathPattern, perms: Perms) -> Rule {
    Rule::File {
        access,
        path,
        perms,
    }
}

/// The path itself (a file, or the mount point) and everything below it. AppArmor names a
/// directory with a trailing slash, and `/data/**` does not match `/data/` itself: with only
/// `/data rw`, the postgres entrypoint's `chmod 700 /var/lib/postgresql/data` on its volume
/// was DENIED (`name="/var/lib/postgresql/data/"`, found in the AppArmor lab). `{,/}`
/// matches the mount point as a file or a directory.
fn tree(access: Access, p: &PathPattern, itself: Perms, below: Perms) -> Vec<Rule> {
    vec![
        file(access, p.then("{,/}"), itself),
        file(access, p.then("/**"), below),
    ]
}

pub(super) fn groups(
    w: &Workload,
    c: &Container,
    mounts: &[MountPath<'_>],
    out: &mut Vec<RuleGroup>,
    problems: &mut Problems,
) {
    let ro = &c.read_only_root;
    if ro.value {
        let why = vec![Reason::new(
            "read-only root filesystem: read and map everywhere, write only where listed",
            &ro.at,
        )];
        let rules = vec![
            file(Access::Allow, PathPattern::glob("/"), Perms::R),
            file(Access::Allow, PathPattern::glob("/**"), Perms::RM),
        ];
        out.push(RuleGroup::new(Topic::Files, why, rules));
        for m in mounts.iter().filter(|m| !m.mount.read_only) {
            let why = vec![Reason::new(
                format!("writable {} at {}", kind_name(m.mount.kind), m.target),
                &m.mount.at,
            )];
            out.push(RuleGroup::new(
                Topic::Files,
                why,
                tree(Access::Allow, &m.pattern, Perms::RW, Perms::RWLK),
            ));
        }
        runtime_writable(out);
        devices(c, out, problems);
        explicit_paths(w, c, out, problems);
    } else {
        // A writable root already allows writes everywhere but the kernel interfaces, whose
        // deny rules no allow rule could lift; reads are allowed too. Explicit paths add
        // nothing here.
        let why = vec![Reason::new("writable root filesystem", &ro.at)];
        let rules = vec![
            file(Access::Allow, PathPattern::glob("/"), Perms::R),
            file(Access::Allow, PathPattern::glob("/**"), Perms::RWLKM),
        ];
        out.push(RuleGroup::new(Topic::Files, why, rules));
        // Read-only mounts stay read-only here too — unless a writable mount lies inside
        // one, which a deny rule would cancel.
        for m in mounts.iter().filter(|m| m.mount.read_only) {
            let covers_writable = mounts
                .iter()
                .any(|w| !w.mount.read_only && is_under(&w.target, &m.target));
            if !covers_writable {
                let why = vec![Reason::new(
                    format!("read-only {} at {}", kind_name(m.mount.kind), m.target),
                    &m.mount.at,
                )];
                out.push(RuleGroup::new(
                    Topic::Files,
                    why,
                    tree(Access::Deny, &m.pattern, Perms::W, Perms::W),
                ));
            }
        }
    }
    kernel_interfaces(out);
}

/// What every container writes even with a read-only root: the runtime mounts these.
fn runtime_writable(out: &mut Vec<RuleGroup>) {
    let groups: [(&str, &str, Vec<Rule>); 3] = [
        (
            "POSIX shared memory (shm_open(3)): the runtime mounts a tmpfs at /dev/shm",
            "runtime mounts (moby daemon/oci_linux.go, containerd CRI)",
            vec![file(
                Access::Allow,
                PathPattern::glob("/dev/shm/**"),
                Perms::RWLK,
            )],
        ),
        (
            "the terminal, when the runtime allocates one (tty: true, docker run -t)",
            "runtime mounts (moby daemon/oci_linux.go, containerd CRI)",
            vec![
                file(
                    Access::Allow,
                    PathPattern::glob("/dev/pts/[0-9]*"),
                    Perms::RW,
                ),
                file(Access::Allow, PathPattern::glob("/dev/tty"), Perms::RW),
                file(Access::Allow, PathPattern::glob("/dev/console"), Perms::RW),
            ],
        ),
        (
            "thread names (pthread_setname_np(3) writes /proc/<pid>/task/<tid>/comm)",
            "proc(5)",
            vec![
                file(
                    Access::Allow,
                    PathPattern::glob("@{PROC}/@{pid}/comm"),
                    Perms::W,
                ),
                file(
                    Access::Allow,
                    PathPattern::glob("@{PROC}/@{pid}/task/@{tid}/comm"),
                    Perms::W,
                ),
            ],
        ),
    ];
    for (what, baseline, rules) in groups {
        out.push(RuleGroup::new(
            Topic::Files,
            vec![Reason::baseline(what, baseline)],
            rules,
        ));
    }
}

/// Devices the manifest passes in, with the permissions it gives (`rwm` by default; `m`,
/// mknod, is a capability matter, not a file permission).
fn devices(c: &Container, out: &mut Vec<RuleGroup>, problems: &mut Problems) {
    for d in &c.devices {
        let perms = if d.value.permissions.is_empty() {
            "rwm"
        } else {
            d.value.permissions.as_str()
        };
        let p = Perms {
            read: perms.contains('r'),
            write: perms.contains('w'),
            ..Perms::default()
        };
        if p == Perms::default() {
            continue;
        }
        let target = clean(&d.value.container);
        match path_pattern(&target) {
            Ok(path) => {
                let why = vec![Reason::new(format!("device {target} ({perms})"), &d.at)];
                out.push(RuleGroup::new(
                    Topic::Files,
                    why,
                    vec![file(Access::Allow, path, p)],
                ));
            }
            Err(e) => problems.push(&d.at, "device", e),
        }
    }
}

/// Explicit intent (`x-cinch.writes`/`reads`, `cinch.dev/writes`, `LABEL cinch.writes`):
/// the path and everything below it, with the developer's reason (often `cinch audit`'s
/// evidence). Under a read-only root the kernel still refuses writes outside writable
/// mounts (EROFS); the rule matters where the runtime mounts something the manifest does
/// not show (`/dev/mqueue`, a volume added at run time).
fn explicit_paths(w: &Workload, c: &Container, out: &mut Vec<RuleGroup>, problems: &mut Problems) {
    for f in w.explicit.paths.iter().chain(&c.explicit.paths) {
        let target = clean(&f.value.path);
        let pattern = match path_pattern(&target) {
            Ok(p) => p,
            Err(e) => {
                problems.push(&f.at, "explicit path", e);
                continue;
            }
        };
        let (itself, below) = match f.value.access {
            PathAccess::Write => (Perms::RW, Perms::RWLK),
            PathAccess::Read => (Perms::R, Perms::R),
        };
        let why = vec![Reason::new(format!("explicit: {}", f.value.reason), &f.at)];
        out.push(RuleGroup::new(
            Topic::Files,
            why,
            tree(Access::Allow, &pattern, itself, below),
        ));
    }
}

/// Kernel interfaces denied in every profile (after Docker's default profile, moby/profiles
/// `apparmor/template.go`, written anew for cinch's read-only-by-default stance).
fn kernel_interfaces(out: &mut Vec<RuleGroup>) {
    let deny =
        |path: &'static str, perms: Perms| file(Access::Deny, PathPattern::glob(path), perms);
    out.push(RuleGroup::new(
        Topic::Files,
        vec![Reason::baseline(
            "/proc: no writes to kernel settings; a process writes only below its own /proc/<pid>",
            "proc(5); /proc/self resolves to /proc/<pid>",
        )],
        vec![
            deny("@{PROC}/*", Perms::W),
            deny("@{PROC}/[^0-9]*/**", Perms::W),
        ],
    ));
    out.push(RuleGroup::new(
        Topic::Files,
        vec![Reason::baseline(
            "kernel memory, kernel core and SysRq: never read or written",
            "proc(5), mem(4)",
        )],
        vec![
            deny("@{PROC}/sysrq-trigger", Perms::ALL),
            deny("@{PROC}/kcore", Perms::ALL),
            deny("@{PROC}/kmem", Perms::ALL),
            deny("@{PROC}/mem", Perms::ALL),
            deny("/dev/mem", Perms::ALL),
            deny("/dev/kmem", Perms::ALL),
            deny("/dev/port", Perms::ALL),
        ],
    ));
    out.push(RuleGroup::new(
        Topic::Files,
        vec![Reason::baseline(
            "/sys read-only; firmware, LSM state and power meters (CVE-2020-8694) hidden",
            "sysfs(5)",
        )],
        vec![
            deny("/sys/**", Perms::WLKX),
            deny("/sys/firmware/**", Perms::ALL),
            deny("/sys/kernel/security/**", Perms::ALL),
            deny("/sys/devices/virtual/powercap/**", Perms::ALL),
        ],
    ));
}
