//! The streaming engine of the lossless xlsx writer: each sheet's cells are read once, row by
//! row, and the plan (resolved on the sheets' heads, see [`super::read::open_with`]) is applied
//! to each row as it comes, without holding a sheet in memory.
//!
//! A changed sheet is read, changed and written in one pass where it can be ([`Pass`]): the
//! writer's own walk of the sheet's XML reads each row's cells ([`super::cells`]), applies the
//! plan and writes the row into the sheet's compressed entry at once; only its tail waits for
//! the removed values. The other sheets are read with calamine's streaming cell reader, and a
//! changed one among them is written afterwards by [`super::patch`].
//!
//! What the scrub needs of the input's cells after that is kept on the way ([`Olds`]): the
//! values of the changed cells and deleted rows (what the scrub removes, for the writer's
//! cleaning and the leak sweep), the distinct values of the kept columns (for the residual
//! check), the record ids of the changed rows (for the changes file). The results are those of
//! [`crate::apply::apply_plan`] on the whole workbook; a sheet this engine cannot read the same
//! way (cells out of order, cells beyond the head's columns) makes [`stream`] return `None`, and
//! the caller reads the workbook whole instead.
//!
//! `verify` reads an original the same way without writing ([`stream_each`]): each row, as the
//! plan left it, goes to the caller, which compares it with the scrubbed row it became.

use super::attr;
use super::cells::{CellValues, NumberKind, UsualValue};
use super::patch::{self, CellXml, Held, NewStrings, OpenEntry, PatchOptions};
use super::read::{from_calamine, Opened};
use crate::apply::{Change, Deletion, New, RowApplier, SheetChanges, Values};
use crate::changes::{ChangesFile, DeletedRow, SheetReport};
use crate::coverage::Tail;
use crate::error::{Problem, ReadError};
use crate::map::Map;
use crate::plan::FilePlan;
use crate::text::FastMap;
use crate::workbook::{Sheet, Workbook};
use calamine::{Data, DataRef, DataType};
use std::io::{BufRead, BufWriter, Write};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Texts kept in change order (millions of them, without an allocation each): a value read
/// from the shared strings table by its number in it, any other in one buffer of its own. The
/// table is kept beside them ([`Olds::strings`]); a large export's changed cells nearly all
/// refer to it, so their texts are not copied.
#[derive(Debug, Default)]
pub struct Texts {
    /// Per text: [`Texts::ABSENT`], a shared string's number with [`Texts::SHARED`] set, the
    /// number of a text of `own`, or [`Texts::WIDE`] (a text of `wide`).
    slots: Vec<u32>,
    own: super::cells::Strings,
    /// Texts past the numbers a slot holds (over two billion of one sheet's changed cells),
    /// by their index.
    wide: Vec<(usize, Option<String>)>,
    /// While texts are pushed, when they repeat (see [`Texts::interning`]): the texts of
    /// `own` by their hash, each held once.
    interned: Option<Interned>,
    /// Whether each text of `own` is held once (see [`Texts::interning`]): then its number
    /// tells it apart from the others.
    once: bool,
}

/// The texts of a [`Texts`]'s own buffer by their hash: each its number there and 32 bits of
/// its hash, from which the table's hash is made again when it grows (a table of a million
/// texts made the hashes again from the texts, scattered over megabytes, in a tenth of a
/// second); and the hasher.
#[derive(Debug, Default)]
struct Interned {
    numbers: hashbrown::HashTable<(u32, u32)>,
    hasher: hashbrown::DefaultHashBuilder,
}

impl Interned {
    /// The table's hash of `text`, and the 32 bits of it an entry keeps.
    fn hash(&self, text: &str) -> (u64, u32) {
        let short = std::hash::BuildHasher::hash_one(&self.hasher, text) as u32;
        (Self::spread(short), short)
    }

    /// The table's hash made of an entry's 32 bits: the table picks a bucket by the low bits
    /// and tells entries apart by the top seven.
    fn spread(short: u32) -> u64 {
        (u64::from(short) << 32) | u64::from(short)
    }
}

impl Texts {
    const SHARED: u32 = 1 << 31;
    const ABSENT: u32 = u32::MAX;
    const WIDE: u32 = u32::MAX - 1;

    /// Texts of which many repeat (a large export removes the same city, first name or job
    /// title from thousands of rows): a text of the own buffer is held once however often it
    /// is pushed, and read by its number ([`Texts::own_number`]) as a shared string is. In
    /// the raw layout, where every removed value is a text of the cell, a 100,000-row export's
    /// 32 MB of them are 18 MB of distinct ones.
    fn interning() -> Texts {
        Texts {
            interned: Some(Interned::default()),
            once: true,
            ..Texts::default()
        }
    }

    fn push(&mut self, value: Option<&str>) {
        if let (Some(text), Some(interned)) = (value, &mut self.interned) {
            let own = &self.own;
            let (h, short) = interned.hash(text);
            let same = |&(n, s): &(u32, u32)| s == short && own.get(n as usize) == Some(text);
            if let Some(&(n, _)) = interned.numbers.find(h, same) {
                self.slots.push(n);
                return;
            }
            if let Ok(n) = u32::try_from(own.len()) {
                if n < Self::SHARED {
                    let rehash = |&(_, s): &(u32, u32)| Interned::spread(s);
                    interned.numbers.insert_unique(h, (n, short), rehash);
                }
            }
        }
        let slot = match value {
            None => Self::ABSENT,
            Some(text) => match u32::try_from(self.own.len()) {
                Ok(n) if n < Self::SHARED => {
                    self.own.push(text);
                    n
                }
                _ => {
                    self.wide.push((self.slots.len(), Some(text.to_string())));
                    Self::WIDE
                }
            },
        };
        self.slots.push(slot);
    }

    /// Shared string `n`, read from the table.
    fn push_shared(&mut self, n: usize) {
        match u32::try_from(n) {
            Ok(n) if n < Self::WIDE & !Self::SHARED => self.slots.push(n | Self::SHARED),
            _ => {
                self.wide.push((self.slots.len(), None));
                self.slots.push(Self::WIDE);
            }
        }
    }

    /// Give back the room the buffers grew into, and the interning table: no text is pushed
    /// after.
    fn shrink_to_fit(&mut self) {
        self.interned = None;
        self.slots.shrink_to_fit();
        self.own.shrink_to_fit();
    }

    /// The number of the text of the own buffer that slot `i` holds, when it holds one and
    /// each text is held there once (one number, one text).
    fn own_number(&self, i: usize) -> Option<u32> {
        let slot = *self.slots.get(i)?;
        (self.once && slot & Self::SHARED == 0).then_some(slot)
    }

    /// The number of the shared string `slot` holds, when it holds one ([`Texts::ABSENT`] and
    /// [`Texts::WIDE`] have the [`Texts::SHARED`] bit too).
    fn shared_number(slot: u32) -> Option<u32> {
        match slot {
            Self::ABSENT | Self::WIDE => None,
            n => (n & Self::SHARED != 0).then_some(n & !Self::SHARED),
        }
    }

    /// Text `i`, its shared strings being `strings`.
    fn get<'a>(&'a self, i: usize, strings: &'a super::cells::Strings) -> Option<&'a str> {
        match *self.slots.get(i)? {
            Self::ABSENT => None,
            Self::WIDE => {
                let at = self.wide.binary_search_by_key(&i, |(j, _)| *j).ok()?;
                self.wide[at].1.as_deref()
            }
            n if n & Self::SHARED != 0 => strings
                .get((n & !Self::SHARED) as usize)
                .filter(|s| !s.is_empty()),
            n => self.own.get(n as usize),
        }
    }
}

/// The record ids of a sheet's changed rows (for the changes file), kept as the changed cells'
/// texts are ([`Texts`]): a shared string by its number. One row's id, a GUID, is 36 bytes
/// that would otherwise take an allocation each.
#[derive(Debug, Default)]
pub struct RecordIds {
    /// The rows, ascending.
    rows: Vec<u32>,
    /// Each row's id.
    texts: Texts,
}

impl RecordIds {
    /// The id of `row`, for a caller walking rows in ascending order with `cursor`; its texts
    /// are in `strings` ([`Olds::strings`]).
    fn id_at<'a>(
        &'a self,
        cursor: &mut usize,
        row: u32,
        strings: &'a super::cells::Strings,
    ) -> Option<&'a str> {
        while self.rows.get(*cursor).is_some_and(|&r| r < row) {
            *cursor += 1;
        }
        (self.rows.get(*cursor) == Some(&row))
            .then(|| self.texts.get(*cursor, strings))
            .flatten()
    }
}

/// What a streamed scrub keeps of the input's cells for the checks that follow it.
#[derive(Debug, Default)]
pub struct Olds {
    /// Per entry of the changes: the text of each changed cell's input value (see
    /// [`crate::actions::cell_text`]), in change order; read with [`Olds::changed`].
    changed: Vec<Texts>,
    /// The shared strings table the pass read, which `changed` refers to.
    strings: super::cells::Strings,
    /// What the reading of `strings` kept of their part besides, when it kept it (see
    /// [`Olds::take_table`]).
    rest: Option<super::strings::Rest>,
    /// Per entry of the changes: per deleted row, the input's values of its scrubbed columns,
    /// by column.
    pub deleted: Vec<Vec<Vec<Data>>>,
    /// The distinct values of the kept columns (see [`crate::needles::kept_columns`]) of
    /// every sheet but the metadata sheet, and how many cells hold each: sheet, column, values.
    pub kept: Vec<(usize, u32, FastMap<String, u64>)>,
}

impl Olds {
    /// The shared strings table and what its reading kept of the part besides (see
    /// [`patch::Passed::table`]), taken: what is left refers to no table.
    pub(crate) fn take_table(&mut self) -> Option<(super::cells::Strings, super::strings::Rest)> {
        let rest = self.rest.take()?;
        Some((std::mem::take(&mut self.strings), rest))
    }

    /// The text of the input's value of the `i`-th changed cell of entry `k` of the changes
    /// (see [`crate::actions::cell_text`]).
    pub fn changed(&self, k: usize, i: usize) -> Option<&str> {
        self.changed.get(k)?.get(i, &self.strings)
    }

    /// The number of the shared string that is the input's value of the `i`-th changed cell of
    /// entry `k`, when it is one: one number, one text (see [`Olds::changed`]).
    pub(crate) fn changed_shared(&self, k: usize, i: usize) -> Option<u32> {
        Texts::shared_number(*self.changed.get(k)?.slots.get(i)?)
    }

    /// The number of the input's value of the `i`-th changed cell of entry `k` among the
    /// texts the pass kept once each of its own (not shared strings), when it kept it so: one
    /// number, one text, below [`Olds::own_texts`].
    pub(crate) fn changed_own(&self, k: usize, i: usize) -> Option<u32> {
        self.changed.get(k)?.own_number(i)
    }

    /// How many texts of its own the pass kept for entry `k`'s changed cells.
    pub(crate) fn own_texts(&self, k: usize) -> usize {
        self.changed.get(k).map_or(0, |t| t.own.len())
    }

    /// How many items the shared strings table has.
    pub(crate) fn shared_strings(&self) -> usize {
        self.strings.len()
    }

    /// Let go of the shared strings that are neither a changed cell's text nor one of `ids`
    /// (whose texts are read from the same table): the table the pass read holds the kept
    /// columns' texts too (a 100,000-row export's row checksums alone are megabytes), which
    /// nothing after the pass reads. The strings kept are numbered again in their order, one
    /// number still one text; every text reads as before.
    pub(crate) fn keep_referenced(&mut self, ids: &mut [RecordIds]) {
        const UNUSED: u32 = u32::MAX;
        // The table is no longer the part's, item for item.
        self.rest = None;
        let mut numbers = vec![UNUSED; self.strings.len()];
        let texts = || self.changed.iter().chain(ids.iter().map(|i| &i.texts));
        let shared = |slot: u32| Texts::shared_number(slot).map(|n| n as usize);
        for t in texts() {
            for n in t.slots.iter().filter_map(|&slot| shared(slot)) {
                if let Some(number) = numbers.get_mut(n) {
                    *number = 0;
                }
            }
        }
        // Room for them all at once: a buffer that grows is, for a moment, held twice.
        let (mut text, mut count) = (0, 0);
        for n in (0..numbers.len()).filter(|&n| numbers[n] != UNUSED) {
            text += self.strings.get(n).map_or(0, str::len);
            count += 1;
        }
        let mut kept = super::cells::Strings::with_capacity(text, count);
        for (n, number) in numbers.iter_mut().enumerate() {
            if *number != UNUSED {
                *number = kept.len() as u32;
                kept.push(self.strings.get(n).unwrap_or_default());
            }
        }
        let renumber = |t: &mut Texts| {
            for slot in &mut t.slots {
                if let Some(n) = shared(*slot) {
                    // A number past the table reads as no text, before and after.
                    *slot = numbers.get(n).map_or(Texts::ABSENT, |&m| m | Texts::SHARED);
                }
            }
        };
        self.changed.iter_mut().for_each(renumber);
        ids.iter_mut().for_each(|i| renumber(&mut i.texts));
        self.strings = kept;
    }
}

/// The result of streaming a workbook's sheets through the plan.
#[derive(Debug, Default)]
pub struct Streamed {
    /// The changes of each planned sheet, in plan order.
    pub changes: Vec<SheetChanges>,
    /// What the checks need of the input's cells.
    pub olds: Olds,
    /// Per entry of `changes`: the record id of each changed row that has a text one, by row.
    /// Its texts are read from [`Olds::strings`], as the changed cells' are: write the changes
    /// file ([`write_changes`]) before the olds go.
    pub ids: Vec<RecordIds>,
    /// The report of each planned sheet, in plan order.
    pub reports: Vec<SheetReport>,
    /// The changed sheets the one pass wrote up to their tails, for
    /// [`super::patch::write_cleaned_held`].
    pub held: Vec<Held>,
    /// The new shared strings the pass numbered, in every planned sheet's changes (see
    /// [`super::patch::write_cleaned_held`]).
    pub(crate) new_strings: Option<NewStrings>,
    /// Per planned sheet: the values below the coverage check's sample (see [`Tail`]).
    pub tails: Vec<Tail>,
    /// Each passed sheet read at opening up to its cells only ([`super::package::Scan::Head`]):
    /// its index, and what follows its cells (from the end tag of `<sheetData>` on), for its
    /// layout ([`super::package::complete_after_cells`]).
    pub after_cells: Vec<(usize, Vec<u8>)>,
    /// Per planned sheet, when a sheet was read at opening up to its cells only: the longest
    /// text each target's action left in a cell (see
    /// [`crate::apply::RowApplier::longest_written`]).
    pub lengths: Vec<Vec<(u32, usize)>>,
}

impl Streamed {
    /// After a stream of `book`'s sheets made with `ahead`, the plan made before the data
    /// validations that follow the cells were read (each sheet read at opening up to its cells,
    /// [`super::package::Scan::Head`]): the layouts completed with what the stream read after
    /// the cells ([`Streamed::after_cells`], taken), and the plan made again on them, when the
    /// stream stands by it (see [`FilePlan::holds_as`]). `None` when it does not, or what
    /// follows the cells cannot be read: the file is then to be read the way that knows the
    /// validations first.
    pub(crate) fn confirmed_plan(
        &mut self,
        map: &Map,
        book: &mut Workbook,
        ahead: &FilePlan,
    ) -> Option<FilePlan> {
        for (sheet, after) in std::mem::take(&mut self.after_cells) {
            let sheet = book.sheets.get_mut(sheet)?;
            super::package::complete_after_cells(&mut sheet.layout, after).ok()?;
        }
        if (book.sheets.iter()).any(|s| s.layout.read_up_to_cells()) {
            return None;
        }
        let confirmed = crate::plan::resolve(map, book).ok()?;
        ahead
            .holds_as(&confirmed, &self.lengths)
            .then_some(confirmed)
    }
}

/// What streaming gives for one planned sheet (see [`Streamed`]).
struct Planned {
    changes: SheetChanges,
    changed: Texts,
    deleted: Vec<Vec<Data>>,
    ids: RecordIds,
    report: SheetReport,
    tail: Tail,
    lengths: Vec<(u32, usize)>,
}

static EMPTY: Data = Data::Empty;

/// One row's cells as they are read, their strings reused from row to row.
#[derive(Default)]
struct Row {
    cells: Vec<Data>,
    set: Vec<bool>,
    /// Per column: the number of the shared string the cell's value is, or `u32::MAX`.
    shared: Vec<u32>,
    filled: Vec<u32>,
}

impl Row {
    fn get(&self, col: u32) -> &Data {
        match self.set.get(col as usize) {
            Some(true) => &self.cells[col as usize],
            _ => &EMPTY,
        }
    }

    /// The number of the shared string cell `col` holds, when its value is one.
    fn shared(&self, col: u32) -> Option<usize> {
        match (self.set.get(col as usize), self.shared.get(col as usize)) {
            (Some(true), Some(&n)) if n != u32::MAX => Some(n as usize),
            _ => None,
        }
    }

    /// Note that cell `col`, put last, is shared string `n`.
    fn put_shared(&mut self, col: u32, n: usize) {
        if let (Some(slot), Ok(n)) = (self.shared.get_mut(col as usize), u32::try_from(n)) {
            *slot = n;
        }
    }

    fn put(&mut self, col: u32, value: DataRef<'_>) {
        super::cells::put_value(self.slot(col), value);
    }

    /// The place of column `col`'s value, set (no shared string yet), for the caller to fill.
    fn slot(&mut self, col: u32) -> &mut Data {
        let c = col as usize;
        if self.cells.len() <= c {
            self.cells.resize(c + 1, Data::Empty);
            self.set.resize(c + 1, false);
            self.shared.resize(c + 1, u32::MAX);
        }
        self.shared[c] = u32::MAX;
        self.set[c] = true;
        self.filled.push(col);
        &mut self.cells[c]
    }

    fn clear(&mut self) {
        for &c in &self.filled {
            self.set[c as usize] = false;
        }
        self.filled.clear();
    }
}

/// What is gathered from one sheet's rows.
struct SheetWork<'a> {
    map: &'a Map,
    /// The sheet's plan and its applier, when the plan scrubs it.
    applier: Option<(&'a crate::plan::SheetPlan, RowApplier<'a>)>,
    /// The columns whose text a deleted row removes (see [`crate::needles::deleted_columns`]).
    deleted_columns: &'a [bool],
    /// Kept columns and their distinct values.
    /// The kept columns (see [`crate::needles::kept_columns`]): each with whether it is
    /// protected, and its distinct values with how many cells hold each.
    kept: Vec<(u32, bool, FastMap<String, u64>)>,
    changes: SheetChanges,
    changed_olds: Texts,
    deleted_olds: Vec<Vec<Data>>,
    ids: RecordIds,
    per_column: Vec<u64>,
    deleted_rows: Vec<DeletedRow>,
    /// A row's deletion, reused from row to row.
    deleted_scratch: Vec<Deletion>,
    /// For a planned sheet: the values below the coverage check's sample (see [`Tail`]).
    tail: Option<Tail>,
}

impl<'a> SheetWork<'a> {
    /// The work of sheet `index` of `book`, whose heads a workbook read through `plan` gives
    /// (its column names `headers`; `deleted_columns` as [`crate::needles::deleted_columns`]
    /// gives them): no kept columns yet, and the coverage check's tail for a planned sheet.
    /// When a sheet of `book` was read at opening up to its cells only, its data validations
    /// not read, the applier notes the longest texts each target's action leaves, for the plan
    /// made without their maximum lengths to be checked against them after the stream (see
    /// [`Streamed::confirmed_plan`]).
    fn new(
        map: &'a Map,
        plan: &'a FilePlan,
        (book, index): (&Workbook, usize),
        headers: &[String],
        deleted_columns: &'a [bool],
    ) -> SheetWork<'a> {
        let sheet = &book.sheets[index];
        let planned = plan.sheets.iter().position(|sp| sp.sheet == index);
        let note_lengths = (book.sheets.iter()).any(|s| s.layout.read_up_to_cells());
        let applier = planned.map(|p| {
            let sp = &plan.sheets[p];
            let mut applier = RowApplier::new(map, sp, headers.to_vec());
            if note_lengths {
                applier.note_lengths();
            }
            (sp, applier)
        });
        SheetWork {
            map,
            applier,
            deleted_columns,
            kept: Vec::new(),
            changes: SheetChanges {
                sheet: index,
                ..SheetChanges::default()
            },
            changed_olds: Texts::interning(),
            deleted_olds: Vec::new(),
            ids: RecordIds::default(),
            per_column: vec![0; sheet.width() as usize],
            deleted_rows: Vec::new(),
            deleted_scratch: Vec::new(),
            tail: planned.map(|p| Tail::new(&plan.sheets[p], sheet.width())),
        }
    }

    /// What a planned sheet's rows gave, all read (`height` rows, the header row counted), the
    /// sheet named `name` and its columns `headers`; `None` for a sheet the plan leaves.
    fn planned(&mut self, name: &str, headers: &[String], height: u32) -> Option<Planned> {
        let (sp, _) = self.applier.as_ref()?;
        let report = crate::changes::sheet_report(
            self.map,
            sp,
            name,
            headers,
            u64::from(height.saturating_sub(1)),
            &self.per_column,
            std::mem::take(&mut self.deleted_rows),
        );
        // Kept until the output is written: the room the lists grew into goes (up to half
        // of them, millions of entries in a large export).
        let mut changes = std::mem::take(&mut self.changes);
        changes.shrink_to_fit();
        let mut changed = std::mem::take(&mut self.changed_olds);
        changed.shrink_to_fit();
        let mut ids = std::mem::take(&mut self.ids);
        ids.rows.shrink_to_fit();
        ids.texts.shrink_to_fit();
        Some(Planned {
            changes,
            changed,
            deleted: std::mem::take(&mut self.deleted_olds),
            ids,
            report,
            tail: self.tail.take().unwrap_or_default(),
            lengths: self
                .applier
                .as_ref()
                .map_or_else(Vec::new, |(_, a)| a.longest_written()),
        })
    }

    /// Forget what the rows gave, to read the sheet again.
    fn reset(&mut self) {
        self.changes = SheetChanges {
            sheet: self.changes.sheet,
            ..SheetChanges::default()
        };
        self.changed_olds = if self.changed_olds.once {
            Texts::interning()
        } else {
            Texts::default()
        };
        self.deleted_olds.clear();
        self.ids = RecordIds::default();
        self.per_column.iter_mut().for_each(|n| *n = 0);
        self.deleted_rows.clear();
        for (_, _, seen) in &mut self.kept {
            seen.clear();
        }
        if let Some((sp, _)) = &self.applier {
            self.tail = Some(Tail::new(sp, self.per_column.len() as u32));
        }
    }

    /// Data row `row`, whose cells `cell` gives.
    fn row<'c>(&mut self, row: u32, cell: impl Fn(u32) -> &'c Data + Copy) {
        self.row_shared(row, cell, |_| None);
    }

    /// Data row `row`, whose cells `cell` gives, and `shared` which of them are which shared
    /// strings (kept by their number).
    fn row_shared<'c>(
        &mut self,
        row: u32,
        cell: impl Fn(u32) -> &'c Data + Copy,
        shared: impl Fn(u32) -> Option<usize>,
    ) {
        if let Some(tail) = &mut self.tail {
            tail.row(row, cell);
        }
        if let Some((sp, applier)) = &self.applier {
            let deleted = &mut self.deleted_scratch;
            deleted.clear();
            let first = self.changes.cells.len();
            applier.apply_row(row, cell, &mut self.changes, deleted);
            let id = sp.record_id.map(cell);
            if let Some(&d) = deleted.first() {
                self.deleted_rows
                    .push(crate::changes::deleted_row(self.map, &d, id));
                self.changes.deleted.push(d);
                self.deleted_olds.push(
                    (0..self.deleted_columns.len() as u32)
                        .filter(|&c| self.deleted_columns[c as usize])
                        .map(|c| cell(c).clone())
                        .collect(),
                );
                return;
            }
            if self.changes.cells.len() > first {
                if let (Some(Data::String(s)), Some(c)) = (id, sp.record_id) {
                    self.ids.rows.push(row);
                    match shared(c) {
                        Some(n) => self.ids.texts.push_shared(n),
                        None => self.ids.texts.push(Some(s.as_str())),
                    }
                }
                for c in &self.changes.cells[first..] {
                    match shared(c.col()) {
                        Some(n) => self.changed_olds.push_shared(n),
                        None => self
                            .changed_olds
                            .push(crate::actions::cell_text(cell(c.col())).as_deref()),
                    }
                    if let Some(n) = self.per_column.get_mut(c.col as usize) {
                        *n += 1;
                    }
                }
            }
        }
        for (col, protected, seen) in &mut self.kept {
            let value = cell(*col);
            if matches!(value, Data::Empty) {
                continue;
            }
            if let Some(text) = crate::needles::kept_text_in(value, *protected) {
                match seen.get_mut(text.as_ref()) {
                    Some(n) => *n += 1,
                    None => {
                        seen.insert(text.into_owned(), 1);
                    }
                }
            }
        }
    }
}

/// Whether this engine applies `map` as [`crate::apply::apply_plan`] does to the workbook read
/// whole: not with data subjects (their accounting is per sheet), nor when a `re:` key matches
/// a blank header (columns past the header row's end count as blank-headed only when the
/// widest row is known), nor when `redact` uses mentions (it replaces what every row lost).
pub(crate) fn applies(map: &Map) -> bool {
    map.subjects.is_empty() && !map.has_blank_header_pattern() && !map.uses_mentions()
}

/// Whether [`stream`], writing, passes sheet `index` in one pass (see [`Pass`]) rather than
/// reading it the usual way: the plan changes it without row rules, and it has rows below the
/// head `cut` says it was read to.
pub(crate) fn passes(plan: &FilePlan, cut: &[bool], index: usize) -> bool {
    cut.get(index).copied().unwrap_or(false)
        && plan
            .sheets
            .iter()
            .position(|sp| sp.sheet == index)
            .is_some_and(|p| plan.sheets[p].row_rules.is_empty())
}

/// Scan whole each sheet of `opened` (opened by [`super::read::open_keeping`] with
/// [`super::package::Scan::Skim`] or [`super::package::Scan::Head`]) whose cells were left
/// unread at opening and that [`stream`] does not pass under `plan`, or whose scan saw what the
/// pass gives up on: only the pass reads such cells (strictly), and anything else that reads a
/// sheet needs its scan.
///
/// # Errors
/// As [`super::read::Opened::scan_whole`].
pub(crate) fn scan_unpassed(plan: &FilePlan, opened: &mut Opened<'_>) -> Result<(), Problem> {
    // One whose skim saw what the pass gives up on (a comment among the cells, say) too.
    let unpassed: Vec<usize> = (opened.book.sheets.iter().enumerate())
        .filter(|(index, sheet)| {
            let layout = &sheet.layout;
            layout.cells_unscanned && (layout.unread_cells || !passes(plan, &opened.cut, *index))
        })
        .map(|(index, _)| index)
        .collect();
    opened.scan_whole(&unpassed)
}

/// Stream every sheet of `opened` (the heads of [`super::read::open_with`]) through `plan`.
/// `None` when a sheet cannot be streamed to the same result as the workbook read whole: its
/// cells are out of order, or its cells below the head reach other columns or rows than the
/// head shows.
///
/// With `write` (the input's bytes and the writer's options), each changed sheet that allows it
/// is read, changed and written in one pass (see [`Pass`]), into [`Streamed::held`]; a sheet
/// read at opening up to its cells only ([`super::package::Scan::Head`]) must be passed, and
/// what follows its cells is then in [`Streamed::after_cells`], the longest texts the plan's
/// actions left in [`Streamed::lengths`].
///
/// # Errors
/// A [`Problem`] when a sheet cannot be read.
pub(crate) fn stream(
    map: &Map,
    plan: &FilePlan,
    opened: &mut Opened<'_>,
    write: Option<(&[u8], &PatchOptions)>,
) -> Result<Option<Streamed>, Problem> {
    let Opened {
        book,
        reader,
        cut,
        bytes: input,
        tables,
        limits,
        ..
    } = opened;
    let limits: &super::read::Limits = limits;
    let book: &Workbook = book;
    let metadata = book.metadata();
    let targets = crate::needles::target_columns(map, book, plan);
    let deleted_columns = crate::needles::deleted_columns(map, book, plan);
    // The metadata sheet's option-set labels too (its row 1 is the metadata): a removed value
    // there fails the file, since an import needs that sheet as it is.
    let mut kept_columns: Vec<Vec<(u32, bool)>> = book
        .sheets
        .iter()
        .enumerate()
        .map(|(index, sheet)| {
            crate::needles::kept_columns(sheet, &targets[index], metadata.as_ref())
        })
        .collect();
    let mut pass = match write {
        Some((bytes, options)) => {
            // Read without calamine's reader, the workbook's tables are the pass's; else they
            // are read from calamine's reader, and the shared strings by the pass.
            let (styles, strings) = match tables.take() {
                Some(t) => (
                    plan.sheets.first().map(|_| Styles {
                        kinds: t.kinds,
                        is_1904: t.is_1904,
                    }),
                    Some((t.strings, t.has_strings, t.rest)),
                ),
                None => (Styles::of(Opened::reader(reader, input)?, book, plan), None),
            };
            // When the pass is to read every sheet that is read below its head, calamine's
            // reader (its shared strings) goes before the pass reads the table its own way; a
            // sheet the pass gives up opens it again.
            let passed_only = (0..book.sheets.len()).all(|index| {
                !cut[index]
                    || match plan.sheet(index) {
                        Some(sp) => sp.row_rules.is_empty(),
                        None => kept_columns[index].is_empty(),
                    }
            });
            if passed_only {
                *reader = None;
            }
            match styles {
                Some(styles) => Pass::prepare(bytes, options, styles, strings, plan)?,
                None => None,
            }
        }
        None => None,
    };
    let mut held = Vec::new();
    let mut after_cells = Vec::new();
    let mut per_plan: Vec<Option<Planned>> = (0..plan.sheets.len()).map(|_| None).collect();
    let mut kept_all = Vec::new();
    for (index, sheet) in book.sheets.iter().enumerate() {
        let planned = plan.sheets.iter().position(|sp| sp.sheet == index);
        let kept: Vec<(u32, bool, FastMap<String, u64>)> = std::mem::take(&mut kept_columns[index])
            .into_iter()
            .map(|(c, protected)| (c, protected, FastMap::default()))
            .collect();
        if planned.is_none() && kept.is_empty() {
            continue;
        }
        // A sheet swept for kept values only has no plan; the plan names its columns too.
        let headers = plan.headers(book, index);
        let mut work = SheetWork::new(map, plan, (book, index), &headers, &deleted_columns[index]);
        work.kept = kept;
        let passed = match (&mut pass, planned) {
            (Some(pass), Some(_)) if passes(plan, cut, index) => {
                let checkpoint = pass.new.len();
                match pass.sheet(index, sheet, &mut work, limits)? {
                    Some(PassedSheet {
                        height,
                        held: sheet_held,
                        after,
                    }) => {
                        if !work.changes.cells.is_empty() {
                            held.push(sheet_held);
                        }
                        after_cells.extend(after.map(|after| (index, after)));
                        Some(height)
                    }
                    None => {
                        // Read again the usual way, and written by the usual writer.
                        pass.new.rollback(checkpoint);
                        work.reset();
                        None
                    }
                }
            }
            _ => None,
        };
        // A sheet whose cells were skimmed at opening is read by the pass alone: one it does
        // not pass is left to the workbook read whole (its scan would have noted what made the
        // pass give up).
        if passed.is_none() && sheet.layout.cells_unscanned {
            return Ok(None);
        }
        let height = if let Some(height) = passed {
            height
        } else if cut[index] {
            match stream_sheet(Opened::reader(reader, input)?, sheet, &mut work)? {
                Some(height) => height,
                None => return Ok(None),
            }
        } else {
            for row in 1..sheet.height() {
                work.row(row, |c| sheet.cell(row, c));
            }
            sheet.height()
        };
        if let (Some(pass), None) = (&mut pass, passed) {
            // New strings are numbered in change order, sheets in plan order.
            for c in &work.changes.cells {
                pass.new.add(work.changes.value(c));
            }
        }
        if let Some(p) = planned {
            per_plan[p] = work.planned(&sheet.name, &headers, height);
        }
        kept_all.extend(work.kept.into_iter().map(|(c, _, seen)| (index, c, seen)));
    }
    let mut out = Streamed {
        held,
        after_cells,
        ..Streamed::default()
    };
    out.olds.kept = kept_all;
    // The changed cells' texts refer to the table the pass read.
    let mut table = None;
    if let Some(mut pass) = pass {
        out.olds.strings = pass.strings;
        out.olds.rest = pass.rest;
        pass.new.forget_index();
        table = Some(pass.new.table());
        out.new_strings = Some(pass.new);
    }
    gather(out, per_plan, table).map(Some)
}

/// [`Streamed`] `out` with what each planned sheet gave (`per_plan`, every one given), the new
/// values' texts read from `table` when the one pass numbered them.
fn gather(
    mut out: Streamed,
    per_plan: Vec<Option<Planned>>,
    table: Option<std::sync::Arc<dyn crate::apply::TextTable>>,
) -> Result<Streamed, Problem> {
    for entry in per_plan {
        let Some(done) = entry else {
            return Err(Problem::Internal);
        };
        let mut changes = done.changes;
        if let Some(table) = &table {
            changes.values.share(table.clone());
        }
        out.changes.push(changes);
        out.olds.changed.push(done.changed);
        out.olds.deleted.push(done.deleted);
        out.ids.push(done.ids);
        out.reports.push(done.report);
        out.tails.push(done.tail);
        out.lengths.push(done.lengths);
    }
    Ok(out)
}

/// A row of an input sheet, as [`stream_each`] hands it over with what the plan did to it.
pub(crate) struct Seen<'r> {
    row: &'r Row,
    /// The row's changes: these entries of `changes` (none for the header row).
    pub changed: std::ops::Range<usize>,
    /// Whether a row rule deletes the row.
    pub deleted: bool,
    /// The sheet's changes so far.
    pub changes: &'r SheetChanges,
}

impl Seen<'_> {
    /// The row's value in column `col` (`Empty` where it has none).
    pub(crate) fn cell(&self, col: u32) -> &Data {
        self.row.get(col)
    }
}

/// Where [`stream_each`] hands each sheet's rows; each call returns `false` to stop.
pub(crate) trait EachRow {
    /// Sheet `index` of the input begins.
    fn sheet(&mut self, index: usize) -> bool;
    /// Row `row` of the current sheet, from the header row down, rows without cells too.
    fn row(&mut self, row: u32, seen: &Seen<'_>) -> bool;
    /// The current sheet ends after `height` rows (the header row counted).
    fn end(&mut self, height: u32) -> bool;
    /// The current sheet, whose cells were not scanned at opening
    /// ([`crate::workbook::Layout::cells_unscanned`]), holds what its scan would have noted (a
    /// formula, text among the cells that no reader reads), or its cells do not end where the
    /// scan found their end: the stream ends there, as it would not have started.
    fn unscanned(&mut self) {}
}

/// Stream every sheet of the workbook `package` (whose sheets' heads `book` holds, and whose
/// tables `tables` are, as [`super::read::open_with`] read them without calamine's reader)
/// through `plan`, as [`stream`] does without writing, each sheet's XML read here
/// ([`super::direct::each_value_ref`]), and hand every row to `each` with what the plan did to
/// it. Neither the kept columns' values nor the coverage check's tails are gathered; what
/// follows the cells of a sheet read at opening up to them is, in [`Streamed::after_cells`],
/// with the longest texts the plan left ([`Streamed::lengths`]). `None` where [`stream`] would
/// give up, when `each` stops, and when a sheet's part is not the one
/// the package held when it was opened (see [`super::reopened`]).
///
/// # Errors
/// A [`Problem`] when a sheet's part cannot be read.
pub(crate) fn stream_each(
    map: &Map,
    plan: &FilePlan,
    (book, package, tables): (
        &Workbook,
        super::reopened::Package<'_>,
        super::direct::Tables,
    ),
    each: &mut dyn EachRow,
) -> Result<Option<Streamed>, Problem> {
    let deleted_columns = crate::needles::deleted_columns(map, book, plan);
    let mut zip = package.archive()?;
    let parts = super::package::sheet_parts(zip.zip())?;
    let mut per_plan: Vec<Option<Planned>> = (0..plan.sheets.len()).map(|_| None).collect();
    // A sheet read at opening up to its cells has what follows them read here: handed back,
    // with the longest texts the plan left in each column, for the plan to be made again on
    // the whole layout (as the scrub's pass does, see `stream`).
    let mut after_cells = Vec::new();
    for (index, sheet) in book.sheets.iter().enumerate() {
        let Some(part) = parts.iter().find(|p| p.name == sheet.name) else {
            return Ok(None);
        };
        let headers = plan.headers(book, index);
        let mut work = SheetWork::new(map, plan, (book, index), &headers, &deleted_columns[index]);
        work.tail = None;
        // The removed texts of each cell are kept one per cell here, not once each as the
        // scrub's pass keeps them: this stream is `verify`'s longest thread, and looking each
        // up in a table of the texts kept (a million in a large export of the raw layout)
        // took it a tenth longer, where telling the repeats apart once the rows are compared
        // (`Originals::firsts`) is shared among the pool's threads.
        work.changed_olds = Texts::default();
        if !each.sheet(index) {
            return Ok(None);
        }
        // A part gone, or (read from the file again) not the one the package held: the whole
        // read says what is wrong.
        let Some(entry) = zip.part(&part.path) else {
            return Ok(None);
        };
        let mut values = CellValues::new(&tables.strings, tables.kinds.clone(), tables.is_1904);
        let mut rows = EachRows {
            work: &mut work,
            each: &mut *each,
            row: Row::default(),
            empty: Row::default(),
            current: None,
            last_col: None,
            first_row: None,
            max_col: None,
            gave_up: false,
        };
        // Inflated ahead on another thread of the pool, with two or more. A sheet whose cells
        // were not scanned at opening is read strictly, and must end where the scan found
        // their end (what follows them is what the plan read its data validations from), or,
        // read up to its cells only, hands what follows them back.
        let strict = sheet.layout.after_cells();
        if sheet.layout.cells_unscanned && strict.is_none() {
            each.unscanned();
            return Ok(None);
        }
        let up_to_cells = sheet.layout.read_up_to_cells();
        let skimmed = strict.filter(|_| !up_to_cells);
        let mut tail = strict.map(|_| Vec::new());
        let read = super::ahead::read_ahead(entry, |input| {
            super::direct::each_value_ref(input, &mut values, &mut rows, tail.as_mut())
        });
        let ends_there = skimmed.is_none_or(|skimmed| tail.as_deref() == Some(skimmed));
        if strict.is_some() && !rows.gave_up && (read.is_none() || !ends_there) {
            each.unscanned();
            return Ok(None);
        }
        if read.is_none() || rows.gave_up || !ends_there || !rows.flush() {
            return Ok(None);
        }
        let bounds = Bounds {
            first_row: rows.first_row,
            height: rows.current.map_or(0, |r| r + 1),
            width: rows.max_col.map_or(0, |c| c + 1),
        };
        if !bounds.as_in(sheet) {
            return Ok(None);
        }
        let height = bounds.height;
        if !each.end(height) {
            return Ok(None);
        }
        if let Some(p) = plan.sheets.iter().position(|sp| sp.sheet == index) {
            per_plan[p] = work.planned(&sheet.name, &headers, height);
        }
        if up_to_cells {
            after_cells.push((index, tail.unwrap_or_default()));
        }
    }
    let mut out = Streamed::default();
    // The changed cells' texts refer to the input's table.
    out.olds.strings = tables.strings;
    out.after_cells = after_cells;
    gather(out, per_plan, None).map(Some)
}

/// The rows of one sheet read by [`stream_each`], gathered cell by cell.
struct EachRows<'w, 'a, 'e> {
    work: &'w mut SheetWork<'a>,
    each: &'e mut dyn EachRow,
    /// The row being read, and an empty one for rows without cells.
    row: Row,
    empty: Row,
    current: Option<u32>,
    last_col: Option<u32>,
    first_row: Option<u32>,
    max_col: Option<u32>,
    /// Whether the cells are out of order, or `each` stopped.
    gave_up: bool,
}

impl super::direct::EachValue for EachRows<'_, '_, '_> {
    /// Take the next cell that holds a value, into the place its column had in the last row
    /// read; `false` to stop.
    fn value(&mut self, r: u32, c: u32, value: DataRef<'_>) -> bool {
        if let Some(current) = self.current {
            if r < current || (r == current && self.last_col.is_some_and(|l| c <= l)) {
                // Out of order: the grid read whole keeps the last value at a place.
                self.gave_up = true;
                return false;
            }
        }
        if self.current.is_none_or(|current| r > current) {
            let from = match self.current {
                Some(current) => {
                    if !self.flush() {
                        return false;
                    }
                    current + 1
                }
                None => 0,
            };
            self.row.clear();
            for gap in from..r {
                if !self.emit(gap, false) {
                    return false;
                }
            }
            self.current = Some(r);
            self.last_col = None;
        }
        self.first_row.get_or_insert(r);
        self.max_col = Some(self.max_col.map_or(c, |m| m.max(c)));
        self.last_col = Some(c);
        self.row.put(c, value);
        true
    }

    fn shared(&mut self, c: u32, shared: Option<Option<usize>>) {
        if let Some(Some(n)) = shared {
            self.row.put_shared(c, n);
        }
    }
}

impl EachRows<'_, '_, '_> {
    /// Hand over the row being read, if any; `false` when `each` stopped.
    fn flush(&mut self) -> bool {
        match self.current {
            Some(current) => self.emit(current, true),
            None => true,
        }
    }

    /// Apply row `r` (the one read when `read`, else an empty one) and hand it over.
    fn emit(&mut self, r: u32, read: bool) -> bool {
        let row = if read { &self.row } else { &self.empty };
        let (changed, deleted) = if r == 0 {
            (0..0, false)
        } else {
            let (first, gone) = (
                self.work.changes.cells.len(),
                self.work.changes.deleted.len(),
            );
            self.work
                .row_shared(r, |col| row.get(col), |col| row.shared(col));
            let changes = &self.work.changes;
            (first..changes.cells.len(), changes.deleted.len() > gone)
        };
        let seen = Seen {
            row,
            changed,
            deleted,
            changes: &self.work.changes,
        };
        let go_on = self.each.row(r, &seen);
        self.gave_up |= !go_on;
        go_on
    }
}

/// Stream one sheet's cells through `work`; its height, or `None` when it does not read as
/// its head says (see [`stream`]). With more than one thread, the rows are read on this one
/// and applied on another.
fn stream_sheet<RS: std::io::Read + std::io::Seek>(
    reader: &mut calamine::Xlsx<RS>,
    head: &Sheet,
    work: &mut SheetWork<'_>,
) -> Result<Option<u32>, Problem> {
    let mut cells = reader
        .worksheet_cells_reader(&head.name)
        .map_err(from_calamine)?;
    let read = if rayon::current_num_threads() > 1 {
        read_pipelined(&mut cells, work)?
    } else {
        read_rows(&mut cells, |r, row| work.row(r, |col| row.get(col)))?
    };
    Ok(read
        .filter(|bounds| bounds.as_in(head))
        .map(|bounds| bounds.height))
}

/// Where a sheet's cells are (as calamine's grid of them would be).
struct Bounds {
    first_row: Option<u32>,
    height: u32,
    width: u32,
}

impl Bounds {
    /// Whether a sheet whose cells, read below its head, are within these bounds reads as its
    /// head `head` shows it: the same columns, and a header row where the head has one.
    fn as_in(&self, head: &Sheet) -> bool {
        let head_first = head.cells.start().map(|(r, _)| r);
        self.width == head.width() && (self.first_row == Some(0)) == (head_first == Some(0))
    }
}

/// Rows read ahead and handed to the applier at once.
const BATCH_ROWS: usize = 256;

/// [`read_rows`] into `work` on another thread: batches of rows go there, and come back
/// cleared for their strings to be reused.
fn read_pipelined<RS: std::io::Read + std::io::Seek>(
    cells: &mut calamine::XlsxCellReader<'_, RS>,
    work: &mut SheetWork<'_>,
) -> Result<Option<Bounds>, Problem> {
    type Batch = Vec<(u32, Row)>;
    std::thread::scope(|scope| {
        let (to_apply, batches) = std::sync::mpsc::sync_channel::<Batch>(4);
        let (to_reuse, spare) = std::sync::mpsc::channel::<Batch>();
        let worker = scope.spawn(move || {
            for mut batch in batches {
                for (r, row) in &mut batch {
                    work.row(*r, |col| row.get(col));
                    row.clear();
                }
                // The reader may be done: then nothing is reused.
                let _ = to_reuse.send(batch);
            }
        });
        let mut batch: Batch = Vec::with_capacity(BATCH_ROWS);
        let mut reusable: Batch = Vec::new();
        let read = read_rows(cells, |r, row| {
            if reusable.is_empty() {
                if let Ok(back) = spare.try_recv() {
                    reusable = back;
                }
            }
            let fresh = reusable.pop().map(|(_, row)| row).unwrap_or_default();
            batch.push((r, std::mem::replace(row, fresh)));
            if batch.len() == BATCH_ROWS {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
                // A worker that stopped has panicked: joining it reports that.
                let _ = to_apply.send(full);
            }
        });
        if !batch.is_empty() {
            let _ = to_apply.send(batch);
        }
        drop(to_apply);
        worker.join().map_err(|_| Problem::Internal)?;
        read
    })
}

/// Read a sheet's cells row by row, each data row (1 and below, empty ones too) handed to
/// `emit` with its cells; `None` when the cells are out of order.
fn read_rows<RS: std::io::Read + std::io::Seek>(
    cells: &mut calamine::XlsxCellReader<'_, RS>,
    mut emit: impl FnMut(u32, &mut Row),
) -> Result<Option<Bounds>, Problem> {
    let mut row = Row::default();
    let mut empty = Row::default();
    let mut current = 0u32;
    let mut last_col: Option<u32> = None;
    let mut first_row: Option<u32> = None;
    let mut max_col: Option<u32> = None;
    while let Some(cell) = cells.next_cell().map_err(from_calamine)? {
        if cell.get_value().is_empty() {
            continue;
        }
        let (r, c) = cell.get_position();
        if first_row.is_some()
            && (r < current || (r == current && last_col.is_some_and(|l| c <= l)))
        {
            // Out of order: the grid calamine builds keeps the last value at a place.
            return Ok(None);
        }
        if r > current {
            if current >= 1 {
                emit(current, &mut row);
            }
            row.clear();
            for gap in (current + 1).max(1)..r {
                emit(gap, &mut empty);
                empty.clear();
            }
            current = r;
        }
        first_row.get_or_insert(r);
        max_col = Some(max_col.map_or(c, |m| m.max(c)));
        last_col = Some(c);
        let value = cell.get_value().clone();
        row.put(c, value);
    }
    if first_row.is_some() && current >= 1 {
        emit(current, &mut row);
    }
    Ok(Some(Bounds {
        first_row,
        height: if first_row.is_some() { current + 1 } else { 0 },
        width: max_col.map_or(0, |c| c + 1),
    }))
}

/// The one pass over a changed sheet: the writer's walk of the sheet's XML reads each row's
/// cells (as calamine would, see [`super::cells`]), the plan is applied to the row, and the row
/// is written at once, its changed cells replaced, into the sheet's compressed entry. What
/// depends on the whole pass (the removed values the cleaners and the sweep need) comes after
/// it: the sheet's tail (`</sheetData>` and after) is held, and the entry is finished by
/// [`super::patch::write_cleaned_held`].
///
/// A sheet is passed only when the result is the one of the usual way (calamine's reader, then
/// the patch writer): no row rules (row deletions shift the `<dimension>` before the rows), and
/// any cell or construct the pass does not understand (a formula, cells out of order, a value
/// calamine would read otherwise) makes it give up the sheet, which is then read and written the
/// usual way.
pub(crate) struct Pass<'b> {
    bytes: &'b [u8],
    options: PatchOptions,
    /// The worksheets' parts.
    parts: Vec<super::package::SheetPart>,
    /// The shared strings, as calamine reads them.
    strings: super::cells::Strings,
    /// What their reading kept of their part besides, if it did (see [`Olds::take_table`]).
    rest: Option<super::strings::Rest>,
    kinds: Vec<NumberKind>,
    is_1904: bool,
    /// The new values appended to the shared strings (see [`super::patch`]).
    new: NewStrings,
}

/// What the pass needs of the workbook's styles, as calamine reads them.
struct Styles {
    kinds: Vec<NumberKind>,
    is_1904: bool,
}

impl Styles {
    /// The styles, from calamine's `reader`; `None` when the plan scrubs no sheet or calamine
    /// cannot read them.
    fn of<RS: std::io::Read + std::io::Seek>(
        reader: &mut calamine::Xlsx<RS>,
        book: &Workbook,
        plan: &FilePlan,
    ) -> Option<Styles> {
        let first = plan.sheets.first()?;
        let kinds = match reader.worksheet_cells_reader(&book.sheets[first.sheet].name) {
            Ok(cells) => super::cells::number_kinds(cells.styles()),
            Err(_) => return None,
        };
        Some(Styles {
            kinds,
            is_1904: reader.has_1904_epoch(),
        })
    }
}

impl<'b> Pass<'b> {
    /// What the pass needs of the package; `None` when it cannot read the cells as calamine
    /// does (a shared strings part elsewhere than calamine looks for it, or one it cannot
    /// read). `strings`: the shared strings and whether the workbook has them, when they were
    /// read already (see [`super::direct`]).
    fn prepare(
        bytes: &'b [u8],
        options: &PatchOptions,
        styles: Styles,
        strings: Option<(super::cells::Strings, bool, Option<super::strings::Rest>)>,
        plan: &FilePlan,
    ) -> Result<Option<Pass<'b>>, Problem> {
        if plan.sheets.windows(2).any(|w| w[0].sheet >= w[1].sheet) {
            return Ok(None);
        }
        let mut zip = patch::open(bytes)?;
        let map = super::package::map_package(&mut zip)?;
        let read = match strings {
            Some(read) => Some(read),
            None => super::direct::shared_strings(&mut zip, &map, false)?,
        };
        let Some((strings, on, rest)) = read else {
            return Ok(None);
        };
        Ok(Some(Pass {
            bytes,
            options: options.clone(),
            parts: map.sheets,
            // Room for a third as many new texts as the table has items, up to a million: a
            // large export's replacement values come to about that (300,000 for the 870,000
            // items of a 100,000-row Disabled Users export). More grow the index as before;
            // fewer leave room unused, a few MB at most.
            new: NewStrings::new(on, strings.len()).expecting((strings.len() / 3).min(1 << 20)),
            strings,
            rest,
            kinds: styles.kinds,
            is_1904: styles.is_1904,
        }))
    }

    /// Pass sheet `index` (`head` its head) through `work`; `None` when the sheet must go the
    /// usual way (then `work` holds partial results).
    fn sheet(
        &mut self,
        index: usize,
        head: &Sheet,
        work: &mut SheetWork<'_>,
        limits: &super::read::Limits,
    ) -> Result<Option<PassedSheet>, Problem> {
        let Some(part) = self.parts.iter().find(|p| p.name == head.name) else {
            return Ok(None);
        };
        let mut zip = patch::open(self.bytes)?;
        let entry = OpenEntry::for_part(&mut zip, &part.path, self.bytes.len(), &self.options)?;
        let input = zip
            .by_name(&part.path)
            .map_err(|_| ReadError::MissingPart(part.path.clone()))?;
        let mut read = RowRead {
            values: Some(CellValues::new(
                &self.strings,
                self.kinds.clone(),
                self.is_1904,
            )),
            parsed: Parsed::default(),
            next_row: 0,
            next_col: 0,
            whole_rows: entry.any_writes(),
            row_end: None,
            strict: head.layout.cells_unscanned.then(StrictCells::default),
        };
        let any_writes = entry.any_writes();
        let mut write = RowWrite {
            new: &mut self.new,
            refs: patch::Refs::new(self.strings.len()),
            new_refs: 0,
            new_indices: Vec::new(),
            any_writes,
            written: Vec::new(),
            current: 0,
            first_row: None,
            max_col: None,
        };
        let mut out = BufWriter::with_capacity(1 << 16, entry);
        // Anything the pass cannot read is left to the usual way, which says what is wrong.
        // With two threads or more, the rows are read on another thread than the one that
        // applies the plan and writes them (for a large sheet, when no other pass is running:
        // a batch keeps the pool's threads busy with files), or at least inflated ahead.
        let walked = match Alone::claim(input.compressed_size()) {
            Some(_alone) => {
                let input = std::io::BufReader::with_capacity(1 << 16, input);
                let help = out.get_ref().help();
                walk_pipelined(&mut read, input, &mut write, &mut out, help, work)
            }
            None => super::ahead::read_ahead(input, |input| {
                let mut direct = Direct {
                    write: &mut write,
                    out: &mut out,
                    work,
                };
                read.walk(input, &mut direct)
            }),
        };
        let Ok(Some(tail)) = walked else {
            return Ok(None);
        };
        let mut after = None;
        if let Some(strict) = &read.strict {
            // The cells must end where the skim at opening found their end (what follows them
            // is what the plan read its data validations from, and what the sweep searches),
            // and span no more than the limits allow. A sheet read at opening up to its cells
            // only has what follows them read here: handed back, for its layout.
            let ends_there = match head.layout.after_cells() {
                Some([]) => {
                    after = Some([strict.end.as_slice(), &tail].concat());
                    !strict.end.is_empty()
                }
                skimmed => skimmed
                    .and_then(|skimmed| skimmed.strip_prefix(strict.end.as_slice()))
                    .is_some_and(|rest| !strict.end.is_empty() && rest == tail.as_slice()),
            };
            if !ends_there {
                return Ok(None);
            }
            super::read::check_extent(&head.name, 0, strict.extent.cells(), limits)?;
        }
        let bounds = Bounds {
            first_row: write.first_row,
            height: if write.first_row.is_some() {
                write.current + 1
            } else {
                0
            },
            width: write.max_col.map_or(0, |c| c + 1),
        };
        if !bounds.as_in(head) {
            return Ok(None);
        }
        let height = bounds.height;
        Ok(Some(PassedSheet {
            height,
            held: Held {
                sheet: index,
                entry: out,
                tail,
                refs: write.refs,
                new_refs: write.new_refs,
            },
            after,
        }))
    }
}

/// A sheet the one pass wrote ([`Pass::sheet`]).
struct PassedSheet {
    /// Its rows, the header row counted.
    height: u32,
    /// Its entry, written up to its tail.
    held: Held,
    /// What follows its cells, for a sheet read at opening up to them only (see
    /// [`Streamed::after_cells`]).
    after: Option<Vec<u8>>,
}

/// The compressed size from which a sheet's rows are read on a thread of their own (see
/// [`Alone`]): a smaller sheet (a 10,000-row export's is about 3 MB) passes in a second or
/// less, and in a batch the other thread has files of its own to pass.
const PIPELINED_FROM: u64 = 8 << 20;

/// Passes running at once (see [`Alone`]).
static PASSES: AtomicUsize = AtomicUsize::new(0);

/// The right of a pass to a thread of its own for reading rows: held by one pass at a time,
/// and only when the run's pool has another thread (see [`Pass::sheet`]).
struct Alone {
    /// Whether this pass is counted in [`PASSES`].
    counted: bool,
}

#[cfg(test)]
thread_local! {
    /// A test's choice of the way rows are passed: on a thread of their own or not.
    static PIPELINED: std::cell::Cell<Option<bool>> = const { std::cell::Cell::new(None) };
    /// A test's choice of [`BEHIND`] (0: every row's values read on the reading thread).
    static BEHIND_AT: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

impl Alone {
    /// The right for a sheet of `compressed` bytes, when it is to be had.
    fn claim(compressed: u64) -> Option<Alone> {
        #[cfg(test)]
        if let Some(forced) = PIPELINED.get() {
            return forced.then_some(Alone { counted: false });
        }
        if compressed < PIPELINED_FROM || rayon::current_num_threads() < 2 {
            return None;
        }
        PASSES
            .compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire)
            .ok()
            .map(|_| Alone { counted: true })
    }
}

impl Drop for Alone {
    fn drop(&mut self) {
        if self.counted {
            PASSES.store(0, Ordering::Release);
        }
    }
}

/// One row of a sheet as the pass reads it: its XML, and its cells' values.
#[derive(Default)]
struct Parsed {
    /// The row (zero-based).
    row_index: u32,
    /// The row's XML, and how the usual writer would write it: pieces of it, in order (when
    /// the row is read tag by tag; see [`RowRead::whole_rows`]).
    xml: Vec<u8>,
    pieces: Vec<Piece>,
    /// The row's cells in `xml`: start, end, column (32 bits each: a sheet's rows keep one
    /// per cell, so it is kept small; a row longer than that is not passed).
    spans: Vec<Span>,
    /// Per cell: the end of its start tag and where its reference, style and type are in it,
    /// when the tag is a usual one (see [`attr::UsualCell`]), read once for the reference.
    starts: Vec<Option<attr::UsualStart>>,
    /// Per cell: where the text of its value is in it, when the cell is of a usual shape (see
    /// [`UsualValue`]).
    texts: Vec<Option<UsualValue>>,
    /// The row's cells' values.
    row: Row,
    /// Per cell of the row: the shared string it refers to, when its value told
    /// ([`CellValues::last_ref`]).
    refs_known: Vec<Option<Option<usize>>>,
    /// The last column with a value; `None` when no cell of the row has one.
    last_filled: Option<u32>,
    /// Whether the values are read (by the reading thread of [`walk_pipelined`], when the
    /// writing one is behind).
    values_read: bool,
}

/// A cell's span in its row's XML, `at..end`, and its column, as [`Parsed::spans`] keeps them.
type Span = (u32, u32, u32);

/// The [`Span`] of a cell at `at..end` in its row's XML, in column `col`; `GiveUp` for a row
/// too long for it.
fn span(at: usize, end: usize, col: u32) -> Result<Span, GiveUp> {
    match (u32::try_from(at), u32::try_from(end)) {
        (Ok(at), Ok(end)) => Ok((at, end, col)),
        _ => Err(GiveUp),
    }
}

/// Where the rows the walk reads go: applied and written at once ([`Direct`]), or handed to
/// the thread that does it ([`walk_pipelined`]).
trait Rows {
    /// Write bytes of the sheet outside its rows.
    fn bytes(&mut self, bytes: &[u8]) -> Result<(), Problem>;
    /// Take the row just read, and leave `parsed` ready for the next one. `Ok(false)` when
    /// the pass gives up.
    fn row(&mut self, parsed: &mut Parsed) -> Result<bool, Problem>;
}

/// The reading side of a sheet's pass (see [`Pass`]): the sheet's XML cut into rows, and each
/// row's values read.
struct RowRead<'s> {
    /// The reader of the cells' values; `None` while the rows go to another thread, which
    /// reads their values there (or this side does, with a fork of it, while that thread is
    /// behind: see [`walk_pipelined`]).
    values: Option<CellValues<'s>>,
    /// The row being read.
    parsed: Parsed,
    /// The row a `<row>` without a reference is, and the column of a `<c>` without one.
    next_row: u32,
    next_col: u32,
    /// Whether a row is read whole at once and then cut into its cells (see
    /// [`RowRead::whole_row`]): when the bytes may reach the output in any writes.
    whole_rows: bool,
    /// The search for the rows' end tag (see [`RowRead::whole_row`]).
    row_end: Option<memchr::memmem::Finder<'static>>,
    /// For a sheet whose cells were only skimmed at opening
    /// ([`crate::workbook::Layout::cells_unscanned`]): the reading also gives up on anything
    /// among the cells that the sheet's scan would have noted, and counts what they span.
    strict: Option<StrictCells>,
}

/// What a strict reading of a sheet's cells (see [`RowRead::strict`]) has seen.
#[derive(Default)]
struct StrictCells {
    /// Whether `<sheetData>` has started: what precedes it was read at opening.
    in_cells: bool,
    /// The end tag of `<sheetData>` as written, once read.
    end: Vec<u8>,
    /// The rows and columns the rows' and cells' references name, as the scan counts them.
    extent: super::package::Extent,
}

/// Why a pass stops: the sheet goes the usual way.
struct GiveUp;

impl RowRead<'_> {
    /// Whether the reading is strict (see [`RowRead::strict`]) and among the cells.
    fn strictly_in_cells(&self) -> bool {
        self.strict.as_ref().is_some_and(|s| s.in_cells)
    }

    /// Copy the sheet's XML from `input` to `rows` up to `</sheetData>`, each row read and
    /// handed on; the rest of the sheet (its tail). `Ok(None)` for XML this pass does not
    /// take; errors are the output's.
    ///
    /// The bytes go on in the same writes as the usual writer's ([`super::patch::walk_cells`]):
    /// a deflate stream depends on how its input comes.
    fn walk<R: BufRead>(
        &mut self,
        mut input: R,
        rows: &mut impl Rows,
    ) -> Result<Option<Vec<u8>>, Problem> {
        let mut tag = Vec::with_capacity(1 << 12);
        let mut in_row = false;
        loop {
            // Text up to the next markup.
            let (found, len) = {
                let Ok(chunk) = input.fill_buf() else {
                    return Ok(None);
                };
                if chunk.is_empty() {
                    return Ok(None);
                }
                let (found, len) = match memchr::memchr(b'<', chunk) {
                    Some(i) => (true, i),
                    None => (false, chunk.len()),
                };
                // Text among the cells outside a value is read by no reader.
                if self.strictly_in_cells() && !super::package::is_xml_space(&chunk[..len]) {
                    return Ok(None);
                }
                self.put(&chunk[..len], in_row, rows)?;
                (found, len)
            };
            input.consume(len);
            if !found {
                continue;
            }
            tag.clear();
            if input.read_until(b'>', &mut tag).is_err() {
                return Ok(None);
            }
            if tag.starts_with(b"<!--") || tag.starts_with(b"<![CDATA[") {
                if self.strictly_in_cells() {
                    return Ok(None);
                }
                let end: &[u8] = if tag.starts_with(b"<!--") {
                    b"-->"
                } else {
                    b"]]>"
                };
                if in_row || patch::read_until_suffix(&mut input, &mut tag, end).is_err() {
                    return Ok(None);
                }
            } else if (tag.starts_with(b"</") && tag.ends_with(b"sheetData>"))
                || (patch::is_tag(&tag, b"sheetData") && tag.ends_with(b"/>"))
            {
                if in_row {
                    return Ok(None);
                }
                if let Some(strict) = &mut self.strict {
                    strict.end.clone_from(&tag);
                }
                rows.bytes(&tag)?;
                let mut rest = Vec::new();
                if input.read_to_end(&mut rest).is_err() {
                    return Ok(None);
                }
                return Ok(Some(rest));
            } else if patch::is_tag(&tag, b"row") {
                if in_row {
                    return Ok(None);
                }
                let r = attr::lenient(&tag, b"r");
                let Some(row) = (match r {
                    Some(r) => r.parse::<u32>().ok().and_then(|r| r.checked_sub(1)),
                    None => Some(self.next_row),
                }) else {
                    return Ok(None);
                };
                if let Some(strict) = &mut self.strict {
                    if super::package::foreign_row(&tag) {
                        return Ok(None);
                    }
                    if r.is_some() {
                        strict.extent.note_at(u64::from(row) + 1, None);
                    }
                }
                self.parsed.row_index = row;
                self.next_row = row + 1;
                self.next_col = 0;
                if !tag.ends_with(b"/>") {
                    in_row = true;
                    self.parsed.xml.clear();
                    self.parsed.pieces.clear();
                    self.parsed.spans.clear();
                    self.parsed.starts.clear();
                    self.parsed.texts.clear();
                    if self.whole_rows {
                        self.parsed.xml.extend_from_slice(&tag);
                        in_row = false;
                        if self.whole_row(&mut input, &tag).is_err()
                            || self.read_values().is_err()
                            || !rows.row(&mut self.parsed)?
                        {
                            return Ok(None);
                        }
                        continue;
                    }
                }
            } else if patch::is_tag(&tag, b"c") {
                if !in_row {
                    return Ok(None);
                }
                if !tag.ends_with(b"/>") {
                    let end = patch::end_tag(&tag);
                    if patch::read_until_suffix(&mut input, &mut tag, &end).is_err() {
                        return Ok(None);
                    }
                }
                let Ok((col, start)) = self.column(&tag) else {
                    return Ok(None);
                };
                if self.strict.is_some() && !super::package::plain_cell(&tag, start.as_ref()) {
                    return Ok(None);
                }
                let parsed = &mut self.parsed;
                let at = parsed.xml.len();
                parsed.xml.extend_from_slice(&tag);
                let Ok(span) = span(at, parsed.xml.len(), col) else {
                    return Ok(None);
                };
                parsed.pieces.push(Piece::Cell(parsed.spans.len()));
                parsed.spans.push(span);
                parsed.starts.push(start);
                parsed.texts.push(None);
                continue;
            } else if in_row && tag.starts_with(b"</") && patch::is_tag(&tag[1..], b"row") {
                self.put(&tag, true, rows)?;
                in_row = false;
                if self.read_values().is_err() || !rows.row(&mut self.parsed)? {
                    return Ok(None);
                }
                continue;
            }
            if let Some(strict) = &mut self.strict {
                if !strict.in_cells {
                    strict.in_cells = patch::is_tag(&tag, b"sheetData");
                } else if !patch::is_tag(&tag, b"row") {
                    // Any other element among the cells is read by no reader.
                    return Ok(None);
                }
            }
            self.put(&tag, in_row, rows)?;
        }
    }

    /// The rest of the row whose start tag `start` was just read (and kept): read up to its
    /// end tag at once, then cut into its cells and the bytes between them, as [`Self::walk`]
    /// cuts a row tag by tag. Anything `walk` gives up on inside a row (a comment, CDATA, a
    /// row in the row) is given up on here too, and so is an end tag written otherwise than
    /// `</row>` with the start tag's prefix.
    fn whole_row<R: BufRead>(&mut self, input: &mut R, start: &[u8]) -> Result<(), GiveUp> {
        let end = patch::end_tag(start);
        // `</row` or `</x:row`; then, after any white space, `>`.
        let close = &end[..end.len() - 1];
        let mut xml = std::mem::take(&mut self.parsed.xml);
        let cut = self.read_row_end(input, &mut xml, close);
        self.parsed.xml = xml;
        cut
    }

    /// [`Self::whole_row`] into `xml` (the row's bytes so far), up to the end tag that starts
    /// with `close`.
    fn read_row_end<R: BufRead>(
        &mut self,
        input: &mut R,
        xml: &mut Vec<u8>,
        close: &[u8],
    ) -> Result<(), GiveUp> {
        let content = xml.len();
        let finder = match self.row_end.take() {
            Some(finder) if finder.needle() == close => finder,
            _ => memchr::memmem::Finder::new(close).into_owned(),
        };
        let at = read_through(input, xml, content, &finder);
        self.row_end = Some(finder);
        let at = at?;
        input.read_until(b'>', xml).map_err(|_| GiveUp)?;
        let rest = &xml[at + close.len()..];
        match rest.split_last() {
            Some((b'>', spaces)) if spaces.iter().all(u8::is_ascii_whitespace) => {}
            _ => return Err(GiveUp),
        }
        self.cut_row(xml, content, at)
    }

    /// Find the cells in `xml[from..close]`, the content of the current row. The row is
    /// written from its bytes and its cells' spans (see [`RowWrite::write_row_at_once`]): no
    /// pieces are kept.
    fn cut_row(&mut self, xml: &[u8], from: usize, close: usize) -> Result<(), GiveUp> {
        let strict = self.strict.is_some();
        // Text among the cells outside a value, read by no reader.
        let loose = |text: &[u8]| strict && !super::package::is_xml_space(text);
        let mut at = from;
        while at < close {
            // A row's cells follow each other: the next tag is most often right here.
            let next = if xml[at] == b'<' {
                Some(at)
            } else {
                memchr::memchr(b'<', &xml[at..close]).map(|i| at + i)
            };
            let Some(open) = next else {
                if loose(&xml[at..close]) {
                    return Err(GiveUp);
                }
                break;
            };
            if loose(&xml[at..open]) {
                return Err(GiveUp);
            }
            let tag_end = open + memchr::memchr(b'>', &xml[open..close]).ok_or(GiveUp)? + 1;
            let tag = &xml[open..tag_end];
            // Most tags are cells' (no cell's tag is one of those given up on below).
            if patch::is_tag(tag, b"c") {
                let content = &xml[tag_end..close];
                let usual = UsualValue::find(tag, content);
                let cell_end = match &usual {
                    _ if tag.ends_with(b"/>") => tag_end,
                    Some(usual) => open + usual.end(),
                    None => {
                        let end = patch::end_tag(tag);
                        tag_end
                            + memchr::memchr_iter(b'<', content)
                                .find(|&at| {
                                    content
                                        .get(at..at + end.len())
                                        .is_some_and(|s| super::attr::same_bytes(s, &end))
                                })
                                .ok_or(GiveUp)?
                            + end.len()
                    }
                };
                let cell = &xml[open..cell_end];
                let (col, start) = self.column_of(cell, tag.len() - 1)?;
                if strict && !super::package::plain_cell_cut(cell, start.as_ref(), usual.as_ref()) {
                    return Err(GiveUp);
                }
                self.parsed.spans.push(span(open, cell_end, col)?);
                self.parsed.starts.push(start);
                self.parsed.texts.push(usual);
                at = cell_end;
                continue;
            }
            if tag.starts_with(b"<!--")
                || tag.starts_with(b"<![CDATA[")
                || patch::is_tag(tag, b"sheetData")
                || patch::is_tag(tag, b"row")
                || (tag.starts_with(b"</")
                    && (patch::is_tag(&tag[1..], b"row") || tag.ends_with(b"sheetData>")))
            {
                return Err(GiveUp);
            }
            // Any other element among the cells is read by no reader.
            if strict {
                return Err(GiveUp);
            }
            at = tag_end;
        }
        Ok(())
    }

    /// Hand `bytes` on, or, inside a row, keep them as the row's next piece.
    fn put(&mut self, bytes: &[u8], in_row: bool, rows: &mut impl Rows) -> Result<(), Problem> {
        if in_row {
            let parsed = &mut self.parsed;
            let at = parsed.xml.len();
            parsed.xml.extend_from_slice(bytes);
            parsed.pieces.push(Piece::Bytes(at, parsed.xml.len()));
            Ok(())
        } else {
            rows.bytes(bytes)
        }
    }

    /// The zero-based column of a cell of the current row, whose reference (when it has one)
    /// must be in the row; with where its style and type are, when its start tag is a usual
    /// one (see [`Parsed::starts`]).
    fn column(&mut self, cell: &[u8]) -> Result<(u32, Option<attr::UsualStart>), GiveUp> {
        let end = memchr::memchr(b'>', cell).ok_or(GiveUp)?;
        self.column_of(cell, end)
    }

    /// [`Self::column`] of a cell whose start tag's first `>` is at `end`.
    fn column_of(
        &mut self,
        cell: &[u8],
        end: usize,
    ) -> Result<(u32, Option<attr::UsualStart>), GiveUp> {
        let tag = &cell[..=end];
        let (usual, r) = attr::cell_reference(tag);
        let col = match r {
            // A reference as writers make it, in this row; anything else is left to the
            // workbook read whole.
            Some(r) => match crate::a1::parse_written_cell(r) {
                Some((row, col)) if row == self.parsed.row_index => col,
                _ => return Err(GiveUp),
            },
            None => self.next_col,
        };
        if self.parsed.spans.last().is_some_and(|&(_, _, c)| c >= col) {
            return Err(GiveUp);
        }
        if let (Some(strict), Some(_)) = (&mut self.strict, r) {
            let row = u64::from(self.parsed.row_index) + 1;
            strict.extent.note_at(row, Some(u64::from(col) + 1));
        }
        self.next_col = col + 1;
        Ok((col, usual.map(|u| u.start_at(tag))))
    }

    /// Read the values of the row's cells, unless the rows go to another thread, which reads
    /// them there (see [`RowRead::values`]).
    fn read_values(&mut self) -> Result<(), GiveUp> {
        match &mut self.values {
            Some(values) => self.parsed.read_values(values),
            None => Ok(()),
        }
    }
}

impl Parsed {
    /// Make this the row `read` is as the walk cut it (its index, XML, pieces and cells),
    /// before its values are read; this one's places are written into, not replaced.
    fn copy_cut(&mut self, read: &Parsed) {
        self.row_index = read.row_index;
        self.xml.clone_from(&read.xml);
        self.pieces.clone_from(&read.pieces);
        self.spans.clone_from(&read.spans);
        self.starts.clone_from(&read.starts);
        self.texts.clone_from(&read.texts);
        self.values_read = false;
    }

    /// Read the values of the row's cells, as calamine's reader gives them.
    fn read_values(&mut self, values: &mut CellValues<'_>) -> Result<(), GiveUp> {
        self.refs_known.clear();
        self.last_filled = None;
        for (k, &(at, end, col)) in self.spans.iter().enumerate() {
            let raw = &self.xml[at as usize..end as usize];
            let start = self.starts.get(k).and_then(Option::as_ref);
            let usual = self.texts.get(k).and_then(Option::as_ref);
            let value = values.value_in(raw, start, usual).map_err(|_| GiveUp)?;
            let shared = matches!(value, DataRef::SharedString(_));
            let filled = !value.is_empty();
            if filled {
                // The cells come in column order.
                self.last_filled = Some(col);
                self.row.put(col, value);
            }
            let known = values.last_ref();
            // The value is that shared string, as read (see `CellValues::last_ref`).
            if let (true, true, Some(Some(n))) = (filled, shared, known) {
                self.row.put_shared(col, n);
            }
            self.refs_known.push(known);
        }
        Ok(())
    }
}

/// The writing side of a sheet's pass (see [`Pass`]): the plan applied to each row read, and
/// the row written.
struct RowWrite<'s> {
    new: &'s mut NewStrings,
    /// Uses of each shared string by kept cells.
    refs: patch::Refs,
    new_refs: u64,
    /// Per change of the row: its new value's number among the new shared strings.
    new_indices: Vec<Option<u32>>,
    /// Whether the entry takes the bytes in any writes (see [`OpenEntry::any_writes`]); then
    /// a changed cell as written.
    any_writes: bool,
    written: Vec<u8>,
    /// As [`read_rows`] tracks them.
    current: u32,
    first_row: Option<u32>,
    max_col: Option<u32>,
}

impl RowWrite<'_> {
    /// The row read: applied and written, and `parsed` cleared. `Ok(false)` when the pass
    /// gives up.
    fn take_row<W: Write>(
        &mut self,
        parsed: &mut Parsed,
        out: &mut W,
        work: &mut SheetWork<'_>,
    ) -> Result<bool, Problem> {
        let own_texts = work.changes.values.own_texts();
        let result = self.apply(parsed, work);
        parsed.row.clear();
        match result {
            Ok(changed) => {
                self.write_row(
                    parsed,
                    out,
                    &work.changes.cells[changed..],
                    &work.changes.values,
                )?;
                self.share_texts(&mut work.changes, changed, own_texts);
                Ok(true)
            }
            Err(GiveUp) => Ok(false),
        }
    }

    /// The new texts of the row's changes (from `first` on) are new shared strings too: the
    /// changes read them there (see [`crate::apply::Values::share`]), and the sheet's buffer
    /// lets its copies go, the texts it kept before the row (`own_texts`) staying. A large
    /// export's new texts would otherwise be held twice until the output is written.
    fn share_texts(&self, changes: &mut SheetChanges, first: usize, own_texts: usize) {
        let SheetChanges { cells, values, .. } = changes;
        let mut all = true;
        for (c, number) in cells[first..].iter_mut().zip(&self.new_indices) {
            if !values.is_own_text(c.new) {
                continue;
            }
            match number.and_then(|n| New::shared(self.new.place(n))) {
                Some(shared) => c.new = shared,
                None => all = false,
            }
        }
        if all {
            values.forget_texts_after(own_texts);
        }
    }

    /// Apply the plan to the row; where its changes start in `work`.
    fn apply(&mut self, parsed: &Parsed, work: &mut SheetWork<'_>) -> Result<usize, GiveUp> {
        let row = parsed.row_index;
        let before = work.changes.cells.len();
        let Some(last) = parsed.last_filled else {
            return Ok(before);
        };
        self.max_col = Some(self.max_col.map_or(last, |m| m.max(last)));
        // As `read_rows` goes from row to row (rows without a value in between are empty rows).
        if self.first_row.is_some() && row <= self.current {
            return Err(GiveUp);
        }
        if row > self.current {
            for gap in (self.current + 1).max(1)..row {
                work.row(gap, |_| &EMPTY);
                // The cells of an empty row were written already.
                if work.changes.cells.len() != before || !work.changes.deleted.is_empty() {
                    return Err(GiveUp);
                }
            }
            self.current = row;
        }
        self.first_row.get_or_insert(row);
        if row >= 1 {
            let cells = &parsed.row;
            work.row_shared(row, |c| cells.get(c), |c| cells.shared(c));
            if !work.changes.deleted.is_empty() {
                return Err(GiveUp);
            }
        }
        // The row's changes, in column order, each on a cell of the row.
        let changes = &work.changes.cells[before..];
        self.new_indices.clear();
        let mut spans = parsed.spans.iter();
        for c in changes {
            if !spans.any(|&(_, _, col)| col == c.col()) {
                return Err(GiveUp);
            }
            self.new_indices
                .push(self.new.add(work.changes.values.get(c.new)));
        }
        Ok(before)
    }

    /// Write the row, its changed cells replaced (`changes`, in the order of its cells).
    fn write_row<W: Write>(
        &mut self,
        parsed: &Parsed,
        out: &mut W,
        changes: &[Change],
        values: &Values,
    ) -> Result<(), Problem> {
        if self.any_writes {
            return self.write_row_at_once(parsed, out, changes, values);
        }
        let mut changes = changes.iter().zip(&self.new_indices).peekable();
        for piece in &parsed.pieces {
            let (at, end) = match *piece {
                Piece::Bytes(at, end) => (at, end),
                Piece::Cell(k) => {
                    let (at, end, col) = parsed.spans[k];
                    let (at, end) = (at as usize, end as usize);
                    if let Some((change, &index)) = changes.next_if(|(c, _)| c.col() == col) {
                        let cell = CellXml::parse(&parsed.xml[at..end]);
                        let index = index.filter(|_| cell.t != Some(b"inlineStr".as_slice()));
                        self.new_refs += u64::from(index.is_some());
                        patch::write_new_cell(out, &cell, values.get(change.new), index)
                            .map_err(patch::write_failed)?;
                        continue;
                    }
                    count_kept_ref(&mut self.refs, parsed, k);
                    (at, end)
                }
            };
            out.write_all(&parsed.xml[at..end])
                .map_err(patch::write_failed)?;
        }
        Ok(())
    }

    /// [`Self::write_row`] for an entry that takes its bytes in any writes: the row's bytes
    /// from one changed cell to the next at once.
    fn write_row_at_once<W: Write>(
        &mut self,
        parsed: &Parsed,
        out: &mut W,
        changes: &[Change],
        values: &Values,
    ) -> Result<(), Problem> {
        let mut changes = changes.iter().zip(&self.new_indices).peekable();
        let mut written = 0;
        for (k, &(at, end, col)) in parsed.spans.iter().enumerate() {
            let Some((change, &index)) = changes.next_if(|(c, _)| c.col() == col) else {
                count_kept_ref(&mut self.refs, parsed, k);
                continue;
            };
            let (at, end) = (at as usize, end as usize);
            let usual = parsed.starts.get(k).and_then(Option::as_ref);
            let cell = CellXml::start_tag(&parsed.xml[at..end], usual);
            let index = index.filter(|_| cell.t != Some(b"inlineStr".as_slice()));
            self.new_refs += u64::from(index.is_some());
            out.write_all(&parsed.xml[written..at])
                .map_err(patch::write_failed)?;
            self.written.clear();
            patch::write_new_cell_into(&mut self.written, &cell, values.get(change.new), index);
            out.write_all(&self.written).map_err(patch::write_failed)?;
            written = end;
        }
        out.write_all(&parsed.xml[written..])
            .map_err(patch::write_failed)
    }
}

/// Count in `refs` the use of the shared string that the `k`-th cell of the row, kept, refers
/// to.
fn count_kept_ref(refs: &mut patch::Refs, parsed: &Parsed, k: usize) {
    match parsed.refs_known.get(k) {
        Some(Some(Some(n))) => refs.count(*n),
        Some(Some(None)) => {}
        _ => {
            let (at, end, _) = parsed.spans[k];
            patch::count_ref(
                &CellXml::parse(&parsed.xml[at as usize..end as usize]),
                refs,
            )
        }
    }
}

/// Rows applied and written as they are read, on the thread that reads them.
struct Direct<'d, 's, 'w, W> {
    write: &'d mut RowWrite<'s>,
    out: &'d mut W,
    work: &'d mut SheetWork<'w>,
}

impl<W: Write> Rows for Direct<'_, '_, '_, W> {
    fn bytes(&mut self, bytes: &[u8]) -> Result<(), Problem> {
        self.out.write_all(bytes).map_err(patch::write_failed)
    }

    fn row(&mut self, parsed: &mut Parsed) -> Result<bool, Problem> {
        self.write.take_row(parsed, self.out, self.work)
    }
}

/// Read from `input` into `buf` through the first needle of `finder` at or after
/// `buf[from..]`; where in `buf` it starts. The input ending first is [`GiveUp`].
fn read_through<R: BufRead>(
    input: &mut R,
    buf: &mut Vec<u8>,
    from: usize,
    finder: &memchr::memmem::Finder<'_>,
) -> Result<usize, GiveUp> {
    let needle = finder.needle();
    loop {
        let chunk = input.fill_buf().map_err(|_| GiveUp)?;
        if chunk.is_empty() {
            return Err(GiveUp);
        }
        // The needle may start in what was read before: look at its last bytes with the
        // chunk's first ones.
        let held = buf.len();
        let tail = held.saturating_sub(needle.len() - 1).max(from);
        let seam = (tail < held)
            .then(|| {
                let mut seam = buf[tail..].to_vec();
                seam.extend_from_slice(&chunk[..chunk.len().min(needle.len() - 1)]);
                finder.find(&seam)
            })
            .flatten();
        let found = match seam {
            Some(i) => Some((tail + i, tail + i + needle.len() - held)),
            None => finder.find(chunk).map(|i| (held + i, i + needle.len())),
        };
        match found {
            Some((at, used)) => {
                buf.extend_from_slice(&chunk[..used]);
                input.consume(used);
                return Ok(at);
            }
            None => {
                let used = chunk.len();
                buf.extend_from_slice(chunk);
                input.consume(used);
            }
        }
    }
}

/// What goes from the reading thread to the writing one: bytes outside the rows and rows, in
/// the order of the sheet.
#[derive(Default)]
struct Batch {
    /// The bytes outside the rows, one after the other.
    bytes: Vec<u8>,
    items: Vec<Item>,
    /// The rows written, cleared, going back for the rows read next to be copied into.
    spare: Vec<Parsed>,
    /// In the last batch: what the walk gave.
    end: Option<Result<Option<Vec<u8>>, Problem>>,
}

// A batch's items are kept from one batch to the next, and its rows copied into again: a box
// per row would be an allocation per row.
#[allow(clippy::large_enum_variant)]
enum Item {
    /// The range of [`Batch::bytes`] written at once.
    Bytes(usize, usize),
    Row(Parsed),
}

/// Rows read before they go to the writing thread at once.
const PIPELINED_ROWS: usize = 128;

/// Batches waiting for the writing thread from which the reading one reads the values of the
/// rows it sends as well (see [`walk_pipelined`]).
const BEHIND: usize = 2;

/// [`BEHIND`], or a test's choice of it.
fn behind() -> usize {
    #[cfg(test)]
    if let Some(forced) = BEHIND_AT.get() {
        return forced;
    }
    BEHIND
}

/// The reading side of [`walk_pipelined`].
struct Sending<'q, 'v> {
    to_write: std::sync::mpsc::SyncSender<Batch>,
    /// Batches sent and not yet taken by the writing side.
    queued: &'q AtomicUsize,
    /// From how many batches queued this side reads values ([`BEHIND`]).
    behind: usize,
    /// The reader of the rows' values, for the rows whose values are read on this side.
    values: CellValues<'v>,
    back: std::sync::mpsc::Receiver<Batch>,
    batch: Batch,
    rows: usize,
    /// Batches come back to be filled again, and their rows for the rows read to be copied into.
    spare_batches: Vec<Batch>,
    spare_rows: Vec<Parsed>,
}

impl Sending<'_, '_> {
    /// Send the batch; `false` when the writing side has stopped.
    fn send(&mut self) -> bool {
        while let Ok(mut back) = self.back.try_recv() {
            self.spare_rows.append(&mut back.spare);
            back.bytes.clear();
            back.items.clear();
            self.spare_batches.push(back);
        }
        let next = self.spare_batches.pop().unwrap_or_default();
        let full = std::mem::replace(&mut self.batch, next);
        self.rows = 0;
        self.queued.fetch_add(1, Ordering::Relaxed);
        self.to_write.send(full).is_ok()
    }
}

impl Rows for Sending<'_, '_> {
    fn bytes(&mut self, bytes: &[u8]) -> Result<(), Problem> {
        let at = self.batch.bytes.len();
        self.batch.bytes.extend_from_slice(bytes);
        self.batch
            .items
            .push(Item::Bytes(at, self.batch.bytes.len()));
        Ok(())
    }

    fn row(&mut self, parsed: &mut Parsed) -> Result<bool, Problem> {
        // A copy goes, into a row the writing side handed back: the row read stays this
        // thread's, so that each row is read and cut in memory its core wrote last (reading
        // into the rows the other core last wrote and read took the cutting's search for the
        // cells' values about five times as long; the copy's writes run on).
        let mut handed = self.spare_rows.pop().unwrap_or_default();
        handed.copy_cut(parsed);
        // With the writing side behind, this side reads the row's values too: how many rows
        // have theirs read here follows how far behind it is, so that the two sides share
        // the work as their cores allow.
        if self.queued.load(Ordering::Relaxed) >= self.behind {
            handed.values_read = handed.read_values(&mut self.values).is_ok();
            if !handed.values_read {
                // Read again on the writing side, which gives up there.
                handed.row.clear();
            }
        }
        self.batch.items.push(Item::Row(handed));
        self.rows += 1;
        Ok(self.rows < PIPELINED_ROWS || self.send())
    }
}

/// [`RowRead::walk`] on a thread of its own, the rows applied and written on this one, each
/// row's values read on whichever side keeps up (see [`BEHIND`]), so that reading and writing
/// a large sheet take two cores; while no rows wait to be written, this one deflates the
/// blocks `help` has waiting (the deflate of the part `out` writes). The same writes reach
/// `out` in the same order as with [`Direct`].
fn walk_pipelined<R: BufRead + Send, W: Write>(
    read: &mut RowRead<'_>,
    input: R,
    write: &mut RowWrite<'_>,
    out: &mut W,
    help: Option<super::deflate::Help>,
    work: &mut SheetWork<'_>,
) -> Result<Option<Vec<u8>>, Problem> {
    // The rows' values are read on this thread while the reading one keeps up, and on the
    // reading one for the rows it sends while this one is behind (see [`BEHIND`]). Reading
    // them is about two fifths of the reading side's work: all on that side, its thread was
    // busy while this one waited for rows half the time; all on this side, this one was
    // busy while the other core (the reading and the deflate of the blocks written) was idle
    // about a third of the time. Shared as the two keep up, a 100,000-row scrub with two
    // jobs took about 0.93x the time.
    let Some(mut values) = read.values.take() else {
        return Err(Problem::Internal);
    };
    let queued = &AtomicUsize::new(0);
    let behind = behind();
    let reading_values = values.fork();
    std::thread::scope(|scope| {
        // Room for a few batches between the threads: each row read and not yet written is
        // memory (a batch of rows holds about a MB), so not more (16 took the peak of a
        // 100,000-row scrub with two jobs from 147 MB to 164 MB, for no time measurably saved).
        let (to_write, batches) = std::sync::mpsc::sync_channel::<Batch>(4);
        let (to_read, back) = std::sync::mpsc::channel::<Batch>();
        let reader = scope.spawn(move || {
            let mut sending = Sending {
                to_write,
                queued,
                behind,
                values: reading_values,
                back,
                batch: Batch::default(),
                rows: 0,
                spare_batches: Vec::new(),
                spare_rows: Vec::new(),
            };
            let end = read.walk(input, &mut sending);
            sending.batch.end = Some(end);
            sending.send();
        });
        let mut direct = Direct { write, out, work };
        let result = (|| {
            use std::sync::mpsc::TryRecvError;
            loop {
                // With no rows to write yet, a block waiting to be deflated is deflated here:
                // the reading thread then has its core to itself rather than sharing it with
                // the deflate.
                let mut batch = match batches.try_recv() {
                    Ok(batch) => batch,
                    Err(TryRecvError::Empty)
                        if help.as_ref().is_some_and(super::deflate::Help::deflate_one) =>
                    {
                        continue
                    }
                    Err(TryRecvError::Empty) => match batches.recv() {
                        Ok(batch) => batch,
                        Err(_) => break,
                    },
                    Err(TryRecvError::Disconnected) => break,
                };
                queued.fetch_sub(1, Ordering::Relaxed);
                for item in batch.items.drain(..) {
                    match item {
                        Item::Bytes(at, end) => direct.bytes(&batch.bytes[at..end])?,
                        Item::Row(mut parsed) => {
                            if !parsed.values_read && parsed.read_values(&mut values).is_err()
                                || !direct.row(&mut parsed)?
                            {
                                return Ok(None);
                            }
                            batch.spare.push(parsed);
                        }
                    }
                }
                if let Some(end) = batch.end.take() {
                    return end;
                }
                // The reader may be done: then nothing is reused.
                let _ = to_read.send(batch);
            }
            // The reader stopped without its last batch: it panicked.
            Err(Problem::Internal)
        })();
        // The reader stops at its next batch once these are gone.
        drop(batches);
        drop(to_read);
        reader.join().map_err(|_| Problem::Internal)?;
        result
    })
}

/// A piece of a row's XML as the usual writer writes it: bytes, or a cell (by its span).
#[derive(Clone, Copy)]
enum Piece {
    Bytes(usize, usize),
    Cell(usize),
}

/// Write the changes file of a streamed scrub in `format`, as
/// [`crate::changes::write_changes_as`] writes it from the workbook.
///
/// # Errors
/// The writer's I/O error.
pub(crate) fn write_changes<W: Write>(
    out: W,
    format: crate::changes::ChangesFormat,
    map: &Map,
    book: &Workbook,
    plan: &FilePlan,
    streamed: &Streamed,
) -> std::io::Result<()> {
    let mut file = ChangesFile::with_format(out, format);
    for (sc, ids) in streamed.changes.iter().zip(&streamed.ids) {
        let headers = plan.headers(book, sc.sheet);
        file.start_sheet(&book.sheets[sc.sheet].name);
        let mut at = 0;
        for c in &sc.cells {
            let record_id = ids
                .id_at(&mut at, c.row, &streamed.olds.strings)
                .unwrap_or_default();
            file.push(map, &headers, c, sc.value(c), record_id)?;
        }
    }
    file.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every changed cell's kept text, by entry.
    fn changed_texts(olds: &Olds) -> Vec<Vec<Option<&str>>> {
        (0..olds.changed.len())
            .map(|k| {
                (0..olds.changed[k].slots.len())
                    .map(|i| olds.changed(k, i))
                    .collect()
            })
            .collect()
    }

    /// Texts kept once each hold a repeated text once and give it one number, through the
    /// growth of their table (tens of thousands of texts); texts kept one per cell give no
    /// number, since two numbers may hold one text there. Either way every text reads back.
    #[test]
    fn texts_kept_once_are_told_apart_by_their_number() {
        let strings = super::super::cells::Strings::default();
        let values: Vec<String> = (0..30_000)
            .map(|n| format!("City {}", n % 20_000))
            .collect();
        for once in [true, false] {
            let mut texts = if once {
                Texts::interning()
            } else {
                Texts::default()
            };
            for value in &values {
                texts.push(Some(value));
            }
            texts.push(None);
            texts.push(Some(""));
            for (i, value) in values.iter().enumerate() {
                assert_eq!(texts.get(i, &strings), Some(value.as_str()));
            }
            assert_eq!(texts.get(values.len(), &strings), None);
            assert_eq!(texts.get(values.len() + 1, &strings), Some(""));
            if once {
                assert_eq!(texts.own.len(), 20_001);
                assert_eq!(texts.own_number(25_000), texts.own_number(5_000));
                assert_ne!(texts.own_number(25_000), texts.own_number(5_001));
                assert!(texts.own_number(5_000).is_some());
                assert_eq!(texts.own_number(values.len()), None);
            } else {
                assert_eq!(texts.own.len(), 30_001);
                assert_eq!(texts.own_number(5_000), None);
            }
            texts.shrink_to_fit();
            assert_eq!(texts.get(25_000, &strings), Some("City 5000"));
            assert_eq!(texts.own_number(25_000).is_some(), once);
        }
    }

    /// What a row keeps of each of its cells (its span, and where its start tag's attributes
    /// and its value are) stays small: with two jobs millions of them go from the reading
    /// thread to the writing one, and at 144 bytes a cell instead of 44 that took 1.05x the
    /// time of a large scrub with two jobs.
    #[test]
    fn a_row_keeps_little_of_each_cell() {
        use std::mem::size_of;
        assert!(size_of::<Span>() <= 12);
        assert!(size_of::<Option<attr::UsualStart>>() <= 16);
        assert!(size_of::<Option<UsualValue>>() <= 16);
    }

    /// Texts keep shared strings by their number, others in their buffer, and tell a missing
    /// text from an empty one; an empty shared string is no text (as a cell holding it).
    #[test]
    fn kept_texts_read_back_as_pushed() {
        let mut strings = crate::xlsx::cells::Strings::default();
        for s in ["Zoë Müller", "", "Karim Al-Farsi"] {
            strings.push(s);
        }
        let mut texts = Texts::default();
        texts.push(Some("+49 170 1234567"));
        texts.push_shared(2);
        texts.push(None);
        texts.push_shared(1);
        texts.push(Some(""));
        texts.push_shared(0);
        texts.push_shared(7);
        let read: Vec<Option<&str>> = (0..8).map(|i| texts.get(i, &strings)).collect();
        assert_eq!(
            read,
            [
                Some("+49 170 1234567"),
                Some("Karim Al-Farsi"),
                None,
                None,
                Some(""),
                Some("Zoë Müller"),
                None,
                None
            ]
        );
        assert_eq!(texts.own.len(), 2, "shared strings are not copied");
    }
    use crate::testdata::{self, Options};

    fn profile() -> Map {
        Map::parse(
            crate::profiles::find("systemuser").unwrap().toml,
            "systemuser",
            None,
        )
        .unwrap()
    }

    #[test]
    fn streaming_below_the_head_gives_what_the_whole_workbook_gives() {
        let export = testdata::disabled_users(&Options {
            rows: 120,
            extra_sheet: true,
            ..Options::default()
        });
        let bytes = export.to_xlsx();
        let map = profile();
        let whole = crate::xlsx::read(&bytes).unwrap();
        let plan = crate::plan::resolve(&map, &whole).unwrap();
        let expected = crate::apply::apply_plan(&map, &plan, &whole);
        // A head of 30 rows: the rest of the data sheet is streamed.
        let mut opened =
            super::super::read::open_with(&bytes, &crate::xlsx::Limits::default(), Some(30))
                .unwrap();
        assert!(opened.cut.iter().any(|&c| c), "a sheet is cut to its head");
        assert_eq!(
            crate::plan::resolve(&map, &opened.book).unwrap(),
            plan,
            "the head resolves to the same plan"
        );
        // On one thread, and read on one while applied on another.
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| {
                let mut opened =
                    super::super::read::open_with(&bytes, &Default::default(), Some(30)).unwrap();
                stream(&map, &plan, &mut opened, None)
                    .unwrap()
                    .expect("streamed")
            });
        let streamed = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap()
            .install(|| {
                stream(&map, &plan, &mut opened, None)
                    .unwrap()
                    .expect("streamed")
            });
        assert_eq!(one.changes, expected);
        assert_eq!(changed_texts(&one.olds), changed_texts(&streamed.olds));
        assert_eq!(one.olds.kept, streamed.olds.kept);
        assert_eq!(streamed.changes, expected);
        assert!(expected[0].cells.iter().any(|c| c.row > 100));
        // What the checks need of the input, as the whole workbook holds it.
        for (k, sc) in expected.iter().enumerate() {
            let sheet = &whole.sheets[sc.sheet];
            for (i, c) in sc.cells.iter().enumerate() {
                assert_eq!(
                    streamed.olds.changed(k, i),
                    crate::actions::cell_text(sheet.cell(c.row, c.col())).as_deref()
                );
            }
        }
        assert_eq!(
            crate::verify::removed_streamed(&map, &streamed.olds, &streamed.changes).to_vec(),
            crate::verify::removed_values(&map, &whole, &plan, &expected)
        );
        let json = |r: &[SheetReport]| serde_json::to_string(r).unwrap();
        assert_eq!(
            json(&streamed.reports),
            json(&crate::changes::sheet_reports(
                &map, &whole, &plan, &expected
            ))
        );
        for format in [
            crate::changes::ChangesFormat::Rows,
            crate::changes::ChangesFormat::Cells,
        ] {
            let mut ours = Vec::new();
            write_changes(&mut ours, format, &map, &opened.book, &plan, &streamed).unwrap();
            let mut theirs = Vec::new();
            crate::changes::write_changes_as(&mut theirs, format, &map, &whole, &plan, &expected)
                .unwrap();
            assert!(ours == theirs, "the same changes file");
        }
    }

    #[test]
    fn shared_strings_that_no_changed_cell_or_id_holds_are_let_go_and_the_rest_read_as_before() {
        let export = testdata::disabled_users(&Options {
            rows: 80,
            ..Options::default()
        });
        let bytes = export.to_xlsx();
        let map = profile();
        let mut opened =
            super::super::read::open_with(&bytes, &crate::xlsx::Limits::default(), Some(20))
                .unwrap();
        let plan = crate::plan::resolve(&map, &opened.book).unwrap();
        // Written, as a scrub streams it: the changed cells' texts are the table's.
        let options = PatchOptions::default();
        let mut streamed = stream(&map, &plan, &mut opened, Some((&bytes, &options)))
            .unwrap()
            .expect("streamed");
        let changes_file = |streamed: &Streamed| {
            let mut out = Vec::new();
            let format = crate::changes::ChangesFormat::Cells;
            write_changes(&mut out, format, &map, &opened.book, &plan, streamed).unwrap();
            out
        };
        let removed = |streamed: &Streamed| {
            let values = crate::verify::removed_streamed(&map, &streamed.olds, &streamed.changes);
            let list: Vec<String> = values
                .to_vec()
                .into_iter()
                .map(|v| v.into_owned())
                .collect();
            (list, values.firsts().to_vec())
        };
        let (texts, file, values) = (
            changed_texts(&streamed.olds)
                .into_iter()
                .map(|t| t.into_iter().map(|s| s.map(str::to_string)).collect())
                .collect::<Vec<Vec<Option<String>>>>(),
            changes_file(&streamed),
            removed(&streamed),
        );
        let before = streamed.olds.shared_strings();
        streamed.olds.keep_referenced(&mut streamed.ids);
        let kept = streamed.olds.shared_strings();
        // The kept columns' texts (ids, checksums, business units) are gone.
        assert!(kept > 0 && kept < before, "{kept} of {before}");
        let after: Vec<Vec<Option<String>>> = changed_texts(&streamed.olds)
            .into_iter()
            .map(|t| t.into_iter().map(|s| s.map(str::to_string)).collect())
            .collect();
        assert_eq!(after, texts);
        assert!(changes_file(&streamed) == file, "the same record ids");
        assert_eq!(
            removed(&streamed),
            values,
            "the same values, the same firsts"
        );
        // Every string left is some changed cell's or id's.
        let mut used = vec![false; kept];
        for t in streamed
            .olds
            .changed
            .iter()
            .chain(streamed.ids.iter().map(|i| &i.texts))
        {
            for n in t
                .slots
                .iter()
                .filter_map(|&slot| Texts::shared_number(slot))
            {
                used[n as usize] = true;
            }
        }
        assert!(used.iter().all(|&u| u));
    }

    #[test]
    fn a_sheet_whose_cells_are_out_of_order_is_left_to_the_whole_workbook() {
        let export = testdata::disabled_users(&Options {
            rows: 60,
            ..Options::default()
        });
        // Row 50 moved after row 51: calamine's grid reads it the same, a stream would not.
        let bytes = testdata::edit_part(&export.to_xlsx(), "xl/worksheets/sheet1.xml", |xml| {
            let xml = xml.expect("the sheet part");
            let start = |r: u32| xml.find(&format!("<row r=\"{r}\"")).unwrap();
            let (a, b, c) = (start(50), start(51), start(52));
            format!("{}{}{}{}", &xml[..a], &xml[b..c], &xml[a..b], &xml[c..])
        });
        let map = profile();
        let mut opened =
            super::super::read::open_with(&bytes, &crate::xlsx::Limits::default(), Some(20))
                .unwrap();
        let plan = crate::plan::resolve(&map, &opened.book).unwrap();
        assert!(stream(&map, &plan, &mut opened, None).unwrap().is_none());
    }

    #[test]
    fn a_pass_that_gives_up_far_below_its_head_leaves_the_sheet_to_the_usual_way() {
        let export = testdata::disabled_users(&Options {
            rows: 700,
            ..Options::default()
        });
        // A formula in row 600, rows after the first ones were written (and, on two threads,
        // after several batches of rows went from the reading thread to the writing one).
        let bytes = testdata::edit_part(&export.to_xlsx(), "xl/worksheets/sheet1.xml", |xml| {
            let xml = xml.expect("the sheet part");
            let row = xml.find("<row r=\"600\"").unwrap();
            let cell = row + xml[row..].find("<c ").unwrap();
            let start_end = cell + xml[cell..].find('>').unwrap() + 1;
            format!("{}<f>1+1</f>{}", &xml[..start_end], &xml[start_end..])
        });
        let map = profile();
        assert_eq!(one_pass_matches_below(&bytes, &map, 30), (0, true));
        // Without it, the pass writes the sheet.
        assert_eq!(
            one_pass_matches_below(&export.to_xlsx(), &map, 30),
            (1, false)
        );
    }

    /// A value the pass does not read far below the head (a text formula result with a
    /// carriage return, which the reading whole reads) gives the pass up, its rows' values
    /// read on the writing thread or on the reading one alike: the sheet, whose cells were
    /// only skimmed at opening, goes to the workbook read whole.
    #[test]
    fn a_value_the_pass_cannot_read_far_below_its_head_leaves_the_sheet_to_the_usual_way() {
        let export = testdata::disabled_users(&Options {
            rows: 700,
            ..Options::default()
        });
        let plain = export.to_xlsx();
        let edited = testdata::edit_part(&plain, "xl/worksheets/sheet1.xml", |xml| {
            let xml = xml.expect("the sheet part");
            let row = xml.find("<row r=\"600\"").unwrap();
            let cell = row + xml[row..].find(" t=\"s\"><v>").unwrap();
            let end = cell + xml[cell..].find("</v>").unwrap();
            format!("{} t=\"str\"><v>a\rb{}", &xml[..cell], &xml[end..])
        });
        let map = profile();
        let passes = |bytes: &[u8], pipelined: bool| {
            PIPELINED.set(Some(pipelined));
            let limits = crate::xlsx::Limits::default();
            let skim = super::super::package::Scan::Skim;
            let mut opened = super::super::read::open_keeping(bytes, &limits, 30, skim).unwrap();
            let plan = crate::plan::resolve(&map, &opened.book).unwrap();
            scan_unpassed(&plan, &mut opened).unwrap();
            let options = PatchOptions::default();
            let streamed = stream(&map, &plan, &mut opened, Some((bytes, &options))).unwrap();
            PIPELINED.set(None);
            streamed.is_some()
        };
        for pipelined in [false, true] {
            assert!(passes(&plain, pipelined));
            assert!(!passes(&edited, pipelined), "pipelined: {pipelined}");
        }
        // Every row's values read on the reading thread: the value it cannot read is read
        // again on the writing one, which gives up.
        BEHIND_AT.set(Some(0));
        let (plain_read_ahead, edited_read_ahead) = (passes(&plain, true), passes(&edited, true));
        BEHIND_AT.set(None);
        assert!(plain_read_ahead && !edited_read_ahead);
    }

    /// Scrub `bytes` with the head cut at 30 rows, with the one pass and without: the same
    /// results and the same bytes written; how many sheets the pass wrote.
    /// How many sheets the one pass wrote, and whether calamine's reader was held after it.
    fn one_pass_matches(bytes: &[u8], map: &Map) -> (usize, bool) {
        one_pass_matches_below(bytes, map, 30)
    }

    /// [`one_pass_matches`] with heads of `head` rows.
    fn one_pass_matches_below(bytes: &[u8], map: &Map, head: u32) -> (usize, bool) {
        let run = |write: bool, pipelined: Option<bool>| {
            PIPELINED.set(pipelined);
            run_with(bytes, map, head, write)
        };
        let (passed, out, changes, reports, counts, olds) = run(true, Some(false));
        // Rows read on a thread of their own give the same bytes.
        let (passed_2, out_2, changes_2, reports_2, counts_2, olds_2) = run(true, Some(true));
        assert_eq!(passed, passed_2);
        assert!(out == out_2, "the same output, rows read on another thread");
        assert!(changes == changes_2);
        assert_eq!((&reports, &counts), (&reports_2, &counts_2));
        assert_eq!(changed_texts(&olds), changed_texts(&olds_2));
        // And with every row's values read on that thread rather than on the writing one.
        BEHIND_AT.set(Some(0));
        let (passed_6, out_6, changes_6, reports_6, counts_6, olds_6) = run(true, Some(true));
        BEHIND_AT.set(None);
        assert_eq!(passed, passed_6);
        assert!(out == out_6, "the same output, values read with the rows");
        assert!(changes == changes_6);
        assert_eq!((&reports, &counts), (&reports_6, &counts_6));
        assert_eq!(changed_texts(&olds), changed_texts(&olds_6));
        let (none, out_usual, changes_usual, reports_usual, counts_usual, olds_usual) =
            run(false, None);
        // Every rewritten part deflated in blocks, as a large one is: the pass reads each row
        // whole and writes it in any writes. The same bytes as the usual way, which deflates
        // in blocks too, and the same parts as deflated in one stream.
        patch::BLOCKS.set(true);
        let (passed_3, out_3, changes_3, reports_3, counts_3, _) = run(true, Some(false));
        let (_, out_4, ..) = run(true, Some(true));
        let (_, out_5, ..) = run(false, None);
        patch::BLOCKS.set(false);
        PIPELINED.set(None);
        assert_eq!(passed, passed_3);
        assert!(
            out_3 == out_4 && out_3 == out_5,
            "the same output, in blocks"
        );
        assert_eq!(
            parts_of(&out_3),
            parts_of(&out),
            "the same parts, in blocks"
        );
        assert!(changes == changes_3);
        assert_eq!((&reports, &counts), (&reports_3, &counts_3));
        assert_eq!(none.0, 0, "without writing, no sheet is passed");
        assert!(out == out_usual, "the same output");
        assert!(changes == changes_usual, "the same changes file");
        assert_eq!(reports, reports_usual);
        assert_eq!(counts, counts_usual);
        assert_eq!(changed_texts(&olds), changed_texts(&olds_usual));
        let count =
            |olds: &Olds, of: fn(&Texts) -> usize| -> usize { olds.changed.iter().map(of).sum() };
        if passed.0 > 0 && olds.strings.len() > 0 {
            assert!(
                count(&olds, |t| t.own.len()) < count(&olds, |t| t.slots.len()),
                "the one pass keeps shared strings by their number"
            );
        }
        assert_eq!(olds.kept, olds_usual.kept);
        passed
    }

    /// Every part of a package, uncompressed, by name.
    fn parts_of(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        (0..zip.len())
            .map(|i| {
                let mut entry = zip.by_index(i).unwrap();
                let mut data = Vec::new();
                std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
                (entry.name().unwrap().to_string(), data)
            })
            .collect()
    }

    /// One scrub of `bytes` for [`one_pass_matches_below`]: how many sheets the pass wrote and
    /// whether calamine's reader was held after it, the output, the changes file, the reports,
    /// what was cleaned, and what the pass kept of the input.
    #[allow(clippy::type_complexity)]
    fn run_with(
        bytes: &[u8],
        map: &Map,
        head: u32,
        write: bool,
    ) -> ((usize, bool), Vec<u8>, Vec<u8>, String, String, Olds) {
        // Read as the scrub reads it, keeping what the lossless writer needs to rewrite the
        // shared strings from their texts.
        // Without the pass, no sheet is read strictly: each is scanned whole.
        let cells = if write {
            super::super::package::Scan::Skim
        } else {
            super::super::package::Scan::Whole
        };
        let limits = crate::xlsx::Limits::default();
        let mut opened = super::super::read::open_keeping(bytes, &limits, head, cells).unwrap();
        let plan = crate::plan::resolve(map, &opened.book).unwrap();
        scan_unpassed(&plan, &mut opened).unwrap();
        let options = PatchOptions::default();
        let mut streamed = stream(map, &plan, &mut opened, write.then_some((bytes, &options)))
            .unwrap()
            .expect("streamed");
        let held = std::mem::take(&mut streamed.held);
        let passed = held.len();
        let needles =
            crate::verify::removed_streamed(map, &streamed.olds, &streamed.changes).needles();
        let mut out = Vec::new();
        let counts = patch::write_cleaned_held(
            bytes,
            &opened.book,
            &streamed.changes,
            &options,
            &needles,
            patch::Passed {
                held,
                new_strings: streamed.new_strings.take(),
                table: (streamed.olds.rest.clone())
                    .map(|rest| (streamed.olds.strings.clone(), rest)),
            },
            &mut out,
        )
        .unwrap();
        let mut changes = Vec::new();
        write_changes(
            &mut changes,
            crate::changes::ChangesFormat::Rows,
            map,
            &opened.book,
            &plan,
            &streamed,
        )
        .unwrap();
        let reports = serde_json::to_string(&streamed.reports).unwrap();
        (
            (passed, opened.reader.is_some()),
            out,
            changes,
            reports,
            format!("{counts:?}"),
            streamed.olds,
        )
    }

    /// What a walk hands on: the bytes outside the rows, and each row's number, bytes and
    /// cells' spans.
    #[derive(Default, Debug, PartialEq)]
    struct Collected {
        bytes: Vec<u8>,
        rows: Vec<CollectedRow>,
    }

    /// A row's number, bytes and cells' spans.
    type CollectedRow = (u32, Vec<u8>, Vec<Span>);

    impl Rows for Collected {
        fn bytes(&mut self, bytes: &[u8]) -> Result<(), Problem> {
            self.bytes.extend_from_slice(bytes);
            Ok(())
        }

        fn row(&mut self, parsed: &mut Parsed) -> Result<bool, Problem> {
            let row = (parsed.row_index, parsed.xml.clone(), parsed.spans.clone());
            self.rows.push(row);
            parsed.row.clear();
            Ok(true)
        }
    }

    /// Walk `xml` read `chunk` bytes at a time, rows read whole or tag by tag: what it hands
    /// on, and the tail, `None` when the walk gives up.
    fn walked(xml: &str, chunk: usize, whole_rows: bool) -> (Collected, Option<Vec<u8>>) {
        let (collected, tail, _) = walked_with(xml, chunk, whole_rows, false);
        (collected, tail)
    }

    /// What a strict walk counted: the cells its references span, and the end tag of the
    /// cells as written.
    type Counted = Option<(u64, Vec<u8>)>;

    /// [`walked`], strictly when `strict` (see [`RowRead::strict`]): with what the strict
    /// reading counted.
    fn walked_with(
        xml: &str,
        chunk: usize,
        whole_rows: bool,
        strict: bool,
    ) -> (Collected, Option<Vec<u8>>, Counted) {
        let strings = crate::xlsx::cells::Strings::default();
        let mut read = RowRead {
            values: Some(CellValues::new(&strings, Vec::new(), false)),
            parsed: Parsed::default(),
            next_row: 0,
            next_col: 0,
            whole_rows,
            row_end: None,
            strict: strict.then(StrictCells::default),
        };
        let mut collected = Collected::default();
        let input = std::io::BufReader::with_capacity(chunk, xml.as_bytes());
        let tail = read.walk(input, &mut collected).unwrap();
        let counted = read.strict.map(|s| (s.extent.cells(), s.end));
        (collected, tail, counted)
    }

    #[test]
    fn a_strict_walk_gives_up_on_what_the_scan_notes() {
        let sheet = |rows: &str| {
            format!(
                "<worksheet><!-- head --><dimension ref=\"A1\"/><sheetData>{rows}</sheetData>\
                 <hyperlinks/><!-- tail --></worksheet>"
            )
        };
        let readings = |xml: &str| {
            (1..=9)
                .chain([1 << 16])
                .flat_map(|chunk| [(chunk, true), (chunk, false)])
                .map(|(chunk, whole)| walked_with(xml, chunk, whole, true))
                .collect::<Vec<_>>()
        };
        // Plain cells in either layout, white space between them, an empty row: taken, with
        // what they span (rows 1 to 4, columns A to C) and the end tag as written.
        let plain = sheet(concat!(
            r#"<row r="1" spans="1:3"><c r="A1" t="inlineStr"><is><t>Name</t></is></c>"#,
            r#"<c r="C1" s="1"><v>2</v></c></row>"#,
            "\n <row r=\"2\">\n <c r=\"B2\" t=\"b\"><v>0</v></c>\n</row><row r=\"4\"/>",
        ));
        for (collected, tail, counted) in readings(&plain) {
            assert_eq!(
                tail.as_deref(),
                Some(&b"<hyperlinks/><!-- tail --></worksheet>"[..])
            );
            assert_eq!(collected.rows.len(), 2);
            assert_eq!(counted, Some((4 * 3, b"</sheetData>".to_vec())));
        }
        let raw = "<x:worksheet><x:sheetData><x:row r=\"1\"><x:c r=\"A1\" t=\"inlineStr\">\
                   <x:is><x:t>Name</x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>";
        for (_, tail, counted) in readings(raw) {
            assert_eq!(tail.as_deref(), Some(&b"</x:worksheet>"[..]));
            assert_eq!(counted, Some((1, b"</x:sheetData>".to_vec())));
        }
        // Each of these is text no reader reads, or a formula: given up on in both readings,
        // and taken by the lenient walk but for what it gives up on itself.
        for rows in [
            r#"<row r="1"><c r="A1"><v>1</v></c><!-- note --></row>"#,
            r#"<!-- note --><row r="1"><c r="A1"><v>1</v></c></row>"#,
            r#"<?pi note?><row r="1"><c r="A1"><v>1</v></c></row>"#,
            r#"<row r="1"><c r="A1"><v>1</v></c>note</row>"#,
            r#"note<row r="1"><c r="A1"><v>1</v></c></row>"#,
            r#"<row r="1"><c r="A1"><v>1</v></c></row><note/>"#,
            r#"<row r="1"><c r="A1"><v>1</v></c><note/></row>"#,
            r#"<row r="1" note="x"><c r="A1"><v>1</v></c></row>"#,
            r#"<row r="1"><c r="A1" note="x"><v>1</v></c></row>"#,
            r#"<row r="1"><c r="A1"><f>A2</f><v>1</v></c></row>"#,
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>a</t><rPh sb="0" eb="1"><t>b</t></rPh></is></c></row>"#,
            r#"<row r="1"><c r="A1" t="inlineStr"><v>b</v><is><t>a</t></is></c></row>"#,
            r#"<row r="1"><c r="A1"><v>1</v>note</c></row>"#,
            r#"<row r="1"><c r="A1"><v>1</v><extLst><ext uri="x">note</ext></extLst></c></row>"#,
        ] {
            let xml = sheet(rows);
            for (collected, tail, _) in readings(&xml) {
                assert_eq!(tail, None, "{rows}");
                assert!(collected.rows.len() <= 1, "{rows}");
            }
        }
    }

    #[test]
    fn a_row_read_whole_is_cut_as_read_tag_by_tag() {
        let sheet = |rows: &str| {
            format!("<worksheet><sheetData>{rows}</sheetData><hyperlinks/></worksheet>")
        };
        let rows = [
            // Excel's layout, and an empty row.
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c><c r="B1"><v>2</v></c></row><row r="2"/>"#,
            // Dynamics' prefixes, white space between cells and in the end tag, an empty cell.
            "<x:row r=\"3\">\n <x:c r=\"A3\"><x:v>1.5</x:v></x:c>\n <x:c r=\"C3\"/><x:extLst/></x:row >",
            // Cells and rows without references.
            "<row><c><v>7</v></c><c t=\"b\"><v>1</v></c></row><row><c><v>8</v></c></row>",
        ];
        for rows in rows {
            let xml = sheet(rows);
            let (expected, tail) = walked(&xml, 1 << 16, false);
            assert_eq!(tail.as_deref(), Some(&b"<hyperlinks/></worksheet>"[..]));
            assert!(!expected.rows.is_empty());
            // Every seam of the input's reads falls somewhere in an end tag.
            for chunk in 1..=9 {
                assert_eq!(
                    walked(&xml, chunk, true),
                    (walked(&xml, chunk, false).0, tail.clone())
                );
                assert_eq!(
                    walked(&xml, chunk, true).0,
                    expected,
                    "read {chunk} at a time"
                );
            }
        }
        // What a row read tag by tag gives up on, a row read whole gives up on too.
        for rows in [
            r#"<row r="1"><c r="A1"><v>1</v></c><!-- note --></row>"#,
            r#"<row r="1"><c r="A1"><v>1</v></c><row r="2"></row>"#,
            r#"<row r="1"><c r="B1"><v>1</v></c><c r="A1"><v>2</v></c></row>"#,
            r#"<row r="1"><c r="A2"><v>1</v></c></row>"#,
        ] {
            let xml = sheet(rows);
            assert_eq!(walked(&xml, 1 << 16, false).1, None, "{rows}");
            assert_eq!(walked(&xml, 1 << 16, true).1, None, "{rows}");
        }
        // Read whole, a row is cut at its first end tag: one in a cell's CDATA, or one in
        // another prefix than the start tag's, leaves the sheet to the usual way.
        for rows in [
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[a</row>b]]></t></is></c></row>"#,
            r#"<row r="1"><c r="A1"><v>1</v></c></x:row><row r="2"></row>"#,
        ] {
            assert_eq!(walked(&sheet(rows), 1 << 16, true).1, None, "{rows}");
        }
    }

    #[test]
    fn one_pass_writes_what_the_usual_way_writes() {
        let map = profile();
        let export = testdata::disabled_users(&Options {
            rows: 120,
            extra_sheet: true,
            ..Options::default()
        });
        // The pass reads every sheet read below its head: calamine's reader (its shared
        // strings) is let go before it.
        assert_eq!(
            one_pass_matches(&export.to_xlsx(), &map),
            (1, false),
            "Excel layout"
        );
        assert_eq!(
            one_pass_matches(&export.to_dynamics_raw_xlsx(), &map),
            (1, false),
            "Dynamics layout"
        );
        // With heads of one row, every sheet is read below its head, and passed.
        assert_eq!(
            one_pass_matches_below(&export.to_xlsx(), &map, 1),
            (1, false)
        );
        // A formula column: the pass gives the sheet up, the reader is opened again and the
        // usual way writes it.
        let formulas = testdata::disabled_users(&Options {
            rows: 120,
            formula_column: true,
            ..Options::default()
        });
        assert_eq!(one_pass_matches(&formulas.to_xlsx(), &map), (0, true));
        // Every place of the leak catalogue that a scrub cleans.
        for place in testdata::catalogue::Place::CLEANED {
            let planted = testdata::catalogue::planted(place);
            one_pass_matches(&planted.xlsx, &map);
        }
    }
}
