//! Error types, one per boundary.
//!
//! - [`MapError`]: the column map or profile is unusable. Raised before any input is read; the run
//!   stops with exit code 2.
//! - [`FileError`]: one input could not be scrubbed. The batch goes on; the run ends with exit
//!   code 1.
//! - [`Error`]: anything that stops the whole run.
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

/// What went wrong with one input file. Display text never contains a cell value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    #[error("file not found; check the path")]
    NotFound,
    #[error("cannot read the file ({0}); check that it exists and is not open in another program")]
    Read(std::io::ErrorKind),
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
    #[error("no sheet to scrub: no visible sheet has a header row in row 1")]
    NoSheet,
    #[error("the map names sheet '{0}', which this workbook does not have")]
    MissingSheet(String),
    #[error("sheet '{0}' has no header in row 1")]
    NoHeader(String),
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
    #[error("column '{header}' in sheet '{sheet}' is claimed by both `{first}` and `{second}`; keep one of them")]
    AmbiguousColumn {
        header: String,
        sheet: String,
        first: String,
        second: String,
    },
    #[error("{at}: {what}")]
    Cell { at: CellRef, what: &'static str },
    /// `profile` says which profile ran and what it is for, and what to use instead.
    #[error("this is an export of {entity}, and {profile}")]
    WrongProfile { entity: String, profile: String },
    #[error("none of the map's keys matches a column of this file (searched {searched}), so nothing would be scrubbed; check that the map or profile is the one for this table, or write a map for it (`dsr-scrub inspect --emit-map map.toml FILE`, then --map map.toml)")]
    NothingResolved { searched: String },
    /// `columns` describes each column by header, letter and kind, never by a value.
    #[error("{count} column(s) look personal but the map neither scrubs nor keeps them: {columns} in sheet '{sheet}'; add them to the map (or `keep` them on purpose), or pass --allow-uncovered to scrub anyway")]
    Uncovered {
        count: usize,
        columns: String,
        sheet: String,
    },
    #[error(
        "the output '{0}' already exists; use --force to replace it or choose another --out-dir"
    )]
    OutputExists(PathBuf),
    #[error("the output would overwrite the input; choose another --out-dir")]
    OutputIsInput,
    #[error("cannot write the output '{path}' ({kind}); check free space and permissions")]
    Write {
        path: PathBuf,
        kind: std::io::ErrorKind,
    },
    /// A removed value is in a place of the package that no cleaning rule can change without
    /// breaking the workbook (a kept formula, a sheet name, an embedded object).
    #[error("part '{part}' holds a removed value in {place}, which cannot be cleaned without breaking the workbook; {todo}, then scrub again")]
    Uncleanable {
        part: String,
        place: &'static str,
        todo: &'static str,
    },
    #[error("cannot build the output ({0})")]
    Build(String),
    #[error("the macros (part '{0}') hold a value this scrub removes, and dsr-scrub keeps macros unchanged; remove it from the macros in Excel (Developer > Visual Basic) or save the workbook as .xlsx without macros, then scrub again")]
    MacrosHoldRemovedValue(String),
    #[error("the macros (part '{0}') cannot be read (a damaged or unsupported VBA project), so they could not be searched for the values this scrub removes; open the workbook in Excel and save it again, or save it as .xlsx without macros, then scrub again")]
    MacrosUnreadable(String),
    #[error("this is not in the original's format; verify compares an .xlsx with an .xlsx and a .csv with a .csv")]
    FormatMismatch,
    /// The leak sweep found a removed value in the output; `place` names it (never the value).
    #[error("a value the scrub removed would still be in the output at {place}{}, so the file was not written; remove it from the workbook in Excel (or add its column to the map) and scrub again", more_places(*more))]
    Unerased { place: String, more: usize },
    /// Kept columns hold values that identify people the scrub removed elsewhere; `columns`
    /// names each (sheet, column and count of cells), `allow` is the map line that allows them.
    #[error("{columns}: kept cell(s) hold an email, phone number, identifier or full name that the scrub removed from another column, so the file was not written; add the column(s) to the map, or allow them with {allow} if they must stay (a lookup of another person)")]
    Residual { columns: String, allow: String },
    #[error("--verify found {findings} problem(s) in the output (a leak or a fidelity break), so it was not written; scrub into another --out-dir without --verify and run `dsr-scrub verify INPUT OUTPUT` to see where")]
    VerifyFailed { findings: usize },
    #[error(
        "internal error while scrubbing this file; it was not written (please report this bug)"
    )]
    Internal,
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
