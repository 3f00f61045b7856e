//! Read an `.xlsx` into a [`Workbook`] with calamine, plus the layout calamine does not expose.

use super::package;
use crate::error::{Problem, ReadError};
use crate::workbook::{Format, Sheet, Visibility, Workbook};
use calamine::{Cell, Data, DataType, Range, Reader, SheetType, SheetVisible, Xlsx, XlsxError};
use std::io::Cursor;

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Limits checked before anything is decompressed, so a zip bomb or an absurd sheet is refused
/// instead of exhausting memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Total uncompressed size of all entries, in bytes.
    pub max_unpacked: u64,
    /// Largest uncompressed/compressed ratio of an entry over 1 MiB.
    pub max_ratio: u64,
    /// Most entries in the package.
    pub max_entries: usize,
    /// Most cells a sheet's declared dimension may span (rows x columns), since the whole grid
    /// is held in memory.
    pub max_cells: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_unpacked: 2 << 30,
            max_ratio: 200,
            max_entries: 10_000,
            max_cells: 100_000_000,
        }
    }
}

/// Read a workbook from its bytes, with the default [`Limits`].
///
/// # Errors
/// A [`Problem`] that says what is wrong with the file without quoting its content.
pub fn read(bytes: &[u8]) -> Result<Workbook, Problem> {
    read_with(bytes, &Limits::default())
}

/// Check the zip's central directory against `limits`.
fn check_package<R: std::io::Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    limits: &Limits,
) -> Result<(), Problem> {
    if zip.len() > limits.max_entries {
        return Err(ReadError::TooLarge {
            what: format!(
                "the package has {} entries (limit {})",
                zip.len(),
                limits.max_entries
            ),
            flag: "--max-entries",
        }
        .into());
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|_| ReadError::CorruptWorkbook("a zip entry cannot be read"))?;
        let (size, packed) = (entry.size(), entry.compressed_size().max(1));
        total = total.saturating_add(size);
        if size > 1 << 20 && size / packed > limits.max_ratio {
            return Err(ReadError::TooLarge {
                what: format!(
                    "a part inflates {}:1 (limit {}:1), like a zip bomb",
                    size / packed,
                    limits.max_ratio
                ),
                flag: "--max-ratio",
            }
            .into());
        }
    }
    if total > limits.max_unpacked {
        return Err(ReadError::TooLarge {
            what: format!(
                "the package unpacks to {} (limit {})",
                size(total),
                size(limits.max_unpacked)
            ),
            flag: "--max-unpacked",
        }
        .into());
    }
    Ok(())
}

/// A size in MiB, or in KiB or bytes when it is smaller.
fn size(n: u64) -> String {
    match n {
        n if n >= 1 << 20 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    }
}

/// Read a workbook from its bytes, refusing packages beyond `limits`.
///
/// # Errors
/// A [`Problem`] that says what is wrong with the file without quoting its content.
pub fn read_with(bytes: &[u8], limits: &Limits) -> Result<Workbook, Problem> {
    open_with(bytes, limits, None).map(|opened| opened.book)
}

/// A workbook opened for reading: its sheets (whole, or their first rows), and the reader that
/// streams their cells.
pub(crate) struct Opened<'b> {
    /// The sheets, whole or cut to their head (see [`open_with`]).
    pub book: Workbook,
    /// calamine's reader, with the shared strings and styles already parsed; `None` once let
    /// go (see [`Opened::reader`]).
    pub reader: Option<Xlsx<Cursor<&'b [u8]>>>,
    /// The workbook's bytes, to open the reader again.
    pub bytes: &'b [u8],
    /// Per sheet of `book`: whether it has rows below its head (always `false` when read whole).
    pub cut: Vec<bool>,
    /// Whether any sheet has formulas (read only when the sheets are read whole).
    pub formulas: bool,
}

/// [`read_with`], keeping the reader; with `head`, each sheet holds only the header row and
/// the `head` rows below it (the cells beyond are left for [`Opened::reader`] to stream), and
/// formulas are not read. A cut sheet ends at row `head` (0-based), whatever that row holds, so
/// that its height is what the whole sheet's height is up to that row.
///
/// # Errors
/// As [`read_with`].
pub(crate) fn open_with<'b>(
    bytes: &'b [u8],
    limits: &Limits,
    head: Option<u32>,
) -> Result<Opened<'b>, Problem> {
    if bytes.starts_with(OLE_MAGIC) {
        return Err(ole_problem(bytes));
    }
    if !bytes.starts_with(ZIP_MAGIC) {
        return Err(ReadError::NotZip.into());
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|_| ReadError::CorruptWorkbook("the zip directory is damaged"))?;
    check_package(&mut zip, limits)?;
    check_zip_kind(&mut zip)?;
    let parts = package::sheet_parts(&mut zip)?;
    // Each sheet's scan (one decompression of its part) runs beside calamine's reading of the
    // shared strings and styles, and the sheets' scans beside each other.
    let (book, mut scans) = rayon::join(
        || Xlsx::new(Cursor::new(bytes)).map_err(from_calamine),
        || {
            use rayon::prelude::*;
            parts
                .par_iter()
                .map(|p| Some(package::scan_sheet(&mut zip.clone(), &p.path)))
                .collect::<Vec<_>>()
        },
    );
    let mut book: Xlsx<_> = book?;
    let metadata = book.sheets_metadata().to_vec();
    let mut sheets = Vec::with_capacity(metadata.len());
    let mut cut = Vec::with_capacity(metadata.len());
    let mut any_formulas = false;
    for meta in metadata {
        match meta.typ {
            SheetType::WorkSheet => {}
            // A chart sheet holds no cells: the lossless writer copies it byte for byte, and
            // the plan never sees it.
            SheetType::ChartSheet => continue,
            _ => return Err(ReadError::MacroSheet(meta.name).into()),
        }
        let index = parts
            .iter()
            .position(|p| p.name == meta.name)
            .ok_or(ReadError::CorruptWorkbook("a sheet has no part"))?;
        let scan = match scans[index].take() {
            Some(scan) => scan?,
            // Two sheets of one name: the part is scanned again.
            None => package::scan_sheet(&mut zip, &parts[index].path)?,
        };
        // What the sheet declares, and what its cells span (the grid calamine allocates,
        // whatever the declaration says).
        let declared = scan.declared_cells.unwrap_or(0);
        if declared.max(scan.used_cells) > limits.max_cells {
            let what = if declared >= scan.used_cells {
                format!("declares {declared} cells")
            } else {
                format!("has cells spanning {} cells", scan.used_cells)
            };
            return Err(ReadError::TooLarge {
                what: format!("sheet '{}' {what} (limit {})", meta.name, limits.max_cells),
                flag: "--max-cells",
            }
            .into());
        }
        any_formulas |= scan.has_formulas;
        // Dynamics' metadata sheet (very hidden, a few rows of option-set labels) is read
        // whole: the sweep reads its labels, and a cut one would leave the whole file to the
        // slower path. A visible sheet that only has its name is cut like any other.
        let metadata_sheet = meta.name == crate::dynamics::METADATA_SHEET
            && meta.visible == SheetVisible::VeryHidden;
        let sheet_head = head.filter(|_| !metadata_sheet);
        let (cells, more) = match sheet_head {
            None => (read_whole(&mut book, &meta.name, scan.span)?, false),
            Some(rows) => read_head(&mut book, &meta.name, rows)?,
        };
        let formulas = if scan.has_formulas && head.is_none() {
            Some(book.worksheet_formula(&meta.name).map_err(from_calamine)?)
        } else {
            None
        };
        cut.push(more);
        sheets.push(Sheet {
            name: meta.name,
            visibility: match meta.visible {
                SheetVisible::Visible => Visibility::Visible,
                SheetVisible::Hidden => Visibility::Hidden,
                SheetVisible::VeryHidden => Visibility::VeryHidden,
            },
            cells,
            formulas,
            layout: scan.layout,
            record_lengths: None,
        });
    }
    Ok(Opened {
        book: Workbook {
            sheets,
            format: Format::Xlsx,
            created: package::created(&mut zip),
        },
        reader: Some(book),
        bytes,
        cut,
        formulas: any_formulas,
    })
}

impl<'b> Opened<'b> {
    /// calamine's reader (the [`Opened::reader`] of an opened workbook of `bytes`), opened again
    /// when it was let go: its shared strings are tens of MB in a large export, which the
    /// streaming engine lets go when it reads the cells itself.
    ///
    /// # Errors
    /// When the workbook cannot be opened again.
    pub fn reader<'r>(
        reader: &'r mut Option<Xlsx<Cursor<&'b [u8]>>>,
        bytes: &'b [u8],
    ) -> Result<&'r mut Xlsx<Cursor<&'b [u8]>>, Problem> {
        if reader.is_none() {
            *reader = Some(Xlsx::new(Cursor::new(bytes)).map_err(from_calamine)?);
        }
        reader.as_mut().ok_or(Problem::Internal)
    }
}

/// A sheet's cells, as `worksheet_range` reads them (empty cells left out, the range fitted to
/// the others), put straight into a grid of `span` (what the sheet's `r` attributes name, see
/// [`package::SheetScan::span`]): calamine's own read first gathers every cell in a list and
/// then copies them into the grid, which holds a large sheet's cells twice.
fn read_whole<RS: std::io::Read + std::io::Seek>(
    book: &mut Xlsx<RS>,
    name: &str,
    span: Option<((u32, u32), (u32, u32))>,
) -> Result<Range<Data>, Problem> {
    let Some((first, last)) = span else {
        return book.worksheet_range(name).map_err(from_calamine);
    };
    let mut grid: Range<Data> = Range::new(first, last);
    let mut used: Option<((u32, u32), (u32, u32))> = None;
    {
        let mut reader = book.worksheet_cells_reader(name).map_err(from_calamine)?;
        let mut outside = false;
        while let Some(cell) = reader.next_cell().map_err(from_calamine)? {
            if cell.get_value().is_empty() {
                continue;
            }
            let (r, c) = cell.get_position();
            if r < first.0 || r > last.0 || c < first.1 || c > last.1 {
                // A cell without a reference, placed by calamine beyond what the scan saw.
                outside = true;
                break;
            }
            grid.set_value((r, c), Data::from(cell.get_value().clone()));
            used = Some(match used {
                None => ((r, c), (r, c)),
                Some(((r0, c0), (r1, c1))) => ((r0.min(r), c0.min(c)), (r1.max(r), c1.max(c))),
            });
        }
        if outside {
            drop(reader);
            return book.worksheet_range(name).map_err(from_calamine);
        }
    }
    Ok(match used {
        None => Range::empty(),
        Some(bounds) if bounds == (first, last) => grid,
        // Rows or columns at the edges that hold only empty cells: cut to the others.
        Some((start, end)) => grid.range(start, end),
    })
}

/// The cells of a sheet's rows 0 to `rows` (as `worksheet_range` reads them: empty cells left
/// out), and whether the sheet has cells below. A sheet with cells below ends at row `rows`.
fn read_head<RS: std::io::Read + std::io::Seek>(
    book: &mut Xlsx<RS>,
    name: &str,
    rows: u32,
) -> Result<(Range<Data>, bool), Problem> {
    let mut reader = book.worksheet_cells_reader(name).map_err(from_calamine)?;
    let mut cells = Vec::new();
    let mut more = false;
    while let Some(cell) = reader.next_cell().map_err(from_calamine)? {
        if cell.get_value().is_empty() {
            continue;
        }
        if cell.get_position().0 > rows {
            more = true;
            break;
        }
        let (pos, value) = (cell.get_position(), Data::from(cell.get_value().clone()));
        cells.push(Cell::new(pos, value));
    }
    if more {
        // The head ends at row `rows`, whatever that row holds: an empty cell there sets the
        // bounds (when every cell is below the head, the head stays empty, and the stream
        // tells that from the whole sheet by its first row).
        if let Some(col) = cells.iter().map(|c| c.get_position().1).min() {
            // First, so that a real cell at that place takes it over.
            cells.insert(0, Cell::new((rows, col), Data::Empty));
        }
    }
    let range = Range::from_sparse(cells);
    Ok((range, more))
}

/// Legacy `.xls` and password-protected `.xlsx` are both OLE compound files; the names of their
/// streams (UTF-16LE in the compound file's directory) tell them apart.
fn ole_problem(bytes: &[u8]) -> Problem {
    let has_stream = |name: &str| {
        let utf16: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
        memchr::memmem::find(bytes, &utf16).is_some()
    };
    if has_stream("EncryptedPackage") || has_stream("EncryptionInfo") {
        ReadError::Encrypted.into()
    } else if has_stream("Workbook") || has_stream("Book") {
        ReadError::OtherFormat("a legacy Excel 97-2003 workbook (.xls) renamed to .xlsx").into()
    } else {
        ReadError::LegacyOrEncrypted.into()
    }
}

/// A zip that is some other package (an `.xlsb`, `.ods`, `.docx` renamed to `.xlsx`) gets its
/// own message instead of "missing part".
fn check_zip_kind<R: std::io::Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
) -> Result<(), Problem> {
    let has = |zip: &zip::ZipArchive<R>, name: &str| zip.index_for_name(name).is_some();
    if has(zip, "xl/workbook.bin") {
        return Err(
            ReadError::OtherFormat("an Excel Binary workbook (.xlsb) renamed to .xlsx").into(),
        );
    }
    if has(zip, "mimetype") && has(zip, "content.xml") {
        return Err(
            ReadError::OtherFormat("an OpenDocument spreadsheet (.ods) renamed to .xlsx").into(),
        );
    }
    if !has(zip, "[Content_Types].xml") || !has(zip, "_rels/.rels") {
        return Err(ReadError::NotWorkbook.into());
    }
    Ok(())
}

/// Describe a calamine error without its text, which can quote cell content.
pub(crate) fn from_calamine(e: XlsxError) -> Problem {
    Problem::from(match e {
        XlsxError::Io(io) => ReadError::Io(io.kind()),
        XlsxError::Zip(_) => ReadError::CorruptWorkbook("the zip is damaged"),
        XlsxError::Password => ReadError::Encrypted,
        XlsxError::FileNotFound(part) => ReadError::MissingPart(part),
        XlsxError::Xml(_)
        | XlsxError::XmlAttr(_)
        | XlsxError::XmlEof(_)
        | XlsxError::UnexpectedNode(_)
        | XlsxError::Unexpected(_)
        | XlsxError::Encoding(_) => ReadError::CorruptWorkbook("malformed XML"),
        XlsxError::Parse(_) | XlsxError::ParseFloat(_) | XlsxError::ParseInt(_) => {
            ReadError::CorruptWorkbook("a cell value cannot be parsed")
        }
        _ => ReadError::CorruptWorkbook("unexpected workbook structure"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::{self, Options, RawBook};

    /// Every sheet read whole is the grid calamine's `worksheet_range` gives.
    fn assert_read_as_calamine(bytes: &[u8]) {
        let opened = open_with(bytes, &Limits::default(), None).unwrap();
        let mut calamine: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        assert!(!opened.book.sheets.is_empty());
        for sheet in &opened.book.sheets {
            let theirs = calamine.worksheet_range(&sheet.name).unwrap();
            assert_eq!(sheet.cells, theirs, "sheet '{}'", sheet.name);
            assert_eq!(
                (sheet.cells.start(), sheet.cells.end()),
                (theirs.start(), theirs.end())
            );
        }
    }

    fn raw(sheet_data: &str) -> Vec<u8> {
        RawBook {
            sheets: vec![("S".into(), sheet_data.into())],
            shared_strings: Some(vec!["<si><t>shared</t></si>".into()]),
            ..RawBook::default()
        }
        .to_xlsx()
    }

    #[test]
    fn generated_exports_read_whole_as_calamine_reads_them() {
        let export = testdata::disabled_users(&Options {
            rows: 300,
            formula_column: true,
            extra_sheet: true,
            ..Options::default()
        });
        assert_read_as_calamine(&export.to_xlsx());
        assert_read_as_calamine(&export.to_dynamics_raw_xlsx());
    }

    #[test]
    fn odd_sheets_read_whole_as_calamine_reads_them() {
        let cases = [
            // Rows and cells at the edges that hold only empty cells: the grid is cut to the rest.
            r#"<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>x</t></is></c></row><row r="2"><c r="A2"><v>1.5</v></c></row><row r="3"><c r="A3" s="1"/><c r="D3" s="1"/></row></sheetData>"#,
            // Cells away from A1.
            r#"<sheetData><row r="3"><c r="C3"><v>1</v></c></row><row r="5"><c r="E5" t="b"><v>1</v></c></row></sheetData>"#,
            // Cells without a reference, placed by calamine beyond what the references name.
            r#"<sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c><v>1</v></c><c><v>2</v></c><c><v>3</v></c></row></sheetData>"#,
            // Rows out of order, and a place written twice: the last value stays.
            r#"<sheetData><row r="2"><c r="B2"><v>2</v></c></row><row r="1"><c r="A1"><v>1</v></c><c r="A1"><v>9</v></c></row></sheetData>"#,
            // Only empty cells, and no cells at all.
            r#"<sheetData><row r="1"><c r="A1" s="1"/></row></sheetData>"#,
            r#"<sheetData/>"#,
            // A date (style 1) and an error.
            r#"<sheetData><row r="1"><c r="A1" s="1"><v>45000</v></c><c r="B1" t="e"><v>#N/A</v></c></row></sheetData>"#,
        ];
        for case in cases {
            assert_read_as_calamine(&raw(case));
        }
    }
}
