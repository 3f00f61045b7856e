//! The change report (DESIGN §5): `scrub-report.json` for the run, and the summary on stderr.
//! Each input's `<stem>.changes.csv`, and the part of the report each sheet gets, are written
//! during the pass that writes the output ([`crate::changes`]).
//!
//! What a report may hold: file names, sheet names, headers, row numbers, record GUIDs, action
//! names, counts, hashes, and the new values of `clear`, `replace` and `pseudonymize` (which are
//! not personal). It never holds an original value, the new value of `mask` or `regex` (which
//! keep parts of the original), or the key.

use crate::changes::SheetReport;
use serde::Serialize;

pub mod subjects;

/// The run report's file name inside `--out-dir`.
pub const REPORT_FILE: &str = "scrub-report.json";

/// The report of a whole run.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// Always `dsr-scrub`.
    pub tool: &'static str,
    /// The version that wrote the report.
    pub version: &'static str,
    /// When the run started (RFC 3339, UTC).
    pub started: String,
    /// When the run finished (RFC 3339, UTC).
    pub finished: String,
    /// A dry run: nothing was written but this report.
    pub dry_run: bool,
    /// The map used.
    pub map: MapInfo,
    /// A fingerprint of the pseudonymization key, when one was used (not the key).
    pub key_fingerprint: Option<String>,
    /// Optional map keys that matched no column in any file of the run and are no standard
    /// Dataverse column name: likely typos, and a typo keeps that column's data.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unmatched_keys: Vec<String>,
    /// Optional map keys that matched no column in any file of the run and are standard
    /// Dataverse column names: columns these exports' views do not show.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub absent_standard_keys: Vec<String>,
    /// Every file this run wrote besides its report (outputs, parts, changes files): a later
    /// run into the same folder keeps this report rather than replace it (unless `--force`).
    pub outputs_written: Vec<String>,
    /// What the input folders held that was not scrubbed, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<crate::input::Skipped>,
    /// One entry per input, in the order given.
    pub files: Vec<FileReport>,
    /// Sums over all files.
    pub totals: Totals,
    /// The outputs hold only the rows the run changed (`--changed-rows-only`).
    pub changed_rows_only: bool,
    /// How the changes files list the changes: `rows` (one line per changed row) or `cells`
    /// (one line per changed cell), as `--changes-format` chose.
    pub changes_format: &'static str,
    /// What the run is about: `subjects` (only rows that identify a data subject were
    /// changed), or `every_row`.
    pub scope: &'static str,
    /// Per data subject, by position (never by value): what the whole run did for it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<subjects::SubjectTotal>,
}

/// Which map a run used.
#[derive(Debug, Clone, Serialize)]
pub struct MapInfo {
    /// Path of the map, or `profile NAME`.
    pub origin: String,
    /// SHA-256 of the map text.
    pub sha256: String,
}

/// Sums over all files of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    /// Inputs seen.
    pub files: usize,
    /// Inputs scrubbed.
    pub succeeded: usize,
    /// Inputs that failed.
    pub failed: usize,
    /// Data rows read (headers excluded).
    pub rows: u64,
    /// Rows removed by row rules.
    pub rows_deleted: u64,
    /// Cells changed.
    pub cells_changed: u64,
}

/// Whether a file was scrubbed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Scrubbed and written.
    Ok,
    /// Not written; `error` says why.
    Failed,
}

/// The report of one input.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// The input path as given.
    pub input: String,
    /// The output path (when written).
    pub output: Option<String>,
    /// The changes file (when written).
    pub changes: Option<String>,
    /// Ok or failed.
    pub status: Status,
    /// Why it failed (no cell value, ever).
    pub error: Option<String>,
    /// SHA-256 of the input file.
    pub input_sha256: Option<String>,
    /// SHA-256 of the output file.
    pub output_sha256: Option<String>,
    /// Data rows of the scrubbed sheets.
    pub rows: u64,
    /// Rows removed by row rules.
    pub rows_deleted: u64,
    /// Cells changed.
    pub cells_changed: u64,
    /// A CSV's text encoding (`UTF-8`, `UTF-16LE`, `UTF-16BE`, `Windows-1252`), which the
    /// output keeps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<&'static str>,
    /// With `--neutralize-formulas`: the CSV cells that got a leading `'` because they started
    /// like a formula.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub formulas_neutralized: Option<u64>,
    /// The parts the output was split into (`--max-part-rows`, `--max-part-bytes`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<PartReport>,
    /// Kept cells holding values the scrub removed elsewhere, by sheet and column: allowed by
    /// the map's `allow_residual`, or single words (see [`crate::verify::sweep`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub residuals: Vec<crate::verify::sweep::Residual>,
    /// What cleaning the rest of the package did (lossless `.xlsx` outputs): counts only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cleaning: Option<crate::xlsx::clean::Counts>,
    /// For each rule of the run's map: whether it matched a column here (empty when the file
    /// was not planned, or was planned with another map). Summed over the run.
    #[serde(skip)]
    pub matched_rules: Vec<bool>,
    /// The profile chosen for this file by its entity (`hiddenSheet!A1`), when it is not the
    /// run's map (`scrub` without `--map` or `--profile`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Columns that look personal but that the map neither scrubs nor keeps, left as they are
    /// because of `--allow-uncovered` (a warning).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub uncovered: Vec<crate::coverage::Uncovered>,
    /// Per scrubbed sheet.
    pub sheets: Vec<SheetReport>,
    /// The columns compared with the data subjects, as `sheet / column`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subject_columns: Vec<String>,
    /// With `--changed-rows-only` (the default for subject-scoped runs): the data rows the
    /// output holds, only those the run changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows_written: Option<u64>,
    /// `<stem>.deletions.csv`, when rows were deleted: the records to delete in Dataverse.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletions: Option<String>,
    /// The `$batch` request bodies that delete those records through the Web API.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deletion_batches: Vec<String>,
    /// Deleted rows without a record GUID (they cannot be deleted by id).
    #[serde(skip_serializing_if = "is_zero")]
    pub deletions_without_id: u64,
    /// Per data subject, by position: rows matched, deleted and changed in this file.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<subjects::SubjectReport>,
}

impl FileReport {
    /// A report for an input that has not been processed yet.
    pub fn new(input: &str) -> FileReport {
        FileReport {
            input: input.to_string(),
            output: None,
            changes: None,
            status: Status::Failed,
            error: None,
            input_sha256: None,
            output_sha256: None,
            rows: 0,
            rows_deleted: 0,
            cells_changed: 0,
            encoding: None,
            formulas_neutralized: None,
            parts: Vec::new(),
            residuals: Vec::new(),
            cleaning: None,
            matched_rules: Vec::new(),
            profile: None,
            uncovered: Vec::new(),
            sheets: Vec::new(),
            subject_columns: Vec::new(),
            rows_written: None,
            deletions: None,
            deletion_batches: Vec::new(),
            deletions_without_id: 0,
            subjects: Vec::new(),
        }
    }
}

/// One import-sized part of an output.
#[derive(Debug, Clone, Serialize)]
pub struct PartReport {
    /// The part's path.
    pub path: String,
    /// Data rows in it.
    pub rows: u64,
    /// Its size in bytes.
    pub bytes: u64,
    /// SHA-256 of the part.
    pub sha256: String,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}
