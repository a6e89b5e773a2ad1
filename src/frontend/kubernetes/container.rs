//! One container (or init container, or sidecar) of a pod spec → a `Container` fact set:
//! image, the argv parts as written, ports, environment, probes and hooks, mounts, and the
//! effective security context (`security.rs`). The API server's defaults and rules for
//! these fields are in `defaults.rs`.
//!
//! `command` replaces the image's ENTRYPOINT and `args` its CMD (Kubernetes docs, "Define a
//! Command and Arguments for a Container"); they are recorded apart (`process.entrypoint`,
//! `process.command`) and combined with the image only where the image is known.

use k8s_openapi::api::core::v1::{
    self as core, ContainerPort, EnvFromSource, EnvVar, LifecycleHandler,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::diag::Code;
use crate::intent::{
    Container, ContainerRole, EnvSource, EnvValue, Exposure, Fact, ImageRef, Listen, ListenOrigin,
    Probe, ProbeAction, ProbeRole, Provenance, Publish, Runtime,
};

use super::security::PodSecurity;
use super::volumes::{self, Volumes};
use super::{Ctx, Loc, defaults};
use crate::k8s_names as names;

/// What every container of a pod shares.
pub(crate) struct Pod<'a> {
    pub security: PodSecurity<'a>,
    pub volumes: Volumes,
    /// `spec.hostNetwork: true`, where it is written.
    pub host_network: Option<Provenance>,
}

pub(crate) fn lower(
    ctx: &mut Ctx<'_>,
    k: &core::Container,
    role: ContainerRole,
    loc: &Loc<'_>,
    pod: &Pod<'_>,
) -> Option<Container> {
    // `validateContainerCommon`: a name (a DNS-1123 label) and an image are required.
    // k8s-openapi defaults a missing required name to "".
    if k.name.is_empty() {
        ctx.error(
            Code::Kubernetes,
            loc,
            "a container needs a name (the API server rejects it without one)",
        );
        return None;
    }
    if let Err(m) = names::dns1123_label(&k.name) {
        ctx.error(
            Code::InvalidValue,
            &loc.key("name"),
            format!("container name {m}"),
        );
        return None;
    }
    if k.image.as_deref().is_none_or(str::is_empty) {
        let at = if k.image.is_some() {
            loc.key("image")
        } else {
            loc.clone()
        };
        ctx.error(
            Code::Kubernetes,
            &at,
            format!(
                "container `{}` needs an image (the API server rejects it without one)",
                k.name
            ),
        );
    }
    let name = k.name.clone();
    let mut c = Container::new(name, role);

    if let Some(image) = k.image.as_deref().filter(|s| !s.trim().is_empty()) {
        let at = ctx.at(&loc.key("image"));
        let image = ImageRef::parse(image);
        if let Some(rt) = Runtime::from_image(&image) {
            c.runtime = Some(Fact::new(rt, at.clone()));
        }
        c.image = Some(Fact::new(image, at));
    }
    if let Some(cmd) = &k.command {
        c.process.entrypoint = Some(Fact::new(cmd.clone(), ctx.at(&loc.key("command"))));
    }
    if let Some(args) = &k.args {
        c.process.command = Some(Fact::new(args.clone(), ctx.at(&loc.key("args"))));
    }
    if let Some(dir) = &k.working_dir {
        c.process.workdir = Some(Fact::new(dir.clone(), ctx.at(&loc.key("workingDir"))));
    }
    for (i, p) in k.ports.iter().flatten().enumerate() {
        c.listens
            .extend(port(ctx, p, &loc.key("ports").idx(i), role, pod));
    }
    for (i, e) in k.env.iter().flatten().enumerate() {
        env(ctx, e, &loc.key("env").idx(i), &mut c);
    }
    for (i, e) in k.env_from.iter().flatten().enumerate() {
        env_from(ctx, e, &loc.key("envFrom").idx(i), &mut c);
    }
    if role == ContainerRole::Init {
        // `validateInitContainers`: only a sidecar may have probes or lifecycle hooks.
        let set = [
            (k.liveness_probe.is_some(), "livenessProbe"),
            (k.readiness_probe.is_some(), "readinessProbe"),
            (k.startup_probe.is_some(), "startupProbe"),
            (k.lifecycle.is_some(), "lifecycle"),
        ];
        for (_, key) in set.iter().filter(|(is, _)| *is) {
            ctx.error(
                Code::InvalidValue,
                &loc.key(key),
                "may not be set for init containers without restartPolicy: Always",
            );
        }
    }
    let probes = [
        (&k.liveness_probe, "livenessProbe", ProbeRole::Liveness),
        (&k.readiness_probe, "readinessProbe", ProbeRole::Readiness),
        (&k.startup_probe, "startupProbe", ProbeRole::Startup),
    ];
    for (probe, key, role) in probes {
        if let Some(p) = probe {
            let handler = Handler {
                exec: p.exec.as_ref(),
                http_get: p.http_get.as_ref(),
                tcp_socket: p.tcp_socket.as_ref(),
                grpc: p.grpc.as_ref(),
                sleep: None,
            };
            c.probes.extend(handler.lower(ctx, role, &loc.key(key)));
        }
    }
    if let Some(lc) = &k.lifecycle {
        let ll = loc.key("lifecycle");
        for (hook, key, role) in [
            (&lc.post_start, "postStart", ProbeRole::PostStart),
            (&lc.pre_stop, "preStop", ProbeRole::PreStop),
        ] {
            if let Some(h) = hook {
                c.probes
                    .extend(Handler::of(h).lower(ctx, role, &ll.key(key)));
            }
        }
        if let Some(sig) = &lc.stop_signal {
            c.stop_signal = Some(Fact::new(sig.clone(), ctx.at(&ll.key("stopSignal"))));
        }
    }
    c.probes.sort();
    if let Some(limits) = k.resources.as_ref().and_then(|r| r.limits.as_ref()) {
        let ll = loc.key("resources").key("limits");
        let fact = |ctx: &mut Ctx<'_>, key: &str| {
            let q = limits.get(key)?;
            Some(Fact::new(q.0.clone(), ctx.at(&ll.key(key))))
        };
        c.limits.memory = fact(ctx, "memory");
        c.limits.cpu = fact(ctx, "cpu");
    }
    c.mounts = volumes::mounts(
        ctx,
        k.volume_mounts.as_deref().unwrap_or_default(),
        &loc.key("volumeMounts"),
        &pod.volumes,
    );
    pod.security
        .apply(ctx, k.security_context.as_ref(), loc, &mut c);
    Some(c)
}

/// `containerPort` (with `hostPort`, which publishes it on the node). With `hostNetwork`
/// the port is the node's: `hostPort` defaults to `containerPort` (`SetDefaults_Pod`,
/// `defaultHostNetworkPorts`, for containers and init containers) and a container's may not
/// differ from it (`validatePodHostNetworkDeps` checks `spec.containers` only; a template
/// may leave it 0, which the Pod then defaults).
fn port(
    ctx: &mut Ctx<'_>,
    p: &ContainerPort,
    loc: &Loc<'_>,
    role: ContainerRole,
    pod: &Pod<'_>,
) -> Option<Listen> {
    let cl = loc.key("containerPort");
    if p.container_port == 0 {
        // k8s-openapi defaults the missing required field to 0; `validateContainerPorts`
        // says `Required value`.
        ctx.error(
            Code::InvalidValue,
            &cl,
            "containerPort is required (1-65535)",
        );
        return None;
    }
    let number = port_number(ctx, p.container_port, &cl)?;
    let protocol = match defaults::protocol(p.protocol.as_deref()) {
        Ok(proto) => proto,
        Err(m) => {
            ctx.error(Code::InvalidValue, &loc.key("protocol"), m);
            return None;
        }
    };
    if let Some(n) = &p.name
        && let Err(m) = names::port_name(n)
    {
        ctx.error(Code::InvalidValue, &loc.key("name"), m);
        return None;
    }
    let mut published = Vec::new();
    let hl = loc.key("hostPort");
    match (defaults::optional_port(p.host_port), &pod.host_network) {
        (Some(hp), Some(_)) if i32::from(number) != hp && role == ContainerRole::Main => {
            ctx.error(
                Code::InvalidValue,
                &hl,
                format!("hostPort {hp} must match containerPort {number} when hostNetwork is true"),
            );
            return None;
        }
        (Some(hp), _) => {
            let host_port = port_number(ctx, hp, &hl)?;
            published.push(Publish {
                via: Exposure::HostPort {
                    host_ip: p.host_ip.clone(),
                    host_port: Some(host_port),
                },
                at: ctx.at(&hl),
            });
        }
        (None, Some(host_network)) => published.push(Publish {
            via: Exposure::HostPort {
                host_ip: p.host_ip.clone(),
                host_port: Some(number),
            },
            at: ctx.at(&cl).via(host_network),
        }),
        (None, None) => {}
    }
    Some(Listen {
        port: number,
        protocol,
        name: p.name.clone(),
        origin: ListenOrigin::Port,
        published,
        at: ctx.at(loc),
    })
}

/// A port number 1-65535, else an error at `loc`.
pub(crate) fn port_number(ctx: &mut Ctx<'_>, n: i32, loc: &Loc<'_>) -> Option<u16> {
    match u16::try_from(n) {
        Ok(p) if p > 0 => Some(p),
        _ => {
            ctx.error(
                Code::InvalidValue,
                loc,
                format!("port {n} is out of range (1-65535)"),
            );
            None
        }
    }
}

fn env(ctx: &mut Ctx<'_>, e: &EnvVar, loc: &Loc<'_>, c: &mut Container) {
    if e.name.is_empty() {
        ctx.error(
            Code::InvalidValue,
            &loc.key("name"),
            "environment variable without a name",
        );
        return;
    }
    let (value, at) = match (&e.value, &e.value_from) {
        (Some(v), _) => (EnvValue::Literal { value: v.clone() }, loc.key("value")),
        (None, Some(from)) => {
            let fl = loc.key("valueFrom");
            if let Some(r) = &from.config_map_key_ref {
                let v = EnvValue::ConfigMap {
                    name: r.name.clone(),
                    key: r.key.clone(),
                    value: None,
                    optional: r.optional == Some(true),
                };
                (v, fl.key("configMapKeyRef"))
            } else if let Some(r) = &from.secret_key_ref {
                (
                    EnvValue::Secret {
                        name: r.name.clone(),
                        key: r.key.clone(),
                    },
                    fl.key("secretKeyRef"),
                )
            } else if let Some(r) = &from.field_ref {
                (
                    EnvValue::Field {
                        path: r.field_path.clone(),
                    },
                    fl.key("fieldRef"),
                )
            } else if let Some(r) = &from.resource_field_ref {
                (
                    EnvValue::Field {
                        path: r.resource.clone(),
                    },
                    fl.key("resourceFieldRef"),
                )
            } else if let Some(r) = &from.file_key_ref {
                // EnvFiles (alpha in 1.34): a key of a file in a volume, written at run time.
                let path = format!("file:{}/{}#{}", r.volume_name, r.path, r.key);
                (EnvValue::Field { path }, fl.key("fileKeyRef"))
            } else {
                ctx.error(Code::Kubernetes, &fl, "valueFrom needs one of configMapKeyRef, secretKeyRef, fieldRef, resourceFieldRef, fileKeyRef");
                return;
            }
        }
        // `- name: X` alone sets X to the empty string.
        (None, None) => (
            EnvValue::Literal {
                value: String::new(),
            },
            loc.clone(),
        ),
    };
    c.env.insert(e.name.clone(), Fact::new(value, ctx.at(&at)));
}

fn env_from(ctx: &mut Ctx<'_>, e: &EnvFromSource, loc: &Loc<'_>, c: &mut Container) {
    let prefix = e.prefix.clone().filter(|p| !p.is_empty());
    let source = if let Some(r) = &e.config_map_ref {
        EnvSource::ConfigMap {
            name: r.name.clone(),
            prefix,
        }
    } else if let Some(r) = &e.secret_ref {
        EnvSource::Secret {
            name: r.name.clone(),
            prefix,
        }
    } else {
        ctx.error(
            Code::Kubernetes,
            loc,
            "envFrom needs configMapRef or secretRef",
        );
        return;
    };
    c.env_from.push(Fact::new(source, ctx.at(loc)));
}

/// The action of a probe or lifecycle hook: exactly one handler is set.
struct Handler<'a> {
    exec: Option<&'a core::ExecAction>,
    http_get: Option<&'a core::HTTPGetAction>,
    tcp_socket: Option<&'a core::TCPSocketAction>,
    grpc: Option<&'a core::GRPCAction>,
    sleep: Option<&'a core::SleepAction>,
}

impl<'a> Handler<'a> {
    fn of(h: &'a LifecycleHandler) -> Self {
        Handler {
            exec: h.exec.as_ref(),
            http_get: h.http_get.as_ref(),
            tcp_socket: h.tcp_socket.as_ref(),
            grpc: None,
            sleep: h.sleep.as_ref(),
        }
    }

    fn lower(&self, ctx: &mut Ctx<'_>, role: ProbeRole, loc: &Loc<'_>) -> Option<Probe> {
        let port_text = |p: &IntOrString| match p {
            IntOrString::Int(n) => n.to_string(),
            IntOrString::String(s) => s.clone(),
        };
        let (action, at) = if let Some(e) = self.exec {
            (
                ProbeAction::Exec(e.command.clone().unwrap_or_default()),
                loc.key("exec").key("command"),
            )
        } else if let Some(h) = self.http_get {
            let action = ProbeAction::Http {
                port: port_text(&h.port),
                path: h.path.clone().unwrap_or_else(|| "/".to_owned()),
            };
            (action, loc.key("httpGet"))
        } else if let Some(t) = self.tcp_socket {
            (
                ProbeAction::Tcp {
                    port: port_text(&t.port),
                },
                loc.key("tcpSocket"),
            )
        } else if let Some(g) = self.grpc {
            let port = port_number(ctx, g.port, &loc.key("grpc").key("port"))?;
            (ProbeAction::Grpc { port }, loc.key("grpc"))
        } else if let Some(s) = self.sleep {
            (ProbeAction::Sleep { seconds: s.seconds }, loc.key("sleep"))
        } else {
            ctx.error(
                Code::Kubernetes,
                loc,
                "a probe or hook needs exec, httpGet, tcpSocket, grpc or sleep",
            );
            return None;
        };
        Some(Probe {
            role,
            action,
            at: ctx.at(&at),
        })
    }
}
