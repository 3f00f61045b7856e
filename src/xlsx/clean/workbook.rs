//! The workbook part: the saved path (`x15ac:absPath`, which holds the user's folder), the
//! file-sharing user name, custom view names and defined names. A sheet named after a person
//! cannot be renamed without breaking formulas and the import, so it fails the file.

use super::xml::{self, Mode, Node};
use super::{Cleaned, Counts, Stop};
use crate::needles::Needles;

/// Clean `xl/workbook.xml`: the saved path always goes (it names the user's folder and Excel
/// does not need it); other texts and attributes lose their removed values; defined names keep
/// working or the file fails.
///
/// # Errors
/// [`Stop::Uncleanable`] for a sheet or defined name holding a removed value, or a defined name's
/// formula naming one outside a string literal.
pub fn clean(xml: &[u8], needles: &Needles) -> Result<Option<Cleaned>, Stop> {
    let nodes = xml::parse(xml)?;
    let mut edits = Vec::new();
    let mut counts = Counts::default();
    let mut removed: Vec<std::ops::Range<usize>> = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        if !matches!(node, Node::Start { .. }) {
            continue;
        }
        match node.local() {
            "sheet"
                if node
                    .attr("name")
                    .is_some_and(|n| needles.found_in_markup(n)) =>
            {
                return Err(Stop::Uncleanable {
                    place: "a sheet name",
                });
            }
            "definedName"
                if node
                    .attr("name")
                    .is_some_and(|n| needles.found_in_markup(n)) =>
            {
                return Err(Stop::Uncleanable {
                    place: "a defined name",
                });
            }
            "AlternateContent" | "absPath" if !removed.iter().any(|r| r.contains(&i)) => {
                let close = xml::close_of(&nodes, i);
                let has_path = nodes[i..=close].iter().any(|n| n.local() == "absPath");
                if has_path {
                    removed.push(i..close + 1);
                    edits.push((xml::element_span(&nodes, i), Vec::new()));
                    counts.properties_cleared += 1;
                }
            }
            _ => {}
        }
    }
    let kept: Vec<Node> = nodes
        .iter()
        .enumerate()
        .filter(|(i, _)| !removed.iter().any(|r| r.contains(i)))
        .map(|(_, n)| n.clone())
        .collect();
    let (more, n) = xml::redact_nodes(&kept, needles, Mode::Redact, true)?;
    counts.texts_redacted += n as u64;
    edits.extend(more);
    Ok((!edits.is_empty()).then(|| Cleaned {
        xml: xml::splice(xml, edits),
        counts,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needles() -> Needles {
        Needles::new(&["Anna Berg", "anna.berg"])
    }

    #[test]
    fn saved_path_user_and_view_names_go() {
        let xml = r#"<workbook xmlns="m" xmlns:mc="mc"><fileVersion appName="xl"/><fileSharing userName="Anna Berg" readOnlyRecommended="1"/><mc:AlternateContent><mc:Choice Requires="x15"><x15ac:absPath xmlns:x15ac="a" url="C:\Users\anna.berg\Documents\"/></mc:Choice></mc:AlternateContent><bookViews><workbookView/></bookViews><sheets><sheet name="Users" sheetId="1" r:id="rId1"/></sheets><definedNames><definedName name="Owner">"Anna Berg"</definedName></definedNames><customWorkbookViews><customWorkbookView name="Anna Berg - Personal View" guid="{1}"/></customWorkbookViews></workbook>"#;
        let c = clean(xml.as_bytes(), &needles()).unwrap().unwrap();
        let out = String::from_utf8(c.xml).unwrap();
        assert!(!out.to_lowercase().contains("anna"), "{out}");
        assert!(
            !out.contains("absPath")
                && out.contains(r#"<definedName name="Owner">"removed"</definedName>"#)
        );
        assert_eq!(
            (c.counts.properties_cleared, c.counts.texts_redacted),
            (1, 3)
        );
    }

    #[test]
    fn a_sheet_named_after_a_person_fails() {
        let xml = r#"<workbook><sheets><sheet name="Anna Berg" sheetId="1"/></sheets></workbook>"#;
        assert_eq!(
            clean(xml.as_bytes(), &needles()).unwrap_err(),
            Stop::Uncleanable {
                place: "a sheet name"
            }
        );
    }
}
