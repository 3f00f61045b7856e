//! Fuzz target: arbitrary bytes as a column map's TOML text (see `dsr_scrub::fuzzing::parse_map`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    dsr_scrub::fuzzing::parse_map(data);
});
