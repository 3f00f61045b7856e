//! Fuzz target: arbitrary bytes as a CSV file (see `dsr_scrub::fuzzing::scrub_csv`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    dsr_scrub::fuzzing::scrub_csv(data);
});
