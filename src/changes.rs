//! The `<stem>.changes.csv` of one input: every changed cell, traceable to its sheet, row,
//! record id, column, action and new value, in one of two layouts ([`ChangesFormat`]).
//!
//! **`rows`** (the default) writes one line per changed row. A whole-column scrub changes the
//! same columns the same way in every row, so listing each cell on its own line (the `cells`
//! layout) repeats the sheet, row, record id, header and action up to 30 times per row and
//! makes the file several times larger than the export. In `rows`:
//!
//! ```text
//! sheet,row,record_id,columns,new_values
//! Users,,,D = Full Name,replace: Deleted User {id8}
//! Users,,,E = Middle Name,clear
//! Users,,,F = Primary Email,pseudonymize: new values listed per row
//! Users,2,889b6fc9-…,replace D; clear E; pseudonymize F,F: a1b2c3@example.invalid
//! ```
//!
//! - A **column line** (empty `row`) comes before the first row line that uses the column: its
//!   letter and header (`D = Full Name`), and its action with what that implies for the new
//!   values (`clear`: empty; `replace: TEMPLATE`: the map's template with `{row}`, `{id}`,
//!   `{id8}` and `{column}` filled in from the row line and the header; `pseudonymize`: listed
//!   per row; `mask`, `regex`, `redact`: not reported, as they keep part of the original). Should a later row change the column under another rule, a new
//!   column line comes first; a letter means what its last column line above says.
//! - A **row line** names the spreadsheet row and record id, the changed columns by action
//!   (`clear E:G J` = E, F, G and J, as Excel writes ranges), and in `new_values` only the new
//!   values the column line does not imply (pseudonyms; a replacement cut to the column's
//!   length or escaped as a formula), as `LETTER: value` joined by `; ` (a value holding
//!   `;` or `"`, or blank at either end, is quoted with `"` and its quotes doubled).
//!
//! **`cells`** writes one line per changed cell: `sheet,row,record_id,column,action,new_value`.
//!
//! Neither holds an original value: only headers, row numbers, record GUIDs, action names, the
//! map's templates, and the new values of `clear`, `replace` and `pseudonymize`. [`read`] reads
//! both back as one [`CellLine`] per changed cell.
//!
//! Written during the pass that writes the output, together with what the run report says of
//! each sheet ([`SheetReport`]: the changed cells by column, the deleted rows).

use crate::a1::{column_letters, push_column_letters};
use crate::actions::{Action, CellCtx};
use crate::apply::{NewValue, SheetChanges};
use crate::map::Map;
use crate::plan::FilePlan;
use crate::workbook::Workbook;
use calamine::Data;
use serde::Serialize;
use std::collections::HashMap;
use std::io::Write;

/// How the changes file lists the changes (`scrub --changes-format`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ChangesFormat {
    /// One line per changed row: its changed columns by action, and only the new values their
    /// action does not imply; each column described once, on a line of its own.
    #[default]
    Rows,
    /// One line per changed cell: sheet, row, record id, column header, action, new value
    /// (several times larger).
    Cells,
}

impl ChangesFormat {
    /// The name `--changes-format` takes.
    pub fn name(self) -> &'static str {
        match self {
            ChangesFormat::Rows => "rows",
            ChangesFormat::Cells => "cells",
        }
    }
}

/// The header line of the `rows` layout.
const ROWS_HEADER: &[u8] = b"sheet,row,record_id,columns,new_values\n";
/// The header line of the `cells` layout.
const CELLS_HEADER: &[u8] = b"sheet,row,record_id,column,action,new_value\n";

/// The `<stem>.changes.csv` being written: millions of changed cells for a large export. In the
/// `cells` layout the sheet, column and action of a line repeat, so they are escaped once per
/// column, and the record id once per row. In the `rows` layout the cells of a row are gathered
/// until the next row (or sheet, or [`ChangesFile::finish`]) starts, then written as one line.
/// Lines are built in a buffer written out in large pieces.
pub struct ChangesFile<W: Write> {
    out: W,
    format: ChangesFormat,
    buf: Vec<u8>,
    sheet: Vec<u8>,
    /// `cells`: (column, rule) → `column,action,` escaped.
    tails: HashMap<(u32, usize), Vec<u8>>,
    /// The row whose record id is in `id` (`rows`: the row being gathered).
    id_row: Option<u32>,
    id: Vec<u8>,
    digits: itoa::Buffer,
    /// `rows`: by column, the rule its last column line describes in this sheet (`NONE`: no
    /// line yet).
    described: Vec<usize>,
    /// `rows`: the gathered row's changed columns and their actions (kind, name), in push
    /// order.
    row_cells: Vec<(u32, Kind, &'static str)>,
    /// `rows`: the gathered row's `new_values` field, unescaped.
    row_values: String,
    /// `rows`: scratch for a row's `columns` field and a rendered template.
    scratch: String,
}

/// No rule: a column not described yet.
const NONE: usize = usize::MAX;

/// An action's kind: compared for every cell of a row, cheaper than its name.
type Kind = std::mem::Discriminant<Action>;

impl<W: Write> ChangesFile<W> {
    const FLUSH_AT: usize = 1 << 20;

    /// A changes file on `out` in the default layout ([`ChangesFormat::Rows`]), starting with
    /// its header line.
    pub fn new(out: W) -> ChangesFile<W> {
        ChangesFile::with_format(out, ChangesFormat::default())
    }

    /// A changes file on `out` in `format`, starting with its header line.
    pub fn with_format(out: W, format: ChangesFormat) -> ChangesFile<W> {
        let mut buf = Vec::with_capacity(Self::FLUSH_AT + 4096);
        buf.extend_from_slice(match format {
            ChangesFormat::Rows => ROWS_HEADER,
            ChangesFormat::Cells => CELLS_HEADER,
        });
        ChangesFile {
            out,
            format,
            buf,
            sheet: Vec::new(),
            tails: Default::default(),
            id_row: None,
            id: Vec::new(),
            digits: itoa::Buffer::new(),
            described: Vec::new(),
            row_cells: Vec::new(),
            row_values: String::new(),
            scratch: String::new(),
        }
    }

    /// The lines that follow are changes of sheet `name`.
    pub fn start_sheet(&mut self, name: &str) {
        self.end_row();
        self.sheet.clear();
        push_csv_field(&mut self.sheet, name);
        self.tails.clear();
        self.described.clear();
        self.id_row = None;
    }

    /// One changed cell, under `headers`, in the row with `record_id`. The cells of a row are
    /// pushed one after the other, in column order.
    ///
    /// # Errors
    /// The writer's I/O error.
    pub fn push(
        &mut self,
        map: &Map,
        headers: &[String],
        c: &crate::apply::Change,
        new: NewValue<'_>,
        record_id: &str,
    ) -> std::io::Result<()> {
        match self.format {
            ChangesFormat::Cells => self.push_cell(map, headers, c, new, record_id),
            ChangesFormat::Rows => {
                self.gather(map, headers, c, new, record_id);
                Ok(())
            }
        }?;
        if self.buf.len() >= Self::FLUSH_AT {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// `cells`: the cell's line.
    fn push_cell(
        &mut self,
        map: &Map,
        headers: &[String],
        c: &crate::apply::Change,
        new: NewValue<'_>,
        record_id: &str,
    ) -> std::io::Result<()> {
        let rule = &map.rules[c.rule()];
        if self.id_row != Some(c.row) {
            self.id.clear();
            push_csv_field(&mut self.id, record_id);
            self.id_row = Some(c.row);
        }
        let tail = self.tails.entry((c.col(), c.rule())).or_insert_with(|| {
            let mut t = Vec::new();
            push_csv_field(
                &mut t,
                headers.get(c.col as usize).map_or("", String::as_str),
            );
            t.push(b',');
            push_csv_field(&mut t, rule.action.name());
            t.push(b',');
            t
        });
        let buf = &mut self.buf;
        buf.extend_from_slice(&self.sheet);
        buf.push(b',');
        buf.extend_from_slice(self.digits.format(c.row + 1).as_bytes());
        buf.push(b',');
        buf.extend_from_slice(&self.id);
        buf.push(b',');
        buf.extend_from_slice(tail);
        if let Some(s) = reported(&rule.action, new) {
            push_csv_field(buf, s);
        }
        buf.push(b'\n');
        Ok(())
    }

    /// `rows`: add the cell to the row being gathered (ending the one before), describing its
    /// column first if this sheet has not described it under this rule.
    fn gather(
        &mut self,
        map: &Map,
        headers: &[String],
        c: &crate::apply::Change,
        new: NewValue<'_>,
        record_id: &str,
    ) {
        if self.id_row != Some(c.row) {
            self.end_row();
            self.id.clear();
            push_csv_field(&mut self.id, record_id);
            self.id_row = Some(c.row);
        }
        let action = &map.rules[c.rule()].action;
        let header = headers.get(c.col as usize).map_or("", String::as_str);
        let col = c.col as usize;
        if self.described.len() <= col {
            self.described.resize(col + 1, NONE);
        }
        if std::mem::replace(&mut self.described[col], c.rule()) != c.rule() {
            let buf = &mut self.buf;
            buf.extend_from_slice(&self.sheet);
            buf.extend_from_slice(b",,,");
            push_csv_field(buf, &format!("{} = {header}", column_letters(c.col())));
            buf.push(b',');
            push_csv_field(buf, &describe(action));
            buf.push(b'\n');
        }
        self.row_cells
            .push((c.col(), std::mem::discriminant(action), action.name()));
        let value = reported(action, new).unwrap_or("");
        // Whether the column line does not imply the value (see `read` for what it implies).
        let listed = match action {
            Action::Replace(template) => {
                self.scratch.clear();
                let ctx = CellCtx {
                    row: c.row + 1,
                    record_id: Some(record_id),
                    column: header,
                };
                template.render_into(&ctx, &mut self.scratch);
                self.scratch.len() != value.len() || self.scratch != value
            }
            Action::Pseudonymize(_) => true,
            _ => !value.is_empty(),
        };
        if listed {
            if !self.row_values.is_empty() {
                self.row_values.push_str("; ");
            }
            push_column_letters(&mut self.row_values, c.col());
            self.row_values.push_str(": ");
            push_listed(&mut self.row_values, value);
        }
    }

    /// `rows`: write the gathered row's line, if any.
    fn end_row(&mut self) {
        if self.row_cells.is_empty() {
            return;
        }
        let Some(row) = self.id_row else {
            return;
        };
        let buf = &mut self.buf;
        buf.extend_from_slice(&self.sheet);
        buf.push(b',');
        buf.extend_from_slice(self.digits.format(row + 1).as_bytes());
        buf.push(b',');
        buf.extend_from_slice(&self.id);
        buf.push(b',');
        // The columns by action, actions in the order of their first column; a run of
        // adjacent columns as `FROM:TO`.
        let columns = &mut self.scratch;
        columns.clear();
        for (i, &(_, kind, name)) in self.row_cells.iter().enumerate() {
            if self.row_cells[..i].iter().any(|&(_, k, _)| k == kind) {
                continue;
            }
            if !columns.is_empty() {
                columns.push_str("; ");
            }
            columns.push_str(name);
            let mut cols = self.row_cells[i..]
                .iter()
                .filter(|&&(_, k, _)| k == kind)
                .map(|&(col, _, _)| col)
                .peekable();
            while let Some(from) = cols.next() {
                let mut to = from;
                while let Some(next) = cols.next_if(|&n| n == to + 1) {
                    to = next;
                }
                columns.push(' ');
                push_column_letters(columns, from);
                if to > from {
                    columns.push(':');
                    push_column_letters(columns, to);
                }
            }
        }
        push_csv_field(buf, columns);
        buf.push(b',');
        push_csv_field(buf, &self.row_values);
        buf.push(b'\n');
        self.row_cells.clear();
        self.row_values.clear();
    }

    /// Write what is left and flush.
    ///
    /// # Errors
    /// The writer's I/O error.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.end_row();
        self.out.write_all(&self.buf)?;
        self.out.flush()
    }
}

/// The new value a report may show: that of `clear`, `replace` and `pseudonymize`, never that
/// of an action that keeps part of the original.
fn reported<'a>(action: &Action, new: NewValue<'a>) -> Option<&'a str> {
    new.as_str().filter(|_| action.output_is_reportable())
}

/// What a column line says of an action.
fn describe(action: &Action) -> String {
    match action {
        Action::Replace(template) => format!("replace: {}", template.source()),
        Action::Pseudonymize(_) => "pseudonymize: new values listed per row".into(),
        Action::Clear => "clear".into(),
        a if !a.output_is_reportable() => format!(
            "{}: new values not reported (they keep part of the original)",
            a.name()
        ),
        a => a.name().into(),
    }
}

/// A listed value, quoted when it could be misread (see the module docs).
fn push_listed(out: &mut String, value: &str) {
    let plain = !value.is_empty() && !value.contains([';', '"']) && value.trim() == value;
    if plain {
        out.push_str(value);
    } else {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    }
}

/// One CSV field as the `csv` crate writes it by default: quoted only when it holds a comma,
/// a quote, CR or LF, with quotes doubled.
pub(crate) fn push_csv_field(out: &mut Vec<u8>, field: &str) {
    let bytes = field.as_bytes();
    if memchr::memchr3(b',', b'"', b'\n', bytes).is_none() && memchr::memchr(b'\r', bytes).is_none()
    {
        out.extend_from_slice(bytes);
        return;
    }
    out.push(b'"');
    for &b in bytes {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

/// One changed cell, as either layout of a changes file gives it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellLine {
    /// The sheet's name.
    pub sheet: String,
    /// The spreadsheet row number.
    pub row: u32,
    /// The record GUID, or empty.
    pub record_id: String,
    /// The column's header.
    pub column: String,
    /// The action's name.
    pub action: String,
    /// The new value as reported (empty for `clear` and for actions whose values are not
    /// reported).
    pub new_value: String,
}

/// Read a changes file back, in either layout, as one [`CellLine`] per changed cell (in the
/// order of the file; a row's cells by column). A `replace` value the `rows` layout implies is filled in from its
/// template, as the scrub did.
///
/// # Errors
/// A one-line description (line number and what is wrong) of a file that is not a changes file.
pub fn read(text: &[u8]) -> Result<Vec<CellLine>, String> {
    let mut reader = ::csv::ReaderBuilder::new().from_reader(text);
    let header = reader
        .headers()
        .map_err(|e| format!("unreadable header: {e}"))?
        .clone();
    let cells = header
        .iter()
        .eq(["sheet", "row", "record_id", "column", "action", "new_value"]);
    let rows = header
        .iter()
        .eq(["sheet", "row", "record_id", "columns", "new_values"]);
    if !cells && !rows {
        return Err("not a changes file: unknown header".into());
    }
    let mut out = Vec::new();
    // (sheet, letter) → (header, action, template): what the last column line said.
    let mut described: HashMap<(String, String), (String, String, Option<String>)> = HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| format!("line {line}: {e}"))?;
        let field = |n: usize| record.get(n).unwrap_or("").to_string();
        let sheet = field(0);
        let row_number = |s: &str| {
            s.parse::<u32>()
                .map_err(|_| format!("line {line}: the row is not a number"))
        };
        if cells {
            out.push(CellLine {
                sheet,
                row: row_number(&field(1))?,
                record_id: field(2),
                column: field(3),
                action: field(4),
                new_value: field(5),
            });
            continue;
        }
        if field(1).is_empty() {
            let columns = field(3);
            let (letter, header) = columns
                .split_once(" = ")
                .ok_or_else(|| format!("line {line}: a column line without `LETTER = header`"))?;
            let description = field(4);
            let (action, rest) = match description.split_once(':') {
                Some((a, rest)) => (a.to_string(), Some(rest.strip_prefix(' ').unwrap_or(rest))),
                None => (description.clone(), None),
            };
            let template = (action == "replace").then(|| rest.unwrap_or("").to_string());
            described.insert(
                (sheet, letter.to_string()),
                (header.to_string(), action, template),
            );
            continue;
        }
        let row = row_number(&field(1))?;
        let record_id = field(2);
        let listed = parse_listed(&field(4)).map_err(|e| format!("line {line}: {e}"))?;
        let mut row_cells = Vec::new();
        for group in field(3).split("; ") {
            let mut words = group.split(' ');
            let action = words.next().unwrap_or("");
            for range in words {
                let (from, to) = range.split_once(':').unwrap_or((range, range));
                let (from, to) = (column_index(from), column_index(to));
                let (Some(from), Some(to)) = (from, to) else {
                    return Err(format!("line {line}: `{range}` is not a column range"));
                };
                for col in from..=to {
                    let letter = column_letters(col);
                    let Some((header, described_action, template)) =
                        described.get(&(sheet.clone(), letter.clone()))
                    else {
                        return Err(format!("line {line}: column {letter} was not described"));
                    };
                    if described_action != action {
                        return Err(format!(
                            "line {line}: column {letter} is described as {described_action}, not {action}"
                        ));
                    }
                    let new_value = match listed.get(&letter) {
                        Some(v) => v.clone(),
                        None if action == "pseudonymize" => {
                            return Err(format!("line {line}: no value listed for column {letter}"))
                        }
                        None => match template {
                            Some(t) => crate::actions::Template::parse(t)
                                .map_err(|e| format!("line {line}: {e}"))?
                                .render(&CellCtx {
                                    row,
                                    record_id: Some(&record_id),
                                    column: header,
                                }),
                            None => String::new(),
                        },
                    };
                    row_cells.push((
                        col,
                        CellLine {
                            sheet: sheet.clone(),
                            row,
                            record_id: record_id.clone(),
                            column: header.clone(),
                            action: action.to_string(),
                            new_value,
                        },
                    ));
                }
            }
        }
        row_cells.sort_by_key(|(col, _)| *col);
        out.extend(row_cells.into_iter().map(|(_, cell)| cell));
    }
    Ok(out)
}

/// `A` → 0, `AA` → 26: the letters as this module writes them (upper case).
fn column_index(letters: &str) -> Option<u32> {
    if !letters.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    crate::a1::parse_column(letters.as_bytes())
}

/// The `new_values` of a row line: `LETTER: value` joined by `; `.
fn parse_listed(text: &str) -> Result<HashMap<String, String>, String> {
    let mut out = HashMap::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (letter, after) = rest
            .split_once(": ")
            .ok_or("a listed value without `LETTER: `")?;
        let (value, after) = if let Some(quoted) = after.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let mut end = None;
            while let Some((i, ch)) = chars.next() {
                if ch == '"' {
                    if quoted[i + 1..].starts_with('"') {
                        chars.next();
                        value.push('"');
                    } else {
                        end = Some(i + 1);
                        break;
                    }
                } else {
                    value.push(ch);
                }
            }
            let end = end.ok_or("an unclosed quoted value")?;
            (value, &quoted[end..])
        } else {
            let end = after.find(';').unwrap_or(after.len());
            (after[..end].to_string(), &after[end..])
        };
        out.insert(letter.to_string(), value);
        rest = match after.strip_prefix("; ") {
            Some(r) => r,
            None if after.is_empty() => after,
            None => return Err("listed values not separated by `; `".into()),
        };
    }
    Ok(out)
}

/// The report of one scrubbed sheet.
#[derive(Debug, Clone, Serialize)]
pub struct SheetReport {
    /// Sheet name.
    pub name: String,
    /// Data rows (header excluded).
    pub rows: u64,
    /// Header of the record GUID column, when there is one.
    pub record_id_column: Option<String>,
    /// One entry per mapped column.
    pub columns: Vec<ColumnReport>,
    /// Rows removed by row rules.
    pub deleted_rows: Vec<DeletedRow>,
}

/// A row removed by a row rule.
#[derive(Debug, Clone, Serialize)]
pub struct DeletedRow {
    /// The row's spreadsheet row number in the input.
    pub row: u32,
    /// The record GUID, when the file has one (nothing else its id column may hold).
    pub record_id: Option<String>,
    /// The rule that removed it, e.g. `rows[1]: delete where Owner in @subjects`.
    pub rule: String,
}

/// What happened to one column.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnReport {
    /// The header in the file.
    pub column: String,
    /// The map key that selected it.
    pub key: String,
    /// The action name.
    pub action: &'static str,
    /// Cells changed.
    pub cells_changed: u64,
}

/// Count what changed, per sheet and column.
pub fn sheet_reports(
    map: &Map,
    book: &Workbook,
    plan: &FilePlan,
    changes: &[SheetChanges],
) -> Vec<SheetReport> {
    let by_sheet = crate::apply::changes_by_sheet(changes, book.sheets.len());
    plan.sheets
        .iter()
        .map(|sp| {
            let sheet = &book.sheets[sp.sheet];
            let headers = &sp.headers;
            let sc = by_sheet[sp.sheet];
            let mut per_column = vec![0u64; sheet.width() as usize];
            for c in sc.into_iter().flat_map(|c| &c.cells) {
                per_column[c.col as usize] += 1;
            }
            let deleted_rows = sc
                .into_iter()
                .flat_map(|c| &c.deleted)
                .map(|d| {
                    let id = sp.record_id.map(|col| sheet.cell(d.row, col));
                    deleted_row(map, d, id)
                })
                .collect();
            let rows = u64::from(sheet.height().saturating_sub(1));
            sheet_report(
                map,
                sp,
                &sheet.name,
                headers,
                rows,
                &per_column,
                deleted_rows,
            )
        })
        .collect()
}

/// A deleted row as the report lists it, `id` being its record id cell. Only a record GUID is
/// listed: whatever else the id column may hold is a cell value, which a report never holds.
pub(crate) fn deleted_row(map: &Map, d: &crate::apply::Deletion, id: Option<&Data>) -> DeletedRow {
    DeletedRow {
        row: d.row + 1,
        record_id: match id {
            Some(Data::String(s)) if crate::dynamics::looks_like_guid(s) => Some(s.clone()),
            _ => None,
        },
        rule: map.rows[d.rule].label.clone(),
    }
}

/// The report of one sheet, from its counts: `per_column` changed cells by column.
pub(crate) fn sheet_report(
    map: &Map,
    sp: &crate::plan::SheetPlan,
    name: &str,
    headers: &[String],
    rows: u64,
    per_column: &[u64],
    deleted_rows: Vec<DeletedRow>,
) -> SheetReport {
    let header = |col: u32| headers.get(col as usize).cloned().unwrap_or_default();
    SheetReport {
        deleted_rows,
        name: name.to_string(),
        rows,
        record_id_column: sp.record_id.map(header),
        columns: sp
            .targets
            .iter()
            .map(|t| ColumnReport {
                column: header(t.col),
                key: map.rules[t.rule].key.clone(),
                action: map.rules[t.rule].action.name(),
                cells_changed: per_column.get(t.col as usize).copied().unwrap_or(0),
            })
            .collect(),
    }
}

/// Write the `<stem>.changes.csv` of one file in the default layout (see [the module](self)).
///
/// # Errors
/// The writer's I/O error.
pub fn write_changes<W: Write>(
    out: W,
    map: &Map,
    book: &Workbook,
    plan: &FilePlan,
    changes: &[SheetChanges],
) -> std::io::Result<()> {
    write_changes_as(out, ChangesFormat::default(), map, book, plan, changes)
}

/// Write the `<stem>.changes.csv` of one file in `format`.
///
/// # Errors
/// The writer's I/O error.
pub fn write_changes_as<W: Write>(
    out: W,
    format: ChangesFormat,
    map: &Map,
    book: &Workbook,
    plan: &FilePlan,
    changes: &[SheetChanges],
) -> std::io::Result<()> {
    let mut file = ChangesFile::with_format(out, format);
    for sc in changes {
        let sheet = &book.sheets[sc.sheet];
        let sp = plan.sheet(sc.sheet);
        let headers = sp.map_or(&[][..], |p| &p.headers);
        let id_col = sp.and_then(|p| p.record_id);
        file.start_sheet(&sheet.name);
        for c in &sc.cells {
            let record_id = match id_col.map(|col| sheet.cell(c.row, col)) {
                Some(Data::String(s)) => s.as_str(),
                _ => "",
            };
            file.push(map, headers, c, sc.value(c), record_id)?;
        }
    }
    file.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn fields_are_written_as_the_csv_crate_writes_them(
            fields in prop::collection::vec("[a-z,\"\r\n é]{0,8}", 2..6)
        ) {
            let mut ours = Vec::new();
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    ours.push(b',');
                }
                push_csv_field(&mut ours, f);
            }
            ours.push(b'\n');
            let mut theirs = ::csv::WriterBuilder::new().terminator(::csv::Terminator::Any(b'\n')).from_writer(Vec::new());
            theirs.write_record(&fields).unwrap();
            prop_assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(theirs.into_inner().unwrap()).unwrap());
        }

        #[test]
        fn listed_values_read_back(values in prop::collection::vec("[a-z;\" :é]{0,6}", 1..5)) {
            let mut text = String::new();
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    text.push_str("; ");
                }
                text.push_str(&column_letters(i as u32));
                text.push_str(": ");
                push_listed(&mut text, v);
            }
            let back = parse_listed(&text).unwrap();
            for (i, v) in values.iter().enumerate() {
                prop_assert_eq!(&back[&column_letters(i as u32)], v);
            }
        }
    }

    /// A map with one rule of each kind whose values the layouts treat differently.
    fn map() -> Map {
        let key = crate::actions::Key::from_bytes(b"a key for the changes-file test").unwrap();
        let text = r#"version = 1
[columns]
"Name" = "clear"
"Title" = { action = "replace", value = "Gone, \"{id8}\"; {row} {{x}} {column}" }
"Mail" = { action = "pseudonymize", as = "email" }
"Phone" = { action = "mask", keep_last = 2 }
"Note" = { action = "replace", value = "Deleted" }
"#;
        Map::parse(text, "m.toml", Some(&key)).unwrap()
    }

    /// What the scrub could give a cell under `rule`: mostly the template's own value, sometimes
    /// another (cut to a column's length, neutralized).
    fn new_value(map: &Map, rule: usize, other: &str, row: u32, id: &str, header: &str) -> Data {
        match &map.rules[rule].action {
            Action::Clear => Data::Empty,
            Action::Replace(t) if other.is_empty() => Data::String(t.render(&CellCtx {
                row: row + 1,
                record_id: Some(id),
                column: header,
            })),
            _ => Data::String(other.to_string()),
        }
    }

    fn write(
        format: ChangesFormat,
        map: &Map,
        sheets: &[Vec<(u32, u32, usize, String)>],
    ) -> Vec<u8> {
        let headers: Vec<String> = ["Id", "Name", "Title", "Mail", "Phone", "Note, \"n\""]
            .map(String::from)
            .to_vec();
        let mut out = Vec::new();
        let mut file = ChangesFile::with_format(&mut out, format);
        for (s, cells) in sheets.iter().enumerate() {
            file.start_sheet(&format!("Sheet {s}, \"x\""));
            for (row, col, rule, other) in cells {
                let id = if row % 3 == 0 {
                    String::new()
                } else {
                    format!("{row:08x}-0000-0000-0000-000000000000")
                };
                let new = new_value(map, *rule, other, *row, &id, &headers[*col as usize]);
                let mut values = crate::apply::Values::default();
                let c = crate::apply::Change {
                    row: *row,
                    col: *col as u16,
                    rule: *rule as u16,
                    new: values.push(new),
                };
                file.push(map, &headers, &c, values.get(c.new), &id)
                    .unwrap();
            }
        }
        file.finish().unwrap();
        out
    }

    /// Changed cells of a few sheets, by (row, col), each under a rule (sometimes not the
    /// column's own: a column may change under two rules) with a value when it is not implied.
    fn sheets() -> impl Strategy<Value = Vec<Vec<(u32, u32, usize, String)>>> {
        let cell = (
            1u32..6,
            1u32..6,
            0usize..5,
            prop_oneof![Just(String::new()), "[a-z;\" ,:=é\n]{0,6}"],
        );
        prop::collection::vec(prop::collection::vec(cell, 0..30), 1..3).prop_map(|sheets| {
            sheets
                .into_iter()
                .map(|mut cells| {
                    cells.sort_by_key(|c| (c.0, c.1));
                    cells.dedup_by_key(|c| (c.0, c.1));
                    for c in &mut cells {
                        // Mostly the column's own rule.
                        if c.3.len() % 2 == 0 {
                            c.2 = c.1 as usize - 1;
                        }
                    }
                    cells
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn both_layouts_read_back_to_the_same_cells(sheets in sheets()) {
            let map = map();
            let rows = write(ChangesFormat::Rows, &map, &sheets);
            let cells = write(ChangesFormat::Cells, &map, &sheets);
            let (r, c) = (read(&rows), read(&cells));
            prop_assert_eq!(&r, &c, "{}", String::from_utf8_lossy(&rows));
            prop_assert_eq!(r.unwrap().len(), sheets.iter().map(Vec::len).sum::<usize>());
            // Both are plain CSV: every line has the header's number of fields.
            for text in [&rows, &cells] {
                let mut reader = ::csv::Reader::from_reader(text.as_slice());
                for record in reader.records() {
                    prop_assert!(record.is_ok());
                }
            }
        }
    }

    #[test]
    fn a_whole_column_scrub_is_one_short_line_per_row() {
        let map = map();
        let sheet: Vec<_> = (1..=3)
            .flat_map(|row| (1..=5).map(move |col| (row, col, col as usize - 1, String::new())))
            .map(|(row, col, rule, _)| {
                (
                    row,
                    col,
                    rule,
                    if col == 3 {
                        format!("p{row}@example.invalid")
                    } else {
                        String::new()
                    },
                )
            })
            .collect();
        let text = String::from_utf8(write(ChangesFormat::Rows, &map, &[sheet])).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "sheet,row,record_id,columns,new_values");
        assert_eq!(lines[1], "\"Sheet 0, \"\"x\"\"\",,,B = Name,clear");
        assert_eq!(
            lines[2],
            "\"Sheet 0, \"\"x\"\"\",,,C = Title,\"replace: Gone, \"\"{id8}\"\"; {row} {{x}} {column}\""
        );
        assert_eq!(
            lines[3],
            "\"Sheet 0, \"\"x\"\"\",,,D = Mail,pseudonymize: new values listed per row"
        );
        assert_eq!(
            lines[4],
            "\"Sheet 0, \"\"x\"\"\",,,E = Phone,mask: new values not reported (they keep part of the original)"
        );
        assert_eq!(
            lines[5],
            "\"Sheet 0, \"\"x\"\"\",,,\"F = Note, \"\"n\"\"\",replace: Deleted"
        );
        assert_eq!(
            lines[6],
            "\"Sheet 0, \"\"x\"\"\",2,00000001-0000-0000-0000-000000000000,clear B; replace C F; pseudonymize D; mask E,D: p1@example.invalid"
        );
        assert_eq!(lines.len(), 9, "{text}");
        assert!(
            lines[6..].iter().all(|l| !l.contains("Gone")),
            "no rendered template on a row line: {text}"
        );
    }

    #[test]
    fn column_letters_as_excel_writes_them() {
        for col in [0, 3, 25, 26, 701, 702, 16383, u32::MAX] {
            let mut s = String::new();
            push_column_letters(&mut s, col);
            assert_eq!(s, column_letters(col));
        }
        assert_eq!(column_index("AA"), Some(26));
        assert_eq!(column_index("D"), Some(3));
        assert_eq!(column_index("d"), None);
    }
}
