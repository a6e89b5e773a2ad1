//! Prometheus Operator resources (`monitoring.coreos.com/v1`, CRDs in
//! `testdata/crds/prometheus-operator/`):
//!
//! - `ServiceMonitor`: the Prometheus pods that select it scrape the `endpoints` of the
//!   Services its `selector` picks (in its own namespace, or `namespaceSelector`), on the
//!   Service port named `port` or the container port `targetPort`;
//! - `PodMonitor`: the same for pods, on the container port named `port` (or `portNumber`);
//! - `Prometheus`, `Alertmanager`: the operator makes a StatefulSet `prometheus-<name>` /
//!   `alertmanager-<name>` whose pods carry `podMetadata.labels` plus the operator's own
//!   selector labels, and listen where the operator's code puts them (`pkg/prometheus`,
//!   `pkg/alertmanager`, `pkg/operator/config_reloader.go`): prometheus `web` 9090,
//!   alertmanager `web` 9093 and `mesh-tcp`/`mesh-udp` 9094, the config reloader
//!   `reloader-web` 8080 (the web ports only without `listenLocal`). A Prometheus' pods also
//!   call the Alertmanagers of `alerting.alertmanagers`.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    LabelSelector as K8sLabelSelector, ObjectMeta,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::{Deserialize, Serialize};

use crate::diag::Code;
use crate::intent::{
    Container, ContainerRole, Fact, Fragment, Grant, GrantFrom, GrantKind, GrantPort, GrantPortRef,
    GrantSource, GrantTarget, ImageRef, Listen, ListenOrigin, MonitorSelection, Namespaces,
    Protocol, Provenance, Scraper, Workload, WorkloadKind,
};
use crate::yaml::Node;

use super::{Ctx, Loc, decode, identity, selector};

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct PromServiceMonitor {
    pub metadata: ObjectMeta,
    pub spec: PromServiceMonitorSpec,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct PromServiceMonitorSpec {
    pub selector: K8sLabelSelector,
    pub namespace_selector: Option<PromNamespaceSelector>,
    pub endpoints: Vec<PromEndpoint>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct PromNamespaceSelector {
    pub any: Option<bool>,
    pub match_names: Option<Vec<String>>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct PromEndpoint {
    /// The Service port's name.
    pub port: Option<String>,
    /// A container port (deprecated in favour of `port`, still honoured).
    pub target_port: Option<IntOrString>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct PromPodMonitor {
    pub metadata: ObjectMeta,
    pub spec: PromPodMonitorSpec,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct PromPodMonitorSpec {
    pub selector: K8sLabelSelector,
    pub namespace_selector: Option<PromNamespaceSelector>,
    pub pod_metrics_endpoints: Vec<PromPodMetricsEndpoint>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct PromPodMetricsEndpoint {
    /// The container port's name.
    pub port: Option<String>,
    pub port_number: Option<i32>,
    pub target_port: Option<IntOrString>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct PromPrometheus {
    pub metadata: ObjectMeta,
    pub spec: PromPrometheusSpec,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct PromPrometheusSpec {
    pub pod_metadata: Option<PromEmbeddedMetadata>,
    pub service_monitor_selector: Option<K8sLabelSelector>,
    pub service_monitor_namespace_selector: Option<K8sLabelSelector>,
    pub pod_monitor_selector: Option<K8sLabelSelector>,
    pub pod_monitor_namespace_selector: Option<K8sLabelSelector>,
    pub alerting: Option<PromAlertingSpec>,
    pub listen_local: Option<bool>,
    pub port_name: Option<String>,
    pub image: Option<String>,
    pub version: Option<String>,
    pub service_account_name: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct PromEmbeddedMetadata {
    pub labels: Option<BTreeMap<String, String>>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct PromAlertingSpec {
    pub alertmanagers: Vec<PromAlertmanagerEndpoints>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct PromAlertmanagerEndpoints {
    /// The Alertmanager Service's name.
    pub name: String,
    pub namespace: Option<String>,
    /// A Service port, by number or name.
    pub port: Option<IntOrString>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct PromAlertmanager {
    pub metadata: ObjectMeta,
    pub spec: PromAlertmanagerSpec,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct PromAlertmanagerSpec {
    pub pod_metadata: Option<PromEmbeddedMetadata>,
    pub listen_local: Option<bool>,
    pub port_name: Option<String>,
    pub image: Option<String>,
    pub version: Option<String>,
    pub service_account_name: Option<String>,
}

pub(super) fn lower(
    ctx: &mut Ctx<'_>,
    kind: &str,
    node: &Node,
    base: &str,
    root: &Loc<'_>,
    fragment: &mut Fragment,
) {
    match kind {
        "ServiceMonitor" => {
            if let Some(m) = decode::<PromServiceMonitor>(ctx, kind, node, base) {
                fragment.grants.extend(service_monitor(ctx, &m, root));
            }
        }
        "PodMonitor" => {
            if let Some(m) = decode::<PromPodMonitor>(ctx, kind, node, base) {
                fragment.grants.extend(pod_monitor(ctx, &m, root));
            }
        }
        "Prometheus" => {
            if let Some(p) = decode::<PromPrometheus>(ctx, kind, node, base) {
                prometheus(ctx, &p, root, fragment);
            }
        }
        _ => {
            if let Some(a) = decode::<PromAlertmanager>(ctx, kind, node, base) {
                fragment.workloads.extend(alertmanager(ctx, &a, root));
            }
        }
    }
}

fn namespaces(sel: Option<&PromNamespaceSelector>) -> Namespaces {
    match sel {
        Some(s) if s.any == Some(true) => Namespaces::Any,
        Some(PromNamespaceSelector {
            match_names: Some(names),
            ..
        }) if !names.is_empty() => Namespaces::Names(names.clone()),
        // Neither: the monitor's own namespace (ServiceMonitor CRD, `namespaceSelector`).
        _ => Namespaces::Own,
    }
}

fn port_ref(p: &IntOrString, container: bool, at: Provenance) -> Option<GrantPortRef> {
    let port = match p {
        IntOrString::Int(n) => GrantPort::Number(u16::try_from(*n).ok().filter(|n| *n > 0)?),
        IntOrString::String(s) => match s.parse::<u16>() {
            Ok(n) if n > 0 => GrantPort::Number(n),
            _ => GrantPort::Name(s.clone()),
        },
    };
    Some(GrantPortRef {
        port,
        container,
        at,
    })
}

fn service_monitor(ctx: &mut Ctx<'_>, m: &PromServiceMonitor, root: &Loc<'_>) -> Option<Grant> {
    let (name, namespace) = identity(ctx, "ServiceMonitor", &m.metadata, root)?;
    let sl = root.key("spec");
    let sel = selector(ctx, &m.spec.selector, &sl.key("selector"))?;
    let mut ports = Vec::new();
    for (i, e) in m.spec.endpoints.iter().enumerate() {
        let el = sl.key("endpoints").idx(i);
        if let Some(p) = &e.port {
            ports.push(GrantPortRef {
                port: GrantPort::Name(p.clone()),
                container: false,
                at: ctx.at(&el.key("port")),
            });
        } else if let Some(p) = e
            .target_port
            .as_ref()
            .and_then(|p| port_ref(p, true, ctx.at(&el.key("targetPort"))))
        {
            ports.push(p);
        } else {
            ctx.note(
                Code::SkippedDocument,
                &el,
                "a ServiceMonitor endpoint without `port` or `targetPort` names no port; it is not read",
            );
        }
    }
    if ports.is_empty() {
        return None;
    }
    let at = ctx.at(&root.key("metadata").key("name"));
    Some(Grant {
        scope: Default::default(),
        kind: GrantKind::ServiceMonitor,
        object: format!("ServiceMonitor {namespace}/{name}"),
        namespace,
        labels: m.metadata.labels.clone().unwrap_or_default(),
        target: GrantTarget::Services {
            selector: sel,
            namespaces: namespaces(m.spec.namespace_selector.as_ref()),
        },
        ports,
        from: vec![GrantFrom {
            source: GrantSource::Scrapers,
            at: at.clone(),
        }],
        at,
    })
}

fn pod_monitor(ctx: &mut Ctx<'_>, m: &PromPodMonitor, root: &Loc<'_>) -> Option<Grant> {
    let (name, namespace) = identity(ctx, "PodMonitor", &m.metadata, root)?;
    let sl = root.key("spec");
    let sel = selector(ctx, &m.spec.selector, &sl.key("selector"))?;
    let mut ports = Vec::new();
    for (i, e) in m.spec.pod_metrics_endpoints.iter().enumerate() {
        let el = sl.key("podMetricsEndpoints").idx(i);
        let found = if let Some(p) = &e.port {
            Some(GrantPortRef {
                port: GrantPort::Name(p.clone()),
                container: true,
                at: ctx.at(&el.key("port")),
            })
        } else if let Some(n) = e.port_number {
            port_ref(&IntOrString::Int(n), true, ctx.at(&el.key("portNumber")))
        } else {
            e.target_port
                .as_ref()
                .and_then(|p| port_ref(p, true, ctx.at(&el.key("targetPort"))))
        };
        match found {
            Some(p) => ports.push(p),
            None => ctx.note(
                Code::SkippedDocument,
                &el,
                "a PodMonitor endpoint without `port`, `portNumber` or `targetPort` names no port; it is not read",
            ),
        }
    }
    if ports.is_empty() {
        return None;
    }
    let at = ctx.at(&root.key("metadata").key("name"));
    Some(Grant {
        scope: Default::default(),
        kind: GrantKind::PodMonitor,
        object: format!("PodMonitor {namespace}/{name}"),
        namespace,
        labels: m.metadata.labels.clone().unwrap_or_default(),
        target: GrantTarget::Pods {
            selector: Some(sel),
            namespaces: namespaces(m.spec.namespace_selector.as_ref()),
        },
        ports,
        from: vec![GrantFrom {
            source: GrantSource::Scrapers,
            at: at.clone(),
        }],
        at,
    })
}

/// The labels the operator puts on the pods of resource `name` (`makeSelectorLabels` in
/// `pkg/prometheus/server/operator.go` and `pkg/alertmanager/operator.go`) over
/// `podMetadata.labels`. The version and shard labels are left out: they change with
/// upgrades and shards, and no selector needs them.
fn pod_labels(
    app: &str,
    name: &str,
    pod_metadata: Option<&PromEmbeddedMetadata>,
) -> BTreeMap<String, String> {
    let mut labels = pod_metadata
        .and_then(|m| m.labels.clone())
        .unwrap_or_default();
    for (k, v) in [
        ("app.kubernetes.io/name", app),
        ("app.kubernetes.io/managed-by", "prometheus-operator"),
        ("app.kubernetes.io/instance", name),
        (app, name),
    ] {
        labels.insert(k.to_owned(), v.to_owned());
    }
    if app == "prometheus" {
        labels.insert("operator.prometheus.io/name".to_owned(), name.to_owned());
    }
    labels
}

/// A container the operator adds, listening on `ports` (name, number, protocol).
fn operator_container(
    name: &str,
    image: Option<Fact<ImageRef>>,
    ports: &[(&str, u16, Protocol)],
    at: &Provenance,
) -> Container {
    let mut c = Container::new(name, ContainerRole::Main);
    c.image = image;
    for (port_name, port, protocol) in ports {
        c.listens.push(Listen {
            port: *port,
            protocol: *protocol,
            name: Some((*port_name).to_owned()),
            origin: ListenOrigin::Port,
            published: Vec::new(),
            at: at.clone(),
        });
    }
    c
}

/// The operator's StatefulSet for a resource: a workload with the operator's containers
/// and labels, marked as managed (cinch writes no profile for it).
#[allow(clippy::too_many_arguments)]
fn managed(
    ctx: &mut Ctx<'_>,
    kind: &str,
    app: &str,
    meta: &ObjectMeta,
    pod_metadata: Option<&PromEmbeddedMetadata>,
    service_account: Option<&String>,
    root: &Loc<'_>,
    containers: Vec<Container>,
) -> Option<Workload> {
    let (name, namespace) = identity(ctx, kind, meta, root)?;
    let at = ctx.at(&root.key("metadata").key("name"));
    let mut w = Workload::new(
        WorkloadKind::StatefulSet,
        namespace.clone(),
        format!("{app}-{name}"),
        at.clone(),
    );
    w.labels = pod_labels(app, &name, pod_metadata);
    w.managed_by = Some(Fact::new(
        format!("the Prometheus Operator, from {kind} {namespace}/{name}"),
        at,
    ));
    if let Some(sa) = service_account {
        w.service_account = Some(Fact::new(
            sa.clone(),
            ctx.at(&root.key("spec").key("serviceAccountName")),
        ));
    }
    w.containers = containers;
    Some(w)
}

fn image(ctx: &Ctx<'_>, image: Option<&String>, root: &Loc<'_>) -> Option<Fact<ImageRef>> {
    image.map(|i| Fact::new(ImageRef::parse(i), ctx.at(&root.key("spec").key("image"))))
}

fn prometheus(ctx: &mut Ctx<'_>, p: &PromPrometheus, root: &Loc<'_>, fragment: &mut Fragment) {
    let s = &p.spec;
    let cr = p.metadata.name.clone().unwrap_or_default();
    let web = s.port_name.clone().unwrap_or_else(|| "web".to_owned());
    let why = Provenance::baseline(format!(
        "Prometheus Operator: the pods of Prometheus {cr} (pkg/prometheus, pkg/operator/config_reloader.go)"
    ));
    let local = s.listen_local == Some(true);
    let mut prom_ports = Vec::new();
    if !local {
        prom_ports.push((web.as_str(), 9090, Protocol::Tcp));
    }
    let reloader: &[(&str, u16, Protocol)] = if local {
        &[]
    } else {
        &[("reloader-web", 8080, Protocol::Tcp)]
    };
    let containers = vec![
        operator_container(
            "prometheus",
            image(ctx, s.image.as_ref(), root),
            &prom_ports,
            &why,
        ),
        operator_container("config-reloader", None, reloader, &why),
    ];
    let Some(w) = managed(
        ctx,
        "Prometheus",
        "prometheus",
        &p.metadata,
        s.pod_metadata.as_ref(),
        s.service_account_name.as_ref(),
        root,
        containers,
    ) else {
        return;
    };
    let sl = root.key("spec");
    let sel = |field: &str, v: &Option<K8sLabelSelector>, ctx: &mut Ctx<'_>| {
        v.as_ref().and_then(|s| selector(ctx, s, &sl.key(field)))
    };
    let scraper = Scraper {
        workload: w.id.clone(),
        namespace: w.namespace.clone(),
        service_monitors: MonitorSelection {
            selector: sel("serviceMonitorSelector", &s.service_monitor_selector, ctx),
            namespaces: sel(
                "serviceMonitorNamespaceSelector",
                &s.service_monitor_namespace_selector,
                ctx,
            ),
        },
        pod_monitors: MonitorSelection {
            selector: sel("podMonitorSelector", &s.pod_monitor_selector, ctx),
            namespaces: sel(
                "podMonitorNamespaceSelector",
                &s.pod_monitor_namespace_selector,
                ctx,
            ),
        },
        at: w.at.clone(),
    };
    let al = sl.key("alerting").key("alertmanagers");
    for (i, am) in s.alerting.iter().flat_map(|a| &a.alertmanagers).enumerate() {
        let l = al.idx(i);
        let ports = am
            .port
            .as_ref()
            .and_then(|p| port_ref(p, false, ctx.at(&l.key("port"))))
            .into_iter()
            .collect();
        let at = ctx.at(&l);
        fragment.grants.push(Grant {
            scope: Default::default(),
            kind: GrantKind::Prometheus,
            object: format!("Prometheus {}/{cr}", w.namespace),
            namespace: w.namespace.clone(),
            labels: BTreeMap::new(),
            target: GrantTarget::Service {
                namespace: am.namespace.clone().unwrap_or_else(|| w.namespace.clone()),
                name: am.name.clone(),
            },
            ports,
            from: vec![GrantFrom {
                source: GrantSource::Workload { id: w.id.clone() },
                at: at.clone(),
            }],
            at,
        });
    }
    fragment.scrapers.push(scraper);
    fragment.workloads.push(w);
}

fn alertmanager(ctx: &mut Ctx<'_>, a: &PromAlertmanager, root: &Loc<'_>) -> Option<Workload> {
    let s = &a.spec;
    let cr = a.metadata.name.clone().unwrap_or_default();
    let why = Provenance::baseline(format!(
        "Prometheus Operator: the pods of Alertmanager {cr} (pkg/alertmanager, pkg/operator/config_reloader.go)"
    ));
    let web = s.port_name.clone().unwrap_or_else(|| "web".to_owned());
    let local = s.listen_local == Some(true);
    let mut am_ports = Vec::new();
    if !local {
        am_ports.push((web.as_str(), 9093, Protocol::Tcp));
    }
    am_ports.push(("mesh-tcp", 9094, Protocol::Tcp));
    am_ports.push(("mesh-udp", 9094, Protocol::Udp));
    let reloader: &[(&str, u16, Protocol)] = if local {
        &[]
    } else {
        &[("reloader-web", 8080, Protocol::Tcp)]
    };
    let containers = vec![
        operator_container(
            "alertmanager",
            image(ctx, s.image.as_ref(), root),
            &am_ports,
            &why,
        ),
        operator_container("config-reloader", None, reloader, &why),
    ];
    managed(
        ctx,
        "Alertmanager",
        "alertmanager",
        &a.metadata,
        s.pod_metadata.as_ref(),
        s.service_account_name.as_ref(),
        root,
        containers,
    )
}
