//! The performance floor: read every cell with calamine and write the same cells unchanged with
//! rust_xlsxwriter (for `.xlsx`), or read and write every record with the csv crate (for
//! `.csv`). Nothing else. It is the yardstick `scrub` is measured against, not a feature (see
//! `dsr_scrub::floor`).
//!
//! ```text
//! cargo run --release --example floor -- [--range] INPUT OUTPUT
//! ```
//!
//! `--range` runs the slower floor of earlier measurements (a whole-sheet `Range`, an in-memory
//! workbook) instead of the streaming one. `--limit` (xlsx only) runs the physical limit of a
//! lossless scrub instead: the worksheets and shared strings inflated and deflated again, nothing
//! parsed (`dsr_scrub::floor::physical_limit`).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mode = match args.first().map(String::as_str) {
        Some(flag @ ("--range" | "--limit")) => {
            let flag = flag.to_string();
            args.remove(0);
            flag
        }
        _ => String::new(),
    };
    let [input, output] = args.as_slice() else {
        return Err("usage: floor [--range | --limit] INPUT OUTPUT".into());
    };
    match mode.as_str() {
        "--range" => dsr_scrub::floor::copy_range(input.as_ref(), output.as_ref()),
        "--limit" => dsr_scrub::floor::physical_limit(input.as_ref(), output.as_ref()),
        _ => dsr_scrub::floor::copy(input.as_ref(), output.as_ref()),
    }
}
