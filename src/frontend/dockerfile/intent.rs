//! The evaluated target stage → a `Container`: what a container of this image runs with,
//! every fact pointing at the instruction (and the ARG/ENV lines) it came from.

use std::sync::Arc;

use crate::diag::Diagnostics;
use crate::frontend::explicit;
use crate::intent::{
    Container, ContainerRole, EnvValue, Fact, Probe, ProbeAction, ProbeRole, Provenance, Runtime,
};

use super::eval::{Health, Step};
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
    if let Some(file) = image.from_at.location().map(|l| Arc::clone(&l.file)) {
        c.unsafe_pipes = image
            .stages
            .iter()
            .flat_map(|(_, _, _, steps)| steps)
            .filter_map(|step| match step {
                Step::Run { line, argv, .. } if pipe_without_pipefail(argv) => Some(Fact::new(
                    argv.last().cloned().unwrap_or_default(),
                    Provenance::line(&file, *line, "RUN"),
                )),
                Step::Run { .. } | Step::File { .. } => None,
            })
            .collect();
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

/// A RUN whose shell (`sh -c CMD`, the shell form or written out) runs a pipeline without
/// `pipefail`: the pipeline's status is its last command's, so `curl … | tar x` builds a
/// broken image when curl fails (hadolint DL4006). `pipefail` may be set by `SHELL` or in
/// the command itself.
fn pipe_without_pipefail(argv: &[String]) -> bool {
    let Some((cmd, shell)) = argv.split_last() else {
        return false;
    };
    let through_shell = shell.iter().any(|a| a == "-c");
    through_shell && !argv.iter().any(|a| a.contains("pipefail")) && has_pipe(cmd)
}

/// A `|` outside quotes that is not `||` (a pipe, `|&` too), command substitutions `$(…)`
/// included even inside double quotes (`"$(dpkg --print-architecture | awk …)"`). A shell
/// parser would be exact; this scan tells the cases real Dockerfiles have apart.
fn has_pipe(cmd: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum In {
        Plain,
        Single,
        Double,
    }
    // Innermost last; a `$(` starts a plain context, whatever surrounds it.
    let mut stack = vec![In::Plain];
    let chars: Vec<char> = cmd.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let at = *stack.last().unwrap_or(&In::Plain);
        match (at, c) {
            (In::Single, '\'') | (In::Double, '"') => {
                stack.pop();
            }
            (In::Single, _) => {}
            (_, '\\') => i += 1,
            (_, '$') if chars.get(i + 1) == Some(&'(') => {
                stack.push(In::Plain);
                i += 1;
            }
            (In::Double, _) => {}
            (In::Plain, ')') if stack.len() > 1 => {
                stack.pop();
            }
            (In::Plain, '\'') => stack.push(In::Single),
            (In::Plain, '"') => stack.push(In::Double),
            (In::Plain, '|') if chars.get(i + 1) == Some(&'|') => i += 1,
            (In::Plain, '|') => return true,
            (In::Plain, _) => {}
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(shell: &[&str], cmd: &str) -> Vec<String> {
        shell
            .iter()
            .map(|s| s.to_string())
            .chain([cmd.to_owned()])
            .collect()
    }

    #[test]
    fn a_pipe_without_pipefail_is_found() {
        let sh = ["/bin/sh", "-c"];
        assert!(pipe_without_pipefail(&argv(&sh, "curl -fsSL x | tar xz")));
        assert!(pipe_without_pipefail(&argv(&sh, "a |& b")));
        assert!(!pipe_without_pipefail(&argv(&sh, "a || b")));
        assert!(!pipe_without_pipefail(&argv(
            &sh,
            "echo 'a | b' \"c|d\" e\\|f"
        )));
        assert!(!pipe_without_pipefail(&argv(&sh, "set -o pipefail; a | b")));
        // A pipeline in a command substitution, quoted or not (docker-library's postgres).
        assert!(pipe_without_pipefail(&argv(
            &sh,
            "arch=\"$(dpkg --print-architecture | awk -F- '{ print $NF }')\""
        )));
        assert!(!pipe_without_pipefail(&argv(
            &sh,
            "x=\"$(echo '|')\" || true"
        )));
        let bash = ["/bin/bash", "-o", "pipefail", "-c"];
        assert!(!pipe_without_pipefail(&argv(&bash, "a | b")));
        // Exec form runs no shell.
        assert!(!pipe_without_pipefail(&argv(&["/usr/bin/env"], "a | b")));
    }
}
