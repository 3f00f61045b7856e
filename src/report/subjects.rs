//! Match accounting: per subject (by position, never by value), what a run did for it.

use crate::apply::{SheetChanges, SubjectHits};
use crate::map::{Condition, Map};
use crate::plan::FilePlan;
use crate::subjects::Near;
use crate::workbook::Workbook;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What one file did for one subject.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SubjectReport {
    /// The subject's position, from 1 (`subject #2`).
    pub subject: usize,
    /// Rows a subject rule matched.
    pub rows_matched: u64,
    /// Of those, rows deleted.
    pub rows_deleted: u64,
    /// Of those, rows with at least one changed cell.
    pub rows_changed: u64,
    /// Cells of other rows from which the subject was redacted.
    pub cells_redacted: u64,
    /// Kept lookup cells that name the subject (they follow the record once it is scrubbed in
    /// Dynamics), by sheet and column.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub residual_mentions: Vec<Place>,
    /// Cells that resemble the subject without matching it (a typo?), by sheet and column.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub near_matches: Vec<NearPlace>,
}

/// Cells of one column.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Place {
    /// Sheet name.
    pub sheet: String,
    /// Column header.
    pub column: String,
    /// How many cells.
    pub cells: u64,
}

/// Cells of one column that resemble a subject.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct NearPlace {
    /// Sheet name.
    pub sheet: String,
    /// Column header.
    pub column: String,
    /// How they resemble it.
    pub how: Near,
    /// How many cells.
    pub cells: u64,
}

/// The header of column `col`, trimmed (empty when it has none).
fn column_name(headers: &[String], col: u32) -> String {
    headers
        .get(col as usize)
        .map_or_else(String::new, |h| h.trim().to_string())
}

/// The column a row rule compared with the subjects: its header, or `First Name + Last Name`
/// for a rule that joins a second column.
fn compared_column(headers: &[String], col: u32, join: Option<u32>) -> String {
    match join {
        Some(j) => format!(
            "{} + {}",
            column_name(headers, col),
            column_name(headers, j)
        ),
        None => column_name(headers, col),
    }
}

/// The columns of a file that were compared with the subjects, as `sheet / column`.
pub fn compared_columns(map: &Map, book: &Workbook, plan: &FilePlan) -> Vec<String> {
    let mut out = Vec::new();
    for sp in &plan.sheets {
        let sheet = &book.sheets[sp.sheet];
        for (&(col, r), join) in sp.row_rules.iter().zip(&sp.row_joins) {
            if !matches!(map.rows[r].condition, Condition::Subjects(_)) {
                continue;
            }
            let column = compared_column(&sp.headers, col, *join);
            let entry = format!("{} / {column}", sheet.name);
            if !out.contains(&entry) {
                out.push(entry);
            }
        }
    }
    out
}

/// Per subject, what one file's changes did for it.
pub fn file_reports(
    map: &Map,
    book: &Workbook,
    plan: &FilePlan,
    changes: &[SheetChanges],
    hits: &[SubjectHits],
) -> Vec<SubjectReport> {
    let mut out: Vec<SubjectReport> = (0..map.subjects.len())
        .map(|i| SubjectReport {
            subject: i + 1,
            ..SubjectReport::default()
        })
        .collect();
    for ((sp, sc), h) in plan.sheets.iter().zip(changes).zip(hits) {
        let sheet = &book.sheets[sp.sheet];
        let header = |c: u32| column_name(&sp.headers, c);
        let changed_rows: BTreeSet<u32> = sc.cells.iter().map(|c| c.row).collect();
        let mut rows: BTreeSet<(usize, u32, bool)> = BTreeSet::new();
        for &(row, s, deleted) in &h.rows {
            rows.insert((s, row, deleted));
        }
        for (s, row, deleted) in rows {
            let r = &mut out[s];
            r.rows_matched += 1;
            if deleted {
                r.rows_deleted += 1;
            } else if changed_rows.contains(&row) {
                r.rows_changed += 1;
            }
        }
        let redacted: BTreeSet<(usize, u32, u32)> = h
            .redacted
            .iter()
            .map(|&(row, col, s)| (s, row, col))
            .collect();
        for (s, _, _) in redacted {
            out[s].cells_redacted += 1;
        }
        let mut residual: BTreeMap<(usize, u32), u64> = BTreeMap::new();
        for &(_, col, s) in &h.residual {
            *residual.entry((s, col)).or_default() += 1;
        }
        for ((s, col), cells) in residual {
            out[s].residual_mentions.push(Place {
                sheet: sheet.name.clone(),
                column: header(col),
                cells,
            });
        }
        let mut near: BTreeMap<(usize, u32, Near), u64> = BTreeMap::new();
        for &(col, s, how) in &h.near {
            *near.entry((s, col, how)).or_default() += 1;
        }
        // A rule that joins two columns (First Name + Last Name) compared their joined text.
        let joined = |col: u32| {
            let join = sp
                .row_rules
                .iter()
                .zip(&sp.row_joins)
                .find_map(|(&(c, _), j)| j.filter(|_| c == col));
            compared_column(&sp.headers, col, join)
        };
        for ((s, col, how), cells) in near {
            out[s].near_matches.push(NearPlace {
                sheet: sheet.name.clone(),
                column: joined(col),
                how,
                cells,
            });
        }
    }
    out
}

/// What a whole run did for one subject.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SubjectTotal {
    /// The subject's position, from 1.
    pub subject: usize,
    /// Whether any row matched it or any cell was redacted for it.
    pub found: bool,
    /// Rows matched in all files.
    pub rows_matched: u64,
    /// Rows deleted in all files.
    pub rows_deleted: u64,
    /// Matched rows changed in all files.
    pub rows_changed: u64,
    /// Cells redacted in all files.
    pub cells_redacted: u64,
    /// Kept lookup cells naming it in all files.
    pub residual_mentions: u64,
    /// Files in which a row matched it.
    pub files: u64,
}

/// Sum the files' reports per subject.
pub fn totals<'a>(
    subjects: usize,
    files: impl IntoIterator<Item = &'a [SubjectReport]>,
) -> Vec<SubjectTotal> {
    let mut out: Vec<SubjectTotal> = (0..subjects)
        .map(|i| SubjectTotal {
            subject: i + 1,
            ..SubjectTotal::default()
        })
        .collect();
    for file in files {
        for r in file {
            let Some(t) = out.get_mut(r.subject - 1) else {
                continue;
            };
            t.rows_matched += r.rows_matched;
            t.rows_deleted += r.rows_deleted;
            t.rows_changed += r.rows_changed;
            t.cells_redacted += r.cells_redacted;
            t.residual_mentions += r.residual_mentions.iter().map(|p| p.cells).sum::<u64>();
            if r.rows_matched > 0 {
                t.files += 1;
            }
        }
    }
    for t in &mut out {
        t.found = t.rows_matched > 0 || t.cells_redacted > 0;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compared_columns_are_named_by_trimmed_header_and_join() {
        let headers: Vec<String> = vec![" First Name ".into(), "Last Name".into()];
        assert_eq!(compared_column(&headers, 0, None), "First Name");
        assert_eq!(
            compared_column(&headers, 0, Some(1)),
            "First Name + Last Name"
        );
        // A column past the header row has no name.
        assert_eq!(compared_column(&headers, 5, None), "");
        assert_eq!(compared_column(&headers, 1, Some(5)), "Last Name + ");
    }
}
