//! Stages: which ones a build of the target runs, in which order, and what each inherits.
//!
//! BuildKit (moby/buildkit `frontend/dockerfile/dockerfile2llb/convert.go`):
//! - `FROM` lines are substituted with the global ARGs only (the "meta args"); a base name
//!   that equals a stage name (case-insensitively) builds on that stage, which then starts
//!   from a copy of its image config — USER, ENV, EXPOSE, WORKDIR, ENTRYPOINT, CMD,
//!   HEALTHCHECK, VOLUME, SHELL, labels — and runs its ONBUILD triggers first. ARGs are not
//!   inherited; ENV is, also for substitution.
//! - the target is `--target` (a stage name) or the last stage; only the stages it needs
//!   are built: its `FROM` chain and the stages `COPY --from=` / `RUN --mount=from=` read.
//! - a base name left blank by an ARG that has no value (`ARG BASE` + `FROM ${BASE}`) is a
//!   build error only once the build runs: the file parses, and the value is expected as a
//!   `--build-arg` (BuildKit and the classic builder both fail at that FROM, not at parse).
//!   Read without that build arg, the stage starts from an unknown image, with a warning;
//!   a build arg given that leaves it blank is an error, as the build's.

use std::collections::BTreeMap;

use parse_dockerfile::Dockerfile;

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::intent::{Fact, ImageRef, Provenance};

use super::eval::{self, Config, Dispatcher, Scope, StageState, Step};
use super::kv;
use super::substitute::{self, Var, Vars};
use super::text::Text;

enum Base {
    Image(Fact<ImageRef>),
    Stage(usize),
    /// Left blank by ARGs that have no value here (a warning when the stage is needed).
    Unknown(String),
    /// Could not be read (an error was reported when the stage was needed).
    Broken(String),
}

struct Def<'b, 'a> {
    name: Option<String>,
    line: u32,
    base: Base,
    instructions: &'b [parse_dockerfile::Instruction<'a>],
}

/// The target stage, evaluated.
pub struct Image {
    pub name: Option<String>,
    pub from_at: Provenance,
    pub config: Config,
    pub default_shell: Vec<String>,
    /// FROM images of every stage built for the target, in stage order (`scratch` too).
    pub base_images: Vec<Fact<ImageRef>>,
    /// The image at the root of the target's FROM chain.
    pub root: Option<Fact<ImageRef>>,
    /// (stage index, name, base as written, build steps) of each stage built.
    pub stages: Vec<(usize, Option<String>, String, Vec<Step>)>,
}

pub struct Build<'a> {
    pub target: Option<&'a str>,
    pub build_args: &'a BTreeMap<String, String>,
    pub build_args_at: Option<&'a Provenance>,
}

pub fn evaluate(
    df: &Dockerfile<'_>,
    text: &Text<'_>,
    build: &Build<'_>,
    diags: &mut Diagnostics,
) -> Option<Image> {
    let global: Vec<(String, Option<String>, u32)> = df
        .global_args()
        .flat_map(|a| {
            let line = text.line(a.arg.span.start);
            kv::args(&a.arguments.value, text.escape())
                .into_iter()
                .map(move |(k, v)| (k, v, line))
        })
        .collect();
    let meta = eval::meta_args(text, &global, build.build_args, build.build_args_at, diags);

    let names: Vec<Option<String>> = df
        .stages()
        .map(|s| s.from.as_.as_ref().map(|(_, n)| n.value.to_lowercase()))
        .collect();
    let mut defs = Vec::new();
    for (i, s) in df.stages().enumerate() {
        let line = text.line(s.from.from.span.start);
        for f in &s.from.options {
            if !eval::FLAGS_FROM.contains(&f.name.value.as_ref()) {
                diags.push(Diagnostic::warning(
                    Code::UnknownField,
                    &text.file,
                    line,
                    format!("FROM: unknown flag --{}", f.name.value),
                ));
            }
        }
        let raw = s.from.image.value.as_ref();
        let base = match substitute::process_word(raw, &meta, text.escape()) {
            Err(m) => Base::Broken(format!("FROM {raw}: {m}")),
            Ok(e) if e.text.trim().is_empty() => {
                let vars = variables(raw);
                if vars.iter().any(|v| build.build_args.contains_key(*v)) {
                    Base::Broken(format!("base name ({raw}) should not be blank"))
                } else {
                    let args: Vec<String> = vars.iter().map(|v| format!("ARG {v}")).collect();
                    Base::Unknown(format!(
                        "FROM {raw}: the base image is unknown: {} has no value (pass `--build-arg {}=IMAGE`, or read the Compose file that builds this Dockerfile with its `build.args`); read as an unknown image",
                        args.join(", "),
                        vars.first().copied().unwrap_or("NAME")
                    ))
                }
            }
            Ok(e) => {
                let lower = e.text.to_lowercase();
                match names
                    .iter()
                    .position(|n| n.as_deref() == Some(lower.as_str()))
                {
                    Some(j) if j != i => Base::Stage(j),
                    Some(_) => Base::Broken(format!("stage {lower} is built FROM itself")),
                    None => Base::Image(Fact::new(
                        ImageRef::parse(&e.text),
                        e.provenance(text.at(s.from.from.span.start, "FROM")),
                    )),
                }
            }
        };
        defs.push(Def {
            name: names[i].clone(),
            line,
            base,
            instructions: s.instructions,
        });
    }

    let target = match build.target {
        None => defs.len().checked_sub(1)?,
        Some(t) => match names
            .iter()
            .position(|n| n.as_deref() == Some(t.to_lowercase().as_str()))
        {
            Some(i) => i,
            None => {
                let known: Vec<&str> = names.iter().flatten().map(String::as_str).collect();
                diags.push(Diagnostic::error(
                    Code::Dockerfile,
                    &text.file,
                    1,
                    format!(
                        "target stage `{t}` could not be found (named stages: {})",
                        if known.is_empty() {
                            "none".to_owned()
                        } else {
                            known.join(", ")
                        }
                    ),
                ));
                return None;
            }
        },
    };

    let scope = Scope {
        meta: &meta,
        build_args: build.build_args,
        build_args_at: build.build_args_at,
    };
    let mut run = Runner {
        defs: &defs,
        text,
        scope: &scope,
        states: (0..defs.len()).map(|_| None).collect(),
        visiting: vec![false; defs.len()],
        failed: false,
        diags,
    };
    run.stage(target);
    // Stages read by COPY --from / RUN --mount=from, until nothing new is needed.
    loop {
        let mut wanted = Vec::new();
        for st in run.states.iter().flatten() {
            for r in &st.reads {
                let lower = r.to_lowercase();
                let j = names
                    .iter()
                    .position(|n| n.as_deref() == Some(lower.as_str()))
                    .or_else(|| r.parse::<usize>().ok().filter(|j| *j < defs.len()));
                if let Some(j) = j
                    && run.states[j].is_none()
                    && !run.visiting[j]
                {
                    wanted.push(j);
                }
            }
        }
        if wanted.is_empty() {
            break;
        }
        for j in wanted {
            run.stage(j);
        }
        if run.failed {
            break;
        }
    }
    if run.failed {
        return None;
    }

    let mut base_images = Vec::new();
    let mut stages = Vec::new();
    let mut states = std::mem::take(&mut run.states);
    for (i, st) in states.iter_mut().enumerate() {
        let Some(st) = st else { continue };
        let base = match &defs[i].base {
            Base::Image(f) => {
                base_images.push(f.clone());
                f.value.raw.clone()
            }
            Base::Stage(j) => defs[*j].name.clone().unwrap_or_default(),
            Base::Unknown(_) => "(unknown)".to_owned(),
            Base::Broken(m) => m.clone(),
        };
        stages.push((i, defs[i].name.clone(), base, std::mem::take(&mut st.steps)));
    }
    let st = states[target].take()?;
    Some(Image {
        name: defs[target].name.clone(),
        from_at: Provenance::line(&text.file, defs[target].line, "FROM"),
        config: st.config,
        default_shell: st.default_shell,
        base_images,
        root: root(&defs, target).cloned(),
        stages,
    })
}

/// The variables a FROM word reads (`$NAME`, `${NAME…}`), in order.
fn variables(raw: &str) -> Vec<&str> {
    raw.match_indices('$')
        .filter_map(|(i, _)| {
            let rest = raw[i + 1..].strip_prefix('{').unwrap_or(&raw[i + 1..]);
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            (end > 0).then(|| &rest[..end])
        })
        .collect()
}

/// The image at the root of a stage's FROM chain.
fn root<'r>(defs: &'r [Def<'_, '_>], mut i: usize) -> Option<&'r Fact<ImageRef>> {
    for _ in 0..=defs.len() {
        match &defs[i].base {
            Base::Image(f) => return Some(f),
            Base::Stage(j) => i = *j,
            Base::Unknown(_) | Base::Broken(_) => return None,
        }
    }
    None
}

/// Windows base images run shell form with `cmd /S /C` (BuildKit `defaultShell` on the
/// windows platform). The platform comes from the image, which cinch does not pull, so the
/// image name decides: Microsoft's Windows images are the ones with these names.
fn default_shell(image: Option<&ImageRef>) -> Vec<String> {
    let windows = image.is_some_and(|i| {
        let text =
            format!("{}:{}", i.repository, i.tag.as_deref().unwrap_or("")).to_ascii_lowercase();
        text.contains("nanoserver") || text.contains("servercore") || text.starts_with("windows/")
    });
    let shell: &[&str] = if windows {
        &["cmd", "/S", "/C"]
    } else {
        &["/bin/sh", "-c"]
    };
    shell.iter().map(|s| (*s).to_owned()).collect()
}

struct Runner<'r, 'b, 'a> {
    defs: &'r [Def<'b, 'a>],
    text: &'r Text<'r>,
    scope: &'r Scope<'r>,
    states: Vec<Option<StageState>>,
    visiting: Vec<bool>,
    failed: bool,
    diags: &'r mut Diagnostics,
}

impl Runner<'_, '_, '_> {
    fn stage(&mut self, i: usize) {
        if self.states[i].is_some() || self.failed {
            return;
        }
        let def = &self.defs[i];
        let (config, default_shell, triggers) = match &def.base {
            Base::Broken(m) => {
                self.diags.push(Diagnostic::error(
                    Code::Dockerfile,
                    &self.text.file,
                    def.line,
                    m.clone(),
                ));
                self.failed = true;
                return;
            }
            Base::Image(f) => (Config::default(), default_shell(Some(&f.value)), Vec::new()),
            Base::Unknown(m) => {
                self.diags.push(Diagnostic::warning(
                    Code::Dockerfile,
                    &self.text.file,
                    def.line,
                    m.clone(),
                ));
                (Config::default(), default_shell(None), Vec::new())
            }
            Base::Stage(j) => {
                let j = *j;
                if self.visiting[j] {
                    self.diags.push(Diagnostic::error(
                        Code::Dockerfile,
                        &self.text.file,
                        def.line,
                        "circular dependency: stages are built FROM each other",
                    ));
                    self.failed = true;
                    return;
                }
                self.visiting[i] = true;
                self.stage(j);
                self.visiting[i] = false;
                let Some(parent) = &self.states[j] else {
                    return;
                };
                let mut config = parent.config.clone();
                let triggers = std::mem::take(&mut config.onbuild);
                (config, parent.default_shell.clone(), triggers)
            }
        };
        let vars: Vars = config
            .env
            .iter()
            .map(|(k, f)| (k.clone(), Var::set(f.value.clone(), Some(f.at.clone()))))
            .collect();
        let mut st = StageState {
            config,
            vars,
            cmd_set: false,
            reads: Default::default(),
            steps: Vec::new(),
            default_shell,
        };
        let mut d = Dispatcher {
            text: self.text,
            scope: self.scope,
            diags: self.diags,
        };
        for t in &triggers {
            let (s, k) = t.origin;
            if let Some(parse_dockerfile::Instruction::Onbuild(o)) =
                self.defs[s].instructions.get(k)
            {
                d.dispatch(&mut st, &o.instruction, Some(&t.at), t.origin);
            }
        }
        for (k, ins) in def.instructions.iter().enumerate() {
            d.dispatch(&mut st, ins, None, (i, k));
        }
        self.states[i] = Some(st);
    }
}

/// The build steps of an image, for fixture snapshots: stages built, RUN argv and the
/// here-documents with their variables substituted, files written from here-documents.
pub fn describe(image: &Image) -> String {
    let mut out = String::new();
    for (i, name, base, steps) in &image.stages {
        let name = name.as_deref().map(|n| format!(" {n}")).unwrap_or_default();
        out.push_str(&format!("stage {i}{name} FROM {base}\n"));
        for step in steps {
            match step {
                Step::Run {
                    line,
                    argv,
                    heredocs,
                } => {
                    out.push_str(&format!("  line {line} RUN {argv:?}\n"));
                    for h in heredocs {
                        out.push_str(&format!("    <<{} (expand: {})\n", h.name, h.expand));
                        for l in h.body.lines() {
                            out.push_str(&format!("    | {l}\n"));
                        }
                    }
                }
                Step::File {
                    line,
                    dest,
                    content,
                } => {
                    out.push_str(&format!("  line {line} file {dest}\n"));
                    for l in content.lines() {
                        out.push_str(&format!("    | {l}\n"));
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::variables;

    #[test]
    fn variables_of_a_from_word() {
        assert_eq!(variables("${REGISTRY}/app:$TAG"), ["REGISTRY", "TAG"]);
        assert_eq!(variables("${BASE:-alpine}"), ["BASE"]);
        assert!(variables("alpine:3.20").is_empty());
        assert!(variables("$ {X}").is_empty());
    }
}
