//! Wiring end to end: `cinch generate --wire` writes patched copies of the manifests under
//! DIR/wired/ that the real readers accept (k8s-openapi's typed objects, docker-compose-
//! types), keep every document in order, name exactly the profiles of the tree, and keep
//! `${VAR}` unexpanded; `check --wire` sees them; `--spo` objects have SPO's shape.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::{cinch, cinch_with_stdin, corpus, files_under, settings};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{PodSpec, ReplicationController, SecurityContext};
use serde::Deserialize;
use serde_json::Value as Json;

/// Every non-empty document of a YAML stream, as serde_norway (a YAML 1.2 reader) sees it.
fn documents(text: &str) -> Vec<Json> {
    serde_norway::Deserializer::from_str(text)
        .map(|d| Json::deserialize(d).expect("a YAML document"))
        .filter(|d| !d.is_null())
        .collect()
}

/// (apiVersion, kind, metadata.name) of each document: what must survive wiring, in order.
fn idents(docs: &[Json]) -> Vec<(String, String, String)> {
    let s = |v: &Json| v.as_str().unwrap_or_default().to_owned();
    docs.iter()
        .map(|d| {
            (
                s(&d["apiVersion"]),
                s(&d["kind"]),
                s(&d["metadata"]["name"]),
            )
        })
        .collect()
}

/// Where `generate` puts the wired copy of an input shown as `display`.
fn wired_path(out: &Path, display: &str) -> PathBuf {
    let rel: Vec<&str> = display
        .split('/')
        .map(|c| if c == ".." { "_." } else { c })
        .collect();
    out.join("wired").join(rel.join("/"))
}

/// Generate into a fresh directory; panics with stderr on failure.
fn generate(args: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("profiles");
    let mut all = vec!["generate"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-o", out.to_str().unwrap()]);
    let run = cinch(&all);
    assert_eq!(run.code, 0, "{}", run.stderr);
    (tmp, out)
}

/// The pod spec of each workload object (recursing into `List`s), decoded with the
/// k8s-openapi type of its kind: the wired document must be what the API server accepts.
fn pod_specs(doc: &Json) -> Vec<PodSpec> {
    fn typed<T: serde::de::DeserializeOwned>(doc: &Json) -> T {
        serde_json::from_value(doc.clone())
            .unwrap_or_else(|e| panic!("{e}: {}", serde_json::to_string_pretty(doc).unwrap()))
    }
    let api = doc["apiVersion"].as_str().unwrap_or_default();
    let kind = doc["kind"].as_str().unwrap_or_default();
    let spec = match (api, kind) {
        ("v1", "Pod") => typed::<k8s_openapi::api::core::v1::Pod>(doc).spec,
        ("apps/v1", "Deployment") => typed::<Deployment>(doc).spec.and_then(|s| s.template.spec),
        ("apps/v1", "StatefulSet") => typed::<StatefulSet>(doc).spec.and_then(|s| s.template.spec),
        ("apps/v1", "DaemonSet") => typed::<DaemonSet>(doc).spec.and_then(|s| s.template.spec),
        ("apps/v1", "ReplicaSet") => typed::<ReplicaSet>(doc)
            .spec
            .and_then(|s| s.template)
            .and_then(|t| t.spec),
        ("v1", "ReplicationController") => typed::<ReplicationController>(doc)
            .spec
            .and_then(|s| s.template)
            .and_then(|t| t.spec),
        ("batch/v1", "Job") => typed::<Job>(doc).spec.and_then(|s| s.template.spec),
        ("batch/v1", "CronJob") => typed::<CronJob>(doc)
            .spec
            .and_then(|s| s.job_template.spec)
            .and_then(|s| s.template.spec),
        (_, k) if k.ends_with("List") => {
            return doc["items"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(pod_specs)
                .collect();
        }
        _ => None,
    };
    spec.into_iter().collect()
}

/// Check the wired copies of every input under `input`: same documents in the same order,
/// documents without containers unchanged, typed decoding succeeds, privileged containers are left alone, and the AppArmor (and
/// seccomp) profiles named are exactly the tree's. Returns the number of documents checked.
fn check_kubernetes(input: &str) -> usize {
    let (_tmp, out) = generate(&[input, "--wire"]);
    let inputs: Vec<PathBuf> = if Path::new(input).is_dir() {
        files_under(Path::new(input))
    } else {
        vec![PathBuf::from(input)]
    };
    let mut named_apparmor = BTreeSet::new();
    let mut named_seccomp = BTreeSet::new();
    let mut checked = 0;
    for file in inputs {
        let display = file.to_str().unwrap();
        let original = documents(&std::fs::read_to_string(&file).unwrap());
        let wired_file = wired_path(&out, display);
        let declares_workload = original.iter().flat_map(pod_specs).count() > 0;
        if !wired_file.exists() {
            assert!(
                !declares_workload,
                "{display} declares a workload but has no wired copy"
            );
            continue;
        }
        let text = std::fs::read_to_string(&wired_file).unwrap();
        assert!(
            text.starts_with(&format!("# wired by cinch from {display}; do not edit\n")),
            "{text}"
        );
        let wired = documents(&text);
        assert_eq!(
            idents(&original),
            idents(&wired),
            "{display}: documents differ"
        );
        // Wiring touches only pod specs: every other document comes back whole (a
        // CustomResourceDefinition's body, which the frontends never read, included).
        for (o, w) in original.iter().zip(&wired) {
            if pod_specs(o).is_empty() {
                assert_eq!(o, w, "{display}: a document without containers changed");
            }
        }
        for doc in &wired {
            for spec in pod_specs(doc) {
                let containers = spec
                    .containers
                    .iter()
                    .chain(spec.init_containers.iter().flatten());
                for c in containers {
                    let sc = c.security_context.clone().unwrap_or_default();
                    if sc.privileged == Some(true) {
                        let (mut a, mut s) = (BTreeSet::new(), BTreeSet::new());
                        collect(&sc, &mut a, &mut s);
                        assert!(
                            a.is_empty() && s.is_empty(),
                            "{display}: privileged container {} was wired",
                            c.name
                        );
                        continue;
                    }
                    collect(&sc, &mut named_apparmor, &mut named_seccomp);
                }
            }
        }
        checked += wired.len();
    }
    let tree = |dir: &str, ext: &str| -> BTreeSet<String> {
        let d = out.join(dir);
        if !d.is_dir() {
            return BTreeSet::new();
        }
        files_under(&d)
            .iter()
            // A privileged container's seccomp file is the explicit "unconfined" profile;
            // privileged containers are not wired (checked above).
            .filter(|f| {
                !std::fs::read_to_string(f)
                    .unwrap()
                    .contains("\"defaultAction\": \"SCMP_ACT_ALLOW\"")
            })
            .map(|f| {
                f.file_name()
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .trim_end_matches(ext)
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(
        named_apparmor,
        tree("apparmor", ""),
        "{input}: AppArmor profiles named"
    );
    assert_eq!(
        named_seccomp,
        tree("seccomp", ".json"),
        "{input}: seccomp profiles named"
    );
    checked
}

/// The stems a container's security context names (`cinch.<stem>`, `cinch/<stem>.json`);
/// other profiles are the manifest's own, on containers cinch had no profile for.
fn collect(sc: &SecurityContext, apparmor: &mut BTreeSet<String>, seccomp: &mut BTreeSet<String>) {
    if let Some(p) = &sc.app_armor_profile
        && let Some(stem) = p
            .localhost_profile
            .as_deref()
            .and_then(|n| n.strip_prefix("cinch."))
    {
        assert_eq!(p.type_, "Localhost");
        assert!(apparmor.insert(stem.to_owned()), "{stem} named twice");
    }
    if let Some(p) = &sc.seccomp_profile
        && let Some(path) = p
            .localhost_profile
            .as_deref()
            .and_then(|n| n.strip_prefix("cinch/"))
    {
        assert_eq!(p.type_, "Localhost");
        let stem = path.strip_suffix(".json").expect("cinch/<stem>.json");
        assert!(seccomp.insert(stem.to_owned()), "{path} named twice");
    }
}

#[test]
fn kubernetes_fixtures_wire_into_typed_objects_and_keep_their_documents() {
    let mut total = 0;
    for dir in files_under(Path::new("testdata/kubernetes"))
        .iter()
        .filter_map(|f| f.parent())
        .collect::<BTreeSet<_>>()
    {
        total += check_kubernetes(dir.to_str().unwrap());
    }
    assert!(total >= 40, "only {total} documents checked");
}

#[test]
fn microservices_demo_bundle_keeps_its_35_documents() {
    let Some(corpus) = corpus() else {
        eprintln!("SKIPPED: ../shared/corpus is not beside the checkout; bundle not wired");
        return;
    };
    let bundle =
        corpus.join("GoogleCloudPlatform__microservices-demo/release/kubernetes-manifests.yaml");
    let rel = Path::new("../shared/corpus").join(bundle.strip_prefix(&corpus).unwrap());
    assert_eq!(check_kubernetes(rel.to_str().unwrap()), 35);
}

/// Fixtures whose wired copy docker-compose-types 0.24 can read. It rejects the others for
/// its own gaps, not for wiring (DESIGN.md §7): `devices` in long form (volumes), a service
/// with `external_links` (networks), mixed port forms (ports), `post_start` (commands) and
/// `privileged: yes`, which Compose itself accepts (security).
const COMPOSE_PARSEABLE: &[&str] = &[
    "anchors",
    "build",
    "explicit",
    "extends",
    "interpolation",
    "webapp",
];

#[test]
fn compose_fixtures_wire_security_opt_and_still_parse() {
    for name in COMPOSE_PARSEABLE {
        let dir = format!("testdata/compose/{name}");
        let (_tmp, out) = generate(&[&dir, "--wire"]);
        let file = format!("{dir}/compose.yaml");
        let text = std::fs::read_to_string(wired_path(&out, &file)).unwrap();
        let compose: docker_compose_types::Compose =
            serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}\n{text}"));
        // The original as Compose reads it (serde_norway cannot read `!reset`).
        let docs = cinch::yaml::load(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let original =
            cinch::yaml::json::to_json(&docs[0].root, cinch::yaml::json::Schema::Yaml12).value;
        let docker_compose_types::Services(services) = compose.services;
        assert!(!services.is_empty(), "{file}");
        for (svc, def) in services {
            let def = def.unwrap_or_default();
            let stems: Vec<String> = files_under(&out.join("apparmor"))
                .iter()
                .map(|f| f.file_name().unwrap().to_str().unwrap().to_owned())
                .filter(|s| s.ends_with(&format!(".{svc}.{svc}")))
                .collect();
            let mut expected: Vec<String> = original["services"][&svc]["security_opt"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|o| o.as_str().unwrap().to_owned())
                .filter(|o| !o.starts_with("seccomp") && !o.starts_with("apparmor"))
                .collect();
            let seccomp = out.join(format!("seccomp/{}.json", stems.first().map_or("", |s| s)));
            if seccomp.is_file() {
                let up = "../".repeat(file.matches('/').count() + 1);
                expected.push(format!("seccomp={up}seccomp/{}.json", stems[0]));
            }
            if let Some(stem) = stems.first() {
                expected.push(format!("apparmor=cinch.{stem}"));
            }
            assert_eq!(def.security_opt, expected, "{file}: services.{svc}");
        }
    }
}

#[test]
fn privileged_services_are_left_alone_with_a_comment() {
    let (_tmp, out) = generate(&["testdata/compose/security", "--wire"]);
    let text = std::fs::read_to_string(wired_path(&out, "testdata/compose/security/compose.yaml"))
        .unwrap();
    assert!(
        text.contains("\n# not wired: security/privileged container privileged: privileged"),
        "{text}"
    );
    let doc: Json = serde_norway::from_str(&text).unwrap();
    assert_eq!(
        doc["services"]["privileged"]["security_opt"],
        serde_json::json!(["seccomp:unconfined", "apparmor=unconfined"]),
        "the privileged service keeps exactly what it had"
    );
    // Other options stay in place; the service's own seccomp= stays while cinch has no
    // seccomp profile for it, and is replaced once it has.
    let hardened = &doc["services"]["hardened"]["security_opt"];
    let ours = out
        .join("seccomp/security.hardened.hardened.json")
        .is_file();
    let seccomp = if ours {
        "seccomp=../../../../seccomp/security.hardened.hardened.json"
    } else {
        "seccomp=./seccomp.json"
    };
    let mut expected = vec!["no-new-privileges=true", "label=type:container_t"];
    if !ours {
        expected.insert(1, seccomp);
    }
    if ours {
        expected.push(seccomp);
    }
    expected.push("apparmor=cinch.security.hardened.hardened");
    assert_eq!(hardened, &serde_json::json!(expected));
}

#[test]
fn compose_copies_keep_variables_unexpanded_whatever_the_environment() {
    let tmp = tempfile::tempdir().unwrap();
    let run_with = |env: &[(&str, &str)], out: &Path| {
        let mut stdin: &[u8] = b"";
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let mut io = cinch::Io {
            stdin: &mut stdin,
            stdout: &mut stdout,
            stderr: &mut stderr,
            env: env
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
            color: false,
            stderr_color: false,
            process_exits: false,
        };
        let args = [
            "cinch",
            "wire",
            "testdata/compose/interpolation",
            "-o",
            out.to_str().unwrap(),
        ];
        assert_eq!(
            cinch::run(args, &mut io),
            0,
            "{}",
            String::from_utf8_lossy(&stderr)
        );
        std::fs::read_to_string(wired_path(
            out,
            "testdata/compose/interpolation/compose.yaml",
        ))
        .unwrap()
    };
    let bare = run_with(&[], &tmp.path().join("a"));
    let set = run_with(
        &[
            ("REGISTRY", "registry.example"),
            ("TAG", "9.9"),
            ("WEB_PORT", "8080"),
        ],
        &tmp.path().join("b"),
    );
    assert_eq!(bare, set, "the environment leaked into the wired copy");
    assert!(
        bare.contains("image: \"${REGISTRY}/web:${TAG:-latest}\""),
        "{bare}"
    );
    assert!(!bare.contains("registry.example"));
}

#[test]
fn wire_subcommand_equals_generate_wire_and_is_deterministic() {
    let inputs = ["testdata/compose/webapp", "testdata/kubernetes/workloads"];
    let (_a, one) = generate(&[inputs[0], inputs[1], "--wire"]);
    let (_b, two) = generate(&[inputs[1], inputs[0], "--wire"]);
    let tmp = tempfile::tempdir().unwrap();
    let three = tmp.path().join("p");
    let run = cinch(&["wire", inputs[0], inputs[1], "-o", three.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let read = |d: &Path| -> Vec<(PathBuf, Vec<u8>)> {
        files_under(d)
            .into_iter()
            .map(|f| {
                (
                    f.strip_prefix(d).unwrap().to_path_buf(),
                    std::fs::read(&f).unwrap(),
                )
            })
            .collect()
    };
    let first = read(&one);
    assert!(first.iter().any(|(p, _)| p.starts_with("wired")));
    assert_eq!(first, read(&two));
    assert_eq!(first, read(&three));
}

#[test]
fn check_sees_the_wired_files() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("app");
    std::fs::create_dir(&src).unwrap();
    let manifest = src.join("compose.yaml");
    std::fs::write(
        &manifest,
        "services:\n  web:\n    image: nginx:1.27\n    security_opt: [no-new-privileges:true]\n",
    )
    .unwrap();
    let out = tmp.path().join("profiles");
    let (s, o) = (src.to_str().unwrap(), out.to_str().unwrap());
    assert_eq!(cinch(&["generate", s, "-o", o, "--wire"]).code, 0);
    let clean = cinch(&["check", s, "-o", o, "--wire"]);
    assert_eq!(clean.code, 0, "{}{}", clean.stdout, clean.stderr);
    // Without --wire, check expects no wired files: they are reported, not ignored.
    let unwired = cinch(&["check", s, "-o", o]);
    assert_eq!(unwired.code, 1, "{}", unwired.stdout);
    assert!(unwired.stdout.contains("wired/"), "{}", unwired.stdout);
    // A change that touches only the manifest's wiring-relevant text shows in the copy.
    std::fs::write(
        &manifest,
        "services:\n  web:\n    image: nginx:1.28\n    security_opt: [no-new-privileges:true]\n",
    )
    .unwrap();
    let stale = cinch(&["check", s, "-o", o, "--wire"]);
    assert_eq!(stale.code, 1);
    assert!(stale.stdout.contains("compose.yaml"), "{}", stale.stdout);
}

#[test]
fn a_user_file_in_the_way_leaves_the_tree_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("profiles");
    let blocked = wired_path(&out, "testdata/compose/webapp/compose.yaml");
    std::fs::create_dir_all(blocked.parent().unwrap()).unwrap();
    std::fs::write(&blocked, "mine\n").unwrap();
    let before: Vec<PathBuf> = files_under(&out);
    let run = cinch(&[
        "generate",
        "testdata/compose/webapp",
        "--wire",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(files_under(&out), before, "a failed run changed the tree");
    assert_eq!(std::fs::read_to_string(&blocked).unwrap(), "mine\n");
}

#[test]
fn json_input_is_wired_as_json() {
    let pod = r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "annotations": {"x": "on"}},
        "spec": {"containers": [{"name": "c", "image": "busybox:1.36", "command": ["sleep", "1"]}]}}"#;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("p");
    let run = cinch_with_stdin(&["wire", "-", "-o", out.to_str().unwrap()], pod);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(out.join("wired/_stdin_.json")).unwrap();
    let v: Json = serde_json::from_str(&text).unwrap();
    assert_eq!(v["metadata"]["annotations"]["x"], "on");
    assert_eq!(
        v["spec"]["containers"][0]["securityContext"]["appArmorProfile"]["localhostProfile"],
        "cinch.default.p.c"
    );
}

/// SPO objects name their profiles and the wired manifests name the objects; their schema
/// (the operator's CRDs) is checked in tests/spo.rs.
#[test]
fn spo_objects_have_the_operators_shape_and_the_manifests_name_them() {
    let (_tmp, out) = generate(&["testdata/kubernetes/workloads", "--spo"]);
    let spo = files_under(&out.join("spo"));
    assert!(!spo.is_empty());
    for f in &spo {
        let stem = f
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .trim_end_matches(".yaml");
        let text = std::fs::read_to_string(f).unwrap();
        for doc in documents(&text) {
            assert_eq!(doc["metadata"]["name"], format!("cinch.{stem}").as_str());
            assert_eq!(doc["apiVersion"], "security-profiles-operator.x-k8s.io/v1");
            assert!(doc["metadata"]["namespace"].is_null(), "cluster-scoped");
            assert!(doc["spec"].get("policy").is_none(), "no raw policy");
        }
    }
    let wired = std::fs::read_to_string(wired_path(
        &out,
        "testdata/kubernetes/workloads/workloads.yaml",
    ))
    .unwrap();
    assert!(
        wired.contains("localhostProfile: operator/cinch.default.debug.shell.json"),
        "{wired}"
    );
    assert!(
        wired.contains("localhostProfile: cinch.default.debug.shell"),
        "{wired}"
    );
}

#[test]
fn wired_output_snapshots() {
    settings().bind(|| {
        for (name, input) in [
            ("compose-webapp", "testdata/compose/webapp"),
            ("kubernetes-workloads", "testdata/kubernetes/workloads"),
            (
                "kubernetes-init-containers-spo",
                "testdata/kubernetes/init-containers",
            ),
        ] {
            let spo = name.ends_with("-spo");
            let mut args = vec![input, "--wire"];
            if spo {
                args.push("--spo");
            }
            let (_tmp, out) = generate(&args);
            let mut text = String::new();
            for f in files_under(&out) {
                let rel = f.strip_prefix(&out).unwrap().to_str().unwrap().to_owned();
                if rel.starts_with("wired/") || rel.starts_with("spo/") {
                    let body = std::fs::read_to_string(&f).unwrap();
                    text.push_str(&format!("=== {rel}\n{body}\n"));
                }
            }
            insta::assert_snapshot!(format!("wiring@{name}"), text);
        }
    });
}

#[test]
fn the_output_tree_is_never_read_back_as_input() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path();
    std::fs::write(
        project.join("compose.yaml"),
        "services:\n  web:\n    image: nginx:1.27\n",
    )
    .unwrap();
    let (p, o) = (
        project.to_str().unwrap(),
        project.join("profiles").display().to_string(),
    );
    let first = cinch(&["generate", p, "-o", &o, "--wire"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let again = cinch(&["generate", p, "-o", &o, "--wire"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.stderr.contains("is up to date"), "{}", again.stderr);
    let wired: Vec<PathBuf> = files_under(&project.join("profiles/wired"));
    assert_eq!(wired.len(), 1, "{wired:?}");
}

/// `kubernetes-validate` (PyPI; scripts/install-tools puts it in .tools/venv), or `None`
/// after one visible `SKIPPED:` line; with `CI` set, its absence fails.
fn kubernetes_validate(test: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/venv/bin");
    let found = std::env::split_paths(&path)
        .chain([local])
        .map(|d| d.join("kubernetes-validate"))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{test}: kubernetes-validate not found; `pip install kubernetes-validate` (scripts/install-tools does)"
        );
        eprintln!(
            "SKIPPED: {test}: kubernetes-validate not found (pip install kubernetes-validate)"
        );
    }
    found
}

/// The Kubernetes API's own schema, strictly (unknown fields rejected, which k8s-openapi
/// would ignore): every wired object is valid for Kubernetes 1.34 where the original was.
/// The `typos` fixture is left out: its original has unknown fields on purpose.
#[test]
fn wired_kubernetes_validates_strictly_against_the_api_schema() {
    let Some(tool) =
        kubernetes_validate("wired_kubernetes_validates_strictly_against_the_api_schema")
    else {
        return;
    };
    let mut inputs = vec!["testdata/kubernetes".to_owned()];
    if corpus().is_some() {
        inputs.push(
            "../shared/corpus/GoogleCloudPlatform__microservices-demo/release/kubernetes-manifests.yaml"
                .to_owned(),
        );
    }
    let mut args: Vec<&str> = inputs.iter().map(String::as_str).collect();
    args.push("--wire");
    let (_tmp, out) = generate(&args);
    let files: Vec<PathBuf> = files_under(&out.join("wired"))
        .into_iter()
        .filter(|f| !f.to_str().unwrap().contains("/typos/"))
        .collect();
    assert!(files.len() >= 10, "{files:?}");
    let run = std::process::Command::new(tool)
        .args(["--strict", "--quiet", "--no-warn", "-k", "1.34.0"])
        .args(&files)
        .output()
        .expect("kubernetes-validate runs");
    assert!(
        run.status.success(),
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
}

/// An override file is merged into its base: the base's copy names the profiles of the
/// services it declares, the override's copy (written beside it) those of the services only
/// it declares, and both copies still parse.
#[test]
fn compose_override_files_are_wired_beside_their_base() {
    let dir = "testdata/compose/override";
    let (_tmp, out) = generate(&[dir, "--wire"]);
    let security_opt = |file: &str| -> BTreeMap<String, Vec<String>> {
        let text = std::fs::read_to_string(wired_path(&out, &format!("{dir}/{file}"))).unwrap();
        let compose: docker_compose_types::Compose =
            serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}\n{text}"));
        let docker_compose_types::Services(services) = compose.services;
        services
            .into_iter()
            .map(|(name, def)| (name, def.unwrap_or_default().security_opt))
            .collect()
    };
    let opts = |name: &str| {
        vec![
            format!("seccomp=../../../../seccomp/shop.{name}.{name}.json"),
            format!("apparmor=cinch.shop.{name}.{name}"),
        ]
    };
    let base = security_opt("compose.yaml");
    assert_eq!(base["api"], opts("api"));
    assert_eq!(base["db"], opts("db"));
    assert_eq!(base["web"], opts("web"));
    let over = security_opt("compose.override.yaml");
    assert_eq!(over["adminer"], opts("adminer"));
    assert_eq!(over["api"], Vec::<String>::new());
    assert_eq!(over["db"], Vec::<String>::new());
    let text =
        std::fs::read_to_string(wired_path(&out, &format!("{dir}/compose.override.yaml"))).unwrap();
    assert!(
        text.contains("read as part of the project of testdata/compose/override/compose.yaml"),
        "{text}"
    );
}

/// Files a Compose project `include`s are copied with their services wired, and the wired
/// includer names those copies (here the copies mirror the inputs, so the paths stay).
#[test]
fn compose_included_files_are_wired_and_named_by_the_includer() {
    let dir = "testdata/compose/include";
    let (_tmp, out) = generate(&[dir, "--wire"]);
    let read = |file: &str| -> serde_norway::Value {
        let text = std::fs::read_to_string(wired_path(&out, &format!("{dir}/{file}"))).unwrap();
        serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}\n{text}"))
    };
    let includer = read("compose.yaml");
    let include = serde_json::to_value(&includer["include"]).unwrap();
    assert_eq!(
        include,
        serde_json::json!([
            {"path": "db/compose.yaml"},
            {"path": "cache/compose.yaml", "env_file": "cache/cache.env"}
        ])
    );
    for (file, service) in [("db/compose.yaml", "db"), ("cache/compose.yaml", "cache")] {
        let copy = read(file);
        let opts = serde_json::to_value(&copy["services"][service]["security_opt"]).unwrap();
        let up = "../".repeat(format!("{dir}/{file}").matches('/').count() + 1);
        assert_eq!(
            opts,
            serde_json::json!([
                format!("seccomp={up}seccomp/store.{service}.{service}.json"),
                format!("apparmor=cinch.store.{service}.{service}")
            ]),
            "{file}"
        );
    }
}
