//! Error types, one per boundary.
//!
//! - [`MapError`]: the column map or profile is unusable. Raised before any input is read; the run
//!   stops with exit code 2.
//! - [`FileError`]: one input could not be scrubbed. The batch goes on; the run ends with exit
//!   code 1.
//! - [`Error`]: anything that stops the whole run.
//!
//! A [`FileError`] names the file and holds a [`Problem`], which says at which boundary of the
//! file's way through the stages it failed (and shows that boundary's message unchanged):
//!
//! - [`ReadError`]: opening and parsing the input (not found, unreadable, not a workbook or CSV
//!   dsr-scrub can rewrite, damaged, over a limit, a CSV in an encoding it cannot read).
//! - [`PlanError`]: laying the map over the file's sheets and headers (a missing sheet or
//!   column, a protected or ambiguous column, a field rule, the wrong profile, nothing to scrub,
//!   personal columns left uncovered).
//! - [`WriteError`]: writing the output, its parts and its changes file (where they go, the I/O,
//!   cells and parts a writer cannot write, what the writers refuse to drop or change).
//! - [`VerifyError`]: checking the output, by `verify` and `--verify` against its original and by
//!   the leak sweep every scrub runs before it commits an output.
//! - [`Problem::Internal`]: a bug, caught at the file's boundary.
//!
//! Each message says what failed and what to do about it. There is no catch-all: a new failure
//! gets a variant of its own at the boundary it belongs to.
//!
//! No message ever carries a cell value. Third-party errors whose text could echo cell content
//! (calamine, rust_xlsxwriter, csv) are reduced to a description of *where* and *what kind* of
//! failure happened, never forwarded verbatim.

use std::fmt;
use std::path::{Path, PathBuf};

/// Exit codes (DESIGN §1).
pub mod exit {
    /// Everything succeeded.
    pub const OK: i32 = 0;
    /// At least one file (or the run) failed.
    pub const FAILED: i32 = 1;
    /// Bad usage or a bad map.
    pub const USAGE: i32 = 2;
    /// `verify` found a problem.
    pub const VERIFY: i32 = 3;
}

/// The column map (or a profile) cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: {detail}")]
#[non_exhaustive]
pub struct MapError {
    /// Where the map came from: a path or `profile NAME`.
    pub origin: String,
    /// What is wrong and what to do about it.
    pub detail: String,
}

impl MapError {
    pub(crate) fn new(origin: impl Into<String>, detail: impl Into<String>) -> Self {
        MapError {
            origin: origin.into(),
            detail: detail.into(),
        }
    }
}

/// A cell position, as a user finds it in Excel: sheet, 1-based row and column letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellRef {
    /// Sheet name.
    pub sheet: String,
    /// Zero-based row index.
    pub row: u32,
    /// Zero-based column index.
    pub col: u32,
}

impl fmt::Display for CellRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "sheet '{}', cell {}{}",
            self.sheet,
            column_letters(self.col),
            self.row + 1
        )
    }
}

pub use crate::a1::column_letters;

/// What went wrong with one input file: a failure at one of the boundaries a file passes
/// (read, plan, write, verify), or a bug. Display text never contains a cell value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// Opening and parsing the input failed.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The map could not be laid over the file's sheets and headers.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The output, its parts or its changes file could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// The output was checked and is not what the scrub promises.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// A bug (a panic caught at the file's boundary).
    #[error(
        "internal error while scrubbing this file; it was not written (please report this bug)"
    )]
    Internal,
}

/// Opening and parsing the input: it is missing, unreadable, not a workbook or CSV dsr-scrub can
/// rewrite, damaged, or larger than the limits.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    #[error("file not found; check the path")]
    NotFound,
    #[error("cannot read the file ({0}); check that it exists and is not open in another program")]
    Io(std::io::ErrorKind),
    #[error("unsupported file type '{0}'; save it as .xlsx (Excel Workbook) or .csv (CSV UTF-8)")]
    UnsupportedType(String),
    #[error("this is a legacy .xls workbook or a password-protected file; remove the password or save it as .xlsx (Excel Workbook) and try again")]
    LegacyOrEncrypted,
    #[error("the workbook is password-protected (encrypted); open it in Excel, remove the password (File > Info > Protect Workbook > Encrypt with Password, empty), save it as .xlsx and try again")]
    Encrypted,
    #[error("this is {0}, which dsr-scrub cannot rewrite; open it in Excel and save it as .xlsx (Excel Workbook) or .csv (CSV UTF-8), then try again")]
    OtherFormat(&'static str),
    #[error("not an .xlsx workbook (it is not a zip package); if it was renamed, save it again as .xlsx from Excel")]
    NotZip,
    #[error("not an .xlsx workbook (a zip package without a workbook in it); if it was renamed, save it again as .xlsx from Excel")]
    NotWorkbook,
    #[error("the workbook is damaged or truncated ({0}); export it again from Dynamics or open and re-save it in Excel")]
    CorruptWorkbook(&'static str),
    #[error("this is a Strict Open XML workbook, which dsr-scrub cannot rewrite; save it in Excel as 'Excel Workbook (.xlsx)' and try again")]
    StrictOoxml,
    /// An Excel 4.0 macro sheet or a dialog sheet, named by its sheet name.
    #[error("sheet '{0}' is an Excel 4.0 macro or dialog sheet, which dsr-scrub cannot rewrite; move the data to a worksheet or delete that sheet")]
    MacroSheet(String),
    #[error("{what}; if you trust this file, raise the limit with {flag}")]
    TooLarge { what: String, flag: &'static str },
    #[error("the workbook is missing its part '{0}'; export it again or re-save it in Excel")]
    MissingPart(String),
    #[error("the CSV starts with a UTF-8 byte order mark but is not UTF-8 text (first bad byte at line {line}); save it as 'CSV UTF-8' and try again")]
    CsvNotUtf8 { line: u64 },
    #[error("the CSV looks like UTF-16 text without a byte order mark; save it as 'CSV UTF-8 (Comma delimited)' and try again")]
    CsvUtf16,
    #[error("the CSV starts with a UTF-16 byte order mark but is not valid UTF-16; save it as 'CSV UTF-8 (Comma delimited)' and try again")]
    CsvBadUtf16,
    #[error("not a CSV file: this is {0}; export the data again as CSV, or give the file its real extension")]
    NotCsv(&'static str),
    #[error("the CSV cannot be parsed at line {line}; check its quoting")]
    CsvParse { line: u64 },
    /// A record longer than the header with a value past it: its fields are shifted.
    #[error("the CSV record at line {line} has {fields} fields but the header has {columns}, so its values would be scrubbed as the wrong columns' (a field with an unquoted delimiter, or a stray one); quote that field or remove the extra delimiter, and try again")]
    CsvShifted {
        line: u64,
        fields: usize,
        columns: usize,
    },
}

/// Laying the map over the file: the sheets, headers and columns it names, the profile it is
/// for, and the personal columns it leaves uncovered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    #[error("no sheet to scrub: no visible sheet has a header row in row 1; export the view again from Dynamics, or put the column headers in row 1 of the sheet to scrub")]
    NoSheet,
    #[error("the map names sheet '{0}', which this workbook does not have; fix the name in the map's `sheets` list (`dsr-scrub inspect FILE` lists the sheets), or remove it")]
    MissingSheet(String),
    #[error("sheet '{0}' has no header in row 1; put the column headers in row 1, or leave the sheet out of the map's `sheets` list")]
    NoHeader(String),
    /// Row 1 holds a record's values (a file saved without its header row): `column` is the
    /// letter of a cell that is a value, `kind` what it is.
    #[error("row 1 of sheet '{sheet}' holds values, not column names (column {column} holds {kind}), so the file has no header row; export the view again from Dynamics with its headers, or put the column names in row 1, then try again")]
    HeaderIsData {
        sheet: String,
        column: String,
        kind: &'static str,
    },
    #[error("map key `{key}` matches no column (searched {searched}); fix the key, add an alias, or mark it `optional = true`")]
    MissingColumn { key: String, searched: String },
    #[error("map key `{key}` matches the protected column '{header}' in sheet '{sheet}'; Dynamics needs it unchanged to update the record, so remove or narrow the key")]
    ProtectedColumn {
        key: String,
        header: String,
        sheet: String,
    },
    /// `at` names the map key, column and sheet; `message` says what to do and why.
    #[error("{at}: {message}")]
    FieldRule { at: String, message: String },
    /// The map would change column `column` (a letter) of `sheet`, past the last one a change
    /// can name (the 65,536th), or the map has more than 65,536 rules.
    #[error("map key `{key}` matches column {column} of sheet '{sheet}', past the 65,536 columns and 65,536 rules dsr-scrub changes (a workbook holds at most 16,384 columns); move the column further left or split the file, or use fewer rules")]
    TooWide {
        key: String,
        column: String,
        sheet: String,
    },
    #[error("column '{header}' in sheet '{sheet}' is claimed by both `{first}` and `{second}`; keep one of them")]
    AmbiguousColumn {
        header: String,
        sheet: String,
        first: String,
        second: String,
    },
    /// `profile` says which profile ran and what it is for, and what to use instead.
    #[error("this is an export of {entity}, and {profile}")]
    WrongProfile { entity: String, profile: String },
    #[error("none of the map's keys matches a column of this file (searched {searched}), so nothing would be scrubbed; check that the map or profile is the one for this table, or write a map for it (`dsr-scrub inspect --emit-map map.toml FILE`, then --map map.toml)")]
    NothingResolved { searched: String },
    /// `columns` describes each column by header, letter and kind, never by a value; `sheet`
    /// names the sheet (`sheet 'Users'`, or `sheet #3` when its name is not repeated).
    #[error("{count} column(s) look personal but the map neither scrubs nor keeps them: {columns} in {sheet}; add them to the map (or `keep` them on purpose), or pass --allow-uncovered to scrub anyway")]
    Uncovered {
        count: usize,
        columns: String,
        sheet: String,
    },
    /// A record id cell holds something else than a record GUID.
    #[error("{at} is in the record id column but holds no record GUID, so the row cannot update its record: in a CSV, a line break outside quotes may have cut the record before it in two, shifting this row's values into the wrong columns; fix that row (or export again) and try again")]
    StrayRecordId { at: CellRef },
    /// A sheet the map leaves as it is (`reason`) holds columns that look personal; `sheet`
    /// as in [`PlanError::Uncovered`].
    #[error("{sheet} is left as it is ({reason}), but {count} column(s) on it look personal: {columns}; {fix}")]
    UncoveredSheet {
        count: usize,
        columns: String,
        sheet: String,
        reason: &'static str,
        fix: &'static str,
    },
}

/// Writing the output, its parts and its changes file: where they go, the I/O, the cells and
/// parts a writer cannot write, and what the writers refuse to drop or change.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    #[error(
        "the output '{0}' already exists; use --force to replace it or choose another --out-dir"
    )]
    OutputExists(PathBuf),
    #[error("the output would overwrite the input; choose another --out-dir")]
    OutputIsInput,
    /// A file of the output (the output, a part, the changes file, a temporary file) could not
    /// be created or written.
    #[error("cannot write the output '{path}' ({kind}); check free space and permissions")]
    Io {
        path: PathBuf,
        kind: std::io::ErrorKind,
    },
    /// Writing the output's bytes failed where the writer does not know the file's path (the
    /// path is named by [`WriteError::Io`] when the file itself failed).
    #[error("writing the output failed ({0}); check free space and permissions")]
    Output(std::io::ErrorKind),
    #[error("writing the changes file failed ({0}); check free space and permissions")]
    ChangesFile(std::io::ErrorKind),
    /// `--max-part-bytes` is smaller than a part with one data row.
    #[error("one row with the file's other sheets already takes {size} bytes, more than the part limit of {max}; raise --max-part-bytes")]
    PartLimit { size: u64, max: u64 },
    /// The zip writer of the lossless writer failed for a reason other than I/O.
    #[error("the output package could not be assembled; scrub with --rebuild instead, and please report this bug")]
    Package,
    /// rust_xlsxwriter failed for a reason other than I/O or one cell; `what` says where.
    #[error("the rebuild writer could not assemble the workbook ({what}); scrub without --rebuild, and please report this bug")]
    Rebuild { what: &'static str },
    /// Something of one sheet the rebuild writer cannot write, e.g. a sheet name Excel rejects.
    #[error(
        "sheet '{sheet}': {what}, which the rebuild writer cannot write; scrub without --rebuild"
    )]
    RebuildSheet { sheet: String, what: &'static str },
    /// `what` names the parts the rebuild writer would drop (macros, chart sheets).
    #[error("--rebuild writes cells only and would drop the workbook's {what}; scrub it without --rebuild")]
    RebuildDrops { what: &'static str },
    /// Rows deleted by row rules, or left out of a subject run's import file (only the changed
    /// rows are written by default).
    #[error("rows cannot be left out of a sheet with formulas (their references would shift): rows that row rules delete, or in a subject run the unchanged rows an import file leaves out; pass --all-rows to keep the unchanged rows, or remove the formulas first, then scrub again")]
    DeleteUnderFormulas,
    #[error("rows cannot be left out of a sheet with merged cells, hyperlinks, comments or conditional formatting yet (rows that row rules delete, in a subject run the unchanged rows an import file leaves out, or the rows of other parts with --max-part-rows); pass --all-rows to keep the unchanged rows, or use --rebuild")]
    DeleteUnderRanges,
    /// A sheet's rows or cells out of order or written twice: readers differ on which of two
    /// cells at one place they show, and the writer would change only one.
    #[error("part '{part}': row {row} has rows or cells out of order or written twice, which readers show differently and the scrub cannot rewrite safely; open the file in Excel and save it again (Excel writes them in order), then try again")]
    CellsOutOfOrder { part: String, row: u32 },
    #[error("the document properties could not be rewritten; scrub without --strip-doc-props, and please report this bug")]
    DocProperties,
    /// A cell the writer cannot hold; `what` says why and, where there is one, what to do.
    #[error("{at}: {what}")]
    Cell { at: CellRef, what: &'static str },
    /// A removed value is in a place of the package that no cleaning rule can change without
    /// breaking the workbook (a kept formula, a sheet name, an embedded object).
    #[error("part '{part}' holds a removed value in {place}, which cannot be cleaned without breaking the workbook; {todo}, then scrub again")]
    Uncleanable {
        part: String,
        place: &'static str,
        todo: &'static str,
    },
    /// A removed value is in the name of an entry of the package (`entry`, counted from 1),
    /// which the lossless writer copies under its name.
    #[error("the name of zip entry #{entry} of the workbook holds a value this scrub removes (a part named after the person), and dsr-scrub keeps part names as they are; open the workbook in Excel and save it again (Excel names its parts itself) or remove that attachment, then scrub again")]
    EntryName { entry: usize },
    #[error("the macros (part '{0}') hold a value this scrub removes, and dsr-scrub keeps macros unchanged; remove it from the macros in Excel (Developer > Visual Basic) or save the workbook as .xlsx without macros, then scrub again")]
    MacrosHoldRemovedValue(String),
    #[error("part '{0}' is the workbook's Data Model (a compressed copy of its tables, which dsr-scrub cannot read or clean), so the removed values may still be in it; delete the Data Model's tables in Excel (Data > Data Model, or Power Pivot > Manage) or export the sheets to a new workbook, then scrub again")]
    DataModel(String),
    #[error("the macros (part '{0}') cannot be read (a damaged or unsupported VBA project), so they could not be searched for the values this scrub removes; open the workbook in Excel and save it again, or save it as .xlsx without macros, then scrub again")]
    MacrosUnreadable(String),
    /// A part (or what is inside it) that cannot be searched for the values the scrub removes:
    /// `why` says what it holds (packages nested too deep, compressed data that inflates like a
    /// zip bomb, XML in an encoding that cannot be read), `todo` what to do.
    #[error("part '{part}' cannot be searched for the values this scrub removes: {why}; {todo}, then scrub again")]
    Unsearchable {
        part: String,
        why: &'static str,
        todo: &'static str,
    },
}

/// Checking an output: against its original (`verify`, `--verify`) and for the values the scrub
/// removed (the leak sweep every scrub runs before it commits an output).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    #[error("this is not in the original's format; verify compares an .xlsx with an .xlsx and a .csv with a .csv, so give the output scrubbed from this original")]
    FormatMismatch,
    /// The leak sweep found a removed value in the output; `place` names it (never the value).
    #[error("a value the scrub removed would still be in the output at {place}{}, so the file was not written; remove it from the workbook in Excel (or add its column to the map) and scrub again", more_places(*more))]
    Unerased { place: String, more: usize },
    /// Kept columns hold values that identify people the scrub removed elsewhere; `columns`
    /// names each (sheet, column and count of cells), `allow` is the map line that allows them.
    #[error("{columns}: kept cell(s) hold an email, phone number, identifier or full name that the scrub removed from another column, so the file was not written; add the column(s) to the map, or allow them with {allow} if they must stay (a lookup of another person)")]
    Residual { columns: String, allow: String },
    /// Dynamics' metadata sheet holds values that identify people the scrub removed; `columns`
    /// names each (sheet, column and count of cells), `allow` is the map line that allows them.
    #[error("{columns}: Dynamics' metadata sheet holds an email, phone number, identifier or full name that the scrub removed (in an option-set label), so the file was not written; an import needs that sheet as it is: change the option's label in Dynamics and export again, or allow it with {allow} if it must stay (another person)")]
    ResidualInMetadata { columns: String, allow: String },
    /// A protected column (record id, row checksum, modified on) holds, instead of what Dynamics
    /// writes there, values that identify people the scrub removed; `columns` names each
    /// (sheet, column and count of cells), `allow` is the map line that allows them.
    #[error("{columns}: protected (Do Not Modify) column(s), where Dynamics writes an id, a checksum or a date, hold an email, phone number, identifier or full name that the scrub removed, so the file was not written; the map cannot change those columns (an import needs them as exported): export the file again from Dynamics, or allow them with {allow} if they must stay")]
    ResidualProtected { columns: String, allow: String },
    /// With every row written, a kept cell of a row no subject matched holds a subject's value
    /// (an identifier of the subject's matched record, or the value the subject was given by);
    /// `place` names it (never the value).
    #[error("{place} holds {what} (subject #{subject}), in a row no subject matched, and --all-rows would write it, so the file was not written; {}{}", held_advice(*given), more_places(*more))]
    SubjectValueKept {
        place: String,
        subject: usize,
        what: &'static str,
        given: bool,
        more: usize,
    },
    #[error("--verify found {findings} problem(s) in the output (a leak or a fidelity break), so it was not written; scrub into another --out-dir without --verify and run `dsr-scrub verify INPUT OUTPUT` to see where")]
    VerifyFailed { findings: usize },
    /// `--verify` could not read back the output it staged; the inner problem says why.
    #[error("the output cannot be read back to verify it ({0}), so it was not written; this is a bug, please report it")]
    VerifyReadBack(Box<Problem>),
    /// The leak sweep could not read back the output it staged.
    #[error("the output cannot be read back to sweep it for removed values, so it was not written; this is a bug, please report it")]
    SweepReadBack,
}

fn held_advice(given: bool) -> &'static str {
    if given {
        "if that row is the subject's record, pass the person's name (or the value of a column the row rules compare) as another --subject so that their row matches; if it is someone else's, pass --allow-near-names"
    } else {
        "if that row is the subject's record too, pass its name or email as another --subject; if the value is someone else's too (a shared number), pass --allow-near-names; or write only the changed rows (without --all-rows)"
    }
}

fn more_places(more: usize) -> String {
    match more {
        0 => String::new(),
        n => format!(" (and {n} more place(s))"),
    }
}

/// One input failed; names the file.
#[derive(Debug, thiserror::Error)]
#[error("{}: {problem}", path.display())]
pub struct FileError {
    /// The input file.
    pub path: PathBuf,
    /// What went wrong.
    pub problem: Problem,
}

impl FileError {
    pub(crate) fn new(path: &Path, problem: Problem) -> Self {
        FileError {
            path: path.to_path_buf(),
            problem,
        }
    }
}

/// An error that stops the whole run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The map or profile is unusable (exit 2).
    #[error(transparent)]
    Map(#[from] MapError),
    /// The command line asks for something impossible (exit 2).
    #[error("{0}")]
    Usage(String),
    /// The run could not finish, e.g. the report could not be written (exit 1).
    #[error("{0}")]
    Run(String),
}

impl Error {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Map(_) | Error::Usage(_) => exit::USAGE,
            Error::Run(_) => exit::FAILED,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_excel() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(51), "AZ");
        assert_eq!(column_letters(52), "BA");
        assert_eq!(column_letters(16_383), "XFD");
    }

    /// One example of every problem, each text field filled with what the code puts there: a
    /// sheet, part, header or map key name, or a description of where (never a cell value).
    fn examples() -> Vec<Problem> {
        use std::io::ErrorKind;
        let sheet = || "Disabled Users".to_string();
        let read = [
            ReadError::NotFound,
            ReadError::Io(ErrorKind::PermissionDenied),
            ReadError::UnsupportedType(".txt".into()),
            ReadError::LegacyOrEncrypted,
            ReadError::Encrypted,
            ReadError::OtherFormat("an Excel Binary workbook (.xlsb)"),
            ReadError::NotZip,
            ReadError::NotWorkbook,
            ReadError::CorruptWorkbook("the zip directory is damaged"),
            ReadError::StrictOoxml,
            ReadError::MacroSheet("Macro1".into()),
            ReadError::TooLarge {
                what: "part 'xl/worksheets/sheet1.xml' unpacks to more than 1 GiB".into(),
                flag: "--max-part-size",
            },
            ReadError::MissingPart("xl/workbook.xml".into()),
            ReadError::CsvNotUtf8 { line: 3 },
            ReadError::CsvUtf16,
            ReadError::CsvBadUtf16,
            ReadError::NotCsv("a PNG image"),
            ReadError::CsvParse { line: 7 },
            ReadError::CsvShifted {
                line: 12,
                fields: 33,
                columns: 32,
            },
        ]
        .map(Problem::from);
        let plan = [
            PlanError::NoSheet,
            PlanError::MissingSheet("Contacts".into()),
            PlanError::NoHeader(sheet()),
            PlanError::HeaderIsData {
                sheet: sheet(),
                column: "H".into(),
                kind: "an email address",
            },
            PlanError::MissingColumn {
                key: "emailaddress1".into(),
                searched: "sheet 'Disabled Users'".into(),
            },
            PlanError::ProtectedColumn {
                key: "re:.".into(),
                header: "(Do Not Modify) User".into(),
                sheet: sheet(),
            },
            PlanError::FieldRule {
                at: "map key `mobilephone`, column 'Mobile Phone' in sheet 'Disabled Users'".into(),
                message:
                    "a mask keeps the whole value of short cells; raise keep_last or use clear"
                        .into(),
            },
            PlanError::AmbiguousColumn {
                header: "First Name".into(),
                sheet: sheet(),
                first: "First Name".into(),
                second: "first name".into(),
            },
            PlanError::WrongProfile {
                entity: "contact".into(),
                profile: "the profile systemuser is for users; use --profile contact".into(),
            },
            PlanError::NothingResolved {
                searched: "sheet 'Disabled Users'".into(),
            },
            PlanError::Uncovered {
                count: 1,
                columns: "'Mobiltelefon' (column N, phone number)".into(),
                sheet: "sheet 'Disabled Users'".into(),
            },
            PlanError::StrayRecordId {
                at: CellRef {
                    sheet: sheet(),
                    row: 3,
                    col: 0,
                },
            },
            PlanError::UncoveredSheet {
                count: 1,
                columns: "'Private Email' (column B, email address)".into(),
                sheet: "sheet #3".into(),
                reason: crate::coverage::SheetLeft::Hidden.reason(),
                fix: crate::coverage::SheetLeft::Hidden.fix(),
            },
        ]
        .map(Problem::from);
        let write = [
            WriteError::OutputExists("scrubbed/users.xlsx".into()),
            WriteError::OutputIsInput,
            WriteError::Io {
                path: "scrubbed/users.xlsx".into(),
                kind: ErrorKind::StorageFull,
            },
            WriteError::Output(ErrorKind::StorageFull),
            WriteError::ChangesFile(ErrorKind::StorageFull),
            WriteError::PartLimit {
                size: 2_000_000,
                max: 1_000_000,
            },
            WriteError::Package,
            WriteError::Rebuild {
                what: "the zip could not be built",
            },
            WriteError::RebuildSheet {
                sheet: sheet(),
                what: "Excel does not accept this sheet name",
            },
            WriteError::RebuildDrops { what: "macros" },
            WriteError::DeleteUnderFormulas,
            WriteError::DeleteUnderRanges,
            WriteError::CellsOutOfOrder {
                part: "xl/worksheets/sheet1.xml".into(),
                row: 3,
            },
            WriteError::DocProperties,
            WriteError::Cell {
                at: CellRef {
                    sheet: sheet(),
                    row: 1,
                    col: 4,
                },
                what: "the new value has a character that the CSV's encoding (Windows-1252) cannot hold; change the replacement or save the input as 'CSV UTF-8' first",
            },
            WriteError::Uncleanable {
                part: "xl/worksheets/sheet1.xml".into(),
                place: "a formula",
                todo: "replace the formula by its value in Excel",
            },
            WriteError::MacrosHoldRemovedValue("xl/vbaProject.bin".into()),
            WriteError::EntryName { entry: 7 },
            WriteError::MacrosUnreadable("xl/vbaProject.bin".into()),
            WriteError::Unsearchable {
                part: "xl/embeddings/Microsoft_Word_Document.docx".into(),
                why: crate::xlsx::encoded::Unsearched::TooDeep.why(),
                todo: crate::xlsx::encoded::Unsearched::TooDeep.todo(),
            },
            WriteError::DataModel("xl/model/item.data".into()),
        ]
        .map(Problem::from);
        let verify = [
            VerifyError::FormatMismatch,
            VerifyError::Unerased {
                place: "sheet 'Disabled Users', cell E2 (a comment)".into(),
                more: 2,
            },
            VerifyError::Residual {
                columns: "sheet 'Disabled Users', column 'Manager' (3)".into(),
                allow: "allow_residual = [\"Manager\"]".into(),
            },
            VerifyError::ResidualInMetadata {
                columns: "sheet 'hiddenSheet', column 'C' (1)".into(),
                allow: "allow_residual = [\"C\"]".into(),
            },
            VerifyError::ResidualProtected {
                columns: "sheet 'Disabled Users', column '(Do Not Modify) Row Checksum' (1)".into(),
                allow: "allow_residual = [\"(Do Not Modify) Row Checksum\"]".into(),
            },
            VerifyError::VerifyFailed { findings: 2 },
            VerifyError::VerifyReadBack(Box::new(
                ReadError::CorruptWorkbook("the zip is damaged").into(),
            )),
            VerifyError::SweepReadBack,
            VerifyError::SubjectValueKept {
                place: "sheet 'Disabled Users', cell N2 (column 'Main Phone', row 2)".into(),
                subject: 1,
                what: "an email address, phone number or identifier that the subject's record held",
                given: false,
                more: 0,
            },
        ]
        .map(Problem::from);
        read.into_iter()
            .chain(plan)
            .chain(write)
            .chain(verify)
            .chain([Problem::Internal])
            .collect()
    }

    /// The variant of a problem. The match has no wildcard: a new variant does not compile
    /// until it is named here, and [`examples`] must then hold one of it.
    fn variant(p: &Problem) -> &'static str {
        match p {
            Problem::Read(e) => match e {
                ReadError::NotFound => "NotFound",
                ReadError::Io(_) => "Io",
                ReadError::UnsupportedType(_) => "UnsupportedType",
                ReadError::LegacyOrEncrypted => "LegacyOrEncrypted",
                ReadError::Encrypted => "Encrypted",
                ReadError::OtherFormat(_) => "OtherFormat",
                ReadError::NotZip => "NotZip",
                ReadError::NotWorkbook => "NotWorkbook",
                ReadError::CorruptWorkbook(_) => "CorruptWorkbook",
                ReadError::StrictOoxml => "StrictOoxml",
                ReadError::MacroSheet(_) => "MacroSheet",
                ReadError::TooLarge { .. } => "TooLarge",
                ReadError::MissingPart(_) => "MissingPart",
                ReadError::CsvNotUtf8 { .. } => "CsvNotUtf8",
                ReadError::CsvUtf16 => "CsvUtf16",
                ReadError::CsvBadUtf16 => "CsvBadUtf16",
                ReadError::NotCsv(_) => "NotCsv",
                ReadError::CsvParse { .. } => "CsvParse",
                ReadError::CsvShifted { .. } => "CsvShifted",
            },
            Problem::Plan(e) => match e {
                PlanError::NoSheet => "NoSheet",
                PlanError::MissingSheet(_) => "MissingSheet",
                PlanError::NoHeader(_) => "NoHeader",
                PlanError::HeaderIsData { .. } => "HeaderIsData",
                PlanError::MissingColumn { .. } => "MissingColumn",
                PlanError::ProtectedColumn { .. } => "ProtectedColumn",
                PlanError::FieldRule { .. } => "FieldRule",
                PlanError::TooWide { .. } => "TooWide",
                PlanError::AmbiguousColumn { .. } => "AmbiguousColumn",
                PlanError::WrongProfile { .. } => "WrongProfile",
                PlanError::NothingResolved { .. } => "NothingResolved",
                PlanError::Uncovered { .. } => "Uncovered",
                PlanError::UncoveredSheet { .. } => "UncoveredSheet",
                PlanError::StrayRecordId { .. } => "StrayRecordId",
            },
            Problem::Write(e) => match e {
                WriteError::OutputExists(_) => "OutputExists",
                WriteError::OutputIsInput => "OutputIsInput",
                WriteError::Io { .. } => "WriteIo",
                WriteError::Output(_) => "Output",
                WriteError::ChangesFile(_) => "ChangesFile",
                WriteError::PartLimit { .. } => "PartLimit",
                WriteError::Package => "Package",
                WriteError::Rebuild { .. } => "Rebuild",
                WriteError::RebuildSheet { .. } => "RebuildSheet",
                WriteError::RebuildDrops { .. } => "RebuildDrops",
                WriteError::DeleteUnderFormulas => "DeleteUnderFormulas",
                WriteError::DeleteUnderRanges => "DeleteUnderRanges",
                WriteError::CellsOutOfOrder { .. } => "CellsOutOfOrder",
                WriteError::DocProperties => "DocProperties",
                WriteError::Cell { .. } => "Cell",
                WriteError::Uncleanable { .. } => "Uncleanable",
                WriteError::MacrosHoldRemovedValue(_) => "MacrosHoldRemovedValue",
                WriteError::EntryName { .. } => "EntryName",
                WriteError::MacrosUnreadable(_) => "MacrosUnreadable",
                WriteError::Unsearchable { .. } => "Unsearchable",
                WriteError::DataModel(_) => "DataModel",
            },
            Problem::Verify(e) => match e {
                VerifyError::FormatMismatch => "FormatMismatch",
                VerifyError::Unerased { .. } => "Unerased",
                VerifyError::Residual { .. } => "Residual",
                VerifyError::ResidualInMetadata { .. } => "ResidualInMetadata",
                VerifyError::ResidualProtected { .. } => "ResidualProtected",
                VerifyError::VerifyFailed { .. } => "VerifyFailed",
                VerifyError::VerifyReadBack(_) => "VerifyReadBack",
                VerifyError::SweepReadBack => "SweepReadBack",
                VerifyError::SubjectValueKept { .. } => "SubjectValueKept",
            },
            Problem::Internal => "Internal",
        }
    }

    /// What a message can tell the user to do.
    const ACTIONS: &[&str] = &[
        "add ",
        "allow ",
        "check ",
        "choose ",
        "delete ",
        "export ",
        "fix ",
        "give ",
        "keep ",
        "move ",
        "open ",
        "pass ",
        "put ",
        "raise ",
        "remove ",
        "report",
        "save ",
        "scrub ",
        "try again",
        "use ",
    ];

    #[test]
    fn every_problem_says_what_failed_and_what_to_do_without_a_value() {
        let examples = examples();
        let variants: std::collections::BTreeSet<&str> = examples.iter().map(variant).collect();
        assert_eq!(variants.len(), examples.len(), "one example per variant");
        assert_eq!(variants.len(), 63, "every variant has an example");
        // Cell values of a generated export: none is in any message (the examples are built
        // with names only, as the code builds them).
        let export = crate::testdata::disabled_users(&crate::testdata::Options {
            rows: 20,
            ..Default::default()
        });
        let values: Vec<String> = export
            .personal_values()
            .into_iter()
            .filter(|v| v.chars().count() >= 5)
            .collect();
        for problem in &examples {
            let name = variant(problem);
            let text = problem.to_string();
            assert!(
                !text.trim().is_empty() && !text.contains('\n'),
                "{name}: one line: {text:?}"
            );
            assert!(
                !text.contains("Some(") && !text.contains("Box(") && !text.contains("Kind("),
                "{name}: no Rust debug output: {text}"
            );
            let acts = ACTIONS.iter().any(|a| text.to_lowercase().contains(a));
            assert!(acts, "{name}: says what to do: {text}");
            assert!(
                values.iter().all(|v| !text.contains(v.as_str())),
                "{name}: {text}"
            );
        }
        // FileError names the file, then the problem.
        let with_path = FileError::new(Path::new("in/users.xlsx"), Problem::Internal);
        assert!(with_path
            .to_string()
            .starts_with("in/users.xlsx: internal error"));
    }

    #[test]
    fn problems_that_were_one_catch_all_each_say_what_failed() {
        let text = |p: Problem| p.to_string();
        assert_eq!(
            text(WriteError::ChangesFile(std::io::ErrorKind::StorageFull).into()),
            "writing the changes file failed (no storage space); check free space and permissions"
        );
        assert_eq!(
            text(WriteError::RebuildDrops { what: "chart sheets" }.into()),
            "--rebuild writes cells only and would drop the workbook's chart sheets; scrub it without --rebuild"
        );
        assert!(text(WriteError::DeleteUnderRanges.into()).contains("merged cells"));
        assert!(text(ReadError::MacroSheet("Macro1".into()).into())
            .starts_with("sheet 'Macro1' is an Excel 4.0 macro or dialog sheet"));
        let inner: Problem = ReadError::CorruptWorkbook("the zip is damaged").into();
        assert_eq!(
            text(VerifyError::VerifyReadBack(Box::new(inner)).into()),
            "the output cannot be read back to verify it (the workbook is damaged or truncated (the zip is damaged); export it again from Dynamics or open and re-save it in Excel), so it was not written; this is a bug, please report it"
        );
        // The umbrella is transparent: each boundary's message is the file's message.
        assert_eq!(
            text(PlanError::NoSheet.into()),
            PlanError::NoSheet.to_string()
        );
    }

    #[test]
    fn cell_ref_reads_like_excel() {
        let at = CellRef {
            sheet: "Disabled Users".into(),
            row: 1,
            col: 4,
        };
        assert_eq!(at.to_string(), "sheet 'Disabled Users', cell E2");
    }
}
