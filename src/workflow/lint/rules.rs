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
