//! The Compose frontend end to end: `cinch inspect` on fixtures (snapshots), on the real
//! corpus, and on malformed input.

mod common;

use common::{Run, cinch, cinch_with_env, corpus, settings};

/// One snapshot of the intent model per fixture directory under testdata/compose.
#[test]
fn inspect_fixtures() {
    settings().bind(|| {
        insta::glob!("../testdata/compose", "*/compose.yaml", |path| {
            let dir = path.parent().unwrap();
            let rel = dir.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap();
            let run = cinch(&["inspect", rel.to_str().unwrap()]);
            assert_eq!(run.code, 0, "{}", run.stderr);
            insta::assert_snapshot!(
                "intent",
                format!("{}\n--- stderr ---\n{}", run.stdout, run.stderr)
            );
        });
    });
}

/// Same bytes on every run and whatever the order of the inputs.
#[test]
fn inspect_is_deterministic_across_runs_and_input_order() {
    let dirs = [
        "testdata/compose/webapp",
        "testdata/compose/networks",
        "testdata/compose/anchors",
    ];
    let first = cinch(&["inspect", dirs[0], dirs[1], dirs[2]]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let again = cinch(&["inspect", dirs[0], dirs[1], dirs[2]]);
    let reversed = cinch(&["inspect", dirs[2], dirs[1], dirs[0]]);
    assert_eq!(first.stdout, again.stdout);
    assert_eq!(first.stdout, reversed.stdout);
    assert_eq!(first.stderr, reversed.stderr);
}

/// Every Compose file of the real-world corpus is read without error.
#[test]
fn corpus_compose_files_read_without_error() {
    let Some(corpus) = corpus() else {
        eprintln!("SKIPPED: ../shared/corpus is not beside the checkout; corpus not checked");
        return;
    };
    let sources = std::fs::read_to_string(corpus.join("SOURCES.tsv")).unwrap();
    let files: Vec<String> = sources
        .lines()
        .filter(|l| l.ends_with("\tcompose") && !l.contains("/.env\t"))
        .map(|l| {
            corpus
                .join(l.split('\t').next().unwrap())
                .display()
                .to_string()
        })
        .collect();
    assert!(
        files.len() >= 30,
        "expected the corpus' ~40 Compose files, found {}",
        files.len()
    );
    let mut workloads = 0;
    for f in &files {
        let run = cinch(&["inspect", f]);
        assert_eq!(run.code, 0, "{f}: {}", run.stderr);
        assert!(!run.stderr.contains("error["), "{f}: {}", run.stderr);
        let model: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        workloads += model["workloads"].as_array().unwrap().len();
    }
    eprintln!(
        "corpus: read {} Compose files, {workloads} services",
        files.len()
    );
    assert!(workloads > 80);
}

/// Malformed Compose input: exit 2 and a `file:line:` message naming the right line.
#[test]
fn malformed_compose_files_fail_with_file_and_line() {
    let cases = [
        ("truncated.yaml", 4, "yaml-syntax"),
        ("tabs.yaml", 4, "yaml-syntax"),
        ("duplicate-key.yaml", 5, "duplicate-key"),
        ("ports-map.yaml", 4, "wrong-type"),
        ("port-range.yaml", 6, "out of range"),
        ("port-zero.yaml", 5, "out of range"),
        ("extends-unknown.yaml", 5, "unknown-extends"),
        ("extends-cycle.yaml", 7, "extends-cycle"),
        ("negative-uid.yaml", 4, "negative"),
        ("unknown-capability.yaml", 5, "unknown capability"),
        (
            "required-variable.yaml",
            5,
            "services.db.environment.PASSWORD: required variable DB_PASSWORD is missing a value: set DB_PASSWORD in .env (set DB_PASSWORD in .env, or pass --env-file, --env DB_PASSWORD=VALUE or --inherit-env)",
        ),
        (
            "unset-variable.yaml",
            7,
            "services.web.ports[0]: `8080:${PORT}` uses PORT, which is not set (it becomes `8080:`): `` is not a port or port range; set PORT in .env, or pass --env-file, --env PORT=VALUE or --inherit-env",
        ),
        ("services-list.yaml", 2, "wrong-type"),
        // compose-go's casts, durations and sizes (src/frontend/compose/coerce.rs).
        ("wrong-type-read-only.yaml", 4, "`maybe` is not a boolean"),
        ("cast-integer.yaml", 4, "`many` is not an integer"),
        ("bad-duration.yaml", 6, "`30` is not a duration"),
        ("bad-size.yaml", 4, "`64x` is not a size"),
        ("relative-target.yaml", 5, "not an absolute path"),
        ("healthcheck.yaml", 5, "CMD"),
        ("bad-service-name.yaml", 2, "service name"),
    ];
    for (file, line, needle) in cases {
        common::assert_fails_at(&format!("testdata/bad/compose/{file}"), &[], line, needle);
    }
}

/// `--env-file FILE` (repeatable) with `docker compose --env-file`'s precedence (compose-go
/// `cli/options.go`): the project's `.env` is read only when no `--env-file` is given, a
/// later file wins over an earlier one (and its values may use the earlier one's), and the
/// environment wins over every file. Every command that reads inputs takes it.
#[test]
fn env_files_have_docker_composes_precedence() {
    let dir = "testdata/compose/env-file";
    let base = "testdata/compose/env-file/base.env";
    let prod = "testdata/compose/env-file/prod.env";
    // (image, published host port, LOG_LEVEL, api's port)
    let read = |run: &Run| -> (String, u64, String, u64) {
        assert_eq!(run.code, 0, "{}", run.stderr);
        let m: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let w = |name: &str| {
            m["workloads"]
                .as_array()
                .unwrap()
                .iter()
                .find(|w| w["name"] == name)
                .unwrap()["containers"][0]
                .clone()
        };
        let web = w("web");
        (
            web["image"]["value"]["raw"].as_str().unwrap().to_owned(),
            web["listens"][0]["published"][0]["via"]["host_port"]
                .as_u64()
                .unwrap(),
            web["env"]["LOG_LEVEL"]["value"]["value"]
                .as_str()
                .unwrap()
                .to_owned(),
            w("api")["listens"][0]["port"].as_u64().unwrap(),
        )
    };
    let want = |image: &str, port: u64, level: &str, api: u64| {
        (image.to_owned(), port, level.to_owned(), api)
    };
    assert_eq!(
        read(&cinch(&["inspect", dir])),
        want("nginx:1.25", 8000, "dotenv", 9000),
        ".env beside the file without --env-file"
    );
    assert_eq!(
        read(&cinch(&["inspect", dir, "--env-file", base])),
        want("nginx:1.27", 8080, "base", 9090),
        "--env-file replaces .env"
    );
    assert_eq!(
        read(&cinch(&[
            "inspect",
            dir,
            "--env-file",
            base,
            "--env-file",
            prod
        ])),
        want("nginx:1.27", 8443, "prod-1.27", 9090),
        "the later file wins, and may use the earlier one's values"
    );
    assert_eq!(
        read(&cinch(&[
            "inspect",
            dir,
            "--env-file",
            prod,
            "--env-file",
            base
        ])),
        want("nginx:1.27", 8080, "base", 9090),
        "order decides"
    );
    let env = [("WEB_PORT", "9999"), ("NGINX_TAG", "1.28")];
    assert_eq!(
        read(&cinch_with_env(
            &[
                "inspect",
                dir,
                "--env-file",
                base,
                "--env-file",
                prod,
                "--inherit-env"
            ],
            &env
        )),
        want("nginx:1.28", 9999, "prod-1.28", 9090),
        "with --inherit-env the environment wins over the files (and their values use it)"
    );
    assert_eq!(
        read(&cinch_with_env(
            &["inspect", dir, "--env-file", base, "--env-file", prod],
            &env
        )),
        want("nginx:1.27", 8443, "prod-1.27", 9090),
        "without it the shell's environment is not read (issue 21, point 3)"
    );
    assert_eq!(
        read(&cinch(&[
            "inspect",
            dir,
            "--env-file",
            base,
            "--env-file",
            prod,
            "--env",
            "WEB_PORT=9999",
            "--env",
            "NGINX_TAG=1.28"
        ])),
        want("nginx:1.28", 9999, "prod-1.28", 9090),
        "--env sets a variable as the environment would"
    );
    // A value the files do not set is unset: .env is not read, even for a variable
    // only it sets (here API_PORT empties an `expose` entry: an error that names it).
    let only_prod = cinch(&["inspect", dir, "--env-file", prod]);
    assert_eq!(only_prod.code, 2);
    assert!(
        only_prod
            .stderr
            .contains("`${API_PORT}` uses API_PORT, which is not set"),
        "{}",
        only_prod.stderr
    );
    assert!(
        only_prod
            .stderr
            .contains("variable NGINX_TAG is not set; it becomes an empty string"),
        "{}",
        only_prod.stderr
    );

    // An env file that cannot be read is an error naming it.
    let missing = cinch(&[
        "inspect",
        dir,
        "--env-file",
        "testdata/compose/env-file/no.env",
    ]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains(
            "testdata/compose/env-file/no.env:0: error[io]: --env-file testdata/compose/env-file/no.env: cannot read"
        ),
        "{}",
        missing.stderr
    );
    // inspect still prints what it read (issue 21 point 2); the exit code says it failed.
    assert!(missing.stdout.starts_with('{'), "{}", missing.stdout);

    // The same flag for every command that reads inputs.
    let explain = cinch(&["explain", dir, "--env-file", base, "api"]);
    assert_eq!(explain.code, 0, "{}", explain.stderr);
    assert!(explain.stdout.contains("9090"), "{}", explain.stdout);
    let lint = cinch(&["lint", dir, "--env-file", base, "--format", "json"]);
    assert!(lint.code < 2, "{}", lint.stderr);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("profiles");
    let out = out.to_str().unwrap();
    let generate = cinch(&["generate", dir, "--env-file", base, "-o", out]);
    assert_eq!(generate.code, 0, "{}", generate.stderr);
    let same = cinch(&["check", dir, "--env-file", base, "-o", out]);
    assert_eq!(same.code, 0, "{}{}", same.stdout, same.stderr);
    let other = cinch(&["check", dir, "-o", out]);
    assert_eq!(
        other.code, 1,
        "api listens on 9000 with .env: {}",
        other.stdout
    );
    let diff = cinch(&["diff", "--inputs", dir, dir, "--env-file", base]);
    assert_eq!(diff.code, 0, "{}", diff.stderr);
    for cmd in ["check", "diff", "explain", "lint", "graph"] {
        let run = cinch(&[cmd, dir, dir, "--env-file", "no.env"]);
        assert_eq!(run.code, 2, "{cmd}: {}", run.stderr);
        assert!(
            run.stderr.contains("--env-file no.env"),
            "{cmd}: {}",
            run.stderr
        );
    }
}

/// compose-go's coercions: strings where booleans and numbers belong mean what they mean
/// to docker compose (`"true"`, `"8080"`, `${VAR:-false}`), `yes` is accepted with
/// compose-go's warning, durations and sizes with units are read.
#[test]
fn strings_are_cast_as_compose_go_casts_them() {
    let run = cinch(&["inspect", "testdata/compose/coercions"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    let m: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let c = |name: &str| {
        m["workloads"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["name"] == name)
            .unwrap()["containers"][0]
            .clone()
    };
    let api = c("api");
    assert_eq!(api["read_only_root"]["value"], true);
    assert_eq!(api["privileged"]["value"], false);
    assert_eq!(c("db")["read_only_root"]["value"], false);
    let listens: Vec<(u64, Option<u64>)> = api["listens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["port"].as_u64().unwrap(),
                l["published"][0]["via"]["host_port"].as_u64(),
            )
        })
        .collect();
    assert_eq!(
        listens,
        [
            (8080, Some(18080)),
            (9090, None),
            (9100, None),
            (9200, None)
        ]
    );
    let data = api["mounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["target"] == "/data")
        .unwrap();
    assert_eq!(data["read_only"], true);

    // YAML 1.1 booleans: accepted, with compose-go's warning.
    let yes = common::cinch_with_stdin(
        &["inspect", "-"],
        "services:\n  web:\n    image: nginx:1.27\n    read_only: yes\n",
    );
    assert_eq!(yes.code, 0, "{}", yes.stderr);
    assert!(
        yes.stderr
            .contains("\"yes\" for boolean is not supported by YAML 1.2, please use `true`"),
        "{}",
        yes.stderr
    );
    // An unset variable where a boolean belongs: the error names it.
    let unset = common::cinch_with_stdin(
        &["inspect", "-"],
        "services:\n  web:\n    image: nginx:1.27\n    read_only: ${RO}\n",
    );
    assert_eq!(unset.code, 2);
    assert!(
        unset.stderr.contains(
            "<stdin>:4:16: error[interpolation]: services.web.read_only: `${RO}` uses RO, which is not set (it becomes ``): `` is not a boolean (true or false); docker compose fails to cast it too; set RO in .env, or pass --env-file, --env RO=VALUE or --inherit-env"
        ),
        "{}",
        unset.stderr
    );
}

/// `-` reads a manifest from stdin; messages call it `<stdin>`.
#[test]
fn compose_from_stdin() {
    let run = common::cinch_with_stdin(
        &["inspect", "--project-name", "piped", "-"],
        "services:\n  web:\n    image: nginx:1.27\n    ports: [\"80:80\"]\n",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let model: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(model["workloads"][0]["id"], "piped/web");
    assert_eq!(model["workloads"][0]["at"]["file"], "<stdin>");
    let bad = common::cinch_with_stdin(&["inspect", "-"], "services:\n  web:\n    ports: {}\n");
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.starts_with("<stdin>:3:"), "{}", bad.stderr);
}

/// `--profile` limits output to the services Compose would start (DESIGN.md §8).
#[test]
fn profiles_filter_services() {
    let ids = |args: &[&str]| -> Vec<String> {
        let run = cinch(args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let m: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        m["workloads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        ids(&["inspect", "testdata/compose/explicit"]),
        ["always", "debug-tools", "payments"]
    );
    assert_eq!(
        ids(&["inspect", "testdata/compose/explicit", "--profile", "ops"]),
        ["always", "debug-tools"]
    );
}

/// `compose.override.yaml` beside `compose.yaml` is merged into it, as `docker compose`
/// does: lists append, maps merge, `command` is replaced, `!override` replaces, a service
/// only the override declares exists, and each fact names the file that wrote it. Given
/// alone, the base has none of it.
#[test]
fn override_file_is_merged_into_its_base() {
    let dir = "testdata/compose/override";
    let model = |args: &[&str]| -> (serde_json::Value, String) {
        let run = cinch(args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        (serde_json::from_str(&run.stdout).unwrap(), run.stderr)
    };
    let workload = |m: &serde_json::Value, name: &str| -> serde_json::Value {
        m["workloads"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["name"] == name)
            .cloned()
            .unwrap_or(serde_json::Value::Null)
    };
    let listens = |w: &serde_json::Value| -> Vec<(u64, String)> {
        w["containers"][0]["listens"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                let at = &l["at"];
                let file = at["file"].as_str().unwrap().rsplit('/').next().unwrap();
                (
                    l["port"].as_u64().unwrap(),
                    format!("{file}:{}", at["line"]),
                )
            })
            .collect()
    };

    let (merged, stderr) = model(&["inspect", dir]);
    assert!(!stderr.contains("defined again"), "{stderr}");
    let api = workload(&merged, "api");
    assert_eq!(
        listens(&api),
        [
            (5678, "compose.override.yaml:6".to_owned()),
            (9000, "compose.yaml:16".to_owned())
        ]
    );
    let command = &api["containers"][0]["process"]["command"];
    assert_eq!(command["value"][2], "debugpy");
    assert_eq!(command["at"]["line"], 9);
    // What the override replaced is kept, with where it was written.
    let before = &command["overridden"][0];
    assert_eq!(before["value"][2], "http.server");
    assert_eq!(
        before["at"]["file"],
        "testdata/compose/override/compose.yaml"
    );
    assert_eq!(before["at"]["line"], 15);
    assert!(command["overridden"].as_array().unwrap().len() == 1);
    let env = &api["containers"][0]["env"];
    assert!(
        env["DB_URL"].is_object() && env["LOG_LEVEL"].is_object(),
        "{env}"
    );
    assert_eq!(
        listens(&workload(&merged, "db")),
        [(5432, "compose.override.yaml:12".to_owned())]
    );
    assert!(workload(&merged, "adminer").is_object());
    // The base's own facts stay with the base.
    assert_eq!(
        listens(&workload(&merged, "web")),
        [(8080, "compose.yaml:10".to_owned())]
    );

    // Both files named explicitly: the same merge, whatever the order.
    let base = format!("{dir}/compose.yaml");
    let over = format!("{dir}/compose.override.yaml");
    assert_eq!(model(&["inspect", &over, &base]).0, merged);

    // The base alone: no override facts.
    let (alone, _) = model(&["inspect", &base]);
    assert_eq!(
        listens(&workload(&alone, "api")),
        [(9000, "compose.yaml:16".to_owned())]
    );
    assert!(workload(&alone, "adminer").is_null());
}

/// Compose `include`: each included application is read with its own directory and
/// variables (`.env` beside it, or the entry's `env_file`), its services join the including
/// project, and an included input is not read again as a project of its own.
#[test]
fn include_brings_other_applications_into_the_project() {
    let dir = "testdata/compose/include";
    let images = |args: &[&str]| -> Vec<(String, String, String)> {
        let run = cinch(args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(!run.stderr.contains("defined again"), "{}", run.stderr);
        let m: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        m["workloads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| {
                let image = &w["containers"][0]["image"];
                (
                    w["id"].as_str().unwrap().to_owned(),
                    image["value"]["raw"].as_str().unwrap().to_owned(),
                    format!(
                        "{}:{}",
                        image["at"]["file"].as_str().unwrap(),
                        image["at"]["line"]
                    ),
                )
            })
            .collect()
    };
    let expected = [
        ("store/api", "python:3.12-slim", "compose.yaml:15"),
        ("store/cache", "redis:7.4-alpine", "cache/compose.yaml:3"),
        ("store/db", "postgres:16.4", "db/compose.yaml:3"),
        ("store/web", "nginx:1.27-alpine", "compose.yaml:10"),
    ]
    .map(|(id, image, at)| (id.to_owned(), image.to_owned(), format!("{dir}/{at}")));
    assert_eq!(images(&["inspect", dir]), expected);
    // The includer alone reads the same project.
    assert_eq!(
        images(&["inspect", &format!("{dir}/compose.yaml")]),
        expected
    );

    // The connections cross the include: api reaches db and cache by their service names.
    let out = tempfile::tempdir().unwrap();
    let run = cinch(&["generate", dir, "-o", out.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let api = std::fs::read_to_string(out.path().join("networkpolicy/store.api.yaml")).unwrap();
    assert!(
        api.contains("# egress[0]: to store/cache (io.kompose.service=cache) on TCP 6379"),
        "{api}"
    );
    assert!(
        api.contains("# egress[1]: to store/db (io.kompose.service=db) on TCP 5432"),
        "{api}"
    );
}

/// A service both declared and included is an error naming the include entry, unless the
/// two definitions are the same (one file included along two paths).
#[test]
fn include_conflicts_are_errors_and_diamonds_are_not() {
    let tmp = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(tmp.path().join(name), text).unwrap();
    write(
        "compose.yaml",
        "name: p\ninclude:\n  - a.yaml\n  - b.yaml\nservices:\n  web:\n    image: nginx:1.27\n",
    );
    write(
        "a.yaml",
        "include: [shared.yaml]\nservices:\n  a:\n    image: busybox:1\n",
    );
    write(
        "b.yaml",
        "include: [shared.yaml]\nservices:\n  b:\n    image: busybox:1\n",
    );
    write("shared.yaml", "services:\n  db:\n    image: postgres:16\n");
    let dir = tmp.path().to_str().unwrap();
    let run = cinch(&["inspect", dir]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let m: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let ids = common::workload_ids(&m);
    assert_eq!(ids, ["p/a", "p/b", "p/db", "p/web"]);

    write("b.yaml", "services:\n  web:\n    image: httpd:2.4\n");
    // Named from the scratch directory: without --root, from the checkout's git top, which
    // in a clone under /tmp makes them `../../.tmpX/…` (CI's layout).
    let run = cinch(&["inspect", dir, "--root", dir]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let stderr = run.stderr.replace(&format!("{dir}/"), "");
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with(
            "compose.yaml:4:5: error[include]: include: service `web` of b.yaml is already declared at compose.yaml:6; docker compose rejects this conflict too"
        ),
        "{stderr}"
    );
}

/// Two files beside each other that declare the same service and are not a base/override
/// pair (`docker-compose.yml` and a variant such as `docker-compose.images.yml`, as in
/// dockersamples/example-voting-app): the file `docker compose` reads by default is the
/// project's definition, whatever the names sort as; the variant is reported and ignored.
#[test]
fn the_default_compose_file_wins_over_a_variant_beside_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("docker-compose.yml"),
        "services:\n  web:\n    build: .\n    image: app/web:dev\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("docker-compose.images.yml"),
        "services:\n  web:\n    image: app/web:1.0\n",
    )
    .unwrap();
    let run = cinch(&["inspect", dir.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let m: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let image = &m["workloads"][0]["containers"][0]["image"];
    assert_eq!(image["value"]["raw"], "app/web:dev", "{}", run.stdout);
    assert_eq!(m["workloads"].as_array().unwrap().len(), 1);
    let warning = run
        .stderr
        .lines()
        .find(|l| l.contains("defined again"))
        .unwrap_or_default();
    assert!(
        warning.contains("docker-compose.images.yml:2:")
            && warning.contains("(kept: ")
            && warning.contains("docker-compose.yml:2 services.web)"),
        "{}",
        run.stderr
    );
}

/// An included file that is not a Compose map is an error at its own first line (it used
/// to panic: the error named a file the context had not added yet).
#[test]
fn an_included_file_that_is_not_a_map_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(tmp.path().join(name), text).unwrap();
    write(
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\ninclude:\n  - other.yaml\n",
    );
    write("other.yaml", "- just\n- a list\n");
    let run = cinch(&["inspect", &format!("{}/compose.yaml", tmp.path().display())]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "other.yaml:1:1: error[wrong-type]: (included file): expected a Compose file (a map), found a list"
        ),
        "{}",
        run.stderr
    );
}

/// A volume option compose-go does not know is skipped with a warning, not refused, and the
/// mount is what the known options make it (acceptance set: zabbix-docker's `:roz`).
#[test]
fn unknown_volume_options_are_skipped_as_compose_go_skips_them() {
    let run = cinch(&["inspect", "testdata/compose/volume-options"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("volumes[0]: unknown volume option `roz` is ignored")
            && run.stderr.contains("did you mean `ro,z`?"),
        "{}",
        run.stderr
    );
    let model: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let mounts = model["workloads"][0]["containers"][0]["mounts"]
        .as_array()
        .unwrap();
    let read_only = |target: &str| {
        mounts
            .iter()
            .find(|m| m["target"] == target)
            .unwrap_or_else(|| panic!("no mount at {target}"))["read_only"]
            .as_bool()
            .unwrap()
    };
    assert!(!read_only("/var/lib/zabbix/snmptraps"), "`roz` is not `ro`");
    assert!(read_only("/etc/traps"));
    assert!(read_only("/var/state"), "`rw,ro`: the last wins");
    assert!(!read_only("/var/cache"), "`ro,rw`: the last wins");
}

/// The same repository gives the same profiles whoever runs cinch (issue 21, point 3): the
/// shell's `PWD`, `HOME` and an exported variable are not read without --inherit-env; the
/// real binary runs twice from different directories with different environments.
#[test]
fn profiles_do_not_depend_on_the_runners_shell() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let input = root.join("testdata/compose/shell-env");
    let tmp = tempfile::tempdir().unwrap();
    let mut trees = Vec::new();
    for (n, (cwd, home, mode)) in [
        (root.to_path_buf(), "/home/alice", "prod"),
        (tmp.path().to_path_buf(), "/root", "staging"),
    ]
    .into_iter()
    .enumerate()
    {
        let out = tmp.path().join(format!("out{n}"));
        let run = common::cinch_bin(
            &cwd,
            &[
                "generate",
                input.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
                "--root",
                root.to_str().unwrap(),
            ],
            &[
                ("PWD", cwd.to_str().unwrap()),
                ("HOME", home),
                ("CINCH_TEST_MODE", mode),
                ("DATA_PATH_HOST", "/gitlab/runner"),
            ],
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stderr.contains("variable PWD is not set") && run.stderr.contains("--inherit-env"),
            "{}",
            run.stderr
        );
        let files: Vec<(String, Vec<u8>)> = common::files_under(&out)
            .into_iter()
            .map(|p| {
                let bytes = std::fs::read(&p).unwrap();
                (p.strip_prefix(&out).unwrap().display().to_string(), bytes)
            })
            .collect();
        trees.push(files);
    }
    assert!(!trees[0].is_empty());
    assert_eq!(trees[0], trees[1]);
    // With --inherit-env the shell's values are read, as docker compose reads them.
    let run = common::cinch_bin(
        root,
        &["inspect", input.to_str().unwrap(), "--inherit-env"],
        &[("CINCH_TEST_MODE", "prod"), ("HOME", "/home/alice")],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("/home/alice/.cache") && run.stdout.contains("\"prod\""),
        "{}",
        run.stdout
    );
}
