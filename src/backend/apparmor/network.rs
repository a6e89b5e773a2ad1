//! Network rules: socket families and types for exactly what intent declares.
//!
//! AppArmor 3.0 mediates sockets by family and type (apparmor.d(5) "Network Rules"), not by
//! port or address — that is NetworkPolicy's job. So a declared TCP listen or TCP peer
//! allows `inet`/`inet6` `stream` sockets, UDP allows `dgram`, SCTP `seqpacket` (and
//! `stream`, its one-to-one style). Reaching a peer by name needs DNS: `dgram` (and `stream`
//! for answers over 512 bytes, RFC 7766), plus `netlink raw`, since glibc's getaddrinfo(3)
//! reads the local addresses over NETLINK_ROUTE (`__check_pf`) to sort results (RFC 6724).
//! UNIX sockets are always allowed (local IPC, syslog); with `network_mode: none` nothing
//! else is. Raw and packet sockets need CAP_NET_RAW (raw(7), packet(7)): allowed with it,
//! denied without.

use crate::intent::{
    Capability, Container, ListenOrigin, NetworkMode, Peer, PeerTarget, Protocol, Workload,
};

use super::model::{Access, Family, Reason, Rule, RuleGroup, SockType, Topic};

pub(super) fn groups(w: &Workload, c: &Container, out: &mut Vec<RuleGroup>) {
    let mode = &w.network.mode;
    let isolated = match &mode.value {
        NetworkMode::None => true,
        NetworkMode::Default
        | NetworkMode::Host
        | NetworkMode::Service(_)
        | NetworkMode::Container(_) => false,
    };
    let unix_reason = if isolated {
        Reason::new(
            "no network (network_mode: none): UNIX sockets only",
            &mode.at,
        )
    } else {
        Reason::baseline(
            "UNIX sockets between the container's own processes and to the runtime's log socket",
            "local IPC",
        )
    };
    out.push(group(vec![unix_reason], &[Family::Unix], None));

    if !isolated {
        let (mut stream, mut dgram, mut seqpacket) = (Vec::new(), Vec::new(), Vec::new());
        for l in &c.listens {
            let how = match l.origin {
                ListenOrigin::Port | ListenOrigin::Expose => "",
                ListenOrigin::Inferred => ", which another workload connects to",
            };
            let r = Reason::new(format!("listens on {}/{}{how}", l.port, l.protocol), &l.at);
            match l.protocol {
                Protocol::Tcp => stream.push(r),
                Protocol::Udp => dgram.push(r),
                Protocol::Sctp => {
                    stream.push(r.clone());
                    seqpacket.push(r);
                }
            }
        }
        for p in &w.network.peers {
            let r = Reason::new(format!("connects to {}", peer_text(p)), &p.at);
            match p.protocol {
                Protocol::Tcp => stream.push(r),
                Protocol::Udp => dgram.push(r),
                Protocol::Sctp => {
                    stream.push(r.clone());
                    seqpacket.push(r);
                }
            }
        }
        let dns = dns_lookups(&w.network.peers);
        let names = |what: &str| -> Vec<Reason> {
            dns.iter()
                .map(|(host, p)| Reason::new(format!("{what} {host}"), &p.at))
                .collect()
        };
        stream.extend(names("DNS over TCP (long answers) for"));
        dgram.extend(names("DNS lookup of"));
        for (why, kind) in [
            (stream, SockType::Stream),
            (dgram, SockType::Dgram),
            (seqpacket, SockType::Seqpacket),
        ] {
            if !why.is_empty() {
                out.push(group(
                    dedup(why),
                    &[Family::Inet, Family::Inet6],
                    Some(kind),
                ));
            }
        }
        if !dns.is_empty() {
            let why = names("getaddrinfo(3) reads local addresses over NETLINK_ROUTE to look up");
            out.push(group(why, &[Family::Netlink], Some(SockType::Raw)));
        }
    }

    match c.capabilities.effective.get(&Capability::NetRaw) {
        Some(at) if !isolated => {
            let why = vec![Reason::new(
                "capability NET_RAW: raw and packet sockets (ping, DHCP)",
                at,
            )];
            let rules = vec![
                net(Access::Allow, Some(Family::Inet), Some(SockType::Raw)),
                net(Access::Allow, Some(Family::Inet6), Some(SockType::Raw)),
                net(Access::Allow, Some(Family::Packet), None),
            ];
            out.push(RuleGroup::new(Topic::Network, why, rules));
        }
        Some(_) => {}
        None => {
            let why = vec![Reason::baseline(
                "no NET_RAW capability: no raw or packet sockets",
                "capabilities(7), raw(7), packet(7)",
            )];
            let rules = vec![
                net(Access::Deny, None, Some(SockType::Raw)),
                net(Access::Deny, Some(Family::Packet), None),
            ];
            out.push(RuleGroup::new(Topic::Network, why, rules));
        }
    }
}

fn net(access: Access, family: Option<Family>, kind: Option<SockType>) -> Rule {
    Rule::Network {
        access,
        family,
        kind,
    }
}

fn group(why: Vec<Reason>, families: &[Family], kind: Option<SockType>) -> RuleGroup {
    let rules = families
        .iter()
        .map(|f| net(Access::Allow, Some(*f), kind))
        .collect();
    RuleGroup::new(Topic::Network, why, rules)
}

fn dedup(mut why: Vec<Reason>) -> Vec<Reason> {
    let mut seen = std::collections::BTreeSet::new();
    why.retain(|r| seen.insert(r.clone()));
    why
}

/// `shop/db:5432/tcp`, `api.stripe.com:443/tcp`, `shop/cache (any port it declares)/tcp`.
fn peer_text(p: &Peer) -> String {
    let host = match &p.target {
        PeerTarget::Workload { id } => id.as_str(),
        PeerTarget::External { host, .. } => host.as_str(),
    };
    match p.port {
        Some(port) => format!("{host}:{port}/{}", p.protocol),
        None => format!("{host} (any port it declares)/{}", p.protocol),
    }
}

/// Names the workload must resolve, each with its first peer: other workloads (service
/// names) and external hosts given by name. Addresses and CIDRs need no lookup.
fn dns_lookups(peers: &[Peer]) -> Vec<(String, &Peer)> {
    let mut out: Vec<(String, &Peer)> = Vec::new();
    for p in peers {
        let name = match &p.target {
            PeerTarget::Workload { id } => Some(id.clone()),
            PeerTarget::External { cidr: Some(_), .. } => None,
            PeerTarget::External { host, cidr: None } => {
                (host.parse::<std::net::IpAddr>().is_err() && !host.is_empty())
                    .then(|| host.clone())
            }
        };
        if let Some(name) = name
            && !out.iter().any(|(n, _)| *n == name)
        {
            out.push((name, p));
        }
    }
    out
}
