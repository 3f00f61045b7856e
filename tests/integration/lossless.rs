//! The lossless writer: untouched parts byte for byte, changed sheets changed only in changed
//! cells, removed values gone from every part.

use crate::workdir::{cell, is_searchable, libreoffice, libreoffice_csv, Book, Workdir};
use calamine::Data;
use dsr_scrub::testdata::{self, Export, Options, EXPORTED_BY};
use regex::Regex;
use std::collections::HashSet;
use std::io::{Cursor, Read};

/// A zip entry: name, raw (still compressed) bytes, and decompressed bytes.
struct Entry {
    name: String,
    raw: Vec<u8>,
    data: Vec<u8>,
}

fn entries(xlsx: &[u8]) -> Vec<Entry> {
    let mut zip = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut raw = Vec::new();
            let name = {
                let mut f = zip.by_index_raw(i).unwrap();
                f.read_to_end(&mut raw).unwrap();
                f.name().unwrap().into_owned()
            };
            let mut data = Vec::new();
            zip.by_index(i).unwrap().read_to_end(&mut data).unwrap();
            Entry { name, raw, data }
        })
        .collect()
}

fn export(formula_column: bool) -> Export {
    testdata::disabled_users(&Options {
        rows: 80,
        formula_column,
        extra_sheet: true,
        ..Options::default()
    })
}

fn scrub(export: &Export, args: &[&str]) -> (Workdir, Vec<u8>, Vec<u8>) {
    let wd = Workdir::new();
    let input = export.to_xlsx();
    wd.write("users.xlsx", &input);
    let mut all = vec!["scrub", "-q"];
    all.extend_from_slice(args);
    all.push("users.xlsx");
    let run = wd.run(&all);
    assert_eq!(run.code, 0, "{}", run.text());
    let output = wd.read("scrubbed/users.xlsx");
    (wd, input, output)
}

#[test]
fn untouched_parts_are_copied_raw() {
    for formulas in [false, true] {
        let (_wd, input, output) = scrub(&export(formulas), &[]);
        let (before, after) = (entries(&input), entries(&output));
        let names = |e: &[Entry]| e.iter().map(|e| e.name.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(&before),
            names(&after),
            "same entries in the same order"
        );
        for (b, a) in before.iter().zip(&after) {
            match b.name.as_str() {
                "xl/worksheets/sheet1.xml" | "xl/sharedStrings.xml" => assert_ne!(b.data, a.data),
                "xl/workbook.xml" if formulas => {
                    // Only the recalculation flag is added.
                    let (b, a) = (
                        String::from_utf8_lossy(&b.data),
                        String::from_utf8_lossy(&a.data),
                    );
                    assert!(a.contains("fullCalcOnLoad=\"1\""), "{a}");
                    assert_eq!(
                        a.replace(" fullCalcOnLoad=\"1\"", ""),
                        b.replace(" fullCalcOnLoad=\"1\"", "")
                    );
                }
                name => assert!(
                    b.raw == a.raw,
                    "{name} was not copied byte for byte (formulas: {formulas})"
                ),
            }
        }
    }
}

/// A worksheet's XML split into cells (`<c>` elements) and everything between them.
fn split_cells(xml: &str) -> (Vec<String>, Vec<String>) {
    let re = Regex::new(r#"(?s)<c[ >/].*?(?:/>|</c>)"#).unwrap();
    let mut cells = Vec::new();
    let mut between = Vec::new();
    let mut last = 0;
    for m in re.find_iter(xml) {
        // A self-closing cell ends at its first "/>"; a cell with content at "</c>".
        let text = m.as_str();
        let head_end = text.find('>').unwrap();
        let cell = if text[..=head_end].ends_with("/>") {
            &text[..=head_end]
        } else {
            text
        };
        between.push(xml[last..m.start()].to_string());
        cells.push(cell.to_string());
        last = m.start() + cell.len();
    }
    between.push(xml[last..].to_string());
    (cells, between)
}

fn reference(cell: &str) -> String {
    let re = Regex::new(r#"^<c r="([A-Z]+)(\d+)""#).unwrap();
    let caps = re
        .captures(cell)
        .unwrap_or_else(|| panic!("no reference in {cell}"));
    caps[1].to_string()
}

#[test]
fn changed_sheet_differs_only_in_changed_cells() {
    let export = export(true);
    let (_wd, input, output) = scrub(&export, &[]);
    let sheet = |bytes: &[u8]| {
        let e = entries(bytes);
        String::from_utf8(
            e.into_iter()
                .find(|e| e.name == "xl/worksheets/sheet1.xml")
                .unwrap()
                .data,
        )
        .unwrap()
    };
    let (before, after) = (split_cells(&sheet(&input)), split_cells(&sheet(&output)));
    assert_eq!(
        before.1, after.1,
        "everything outside the cells is identical"
    );
    assert_eq!(before.0.len(), after.0.len());
    let letters = |i: usize| dsr_scrub::error::column_letters(i as u32);
    let allowed: HashSet<String> = export
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.personal || c.logical == "custom_display")
        .map(|(i, _)| letters(i))
        .collect();
    let style_re = Regex::new(r#" s="(\d+)""#).unwrap();
    let style = |c: &str| style_re.captures(c).map(|m| m[1].to_string());
    let mut changed = 0;
    for (b, a) in before.0.iter().zip(&after.0) {
        assert_eq!(reference(b), reference(a));
        if b != a {
            changed += 1;
            assert!(
                allowed.contains(&reference(b)),
                "column {} changed: {b} -> {a}",
                reference(b)
            );
            // The style stays.
            assert_eq!(style(b), style(a));
        }
    }
    assert!(changed > 80 * 10, "{changed}");
}

/// The text of each `<si>` item of a shared strings part.
fn shared_strings(xml: &str) -> Vec<String> {
    let item = Regex::new(r"(?s)<si>(.*?)</si>|<si/>").unwrap();
    let text = Regex::new(r"(?s)<t(?: [^>]*)?>(.*?)</t>").unwrap();
    item.captures_iter(xml)
        .map(|c| {
            let body = c.get(1).map_or("", |m| m.as_str());
            text.captures_iter(body)
                .map(|t| t[1].to_string())
                .collect::<String>()
        })
        .map(|s| {
            s.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&")
        })
        .collect()
}

#[test]
fn removed_values_are_gone_from_every_part() {
    let export = export(true);
    let (_wd, input, output) = scrub(&export, &[]);
    let (book_in, book_out) = (Book::open(input.clone()), Book::open(output.clone()));
    let (i, o) = (
        book_in.sheet(&export.sheet_name),
        book_out.sheet(&export.sheet_name),
    );
    let mut removed: HashSet<String> = HashSet::new();
    let mut kept: HashSet<String> = HashSet::new();
    for (c, column) in export.columns.iter().enumerate() {
        for r in 1..=80 {
            let (before, after) = (cell(i, r, c as u32), cell(o, r, c as u32));
            if before != after {
                if let Data::String(s) = before {
                    removed.insert(s.to_lowercase());
                }
            } else if let Data::String(s) = after {
                if !column.personal {
                    kept.insert(s.to_lowercase());
                }
            }
        }
    }
    for (_, _, range) in &book_out.sheets {
        for value in range.used_cells() {
            if let Data::String(s) = value.2 {
                kept.insert(s.to_lowercase());
            }
        }
    }
    assert!(removed.len() > 300);
    for entry in entries(&output) {
        let text = String::from_utf8_lossy(&entry.data).to_lowercase();
        if entry.name == "xl/sharedStrings.xml" {
            for item in shared_strings(&text) {
                assert!(
                    !removed.contains(&item) || kept.contains(&item),
                    "a removed value is still a shared string"
                );
                if !kept.contains(&item) {
                    for value in removed.iter().filter(|v| v.chars().count() >= 4) {
                        assert!(
                            !item.contains(value.as_str()),
                            "a shared string no kept cell uses holds a removed value"
                        );
                    }
                }
            }
        } else {
            for value in removed.iter().filter(|v| is_searchable(v)) {
                assert!(
                    !text.contains(value.as_str()),
                    "{} holds a removed value",
                    entry.name
                );
            }
        }
    }
}

#[test]
fn shared_string_counts_are_right() {
    let (_wd, _input, output) = scrub(&export(false), &[]);
    let e = entries(&output);
    let sst = String::from_utf8(
        e.iter()
            .find(|e| e.name == "xl/sharedStrings.xml")
            .unwrap()
            .data
            .clone(),
    )
    .unwrap();
    let attr = |name: &str| -> usize {
        Regex::new(&format!(r#"{name}="(\d+)""#))
            .unwrap()
            .captures(&sst)
            .unwrap()[1]
            .parse()
            .unwrap()
    };
    let items = shared_strings(&sst).len();
    assert_eq!(attr("uniqueCount"), items);
    let refs: usize = e
        .iter()
        .filter(|e| e.name.starts_with("xl/worksheets/sheet"))
        .map(|e| String::from_utf8_lossy(&e.data).matches(" t=\"s\"").count())
        .sum();
    assert_eq!(attr("count"), refs);
}

#[test]
fn doc_props_are_kept_unless_stripped() {
    let export = export(false);
    let core = |bytes: &[u8]| {
        String::from_utf8(
            entries(bytes)
                .into_iter()
                .find(|e| e.name == "docProps/core.xml")
                .unwrap()
                .data,
        )
        .unwrap()
    };
    let (_wd, input, output) = scrub(&export, &[]);
    assert_eq!(core(&input), core(&output));
    assert!(core(&output).contains(EXPORTED_BY));
    let (_wd, _input, stripped) = scrub(&export, &["--strip-doc-props"]);
    let text = core(&stripped);
    assert!(!text.contains(EXPORTED_BY), "{text}");
    assert!(
        text.contains("<dc:creator></dc:creator>") || text.contains("<dc:creator/>"),
        "{text}"
    );
    assert!(text.contains("2024-11-05T08:30:00Z"), "dates stay: {text}");
    Book::open(stripped);
}

#[test]
fn rebuild_is_still_available() {
    let export = export(true);
    let (wd, input, output) = scrub(&export, &["--rebuild"]);
    let (i, o) = (Book::open(input), Book::open(output));
    let (si, so) = (i.sheet(&export.sheet_name), o.sheet(&export.sheet_name));
    for (c, column) in export.columns.iter().enumerate() {
        for r in 1..=80 {
            let (b, a) = (cell(si, r, c as u32), cell(so, r, c as u32));
            if column.personal && b != Data::Empty {
                assert_ne!(b, a);
            } else if !column.personal && column.logical != "custom_display" {
                assert_eq!(b, a, "{} row {}", column.header, r + 1);
            }
        }
    }
    assert_eq!(i.sheet("Notes"), o.sheet("Notes"));
    // The rebuilt file has no table: the rebuild writer does not carry tables.
    assert!(!entries(&wd.read("scrubbed/users.xlsx"))
        .iter()
        .any(|e| e.name.contains("tables/")));
    if let Some(soffice) = libreoffice() {
        let csv =
            libreoffice_csv(&soffice, &wd.path("scrubbed/users.xlsx"), &wd).expect("converted");
        assert_eq!(csv.lines().count(), 81);
    }
}

#[test]
fn strict_open_xml_is_refused_clearly() {
    let export = export(false);
    let strict = {
        let input = export.to_xlsx();
        let mut zip = zip::ZipArchive::new(Cursor::new(&input[..])).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            let name = f.name().unwrap().into_owned();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            if name == "xl/workbook.xml" {
                data = String::from_utf8(data)
                    .unwrap()
                    .replace(
                        "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                        "http://purl.oclc.org/ooxml/spreadsheetml/main",
                    )
                    .into_bytes();
            }
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            std::io::Write::write_all(&mut out, &data).unwrap();
        }
        out.finish().unwrap().into_inner()
    };
    let wd = Workdir::new();
    wd.write("strict.xlsx", strict);
    let run = wd.run(&["scrub", "-q", "strict.xlsx"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("strict.xlsx: this is a Strict Open XML workbook"),
        "{}",
        run.stderr
    );
    assert!(!wd.exists("scrubbed/strict.xlsx"));
}
