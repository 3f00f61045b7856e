//! The performance floor: read every cell with calamine and write the same cells unchanged with
//! rust_xlsxwriter (for `.xlsx`), or read and write every record with the csv crate (for
//! `.csv`). Nothing else. It is the yardstick `scrub` is measured against (`examples/floor.rs`,
//! `benches/scrub.rs`, `scripts/bench.sh`), not a feature.
//!
//! [`copy`] is the fastest honest floor (DESIGN §7): calamine's streaming cell reader
//! (`worksheet_cells_reader`, no whole-sheet grid) and rust_xlsxwriter in constant-memory mode
//! (each row written to a temporary file as it is completed). [`copy_range`] is the slower one
//! earlier measurements used (a whole-sheet `Range` and an in-memory workbook), kept as a
//! second line so old figures can be compared.

use calamine::{open_workbook, Data, DataRef, Reader, Xlsx};
use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};
use std::path::Path;

/// Copy `input` to `output` cell by cell with the streaming reader and the constant-memory
/// writer, as described above.
///
/// # Errors
/// Whatever calamine, rust_xlsxwriter, csv or the file system report.
pub fn copy(input: &Path, output: &Path) -> Result<(), Box<dyn std::error::Error>> {
    if is_csv(input) {
        return copy_csv(input, output);
    }
    let mut book: Xlsx<_> = open_workbook(input)?;
    let mut out = Workbook::new();
    for name in book.sheet_names() {
        let ws = out.add_worksheet_with_constant_memory()?;
        ws.set_name(&name)?;
        let mut cells = book.worksheet_cells_reader(&name)?;
        while let Some(cell) = cells.next_cell()? {
            let (row, col) = cell.get_position();
            write_ref(ws, row, col as u16, cell.get_value())?;
        }
    }
    out.save(output)?;
    Ok(())
}

fn write_ref(ws: &mut Worksheet, row: u32, col: u16, value: &DataRef) -> Result<(), XlsxError> {
    match value {
        DataRef::String(s) => ws.write_string(row, col, s)?,
        DataRef::SharedString(s) => ws.write_string(row, col, *s)?,
        DataRef::Float(f) => ws.write_number(row, col, *f)?,
        DataRef::Int(i) => ws.write_number(row, col, *i as f64)?,
        DataRef::Bool(b) => ws.write_boolean(row, col, *b)?,
        DataRef::DateTime(d) => ws.write_number(row, col, d.as_f64())?,
        _ => ws,
    };
    Ok(())
}

fn is_csv(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
}

/// Read and write every record with the csv crate.
fn copy_csv(input: &Path, output: &Path) -> Result<(), Box<dyn std::error::Error>> {
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
    Ok(())
}

/// The slower floor: the whole sheet as a calamine `Range`, written to an in-memory workbook.
///
/// # Errors
/// Whatever calamine, rust_xlsxwriter, csv or the file system report.
pub fn copy_range(input: &Path, output: &Path) -> Result<(), Box<dyn std::error::Error>> {
    if is_csv(input) {
        return copy_csv(input, output);
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

/// The physical limit of a lossless scrub: inflate every part a scrub of a Disabled Users export
/// rewrites (the worksheets and the shared strings table) and deflate it again as the lossless
/// writer does (at [`crate::xlsx::patch::deflate_level`], a large part in blocks on the current
/// rayon pool's threads, see [`crate::xlsx::deflate`]), copying every other entry raw. No XML is
/// parsed and nothing is changed: no engine that rewrites those parts can be faster with as many
/// threads.
///
/// # Errors
/// Whatever zip or the file system report.
pub fn physical_limit(input: &Path, output: &Path) -> Result<(), Box<dyn std::error::Error>> {
    use crate::xlsx::deflate;
    use std::io::{Read, Write};
    use zip::write::SimpleFileOptions;
    let bytes = std::fs::read(input)?;
    let level = crate::xlsx::patch::deflate_level(bytes.len());
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes[..]))?;
    let file = std::fs::File::create(output)?;
    let mut out = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let mut buf = Vec::new();
    for index in 0..zip.len() {
        let name = zip.by_index_raw(index)?.name()?.into_owned();
        let rewritten = name == "xl/sharedStrings.xml"
            || (name.starts_with("xl/worksheets/") && name.ends_with(".xml"));
        if !rewritten {
            out.raw_copy_file(zip.by_index_raw(index)?)?;
            continue;
        }
        let mut entry = zip.by_index(index)?;
        if entry.size() >= deflate::PARALLEL_FROM {
            let modified = entry.last_modified().unwrap_or_default();
            let mut deflater = deflate::BlockDeflater::new(u32::try_from(level)?);
            std::io::copy(&mut entry, &mut deflater)?;
            drop(entry);
            let archive = deflate::one_entry_archive(&name, modified, deflater.finish()?)
                .map_err(|p| p.to_string())?;
            let mut single = archive.open()?;
            out.raw_copy_file(single.by_index_raw(0)?)?;
            continue;
        }
        buf.clear();
        entry.read_to_end(&mut buf)?;
        drop(entry);
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(level));
        out.start_file(name, options)?;
        out.write_all(&buf)?;
    }
    out.finish()?.flush()?;
    Ok(())
}
