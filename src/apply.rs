//! The apply stage: run each target column's action over a sheet, in parallel row chunks.
//!
//! The result is a list of changes sorted by row and column; writers merge it with the
//! untouched cells. The list is the same for any number of threads.

use crate::actions::{self, CellCtx};
use crate::map::{Map, RowAction};
use crate::plan::{FilePlan, SheetPlan};
use crate::workbook::{Sheet, Workbook};
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

/// What applying a sheet plan needs that is the same for every row: the plan, its active
/// targets, the headers. [`apply_sheet`] applies it to a sheet held in memory; a CSV is
/// streamed through it row by row.
pub struct RowApplier<'a> {
    map: &'a Map,
    plan: &'a SheetPlan,
    targets: Vec<&'a crate::plan::Target>,
    headers: Vec<String>,
    has_scrub_rules: bool,
}

impl<'a> RowApplier<'a> {
    /// An applier of `plan` to rows under `headers`.
    pub fn new(map: &'a Map, plan: &'a SheetPlan, headers: Vec<String>) -> RowApplier<'a> {
        RowApplier {
            map,
            plan,
            targets: plan
                .targets
                .iter()
                .filter(|t| !matches!(map.rules[t.rule].action, actions::Action::Keep))
                .collect(),
            headers,
            has_scrub_rules: plan
                .row_rules
                .iter()
                .any(|&(_, r)| map.rows[r].action == RowAction::Scrub),
        }
    }

    /// Apply the plan to data row `row` (0-based, the header is row 0), whose cells `cell`
    /// gives: its changes are pushed to `out` in column order, or its deletion to `deleted`.
    pub fn apply_row<'c>(
        &self,
        row: u32,
        cell: impl Fn(u32) -> &'c Data,
        out: &mut Vec<Change>,
        deleted: &mut Vec<Deletion>,
    ) {
        let map = self.map;
        // Borrowed for text cells: row rules test a cell of every row.
        let cell_text = |col: u32| -> Cow<'c, str> {
            match cell(col) {
                Data::Empty => Cow::Borrowed(""),
                Data::String(s) => Cow::Borrowed(s.as_str()),
                other => Cow::Owned(other.to_string()),
            }
        };
        let matching = |action: RowAction| {
            self.plan.row_rules.iter().find(|&&(col, r)| {
                map.rows[r].action == action && map.rows[r].condition.test(&cell_text(col))
            })
        };
        if let Some(&(_, rule)) = matching(RowAction::Delete) {
            deleted.push(Deletion { row, rule });
            return;
        }
        if self.has_scrub_rules && matching(RowAction::Scrub).is_none() {
            return;
        }
        let record_id = self.plan.record_id.and_then(|c| match cell(c) {
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
                        let old = cell_text(c.col);
                        let new = match &c.new {
                            Data::String(s) if map.rules[c.rule].action.output_is_reportable() => {
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
            for t in self
                .targets
                .iter()
                .filter(|t| uses_mentions(&map.rules[t.rule].action) == late)
            {
                let rule = &map.rules[t.rule];
                let ctx = CellCtx {
                    row: row + 1,
                    record_id,
                    column: self.headers.get(t.col as usize).map_or("", String::as_str),
                };
                if let Some(new) =
                    actions::apply_with(&rule.action, cell(t.col), &ctx, t.max_length, &lost)
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
}

/// Apply a file's `plan` to `book`: the changes of each sheet it scrubs, in plan order.
pub fn apply_plan(map: &Map, plan: &FilePlan, book: &Workbook) -> Vec<SheetChanges> {
    plan.sheets
        .iter()
        .map(|sp| apply_sheet(map, sp, &book.sheets[sp.sheet]))
        .collect()
}

/// Apply `plan` to `sheet`.
pub fn apply_sheet(map: &Map, plan: &SheetPlan, sheet: &Sheet) -> SheetChanges {
    let height = sheet.height();
    let applier = RowApplier::new(map, plan, sheet.headers().unwrap_or_default());
    let chunks: Vec<(u32, u32)> = (1..height)
        .step_by(CHUNK_ROWS as usize)
        .map(|start| (start, (start + CHUNK_ROWS).min(height)))
        .collect();
    let per_chunk: Vec<(Vec<Change>, Vec<Deletion>)> = chunks
        .into_par_iter()
        .map(|(start, end)| {
            let mut out = Vec::new();
            let mut deleted = Vec::new();
            for row in start..end {
                applier.apply_row(row, |col| sheet.cell(row, col), &mut out, &mut deleted);
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
