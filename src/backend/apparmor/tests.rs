//! The mapping, fact by fact, on intent built in code (the fixtures, their snapshots and the
//! real `apparmor_parser` are in tests/apparmor.rs).

use std::sync::Arc;

use crate::diag::{Code, Diagnostics, Severity};
use crate::intent::{
    CapSpec, Capability, CapabilitySet, Container, ContainerRole, EnvValue, Fact, Listen,
    ListenOrigin, Mount, MountKind, NetworkMode, Peer, PeerTarget, Probe, ProbeAction, ProbeRole,
    Protocol, Provenance, Workload, WorkloadKind,
};

use super::build::{Outcome, build};
use super::model::Profile;

fn at(line: u32, field: &str) -> Provenance {
    Provenance::line(&Arc::from("compose.yaml"), line, field)
}

fn workload(c: Container) -> Workload {
    let mut w = Workload::new(
        WorkloadKind::ComposeService,
        "shop",
        "web",
        at(2, "services.web"),
    );
    w.containers.push(c);
    w
}

fn container() -> Container {
    let mut c = Container::new("web", ContainerRole::Main);
    c.process.entrypoint = Some(Fact::new(
        vec!["/usr/local/bin/web".into()],
        at(4, "services.web.entrypoint"),
    ));
    c
}

fn profile(w: &Workload) -> Profile {
    let mut diags = Diagnostics::new();
    match build(w, &w.containers[0], "shop.web.web", false, &mut diags) {
        Outcome::Profile(p) => *p,
        other => panic!("no profile: {other:?} {:?}", diags.sorted()),
    }
}

fn rules(p: &Profile) -> Vec<String> {
    p.groups
        .iter()
        .flat_map(|g| g.rules.iter().map(ToString::to_string))
        .collect()
}

fn has(p: &Profile, rule: &str) -> bool {
    rules(p).iter().any(|r| r == rule)
}

fn caps(drop: &[CapSpec], add: &[CapSpec]) -> CapabilitySet {
    let with = |specs: &[CapSpec], line| {
        specs
            .iter()
            .map(|s| (*s, at(line, "cap")))
            .collect::<Vec<_>>()
    };
    CapabilitySet::from_add_drop(&with(add, 9), &with(drop, 8))
}

#[test]
fn capability_rules_are_exactly_the_effective_set() {
    let mut c = container();
    c.capabilities = caps(&[CapSpec::All], &[CapSpec::One(Capability::NetBindService)]);
    let p = profile(&workload(c));
    let capability_rules: Vec<String> = rules(&p)
        .into_iter()
        .filter(|r| r.starts_with("capability"))
        .collect();
    assert_eq!(capability_rules, ["capability net_bind_service"]);

    let p = profile(&workload(container()));
    let n = rules(&p)
        .iter()
        .filter(|r| r.starts_with("capability"))
        .count();
    assert_eq!(n, crate::intent::RUNTIME_DEFAULT.len());
}

#[test]
fn raw_sockets_follow_net_raw() {
    let p = profile(&workload(container()));
    assert!(has(&p, "network inet raw") && has(&p, "network packet"));
    assert!(!has(&p, "deny network raw"));
    let mut c = container();
    c.capabilities = caps(&[CapSpec::One(Capability::NetRaw)], &[]);
    let p = profile(&workload(c));
    assert!(has(&p, "deny network raw") && has(&p, "deny network packet"));
    assert!(!has(&p, "network inet raw"));
}

#[test]
fn network_rules_only_for_declared_traffic() {
    let mut c = container();
    c.capabilities = caps(&[CapSpec::All], &[]);
    let quiet = profile(&workload(c.clone()));
    let inet: Vec<String> = rules(&quiet)
        .into_iter()
        .filter(|r| r.starts_with("network") && r != "network unix")
        .collect();
    assert!(inet.is_empty(), "nothing declared, yet {inet:?}");

    c.listens.push(Listen {
        port: 8080,
        protocol: Protocol::Tcp,
        name: None,
        origin: ListenOrigin::Port,
        published: Vec::new(),
        at: at(5, "services.web.ports[0]"),
    });
    let p = profile(&workload(c.clone()));
    assert!(has(&p, "network inet stream") && has(&p, "network inet6 stream"));
    assert!(!has(&p, "network inet dgram"), "a TCP listen needs no UDP");
    assert!(!has(&p, "network netlink raw"), "no peer, no name lookups");

    let mut w = workload(c);
    w.network.peers.push(Peer {
        target: PeerTarget::External {
            host: "10.0.0.1".into(),
            cidr: Some("10.0.0.1/32".into()),
        },
        port: Some(53),
        protocol: Protocol::Udp,
        at: at(6, "x-cinch.egress[0]"),
        by: None,
    });
    let p = profile(&w);
    assert!(has(&p, "network inet dgram"), "UDP peer");
    assert!(
        !has(&p, "network netlink raw"),
        "an address needs no lookup"
    );
    w.network.peers.push(Peer {
        target: PeerTarget::Workload {
            id: "shop/db".into(),
        },
        port: Some(5432),
        protocol: Protocol::Tcp,
        at: at(7, "services.web.depends_on.db"),
        by: None,
    });
    let p = profile(&w);
    assert!(
        has(&p, "network netlink raw"),
        "a service name is looked up"
    );
    let dns = p
        .groups
        .iter()
        .find(|g| {
            g.rules
                .iter()
                .any(|r| r.to_string() == "network inet dgram")
        })
        .unwrap();
    assert!(
        dns.why
            .iter()
            .any(|r| r.what.contains("DNS lookup of shop/db")),
        "{:?}",
        dns.why
    );

    w.network.mode = Fact::new(NetworkMode::None, at(3, "services.web.network_mode"));
    let p = profile(&w);
    let net: Vec<String> = rules(&p)
        .into_iter()
        .filter(|r| r.contains("network"))
        .collect();
    assert_eq!(
        net,
        ["network unix", "deny network raw", "deny network packet"]
    );
}

#[test]
fn read_only_root_writes_only_to_writable_mounts() {
    let mut c = container();
    c.read_only_root = Fact::new(true, at(3, "services.web.read_only"));
    c.mounts = vec![
        Mount {
            target: "/data".into(),
            source: Some("data".into()),
            kind: MountKind::Volume,
            read_only: false,
            at: at(10, "v[0]"),
        },
        Mount {
            target: "/etc/app".into(),
            source: Some("./app".into()),
            kind: MountKind::Bind,
            read_only: true,
            at: at(11, "v[1]"),
        },
        Mount {
            target: "/scratch".into(),
            source: None,
            kind: MountKind::Tmpfs,
            read_only: false,
            at: at(12, "tmpfs[0]"),
        },
    ];
    let p = profile(&workload(c));
    assert!(has(&p, "/** rm"));
    assert!(
        !rules(&p)
            .iter()
            .any(|r| r.starts_with("/** ") && r.contains('w')),
        "{:#?}",
        rules(&p)
    );
    assert!(has(&p, "/data/** rwlk") && has(&p, "/scratch/** rwlk"));
    assert!(
        !rules(&p).iter().any(|r| r.contains("/etc/app")),
        "a read-only mount gets nothing beyond /** rm"
    );
    assert!(
        !has(&p, "deny /** w"),
        "deny would cancel the writable mounts"
    );
}

#[test]
fn writable_root_denies_kernel_interfaces_and_read_only_mounts() {
    let mut c = container();
    c.mounts = vec![
        Mount {
            target: "/etc/app".into(),
            source: Some("./app".into()),
            kind: MountKind::Bind,
            read_only: true,
            at: at(11, "v[0]"),
        },
        Mount {
            target: "/srv".into(),
            source: Some("./srv".into()),
            kind: MountKind::Bind,
            read_only: true,
            at: at(12, "v[1]"),
        },
        Mount {
            target: "/srv/uploads".into(),
            source: Some("up".into()),
            kind: MountKind::Volume,
            read_only: false,
            at: at(13, "v[2]"),
        },
    ];
    let p = profile(&workload(c));
    for rule in [
        "/** rwlkm",
        "deny @{PROC}/* w",
        "deny @{PROC}/[^0-9]*/** w",
        "deny @{PROC}/sysrq-trigger rwlkx",
        "deny @{PROC}/kcore rwlkx",
        "deny /sys/** wlkx",
        "deny /etc/app/** w",
    ] {
        assert!(has(&p, rule), "missing {rule}");
    }
    assert!(
        !rules(&p).iter().any(|r| r.starts_with("deny /srv")),
        "a deny on /srv would cancel the writable /srv/uploads"
    );
}

#[test]
fn ptrace_and_mounts_need_their_capability() {
    let p = profile(&workload(container()));
    for rule in [
        "deny ptrace",
        "deny mount",
        "deny umount",
        "deny pivot_root",
    ] {
        assert!(has(&p, rule), "missing {rule}");
    }
    assert!(has(&p, "signal (send, receive) peer=cinch.shop.web.web"));
    let mut c = container();
    c.capabilities = caps(
        &[],
        &[
            CapSpec::One(Capability::SysPtrace),
            CapSpec::One(Capability::SysAdmin),
        ],
    );
    let p = profile(&workload(c));
    assert!(has(
        &p,
        "ptrace (trace, read, tracedby, readby) peer=cinch.shop.web.web"
    ));
    assert!(has(&p, "mount") && has(&p, "umount") && has(&p, "pivot_root"));
    assert!(
        !rules(&p)
            .iter()
            .any(|r| r.starts_with("deny ptrace") || r.starts_with("deny mount"))
    );
}

#[test]
fn named_programs_only_unless_intent_cannot_name_them() {
    let mut c = container();
    c.probes.push(Probe {
        role: ProbeRole::Healthcheck,
        action: ProbeAction::Exec(vec![
            "/bin/sh".into(),
            "-c".into(),
            "curl -f localhost".into(),
        ]),
        at: at(6, "services.web.healthcheck.test"),
    });
    let p = profile(&workload(c.clone()));
    let exec: Vec<String> = rules(&p)
        .into_iter()
        .filter(|r| r.ends_with(" ix"))
        .collect();
    assert_eq!(
        exec,
        [
            "/usr/local/bin/web ix",
            "/{usr/,}bin/sh ix",
            "/{usr/local/sbin,usr/local/bin,usr/sbin,usr/bin,sbin,bin}/curl ix"
        ]
    );

    c.probes[0].action = ProbeAction::Exec(vec![
        "/bin/sh".into(),
        "-c".into(),
        "curl -f localhost || exit 1".into(),
    ]);
    let p = profile(&workload(c.clone()));
    assert!(has(&p, "/** ix"), "a script cinch cannot read");
    let why = p
        .groups
        .iter()
        .find(|g| g.rules.iter().any(|r| r.to_string() == "/** ix"))
        .unwrap();
    assert_eq!(why.why[0].at, at(6, "services.web.healthcheck.test"));

    // A command without a known ENTRYPOINT may run through the image's entrypoint.
    let mut c = container();
    c.process.entrypoint = None;
    c.process.command = Some(Fact::new(vec!["web".into()], at(4, "services.web.command")));
    assert!(has(&profile(&workload(c)), "/** ix"));
}

#[test]
fn path_from_the_manifest_is_used_and_checked() {
    let mut c = container();
    c.process.entrypoint = Some(Fact::new(
        vec!["app".into()],
        at(4, "services.web.entrypoint"),
    ));
    let path = |v: &str| {
        Fact::new(
            EnvValue::Literal { value: v.into() },
            at(7, "services.web.environment.PATH"),
        )
    };
    c.env.insert("PATH".into(), path("/opt/app/bin:/usr/bin"));
    assert!(has(
        &profile(&workload(c.clone())),
        "/{opt/app/bin,usr/bin}/app ix"
    ));
    c.env.insert("PATH".into(), path("/opt/app/bin:."));
    assert!(
        has(&profile(&workload(c.clone())), "/** ix"),
        "a relative PATH entry"
    );
    c.env.insert("PATH".into(), path("/opt\n/bin"));
    let w = workload(c);
    let mut diags = Diagnostics::new();
    assert_eq!(
        build(&w, &w.containers[0], "s", false, &mut diags),
        Outcome::Rejected
    );
    let d = diags.sorted();
    assert_eq!(
        (d[0].code, d[0].line, d[0].severity),
        (Code::Unsafe, 7, Severity::Error),
        "{d:?}"
    );
}

#[test]
fn the_program_list_is_declared_executables() {
    let mut c = container();
    c.process.command = Some(Fact::new(
        vec!["--serve".into()],
        at(5, "services.web.command"),
    ));
    c.probes.push(Probe {
        role: ProbeRole::Liveness,
        action: ProbeAction::Exec(vec!["/bin/check".into()]),
        at: at(6, "probe"),
    });
    let (main, probes) = super::exec::argvs_for_test(&c);
    let firsts: Vec<String> = main
        .into_iter()
        .chain(probes)
        .map(|(argv, ..)| argv[0].clone())
        .collect();
    let declared: Vec<String> = c
        .declared_executables()
        .unwrap()
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(firsts, declared);
}

#[test]
fn privileged_gets_a_warning_and_no_profile() {
    let mut c = container();
    c.privileged = Fact::new(true, at(8, "services.web.privileged"));
    let w = workload(c);
    let mut diags = Diagnostics::new();
    let out = build(&w, &w.containers[0], "shop.web.web", false, &mut diags);
    assert_eq!(
        out,
        Outcome::Unconfined {
            at: at(8, "services.web.privileged")
        }
    );
    let d = diags.sorted();
    assert_eq!(d.len(), 1);
    assert_eq!(
        (d[0].code, d[0].severity, d[0].line),
        (Code::Privileged, Severity::Warning, 8)
    );
}

#[test]
fn unsafe_values_are_errors_at_their_line_and_never_dropped() {
    let mut c = container();
    c.read_only_root = Fact::new(true, at(3, "services.web.read_only"));
    c.mounts.push(Mount {
        target: "/data\n}".into(),
        source: None,
        kind: MountKind::Volume,
        read_only: false,
        at: at(12, "v[0]"),
    });
    c.probes.push(Probe {
        role: ProbeRole::Healthcheck,
        action: ProbeAction::Exec(vec!["/bin/a\tb".into()]),
        at: at(14, "hc"),
    });
    let w = workload(c);
    let mut diags = Diagnostics::new();
    assert_eq!(
        build(&w, &w.containers[0], "shop.web.web", false, &mut diags),
        Outcome::Rejected
    );
    let lines: Vec<(u32, Code)> = diags.sorted().iter().map(|d| (d.line, d.code)).collect();
    assert_eq!(lines, [(12, Code::Unsafe), (14, Code::Unsafe)]);
    assert!(
        diags
            .iter()
            .all(|d| !d.message.contains('\n') && !d.message.contains('\t')),
        "{:?}",
        diags.sorted()
    );
}

#[test]
fn complain_from_the_command_line_or_explicit_intent() {
    let w = workload(container());
    let mut diags = Diagnostics::new();
    let Outcome::Profile(p) = build(&w, &w.containers[0], "s", true, &mut diags) else {
        panic!()
    };
    assert!(p.complain.is_some());
    assert!(profile(&w).complain.is_none());
    let mut w = w;
    w.explicit.complain = Some(Fact::new(true, at(20, "services.web.x-cinch.complain")));
    assert_eq!(
        profile(&w).complain.unwrap().at,
        at(20, "services.web.x-cinch.complain")
    );
}

#[test]
fn only_mounts_that_start_empty_lose_exec_when_the_image_may_run() {
    let mut c = container();
    c.process.entrypoint = None; // the image's own program: every program may run
    c.mounts = vec![
        Mount {
            target: "/tmp".into(),
            source: None,
            kind: MountKind::Tmpfs,
            read_only: false,
            at: at(10, "tmpfs[0]"),
        },
        Mount {
            target: "/app/node_modules".into(),
            source: Some("nm".into()),
            kind: MountKind::Volume,
            read_only: false,
            at: at(11, "v[0]"),
        },
    ];
    let p = profile(&workload(c.clone()));
    assert!(has(&p, "/** ix"));
    assert!(has(&p, "deny /tmp/** x") && has(&p, "deny /tmp x"));
    assert!(
        !rules(&p).iter().any(|r| r.contains("node_modules")),
        "a volume may hold programs from the image"
    );
    // A named program on the tmpfs keeps it executable.
    c.process.entrypoint = Some(Fact::new(
        vec!["/tmp/run".into()],
        at(4, "services.web.entrypoint"),
    ));
    c.process.command = None;
    c.probes.push(Probe {
        role: ProbeRole::Healthcheck,
        action: ProbeAction::Exec(vec!["tini".into()]),
        at: at(6, "hc"),
    });
    let p = profile(&workload(c));
    assert!(
        has(&p, "/** ix") && !has(&p, "deny /tmp/** x"),
        "{:#?}",
        rules(&p)
    );
}
