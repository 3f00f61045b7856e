//! The streaming engine of the lossless xlsx writer: each sheet's cells are read once, row by
//! row, and the plan (resolved on the sheets' heads, see [`super::read::open_with`]) is applied
//! to each row as it comes, without holding a sheet in memory.
//!
//! What the scrub needs of the input's cells after that is kept on the way ([`Olds`]): the
//! values of the changed cells and deleted rows (what the scrub removes, for the writer's
//! cleaning and the leak sweep), the distinct values of the kept columns (for the residual
//! check), the record ids of the changed rows (for the changes file). The results are those of
//! [`crate::apply::apply_plan`] on the whole workbook; a sheet this engine cannot read the same
//! way (cells out of order, cells beyond the head's columns) makes [`stream`] return `None`, and
//! the caller reads the workbook whole instead.

use super::read::{from_calamine, Opened};
use crate::apply::{Change, Deletion, RowApplier, SheetChanges};
use crate::error::Problem;
use crate::map::Map;
use crate::plan::FilePlan;
use crate::report::{ChangesFile, DeletedRow, SheetReport};
use crate::workbook::{Sheet, Workbook};
use calamine::{Data, DataRef, DataType};
use std::collections::HashMap;
use std::io::Write;

/// Texts kept one after the other in one buffer (millions of them, without an allocation
/// each): text `i` ends at `ends[i]`, where text `i + 1` starts.
#[derive(Debug, Default, PartialEq)]
pub struct Texts {
    text: String,
    ends: Vec<usize>,
    /// Whether each text is there (`None` and an empty text differ).
    present: Vec<bool>,
}

impl Texts {
    fn push(&mut self, value: Option<&str>) {
        self.text.push_str(value.unwrap_or(""));
        self.ends.push(self.text.len());
        self.present.push(value.is_some());
    }

    /// Text `i`.
    pub fn get(&self, i: usize) -> Option<&str> {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.present[i].then(|| &self.text[start..self.ends[i]])
    }
}

/// What a streamed scrub keeps of the input's cells for the checks that follow it.
#[derive(Debug, Default)]
pub struct Olds {
    /// Per entry of the changes: the text of each changed cell's input value (see
    /// [`crate::actions::cell_text`]), in change order.
    pub changed: Vec<Texts>,
    /// Per entry of the changes: per deleted row, the input's values of its scrubbed columns,
    /// by column.
    pub deleted: Vec<Vec<Vec<Data>>>,
    /// The distinct values of the kept columns (see [`crate::verify::sweep::kept_columns`]) of
    /// every sheet but the metadata sheet, and how many cells hold each: sheet, column, values.
    pub kept: Vec<(usize, u32, HashMap<String, u64>)>,
}

/// The result of streaming a workbook's sheets through the plan.
#[derive(Debug, Default)]
pub struct Streamed {
    /// The changes of each planned sheet, in plan order.
    pub changes: Vec<SheetChanges>,
    /// What the checks need of the input's cells.
    pub olds: Olds,
    /// Per entry of `changes`: the record id of each changed row that has a text one, by row.
    pub ids: Vec<Vec<(u32, String)>>,
    /// The report of each planned sheet, in plan order.
    pub reports: Vec<SheetReport>,
}

/// What streaming gives for one planned sheet (see [`Streamed`]).
struct Planned {
    changes: SheetChanges,
    changed: Texts,
    deleted: Vec<Vec<Data>>,
    ids: Vec<(u32, String)>,
    report: SheetReport,
}

static EMPTY: Data = Data::Empty;

/// One row's cells as they are read, their strings reused from row to row.
#[derive(Default)]
struct Row {
    cells: Vec<Data>,
    set: Vec<bool>,
    filled: Vec<u32>,
}

impl Row {
    fn get(&self, col: u32) -> &Data {
        match self.set.get(col as usize) {
            Some(true) => &self.cells[col as usize],
            _ => &EMPTY,
        }
    }

    fn put(&mut self, col: u32, value: DataRef<'_>) {
        let c = col as usize;
        if self.cells.len() <= c {
            self.cells.resize(c + 1, Data::Empty);
            self.set.resize(c + 1, false);
        }
        match (&mut self.cells[c], value) {
            (Data::String(s), DataRef::SharedString(v)) => {
                s.clear();
                s.push_str(v);
            }
            (slot, value) => *slot = Data::from(value),
        }
        self.set[c] = true;
        self.filled.push(col);
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
    /// The scrubbed columns (see [`crate::verify::target_columns`]).
    targets: &'a [bool],
    /// Kept columns and their distinct values.
    kept: Vec<(u32, HashMap<String, u64>)>,
    changes: SheetChanges,
    changed_olds: Texts,
    deleted_olds: Vec<Vec<Data>>,
    ids: Vec<(u32, String)>,
    per_column: Vec<u64>,
    deleted_rows: Vec<DeletedRow>,
    scratch: (Vec<Change>, Vec<Deletion>),
}

impl SheetWork<'_> {
    /// Data row `row`, whose cells `cell` gives.
    fn row<'c>(&mut self, row: u32, cell: impl Fn(u32) -> &'c Data + Copy) {
        if let Some((sp, applier)) = &self.applier {
            let (changed, deleted) = &mut self.scratch;
            changed.clear();
            deleted.clear();
            applier.apply_row(row, cell, changed, deleted);
            let id = sp.record_id.map(cell);
            if let Some(&d) = deleted.first() {
                self.deleted_rows
                    .push(crate::report::deleted_row(self.map, &d, id));
                self.changes.deleted.push(d);
                self.deleted_olds.push(
                    (0..self.targets.len() as u32)
                        .filter(|&c| self.targets[c as usize])
                        .map(|c| cell(c).clone())
                        .collect(),
                );
                return;
            }
            if !changed.is_empty() {
                if let Some(Data::String(s)) = id {
                    self.ids.push((row, s.clone()));
                }
                for c in changed.iter() {
                    self.changed_olds
                        .push(crate::actions::cell_text(cell(c.col)).as_deref());
                    if let Some(n) = self.per_column.get_mut(c.col as usize) {
                        *n += 1;
                    }
                }
                self.changes.cells.append(changed);
            }
        }
        for (col, seen) in &mut self.kept {
            let value = cell(*col);
            if matches!(value, Data::Empty) {
                continue;
            }
            if let Some(text) = crate::verify::sweep::kept_text(value) {
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

/// Stream every sheet of `opened` (the heads of [`super::read::open_with`]) through `plan`.
/// `None` when a sheet cannot be streamed to the same result as the workbook read whole: its
/// cells are out of order, or its cells below the head reach other columns or rows than the
/// head shows.
///
/// # Errors
/// A [`Problem`] when a sheet cannot be read.
pub(crate) fn stream(
    map: &Map,
    plan: &FilePlan,
    opened: &mut Opened<'_>,
) -> Result<Option<Streamed>, Problem> {
    let Opened {
        book, reader, cut, ..
    } = opened;
    let book: &Workbook = book;
    let metadata = book.metadata();
    let targets = crate::verify::target_columns(map, book, plan);
    let mut per_plan: Vec<Option<Planned>> = (0..plan.sheets.len()).map(|_| None).collect();
    let mut kept_all = Vec::new();
    for (index, sheet) in book.sheets.iter().enumerate() {
        let planned = plan.sheets.iter().position(|sp| sp.sheet == index);
        let is_metadata = crate::verify::is_metadata_sheet(sheet);
        let kept: Vec<(u32, HashMap<String, u64>)> = if is_metadata {
            Vec::new()
        } else {
            crate::verify::sweep::kept_columns(sheet, &targets[index], metadata.as_ref())
                .into_iter()
                .map(|c| (c, HashMap::new()))
                .collect()
        };
        if planned.is_none() && kept.is_empty() {
            continue;
        }
        let headers = sheet.headers().unwrap_or_default();
        let applier = planned.map(|p| {
            let sp = &plan.sheets[p];
            (sp, RowApplier::new(map, sp, headers.clone()))
        });
        let mut work = SheetWork {
            map,
            applier,
            targets: &targets[index],
            kept,
            changes: SheetChanges {
                sheet: index,
                ..SheetChanges::default()
            },
            changed_olds: Texts::default(),
            deleted_olds: Vec::new(),
            ids: Vec::new(),
            per_column: vec![0; sheet.width() as usize],
            deleted_rows: Vec::new(),
            scratch: (Vec::new(), Vec::new()),
        };
        let height = if cut[index] {
            match stream_sheet(reader, sheet, &mut work)? {
                Some(height) => height,
                None => return Ok(None),
            }
        } else {
            for row in 1..sheet.height() {
                work.row(row, |c| sheet.cell(row, c));
            }
            sheet.height()
        };
        if let Some(p) = planned {
            let sp = &plan.sheets[p];
            let report = crate::report::sheet_report(
                map,
                sp,
                &sheet.name,
                &headers,
                u64::from(height.saturating_sub(1)),
                &work.per_column,
                std::mem::take(&mut work.deleted_rows),
            );
            per_plan[p] = Some(Planned {
                changes: std::mem::take(&mut work.changes),
                changed: std::mem::take(&mut work.changed_olds),
                deleted: std::mem::take(&mut work.deleted_olds),
                ids: std::mem::take(&mut work.ids),
                report,
            });
        }
        kept_all.extend(work.kept.into_iter().map(|(c, seen)| (index, c, seen)));
    }
    let mut out = Streamed::default();
    out.olds.kept = kept_all;
    for entry in per_plan {
        let Some(done) = entry else {
            return Err(Problem::Internal);
        };
        out.changes.push(done.changes);
        out.olds.changed.push(done.changed);
        out.olds.deleted.push(done.deleted);
        out.ids.push(done.ids);
        out.reports.push(done.report);
    }
    Ok(Some(out))
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
    let Some(Bounds {
        first_row,
        height,
        width,
    }) = read
    else {
        return Ok(None);
    };
    let head_first = head.cells.start().map(|(r, _)| r);
    if width != head.width() || (first_row == Some(0)) != (head_first == Some(0)) {
        return Ok(None);
    }
    Ok(Some(height))
}

/// Where a sheet's cells are (as calamine's grid of them would be).
struct Bounds {
    first_row: Option<u32>,
    height: u32,
    width: u32,
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

/// Write the changes file of a streamed scrub in `format`, as
/// [`crate::report::write_changes_as`] writes it from the workbook.
///
/// # Errors
/// The writer's I/O error.
pub(crate) fn write_changes<W: Write>(
    out: W,
    format: crate::report::ChangesFormat,
    map: &Map,
    book: &Workbook,
    streamed: &Streamed,
) -> std::io::Result<()> {
    let mut file = ChangesFile::with_format(out, format);
    for (sc, ids) in streamed.changes.iter().zip(&streamed.ids) {
        let sheet = &book.sheets[sc.sheet];
        let headers = sheet.headers().unwrap_or_default();
        file.start_sheet(&sheet.name);
        let mut at = 0;
        for c in &sc.cells {
            while ids.get(at).is_some_and(|(r, _)| *r < c.row) {
                at += 1;
            }
            let record_id = match ids.get(at) {
                Some((r, id)) if *r == c.row => id.as_str(),
                _ => "",
            };
            file.push(map, &headers, c, record_id)?;
        }
    }
    file.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::{self, Options};
    use std::io::{Cursor, Read};

    fn profile() -> Map {
        Map::parse(
            crate::profiles::find("systemuser").unwrap().toml,
            "systemuser",
            None,
        )
        .unwrap()
    }

    /// A package with one part's text changed.
    fn edit_part(xlsx: &[u8], part: &str, edit: impl Fn(String) -> String) -> Vec<u8> {
        let mut zip = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).unwrap();
            let name = entry.name().unwrap().into_owned();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            if name == part {
                data = edit(String::from_utf8(data).unwrap()).into_bytes();
            }
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            out.write_all(&data).unwrap();
        }
        out.finish().unwrap().into_inner()
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
                stream(&map, &plan, &mut opened).unwrap().expect("streamed")
            });
        let streamed = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap()
            .install(|| stream(&map, &plan, &mut opened).unwrap().expect("streamed"));
        assert_eq!(one.changes, expected);
        assert_eq!(one.olds.changed, streamed.olds.changed);
        assert_eq!(one.olds.kept, streamed.olds.kept);
        assert_eq!(streamed.changes, expected);
        assert!(expected[0].cells.iter().any(|c| c.row > 100));
        // What the checks need of the input, as the whole workbook holds it.
        for (k, sc) in expected.iter().enumerate() {
            let sheet = &whole.sheets[sc.sheet];
            for (i, c) in sc.cells.iter().enumerate() {
                assert_eq!(
                    streamed.olds.changed[k].get(i),
                    crate::actions::cell_text(sheet.cell(c.row, c.col)).as_deref()
                );
            }
        }
        assert_eq!(
            crate::verify::removed_streamed(&map, &streamed.olds, &streamed.changes),
            crate::verify::removed_values(&map, &whole, &plan, &expected)
        );
        let json = |r: &[SheetReport]| serde_json::to_string(r).unwrap();
        assert_eq!(
            json(&streamed.reports),
            json(&crate::report::sheet_reports(
                &map, &whole, &plan, &expected
            ))
        );
        for format in [
            crate::report::ChangesFormat::Rows,
            crate::report::ChangesFormat::Cells,
        ] {
            let mut ours = Vec::new();
            write_changes(&mut ours, format, &map, &opened.book, &streamed).unwrap();
            let mut theirs = Vec::new();
            crate::report::write_changes_as(&mut theirs, format, &map, &whole, &plan, &expected)
                .unwrap();
            assert!(ours == theirs, "the same changes file");
        }
    }

    #[test]
    fn a_sheet_whose_cells_are_out_of_order_is_left_to_the_whole_workbook() {
        let export = testdata::disabled_users(&Options {
            rows: 60,
            ..Options::default()
        });
        // Row 50 moved after row 51: calamine's grid reads it the same, a stream would not.
        let bytes = edit_part(&export.to_xlsx(), "xl/worksheets/sheet1.xml", |xml| {
            let start = |r: u32| xml.find(&format!("<row r=\"{r}\"")).unwrap();
            let (a, b, c) = (start(50), start(51), start(52));
            format!("{}{}{}{}", &xml[..a], &xml[b..c], &xml[a..b], &xml[c..])
        });
        let map = profile();
        let mut opened =
            super::super::read::open_with(&bytes, &crate::xlsx::Limits::default(), Some(20))
                .unwrap();
        let plan = crate::plan::resolve(&map, &opened.book).unwrap();
        assert!(stream(&map, &plan, &mut opened).unwrap().is_none());
    }
}
