//! What `cinch --version` prints: `cinch 0.1.0 (abc1234, Kubernetes 1.34)` — the release,
//! the commit it was built from (`build.rs`; `unknown` outside a git checkout) and the
//! Kubernetes API version whose objects it reads (the `k8s-openapi` feature), as `kubectl
//! version --client` names its API. A bug report then says what produced a profile.
//!
//! Generated profiles never carry it: an upgrade that changes no rule must change no byte.
//! Only the output directory's file list (`.cinch-generated`, rewritten only when some
//! profile changed) records it, so `check` can say when a stale tree came from another
//! cinch ([`crate::workflow::check`]).

// The Kubernetes version is spelled out here, guarded by the feature: enabling another
// `k8s-openapi` version leaves `VERSION` undefined, and the build fails until this is updated.
k8s_openapi::k8s_if_1_34! {
    /// The version string (without the leading `cinch `).
    pub const VERSION: &str = concat!(
        env!("CARGO_PKG_VERSION"),
        " (",
        env!("CINCH_GIT_COMMIT"),
        ", Kubernetes 1.34)"
    );
}

/// `cinch 0.1.0 (…)`: how the output directory's file list names the cinch that wrote it.
pub fn long() -> String {
    format!("cinch {VERSION}")
}
