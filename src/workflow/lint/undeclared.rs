//! `undeclared-connection`: the NetworkPolicy backend's own account of undeclared intent
//! (`backend::networkpolicy::undeclared`), one finding per Service port no workload is
//! declared to reach (on the workload behind it, at the Service port) and per workload that
//! declares no connection (at its definition). The backend decides what is undeclared, so
//! lint and `generate` can never disagree about it.

use std::collections::BTreeMap;

use crate::backend::networkpolicy::{self, Options};
use crate::intent::Model;

use super::Finding;
use super::rules::Rule;

/// Findings by workload id.
pub fn findings(model: &Model) -> BTreeMap<String, Vec<Finding>> {
    let mut out: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
    let apps = networkpolicy::policies(model, &Options::default()).apps;
    let mut push = |workload: &str, message: String, at: &crate::intent::Provenance| {
        out.entry(workload.to_owned()).or_default().push(Finding {
            rule: Rule::UndeclaredConnection,
            level: Rule::UndeclaredConnection.level(),
            message,
            at: at.clone(),
            workload: workload.to_owned(),
            container: None,
            allowed: None,
        });
    };
    for app in &apps {
        for b in &app.ports {
            let w = &model.workloads[b.workload];
            let what = if app.key.compose {
                format!("port {}", b.service)
            } else {
                format!("Service {}", b.service)
            };
            push(
                &w.id,
                format!(
                    "no workload is declared to reach {what} ({} port {})",
                    b.protocol, b.port
                ),
                &b.at,
            );
        }
        for id in &app.workloads {
            if let Some(w) = model.workload(id) {
                push(
                    &w.id,
                    format!(
                        "declares no connection to another workload, while its {} has Service ports",
                        app.key
                    ),
                    &w.at,
                );
            }
        }
    }
    out
}
