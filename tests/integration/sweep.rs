//! The leak sweep inside `scrub`: an output that still holds a removed value anywhere is not
//! written, and a kept column holding a removed email, phone, identifier or full name fails the
//! file unless the map allows it.

use crate::workdir::{edit_part, part_text, Book, Workdir};
use dsr_scrub::testdata::sweep::{
    picture, users_and_lookup, with_picture, PICTURE_PART, USERS, USERS_MAP,
};
use dsr_scrub::testdata::{self, Options};

/// Runs `scrub` with `map` on `in/book.xlsx` and returns the run, asserting that it failed
/// with one line and wrote nothing but the report.
fn scrub_fails(wd: &Workdir, map: &str) -> String {
    wd.write("map.toml", map);
    let run = wd.run(&[
        "scrub",
        "-q",
        "--allow-uncovered",
        "--map",
        "map.toml",
        "in/book.xlsx",
    ]);
    assert_eq!(run.code, 1, "{}", run.text());
    let failed = run.failed();
    assert_eq!(failed.len(), 1, "one line: {}", run.stderr);
    assert_nothing_written(wd);
    for person in USERS.iter().flatten() {
        assert!(!run.text().contains(person), "no value in the message");
    }
    failed[0].to_string()
}

/// Asserts that nothing but the report was written into `scrubbed/`.
fn assert_nothing_written(wd: &Workdir) {
    let outputs: Vec<String> = wd
        .files()
        .into_iter()
        .filter(|f| f.starts_with("scrubbed/"))
        .collect();
    assert_eq!(outputs, ["scrubbed/scrub-report.json"], "nothing written");
}

#[test]
fn a_copied_part_holding_a_removed_value_fails_the_file() {
    let wd = Workdir::new();
    let book = users_and_lookup(&[["Facilities", "desk 4"]], "");
    // A binary part the writer copies as it is, holding a name in UTF-16LE.
    let mut bin = b"\x00\x01DEVMODE".to_vec();
    bin.extend("Lars Eriksson".encode_utf16().flat_map(u16::to_le_bytes));
    let book = with_bytes(&book, "xl/printerSettings/printerSettings9.bin", &bin);
    wd.write("in/book.xlsx", &book);
    let line = scrub_fails(&wd, USERS_MAP);
    assert!(
        line.contains("would still be in the output at xl/printerSettings/printerSettings9.bin: leak: a value the map removed is still in this part of the package"),
        "{line}"
    );
}

#[test]
fn markup_outside_the_cells_and_split_runs_never_stay() {
    // A page header naming a user, on the sheet the writer rewrites: the writer cleans it, or
    // the sweep fails the file; never is it written with the name.
    let wd = Workdir::new();
    let header =
        "<headerFooter><oddHeader>&amp;LPrepared for Maja Lindqvist</oddHeader></headerFooter>";
    wd.write(
        "in/book.xlsx",
        users_and_lookup(&[["Facilities", "desk 4"]], header),
    );
    wd.write("map.toml", USERS_MAP);
    let run = wd.run(&[
        "scrub",
        "-q",
        "--allow-uncovered",
        "--map",
        "map.toml",
        "in/book.xlsx",
    ]);
    if run.code == 0 {
        let out = wd.read("scrubbed/book.xlsx");
        assert!(!part_text(&out, "xl/worksheets/sheet1.xml").contains("Lindqvist"));
    } else {
        assert!(
            run.stderr.contains("xl/worksheets/sheet1.xml: sheet 'Users': leak: a value the map removed is still in the sheet outside its cells"),
            "{}",
            run.stderr
        );
        assert!(!wd.exists("scrubbed/book.xlsx"));
    }
    // A comment whose text is split across formatting runs in the middle of a name: the
    // cleaner joins the runs as the sweep does, and redacts the name across them.
    let wd = Workdir::new();
    let book = users_and_lookup(&[["Facilities", "desk 4"]], "");
    let book = edit_part(&book, "xl/comments9.xml", |_| {
        r#"<?xml version="1.0"?><comments><commentList><comment ref="B2" authorId="0"><text><r><t>Ask An</t></r><r><rPr><b/></rPr><t>na Berg</t></r></text></comment></commentList></comments>"#.into()
    });
    wd.write("in/book.xlsx", &book);
    wd.write("map.toml", USERS_MAP);
    let run = wd.run(&[
        "scrub",
        "-q",
        "--allow-uncovered",
        "--map",
        "map.toml",
        "in/book.xlsx",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    let comments = part_text(&wd.read("scrubbed/book.xlsx"), "xl/comments9.xml");
    assert!(
        comments.contains("<r><t>Ask [removed]</t></r><r><rPr><b/></rPr><t></t></r>"),
        "{comments}"
    );
}

#[test]
fn kept_copies_of_removed_values_fail_unless_allowed_and_words_are_counted() {
    let wd = Workdir::new();
    let lookup = [
        ["anna.berg@contoso.com", "moved to the Anna project"],
        ["Lars Eriksson", "Maja"],
        ["Facilities", "desk 4"],
    ];
    wd.write("in/book.xlsx", users_and_lookup(&lookup, ""));
    let line = scrub_fails(&wd, USERS_MAP);
    assert!(
        line.contains("sheet 'Lookup', column 'Contact' (2): kept cell(s) hold an email, phone number, identifier or full name")
            && line.contains(r#"allow_residual = ["Contact"]"#),
        "{line}"
    );
    // Allowed by name: written, and the report counts it (and the single words) by column.
    let map = format!(
        "allow_residual = [\"contact\"]\n{}",
        USERS_MAP.replacen("version = 1\n", "", 1)
    );
    wd.write("map.toml", format!("version = 1\n{map}"));
    let run = wd.run(&[
        "scrub",
        "-q",
        "--force",
        "--map",
        "map.toml",
        "in/book.xlsx",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    let report: serde_json::Value =
        serde_json::from_slice(&wd.read("scrubbed/scrub-report.json")).unwrap();
    assert_eq!(
        report["files"][0]["residuals"],
        serde_json::json!([
            {"sheet": "Lookup", "column": "Contact", "cells": 2, "kind": "allowed"},
            {"sheet": "Lookup", "column": "Note", "cells": 2, "kind": "word"},
        ])
    );
    let text = String::from_utf8(wd.read("scrubbed/scrub-report.json")).unwrap();
    assert!(!text.contains("anna.berg") && !text.contains("Eriksson"));
    // The kept copies are still there, as the map allowed; the scrubbed ones are gone.
    let out = Book::open(wd.read("scrubbed/book.xlsx"));
    assert_eq!(
        out.sheet("Lookup").get_value((1, 0)),
        Some(&calamine::Data::String("anna.berg@contoso.com".into()))
    );
    assert!(
        !part_text(&wd.read("scrubbed/book.xlsx"), "xl/worksheets/sheet1.xml").contains("Berg")
    );
}

/// A kept copy of a removed full name is found with its apostrophe written otherwise: where
/// the modifier letter apostrophe (`ʼ`, a letter to Unicode) stands for the ASCII one right
/// after the first word (`O'Brien Sean`, a name written last name first), and where the name
/// starts with an apostrophe of another length in bytes (`’t Hart Jan` for `'t Hart Jan`): in
/// a CSV and in a workbook alike, the file fails.
#[test]
fn a_kept_copy_with_its_apostrophe_written_otherwise_fails_the_file() {
    const MAP: &str = r#"version = 1
[columns]
"Full Name" = "clear"
"Email" = { action = "replace", value = "deleted-{row}@example.invalid" }
"Contact" = "keep"
"#;
    let rows = [
        ["O'Brien Sean", "sean.obrien@contoso.com", "Oʼbrien Sean"],
        ["'t Hart Jan", "jan.thart@contoso.com", "’t Hart Jan"],
        ["Maja Lindqvist", "maja@contoso.com", "Facilities"],
    ];
    let cell = |col: char, row: usize, text: &str| {
        format!(r#"<c r="{col}{row}" t="inlineStr"><is><t>{text}</t></is></c>"#)
    };
    let mut xml = String::from("<sheetData><row r=\"1\">");
    for (col, header) in ['A', 'B', 'C']
        .into_iter()
        .zip(["Full Name", "Email", "Contact"])
    {
        xml.push_str(&cell(col, 1, header));
    }
    xml.push_str("</row>");
    let mut csv = String::from("Full Name,Email,Contact\n");
    for (i, row) in rows.iter().enumerate() {
        xml.push_str(&format!(r#"<row r="{}">"#, i + 2));
        for (col, text) in ['A', 'B', 'C'].into_iter().zip(row) {
            xml.push_str(&cell(col, i + 2, &text.replace('\'', "&apos;")));
        }
        xml.push_str("</row>");
        csv.push_str(&format!("{}\n", row.join(",")));
    }
    xml.push_str("</sheetData>");
    let book = testdata::RawBook {
        sheets: vec![("Users".into(), xml)],
        ..testdata::RawBook::default()
    }
    .to_xlsx();
    for (name, bytes) in [("users.csv", csv.into_bytes()), ("users.xlsx", book)] {
        let wd = Workdir::new();
        wd.write(&format!("in/{name}"), &bytes);
        wd.write("map.toml", MAP);
        let input = format!("in/{name}");
        let run = wd.run(&["scrub", "-q", "--map", "map.toml", &input]);
        assert_eq!(run.code, 1, "{name}: {}", run.text());
        assert!(
            run.stderr.contains("column 'Contact' (2): kept cell(s) hold an email, phone number, identifier or full name"),
            "{name}: {}",
            run.stderr
        );
        assert!(
            !run.text().contains("Brien") && !run.text().contains("Hart"),
            "no value in the message"
        );
    }
}

#[test]
fn the_bundled_profile_passes_the_generated_exports() {
    let export = testdata::disabled_users(&Options {
        rows: 300,
        extra_sheet: true,
        formula_column: true,
        ..Options::default()
    });
    let wd = Workdir::new();
    wd.write("in/users.xlsx", export.to_xlsx());
    // In a CSV the Display formula's results are plain copies of the names: left out.
    let csv = testdata::disabled_users(&Options {
        rows: 300,
        ..Options::default()
    });
    wd.write("in/users.csv", csv.to_csv());
    let run = wd.run(&["scrub", "-q", "in"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let report: serde_json::Value =
        serde_json::from_slice(&wd.read("scrubbed/scrub-report.json")).unwrap();
    // Managers who share a first name with a user are counted, never a failure.
    for file in 0..2 {
        assert_eq!(report["files"][file]["status"], "ok");
        for r in report["files"][file]["residuals"]
            .as_array()
            .into_iter()
            .flatten()
        {
            assert_eq!(r["kind"], "word", "{r}");
            assert_eq!(r["column"], "Manager", "{r}");
        }
    }
}

/// Dynamics' metadata sheet must stay as it is for an import, so nothing there is scrubbed;
/// but the sweep reads its option-set labels like kept cells, and one that holds a removed
/// email fails the file (never a silent success), in the layout Excel writes and in the one
/// Dynamics writes, with a message that says what to do.
#[test]
fn a_removed_value_in_the_metadata_sheet_fails_the_file() {
    let export = testdata::disabled_users(&Options {
        rows: 20,
        ..Options::default()
    });
    let email = match &export.rows[0][export.column_index("internalemailaddress").unwrap()] {
        testdata::Value::Text(email) => email.clone(),
        other => panic!("{other:?}"),
    };
    let layouts = [
        ("xl/worksheets/sheet2.xml", "", export.to_xlsx()),
        (
            "xl/worksheets/sheet.xml",
            "x:",
            export.to_dynamics_raw_xlsx(),
        ),
    ];
    for (part, x, book) in layouts {
        let book = edit_part(&book, part, |xml| {
            let end = format!("</{x}row></{x}sheetData>");
            let xml = xml.unwrap();
            assert!(xml.contains(&end), "{part}: {xml}");
            xml.replace(
                &end,
                &format!(
                    r#"<{x}c r="Z4" t="inlineStr"><{x}is><{x}t>{email}</{x}t></{x}is></{x}c>{end}"#
                ),
            )
        });
        // The one pass (lossless) and the workbook read whole (--rebuild) alike.
        for rebuild in [None, Some("--rebuild")] {
            let wd = Workdir::new();
            wd.write("in/book.xlsx", &book);
            let args: Vec<&str> = ["scrub", "-q", "in/book.xlsx"]
                .into_iter()
                .chain(rebuild)
                .collect();
            let run = wd.run(&args);
            assert_eq!(run.code, 1, "{part} {rebuild:?}: {}", run.text());
            assert!(
                run.stderr.contains("sheet 'hiddenSheet', column 'Z' (1): Dynamics' metadata sheet holds an email, phone number, identifier or full name that the scrub removed")
                    && run.stderr.contains("change the option's label in Dynamics and export again"),
                "{part} {rebuild:?}: {}",
                run.stderr
            );
            assert!(!run.text().contains(&email), "no value in the message");
            assert!(
                !wd.files().iter().any(|f| f == "scrubbed/book.xlsx"),
                "nothing written"
            );
        }
    }
}

/// The protected columns (record id, row checksum, modified on) stay as Dynamics wrote them, so
/// the sweep reads only what has another shape there: a removed full name typed over a row's
/// checksum, or an email over its modified-on date, fails the file (never a silent success),
/// in both layouts of a workbook, read in one pass or whole, and in a CSV, with a message that
/// says what to do; the ids, checksums and dates themselves are no residual.
#[test]
fn a_removed_value_in_a_protected_column_fails_the_file() {
    let mut export = testdata::disabled_users(&Options {
        rows: 20,
        ..Options::default()
    });
    let text = |export: &testdata::Export, row: usize, logical: &str| match &export.rows[row]
        [export.column_index(logical).unwrap()]
    {
        testdata::Value::Text(t) => t.clone(),
        other => panic!("{other:?}"),
    };
    let (name, email) = (
        text(&export, 1, "fullname"),
        text(&export, 3, "internalemailaddress"),
    );
    let checksum = export.column_index("checksumLogicalName").unwrap();
    let modified = export.column_index("modifiedon").unwrap();
    assert_eq!((checksum, modified), (1, 2), "the layout of an export");
    export.rows[1][checksum] = testdata::Value::Text(name.clone());
    export.rows[3][modified] = testdata::Value::Text(email.clone());
    let inputs = [
        ("book.xlsx", export.to_xlsx()),
        ("book.xlsx", export.to_dynamics_raw_xlsx()),
        ("book.csv", export.to_csv()),
    ];
    for (file, book) in inputs {
        let rebuild: &[Option<&str>] = match file.ends_with(".xlsx") {
            true => &[None, Some("--rebuild")],
            false => &[None],
        };
        for &rebuild in rebuild {
            let wd = Workdir::new();
            wd.write(&format!("in/{file}"), &book);
            let input = format!("in/{file}");
            let args: Vec<&str> = ["scrub", "-q", &input].into_iter().chain(rebuild).collect();
            let run = wd.run(&args);
            assert_eq!(run.code, 1, "{file} {rebuild:?}: {}", run.text());
            let failed = run.failed();
            assert_eq!(failed.len(), 1, "{file} {rebuild:?}: {}", run.stderr);
            assert!(
                failed[0].contains("column '(Do Not Modify) Row Checksum' (1), sheet ")
                    && failed[0].contains("column '(Do Not Modify) Modified On' (1): protected (Do Not Modify) column(s), where Dynamics writes an id, a checksum or a date, hold an email")
                    && failed[0].contains("export the file again from Dynamics"),
                "{file} {rebuild:?}: {}",
                failed[0]
            );
            assert!(
                !run.text().contains(&name) && !run.text().contains(&email),
                "no value in the message"
            );
            assert_nothing_written(&wd);
        }
    }
}

/// Only a sheet that holds Dynamics' metadata is left out of the sweep as the metadata sheet:
/// a sheet that is merely named `hiddenSheet` (a hand-edited copy) is swept like any other, so
/// a kept copy of a removed value there fails the file.
#[test]
fn a_sheet_named_like_the_metadata_sheet_is_swept_unless_it_holds_metadata() {
    let wd = Workdir::new();
    let book = users_and_lookup(&[["anna.berg@contoso.com", "desk 4"]], "");
    let book = edit_part(&book, "xl/workbook.xml", |xml| {
        xml.unwrap()
            .replace("name=\"Lookup\"", "name=\"hiddenSheet\"")
    });
    wd.write("in/book.xlsx", &book);
    let line = scrub_fails(&wd, USERS_MAP);
    assert!(
        line.contains("sheet 'hiddenSheet', column 'Contact' (1): kept cell(s) hold an email"),
        "{line}"
    );
}

#[test]
fn a_streamed_csv_with_a_kept_copy_fails_unless_allowed() {
    let wd = Workdir::new();
    let mut csv = String::from("Full Name,Email,Team,Backup\n");
    for (i, u) in USERS.iter().enumerate() {
        // Each user's backup is the next user's address.
        let backup = USERS[(i + 1) % USERS.len()][1];
        csv.push_str(&format!("{},{},{},{backup}\n", u[0], u[1], u[3]));
    }
    wd.write("in/people.csv", &csv);
    let map = "version = 1\n[columns]\n\"Full Name\" = \"clear\"\nEmail = \"clear\"\n";
    wd.write("map.toml", map);
    let run = wd.run(&[
        "scrub",
        "-q",
        "--allow-uncovered",
        "--map",
        "map.toml",
        "in/people.csv",
    ]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.stderr
            .contains("sheet 'people', column 'Backup' (3): kept cell(s) hold"),
        "{}",
        run.stderr
    );
    assert!(!wd.exists("scrubbed/people.csv") && !wd.exists("scrubbed/people.changes.csv"));
    assert!(!run.text().contains("contoso"), "no value in the message");
    let run = scrub_allowing_backup(&wd, map, "in/people.csv");
    assert_eq!(run.code, 0, "{}", run.text());
    let out = String::from_utf8(wd.read("scrubbed/people.csv")).unwrap();
    assert!(
        out.contains(USERS[1][1]) && !out.contains(USERS[0][0]),
        "{out}"
    );
}

/// `map` (a whole map, `version = 1` first) with `allow_residual = ["Backup"]` added scrubs
/// `input`, replacing an earlier run's outputs.
fn scrub_allowing_backup(wd: &Workdir, map: &str, input: &str) -> crate::workdir::Run {
    let map = map.replacen(
        "version = 1\n",
        "version = 1\nallow_residual = [\"Backup\"]\n",
        1,
    );
    wd.write("map.toml", &map);
    wd.run(&[
        "scrub",
        "-q",
        "--allow-uncovered",
        "--force",
        "--map",
        "map.toml",
        input,
    ])
}

/// `verify` on an output with one more copy of a removed value, in a place the plain search
/// missed: each is found, named by its part.
#[test]
fn verify_finds_copies_in_every_encoding_and_shape() {
    use std::io::Write;
    let wd = Workdir::new();
    wd.write(
        "in/book.xlsx",
        users_and_lookup(&[["Facilities", "desk 4"]], ""),
    );
    wd.write("map.toml", USERS_MAP);
    let run = wd.run(&[
        "scrub",
        "-q",
        "--allow-uncovered",
        "--map",
        "map.toml",
        "in/book.xlsx",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    let good = wd.read("scrubbed/book.xlsx");
    let utf16 = |text: &str| {
        let mut out = vec![0xFF, 0xFE];
        out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        out
    };
    let mut embedded = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    embedded
        .start_file(
            "xl/sharedStrings.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
    embedded
        .write_all(b"<sst><si><t>Maja Lindqvist</t></si></sst>")
        .unwrap();
    let embedded = embedded.finish().unwrap().into_inner();
    let mut printer = vec![0u8; 7];
    printer.extend(utf16("Lars Eriksson")[2..].iter());
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "customXml/item1.xml",
            utf16(r#"<?xml version="1.0" encoding="UTF-16"?><r><owner>Anna Berg</owner></r>"#),
        ),
        ("xl/printerSettings/printerSettings1.bin", printer),
        ("xl/embeddings/Book1.xlsx", embedded),
        (
            "xl/comments7.xml",
            br#"<comments><commentList><comment ref="A1"><text><r><t>Ask Ma</t></r><r><rPr><b/></rPr><t>ja Lindqvist</t></r></text></comment></commentList></comments>"#.to_vec(),
        ),
        ("docProps/custom.xml", b"<p><v>Call 46701234567</v></p>".to_vec()),
        (
            "xl/worksheets/_rels/sheet2.xml.rels",
            br#"<Relationships><Relationship Id="rId1" Target="mailto:lars.eriksson%40contoso.com" TargetMode="External"/></Relationships>"#.to_vec(),
        ),
    ];
    for (part, bytes) in cases {
        let bad = with_bytes(&good, part, &bytes);
        wd.write("bad.xlsx", &bad);
        let run = wd.run(&["verify", "--map", "map.toml", "in/book.xlsx", "bad.xlsx"]);
        assert_eq!(run.code, 3, "{part}: {}", run.text());
        assert!(
            run.stdout
                .lines()
                .any(|l| l.starts_with(part) && l.contains("leak")),
            "{part}: {}",
            run.stdout
        );
    }
}

/// A copy of a package with one part's bytes set (added when missing).
fn with_bytes(xlsx: &[u8], part: &str, bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for i in 0..zip.len() {
        let entry = zip.by_index(i).unwrap();
        if entry.name().unwrap() != part {
            out.raw_copy_file(entry).unwrap();
        }
    }
    out.start_file(part, options).unwrap();
    out.write_all(bytes).unwrap();
    out.finish().unwrap().into_inner()
}

/// A sheet of text formulas loses its cached values once anything changed: verify counts its
/// rows by the formulas, not by the values calamine sees.
#[test]
fn a_sheet_of_text_formulas_keeps_its_rows() {
    let mut calc = String::from(
        r#"<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Label</t></is></c></row>"#,
    );
    for r in 2..=31 {
        calc.push_str(&format!(
            r#"<row r="{r}"><c r="A{r}" t="str"><f>UPPER("team {r}")</f><v>TEAM {r}</v></c></row>"#
        ));
    }
    calc.push_str("</sheetData>");
    let wd = Workdir::new();
    wd.write(
        "in/book.xlsx",
        dsr_scrub::testdata::sweep::users_and_sheets(&[["Facilities", "desk 4"]], "", Some(&calc)),
    );
    wd.write("map.toml", USERS_MAP);
    let run = wd.run(&[
        "scrub",
        "-q",
        "--allow-uncovered",
        "--map",
        "map.toml",
        "in/book.xlsx",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert!(
        !part_text(&wd.read("scrubbed/book.xlsx"), "xl/worksheets/sheet3.xml").contains("<v>TEAM"),
        "the cached values were dropped"
    );
    let run = wd.run(&[
        "verify",
        "--map",
        "map.toml",
        "in/book.xlsx",
        "scrubbed/book.xlsx",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
}

/// The bytes of one part of a package.
fn part_bytes(xlsx: &[u8], part: &str) -> Vec<u8> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut data = Vec::new();
    zip.by_name(part).unwrap().read_to_end(&mut data).unwrap();
    data
}

/// Scrubs `in/book.xlsx` with [`USERS_MAP`], asserting that it succeeds.
fn scrub_ok(wd: &Workdir) -> Vec<u8> {
    wd.write("map.toml", USERS_MAP);
    let run = wd.run(&[
        "scrub",
        "-q",
        "--allow-uncovered",
        "--map",
        "map.toml",
        "in/book.xlsx",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    wd.read("scrubbed/book.xlsx")
}

/// `verify` of `bad` (the output with a picture whose bytes hold a removed value) against the
/// input: exit 3, the picture named as the place of a leak.
fn verify_names_the_picture(wd: &Workdir, bad: &[u8]) {
    wd.write("bad.xlsx", bad);
    let run = wd.run(&["verify", "--map", "map.toml", "in/book.xlsx", "bad.xlsx"]);
    assert_eq!(run.code, 3, "{}", run.text());
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with(PICTURE_PART) && l.contains("leak")),
        "{}",
        run.stdout
    );
    for person in USERS.iter().flatten() {
        assert!(!run.text().contains(person), "no value in the report");
    }
}

/// A picture's bytes read as Latin-1 spell a removed first name as a whole word (as random
/// bytes do by chance for some short name of a large export): no leak, since chance makes it.
/// The scrub writes the file with the picture as it was, and `verify` passes it.
#[test]
fn a_picture_spelling_a_removed_first_name_by_chance_is_kept() {
    let wd = Workdir::new();
    let picture = picture(20_261_202, 200_000, b" Anna ");
    // The plant is searchable where the bytes are text: this test fails if pictures are.
    let anna = dsr_scrub::needles::Needles::new(&["Anna"]);
    let latin1: String = picture.iter().map(|&b| char::from(b)).collect();
    assert!(anna.found_in_markup(&latin1) && !anna.found_in_bytes(&latin1));
    let book = users_and_lookup(&[["Facilities", "desk 4"]], "");
    wd.write("in/book.xlsx", with_picture(&book, &picture));
    let out = scrub_ok(&wd);
    assert_eq!(part_bytes(&out, PICTURE_PART), picture, "byte for byte");
    let users = Book::open(out.clone());
    let users = users.sheet("Users");
    for row in 1..=USERS.len() as u32 {
        assert_eq!(
            crate::workdir::cell(users, row, 2),
            calamine::Data::String("Deleted".into())
        );
    }
    let run = wd.run(&[
        "verify",
        "--map",
        "map.toml",
        "in/book.xlsx",
        "scrubbed/book.xlsx",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    if let Some(soffice) = crate::workdir::libreoffice() {
        let csv = crate::workdir::libreoffice_csv(&soffice, &wd.path("scrubbed/book.xlsx"), &wd)
            .expect("LibreOffice opens the output");
        assert!(csv.contains("Deleted") && !csv.contains("Anna"), "{csv}");
    }
}

/// The same picture with a removed email in it (as a JPEG comment or an EXIF field carries
/// one): that is no chance, so the scrub fails naming the part and `verify` exits 3.
#[test]
fn a_picture_holding_a_removed_email_fails_the_file() {
    let wd = Workdir::new();
    let book = users_and_lookup(&[["Facilities", "desk 4"]], "");
    let bad = picture(
        20_261_202,
        200_000,
        b" Anna \xFF\xFE\x00\x1bBy anna.berg@contoso.com\x00",
    );
    wd.write("in/book.xlsx", with_picture(&book, &bad));
    let line = scrub_fails(&wd, USERS_MAP);
    assert!(
        line.contains(&format!(
            "would still be in the output at {PICTURE_PART}: leak"
        )),
        "{line}"
    );
    // `verify` of an output that kept it, against an input with the chance-only picture.
    let good = picture(20_261_202, 200_000, b" Anna ");
    wd.write("in/book.xlsx", with_picture(&book, &good));
    let out = scrub_ok(&wd);
    verify_names_the_picture(&wd, &with_bytes(&out, PICTURE_PART, &bad));
}

/// A full name in UTF-16LE (as Windows writes a string into a binary record) is still found
/// in a picture's bytes.
#[test]
fn a_two_word_name_in_utf16_in_a_picture_fails_the_file() {
    let wd = Workdir::new();
    let book = users_and_lookup(&[["Facilities", "desk 4"]], "");
    let wide: Vec<u8> = "\0Maja Lindqvist\0"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let bad = picture(7, 200_000, &wide);
    wd.write("in/book.xlsx", with_picture(&book, &bad));
    let line = scrub_fails(&wd, USERS_MAP);
    assert!(
        line.contains(&format!(
            "would still be in the output at {PICTURE_PART}: leak"
        )),
        "{line}"
    );
    wd.write(
        "in/book.xlsx",
        with_picture(&book, &picture(7, 200_000, b"")),
    );
    let out = scrub_ok(&wd);
    verify_names_the_picture(&wd, &with_bytes(&out, PICTURE_PART, &bad));
}

/// A workbook of one sheet, `people`, of `rows` (the header first) as inline strings.
fn inline_book(rows: &[Vec<String>]) -> Vec<u8> {
    let mut data = String::from("<sheetData>");
    for (r, row) in rows.iter().enumerate() {
        data.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (c, field) in row.iter().enumerate() {
            data.push_str(&format!(
                r#"<c r="{}{}" t="inlineStr"><is><t>{field}</t></is></c>"#,
                (b'A' + c as u8) as char,
                r + 1
            ));
        }
        data.push_str("</row>");
    }
    data.push_str("</sheetData>");
    testdata::RawBook {
        sheets: vec![("people".into(), data)],
        ..testdata::RawBook::default()
    }
    .to_xlsx()
}

/// A kept column holding removed full names written last name first ("Berg, Anna", "Berg
/// Anna") holds those names: the file fails, in a CSV and an .xlsx, unless the map allows it.
#[test]
fn a_kept_name_written_last_name_first_fails_unless_allowed() {
    let wd = Workdir::new();
    for (form, file) in [("{last}, {first}", "comma"), ("{last} {first}", "space")] {
        let mut rows = vec![vec![
            "Full Name".to_string(),
            "Email".into(),
            "Team".into(),
            "Backup".into(),
        ]];
        for (i, u) in USERS.iter().enumerate() {
            // Each user's backup is the next user, named last name first.
            let next = USERS[(i + 1) % USERS.len()][0];
            let (first, last) = next.split_once(' ').unwrap();
            let backup = form.replace("{last}", last).replace("{first}", first);
            rows.push(vec![u[0].into(), u[1].into(), u[3].into(), backup]);
        }
        let csv: String = rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|f| format!("\"{f}\""))
                    .collect::<Vec<_>>()
                    .join(",")
                    + "\n"
            })
            .collect();
        wd.write(&format!("in/{file}.csv"), &csv);
        wd.write(&format!("in/{file}.xlsx"), inline_book(&rows));
    }
    let map = "version = 1\n[columns]\n\"Full Name\" = \"clear\"\nEmail = \"clear\"\n";
    wd.write("map.toml", map);
    let (failed, text) = wd.scrub_failing(&["--allow-uncovered", "--map", "map.toml"], 4);
    for line in failed {
        assert!(
            line.contains("column 'Backup' (3): kept cell(s) hold"),
            "{line}"
        );
    }
    assert!(!text.contains("Berg"), "no value in the message");
    let run = scrub_allowing_backup(&wd, map, "in");
    assert_eq!(run.code, 0, "{}", run.text());
}

/// A kept cell naming a removed person without the middle name their full name has ("Anna
/// Berg" for "Anna Maria Berg") names them: the file fails.
#[test]
fn a_kept_name_without_the_middle_name_fails_the_file() {
    kept_backup_fails(
        [
            ("Anna Maria Berg", "Lars Eriksson"),
            ("Lars Olof Eriksson", "Anna Berg"),
            ("Eva Lind", "Sales"),
        ],
        "Berg",
        2,
    );
}

/// A kept cell naming a removed person without the accents of their name ("Zoe Muller",
/// "Zoe Mueller" for "Zoë Müller") names them: the file fails.
#[test]
fn a_kept_name_without_its_accents_fails_the_file() {
    for backup in ["Zoe Muller", "ZOE MUELLER"] {
        kept_backup_fails(
            [
                ("Zoë Müller", "Per Holm"),
                ("Lars Eriksson", backup),
                ("Eva Lind", "Sales"),
            ],
            "Muller",
            1,
        );
    }
    // Turkish dotless and dotted i: in capitals the dots are gone.
    for (name, backup, hidden) in [
        ("Yıldız Kaya", "YILDIZ KAYA", "YILDIZ"),
        ("İlkay Öz", "ILKAY OZ", "ILKAY"),
        ("Søren Ødegård", "Soeren Oedegaard", "Soeren"),
    ] {
        kept_backup_fails(
            [
                (name, "Per Holm"),
                ("Lars Eriksson", backup),
                ("Eva Lind", "Sales"),
            ],
            hidden,
            1,
        );
    }
}

/// A kept cell holding a removed name with its words spaced otherwise (a non-breaking space, as
/// Excel shows it like a space, or two spaces) names the person all the same.
#[test]
fn a_kept_name_spaced_otherwise_fails_the_file() {
    for backup in ["Karim\u{a0}Al-Farsi", "Karim  Al-Farsi", "KARIM\tAL-FARSI"] {
        kept_backup_fails(
            [
                ("Karim Al-Farsi", "Per Holm"),
                ("Lars Eriksson", backup),
                ("Eva Lind", "Sales"),
            ],
            "Farsi",
            1,
        );
    }
}

/// A kept cell holding a removed phone number with other separators, none, or non-breaking
/// spaces, or written as the national number (a trunk `0`, `(0)`, a `00` country code) is that
/// number, whether the file is streamed (no subject) or read whole.
#[test]
fn a_kept_phone_number_in_another_format_fails_the_file() {
    for copy in [
        "212522641650",
        "+212\u{a0}522-641650",
        "+212 522 641 650",
        "0522 641650",
        "00212 522 641650",
        "00212522641650",
        "+212 (0)522 641650",
        "(0522) 64 16 50",
    ] {
        let wd = Workdir::new();
        let rows = [
            ["Full Name", "Main Phone", "Note"],
            ["Karim Al-Farsi", "+212 522-641650", "Sales"],
            ["Lars Eriksson", "+46 8 123 456 78", copy],
        ];
        let csv: String = rows.iter().map(|r| r.join(",") + "\n").collect();
        wd.write("in/people.csv", &csv);
        let rows: Vec<Vec<String>> = rows
            .iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        wd.write("in/people.xlsx", inline_book(&rows));
        wd.write(
            "map.toml",
            "version = 1\n[columns]\n\"Full Name\" = \"clear\"\n\"Main Phone\" = \"clear\"\n",
        );
        // One job makes a number's forms as it reads; two leave that to the task that sifts.
        for jobs in ["1", "2"] {
            let flags = ["--allow-uncovered", "--map", "map.toml", "-j", jobs];
            let (failed, text) = wd.scrub_failing(&flags, 2);
            for line in failed {
                assert!(
                    line.contains("column 'Note' (1): kept cell(s) hold"),
                    "{copy:?}: {line}"
                );
            }
            assert!(!text.contains("641650"), "no value in the message");
        }
    }
}

/// A CSV and an .xlsx of `people` (full name, backup), whose Full Name a map clears: each fails
/// naming the Backup column and its `cells` such cells, never the value (`hidden` is part of
/// it).
fn kept_backup_fails(people: [(&str, &str); 3], hidden: &str, cells: usize) {
    let wd = Workdir::new();
    let mut rows = vec![vec![
        "Full Name".to_string(),
        "Team".into(),
        "Backup".into(),
    ]];
    for (name, backup) in people {
        rows.push(vec![name.into(), "Sales".into(), backup.into()]);
    }
    let csv: String = rows.iter().map(|r| r.join(",") + "\n").collect();
    wd.write("in/people.csv", &csv);
    wd.write("in/people.xlsx", inline_book(&rows));
    wd.write(
        "map.toml",
        "version = 1\n[columns]\n\"Full Name\" = \"clear\"\n",
    );
    // One job sifts the removed values as it goes, against the kept values read first, and
    // makes their other forms; two hand them to a helper, which makes the forms.
    for jobs in ["1", "2"] {
        let flags = ["--allow-uncovered", "--map", "map.toml", "-j", jobs];
        let (failed, text) = wd.scrub_failing(&flags, 2);
        for line in failed {
            assert!(
                line.contains(&format!("column 'Backup' ({cells}): kept cell(s) hold")),
                "{line}"
            );
        }
        assert!(
            !text.to_lowercase().contains(&hidden.to_lowercase()),
            "no value in the message"
        );
    }
}

/// A sheet pasted without its header row has a person's record in row 1, which the map takes
/// for column names and never changes: a removed full name there fails the file, named by its
/// cell only.
#[test]
fn a_removed_name_in_a_header_row_fails_the_file() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let users = book.add_worksheet().set_name("Users").unwrap();
    for (col, header) in ["Full Name", "Email", "Business Unit"].iter().enumerate() {
        users.write_string(0, col as u16, *header).unwrap();
    }
    let people = [
        ("Karim Al-Farsi", "karim.al-farsi@contoso.com"),
        ("Ingrid Halvorsen", "ingrid.halvorsen@contoso.com"),
    ];
    for (row, (name, email)) in people.iter().enumerate() {
        let row = row as u32 + 1;
        users.write_string(row, 0, *name).unwrap();
        users.write_string(row, 1, *email).unwrap();
        users.write_string(row, 2, "Sales").unwrap();
    }
    let old = book.add_worksheet().set_name("Old list").unwrap();
    for (row, (name, city)) in [("Karim Al-Farsi", "Rabat"), ("Aoife Byrne", "Cork")]
        .iter()
        .enumerate()
    {
        old.write_string(row as u32, 0, *name).unwrap();
        old.write_string(row as u32, 1, *city).unwrap();
    }
    let wd = Workdir::new();
    wd.write("users.xlsx", book.save_to_buffer().unwrap());
    wd.write(
        "map.toml",
        "version = 1\n[columns]\n\"Full Name\" = \"clear\"\n\"Email\" = \"clear\"\n\"Business Unit\" = \"keep\"\n\"Karim Al-Farsi\" = \"keep\"\n\"Rabat\" = \"keep\"\n",
    );
    let run = wd.run(&["scrub", "--map", "map.toml", "users.xlsx"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.stderr.contains("sheet 'Old list', cell A1") && run.stderr.contains("header cell"),
        "{}",
        run.stderr
    );
    assert!(!run.text().contains("Karim"), "{}", run.text());
    assert!(!wd.exists("scrubbed/users.xlsx"));

    // A list without its header row whose first record is also a later one: the map clears
    // the column the name heads, and the name is a removed value as a whole.
    let mut book = rust_xlsxwriter::Workbook::new();
    let list = book.add_worksheet().set_name("Sheet1").unwrap();
    let rows = [
        ("Karim Al-Farsi", "Amman"),
        ("Ingrid Halvorsen", "Oslo"),
        ("Karim Al-Farsi", "Amman"),
    ];
    for (row, (name, city)) in rows.iter().enumerate() {
        list.write_string(row as u32, 0, *name).unwrap();
        list.write_string(row as u32, 1, *city).unwrap();
    }
    wd.write("list.xlsx", book.save_to_buffer().unwrap());
    wd.write(
        "list.toml",
        "version = 1\n[columns]\n\"Karim Al-Farsi\" = \"clear\"\n\"Amman\" = \"keep\"\n",
    );
    let run = wd.run(&["scrub", "--map", "list.toml", "list.xlsx"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.stderr.contains("sheet 'Sheet1', cell A1"),
        "{}",
        run.stderr
    );
    assert!(!wd.exists("scrubbed/list.xlsx"));
    // The same list as a CSV, scrubbed as a stream.
    let csv: String = rows
        .iter()
        .map(|(name, city)| format!("{name},{city}\r\n"))
        .collect();
    wd.write("list.csv", csv);
    let run = wd.run(&["scrub", "--map", "list.toml", "list.csv"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.stderr.contains("sheet 'list', cell A1"),
        "{}",
        run.stderr
    );
    assert!(!run.text().contains("Karim"), "{}", run.text());
    assert!(!wd.exists("scrubbed/list.csv"));

    // A removed text that is another column's header (a job title "Manager" beside a Manager
    // column) is no header taken from a record.
    let mut book = rust_xlsxwriter::Workbook::new();
    let titles = book.add_worksheet().set_name("Users").unwrap();
    let rows = [
        ["Full Name", "Job Title", "Manager"],
        ["Karim Al-Farsi", "Manager", "Ingrid Halvorsen"],
        ["Aoife Byrne", "Engineer", "Karim Al-Farsi"],
    ];
    for (row, cells) in rows.iter().enumerate() {
        for (col, text) in cells.iter().enumerate() {
            titles.write_string(row as u32, col as u16, *text).unwrap();
        }
    }
    wd.write("titles.xlsx", book.save_to_buffer().unwrap());
    let csv: String = rows
        .iter()
        .map(|r| format!("{}\r\n", r.join(",")))
        .collect();
    wd.write("titles.csv", csv);
    wd.write(
        "titles.toml",
        "version = 1\nallow_residual = [\"Manager\"]\n[columns]\n\"Full Name\" = \"clear\"\n\"Job Title\" = \"clear\"\n\"Manager\" = \"keep\"\n",
    );
    for file in ["titles.xlsx", "titles.csv"] {
        let run = wd.run(&["scrub", "--map", "titles.toml", file]);
        assert_eq!(run.code, 0, "{file}: {}", run.text());
    }
}
