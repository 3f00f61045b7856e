//! What the inputs are: the kinds of file dsr-scrub reads, and the files a folder held that
//! are not scrubbed (listed in the run report).

use crate::error::{Problem, ReadError};
use std::path::Path;

/// The kinds of input dsr-scrub reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// `.xlsx`, and `.xlsm` (macro-enabled; the macros are kept as they are)
    Xlsx,
    /// `.csv`
    Csv,
}

impl InputKind {
    /// The kind by file extension (case-insensitive).
    pub fn of(path: &Path) -> Option<InputKind> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "xlsx" | "xlsm" => Some(InputKind::Xlsx),
            "csv" => Some(InputKind::Csv),
            _ => None,
        }
    }

    /// The kind by file extension, or the problem to report: a known spreadsheet format that
    /// dsr-scrub does not rewrite gets its own advice.
    ///
    /// # Errors
    /// [`ReadError::OtherFormat`] or [`ReadError::UnsupportedType`].
    pub fn require(path: &Path) -> Result<InputKind, Problem> {
        if let Some(kind) = InputKind::of(path) {
            return Ok(kind);
        }
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        Err(Problem::from(match ext.as_deref() {
            Some("xls") => ReadError::OtherFormat("a legacy Excel 97-2003 workbook (.xls)"),
            Some("xlsb") => ReadError::OtherFormat("an Excel Binary workbook (.xlsb)"),
            Some("ods") => ReadError::OtherFormat("an OpenDocument spreadsheet (.ods)"),
            Some("numbers") => ReadError::OtherFormat("an Apple Numbers spreadsheet (.numbers)"),
            Some(ext) => ReadError::UnsupportedType(format!(".{ext}")),
            None => ReadError::UnsupportedType("(none)".to_string()),
        }))
    }
}

/// A file a folder held that is not scrubbed, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    /// The file or folder.
    pub path: String,
    /// Why, and what to do to scrub it.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_extension() {
        assert_eq!(InputKind::of(Path::new("a/B.XLSX")), Some(InputKind::Xlsx));
        assert_eq!(InputKind::of(Path::new("b.csv")), Some(InputKind::Csv));
        assert_eq!(InputKind::of(Path::new("m.xlsm")), Some(InputKind::Xlsx));
        assert_eq!(InputKind::of(Path::new("c.xls")), None);
        assert_eq!(InputKind::of(Path::new("noext")), None);
    }
}
