//! The leak scan: every removed value, searched for in the raw output.
//!
//! For xlsx, every entry of the package is decompressed and its text and attribute values are
//! searched, XML-unescaped and also as Excel shows them (`_xHHHH_` escapes decoded, header and
//! footer codes blanked) and as JSON or HTML written into them reads (`Zo\u00eb`, `Zo&euml;`):
//! the sweep's texts, see [`crate::xlsx::readings::shown_texts`]. So nothing escapes because
//! calamine or a writer ignores it: orphan and phonetic shared strings, formulas and their
//! cached values, comments, document properties, defined names, autofilter values, tables,
//! pivot caches. Hits are located and judged:
//!
//! - cells, per cell: a formula or its cached value is always a leak, and so is a formula's
//!   result kept as a value (a cell of an array formula's range, or of a formula in the
//!   original); a value is one unless the cell is kept or holds exactly what the map put there
//!   (see [`super::Verdict`]). A cell's
//!   text is taken as calamine decoded it (a shared string's, an inline string's, a number's),
//!   which lets cells be searched in parallel and only where a hit could be a leak; the raw
//!   `<sheetData>` is parsed instead when it holds text calamine does not read (phonetic runs,
//!   extensions, CDATA);
//! - the shared strings table, per string: one that no cell shows, or whose hit is only in a
//!   phonetic reading, is a leak of its own (the cells showing the others are searched above);
//! - anywhere else, per part (comments also per cell). Values without letters and with few
//!   digits are searched in typed text only, and font names only for emails and values of
//!   more than one word (see [`crate::needles::MIN_DIGITS_ANYWHERE`], [`is_font_attribute`]).
//!
//! For CSV, the parsed fields are the raw text with the quoting undone, which is what XML
//! unescaping is for xlsx.

use super::{Context, Finding, LeakIn, Rule, Sink, Verdict};
use crate::error::{Problem, ReadError};
use crate::needles::{push_text, Needles};
use crate::workbook::Workbook;
use crate::xlsx::attr::decoded;
use crate::xlsx::cells::Strings;
use crate::xlsx::encoded::{binary_readings, decode_text, CFB_SIGNATURE};
use crate::xlsx::package::EntryHeaders;
use calamine::Data;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use rayon::prelude::*;
use std::collections::HashMap;
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
    ReadError::CorruptWorkbook("the zip is damaged").into()
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

/// A scrubbed package unpacked and cut down to what the search needs. It is prepared before
/// the values to search for are known, so that `verify` can do it while the original is still
/// being read: inflating the parts, parsing the shared strings, cutting the cells out of the
/// worksheets (calamine read them).
#[derive(Debug)]
pub(super) struct Raw {
    package: Package,
    /// Every part, in package order.
    parts: Vec<RawPart>,
    /// The zip archive's comment and its entries' (by entry name), where there are any.
    zip_comments: Vec<(Option<String>, String)>,
    /// What each entry's headers hold besides what the directory shows (by entry name): its
    /// local header's name where it is another, its extra fields.
    headers: Vec<(String, EntryHeaders)>,
    /// How many bytes of the file are outside the zip's entries.
    outside: u64,
}

#[derive(Debug)]
enum RawPart {
    /// A worksheet: its XML without what is inside `<sheetData>` when calamine read all of it
    /// (then its cells are searched in the workbook), else whole.
    Worksheet {
        name: String,
        sheet: usize,
        xml: Vec<u8>,
        cells_in_model: bool,
        /// Whether `xml` still lacks what follows the cells: the sheet's cells were not
        /// scanned at opening ([`crate::workbook::Layout::cells_unscanned`]), and the walk that
        /// reads them gives it ([`Raw::complete_sheet`]). Such a part is never searched.
        awaiting_tail: bool,
    },
    /// The shared strings table's non-empty items.
    SharedStrings {
        name: String,
        tables: Vec<StringTable>,
        /// Whether the tables were read with the texts a cell shows lent (see
        /// [`Raw::read_lent`]): the items of the same text are not among them.
        lent: bool,
        /// The part without its items: what is around and between them (an XML comment a hand
        /// edit left, an extension), searched as any other part.
        outside: Vec<u8>,
    },
    /// Any other part.
    Other { name: String, data: Vec<u8> },
}

impl Raw {
    /// The worksheet part of scrubbed sheet `sheet`.
    pub(super) fn sheet_part(&self, sheet: usize) -> Option<&str> {
        self.package.sheet_part(sheet)
    }

    /// Unpack `bytes`, whose cells `book` holds.
    pub(super) fn read(bytes: &[u8], book: &Workbook) -> Result<Raw, Problem> {
        Raw::read_lent(bytes, book, None)
    }

    /// [`Raw::read`], with `lent` the texts a cell shows of each shared string of `bytes`, as
    /// the reader of its cells holds them: an item whose whole text is the one lent is not
    /// copied (a large export's table is tens of MB, and nearly every item is what a cell
    /// shows). Its search is then given the same texts ([`scan_package`]). With them, what
    /// that reading kept of the part besides ([`crate::xlsx::strings::Rest`]), if it did: the
    /// part is then not read again.
    pub(super) fn read_lent(
        bytes: &[u8],
        book: &Workbook,
        lent: Option<(&Strings, Option<crate::xlsx::strings::Rest>)>,
    ) -> Result<Raw, Problem> {
        let package = Package::open(bytes, book)?;
        let (lent, rest) = match lent {
            Some((strings, rest)) => (Some(strings), rest),
            None => (None, None),
        };
        // The table read already, if that reading was of the part the package names; any
        // other is read here whole, nothing lent.
        let read_already = match (lent, rest) {
            (Some(strings), Some(rest)) if package.shared_strings.as_ref() == Some(&rest.part) => {
                Some(StringTable::from_rest(rest, strings)?)
            }
            _ => None,
        };
        let lent = read_already.is_some();
        let read_already = std::sync::Mutex::new(read_already);
        let open = || ZipArchive::new(Cursor::new(bytes)).map_err(corrupt);
        let inflate = |name: &str| -> Result<Vec<u8>, Problem> {
            let mut zip = open()?;
            let entry = zip.by_name(name).map_err(corrupt)?;
            let mut data = Vec::with_capacity(entry.size().min(1 << 28) as usize);
            BufReader::new(entry)
                .read_to_end(&mut data)
                .map_err(|_| ReadError::CorruptWorkbook("a compressed part cannot be read"))?;
            Ok(data)
        };
        let parts = package
            .names
            .par_iter()
            .filter(|name| !name.ends_with('/'))
            .map(|name| {
                let name = name.clone();
                if Some(&name) == package.shared_strings.as_ref() {
                    let taken = read_already.lock().ok().and_then(|mut t| t.take());
                    let (tables, outside) = match taken {
                        Some(read) => read,
                        // Read as it is inflated: the part is never held whole.
                        None => {
                            let mut zip = open()?;
                            let entry = zip.by_name(&name).map_err(corrupt)?;
                            StringTable::parse(entry)?
                        }
                    };
                    return Ok(RawPart::SharedStrings {
                        name,
                        tables,
                        lent,
                        outside,
                    });
                }
                let sheet = package
                    .sheets
                    .iter()
                    .position(|p| p.as_ref() == Some(&name));
                Ok(match sheet {
                    // The XML around the cells, as the sheet's scan kept it; cells with XML no
                    // reader reads are searched in the part's XML.
                    Some(sheet) => {
                        // What precedes the cells alone, when the walk gives what follows them.
                        let layout = &book.sheets[sheet].layout;
                        let (xml, cells_in_model, awaiting_tail) =
                            match (layout.before_cells(), layout.without_cells()) {
                                (Some(xml), _) => (xml, true, true),
                                (None, Some(xml)) => (xml, true, false),
                                (None, None) => (inflate(&name)?, false, false),
                            };
                        RawPart::Worksheet {
                            name,
                            sheet,
                            xml,
                            cells_in_model,
                            awaiting_tail,
                        }
                    }
                    None => RawPart::Other {
                        data: inflate(&name)?,
                        name,
                    },
                })
            })
            .collect::<Result<_, Problem>>()?;
        let mut zip = open()?;
        let mut zip_comments = Vec::new();
        if !zip.comment().is_empty() {
            zip_comments.push((None, String::from_utf8_lossy(zip.comment()).into_owned()));
        }
        let mut names = Vec::with_capacity(zip.len());
        for i in 0..zip.len() {
            let entry = zip.by_index_raw(i).map_err(corrupt)?;
            let name = entry.name().map_err(corrupt)?.into_owned();
            if !entry.comment().is_empty() {
                zip_comments.push((Some(name.clone()), entry.comment().to_string()));
            }
            names.push(name);
        }
        // Every byte of the headers, not only what the directory shows: another tool may have
        // written a local header of another name, or data in an extra field.
        let headers = crate::xlsx::package::entry_headers(bytes, &mut zip)?;
        let headers = names
            .into_iter()
            .zip(headers)
            .filter(|(_, h)| h.local_name_differs || !h.extra.is_empty())
            .collect();
        Ok(Raw {
            package,
            parts,
            zip_comments,
            headers,
            outside: crate::xlsx::package::bytes_outside_entries(bytes, &mut zip)?,
        })
    }

    /// The package's part names.
    pub(super) fn package(&self) -> &Package {
        &self.package
    }

    /// Give worksheet `sheet`'s part awaiting what follows its cells (see
    /// [`crate::workbook::Layout::cells_unscanned`]) `tail`, the part's XML from the end tag of
    /// `<sheetData>` to its end, as the walk of its cells read it.
    pub(super) fn complete_sheet(&mut self, sheet: usize, tail: &[u8]) {
        for part in &mut self.parts {
            if let RawPart::Worksheet {
                sheet: s,
                xml,
                awaiting_tail,
                ..
            } = part
            {
                if *s == sheet && *awaiting_tail {
                    xml.extend_from_slice(tail);
                    *awaiting_tail = false;
                }
            }
        }
    }

    /// Whether a worksheet's part still awaits what follows its cells (see
    /// [`Raw::complete_sheet`]).
    pub(super) fn awaiting_tail(&self) -> bool {
        self.parts.iter().any(|p| {
            matches!(
                p,
                RawPart::Worksheet {
                    awaiting_tail: true,
                    ..
                }
            )
        })
    }

    /// Whether every sheet's cells are searched as calamine read them (see [`candidates`]),
    /// none in its XML.
    pub(super) fn cells_in_model(&self) -> bool {
        self.parts.iter().all(|p| match p {
            RawPart::Worksheet { cells_in_model, .. } => *cells_in_model,
            _ => true,
        })
    }
}

/// Search every part of the package, all in parallel.
pub(super) fn scan_xlsx(
    ctx: &Context,
    needles: &Needles,
    raw: &Raw,
    candidates: &[Candidate],
) -> Result<Sink, Problem> {
    if needles.is_empty() {
        return Ok(Sink::default());
    }
    let (mut sink, strings) = scan_package(ctx, needles, raw, None)?;
    sink.append(search_candidates(ctx, needles, Some(raw), candidates));
    if let Some(path) = &raw.package.shared_strings {
        shared_string_users(ctx, path, &strings, &mut sink);
    }
    entry_names(needles, raw, &mut sink);
    Ok(sink)
}

/// The texts lent to [`Raw::read_lent`] (those the reader of the cells holds), and which
/// items of the table are not searched when they have no text of their own (see
/// [`scan_package`]).
#[derive(Clone, Copy)]
pub(super) struct Lent<'a> {
    pub(super) strings: &'a Strings,
    /// Per item: whether it is left out of the search when its whole text is the one lent.
    pub(super) unsearched: &'a [bool],
}

/// The hits of a shared strings table read with texts lent (see [`Raw::read_lent`]): of its
/// items with a text of their own (`tables`), and of those whose text is the one `lent` holds
/// and that it does not leave out; in the order of the items.
fn lent_hits(tables: &[StringTable], needles: &Needles, lent: Lent<'_>) -> Vec<StringHit> {
    /// Items searched at once by one task.
    const CHUNK: usize = 1 << 16;
    // The items with a text of their own, ascending (the tables are in the part's order).
    let own: Vec<u32> = (tables.iter())
        .flat_map(|t| t.items.iter().map(|item| item.index))
        .collect();
    let indices = lent.strings.len();
    let lent_hits = (0..indices.div_ceil(CHUNK))
        .into_par_iter()
        .flat_map_iter(|chunk| {
            let to = ((chunk + 1) * CHUNK).min(indices);
            (chunk * CHUNK..to).filter_map(|index| {
                let left_out = lent.unsearched.get(index) == Some(&true);
                if left_out || own.binary_search(&(index as u32)).is_ok() {
                    return None;
                }
                let text = lent.strings.get(index).filter(|t| needles.found_in(t))?;
                Some(StringHit {
                    index: index as u32,
                    shown: text.to_string(),
                    in_shown: true,
                })
            })
        });
    let mut hits: Vec<StringHit> = (tables.par_iter())
        .flat_map_iter(|t| t.hits(needles))
        .chain(lent_hits)
        .collect();
    hits.sort_by_key(|hit| hit.index);
    hits
}

/// [`scan_xlsx`] but for the cells: every part of the package but the cells of the sheets
/// whose cells calamine read, the shared strings table's items (their hits returned, to be
/// told from the strings the cells show), the comments of the archive and its entries, their
/// headers, and any bytes outside them. `lent` is what was lent to [`Raw::read_lent`], if
/// anything, with the items the caller leaves out of the search.
pub(super) fn scan_package(
    ctx: &Context,
    needles: &Needles,
    raw: &Raw,
    lent: Option<Lent<'_>>,
) -> Result<(Sink, Vec<StringHit>), Problem> {
    let mut sink = Sink::default();
    // Results come back in package order, so the findings are in a stable order.
    let results: Vec<Result<PartScan, Problem>> = raw
        .parts
        .par_iter()
        .map(|part| match part {
            RawPart::SharedStrings {
                name,
                tables,
                lent: was_lent,
                outside,
            } => Ok(PartScan {
                strings: match (was_lent, lent) {
                    (false, _) => tables
                        .par_iter()
                        .flat_map_iter(|t| t.hits(needles))
                        .collect(),
                    (true, Some(lent)) => lent_hits(tables, needles, lent),
                    // Its items of the lent texts would not be searched.
                    (true, None) => return Err(Problem::Internal),
                },
                sink: scan_part(ctx, needles, &raw.package, name, outside),
            }),
            // A part whose walk did not give what follows its cells cannot be searched.
            RawPart::Worksheet {
                awaiting_tail: true,
                ..
            } => Err(Problem::Internal),
            RawPart::Worksheet {
                name, sheet, xml, ..
            } => scan_worksheet_xml(ctx, needles, name, *sheet, xml),
            RawPart::Other { name, data } => Ok(PartScan {
                sink: scan_part(ctx, needles, &raw.package, name, data),
                ..PartScan::default()
            }),
        })
        .collect();
    let mut strings = Vec::new();
    for result in results {
        let part = result?;
        sink.append(part.sink);
        strings.extend(part.strings);
    }
    // Comments of the archive and its entries: no program shows them, but they are in the file.
    for (entry, text) in &raw.zip_comments {
        if needles.found_in(text) {
            sink.push(Finding {
                part: Some(entry.clone().unwrap_or_else(|| "the zip archive".into())),
                sheet: None,
                row: None,
                col: None,
                column: None,
                rule: Rule::Leak(LeakIn::ZipComment),
            });
        }
    }
    // The entries' headers: a local name that is not the directory's (which readers show
    // differs, and no search read it as a part's name), and extra fields searched as a part's
    // text is.
    for (entry, headers) in &raw.headers {
        let mut finding = |rule: Rule| {
            sink.push(Finding {
                part: Some(entry.clone()),
                sheet: None,
                row: None,
                col: None,
                column: None,
                rule,
            })
        };
        if headers.local_name_differs {
            finding(Rule::LocalName);
        }
        if !headers.extra.is_empty() {
            let text = String::from_utf8_lossy(&headers.extra);
            let latin1: String = headers.extra.iter().map(|&b| char::from(b)).collect();
            if needles.found_in_markup(&text) || needles.found_in_markup(&latin1) {
                finding(Rule::Leak(LeakIn::ExtraField));
            }
        }
    }
    if raw.outside > 0 {
        sink.push(Finding {
            part: Some("the zip archive".into()),
            sheet: None,
            row: None,
            col: None,
            column: None,
            rule: Rule::OutsideEntries { bytes: raw.outside },
        });
    }
    Ok((sink, strings))
}

/// A part named after the person: a leak in its name, and every finding in `sink` names it by
/// its number instead.
pub(super) fn entry_names(needles: &Needles, raw: &Raw, sink: &mut Sink) {
    for (index, name) in raw.package.names.iter().enumerate() {
        if needles.found_in_markup(name) {
            let entry = format!("zip entry #{}", index + 1);
            sink.rename_part(name, &entry);
            sink.push(Finding {
                part: Some(entry),
                sheet: None,
                row: None,
                col: None,
                column: None,
                rule: Rule::Leak(LeakIn::EntryName),
            });
        }
    }
}

/// What the scan of one part found.
#[derive(Debug, Default)]
struct PartScan {
    /// Findings located in the part.
    sink: Sink,
    /// Shared strings table: the strings with a hit.
    strings: Vec<StringHit>,
}

/// A shared string holding a removed value.
#[derive(Debug)]
pub(super) struct StringHit {
    /// Zero-based index in the table.
    pub(super) index: u32,
    /// The text a cell using it shows (its runs, without phonetic runs).
    pub(super) shown: String,
    /// Whether the hit is in that text (else only in a phonetic run).
    pub(super) in_shown: bool,
}

/// What is left of the shared strings' hits once cells are searched on their own (see
/// [`search_candidates`]): a string no cell shows is a leak of its own, and so is a hit only in a
/// phonetic reading (`<rPh>`), which calamine does not read, so no cell's text shows it. Which
/// cells show a string is read from the workbook (calamine resolved the indices) rather than
/// by keeping every cell's index during a raw scan: hits are few, cells are millions.
fn shared_string_users(ctx: &Context, part: &str, strings: &[StringHit], sink: &mut Sink) {
    let string_leak =
        |sink: &mut Sink, place: LeakIn| sink.push(Finding::in_part(part, Rule::Leak(place)));
    let mut shown: HashMap<&str, bool> = HashMap::new();
    for hit in strings {
        if hit.in_shown {
            shown.insert(hit.shown.as_str(), false);
        } else {
            string_leak(sink, LeakIn::PhoneticReading { index: hit.index });
        }
    }
    if shown.is_empty() {
        return;
    }
    for sheet in &ctx.scrubbed.sheets {
        for (_, _, value) in sheet.cells.used_cells() {
            if let Data::String(text) = value {
                if let Some(used) = shown.get_mut(text.as_str()) {
                    *used = true;
                }
            }
        }
    }
    for hit in strings.iter().filter(|h| h.in_shown) {
        if !shown[hit.shown.as_str()] {
            string_leak(sink, LeakIn::UnusedSharedString { index: hit.index });
        }
    }
}

fn xml_error<E>(_: E) -> Problem {
    ReadError::CorruptWorkbook("malformed XML in the package").into()
}

/// Font names (`typeface="Shruti"`, `<rFont val="Latha"/>`) are a fixed vocabulary that also
/// holds given names: they are searched only for the values no font is named by, emails and
/// values of more than one word (see [`Needles::found_in_font_name`]). Everything else,
/// autofilter values (`<filter val="...">`) included, is searched for every value.
pub(super) fn is_font_attribute(element: &str, attribute: &str) -> bool {
    matches!(
        attribute,
        "typeface" | "panose" | "pitchFamily" | "charset" | "script"
    ) || (attribute == "val" && matches!(element, "rFont" | "name" | "family" | "scheme"))
}

/// Whether any attribute value of `e` holds a removed value, as written or as a reader sees
/// it (see [`shown_hit`]).
fn attributes_hit(e: &BytesStart, needles: &Needles) -> bool {
    let element = e.local_name();
    let element: &str = element.as_ref();
    e.attributes().flatten().any(|a| {
        let font = is_font_attribute(element, a.key.local_name().as_ref());
        a.normalized_value(XmlVersion::Implicit1_0).is_ok_and(|v| {
            shown_hit(&v, false, |t| {
                if font {
                    needles.found_in_font_name(t)
                } else {
                    needles.found_in_markup(t)
                }
            })
        })
    })
}

/// Whether `found` holds for an XML text or attribute value as written, or as a reader sees it:
/// decoded from `_xHHHH_` escapes, a header's or footer's with its codes blanked, JSON's and
/// HTML's escapes decoded (the texts the sweep searches, see
/// [`crate::xlsx::readings::shown_texts`]).
fn shown_hit(text: &str, header_footer: bool, found: impl Fn(&str) -> bool) -> bool {
    found(text) || crate::xlsx::readings::shown_texts(text, header_footer).any(|t| found(&t))
}

/// Non-empty items of a shared strings table (or of a run of its items): their texts in one
/// buffer, phonetic runs (`<rPh>`, which calamine does not read) included.
///
/// A thin view of the table: the items are those [`crate::xlsx::strings::scan`] finds, as the
/// writer and the streaming engine split the part; only the text inside each item is read here,
/// all of it, where those read what a cell shows.
#[derive(Debug, Default)]
struct StringTable {
    text: String,
    /// The items, their texts one after the other in `text`: a large export's table has over
    /// a million, in 8 bytes each.
    items: Vec<StringItem>,
    /// By the place of an item in `items`, ascending: the text a cell using it shows, when
    /// that differs (phonetic runs left out). Few items have one.
    shown: Vec<(u32, Box<str>)>,
}

#[derive(Debug, Clone, Copy)]
struct StringItem {
    index: u32,
    /// Where the item's whole text ends in `text`; it starts where the one before ends.
    end: u32,
}

/// A run of a shared strings part's items, gathered for [`StringTable::parse`]: their XML one
/// after the other.
#[derive(Default)]
struct Run {
    /// The index of its first item in the part.
    first: u32,
    xml: Vec<u8>,
    /// Each item's index and XML in `xml`.
    items: Vec<(u32, std::ops::Range<usize>)>,
}

/// Items read at once by a helper task (see [`StringTable::parse`]).
const RUN_ITEMS: usize = if cfg!(test) { 3 } else { 50_000 };

impl Run {
    fn push(&mut self, item: &[u8]) {
        let start = self.xml.len();
        self.xml.extend_from_slice(item);
        let index = self.first + self.items.len() as u32;
        self.items.push((index, start..self.xml.len()));
    }

    /// The empty run after this one, with room for as much.
    fn next(&self) -> Run {
        Run {
            first: self.first + self.items.len() as u32,
            xml: Vec::with_capacity(self.xml.capacity()),
            items: Vec::with_capacity(self.items.capacity()),
        }
    }

    fn read(&self, plain: &crate::xlsx::cells::PlainItem) -> Result<StringTable, Problem> {
        StringTable::read(&self.xml, &self.items, (plain, None))
    }
}

impl StringTable {
    /// Read the shared strings part `input` inflates, as a stream (see
    /// [`crate::xlsx::strings::scan`]): its items in runs, each read by a helper task while
    /// the next is gathered (or here, when two wait already), so that no more than a few runs'
    /// XML is held at once, never the whole part. Second, the part without its items.
    fn parse<R: std::io::Read>(input: R) -> Result<(Vec<StringTable>, Vec<u8>), Problem> {
        use crate::xlsx::strings::Piece;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let mut outside = Vec::new();
        let mut plain = std::sync::Arc::new(crate::xlsx::cells::PlainItem::new(b""));
        let mut run = Run::default();
        // Each run's table, by its first item's index.
        let read: std::sync::Mutex<Vec<(u32, Result<StringTable, Problem>)>> = Default::default();
        let ahead = AtomicUsize::new(0);
        let scanned = rayon::in_place_scope(|scope| {
            let (read, ahead) = (&read, &ahead);
            let hand = |run: Run, plain: &std::sync::Arc<_>| {
                if ahead.load(Ordering::Acquire) >= 2 {
                    let table = run.read(plain);
                    if let Ok(mut read) = read.lock() {
                        read.push((run.first, table));
                    }
                    return;
                }
                ahead.fetch_add(1, Ordering::AcqRel);
                let plain = std::sync::Arc::clone(plain);
                scope.spawn(move |_| {
                    let table = run.read(&plain);
                    if let Ok(mut read) = read.lock() {
                        read.push((run.first, table));
                    }
                    ahead.fetch_sub(1, Ordering::AcqRel);
                });
            };
            crate::xlsx::strings::scan(input, &mut |piece, _| {
                match piece {
                    Piece::Prolog(bytes) | Piece::Between(bytes) | Piece::Tail(bytes) => {
                        outside.extend_from_slice(bytes);
                    }
                    Piece::StartTag(tag, prefix) => {
                        outside.extend_from_slice(tag);
                        plain = std::sync::Arc::new(crate::xlsx::cells::PlainItem::new(prefix));
                    }
                    Piece::Item(item) => {
                        run.push(item);
                        if run.items.len() == RUN_ITEMS {
                            let next = run.next();
                            hand(std::mem::replace(&mut run, next), &plain);
                        }
                    }
                }
                Ok(())
            })?;
            if !run.items.is_empty() {
                hand(std::mem::take(&mut run), &plain);
            }
            Ok::<_, Problem>(())
        });
        scanned?;
        let mut read = read.into_inner().map_err(|_| Problem::Internal)?;
        read.sort_unstable_by_key(|(first, _)| *first);
        let tables = read
            .into_iter()
            .map(|(_, table)| table)
            .collect::<Result<_, _>>()?;
        Ok((tables, outside))
    }

    /// [`StringTable::parse`] of a part already read for the texts cells show, `lent`:
    /// `rest` holds the part without its items and the items whose text may not be the one
    /// lent (see [`crate::xlsx::strings::Rest`]); the others are.
    fn from_rest(
        rest: crate::xlsx::strings::Rest,
        lent: &Strings,
    ) -> Result<(Vec<StringTable>, Vec<u8>), Problem> {
        let plain = crate::xlsx::cells::PlainItem::new(&rest.prefix);
        let tables = (rest.items.par_chunks(RUN_ITEMS))
            .map(|items| StringTable::read(&rest.xml, items, (&plain, Some(lent))))
            .collect::<Result<_, _>>()?;
        Ok((tables, rest.outside))
    }

    /// Read the texts of the `items` of `xml`, each with its index in the part. An item
    /// written plainly (`plain` knows the part's prefix; nearly every item of an export) is
    /// taken as it is written, which is what the XML reader would give; any other is read by
    /// quick_xml. An item whose whole text is the one `lent` holds at its index is left out
    /// (see [`lent_hits`]).
    fn read(
        xml: &[u8],
        items: &[(u32, std::ops::Range<usize>)],
        (plain, lent): (&crate::xlsx::cells::PlainItem, Option<&Strings>),
    ) -> Result<StringTable, Problem> {
        let mut buf = Vec::new();
        let mut table = StringTable::default();
        let mut shown = String::new();
        let is_lent = |index: u32, text: &str| {
            lent.is_some_and(|lent| lent.get(index as usize) == Some(text))
        };
        for (index, item) in items.iter().cloned() {
            if let Some(text) = plain.xml_text(&xml[item.clone()]) {
                if !text.is_empty() && !is_lent(index, text) {
                    table.text.push_str(text);
                    table.items.push(StringItem {
                        index,
                        end: table.text.len() as u32,
                    });
                }
                continue;
            }
            let mut reader = Reader::from_reader(&xml[item.clone()]);
            reader.config_mut().allow_unmatched_ends = true;
            let start = table.text.len();
            shown.clear();
            // Whether the item holds text no cell shows (a phonetic run, an XML comment).
            let (mut phonetic, mut has_unshown) = (false, false);
            loop {
                let event = reader.read_event_into(&mut buf).map_err(xml_error)?;
                match &event {
                    Event::Start(e) if e.local_name().as_ref() == "rPh" => {
                        phonetic = true;
                        has_unshown = true;
                    }
                    Event::End(e) if e.local_name().as_ref() == "rPh" => phonetic = false,
                    // The runs and phonetic runs of one item are joined as they are: what
                    // counts as a word boundary between them is the search's business.
                    Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                        let before = table.text.len();
                        push_text(&event, &mut table.text);
                        if !phonetic {
                            let added = &table.text[before..];
                            shown.push_str(added);
                        }
                    }
                    // An XML comment or processing instruction in an item shows nowhere, as
                    // a phonetic run shows nowhere in a cell: searched apart from what shows.
                    Event::Comment(_) | Event::PI(_) => {
                        if let Some(hidden) = crate::needles::hidden_text(&event) {
                            table.text.push('\n');
                            table.text.push_str(&hidden);
                            table.text.push('\n');
                            has_unshown = true;
                        }
                    }
                    Event::Eof => break,
                    _ => {}
                }
                buf.clear();
            }
            if !has_unshown && is_lent(index, &table.text[start..]) {
                table.text.truncate(start);
            }
            if table.text.len() > start {
                if has_unshown {
                    let place = table.items.len() as u32;
                    table.shown.push((place, shown.as_str().into()));
                }
                table.items.push(StringItem {
                    index,
                    end: table.text.len() as u32,
                });
            }
        }
        Ok(table)
    }

    /// The whole text of item `place` of `items`.
    fn text(&self, place: usize) -> &str {
        let start = match place {
            0 => 0,
            _ => self.items[place - 1].end as usize,
        };
        &self.text[start..self.items[place].end as usize]
    }

    /// The text a cell using item `place` of `items` shows, when that differs from its text.
    fn shown(&self, place: usize) -> Option<&str> {
        let at = self
            .shown
            .binary_search_by_key(&(place as u32), |(p, _)| *p)
            .ok()?;
        Some(&self.shown[at].1)
    }

    /// The items that hold a removed value.
    fn hits<'a>(&'a self, needles: &'a Needles) -> impl Iterator<Item = StringHit> + 'a {
        (0..self.items.len()).filter_map(move |place| {
            let item = self.items[place];
            let text = self.text(place);
            if !needles.found_in(text) {
                return None;
            }
            let (shown, in_shown) = match self.shown(place) {
                Some(shown) => (shown.to_string(), needles.found_in(shown)),
                None => (text.to_string(), true),
            };
            Some(StringHit {
                index: item.index,
                shown,
                in_shown,
            })
        })
    }
}

/// Whether `event` is text that is only XML's white space (what writers put between tags).
fn is_space_text(event: &Event) -> bool {
    matches!(event, Event::Text(t) if crate::xlsx::package::is_xml_space(t[..].as_bytes()))
}

/// What is being read inside a `<c>` element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Capture {
    None,
    Formula,
    Value,
    Inline,
    /// A shared string's index, which is no text (the table is searched on its own).
    Index,
    /// Text of the cell that no reader shows (see [`Cell::hidden`]).
    Hidden,
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
    /// Whether it is an inline string's cell (`t="inlineStr"`), whose value is in `<is>`.
    inline_string: bool,
    /// Its text that no reader shows: the phonetic reading of an inline string (`<rPh>`), a
    /// `<v>` under an inline string. Kept or not, a removed value there is a leak (the scrub
    /// fails a file whose kept cell holds one).
    hidden: String,
}

/// A cell where a hit would be a leak: a formula (its text or cached value), or a cell that
/// is neither kept nor exactly what `clear`, `replace` or `pseudonymize` put there.
#[derive(Debug, Clone, Copy)]
pub(super) struct Candidate {
    sheet: usize,
    row: u32,
    col: u32,
    /// `None` for a formula cell, or a formula's result (see [`candidates`]).
    place: Option<LeakIn>,
    /// A hit counts only if it is a value of the cell's own row (see [`Verdict::Redacted`]).
    redacted: bool,
}

/// The cells of the scrubbed workbook where a hit would be a leak, as calamine read them (all
/// sheets of a CSV; the sheets of a package whose cells calamine read entirely). Judging comes
/// first because it is cheap and most cells are kept: in a good output only formulas and the
/// output of `mask`, `regex` and `redact` are left to search. In parallel row chunks.
pub(super) fn candidates(ctx: &Context, raw: Option<&Raw>) -> Vec<Candidate> {
    const CHUNK_ROWS: u32 = 4096;
    let in_model = |sheet: usize| {
        raw.is_none_or(|raw| {
            raw.parts.iter().any(|p| {
                matches!(p, RawPart::Worksheet { sheet: s, cells_in_model: true, .. } if *s == sheet)
            })
        })
    };
    let mut found = Vec::new();
    for sheet in (0..ctx.scrubbed.sheets.len()).filter(|&s| in_model(s)) {
        let s = &ctx.scrubbed.sheets[sheet];
        let formulas_end = s.formulas.as_ref().and_then(|f| f.end());
        let height = s.height().max(formulas_end.map_or(0, |(r, _)| r + 1));
        let width = s.width().max(formulas_end.map_or(0, |(_, c)| c + 1));
        let changes = ctx.to_original[sheet].and_then(|o| ctx.changes[o]);
        let chunks: Vec<Vec<Candidate>> = (0..height.div_ceil(CHUNK_ROWS))
            .into_par_iter()
            .map(|chunk| {
                let mut out = Vec::new();
                let rows = chunk * CHUNK_ROWS..((chunk + 1) * CHUNK_ROWS).min(height);
                // The changes are sorted by (row, col), as the cells are walked.
                let mut cursor = match (changes, ctx.source(sheet, rows.start)) {
                    (Some(sc), Some((_, from))) => sc.cells.partition_point(|c| c.row < from),
                    _ => 0,
                };
                for row in rows {
                    let source = ctx.source(sheet, row);
                    for col in 0..width {
                        let change = match (changes, source) {
                            (Some(sc), Some((_, from))) => sc.take_at(&mut cursor, from, col),
                            _ => None,
                        };
                        let (place, redacted) = if s.formula(row, col).is_some()
                            || s.layout.in_array_result(row, col)
                        {
                            (None, false)
                        } else {
                            let verdict = match source {
                                Some((o, from)) => ctx.verdict(o, from, sheet, row, col, change),
                                None => Verdict::Changed,
                            };
                            match verdict {
                                // A formula's result in the original (its cell, or a cell of
                                // an array range) is no value of its own, even where the output
                                // shows it as one: a writer that kept it kept a cached value.
                                Verdict::Kept
                                    if source.is_some_and(|(o, from)| {
                                        let original = &ctx.original.sheets[o];
                                        original.formula(from, col).is_some()
                                            || original.layout.in_array_result(from, col)
                                    }) =>
                                {
                                    (None, false)
                                }
                                Verdict::Kept | Verdict::FromMap => continue,
                                Verdict::Scrubbed => (Some(LeakIn::ScrubbedCell), false),
                                Verdict::Redacted => (Some(LeakIn::ScrubbedCell), true),
                                Verdict::Changed => (Some(LeakIn::ChangedCell), false),
                            }
                        };
                        if place.is_some() && matches!(s.cell(row, col), Data::Empty) {
                            continue;
                        }
                        out.push(Candidate {
                            sheet,
                            row,
                            col,
                            place,
                            redacted,
                        });
                    }
                }
                out
            })
            .collect();
        found.extend(chunks.into_iter().flatten());
    }
    found
}

/// Search the candidate cells (see [`candidates`]), in parallel; findings in cell order.
pub(super) fn search_candidates(
    ctx: &Context,
    needles: &Needles,
    raw: Option<&Raw>,
    candidates: &[Candidate],
) -> Sink {
    let found: Vec<Sink> = candidates
        .par_chunks(4096)
        .map(|chunk| {
            let mut sink = Sink::default();
            let mut buf = String::new();
            for c in chunk {
                let s = &ctx.scrubbed.sheets[c.sheet];
                let part = raw.and_then(|r| r.package.sheet_part(c.sheet));
                let mut leak = |place: LeakIn| {
                    sink.push(ctx.cell_finding(part, c.sheet, c.row, c.col, Rule::Leak(place)));
                };
                let text_hit = cell_hit(needles, s.cell(c.row, c.col), &mut buf);
                match c.place {
                    // A formula is never "kept": its text and its cached value are in the file
                    // whatever the cell shows, and the cached value often repeats the very names
                    // removed. Numbers in a formula are references and constants, so only values
                    // searched in markup count there.
                    None => {
                        if s.formula(c.row, c.col)
                            .is_some_and(|f| needles.found_in_markup(f))
                        {
                            leak(LeakIn::Formula);
                        }
                        if text_hit {
                            leak(LeakIn::CachedValue);
                        }
                    }
                    Some(place) if text_hit && c.redacted => {
                        if ctx.redacted_cell_leaks(c.sheet, c.row, c.col) {
                            leak(place);
                        }
                    }
                    Some(place) if text_hit => leak(place),
                    Some(_) => {}
                }
            }
            sink
        })
        .collect();
    let mut sink = Sink::default();
    for part in found {
        sink.append(part);
    }
    sink
}

/// Whether a cell's value, as the actions would see its text, holds a removed value.
pub(super) fn cell_hit(needles: &Needles, value: &Data, buf: &mut String) -> bool {
    buf.clear();
    match value {
        Data::String(t) | Data::DateTimeIso(t) | Data::DurationIso(t) => {
            return needles.found_in(t)
        }
        Data::Empty | Data::Error(_) | Data::Bool(_) => return false,
        Data::Float(_) | Data::Int(_) | Data::DateTime(_) => {
            crate::text::push_data_text(buf, value);
        }
    }
    needles.found_in(buf)
}

/// Scan a worksheet's XML, streaming: everything outside the cells, and the cells themselves
/// when they are in `xml` (a shared string's text is taken from the workbook, as calamine
/// resolved it; the table is searched on its own).
fn scan_worksheet_xml(
    ctx: &Context,
    needles: &Needles,
    part: &str,
    sheet: usize,
    xml: &[u8],
) -> Result<PartScan, Problem> {
    let mut scan = PartScan::default();
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut in_data = false;
    let mut row: Option<u32> = None;
    let mut next_col: u32 = 0;
    let mut cell: Option<Cell> = None;
    let mut capture = Capture::None;
    // Whether the cell's phonetic reading (`<rPh>`) is being read.
    let mut phonetic = false;
    let mut other = String::new();
    // Whether `other` is a header's or footer's text, whose codes are glued to it.
    let mut header_footer = false;
    // The text of an element among the cells that no reader reads (see
    // [`crate::xlsx::package::foreign_tag`]), while inside one; or text among the cells that
    // is no value (mixed content), up to the next tag.
    let mut stray: Option<String> = None;
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
            if shown_hit(&other, header_footer, |t| needles.found_in_markup(t)) {
                leak_outside_cells(&mut scan.sink);
            }
            other.clear();
        }
        if !in_data {
            match &event {
                Event::Start(e) | Event::Empty(e) => {
                    header_footer =
                        crate::xlsx::clean::xml::is_header_footer(e.local_name().as_ref())
                }
                Event::End(_) => header_footer = false,
                _ => {}
            }
        }
        if let (Some(text), Event::Start(_) | Event::Empty(_) | Event::End(_)) = (&stray, &event) {
            if needles.found_in_markup(text) {
                leak_outside_cells(&mut scan.sink);
            }
            stray = None;
        }
        if let Event::Start(e) | Event::Empty(e) = &event {
            if in_data
                && crate::xlsx::package::foreign_tag(
                    e.local_name().as_ref().as_bytes(),
                    e.attributes_raw().as_bytes(),
                )
            {
                if attributes_hit(e, needles) {
                    leak_outside_cells(&mut scan.sink);
                }
                if matches!(event, Event::Start(_)) {
                    stray = Some(String::new());
                }
            }
        }
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(event, Event::Empty(_));
                match e.local_name().as_ref() {
                    "sheetData" => {
                        // It takes no attribute: any is text no reader reads.
                        if attributes_hit(e, needles) {
                            leak_outside_cells(&mut scan.sink);
                        }
                        in_data = !empty;
                    }
                    "row" if in_data => {
                        row = Some(match decoded(e, "r").and_then(|r| r.parse::<u32>().ok()) {
                            Some(r) if r >= 1 => r - 1,
                            _ => row.map_or(0, |r| r + 1),
                        });
                        next_col = 0;
                    }
                    "c" if in_data => {
                        // The raw values: references and types hold no entities, and this runs
                        // for every cell.
                        let (mut at, mut shared, mut inline_string) = (None, false, false);
                        for a in e.attributes().with_checks(false).flatten() {
                            match a.key.local_name().as_ref() {
                                "r" => at = crate::a1::parse_cell(&a.value),
                                "t" => {
                                    shared = &*a.value == "s";
                                    inline_string = &*a.value == "inlineStr";
                                }
                                _ => {}
                            }
                        }
                        let (r, c) = at.unwrap_or((row.unwrap_or(0), next_col));
                        next_col = c + 1;
                        if !empty {
                            cell = Some(Cell {
                                row: r,
                                col: c,
                                shared,
                                inline_string,
                                ..Cell::default()
                            });
                            phonetic = false;
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
                    // A shared string's index is not text: the table is searched on its own.
                    "v" if !empty && cell.is_some() => {
                        capture = match cell.as_ref().map(|c| (c.shared, c.inline_string)) {
                            Some((_, true)) => Capture::Hidden,
                            Some((true, _)) => Capture::Index,
                            _ => Capture::Value,
                        };
                    }
                    "rPh" if cell.is_some() && !empty => phonetic = true,
                    "t" if cell.is_some() && !empty => {
                        capture = match phonetic {
                            true => Capture::Hidden,
                            false => Capture::Inline,
                        }
                    }
                    _ if !in_data && attributes_hit(e, needles) => {
                        leak_outside_cells(&mut scan.sink);
                    }
                    _ => {}
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                "sheetData" => in_data = false,
                "f" | "v" | "t" => capture = Capture::None,
                "rPh" => phonetic = false,
                "c" => {
                    if let Some(done) = cell.take() {
                        judge_cell(ctx, needles, part, sheet, done, &mut scan);
                    }
                    capture = Capture::None;
                }
                _ => {}
            },
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => match (&mut cell, capture) {
                (Some(c), Capture::Formula) => push_text(&event, &mut c.formula),
                (Some(c), Capture::Value) => push_text(&event, &mut c.value),
                (Some(c), Capture::Inline) => push_text(&event, &mut c.inline),
                (Some(c), Capture::Hidden) => push_text(&event, &mut c.hidden),
                (Some(_), Capture::Index) => {}
                _ if !in_data => push_text(&event, &mut other),
                _ => match &mut stray {
                    Some(text) => push_text(&event, text),
                    // Text no reader reads: searched when the next tag comes (see above).
                    None if !is_space_text(&event) => {
                        let mut text = String::new();
                        push_text(&event, &mut text);
                        stray = Some(text);
                    }
                    None => {}
                },
            },
            // An XML comment or processing instruction shows nowhere, but it is in the file.
            Event::Comment(_) | Event::PI(_)
                if crate::needles::hidden_text(&event).is_some_and(|t| needles.found_in(&t)) =>
            {
                leak_outside_cells(&mut scan.sink);
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(scan)
}

/// Decide whether a finished cell leaks.
fn judge_cell(
    ctx: &Context,
    needles: &Needles,
    part: &str,
    sheet: usize,
    cell: Cell,
    scan: &mut PartScan,
) {
    let Cell { row, col, .. } = cell;
    let leak = |sink: &mut Sink, place: LeakIn| {
        sink.push(ctx.cell_finding(Some(part), sheet, row, col, Rule::Leak(place)));
    };
    if needles.found_in(&cell.hidden) {
        leak(&mut scan.sink, LeakIn::SheetContent);
    }
    let text_hit = if cell.shared {
        cell_hit(
            needles,
            ctx.scrubbed.sheets[sheet].cell(row, col),
            &mut String::new(),
        )
    } else {
        needles.found_in(&cell.value)
            || needles.found_in(&cell.inline)
            || number_hit(needles, &cell.value)
    };
    if cell.has_formula {
        // A formula is never "kept": its text and its cached value are in the file whatever
        // the cell shows, and the cached value often repeats the very names removed. Numbers
        // in a formula are references and constants, so only values searched in markup count.
        if needles.found_in_markup(&cell.formula) {
            leak(&mut scan.sink, LeakIn::Formula);
        }
        if text_hit {
            leak(&mut scan.sink, LeakIn::CachedValue);
        }
        return;
    }
    if !text_hit {
        return;
    }
    match ctx.judge(sheet, row, col) {
        Verdict::Kept | Verdict::FromMap => {}
        Verdict::Scrubbed => leak(&mut scan.sink, LeakIn::ScrubbedCell),
        Verdict::Redacted => {
            if ctx.redacted_cell_leaks(sheet, row, col) {
                leak(&mut scan.sink, LeakIn::ScrubbedCell);
            }
        }
        Verdict::Changed => leak(&mut scan.sink, LeakIn::ChangedCell),
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
pub(super) fn part_kind(name: &str, in_defined_name: bool, comment: bool) -> LeakIn {
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
    if is_xml && crate::xlsx::encoded::unreadable_xml(data) {
        sink.push(Finding::in_part(
            name,
            Rule::Unsearched(crate::xlsx::encoded::Unsearched::Encoding),
        ));
    }
    let xml_findings = if is_xml {
        decode_text(data).and_then(|text| {
            let mut found = scan_xml_part(ctx, needles, name, sheet, &text)?;
            let encoded = crate::xlsx::encoded::base64_texts(text.as_bytes(), 0);
            if encoded.iter().any(|t| needles.found_in_markup(t)) {
                found.push(Finding {
                    part: Some(name.to_string()),
                    sheet: sheet.map(|s| ctx.scrubbed.sheets[s].name.clone()),
                    row: None,
                    col: None,
                    column: None,
                    rule: Rule::Leak(LeakIn::Encoded),
                });
            }
            Some(found)
        })
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
            // A compound file's VBA source is read once, for the check and the search.
            let project = data
                .starts_with(CFB_SIGNATURE)
                .then(|| crate::xlsx::macros::project_texts(data))
                .flatten();
            // A VBA project whose source cannot be read cannot be searched: say so.
            let vba_unreadable = crate::xlsx::macros::is_vba_project(name) && project.is_none();
            if vba_unreadable {
                sink.push(Finding::in_part(name, Rule::Unsearchable));
            }
            // Not XML (printer settings, images, a VBA project, an embedded workbook) or
            // malformed: search the bytes as text in the encodings binary formats use; where
            // they are not text, only for values chance cannot make.
            let readings = binary_readings(data, project);
            // Compressed data nested too deep, inflating like a zip bomb, or that cannot be
            // decoded, cannot be searched: say so (a damaged VBA project once).
            if let Some(why) = readings.unsearched {
                if !(vba_unreadable && why == crate::xlsx::encoded::Unsearched::Undecodable) {
                    sink.push(Finding::in_part(name, Rule::Unsearched(why)));
                }
            }
            if readings
                .texts
                .iter()
                .any(|(text, reading)| reading.hit(needles, text))
            {
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
    // Whether `text` is a header's or footer's (a chart's), whose codes are glued to it.
    let mut header_footer = false;
    let typed = sheet.is_some() || is_comment_part(name);
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
        // Text split across formatting runs (`<r><t>Ann</t></r><r><t>a Berg</t></r>`) is
        // one string: the text is searched where a run ends, not at each of its tags.
        let boundary = match &event {
            Event::Start(e) | Event::Empty(e) => {
                !crate::needles::inside_run(e.local_name().as_ref())
            }
            Event::End(e) => !crate::needles::inside_run(e.local_name().as_ref()),
            Event::Eof => true,
            _ => false,
        };
        if boundary {
            // A comment's text is typed by a person, like a cell's; other text is markup.
            let hit = if typed {
                shown_hit(&text, header_footer, |t| needles.found_in(t))
            } else {
                shown_hit(&text, header_footer, |t| needles.found_in_markup(t))
            };
            if hit {
                report(comment_cell, defined_name, &mut found);
            }
            text.clear();
            header_footer = match &event {
                Event::Start(e) | Event::Empty(e) => {
                    crate::xlsx::clean::xml::is_header_footer(e.local_name().as_ref())
                }
                _ => false,
            };
        }
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let local = e.local_name();
                let local: &str = local.as_ref();
                if matches!(local, "comment" | "threadedComment") {
                    comment_cell = decoded(e, "ref").and_then(|r| crate::a1::parse_cell(&r));
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
            // An XML comment or processing instruction shows nowhere, but it is in the file.
            Event::Comment(_) | Event::PI(_)
                if crate::needles::hidden_text(&event).is_some_and(|t| needles.found_in(&t)) =>
            {
                report(comment_cell, defined_name, &mut found);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Some(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xlsx::encoded::{binary_texts, Reading};

    #[test]
    fn shared_strings_are_searched_with_entities_and_phonetic_runs() {
        let needles = Needles::new(&["Smith & Jones", "Tanaka Hiroshi", "たなか"]);
        // Runs and phonetic runs of one item are joined as they are: 田中 and たなか are
        // words of their own in an unspaced script.
        let sst = r#"<?xml version="1.0"?><sst xmlns="x" count="4"><si><t>Deleted</t></si><si><t>Smith &amp; Jones</t></si><si/><si><r><t>田中</t></r><rPh sb="0" eb="2"><t>たなか</t></rPh></si><si><t xml:space="preserve">Tanaka&#x20;Hiroshi</t></si></sst>"#;
        let found: Vec<StringHit> = StringTable::parse(sst.as_bytes())
            .unwrap()
            .0
            .iter()
            .flat_map(|t| t.hits(&needles))
            .collect();
        let shown: Vec<(u32, &str, bool)> = found
            .iter()
            .map(|h| (h.index, h.shown.as_str(), h.in_shown))
            .collect();
        assert_eq!(
            shown,
            [
                (1, "Smith & Jones", true),
                (3, "田中", false),
                (4, "Tanaka Hiroshi", true)
            ],
            "cells show the runs, not the phonetic reading"
        );
    }

    #[test]
    fn large_tables_are_read_in_slices_with_the_right_indices() {
        let needles = Needles::new(&["Zoë Müller", "Ayşe Yılmaz"]);
        let mut sst = String::from(r#"<?xml version="1.0"?><sst count="150000">"#);
        for i in 0..150_000 {
            match i {
                75_123 => sst.push_str("<si><t>Zoë Müller</t></si>"),
                100_000 => sst.push_str("<si/>"),
                149_999 => sst.push_str(
                    r#"<si><r><t xml:space="preserve">Ayşe </t></r><r><t>Yılmaz</t></r></si>"#,
                ),
                _ => sst.push_str(&format!("<si><t>x{i}</t></si>")),
            }
        }
        sst.push_str("</sst>");
        let found: Vec<StringHit> = StringTable::parse(sst.as_bytes())
            .unwrap()
            .0
            .iter()
            .flat_map(|t| t.hits(&needles))
            .collect();
        let indices: Vec<u32> = found.iter().map(|h| h.index).collect();
        assert_eq!(indices, [75_123, 149_999]);
        assert_eq!(found[1].shown, "Ayşe Yılmaz");
    }

    #[test]
    fn the_shared_strings_without_their_items_are_what_is_around_and_between_them() {
        let sst = "<?xml version=\"1.0\"?>\n<x:sst xmlns:x=\"m\"> <x:si><x:t>a</x:t></x:si>\n\
                   <!-- Zoë --><x:si><x:t>b</x:t></x:si><x:si/><x:si><x:t>c</x:t></x:si>\
                   <?pi Ayşe?><x:si><x:t>d</x:t></x:si><!-- end --> <x:extLst/></x:sst>";
        let (tables, outside) = StringTable::parse(sst.as_bytes()).unwrap();
        assert_eq!(
            String::from_utf8(outside).unwrap(),
            "<?xml version=\"1.0\"?>\n<x:sst xmlns:x=\"m\"> \n<!-- Zoë -->\
             <?pi Ayşe?><!-- end --> <x:extLst/></x:sst>"
        );
        // In runs of three items (in tests), in order, the empty item left out.
        let items: Vec<(u32, &str)> = tables
            .iter()
            .flat_map(|t| (0..t.items.len()).map(move |p| (t.items[p].index, t.text(p))))
            .collect();
        assert_eq!(items, [(0, "a"), (1, "b"), (3, "c"), (4, "d")]);
        assert_eq!(tables.len(), 2);
    }

    #[test]
    fn a_table_lent_the_texts_cells_show_holds_only_the_others_and_finds_the_same() {
        // 田中 is what a cell shows of an item that holds a text of its own (with its reading).
        let needles = Needles::new(&["Zoë Müller", "田中", "Ayşe Yılmaz", "Tanaka Hiroshi"]);
        let sst = r#"<x:sst xmlns:x="x"><x:si><x:t>Deleted</x:t></x:si><x:si><x:t>Zoë Müller</x:t></x:si><x:si/><x:si><x:r><x:t>田中</x:t></x:r><x:rPh sb="0" eb="2"><x:t>たなか</x:t></x:rPh></x:si><x:si><x:r><x:t xml:space="preserve">Ayşe </x:t></x:r><x:r><x:t>Yılmaz</x:t></x:r></x:si><x:si><x:t>Tanaka Hiroshi</x:t></x:si><x:si><x:t>x</x:t></x:si></x:sst>"#;
        let listed = |hits: Vec<StringHit>| -> Vec<(u32, String, bool)> {
            hits.into_iter()
                .map(|h| (h.index, h.shown, h.in_shown))
                .collect()
        };
        let own_text =
            |tables: &[StringTable]| -> usize { tables.iter().map(|t| t.text.len()).sum() };
        let (whole, _) = StringTable::parse(sst.as_bytes()).unwrap();
        let all = listed(whole.iter().flat_map(|t| t.hits(&needles)).collect());
        assert_eq!(all.len(), 4);
        // The table as the reading of the texts cells show leaves it.
        let read = || {
            let mut rest = crate::xlsx::strings::Rest::default();
            let shown = crate::xlsx::strings::texts(sst.as_bytes(), sst.len(), Some(&mut rest));
            (shown.unwrap().unwrap(), rest)
        };
        let (shown, rest) = read();
        let (lent, _) = StringTable::from_rest(rest, &shown).unwrap();
        let searched = |tables: &[StringTable], strings, unsearched| {
            let lent = Lent {
                strings,
                unsearched,
            };
            listed(lent_hits(tables, &needles, lent))
        };
        assert_eq!(searched(&lent, &shown, &[]), all);
        // Only the item with a phonetic reading (田中たなか) is held, with its own text.
        assert_eq!(own_text(&lent), "田中たなか".len());
        assert_eq!(lent.iter().map(|t| t.items.len()).sum::<usize>(), 1);
        // Items left out of the search are not searched where their text is the one lent.
        let unsearched = [true, true, false, true, false, true, false];
        let found: Vec<u32> = (searched(&lent, &shown, &unsearched).iter())
            .map(|h| h.0)
            .collect();
        assert_eq!(found, [3, 4], "its own text searched; not left out");
        // Of the items read again, one whose text lent is not its own keeps its own.
        let mut other = crate::xlsx::cells::Strings::default();
        for text in [
            "Deleted",
            "Zoë Müller",
            "",
            "田中",
            "Ayse Yilmaz",
            "Tanaka Hiroshi",
            "x",
        ] {
            other.push(text);
        }
        let (_, rest) = read();
        let (kept, _) = StringTable::from_rest(rest, &other).unwrap();
        assert_eq!(searched(&kept, &other, &[]), all);
        let own = "田中たなか".len() + "Ayşe Yılmaz".len();
        assert_eq!(own_text(&kept), own);
    }

    #[test]
    fn a_table_kept_from_the_reading_for_cells_is_the_one_read_again() {
        // Plain items, spaces a cell trims, an entity, an escape, rich runs, a phonetic
        // reading, an empty item, white space between items, extensions after them, both
        // prefixes (markup between items leaves the table to calamine, and the file to the
        // whole check).
        for prefix in ["", "x:"] {
            let items = [
                "<t>Zoë Müller</t>",
                "<t>  spaced  </t>",
                "<t xml:space=\"preserve\"> kept </t>",
                "<t>a &amp; b</t>",
                "<t>line_x000D_break</t>",
                "<r><t>rich</t></r><r><t> run</t></r>",
                "<t>漢字</t><rPh sb=\"0\" eb=\"1\"><t>かんじ</t></rPh>",
                "",
                "<t>Ayşe Yılmaz</t>",
            ];
            let mut xml =
                format!("<?xml version=\"1.0\"?>\n<{prefix}sst xmlns:x=\"x\" count=\"9\">");
            for (i, item) in items.iter().enumerate() {
                let item = item
                    .replace("<t", &format!("<{prefix}t"))
                    .replace("</t", &format!("</{prefix}t"))
                    .replace("<r>", &format!("<{prefix}r>"))
                    .replace("</r>", &format!("</{prefix}r>"))
                    .replace("<rPh", &format!("<{prefix}rPh"))
                    .replace("</rPh", &format!("</{prefix}rPh"));
                xml.push_str(&format!("<{prefix}si>{item}</{prefix}si>"));
                if i == 3 {
                    xml.push_str("\n ");
                }
            }
            xml.push_str(&format!(" <{prefix}extLst/></{prefix}sst>"));
            let mut rest = crate::xlsx::strings::Rest::default();
            let shown = crate::xlsx::strings::texts(xml.as_bytes(), xml.len(), Some(&mut rest))
                .unwrap()
                .unwrap();
            assert_eq!(
                shown,
                crate::xlsx::strings::texts(xml.as_bytes(), xml.len(), None)
                    .unwrap()
                    .unwrap()
            );
            let kept = rest.items.len();
            let (from_rest, outside) = StringTable::from_rest(rest, &shown).unwrap();
            let (parsed, parsed_outside) = StringTable::parse(xml.as_bytes()).unwrap();
            let texts = |tables: &[StringTable]| -> Vec<(u32, String, Option<String>)> {
                (tables.iter())
                    .flat_map(|t| {
                        (0..t.items.len()).map(move |p| {
                            let shown = t.shown(p).map(str::to_string);
                            (t.items[p].index, t.text(p).to_string(), shown)
                        })
                    })
                    .collect()
            };
            // The items of the part read whole whose text is not the one a cell shows.
            let own: Vec<_> = (texts(&parsed).into_iter())
                .filter(|(index, text, _)| shown.get(*index as usize) != Some(text.as_str()))
                .collect();
            assert_eq!(texts(&from_rest), own, "{prefix}");
            assert_eq!(outside, parsed_outside, "{prefix}");
            // Kept: the items not written plainly or whose text a cell shows otherwise; not
            // the plain ones.
            assert_eq!(kept, 6, "{prefix}");
            // Held: the texts a cell shows otherwise (trimmed, the escape decoded, the second
            // run trimmed, the reading left out); the entity decodes to what the cell shows.
            let held: Vec<u32> = texts(&from_rest).iter().map(|t| t.0).collect();
            assert_eq!(held, [1, 4, 5, 6], "{prefix}: the texts not the cells'");
        }
    }

    /// An item written plainly is taken as it is written, without an XML reader: what the
    /// reader gives for it, whatever the prefix, spaces, escapes or characters.
    #[test]
    fn plain_shared_strings_are_read_as_the_xml_reader_reads_them() {
        let items = [
            "<t>Zoë Müller</t>",
            "<t>  spaced  </t>",
            "<t xml:space=\"preserve\"> kept </t>",
            "<t>line_x000D_break</t>",
            "<t>\n</t>",
            "<t></t>",
            "<t/>",
            "<t>a &amp; b</t>",
            "<t>a\r\nb</t>",
            "<r><t>rich</t></r><r><t> run</t></r>",
            "<t>漢字</t><rPh sb=\"0\" eb=\"1\"><t>かんじ</t></rPh>",
            "<t>before<!-- hidden -->after</t>",
            "<t><![CDATA[x < y]]></t>",
        ];
        for prefix in ["", "x:"] {
            let body: String = items
                .iter()
                .map(|item| {
                    let item = item.replace("<t", &format!("<{prefix}t"));
                    let item = item.replace("</t", &format!("</{prefix}t"));
                    let item = item.replace("<r>", &format!("<{prefix}r>"));
                    let item = item.replace("</r>", &format!("</{prefix}r>"));
                    let item = item.replace("<rPh", &format!("<{prefix}rPh"));
                    let item = item.replace("</rPh", &format!("</{prefix}rPh"));
                    format!("<{prefix}si>{item}</{prefix}si>")
                })
                .collect();
            let xml = format!("<{prefix}sst xmlns:x=\"x\">{body}</{prefix}sst>");
            let (ranges, found) = crate::xlsx::strings::items(xml.as_bytes()).unwrap();
            assert_eq!(found, prefix.as_bytes());
            let fast = crate::xlsx::cells::PlainItem::new(&found);
            let plain = ranges
                .iter()
                .filter(|r| fast.xml_text(&xml.as_bytes()[(*r).clone()]).is_some())
                .count();
            assert_eq!(plain, 7, "{prefix}: the plain items take the fast way");
            // A prefix no item has sends every item to the XML reader.
            let none = crate::xlsx::cells::PlainItem::new(b"none:");
            let numbered: Vec<(u32, std::ops::Range<usize>)> = (0..).zip(ranges).collect();
            let read = |plain| StringTable::read(xml.as_bytes(), &numbered, (plain, None)).unwrap();
            let (quick, slow) = (read(&fast), read(&none));
            let texts = |t: &StringTable| -> Vec<(u32, String, Option<String>)> {
                (0..t.items.len())
                    .map(|place| {
                        let shown = t.shown(place).map(str::to_string);
                        (t.items[place].index, t.text(place).to_string(), shown)
                    })
                    .collect()
            };
            assert_eq!(texts(&quick), texts(&slow), "{prefix}");
            assert_eq!(
                texts(&quick).len(),
                items.len() - 2,
                "{prefix}: the empty items"
            );
        }
    }

    #[test]
    fn shared_strings_are_read_as_the_writer_splits_them() {
        let needles = Needles::new(&["Zoë Müller"]);
        // Dynamics' own exports put a prefix on every element.
        let sst = r#"<x:sst xmlns:x="x"><x:si><x:t>a</x:t></x:si><x:si/><x:si><x:t>Zoë Müller</x:t></x:si></x:sst>"#;
        let (items, prefix) = crate::xlsx::strings::items(sst.as_bytes()).unwrap();
        assert_eq!((items.len(), &prefix[..]), (3, &b"x:"[..]));
        let found: Vec<u32> = StringTable::parse(sst.as_bytes())
            .unwrap()
            .0
            .iter()
            .flat_map(|t| t.hits(&needles))
            .map(|h| h.index)
            .collect();
        assert_eq!(found, [2]);
    }

    #[test]
    fn font_names_are_not_data() {
        assert!(is_font_attribute("latin", "typeface"));
        assert!(is_font_attribute("rFont", "val"));
        assert!(is_font_attribute("name", "val"));
        assert!(!is_font_attribute("filter", "val"));
        assert!(!is_font_attribute("hyperlink", "display"));
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

    #[test]
    fn binary_data_is_read_as_text_only_where_it_is_text() {
        use base64::Engine;
        let text_of = |data: &[u8], wanted: &str| -> Vec<Reading> {
            binary_texts(data, 0)
                .into_iter()
                .filter(|(t, _)| t.contains(wanted))
                .map(|(_, r)| r)
                .collect()
        };
        let needles = Needles::new(&["Anna"]);
        // Bytes that are no text: a short name is not searched there.
        let image = b"\x89PNG\x00\x07\xC3\x28 Anna \x00\xFF";
        assert!(text_of(image, "Anna").iter().all(|&r| r == Reading::Bytes));
        assert!(!binary_texts(image, 0)
            .iter()
            .any(|(t, r)| r.hit(&needles, t)));
        // Text as a whole (UTF-8 or UTF-16LE), decoded base64 text, a package's XML: searched
        // for every value.
        let wide: Vec<u8> = "owner: Anna\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let encoded = base64::engine::general_purpose::STANDARD.encode("owner=Anna, team=Sales");
        let mut blob = b"\x00\x01".to_vec();
        blob.extend(encoded.as_bytes());
        blob.push(0);
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file("a.xml", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zip, b"<a>Anna</a>").unwrap();
        let zip = zip.finish().unwrap().into_inner();
        let latin1 = b"owner: Anna M\xFCller\n";
        for data in [&b"owner: Anna\n"[..], latin1, &wide, &blob, &zip] {
            assert!(text_of(data, "Anna").contains(&Reading::Text));
            assert!(binary_texts(data, 0)
                .iter()
                .any(|(t, r)| r.hit(&needles, t)));
        }
    }
}
