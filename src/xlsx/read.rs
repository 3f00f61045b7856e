//! Read an `.xlsx` into a [`Workbook`] with calamine, plus the layout calamine does not expose.

use super::package::{self, Scan};
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
    // Readers differ on which of two entries of one name they read, and none reads the data of
    // a folder entry: what one of them holds would be copied unread, and unsearched.
    if zip.has_duplicate_names() {
        return Err(ReadError::CorruptWorkbook("two entries of the zip have one name").into());
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|_| ReadError::CorruptWorkbook("a zip entry cannot be read"))?;
        if entry.is_dir() && entry.size() > 0 {
            return Err(ReadError::CorruptWorkbook("a folder entry of the zip holds data").into());
        }
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
    /// The limits it was opened within, for a sheet whose cells are scanned later (see
    /// [`Opened::scan_whole`]) or read by a stream that checks them itself.
    pub limits: Limits,
    /// Per sheet of `book`: whether it has rows below its head (always `false` when read whole).
    pub cut: Vec<bool>,
    /// Whether any sheet has formulas (read only when the sheets are read whole).
    pub formulas: bool,
    /// The shared strings, styles and date system, when the workbook was read without
    /// calamine's reader (see [`super::direct`]).
    pub tables: Option<super::direct::Tables>,
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
    open(bytes, limits, head, Reading::direct(false, Scan::Whole))
}

/// [`open_with`] for a stream of the cells that looks at them itself and gives up on anything a
/// sheet's scan would note (`verify`'s stream of an original), each sheet cut to its head
/// scanned as `cells` says:
/// - [`Scan::Head`] for `verify`: read up to its cells only (nothing of its part after them
///   inflated), so that its cells are inflated and parsed once, by that stream, which reads
///   what follows them too (see [`package::complete_after_cells`]); the plan is then made
///   again on the whole layout, its data validations known;
/// - [`Scan::Skim`]: what precedes and follows its cells read, the cells only passed over
///   (what `verify` did before its stream read what follows the cells; the stream still takes
///   such an original).
///
/// A sheet read whole, or a workbook read with calamine, is scanned whole.
///
/// # Errors
/// As [`read_with`].
pub(crate) fn open_for_stream<'b>(
    bytes: &'b [u8],
    limits: &Limits,
    head: u32,
    cells: Scan,
) -> Result<Opened<'b>, Problem> {
    open(bytes, limits, Some(head), Reading::direct(false, cells))
}

/// [`open_with`] cut to `head` rows, keeping in its tables what a reading of every text of the
/// shared strings needs besides the texts cells show ([`super::strings::Rest`]), so that the
/// part is not read again; each sheet cut to its head scanned as `cells` says:
/// - [`Scan::Head`] for the scrub's one pass, which reads the cells strictly (see
///   [`super::stream::Pass`]) and what follows them (see
///   [`super::package::complete_after_cells`]); [`Scan::Skim`] when the pass must know the
///   data validations before it starts (see `pipeline::scrub_xlsx_stream`). A sheet the pass
///   does not read is scanned whole afterwards ([`super::stream::scan_unpassed`]);
/// - [`Scan::Whole`] for a scrub whose map has row rules, whose sheets are not passed (see
///   [`super::stream::passes`]);
/// - [`Scan::Head`] for `verify`'s walk of a scrubbed workbook, which reads the cells itself
///   and gives up on anything a sheet's scan would note (see
///   [`crate::workbook::Layout::cells_unscanned`]), so that each part is inflated and parsed
///   once, by that reading.
///
/// A sheet read whole, or a workbook read with calamine, is scanned whole.
///
/// # Errors
/// As [`read_with`].
pub(crate) fn open_keeping<'b>(
    bytes: &'b [u8],
    limits: &Limits,
    head: u32,
    cells: Scan,
) -> Result<Opened<'b>, Problem> {
    open(bytes, limits, Some(head), Reading::direct(true, cells))
}

/// How [`open`] reads a workbook.
#[derive(Clone, Copy)]
enum Reading {
    /// With calamine's reader (what tests compare the other reading with).
    #[cfg(test)]
    Calamine,
    /// Without it where the workbook allows (see [`super::direct`]); `keep` as
    /// [`open_keeping`] keeps; each sheet cut to its head scanned as `cells` says (see
    /// [`open_keeping`], [`open_for_stream`]).
    Direct { keep: bool, cells: package::Scan },
}

impl Reading {
    /// [`Reading::Direct`].
    const fn direct(keep: bool, cells: package::Scan) -> Reading {
        Reading::Direct { keep, cells }
    }
}

/// [`open_with`]; without calamine's reader where `reading` says and the workbook allows (see
/// [`super::direct`]).
fn open<'b>(
    bytes: &'b [u8],
    limits: &Limits,
    head: Option<u32>,
    reading: Reading,
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
    if let Some(what) = package::hidden_data(bytes, &mut zip)? {
        return Err(ReadError::CorruptWorkbook(what).into());
    }
    check_zip_kind(&mut zip)?;
    let parts = package::sheet_parts(&mut zip)?;
    // Each sheet's scan (one decompression of its part) runs beside the reading of the shared
    // strings and styles, and the sheets' scans beside each other.
    let (direct, mut scans) = rayon::join(
        || match reading {
            Reading::Direct { keep, .. } => super::direct::open(&mut zip.clone(), keep),
            #[cfg(test)]
            Reading::Calamine => None,
        },
        || {
            use rayon::prelude::*;
            parts
                .par_iter()
                .map(|p| {
                    let scan = match reading {
                        Reading::Direct { cells, .. } if head.is_some() => cells,
                        _ => package::Scan::Whole,
                    };
                    Some(package::scan_sheet_reading(&mut zip.clone(), &p.path, scan))
                })
                .collect::<Vec<_>>()
        },
    );
    if let Some(direct) = direct {
        if let Some(opened) =
            open_direct(bytes, &mut zip, limits, head, &parts, &mut scans, direct)?
        {
            return Ok(opened);
        }
    }
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(from_calamine)?;
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
            // calamine's reading has no walk of its own: a sheet left unscanned is scanned.
            Some(scan) if !scan.as_ref().is_ok_and(|s| s.layout.cells_unscanned) => scan?,
            // Two sheets of one name: the part is scanned again.
            _ => package::scan_sheet(&mut zip, &parts[index].path)?,
        };
        check_cells(&meta.name, &scan, limits)?;
        any_formulas |= scan.has_formulas;
        let visibility = match meta.visible {
            SheetVisible::Visible => Visibility::Visible,
            SheetVisible::Hidden => Visibility::Hidden,
            SheetVisible::VeryHidden => Visibility::VeryHidden,
        };
        let sheet_head = head.filter(|_| !is_metadata_sheet(&meta.name, visibility));
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
            visibility,
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
        limits: *limits,
        cut,
        formulas: any_formulas,
        tables: None,
    })
}

/// Whether a sheet is Dynamics' metadata sheet (very hidden, a few rows of option-set labels),
/// which is read whole: the sweep reads its labels, and a cut one would leave the whole file to
/// the slower path. A visible sheet that only has its name is cut like any other.
fn is_metadata_sheet(name: &str, visibility: Visibility) -> bool {
    name == crate::dynamics::METADATA_SHEET && visibility == Visibility::VeryHidden
}

/// The sheets too large for `limits`: what `scan` declares, and what its cells span (the grid
/// that is allocated, whatever the declaration says).
fn check_cells(name: &str, scan: &package::SheetScan, limits: &Limits) -> Result<(), Problem> {
    check_extent(
        name,
        scan.declared_cells.unwrap_or(0),
        scan.used_cells,
        limits,
    )
}

/// [`check_cells`] of a sheet that declares `declared` cells and whose cells and rows span
/// `used` (as [`package::SheetScan::used_cells`] counts them): also for a sheet whose cells
/// a stream read, which counts them itself.
pub(crate) fn check_extent(
    name: &str,
    declared: u64,
    used: u64,
    limits: &Limits,
) -> Result<(), Problem> {
    if declared.max(used) > limits.max_cells {
        let what = if declared >= used {
            format!("declares {declared} cells")
        } else {
            format!("has cells spanning {used} cells")
        };
        return Err(ReadError::TooLarge {
            what: format!("sheet '{name}' {what} (limit {})", limits.max_cells),
            flag: "--max-cells",
        }
        .into());
    }
    Ok(())
}

/// [`open_with`] without calamine's reader (see [`super::direct`]): `None`, having taken
/// nothing of `scans`, when a sheet is not read as calamine reads it, the package has formulas
/// or a scan failed.
#[allow(clippy::too_many_arguments)]
fn open_direct<'b>(
    bytes: &'b [u8],
    zip: &mut zip::ZipArchive<Cursor<&'b [u8]>>,
    limits: &Limits,
    head: Option<u32>,
    parts: &[package::SheetPart],
    scans: &mut [Option<Result<package::SheetScan, Problem>>],
    direct: super::direct::Direct,
) -> Result<Option<Opened<'b>>, Problem> {
    let super::direct::Direct { sheets, tables } = direct;
    let same_parts = sheets.len() == parts.len()
        && sheets
            .iter()
            .zip(parts)
            .all(|(s, p)| s.name == p.name && s.path == p.path);
    if !same_parts {
        return Ok(None);
    }
    // A sheet read whole is read with its scan's span, and keeps its scan's layout: one left
    // unscanned (Dynamics' metadata sheet, a few rows) is scanned whole.
    for ((sheet, part), scan) in sheets.iter().zip(parts).zip(scans.iter_mut()) {
        let whole = head.is_none() || is_metadata_sheet(&sheet.name, sheet.visibility);
        if whole && matches!(scan, Some(Ok(s)) if s.layout.cells_unscanned) {
            *scan = Some(package::scan_sheet(zip, &part.path));
        }
    }
    let scanned: Option<Vec<&package::SheetScan>> = scans
        .iter()
        .map(|s| s.as_ref().and_then(|s| s.as_ref().ok()))
        .collect();
    let Some(scanned) = scanned else {
        return Ok(None);
    };
    if scanned.iter().any(|s| s.has_formulas) {
        return Ok(None);
    }
    let mut read = Vec::with_capacity(sheets.len());
    for (sheet, scan) in sheets.iter().zip(&scanned) {
        if sheet.chart {
            read.push(None);
            continue;
        }
        check_cells(&sheet.name, scan, limits)?;
        let sheet_head = head.filter(|_| !is_metadata_sheet(&sheet.name, sheet.visibility));
        let Ok(entry) = zip.by_name(&sheet.path) else {
            return Ok(None);
        };
        let mut values =
            super::cells::CellValues::new(&tables.strings, tables.kinds.clone(), tables.is_1904);
        let cells = super::ahead::read_ahead(entry, |input| match sheet_head {
            None => super::direct::whole(input, &mut values, scan.span).map(|r| (r, false)),
            Some(rows) => super::direct::head(input, &mut values, rows),
        });
        let Some(cells) = cells else {
            return Ok(None);
        };
        read.push(Some(cells));
    }
    let mut book = Vec::with_capacity(sheets.len());
    let mut cut = Vec::with_capacity(sheets.len());
    for ((sheet, cells), scan) in sheets.into_iter().zip(read).zip(scans.iter_mut()) {
        let Some((cells, more)) = cells else {
            continue;
        };
        let scan = scan.take().ok_or(Problem::Internal)??;
        cut.push(more);
        book.push(Sheet {
            name: sheet.name,
            visibility: sheet.visibility,
            cells,
            formulas: None,
            layout: scan.layout,
            record_lengths: None,
        });
    }
    Ok(Some(Opened {
        book: Workbook {
            sheets: book,
            format: Format::Xlsx,
            created: package::created(zip),
        },
        reader: None,
        bytes,
        limits: *limits,
        cut,
        formulas: false,
        tables: Some(tables),
    }))
}

impl<'b> Opened<'b> {
    /// Scan the sheets `indices`, whose cells were left unscanned at opening
    /// ([`crate::workbook::Layout::cells_unscanned`]), whole, as [`open_with`] scans them: their
    /// layouts are then the ones that reading gives, and a formula found sets
    /// [`Opened::formulas`]. The package's directory and sheets are read once for all of them.
    ///
    /// # Errors
    /// As [`read_with`]: a part is missing or malformed, or its cells are beyond the limits.
    pub(crate) fn scan_whole(&mut self, indices: &[usize]) -> Result<(), Problem> {
        if indices.is_empty() {
            return Ok(());
        }
        let mut zip = zip::ZipArchive::new(Cursor::new(self.bytes))
            .map_err(|_| ReadError::CorruptWorkbook("the zip directory is damaged"))?;
        let parts = package::sheet_parts(&mut zip)?;
        for &index in indices {
            let sheet = self.book.sheets.get_mut(index).ok_or(Problem::Internal)?;
            let part = parts
                .iter()
                .find(|p| p.name == sheet.name)
                .ok_or(ReadError::CorruptWorkbook("a sheet has no part"))?;
            let scan = package::scan_sheet(&mut zip, &part.path)?;
            check_cells(&sheet.name, &scan, &self.limits)?;
            self.formulas |= scan.has_formulas;
            sheet.layout = scan.layout;
        }
        Ok(())
    }

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
    Ok(head_range(cells, rows, more))
}

/// The head of a sheet from its cells in rows 0 to `rows` (empty cells left out), and whether
/// it has cells below.
pub(super) fn head_range(mut cells: Vec<Cell<Data>>, rows: u32, more: bool) -> (Range<Data>, bool) {
    if more {
        // The head ends at row `rows`, whatever that row holds: an empty cell there sets the
        // bounds (when every cell is below the head, the head stays empty, and the stream
        // tells that from the whole sheet by its first row).
        if let Some(col) = cells.iter().map(|c| c.get_position().1).min() {
            // First, so that a real cell at that place takes it over.
            cells.insert(0, Cell::new((rows, col), Data::Empty));
        }
    }
    (Range::from_sparse(cells), more)
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

    /// The reading `open_with` does.
    const DIRECT: Reading = Reading::direct(false, package::Scan::Whole);

    /// Every sheet read whole is the grid calamine's `worksheet_range` gives; the workbook
    /// read whole or cut to its heads is the same without calamine's reader as with it.
    /// Whether it was read without calamine's reader.
    fn assert_read_as_calamine(bytes: &[u8]) -> bool {
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
        for head in [None, Some(0), Some(1), Some(3), Some(40)] {
            let direct = open(bytes, &Limits::default(), head, DIRECT).unwrap();
            let with_calamine = open(bytes, &Limits::default(), head, Reading::Calamine).unwrap();
            assert_same(&direct, &with_calamine);
            assert_eq!(direct.tables.is_some(), opened.tables.is_some());
        }
        opened.tables.is_some()
    }

    /// Two openings of a workbook give the same sheets.
    fn assert_same(a: &Opened<'_>, b: &Opened<'_>) {
        let describe = |o: &Opened<'_>| {
            o.book
                .sheets
                .iter()
                .map(|s| {
                    (
                        s.name.clone(),
                        s.visibility,
                        s.cells.clone(),
                        (s.cells.start(), s.cells.end()),
                        s.formulas.clone(),
                        s.layout.clone(),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(describe(a), describe(b));
        assert_eq!(a.cut, b.cut);
        assert_eq!(a.formulas, b.formulas);
        assert_eq!(a.book.created, b.book.created);
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
        let options = Options {
            rows: 300,
            extra_sheet: true,
            ..Options::default()
        };
        let export = testdata::disabled_users(&options);
        // Read without calamine's reader: Excel's layout and Dynamics' own.
        assert!(assert_read_as_calamine(&export.to_xlsx()));
        assert!(assert_read_as_calamine(&export.to_dynamics_raw_xlsx()));
        let localized =
            testdata::localized::disabled_users(testdata::localized::Language::German, &options);
        assert!(assert_read_as_calamine(&localized.to_xlsx()));
        // Formulas: calamine reads them.
        let export = testdata::disabled_users(&Options {
            formula_column: true,
            ..options
        });
        assert!(!assert_read_as_calamine(&export.to_xlsx()));
        assert!(!assert_read_as_calamine(&export.to_dynamics_raw_xlsx()));
    }

    /// A workbook of one sheet of cells `s` 0 to 5 holding numbers, whose styles part's number
    /// formats are `num_fmts` and cell formats `cell_xfs`.
    fn styled(num_fmts: &str, cell_xfs: &str) -> Vec<u8> {
        let cells: String = (0..6)
            .map(|s| {
                format!(
                    r#"<c r="{}1" s="{s}"><v>45000.25</v></c>"#,
                    (b'A' + s) as char
                )
            })
            .collect();
        let xlsx = raw(&format!(
            r#"<sheetData><row r="1">{cells}</row></sheetData>"#
        ));
        testdata::edit_part(&xlsx, "xl/styles.xml", |_| {
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{num_fmts}<fonts count="1"><font><sz val="11"/></font></fonts><cellXfs count="6">{cell_xfs}</cellXfs></styleSheet>"#
            )
        })
    }

    #[test]
    fn number_formats_tell_dates_as_calamine_tells_them() {
        let num_fmts = r#"<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy\-mm\-dd"/><numFmt numFmtId="165" formatCode="0.00&quot;h&quot;"/><numFmt numFmtId="166" formatCode="[h]:mm:ss"/></numFmts>"#;
        let cases = [
            // Custom date, custom number, custom duration, built-in date, built-in duration,
            // built-in number.
            r#"<xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="166"/><xf numFmtId="14"/><xf numFmtId="46"/><xf numFmtId="2"/>"#,
            // An id written otherwise than calamine's table has it, no id, a record with a
            // body, empty records.
            r#"<xf numFmtId="014"/><xf/><xf numFmtId="22" applyNumberFormat="1"><alignment horizontal="left"/></xf><xf numFmtId="47"></xf><xf numFmtId="164"/><xf numFmtId="0"/>"#,
        ];
        for cell_xfs in cases {
            for formats in [num_fmts, ""] {
                assert!(
                    assert_read_as_calamine(&styled(formats, cell_xfs)),
                    "{cell_xfs}"
                );
            }
        }
    }

    #[test]
    fn sheet_states_names_and_dates_read_as_calamine_reads_them() {
        let data = r#"<sheetData><row r="1"><c r="A1" s="1"><v>45000</v></c></row></sheetData>"#;
        let book = RawBook {
            date1904: true,
            sheets: vec![
                ("Users & Teams".into(), data.into()),
                ("Old".into(), data.into()),
                ("hiddenSheet".into(), data.into()),
            ],
            shared_strings: None,
        }
        .to_xlsx();
        let book = testdata::edit_part(&book, "xl/workbook.xml", |xml| {
            xml.unwrap_or_default()
                .replace(r#"name="Old""#, r#"name="Old" state="hidden""#)
                .replace(
                    r#"name="hiddenSheet""#,
                    r#"name="hiddenSheet" state="veryHidden""#,
                )
        });
        assert!(assert_read_as_calamine(&book));
        let opened = open_with(&book, &Limits::default(), Some(5)).unwrap();
        let states: Vec<_> = opened.book.sheets.iter().map(|s| s.visibility).collect();
        assert_eq!(
            states,
            [
                Visibility::Visible,
                Visibility::Hidden,
                Visibility::VeryHidden
            ]
        );
        // A state calamine refuses: its error, as before.
        let odd = testdata::edit_part(&book, "xl/workbook.xml", |xml| {
            xml.unwrap_or_default().replace("veryHidden", "unseen")
        });
        let direct = open(&odd, &Limits::default(), None, DIRECT)
            .err()
            .map(|e| e.to_string());
        let theirs = open(&odd, &Limits::default(), None, Reading::Calamine)
            .err()
            .map(|e| e.to_string());
        assert!(direct.is_some());
        assert_eq!(direct, theirs);
        // A chart sheet holds no cells: left out either way.
        let chart = testdata::edit_part(&book, "xl/_rels/workbook.xml.rels", |xml| {
            xml.unwrap_or_default()
                .replacen("/worksheet\"", "/chartsheet\"", 1)
        });
        assert!(assert_read_as_calamine(&chart));
        let opened = open_with(&chart, &Limits::default(), None).unwrap();
        assert_eq!(opened.book.sheets.len(), 2);
    }

    #[test]
    fn shared_strings_read_as_calamine_reads_them() {
        let items = [
            "<si><t>Zoë Müller</t></si>",
            r#"<si><t xml:space="preserve"> padded </t></si>"#,
            "<si><t>\n trimmed \n</t></si>",
            "<si><r><t>Ri</t></r><r><t>ch</t></r><rPh><t>ふり</t></rPh></si>",
            "<si><t>Tom &amp; _x0041_</t></si>",
            "<si><t>a\r\nb</t></si>",
            "<si/>",
            "<si><t/></si>",
            "<si><t></t></si>",
        ];
        let cells: String = (0..items.len())
            .map(|i| {
                format!(
                    r#"<c r="{}1" t="s"><v>{i}</v></c>"#,
                    (b'A' + i as u8) as char
                )
            })
            .collect();
        let book = |items: Vec<String>| {
            RawBook {
                sheets: vec![(
                    "S".into(),
                    format!(r#"<sheetData><row r="1">{cells}</row></sheetData>"#),
                )],
                shared_strings: Some(items),
                ..RawBook::default()
            }
            .to_xlsx()
        };
        // Read without calamine's reader.
        assert!(assert_read_as_calamine(&book(
            items.iter().map(|s| s.to_string()).collect()
        )));
        // A comment between items: left to calamine, which skips it.
        let mut commented: Vec<String> = items.iter().map(|s| s.to_string()).collect();
        commented[3] = format!("<!-- <si><t>x</t></si> -->{}", commented[3]);
        assert!(!assert_read_as_calamine(&book(commented)));
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
            // What calamine reads (without its reader, or with it when in doubt): a comment
            // among the cells, a lower-case reference, a row without one, a cell of another
            // row, a formula, rich and escaped text.
            r#"<sheetData><row r="1"><c r="A1"><v>1</v></c><!-- x --><c r="B1"><v>2</v></c></row></sheetData>"#,
            r#"<sheetData><row r="1"><c r="a1"><v>1</v></c></row></sheetData>"#,
            r#"<sheetData><row><c r="A1"><v>1</v></c></row></sheetData>"#,
            r#"<sheetData><row r="1"><c r="A2"><v>1</v></c></row></sheetData>"#,
            r#"<sheetData><row r="1"><c r="A1"><f>1+1</f><v>2</v></c></row></sheetData>"#,
            r#"<!-- <row r="9"> --><sheetData><row r="1"><c r="A1" t="inlineStr"><is><r><t>Ri</t></r><r><t xml:space="preserve">ch _x0041_ &amp; </t></r></is></c></row></sheetData>"#,
        ];
        for case in cases {
            assert_read_as_calamine(&raw(case));
        }
        // On several threads too (the values read in batches beside the parser, see
        // `direct::whole`): a place written twice keeps its last value.
        for threads in [2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            for case in cases {
                pool.install(|| assert_read_as_calamine(&raw(case)));
            }
        }
    }

    /// A sheet read whole on several threads, its values read in batches beside the parser
    /// and put into the grid in order, is the one read on one thread, and calamine's: in the
    /// layout Excel writes and in the one Dynamics writes.
    #[test]
    fn a_sheet_read_whole_on_several_threads_is_the_one_calamine_reads() {
        let export = crate::testdata::disabled_users(&crate::testdata::Options {
            rows: 200,
            ..Default::default()
        });
        for bytes in [export.to_xlsx(), export.to_dynamics_raw_xlsx()] {
            let on = |threads: usize| {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                pool.install(|| {
                    assert!(assert_read_as_calamine(&bytes), "read without calamine");
                    read_with(&bytes, &Limits::default()).unwrap()
                })
            };
            let one = on(1);
            assert!(one.sheets[0].cells.height() > 200);
            for threads in [2, 4] {
                let several = on(threads);
                assert_eq!(several.sheets.len(), one.sheets.len());
                for (a, b) in several.sheets.iter().zip(&one.sheets) {
                    assert_eq!(a.cells, b.cells, "{threads} threads, sheet '{}'", a.name);
                }
            }
        }
    }
}
