//! Rich text: the text an HTML value shows. Dataverse keeps its notes, descriptions and
//! approval details as HTML, and an export holds that markup as it is: a name written
//! `Karim&nbsp;Al-Farsi`, `<span>Karim</span> <span>Al-Farsi</span>` or an email with `&#64;`
//! is not found in the raw text. [`shown`] gives the text a reader sees, for the redactor to
//! search it too (see [`super::Redactor`]).

/// HTML elements whose tags are dropped from the text shown; the block ones end a line.
/// Only known elements are markup: `<Karim Al-Farsi>` or `<karim@contoso.com>` is text.
const INLINE: &[&str] = &[
    "a", "abbr", "b", "big", "cite", "code", "del", "em", "font", "i", "img", "ins", "kbd", "mark",
    "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time", "tt", "u", "var",
    "wbr",
];
const BLOCK: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "br",
    "caption",
    "center",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hr",
    "html",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "ul",
];

/// What a tag at the start of `text` (at a `<`) is: its length, and whether it ends a line.
/// `None` when it is no tag of a known element (nor an HTML comment).
fn tag_at(text: &str) -> Option<(usize, bool)> {
    let bytes = text.as_bytes();
    if text.starts_with("<!--") {
        return text.find("-->").map(|end| (end + 3, false));
    }
    let name_start = if bytes.get(1) == Some(&b'/') { 2 } else { 1 };
    let name_len = bytes[name_start..]
        .iter()
        .position(|b| !b.is_ascii_alphanumeric())
        .unwrap_or(bytes.len() - name_start);
    let name = text
        .get(name_start..name_start + name_len)?
        .to_ascii_lowercase();
    match bytes.get(name_start + name_len) {
        Some(b'>' | b'/') => {}
        Some(b) if b.is_ascii_whitespace() => {}
        _ => return None,
    }
    let block = if BLOCK.contains(&name.as_str()) {
        true
    } else if INLINE.contains(&name.as_str()) {
        false
    } else {
        return None;
    };
    // The tag ends at its `>`, attribute values in quotes skipped.
    let mut quote = None;
    for (i, b) in bytes.iter().enumerate().skip(name_start + name_len) {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(*b),
            (Some(q), _) if q == *b => quote = None,
            (None, b'>') => return Some((i + 1, block)),
            (None, b'<') => return None,
            _ => {}
        }
    }
    None
}

/// The text that `text` shows as HTML: the tags of known elements and comments dropped (a
/// block element's tags end a line), character references decoded (`&nbsp;`, `&#64;`,
/// `&eacute;`). `None` when `text` has no markup, or shows as it is.
pub(crate) fn shown(text: &str) -> Option<String> {
    if !text.contains(['<', '&']) {
        return None;
    }
    let mut plain = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(lt) = rest.find('<') {
        plain.push_str(&rest[..lt]);
        rest = &rest[lt..];
        match tag_at(rest) {
            Some((len, block)) => {
                if block && !plain.ends_with('\n') && !plain.is_empty() {
                    plain.push('\n');
                }
                rest = &rest[len..];
            }
            None => {
                plain.push('<');
                rest = &rest[1..];
            }
        }
    }
    plain.push_str(rest);
    let shown = html_escape::decode_html_entities(&plain).into_owned();
    (shown != text).then_some(shown)
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn the_text_html_shows_is_read_through_its_markup() {
        for (html, text) in [
            ("Karim&nbsp;Al-Farsi", "Karim\u{a0}Al-Farsi"),
            ("Karim&#160;Al-Farsi", "Karim\u{a0}Al-Farsi"),
            (
                "karim.al-farsi&#64;contoso.com",
                "karim.al-farsi@contoso.com",
            ),
            (
                "karim.al-farsi&#x40;contoso.com",
                "karim.al-farsi@contoso.com",
            ),
            ("Jos&eacute; Garc&iacute;a", "José García"),
            (
                "<p><span>Karim</span> <span>Al-Farsi</span></p>",
                "Karim Al-Farsi\n",
            ),
            ("<b>Kar</b>im <I>Al-Farsi</I>", "Karim Al-Farsi"),
            (
                "<div class=\"a>b\">Handover</div><div>Karim</div>",
                "Handover\nKarim\n",
            ),
            ("<p>a<!-- Karim -->b</p>", "ab\n"),
            ("x<br/>y<br />z", "x\ny\nz"),
            // Escaped markup is text: `&lt;b&gt;` shows `<b>`.
            ("&lt;b&gt;Karim", "<b>Karim"),
        ] {
            assert_eq!(shown(html).as_deref(), Some(text), "{html}");
        }
    }

    #[test]
    fn angle_brackets_that_are_no_known_tag_are_text() {
        for text in [
            "Karim Al-Farsi",
            "Karim <karim@contoso.com>",
            "<Karim Al-Farsi>",
            "a < b and c > d",
            "AT&T",
            "<p unclosed",
        ] {
            assert_eq!(shown(text), None, "{text}");
        }
    }
}
