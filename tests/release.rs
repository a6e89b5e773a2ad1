//! The binary that ships (issue 18, point 7; measured in docs/release.md): Cargo.toml's
//! `dist` profile strips symbols and line tables and links with thin LTO, and a binary built
//! with it (`cargo build --profile dist`, as CI's release job does) runs and carries no
//! symbol table or DWARF. Building it here would take minutes, so the binary is checked only
//! when it exists; the profile itself always is.

mod common;

use std::path::Path;

#[test]
fn the_dist_profile_strips_and_uses_thin_lto() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let dist = manifest
        .split("\n[profile.dist]\n")
        .nth(1)
        .expect("a [profile.dist] table")
        .split("\n[")
        .next()
        .unwrap();
    for line in [
        "inherits = \"release\"",
        "strip = true",
        "lto = \"thin\"",
        "debug = false",
    ] {
        assert!(
            dist.lines().any(|l| l.trim() == line),
            "[profile.dist] lacks `{line}`"
        );
    }
}

/// Section names of an ELF64 little-endian file.
fn elf_sections(bytes: &[u8]) -> Vec<String> {
    let u16_at = |o: usize| usize::from(u16::from_le_bytes([bytes[o], bytes[o + 1]]));
    let u64_at = |o: usize| {
        usize::try_from(u64::from_le_bytes(bytes[o..o + 8].try_into().unwrap())).unwrap()
    };
    assert_eq!(&bytes[..5], b"\x7fELF\x02", "an ELF64 file");
    let (shoff, shentsize, shnum, shstrndx) =
        (u64_at(0x28), u16_at(0x3a), u16_at(0x3c), u16_at(0x3e));
    let header = |i: usize| shoff + i * shentsize;
    let strtab = u64_at(header(shstrndx) + 0x18);
    (0..shnum)
        .map(|i| {
            let name = strtab
                + u32::from_le_bytes(bytes[header(i)..header(i) + 4].try_into().unwrap()) as usize;
            let end = bytes[name..].iter().position(|&b| b == 0).unwrap();
            String::from_utf8_lossy(&bytes[name..name + end]).into_owned()
        })
        .collect()
}

#[test]
fn a_dist_binary_runs_without_symbols() {
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/dist/cinch");
    let Ok(bytes) = std::fs::read(&built) else {
        eprintln!("SKIPPED: no target/dist/cinch (cargo build --profile dist builds it)");
        return;
    };
    let sections = elf_sections(&bytes);
    assert!(sections.iter().any(|s| s == ".text"), "{sections:?}");
    for absent in [".symtab", ".debug_info", ".debug_line"] {
        assert!(
            !sections.iter().any(|s| s == absent),
            "{absent} in {sections:?}"
        );
    }
    let out = std::process::Command::new(&built)
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("cinch "));
    // The debug binary has them: the check can tell the difference.
    let debug = elf_sections(&std::fs::read(common::bin()).unwrap());
    assert!(debug.iter().any(|s| s == ".symtab"), "{debug:?}");
}
