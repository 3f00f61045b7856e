//! The leak sweep `scrub` runs before it commits an output: no value the scrub removed may be
//! left anywhere in the file, outside the places the map allows (DESIGN §0, §4b).
//!
//! It reuses what the scrub holds instead of reading its output again. The writers only ever
//! remove text or write the map's new values, so a removed value can be in the output only where
//! it was in the input, or in a new value. That leaves little to search:
//!
//! - cells, from the workbook in memory: kept cells are the input's and changed cells hold exactly
//!   what the map wrote, both allowed (but see kept columns below); formulas are kept, and so are
//!   their cached values that are not text (the writers drop text ones once anything changed):
//!   both are searched;
//! - everything outside the cells, from the input: each worksheet's markup (links, headers and
//!   footers, validations: read with the cells, see [`crate::workbook::Layout::markup`]) and every
//!   other part but the shared strings (whose items are kept cells' and new values). Only a part
//!   where the input holds a removed value is then looked up in the output: the writer may have
//!   cleaned or dropped it;
//! - kept cells of every sheet, by their distinct values per column: a value that identifies a
//!   person on its own (an email, a phone number, an identifier with digits, a name of two or more
//!   words) fails the file unless the map scrubs that column or allows it (`allow_residual`);
//!   a single word is counted in the report, since it is often ordinary data too (a first name
//!   that is also a city).
//!
//! The values are many (millions in a large export) and this text is little, so the text is
//! indexed and the values looked up in it ([`Haystack`]), never the other way round.

use super::{Finding, LeakIn, Originals, Rule};
use crate::apply::SheetChanges;
use crate::csv::Gathered;
use crate::error::{Problem, ReadError, VerifyError};
use crate::map::Map;
use crate::needles::{
    identifies, inside_run, kept_columns, kept_text_in, names_people, number_text,
    only_in_compounds, Haystack, Needles,
};
use crate::plan::FilePlan;
use crate::workbook::{Format, Sheet, Workbook};
use crate::xlsx::clean::xml as clean;
use calamine::Data;
use quick_xml::events::Event;
use quick_xml::{Reader, XmlVersion};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Cursor, Read};

/// Kept cells of one column that hold values the scrub removed elsewhere, counted for the
/// report. Never holds a value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Residual {
    /// The sheet.
    pub sheet: String,
    /// The column's header.
    pub column: String,
    /// How many kept cells.
    pub cells: u64,
    /// `allowed`: values that identify a person, in a column the map allows by
    /// `allow_residual`; `word`: single words, which are often ordinary data too.
    pub kind: &'static str,
}

/// Texts of a part, each with the cell of the comment it is in and whether it is a font's name
/// (searched only for the values no font is named by, see
/// [`crate::needles::Needles::found_in_font_name`]).
type Texts = Vec<(String, Option<(u32, u32)>, bool)>;

/// Add a text of [`Texts`] to `hay`, as typed text (a comment's) or as markup, or as a font's
/// name.
fn push_text(hay: &mut Haystack, text: &str, typed: bool, font: bool) -> u32 {
    if font {
        hay.push_font_name(text)
    } else {
        hay.push(text, typed)
    }
}

/// Where a text searched by the sweep comes from.
#[derive(Debug, Clone, Copy)]
enum Place {
    /// Text of an input part other than a worksheet; `sheet` when it holds a sheet's comments.
    Part { part: usize, sheet: Option<usize> },
    /// A worksheet's markup outside its cells.
    Markup { sheet: usize },
    /// A formula's text.
    Formula { sheet: usize, row: u32, col: u32 },
    /// A formula's cached value that the writers keep.
    Cached { sheet: usize, row: u32, col: u32 },
    /// Distinct value of a kept column, held by `cells` cells.
    Kept { sheet: usize, col: u32, cells: u64 },
    /// A cell of a sheet's header row (which the map never changes; a sheet pasted without its
    /// header row has a record there): one holding a value that identifies a person fails the
    /// file.
    Header { sheet: usize, col: u32 },
    /// The name of an entry of the package: the lossless writer refuses to copy one that holds
    /// a removed value (see [`crate::error::WriteError::EntryName`]), and looks only for the
    /// values this text may hold.
    EntryName,
}

/// Sweep an output. `input` is the input's bytes (`None` for CSV); `output` reads the output's
/// bytes (each part's, when it is split), and is called only when a part of the input holds a
/// removed value. On success, the residuals to report.
///
/// # Errors
/// [`VerifyError::Unerased`] naming the first place a removed value is still in (and how many
/// more), [`VerifyError::Residual`] for a kept column holding one; a package that cannot be read.
pub fn sweep(
    map: &Map,
    book: &Workbook,
    plan: &FilePlan,
    changes: &[SheetChanges],
    input: Option<&[u8]>,
    output: &dyn Fn() -> Result<Vec<Vec<u8>>, Problem>,
) -> Result<Vec<Residual>, Problem> {
    sweep_with(
        map,
        book,
        plan,
        changes,
        Originals::Book(book),
        input,
        output,
    )
}

fn sweep_with(
    map: &Map,
    book: &Workbook,
    plan: &FilePlan,
    changes: &[SheetChanges],
    originals: Originals<'_>,
    input: Option<&[u8]>,
    output: &dyn Fn() -> Result<Vec<Vec<u8>>, Problem>,
) -> Result<Vec<Residual>, Problem> {
    search(map, book, plan, changes, originals, input)?.finish(map, book, plan, output)
}

/// The sweep's search up to reading the output (see [`Search::finish`]): the text it searches
/// (the input's package and formulas, the kept columns' values), indexed, and the removed values
/// that text may hold.
///
/// The scrub's cleaners look for the same values ([`Search::needles`]): they clean the parts the
/// sweep then checks, and a removed value the text cannot hold (nearly all of the millions of a
/// large export) is neither indexed nor looked for.
#[derive(Default)]
pub(crate) struct Search<'a> {
    hay: Haystack,
    places: Vec<Place>,
    part_names: Vec<String>,
    values: Vec<Cow<'a, str>>,
    origins: Vec<Origin>,
    /// Forms of the values that only the cleaners look for (see [`sweep_values`]).
    cleaned: Vec<String>,
    /// The header cells (sheet, column) that are a text removed from their own column: the
    /// sheet's first record, taken for its header row (see [`sweep_values`]).
    headed: Vec<(usize, u32)>,
}

/// [`Search`] of a scrub that streamed its input: `book` holds the sheets' heads (names,
/// headers, layout), `olds` what the stream kept of the cells (see
/// [`crate::xlsx::stream::Olds`]). It holds copies of the few values it keeps, so that `olds`
/// (tens of MB in a large export) can go before the output is written.
///
/// # Errors
/// A package that cannot be read.
pub(crate) fn search_streamed(
    map: &Map,
    book: &Workbook,
    plan: &FilePlan,
    changes: &[SheetChanges],
    olds: &crate::xlsx::stream::Olds,
    input: Option<&[u8]>,
) -> Result<Search<'static>, Problem> {
    let search = search(map, book, plan, changes, Originals::Kept(olds), input)?;
    Ok(Search {
        values: (search.values.into_iter())
            .map(|v| Cow::Owned(v.into_owned()))
            .collect(),
        hay: search.hay,
        places: search.places,
        part_names: search.part_names,
        origins: search.origins,
        cleaned: search.cleaned,
        headed: search.headed,
    })
}

fn search<'a>(
    map: &Map,
    book: &Workbook,
    plan: &FilePlan,
    changes: &[SheetChanges],
    originals: Originals<'a>,
    input: Option<&[u8]>,
) -> Result<Search<'a>, Problem> {
    if changes
        .iter()
        .all(|c| c.cells.is_empty() && c.deleted.is_empty())
    {
        return Ok(Search::default());
    }
    let targets = super::target_columns(map, book, plan);
    let mut hay = Haystack::default();
    let mut places: Vec<Place> = Vec::new();
    let mut part_names: Vec<String> = Vec::new();
    if let (Some(bytes), Format::Xlsx) = (input, &book.format) {
        add_package(bytes, book, &mut hay, &mut places, &mut part_names)?;
    }
    add_formulas(book, changes, &mut hay, &mut places);
    add_headers(book, &mut hay, &mut places);
    match originals {
        Originals::Book(book) => add_kept(book, changes, &targets, &mut hay, &mut places),
        Originals::Kept(olds) => {
            for (sheet, col, values) in &olds.kept {
                for (text, &cells) in values {
                    places.push(Place::Kept {
                        sheet: *sheet,
                        col: *col,
                        cells,
                    });
                    hay.push(text, true);
                }
            }
        }
    }
    // One search for both: the package and formulas, and the kept columns' values; of the
    // removed values (millions in a large export) only those whose first word occurs in this
    // text are kept to search.
    let Swept {
        values,
        origins,
        cleaned,
        headed,
    } = sweep_values(map, book, plan, changes, originals, None, &hay);
    Ok(Search {
        hay,
        places,
        part_names,
        values,
        origins,
        cleaned,
        headed,
    })
}

impl<'a> Search<'a> {
    /// The values the cleaners look for in the package: those the searched text may hold, and
    /// their other forms (see [`sweep_values`]).
    pub(crate) fn needles(&self) -> Needles {
        let values: Vec<&str> = (self.values.iter().map(AsRef::as_ref))
            .chain(self.cleaned.iter().map(String::as_str))
            .collect();
        Needles::new(&values)
    }

    /// Search, read the output where the input held a removed value, and judge the kept
    /// columns (see [`sweep`]).
    ///
    /// # Errors
    /// As [`sweep`].
    pub(crate) fn finish(
        self,
        map: &Map,
        book: &Workbook,
        plan: &FilePlan,
        output: &dyn Fn() -> Result<Vec<Vec<u8>>, Problem>,
    ) -> Result<Vec<Residual>, Problem> {
        let Search {
            hay,
            places,
            part_names,
            values,
            origins,
            cleaned: _,
            headed,
        } = self;
        if values.is_empty() && headed.is_empty() {
            return Ok(Vec::new());
        }
        let hits = hay.find(&values);
        // The same value is often removed from many rows (a first name): each value is judged
        // once per kept text.
        let mut judged: HashSet<(u32, &str, bool)> = HashSet::new();
        let kept_hits: Vec<(bool, u32)> = hits
            .iter()
            .filter(|&&(v, t)| {
                matches!(places[t as usize], Place::Kept { .. })
                    && origins[v] != Origin::Gone
                    && judged.insert((t, values[v].as_ref(), origins[v] == Origin::Name))
                    && !only_in_compounds(hay.text(t), &values[v])
            })
            .map(|&(v, t)| {
                let strong = identifies(&values[v], origins[v] == Origin::Name);
                (
                    strong || (matches!(book.format, Format::Csv(_)) && csv_formula(hay.text(t))),
                    t,
                )
            })
            .collect();
        let kept_places = &places;

        let mut findings: Vec<Finding> = Vec::new();
        let mut part_hits: BTreeMap<usize, (Vec<usize>, Place)> = BTreeMap::new();
        let mut sheet_hits: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        let headers: Vec<Vec<String>> = (0..book.sheets.len())
            .map(|i| plan.column_names(book, i))
            .collect();
        let cell = |sheet: usize, row: u32, col: u32, place: LeakIn| Finding {
            part: None,
            sheet: Some(book.sheets[sheet].name.clone()),
            row: Some(row),
            col: Some(col),
            column: headers[sheet]
                .get(col as usize)
                .filter(|h| !h.is_empty())
                .cloned(),
            rule: Rule::Leak(place),
        };
        // A header cell that is a text removed from its own column.
        for &(sheet, col) in &headed {
            findings.push(header_finding(&book.sheets[sheet].name, col));
        }
        for &(value, text) in &hits {
            match places[text as usize] {
                place @ Place::Part { part, .. } => {
                    part_hits
                        .entry(part)
                        .or_insert_with(|| (Vec::new(), place))
                        .0
                        .push(value);
                }
                Place::Markup { sheet } => sheet_hits.entry(sheet).or_default().push(value),
                Place::Formula { sheet, row, col } => {
                    findings.push(cell(sheet, row, col, LeakIn::Formula))
                }
                Place::Cached { sheet, row, col } => {
                    findings.push(cell(sheet, row, col, LeakIn::CachedValue))
                }
                Place::Header { sheet, col } if leaks_in_header(&values[value], origins[value]) => {
                    findings.push(header_finding(&book.sheets[sheet].name, col));
                }
                Place::Kept { .. } | Place::Header { .. } | Place::EntryName => {}
            }
        }
        if !part_hits.is_empty() || !sheet_hits.is_empty() {
            for bytes in output()? {
                findings.extend(still_in_output(
                    book,
                    &headers,
                    &bytes,
                    &values,
                    &part_names,
                    &part_hits,
                    &sheet_hits,
                )?);
            }
        }
        findings.sort_by_key(|f| (f.part.clone(), f.sheet.clone(), f.row, f.col));
        findings.dedup();
        if let Some(first) = findings.first() {
            return Err(VerifyError::Unerased {
                place: first.to_string(),
                more: findings.len() - 1,
            }
            .into());
        }

        let names: Vec<&str> = book.sheets.iter().map(|s| s.name.as_str()).collect();
        let metadata = book.sheets.iter().position(Sheet::holds_metadata);
        let protected = protected_columns(book);
        let sheets = Sheets {
            names: &names,
            headers: &headers,
            protected: &protected,
            metadata,
        };
        judge_kept(map, &kept_hits, kept_places, &sheets)
    }
}

/// Whether a removed value found in a header cell (which the map never changes) leaks there:
/// one that identifies a person (see [`identifies`]), unless it is [`Origin::Gone`].
fn leaks_in_header(value: &str, origin: Origin) -> bool {
    origin != Origin::Gone && identifies(value, origin == Origin::Name)
}

/// A header cell of `sheet` holding a removed value, named by its cell only: the header is the
/// value (`sheet 'Users', cell I1`).
fn header_finding(sheet: &str, col: u32) -> Finding {
    Finding {
        part: None,
        sheet: Some(sheet.to_string()),
        row: Some(0),
        col: Some(col),
        column: None,
        rule: Rule::Leak(LeakIn::Header),
    }
}

/// The header cells of `scrubbed` that leak, for `verify`: those holding a value that the scrub
/// of `original` removes and that identifies a person, and those that are a text removed from
/// their own column (a sheet without its header row), as the sweep of `scrub` finds them. A
/// scrubbed sheet is the original's of its name (`verify` names a CSV's after the original).
/// `firsts` are the changed cells that are the first of their text, column and rule (see
/// [`Originals::firsts`]), which the caller's [`super::Removed`] holds already; the removed
/// texts are read from `originals` (`original` may hold the sheets' heads only).
pub(crate) fn header_findings(
    map: &Map,
    (original, originals): (&Workbook, Originals<'_>),
    plan: &FilePlan,
    changes: &[SheetChanges],
    firsts: &[Vec<bool>],
    scrubbed: &Workbook,
) -> Vec<Finding> {
    let mut hay = Haystack::default();
    let mut places = Vec::new();
    add_headers(scrubbed, &mut hay, &mut places);
    if hay.is_empty() || changes.iter().all(|c| c.cells.is_empty()) {
        return Vec::new();
    }
    let Swept {
        values,
        origins,
        headed,
        ..
    } = sweep_values(map, original, plan, changes, originals, Some(firsts), &hay);
    let mut found: Vec<(usize, u32)> = hay
        .find(&values)
        .into_iter()
        .filter(|&(v, _)| leaks_in_header(&values[v], origins[v]))
        .filter_map(|(_, t)| match places[t as usize] {
            Place::Header { sheet, col } => Some((sheet, col)),
            _ => None,
        })
        .collect();
    // A header that is a removed text, when the scrubbed sheet still has it.
    for (sheet, col) in headed {
        let from = &original.sheets[sheet];
        let header = crate::actions::cell_text(from.cell(0, col));
        let to = scrubbed.sheets.iter().position(|s| {
            let now = crate::actions::cell_text(s.cell(0, col));
            s.name == from.name
                && (header.as_deref().zip(now.as_deref()))
                    .is_some_and(|(was, now)| crate::needles::same_text(was, now))
        });
        found.extend(to.map(|to| (to, col)));
    }
    found.sort_unstable();
    found.dedup();
    found
        .into_iter()
        .map(|(sheet, col)| header_finding(&scrubbed.sheets[sheet].name, col))
        .collect()
}

/// The sheets whose kept columns [`judge_kept`] judges: their names, their columns' names, their
/// protected columns (as [`crate::needles::kept_columns`] tells them) and which is Dynamics'
/// metadata sheet.
struct Sheets<'a> {
    names: &'a [&'a str],
    headers: &'a [Vec<String>],
    protected: &'a [Vec<bool>],
    metadata: Option<usize>,
}

/// Per sheet of `book`, its protected columns, as [`crate::needles::kept_columns`] tells them.
fn protected_columns(book: &Workbook) -> Vec<Vec<bool>> {
    let metadata = book.metadata();
    (book.sheets.iter())
        .map(|s| crate::needles::protected_columns(s, metadata.as_ref()))
        .collect()
}

/// Count the kept cells holding removed values per sheet and column; a column holding values
/// that identify people fails the file unless the map allows it.
fn judge_kept(
    map: &Map,
    hits: &[(bool, u32)],
    places: &[Place],
    sheets: &Sheets<'_>,
) -> Result<Vec<Residual>, Problem> {
    let Sheets {
        names,
        headers,
        protected,
        metadata,
    } = *sheets;
    let mut kept: HashMap<(usize, u32, bool), HashSet<u32>> = HashMap::new();
    for &(strong, text) in hits {
        if let Place::Kept { sheet, col, .. } = places[text as usize] {
            kept.entry((sheet, col, strong)).or_default().insert(text);
        }
    }
    // A kept value that holds both a strong and a weak removed value counts as strong.
    let strong_texts: HashSet<u32> = kept
        .iter()
        .filter(|((_, _, strong), _)| *strong)
        .flat_map(|(_, texts)| texts.iter().copied())
        .collect();
    for ((_, _, strong), texts) in kept.iter_mut() {
        if !*strong {
            texts.retain(|t| !strong_texts.contains(t));
        }
    }
    let mut counts: BTreeMap<(usize, u32, bool), u64> = BTreeMap::new();
    for ((sheet, col, strong), texts) in kept {
        if texts.is_empty() {
            continue;
        }
        let cells: u64 = texts
            .iter()
            .map(|&t| match places[t as usize] {
                Place::Kept { cells, .. } => cells,
                _ => 0,
            })
            .sum();
        *counts.entry((sheet, col, strong)).or_default() += cells;
    }
    let mut residuals = Vec::new();
    let mut refused: Vec<(String, String, u64)> = Vec::new();
    let mut in_metadata: Vec<(String, String, u64)> = Vec::new();
    let mut in_protected: Vec<(String, String, u64)> = Vec::new();
    for ((sheet, col, strong), cells) in counts {
        let refused = if Some(sheet) == metadata {
            &mut in_metadata
        } else if protected
            .get(sheet)
            .and_then(|p| p.get(col as usize))
            .copied()
            .unwrap_or(false)
        {
            &mut in_protected
        } else {
            &mut refused
        };
        let header = headers[sheet].get(col as usize).map_or("", |h| h.trim());
        let column = if header.is_empty() {
            crate::a1::column_letters(col)
        } else {
            header.to_string()
        };
        let sheet = names[sheet].to_string();
        if strong && !map.allows_residual(&column) {
            refused.push((sheet, column, cells));
        } else {
            residuals.push(Residual {
                sheet,
                column,
                cells,
                kind: if strong { "allowed" } else { "word" },
            });
        }
    }
    // The columns and the map line that allows them.
    let listed = |refused: &[(String, String, u64)]| {
        let columns: Vec<String> = refused
            .iter()
            .map(|(sheet, column, cells)| format!("sheet '{sheet}', column '{column}' ({cells})"))
            .collect();
        let mut allow: Vec<String> = refused
            .iter()
            .map(|(_, column, _)| format!("{column:?}"))
            .collect();
        allow.dedup();
        (
            columns.join(", "),
            format!("allow_residual = [{}]", allow.join(", ")),
        )
    };
    if !refused.is_empty() {
        let (columns, allow) = listed(&refused);
        return Err(VerifyError::Residual { columns, allow }.into());
    }
    if !in_metadata.is_empty() {
        let (columns, allow) = listed(&in_metadata);
        return Err(VerifyError::ResidualInMetadata { columns, allow }.into());
    }
    if !in_protected.is_empty() {
        let (columns, allow) = listed(&in_protected);
        return Err(VerifyError::ResidualProtected { columns, allow }.into());
    }
    Ok(residuals)
}

/// Where a removed value comes from, for the kept columns' check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// A row that row rules delete (its other people go with it), or the whole text of a cell
    /// that `redact` rewrote (only what it replaced is removed): not a residual in kept cells.
    Gone,
    /// Removed from a column of people's names (see [`identifies`]).
    Name,
    /// Removed from another column.
    Other,
}

/// The most changed cells one task of the sweep takes at once (see [`sweep_values`]).
const SWEPT_PIECE: usize = 1 << 12;

/// Every value the scrub removes (as [`super::removed_values`], with the digits of phone
/// numbers and full names without their middle names or accents) that `hay` may hold, each with
/// its [`Origin`]; third, the forms only the cleaners look for, which `hay` may hold too (a
/// full name written last name first; the digits of a phone number in text that `redact`
/// rewrote). In parallel: a large export has millions. `firsts` as [`Originals::firsts`] gives
/// them, when the caller has them.
fn sweep_values<'a>(
    map: &Map,
    book: &Workbook,
    plan: &FilePlan,
    changes: &[SheetChanges],
    originals: Originals<'a>,
    firsts: Option<&[Vec<bool>]>,
    hay: &Haystack,
) -> Swept<'a> {
    let targets = crate::needles::deleted_columns(map, book, plan);
    let rule_names: Vec<bool> = map.rules.iter().map(|r| names_people(&r.key)).collect();
    let mut values = Vec::new();
    let mut origins = Vec::new();
    let mut cleaned = Vec::new();
    let mut headed = Vec::new();
    for (k, sc) in changes.iter().enumerate() {
        let headers = plan.sheet(sc.sheet).map_or(&[][..], |p| &p.headers);
        let named: Vec<bool> = headers.iter().map(|h| names_people(h)).collect();
        // A text removed from many cells of a column is looked at once (most are).
        let firsts = match firsts {
            Some(firsts) => Cow::Borrowed(&firsts[k][..]),
            None => Cow::Owned(originals.firsts(changes, k)),
        };
        // The sheet's first row, to tell a header that is one of the texts removed from its
        // column: the sheet's first record, which the map took for its header row (a sheet
        // pasted without one).
        let sheet = &book.sheets[sc.sheet];
        let row_one: Vec<Option<Cow<str>>> = (0..sheet.width())
            .map(|col| {
                crate::actions::cell_text(sheet.cell(0, col)).filter(|t| !t.trim().is_empty())
            })
            .collect();
        let found: Vec<Found> = sc
            .cells
            .par_iter()
            // In pieces of a bounded size, so that a thread that comes free late (from
            // another task of the file: the changes file) finds some of them left to take.
            .with_max_len(SWEPT_PIECE)
            .enumerate()
            .filter(|&(i, _)| firsts[i])
            // Each piece's findings pushed to one list (not a list per cell), the pieces'
            // lists joined in order; a phone number's forms made in a buffer of the piece's.
            .fold(
                || (Vec::new(), String::new()),
                |(mut found, mut digits): (Vec<Found>, String), (i, c)| {
                    let old = originals.old(changes, k, i);
                    let header = row_one.get(c.col as usize).and_then(Option::as_deref);
                    let heading = match (header, &old) {
                        (Some(header), Some(text)) if crate::needles::same_text(header, text) => {
                            Some(Found::Header(c.col()))
                        }
                        _ => None,
                    };
                    let redact = match (&map.rules[c.rule()].action, &old) {
                        (crate::actions::Action::Redact(r), Some(text)) => {
                            Some(r.replaced(text, &[]))
                        }
                        _ => None,
                    };
                    let origin = if redact.is_some() {
                        Origin::Gone
                    } else if rule_names[c.rule()]
                        || named.get(c.col as usize).copied().unwrap_or(false)
                    {
                        Origin::Name
                    } else {
                        Origin::Other
                    };
                    let digits_origin = redact.is_none().then_some(Origin::Other);
                    // Whether the text may hold the value: the forms below that start with its
                    // first word are made only then (most values are in no text).
                    let held = old.as_deref().is_some_and(|t| hay.may_hold(t));
                    // An email address is also in the path of its owner's personal site, a form
                    // that names them as much as the address (searched as a name is), and whose
                    // first word is the address's.
                    let site = redact
                        .iter()
                        .flatten()
                        .map(String::as_str)
                        .filter(|email| hay.may_hold(email))
                        .chain(old.as_deref().filter(|_| redact.is_none() && held))
                        .filter_map(crate::text::personal_site_form)
                        .collect::<Vec<_>>();
                    // A full name with middle names is the person without them too, and so is the
                    // name without its accents (an ASCII name's forms start as it does).
                    let variants = match (&old, origin) {
                        (Some(text), Origin::Name) if held || hay.may_hold_unaccented(text) => {
                            crate::needles::name_variants(text)
                        }
                        _ => Vec::new(),
                    };
                    // And a name the map's rule says is a person's is written last name first
                    // ("Doe, Jane") in comments and properties (an ASCII name's form starts with its
                    // last word).
                    let reversed = match &old {
                        // (Those forms are of two words or more.)
                        Some(text)
                            if rule_names[c.rule()]
                                && text.trim().contains(' ')
                                && text
                                    .split_whitespace()
                                    .next_back()
                                    .is_some_and(|last| hay.may_hold(last)) =>
                        {
                            crate::needles::last_name_first(text)
                        }
                        _ => Vec::new(),
                    };
                    // What the text may hold, in this order (most cells: none, or only their
                    // heading): the forms (those the text may hold), the text itself, its personal
                    // site's form, the heading.
                    let form = |found: &mut Vec<Found>, value: &str, origin: Option<Origin>| {
                        if hay.may_hold(value) {
                            let value = value.to_string();
                            found.push(match origin {
                                Some(origin) => Found::Value(Cow::Owned(value), origin),
                                None => Found::Cleaned(value),
                            });
                        }
                    };
                    for value in redact.iter().flatten() {
                        form(&mut found, value, Some(Origin::Name));
                    }
                    // (A phone number's forms are lent, and copied only when the text may hold
                    // them: nearly every removed phone number has two, which nearly no text holds.)
                    if let Some(text) = old.as_deref().filter(|_| hay.may_hold_phone_forms()) {
                        crate::text::each_phone_form(text, &mut digits, &mut |value| {
                            form(&mut found, value, digits_origin);
                        });
                    }
                    for value in &variants {
                        form(&mut found, value, Some(Origin::Name));
                    }
                    for value in &reversed {
                        form(&mut found, value, None);
                    }
                    found.extend(old.filter(|_| held).map(|o| Found::Value(o, origin)));
                    found.extend(
                        site.into_iter()
                            .map(|s| Found::Value(Cow::Owned(s), Origin::Name)),
                    );
                    found.extend(heading);
                    (found, digits)
                },
            )
            .map(|(found, _)| found)
            .reduce(Vec::new, |mut first, mut then| {
                first.append(&mut then);
                first
            });
        let mut cols = Vec::new();
        for found in found {
            match found {
                Found::Value(value, origin) => {
                    values.push(value);
                    origins.push(origin);
                }
                Found::Cleaned(form) => cleaned.push(form),
                Found::Header(col) => cols.push(col),
            }
        }
        cols.sort_unstable();
        cols.dedup();
        headed.extend(cols.into_iter().map(|col| (sc.sheet, col)));
        for j in 0..sc.deleted.len() {
            for value in originals.deleted(changes, &targets, k, j) {
                if let Some(text) = crate::actions::cell_text(value) {
                    if hay.may_hold(&text) {
                        values.push(text);
                        origins.push(Origin::Gone);
                    }
                }
            }
        }
    }
    Swept {
        values,
        origins,
        cleaned,
        headed,
    }
}

/// What [`sweep_values`] finds for one changed cell.
enum Found<'a> {
    /// A value the searched text may hold, with its origin.
    Value(Cow<'a, str>, Origin),
    /// A form only the cleaners look for.
    Cleaned(String),
    /// The cell's text is its column's header (see [`Swept::headed`]).
    Header(u32),
}

/// What [`sweep_values`] finds: the values the searched text may hold and their origins, the
/// forms only the cleaners look for, and the header cells (sheet, column) that are a text
/// removed from their own column.
struct Swept<'a> {
    values: Vec<Cow<'a, str>>,
    origins: Vec<Origin>,
    cleaned: Vec<String>,
    headed: Vec<(usize, u32)>,
}

/// The residuals a CSV scrubbed as a stream leaves, from what was gathered on the way, or the
/// failure (as [`sweep`]).
///
/// # Errors
/// [`VerifyError::Residual`] for kept columns holding values that identify people;
/// [`Problem::Internal`] when the kept values never came (see [`Gathered::set_kept`]).
pub fn finish_streamed(mut gathered: Gathered, map: &Map) -> Result<Vec<Residual>, Problem> {
    if gathered.waiting() {
        return Err(Problem::Internal);
    }
    gathered.search();
    let Some(kept) = &gathered.kept else {
        return Err(Problem::Internal);
    };
    // A header that is a removed value (a file without its header row), or that holds one that
    // identifies a person (the values' search tells which, see [`identifies`]), as
    // [`leaks_in_header`] judges a workbook's: named by its cell.
    let mut header_hits = std::mem::take(&mut gathered.header_hits);
    header_hits.extend(
        (gathered.hits.iter())
            .filter(|&&(strong, t)| strong && t < kept.headers)
            .map(|&(_, t)| kept.texts[t as usize].0 as usize),
    );
    header_hits.sort_unstable();
    header_hits.dedup();
    if let Some(&col) = header_hits.first() {
        return Err(VerifyError::Unerased {
            place: header_finding(&gathered.sheet, col as u32).to_string(),
            more: header_hits.len() - 1,
        }
        .into());
    }
    // The kept values' own protected columns, which the check below names apart.
    let protected = [kept.protected.clone()];
    let places: Vec<Place> = kept
        .texts
        .iter()
        .map(|&(col, cells)| Place::Kept {
            sheet: 0,
            col,
            cells,
        })
        .collect();
    // A text only deleted rows held is in no kept cell.
    let hay = gathered.hay.as_deref();
    let hits: Vec<(bool, u32)> = gathered
        .hits
        .iter()
        .filter(|&&(_, t)| t >= kept.headers && kept.texts[t as usize].1 > 0)
        .map(|&(strong, t)| (strong || hay.is_some_and(|h| csv_formula(h.text(t))), t))
        .collect();
    let sheets = Sheets {
        names: &[&gathered.sheet],
        headers: &[gathered.headers],
        protected: &protected,
        metadata: None,
    };
    judge_kept(map, &hits, &places, &sheets)
}

/// Whether a CSV field is a formula Excel computes on opening the file (`="Karim"&" "&"Al-Farsi"`
/// shows the whole name): a removed value in it, even one word, is the value shown, and counts
/// as one that identifies a person.
fn csv_formula(text: &str) -> bool {
    text.trim_start().starts_with('=')
}

/// Formulas and the cached values the writers keep (text ones are dropped once anything
/// changed).
fn add_formulas(
    book: &Workbook,
    changes: &[SheetChanges],
    hay: &mut Haystack,
    places: &mut Vec<Place>,
) {
    let by_sheet = crate::apply::changes_by_sheet(changes, book.sheets.len());
    for (sheet, s) in book.sheets.iter().enumerate() {
        let Some(formulas) = &s.formulas else {
            continue;
        };
        let sc = by_sheet[sheet];
        for (row, col, formula) in formulas.used_cells() {
            let (row, col) = match formulas.start() {
                Some((r0, c0)) => (row as u32 + r0, col as u32 + c0),
                None => (row as u32, col as u32),
            };
            let gone = sc.is_some_and(|sc| {
                sc.deleted.binary_search_by_key(&row, |d| d.row).is_ok()
                    || sc
                        .cells
                        .binary_search_by(|c| (c.row, c.col()).cmp(&(row, col)))
                        .is_ok()
            });
            if formula.is_empty() || gone {
                continue;
            }
            places.push(Place::Formula { sheet, row, col });
            hay.push(formula, false);
            let cached = s.cell(row, col);
            if !matches!(cached, Data::String(_) | Data::Empty) {
                if let Some(text) = number_text(cached) {
                    places.push(Place::Cached { sheet, row, col });
                    hay.push(&text, true);
                }
            }
        }
    }
}

/// The texts of each sheet's header row but the metadata sheet's (see [`Place::Header`]).
fn add_headers(book: &Workbook, hay: &mut Haystack, places: &mut Vec<Place>) {
    for (sheet, s) in book.sheets.iter().enumerate() {
        if s.holds_metadata() || s.height() == 0 {
            continue;
        }
        for col in 0..s.width() {
            if let Some(text) = crate::actions::cell_text(s.cell(0, col)) {
                places.push(Place::Header { sheet, col });
                hay.push(&text, true);
            }
        }
    }
}

/// The distinct values of the kept columns of every sheet (of the protected ones, only those
/// that are no id, checksum or date as Dynamics writes them), formula cells aside; the metadata
/// sheet's too (its option-set labels: its row 1 is the metadata, as a sheet's row 1 is its
/// header).
fn add_kept(
    book: &Workbook,
    changes: &[SheetChanges],
    targets: &[Vec<bool>],
    hay: &mut Haystack,
    places: &mut Vec<Place>,
) {
    let metadata = book.metadata();
    let by_sheet = crate::apply::changes_by_sheet(changes, book.sheets.len());
    for (sheet, s) in book.sheets.iter().enumerate() {
        let sc = by_sheet[sheet];
        let deleted = |row: u32| {
            sc.is_some_and(|sc| sc.deleted.binary_search_by_key(&row, |d| d.row).is_ok())
        };
        let kept_cols = kept_columns(s, &targets[sheet], metadata.as_ref());
        let distinct: Vec<Vec<(String, u64)>> = kept_cols
            .par_iter()
            .map(|&(col, protected)| {
                let mut seen: HashMap<Cow<str>, u64> = HashMap::new();
                for row in 1..s.height() {
                    let value = s.cell(row, col);
                    // A formula's cell (or a result inside an array or spill range) is not
                    // kept as it is: its text cached value is dropped, and the rest is searched
                    // as a formula.
                    if matches!(value, Data::Empty)
                        || deleted(row)
                        || s.formula(row, col).is_some_and(|f| !f.is_empty())
                        || s.layout.in_array_result(row, col)
                    {
                        continue;
                    }
                    if let Some(text) = kept_text_in(value, protected) {
                        *seen.entry(text).or_default() += 1;
                    }
                }
                seen.into_iter().map(|(t, n)| (t.into_owned(), n)).collect()
            })
            .collect();
        for (&(col, _), values) in kept_cols.iter().zip(distinct) {
            for (text, cells) in values {
                places.push(Place::Kept { sheet, col, cells });
                hay.push(&text, true);
            }
        }
    }
}

/// The input package's side: every part but the worksheets' cells and the shared strings.
fn add_package(
    bytes: &[u8],
    book: &Workbook,
    hay: &mut Haystack,
    places: &mut Vec<Place>,
    names: &mut Vec<String>,
) -> Result<(), Problem> {
    let corrupt = |_| ReadError::CorruptWorkbook("the zip is damaged");
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(corrupt)?;
    let map = crate::xlsx::package::map_package(&mut zip)?;
    let sheet_of = |path: &str| {
        book.sheets.iter().position(|s| {
            map.sheets
                .iter()
                .any(|p| p.name == s.name && p.path == path)
        })
    };
    let mut comments: HashMap<String, usize> = HashMap::new();
    for p in &map.sheets {
        let Some(sheet) = book.sheets.iter().position(|s| s.name == p.name) else {
            continue;
        };
        for kind in ["/comments", "/threadedComment"] {
            for part in crate::xlsx::package::related_parts(&mut zip, &p.path, kind)? {
                comments.insert(part, sheet);
            }
        }
    }
    for (sheet, s) in book.sheets.iter().enumerate() {
        for (text, _, font) in part_texts(&s.layout.markup) {
            places.push(Place::Markup { sheet });
            push_text(hay, &text, false, font);
        }
    }
    for index in 0..zip.len() {
        let mut entry = zip.by_index(index).map_err(corrupt)?;
        let name = entry.name().map_err(corrupt)?.into_owned();
        let stored = String::from_utf8_lossy(entry.name_raw()).into_owned();
        for named in std::iter::once(&name).chain(Some(&stored).filter(|s| **s != name)) {
            places.push(Place::EntryName);
            hay.push(named, false);
        }
        if name.ends_with('/')
            || sheet_of(&name).is_some()
            || Some(&name) == map.shared_strings.as_ref()
        {
            continue;
        }
        let mut data = Vec::with_capacity(entry.size().min(1 << 24) as usize);
        entry
            .read_to_end(&mut data)
            .map_err(|_| ReadError::CorruptWorkbook("a compressed part cannot be read"))?;
        let part = names.len();
        let sheet = comments.get(&name).copied();
        let typed = sheet.is_some();
        let (texts, bytes, unsearched) = part_texts_any(&name, &data);
        // What cannot be searched may hold what the scrub removes: the file fails.
        if let Some(why) = unsearched {
            return Err(crate::error::WriteError::Unsearchable {
                part: name,
                why: why.why(),
                todo: why.todo(),
            }
            .into());
        }
        for (text, _, font) in texts {
            places.push(Place::Part { part, sheet });
            push_text(hay, &text, typed, font);
        }
        for text in bytes {
            places.push(Place::Part { part, sheet });
            hay.push_bytes(&text);
        }
        names.push(name);
    }
    Ok(())
}

/// The texts of any part: an XML part's (see [`part_texts`]) and those encoded in its base64
/// runs; else the bytes as text (see [`crate::xlsx::encoded::binary_readings`]). Second, apart,
/// the readings of bytes that are not text, searched only for values chance cannot spell; third,
/// why some of the part could not be searched, when it could not.
fn part_texts_any(
    name: &str,
    data: &[u8],
) -> (Texts, Vec<String>, Option<crate::xlsx::encoded::Unsearched>) {
    let lower = name.to_ascii_lowercase();
    let xml = [".xml", ".rels", ".vml"].iter().any(|e| lower.ends_with(e));
    if xml && crate::xlsx::encoded::unreadable_xml(data) {
        let why = crate::xlsx::encoded::Unsearched::Encoding;
        return (Vec::new(), Vec::new(), Some(why));
    }
    if xml {
        if let Some(text) = crate::xlsx::encoded::decode_text(data) {
            if let Some(mut texts) = xml_texts(&text) {
                texts.extend(
                    crate::xlsx::encoded::base64_texts(text.as_bytes(), 0)
                        .into_iter()
                        .map(|t| (t, None, false)),
                );
                return (texts, Vec::new(), None);
            }
        }
    }
    let project = data
        .starts_with(crate::xlsx::encoded::CFB_SIGNATURE)
        .then(|| crate::xlsx::macros::project_texts(data))
        .flatten();
    // A VBA project that cannot be read is the macros' check's to report, more precisely.
    let vba_unreadable = project.is_none() && crate::xlsx::macros::is_vba_project(name);
    let mut readings = crate::xlsx::encoded::binary_readings(data, project);
    if vba_unreadable && readings.unsearched == Some(crate::xlsx::encoded::Unsearched::Undecodable)
    {
        readings.unsearched = None;
    }
    let (texts, bytes): (Vec<_>, Vec<_>) = (readings.texts.into_iter())
        .partition(|(_, reading)| *reading == crate::xlsx::encoded::Reading::Text);
    (
        texts.into_iter().map(|(t, _)| (t, None, false)).collect(),
        bytes.into_iter().map(|(t, _)| t).collect(),
        readings.unsearched,
    )
}

/// The texts of a worksheet's markup (its XML without the cells), lenient about the end tags.
fn part_texts(xml: &[u8]) -> Texts {
    match std::str::from_utf8(xml) {
        Ok(text) => xml_texts(text)
            .unwrap_or_else(|| vec![(String::from_utf8_lossy(xml).into_owned(), None, false)]),
        Err(_) => vec![(String::from_utf8_lossy(xml).into_owned(), None, false)],
    }
}

/// The texts of an XML part: each run of text (runs of one formatted string joined), and each
/// attribute value (a font's name marked as one); with the cell a comment is attached to.
/// `None` when the XML is malformed.
fn xml_texts(xml: &str) -> Option<Texts> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = false;
    reader.config_mut().allow_unmatched_ends = true;
    let mut out: Texts = Vec::new();
    let mut text = String::new();
    let mut cell: Option<(u32, u32)> = None;
    // Whether the text being gathered is a header's or footer's, whose codes (`&LAnna Berg`)
    // are glued to the text.
    let mut header_footer = false;
    let flush = |text: &mut String, cell, out: &mut Vec<_>, header_footer: bool| {
        if !text.trim().is_empty() {
            for shown in crate::xlsx::readings::shown_texts(text, header_footer) {
                out.push((shown, cell, false));
            }
            out.push((std::mem::take(text), cell, false));
        }
        text.clear();
    };
    loop {
        let event = reader.read_event().ok()?;
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let local = e.local_name();
                if !inside_run(local.as_ref()) {
                    flush(&mut text, cell, &mut out, header_footer);
                    header_footer = clean::is_header_footer(local.as_ref());
                }
                if matches!(local.as_ref(), "comment" | "threadedComment") {
                    cell = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == "ref")
                        .and_then(|a| crate::a1::parse_cell(&a.value));
                }
                let element: &str = local.as_ref();
                for a in e.attributes().with_checks(false).flatten() {
                    let font =
                        super::leaks::is_font_attribute(element, a.key.local_name().as_ref());
                    if let Ok(v) = a.normalized_value(XmlVersion::Implicit1_0) {
                        if v.chars().any(char::is_alphanumeric) {
                            for shown in crate::xlsx::readings::shown_texts(&v, false) {
                                out.push((shown, cell, font));
                            }
                            out.push((v.into_owned(), cell, font));
                        }
                    }
                }
            }
            Event::End(e) => {
                let local = e.local_name();
                if !inside_run(local.as_ref()) {
                    flush(&mut text, cell, &mut out, header_footer);
                    header_footer = false;
                }
                if matches!(local.as_ref(), "comment" | "threadedComment") {
                    cell = None;
                }
            }
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                crate::needles::push_text(&event, &mut text)
            }
            // XML comments and processing instructions show nowhere, but they are in the file
            // (Excel never writes them; other tools and hand edits may): their text is searched
            // as a text of its own, and no cleaner rewrites it. The text around one is one
            // text, as a reader shows it (`Halv<!-- -->orsen` is `Halvorsen`).
            Event::Comment(_) | Event::PI(_) => {
                if let Some(hidden) = crate::needles::hidden_text(&event) {
                    out.push((hidden, cell, false));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    flush(&mut text, cell, &mut out, header_footer);
    Some(out)
}

/// The parts and sheets whose input held a removed value, looked up in the output: a leak
/// where the output still holds one of those values.
fn still_in_output(
    book: &Workbook,
    headers: &[Vec<String>],
    output: &[u8],
    values: &[Cow<str>],
    names: &[String],
    parts: &BTreeMap<usize, (Vec<usize>, Place)>,
    sheets: &BTreeMap<usize, Vec<usize>>,
) -> Result<Vec<Finding>, Problem> {
    let corrupt = |_: zip::result::ZipError| VerifyError::SweepReadBack;
    let mut zip = zip::ZipArchive::new(Cursor::new(output)).map_err(corrupt)?;
    let mut findings = Vec::new();
    let search = |(texts, bytes): (Texts, Vec<String>), typed: bool, hit: &[usize]| {
        let mut hay = Haystack::default();
        for (text, _, font) in &texts {
            push_text(&mut hay, text, typed, *font);
        }
        for text in &bytes {
            hay.push_bytes(text);
        }
        let wanted: Vec<&str> = hit.iter().map(|&v| values[v].as_ref()).collect();
        hay.find(&wanted)
            .first()
            .map(|&(_, t)| texts.get(t as usize).and_then(|t| t.1))
    };
    for (&part, (hit, place)) in parts {
        let name = &names[part];
        let Ok(mut entry) = zip.by_name(name) else {
            continue; // dropped by the writer
        };
        let mut data = Vec::new();
        entry
            .read_to_end(&mut data)
            .map_err(|_| VerifyError::SweepReadBack)?;
        let Place::Part { sheet, .. } = *place else {
            continue;
        };
        let typed = sheet.is_some();
        let (texts, bytes, _) = part_texts_any(name, &data);
        if let Some(cell) = search((texts, bytes), typed, hit) {
            findings.push(part_finding(book, headers, name, sheet, cell));
        }
    }
    if !sheets.is_empty() {
        let map = crate::xlsx::package::map_package(&mut zip)?;
        for (&sheet, hit) in sheets {
            let Some(path) = map
                .sheets
                .iter()
                .find(|p| p.name == book.sheets[sheet].name)
                .map(|p| p.path.clone())
            else {
                continue;
            };
            let scan = crate::xlsx::package::scan_sheet(&mut zip, &path)?;
            if search((part_texts(&scan.layout.markup), Vec::new()), false, hit).is_some() {
                findings.push(Finding {
                    part: Some(path),
                    sheet: Some(book.sheets[sheet].name.clone()),
                    row: None,
                    col: None,
                    column: None,
                    rule: Rule::Leak(LeakIn::SheetContent),
                });
            }
        }
    }
    Ok(findings)
}

fn part_finding(
    book: &Workbook,
    headers: &[Vec<String>],
    name: &str,
    sheet: Option<usize>,
    cell: Option<(u32, u32)>,
) -> Finding {
    let header = |sheet: usize, col: u32| {
        headers[sheet]
            .get(col as usize)
            .filter(|h| !h.is_empty())
            .cloned()
    };
    Finding {
        part: Some(name.to_string()),
        sheet: sheet.map(|s| book.sheets[s].name.clone()),
        row: cell.map(|c| c.0),
        col: cell.map(|c| c.1),
        column: match (sheet, cell) {
            (Some(s), Some((_, col))) => header(s, col),
            _ => None,
        },
        rule: Rule::Leak(super::leaks::part_kind(name, false, sheet.is_some())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_that_identify_a_person_on_their_own() {
        assert!(identifies("anna.berg@contoso.com", false));
        assert!(identifies("+44 20 7946 0958", false));
        assert!(identifies("E12345", false));
        assert!(identifies("Anna Berg", true));
        assert!(!identifies("Anna Berg", false), "two words of a place");
        assert!(!identifies("Anna", true));
        assert!(!identifies("98052", false), "a postal code");
        assert!(!identifies("@", false));
    }

    /// A streamed CSV whose removed values repeat over many rows, from a column of names and
    /// from another one: each value and origin counts once, and the kept cells are counted by
    /// column and kind.
    #[test]
    fn repeated_values_of_a_streamed_csv_are_judged_once_each() {
        let mut csv = String::from("Full Name,Nick,Team,Backup\n");
        for i in 0..40 {
            let name = if i % 2 == 0 { "Anna Berg" } else { "Lars" };
            let team = if i % 4 == 0 { "Lars group" } else { "Sales" };
            let backup = if i < 5 { "Anna Berg" } else { "" };
            csv.push_str(&format!("{name},Anna Berg,{team},{backup}\n"));
        }
        let columns = "[columns]\n\"Full Name\" = \"clear\"\nNick = \"clear\"\n";
        let judge = |allow: &str| {
            let text = format!("version = 1\n{allow}\n{columns}");
            let map = Map::parse(&text, "m.toml", None).unwrap();
            let (mut out, mut changes) = (Vec::new(), Vec::new());
            let streamed = crate::csv::scrub_stream_with(
                csv.as_bytes(),
                "people",
                &map,
                false,
                true,
                &mut out,
                crate::changes::ChangesFile::new(&mut changes),
            )
            .unwrap();
            finish_streamed(streamed.gathered.unwrap(), &map)
        };
        let residual = |column: &str, cells, kind| Residual {
            sheet: "people".into(),
            column: column.into(),
            cells,
            kind,
        };
        assert_eq!(
            judge("allow_residual = [\"Backup\"]").unwrap(),
            [
                residual("Team", 10, "word"),
                residual("Backup", 5, "allowed")
            ]
        );
        let Err(Problem::Verify(VerifyError::Residual { columns, .. })) = judge("") else {
            panic!("a kept full name must fail the file")
        };
        assert_eq!(columns, "sheet 'people', column 'Backup' (5)");
    }

    /// The kept values may come after the stream's first records, or after all of them
    /// (the first pass runs beside the stream): what waited is judged as if they had come
    /// first, deleted rows included.
    #[test]
    fn kept_values_that_come_late_change_nothing() {
        let mut csv = String::from("Full Name,Team,Backup\n");
        for i in 0..30 {
            let name = ["Anna Berg", "Lars Holm", "Eva"][i % 3];
            let team = if i % 5 == 0 {
                "Lars Holm group"
            } else {
                "Sales"
            };
            let backup = if i % 7 == 0 { "Anna Berg" } else { "" };
            csv.push_str(&format!("{name},{team},{backup}\n"));
        }
        let map = Map::parse(
            "version = 1\n[columns]\n\"Full Name\" = \"clear\"\n[[rows]]\nwhere = { column = \"Team\", matches = \"^L\" }\naction = \"delete\"\n",
            "m.toml",
            None,
        )
        .unwrap();
        let book = crate::csv::read(csv.as_bytes(), "people").unwrap();
        let plan = crate::plan::resolve(&map, &book).unwrap();
        let changes = crate::apply::apply_plan(&map, &plan, &book);
        let sheet = &book.sheets[0];
        let headers = sheet.headers().unwrap();
        let field = |row: u32, c: usize| match sheet.cell(row, c as u32) {
            Data::String(s) => Some(s.as_str()),
            _ => Some(""),
        };
        // The kept values come after `late` records.
        let judge = |late: u32| {
            let mut g = Gathered::new(&map, &plan.sheets[0], "people", &headers);
            let mut kept = g.kept_values();
            for row in 1..sheet.height() {
                for &c in &kept.columns().to_vec() {
                    kept.count(c, field(row, c).unwrap_or(""));
                }
            }
            let mut kept = Some(kept);
            for row in 1..sheet.height() {
                if row > late {
                    if let Some(k) = kept.take() {
                        g.set_kept(k);
                    }
                }
                if changes[0].deleted.iter().any(|d| d.row == row) {
                    g.forget((0..3).map(|c| field(row, c).unwrap_or("")));
                    continue;
                }
                let row_changes: Vec<_> = changes[0]
                    .cells
                    .iter()
                    .filter(|c| c.row == row)
                    .cloned()
                    .collect();
                g.record(&map, |c| field(row, c), &row_changes);
            }
            if let Some(k) = kept.take() {
                g.set_kept(k);
            }
            finish_streamed(g, &map)
        };
        let first = judge(0);
        let Err(Problem::Verify(VerifyError::Residual { columns, .. })) = &first else {
            panic!("a kept full name must fail the file: {first:?}")
        };
        // Every fifth record is deleted (its team starts with L): of the five kept full
        // names in Backup, the first record's goes with it, and the team that holds a removed
        // name is only in deleted records.
        assert_eq!(columns, "sheet 'people', column 'Backup' (4)");
        for late in [1, 6, 17, 30] {
            assert_eq!(
                format!("{:?}", judge(late)),
                format!("{first:?}"),
                "late {late}"
            );
        }
    }

    #[test]
    fn hyphenated_compounds_are_other_people() {
        assert!(only_in_compounds("zoë müller-schmidt", "Zoë Müller"));
        assert!(!only_in_compounds(
            "zoë müller-schmidt; zoë müller",
            "Zoë Müller"
        ));
        assert!(!only_in_compounds("ask zoë müller.", "Zoë Müller"));
        assert!(!only_in_compounds("nothing here", "Zoë Müller"));
    }

    #[test]
    fn runs_of_one_string_are_joined_and_attributes_are_texts() {
        let xml = r#"<comments><commentList><comment ref="C4"><text><r><t>Ask An</t></r><r><rPr><b/><rFont val="Latha"/></rPr><t>na Berg</t></r></text></comment></commentList></comments><x a="mailto:lars@contoso.com"/>"#;
        let texts = xml_texts(xml).unwrap();
        assert_eq!(
            texts,
            [
                ("C4".to_string(), Some((3, 2)), false),
                ("Latha".to_string(), Some((3, 2)), true),
                ("Ask Anna Berg".to_string(), Some((3, 2)), false),
                ("mailto:lars@contoso.com".to_string(), None, false)
            ]
        );
    }

    #[test]
    fn base64_runs_of_parts_are_texts_too() {
        use base64::Engine;
        let encoded = base64::engine::general_purpose::STANDARD.encode("owner=Anna Berg");
        let xml = format!("<settings><state>{encoded}</state></settings>");
        let (texts, _, _) = part_texts_any("customXml/item1.xml", xml.as_bytes());
        let mut hay = Haystack::default();
        for (text, _, _) in &texts {
            hay.push(text, false);
        }
        assert_eq!(hay.find(&["Anna Berg"]).len(), 1, "{texts:?}");
        let blob = format!("\x01\x02{encoded}\x00");
        let (texts, _, _) = part_texts_any("xl/embeddings/blob.bin", blob.as_bytes());
        assert!(texts.iter().any(|(t, _, _)| t.contains("owner=Anna Berg")));
    }
}
