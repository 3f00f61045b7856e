//! Every other part a person or Excel can fill with data: chart caches and titles, pivot caches,
//! drawings and their alt text, external-link caches, connections, custom XML, revision logs,
//! web-extension settings, number formats; and the binary parts that can only be checked
//! (printer settings, embedded objects).

use super::xml::{self, Mode, Node};
use super::{Cleaned, Counts, Stop};
use crate::needles::Needles;

fn redacted(xml: &[u8], needles: &Needles) -> Result<Option<Cleaned>, Stop> {
    Ok(
        xml::redact_part(xml, needles, Mode::Redact, true)?.map(|(xml, n)| Cleaned {
            xml,
            counts: Counts {
                texts_redacted: n as u64,
                ..Counts::default()
            },
        }),
    )
}

/// Any XML part (charts, drawings, VML, external links, connections, revisions, web
/// extensions, persons, styles): each removed value in a text or attribute is replaced.
/// A chart's cached labels are rewritten by Excel from the cells when it recalculates.
///
/// # Errors
/// [`Stop`] for a formula naming a removed value outside a string literal, or malformed XML.
pub fn generic(xml: &[u8], needles: &Needles) -> Result<Option<Cleaned>, Stop> {
    redacted(xml, needles)
}

/// A table part: a column named after a person cannot be renamed without breaking the
/// structured references and the import; totals labels and formulas are cleaned.
///
/// # Errors
/// [`Stop::Uncleanable`] for such a column name.
pub fn table(xml: &[u8], needles: &Needles) -> Result<Option<Cleaned>, Stop> {
    let nodes = xml::parse(xml)?;
    if nodes.iter().any(|n| {
        n.local() == "tableColumn" && n.attr("name").is_some_and(|v| needles.found_in_markup(v))
    }) {
        return Err(Stop::Uncleanable {
            place: "a table column name",
        });
    }
    redacted(xml, needles)
}

/// A pivot cache definition: shared items that hold removed values are replaced, and the cache
/// is refreshed when the workbook opens.
///
/// # Errors
/// As [`generic`].
pub fn pivot_definition(xml: &[u8], needles: &Needles) -> Result<Option<Cleaned>, Stop> {
    let Some(mut cleaned) = redacted(xml, needles)? else {
        return Ok(None);
    };
    let nodes = xml::parse(&cleaned.xml)?;
    if let Some(Node::Start {
        span,
        name,
        attrs,
        empty,
    }) = nodes.iter().find(|n| n.local() == "pivotCacheDefinition")
    {
        let mut attrs = attrs.clone();
        attrs.retain(|(k, _)| k != "refreshOnLoad");
        attrs.push(("refreshOnLoad".into(), "1".into()));
        let tag = xml::start_tag(name, &attrs, *empty);
        cleaned.xml = xml::splice(&cleaned.xml, vec![(span.clone(), tag)]);
    }
    Ok(Some(cleaned))
}

/// A custom XML item, in UTF-8 or UTF-16 (with a byte order mark or without), written back in
/// its encoding.
///
/// # Errors
/// As [`generic`].
pub fn custom_xml(bytes: &[u8], needles: &Needles) -> Result<Option<Cleaned>, Stop> {
    // With a byte order mark or without (the mark is written back as it was).
    let Some((encoding, bom)) = crate::xlsx::encoded::utf16_xml(bytes) else {
        return redacted(bytes, needles);
    };
    let (text, _) = encoding.decode_without_bom_handling(&bytes[bom..]);
    let Some(mut cleaned) = redacted(text.as_bytes(), needles)? else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(&cleaned.xml).into_owned();
    let big = encoding == encoding_rs::UTF_16BE;
    let mut out = match (bom, big) {
        (0, _) => Vec::new(),
        (_, true) => vec![0xFE, 0xFF],
        (_, false) => vec![0xFF, 0xFE],
    };
    for unit in text.encode_utf16() {
        out.extend_from_slice(&if big {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    cleaned.xml = out;
    Ok(Some(cleaned))
}

/// A binary part (`lower` is its lowercase path), searched as UTF-16LE and Latin-1 text, and an
/// embedded package entry by entry: what it holds cannot be rewritten, so a hit fails the file.
/// Bytes that are not text are searched only for values chance cannot make (see
/// [`Needles::found_in_bytes`]).
///
/// # Errors
/// [`Stop::Uncleanable`] on a hit.
pub fn binary(bytes: &[u8], lower: &str, needles: &Needles) -> Result<(), Stop> {
    let place = if lower.contains("printersettings/") {
        "printer settings"
    } else {
        "an embedded object"
    };
    let hit = |data: &[u8]| {
        let (wide, _) = encoding_rs::UTF_16LE.decode_without_bom_handling(data);
        let (narrow, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(data);
        needles.found_in_bytes(&wide) || needles.found_in_bytes(&narrow)
    };
    // What is compressed inside it (an embedded document's own embedded package, a gzip
    // member) must be searched to the end: the leak sweep searches it for a removed value;
    // what cannot be searched fails the file here.
    if let Some(why) = crate::xlsx::encoded::binary_readings(bytes, None).unsearched {
        return Err(Stop::Unsearched(why));
    }
    let found = match super::inner_zip_texts(bytes) {
        Some(entries) => entries.iter().any(|e| {
            let text = String::from_utf8_lossy(e);
            let text = quick_xml::escape::unescape(&text)
                .map(|t| t.into_owned())
                .unwrap_or_else(|_| text.into_owned());
            let found = if std::str::from_utf8(e).is_ok() {
                needles.found_in_markup(&text)
            } else {
                needles.found_in_bytes(&text)
            };
            found || hit(e)
        }),
        None => hit(bytes),
    };
    if found {
        Err(Stop::Uncleanable { place })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needles() -> Needles {
        Needles::new(&["Anna Berg"])
    }

    #[test]
    fn chart_caches_and_titles_lose_values() {
        let xml = r#"<c:chartSpace><c:title><c:tx><c:rich><a:p><a:r><a:t>Cases of Anna Berg</a:t></a:r></a:p></c:rich></c:tx></c:title><c:cat><c:strRef><c:f>'Disabled Users'!$C$2:$C$3</c:f><c:strCache><c:pt idx="0"><c:v>Anna Berg</c:v></c:pt></c:strCache></c:strRef></c:cat></c:chartSpace>"#;
        let c = generic(xml.as_bytes(), &needles()).unwrap().unwrap();
        let out = String::from_utf8(c.xml).unwrap();
        assert!(!out.contains("Anna"), "{out}");
        assert_eq!(c.counts.texts_redacted, 2);
    }

    #[test]
    fn pivot_caches_refresh_on_load() {
        let xml = r#"<pivotCacheDefinition xmlns="m" r:id="rId1"><cacheFields count="1"><cacheField name="Full Name"><sharedItems><s v="Anna Berg"/><s v="Bo Ek"/></sharedItems></cacheField></cacheFields></pivotCacheDefinition>"#;
        let out = String::from_utf8(
            pivot_definition(xml.as_bytes(), &needles())
                .unwrap()
                .unwrap()
                .xml,
        )
        .unwrap();
        assert!(
            out.contains(r#"<s v="[removed]"/>"#) && out.contains(r#"refreshOnLoad="1""#),
            "{out}"
        );
    }

    #[test]
    fn utf16_custom_xml_stays_utf16() {
        let text = r#"<?xml version="1.0" encoding="UTF-16"?><r><owner>Anna Berg</owner></r>"#;
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let c = custom_xml(&bytes, &needles()).unwrap().unwrap();
        assert_eq!(&c.xml[..2], &[0xFF, 0xFE]);
        let (back, _) = encoding_rs::UTF_16LE.decode_with_bom_removal(&c.xml);
        assert!(back.contains("<owner>[removed]</owner>"), "{back}");
    }

    #[test]
    fn table_columns_named_after_a_person_fail() {
        let xml =
            r#"<table><tableColumns><tableColumn id="1" name="Anna Berg"/></tableColumns></table>"#;
        assert!(table(xml.as_bytes(), &needles()).is_err());
        let xml = r#"<table><tableColumns><tableColumn id="1" name="Owner" totalsRowLabel="Anna Berg"/></tableColumns></table>"#;
        assert!(table(xml.as_bytes(), &needles()).unwrap().is_some());
    }

    #[test]
    fn binary_parts_with_values_fail() {
        let mut devmode: Vec<u8> = "Anna Berg's printer"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        devmode.extend([0u8; 16]);
        assert_eq!(
            binary(
                &devmode,
                "xl/printersettings/printersettings1.bin",
                &needles()
            ),
            Err(Stop::Uncleanable {
                place: "printer settings"
            })
        );
        assert!(binary(
            &[0u8; 64],
            "xl/printersettings/printersettings1.bin",
            &needles()
        )
        .is_ok());
        assert!(binary(
            b"\x01\x02Anna Berg\x00",
            "xl/embeddings/oleobject1.bin",
            &needles()
        )
        .is_err());
    }
}
