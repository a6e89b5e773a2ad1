//! One rule for privileged containers, shared by seccomp and AppArmor: **no profile file**,
//! and one warning at the line that makes the container privileged.
//!
//! Why no file rather than an "unconfined" one: runtimes apply neither filter to a
//! privileged container — Docker ignores `--security-opt seccomp=…`/`apparmor=…` with
//! `--privileged` (moby `daemon/oci_linux.go`: `if c.HostConfig.Privileged` skips both), and
//! Kubernetes runs privileged pods Unconfined. A seccomp file with `SCMP_ACT_ALLOW` would be
//! a profile that confines nothing, which someone may later apply to a non-privileged
//! variant of the workload believing it was generated for it. The absence is visible where
//! it matters: `check`/`diff` show the files disappear when a workload becomes privileged,
//! `explain` says why no profile exists, and wiring leaves the container alone with a
//! comment.

use crate::diag::{Code, Diagnostic, Severity};
use crate::intent::{Container, Workload};

/// The warning both backends give (the same diagnostic, printed once: diagnostics are
/// deduplicated), or `None` when `c` is not privileged.
pub fn warning(w: &Workload, c: &Container) -> Option<Diagnostic> {
    if !c.privileged.value {
        return None;
    }
    let at = &c.privileged.at;
    Some(at.diagnostic_at_column(
        Severity::Warning,
        Code::Privileged,
        format!(
            "container `{}` of {} is privileged: runtimes apply no seccomp or AppArmor profile to it, so none is written; drop `privileged` and add only the capabilities it needs",
            c.name, w.id
        ),
    ))
}
