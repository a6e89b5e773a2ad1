//! One build stage, instruction by instruction: what each does to the image config
//! (USER, ENV, EXPOSE, …: what a container of the image runs with) and to the build
//! (RUN, COPY: kept only to show here-documents and stage dependencies).
//!
//! Semantics follow BuildKit's dispatcher (moby/buildkit
//! `frontend/dockerfile/dockerfile2llb/convert.go`): which instructions substitute
//! variables, `ARG` values (build arg > default > global value), ENV visible to later
//! substitution, shell form wrapped with the stage's `SHELL` at the time of the instruction,
//! `ENTRYPOINT` resetting `CMD` unless this stage set `CMD` (`dispatchEntrypoint`:
//! `if !d.cmdSet { d.image.Config.Cmd = nil }`).

use std::collections::{BTreeMap, BTreeSet};

use parse_dockerfile::{
    Command, Flag, HealthcheckArguments, Instruction, JsonOrStringArray, Source,
};

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::intent::{Fact, Listen, ListenOrigin, Mount, MountKind, Protocol, Provenance, User};

use super::heredoc::{HereDoc, MARK};
use super::kv;
use super::substitute::{self, Expanded, Mode, Value, Var, Vars};
use super::text::Text;

/// The image config a stage builds up; a `FROM <stage>` child starts from a copy.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub env: BTreeMap<String, Fact<String>>,
    pub user: Option<Fact<User>>,
    pub workdir: Option<Fact<String>>,
    pub entrypoint: Option<Fact<Vec<String>>>,
    pub cmd: Option<Fact<Vec<String>>>,
    pub health: Option<(Health, Provenance)>,
    pub shell: Option<Fact<Vec<String>>>,
    pub listens: Vec<Listen>,
    pub volumes: Vec<Mount>,
    pub labels: BTreeMap<String, Fact<String>>,
    pub stop_signal: Option<Fact<String>>,
    pub onbuild: Vec<Trigger>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Health {
    None,
    Exec(Vec<String>),
    /// `CMD-SHELL`: the daemon wraps it with the container's shell when it runs it
    /// (moby `daemon/health.go`), so the final SHELL applies, not the one at this line.
    Shell(String),
}

/// An `ONBUILD` trigger: recorded here, run at the start of a stage built `FROM` this one.
#[derive(Clone, Debug)]
pub struct Trigger {
    pub text: String,
    pub at: Provenance,
    /// Where the ONBUILD instruction is: (stage index, instruction index in the stage).
    pub origin: (usize, usize),
}

/// A build step worth showing (`inspect` does not print these; the fixture tests do).
#[derive(Clone, Debug)]
pub enum Step {
    Run {
        line: u32,
        argv: Vec<String>,
        heredocs: Vec<HereDoc>,
    },
    File {
        line: u32,
        dest: String,
        content: String,
    },
}

/// A stage while its instructions are dispatched.
#[derive(Debug)]
pub struct StageState {
    pub config: Config,
    /// Variables for substitution: the inherited ENV, then this stage's ARG and ENV.
    pub vars: Vars,
    pub cmd_set: bool,
    /// `COPY --from=` / `RUN --mount=from=` names: other stages (or images) it reads.
    pub reads: BTreeSet<String>,
    pub steps: Vec<Step>,
    /// `/bin/sh -c`, or `cmd /S /C` on a Windows base image.
    pub default_shell: Vec<String>,
}

/// What every stage sees: the global ARGs and the build args.
pub struct Scope<'a> {
    pub meta: &'a Vars,
    pub build_args: &'a BTreeMap<String, String>,
    /// Where the build args come from (a Compose `build:`), for `via`.
    pub build_args_at: Option<&'a Provenance>,
}

/// Automatic platform ARGs: predefined in the global scope by BuildKit, values unknown here.
pub const PLATFORM_ARGS: &[&str] = &[
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
];

/// EXPOSE ranges wider than this are not turned into one listen fact per port.
const MAX_EXPOSE_RANGE: usize = 1024;

pub const FLAGS_FROM: &[&str] = &["platform"];
const FLAGS_RUN: &[&str] = &["mount", "network", "security", "device"];
const FLAGS_COPY: &[&str] = &["from", "chown", "chmod", "link", "parents", "exclude"];
const FLAGS_ADD: &[&str] = &[
    "chown",
    "chmod",
    "link",
    "keep-git-dir",
    "checksum",
    "exclude",
    "unpack",
];
const FLAGS_HEALTHCHECK: &[&str] = &[
    "interval",
    "timeout",
    "start-period",
    "start-interval",
    "retries",
];

/// The byte offset where an instruction's keyword starts.
pub fn start_of(ins: &Instruction<'_>) -> Option<usize> {
    Some(match ins {
        Instruction::Add(i) => i.add.span.start,
        Instruction::Arg(i) => i.arg.span.start,
        Instruction::Cmd(i) => i.cmd.span.start,
        Instruction::Copy(i) => i.copy.span.start,
        Instruction::Entrypoint(i) => i.entrypoint.span.start,
        Instruction::Env(i) => i.env.span.start,
        Instruction::Expose(i) => i.expose.span.start,
        Instruction::From(i) => i.from.span.start,
        Instruction::Healthcheck(i) => i.healthcheck.span.start,
        Instruction::Label(i) => i.label.span.start,
        Instruction::Maintainer(i) => i.maintainer.span.start,
        Instruction::Onbuild(i) => i.onbuild.span.start,
        Instruction::Run(i) => i.run.span.start,
        Instruction::Shell(i) => i.shell.span.start,
        Instruction::Stopsignal(i) => i.stopsignal.span.start,
        Instruction::User(i) => i.user.span.start,
        Instruction::Volume(i) => i.volume.span.start,
        Instruction::Workdir(i) => i.workdir.span.start,
        // The enum is #[non_exhaustive]: a newer parse-dockerfile may add instructions.
        _ => return None,
    })
}

fn name_of(ins: &Instruction<'_>) -> &'static str {
    match ins {
        Instruction::Add(_) => "ADD",
        Instruction::Arg(_) => "ARG",
        Instruction::Cmd(_) => "CMD",
        Instruction::Copy(_) => "COPY",
        Instruction::Entrypoint(_) => "ENTRYPOINT",
        Instruction::Env(_) => "ENV",
        Instruction::Expose(_) => "EXPOSE",
        Instruction::From(_) => "FROM",
        Instruction::Healthcheck(_) => "HEALTHCHECK",
        Instruction::Label(_) => "LABEL",
        Instruction::Maintainer(_) => "MAINTAINER",
        Instruction::Onbuild(_) => "ONBUILD",
        Instruction::Run(_) => "RUN",
        Instruction::Shell(_) => "SHELL",
        Instruction::Stopsignal(_) => "STOPSIGNAL",
        Instruction::User(_) => "USER",
        Instruction::Volume(_) => "VOLUME",
        Instruction::Workdir(_) => "WORKDIR",
        _ => "instruction",
    }
}

/// Dispatches instructions onto a stage, reporting problems at their lines.
pub struct Dispatcher<'a, 't> {
    pub text: &'a Text<'t>,
    pub scope: &'a Scope<'a>,
    pub diags: &'a mut Diagnostics,
}

impl Dispatcher<'_, '_> {
    fn error(&mut self, line: u32, msg: impl Into<String>) {
        self.diags.push(Diagnostic::error(
            Code::Dockerfile,
            &self.text.file,
            line,
            msg,
        ));
    }

    fn warn(&mut self, code: Code, line: u32, msg: impl Into<String>) {
        self.diags
            .push(Diagnostic::warning(code, &self.text.file, line, msg));
    }

    /// Substitute a word with the stage's variables; an error is reported and gives `None`.
    fn word(&mut self, vars: &Vars, word: &str, line: u32, what: &str) -> Option<Expanded> {
        match substitute::process_word(word, vars, self.text.escape()) {
            Ok(e) => Some(e),
            Err(m) => {
                self.error(line, format!("{what}: {m}"));
                None
            }
        }
    }

    fn check_flags(&mut self, flags: &[Flag<'_>], known: &[&str], ins: &str, line: u32) {
        for f in flags {
            if !known.contains(&f.name.value.as_ref()) {
                self.warn(
                    Code::UnknownField,
                    line,
                    format!(
                        "{ins}: unknown flag --{} (known: {})",
                        f.name.value,
                        known.join(", ")
                    ),
                );
            }
        }
    }

    /// Apply one instruction. `trigger`: the ONBUILD line it was declared at, when it runs
    /// as a trigger in a child stage.
    pub fn dispatch(
        &mut self,
        st: &mut StageState,
        ins: &Instruction<'_>,
        trigger: Option<&Provenance>,
        origin: (usize, usize),
    ) {
        let Some(start) = start_of(ins) else {
            let line = trigger.map_or(1, Provenance::line_no);
            self.error(line, "an instruction this version of cinch does not know");
            return;
        };
        let line = trigger.map_or_else(|| self.text.line(start), Provenance::line_no);
        let at = |field: String| match trigger {
            Some(t) => Provenance::line(&self.text.file, t.line_no(), format!("ONBUILD {field}")),
            None => Provenance::line(&self.text.file, line, field),
        };
        match ins {
            Instruction::Arg(a) => {
                for (key, default) in kv::args(&a.arguments.value, self.text.escape()) {
                    self.arg(st, &key, default.as_deref(), line, at(format!("ARG {key}")));
                }
            }
            Instruction::Env(e) => {
                let pairs = match kv::name_values(&e.arguments.value, "ENV", self.text.escape()) {
                    Ok(p) => p,
                    Err(m) => return self.error(line, m),
                };
                // Every pair of one ENV is substituted with the variables before it.
                let before = st.vars.clone();
                for (k, v) in pairs {
                    let (Some(k), Some(v)) = (
                        self.word(&before, &k, line, "ENV"),
                        self.word(&before, &v, line, "ENV"),
                    ) else {
                        continue;
                    };
                    if k.text.is_empty() {
                        self.error(line, "ENV names can not be blank");
                        continue;
                    }
                    let p = at(format!("ENV {}", k.text));
                    st.config.env.insert(
                        k.text.clone(),
                        Fact::new(v.text.clone(), v.provenance(p.clone())),
                    );
                    st.vars.insert(k.text, Var::set(v.text, Some(p)));
                }
            }
            Instruction::Label(l) => {
                let pairs = match kv::name_values(&l.arguments.value, "LABEL", self.text.escape()) {
                    Ok(p) => p,
                    Err(m) => return self.error(line, m),
                };
                for (k, v) in pairs {
                    let (Some(k), Some(v)) = (
                        self.word(&st.vars, &k, line, "LABEL"),
                        self.word(&st.vars, &v, line, "LABEL"),
                    ) else {
                        continue;
                    };
                    let p = v.provenance(at(format!("LABEL {}", k.text)));
                    st.config.labels.insert(k.text, Fact::new(v.text, p));
                }
            }
            Instruction::User(u) => {
                let Some(e) = self.word(&st.vars, &u.arguments.value, line, "USER") else {
                    return;
                };
                match User::parse(&e.text) {
                    Ok(user) => {
                        st.config.user = Some(Fact::new(user, e.provenance(at("USER".into()))))
                    }
                    Err(m) => self.error(line, format!("USER {}: {m}", e.text)),
                }
            }
            Instruction::Workdir(w) => {
                let Some(e) = self.word(&st.vars, &w.arguments.value, line, "WORKDIR") else {
                    return;
                };
                let mut p = e.provenance(at("WORKDIR".into()));
                let dir = if is_absolute(&e.text) {
                    clean(&e.text)
                } else {
                    // A relative WORKDIR is relative to the previous one (default `/`).
                    let prev = st.config.workdir.as_ref().map_or("/", |f| f.value.as_str());
                    if let Some(prev) = &st.config.workdir {
                        p = p.via(&prev.at);
                    }
                    clean(&format!("{prev}/{}", e.text))
                };
                st.config.workdir = Some(Fact::new(dir, p));
            }
            Instruction::Expose(x) => {
                for w in &x.arguments {
                    let Some(e) = self.word(&st.vars, &w.value, line, "EXPOSE") else {
                        continue;
                    };
                    for spec in e.text.split_whitespace() {
                        self.expose(st, spec, &w.value, line, e.provenance(at("EXPOSE".into())));
                    }
                }
            }
            Instruction::Volume(v) => {
                let items: Vec<&str> = match &v.arguments {
                    JsonOrStringArray::Json(s) => {
                        s.value.iter().map(|u| u.value.as_ref()).collect()
                    }
                    JsonOrStringArray::String(s) => s.iter().map(|u| u.value.as_ref()).collect(),
                };
                for item in items {
                    let Some(e) = self.word(&st.vars, item, line, "VOLUME") else {
                        continue;
                    };
                    if e.text.trim().is_empty() {
                        self.error(line, "VOLUME specified can not be an empty string");
                        continue;
                    }
                    st.config.volumes.push(Mount {
                        target: e.text.clone(),
                        source: None,
                        kind: MountKind::ImageVolume,
                        read_only: false,
                        at: e.provenance(at("VOLUME".into())),
                    });
                }
            }
            Instruction::Stopsignal(s) => {
                let Some(e) = self.word(&st.vars, &s.arguments.value, line, "STOPSIGNAL") else {
                    return;
                };
                st.config.stop_signal = Some(Fact::new(
                    e.text.clone(),
                    e.provenance(at("STOPSIGNAL".into())),
                ));
            }
            Instruction::Shell(s) => {
                let argv: Vec<String> = s
                    .arguments
                    .iter()
                    .map(|u| u.value.clone().into_owned())
                    .collect();
                st.config.shell = Some(Fact::new(argv, at("SHELL".into())));
            }
            Instruction::Cmd(c) => {
                if let Some(argv) = self.command(st, &c.arguments, line, "CMD", at("CMD".into())) {
                    st.config.cmd = Some(argv);
                    st.cmd_set = true;
                }
            }
            Instruction::Entrypoint(e) => {
                if let Some(argv) = self.command(
                    st,
                    &e.arguments,
                    line,
                    "ENTRYPOINT",
                    at("ENTRYPOINT".into()),
                ) {
                    st.config.entrypoint = Some(argv);
                    if !st.cmd_set {
                        // Docker runs ENTRYPOINT without the base image's CMD from here on.
                        st.config.cmd =
                            Some(Fact::new(Vec::new(), at("ENTRYPOINT (resets CMD)".into())));
                    }
                }
            }
            Instruction::Healthcheck(h) => {
                self.check_flags(&h.options, FLAGS_HEALTHCHECK, "HEALTHCHECK", line);
                let health = match &h.arguments {
                    HealthcheckArguments::None { .. } => Health::None,
                    HealthcheckArguments::Cmd { arguments, .. } => match arguments {
                        Command::Exec(argv) => Health::Exec(
                            argv.value
                                .iter()
                                .map(|u| u.value.clone().into_owned())
                                .collect(),
                        ),
                        Command::Shell(s) => {
                            Health::Shell(self.text.joined(s.span.clone()).trim().to_owned())
                        }
                        _ => {
                            return self
                                .error(line, "HEALTHCHECK CMD in a form cinch does not know");
                        }
                    },
                    _ => return self.error(line, "HEALTHCHECK in a form cinch does not know"),
                };
                if let Health::Exec(argv) = &health
                    && argv.is_empty()
                {
                    return self.error(line, "HEALTHCHECK CMD requires at least one argument");
                }
                st.config.health = Some((health, at("HEALTHCHECK".into())));
            }
            Instruction::Onbuild(o) => {
                let inner = &*o.instruction;
                if matches!(
                    inner,
                    Instruction::From(_) | Instruction::Onbuild(_) | Instruction::Maintainer(_)
                ) {
                    return self.error(line, format!("ONBUILD {} is not allowed", name_of(inner)));
                }
                let text = start_of(inner)
                    .map(|s| self.text.logical_line(s))
                    .unwrap_or_default();
                st.config.onbuild.push(Trigger {
                    text,
                    at: at("ONBUILD".into()),
                    origin,
                });
            }
            Instruction::Run(r) => {
                self.check_flags(&r.options, FLAGS_RUN, "RUN", line);
                for f in &r.options {
                    if f.name.value == "mount"
                        && let Some(v) = &f.value
                    {
                        let from = v.value.split(',').find_map(|kv| kv.strip_prefix("from="));
                        if let Some(from) = from {
                            st.reads.insert(from.to_owned());
                        }
                    }
                }
                let heredocs: Vec<HereDoc> = self
                    .text
                    .prepared
                    .heredocs
                    .get(&self.text.line(start))
                    .cloned()
                    .unwrap_or_default();
                let argv = match &r.arguments {
                    Command::Exec(argv) => argv
                        .value
                        .iter()
                        .map(|u| u.value.clone().into_owned())
                        .collect(),
                    Command::Shell(s) => {
                        let mut argv = shell_of(st);
                        argv.push(self.text.joined(s.span.clone()).trim().to_owned());
                        argv
                    }
                    _ => return self.error(line, "RUN in a form cinch does not know"),
                };
                // The shell expands a RUN here-document's variables when it runs: the
                // build's ARG/ENV values are known, anything else stays as written.
                let keep = Mode {
                    keep_quotes: true,
                    keep_unset: true,
                };
                let heredocs = heredocs
                    .into_iter()
                    .map(|mut h| {
                        if h.expand
                            && let Ok(e) = substitute::process(&h.body, &st.vars, '\\', keep)
                        {
                            h.body = e.text;
                        }
                        h
                    })
                    .collect::<Vec<_>>();
                // `RUN <<EOF` alone: BuildKit runs the body itself as the shell's script
                // (dispatchRun: one here-document that is the whole command).
                let mut argv = argv;
                if let ([h], Command::Shell(_)) = (heredocs.as_slice(), &r.arguments)
                    && argv
                        .last()
                        .is_some_and(|c| c.starts_with("<<") && !c.contains(char::is_whitespace))
                {
                    argv.pop();
                    argv.push(h.body.clone());
                }
                st.steps.push(Step::Run {
                    line,
                    argv,
                    heredocs,
                });
            }
            Instruction::Copy(c) => {
                self.check_flags(&c.options, FLAGS_COPY, "COPY", line);
                for f in &c.options {
                    if f.name.value == "from"
                        && let Some(v) = &f.value
                        && let Some(e) = self.word(&st.vars, &v.value, line, "COPY --from")
                    {
                        st.reads.insert(e.text);
                    }
                }
                self.copy(st, &c.src, &c.dest.value, start, line, "COPY");
            }
            Instruction::Add(a) => {
                self.check_flags(&a.options, FLAGS_ADD, "ADD", line);
                self.copy(st, &a.src, &a.dest.value, start, line, "ADD");
            }
            // MAINTAINER is deprecated and sets only the image's author.
            Instruction::Maintainer(_) => {}
            Instruction::From(_) => self.error(line, "FROM inside a stage"),
            _ => self.error(line, "an instruction this version of cinch does not know"),
        }
    }

    /// `ARG name[=default]` inside a stage (convert.go `dispatchArg`): a build arg wins,
    /// else the default (substituted), else the global ARG's value; without any of them
    /// the variable stays unset. Like BuildKit, the value also shadows an ENV of that name
    /// for later substitution (it is not part of the image config, though).
    fn arg(
        &mut self,
        st: &mut StageState,
        key: &str,
        default: Option<&str>,
        line: u32,
        at: Provenance,
    ) {
        if key.is_empty() {
            return self.error(line, "ARG names can not be blank");
        }
        let var = if let Some(v) = self.scope.build_args.get(key) {
            let at = match self.scope.build_args_at {
                Some(b) => at.via(b),
                None => Provenance::line(&self.text.file, line, format!("ARG {key} (--build-arg)")),
            };
            Some(Var::set(v.clone(), Some(at)))
        } else if let Some(d) = default {
            self.word(&st.vars, d, line, "ARG")
                .map(|e| Var::set(e.text.clone(), Some(e.provenance(at))))
        } else {
            self.scope.meta.get(key).cloned()
        };
        if let Some(var) = var {
            st.vars.insert(key.to_owned(), var);
        }
    }

    /// `port`, `port/proto`, `from-to/proto` (Docker's nat.ParsePortSpec).
    fn expose(&mut self, st: &mut StageState, spec: &str, raw: &str, line: u32, at: Provenance) {
        let (ports, proto) = match spec.split_once('/') {
            Some((p, proto)) => (p, proto),
            None => (spec, "tcp"),
        };
        let Some(protocol) = Protocol::parse(proto) else {
            return self.error(
                line,
                format!("EXPOSE {spec}: unknown protocol `{proto}` (tcp, udp or sctp)"),
            );
        };
        let parse = |s: &str| s.parse::<u16>().ok().filter(|p| *p > 0);
        let range = match ports.split_once('-') {
            Some((a, b)) => parse(a).zip(parse(b)).filter(|(a, b)| a <= b),
            None => parse(ports).map(|p| (p, p)),
        };
        let Some((from, to)) = range else {
            // A variable cinch cannot know (an automatic platform ARG) is not the user's fault.
            if raw.contains('$') && spec.contains('$') {
                return self.warn(
                    Code::Dockerfile,
                    line,
                    format!(
                        "EXPOSE {spec}: the port depends on a value only the build knows; not read"
                    ),
                );
            }
            return self.error(
                line,
                format!("EXPOSE {spec}: not a port or port range (1-65535)"),
            );
        };
        if usize::from(to - from) >= MAX_EXPOSE_RANGE {
            return self.warn(
                Code::InvalidValue,
                line,
                format!(
                    "EXPOSE {spec}: a range of more than {} ports is not read port by port",
                    MAX_EXPOSE_RANGE
                ),
            );
        }
        for port in from..=to {
            st.config.listens.push(Listen {
                port,
                protocol,
                name: None,
                origin: ListenOrigin::Expose,
                published: Vec::new(),
                at: at.clone(),
            });
        }
    }

    /// CMD/ENTRYPOINT argv: exec form as written; shell form wrapped with the stage's shell.
    fn command(
        &mut self,
        st: &StageState,
        cmd: &Command<'_>,
        line: u32,
        what: &str,
        at: Provenance,
    ) -> Option<Fact<Vec<String>>> {
        match cmd {
            Command::Exec(argv) => Some(Fact::new(
                argv.value
                    .iter()
                    .map(|u| u.value.clone().into_owned())
                    .collect(),
                at,
            )),
            Command::Shell(s) => {
                let text = self.text.joined(s.span.clone()).trim().to_owned();
                if super::empty_exec::is_empty_array(&text) {
                    return Some(Fact::new(Vec::new(), at));
                }
                if looks_like_broken_json(&text) {
                    self.error(
                        line,
                        format!(
                            "{what} {text}: not a valid JSON array (use double quotes); BuildKit would run it as a shell command `/bin/sh -c '{text}'`"
                        ),
                    );
                    return None;
                }
                let mut argv = shell_of(st);
                argv.push(text);
                let at = match &st.config.shell {
                    Some(sh) => at.via(&sh.at),
                    None => at,
                };
                Some(Fact::new(argv, at))
            }
            _ => {
                self.error(line, format!("{what} in a form cinch does not know"));
                None
            }
        }
    }

    fn copy(
        &mut self,
        st: &mut StageState,
        src: &[Source<'_>],
        dest: &str,
        start: usize,
        line: u32,
        what: &str,
    ) {
        let Some(dest) = self.word(&st.vars, dest, line, what) else {
            return;
        };
        let mut docs = self
            .text
            .prepared
            .heredocs
            .get(&self.text.line(start))
            .cloned()
            .unwrap_or_default()
            .into_iter();
        for s in src {
            let heredoc = match s {
                Source::Path(p) if p.value.starts_with(MARK) => docs.next(),
                Source::HereDoc(h) => Some(HereDoc {
                    name: String::new(),
                    expand: h.expand,
                    chomp: false,
                    body: h.value.clone().into_owned(),
                }),
                _ => None,
            };
            let Some(h) = heredoc else { continue };
            // BuildKit substitutes a COPY here-document itself (unquoted delimiter), with
            // quotes left alone.
            let content = if h.expand {
                let mode = Mode {
                    keep_quotes: true,
                    keep_unset: false,
                };
                match substitute::process(&h.body, &st.vars, self.text.escape(), mode) {
                    Ok(e) => e.text,
                    Err(m) => {
                        self.error(line, format!("{what} <<{}: {m}", h.name));
                        continue;
                    }
                }
            } else {
                h.body
            };
            let dest = if dest.text.ends_with('/') && !h.name.is_empty() {
                format!("{}{}", dest.text, h.name)
            } else {
                dest.text.clone()
            };
            st.steps.push(Step::File {
                line,
                dest,
                content,
            });
        }
    }
}

/// The shell a shell-form instruction is wrapped with at this point of the stage.
pub fn shell_of(st: &StageState) -> Vec<String> {
    st.config
        .shell
        .as_ref()
        .map_or_else(|| st.default_shell.clone(), |s| s.value.clone())
}

/// `['nginx', '-g']`, `["a", b]`: meant as exec form, but not JSON. BuildKit falls back to
/// shell form, which runs a program named `[nginx,` — a broken image, so cinch refuses it.
/// A shell test (`[ -f x ] && …`) has a space after `[`, no comma, and is left alone.
fn looks_like_broken_json(text: &str) -> bool {
    let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) else {
        return false;
    };
    let tight = inner.starts_with(['"', '\'']);
    tight || (inner.contains(',') && inner.trim_start().starts_with(['"', '\'']))
}

/// `/x`, and Windows paths (`C:\x`, `\x`) which Windows images use.
fn is_absolute(p: &str) -> bool {
    p.starts_with('/') || p.starts_with('\\') || p.as_bytes().get(1) == Some(&b':')
}

/// Go's `path.Clean` for Unix paths: no `.`, `..` resolved, single slashes.
fn clean(p: &str) -> String {
    if !p.starts_with('/') {
        return p.to_owned();
    }
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

/// The global scope: ARGs before the first FROM (convert.go: each default substituted with
/// the global ARGs before it; a build arg wins), plus the automatic platform ARGs.
pub fn meta_args(
    text: &Text<'_>,
    args: &[(String, Option<String>, u32)],
    build_args: &BTreeMap<String, String>,
    build_args_at: Option<&Provenance>,
    diags: &mut Diagnostics,
) -> Vars {
    let mut meta = Vars::new();
    for name in PLATFORM_ARGS {
        let var = match build_args.get(*name) {
            Some(v) => Var::set(v.clone(), None),
            None => Var {
                value: Value::Unknown,
                at: None,
            },
        };
        meta.insert((*name).to_owned(), var);
    }
    for (key, default, line) in args {
        let at = Provenance::line(&text.file, *line, format!("ARG {key}"));
        let var = if let Some(v) = build_args.get(key) {
            let at = match build_args_at {
                Some(b) => at.via(b),
                None => Provenance::line(&text.file, *line, format!("ARG {key} (--build-arg)")),
            };
            Some(Var::set(v.clone(), Some(at)))
        } else if let Some(d) = default {
            match substitute::process_word(d, &meta, text.escape()) {
                Ok(e) => Some(Var::set(e.text.clone(), Some(e.provenance(at)))),
                Err(m) => {
                    diags.push(Diagnostic::error(
                        Code::Dockerfile,
                        &text.file,
                        *line,
                        format!("ARG {key}: {m}"),
                    ));
                    None
                }
            }
        } else {
            None
        };
        match var {
            Some(v) => {
                meta.insert(key.clone(), v);
            }
            None => {
                meta.remove(key);
            }
        }
    }
    meta
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_clean_like_go() {
        assert_eq!(clean("/app/./x/../y//"), "/app/y");
        assert_eq!(clean("/"), "/");
        assert!(is_absolute("C:\\go"));
    }

    #[test]
    fn broken_json_is_told_from_shell_tests() {
        assert!(looks_like_broken_json("['nginx', '-g', 'daemon off;']"));
        assert!(looks_like_broken_json("[\"nginx\" \"-g\"]"));
        assert!(looks_like_broken_json("[ \"a\", b ]"));
        assert!(!looks_like_broken_json("[ -f /x ] && run"));
        assert!(!looks_like_broken_json("[ \"$X\" = \"y\" ]"));
    }
}
