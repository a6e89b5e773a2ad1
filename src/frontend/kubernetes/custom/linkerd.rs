//! Linkerd policy resources (`policy.linkerd.io`; CRDs in `testdata/crds/linkerd/`):
//!
//! - `Server` (v1alpha1…v1beta3): a port (number or container port name) of the pods its
//!   `podSelector` selects; its `accessPolicy` (v1beta3, default `deny`) admits traffic no
//!   authorization names: `all-unauthenticated` and `audit` anyone, `all-authenticated`,
//!   `cluster-authenticated` and `cluster-unauthenticated` the cluster's pods;
//! - `AuthorizationPolicy` (v1alpha1): its `targetRef` Server admits the clients that every
//!   `requiredAuthenticationRefs` entry authenticates;
//! - `MeshTLSAuthentication`: mesh identities (`<sa>.<ns>.serviceaccount.identity.<domain>`,
//!   `*.<ns>.…` for a namespace, `*` for all) and `identityRefs` (ServiceAccount, Namespace);
//! - `NetworkAuthentication`: address blocks.
//!
//! As for Istio (`istio.rs`), a NetworkPolicy beneath the mesh admits the smallest set of
//! sources containing what the mesh allows: of several required authentications the
//! narrowest is used (service accounts, then mesh identities, then networks), and the mesh
//! checks the rest. An authorization policy on an HTTPRoute or a whole Namespace is not
//! read (a note says so). Linking policies to servers and authentications is the
//! resolver's job; this only reads.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    LabelSelector as K8sLabelSelector, ObjectMeta,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::{Deserialize, Serialize};

use crate::diag::Code;
use crate::intent::{
    Fragment, Grant, GrantFrom, GrantKind, GrantPort, GrantSource, GrantTarget, MeshAuthentication,
    MeshServer,
};
use crate::yaml::Node;

use super::{Ctx, Loc, decode, identity, selector};

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct LinkerdServer {
    pub metadata: ObjectMeta,
    pub spec: LinkerdServerSpec,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct LinkerdServerSpec {
    pub pod_selector: Option<K8sLabelSelector>,
    pub port: Option<IntOrString>,
    pub access_policy: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct LinkerdAuthorizationPolicy {
    pub metadata: ObjectMeta,
    pub spec: LinkerdAuthorizationPolicySpec,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct LinkerdAuthorizationPolicySpec {
    pub target_ref: LinkerdTargetRef,
    pub required_authentication_refs: Vec<LinkerdNamespacedRef>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct LinkerdTargetRef {
    pub group: Option<String>,
    pub kind: String,
    pub name: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct LinkerdNamespacedRef {
    pub group: Option<String>,
    pub kind: String,
    pub name: Option<String>,
    pub namespace: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct LinkerdMeshTlsAuthentication {
    pub metadata: ObjectMeta,
    pub spec: LinkerdMeshTlsAuthenticationSpec,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct LinkerdMeshTlsAuthenticationSpec {
    pub identities: Vec<String>,
    pub identity_refs: Vec<LinkerdNamespacedRef>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct LinkerdNetworkAuthentication {
    pub metadata: ObjectMeta,
    pub spec: LinkerdNetworkAuthenticationSpec,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct LinkerdNetworkAuthenticationSpec {
    pub networks: Vec<LinkerdNetwork>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct LinkerdNetwork {
    pub cidr: String,
    pub except: Vec<String>,
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
        "Server" => {
            if let Some(s) = decode::<LinkerdServer>(ctx, kind, node, base) {
                server(ctx, &s, root, fragment);
            }
        }
        "AuthorizationPolicy" => {
            if let Some(p) = decode::<LinkerdAuthorizationPolicy>(ctx, kind, node, base) {
                fragment.grants.extend(policy(ctx, &p, root));
            }
        }
        "MeshTLSAuthentication" => {
            if let Some(m) = decode::<LinkerdMeshTlsAuthentication>(ctx, kind, node, base) {
                fragment
                    .mesh_authentications
                    .extend(mesh_tls(ctx, &m, root));
            }
        }
        _ => {
            if let Some(n) = decode::<LinkerdNetworkAuthentication>(ctx, kind, node, base) {
                fragment.mesh_authentications.extend(network(ctx, &n, root));
            }
        }
    }
}

fn server(ctx: &mut Ctx<'_>, s: &LinkerdServer, root: &Loc<'_>, fragment: &mut Fragment) {
    let Some((name, namespace)) = identity(ctx, "Server", &s.metadata, root) else {
        return;
    };
    let sl = root.key("spec");
    let Some(pods) = s.spec.pod_selector.as_ref() else {
        ctx.note(
            Code::SkippedDocument,
            &sl,
            format!("Server {namespace}/{name} selects no pods (an external workload selector is not read)"),
        );
        return;
    };
    let Some(pods) = selector(ctx, pods, &sl.key("podSelector")) else {
        return;
    };
    let port = match &s.spec.port {
        Some(IntOrString::Int(n)) => match u16::try_from(*n).ok().filter(|n| *n > 0) {
            Some(n) => GrantPort::Number(n),
            None => {
                ctx.warn(
                    Code::InvalidValue,
                    &sl.key("port"),
                    format!("port {n} is out of range (1-65535); this Server is not read"),
                );
                return;
            }
        },
        Some(IntOrString::String(p)) => GrantPort::Name(p.clone()),
        None => {
            ctx.warn(
                Code::Kubernetes,
                &sl,
                format!("Server {namespace}/{name} names no port; it is not read"),
            );
            return;
        }
    };
    let at = ctx.at(&root.key("metadata").key("name"));
    let access = s.spec.access_policy.as_deref().unwrap_or("deny");
    let source = match access {
        "all-unauthenticated" | "audit" => Some(GrantSource::Anywhere),
        "all-authenticated" | "cluster-authenticated" | "cluster-unauthenticated" => {
            Some(GrantSource::AllNamespaces)
        }
        _ => None,
    };
    if let Some(source) = source {
        let pat = ctx.at(&sl.key("accessPolicy"));
        fragment.grants.push(Grant {
            scope: Default::default(),
            kind: GrantKind::LinkerdAuthorizationPolicy,
            object: format!("Server {namespace}/{name} (accessPolicy: {access})"),
            namespace: namespace.clone(),
            labels: BTreeMap::new(),
            target: GrantTarget::Server {
                namespace: namespace.clone(),
                name: name.clone(),
            },
            ports: Vec::new(),
            from: vec![GrantFrom {
                source,
                at: pat.clone(),
            }],
            at: pat,
        });
    }
    fragment.mesh_servers.push(MeshServer {
        namespace,
        name,
        pods,
        port,
        at,
    });
}

fn policy(ctx: &mut Ctx<'_>, p: &LinkerdAuthorizationPolicy, root: &Loc<'_>) -> Option<Grant> {
    let (name, namespace) = identity(ctx, "AuthorizationPolicy", &p.metadata, root)?;
    let sl = root.key("spec");
    let object = format!("AuthorizationPolicy {namespace}/{name}");
    let t = &p.spec.target_ref;
    if t.kind != "Server" {
        ctx.note(
            Code::SkippedDocument,
            &sl.key("targetRef"),
            format!(
                "{object}: a policy on a {} is not read; cinch reads policies on Servers",
                t.kind
            ),
        );
        return None;
    }
    let refs = &p.spec.required_authentication_refs;
    let rl = sl.key("requiredAuthenticationRefs");
    let at = |i: usize, ctx: &Ctx<'_>| ctx.at(&rl.idx(i));
    let of_kind = |k: &str| -> Vec<(usize, &LinkerdNamespacedRef)> {
        refs.iter()
            .enumerate()
            .filter(|(_, r)| r.kind == k)
            .collect()
    };
    let accounts = of_kind("ServiceAccount");
    let meshes = of_kind("MeshTLSAuthentication");
    let nets = of_kind("NetworkAuthentication");
    let ns_of = |r: &LinkerdNamespacedRef| r.namespace.clone().unwrap_or_else(|| namespace.clone());
    let from: Vec<GrantFrom> = if !accounts.is_empty() {
        accounts
            .iter()
            .map(|(i, r)| GrantFrom {
                source: match &r.name {
                    Some(n) => GrantSource::ServiceAccount {
                        namespace: ns_of(r),
                        name: n.clone(),
                    },
                    None => GrantSource::Namespace { name: ns_of(r) },
                },
                at: at(*i, ctx),
            })
            .collect()
    } else if !meshes.is_empty() || !nets.is_empty() {
        let chosen = if meshes.is_empty() { nets } else { meshes };
        chosen
            .iter()
            .map(|(i, r)| GrantFrom {
                source: GrantSource::Authentication {
                    resource: r.kind.clone(),
                    namespace: ns_of(r),
                    name: r.name.clone().unwrap_or_default(),
                },
                at: at(*i, ctx),
            })
            .collect()
    } else if refs.is_empty() {
        vec![GrantFrom {
            source: GrantSource::Anywhere,
            at: ctx.at(&rl),
        }]
    } else {
        ctx.note(
            Code::SkippedDocument,
            &rl,
            format!("{object}: requires no authentication cinch reads (ServiceAccount, MeshTLSAuthentication, NetworkAuthentication); it is not read"),
        );
        return None;
    };
    Some(Grant {
        scope: Default::default(),
        kind: GrantKind::LinkerdAuthorizationPolicy,
        object,
        namespace: namespace.clone(),
        labels: BTreeMap::new(),
        target: GrantTarget::Server {
            namespace,
            name: t.name.clone(),
        },
        ports: Vec::new(),
        from,
        at: ctx.at(&sl.key("targetRef")),
    })
}

/// `<sa>.<ns>.serviceaccount.identity.<domain>`, `*.<ns>.…`, `*`; anything else (another
/// identity domain, a wildcard cinch cannot place) is read as every mesh identity.
fn mesh_identity(id: &str) -> GrantSource {
    let Some((left, _)) = id.split_once(".serviceaccount.identity.") else {
        return GrantSource::AllNamespaces;
    };
    match left.rsplit_once('.') {
        Some((sa, ns)) if !ns.contains('*') && !ns.is_empty() => {
            // `*.<ns>` (or any wildcard in the account part) is the whole namespace.
            if sa.is_empty() || sa.contains('*') || sa.contains('.') {
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
        _ => GrantSource::AllNamespaces,
    }
}

fn mesh_tls(
    ctx: &mut Ctx<'_>,
    m: &LinkerdMeshTlsAuthentication,
    root: &Loc<'_>,
) -> Option<MeshAuthentication> {
    let (name, namespace) = identity(ctx, "MeshTLSAuthentication", &m.metadata, root)?;
    let sl = root.key("spec");
    let mut sources = Vec::new();
    for (i, id) in m.spec.identities.iter().enumerate() {
        sources.push(GrantFrom {
            source: if id == "*" {
                GrantSource::AllNamespaces
            } else {
                mesh_identity(id)
            },
            at: ctx.at(&sl.key("identities").idx(i)),
        });
    }
    for (i, r) in m.spec.identity_refs.iter().enumerate() {
        let ns = r.namespace.clone().unwrap_or_else(|| namespace.clone());
        let at = ctx.at(&sl.key("identityRefs").idx(i));
        let source = match (r.kind.as_str(), &r.name) {
            ("ServiceAccount", Some(n)) => GrantSource::ServiceAccount {
                namespace: ns,
                name: n.clone(),
            },
            ("ServiceAccount", None) => GrantSource::Namespace { name: ns },
            ("Namespace", Some(n)) => GrantSource::Namespace { name: n.clone() },
            ("Namespace", None) => GrantSource::AllNamespaces,
            (other, _) => {
                ctx.note(
                    Code::SkippedDocument,
                    &sl.key("identityRefs").idx(i),
                    format!("an identity reference of kind {other} is not read"),
                );
                continue;
            }
        };
        sources.push(GrantFrom { source, at });
    }
    Some(MeshAuthentication {
        kind: "MeshTLSAuthentication".to_owned(),
        namespace,
        name,
        sources,
        at: ctx.at(&root.key("metadata").key("name")),
    })
}

fn network(
    ctx: &mut Ctx<'_>,
    n: &LinkerdNetworkAuthentication,
    root: &Loc<'_>,
) -> Option<MeshAuthentication> {
    let (name, namespace) = identity(ctx, "NetworkAuthentication", &n.metadata, root)?;
    let sl = root.key("spec").key("networks");
    // `except` narrows a block; the block itself is the smallest superset a rule can
    // hold, and the mesh checks the exceptions.
    let sources = n
        .spec
        .networks
        .iter()
        .enumerate()
        .map(|(i, net)| GrantFrom {
            source: GrantSource::Cidr {
                cidr: net.cidr.clone(),
            },
            at: ctx.at(&sl.idx(i).key("cidr")),
        })
        .collect();
    Some(MeshAuthentication {
        kind: "NetworkAuthentication".to_owned(),
        namespace,
        name,
        sources,
        at: ctx.at(&root.key("metadata").key("name")),
    })
}
