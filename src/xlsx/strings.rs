//! The shared strings part (`xl/sharedStrings.xml`), read in one place.
//!
//! [`SharedStrings`] is the part split into its `<si>` items, kept as written: the lossless
//! writer copies the items cells still use and blanks the others ([`super::patch`]), and the
//! streaming engine reads the texts cells show from the same table ([`SharedStrings::texts`],
//! as calamine reads them: rich-text runs joined, phonetic runs left out, entities and
//! `_xHHHH_` escapes decoded). The two readings must agree on the number of items before the
//! engine uses them.
//!
//! The leak check reads the same items ([`items`]) without keeping the part: it searches each
//! item's whole text, phonetic runs too (which no cell shows), a large table's items in
//! parallel. So one parser finds the items; what is read inside an item is up to its reader
//! (calamine's texts for cells, every text for the leak check).

use super::cells::{Strings, Unknown};
use super::patch::{find_tag, prefix_of, qualified};
use crate::error::{Problem, ReadError};
use std::ops::Range;

/// The shared strings part, split into its `<si>` items.
pub(crate) struct SharedStrings {
    pub(super) xml: Vec<u8>,
    /// The bytes before the `<sst ...>` start tag, and the start tag itself.
    pub(super) prolog: Range<usize>,
    pub(super) start_tag: Range<usize>,
    /// Each `<si>` element.
    pub(super) items: Vec<Range<usize>>,
    /// Everything after the last item (`</sst>`, maybe an extLst).
    pub(super) tail: Range<usize>,
    /// The namespace prefix of `<sst>` with its colon, or empty.
    pub(super) prefix: Vec<u8>,
}

/// Where the pieces of a shared strings part are (see [`SharedStrings`]).
struct Layout {
    prolog: Range<usize>,
    start_tag: Range<usize>,
    items: Vec<Range<usize>>,
    tail: Range<usize>,
    prefix: Vec<u8>,
}

/// The `<si>` items of a shared strings part, as [`SharedStrings::parse`] splits it, for a
/// reader that does not keep the part.
///
/// # Errors
/// [`ReadError::CorruptWorkbook`] when the part is malformed.
pub(crate) fn items(xml: &[u8]) -> Result<Vec<Range<usize>>, Problem> {
    Ok(layout(xml)?.items)
}

/// Split a shared strings part: the one place its structure is read.
fn layout(xml: &[u8]) -> Result<Layout, Problem> {
    let bad = ReadError::CorruptWorkbook("malformed shared strings");
    let sst =
        find_tag(xml, 0, b"sst").ok_or(ReadError::CorruptWorkbook("malformed shared strings"))?;
    let sst_end = sst + memchr::memchr(b'>', &xml[sst..]).ok_or(bad)? + 1;
    let prefix = prefix_of(&xml[sst..]).to_vec();
    let si_end = qualified("</", &prefix, "si>");
    let mut items = Vec::new();
    let mut pos = sst_end;
    if !xml[..sst_end].ends_with(b"/>") {
        while let Some(start) = find_tag(xml, pos, b"si") {
            let open_end = start
                + memchr::memchr(b'>', &xml[start..])
                    .ok_or(ReadError::CorruptWorkbook("malformed shared strings"))?
                + 1;
            let end = if xml[..open_end].ends_with(b"/>") {
                open_end
            } else {
                open_end
                    + memchr::memmem::find(&xml[open_end..], &si_end)
                        .ok_or(ReadError::CorruptWorkbook("malformed shared strings"))?
                    + si_end.len()
            };
            items.push(start..end);
            pos = end;
        }
    }
    Ok(Layout {
        prolog: 0..sst,
        start_tag: sst..sst_end,
        items,
        tail: pos..xml.len(),
        prefix,
    })
}

impl SharedStrings {
    /// Split a shared strings part into its items.
    ///
    /// # Errors
    /// [`ReadError::CorruptWorkbook`] when the part is malformed.
    pub(crate) fn parse(xml: Vec<u8>) -> Result<SharedStrings, Problem> {
        let layout = layout(&xml)?;
        Ok(SharedStrings {
            prolog: layout.prolog,
            start_tag: layout.start_tag,
            items: layout.items,
            tail: layout.tail,
            xml,
            prefix: layout.prefix,
        })
    }

    /// How many items the table has.
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// The texts cells show, one per item, as calamine reads the part.
    ///
    /// # Errors
    /// [`Unknown`] where calamine would fail.
    pub(crate) fn texts(&self) -> Result<Strings, Unknown> {
        super::cells::shared_strings(&self.xml)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_and_texts_agree() {
        let xml = r#"<?xml version="1.0"?><sst xmlns="x" count="4" uniqueCount="4"><si><t>Header</t></si><si><t xml:space="preserve"> Zoë </t></si><si><r><t>ri</t></r><r><t>ch</t></r><rPh><t>ふり</t></rPh></si><si/></sst>"#;
        let sst = SharedStrings::parse(xml.as_bytes().to_vec()).unwrap();
        assert_eq!(sst.len(), 4);
        let texts = sst.texts().unwrap();
        assert_eq!(texts.len(), 4);
        assert_eq!(
            (0..4).map(|i| texts.get(i).unwrap()).collect::<Vec<_>>(),
            ["Header", " Zoë ", "rich", ""]
        );
    }

    #[test]
    fn malformed_parts() {
        for xml in ["<si><t>x</t></si>", "<sst><si><t>x</t>", "<sst><si "] {
            assert!(
                SharedStrings::parse(xml.as_bytes().to_vec()).is_err(),
                "{xml}"
            );
        }
        let empty = SharedStrings::parse(b"<sst/>".to_vec()).unwrap();
        assert_eq!(empty.len(), 0);
    }
}
