//! The AppArmor backend end to end: `cinch generate --backend apparmor` on the fixtures
//! (snapshots), the real `apparmor_parser` compiling every profile these tests emit (and
//! failing on broken ones), and manifest values that try to inject rules.

mod common;

use std::path::Path;

use cinch::backend::apparmor::escape::PathPattern;
use common::{
    Run, apparmor_compile, apparmor_parser, assert_apparmor_profiles, cinch, cinch_with_stdin,
    corpus, files_under, settings,
};

/// `cinch generate INPUTS --backend apparmor -o <tmp> EXTRA…`, in-process.
fn generate(inputs: &[&str], extra: &[&str]) -> (Run, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let out_str = out.path().to_str().unwrap().to_owned();
    let mut args = vec!["generate"];
    args.extend_from_slice(inputs);
    args.extend_from_slice(&["-o", &out_str, "--backend", "apparmor"]);
    args.extend_from_slice(extra);
    let mut run = cinch(&args);
    run.stderr = run.stderr.replace(&out_str, "<out>");
    (run, out)
}

/// The profiles of an output tree, each under its path, then stderr.
fn shown(run: &Run, out: &Path) -> String {
    let mut s = String::new();
    let root = out.join("apparmor");
    if root.is_dir() {
        for f in files_under(&root) {
            let rel = f.strip_prefix(out).unwrap().display().to_string();
            s.push_str(&format!(
                "=== {rel}\n{}\n",
                std::fs::read_to_string(&f).unwrap()
            ));
        }
    }
    format!("{s}--- exit {} ---\n{}", run.code, run.stderr)
}

fn rel(path: &Path) -> String {
    path.parent()
        .unwrap()
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap()
        .display()
        .to_string()
}

/// One snapshot per Compose fixture: every profile it yields, each compiled.
#[test]
fn profiles_for_compose_fixtures() {
    let parser = apparmor_parser("profiles_for_compose_fixtures");
    settings().bind(|| {
        insta::glob!("../testdata/compose", "*/compose.yaml", |path| {
            let (run, out) = generate(&[&rel(path)], &[]);
            assert_eq!(run.code, 0, "{}", run.stderr);
            let n = assert_apparmor_profiles(parser.as_deref(), out.path());
            assert!(n > 0, "{}: no profiles", path.display());
            insta::assert_snapshot!("apparmor", shown(&run, out.path()));
        });
    });
}

/// One snapshot per Kubernetes fixture directory: every container's profile, each compiled.
#[test]
fn profiles_for_kubernetes_fixtures() {
    let parser = apparmor_parser("profiles_for_kubernetes_fixtures");
    settings().bind(|| {
        insta::glob!("../testdata/kubernetes", "*/*.yaml", |path| {
            let (run, out) = generate(&[&rel(path)], &[]);
            assert_eq!(run.code, 0, "{}", run.stderr);
            assert_apparmor_profiles(parser.as_deref(), out.path());
            insta::assert_snapshot!("apparmor-k8s", shown(&run, out.path()));
        });
    });
}

/// The AppArmor fixtures: hostile values that must render as themselves (and compile),
/// programs intent can name, and (`err_*`) values no profile can hold: exit 2, file:line.
#[test]
fn profiles_for_apparmor_fixtures() {
    let parser = apparmor_parser("profiles_for_apparmor_fixtures");
    settings().bind(|| {
        insta::glob!("../testdata/apparmor", "*/compose.yaml", |path| {
            let dir = rel(path);
            let (run, out) = generate(&[&dir], &[]);
            if dir.contains("/err_") {
                assert_eq!(run.code, 2, "{dir} must be rejected: {}", run.stderr);
                assert!(
                    !out.path().join("apparmor").exists(),
                    "{dir}: nothing is written"
                );
                let errors: Vec<&str> = run
                    .stderr
                    .lines()
                    .filter(|l| l.contains("error[unsafe-value]"))
                    .collect();
                assert!(!errors.is_empty(), "{}", run.stderr);
                for e in &errors {
                    assert!(
                        e.starts_with(&format!("{dir}/compose.yaml:")),
                        "names file:line: {e}"
                    );
                }
            } else {
                assert_eq!(run.code, 0, "{dir}: {}", run.stderr);
                assert_apparmor_profiles(parser.as_deref(), out.path());
            }
            insta::assert_snapshot!("apparmor", shown(&run, out.path()));
        });
    });
}

/// Each unrepresentable value of the error fixture is reported at its own line; none is
/// skipped silently.
#[test]
fn every_unrepresentable_value_is_reported_at_its_line() {
    let (run, _out) = generate(&["testdata/apparmor/err_unrepresentable"], &[]);
    assert_eq!(run.code, 2);
    for (line, what) in [
        (7, "mount target"),
        (10, "entrypoint program"),
        (15, "healthcheck program"),
        (20, "PATH entry"),
        (24, "mount target"),
        (29, "mount target"),
    ] {
        let prefix = format!("testdata/apparmor/err_unrepresentable/compose.yaml:{line}:");
        assert!(
            run.stderr.lines().any(|l| l.starts_with(&prefix)
                && l.contains("error[unsafe-value]")
                && l.contains(what)),
            "no error for {what} at line {line}:\n{}",
            run.stderr
        );
    }
    assert_eq!(
        run.stderr.lines().filter(|l| l.contains("error[")).count(),
        6,
        "{}",
        run.stderr
    );
}

/// The escapes make each character stand for itself: a profile whose rule is
/// `PathPattern::literal(s)` compiles to the same binary policy as one that spells every
/// byte of `s` as a `\dNNN` escape (a byte, never a glob). The control shows the
/// comparison does see a glob.
#[test]
fn escaped_values_compile_to_exactly_their_bytes() {
    let Some(parser) = apparmor_parser("escaped_values_compile_to_exactly_their_bytes") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let compile = |name: &str, rule: &str| -> Vec<u8> {
        let file = dir.path().join(name);
        std::fs::write(
            &file,
            format!("abi <abi/3.0>,\nprofile cinch.t {{\n  {rule} r,\n}}\n"),
        )
        .unwrap();
        let out = std::process::Command::new(&parser)
            .args([
                "-Q",
                "-K",
                "--skip-cache",
                "-M",
                common::APPARMOR_FEATURES,
                "-S",
            ])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{rule}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let bytes = |s: &str| -> String {
        let inner: String = s
            .bytes()
            .map(|b| {
                if b == b'/' {
                    "/".to_owned()
                } else {
                    format!("\\d{b}")
                }
            })
            .collect();
        format!("\"{inner}\"")
    };
    assert_ne!(
        compile("glob", "/a*"),
        compile("glob-bytes", &bytes("/a*")),
        "the control: a glob is not its bytes"
    );
    let hostile = [
        "/data/}",
        "/srv/a\"b",
        "/srv/back\\slash",
        "/srv/**",
        "/srv/x*",
        "/srv/x?",
        "/srv/[a-z]",
        "/srv/{a,b}",
        "/srv/^x",
        "/srv/a,b",
        "/srv/@{PROC}",
        "/srv/#include <abstractions/base>",
        "/srv/with space",
        "/srv/données/日本",
        "/srv/x }\n", // stays out: a newline is refused, checked below
    ];
    for (i, s) in hostile.iter().enumerate() {
        match PathPattern::literal(s) {
            Ok(p) => assert_eq!(
                compile(&format!("{i}"), &p.to_string()),
                compile(&format!("{i}-bytes"), &bytes(s)),
                "{s:?} rendered as {p} is not exactly its bytes"
            ),
            Err(e) => assert!(s.contains('\n'), "{s:?} refused: {e}"),
        }
    }
}

/// The check can fail: a profile with a missing brace, an unescaped glob value, an include
/// of a file that does not exist, or AppArmor 4 syntax is rejected, naming the line.
#[test]
fn the_compile_check_fails_on_broken_profiles() {
    let Some(parser) = apparmor_parser("the_compile_check_fails_on_broken_profiles") else {
        return;
    };
    let (run, out) = generate(&["testdata/compose/webapp"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let good = out.path().join("apparmor/shop.web.web");
    apparmor_compile(&parser, &good).expect("the generated profile compiles");
    let text = std::fs::read_to_string(&good).unwrap();
    let end = text.rfind("}\n").unwrap();
    let broken = [
        ("no-closing-brace", text[..end].to_owned()),
        (
            "unescaped-value",
            format!("{}  /data/}} rw,\n}}\n", &text[..end]),
        ),
        (
            "missing-include",
            format!(
                "{}  #include <abstractions/does-not-exist>\n}}\n",
                &text[..end]
            ),
        ),
        (
            "apparmor-4-syntax",
            format!("{}  userns,\n}}\n", &text[..end]),
        ),
    ];
    for (name, body) in broken {
        let file = out.path().join(name);
        std::fs::write(&file, body).unwrap();
        let err = apparmor_compile(&parser, &file).expect_err(name);
        assert!(err.contains(name) && err.contains("line"), "{name}: {err}");
    }
}

/// `--complain` puts every profile in complain mode; explicit intent does it for one.
#[test]
fn complain_mode() {
    let parser = apparmor_parser("complain_mode");
    let (run, out) = generate(&["testdata/compose/webapp"], &["--complain"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_apparmor_profiles(parser.as_deref(), out.path());
    for f in files_under(&out.path().join("apparmor")) {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(
            text.contains(" flags=(complain,attach_disconnected,mediate_deleted) {"),
            "{}",
            f.display()
        );
        assert!(text.contains(
            "# Mode: complain mode: violations are logged, not blocked (baseline: --complain)."
        ));
    }
    let (_, out) = generate(&["testdata/compose/explicit"], &[]);
    let complaining: Vec<String> = files_under(&out.path().join("apparmor"))
        .into_iter()
        .filter(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .contains("flags=(complain,")
        })
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(complaining, ["explicit.payments.payments"]);
}

/// A privileged container runs unconfined whatever profile it names: no file, a warning
/// at the line that makes it privileged.
#[test]
fn privileged_container_gets_a_warning_and_no_profile() {
    let (run, out) = generate(&["testdata/compose/security"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("testdata/compose/security/compose.yaml:27:17: warning[privileged]: container `privileged`"),
        "{}",
        run.stderr
    );
    let names: Vec<String> = files_under(&out.path().join("apparmor"))
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains("privileged")), "{names:?}");
    assert_eq!(names.len(), 5, "{names:?}");
}

/// Workload names: Compose rejects hostile service names (exit 2); a hostile project name
/// is reduced to a plain profile name; either way no profile can be broken by a name.
#[test]
fn hostile_workload_names_cannot_break_a_profile() {
    let run = cinch(&[
        "generate",
        "testdata/bad/compose/bad-service-name.yaml",
        "--backend",
        "apparmor",
        "-o",
        "/nonexistent",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);

    let parser = apparmor_parser("hostile_workload_names_cannot_break_a_profile");
    let out = tempfile::tempdir().unwrap();
    let compose = "services:\n  web:\n    image: nginx:1.27\n    read_only: true\n";
    let project = "p}\n#include <abstractions/evil>,** ^ \"é";
    let run = cinch_with_stdin(
        &[
            "generate",
            "-",
            "--project-name",
            project,
            "--backend",
            "apparmor",
            "-o",
            out.path().to_str().unwrap(),
        ],
        compose,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(assert_apparmor_profiles(parser.as_deref(), out.path()), 1);
    let f = &files_under(&out.path().join("apparmor"))[0];
    let name = f.file_name().unwrap().to_str().unwrap();
    assert!(
        name.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_~".contains(c)),
        "{name}"
    );
}

/// Same bytes on every run.
#[test]
fn profiles_are_deterministic() {
    let (_, a) = generate(
        &["testdata/compose/webapp", "testdata/apparmor/strict"],
        &[],
    );
    let (_, b) = generate(
        &["testdata/apparmor/strict", "testdata/compose/webapp"],
        &[],
    );
    let read = |d: &Path| -> Vec<(String, Vec<u8>)> {
        files_under(d)
            .into_iter()
            .map(|f| {
                (
                    f.strip_prefix(d).unwrap().display().to_string(),
                    std::fs::read(&f).unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(read(a.path()), read(b.path()));
}

/// Every Compose file of the real-world corpus yields profiles that compile.
#[test]
fn corpus_profiles_compile() {
    let Some(corpus) = corpus() else {
        eprintln!(
            "SKIPPED: ../shared/corpus is not beside the checkout; corpus profiles not compiled"
        );
        return;
    };
    let parser = apparmor_parser("corpus_profiles_compile");
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
    let mut profiles = 0;
    for f in &files {
        let (run, out) = generate(&[f], &[]);
        assert_eq!(run.code, 0, "{f}: {}", run.stderr);
        profiles += assert_apparmor_profiles(parser.as_deref(), out.path());
    }
    eprintln!(
        "corpus: {} Compose files, {profiles} AppArmor profiles compiled",
        files.len()
    );
    assert!(profiles > 80, "{profiles}");
}
