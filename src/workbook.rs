//! The in-memory form of an input: sheets of typed cells, read from `.xlsx` or `.csv`.

use crate::dynamics::{
    looks_like_checksum, looks_like_datetime_text, looks_like_guid, Metadata, ProtectedShape,
    METADATA_SHEET, SHAPE_ROWS,
};
use calamine::{Data, ExcelDateTime, ExcelDateTimeType, Range};

/// Days between the 1900 and the 1904 date systems' day zero.
const DAYS_1900_TO_1904: f64 = 1462.0;

/// A date's serial number in the 1900 date system (what rust_xlsxwriter writes), whatever date
/// system its workbook uses. Durations count from no epoch and stay as they are.
pub fn serial_1900(dt: &ExcelDateTime) -> f64 {
    let value = dt.as_f64();
    let in_1904 =
        !dt.is_duration() && *dt != ExcelDateTime::new(value, ExcelDateTimeType::DateTime, false);
    if in_1904 {
        value + DAYS_1900_TO_1904
    } else {
        value
    }
}

/// Sheet visibility as Excel stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Shown as a tab.
    Visible,
    /// Hidden; a user can unhide it.
    Hidden,
    /// Hidden so that only code can unhide it (Dynamics' `hiddenSheet`).
    VeryHidden,
}

/// One `<col>` entry of a worksheet: width and hidden flag of a span of columns.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnLayout {
    /// First column, zero-based.
    pub first: u32,
    /// Last column, zero-based, inclusive.
    pub last: u32,
    /// Width in Excel's character units, as stored.
    pub width: Option<f64>,
    /// Whether the columns are hidden.
    pub hidden: bool,
}

/// What the rebuild writer keeps of a worksheet besides its cells.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layout {
    /// The sheet's code name (`dataSheet`, `hiddenDataSheet` in Dynamics exports).
    pub code_name: Option<String>,
    /// Column widths and hidden columns.
    pub columns: Vec<ColumnLayout>,
    /// What the sheet's data validations say about each column (zero-based): required,
    /// maximum length. Empty for CSV.
    pub field_rules: std::collections::BTreeMap<u32, crate::dynamics::ColumnRules>,
    /// The worksheet's XML without its cells: what precedes `<sheetData>`, the XML comments and
    /// processing instructions among the cells, and what follows `</sheetData>` (hyperlinks,
    /// headers and footers, validations, ...), as in the file. The leak sweep searches it.
    /// Empty for CSV.
    pub markup: Vec<u8>,
    /// Where the cells were in [`Layout::markup`]: the length of what precedes `<sheetData>`
    /// there, and that start tag as written (`<sheetData>`, `<x:sheetData>`, `<sheetData/>` for
    /// a sheet without cells). `None` for a worksheet without one, and for CSV.
    pub cells_at: Option<(usize, Vec<u8>)>,
    /// The array and spill formula ranges: only the top-left cell has the formula, the others
    /// hold its cached results.
    pub array_ranges: Vec<ArrayRange>,
    /// Whether the cells hold XML that no reader reads (comments, processing instructions,
    /// unknown elements or attributes: see [`Layout::markup`]), so that a search of the cells
    /// as read misses some of their text.
    pub unread_cells: bool,
    /// Whether the cells were left unread when the sheet was opened, for a reading that looks
    /// at them itself and gives up on anything the scan would note (`verify`'s walk of a
    /// scrubbed sheet, its stream of an original): [`Layout::array_ranges`] and
    /// [`Layout::unread_cells`] then say nothing of the cells, and [`Layout::markup`] holds
    /// what precedes `<sheetData>` and, when the scan skimmed to the part's end for the data
    /// validations (an original's, which the plan needs), what follows the cells; else
    /// nothing after them, and [`Layout::field_rules`] are not read.
    pub cells_unscanned: bool,
}

impl Layout {
    /// The worksheet's XML with what is inside `<sheetData>` left out, byte for byte as in the
    /// file, when all the text in there is what the cell readers read (see
    /// [`Layout::unread_cells`]); `None` when it holds more, or the sheet has no `<sheetData>`.
    pub fn without_cells(&self) -> Option<Vec<u8>> {
        if self.cells_unscanned {
            return None;
        }
        let (before, tag, after) = self.around_cells()?;
        Some([before, tag, after].concat())
    }

    /// What precedes the cells, with the start tag of `<sheetData>` as written, of a sheet
    /// whose cells were left unread at opening ([`Layout::cells_unscanned`]), for the reading
    /// of the cells to add what follows them; `None` for any other sheet, and where the tag
    /// holds text no reader reads.
    pub fn before_cells(&self) -> Option<Vec<u8>> {
        if !self.cells_unscanned {
            return None;
        }
        let (before, tag, _) = self.around_cells()?;
        Some([before, tag].concat())
    }

    /// What follows the cells (from the end tag of `<sheetData>` on) of a sheet whose cells
    /// were left unread at opening ([`Layout::cells_unscanned`]), as that scan read it: the
    /// reading of the cells must find them ending there (empty when the scan stopped at the
    /// cells). `None` for any other sheet, and for one without `<sheetData>`.
    pub fn after_cells(&self) -> Option<&[u8]> {
        if !self.cells_unscanned {
            return None;
        }
        let (at, _) = self.cells_at.as_ref()?;
        Some(self.markup.get(*at..).unwrap_or_default())
    }

    /// Whether the sheet was read at opening up to its cells only: nothing after them read,
    /// its data validations not known (see [`Layout::after_cells`]).
    pub fn read_up_to_cells(&self) -> bool {
        self.after_cells().is_some_and(<[u8]>::is_empty)
    }

    /// [`Layout::markup`] cut where the cells were, and the start tag of `<sheetData>`; `None`
    /// where the cells hold text no reader reads, or the sheet has no `<sheetData>`.
    fn around_cells(&self) -> Option<(&[u8], &[u8], &[u8])> {
        if self.unread_cells {
            return None;
        }
        let (head, tag) = self.cells_at.as_ref()?;
        let (before, after) = self.markup.split_at_checked(*head)?;
        Some((before, tag, after))
    }

    /// Whether a cell is inside an array or spill range but not its top-left (formula) cell.
    pub fn in_array_result(&self, row: u32, col: u32) -> bool {
        self.array_ranges
            .iter()
            .any(|a| a.contains(row, col) && (row, col) != (a.first_row, a.first_col))
    }

    /// The array or spill range whose top-left (formula) cell is at `row`, `col`.
    pub fn array_at(&self, row: u32, col: u32) -> Option<&ArrayRange> {
        self.array_ranges
            .iter()
            .find(|a| (a.first_row, a.first_col) == (row, col))
    }
}

/// The range of an array formula (`<f t="array" ref="A2:A3">`), zero-based and inclusive, its
/// first row and column not after its last: only its top-left cell has the formula, the others
/// hold its cached results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArrayRange {
    /// First row.
    pub first_row: u32,
    /// First column.
    pub first_col: u32,
    /// Last row.
    pub last_row: u32,
    /// Last column.
    pub last_col: u32,
    /// Whether it is a dynamic array formula, whose results spill (Excel 365 marks its cell
    /// with cell metadata, `cm`), rather than a legacy one entered with Ctrl+Shift+Enter.
    pub dynamic: bool,
}

impl ArrayRange {
    /// Whether the range holds the cell at `row`, `col`.
    pub fn contains(&self, row: u32, col: u32) -> bool {
        (self.first_row..=self.last_row).contains(&row)
            && (self.first_col..=self.last_col).contains(&col)
    }
}

/// One sheet of an input.
#[derive(Debug, Clone)]
pub struct Sheet {
    /// The sheet name (for CSV, the file stem).
    pub name: String,
    /// Visible, hidden or very hidden.
    pub visibility: Visibility,
    /// Cells at their absolute positions (row 0 is the header row).
    pub cells: Range<Data>,
    /// Formulas at their absolute positions, when the sheet has any.
    pub formulas: Option<Range<String>>,
    /// Column layout and code name (xlsx only).
    pub layout: Layout,
    /// For CSV: the number of fields of each record, so ragged rows stay ragged.
    pub record_lengths: Option<Vec<u32>>,
}

impl Sheet {
    /// Whether this is the Dynamics metadata sheet: named `hiddenSheet` or very hidden, with
    /// the metadata in A1. A sheet that only has the name (a hand-edited copy) is a sheet like
    /// any other, scrubbed and swept as such.
    pub fn holds_metadata(&self) -> bool {
        (self.name == METADATA_SHEET || self.visibility == Visibility::VeryHidden)
            && matches!(self.cell(0, 0), Data::String(a1) if Metadata::parse(a1).is_some())
    }

    /// The value at an absolute position (`Empty` outside the used range).
    pub fn cell(&self, row: u32, col: u32) -> &Data {
        self.cells.get_value((row, col)).unwrap_or(&Data::Empty)
    }

    /// The formula at an absolute position, if any.
    pub fn formula(&self, row: u32, col: u32) -> Option<&str> {
        self.formulas
            .as_ref()?
            .get_value((row, col))
            .map(String::as_str)
            .filter(|f| !f.is_empty())
    }

    /// Number of columns from A to the last used one.
    pub fn width(&self) -> u32 {
        self.cells.end().map_or(0, |(_, c)| c + 1)
    }

    /// Number of rows from 1 to the last used one, header included.
    pub fn height(&self) -> u32 {
        self.cells.end().map_or(0, |(r, _)| r + 1)
    }

    /// Drop the rows below the header row, keeping the sheet's columns: a streamed sheet's head
    /// (thousands of rows) once the pass has read them again. Nothing changes for a sheet
    /// whose cells do not start in row 1.
    pub fn keep_header_row(&mut self) {
        let (Some((0, first)), Some((_, last))) = (self.cells.start(), self.cells.end()) else {
            return;
        };
        let mut header = Range::new((0, first), (0, last));
        for col in first..=last {
            if let Some(value) = self.cells.get_value((0, col)) {
                header.set_value((0, col), value.clone());
            }
        }
        self.cells = header;
    }

    /// The header row (row 1), or `None` when row 1 is empty.
    pub fn headers(&self) -> Option<Vec<String>> {
        if self.cells.start().is_none_or(|(r, _)| r != 0) {
            return None;
        }
        let headers: Vec<String> = (0..self.width())
            .map(|c| match self.cell(0, c) {
                Data::Empty => String::new(),
                Data::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        headers
            .iter()
            .any(|h| !h.trim().is_empty())
            .then_some(headers)
    }
}

/// Where an input came from, and how to write it back in the same form.
#[derive(Debug, Clone)]
pub enum Format {
    /// An Excel workbook.
    Xlsx,
    /// A CSV file and its dialect.
    Csv(crate::dialect::Dialect),
}

/// A whole input file.
#[derive(Debug, Clone)]
pub struct Workbook {
    /// The sheets, in workbook order.
    pub sheets: Vec<Sheet>,
    /// The input's format.
    pub format: Format,
    /// The workbook's creation time from its document properties (RFC 3339), kept so that a
    /// rebuilt workbook is byte-for-byte reproducible.
    pub created: Option<String>,
}

impl Workbook {
    /// The Dynamics metadata in `hiddenSheet!A1`, if the workbook has it.
    pub fn metadata(&self) -> Option<Metadata> {
        let by_name = self.sheets.iter().find(|s| s.name == METADATA_SHEET);
        let candidates = by_name.into_iter().chain(
            self.sheets
                .iter()
                .filter(|s| s.visibility == Visibility::VeryHidden),
        );
        candidates
            .filter_map(|s| match s.cell(0, 0) {
                Data::String(a1) => Metadata::parse(a1),
                _ => None,
            })
            .next()
    }

    /// The logical name of the table this is an export of: its metadata's entity, or, in a
    /// file without metadata (a CSV, a copy saved without `hiddenSheet`), the table the first
    /// visible sheet's record id header names when it is one the built-in profiles are made
    /// for ([`crate::dynamics::entity_by_id_header`]).
    pub fn entity(&self) -> Option<String> {
        if let Some(m) = self.metadata() {
            return Some(m.entity);
        }
        let sheet = self
            .sheets
            .iter()
            .find(|s| s.visibility == Visibility::Visible)?;
        match sheet.cell(0, 0) {
            Data::String(header) => {
                crate::dynamics::entity_by_id_header(header).map(str::to_string)
            }
            _ => None,
        }
    }
}

/// Which protected column a sheet's column is by its place and its values: one of the first
/// three columns, holding (in its first [`SHAPE_ROWS`] data rows, at least one value, all of
/// them) a GUID in the first, a checksum in the second, a date-time in the third. The second
/// and third count only after a first column of GUIDs: that is an export's layout, whatever
/// its language. A hidden column among the three counts too, after such a first column.
pub fn protected_shape(sheet: &Sheet, col: u32) -> Option<ProtectedShape> {
    use calamine::Data;
    let shape = match col {
        0 => ProtectedShape::RecordId,
        1 => ProtectedShape::Checksum,
        2 => ProtectedShape::ModifiedOn,
        _ => return None,
    };
    let fits = |col: u32, shape: ProtectedShape| {
        let mut seen = false;
        for row in 1..sheet.height().min(SHAPE_ROWS + 1) {
            let ok = match (sheet.cell(row, col), shape) {
                (Data::Empty, _) => continue,
                (Data::String(s), _) if s.is_empty() => continue,
                (Data::String(s), ProtectedShape::RecordId) => looks_like_guid(s),
                (Data::String(s), ProtectedShape::Checksum) => looks_like_checksum(s),
                (Data::String(s), ProtectedShape::ModifiedOn) => looks_like_datetime_text(s),
                (
                    Data::DateTime(_) | Data::DateTimeIso(_) | Data::Float(_),
                    ProtectedShape::ModifiedOn,
                ) => true,
                _ => false,
            };
            if !ok {
                return false;
            }
            seen = true;
        }
        seen
    };
    if col == 0 {
        return fits(0, shape).then_some(shape);
    }
    if !fits(0, ProtectedShape::RecordId) {
        return None;
    }
    let hidden = sheet
        .layout
        .columns
        .iter()
        .any(|c| c.hidden && (c.first..=c.last).contains(&col));
    (hidden || fits(col, shape)).then_some(shape)
}
