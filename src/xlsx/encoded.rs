//! Values hidden in base64: an add-in's setting, a custom XML item or an embedded blob may hold
//! a removed value encoded, where no text search sees it. Runs of base64 characters are decoded
//! and the bytes searched as text (UTF-8, UTF-16LE or Latin-1) or, when they are a package or a
//! compound file, as binary data is (see [`binary_readings`]).
//!
//! Only parts outside the worksheets are searched so: a Dynamics export's row checksums are
//! base64 in every row's cells, and decoding them finds nothing but costs time.

use crate::needles::Needles;
use base64::engine::general_purpose::{GeneralPurpose, NO_PAD_INDIFFERENT};
use base64::Engine;
use std::io::{Cursor, Read};
use zip::ZipArchive;

/// The shortest run decoded: 16 characters (12 bytes). Shorter runs are mostly words and
/// identifiers, and a removed value of at least 4 characters encodes to at least 8.
pub const MIN_RUN: usize = 16;

/// Padding is optional and the last character may carry stray bits: the run may have been cut
/// from a longer text.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    NO_PAD_INDIFFERENT.with_decode_allow_trailing_bits(true),
);

fn is_base64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/'
}

/// Whether a run looks encoded rather than like a long word: a digit, `+` or `/`, or both
/// cases of letters.
fn looks_encoded(run: &[u8]) -> bool {
    run.iter()
        .any(|&b| b.is_ascii_digit() || b == b'+' || b == b'/')
        || (run.iter().any(u8::is_ascii_uppercase) && run.iter().any(u8::is_ascii_lowercase))
}

/// The decoded bytes of each base64 run of at least [`MIN_RUN`] characters in `text` (any
/// ASCII-compatible encoding). A line break (and the indentation after it) inside a run whose
/// length so far is a multiple of 4 continues it, as in MIME's wrapped lines; so, in a second
/// reading, does a space or tab (XML Schema's base64 allows white space anywhere, and groups
/// are written apart: `S2Fy aW0g`). Both readings are kept: a run of its own followed by a word
/// would decode to junk joined with it.
pub fn base64_runs(text: &[u8]) -> Vec<Vec<u8>> {
    let mut out = runs_joined(text, false);
    if memchr::memchr2(b' ', b'\t', text).is_some() {
        for run in runs_joined(text, true) {
            if !out.contains(&run) {
                out.push(run);
            }
        }
    }
    out
}

/// [`base64_runs`], a run continued across line breaks, and with `spaces` across spaces and
/// tabs too once it looks encoded (see [`looks_encoded`]).
fn runs_joined(text: &[u8], spaces: bool) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut run: Vec<u8> = Vec::new();
    let flush = |run: &mut Vec<u8>, out: &mut Vec<Vec<u8>>| {
        if run.len() >= MIN_RUN && looks_encoded(run) {
            // A length of 4n+1 cannot be decoded: the last character is not part of it.
            let usable = run.len() - usize::from(run.len() % 4 == 1);
            if let Ok(bytes) = LENIENT.decode(&run[..usable]) {
                out.push(bytes);
            }
        }
        run.clear();
    };
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        if is_base64(b) {
            run.push(b);
            i += 1;
            continue;
        }
        // Across a space only once the run looks encoded: words are written apart too.
        let joins = matches!(b, b'\r' | b'\n')
            || (spaces && matches!(b, b' ' | b'\t') && looks_encoded(&run));
        if joins && !run.is_empty() && run.len().is_multiple_of(4) {
            let next = text[i..]
                .iter()
                .position(|c| !matches!(c, b'\r' | b'\n' | b' ' | b'\t'))
                .map_or(text.len(), |p| i + p);
            if next < text.len() && is_base64(text[next]) {
                i = next;
                continue;
            }
        }
        flush(&mut run, &mut out);
        i += 1;
    }
    flush(&mut run, &mut out);
    out
}

/// The texts of the base64 runs of `text`, each decoded at `depth + 1` (see [`decoded_texts`]).
pub fn base64_texts(text: &[u8], depth: u8) -> Vec<String> {
    base64_readings(text, depth)
        .into_iter()
        .map(|(text, _)| text)
        .collect()
}

/// [`base64_texts`], each saying how it was read: the bytes of a package or compound file
/// inside may be no text (see [`Reading`]).
pub(crate) fn base64_readings(text: &[u8], depth: u8) -> Vec<(String, Reading)> {
    let mut walk = Walk::new();
    let mut out = Vec::new();
    walk.base64(text, depth, &mut out);
    out
}

/// What decoded base64 holds: a package or compound file (read as binary data is, see
/// [`binary_readings`]), or text in UTF-8, UTF-16LE or Latin-1, whichever it is.
/// Bytes that are none of these (an image, encrypted data) are not read as text: random bytes
/// seen as Latin-1 spell short names by chance, and a large export removes thousands.
fn decoded_texts(bytes: &[u8], depth: u8, walk: &mut Walk) -> Vec<(String, Reading)> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(CFB_SIGNATURE) {
        let project = project_of(bytes);
        let mut out = Vec::new();
        walk.binary(bytes, depth, project, &mut out);
        return out;
    }
    let text = if let Some(text) = std::str::from_utf8(bytes).ok().filter(|t| is_text(t)) {
        text.to_string()
    } else if let Some(text) = utf16_text(bytes) {
        text
    } else {
        let latin1: String = bytes.iter().map(|&b| char::from(b)).collect();
        if !is_text(&latin1) {
            return Vec::new();
        }
        latin1
    };
    let mut out = Vec::new();
    if depth < 2 {
        walk.base64(text.as_bytes(), depth, &mut out);
    }
    out.push((text, Reading::Text));
    out
}

/// `bytes` as UTF-16LE text, when it is text (whole code units, no unpaired surrogates).
pub(super) fn utf16_text(bytes: &[u8]) -> Option<String> {
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    let units = bytes
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]));
    let text: String = char::decode_utf16(units).collect::<Result<_, _>>().ok()?;
    is_text(&text).then_some(text)
}

/// Whether decoded characters are text: no control characters but white space (binary data
/// has NULs and other controls; UTF-16 read as UTF-8 has a NUL every other byte).
pub(super) fn is_text(text: &str) -> bool {
    text.chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\r' | '\n'))
}

/// The texts encoded in base64 inside a part (XML, in UTF-8 or UTF-16 with a byte order mark,
/// or any other text).
pub fn part_base64_texts(data: &[u8]) -> Vec<String> {
    match decode_text(data) {
        Some(text) => base64_texts(text.as_bytes(), 0),
        None => base64_texts(data, 0),
    }
}

/// How a text that [`binary_readings`] returns was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reading {
    /// Text: the data is text as a whole (UTF-8 or UTF-16LE without control characters), a VBA
    /// module's source, decoded base64 text. Searched for every value, as markup is.
    Text,
    /// Bytes that are not text (an image, printer settings, an OLE object) read as text:
    /// searched only for values that chance cannot make (see [`Needles::found_in_bytes`]).
    Bytes,
}

impl Reading {
    /// Whether `text`, read so, holds one of `needles`.
    pub(crate) fn hit(self, needles: &Needles, text: &str) -> bool {
        match self {
            Reading::Text => needles.found_in_markup(text),
            Reading::Bytes => needles.found_in_bytes(text),
        }
    }
}

/// The UTF-16 encoding of a part and the length of its byte order mark: by the mark, or, without
/// one, by how XML starts (`<` as `3C 00` or `00 3C`, as XML's own detection reads it). Custom
/// XML parts are written so by other programs.
pub(crate) fn utf16_xml(data: &[u8]) -> Option<(&'static encoding_rs::Encoding, usize)> {
    match data {
        [0xFF, 0xFE, ..] => Some((encoding_rs::UTF_16LE, 2)),
        [0xFE, 0xFF, ..] => Some((encoding_rs::UTF_16BE, 2)),
        [b'<', 0, ..] => Some((encoding_rs::UTF_16LE, 0)),
        [0, b'<', ..] => Some((encoding_rs::UTF_16BE, 0)),
        _ => None,
    }
}

/// A text part's text: UTF-8 (a byte order mark skipped), UTF-16 with a byte order mark
/// (custom XML items are often saved so), or XML in the encoding its declaration names
/// (`<?xml version="1.0" encoding="ISO-8859-1"?>`, as some programs write properties, which
/// XML readers honour); `None` for anything else.
pub(crate) fn decode_text(data: &[u8]) -> Option<std::borrow::Cow<'_, str>> {
    let text = decode_unicode(data);
    if text.is_some() {
        return text;
    }
    let encoding = declared_encoding(data)?;
    let (text, had_errors) = encoding.decode_without_bom_handling(data);
    (!had_errors).then_some(text)
}

/// Whether an XML part is in an encoding that cannot be read, so that it cannot be searched:
/// EBCDIC (which XML detects by `<?xm` in it, `4C 6F A7 94`), or a declaration naming an
/// encoding that is not Unicode and has no WHATWG label (`IBM037`, `UTF-7`), or one whose
/// bytes no decoder reads (ISO-2022-KR). Such a part's ASCII bytes may even read as UTF-8,
/// while its text says something else (`+AEA-` is `@` in UTF-7).
pub(crate) fn unreadable_xml(data: &[u8]) -> bool {
    if data.starts_with(b"\x4C\x6F\xA7\x94") {
        return true;
    }
    if decode_unicode(data).is_some_and(|_| !data.starts_with(b"<?xml")) {
        // Unicode (UTF-16 or UTF-32 by how it starts); a declaration in it is read by its bytes.
        return false;
    }
    let Some(label) = declared_label(data) else {
        return false;
    };
    let label = String::from_utf8_lossy(label).trim().to_ascii_lowercase();
    let unicode = [
        "utf-",
        "utf8",
        "utf16",
        "utf32",
        "ucs-",
        "ucs2",
        "ucs4",
        "iso-10646",
    ]
    .iter()
    .any(|u| label.starts_with(u))
        && label != "utf-7";
    match encoding_rs::Encoding::for_label(label.as_bytes()) {
        Some(e) => e == encoding_rs::REPLACEMENT,
        None => !unicode,
    }
}

/// The encoding's name an XML declaration at the start of `data` gives, as written.
fn declared_label(data: &[u8]) -> Option<&[u8]> {
    let head = &data[..data.len().min(256)];
    let rest = head.strip_prefix(b"<?xml")?;
    let end = memchr::memmem::find(rest, b"?>")?;
    let declaration = &rest[..end];
    let at = memchr::memmem::find(declaration, b"encoding")?;
    let after = declaration[at + b"encoding".len()..].trim_ascii_start();
    let after = after.strip_prefix(b"=")?.trim_ascii_start();
    let (&quote, value) = after.split_first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    value.get(..memchr::memchr(quote, value)?)
}

/// The encoding an XML declaration at the start of `data` names, when an encoding by that
/// name is known (see the WHATWG encoding labels: `ISO-8859-1` reads as `windows-1252`).
fn declared_encoding(data: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let label = declared_label(data)?;
    // Unicode is read by its bytes (see `decode_unicode`), whatever the declaration says.
    encoding_rs::Encoding::for_label(label).filter(|e| {
        ![
            encoding_rs::UTF_8,
            encoding_rs::UTF_16LE,
            encoding_rs::UTF_16BE,
        ]
        .contains(e)
    })
}

/// [`decode_text`] for the encodings of Unicode: UTF-8, or UTF-16 or UTF-32 by its byte order
/// mark or how XML starts.
fn decode_unicode(data: &[u8]) -> Option<std::borrow::Cow<'_, str>> {
    if matches!(
        data,
        [0xFF, 0xFE, 0, 0, ..] | [0, 0, 0xFE, 0xFF, ..] | [b'<', 0, 0, 0, ..] | [0, 0, 0, b'<', ..]
    ) {
        return utf32_text(data).map(std::borrow::Cow::Owned);
    }
    if let Some((encoding, bom)) = utf16_xml(data) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&data[bom..]);
        return (!had_errors).then_some(text);
    }
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(data) {
        if encoding != encoding_rs::UTF_8 {
            let (text, had_errors) = encoding.decode_without_bom_handling(&data[bom..]);
            return (!had_errors).then_some(text);
        }
        return std::str::from_utf8(&data[bom..])
            .ok()
            .map(std::borrow::Cow::Borrowed);
    }
    std::str::from_utf8(data)
        .ok()
        .map(std::borrow::Cow::Borrowed)
}

/// [`binary_readings`] to `depth`, what could not be searched dropped.
#[cfg(test)]
pub(crate) fn binary_texts(data: &[u8], depth: u8) -> Vec<(String, Reading)> {
    let mut walk = Walk::new();
    let mut out = Vec::new();
    walk.binary(data, depth, project_of(data), &mut out);
    out
}

/// The texts of a VBA project, when `data` is a compound file holding one.
pub(crate) fn project_of(data: &[u8]) -> Option<Vec<String>> {
    data.starts_with(CFB_SIGNATURE)
        .then(|| super::macros::project_texts(data))
        .flatten()
}

/// What [`binary_readings`] found in a part: its texts, and what of it could not be searched.
#[derive(Debug, Default)]
pub(crate) struct Readings {
    /// The texts, as [`binary_readings`] reads them.
    pub texts: Vec<(String, Reading)>,
    /// Why some of the part could not be searched, when it could not; such a part may hold a
    /// removed value that no search sees, so it fails the file.
    pub unsearched: Option<Unsearched>,
}

/// Why (some of) a part cannot be searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsearched {
    /// Packages or compressed data nest deeper than [`MAX_DEPTH`].
    TooDeep,
    /// Compressed data inside inflates beyond [`MAX_RATIO`] or [`MAX_INFLATED`], as a zip bomb
    /// does.
    TooLarge,
    /// An XML part in an encoding that cannot be read (EBCDIC, UTF-7, a name no encoding has).
    Encoding,
}

impl Unsearched {
    /// What is wrong, for a message that names the part before it.
    pub fn why(self) -> &'static str {
        match self {
            Unsearched::TooDeep => {
                "it nests packages or compressed data more than 4 levels deep, deeper than dsr-scrub searches"
            }
            Unsearched::TooLarge => {
                "compressed data inside it inflates more than 200:1 or beyond 256 MiB, like a zip bomb"
            }
            Unsearched::Encoding => {
                "its XML is in an encoding dsr-scrub cannot read (only UTF-8, UTF-16, UTF-32 and the encodings of the WHATWG standard are supported)"
            }
        }
    }

    /// What the user can do about it.
    pub fn todo(self) -> &'static str {
        match self {
            Unsearched::TooDeep | Unsearched::TooLarge => {
                "remove that embedded object or picture in Excel (or check it by hand and remove it from the package)"
            }
            Unsearched::Encoding => {
                "save that part again in UTF-8 (or remove it from the package)"
            }
        }
    }
}

/// The texts binary data may hold: as UTF-8, as UTF-16LE (Office's binary formats, VBA
/// projects, printer settings) and as Latin-1, XML escaping undone; as UTF-32 when it is UTF-32
/// text as a whole; the decompressed source of a VBA project's modules (see
/// [`super::macros::project_texts`]); to `depth` 2, the texts of its base64 runs (see
/// [`base64_readings`]); and, to [`MAX_DEPTH`], what is compressed inside it, inflated: the
/// parts of a zip (an embedded workbook), a gzip member (an `.emz` picture), a zlib stream,
/// and a PNG image's compressed text chunks (`zTXt`, `iTXt`: a description, XMP metadata).
/// Each says whether it is text or bytes read as text (see [`Reading`]): a reading is text
/// when the whole of `data` is text in that encoding (no control characters but white space,
/// which binary data is full of).
///
/// `project`: the texts of `data` as a VBA project when it is one, already read (see
/// [`project_of`]). Says what could not be searched.
pub(crate) fn binary_readings(data: &[u8], project: Option<Vec<String>>) -> Readings {
    let mut walk = Walk::new();
    let mut texts = Vec::new();
    walk.binary(data, 0, project, &mut texts);
    Readings {
        texts,
        unsearched: walk.unsearched,
    }
}

/// The most containers (zip packages, gzip members, zlib streams) inside one another that are
/// opened: beyond, the part is [`Unsearched::TooDeep`]. An embedded document inside an
/// embedded workbook is two.
pub const MAX_DEPTH: u8 = 4;

/// The most a compressed stream inside a part may inflate, as a multiple of its compressed
/// size, once it is over 1 MiB: the `--max-ratio` default the package's own parts are held to.
pub const MAX_RATIO: u64 = 200;

/// The most bytes inflated inside one part, over all its streams.
pub const MAX_INFLATED: u64 = 256 << 20;

/// One search through a part's containers: the bytes it may still inflate, and what it could
/// not search.
struct Walk {
    budget: u64,
    unsearched: Option<Unsearched>,
}

impl Walk {
    fn new() -> Walk {
        Walk {
            budget: MAX_INFLATED,
            unsearched: None,
        }
    }

    fn give_up(&mut self, why: Unsearched) {
        self.unsearched.get_or_insert(why);
    }

    /// The texts of the base64 runs of `text` (see [`base64_readings`]).
    fn base64(&mut self, text: &[u8], depth: u8, out: &mut Vec<(String, Reading)>) {
        for bytes in base64_runs(text) {
            out.extend(decoded_texts(&bytes, depth + 1, self));
        }
    }

    /// `reader` inflated, `packed` bytes of it compressed, within the limits; what came before
    /// an error in the stream (a damaged picture) is kept. `None` when it inflates beyond them
    /// (noted), or to nothing.
    fn inflate(&mut self, mut reader: impl Read, packed: u64) -> Option<Vec<u8>> {
        let limit = (packed.saturating_mul(MAX_RATIO))
            .max(1 << 20)
            .min(self.budget);
        let mut out = Vec::new();
        let _ = (&mut reader).take(limit + 1).read_to_end(&mut out);
        if out.len() as u64 > limit {
            self.give_up(Unsearched::TooLarge);
            return None;
        }
        self.budget -= out.len() as u64;
        (!out.is_empty()).then_some(out)
    }

    /// Search inflated data found at `depth`: as binary data at `depth + 1`, or, beyond
    /// [`MAX_DEPTH`], not at all (noted).
    fn inner(&mut self, data: &[u8], depth: u8, out: &mut Vec<(String, Reading)>) {
        if depth >= MAX_DEPTH {
            self.give_up(Unsearched::TooDeep);
            return;
        }
        let project = project_of(data);
        self.binary(data, depth + 1, project, out);
    }

    /// See [`binary_readings`].
    fn binary(
        &mut self,
        data: &[u8],
        depth: u8,
        project: Option<Vec<String>>,
        out: &mut Vec<(String, Reading)>,
    ) {
        let unescape = |text: String| {
            quick_xml::escape::unescape(&text)
                .map(|t| t.into_owned())
                .unwrap_or(text)
        };
        let utf8_text = std::str::from_utf8(data).is_ok_and(is_text);
        let utf16_text = !utf8_text && utf16_text(data).is_some();
        let as_read = |text: bool| if text { Reading::Text } else { Reading::Bytes };
        out.push((
            unescape(String::from_utf8_lossy(data).into_owned()),
            as_read(utf8_text),
        ));
        let utf16: Vec<u16> = data
            .chunks_exact(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .collect();
        out.push((String::from_utf16_lossy(&utf16), as_read(utf16_text)));
        if data.len() > 1 {
            // UTF-16 text may start at an odd offset inside a binary record.
            let odd: Vec<u16> = data[1..]
                .chunks_exact(2)
                .map(|p| u16::from_le_bytes([p[0], p[1]]))
                .collect();
            out.push((String::from_utf16_lossy(&odd), Reading::Bytes));
        }
        if !data.is_ascii() {
            let latin1: String = data.iter().map(|&b| char::from(b)).collect();
            let text = !utf8_text && !utf16_text && is_text(&latin1);
            out.push((latin1, as_read(text)));
        }
        if let Some(text) = utf32_text(data) {
            out.push((unescape(text), Reading::Text));
        }
        if depth < 2 {
            self.base64(data, depth, out);
        }
        if let Some(texts) = project {
            out.extend(texts.into_iter().map(|t| (t, Reading::Text)));
        }
        if data.starts_with(b"PK\x03\x04") {
            self.zip(data, depth, out);
        } else if data.starts_with(GZIP_MAGIC) {
            let packed = data.len() as u64;
            if let Some(inner) = self.inflate(flate2::read::MultiGzDecoder::new(data), packed) {
                self.inner(&inner, depth, out);
            }
        } else if is_zlib(data) {
            let packed = data.len() as u64;
            if let Some(inner) = self.inflate(flate2::read::ZlibDecoder::new(data), packed) {
                self.inner(&inner, depth, out);
            }
        } else if data.starts_with(PNG_SIGNATURE) {
            for text in png_compressed_texts(data) {
                let packed = text.len() as u64;
                if let Some(inner) = self.inflate(flate2::read::ZlibDecoder::new(text), packed) {
                    self.inner(&inner, depth, out);
                }
            }
        }
    }

    /// The parts of a zip inside a part, each searched as binary data one level deeper.
    fn zip(&mut self, data: &[u8], depth: u8, out: &mut Vec<(String, Reading)>) {
        let Ok(mut zip) = ZipArchive::new(Cursor::new(data)) else {
            return;
        };
        if depth >= MAX_DEPTH && !zip.is_empty() {
            self.give_up(Unsearched::TooDeep);
            return;
        }
        for i in 0..zip.len() {
            let Ok(entry) = zip.by_index(i) else {
                continue;
            };
            let packed = entry.compressed_size();
            if let Some(inner) = self.inflate(entry, packed) {
                let project = project_of(&inner);
                self.binary(&inner, depth + 1, project, out);
            }
        }
    }
}

/// The first bytes of a gzip member (with the deflate method): `.emz` and `.wmz` pictures are
/// compressed so.
const GZIP_MAGIC: &[u8] = b"\x1F\x8B\x08";

/// The first bytes of a PNG image.
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1A\n";

/// Whether `data` starts as a zlib stream does: deflate with a 32 KiB window (`78`), and the
/// header's check bits right.
fn is_zlib(data: &[u8]) -> bool {
    matches!(data, [0x78, flags, _, ..] if (0x7800u16 | u16::from(*flags)).is_multiple_of(31) && flags & 0x20 == 0)
}

/// The compressed texts of a PNG image's chunks: a `zTXt` chunk's, and an `iTXt` chunk's when
/// its compression flag is set (each a zlib stream). The chunks are read by their lengths, to
/// the end of the data or the first chunk that does not fit.
fn png_compressed_texts(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut at = PNG_SIGNATURE.len();
    while let Some(head) = data.get(at..at + 8) {
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let kind = &head[4..8];
        let Some(body) = data.get(at + 8..(at + 8).saturating_add(len)) else {
            break;
        };
        // keyword NUL ...
        let after_keyword = memchr::memchr(0, body).map(|i| &body[i + 1..]);
        match (kind, after_keyword) {
            // method, then the compressed text
            (b"zTXt", Some([_, text @ ..])) => out.push(text),
            // flag, method, language NUL, translated keyword NUL, then the text
            (b"iTXt", Some([1, _, rest @ ..])) => {
                let mut rest = rest;
                for _ in 0..2 {
                    rest = memchr::memchr(0, rest).map_or(&[][..], |i| &rest[i + 1..]);
                }
                out.push(rest);
            }
            _ => {}
        }
        at = at + 12 + len;
    }
    out
}

/// `data` as UTF-32 text, when it is text as a whole: by its byte order mark, or, without one,
/// by how text starts (a character below U+10000 in its first unit, `3C 00 00 00` for XML's
/// `<` in UTF-32LE); each unit a character, no control characters but white space.
pub(crate) fn utf32_text(data: &[u8]) -> Option<String> {
    if data.len() < 4 || !data.len().is_multiple_of(4) {
        return None;
    }
    let (big, body) = match data {
        [0xFF, 0xFE, 0, 0, rest @ ..] => (false, rest),
        [0, 0, 0xFE, 0xFF, rest @ ..] => (true, rest),
        [_, _, 0, 0, ..] => (false, data),
        [0, 0, _, _, ..] => (true, data),
        _ => return None,
    };
    let text: String = body
        .chunks_exact(4)
        .map(|u| {
            let unit = [u[0], u[1], u[2], u[3]];
            char::from_u32(if big {
                u32::from_be_bytes(unit)
            } else {
                u32::from_le_bytes(unit)
            })
        })
        .collect::<Option<_>>()?;
    (!text.is_empty() && is_text(&text)).then_some(text)
}

/// The first bytes of a compound file (a VBA project, an OLE object).
pub(crate) const CFB_SIGNATURE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    fn found(needles: &Needles, data: &[u8]) -> bool {
        part_base64_texts(data)
            .iter()
            .any(|t| needles.found_in_markup(t))
    }

    /// XML in another encoding than Unicode is read in the encoding its declaration names;
    /// bytes that are no text in it, or an unknown name, read as no text.
    #[test]
    fn xml_is_read_in_its_declared_encoding() {
        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>M\xfcller</t>";
        assert_eq!(
            decode_text(latin1).as_deref(),
            Some("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>M\u{fc}ller</t>")
        );
        let cp1252 = b"<?xml version='1.0' encoding = 'windows-1252' standalone='yes'?><t>S\xf8rlie \x96 HR</t>";
        assert!(decode_text(cp1252)
            .unwrap()
            .ends_with("<t>S\u{f8}rlie \u{2013} HR</t>"));
        let unknown = b"<?xml version=\"1.0\" encoding=\"x-unknown\"?><t>M\xfcller</t>";
        assert_eq!(decode_text(unknown), None);
        // A declaration that says UTF-8 over other bytes, or none, is no text.
        assert_eq!(
            decode_text(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><t>M\xfcller</t>"),
            None
        );
        assert_eq!(decode_text(b"<t>M\xfcller</t>"), None);
        // UTF-32, by its byte order mark or how XML starts.
        let utf32: Vec<u8> = "<t>M\u{fc}ller</t>"
            .chars()
            .flat_map(|c| (c as u32).to_be_bytes())
            .collect();
        assert_eq!(decode_text(&utf32).as_deref(), Some("<t>M\u{fc}ller</t>"));
        // Encodings that cannot be read: EBCDIC, UTF-7, a name no encoding has.
        assert!(unreadable_xml(b"\x4C\x6F\xA7\x94\x93\x40"));
        assert!(unreadable_xml(
            b"<?xml version=\"1.0\" encoding=\"UTF-7\"?><t/>"
        ));
        assert!(unreadable_xml(unknown));
        for readable in [
            &latin1[..],
            cp1252,
            b"<?xml version='1.0' encoding='UTF-8'?><t/>",
            &utf32,
        ] {
            assert!(!unreadable_xml(readable));
        }
        // UTF-8 is read as UTF-8, whatever the declaration says.
        let utf8 = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>Müller</t>";
        assert_eq!(decode_text(utf8.as_bytes()).as_deref(), Some(utf8));
    }

    #[test]
    fn values_encoded_in_base64_are_found() {
        let needles = Needles::new(&["anna.berg@contoso.com", "Anna Berg"]);
        let utf8 = STANDARD.encode(r#"{"owner":"anna.berg@contoso.com"}"#);
        let utf16: Vec<u8> = "Reviewer: Anna Berg"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let utf16 = STANDARD.encode(utf16);
        // MIME wraps long base64 at 76 characters.
        let long = STANDARD.encode(format!("{} Anna Berg", "x".repeat(100)));
        let wrapped: Vec<String> = long
            .as_bytes()
            .chunks(76)
            .map(|c| String::from_utf8(c.to_vec()).unwrap())
            .collect();
        let double = STANDARD.encode(format!("data={utf8}"));
        // Groups written apart by spaces or tabs (XML Schema's base64 allows white space).
        let grouped = |size: usize, gap: &str| {
            utf8.as_bytes()
                .chunks(size)
                .map(|c| String::from_utf8(c.to_vec()).unwrap())
                .collect::<Vec<_>>()
                .join(gap)
        };
        for (i, text) in [
            format!("<note>{}</note>", grouped(4, " ")),
            format!("<note>{}</note>", grouped(12, "\t")),
            format!("<note>{} and a word</note>", grouped(8, " ")),
            format!("<setting value=\"{utf8}\"/>"),
            format!("<state>{}</state>", utf8.trim_end_matches('=')),
            format!("<blob>{utf16}</blob>"),
            format!("<blob>\r\n  {}\r\n</blob>", wrapped.join("\r\n  ")),
            format!("<x>{double}</x>"),
        ]
        .iter()
        .enumerate()
        {
            assert!(found(&needles, text.as_bytes()), "case {i}: {text}");
        }
        // Windows-1252 text.
        let latin1 = STANDARD.encode(b"Reviewer: Anna Berg, K\xf6ln");
        assert!(found(&needles, format!("<a>{latin1}</a>").as_bytes()));
        // UTF-16 XML (a custom XML item saved so).
        let mut item = vec![0xFF, 0xFE];
        item.extend(
            format!("<a>{utf8}</a>")
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        );
        assert!(found(&needles, &item));
    }

    #[test]
    fn a_zip_encoded_in_base64_is_searched_as_a_package() {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.start_file(
            "docProps/core.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        zip.write_all(b"<cp:coreProperties><dc:creator>Anna Berg</dc:creator></cp:coreProperties>")
            .unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        let text = format!("<embedded>{}</embedded>", STANDARD.encode(bytes));
        assert!(found(&Needles::new(&["Anna Berg"]), text.as_bytes()));
    }

    /// Compressed data is inflated and searched: a gzip member, a zlib stream, a PNG's
    /// compressed text chunk; UTF-32 text is read; containers nested beyond [`MAX_DEPTH`]
    /// are no texts but a reason the part cannot be searched.
    #[test]
    fn compressed_and_utf32_data_is_read() {
        use std::io::Write;
        let needles = Needles::new(&["anna.berg@contoso.com"]);
        let found = |data: &[u8]| {
            let readings = binary_readings(data, None);
            assert_eq!(readings.unsearched, None);
            readings.texts.iter().any(|(t, r)| r.hit(&needles, t))
        };
        let zlib = |data: &[u8]| {
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            z.write_all(data).unwrap();
            z.finish().unwrap()
        };
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"\x01\0\0\0 anna.berg@contoso.com").unwrap();
        assert!(found(&gz.finish().unwrap()));
        assert!(found(&zlib(b"owner anna.berg@contoso.com")));
        let mut png = PNG_SIGNATURE.to_vec();
        let mut body = b"Author\0\0".to_vec();
        body.extend(zlib(b"anna.berg@contoso.com"));
        png.extend((body.len() as u32).to_be_bytes());
        png.extend(b"zTXt");
        png.extend(&body);
        png.extend([0; 4]);
        assert!(found(&png));
        let utf32: Vec<u8> = "<a>anna.berg@contoso.com</a>"
            .chars()
            .flat_map(|c| (c as u32).to_le_bytes())
            .collect();
        assert!(found(&utf32));
        assert!(!found(&zlib(b"nothing to see")));
        // A zip in a zip in ... deeper than searched.
        let mut data = zlib(b"nothing here either");
        for _ in 0..=MAX_DEPTH {
            let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
            zip.start_file("inner", zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(&data).unwrap();
            data = zip.finish().unwrap().into_inner();
        }
        assert_eq!(
            binary_readings(&data, None).unsearched,
            Some(Unsearched::TooDeep)
        );
    }

    #[test]
    fn words_and_other_values_are_not_decoded_into_hits() {
        let needles = Needles::new(&["Anna Berg"]);
        let other = STANDARD.encode("Reviewer: Ben Ode");
        let text = format!(
            "<a>internalemailaddress ModifiedOnBehalfBy http://schemas.openxmlformats.org/x {other}</a>"
        );
        assert!(!found(&needles, text.as_bytes()));
        assert!(base64_runs(b"internalemailaddress shortRun12").is_empty());
        // Random bytes (an image) are no text.
        let mut rng = fastrand::Rng::with_seed(7);
        let noise: Vec<u8> = (0..4096).map(|_| rng.u8(..)).collect();
        let text = format!("<icon>{}</icon>", STANDARD.encode(noise));
        assert_eq!(base64_runs(text.as_bytes()).len(), 1);
        assert!(base64_texts(text.as_bytes(), 0).is_empty());
    }
}
