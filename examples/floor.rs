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
//! workbook) instead of the streaming one.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let range = args.first().is_some_and(|a| a == "--range");
    if range {
        args.remove(0);
    }
    let [input, output] = args.as_slice() else {
        return Err("usage: floor [--range] INPUT OUTPUT".into());
    };
    if range {
        dsr_scrub::floor::copy_range(input.as_ref(), output.as_ref())
    } else {
        dsr_scrub::floor::copy(input.as_ref(), output.as_ref())
    }
}
