//! Limits on untrusted input.
//!
//! cinch runs in CI on manifests from pull requests. Each limit below turns a hostile or
//! broken input (a 50 MB file, a "billion laughs" alias bomb, 100k nested brackets) into a
//! clear error naming the file, instead of a hang, a stack overflow or an OOM kill.
//! Every value is far above what real manifests need: the largest file in the real-world
//! corpus (`argo-cd/manifests/install.yaml`) is 1.9 MB, 59 documents, ~80k YAML events,
//! and nests 30 levels deep.

/// Largest input file read, in bytes. 8× the largest real manifest we have seen.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Most YAML nodes one file may expand to, counting every node an alias copies.
/// A billion-laughs bomb reaches this after a few levels and stops there, in
/// microseconds and a few MB, instead of exhausting memory.
pub const MAX_YAML_NODES: usize = 2_000_000;

/// Deepest nesting of YAML collections. Deeper trees would overflow the stack when
/// dropped or walked recursively; real manifests stay under 40.
pub const MAX_YAML_DEPTH: usize = 128;

/// Most documents in one YAML stream (`---` separated). Helm output of a large chart has
/// a few hundred.
pub const MAX_YAML_DOCUMENTS: usize = 10_000;

/// Most files read from the inputs of one run (files found while walking directories
/// included). A monorepo with 10,000 workloads has ~20,000 manifests.
pub const MAX_INPUT_FILES: usize = 100_000;

/// Deepest directory recursion while discovering inputs; a deeper tree is more likely a
/// loop (bind mounts) than a repository.
pub const MAX_DIR_DEPTH: usize = 64;

/// Most ports one range expression (`8000-8999:8000-8999`) may expand to.
pub const MAX_PORT_RANGE: u32 = 1024;

/// Longest chain of Compose `extends` followed before giving up (cycles are reported
/// separately, this bounds long legitimate-looking chains).
pub const MAX_EXTENDS_DEPTH: usize = 32;

/// Deepest chain of Compose `include`s followed (an application including one that includes
/// another, …); cycles are reported separately.
pub const MAX_INCLUDE_DEPTH: usize = 16;
