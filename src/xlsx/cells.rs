//! Cell values read from a worksheet's XML the way calamine's streaming cell reader
//! (`worksheet_cells_reader`) reads them, for the one-pass lossless writer (see
//! [`super::stream`]): the writer walks the sheet's XML itself, and each cell it meets gives the
//! same [`Data`] calamine would give, so the plan applies to the same values.
//!
//! calamine does not expose how it reads a value, so the rules are taken from its source
//! (`xlsx/cells_reader.rs`: `read_value`, `read_v`; `xlsx/mod.rs`: `read_string_with_bufs`,
//! `read_styles`; `formats.rs`; `utils.rs`: `unescape_xml`; MIT licensed): shared strings and
//! inline strings (rich text runs joined, phonetic runs left out, `<t>` trimmed unless
//! `xml:space="preserve"`, entities and `_xHHHH_` escapes decoded), numbers as floats, or as
//! dates and durations when the cell's style has a date or time number format, booleans,
//! errors, ISO dates, formula results as text. Whatever this module does not read exactly as
//! calamine does (a formula, an unknown element, an unknown type, a value calamine would refuse)
//! is [`Unknown`], and the caller falls back to calamine's reader.
//!
//! The equivalence is tested on the generator's fixtures (Excel and Dynamics layouts, the leak
//! catalogue, dates, rich text, escapes) against calamine itself.

use super::attr::{self, strip_prefix, Reading, Unreadable};
use calamine::{CellErrorType, DataRef, ExcelDateTime, ExcelDateTimeType};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// A cell or part this module does not read the way calamine does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unknown;

impl From<Unreadable> for Unknown {
    fn from(_: Unreadable) -> Unknown {
        Unknown
    }
}

/// How a style shows numbers, as calamine tells dates from numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumberKind {
    /// A plain number.
    Other,
    /// A date or time of day.
    DateTime,
    /// A duration (`[h]:mm:ss`).
    TimeDelta,
}

/// The number kind of each cell style (`cellXfs` entry), from calamine's parsed styles.
///
/// calamine keeps, per style, the format code (the custom one of `numFmts`, else the built-in
/// one of the id, else `General`) and the id. A custom format is told by its code; a built-in
/// one by its id. The one case this cannot tell apart from calamine's own table is a custom
/// format that reuses an id without built-in code (27-36, 50-58) with the code `General`.
pub(crate) fn number_kinds(styles: &[calamine::Style]) -> Vec<NumberKind> {
    styles
        .iter()
        .map(|style| match &style.number_format {
            None => NumberKind::Other,
            Some(format) => {
                let builtin = format.format_id.and_then(builtin_code);
                let code = format.format_code.as_str();
                match format.format_id {
                    Some(id)
                        if builtin == Some(code) || (builtin.is_none() && code == "General") =>
                    {
                        builtin_kind(id)
                    }
                    _ => custom_kind(code),
                }
            }
        })
        .collect()
}

/// calamine's `detect_custom_number_format`.
pub(super) fn custom_kind(format: &str) -> NumberKind {
    let mut escaped = false;
    let mut is_quote = false;
    let mut brackets = 0u8;
    let mut prev = ' ';
    let mut hms = false;
    let mut ap = false;
    for s in format.chars() {
        match (s, escaped, is_quote, ap, brackets) {
            (_, true, ..) => escaped = false,
            ('_' | '\\' | '*', ..) => escaped = true,
            ('"', _, true, _, _) => is_quote = false,
            (_, _, true, _, _) => (),
            ('"', _, _, _, _) => is_quote = true,
            (';', ..) => return NumberKind::Other,
            ('[', ..) => brackets += 1,
            (']', .., 1) if hms => return NumberKind::TimeDelta,
            (']', ..) => brackets = brackets.saturating_sub(1),
            ('a' | 'A', _, _, false, 0) => ap = true,
            ('p' | 'm' | '/' | 'P' | 'M', _, _, true, 0) => return NumberKind::DateTime,
            ('d' | 'm' | 'h' | 'y' | 's' | 'D' | 'M' | 'H' | 'Y' | 'S', _, _, false, 0) => {
                return NumberKind::DateTime
            }
            _ => {
                if !(hms && s.eq_ignore_ascii_case(&prev)) {
                    hms = prev == '[' && matches!(s, 'm' | 'h' | 's' | 'M' | 'H' | 'S');
                }
            }
        }
        prev = s;
    }
    NumberKind::Other
}

/// calamine's `builtin_format_by_id`.
pub(super) fn builtin_kind(id: u32) -> NumberKind {
    match id {
        14..=22 | 27..=36 | 45 | 47 | 50..=58 => NumberKind::DateTime,
        46 => NumberKind::TimeDelta,
        _ => NumberKind::Other,
    }
}

/// calamine's `builtin_format_code_by_id`.
fn builtin_code(id: u32) -> Option<&'static str> {
    Some(match id {
        0 => "General",
        1 => "0",
        2 => "0.00",
        3 => "#,##0",
        4 => "#,##0.00",
        9 => "0%",
        10 => "0.00%",
        11 => "0.00E+00",
        12 => "# ?/?",
        13 => "# ??/??",
        14 => "mm-dd-yy",
        15 => "d-mmm-yy",
        16 => "d-mmm",
        17 => "mmm-yy",
        18 => "h:mm AM/PM",
        19 => "h:mm:ss AM/PM",
        20 => "h:mm",
        21 => "h:mm:ss",
        22 => "m/d/yy h:mm",
        37 => "#,##0 ;(#,##0)",
        38 => "#,##0 ;[Red](#,##0)",
        39 => "#,##0.00;(#,##0.00)",
        40 => "#,##0.00;[Red](#,##0.00)",
        41 => "_(* #,##0_);_(* (#,##0);_(* \"-\"_);_(@_)",
        42 => "_($* #,##0_);_($* (#,##0);_($* \"-\"_);_(@_)",
        43 => "_(* #,##0.00_);_(* (#,##0.00);_(* \"-\"??_);_(@_)",
        44 => "_($* #,##0.00_);_($* (#,##0.00);_($* \"-\"??_);_(@_)",
        45 => "mm:ss",
        46 => "[h]:mm:ss",
        47 => "mmss.0",
        48 => "##0.0E+0",
        49 => "@",
        _ => return None,
    })
}

/// `text` read as `str::parse::<usize>` reads it: an optional `+`, then digits, no overflow.
fn index_of(text: &[u8]) -> Option<usize> {
    let digits = text.strip_prefix(b"+").unwrap_or(text);
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0usize, |n, &b| {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        n.checked_mul(10)?.checked_add(usize::from(digit))
    })
}

/// Whether `bytes` hold `byte`: a few bytes (a cell's number, a shared string's) looked at
/// one by one, without a branch, where a call to `memchr` would cost more than that; more by
/// `memchr`.
#[inline]
fn holds_byte(bytes: &[u8], byte: u8) -> bool {
    if bytes.len() < 16 {
        bytes.iter().fold(false, |held, &b| held | (b == byte))
    } else {
        memchr::memchr(byte, bytes).is_some()
    }
}

/// An XML reader configured as calamine configures its own.
pub(super) fn xml_reader(xml: &[u8]) -> Reader<&[u8]> {
    let mut reader = Reader::from_reader(xml);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    reader
}

/// The shared strings, one after the other in one buffer (a large table holds millions).
/// Where each ends takes four bytes: the low bits of the offset, and the few strings at which
/// the offset passes a multiple of 4 GiB (none in any real table) give the rest.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Strings {
    text: String,
    /// The low [`Strings::LOW_BITS`] bits of where each string ends in `text`.
    ends: Vec<u32>,
    /// The first string whose end is past each multiple of 2^[`Strings::LOW_BITS`], ascending.
    wraps: Vec<usize>,
}

impl Strings {
    /// How many bits of an end `ends` holds: 32, and 8 in tests, so that they take the way of
    /// a text past 4 GiB.
    const LOW_BITS: u32 = if cfg!(test) { 8 } else { 32 };
    const LOW: usize = (1 << Self::LOW_BITS) - 1;

    /// Room for `text` bytes of text in `strings` strings.
    pub(crate) fn with_capacity(text: usize, strings: usize) -> Strings {
        Strings {
            text: String::with_capacity(text),
            ends: Vec::with_capacity(strings),
            wraps: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, s: &str) {
        self.text.push_str(s);
        let end = self.text.len();
        while (end >> Self::LOW_BITS) > self.wraps.len() {
            self.wraps.push(self.ends.len());
        }
        // Only the low bits are kept: the rest is in `wraps`.
        self.ends.push((end & Self::LOW) as u32);
    }

    /// Where string `i` ends in `text`.
    fn end(&self, i: usize) -> Option<usize> {
        let low = *self.ends.get(i)? as usize;
        let high = self.wraps.partition_point(|&w| w <= i);
        Some((high << Self::LOW_BITS) | low)
    }

    /// Keep the first `len` strings.
    pub(crate) fn truncate(&mut self, len: usize) {
        let end = len.checked_sub(1).and_then(|i| self.end(i)).unwrap_or(0);
        self.ends.truncate(len);
        self.wraps.retain(|&w| w < len.min(self.ends.len()));
        self.text.truncate(end);
    }

    /// Give back the room the buffers grew into.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
    }

    /// How many strings there are.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// String `i`.
    pub(crate) fn get(&self, i: usize) -> Option<&str> {
        let end = self.end(i)?;
        let start = match i.checked_sub(1) {
            Some(before) => self.end(before)?,
            None => 0,
        };
        self.text.get(start..end)
    }
}

impl crate::apply::TextTable for Strings {
    fn text(&self, i: usize) -> Option<&str> {
        self.get(i)
    }
}

/// The shared strings table as calamine reads it (`read_shared_strings`), the whole part at
/// once: what [`super::strings::texts`] must read item by item.
///
/// # Errors
/// [`Unknown`] where calamine would fail.
#[cfg(test)]
pub(crate) fn shared_strings(xml: &[u8]) -> Result<Strings, Unknown> {
    let mut reader = xml_reader(xml);
    let mut buf = Vec::with_capacity(1024);
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf).map_err(|_| Unknown)? {
            Event::Start(e) if e.local_name().as_ref() == "sst" => break,
            Event::Eof => return Err(Unknown),
            _ => (),
        }
    }
    let mut strings = Strings::with_capacity(xml.len() / 2, 0);
    let mut inner = Vec::with_capacity(1024);
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf).map_err(|_| Unknown)? {
            Event::Start(e) if e.local_name().as_ref() == "si" => {
                let closing = e.name().as_ref().to_string();
                if let Some(s) = read_string(&mut reader, &closing, &mut inner)? {
                    strings.push(&s);
                }
            }
            Event::End(e) if e.local_name().as_ref() == "sst" => break,
            Event::Eof => return Err(Unknown),
            _ => (),
        }
    }
    Ok(strings)
}

/// How a plain item (see [`PlainItem`]) is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PlainForm {
    /// `<si><t>text</t></si>`.
    Plain,
    /// `<si><t xml:space="preserve">text</t></si>`.
    Preserved,
    /// `<si><t/></si>`, with no text.
    Closed,
}

/// The tags of a shared strings item written plainly, `<si><t>text</t></si>`, in a part whose
/// namespace prefix is `prefix` (with its colon, or empty); and the item of an empty `<t/>`,
/// which is how the lossless writer blanks an item no cell uses any more.
pub(crate) struct PlainItem {
    open: Vec<u8>,
    close: Vec<u8>,
    empty: Vec<u8>,
}

impl PlainItem {
    pub(crate) fn new(prefix: &[u8]) -> PlainItem {
        let tag = |open: &str, name: &str| [open.as_bytes(), prefix, name.as_bytes()].concat();
        PlainItem {
            open: [tag("<", "si><"), tag("", "t")].concat(),
            close: [tag("</", "t></"), tag("", "si>")].concat(),
            empty: [tag("<", "si><"), tag("", "t/></"), tag("", "si>")].concat(),
        }
    }

    /// The text of `item` as an XML reader gives it, untrimmed and with its `_xHHHH_` escapes
    /// as written, when the item is written plainly and holds no entity or carriage return:
    /// the text a search of the part's XML reads, without an XML reader.
    pub(crate) fn xml_text<'a>(&self, item: &'a [u8]) -> Option<&'a str> {
        self.written(item).map(|(_, text)| text)
    }

    /// The plainly written item of a `text` that holds no markup, entity or carriage return,
    /// in `form` (a [`PlainForm::Closed`] item has no text), into `out` (cleared first).
    pub(crate) fn write(&self, form: PlainForm, text: &str, out: &mut Vec<u8>) {
        out.clear();
        if form == PlainForm::Closed {
            out.extend_from_slice(&self.empty);
            return;
        }
        out.extend_from_slice(&self.open);
        if form == PlainForm::Preserved {
            out.extend_from_slice(br#" xml:space="preserve""#);
        }
        out.push(b'>');
        out.extend_from_slice(text.as_bytes());
        out.extend_from_slice(&self.close);
    }

    /// How a plainly written `item` is written, and its text as written, when that holds no
    /// markup, entity or carriage return: [`PlainItem::write`] writes the item again as it
    /// is from them.
    fn written<'a>(&self, item: &'a [u8]) -> Option<(PlainForm, &'a str)> {
        // Nearly a million items of a large export pass here: their tags are compared in
        // place (see [`same`]).
        if same(item, &self.empty) {
            return Some((PlainForm::Closed, ""));
        }
        let (form, rest) = self.after_start(item)?;
        let text = strip_suffix(rest, &self.close)?;
        if memchr::memchr3(b'<', b'&', b'\r', text).is_some() {
            return None;
        }
        Some((form, std::str::from_utf8(text).ok()?))
    }

    /// The length of the plainly written item with text that `bytes` start with, as a scan
    /// of a table finds nearly every item of an export; `None` for any other start, and when
    /// `bytes` end before the item does. Its text holds no markup: it ends at the first `<`
    /// after the start tags, looked for once.
    pub(crate) fn len_at(&self, bytes: &[u8]) -> Option<usize> {
        let (_, rest) = self.after_start(bytes)?;
        let lt = memchr::memchr(b'<', rest)?;
        let close = rest.get(lt..lt + self.close.len())?;
        same(close, &self.close).then(|| bytes.len() - rest.len() + lt + close.len())
    }

    /// How the plainly written item that `item` starts with is written (not
    /// [`PlainForm::Closed`]), and what follows its start tags.
    fn after_start<'a>(&self, item: &'a [u8]) -> Option<(PlainForm, &'a [u8])> {
        let rest = strip_prefix(item, &self.open)?;
        match rest.split_first()? {
            (b'>', rest) => Some((PlainForm::Plain, rest)),
            _ => Some((
                PlainForm::Preserved,
                strip_prefix(rest, br#" xml:space="preserve">"#)?,
            )),
        }
    }
}

/// One `<si>` item of a shared strings part (as [`super::strings::scan`] finds it), read as
/// [`shared_strings`] reads it in the whole part, and added to `strings`; `plain` knows the
/// part's prefix. An item written plainly (as nearly all of an export's are) whose text holds
/// nothing to decode (no entity, `_xHHHH_` escape or carriage return) is read in place, as
/// calamine reads it: trimmed unless preserved (see [`PlainItem`]); any other is read by
/// quick_xml. Returned: how the item is written, when it is written plainly (see
/// [`PlainItem::written`]) and the text added is its text as written, whichever way it was
/// read: [`PlainItem::write`] then writes the item again from that text.
///
/// # Errors
/// [`Unknown`] where calamine would fail.
pub(crate) fn push_shared_string(
    item: &[u8],
    plain: &PlainItem,
    strings: &mut Strings,
    buf: &mut Vec<u8>,
) -> Result<Option<PlainForm>, Unknown> {
    let written = plain.written(item);
    if let Some((form, text)) =
        written.filter(|(_, text)| memchr::memchr(b'_', text.as_bytes()).is_none())
    {
        let read = match form {
            PlainForm::Preserved => text,
            PlainForm::Plain | PlainForm::Closed => text.trim_matches([' ', '\t', '\n']),
        };
        strings.push(read);
        // Trimmed or not: the same text when no space went.
        return Ok((read.len() == text.len()).then_some(form));
    }
    let mut reader = xml_reader(item);
    loop {
        buf.clear();
        match reader.read_event_into(buf).map_err(|_| Unknown)? {
            Event::Start(e) if e.local_name().as_ref() == "si" => {
                let closing = e.name().as_ref().to_string();
                let mut inner = Vec::with_capacity(64);
                let read = read_string(&mut reader, &closing, &mut inner)?;
                if let Some(s) = &read {
                    strings.push(s);
                }
                return Ok(written
                    .filter(|&(_, text)| read.as_deref() == Some(text))
                    .map(|(form, _)| form));
            }
            Event::Eof => return Err(Unknown),
            _ => (),
        }
    }
}

/// calamine's `read_string_with_bufs`: a shared string item or inline string, up to the end
/// tag named `closing`.
fn read_string(
    xml: &mut Reader<&[u8]>,
    closing: &str,
    buf: &mut Vec<u8>,
) -> Result<Option<String>, Unknown> {
    let mut rich: Option<String> = None;
    let mut phonetic = false;
    let mut text_buf = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(buf).map_err(|_| Unknown)? {
            Event::Start(e) if e.local_name().as_ref() == "r" && rich.is_none() => {
                rich = Some(String::new());
            }
            Event::Start(e) if e.local_name().as_ref() == "rPh" => phonetic = true,
            Event::End(e) if e.name().as_ref() == closing => {
                return Ok(Some(rich.unwrap_or_default()));
            }
            Event::End(e) if e.local_name().as_ref() == "rPh" => phonetic = false,
            Event::Start(e) if e.local_name().as_ref() == "t" && !phonetic => {
                let preserve = raw_attr(&e, "xml:space")? == Some("preserve");
                let name = e.name().as_ref().to_string();
                let mut value = String::new();
                loop {
                    text_buf.clear();
                    match xml.read_event_into(&mut text_buf).map_err(|_| Unknown)? {
                        Event::Text(t) => value.push_str(&t.xml10_content()),
                        Event::CData(t) => value.push_str(&t.xml10_content()),
                        Event::GeneralRef(r) => entity(&r, &mut value)?,
                        Event::End(end) if end.name().as_ref() == name.as_str() => break,
                        Event::Eof => return Err(Unknown),
                        _ => (),
                    }
                }
                let value = if preserve {
                    unescape_xml(&value)
                } else {
                    unescape_xml(value.trim_matches([' ', '\t', '\r', '\n']))
                };
                match &mut rich {
                    Some(s) => s.push_str(&value),
                    None => rich = Some(value),
                }
            }
            Event::Eof => return Err(Unknown),
            _ => (),
        }
    }
}

/// The raw value of attribute `name` (calamine's `raw_attr`: no unescaping).
fn raw_attr<'a>(e: &'a BytesStart<'_>, name: &str) -> Result<Option<&'a str>, Unknown> {
    for attr in e.attributes() {
        let attr = attr.map_err(|_| Unknown)?;
        if attr.key.as_ref() == name {
            return Ok(Some(match attr.value {
                std::borrow::Cow::Borrowed(v) => v,
                std::borrow::Cow::Owned(_) => return Err(Unknown),
            }));
        }
    }
    Ok(None)
}

/// calamine's `unescape_entity_to_buffer`.
fn entity(r: &quick_xml::events::BytesRef<'_>, out: &mut String) -> Result<(), Unknown> {
    let name: &str = r;
    if let Some(text) = quick_xml::escape::resolve_xml_entity(name) {
        out.push_str(text);
        return Ok(());
    }
    match r.resolve_char_ref() {
        Ok(Some(c)) => {
            out.push(c);
            Ok(())
        }
        _ => Err(Unknown),
    }
}

/// Whether `text` holds `_x`, where an `_xHHHH_` escape starts (see [`unescape_xml`]): each
/// `_` looked at, where `str::contains` sets up a general searcher for each cell's text.
fn has_escape(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'_', bytes).any(|at| bytes.get(at + 1) == Some(&b'x'))
}

/// Put `value`, lent by a reading of cells, into `slot`, a cell's place kept from row to row:
/// a text into the text the place holds, its room taken again (a large sheet's text cells
/// would each take an allocation otherwise).
#[inline]
pub(crate) fn put_value(slot: &mut calamine::Data, value: DataRef<'_>) {
    match (slot, value) {
        (calamine::Data::String(s), DataRef::SharedString(v)) => {
            s.clear();
            s.push_str(v);
        }
        (slot, value) => *slot = calamine::Data::from(value),
    }
}

/// calamine's `unescape_xml`: Excel's `_xHHHH_` escapes (UTF-16 code units) decoded.
pub(crate) fn unescape_xml(text: &str) -> String {
    let bytes = text.as_bytes();
    let unit_at = |i: usize| -> Option<u16> {
        let b = bytes.get(i..i + 7)?;
        if b[0] != b'_'
            || b[1] != b'x'
            || b[6] != b'_'
            || !b[2..6].iter().all(u8::is_ascii_hexdigit)
        {
            return None;
        }
        u16::from_str_radix(std::str::from_utf8(&b[2..6]).ok()?, 16).ok()
    };
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while let Some(offset) = memchr::memchr(b'_', &bytes[i..]) {
        let at = i + offset;
        let Some(unit) = unit_at(at) else {
            i = at + 1;
            continue;
        };
        out.push_str(&text[copied..at]);
        let mut next = at + 7;
        match unit {
            0xD800..=0xDBFF => match unit_at(next) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    let code =
                        0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                    out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
                    next += 7;
                }
                _ => out.push(char::REPLACEMENT_CHARACTER),
            },
            0xDC00..=0xDFFF => out.push(char::REPLACEMENT_CHARACTER),
            _ => out.push(char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER)),
        }
        copied = next;
        i = next;
    }
    out.push_str(&text[copied..]);
    out
}

/// Reads cell values (see the module documentation).
pub(crate) struct CellValues<'a> {
    strings: &'a Strings,
    kinds: Vec<NumberKind>,
    is_1904: bool,
    /// Text of the cell being read, when it is not in `strings`.
    text: String,
    buf: Vec<u8>,
    /// What the last cell read says of its use of a shared string, when that is plain: the
    /// index it refers to, or none (see [`CellValues::last_ref`]).
    last_ref: Option<Option<usize>>,
}

impl<'a> CellValues<'a> {
    /// A reader over the shared strings `strings` (as [`shared_strings`] reads them), the
    /// styles' number kinds (see [`number_kinds`]) and the workbook's date system.
    pub(crate) fn new(strings: &'a Strings, kinds: Vec<NumberKind>, is_1904: bool) -> Self {
        CellValues {
            strings,
            kinds,
            is_1904,
            text: String::new(),
            buf: Vec::with_capacity(256),
            last_ref: None,
        }
    }

    /// Another reader over the same tables, for another thread: a reader keeps nothing from
    /// one cell to the next but its buffers.
    pub(crate) fn fork(&self) -> CellValues<'a> {
        CellValues::new(self.strings, self.kinds.clone(), self.is_1904)
    }

    /// The shared string the last cell read refers to (`Some(None)`: none), as a `t="s"` cell
    /// whose `<v>` holds the index; `None` when the cell's shape leaves that to its XML.
    pub(crate) fn last_ref(&self) -> Option<Option<usize>> {
        self.last_ref
    }

    /// The value of a whole `<c>` element (start tag to end tag, or one empty tag), with the
    /// element's namespace `prefix` (`x:` or nothing), as calamine's `next_cell` reads it.
    ///
    /// # Errors
    /// [`Unknown`] for a cell this module does not read as calamine does (formulas included).
    pub(crate) fn value(&mut self, raw: &[u8], prefix: &[u8]) -> Result<DataRef<'_>, Unknown> {
        self.last_ref = None;
        let start_end = memchr::memchr(b'>', raw).ok_or(Unknown)? + 1;
        let start = &raw[..start_end];
        if start.ends_with(b"/>") {
            self.last_ref = Some(None);
            return Ok(DataRef::Empty);
        }
        let (s, t) = match attr::UsualCell::read(start) {
            Some(usual) => (usual.s, usual.t),
            None => {
                let [s, t] = attr::raw_each(start, [b"s", b"t"], Reading::Strict);
                (s?, t?)
            }
        };
        self.value_after(raw, start_end, prefix, s, t)
    }

    /// [`Self::value`], or [`Self::usual_value`] when the cell's start tag was read already
    /// as a usual one (`start`).
    pub(crate) fn value_of(
        &mut self,
        raw: &[u8],
        prefix: &[u8],
        start: Option<&attr::UsualStart>,
    ) -> Result<DataRef<'_>, Unknown> {
        match start {
            Some(start) => self.usual_value(raw, prefix, start),
            None => self.value(raw, prefix),
        }
    }

    /// [`Self::value`] of a cell whose start tag, a usual one (see [`attr::UsualCell`]), was
    /// read already: it ends where `start` says, and its `s` and `t` are where it says.
    fn usual_value(
        &mut self,
        raw: &[u8],
        prefix: &[u8],
        start: &attr::UsualStart,
    ) -> Result<DataRef<'_>, Unknown> {
        self.last_ref = None;
        let start_end = start.end();
        if raw[..start_end].ends_with(b"/>") {
            self.last_ref = Some(None);
            return Ok(DataRef::Empty);
        }
        let (s, t) = start.style_and_type(raw);
        self.value_after(raw, start_end, prefix, s, t)
    }

    /// [`Self::value_of`], read at once where the cell is of a usual shape (`usual`, see
    /// [`UsualValue`]) and its start tag a usual one (`start`): see [`Self::usual_value_at`].
    pub(crate) fn value_in(
        &mut self,
        raw: &[u8],
        start: Option<&attr::UsualStart>,
        usual: Option<&UsualValue>,
    ) -> Result<DataRef<'_>, Unknown> {
        match (start, usual) {
            (Some(start), Some(usual)) => {
                self.usual_value_at(raw, start, usual.text(), usual.prefix(), usual.inline)
            }
            _ => self.value_of(raw, super::patch::prefix_of(raw), start),
        }
    }

    /// [`Self::value_of`] of a cell of a usual shape, `<c ...><v>text</v></c>` or, `inline`,
    /// `<c ...><is><t>text</t></is></c>`, its tags' names all of `prefix` (with its colon, or
    /// empty), no markup in the text, whose start tag was read as a usual one (`start`): the
    /// text at `text` in `raw` read at once.
    pub(crate) fn usual_value_at(
        &mut self,
        raw: &[u8],
        start: &attr::UsualStart,
        text: std::ops::Range<usize>,
        prefix: &[u8],
        inline: bool,
    ) -> Result<DataRef<'_>, Unknown> {
        let v = raw.get(text).ok_or(Unknown)?;
        // What the reading whole reads otherwise: an entity, or in an inline string a
        // carriage return (the text has no `<`).
        if inline {
            if memchr::memchr2(b'&', b'\r', v).is_some() {
                return self.usual_value(raw, prefix, start);
            }
            self.last_ref = None;
            return self.is_value(v);
        }
        if holds_byte(v, b'&') {
            return self.usual_value(raw, prefix, start);
        }
        let (s, t) = start.style_and_type(raw);
        self.v_value(v, s, t)
    }

    /// [`Self::value`] after the start tag (`raw[..start_end]`, not an empty element's), of
    /// style `s` and type `t`.
    fn value_after(
        &mut self,
        raw: &[u8],
        start_end: usize,
        prefix: &[u8],
        s: Option<&[u8]>,
        t: Option<&[u8]>,
    ) -> Result<DataRef<'_>, Unknown> {
        let body = &raw[start_end..];
        // The usual shapes: `<v>text</v></c>` and `<is><t>text</t></is></c>`, plain text.
        if let Some(text) = between(body, prefix, b"v") {
            if memchr::memchr2(b'&', b'<', text).is_none() {
                return self.v_value(text, s, t);
            }
        }
        if let Some(inner) = between(body, prefix, b"is") {
            if let Some(text) = between_whole(inner, prefix, b"t") {
                if memchr::memchr3(b'&', b'<', b'\r', text).is_none() {
                    return self.is_value(text);
                }
            }
        }
        self.general(raw, s, t)
    }

    /// The value of an inline string whose `<t>` holds `text` (no markup, no entity, no
    /// carriage return).
    fn is_value(&mut self, text: &[u8]) -> Result<DataRef<'_>, Unknown> {
        let text = std::str::from_utf8(text).map_err(|_| Unknown)?;
        let text = text.trim_matches([' ', '\t', '\r', '\n']);
        self.text.clear();
        if has_escape(text) {
            self.text.push_str(&unescape_xml(text));
        } else {
            self.text.push_str(text);
        }
        Ok(DataRef::SharedString(&self.text))
    }

    /// The value of a cell whose `<v>` holds `text` (no markup, no entity), of style `s` and
    /// type `t`.
    fn v_value(
        &mut self,
        text: &[u8],
        s: Option<&[u8]>,
        t: Option<&[u8]>,
    ) -> Result<DataRef<'_>, Unknown> {
        // Most cells of Excel's layout: a shared string's number, read where it is.
        if t == Some(b"s") {
            let index = index_of(text);
            self.last_ref = Some(index);
            if text.is_empty() {
                return Ok(DataRef::Empty);
            }
            let strings: &Strings = self.strings;
            return (index.and_then(|i| strings.get(i)))
                .map(DataRef::SharedString)
                .ok_or(Unknown);
        }
        let text = std::str::from_utf8(text).map_err(|_| Unknown)?;
        self.last_ref = Some(None);
        match t {
            Some(b"inlineStr" | b"is") => Ok(DataRef::Empty),
            Some(b"n" | b"b" | b"e") | None => self.read_v(text, s, t),
            _ => {
                if text.contains('\r') {
                    return Err(Unknown);
                }
                self.text.clear();
                self.text.push_str(text);
                self.typed_text(t)
            }
        }
    }

    /// Any other cell, read with quick-xml event by event as calamine does.
    fn general(
        &mut self,
        raw: &[u8],
        s: Option<&[u8]>,
        t: Option<&[u8]>,
    ) -> Result<DataRef<'_>, Unknown> {
        let mut xml = xml_reader(raw);
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        match xml.read_event_into(&mut buf).map_err(|_| Unknown)? {
            Event::Start(e) if e.local_name().as_ref() == "c" => {}
            _ => return Err(Unknown),
        }
        // What the last child gives (calamine keeps the value of the last one).
        enum Got {
            Empty,
            Text,
            Plain(String),
            V(String),
        }
        let mut got = Got::Empty;
        let mut inner = Vec::new();
        loop {
            buf.clear();
            match xml.read_event_into(&mut buf).map_err(|_| Unknown)? {
                Event::Start(e) => match e.local_name().as_ref() {
                    "is" => {
                        let closing = e.name().as_ref().to_string();
                        got = match read_string(&mut xml, &closing, &mut inner)? {
                            Some(text) => {
                                self.text = text;
                                Got::Text
                            }
                            None => Got::Empty,
                        };
                    }
                    "v" if matches!(t, Some(b"inlineStr" | b"is")) => {
                        skip_to_end(&mut xml, &e)?;
                        got = Got::Empty;
                    }
                    "v" => {
                        let name = e.name().as_ref().to_string();
                        let mut value = String::new();
                        let plain = matches!(t, Some(b"n" | b"s" | b"b" | b"e") | None);
                        let mut this = None;
                        let mut first = true;
                        loop {
                            inner.clear();
                            let event = xml.read_event_into(&mut inner).map_err(|_| Unknown)?;
                            match event {
                                // calamine reads these types from the first event, raw: its
                                // text, or nothing when it ends there.
                                Event::Text(x) if plain && first => {
                                    let raw: &str = &x;
                                    this = Some(Got::Plain(raw.to_string()));
                                    skip_to_end(&mut xml, &e)?;
                                    break;
                                }
                                Event::End(end) if end.name().as_ref() == name.as_str() => break,
                                _ if plain => return Err(Unknown),
                                Event::Text(x) => value.push_str(&x.xml10_content()),
                                Event::GeneralRef(r) => entity(&r, &mut value)?,
                                Event::Eof => return Err(Unknown),
                                _ => (),
                            }
                            first = false;
                        }
                        got = this.unwrap_or(if plain { Got::Empty } else { Got::V(value) });
                    }
                    // A formula: the one-pass writer does not handle them.
                    _ => return Err(Unknown),
                },
                Event::End(e) if e.local_name().as_ref() == "c" => break,
                Event::Eof => return Err(Unknown),
                _ => (),
            }
        }
        self.buf = buf;
        match got {
            Got::Empty => Ok(DataRef::Empty),
            Got::Text => Ok(DataRef::SharedString(&self.text)),
            Got::Plain(v) => self.read_v(&v, s, t),
            Got::V(value) => {
                self.text = value;
                self.typed_text(t)
            }
        }
    }

    /// `read_v` for the types read as (unescaped) text: `str`, `d`; `self.text` holds it.
    fn typed_text(&mut self, t: Option<&[u8]>) -> Result<DataRef<'_>, Unknown> {
        match t {
            Some(b"d") => Ok(DataRef::DateTimeIso(self.text.clone())),
            Some(b"str") => {
                let text = unescape_xml(&self.text);
                self.text = text;
                Ok(DataRef::SharedString(&self.text))
            }
            _ => Err(Unknown),
        }
    }

    /// calamine's `read_v` for the plain types (`n`, `s`, `b`, `e`, none).
    fn read_v(&self, v: &str, s: Option<&[u8]>, t: Option<&[u8]>) -> Result<DataRef<'a>, Unknown> {
        let strings: &'a Strings = self.strings;
        match t {
            Some(b"s") => {
                if v.is_empty() {
                    return Ok(DataRef::Empty);
                }
                let index: usize = v.parse().map_err(|_| Unknown)?;
                strings.get(index).map(DataRef::SharedString).ok_or(Unknown)
            }
            Some(b"b") => {
                let value = v.trim();
                if value.is_empty() {
                    Ok(DataRef::Empty)
                } else if value == "0" || value.eq_ignore_ascii_case("false") {
                    Ok(DataRef::Bool(false))
                } else if value == "1" || value.eq_ignore_ascii_case("true") {
                    Ok(DataRef::Bool(true))
                } else {
                    Err(Unknown)
                }
            }
            Some(b"e") => v
                .parse::<CellErrorType>()
                .map(DataRef::Error)
                .map_err(|_| Unknown),
            _ => {
                if v.is_empty() {
                    return Ok(DataRef::Empty);
                }
                // Plain decimal numbers only: what calamine's float parser and Rust's agree on.
                let plain = !v.starts_with('+')
                    && v.bytes().all(|b| {
                        b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E')
                    });
                if !plain {
                    // No float parser takes it (but `inf` and `nan`, which calamine's does):
                    // without a type, the text itself.
                    let lower = v.to_ascii_lowercase();
                    if t.is_none() && !lower.contains("inf") && !lower.contains("nan") {
                        return Ok(DataRef::String(v.to_string()));
                    }
                    return Err(Unknown);
                }
                let number = v.parse::<f64>().map_err(|_| Unknown)?;
                let kind = match s {
                    Some(style) => {
                        let id = std::str::from_utf8(style)
                            .ok()
                            .and_then(|x| x.parse::<usize>().ok())
                            .ok_or(Unknown)?;
                        self.kinds.get(id).copied()
                    }
                    None => Some(NumberKind::Other),
                };
                Ok(match kind {
                    Some(NumberKind::DateTime) => DataRef::DateTime(ExcelDateTime::new(
                        number,
                        ExcelDateTimeType::DateTime,
                        self.is_1904,
                    )),
                    Some(NumberKind::TimeDelta) => DataRef::DateTime(ExcelDateTime::new(
                        number,
                        ExcelDateTimeType::TimeDelta,
                        self.is_1904,
                    )),
                    _ => DataRef::Float(number),
                })
            }
        }
    }
}

/// Skip to the end of element `e`.
fn skip_to_end(xml: &mut Reader<&[u8]>, e: &BytesStart<'_>) -> Result<(), Unknown> {
    let mut buf = Vec::new();
    xml.read_to_end_into(e.name(), &mut buf)
        .map(|_| ())
        .map_err(|_| Unknown)
}

/// The text of a body that is exactly `<p:name>text</p:name></p:c>` (`p:` the prefix).
fn between<'x>(body: &'x [u8], prefix: &[u8], name: &[u8]) -> Option<&'x [u8]> {
    let rest = strip_tag(body, b"<", prefix, name)?;
    let rest = strip_suffix(rest, b">")?;
    let rest = strip_suffix(rest, b"c")?;
    let rest = strip_suffix(rest, prefix)?;
    let rest = strip_suffix(rest, b"</")?;
    let rest = strip_suffix(rest, b">")?;
    let rest = strip_suffix(rest, name)?;
    let rest = strip_suffix(rest, prefix)?;
    strip_suffix(rest, b"</")
}

/// The text of `xml` that is exactly `<p:name>text</p:name>`.
fn between_whole<'x>(xml: &'x [u8], prefix: &[u8], name: &[u8]) -> Option<&'x [u8]> {
    let rest = strip_tag(xml, b"<", prefix, name)?;
    let rest = strip_suffix(rest, b">")?;
    let rest = strip_suffix(rest, name)?;
    let rest = strip_suffix(rest, prefix)?;
    strip_suffix(rest, b"</")
}

/// `xml` after the start tag `<p:name>` (no attributes).
fn strip_tag<'x>(xml: &'x [u8], open: &[u8], prefix: &[u8], name: &[u8]) -> Option<&'x [u8]> {
    let rest = strip_prefix(xml, open)?;
    let rest = strip_prefix(rest, prefix)?;
    let rest = strip_prefix(rest, name)?;
    strip_prefix(rest, b">")
}

/// Whether two pieces of a tag (a few bytes) are the same, compared in place: a call to the
/// library's comparison costs more than that, and every cell takes several.
#[inline(always)]
pub(super) fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// `xml` without the few bytes `end` at its end (see [`same`]).
#[inline(always)]
fn strip_suffix<'x>(xml: &'x [u8], end: &[u8]) -> Option<&'x [u8]> {
    let (rest, tail) = xml.split_at_checked(xml.len().checked_sub(end.len())?)?;
    same(tail, end).then_some(rest)
}

/// A cell of a usual shape, as Excel and Dynamics write nearly all of theirs: a value,
/// `<v>text</v></c>`, or an inline string, `<is><t>text</t></is></c>` (the raw layout
/// Dynamics writes), with no markup in the text, each tag bare or with the prefix `x:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UsualValue {
    /// Where the cell ends, and where its text starts and ends, from the cell's start (32 bits
    /// each: a sheet's rows keep one of these per cell, so it is kept small; a longer cell is
    /// not taken as a usual one).
    end: u32,
    text: (u32, u32),
    /// Whether the cell's namespace prefix is `x:` (else there is none).
    x: bool,
    /// Whether it is an inline string.
    pub(crate) inline: bool,
}

impl UsualValue {
    /// The cell whose start tag is `tag` (`<c ...>` or `<x:c ...>`) when `content`, what
    /// follows it, starts with a usual value: the end that a look at each `<` finds, with one
    /// search. `None` for an empty cell (`<c .../>`), whose value is not what follows it.
    pub(crate) fn find(tag: &[u8], content: &[u8]) -> Option<UsualValue> {
        if tag.ends_with(b"/>") {
            return None;
        }
        // Excel's layout first, each piece a constant the compiler compares in place.
        let (prefix, inline, open, close): (&'static [u8], bool, &[u8], &[u8]) =
            if tag.starts_with(b"<c ") {
                if content.starts_with(b"<v>") {
                    (b"", false, b"<v>", b"</v></c>")
                } else if content.starts_with(b"<is><t>") {
                    (b"", true, b"<is><t>", b"</t></is></c>")
                } else {
                    return None;
                }
            } else if tag.starts_with(b"<x:c ") {
                if content.starts_with(b"<x:is><x:t>") {
                    (b"x:", true, b"<x:is><x:t>", b"</x:t></x:is></x:c>")
                } else if content.starts_with(b"<x:v>") {
                    (b"x:", false, b"<x:v>", b"</x:v></x:c>")
                } else {
                    return None;
                }
            } else {
                return None;
            };
        let text = &content[open.len()..];
        let lt = memchr::memchr(b'<', text)?;
        if !text[lt..].starts_with(close) {
            return None;
        }
        let from = tag.len() + open.len();
        Some(UsualValue {
            end: u32::try_from(from + lt + close.len()).ok()?,
            text: (u32::try_from(from).ok()?, u32::try_from(from + lt).ok()?),
            x: !prefix.is_empty(),
            inline,
        })
    }

    /// Where the cell ends, from its start.
    #[inline]
    pub(crate) fn end(&self) -> usize {
        self.end as usize
    }

    /// Where the cell's start tag ends (just after its `>`), from the cell's start: where its
    /// value's first tag (`<v>`, `<is><t>`, with the prefix) starts.
    #[inline]
    pub(crate) fn start_end(&self) -> usize {
        let open: &[u8] = match (self.x, self.inline) {
            (false, false) => b"<v>",
            (false, true) => b"<is><t>",
            (true, false) => b"<x:v>",
            (true, true) => b"<x:is><x:t>",
        };
        self.text.0 as usize - open.len()
    }

    /// Where the cell's text is, from its start.
    #[inline]
    pub(crate) fn text(&self) -> std::ops::Range<usize> {
        self.text.0 as usize..self.text.1 as usize
    }

    /// The cell's namespace prefix with its colon, or empty.
    #[inline]
    pub(crate) fn prefix(&self) -> &'static [u8] {
        if self.x {
            b"x:"
        } else {
            b""
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::{self, catalogue, Options, RawBook};
    use calamine::{Data, DataType, Reader, Xlsx};
    use std::io::{Cursor, Read};

    /// A cell of a usual shape, either layout, read where the pass's cut found its text, gives
    /// the value and the shared string number the reading of the whole cell gives.
    #[test]
    fn a_usual_value_read_at_once_is_the_value_read_whole() {
        let mut strings = Strings::default();
        for text in ["Ana", "", "Bo Li"] {
            strings.push(text);
        }
        let kinds = vec![NumberKind::Other, NumberKind::DateTime];
        let types = [
            "",
            " t=\"s\"",
            " t=\"n\"",
            " t=\"str\"",
            " t=\"b\"",
            " t=\"e\"",
            " t=\"inlineStr\"",
            " t=\"d\"",
        ];
        let values = [
            "0",
            "2",
            "7",
            "",
            "1.5",
            "1&amp;2",
            "x &lt; y",
            "#N/A",
            "true",
            "+1",
            "1e3",
            " a ",
            "a\rb",
            "a longer text &amp; more",
            "1234567890123456&#49;",
        ];
        let mut read = 0;
        for p in ["", "x:"] {
            for t in types {
                for style in ["", " s=\"1\""] {
                    for value in values {
                        for (inline, open, close) in [
                            (false, format!("<{p}v>"), format!("</{p}v></{p}c>")),
                            (
                                true,
                                format!("<{p}is><{p}t>"),
                                format!("</{p}t></{p}is></{p}c>"),
                            ),
                        ] {
                            let cell = format!("<{p}c r=\"B2\"{style}{t}>{open}{value}{close}");
                            let raw = cell.as_bytes();
                            let tag_end = cell.find('>').unwrap();
                            let usual = attr::UsualCell::read(&raw[..=tag_end]).unwrap();
                            let start = usual.start_at(&raw[..=tag_end]);
                            let text = tag_end + 1 + open.len()..raw.len() - close.len();
                            let mut whole = CellValues::new(&strings, kinds.clone(), false);
                            let mut once = CellValues::new(&strings, kinds.clone(), false);
                            let expected = whole.value(raw, p.as_bytes()).map(Data::from);
                            let got = once.usual_value_at(raw, &start, text, p.as_bytes(), inline);
                            assert_eq!(got.map(Data::from), expected, "{cell}");
                            assert_eq!(once.last_ref(), whole.last_ref(), "{cell}");
                            read += usize::from(expected.is_ok());
                        }
                    }
                }
            }
        }
        assert!(read > 200, "{read}");
    }

    /// A shared string's number, read from the cell's bytes, as `str::parse` reads it.
    #[test]
    fn a_shared_string_number_is_read_as_the_standard_library_reads_it() {
        let max = usize::MAX.to_string();
        let past = format!("{max}0");
        let mut texts = vec![
            "", "0", "7", "+7", "++7", "+", "-0", "-7", " 7", "7 ", "007", "1e3", "1.0", "٣", "x",
        ];
        texts.extend([max.as_str(), past.as_str()]);
        let wrapped = (u128::from(u64::MAX) + 1).to_string();
        texts.push(&wrapped);
        for text in texts {
            assert_eq!(
                index_of(text.as_bytes()),
                text.parse::<usize>().ok(),
                "{text:?}"
            );
        }
        for n in (0..100_000).step_by(7) {
            assert_eq!(index_of(n.to_string().as_bytes()), Some(n));
        }
    }

    /// Strings read back as pushed, and truncate keeps the first ones, past any number of the
    /// offsets' wraps (every 256 bytes in tests, every 4 GiB otherwise), a string longer than
    /// two of them included.
    #[test]
    fn strings_read_back_as_pushed_past_the_ends_wraps() {
        let pushed: Vec<String> = (0..300)
            .map(|i| match i % 7 {
                0 => String::new(),
                3 => "ü".repeat(i),
                5 if i == 40 => "x".repeat(700),
                _ => format!("string {i}"),
            })
            .collect();
        let mut strings = Strings::default();
        for s in &pushed {
            strings.push(s);
        }
        assert!(strings.wraps.len() > 3, "the test passes several wraps");
        let read: Vec<&str> = (0..pushed.len()).map(|i| strings.get(i).unwrap()).collect();
        assert_eq!(read, pushed);
        assert_eq!(strings.get(pushed.len()), None);
        for len in [250, 41, 40, 7, 0] {
            strings.truncate(len);
            assert_eq!(strings.len(), len);
            let read: Vec<&str> = (0..len).map(|i| strings.get(i).unwrap()).collect();
            assert_eq!(read, pushed[..len]);
            assert_eq!(strings.text.len(), pushed[..len].concat().len());
        }
        strings.push("again");
        assert_eq!(strings.get(0), Some("again"));
    }

    fn read_part(bytes: &[u8], path: &str) -> Vec<u8> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut out = Vec::new();
        zip.by_name(path).unwrap().read_to_end(&mut out).unwrap();
        out
    }

    /// Every worksheet's cells as calamine's streaming reader gives them and as this module
    /// reads them in the writer's walk, compared; how many cells were compared, and how many
    /// this module left to calamine (formulas).
    fn compare(bytes: &[u8]) -> (usize, usize) {
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        let is_1904 = book.has_1904_epoch();
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let map = super::super::package::map_package(&mut zip).unwrap();
        let strings = match &map.shared_strings {
            Some(path) => shared_strings(&read_part(bytes, path)).unwrap(),
            None => Strings::default(),
        };
        let (mut compared, mut unknown) = (0, 0);
        for part in &map.sheets {
            let Ok(mut reader) = book.worksheet_cells_reader(&part.name) else {
                continue; // a chart sheet
            };
            let kinds = number_kinds(reader.styles());
            let mut theirs = Vec::new();
            while let Some(cell) = reader.next_cell().unwrap() {
                if !cell.get_value().is_empty() {
                    theirs.push((cell.get_position(), Data::from(cell.get_value().clone())));
                }
            }
            let xml = read_part(bytes, &part.path);
            let mut values = CellValues::new(&strings, kinds, is_1904);
            let mut ours = Vec::new();
            let mut left = Vec::new();
            super::super::patch::walk_cells(
                &xml[..],
                &mut std::io::sink(),
                None,
                |row, col, raw, _| {
                    let prefix = super::super::patch::prefix_of(raw);
                    match values.value(raw, prefix) {
                        Ok(value) if !value.is_empty() => {
                            ours.push(((row, col), Data::from(value)));
                        }
                        Ok(_) => {}
                        Err(Unknown) => {
                            let text = String::from_utf8_lossy(raw);
                            assert!(text.contains("<f") || text.contains(":f"), "{text}");
                            left.push((row, col));
                        }
                    }
                    Ok(false)
                },
                |_, _| Ok(()),
            )
            .unwrap();
            theirs.retain(|(at, _)| !left.contains(at));
            assert_eq!(ours, theirs, "sheet {}", part.name);
            compared += ours.len();
            unknown += left.len();
        }
        (compared, unknown)
    }

    #[test]
    fn cells_read_as_calamine_reads_them() {
        let options = Options {
            rows: 150,
            extra_sheet: true,
            formula_column: true,
            ..Options::default()
        };
        let export = testdata::disabled_users(&options);
        // Excel's layout: shared strings, dates by style, numbers, formulas left to calamine.
        let (compared, unknown) = compare(&export.to_xlsx());
        assert!(
            compared > 150 * 20 && unknown >= 150,
            "{compared} {unknown}"
        );
        // Dynamics' own layout: `x:` prefixes, inline strings, no shared strings.
        let (compared, unknown) = compare(&export.to_dynamics_raw_xlsx());
        assert!(
            compared > 150 * 20 && unknown >= 150,
            "{compared} {unknown}"
        );
        for language in [
            testdata::localized::Language::German,
            testdata::localized::Language::French,
        ] {
            let localized = testdata::localized::disabled_users(language, &options);
            assert!(compare(&localized.to_xlsx()).0 > 150 * 20);
        }
        // The leak catalogue.
        for place in catalogue::Place::CLEANED {
            let planted = catalogue::planted(place);
            assert!(compare(&planted.xlsx).0 > 0, "{place:?}");
        }
        for (place, _, _) in catalogue::Place::FAILING {
            assert!(compare(&catalogue::planted(place).xlsx).0 > 0, "{place:?}");
        }
    }

    #[test]
    fn edge_cells_read_as_calamine_reads_them() {
        // Rich text with phonetic runs, escapes and entities, spaces kept or trimmed, CDATA,
        // booleans, errors, ISO dates, formula text results, dates in both systems, styles.
        let rows = [
            r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c></row>"#,
            r#"<row r="2"><c r="A2" t="inlineStr"><is><r><rPr><b/></rPr><t>Zo</t></r><r><t xml:space="preserve">ë </t></r><rPh sb="0" eb="1"><t>ゾ</t></rPh></is></c><c r="B2" t="inlineStr"><is><t>  a &amp; b &#x41;_x000D__x0041_ </t></is></c><c r="C2" t="inlineStr"><is><t xml:space="preserve">  kept  </t></is></c><c r="D2" t="inlineStr"><is><t><![CDATA[<x> & y]]></t></is></c><c r="E2" t="inlineStr"><is><t>_xD83D__xDE00_ _x005F_x0041_</t></is></c></row>"#,
            r#"<row r="3"><c r="A3" t="b"><v>1</v></c><c r="B3" t="b"><v>false</v></c><c r="C3" t="e"><v>#N/A</v></c><c r="D3" t="d"><v>2024-03-01T10:00:00</v></c><c r="E3" t="str"><v>a &lt; b_x0041_</v></c></row>"#,
            r#"<row r="4"><c r="A4" s="1"><v>45000.5</v></c><c r="B4"><v>-1.5e3</v></c><c r="C4" t="n" s="0"><v>7</v></c><c r="D4" s="1"/><c r="E4" t="inlineStr"><v>ignored</v></c></row>"#,
            r#"<row><c t="s"><v>2</v></c><c><v>3</v></c><c r="E5" t="str"><v>line&#13;
two</v></c></row>"#,
            r#"<row r="7" spans="1:2"><c r="A7" t="inlineStr"><is></is></c><c r="B7" t="s"><v></v></c><c r="C7" t="inlineStr"><is><t/></is></c><c r="D7"><v>text</v></c></row>"#,
        ];
        let shared = vec![
            "<si><t>Header</t></si>".to_string(),
            "<si><r><t>ri</t></r><r><t xml:space=\"preserve\">ch </t></r></si>".to_string(),
            "<si><t xml:space=\"preserve\"> sp </t></si>".to_string(),
            "<si><t>a&amp;b_x000A_</t><rPh><t>x</t></rPh></si>".to_string(),
            "<si/>".to_string(),
        ];
        for date1904 in [false, true] {
            let book = RawBook {
                date1904,
                sheets: vec![(
                    "Edge".into(),
                    format!("<sheetData>{}</sheetData>", rows.concat()),
                )],
                shared_strings: Some(shared.clone()),
            };
            let (compared, unknown) = compare(&book.to_xlsx());
            assert_eq!((compared, unknown), (24, 0));
        }
    }

    #[test]
    fn number_formats_as_calamine_tells_dates() {
        assert_eq!(custom_kind("yyyy-mm-dd"), NumberKind::DateTime);
        assert_eq!(custom_kind("[h]:mm:ss"), NumberKind::TimeDelta);
        assert_eq!(custom_kind("#,##0.00"), NumberKind::Other);
        assert_eq!(custom_kind("\"day\" 0"), NumberKind::Other);
        assert_eq!(custom_kind("0;[Red]d"), NumberKind::Other);
        for id in 0..60 {
            if let Some(code) = builtin_code(id) {
                assert_eq!(custom_kind(code), builtin_kind(id), "{id} {code}");
            }
        }
        assert_eq!(
            unescape_xml("_x0041__xD83D__xDE00__xD800_x_x005F_x0041_"),
            "A😀\u{FFFD}x_x0041_"
        );
    }
}
