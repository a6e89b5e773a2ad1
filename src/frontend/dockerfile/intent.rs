//! The evaluated target stage → a `Container`: what a container of this image runs with,
//! every fact pointing at the instruction (and the ARG/ENV lines) it came from.

use crate::diag::Diagnostics;
use crate::frontend::explicit;
use crate::intent::{
    Container, ContainerRole, EnvValue, Fact, Probe, ProbeAction, ProbeRole, Runtime,
};

use super::eval::Health;
use super::stages::Image;

/// Label prefix for explicit intent (DESIGN.md §5): `LABEL cinch.egress="api.stripe.com:443"`.
const EXPLICIT_PREFIX: &str = "cinch.";

pub fn container(image: Image, name: &str, diags: &mut Diagnostics) -> Container {
    let mut c = Container::new(name, ContainerRole::Main);
    let cfg = image.config;
    c.base_images = image.base_images;
    c.runtime = image
        .root
        .as_ref()
        .and_then(|root| Runtime::from_image(&root.value).map(|rt| Fact::new(rt, root.at.clone())));
    c.process.entrypoint = cfg.entrypoint;
    c.process.command = cfg.cmd;
    c.process.workdir = cfg.workdir;
    // The shell shell-form CMD/ENTRYPOINT/HEALTHCHECK run with; the default one is implied.
    let shell = cfg
        .shell
        .as_ref()
        .map_or_else(|| image.default_shell.clone(), |s| s.value.clone());
    c.process.shell = cfg.shell.clone();
    c.user = cfg.user;
    c.listens = cfg.listens;
    c.mounts = cfg.volumes;
    c.stop_signal = cfg.stop_signal;
    c.env = cfg
        .env
        .into_iter()
        .map(|(k, f)| (k, f.map(|value| EnvValue::Literal { value })))
        .collect();
    if let Some((health, at)) = cfg.health {
        let action = match health {
            Health::None => ProbeAction::Disabled,
            Health::Exec(argv) => ProbeAction::Exec(argv),
            Health::Shell(text) => {
                let mut argv = shell;
                argv.push(text);
                ProbeAction::Exec(argv)
            }
        };
        let at = match &cfg.shell {
            Some(sh) if matches!(action, ProbeAction::Exec(_)) => at.via(&sh.at),
            _ => at,
        };
        c.probes.push(Probe {
            role: ProbeRole::Healthcheck,
            action,
            at,
        });
    }
    c.onbuild = cfg
        .onbuild
        .into_iter()
        .map(|t| Fact::new(t.text, t.at))
        .collect();
    let mut entries = Vec::new();
    for (k, f) in cfg.labels {
        match k.strip_prefix(EXPLICIT_PREFIX) {
            Some(key) => entries.push((key.to_owned(), f.value, f.at)),
            None => {
                c.labels.insert(k, f);
            }
        }
    }
    if let Some((_, _, at)) = entries.first() {
        let file = at.file().unwrap_or("").to_owned();
        c.explicit = explicit::from_strings(
            entries
                .iter()
                .map(|(k, v, at)| (k.as_str(), v.as_str(), at.clone())),
            &file,
            diags,
        );
    }
    c.listens.sort();
    c.listens.dedup();
    c
}
