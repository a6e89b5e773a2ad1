//! What the API server makes of the fields cinch reads: its defaulting, applied before a
//! field is validated, and its validation rules, so that cinch accepts what a cluster
//! accepts, with the same meaning, and rejects what it rejects (issue 16). Each rule names
//! its source in kubernetes/kubernetes (1.34):
//!
//! - `pkg/apis/core/v1/defaults.go`:
//!   - `SetDefaults_Service`: a port's `protocol` "" → TCP; `targetPort` unset, `0` or `""`
//!     → the port's `port` (a Helm chart's headless Service writes `targetPort: 0`).
//!   - `SetDefaults_PodSpec`: `restartPolicy` "" → Always (templates too).
//!   - `SetDefaults_Pod` → `defaultHostNetworkPorts`: with `hostNetwork`, a port's
//!     `hostPort` 0 → its `containerPort` (every pod a template makes is a Pod).
//!   - `SetDefaults_Volume`: a volume that names no source is an emptyDir.
//!   - `SetDefaults_HTTPGetAction`: `path` "" → "/".
//! - `ContainerPort.Protocol` is `+default="TCP"` (`staging/src/k8s.io/api/core/v1/types.go`,
//!   applied by `zz_generated.defaults.go`).
//! - `pkg/apis/apps/v1/defaults.go` and `pkg/apis/batch/v1/defaults.go` default only
//!   replicas, strategies, history limits, completions and the like: nothing cinch reads.
//!
//! The validation rules are those of `pkg/apis/core/validation/validation.go`
//! (`validateContainerPorts`, `validateServicePort`, `ValidatePortNumOrName`,
//! `validateRestartPolicy`, `validateInitContainers`, `validateInitContainerRestartPolicy`,
//! `validateContainerCommon`, `validatePodHostNetworkDeps`), `pkg/apis/apps/validation`
//! (`ValidatePodTemplateSpecForReplicaSet`: Deployments, ReplicaSets, StatefulSets,
//! DaemonSets, and `ValidatePodTemplateSpecForRC`: only `restartPolicy: Always`) and
//! `pkg/apis/batch/validation` (`validateJobSpec`: only OnFailure or Never).

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::intent::{Protocol, WorkloadKind};

/// A Service port's `targetPort`, after `SetDefaults_Service`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Target<'a> {
    /// Unset, `0` or `""`: the Service port itself.
    SamePort,
    Number(i32),
    Name(&'a str),
}

pub(crate) fn target_port(t: Option<&IntOrString>) -> Target<'_> {
    match t {
        None | Some(IntOrString::Int(0)) => Target::SamePort,
        Some(IntOrString::String(s)) if s.is_empty() => Target::SamePort,
        Some(IntOrString::Int(n)) => Target::Number(*n),
        Some(IntOrString::String(s)) => Target::Name(s),
    }
}

/// A Service or container port's `protocol`: unset or `""` is TCP; otherwise exactly
/// `TCP`, `UDP` or `SCTP` (`supportedPortProtocols`: the comparison is case-sensitive, so
/// `tcp` is rejected).
pub(crate) fn protocol(p: Option<&str>) -> Result<Protocol, String> {
    match p.unwrap_or("") {
        "" | "TCP" => Ok(Protocol::Tcp),
        "UDP" => Ok(Protocol::Udp),
        "SCTP" => Ok(Protocol::Sctp),
        other => {
            let hint = Protocol::parse(other)
                .map(|p| format!(" (write `{}`)", p.name().to_ascii_uppercase()))
                .unwrap_or_default();
            Err(format!(
                "`{}` is not a supported protocol: the API server accepts TCP, UDP or SCTP, in capitals{hint}",
                other.escape_debug()
            ))
        }
    }
}

/// A port number field where 0 means "not set" (`hostPort`, `nodePort`): `Ok(None)` for 0.
pub(crate) fn optional_port(n: Option<i32>) -> Option<i32> {
    n.filter(|&n| n != 0)
}

/// The pod's `restartPolicy`, defaulted to Always, checked against what the owning kind
/// allows. `Err` holds the message.
pub(crate) fn pod_restart_policy(kind: WorkloadKind, p: Option<&str>) -> Result<&str, String> {
    let value = p.filter(|s| !s.is_empty()).unwrap_or("Always");
    if !matches!(value, "Always" | "OnFailure" | "Never") {
        return Err(format!(
            "`{}` is not a restart policy (Always, OnFailure or Never)",
            value.escape_debug()
        ));
    }
    match kind {
        WorkloadKind::Job | WorkloadKind::CronJob if value == "Always" => Err(if p.is_none() {
            // `validateJobSpec`: the default, Always, is rejected for a Job's pods.
            "a Job's pod template needs restartPolicy OnFailure or Never (the default, Always, is rejected for Jobs)".to_owned()
        } else {
            "a Job's pods may only have restartPolicy OnFailure or Never".to_owned()
        }),
        WorkloadKind::Deployment
        | WorkloadKind::StatefulSet
        | WorkloadKind::DaemonSet
        | WorkloadKind::ReplicaSet
        | WorkloadKind::ReplicationController
            if value != "Always" =>
        {
            Err(format!(
                "a {kind:?}'s pods may only have restartPolicy Always, not {value}"
            ))
        }
        WorkloadKind::Pod
        | WorkloadKind::Job
        | WorkloadKind::CronJob
        | WorkloadKind::Deployment
        | WorkloadKind::StatefulSet
        | WorkloadKind::DaemonSet
        | WorkloadKind::ReplicaSet
        | WorkloadKind::ReplicationController
        | WorkloadKind::ComposeService
        | WorkloadKind::Dockerfile => Ok(value),
    }
}

/// An init container's `restartPolicy`: unset, a plain init container (`Ok(false)`);
/// `Always`, a sidecar that runs for the pod's life (`Ok(true)`). Nothing else is accepted
/// (`validateInitContainerRestartPolicy`; the alpha gate ContainerRestartRules is off by
/// default in 1.34).
pub(crate) fn init_restart_policy(p: Option<&str>) -> Result<bool, String> {
    match p {
        None => Ok(false),
        Some("Always") => Ok(true),
        Some(other) => Err(format!(
            "`{}` is not supported for an init container: only Always (a sidecar), or leave it out",
            other.escape_debug()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_port_defaults_to_port() {
        assert_eq!(target_port(None), Target::SamePort);
        assert_eq!(target_port(Some(&IntOrString::Int(0))), Target::SamePort);
        let empty = IntOrString::String(String::new());
        assert_eq!(target_port(Some(&empty)), Target::SamePort);
        assert_eq!(
            target_port(Some(&IntOrString::Int(8080))),
            Target::Number(8080)
        );
        let named = IntOrString::String("http".into());
        assert_eq!(target_port(Some(&named)), Target::Name("http"));
    }

    #[test]
    fn protocols_are_capitalized() {
        assert_eq!(protocol(None), Ok(Protocol::Tcp));
        assert_eq!(protocol(Some("")), Ok(Protocol::Tcp));
        assert_eq!(protocol(Some("UDP")), Ok(Protocol::Udp));
        assert_eq!(protocol(Some("SCTP")), Ok(Protocol::Sctp));
        let e = protocol(Some("udp")).unwrap_err();
        assert!(e.contains("write `UDP`"), "{e}");
        assert!(protocol(Some("QUIC")).is_err());
    }

    #[test]
    fn restart_policies_per_kind() {
        assert_eq!(pod_restart_policy(WorkloadKind::Pod, None), Ok("Always"));
        assert_eq!(
            pod_restart_policy(WorkloadKind::Pod, Some("Never")),
            Ok("Never")
        );
        assert!(pod_restart_policy(WorkloadKind::Pod, Some("always")).is_err());
        assert!(pod_restart_policy(WorkloadKind::Deployment, Some("OnFailure")).is_err());
        assert_eq!(
            pod_restart_policy(WorkloadKind::StatefulSet, None),
            Ok("Always")
        );
        let e = pod_restart_policy(WorkloadKind::Job, None).unwrap_err();
        assert!(e.contains("needs restartPolicy OnFailure or Never"), "{e}");
        assert!(pod_restart_policy(WorkloadKind::CronJob, Some("Always")).is_err());
        assert_eq!(
            pod_restart_policy(WorkloadKind::Job, Some("Never")),
            Ok("Never")
        );
        assert_eq!(init_restart_policy(None), Ok(false));
        assert_eq!(init_restart_policy(Some("Always")), Ok(true));
        assert!(init_restart_policy(Some("OnFailure")).is_err());
        assert_eq!(optional_port(Some(0)), None);
        assert_eq!(optional_port(Some(80)), Some(80));
    }
}
