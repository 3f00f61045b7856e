//! Values hidden in base64: an add-in's setting, a custom XML item or an embedded blob may hold
//! a removed value encoded, where no text search sees it. Runs of base64 characters are decoded
//! and the bytes searched as text (UTF-8, UTF-16LE or Latin-1) or, when they are a package or a
//! compound file, as binary data is (see [`binary_texts`]).
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
    base64_runs(text)
        .iter()
        .flat_map(|bytes| decoded_texts(bytes, depth + 1))
        .collect()
}

/// What decoded base64 holds: a package or compound file (read as binary data is, see
/// [`binary_texts`]), or text in UTF-8, UTF-16LE or Latin-1, whichever it is.
/// Bytes that are none of these (an image, encrypted data) are not read as text: random bytes
/// seen as Latin-1 spell short names by chance, and a large export removes thousands.
fn decoded_texts(bytes: &[u8], depth: u8) -> Vec<(String, Reading)> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(CFB_SIGNATURE) {
        return binary_texts(bytes, depth);
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
        out.extend(base64_readings(text.as_bytes(), depth));
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

/// How a text that [`binary_texts`] returns was read.
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

/// The encoding an XML declaration at the start of `data` names, when an encoding by that
/// name is known (see the WHATWG encoding labels: `ISO-8859-1` reads as `windows-1252`).
fn declared_encoding(data: &[u8]) -> Option<&'static encoding_rs::Encoding> {
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
    let label = &value[..memchr::memchr(quote, value)?];
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

/// [`decode_text`] for the encodings of Unicode: UTF-8, or UTF-16 by its byte order mark or
/// how XML starts.
fn decode_unicode(data: &[u8]) -> Option<std::borrow::Cow<'_, str>> {
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

/// The texts binary data may hold: as UTF-8, as UTF-16LE (Office's binary formats, VBA
/// projects, printer settings) and as Latin-1, XML escaping undone; the decompressed source of
/// a VBA project's modules (see [`super::macros::project_texts`]); and, to `depth` 2, the
/// texts of its base64 runs (see [`base64_readings`]) and the parts of a zip inside it (an
/// embedded workbook). Each says whether it is text or bytes read as text (see [`Reading`]):
/// a reading is text when the whole of `data` is text in that encoding (no control characters
/// but white space, which binary data is full of).
pub(crate) fn binary_texts(data: &[u8], depth: u8) -> Vec<(String, Reading)> {
    let project = data
        .starts_with(CFB_SIGNATURE)
        .then(|| super::macros::project_texts(data))
        .flatten();
    binary_texts_with(data, depth, project)
}

/// [`binary_texts`], given the texts of `data` as a VBA project when it is one (already read).
pub(crate) fn binary_texts_with(
    data: &[u8],
    depth: u8,
    project: Option<Vec<String>>,
) -> Vec<(String, Reading)> {
    let unescape = |text: String| {
        quick_xml::escape::unescape(&text)
            .map(|t| t.into_owned())
            .unwrap_or(text)
    };
    let utf8_text = std::str::from_utf8(data).is_ok_and(is_text);
    let utf16_text = !utf8_text && utf16_text(data).is_some();
    let as_read = |text: bool| if text { Reading::Text } else { Reading::Bytes };
    let mut out = vec![(
        unescape(String::from_utf8_lossy(data).into_owned()),
        as_read(utf8_text),
    )];
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
    if depth < 2 {
        out.extend(base64_readings(data, depth));
    }
    if let Some(texts) = project {
        out.extend(texts.into_iter().map(|t| (t, Reading::Text)));
    }
    if depth < 2 && data.starts_with(b"PK\x03\x04") {
        if let Ok(mut zip) = ZipArchive::new(Cursor::new(data)) {
            for i in 0..zip.len() {
                let Ok(mut entry) = zip.by_index(i) else {
                    continue;
                };
                let mut inner = Vec::new();
                // At most 64 MiB of one embedded part: a bomb is not worth reading whole.
                if (&mut entry).take(64 << 20).read_to_end(&mut inner).is_ok() {
                    out.extend(binary_texts(&inner, depth + 1));
                }
            }
        }
    }
    out
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
