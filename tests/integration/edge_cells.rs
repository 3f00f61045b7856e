//! Cells at the edges of the formats: the 1904 date system, merged cells, rich text, preserved
//! spaces, `_xHHHH_` escapes, 32,767-character strings, column XFD, and CSV fields with NUL, CR
//! and LF in them or rows of different lengths. Inputs come from `testdata::RawBook`.

use crate::workdir::{cell, part_text, Book, Workdir};
use calamine::Data;
use dsr_scrub::testdata::RawBook;

const MAP: &str = "version = 1\nsheets = [\"Users\"]\n[columns]\n\"First Name\" = { action = \"replace\", value = \"Deleted\" }\n\"Last Name\" = \"clear\"\n";

/// Kept cells that must come out byte for byte as they went in.
const KEPT: [&str; 6] = [
    r#"<c r="B2" t="inlineStr"><is><r><t xml:space="preserve">  Rich </t></r><r><rPr><i/></rPr><t>note</t></r></is></c>"#,
    r#"<c r="C2" s="1"><v>40000</v></c>"#,
    r#"<c r="B3" t="s"><v>2</v></c>"#,
    r#"<c r="C3" s="1"><v>1.5</v></c>"#,
    r#"<c r="B4" t="inlineStr"><is><t>line_x000D_break_x0009_tab</t></is></c>"#,
    r#"<c r="B5" t="s"><v>3</v></c>"#,
];

fn users_book() -> RawBook {
    let rows = [
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>First Name</t></is></c><c r="B1" t="inlineStr"><is><t>Note</t></is></c><c r="C1" t="inlineStr"><is><t>Born</t></is></c><c r="D1" t="inlineStr"><is><t>Last Name</t></is></c></row>"#.to_string(),
        format!(
            r#"<row r="2"><c r="A2" t="inlineStr"><is><r><t>Jo</t></r><r><rPr><b/></rPr><t>sé</t></r></is></c>{}{}<c r="D2" t="s"><v>0</v></c></row>"#,
            KEPT[0], KEPT[1]
        ),
        format!(
            r#"<row r="3"><c r="A3" t="s"><v>1</v></c>{}{}<c r="D3" t="inlineStr"><is><t xml:space="preserve"> Øst </t></is></c></row>"#,
            KEPT[2], KEPT[3]
        ),
        format!(r#"<row r="4"><c r="A4" t="inlineStr"><is><t>Ann</t></is></c>{}</row>"#, KEPT[4]),
        format!(r#"<row r="5"><c r="A5" t="inlineStr"><is><t>Bo</t></is></c>{}</row>"#, KEPT[5]),
    ];
    let notes = concat!(
        r#"<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Merged title</t></is></c></row>"#,
        r#"<row r="2"><c r="A2" t="inlineStr"><is><t>First Name</t></is></c><c r="B2" t="inlineStr"><is><t>Zoë</t></is></c></row></sheetData>"#,
        r#"<mergeCells count="1"><mergeCell ref="A1:C1"/></mergeCells>"#
    );
    RawBook {
        date1904: true,
        sheets: vec![
            (
                "Users".into(),
                format!(
                    r#"<dimension ref="A1:D5"/><sheetData>{}</sheetData>"#,
                    rows.concat()
                ),
            ),
            ("Notes".into(), notes.into()),
        ],
        shared_strings: Some(vec![
            r#"<si><r><t>Mül</t></r><r><rPr><b/></rPr><t>ler</t></r></si>"#.into(),
            r#"<si><r><t>Sø</t></r><r><t>ren</t></r></si>"#.into(),
            r#"<si><r><t xml:space="preserve">Kept </t></r><r><rPr><b/></rPr><t>rich</t></r></si>"#
                .into(),
            r#"<si><t xml:space="preserve">  two spaces  </t></si>"#.into(),
        ]),
    }
}

fn text(s: &str) -> Data {
    Data::String(s.into())
}

/// The kept cells as calamine reads them, the same before and after.
fn assert_kept_values(book: &Book) {
    let users = book.sheet("Users");
    assert_eq!(cell(users, 1, 1), text("  Rich note"));
    assert_eq!(cell(users, 2, 1), text("Kept rich"));
    assert_eq!(cell(users, 3, 1), text("line\rbreak\ttab"));
    assert_eq!(cell(users, 4, 1), text("  two spaces  "));
    // 40000 days after 1904-01-01 is 2013-07-07 (in the 1900 system it would be 2009-07-06).
    for (row, ymd) in [(1, (2013, 7, 7)), (2, (1904, 1, 2))] {
        let Data::DateTime(dt) = cell(users, row, 2) else {
            panic!("row {row}: not a date: {:?}", cell(users, row, 2))
        };
        let (y, m, d, ..) = dt.to_ymd_hms_milli();
        assert_eq!((y, m, d), ymd, "row {row}");
    }
    assert_eq!(cell(book.sheet("Notes"), 1, 1), text("Zoë"));
}

/// The scrubbed cells: plain replaced text, or empty.
fn assert_scrubbed_values(book: &Book) {
    let users = book.sheet("Users");
    for row in 1..5 {
        assert_eq!(cell(users, row, 0), text("Deleted"), "row {}", row + 1);
    }
    assert!(
        matches!(cell(users, 1, 3), Data::Empty),
        "{:?}",
        cell(users, 1, 3)
    );
    assert!(
        matches!(cell(users, 2, 3), Data::Empty),
        "{:?}",
        cell(users, 2, 3)
    );
}

#[test]
fn edge_cells_survive_a_lossless_scrub() {
    let wd = Workdir::new();
    let input = users_book().to_xlsx();
    wd.write("in/users.xlsx", &input);
    wd.write("map.toml", MAP);
    assert_kept_values(&Book::open(input.clone()));
    let run = wd.run(&["scrub", "-q", "--map", "map.toml", "in/users.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let output = wd.read("scrubbed/users.xlsx");
    let book = Book::open(output.clone());
    assert_kept_values(&book);
    assert_scrubbed_values(&book);
    // Parts without changes, the merged cells' sheet and the 1904 flag among them, byte for byte.
    for part in [
        "xl/workbook.xml",
        "xl/styles.xml",
        "xl/worksheets/sheet2.xml",
    ] {
        assert_eq!(part_text(&output, part), part_text(&input, part), "{part}");
    }
    assert!(part_text(&output, "xl/workbook.xml").contains(r#"date1904="1""#));
    let sheet = part_text(&output, "xl/worksheets/sheet1.xml");
    for kept in KEPT {
        assert!(sheet.contains(kept), "kept cell rewritten: {kept}\n{sheet}");
    }
    // Rich text in a scrubbed column becomes plain text: no runs left in column A.
    let a2 = &sheet[sheet.find(r#"<c r="A2""#).unwrap()..];
    let a2 = &a2[..a2.find("</c>").unwrap()];
    assert!(!a2.contains("<r>") && !a2.contains("<rPr>"), "{a2}");
    // The rich shared strings no cell uses any more are gone; the kept ones stay.
    let shared = part_text(&output, "xl/sharedStrings.xml");
    assert!(
        !shared.contains("Mül") && !shared.contains(">Sø<"),
        "{shared}"
    );
    assert!(shared.contains(
        r#"<si><r><t xml:space="preserve">Kept </t></r><r><rPr><b/></rPr><t>rich</t></r></si>"#
    ));
    let run = wd.run(&[
        "verify",
        "--map",
        "map.toml",
        "in/users.xlsx",
        "scrubbed/users.xlsx",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
}

#[test]
fn edge_cells_survive_a_rebuild() {
    let wd = Workdir::new();
    wd.write("in/users.xlsx", users_book().to_xlsx());
    wd.write("map.toml", MAP);
    let run = wd.run(&[
        "scrub",
        "-q",
        "--rebuild",
        "--map",
        "map.toml",
        "in/users.xlsx",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    // Rebuilt in the 1900 date system, with the same dates.
    let book = Book::open(wd.read("scrubbed/users.xlsx"));
    assert_kept_values(&book);
    assert_scrubbed_values(&book);
    let run = wd.run(&[
        "verify",
        "--map",
        "map.toml",
        "in/users.xlsx",
        "scrubbed/users.xlsx",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
}

/// A cell at Excel's limit of 32,767 characters: kept, it stays whole; rewritten longer, it is
/// cut back to the limit.
#[test]
fn longest_strings_stay_within_excels_limit() {
    const LIMIT: usize = 32_767;
    let map =
        "version = 1\n[columns]\nBio = { action = \"regex\", pattern = \"a\", replace = \"bb\" }\n";
    let long_a = "a".repeat(LIMIT);
    let long_k = "k".repeat(LIMIT);
    let xlsx = RawBook {
        sheets: vec![(
            "Users".into(),
            format!(
                r#"<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Bio</t></is></c><c r="B1" t="inlineStr"><is><t>Keep</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>{long_a}</t></is></c><c r="B2" t="inlineStr"><is><t>{long_k}</t></is></c></row></sheetData>"#
            ),
        )],
        ..RawBook::default()
    }
    .to_xlsx();
    let csv = format!("Bio,Keep\n{long_a},{long_k}\n");
    for rebuild in [false, true] {
        let wd = Workdir::new();
        wd.write("in/long.xlsx", &xlsx);
        wd.write("in/long-text.csv", &csv);
        wd.write("map.toml", map);
        let mut args = vec!["scrub", "-q", "--map", "map.toml", "in"];
        if rebuild {
            args.insert(1, "--rebuild");
        }
        let run = wd.run(&args);
        assert_eq!(run.code, 0, "{}", run.text());
        let book = Book::open(wd.read("scrubbed/long.xlsx"));
        let users = book.sheet("Users");
        // Cut to the limit the way every over-long value is (see `actions::shorten`).
        let cut = dsr_scrub::actions::shorten(&"b".repeat(2 * LIMIT), LIMIT);
        assert_eq!(cut.chars().count(), LIMIT);
        assert!(cut.starts_with(&"b".repeat(LIMIT - 11)));
        assert_eq!(cell(users, 1, 0), text(&cut));
        assert_eq!(cell(users, 1, 1), text(&long_k));
        assert_eq!(
            String::from_utf8(wd.read("scrubbed/long-text.csv")).unwrap(),
            format!("Bio,Keep\n{cut},{long_k}\n")
        );
    }
}

/// A sheet that uses the last column, XFD (16,384).
#[test]
fn the_last_column_xfd() {
    let xlsx = RawBook {
        sheets: vec![(
            "Users".into(),
            concat!(
                r#"<dimension ref="A1:XFD2"/><sheetData>"#,
                r#"<row r="1"><c r="A1" t="inlineStr"><is><t>First Name</t></is></c><c r="XFD1" t="inlineStr"><is><t>Far</t></is></c></row>"#,
                r#"<row r="2"><c r="A2" t="inlineStr"><is><t>Zoë</t></is></c><c r="XFD2" t="inlineStr"><is><t>far away</t></is></c></row>"#,
                r#"</sheetData>"#
            )
            .into(),
        )],
        ..RawBook::default()
    }
    .to_xlsx();
    for rebuild in [false, true] {
        let wd = Workdir::new();
        wd.write("in/wide.xlsx", &xlsx);
        wd.write("map.toml", "version = 1\n[columns]\n\"First Name\" = { action = \"replace\", value = \"Deleted\" }\nFar = \"keep\"\n");
        let mut args = vec!["scrub", "-q", "--map", "map.toml", "in/wide.xlsx"];
        if rebuild {
            args.insert(1, "--rebuild");
        }
        let run = wd.run(&args);
        assert_eq!(run.code, 0, "rebuild {rebuild}: {}", run.text());
        let book = Book::open(wd.read("scrubbed/wide.xlsx"));
        let users = book.sheet("Users");
        assert_eq!(cell(users, 1, 0), text("Deleted"));
        assert_eq!(cell(users, 0, 16_383), text("Far"));
        assert_eq!(cell(users, 1, 16_383), text("far away"));
    }
}

/// Ragged rows stay ragged (a short record, and one with a delimiter left at its end); NUL, CR
/// and LF inside quoted fields come back as they were (a record with a NUL in a field is
/// written with every field quoted).
#[test]
fn csv_ragged_rows_and_control_characters() {
    let wd = Workdir::new();
    let input = "First Name,Note,Extra\r\nJosé,\"a\0b\",x\r\nAnn\r\nBo,\"x\r\ny\",\"p\rq\",\r\n,\"lf\nonly\"\r\n";
    wd.write("in.csv", input);
    wd.write("map.toml", "version = 1\n[columns]\n\"First Name\" = { action = \"replace\", value = \"Deleted {row}\" }\n");
    let run = wd.run(&["scrub", "-q", "--map", "map.toml", "in.csv"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert_eq!(
        String::from_utf8(wd.read("scrubbed/in.csv")).unwrap(),
        input
            .replace("Jos\u{e9},\"a\0b\",x", "\"Deleted 2\",\"a\0b\",\"x\"")
            .replace("José", "Deleted 2")
            .replace("Ann", "Deleted 3")
            .replace("Bo", "Deleted 4")
    );
}
