//! Sources a custom resource lets in that are not workloads of the inputs (`Admit`: every pod
//! of a namespace or of every namespace, any source such as the API server, an address
//! block) → ingress rules on the workload's policy, each with the resource's reason.

use crate::intent::{AdmitFrom, NetworkMode};

use super::edges::declared_ports;
use super::labels;
use super::plan::{Endpoint, Planner, PortKey, Reason, warn};

impl Planner<'_> {
    /// The ingress rules of workload `i`'s admissions, on the policy of its pods.
    pub fn admitted(&mut self, i: usize) {
        let w = &self.model.workloads[i];
        let Ok(o) = self.owners[i] else { return };
        for a in &w.network.admits {
            if *self.mode(o) == NetworkMode::None {
                continue;
            }
            let endpoint = match &a.from {
                AdmitFrom::Namespace { name } if *name == w.namespace => Endpoint::Namespace(None),
                AdmitFrom::Namespace { name } => Endpoint::Namespace(Some(name.clone())),
                AdmitFrom::AllNamespaces => Endpoint::Cluster,
                AdmitFrom::Anywhere => Endpoint::Anywhere,
                AdmitFrom::Cidr { cidr } => match labels::cidr(cidr) {
                    Ok(block) => Endpoint::Cidr(block),
                    Err(m) => {
                        let msg = format!("{}: {m}; no rule is emitted for it", w.id);
                        self.note(o, warn(msg, &a.at));
                        continue;
                    }
                },
            };
            let ports: Vec<PortKey> = match a.port {
                Some(n) => vec![PortKey::One(a.protocol, n)],
                None => declared_ports(w)
                    .into_iter()
                    .map(|(proto, n)| PortKey::One(proto, n))
                    .collect(),
            };
            if ports.is_empty() {
                let msg = format!(
                    "{}: {}, but it declares no port, so no rule is emitted (declare its containerPort)",
                    w.id, a.why
                );
                self.note(o, warn(msg, &a.at));
            }
            let r = Reason {
                why: a.why.as_str().into(),
                at: a.at.clone(),
            };
            for k in ports {
                self.allow(o, true, endpoint.clone(), k, r.clone());
            }
        }
    }
}
