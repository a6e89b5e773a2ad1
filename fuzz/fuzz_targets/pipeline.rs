//! Input bytes → kind sniffed as for stdin → frontends → resolver → every backend, in memory.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = cinch::generate_from_bytes("<stdin>", None, data);
});
