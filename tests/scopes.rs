//! App scopes (issue 21, point 1; docs/intent.md "App scopes"): two independent apps in one
//! repository that define the same workload ids are both kept, each linked to its own
//! peers, with ids and file names qualified by the app's directory only where two apps
//! collide. testdata/scopes/README.md describes the fixtures.

mod common;

use std::collections::BTreeMap;

use common::{cinch, settings, workload_ids};

/// The generated tree of `inputs`: file name → text (the output manifest left out).
fn generate(inputs: &[&str]) -> (BTreeMap<String, String>, String) {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("profiles");
    let mut args = vec!["generate", "-o", dir.to_str().unwrap()];
    args.extend_from_slice(inputs);
    let run = cinch(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let files = common::files_under(&dir)
        .iter()
        .map(|p| {
            let name = p.strip_prefix(&dir).unwrap().display().to_string();
            (name, std::fs::read_to_string(p).unwrap())
        })
        .filter(|(name, _)| !name.starts_with('.'))
        .collect();
    (files, run.stderr)
}

fn inspect(inputs: &[&str]) -> (serde_json::Value, String) {
    let mut args = vec!["inspect"];
    args.extend_from_slice(inputs);
    let run = cinch(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    (serde_json::from_str(&run.stdout).unwrap(), run.stderr)
}

#[test]
fn two_guestbooks_side_by_side_are_both_kept_and_each_reaches_its_own_redis() {
    let (model, stderr) = inspect(&["testdata/scopes/guestbooks"]);
    assert!(!stderr.contains("defined again"), "{stderr}");
    assert_eq!(
        workload_ids(&model),
        [
            "testdata/scopes/guestbooks/go:default/frontend",
            "testdata/scopes/guestbooks/go:default/redis-master",
            "testdata/scopes/guestbooks/php:default/frontend",
            "testdata/scopes/guestbooks/php:default/redis-master",
        ]
    );
    let (files, _) = generate(&["testdata/scopes/guestbooks"]);
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    // Each app reaches its own Redis on its own port: 6379 (php), 6380 (go), never both.
    let php = &files["networkpolicy/testdata.scopes.guestbooks.php_default.frontend.yaml"];
    let go = &files["networkpolicy/testdata.scopes.guestbooks.go_default.frontend.yaml"];
    assert!(
        php.contains("port: 6379") && !php.contains("port: 6380"),
        "{php}"
    );
    assert!(
        go.contains("port: 6380") && !go.contains("port: 6379"),
        "{go}"
    );
    settings().bind(|| {
        insta::assert_snapshot!("scopes_guestbooks_files", names.join("\n"));
        insta::assert_snapshot!("scopes_guestbooks_php_frontend_networkpolicy", php);
        insta::assert_snapshot!("scopes_guestbooks_go_frontend_networkpolicy", go);
    });
}

#[test]
fn ids_are_qualified_only_where_two_apps_collide() {
    // One guestbook alone: no collision, so the plain names of before.
    let (model, _) = inspect(&["testdata/scopes/guestbooks/php"]);
    assert_eq!(
        workload_ids(&model),
        ["default/frontend", "default/redis-master"]
    );
    let (files, _) = generate(&["testdata/scopes/guestbooks/php"]);
    assert!(files.contains_key("seccomp/default.frontend.php-redis.json"));
    // With the kustomized app beside both guestbooks, its `default/web` stays plain.
    let (model, _) = inspect(&["testdata/scopes/guestbooks", "testdata/scopes/kustomized"]);
    assert!(workload_ids(&model).contains(&"default/web"));
}

#[test]
fn two_compose_projects_named_compose_keep_both_databases() {
    let (model, stderr) = inspect(&["testdata/scopes/compose-dirs"]);
    assert!(!stderr.contains("defined again"), "{stderr}");
    let ids = workload_ids(&model);
    assert_eq!(
        ids,
        [
            "compose/metrics",
            "testdata/scopes/compose-dirs/blog/compose:compose/db",
            "testdata/scopes/compose-dirs/blog/compose:compose/web",
            "testdata/scopes/compose-dirs/shop/compose:compose/db",
            "testdata/scopes/compose-dirs/shop/compose:compose/web",
        ]
    );
    // Each web reaches its own project's db: mysql on 3306, postgres on 5432.
    let peers = |i: usize| -> Vec<(String, u64)> {
        model["workloads"][i]["network"]["peers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["target"]["id"].as_str().unwrap_or("").to_owned(),
                    p["port"].as_u64().unwrap_or(0),
                )
            })
            .collect()
    };
    assert_eq!(peers(2), [(ids[1].to_owned(), 3306)]);
    assert_eq!(peers(4), [(ids[3].to_owned(), 5432)]);
    // `network_mode: service:web` joins its own project's web, not the other `compose/web`.
    let (_, stderr) = generate(&["testdata/scopes/compose-dirs", "--verbose"]);
    assert!(
        stderr.contains("compose/metrics: no NetworkPolicy: it shares the network namespace of testdata/scopes/compose-dirs/shop/compose:compose/web;"),
        "{stderr}"
    );
}

#[test]
fn within_one_kustomization_a_second_definition_is_a_duplicate() {
    // deploy/web/web.yaml and bundle/all.yaml are both under app/kustomization.yaml: one app.
    let (model, stderr) = inspect(&["testdata/scopes/kustomized"]);
    assert_eq!(workload_ids(&model), ["default/web"]);
    let again: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("defined again"))
        .collect();
    assert_eq!(again.len(), 1, "{stderr}");
    assert!(
        again[0].starts_with("testdata/scopes/kustomized/app/deploy/web/web.yaml:4: warning"),
        "{stderr}"
    );
}

#[test]
fn explain_takes_the_qualified_id_and_says_which_when_the_plain_one_is_ambiguous() {
    let run = cinch(&["explain", "testdata/scopes/guestbooks", "default/frontend"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("`default/frontend` is ambiguous; workloads: testdata/scopes/guestbooks/go:default/frontend, testdata/scopes/guestbooks/php:default/frontend"),
        "{}",
        run.stderr
    );
    let run = cinch(&[
        "explain",
        "testdata/scopes/guestbooks",
        "testdata/scopes/guestbooks/go:default/frontend",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with(
        "testdata/scopes/guestbooks/go:default/frontend — Deployment, defined at testdata/scopes/guestbooks/go/guestbook.yaml:4"
    ));
    // The plain id names the one workload that has it.
    let run = cinch(&[
        "explain",
        "testdata/scopes/guestbooks/go",
        "testdata/scopes/kustomized",
        "default/web",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// The `(dropped, kept)` files of each "defined again" warning.
fn duplicates(stderr: &str) -> Vec<(String, String)> {
    stderr
        .lines()
        .filter(|l| l.contains("is defined again"))
        .map(|l| {
            let dropped = l.split(':').next().unwrap().to_owned();
            let kept = ["(kept: ", "(first at "]
                .iter()
                .find_map(|m| l.split_once(m))
                .and_then(|(_, k)| k.split(':').next())
                .unwrap()
                .to_owned();
            (dropped, kept)
        })
        .collect()
}

fn dir(file: &str) -> &str {
    file.rsplit_once('/').map_or("", |(d, _)| d)
}

#[test]
fn argo_cd_install_variants_are_one_app_and_its_ha_variant_another() {
    let Some(corpus) = common::corpus() else {
        return eprintln!("SKIPPED: ../shared/corpus is not beside the checkout");
    };
    let root = corpus.to_str().unwrap();
    let (model, stderr) = inspect(&[
        "--root",
        root,
        &format!("{root}/argoproj__argo-cd/manifests"),
    ]);
    // install.yaml and namespace-install.yaml sit in one directory: true duplicates.
    let again = duplicates(&stderr);
    assert!(!again.is_empty(), "{stderr}");
    assert!(again.iter().all(|(a, b)| dir(a) == dir(b)), "{again:?}");
    // ha/namespace-install.yaml is its own variant: kept, qualified.
    let ids = workload_ids(&model);
    assert!(
        ids.contains(&"argoproj__argo-cd/manifests/ha:argocd/argocd-server")
            || ids.contains(&"argoproj__argo-cd/manifests/ha:default/argocd-server"),
        "{ids:?}"
    );
}

#[test]
fn over_the_whole_corpus_no_definition_is_dropped_across_apps() {
    let Some(corpus) = common::corpus() else {
        return eprintln!("SKIPPED: ../shared/corpus is not beside the checkout");
    };
    let root = corpus.to_str().unwrap();
    let run = cinch(&["inspect", "--root", root, root, "--verbose"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let again = duplicates(&run.stderr);
    // Before scopes, 95 definitions were dropped, 7 of them between two repositories
    // (kubernetes/examples' and microservices-demo's `default/frontend`, …). Now only a
    // second definition in the same directory is (a bundle beside its parts, a variant).
    let across: Vec<_> = again.iter().filter(|(a, b)| dir(a) != dir(b)).collect();
    assert!(across.is_empty(), "{across:?}");
    eprintln!(
        "corpus: {} definitions dropped, all within one directory",
        again.len()
    );
    let model: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let qualified = workload_ids(&model)
        .iter()
        .filter(|id| id.contains(':'))
        .count();
    assert!(qualified > 0);
}
