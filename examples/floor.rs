//! The performance floor: read every cell with calamine and write the same cells unchanged with
//! rust_xlsxwriter (for `.xlsx`), or read and write every record with the csv crate (for
//! `.csv`). Nothing else. It is the yardstick `scrub` is measured against, not a feature (see
//! `dsr_scrub::floor`).
//!
//! ```text
//! cargo run --release --example floor -- INPUT OUTPUT
//! ```

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        return Err("usage: floor INPUT OUTPUT".into());
    };
    dsr_scrub::floor::copy(input.as_ref(), output.as_ref())
}
