//! Which programs may run: `ix` (run under this same profile) for each program intent
//! names, and for the whole image only when intent cannot name them all.
//!
//! The programs are those of `Container::declared_executables` — the entrypoint (or
//! command), the healthcheck, exec probes and hooks — read with their whole argv, so that
//! a one-command shell script (`sh -c "pg_isready -U shop"`) names its program too. AppArmor
//! matches the path the kernel executes, after symlinks: a bare name is allowed in each
//! PATH directory, and `/bin/x` also as `/usr/bin/x` (merged /usr, where /bin → usr/bin).
//! A program that is a symlink in the image (`/bin/sh` → `dash`) is matched by its target,
//! which cinch cannot see; the profile header says to roll out with `--complain` first.
//!
//! Intent cannot name the programs when the image's ENTRYPOINT is unknown (a Compose
//! `command:` runs *through* it: docker run reference, "ENTRYPOINT"), when a shell script
//! is more than one plain command, when a wrapper (`tini`, `env`, `gosu`) starts another
//! program, or when a relative path or PATH entry has no known directory. Then every
//! program of the image may run, and each reason is written above that rule. Mounts that
//! start empty (tmpfs, emptyDir) hold only what was written at run time: nothing there
//! runs. Volumes and bind mounts may hold programs (Docker fills a new named volume from
//! the image; `node_modules/.bin` often lives in one), so they are left alone.

use crate::intent::{Container, EnvValue, MountKind, ProbeAction, ProbeRole, Provenance};

use super::build::Problems;
use super::escape::{PathPattern, clean};
use super::files::{MountPath, is_under, kind_name};
use super::model::{Access, Perms, Reason, Rule, RuleGroup, Topic};
use super::shell::{self, Inner};

/// Docker's and containerd's PATH when neither the image nor the manifest sets one (moby
/// `oci.DefaultPathEnv`, containerd `oci.DefaultPathEnv`).
const DEFAULT_PATH: &[&str] = &[
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
];

/// One program cinch names, with every reason it is run.
struct Named {
    pattern: PathPattern,
    /// The concrete paths the pattern stands for (to keep their directories executable).
    paths: Vec<String>,
    why: Vec<Reason>,
}

#[derive(Default)]
struct Programs {
    named: Vec<Named>,
    /// Why intent cannot name every program.
    unknown: Vec<Reason>,
}

impl Programs {
    fn add(&mut self, pattern: PathPattern, paths: Vec<String>, why: Reason) {
        match self.named.iter_mut().find(|n| n.pattern == pattern) {
            Some(n) if n.why.contains(&why) => {}
            Some(n) => n.why.push(why),
            None => self.named.push(Named {
                pattern,
                paths,
                why: vec![why],
            }),
        }
    }

    fn unknown(&mut self, what: String, at: &Provenance) {
        let r = Reason::new(format!("{what}; so every program of the image may run"), at);
        if !self.unknown.contains(&r) {
            self.unknown.push(r);
        }
    }
}

/// The argv of each declared program — the same list as `Container::declared_executables`
/// (which keeps only the first words): the main program, `None` when the inputs do not
/// declare it, and the exec probes and hooks.
type Argv<'a> = (Vec<String>, &'static str, &'a Provenance);

fn argvs(c: &Container) -> (Option<Argv<'_>>, Vec<Argv<'_>>) {
    let p = &c.process;
    let main = match (
        p.entrypoint.as_ref().filter(|f| !f.value.is_empty()),
        p.command.as_ref(),
    ) {
        (Some(ep), cmd) => {
            let mut argv = ep.value.clone();
            argv.extend(cmd.map(|c| c.value.clone()).unwrap_or_default());
            Some((argv, "entrypoint", &ep.at))
        }
        (None, Some(cmd)) if !cmd.value.is_empty() => Some((cmd.value.clone(), "command", &cmd.at)),
        (None, _) => None,
    };
    let mut probes = Vec::new();
    for probe in &c.probes {
        if let ProbeAction::Exec(argv) = &probe.action
            && !argv.is_empty()
        {
            probes.push((argv.clone(), role_name(probe.role), &probe.at));
        }
    }
    (main, probes)
}

#[cfg(test)]
pub(super) fn argvs_for_test(c: &Container) -> (Option<Argv<'_>>, Vec<Argv<'_>>) {
    argvs(c)
}

fn role_name(role: ProbeRole) -> &'static str {
    match role {
        ProbeRole::Healthcheck => "healthcheck",
        ProbeRole::Liveness => "liveness probe",
        ProbeRole::Readiness => "readiness probe",
        ProbeRole::Startup => "startup probe",
        ProbeRole::PostStart => "post-start hook",
        ProbeRole::PreStop => "pre-stop hook",
    }
}

/// Where bare program names are looked up: PATH from the manifest, else the runtime's.
enum Lookup {
    /// `at`: where PATH is set (`None`: the runtime's default).
    Dirs {
        dirs: Vec<String>,
        source: String,
        at: Option<Provenance>,
    },
    Unknown {
        why: String,
        at: Provenance,
    },
}

fn lookup(c: &Container) -> Lookup {
    let Some(path) = c.env.get("PATH") else {
        return Lookup::Dirs {
            dirs: DEFAULT_PATH.iter().map(|d| (*d).to_owned()).collect(),
            source: "the runtime's default PATH".into(),
            at: None,
        };
    };
    let text = match &path.value {
        EnvValue::Literal { value } => value.as_str(),
        EnvValue::ConfigMap { value: Some(v), .. } => v.as_str(),
        EnvValue::FromHost
        | EnvValue::Secret { .. }
        | EnvValue::ConfigMap { value: None, .. }
        | EnvValue::Field { .. } => {
            return Lookup::Unknown {
                why: "PATH is only known at run time".into(),
                at: path.at.clone(),
            };
        }
    };
    let mut dirs: Vec<String> = Vec::new();
    for entry in text.split(':') {
        if !entry.starts_with('/') {
            // An empty or relative entry searches the working directory (execvp(3)).
            return Lookup::Unknown {
                why: format!("PATH entry `{entry}` is relative to the working directory"),
                at: path.at.clone(),
            };
        }
        let d = clean(entry);
        if !dirs.contains(&d) {
            dirs.push(d);
        }
    }
    Lookup::Dirs {
        dirs,
        source: "PATH".into(),
        at: Some(path.at.clone()),
    }
}

/// Everything one argv runs: its program, and what a script or wrapper starts.
fn collect(
    argv: &[String],
    role: &str,
    at: &Provenance,
    ctx: &Ctx<'_>,
    out: &mut Programs,
    problems: &mut Problems,
) {
    resolve(&argv[0], role, at, ctx, out, problems);
    match shell::inner(argv) {
        Inner::Nothing | Inner::Builtins => {}
        Inner::Program(p) => {
            resolve(p, role, at, ctx, out, problems);
            if shell::is_wrapper(p) {
                let name = shell::basename(p);
                out.unknown(format!("the {role}'s script runs `{name}`, which starts a program cinch cannot name"), at);
            }
        }
        Inner::Unknown(why) => out.unknown(format!("in the {role}, {why}"), at),
    }
}

struct Ctx<'a> {
    lookup: &'a Lookup,
    workdir: Option<&'a str>,
}

/// `prog` as a pattern: absolute (and its merged-/usr twin), through PATH, or relative to
/// the working directory.
fn resolve(
    prog: &str,
    role: &str,
    at: &Provenance,
    ctx: &Ctx<'_>,
    out: &mut Programs,
    problems: &mut Problems,
) {
    let what = format!("{role} program");
    let why = Reason::new(format!("the {role} runs {prog}"), at);
    let absolute = if prog.starts_with('/') {
        Some(clean(prog))
    } else if prog.contains('/') {
        match ctx.workdir {
            Some(dir) => Some(clean(&format!("{dir}/{prog}"))),
            None => {
                out.unknown(format!("the {role} runs `{prog}`, relative to a working directory the inputs do not declare"), at);
                return;
            }
        }
    } else {
        None
    };
    let result = match absolute {
        Some(path) => absolute_pattern(&path),
        None => match ctx.lookup {
            Lookup::Dirs {
                dirs,
                source,
                at: path_at,
            } => {
                let why = Reason::new(format!("the {role} runs {prog}, looked up in {source}"), at);
                if let Err(e) = PathPattern::part(prog) {
                    problems.push(at, &what, e);
                    return;
                }
                match in_dirs(dirs, prog) {
                    Ok((pattern, paths)) => out.add(pattern, paths, why),
                    Err(e) => problems.push(path_at.as_ref().unwrap_or(at), "PATH entry", e),
                }
                return;
            }
            Lookup::Unknown { why, at: path_at } => {
                out.unknown(
                    format!("the {role} runs `{prog}` through PATH, and {why}"),
                    path_at,
                );
                return;
            }
        },
    };
    match result {
        Ok((pattern, paths)) => out.add(pattern, paths, why),
        Err(e) => problems.push(at, &what, e),
    }
}

type Resolved = Result<(PathPattern, Vec<String>), super::escape::Unsafe>;

/// `/bin/sh` is `/usr/bin/sh` on merged-/usr images (Debian 12, Ubuntu, Fedora), and
/// AppArmor sees the resolved path: `/{usr/,}bin/sh`.
fn absolute_pattern(path: &str) -> Resolved {
    for top in ["/bin/", "/sbin/", "/lib/", "/lib32/", "/lib64/", "/libx32/"] {
        if let Some(rest) = path.strip_prefix(top) {
            let tail = PathPattern::part(&format!("{}{rest}", &top[1..]))?;
            let paths = vec![path.to_owned(), format!("/usr{path}")];
            return Ok((PathPattern::glob("/{usr/,}").concat(&tail), paths));
        }
    }
    Ok((PathPattern::literal(path)?, vec![path.to_owned()]))
}

/// `/{usr/local/bin,usr/bin}/name`: a path rule must start with `/` (or a variable), so the
/// alternatives are the directories without their leading slash.
fn in_dirs(dirs: &[String], name: &str) -> Resolved {
    for d in dirs {
        PathPattern::literal(d)?;
    }
    let relative = |d: &String| match d.trim_start_matches('/') {
        "" => Ok(PathPattern::glob("")),
        rel => PathPattern::part(rel),
    };
    let parts = dirs.iter().map(relative).collect::<Result<Vec<_>, _>>()?;
    let pattern = PathPattern::glob("/")
        .concat(&PathPattern::any_of(&parts))
        .then("/")
        .concat(&PathPattern::part(name)?);
    let paths = dirs
        .iter()
        .map(|d| format!("{}/{name}", d.trim_end_matches('/')))
        .collect();
    Ok((pattern, paths))
}

pub(super) fn groups(
    c: &Container,
    mounts: &[MountPath<'_>],
    out: &mut Vec<RuleGroup>,
    problems: &mut Problems,
) {
    let lookup = lookup(c);
    let ctx = Ctx {
        lookup: &lookup,
        workdir: c
            .process
            .workdir
            .as_ref()
            .map(|w| w.value.as_str())
            .filter(|w| w.starts_with('/')),
    };
    let mut programs = Programs::default();
    let (main, probes) = argvs(c);
    match &main {
        None => {
            // Point at what brings the unknown program: the image, else the build.
            let at = match (&c.image, &c.build) {
                (Some(image), _) => image.at.clone(),
                (None, Some(build)) => build.at.clone(),
                (None, None) => Provenance::baseline("no image, build or command declared"),
            };
            programs.unknown(
                "no entrypoint or command among the inputs: the image's own program runs".into(),
                &at,
            );
        }
        Some(_) => {
            if c.process.entrypoint.is_none()
                && let Some(cmd) = &c.process.command
            {
                programs.unknown("the image's ENTRYPOINT is not among the inputs, and the command runs through it".into(), &cmd.at);
            }
        }
    }
    for (argv, role, at) in main.iter().chain(&probes) {
        collect(argv, role, at, &ctx, &mut programs, problems);
    }
    for n in &programs.named {
        out.push(RuleGroup::new(
            Topic::Exec,
            n.why.clone(),
            vec![Rule::Exec {
                path: n.pattern.clone(),
            }],
        ));
    }
    if programs.unknown.is_empty() {
        return;
    }
    out.push(RuleGroup::new(
        Topic::Exec,
        programs.unknown.clone(),
        vec![Rule::Exec {
            path: PathPattern::glob("/**"),
        }],
    ));
    let named_paths: Vec<&String> = programs.named.iter().flat_map(|n| n.paths.iter()).collect();
    for m in mounts.iter().filter(|m| starts_empty(m.mount.kind)) {
        if named_paths.iter().any(|p| is_under(p, &m.target)) {
            continue;
        }
        let why = vec![Reason::new(
            format!(
                "{} at {} starts empty: what is written there at run time never runs",
                kind_name(m.mount.kind),
                m.target
            ),
            &m.mount.at,
        )];
        let rules = vec![
            Rule::File {
                access: Access::Deny,
                path: m.pattern.clone(),
                perms: Perms::X,
            },
            Rule::File {
                access: Access::Deny,
                path: m.pattern.then("/**"),
                perms: Perms::X,
            },
        ];
        out.push(RuleGroup::new(Topic::Exec, why, rules));
    }
}

/// Mounts that hold nothing from the image or the host when the container starts.
fn starts_empty(kind: MountKind) -> bool {
    match kind {
        MountKind::Tmpfs | MountKind::EmptyDir => true,
        MountKind::Volume
        | MountKind::Bind
        | MountKind::HostPath
        | MountKind::Secret
        | MountKind::Config
        | MountKind::Projected
        | MountKind::ImageVolume
        | MountKind::Other => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_usr_twins() {
        let (p, paths) = absolute_pattern("/bin/sh").unwrap();
        assert_eq!(p.to_string(), "/{usr/,}bin/sh");
        assert_eq!(paths, ["/bin/sh", "/usr/bin/sh"]);
        let (p, _) = absolute_pattern("/usr/local/bin/app").unwrap();
        assert_eq!(p.to_string(), "/usr/local/bin/app");
        let (p, _) = absolute_pattern("/bin/{a}").unwrap();
        assert_eq!(p.to_string(), r#""/{usr/,}bin/\{a\}""#);
    }

    #[test]
    fn path_lookup_alternates_directories() {
        let dirs: Vec<String> = ["/usr/local/bin", "/bin", "/"]
            .iter()
            .map(|d| (*d).to_owned())
            .collect();
        let (p, paths) = in_dirs(&dirs, "python").unwrap();
        assert_eq!(p.to_string(), "/{usr/local/bin,bin,}/python");
        assert_eq!(paths, ["/usr/local/bin/python", "/bin/python", "/python"]);
        let (p, _) = in_dirs(&dirs[..1], "my,prog").unwrap();
        assert_eq!(p.to_string(), r#""/usr/local/bin/my\,prog""#);
    }
}
