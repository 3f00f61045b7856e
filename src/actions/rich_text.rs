//! Rich text: the text an HTML value shows. Dataverse keeps its notes, descriptions and
//! approval details as HTML, and an export holds that markup as it is: a name written
//! `Karim&nbsp;Al-Farsi`, `<span>Karim</span> <span>Al-Farsi</span>` or an email with `&#64;`
//! is not found in the raw text. [`decoded`] and [`shown`] give the text a reader sees (in a
//! tooltip, on the page), for the redactor to search it too (see [`super::Redactor`]).

/// HTML elements whose tags end a line of the text shown; any other tag is dropped (`<span>`,
/// Word's `<o:p>`, a custom element). A tag is a name of letters, digits, `-`, `_`, `.` and
/// `:` after `<` or `</`, then white space, `/` or `>`: `<Karim Al-Farsi>` is a tag of element
/// `Karim`, but the text as it is, tags and all, is searched first (see
/// [`super::Redactor`]), and `<karim@contoso.com>` is no tag.
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
/// `None` when it is no tag (nor an HTML comment).
fn tag_at(text: &str) -> Option<(usize, bool)> {
    let bytes = text.as_bytes();
    if text.starts_with("<!--") {
        return text.find("-->").map(|end| (end + 3, false));
    }
    let name_start = if bytes.get(1) == Some(&b'/') { 2 } else { 1 };
    if !bytes.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let name_len = bytes[name_start..]
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':')))
        .unwrap_or(bytes.len() - name_start);
    let name = text
        .get(name_start..name_start + name_len)?
        .to_ascii_lowercase();
    match bytes.get(name_start + name_len) {
        Some(b'>' | b'/') => {}
        Some(b) if b.is_ascii_whitespace() => {}
        _ => return None,
    }
    let block = BLOCK.contains(&name.as_str());
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

/// `text` with its character references decoded (`&nbsp;`, `&#39;`, `&eacute;`), its tags
/// kept: a name in an attribute (`title="Se&aacute;n O&#39;Brien"`) reads as it shows in a
/// tooltip. `None` when it has none.
pub(crate) fn decoded(text: &str) -> Option<String> {
    if !text.contains('&') {
        return None;
    }
    let decoded = html_escape::decode_html_entities(text);
    (decoded != text).then(|| decoded.into_owned())
}

/// The text that `text` shows as HTML: its tags and comments dropped (a block element's tags
/// end a line), character references decoded (`&nbsp;`, `&#64;`, `&eacute;`). `None` when
/// `text` has no markup, or shows as it is.
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
    use super::{decoded, shown};

    #[test]
    fn character_references_are_decoded_with_the_tags_kept() {
        assert_eq!(
            decoded("<a title=\"Se&aacute;n O&#39;Brien\">x</a>").as_deref(),
            Some("<a title=\"Seán O'Brien\">x</a>")
        );
        assert_eq!(decoded("<b>Karim</b>"), None);
        assert_eq!(decoded("AT&T"), None);
    }

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
            // Word's and custom elements.
            ("Karim<o:p></o:p> Al-Farsi", "Karim Al-Farsi"),
            ("Karim<x-foo></x-foo> Al-Farsi", "Karim Al-Farsi"),
            // Escaped markup is text: `&lt;b&gt;` shows `<b>`.
            ("&lt;b&gt;Karim", "<b>Karim"),
        ] {
            assert_eq!(shown(html).as_deref(), Some(text), "{html}");
        }
    }

    #[test]
    fn angle_brackets_that_are_no_tag_are_text() {
        for text in [
            "Karim Al-Farsi",
            "Karim <karim@contoso.com>",
            "a < b and c > d",
            "1 <2> 3",
            "AT&T",
            "<p unclosed",
        ] {
            assert_eq!(shown(text), None, "{text}");
        }
    }
}
