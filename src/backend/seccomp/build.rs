//! Intent → [`SeccompProfile`] (DESIGN.md §3, seccomp): deny by default with EPERM, then
//! one entry per reason, each group added only when the intent asks for it.
//!
//! Order of entries (a name is listed once, under the first reason that needs it):
//! runtime minimum, `clone`/`clone3`, the container runtime's own needs (with the user
//! switch pinned to the declared ids), the baseline groups, file writes, accepting
//! connections, socket families, rare facilities, capabilities, explicit intent.
//! For a well-known runtime (runtimes.rs) every group except the minimum and the container
//! runtime's needs is narrowed to what that runtime was measured to call.

use std::collections::BTreeSet;

use crate::diag::{Code, Diagnostics, Severity};
use crate::intent::{
    Capability, Container, DeclaredProfile, MountKind, NetworkMode, PeerTarget, ProbeAction,
    Provenance, Runtime, Workload,
};

use super::arch::{self, Arch};
use super::groups::{CLONE_NAMESPACE_FLAGS, ENOSYS, Family, Gate, Group};
use super::names::NameSet;
use super::profile::{Action, ArgCmp, ProfileNote, Rule, SeccompProfile, Source, Why};
use super::{capabilities, container_runtime, runtimes};

/// What the command line decides for every profile.
#[derive(Clone, Debug)]
pub struct Options {
    pub arches: BTreeSet<Arch>,
    pub complain: bool,
}

/// EPERM: the errno a refused call returns (`defaultErrnoRet: 1`), as Docker's profile does.
pub const EPERM: u32 = 1;

/// Build the profile of one container; `None` (and a warning) for a privileged one, which
/// runtimes run without seccomp (`backend::privileged`).
pub fn build(
    w: &Workload,
    c: &Container,
    opts: &Options,
    diags: &mut Diagnostics,
) -> Option<SeccompProfile> {
    if let Some(warning) = crate::backend::privileged::warning(w, c) {
        diags.push(warning);
        return None;
    }
    let mut profile = SeccompProfile {
        workload: w.id.clone(),
        container: c.name.clone(),
        source: source(w, c),
        default_action: Action::Errno(EPERM),
        default_why: Why::new(
            "anything not listed fails with EPERM",
            vec![Provenance::baseline("deny by default")],
        ),
        arches: opts.arches.clone(),
        rules: Vec::new(),
        notes: Vec::new(),
    };
    if let Some(declared) = &c.seccomp
        && declared.value == DeclaredProfile::Unconfined
    {
        profile.notes.push(ProfileNote {
            severity: Severity::Note,
            message: "the manifest runs this container without seccomp; this profile applies once it is wired in".into(),
            at: declared.at.clone(),
        });
    }
    if let Some(at) = complain(w, c, opts) {
        profile.default_action = Action::Log;
        profile.default_why = Why::new(
            "complain mode: anything not listed is allowed and logged",
            vec![at],
        );
    }

    let ctx = Ctx::new(w, c);
    let mut b = Builder::new(&opts.arches);
    minimum(&mut b, &ctx);
    container_runtime_needs(&mut b, &ctx);
    for g in Group::ALL {
        if *g == Group::Minimum {
            continue;
        }
        if let Some(why) = ctx.gate(*g) {
            let declared = matches!(g.gate(), Gate::WritableFs | Gate::Listens);
            if declared && !ctx.program_known() {
                // Intent about the program itself: granted whole (see runtimes.rs).
                b.allow(Source::Group(*g), g.names().to_vec(), why);
            } else {
                b.allow(
                    Source::Group(*g),
                    ctx.narrow(g.names()),
                    ctx.measured_why(why),
                );
            }
        }
        if *g == Group::UnixSockets {
            socket_families(&mut b, &ctx);
        }
    }
    capability_rules(&mut b, &ctx);
    explicit(&mut b, w, c, &opts.arches, diags);
    profile.rules = b.finish();
    Some(profile)
}

/// `--complain`, or explicit intent (`x-cinch.complain: true`) on the container or workload.
fn complain(w: &Workload, c: &Container, opts: &Options) -> Option<Provenance> {
    if opts.complain {
        return Some(Provenance::baseline("--complain"));
    }
    [&c.explicit.complain, &w.explicit.complain]
        .into_iter()
        .flatten()
        .find(|f| f.value)
        .map(|f| f.at.clone())
}

/// `testdata/x/compose.yaml (workload shop/web, container web)`: the same words as the
/// AppArmor and NetworkPolicy headers, so `diff`/`explain` group a workload's profiles.
fn source(w: &Workload, c: &Container) -> String {
    format!(
        "{} (workload {}, container {})",
        w.at.file().unwrap_or("<inputs>"),
        w.id,
        c.name
    )
}

/// What the intent says, computed once per container.
struct Ctx<'a> {
    c: &'a Container,
    /// The well-known runtime, its provenance and what it was measured to call.
    runtime: Option<(Runtime, Provenance, &'static runtimes::Measured)>,
    /// Measured names (runtime, plus the shell's when a shell runs first).
    measured: Option<NameSet>,
    /// Why the shell's measurement was added.
    shell_why: Vec<Provenance>,
    network: Option<(String, Vec<Provenance>)>,
    writable: Option<(String, Vec<Provenance>)>,
    listens: Option<(String, Vec<Provenance>)>,
}

impl<'a> Ctx<'a> {
    fn new(w: &'a Workload, c: &'a Container) -> Self {
        let runtime = c
            .explicit
            .runtime
            .as_ref()
            .or(w.explicit.runtime.as_ref())
            .or(c
                .runtime
                .as_ref()
                .filter(|f| !runs_other_than_shell(c, f.value)))
            .map(|f| (f.value, f.at.clone(), runtimes::measured(f.value)));
        let mut shell_why = Vec::new();
        let measured = runtime.as_ref().map(|(rt, _, m)| {
            let mut names = m.name_set;
            if *rt != Runtime::Shell {
                if let Some(why) = c
                    .image
                    .as_ref()
                    .and_then(|i| runtimes::entrypoint_script(&i.value))
                    && c.process.entrypoint.is_none()
                {
                    shell_why.push(Provenance::baseline(why));
                }
                shell_why.extend(shell_commands(c));
                if !shell_why.is_empty() {
                    names = names.union(&runtimes::measured(Runtime::Shell).name_set);
                }
            }
            names
        });
        Ctx {
            c,
            runtime,
            measured,
            shell_why,
            network: network(w),
            writable: writable(c),
            listens: listens(c),
        }
    }

    /// The reason a group is in the profile, or `None` when intent does not ask for it.
    fn gate(&self, g: Group) -> Option<Why> {
        let baseline = |what: &str| {
            Why::new(
                what,
                vec![Provenance::baseline(
                    "generic groups for software cinch has not measured",
                )],
            )
        };
        match g.gate() {
            Gate::Always => Some(Why::new(
                g.what(),
                vec![Provenance::baseline("runtime minimum")],
            )),
            Gate::Baseline => Some(baseline(g.what())),
            Gate::WritableFs => self
                .writable
                .as_ref()
                .map(|(text, at)| Why::new(format!("{}: {text}", g.what()), at.clone())),
            Gate::Listens => self
                .listens
                .as_ref()
                .map(|(text, at)| Why::new(format!("{}: {text}", g.what()), at.clone())),
            Gate::Facility => self
                .measured
                .as_ref()
                .map(|_| Why::new(g.what(), Vec::new())),
        }
    }

    /// Narrow names to the measurement, when the runtime is known.
    fn narrow(&self, names: &[&'static str]) -> Vec<&'static str> {
        match &self.measured {
            Some(m) => names.iter().copied().filter(|n| m.contains(n)).collect(),
            None => names.to_vec(),
        }
    }

    /// For a known runtime, say the entry was narrowed and by what (the runtime's
    /// provenance replaces the generic-group baseline).
    fn measured_why(&self, why: Why) -> Why {
        let Some((rt, at, _)) = &self.runtime else {
            return why;
        };
        let generic = Provenance::baseline("generic groups for software cinch has not measured");
        let mut facts: Vec<Provenance> = why.at.into_iter().filter(|p| *p != generic).collect();
        facts.push(at.clone());
        let mut text = format!("{}, as measured for {rt}", why.text);
        if !self.shell_why.is_empty() && *rt != Runtime::Shell {
            text.push_str(" and its entrypoint shell");
            facts.extend(self.shell_why.iter().cloned());
        }
        Why::new(text, facts)
    }

    /// A server whose whole behaviour was measured (not just its language runtime).
    fn program_known(&self) -> bool {
        self.runtime
            .as_ref()
            .is_some_and(|(_, _, m)| m.program_known)
    }

    fn measured_has(&self, name: &str) -> bool {
        self.measured.as_ref().is_none_or(|m| m.contains(name))
    }
}

/// A shell image (busybox, alpine) whose manifest names another program to run (busybox's
/// `httpd` applet, a binary installed on top): the shell's measurement does not cover that
/// program, so the profile is the generic one (the runtime lab found busybox httpd's
/// `sendfile`, `setsockopt`, `shutdown`, `alarm` refused under the shell's set).
fn runs_other_than_shell(c: &Container, runtime: Runtime) -> bool {
    runtime == Runtime::Shell
        && c.process
            .entrypoint
            .as_ref()
            .or(c.process.command.as_ref())
            .and_then(|f| f.value.first())
            .is_some_and(|argv0| !is_shell(argv0))
}

const SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "busybox"];

fn is_shell(argv0: &str) -> bool {
    SHELLS.contains(&argv0.rsplit('/').next().unwrap_or(argv0))
}

/// Declared commands that run a shell (`sh -c …`, `CMD-SHELL` health checks): the shell's
/// measured set is then needed too.
fn shell_commands(c: &Container) -> Vec<Provenance> {
    let mut out = Vec::new();
    for f in [&c.process.entrypoint, &c.process.command]
        .into_iter()
        .flatten()
    {
        if f.value.first().is_some_and(|a| is_shell(a)) {
            out.push(f.at.clone());
        }
    }
    for p in &c.probes {
        if let ProbeAction::Exec(argv) = &p.action
            && argv.first().is_some_and(|a| is_shell(a))
        {
            out.push(p.at.clone());
        }
    }
    out
}

/// Network use: everything except `network_mode: none`.
fn network(w: &Workload) -> Option<(String, Vec<Provenance>)> {
    let mode = &w.network.mode;
    let mut phrases = Vec::new();
    let mut at = Vec::new();
    match &mode.value {
        NetworkMode::None => return None,
        NetworkMode::Host => {
            phrases.push("host network".to_owned());
            at.push(mode.at.clone());
        }
        NetworkMode::Service(s) | NetworkMode::Container(s) => {
            phrases.push(format!("network of {s}"));
            at.push(mode.at.clone());
        }
        NetworkMode::Default => {
            for (name, f) in &w.network.networks {
                phrases.push(format!("network {name}"));
                at.push(f.at.clone());
            }
        }
    }
    for p in &w.network.peers {
        let target = match &p.target {
            PeerTarget::Workload { id } => id.clone(),
            PeerTarget::External { host, .. } => host.clone(),
        };
        phrases.push(match p.port {
            Some(port) => format!("connects to {target}:{port}"),
            None => format!("connects to {target}"),
        });
        at.push(p.at.clone());
    }
    if phrases.is_empty() {
        phrases.push("own network namespace".to_owned());
        at.push(mode.at.clone());
    }
    phrases.dedup();
    Some((phrases.join(", "), at))
}

/// Somewhere to write: a writable root or a writable mount.
fn writable(c: &Container) -> Option<(String, Vec<Provenance>)> {
    let mut phrases = Vec::new();
    let mut at = Vec::new();
    if !c.read_only_root.value {
        phrases.push("writable root filesystem".to_owned());
        at.push(c.read_only_root.at.clone());
    }
    for m in c.mounts.iter().filter(|m| !m.read_only) {
        let kind = match m.kind {
            MountKind::Volume => "volume",
            MountKind::Bind => "bind mount",
            MountKind::HostPath => "hostPath",
            MountKind::Tmpfs => "tmpfs",
            MountKind::EmptyDir => "emptyDir",
            MountKind::Secret => "secret",
            MountKind::Config => "config",
            MountKind::Projected => "projected volume",
            MountKind::ImageVolume => "image volume",
            MountKind::Other => "mount",
        };
        phrases.push(format!("{kind} {}", m.target));
        at.push(m.at.clone());
    }
    (!phrases.is_empty()).then(|| (phrases.join(", "), at))
}

fn listens(c: &Container) -> Option<(String, Vec<Provenance>)> {
    if c.listens.is_empty() {
        return None;
    }
    let ports: Vec<String> = c
        .listen_ports()
        .iter()
        .map(|(p, proto)| format!("{p}/{proto}"))
        .collect();
    let at = c.listens.iter().map(|l| l.at.clone()).collect();
    Some((format!("listens on {}", ports.join(", ")), at))
}

fn minimum(b: &mut Builder<'_>, ctx: &Ctx<'_>) {
    let min = Group::Minimum;
    b.allow(
        Source::Group(min),
        min.names().to_vec(),
        Why::new(min.what(), vec![Provenance::baseline("runtime minimum")]),
    );
    if ctx.c.capabilities.has(Capability::SysAdmin) {
        return; // clone and clone3 come unfiltered with the capability
    }
    let no_admin = ctx
        .c
        .capabilities
        .dropped
        .get(&Capability::SysAdmin)
        .cloned()
        .unwrap_or_else(|| {
            Provenance::baseline("CAP_SYS_ADMIN is not in the runtime default capabilities")
        });
    b.rule(
        Source::Clone,
        &["clone"],
        Action::Allow,
        vec![ArgCmp::masked_eq(0, CLONE_NAMESPACE_FLAGS, 0)],
        Why::new(
            "threads and child processes, without new namespaces (no CAP_SYS_ADMIN)",
            vec![no_admin.clone()],
        ),
    );
    b.rule(
        Source::Clone,
        &["clone3"],
        Action::Errno(ENOSYS),
        Vec::new(),
        Why::new(
            "clone3 hides its flags from seccomp: it fails with ENOSYS so libc falls back to clone (no CAP_SYS_ADMIN)",
            vec![no_admin],
        ),
    );
}

fn container_runtime_needs(b: &mut Builder<'_>, ctx: &Ctx<'_>) {
    let c = ctx.c;
    let nnp = &c.no_new_privileges;
    if nnp.value {
        b.allow(
            Source::ContainerRuntime,
            container_runtime::AFTER_FILTER.to_vec(),
            Why::new(
                "container runtime (runc, crun) between loading the filter and exec; with no-new-privileges it loads the filter last",
                vec![nnp.at.clone()],
            ),
        );
        if ctx.measured.is_none() {
            own_ids(b, c);
        }
        return;
    }
    let mut names = container_runtime::AFTER_FILTER.to_vec();
    names.extend(container_runtime::WITHOUT_NO_NEW_PRIVILEGES);
    b.allow(
        Source::ContainerRuntime,
        names,
        Why::new(
            "container runtime (runc, crun) after loading the filter: without no-new-privileges it loads it before dropping capabilities and switching user",
            vec![nnp.at.clone()],
        ),
    );
    // The user switch, pinned to the declared ids where the manifest gives them.
    let user = c.user.as_ref();
    let by_name = |name: Option<&String>| name.filter(|n| n.as_str() == "root").map(|_| 0u32);
    let uid = user.and_then(|u| u.value.uid.or_else(|| by_name(u.value.name.as_ref())));
    // Without a group the runtime takes the user's primary group from the image's
    // /etc/passwd: unknown, except for root, whose group is 0 everywhere.
    let gid = user.and_then(|u| {
        u.value
            .gid
            .or_else(|| by_name(u.value.group.as_ref()))
            .or_else(|| (u.value.group.is_none() && uid == Some(0)).then_some(0))
    });
    // runc's setgid/setuid and crun's setresgid/setresuid, pinned to the same ids.
    for (calls, id, what) in [
        (
            [container_runtime::SET_GID, container_runtime::SET_RES_GID],
            gid,
            "gid",
        ),
        (
            [container_runtime::SET_UID, container_runtime::SET_RES_UID],
            uid,
            "uid",
        ),
    ] {
        let mut at = vec![nnp.at.clone()];
        match (id, user) {
            (Some(id), Some(u)) => {
                at.push(u.at.clone());
                let why = Why::new(
                    format!("container runtime switches to {what} {id}, and only to it"),
                    at,
                );
                pin_id(b, calls, id, why);
            }
            (_, Some(u)) => {
                at.push(u.at.clone());
                b.allow(
                    Source::UserSwitch,
                    calls.to_vec(),
                    Why::new(
                        format!("container runtime switches to the {what} of user `{}`, resolved in the image", u.value.spec),
                        at,
                    ),
                );
            }
            (_, None) => b.allow(
                Source::UserSwitch,
                calls.to_vec(),
                Why::new(
                    format!("container runtime switches to the image's {what} (no user declared)"),
                    at,
                ),
            ),
        }
    }
}

/// `setuid`/`setgid` (one argument) and `setresuid`/`setresgid` (three), allowed only to `id`.
fn pin_id(b: &mut Builder<'_>, calls: [&'static str; 2], id: u32, why: Why) {
    let id = u64::from(id);
    b.rule(
        Source::UserSwitch,
        &calls[..1],
        Action::Allow,
        vec![ArgCmp::eq(0, id)],
        why.clone(),
    );
    b.rule(
        Source::UserSwitch,
        &calls[1..],
        Action::Allow,
        (0..3).map(|arg| ArgCmp::eq(arg, id)).collect(),
        why,
    );
}

/// An unmeasured program may set its ids to the ones it already has, as programs that drop
/// privileges do whoever runs them (busybox: `setgid(getgid())`, `setuid(getuid())`, found by
/// the runtime lab). Pinned to the declared ids, this grants nothing: without CAP_SETUID the
/// kernel allows only the ids the process has.
fn own_ids(b: &mut Builder<'_>, c: &Container) {
    let Some(u) = c.user.as_ref() else {
        return;
    };
    for (calls, id, what) in [
        (["setgid", "setresgid"], u.value.gid, "gid"),
        (["setuid", "setresuid"], u.value.uid, "uid"),
    ] {
        let Some(id) = id else {
            continue;
        };
        let why = Why::new(
            format!(
                "an unmeasured program may set its own {what} {id} again (a no-op; it drops privileges this way)"
            ),
            vec![u.at.clone()],
        );
        pin_id(b, calls, id, why);
    }
}

/// `socket`, one entry per address family: AF_UNIX always, AF_INET and AF_INET6 with network
/// use (which of the two a program opens depends on the addresses it meets, not on the
/// program, so a measurement never narrows them), AF_NETLINK where the runtime's
/// measurement has it or nothing was measured (glibc's getaddrinfo with AI_ADDRCONFIG and
/// getifaddrs read addresses over rtnetlink; changing them needs CAP_NET_ADMIN, which the
/// capability rules grant apart). The runtime lab found an unknown image's python refused it.
fn socket_families(b: &mut Builder<'_>, ctx: &Ctx<'_>) {
    let measured_families = ctx.runtime.as_ref().map(|(_, _, m)| &m.families);
    if ctx.measured_has("socket") {
        b.rule(
            Source::SocketFamily(Family::Unix),
            &["socket"],
            Action::Allow,
            vec![ArgCmp::eq(0, Family::Unix.number())],
            Why::new(
                "local sockets (AF_UNIX)",
                vec![Provenance::baseline("runtime minimum")],
            ),
        );
    }
    let Some((text, at)) = &ctx.network else {
        return;
    };
    let mut families = vec![Family::Inet, Family::Inet6];
    if measured_families.is_none_or(|fs| fs.contains(&Family::Netlink)) {
        families.push(Family::Netlink);
    }
    for f in families {
        let why = Why::new(format!("{} sockets: {text}", f.name()), at.clone());
        let why = match (f, measured_families) {
            (Family::Netlink, Some(_)) => ctx.measured_why(why),
            (Family::Netlink, None) => Why::new(
                format!(
                    "AF_NETLINK sockets: {text}; glibc's getaddrinfo reads the addresses over rtnetlink"
                ),
                at.clone(),
            ),
            _ => why,
        };
        b.rule(
            Source::SocketFamily(f),
            &["socket"],
            Action::Allow,
            vec![ArgCmp::eq(0, f.number())],
            why,
        );
    }
}

/// Each capability in the effective set unlocks all of its calls, whether the manifest adds it
/// or the runtime grants it by default, and whether or not the image's program was measured
/// (DESIGN.md §8): an official image's entrypoint uses capabilities its server never does
/// (postgres' `docker-entrypoint.sh` chowns the data directory as root, then drops to the
/// postgres user with `gosu`), and a refused call there breaks the container at start.
fn capability_rules(b: &mut Builder<'_>, ctx: &Ctx<'_>) {
    for (cap, at) in &ctx.c.capabilities.effective {
        let mut names: Vec<&'static str> = capabilities::syscalls(*cap).to_vec();
        if capabilities::unlocks_namespaces(*cap) {
            names.extend(["clone", "clone3"]);
        }
        let why = Why::new(format!("capability {}", cap.name()), vec![at.clone()]);
        b.allow(Source::Capability(*cap), names, why.clone());
        if let Some(f) = capabilities::socket_family(*cap)
            && ctx.network.is_some()
        {
            b.rule(
                Source::Capability(*cap),
                &["socket"],
                Action::Allow,
                vec![ArgCmp::eq(0, f.number())],
                Why::new(format!("{} sockets: {}", f.name(), why.text), why.at),
            );
        }
    }
}

/// Explicit intent: extra syscalls with the developer's reason. Names no selected
/// architecture has are reported.
fn explicit(
    b: &mut Builder<'_>,
    w: &Workload,
    c: &Container,
    arches: &BTreeSet<Arch>,
    diags: &mut Diagnostics,
) {
    let mut entries: Vec<(String, Provenance, Vec<&'static str>)> = Vec::new();
    for f in w.explicit.syscalls.iter().chain(&c.explicit.syscalls) {
        let resolved = arch::resolve(&f.value.name, arches);
        if resolved.is_empty() {
            let arch_names: Vec<&str> = arches.iter().map(|a| a.name()).collect();
            diags.push(f.at.diagnostic(
                Severity::Error,
                Code::InvalidValue,
                format!(
                    "`{}` is not a syscall on {}",
                    f.value.name,
                    arch_names.join(" or ")
                ),
            ));
            continue;
        }
        let names: Vec<&'static str> = resolved.into_iter().collect();
        match entries
            .iter_mut()
            .find(|(r, at, _)| *r == f.value.reason && *at == f.at)
        {
            Some((_, _, v)) => v.extend(names),
            None => entries.push((f.value.reason.clone(), f.at.clone(), names)),
        }
    }
    for (reason, at, names) in entries {
        b.allow(
            Source::Explicit,
            names,
            Why::new(format!("explicit: {reason}"), vec![at]),
        );
    }
}

/// Collects rules; a name is listed unconditionally at most once.
struct Builder<'a> {
    arches: &'a BTreeSet<Arch>,
    owned: NameSet,
    rules: Vec<Rule>,
}

impl<'a> Builder<'a> {
    fn new(arches: &'a BTreeSet<Arch>) -> Self {
        Builder {
            arches,
            owned: NameSet::default(),
            rules: Vec::new(),
        }
    }

    fn resolve(&self, names: &[&str]) -> NameSet {
        names.iter().fold(NameSet::default(), |set, n| {
            set.union(&arch::resolved(n, self.arches))
        })
    }

    /// Allow these calls unconditionally, minus the ones an earlier reason already allows.
    fn allow(&mut self, source: Source, names: Vec<&'static str>, why: Why) {
        let names = self.resolve(&names).minus(&self.owned);
        if names.is_empty() {
            return;
        }
        self.owned = self.owned.union(&names);
        self.push(names, Action::Allow, Vec::new(), why, source);
    }

    /// A rule with argument conditions (ANDed) or another action.
    fn rule(
        &mut self,
        source: Source,
        names: &[&str],
        action: Action,
        args: Vec<ArgCmp>,
        why: Why,
    ) {
        let names = self.resolve(names);
        if names.is_empty() {
            return;
        }
        self.push(names, action, args, why, source);
    }

    fn push(
        &mut self,
        names: NameSet,
        action: Action,
        args: Vec<ArgCmp>,
        why: Why,
        source: Source,
    ) {
        self.rules.push(Rule {
            names,
            action,
            args,
            why,
            source,
        });
    }

    /// Drop conditional entries for names an unconditional entry allows anyway.
    fn finish(self) -> Vec<Rule> {
        let owned = self.owned;
        self.rules
            .into_iter()
            .filter_map(|mut r| {
                if !r.args.is_empty() || r.action != Action::Allow {
                    r.names = r.names.minus(&owned);
                }
                (!r.names.is_empty()).then_some(r)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_generic_group_gates_on_a_capability_name() {
        // A capability-gated call must never be granted by a group everyone gets.
        for cap in Capability::ALL {
            for n in capabilities::syscalls(*cap) {
                for g in Group::ALL.iter().filter(|g| g.gate() != Gate::Facility) {
                    assert!(!g.names().contains(n), "{n} of {cap} is in {g:?}");
                }
            }
        }
        for (n, _) in super::super::groups::NEVER {
            for g in Group::ALL {
                assert!(
                    !g.names().contains(n),
                    "{n} is never allowed but {g:?} has it"
                );
            }
        }
    }
}
