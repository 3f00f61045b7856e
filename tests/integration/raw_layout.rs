//! Exports in the layout Dynamics itself writes (never opened in Excel): prefixed elements,
//! inline strings, a BOM at the start of each part, absolute relationship targets, word
//! relationship ids. Every command treats them as it treats the same export saved in Excel.

use crate::workdir::{cell, libreoffice, libreoffice_csv, part_text, searchable, Book, Workdir};
use calamine::Data;
use dsr_scrub::testdata::raw::RawLayout;
use dsr_scrub::testdata::{self, Column, Export, Options, Value};
use regex::Regex;
use std::collections::HashSet;
use std::io::{Cursor, Read};

fn export(rows: usize, formula_column: bool) -> Export {
    testdata::disabled_users(&Options {
        rows,
        formula_column,
        extra_sheet: true,
        ..Options::default()
    })
}

/// Every entry of a package: name, raw (compressed) bytes, decompressed bytes.
fn entries(xlsx: &[u8]) -> Vec<(String, Vec<u8>, Vec<u8>)> {
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
            (name, raw, data)
        })
        .collect()
}

/// Run `scrub -q ARGS FILE` on `input` written as `name`; the output's bytes.
fn scrub(wd: &Workdir, name: &str, input: &[u8], args: &[&str]) -> Vec<u8> {
    wd.write(name, input);
    let mut all = vec!["scrub", "-q"];
    all.extend_from_slice(args);
    all.push(name);
    let run = wd.run(&all);
    assert_eq!(run.code, 0, "{name}: {}", run.text());
    wd.read(&format!("scrubbed/{name}"))
}

#[test]
fn raw_exports_scrub_like_the_same_export_saved_in_excel() {
    let layouts = [
        RawLayout::default(),
        RawLayout {
            prefix: "spreadsheet",
            query: true,
        },
    ];
    for layout in layouts {
        let export = export(40, true);
        let wd = Workdir::new();
        let raw_in = export.to_dynamics_raw_xlsx_with(layout);
        let raw_out = scrub(&wd, "raw.xlsx", &raw_in, &[]);
        let excel_out = scrub(&Workdir::new(), "excel.xlsx", &export.to_xlsx(), &[]);
        let (raw, excel) = (Book::open(raw_out.clone()), Book::open(excel_out));
        for sheet in [export.sheet_name.as_str(), "hiddenSheet", "Notes"] {
            assert_eq!(
                raw.sheet(sheet),
                excel.sheet(sheet),
                "{layout:?}: sheet {sheet} scrubbed to the same values"
            );
        }
        // The new values are there (the default profile's replacements), the old ones gone.
        let data = raw.sheet(&export.sheet_name);
        let first = export.column_index("firstname").unwrap() as u32;
        assert_eq!(cell(data, 1, first), Data::String("Deleted".into()));

        // No removed value in any decompressed part, in any case (except a value that a kept
        // cell holds too, like a manager's first name: the cells were compared above).
        let kept: Vec<String> = raw
            .sheets
            .iter()
            .flat_map(|(_, _, range)| range.used_cells())
            .filter_map(|(_, _, v)| match v {
                Data::String(s) => Some(s.to_lowercase()),
                _ => None,
            })
            .collect();
        let personal: Vec<String> = searchable(export.personal_values())
            .into_iter()
            .map(|v| v.to_lowercase())
            .filter(|v| !kept.iter().any(|k| k.contains(v.as_str())))
            .collect();
        assert!(personal.len() > 100, "{}", personal.len());
        for (name, _, data) in entries(&raw_out) {
            let text = String::from_utf8_lossy(&data).to_lowercase();
            for value in &personal {
                assert!(!text.contains(value), "{layout:?}: {value} in {name}");
            }
        }

        let run = wd.run(&["verify", "raw.xlsx", "scrubbed/raw.xlsx"]);
        assert_eq!(run.code, 0, "{layout:?}: {}", run.text());
        let run = wd.run(&[
            "scrub",
            "-q",
            "--verify",
            "--out-dir",
            "checked",
            "raw.xlsx",
        ]);
        assert_eq!(run.code, 0, "{layout:?}: {}", run.text());
        assert_eq!(wd.read("checked/raw.xlsx"), raw_out, "the same bytes");
        let run = wd.run(&[
            "scrub",
            "-q",
            "--rebuild",
            "--out-dir",
            "rebuilt",
            "raw.xlsx",
        ]);
        assert_eq!(run.code, 0, "{layout:?}: {}", run.text());
        let rebuilt = Book::open(wd.read("rebuilt/raw.xlsx"));
        let excel_rebuilt = Book::open(scrub(
            &Workdir::new(),
            "excel.xlsx",
            &export.to_xlsx(),
            &["--rebuild"],
        ));
        for sheet in [export.sheet_name.as_str(), "hiddenSheet", "Notes"] {
            assert_eq!(
                rebuilt.sheet(sheet),
                excel_rebuilt.sheet(sheet),
                "{layout:?}: sheet {sheet} rebuilt to the same values"
            );
        }

        if let Some(soffice) = libreoffice() {
            let csv = libreoffice_csv(&soffice, &wd.path("scrubbed/raw.xlsx"), &wd)
                .expect("LibreOffice converts the scrubbed raw export");
            assert_eq!(csv.lines().count(), 41, "{layout:?}: header and 40 rows");
            assert!(csv.lines().nth(1).unwrap().contains(",Deleted,"), "{csv}");
        }
    }
}

/// A worksheet's XML split into its `<x:c>` cells and everything between them.
fn split_cells(xml: &str) -> (Vec<String>, Vec<String>) {
    let re = Regex::new(r#"(?s)<x:c [^>]*?/>|<x:c [^>]*>.*?</x:c>"#).unwrap();
    let mut cells = Vec::new();
    let mut between = Vec::new();
    let mut last = 0;
    for m in re.find_iter(xml) {
        between.push(xml[last..m.start()].to_string());
        cells.push(m.as_str().to_string());
        last = m.end();
    }
    between.push(xml[last..].to_string());
    (cells, between)
}

#[test]
fn only_the_changed_cells_of_a_raw_export_change() {
    let export = export(30, true);
    let wd = Workdir::new();
    let input = export.to_dynamics_raw_xlsx();
    let output = scrub(&wd, "raw.xlsx", &input, &[]);
    let (before, after) = (entries(&input), entries(&output));
    let names =
        |e: &[(String, Vec<u8>, Vec<u8>)]| e.iter().map(|e| e.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&before), names(&after), "same entries, same order");
    assert!(!names(&after).iter().any(|n| n.contains("sharedStrings")));
    for (b, a) in before.iter().zip(&after) {
        match b.0.as_str() {
            "xl/worksheets/sheet2.xml" => assert_ne!(b.2, a.2),
            "xl/workbook.xml" => {
                // The formula column lost its cached values: recalculation on load, in the
                // workbook's own prefix, is the only change.
                let (b, a) = (String::from_utf8_lossy(&b.2), String::from_utf8_lossy(&a.2));
                assert_eq!(
                    a,
                    b.replace("</x:sheets>", "</x:sheets><x:calcPr fullCalcOnLoad=\"1\"/>")
                );
            }
            name => assert!(b.1 == a.1, "{name} was not copied byte for byte"),
        }
    }

    let sheet = |bytes: &[u8]| part_text(bytes, "xl/worksheets/sheet2.xml");
    let (sheet_in, sheet_out) = (sheet(&input), sheet(&output));
    assert!(sheet_out.starts_with('\u{FEFF}'), "the BOM stays");
    let (cells_in, between_in) = split_cells(&sheet_in);
    let (cells_out, between_out) = split_cells(&sheet_out);
    assert_eq!(
        between_in, between_out,
        "everything between the cells is identical"
    );
    assert_eq!(cells_in.len(), cells_out.len());
    let reference = Regex::new(r#"^<x:c r="([A-Z]+)\d+"( s="\d+")?"#).unwrap();
    let changeable: HashSet<String> = export
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.personal || c.logical == "custom_display")
        .map(|(i, _)| dsr_scrub::error::column_letters(i as u32))
        .collect();
    let mut changed = 0;
    for (b, a) in cells_in.iter().zip(&cells_out) {
        let (rb, ra) = (
            &reference.captures(b).unwrap(),
            &reference.captures(a).unwrap(),
        );
        assert_eq!(rb[0], ra[0], "reference and style kept: {b} -> {a}");
        if b != a {
            changed += 1;
            assert!(changeable.contains(&rb[1]), "column {} changed", &rb[1]);
            assert!(
                a.ends_with("/>")
                    || a.contains(r#" t="inlineStr"><x:is><x:t>"#)
                    || a.contains("<x:f>"),
                "a changed text cell stays an inline string with the prefix: {a}"
            );
        }
    }
    assert!(changed > 30 * 10, "{changed}");
}

#[test]
fn inspect_and_dry_run_read_a_raw_export_as_the_excel_layout() {
    let export = export(25, false);
    let wd = Workdir::new();
    wd.write("raw.xlsx", export.to_dynamics_raw_xlsx());
    wd.write("excel.xlsx", export.to_xlsx());
    for command in [&["inspect"][..], &["scrub", "--dry-run", "--force"][..]] {
        let run = |name: &str| {
            let mut args = command.to_vec();
            args.push(name);
            let run = wd.run(&args);
            assert_eq!(run.code, 0, "{command:?} {name}: {}", run.text());
            run.stdout.replace(name, "FILE")
        };
        let raw = run("raw.xlsx");
        // Hidden protected columns, validations (lengths, required, lookups, option sets) and
        // the entity metadata are read from the raw layout as from the saved one.
        assert_eq!(raw, run("excel.xlsx"), "{command:?}");
    }
    let inspect = wd.run(&["inspect", "raw.xlsx"]).stdout;
    assert!(inspect.contains("Dynamics entity systemuser"), "{inspect}");
    assert!(
        inspect.contains("A (h)"),
        "hidden protected column: {inspect}"
    );
}

/// The record ids of a sheet's data rows.
fn ids(book: &Book, sheet: &str) -> Vec<String> {
    let data = book.sheet(sheet);
    (1..=data.end().unwrap().0)
        .map(|r| match cell(data, r, 0) {
            Data::String(s) => s,
            other => panic!("no id in row {}: {other:?}", r + 1),
        })
        .collect()
}

#[test]
fn raw_exports_split_into_import_sized_parts() {
    let export = export(25, false);
    let wd = Workdir::new();
    wd.write("raw.xlsx", export.to_dynamics_raw_xlsx());
    let run = wd.run(&["scrub", "-q", "--max-part-rows", "10", "raw.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let input = Book::open(wd.read("raw.xlsx"));
    let mut seen = Vec::new();
    for (k, rows) in [(1, 10), (2, 10), (3, 5)] {
        let bytes = wd.read(&format!("scrubbed/raw.part-{k:03}.xlsx"));
        let part = Book::open(bytes.clone());
        assert_eq!(part.sheet("hiddenSheet"), input.sheet("hiddenSheet"));
        let part_ids = ids(&part, &export.sheet_name);
        assert_eq!(part_ids.len(), rows, "part {k}");
        seen.extend(part_ids);
        let table = part_text(&bytes, "xl/tables/table.xml");
        let range = format!(r#"ref="A1:AF{}""#, rows + 1);
        assert_eq!(
            table.matches(&range).count(),
            2,
            "table and filter fitted: {table}"
        );
    }
    assert!(!wd.exists("scrubbed/raw.part-004.xlsx"));
    assert_eq!(
        seen,
        ids(&input, &export.sheet_name),
        "every row once, in order"
    );
    if let Some(soffice) = libreoffice() {
        let csv = libreoffice_csv(&soffice, &wd.path("scrubbed/raw.part-003.xlsx"), &wd)
            .expect("converted");
        assert_eq!(csv.lines().count(), 6);
    }
}

const SUBJECT: &str = "Zoë Müller";

/// An approvals-like export whose `Owner` names the subject in some rows.
fn approvals() -> (Export, Vec<bool>) {
    let owners = [
        "Zoë Müller",
        "Aoife Byrne",
        "ZOË MÜLLER",
        "Zoë Müller-Schmidt",
        "Søren Kjær",
        "Zoë Müller",
    ];
    let column = |logical, header, protected| Column {
        logical,
        header,
        personal: false,
        protected,
        required: false,
        max_length: if protected { None } else { Some(200) },
    };
    let columns = vec![
        column("msdyn_flow_approvalid", "(Do Not Modify) Approval", true),
        column("checksumLogicalName", "(Do Not Modify) Row Checksum", true),
        column("modifiedon", "(Do Not Modify) Modified On", true),
        column("msdyn_flow_approval_title", "Title", false),
        column("ownerid", "Owner", false),
    ];
    let rows = owners
        .iter()
        .enumerate()
        .map(|(i, owner)| {
            vec![
                Value::Text(format!("3217a7c{i}-1ab4-eb11-8236-000d3aff000{i}")),
                Value::Text(format!("{}==", "Q".repeat(86))),
                Value::DateTime(45_000.5 + i as f64),
                Value::Text(format!("Expense report {}", 100 + i)),
                Value::Text(owner.to_string()),
            ]
        })
        .collect();
    let owned = owners
        .iter()
        .map(|o| o.to_lowercase() == SUBJECT.to_lowercase())
        .collect();
    let export = Export {
        entity: "msdyn_flow_approval",
        sheet_name: "Approvals".into(),
        columns,
        rows,
        options: Options::default(),
    };
    (export, owned)
}

#[test]
fn subject_rows_are_deleted_from_a_raw_export() {
    let (export, owned) = approvals();
    let wd = Workdir::new();
    wd.write("Approvals.xlsx", export.to_dynamics_raw_xlsx());
    wd.write(
        "map.toml",
        "version = 1\n[[rows]]\nwhere = { column = \"ownerid\", aliases = [\"Owner\"], in = \"@subjects\" }\naction = \"delete\"\n",
    );
    // Every kept row, not only the changed ones (the default of a subject-scoped run).
    let run = wd.run(&[
        "scrub",
        "-q",
        "--all-rows",
        "--map",
        "map.toml",
        "--subject",
        SUBJECT,
        "Approvals.xlsx",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    let input = Book::open(wd.read("Approvals.xlsx"));
    let bytes = wd.read("scrubbed/Approvals.xlsx");
    let output = Book::open(bytes.clone());
    let kept: Vec<String> = ids(&input, "Approvals")
        .into_iter()
        .zip(&owned)
        .filter(|(_, &o)| !o)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(kept.len(), 3);
    assert_eq!(ids(&output, "Approvals"), kept);
    let data = output.sheet("Approvals");
    assert!(matches!(cell(data, 1, 2), Data::DateTime(_)), "types kept");
    assert_eq!(input.sheet("hiddenSheet"), output.sheet("hiddenSheet"));
    let table = part_text(&bytes, "xl/tables/table.xml");
    assert_eq!(table.matches(r#"ref="A1:E4""#).count(), 2, "{table}");
    if let Some(soffice) = libreoffice() {
        let csv =
            libreoffice_csv(&soffice, &wd.path("scrubbed/Approvals.xlsx"), &wd).expect("converted");
        assert_eq!(csv.lines().count(), 4, "header and 3 rows: {csv}");
    }
}

#[test]
fn verify_finds_a_value_put_back_into_a_raw_export() {
    let export = export(20, false);
    let wd = Workdir::new();
    let input = export.to_dynamics_raw_xlsx();
    let output = scrub(&wd, "raw.xlsx", &input, &[]);
    let Value::Text(first) = &export.rows[4][export.column_index("firstname").unwrap()] else {
        panic!("a first name")
    };
    // Row 6 (the fifth data row): its First Name cell, as the scrub wrote it, gets the old
    // value back, written the way Dynamics writes text.
    let broken = crate::workdir::edit_part(&output, "xl/worksheets/sheet2.xml", |xml| {
        let xml = xml.unwrap();
        let cell = Regex::new(r#"<x:c r="E6"[^>]*>.*?</x:c>"#).unwrap();
        let found = cell
            .find(&xml)
            .expect("the changed cell")
            .as_str()
            .to_string();
        assert!(
            found.contains(r#"t="inlineStr"><x:is><x:t>Deleted</x:t>"#),
            "{found}"
        );
        xml.replace(&found, &found.replace("Deleted", first))
    });
    wd.write("broken.xlsx", broken);
    let run = wd.run(&["verify", "raw.xlsx", "broken.xlsx"]);
    assert_eq!(run.code, 3, "{}", run.text());
    assert!(run.text().contains("E6"), "names the cell: {}", run.text());
    assert!(!run.text().contains(first.as_str()), "names no value");
}

/// `name`, scrubbed in `wd`, fails and is not written; the message names the data sheet's part
/// and never `value`.
fn assert_refused(wd: &Workdir, name: &str, value: &str) {
    let run = wd.run(&["scrub", name]);
    assert_eq!(run.code, 1, "{name}: {}", run.text());
    assert!(
        !wd.exists(&format!("scrubbed/{name}")),
        "{name}: not written"
    );
    assert!(
        run.stderr.contains("xl/worksheets/sheet2.xml"),
        "{name}: {}",
        run.stderr
    );
    assert!(
        !run.text().contains(value),
        "{name}: no value in the messages"
    );
}

/// A large export (its cells below the head read by the one pass alone, the sheet only
/// skimmed when opened) with a removed value where no reader shows it, in its last row: a
/// phonetic reading of a kept inline string, a comment or loose text among the cells. The
/// file fails as a small one does (the pass gives up, and the export read whole is refused),
/// naming the part and never the value.
#[test]
fn hidden_text_below_the_head_of_a_large_export_fails_the_file() {
    let export = export(5_100, false);
    let xlsx = export.to_dynamics_raw_xlsx();
    let last = export.rows.len();
    let email = match &export.rows[last - 1][export.column_index("internalemailaddress").unwrap()] {
        Value::Text(t) => t.clone(),
        other => panic!("an email: {other:?}"),
    };
    let unit = export.column_index("businessunitid").unwrap() as u32;
    let reference = format!("{}{}", dsr_scrub::a1::column_letters(unit), last + 1);
    let wd = Workdir::new();
    for hidden in ["rPh", "comment", "text"] {
        let edited = testdata::edit_part(&xlsx, "xl/worksheets/sheet2.xml", |xml| {
            let xml = xml.expect("the sheet");
            let re = Regex::new(&format!(r#"<x:c r="{reference}"[^>]*>.*?</x:c>"#)).unwrap();
            let cell = re.find(&xml).expect("the kept cell").as_str().to_string();
            let edited = match hidden {
                "rPh" => cell.replace(
                    "</x:t></x:is>",
                    &format!(r#"</x:t><x:rPh sb="0" eb="1"><x:t>{email}</x:t></x:rPh></x:is>"#),
                ),
                "comment" => format!("{cell}<!-- {email} -->"),
                _ => format!("{cell}{email}"),
            };
            xml.replace(&cell, &edited)
        });
        let name = format!("{hidden}.xlsx");
        wd.write(&name, edited);
        assert_refused(&wd, &name, &email);
    }
    // As generated, it is scrubbed.
    scrub(&wd, "raw.xlsx", &xlsx, &[]);
}

/// A kept inline-string cell (the layout Dynamics writes) carrying a removed value where no
/// reader shows it, in a phonetic reading of its text or in a `<v>` under it, fails the file,
/// naming the part and never the value; the same cell with a phonetic reading that holds no
/// removed value is written.
#[test]
fn hidden_text_in_a_kept_inline_cell_fails_the_file() {
    let export = export(12, false);
    let xlsx = export.to_dynamics_raw_xlsx();
    let email = match &export.rows[0][export.column_index("internalemailaddress").unwrap()] {
        Value::Text(t) => t.clone(),
        other => panic!("an email: {other:?}"),
    };
    let unit = export.column_index("businessunitid").unwrap() as u32;
    let reference = format!("{}2", dsr_scrub::a1::column_letters(unit));
    // The kept cell of row 2, its text given hidden company.
    let hide_in = |xlsx: &[u8], hidden: &str| {
        testdata::edit_part(xlsx, "xl/worksheets/sheet2.xml", |xml| {
            let xml = xml.expect("the sheet");
            let re = Regex::new(&format!(r#"<x:c r="{reference}"[^>]*>.*?</x:c>"#)).unwrap();
            let cell = re.find(&xml).expect("the kept cell").as_str().to_string();
            let edited = match hidden {
                "rPh" | "rPh clean" => {
                    let reading = if hidden == "rPh" {
                        email.as_str()
                    } else {
                        "かな"
                    };
                    cell.replace(
                        "</x:t></x:is>",
                        &format!(
                            r#"</x:t><x:rPh sb="0" eb="1"><x:t>{reading}</x:t></x:rPh></x:is>"#
                        ),
                    )
                }
                _ => cell.replace("<x:is>", &format!("<x:v>{email}</x:v><x:is>")),
            };
            assert_ne!(cell, edited, "{hidden}: edited");
            xml.replace(&cell, &edited)
        })
    };
    let hide = |hidden: &str| hide_in(&xlsx, hidden);
    let wd = Workdir::new();
    for hidden in ["rPh", "v"] {
        let name = format!("{hidden}.xlsx");
        wd.write(&name, hide(hidden));
        assert_refused(&wd, &name, &email);
    }
    let clean = scrub(&wd, "clean.xlsx", &hide("rPh clean"), &[]);
    assert!(part_text(&clean, "xl/worksheets/sheet2.xml").contains("かな"));
    // An output whose kept cell carries the removed value there (another tool's, or edited
    // since) fails `verify`, naming the cell, never the value; as scrubbed, it passes.
    let output = scrub(&wd, "raw.xlsx", &xlsx, &[]);
    let run = wd.run(&["verify", "raw.xlsx", "scrubbed/raw.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    for hidden in ["rPh", "v"] {
        let name = format!("{hidden}-output.xlsx");
        wd.write(&name, hide_in(&output, hidden));
        let run = wd.run(&["verify", "raw.xlsx", &name]);
        assert_eq!(run.code, 3, "{hidden}: {}", run.text());
        assert!(run.text().contains(&reference), "{hidden}: {}", run.text());
        assert!(!run.text().contains(&email), "{hidden}: names no value");
    }
}
