//! `scrub` on Excel exports: what changes, what stays, and how stable it is.

use crate::workdir::{cell, libreoffice, libreoffice_csv, Book, Workdir};
use calamine::{Data, SheetVisible};
use dsr_scrub::testdata::{self, Export, Options};
use dsr_scrub::xlsx::package;
use std::io::Cursor;

fn export(rows: usize) -> Export {
    testdata::disabled_users(&Options {
        rows,
        ..Options::default()
    })
}

/// Input and output read back, for a run of the default profile on a generated export.
fn scrub_default(export: &Export) -> (Workdir, Book, Book) {
    let wd = Workdir::new();
    wd.write("in/users.xlsx", export.to_xlsx());
    let run = wd.run(&["scrub", "in/users.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let input = Book::open(wd.read("in/users.xlsx"));
    let output = Book::open(wd.read("scrubbed/users.xlsx"));
    (wd, input, output)
}

#[test]
fn default_profile_changes_every_personal_cell_and_nothing_else() {
    let export = export(120);
    let (_wd, input, output) = scrub_default(&export);
    let (i, o) = (
        input.sheet(&export.sheet_name),
        output.sheet(&export.sheet_name),
    );
    assert_eq!(i.end(), o.end(), "same used range");
    let (rows, cols) = (i.end().unwrap().0, i.end().unwrap().1);
    let mut changed = 0;
    for (c, column) in export.columns.iter().enumerate().take(cols as usize + 1) {
        let c = c as u32;
        assert_eq!(cell(i, 0, c), cell(o, 0, c), "header of {}", column.header);
        for r in 1..=rows {
            let (before, after) = (cell(i, r, c), cell(o, r, c));
            if column.personal && before != Data::Empty {
                assert_ne!(
                    before,
                    after,
                    "{} row {} kept its value",
                    column.header,
                    r + 1
                );
                changed += 1;
            } else if !column.personal {
                assert_eq!(before, after, "{} row {} changed", column.header, r + 1);
            }
        }
    }
    assert!(changed > 120 * 10, "only {changed} cells changed");
}

#[test]
fn required_columns_are_replaced_not_cleared() {
    let export = export(60);
    let (_wd, _input, output) = scrub_default(&export);
    let o = output.sheet(&export.sheet_name);
    let id_col = export.column_index("systemuserid").unwrap() as u32;
    for logical in [
        "firstname",
        "lastname",
        "domainname",
        "internalemailaddress",
    ] {
        let c = export.column_index(logical).unwrap() as u32;
        let max = export.columns[c as usize].max_length.unwrap() as usize;
        for r in 1..=60 {
            let Data::String(v) = cell(o, r, c) else {
                panic!("{logical} row {} is not text", r + 1)
            };
            assert!(!v.is_empty() && v.chars().count() <= max, "{logical}");
            if logical.ends_with("address") {
                let Data::String(id) = cell(o, r, id_col) else {
                    panic!("no id")
                };
                assert_eq!(v, format!("deleted-{id}@example.invalid"));
            }
        }
    }
}

#[test]
fn sheets_metadata_and_protected_columns_are_kept() {
    let export = export(40);
    let (wd, input, output) = scrub_default(&export);
    let names = |b: &Book| {
        b.sheets
            .iter()
            .map(|s| (s.0.clone(), s.1))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&input), names(&output));
    assert_eq!(
        names(&output)[1],
        ("hiddenSheet".to_string(), SheetVisible::VeryHidden)
    );
    assert_eq!(input.sheet("hiddenSheet"), output.sheet("hiddenSheet"));
    let (i, o) = (
        input.sheet(&export.sheet_name),
        output.sheet(&export.sheet_name),
    );
    for c in 0..3 {
        for r in 0..=40 {
            assert_eq!(cell(i, r, c), cell(o, r, c));
        }
    }
    // Types survive: the date-time stays a date-time, numeric-looking text stays text.
    assert!(matches!(cell(o, 1, 2), Data::DateTime(_)));
    let created = export.column_index("createdon").unwrap() as u32;
    assert!(matches!(cell(o, 1, created), Data::DateTime(_)));
    // Hidden columns and code names, read from the output package itself.
    let bytes = wd.read("scrubbed/users.xlsx");
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let parts = package::sheet_parts(&mut zip).unwrap();
    let data = package::scan_sheet(&mut zip, &parts[0].path).unwrap();
    let hidden: Vec<u32> = data
        .layout
        .columns
        .iter()
        .filter(|c| c.hidden)
        .flat_map(|c| c.first..=c.last)
        .collect();
    assert_eq!(hidden, [0, 1, 2]);
    assert_eq!(data.layout.code_name.as_deref(), Some("dataSheet"));
    let meta = package::scan_sheet(&mut zip, &parts[1].path).unwrap();
    assert_eq!(meta.layout.code_name.as_deref(), Some("hiddenDataSheet"));
}

#[test]
fn formulas_and_hand_made_sheets_survive() {
    let export = testdata::disabled_users(&Options {
        rows: 30,
        formula_column: true,
        extra_sheet: true,
        ..Options::default()
    });
    let (wd, mut input, mut output) = scrub_default(&export);
    assert_eq!(input.sheet("Notes"), output.sheet("Notes"));
    let display = export.columns.len() as u32 - 1;
    let (fi, fo) = (
        input.formulas(&export.sheet_name),
        output.formulas(&export.sheet_name),
    );
    for r in 1..=30 {
        let f = fo.get_value((r, display)).cloned().unwrap_or_default();
        assert!(!f.is_empty(), "row {} lost its formula", r + 1);
        assert_eq!(Some(&f), fi.get_value((r, display)));
        // The cached value repeated the user's name: it must be gone.
        let before = cell(input.sheet(&export.sheet_name), r, display);
        assert_ne!(cell(output.sheet(&export.sheet_name), r, display), before);
    }
    let raw = wd.read("scrubbed/users.xlsx");
    let first = export.column_index("firstname").unwrap();
    let testdata::Value::Text(name) = &export.rows[0][first] else {
        panic!()
    };
    assert!(
        !contains_in_parts(&raw, name),
        "a first name is still in the package"
    );
}

/// Whether any part of an xlsx package contains `needle`.
fn contains_in_parts(xlsx: &[u8], needle: &str) -> bool {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    (0..zip.len()).any(|i| {
        let mut s = String::new();
        zip.by_index(i).unwrap().read_to_string(&mut s).ok();
        s.contains(needle)
    })
}

#[test]
fn output_is_identical_for_any_number_of_jobs() {
    let wd = Workdir::new();
    wd.write("in/big.xlsx", export(5000).to_xlsx());
    for (jobs, dir) in [("1", "one"), ("2", "two"), ("3", "three")] {
        let run = wd.run(&[
            "scrub",
            "-q",
            "--jobs",
            jobs,
            "--out-dir",
            dir,
            "in/big.xlsx",
        ]);
        assert_eq!(run.code, 0, "{}", run.text());
    }
    assert_eq!(wd.read("one/big.xlsx"), wd.read("two/big.xlsx"));
    assert_eq!(wd.read("one/big.xlsx"), wd.read("three/big.xlsx"));
    assert_eq!(
        wd.read("one/big.changes.csv"),
        wd.read("two/big.changes.csv")
    );
}

const PSEUDO_MAP: &str = r#"version = 1
allow_residual = ["Description"]
[columns]
internalemailaddress = { action = "pseudonymize", as = "email", aliases = ["Primary Email"] }
fullname = { action = "pseudonymize", as = "name", aliases = ["Full Name"] }
mobilephone = { action = "pseudonymize", as = "phone", aliases = ["Mobile Phone"] }
"#;

#[test]
fn pseudonyms_are_stable_with_one_key_and_differ_with_another() {
    let wd = Workdir::new();
    let export = export(50);
    wd.write("in/a.xlsx", export.to_xlsx());
    wd.write("in/b.csv", export.to_csv());
    wd.write("map.toml", PSEUDO_MAP);
    wd.write("k1.key", "first secret key, long enough\n");
    wd.write("k2.key", "second secret key, also long\n");
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let r = wd.run_env(args, env);
        assert_eq!(r.code, 0, "{}", r.text());
    };
    run(
        &[
            "scrub",
            "--allow-uncovered",
            "-q",
            "--map",
            "map.toml",
            "--key-file",
            "k1.key",
            "--out-dir",
            "r1",
            "in",
        ],
        &[],
    );
    run(
        &[
            "scrub",
            "--allow-uncovered",
            "-q",
            "--map",
            "map.toml",
            "--out-dir",
            "r2",
            "in",
        ],
        &[("DSR_SCRUB_KEY", "first secret key, long enough")],
    );
    run(
        &[
            "scrub",
            "--allow-uncovered",
            "-q",
            "--map",
            "map.toml",
            "--key-file",
            "k2.key",
            "--out-dir",
            "r3",
            "in",
        ],
        &[],
    );
    assert_eq!(
        wd.read("r1/a.xlsx"),
        wd.read("r2/a.xlsx"),
        "same key, same output"
    );
    assert_eq!(wd.read("r1/b.csv"), wd.read("r2/b.csv"));

    let email = export.column_index("internalemailaddress").unwrap() as u32;
    let (k1, k3) = (
        Book::open(wd.read("r1/a.xlsx")),
        Book::open(wd.read("r3/a.xlsx")),
    );
    let (s1, s3) = (k1.sheet(&export.sheet_name), k3.sheet(&export.sheet_name));
    let csv_bytes = wd.read("r1/b.csv");
    let mut csv = ::csv::Reader::from_reader(&csv_bytes[3..]);
    let csv_rows: Vec<_> = csv.records().map(|r| r.unwrap()).collect();
    for r in 1..=50u32 {
        let Data::String(p1) = cell(s1, r, email) else {
            panic!("not text")
        };
        let Data::String(p3) = cell(s3, r, email) else {
            panic!("not text")
        };
        assert!(p1.ends_with("@example.invalid"));
        assert_ne!(p1, p3, "another key must give another pseudonym");
        // The same person gets the same pseudonym in the xlsx and in the CSV.
        assert_eq!(csv_rows[r as usize - 1][email as usize], p1);
    }
    let report = String::from_utf8(wd.read("r1/scrub-report.json")).unwrap();
    assert!(report.contains("\"key_fingerprint\": \""), "{report}");
    assert!(!report.contains("first secret"));
}

#[test]
fn existing_outputs_are_kept_unless_forced() {
    let wd = Workdir::new();
    wd.write("users.xlsx", export(5).to_xlsx());
    assert_eq!(wd.run(&["scrub", "-q", "users.xlsx"]).code, 0);
    wd.write("scrubbed/users.xlsx", b"keep me");
    std::fs::remove_file(wd.path("scrubbed/scrub-report.json")).unwrap();
    let run = wd.run(&["scrub", "-q", "users.xlsx"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("already exists; use --force"),
        "{}",
        run.stderr
    );
    assert_eq!(wd.read("scrubbed/users.xlsx"), b"keep me");
    // The failed run wrote nothing, so its report does not block the next run, which fails
    // the same way on the existing output.
    let run = wd.run(&["scrub", "-q", "users.xlsx"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(run.stderr.contains("already exists"), "{}", run.stderr);
    let run = wd.run(&["scrub", "-q", "--force", "users.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    Book::open(wd.read("scrubbed/users.xlsx"));
}

#[test]
fn an_input_is_never_its_own_output() {
    let wd = Workdir::new();
    let original = export(5).to_xlsx();
    wd.write("users.xlsx", &original);
    let run = wd.run(&["scrub", "-q", "--force", "--out-dir", ".", "users.xlsx"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("would overwrite the input"),
        "{}",
        run.stderr
    );
    assert_eq!(wd.read("users.xlsx"), original);
}

#[test]
fn folders_are_scrubbed_file_by_file() {
    let wd = Workdir::new();
    wd.write("exports/a.xlsx", export(3).to_xlsx());
    wd.write("exports/b.csv", export(3).to_csv());
    wd.write("exports/~$a.xlsx", b"lock file");
    wd.write("exports/readme.txt", b"not an export");
    let run = wd.run(&["scrub", "-q", "exports"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let files = wd.files();
    for f in [
        "scrubbed/a.xlsx",
        "scrubbed/a.changes.csv",
        "scrubbed/b.csv",
        "scrubbed/b.changes.csv",
        "scrubbed/scrub-report.json",
    ] {
        assert!(files.contains(&f.to_string()), "{f} missing from {files:?}");
    }
    assert!(
        !files.iter().any(|f| f.contains(".tmp")),
        "temp file left: {files:?}"
    );
}

#[test]
fn changes_file_lists_every_changed_cell() {
    let export = export(20);
    let (wd, input, output) = scrub_default(&export);
    let (i, o) = (
        input.sheet(&export.sheet_name),
        output.sheet(&export.sheet_name),
    );
    let mut expected = 0;
    let (rows, cols) = i.end().unwrap();
    for r in 1..=rows {
        for c in 0..=cols {
            if cell(i, r, c) != cell(o, r, c) {
                expected += 1;
            }
        }
    }
    // The default layout: one line per changed row, read back one record per changed cell.
    let changes = wd.read("scrubbed/users.changes.csv");
    let mut reader = ::csv::Reader::from_reader(changes.as_slice());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        ["sheet", "row", "record_id", "columns", "new_values"]
    );
    let row_lines = reader
        .records()
        .map(|r| r.unwrap())
        .filter(|r| !r[1].is_empty())
        .count();
    let records = dsr_scrub::changes::read(&changes).unwrap();
    assert_eq!(records.len(), expected);
    assert_eq!(row_lines, 20, "every row changed, one line each");
    let first = &records[0];
    assert_eq!(first.sheet, export.sheet_name);
    assert_eq!(first.row, 2);
    assert!(dsr_scrub::dynamics::looks_like_guid(&first.record_id));
    // Every changed cell is one that differs from the input.
    for c in &records {
        let col = export
            .columns
            .iter()
            .position(|h| h.header == c.column)
            .unwrap() as u32;
        let r = c.row - 1;
        assert_ne!(cell(i, r, col), cell(o, r, col), "{} {}", c.row, c.column);
        if c.action == "clear" || c.action == "replace" {
            assert_eq!(cell(o, r, col).to_string(), c.new_value);
        }
    }
    let report: serde_json::Value =
        serde_json::from_slice(&wd.read("scrubbed/scrub-report.json")).unwrap();
    assert_eq!(report["files"][0]["cells_changed"], expected as u64);
    assert_eq!(report["files"][0]["status"], "ok");
    assert_eq!(report["totals"]["failed"], 0);
    let out_hash = report["files"][0]["output_sha256"].as_str().unwrap();
    assert_eq!(
        out_hash,
        dsr_scrub::staging::sha256_hex(&wd.read("scrubbed/users.xlsx"))
    );
}

#[test]
fn libreoffice_opens_the_output() {
    let Some(soffice) = libreoffice() else { return };
    let export = export(25);
    let (wd, _input, output) = scrub_default(&export);
    let csv = libreoffice_csv(&soffice, &wd.path("scrubbed/users.xlsx"), &wd)
        .expect("LibreOffice converted it");
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("(Do Not Modify) User,"), "{header}");
    assert!(
        header.contains(", Full Name,"),
        "leading space kept: {header}"
    );
    assert_eq!(lines.count(), 25);
    let o = output.sheet(&export.sheet_name);
    assert!(
        csv.contains(&cell(o, 1, 0).to_string()),
        "the record id reads back"
    );
}

/// Scrub `input` (in `wd`) with a map that replaces, pseudonymizes, masks and clears, into
/// `rows/` (default changes file) and `cells/` (`--changes-format cells`); both changes files.
pub fn changes_in_both_layouts(wd: &Workdir, input: &str) -> (Vec<u8>, Vec<u8>) {
    wd.write(
        "m.toml",
        r#"version = 1
[columns]
" Full Name" = { action = "replace", value = "Deleted, \"{id8}\"" }
"First Name" = { action = "pseudonymize", as = "name" }
"Primary Email" = { action = "pseudonymize", as = "email", domain = "example.invalid" }
"Mobile Phone" = { action = "mask", keep_last = 2 }
"Description" = "clear"
"Last Name" = { action = "replace", value = "User {row}" }
"#,
    );
    wd.write("k", "a pseudonymization key for the changes-file test");
    let mut files = Vec::new();
    for (dir, extra) in [("rows", None), ("cells", Some("cells"))] {
        let mut args = vec![
            "scrub",
            "--map",
            "m.toml",
            "--key-file",
            "k",
            "--allow-uncovered",
            "--out-dir",
            dir,
        ];
        if let Some(format) = extra {
            args.extend(["--changes-format", format]);
        }
        args.push(input);
        let run = wd.run(&args);
        assert_eq!(run.code, 0, "{}", run.text());
        let stem = std::path::Path::new(input)
            .file_stem()
            .unwrap()
            .to_string_lossy();
        files.push(wd.read(&format!("{dir}/{stem}.changes.csv")));
        // The report says which layout its changes files have.
        let report: serde_json::Value =
            serde_json::from_slice(&wd.read(&format!("{dir}/scrub-report.json"))).unwrap();
        assert_eq!(report["changes_format"], extra.unwrap_or("rows"));
    }
    let cells = files.pop().unwrap();
    (files.pop().unwrap(), cells)
}

#[test]
fn both_changes_layouts_list_the_same_cells() {
    let export = export(60);
    let wd = Workdir::new();
    wd.write("in/users.xlsx", export.to_xlsx());
    let (rows, cells) = changes_in_both_layouts(&wd, "in/users.xlsx");
    assert!(cells.starts_with(b"sheet,row,record_id,column,action,new_value\n"));
    assert!(rows.starts_with(b"sheet,row,record_id,columns,new_values\n"));
    let (r, c) = (
        dsr_scrub::changes::read(&rows).unwrap(),
        dsr_scrub::changes::read(&cells).unwrap(),
    );
    assert_eq!(r, c);
    // Every kind of value is there: implied templates, listed pseudonyms, unreported masks.
    for action in ["replace", "pseudonymize", "mask", "clear"] {
        assert!(c.iter().any(|l| l.action == action), "{action}");
    }
    assert!(c
        .iter()
        .any(|l| l.action == "pseudonymize" && l.new_value.ends_with("@example.invalid")));
    assert!(c
        .iter()
        .all(|l| l.action != "mask" || l.new_value.is_empty()));
    assert!(
        rows.len() * 2 < cells.len(),
        "rows {} bytes, cells {}",
        rows.len(),
        cells.len()
    );
    // The output is the same either way.
    assert_eq!(wd.read("rows/users.xlsx"), wd.read("cells/users.xlsx"));
}

/// A sheet and a shared strings table of several MiB are deflated in blocks on every thread:
/// the output reads back the same, is the same file with 1 or 2 jobs, and LibreOffice opens it.
/// Their compressed bytes wait in a temporary file in the output folder (in the system's
/// temporary folder while the output folder is yet to be made) that nothing leaves behind.
#[test]
fn large_parts_are_deflated_in_blocks_the_same_for_any_jobs() {
    let export = export(6_000);
    let wd = Workdir::new();
    wd.write("in/users.xlsx", export.to_xlsx());
    let input_bytes = wd.read("in/users.xlsx");
    let mut zip = zip::ZipArchive::new(Cursor::new(&input_bytes[..])).expect("a zip");
    let sheet_size = zip
        .by_name("xl/worksheets/sheet1.xml")
        .expect("the data sheet")
        .size();
    assert!(
        sheet_size >= dsr_scrub::xlsx::deflate::PARALLEL_FROM,
        "the export is large enough for blocks: {sheet_size} bytes"
    );
    // `one` is made by the run, `two` is there before it.
    let one = wd.run(&["scrub", "-j", "1", "--out-dir", "one", "in/users.xlsx"]);
    assert_eq!(one.code, 0, "{}", one.text());
    std::fs::create_dir(wd.path("two")).expect("the folder is made");
    let two = wd.run(&["scrub", "-j", "2", "--out-dir", "two", "in/users.xlsx"]);
    assert_eq!(two.code, 0, "{}", two.text());
    let output = wd.read("one/users.xlsx");
    assert!(
        output == wd.read("two/users.xlsx"),
        "same bytes for 1 and 2 jobs"
    );
    for folder in ["one", "two"] {
        let written: Vec<String> = wd
            .files()
            .into_iter()
            .filter(|f| f.starts_with(&format!("{folder}/")))
            .collect();
        assert_eq!(
            written,
            [
                format!("{folder}/scrub-report.json"),
                format!("{folder}/users.changes.csv"),
                format!("{folder}/users.xlsx"),
            ],
            "nothing else is left in {folder}"
        );
    }
    // Every cell reads back as the in-memory scrub made it (zip checks each part's CRC).
    let input = Book::open(wd.read("in/users.xlsx"));
    let book = Book::open(output);
    let (i, o) = (
        input.sheet(&export.sheet_name),
        book.sheet(&export.sheet_name),
    );
    assert_eq!(i.end(), o.end());
    let email = export
        .columns
        .iter()
        .position(|c| c.header == "Primary Email")
        .expect("an email column") as u32;
    assert_ne!(cell(i, 10, email), cell(o, 10, email), "the email changed");
    assert_eq!(cell(i, 10, 0), cell(o, 10, 0), "the record id stayed");
    if let Some(soffice) = libreoffice() {
        let csv = libreoffice_csv(&soffice, &wd.path("one/users.xlsx"), &wd)
            .expect("LibreOffice converted it");
        assert_eq!(csv.lines().count(), 6_001);
    }
}
