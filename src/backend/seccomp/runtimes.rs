//! Well-known components: the syscalls each was *measured* to make, so that its profile
//! holds what it uses instead of whole generic groups (the seed's "containers are
//! predictable").
//!
//! The data files in `measured/` are written by `scripts/measure-syscalls.sh`: the Debian
//! package of each server is started under `strace -f`, serves representative requests, is
//! reloaded, health-checked and shut down (each file's header says exactly what ran, which
//! version, on which system), and every syscall any of its processes attempted is listed,
//! with the socket families it opened. Re-run the script after a distribution upgrade and
//! review the diff. Names are x86_64 names; `arch::resolve` maps them to arm64 and 32-bit.
//!
//! A measured set narrows, it does not widen: a measured call is allowed only when the
//! generic group it belongs to is allowed by intent (a measured `setuid` does not survive
//! `cap_drop: [ALL]`), and the runtime minimum and the container runtime's own needs are
//! always added, since an image's libc (musl in alpine variants) may differ from Debian's.
//!
//! Two kinds of measurement: servers whose whole behaviour is known (nginx, redis, postgres:
//! every group is narrowed), and language runtimes (python, node, JVM, Go, shell) measured
//! with a sample server and a sample application exercising common library paths (threads,
//! subprocesses, file writes, DNS, HTTP clients). The program in such an image is someone's
//! code, so what intent declares about it — writing files, listening, capabilities — is
//! granted whole, and only the runtime's own mechanics are narrowed.

use std::collections::BTreeSet;

use crate::intent::{ImageRef, Runtime};

use super::groups::Family;
use super::names::NameSet;

/// One runtime's measurement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Measured {
    pub runtime: Runtime,
    /// x86_64 syscall names.
    pub names: BTreeSet<&'static str>,
    /// The same names as a set the seccomp builder combines cheaply.
    pub name_set: NameSet,
    /// Socket families it created (`socket`/`socketpair` first argument).
    pub families: BTreeSet<Family>,
    /// The first lines of the data file (how it was measured), without `# `.
    pub header: Vec<&'static str>,
    /// Whether the measurement covers the program itself (a server whose behaviour is fixed:
    /// nginx, redis, postgres) or only its language runtime running a sample application
    /// (python, node, a JVM, Go, a shell: the program in the image is someone's code).
    pub program_known: bool,
}

fn data(runtime: Runtime) -> &'static str {
    match runtime {
        Runtime::Nginx => include_str!("measured/nginx.txt"),
        Runtime::Redis => include_str!("measured/redis.txt"),
        Runtime::Postgres => include_str!("measured/postgres.txt"),
        Runtime::Python => include_str!("measured/python.txt"),
        Runtime::Node => include_str!("measured/node.txt"),
        Runtime::Jvm => include_str!("measured/jvm.txt"),
        Runtime::Go => include_str!("measured/go.txt"),
        Runtime::Shell => include_str!("measured/shell.txt"),
    }
}

/// Official images whose ENTRYPOINT (or CMD) is a shell script that runs before the program
/// (their Dockerfiles; the lab runs them, tests/lab/entrypoints): the shell's measured set is
/// then needed too, unless the manifest replaces the entrypoint. Keyed by the image, not the
/// runtime: `eclipse-temurin` starts through bash, `openjdk` and `amazoncorretto` do not.
pub fn entrypoint_script(image: &ImageRef) -> Option<&'static str> {
    match image.short_name() {
        "nginx" | "nginx-unprivileged" => Some("nginx image ENTRYPOINT /docker-entrypoint.sh (sh)"),
        "redis" | "valkey" => Some("redis image ENTRYPOINT docker-entrypoint.sh (sh)"),
        "postgres" | "postgis" => {
            Some("postgres image ENTRYPOINT docker-entrypoint.sh (bash, runs initdb)")
        }
        "node" => Some("node image ENTRYPOINT docker-entrypoint.sh (sh)"),
        "eclipse-temurin" => {
            Some("eclipse-temurin image ENTRYPOINT /__cacert_entrypoint.sh (bash)")
        }
        "tomcat" => Some("tomcat image CMD catalina.sh run (sh)"),
        _ => None,
    }
}

fn program_known(runtime: Runtime) -> bool {
    match runtime {
        Runtime::Nginx | Runtime::Redis | Runtime::Postgres => true,
        Runtime::Python | Runtime::Node | Runtime::Jvm | Runtime::Go | Runtime::Shell => false,
    }
}

/// The measurement for a runtime, parsed once per run (every container asks).
pub fn measured(runtime: Runtime) -> &'static Measured {
    static ALL: std::sync::OnceLock<Vec<Measured>> = std::sync::OnceLock::new();
    let all = ALL.get_or_init(|| Runtime::ALL.iter().map(|rt| parse(*rt)).collect());
    let i = Runtime::ALL
        .iter()
        .position(|rt| *rt == runtime)
        .expect("Runtime::ALL lists every runtime");
    &all[i]
}

fn parse(runtime: Runtime) -> Measured {
    let text = data(runtime);
    let mut names = BTreeSet::new();
    let mut families = BTreeSet::new();
    let mut header = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(comment) = line.strip_prefix('#') {
            let comment = comment.trim();
            if let Some(list) = comment.strip_prefix("families:") {
                families.extend(list.split_whitespace().filter_map(Family::from_name));
            } else {
                header.push(comment);
            }
        } else if !line.is_empty() {
            names.insert(line);
        }
    }
    let mut name_set = NameSet::default();
    for n in &names {
        let known = name_set.insert(n);
        debug_assert!(known, "{runtime}: {n} is in no syscall table");
    }
    Measured {
        runtime,
        names,
        name_set,
        families,
        header,
        program_known: program_known(runtime),
    }
}

#[cfg(test)]
mod tests {
    use super::super::arch::Abi;
    use super::super::{capabilities, container_runtime, groups};
    use super::*;

    /// Every measured call must be somewhere in the tables, or the narrowing would drop it
    /// silently; a new call after a re-measurement makes this fail until a table has it.
    #[test]
    fn every_measured_name_is_in_a_table() {
        let mut known: BTreeSet<&str> = groups::Group::ALL
            .iter()
            .flat_map(|g| g.names().iter().copied())
            .collect();
        known.extend(
            crate::intent::Capability::ALL
                .iter()
                .flat_map(|c| capabilities::syscalls(*c).iter().copied()),
        );
        known.extend(container_runtime::AFTER_FILTER);
        known.extend(container_runtime::WITHOUT_NO_NEW_PRIVILEGES);
        known.extend(["clone", "clone3", "socket", "setuid", "setgid"]);
        for rt in Runtime::ALL {
            let m = measured(*rt);
            assert!(m.names.len() > 20, "{rt}: {} names", m.names.len());
            assert!(
                m.header.iter().any(|h| h.contains("measure-syscalls.sh")),
                "{rt}: header says how"
            );
            for n in &m.names {
                assert!(Abi::X86_64.knows(n), "{rt}: {n} is not an x86_64 syscall");
                assert!(known.contains(n), "{rt}: measured {n} is in no table");
            }
        }
    }
}
