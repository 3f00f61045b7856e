//! No cell value in any message or report, whichever error fires: every cell of these inputs
//! holds a unique marker (but the record ids, GUIDs as in an export, so that rows get past the
//! record id check to the errors further on), and so does the sheet name, which errors may
//! name only as a sheet.

use crate::workdir::Workdir;
use dsr_scrub::testdata::RawBook;

/// In every cell value; must never be printed or reported.
const CELL: &str = "MARKERq7zX";
/// In the sheet name; may appear only where a message names the sheet.
const SHEET: &str = "SHEETq7zXusers";

fn sheet_xml(tail: &str) -> String {
    let mut rows = String::from(concat!(
        r#"<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>(Do Not Modify) Id</t></is></c>"#,
        r#"<c r="B1" t="inlineStr"><is><t>First Name</t></is></c><c r="C1" t="inlineStr"><is><t>Last Name</t></is></c>"#,
        r#"<c r="D1" t="s"><v>0</v></c></row>"#
    ));
    for r in 2..6 {
        rows.push_str(&format!(
            r#"<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>0000000{r}-77c1-ec11-8d21-000d3a000000</t></is></c><c r="B{r}" t="inlineStr"><is><t>{CELL}first{r}</t></is></c><c r="C{r}" t="s"><v>{r}</v></c><c r="D{r}" t="inlineStr"><is><r><t>{CELL}rich</t></r><r><t>{r}</t></r></is></c></row>"#
        ));
    }
    rows.push_str(tail);
    rows
}

fn xlsx(tail: &str) -> Vec<u8> {
    let mut shared = vec!["<si><t>Note</t></si>".to_string(), String::new()];
    shared.extend((2..6).map(|r| format!("<si><t>{CELL}last{r}</t></si>")));
    shared[1] = format!("<si><t>{CELL}unused</t></si>");
    RawBook {
        sheets: vec![(SHEET.into(), sheet_xml(tail))],
        shared_strings: Some(shared),
        ..RawBook::default()
    }
    .to_xlsx()
}

fn assert_no_value(what: &str, text: &str) {
    assert!(
        !text.contains(CELL),
        "{what}: a cell value escaped:\n{text}"
    );
    let mut rest = text;
    while let Some(i) = rest.find(SHEET) {
        let before = &rest[..i];
        assert!(
            // 'SHEET' as messages and the emitted map quote a sheet, or the report's name.
            (before.ends_with('\'') && rest[i + SHEET.len()..].starts_with('\''))
                || before.ends_with("\"name\": \"")
                || before.ends_with("\n          "), // -v: "SHEET / column: action"
            "{what}: the sheet name appears other than as a sheet:\n{text}"
        );
        rest = &rest[i + SHEET.len()..];
    }
}

#[test]
fn no_error_path_prints_or_reports_a_value() {
    let wd = Workdir::new();
    let good = xlsx("</sheetData>");
    wd.write("good.xlsx", &good);
    // A zip whose header is fine and whose middle is not.
    let mut corrupt = good.clone();
    let n = corrupt.len();
    corrupt[n / 3..n / 3 + 300].fill(0xAA);
    wd.write("corrupt/corrupt.xlsx", &corrupt);
    wd.write(
        "cut/cut.xlsx",
        xlsx(&format!(
            "<row r=\"9\"><c r=\"A9\" t=\"inlineStr\"><is><t>{CELL}cut"
        )),
    );
    wd.write(
        "badtag/badtag.xlsx",
        xlsx(&format!(
            "<row r=\"9\"><{CELL}tag></{CELL}other></row></sheetData>"
        )),
    );
    wd.write(
        "badattr/badattr.xlsx",
        xlsx(&format!(
            "<row r=\"9\"><c r=\"A9\" t=\"{CELL}type\"><v>{CELL}v</v></c></row></sheetData>"
        )),
    );
    wd.write(
        "badnum/badnum.xlsx",
        xlsx(&format!(
            "<row r=\"9\"><c r=\"A9\"><v>{CELL}notanumber</v></c></row></sheetData>"
        )),
    );
    wd.write(
        "csv/ansi.csv",
        [
            b"First Name,Note\n",
            CELL.as_bytes(),
            b"one,",
            CELL.as_bytes(),
            b"\xE9\n",
        ]
        .concat(),
    );
    wd.write(
        "csv/bom.csv",
        [&b"\xEF\xBB\xBFFirst Name\n"[..], CELL.as_bytes(), b"\xE9\n"].concat(),
    );
    wd.write(
        "csv/users.csv",
        format!("First Name,Note\n{CELL}one,\"{CELL}two\"\n"),
    );
    // The inputs that a scrub refuses for their shape: a CSV record whose values shifted, a
    // record id that is no record GUID, a hidden sheet of addresses the map leaves as it is.
    wd.write(
        "shape/shifted.csv",
        format!("First Name,Note\n{CELL}a,{CELL}b,{CELL}c\n"),
    );
    let mut ids = String::from("(Do Not Modify) Id,First Name,Note\n");
    for r in 0..60 {
        ids.push_str(&format!(
            "{:08x}-77c1-ec11-8d21-000d3a000000,{CELL}first{r},x\n",
            0x5a10_0000 + r
        ));
    }
    ids.push_str(&format!("{CELL}stray,{CELL}first,x\n"));
    wd.write("shape/ids.csv", ids);
    let emails: Vec<String> = (0..20).map(|i| format!("{CELL}{i}@mail.example")).collect();
    let mut hidden = vec![vec!["Private Email"]];
    hidden.extend(emails.iter().map(|e| vec![e.as_str()]));
    wd.write(
        "shape/hidden.xlsx",
        dsr_scrub::testdata::with_sheet(&good, "Old", true, &hidden),
    );
    let maps = [
        ("missing.toml", "version = 1\n[columns]\n\"Frist Name\" = \"clear\"\n"),
        ("regex.toml", "version = 1\n[columns]\n\"First Name\" = { action = \"regex\", pattern = \"([a-z\" }\n"),
        ("protected.toml", "version = 1\n[columns]\n\"(Do Not Modify) Id\" = \"clear\"\n"),
        ("first.toml", "version = 1\n[columns]\n\"First Name\" = \"clear\"\n\"re:^Last\" = { action = \"replace\", value = \"x\" }\nNote = { action = \"redact\", detect = [\"email\"] }\n"),
        ("wide.toml", "version = 1\n[columns]\n\"First Name\" = { action = \"replace\", value = \"削除\" }\n"),
        ("sheet.toml", "version = 1\nsheets = [\"Nope\"]\n[columns]\n\"First Name\" = \"clear\"\n"),
        ("shape.toml", "version = 1\n[columns]\n\"First Name\" = \"clear\"\n\"Last Name\" = { action = \"clear\", optional = true }\nNote = { action = \"clear\", optional = true }\n"),
    ];
    for (name, text) in maps {
        wd.write(name, text);
    }
    let runs: &[&[&str]] = &[
        &[
            "scrub",
            "--map",
            "missing.toml",
            "--out-dir",
            "o1",
            "good.xlsx",
            "csv/users.csv",
        ],
        &[
            "scrub",
            "--map",
            "regex.toml",
            "--out-dir",
            "o2",
            "good.xlsx",
        ],
        &[
            "scrub",
            "--map",
            "protected.toml",
            "--out-dir",
            "o3",
            "good.xlsx",
        ],
        &[
            "scrub",
            "--map",
            "sheet.toml",
            "--out-dir",
            "o4",
            "good.xlsx",
        ],
        &[
            "scrub",
            "-v",
            "--map",
            "first.toml",
            "--out-dir",
            "o5",
            "corrupt",
            "cut",
            "badtag",
            "badattr",
            "badnum",
            "csv",
        ],
        &[
            "scrub",
            "--rebuild",
            "--map",
            "first.toml",
            "--out-dir",
            "o6",
            "corrupt",
            "cut",
            "badtag",
            "badattr",
            "badnum",
        ],
        &[
            "scrub",
            "--map",
            "wide.toml",
            "--out-dir",
            "o7",
            "csv/ansi.csv",
        ],
        &[
            "scrub",
            "--map",
            "first.toml",
            "--max-entries",
            "2",
            "--out-dir",
            "o8",
            "good.xlsx",
        ],
        &[
            "scrub",
            "--map",
            "first.toml",
            "--max-cells",
            "3",
            "--out-dir",
            "o9",
            "good.xlsx",
        ],
        &[
            "scrub",
            "--map",
            "first.toml",
            "--max-unpacked",
            "1kB",
            "--out-dir",
            "o10",
            "good.xlsx",
        ],
        &[
            "scrub",
            "--verify",
            "--map",
            "first.toml",
            "--out-dir",
            "o11",
            "good.xlsx",
            "csv",
        ],
        &[
            "scrub",
            "--dry-run",
            "--map",
            "first.toml",
            "--out-dir",
            "o12",
            "good.xlsx",
            "cut",
        ],
        &["scrub", "--map", "shape.toml", "--out-dir", "o13", "shape"],
        &["verify", "--map", "first.toml", "good.xlsx", "good.xlsx"],
        &[
            "verify",
            "--map",
            "first.toml",
            "csv/users.csv",
            "csv/users.csv",
        ],
        &["verify", "--map", "first.toml", "good.xlsx", "cut/cut.xlsx"],
        &[
            "verify",
            "--map",
            "first.toml",
            "good.xlsx",
            "csv/users.csv",
        ],
        &[
            "inspect",
            "good.xlsx",
            "corrupt",
            "cut",
            "badtag",
            "badattr",
            "badnum",
            "csv",
        ],
        &["inspect", "--json", "good.xlsx", "cut", "csv"],
        &["inspect", "--emit-map", "emitted.toml", "good.xlsx", "csv"],
    ];
    let mut codes = Vec::new();
    for args in runs {
        let run = wd.run(args);
        assert_no_value(&format!("{args:?}"), &run.text());
        codes.push(run.code);
    }
    // Every run fails somewhere or finds something (the verify of a CSV, the map's `re:^Last`
    // matching no column; the last, a map that is written although a CSV cannot be read).
    assert_eq!(
        codes,
        [1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 1, 1, 2, 1, 1, 1],
        "exit codes"
    );
    for dir in [
        "o1", "o3", "o4", "o5", "o6", "o7", "o8", "o9", "o10", "o11", "o12", "o13",
    ] {
        let report = String::from_utf8(wd.read(&format!("{dir}/scrub-report.json"))).unwrap();
        assert_no_value(dir, &report);
        assert!(report.contains("\"failed\""), "{dir}: {report}");
    }
    // Each of the three fails for its shape, not for something else.
    let shaped = String::from_utf8(wd.read("o13/scrub-report.json")).unwrap();
    for why in [
        "has 3 fields but the header has 2",
        "is in the record id column but holds no record GUID",
        "sheet 'Old' is left as it is (it is hidden",
    ] {
        assert!(shaped.contains(why), "{why}: {shaped}");
    }
    assert_no_value(
        "emitted map",
        &String::from_utf8(wd.read("emitted.toml")).unwrap(),
    );
}
