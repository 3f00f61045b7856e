//! `dsr-scrub find`: every place the data subjects appear in exports, by file, sheet, cell or
//! package part, column and subject position, never the value. For the discovery step of an
//! erasure request, and to prove absence on a fresh export after the import.
//!
//! Cells are compared as `scrub` compares them (every name form, emails, GUIDs, zero-width
//! characters and NFC/NFD ignored), in every sheet, hidden ones included. In an `.xlsx`, every
//! other part of the package is searched too (formulas, headers and footers as they print,
//! document properties, comments, tables, connections, ...), XML-unescaped, text and attribute
//! values and XML comments, in the encoding the part is written in, with its base64 runs
//! decoded; the shared strings table is searched for strings that no cell shows. Rich text
//! (HTML) is searched as it shows too (see [`Redactor`]), and a part's texts as the scrub's
//! sweep reads them (number formats as Excel shows them, JSON's and HTML's escapes decoded:
//! the crate's `xlsx::readings`), so that `find` lists every part where the scrub would find a
//! subject.

use crate::a1::column_letters;
use crate::actions::{Detector, Redactor};
use crate::cli::FindArgs;
use crate::cmd::print_stdout;
use crate::error::{exit, Error, Problem, ReadError};
use crate::input::InputKind;
use crate::pipeline;
use crate::subjects::Subjects;
use crate::workbook::Workbook;
use calamine::Data;
use quick_xml::events::Event;
use quick_xml::XmlVersion;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

/// Where a subject was found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    /// `sheet 'Disabled Users', cell E19 (column 'First Name')` or `part docProps/core.xml`.
    pub at: String,
    /// The subjects found there (1-based positions).
    pub subjects: Vec<usize>,
}

struct Finder {
    subjects: Subjects,
    redactor: Redactor,
}

impl Finder {
    /// The subjects (0-based) that `text` holds: as the whole cell or inside free text.
    fn hits(&self, text: &str) -> BTreeSet<usize> {
        let mut found: BTreeSet<usize> = self.subjects.matching(text).into_iter().collect();
        for fragment in self.redactor.replaced(text, &[]) {
            found.extend(self.subjects.mentioned(&fragment));
        }
        found
    }

    /// The subjects (0-based) that a text or attribute value of a part holds, as written or
    /// as a reader sees it (`_xHHHH_` escapes, a header's codes, a number format's literals,
    /// JSON's and HTML's escapes: the texts the scrub's sweep searches, see
    /// [`crate::xlsx::readings::shown_texts`]).
    fn part_hits(&self, text: &str, header_footer: bool) -> BTreeSet<usize> {
        let mut found = self.hits(text);
        for shown in crate::xlsx::readings::shown_texts(text, header_footer) {
            found.extend(self.hits(&shown));
        }
        found
    }

    fn cell_text(value: &Data) -> Option<String> {
        match value {
            Data::Empty => None,
            Data::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    }

    /// Cells of every sheet; returns the places and the texts of the cells that hit (to tell
    /// shared strings no cell shows).
    fn cells(&self, book: &Workbook) -> (Vec<Place>, BTreeSet<String>) {
        let mut places = Vec::new();
        let mut shown = BTreeSet::new();
        for sheet in &book.sheets {
            let headers = sheet.headers().unwrap_or_default();
            for row in 0..sheet.height() {
                for col in 0..sheet.width() {
                    let Some(text) = Self::cell_text(sheet.cell(row, col)) else {
                        continue;
                    };
                    let hits = self.hits(&text);
                    if hits.is_empty() {
                        continue;
                    }
                    let column = match headers.get(col as usize) {
                        Some(h) if row > 0 && !h.is_empty() => format!(" (column '{}')", h.trim()),
                        _ => String::new(),
                    };
                    // A sheet or column named after a subject is named by the subject's
                    // position, as the subjects are.
                    places.push(Place {
                        at: self
                            .subjects
                            .masked(&format!(
                                "sheet '{}', cell {}{}{column}",
                                sheet.name,
                                column_letters(col),
                                row + 1
                            ))
                            .into_owned(),
                        subjects: hits.into_iter().map(|s| s + 1).collect(),
                    });
                    shown.insert(text);
                }
            }
        }
        (places, shown)
    }

    /// Every part of an xlsx package but the cells' values (searched through the workbook):
    /// the places found, and a line for each part that cannot be searched (see
    /// [`crate::xlsx::encoded::Unsearched`]).
    fn parts(
        &self,
        bytes: &[u8],
        shown: &BTreeSet<String>,
    ) -> Result<(Vec<Place>, Vec<String>), Problem> {
        let corrupt = |_| ReadError::CorruptWorkbook("the zip directory is damaged");
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(corrupt)?;
        let mut places = Vec::new();
        let mut unsearched = Vec::new();
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).map_err(corrupt)?;
            if entry.is_dir() {
                continue;
            }
            // A part may be named after a subject: named by the subject's position then.
            let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
            let name = self.subjects.masked(&name).into_owned();
            let mut data = Vec::new();
            entry
                .read_to_end(&mut data)
                .map_err(|e| ReadError::Io(e.kind()))?;
            let mut cannot = |why: crate::xlsx::encoded::Unsearched| {
                unsearched.push(format!(
                    "part {name} cannot be searched: {}; {}",
                    why.why(),
                    why.todo()
                ));
            };
            let found =
                if name.ends_with(".xml") || name.ends_with(".rels") || name.ends_with(".vml") {
                    if crate::xlsx::encoded::unreadable_xml(&data) {
                        cannot(crate::xlsx::encoded::Unsearched::Encoding);
                    }
                    // In the encoding it is written in (UTF-16, a declared one), and its
                    // base64 runs decoded, as the scrub's search reads a part.
                    let text = crate::xlsx::encoded::decode_text(&data);
                    let xml = text.as_deref().map_or(&data[..], str::as_bytes);
                    let mut found = self.xml_part(&name, xml, shown);
                    for decoded in crate::xlsx::encoded::part_base64_texts(&data) {
                        found.extend(self.hits(&decoded).into_iter().map(|s| (s, 1)));
                    }
                    found
                } else {
                    // Binary parts (images, printer settings, vbaProject): their text in the
                    // encodings binary formats use, a VBA project's decompressed source, and
                    // the parts of an embedded package.
                    let readings = crate::xlsx::encoded::binary_readings(
                        &data,
                        crate::xlsx::encoded::project_of(&data),
                    );
                    if let Some(why) = readings.unsearched {
                        cannot(why);
                    }
                    readings
                        .texts
                        .iter()
                        .flat_map(|(text, _)| self.hits(text))
                        .collect::<BTreeSet<usize>>()
                        .into_iter()
                        .map(|s| (s, 1))
                        .collect()
                };
            let mut per_subject: BTreeMap<usize, u64> = BTreeMap::new();
            for (s, n) in found {
                *per_subject.entry(s).or_default() += n;
            }
            if !per_subject.is_empty() {
                let count: u64 = per_subject.values().sum();
                places.push(Place {
                    at: format!(
                        "part {name} ({} place{})",
                        count,
                        if count == 1 { "" } else { "s" }
                    ),
                    subjects: per_subject.keys().map(|s| s + 1).collect(),
                });
            }
        }
        Ok((places, unsearched))
    }

    /// Hits in one XML part: (subject, count). In worksheets everything but the cells' values
    /// counts (those are searched already): formulas, attributes, headers and footers as they
    /// print; in the shared strings table only strings that no hit cell shows, and phonetic
    /// readings.
    fn xml_part(&self, name: &str, data: &[u8], shown: &BTreeSet<String>) -> Vec<(usize, u64)> {
        let sheet = name.starts_with("xl/worksheets/");
        let strings = name == "xl/sharedStrings.xml";
        let mut reader = quick_xml::Reader::from_reader(data);
        let mut found = Vec::new();
        let mut stack: Vec<String> = Vec::new();
        let mut si = String::new();
        let mut text = String::new();
        let mut buf = Vec::new();
        let count = |text: &str, found: &mut Vec<(usize, u64)>| {
            for s in self.hits(text) {
                found.push((s, 1));
            }
        };
        loop {
            let event = match reader.read_event_into(&mut buf) {
                Ok(Event::Eof) | Err(_) => break,
                Ok(e) => e,
            };
            if matches!(
                event,
                Event::Text(_) | Event::CData(_) | Event::GeneralRef(_)
            ) {
                crate::needles::push_text(&event, &mut text);
                buf.clear();
                continue;
            }
            // An XML comment or processing instruction shows nowhere, but it is in the file, as
            // the scrub's sweep reads it: a text of its own, and the text around it one text
            // (`Ka<!-- -->rim` is `Karim`).
            if let Some(hidden) = crate::needles::hidden_text(&event) {
                count(&hidden, &mut found);
                buf.clear();
                continue;
            }
            // The text that ends here belongs to the innermost open element.
            if !text.is_empty() {
                let inside = stack.last().map(String::as_str);
                let phonetic = stack.iter().any(|s| s == "rPh");
                if strings {
                    if phonetic {
                        count(&text, &mut found);
                    } else if inside == Some("t") {
                        si.push_str(&text);
                    }
                } else if !sheet || inside == Some("f") || !stack.iter().any(|s| s == "sheetData") {
                    // A worksheet's cells are searched through the workbook; the rest of it
                    // (formulas, headers and footers, validations) here. A header's text as it
                    // prints: `&LAnna`, `An&Bna` hold `Anna`.
                    let header = inside.is_some_and(crate::xlsx::clean::xml::is_header_footer);
                    let hits = self.part_hits(&text, header);
                    found.extend(hits.into_iter().map(|s| (s, 1)));
                }
                text.clear();
            }
            match &event {
                Event::Start(e) | Event::Empty(e) => {
                    for a in e.attributes().flatten() {
                        if let Ok(v) = a.normalized_value(XmlVersion::Implicit1_0) {
                            found.extend(self.part_hits(&v, false).into_iter().map(|s| (s, 1)));
                        }
                    }
                    let name = e.local_name();
                    let local: &str = name.as_ref();
                    if strings && local == "si" {
                        si.clear();
                    }
                    if matches!(event, Event::Start(_)) {
                        stack.push(local.to_string());
                    }
                }
                Event::End(e) => {
                    stack.pop();
                    let name = e.local_name();
                    let local: &str = name.as_ref();
                    if strings && local == "si" && !shown.contains(&si) {
                        count(&si, &mut found);
                    }
                }
                _ => {}
            }
            buf.clear();
        }
        found
    }
}

/// Run `find`. `Ok` carries the exit code: 0 when no subject appears, 3 when one does, 1 when a
/// file cannot be read.
///
/// # Errors
/// [`Error::Usage`] (exit 2) without subjects or inputs.
pub fn run(args: &FindArgs) -> Result<i32, Error> {
    let subjects = Subjects::load(
        &args.subjects.subjects,
        args.subjects.subjects_file.as_deref(),
    )
    .map_err(Error::Usage)?;
    for warning in subjects.warnings() {
        eprintln!("dsr-scrub find: warning: {warning}");
    }
    if subjects.is_empty() {
        return Err(Error::Usage(
            "find needs the data subjects: pass --subject VALUE or --subjects FILE".into(),
        ));
    }
    let redactor =
        Redactor::new(vec![Detector::Subjects], &[], false, &subjects).map_err(Error::Usage)?;
    let finder = Finder { subjects, redactor };
    let files = pipeline::expand_inputs(&args.inputs).map_err(Error::Usage)?;
    if files.is_empty() {
        return Err(Error::Usage(
            "no .xlsx or .csv files found in the given folders".into(),
        ));
    }
    let limits = args.limits.limits();
    let mut out = String::new();
    let mut failed = 0;
    let mut places_total = 0;
    let mut files_with = 0;
    let mut found_subjects = BTreeSet::new();
    for file in &files {
        match find_in(&finder, file, &limits) {
            Ok((places, unsearched)) => {
                // A part that cannot be searched may hold a subject: the file is not proved
                // clean, as one that cannot be read is not.
                if !unsearched.is_empty() {
                    failed += 1;
                }
                for line in unsearched {
                    eprintln!("dsr-scrub find: FAILED {}: {line}", file.display());
                }
                if !places.is_empty() {
                    files_with += 1;
                }
                for p in places {
                    places_total += 1;
                    found_subjects.extend(p.subjects.iter().copied());
                    let who: Vec<String> =
                        p.subjects.iter().map(|s| format!("subject #{s}")).collect();
                    out.push_str(&format!(
                        "{}: {}: {}\n",
                        file.display(),
                        p.at,
                        who.join(", ")
                    ));
                }
            }
            Err(problem) => {
                failed += 1;
                eprintln!("dsr-scrub find: FAILED {}: {problem}", file.display());
            }
        }
    }
    print_stdout(&out).map_err(|e| Error::Run(format!("cannot print the places ({e})")))?;
    let n = finder.subjects.len();
    if places_total == 0 {
        eprintln!(
            "dsr-scrub find: none of the {n} subject(s) appears in {} file(s){}",
            files.len() - failed,
            if failed > 0 {
                format!("; {failed} file(s) could not be read")
            } else {
                String::new()
            }
        );
    } else {
        let who: Vec<String> = found_subjects.iter().map(|s| format!("#{s}")).collect();
        eprintln!(
            "dsr-scrub find: found subject(s) {} in {places_total} place(s) in {files_with} of {} file(s)",
            who.join(", "),
            files.len()
        );
    }
    Ok(if failed > 0 {
        exit::FAILED
    } else if places_total > 0 {
        exit::VERIFY
    } else {
        exit::OK
    })
}

fn find_in(
    finder: &Finder,
    file: &Path,
    limits: &crate::xlsx::Limits,
) -> Result<(Vec<Place>, Vec<String>), Problem> {
    let kind = InputKind::require(file)?;
    let bytes = std::fs::read(file).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ReadError::NotFound,
        kind => ReadError::Io(kind),
    })?;
    match kind {
        InputKind::Csv => {
            let stem = file.file_stem().unwrap_or_default().to_string_lossy();
            let book = crate::csv::read(&bytes, &stem)?;
            Ok((finder.cells(&book).0, Vec::new()))
        }
        InputKind::Xlsx => {
            let book = crate::xlsx::read_with(&bytes, limits)?;
            let (mut places, shown) = finder.cells(&book);
            let (in_parts, unsearched) = finder.parts(&bytes, &shown)?;
            places.extend(in_parts);
            Ok((places, unsearched))
        }
    }
}
