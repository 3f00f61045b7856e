//! The leak scan: every removed value, searched for in the raw output.
//!
//! For xlsx, every entry of the package is decompressed and read as XML (text and attribute
//! values, unescaped), so nothing escapes because calamine or a writer ignores it: phonetic runs,
//! orphan shared strings, formula cached values, comments, document properties, defined names,
//! tables and pivot caches are all searched. Hits are then located and judged:
//!
//! - in a worksheet, per cell (`<c r="..">`): its formula and cached value are always leaks; its
//!   value (inline string or number) is a leak unless the cell is kept or holds exactly what the
//!   map put there (see [`super::Verdict`]);
//! - in the shared strings table, per string: each cell that uses the string is judged as above,
//!   and a string that no cell uses is a leak of its own;
//! - anywhere else, per part (comments also per cell).
//!
//! For CSV, the parsed fields are the raw text with the quoting undone, which is what XML
//! unescaping is for xlsx.

use super::needles::Needles;
use super::{Context, Finding, LeakIn, Rule, Sink, Verdict};
use crate::error::Problem;
use crate::workbook::Workbook;
use calamine::Data;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::io::{BufReader, Cursor, Read};
use zip::ZipArchive;

/// The parts of a scrubbed package and what they hold.
#[derive(Debug)]
pub(super) struct Package {
    /// Every entry name, in package order.
    names: Vec<String>,
    /// Per scrubbed sheet: its worksheet part.
    sheets: Vec<Option<String>>,
    /// The workbook part (`xl/workbook.xml`).
    pub(super) workbook: String,
    /// The shared strings part the cells index into, when there is one.
    shared_strings: Option<String>,
    /// Comment parts → the scrubbed sheet they belong to.
    comments: HashMap<String, usize>,
}

fn corrupt<E>(_: E) -> Problem {
    Problem::CorruptWorkbook("the zip is damaged")
}

impl Package {
    /// Index the parts of `bytes`, whose cells `book` holds.
    pub(super) fn open(bytes: &[u8], book: &Workbook) -> Result<Package, Problem> {
        let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(corrupt)?;
        let names: Vec<String> = zip
            .file_names()
            .map(|n| n.map(|n| n.into_owned()))
            .collect::<Result<_, _>>()
            .map_err(corrupt)?;
        let map = crate::xlsx::package::map_package(&mut zip)?;
        let sheets: Vec<Option<String>> = book
            .sheets
            .iter()
            .map(|s| {
                map.sheets
                    .iter()
                    .find(|p| p.name == s.name)
                    .map(|p| p.path.clone())
            })
            .collect();
        let mut comments = HashMap::new();
        for (index, path) in sheets.iter().enumerate() {
            let Some(path) = path else { continue };
            for kind in ["/comments", "/threadedComment"] {
                for part in crate::xlsx::package::related_parts(&mut zip, path, kind)? {
                    comments.insert(part, index);
                }
            }
        }
        Ok(Package {
            names,
            sheets,
            workbook: map.workbook,
            shared_strings: map.shared_strings,
            comments,
        })
    }

    /// The worksheet part of scrubbed sheet `sheet`.
    pub(super) fn sheet_part(&self, sheet: usize) -> Option<&str> {
        self.sheets.get(sheet).and_then(|p| p.as_deref())
    }
}

fn is_comment_part(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    (file.starts_with("comments") && file.ends_with(".xml")) || path.contains("threadedComments/")
}

/// Scan every part of the package.
pub(super) fn scan_xlsx(
    ctx: &Context,
    needles: &Needles,
    package: &Package,
    bytes: &[u8],
) -> Result<Sink, Problem> {
    let mut sink = Sink::default();
    if needles.is_empty() {
        return Ok(sink);
    }
    let open = || ZipArchive::new(Cursor::new(bytes)).map_err(corrupt);
    let worksheets: HashMap<&str, usize> = package
        .sheets
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.as_deref().map(|p| (p, i)))
        .collect();
    // The shared strings first: the worksheet scan needs to know which strings hold a hit.
    let strings = match &package.shared_strings {
        Some(path) => {
            let mut zip = open()?;
            let entry = zip.by_name(path).map_err(corrupt)?;
            shared_string_hits(entry, needles)?
        }
        None => SharedStrings::default(),
    };
    // Then every other part, in parallel (each task opens its own view of the zip). Results
    // come back in package order, so the findings are in a stable order.
    let results: Vec<Result<PartScan, Problem>> = package
        .names
        .par_iter()
        .filter(|name| !name.ends_with('/') && Some(*name) != package.shared_strings.as_ref())
        .map(|name| {
            let mut zip = open()?;
            let entry = zip.by_name(name).map_err(corrupt)?;
            match worksheets.get(name.as_str()) {
                Some(&sheet) => scan_worksheet(ctx, needles, &strings.hits, name, sheet, entry),
                None => {
                    let mut data = Vec::new();
                    BufReader::new(entry).read_to_end(&mut data).map_err(|_| {
                        Problem::CorruptWorkbook("a compressed part cannot be read")
                    })?;
                    Ok((
                        scan_part(ctx, needles, package, name, &data),
                        HashMap::new(),
                    ))
                }
            }
        })
        .collect();
    let mut users: HashMap<u32, Users> = HashMap::new();
    for result in results {
        let (part_sink, part_users) = result?;
        sink.append(part_sink);
        for (index, u) in part_users {
            let entry = users.entry(index).or_default();
            entry.kept |= u.kept;
            entry.leaks.extend(u.leaks);
        }
    }
    if let Some(path) = &package.shared_strings {
        for &index in &strings.order {
            match users.remove(&index) {
                Some(u) => {
                    for (sheet, row, col, place) in u.leaks {
                        sink.push(ctx.cell_finding(Some(path), sheet, row, col, Rule::Leak(place)));
                    }
                }
                None => sink.push(Finding {
                    part: Some(path.clone()),
                    sheet: None,
                    row: None,
                    col: None,
                    column: None,
                    rule: Rule::Leak(LeakIn::UnusedSharedString { index }),
                }),
            }
        }
    }
    Ok(sink)
}

/// The findings of one part, and the cells that use shared strings with a hit.
type PartScan = (Sink, HashMap<u32, Users>);

/// The cells that use one shared string holding a hit.
#[derive(Debug, Default)]
struct Users {
    /// Some cell that uses it is kept (or holds what the map put there).
    kept: bool,
    /// The cells for which it is a leak: (scrubbed sheet, row, col, where).
    leaks: Vec<(usize, u32, u32, LeakIn)>,
}

#[derive(Debug, Default)]
struct SharedStrings {
    /// Indices of the strings with a hit.
    hits: HashSet<u32>,
    /// The same, in table order.
    order: Vec<u32>,
}

fn xml_error<E>(_: E) -> Problem {
    Problem::CorruptWorkbook("malformed XML in the package")
}

/// Text of one event, unescaped, appended to `out`. Entity references arrive as events of
/// their own, so text split by `&amp;` is joined again before it is searched.
fn push_text(event: &Event, out: &mut String) {
    match event {
        Event::Text(t) => out.push_str(&t.xml_content(XmlVersion::Implicit1_0)),
        Event::CData(t) => out.push_str(&t.xml_content(XmlVersion::Implicit1_0)),
        Event::GeneralRef(r) => match r.resolve_char_ref() {
            Ok(Some(c)) => out.push(c),
            _ => {
                let name: &str = r;
                match quick_xml::escape::resolve_predefined_entity(name) {
                    Some(s) => out.push_str(s),
                    None => {
                        out.push('&');
                        out.push_str(name);
                        out.push(';');
                    }
                }
            }
        },
        _ => {}
    }
}

fn attr(e: &BytesStart, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// Whether any attribute value of `e` holds a removed value.
fn attributes_hit(e: &BytesStart, needles: &Needles) -> bool {
    e.attributes().flatten().any(|a| {
        a.normalized_value(XmlVersion::Implicit1_0)
            .is_ok_and(|v| needles.found_in(&v))
    })
}

/// Which strings of the shared strings table hold a removed value. Every text of an item
/// counts, phonetic runs (`<rPh>`) included, which calamine does not read.
fn shared_string_hits(part: impl Read, needles: &Needles) -> Result<SharedStrings, Problem> {
    let mut reader = Reader::from_reader(BufReader::with_capacity(1 << 16, part));
    let mut buf = Vec::new();
    let mut out = SharedStrings::default();
    let mut index: u32 = 0;
    let mut text = String::new();
    let mut inside = false;
    loop {
        let event = reader.read_event_into(&mut buf).map_err(xml_error)?;
        match &event {
            Event::Start(e) if e.local_name().as_ref() == "si" => {
                inside = true;
                text.clear();
            }
            Event::Empty(e) if e.local_name().as_ref() == "si" => index += 1,
            Event::End(e) if e.local_name().as_ref() == "si" => {
                if needles.found_in(&text) {
                    out.hits.insert(index);
                    out.order.push(index);
                }
                inside = false;
                index += 1;
            }
            // The runs and phonetic runs of one item are joined as they are: what counts as a
            // word boundary between them is the search's business.
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) if inside => {
                push_text(&event, &mut text)
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(out)
}

/// What is being read inside a `<c>` element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Capture {
    None,
    Formula,
    Value,
    Inline,
}

/// One `<c>` element being read.
#[derive(Debug, Default)]
struct Cell {
    row: u32,
    col: u32,
    shared: bool,
    has_formula: bool,
    formula: String,
    value: String,
    inline: String,
}

/// `E2` → `(1, 4)`.
fn parse_a1(r: &str) -> Option<(u32, u32)> {
    let letters = r.bytes().take_while(u8::is_ascii_alphabetic).count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let col = r[..letters].bytes().fold(0u32, |acc, b| {
        acc * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1)
    });
    let row: u32 = r[letters..].parse().ok()?;
    (row >= 1).then(|| (row - 1, col - 1))
}

/// Scan one worksheet part, streaming.
fn scan_worksheet(
    ctx: &Context,
    needles: &Needles,
    hits: &HashSet<u32>,
    part: &str,
    sheet: usize,
    entry: impl Read,
) -> Result<PartScan, Problem> {
    let mut sink = Sink::default();
    let mut users: HashMap<u32, Users> = HashMap::new();
    let mut reader = Reader::from_reader(BufReader::with_capacity(1 << 16, entry));
    let mut buf = Vec::new();
    let mut in_data = false;
    let mut row: Option<u32> = None;
    let mut next_col: u32 = 0;
    let mut cell: Option<Cell> = None;
    let mut capture = Capture::None;
    let mut other = String::new();
    let leak_outside_cells = |sink: &mut Sink| {
        sink.push(Finding {
            part: Some(part.to_string()),
            sheet: Some(ctx.scrubbed.sheets[sheet].name.clone()),
            row: None,
            col: None,
            column: None,
            rule: Rule::Leak(LeakIn::SheetContent),
        })
    };
    loop {
        let event = reader.read_event_into(&mut buf).map_err(xml_error)?;
        if !in_data
            && matches!(
                event,
                Event::Start(_) | Event::Empty(_) | Event::End(_) | Event::Eof
            )
            && !other.is_empty()
        {
            if needles.found_in(&other) {
                leak_outside_cells(&mut sink);
            }
            other.clear();
        }
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(event, Event::Empty(_));
                match e.local_name().as_ref() {
                    "sheetData" => in_data = !empty,
                    "row" if in_data => {
                        row = Some(match attr(e, "r").and_then(|r| r.parse::<u32>().ok()) {
                            Some(r) if r >= 1 => r - 1,
                            _ => row.map_or(0, |r| r + 1),
                        });
                        next_col = 0;
                    }
                    "c" if in_data => {
                        let (r, c) = attr(e, "r")
                            .and_then(|r| parse_a1(&r))
                            .unwrap_or((row.unwrap_or(0), next_col));
                        next_col = c + 1;
                        if !empty {
                            cell = Some(Cell {
                                row: r,
                                col: c,
                                shared: attr(e, "t").as_deref() == Some("s"),
                                ..Cell::default()
                            });
                        }
                    }
                    "f" if cell.is_some() => {
                        if let Some(cell) = cell.as_mut() {
                            cell.has_formula = true;
                        }
                        if !empty {
                            capture = Capture::Formula;
                        }
                    }
                    "v" if cell.is_some() && !empty => capture = Capture::Value,
                    "t" if cell.is_some() && !empty => capture = Capture::Inline,
                    _ if !in_data && attributes_hit(e, needles) => {
                        leak_outside_cells(&mut sink);
                    }
                    _ => {}
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                "sheetData" => in_data = false,
                "f" | "v" | "t" => capture = Capture::None,
                "c" => {
                    if let Some(done) = cell.take() {
                        judge_cell(ctx, needles, hits, part, sheet, done, &mut sink, &mut users);
                    }
                    capture = Capture::None;
                }
                _ => {}
            },
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => match (&mut cell, capture) {
                (Some(c), Capture::Formula) => push_text(&event, &mut c.formula),
                (Some(c), Capture::Value) => push_text(&event, &mut c.value),
                (Some(c), Capture::Inline) => push_text(&event, &mut c.inline),
                _ if !in_data => push_text(&event, &mut other),
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok((sink, users))
}

/// Decide whether a finished cell leaks.
#[allow(clippy::too_many_arguments)]
fn judge_cell(
    ctx: &Context,
    needles: &Needles,
    hits: &HashSet<u32>,
    part: &str,
    sheet: usize,
    cell: Cell,
    sink: &mut Sink,
    users: &mut HashMap<u32, Users>,
) {
    let Cell { row, col, .. } = cell;
    let leak = |sink: &mut Sink, place: LeakIn| {
        sink.push(ctx.cell_finding(Some(part), sheet, row, col, Rule::Leak(place)));
    };
    if cell.has_formula {
        // A formula is never "kept": its text and its cached value are in the file whatever
        // the cell shows, and the cached value often repeats the very names removed.
        if needles.found_in(&cell.formula) {
            leak(sink, LeakIn::Formula);
        }
        let cached_hit = needles.found_in(&cell.value)
            || needles.found_in(&cell.inline)
            || number_hit(needles, &cell.value);
        if !cell.shared && cached_hit {
            leak(sink, LeakIn::CachedValue);
        }
        if cell.shared {
            if let Some(index) = cell
                .value
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|i| hits.contains(i))
            {
                users
                    .entry(index)
                    .or_default()
                    .leaks
                    .push((sheet, row, col, LeakIn::CachedValue));
            }
        }
        return;
    }
    if cell.shared {
        let Some(index) = cell.value.trim().parse::<u32>().ok() else {
            return;
        };
        if !hits.contains(&index) {
            return;
        }
        let entry = users.entry(index).or_default();
        match ctx.judge(sheet, row, col) {
            Verdict::Kept | Verdict::FromMap => entry.kept = true,
            Verdict::Scrubbed => entry.leaks.push((sheet, row, col, LeakIn::ScrubbedCell)),
            Verdict::Changed => entry.leaks.push((sheet, row, col, LeakIn::ChangedCell)),
        }
        return;
    }
    if needles.found_in(&cell.inline)
        || needles.found_in(&cell.value)
        || number_hit(needles, &cell.value)
    {
        match ctx.judge(sheet, row, col) {
            Verdict::Kept | Verdict::FromMap => {}
            Verdict::Scrubbed => leak(sink, LeakIn::ScrubbedCell),
            Verdict::Changed => leak(sink, LeakIn::ChangedCell),
        }
    }
}

/// A number is searched as written and as the actions saw it: Excel writes `51.507351` as
/// `51.507350999999997`, while the removed value is the shortest form calamine's `f64` prints.
fn number_hit(needles: &Needles, value: &str) -> bool {
    let long = value.len() > 15 || value.contains(['E', 'e']);
    long && value
        .trim()
        .parse::<f64>()
        .is_ok_and(|n| needles.found_in(&n.to_string()))
}

/// What kind of place a part is, for a leak found in it. `comment` says that a worksheet
/// refers to the part as its comments.
fn part_kind(name: &str, in_defined_name: bool, comment: bool) -> LeakIn {
    let lower = name.to_ascii_lowercase();
    if comment || is_comment_part(name) || lower.starts_with("xl/persons/") {
        LeakIn::Comment
    } else if lower.starts_with("docprops/") {
        LeakIn::DocProps
    } else if in_defined_name {
        LeakIn::DefinedName
    } else if lower.starts_with("xl/tables/") {
        LeakIn::Table
    } else if lower.starts_with("xl/pivotcache/") {
        LeakIn::PivotCache
    } else {
        LeakIn::Part
    }
}

/// Scan any part but a worksheet or the shared strings table.
fn scan_part(ctx: &Context, needles: &Needles, package: &Package, name: &str, data: &[u8]) -> Sink {
    let mut sink = Sink::default();
    let sheet = package.comments.get(name).copied();
    let is_xml = [".xml", ".rels", ".vml"]
        .iter()
        .any(|ext| name.to_ascii_lowercase().ends_with(ext));
    let xml_findings = if is_xml {
        std::str::from_utf8(data)
            .ok()
            .and_then(|text| scan_xml_part(ctx, needles, name, sheet, text))
    } else {
        None
    };
    match xml_findings {
        Some(found) => {
            for f in found {
                sink.push(f);
            }
        }
        None => {
            // Not XML (printer settings, images, a VBA project) or malformed: search the
            // bytes as text, with what XML escaping there may be undone.
            let text = String::from_utf8_lossy(data);
            let text = quick_xml::escape::unescape(&text)
                .map(|t| t.into_owned())
                .unwrap_or_else(|_| text.into_owned());
            if needles.found_in(&text) {
                sink.push(Finding {
                    part: Some(name.to_string()),
                    sheet: sheet.map(|s| ctx.scrubbed.sheets[s].name.clone()),
                    row: None,
                    col: None,
                    column: None,
                    rule: Rule::Leak(part_kind(name, false, sheet.is_some())),
                });
            }
        }
    }
    sink
}

/// Scan an XML part's text and attribute values; `None` when it is not well-formed.
fn scan_xml_part(
    ctx: &Context,
    needles: &Needles,
    name: &str,
    sheet: Option<usize>,
    xml: &str,
) -> Option<Vec<Finding>> {
    let mut reader = Reader::from_str(xml);
    let mut found: Vec<Finding> = Vec::new();
    let mut text = String::new();
    // The cell a comment is attached to (`<comment ref="B2">`, `<threadedComment ref="B2">`).
    let mut comment_cell: Option<(u32, u32)> = None;
    let mut defined_name = false;
    let report = |cell: Option<(u32, u32)>, defined_name: bool, found: &mut Vec<Finding>| {
        let finding = match (sheet, cell) {
            (Some(s), Some((row, col))) => ctx.cell_finding(
                Some(name),
                s,
                row,
                col,
                Rule::Leak(part_kind(name, false, true)),
            ),
            _ => Finding {
                part: Some(name.to_string()),
                sheet: sheet.map(|s| ctx.scrubbed.sheets[s].name.clone()),
                row: None,
                col: None,
                column: None,
                rule: Rule::Leak(part_kind(name, defined_name, sheet.is_some())),
            },
        };
        // One finding per place, however many values it holds.
        if found.last() != Some(&finding) {
            found.push(finding);
        }
    };
    loop {
        let event = reader.read_event().ok()?;
        if matches!(
            event,
            Event::Start(_) | Event::Empty(_) | Event::End(_) | Event::Eof
        ) {
            if needles.found_in(&text) {
                report(comment_cell, defined_name, &mut found);
            }
            text.clear();
        }
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let local = e.local_name();
                let local: &str = local.as_ref();
                if matches!(local, "comment" | "threadedComment") {
                    comment_cell = attr(e, "ref").and_then(|r| parse_a1(&r));
                }
                if local == "definedName" && matches!(event, Event::Start(_)) {
                    defined_name = true;
                }
                if attributes_hit(e, needles) {
                    report(comment_cell, defined_name, &mut found);
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                "comment" | "threadedComment" => comment_cell = None,
                "definedName" => defined_name = false,
                _ => {}
            },
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => push_text(&event, &mut text),
            Event::Eof => break,
            _ => {}
        }
    }
    Some(found)
}

/// Scan the cells of a scrubbed CSV (or any workbook model without a package).
pub(super) fn scan_cells(ctx: &Context, needles: &Needles) -> Sink {
    let mut sink = Sink::default();
    if needles.is_empty() {
        return sink;
    }
    for (s, sheet) in ctx.scrubbed.sheets.iter().enumerate() {
        for (row, col, value) in sheet.cells.used_cells() {
            let hit = match value {
                Data::String(t) | Data::DateTimeIso(t) | Data::DurationIso(t) => {
                    needles.found_in(t)
                }
                Data::Empty | Data::Error(_) => false,
                other => needles.found_in(&other.to_string()),
            };
            if !hit {
                continue;
            }
            // `used_cells` counts from the range's start; cells are addressed absolutely.
            let (r0, c0) = sheet.cells.start().unwrap_or((0, 0));
            let (row, col) = (row as u32 + r0, col as u32 + c0);
            let place = match ctx.judge(s, row, col) {
                Verdict::Kept | Verdict::FromMap => continue,
                Verdict::Scrubbed => LeakIn::ScrubbedCell,
                Verdict::Changed => LeakIn::ChangedCell,
            };
            sink.push(ctx.cell_finding(None, s, row, col, Rule::Leak(place)));
        }
    }
    sink
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a1_references() {
        assert_eq!(parse_a1("A1"), Some((0, 0)));
        assert_eq!(parse_a1("E2"), Some((1, 4)));
        assert_eq!(parse_a1("aa10"), Some((9, 26)));
        assert_eq!(parse_a1("XFD1048576"), Some((1_048_575, 16_383)));
        assert_eq!(parse_a1("A0"), None);
        assert_eq!(parse_a1("12"), None);
        assert_eq!(parse_a1("ABCD1"), None);
    }

    #[test]
    fn shared_strings_are_searched_with_entities_and_phonetic_runs() {
        let needles = Needles::new(["Smith & Jones", "Tanaka Hiroshi", "たなか"]);
        // Runs and phonetic runs of one item are joined as they are: 田中 and たなか are
        // words of their own in an unspaced script.
        let sst = r#"<?xml version="1.0"?><sst xmlns="x" count="4"><si><t>Deleted</t></si><si><t>Smith &amp; Jones</t></si><si/><si><r><t>田中</t></r><rPh sb="0" eb="2"><t>たなか</t></rPh></si><si><t xml:space="preserve">Tanaka&#x20;Hiroshi</t></si></sst>"#;
        let found = shared_string_hits(sst.as_bytes(), &needles).unwrap();
        assert_eq!(found.order, [1, 3, 4]);
    }

    #[test]
    fn comment_parts_are_recognized() {
        assert!(is_comment_part("xl/comments1.xml"));
        assert!(is_comment_part("xl/threadedComments/threadedComment1.xml"));
        assert!(!is_comment_part("xl/worksheets/sheet1.xml"));
        assert_eq!(
            part_kind("docProps/core.xml", false, false),
            LeakIn::DocProps
        );
        assert_eq!(
            part_kind("xl/workbook.xml", true, false),
            LeakIn::DefinedName
        );
        assert_eq!(part_kind("xl/notes.xml", false, true), LeakIn::Comment);
        assert_eq!(
            part_kind("xl/pivotCache/pivotCacheRecords1.xml", false, false),
            LeakIn::PivotCache
        );
    }
}
