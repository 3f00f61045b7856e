//! What a reader sees in a text or attribute value of a package part, besides the text itself:
//! the one reading that the leak sweep, `verify` and `find` search (see [`shown_texts`]).

use crate::xlsx::clean::xml as clean;

/// What a reader sees in an XML text or attribute value besides the text itself, for the
/// sweep, `verify` and `find` alike: a header's or footer's text as it prints (`&LAnna Berg`,
/// `An&Bna`, see [`clean::header_footer_printed`]), the text decoded from SpreadsheetML's
/// `_xHHHH_` escapes, which Excel shows decoded, when it has any (a header's, as it prints
/// too), and a number format's literals as Excel shows them (see [`format_literals`]).
/// Percent-escapes the [`crate::needles::Haystack`] and the needles decode themselves.
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

#[cfg(test)]
mod tests {
    use super::*;

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
