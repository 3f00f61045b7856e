//! How a CSV file is written (its text encoding, byte order mark, delimiter, line ending and
//! quoting): part of the data model, so that a workbook read from a CSV is written back the
//! same way. Sniffed from the file's first record.

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
        }
    }
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
