//! One file per command whose glue outgrew `lib.rs` (ripgrep's layout): each turns parsed
//! arguments into a pipeline run and its output. `lib.rs` keeps the shared pipeline; the
//! manifest commands still there move here one file each as they change. `shell` holds the
//! commands that describe cinch itself (completions, man page).

pub mod audit;
pub mod shell;
