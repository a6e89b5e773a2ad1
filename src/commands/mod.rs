//! One file per command whose glue outgrew `lib.rs` (ripgrep's layout): each turns parsed
//! arguments into a pipeline run and its output. `lib.rs` keeps the shared pipeline.

pub mod audit;
