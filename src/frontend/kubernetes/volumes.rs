//! `volumeMounts` joined with the pod's `volumes`: what each mounted path is (kind, source)
//! and whether the container may write it.
//!
//! configMap, secret, downwardAPI and projected volumes are always mounted read-only by the
//! kubelet since Kubernetes 1.10 (CVE-2017-1002102, kubernetes/kubernetes#58720), whatever
//! `readOnly` says; a PVC's `readOnly: true` makes every mount of it read-only.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{PodSpec, Volume, VolumeMount};

use crate::diag::Code;
use crate::intent::{Mount, MountKind, Provenance};

use super::{Ctx, Loc};

/// A pod volume as mounts see it.
pub(crate) struct PodVolume {
    kind: MountKind,
    /// hostPath path, ConfigMap/Secret/PVC name.
    source: Option<String>,
    always_read_only: bool,
    at: Provenance,
}

pub(crate) type Volumes = BTreeMap<String, PodVolume>;

/// The pod's volumes by name, with the volumes a StatefulSet's claim templates add.
pub(crate) fn index(
    ctx: &mut Ctx<'_>,
    spec: &PodSpec,
    spec_loc: &Loc<'_>,
    claims: &[(String, Loc<'_>)],
) -> Volumes {
    let mut out = Volumes::new();
    for (name, loc) in claims {
        let volume = PodVolume {
            kind: MountKind::Volume,
            source: Some(name.clone()),
            always_read_only: false,
            at: ctx.at(loc),
        };
        out.insert(name.clone(), volume);
    }
    for (i, v) in spec.volumes.iter().flatten().enumerate() {
        let loc = spec_loc.key("volumes").idx(i);
        // The StatefulSet controller replaces a pod volume named like a claim template.
        if claims.iter().any(|(c, _)| *c == v.name) {
            continue;
        }
        if out.contains_key(&v.name) {
            ctx.error(
                Code::InvalidValue,
                &loc.key("name"),
                format!("volume name `{}` is used twice", v.name),
            );
            continue;
        }
        // `SetDefaults_Volume`: a volume that names no source is an emptyDir.
        let no_source = loc
            .node()
            .and_then(crate::yaml::Node::as_map)
            .is_some_and(|m| m.iter().all(|(k, _)| k.as_str() == Some("name")));
        let (kind, source, always_read_only) = if no_source {
            (MountKind::EmptyDir, None, false)
        } else {
            classify(v)
        };
        out.insert(
            v.name.clone(),
            PodVolume {
                kind,
                source,
                always_read_only,
                at: ctx.at(&loc),
            },
        );
    }
    out
}

fn classify(v: &Volume) -> (MountKind, Option<String>, bool) {
    if let Some(e) = &v.empty_dir {
        let kind = if e.medium.as_deref() == Some("Memory") {
            MountKind::Tmpfs
        } else {
            MountKind::EmptyDir
        };
        (kind, None, false)
    } else if let Some(h) = &v.host_path {
        (MountKind::HostPath, Some(h.path.clone()), false)
    } else if let Some(c) = &v.config_map {
        (MountKind::Config, Some(c.name.clone()), true)
    } else if let Some(s) = &v.secret {
        (MountKind::Secret, s.secret_name.clone(), true)
    } else if v.projected.is_some() || v.downward_api.is_some() {
        (MountKind::Projected, None, true)
    } else if let Some(p) = &v.persistent_volume_claim {
        (
            MountKind::Volume,
            Some(p.claim_name.clone()),
            p.read_only == Some(true),
        )
    } else {
        // ephemeral, csi, nfs, image and the in-tree cloud disks: storage of its own.
        (MountKind::Volume, None, false)
    }
}

/// The container's mounts. A mount of a volume the pod does not define is an error (the API
/// server rejects it: `volumeMounts[0].name: Not found`).
pub(crate) fn mounts(
    ctx: &mut Ctx<'_>,
    list: &[VolumeMount],
    loc: &Loc<'_>,
    volumes: &Volumes,
) -> Vec<Mount> {
    let mut out = Vec::new();
    for (i, m) in list.iter().enumerate() {
        let ml = loc.idx(i);
        let Some(v) = volumes.get(&m.name) else {
            ctx.error(
                Code::Unresolved,
                &ml.key("name"),
                format!("no volume named `{}` in the pod's volumes", m.name),
            );
            continue;
        };
        if !m.mount_path.starts_with('/') {
            ctx.error(
                Code::InvalidValue,
                &ml.key("mountPath"),
                format!("`{}` is not an absolute path", m.mount_path),
            );
            continue;
        }
        out.push(Mount {
            target: m.mount_path.clone(),
            source: v.source.clone().or_else(|| Some(m.name.clone())),
            kind: v.kind,
            read_only: m.read_only == Some(true) || v.always_read_only,
            at: ctx.at(&ml).via(&v.at),
        });
    }
    out
}
