//! PDF files (an embedded PDF, one inside an OLE Package, a PDF attached to another): their
//! strings decoded (literal strings with their escapes, hex strings, UTF-16 text), the text a
//! content stream shows joined across its `Tj` and `TJ` operators, and their streams decoded
//! through their filters. What is searched so is what a PDF holds as text; text drawn with a
//! font whose codes are no characters (a subset font's glyph numbers, read through its
//! `ToUnicode` map) is not read.

use memchr::memmem;

/// Whether `data` is a PDF: `%PDF-` within its first 1024 bytes, where readers look for it.
pub(super) fn is_pdf(data: &[u8]) -> bool {
    memmem::find(&data[..data.len().min(1024)], b"%PDF-").is_some()
}

/// PDF's white space.
fn is_white(b: u8) -> bool {
    matches!(b, 0 | b'\t' | b'\n' | 0x0C | b'\r' | b' ')
}

/// PDF's delimiters.
fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

/// A character of a name or keyword.
fn is_regular(b: u8) -> bool {
    !is_white(b) && !is_delimiter(b)
}

/// Where the key `key` (`/Filter`) is in a dictionary's text, just after it; not a longer key
/// that starts so (`/FilterX`).
fn key_end(dict: &[u8], key: &[u8]) -> Option<usize> {
    memmem::find_iter(dict, key)
        .map(|at| at + key.len())
        .find(|&end| !dict.get(end).copied().is_some_and(is_regular))
}

/// Whether a PDF is encrypted: its trailer names an encryption dictionary (`/Encrypt`). Its
/// strings and streams are then ciphertext, which no search reads.
pub(super) fn is_encrypted(data: &[u8]) -> bool {
    key_end(data, b"/Encrypt").is_some()
}

/// A stream of a PDF: its dictionary's text and its data, encoded.
pub(super) struct Stream<'a> {
    pub dict: &'a [u8],
    pub data: &'a [u8],
}

impl Stream<'_> {
    /// The names of its filters, in the order they decode (`/Filter /FlateDecode`, `/Filter
    /// [/ASCII85Decode /FlateDecode]`); a filter given otherwise (an indirect reference) is
    /// named `?`.
    pub fn filters(&self) -> Vec<&[u8]> {
        let Some(end) = key_end(self.dict, b"/Filter") else {
            return Vec::new();
        };
        let rest = self.dict[end..].trim_ascii_start();
        // The names in `text`, each to its first character that is no name's.
        fn names(text: &[u8]) -> Vec<&[u8]> {
            text.split(|&b| b == b'/')
                .skip(1)
                .map(|n| &n[..n.iter().position(|&b| !is_regular(b)).unwrap_or(n.len())])
                .collect()
        }
        match rest.first() {
            Some(b'/') => names(
                &rest[..rest[1..]
                    .iter()
                    .position(|&b| b == b'/')
                    .map_or(rest.len(), |i| i + 1)],
            ),
            Some(b'[') => match memchr::memchr(b']', rest) {
                Some(close) => names(&rest[..close]),
                None => vec![b"?"],
            },
            _ => vec![b"?"],
        }
    }

    /// Whether it is an image's (`/Subtype /Image`): its pixels are no text.
    pub fn is_image(&self) -> bool {
        key_end(self.dict, b"/Subtype").is_some_and(|end| {
            let rest = self.dict[end..].trim_ascii_start();
            rest.starts_with(b"/Image") && !rest.get(6).copied().is_some_and(is_regular)
        })
    }
}

/// The streams of a PDF: each `stream` keyword after a dictionary, its data up to its
/// `/Length` when that is a number followed by `endstream`, else up to the next `endstream`.
/// The dictionary is the text from the object's `obj` keyword.
pub(super) fn streams(data: &[u8]) -> Vec<Stream<'_>> {
    let mut out = Vec::new();
    let mut from = 0;
    let keyword = memmem::Finder::new(b"stream");
    while let Some(found) = keyword.find(&data[from..]) {
        let at = from + found;
        from = at + b"stream".len();
        let before = data[..at].trim_ascii_end();
        if !before.ends_with(b">>") {
            // `endstream`, or a word that ends so.
            continue;
        }
        let start = match &data[from..] {
            [b'\r', b'\n', ..] => from + 2,
            [b'\n' | b'\r', ..] => from + 1,
            _ => continue,
        };
        let window = before.len().saturating_sub(64 << 10);
        let dict_start =
            memmem::rfind(&before[window..], b"obj").map_or(window, |i| window + i + 3);
        let dict = &before[dict_start..];
        let length = key_end(dict, b"/Length").and_then(|end| {
            let rest = dict[end..].trim_ascii_start();
            let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
            let after = rest[digits..].trim_ascii_start();
            // `/Length 12 0 R` is a reference, not the length.
            if digits == 0 || after.first().is_some_and(u8::is_ascii_digit) {
                return None;
            }
            std::str::from_utf8(&rest[..digits])
                .ok()?
                .parse::<usize>()
                .ok()
        });
        let end = length
            .and_then(|n| start.checked_add(n))
            .filter(|&end| {
                data.get(end..)
                    .is_some_and(|rest| rest.trim_ascii_start().starts_with(b"endstream"))
            })
            .or_else(|| memmem::find(&data[start..], b"endstream").map(|e| start + e))
            .unwrap_or(data.len());
        out.push(Stream {
            dict,
            data: &data[start..end],
        });
        from = end.max(from);
    }
    out
}

/// Why a stream's data cannot be decoded.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Undecoded {
    /// It would decode to more than the limit.
    TooLarge,
}

/// `data` decoded by the filter named `name` (but `FlateDecode`, which the caller inflates
/// within its own limits), to at most `limit` bytes; `None` for a filter that is not one of
/// these.
pub(super) fn decode(name: &[u8], data: &[u8], limit: usize) -> Option<Result<Vec<u8>, Undecoded>> {
    let out = match name {
        b"ASCIIHexDecode" | b"AHx" => ascii_hex(data),
        b"ASCII85Decode" | b"A85" => ascii85(data),
        b"RunLengthDecode" | b"RL" => return Some(run_length(data, limit)),
        b"LZWDecode" | b"LZW" => return Some(lzw(data, limit)),
        _ => return None,
    };
    Some(if out.len() > limit {
        Err(Undecoded::TooLarge)
    } else {
        Ok(out)
    })
}

/// Whether a filter is an image's: what it decodes to is pixels, no text (and the data as it
/// is, a JPEG's, is searched with the PDF's bytes).
pub(super) fn is_image_filter(name: &[u8]) -> bool {
    matches!(
        name,
        b"DCTDecode" | b"DCT" | b"JPXDecode" | b"JBIG2Decode" | b"CCITTFaxDecode" | b"CCF"
    )
}

/// Whether a filter is `FlateDecode` (zlib).
pub(super) fn is_flate(name: &[u8]) -> bool {
    matches!(name, b"FlateDecode" | b"Fl")
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Hex digits, white space between them, up to `>`; an odd last digit is followed by 0.
fn ascii_hex(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 2);
    let mut high: Option<u8> = None;
    for &b in data {
        if b == b'>' {
            break;
        }
        let Some(v) = hex_value(b) else {
            continue;
        };
        match high.take() {
            Some(h) => out.push(h << 4 | v),
            None => high = Some(v),
        }
    }
    if let Some(h) = high {
        out.push(h << 4);
    }
    out
}

/// ASCII base-85 (`<~` ... `~>`, `z` for four zeros), white space ignored.
fn ascii85(data: &[u8]) -> Vec<u8> {
    let data = data.strip_prefix(b"<~").unwrap_or(data);
    let mut out = Vec::with_capacity(data.len() * 4 / 5);
    let mut group = [0u8; 5];
    let mut n = 0;
    let flush = |group: &[u8; 5], n: usize, out: &mut Vec<u8>| {
        let value = group
            .iter()
            .fold(0u64, |acc, &d| acc * 85 + u64::from(d))
            .min(u64::from(u32::MAX)) as u32;
        out.extend_from_slice(&value.to_be_bytes()[..n - 1]);
    };
    for &b in data {
        match b {
            b'~' => break,
            b'z' if n == 0 => out.extend_from_slice(&[0; 4]),
            b'!'..=b'u' => {
                group[n] = b - b'!';
                n += 1;
                if n == 5 {
                    flush(&group, 5, &mut out);
                    n = 0;
                }
            }
            _ => {}
        }
    }
    if n > 1 {
        group[n..].fill(84);
        flush(&group, n, &mut out);
    }
    out
}

/// Run-length encoding: a length byte below 128 copies the next `length + 1` bytes, above 128
/// repeats the next byte `257 - length` times, 128 ends.
fn run_length(data: &[u8], limit: usize) -> Result<Vec<u8>, Undecoded> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(&len) = data.get(at) {
        match len {
            128 => break,
            0..=127 => {
                let end = (at + 2 + len as usize).min(data.len());
                out.extend_from_slice(&data[at + 1..end]);
                at = end;
            }
            _ => {
                let Some(&b) = data.get(at + 1) else {
                    break;
                };
                out.resize(out.len() + 257 - len as usize, b);
                at += 2;
            }
        }
        if out.len() > limit {
            return Err(Undecoded::TooLarge);
        }
    }
    Ok(out)
}

/// LZW as PDF writes it: codes of 9 to 12 bits, most significant first, 256 clearing the
/// table and 257 ending, the width growing one code early. A damaged stream ends where it
/// goes wrong.
fn lzw(data: &[u8], limit: usize) -> Result<Vec<u8>, Undecoded> {
    const CLEAR: u16 = 256;
    const END: u16 = 257;
    // Each code's string: its prefix's code, its last byte, its first byte, its length.
    let mut prefix: Vec<u16> = (0..258).collect();
    let mut last: Vec<u8> = (0..=255).chain([0, 0]).collect();
    let mut first = last.clone();
    let mut length: Vec<usize> = vec![1; 258];
    let mut out = Vec::new();
    let mut width = 9u32;
    let mut previous: Option<u16> = None;
    let mut bits = 0u32;
    let mut held = 0u32;
    // The string of `code`, appended to `out`.
    let emit = |code: u16, out: &mut Vec<u8>, prefix: &[u16], last: &[u8], length: &[usize]| {
        let start = out.len();
        out.resize(start + length[code as usize], 0);
        let mut c = code;
        for i in (start..out.len()).rev() {
            out[i] = last[c as usize];
            c = prefix[c as usize];
        }
    };
    for &b in data {
        bits = bits << 8 | u32::from(b);
        held += 8;
        while held >= width {
            held -= width;
            let code = ((bits >> held) & ((1 << width) - 1)) as u16;
            if code == CLEAR {
                prefix.truncate(258);
                last.truncate(258);
                first.truncate(258);
                length.truncate(258);
                width = 9;
                previous = None;
                continue;
            }
            if code == END {
                return Ok(out);
            }
            let next = prefix.len() as u16;
            let head = match previous {
                _ if code < next => first[code as usize],
                Some(p) if code == next => first[p as usize],
                _ => return Ok(out),
            };
            if let Some(p) = previous {
                if next < 4096 {
                    prefix.push(p);
                    last.push(head);
                    first.push(first[p as usize]);
                    length.push(length[p as usize] + 1);
                }
            }
            emit(code, &mut out, &prefix, &last, &length);
            if out.len() > limit {
                return Err(Undecoded::TooLarge);
            }
            previous = Some(code);
            if prefix.len() + 1 >= 1 << width && width < 12 {
                width += 1;
            }
        }
    }
    Ok(out)
}

/// A PDF string's bytes as text: UTF-16 by its byte order mark (big-endian, as PDF writes it,
/// or little-endian), UTF-8 by its mark, UTF-16BE without a mark when it starts as Latin text
/// does (`00 41`: some writers leave the mark out), else PDFDocEncoding, read as Windows-1252
/// (they differ only in a few symbols).
fn string_text(bytes: &[u8]) -> String {
    let (encoding, bom) = match bytes {
        [0xFE, 0xFF, ..] => (encoding_rs::UTF_16BE, 2),
        [0xFF, 0xFE, ..] => (encoding_rs::UTF_16LE, 2),
        [0xEF, 0xBB, 0xBF, ..] => (encoding_rs::UTF_8, 3),
        [0, b' '..=b'~', ..] if bytes.len().is_multiple_of(2) => (encoding_rs::UTF_16BE, 0),
        _ => (encoding_rs::WINDOWS_1252, 0),
    };
    encoding
        .decode_without_bom_handling(&bytes[bom..])
        .0
        .into_owned()
}

/// A literal string from just after its `(`: its bytes, escapes undone, and where it ends.
fn literal(data: &[u8], mut at: usize) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let mut depth = 0usize;
    while let Some(&b) = data.get(at) {
        at += 1;
        match b {
            b'(' => {
                depth += 1;
                out.push(b);
            }
            b')' if depth == 0 => break,
            b')' => {
                depth -= 1;
                out.push(b);
            }
            b'\\' => {
                let Some(&e) = data.get(at) else {
                    break;
                };
                at += 1;
                match e {
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'b' => out.push(8),
                    b'f' => out.push(12),
                    b'0'..=b'7' => {
                        let mut value = u32::from(e - b'0');
                        for _ in 0..2 {
                            match data.get(at) {
                                Some(&d @ b'0'..=b'7') => {
                                    value = value * 8 + u32::from(d - b'0');
                                    at += 1;
                                }
                                _ => break,
                            }
                        }
                        out.push(value as u8);
                    }
                    // A line continued.
                    b'\r' => {
                        if data.get(at) == Some(&b'\n') {
                            at += 1;
                        }
                    }
                    b'\n' => {}
                    other => out.push(other),
                }
            }
            _ => out.push(b),
        }
    }
    (out, at)
}

/// The texts of a PDF's strings (or of a decoded stream's: a content stream, an object stream)
/// outside the ranges `skip` (its streams' data): each string alone, and what its text
/// operators show joined two ways, the pieces put together as they are (a word cut across
/// `Tj`s, or by a `TJ` array's kerning) and with a space between them (words placed apart). A
/// kerning of more than 200 thousandths of a font size in a `TJ` array is a space. Each says
/// whether it is text (no control characters): a string in binary data is read as bytes.
pub(super) fn texts(data: &[u8], skip: &[std::ops::Range<usize>]) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    let mut tight = String::new();
    let mut spaced = String::new();
    // The strings and kerning given since the last operator.
    let mut operands: Vec<Result<String, f64>> = Vec::new();
    let mut skip = skip.iter().peekable();
    let mut at = 0;
    while let Some(&b) = data.get(at) {
        if let Some(range) = skip.peek() {
            if at >= range.start {
                at = at.max(range.end);
                skip.next();
                continue;
            }
        }
        match b {
            b'%' => {
                at = memchr::memchr2(b'\r', b'\n', &data[at..]).map_or(data.len(), |i| at + i);
            }
            b'(' => {
                let (bytes, end) = literal(data, at + 1);
                operands.push(Ok(string_text(&bytes)));
                at = end;
            }
            b'<' if data.get(at + 1) == Some(&b'<') => at += 2,
            b'<' => {
                let end = memchr::memchr(b'>', &data[at..]).map_or(data.len(), |i| at + i);
                operands.push(Ok(string_text(&ascii_hex(&data[at + 1..end]))));
                at = end + 1;
            }
            b'-' | b'+' | b'.' | b'0'..=b'9' => {
                let len = data[at..]
                    .iter()
                    .position(|&c| !matches!(c, b'-' | b'+' | b'.' | b'0'..=b'9'))
                    .unwrap_or(data.len() - at);
                if let Some(n) = std::str::from_utf8(&data[at..at + len])
                    .ok()
                    .and_then(|t| t.parse::<f64>().ok())
                {
                    operands.push(Err(n));
                }
                at += len;
            }
            b'[' | b']' | b'>' | b'{' | b'}' | b')' => at += 1,
            b'/' => {
                let len = data[at + 1..]
                    .iter()
                    .take_while(|&&c| is_regular(c))
                    .count();
                at += 1 + len;
            }
            _ if is_white(b) => at += 1,
            _ => {
                let len = data[at..]
                    .iter()
                    .take_while(|&&c| is_regular(c))
                    .count()
                    .max(1);
                let op = &data[at..at + len];
                at += len;
                let shows = matches!(op, b"Tj" | b"TJ" | b"'" | b"\"");
                for operand in operands.drain(..) {
                    match operand {
                        Ok(text) => {
                            if shows {
                                let piece = if super::is_text(&text) {
                                    &text[..]
                                } else {
                                    " "
                                };
                                tight.push_str(piece);
                                spaced.push_str(piece);
                                spaced.push(' ');
                            }
                            let is_text = super::is_text(&text);
                            out.push((text, is_text));
                        }
                        Err(kerning) if shows && kerning < -200.0 => tight.push(' '),
                        Err(_) => {}
                    }
                }
                if matches!(op, b"ET" | b"T*" | b"Td" | b"TD" | b"'" | b"\"") {
                    tight.push(' ');
                }
            }
        }
    }
    for text in operands.into_iter().flatten() {
        let is_text = super::is_text(&text);
        out.push((text, is_text));
    }
    out.retain(|(t, _)| !t.trim().is_empty());
    for joined in [tight, spaced] {
        if !joined.trim().is_empty() {
            out.push((joined, true));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(data: &[u8]) -> Vec<String> {
        texts(data, &[]).into_iter().map(|(t, _)| t).collect()
    }

    #[test]
    fn strings_are_decoded() {
        let name: Vec<u8> = "Anna Berg"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        let hex: String = name.iter().map(|b| format!("{b:02X}")).collect();
        let info = format!(
            "1 0 obj<</Author <FEFF{hex}>/Title (K\\366ln \\(draft\\)\\\nnotes)/Subject (a\\)b)>>endobj"
        );
        let found = all(info.as_bytes());
        assert!(all(format!("<{}>", &hex[..]).as_bytes()).contains(&"Anna Berg".to_string()));
        assert!(found.contains(&"Anna Berg".to_string()), "{found:?}");
        assert!(
            found.contains(&"K\u{f6}ln (draft)notes".to_string()),
            "{found:?}"
        );
        assert!(found.contains(&"a)b".to_string()), "{found:?}");
    }

    #[test]
    fn text_shown_in_pieces_is_joined() {
        let content = b"BT /F1 12 Tf 72 700 Td [(An) 20 (na) -250 (Be) (rg)] TJ ET\n\
            BT (Anna) Tj 40 0 Td (Berg) Tj ET BT (Ann) Tj (a.berg@contoso.com) Tj ET";
        let found = all(content);
        for joined in ["Anna Berg", "Anna.berg@contoso.com", "Anna Berg Ann a.berg"] {
            assert!(
                found.iter().any(|t| t.contains(joined)),
                "{joined}: {found:?}"
            );
        }
    }

    #[test]
    fn streams_are_found_with_their_filters() {
        let pdf = b"%PDF-1.7\n1 0 obj\n<< /Length 5 /Filter [/ASCIIHexDecode /FlateDecode] \
            /DecodeParms << /Predictor 1 >> >>\nstream\r\nabcde\nendstream\nendobj\n\
            2 0 obj <</Subtype /Image /Filter /DCTDecode /Length 9 0 R>>stream\nxyz endstream\n\
            3 0 obj <</Filter/FlateDecode>> % no end of line\nstream endstream\n";
        let found = streams(pdf);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].data, b"abcde");
        assert_eq!(
            found[0].filters(),
            [&b"ASCIIHexDecode"[..], &b"FlateDecode"[..]]
        );
        assert!(!found[0].is_image());
        assert_eq!(found[1].data, b"xyz ");
        assert!(found[1].is_image());
        assert!(is_pdf(pdf));
        assert!(!is_encrypted(pdf));
        assert!(is_encrypted(b"trailer <</Encrypt 5 0 R>>"));
        assert!(!is_encrypted(b"<</EncryptMetadata false>>"));
    }

    #[test]
    fn filters_decode() {
        assert_eq!(ascii_hex(b"41 4\n2 4>43"), b"AB@");
        assert_eq!(ascii85(b"<~87cURD]j7BEbo7~>"), b"Hello world");
        assert_eq!(ascii85(b"z87cUR~>"), b"\0\0\0\0Hell");
        assert_eq!(
            run_length(b"\x02abc\xFDz\x80junk", 100),
            Ok(b"abczzzz".to_vec())
        );
        assert_eq!(run_length(b"\x81z", 100), Err(Undecoded::TooLarge));
        // PDF Reference 1.7, 3.3.3: codes 256 45 258 258 65 259 66 257.
        let lzw_data = [0x80, 0x0B, 0x60, 0x50, 0x22, 0x0C, 0x0C, 0x85, 0x01];
        assert_eq!(lzw(&lzw_data, 100), Ok(b"-----A---B".to_vec()));
        assert_eq!(lzw(&lzw_data, 5), Err(Undecoded::TooLarge));
        // Damaged data ends where it goes wrong, without a panic.
        let mut rng = fastrand::Rng::with_seed(3);
        for _ in 0..200 {
            let noise: Vec<u8> = (0..rng.usize(..300)).map(|_| rng.u8(..)).collect();
            let _ = lzw(&noise, 1 << 20);
            let _ = run_length(&noise, 1 << 20);
            let _ = ascii85(&noise);
            let _ = texts(&noise, &[]);
            let _ = streams(&noise);
        }
    }
}
