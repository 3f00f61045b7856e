//! Workbooks with more than worksheets: chart sheets are kept byte for byte and ignored by the
//! plan; macro-enabled workbooks (.xlsm) keep their name, content type and VBA project, unless
//! the VBA project holds a value the scrub removes.

use crate::workdir::{cell, libreoffice, libreoffice_csv, part_text, set_part, Workdir};
use calamine::{open_workbook_from_rs, Data, Range, Reader, SheetType, Xlsx};
use dsr_scrub::testdata::{self, vba, Export, Options, Value};
use std::io::{Cursor, Read};

fn export() -> Export {
    testdata::disabled_users(&Options {
        rows: 30,
        ..Options::default()
    })
}

/// Name and raw (compressed) bytes of every entry.
fn raw_entries(xlsx: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index_raw(i).unwrap();
            let mut raw = Vec::new();
            f.read_to_end(&mut raw).unwrap();
            (f.name().unwrap().into_owned(), raw)
        })
        .collect()
}

/// The sheet types calamine sees, and the cells of one worksheet.
fn read(bytes: Vec<u8>, sheet: &str) -> (Vec<(String, SheetType)>, Range<Data>) {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let types = book
        .sheets_metadata()
        .iter()
        .map(|m| (m.name.clone(), m.typ))
        .collect();
    (types, book.worksheet_range(sheet).unwrap())
}

/// Entries that must come through byte for byte: everything but the data sheet and the shared
/// strings.
fn assert_kept_raw(input: &[u8], output: &[u8]) {
    let (before, after) = (raw_entries(input), raw_entries(output));
    assert_eq!(
        before.iter().map(|e| &e.0).collect::<Vec<_>>(),
        after.iter().map(|e| &e.0).collect::<Vec<_>>()
    );
    for ((name, b), (_, a)) in before.iter().zip(&after) {
        if name != "xl/worksheets/sheet1.xml" && name != "xl/sharedStrings.xml" {
            assert!(b == a, "{name} was not copied byte for byte");
        }
    }
}

#[test]
fn a_chart_sheet_is_kept_byte_for_byte_and_ignored_by_the_plan() {
    let export = export();
    let wd = Workdir::new();
    let input = export.to_xlsx_with_chart_sheet();
    wd.write("users.xlsx", &input);
    let run = wd.run(&["scrub", "-q", "users.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let output = wd.read("scrubbed/users.xlsx");
    assert_kept_raw(&input, &output);
    assert!(raw_entries(&output)
        .iter()
        .any(|(n, _)| n == "xl/chartsheets/sheet1.xml"));

    let (types, data) = read(output, &export.sheet_name);
    assert_eq!(types[0], ("Chart1".to_string(), SheetType::ChartSheet));
    let first = export.column_index("firstname").unwrap() as u32;
    for r in 1..=30 {
        assert_eq!(cell(&data, r, first), Data::String("Deleted".into()));
    }
    let created = export.column_index("createdon").unwrap();
    let Value::DateTime(serial) = export.rows[0][created] else {
        panic!("a date")
    };
    assert!(matches!(cell(&data, 1, created as u32), Data::DateTime(d) if d.as_f64() == serial));

    let verify = wd.run(&["verify", "users.xlsx", "scrubbed/users.xlsx"]);
    assert_eq!(verify.code, 0, "{}", verify.text());
    for args in [
        &["inspect", "users.xlsx"][..],
        &["scrub", "--dry-run", "--out-dir", "dry", "users.xlsx"],
    ] {
        let run = wd.run(args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.text());
    }
    let rebuild = wd.run(&[
        "scrub",
        "-q",
        "--rebuild",
        "--out-dir",
        "rebuilt",
        "users.xlsx",
    ]);
    assert_eq!(rebuild.code, 1);
    assert!(
        rebuild
            .stderr
            .contains("would drop the workbook's chart sheets; scrub it without --rebuild"),
        "{}",
        rebuild.text()
    );
    if let Some(soffice) = libreoffice() {
        // The first sheet is the chart: LibreOffice opens the workbook and converts it.
        assert!(libreoffice_csv(&soffice, &wd.path("scrubbed/users.xlsx"), &wd).is_some());
    }
}

#[test]
fn a_macro_enabled_workbook_keeps_its_name_content_type_and_macros() {
    let export = export();
    let wd = Workdir::new();
    let input = export.to_xlsm("Access review exported");
    wd.write("users.xlsm", &input);
    let run = wd.run(&["scrub", "-q", "users.xlsm"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let output = wd.read("scrubbed/users.xlsm");
    assert_kept_raw(&input, &output);
    assert!(part_text(&output, "[Content_Types].xml").contains("sheet.macroEnabled.main+xml"));
    let vba = raw_entries(&output)
        .into_iter()
        .find(|(n, _)| n == "xl/vbaProject.bin");
    assert!(vba.is_some(), "the VBA project is kept");

    let (_, data) = read(output, &export.sheet_name);
    let email = export.column_index("internalemailaddress").unwrap() as u32;
    let Data::String(new) = cell(&data, 1, email) else {
        panic!("an email")
    };
    assert!(new.ends_with("@example.invalid"), "{new}");
    let verify = wd.run(&["verify", "users.xlsm", "scrubbed/users.xlsm"]);
    assert_eq!(verify.code, 0, "{}", verify.text());
    let run = wd.run(&[
        "scrub",
        "-q",
        "--verify",
        "--out-dir",
        "checked",
        "users.xlsm",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert_eq!(
        wd.read("checked/users.xlsm"),
        wd.read("scrubbed/users.xlsm")
    );
    let run = wd.run(&[
        "scrub",
        "-q",
        "--max-part-rows",
        "20",
        "--out-dir",
        "parts",
        "users.xlsm",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    for part in ["parts/users.part-001.xlsm", "parts/users.part-002.xlsm"] {
        let bytes = wd.read(part);
        let vba = |b: &[u8]| {
            raw_entries(b)
                .into_iter()
                .find(|(n, _)| n == "xl/vbaProject.bin")
        };
        assert_eq!(vba(&bytes), vba(&input), "{part} keeps the macros");
    }
    let rebuild = wd.run(&[
        "scrub",
        "-q",
        "--rebuild",
        "--out-dir",
        "rebuilt",
        "users.xlsm",
    ]);
    assert_eq!(rebuild.code, 1);
    assert!(
        rebuild.stderr.contains("would drop the workbook's macros"),
        "{}",
        rebuild.text()
    );
    if let Some(soffice) = libreoffice() {
        let csv = libreoffice_csv(&soffice, &wd.path("scrubbed/users.xlsm"), &wd)
            .expect("LibreOffice converts the scrubbed .xlsm");
        assert_eq!(csv.lines().count(), 31);
    }
}

#[test]
fn macros_holding_a_removed_value_fail_the_file() {
    let export = export();
    let text = |logical: &str| match &export.rows[3][export.column_index(logical).unwrap()] {
        Value::Text(s) => s.clone(),
        other => panic!("{other:?}"),
    };
    for value in [text("internalemailaddress"), text("fullname")] {
        let wd = Workdir::new();
        let input = export.to_xlsm(&format!("Ask {value} before importing"));
        // The value is in the module's compressed source only, not in the part's bytes.
        let bin = part_bytes(&input, "xl/vbaProject.bin");
        assert!(!String::from_utf8_lossy(&bin).contains(&value));
        wd.write("users.xlsm", &input);
        for args in [
            &["scrub", "-q", "users.xlsm"][..],
            &["scrub", "--dry-run", "--force", "users.xlsm"],
        ] {
            let run = wd.run(args);
            assert_eq!(run.code, 1, "{args:?}: {}", run.text());
            let line = run
                .stderr
                .lines()
                .find(|l| l.contains("FAILED"))
                .unwrap_or_else(|| panic!("{}", run.text()));
            assert!(
                line.contains("users.xlsm: the macros (part 'xl/vbaProject.bin') hold a value this scrub removes")
                    && line.contains("save the workbook as .xlsx without macros"),
                "{line}"
            );
            assert!(!run.text().contains(&value), "the message names no value");
        }
        assert!(!wd.exists("scrubbed/users.xlsm"), "nothing written");
    }
}

/// One part's bytes, decompressed.
fn part_bytes(xlsx: &[u8], part: &str) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    let mut data = Vec::new();
    zip.by_name(part).unwrap().read_to_end(&mut data).unwrap();
    data
}

/// The row-3 email of the export, which the default profile removes.
fn email(export: &Export) -> String {
    match &export.rows[3][export.column_index("internalemailaddress").unwrap()] {
        Value::Text(s) => s.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn verify_and_find_search_the_compressed_source_of_the_macros() {
    let export = export();
    let email = email(&export);
    let wd = Workdir::new();
    wd.write("users.xlsm", export.to_xlsm("Access review exported"));
    let run = wd.run(&["scrub", "-q", "users.xlsm"]);
    assert_eq!(run.code, 0, "{}", run.text());
    // A scrubbed file whose macros name a removed email (as if the scrub had missed them).
    let leaky = vba::project(&vba::message_box(&format!("Mail {email} first")));
    let output = wd.read("scrubbed/users.xlsm");
    wd.write("leaky.xlsm", set_part(&output, "xl/vbaProject.bin", &leaky));
    let verify = wd.run(&["verify", "users.xlsm", "leaky.xlsm"]);
    assert_eq!(verify.code, 3, "{}", verify.text());
    assert!(
        verify
            .text()
            .contains("xl/vbaProject.bin: leak: a value the map removed is still in this part"),
        "{}",
        verify.text()
    );
    assert!(!verify.text().contains(&email), "no value in the report");
    let clean = wd.run(&["verify", "users.xlsm", "scrubbed/users.xlsm"]);
    assert_eq!(clean.code, 0, "{}", clean.text());

    let find = wd.run(&["find", "--subject", &email, "leaky.xlsm"]);
    assert_eq!(find.code, 3, "{}", find.text());
    assert!(
        find.stdout
            .contains("leaky.xlsm: part xl/vbaProject.bin (1 place): subject #1"),
        "{}",
        find.stdout
    );
}

#[test]
fn macros_that_cannot_be_read_fail_the_file_and_verify() {
    let export = export();
    let good = vba::project(&vba::message_box("Access review exported"));
    // A project whose streams are damaged past its header: the source cannot be read.
    let mut damaged = good.clone();
    for b in damaged.iter_mut().skip(512) {
        *b = b.wrapping_mul(31).wrapping_add(7);
    }
    let wd = Workdir::new();
    wd.write("users.xlsm", export.to_xlsm_with(&damaged));
    let run = wd.run(&["scrub", "-q", "users.xlsm"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let failed = run.failed();
    assert_eq!(failed.len(), 1, "{}", run.text());
    assert!(
        failed[0].contains("users.xlsm: the macros (part 'xl/vbaProject.bin') cannot be read"),
        "{}",
        failed[0]
    );
    assert!(!run.stderr.contains("internal error"), "{}", run.stderr);
    assert!(!wd.exists("scrubbed/users.xlsm"), "nothing written");

    wd.write("clean.xlsm", export.to_xlsm_with(&good));
    let run = wd.run(&["scrub", "-q", "clean.xlsm"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let output = wd.read("scrubbed/clean.xlsm");
    wd.write(
        "damaged.xlsm",
        set_part(&output, "xl/vbaProject.bin", &damaged),
    );
    let verify = wd.run(&["verify", "clean.xlsm", "damaged.xlsm"]);
    assert_eq!(verify.code, 3, "{}", verify.text());
    assert!(
        verify
            .text()
            .contains("xl/vbaProject.bin: the macros' source cannot be read"),
        "{}",
        verify.text()
    );
}
