//! The xlsx package (zip) itself: which part holds which sheet, and the parts of a worksheet
//! that calamine does not expose (code name, column widths, hidden columns).

use super::attr::decoded;
use crate::dynamics::Validation;
use crate::error::{Problem, ReadError};
use crate::workbook::{ColumnLayout, Layout};
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::QName;
use quick_xml::{Reader, XmlVersion};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Seek};
use zip::ZipArchive;

/// Where a package is assembled: the zip writer may ask where it is, but never go back, so the
/// output streams to `inner` entry by entry with no copy of it in memory. A seek anywhere but
/// the current position fails; the zip writer asks for none when it copies entries raw.
pub(crate) struct Forward<W> {
    inner: W,
    written: u64,
}

impl<W: std::io::Write> Forward<W> {
    pub(crate) fn new(inner: W) -> Forward<W> {
        Forward { inner, written: 0 }
    }
}

impl<W: std::io::Write> std::io::Write for Forward<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl<W> Seek for Forward<W> {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        match pos {
            std::io::SeekFrom::Current(0) | std::io::SeekFrom::End(0) => Ok(self.written),
            std::io::SeekFrom::Start(at) if at == self.written => Ok(self.written),
            _ => Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "the package is written front to back",
            )),
        }
    }
}

/// A worksheet's name and the zip entry that holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetPart {
    /// Sheet name as in `workbook.xml`.
    pub name: String,
    /// Zip entry path, e.g. `xl/worksheets/sheet1.xml`.
    pub path: String,
}

/// What a scan of a worksheet part found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SheetScan {
    /// Code name and columns.
    pub layout: Layout,
    /// Whether any cell of the sheet holds a formula.
    pub has_formulas: bool,
    /// Rows x columns of the sheet's declared `<dimension>`, when it has one.
    pub declared_cells: Option<u64>,
    /// Rows x columns from the first to the last cell the sheet's cells and rows name (their
    /// `r` attributes), which is what a reader allocates whatever the dimension says.
    pub used_cells: u64,
    /// Zero-based first and last row and column those `r` attributes name, when they name any:
    /// where a whole-sheet read can put its cells without growing its grid.
    pub span: Option<((u32, u32), (u32, u32))>,
}

fn corrupt(_: impl std::fmt::Debug) -> Problem {
    ReadError::CorruptWorkbook("malformed XML in the package").into()
}

pub(crate) fn read_part<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    path: &str,
) -> Result<Vec<u8>, Problem> {
    let mut entry = zip
        .by_name(path)
        .map_err(|_| ReadError::MissingPart(path.to_string()))?;
    // Room for the declared size (checked against the limits when the package was opened),
    // so that a large part is not copied as it grows: room never written is never resident.
    let mut bytes = Vec::with_capacity(entry.size().min(1 << 28) as usize);
    entry
        .read_to_end(&mut bytes)
        .map_err(|_| ReadError::CorruptWorkbook("a compressed part cannot be read"))?;
    Ok(bytes)
}

/// A relationship of a `.rels` part: its type URI and target path.
pub(crate) struct Relationship {
    pub(crate) kind: String,
    pub(crate) target: String,
}

/// `relationship id → relationship` of a `.rels` part, targets resolved against `base`.
pub(crate) fn relationships(
    xml: &[u8],
    base: &str,
) -> Result<HashMap<String, Relationship>, Problem> {
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut map = HashMap::new();
    loop {
        match reader.read_event_into(&mut buf).map_err(corrupt)? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Relationship" => {
                if let (Some(id), Some(target)) = (decoded(&e, "Id"), decoded(&e, "Target")) {
                    let kind = decoded(&e, "Type").unwrap_or_default();
                    let target = resolve_target(base, &target);
                    map.insert(id, Relationship { kind, target });
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(map)
}

/// Resolve a relationship target against the folder of the part that refers to it.
pub(crate) fn resolve_target(base: &str, target: &str) -> String {
    if let Some(absolute) = target.strip_prefix('/') {
        return absolute.to_string();
    }
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for seg in target.split('/') {
        match seg {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// Where the workbook's parts are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageMap {
    /// The workbook part, usually `xl/workbook.xml`.
    pub workbook: String,
    /// The worksheets, in workbook order.
    pub sheets: Vec<SheetPart>,
    /// The shared strings part, when the workbook has one.
    pub shared_strings: Option<String>,
}

/// The namespace of Strict Open XML spreadsheets, which this tool does not rewrite.
const STRICT_NAMESPACE: &str = "purl.oclc.org/ooxml/spreadsheetml";

/// Find the workbook's parts through the package relationships.
///
/// # Errors
/// A [`Problem`] when a part is missing or the workbook is Strict Open XML.
pub fn map_package<R: Read + Seek>(zip: &mut ZipArchive<R>) -> Result<PackageMap, Problem> {
    let root = relationships(&read_part(zip, "_rels/.rels")?, "")?;
    let workbook = root
        .values()
        .find(|r| r.kind.ends_with("/officeDocument"))
        .or_else(|| root.values().find(|r| r.target.ends_with("workbook.xml")))
        .map_or_else(|| "xl/workbook.xml".to_string(), |r| r.target.clone());
    let (folder, file) = workbook.rsplit_once('/').unwrap_or(("", workbook.as_str()));
    let rels_path = if folder.is_empty() {
        format!("_rels/{file}.rels")
    } else {
        format!("{folder}/_rels/{file}.rels")
    };
    let rels = relationships(&read_part(zip, &rels_path)?, folder)?;
    let xml = read_part(zip, &workbook)?;
    if memchr::memmem::find(&xml[..xml.len().min(4096)], STRICT_NAMESPACE.as_bytes()).is_some() {
        return Err(ReadError::StrictOoxml.into());
    }
    let mut reader = Reader::from_reader(xml.as_slice());
    let mut buf = Vec::new();
    let mut sheets = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).map_err(corrupt)? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sheet" => {
                let name =
                    decoded(&e, "name").ok_or(ReadError::CorruptWorkbook("a sheet has no name"))?;
                let id =
                    decoded(&e, "id").ok_or(ReadError::CorruptWorkbook("a sheet has no part"))?;
                let path =
                    rels.get(&id)
                        .map(|r| r.target.clone())
                        .ok_or(ReadError::CorruptWorkbook(
                            "a sheet points at a missing part",
                        ))?;
                sheets.push(SheetPart { name, path });
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    let shared_strings = rels
        .values()
        .find(|r| r.kind.ends_with("/sharedStrings"))
        .map(|r| r.target.clone())
        .filter(|path| zip.index_for_name(path).is_some());
    Ok(PackageMap {
        workbook,
        sheets,
        shared_strings,
    })
}

/// The parts a part refers to through its `.rels`, whose relationship type ends with `kind`
/// (e.g. `/table`).
///
/// # Errors
/// A [`Problem`] when the relationships part is malformed.
pub fn related_parts<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    part: &str,
    kind: &str,
) -> Result<Vec<String>, Problem> {
    let (folder, file) = part.rsplit_once('/').unwrap_or(("", part));
    let rels_path = if folder.is_empty() {
        format!("_rels/{file}.rels")
    } else {
        format!("{folder}/_rels/{file}.rels")
    };
    let Ok(xml) = read_part(zip, &rels_path) else {
        return Ok(Vec::new());
    };
    let mut parts: Vec<String> = relationships(&xml, folder)?
        .into_values()
        .filter(|r| r.kind.ends_with(kind))
        .map(|r| r.target)
        .collect();
    parts.sort();
    Ok(parts)
}

/// The worksheets of the package, in workbook order.
///
/// # Errors
/// As [`map_package`].
pub fn sheet_parts<R: Read + Seek>(zip: &mut ZipArchive<R>) -> Result<Vec<SheetPart>, Problem> {
    Ok(map_package(zip)?.sheets)
}

/// `dcterms:created` of `docProps/core.xml`, when present.
pub fn created<R: Read + Seek>(zip: &mut ZipArchive<R>) -> Option<String> {
    let xml = read_part(zip, "docProps/core.xml").ok()?;
    let mut reader = Reader::from_reader(xml.as_slice());
    let mut buf = Vec::new();
    let mut inside = false;
    loop {
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) => inside = e.local_name().as_ref() == "created",
            Event::Text(t) if inside => {
                return Some(t.xml_content(XmlVersion::Implicit1_0).trim().to_string())
            }
            Event::End(_) => inside = false,
            Event::Eof => return None,
            _ => {}
        }
        buf.clear();
    }
}

/// Read a worksheet part's code name and columns, and look for formulas, in one streaming pass.
pub fn scan_sheet<R: Read + Seek + Send>(
    zip: &mut ZipArchive<R>,
    path: &str,
) -> Result<SheetScan, Problem> {
    scan_sheet_reading(zip, path, Scan::Whole)
}

/// How much of a worksheet part [`scan_sheet_reading`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scan {
    /// All of it, every tag among the cells looked at ([`scan_sheet`]).
    Whole,
    /// Up to the start tag of `<sheetData>`, its cells and what follows them left for a
    /// reading that looks at them itself (see [`crate::workbook::Layout::cells_unscanned`]),
    /// which may hand what follows them back ([`complete_after_cells`]). A sheet without cells
    /// (`<sheetData/>`) is scanned whole.
    Head,
    /// All of it, the cells passed over unread (see
    /// [`crate::workbook::Layout::cells_unscanned`]), for a reading that looks at them itself:
    /// what precedes and follows them (the data validations, which the plan needs before the
    /// cells are read) is read as [`Scan::Whole`] reads it, and where the cells end is found
    /// by its end tag alone ([`skim_cells`]). A sheet without cells is scanned whole.
    Skim,
}

/// [`scan_sheet`], or less of the part, as `scan` says. A scan that reads the whole part
/// inflates it ahead on another thread of the pool when one is free (see
/// [`crate::xlsx::ahead`]).
///
/// # Errors
/// A [`Problem`] when the part is missing or its XML (what of it is read) is malformed.
pub(crate) fn scan_sheet_reading<R: Read + Seek + Send>(
    zip: &mut ZipArchive<R>,
    path: &str,
    scan: Scan,
) -> Result<SheetScan, Problem> {
    let entry = zip
        .by_name(path)
        .map_err(|_| ReadError::MissingPart(path.to_string()))?;
    match scan {
        Scan::Head => scan_part(entry, scan),
        Scan::Whole | Scan::Skim => {
            crate::xlsx::ahead::read_ahead(entry, |input| scan_part(input, scan))
        }
    }
}

/// [`scan_sheet_reading`] of the part `part`.
fn scan_part(part: impl Read, mode: Scan) -> Result<SheetScan, Problem> {
    let tee = Tee {
        inner: part,
        copy: Some(Vec::new()),
    };
    let mut reader = Reader::from_reader(BufReader::with_capacity(1 << 16, tee));
    let mut buf = Vec::new();
    let mut scan = SheetScan::default();
    let mut before = 0;
    let (empty_cells, attributes) = loop {
        let event = reader.read_event_into(&mut buf).map_err(corrupt)?;
        if let Event::Start(e) | Event::Empty(e) = &event {
            if e.local_name().as_ref() == "sheetData" {
                let attributes = e.attributes_raw().as_bytes().to_vec();
                break (matches!(event, Event::Empty(_)), attributes);
            }
        }
        match event {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "sheetPr" => scan.layout.code_name = decoded(&e, "codeName"),
                "dimension" => {
                    scan.declared_cells = decoded(&e, "ref").and_then(|r| range_cells(&r))
                }
                "col" => {
                    let num = |n: &str| decoded(&e, n).and_then(|v| v.parse::<u32>().ok());
                    if let (Some(min), Some(max)) = (num("min"), num("max")) {
                        if min >= 1 && max >= min {
                            scan.layout.columns.push(ColumnLayout {
                                first: min - 1,
                                last: max - 1,
                                width: decoded(&e, "width").and_then(|w| w.parse().ok()),
                                hidden: matches!(
                                    decoded(&e, "hidden").as_deref(),
                                    Some("1" | "true")
                                ),
                            });
                        }
                    }
                }
                _ => {}
            },
            Event::Eof => {
                scan.layout.markup = reader.get_mut().get_mut().copy.take().unwrap_or_default();
                return Ok(scan);
            }
            _ => {}
        }
        before = reader.buffer_position();
        buf.clear();
    };
    // What precedes `<sheetData>`, and its start tag: the copy holds at least that much. The
    // reader's positions do not count a byte order mark, which the copy holds.
    let mut head = reader.get_mut().get_mut().copy.take().unwrap_or_default();
    let bom = bom_len(&head);
    let at = |position: u64| usize::try_from(position + bom).unwrap_or(usize::MAX);
    // (A tag that is not found whole where the positions say, in an encoding the reader
    // decoded, is not kept: the part is then searched whole.)
    let tag = head
        .get(at(before)..at(reader.buffer_position()))
        .filter(|tag| tag.starts_with(b"<") && tag.ends_with(b">"))
        .map(<[u8]>::to_vec);
    head.truncate(at(before));
    let mut rest = reader.into_inner();
    let mut cells = if empty_cells {
        let mut tail = Vec::new();
        rest.read_to_end(&mut tail)
            .map_err(|_| ReadError::CorruptWorkbook("a compressed part cannot be read"))?;
        let head = [b"<tail>".as_slice(), &tail].concat();
        CellScan {
            validations: parse_validations(std::io::Cursor::new(head))?,
            tail,
            ..CellScan::default()
        }
    } else if mode == Scan::Head {
        // The rest of the part is not inflated.
        scan.layout.cells_unscanned = true;
        CellScan::default()
    } else if mode == Scan::Skim {
        scan.layout.cells_unscanned = true;
        skim_cells(rest)?
    } else {
        scan_cells(rest)?
    };
    // `<sheetData>` takes no attribute: any is text no reader reads.
    if !is_xml_space(&attributes) {
        let attributes = String::from_utf8_lossy(&attributes);
        let tag = format!("<sheetData {}>\n", attributes.trim_end_matches('/'));
        cells.hidden.splice(0..0, tag.into_bytes());
    }
    scan.layout.unread_cells = !cells.hidden.is_empty() || cells.unread;
    scan.layout.cells_at = tag.map(|tag| (head.len(), tag));
    head.extend_from_slice(&cells.hidden);
    head.extend_from_slice(&cells.tail);
    scan.layout.markup = head;
    scan.layout.field_rules = crate::dynamics::column_rules(&cells.validations);
    scan.has_formulas = cells.has_formulas;
    scan.layout.array_ranges = cells.arrays;
    scan.used_cells = cells.extent.cells();
    scan.span = cells.extent.span();
    Ok(scan)
}

/// Whether `text` is only XML's white space (what writers put between tags).
pub(crate) fn is_xml_space(text: &[u8]) -> bool {
    text.iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// Keep `text`, found among the cells outside any value (mixed content, from hand edits or
/// other tools), in `hidden` unless it is white space: no reader reads it, and it could hold
/// anything.
fn note_loose_text(text: &[u8], hidden: &mut Vec<u8>) {
    if !is_xml_space(text) {
        hidden.extend_from_slice(text);
        hidden.push(b'\n');
    }
}

/// The length of the byte order mark `xml` starts with, if any: the XML reader skips it
/// without counting it in its positions.
fn bom_len(xml: &[u8]) -> u64 {
    if xml.starts_with(b"\xEF\xBB\xBF") {
        3
    } else if xml.starts_with(b"\xFF\xFE") || xml.starts_with(b"\xFE\xFF") {
        2
    } else {
        0
    }
}

/// Rows x columns of a range such as `A1:AF100001` (a single cell counts 1).
fn range_cells(range: &str) -> Option<u64> {
    let corner = |cell: &str| -> Option<(u64, u64)> {
        let letters = crate::a1::leading_letters(cell.as_bytes());
        let col = crate::a1::column_number_unbounded(letters)?;
        Some((cell[letters.len()..].parse().ok()?, col))
    };
    let (first, last) = range.split_once(':').unwrap_or((range, range));
    let ((r1, c1), (r2, c2)) = (corner(first)?, corner(last)?);
    Some((r2.abs_diff(r1) + 1).saturating_mul(c2.abs_diff(c1) + 1))
}

/// The data validations of a worksheet part: the classic `<dataValidations>` and Excel 2010's
/// `<x14:dataValidations>` in `<extLst>` (option-set lists that point at another sheet).
///
/// Both come after `<sheetData>`, whose cells are skipped unread, so this costs one
/// decompression of the part and no cell parsing.
///
/// # Errors
/// A [`Problem`] when the part is missing or its XML is malformed.
pub fn data_validations<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    path: &str,
) -> Result<Vec<Validation>, Problem> {
    let entry = zip
        .by_name(path)
        .map_err(|_| ReadError::MissingPart(path.to_string()))?;
    parse_validations(BufReader::with_capacity(1 << 16, entry))
}

/// Which text of a validation is being read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ValidationText {
    Formula1,
    Sqref,
}

fn parse_validations(xml: impl BufRead) -> Result<Vec<Validation>, Problem> {
    let mut reader = Reader::from_reader(xml);
    // The tail of a worksheet after its cells ends with the root's end tag, unmatched.
    reader.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    let mut skipped = Vec::new();
    let mut found = Vec::new();
    let mut current: Option<Validation> = None;
    let mut reading: Option<ValidationText> = None;
    loop {
        match reader.read_event_into(&mut buf).map_err(corrupt)? {
            Event::Start(e) if e.local_name().as_ref() == "sheetData" => {
                let name = e.name().as_ref().to_string();
                reader
                    .read_to_end_into(QName(&name), &mut skipped)
                    .map_err(corrupt)?;
                skipped.clear();
            }
            Event::Start(e) if e.local_name().as_ref() == "dataValidation" => {
                current = Some(validation_from(&e));
            }
            Event::Empty(e) if e.local_name().as_ref() == "dataValidation" => {
                found.push(validation_from(&e));
            }
            Event::End(e) if e.local_name().as_ref() == "dataValidation" => {
                found.extend(current.take());
                reading = None;
            }
            Event::Start(e) if current.is_some() => {
                reading = match e.local_name().as_ref() {
                    "formula1" => Some(ValidationText::Formula1),
                    // x14 nests the formula in <xm:f> inside <x14:formula1>.
                    "f" => reading,
                    "sqref" => Some(ValidationText::Sqref),
                    _ => None,
                };
            }
            Event::End(e) if current.is_some() => {
                if matches!(e.local_name().as_ref(), "formula1" | "sqref") {
                    reading = None;
                }
            }
            Event::Text(t) => {
                if let (Some(what), Some(v)) = (reading, current.as_mut()) {
                    push_text(v, what, &t.xml_content(XmlVersion::Implicit1_0));
                }
            }
            Event::GeneralRef(r) => {
                if let (Some(what), Some(v)) = (reading, current.as_mut()) {
                    let text = match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        _ => quick_xml::escape::resolve_predefined_entity(&r)
                            .unwrap_or_default()
                            .to_string(),
                    };
                    push_text(v, what, &text);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(found)
}

fn validation_from(e: &BytesStart) -> Validation {
    Validation {
        kind: decoded(e, "type").unwrap_or_default(),
        operator: decoded(e, "operator"),
        allow_blank: matches!(decoded(e, "allowBlank").as_deref(), Some("1" | "true")),
        title: decoded(e, "promptTitle"),
        prompt: decoded(e, "prompt"),
        formula1: None,
        sqref: decoded(e, "sqref").unwrap_or_default(),
    }
}

fn push_text(v: &mut Validation, what: ValidationText, text: &str) {
    match what {
        ValidationText::Formula1 => v.formula1.get_or_insert_with(String::new).push_str(text),
        ValidationText::Sqref => {
            if !v.sqref.is_empty() && !v.sqref.ends_with(' ') {
                v.sqref.push(' ');
            }
            v.sqref.push_str(text.trim());
        }
    }
}

/// The little-endian 16-bit field at `at` of a zip's bytes (a header's lengths and flags).
fn header_u16(bytes: &[u8], at: u64) -> Option<u64> {
    let at = usize::try_from(at).ok()?;
    let b = bytes.get(at..at.checked_add(2)?)?;
    Some(u64::from(u16::from_le_bytes([b[0], b[1]])))
}

/// Where an entry's data starts: after its local header (at `start`), its name and its extra
/// field, whose offset is the second value.
fn local_data_start(bytes: &[u8], start: u64) -> Option<(u64, u64)> {
    let names = header_u16(bytes, start + 26)?;
    let extra = header_u16(bytes, start + 28)?;
    Some((start + 30 + names + extra, start + 30 + names))
}

fn header_damaged() -> Problem {
    ReadError::CorruptWorkbook("a zip entry's header cannot be read").into()
}

/// The largest compressed entry [`hidden_data`] inflates to check for data after its stream
/// (the rest, in practice the worksheets and shared strings, which a scrub rewrites, are left
/// unchecked).
const CHECKED_STREAM: u64 = 1 << 20;

/// Where an entry of the zip `bytes` (`zip`) carries data no reader shows, which an unchanged
/// part's raw copy would keep: in words, for [`ReadError::CorruptWorkbook`]. Two places:
/// - an extra field (in the local or central header) other than the metadata zip tools write
///   (Zip64 sizes, file times, Unix ids, a Unicode path, Microsoft's padding), or one of those
///   longer than such metadata is: it could hold anything;
/// - data after the end of a deflated entry's stream, inside its compressed size (entries up
///   to [`CHECKED_STREAM`] compressed bytes): readers stop at the stream's end.
///
/// # Errors
/// A [`Problem`] when a header or a compressed entry cannot be read.
pub(crate) fn hidden_data<R: Read + Seek>(
    bytes: &[u8],
    zip: &mut ZipArchive<R>,
) -> Result<Option<&'static str>, Problem> {
    // The fields of one extra block: each (id, data length) known, and its data not longer
    // than that metadata takes.
    let known = |block: &[u8]| -> bool {
        let mut rest = block;
        while rest.len() >= 4 {
            let id = u16::from_le_bytes([rest[0], rest[1]]);
            let len = usize::from(u16::from_le_bytes([rest[2], rest[3]]));
            let most = match id {
                0x0001 => 28,                   // Zip64 sizes and offsets
                0x000a => 32,                   // NTFS times
                0x000d | 0x5855 | 0x7855 => 16, // Unix times and ids
                0x5455 => 13,                   // extended timestamp
                0x7875 => 11,                   // Unix uid and gid
                0x7075 => 5 + 1024,             // Info-ZIP Unicode path (the name)
                0xa220 => 1024,                 // Microsoft's padding (zeros)
                _ => return false,
            };
            if len > most || rest.len() < 4 + len {
                return false;
            }
            if id == 0xa220 && rest[4..4 + len].iter().skip(4).any(|&b| b != 0) {
                return false;
            }
            rest = &rest[4 + len..];
        }
        rest.is_empty()
    };
    let slice = |from: u64, to: u64| -> Result<&[u8], Problem> {
        let (from, to) = (usize::try_from(from), usize::try_from(to));
        match (from, to) {
            (Ok(from), Ok(to)) => bytes.get(from..to).ok_or_else(header_damaged),
            _ => Err(header_damaged()),
        }
    };
    let mut out = vec![0u8; 1 << 16];
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|_| header_damaged())?;
        let (local, central) = (entry.header_start(), entry.central_header_start());
        let (data, local_extra) = local_data_start(bytes, local).ok_or_else(header_damaged)?;
        let (Some(names), Some(extra)) = (
            header_u16(bytes, central + 28),
            header_u16(bytes, central + 30),
        ) else {
            return Err(header_damaged());
        };
        let central_extra = central + 46 + names;
        let blocks = [(local_extra, data), (central_extra, central_extra + extra)];
        for (from, to) in blocks {
            if !known(slice(from, to)?) {
                return Ok(Some(
                    "a zip entry carries data in an extra field, which no reader shows",
                ));
            }
        }
        let packed = entry.compressed_size();
        if entry.compression() != zip::CompressionMethod::Deflated || packed > CHECKED_STREAM {
            continue;
        }
        let stream = slice(data, data + packed)?;
        let mut inflate = flate2::Decompress::new(false);
        loop {
            let before = (inflate.total_in(), inflate.total_out());
            let consumed = inflate.total_in() as usize;
            let status = inflate
                .decompress(&stream[consumed..], &mut out, flate2::FlushDecompress::None)
                .map_err(|_| {
                    Problem::from(ReadError::CorruptWorkbook(
                        "a compressed part cannot be read",
                    ))
                })?;
            if status == flate2::Status::StreamEnd {
                if inflate.total_in() < packed {
                    return Ok(Some(
                        "a zip entry holds data after its compressed stream, which no reader shows",
                    ));
                }
                break;
            }
            if (inflate.total_in(), inflate.total_out()) == before {
                break; // a truncated stream: the reader that inflates it says so
            }
        }
    }
    Ok(None)
}

/// What the headers of one zip entry hold besides what a reader of its directory shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct EntryHeaders {
    /// Its name in its local header is not its name in the zip's directory (readers differ on
    /// which one they show).
    pub(crate) local_name_differs: bool,
    /// Its extra fields as written, the local header's then the directory's (ids and lengths
    /// included).
    pub(crate) extra: Vec<u8>,
}

/// The headers of every entry of the zip `bytes` (`zip`, its directory read), in the
/// directory's order, read byte by byte (see [`EntryHeaders`]): a check of a file another tool
/// may have written, since the directory alone is what readers show.
///
/// # Errors
/// A [`Problem`] when a header is not where the directory says, or is cut short.
pub(crate) fn entry_headers<R: Read + Seek>(
    bytes: &[u8],
    zip: &mut ZipArchive<R>,
) -> Result<Vec<EntryHeaders>, Problem> {
    let field = |from: u64, len: u64| -> Result<&[u8], Problem> {
        let from = usize::try_from(from).map_err(|_| header_damaged())?;
        let len = usize::try_from(len).map_err(|_| header_damaged())?;
        from.checked_add(len)
            .and_then(|to| bytes.get(from..to))
            .ok_or_else(header_damaged)
    };
    let u16_at = |at: u64| header_u16(bytes, at).ok_or_else(header_damaged);
    let mut out = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|_| header_damaged())?;
        let (local, central) = (entry.header_start(), entry.central_header_start());
        drop(entry);
        if field(central, 4)? != b"PK\x01\x02" || field(local, 4)? != b"PK\x03\x04" {
            return Err(header_damaged());
        }
        let (names, extras, comments) = (
            u16_at(central + 28)?,
            u16_at(central + 30)?,
            u16_at(central + 32)?,
        );
        let name = field(central + 46, names)?;
        let central_extra = field(central + 46 + names, extras)?;
        // (The comment, after them, is read with the directory.)
        field(central + 46 + names + extras, comments)?;
        let (local_names, local_extras) = (u16_at(local + 26)?, u16_at(local + 28)?);
        let local_name = field(local + 30, local_names)?;
        let local_extra = field(local + 30 + local_names, local_extras)?;
        let mut extra = Vec::with_capacity(local_extra.len() + central_extra.len());
        extra.extend_from_slice(local_extra);
        extra.extend_from_slice(central_extra);
        out.push(EntryHeaders {
            local_name_differs: local_name != name,
            extra,
        });
    }
    Ok(out)
}

/// How many bytes of the zip `bytes` belong to none of its entries, its central directory and
/// its end record: data before, between or after them (an entry left out of the directory,
/// bytes appended to the file), which no reader shows and nothing searches. A writer's data
/// descriptor after an entry's data counts as the entry's.
///
/// # Errors
/// A [`Problem`] when the zip cannot be read.
pub(crate) fn bytes_outside_entries<R: Read + Seek>(
    bytes: &[u8],
    zip: &mut ZipArchive<R>,
) -> Result<u64, Problem> {
    fn damaged(_: impl std::fmt::Debug) -> Problem {
        ReadError::CorruptWorkbook("the zip is damaged").into()
    }
    let at = |offset: u64, len: u64| -> Option<&[u8]> {
        let start = usize::try_from(offset).ok()?;
        bytes.get(start..start.checked_add(usize::try_from(len).ok()?)?)
    };
    let u16_at = |offset: u64| header_u16(bytes, offset);
    // (start, end) of each entry's local header, data and data descriptor.
    let mut spans = Vec::with_capacity(zip.len() + 1);
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(damaged)?;
        let start = entry.header_start();
        let (Some((data, _)), Some(flags)) = (local_data_start(bytes, start), u16_at(start + 6))
        else {
            return Err(damaged(()));
        };
        let mut end = data + entry.compressed_size();
        // A data descriptor: with or without its signature, with 32- or 64-bit sizes (the
        // latter also for small entries written as Zip64: the 8 bytes of slack).
        let mut slack = 0;
        if flags & 0x8 != 0 {
            let signed = at(end, 4) == Some(b"PK\x07\x08".as_slice());
            end += if signed { 16 } else { 12 };
            if entry.compressed_size() >= 0xFFFF_FFFF || entry.size() >= 0xFFFF_FFFF {
                end += 8;
            } else {
                slack = 8;
            }
        }
        spans.push((start, end, slack));
    }
    // The central directory, up to the end record and its comment (a Zip64 end record and its
    // locator lie between them).
    let len = bytes.len() as u64;
    let comment = zip.comment().len() as u64;
    let end_record = memchr::memmem::rfind_iter(bytes, b"PK\x05\x06")
        .map(|i| i as u64)
        .find(|&i| u16_at(i + 20) == Some(comment) && i + 22 + comment <= len)
        .ok_or_else(|| damaged(()))?;
    spans.push((zip.central_directory_start(), end_record + 22 + comment, 0));
    spans.sort_unstable();
    let (mut outside, mut covered, mut slack) = (0u64, 0u64, 0u64);
    for (start, end, next_slack) in spans {
        let gap = start.saturating_sub(covered);
        if gap != slack {
            outside += gap;
        }
        if end > covered {
            (covered, slack) = (end, next_slack);
        }
    }
    Ok(outside + len.saturating_sub(covered))
}

/// The data validations of every worksheet of an `.xlsx`, by sheet name, in workbook order.
///
/// # Errors
/// A [`Problem`] when the package is damaged.
pub fn validations_by_sheet(bytes: &[u8]) -> Result<Vec<(String, Vec<Validation>)>, Problem> {
    let mut zip = ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|_| ReadError::CorruptWorkbook("the zip directory is damaged"))?;
    let parts = sheet_parts(&mut zip)?;
    parts
        .into_iter()
        .map(|p| Ok((p.name, data_validations(&mut zip, &p.path)?)))
        .collect()
}

/// What a pass over the cells of `<sheetData>` finds.
#[derive(Debug, Default, PartialEq)]
struct CellScan {
    has_formulas: bool,
    /// Array and spill ranges (see [`crate::workbook::Layout::array_ranges`]).
    arrays: Vec<crate::workbook::ArrayRange>,
    extent: Extent,
    /// The data validations after the cells (see [`data_validations`]).
    validations: Vec<Validation>,
    /// The part's XML from `</sheetData>` to its end.
    tail: Vec<u8>,
    /// The XML comments and processing instructions among the cells, as written, the start
    /// tags no reader reads whole (see [`foreign_tag`]) with the text after them, and the text
    /// of a cell no reader shows (a phonetic reading of an inline string, a `<v>` under one):
    /// they are in the file (hand edits and other tools write them).
    hidden: Vec<u8>,
    /// Whether a skim of the cells ([`skim_cells`]) saw a comment, processing instruction or
    /// CDATA section among them, which it does not keep.
    unread: bool,
}

/// Whether a `<row>` start tag among a worksheet's cells, read to its `>`, has an attribute
/// no reader reads (see [`foreign_tag`]), or is no whole tag.
pub(crate) fn foreign_row(tag: &[u8]) -> bool {
    let name = tag
        .iter()
        .position(|b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/'));
    match name.and_then(|name| tag[name..].strip_suffix(b">")) {
        Some(attributes) => foreign_tag(b"row", attributes),
        None => true,
    }
}

/// Whether a start tag among a worksheet's cells (`local` its name without a prefix,
/// `attributes` what follows the name up to `>`) is one no reader reads whole: an element that
/// is no row, cell or part of a cell's value, or one with an attribute SpreadsheetML does not
/// give it (other tools and hand edits write them). Its text could hold anything.
pub(crate) fn foreign_tag(local: &[u8], attributes: &[u8]) -> bool {
    let known: &[&[u8]] = match local {
        b"c" => &[b"r", b"s", b"t", b"cm", b"vm", b"ph"],
        b"row" => &[
            b"r",
            b"spans",
            b"s",
            b"customFormat",
            b"ht",
            b"hidden",
            b"customHeight",
            b"outlineLevel",
            b"collapsed",
            b"thickTop",
            b"thickBot",
            b"ph",
            b"x14ac:dyDescent",
        ],
        b"f" => &[
            b"t", b"ref", b"si", b"aca", b"ca", b"dt2D", b"dtr", b"del1", b"del2", b"r1", b"r2",
            b"bx",
        ],
        b"v" | b"is" | b"r" | b"rPr" | b"extLst" => &[],
        b"t" => &[b"xml:space"],
        b"rPh" => &[b"sb", b"eb"],
        b"phoneticPr" => &[b"fontId", b"type", b"alignment"],
        b"ext" => &[b"uri"],
        b"b" | b"i" | b"u" | b"strike" | b"condense" | b"extend" | b"outline" | b"shadow"
        | b"sz" | b"color" | b"rFont" | b"family" | b"charset" | b"scheme" | b"vertAlign" => {
            &[b"val", b"rgb", b"theme", b"tint", b"indexed", b"auto"]
        }
        _ => return true,
    };
    let mut rest = attributes;
    loop {
        let start = rest
            .iter()
            .position(|b| !b.is_ascii_whitespace() && *b != b'/');
        let Some(start) = start else {
            return false;
        };
        rest = &rest[start..];
        let Some(eq) = memchr::memchr(b'=', rest) else {
            return true; // not an attribute a reader takes
        };
        let key = rest[..eq].trim_ascii();
        if !known.contains(&key) {
            return true;
        }
        let after = rest[eq + 1..].trim_ascii_start();
        let Some(&quote) = after.first().filter(|q| matches!(q, b'"' | b'\'')) else {
            return true;
        };
        let Some(len) = memchr::memchr(quote, &after[1..]) else {
            return true;
        };
        if !attribute_fits(local, key, &after[1..=len]) {
            return true;
        }
        rest = &after[1 + len + 1..];
    }
}

/// Whether `value`, as written, has the shape SpreadsheetML gives attribute `key` of element
/// `local` among a sheet's cells (a number, a flag, a reference, one of a few words): text of
/// another shape in a known attribute is read by no reader, and could hold anything.
fn attribute_fits(local: &[u8], key: &[u8], value: &[u8]) -> bool {
    let count = |v: &[u8]| !v.is_empty() && v.len() <= 10 && v.iter().all(u8::is_ascii_digit);
    let flag = |v: &[u8]| matches!(v, b"0" | b"1" | b"true" | b"false");
    let number = |v: &[u8]| {
        !v.is_empty()
            && v.len() <= 32
            && v.iter()
                .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
    };
    let range = |v: &[u8]| v.split(|&b| b == b':').all(crate::xlsx::attr::is_reference);
    let spans = |v: &[u8]| {
        v.split(|&b| b == b' ')
            .all(|span| span.split(|&b| b == b':').all(count))
    };
    let hex = |v: &[u8]| !v.is_empty() && v.len() <= 8 && v.iter().all(u8::is_ascii_hexdigit);
    match (local, key) {
        (b"c", b"r") | (b"f", b"r1" | b"r2") => crate::xlsx::attr::is_reference(value),
        (b"c", b"t") => crate::xlsx::attr::is_cell_type(value),
        (b"c", b"s" | b"cm" | b"vm")
        | (b"row", b"r" | b"s" | b"outlineLevel")
        | (b"f", b"si")
        | (b"rPh", b"sb" | b"eb")
        | (b"phoneticPr", b"fontId")
        | (b"family" | b"charset", b"val")
        | (_, b"theme" | b"indexed") => count(value),
        (b"row", b"spans") => spans(value),
        (b"row", b"ht" | b"x14ac:dyDescent") | (b"sz", b"val") | (_, b"tint") => number(value),
        (b"f", b"t") => matches!(value, b"normal" | b"array" | b"dataTable" | b"shared"),
        (b"f", b"ref") => range(value),
        (b"t", b"xml:space") => matches!(value, b"preserve" | b"default"),
        (b"phoneticPr", b"type") => matches!(
            value,
            b"halfwidthKatakana" | b"fullwidthKatakana" | b"Hiragana" | b"noConversion"
        ),
        (b"phoneticPr", b"alignment") => {
            matches!(value, b"noControl" | b"left" | b"center" | b"distributed")
        }
        (b"u", b"val") => matches!(
            value,
            b"single" | b"double" | b"singleAccounting" | b"doubleAccounting" | b"none"
        ),
        (b"vertAlign", b"val") => matches!(value, b"superscript" | b"subscript" | b"baseline"),
        (b"scheme", b"val") => matches!(value, b"major" | b"minor" | b"none"),
        // A font's name (not data: see the leak sweep's font names).
        (b"rFont", b"val") => true,
        (_, b"rgb") => hex(value),
        (b"ext", b"uri") => {
            value.starts_with(b"{") && value.ends_with(b"}")
                || value.starts_with(b"http://schemas.")
        }
        // A flag: `ph`, `customFormat`, `hidden`, `aca`, `ca`, `auto`, `b`'s `val`, ...
        _ => flag(value),
    }
}

/// A reader that keeps a copy of what it reads until the copy is taken.
struct Tee<R> {
    inner: R,
    copy: Option<Vec<u8>>,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(copy) = &mut self.copy {
            copy.extend_from_slice(&buf[..n]);
        }
        Ok(n)
    }
}

/// The smallest and largest row and column (1-based) named by `r` attributes.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Extent {
    rows: Option<(u64, u64)>,
    cols: Option<(u64, u64)>,
}

impl Extent {
    fn note(range: &mut Option<(u64, u64)>, n: u64) {
        *range = Some(range.map_or((n, n), |(lo, hi)| (lo.min(n), hi.max(n))));
    }

    /// Zero-based first and last (row, column), when both rows and columns were named.
    fn span(&self) -> Option<((u32, u32), (u32, u32))> {
        let zero_based = |(lo, hi): (u64, u64)| -> Option<(u32, u32)> {
            Some((
                u32::try_from(lo.checked_sub(1)?).ok()?,
                u32::try_from(hi.checked_sub(1)?).ok()?,
            ))
        };
        let (rows, cols) = (zero_based(self.rows?)?, zero_based(self.cols?)?);
        Some(((rows.0, cols.0), (rows.1, cols.1)))
    }

    /// Note a row (one-based) that a `<row>`'s `r` names, or with `col` (one-based) a cell's
    /// reference, as read by a reading of the cells other than the scan's.
    pub(crate) fn note_at(&mut self, row: u64, col: Option<u64>) {
        Self::note(&mut self.rows, row);
        if let Some(col) = col {
            Self::note(&mut self.cols, col);
        }
    }

    /// The cells from the first to the last row and column noted (see
    /// [`SheetScan::used_cells`]).
    pub(crate) fn cells(&self) -> u64 {
        let span = |r: Option<(u64, u64)>| r.map_or(1, |(lo, hi)| hi - lo + 1);
        span(self.rows).saturating_mul(span(self.cols))
    }

    /// Note the `r` attribute of a `<row>` or `<c>` start tag (its bytes after the name).
    fn note_tag(&mut self, is_cell: bool, attributes: &[u8]) {
        // Writers put `r` first; anything else takes the slow path.
        let fast = attributes.strip_prefix(b" r=\"").and_then(|rest| {
            let end = rest.iter().position(|&b| b == b'"')?;
            Some(&rest[..end])
        });
        if let Some(value) = fast.or_else(|| r_attribute(attributes)) {
            self.note_reference(is_cell, value);
        }
    }

    /// Note the value of a `<row>`'s or `<c>`'s `r` attribute; whether it has the shape of a
    /// row number or a reference written without `$` (letters, then digits).
    fn note_reference(&mut self, is_cell: bool, value: &[u8]) -> bool {
        if is_cell {
            let letters = crate::a1::leading_letters(value);
            let col = crate::a1::column_number_unbounded(letters);
            let col = col.filter(|&c| c > 0);
            if let Some(col) = col {
                Self::note(&mut self.cols, col);
            }
            let row = parse_u64(&value[letters.len()..]);
            if let Some(row) = row {
                Self::note(&mut self.rows, row);
            }
            col.is_some() && row.is_some()
        } else if let Some(row) = parse_u64(value) {
            Self::note(&mut self.rows, row);
            true
        } else {
            false
        }
    }
}

fn parse_u64(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0'))
    })
}

/// The value of the `r="..."` (or `r='...'`) attribute among a start tag's attributes.
fn r_attribute(attributes: &[u8]) -> Option<&[u8]> {
    let mut i = 0;
    while let Some(p) = memchr::memchr(b'r', &attributes[i..]) {
        let at = i + p;
        i = at + 1;
        if at == 0 || !attributes[at - 1].is_ascii_whitespace() {
            continue;
        }
        let rest = attributes[at + 1..].trim_ascii_start();
        let Some(rest) = rest.strip_prefix(b"=") else {
            continue;
        };
        let rest = rest.trim_ascii_start();
        let quote = *rest.first()?;
        if quote != b'"' && quote != b'\'' {
            continue;
        }
        let end = memchr::memchr(quote, &rest[1..])?;
        return Some(&rest[1..1 + end]);
    }
    None
}

/// Stream the rest of a worksheet part once: whether a cell holds a formula (`<f>`), and the
/// rows and columns its cells span. Stops at the end of `<sheetData>`.
fn scan_cells(mut rest: impl BufRead) -> Result<CellScan, Problem> {
    // A start tag longer than this (attributes padded with spaces) is not from a real writer.
    const MAX_TAG: usize = 1 << 20;
    let mut scan = CellScan::default();
    let mut carry: Vec<u8> = Vec::new();
    // Where the carried bytes were read to: the end of the tail kept only to find
    // `</sheetData>` across the border was read already, and is not read again.
    let mut resume = 0;
    // Whether the cell being read is an inline string (`t="inlineStr"`): its value is in
    // `<is>`, and a `<v>` in it is text no reader shows.
    let mut inline_cell = false;
    // Whether the cell being read has cell metadata (`cm`): on an array formula's cell, the
    // mark of a dynamic array formula.
    let mut metadata_cell = false;
    // Whether the text after the last tag is a value (in `<v>`, `<t>`, `<f>`); any other text
    // among the cells is read by no reader.
    let mut text_allowed = false;
    loop {
        let chunk = rest
            .fill_buf()
            .map_err(|_| ReadError::CorruptWorkbook("a compressed part cannot be read"))?;
        let len = chunk.len();
        let at_eof = len == 0;
        let mut window = std::mem::take(&mut carry);
        window.extend_from_slice(chunk);
        let end = cells_end(&window);
        let cells = &window[..end.unwrap_or(window.len())];
        // Tags are found by their `<`; only `<c>` and `<row>` are read to their `>`. A tag cut
        // off by the chunk's end is carried over to the next chunk.
        let mut pos = resume.min(cells.len());
        let mut cut_at = None;
        // The search goes on after the last `<`, or after a tag already read whole.
        let mut next = 0;
        // Where the text after the last tag read starts: text there that is no value is noted
        // when the next tag is found (or the cells end).
        let mut text_from = pos;
        while let Some(found) = memchr::memchr(b'<', &cells[next.max(pos)..]) {
            let start = next.max(pos) + found;
            next = start + 1;
            if !text_allowed {
                note_loose_text(&cells[text_from.min(start)..start], &mut scan.hidden);
            }
            text_from = start;
            let name_start = start + 1;
            let boundary = |b: &u8| b.is_ascii_whitespace() || matches!(b, b'>' | b'/');
            // Most tags in a sheet are one letter (`<c`, `<v`, `<t`) or end tags.
            let name_len = match cells.get(name_start + 1) {
                Some(b) if boundary(b) => Some(1),
                _ => cells[name_start..].iter().position(boundary),
            };
            let Some(name_len) = name_len else {
                cut_at = Some(start);
                break;
            };
            if name_len == 0 {
                // An end tag, or not a tag: the text after it is no value.
                let Some(gt) = memchr::memchr(b'>', &cells[start..]) else {
                    cut_at = Some(start);
                    break;
                };
                text_from = start + gt + 1;
                text_allowed = false;
                continue;
            }
            // An XML comment or processing instruction among the cells, kept whole.
            let close: Option<&[u8]> = match cells[name_start] {
                b'!' if cells[name_start..].starts_with(b"!--") => Some(b"-->"),
                b'?' => Some(b"?>"),
                _ => None,
            };
            if let Some(close) = close {
                match memchr::memmem::find(&cells[name_start..], close) {
                    Some(end) => {
                        let end = name_start + end + close.len();
                        scan.hidden.extend_from_slice(&cells[start..end]);
                        pos = end;
                        text_from = end;
                    }
                    None => {
                        cut_at = Some(start);
                        break;
                    }
                }
                continue;
            }
            let name = &cells[name_start..name_start + name_len];
            let local = match memchr::memrchr(b':', name) {
                Some(colon) => &name[colon + 1..],
                None => name,
            };
            let attributes = name_start + name_len;
            // Text in a cell that no reader shows, kept whole: a phonetic reading of an inline
            // string (`<rPh>`, with its runs), a cell's extensions (`<extLst>`, whatever they
            // hold), and a value under an inline string.
            let whole_element = matches!(local, b"rPh" | b"extLst");
            if whole_element || (local == b"v" && inline_cell) {
                let end = if whole_element {
                    let close = [b"</".as_slice(), name, b">"].concat();
                    let gt = memchr::memchr(b'>', &cells[attributes..]).map(|e| attributes + e);
                    match gt {
                        Some(gt) if cells[gt - 1] == b'/' => Some(gt + 1),
                        Some(_) => memchr::memmem::find(&cells[attributes..], &close)
                            .map(|e| attributes + e + close.len()),
                        None => None,
                    }
                } else {
                    memchr::memchr(b'<', &cells[attributes..]).map(|e| attributes + e)
                };
                match end {
                    Some(end) => {
                        scan.hidden.extend_from_slice(&cells[start..end]);
                        scan.hidden.push(b'\n');
                        pos = end;
                        text_from = end;
                        text_allowed = false;
                    }
                    None => {
                        cut_at = Some(start);
                        break;
                    }
                }
                continue;
            }
            // A tag with no attributes (`<v>`, `<is>`) of an element a reader knows is passed
            // at once; any other is read to its `>`.
            let bare = cells.get(attributes) == Some(&b'>');
            if bare && matches!(local, b"v" | b"is" | b"t" | b"r" | b"rPr") {
                text_from = attributes + 1;
                text_allowed = matches!(local, b"v" | b"t");
                continue;
            }
            let Some(close) = memchr::memchr(b'>', &cells[attributes..]) else {
                cut_at = Some(start);
                break;
            };
            let close = attributes + close;
            text_from = close + 1;
            text_allowed = matches!(local, b"v" | b"t" | b"f") && cells[close - 1] != b'/';
            // A cell's tag as Excel and Dynamics write them is no foreign one, told at once.
            // (Its reference is noted here, where it is told to have the shape of one: a value
            // of another shape, in it or in its type, is text no reader reads.)
            let usual = (local == b"c")
                .then(|| crate::xlsx::attr::UsualCell::read(&cells[start..=close]))
                .flatten()
                .filter(|usual| {
                    usual.t.is_none_or(crate::xlsx::attr::is_cell_type)
                        && scan.extent.note_reference(true, usual.r)
                });
            if usual.is_none() && foreign_tag(local, &cells[attributes..close]) {
                // The tag and its text, up to the next tag (read whole in the next chunk when
                // this one ends first).
                let Some(text) = memchr::memchr(b'<', &cells[close..]) else {
                    if at_eof {
                        scan.hidden.extend_from_slice(&cells[start..]);
                        text_from = cells.len();
                        break;
                    }
                    cut_at = Some(start);
                    break;
                };
                scan.hidden.extend_from_slice(&cells[start..close + text]);
                scan.hidden.push(b'\n');
                text_from = close + text;
            }
            match local {
                b"c" | b"row" => {
                    let tag = &cells[attributes..close];
                    if local == b"c" {
                        // Told by its `i` first: no other attribute of the usual cell has one.
                        inline_cell = memchr::memchr(b'i', tag).is_some()
                            && memchr::memmem::find(tag, b"inlineStr").is_some();
                        // Told by its `m` first, likewise.
                        metadata_cell = memchr::memchr(b'm', tag).is_some()
                            && crate::xlsx::attr::raw(
                                &cells[start..=close],
                                b"cm",
                                crate::xlsx::attr::Reading::Lenient,
                            )
                            .is_ok_and(|cm| cm.is_some_and(|v| v != b"0"));
                    }
                    // A usual cell's reference is noted already.
                    if usual.is_none() {
                        scan.extent.note_tag(local == b"c", tag);
                    }
                    // A usual cell's value holds nothing to note: it is passed at once.
                    if local == b"c" && !tag.ends_with(b"/") {
                        let prefix = &cells[name_start..name_start + name_len - local.len()];
                        if let Some(len) = usual_body(&cells[close + 1..], prefix, inline_cell) {
                            pos = close + 1 + len;
                            text_from = pos;
                            continue;
                        }
                    }
                }
                b"f" => {
                    scan.has_formulas = true;
                    let tag = &cells[start..close + 1];
                    // The corners in order, however the range is written.
                    if let Some((r1, c1, r2, c2)) = crate::xlsx::clean::formulas::array_ref(tag) {
                        scan.arrays.push(crate::workbook::ArrayRange {
                            first_row: r1.min(r2),
                            first_col: c1.min(c2),
                            last_row: r1.max(r2),
                            last_col: c1.max(c2),
                            dynamic: metadata_cell,
                        });
                    }
                }
                _ => {}
            }
            pos = close + 1;
        }
        // The text after the last tag: noted where the cells end, carried over with what
        // follows when it may go on in the next chunk.
        if cut_at.is_none() && !text_allowed {
            let text = &cells[text_from.min(cells.len())..];
            if end.is_some() || at_eof {
                note_loose_text(text, &mut scan.hidden);
            } else if !is_xml_space(text) {
                cut_at = Some(text_from);
            }
        }
        if let Some(end) = end {
            rest.consume(len);
            let (validations, tail) = read_tail(window[end..].to_vec(), rest)?;
            scan.validations = validations;
            scan.tail = tail;
            return Ok(scan);
        }
        if at_eof {
            return Ok(scan);
        }
        // Keep an unfinished tag, and enough of the tail to find `</sheetData>` across the
        // border.
        let keep_from = cut_at
            .unwrap_or(window.len())
            .min(window.len().saturating_sub(32));
        if window.len() - keep_from > MAX_TAG {
            return Err(ReadError::CorruptWorkbook("a cell tag is too long").into());
        }
        carry = window[keep_from..].to_vec();
        resume = cut_at.unwrap_or(window.len()) - keep_from;
        rest.consume(len);
    }
}

/// Whether `element`, a `<c>` element among a sheet's cells (its start tag to its end tag, or
/// its empty tag), holds nothing [`scan_sheet`] notes: no formula, no text a reader does not
/// show, no tag or attribute no reader reads whole. `usual` is where its start tag ends and
/// its `s` and `t` are, when that tag was read as a usual one
/// ([`crate::xlsx::attr::UsualCell`]): the cells Excel and Dynamics write are told at once.
pub(crate) fn plain_cell(element: &[u8], usual: Option<&crate::xlsx::attr::UsualStart>) -> bool {
    if let Some(usual) = usual {
        let (_, t) = usual.style_and_type(element);
        if t.is_none_or(crate::xlsx::attr::is_cell_type) {
            let start = &element[..usual.end().min(element.len())];
            if start.ends_with(b"/>") {
                return start.len() == element.len();
            }
            let name = &start[1..start.iter().position(|&b| b == b' ').unwrap_or(1)];
            if let Some(prefix) = name.strip_suffix(b"c") {
                let inline = t == Some(b"inlineStr".as_slice());
                let body = &element[start.len()..];
                if usual_body(body, prefix, inline) == Some(body.len()) {
                    return true;
                }
            }
        }
    }
    // Any other is read as the scan reads it.
    scan_cells(element)
        .is_ok_and(|scan| !scan.has_formulas && scan.hidden.is_empty() && scan.arrays.is_empty())
}

/// [`plain_cell`] of a cell of a usual shape, `<c ...><v>text</v></c>` or, `inline`,
/// `<c ...><is><t>text</t></is></c>`, its tags' names all bare or all of one prefix, no
/// markup in the text (see [`crate::xlsx::stream`]), whose start tag was read as a usual one
/// (`usual`): told by its type alone, the body being one [`usual_body`] passes.
pub(crate) fn plain_usual_value(
    element: &[u8],
    usual: &crate::xlsx::attr::UsualStart,
    inline: bool,
) -> bool {
    match usual.style_and_type(element).1 {
        None => true,
        // An inline string's `<v>`, which no reader shows, and an unknown type are the scan's.
        Some(t) if (inline || t != b"inlineStr") && crate::xlsx::attr::is_cell_type(t) => true,
        Some(_) => plain_cell(element, Some(usual)),
    }
}

/// [`plain_cell`] of a cell as the cell readers cut it: of a usual shape (`usual`, see
/// [`crate::xlsx::cells::UsualValue`]) with a usual start tag (`start`), told by its type alone
/// ([`plain_usual_value`]); any other, by the look at its whole element.
pub(crate) fn plain_cell_cut(
    element: &[u8],
    start: Option<&crate::xlsx::attr::UsualStart>,
    usual: Option<&crate::xlsx::cells::UsualValue>,
) -> bool {
    match (usual, start) {
        (Some(usual), Some(start)) => plain_usual_value(element, start, usual.inline),
        _ => plain_cell(element, start),
    }
}

/// Complete the layout of a sheet scanned up to its cells ([`Scan::Head`]) with `after`, what
/// follows them (from the end tag of `<sheetData>` on) as the reading of its cells found it: the
/// layout [`Scan::Skim`] gives, its data validations read. A layout that holds anything after
/// its cells already is left as it is.
///
/// # Errors
/// A [`Problem`] when the XML that follows the cells is malformed.
pub(crate) fn complete_after_cells(layout: &mut Layout, after: Vec<u8>) -> Result<(), Problem> {
    if !layout.read_up_to_cells() {
        return Ok(());
    }
    let (validations, tail) = read_tail(after, std::io::empty())?;
    layout.markup.extend_from_slice(&tail);
    layout.field_rules = crate::dynamics::column_rules(&validations);
    Ok(())
}

/// What follows the cells of a worksheet part: `tail`, the part from the end tag of
/// `<sheetData>` as far as it was read, and the rest of it in `rest`; with the data
/// validations it holds.
fn read_tail(
    mut tail: Vec<u8>,
    mut rest: impl Read,
) -> Result<(Vec<Validation>, Vec<u8>), Problem> {
    rest.read_to_end(&mut tail)
        .map_err(|_| ReadError::CorruptWorkbook("a compressed part cannot be read"))?;
    // The data validations follow the cells: parse what follows the end tag. The root's own
    // end tag is left unmatched there, so the tail is wrapped in an element whose end is not
    // checked.
    let after = memchr::memchr(b'>', &tail).map_or(0, |p| p + 1);
    let head = [b"<tail>".as_slice(), &tail[after..]].concat();
    Ok((parse_validations(std::io::Cursor::new(head))?, tail))
}

/// The end of a worksheet's `<sheetData>` found in the rest of its part (after its start tag)
/// by its end tag alone ([`cells_end`]), the cells before it not looked at, and what follows
/// it read ([`read_tail`]). A reading of the cells that relies on this must look at them itself
/// (see [`crate::workbook::Layout::cells_unscanned`]), and check that they end where this says
/// (an end tag inside a comment or CDATA section among the cells ends them here).
fn skim_cells(mut rest: impl BufRead) -> Result<CellScan, Problem> {
    // What of the last chunk is kept to find an end tag across the border: the longest end
    // tag a writer writes (`</spreadsheet:sheetData>`), with room to spare.
    const BORDER: usize = 64;
    let failed = |_| ReadError::CorruptWorkbook("a compressed part cannot be read");
    let mut border: Vec<u8> = Vec::new();
    let mut skim = CellScan::default();
    loop {
        let chunk = rest.fill_buf().map_err(failed)?;
        if chunk.is_empty() {
            return Ok(skim);
        }
        let len = chunk.len();
        let mut window = std::mem::take(&mut border);
        let before = window.len();
        window.extend_from_slice(&chunk[..len.min(BORDER)]);
        // Where the cells end: across the border, or in the chunk.
        let in_window = cells_end(&window);
        let in_chunk = in_window.is_none().then(|| cells_end(chunk)).flatten();
        let ends = match (in_window, in_chunk) {
            (Some(end), _) => (end, end.saturating_sub(before)),
            (None, Some(end)) => (window.len(), end),
            (None, None) => (window.len(), len),
        };
        let found = match (in_window, in_chunk) {
            (Some(end), _) => Some([&window[end..], &chunk[len.min(BORDER)..]].concat()),
            (None, end) => end.map(|end| chunk[end..].to_vec()),
        };
        // What the stream would give up on at once, told here so that it does not start: a
        // formula, a comment, processing instruction or CDATA section among the cells.
        for cells in [&window[..ends.0], &chunk[..ends.1]] {
            skim.has_formulas |= formula_tag(cells);
            skim.unread |= memchr::memmem::find(cells, b"<!").is_some()
                || memchr::memmem::find(cells, b"<?").is_some();
        }
        // The last bytes read: the window holds the whole chunk when it is short.
        border = if len >= BORDER {
            chunk[len - BORDER..].to_vec()
        } else {
            window[window.len().saturating_sub(BORDER)..].to_vec()
        };
        rest.consume(len);
        if let Some(tail) = found {
            (skim.validations, skim.tail) = read_tail(tail, rest)?;
            return Ok(skim);
        }
    }
}

/// Whether `xml` holds the start tag of a formula (`<f>`, `<f t="shared" ...>`, `<x:f/>`), or
/// of another element whose name is `f` after a prefix: text holds no `<`.
fn formula_tag(xml: &[u8]) -> bool {
    let ends_name = |at: usize| {
        matches!(
            xml.get(at),
            Some(b' ' | b'>' | b'/' | b'\t' | b'\r' | b'\n')
        )
    };
    let name_char = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.');
    memchr::memmem::find_iter(xml, b"<f").any(|at| ends_name(at + 2))
        || memchr::memmem::find_iter(xml, b":f").any(|at| {
            ends_name(at + 2)
                && xml[..at]
                    .iter()
                    .rposition(|b| !name_char(b))
                    .is_some_and(|lt| xml[lt] == b'<')
        })
}

/// The length of a usual cell's value and end tag, which follow its start tag in `body`:
/// `<v>text</v></c>` (but in an inline string's cell, whose `<v>` no reader shows) or
/// `<is><t>text</t></is></c>`, each tag bare and with the cell's `prefix`, the text without
/// markup. Nothing in them is for [`scan_cells`] to note, which would read each of their tags
/// and pass it. `None` for any other (or one cut off by the end of `body`).
fn usual_body(body: &[u8], prefix: &[u8], inline_cell: bool) -> Option<usize> {
    // Most cells of all: a number or a shared string's index in Excel's layout.
    if prefix.is_empty() && !inline_cell {
        if let Some(value) = body.strip_prefix(b"<v>") {
            let text = memchr::memchr(b'<', value)?;
            return value[text..]
                .starts_with(b"</v></c>")
                .then_some(3 + text + b"</v></c>".len());
        }
    }
    // The end of the bare tag `<prefix:local>` (`</prefix:local>` for an end tag) at `at`,
    // its pieces compared in place (see [`super::attr::strip_prefix`]): a cell of the raw
    // layout Dynamics writes has six such tags.
    use super::attr::strip_prefix;
    let tag = |at: usize, end: bool, local: &[u8]| -> Option<usize> {
        let rest = strip_prefix(body.get(at..)?, if end { b"</" } else { b"<" })?;
        let rest = strip_prefix(strip_prefix(rest, prefix)?, local)?;
        rest.starts_with(b">").then(|| body.len() - rest.len() + 1)
    };
    let text = |at: usize| memchr::memchr(b'<', body.get(at..)?).map(|n| at + n);
    let at = match tag(0, false, b"v") {
        Some(_) if inline_cell => return None,
        Some(at) => tag(text(at)?, true, b"v")?,
        None => {
            let at = tag(tag(0, false, b"is")?, false, b"t")?;
            tag(tag(text(at)?, true, b"t")?, true, b"is")?
        }
    };
    tag(at, true, b"c")
}

/// Where the end tag of `<sheetData>` (`</sheetData>`, `</x:sheetData>`) starts in `window`.
/// Text may hold `sheetData>` but never `</`, so only a real end tag matches.
fn cells_end(window: &[u8]) -> Option<usize> {
    memchr::memmem::find_iter(window, b"sheetData>").find_map(|p| {
        let before = &window[..p];
        let name_char =
            |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'-' | b'.');
        let slash = before.iter().rposition(|b| !name_char(b))?;
        let prefix = &before[slash + 1..];
        let is_end_tag = before[slash] == b'/'
            && slash > 0
            && before[slash - 1] == b'<'
            && (prefix.is_empty() || prefix.ends_with(b":"));
        is_end_tag.then(|| slash - 1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scan of a worksheet part whose XML is `xml`.
    fn scanned(xml: &[u8]) -> SheetScan {
        let zip = one_entry_zip("xl/worksheets/sheet1.xml", xml, b"", b"");
        let mut zip = ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
        scan_sheet(&mut zip, "xl/worksheets/sheet1.xml").unwrap()
    }

    /// The XML of `xml` without what is inside its `<sheetData>`, cut out by hand.
    fn cut_by_hand(xml: &str) -> String {
        let start = xml.find("sheetData").unwrap();
        let open = start + xml[start..].find('>').unwrap() + 1;
        let close = xml.rfind("sheetData>").unwrap();
        let close = xml[..close].rfind("</").unwrap();
        format!("{}{}", &xml[..open], &xml[close..])
    }

    #[test]
    fn a_sheet_without_its_cells_is_its_xml_around_them_as_written() {
        // Excel's layout, and Dynamics' own (a byte order mark, prefixes), large enough to
        // span many of the scan's chunks.
        let export = crate::testdata::disabled_users(&crate::testdata::Options {
            rows: 2000,
            ..Default::default()
        });
        for bytes in [export.to_xlsx(), export.to_dynamics_raw_xlsx()] {
            let mut zip = ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
            let parts = sheet_parts(&mut zip).unwrap();
            for part in &parts {
                let mut xml = Vec::new();
                zip.by_name(&part.path)
                    .unwrap()
                    .read_to_end(&mut xml)
                    .unwrap();
                let scan = scan_sheet(&mut zip, &part.path).unwrap();
                let text = std::str::from_utf8(&xml).unwrap();
                assert_eq!(
                    scan.layout.without_cells().map(String::from_utf8),
                    Some(Ok(cut_by_hand(text))),
                    "{}",
                    part.path
                );
            }
        }
        let sheet = r#"<worksheet><cols><col min="1" max="1"/></cols><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData><hyperlinks/></worksheet>"#;
        let prefixed =
            "\u{feff}<x:worksheet><x:sheetData>\n<x:row/></x:sheetData><x:f/></x:worksheet>";
        let empty = "<worksheet><sheetPr/><sheetData/><pageMargins/></worksheet>";
        let cut = |xml: &str| {
            scanned(xml.as_bytes())
                .layout
                .without_cells()
                .map(String::from_utf8)
        };
        assert_eq!(
            cut(sheet),
            Some(Ok(r#"<worksheet><cols><col min="1" max="1"/></cols><sheetData></sheetData><hyperlinks/></worksheet>"#.to_string()))
        );
        assert_eq!(
            cut(prefixed),
            Some(Ok(
                "\u{feff}<x:worksheet><x:sheetData></x:sheetData><x:f/></x:worksheet>".to_string()
            ))
        );
        assert_eq!(cut(empty), Some(Ok(empty.to_string())));
        // No `<sheetData>` at all: the whole part is what is searched.
        assert_eq!(cut("<worksheet><sheetPr/></worksheet>"), None);
    }

    /// A skim of a sheet (its cells passed over) reads what precedes and follows them as the
    /// whole scan does: the same layout, data validations (the plan's field rules) and XML
    /// around the cells, in both layouts and for a sheet without cells; its end tag is found
    /// whatever chunks the part is read in; a head scan reads what precedes them alone.
    #[test]
    fn a_skimmed_sheet_has_the_layout_and_validations_of_a_scanned_one() {
        let export = crate::testdata::disabled_users(&crate::testdata::Options {
            rows: 2000,
            ..Default::default()
        });
        let mut validated = 0;
        for bytes in [export.to_xlsx(), export.to_dynamics_raw_xlsx()] {
            let mut zip = ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
            for part in sheet_parts(&mut zip).unwrap() {
                let whole = scan_sheet(&mut zip, &part.path).unwrap();
                let skim = scan_sheet_reading(&mut zip, &part.path, Scan::Skim).unwrap();
                let head = scan_sheet_reading(&mut zip, &part.path, Scan::Head).unwrap();
                let (w, s, h) = (&whole.layout, &skim.layout, &head.layout);
                assert!(!w.unread_cells && !w.cells_unscanned, "{}", part.path);
                assert!(s.cells_unscanned && h.cells_unscanned, "{}", part.path);
                assert_eq!(s.field_rules, w.field_rules, "{}", part.path);
                assert_eq!(s.markup, w.markup, "{}", part.path);
                assert_eq!(s.cells_at, w.cells_at, "{}", part.path);
                assert_eq!((&s.code_name, &s.columns), (&w.code_name, &w.columns));
                assert_eq!(skim.declared_cells, whole.declared_cells);
                // The head scan: what precedes the cells, nothing of what follows.
                let at = w.cells_at.as_ref().unwrap().0;
                assert_eq!(h.markup, w.markup[..at], "{}", part.path);
                assert!(h.field_rules.is_empty());
                validated += w.field_rules.len();
            }
        }
        assert!(
            validated > 20,
            "the exports' columns have rules: {validated}"
        );
        // A sheet without cells is scanned whole either way.
        let empty = "<worksheet><sheetPr/><sheetData/><pageMargins/></worksheet>";
        let zip = one_entry_zip("xl/worksheets/sheet1.xml", empty.as_bytes(), b"", b"");
        let mut zip = ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
        let whole = scan_sheet(&mut zip, "xl/worksheets/sheet1.xml").unwrap();
        for scan in [Scan::Head, Scan::Skim] {
            let read = scan_sheet_reading(&mut zip, "xl/worksheets/sheet1.xml", scan).unwrap();
            assert!(!read.layout.cells_unscanned, "{scan:?}");
            assert_eq!(read.layout, whole.layout, "{scan:?}");
        }
        // The end tag cut by the chunks the part is read in, at every place; text that holds
        // `sheetData>` is no end tag.
        let rest = "<x:row r=\"1\"><x:c r=\"A1\" t=\"inlineStr\"><x:is><x:t>sheetData></x:t></x:is></x:c></x:row></spreadsheet:sheetData><x:dataValidations count=\"1\"><x:dataValidation type=\"textLength\" sqref=\"A2:A9\"><x:formula1>100</x:formula1></x:dataValidation></x:dataValidations></x:worksheet>";
        let whole = scan_cells(rest.as_bytes()).unwrap();
        assert!(whole.tail.starts_with(b"</spreadsheet:sheetData>"));
        assert_eq!(whole.validations.len(), 1);
        for cap in 1..rest.len() {
            let skim = skim_cells(BufReader::with_capacity(cap, rest.as_bytes())).unwrap();
            assert_eq!(skim.tail, whole.tail, "capacity {cap}");
            assert_eq!(skim.validations, whole.validations, "capacity {cap}");
            assert!(!skim.has_formulas && !skim.unread, "capacity {cap}");
        }
        // What the stream would give up on at once is told by the skim, wherever the chunks
        // cut it: a formula (prefixed or not), a comment, a processing instruction, CDATA;
        // not a formula or comment after the cells, nor a cell's text that reads like one.
        let cells = |inside: &str| {
            format!("<x:row r=\"1\"><x:c r=\"A1\" t=\"str\">{inside}</x:c></x:row></x:sheetData><x:f/><!-- x --></x:worksheet>")
        };
        let cases = [
            ("<x:f>A2</x:f><x:v>1</x:v>", true, false),
            ("<f t=\"shared\" si=\"0\"/><v>1</v>", true, false),
            ("<x:v>1</x:v><!-- note -->", false, true),
            ("<?note x?><x:v>1</x:v>", false, true),
            ("<x:v><![CDATA[1]]></x:v>", false, true),
            ("<x:v>a:f b&lt;f</x:v>", false, false),
        ];
        for (inside, formulas, unread) in cases {
            let xml = cells(inside);
            for cap in 1..xml.len() {
                let skim = skim_cells(BufReader::with_capacity(cap, xml.as_bytes())).unwrap();
                assert_eq!(skim.has_formulas, formulas, "{inside}, capacity {cap}");
                assert_eq!(skim.unread, unread, "{inside}, capacity {cap}");
            }
        }
    }

    /// A cell of a usual shape, either layout, told plain by its type as the look at its
    /// whole element tells it.
    #[test]
    fn a_usual_value_is_plain_as_the_whole_look_says() {
        let types = [
            "",
            " t=\"s\"",
            " t=\"n\"",
            " t=\"str\"",
            " t=\"inlineStr\"",
            " t=\"b\"",
            " t=\"e\"",
            " t=\"d\"",
            " t=\"x\"",
        ];
        let (mut plain, mut cells) = (0, 0);
        for p in ["", "x:"] {
            for t in types {
                for value in ["1", "", "a b"] {
                    for (inline, body) in [
                        (false, format!("<{p}v>{value}</{p}v>")),
                        (true, format!("<{p}is><{p}t>{value}</{p}t></{p}is>")),
                    ] {
                        let cell = format!("<{p}c r=\"B2\" s=\"3\"{t}>{body}</{p}c>");
                        let bytes = cell.as_bytes();
                        let tag_end = cell.find('>').unwrap();
                        let usual = crate::xlsx::attr::UsualCell::read(&bytes[..=tag_end]);
                        let start = usual.unwrap().start_at(&bytes[..=tag_end]);
                        let whole = plain_cell(bytes, Some(&start));
                        assert_eq!(plain_usual_value(bytes, &start, inline), whole, "{cell}");
                        plain += usize::from(whole);
                        cells += 1;
                    }
                }
            }
        }
        // Not all, not none: an inline string's `<v>` and an unknown type are not plain.
        assert!(plain > 0 && plain < cells, "{plain}");
    }

    /// Text among the cells that no reader reads leaves the sheet to be searched whole; a
    /// cell's text that holds the letters of such an element's name (a base64 checksum of
    /// Dynamics' raw layout) does not.
    #[test]
    fn cells_with_text_no_reader_reads_are_not_cut_out() {
        let texts = r#"<x:worksheet><x:sheetData><x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t>kKxO+rPhM9/extLst:rPh</x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>"#;
        let scan = scanned(texts.as_bytes());
        assert!(!scan.layout.unread_cells);
        assert_eq!(
            scan.layout.without_cells().map(String::from_utf8),
            Some(Ok(
                "<x:worksheet><x:sheetData></x:sheetData></x:worksheet>".to_string()
            ))
        );
        let long = "p".repeat(100);
        let unread = [
            r#"<x:c t="inlineStr"><x:is><x:t>x</x:t><x:rPh sb="0"><x:t>secret</x:t></x:rPh></x:is></x:c>"#.to_string(),
            r#"<c t="inlineStr"><is><t>x</t><rPh><t>secret</t></rPh></is></c>"#.to_string(),
            format!(r#"<c t="inlineStr"><is><t>x</t><{long}:rPh><t>secret</t></{long}:rPh></is></c>"#),
            r#"<c r="A2"><v>1</v><extLst>secret</extLst></c>"#.to_string(),
            r#"<c r="A2"><v>1</v><x:extLst><x:ext uri="u">secret</x:ext></x:extLst></c>"#.to_string(),
            r#"<c r="A2"><v>1</v><extLst><ext uri="u"><y>secret</y></ext></extLst></c>"#.to_string(),
            r#"<c r="A2" t="inlineStr"><is><t><![CDATA[secret]]></t></is></c>"#.to_string(),
            r#"<c r="A2"><v>1</v><!-- secret --></c>"#.to_string(),
            r#"<c r="A2"><v>1</v><?pi secret?></c>"#.to_string(),
        ];
        let sheets = unread
            .iter()
            .map(|cells| {
                format!("<worksheet><sheetData><row>{cells}</row></sheetData></worksheet>")
            })
            .chain([
                r#"<worksheet><sheetData note="secret"><row/></sheetData></worksheet>"#.into(),
                r#"<worksheet><x:sheetData note="secret"/></worksheet>"#.into(),
            ]);
        for sheet in sheets {
            let scan = scanned(sheet.as_bytes());
            assert!(scan.layout.unread_cells, "{sheet}");
            assert_eq!(scan.layout.without_cells(), None, "{sheet}");
            // The scrub's sweep searches that text in the sheet's markup.
            let markup = String::from_utf8_lossy(&scan.layout.markup);
            assert!(markup.contains("secret"), "{sheet}: {markup}");
        }
    }

    /// A zip of one deflated entry `name`, whose compressed data is `text` deflated and then
    /// `after`, with `extra` as the local and central headers' extra field.
    fn one_entry_zip(name: &str, text: &[u8], after: &[u8], extra: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut deflate =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        deflate.write_all(text).unwrap();
        let mut data = deflate.finish().unwrap();
        data.extend_from_slice(after);
        let crc = crc32fast::hash(text);
        let header = |central: bool| {
            let mut h = Vec::new();
            h.extend_from_slice(if central {
                b"PK\x01\x02"
            } else {
                b"PK\x03\x04"
            });
            if central {
                h.extend_from_slice(&20u16.to_le_bytes()); // made by
            }
            for v in [20u16, 0, 8, 0, 0] {
                h.extend_from_slice(&v.to_le_bytes()); // version, flags, method, time, date
            }
            for v in [crc, data.len() as u32, text.len() as u32] {
                h.extend_from_slice(&v.to_le_bytes());
            }
            h.extend_from_slice(&(name.len() as u16).to_le_bytes());
            h.extend_from_slice(&(extra.len() as u16).to_le_bytes());
            if central {
                h.extend_from_slice(&[0; 14]); // comment, disk, attributes, local offset 0
            }
            h.extend_from_slice(name.as_bytes());
            h.extend_from_slice(extra);
            h
        };
        let mut zip = header(false);
        zip.extend_from_slice(&data);
        let directory = header(true);
        let at = zip.len() as u32;
        zip.extend_from_slice(&directory);
        zip.extend_from_slice(b"PK\x05\x06\0\0\0\0\x01\0\x01\0");
        zip.extend_from_slice(&(directory.len() as u32).to_le_bytes());
        zip.extend_from_slice(&at.to_le_bytes());
        zip.extend_from_slice(&[0, 0]);
        zip
    }

    /// The headers are read byte by byte: a local name that is not the directory's, the
    /// extra fields of both headers; a header cut short or out of place is an error, never a
    /// panic, whatever the bytes.
    #[test]
    fn entry_headers_are_read_whole_and_damage_is_an_error() {
        let headers = |zip: &[u8]| {
            let mut archive = ZipArchive::new(std::io::Cursor::new(zip)).ok()?;
            Some(entry_headers(zip, &mut archive))
        };
        let mut time = vec![0x55, 0x54, 5, 0, 1];
        time.extend_from_slice(&1_700_000_000u32.to_le_bytes());
        let zip = one_entry_zip("a.xml", b"<a/>", b"", &time);
        let read = headers(&zip).unwrap().unwrap();
        assert_eq!(
            read,
            [EntryHeaders {
                local_name_differs: false,
                extra: [time.clone(), time.clone()].concat(),
            }]
        );
        // The local header (first) names another part than the directory.
        let mut renamed = zip.clone();
        let at = renamed.windows(5).position(|w| w == b"a.xml").unwrap();
        renamed[at..at + 5].copy_from_slice(b"b.xml");
        assert!(headers(&renamed).unwrap().unwrap()[0].local_name_differs);
        // Every cut and every byte changed: an answer or an error.
        for cut in 0..zip.len() {
            let _ = headers(&zip[..cut]);
        }
        for at in 0..zip.len() {
            for byte in [0x00, 0xff, 0x7f] {
                let mut bad = zip.clone();
                bad[at] = byte;
                let _ = headers(&bad);
            }
        }
    }

    /// Data no reader shows fails a package: after an entry's deflate stream, or in an extra
    /// field that is no zip tool's metadata; a plain entry, and one with a file time, pass.
    #[test]
    fn data_after_a_stream_or_in_an_unknown_extra_field_is_found() {
        let check = |zip: &[u8]| {
            let mut archive = ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
            let hidden = hidden_data(zip, &mut archive).unwrap();
            (
                hidden.is_some_and(|what| what.contains("after its compressed stream")),
                hidden.is_some_and(|what| what.contains("in an extra field")),
                bytes_outside_entries(zip, &mut archive).unwrap(),
            )
        };
        let text = b"<note>hello</note>";
        let mut time = vec![0x55, 0x54, 5, 0, 1];
        time.extend_from_slice(&1_700_000_000u32.to_le_bytes());
        assert_eq!(
            check(&one_entry_zip("a.xml", text, b"", b"")),
            (false, false, 0)
        );
        assert_eq!(
            check(&one_entry_zip("a.xml", text, b"", &time)),
            (false, false, 0)
        );
        let after = one_entry_zip("a.xml", text, b"Karim Al-Farsi", b"");
        assert_eq!(check(&after), (true, false, 0));
        let mut unknown = vec![0xfe, 0xca, 14, 0];
        unknown.extend_from_slice(b"Karim Al-Farsi");
        let extra = one_entry_zip("a.xml", text, b"", &unknown);
        assert_eq!(check(&extra), (false, true, 0));
        // A known kind holding more than its metadata.
        let mut stuffed = vec![0x55, 0x54, 14, 0];
        stuffed.extend_from_slice(b"Karim Al-Farsi");
        let stuffed = one_entry_zip("a.xml", text, b"", &stuffed);
        assert_eq!(check(&stuffed), (false, true, 0));
    }

    #[test]
    fn a_package_is_written_front_to_back() {
        use std::io::{SeekFrom, Write};
        let mut out = Vec::new();
        let mut forward = Forward::new(&mut out);
        forward.write_all(b"PK").unwrap();
        assert_eq!(forward.stream_position().unwrap(), 2);
        assert_eq!(forward.seek(SeekFrom::End(0)).unwrap(), 2);
        assert_eq!(forward.seek(SeekFrom::Start(2)).unwrap(), 2);
        for back in [SeekFrom::Start(0), SeekFrom::Current(-1), SeekFrom::End(-2)] {
            assert_eq!(
                forward.seek(back).unwrap_err().kind(),
                std::io::ErrorKind::Unsupported
            );
        }
        // A real package goes through it whole: entries copied raw, then the directory.
        let mut zipped = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zipped
            .start_file("a.xml", zip::write::SimpleFileOptions::default())
            .unwrap();
        zipped.write_all(b"<a/>").unwrap();
        let first = zipped.finish().unwrap().into_inner();
        let mut archive = ZipArchive::new(std::io::Cursor::new(&first[..])).unwrap();
        let mut copied = zip::ZipWriter::new(Forward::new(Vec::new()));
        copied
            .raw_copy_file(archive.by_index_raw(0).unwrap())
            .unwrap();
        let bytes = copied.finish().unwrap().inner;
        let mut again = ZipArchive::new(std::io::Cursor::new(&bytes[..])).unwrap();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut again.by_name("a.xml").unwrap(), &mut text).unwrap();
        assert_eq!(text, "<a/>");
        assert_eq!(out, b"PK");
    }

    #[test]
    fn targets_resolve_like_opc() {
        assert_eq!(
            resolve_target("xl", "worksheets/sheet1.xml"),
            "xl/worksheets/sheet1.xml"
        );
        assert_eq!(
            resolve_target("xl", "/xl/worksheets/sheet2.xml"),
            "xl/worksheets/sheet2.xml"
        );
        assert_eq!(
            resolve_target("xl/worksheets", "../tables/table1.xml"),
            "xl/tables/table1.xml"
        );
        assert_eq!(resolve_target("", "xl/workbook.xml"), "xl/workbook.xml");
    }

    #[test]
    fn validations_classic_and_x14_after_sheet_data() {
        // Cells that look like validations must not count: they are inside sheetData.
        let xml = br#"<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row><row r="2"><c r="B2"><f>A1</f><v>1</v></c></row></sheetData><dataValidations count="2"><dataValidation type="textLength" operator="lessThanOrEqual" showInputMessage="1" promptTitle="Text (required)" prompt="Maximum Length: 100 characters." sqref="D2:D1048576"><formula1>100</formula1></dataValidation><dataValidation allowBlank="1" promptTitle="Lookup" prompt="Must match" sqref="E2:E1048576 G2"/></dataValidations><extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" xmlns:x14="x"><x14:dataValidations count="1" xmlns:xm="m"><x14:dataValidation type="list" allowBlank="1" promptTitle="Option set"><x14:formula1><xm:f>hiddenSheet!$A$2:$AW$2</xm:f></x14:formula1><xm:sqref>F2:F1048576</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst></worksheet>"#;
        let found = parse_validations(&xml[..]).unwrap();
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].kind, "textLength");
        assert!(!found[0].allow_blank);
        assert_eq!(found[0].formula1.as_deref(), Some("100"));
        assert_eq!(found[0].title.as_deref(), Some("Text (required)"));
        assert_eq!(found[1].sqref, "E2:E1048576 G2");
        assert!(found[1].allow_blank && found[1].kind.is_empty());
        assert_eq!(found[2].kind, "list");
        assert_eq!(found[2].formula1.as_deref(), Some("hiddenSheet!$A$2:$AW$2"));
        assert_eq!(found[2].sqref, "F2:F1048576");
        let none = parse_validations(&b"<worksheet><sheetData/></worksheet>"[..]).unwrap();
        assert!(none.is_empty());
    }

    #[test]
    fn generated_exports_carry_their_column_rules() {
        let export = crate::testdata::disabled_users(&crate::testdata::Options {
            rows: 3,
            ..Default::default()
        });
        let sheets = validations_by_sheet(&export.to_xlsx()).unwrap();
        assert_eq!(sheets[0].0, export.sheet_name);
        let rules = crate::dynamics::column_rules(&sheets[0].1);
        for (i, column) in export.columns.iter().enumerate() {
            let got = rules.get(&(i as u32)).cloned().unwrap_or_default();
            if column.max_length.is_some() && !column.protected {
                assert_eq!(got.max_length, column.max_length, "{}", column.header);
            }
            assert_eq!(got.required, column.required, "{}", column.header);
        }
        let manager = export.column_index("parentsystemuserid").unwrap() as u32;
        assert!(rules[&manager].is_lookup());
        let status = export.column_index("isdisabled").unwrap() as u32;
        assert!(rules[&status].is_option_set());
        assert!(rules[&status]
            .list_source
            .as_deref()
            .unwrap()
            .starts_with("hiddenSheet!"));
    }

    /// A usual cell's value, passed at once, is scanned as its tags read one by one are: the
    /// scan of sheets of both layouts, with hand-edited cells among them (a formula, a value
    /// under an inline string, a phonetic run, a comment, a foreign attribute), is the scan of
    /// the same sheets with a line break before each cell's end tag, which the tag-by-tag
    /// reading passes as text and which keeps any value from being passed at once.
    #[test]
    fn usual_values_passed_at_once_are_scanned_as_read_tag_by_tag() {
        let export = crate::testdata::disabled_users(&crate::testdata::Options {
            rows: 30,
            ..Default::default()
        });
        let edits = concat!(
            r#"<c r="AA3"><f>1+1</f><v>2</v></c>"#,
            r#"<c r="AB3" t="inlineStr"><v>under</v></c>"#,
            r#"<c r="AC3" t="inlineStr"><is><t>a</t><rPh sb="0" eb="1"><t>b</t></rPh></is></c>"#,
            r#"<c r="AD3"><!-- note --><v>1</v></c>"#,
            r#"<c r="AE3" x="y"><v>1</v></c>"#,
            r#"<c r="AF3" t="inlineStr"><is><t xml:space="preserve"> c </t></is></c>"#,
        );
        let mut scanned = 0;
        let layouts = [
            (export.to_xlsx(), "xl/worksheets/sheet1.xml"),
            (export.to_dynamics_raw_xlsx(), "xl/worksheets/sheet2.xml"),
        ];
        for (xlsx, part) in layouts {
            let xml = crate::testdata::part_text(&xlsx, part);
            let cells_from = xml.find("sheetData>").expect("cells") + "sheetData>".len();
            let cells = &xml[cells_from..];
            let row_end = (cells.find("</row>").or_else(|| cells.find("</x:row>"))).expect("a row");
            let edited = format!("{}{edits}{}", &cells[..row_end], &cells[row_end..]);
            for cells in [cells.to_string(), edited] {
                let slow = cells
                    .replace("</c>", "\n</c>")
                    .replace("</x:c>", "\n</x:c>");
                assert_ne!(slow, cells);
                for cap in [61, 97, 131, 1 << 16] {
                    let quick = scan_cells(BufReader::with_capacity(cap, cells.as_bytes()));
                    let read = scan_cells(BufReader::with_capacity(cap, slow.as_bytes()));
                    assert_eq!(quick.unwrap(), read.unwrap(), "capacity {cap}");
                    scanned += 1;
                }
            }
        }
        assert_eq!(scanned, 16);
    }

    /// What no reader reads among the cells is kept once, wherever a chunk ends: the end of a
    /// chunk, carried over to find `</sheetData>` across the border, is not read twice.
    #[test]
    fn hidden_text_is_kept_once_across_chunk_borders() {
        let xml = br#"<row r="1"><c r="A1"><!-- x --><v>1</v></c><c r="B1" x="y"><v>2</v></c><c r="C1"><v>3</v></c><c r="D1"><v>4</v></c></row></sheetData>"#;
        let whole = scan_cells(&xml[..]).unwrap();
        assert_eq!(whole.hidden, b"<!-- x --><c r=\"B1\" x=\"y\">\n");
        for cap in 1..xml.len() {
            let scan = scan_cells(BufReader::with_capacity(cap, &xml[..])).unwrap();
            assert_eq!(scan, whole, "capacity {cap}");
        }
    }

    /// A tag among the cells is foreign when an attribute is unknown, or known and holding a
    /// value of another shape than SpreadsheetML gives it (a name in a row's height): no
    /// reader reads that text.
    #[test]
    fn known_attributes_hold_only_values_of_their_shape() {
        let usual: [(&[u8], &[u8]); 12] = [
            (b"c", br#" r="B2" s="3" t="s""#),
            (b"c", br#" r="$AB$12" t="inlineStr" cm="1" vm="2" ph="0""#),
            (b"c", br#" s="0" t='str'"#),
            (b"row", br#" r="3" spans="1:32 40:41" s="2" customFormat="1" ht="15.75" hidden="true" x14ac:dyDescent="0.25""#),
            (b"f", br#" t="shared" ref="A1:B9" si="0" ca="1""#),
            (b"f", br#" t="array" ref="C3""#),
            (b"t", br#" xml:space="preserve""#),
            (b"rPh", br#" sb="0" eb="2""#),
            (b"color", br#" rgb="FF00AA11" theme="1" tint="-0.25""#),
            (b"rFont", br#" val="Yu Gothic""#),
            (b"u", br#" val="double""#),
            (b"ext", br#" uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}""#),
        ];
        for (local, attributes) in usual {
            let text = String::from_utf8_lossy(attributes);
            assert!(!foreign_tag(local, attributes), "{text}");
        }
        let shapeless: [(&[u8], &[u8]); 14] = [
            (b"c", br#" r="B2" s="Jane Doe""#),
            (b"c", br#" r="Jane Doe""#),
            (b"c", br#" r="JaneDoe""#),
            (b"c", br#" r="B2" t="Jane""#),
            (b"c", br#" r="B2" vm="Jane Doe""#),
            (b"c", br#" r="B2" ph="Jane""#),
            (b"row", br#" r="3" ht="Jane Doe""#),
            (b"row", br#" r="3" spans="Jane:Doe""#),
            (b"row", br#" r="3" x14ac:dyDescent="Jane""#),
            (b"f", br#" ref="Jane Doe""#),
            (b"t", br#" xml:space="Jane""#),
            (b"color", br#" rgb="Jane Doe""#),
            (b"b", br#" val="Jane""#),
            (b"ext", br#" uri="Jane Doe""#),
        ];
        for (local, attributes) in shapeless {
            let text = String::from_utf8_lossy(attributes);
            assert!(foreign_tag(local, attributes), "{text}");
        }
    }

    /// Text among the cells that is no value (mixed content, from hand edits or other tools)
    /// is kept as text no reader reads, whole and once, wherever the chunks end; values and the
    /// white space between tags are not.
    #[test]
    fn text_among_the_cells_that_is_no_value_is_kept() {
        let clean = br#"<row r="1">
  <c r="A1" t="s"><v>0</v></c><c r="B1"><f>SUM(C1)</f><v>3</v></c><c r="D1"><f t="shared" si="0"/><v>4</v></c>
  <c r="C1" t="inlineStr"><is><r><rPr><b/></rPr><t xml:space="preserve">Jane </t></r><r><t>Doe</t></r></is></c>
</row>
</sheetData>"#;
        for cap in 1..clean.len() {
            let scan = scan_cells(BufReader::with_capacity(cap, &clean[..])).unwrap();
            let hidden = String::from_utf8_lossy(&scan.hidden);
            assert!(hidden.is_empty(), "capacity {cap}: {hidden}");
        }
        let loose = [
            r#"<row r="1">Jane Doe<c r="A1"><v>1</v></c></row>"#,
            r#"<row r="1"><c r="A1">Jane Doe<v>1</v></c></row>"#,
            r#"<row r="1"><c r="A1"><v>1</v>Jane Doe</c></row>"#,
            r#"<row r="1"><c r="A1"><v>1</v></c>Jane Doe</row>"#,
            r#"<row r="1"><c r="A1"><f t="shared" si="0"/>Jane Doe<v>1</v></c></row>"#,
            r#"<row r="1"><c r="A1" t="inlineStr"><is>Jane Doe<t>x</t></is></c></row>"#,
            r#"<row r="1"><c r="A1" t="inlineStr"><is><r><rPr>Jane Doe</rPr><t>x</t></r></is></c></row>"#,
            r#"<row r="1"><c r="A1"><v>1</v></c></row>Jane Doe"#,
        ];
        for xml in loose {
            let xml = format!("{xml}</sheetData><pageMargins/>");
            let whole = scan_cells(xml.as_bytes()).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&whole.hidden),
                "Jane Doe\n",
                "{xml}"
            );
            for cap in 1..xml.len() {
                let scan = scan_cells(BufReader::with_capacity(cap, xml.as_bytes())).unwrap();
                assert_eq!(scan.hidden, whole.hidden, "{xml}, capacity {cap}");
            }
        }
    }

    #[test]
    fn cell_extent_is_found_across_chunk_borders_whatever_the_attribute_order() {
        let xml = b"<row r=\"2\" spans=\"1:3\"><c r=\"B2\" t=\"s\"><v>1</v></c><x:c s=\"1\"   r='AA7'/></row><row r=\"1048576\"><c><v>1</v></c></row></sheetData><c r=\"XFD9\"/>";
        for cap in 1..xml.len() {
            let scan = scan_cells(BufReader::with_capacity(cap, &xml[..])).unwrap();
            assert_eq!(scan.extent.rows, Some((2, 1_048_576)), "capacity {cap}");
            assert_eq!(scan.extent.cols, Some((2, 27)), "capacity {cap}");
            assert_eq!(scan.extent.cells(), 1_048_575 * 26);
        }
    }

    #[test]
    fn finds_formulas_across_chunk_borders() {
        let xml = b"<row><c r=\"A1\"><f>A2&amp;B2</f><v>x</v></c></row>";
        for cap in 1..xml.len() {
            let r = BufReader::with_capacity(cap, &xml[..]);
            assert!(scan_cells(r).unwrap().has_formulas, "capacity {cap}");
        }
        let none = b"<row><c r=\"A1\" t=\"s\"><v>1</v></c></row><dataValidations><dataValidation><formula1>100</formula1></dataValidation></dataValidations>";
        assert!(!scan_cells(&none[..]).unwrap().has_formulas);
    }

    #[test]
    fn formulas_after_the_cells_are_not_cells_formulas() {
        // What scan_sheet hands over: the XML after `<sheetData>`.
        let x14 = b"<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row></sheetData><extLst><ext><x14:dataValidations><x14:dataValidation><x14:formula1><xm:f>hiddenSheet!$A$2:$D$2</xm:f></x14:formula1></x14:dataValidation></x14:dataValidations></ext></extLst>";
        let prefixed = b"<x:row><x:c><x:v>1</x:v></x:c></x:row></x:sheetData><x:extLst><xm:f>A1</xm:f></x:extLst>";
        let text = b"<row><c t=\"inlineStr\"><is><t>sheetData></t></is></c><c><f>A1</f></c></row></sheetData>";
        for cap in 1..x14.len() {
            let scan = scan_cells(BufReader::with_capacity(cap, &x14[..])).unwrap();
            assert!(!scan.has_formulas, "capacity {cap}");
            assert_eq!(scan.validations.len(), 1, "capacity {cap}");
            assert_eq!(
                scan.validations[0].formula1.as_deref(),
                Some("hiddenSheet!$A$2:$D$2")
            );
            assert!(
                !scan_cells(BufReader::with_capacity(cap, &prefixed[..]))
                    .unwrap()
                    .has_formulas,
                "capacity {cap}"
            );
        }
        assert!(
            scan_cells(&text[..]).unwrap().has_formulas,
            "sheetData> in text is not the end"
        );
    }
}
