//! The compose frontend through the whole pipeline into memory: any bytes give profiles or
//! diagnostics, never a panic, a hang or unbounded memory.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = cinch::generate_from_bytes("compose.yaml", Some(cinch::input::SourceKind::Compose), data);
});
