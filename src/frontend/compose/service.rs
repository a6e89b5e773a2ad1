//! Lowering one resolved Compose service (extends merged, interpolated) into a workload.
//! Each key of the service map is read here or in `ports.rs`/`volumes.rs`; keys that do not
//! bear on security profiles (`restart`, `deploy`, resource limits, …) are accepted and
//! ignored; unknown keys get a typo warning.

use std::collections::BTreeMap;
use std::path::Path;

use crate::diag::Code;
use crate::frontend::{explicit, reference, words};
use crate::input;
use crate::intent::{
    BuildRef, CapSpec, CapabilitySet, Container, ContainerRole, DeclaredProfile, EnvSource,
    EnvValue, Fact, ImageRef, Location, Mount, MountKind, NetworkMode, Probe, ProbeAction,
    ProbeRole, Provenance, Reference, ReferenceKind, Runtime, User, Workload, WorkloadKind,
};
use crate::yaml::Node;

use super::{Ctx, as_map_form, keys, ports, volumes};

/// The label cinch gives Compose workloads so NetworkPolicies select the pods kompose makes
/// of them (`kompose convert` labels pods `io.kompose.service: <service>`).
pub const SERVICE_LABEL: &str = "io.kompose.service";

pub fn lower(
    ctx: &mut Ctx<'_>,
    project: &str,
    name: &str,
    key: &Node,
    def: &Node,
) -> Option<Workload> {
    let base = format!("services.{name}");
    let mut w = Workload::new(
        WorkloadKind::ComposeService,
        project,
        name,
        ctx.at(key, &base),
    );
    w.labels.insert(SERVICE_LABEL.to_owned(), name.to_owned());
    let mut c = Container::new(name, ContainerRole::Main);
    let mut cap_add: Vec<(CapSpec, Provenance)> = Vec::new();
    let mut cap_drop: Vec<(CapSpec, Provenance)> = Vec::new();
    let mut env_file_vars: BTreeMap<String, Fact<EnvValue>> = BTreeMap::new();
    let mut link_aliases: BTreeMap<String, String> = BTreeMap::new();
    let mut networks_given = false;
    let mut container_name: Option<String> = None;
    super::coerce::durations_and_sizes(ctx, def, &base);

    for (k, v) in def.as_map().unwrap_or_default() {
        let Some(kname) = k.as_str() else { continue };
        let f = format!("{base}.{kname}");
        match kname {
            "image" => match v.as_str() {
                Some(s) if !s.trim().is_empty() => {
                    let image = ImageRef::parse(s);
                    if let Some(rt) = Runtime::from_image(&image) {
                        c.runtime = Some(Fact::new(rt, ctx.at(v, &f)));
                    }
                    c.image = Some(Fact::new(image, ctx.at(v, &f)));
                }
                _ if v.is_null() => {}
                _ => ctx.wrong_type(v, &f, "an image reference"),
            },
            "build" => c.build = build(ctx, v, &f),
            "command" => c.process.command = argv(ctx, v, &f),
            "entrypoint" => c.process.entrypoint = argv(ctx, v, &f),
            "environment" => environment(ctx, v, &f, &mut c.env),
            "env_file" => env_files(ctx, v, &f, &mut c.env_from, &mut env_file_vars),
            "user" => match v.as_str() {
                Some(s) => match User::parse(s) {
                    Ok(u) => c.user = Some(Fact::new(u, ctx.at(v, &f))),
                    Err(m) => ctx.error(Code::InvalidValue, v, &f, m),
                },
                None => ctx.wrong_type(v, &f, "a user name or uid[:gid]"),
            },
            "read_only" => {
                if let Some(b) = boolean(ctx, v, &f) {
                    c.read_only_root = Fact::new(b, ctx.at(v, &f));
                }
            }
            "privileged" => {
                if let Some(b) = boolean(ctx, v, &f) {
                    c.privileged = Fact::new(b, ctx.at(v, &f));
                }
            }
            "cap_add" => caps(ctx, v, &f, &mut cap_add),
            "cap_drop" => caps(ctx, v, &f, &mut cap_drop),
            "security_opt" => security_opt(ctx, v, &f, &mut c),
            "ports" => c.listens.extend(ports::ports(ctx, v, &f)),
            "expose" => c.listens.extend(ports::expose(ctx, v, &f)),
            "networks" => {
                networks_given = true;
                networks(ctx, v, &f, &mut w);
            }
            "network_mode" | "net" => match v.as_str() {
                Some(mode) => {
                    let m = match mode {
                        "none" => NetworkMode::None,
                        "host" => NetworkMode::Host,
                        "bridge" | "default" => NetworkMode::Default,
                        s if s.starts_with("service:") => {
                            NetworkMode::Service(s["service:".len()..].to_owned())
                        }
                        s if s.starts_with("container:") => {
                            NetworkMode::Container(s["container:".len()..].to_owned())
                        }
                        // A named network given as network_mode joins that network.
                        other => {
                            w.network
                                .networks
                                .insert(other.to_owned(), Fact::new(Vec::new(), ctx.at(v, &f)));
                            networks_given = true;
                            NetworkMode::Default
                        }
                    };
                    if let NetworkMode::Service(target) = &m {
                        w.network.references.push(Reference {
                            host: target.clone(),
                            port: None,
                            scheme: None,
                            via: ReferenceKind::DependsOn,
                            container: None,
                            at: ctx.at(v, &f),
                        });
                    }
                    w.network.mode = Fact::new(m, ctx.at(v, &f));
                }
                None => ctx.wrong_type(
                    v,
                    &f,
                    "none, host, bridge, service:<name> or container:<name>",
                ),
            },
            "depends_on" => depends_on(ctx, v, &f, &mut w.network.references),
            "links" | "external_links" => {
                let Some(items) = v.as_seq() else {
                    ctx.wrong_type(v, &f, "a list");
                    continue;
                };
                for (i, item) in items.iter().enumerate() {
                    let fi = format!("{f}[{i}]");
                    let Some(text) = item.as_str() else {
                        ctx.wrong_type(item, &fi, "`service[:alias]`");
                        continue;
                    };
                    let (target, alias) = text.split_once(':').unwrap_or((text, text));
                    link_aliases.insert(alias.to_owned(), target.to_owned());
                    w.network.references.push(Reference {
                        host: target.to_owned(),
                        port: None,
                        scheme: None,
                        via: if kname == "links" {
                            ReferenceKind::Link
                        } else {
                            ReferenceKind::ExternalLink
                        },
                        container: None,
                        at: ctx.at(item, &fi),
                    });
                }
            }
            "volumes" => c.mounts.extend(volumes::volumes(ctx, v, &f)),
            "tmpfs" => c.mounts.extend(volumes::tmpfs(ctx, v, &f)),
            "secrets" => c
                .mounts
                .extend(volumes::files(ctx, v, &f, MountKind::Secret)),
            "configs" => c
                .mounts
                .extend(volumes::files(ctx, v, &f, MountKind::Config)),
            "devices" => c.devices.extend(volumes::devices(ctx, v, &f)),
            "sysctls" => {
                for (sk, sv) in as_map_form(v).as_map().unwrap_or_default() {
                    if let Some(name) = sk.as_str() {
                        let value = sv.as_str().unwrap_or("").to_owned();
                        c.sysctls.insert(
                            name.to_owned(),
                            Fact::new(value, ctx.at(sk, &format!("{f}.{name}"))),
                        );
                    }
                }
                if v.as_map().is_none() && v.as_seq().is_none() {
                    ctx.wrong_type(v, &f, "a map or a list of key=value");
                }
            }
            "pid" => {
                if let Some(s) = v.as_str() {
                    w.host.pid = Some(Fact::new(s == "host", ctx.at(v, &f)));
                }
            }
            "ipc" => {
                if let Some(s) = v.as_str() {
                    w.host.ipc = Some(Fact::new(s == "host", ctx.at(v, &f)));
                }
            }
            "healthcheck" => healthcheck(ctx, v, &f, &mut c),
            "profiles" => {
                for item in v.as_seq().unwrap_or_default() {
                    if let Some(p) = item.as_str() {
                        w.profiles.push(p.to_owned());
                    }
                }
                if v.as_seq().is_none() {
                    ctx.wrong_type(v, &f, "a list of profile names");
                }
            }
            "labels" => {
                for (lk, lv) in as_map_form(v).as_map().unwrap_or_default() {
                    if let Some(name) = lk.as_str() {
                        let value = lv.as_str().unwrap_or("").to_owned();
                        c.labels.insert(
                            name.to_owned(),
                            Fact::new(value, ctx.at(lk, &format!("{f}.{name}"))),
                        );
                    }
                }
            }
            "working_dir" => {
                if let Some(s) = v.as_str() {
                    c.process.workdir = Some(Fact::new(s.to_owned(), ctx.at(v, &f)));
                }
            }
            "stop_signal" => {
                if let Some(s) = v.as_str() {
                    c.stop_signal = Some(Fact::new(s.to_owned(), ctx.at(v, &f)));
                }
            }
            "container_name" => match v.as_str() {
                // Other services on its networks reach it by this name too.
                Some(s) => container_name = Some(s.to_owned()),
                None => ctx.wrong_type(v, &f, "a container name"),
            },
            "post_start" | "pre_stop" => hooks(ctx, v, &f, kname, &mut c),
            "use_api_socket" => {
                if boolean(ctx, v, &f) == Some(true) {
                    c.mounts.push(Mount {
                        target: "/var/run/docker.sock".into(),
                        source: Some("/var/run/docker.sock".into()),
                        kind: MountKind::Bind,
                        read_only: false,
                        at: ctx.at(v, &f),
                    });
                }
            }
            "x-cinch" => {
                let file = ctx.file(v.mark).clone();
                w.explicit = explicit::from_yaml(v, &file, &f, ctx.diags);
            }
            "extends" => {}
            k if k.starts_with("x-") => {}
            k if keys::SERVICE_KEYS.contains(&k) => {}
            other => {
                let hint = crate::yaml::de::closest(other, keys::SERVICE_KEYS)
                    .map(|s| format!("; did you mean {s}?"))
                    .unwrap_or_default();
                ctx.warn(
                    Code::UnknownField,
                    k,
                    &f,
                    format!("unknown key `{other}`{hint}"),
                );
            }
        }
    }

    if !networks_given
        && w.network.mode.value == NetworkMode::Default
        && !w.network.networks.contains_key("default")
    {
        w.network.networks.insert(
            "default".into(),
            Fact::new(
                Vec::new(),
                Provenance::baseline("Compose default network (no `networks:` given)"),
            ),
        );
    }
    if w.network.mode.value != NetworkMode::Default {
        w.network.networks.clear();
    }
    if let Some(cn) = container_name {
        for aliases in w.network.networks.values_mut() {
            aliases.value.push(cn.clone());
        }
    }

    c.capabilities = CapabilitySet::from_add_drop(&cap_add, &cap_drop);
    // `environment` overrides `env_file`.
    for (k, v) in env_file_vars {
        c.env.entry(k).or_insert(v);
    }
    references(&mut c, &mut w, name, &link_aliases);
    w.containers.push(c);
    Some(w)
}

fn boolean(ctx: &mut Ctx<'_>, v: &Node, f: &str) -> Option<bool> {
    let b = v.as_bool_lenient();
    if b.is_none() {
        ctx.wrong_type(v, f, "true or false");
    }
    b
}

/// `command`/`entrypoint`: a string (split into words like docker compose does, no shell)
/// or a list. An empty string or list clears the image's value.
fn argv(ctx: &mut Ctx<'_>, v: &Node, f: &str) -> Option<Fact<Vec<String>>> {
    if v.is_null() {
        return None;
    }
    let words = if let Some(items) = v.as_seq() {
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item.as_str() {
                Some(s) => out.push(s.to_owned()),
                None => ctx.wrong_type(item, &format!("{f}[{i}]"), "a string"),
            }
        }
        out
    } else if let Some(s) = v.as_str() {
        match words::split(s) {
            Ok(w) => w,
            Err(m) => {
                ctx.error(Code::InvalidValue, v, f, m);
                return None;
            }
        }
    } else {
        ctx.wrong_type(v, f, "a string or a list of strings");
        return None;
    };
    Some(Fact::new(words, ctx.at(v, f)))
}

fn build(ctx: &mut Ctx<'_>, v: &Node, f: &str) -> Option<Fact<BuildRef>> {
    let mut b = BuildRef {
        context: ".".into(),
        dockerfile: "Dockerfile".into(),
        target: None,
        args: BTreeMap::new(),
        inline: None,
        dir: std::path::PathBuf::new(),
        dir_display: String::new(),
    };
    let (dir, dir_display) = ctx.dir_of(v.mark);
    b.dir = dir.to_path_buf();
    b.dir_display = dir_display.to_owned();
    if let Some(s) = v.as_str() {
        b.context = s.to_owned();
    } else if v.as_map().is_some() {
        if let Some(s) = v.get("context").and_then(Node::as_str) {
            b.context = s.to_owned();
        }
        if let Some(s) = v.get("dockerfile").and_then(Node::as_str) {
            b.dockerfile = s.to_owned();
        }
        b.target = v.get("target").and_then(Node::as_str).map(str::to_owned);
        b.inline = v
            .get("dockerfile_inline")
            .and_then(Node::as_str)
            .map(str::to_owned);
        if let Some(args) = v.get("args") {
            for (k, val) in as_map_form(args).as_map().unwrap_or_default() {
                if let (Some(k), Some(val)) = (k.as_str(), val.as_str()) {
                    b.args.insert(k.to_owned(), val.to_owned());
                }
            }
        }
    } else {
        ctx.wrong_type(v, f, "a build context path or a map");
        return None;
    }
    Some(Fact::new(b, ctx.at(v, f)))
}

fn environment(ctx: &mut Ctx<'_>, v: &Node, f: &str, env: &mut BTreeMap<String, Fact<EnvValue>>) {
    if v.as_map().is_none() && v.as_seq().is_none() {
        if !v.is_null() {
            ctx.wrong_type(v, f, "a map or a list of KEY=VALUE");
        }
        return;
    }
    if let Some(items) = v.as_seq() {
        for (i, item) in items.iter().enumerate() {
            if item.as_str().is_none() {
                ctx.wrong_type(item, &format!("{f}[{i}]"), "KEY=VALUE");
            }
        }
    }
    for (k, val) in as_map_form(v).as_map().unwrap_or_default() {
        let Some(name) = k.as_str() else { continue };
        if name.is_empty() {
            ctx.error(Code::InvalidValue, k, f, "empty variable name");
            continue;
        }
        let value = match (&val.value, val.as_str()) {
            (crate::yaml::Value::Null, _) => EnvValue::FromHost,
            (_, Some(s)) => EnvValue::Literal {
                value: s.to_owned(),
            },
            _ => {
                ctx.wrong_type(val, &format!("{f}.{name}"), "a string, number or boolean");
                continue;
            }
        };
        env.insert(
            name.to_owned(),
            Fact::new(value, ctx.at(val, &format!("{f}.{name}"))),
        );
    }
}

/// `env_file`: recorded, and read when it exists so its values can name peers.
fn env_files(
    ctx: &mut Ctx<'_>,
    v: &Node,
    f: &str,
    from: &mut Vec<Fact<EnvSource>>,
    vars: &mut BTreeMap<String, Fact<EnvValue>>,
) {
    let items: Vec<(Node, String)> = match (v.as_str(), v.as_seq()) {
        (Some(_), _) => vec![(v.clone(), f.to_owned())],
        (_, Some(items)) => items
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), format!("{f}[{i}]")))
            .collect(),
        _ => {
            ctx.wrong_type(v, f, "a path or a list of paths");
            return;
        }
    };
    for (item, fi) in items {
        let (path, required) = match (item.as_str(), item.get("path").and_then(Node::as_str)) {
            (Some(p), _) => (p.to_owned(), true),
            (None, Some(p)) => (
                p.to_owned(),
                item.get("required")
                    .and_then(Node::as_bool_lenient)
                    .unwrap_or(true),
            ),
            _ => {
                ctx.wrong_type(&item, &fi, "a path or {path, required}");
                continue;
            }
        };
        from.push(Fact::new(
            EnvSource::File { path: path.clone() },
            ctx.at(&item, &fi),
        ));
        let (dir, dir_display) = ctx.dir_of(item.mark);
        let full = dir.join(&path);
        let display = input::normalize(&Path::new(dir_display).join(&path));
        if !full.is_file() {
            if required {
                ctx.warn(
                    Code::Io,
                    &item,
                    &fi,
                    format!("env file {display} not found; its variables are unknown"),
                );
            }
            continue;
        }
        match input::read_text(&full, &display) {
            Ok(text) => {
                let file: std::sync::Arc<str> = std::sync::Arc::from(display.as_str());
                let (parsed, _) =
                    super::interpolate::parse_env_file(&text, &file, &BTreeMap::new());
                for (k, var) in parsed {
                    let at = var.at.map_or_else(
                        || ctx.at(&item, &fi),
                        |l: Location| Provenance::line(&l.file, l.line, format!("{k} (env_file)")),
                    );
                    vars.insert(k, Fact::new(EnvValue::Literal { value: var.value }, at));
                }
            }
            Err(d) => ctx.diags.push(d),
        }
    }
}

fn caps(ctx: &mut Ctx<'_>, v: &Node, f: &str, out: &mut Vec<(CapSpec, Provenance)>) {
    let Some(items) = v.as_seq() else {
        ctx.wrong_type(v, f, "a list of capabilities");
        return;
    };
    for (i, item) in items.iter().enumerate() {
        let fi = format!("{f}[{i}]");
        match item.as_str().map(str::parse::<CapSpec>) {
            Some(Ok(spec)) => out.push((spec, ctx.at(item, &fi))),
            Some(Err(m)) => ctx.error(Code::InvalidValue, item, &fi, m),
            None => ctx.wrong_type(item, &fi, "a capability name"),
        }
    }
}

/// `no-new-privileges[:true]`, `seccomp=unconfined|<file>`, `apparmor=unconfined|<name>`;
/// `label=…` (SELinux) and others are ignored. Docker accepts `:` or `=` as separator.
fn security_opt(ctx: &mut Ctx<'_>, v: &Node, f: &str, c: &mut Container) {
    let Some(items) = v.as_seq() else {
        ctx.wrong_type(v, f, "a list");
        return;
    };
    for (i, item) in items.iter().enumerate() {
        let fi = format!("{f}[{i}]");
        let Some(text) = item.as_str() else {
            ctx.wrong_type(item, &fi, "a string");
            continue;
        };
        let (key, value) = match text.split_once(['=', ':']) {
            Some((k, v)) => (k.trim(), Some(v.trim())),
            None => (text.trim(), None),
        };
        let at = ctx.at(item, &fi);
        let profile = |value: &str| match value {
            "unconfined" => DeclaredProfile::Unconfined,
            "runtime/default" | "docker-default" | "default" => DeclaredProfile::RuntimeDefault,
            other => DeclaredProfile::Localhost(other.to_owned()),
        };
        match (key, value) {
            ("no-new-privileges", None) => c.no_new_privileges = Fact::new(true, at),
            ("no-new-privileges", Some(b)) => match b {
                "true" => c.no_new_privileges = Fact::new(true, at),
                "false" => c.no_new_privileges = Fact::new(false, at),
                _ => ctx.error(
                    Code::InvalidValue,
                    item,
                    &fi,
                    format!("no-new-privileges takes true or false, not `{b}`"),
                ),
            },
            ("seccomp", Some(p)) => c.seccomp = Some(Fact::new(profile(p), at)),
            ("apparmor", Some(p)) => c.apparmor = Some(Fact::new(profile(p), at)),
            _ => {}
        }
    }
}

fn networks(ctx: &mut Ctx<'_>, v: &Node, f: &str, w: &mut Workload) {
    if v.as_seq().is_none() && v.as_map().is_none() {
        ctx.wrong_type(v, f, "a list or map of networks");
        return;
    }
    for (nk, nv) in as_map_form(v).as_map().unwrap_or_default() {
        let Some(name) = nk.as_str() else { continue };
        let aliases: Vec<String> = nv
            .get("aliases")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .map(str::to_owned)
            .collect();
        w.network.networks.insert(
            name.to_owned(),
            Fact::new(aliases, ctx.at(nk, &format!("{f}.{name}"))),
        );
    }
}

fn depends_on(ctx: &mut Ctx<'_>, v: &Node, f: &str, refs: &mut Vec<Reference>) {
    if v.as_seq().is_none() && v.as_map().is_none() {
        ctx.wrong_type(v, f, "a list or map of services");
        return;
    }
    for (dk, _) in as_map_form(v).as_map().unwrap_or_default() {
        let Some(name) = dk.as_str() else { continue };
        refs.push(Reference {
            host: name.to_owned(),
            port: None,
            scheme: None,
            via: ReferenceKind::DependsOn,
            container: None,
            at: ctx.at(dk, &format!("{f}.{name}")),
        });
    }
}

/// `healthcheck.test`: `["CMD", …]` runs directly, `["CMD-SHELL", "…"]` and a string run
/// through `/bin/sh -c`, `["NONE"]` and `disable: true` turn the image's check off.
fn healthcheck(ctx: &mut Ctx<'_>, v: &Node, f: &str, c: &mut Container) {
    if v.as_map().is_none() {
        ctx.wrong_type(v, f, "a map");
        return;
    }
    if v.get("disable").and_then(Node::as_bool_lenient) == Some(true) {
        c.probes.push(Probe {
            role: ProbeRole::Healthcheck,
            action: ProbeAction::Disabled,
            at: ctx.at(v, f),
        });
        return;
    }
    let Some(test) = v.get("test") else { return };
    let tf = format!("{f}.test");
    let action = if let Some(s) = test.as_str() {
        ProbeAction::Exec(vec!["/bin/sh".into(), "-c".into(), s.to_owned()])
    } else if let Some(items) = test.as_seq() {
        let words: Vec<String> = items
            .iter()
            .filter_map(Node::as_str)
            .map(str::to_owned)
            .collect();
        match words.first().map(String::as_str) {
            Some("NONE") => ProbeAction::Disabled,
            Some("CMD") => ProbeAction::Exec(words[1..].to_vec()),
            Some("CMD-SHELL") => {
                ProbeAction::Exec(vec!["/bin/sh".into(), "-c".into(), words[1..].join(" ")])
            }
            _ => {
                ctx.error(
                    Code::InvalidValue,
                    test,
                    &tf,
                    "a test list starts with CMD, CMD-SHELL or NONE",
                );
                return;
            }
        }
    } else {
        ctx.wrong_type(test, &tf, "a string or a list");
        return;
    };
    c.probes.push(Probe {
        role: ProbeRole::Healthcheck,
        action,
        at: ctx.at(test, &tf),
    });
}

/// `post_start` / `pre_stop`: lists of `{command, user, privileged, …}` hooks.
fn hooks(ctx: &mut Ctx<'_>, v: &Node, f: &str, kind: &str, c: &mut Container) {
    let Some(items) = v.as_seq() else {
        ctx.wrong_type(v, f, "a list of hooks");
        return;
    };
    for (i, item) in items.iter().enumerate() {
        let fi = format!("{f}[{i}].command");
        let Some(cmd) = item.get("command") else {
            continue;
        };
        if let Some(argv) = argv(ctx, cmd, &fi) {
            c.probes.push(Probe {
                role: if kind == "post_start" {
                    ProbeRole::PostStart
                } else {
                    ProbeRole::PreStop
                },
                action: ProbeAction::Exec(argv.value),
                at: argv.at,
            });
        }
    }
}

/// Host mentions in environment values and command words become references.
fn references(
    c: &mut Container,
    w: &mut Workload,
    own: &str,
    link_aliases: &BTreeMap<String, String>,
) {
    let rename = |host: String| link_aliases.get(&host).cloned().unwrap_or(host);
    for (name, fact) in &c.env {
        let Some(text) = fact.value.text() else {
            continue;
        };
        if reference::name_rules_out_address(name) {
            continue;
        }
        for r in reference::find(text, reference::name_hints_address(name)) {
            let host = rename(r.host);
            if host == own {
                continue;
            }
            w.network.references.push(Reference {
                host,
                port: r.port,
                scheme: r.scheme,
                via: ReferenceKind::Env { name: name.clone() },
                container: None,
                at: fact.at.clone(),
            });
        }
    }
    for fact in [&c.process.entrypoint, &c.process.command]
        .into_iter()
        .flatten()
    {
        for word in &fact.value {
            for r in reference::find(word, false) {
                let host = rename(r.host);
                if host == own {
                    continue;
                }
                w.network.references.push(Reference {
                    host,
                    port: r.port,
                    scheme: r.scheme,
                    via: ReferenceKind::Arg,
                    container: None,
                    at: fact.at.clone(),
                });
            }
        }
    }
    w.network.references.sort();
    w.network.references.dedup();
}
