//! `verify` of an xlsx without a grid of the scrubbed workbook: its sheets' cells are read as
//! they come, row by row, and compared with the original read whole (which the map scrubs again
//! in memory), and the rest of the package is searched as ever.
//!
//! This way only proves that an output passes: it says nothing of where a break or a leak is.
//! Anything it does not find exactly as the check of both workbooks read whole would (a cell
//! that differs, a hit in a cell where it could be a leak, a finding in any part, a shared
//! string with a hit that no cell is known to show, cells out of order, a workbook with
//! formulas, text among the cells that no reader reads, data subjects) leaves the file to that
//! check, which then names every finding. So a passing output is never read whole, and a
//! failing one is read as before. Each scrubbed sheet is inflated and parsed once: by the walk,
//! which makes the checks of the sheet's scan itself (see [`open`]).

use super::leaks::{self, Raw};
use super::{same_kept_cell, verdict_given, Context, Originals, Outcome, Removed, Verdict};
use crate::apply::SheetChanges;
use crate::error::Problem;
use crate::map::Map;
use crate::plan::FilePlan;
use crate::workbook::Workbook;
use crate::xlsx::direct::Tables;
use crate::xlsx::reopened::Package;
use crate::xlsx::Limits;
use calamine::Data;
use rayon::prelude::*;
use std::io::{BufReader, Cursor};

/// A scrubbed xlsx opened for the walk: its sheets' heads (their header rows), the tables its
/// cells' values are read with, and its raw package.
pub(super) struct Opened<'b> {
    /// The workbook's bytes, until the walk has read its sheets (or, streamed beside the
    /// original, until its file is opened again to read them: see [`passes_streamed`]).
    bytes: std::borrow::Cow<'b, [u8]>,
    heads: Workbook,
    tables: Tables,
    raw: Raw,
}

/// Open `bytes` for the walk; `None` for a workbook it leaves to the check of both read whole
/// (a workbook calamine must read, a package that cannot be read: the whole read says what is
/// wrong). A sheet cut to its head is scanned only up to its cells
/// ([`crate::workbook::Layout::cells_unscanned`]): the walk reads them strictly, leaving the
/// file to that check at anything the scan would note (formulas, text among the cells that no
/// reader reads), and gives what follows them to the search (see [`complete`]).
pub(super) fn open<'b>(bytes: std::borrow::Cow<'b, [u8]>, limits: &Limits) -> Option<Opened<'b>> {
    // Each sheet's cells are scanned by the walk that reads them, not at opening as well.
    let opened =
        crate::xlsx::read::open_keeping(&bytes, limits, 1, crate::xlsx::package::Scan::Head)
            .ok()?;
    if opened.formulas || opened.book.sheets.iter().any(unusual) {
        return None;
    }
    let mut tables = opened.tables?;
    let heads = opened.book;
    // The shared strings' texts lent: the table is held once, and its part read once.
    let lent = (&tables.strings, tables.rest.take());
    let raw = Raw::read_lent(&bytes, &heads, Some(lent)).ok()?;
    if !raw.cells_in_model() {
        return None;
    }
    Some(Opened {
        bytes,
        heads,
        tables,
        raw,
    })
}

impl Opened<'_> {
    /// [`Opened::read_values`], the values lent to `each` (see
    /// [`crate::xlsx::direct::each_value_ref`]).
    fn read_values_ref(
        &self,
        sheet: usize,
        input: &mut dyn std::io::BufRead,
        values: &mut crate::xlsx::cells::CellValues<'_>,
        each: &mut dyn crate::xlsx::direct::EachValue,
    ) -> Option<Option<Vec<u8>>> {
        let unscanned = self.heads.sheets.get(sheet)?.layout.cells_unscanned;
        if unscanned {
            let mut tail = Vec::new();
            crate::xlsx::direct::each_value_ref(input, values, each, Some(&mut tail))?;
            Some(Some(tail))
        } else {
            crate::xlsx::direct::each_value_ref(input, values, each, None).map(|()| None)
        }
    }

    /// Read the cells of sheet `sheet` from `input`, its part from the start, with `each` (see
    /// [`crate::xlsx::direct::each_value`]): strictly when they were not scanned at opening
    /// ([`crate::workbook::Layout::cells_unscanned`]; the reading then gives up on anything the
    /// scan would note, and gives what follows the cells: `Some(Some(tail))`). `None` to give
    /// up.
    fn read_values(
        &self,
        sheet: usize,
        input: &mut dyn std::io::BufRead,
        values: &mut crate::xlsx::cells::CellValues<'_>,
        each: impl FnMut(u32, u32, Data, Option<Option<usize>>) -> bool,
    ) -> Option<Option<Vec<u8>>> {
        let unscanned = self.heads.sheets.get(sheet)?.layout.cells_unscanned;
        if unscanned {
            crate::xlsx::direct::each_value_strict(input, values, each).map(Some)
        } else {
            crate::xlsx::direct::each_value(input, values, each).map(|()| None)
        }
    }
}

/// What follows the cells of each sheet left unscanned at opening, by sheet: the part's XML
/// from the end tag of `<sheetData>` to its end, as the walk read it.
type Tails = Vec<(usize, Vec<u8>)>;

/// Give the raw package `raw` what follows the cells of each sheet that was not scanned at
/// opening, as the walk read it (see [`Raw::complete_sheet`]).
fn complete(raw: &mut Raw, tails: &Tails) {
    for (sheet, tail) in tails {
        raw.complete_sheet(*sheet, tail);
    }
}

/// A sheet whose cells the walk does not read as the whole read does.
fn unusual(sheet: &crate::workbook::Sheet) -> bool {
    sheet.formulas.is_some() || !sheet.layout.array_ranges.is_empty() || sheet.layout.unread_cells
}

/// The outcome of `verify` for `scrubbed` against `original` (read whole, scrubbed under `map`
/// into `plan` and `changes`), when the output passes; `None` when the check of both read
/// whole must decide.
///
/// # Errors
/// A [`Problem`] when a part of `scrubbed` cannot be read.
pub(super) fn passes(
    map: &Map,
    original: &Workbook,
    plan: &FilePlan,
    changes: &[SheetChanges],
    scrubbed: &mut Opened<'_>,
) -> Result<Option<Outcome>, Problem> {
    // Data subjects' near values are judged on the scrubbed cells (see `held_findings`).
    if !map.subjects.is_empty() || original.sheets.iter().any(unusual) {
        return Ok(None);
    }
    let (before, after) = (&original.sheets, &scrubbed.heads.sheets);
    // The same sheets in the same order, as they were.
    if !same_sheets(before, after) {
        return Ok(None);
    }
    let ctx = Context::new(map, original, plan, changes, &scrubbed.heads);
    // The walk reads on one thread while the removed values are indexed and the header rows
    // searched on the other.
    let ((needles, header), walked) = rayon::join(
        || {
            let values = Removed::new(
                map,
                Originals::Book(original),
                changes,
                crate::needles::deleted_columns(map, original, plan),
            );
            rayon::join(
                || values.needles(),
                || {
                    let firsts = values.firsts();
                    let heads = &scrubbed.heads;
                    let original = (original, Originals::Book(original));
                    super::sweep::header_findings(map, original, plan, changes, firsts, heads)
                        .is_empty()
                },
            )
        },
        || walk(&ctx, scrubbed),
    );
    let Some(walked) = walked.filter(|_| header) else {
        return Ok(None);
    };
    complete(&mut scrubbed.raw, &walked.tails);
    let outcome = conclude(&ctx, &needles, &walked, scrubbed);
    super::drop_later(needles);
    outcome
}

/// The outcome of a walk that found nothing in the cells it compared: the cells where a
/// removed value would be a leak, and the rest of the package, searched for the removed values
/// `needles`; `None` on any hit.
fn conclude(
    ctx: &Context,
    needles: &crate::needles::Needles,
    walked: &Walked,
    scrubbed: &Opened<'_>,
) -> Result<Option<Outcome>, Problem> {
    // A sheet whose walk gave no part of what follows its cells cannot be searched.
    if scrubbed.raw.awaiting_tail() {
        return Ok(None);
    }
    // The cells first: an output that leaks there (an input passed as its own output leaks in
    // every scrubbed cell) goes to the whole check before its package is searched.
    let leaks = walked
        .candidates
        .par_iter()
        .map_init(String::new, |buf, value| {
            leaks::cell_hit(needles, value, buf)
        })
        .any(|hit| hit);
    if leaks {
        return Ok(None);
    }
    if !needles.is_empty() {
        // A string with a hit is no leak of its own only where a cell shows it. One a cell
        // shows whose whole text is what the cell shows (lent to the leak check) would pass
        // below whatever it holds: it is not searched (nearly every item of a good output),
        // in the search that notes the words looked up as in the one that follows it.
        let lent = leaks::Lent {
            strings: &scrubbed.tables.strings,
            unsearched: &walked.used,
        };
        let (mut sink, strings) = leaks::scan_package(ctx, needles, &scrubbed.raw, Some(lent))?;
        leaks::entry_names(needles, &scrubbed.raw, &mut sink);
        let shown = strings.iter().all(|hit| {
            hit.in_shown
                && walked.used(hit.index as usize)
                && scrubbed.tables.strings.get(hit.index as usize) == Some(hit.shown.as_str())
        });
        if !(sink.is_empty() && shown) {
            return Ok(None);
        }
    }
    Ok(Some(Outcome {
        findings: Vec::new(),
        searched: needles.len(),
        skipped: needles.skipped(),
    }))
}

/// What [`passes_streamed`] found.
pub(super) enum Streamed {
    /// The output passes: the outcome.
    Passed(Outcome),
    /// The walk found something, or could not tell: the check of both read whole decides.
    Undecided,
    /// The original cannot be streamed to the result of reading it whole (formulas, a map the
    /// stream cannot apply, cells out of order or beyond its head's columns): it is to be read
    /// whole, and the scrubbed file walked against it ([`passes`]).
    Unstreamable,
}

/// The original's sheets' heads as [`crate::xlsx::read::open_with`] read them, without the
/// reader that holds its bytes.
pub(super) struct Heads {
    book: Workbook,
    tables: Option<Tables>,
    formulas: bool,
}

impl Heads {
    pub(super) fn of(opened: crate::xlsx::read::Opened<'_>) -> Heads {
        Heads {
            book: opened.book,
            tables: opened.tables,
            formulas: opened.formulas,
        }
    }

    /// The sheets' heads.
    pub(super) fn book(&self) -> &Workbook {
        &self.book
    }
}

/// [`passes`] with the original streamed instead of read whole: `original` holds the sheets'
/// heads of the workbook `bytes`, under which `map` resolved `plan`; each sheet is read row by
/// row and scrubbed again under the map (see [`crate::xlsx::stream::stream_each`]) while another
/// thread reads the scrubbed sheet's rows, and each original row is compared with the scrubbed
/// row it becomes as it comes. Neither workbook is held whole, and the bytes of each go
/// before its sheets are read: from `original_file` and `scrubbed_file`, the files they were
/// read from, opened again (each part checked to be the one the bytes held: see
/// [`crate::xlsx::reopened`]); the bytes are kept through the stream only when they are no
/// file's, or it cannot be opened. A large export is verified in about the memory its scrub
/// takes.
///
/// # Errors
/// A [`Problem`] when a part of either file cannot be read.
pub(super) fn passes_streamed(
    map: &Map,
    plan: &FilePlan,
    mut original: Heads,
    (bytes, original_file): (std::borrow::Cow<'_, [u8]>, Option<&std::path::Path>),
    (scrubbed, scrubbed_file): (&mut Opened<'_>, Option<&std::path::Path>),
) -> Result<Streamed, Problem> {
    // A map the stream applies, and sheets it reads as the whole read does, with the tables
    // its reader needs.
    let tables = match original.tables.take() {
        Some(tables)
            if crate::xlsx::stream::applies(map)
                && !original.formulas
                && !original.book.sheets.iter().any(unusual) =>
        {
            tables
        }
        _ => return Ok(Streamed::Unstreamable),
    };
    let (before, after) = (&original.book.sheets, &scrubbed.heads.sheets);
    if !same_sheets(before, after) {
        return Ok(Streamed::Undecided);
    }
    let targets = crate::needles::target_columns(map, &original.book, plan);
    let widths: Vec<u32> = before.iter().map(crate::workbook::Sheet::width).collect();
    // The files read again as they are streamed, their bytes let go (the parts checked to be
    // those the bytes held); or the bytes, when they are no file's (or it cannot be opened).
    let reopen = |bytes: &[u8], file: Option<&std::path::Path>| {
        file.and_then(|path| Package::reopened(bytes, path).ok())
    };
    let original_again = reopen(&bytes, original_file);
    let bytes = original_again.is_none().then_some(bytes);
    let original_package =
        original_again.unwrap_or_else(|| Package::held(bytes.as_deref().unwrap_or_default()));
    let scrubbed_again = reopen(&scrubbed.bytes, scrubbed_file);
    if scrubbed_again.is_some() {
        drop(std::mem::take(&mut scrubbed.bytes));
    }
    let (to_compare, batches) = std::sync::mpsc::sync_channel::<Batch>(4);
    let (to_reuse, compared) = std::sync::mpsc::channel::<Vec<Cells>>();
    let read = std::thread::scope(|scope| {
        let reading: &Opened = scrubbed;
        let package = scrubbed_again.unwrap_or_else(|| Package::held(&reading.bytes));
        let reader = scope.spawn(move || scrubbed_rows(reading, package, (to_compare, compared)));
        let mut compare = Compare {
            map,
            original: &original.book,
            targets: &targets,
            widths: &widths,
            batches,
            to_reuse,
            spent: Vec::new(),
            pending: std::collections::VecDeque::new(),
            ended: false,
            sheet: 0,
            deleted: 0,
            candidates: Vec::new(),
            unscanned: false,
        };
        let input = (&original.book, original_package, tables);
        let streamed = crate::xlsx::stream::stream_each(map, plan, input, &mut compare);
        // The reader stops at its next batch once no one takes it.
        drop(compare.batches);
        let used = reader.join().map_err(|_| Problem::Internal);
        (streamed, compare.candidates, used, compare.unscanned)
    });
    let (streamed, candidates, used, unscanned) = read;
    drop(bytes);
    drop(std::mem::take(&mut scrubbed.bytes));
    if unscanned {
        return Ok(Streamed::Unstreamable);
    }
    let (streamed, used) = (streamed?, used?);
    let (Some(mut streamed), Some((used, tails))) = (streamed, used) else {
        return Ok(Streamed::Undecided);
    };
    complete(&mut scrubbed.raw, &tails);
    // The original read at opening up to its sheets' cells (see `open_for_stream`): what
    // follows them, as the stream read it, completes their layouts, and the plan made again
    // on those must give what the stream gave with the plan made before (as the scrub's pass
    // has it); else the whole read decides.
    let confirmed;
    let plan = if streamed.after_cells.is_empty() {
        plan
    } else {
        match streamed.confirmed_plan(map, &mut original.book, plan) {
            Some(plan) => confirmed = plan,
            None => return Ok(Streamed::Undecided),
        }
        &confirmed
    };
    let scrubbed: &Opened = scrubbed;
    // Only the changed cells' texts are read from the original's shared strings from here on
    // (the record ids are the changes file's, which `verify` does not write).
    streamed.ids.clear();
    streamed.olds.keep_referenced(&mut streamed.ids);
    let walked = Walked {
        candidates,
        used,
        tails: Vec::new(),
    };
    let heads = &original.book;
    let changes = &streamed.changes;
    let values = super::removed_streamed(map, &streamed.olds, changes);
    let ctx = Context::new(map, heads, plan, changes, &scrubbed.heads);
    let (outcome, header) = rayon::join(
        || {
            // The cells and the package are searched once by a set that finds nothing and notes
            // every first word it looks up; then only the removed values that start with one
            // of them are indexed, and the same texts searched again (see
            // `Needles::from_parts_within`): a search that finds nothing looks up the same
            // words either way, and any hit goes to the whole check. Most removed values
            // start with a word no text of a good output holds.
            let recording = crate::needles::Needles::recording(values.about());
            if conclude(&ctx, &recording, &walked, scrubbed)?.is_none() {
                return Ok(None);
            }
            let needles = values.needles_within(recording.recorded());
            let outcome = conclude(&ctx, &needles, &walked, scrubbed);
            super::drop_later(needles);
            outcome
        },
        || {
            let originals = (heads, Originals::Kept(&streamed.olds));
            let firsts = values.firsts();
            super::sweep::header_findings(map, originals, plan, changes, firsts, &scrubbed.heads)
                .is_empty()
        },
    );
    let outcome = outcome?;
    drop(values);
    super::drop_later(streamed);
    Ok(outcome
        .filter(|_| header)
        .map_or(Streamed::Undecided, Streamed::Passed))
}

/// The same sheets in the same order, as they were: names, visibility, code names and hidden
/// columns.
fn same_sheets(before: &[crate::workbook::Sheet], after: &[crate::workbook::Sheet]) -> bool {
    before.len() == after.len()
        && before.iter().zip(after).all(|(a, b)| {
            a.name == b.name
                && a.visibility == b.visibility
                && a.layout.code_name == b.layout.code_name
                && super::fidelity::hidden_columns(a) == super::fidelity::hidden_columns(b)
        })
}

/// Rows of a scrubbed sheet handed from the thread that reads them: each row's number and its
/// cells that hold a value, in column order.
type Cells = Vec<(u32, Data)>;

/// What the reader of the scrubbed sheets hands over, sheet after sheet.
enum Batch {
    /// Rows, ascending.
    Rows(Vec<(u32, Cells)>),
    /// The sheet has no more rows.
    End,
    /// The sheet cannot be walked (cells out of order, a part that cannot be read).
    GaveUp,
}

/// Rows handed over at once. Tests hand over two, so that their small sheets' rows come back
/// to be read into again.
const BATCH_ROWS: usize = if cfg!(test) { 2 } else { 256 };

/// Read every sheet of the scrubbed workbook row by row into `to`; per shared string, whether a
/// cell was read to refer to it (`None` when a sheet cannot be walked, or no one took the rows).
fn scrubbed_rows(
    scrubbed: &Opened<'_>,
    package: Package<'_>,
    (to, compared): (
        std::sync::mpsc::SyncSender<Batch>,
        std::sync::mpsc::Receiver<Vec<Cells>>,
    ),
) -> Option<(Vec<bool>, Tails)> {
    let mut reader = ScrubbedRows {
        to,
        compared,
        spare: Vec::new(),
        used: vec![false; scrubbed.tables.strings.len()],
        batch: Vec::with_capacity(BATCH_ROWS),
        row: None,
        local: Vec::new(),
        filled: 0,
        out_of_order: false,
        stopped: false,
    };
    let mut tails = Vec::new();
    let given_up = |to: &std::sync::mpsc::SyncSender<Batch>| {
        let _ = to.send(Batch::GaveUp);
        None
    };
    let Ok(mut zip) = package.archive() else {
        return given_up(&reader.to);
    };
    for sheet in 0..scrubbed.heads.sheets.len() {
        let Some(entry) = scrubbed
            .raw
            .sheet_part(sheet)
            .and_then(|part| zip.part(part))
        else {
            return given_up(&reader.to);
        };
        let mut input = BufReader::with_capacity(1 << 16, entry);
        let mut values = crate::xlsx::cells::CellValues::new(
            &scrubbed.tables.strings,
            scrubbed.tables.kinds.clone(),
            scrubbed.tables.is_1904,
        );
        let read = scrubbed.read_values_ref(sheet, &mut input, &mut values, &mut reader);
        if reader.stopped {
            return None;
        }
        let Some(read) = read.filter(|_| !reader.out_of_order) else {
            return given_up(&reader.to);
        };
        tails.extend(read.map(|tail| (sheet, tail)));
        reader.end_row();
        let batch = std::mem::replace(&mut reader.batch, Vec::with_capacity(BATCH_ROWS));
        if reader.to.send(Batch::Rows(batch)).is_err() || reader.to.send(Batch::End).is_err() {
            return None;
        }
    }
    Some((reader.used, tails))
}

/// The reader of the scrubbed sheets' rows (see [`scrubbed_rows`]): each row's cells read into
/// places of this thread's own, then copied into the places of a row compared already, whose
/// texts' room is taken again (three million cells in a large export, each text otherwise its
/// own allocation, made here and freed after). Reading into the places the comparing thread
/// read last, value by value, took `verify` about 4% more CPU than reading into its
/// own and copying each row once.
struct ScrubbedRows {
    to: std::sync::mpsc::SyncSender<Batch>,
    /// Rows compared, back to be read into again: their memory is this thread's, freed and
    /// taken here rather than on the comparing one.
    compared: std::sync::mpsc::Receiver<Vec<Cells>>,
    spare: Vec<Cells>,
    /// Per shared string: whether a cell was read to refer to it.
    used: Vec<bool>,
    batch: Vec<(u32, Cells)>,
    /// The number of the row being read.
    row: Option<u32>,
    /// The places the rows are read into, this thread's own (a copy of each row goes): the
    /// first `filled` are the row's cells (the others, of a row read into them before, are
    /// left out of its copy).
    local: Cells,
    filled: usize,
    out_of_order: bool,
    /// Whether no one takes the rows any more.
    stopped: bool,
}

impl ScrubbedRows {
    /// The row being read is done: a copy of its cells goes with the batch, handed over when
    /// full (`false` when no one takes it), and its places are read into again.
    fn end_row(&mut self) -> bool {
        let Some(r) = self.row.take() else {
            return true;
        };
        if self.spare.is_empty() {
            if let Ok(back) = self.compared.try_recv() {
                self.spare = back;
            }
        }
        let mut cells = self.spare.pop().unwrap_or_default();
        copy_cells(&mut cells, &self.local[..self.filled]);
        self.batch.push((r, cells));
        if self.batch.len() < BATCH_ROWS {
            return true;
        }
        let full = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH_ROWS));
        if self.to.send(Batch::Rows(full)).is_err() {
            self.stopped = true;
            return false;
        }
        true
    }
}

impl crate::xlsx::direct::EachValue for ScrubbedRows {
    fn value(&mut self, r: u32, c: u32, value: calamine::DataRef<'_>) -> bool {
        match self.row {
            Some(at) if at == r => {
                if self.filled > 0 && self.local[self.filled - 1].0 >= c {
                    self.out_of_order = true;
                    return false;
                }
            }
            Some(at) if r < at => {
                self.out_of_order = true;
                return false;
            }
            _ => {
                if !self.end_row() {
                    return false;
                }
                self.row = Some(r);
                self.filled = 0;
            }
        }
        let cells = &mut self.local;
        match cells.get_mut(self.filled) {
            Some((col, slot)) => {
                *col = c;
                crate::xlsx::cells::put_value(slot, value);
            }
            None => cells.push((c, Data::from(value))),
        }
        self.filled += 1;
        true
    }

    fn shared(&mut self, _c: u32, shared: Option<Option<usize>>) {
        if let Some(Some(n)) = shared {
            if let Some(slot) = self.used.get_mut(n) {
                *slot = true;
            }
        }
    }
}

/// Make `to` the cells `from` (each text written into the room of the one before it).
fn copy_cells(to: &mut Cells, from: &[(u32, Data)]) {
    to.truncate(from.len());
    let kept = to.len();
    for ((col, slot), (c, value)) in to.iter_mut().zip(from) {
        *col = *c;
        match (slot, value) {
            (Data::String(s), Data::String(v)) => {
                s.clear();
                s.push_str(v);
            }
            (slot, value) => *slot = value.clone(),
        }
    }
    to.extend_from_slice(&from[kept..]);
}

/// Each column of a row whose cells that hold a value are `cells` (in column order), up to
/// `width` or the last of them: its number and its value (`Empty` where the row has none).
fn by_column(cells: &[(u32, Data)], width: u32) -> impl Iterator<Item = (u32, &Data)> {
    let width = width.max(cells.last().map_or(0, |(c, _)| c + 1));
    let mut next = cells.iter().peekable();
    (0..width).map(move |col| match next.next_if(|(c, _)| *c == col) {
        Some((_, value)) => (col, value),
        None => (col, &Data::Empty),
    })
}

/// The comparison of each original row, as [`crate::xlsx::stream::stream_each`] reads and
/// scrubs it, with the scrubbed row it becomes (see [`Rows::compare`], which compares the same
/// with the original read whole).
struct Compare<'a> {
    map: &'a Map,
    /// The original's heads.
    original: &'a Workbook,
    targets: &'a [Vec<bool>],
    /// Per original sheet: its width.
    widths: &'a [u32],
    batches: std::sync::mpsc::Receiver<Batch>,
    /// Where the rows compared go back to the reader, in batches (`spent`), to be read into
    /// again.
    to_reuse: std::sync::mpsc::Sender<Vec<Cells>>,
    spent: Vec<Cells>,
    /// The scrubbed sheet's rows handed over and not compared yet.
    pending: std::collections::VecDeque<(u32, Cells)>,
    /// Whether the scrubbed sheet has no more rows to hand over.
    ended: bool,
    sheet: usize,
    /// The original sheet's rows deleted by row rules so far.
    deleted: u32,
    candidates: Vec<Data>,
    /// Whether the original holds what a scan of its sheets would have noted (see
    /// [`crate::xlsx::stream::EachRow::unscanned`]): it is then read whole.
    unscanned: bool,
}

impl Compare<'_> {
    /// Whether `pending` has rows, asking the reader for more if needed; `None` when the
    /// reader gave up.
    fn fill(&mut self) -> Option<bool> {
        while self.pending.is_empty() && !self.ended {
            match self.batches.recv() {
                Ok(Batch::Rows(rows)) => self.pending.extend(rows),
                Ok(Batch::End) => self.ended = true,
                Ok(Batch::GaveUp) | Err(_) => return None,
            }
        }
        Some(!self.pending.is_empty())
    }

    /// The cells of scrubbed row `out` (none for a row without cells); `None` when the reader
    /// gave up.
    fn scrubbed_row(&mut self, out: u32) -> Option<Cells> {
        if !self.fill()? {
            return Some(Vec::new());
        }
        match self.pending.front() {
            Some((at, _)) if *at == out => self.pending.pop_front().map(|(_, cells)| cells),
            Some((at, _)) if *at > out => Some(Vec::new()),
            // A row the comparison went past: cannot be, rows are handed over ascending.
            _ => None,
        }
    }

    /// Compare original row `from`, `seen`, with the scrubbed row whose cells are `cells`, as
    /// [`Rows::compare`] does; `false` where the check of both read whole could find something.
    fn compare(
        &mut self,
        from: u32,
        seen: &crate::xlsx::stream::Seen<'_>,
        cells: &[(u32, Data)],
    ) -> bool {
        let targets = &self.targets[self.sheet];
        let is_target = |col: u32| targets.get(col as usize).copied().unwrap_or(false);
        let mut change = seen.changed.start;
        for (col, now) in by_column(cells, self.widths[self.sheet]) {
            let was = seen.cell(col);
            // The header row is never scrubbed, nor the columns outside the map.
            let kept = from == 0 || !is_target(col);
            if kept && !same_kept_cell(self.original, was, now) {
                return false;
            }
            if matches!(now, Data::Empty) {
                continue;
            }
            let changes = &seen.changes.cells;
            while change < seen.changed.end && changes[change].col() < col {
                change += 1;
            }
            let here = (change < seen.changed.end && changes[change].col() == col)
                .then(|| (&changes[change], seen.changes));
            if kept && here.is_none() {
                // Kept as it was (the verdict's own comparison, made above).
                continue;
            }
            let verdict = verdict_given(self.map, self.original, here, was, now);
            if !matches!(verdict, Verdict::Kept | Verdict::FromMap) {
                if self.candidates.len() >= MAX_CANDIDATES {
                    return false;
                }
                self.candidates.push(now.clone());
            }
        }
        true
    }
}

impl crate::xlsx::stream::EachRow for Compare<'_> {
    fn sheet(&mut self, index: usize) -> bool {
        self.sheet = index;
        self.deleted = 0;
        self.ended = false;
        self.pending.clear();
        true
    }

    fn row(&mut self, row: u32, seen: &crate::xlsx::stream::Seen<'_>) -> bool {
        if seen.deleted {
            self.deleted += 1;
            return true;
        }
        let Some(cells) = self.scrubbed_row(row - self.deleted) else {
            return false;
        };
        let same = self.compare(row, seen, &cells);
        self.spent.push(cells);
        if self.spent.len() == BATCH_ROWS {
            // The reader may be done: then nothing is reused.
            let _ = self.to_reuse.send(std::mem::take(&mut self.spent));
        }
        same
    }

    /// The scrubbed rows past the original's hold nothing.
    fn end(&mut self, _height: u32) -> bool {
        loop {
            match self.fill() {
                None => return false,
                Some(false) => return true,
                Some(true) => {}
            }
            while let Some((_, cells)) = self.pending.pop_front() {
                if !cells.iter().all(|(_, d)| super::fidelity::is_blank(d)) {
                    return false;
                }
            }
        }
    }

    fn unscanned(&mut self) {
        self.unscanned = true;
    }
}

/// The most cells the walk keeps to search (see [`Walked::candidates`]): more than a good
/// output's `mask`, `regex` and `redact` cells, which are the only ones kept in one; an output
/// with more is left to the whole check, which searches them as it judges them.
const MAX_CANDIDATES: usize = 1 << 20;

/// What the walk of the scrubbed sheets leaves to the search of the removed values.
struct Walked {
    /// The values of the cells where a removed value would be a leak (see
    /// [`leaks::candidates`]).
    candidates: Vec<Data>,
    /// Per shared string of the scrubbed workbook: whether a cell was read to refer to it.
    used: Vec<bool>,
    /// What follows the cells of each sheet left unscanned at opening, by sheet, as the walk
    /// read it (see [`complete`]).
    tails: Tails,
}

impl Walked {
    fn used(&self, index: usize) -> bool {
        self.used.get(index).copied().unwrap_or(false)
    }
}

/// Read every sheet of the scrubbed workbook, row by row, against the original's rows. `None`
/// as soon as a cell differs where the map keeps it, a row is out of place, or a cell is one
/// the check of both read whole would judge otherwise than by its value.
fn walk(ctx: &Context, scrubbed: &Opened<'_>) -> Option<Walked> {
    let mut walked = Walked {
        candidates: Vec::new(),
        used: vec![false; scrubbed.tables.strings.len()],
        tails: Vec::new(),
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(&scrubbed.bytes[..])).ok()?;
    for sheet in 0..scrubbed.heads.sheets.len() {
        let part = scrubbed.raw.sheet_part(sheet)?;
        let entry = zip.by_name(part).ok()?;
        let mut input = BufReader::with_capacity(1 << 16, entry);
        let mut values = crate::xlsx::cells::CellValues::new(
            &scrubbed.tables.strings,
            scrubbed.tables.kinds.clone(),
            scrubbed.tables.is_1904,
        );
        let mut rows = Rows {
            ctx,
            sheet,
            cursor: 0,
            next: 0,
            cells: Vec::new(),
            at: None,
            ok: true,
        };
        let (used, candidates) = (&mut walked.used, &mut walked.candidates);
        let read =
            scrubbed.read_values(sheet, &mut input, &mut values, |r, c, value, shared| {
                if let Some(Some(n)) = shared {
                    if let Some(slot) = used.get_mut(n) {
                        *slot = true;
                    }
                }
                rows.cell(r, c, value, candidates)
            })?;
        walked.tails.extend(read.map(|tail| (sheet, tail)));
        if !rows.finish(&mut walked.candidates) {
            return None;
        }
    }
    Some(walked)
}

/// The walk of one scrubbed sheet: the cells of the row being read, compared with the original
/// row it comes from once the row is complete.
struct Rows<'c, 'a> {
    ctx: &'c Context<'a>,
    sheet: usize,
    /// Where the walk is in the original sheet's changes.
    cursor: usize,
    /// The next scrubbed row to compare.
    next: u32,
    /// The cells of row `at`, in column order.
    cells: Vec<(u32, Data)>,
    at: Option<u32>,
    ok: bool,
}

impl Rows<'_, '_> {
    /// Take the next cell; `false` to stop, the sheet not passing.
    fn cell(&mut self, row: u32, col: u32, value: Data, candidates: &mut Vec<Data>) -> bool {
        match self.at {
            Some(at) if row == at => {
                if self.cells.last().is_some_and(|(c, _)| *c >= col) {
                    self.ok = false;
                }
            }
            Some(at) if row < at => self.ok = false,
            _ => {
                self.flush(candidates);
                // Rows without a cell between the last one and this one.
                while self.ok && self.next < row {
                    self.ok = self.compare(self.next, &[], candidates);
                    self.next += 1;
                }
                self.at = Some(row);
            }
        }
        self.cells.push((col, value));
        self.ok
    }

    /// Compare the row being read, if any.
    fn flush(&mut self, candidates: &mut Vec<Data>) {
        if let Some(at) = self.at.take() {
            let cells = std::mem::take(&mut self.cells);
            self.ok = self.ok && self.compare(at, &cells, candidates);
            self.cells = cells;
            self.cells.clear();
            self.next = at + 1;
        }
    }

    /// Whether the sheet passes, once every cell is read: the original's rows below the last
    /// scrubbed one hold nothing the map keeps.
    fn finish(&mut self, candidates: &mut Vec<Data>) -> bool {
        self.flush(candidates);
        while self.ok && self.ctx.original_row(self.sheet, self.next).is_some() {
            self.ok = self.compare(self.next, &[], candidates);
            self.next += 1;
        }
        self.ok
    }

    /// Compare scrubbed row `out`, whose cells are `cells`, with the original row it comes
    /// from (see [`super::fidelity`]), and note the cells where a hit would be a leak (see
    /// [`leaks::candidates`]); `false` where the check of both read whole could find something.
    fn compare(&mut self, out: u32, cells: &[(u32, Data)], candidates: &mut Vec<Data>) -> bool {
        let ctx = self.ctx;
        let sheet = self.sheet;
        let Some(from) = ctx.original_row(sheet, out) else {
            // A row past the original's rows.
            return cells.iter().all(|(_, d)| super::fidelity::is_blank(d));
        };
        let before = &ctx.original.sheets[sheet];
        let changes = ctx.changes[sheet];
        for (col, now) in by_column(cells, before.width()) {
            let was = before.cell(from, col);
            // The header row is never scrubbed, nor the columns outside the map.
            if (from == 0 || !ctx.is_target(sheet, col)) && !same_kept_cell(ctx.original, was, now)
            {
                return false;
            }
            if matches!(now, Data::Empty) {
                continue;
            }
            let change = changes.and_then(|sc| sc.take_at(&mut self.cursor, from, col));
            let verdict = ctx.verdict_of(sheet, from, col, change, now);
            if !matches!(verdict, Verdict::Kept | Verdict::FromMap) {
                if candidates.len() >= MAX_CANDIDATES {
                    return false;
                }
                candidates.push(now.clone());
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::Deletion;
    use std::path::{Path, PathBuf};

    /// A generated export read whole, and what the `systemuser` profile does to it.
    struct Case {
        input: Vec<u8>,
        book: Workbook,
        map: Map,
        plan: FilePlan,
        changes: Vec<SheetChanges>,
    }

    fn case() -> Case {
        let (input, book, map, plan, changes) = super::super::tests::scrubbed_export(300);
        Case {
            input,
            book,
            map,
            plan,
            changes,
        }
    }

    /// [`case`] in the layout Dynamics itself writes (namespace prefixes, inline strings).
    fn raw_case() -> Case {
        let case = case();
        let input = crate::testdata::disabled_users(&crate::testdata::Options {
            rows: 300,
            ..Default::default()
        })
        .to_dynamics_raw_xlsx();
        with_input(case, input)
    }

    /// `case` with the input `input`, read and scrubbed under its map.
    fn with_input(case: Case, input: Vec<u8>) -> Case {
        let book = crate::xlsx::read(&input).unwrap();
        let plan = crate::plan::resolve(&case.map, &book).unwrap();
        let changes = crate::apply::apply_plan(&case.map, &plan, &book);
        Case {
            input,
            book,
            plan,
            changes,
            ..case
        }
    }

    /// A changed cell: row, column, rule and new value.
    type Cell = (u32, u32, usize, Data);

    /// An edit of a sheet's changes before they are written.
    type Edit = Box<dyn FnOnce(&mut Vec<Cell>, &mut Vec<Deletion>)>;

    /// The scrub of `case` written losslessly, its first sheet's changes edited by `edit` first.
    fn written(case: &Case, edit: impl FnOnce(&mut Vec<Cell>, &mut Vec<Deletion>)) -> Vec<u8> {
        let sc = &case.changes[0];
        let mut cells: Vec<Cell> = sc
            .cells
            .iter()
            .map(|c| (c.row, c.col(), c.rule(), sc.value(c).data().into_owned()))
            .collect();
        let mut deleted = sc.deleted.clone();
        edit(&mut cells, &mut deleted);
        cells.sort_by_key(|c| (c.0, c.1));
        let mut edited = SheetChanges {
            sheet: sc.sheet,
            deleted,
            ..SheetChanges::default()
        };
        for (row, col, rule, value) in cells {
            edited.push(row, col, rule, value);
        }
        let mut changes = case.changes.clone();
        changes[0] = edited;
        let mut out = Vec::new();
        crate::xlsx::patch::write(
            &case.input,
            &case.book,
            &changes,
            &Default::default(),
            Cursor::new(&mut out),
        )
        .unwrap();
        out
    }

    /// [`case`] under the `systemuser` profile with a row rule that deletes about a fifth of
    /// the rows, above and below a head of 10 rows.
    fn deleting_case() -> Case {
        let case = case();
        let profile = crate::profiles::find("systemuser").unwrap().toml;
        let toml = format!(
            "{profile}\n[[rows]]\nwhere = {{ column = \"lastname\", aliases = [\"Last Name\"], matches = \"^[A-E]\" }}\naction = \"delete\"\n"
        );
        let map = Map::parse(&toml, "deleting", None).unwrap();
        let plan = crate::plan::resolve(&map, &case.book).unwrap();
        let changes = crate::apply::apply_plan(&map, &plan, &case.book);
        let deleted = changes[0].deleted.len();
        assert!(
            deleted > 20 && changes[0].deleted[0].row < 10,
            "{deleted} rows deleted"
        );
        Case {
            map,
            plan,
            changes,
            ..case
        }
    }

    /// What the walk with the original streamed says of `output`, the original's sheets read
    /// up to `head` rows for the plan, and up to their cells, as `verify` opens it (see
    /// [`crate::xlsx::read::open_for_stream`]).
    fn streamed(case: &Case, output: &[u8], head: u32) -> Streamed {
        streamed_from(case, output, head, (None, None))
    }

    /// [`streamed`], each file's sheets read again from `files` (the original's, the
    /// output's) where one is given.
    fn streamed_from(
        case: &Case,
        output: &[u8],
        head: u32,
        (original_file, output_file): (Option<&Path>, Option<&Path>),
    ) -> Streamed {
        let limits = Limits::default();
        let output = std::borrow::Cow::Borrowed(output);
        let mut opened = open(output, &limits).expect("a workbook the walk reads");
        let heads = crate::xlsx::read::open_for_stream(
            &case.input,
            &limits,
            head,
            crate::xlsx::package::Scan::Head,
        )
        .unwrap();
        let heads = Heads::of(heads);
        let plan = crate::plan::resolve(&case.map, heads.book()).unwrap();
        let bytes = std::borrow::Cow::Borrowed(&case.input[..]);
        let scrubbed = (&mut opened, output_file);
        passes_streamed(&case.map, &plan, heads, (bytes, original_file), scrubbed).unwrap()
    }

    /// The files of `case`'s input and `output`, in `dir`.
    fn files(dir: &Path, case: &Case, output: &[u8]) -> (PathBuf, PathBuf) {
        let (original, scrubbed) = (dir.join("original.xlsx"), dir.join("scrubbed.xlsx"));
        std::fs::write(&original, &case.input).unwrap();
        std::fs::write(&scrubbed, output).unwrap();
        (original, scrubbed)
    }

    /// What the walk says of `output`, and what the check of both read whole finds.
    fn both(case: &Case, output: &[u8]) -> (Option<Outcome>, Outcome) {
        let walked = std::borrow::Cow::Borrowed(output);
        let mut opened = open(walked, &Limits::default()).expect("a workbook the walk reads");
        let (map, book, plan, changes) = (&case.map, &case.book, &case.plan, &case.changes);
        let walked = passes(map, book, plan, changes, &mut opened).unwrap();
        let scrubbed = crate::xlsx::read(output).unwrap();
        let raw = Raw::read(output, &scrubbed).unwrap();
        let (map, book, plan, changes) = (&case.map, &case.book, &case.plan, &case.changes);
        let whole = super::super::check(map, book, plan, changes, &scrubbed, Some(&raw)).unwrap();
        (walked, whole)
    }

    /// The part of sheet `sheet` of the package `xlsx`, its XML, and the prefix of its
    /// elements (`x:` in the layout Dynamics writes).
    fn sheet_xml(xlsx: &[u8], sheet: usize) -> (String, String, &'static str) {
        let mut zip = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
        let part = crate::xlsx::package::sheet_parts(&mut zip).unwrap()[sheet]
            .path
            .clone();
        let xml = crate::testdata::part_text(xlsx, &part);
        let prefix = if xml.contains("<x:sheetData") {
            "x:"
        } else {
            ""
        };
        (part, xml, prefix)
    }

    /// The whole check finds what is wrong with `output`, and the walk, with the original
    /// read whole or streamed, leaves it to that check.
    fn assert_left_to_the_whole_check(case: &Case, output: &[u8], what: &str) {
        let (walked, whole) = both(case, output);
        assert!(!whole.passed(), "{what}: the whole check finds it");
        assert!(walked.is_none(), "{what}: the walk leaves it to that check");
        for head in [10, 5_000] {
            assert!(
                matches!(streamed(case, output, head), Streamed::Undecided),
                "{what}, head {head}: the streamed walk leaves it to that check"
            );
        }
    }

    #[test]
    fn a_good_output_passes_the_walk_as_it_passes_the_whole_check() {
        let cases = [
            ("excel", case()),
            ("dynamics", raw_case()),
            ("rows deleted", deleting_case()),
        ];
        for (layout, case) in cases {
            let output = written(&case, |_, _| {});
            let (walked, whole) = both(&case, &output);
            assert!(whole.passed(), "{layout}: {:?}", whole.findings);
            let walked = walked.expect("the walk shows it passes");
            assert!(walked.findings.is_empty());
            let counts = (whole.searched, whole.skipped);
            assert_eq!((walked.searched, walked.skipped), counts, "{layout}");
            assert!(walked.searched > 300, "{layout}: {}", walked.searched);
            // Streamed, whether the plan was resolved on the whole sheet or on its first rows.
            for head in [10, 5_000] {
                let Streamed::Passed(streamed) = streamed(&case, &output, head) else {
                    panic!("{layout}, head {head}: the streamed walk shows it passes");
                };
                assert!(streamed.findings.is_empty());
                let found = (streamed.searched, streamed.skipped);
                assert_eq!(found, counts, "{layout}, head {head}");
            }
            // The sheets read again from the files, either or both, the bytes let go.
            let dir = tempfile::tempdir().unwrap();
            let (original, scrubbed) = files(dir.path(), &case, &output);
            for from in [
                (Some(original.as_path()), None),
                (None, Some(scrubbed.as_path())),
                (Some(original.as_path()), Some(scrubbed.as_path())),
            ] {
                let Streamed::Passed(streamed) = streamed_from(&case, &output, 50, from) else {
                    panic!("{layout}, {from:?}: the sheets read again from the files pass");
                };
                assert_eq!((streamed.searched, streamed.skipped), counts, "{layout}");
            }
        }
    }

    /// `package` with every part stored as it is, not deflated: the same parts, other bytes.
    fn stored(package: &[u8]) -> Vec<u8> {
        let mut from = zip::ZipArchive::new(std::io::Cursor::new(package)).unwrap();
        let mut to = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for i in 0..from.len() {
            let mut part = from.by_index(i).unwrap();
            to.start_file(part.name().unwrap().into_owned(), options)
                .unwrap();
            std::io::copy(&mut part, &mut to).unwrap();
        }
        to.finish().unwrap().into_inner()
    }

    /// A file whose sheets are no longer those its bytes held when it was opened (it changed
    /// since, even to the same cells packed otherwise) is not streamed as if they were: the
    /// check of both read whole decides.
    #[test]
    fn a_file_changed_since_it_was_read_is_left_to_the_whole_check() {
        let case = case();
        let output = written(&case, |_, _| {});
        let dir = tempfile::tempdir().unwrap();
        let (original, scrubbed) = files(dir.path(), &case, &output);
        std::fs::write(&scrubbed, stored(&output)).unwrap();
        let from = (None, Some(scrubbed.as_path()));
        assert!(matches!(
            streamed_from(&case, &output, 50, from),
            Streamed::Undecided
        ));
        std::fs::write(&original, stored(&case.input)).unwrap();
        let from = (Some(original.as_path()), None);
        assert!(matches!(
            streamed_from(&case, &output, 50, from),
            Streamed::Undecided
        ));
        // Read from their bytes, the same cells pass.
        let (input, output) = (stored(&case.input), stored(&output));
        let case = Case { input, ..case };
        assert!(matches!(streamed(&case, &output, 50), Streamed::Passed(_)));
    }

    /// A workbook the stream does not read as the whole read does is left to the walk against
    /// the original read whole.
    #[test]
    fn an_original_with_formulas_is_not_streamed() {
        let case = case();
        let output = written(&case, |_, _| {});
        let mut with_formulas = case;
        with_formulas.input = crate::testdata::disabled_users(&crate::testdata::Options {
            rows: 300,
            formula_column: true,
            ..Default::default()
        })
        .to_xlsx();
        assert!(matches!(
            streamed(&with_formulas, &output, 10),
            Streamed::Unstreamable
        ));
    }

    /// An original whose cells were skimmed at opening and that holds what a scan notes (a
    /// comment, text outside a value, an element or attribute no reader reads whole, a
    /// formula), or whose cells end elsewhere than the skim found, is not streamed: it is read
    /// whole, as it would have been had its scan found that at opening (the skim tells formulas,
    /// comments and the like at once, the stream the rest). White space between its rows is
    /// streamed.
    #[test]
    fn an_original_with_text_its_stream_does_not_read_is_read_whole() {
        for (layout, base) in [("excel", case()), ("dynamics", raw_case())] {
            let input = base.input.clone();
            let sheet = base.changes[0].sheet;
            let (part, xml, p) = sheet_xml(&input, sheet);
            let row = xml.find(&format!("<{p}row r=\"7\"")).expect("row 7");
            let cell_end = row + xml[row..].find(&format!("</{p}c>")).unwrap();
            let at = |place: usize, text: &str| {
                let xml = format!("{}{text}{}", &xml[..place], &xml[place..]);
                crate::testdata::set_part(&input, &part, xml.as_bytes())
            };
            let edits = [
                ("a comment", at(row, "<!-- a note -->")),
                ("text between rows", at(row, "a note")),
                ("an element", at(row, &format!("<{p}note/>"))),
                ("a row's attribute", at(row + 4 + p.len(), " note=\"1\"")),
                ("text in a cell", at(cell_end, "a note")),
            ];
            // The output of the original as it was: the same cells, without what was added.
            let output = written(&base, |_, _| {});
            for (what, input) in edits {
                let edited = with_input(case(), input);
                for head in [1, 10] {
                    assert!(
                        matches!(streamed(&edited, &output, head), Streamed::Unstreamable),
                        "{layout}, {what}, head {head}: read whole"
                    );
                }
            }
            // A skim that found the cells' end elsewhere than the stream does (what it read after
            // them altered here).
            let limits = Limits::default();
            let mut opened = open(std::borrow::Cow::Borrowed(&output[..]), &limits).unwrap();
            let skimmed = crate::xlsx::read::open_for_stream(
                &base.input,
                &limits,
                10,
                crate::xlsx::package::Scan::Skim,
            )
            .unwrap();
            let mut heads = Heads::of(skimmed);
            heads.book.sheets[sheet].layout.markup.push(b' ');
            let plan = crate::plan::resolve(&base.map, heads.book()).unwrap();
            let original = (std::borrow::Cow::Borrowed(&base.input[..]), None);
            let elsewhere = passes_streamed(&base.map, &plan, heads, original, (&mut opened, None));
            assert!(
                matches!(elsewhere.unwrap(), Streamed::Unstreamable),
                "{layout}, the end elsewhere: read whole"
            );
            // Formulas (a column of them), told at opening.
            let formulas = crate::testdata::disabled_users(&crate::testdata::Options {
                rows: 300,
                formula_column: true,
                ..Default::default()
            });
            let formulas = match layout {
                "excel" => formulas.to_xlsx(),
                _ => formulas.to_dynamics_raw_xlsx(),
            };
            let edited = with_input(case(), formulas);
            assert!(
                matches!(streamed(&edited, &output, 10), Streamed::Unstreamable),
                "{layout}, formulas: read whole"
            );
            // Indented rows are streamed, and pass.
            let row_end = format!("</{p}row>");
            let spaced = xml.replace(&row_end, &format!("{row_end}\n  "));
            let spaced = crate::testdata::set_part(&input, &part, spaced.as_bytes());
            let edited = with_input(case(), spaced);
            let output = written(&edited, |_, _| {});
            assert!(
                matches!(streamed(&edited, &output, 10), Streamed::Passed(_)),
                "{layout}, indented rows: streamed"
            );
        }
    }

    #[test]
    fn a_break_or_a_leak_is_left_to_the_whole_check() {
        for (layout, case) in [("excel", case()), ("dynamics", raw_case())] {
            breaks_and_leaks_are_left_to_the_whole_check(layout, &case);
        }
    }

    /// A sheet beside the data (a hand edit: a block pasted below empty rows) is compared row
    /// by row too: kept as it was, the output passes; a cell of it changed, the streamed walk
    /// leaves the file to the whole check, which finds it.
    #[test]
    fn a_sheet_beside_the_data_is_compared_row_by_row() {
        let notes = |owner: &'static str| -> Vec<Vec<&'static str>> {
            vec![
                vec![],
                vec!["Note", "Owner"],
                vec!["Call back", "Team A"],
                vec![],
                vec!["Hand over", owner],
            ]
        };
        let base = case();
        let input = crate::testdata::with_sheet(&base.input, "Notes", false, &notes("Team B"));
        let case = with_input(base, input);
        let output = written(&case, |_, _| {});
        let (_, whole) = both(&case, &output);
        assert!(whole.passed(), "{:?}", whole.findings);
        for head in [1, 10, 5_000] {
            let Streamed::Passed(streamed) = streamed(&case, &output, head) else {
                panic!("head {head}: the streamed walk shows it passes");
            };
            assert_eq!(
                (streamed.searched, streamed.skipped),
                (whole.searched, whole.skipped)
            );
        }
        // The same output against an original whose note had another owner.
        let base = case.input.clone();
        let first = crate::xlsx::read(&base).unwrap();
        assert_eq!(
            first.sheets.len(),
            3,
            "the data, the metadata and the notes"
        );
        let other = crate::testdata::disabled_users(&crate::testdata::Options {
            rows: 300,
            ..Default::default()
        })
        .to_xlsx();
        let other = crate::testdata::with_sheet(&other, "Notes", false, &notes("Team C"));
        let changed = with_input(case, other);
        let (_, whole) = both(&changed, &output);
        assert!(!whole.passed(), "the whole check finds the changed note");
        for head in [1, 10, 5_000] {
            assert!(
                matches!(streamed(&changed, &output, head), Streamed::Undecided),
                "head {head}: the streamed walk leaves it to that check"
            );
        }
    }

    /// The scrubbed sheet's cells are scanned by the walk that reads them, not at opening as
    /// well: anything among them that no reader reads (the scan's findings: a comment, a
    /// processing instruction, text outside a value, an element or attribute no reader reads
    /// whole, a phonetic reading, a value under an inline string, a formula), holding a removed
    /// value, leaves the file to the whole check, which finds it; so does a removed value after
    /// the cells, which the walk hands to the search. White space between the rows passes.
    #[test]
    fn text_the_walk_does_not_read_is_left_to_the_whole_check() {
        for (layout, case) in [("excel", case()), ("dynamics", raw_case())] {
            let sc = &case.changes[0];
            let sheet = &case.book.sheets[sc.sheet];
            let removed = sc
                .cells
                .iter()
                .find_map(|c| match sheet.cell(c.row, c.col()) {
                    Data::String(s) if s.len() >= 6 && s.chars().all(char::is_alphabetic) => {
                        Some(s.clone())
                    }
                    _ => None,
                })
                .expect("a removed name");
            let output = written(&case, |_, _| {});
            let (part, xml, p) = sheet_xml(&output, sc.sheet);
            let row_end = format!("</{p}row>");
            let row5 = xml.find(&format!("<{p}row r=\"5\"")).expect("row 5");
            let cell = row5 + xml[row5..].find(&format!("<{p}c ")).unwrap();
            let cell_end = cell + xml[cell..].find(&format!("</{p}c>")).unwrap();
            // An edit of the sheet's XML: text put at a place.
            let at = |place: usize, text: String| {
                let xml = format!("{}{text}{}", &xml[..place], &xml[place..]);
                crate::testdata::set_part(&output, &part, xml.as_bytes())
            };
            // Below the rows read at opening, so that the walk is what reads them.
            let between_rows = row5;
            let mut edits = vec![
                ("a comment", at(between_rows, format!("<!-- {removed} -->"))),
                (
                    "a processing instruction",
                    at(between_rows, format!("<?note {removed}?>")),
                ),
                (
                    "a CDATA section",
                    at(between_rows, format!("<![CDATA[{removed}]]>")),
                ),
                (
                    "text between rows",
                    at(between_rows, format!("\n{removed}\n")),
                ),
                (
                    "an element",
                    at(between_rows, format!("<{p}note>{removed}</{p}note>")),
                ),
                (
                    "a row's attribute",
                    at(row5 + 4 + p.len(), format!(" note=\"{removed}\"")),
                ),
                (
                    "a cell's attribute",
                    at(cell + 2 + p.len(), format!(" note=\"{removed}\"")),
                ),
                (
                    "a comment in a cell",
                    at(cell_end, format!("<!-- {removed} -->")),
                ),
                ("text in a cell", at(cell_end, removed.clone())),
                ("after the cells", {
                    let end = xml.rfind(&format!("</{p}worksheet>")).unwrap();
                    let header = format!(
                        "<{p}headerFooter><{p}oddHeader>{removed}</{p}oddHeader></{p}headerFooter>"
                    );
                    at(end, header)
                }),
            ];
            if layout == "dynamics" {
                let value_end = cell + xml[cell..].find(&format!("</{p}t>")).unwrap();
                let is_end = cell + xml[cell..].find(&format!("</{p}is>")).unwrap();
                let ruby = format!("<{p}rPh sb=\"0\" eb=\"1\"><{p}t>{removed}</{p}t></{p}rPh>");
                edits.push(("a phonetic reading", at(is_end, ruby)));
                edits.push((
                    "text after a value",
                    at(value_end + p.len() + 4, removed.clone()),
                ));
                edits.push((
                    "a value under an inline string",
                    at(cell_end, format!("<{p}v>{removed}</{p}v>")),
                ));
            } else {
                let formula = format!("<f>\"{removed}\"</f>");
                edits.push((
                    "a formula",
                    at(cell + xml[cell..].find('>').unwrap() + 1, formula),
                ));
            }
            for (what, edited) in edits {
                assert_left_to_the_whole_check(&case, &edited, &format!("{layout}, {what}"));
            }
            // White space between the rows and after the cells, as writers indent them.
            let spaced = xml.replace(&row_end, &format!("{row_end}\n  "));
            let spaced = crate::testdata::set_part(&output, &part, spaced.as_bytes());
            let (walked, whole) = both(&case, &spaced);
            assert!(whole.passed(), "{layout}: {:?}", whole.findings);
            assert!(walked.is_some(), "{layout}: the walk shows it passes");
            assert!(
                matches!(streamed(&case, &spaced, 10), Streamed::Passed(_)),
                "{layout}"
            );
        }
    }

    /// A row the map deletes, kept (its scrubbed cells and all), or one more row deleted.
    #[test]
    fn a_row_deleted_otherwise_than_by_the_map_is_left_to_the_whole_check() {
        let case = deleting_case();
        let kept_row = case.changes[0].deleted[1].row;
        let mutations: Vec<(&str, Edit)> = vec![
            (
                "a row the map deletes kept",
                Box::new(move |_, deleted| deleted.retain(|d| d.row != kept_row)),
            ),
            (
                "one more row deleted",
                Box::new(move |cells, deleted| {
                    let row = (1..).find(|r| deleted.iter().all(|d| d.row != *r)).unwrap();
                    cells.retain(|c| c.0 != row);
                    deleted.push(crate::apply::Deletion { row, rule: 0 });
                    deleted.sort_by_key(|d| d.row);
                }),
            ),
        ];
        for (what, edit) in mutations {
            let output = written(&case, edit);
            let (_, whole) = both(&case, &output);
            assert!(!whole.passed(), "{what}: the whole check finds it");
            for head in [10, 5_000] {
                assert!(
                    matches!(streamed(&case, &output, head), Streamed::Undecided),
                    "{what}, head {head}: the streamed walk leaves it to that check"
                );
            }
        }
    }

    fn breaks_and_leaks_are_left_to_the_whole_check(layout: &str, case: &Case) {
        let sc = &case.changes[0];
        let sheet = &case.book.sheets[sc.sheet];
        let targets = crate::needles::target_columns(&case.map, &case.book, &case.plan);
        let kept = (0..sheet.width())
            .find(|&c| !targets[sc.sheet][c as usize] && !matches!(sheet.cell(5, c), Data::Empty))
            .expect("a kept column");
        let old = |c: &crate::apply::Change| match sheet.cell(c.row, c.col()) {
            Data::String(s) if s.len() >= 6 && s.chars().any(char::is_alphabetic) => {
                Some(s.clone())
            }
            _ => None,
        };
        // Two changes of one column in other rows, with other old texts.
        let (first, other) = sc
            .cells
            .iter()
            .enumerate()
            .find_map(|(i, a)| {
                let text = old(a)?;
                let j = sc.cells.iter().position(|b| {
                    b.col == a.col && b.row != a.row && old(b).is_some_and(|t| t != text)
                })?;
                Some((i, j))
            })
            .expect("a column of removed texts");
        let other_text = old(&sc.cells[other]).unwrap();
        let rule = sc.cells[0].rule();
        let mutations: Vec<(&str, Edit)> = vec![
            (
                "a kept cell changed",
                Box::new(move |cells, _| cells.push((5, kept, rule, Data::String("x".into())))),
            ),
            (
                "a scrubbed cell left as it was",
                Box::new(move |cells, _| {
                    cells.remove(first);
                }),
            ),
            (
                "another row's removed text in a scrubbed cell",
                Box::new(move |cells, _| cells[first].3 = Data::String(other_text)),
            ),
            (
                "a row lost",
                Box::new(move |cells, deleted| {
                    cells.retain(|c| c.0 != 9);
                    deleted.push(Deletion { row: 9, rule: 0 });
                }),
            ),
        ];
        for (what, edit) in mutations {
            let output = written(case, edit);
            assert_left_to_the_whole_check(case, &output, &format!("{layout}, {what}"));
        }
    }
}
