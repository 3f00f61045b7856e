//! The coverage check: no column that looks personal is left alone by accident (DESIGN §0).
//!
//! After a map is resolved against a file, every column of the sheets it scrubs that
//! [`crate::inspect`]'s detector calls personal (its header in a language the dictionary knows,
//! or values that look like emails, phones, person names, addresses or user ids) must be named
//! by the map: scrubbed, or kept on purpose (`keep`). Lookups (another record's name) and
//! protected columns are not personal to the detector, so they need no entry. A formula column
//! whose cached values look personal is covered when every column its formulas read is one
//! the map scrubs: its cached values are cleaned with the changed cells and its formulas
//! recompute from the new ones.
//!
//! The detector looks at a sample, so a large file costs no more than a small one: a column's
//! first [`crate::inspect::VALUE_SAMPLE`] values. Those of the first rows come from the sheet's
//! head; a column that holds fewer values there (filled only further down, as a field added
//! lately is in an export sorted by creation) takes the rest from below ([`Tail`]), from the
//! sheet read whole or from the stream that reads it, and is judged on them too
//! ([`check_tail`]).

use crate::inspect::{self, dictionary, values, Kind, Options, Verdict, VALUE_SAMPLE};
use crate::map::Map;
use crate::plan::{FilePlan, SheetPlan};
use crate::workbook::{Format, Sheet, Visibility, Workbook};
use calamine::{Data, Range};
use serde::Serialize;

/// A column that looks personal and that the map neither scrubs nor keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Uncovered {
    /// The sheet's name, or its position (`#3`) when the name holds a value the scrub removes
    /// (see [`Uncovered::sheet_by_position`]).
    pub sheet: String,
    /// Whether [`Uncovered::sheet`] is the sheet's position (`#3`, from 1, hidden sheets
    /// counted) rather than its name: a sheet named after someone whose name the scrub removes
    /// (`Karim Al-Farsi`, or a subject's last name alone) is named by position only.
    #[serde(skip)]
    pub sheet_by_position: bool,
    /// The column letter (`N`).
    pub column: String,
    /// The header as in the file; empty when it holds an email address, a phone number or a
    /// value the scrub removes (personal data, which no message or report repeats).
    pub header: String,
    /// Why it looks personal, in words (never a value).
    pub why: String,
    /// When the column is on a sheet that the map leaves as it is, why it does: a map that
    /// names no `sheets` scrubs the visible sheets with a header row only ([`check`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet_left: Option<SheetLeft>,
}

impl Uncovered {
    /// `'Mobiltelefon' (column N, phone number)`; `column B (email address)` without a header.
    pub fn describe(&self) -> String {
        match self.header.trim() {
            "" => format!("column {} ({})", self.column, self.why),
            header => format!("'{header}' (column {}, {})", self.column, self.why),
        }
    }

    /// `sheet 'Disabled Users'`, or `sheet #3` when the name is not repeated.
    pub fn sheet_label(&self) -> String {
        if self.sheet_by_position {
            format!("sheet {}", self.sheet)
        } else {
            format!("sheet '{}'", self.sheet)
        }
    }
}

/// Why a map that names no `sheets` leaves a sheet as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SheetLeft {
    /// The sheet is hidden (or very hidden, and not Dynamics' metadata sheet).
    Hidden,
    /// Row 1 of the sheet is empty: no header row names its columns.
    NoHeaderRow,
}

impl SheetLeft {
    /// Why the sheet is left, for a message.
    pub fn reason(self) -> &'static str {
        match self {
            SheetLeft::Hidden => {
                "it is hidden, and a map that names no `sheets` scrubs the visible ones"
            }
            SheetLeft::NoHeaderRow => {
                "its row 1 is empty, so no header row names its columns for a map"
            }
        }
    }

    /// What to do, for a message.
    pub fn fix(self) -> &'static str {
        match self {
            SheetLeft::Hidden => "list it in the map's `sheets` with the sheets to scrub, or delete it from the workbook, or pass --allow-uncovered to keep it as it is",
            SheetLeft::NoHeaderRow => "put its column names in row 1 and list it in the map's `sheets` with the sheets to scrub, or delete it from the workbook, or pass --allow-uncovered to keep it as it is",
        }
    }
}

/// The columns of the planned sheets that look personal but that `plan` leaves alone. A sheet
/// of `book` longer than the sample is judged on its columns' first values (see [`Tail`]).
pub fn check(map: &Map, book: &Workbook, plan: &FilePlan) -> Vec<Uncovered> {
    let mut out = check_unhidden(map, book, plan);
    hide_removed(&mut out, map, book, plan);
    out
}

/// [`check`], its names as in the file.
fn check_unhidden(map: &Map, book: &Workbook, plan: &FilePlan) -> Vec<Uncovered> {
    let mut out = check_head(map, book, plan, &|_, _| true);
    out.extend(check_left_alone(map, book, plan));
    let tails: Vec<Tail> = plan
        .sheets
        .iter()
        .map(|sp| {
            let sheet = &book.sheets[sp.sheet];
            let mut tail = Tail::new(sp, sheet.width());
            for row in 1..sheet.height() {
                if row > VALUE_SAMPLE as u32 && tail.is_full() {
                    break;
                }
                tail.row(row, |c| sheet.cell(row, c));
            }
            tail
        })
        .collect();
    for late in check_tail_unhidden(map, book, plan, &tails) {
        if !out.contains(&late) {
            out.push(late);
        }
    }
    out
}

/// The values of a planned sheet's columns below the rows the check samples, for the columns
/// the map does not name: a column's first [`VALUE_SAMPLE`] values in all, counting those of
/// the sampled rows. Whoever reads the sheet whole feeds it each data row ([`Tail::row`]); a
/// column whose sampled rows hold enough values takes none, and once every column has enough,
/// a row costs nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tail {
    /// Per column watched: its index, how many values it has (in the sampled rows and then
    /// below), and the values taken from below.
    columns: Vec<(u32, usize, Vec<Data>)>,
    /// The record id column, when the plan has one, and the first data row where it holds
    /// something else than a record GUID ([`Tail::stray_record_id`]).
    record_id: Option<(u32, Option<u32>)>,
}

impl Tail {
    /// For the columns of a sheet `width` wide that `sp` (its plan) leaves to the check: those
    /// no rule names, neither to scrub nor to keep, nor a row rule reads.
    pub fn new(sp: &SheetPlan, width: u32) -> Tail {
        let columns = (0..width)
            .filter(|&c| {
                !sp.targets.iter().any(|t| t.col == c)
                    && !sp.row_rules.iter().any(|(rc, _)| *rc == c)
            })
            .map(|c| (c, 0, Vec::new()))
            .collect();
        Tail {
            columns,
            record_id: sp.record_id.map(|c| (c, None)),
        }
    }

    /// Data row `row` (the header is row 0), its cells given by `cell`: counted when it is one
    /// of the sampled rows, its values taken when it is below them.
    pub fn row<'c>(&mut self, row: u32, cell: impl Fn(u32) -> &'c Data) {
        if let Some((col, first @ None)) = &mut self.record_id {
            if !is_record_id(cell(*col)) {
                *first = Some(row);
            }
        }
        let below = row > VALUE_SAMPLE as u32;
        for (col, count, values) in &mut self.columns {
            if below && *count >= VALUE_SAMPLE {
                continue;
            }
            let value = cell(*col);
            if !is_blank(value) {
                *count += 1;
                if below {
                    values.push(value.clone());
                }
            }
        }
    }

    /// The first data row (and the column) whose record id is not a record GUID, when the
    /// sheet has a record id column: see [`is_record_id`].
    pub fn stray_record_id(&self) -> Option<(u32, u32)> {
        self.record_id
            .and_then(|(col, first)| first.map(|row| (row, col)))
    }

    /// Whether every column has its sample: the rows further down change nothing.
    pub fn is_full(&self) -> bool {
        self.columns
            .iter()
            .all(|(_, count, _)| *count >= VALUE_SAMPLE)
    }

    /// Whether no value was taken from below.
    fn is_empty(&self) -> bool {
        self.columns.iter().all(|(_, _, values)| values.is_empty())
    }
}

/// Whether a record id cell holds a record GUID, or nothing (a new record of a template). Any
/// other value means the row cannot update its record, and in a CSV that its fields shifted to
/// the left: a line break outside quotes cut the record before it in two, and this row is the
/// cut-off end of it, its values (a phone number in a description, say) in the wrong columns,
/// the record id column among them, which no action changes.
pub fn is_record_id(value: &Data) -> bool {
    is_blank(value) || matches!(value, Data::String(s) if crate::dynamics::looks_like_guid(s))
}

/// A cell the detector skips.
fn is_blank(value: &Data) -> bool {
    match value {
        Data::Empty => true,
        Data::String(s) => s.is_empty(),
        _ => false,
    }
}

/// The columns that look personal on their first values once those from below the sampled
/// rows (`tails`, one per entry of `plan.sheets`) are added: only the columns that took some
/// are judged again. `book` holds at least the sampled rows of the planned sheets (the heads a
/// streamed scrub reads first are enough).
pub fn check_tail(map: &Map, book: &Workbook, plan: &FilePlan, tails: &[Tail]) -> Vec<Uncovered> {
    let mut out = check_tail_unhidden(map, book, plan, tails);
    hide_removed(&mut out, map, book, plan);
    out
}

/// [`check_tail`], its names as in the file.
fn check_tail_unhidden(
    map: &Map,
    book: &Workbook,
    plan: &FilePlan,
    tails: &[Tail],
) -> Vec<Uncovered> {
    if tails.iter().all(Tail::is_empty) {
        return Vec::new();
    }
    // A workbook of the planned sheets' samples: the header row, then each column's values
    // one after the other, those of the sampled rows first.
    let mut samples: Vec<Option<Range<Data>>> = vec![None; book.sheets.len()];
    // The columns judged again: (sheet, column).
    let mut judged: Vec<(usize, u32)> = Vec::new();
    for (sp, tail) in plan.sheets.iter().zip(tails) {
        if tail.is_empty() {
            continue;
        }
        let sheet = &book.sheets[sp.sheet];
        let width = sheet.width().max(1);
        let mut columns: Vec<(u32, Vec<Data>)> = Vec::new();
        let end = sheet.height().min(VALUE_SAMPLE as u32 + 1);
        for (col, _, below) in tail.columns.iter().filter(|(_, _, v)| !v.is_empty()) {
            let mut values: Vec<Data> = (1..end)
                .map(|r| sheet.cell(r, *col))
                .filter(|v| !is_blank(v))
                .cloned()
                .collect();
            values.extend(below.iter().cloned());
            values.truncate(VALUE_SAMPLE);
            judged.push((sp.sheet, *col));
            columns.push((*col, values));
        }
        let height = columns.iter().map(|(_, v)| v.len()).max().unwrap_or(0) as u32;
        let mut cells: Range<Data> = Range::new((0, 0), (height, width - 1));
        for c in 0..width {
            cells.set_value((0, c), sheet.cell(0, c).clone());
        }
        for (col, values) in columns {
            for (i, value) in values.into_iter().enumerate() {
                cells.set_value((i as u32 + 1, col), value);
            }
        }
        samples[sp.sheet] = Some(cells);
    }
    let sample = sample_book(book, |i, _| samples[i].take());
    check_head(map, &sample, plan, &|s, c| judged.contains(&(s, c)))
}

/// The columns that look personal on the sheets that a map naming no `sheets` leaves as they
/// are (it scrubs the visible sheets with a header row): a hidden sheet (a hand-edited copy may
/// keep an old list of users there, which no one sees and the import ignores, but which the
/// output would still carry), and a sheet whose row 1 is empty (a block of addresses pasted
/// lower down), whose columns are judged on their values alone. Dynamics' metadata sheet is
/// not one of them. Such a sheet is judged on the literal values of its first rows: formula
/// cells and array results are computed from other cells, which are judged themselves (or
/// scrubbed, and then the leak sweep cleans the cached copies). A map with a `sheets` list
/// chose its sheets, and the others are left on purpose.
fn check_left_alone(map: &Map, book: &Workbook, plan: &FilePlan) -> Vec<Uncovered> {
    if map.sheets.is_some() {
        return Vec::new();
    }
    let mut left: Vec<(SheetPlan, SheetLeft)> = Vec::new();
    let mut samples: Vec<Option<Range<Data>>> = vec![None; book.sheets.len()];
    for (i, s) in book.sheets.iter().enumerate() {
        if plan.sheet(i).is_some() || s.holds_metadata() || s.cells.is_empty() {
            continue;
        }
        let (headers, why) = match s.headers() {
            Some(headers) if s.visibility != Visibility::Visible => (headers, SheetLeft::Hidden),
            Some(_) => continue,
            None => (
                vec![String::new(); s.width() as usize],
                SheetLeft::NoHeaderRow,
            ),
        };
        samples[i] = Some(literal_rows(s, why == SheetLeft::NoHeaderRow));
        let sp = SheetPlan {
            sheet: i,
            headers,
            targets: Vec::new(),
            record_id: None,
            row_rules: Vec::new(),
            row_joins: Vec::new(),
        };
        left.push((sp, why));
    }
    if left.is_empty() {
        return Vec::new();
    }
    let sample = sample_book(book, |i, _| samples[i].take());
    // A column with no literal value holds nothing to leave behind, whatever its header says.
    let filled = |s: usize, col: u32| {
        let sheet = &sample.sheets[s];
        (1..sheet.height()).any(|row| !is_blank(sheet.cell(row, col)))
    };
    left.into_iter()
        .flat_map(|(sp, why)| {
            let plan = FilePlan {
                sheets: vec![sp],
                matched: Vec::new(),
            };
            check_head(map, &sample, &plan, &filled)
                .into_iter()
                .map(move |u| Uncovered {
                    sheet_left: Some(why),
                    ..u
                })
        })
        .collect()
}

/// A workbook of `book`'s sheets (names, visibility, layout) holding what `cells` gives each
/// (by index), without formulas: the samples the detector judges. A sheet `cells` gives
/// nothing is empty, but for the metadata sheet, which names the columns and is kept whole.
fn sample_book(
    book: &Workbook,
    mut cells: impl FnMut(usize, &Sheet) -> Option<Range<Data>>,
) -> Workbook {
    let sheets = book
        .sheets
        .iter()
        .enumerate()
        .map(|(i, s)| Sheet {
            name: s.name.clone(),
            visibility: s.visibility,
            cells: cells(i, s).unwrap_or_else(|| {
                if s.holds_metadata() {
                    s.cells.clone()
                } else {
                    Range::empty()
                }
            }),
            formulas: None,
            layout: s.layout.clone(),
            record_lengths: None,
        })
        .collect();
    Workbook {
        sheets,
        format: book.format.clone(),
        created: None,
    }
}

/// The first rows of `sheet` (from its first used row: the header row, or with `no_header`
/// the first of the values, put below an empty header row), without the cells a formula
/// computes: as many rows as the check samples.
fn literal_rows(sheet: &Sheet, no_header: bool) -> Range<Data> {
    let (Some(start), Some(end)) = (sheet.cells.start(), sheet.cells.end()) else {
        return Range::empty();
    };
    let shift = u32::from(no_header);
    let last = end.0.min(start.0 + VALUE_SAMPLE as u32 - shift);
    let mut cells: Range<Data> = Range::new((0, 0), (last - start.0 + shift, end.1));
    for row in start.0..=last {
        for col in start.1..=end.1 {
            let computed =
                sheet.formula(row, col).is_some() || sheet.layout.in_array_result(row, col);
            if !computed {
                cells.set_value((row - start.0 + shift, col), sheet.cell(row, col).clone());
            }
        }
    }
    cells
}

/// [`check`] on the sampled rows of `book` only, of the columns `judged` picks (by sheet index
/// and column).
fn check_head(
    map: &Map,
    book: &Workbook,
    plan: &FilePlan,
    judged: &(dyn Fn(usize, u32) -> bool + Sync),
) -> Vec<Uncovered> {
    let metadata = book.metadata();
    let csv = matches!(book.format, Format::Csv(_));
    let options = Options::default();
    let mut out = Vec::new();
    for sp in &plan.sheets {
        let sheet = &book.sheets[sp.sheet];
        let headers = &sp.headers;
        let ctx = inspect::Ctx {
            csv,
            metadata: metadata.as_ref(),
            options: &options,
            rows: inspect::VALUE_SAMPLE as u32 + 1,
        };
        let named = |col: u32| sp.targets.iter().find(|t| t.col == col);
        let scrubbed =
            |col: u32| named(col).is_some_and(|t| map.rules[t.rule].action.name() != "keep");
        let row_rule_column = |col: u32| sp.row_rules.iter().any(|(c, _)| *c == col);
        // The map's own columns need no verdict: only the others are inspected, those the
        // caller judges.
        let unnamed =
            |col: u32| named(col).is_none() && !row_rule_column(col) && judged(sp.sheet, col);
        for column in
            inspect::inspect_columns_where(sheet, headers, &sheet.layout.field_rules, &ctx, unnamed)
        {
            let col = column.index;
            let why = match column.verdict {
                // Free text is personal by its header alone only when its values say so too:
                // a "Notes" column of a hand-added sheet is not a person's data by its name.
                Verdict::Personal
                    if column.kind == Some(Kind::FreeText) && column.looks_like.is_none() =>
                {
                    None
                }
                Verdict::Personal => Some(
                    column
                        .kind
                        .map_or("personal data", Kind::describe)
                        .to_string(),
                ),
                Verdict::NotPersonal if column.types.formula > 0 => {
                    formula_problem(sheet, col, headers, &column.header, &scrubbed)
                }
                _ => None,
            };
            if let Some(why) = why {
                out.push(Uncovered {
                    sheet: sheet.name.clone(),
                    sheet_by_position: false,
                    column: column.letter.clone(),
                    header: if holds_contact(&column.header) {
                        // A header naming someone by address or number ("Approved by
                        // jane@contoso.com") is personal data: the column goes by its letter.
                        String::new()
                    } else {
                        column.header.clone()
                    },
                    why,
                    sheet_left: None,
                });
            }
        }
    }
    out
}

/// Why a formula column counts as uncovered: its cached values look personal and one of the
/// columns its formulas read is not scrubbed (or is not on this sheet); `None` otherwise.
fn formula_problem(
    sheet: &Sheet,
    col: u32,
    headers: &[String],
    header: &str,
    scrubbed: &dyn Fn(u32) -> bool,
) -> Option<String> {
    let limit = sheet.height().min(inspect::VALUE_SAMPLE as u32 + 1);
    let texts: Vec<&str> = (1..limit)
        .filter_map(|row| match sheet.cell(row, col) {
            Data::String(s) if !s.is_empty() => Some(s.as_str()),
            _ => None,
        })
        .collect();
    let kind = dictionary::header_kind(header)
        .map(|m| m.kind)
        .filter(|k| *k != Kind::FreeText)
        .or_else(|| values::guess(&texts).map(|g| Kind::of_values(g.kind)))?;
    let mut reads = Vec::new();
    for row in 1..limit.min(1 + crate::dynamics::SHAPE_ROWS) {
        if let Some(formula) = sheet.formula(row, col) {
            match columns_read(formula) {
                Some(cols) => reads.extend(cols),
                None => {
                    return Some(format!(
                        "{}, computed by formulas that read other sheets or names",
                        kind.describe()
                    ))
                }
            }
        }
    }
    reads.sort_unstable();
    reads.dedup();
    let unscrubbed: Vec<String> = reads
        .iter()
        .filter(|&&c| !scrubbed(c))
        .map(|&c| match headers.get(c as usize) {
            Some(h) if !h.trim().is_empty() => format!("'{}'", h.trim()),
            _ => format!("column {}", crate::a1::column_letters(c)),
        })
        .collect();
    (!unscrubbed.is_empty()).then(|| {
        format!(
            "{}, computed from {} which the map does not scrub",
            kind.describe(),
            unscrubbed.join(", ")
        )
    })
}

/// The columns (zero-based) a formula reads by A1 references on its own sheet; `None` when it
/// reads another sheet, a defined name or a structured reference, which cannot be followed
/// here.
fn columns_read(formula: &str) -> Option<Vec<u32>> {
    let f = formula.trim_start_matches('=');
    if f.contains('!') || f.contains('[') {
        return None;
    }
    let mut cols = Vec::new();
    let mut chars = f.char_indices().peekable();
    let mut in_string = false;
    let mut after_colon = false;
    while let Some((i, c)) = chars.next() {
        if c == '"' {
            in_string = !in_string;
            continue;
        }
        if in_string || !(c.is_ascii_alphabetic() || c == '$') {
            after_colon = c == ':';
            continue;
        }
        // A word: a reference (`$E$2`, `E2`, `E:E`), a function name (`CONCAT(`) or a name.
        let start = i;
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = chars.peek() {
            if d.is_ascii_alphanumeric() || d == '$' || d == '_' || d == '.' {
                end = j + d.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        let word = &f[start..end];
        if chars.peek().is_some_and(|&(_, d)| d == '(') {
            continue; // a function
        }
        let bare = word.replace('$', "");
        let letters: String = bare.chars().take_while(char::is_ascii_alphabetic).collect();
        let digits = &bare[letters.len()..];
        // Past `XFD` a word is a name, as in a spreadsheet program.
        let col = crate::a1::parse_column(letters.as_bytes())
            .filter(|_| digits.is_empty() || digits.chars().all(|d| d.is_ascii_digit()));
        let whole_column = after_colon || matches!(chars.peek(), Some((_, ':')));
        after_colon = false;
        let Some(col) = col.filter(|_| !digits.is_empty() || whole_column) else {
            if matches!(letters.to_ascii_uppercase().as_str(), "TRUE" | "FALSE") {
                continue;
            }
            return None; // a defined name
        };
        cols.push(col);
    }
    cols.sort_unstable();
    cols.dedup();
    Some(cols)
}

/// The names in `found` (sheets, headers) that hold a value the scrub of `book` removes, not
/// repeated: such a sheet goes by its position (`#3`), such a column by its letter. A value the
/// scrub removes is, with data subjects, a word of a subject's name ([`Subjects::named_in`]:
/// the rows of others stay); without, a value of a column the map scrubs in the rows of `book`
/// (the whole input, or a streamed scrub's heads), as consecutive words of the name
/// (`Karim Al-Farsi phone`).
///
/// [`Subjects::named_in`]: crate::subjects::Subjects::named_in
fn hide_removed(found: &mut [Uncovered], map: &Map, book: &Workbook, plan: &FilePlan) {
    if found.is_empty() {
        return;
    }
    // Each name once, with whether it holds a removed value.
    let mut names: Vec<(String, bool)> = Vec::new();
    for u in found.iter() {
        for name in [&u.sheet, &u.header] {
            if !u.sheet_by_position
                && !name.trim().is_empty()
                && !names.iter().any(|(n, _)| n == name)
            {
                names.push((name.clone(), false));
            }
        }
    }
    if map.subjects.is_empty() {
        let held: Vec<Vec<String>> = names.iter().map(|(n, _)| name_words(n)).collect();
        for sp in &plan.sheets {
            let sheet = &book.sheets[sp.sheet];
            let scrubbed = sp
                .targets
                .iter()
                .filter(|t| map.rules[t.rule].action.name() != "keep");
            for t in scrubbed {
                for row in 1..sheet.height() {
                    let Data::String(value) = sheet.cell(row, t.col) else {
                        continue;
                    };
                    let value = name_words(value);
                    if value.iter().map(|w| w.chars().count()).sum::<usize>() < 2 {
                        continue;
                    }
                    for ((_, hit), held) in names.iter_mut().zip(&held) {
                        *hit = *hit || held.windows(value.len()).any(|w| w == value.as_slice());
                    }
                }
            }
        }
    } else {
        for (name, hit) in &mut names {
            *hit = map.subjects.named_in(name);
        }
    }
    let holds = |name: &str| names.iter().any(|(n, hit)| *hit && n == name);
    for u in found.iter_mut() {
        if holds(&u.header) {
            u.header.clear();
        }
        if !u.sheet_by_position && holds(&u.sheet) {
            if let Some(i) = book.sheets.iter().position(|s| s.name == u.sheet) {
                u.sheet = format!("#{}", i + 1);
                u.sheet_by_position = true;
            }
        }
    }
}

/// The words of a name or value as they are compared: normalized (case, width, marks), split
/// at spaces, the punctuation around each word dropped.
fn name_words(text: &str) -> Vec<String> {
    crate::subjects::normalize(text)
        .split(' ')
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Whether a header holds an email address or a phone number ("Approved by
/// jane@contoso.com", "Mobile +49 170 1234567"): personal data, which no message repeats.
fn holds_contact(header: &str) -> bool {
    let email = header
        .split_whitespace()
        .any(|w| crate::inspect::values::is_email(w.trim_matches(|c: char| !c.is_alphanumeric())));
    email || header.chars().filter(char::is_ascii_digit).count() >= 7
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::{self, localized, Options as Gen};

    fn map(toml: &str) -> Map {
        Map::parse(toml, "m.toml", None).unwrap()
    }

    fn profile() -> Map {
        map(crate::profiles::find("systemuser").unwrap().toml)
    }

    fn uncovered(map: &Map, book: &Workbook) -> Vec<String> {
        let plan = crate::plan::resolve(map, book).unwrap();
        check(map, book, &plan)
            .into_iter()
            .map(|u| u.header.trim().to_string())
            .collect()
    }

    /// A header holding a value the map removes (a user's full name) goes by its letter; one
    /// holding none is repeated; with data subjects, a word of a subject's name is enough.
    #[test]
    fn a_header_holding_a_removed_value_is_not_repeated() {
        let text = "Full Name,Mira Okafor phone,Phone,Lund home\nMira Okafor,+44 20 7946 0123,+44 20 7946 0124,+44 20 7946 0125\nJo Lund,+44 20 7946 0126,+44 20 7946 0127,+44 20 7946 0128\n";
        let book = crate::csv::read(text.as_bytes(), "s").unwrap();
        let headers = |map: &Map| -> Vec<String> {
            let plan = crate::plan::resolve(map, &book).unwrap();
            check(map, &book, &plan)
                .into_iter()
                .map(|u| u.describe())
                .collect()
        };
        let all = map("version = 1\n[columns]\n\"Full Name\" = \"clear\"\n");
        assert_eq!(
            headers(&all),
            [
                "column B (phone number)",
                "'Phone' (column C, phone number)",
                "'Lund home' (column D, phone number)",
            ]
        );
        // With a subject, the others' names stay and are no removed value; the subject's last
        // name alone is one.
        let mut subject = all.clone();
        subject.subjects = crate::subjects::Subjects::from_values(&["Jo Lund".into()]).into();
        assert_eq!(
            headers(&subject),
            [
                "'Mira Okafor phone' (column B, phone number)",
                "'Phone' (column C, phone number)",
                "column D (phone number)",
            ]
        );
        assert_eq!(name_words(" Karim  (Al-Farsi)"), ["karim", "al-farsi"]);
    }

    /// A header holding an email address is personal data: the column is named by its letter.
    #[test]
    fn a_header_holding_an_address_is_not_repeated() {
        let text =
            "Title,Approved by jane.doe@contoso.com\nt1,anna@contoso.com\nt2,lars@contoso.com\n";
        let book = crate::csv::read(text.as_bytes(), "s").unwrap();
        let map = map("version = 1\n[columns]\nTitle = \"clear\"\n");
        let plan = crate::plan::resolve(&map, &book).unwrap();
        let found = check(&map, &book, &plan);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].header, "");
        assert!(
            found[0].describe().starts_with("column B ("),
            "{}",
            found[0].describe()
        );
        assert!(!serde_json::to_string(&found).unwrap().contains("jane"));
        assert!(holds_contact("Mobile +49 170 1234567"));
        assert!(!holds_contact("Primary Email") && !holds_contact("Created On (2024)"));
    }

    /// A column's sample is its first values wherever they are: a dense column takes nothing
    /// from below the sampled rows, a sparse one takes what it lacks there, and no more.
    #[test]
    fn a_tail_takes_what_the_sampled_rows_lack() {
        let n = VALUE_SAMPLE as u32;
        let mut rows = vec![vec!["Title".to_string(), "Misc".to_string()]];
        for r in 1..=n + 50 {
            let misc = if r > n {
                format!("p{r}@mail.example")
            } else {
                String::new()
            };
            rows.push(vec![format!("t{r}"), misc]);
        }
        let text: String = rows.iter().map(|r| r.join(",") + "\n").collect();
        let book = crate::csv::read(text.as_bytes(), "s").unwrap();
        let map = map("version = 1\n[columns]\nTitle = \"clear\"\n");
        let plan = crate::plan::resolve(&map, &book).unwrap();
        let sheet = &book.sheets[0];
        let mut tail = Tail::new(&plan.sheets[0], sheet.width());
        for row in 1..sheet.height() {
            tail.row(row, |c| sheet.cell(row, c));
        }
        let taken: Vec<(u32, usize, usize)> = tail
            .columns
            .iter()
            .map(|(c, count, below)| (*c, *count, below.len()))
            .collect();
        // Title is the map's; Misc has no value in the sampled rows and takes the 50 below.
        assert_eq!(taken, [(1, 50, 50)]);
        assert!(!tail.is_full() && !tail.is_empty());
        // The sheet read whole gives the same: Misc is judged on its 50 emails.
        assert_eq!(uncovered(&map, &book), ["Misc"]);
        let head = crate::csv::read_head(text.as_bytes(), "s", n).unwrap();
        assert!(
            uncovered(&map, &head).is_empty(),
            "the head alone shows none"
        );
        assert_eq!(check_tail(&map, &head, &plan, &[tail]).len(), 1);
    }

    #[test]
    fn formula_references() {
        assert_eq!(columns_read("=E2&\" \"&G2"), Some(vec![4, 6]));
        assert_eq!(columns_read("=CONCAT($A$1, b3)"), Some(vec![0, 1]));
        assert_eq!(columns_read("=UPPER(\"A1\")"), Some(vec![]));
        assert_eq!(columns_read("=SUM(C:C)"), Some(vec![2]));
        assert_eq!(columns_read("=Other!A1"), None);
        assert_eq!(columns_read("=Table1[@Name]"), None);
        assert_eq!(columns_read("=FullName"), None);
        assert_eq!(columns_read("=IF(TRUE,A2,B2)"), Some(vec![0, 1]));
    }

    #[test]
    fn the_default_profile_covers_generated_exports_in_every_form() {
        let options = Gen {
            rows: 60,
            formula_column: true,
            extra_sheet: true,
            ..Gen::default()
        };
        let english = testdata::disabled_users(&options);
        let xlsx = crate::xlsx::read(&english.to_xlsx()).unwrap();
        assert_eq!(uncovered(&profile(), &xlsx), Vec::<String>::new());
        // In a CSV the formula column is plain text: a column of full names the map must name.
        let csv = crate::csv::read(&english.to_csv(), "users").unwrap();
        assert_eq!(uncovered(&profile(), &csv), ["Display"]);
        let plain = Gen {
            formula_column: false,
            ..options
        };
        let csv = crate::csv::read(&testdata::disabled_users(&plain).to_csv(), "u").unwrap();
        assert_eq!(uncovered(&profile(), &csv), Vec::<String>::new());
        for language in [localized::Language::German, localized::Language::French] {
            let export = localized::disabled_users(language, &options);
            let xlsx = crate::xlsx::read(&export.to_xlsx()).unwrap();
            assert_eq!(
                uncovered(&profile(), &xlsx),
                Vec::<String>::new(),
                "{language:?}"
            );
            let export = localized::disabled_users(language, &plain);
            let csv = crate::csv::read(&localized::to_csv(&export, language), "u").unwrap();
            assert_eq!(
                uncovered(&profile(), &csv),
                Vec::<String>::new(),
                "{language:?}"
            );
        }
    }

    #[test]
    fn a_partial_map_names_what_it_misses() {
        let export = testdata::disabled_users(&Gen {
            rows: 60,
            ..Gen::default()
        });
        let book = crate::csv::read(&export.to_csv(), "users").unwrap();
        let m =
            map("version = 1\n[columns]\n\"First Name\" = \"clear\"\n\"Last Name\" = \"keep\"\n");
        let missing = uncovered(&m, &book);
        assert!(missing.contains(&"Mobile Phone".to_string()), "{missing:?}");
        assert!(
            missing.contains(&"Primary Email".to_string()),
            "{missing:?}"
        );
        assert!(
            !missing.contains(&"Last Name".to_string()),
            "kept on purpose"
        );
        assert!(!missing.contains(&"First Name".to_string()));
        for not_personal in [
            "Business Unit",
            "Manager",
            "Access Mode",
            "Status",
            "License Type",
            "Created On",
        ] {
            assert!(
                !missing.contains(&not_personal.to_string()),
                "{not_personal}"
            );
        }
    }

    #[test]
    fn a_formula_column_is_covered_when_it_reads_only_scrubbed_columns() {
        let export = testdata::disabled_users(&Gen {
            rows: 40,
            formula_column: true,
            ..Gen::default()
        });
        let book = crate::xlsx::read(&export.to_xlsx()).unwrap();
        assert!(!uncovered(&profile(), &book).contains(&"Display".to_string()));
        // The same profile keeping Last Name: Display now repeats a kept value.
        let keeps = crate::profiles::find("systemuser")
            .unwrap()
            .toml
            .replace(
                "lastname             = { action = \"replace\", value = \"User {id8}\", required = true,",
                "lastname             = { action = \"keep\",",
            );
        let got = uncovered(&map(&keeps), &book);
        assert_eq!(got, ["Display"]);
        let plan = crate::plan::resolve(&map(&keeps), &book).unwrap();
        let why = &check(&map(&keeps), &book, &plan)[0].why;
        assert!(why.contains("'Last Name'"), "{why}");
    }
}
