//! Values hidden in base64: an add-in's setting, a custom XML item or an embedded blob may hold
//! a removed value encoded, where no text search sees it. Runs of base64 characters are decoded
//! and the bytes searched as text (UTF-8, UTF-16LE or Latin-1) or, when they are a package or a
//! compound file, as binary data is (see [`super::leaks::binary_texts`]).
//!
//! Only parts outside the worksheets are searched so: a Dynamics export's row checksums are
//! base64 in every row's cells, and decoding them finds nothing but costs time.

use base64::engine::general_purpose::{GeneralPurpose, NO_PAD_INDIFFERENT};
use base64::Engine;

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
/// length so far is a multiple of 4 continues it, as in MIME's wrapped lines.
pub fn base64_runs(text: &[u8]) -> Vec<Vec<u8>> {
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
        if matches!(b, b'\r' | b'\n') && !run.is_empty() && run.len().is_multiple_of(4) {
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
    base64_runs(text)
        .iter()
        .flat_map(|bytes| decoded_texts(bytes, depth + 1))
        .collect()
}

/// What decoded base64 holds: a package or compound file (read as binary data is, see
/// [`super::leaks::binary_texts`]), or text in UTF-8, UTF-16LE or Latin-1, whichever it is.
/// Bytes that are none of these (an image, encrypted data) are not read as text: random bytes
/// seen as Latin-1 spell short names by chance, and a large export removes thousands.
fn decoded_texts(bytes: &[u8], depth: u8) -> Vec<String> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(super::leaks::CFB_SIGNATURE) {
        return super::leaks::binary_texts(bytes, depth);
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
        out.extend(base64_texts(text.as_bytes(), depth));
    }
    out.push(text);
    out
}

/// `bytes` as UTF-16LE text, when it is text (whole code units, no unpaired surrogates).
fn utf16_text(bytes: &[u8]) -> Option<String> {
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
fn is_text(text: &str) -> bool {
    text.chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\r' | '\n'))
}

/// The texts encoded in base64 inside a part (XML, in UTF-8 or UTF-16 with a byte order mark,
/// or any other text).
pub fn part_base64_texts(data: &[u8]) -> Vec<String> {
    match super::leaks::decode_text(data) {
        Some(text) => base64_texts(text.as_bytes(), 0),
        None => base64_texts(data, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::Needles;
    use base64::engine::general_purpose::STANDARD;

    fn found(needles: &Needles, data: &[u8]) -> bool {
        part_base64_texts(data)
            .iter()
            .any(|t| needles.found_in_markup(t))
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
        for (i, text) in [
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
