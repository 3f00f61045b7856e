//! Comments: legacy comments (`xl/commentsN.xml`) with their VML shapes, and threaded comments.
//! A comment on a changed cell goes with the cell's value; any other comment, author or person
//! that holds a removed value keeps its place with the value replaced. A person whose only
//! threads went is removed from the persons part.

use super::hyperlinks::covers_changed;
use super::xml::{self, Mode};
use super::{Cleaned, Counts, Stop};
use crate::apply::SheetChanges;
use crate::needles::Needles;
use std::collections::HashSet;

/// Remove the elements named `element` that `on_changed` picks, then redact the rest.
fn clean(
    xml: &[u8],
    element: &str,
    on_changed: impl Fn(&[xml::Node], usize) -> bool,
    needles: &Needles,
) -> Result<Option<Cleaned>, Stop> {
    let nodes = xml::parse(xml)?;
    let mut edits = Vec::new();
    let mut counts = Counts::default();
    let mut removed: Vec<std::ops::Range<usize>> = Vec::new();
    for i in 0..nodes.len() {
        if nodes[i].local() == element
            && matches!(nodes[i], xml::Node::Start { .. })
            && !removed.iter().any(|r| r.contains(&i))
            && on_changed(&nodes, i)
        {
            let close = xml::close_of(&nodes, i);
            removed.push(i..close + 1);
            edits.push((xml::element_span(&nodes, i), Vec::new()));
            counts.comments_removed += 1;
        }
    }
    let kept: Vec<xml::Node> = nodes
        .iter()
        .enumerate()
        .filter(|(i, _)| !removed.iter().any(|r| r.contains(i)))
        .map(|(_, n)| n.clone())
        .collect();
    // Comment text is typed by people: short numbers count there too.
    let (more, n) = xml::redact_nodes(&kept, needles, Mode::Redact, false)?;
    counts.texts_redacted += n as u64;
    edits.extend(more);
    Ok((!edits.is_empty()).then(|| Cleaned {
        xml: xml::splice(xml, edits),
        counts,
    }))
}

/// A legacy comments part: `<comment ref="B2">` on changed cells removed; other comment texts
/// and author names redacted.
///
/// # Errors
/// [`Stop::Malformed`].
pub fn legacy(
    xml: &[u8],
    changes: &SheetChanges,
    needles: &Needles,
) -> Result<Option<Cleaned>, Stop> {
    clean(
        xml,
        "comment",
        |nodes, i| {
            nodes[i]
                .attr("ref")
                .is_some_and(|r| covers_changed(r, changes))
        },
        needles,
    )
}

/// A threaded comments part: threads (and replies) on changed cells removed; other texts
/// redacted.
///
/// # Errors
/// [`Stop::Malformed`].
pub fn threaded(
    xml: &[u8],
    changes: &SheetChanges,
    needles: &Needles,
) -> Result<Option<Cleaned>, Stop> {
    clean(
        xml,
        "threadedComment",
        |nodes, i| {
            nodes[i]
                .attr("ref")
                .is_some_and(|r| covers_changed(r, changes))
        },
        needles,
    )
}

/// The persons a threaded comments part refers to: authors (`personId`) and people mentioned
/// (`mentionpersonId`).
///
/// # Errors
/// [`Stop::Malformed`].
pub fn person_ids(xml: &[u8]) -> Result<HashSet<String>, Stop> {
    let nodes = xml::parse(xml)?;
    let mut ids = HashSet::new();
    for node in &nodes {
        for key in ["personId", "mentionpersonId"] {
            if let Some(id) = node.attr(key) {
                ids.insert(id.to_string());
            }
        }
    }
    Ok(ids)
}

/// A persons part (`xl/persons/person.xml`): the `<person>` entries in `gone` (whose only
/// threads were removed) removed, other names and user ids redacted.
///
/// # Errors
/// [`Stop::Malformed`].
pub fn persons(
    xml: &[u8],
    gone: &HashSet<String>,
    needles: &Needles,
) -> Result<Option<Cleaned>, Stop> {
    clean(
        xml,
        "person",
        |nodes, i| nodes[i].attr("id").is_some_and(|id| gone.contains(id)),
        needles,
    )
}

/// The VML drawing of a sheet's comments: the note shapes of changed cells removed (they would
/// show an empty box), other texts redacted.
///
/// # Errors
/// [`Stop::Malformed`].
pub fn vml(xml: &[u8], changes: &SheetChanges, needles: &Needles) -> Result<Option<Cleaned>, Stop> {
    let cleaned = clean(
        xml,
        "shape",
        |nodes, i| {
            let close = xml::close_of(nodes, i);
            let mut row = None;
            let mut col = None;
            let mut note = false;
            for j in i..=close {
                match nodes[j].local() {
                    "ClientData" => note |= nodes[j].attr("ObjectType") == Some("Note"),
                    "Row" if matches!(nodes[j], xml::Node::Start { .. }) => {
                        row = xml::inner_text(nodes, j).trim().parse::<u32>().ok();
                    }
                    "Column" if matches!(nodes[j], xml::Node::Start { .. }) => {
                        col = xml::inner_text(nodes, j).trim().parse::<u32>().ok();
                    }
                    _ => {}
                }
            }
            match (note, row, col) {
                (true, Some(r), Some(c)) => changes
                    .cells
                    .binary_search_by_key(&(r, c), |x| (x.row, x.col()))
                    .is_ok(),
                _ => false,
            }
        },
        needles,
    )?;
    // The shapes are the legacy comments' drawings, already counted there.
    Ok(cleaned.map(|mut c| {
        c.counts.comments_removed = 0;
        c
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::Change;

    fn changes() -> SheetChanges {
        SheetChanges {
            sheet: 0,
            cells: vec![Change {
                row: 1,
                col: 4,
                rule: 0,
                new: crate::apply::New::CLEARED,
            }],
            ..SheetChanges::default()
        }
    }

    fn needles() -> Needles {
        Needles::new(&["Anna Berg", "Zoë Müller"])
    }

    #[test]
    fn comments_on_changed_cells_go_others_are_redacted() {
        let xml = r#"<comments xmlns="m"><authors><author>Zoë Müller</author><author>IT</author></authors><commentList><comment ref="E2" authorId="1"><text><r><t>was Anna Berg</t></r></text></comment><comment ref="A5" authorId="0"><text><t>Ask Anna Berg first</t></text></comment></commentList></comments>"#;
        let c = legacy(xml.as_bytes(), &changes(), &needles())
            .unwrap()
            .unwrap();
        let out = String::from_utf8(c.xml).unwrap();
        assert_eq!(
            out,
            r#"<comments xmlns="m"><authors><author>[removed]</author><author>IT</author></authors><commentList><comment ref="A5" authorId="0"><text><t>Ask [removed] first</t></text></comment></commentList></comments>"#
        );
        assert_eq!((c.counts.comments_removed, c.counts.texts_redacted), (1, 2));
    }

    #[test]
    fn note_shapes_of_changed_cells_go() {
        let xml = r##"<xml xmlns:v="v" xmlns:x="x"><v:shape id="_x0000_s1025" type="#_x0000_t202"><v:textbox><div>Anna Berg</div></v:textbox><x:ClientData ObjectType="Note"><x:Row>1</x:Row><x:Column>4</x:Column></x:ClientData></v:shape><v:shape id="_x0000_s1026"><x:ClientData ObjectType="Note"><x:Row>4</x:Row><x:Column>0</x:Column></x:ClientData></v:shape></xml>"##;
        let c = vml(xml.as_bytes(), &changes(), &needles())
            .unwrap()
            .unwrap();
        let out = String::from_utf8(c.xml).unwrap();
        assert!(!out.contains("s1025") && out.contains("s1026"), "{out}");
    }

    #[test]
    fn threads_on_changed_cells_go_with_their_replies() {
        let xml = r#"<ThreadedComments xmlns="t"><threadedComment ref="E2" id="{1}" personId="{p}"><text>Anna Berg left</text></threadedComment><threadedComment ref="E2" id="{2}" parentId="{1}" personId="{p}"><text>ok</text></threadedComment><threadedComment ref="B9" id="{3}" personId="{p}"><text>fine</text></threadedComment></ThreadedComments>"#;
        let c = threaded(xml.as_bytes(), &changes(), &needles())
            .unwrap()
            .unwrap();
        let out = String::from_utf8(c.xml).unwrap();
        assert!(!out.contains("{1}") && !out.contains("{2}") && out.contains("{3}"));
        assert_eq!(c.counts.comments_removed, 2);
    }

    #[test]
    fn persons_whose_threads_went_are_removed() {
        let thread = r#"<ThreadedComments xmlns="t"><threadedComment ref="B9" id="{3}" personId="{p}"><text>see</text><mentions><mention mentionpersonId="{m}" mentionId="{x}" startIndex="0" length="3"/></mentions></threadedComment></ThreadedComments>"#;
        let ids = person_ids(thread.as_bytes()).unwrap();
        assert_eq!(ids, HashSet::from(["{p}".to_string(), "{m}".to_string()]));
        let xml = r#"<personList xmlns="t"><person displayName="Anna Berg" id="{a}" userId="a@x" providerId="AD"/><person displayName="IT" id="{p}" providerId="None"/></personList>"#;
        let gone = HashSet::from(["{a}".to_string()]);
        let c = persons(xml.as_bytes(), &gone, &needles()).unwrap().unwrap();
        assert_eq!(
            String::from_utf8(c.xml).unwrap(),
            r#"<personList xmlns="t"><person displayName="IT" id="{p}" providerId="None"/></personList>"#
        );
        assert_eq!(c.counts.comments_removed, 1);
        assert!(persons(
            xml.as_bytes(),
            &HashSet::new(),
            &Needles::new(&["Nobody Here"])
        )
        .unwrap()
        .is_none());
    }
}
