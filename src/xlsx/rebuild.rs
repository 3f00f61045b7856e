//! The rebuild writer: a new workbook with rust_xlsxwriter (in constant-memory mode: rows leave
//! memory as they are completed, text is written as inline strings) from the cells read by
//! calamine.
//!
//! It keeps what an import needs (DESIGN §4): sheets with their order, names and visibility
//! (including very hidden), code names, column widths and hidden columns, the header row, and
//! every untouched cell with its value and type (text stays text, dates stay dates with a date
//! format, formulas stay formulas). It does not carry styles, tables or data validations.
//!
//! Its parts are deflated at the lossless writer's level for the input (see
//! [`super::patch::deflate_level`]): level 2, which costs about a tenth in size against
//! rust_xlsxwriter's default 6 for less time, and 6 near the import limit.
//!
//! Formula cached values: when any cell of the workbook changed or any row went, formulas are
//! written without their cached results and the workbook recalculates on load, because a cached
//! result can repeat removed text (e.g. a Full Name formula over First and Last Name).
//!
//! An array formula is written as one over its range (a dynamic one as a dynamic one), so the
//! other cells of its range are its results, not cells of their own: their cached values are
//! written only when nothing changed, as the lossless writer does. Written as plain values they
//! would be text of their own, which no recalculation replaces.

use crate::apply::{NewValue, SheetChanges};
use crate::error::{CellRef, Problem, WriteError};
use crate::workbook::{ArrayRange, Sheet, Visibility, Workbook};
use calamine::Data;
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, Formula, Workbook as XlsxBook, Worksheet, XlsxError,
};
use std::io::Write;

/// Excel's built-in number format `m/d/yyyy h:mm` (what Dynamics uses for date-times).
const DATETIME_FORMAT: u8 = 22;
/// Excel's built-in number format `m/d/yyyy`.
const DATE_FORMAT: u8 = 14;
/// Excel's built-in number format `[h]:mm:ss`.
const DURATION_FORMAT: u8 = 46;

/// Excel's pixels per character of column width for the default font.
const PIXELS_PER_CHAR: f64 = 7.0;

struct Formats {
    datetime: Format,
    date: Format,
    duration: Format,
}

/// Write `book` with `changes` applied, as xlsx, to `out`, its parts deflated at `level` (1-9;
/// the lossless writer's level for the input, [`super::patch::deflate_level`], where the caller
/// has no other).
///
/// # Errors
/// A [`Problem`] naming the sheet and cell that Excel cannot hold, or saying that writing failed.
pub fn write<W: Write + Send>(
    book: &Workbook,
    changes: &[SheetChanges],
    level: u8,
    out: W,
) -> Result<(), Problem> {
    let formats = Formats {
        datetime: Format::new().set_num_format_index(DATETIME_FORMAT),
        date: Format::new().set_num_format_index(DATE_FORMAT),
        duration: Format::new().set_num_format_index(DURATION_FORMAT),
    };
    // As the lossless writer decides: a deleted row's values may be cached elsewhere too.
    let any_change = changes
        .iter()
        .any(|c| !c.cells.is_empty() || !c.deleted.is_empty());
    let empty = SheetChanges::default();
    let mut xlsx = XlsxBook::new();
    xlsx.set_zip_compression_level(level.clamp(1, 9));
    // The input's creation time (or a fixed one) instead of "now", so the same input and map
    // always give the same bytes.
    let created = book
        .created
        .as_deref()
        .and_then(|c| ExcelDateTime::parse_from_str(c).ok())
        .unwrap_or_else(|| {
            ExcelDateTime::from_timestamp(0).expect("the Unix epoch is a valid date")
        });
    xlsx.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let by_sheet = crate::apply::changes_by_sheet(changes, book.sheets.len());
    for (index, sheet) in book.sheets.iter().enumerate() {
        let sheet_changes = by_sheet[index].unwrap_or(&empty);
        // Rows are written in order, so each one goes to a temporary file as it is completed
        // instead of the whole sheet staying in memory; the bytes written are the same.
        let ws = xlsx
            .add_worksheet_with_constant_memory()
            .map_err(|e| describe(&e))?;
        write_sheet(ws, sheet, sheet_changes, any_change, &formats)?;
    }
    xlsx.save_to_writer(out).map_err(|e| describe(&e).into())
}

fn write_sheet(
    ws: &mut Worksheet,
    sheet: &Sheet,
    changes: &SheetChanges,
    blank_formula_results: bool,
    formats: &Formats,
) -> Result<(), Problem> {
    let sheet_err = |what: &'static str| WriteError::RebuildSheet {
        sheet: sheet.name.clone(),
        what,
    };
    ws.set_name(&sheet.name)
        .map_err(|_| sheet_err("Excel does not accept this sheet name"))?;
    match sheet.visibility {
        Visibility::Visible => {}
        Visibility::Hidden => {
            ws.set_hidden(true);
        }
        Visibility::VeryHidden => {
            ws.set_very_hidden(true);
        }
    }
    if let Some(code) = &sheet.layout.code_name {
        // A code name that Excel's VBA rules reject is dropped rather than failing the file.
        let _ = ws.set_vba_name(code);
    }
    for span in &sheet.layout.columns {
        for col in span.first..=span.last.min(u32::from(u16::MAX)) {
            let col = col as u16;
            if let Some(width) = span.width {
                let pixels = (width * PIXELS_PER_CHAR).round().max(0.0) as u32;
                ws.set_column_width_pixels(col, pixels)
                    .map_err(|_| sheet_err("a column is beyond Excel's limits"))?;
            }
            if span.hidden {
                ws.set_column_hidden(col)
                    .map_err(|_| sheet_err("a column is beyond Excel's limits"))?;
            }
        }
    }
    let (height, width) = (sheet.height(), sheet.width());
    if !changes.deleted.is_empty() && sheet.formulas.is_some() {
        return Err(WriteError::DeleteUnderFormulas.into());
    }
    let mut cursor = 0;
    let mut deleted = 0;
    let mut arrays = ArrayRows::new(&sheet.layout.array_ranges);
    for row in 0..height {
        arrays.move_to(row);
        if changes.is_deleted(&mut deleted, row) {
            continue;
        }
        let out_row = row - changes.shift(row);
        for col in 0..width {
            let at = || CellRef {
                sheet: sheet.name.clone(),
                row,
                col,
            };
            let cell_err = |what: &'static str| WriteError::Cell { at: at(), what };
            if let Some(change) = changes.take_at(&mut cursor, row, col) {
                let written = match changes.value(change) {
                    // Most new values are texts: written without a copy.
                    NewValue::Text(s) => write_text(ws, out_row, col, s),
                    new => write_value(ws, out_row, col, &new.data(), formats),
                };
                written.map_err(|e| cell_err(cell_problem(&e)))?;
                continue;
            }
            let value = sheet.cell(row, col);
            if let Some(formula) = sheet.formula(row, col) {
                let result = if blank_formula_results {
                    String::new()
                } else {
                    cached_text(value)
                };
                let formula = Formula::new(formula).set_result(result);
                let written = match arrays.anchored_at(row, col) {
                    Some(array) => write_array(ws, array, out_row, formula),
                    None => ws.write_formula(out_row, col as u16, formula).map(|_| ()),
                };
                written.map_err(|e| cell_err(cell_problem(&e)))?;
                continue;
            }
            // A result of an array formula: the writer filled it with a placeholder (0) when it
            // wrote the formula, which recalculation replaces. Its cached value stays only when
            // nothing changed, and an error only as the placeholder, since the rebuild writes
            // errors as formulas, which a cell inside an array cannot have.
            if arrays.covers(col) && (blank_formula_results || matches!(value, Data::Error(_))) {
                continue;
            }
            write_value(ws, out_row, col, value, formats)
                .map_err(|e| cell_err(cell_problem(&e)))?;
        }
    }
    Ok(())
}

/// The array formula ranges over the row being written, as the rows are walked in order: a
/// sheet can have thousands, and each cell is looked up among the few over its row only.
struct ArrayRows<'a> {
    /// The sheet's ranges, by first row.
    by_row: Vec<&'a ArrayRange>,
    /// The first of `by_row` not yet reached.
    next: usize,
    /// The ranges over the current row.
    over: Vec<&'a ArrayRange>,
}

impl<'a> ArrayRows<'a> {
    fn new(ranges: &'a [ArrayRange]) -> ArrayRows<'a> {
        let mut by_row: Vec<&ArrayRange> = ranges.iter().collect();
        by_row.sort_by_key(|a| a.first_row);
        ArrayRows {
            by_row,
            next: 0,
            over: Vec::new(),
        }
    }

    /// Move on to `row` (rows ascending).
    fn move_to(&mut self, row: u32) {
        self.over.retain(|a| a.last_row >= row);
        while let Some(&a) = self.by_row.get(self.next).filter(|a| a.first_row <= row) {
            if a.last_row >= row {
                self.over.push(a);
            }
            self.next += 1;
        }
    }

    /// The range whose top-left cell is (`row`, `col`) of the current row.
    fn anchored_at(&self, row: u32, col: u32) -> Option<&'a ArrayRange> {
        self.over
            .iter()
            .find(|a| (a.first_row, a.first_col) == (row, col))
            .copied()
    }

    /// Whether column `col` of the current row is inside a range: a cell there without a
    /// formula (any but the top-left one, or that one in a range no formula anchors) holds a
    /// cached result.
    fn covers(&self, col: u32) -> bool {
        self.over
            .iter()
            .any(|a| (a.first_col..=a.last_col).contains(&col))
    }
}

/// Write the array formula `formula` over `array`, its top-left cell in row `out_row` (the
/// rows above it deleted, if any, taken off). The other cells of the range get a placeholder
/// result.
fn write_array(
    ws: &mut Worksheet,
    array: &ArrayRange,
    out_row: u32,
    formula: Formula,
) -> Result<(), XlsxError> {
    let col = |c: u32| u16::try_from(c).map_err(|_| XlsxError::RowColumnLimitError);
    let (first_col, last_col) = (col(array.first_col)?, col(array.last_col)?);
    let last_row = out_row + (array.last_row - array.first_row);
    if array.dynamic {
        ws.write_dynamic_array_formula(out_row, first_col, last_row, last_col, formula)?;
    } else {
        ws.write_array_formula(out_row, first_col, last_row, last_col, formula)?;
    }
    Ok(())
}

fn write_text(ws: &mut Worksheet, row: u32, col: u32, text: &str) -> Result<(), XlsxError> {
    let col = u16::try_from(col).map_err(|_| XlsxError::RowColumnLimitError)?;
    ws.write_string(row, col, text)?;
    Ok(())
}

fn write_value(
    ws: &mut Worksheet,
    row: u32,
    col: u32,
    value: &Data,
    f: &Formats,
) -> Result<(), XlsxError> {
    if let Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) = value {
        return write_text(ws, row, col, s);
    }
    let col = u16::try_from(col).map_err(|_| XlsxError::RowColumnLimitError)?;
    match value {
        Data::Empty | Data::String(_) | Data::DateTimeIso(_) | Data::DurationIso(_) => {}
        Data::Float(v) => {
            ws.write_number(row, col, *v)?;
        }
        Data::Int(v) => {
            ws.write_number(row, col, *v as f64)?;
        }
        Data::Bool(v) => {
            ws.write_boolean(row, col, *v)?;
        }
        Data::DateTime(dt) => {
            // A workbook in the 1904 date system is rebuilt in the 1900 system.
            let serial = crate::workbook::serial_1900(dt);
            let format = if dt.is_duration() {
                &f.duration
            } else if serial.fract() == 0.0 {
                &f.date
            } else {
                &f.datetime
            };
            ws.write_number_with_format(row, col, serial, format)?;
        }
        Data::Error(e) => {
            // rust_xlsxwriter has no error cells; a formula that evaluates to the same error
            // shows and calculates the same.
            let text = e.to_string();
            ws.write_formula(row, col, Formula::new(format!("={text}")).set_result(text))?;
        }
    }
    Ok(())
}

fn cached_text(value: &Data) -> String {
    match value {
        Data::Empty => String::new(),
        Data::Bool(true) => "TRUE".into(),
        Data::Bool(false) => "FALSE".into(),
        Data::DateTime(dt) => crate::workbook::serial_1900(dt).to_string(),
        other => other.to_string(),
    }
}

fn cell_problem(e: &XlsxError) -> &'static str {
    match e {
        XlsxError::MaxStringLengthExceeded => "text longer than Excel's 32,767-character limit",
        XlsxError::RowColumnLimitError => "cell beyond Excel's row or column limit",
        _ => "Excel cannot hold this cell",
    }
}

/// A rust_xlsxwriter error described without any cell content.
fn describe(e: &XlsxError) -> WriteError {
    match e {
        XlsxError::IoError(io) => WriteError::Output(io.kind()),
        XlsxError::ZipError(_) => WriteError::Rebuild {
            what: "the zip could not be built",
        },
        _ => WriteError::Rebuild {
            what: "the workbook could not be assembled",
        },
    }
}

#[cfg(test)]
mod tests {
    use crate::testdata::{self, Options};

    /// Rebuilt with no change, an array formula stays one over the same range (a dynamic one
    /// dynamic), its cached results kept, as the lossless writer keeps them then.
    #[test]
    fn an_unchanged_array_formula_keeps_its_range_and_results() {
        for dynamic in [false, true] {
            let planted = testdata::catalogue::array_formula_sheet(dynamic);
            let book = crate::xlsx::read(&planted.xlsx).unwrap();
            let mut out = Vec::new();
            super::write(&book, &[], 3, &mut out).unwrap();
            let rebuilt = crate::xlsx::read(&out).unwrap();
            let (before, after) = (&book.sheets[2], &rebuilt.sheets[2]);
            assert_eq!(after.name, "Calc");
            assert_eq!(after.layout.array_ranges, before.layout.array_ranges);
            assert_eq!(after.layout.array_ranges[0].dynamic, dynamic);
            assert_eq!(after.cells, before.cells, "dynamic {dynamic}");
            assert_eq!(after.formula(1, 0), before.formula(1, 0));
        }
    }

    /// The rebuilt workbook is deflated at the level given: the same cells, a tighter level a
    /// smaller file.
    #[test]
    fn the_rebuild_deflates_at_the_level_given() {
        let export = testdata::disabled_users(&Options {
            rows: 300,
            ..Options::default()
        });
        let book = crate::xlsx::read(&export.to_xlsx()).unwrap();
        let rebuilt = |level: u8| {
            let mut out = Vec::new();
            super::write(&book, &[], level, &mut out).unwrap();
            out
        };
        let (fast, tight) = (rebuilt(1), rebuilt(9));
        assert!(tight.len() < fast.len(), "{} {}", tight.len(), fast.len());
        let (fast, tight) = (
            crate::xlsx::read(&fast).unwrap(),
            crate::xlsx::read(&tight).unwrap(),
        );
        assert_eq!(fast.sheets.len(), book.sheets.len());
        for ((a, b), original) in fast.sheets.iter().zip(&tight.sheets).zip(&book.sheets) {
            assert_eq!(a.cells, b.cells, "{}", a.name);
            assert_eq!(a.cells.get_size(), original.cells.get_size(), "{}", a.name);
        }
    }
}
