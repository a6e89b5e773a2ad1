//! The command line as its users meet it, through the real binary (issue 18): colour follows
//! `--color` and `NO_COLOR` also in help and errors; provenance names do not depend on the
//! directory cinch runs from; `--version` says what produced a profile, and profiles never
//! carry it.

mod common;

use std::path::Path;

use common::cinch_bin;

const ESC: char = '\u{1b}';

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn help_and_errors_are_plain_unless_colour_is_asked_for() {
    // Pipes, as `cinch --help | cat` and `cinch generate --help > file`.
    for args in [&["--help"][..], &["generate", "--help"], &["check", "-h"]] {
        let run = cinch_bin(repo(), args, &[]);
        assert_eq!(run.code, 0);
        assert!(run.stdout.contains("Usage:"), "{args:?}");
        assert!(
            !run.stdout.contains(ESC),
            "{args:?} on a pipe: {}",
            run.stdout
        );
    }
    let run = cinch_bin(repo(), &["generate", "--bogus"], &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("unexpected argument '--bogus'"));
    assert!(!run.stderr.contains(ESC), "{}", run.stderr);
    // Asked for: styled, on stdout (help) and stderr (errors) alike.
    let run = cinch_bin(repo(), &["--color", "always", "generate", "--help"], &[]);
    assert!(run.stdout.contains(ESC));
    let run = cinch_bin(repo(), &["generate", "--bogus", "--color=always"], &[]);
    assert!(run.stderr.contains(ESC));
    // NO_COLOR is for `auto`; `always` is explicit and wins.
    let run = cinch_bin(repo(), &["--help"], &[("NO_COLOR", "1")]);
    assert!(!run.stdout.contains(ESC));
    let run = cinch_bin(repo(), &["--color=always", "--help"], &[("NO_COLOR", "1")]);
    assert!(run.stdout.contains(ESC));
}

#[test]
fn provenance_is_the_same_from_every_directory_and_path_spelling() {
    let out = tempfile::tempdir().unwrap();
    let out = out.path().join("p1");
    let o = out.to_str().unwrap();
    let run = cinch_bin(
        repo(),
        &["generate", "testdata/compose/webapp", "-o", o],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let profile = std::fs::read_to_string(out.join("apparmor/shop.api.api")).unwrap();
    assert!(profile.contains("# From testdata/compose/webapp/compose.yaml:"));
    // From a subdirectory, with an absolute path, and from outside with --root.
    let abs = repo().join("testdata/compose/webapp");
    let abs = abs.to_str().unwrap();
    let root = repo().to_str().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    for (cwd, args) in [
        (
            repo().join("testdata"),
            vec!["check", "compose/webapp", "-o", o],
        ),
        (repo().join("testdata"), vec!["check", abs, "-o", o]),
        (repo().to_path_buf(), vec!["check", abs, "-o", o]),
        (
            elsewhere.path().to_path_buf(),
            vec!["check", "--root", root, abs, "-o", o],
        ),
    ] {
        let run = cinch_bin(&cwd, &args, &[]);
        assert_eq!(
            run.code,
            0,
            "{args:?} in {}:\n{}",
            cwd.display(),
            run.stdout
        );
        assert!(run.stdout.contains("is up to date"));
    }
    // Without --root outside the repository the names change: the root is what decides.
    let run = cinch_bin(elsewhere.path(), &["check", abs, "-o", o], &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
}

#[test]
fn version_names_the_commit_and_the_kubernetes_api_and_stays_out_of_profiles() {
    let run = cinch_bin(repo(), &["--version"], &[]);
    assert_eq!(run.code, 0);
    let v = run.stdout.trim_end();
    let inner = v
        .strip_prefix(concat!("cinch ", env!("CARGO_PKG_VERSION"), " ("))
        .and_then(|r| r.strip_suffix(")"))
        .unwrap_or_else(|| panic!("{v}"));
    let (commit, kube) = inner
        .split_once(", Kubernetes 1.")
        .unwrap_or_else(|| panic!("{v}"));
    assert!(
        commit == "unknown" || (commit.len() == 7 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{v}"
    );
    assert!(kube.parse::<u32>().is_ok(), "{v}");

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p");
    let o = out.to_str().unwrap();
    let generate = || {
        cinch_bin(
            repo(),
            &["generate", "testdata/compose/webapp", "-o", o],
            &[],
        )
    };
    assert_eq!(generate().code, 0);
    for f in common::files_under(&out) {
        let text = std::fs::read_to_string(&f).unwrap();
        let listed = f.file_name().unwrap() == ".cinch-generated";
        assert_eq!(text.contains(inner), listed, "{}", f.display());
    }
    // A tree from another cinch: an upgrade that changes no byte is silent in check and
    // leaves the tree alone in generate ...
    let list = out.join(".cinch-generated");
    let old = std::fs::read_to_string(&list)
        .unwrap()
        .replace(v, "cinch 0.0.9 (1234567, Kubernetes 1.30)");
    std::fs::write(&list, &old).unwrap();
    let check = || cinch_bin(repo(), &["check", "testdata/compose/webapp", "-o", o], &[]);
    let run = check();
    assert_eq!(run.code, 0);
    assert!(!run.stdout.contains("0.0.9"), "{}", run.stdout);
    assert_eq!(generate().code, 0);
    assert_eq!(std::fs::read_to_string(&list).unwrap(), old);
    // ... and when the bytes differ, check says which cinch wrote them.
    let profile = out.join("apparmor/shop.api.api");
    let edited = std::fs::read_to_string(&profile).unwrap() + "# edited\n";
    std::fs::write(&profile, edited).unwrap();
    let run = check();
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains(&format!(
            "was generated by cinch 0.0.9 (1234567, Kubernetes 1.30); this is {v}"
        )),
        "{}",
        run.stdout
    );
}
