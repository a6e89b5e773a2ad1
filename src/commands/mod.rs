//! Commands that describe cinch itself rather than read manifests. (The manifest commands
//! are still in `lib.rs`; they move here one file each as they change.)

pub mod shell;
