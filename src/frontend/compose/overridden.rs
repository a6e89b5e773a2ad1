//! What an override file replaced. The merged service is what runs; its first file's own
//! definition is lowered too, only to compare, and where a fact's value changed, the first
//! file's value and place are kept as overridden — so `inspect` and `explain` show both, as
//! they do for a Compose service over its Dockerfile. Defaults (baseline facts) are not
//! shown as overridden: the first file never said them.

use crate::intent::{Fact, Overridden, Provenance, Workload};

/// Keep in `merged` the facts of `before` (the same service, first file only) it changed.
pub(super) fn note(merged: &mut Workload, before: &Workload) {
    for (c, b) in merged.containers.iter_mut().zip(&before.containers) {
        optional(&mut c.image, &b.image);
        optional(&mut c.user, &b.user);
        one(&mut c.privileged, &b.privileged);
        one(&mut c.no_new_privileges, &b.no_new_privileges);
        one(&mut c.read_only_root, &b.read_only_root);
        optional(&mut c.process.entrypoint, &b.process.entrypoint);
        optional(&mut c.process.command, &b.process.command);
        optional(&mut c.process.workdir, &b.process.workdir);
        optional(&mut c.seccomp, &b.seccomp);
        optional(&mut c.apparmor, &b.apparmor);
        optional(&mut c.stop_signal, &b.stop_signal);
        for (k, f) in &mut c.env {
            if let Some(bf) = b.env.get(k) {
                one(f, bf);
            }
        }
        for (k, f) in &mut c.sysctls {
            if let Some(bf) = b.sysctls.get(k) {
                one(f, bf);
            }
        }
    }
}

fn optional<T: Clone + PartialEq>(now: &mut Option<Fact<T>>, before: &Option<Fact<T>>) {
    if let (Some(now), Some(before)) = (now, before) {
        one(now, before);
    }
}

fn one<T: Clone + PartialEq>(now: &mut Fact<T>, before: &Fact<T>) {
    if now.value != before.value && matches!(before.at, Provenance::Manifest(_)) {
        now.overridden.push(Overridden {
            value: before.value.clone(),
            at: before.at.clone(),
        });
    }
}
