//! The effective security context of a container: the pod's `securityContext` gives defaults,
//! the container's fields override them field by field ("If set in both SecurityContext and
//! PodSecurityContext, the value specified in SecurityContext takes precedence" — the
//! Kubernetes API reference, `SecurityContext`). The overridden pod value is kept for
//! `explain`. AppArmor also comes from the beta annotation
//! `container.apparmor.security.beta.kubernetes.io/<container>` (deprecated in 1.30, still
//! honoured): pod field < annotation < container field.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{PodSpec, SecurityContext};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::diag::Code;
use crate::intent::{
    CapSpec, CapabilitySet, Container, DeclaredProfile, Fact, Overridden, Provenance, User, layer,
};

use super::{Ctx, Loc};

const APPARMOR_ANNOTATION: &str = "container.apparmor.security.beta.kubernetes.io/";

/// Pod-level defaults, read once per pod.
pub(crate) struct PodSecurity<'a> {
    run_as_user: Option<Fact<i64>>,
    run_as_group: Option<Fact<i64>>,
    run_as_non_root: Option<Fact<bool>>,
    seccomp: Option<Fact<DeclaredProfile>>,
    apparmor: Option<Fact<DeclaredProfile>>,
    /// Beta AppArmor annotations, by container name.
    apparmor_annotations: BTreeMap<String, (Fact<DeclaredProfile>, Loc<'a>)>,
    sysctls: BTreeMap<String, Fact<String>>,
}

impl<'a> PodSecurity<'a> {
    pub fn read(
        ctx: &mut Ctx<'_>,
        spec: &PodSpec,
        spec_loc: &Loc<'a>,
        pod_meta: Option<&ObjectMeta>,
        pod_meta_loc: &Loc<'a>,
    ) -> Self {
        let mut out = PodSecurity {
            run_as_user: None,
            run_as_group: None,
            run_as_non_root: None,
            seccomp: None,
            apparmor: None,
            apparmor_annotations: BTreeMap::new(),
            sysctls: BTreeMap::new(),
        };
        if let Some(sc) = &spec.security_context {
            let l = spec_loc.key("securityContext");
            out.run_as_user = sc
                .run_as_user
                .map(|v| Fact::new(v, ctx.at(&l.key("runAsUser"))));
            out.run_as_group = sc
                .run_as_group
                .map(|v| Fact::new(v, ctx.at(&l.key("runAsGroup"))));
            out.run_as_non_root = sc
                .run_as_non_root
                .map(|v| Fact::new(v, ctx.at(&l.key("runAsNonRoot"))));
            out.seccomp = sc.seccomp_profile.as_ref().and_then(|p| {
                profile(
                    ctx,
                    &p.type_,
                    p.localhost_profile.as_deref(),
                    &l.key("seccompProfile"),
                )
            });
            out.apparmor = sc.app_armor_profile.as_ref().and_then(|p| {
                profile(
                    ctx,
                    &p.type_,
                    p.localhost_profile.as_deref(),
                    &l.key("appArmorProfile"),
                )
            });
            for (i, s) in sc.sysctls.iter().flatten().enumerate() {
                let at = ctx.at(&l.key("sysctls").idx(i));
                out.sysctls
                    .insert(s.name.clone(), Fact::new(s.value.clone(), at));
            }
        }
        if let Some(annotations) = pod_meta.and_then(|m| m.annotations.as_ref()) {
            let al = pod_meta_loc.key("annotations");
            for (k, v) in annotations {
                let Some(container) = k.strip_prefix(APPARMOR_ANNOTATION) else {
                    continue;
                };
                let loc = al.key(k);
                let parsed = match v.as_str() {
                    "runtime/default" => Some(DeclaredProfile::RuntimeDefault),
                    "unconfined" => Some(DeclaredProfile::Unconfined),
                    s => s
                        .strip_prefix("localhost/")
                        .filter(|p| !p.is_empty())
                        .map(|p| DeclaredProfile::Localhost(p.to_owned())),
                };
                match parsed {
                    Some(p) => {
                        let fact = Fact::new(p, ctx.at(&loc));
                        out.apparmor_annotations.insert(container.to_owned(), (fact, loc));
                    }
                    None => ctx.error(
                        Code::InvalidValue,
                        &loc,
                        format!("`{v}` is not an AppArmor profile (runtime/default, unconfined or localhost/<name>)"),
                    ),
                }
            }
        }
        out
    }

    /// An annotation for a container the pod does not have is a typo (the API server
    /// rejects it too).
    pub fn check_annotations(&self, ctx: &mut Ctx<'_>, containers: &BTreeSet<String>) {
        for (name, (_, loc)) in &self.apparmor_annotations {
            if !containers.contains(name) {
                ctx.warn(
                    Code::Unresolved,
                    loc,
                    format!(
                        "AppArmor annotation for container `{name}`, which this pod does not have"
                    ),
                );
            }
        }
    }

    /// Apply the pod defaults and the container's own `securityContext` to `c`.
    pub fn apply(
        &self,
        ctx: &mut Ctx<'_>,
        sc: Option<&SecurityContext>,
        loc: &Loc<'_>,
        c: &mut Container,
    ) {
        let l = loc.key("securityContext");
        let own =
            |v: Option<i64>, key: &str, ctx: &Ctx<'_>| v.map(|v| Fact::new(v, ctx.at(&l.key(key))));
        let uid = own(sc.and_then(|s| s.run_as_user), "runAsUser", ctx);
        let gid = own(sc.and_then(|s| s.run_as_group), "runAsGroup", ctx);
        c.user = self.user(ctx, uid, gid, &l);

        let non_root = sc
            .and_then(|s| s.run_as_non_root)
            .map(|v| Fact::new(v, ctx.at(&l.key("runAsNonRoot"))));
        c.run_as_non_root = layer(self.run_as_non_root.clone(), non_root);

        let own_seccomp = sc.and_then(|s| s.seccomp_profile.as_ref()).and_then(|p| {
            profile(
                ctx,
                &p.type_,
                p.localhost_profile.as_deref(),
                &l.key("seccompProfile"),
            )
        });
        c.seccomp = layer(self.seccomp.clone(), own_seccomp);

        let own_apparmor = sc.and_then(|s| s.app_armor_profile.as_ref()).and_then(|p| {
            profile(
                ctx,
                &p.type_,
                p.localhost_profile.as_deref(),
                &l.key("appArmorProfile"),
            )
        });
        let annotation = self
            .apparmor_annotations
            .get(&c.name)
            .map(|(f, _)| f.clone());
        c.apparmor = layer(layer(self.apparmor.clone(), annotation), own_apparmor);

        for (k, v) in &self.sysctls {
            c.sysctls.insert(k.clone(), v.clone());
        }

        let Some(sc) = sc else { return };
        if let Some(b) = sc.privileged {
            c.privileged = Fact::new(b, ctx.at(&l.key("privileged")));
        }
        if let Some(b) = sc.read_only_root_filesystem {
            c.read_only_root = Fact::new(b, ctx.at(&l.key("readOnlyRootFilesystem")));
        }
        // allowPrivilegeEscalation false sets no_new_privs on the process (runc: `NoNewPrivileges`).
        if let Some(allow) = sc.allow_privilege_escalation {
            c.no_new_privileges = Fact::new(!allow, ctx.at(&l.key("allowPrivilegeEscalation")));
        }
        if let Some(caps) = &sc.capabilities {
            let cl = l.key("capabilities");
            let add = cap_list(ctx, caps.add.as_deref().unwrap_or_default(), &cl.key("add"));
            let drop = cap_list(
                ctx,
                caps.drop.as_deref().unwrap_or_default(),
                &cl.key("drop"),
            );
            c.capabilities = CapabilitySet::from_add_drop(&add, &drop);
        }
    }

    /// uid and gid each from the container, else the pod. When the container sets either,
    /// the pod's user is kept as overridden.
    fn user(
        &self,
        ctx: &mut Ctx<'_>,
        uid: Option<Fact<i64>>,
        gid: Option<Fact<i64>>,
        l: &Loc<'_>,
    ) -> Option<Fact<User>> {
        let pod_user =
            self.user_from(ctx, self.run_as_user.clone(), self.run_as_group.clone(), l)?;
        if uid.is_none() && gid.is_none() {
            return pod_user;
        }
        let eff_uid = uid.or_else(|| self.run_as_user.clone());
        let eff_gid = gid.or_else(|| self.run_as_group.clone());
        let mut fact = self.user_from(ctx, eff_uid, eff_gid, l)??;
        if let Some(p) = pod_user {
            fact.overridden.push(Overridden {
                value: p.value,
                at: p.at,
            });
        }
        Some(fact)
    }

    /// `Some(None)`: nothing set; `None`: an id out of range (reported).
    fn user_from(
        &self,
        ctx: &mut Ctx<'_>,
        uid: Option<Fact<i64>>,
        gid: Option<Fact<i64>>,
        l: &Loc<'_>,
    ) -> Option<Option<Fact<User>>> {
        let at = match (&uid, &gid) {
            (Some(u), Some(g)) if u.at != g.at => u.at.clone().via(&g.at),
            (Some(u), _) => u.at.clone(),
            (None, Some(g)) => g.at.clone(),
            (None, None) => return Some(None),
        };
        match User::from_ids(uid.map(|f| f.value), gid.map(|f| f.value)) {
            Ok(u) => Some(Some(Fact::new(u, at))),
            Err(m) => {
                let line = at.line_no();
                let file = ctx.file.clone();
                ctx.diags.push(crate::diag::Diagnostic::error(
                    Code::InvalidValue,
                    &file,
                    line,
                    format!("{}: {m}", l.path),
                ));
                None
            }
        }
    }
}

/// `{type: RuntimeDefault|Unconfined|Localhost, localhostProfile}` (seccompProfile and
/// appArmorProfile share the shape).
fn profile(
    ctx: &mut Ctx<'_>,
    kind: &str,
    localhost: Option<&str>,
    loc: &Loc<'_>,
) -> Option<Fact<DeclaredProfile>> {
    let p = match kind {
        "RuntimeDefault" => DeclaredProfile::RuntimeDefault,
        "Unconfined" => DeclaredProfile::Unconfined,
        "Localhost" => match localhost.filter(|p| !p.is_empty()) {
            Some(p) => DeclaredProfile::Localhost(p.to_owned()),
            None => {
                ctx.error(
                    Code::InvalidValue,
                    &loc.key("localhostProfile"),
                    "type Localhost needs localhostProfile",
                );
                return None;
            }
        },
        other => {
            ctx.error(
                Code::InvalidValue,
                &loc.key("type"),
                format!(
                    "`{other}` is not a profile type (RuntimeDefault, Unconfined or Localhost)"
                ),
            );
            return None;
        }
    };
    Some(Fact::new(p, ctx.at(&loc.key("type"))))
}

fn cap_list(ctx: &mut Ctx<'_>, names: &[String], loc: &Loc<'_>) -> Vec<(CapSpec, Provenance)> {
    let mut out = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let l = loc.idx(i);
        match name.parse::<CapSpec>() {
            Ok(spec) => out.push((spec, ctx.at(&l))),
            // The container runtime refuses to start a container with an unknown capability.
            Err(m) => ctx.error(Code::InvalidValue, &l, m),
        }
    }
    out
}
