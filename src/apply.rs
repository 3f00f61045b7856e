//! The apply stage: run each target column's action over a sheet, in parallel row chunks.
//!
//! The result is a list of changes sorted by row and column; writers merge it with the
//! untouched cells. The list is the same for any number of threads.

use crate::actions::{self, CellCtx};
use crate::map::{Map, RowAction};
use crate::plan::{FilePlan, SheetPlan, MAX_COLUMN, MAX_RULE};
use crate::workbook::{Sheet, Workbook};
use calamine::Data;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

/// Rows handled by one parallel task.
const CHUNK_ROWS: u32 = 2048;

/// One changed cell, in twelve bytes: millions are kept until the output is written. A plan
/// changes no column past [`MAX_COLUMN`] with no rule past [`MAX_RULE`] (see
/// [`crate::plan::resolve`]), so each takes 16 bits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Change {
    /// Zero-based row (the header is row 0, so data starts at 1).
    pub row: u32,
    /// Zero-based column.
    pub col: u16,
    /// Index of the rule in [`Map::rules`] that changed it.
    pub rule: u16,
    /// The new value, kept in its sheet's [`SheetChanges::values`]: read it with
    /// [`SheetChanges::value`].
    pub new: New,
}

impl Change {
    /// The cell's column, as the workbook numbers columns.
    pub fn col(&self) -> u32 {
        u32::from(self.col)
    }

    /// The rule in [`Map::rules`] that changed the cell.
    pub fn rule(&self) -> usize {
        self.rule as usize
    }
}

/// Where a changed cell's new value is in its sheet's [`Values`]: nowhere for a cleared cell
/// (most of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct New(u32);

impl New {
    /// A cleared cell's.
    pub const CLEARED: New = New(u32::MAX);
    /// Set in the number of a value that is not a text (a number, a date): its place among
    /// [`Values`]' others.
    const OTHER: u32 = 1 << 31;
    /// Set (and [`New::OTHER`] not) in the number of a text kept in the table the values share
    /// ([`Values::share`]): its place there.
    const SHARED: u32 = 1 << 30;

    /// Text `at` of the table the values share, when its number fits.
    pub fn shared(at: usize) -> Option<New> {
        u32::try_from(at)
            .ok()
            .filter(|&at| at < New::SHARED)
            .map(|at| New(New::SHARED | at))
    }
}

/// Texts kept once for the changes of every sheet and for another use, instead of a copy in
/// each sheet's [`Values`]: the new shared strings a streamed scrub writes into the output's
/// table are the changed cells' new texts.
pub trait TextTable: std::fmt::Debug + Send + Sync {
    /// Text `i`.
    fn text(&self, i: usize) -> Option<&str>;
}

impl Default for New {
    fn default() -> New {
        New::CLEARED
    }
}

/// The new values of a sheet's changes: their texts one after the other in one buffer, the
/// other values (numbers, dates, rare) in a list. A large export keeps millions of changes
/// until its output is written: their texts take no allocation each.
#[derive(Debug, Clone, Default)]
pub struct Values {
    text: String,
    /// Where each text ends in `text`.
    ends: Vec<u32>,
    others: Vec<Data>,
    /// The table of the texts kept elsewhere (see [`Values::share`]).
    shared: Option<Arc<dyn TextTable>>,
}

impl Values {
    /// Keep `value`; where it is. A text that is one of the last few kept (the same
    /// replacement often goes into two columns of one row, as a user name and an email) is
    /// not kept again.
    pub fn push(&mut self, value: Data) -> New {
        match value {
            Data::Empty => New::CLEARED,
            Data::String(s)
                if self.ends.len() < New::SHARED as usize
                    && u32::try_from(self.text.len() + s.len()).is_ok() =>
            {
                if let Some(same) = self.kept_as(&s) {
                    return same;
                }
                self.text.push_str(&s);
                self.ends.push(self.text.len() as u32);
                New(self.ends.len() as u32 - 1)
            }
            value if self.others.len() < New::OTHER as usize - 1 => {
                self.others.push(value);
                New(New::OTHER | (self.others.len() as u32 - 1))
            }
            // Past two billion values of one sheet (never seen): the cell reads as cleared.
            _ => New::CLEARED,
        }
    }

    /// Where `text` is already kept among the last few texts (a row's).
    fn kept_as(&self, text: &str) -> Option<New> {
        /// How many of the last texts are compared.
        const LAST: usize = 8;
        let first = self.ends.len().saturating_sub(LAST);
        (first..self.ends.len()).rev().find_map(|i| {
            let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
            (self.text.get(start..self.ends[i] as usize) == Some(text)).then_some(New(i as u32))
        })
    }

    /// The value kept at `new`.
    pub fn get(&self, new: New) -> NewValue<'_> {
        if new == New::CLEARED {
            NewValue::Cleared
        } else if new.0 & New::OTHER != 0 {
            self.others
                .get((new.0 & !New::OTHER) as usize)
                .map_or(NewValue::Cleared, NewValue::Other)
        } else if new.0 & New::SHARED != 0 {
            (self.shared.as_ref())
                .and_then(|table| table.text((new.0 & !New::SHARED) as usize))
                .map_or(NewValue::Cleared, NewValue::Text)
        } else {
            let i = new.0 as usize;
            let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
            NewValue::Text(&self.text[start..self.ends[i] as usize])
        }
    }

    /// How many texts these keep in their own buffer.
    pub fn own_texts(&self) -> usize {
        self.ends.len()
    }

    /// Whether `new` is a text of their own buffer.
    pub fn is_own_text(&self, new: New) -> bool {
        new.0 & (New::OTHER | New::SHARED) == 0
    }

    /// Let the texts of their own buffer after the first `len` go: the caller has moved every
    /// change that read them to the shared table (see [`Values::share`]).
    pub fn forget_texts_after(&mut self, len: usize) {
        if len < self.ends.len() {
            self.ends.truncate(len);
            self.text
                .truncate(self.ends.last().map_or(0, |&end| end as usize));
        }
    }

    /// Read the texts numbered [`New::shared`] in `table`.
    pub fn share(&mut self, table: Arc<dyn TextTable>) {
        self.shared = Some(table);
    }

    /// Keep `other`'s values after these; how far their texts' and others' numbers move.
    fn append(&mut self, other: Values) -> (u32, u32) {
        let moved = (self.ends.len() as u32, self.others.len() as u32);
        let base = self.text.len() as u32;
        self.text.push_str(&other.text);
        self.ends.extend(other.ends.iter().map(|e| e + base));
        self.others.extend(other.others);
        moved
    }

    /// Give back the room the buffers grew into.
    fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
        self.others.shrink_to_fit();
    }
}

/// A changed cell's new value, as its sheet's [`Values`] keep it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NewValue<'a> {
    /// The cell is cleared.
    Cleared,
    /// A text.
    Text(&'a str),
    /// Any other value (never [`Data::String`] or [`Data::Empty`]).
    Other(&'a Data),
}

impl<'a> NewValue<'a> {
    /// The value as a cell holds it: borrowed but for a text.
    pub fn data(self) -> Cow<'a, Data> {
        static EMPTY: Data = Data::Empty;
        match self {
            NewValue::Cleared => Cow::Borrowed(&EMPTY),
            NewValue::Text(s) => Cow::Owned(Data::String(s.to_string())),
            NewValue::Other(d) => Cow::Borrowed(d),
        }
    }

    /// The value as a cell's text: empty for a cleared cell, a number or date written out.
    pub fn text(self) -> Cow<'a, str> {
        match self {
            NewValue::Cleared => Cow::Borrowed(""),
            NewValue::Text(s) => Cow::Borrowed(s),
            NewValue::Other(Data::String(s)) => Cow::Borrowed(s),
            NewValue::Other(d) => Cow::Owned(crate::text::data_text(d)),
        }
    }

    /// The value's text, when it is a text.
    pub fn as_str(self) -> Option<&'a str> {
        match self {
            NewValue::Text(s) => Some(s),
            NewValue::Other(Data::String(s)) => Some(s),
            _ => None,
        }
    }
}

/// A cell's value, as a new value.
impl<'a> From<&'a Data> for NewValue<'a> {
    fn from(value: &'a Data) -> NewValue<'a> {
        match value {
            Data::Empty => NewValue::Cleared,
            Data::String(s) => NewValue::Text(s),
            other => NewValue::Other(other),
        }
    }
}

impl std::fmt::Display for NewValue<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NewValue::Cleared => Ok(()),
            NewValue::Text(s) => f.write_str(s),
            NewValue::Other(d) => d.fmt(f),
        }
    }
}

impl PartialEq<Data> for NewValue<'_> {
    fn eq(&self, other: &Data) -> bool {
        match (self, other) {
            (NewValue::Cleared, Data::Empty) => true,
            (NewValue::Text(s), Data::String(o)) => s == o,
            (NewValue::Other(d), o) => *d == o,
            _ => false,
        }
    }
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
#[derive(Debug, Clone, Default)]
pub struct SheetChanges {
    /// Index of the sheet in the workbook.
    pub sheet: usize,
    /// The changed cells (never in deleted rows).
    pub cells: Vec<Change>,
    /// The deleted rows, ascending.
    pub deleted: Vec<Deletion>,
    /// The changed cells' new values (see [`SheetChanges::value`]).
    pub values: Values,
}

/// Two sheets' changes are the same when they change the same cells to the same values,
/// however their values are kept.
impl PartialEq for SheetChanges {
    fn eq(&self, other: &SheetChanges) -> bool {
        self.sheet == other.sheet
            && self.deleted == other.deleted
            && self.cells.len() == other.cells.len()
            && self.cells.iter().zip(&other.cells).all(|(a, b)| {
                (a.row, a.col, a.rule) == (b.row, b.col, b.rule) && self.value(a) == other.value(b)
            })
    }
}

/// The changes of each sheet of a workbook of `sheets` sheets, at the sheet's index (the index
/// the changes carry): the one join of a workbook's sheets with what changed in them. Where
/// two entries name one sheet, the first counts.
pub fn changes_by_sheet(changes: &[SheetChanges], sheets: usize) -> Vec<Option<&SheetChanges>> {
    let mut by_sheet = vec![None; sheets];
    for sc in changes {
        if let Some(slot @ None) = by_sheet.get_mut(sc.sheet) {
            *slot = Some(sc);
        }
    }
    by_sheet
}

/// The changes of the sheet at `index`, when there are any: [`changes_by_sheet`] for a caller
/// that needs one sheet.
pub fn changes_at(changes: &[SheetChanges], index: usize) -> Option<&SheetChanges> {
    changes_by_sheet(changes, index + 1)[index]
}

impl SheetChanges {
    /// The new value of `change`, one of these changes.
    pub fn value(&self, change: &Change) -> NewValue<'_> {
        self.values.get(change.new)
    }

    /// Change the cell at `row` and `col` to `value` by rule `rule` (after the changes
    /// pushed so far, which the caller keeps sorted). The column and rule are a plan's
    /// ([`crate::plan::resolve`] refuses those past [`MAX_COLUMN`] and [`MAX_RULE`]).
    pub fn push(&mut self, row: u32, col: u32, rule: usize, value: Data) {
        debug_assert!(col <= MAX_COLUMN && rule <= MAX_RULE);
        let new = self.values.push(value);
        self.cells.push(Change {
            row,
            col: u16::try_from(col).unwrap_or(u16::MAX),
            rule: u16::try_from(rule).unwrap_or(u16::MAX),
            new,
        });
    }

    /// Keep `other`'s changes, of the rows after these, after these.
    pub fn append(&mut self, other: SheetChanges) {
        let (a, b) = (&self.values, &other.values);
        let fits = u32::try_from(a.text.len() + b.text.len()).is_ok()
            && a.ends.len() + b.ends.len() < New::SHARED as usize
            && a.others.len() + b.others.len() < New::OTHER as usize - 1
            // Texts of another table are read from it, and kept as their own here.
            && b.shared.is_none();
        if !fits {
            // Past what the numbers hold (never seen): each value is kept as it comes.
            for c in &other.cells {
                self.push(c.row, c.col(), c.rule(), other.value(c).data().into_owned());
            }
            self.deleted.extend(other.deleted);
            return;
        }
        let (texts, others) = self.values.append(other.values);
        self.cells.extend(other.cells.into_iter().map(|c| Change {
            new: match c.new {
                New::CLEARED => New::CLEARED,
                New(n) if n & New::OTHER != 0 => New(New::OTHER | ((n & !New::OTHER) + others)),
                New(n) if n & New::SHARED != 0 => New(n),
                New(n) => New(n + texts),
            },
            ..c
        }));
        self.deleted.extend(other.deleted);
    }

    /// No changes, the room kept (a row's, reused from row to row).
    pub fn clear(&mut self) {
        self.cells.clear();
        self.deleted.clear();
        self.values.text.clear();
        self.values.ends.clear();
        self.values.others.clear();
    }

    /// Give back the room the lists grew into (up to half of them, millions of entries in a
    /// large export).
    pub fn shrink_to_fit(&mut self) {
        self.cells.shrink_to_fit();
        self.deleted.shrink_to_fit();
        self.values.shrink_to_fit();
    }

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
            if (c.row, c.col()) < (row, col) {
                *cursor += 1;
            } else if (c.row, c.col()) == (row, col) {
                *cursor += 1;
                return Some(c);
            } else {
                return None;
            }
        }
        None
    }
}

/// What a sheet's rows did for the data subjects (subjects by 0-based index).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SubjectHits {
    /// Rows a subject rule matched: (row, subject, the row was deleted).
    pub rows: Vec<(u32, usize, bool)>,
    /// Kept lookup cells (`lookup = true`) that name a subject: (row, column, subject).
    pub residual: Vec<(u32, u32, usize)>,
    /// Cells from which a subject was redacted: (row, column, subject).
    pub redacted: Vec<(u32, u32, usize)>,
    /// Cells of the columns compared with the subjects that resemble a subject without
    /// matching it: (column, subject, how).
    pub near: Vec<(u32, usize, crate::subjects::Near)>,
    /// Kept cells of the map's columns, in rows no subject rule picked, that hold a subject's
    /// value: (row, column, subject, what). With every row written they would carry it into
    /// the output (see [`Held`]).
    pub held: Vec<(u32, u32, usize, Held)>,
}

impl SubjectHits {
    fn extend(&mut self, other: SubjectHits) {
        self.rows.extend(other.rows);
        self.residual.extend(other.residual);
        self.redacted.extend(other.redacted);
        self.near.extend(other.near);
        self.held.extend(other.held);
    }
}

/// Which value of a subject a kept cell of another row holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Held {
    /// An email address, phone number, identifier or sign-in name that the subject's matched
    /// record held (any email; the values of its phone, identifier and sign-in columns with a
    /// digit, an `@` or a backslash).
    Record,
    /// The value the subject was given by.
    Given,
}

impl Held {
    /// How a message says it.
    pub fn describe(self) -> &'static str {
        match self {
            Held::Record => {
                "an email address, phone number or identifier that the subject's record held"
            }
            Held::Given => "the value the subject was given by",
        }
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
    lookups: Vec<u32>,
    /// Per subject, the identifiers its matched rows hold (see [`learned_values`]), and a
    /// redactor of them for the other rows' `other_rows` columns and the text the map redacts
    /// subjects from.
    learned: Option<(actions::Redactor, crate::subjects::Subjects)>,
    /// Per subject, the identifiers its matched rows in the run's other files hold and this
    /// sheet's do not ([`Map::learned_elsewhere`]), and a finder of them: looked for, not
    /// redacted (a check of this file alone could not tell why they went).
    elsewhere: Option<(actions::Redactor, crate::subjects::Subjects)>,
    /// Per subject, the emails, phone numbers, identifiers and sign-in names its matched
    /// records hold (see [`held_values`]), and a finder of them: a kept cell of another row
    /// holding one is a [`Held::Record`].
    held: Option<(actions::Redactor, crate::subjects::Subjects)>,
    /// The subjects' given values but their names (see [`crate::subjects::Subjects::without_names`]),
    /// and a finder of them, for [`Held::Given`].
    given: Option<(actions::Redactor, crate::subjects::Subjects)>,
    /// The columns row rules compare with the subjects (their own checks cover them).
    subject_cols: Vec<u32>,
    /// Whether a target's rule (or its `other_rows` rule) is a `redact` with mentions, which
    /// needs what the row's other columns lost.
    mentions: bool,
    /// When asked for ([`RowApplier::note_lengths`]): per target, the longest text in bytes
    /// its action left in a cell (see [`RowApplier::longest_written`]).
    longest: Option<Vec<std::sync::atomic::AtomicUsize>>,
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
            // The map's rules, not the file's: a file that lacks every column a `scrub` rule
            // reads has no row to scrub, not every row.
            has_scrub_rules: map.rows.iter().any(|r| r.action == RowAction::Scrub),
            lookups: plan
                .targets
                .iter()
                .filter(|t| map.rules[t.rule].lookup)
                .map(|t| t.col)
                .collect(),
            learned: None,
            elsewhere: None,
            held: None,
            given: None,
            subject_cols: plan
                .row_rules
                .iter()
                .zip(&plan.row_joins)
                .filter(|(&(_, r), _)| {
                    matches!(map.rows[r].condition, crate::map::Condition::Subjects(_))
                })
                .flat_map(|(&(c, _), join)| std::iter::once(c).chain(*join))
                .collect(),
            mentions: plan.targets.iter().any(|t| {
                let rule = &map.rules[t.rule];
                uses_mentions(&rule.action)
                    || rule
                        .others
                        .is_some_and(|o| uses_mentions(&map.rules[o].action))
            }),
            longest: None,
        }
    }

    /// Note from now on the longest text each target's action leaves in a cell (see
    /// [`RowApplier::longest_written`]).
    pub fn note_lengths(&mut self) {
        self.longest = Some(self.targets.iter().map(|_| Default::default()).collect());
    }

    /// Per target of the plan, in order: its column and the longest text in bytes its action
    /// left in a cell since
    /// [`RowApplier::note_lengths`] (a new value, or the old one where the action left the
    /// cell as it was), which bounds its characters. So a plan whose maximum length for the
    /// column is no smaller than that writes the same values, a shorter one cutting none:
    /// what a pass made before the file's own maximum lengths were known is checked with (see
    /// `pipeline`). Empty when lengths were not noted.
    pub fn longest_written(&self) -> Vec<(u32, usize)> {
        let Some(longest) = &self.longest else {
            return Vec::new();
        };
        let relaxed = std::sync::atomic::Ordering::Relaxed;
        // A target whose action keeps its cells leaves none it made.
        let mut noted = self.targets.iter().zip(longest).peekable();
        (self.plan.targets.iter())
            .map(|t| match noted.next_if(|(n, _)| std::ptr::eq(**n, t)) {
                Some((_, n)) => (t.col, n.load(relaxed)),
                None => (t.col, 0),
            })
            .collect()
    }

    /// Note that target `k` left `len` bytes of text in a cell.
    fn note_length(&self, k: usize, len: usize) {
        if let Some(n) = self.longest.as_ref().and_then(|l| l.get(k)) {
            let relaxed = std::sync::atomic::Ordering::Relaxed;
            if n.load(relaxed) < len {
                n.fetch_max(len, relaxed);
            }
        }
    }

    /// Whether the map's column actions apply to row `row` (row rules with `action =
    /// "scrub"` limit them; a deleted row is not in scope).
    fn in_scope<'c>(&self, cell: impl Fn(u32) -> &'c Data) -> bool {
        let text = |col: u32| -> Cow<'c, str> {
            match cell(col) {
                Data::Empty => Cow::Borrowed(""),
                Data::String(s) => Cow::Borrowed(s.as_str()),
                other => Cow::Owned(other.to_string()),
            }
        };
        let matching = |action: RowAction| {
            self.plan.row_rules.iter().any(|&(col, r)| {
                self.map.rows[r].action == action && self.map.rows[r].condition.test(&text(col))
            })
        };
        !matching(RowAction::Delete) && (!self.has_scrub_rules || matching(RowAction::Scrub))
    }

    /// Apply the plan to data row `row` (0-based, the header is row 0), whose cells `cell`
    /// gives: its changes are pushed to `out` in column order, or its deletion to `deleted`.
    pub fn apply_row<'c>(
        &self,
        row: u32,
        cell: impl Fn(u32) -> &'c Data,
        out: &mut SheetChanges,
        deleted: &mut Vec<Deletion>,
    ) {
        self.apply_row_hits(row, cell, out, deleted, &mut SubjectHits::default());
    }

    /// The subjects (0-based) a row's subject rules match, for [`learned_values`].
    fn matched_subjects<'c>(&self, cell: impl Fn(u32) -> &'c Data) -> Vec<usize> {
        let text = |col: u32| match cell(col) {
            Data::Empty => String::new(),
            other => other.to_string(),
        };
        let mut out = Vec::new();
        for (&(col, r), &join) in self.plan.row_rules.iter().zip(&self.plan.row_joins) {
            if !matches!(
                self.map.rows[r].condition,
                crate::map::Condition::Subjects(_)
            ) {
                continue;
            }
            let t = match join {
                Some(j) => format!("{} {}", text(col), text(j)),
                None => text(col),
            };
            out.extend(self.map.rows[r].condition.test_subjects(&t).1);
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// [`RowApplier::apply_row`], also noting what the row did for the data subjects.
    pub fn apply_row_hits<'c>(
        &self,
        row: u32,
        cell: impl Fn(u32) -> &'c Data,
        out: &mut SheetChanges,
        deleted: &mut Vec<Deletion>,
        hits: &mut SubjectHits,
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
        // Every rule is tested (not just the first that matches), so that a row is credited to
        // each subject it names.
        let mut delete_rule = None;
        let mut scrubbed = false;
        let mut subjects: Vec<usize> = Vec::new();
        let mut near_here = Vec::new();
        for (&(col, r), &join) in self.plan.row_rules.iter().zip(&self.plan.row_joins) {
            let rule = &map.rows[r];
            if delete_rule.is_some() && rule.action == RowAction::Scrub {
                continue;
            }
            let text = match join {
                Some(j) => Cow::Owned(format!("{} {}", cell_text(col), cell_text(j))),
                None => cell_text(col),
            };
            let (hit, who) = match &rule.condition {
                crate::map::Condition::Subjects(subjects) => {
                    let (who, near) = subjects.examine(&text);
                    near_here.extend(near.into_iter().map(|(s, how)| (col, s, how)));
                    (!who.is_empty(), who)
                }
                other => (other.test(&text), Vec::new()),
            };
            if !hit {
                continue;
            }
            match rule.action {
                RowAction::Delete if delete_rule.is_none() => {
                    delete_rule = Some(r);
                    subjects.clear();
                    subjects.extend(who);
                }
                RowAction::Delete => subjects.extend(who),
                RowAction::Scrub => {
                    scrubbed = true;
                    subjects.extend(who);
                }
            }
        }
        subjects.sort_unstable();
        subjects.dedup();
        // A row matched for a subject by one column is that subject's, whatever another of its
        // columns resembles; a row matched at all is not left behind by a name inside a cell.
        hits.near
            .extend(near_here.into_iter().filter(|&(_, s, how)| {
                subjects.binary_search(&s).is_err() && (!how.stops_run() || subjects.is_empty())
            }));
        // A row no subject matched whose identity holds what a matched row of a subject
        // holds (a full name learned from a subject given by email): another record of theirs,
        // or a namesake's.
        let learned = [&self.learned, &self.elsewhere];
        let learned: Vec<_> = learned.iter().filter_map(|l| l.as_ref()).collect();
        if subjects.is_empty() && !learned.is_empty() {
            for (&(col, r), &join) in self.plan.row_rules.iter().zip(&self.plan.row_joins) {
                if !matches!(map.rows[r].condition, crate::map::Condition::Subjects(_)) {
                    continue;
                }
                let text = match join {
                    Some(j) => Cow::Owned(format!("{} {}", cell_text(col), cell_text(j))),
                    None => cell_text(col),
                };
                for (_, learned) in &learned {
                    // The learned value as the whole cell, or with marks around it, or without
                    // its accents, as a subject's own would be looked for.
                    for s in learned.held_by_cell(&text) {
                        hits.near.push((col, s, crate::subjects::Near::Learned));
                    }
                }
            }
        }
        if let Some(rule) = delete_rule {
            deleted.push(Deletion { row, rule });
            hits.rows.extend(subjects.iter().map(|&s| (row, s, true)));
            return;
        }
        hits.rows.extend(subjects.iter().map(|&s| (row, s, false)));
        for &col in &self.lookups {
            for s in map.subjects.matching(&cell_text(col)) {
                hits.residual.push((row, col, s));
            }
        }
        let other_row = self.has_scrub_rules && !scrubbed;
        let record_id = self.plan.record_id.and_then(|c| match cell(c) {
            Data::String(s) => Some(s.as_str()),
            _ => None,
        });
        // Columns first, then `redact` with mentions, which needs what they lost.
        let first = out.cells.len();
        // The second round is for `redact` with mentions only.
        let rounds: &[bool] = if self.mentions {
            &[false, true]
        } else {
            &[false]
        };
        for &late in rounds {
            let lost: Vec<(Cow<str>, String)> = if late {
                out.cells[first..]
                    .iter()
                    .filter_map(|c: &Change| {
                        let old = cell_text(c.col());
                        let new = match out.value(c) {
                            NewValue::Text(s)
                                if map.rules[c.rule()].action.output_is_reportable() =>
                            {
                                s.to_string()
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
            for (k, t, index) in self.targets.iter().enumerate().filter_map(|(k, t)| {
                // Outside the rows a subject rule picked, only `other_rows` actions apply.
                let index = if other_row {
                    map.rules[t.rule].others?
                } else {
                    t.rule
                };
                (uses_mentions(&map.rules[index].action) == late).then_some((k, t, index))
            }) {
                let rule = &map.rules[index];
                let ctx = CellCtx {
                    row: row + 1,
                    record_id,
                    column: self.headers.get(t.col as usize).map_or("", String::as_str),
                };
                let mut new =
                    actions::apply_with(&rule.action, cell(t.col), &ctx, t.max_length, &lost);
                if self.longest.is_some() {
                    // The value the maximum length cut, if it did; or the cell's own, which an
                    // action that leaves it (a value already as it would be made) did not cut.
                    let len = match &new {
                        Some(Data::String(s)) => s.len(),
                        Some(_) => 0,
                        None => cell_text(t.col).len(),
                    };
                    self.note_length(k, len);
                }
                let redacts_subjects =
                    matches!(&rule.action, actions::Action::Redact(r) if r.uses_subjects());
                if let (true, Some((red, learned))) = (other_row || redacts_subjects, &self.learned)
                {
                    // What the subjects' own rows hold (their email, phone, full name) goes
                    // from other rows' text too, and from text the map redacts subjects from.
                    let base = match &new {
                        Some(Data::String(s)) => Cow::Owned(s.clone()),
                        Some(_) => Cow::Borrowed(""),
                        None => cell_text(t.col),
                    };
                    if let Some(redacted) = red.apply(&base, &[]) {
                        for fragment in red.replaced(&base, &[]) {
                            for s in learned.mentioned(&fragment) {
                                hits.redacted.push((row, t.col, s));
                            }
                        }
                        new = Some(Data::String(redacted));
                    }
                }
                if let (true, Some((red, elsewhere))) =
                    (other_row || redacts_subjects, &self.elsewhere)
                {
                    // What the subjects' rows in other files hold, mentioned in text from which
                    // the run redacts them.
                    let text = match &new {
                        Some(Data::String(s)) => Cow::Borrowed(s.as_str()),
                        Some(_) => Cow::Borrowed(""),
                        None => cell_text(t.col),
                    };
                    for fragment in red.replaced(&text, &[]) {
                        for s in elsewhere.mentioned(&fragment) {
                            hits.near.push((t.col, s, crate::subjects::Near::Mentioned));
                        }
                    }
                }
                if let Some(new) = new {
                    if let actions::Action::Redact(red) = &rule.action {
                        if red.uses_subjects() {
                            for fragment in red.replaced(&cell_text(t.col), &[]) {
                                for s in map.subjects.mentioned(&fragment) {
                                    hits.redacted.push((row, t.col, s));
                                }
                            }
                        }
                    }
                    out.push(row, t.col, index, new);
                }
            }
        }
        out.cells[first..].sort_by_key(|c| c.col);
        if other_row && subjects.is_empty() && map.subject_scoped {
            self.held_in_row(row, &cell_text, &out.cells[first..], hits);
        }
    }

    /// The kept cells of the map's columns in row `row`, which no subject rule picked, that
    /// hold a subject's value: what its matched records held ([`Held::Record`]) or the value it
    /// was given by ([`Held::Given`]), as the whole cell or inside its text. `changed` are the
    /// row's changes.
    fn held_in_row<'c>(
        &self,
        row: u32,
        cell_text: &impl Fn(u32) -> Cow<'c, str>,
        changed: &[Change],
        hits: &mut SubjectHits,
    ) {
        use crate::subjects::Near;
        // Most cells (names, cities, titles) hold no digit and no `@`, and cannot hold a
        // number or an address.
        let numeric = |text: &str| {
            text.chars()
                .any(|c| c.is_numeric() || c == '@' || c == '＠')
        };
        let found = |red: &actions::Redactor, subjects: &crate::subjects::Subjects, text: &str| {
            let numeric = numeric(text);
            if !numeric && subjects.numbers_and_addresses_only() {
                return Vec::new();
            }
            // A name, in any of its forms, is what the redactor finds; the whole cell is
            // compared for a number or an address written otherwise.
            let mut who = if numeric {
                subjects.matching(text)
            } else {
                Vec::new()
            };
            for fragment in red.replaced(text, &[]) {
                who.extend(subjects.mentioned(&fragment));
            }
            who.sort_unstable();
            who.dedup();
            who
        };
        for t in &self.targets {
            if changed.iter().any(|c| c.col() == t.col) {
                continue;
            }
            let text = cell_text(t.col);
            if text.trim().is_empty() {
                continue;
            }
            // A column a row rule compares has its own checks ([`Near::Learned`],
            // [`Near::Inside`]): it is named once, but still fails a file that writes it.
            let compared = self.subject_cols.contains(&t.col);
            if let Some((red, held)) = &self.held {
                for s in found(red, held, &text) {
                    hits.held.push((row, t.col, s, Held::Record));
                    if !compared {
                        hits.near.push((t.col, s, Near::Held));
                    }
                }
            }
            if let (Some((red, given)), false) = (&self.given, compared) {
                for s in found(red, given, &text) {
                    hits.held.push((row, t.col, s, Held::Given));
                    hits.near.push((t.col, s, Near::Given));
                }
            }
        }
    }
}

/// A redactor of `values` (per subject), and the values as subjects, to tell whose they are.
fn finder(values: Vec<Vec<String>>) -> Option<(actions::Redactor, crate::subjects::Subjects)> {
    let learned = crate::subjects::Subjects::aligned(values);
    let red =
        actions::Redactor::new(vec![actions::Detector::Subjects], &[], false, &learned).ok()?;
    Some((red, learned))
}

/// The values of [`Map::learned_elsewhere`] that `here` (what this sheet's rows taught, per
/// subject) lacks, as a [`finder`]; `None` when there are none.
fn elsewhere(
    map: &Map,
    here: Option<&[Vec<String>]>,
) -> Option<(actions::Redactor, crate::subjects::Subjects)> {
    let values: Vec<Vec<String>> = map
        .learned_elsewhere
        .iter()
        .enumerate()
        .map(|(s, values)| {
            let known = here.and_then(|h| h.get(s)).map_or(&[][..], Vec::as_slice);
            values
                .iter()
                .filter(|v| !known.contains(v))
                .cloned()
                .collect()
        })
        .collect();
    if values.iter().all(Vec::is_empty) || !map.subject_scoped {
        return None;
    }
    finder(values)
}

/// Per subject, what the rows matched for it hold besides the value given (their email
/// addresses, phone numbers, full name and user name), in each sheet of `book` that `plan`
/// scrubs, each value once: what a run over several files looks for in the others
/// ([`Map::learned_elsewhere`]).
pub fn learn_book(map: &Map, plan: &FilePlan, book: &Workbook) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = vec![Vec::new(); map.subjects.len()];
    for sp in &plan.sheets {
        let applier = RowApplier::new(map, sp, sp.headers.clone());
        let sheet = &book.sheets[sp.sheet];
        merge_learned(
            &mut out,
            learned_values(map, sp, sheet, &applier).unwrap_or_default(),
        );
    }
    out
}

/// Add what `from` holds per subject to `into`, each value once.
pub fn merge_learned(into: &mut [Vec<String>], from: Vec<Vec<String>>) {
    for (known, values) in into.iter_mut().zip(from) {
        for v in values {
            if !known.contains(&v) {
                known.push(v);
            }
        }
    }
}

/// A sign-in name of an on-premises directory (`CONTOSO\kalfarsi`): a domain, a backslash and
/// a name, no space.
fn login(text: &str) -> bool {
    text.split_once('\\').is_some_and(|(domain, name)| {
        !domain.is_empty()
            && !name.is_empty()
            && domain
                .chars()
                .chain(name.chars())
                .all(|c| !c.is_whitespace())
            && name.chars().any(char::is_alphabetic)
    })
}

/// Whether a value of the subject's own record names them wherever it stands, so that other
/// rows' text loses it: an email address, a phone number, an identifier with digits
/// (`EMP-0042673`), a sign-in name (see [`login`]), a street address (words and a number, `136
/// Rainbow Street`); not a date, a city or a title, which others share.
fn identifies_alone(text: &str) -> bool {
    if crate::text::looks_like_date(text) {
        return false;
    }
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let letters = text.chars().any(char::is_alphabetic);
    let words = text.split_whitespace().count();
    // `identifies` takes phone numbers (7 digits or more) and addresses with letters.
    crate::dynamics::is_email(text)
        || login(text)
        || crate::needles::identifies(text, false)
        || (digits > 0 && letters && words >= 2 && text.chars().count() >= 8)
}

/// What the rows that identify a subject hold besides the value given: their email addresses,
/// phone numbers, identifiers, sign-in names and street addresses (see [`identifies_alone`]; in
/// rows a rule scrubs, the subject's own records, not in rows a rule deletes, which hold other
/// people too) and the identity columns' text (full name, user name; first and last name
/// joined), per subject. `None` outside a subject-scoped run. The other rows of
/// the sheet are checked for them (see [`Near::Learned`](crate::subjects::Near::Learned)), and
/// where the map has `other_rows` actions, or redacts subjects from text, their text loses them.
fn learned_values(
    map: &Map,
    plan: &SheetPlan,
    sheet: &Sheet,
    applier: &RowApplier,
) -> Option<Vec<Vec<String>>> {
    if !map.subject_scoped {
        return None;
    }
    let mut per_subject: Vec<Vec<String>> = vec![Vec::new(); map.subjects.len()];
    let mut seen: Vec<std::collections::HashSet<String>> =
        vec![std::collections::HashSet::new(); map.subjects.len()];
    let own_record = plan
        .row_rules
        .iter()
        .any(|&(_, r)| map.rows[r].action == crate::map::RowAction::Scrub);
    let identity: Vec<u32> = plan
        .row_rules
        .iter()
        .map(|&(c, _)| c)
        .chain(plan.row_joins.iter().flatten().copied())
        .collect();
    for row in 1..sheet.height() {
        let who = applier.matched_subjects(|col| sheet.cell(row, col));
        if who.is_empty() {
            continue;
        }
        let mut values = Vec::new();
        // A row a rule deletes (an approval the subject owns) holds other people too (its
        // requestor, its responders): only what names the subject there is theirs. A row a
        // rule scrubs is the subject's own record: its addresses and numbers are theirs.
        let targets = plan
            .targets
            .iter()
            .filter(|_| own_record)
            .map(|t| (t.col, false));
        for (col, strong) in identity.iter().map(|&c| (c, true)).chain(targets) {
            let text = match sheet.cell(row, col) {
                Data::String(s) => s.trim().to_string(),
                _ => continue,
            };
            let kept = if strong {
                text.split_whitespace().count() >= 2 || text.contains('@') || login(&text)
            } else {
                identifies_alone(&text)
            };
            if kept && !values.contains(&text) {
                values.push(text);
            }
        }
        // A name in two columns (First Name + Last Name, where a view has no Full Name) is
        // the full name too.
        for (&(col, _), join) in plan.row_rules.iter().zip(&plan.row_joins) {
            let (Some(j), Data::String(first)) = (join, sheet.cell(row, col)) else {
                continue;
            };
            if let Data::String(last) = sheet.cell(row, *j) {
                let name = format!("{} {}", first.trim(), last.trim());
                if !first.trim().is_empty() && !last.trim().is_empty() && !values.contains(&name) {
                    values.push(name);
                }
            }
        }
        // Records of one person, or namesakes, hold the same name: each value once, or the
        // search of the other rows grows with the matched rows.
        for s in who {
            for v in &values {
                if seen[s].insert(v.clone()) {
                    per_subject[s].push(v.clone());
                }
            }
        }
    }
    Some(per_subject)
}

/// What the records a subject rule picked for a subject hold in the map's columns that
/// identifies the subject wherever it stands, per subject: email addresses (in any column),
/// and the values of columns of phone numbers, identifiers and sign-in names (`Mobile Phone`,
/// `Employee`, `User Name`, `Windows Live ID`: by their headers, see
/// [`crate::subjects::holds_identifiers`]) with digits, an `@` or a backslash, of 4 characters
/// or more. Not a name, which the row rules compare, nor a city, a
/// business unit, a job title, a postal code or an address, which others share. `None`
/// outside a subject-scoped run or for a sheet whose row rules only delete.
fn held_values(
    map: &Map,
    plan: &SheetPlan,
    sheet: &Sheet,
    applier: &RowApplier,
) -> Option<Vec<Vec<String>>> {
    let own_record = plan
        .row_rules
        .iter()
        .any(|&(_, r)| map.rows[r].action == RowAction::Scrub);
    if !map.subject_scoped || !own_record {
        return None;
    }
    let identifying: Vec<bool> = plan
        .targets
        .iter()
        .map(|t| {
            let header = plan.headers.get(t.col as usize).map_or("", String::as_str);
            crate::subjects::holds_identifiers(header)
        })
        .collect();
    let mut per_subject: Vec<Vec<String>> = vec![Vec::new(); map.subjects.len()];
    for row in 1..sheet.height() {
        let who = applier.matched_subjects(|col| sheet.cell(row, col));
        if who.is_empty() {
            continue;
        }
        for (t, &kind) in plan.targets.iter().zip(&identifying) {
            if matches!(map.rules[t.rule].action, actions::Action::Keep) {
                continue;
            }
            let Some(text) = actions::cell_text(sheet.cell(row, t.col)) else {
                continue;
            };
            let text = text.trim();
            let email = crate::dynamics::is_email(text);
            // A name is the row rules' to compare; an identifier has digits, a sign-in name
            // an `@` or a backslash.
            let shaped = text.contains(['@', '\\']) || text.chars().any(|c| c.is_ascii_digit());
            if text.chars().count() < 4
                || !(email || (kind && shaped && !crate::text::looks_like_date(text)))
            {
                continue;
            }
            for &s in &who {
                if !per_subject[s].iter().any(|v| v == text) {
                    per_subject[s].push(text.to_string());
                }
            }
        }
    }
    Some(per_subject)
}

/// Apply a file's `plan` to `book`: the changes of each sheet it scrubs, in plan order.
pub fn apply_plan(map: &Map, plan: &FilePlan, book: &Workbook) -> Vec<SheetChanges> {
    apply_plan_hits(map, plan, book).0
}

/// [`apply_plan`], also returning what each sheet did for the data subjects.
pub fn apply_plan_hits(
    map: &Map,
    plan: &FilePlan,
    book: &Workbook,
) -> (Vec<SheetChanges>, Vec<SubjectHits>) {
    plan.sheets
        .iter()
        .map(|sp| apply_sheet_hits(map, sp, &book.sheets[sp.sheet]))
        .unzip()
}

/// Apply `plan` to `sheet`.
pub fn apply_sheet(map: &Map, plan: &SheetPlan, sheet: &Sheet) -> SheetChanges {
    apply_sheet_hits(map, plan, sheet).0
}

/// [`apply_sheet`], also returning what the sheet did for the data subjects.
pub fn apply_sheet_hits(map: &Map, plan: &SheetPlan, sheet: &Sheet) -> (SheetChanges, SubjectHits) {
    let height = sheet.height();
    let applier = RowApplier::new(map, plan, plan.headers.clone());
    let mut applier = applier;
    let here = learned_values(map, plan, sheet, &applier);
    applier.elsewhere = elsewhere(map, here.as_deref());
    applier.learned = here.and_then(finder);
    if map.subject_scoped {
        let held =
            held_values(map, plan, sheet, &applier).filter(|v| v.iter().any(|v| !v.is_empty()));
        applier.held = held.and_then(finder);
        // Not a name: a name on another record names someone else as often as not, a row rule
        // compares the name columns and checks them (see [`crate::subjects::Near`]), and
        // free text loses it; searching every kept cell of every row for it would cost more
        // than the rest of the run.
        applier.given = map.subjects.without_names().and_then(|given| {
            let red = actions::Redactor::new(vec![actions::Detector::Subjects], &[], false, &given)
                .ok()?;
            Some((red, given))
        });
    }
    let chunks: Vec<(u32, u32)> = (1..height)
        .step_by(CHUNK_ROWS as usize)
        .map(|start| (start, (start + CHUNK_ROWS).min(height)))
        .collect();
    let per_chunk: Vec<(SheetChanges, Vec<Deletion>, SubjectHits)> = chunks
        .into_par_iter()
        .map(|(start, end)| {
            let mut out = SheetChanges::default();
            let mut deleted = Vec::new();
            let mut hits = SubjectHits::default();
            for row in start..end {
                applier.apply_row_hits(
                    row,
                    |col| sheet.cell(row, col),
                    &mut out,
                    &mut deleted,
                    &mut hits,
                );
            }
            (out, deleted, hits)
        })
        .collect();
    let mut changes = SheetChanges {
        sheet: plan.sheet,
        ..SheetChanges::default()
    };
    let mut hits = SubjectHits::default();
    for (c, d, h) in per_chunk {
        changes.append(c);
        changes.deleted.extend(d);
        hits.extend(h);
    }
    mention_other_rows(map, plan, sheet, &mut changes);
    (changes, hits)
}

/// `redact` with `mentions`: besides the values its own row lost, the strong identifiers that
/// any other row lost (emails, phone numbers, identifiers with digits, full names: see
/// [`crate::needles::identifies`]; a full name also without its middle names or accents and
/// last name first) are replaced by their replacements, so a note naming another scrubbed
/// person loses the name too. Single words stay limited to their own row: a
/// first name is too often someone else's. Needs the whole sheet, so a CSV whose map uses
/// mentions is read whole rather than streamed.
fn mention_other_rows(map: &Map, plan: &SheetPlan, sheet: &Sheet, changes: &mut SheetChanges) {
    let mention_cols: Vec<&crate::plan::Target> = plan
        .targets
        .iter()
        .filter(|t| uses_mentions(&map.rules[t.rule].action))
        .collect();
    if mention_cols.is_empty() {
        return;
    }
    let names: Vec<bool> = plan
        .headers
        .iter()
        .map(|h| crate::needles::names_people(h))
        .collect();
    // Every strong value removed outside the mention columns, and what replaced it.
    let mut replacement: HashMap<String, String> = HashMap::new();
    for c in &changes.cells {
        let rule = &map.rules[c.rule()];
        if uses_mentions(&rule.action) {
            continue;
        }
        let Some(old) = actions::cell_text(sheet.cell(c.row, c.col())) else {
            continue;
        };
        let name = names.get(c.col as usize).copied().unwrap_or(false)
            || crate::needles::names_people(&rule.key);
        if !crate::needles::identifies(&old, name) {
            continue;
        }
        let new = match changes.value(c) {
            NewValue::Text(s) if rule.action.output_is_reportable() && !s.is_empty() => {
                s.to_string()
            }
            _ => actions::REDACTED.to_string(),
        };
        // A full name is also written without its middle names or accents, and last name
        // first ("Al-Farsi, Karim"): the same person, with the same replacement.
        if name {
            let forms = crate::needles::name_variants(&old)
                .into_iter()
                .chain(crate::needles::last_name_first(&old));
            for form in forms {
                replacement
                    .entry(form.trim().to_lowercase())
                    .or_insert_with(|| new.clone());
            }
        }
        replacement.entry(old.trim().to_lowercase()).or_insert(new);
    }
    if replacement.is_empty() {
        return;
    }
    let keys: Vec<&str> = replacement.keys().map(String::as_str).collect();
    let needles = crate::needles::Needles::new(&keys);
    let deleted: std::collections::HashSet<u32> = changes.deleted.iter().map(|d| d.row).collect();
    let scope = RowApplier::new(map, plan, plan.headers.clone());
    let height = sheet.height();
    let updates: Vec<(u32, u32, usize, String)> = (1..height)
        .into_par_iter()
        .filter(|row| !deleted.contains(row))
        .flat_map_iter(|row| {
            let existing = |col: u32| {
                changes
                    .cells
                    .binary_search_by(|c| (c.row, c.col()).cmp(&(row, col)))
                    .ok()
                    .map(|i| &changes.cells[i])
            };
            let mut out = Vec::new();
            for t in &mention_cols {
                let current = match existing(t.col) {
                    Some(c) => changes.value(c).as_str(),
                    None if scope.in_scope(|col| sheet.cell(row, col)) => {
                        match sheet.cell(row, t.col) {
                            Data::String(s) => Some(s.as_str()),
                            _ => None,
                        }
                    }
                    None => continue,
                };
                let Some(text) = current else {
                    continue;
                };
                let spans = needles.mention_spans(text);
                if spans.is_empty() {
                    continue;
                }
                let mut new = String::with_capacity(text.len());
                let mut at = 0;
                for (start, end, value) in spans {
                    new.push_str(&text[at..start]);
                    new.push_str(replacement.get(value).map_or(actions::REDACTED, |s| s));
                    at = end;
                }
                new.push_str(&text[at..]);
                out.push((row, t.col, t.rule, new));
            }
            out
        })
        .collect();
    for (row, col, rule, text) in updates {
        let u = Change {
            row,
            col: u16::try_from(col).unwrap_or(u16::MAX),
            rule: u16::try_from(rule).unwrap_or(u16::MAX),
            new: changes.values.push(Data::String(text)),
        };
        // The replaced value stays in the buffer, unread.
        match changes
            .cells
            .binary_search_by(|c| (c.row, c.col()).cmp(&(row, col)))
        {
            Ok(i) => changes.cells[i] = u,
            Err(i) => changes.cells.insert(i, u),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_twelve_bytes_and_its_value_is_kept_in_its_sheets_buffer() {
        // Millions are kept until the output is written.
        assert_eq!(std::mem::size_of::<Change>(), 12);
        let mut sc = SheetChanges::default();
        sc.push(1, 0, 0, Data::Empty);
        sc.push(1, 1, 2, Data::String("Deleted".into()));
        sc.push(1, 2, 0, Data::Float(2.5));
        sc.push(2, 1, 2, Data::String("".into()));
        sc.push(2, 2, 1, Data::String("Zoë".into()));
        let values: Vec<NewValue> = sc.cells.iter().map(|c| sc.value(c)).collect();
        assert_eq!(
            values,
            [
                NewValue::Cleared,
                NewValue::Text("Deleted"),
                NewValue::Other(&Data::Float(2.5)),
                NewValue::Text(""),
                NewValue::Text("Zoë"),
            ]
        );
        assert_eq!(sc.cells[0].new, New::default());
        assert_eq!(sc.cells[1].rule(), 2);
        assert_eq!(values[2].text(), "2.5");
        assert_eq!(values[0].data().into_owned(), Data::Empty);

        // Another sheet's changes, appended, keep their values; and the two compare by value.
        let mut more = SheetChanges::default();
        more.push(3, 0, 0, Data::Int(7));
        more.push(3, 1, 2, Data::String("User 3".into()));
        more.deleted.push(Deletion { row: 4, rule: 0 });
        let mut both = sc.clone();
        both.append(more.clone());
        let tail: Vec<NewValue> = both.cells[5..].iter().map(|c| both.value(c)).collect();
        assert_eq!(
            tail,
            [NewValue::Other(&Data::Int(7)), NewValue::Text("User 3")]
        );
        assert_eq!(both.deleted, more.deleted);
        let mut rebuilt = SheetChanges::default();
        for c in sc.cells.iter().rev() {
            rebuilt.values.push(sc.value(c).data().into_owned());
        }
        for (at, c) in sc.cells.iter().enumerate() {
            rebuilt.push(c.row, c.col(), c.rule(), values[at].data().into_owned());
        }
        assert_eq!(rebuilt, sc, "the same values, kept elsewhere in the buffer");
        rebuilt.cells[4].new = New::CLEARED;
        assert_ne!(rebuilt, sc);
    }

    /// A table of texts for the tests.
    #[derive(Debug)]
    struct Table(Vec<&'static str>);

    impl TextTable for Table {
        fn text(&self, i: usize) -> Option<&str> {
            self.0.get(i).copied()
        }
    }

    /// A change may read its text from a table the values share (the new shared strings of a
    /// streamed scrub), its copy in the sheet's buffer let go; appended to other changes, the
    /// texts become theirs.
    #[test]
    fn a_text_read_from_a_shared_table_is_the_same_value() {
        let mut sc = SheetChanges::default();
        sc.push(1, 0, 0, Data::String("Former employee".into()));
        let kept = sc.values.own_texts();
        sc.push(2, 0, 0, Data::String("user-2@example.invalid".into()));
        sc.push(2, 1, 1, Data::Float(4.5));
        assert!(sc.values.is_own_text(sc.cells[1].new));
        assert!(!sc.values.is_own_text(sc.cells[2].new));
        let own = sc.clone();
        sc.cells[1].new = New::shared(1).unwrap();
        sc.values.forget_texts_after(kept);
        assert_eq!(sc.values.own_texts(), 1);
        assert_eq!(sc.values.text, "Former employee");
        sc.values
            .share(Arc::new(Table(vec!["Deleted", "user-2@example.invalid"])));
        assert_eq!(sc, own, "the same values, one of them read from the table");
        assert_eq!(
            sc.value(&sc.cells[1]),
            NewValue::Text("user-2@example.invalid")
        );
        let mut both = SheetChanges::default();
        both.push(0, 0, 0, Data::String("Deleted".into()));
        both.append(sc.clone());
        let values: Vec<NewValue> = both.cells.iter().map(|c| both.value(c)).collect();
        assert_eq!(
            values,
            [
                NewValue::Text("Deleted"),
                NewValue::Text("Former employee"),
                NewValue::Text("user-2@example.invalid"),
                NewValue::Other(&Data::Float(4.5)),
            ]
        );
        assert!(
            both.values.shared.is_none(),
            "appended as texts of their own"
        );
        assert_eq!(New::shared(1 << 30), None);
    }

    #[test]
    fn a_text_a_row_holds_twice_is_kept_once() {
        let email = "deleted-1f3a@example.invalid";
        let row = |n: u32| {
            let mut sc = SheetChanges::default();
            sc.push(n, 0, 0, Data::String(email.replace('1', &n.to_string())));
            sc.push(n, 1, 1, Data::String("Deleted".into()));
            sc.push(n, 2, 2, Data::String(email.replace('1', &n.to_string())));
            sc.push(n, 3, 3, Data::Empty);
            sc.push(n, 4, 3, Data::String("Deleted".into()));
            sc
        };
        let mut sheet = SheetChanges::default();
        for n in 1..=3 {
            let one = row(n);
            assert_eq!(one.values.ends.len(), 2, "two texts, each once");
            assert_eq!(one.cells[0].new, one.cells[2].new);
            sheet.append(one);
        }
        for (at, c) in sheet.cells.iter().enumerate() {
            let n = at as u32 / 5 + 1;
            let expected = match at % 5 {
                0 | 2 => NewValue::Text(&*Box::leak(
                    email.replace('1', &n.to_string()).into_boxed_str(),
                )),
                3 => NewValue::Cleared,
                _ => NewValue::Text("Deleted"),
            };
            assert_eq!(sheet.value(c), expected, "change {at}");
        }
        // Rows appended keep their texts as they are.
        assert_eq!(sheet.values.ends.len(), 6);
        // A sheet's many values are not compared: each text is kept as it comes.
        // Only the last few texts are compared: one kept long before is kept again.
        let mut many = SheetChanges::default();
        for n in 0..20 {
            many.push(n, 0, 0, Data::String(format!("User {n}")));
        }
        many.push(20, 0, 0, Data::String("User 0".into()));
        many.push(21, 0, 0, Data::String("User 19".into()));
        assert_eq!(many.values.ends.len(), 21);
        assert_eq!(many.value(&many.cells[20]), NewValue::Text("User 0"));
        assert_eq!(many.cells[21].new, many.cells[19].new);
    }

    #[test]
    fn changes_join_their_sheets_by_index() {
        let at = |sheet: usize, rows: u32| SheetChanges {
            sheet,
            deleted: (1..=rows).map(|row| Deletion { row, rule: 0 }).collect(),
            ..SheetChanges::default()
        };
        let changes = [at(2, 1), at(0, 1), at(2, 2), at(9, 1)];
        let by_sheet = changes_by_sheet(&changes, 3);
        assert_eq!(by_sheet, [Some(&changes[1]), None, Some(&changes[0])]);
        assert_eq!(changes_at(&changes, 2), Some(&changes[0]));
        assert_eq!(changes_at(&changes, 1), None);
        assert_eq!(changes_at(&changes, 9), Some(&changes[3]));
    }

    /// The changes `map` (a map's TOML) makes to the CSV `text`, and a lookup of the new text
    /// of a changed cell by its row and column.
    fn changes_of(map: &str, text: &str) -> (SheetChanges, impl Fn(u32, u32) -> Option<String>) {
        let map = Map::parse(map, "m", None).unwrap();
        let book = crate::csv::read(text.as_bytes(), "people").unwrap();
        let plan = crate::plan::resolve(&map, &book).unwrap();
        let mut changes = apply_plan(&map, &plan, &book);
        let sheet = changes.remove(0);
        let changed = sheet.clone();
        let at = move |row: u32, col: u32| {
            (changed.cells.iter())
                .find(|c| c.row == row && c.col() == col)
                .map(|c| changed.value(c).to_string())
        };
        (sheet, at)
    }

    #[test]
    fn mentions_take_other_rows_strong_identifiers_but_not_their_single_words() {
        let (changes, at) = changes_of(
            "version = 1\n[columns]\nName = { action = \"replace\", value = \"Deleted {row}\" }\nFirst = \"clear\"\nEmail = { action = \"replace\", value = \"gone-{row}@example.invalid\" }\nNotes = { action = \"redact\", detect = [\"phone\"], mentions = true }\n",
            "Name,First,Email,Notes\n\
             Anna Berg,Anna,anna.berg@contoso.com,Handed over to Lars Eriksson (LARS.ERIKSSON@contoso.com); Lars agreed\n\
             Lars Eriksson,Lars,lars.eriksson@contoso.com,Anna Berg-Lund is another person; ask Anna Berg\n",
        );
        let notes = |row: u32| at(row, 3);
        assert_eq!(
            notes(1).as_deref(),
            Some("Handed over to Deleted 3 (gone-3@example.invalid); Lars agreed"),
            "another row's full name and email go, its first name alone stays"
        );
        assert_eq!(
            notes(2).as_deref(),
            Some("Anna Berg-Lund is another person; ask Deleted 2"),
            "a hyphenated compound is another name"
        );
        assert!(changes
            .cells
            .windows(2)
            .all(|w| (w[0].row, w[0].col) < (w[1].row, w[1].col)));
    }

    /// A `redact` with mentions that is only a column's action in the rows no `scrub` rule
    /// picked (`other_rows`) still takes what those rows' other columns lost.
    #[test]
    fn mentions_of_other_rows_actions_take_what_the_row_lost() {
        let (_, at) = changes_of(
            "version = 1\n[columns]\nName = { action = \"replace\", value = \"Deleted {row}\", other_rows = { action = \"replace\", value = \"Someone {row}\" } }\nNotes = { action = \"clear\", other_rows = { action = \"redact\", detect = [\"phone\"], mentions = true } }\n[[rows]]\nwhere = { column = \"Name\", equals = \"Anna Berg\" }\naction = \"scrub\"\n",
            "Name,Notes\n\
             Anna Berg,Anna Berg left\n\
             Lars Eriksson,Lars Eriksson took over\n",
        );
        assert_eq!(at(1, 0).as_deref(), Some("Deleted 2"));
        assert_eq!(
            at(1, 1).as_deref(),
            Some(""),
            "the picked row's notes are cleared"
        );
        assert_eq!(at(2, 0).as_deref(), Some("Someone 3"));
        assert_eq!(
            at(2, 1).as_deref(),
            Some("Someone 3 took over"),
            "the other row's own name goes from its notes"
        );
    }

    /// Another row's full name is also replaced written last name first, without its middle
    /// names and without its accents.
    #[test]
    fn mentions_take_other_rows_full_names_in_their_other_forms() {
        let (_, at) = changes_of(
            "version = 1\n[columns]\n\"Full Name\" = { action = \"replace\", value = \"Deleted {row}\" }\nNotes = { action = \"redact\", detect = [\"phone\"], mentions = true }\n",
            "Full Name,Notes\n\
             Karim Al-Farsi,-\n\
             Aoi Akiko Yamamoto,-\n\
             Zoë Müller,-\n\
             Lars Eriksson,\"From Al-Farsi, Karim; then Aoi Yamamoto and Zoe Muller\"\n",
        );
        assert_eq!(
            at(4, 1).as_deref(),
            Some("From Deleted 2; then Deleted 3 and Deleted 4")
        );
    }
}
