//! The checks: one function per rule, each reading only the intent model. A finding points
//! at the fact that caused it; a risk that comes from a default (nothing declared) points at
//! the container's or workload's definition.

use std::collections::BTreeMap;

use crate::diag::{Code, Severity};
use crate::intent::{
    Capability, Container, ContainerRole, DeclaredProfile, EnvValue, Fact, MountKind, NetworkMode,
    ProbeAction, ProbeRole, Provenance, RUNTIME_DEFAULT, Workload, WorkloadKind,
};

use super::Finding;
use super::rules::{Level, Rule};

/// Capabilities that are close to root on the host (issue 9's list, capabilities(7)).
const DANGEROUS: &[Capability] = &[
    Capability::SysAdmin,
    Capability::NetAdmin,
    Capability::SysPtrace,
    Capability::SysModule,
    Capability::DacReadSearch,
    Capability::Bpf,
    Capability::Perfmon,
];

/// Runtime sockets: talking to one is root on the host.
const RUNTIME_SOCKETS: &[&str] = &[
    "docker.sock",
    "containerd.sock",
    "crio.sock",
    "podman.sock",
    "dockershim.sock",
];

/// Environment names that hold secrets (case-insensitive substrings).
const SECRET_NAMES: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "CREDENTIAL",
];

/// Name endings that say the value is about a secret, not the secret itself.
const NOT_A_SECRET_SUFFIXES: &[&str] = &[
    "_FILE", "_NAME", "_NAMES", "_REF", "_PATH", "_DIR", "_KEY_ID", "_ENABLED", "_TTL", "_LENGTH",
    "_HEADER", "_TYPE",
];

/// Collects findings for one workload.
struct Sink<'a> {
    w: &'a Workload,
    out: &'a mut Vec<Finding>,
}

impl Sink<'_> {
    fn add(
        &mut self,
        rule: Rule,
        level: Level,
        message: String,
        at: &Provenance,
        container: Option<&Container>,
    ) {
        // A finding must point into a manifest (SARIF needs a physical location): a fact
        // that is only a baseline is reported where the container or workload is defined.
        let at = if at.location().is_some() {
            at.clone()
        } else {
            container_at(self.w, container)
        };
        self.out.push(Finding {
            rule,
            level,
            message,
            at,
            workload: self.w.id.clone(),
            container: container.map(|c| c.name.clone()),
            allowed: None,
        });
    }

    /// At the rule's default level.
    fn rule(
        &mut self,
        rule: Rule,
        message: String,
        at: &Provenance,
        container: Option<&Container>,
    ) {
        self.add(rule, rule.level(), message, at, container);
    }
}

pub fn check(w: &Workload, out: &mut Vec<Finding>) {
    let mut sink = Sink { w, out };
    match &w.network.mode.value {
        NetworkMode::Host => sink.rule(
            Rule::HostNamespace,
            "uses the host's network namespace".into(),
            &w.network.mode.at,
            None,
        ),
        NetworkMode::Default
        | NetworkMode::None
        | NetworkMode::Service(_)
        | NetworkMode::Container(_) => {}
    }
    for (fact, what) in [(&w.host.pid, "PID"), (&w.host.ipc, "IPC")] {
        if let Some(f) = fact.as_ref().filter(|f| f.value) {
            sink.rule(
                Rule::HostNamespace,
                format!("uses the host's {what} namespace"),
                &f.at,
                None,
            );
        }
    }
    for note in &w.notes {
        // Notes (e.g. "ConfigMap not among the inputs") say what cinch cannot know; only
        // warnings say the manifest names something that does not exist.
        if note.code == Code::Unresolved && note.severity == Severity::Warning {
            sink.rule(
                Rule::UnresolvedReference,
                note.message.clone(),
                &note.at,
                None,
            );
        }
    }
    if w.kind.is_kubernetes() && w.managed_by.is_none() {
        match &w.service_account_token {
            Some(f) if !f.value => {}
            Some(f) => sink.rule(
                Rule::ServiceAccountToken,
                "mounts the service-account token (automountServiceAccountToken: true)".into(),
                &f.at,
                None,
            ),
            None => {
                let msg = "mounts the service-account token: automountServiceAccountToken is not set to false";
                sink.rule(Rule::ServiceAccountToken, msg.into(), &w.at, None);
            }
        }
    }
    for c in &w.containers {
        container(&mut sink, c);
    }
}

fn container(sink: &mut Sink<'_>, c: &Container) {
    let cc = Some(c);
    // image-not-pinned: the image run, and every base image built from.
    for image in c.image.iter().chain(c.base_images.iter()) {
        if !image.value.is_scratch() && !image.value.is_pinned() && !image.value.raw.is_empty() {
            let why = if image.value.tag.as_deref() == Some("latest") {
                "`latest`"
            } else {
                "no tag"
            };
            let msg = format!(
                "image `{}` is not pinned ({why}, no digest)",
                image.value.raw
            );
            sink.rule(Rule::ImageNotPinned, msg, &image.at, cc);
        } else if image.value.tag.is_some() && image.value.digest.is_none() {
            let msg = format!(
                "image `{}` is pinned by tag, not by digest",
                image.value.raw
            );
            sink.rule(Rule::ImageNotDigest, msg, &image.at, cc);
        }
    }
    dockerfile_user(sink, c);
    for run in &c.unsafe_pipes {
        let cmd: String = run.value.chars().take(60).collect();
        let more = if cmd.len() < run.value.len() {
            "…"
        } else {
            ""
        };
        sink.rule(
            Rule::ShellPipefail,
            format!("RUN `{cmd}{more}` pipes without pipefail"),
            &run.at,
            cc,
        );
    }

    let non_root = c.run_as_non_root.as_ref().is_some_and(|f| f.value);
    match (&c.user, non_root) {
        (_, true) => {}
        (Some(u), false) if u.value.is_root() == Some(true) => {
            sink.rule(
                Rule::RunsAsRoot,
                format!("runs as root (user `{}`)", u.value.spec),
                &u.at,
                cc,
            );
        }
        (Some(_), false) => {}
        (None, false) => {
            let msg = "declares no user, so it runs as the image's default user (root unless the image says otherwise)";
            let at = container_at(sink.w, cc);
            sink.rule(Rule::RunsAsRoot, msg.into(), &at, cc);
        }
    }

    // A lone Dockerfile cannot say how the container is run (no-new-privileges, a read-only
    // root are runtime settings): findings it cannot fix would only be noise.
    let runtime_declared = sink.w.kind != WorkloadKind::Dockerfile;
    if c.privileged.value {
        let msg = "runs privileged: every capability, every device, no seccomp or AppArmor";
        sink.rule(Rule::Privileged, msg.into(), &c.privileged.at, cc);
    } else if !c.no_new_privileges.value && runtime_declared {
        let msg = "does not disable privilege escalation (setuid binaries can gain privileges)";
        sink.rule(
            Rule::PrivilegeEscalation,
            msg.into(),
            &c.no_new_privileges.at,
            cc,
        );
    }

    dangerous_capabilities(sink, c);
    // `privileged` already says it all: every capability, no seccomp.
    if runtime_declared
        && !c.privileged.value
        && let Some(at) = c.capabilities.effective.get(&Capability::NetRaw)
        && at.location().is_none()
    {
        let msg = "keeps NET_RAW from the runtime's default set (raw and packet sockets)";
        sink.rule(Rule::NetRawNotDropped, msg.into(), at, cc);
    }
    if sink.w.kind.is_kubernetes() {
        kubernetes_container(sink, c);
    }

    for m in &c.mounts {
        let on_socket =
            |p: Option<&str>| p.is_some_and(|p| RUNTIME_SOCKETS.iter().any(|s| p.ends_with(s)));
        if on_socket(m.source.as_deref()) || on_socket(Some(&m.target)) {
            sink.rule(
                Rule::DockerSocket,
                format!("mounts the container runtime socket at {}", m.target),
                &m.at,
                cc,
            );
            continue;
        }
        let host_source = match m.kind {
            MountKind::HostPath => true,
            MountKind::Bind => m
                .source
                .as_deref()
                .is_some_and(|s| s.starts_with('/') || s.starts_with('~')),
            MountKind::Volume
            | MountKind::Tmpfs
            | MountKind::EmptyDir
            | MountKind::Secret
            | MountKind::Config
            | MountKind::Projected
            | MountKind::ImageVolume
            | MountKind::Other => false,
        };
        if host_source {
            let src = m.source.as_deref().unwrap_or("?");
            // Writable is worse: the container can change the host.
            let (level, how) = if m.read_only {
                (Level::Warning, "read-only")
            } else {
                (Level::Error, "writable")
            };
            sink.add(
                Rule::HostPathMount,
                level,
                format!("mounts host path {src} at {} ({how})", m.target),
                &m.at,
                cc,
            );
        }
    }

    if !c.read_only_root.value && runs_for_the_pods_life(c) && runtime_declared {
        sink.rule(
            Rule::WritableRootFilesystem,
            "root filesystem is writable".into(),
            &c.read_only_root.at,
            cc,
        );
    }

    for (name, fact) in &c.env {
        if let Some(why) = secret_in(name, fact) {
            sink.rule(
                Rule::SecretInEnv,
                format!("environment variable {name} {why}"),
                &fact.at,
                cc,
            );
        }
    }

    for (profile, what) in [(&c.seccomp, "seccomp"), (&c.apparmor, "AppArmor")] {
        if let Some(f) = profile {
            match &f.value {
                DeclaredProfile::Unconfined => {
                    sink.rule(
                        Rule::UnconfinedProfile,
                        format!("{what} is disabled (unconfined)"),
                        &f.at,
                        cc,
                    );
                }
                DeclaredProfile::RuntimeDefault | DeclaredProfile::Localhost(_) => {}
            }
        }
    }

    // A Job's pods run to completion: there is no health to check (as for init containers).
    let finishes = matches!(sink.w.kind, WorkloadKind::Job | WorkloadKind::CronJob);
    if runs_for_the_pods_life(c) && !finishes {
        no_healthcheck(sink, c);
    }
}

/// Settings only a Kubernetes manifest has: the seccomp profile (Kubernetes runs containers
/// unconfined by default, Docker does not) and resource limits.
fn kubernetes_container(sink: &mut Sink<'_>, c: &Container) {
    if c.seccomp.is_none() && !c.privileged.value {
        let msg = "sets no seccomp profile, so it runs unconfined (`cinch generate --wire` sets the one cinch writes)";
        let at = container_at(sink.w, Some(c));
        sink.rule(Rule::NoSeccompProfile, msg.into(), &at, Some(c));
    }
    let missing: Vec<&str> = [("memory", &c.limits.memory), ("cpu", &c.limits.cpu)]
        .into_iter()
        .filter(|(_, f)| f.is_none())
        .map(|(what, _)| what)
        .collect();
    // Init containers too: the pod's bound while they run is theirs.
    if !missing.is_empty() {
        let msg = format!("has no {} limit", missing.join(" or "));
        let at = container_at(sink.w, Some(c));
        sink.rule(Rule::NoResourceLimits, msg, &at, Some(c));
    }
}

/// The user an image's `USER` names without an id: `runAsNonRoot` cannot check it.
fn dockerfile_user(sink: &mut Sink<'_>, c: &Container) {
    let Some(user) = &c.user else { return };
    let from_dockerfile = user.at.location().is_some_and(|l| &*l.field == "USER");
    if from_dockerfile && user.value.uid.is_none() && user.value.is_root() != Some(true) {
        sink.rule(
            Rule::UserByName,
            format!(
                "USER `{}` names the user without its numeric id",
                user.value.spec
            ),
            &user.at,
            Some(c),
        );
    }
}

/// Main containers and sidecars serve for the workload's life; an init container only runs
/// to completion before them.
fn runs_for_the_pods_life(c: &Container) -> bool {
    match c.role {
        ContainerRole::Main | ContainerRole::Sidecar => true,
        ContainerRole::Init => false,
    }
}

fn container_at(w: &Workload, c: Option<&Container>) -> Provenance {
    c.and_then(|c| {
        c.image
            .as_ref()
            .map(|i| i.at.clone())
            .or_else(|| c.build.as_ref().map(|b| b.at.clone()))
    })
    .filter(|p| p.location().is_some())
    .unwrap_or_else(|| w.at.clone())
}

fn dangerous_capabilities(sink: &mut Sink<'_>, c: &Container) {
    // Capabilities added by one entry (`cap_add: [ALL]`) share its provenance.
    let mut by_source: BTreeMap<&Provenance, Vec<Capability>> = BTreeMap::new();
    for (cap, at) in &c.capabilities.effective {
        if at.location().is_some() {
            by_source.entry(at).or_default().push(*cap);
        }
    }
    for (at, caps) in by_source {
        if caps.len() > 1 {
            sink.rule(
                Rule::DangerousCapability,
                format!("adds ALL capabilities ({} after drops)", caps.len()),
                at,
                Some(c),
            );
            continue;
        }
        for cap in caps {
            if DANGEROUS.contains(&cap) {
                let msg = format!("adds capability {cap}");
                sink.rule(Rule::DangerousCapability, msg, at, Some(c));
            } else if !RUNTIME_DEFAULT.contains(&cap) {
                let msg = format!("adds capability {cap}, beyond the runtime's default set");
                sink.rule(Rule::AddedCapability, msg, at, Some(c));
            }
        }
    }
}

/// Why an environment entry leaks a secret, if it does.
fn secret_in(name: &str, fact: &Fact<EnvValue>) -> Option<String> {
    let EnvValue::Literal { value } = &fact.value else {
        return None;
    };
    if value.is_empty() {
        return None;
    }
    let upper = name.to_ascii_uppercase();
    // `*_FILE` names a file holding the secret, which is the recommended way; `*_SECRET_NAME`
    // and the like name a secret held elsewhere (a Kubernetes Secret, a vault path); a yes/no
    // value is a switch (`MYSQL_RANDOM_ROOT_PASSWORD=yes`), not a password.
    let names_a_secret = NOT_A_SECRET_SUFFIXES.iter().any(|s| upper.ends_with(s));
    let switch = matches!(
        value.to_ascii_lowercase().as_str(),
        "yes" | "no" | "true" | "false" | "on" | "off" | "0" | "1"
    );
    let by_name = SECRET_NAMES.iter().any(|s| upper.contains(s))
        && !names_a_secret
        && !switch
        && !value.starts_with('/');
    if by_name {
        return Some("holds a literal secret value".into());
    }
    // Credentials inside a URL: scheme://user:password@host
    let (_, rest) = value.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let (userinfo, _) = authority.rsplit_once('@')?;
    let (_, password) = userinfo.split_once(':')?;
    (!password.is_empty()).then(|| "holds a URL with a literal password".into())
}

fn no_healthcheck(sink: &mut Sink<'_>, c: &Container) {
    let checks: Vec<_> = c
        .probes
        .iter()
        .filter(|p| {
            matches!(
                p.role,
                ProbeRole::Healthcheck
                    | ProbeRole::Liveness
                    | ProbeRole::Readiness
                    | ProbeRole::Startup
            )
        })
        .collect();
    if let Some(disabled) = checks.iter().find(|p| p.action == ProbeAction::Disabled) {
        sink.rule(
            Rule::NoHealthcheck,
            "healthcheck is disabled".into(),
            &disabled.at,
            Some(c),
        );
    } else if checks.is_empty() {
        let what = if sink.w.kind.is_kubernetes() {
            "no liveness or readiness probe"
        } else {
            "no healthcheck"
        };
        let at = container_at(sink.w, Some(c));
        sink.rule(Rule::NoHealthcheck, what.into(), &at, Some(c));
    }
}
