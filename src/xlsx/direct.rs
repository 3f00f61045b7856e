//! Open a workbook without calamine's reader: the sheets of `workbook.xml`, the number kinds of
//! the styles, the date system and the shared strings, each read as calamine reads them, and
//! each sheet's cells read with [`CellValues`] (the values calamine's streaming reader gives).
//!
//! calamine's reader makes a `String` of every shared string before it reads a cell, and its
//! cell reader takes about twice the time of the lossless pass's parser; a large export read
//! whole (`verify`, `--rebuild`) or cut to its heads (the streaming engine) spent most of its
//! reading there, and the streaming engine then read the shared strings a second time its own
//! way. Read here, the table is read once and handed on ([`Tables`]).
//!
//! Whatever this module does not read exactly as calamine does gives `None`, and the caller
//! reads the workbook with calamine, which says what is wrong if anything is: a workbook part
//! elsewhere than `xl/workbook.xml`, a shared strings or styles part elsewhere than calamine
//! looks for it, a sheet state or type calamine would refuse, a row or cell without a plain
//! reference, a formula (workbooks with formulas are read with calamine's formula reader
//! anyway), a comment among the cells, a value calamine would refuse.

use super::attr;
use super::cells::{self, CellValues, NumberKind, Strings, UsualValue};
use super::package;
use super::patch;
use crate::workbook::Visibility;
use calamine::{Cell, Data, DataType, Range};
use quick_xml::escape::unescape;
use quick_xml::events::{BytesStart, Event};
use std::collections::HashMap;
use std::io::{BufRead, Read};
use zip::ZipArchive;

/// Where calamine reads the workbook's parts.
const WORKBOOK: &str = "xl/workbook.xml";
const RELS: &str = "xl/_rels/workbook.xml.rels";
const STRINGS: &str = "xl/sharedStrings.xml";
const STYLES: &str = "xl/styles.xml";

/// What reading a cell's value needs of the workbook, read once: the shared strings, the
/// number kind of each cell style, the date system.
#[derive(Debug, Default)]
pub(crate) struct Tables {
    pub strings: Strings,
    pub kinds: Vec<NumberKind>,
    pub is_1904: bool,
    /// Whether the workbook has a shared strings part.
    pub has_strings: bool,
    /// What [`super::read::open_keeping`] keeps of the shared strings part besides.
    pub rest: Option<super::strings::Rest>,
}

/// A sheet of `workbook.xml`, as calamine's `sheets_metadata` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DirectSheet {
    pub name: String,
    /// The sheet's part.
    pub path: String,
    pub visibility: Visibility,
    /// A chart sheet (it holds no cells).
    pub chart: bool,
}

/// A workbook opened without calamine (see the module documentation).
#[derive(Debug, Default)]
pub(crate) struct Direct {
    /// The sheets, in workbook order.
    pub sheets: Vec<DirectSheet>,
    pub tables: Tables,
}

/// Whether `zip` has a part named `path`, in any case (as calamine finds its parts).
fn has_part<R: Read + std::io::Seek>(zip: &ZipArchive<R>, path: &str) -> bool {
    zip.file_names()
        .any(|n| n.map_or(true, |n| n.eq_ignore_ascii_case(path)))
}

/// The shared strings of the package `map` describes as calamine reads them (the texts cells
/// show, one per item the lossless writer copies; see [`super::strings::texts`]), and whether
/// it has a part of them. calamine reads the table at one place, whatever the relationships say
/// (and finds it in any case): `Ok(None)` when the table is elsewhere, or cannot be read as
/// calamine reads it. With `keep`, third, what [`super::strings::texts`] keeps of the
/// part besides (none when there is no part).
///
/// # Errors
/// When the part cannot be inflated.
pub(crate) fn shared_strings<R: Read + std::io::Seek + Send>(
    zip: &mut ZipArchive<R>,
    map: &package::PackageMap,
    keep: bool,
) -> Result<Option<(Strings, bool, Option<super::strings::Rest>)>, crate::error::Problem> {
    match &map.shared_strings {
        Some(path) if path == STRINGS && map.workbook == WORKBOOK => {
            // Read as it is inflated (ahead, on another thread of the pool when one is free):
            // the part is never held whole.
            let entry = zip
                .by_name(path)
                .map_err(|_| crate::error::ReadError::MissingPart(path.to_string()))?;
            let size = entry.size().min(1 << 28) as usize;
            let mut rest = keep.then(|| super::strings::Rest::of_part(path));
            let read = super::ahead::read_ahead(entry, |input| {
                super::strings::texts(input, size, rest.as_mut())
            });
            Ok(read?.ok().map(|strings| (strings, true, rest)))
        }
        None if !has_part(zip, STRINGS) => Ok(Some((Strings::default(), false, None))),
        _ => Ok(None),
    }
}

/// Open `zip` the way calamine's `Xlsx::new` does; `None` where this module does not read it
/// as calamine does.
/// With `keep`, its tables keep what [`super::strings::texts`] keeps.
pub(crate) fn open<R: Read + std::io::Seek + Send>(
    zip: &mut ZipArchive<R>,
    keep: bool,
) -> Option<Direct> {
    let map = package::map_package(zip).ok()?;
    if map.workbook != WORKBOOK {
        return None;
    }
    // calamine looks for the parts at these places, whatever the relationships say (and
    // finds them in any case): only the exact names are read here.
    let (strings, has_strings, rest) = shared_strings(zip, &map, keep).ok()??;
    let kinds = if zip.index_for_name(STYLES).is_some() {
        kinds(&package::read_part(zip, STYLES).ok()?)?
    } else if has_part(zip, STYLES) {
        return None;
    } else {
        Vec::new()
    };
    let rels = package::relationships(&package::read_part(zip, RELS).ok()?, "xl").ok()?;
    let (sheets, is_1904) = sheets(&package::read_part(zip, WORKBOOK).ok()?, &rels)?;
    Some(Direct {
        sheets,
        tables: Tables {
            strings,
            kinds,
            is_1904,
            has_strings,
            rest,
        },
    })
}

/// An attribute's raw (escaped) value, by its qualified name.
fn raw_attr<'a>(e: &'a BytesStart<'_>, name: &str) -> Option<Option<&'a str>> {
    for a in e.attributes() {
        let a = a.ok()?;
        if a.key.as_ref() == name {
            return Some(Some(match a.value {
                std::borrow::Cow::Borrowed(v) => v,
                std::borrow::Cow::Owned(_) => return None,
            }));
        }
    }
    Some(None)
}

/// An attribute value unescaped as calamine's `decode_attr` does.
fn decode(raw: &str) -> Option<String> {
    unescape(raw).ok().map(|t| t.into_owned())
}

/// The sheets of `workbook.xml` and its date system, as calamine's `read_workbook` reads them;
/// `None` where calamine would fail or read them otherwise.
fn sheets(
    xml: &[u8],
    rels: &HashMap<String, package::Relationship>,
) -> Option<(Vec<DirectSheet>, bool)> {
    let mut reader = cells::xml_reader(xml);
    let mut buf = Vec::new();
    let mut sheets = Vec::new();
    let mut is_1904 = false;
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) if e.local_name().as_ref() == "sheet" => {
                let (mut name, mut id, mut visibility) = (String::new(), None, Visibility::Visible);
                for a in e.attributes() {
                    let a = a.ok()?;
                    let std::borrow::Cow::Borrowed(value) = a.value else {
                        return None;
                    };
                    match a.key.as_ref() {
                        "name" => name = decode(value)?,
                        "state" => {
                            visibility = match value {
                                "visible" => Visibility::Visible,
                                "hidden" => Visibility::Hidden,
                                "veryHidden" => Visibility::VeryHidden,
                                _ => return None,
                            }
                        }
                        key if key == "id" || key.ends_with(":id") => {
                            id = Some(value);
                        }
                        _ => {}
                    }
                }
                let rel = rels.get(id?)?;
                let chart = match rel.kind.rsplit('/').next() {
                    Some("worksheet") => false,
                    Some("chartsheet") => true,
                    // Dialog and macro sheets: calamine says what they are.
                    _ => return None,
                };
                sheets.push(DirectSheet {
                    name,
                    path: rel.target.clone(),
                    visibility,
                    chart,
                });
            }
            Event::Start(e) if e.local_name().as_ref() == "workbookPr" => {
                if let Some(v) = raw_attr(&e, "date1904")? {
                    is_1904 = v == "1" || v == "true";
                }
            }
            Event::End(e) if e.local_name().as_ref() == "workbook" => break,
            Event::Eof => return None,
            _ => {}
        }
    }
    Some((sheets, is_1904))
}

/// The number kind of each cell style (`cellXfs` entry), as calamine's `read_styles` tells
/// dates from numbers (its `formats`); `None` where calamine would fail.
fn kinds(xml: &[u8]) -> Option<Vec<NumberKind>> {
    let mut reader = cells::xml_reader(xml);
    let (mut buf, mut inner) = (Vec::new(), Vec::new());
    let mut formats: HashMap<String, String> = HashMap::new();
    let mut kinds = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) if e.local_name().as_ref() == "numFmts" => loop {
                inner.clear();
                match reader.read_event_into(&mut inner).ok()? {
                    Event::Start(e) if e.local_name().as_ref() == "numFmt" => {
                        let id = raw_attr(&e, "numFmtId")?;
                        let code = raw_attr(&e, "formatCode")?;
                        if let (Some(id), Some(code)) = (id, code) {
                            formats.insert(id.to_string(), decode(code)?);
                        }
                    }
                    Event::End(e) if e.local_name().as_ref() == "numFmts" => break,
                    Event::Eof => return None,
                    _ => {}
                }
            },
            Event::Start(e) if e.local_name().as_ref() == "cellXfs" => loop {
                inner.clear();
                match reader.read_event_into(&mut inner).ok()? {
                    Event::Start(e) if e.local_name().as_ref() == "xf" => {
                        kinds.push(match raw_attr(&e, "numFmtId")? {
                            None => NumberKind::Other,
                            Some(id) => match formats.get(id) {
                                Some(code) => cells::custom_kind(code),
                                None => builtin_kind(id),
                            },
                        });
                        // The record's body, to its end.
                        let mut body = Vec::new();
                        loop {
                            body.clear();
                            match reader.read_event_into(&mut body).ok()? {
                                Event::End(e) if e.local_name().as_ref() == "xf" => break,
                                Event::Eof => return None,
                                _ => {}
                            }
                        }
                    }
                    Event::End(e) if e.local_name().as_ref() == "cellXfs" => break,
                    Event::Eof => return None,
                    _ => {}
                }
            },
            Event::End(e) if e.local_name().as_ref() == "styleSheet" => break,
            Event::Eof => return None,
            _ => {}
        }
    }
    Some(kinds)
}

/// calamine's `builtin_format_by_id`, which matches the id as written (`14`, not `014`).
fn builtin_kind(id: &str) -> NumberKind {
    match id.parse::<u32>() {
        Ok(n) if n.to_string() == id => cells::builtin_kind(n),
        _ => NumberKind::Other,
    }
}

/// What [`each_cell`] calls with each cell: its row and column, the whole `<c>` element, the
/// reading of its start tag when it is a usual one ([`attr::UsualStart`]) and its value when
/// it is of a usual shape ([`UsualValue`]); `Some(false)` to stop, `None` to give up.
trait EachCell:
    FnMut(u32, u32, &[u8], Option<&attr::UsualStart>, Option<&UsualValue>) -> Option<bool>
{
}

impl<F> EachCell for F where
    F: FnMut(u32, u32, &[u8], Option<&attr::UsualStart>, Option<&UsualValue>) -> Option<bool>
{
}

/// Call `cell` with each cell of a sheet's XML, in document order: its row and column and the
/// whole `<c>` element; `cell` returns `Some(false)` to stop, `None` to give up. `None` for XML
/// this reader does not take (see the module documentation).
///
/// Elements that lie whole in the input's buffer (nearly all) are read there, with no copy and
/// no call to the reader per tag; one that the buffer cuts, and any comment or CDATA section,
/// is read tag by tag into a buffer of its own. Either way an element ends where the other
/// would end it (see [`element_len`]).
fn each_cell(input: &mut dyn BufRead, cell: impl EachCell) -> Option<()> {
    each_cell_in(input, None, cell)
}

/// [`each_cell`]; with `strict`, it also gives up on anything among the cells that a sheet's
/// scan notes ([`package::plain_cell`], [`package::foreign_tag`]: a formula, a comment, text
/// outside a value, a tag or attribute no reader reads whole), and puts in `strict` the end
/// tag of `<sheetData>` as written, once the cells end there.
fn each_cell_in(
    mut input: &mut dyn BufRead,
    strict: Option<&mut Vec<u8>>,
    mut cell: impl EachCell,
) -> Option<()> {
    let mut tag = Vec::with_capacity(1 << 12);
    let mut walk = CellWalk {
        in_row: false,
        row: 0,
        strict: strict.is_some().then_some(Strict {
            in_cells: false,
            end: Vec::new(),
        }),
    };
    let ended = 'read: loop {
        // The elements whole in the buffer, read in place.
        let (used, done) = {
            let chunk = input.fill_buf().ok()?;
            if chunk.is_empty() {
                return None;
            }
            let mut used = 0;
            let mut done = None;
            loop {
                // The next element most often starts right here.
                let next = match chunk.get(used) {
                    Some(b'<') => Some(0),
                    _ => memchr::memchr(b'<', &chunk[used..]),
                };
                let Some(lt) = next else {
                    // Text to the end: no element starts in it.
                    if !walk.text_allowed(&chunk[used..]) {
                        return None;
                    }
                    used = chunk.len();
                    break;
                };
                let lt = used + lt;
                if !walk.text_allowed(&chunk[used..lt]) {
                    return None;
                }
                // A cell of a usual shape is cut at once (see [`UsualValue`]).
                let usual = usual_cell(&chunk[lt..]);
                let len = usual.as_ref().map(UsualValue::end);
                let Some(len) = len.or_else(|| element_len(&chunk[lt..])) else {
                    // Read below, from its `<`.
                    used = lt;
                    break;
                };
                used = lt + len;
                if let Step::Stop(end) = walk.step(&chunk[lt..used], usual.as_ref(), &mut cell) {
                    done = Some(end);
                    break;
                }
            }
            (used, done)
        };
        input.consume(used);
        if let Some(end) = done {
            break 'read end;
        }
        // The next element, cut by the buffer's end (or a comment or CDATA section), read tag
        // by tag.
        let found = {
            let chunk = input.fill_buf().ok()?;
            if chunk.is_empty() {
                return None;
            }
            chunk[0] == b'<'
        };
        if !found {
            continue;
        }
        tag.clear();
        input.read_until(b'>', &mut tag).ok()?;
        if tag.starts_with(b"<!--") || tag.starts_with(b"<![CDATA[") {
            let end: &[u8] = if tag.starts_with(b"<!--") {
                b"-->"
            } else {
                b"]]>"
            };
            if walk.in_row || walk.strict.as_ref().is_some_and(|s| s.in_cells) {
                return None;
            }
            patch::read_until_suffix(&mut input, &mut tag, end).ok()?;
            continue;
        }
        if patch::is_tag(&tag, b"c") && !tag.ends_with(b"/>") {
            let end = patch::end_tag(&tag);
            patch::read_until_suffix(&mut input, &mut tag, &end).ok()?;
        }
        if let Step::Stop(end) = walk.step(&tag, None, &mut cell) {
            break 'read end;
        }
    };
    if let (Some(out), Some(walked)) = (strict, walk.strict) {
        *out = walked.end;
    }
    ended
}

/// The cell `bytes` starts with (at its `<`), when it is of a usual shape (see
/// [`UsualValue`]): a cell `c` or `x:c`, not empty, with a usual value. It ends where
/// [`element_len`] ends it.
fn usual_cell(bytes: &[u8]) -> Option<UsualValue> {
    if !(bytes.starts_with(b"<c ") || bytes.starts_with(b"<x:c ")) {
        return None;
    }
    let gt = memchr::memchr(b'>', bytes)?;
    let (tag, content) = bytes.split_at(gt + 1);
    UsualValue::find(tag, content)
}

/// The length of the element `bytes` starts with (at its `<`) as [`each_cell`] reads it: a tag
/// to its first `>`, a `<c>` element to its end tag (the first after its start tag, as
/// [`patch::read_until_suffix`] finds it). `None` when it does not end within `bytes`, and for
/// a comment or CDATA section (read tag by tag, which is rare).
fn element_len(bytes: &[u8]) -> Option<usize> {
    let gt = memchr::memchr(b'>', bytes)?;
    let tag = &bytes[..=gt];
    if tag.starts_with(b"<!--") || tag.starts_with(b"<![CDATA[") {
        return None;
    }
    if !patch::is_tag(tag, b"c") || tag.ends_with(b"/>") {
        return Some(gt + 1);
    }
    let end = patch::end_tag(tag);
    if tag.len() >= end.len() && tag.ends_with(&end) {
        return Some(gt + 1);
    }
    // The end tag holds one `>`, its last byte: it starts after the start tag's `>`, and ends
    // at one of the next `>` (a cell has few: `<v>`, `</v>`, `</c>`).
    let n = end.len();
    memchr::memchr_iter(b'>', &bytes[gt + 1..])
        .map(|i| gt + 1 + i + 1)
        .find(|&to| to >= gt + 1 + n && super::cells::same(&bytes[to - n..to], &end))
}

/// Where [`each_cell`] is among a sheet's rows.
struct CellWalk {
    in_row: bool,
    row: u32,
    /// Where a strict reading is (see [`each_cell_in`]), if it is one.
    strict: Option<Strict>,
}

/// Where a strict reading of the cells is.
struct Strict {
    /// Whether `<sheetData>` has started: what precedes it is the scan's, read at opening.
    in_cells: bool,
    /// The end tag of `<sheetData>`, as written, once read.
    end: Vec<u8>,
}

/// What [`CellWalk::step`] says of the sheet after an element.
enum Step {
    Go,
    /// The cells end: what [`each_cell`] returns.
    Stop(Option<()>),
}

impl CellWalk {
    /// Whether `text`, between two elements, is what this reading takes there: anything
    /// outside the cells and in a lenient reading, only XML's white space among the cells of a
    /// strict one (text there is read by no reader).
    fn text_allowed(&self, text: &[u8]) -> bool {
        !self.strict.as_ref().is_some_and(|s| s.in_cells) || package::is_xml_space(text)
    }

    /// Take one whole element (not a comment or CDATA section); `usual` when it is a cell of a
    /// usual shape ([`usual_cell`]).
    #[inline]
    fn step(&mut self, tag: &[u8], usual: Option<&UsualValue>, cell: &mut impl EachCell) -> Step {
        self.take(tag, usual, cell).unwrap_or(Step::Stop(None))
    }

    /// [`CellWalk::step`], `None` to give up.
    #[inline]
    fn take(
        &mut self,
        tag: &[u8],
        usual: Option<&UsualValue>,
        cell: &mut impl EachCell,
    ) -> Option<Step> {
        let strict = match self.strict.as_mut() {
            // What precedes the cells is the scan's; the cells start with `<sheetData>`.
            Some(strict) if !strict.in_cells => {
                if patch::is_tag(tag, b"sheetData") && tag.ends_with(b"/>") {
                    return Some(Step::Stop(Some(())));
                }
                strict.in_cells = patch::is_tag(tag, b"sheetData");
                return Some(Step::Go);
            }
            strict => strict,
        };
        // A cell of a usual shape (nearly all) is a cell: no other tag's name is read for it.
        if usual.is_some() || patch::is_tag(tag, b"c") {
            let strict = strict.is_some();
            return self.cell(tag, usual, strict, cell);
        }
        if (tag.starts_with(b"</") && tag.ends_with(b"sheetData>"))
            || (patch::is_tag(tag, b"sheetData") && tag.ends_with(b"/>"))
        {
            if let Some(strict) = strict {
                strict.end = tag.to_vec();
            }
            return Some(Step::Stop((!self.in_row).then_some(())));
        } else if patch::is_tag(tag, b"row") {
            if self.in_row {
                return None;
            }
            if strict.is_some() && package::foreign_row(tag) {
                return None;
            }
            self.row = attr::lenient(tag, b"r")?
                .parse::<u32>()
                .ok()?
                .checked_sub(1)?;
            self.in_row = !tag.ends_with(b"/>");
        } else if self.in_row && tag.starts_with(b"</") && patch::is_tag(&tag[1..], b"row") {
            self.in_row = false;
        } else if strict.is_some() {
            // Any other element among the cells is read by no reader.
            return None;
        }
        Some(Step::Go)
    }

    /// [`Self::take`] of a cell's element `tag` (of a usual shape when `usual` is given);
    /// `strict` when the reading is strict.
    #[inline]
    fn cell(
        &mut self,
        tag: &[u8],
        usual: Option<&UsualValue>,
        strict: bool,
        cell: &mut impl EachCell,
    ) -> Option<Step> {
        if !self.in_row {
            return None;
        }
        let start_end = match usual {
            Some(usual) => usual.start_end(),
            None => memchr::memchr(b'>', tag)? + 1,
        };
        let start = tag.get(..start_end)?;
        // A reference as writers make it, in this row.
        let (usual_start, r) = attr::cell_reference(start);
        let (at, col) = crate::a1::parse_written_cell(r?)?;
        if at != self.row {
            return None;
        }
        let start = usual_start.map(|u| u.start_at(start));
        if strict && !package::plain_cell_cut(tag, start.as_ref(), usual) {
            return None;
        }
        if !cell(self.row, col, tag, start.as_ref(), usual)? {
            return Some(Step::Stop(Some(())));
        }
        Some(Step::Go)
    }
}

/// A sheet's cells put straight into a grid of `span` (what its references name), cut to the
/// cells that hold a value, as `worksheet_range` reads them; `None` to leave the sheet to
/// calamine.
pub(crate) fn whole(
    input: &mut dyn BufRead,
    values: &mut CellValues<'_>,
    span: Option<((u32, u32), (u32, u32))>,
) -> Option<Range<Data>> {
    let Some((first, last)) = span else {
        // No references: a sheet without cells (a cell without one gives up).
        each_cell(input, |_, _, _, _, _| None)?;
        return Some(Range::empty());
    };
    let mut grid = Grid {
        cells: Range::new(first, last),
        span: (first, last),
        used: None,
    };
    if rayon::current_num_threads() < 2 {
        each_cell(input, |r, c, raw, start, usual| {
            let value = values.value_in(raw, start, usual).ok()?;
            grid.set(r, c, Data::from(value))?;
            Some(true)
        })?;
    } else {
        converted_beside(input, values, &mut grid)?;
    }
    let Grid {
        cells: grid, used, ..
    } = grid;
    Some(match used {
        None => Range::empty(),
        Some(bounds) if bounds == (first, last) => grid,
        Some((start, end)) => grid.range(start, end),
    })
}

/// A sheet's grid being filled by [`whole`]: the cells, the span its references name, and the
/// span of the cells that hold a value so far.
struct Grid {
    cells: Range<Data>,
    span: ((u32, u32), (u32, u32)),
    used: Option<((u32, u32), (u32, u32))>,
}

impl Grid {
    /// Put `value` at row `r`, column `c`; `None` for a value outside the span.
    fn set(&mut self, r: u32, c: u32, value: Data) -> Option<()> {
        if value.is_empty() {
            return Some(());
        }
        let (first, last) = self.span;
        if r < first.0 || r > last.0 || c < first.1 || c > last.1 {
            return None;
        }
        self.cells.set_value((r, c), value);
        self.used = Some(match self.used {
            None => ((r, c), (r, c)),
            Some(((r0, c0), (r1, c1))) => ((r0.min(r), c0.min(c)), (r1.max(r), c1.max(c))),
        });
        Some(())
    }
}

/// The cells a batch of [`converted_beside`] holds: their XML one after the other, and each
/// one's row, column and end in it.
#[derive(Default)]
struct RawCells {
    xml: Vec<u8>,
    cells: Vec<(u32, u32, usize)>,
    /// Per cell, as [`each_cell`] gives them: its start tag's reading and its usual value.
    starts: Vec<(Option<attr::UsualStart>, Option<UsualValue>)>,
}

/// The cells of one batch of [`converted_beside`], their values read; `None` when a value is
/// one this module does not read.
type Converted = Option<Vec<(u32, u32, Data)>>;

/// The cells a batch of [`converted_beside`] holds: a large sheet's 2.9 million cells go in
/// batches of this many. Three in tests, so that small sheets take many batches.
const BATCH_CELLS: usize = if cfg!(test) { 3 } else { 1 << 13 };

/// The batches read and not yet put into the grid at most, before the parser waits.
const BATCHES_AHEAD: usize = 4;

/// [`whole`]'s reading of the cells with more than one thread: this thread cuts the sheet's
/// XML into cells (and inflates it, unless a helper does, see [`super::ahead`]), and the cells'
/// values are read in batches by tasks of the pool, which a thread with nothing else to do
/// takes (reading a value, making its text, is about half of the work). The values are put
/// into the grid in document order, as the cells come, so that the grid is the one a reading
/// on one thread fills (a place written twice keeps its last value). A task no other thread
/// takes is run here, while the batches ahead are too many or at the end: nothing waits for a
/// task that has not started.
fn converted_beside(
    input: &mut dyn BufRead,
    values: &CellValues<'_>,
    grid: &mut Grid,
) -> Option<()> {
    use std::collections::BTreeMap;
    use std::sync::Mutex;
    let done: Mutex<BTreeMap<usize, Converted>> = Mutex::new(BTreeMap::new());
    // A task that panicked leaves its panic to the scope: the map holds only finished batches.
    fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
        m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
    let convert = |mut values: CellValues<'_>, batch: RawCells| -> Converted {
        let mut out = Vec::with_capacity(batch.cells.len());
        let mut start = 0;
        for ((r, c, end), (usual_start, usual)) in batch.cells.into_iter().zip(batch.starts) {
            let raw = &batch.xml[start..end];
            start = end;
            let value = values
                .value_in(raw, usual_start.as_ref(), usual.as_ref())
                .ok()?;
            out.push((r, c, Data::from(value)));
        }
        Some(out)
    };
    // Put the batches that are read, from `applied` on, into the grid, in order.
    let apply = |applied: &mut usize, grid: &mut Grid| -> Option<()> {
        loop {
            let Some(batch) = lock(&done).remove(applied) else {
                return Some(());
            };
            for (r, c, value) in batch? {
                grid.set(r, c, value)?;
            }
            *applied += 1;
        }
    };
    let (mut sent, mut applied) = (0, 0);
    let read = rayon::in_place_scope(|scope| {
        let mut batch = RawCells::default();
        let mut failed = false;
        let (done, convert) = (&done, &convert);
        let send = |batch: RawCells, sent: &mut usize| {
            let (seq, values) = (*sent, values.fork());
            *sent += 1;
            scope.spawn(move |_| {
                let out = convert(values, batch);
                lock(done).insert(seq, out);
            });
        };
        let cells = each_cell(input, |r, c, raw, start, usual| {
            batch.xml.extend_from_slice(raw);
            batch.cells.push((r, c, batch.xml.len()));
            batch.starts.push((start.cloned(), usual.cloned()));
            if batch.cells.len() < BATCH_CELLS {
                return Some(true);
            }
            send(std::mem::take(&mut batch), &mut sent);
            while !failed {
                failed = apply(&mut applied, grid).is_none();
                if sent - applied <= BATCHES_AHEAD {
                    break;
                }
                // Run a task of this thread's (a batch no other thread took), or let the
                // threads that took them finish.
                if !matches!(rayon::yield_local(), Some(rayon::Yield::Executed)) {
                    std::thread::yield_now();
                }
            }
            Some(!failed)
        });
        if cells.is_some() && !failed && !batch.cells.is_empty() {
            send(batch, &mut sent);
        }
        cells.filter(|_| !failed)
    });
    read?;
    apply(&mut applied, grid)?;
    (applied == sent).then_some(())
}

/// Call `each` with each cell of a sheet's XML that holds a value, in document order: its row,
/// column and value (as [`whole`] reads it), and the shared string it refers to (see
/// [`CellValues::last_ref`]); `each` returns `false` to stop. `None` to leave the sheet to
/// calamine.
pub(crate) fn each_value(
    input: &mut dyn BufRead,
    values: &mut CellValues<'_>,
    each: impl FnMut(u32, u32, Data, Option<Option<usize>>) -> bool,
) -> Option<()> {
    each_value_in(input, values, None, each)
}

/// [`each_value`] of a sheet whose cells were not scanned at opening
/// ([`crate::workbook::Layout::cells_unscanned`]), read from the start of its part: `None`
/// also for anything among the cells that the scan notes (a formula, a comment, text outside a
/// value, a tag or attribute no reader reads whole: see [`each_cell_in`]), and for a reading
/// `each` stops; the part's XML from the end tag of `<sheetData>` to its end (what the scan
/// keeps of it) once every cell is read.
pub(crate) fn each_value_strict(
    input: &mut dyn BufRead,
    values: &mut CellValues<'_>,
    each: impl FnMut(u32, u32, Data, Option<Option<usize>>) -> bool,
) -> Option<Vec<u8>> {
    strictly(input, |input, end| {
        each_value_in(input, values, Some(end), each)
    })
}

/// A strict reading of a sheet's cells by `read` (given where [`each_cell_in`] puts the end
/// tag of `<sheetData>`), then the rest of the part: the part's XML from that end tag to its
/// end. `None` when the reading gives up, or stops before the end tag.
fn strictly(
    input: &mut dyn BufRead,
    read: impl FnOnce(&mut dyn BufRead, &mut Vec<u8>) -> Option<()>,
) -> Option<Vec<u8>> {
    let mut tail = Vec::new();
    read(&mut *input, &mut tail)?;
    if tail.is_empty() {
        return None;
    }
    input.read_to_end(&mut tail).ok()?;
    Some(tail)
}

fn each_value_in(
    input: &mut dyn BufRead,
    values: &mut CellValues<'_>,
    strict: Option<&mut Vec<u8>>,
    mut each: impl FnMut(u32, u32, Data, Option<Option<usize>>) -> bool,
) -> Option<()> {
    each_cell_in(input, strict, |r, c, raw, start, usual| {
        let value = values.value_in(raw, start, usual).ok()?;
        if value.is_empty() {
            return Some(true);
        }
        let value = Data::from(value);
        Some(each(r, c, value, values.last_ref()))
    })
}

/// What [`each_value_ref`] hands each cell that holds a value to.
pub(crate) trait EachValue {
    /// Cell `c` of row `r` holds `value` (borrowed: a shared string is not copied); `false`
    /// to stop.
    fn value(&mut self, r: u32, c: u32, value: calamine::DataRef<'_>) -> bool;
    /// The shared string the value just given refers to (see [`CellValues::last_ref`]).
    fn shared(&mut self, c: u32, shared: Option<Option<usize>>);
}

/// [`each_value`], the values lent to `each` as they are read instead of made into owned
/// [`Data`]: a reader that keeps each column's text from row to row copies it into the place
/// it has (one allocation per column of the sheet, not per cell). With `strict`, the reading
/// is strict as [`each_value_strict`]'s, and puts there the part's XML from the end tag of
/// `<sheetData>` to its end.
pub(crate) fn each_value_ref(
    input: &mut dyn BufRead,
    values: &mut CellValues<'_>,
    each: &mut dyn EachValue,
    strict: Option<&mut Vec<u8>>,
) -> Option<()> {
    let Some(tail) = strict else {
        return each_value_ref_in(input, values, each, None);
    };
    *tail = strictly(input, |input, end| {
        each_value_ref_in(input, values, each, Some(end))
    })?;
    Some(())
}

fn each_value_ref_in(
    input: &mut dyn BufRead,
    values: &mut CellValues<'_>,
    each: &mut dyn EachValue,
    strict: Option<&mut Vec<u8>>,
) -> Option<()> {
    each_cell_in(input, strict, |r, c, raw, start, usual| {
        let value = values.value_in(raw, start, usual).ok()?;
        if value.is_empty() {
            return Some(true);
        }
        if !each.value(r, c, value) {
            return Some(false);
        }
        each.shared(c, values.last_ref());
        Some(true)
    })
}

/// The cells of a sheet's rows 0 to `rows`, and whether it has cells below, as
/// [`super::read`]'s head read gives them; `None` to leave the sheet to calamine.
pub(crate) fn head(
    input: &mut dyn BufRead,
    values: &mut CellValues<'_>,
    rows: u32,
) -> Option<(Range<Data>, bool)> {
    let mut cells = Vec::new();
    let mut more = false;
    each_cell(input, |r, c, raw, start, usual| {
        let value = values.value_in(raw, start, usual).ok()?;
        if value.is_empty() {
            return Some(true);
        }
        if r > rows {
            more = true;
            return Some(false);
        }
        cells.push(Cell::new((r, c), Data::from(value)));
        Some(true)
    })?;
    Some(super::read::head_range(cells, rows, more))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cells `each_cell` gives for `xml` read through a buffer of `capacity` bytes: row,
    /// column and the element as given; `None` where it gives up.
    fn cells(xml: &str, capacity: usize) -> Option<Vec<(u32, u32, String)>> {
        let mut input = std::io::BufReader::with_capacity(capacity, xml.as_bytes());
        let mut out = Vec::new();
        each_cell(&mut input, |r, c, element, _, _| {
            out.push((r, c, String::from_utf8_lossy(element).into_owned()));
            Some(true)
        })?;
        Some(out)
    }

    /// A cell of a usual shape is cut at once ([`usual_cell`]) where the element reading
    /// ends it ([`element_len`]), and handed on with its usual value, which reads as the cell
    /// read whole: in both layouts, for every type, with entities and carriage returns.
    #[test]
    fn a_usual_cell_is_cut_at_once_where_the_element_reading_ends_it() {
        let mut strings = Strings::default();
        for text in ["Ana", "", "Bo Li"] {
            strings.push(text);
        }
        let kinds = vec![NumberKind::Other, NumberKind::DateTime];
        let mut usual_cells = 0;
        for p in ["", "x:"] {
            for t in ["", " t=\"s\"", " t=\"str\"", " t=\"b\"", " t=\"inlineStr\""] {
                for value in ["0", "2", "", "1.5", "1&amp;2", "a\rb", "true"] {
                    for (open, close) in [
                        (format!("<{p}v>"), format!("</{p}v></{p}c>")),
                        (format!("<{p}is><{p}t>"), format!("</{p}t></{p}is></{p}c>")),
                    ] {
                        let cell = format!("<{p}c r=\"B1\" s=\"1\"{t}>{open}{value}{close}");
                        let after = format!("{cell}</{p}row>");
                        let cut = usual_cell(after.as_bytes()).expect("a usual cell");
                        assert_eq!(Some(cut.end()), element_len(after.as_bytes()), "{cell}");
                        assert_eq!(cut.end(), cell.len(), "{cell}");
                        assert_eq!(cut.start_end(), cell.find('>').unwrap() + 1, "{cell}");
                        let xml =
                            format!("<{p}sheetData><{p}row r=\"1\">{cell}</{p}row></{p}sheetData>");
                        let mut input = std::io::BufReader::new(xml.as_bytes());
                        let mut given = Vec::new();
                        each_cell(&mut input, |_, c, raw, start, usual| {
                            let mut once = CellValues::new(&strings, kinds.clone(), false);
                            let mut whole = CellValues::new(&strings, kinds.clone(), false);
                            let read = once.value_in(raw, start, usual).map(Data::from);
                            let prefix = patch::prefix_of(raw);
                            let expected = whole.value_of(raw, prefix, start).map(Data::from);
                            given.push((c, usual.is_some(), read.ok(), expected.ok()));
                            Some(true)
                        })
                        .expect("read");
                        let [(col, usual, read, expected)] = given.as_slice() else {
                            panic!("one cell: {given:?}");
                        };
                        assert_eq!(*col, 1, "{cell}");
                        assert_eq!(read, expected, "{cell}");
                        usual_cells += usize::from(*usual);
                    }
                }
            }
        }
        // Every cell has a usual start tag: each was read at once.
        assert_eq!(usual_cells, 2 * 5 * 7 * 2);
        // Not a usual cell: another element, an empty cell, a cell of another prefix, markup
        // in the value.
        for other in [
            "<row r=\"1\">",
            "<c r=\"A1\"/>",
            "<y:c r=\"A1\"><y:v>1</y:v></y:c>",
            "<c r=\"A1\"><v><![CDATA[1]]></v></c>",
            "<c r=\"A1\"><f>1+1</f><v>2</v></c>",
        ] {
            assert!(usual_cell(other.as_bytes()).is_none(), "{other}");
        }
    }

    /// Elements read in place in the buffer and elements the buffer cuts (read tag by tag)
    /// end at the same place: whatever the buffer's size, the same cells, or the same refusal.
    #[test]
    fn cells_cut_by_the_buffer_are_read_as_those_whole_in_it() {
        let sheets = [
            r#"<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"/><c r="C1" t="inlineStr"><is><t>Zoë &amp; co</t></is></c></row><!-- note --><row r="2" spans="1:3"><c r="A2"><v>1.5</v></c><c r="C2" s="3" t="str"><v>x</v></c></row><row r="3"/></sheetData></worksheet>"#,
            r#"<x:worksheet xmlns:x="m"><x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c></x:row><x:row r="2"><x:c r="B2"><x:v>2</x:v></x:c></x:row></x:sheetData></x:worksheet>"#,
            // A CDATA section outside the rows, text between tags, a cell whose end tag a
            // CDATA section inside it seems to hold (both ways end it there).
            "<sheetData>\n  <![CDATA[ <row r=\"9\"> ]]>\n  <row r=\"1\">\n    <c r=\"A1\"><v>3</v></c>\n  </row>\n</sheetData>",
            r#"<sheetData><row r="1"><c r="A1" t="str"><v><![CDATA[</c>]]></v></c></row></sheetData>"#,
            // Given up on: a comment inside a row, a cell of another row, a cut-off part.
            r#"<sheetData><row r="1"><!-- x --><c r="A1"><v>1</v></c></row></sheetData>"#,
            r#"<sheetData><row r="1"><c r="A2"><v>1</v></c></row></sheetData>"#,
            r#"<sheetData><row r="1"><c r="A1"><v>1</v>"#,
        ];
        for xml in sheets {
            let whole = cells(xml, 1 << 16);
            for capacity in [1, 2, 3, 5, 8, 13, 21, 64] {
                assert_eq!(cells(xml, capacity), whole, "{capacity}: {xml}");
            }
        }
        // What the cells are, to know the comparison is of something.
        let read = cells(sheets[0], 1 << 16).unwrap();
        let places: Vec<(u32, u32)> = read.iter().map(|(r, c, _)| (*r, *c)).collect();
        assert_eq!(places, [(0, 0), (0, 1), (0, 2), (1, 0), (1, 2)]);
        assert_eq!(
            read[2].2,
            r#"<c r="C1" t="inlineStr"><is><t>Zoë &amp; co</t></is></c>"#
        );
        assert_eq!(
            cells(sheets[3], 1 << 16).unwrap()[0].2,
            r#"<c r="A1" t="str"><v><![CDATA[</c>"#
        );
        assert_eq!(cells(sheets[4], 1 << 16), None);
        assert_eq!(cells(sheets[5], 1 << 16), None);
        assert_eq!(cells(sheets[6], 1 << 16), None);
    }
}
