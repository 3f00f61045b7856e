//! Hyperlinks: a worksheet's `<hyperlink>` elements and the relationships (`.rels`) that hold
//! their targets (`mailto:` addresses, web addresses, file paths).

use super::xml::{self, Node};
use super::{Cleaned, Counts, Stop};
use crate::needles::Needles;
use std::collections::{BTreeSet, HashSet};

/// A relationship target as a person would read it: percent-escapes decoded (`%40` is `@`,
/// `%20` a space), so that an escaped address is found as well.
fn readable(target: &str) -> String {
    percent_encoding::percent_decode_str(target)
        .decode_utf8_lossy()
        .into_owned()
}

/// Ids of the hyperlink relationships in a sheet's `.rels` whose target holds a removed value:
/// the sheet's hyperlinks that point at them go too.
///
/// # Errors
/// [`Stop::Malformed`].
pub fn bad_targets(rels: &[u8], needles: &Needles) -> Result<HashSet<String>, Stop> {
    let nodes = xml::parse(rels)?;
    Ok(nodes
        .iter()
        .filter(|n| n.local() == "Relationship")
        .filter(|n| n.attr("Type").is_some_and(|t| t.ends_with("/hyperlink")))
        .filter(|n| {
            n.attr("Target")
                .is_some_and(|t| needles.found_in_markup(&readable(t)))
        })
        .filter_map(|n| n.attr("Id").map(str::to_string))
        .collect())
}

/// Ids of the hyperlink relationships in a sheet's `.rels` whose target is a `mailto:` address:
/// on a changed email cell whose new value is an address, such a link is pointed at it.
///
/// # Errors
/// [`Stop::Malformed`].
pub fn mailto_targets(rels: &[u8]) -> Result<HashSet<String>, Stop> {
    let nodes = xml::parse(rels)?;
    Ok(nodes
        .iter()
        .filter(|n| n.local() == "Relationship")
        .filter(|n| n.attr("Type").is_some_and(|t| t.ends_with("/hyperlink")))
        .filter(|n| {
            n.attr("Target").is_some_and(|t| {
                t.get(..7)
                    .is_some_and(|s| s.eq_ignore_ascii_case("mailto:"))
            })
        })
        .filter_map(|n| n.attr("Id").map(str::to_string))
        .collect())
}

/// A `.rels` part at `path` without the relationships of `ids` (hyperlinks the sheet dropped)
/// and of `dropped` parts, with the `mailto:` links of `retarget` (id, new address) pointed at
/// their new addresses; an external target that still holds a removed value points nowhere
/// (`about:blank` for a link).
///
/// # Errors
/// [`Stop::Uncleanable`] when a target inside the package names a removed value.
pub fn rels(
    xml: &[u8],
    path: &str,
    ids: &[String],
    retarget: &[(String, String)],
    dropped: &BTreeSet<String>,
    needles: &Needles,
) -> Result<Option<Cleaned>, Stop> {
    let nodes = xml::parse(xml)?;
    let base = path
        .rsplit_once("_rels/")
        .map_or("", |(folder, _)| folder.trim_end_matches('/'));
    let mut edits = Vec::new();
    let mut counts = Counts::default();
    for (i, node) in nodes.iter().enumerate() {
        let Node::Start {
            name, attrs, empty, ..
        } = node
        else {
            continue;
        };
        if node.local() != "Relationship" {
            continue;
        }
        let id = node.attr("Id").unwrap_or_default();
        let target = node.attr("Target").unwrap_or_default();
        let external = node.attr("TargetMode") == Some("External");
        let gone =
            !external && dropped.contains(&crate::xlsx::package::resolve_target(base, target));
        if ids.iter().any(|x| x == id) || gone {
            edits.push((xml::element_span(&nodes, i), Vec::new()));
            continue;
        }
        if let Some((_, address)) = retarget.iter().find(|(x, _)| x == id) {
            let new: Vec<(String, String)> = attrs
                .iter()
                .map(|(k, v)| match k.as_str() {
                    "Target" => (k.clone(), format!("mailto:{address}")),
                    _ => (k.clone(), v.clone()),
                })
                .collect();
            counts.texts_redacted += 1;
            edits.push((node.span(), xml::start_tag(name, &new, *empty)));
            continue;
        }
        if !needles.found_in_markup(&readable(target)) {
            continue;
        }
        if !external {
            return Err(Stop::Uncleanable {
                place: "a relationship target",
            });
        }
        let link = node.attr("Type").is_some_and(|t| t.ends_with("/hyperlink"));
        let new: Vec<(String, String)> = attrs
            .iter()
            .map(|(k, v)| match k.as_str() {
                "Target" if link => (k.clone(), "about:blank".to_string()),
                "Target" => (k.clone(), "removed".to_string()),
                _ => (k.clone(), v.clone()),
            })
            .collect();
        if link {
            counts.links_removed += 1;
        } else {
            counts.texts_redacted += 1;
        }
        edits.push((node.span(), xml::start_tag(name, &new, *empty)));
    }
    Ok((!edits.is_empty()).then(|| Cleaned {
        xml: xml::splice(xml, edits),
        counts,
    }))
}

/// Whether a cell reference or range (`B7`, `B7:C9`, zero-based cells in `changed`) covers a
/// changed cell.
pub fn covers_changed(reference: &str, changed: &crate::apply::SheetChanges) -> bool {
    reference.split_whitespace().any(|range| {
        let Some((r1, c1, r2, c2)) = crate::a1::parse_cell_range(range) else {
            return false;
        };
        let from = changed.cells.partition_point(|c| c.row < r1);
        changed.cells[from..]
            .iter()
            .take_while(|c| c.row <= r2)
            .any(|c| (c1..=c2).contains(&c.col()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::{Change, SheetChanges};

    fn changed(cells: &[(u32, u16)]) -> SheetChanges {
        SheetChanges {
            sheet: 0,
            cells: cells
                .iter()
                .map(|&(row, col)| Change {
                    row,
                    col,
                    rule: 0,
                    new: crate::apply::New::CLEARED,
                })
                .collect(),
            ..SheetChanges::default()
        }
    }

    #[test]
    fn references_and_ranges_cover_changed_cells() {
        let c = changed(&[(1, 7), (4, 2)]);
        assert!(covers_changed("H2", &c));
        assert!(covers_changed("$A$5:C9", &c));
        assert!(!covers_changed("H3", &c));
        assert!(!covers_changed("D3:Z4", &c));
        assert!(covers_changed("D1:Z4", &c));
    }

    #[test]
    fn escaped_mailto_targets_are_found_and_dropped() {
        let needles = Needles::new(&["anna.berg@contoso.com"]);
        let rels = br#"<Relationships><Relationship Id="rId1" Type="http://x/hyperlink" Target="mailto:anna.berg%40contoso.com" TargetMode="External"/><Relationship Id="rId2" Type="http://x/hyperlink" Target="https://contoso.com/" TargetMode="External"/><Relationship Id="rId3" Type="http://x/table" Target="../tables/table1.xml"/></Relationships>"#;
        let bad = bad_targets(rels, &needles).unwrap();
        assert_eq!(bad, HashSet::from(["rId1".to_string()]));
        let out = rels_part(rels, &["rId1".into()], &needles);
        assert!(!out.contains("rId1") && out.contains("rId2") && out.contains("rId3"));
    }

    #[test]
    fn mailto_links_are_pointed_at_the_new_address() {
        let needles = Needles::new(&["anna.berg@contoso.com"]);
        let xml = br#"<Relationships><Relationship Id="rId1" Type="http://x/hyperlink" Target="MAILTO:anna.berg%40contoso.com" TargetMode="External"/><Relationship Id="rId2" Type="http://x/hyperlink" Target="https://contoso.com/" TargetMode="External"/></Relationships>"#;
        assert_eq!(
            mailto_targets(xml).unwrap(),
            HashSet::from(["rId1".to_string()])
        );
        let retarget = [("rId1".to_string(), "deleted-1@example.invalid".to_string())];
        let out = rels(
            xml,
            "xl/worksheets/_rels/sheet1.xml.rels",
            &[],
            &retarget,
            &BTreeSet::new(),
            &needles,
        )
        .unwrap()
        .unwrap();
        let out = String::from_utf8(out.xml).unwrap();
        assert!(
            out.contains(r#"Id="rId1" Type="http://x/hyperlink" Target="mailto:deleted-1@example.invalid" TargetMode="External""#)
                && !out.contains("anna"),
            "{out}"
        );
    }

    fn rels_part(xml: &[u8], ids: &[String], needles: &Needles) -> String {
        let cleaned = rels(
            xml,
            "xl/worksheets/_rels/sheet1.xml.rels",
            ids,
            &[],
            &BTreeSet::new(),
            needles,
        )
        .unwrap()
        .unwrap();
        String::from_utf8(cleaned.xml).unwrap()
    }

    #[test]
    fn other_targets_holding_a_value_point_nowhere() {
        let needles = Needles::new(&["Anna Berg"]);
        let xml = br#"<Relationships><Relationship Id="rId1" Type="http://x/hyperlink" Target="https://x.test/Anna%20Berg" TargetMode="External"/><Relationship Id="rId2" Type="http://x/externalLinkPath" Target="file:///C:/Users/Anna%20Berg/book.xlsx" TargetMode="External"/></Relationships>"#;
        let out = rels_part(xml, &[], &needles);
        assert!(out.contains(r#"Target="about:blank""#) && out.contains(r#"Target="removed""#));
        let internal = br#"<Relationships><Relationship Id="rId1" Type="http://x/image" Target="../media/Anna Berg.png"/></Relationships>"#;
        assert!(matches!(
            rels(
                internal,
                "xl/drawings/_rels/drawing1.xml.rels",
                &[],
                &[],
                &BTreeSet::new(),
                &needles
            ),
            Err(Stop::Uncleanable { .. })
        ));
    }

    #[test]
    fn relationships_of_dropped_parts_go() {
        let xml = br#"<Relationships><Relationship Id="rId1" Type="t/calcChain" Target="calcChain.xml"/><Relationship Id="rId2" Type="t/styles" Target="styles.xml"/></Relationships>"#;
        let dropped = BTreeSet::from(["xl/calcChain.xml".to_string()]);
        let out = rels(
            xml,
            "xl/_rels/workbook.xml.rels",
            &[],
            &[],
            &dropped,
            &Needles::new::<&str>(&[]),
        )
        .unwrap()
        .unwrap();
        let out = String::from_utf8(out.xml).unwrap();
        assert!(!out.contains("calcChain") && out.contains("styles.xml"));
    }
}
