//! The NetworkPolicy backend: one `networking.k8s.io/v1` NetworkPolicy per workload that
//! allows exactly the connections the manifests declare, and nothing else.
//!
//! `plan` turns the model into per-workload plans (endpoints and ports, each with reasons,
//! plus notes for what a NetworkPolicy cannot express), with `identity` (who a workload is
//! on the network) and `edges` (declared connections → rules); `build` makes typed
//! k8s-openapi objects of them; `render` writes YAML with a comment per rule. Output:
//! `networkpolicy/<workload stem>.yaml`, and with `--default-deny`
//! `networkpolicy/default-deny/<namespace>.yaml` (a directory, so it cannot collide with a
//! workload's file).

mod admitted;
mod build;
mod edges;
mod identity;
mod labels;
mod plan;
mod render;
mod selector;
pub mod undeclared;

use std::collections::{BTreeMap, BTreeSet};

pub use build::{Direction, MANAGED_BY, NAMESPACE_NAME_LABEL, Policy, RuleDoc};
pub use plan::{Endpoint, Plan, PortKey, Reason};
pub use render::comment_safe;
pub use selector::{DnsChoice, DnsTarget, PeerSpec};
pub use undeclared::{App, Undeclared};

use crate::diag::{Code, Diagnostic, Diagnostics, Severity};
use crate::intent::{Model, WorkloadKind};
use crate::output::{Naming, OutputTree, sanitize};

/// A label key as the API server checks it (`--compose-label`).
pub fn label_key(k: &str) -> Result<(), String> {
    labels::key(k)
}

/// The label cinch gives Compose services' pods by default: `kompose convert` labels the
/// pods it makes `io.kompose.service: <service>`.
pub const DEFAULT_COMPOSE_LABEL: &str = "io.kompose.service";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Who may reach published ports (`--ingress-from`); empty: anywhere.
    pub ingress_from: Vec<PeerSpec>,
    /// Where name lookups go (`--dns`); empty: no DNS rule.
    pub dns: Vec<DnsTarget>,
    /// One deny-all policy per namespace (`--default-deny`).
    pub default_deny: bool,
    /// The pod label that selects a Compose service (`--compose-label`).
    pub compose_label: String,
    /// What undeclared intent allows (`--undeclared`).
    pub undeclared: Undeclared,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            ingress_from: Vec::new(),
            dns: vec![DnsTarget::kube_dns()],
            default_deny: false,
            compose_label: DEFAULT_COMPOSE_LABEL.to_owned(),
            undeclared: Undeclared::default(),
        }
    }
}

impl Options {
    /// From the command line's `--dns` arguments: none given → kube-dns; `none` alone → no
    /// DNS rule; `none` with a target is a contradiction.
    pub fn dns_from(choices: &[DnsChoice]) -> Result<Vec<DnsTarget>, String> {
        if choices.is_empty() {
            return Ok(vec![DnsTarget::kube_dns()]);
        }
        let mut targets = Vec::new();
        let mut none = false;
        for c in choices {
            match c {
                DnsChoice::None => none = true,
                DnsChoice::Target(t) => targets.push(t.clone()),
            }
        }
        if none && !targets.is_empty() {
            return Err("--dns none cannot be combined with a DNS target".into());
        }
        targets.sort();
        targets.dedup();
        Ok(targets)
    }
}

/// Every policy the model yields, typed, with the plans they come from (for `explain`).
#[derive(Clone, Debug, Default)]
pub struct Policies {
    pub plans: Vec<Plan>,
    /// What each application leaves undeclared.
    pub apps: Vec<App>,
    pub policies: Vec<Policy>,
    /// `--default-deny`: per namespace (`None`: Compose projects, which name none).
    pub default_deny: Vec<(
        Option<String>,
        k8s_openapi::api::networking::v1::NetworkPolicy,
    )>,
}

/// The plans that get a policy, each with its object name, in plan order.
fn named<'a>(model: &Model, plans: &'a [plan::Plan]) -> Vec<(&'a plan::Plan, String)> {
    // metadata.name must be unique per namespace: `cinch-<name>`, then `-2`, `-3`, … for
    // names that only differ in characters a Kubernetes name cannot hold.
    let mut taken: BTreeSet<(Option<String>, String)> = BTreeSet::new();
    let mut out = Vec::new();
    for plan in plans {
        let Some(w) = model.workload(&plan.workload) else {
            continue;
        };
        if plan.skip.is_some() {
            continue;
        }
        let ns = (w.kind != WorkloadKind::ComposeService).then(|| w.namespace.clone());
        let base = build::policy_name(&w.name);
        let name = std::iter::once(base.clone())
            .chain((2..).map(|i| format!("{base}-{i}")))
            .find(|n| taken.insert((ns.clone(), n.clone())))
            .expect("an unused name exists");
        out.push((plan, name));
    }
    out
}

/// With `--default-deny`: every namespace a pod of the inputs runs in, also one whose
/// workloads got no policy of their own (no labels): the deny-all covers them.
fn default_deny(
    model: &Model,
    opts: &Options,
) -> Vec<(
    Option<String>,
    k8s_openapi::api::networking::v1::NetworkPolicy,
)> {
    if !opts.default_deny {
        return Vec::new();
    }
    let namespaces: BTreeSet<Option<String>> = model
        .workloads
        .iter()
        .filter(|w| w.kind != WorkloadKind::Dockerfile)
        .map(|w| (w.kind != WorkloadKind::ComposeService).then(|| w.namespace.clone()))
        .collect();
    namespaces
        .into_iter()
        .map(|ns| {
            let object = build::default_deny(ns.as_deref());
            (ns, object)
        })
        .collect()
}

pub fn policies(model: &Model, opts: &Options) -> Policies {
    let (plans, apps) = plan::plan(model, opts);
    let policies = named(model, &plans)
        .into_iter()
        .filter_map(|(plan, name)| build::policy(model, plan, name))
        .collect();
    let default_deny = default_deny(model, opts);
    Policies {
        plans,
        apps,
        policies,
        default_deny,
    }
}

/// Render every policy into `tree` and report the notes that are this backend's own.
pub fn emit(
    model: &Model,
    opts: &Options,
    naming: &Naming,
    tree: &mut OutputTree,
    diags: &mut Diagnostics,
) {
    let (plans, apps) = plan::plan(model, opts);
    for plan in &plans {
        for n in plan.notes.iter().filter(|n| n.code == Code::NetworkPolicy) {
            diags.push(n.at.diagnostic(n.severity, n.code, n.message.clone()));
        }
    }
    for a in &apps {
        diags.push(a.at.diagnostic(
            Severity::Warning,
            Code::UndeclaredConnection,
            a.message(model, opts.undeclared),
        ));
    }
    // Each policy is built, rendered and dropped at once (10,000 policies are never all in
    // memory), in parallel chunks merged in plan order.
    let named = named(model, &plans);
    let _ = super::in_chunks(&named, tree, diags, |(plan, name), tree, diags| {
        let Some(p) = build::policy(model, plan, name.clone()) else {
            return Ok::<(), std::convert::Infallible>(());
        };
        match render::policy_file(&p) {
            Ok(bytes) => tree.insert(
                "networkpolicy",
                &format!("{}.yaml", naming.workload(&p.workload)),
                bytes,
            ),
            Err(e) => diags.push(Diagnostic::new(
                Severity::Error,
                Code::Output,
                "<output>",
                0,
                format!("networkpolicy for {}: {e}", p.workload),
            )),
        }
        Ok(())
    });
    let mut stems: BTreeMap<String, usize> = BTreeMap::new();
    for (ns, object) in &default_deny(model, opts) {
        // `_compose` cannot be a namespace (a DNS label has no `_`).
        let stem = sanitize(ns.as_deref().unwrap_or("_compose"));
        let n = stems.entry(stem.to_ascii_lowercase()).or_default();
        *n += 1;
        let stem = if *n == 1 { stem } else { format!("{stem}~{n}") };
        match render::deny_file(object, ns.as_deref()) {
            Ok(bytes) => tree.insert("networkpolicy/default-deny", &format!("{stem}.yaml"), bytes),
            Err(e) => diags.push(Diagnostic::new(
                Severity::Error,
                Code::Output,
                "<output>",
                0,
                format!("default-deny policy: {e}"),
            )),
        }
    }
}
