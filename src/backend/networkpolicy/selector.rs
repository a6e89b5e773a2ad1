//! The peers a user names on the command line: `--ingress-from SPEC` (who may reach
//! published ports) and `--dns TARGET` (where name lookups go).
//!
//! SPEC grammar (each part checked as the API server checks labels and CIDRs):
//! - `ns:K=V[,K=V…]` — pods in the namespaces with these labels (`namespaceSelector`); a bare
//!   `K=V[,…]` means the same, so `kubernetes.io/metadata.name=ingress-nginx` names a namespace;
//! - `pod:K=V[,…]` — pods with these labels in the policy's own namespace (`podSelector`);
//! - `ns:…+pod:…` — both in one peer: those pods in those namespaces (the selectors AND);
//! - `*` for the labels of either part selects everything (`ns:*`: every namespace);
//! - `cidr:ADDR/N` — an address block (`ipBlock`), alone.
//!
//! DNS TARGET: a preset — `kube-dns` (default), `nodelocal` (NodeLocal DNSCache),
//! `openshift`, `none` — or `SPEC[@PORT]` (port 53 when not given). Presets:
//! - kube-dns: `namespaceSelector kubernetes.io/metadata.name: kube-system` AND
//!   `podSelector k8s-app: kube-dns` (the label CoreDNS and kube-dns pods carry in kubeadm,
//!   GKE, EKS, AKS), port 53;
//! - nodelocal: `ipBlock 169.254.20.10/32`, port 53 — NodeLocal DNSCache runs with host
//!   networking on that link-local address (Kubernetes docs, "Using NodeLocal DNSCache in
//!   Kubernetes Clusters"), so no pod selector can match it;
//! - openshift: `namespaceSelector kubernetes.io/metadata.name: openshift-dns` AND
//!   `podSelector dns.operator.openshift.io/daemonset-dns: default`, port 5353 (the DNS
//!   operator's CoreDNS listens on 5353; the Service maps 53 to it, and policies see the pod
//!   port).
//!
//! DNS goes over UDP and, for answers that do not fit a datagram, TCP (RFC 7766 §5: TCP
//! support is required), so every DNS target is allowed on both.

use std::collections::BTreeMap;
use std::fmt;

use super::labels;

/// A peer named on the command line.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PeerSpec {
    /// `namespaceSelector.matchLabels` (empty map: every namespace).
    pub namespaces: Option<BTreeMap<String, String>>,
    /// `podSelector.matchLabels` (empty map: every pod).
    pub pods: Option<BTreeMap<String, String>>,
    /// `ipBlock.cidr`, normalized.
    pub cidr: Option<String>,
}

impl PeerSpec {
    /// Parse SPEC (see the module docs).
    pub fn parse(s: &str) -> Result<PeerSpec, String> {
        let s = s.trim();
        if let Some(block) = s.strip_prefix("cidr:") {
            return Ok(PeerSpec {
                namespaces: None,
                pods: None,
                cidr: Some(labels::cidr(block)?),
            });
        }
        let mut spec = PeerSpec {
            namespaces: None,
            pods: None,
            cidr: None,
        };
        for part in s.split('+') {
            let (slot, what) = if let Some(rest) = part.strip_prefix("pod:") {
                (&mut spec.pods, rest)
            } else {
                (
                    &mut spec.namespaces,
                    part.strip_prefix("ns:").unwrap_or(part),
                )
            };
            if slot.is_some() {
                return Err(format!(
                    "`{s}` names the same selector twice; give each of ns: and pod: at most once"
                ));
            }
            *slot = Some(match_labels(what)?);
        }
        Ok(spec)
    }
}

/// `K=V[,K=V…]` or `*`.
fn match_labels(s: &str) -> Result<BTreeMap<String, String>, String> {
    if s.trim() == "*" {
        return Ok(BTreeMap::new());
    }
    let mut out = BTreeMap::new();
    for pair in s.split(',') {
        let Some((k, v)) = pair.split_once('=') else {
            return Err(format!(
                "`{pair}` is not KEY=VALUE (a selector is `ns:K=V`, `pod:K=V`, both joined with `+`, or `cidr:ADDR/N`)"
            ));
        };
        let (k, v) = (k.trim(), v.trim());
        labels::key(k)?;
        labels::value(v)?;
        if out.insert(k.to_owned(), v.to_owned()).is_some() {
            return Err(format!("label `{k}` is given twice"));
        }
    }
    Ok(out)
}

/// `ns:a=b+pod:c=d`, `cidr:10.0.0.0/8` — the canonical spelling, for comments.
impl fmt::Display for PeerSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let labels = |m: &BTreeMap<String, String>| {
            if m.is_empty() {
                "*".to_owned()
            } else {
                m.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(",")
            }
        };
        let mut parts = Vec::new();
        if let Some(ns) = &self.namespaces {
            parts.push(format!("ns:{}", labels(ns)));
        }
        if let Some(p) = &self.pods {
            parts.push(format!("pod:{}", labels(p)));
        }
        if let Some(c) = &self.cidr {
            parts.push(format!("cidr:{c}"));
        }
        f.write_str(&parts.join("+"))
    }
}

/// Where a workload's name lookups go.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DnsTarget {
    /// The preset's name, or the spec as written canonically.
    pub name: String,
    pub peer: PeerSpec,
    /// Allowed on UDP and TCP.
    pub port: u16,
}

/// A `--dns` argument: a target, or `none`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DnsChoice {
    None,
    Target(DnsTarget),
}

fn one(k: &str, v: &str) -> Option<BTreeMap<String, String>> {
    Some([(k.to_owned(), v.to_owned())].into_iter().collect())
}

impl DnsTarget {
    /// The default: the cluster's kube-dns / CoreDNS pods.
    pub fn kube_dns() -> DnsTarget {
        DnsTarget {
            name: "kube-dns".into(),
            peer: PeerSpec {
                namespaces: one("kubernetes.io/metadata.name", "kube-system"),
                pods: one("k8s-app", "kube-dns"),
                cidr: None,
            },
            port: 53,
        }
    }
}

impl DnsChoice {
    /// Parse a `--dns` argument (see the module docs).
    pub fn parse(s: &str) -> Result<DnsChoice, String> {
        let s = s.trim();
        let target = match s {
            "none" => return Ok(DnsChoice::None),
            "kube-dns" => DnsTarget::kube_dns(),
            "nodelocal" => DnsTarget {
                name: "nodelocal".into(),
                peer: PeerSpec {
                    namespaces: None,
                    pods: None,
                    cidr: Some("169.254.20.10/32".into()),
                },
                port: 53,
            },
            "openshift" => DnsTarget {
                name: "openshift".into(),
                peer: PeerSpec {
                    namespaces: one("kubernetes.io/metadata.name", "openshift-dns"),
                    pods: one("dns.operator.openshift.io/daemonset-dns", "default"),
                    cidr: None,
                },
                port: 5353,
            },
            _ => {
                let (spec, port) = match s.rsplit_once('@') {
                    Some((spec, port)) => {
                        let port: u16 = port
                            .parse()
                            .ok()
                            .filter(|p| *p > 0)
                            .ok_or_else(|| format!("`{port}` is not a port (1-65535)"))?;
                        (spec, port)
                    }
                    None => (s, 53),
                };
                let peer = PeerSpec::parse(spec).map_err(|m| {
                    format!(
                        "{m} (a DNS target is kube-dns, nodelocal, openshift, none, or SPEC[@PORT])"
                    )
                })?;
                DnsTarget {
                    name: peer.to_string(),
                    peer,
                    port,
                }
            }
        };
        Ok(DnsChoice::Target(target))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_specs() {
        let ns = PeerSpec::parse("kubernetes.io/metadata.name=ingress-nginx").unwrap();
        assert_eq!(
            ns,
            PeerSpec::parse("ns:kubernetes.io/metadata.name=ingress-nginx").unwrap()
        );
        assert_eq!(
            ns.to_string(),
            "ns:kubernetes.io/metadata.name=ingress-nginx"
        );
        assert!(ns.pods.is_none());
        let both = PeerSpec::parse("ns:team=web+pod:app=proxy,tier=edge").unwrap();
        assert_eq!(both.to_string(), "ns:team=web+pod:app=proxy,tier=edge");
        assert_eq!(both.pods.as_ref().unwrap().len(), 2);
        assert_eq!(
            PeerSpec::parse("ns:*").unwrap().namespaces,
            Some(BTreeMap::new())
        );
        assert_eq!(
            PeerSpec::parse("cidr:10.1.2.3/8").unwrap().cidr.as_deref(),
            Some("10.0.0.0/8")
        );
        assert!(PeerSpec::parse("pod:a=b+pod:c=d").is_err());
        assert!(PeerSpec::parse("app").is_err());
        assert!(PeerSpec::parse("pod:app=bad value").is_err());
        assert!(PeerSpec::parse("cidr:10.0.0.0/40").is_err());
    }

    #[test]
    fn dns_targets() {
        let DnsChoice::Target(k) = DnsChoice::parse("kube-dns").unwrap() else {
            panic!()
        };
        assert_eq!(k, DnsTarget::kube_dns());
        assert_eq!(
            k.peer.to_string(),
            "ns:kubernetes.io/metadata.name=kube-system+pod:k8s-app=kube-dns"
        );
        let DnsChoice::Target(o) = DnsChoice::parse("openshift").unwrap() else {
            panic!()
        };
        assert_eq!(o.port, 5353);
        let DnsChoice::Target(c) = DnsChoice::parse("cidr:10.96.0.10/32@1053").unwrap() else {
            panic!()
        };
        assert_eq!((c.name.as_str(), c.port), ("cidr:10.96.0.10/32", 1053));
        assert_eq!(DnsChoice::parse("none").unwrap(), DnsChoice::None);
        assert!(DnsChoice::parse("pod:k8s-app=coredns@0").is_err());
        assert!(DnsChoice::parse("coredns").is_err());
    }
}
