//! Part cleaners: the places of a package besides cells where a removed value can survive, each
//! cleaned by one small function the lossless writer calls (see `docs/output.md`, "What is cleaned
//! where").
//!
//! A cleaner takes a part's bytes and the values the scrub removes ([`Needles`]) and returns the
//! cleaned part, nothing (unchanged), or a [`Stop`] naming what cannot be cleaned without
//! breaking the workbook. [`package()`] dispatches the parts of a package to their cleaners by
//! relationship and path; the worksheet's own XML after the cells goes through [`sheet::tail`]
//! while the writer streams the sheet.

pub mod comments;
pub mod doc_props;
pub mod formulas;
pub mod hyperlinks;
pub mod other;
pub mod sheet;
pub mod workbook;
pub mod xml;

use super::package::{self, PackageMap};
use crate::apply::SheetChanges;
use crate::error::{Problem, ReadError, WriteError};
use crate::needles::Needles;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::{Cursor, Read};
use zip::ZipArchive;

/// Why a part cannot be cleaned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// The part is not readable XML.
    Malformed,
    /// A removed value is where no replacement keeps the workbook working.
    Uncleanable { place: &'static str },
    /// The part cannot be searched: it nests packages too deep, inflates like a zip bomb, or
    /// is XML in an encoding that cannot be read.
    Unsearched(crate::xlsx::encoded::Unsearched),
}

impl Stop {
    /// The file's error, naming the part.
    pub fn into_problem(self, part: &str) -> Problem {
        match self {
            Stop::Malformed => ReadError::CorruptWorkbook("malformed XML in the package").into(),
            Stop::Uncleanable { place } => WriteError::Uncleanable {
                part: part.to_string(),
                place,
                todo: todo(place),
            }
            .into(),
            Stop::Unsearched(why) => WriteError::Unsearchable {
                part: part.to_string(),
                why: why.why(),
                todo: why.todo(),
            }
            .into(),
        }
    }
}

/// What the user can do about a value in `place`.
fn todo(place: &str) -> &'static str {
    match place {
        "a formula" => {
            "replace that formula with its value or remove it in Excel, or scrub its column too"
        }
        "a sheet name" => "rename the sheet in Excel",
        "a table column name" => "rename the table column in Excel",
        "a relationship target" => "remove the link or object in Excel",
        "an embedded object" => "remove the embedded object in Excel",
        "printer settings" => "choose another printer in Excel's page setup and save again",
        "base64-encoded data" => {
            "remove the add-in, custom XML item or embedded data that holds it (or save the workbook without it)"
        }
        _ => "remove it in Excel",
    }
}

/// What the cleaning did to one file, as counts (never a value).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Hyperlinks removed (on changed cells, or whose target, location, display text or
    /// tooltip held a removed value).
    pub links_removed: u64,
    /// Cached values removed (formula results, values inside array ranges).
    pub caches_dropped: u64,
    /// Comments and threaded comments removed with their cells' values, and persons whose only
    /// threads went.
    pub comments_removed: u64,
    /// Texts and attributes elsewhere in which removed values were replaced.
    pub texts_redacted: u64,
    /// Document properties emptied.
    pub properties_cleared: u64,
    /// Parts dropped from the package (thumbnail, calculation chain).
    pub parts_dropped: u64,
    /// Phonetic readings (`<rPh>`) dropped from the shared strings (reported when any).
    #[serde(skip_serializing_if = "is_zero")]
    pub phonetic_dropped: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Counts {
    /// Whether the cleaning did nothing.
    pub fn is_empty(&self) -> bool {
        *self == Counts::default()
    }

    /// Add `other`'s counts.
    pub fn add(&mut self, other: &Counts) {
        self.links_removed += other.links_removed;
        self.caches_dropped += other.caches_dropped;
        self.comments_removed += other.comments_removed;
        self.texts_redacted += other.texts_redacted;
        self.properties_cleared += other.properties_cleared;
        self.parts_dropped += other.parts_dropped;
        self.phonetic_dropped += other.phonetic_dropped;
    }
}

/// What [`package()`] decided: new contents of parts (uncompressed), parts to leave out.
#[derive(Debug, Default)]
pub struct Edits {
    /// Part path → its new bytes.
    pub parts: HashMap<String, Vec<u8>>,
    /// Parts left out of the output.
    pub dropped: BTreeSet<String>,
    /// What was done.
    pub counts: Counts,
}

/// One worksheet as the writer handled it.
pub struct SheetDone<'a> {
    /// Its part.
    pub part: &'a str,
    /// Its changes.
    pub changes: &'a SheetChanges,
    /// Relationship ids of hyperlinks the sheet no longer refers to.
    pub dropped_links: Vec<String>,
    /// `mailto:` hyperlinks of changed email cells to point at the new address (id, address).
    pub retargeted_links: Vec<(String, String)>,
}

/// Clean every part of the package that is not a worksheet or the shared strings (which the
/// writer streams), on top of `base` (parts the writer already changed, uncompressed).
///
/// `recalc` says that cached formula values were removed, so the calculation chain goes.
///
/// # Errors
/// A [`Problem`] naming the part when a part cannot be read or cleaned.
pub fn package(
    zip: &mut ZipArchive<Cursor<&[u8]>>,
    map: &PackageMap,
    sheets: &[SheetDone],
    needles: &Needles,
    any_change: bool,
    recalc: bool,
    base: HashMap<String, Vec<u8>>,
) -> Result<Edits, Problem> {
    let mut edits = Edits::default();
    if !any_change {
        edits.parts = base;
        return Ok(edits);
    }
    let names: Vec<String> = zip
        .file_names()
        .filter_map(Result::ok)
        .filter(|n| !n.ends_with('/'))
        .map(|n| n.into_owned())
        .collect();
    let mut handled: HashSet<String> = map.sheets.iter().map(|s| s.path.clone()).collect();
    handled.extend(map.shared_strings.iter().cloned());
    handled.insert("[Content_Types].xml".into());
    let read = |zip: &mut ZipArchive<Cursor<&[u8]>>, path: &str| -> Result<Vec<u8>, Problem> {
        match base.get(path) {
            Some(b) => Ok(b.clone()),
            None => package::read_part(zip, path),
        }
    };

    // Parts that go: the thumbnail (its pixels cannot be checked) and, once cached values are
    // gone, the calculation chain.
    for name in &names {
        let lower = name.to_ascii_lowercase();
        let thumbnail = lower.starts_with("docprops/thumbnail.");
        let chain = recalc && lower.ends_with("calcchain.xml");
        if thumbnail || chain {
            edits.dropped.insert(name.clone());
            edits.counts.parts_dropped += 1;
        }
    }

    // Per sheet: comments, their VML shapes, threaded comments, and the links it dropped. The
    // persons threaded comments refer to, before and after, so that a person whose only threads
    // went leaves the persons part too.
    let mut persons_before: HashSet<String> = HashSet::new();
    let mut persons_after: HashSet<String> = HashSet::new();
    for done in sheets {
        for kind in ["/comments", "/vmlDrawing", "/threadedComment"] {
            for path in package::related_parts(zip, done.part, kind)? {
                if !handled.insert(path.clone()) || zip.index_for_name(&path).is_none() {
                    continue;
                }
                let xml = read(zip, &path)?;
                let threaded = kind == "/threadedComment";
                if threaded {
                    // Unreadable parts are judged below (kept when they hold no value).
                    persons_before.extend(comments::person_ids(&xml).unwrap_or_default());
                }
                let cleaned = match kind {
                    "/comments" => comments::legacy(&xml, done.changes, needles),
                    "/vmlDrawing" => comments::vml(&xml, done.changes, needles),
                    _ => comments::threaded(&xml, done.changes, needles),
                }
                .or_else(|stop| tolerate(stop, &xml, needles))
                .map_err(|s| s.into_problem(&path))?;
                if threaded {
                    let after = cleaned.as_ref().map_or(&xml, |c| &c.xml);
                    persons_after.extend(comments::person_ids(after).unwrap_or_default());
                }
                settle(&mut edits, path, cleaned);
            }
        }
        let rels = rels_of(done.part);
        if zip.index_for_name(&rels).is_some() {
            handled.insert(rels.clone());
            let xml = read(zip, &rels)?;
            let cleaned = hyperlinks::rels(
                &xml,
                &rels,
                &done.dropped_links,
                &done.retargeted_links,
                &edits.dropped,
                needles,
            )
            .map_err(|s| s.into_problem(&rels))?;
            settle(&mut edits, rels, cleaned);
        }
    }

    let persons_gone: HashSet<String> =
        persons_before.difference(&persons_after).cloned().collect();
    let persons_parts = package::related_parts(zip, &map.workbook, "/person")?;

    for name in names {
        if handled.contains(&name) || edits.dropped.contains(&name) {
            continue;
        }
        let lower = name.to_ascii_lowercase();
        let is_xml = [".xml", ".vml", ".rels"].iter().any(|e| lower.ends_with(e));
        let binary =
            !is_xml && (lower.contains("printersettings/") || lower.contains("embeddings/"));
        if !is_xml && lower.starts_with("xl/model/") {
            // The Data Model: a compressed copy of the workbook's tables that cannot be read.
            return Err(crate::error::WriteError::DataModel(name).into());
        }
        if !is_xml && !binary {
            // Images, media, fonts and the VBA project: not text this cleaner can judge.
            continue;
        }
        if lower.contains("/theme/") {
            continue;
        }
        let bytes = read(zip, &name)?;
        if is_xml && crate::xlsx::encoded::unreadable_xml(&bytes) {
            let why = crate::xlsx::encoded::Unsearched::Encoding;
            return Err(Stop::Unsearched(why).into_problem(&name));
        }
        let cleaned = if binary {
            other::binary(&bytes, &lower, needles).map(|()| None)
        } else if name == map.workbook {
            workbook::clean(&bytes, needles)
        } else if lower.starts_with("docprops/") {
            doc_props::clean(&bytes, needles)
        } else if lower.ends_with(".rels") {
            hyperlinks::rels(&bytes, &name, &[], &[], &edits.dropped, needles)
        } else if lower.contains("/tables/") {
            other::table(&bytes, needles)
        } else if lower.contains("pivotcachedefinition") {
            other::pivot_definition(&bytes, needles)
        } else if lower.starts_with("customxml/") {
            other::custom_xml(&bytes, needles)
        } else if persons_parts.contains(&name) {
            comments::persons(&bytes, &persons_gone, needles)
        } else {
            other::generic(&bytes, needles)
        }
        .or_else(|stop| tolerate(stop, &bytes, needles))
        .map_err(|s| s.into_problem(&name))?;
        if !binary {
            // No rule rewrites encoded data: a value in it stays, so the file cannot be cleaned.
            let after = cleaned.as_ref().map_or(&bytes[..], |c| &c.xml[..]);
            if crate::xlsx::encoded::part_base64_texts(after)
                .iter()
                .any(|t| needles.found_in_markup(t))
            {
                let place = "base64-encoded data";
                return Err(Stop::Uncleanable { place }.into_problem(&name));
            }
        }
        settle(&mut edits, name, cleaned);
    }
    for (path, bytes) in base {
        edits.parts.entry(path).or_insert(bytes);
    }
    if !edits.dropped.is_empty() {
        let types = "[Content_Types].xml";
        let xml = match edits.parts.remove(types) {
            Some(x) => x,
            None => package::read_part(zip, types)?,
        };
        let new = drop_overrides(&xml, &edits.dropped).map_err(|s| s.into_problem(types))?;
        edits.parts.insert(types.into(), new);
    }
    Ok(edits)
}

/// A part that is not well-formed XML (hand-edited VML, say) is kept as it is when its text
/// holds no removed value; otherwise it cannot be cleaned.
fn tolerate(stop: Stop, bytes: &[u8], needles: &Needles) -> Result<Option<Cleaned>, Stop> {
    match stop {
        Stop::Malformed => {
            let text = String::from_utf8_lossy(bytes);
            let text = quick_xml::escape::unescape(&text)
                .map(|t| t.into_owned())
                .unwrap_or_else(|_| text.into_owned());
            if needles.found_in_markup(&text) {
                Err(Stop::Uncleanable {
                    place: "a part that is not well-formed XML",
                })
            } else {
                Ok(None)
            }
        }
        other => Err(other),
    }
}

/// Record a cleaner's result: a changed part with its counts. An unchanged part is left out, so
/// that the writer copies it raw (or takes its own version from `base`).
fn settle(edits: &mut Edits, path: String, cleaned: Option<Cleaned>) {
    if let Some(c) = cleaned {
        edits.counts.add(&c.counts);
        edits.parts.insert(path, c.xml);
    }
}

/// A cleaned part and what was done to it.
#[derive(Debug)]
pub struct Cleaned {
    pub xml: Vec<u8>,
    pub counts: Counts,
}

/// The `.rels` part of `part`.
pub fn rels_of(part: &str) -> String {
    match part.rsplit_once('/') {
        Some((folder, file)) => format!("{folder}/_rels/{file}.rels"),
        None => format!("_rels/{part}.rels"),
    }
}

/// `[Content_Types].xml` without the overrides of dropped parts.
fn drop_overrides(xml: &[u8], dropped: &BTreeSet<String>) -> Result<Vec<u8>, Stop> {
    let nodes = xml::parse(xml)?;
    let edits = nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.local() == "Override")
        .filter(|(_, n)| {
            n.attr("PartName")
                .is_some_and(|p| dropped.contains(p.trim_start_matches('/')))
        })
        .map(|(i, _)| (xml::element_span(&nodes, i), Vec::new()))
        .collect();
    Ok(xml::splice(xml, edits))
}

/// Decompressed bytes of a zip inside the package (an embedded workbook), entry by entry.
fn inner_zip_texts(bytes: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut zip = ZipArchive::new(Cursor::new(bytes)).ok()?;
    let mut out = Vec::new();
    for i in 0..zip.len().min(10_000) {
        let mut entry = zip.by_index(i).ok()?;
        let mut data = Vec::new();
        entry.by_ref().take(64 << 20).read_to_end(&mut data).ok()?;
        out.push(data);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropped_parts_leave_the_content_types() {
        let xml = br#"<Types><Default Extension="xml" ContentType="a"/><Override PartName="/xl/calcChain.xml" ContentType="c"/><Override PartName="/xl/workbook.xml" ContentType="w"/></Types>"#;
        let dropped = BTreeSet::from(["xl/calcChain.xml".to_string()]);
        assert_eq!(
            String::from_utf8(drop_overrides(xml, &dropped).unwrap()).unwrap(),
            r#"<Types><Default Extension="xml" ContentType="a"/><Override PartName="/xl/workbook.xml" ContentType="w"/></Types>"#
        );
    }

    #[test]
    fn stops_name_the_part_and_what_to_do() {
        let p = Stop::Uncleanable {
            place: "a sheet name",
        }
        .into_problem("xl/workbook.xml");
        let text = p.to_string();
        assert!(text.contains("xl/workbook.xml") && text.contains("rename the sheet"));
        assert_eq!(text.lines().count(), 1);
    }
}
