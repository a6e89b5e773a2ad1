//! Istio `AuthorizationPolicy` (`security.istio.io/v1`, `v1beta1`; CRD in
//! `testdata/crds/istio/`): each ALLOW rule says which sources may connect to the selected
//! workloads on which ports.
//!
//! A NetworkPolicy works at layer 4, beneath the mesh: it must admit every connection the
//! mesh may allow, and the mesh then checks the rest (methods, paths, JWT claims, `when`
//! conditions, negative matches). So each rule is read as the smallest set of sources and
//! ports that contains what it allows (istio.io, "Authorization Policy" reference):
//! - `serviceAccounts` (`ns/sa` or `sa`), else `principals` (`<trust domain>/ns/<ns>/sa/<sa>`;
//!   `…/sa/*` is the namespace, `*` every identity), else `namespaces`, else `ipBlocks` /
//!   `remoteIpBlocks`; a source with none of these (only request principals or negative
//!   matches), and a rule without `from`, admit any source;
//! - `to[].operation.ports` are the workload's (container) ports; without them, every port;
//! - the targets are the pods `selector.matchLabels` selects in the policy's namespace, the
//!   Services of `targetRef(s)`, or without either every pod of the namespace (every pod of
//!   the mesh in the root namespace `istio-system`).
//!
//! DENY, AUDIT and CUSTOM policies declare no connection and are not read (a note says so).

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

use crate::diag::Code;
use crate::intent::{
    Fragment, Grant, GrantFrom, GrantKind, GrantPort, GrantPortRef, GrantSource, GrantTarget,
    LabelSelector, Namespaces, Provenance,
};
use crate::yaml::Node;

use super::{Ctx, Loc, decode, identity};

/// Istio's default root namespace: a policy there without a selector applies to the mesh.
const ROOT_NAMESPACE: &str = "istio-system";

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct IstioAuthorizationPolicy {
    pub metadata: ObjectMeta,
    pub spec: IstioAuthorizationPolicySpec,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct IstioAuthorizationPolicySpec {
    pub selector: Option<IstioWorkloadSelector>,
    pub target_ref: Option<IstioPolicyTargetReference>,
    pub target_refs: Vec<IstioPolicyTargetReference>,
    pub rules: Vec<IstioRule>,
    /// `ALLOW` (the default), `DENY`, `AUDIT`, `CUSTOM`.
    pub action: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct IstioWorkloadSelector {
    pub match_labels: Option<BTreeMap<String, String>>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct IstioPolicyTargetReference {
    pub group: Option<String>,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct IstioRule {
    pub from: Vec<IstioRuleFrom>,
    pub to: Vec<IstioRuleTo>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct IstioRuleFrom {
    pub source: Option<IstioSource>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct IstioSource {
    pub service_accounts: Vec<String>,
    pub principals: Vec<String>,
    pub namespaces: Vec<String>,
    pub ip_blocks: Vec<String>,
    pub remote_ip_blocks: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct IstioRuleTo {
    pub operation: Option<IstioOperation>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct IstioOperation {
    pub ports: Vec<String>,
}

pub(super) fn lower(
    ctx: &mut Ctx<'_>,
    node: &Node,
    base: &str,
    root: &Loc<'_>,
    fragment: &mut Fragment,
) {
    let Some(p) = decode::<IstioAuthorizationPolicy>(ctx, "AuthorizationPolicy", node, base) else {
        return;
    };
    let Some((name, namespace)) = identity(ctx, "AuthorizationPolicy", &p.metadata, root) else {
        return;
    };
    let sl = root.key("spec");
    let object = format!("AuthorizationPolicy {namespace}/{name}");
    let action = p.spec.action.as_deref().unwrap_or("ALLOW");
    if action != "ALLOW" {
        ctx.note(
            Code::SkippedDocument,
            &sl.key("action"),
            format!("{object}: a {action} policy declares no connection; it is not read"),
        );
        return;
    }
    let Some(targets) = targets(ctx, &p.spec, &namespace, &object, &sl) else {
        return;
    };
    for (r, rule) in p.spec.rules.iter().enumerate() {
        let rl = sl.key("rules").idx(r);
        let from = sources(ctx, rule, &namespace, &rl);
        let Some(ports) = ports(ctx, rule, &rl) else {
            continue;
        };
        for target in &targets {
            fragment.grants.push(Grant {
                scope: Default::default(),
                kind: GrantKind::IstioAuthorizationPolicy,
                object: object.clone(),
                namespace: namespace.clone(),
                labels: BTreeMap::new(),
                target: target.clone(),
                ports: ports.clone(),
                from: from.clone(),
                at: ctx.at(&rl),
            });
        }
    }
}

fn targets(
    ctx: &mut Ctx<'_>,
    spec: &IstioAuthorizationPolicySpec,
    namespace: &str,
    object: &str,
    sl: &Loc<'_>,
) -> Option<Vec<GrantTarget>> {
    let refs: Vec<(&IstioPolicyTargetReference, Loc<'_>)> = spec
        .target_ref
        .iter()
        .map(|r| (r, sl.key("targetRef")))
        .chain(
            spec.target_refs
                .iter()
                .enumerate()
                .map(|(i, r)| (r, sl.key("targetRefs").idx(i))),
        )
        .collect();
    if !refs.is_empty() {
        let mut out = Vec::new();
        for (r, l) in refs {
            let core = r
                .group
                .as_deref()
                .is_none_or(|g| g.is_empty() || g == "core");
            if core && r.kind == "Service" {
                out.push(GrantTarget::Service {
                    namespace: r.namespace.clone().unwrap_or_else(|| namespace.to_owned()),
                    name: r.name.clone(),
                });
            } else {
                ctx.note(
                    Code::SkippedDocument,
                    &l,
                    format!(
                        "{object}: a policy attached to a {} (a gateway or waypoint) is not read; cinch reads policies on Services and pods",
                        r.kind
                    ),
                );
            }
        }
        return (!out.is_empty()).then_some(out);
    }
    let selector = spec.selector.as_ref().map(|s| LabelSelector {
        match_labels: s.match_labels.clone().unwrap_or_default(),
        match_expressions: Vec::new(),
    });
    let namespaces = if selector.is_none() && namespace == ROOT_NAMESPACE {
        Namespaces::Any
    } else {
        Namespaces::Own
    };
    Some(vec![GrantTarget::Pods {
        selector,
        namespaces,
    }])
}

/// `<trust domain>/ns/<ns>/sa/<sa>` with `*` as a prefix or suffix wildcard.
fn principal(p: &str) -> GrantSource {
    let Some((_, rest)) = p.split_once("/ns/") else {
        return GrantSource::AllNamespaces;
    };
    let (ns, sa) = rest.split_once("/sa/").unwrap_or((rest, "*"));
    if ns.is_empty() || ns.contains('*') || ns.contains('/') {
        GrantSource::AllNamespaces
    } else if sa.is_empty() || sa.contains('*') {
        GrantSource::Namespace {
            name: ns.to_owned(),
        }
    } else {
        GrantSource::ServiceAccount {
            namespace: ns.to_owned(),
            name: sa.to_owned(),
        }
    }
}

fn sources(ctx: &Ctx<'_>, rule: &IstioRule, namespace: &str, rl: &Loc<'_>) -> Vec<GrantFrom> {
    let any = |at: Provenance| {
        vec![GrantFrom {
            source: GrantSource::Anywhere,
            at,
        }]
    };
    if rule.from.is_empty() {
        return any(ctx.at(rl));
    }
    let mut out = Vec::new();
    for (f, from) in rule.from.iter().enumerate() {
        let fl = rl.key("from").idx(f).key("source");
        let s = from.source.clone().unwrap_or_default();
        let list: Vec<(GrantSource, Loc<'_>)> = if !s.service_accounts.is_empty() {
            s.service_accounts
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    let (ns, sa) = a.split_once('/').unwrap_or((namespace, a.as_str()));
                    let src = GrantSource::ServiceAccount {
                        namespace: ns.to_owned(),
                        name: sa.to_owned(),
                    };
                    (src, fl.key("serviceAccounts").idx(i))
                })
                .collect()
        } else if !s.principals.is_empty() {
            s.principals
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let src = if p == "*" {
                        GrantSource::AllNamespaces
                    } else {
                        principal(p)
                    };
                    (src, fl.key("principals").idx(i))
                })
                .collect()
        } else if !s.namespaces.is_empty() {
            s.namespaces
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    let src = if n.contains('*') {
                        GrantSource::AllNamespaces
                    } else {
                        GrantSource::Namespace { name: n.clone() }
                    };
                    (src, fl.key("namespaces").idx(i))
                })
                .collect()
        } else if !s.ip_blocks.is_empty() || !s.remote_ip_blocks.is_empty() {
            let ips = s.ip_blocks.iter().map(|c| (c, "ipBlocks"));
            let remote = s.remote_ip_blocks.iter().map(|c| (c, "remoteIpBlocks"));
            ips.chain(remote)
                .enumerate()
                .map(|(i, (c, key))| {
                    let src = GrantSource::Cidr { cidr: c.clone() };
                    (src, fl.key(key).idx(i))
                })
                .collect()
        } else {
            vec![(GrantSource::Anywhere, fl)]
        };
        out.extend(list.into_iter().map(|(source, l)| GrantFrom {
            source,
            at: ctx.at(&l),
        }));
    }
    out
}

/// The rule's ports; empty when any `to` entry (or the rule) allows every port; `None`
/// (the rule is not read) when a port is malformed, rather than reading it as "every port".
fn ports(ctx: &mut Ctx<'_>, rule: &IstioRule, rl: &Loc<'_>) -> Option<Vec<GrantPortRef>> {
    let mut out = Vec::new();
    let mut bad = false;
    for (t, to) in rule.to.iter().enumerate() {
        let ol = rl.key("to").idx(t).key("operation").key("ports");
        let listed = to
            .operation
            .as_ref()
            .map(|o| &o.ports)
            .filter(|p| !p.is_empty());
        let Some(listed) = listed else {
            return Some(Vec::new());
        };
        for (i, p) in listed.iter().enumerate() {
            let l = ol.idx(i);
            match p.parse::<u16>() {
                Ok(n) if n > 0 => out.push(GrantPortRef {
                    port: GrantPort::Number(n),
                    container: true,
                    at: ctx.at(&l),
                }),
                _ => {
                    bad = true;
                    ctx.warn(
                        Code::InvalidValue,
                        &l,
                        format!("`{p}` is not a port (1-65535); this rule is not read"),
                    );
                }
            }
        }
    }
    (!bad).then_some(out)
}
