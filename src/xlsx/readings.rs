//! What a reader sees in a text or attribute value of a package part, besides the text itself:
//! the one decoding that the leak sweep, `verify` and `find` all search (see [`shown_texts`]),
//! and the equivalent text the cleaners may write instead (see [`equivalent`]).
//!
//! Parts carry text that other programs wrote in their own syntax inside the XML: an add-in's
//! settings or a custom XML item hold JSON, whose serializers write every non-ASCII letter as a
//! `\u` escape (`Zo\u00eb M\u00fcller`); SharePoint's rich-text properties hold HTML, whose
//! letters may be character references (`Zo&euml;`, `&#235;`). A removed value written so is
//! the value all the same.

use crate::actions::rich_text;
use crate::xlsx::clean::xml as clean;

/// What a reader sees in an XML text or attribute value besides the text itself, for the
/// sweep, `verify` and `find` alike: a header's or footer's text as it prints (`&LAnna Berg`,
/// `An&Bna`, see [`clean::header_footer_printed`]); the text decoded from SpreadsheetML's
/// `_xHHHH_` escapes, which Excel shows decoded, when it has any (a header's, as it prints
/// too); a number format's literals as Excel shows them (see [`format_literals`]); and the text
/// that JSON or HTML written into it reads as (see [`escaped`]). Percent-escapes the
/// [`crate::needles::Haystack`] and the needles decode themselves.
pub(crate) fn shown_texts(text: &str, header_footer: bool) -> impl Iterator<Item = String> {
    let printed = |t: String| {
        if header_footer {
            clean::header_footer_printed(&t)
        } else {
            t
        }
    };
    header_footer
        .then(|| clean::header_footer_printed(text))
        .into_iter()
        .chain(clean::decode_xstring(text).map(printed))
        .chain(format_literals(text))
        .chain(escaped(text))
}

/// A number format's text as Excel shows it, when it has escaped or quoted literals: each
/// `\x` is `x`, and quoted runs are joined to what is around them (`\H\a\l\v"orsen" 0` and
/// `"Halv""orsen" 0` show `Halvorsen 0`). Read so in any text or attribute that has them.
fn format_literals(text: &str) -> Option<String> {
    if !text.contains(['\\', '"']) {
        return None;
    }
    let mut shown = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => shown.extend(chars.next()),
            '"' => {}
            c => shown.push(c),
        }
    }
    Some(shown)
}

/// The texts that JSON and HTML written into `text` read as, each once and none equal to
/// `text`: its JSON string escapes decoded (see [`json_decoded`]); then, of the text and of
/// that, the HTML character references decoded with the tags kept, and the text the HTML shows
/// (as the redactor reads rich text in cells, see [`rich_text`]). JSON that .NET wrote escapes
/// HTML's `<` and `&` too (`\u003Cp\u003EZo\u0026euml;`), so the HTML is read after it. Empty,
/// without an allocation, for a text with neither.
pub(crate) fn escaped(text: &str) -> Vec<String> {
    let json = json_decoded(text);
    let mut out: Vec<String> = Vec::new();
    for base in std::iter::once(text).chain(json.as_deref()) {
        for reading in [rich_text::decoded(base), rich_text::shown(base)]
            .into_iter()
            .flatten()
        {
            if reading != text && !out.contains(&reading) {
                out.push(reading);
            }
        }
    }
    if let Some(json) = json {
        if !out.contains(&json) {
            out.insert(0, json);
        }
    }
    out
}

/// The JSON escape at the start of `text` (at a `\`): its length and the UTF-16 unit or
/// character it stands for. `None` when there is none.
fn json_escape_at(text: &[u8]) -> Option<(usize, u32)> {
    let unit = match text.get(1)? {
        b'u' => {
            let hex = std::str::from_utf8(text.get(2..6)?).ok()?;
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            return u32::from_str_radix(hex, 16).ok().map(|n| (6, n));
        }
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        _ => return None,
    };
    Some((2, unit as u32))
}

/// `text` with its JSON string escapes decoded (`\u00eb` is `ë`, a surrogate pair one
/// character, `\/` is `/`, `\n` a line break) when it has any; `keep` says which decoded
/// characters stay escaped. A lone surrogate is U+FFFD, or stays escaped when `keep` is given.
fn json_unescaped(text: &str, keep: Option<fn(char) -> bool>) -> Option<String> {
    let bytes = text.as_bytes();
    let first =
        memchr::memchr_iter(b'\\', bytes).find(|&i| json_escape_at(&bytes[i..]).is_some())?;
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..first]);
    let mut copied = first;
    let mut i = first;
    while let Some(at) = memchr::memchr(b'\\', &bytes[i..]).map(|k| i + k) {
        let Some((len, unit)) = json_escape_at(&bytes[at..]) else {
            i = at + 1;
            continue;
        };
        // A high surrogate and the low one after it are one character.
        let (len, c) = match unit {
            0xD800..=0xDBFF => match json_escape_at(&bytes[at + len..]) {
                Some((6, low @ 0xDC00..=0xDFFF)) => (
                    len + 6,
                    char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)),
                ),
                _ => (len, None),
            },
            0xDC00..=0xDFFF => (len, None),
            n => (len, char::from_u32(n)),
        };
        out.push_str(&text[copied..at]);
        match (c, keep) {
            (Some(c), Some(keep)) if keep(c) => out.push_str(&text[at..at + len]),
            (None, Some(_)) => out.push_str(&text[at..at + len]),
            (Some(c), _) => out.push(c),
            (None, None) => out.push('\u{FFFD}'),
        }
        copied = at + len;
        i = copied;
    }
    out.push_str(&text[copied..]);
    (out != text).then_some(out)
}

/// `text` with its JSON string escapes decoded, every one, as a JSON reader reads a string
/// (see [`json_unescaped`]); `None` when it has none. Used only to search: the text may not be
/// JSON (a path `C:\temp` has a `\t`), and a reading that is not the text's meaning only adds
/// a place to look.
pub(crate) fn json_decoded(text: &str) -> Option<String> {
    json_unescaped(text, None)
}

/// `text` as the same JSON and HTML, with what spells a letter or sign in an escape written as
/// itself: JSON's `\u` escapes of characters a JSON string may hold as they are (not `"`, `\`,
/// control characters or line separators) and `\/`; HTML's character references that end with
/// their `;` and stand for characters that are not markup (not `<`, `>`, `&`, `"`, `'`). A
/// cleaner that finds a removed value only there writes this text with the value replaced: a
/// reader of the JSON or the HTML sees what it saw, without the value. What only a fuller
/// decoding shows (HTML escaped twice, a name split by tags) stays, and the sweep, which reads
/// that too, fails the file. `None` when nothing changes.
pub(crate) fn equivalent(text: &str) -> Option<String> {
    let json = json_unescaped(text, Some(json_needs_escape));
    let base = json.as_deref().unwrap_or(text);
    rich_text::plain_references(base).or(json)
}

/// Whether a character stays escaped in a JSON string that [`equivalent`] writes: a quote, a
/// backslash, a control character, and the line separators that older JavaScript reads as the
/// end of a line.
fn json_needs_escape(c: char) -> bool {
    matches!(c, '"' | '\\' | '\u{2028}' | '\u{2029}') || c.is_control()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_are_decoded_as_a_json_reader_reads_them() {
        assert_eq!(
            json_decoded(r#"{"owner": "Zo\u00eb M\u00fcller", "site": "https:\/\/x"}"#).as_deref(),
            Some(r#"{"owner": "Zoë Müller", "site": "https://x"}"#)
        );
        assert_eq!(
            json_decoded(r"\ud83d\ude00 \u4f50\u3005\u6728").as_deref(),
            Some("😀 佐々木")
        );
        assert_eq!(
            json_decoded(r"a\\u00eb").as_deref(),
            Some(r"a\u00eb"),
            "an escaped backslash"
        );
        assert_eq!(json_decoded(r"\ud83d x").as_deref(), Some("\u{FFFD} x"));
        assert_eq!(json_decoded(r"\K\a\i\m \u00"), None);
        assert_eq!(json_decoded("plain"), None);
    }

    #[test]
    fn the_equivalent_text_keeps_what_json_and_html_need_escaped() {
        assert_eq!(
            equivalent(r#"{"a": "Zo\u00eb \"M\u00fcller\" \u0022\u005c\u000a \ud83d\ude00 \/"}"#)
                .as_deref(),
            Some(r#"{"a": "Zoë \"Müller\" \u0022\u005c\u000a 😀 /"}"#)
        );
        assert_eq!(
            equivalent("<p>Zo&euml; M&#252;ller &lt;b&gt; &amp;euml; &#60; &eacute</p>").as_deref(),
            Some("<p>Zoë Müller &lt;b&gt; &amp;euml; &#60; &eacute</p>")
        );
        assert_eq!(equivalent(r"\ud83d lone"), None);
        assert_eq!(equivalent("AT&T and a=1&copy=2"), None);
    }

    #[test]
    fn json_and_html_inside_a_text_are_read() {
        let read = |t: &str| escaped(t);
        assert_eq!(read(r"Zo\u00eb M\u00fcller"), ["Zoë Müller"]);
        assert!(read("<p>Owner: Zo&euml; M&uuml;ller</p>")
            .iter()
            .any(|t| t.contains("Owner: Zoë Müller")));
        assert!(
            read(r"\u003Cp\u003EZo\u0026euml; M&#252;ller\u003C/p\u003E")
                .iter()
                .any(|t| t.trim() == "Zoë Müller")
        );
        assert!(
            read("Zo&amp;amp;euml;").iter().any(|t| t == "Zoë"),
            "three rounds"
        );
        assert!(read("no escapes here, R&D").is_empty());
    }

    #[test]
    fn shown_texts_are_decoded_and_header_codes_blanked() {
        let shown: Vec<String> = shown_texts("&L_x0041_nna", true).collect();
        assert_eq!(shown, [" _x0041_nna", " Anna"]);
        let shown: Vec<String> = shown_texts("&LAnna", false).collect();
        assert!(shown.is_empty(), "{shown:?}");
        let shown: Vec<String> = shown_texts("&LAn&Bna&KFF0000 Berg", true).collect();
        assert_eq!(shown, [" Anna Berg"]);
    }
}
