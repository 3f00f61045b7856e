//! Fuzz target: arbitrary bytes as an .xlsx package (see `dsr_scrub::fuzzing::scrub_xlsx`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    dsr_scrub::fuzzing::scrub_xlsx(data);
});
