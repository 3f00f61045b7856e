//! Values hidden in base64: an add-in's setting, a custom XML item or an embedded blob may hold
//! a removed value encoded, where no text search sees it. Runs of base64 characters are decoded
//! and the bytes searched as text (UTF-8, UTF-16LE or Latin-1) or, when they are a package or a
//! compound file, as binary data is (see [`binary_readings`]).
//!
//! Only parts outside the worksheets are searched so: a Dynamics export's row checksums are
//! base64 in every row's cells, and decoding them finds nothing but costs time.

mod ole;
mod pdf;

use crate::needles::Needles;
use base64::engine::general_purpose::{GeneralPurpose, NO_PAD_INDIFFERENT};
use base64::Engine;
use std::io::{Cursor, Read};
use std::ops::Range;
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
    /// Data inside it that cannot be decoded: a damaged or encrypted container (a compound
    /// file, a zip, an encrypted zip entry or PDF), or one compressed or encoded in a way that
    /// is not read (a zip entry's Zstandard or PPMd, an unknown PDF filter).
    Undecodable,
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
            Unsearched::Undecodable => {
                "it holds data dsr-scrub cannot decode (a damaged or encrypted container or PDF, or a compression or PDF filter it does not read)"
            }
        }
    }

    /// What the user can do about it.
    pub fn todo(self) -> &'static str {
        match self {
            Unsearched::TooDeep | Unsearched::TooLarge | Unsearched::Undecodable => {
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
/// [`base64_readings`]); and, to [`MAX_DEPTH`], what is compressed or packed inside it,
/// decoded: the parts of a zip (an embedded workbook; entries deflated, bzip2, LZMA or xz
/// compressed), a gzip member (an `.emz` picture), a zlib stream, bzip2, xz and `.lzma` data,
/// the streams of a compound file (an OLE object; an OLE Package's embedded file unwrapped), a
/// PDF's strings and streams (see [`pdf`]), and PNG images' compressed text chunks (`zTXt`,
/// `iTXt`: a description, XMP metadata) wherever a PNG starts (an icon holds them); and, in
/// data that is none of these, gzip members and zlib streams that start after a header of
/// another format's (see [`Walk::scan`]). A Zstandard frame, which is not decoded, cannot be
/// searched.
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

/// `data` read as quoted-printable (an email's body, `.eml`, MIME parts): its soft line breaks
/// (`=` at a line's end) joined, and its `=XX` escapes decoded, so that a value a line break
/// split (`Karim Al-=\r\nFarsi`) or written in escapes (`Zo=C3=AB`) reads whole. `None` when
/// it has no soft line break (a text that is not quoted-printable is left to the other
/// readings).
fn quoted_printable(data: &[u8]) -> Option<Vec<u8>> {
    memchr::memmem::find(data, b"=\n").or_else(|| memchr::memmem::find(data, b"=\r\n"))?;
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        if data[i] != b'=' {
            out.push(data[i]);
            i += 1;
            continue;
        }
        match (data.get(i + 1), data.get(i + 2)) {
            (Some(b'\n'), _) => i += 2,
            (Some(b'\r'), Some(b'\n')) => i += 3,
            (Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h)? * 16 + hex(l)?) as u8);
                i += 3;
            }
            _ => {
                out.push(b'=');
                i += 1;
            }
        }
    }
    Some(out)
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

/// The most bytes of a part read by decoders tried where a signature shows compressed data
/// may start inside it (see [`Walk::scan`]): so a part made of signatures, each taken as a
/// stream running to its end, costs time in proportion to its size.
const MAX_SCANNED: u64 = 256 << 20;

/// One search through a part's containers: the bytes it may still inflate, and what it could
/// not search.
struct Walk {
    budget: u64,
    scanned: u64,
    unsearched: Option<Unsearched>,
}

impl Walk {
    fn new() -> Walk {
        Walk {
            budget: MAX_INFLATED,
            scanned: 0,
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
        let limit = self.limit(packed);
        let mut out = Vec::new();
        let _ = (&mut reader).take(limit + 1).read_to_end(&mut out);
        if out.len() as u64 > limit {
            self.give_up(Unsearched::TooLarge);
            return None;
        }
        self.budget -= out.len() as u64;
        (!out.is_empty()).then_some(out)
    }

    /// The most `packed` bytes may inflate to: [`MAX_RATIO`] times as many (1 MiB at least),
    /// within what is left of [`MAX_INFLATED`].
    fn limit(&self, packed: u64) -> u64 {
        (packed.saturating_mul(MAX_RATIO))
            .max(1 << 20)
            .min(self.budget)
    }

    /// A stream found by its signature inside a part, decoded by `reader` (`packed` bytes
    /// from its start to the part's end): what it inflates to within the limits (see
    /// [`Walk::inflate`]) when it ends cleanly, or with `partial` also what came before an
    /// error. What it inflated counts against [`MAX_INFLATED`], kept or not.
    fn tentative(&mut self, reader: &mut impl Read, packed: u64, partial: bool) -> Option<Vec<u8>> {
        let limit = self.limit(packed);
        let mut out = Vec::new();
        let clean = reader.take(limit + 1).read_to_end(&mut out).is_ok();
        if out.len() as u64 > limit {
            self.give_up(Unsearched::TooLarge);
            return None;
        }
        self.budget -= out.len() as u64;
        (clean || partial).then_some(out).filter(|o| !o.is_empty())
    }

    /// Gzip members and zlib streams inside `data` (data of no other kind, not text) that do
    /// not start it, as other formats hold them after a header of their own; not those in
    /// `pngs` (a PNG's image data is a zlib stream of pixels). A gzip member is known by its
    /// signature (`1F 8B 08` and flags), and what it inflates to before any error is searched,
    /// as at the start of a part; a zlib stream by its two-byte header, and only one that
    /// ends cleanly (its checksum right) is searched: two bytes match by chance every 16 KiB
    /// of an image, and what such a match inflates to is noise. Deflate data without a header
    /// (no signature) is tried at the start, and searched when it ends cleanly with the part.
    /// The bytes read
    /// so count against [`MAX_SCANNED`].
    fn scan(
        &mut self,
        data: &[u8],
        depth: u8,
        out: &mut Vec<(String, Reading)>,
        pngs: &[Range<usize>],
    ) {
        let in_png = |at: usize| pngs.iter().any(|r| r.contains(&at));
        // Deflate without a header, the whole part: it has no signature (nor a checksum), so
        // it is taken for one only when it ends where the part does.
        if !in_png(0) {
            let mut stream = flate2::bufread::DeflateDecoder::new(data);
            let inner = self.tentative(&mut stream, data.len() as u64, false);
            let left = stream.get_ref().len();
            self.scanned += (data.len() - left) as u64;
            if let Some(inner) = inner.filter(|_| left <= 8) {
                self.inner(&inner, depth, out);
            }
        }
        let gzip = |walk: &mut Walk, from: &[u8]| {
            let mut member = flate2::bufread::GzDecoder::new(from);
            let inner = walk.tentative(&mut member, from.len() as u64, true);
            (inner, from.len() - member.get_ref().len())
        };
        // The flags' reserved bits are 0.
        let not_gzip = |at: usize| in_png(at) || data.get(at + 3).is_some_and(|f| f & 0xE0 != 0);
        let gzip_starts = memchr::memmem::find_iter(data, GZIP_MAGIC);
        if !self.scan_streams(data, gzip_starts, not_gzip, gzip, depth, out) {
            return;
        }
        let zlib = |walk: &mut Walk, from: &[u8]| {
            let mut stream = flate2::bufread::ZlibDecoder::new(from);
            let inner = walk.tentative(&mut stream, from.len() as u64, false);
            (inner, from.len() - stream.get_ref().len())
        };
        let not_zlib = |at: usize| !is_zlib(&data[at..]) || in_png(at);
        let zlib_starts = memchr::memchr_iter(0x78, data);
        self.scan_streams(data, zlib_starts, not_zlib, zlib, depth, out);
    }

    /// The streams of one kind inside `data` (see [`Walk::scan`]): tried at each of `starts`
    /// but inside a stream found already or where `skip` says, each by `decode` (what it
    /// inflated, and how many bytes from its start it read), and what they inflate to
    /// searched. `false` once the decoders may read no more (see [`MAX_SCANNED`]).
    fn scan_streams(
        &mut self,
        data: &[u8],
        starts: impl Iterator<Item = usize>,
        skip: impl Fn(usize) -> bool,
        decode: impl Fn(&mut Walk, &[u8]) -> (Option<Vec<u8>>, usize),
        depth: u8,
        out: &mut Vec<(String, Reading)>,
    ) -> bool {
        let mut next = 1;
        for at in starts {
            if at < next || skip(at) {
                continue;
            }
            if !self.scanning() {
                return false;
            }
            let (inner, used) = decode(self, &data[at..]);
            self.scanned += used as u64;
            if let Some(inner) = inner {
                next = at + used.max(1);
                self.inner(&inner, depth, out);
            }
        }
        true
    }

    /// Whether the decoders tried inside a part may read more (see [`MAX_SCANNED`]); when
    /// not, the part cannot be searched (noted).
    fn scanning(&mut self) -> bool {
        if self.scanned > MAX_SCANNED {
            self.give_up(Unsearched::TooLarge);
        }
        self.scanned <= MAX_SCANNED && self.unsearched != Some(Unsearched::TooLarge)
    }

    /// The PNG images in `data`, wherever they start (a picture's own, the images of an icon,
    /// one inside another format): their compressed text chunks inflated and searched. The
    /// ranges of `data` they take.
    fn pngs(
        &mut self,
        data: &[u8],
        depth: u8,
        out: &mut Vec<(String, Reading)>,
    ) -> Vec<Range<usize>> {
        let mut ranges: Vec<Range<usize>> = Vec::new();
        for at in memchr::memmem::find_iter(data, PNG_SIGNATURE) {
            if ranges.last().is_some_and(|r| at < r.end) {
                continue;
            }
            let (texts, len) = png_compressed_texts(&data[at..]);
            for text in texts {
                let packed = text.len() as u64;
                // zlib, or deflate without its header, which some writers leave out.
                let inner = if is_zlib(text) {
                    self.inflate(flate2::read::ZlibDecoder::new(text), packed)
                } else {
                    self.inflate(flate2::read::DeflateDecoder::new(text), packed)
                };
                if let Some(inner) = inner {
                    self.inner(&inner, depth, out);
                }
            }
            ranges.push(at..at + len);
        }
        ranges
    }

    /// The streams of a compound file, each searched as binary data one level deeper; an OLE
    /// Package's embedded file apart from the label and paths around it. A file that cannot
    /// be read is noted.
    fn compound(&mut self, data: &[u8], depth: u8, out: &mut Vec<(String, Reading)>) {
        let ole::Streams::Read(streams) = ole::streams(data) else {
            self.give_up(Unsearched::Undecodable);
            return;
        };
        if streams.is_empty() {
            return;
        }
        if depth >= MAX_DEPTH {
            self.give_up(Unsearched::TooDeep);
            return;
        }
        let mut search = |walk: &mut Walk, bytes: &[u8]| {
            walk.binary(bytes, depth + 1, project_of(bytes), out);
        };
        for (name, bytes) in &streams {
            match (name == ole::OLE10_NATIVE)
                .then(|| ole::ole10_native(bytes))
                .flatten()
            {
                Some((file, rest)) => {
                    search(self, &rest);
                    search(self, file);
                }
                None => search(self, bytes),
            }
        }
    }

    /// A PDF's strings (outside its streams) and its streams, decoded through their filters:
    /// each stream's strings, and its data searched as binary data one level deeper (an
    /// attached file in it is walked so). Not an image's pixels. An encrypted PDF, or a
    /// stream with a filter that is not read, is noted.
    fn pdf(&mut self, data: &[u8], depth: u8, out: &mut Vec<(String, Reading)>) {
        let reading = |text: bool| if text { Reading::Text } else { Reading::Bytes };
        if pdf::is_encrypted(data) {
            self.give_up(Unsearched::Undecodable);
            return;
        }
        let streams = pdf::streams(data);
        let base = data.as_ptr() as usize;
        let ranges: Vec<Range<usize>> = (streams.iter())
            .map(|s| {
                let start = s.data.as_ptr() as usize - base;
                start..start + s.data.len()
            })
            .collect();
        out.extend(
            pdf::texts(data, &ranges)
                .into_iter()
                .map(|(t, text)| (t, reading(text))),
        );
        for stream in streams.iter().filter(|s| !s.is_image()) {
            let Some(decoded) = self.pdf_stream(stream) else {
                continue;
            };
            if depth >= MAX_DEPTH {
                self.give_up(Unsearched::TooDeep);
                return;
            }
            out.extend(
                pdf::texts(&decoded, &[])
                    .into_iter()
                    .map(|(t, text)| (t, reading(text))),
            );
            self.inner(&decoded, depth, out);
        }
    }

    /// A PDF stream's data through its filters, within the limits, up to an image's filter
    /// (a JPEG's bytes are searched with the PDF's); `None` when it decodes to nothing or
    /// cannot be decoded (noted).
    fn pdf_stream(&mut self, stream: &pdf::Stream) -> Option<Vec<u8>> {
        let mut data = stream.data.to_vec();
        for filter in stream.filters() {
            if pdf::is_image_filter(filter) {
                break;
            }
            let packed = data.len() as u64;
            data = if pdf::is_flate(filter) {
                // zlib, or deflate without its header as some writers leave it.
                if is_zlib(&data) {
                    self.inflate(flate2::read::ZlibDecoder::new(&data[..]), packed)?
                } else {
                    self.inflate(flate2::read::DeflateDecoder::new(&data[..]), packed)?
                }
            } else {
                let limit = self.limit(packed);
                match pdf::decode(filter, &data, usize::try_from(limit).unwrap_or(usize::MAX)) {
                    None => {
                        self.give_up(Unsearched::Undecodable);
                        return None;
                    }
                    Some(Err(pdf::Undecoded::TooLarge)) => {
                        self.give_up(Unsearched::TooLarge);
                        return None;
                    }
                    Some(Ok(decoded)) => {
                        self.budget -= decoded.len() as u64;
                        decoded
                    }
                }
            };
        }
        (!data.is_empty()).then_some(data)
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
        if utf8_text {
            if let Some(plain) = quoted_printable(data) {
                out.push((
                    unescape(String::from_utf8_lossy(&plain).into_owned()),
                    Reading::Text,
                ));
            }
        }
        if depth < 2 {
            self.base64(data, depth, out);
        }
        if let Some(texts) = project {
            out.extend(texts.into_iter().map(|t| (t, Reading::Text)));
        }
        let packed = data.len() as u64;
        let mut decompressed = |walk: &mut Walk, reader: &mut dyn Read| {
            if let Some(inner) = walk.inflate(reader, packed) {
                walk.inner(&inner, depth, out);
                true
            } else {
                false
            }
        };
        // Each container walks its own pieces; data of no known kind is searched for them.
        let known = if data.starts_with(b"PK\x03\x04") {
            self.zip(data, depth, out);
            true
        } else if data.starts_with(GZIP_MAGIC) {
            decompressed(self, &mut flate2::read::MultiGzDecoder::new(data));
            true
        } else if is_zlib(data) {
            decompressed(self, &mut flate2::read::ZlibDecoder::new(data));
            true
        } else if is_bzip2(data) {
            decompressed(self, &mut bzip2::read::MultiBzDecoder::new(data));
            true
        } else if data.starts_with(XZ_MAGIC) {
            decompressed(self, &mut lzma_rust2::XzReader::new(data, true));
            true
        } else if is_lzma_alone(data) {
            // No signature: only what decodes is taken for one.
            lzma_rust2::LzmaReader::new_mem_limit(data, u32::MAX, None)
                .is_ok_and(|mut reader| decompressed(self, &mut reader))
        } else if data.starts_with(ZSTD_MAGIC) {
            // No decoder is built in: a Zstandard frame cannot be searched.
            self.give_up(Unsearched::Undecodable);
            true
        } else if data.starts_with(CFB_SIGNATURE) {
            self.compound(data, depth, out);
            true
        } else if pdf::is_pdf(data) {
            self.pdf(data, depth, out);
            true
        } else {
            false
        };
        if !known {
            let pngs = self.pngs(data, depth, out);
            if !utf8_text && !utf16_text {
                self.scan(data, depth, out, &pngs);
            }
        }
    }

    /// The parts of a zip inside a part, each searched as binary data one level deeper.
    /// A zip that cannot be opened, or an entry that cannot be read (encrypted, compressed
    /// by a method not read, damaged), is noted.
    fn zip(&mut self, data: &[u8], depth: u8, out: &mut Vec<(String, Reading)>) {
        let Ok(mut zip) = ZipArchive::new(Cursor::new(data)) else {
            self.give_up(Unsearched::Undecodable);
            return;
        };
        if depth >= MAX_DEPTH && !zip.is_empty() {
            self.give_up(Unsearched::TooDeep);
            return;
        }
        for i in 0..zip.len() {
            let Ok(entry) = zip.by_index(i) else {
                self.give_up(Unsearched::Undecodable);
                continue;
            };
            // A method not read (Zstandard, PPMd, the legacy ones) errs only once read.
            use zip::CompressionMethod as M;
            let read = matches!(
                entry.compression(),
                M::Stored | M::Deflated | M::Deflate64 | M::Bzip2 | M::Lzma | M::Xz
            );
            if entry.encrypted() || !read {
                self.give_up(Unsearched::Undecodable);
                continue;
            }
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

/// The first bytes of an xz stream.
const XZ_MAGIC: &[u8] = b"\xFD7zXZ\x00";

/// The first bytes of a Zstandard frame.
const ZSTD_MAGIC: &[u8] = b"\x28\xB5\x2F\xFD";

/// Whether `data` starts as bzip2 data does: `BZh`, the block size, and a block's (or, empty,
/// the end's) signature.
fn is_bzip2(data: &[u8]) -> bool {
    matches!(data, [b'B', b'Z', b'h', b'1'..=b'9', rest @ ..]
        if rest.starts_with(b"\x31\x41\x59\x26\x53\x59") || rest.starts_with(b"\x17\x72\x45\x38\x50\x90"))
}

/// Whether `data` may be `.lzma` data (LZMA "alone", which has no signature): a properties
/// byte in range, a dictionary size that encoders write (2^n or 2^n + 2^(n-1), 4 KiB at
/// least), an unpacked size unknown or below 1 TiB, and the range coder's first byte, 0.
fn is_lzma_alone(data: &[u8]) -> bool {
    let Some(head) = data.get(..14) else {
        return false;
    };
    let dict = u32::from_le_bytes([head[1], head[2], head[3], head[4]]);
    let size = u64::from_le_bytes([
        head[5], head[6], head[7], head[8], head[9], head[10], head[11], head[12],
    ]);
    let shift = dict.trailing_zeros();
    let usual = dict >= 4096 && (dict == 1 << shift || dict == 3 << shift);
    head[0] < 225 && usual && (size == u64::MAX || size < 1 << 40) && head[13] == 0
}

/// Whether `data` starts as a zlib stream does: deflate with a 32 KiB window (`78`), and the
/// header's check bits right.
fn is_zlib(data: &[u8]) -> bool {
    matches!(data, [0x78, flags, _, ..] if (0x7800u16 | u16::from(*flags)).is_multiple_of(31) && flags & 0x20 == 0)
}

/// The compressed texts of a PNG image's chunks: a `zTXt` chunk's, and an `iTXt` chunk's when
/// its compression flag is set (each a zlib stream). The chunks are read by their lengths, to
/// its `IEND` chunk, the end of the data or the first chunk that does not fit; with the length
/// of the image so read.
fn png_compressed_texts(data: &[u8]) -> (Vec<&[u8]>, usize) {
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
        if kind == b"IEND" {
            break;
        }
    }
    (out, at.min(data.len()))
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
    use crate::testdata::ole::compound;
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

    fn zlib(data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(data).unwrap();
        z.finish().unwrap()
    }

    fn raw_deflate(data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(data).unwrap();
        z.finish().unwrap()
    }

    /// A zip of one entry, `name`, compressed by `method`.
    fn zip_of(name: &str, data: &[u8], method: zip::CompressionMethod) -> Vec<u8> {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        zip.start_file(name, options).unwrap();
        zip.write_all(data).unwrap();
        zip.finish().unwrap().into_inner()
    }

    /// A zip of one entry, `name`, its data `packed` by `method` from `size` bytes with CRC
    /// `crc`: the zip crate writes no LZMA.
    fn raw_zip(name: &str, method: u16, packed: &[u8], crc: u32, size: u32) -> Vec<u8> {
        let head = |signature: &[u8], central: bool| {
            let mut h = signature.to_vec();
            if central {
                h.extend(20u16.to_le_bytes());
            }
            h.extend(63u16.to_le_bytes());
            h.extend(0u16.to_le_bytes());
            h.extend(method.to_le_bytes());
            h.extend([0; 4]);
            h.extend(crc.to_le_bytes());
            h.extend((packed.len() as u32).to_le_bytes());
            h.extend(size.to_le_bytes());
            h.extend((name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes());
            if central {
                // comment length, disk, attributes, the local header's offset (0)
                h.extend([0; 14]);
            }
            h.extend(name.bytes());
            h
        };
        let mut out = head(b"PK\x03\x04", false);
        out.extend(packed);
        let directory = out.len() as u32;
        out.extend(head(b"PK\x01\x02", true));
        let directory_len = out.len() as u32 - directory;
        out.extend(b"PK\x05\x06\0\0\0\0\x01\0\x01\0");
        out.extend(directory_len.to_le_bytes());
        out.extend(directory.to_le_bytes());
        out.extend([0, 0]);
        out
    }

    /// Whether the email is found in `data`, and what of it could not be searched.
    fn search(data: &[u8]) -> (bool, Option<Unsearched>) {
        let needles = Needles::new(&["anna.berg@contoso.com", "Anna Berg"]);
        let readings = binary_readings(data, project_of(data));
        let found = readings.texts.iter().any(|(t, r)| r.hit(&needles, t));
        (found, readings.unsearched)
    }

    const DOCUMENT: &[u8] = b"<w:document><w:t>anna.berg@contoso.com</w:t></w:document>";

    /// An OLE object's streams are read whole: an OLE Package's embedded file (its
    /// `\x01Ole10Native` stream unwrapped), a `Package` stream's document, a small stream's
    /// compressed data (in the mini stream's 64-byte pieces). A damaged compound file cannot be
    /// searched.
    #[test]
    fn the_streams_of_a_compound_file_are_searched() {
        let docx = zip_of(
            "word/document.xml",
            DOCUMENT,
            zip::CompressionMethod::Deflated,
        );
        let native = crate::testdata::ole::ole10_native("notes.docx", &docx);
        for (name, bytes) in [
            (ole::OLE10_NATIVE, &native[..]),
            ("Package", &docx[..]),
            ("CONTENTS", &zlib(b"owner anna.berg@contoso.com")[..]),
        ] {
            let data = compound(&[("\u{1}CompObj", b"\x01\xFE\0\0"), (name, bytes)]);
            assert_eq!(search(&data), (true, None), "{name:?}");
        }
        let clean = compound(&[(
            ole::OLE10_NATIVE,
            &crate::testdata::ole::ole10_native("a.txt", b"nothing"),
        )]);
        assert_eq!(search(&clean), (false, None));
        let mut damaged = clean.clone();
        damaged[0x30..0x34].copy_from_slice(&[0xEE; 4]);
        assert_eq!(search(&damaged).1, Some(Unsearched::Undecodable));
    }

    /// Quoted-printable text (an `.eml`'s body, embedded as an OLE Package) is read with its
    /// soft line breaks joined and its escapes decoded.
    #[test]
    fn quoted_printable_text_is_read_whole() {
        let eml = b"Content-Transfer-Encoding: quoted-printable\r\n\r\nabout Karim Al-=\r\nFarsi, =\nZo=C3=AB M=C3=BCller; a=3Db\r\n";
        let texts = |data: &[u8]| -> Vec<String> {
            binary_readings(data, None)
                .texts
                .into_iter()
                .map(|(t, _)| t)
                .collect()
        };
        let read = texts(eml);
        assert!(
            read.iter()
                .any(|t| t.contains("Karim Al-Farsi, Zoë Müller; a=b")),
            "{read:?}"
        );
        let package = compound(&[(
            ole::OLE10_NATIVE,
            &crate::testdata::ole::ole10_native("handover.eml", eml),
        )]);
        assert!(texts(&package).iter().any(|t| t.contains("Karim Al-Farsi")));
        // No soft line break: not read so (`=C3` in other text is no escape).
        assert!(quoted_printable(b"x=C3=AB y").is_none());
        assert_eq!(
            quoted_printable(b"a=\nb = c=4").as_deref(),
            Some(&b"ab = c=4"[..])
        );
    }

    /// Compressed data after a header of another format's: a gzip member, a zlib stream; a PNG
    /// inside another file (an icon). Noise is not taken for them, and a large image costs
    /// little.
    #[test]
    fn compressed_data_inside_a_part_is_found() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"anna.berg@contoso.com").unwrap();
        let gz = gz.finish().unwrap();
        let mut png = PNG_SIGNATURE.to_vec();
        let mut body = b"Comment\0\0".to_vec();
        body.extend(zlib(b"anna.berg@contoso.com"));
        png.extend((body.len() as u32).to_be_bytes());
        png.extend(b"zTXt");
        png.extend(&body);
        png.extend([0; 4]);
        png.extend(b"\0\0\0\0IEND\xAE\x42\x60\x82");
        let mut ico = vec![0, 0, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 32, 0];
        ico.extend((png.len() as u32).to_le_bytes());
        ico.extend(22u32.to_le_bytes());
        ico.extend(&png);
        for (i, data) in [
            [&b"HDR\0".repeat(4)[..], &gz].concat(),
            [
                &b"\x02\x00\x00\x00\xFF"[..],
                &zlib(b"owner anna.berg@contoso.com"),
            ]
            .concat(),
            ico,
            raw_deflate(b"owner anna.berg@contoso.com"),
        ]
        .iter()
        .enumerate()
        {
            assert_eq!(search(data), (true, None), "case {i}");
        }
        let mut rng = fastrand::Rng::with_seed(11);
        let mut noise: Vec<u8> = (0..4 << 20).map(|_| rng.u8(..)).collect();
        noise[..3].copy_from_slice(b"\xFF\xD8\xFF");
        assert_eq!(search(&noise), (false, None));
        // Four megabytes of noise hold about 250 chance zlib headers, each tried: quickly.
        let start = std::time::Instant::now();
        let mut texts = Vec::new();
        Walk::new().scan(&noise, 0, &mut texts, &[]);
        assert!(
            start.elapsed() < std::time::Duration::from_secs(1),
            "{:?}",
            start.elapsed()
        );
        assert!(texts.is_empty());
        // A part made of signatures, each read as a stream to its end, stops at the limit.
        let stored = {
            let mut z = vec![0x78, 0x01];
            for _ in 0..(1 << 20) {
                z.extend([0x00, 0x00, 0x00, 0xFF, 0xFF, 0x78, 0x01]);
            }
            z
        };
        let start = std::time::Instant::now();
        let _ = search(&[&b"header"[..], &stored].concat());
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "{:?}",
            start.elapsed()
        );
    }

    /// A PDF's strings (a hex UTF-16 author, text shown in pieces) and its streams, decoded
    /// through their filters; an encrypted PDF, or a filter that is not read, cannot be
    /// searched.
    #[test]
    fn a_pdf_is_searched() {
        let pdf = |objects: &[Vec<u8>]| {
            let mut out = b"%PDF-1.7\n".to_vec();
            for (i, object) in objects.iter().enumerate() {
                out.extend(format!("{} 0 obj\n", i + 1).bytes());
                out.extend(object);
                out.extend(b"\nendobj\n");
            }
            out.extend(b"trailer\n<< /Root 1 0 R >>\n%%EOF\n");
            out
        };
        let stream = |dict: &str, data: &[u8]| {
            let mut out = format!("<< /Length {} {dict} >>\nstream\n", data.len()).into_bytes();
            out.extend(data);
            out.extend(b"\nendstream");
            out
        };
        let hex: String = "Anna Berg"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .map(|b| format!("{b:02X}"))
            .collect();
        let split = b"BT /F1 12 Tf [(anna.be) -20 (rg@contoso.com)] TJ ET";
        let a85 = |data: &[u8]| {
            let mut out = String::from("<~");
            for chunk in data.chunks(4) {
                let mut word = [0u8; 4];
                word[..chunk.len()].copy_from_slice(chunk);
                let mut value = u32::from_be_bytes(word);
                let mut digits = [0u8; 5];
                for d in digits.iter_mut().rev() {
                    *d = (value % 85) as u8 + b'!';
                    value /= 85;
                }
                out.push_str(std::str::from_utf8(&digits[..chunk.len() + 1]).unwrap());
            }
            out + "~>"
        };
        let attached = zip_of(
            "word/document.xml",
            DOCUMENT,
            zip::CompressionMethod::Deflated,
        );
        for (i, data) in [
            pdf(&[format!("<< /Author <FEFF{hex}> >>").into_bytes()]),
            pdf(&[stream("/Filter /FlateDecode", &zlib(split))]),
            pdf(&[stream(
                "/Filter [/ASCII85Decode /FlateDecode]",
                a85(&zlib(split)).as_bytes(),
            )]),
            pdf(&[stream(
                "/Type /EmbeddedFile /Filter /FlateDecode",
                &zlib(&attached),
            )]),
            pdf(&[stream("", split)]),
        ]
        .iter()
        .enumerate()
        {
            assert_eq!(search(data), (true, None), "case {i}");
        }
        let clean = pdf(&[stream("/Filter /FlateDecode", &zlib(b"BT (Nothing) Tj ET"))]);
        assert_eq!(search(&clean), (false, None));
        // An image's pixels are not inflated.
        let image = pdf(&[stream(
            "/Subtype /Image /Filter /FlateDecode",
            &zlib(&[0; 4 << 20]),
        )]);
        assert_eq!(search(&image), (false, None));
        let encrypted = [&clean[..], b"trailer << /Encrypt 5 0 R >>"].concat();
        let unknown = pdf(&[stream("/Filter /JBIG3Decode", b"...")]);
        let crypt = pdf(&[stream("/Filter /Crypt", b"...")]);
        for data in [encrypted, unknown, crypt] {
            assert_eq!(search(&data).1, Some(Unsearched::Undecodable));
        }
    }

    /// bzip2, xz and `.lzma` data, and zip entries so compressed, are decompressed; a zip
    /// entry compressed by a method that is not read cannot be searched.
    #[test]
    fn other_compressions_are_read() {
        use std::io::Write;
        let text = b"owner anna.berg@contoso.com";
        let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        bz.write_all(text).unwrap();
        let bz = bz.finish().unwrap();
        let mut xz =
            lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(6)).unwrap();
        xz.write_all(text).unwrap();
        let xz = xz.finish().unwrap();
        let options = lzma_rust2::LzmaOptions::default();
        let mut lzma = lzma_rust2::LzmaWriter::new_use_header(Vec::new(), &options, None).unwrap();
        lzma.write_all(text).unwrap();
        let lzma = lzma.finish().unwrap();
        assert!(is_lzma_alone(&lzma));
        // In a zip: a version, the properties' size, the properties, the data (its size is the
        // entry's).
        let mut in_zip = vec![0x10, 0x02, 5, 0];
        in_zip.extend(&lzma[..5]);
        in_zip.extend(&lzma[13..]);
        let crc = crc32fast::hash(text);
        let size = text.len() as u32;
        for (i, data) in [
            bz,
            xz.clone(),
            lzma.clone(),
            zip_of("a.txt", text, zip::CompressionMethod::Bzip2),
            raw_zip("a.txt", 14, &in_zip, crc, size),
            raw_zip("a.txt", 95, &xz, crc, size),
        ]
        .iter()
        .enumerate()
        {
            assert_eq!(search(data), (true, None), "case {i}");
        }
        // Zstandard (93), PPMd (98).
        for method in [93, 98] {
            let zip = raw_zip("a.txt", method, text, crc, size);
            assert_eq!(search(&zip).1, Some(Unsearched::Undecodable), "{method}");
        }
        // A Zstandard frame (one raw block of the text), alone and inside gzip: not decoded,
        // so not searched, though its text shows here.
        let mut frame = b"\x28\xB5\x2F\xFD\x20".to_vec();
        frame.push(text.len() as u8);
        frame.extend(&((text.len() as u32) << 3 | 1).to_le_bytes()[..3]);
        frame.extend(text);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&frame).unwrap();
        for data in [frame.clone(), gz.finish().unwrap()] {
            assert_eq!(search(&data).1, Some(Unsearched::Undecodable));
        }
    }

    /// Damaged containers of every kind are no panic.
    #[test]
    fn damaged_containers_do_not_panic() {
        let mut rng = fastrand::Rng::with_seed(5);
        let heads: [&[u8]; 7] = [
            CFB_SIGNATURE,
            b"%PDF-1.4\n1 0 obj<</Filter[/LZW /RL /AHx /A85 /Fl]>>stream\n",
            b"BZh91AY&SY",
            XZ_MAGIC,
            b"\x5D\0\0\x10\0\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\0",
            PNG_SIGNATURE,
            b"PK\x03\x04",
        ];
        for head in heads {
            for _ in 0..50 {
                let mut data = head.to_vec();
                data.extend((0..rng.usize(..2000)).map(|_| rng.u8(..)));
                let _ = binary_readings(&data, None);
            }
        }
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
