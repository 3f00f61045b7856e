//! The apply stage: run each target column's action over a sheet, in parallel row chunks.
//!
//! The result is a list of changes sorted by row and column; writers merge it with the
//! untouched cells. The list is the same for any number of threads.

use crate::actions::{self, CellCtx};
use crate::map::{Map, RowAction};
use crate::plan::SheetPlan;
use crate::workbook::Sheet;
use calamine::Data;
use rayon::prelude::*;
use std::borrow::Cow;

/// Rows handled by one parallel task.
const CHUNK_ROWS: u32 = 2048;

/// One changed cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Zero-based row (the header is row 0, so data starts at 1).
    pub row: u32,
    /// Zero-based column.
    pub col: u32,
    /// Index of the rule in [`Map::rules`] that changed it.
    pub rule: usize,
    /// The new value.
    pub new: Data,
}

/// A row removed by a row rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deletion {
    /// Zero-based row.
    pub row: u32,
    /// Index of the rule in [`Map::rows`].
    pub rule: usize,
}

/// The changes of one sheet, sorted by `(row, col)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SheetChanges {
    /// Index of the sheet in the workbook.
    pub sheet: usize,
    /// The changed cells (never in deleted rows).
    pub cells: Vec<Change>,
    /// The deleted rows, ascending.
    pub deleted: Vec<Deletion>,
}

impl SheetChanges {
    /// Whether `row` is deleted, for a caller walking rows in ascending order with `cursor`.
    pub fn is_deleted(&self, cursor: &mut usize, row: u32) -> bool {
        while let Some(d) = self.deleted.get(*cursor) {
            match d.row.cmp(&row) {
                std::cmp::Ordering::Less => *cursor += 1,
                std::cmp::Ordering::Equal => return true,
                std::cmp::Ordering::Greater => return false,
            }
        }
        false
    }

    /// Rows deleted above `row` (how far `row` moves up).
    pub fn shift(&self, row: u32) -> u32 {
        self.deleted.partition_point(|d| d.row < row) as u32
    }

    /// The change at a position, for a caller walking cells in row-major order with `cursor`.
    pub fn take_at(&self, cursor: &mut usize, row: u32, col: u32) -> Option<&Change> {
        while let Some(c) = self.cells.get(*cursor) {
            if (c.row, c.col) < (row, col) {
                *cursor += 1;
            } else if (c.row, c.col) == (row, col) {
                *cursor += 1;
                return Some(c);
            } else {
                return None;
            }
        }
        None
    }
}

fn uses_mentions(action: &actions::Action) -> bool {
    matches!(action, actions::Action::Redact(r) if r.uses_mentions())
}

/// Apply `plan` to `sheet`.
pub fn apply_sheet(map: &Map, plan: &SheetPlan, sheet: &Sheet) -> SheetChanges {
    let height = sheet.height();
    let targets: Vec<_> = plan
        .targets
        .iter()
        .filter(|t| !matches!(map.rules[t.rule].action, actions::Action::Keep))
        .collect();
    let headers = sheet.headers().unwrap_or_default();
    let chunks: Vec<(u32, u32)> = (1..height)
        .step_by(CHUNK_ROWS as usize)
        .map(|start| (start, (start + CHUNK_ROWS).min(height)))
        .collect();
    // Borrowed for text cells: row rules test a cell of every row.
    let cell_text = |row: u32, col: u32| -> Cow<'_, str> {
        match sheet.cell(row, col) {
            Data::Empty => Cow::Borrowed(""),
            Data::String(s) => Cow::Borrowed(s.as_str()),
            other => Cow::Owned(other.to_string()),
        }
    };
    let has_scrub_rules = plan
        .row_rules
        .iter()
        .any(|&(_, r)| map.rows[r].action == RowAction::Scrub);
    let per_chunk: Vec<(Vec<Change>, Vec<Deletion>)> = chunks
        .into_par_iter()
        .map(|(start, end)| {
            let mut out = Vec::new();
            let mut deleted = Vec::new();
            for row in start..end {
                let matching = |action: RowAction| {
                    plan.row_rules.iter().find(|&&(col, r)| {
                        map.rows[r].action == action
                            && map.rows[r].condition.test(&cell_text(row, col))
                    })
                };
                if let Some(&(_, rule)) = matching(RowAction::Delete) {
                    deleted.push(Deletion { row, rule });
                    continue;
                }
                if has_scrub_rules && matching(RowAction::Scrub).is_none() {
                    continue;
                }
                let record_id = plan.record_id.and_then(|c| match sheet.cell(row, c) {
                    Data::String(s) => Some(s.as_str()),
                    _ => None,
                });
                // Columns first, then `redact` with mentions, which needs what they lost.
                let first = out.len();
                for late in [false, true] {
                    let lost: Vec<(Cow<str>, String)> = if late {
                        out[first..]
                            .iter()
                            .filter_map(|c: &Change| {
                                let old = cell_text(row, c.col);
                                let new = match &c.new {
                                    Data::String(s)
                                        if map.rules[c.rule].action.output_is_reportable() =>
                                    {
                                        s.clone()
                                    }
                                    _ => String::new(),
                                };
                                (!old.trim().is_empty()).then_some((old, new))
                            })
                            .collect()
                    } else {
                        Vec::new()
                    };
                    let lost: Vec<(&str, &str)> =
                        lost.iter().map(|(o, n)| (o.as_ref(), n.as_str())).collect();
                    for t in targets
                        .iter()
                        .filter(|t| uses_mentions(&map.rules[t.rule].action) == late)
                    {
                        let rule = &map.rules[t.rule];
                        let ctx = CellCtx {
                            row: row + 1,
                            record_id,
                            column: headers.get(t.col as usize).map_or("", String::as_str),
                        };
                        let old = sheet.cell(row, t.col);
                        if let Some(new) =
                            actions::apply_with(&rule.action, old, &ctx, t.max_length, &lost)
                        {
                            out.push(Change {
                                row,
                                col: t.col,
                                rule: t.rule,
                                new,
                            });
                        }
                    }
                }
                out[first..].sort_by_key(|c| c.col);
            }
            (out, deleted)
        })
        .collect();
    let (cells, deleted): (Vec<_>, Vec<_>) = per_chunk.into_iter().unzip();
    SheetChanges {
        sheet: plan.sheet,
        cells: cells.concat(),
        deleted: deleted.concat(),
    }
}
