//! Who a workload is on the network: the pods whose network namespace carries its traffic
//! (its owner), and the labels that select them. Both can fail, and the reason is what the
//! user reads: host networking, a shared namespace outside the inputs, no labels.

use std::collections::BTreeMap;

use crate::intent::{Model, NetworkMode, Workload, WorkloadKind};

use super::Options;
use super::labels;

/// The label the Job controller puts on every pod it creates (Kubernetes docs, "Jobs: Job
/// labels", 1.27+).
const JOB_NAME_LABEL: &str = "batch.kubernetes.io/job-name";

/// The workload whose pods carry `model.workloads[i]`'s traffic: itself, or the Compose
/// service whose network namespace it shares (`network_mode: service:X`). `Err` says why no
/// pod selector can stand for it.
pub fn owner(model: &Model, i: usize) -> Result<usize, String> {
    let w = &model.workloads[i];
    match &w.network.mode.value {
        NetworkMode::Default | NetworkMode::None => Ok(i),
        // Kubernetes docs, "Network Policies": a hostNetwork pod's traffic is the node's, and
        // what a policy does with it is undefined (most plugins cannot tell it apart).
        NetworkMode::Host => Err(format!(
            "{} uses host networking (its traffic is the node's, which no pod selector matches)",
            w.id
        )),
        NetworkMode::Service(name) => model
            .workloads
            .iter()
            .position(|x| {
                x.kind == WorkloadKind::ComposeService
                    && x.scope == w.scope
                    && x.namespace == w.namespace
                    && x.name == *name
                    && matches!(x.network.mode.value, NetworkMode::Default | NetworkMode::None)
            })
            .ok_or_else(|| {
                format!(
                    "{} shares the network namespace of service `{name}`, which is not among the inputs",
                    w.id
                )
            }),
        NetworkMode::Container(name) => Err(format!(
            "{} shares the network namespace of container `{name}`, which is not among the inputs",
            w.id
        )),
    }
}

/// The labels that select a workload's pods, checked as the API server checks them.
pub fn selector(w: &Workload, opts: &Options) -> Result<BTreeMap<String, String>, String> {
    let labels = match w.kind {
        WorkloadKind::Dockerfile => {
            return Err(format!("{} is a lone Dockerfile, not a pod", w.id));
        }
        WorkloadKind::ComposeService => [(opts.compose_label.clone(), w.name.clone())]
            .into_iter()
            .collect(),
        // A Job whose template has no labels is still selectable by the controller's label.
        // A CronJob's Jobs have generated names, so its unlabelled pods are not.
        WorkloadKind::Job if w.labels.is_empty() => [(JOB_NAME_LABEL.to_owned(), w.name.clone())]
            .into_iter()
            .collect(),
        WorkloadKind::Pod
        | WorkloadKind::Deployment
        | WorkloadKind::StatefulSet
        | WorkloadKind::DaemonSet
        | WorkloadKind::ReplicaSet
        | WorkloadKind::ReplicationController
        | WorkloadKind::Job
        | WorkloadKind::CronJob => w.labels.clone(),
    };
    if labels.is_empty() {
        // An empty podSelector selects every pod of the namespace: never stand in for one.
        return Err(format!("{} has no pod labels to select it by", w.id));
    }
    labels::selector(&labels).map_err(|m| format!("{}: {m}", w.id))?;
    Ok(labels)
}

/// Why workload `i` gets no policy of its own, if it gets none.
pub fn skip(
    model: &Model,
    i: usize,
    owner: &Result<usize, String>,
    selector: Result<&BTreeMap<String, String>, &str>,
) -> Option<String> {
    let w = &model.workloads[i];
    match (owner, selector) {
        _ if w.kind == WorkloadKind::Dockerfile => {
            Some("a lone Dockerfile is not a pod; deploy it with Compose or Kubernetes".to_owned())
        }
        (Err(why), _) => Some(format!("{why}; a NetworkPolicy cannot confine it")),
        // The operator's pods reach the API server (discovery, leader election), which no
        // NetworkPolicy can name reliably; they are peers of the others' rules, not policed.
        (Ok(_), Ok(_)) if w.managed_by.is_some() => Some(format!(
            "its pods are made by {}; cinch selects them as peers of other policies but writes none for them",
            w.managed_by.as_ref().map_or("", |m| m.value.as_str())
        )),
        (Ok(o), _) if *o != i => Some(format!(
            "it shares the network namespace of {}; its connections are allowed in that workload's policy",
            model.workloads[*o].id
        )),
        (Ok(_), Err(why)) => Some(format!("{why}; a NetworkPolicy cannot select it")),
        (Ok(_), Ok(_)) => None,
    }
}
