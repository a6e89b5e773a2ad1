//! Undeclared intent end to end (issue 20): for real applications, what the policies of
//! each `--undeclared` mode leave unreachable, and which of the connections the applications
//! document they allow.
//!
//! - `issue_table`: the table of issue 20 — Service-backed ports no ingress rule admits,
//!   and workloads allowed no egress but DNS — for the applications of `../shared/corpus`
//!   and the hand-made fixtures of `testdata/ground-truth`, in each mode. In `namespace`
//!   mode every port still unreachable must be named in a warning that says how to fix it.
//! - `documented_edges`: the call graphs the applications document
//!   (`testdata/ground-truth/*/edges.tsv`, sources in its README), measured with nca:
//!   recall in each mode (1.0 in `namespace` mode is the target), the allowed edges no
//!   documentation lists, and — where hand-written policies ship with the application —
//!   how those fare on the same edges. No mode is looser than `cluster`.
//!
//! Run `cargo test --test undeclared -- --nocapture` to see the figures.

mod common;
#[path = "common/nca.rs"]
mod nca;
#[path = "common/reach.rs"]
mod reach;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use cinch::backend::networkpolicy::{DEFAULT_COMPOSE_LABEL, Options, Undeclared};
use cinch::intent::{Model, WorkloadKind};
use k8s_openapi::api::networking::v1::NetworkPolicy;

use common::{corpus, generate_policies};
use reach::{Edge, Evaluator, Pod};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const MODES: [Undeclared; 3] = [Undeclared::Deny, Undeclared::Namespace, Undeclared::Cluster];

/// One application: where its manifests are, its documented edges, its hand-written
/// policies (in the corpus).
struct AppCase {
    name: &'static str,
    inputs: Vec<PathBuf>,
    edges: Option<PathBuf>,
    hand: Vec<PathBuf>,
}

fn ground(app: &str) -> PathBuf {
    Path::new(ROOT).join("testdata/ground-truth").join(app)
}

/// The applications: hand-made fixtures always, corpus applications when the corpus is
/// beside the checkout (it is in CI).
fn cases() -> Vec<AppCase> {
    let mut out = vec![
        AppCase {
            name: "bookinfo (fixture)",
            inputs: vec![ground("bookinfo").join("bookinfo.yaml")],
            edges: Some(ground("bookinfo").join("edges.tsv")),
            hand: Vec::new(),
        },
        AppCase {
            name: "sock-shop (fixture)",
            inputs: vec![ground("sock-shop").join("complete-demo.yaml")],
            edges: Some(ground("sock-shop").join("edges.tsv")),
            hand: Vec::new(),
        },
    ];
    let Some(corpus) = corpus() else {
        eprintln!(
            "SKIPPED: ../shared/corpus is not beside the checkout; corpus applications not measured"
        );
        return out;
    };
    let files = |dir: &str, suffix: &str| -> Vec<PathBuf> {
        common::files_under(&corpus.join(dir))
            .into_iter()
            .filter(|p| p.to_str().unwrap().ends_with(suffix))
            .collect()
    };
    out.extend([
        AppCase {
            name: "microservices-demo",
            inputs: vec![
                corpus.join(
                    "GoogleCloudPlatform__microservices-demo/release/kubernetes-manifests.yaml",
                ),
            ],
            edges: None,
            hand: files(
                "GoogleCloudPlatform__microservices-demo/kustomize/components/network-policies",
                ".yaml",
            )
            .into_iter()
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .starts_with("network-policy-")
            })
            .collect(),
        },
        AppCase {
            name: "example-voting-app",
            inputs: vec![corpus.join("dockersamples__example-voting-app")],
            edges: None,
            hand: Vec::new(),
        },
        AppCase {
            name: "argo-cd",
            inputs: vec![corpus.join("argoproj__argo-cd/manifests/install.yaml")],
            edges: Some(ground("argo-cd").join("edges.tsv")),
            hand: files("argoproj__argo-cd/manifests/base", "-network-policy.yaml"),
        },
        AppCase {
            name: "kube-prometheus",
            inputs: vec![corpus.join("prometheus-operator__kube-prometheus/manifests")],
            edges: Some(ground("kube-prometheus").join("edges.tsv")),
            hand: files(
                "prometheus-operator__kube-prometheus/manifests",
                "-networkPolicy.yaml",
            ),
        },
    ]);
    out
}

/// One application generated in one mode.
struct Run {
    model: Model,
    files: BTreeMap<String, String>,
    stderr: String,
    policies: Vec<NetworkPolicy>,
    pods: Vec<Pod>,
}

fn run(case: &AppCase, mode: Undeclared) -> Run {
    let inputs: Vec<&str> = case.inputs.iter().map(|p| p.to_str().unwrap()).collect();
    let np = Options {
        undeclared: mode,
        ..Options::default()
    };
    let (model, files, stderr) = generate_policies(&inputs, np);
    let policies = files.values().flat_map(|t| reach::policies_in(t)).collect();
    let pods = pods(&model);
    Run {
        model,
        files,
        stderr,
        policies,
        pods,
    }
}

/// The pods of a model as the evaluator sees them; Compose services in `default` with the
/// label their policies select them by (where kompose's output would be applied).
fn pods(model: &Model) -> Vec<Pod> {
    let mut pods = Pod::from_model(model);
    for (p, w) in pods.iter_mut().zip(
        model
            .workloads
            .iter()
            .filter(|w| w.kind != WorkloadKind::Dockerfile),
    ) {
        if w.kind == WorkloadKind::ComposeService {
            p.namespace = "default".into();
            p.labels = [(DEFAULT_COMPOSE_LABEL.to_owned(), w.name.clone())].into();
        }
    }
    pods
}

impl Run {
    fn eval(&self) -> Evaluator<'_> {
        Evaluator {
            policies: &self.policies,
            default_ns: "default",
        }
    }

    fn policied(&self, pod: &Pod) -> bool {
        self.policies.iter().any(|p| {
            p.metadata.namespace.as_deref().unwrap_or("default") == pod.namespace
                && reach::selects(
                    &p.spec
                        .as_ref()
                        .and_then(|s| s.pod_selector.clone())
                        .unwrap_or_default(),
                    &pod.labels,
                )
        })
    }

    /// Service-backed ports (issue 20): a Service's target port on a workload it selects;
    /// for Compose, a port a service listens on that is not published. (workload id,
    /// `TCP 9080`, what backs it).
    fn backed(&self) -> BTreeSet<(String, String, String)> {
        let mut out = BTreeSet::new();
        for s in &self.model.services {
            if s.selector.is_empty() || s.service_type == "ExternalName" {
                continue;
            }
            for sp in &s.ports {
                for t in s.targets.iter().filter_map(|t| self.model.workload(t)) {
                    for p in sp.container_ports(t) {
                        let proto = sp.protocol.name().to_uppercase();
                        out.insert((
                            t.id.clone(),
                            format!("{proto} {p}"),
                            format!("{}:{}", s.name, sp.port),
                        ));
                    }
                }
            }
        }
        for w in self
            .model
            .workloads
            .iter()
            .filter(|w| w.kind == WorkloadKind::ComposeService)
        {
            for l in w.containers.iter().flat_map(|c| &c.listens) {
                if l.published.is_empty() {
                    let proto = l.protocol.name().to_uppercase();
                    out.insert((
                        w.id.clone(),
                        format!("{proto} {}", l.port),
                        format!("{}:{}", w.name, l.port),
                    ));
                }
            }
        }
        out
    }

    /// Whether any source — a pod of the inputs, an unlabelled pod of the destination's
    /// namespace or of another — may open (protocol, port) on `dst`.
    fn reachable(&self, dst: &Pod, conn: &str) -> bool {
        let (proto, port) = conn.split_once(' ').unwrap();
        let port: u16 = port.parse().unwrap();
        let probe = |ns: &str| Pod {
            id: format!("{ns}/probe"),
            namespace: ns.to_owned(),
            labels: BTreeMap::new(),
            ports: Vec::new(),
        };
        let probes = [probe(&dst.namespace), probe("elsewhere")];
        self.pods
            .iter()
            .filter(|p| p.id != dst.id)
            .chain(probes.iter())
            .any(|src| self.eval().ingress_allows(dst, src, proto, port))
    }

    /// Policied workloads whose egress allows no pod of the inputs (DNS aside) and nothing
    /// outside the cluster.
    fn dns_only(&self) -> (usize, usize) {
        let policied: Vec<&Pod> = self.pods.iter().filter(|p| self.policied(p)).collect();
        let eval = self.eval();
        let none = policied
            .iter()
            .filter(|src| {
                !eval.egress_to_outside(src)
                    && !self.pods.iter().any(|dst| {
                        dst.id != src.id
                            && dst
                                .ports
                                .iter()
                                .any(|(proto, port, _)| eval.egress_allows(src, dst, proto, *port))
                    })
            })
            .count();
        (none, policied.len())
    }
}

/// Issue 20's table, in each mode. In `namespace` mode a port no rule admits must be named
/// in a warning (by its workload and port) that says what to declare.
#[test]
fn issue_table() {
    let mut table = String::from(
        "| app | --undeclared | Service-backed ports unreachable | workloads allowed no egress but DNS |\n|---|---|---|---|\n",
    );
    for case in cases() {
        for mode in MODES {
            let r = run(&case, mode);
            let backed = r.backed();
            let by_id: BTreeMap<&str, &Pod> = r.pods.iter().map(|p| (p.id.as_str(), p)).collect();
            let unreachable: Vec<&(String, String, String)> = backed
                .iter()
                .filter(|(w, conn, _)| by_id.get(w.as_str()).is_some_and(|p| !r.reachable(p, conn)))
                .collect();
            let (none, policied) = r.dns_only();
            table.push_str(&format!(
                "| {} | {} | {} / {} | {none} / {policied} |\n",
                case.name,
                mode.name(),
                unreachable.len(),
                backed.len()
            ));
            if mode == Undeclared::Deny {
                continue;
            }
            // Nothing is left unreachable without a warning naming it and its fix.
            for (w, conn, service) in &unreachable {
                let port = conn.split_once(' ').unwrap().1;
                let name = w.split_once('/').map_or(w.as_str(), |(_, n)| n);
                let named = r.stderr.lines().any(|l| {
                    l.contains("warning[")
                        && (l.contains(service.as_str()) || (l.contains(name) && l.contains(port)))
                        && (l.contains("declare") || l.contains("add"))
                });
                assert!(
                    named,
                    "{} (--undeclared {}): {w} {conn} (Service {service}) is unreachable and no warning names it:\n{}",
                    case.name,
                    mode.name(),
                    r.stderr
                );
            }
        }
    }
    eprintln!("{table}");
}

/// `edges.tsv`: (from, to, `TCP 9080`).
fn documented(path: &Path) -> BTreeSet<Edge> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert!(
                f.len() >= 3,
                "{}: `{l}` is not FROM<TAB>TO<TAB>PORT<TAB>WHY",
                path.display()
            );
            (f[0].to_owned(), f[1].to_owned(), f[2].to_owned())
        })
        .collect()
}

fn recall(allowed: &BTreeSet<Edge>, docs: &BTreeSet<Edge>) -> f64 {
    docs.intersection(allowed).count() as f64 / docs.len() as f64
}

/// Recall of the documented call graphs, measured with nca (and the evaluator, which must
/// agree), in each mode; no mode allows more than `cluster`.
#[test]
fn documented_edges() {
    let Some(nca) = nca::nca("documented_edges") else {
        return;
    };
    let mut table = String::from(
        "| app | documented | --undeclared | allowed (nca) | documented allowed | recall | allowed, not documented |\n|---|---|---|---|---|---|---|\n",
    );
    let mut measured = 0;
    for case in cases() {
        let Some(edges) = &case.edges else { continue };
        let docs = documented(edges);
        let mut by_mode: Vec<(Undeclared, BTreeSet<Edge>)> = Vec::new();
        for mode in MODES {
            let r = run(&case, mode);
            // The documented edges name workloads of the inputs and ports their
            // destinations declare: the data cannot silently miss.
            for (from, to, port) in &docs {
                let dst = r.pods.iter().find(|p| &p.id == to);
                assert!(
                    r.pods.iter().any(|p| &p.id == from),
                    "{}: no workload {from}",
                    case.name
                );
                let dst = dst.unwrap_or_else(|| panic!("{}: no workload {to}", case.name));
                assert!(
                    dst.ports
                        .iter()
                        .any(|(proto, p, _)| format!("{proto} {p}") == *port),
                    "{}: {to} declares no {port}: {:?}",
                    case.name,
                    dst.ports
                );
            }
            let pods_yaml = nca::model_pods(&r.model, DEFAULT_COMPOSE_LABEL);
            let text: String = r.files.values().map(|b| format!("---\n{b}")).collect();
            let allowed = nca::nca_workload_edges(&nca, &text, &pods_yaml, &r.pods);
            assert_eq!(
                allowed,
                r.eval().edges(&r.pods, false),
                "{} (--undeclared {}): nca and the evaluator disagree",
                case.name,
                mode.name()
            );
            let extra = allowed.difference(&docs).count();
            table.push_str(&format!(
                "| {} | {} | {} | {} | {} | {:.3} | {extra} |\n",
                case.name,
                docs.len(),
                mode.name(),
                allowed.len(),
                docs.intersection(&allowed).count(),
                recall(&allowed, &docs)
            ));
            if mode == Undeclared::Namespace {
                let missed: Vec<&Edge> = docs.difference(&allowed).collect();
                assert!(
                    missed.is_empty(),
                    "{}: --undeclared namespace misses documented edges {missed:?}\n{}",
                    case.name,
                    r.stderr
                );
            }
            by_mode.push((mode, allowed));
        }
        // deny ⊆ namespace ⊆ cluster: each mode only adds, and nothing is looser than cluster.
        for pair in by_mode.windows(2) {
            let wider: Vec<&Edge> = pair[0].1.difference(&pair[1].1).collect();
            assert!(
                wider.is_empty(),
                "{}: --undeclared {} allows what {} does not: {wider:?}",
                case.name,
                pair[0].0.name(),
                pair[1].0.name()
            );
        }
        if !case.hand.is_empty() {
            let text: String = case
                .hand
                .iter()
                .map(|p| format!("---\n{}\n", std::fs::read_to_string(p).unwrap()))
                .collect();
            let hand = reach::policies_in(&text);
            let r = run(&case, Undeclared::Namespace);
            let eval = Evaluator {
                policies: &hand,
                default_ns: "default",
            };
            let allowed = eval.edges(&r.pods, false);
            table.push_str(&format!(
                "| {} | {} | hand-written | {} | {} | {:.3} | {} |\n",
                case.name,
                docs.len(),
                allowed.len(),
                docs.intersection(&allowed).count(),
                recall(&allowed, &docs),
                allowed.difference(&docs).count()
            ));
        }
        measured += 1;
    }
    eprintln!("{table}");
    assert!(measured >= 2, "no application measured");
}
