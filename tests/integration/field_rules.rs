//! Field rules learned from the file: a column its data validations mark required cannot be
//! cleared, new values are cut to the validations' maximum length deterministically (distinct
//! values stay distinct), and email columns always receive valid addresses.

use crate::workdir::{cell, Book, Workdir};
use calamine::Data;
use dsr_scrub::dynamics::is_email;
use dsr_scrub::testdata::{self, Export, Options};
use std::collections::HashSet;

const ROWS: usize = 60;

fn export() -> Export {
    testdata::disabled_users(&Options {
        rows: ROWS,
        seed: 11,
        ..Options::default()
    })
}

/// The data cells of one column of a scrubbed workbook, as text.
fn column(wd: &Workdir, file: &str, export: &Export, logical: &str) -> Vec<String> {
    let book = Book::open(wd.read(file));
    let sheet = book.sheet(&export.sheet_name);
    let col = export.column_index(logical).unwrap() as u32;
    (1..=ROWS as u32)
        .map(|row| match cell(sheet, row, col) {
            Data::String(s) => s,
            Data::Empty => String::new(),
            other => panic!("{logical} row {row}: {other:?}"),
        })
        .collect()
}

#[test]
fn a_column_the_validations_require_cannot_be_cleared() {
    let export = export();
    let wd = Workdir::new();
    wd.write("in/users.xlsx", export.to_xlsx());
    wd.write("in/users-copy.csv", export.to_csv());
    // The map itself does not say that First Name is required: the file's validation does.
    wd.write(
        "map.toml",
        "version = 1\n[columns]\n\"First Name\" = \"clear\"\n",
    );
    let run = wd.run(&["scrub", "--allow-uncovered", "--map", "map.toml", "in"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains("users.xlsx"))
        .expect("the failing file is named");
    for want in [
        "'First Name'",
        "sheet 'Disabled Users'",
        "required",
        "use `replace`",
        "data validation",
    ] {
        assert!(line.contains(want), "{want:?} missing in: {line}");
    }
    assert!(!wd.exists("scrubbed/users.xlsx"));
    // The CSV has no validations: the batch goes on and it is written.
    assert!(wd.exists("scrubbed/users-copy.csv"), "{}", run.text());
}

#[test]
fn new_values_are_cut_to_the_validations_maximum_and_stay_distinct() {
    let mut export = export();
    for c in &mut export.columns {
        match c.logical {
            "lastname" => c.max_length = Some(20),
            "internalemailaddress" => c.max_length = Some(40),
            _ => {}
        }
    }
    let wd = Workdir::new();
    wd.write("in/users.xlsx", export.to_xlsx());
    wd.write(
        "map.toml",
        "version = 1\nallow_residual = [\"Full Name\", \"Description\"]\n[columns]\n\
         \"Last Name\" = { action = \"replace\", value = \"Deleted User {id} row {row}\" }\n\
         \"Primary Email\" = { action = \"replace\", value = \"deleted-{id}-{row}@example.invalid\" }\n",
    );
    for out in ["a", "b"] {
        let args = [
            "scrub",
            "--allow-uncovered",
            "-q",
            "--map",
            "map.toml",
            "--out-dir",
            out,
            "in",
        ];
        let run = wd.run_env(&args, &[("DSR_SCRUB_TELL_AGAIN", "1")]);
        assert_eq!(run.code, 0, "{}", run.text());
        // A sheet within the head is scanned whole before its plan is made: it is read once.
        assert!(!run.text().contains("read again"), "{}", run.text());
    }
    // Deterministic: the same input and map give the same file.
    assert!(wd.read("a/users.xlsx") == wd.read("b/users.xlsx"));
    let last = column(&wd, "a/users.xlsx", &export, "lastname");
    let email = column(&wd, "a/users.xlsx", &export, "internalemailaddress");
    for v in &last {
        assert!(v.chars().count() <= 20, "{v}");
        assert!(v.starts_with("Deleted U"), "{v}");
    }
    for v in &email {
        assert!(v.chars().count() <= 40, "{v}");
        assert!(is_email(v), "{v} is not an address");
        assert!(v.ends_with("@example.invalid"), "{v}");
    }
    // Every row's template differs, so every cut value still does.
    assert_eq!(last.iter().collect::<HashSet<_>>().len(), ROWS);
    assert_eq!(email.iter().collect::<HashSet<_>>().len(), ROWS);
}

#[test]
fn pseudonyms_cut_to_the_maximum_stay_unique() {
    let mut export = export();
    for c in &mut export.columns {
        if c.logical == "domainname" {
            c.max_length = Some(24);
        }
    }
    let wd = Workdir::new();
    wd.write("in/users.xlsx", export.to_xlsx());
    wd.write("k.key", "a key long enough for the test, surely");
    wd.write(
        "map.toml",
        "version = 1\n[columns]\n\"User Name\" = { action = \"pseudonymize\", as = \"email\", domain = \"users.example.invalid\" }\n",
    );
    let run = wd.run(&[
        "scrub",
        "--allow-uncovered",
        "-q",
        "--map",
        "map.toml",
        "--key-file",
        "k.key",
        "in",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    let names = column(&wd, "scrubbed/users.xlsx", &export, "domainname");
    let distinct_inputs: HashSet<String> = (0..ROWS)
        .map(
            |r| match &export.rows[r][export.column_index("domainname").unwrap()] {
                testdata::Value::Text(t) => t.to_lowercase(),
                other => panic!("{other:?}"),
            },
        )
        .collect();
    for v in &names {
        assert!(v.chars().count() <= 24, "{v}");
    }
    assert_eq!(
        names.iter().collect::<HashSet<_>>().len(),
        distinct_inputs.len()
    );
}

#[test]
fn email_columns_get_addresses_or_the_map_is_refused() {
    let export = export();
    let wd = Workdir::new();
    wd.write("in/users.xlsx", export.to_xlsx());
    // Primary Email is an email field by its logical name in hiddenSheet; masking it would
    // leave something the import refuses.
    wd.write(
        "map.toml",
        "version = 1\n[columns]\n\"Primary Email\" = { action = \"mask\", keep_first = 1 }\n",
    );
    let run = wd.run(&["scrub", "--allow-uncovered", "--map", "map.toml", "in"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.stderr.contains("'Primary Email'")
            && run.stderr.contains("email addresses")
            && run.stderr.contains("as = \"email\"")
            && run.stderr.contains("names it an email field"),
        "{}",
        run.stderr
    );
    // A replace that is not an address, likewise.
    wd.write(
        "map.toml",
        "version = 1\n[columns]\n\"Primary Email\" = { action = \"replace\", value = \"Deleted\" }\n",
    );
    let run = wd.run(&[
        "scrub",
        "--allow-uncovered",
        "--map",
        "map.toml",
        "--out-dir",
        "b",
        "in",
    ]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(run.stderr.contains("email addresses"), "{}", run.stderr);
    // An address domain that leaves no room under the column's limit (100 here).
    wd.write(
        "map.toml",
        format!(
            "version = 1\n[columns]\n\"Primary Email\" = {{ action = \"replace\", value = \"x@{}.invalid\" }}\n",
            "d".repeat(90)
        ),
    );
    let run = wd.run(&[
        "scrub",
        "--allow-uncovered",
        "--map",
        "map.toml",
        "--out-dir",
        "d",
        "in",
    ]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.stderr.contains("use a shorter domain"),
        "{}",
        run.stderr
    );
    // `format = "text"` says the column takes any text: the map's word wins.
    wd.write(
        "map.toml",
        "version = 1\nallow_residual = [\"Description\"]\n[columns]\n\"Primary Email\" = { action = \"mask\", keep_first = 1, format = \"text\" }\n",
    );
    let run = wd.run(&[
        "scrub",
        "--allow-uncovered",
        "-q",
        "--map",
        "map.toml",
        "--out-dir",
        "c",
        "in",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    // The built-in profile passes on its own export.
    let run = wd.run(&[
        "scrub",
        "--allow-uncovered",
        "-q",
        "--out-dir",
        "profile",
        "in",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    for v in column(&wd, "profile/users.xlsx", &export, "internalemailaddress") {
        assert!(v.is_empty() || is_email(&v), "{v}");
    }
}

#[test]
fn in_csv_the_maps_limits_apply() {
    let export = export();
    let wd = Workdir::new();
    wd.write("in/users.csv", export.to_csv());
    wd.write(
        "map.toml",
        "version = 1\n[columns]\n\"Last Name\" = { action = \"replace\", value = \"Deleted User {row} of the export\", max_length = 16 }\n\
         \"Email 2\" = { action = \"mask\", format = \"email\" }\n",
    );
    // A map that says a column takes addresses is held to it in a CSV too.
    let run = wd.run(&["scrub", "--allow-uncovered", "--map", "map.toml", "in"]);
    assert_eq!(run.code, 2, "{}", run.text());
    assert!(run.stderr.contains("email addresses"), "{}", run.stderr);
    wd.write(
        "map.toml",
        "version = 1\nallow_residual = [\"Full Name\", \"Description\"]\n[columns]\n\"Last Name\" = { action = \"replace\", value = \"Deleted User {row} of the export\", max_length = 16 }\n",
    );
    let run = wd.run(&[
        "scrub",
        "--allow-uncovered",
        "-q",
        "--map",
        "map.toml",
        "in",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    let text = String::from_utf8(wd.read("scrubbed/users.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let col = export.column_index("lastname").unwrap();
    let values: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[col].to_string())
        .collect();
    assert_eq!(values.len(), ROWS);
    for v in &values {
        assert!(v.chars().count() <= 16, "{v}");
    }
    assert_eq!(values.iter().collect::<HashSet<_>>().len(), ROWS);
}
