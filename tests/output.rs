//! The output writer: all or nothing, only its own files, never outside the directory.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use cinch::output::{MANIFEST, OutputTree, WriteOptions, write_tree};
use common::cinch;

fn tree(files: &[(&str, &str)]) -> OutputTree {
    let mut t = OutputTree::new();
    for (path, body) in files {
        let (dir, name) = path.rsplit_once('/').unwrap();
        t.insert(dir, name, body.as_bytes().to_vec());
    }
    t
}

/// Every file and symlink under `dir` with its bytes (or link target).
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let rel = p.strip_prefix(dir).unwrap().display().to_string();
            let meta = fs::symlink_metadata(&p).unwrap();
            if meta.file_type().is_symlink() {
                out.insert(
                    rel,
                    fs::read_link(&p)
                        .unwrap()
                        .display()
                        .to_string()
                        .into_bytes(),
                );
            } else if meta.is_dir() {
                out.insert(rel + "/", Vec::new());
                stack.push(p);
            } else {
                out.insert(rel, fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn replaces_generated_files_keeps_user_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("profiles");
    write_tree(
        &out,
        &tree(&[("seccomp/a.json", "A1"), ("seccomp/b.json", "B1")]),
        WriteOptions::default(),
    )
    .unwrap();
    fs::write(out.join("README.md"), "mine").unwrap();
    fs::write(out.join("seccomp/custom.json"), "mine too").unwrap();

    let report = write_tree(
        &out,
        &tree(&[("seccomp/a.json", "A2"), ("apparmor/a", "P")]),
        WriteOptions::default(),
    )
    .unwrap();
    assert_eq!(report.removed, ["seccomp/b.json"]);
    let files = snapshot(&out);
    assert_eq!(files["seccomp/a.json"], b"A2");
    assert_eq!(files["apparmor/a"], b"P");
    assert!(
        !files.contains_key("seccomp/b.json"),
        "stale generated file removed"
    );
    assert_eq!(files["README.md"], b"mine", "user file kept");
    assert_eq!(
        files["seccomp/custom.json"], b"mine too",
        "user file beside generated ones kept"
    );
    let manifest = String::from_utf8(files[MANIFEST].clone()).unwrap();
    assert!(
        manifest.contains("apparmor/a\nseccomp/a.json\n"),
        "{manifest}"
    );
}

#[test]
fn unchanged_tree_is_not_rewritten() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("p");
    let t = tree(&[("seccomp/a.json", "A")]);
    write_tree(&out, &t, WriteOptions::default()).unwrap();
    let report = write_tree(&out, &t, WriteOptions::default()).unwrap();
    assert!(report.unchanged);
}

/// Files a regeneration finds unchanged are not written again until a changed one shows
/// that the tree must be swapped; then every file is in the new tree, with its bytes.
#[test]
fn a_change_after_unchanged_files_still_swaps_in_the_whole_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("p");
    let first = [
        ("apparmor/a", "PA"),
        ("apparmor/b", "PB"),
        ("seccomp/a.json", "A"),
        ("seccomp/z.json", "Z1"),
    ];
    write_tree(&out, &tree(&first), WriteOptions::default()).unwrap();
    fs::write(out.join("README.md"), "mine").unwrap();
    // Written in path order: three unchanged files, then the change.
    let mut second = first;
    second[3] = ("seccomp/z.json", "Z2");
    let report = write_tree(&out, &tree(&second), WriteOptions::default()).unwrap();
    assert!(!report.unchanged);
    assert_eq!(report.written, 4);
    let files = snapshot(&out);
    for (rel, body) in second {
        assert_eq!(files[rel], body.as_bytes(), "{rel}");
    }
    assert_eq!(files["README.md"], b"mine");
    // And a tree that only loses a file is swapped too.
    let report = write_tree(&out, &tree(&second[..2]), WriteOptions::default()).unwrap();
    assert_eq!(report.removed, ["seccomp/a.json", "seccomp/z.json"]);
    let files = snapshot(&out);
    assert_eq!(files["apparmor/a"], b"PA");
    assert_eq!(files["apparmor/b"], b"PB");
    assert!(!files.contains_key("seccomp/a.json"));
    // No stage is left beside the output.
    let beside: Vec<_> = fs::read_dir(tmp.path()).unwrap().flatten().collect();
    assert_eq!(beside.len(), 1, "{beside:?}");
}

#[test]
fn failure_before_the_swap_leaves_the_directory_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("profiles");
    write_tree(
        &out,
        &tree(&[("seccomp/a.json", "A1"), ("networkpolicy/a.yaml", "N1")]),
        WriteOptions::default(),
    )
    .unwrap();
    fs::write(out.join("notes.txt"), "user notes").unwrap();
    let before = snapshot(&out);
    let err = write_tree(
        &out,
        &tree(&[("seccomp/a.json", "A2"), ("seccomp/new.json", "X")]),
        WriteOptions {
            fail_before_swap: true,
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("simulated"), "{err}");
    assert_eq!(snapshot(&out), before);
    let leftovers: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers, ["profiles"], "no staging directory left behind");
}

#[test]
fn never_writes_through_a_symlink_in_the_output_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    fs::create_dir(&outside).unwrap();
    let out = tmp.path().join("profiles");
    fs::create_dir(&out).unwrap();
    std::os::unix::fs::symlink(&outside, out.join("seccomp")).unwrap();
    let before = snapshot(&out);
    let err = write_tree(
        &out,
        &tree(&[("seccomp/a.json", "A")]),
        WriteOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("seccomp"), "{err}");
    assert_eq!(
        fs::read_dir(&outside).unwrap().count(),
        0,
        "nothing written outside"
    );
    assert_eq!(snapshot(&out), before);
}

#[test]
fn refuses_to_overwrite_a_file_it_did_not_generate() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("profiles");
    fs::create_dir_all(out.join("seccomp")).unwrap();
    fs::write(out.join("seccomp/a.json"), "hand-written").unwrap();
    let err = write_tree(
        &out,
        &tree(&[("seccomp/a.json", "A")]),
        WriteOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("did not generate"), "{err}");
    assert_eq!(
        fs::read(out.join("seccomp/a.json")).unwrap(),
        b"hand-written"
    );
}

#[test]
fn output_directory_that_is_a_symlink_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let real = tmp.path().join("real");
    fs::create_dir(&real).unwrap();
    std::os::unix::fs::symlink(&real, tmp.path().join("link")).unwrap();
    assert!(
        write_tree(
            &tmp.path().join("link"),
            &tree(&[("seccomp/a.json", "A")]),
            WriteOptions::default()
        )
        .is_err()
    );
    assert_eq!(fs::read_dir(&real).unwrap().count(), 0);
}

/// A run whose input is bad writes nothing: the existing tree stays as it was.
#[test]
fn generate_with_bad_input_leaves_output_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("profiles");
    let good = cinch(&[
        "generate",
        "testdata/compose/webapp",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(good.code, 0, "{}", good.stderr);
    fs::write(out.join("keep.txt"), "x").unwrap();
    let before = snapshot(&out);
    let bad = cinch(&[
        "generate",
        "testdata/compose/webapp",
        "testdata/bad/compose/port-range.yaml",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("port-range.yaml:6:"), "{}", bad.stderr);
    assert_eq!(snapshot(&out), before);
}

/// `check` names stale, missing and orphaned files, shows a diff, and writes nothing.
#[test]
fn check_reports_stale_missing_and_orphaned_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("profiles");
    write_tree(
        &out,
        &tree(&[
            ("seccomp/a.json", "one\ntwo\n"),
            ("seccomp/gone.json", "x\n"),
        ]),
        WriteOptions::default(),
    )
    .unwrap();
    let before = snapshot(&out);
    let now = tree(&[("seccomp/a.json", "one\nTWO\n"), ("apparmor/new", "p\n")]);
    let report = cinch::workflow::check::check(&out, &now, false).unwrap();
    assert_eq!(report.stale, ["seccomp/a.json"]);
    assert_eq!(report.missing, ["apparmor/new"]);
    assert_eq!(report.orphaned, ["seccomp/gone.json"]);
    assert!(report.diff.contains("-two\n+TWO\n"), "{}", report.diff);
    assert!(
        report.diff.contains("+++ /dev/null"),
        "orphaned file shown as deleted: {}",
        report.diff
    );
    assert!(!report.diff.contains('\x1b'), "no colour unless asked");
    assert!(
        cinch::workflow::check::check(&out, &now, true)
            .unwrap()
            .diff
            .contains("\x1b[31m-two")
    );
    assert_eq!(snapshot(&out), before, "check never writes");
    let same = tree(&[
        ("seccomp/a.json", "one\ntwo\n"),
        ("seccomp/gone.json", "x\n"),
    ]);
    assert!(
        cinch::workflow::check::check(&out, &same, false)
            .unwrap()
            .clean()
    );
}

/// A file with the generated bytes that the directory's manifest does not list (copied in
/// by hand, or the manifest edited) is not committed: `check` calls it missing and shows it
/// as new, though the bytes on disk are the same; one the manifest lists is clean.
#[test]
fn check_calls_an_unlisted_file_with_the_same_bytes_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("profiles");
    write_tree(
        &out,
        &tree(&[("seccomp/a.json", "A\n")]),
        WriteOptions::default(),
    )
    .unwrap();
    fs::write(out.join("seccomp/b.json"), "B\n").unwrap();
    let now = tree(&[("seccomp/a.json", "A\n"), ("seccomp/b.json", "B\n")]);
    let report = cinch::workflow::check::check(&out, &now, false).unwrap();
    assert_eq!(report.missing, ["seccomp/b.json"]);
    assert!(report.stale.is_empty() && report.orphaned.is_empty());
    assert!(report.diff.contains("+B\n"), "{}", report.diff);
    assert!(!report.diff.contains("a.json"), "{}", report.diff);
}
