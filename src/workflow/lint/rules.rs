//! The lint rules: each with a stable id, a default level, a one-line description and help
//! text with the fix. The list is snapshotted by a test (like diagnostic codes): ids are
//! what users write in `--deny` and in suppressions, so they never change.

use serde::Serialize;

/// How bad a finding is. `error` findings fail `cinch lint` by default; `--deny warnings`
/// fails on warnings too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Note,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        }
    }
}

macro_rules! rules {
    ($($variant:ident = $id:literal, $level:ident, $short:literal, $help:literal;)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule { $($variant,)* }

        impl Rule {
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];

            pub fn id(self) -> &'static str {
                match self { $(Rule::$variant => $id,)* }
            }

            pub fn level(self) -> Level {
                match self { $(Rule::$variant => Level::$level,)* }
            }

            pub fn short(self) -> &'static str {
                match self { $(Rule::$variant => $short,)* }
            }

            pub fn help(self) -> &'static str {
                match self { $(Rule::$variant => $help,)* }
            }

            /// `ImageNotPinned`: SARIF's `name`.
            pub fn name(self) -> &'static str {
                match self { $(Rule::$variant => stringify!($variant),)* }
            }

            pub fn from_id(id: &str) -> Option<Rule> {
                Rule::ALL.iter().copied().find(|r| r.id() == id)
            }
        }
    };
}

rules! {
    ImageNotPinned = "image-not-pinned", Warning,
        "image is not pinned to a version or digest",
        "Pin a release tag (nginx:1.27) or, better, a digest (nginx@sha256:…): `latest` or no tag means a different image — and a different profile — on every pull.";
    RunsAsRoot = "runs-as-root", Warning,
        "container runs as root",
        "Run as an unprivileged user: `USER 1000` in the Dockerfile, `user: \"1000:1000\"` in Compose, `runAsNonRoot: true` and `runAsUser` in Kubernetes.";
    Privileged = "privileged", Error,
        "container is privileged",
        "Remove `privileged: true`: it grants every capability and all devices and disables seccomp and AppArmor. Add only the capabilities and devices the workload needs.";
    PrivilegeEscalation = "privilege-escalation", Warning,
        "privilege escalation is not disabled",
        "Set `allowPrivilegeEscalation: false` (Kubernetes) or `security_opt: [no-new-privileges:true]` (Compose) so setuid binaries cannot gain privileges.";
    DangerousCapability = "dangerous-capability", Error,
        "a dangerous capability is added",
        "Do not add SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE, DAC_READ_SEARCH, BPF, PERFMON or ALL: each is close to root on the host. Drop ALL and add back only what the workload needs.";
    HostNamespace = "host-namespace", Error,
        "container shares a host namespace",
        "Remove host networking/PID/IPC (`network_mode: host`, `pid: host`, `hostNetwork`, `hostPID`, `hostIPC`): they expose the host's network stack and processes, and NetworkPolicies do not apply to host-network pods.";
    HostPathMount = "host-path-mount", Warning,
        "a host path is mounted",
        "Prefer volumes, ConfigMaps or Secrets over host paths; if a host path is needed, mount it read-only and as narrow as possible. A writable host path lets the container change the host.";
    DockerSocket = "docker-socket", Error,
        "the container runtime socket is mounted",
        "Do not mount docker.sock/containerd.sock: whoever can talk to the runtime can start a privileged container, i.e. is root on the host.";
    WritableRootFilesystem = "writable-root-filesystem", Warning,
        "root filesystem is writable",
        "Set `read_only: true` (Compose) or `readOnlyRootFilesystem: true` (Kubernetes) and mount tmpfs/emptyDir where the program must write.";
    SecretInEnv = "secret-in-env", Error,
        "a secret is written as a plain environment value",
        "Use Compose `secrets:` / a `*_FILE` variable, or Kubernetes `valueFrom.secretKeyRef`, instead of a literal password or token in the manifest.";
    UnconfinedProfile = "unconfined-profile", Error,
        "seccomp or AppArmor is disabled",
        "Remove `seccomp=unconfined`/`apparmor=unconfined` (`type: Unconfined`); use cinch's generated profile or the runtime default.";
    NoHealthcheck = "no-healthcheck", Note,
        "no healthcheck or probe",
        "Declare a HEALTHCHECK / `healthcheck:` / liveness and readiness probes so failures are detected and traffic is only sent to ready containers.";
    NoSeccompProfile = "no-seccomp-profile", Warning,
        "no seccomp profile is set, so Kubernetes runs the container unconfined",
        "Run `cinch generate --wire`: the wired manifest sets `seccompProfile: {type: Localhost, localhostProfile: …}` to the profile cinch writes for each container. At least set `securityContext.seccompProfile.type: RuntimeDefault` on the pod. (Docker and Compose apply the runtime's default profile unless told otherwise.)";
    ServiceAccountToken = "service-account-token", Note,
        "the service-account token is mounted into the pod",
        "Set `automountServiceAccountToken: false` on the pod (or its ServiceAccount) unless the program talks to the Kubernetes API: a mounted token lets anyone who takes over the container act as the pod's ServiceAccount.";
    NetRawNotDropped = "net-raw-not-dropped", Warning,
        "NET_RAW is not dropped",
        "Drop it: `cap_drop: [ALL]` or `[NET_RAW]` (Compose), `securityContext.capabilities.drop: [ALL]` (Kubernetes). The runtime grants NET_RAW by default; it allows raw and packet sockets (spoofing, ARP tricks), which servers do not need. cinch's profiles deny those sockets once it is dropped.";
    AddedCapability = "added-capability", Warning,
        "a capability beyond the runtime's default is added",
        "Check the program needs it, and say why with `x-cinch: {allow: [{rule: added-capability, reason: …}]}` or `cinch.dev/allow`. Capabilities such as SYS_TIME (the host's clock) and IPC_LOCK reach past the container; each one also widens the seccomp profile cinch writes.";
    NoResourceLimits = "no-resource-limits", Warning,
        "no memory or CPU limit",
        "Set `resources.limits.memory` and `resources.limits.cpu` on the container: without them one container can starve its node (the denial-of-service half of least privilege).";
    ImageNotDigest = "image-not-digest", Note,
        "image is pinned by tag, not by digest",
        "Pin the digest as well (`nginx:1.27@sha256:…`): a tag can be moved to another image, and with it the behaviour the profile was written for.";
    ShellPipefail = "shell-pipefail", Warning,
        "a RUN pipeline hides failures (no pipefail)",
        "Start the stage with `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` (or write `set -o pipefail;` in the RUN): without it `curl … | tar x` succeeds when curl fails, and the image is built broken (hadolint DL4006).";
    UserByName = "user-by-name", Warning,
        "the image's USER is a name without a numeric id",
        "Write the numeric id (`USER 10001` or `USER 10001:10001`, created with that id): Kubernetes `runAsNonRoot` cannot verify a name and refuses to start the pod, and a name means a different id in another base image (hadolint DL3066).";
    UndeclaredConnection = "undeclared-connection", Warning,
        "a connection is undeclared: nothing says who reaches a Service port, or whom a workload calls",
        "Declare who calls whom: a reference in env, args or a ConfigMap (`DETAILS_URL: http://details:9080`; Compose `depends_on`), explicit intent (`cinch.dev/egress: details:9080`, `x-cinch: {egress: [details:9080]}`), or a custom resource cinch reads (ServiceMonitor/PodMonitor, Istio or Linkerd AuthorizationPolicy, APIService). Until then `cinch generate` opens such connections within the namespace (`--undeclared namespace`); `--undeclared deny` makes the policies exact.";
    UnresolvedReference = "unresolved-reference", Warning,
        "a reference names no service of the inputs",
        "Fix the host name, add the missing manifest to the inputs, or declare the external destination with `x-cinch: {egress: [host:port]}` / `cinch.dev/egress`.";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_list_is_stable() {
        let list: String = Rule::ALL
            .iter()
            .map(|r| format!("{:<26} {:<8} {}\n", r.id(), r.level().name(), r.short()))
            .collect();
        crate::assert_snap!("lint_rules", list);
    }
}
