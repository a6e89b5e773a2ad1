//! `cinch explain WORKLOAD`: every fact the manifests declare about one workload (with the
//! values more specific sources overrode), its warnings, and every rule of its profiles
//! grouped by the reason that put it there.
//!
//! The rules are read back from the generated files (`facts.rs`), so what `explain` shows is
//! exactly what `generate` writes.

use std::collections::BTreeMap;
use std::fmt::{Display, Write as _};

use super::facts::{self, ProfileFile};
use crate::backend::Backend;
use crate::intent::{
    Container, DeclaredProfile, EnvValue, Fact, Model, NetworkMode, PeerTarget, ProbeAction,
    Provenance, Workload,
};
use crate::output::{Naming, OutputTree};
use crate::resolve::scope::local_id;

/// What to show.
#[derive(Clone, Debug, Default)]
pub struct Query<'a> {
    pub workload: &'a str,
    pub container: Option<&'a str>,
    pub backend: Option<Backend>,
}

/// Find the workload a user means: its id (`shop/api`, or `apps/a:shop/api` where two app
/// scopes define `shop/api`), its id without the scope when only one workload has it, or its
/// name when only one workload has it (`api`), or a profile file stem (`shop.api.api`).
pub fn find<'m>(model: &'m Model, naming: &Naming, name: &str) -> Result<&'m Workload, String> {
    if let Some(w) = model.workload(name) {
        return Ok(w);
    }
    let by_local: Vec<&Workload> = model
        .workloads
        .iter()
        .filter(|w| local_id(&w.scope, &w.id) == name)
        .collect();
    let by_name: Vec<&Workload> = match by_local.as_slice() {
        [w] => return Ok(w),
        [] => model.workloads.iter().filter(|w| w.name == name).collect(),
        _ => by_local,
    };
    if let [w] = by_name.as_slice() {
        return Ok(w);
    }
    if let Some(w) = model.workloads.iter().find(|w| {
        naming.workload(&w.id) == name
            || w.containers
                .iter()
                .any(|c| naming.container(&w.id, &c.name) == name)
    }) {
        return Ok(w);
    }
    let ids: Vec<&str> = if by_name.is_empty() {
        model.workloads.iter().map(|w| w.id.as_str()).collect()
    } else {
        by_name.iter().map(|w| w.id.as_str()).collect()
    };
    let what = if by_name.len() > 1 {
        "is ambiguous"
    } else {
        "is not a workload of the inputs"
    };
    Err(format!("`{name}` {what}; workloads: {}", ids.join(", ")))
}

/// The report for `q`.
pub fn explain(model: &Model, tree: &OutputTree, q: &Query<'_>) -> Result<String, String> {
    let naming = Naming::new(model);
    let w = find(model, &naming, q.workload)?;
    if let Some(c) = q.container
        && w.container(c).is_none()
    {
        let names: Vec<&str> = w.containers.iter().map(|c| c.name.as_str()).collect();
        return Err(format!(
            "{} has no container `{c}`; containers: {}",
            w.id,
            names.join(", ")
        ));
    }
    let mut out = String::new();
    let _ = writeln!(out, "{} — {:?}, defined at {}", w.id, w.kind, w.at);
    let containers: Vec<&Container> = w
        .containers
        .iter()
        .filter(|c| q.container.is_none_or(|n| c.name == n))
        .collect();
    if q.backend.is_none() {
        declared(&mut out, w, &containers);
    }

    // Profiles of this workload: per container (seccomp, AppArmor) and per workload (policy).
    let files = facts::read_tree(tree);
    let mut ours: Vec<&ProfileFile> = Vec::new();
    for (path, f) in &files {
        let stem = path.split_once('/').map_or("", |(_, n)| n);
        let stem = stem
            .rsplit_once('.')
            .filter(|(_, e)| matches!(*e, "json" | "yaml"))
            .map_or(stem, |(s, _)| s);
        let for_container = containers
            .iter()
            .any(|c| naming.container(&w.id, &c.name) == stem);
        let for_workload = f.backend == Backend::Networkpolicy && naming.workload(&w.id) == stem;
        if (for_container || for_workload) && q.backend.is_none_or(|b| b == f.backend) {
            ours.push(f);
        }
    }
    if ours.is_empty() {
        let why = match &w.managed_by {
            Some(m) => format!(" (its pods are made by {}: {})", m.value, m.at),
            None if w.privileged() => " (privileged: it runs unconfined)".to_owned(),
            None => String::new(),
        };
        let _ = writeln!(out, "\nno profile is generated for it{why}");
    }
    for f in ours {
        let _ = writeln!(
            out,
            "\n{} — {} ({} rules)",
            f.backend.name(),
            f.path,
            f.rules.len()
        );
        // Group rules under the reasons that put them there; reasons sorted, rules sorted.
        let mut by_reason: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for (rule, r) in &f.rules {
            if r.reasons.is_empty() {
                by_reason
                    .entry("(no reason recorded)".into())
                    .or_default()
                    .push(rule);
            }
            for reason in &r.reasons {
                by_reason.entry(reason.clone()).or_default().push(rule);
            }
        }
        // Declared reasons first; undeclared intent (`--undeclared`) apart, after them.
        let prefix = crate::backend::networkpolicy::undeclared::PREFIX;
        let (undeclared, declared): (Vec<_>, Vec<_>) = by_reason
            .into_iter()
            .partition(|(reason, _)| reason.starts_with(prefix));
        for (reason, rules) in declared {
            let _ = writeln!(out, "  because {reason}:");
            let _ = writeln!(out, "    {}", rules.join(", "));
        }
        if !undeclared.is_empty() {
            let _ = writeln!(
                out,
                "  undeclared intent (allowed by --undeclared because no manifest says who connects; declare it to make the policy exact):"
            );
        }
        for (reason, rules) in undeclared {
            let _ = writeln!(out, "  because {reason}:");
            let _ = writeln!(out, "    {}", rules.join(", "));
        }
    }
    Ok(out)
}

fn at<T: Display>(out: &mut String, label: &str, value: T, fact_at: &Provenance) {
    let _ = writeln!(out, "    {label:<18} {value}  ← {fact_at}");
}

fn fact<T, D: Display>(out: &mut String, label: &str, f: &Fact<T>, show: impl Fn(&T) -> D) {
    at(out, label, show(&f.value), &f.at);
    for o in &f.overridden {
        let _ = writeln!(
            out,
            "    {:<18} (overrides {} ← {})",
            "",
            show(&o.value),
            o.at
        );
    }
}

fn yes(b: &bool) -> &'static str {
    if *b { "yes" } else { "no" }
}

fn declared(out: &mut String, w: &Workload, containers: &[&Container]) {
    out.push_str("\ndeclared intent\n");
    for c in containers {
        let _ = writeln!(out, "  container {} ({:?})", c.name, c.role);
        if let Some(i) = &c.image {
            fact(out, "image", i, |v| v.raw.clone());
        }
        for b in &c.base_images {
            fact(out, "built from", b, |v| v.raw.clone());
        }
        if let Some(r) = &c.runtime {
            fact(out, "runtime", r, |v| v.to_string());
        }
        if let Some(e) = &c.process.entrypoint {
            fact(out, "entrypoint", e, |v| format!("{v:?}"));
        }
        if let Some(e) = &c.process.command {
            fact(out, "command", e, |v| format!("{v:?}"));
        }
        match &c.user {
            Some(u) => fact(out, "user", u, |v| v.spec.clone()),
            None => {
                let _ = writeln!(
                    out,
                    "    {:<18} (none declared: the image's default user)",
                    "user"
                );
            }
        }
        if let Some(f) = &c.run_as_non_root {
            fact(out, "runAsNonRoot", f, yes);
        }
        fact(out, "privileged", &c.privileged, yes);
        fact(out, "no-new-privileges", &c.no_new_privileges, yes);
        fact(out, "read-only root", &c.read_only_root, yes);
        if c.capabilities.effective.is_empty() {
            let _ = writeln!(out, "    {:<18} (none)", "capabilities");
        }
        // One line per reason: `cap_drop: [ALL]` drops fourteen capabilities for one reason.
        for (label, set) in [
            ("capabilities", &c.capabilities.effective),
            ("dropped", &c.capabilities.dropped),
        ] {
            let mut by_reason: BTreeMap<&Provenance, Vec<String>> = BTreeMap::new();
            for (cap, why) in set {
                by_reason.entry(why).or_default().push(cap.to_string());
            }
            for (why, caps) in by_reason {
                at(out, label, caps.join(", "), why);
            }
        }
        for l in &c.listens {
            at(
                out,
                "listens",
                format!("{}/{} ({:?})", l.port, l.protocol, l.origin),
                &l.at,
            );
            for p in &l.published {
                at(out, "  published", format!("{:?}", p.via), &p.at);
            }
        }
        for m in &c.mounts {
            let ro = if m.read_only { "ro" } else { "rw" };
            at(
                out,
                "mount",
                format!("{} ({:?}, {ro})", m.target, m.kind),
                &m.at,
            );
        }
        for p in c.probes.iter().chain(c.overridden_probes.iter()) {
            let what = match &p.action {
                ProbeAction::Exec(argv) => format!("exec {argv:?}"),
                other => format!("{other:?}"),
            };
            at(out, &format!("{:?}", p.role).to_lowercase(), what, &p.at);
        }
        for (name, e) in &c.env {
            let v = match &e.value {
                EnvValue::Literal { value } => format!("{name}={value}"),
                other => format!("{name} from {other:?}"),
            };
            at(out, "env", v, &e.at);
        }
        for (profile, what) in [
            (&c.seccomp, "declared seccomp"),
            (&c.apparmor, "declared apparmor"),
        ] {
            if let Some(p) = profile {
                fact(out, what, p, |v| match v {
                    DeclaredProfile::Unconfined => "unconfined".to_owned(),
                    DeclaredProfile::RuntimeDefault => "runtime default".to_owned(),
                    DeclaredProfile::Localhost(n) => n.clone(),
                });
            }
        }
    }
    out.push_str("  network\n");
    fact(out, "mode", &w.network.mode, |m| match m {
        NetworkMode::Default => "own namespace".to_owned(),
        NetworkMode::None => "none (loopback only)".to_owned(),
        NetworkMode::Host => "host".to_owned(),
        NetworkMode::Service(s) => format!("service:{s}"),
        NetworkMode::Container(s) => format!("container:{s}"),
    });
    for p in &w.network.peers {
        let target = match &p.target {
            PeerTarget::Workload { id } => id.clone(),
            PeerTarget::External { host, cidr } => match cidr {
                Some(c) => format!("{host} ({c}, external)"),
                None => format!("{host} (external)"),
            },
        };
        let port = p
            .port
            .map_or("any declared port".to_owned(), |p| p.to_string());
        at(
            out,
            "connects to",
            format!("{target}:{port}/{}", p.protocol),
            &p.at,
        );
    }
    if !w.notes.is_empty() {
        out.push_str("  warnings\n");
        for n in &w.notes {
            let _ = writeln!(out, "    ! {} ← {}", n.message, n.at);
        }
    }
    for c in containers {
        if c.privileged.value {
            let _ = writeln!(
                out,
                "    ! container {} is privileged: it runs unconfined, no seccomp or AppArmor profile applies ← {}",
                c.name, c.privileged.at
            );
        }
    }
}
