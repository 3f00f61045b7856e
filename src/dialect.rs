//! CSV dialects: how a CSV file is written (its text encoding, byte order mark, delimiter, line
//! ending and quoting), sniffed from its bytes so that a workbook read from a CSV is written
//! back the same way; and the file's text and records decoded in that dialect (for the CSV
//! reader, and for small files such as a subjects list).

use crate::error::{Problem, ReadError};
use std::borrow::Cow;

pub(crate) const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
pub(crate) const UTF16LE_BOM: &[u8] = b"\xFF\xFE";
pub(crate) const UTF16BE_BOM: &[u8] = b"\xFE\xFF";

/// The text encoding of a CSV file. The output is written in the input's encoding, with its
/// byte order mark, so that it can be imported where the input came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 (with or without a BOM: see [`Dialect::bom`]).
    Utf8,
    /// UTF-16 little-endian with a BOM (Excel's "Unicode Text").
    Utf16Le,
    /// UTF-16 big-endian with a BOM.
    Utf16Be,
    /// Windows-1252, Excel's "CSV (Comma delimited)" on Western Windows: what a file that is
    /// not valid UTF-8 and has no BOM is read as.
    Windows1252,
}

impl TextEncoding {
    /// The name used in reports and messages.
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf16Le => "UTF-16LE",
            TextEncoding::Utf16Be => "UTF-16BE",
            TextEncoding::Windows1252 => "Windows-1252",
        }
    }

    /// The byte order mark written before the text.
    pub(crate) fn bom(self) -> &'static [u8] {
        match self {
            TextEncoding::Utf8 => UTF8_BOM,
            TextEncoding::Utf16Le => UTF16LE_BOM,
            TextEncoding::Utf16Be => UTF16BE_BOM,
            TextEncoding::Windows1252 => b"",
        }
    }

    /// Encode UTF-8 text; `None` when a character has no code in this encoding.
    pub(crate) fn encode(self, text: &str, out: &mut Vec<u8>) -> Option<()> {
        match self {
            TextEncoding::Utf8 => out.extend_from_slice(text.as_bytes()),
            TextEncoding::Utf16Le => out.extend(text.encode_utf16().flat_map(u16::to_le_bytes)),
            TextEncoding::Utf16Be => out.extend(text.encode_utf16().flat_map(u16::to_be_bytes)),
            TextEncoding::Windows1252 => {
                let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
                if unmappable {
                    return None;
                }
                out.extend_from_slice(&bytes);
            }
        }
        Some(())
    }

    /// Whether every character of `text` has a code in this encoding.
    pub fn can_encode(self, text: &str) -> bool {
        match self {
            TextEncoding::Windows1252 => !encoding_rs::WINDOWS_1252.encode(text).2,
            _ => true,
        }
    }
}

/// How a CSV file is written, so the output matches its input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialect {
    /// `,`, `;` or tab.
    pub delimiter: u8,
    /// The file starts with a byte order mark (always, for UTF-16).
    pub bom: bool,
    /// The text encoding, kept on output.
    pub encoding: TextEncoding,
    /// Records end with CRLF (else LF).
    pub crlf: bool,
    /// Every field of the first line is quoted, so every output field is quoted.
    pub quote_all: bool,
    /// The last record ends with a line break.
    pub final_newline: bool,
    /// The file's first line told Excel its delimiter (`sep=;`), as written: it is read as
    /// no record and written back before the header.
    pub separator_line: Option<String>,
}

impl Dialect {
    /// Work out the dialect from the file's bytes (after any BOM).
    pub fn sniff(text: &[u8], bom: bool) -> Dialect {
        let first_line = first_record(text);
        let delimiter = [b',', b';', b'\t']
            .into_iter()
            .map(|d| (count_outside_quotes(first_line, d), d))
            .fold(
                (0, b','),
                |best, cand| if cand.0 > best.0 { cand } else { best },
            )
            .1;
        // The line ending of the first record, outside quotes (a quoted field may hold a bare LF).
        let crlf = first_line.len() < text.len() && first_line.ends_with(b"\r");
        let line = first_line.strip_suffix(b"\r").unwrap_or(first_line);
        let quote_all = !line.is_empty()
            && split_outside_quotes(line, delimiter)
                .iter()
                .all(|f| f.len() >= 2 && f.starts_with(b"\"") && f.ends_with(b"\""));
        Dialect {
            delimiter,
            bom,
            encoding: TextEncoding::Utf8,
            crlf,
            quote_all,
            final_newline: text.ends_with(b"\n"),
            separator_line: None,
        }
    }
}

/// How long a line telling Excel the delimiter is, without its line break: `sep=;`.
const SEPARATOR_LINE: usize = "sep=;".len();

/// The delimiter a first line names that tells Excel the file's delimiter, `sep=;` (any case;
/// the delimiter one ASCII character other than a quote or a line break, then the line's end);
/// `None` for any other first line.
fn separator_line(text: &str) -> Option<u8> {
    let head = text.get(..4)?;
    if !head.eq_ignore_ascii_case("sep=") {
        return None;
    }
    let delimiter = *text.as_bytes().get(4)?;
    let rest = &text.as_bytes()[SEPARATOR_LINE..];
    let ends = rest.is_empty() || rest.starts_with(b"\n") || rest.starts_with(b"\r\n");
    (ends && delimiter.is_ascii() && !matches!(delimiter, b'"' | b'\r' | b'\n'))
        .then_some(delimiter)
}

/// The first record's bytes, honoring quotes (a quoted field may hold line breaks).
fn first_record(text: &[u8]) -> &[u8] {
    let mut quoted = false;
    for (i, &b) in text.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => return &text[..i],
            _ => {}
        }
    }
    text
}

fn count_outside_quotes(line: &[u8], delimiter: u8) -> usize {
    split_outside_quotes(line, delimiter).len() - 1
}

fn split_outside_quotes(line: &[u8], delimiter: u8) -> Vec<&[u8]> {
    let mut fields = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, &b) in line.iter().enumerate() {
        if b == b'"' {
            quoted = !quoted;
        } else if b == delimiter && !quoted {
            fields.push(&line[start..i]);
            start = i + 1;
        }
    }
    fields.push(&line[start..]);
    fields
}

/// The file's encoding, whether it has a BOM, and its text.
fn decode(bytes: &[u8]) -> Result<(TextEncoding, bool, std::borrow::Cow<'_, str>), Problem> {
    fn utf16<'a>(
        encoding: &'static encoding_rs::Encoding,
        body: &'a [u8],
    ) -> Result<std::borrow::Cow<'a, str>, Problem> {
        encoding
            .decode_without_bom_handling_and_without_replacement(body)
            .ok_or(ReadError::CsvBadUtf16.into())
    }
    if let Some(body) = bytes.strip_prefix(UTF16LE_BOM) {
        return Ok((
            TextEncoding::Utf16Le,
            true,
            utf16(encoding_rs::UTF_16LE, body)?,
        ));
    }
    if let Some(body) = bytes.strip_prefix(UTF16BE_BOM) {
        return Ok((
            TextEncoding::Utf16Be,
            true,
            utf16(encoding_rs::UTF_16BE, body)?,
        ));
    }
    let bom = bytes.starts_with(UTF8_BOM);
    let body = if bom { &bytes[UTF8_BOM.len()..] } else { bytes };
    if !bom && looks_like_utf16(body) {
        return Err(ReadError::CsvUtf16.into());
    }
    // simdutf8 checks a large export's tens of megabytes several times faster than the
    // standard library, with the same answer and the same place of the first fault.
    match simdutf8::compat::from_utf8(body) {
        Ok(text) => Ok((TextEncoding::Utf8, bom, text.into())),
        Err(e) if bom => {
            // A UTF-8 BOM followed by something else is a damaged file, not another encoding.
            let line = 1 + body[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            Err(ReadError::CsvNotUtf8 { line }.into())
        }
        Err(_) => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(body);
            Ok((TextEncoding::Windows1252, false, text))
        }
    }
}

/// UTF-16 without a BOM: ASCII text with a zero byte beside every character.
fn looks_like_utf16(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(64) & !1];
    head.len() >= 4
        && (head.iter().step_by(2).all(|&b| b == 0)
            || head.iter().skip(1).step_by(2).all(|&b| b == 0))
}

fn has_unquoted_nul(text: &[u8]) -> bool {
    let mut quoted = false;
    text.iter().any(|&b| {
        if b == b'"' {
            quoted = !quoted;
        }
        b == 0 && !quoted
    })
}

/// Check that `bytes` are CSV text, decode them, and sniff the dialect.
pub(crate) fn open(bytes: &[u8]) -> Result<(Dialect, Cow<'_, str>), Problem> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(ReadError::NotCsv("a zip package, such as an .xlsx workbook").into());
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(ReadError::NotCsv("an Office binary file, such as an .xls workbook").into());
    }
    let (encoding, bom, mut text) = decode(bytes)?;
    // A NUL may sit in a quoted field; outside one it is binary data read as Windows-1252.
    if memchr::memchr(0, text.as_bytes()).is_some() && has_unquoted_nul(text.as_bytes()) {
        return Err(ReadError::NotCsv("binary data, not text").into());
    }
    // `sep=;` on the first line: the records are read from its line break on, an empty line
    // the reader skips, so that lines keep their numbers; the line is written back.
    if let Some(delimiter) = separator_line(&text) {
        let len = SEPARATOR_LINE;
        let line = text[..len].to_string();
        text = match text {
            Cow::Borrowed(t) => Cow::Borrowed(&t[len..]),
            Cow::Owned(mut t) => {
                t.replace_range(..len, "");
                Cow::Owned(t)
            }
        };
        let records = text.find('\n').map_or("", |at| &text[at + 1..]);
        let sniffed = Dialect::sniff(records.as_bytes(), bom);
        let dialect = Dialect {
            encoding,
            delimiter,
            crlf: if records.contains('\n') {
                sniffed.crlf
            } else {
                text.starts_with("\r\n")
            },
            final_newline: text.ends_with('\n'),
            separator_line: Some(line),
            ..sniffed
        };
        return Ok((dialect, text));
    }
    let dialect = Dialect {
        encoding,
        ..Dialect::sniff(text.as_bytes(), bom)
    };
    Ok((dialect, text))
}

/// Every record of a small CSV or text file (a subjects list), decoded and split the way an
/// export is: any encoding and delimiter Excel writes.
///
/// # Errors
/// As `csv::read`, with a line number and never the text.
pub(crate) fn records(bytes: &[u8]) -> Result<Vec<Vec<String>>, Problem> {
    let (dialect, text) = open(bytes)?;
    let mut out = Vec::new();
    for record in reader(&dialect, text.as_bytes()).records() {
        out.push(
            record
                .map_err(parse_error)?
                .iter()
                .map(str::to_string)
                .collect(),
        );
    }
    Ok(out)
}

/// A small text file decoded as a CSV would be (UTF-8 with or without BOM, UTF-16, Windows-1252).
///
/// # Errors
/// As `csv::read`.
pub(crate) fn text(bytes: &[u8]) -> Result<String, Problem> {
    open(bytes).map(|(_, text)| text.into_owned())
}

/// A record reader of `text` in `dialect`: no header row, ragged rows allowed.
pub(crate) fn reader<'t>(dialect: &Dialect, text: &'t [u8]) -> ::csv::Reader<&'t [u8]> {
    ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(dialect.delimiter)
        .from_reader(text)
}

/// A record (its `count` fields, `fields`, read at `line`) longer than the header (`columns`
/// fields) with a value past it: its values have shifted (a field with an unquoted
/// delimiter), and a map would scrub them as the wrong columns'. Shorter records, and
/// delimiters left at the end of a line (empty fields past the header), are fine.
///
/// # Errors
/// [`ReadError::CsvShifted`], naming the line and the counts.
pub(crate) fn check_aligned<F: AsRef<[u8]>>(
    count: usize,
    fields: impl Iterator<Item = F>,
    columns: usize,
    line: u64,
) -> Result<(), Problem> {
    if count > columns && fields.skip(columns).any(|f| !f.as_ref().is_empty()) {
        return Err(ReadError::CsvShifted {
            line,
            fields: count,
            columns,
        }
        .into());
    }
    Ok(())
}

/// The line where a record of `text` read at `position` starts (1-based). The reader counts a
/// record's start before the line feed of a CRLF that ends the one before, so a record after a
/// CRLF would be placed a line early.
pub(crate) fn record_line(position: Option<&::csv::Position>, text: &[u8]) -> u64 {
    position.map_or(0, |p| {
        let feed = usize::try_from(p.byte())
            .ok()
            .and_then(|at| text.get(at))
            .is_some_and(|&b| b == b'\n');
        p.line() + u64::from(feed)
    })
}

pub(crate) fn parse_error(e: ::csv::Error) -> Problem {
    ReadError::CsvParse {
        line: e.position().map_or(0, |p| p.line()),
    }
    .into()
}
