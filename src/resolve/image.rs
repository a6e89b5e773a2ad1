//! A service's image defaults (its Dockerfile's target stage) beneath the service's own
//! facts, field by field (DESIGN.md §2: manifest field > Dockerfile instruction). The loser
//! of every overridden fact is kept (`Fact::overridden`, `Container::overridden_probes`).
//!
//! Precedence is Docker's (moby `daemon/create.go` merging the container config over the
//! image config): `user`, `working_dir`, `stop_signal`, `entrypoint`, `command` replace the
//! image's value; an `entrypoint` without `command` also drops the image's CMD; environment
//! and labels merge per key, the service winning; `expose`/`ports` add to EXPOSE; a mount
//! at the path of an image VOLUME replaces that anonymous volume; the image's HEALTHCHECK
//! applies unless the service gives a `healthcheck:`.

use crate::intent::{Container, ProbeRole, layer};

pub fn layer_image(image: Container, mut service: Container) -> Container {
    let img = image;
    service.base_images = img.base_images;
    service.runtime = layer(img.runtime, service.runtime);
    service.user = layer(img.user, service.user);
    service.stop_signal = layer(img.stop_signal, service.stop_signal);
    service.process.workdir = layer(img.process.workdir, service.process.workdir);
    service.process.shell = layer(img.process.shell, service.process.shell);
    let entrypoint_given = service.process.entrypoint.is_some();
    service.process.command = match (service.process.command.take(), entrypoint_given) {
        (Some(cmd), _) => layer(img.process.command, Some(cmd)),
        // `docker run --entrypoint`: the image's CMD is not used (moby daemon/create.go).
        (None, true) => {
            let at = service.process.entrypoint.as_ref().map(|e| e.at.clone());
            match (img.process.command, at) {
                (Some(img_cmd), Some(at)) => Some(img_cmd.overridden_by(Vec::new(), at)),
                _ => None,
            }
        }
        (None, false) => img.process.command,
    };
    service.process.entrypoint = layer(img.process.entrypoint, service.process.entrypoint);
    for (k, v) in img.env {
        let merged = match service.env.remove(&k) {
            Some(s) => layer(Some(v), Some(s)),
            None => Some(v),
        };
        service.env.extend(merged.map(|m| (k, m)));
    }
    for (k, v) in img.labels {
        let merged = match service.labels.remove(&k) {
            Some(s) => layer(Some(v), Some(s)),
            None => Some(v),
        };
        service.labels.extend(merged.map(|m| (k, m)));
    }
    service.listens.extend(img.listens);
    service.listens.sort();
    let mounted: Vec<String> = service.mounts.iter().map(|m| m.target.clone()).collect();
    service.mounts.extend(
        img.mounts
            .into_iter()
            .filter(|m| !mounted.contains(&m.target)),
    );
    service.mounts.sort();
    let service_has_health = service
        .probes
        .iter()
        .any(|p| p.role == ProbeRole::Healthcheck);
    for p in img.probes {
        if p.role == ProbeRole::Healthcheck && service_has_health {
            service.overridden_probes.push(p);
        } else {
            service.probes.push(p);
        }
    }
    service.probes.sort();
    service.overridden_probes.extend(img.overridden_probes);
    service.onbuild = img.onbuild;
    service.explicit.merge(img.explicit);
    service
}
