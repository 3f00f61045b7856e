//! A worksheet's XML after its cells (everything from `</sheetData>` on): hyperlinks, autofilter
//! and sort values, data-validation lists, conditional-format text (classic and x14), headers
//! and footers, scenarios, smart tags.

use super::hyperlinks::covers_changed;
use super::xml::{self, Mode, Node};
use super::{Counts, Stop};
use crate::apply::SheetChanges;
use crate::needles::Needles;
use std::collections::HashSet;

/// The cleaned tail of a worksheet.
#[derive(Debug)]
pub struct Tail {
    /// The new bytes.
    pub xml: Vec<u8>,
    /// Relationship ids of the hyperlinks removed (their `.rels` entries go too).
    pub dropped_links: Vec<String>,
    /// `mailto:` hyperlinks kept on changed cells whose new value is an address: relationship id
    /// and that address (the `.rels` target is pointed at it).
    pub retargeted: Vec<(String, String)>,
    /// What was done.
    pub counts: Counts,
}

/// Clean a worksheet's tail (what follows `</sheetData>`): hyperlinks on changed cells, or
/// pointing at a target in `bad_links`, or whose location, display text or tooltip holds a
/// removed value, are removed (with `<hyperlinks>` when none is left), except a `mailto:` link
/// (its id in `mailtos`) on one changed cell whose new value is an address, which is kept and
/// pointed at that address; every other text and attribute loses its removed values (formulas
/// keep working or the file fails). `None` when nothing changes.
///
/// # Errors
/// [`Stop::Uncleanable`] for a formula naming a removed value outside a string literal.
pub fn tail(
    xml: &[u8],
    changes: &SheetChanges,
    bad_links: &HashSet<String>,
    mailtos: &HashSet<String>,
    needles: &Needles,
) -> Result<Option<Tail>, Stop> {
    // The tail closes the worksheet element; what comes before that is balanced XML.
    let body = memchr::memmem::rfind(xml, b"</").map_or(xml, |i| &xml[..i]);
    let nodes = xml::parse(body)?;
    let mut edits = Vec::new();
    let mut counts = Counts::default();
    let mut dropped_links = Vec::new();
    let mut retargeted = Vec::new();
    let mut dropped_nodes: Vec<std::ops::Range<usize>> = Vec::new();
    let mut groups: Vec<(usize, usize, usize)> = Vec::new(); // (open, links, dropped)
    for (i, node) in nodes.iter().enumerate() {
        match node.local() {
            "hyperlinks" if matches!(node, Node::Start { .. }) => groups.push((i, 0, 0)),
            "hyperlink" if matches!(node, Node::Start { .. }) => {
                if let Some(group) = groups.last_mut() {
                    group.1 += 1;
                }
                let id = node.attr("id").unwrap_or_default();
                let on_changed = node.attr("ref").is_some_and(|r| covers_changed(r, changes));
                let text_hit = ["location", "display", "tooltip"]
                    .iter()
                    .any(|a| node.attr(a).is_some_and(|v| needles.found_in_markup(v)));
                let location_hit = node
                    .attr("location")
                    .is_some_and(|v| needles.found_in_markup(v));
                let new_address = node
                    .attr("ref")
                    .filter(|_| mailtos.contains(id) && !location_hit)
                    .and_then(|r| new_address(r, changes));
                if let Some(address) = new_address {
                    // The display text shows the new address; the tooltip loses its values.
                    if let Node::Start {
                        span,
                        name,
                        attrs,
                        empty,
                    } = node
                    {
                        let mut changed = false;
                        let new: Vec<(String, String)> = attrs
                            .iter()
                            .map(|(k, v)| {
                                let new = match xml::local(k) {
                                    "display" if needles.found_in_markup(v) => {
                                        Some(address.clone())
                                    }
                                    "tooltip" => xml::redact_text(v, needles, true),
                                    _ => None,
                                };
                                changed |= new.is_some();
                                (k.clone(), new.unwrap_or_else(|| v.clone()))
                            })
                            .collect();
                        if changed {
                            counts.texts_redacted += 1;
                            edits.push((span.clone(), xml::start_tag(name, &new, *empty)));
                            dropped_nodes.push(i..i + 1);
                        }
                    }
                    retargeted.push((id.to_string(), address));
                } else if on_changed || bad_links.contains(id) || text_hit {
                    let close = xml::close_of(&nodes, i);
                    dropped_nodes.push(i..close + 1);
                    edits.push((xml::element_span(&nodes, i), Vec::new()));
                    counts.links_removed += 1;
                    if !id.is_empty() {
                        dropped_links.push(id.to_string());
                    }
                    if let Some(group) = groups.last_mut() {
                        group.2 += 1;
                    }
                }
            }
            _ => {}
        }
    }
    for &(open, links, dropped) in &groups {
        if links > 0 && links == dropped {
            edits.push((xml::element_span(&nodes, open), Vec::new()));
        }
    }
    // Everything else, outside the removed links.
    let kept: Vec<Node> = nodes
        .iter()
        .enumerate()
        .filter(|(i, _)| !dropped_nodes.iter().any(|r| r.contains(i)))
        .map(|(_, n)| n.clone())
        .collect();
    let (more, n) = xml::redact_nodes(&kept, needles, Mode::Redact, true)?;
    counts.texts_redacted += n as u64;
    edits.extend(more);
    if edits.is_empty() && retargeted.is_empty() {
        return Ok(None);
    }
    Ok(Some(Tail {
        xml: xml::splice(xml, edits),
        dropped_links,
        retargeted,
        counts,
    }))
}

/// The new value of the one changed cell `reference` names, when it is an email address.
fn new_address(reference: &str, changes: &SheetChanges) -> Option<String> {
    if reference.contains([':', ' ']) {
        return None;
    }
    let (row, col) = crate::a1::parse_cell(reference)?;
    let at = changes
        .cells
        .binary_search_by_key(&(row, col), |c| (c.row, c.col()))
        .ok()?;
    changes
        .value(&changes.cells[at])
        .as_str()
        .filter(|s| crate::dynamics::is_email(s))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::Change;
    use calamine::Data;

    fn changes() -> SheetChanges {
        SheetChanges {
            sheet: 0,
            cells: vec![Change {
                row: 1,
                col: 7,
                rule: 0,
                new: crate::apply::New::CLEARED,
            }],
            ..SheetChanges::default()
        }
    }

    fn run(xml: &str, bad: &[&str]) -> Option<Tail> {
        let needles = Needles::new(&["Anna Berg", "anna.berg@contoso.com"]);
        let bad = bad.iter().map(|s| s.to_string()).collect();
        tail(xml.as_bytes(), &changes(), &bad, &HashSet::new(), &needles).unwrap()
    }

    #[test]
    fn links_on_changed_cells_or_naming_values_go() {
        let xml = r#"<hyperlinks><hyperlink ref="H2" r:id="rId1"/><hyperlink ref="B5" location="Sheet2!A1" tooltip="Ask Anna Berg"/><hyperlink ref="B6" r:id="rId4"/><hyperlink ref="B7" r:id="rId5"/></hyperlinks><pageMargins left="0.7"/></worksheet>"#;
        let t = run(xml, &["rId4"]).unwrap();
        let out = String::from_utf8(t.xml).unwrap();
        assert_eq!(
            out,
            r#"<hyperlinks><hyperlink ref="B7" r:id="rId5"/></hyperlinks><pageMargins left="0.7"/></worksheet>"#
        );
        assert_eq!(t.dropped_links, ["rId1", "rId4"]);
        assert_eq!(t.counts.links_removed, 3);
    }

    #[test]
    fn mailto_links_on_cells_changed_to_an_address_are_kept() {
        let needles = Needles::new(&["anna.berg@contoso.com"]);
        let mut changes = changes();
        changes.cells[0].new = changes
            .values
            .push(Data::String("deleted-1@example.invalid".into()));
        let mailtos = HashSet::from(["rId1".to_string(), "rId2".to_string()]);
        let bad = HashSet::from(["rId1".to_string()]);
        let xml = r#"<hyperlinks><hyperlink ref="H2" r:id="rId1" display="anna.berg@contoso.com"/><hyperlink ref="B3" r:id="rId2"/></hyperlinks></worksheet>"#;
        let t = tail(xml.as_bytes(), &changes, &bad, &mailtos, &needles)
            .unwrap()
            .unwrap();
        assert_eq!(
            t.retargeted,
            [("rId1".to_string(), "deleted-1@example.invalid".to_string())]
        );
        assert!(t.dropped_links.is_empty());
        assert_eq!(
            String::from_utf8(t.xml).unwrap(),
            r#"<hyperlinks><hyperlink ref="H2" r:id="rId1" display="deleted-1@example.invalid"/><hyperlink ref="B3" r:id="rId2"/></hyperlinks></worksheet>"#
        );
        // A new value that is not an address: the link goes.
        changes.cells[0].new = changes.values.push(Data::String("Deleted".into()));
        let t = tail(xml.as_bytes(), &changes, &bad, &mailtos, &needles)
            .unwrap()
            .unwrap();
        assert!(t.retargeted.is_empty());
        assert_eq!(t.dropped_links, ["rId1"]);
    }

    #[test]
    fn an_emptied_hyperlinks_element_goes() {
        let xml = r#"<hyperlinks><hyperlink ref="H2" r:id="rId1"/></hyperlinks></worksheet>"#;
        let out = String::from_utf8(run(xml, &[]).unwrap().xml).unwrap();
        assert_eq!(out, "</worksheet>");
    }

    #[test]
    fn filters_validations_formats_and_footers_lose_values() {
        let xml = r#"<autoFilter ref="A1:H9"><filterColumn colId="7"><filters><filter val="Anna Berg"/></filters></filterColumn><sortState ref="A2:H9"><sortCondition ref="H2:H9" customList="Anna Berg,Bo"/></sortState></autoFilter><conditionalFormatting sqref="H2:H9"><cfRule type="containsText" operator="containsText" text="Anna Berg" priority="1"><formula>NOT(ISERROR(SEARCH("Anna Berg",H2)))</formula></cfRule></conditionalFormatting><dataValidations count="1"><dataValidation type="list" sqref="C2"><formula1>"Anna Berg,Bo Ek"</formula1></dataValidation></dataValidations><headerFooter><oddHeader>&amp;LAnna Berg</oddHeader></headerFooter></worksheet>"#;
        let t = run(xml, &[]).unwrap();
        let out = String::from_utf8(t.xml).unwrap();
        assert!(!out.to_lowercase().contains("anna berg"), "{out}");
        assert!(out.contains(r#"SEARCH("removed",H2)"#) && out.contains(r#""removed,Bo Ek""#));
        assert_eq!(t.counts.texts_redacted, 6);
        assert!(run("<pageMargins left=\"0.7\"/>", &[]).is_none());
    }

    #[test]
    fn a_formula_naming_a_value_outside_a_literal_cannot_be_cleaned() {
        let needles = Needles::new(&["Anna Berg"]);
        let xml = r#"<dataValidations><dataValidation type="list"><formula1>'Anna Berg'!$A$1:$A$3</formula1></dataValidation></dataValidations></worksheet>"#;
        assert!(matches!(
            tail(
                xml.as_bytes(),
                &changes(),
                &HashSet::new(),
                &HashSet::new(),
                &needles
            ),
            Err(Stop::Uncleanable { place: "a formula" })
        ));
    }
}
