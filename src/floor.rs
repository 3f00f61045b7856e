//! The performance floor: read every cell with calamine and write the same cells unchanged with
//! rust_xlsxwriter (for `.xlsx`), or read and write every record with the csv crate (for
//! `.csv`). Nothing else. It is the yardstick `scrub` is measured against (`examples/floor.rs`,
//! `benches/scrub.rs`, `scripts/bench.sh`), not a feature.

use calamine::{open_workbook, Data, Reader, Xlsx};
use rust_xlsxwriter::Workbook;
use std::path::Path;

/// Copy `input` to `output` cell by cell, as described above.
///
/// # Errors
/// Whatever calamine, rust_xlsxwriter, csv or the file system report.
pub fn copy(input: &Path, output: &Path) -> Result<(), Box<dyn std::error::Error>> {
    if Path::new(input)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
    {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_path(input)?;
        let mut writer = csv::WriterBuilder::new().flexible(true).from_path(output)?;
        let mut record = csv::ByteRecord::new();
        while reader.read_byte_record(&mut record)? {
            writer.write_byte_record(&record)?;
        }
        writer.flush()?;
        return Ok(());
    }
    let mut book: Xlsx<_> = open_workbook(input)?;
    let mut out = Workbook::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name)?;
        let ws = out.add_worksheet();
        ws.set_name(&name)?;
        for (row, col, value) in range.used_cells() {
            let (row, col) = (
                row as u32 + range.start().unwrap().0,
                (col as u32 + range.start().unwrap().1) as u16,
            );
            match value {
                Data::String(s) => ws.write_string(row, col, s)?,
                Data::Float(f) => ws.write_number(row, col, *f)?,
                Data::Int(i) => ws.write_number(row, col, *i as f64)?,
                Data::Bool(b) => ws.write_boolean(row, col, *b)?,
                Data::DateTime(d) => ws.write_number(row, col, d.as_f64())?,
                _ => ws,
            };
        }
    }
    out.save(output)?;
    Ok(())
}
