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
    // Wired Compose files name the profiles relative to the project: the same bytes from a
    // subdirectory too (the output directory is named from the root, like the inputs).
    let wired = "target/cli-test-wired";
    let run = cinch_bin(
        repo(),
        &["generate", "testdata/compose/webapp", "--wire", "-o", wired],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = cinch_bin(
        &repo().join("testdata"),
        &[
            "check",
            "compose/webapp",
            "--wire",
            "-o",
            "../target/cli-test-wired",
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    let _ = std::fs::remove_dir_all(repo().join(wired));
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
    // A short commit, or what the build was told (`CINCH_COMMIT`: the Action's ref), or
    // `unknown` outside git.
    assert!(
        !commit.is_empty() && !commit.contains([',', '(', ')', ' ']),
        "{v}"
    );
    if option_env!("CINCH_COMMIT").is_none() {
        assert!(
            commit == "unknown"
                || (commit.len() == 7 && commit.chars().all(|c| c.is_ascii_hexdigit())),
            "{v}"
        );
    }
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

/// The subcommands, as `cinch --help` lists them.
fn subcommands() -> Vec<String> {
    let help = cinch_bin(repo(), &["--help"], &[]).stdout;
    let list = help.split("Commands:\n").nth(1).expect("a command list");
    list.lines()
        .take_while(|l| l.starts_with("  "))
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_command_help_ends_with_examples_that_run() {
    let scratch = tempfile::tempdir().unwrap();
    let tmp = format!("{}/", scratch.path().display());
    let commands = subcommands();
    assert!(commands.len() >= 10, "{commands:?}");
    for cmd in &commands {
        let help = cinch_bin(repo(), &[cmd, "--help"], &[]).stdout;
        let examples = help
            .rsplit_once("\nExamples:\n")
            .unwrap_or_else(|| panic!("`cinch {cmd} --help` has no examples:\n{help}"))
            .1;
        let lines: Vec<&str> = examples.trim_end().lines().collect();
        assert!(
            (2..=3).contains(&lines.len())
                && lines
                    .iter()
                    .all(|l| l.starts_with("  ") && l.contains("cinch ")),
            "`cinch {cmd} --help` should end with 2 or 3 examples:\n{examples}"
        );
        // Those on this repository's testdata run as written (output under a scratch dir).
        for line in lines {
            let argv = line.split("  ").find(|s| !s.is_empty()).unwrap().trim();
            if !argv.starts_with("cinch ")
                || !argv.contains("testdata/")
                || argv.contains(['|', '>'])
            {
                continue;
            }
            let argv = argv.replace("/tmp/", &tmp);
            let args: Vec<&str> = argv.split_whitespace().skip(1).collect();
            let run = cinch_bin(repo(), &args, &[]);
            assert_eq!(run.code, 0, "`{argv}` fails:\n{}", run.stderr);
        }
    }
}

#[test]
fn errors_with_an_obvious_fix_name_it() {
    let empty = tempfile::tempdir().unwrap();
    let e = empty.path().to_str().unwrap();
    let out = format!("{e}/out");
    let run = cinch_bin(repo(), &["generate", e, "-o", &out], &[]);
    assert!(
        run.stderr.contains("no workload in") && run.stderr.contains("name the files"),
        "{}",
        run.stderr
    );
    // Outside a repository: what to do instead.
    let run = cinch_bin(empty.path(), &["diff", "--git-base", "main", "."], &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cinch diff OLD NEW"), "{}", run.stderr);
    // An unfetched base: how to fetch it.
    let run = cinch_bin(
        repo(),
        &["diff", "--git-base", "origin/no-such-branch", "."],
        &[],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("git fetch origin no-such-branch")
            && run.stderr.contains("fetch-depth: 0"),
        "{}",
        run.stderr
    );
    // Stale profiles: the command that updates them (as before).
    let run = cinch_bin(
        repo(),
        &["check", "testdata/compose/webapp", "-o", &out],
        &[],
    );
    assert!(run.stdout.contains("run `cinch generate` to update it"));
}

#[test]
fn completions_and_man_page_come_from_the_parser() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let run = cinch_bin(repo(), &["completions", shell], &[]);
        assert_eq!(run.code, 0, "{shell}");
        for word in ["generate", "undeclared", "color"] {
            assert!(run.stdout.contains(word), "{shell} completions lack {word}");
        }
    }
    // bash loads the script and completes a subcommand and a flag.
    let script = cinch_bin(repo(), &["completions", "bash"], &[]).stdout;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cinch.bash");
    std::fs::write(&file, script).unwrap();
    let probe = format!(
        "source {}; COMP_WORDS=(cinch gen); COMP_CWORD=1; _cinch cinch gen cinch; echo \"${{COMPREPLY[@]}}\"; \
         COMP_WORDS=(cinch check --undec); COMP_CWORD=2; _cinch cinch --undec check; echo \"${{COMPREPLY[@]}}\"",
        file.display()
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &probe])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "generate\n--undeclared\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = cinch_bin(repo(), &["man"], &[]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains(".TH cinch 1"), "{}", &run.stdout[..200]);
    assert!(run.stdout.contains("generate"));
    let run = cinch_bin(repo(), &["man", "--dir", dir.path().to_str().unwrap()], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for page in ["cinch.1", "cinch-generate.1", "cinch-check.1"] {
        assert!(dir.path().join(page).is_file(), "{page}");
    }
    // groff (as `man` runs it) reads the pages without a warning, when installed.
    if let Ok(out) = std::process::Command::new("groff")
        .args(["-k", "-man", "-Tutf8", "-ww", "-z"])
        .arg(dir.path().join("cinch-generate.1"))
        .output()
    {
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
