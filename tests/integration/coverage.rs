//! Nothing personal passes unnoticed: localized exports, protected columns in any language, and
//! the coverage check.

use crate::workdir::{cell, libreoffice, libreoffice_csv, Book, Workdir};
use calamine::Data;
use dsr_scrub::testdata::localized::{self, Language};
use dsr_scrub::testdata::{self, Export, Options, Value};

fn options(rows: usize) -> Options {
    Options {
        rows,
        ..Options::default()
    }
}

/// A CSV's records (BOM dropped), `;`-separated.
fn records(bytes: &[u8], delimiter: u8) -> Vec<Vec<String>> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    ::csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .from_reader(body)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// Every personal cell changed, every other cell (the protected ones first) unchanged, the
/// header identical: `before` and `after` as text grids with the header in row 0.
fn check_grid(export: &Export, before: &[Vec<String>], after: &[Vec<String>], what: &str) {
    assert_eq!(before.len(), after.len(), "{what}");
    assert_eq!(before[0], after[0], "{what}: header unchanged");
    for (c, column) in export.columns.iter().enumerate() {
        for r in 1..before.len() {
            let (b, a) = (&before[r][c], &after[r][c]);
            if column.personal && !b.is_empty() {
                assert_ne!(b, a, "{what}: {} row {}", column.logical, r + 1);
            } else if !column.personal {
                assert_eq!(b, a, "{what}: {} row {}", column.logical, r + 1);
            }
        }
    }
}

/// A workbook's first sheet as text (dates as serial numbers), header in row 0.
fn grid(range: &calamine::Range<Data>, width: usize) -> Vec<Vec<String>> {
    (0..range.height() as u32)
        .map(|r| {
            (0..width as u32)
                .map(|c| match cell(range, r, c) {
                    Data::Empty => String::new(),
                    Data::DateTime(d) => d.as_f64().to_string(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

#[test]
fn german_and_french_exports_are_scrubbed_fully_by_the_default_profile() {
    let soffice = libreoffice();
    for (language, name) in [(Language::German, "de"), (Language::French, "fr")] {
        let export = localized::disabled_users(language, &options(40));
        let wd = Workdir::new();
        let csv = localized::to_csv(&export, language);
        wd.write(&format!("in/{name}.xlsx"), export.to_xlsx());
        wd.write(&format!("in/{name}.csv"), &csv);
        let run = wd.run(&["scrub", "in"]);
        assert_eq!(run.code, 0, "{name}: {}", run.text());

        // CSV: same dialect, every personal cell changed, the protected ones untouched.
        let out = wd.read(&format!("scrubbed/{name}.csv"));
        check_grid(
            &export,
            &records(&csv, b';'),
            &records(&out, b';'),
            &format!("{name}.csv"),
        );

        // xlsx: the same, read back with calamine; the protected columns stay hidden.
        let before = Book::open(export.to_xlsx());
        let after_bytes = wd.read(&format!("scrubbed/{name}.xlsx"));
        let after = Book::open(after_bytes.clone());
        let width = export.columns.len();
        check_grid(
            &export,
            &grid(before.sheet(&export.sheet_name), width),
            &grid(after.sheet(&export.sheet_name), width),
            &format!("{name}.xlsx"),
        );
        let sheet = crate::workdir::part_text(&after_bytes, "xl/worksheets/sheet1.xml");
        assert!(
            sheet.contains("hidden=\"1\""),
            "{name}: protected columns stay hidden"
        );
        if let Some(soffice) = &soffice {
            let text = libreoffice_csv(soffice, &wd.path(&format!("scrubbed/{name}.xlsx")), &wd)
                .expect("LibreOffice converts the output");
            assert!(
                text.starts_with(export.columns[0].header),
                "{name}: {text:.80}"
            );
        }
    }
}

/// An erasure request on a German CSV export: the subject rules find their columns by the
/// localized headers the profile gives those columns, so only the subject's row changes.
#[test]
fn a_subject_is_found_in_a_localized_csv_export() {
    let export = localized::disabled_users(Language::German, &options(30));
    let csv = localized::to_csv(&export, Language::German);
    let fullname = export.column_index("fullname").unwrap();
    let firstname = export.column_index("firstname").unwrap();
    let Value::Text(subject) = &export.rows[4][fullname] else {
        panic!("a full name in row 5")
    };
    let wd = Workdir::new();
    wd.write("de.csv", &csv);
    let run = wd.run(&["scrub", "--subject", subject, "de.csv"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let report: serde_json::Value =
        serde_json::from_slice(&wd.read("scrubbed/scrub-report.json")).unwrap();
    assert_eq!(report["scope"], "subjects", "{report}");
    let (before, after) = (
        records(&csv, b';'),
        records(&wd.read("scrubbed/de.csv"), b';'),
    );
    // Changed rows only (the default with subjects): the header and the subject's record,
    // the fifth data row, with its protected columns as they were and its names replaced.
    assert_eq!(after.len(), 2, "one changed row");
    assert_eq!(before[0], after[0], "the header");
    assert_eq!(before[5][..3], after[1][..3]);
    assert_ne!(before[5][firstname], after[1][firstname]);
    assert!(
        !run.text().contains(subject.as_str()),
        "the subject in the messages"
    );
}

#[test]
fn a_localized_csv_keeps_its_protected_columns_whatever_the_map() {
    let export = localized::disabled_users(Language::German, &options(30));
    let wd = Workdir::new();
    let csv = localized::to_csv(&export, Language::German);
    wd.write("de.csv", &csv);
    // A map that names the localized record id column is refused, as the English one is.
    wd.write(
        "map.toml",
        "version = 1\n[columns]\n\"(Nicht ändern) Benutzer\" = \"clear\"\n",
    );
    let run = wd.run(&["scrub", "--map", "map.toml", "--allow-uncovered", "de.csv"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(run.text().contains("protected column"), "{}", run.text());
    // Even a key that matches every header leaves the three protected columns alone.
    let every = "re:.*";
    wd.write(
        "all.toml",
        format!("version = 1\n[columns]\n\"{every}\" = \"clear\"\n"),
    );
    let run = wd.run(&["scrub", "--map", "all.toml", "--out-dir", "all", "de.csv"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.text().contains("(Nicht ändern) Benutzer"),
        "{}",
        run.text()
    );

    // inspect sees them as protected and its starter map leaves them out.
    let run = wd.run(&["inspect", "--emit-map", "starter.toml", "de.csv"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let starter = String::from_utf8(wd.read("starter.toml")).unwrap();
    for column in export.columns.iter().filter(|c| c.protected) {
        let key = format!("\"{}\" =", column.header);
        assert!(!starter.contains(&key), "{key} in\n{starter}");
    }
    let run = wd.run(&["inspect", "--json", "de.csv"]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let file = &json["files"][0];
    let verdicts: Vec<&str> = file["inspection"]["sheets"][0]["columns"]
        .as_array()
        .or_else(|| file["sheets"][0]["columns"].as_array())
        .unwrap_or_else(|| panic!("columns in {file}"))
        .iter()
        .map(|c| c["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(
        &verdicts[..4],
        ["protected", "protected", "protected", "personal"]
    );

    // Scrubbing with the starter map changes no protected cell.
    let run = wd.run_env(
        &["scrub", "--map", "starter.toml", "--out-dir", "s", "de.csv"],
        &[("DSR_SCRUB_KEY", "0123456789abcdef0123456789abcdef")],
    );
    assert_eq!(run.code, 0, "{}", run.text());
    let (before, after) = (records(&csv, b';'), records(&wd.read("s/de.csv"), b';'));
    for r in 0..before.len() {
        assert_eq!(before[r][..3], after[r][..3], "row {}", r + 1);
    }
}

/// A column the map does not name, empty in the rows the check samples first and filled with
/// emails further down (a field added lately, in an export sorted by creation), is judged on
/// its first values wherever they are: it fails the file as uncovered, in a CSV and in an xlsx
/// (the one pass and the workbook read whole alike), never passing silently with the emails
/// kept; with `--allow-uncovered` the report lists it.
#[test]
fn a_personal_column_filled_only_below_the_sample_fails_the_file() {
    let rows = dsr_scrub::inspect::VALUE_SAMPLE + 300;
    let mut export = testdata::disabled_users(&options(rows));
    export.columns.push(testdata::Column {
        logical: "new_misc",
        header: "Misc",
        personal: true,
        protected: false,
        required: false,
        max_length: None,
    });
    for (i, row) in export.rows.iter_mut().enumerate() {
        row.push(if i >= rows - 200 {
            Value::Text(format!("late.person{i}@mail.example"))
        } else {
            Value::Empty
        });
    }
    let wd = Workdir::new();
    wd.write("in/users.xlsx", export.to_xlsx());
    wd.write("in/users.csv", export.to_csv());
    wd.write("in/raw-users.xlsx", export.to_dynamics_raw_xlsx());
    for rebuild in [None, Some("--rebuild")] {
        let (failed, text) = wd.scrub_failing(rebuild.as_slice(), 3);
        for line in failed {
            assert!(
                line.contains("'Misc' (column AG, email address)"),
                "{rebuild:?}: {line}"
            );
        }
        assert!(!text.contains("late.person"), "no value in the messages");
        assert!(!wd.exists("out/users.xlsx") && !wd.exists("out/users.csv"));
    }
    let run = wd.run(&[
        "scrub",
        "--allow-uncovered",
        "--out-dir",
        "allowed",
        "in/users.csv",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    let report: serde_json::Value =
        serde_json::from_slice(&wd.read("allowed/scrub-report.json")).unwrap();
    assert_eq!(
        report["files"][0]["uncovered"][0]["header"],
        serde_json::json!("Misc"),
        "{report}"
    );
}

/// A copied profile with a typo in one key (every entry being optional) keeps that column as
/// it is: the coverage check fails the file and names the column by its header.
#[test]
fn a_typo_in_an_optional_key_fails_the_file_naming_the_column() {
    let export = testdata::disabled_users(&options(30));
    let profile = dsr_scrub::profiles::find("systemuser").unwrap().toml;
    let typo = profile.replace("\nmobilephone ", "\nmobilphone ");
    assert_ne!(typo, profile);
    // Without its aliases the key resolves nowhere.
    let typo = typo.replace(
        "aliases = [\"Mobile Phone\",",
        "aliases = [\"Mobil Phone\",",
    );
    let wd = Workdir::new();
    wd.write("in/users.xlsx", export.to_xlsx());
    wd.write("in/users.csv", export.to_csv());
    wd.write("map.toml", &typo);
    let run = wd.run(&["scrub", "--map", "map.toml", "in"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let text = run.text();
    for name in ["users.xlsx", "users.csv"] {
        let line = text
            .lines()
            .find(|l| l.contains("FAILED") && l.contains(name))
            .unwrap_or_else(|| panic!("{name} failed: {text}"));
        assert!(
            line.contains("'Mobile Phone' (column O, phone number)"),
            "{line}"
        );
        assert!(line.contains("--allow-uncovered"), "{line}");
    }
    assert!(!wd.exists("scrubbed/users.xlsx") && !wd.exists("scrubbed/users.csv"));
    let mobile = export.column_index("mobilephone").unwrap();
    for row in &export.rows {
        if let Value::Text(v) = &row[mobile] {
            assert!(!text.contains(v.as_str()), "a phone number in the messages");
        }
    }

    // --allow-uncovered scrubs anyway, says so, and the report records it. The typo'd key,
    // which matched nothing in the whole run, is an error of the user's map all the same.
    let run = wd.run(&[
        "scrub",
        "--map",
        "map.toml",
        "--allow-uncovered",
        "--out-dir",
        "allowed",
        "in",
    ]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.stderr.contains("warning") && run.stderr.contains("'Mobile Phone'"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("error: map key(s) `mobilphone` matched no column in any file of this run"),
        "{}",
        run.stderr
    );
    let report: serde_json::Value =
        serde_json::from_slice(&wd.read("allowed/scrub-report.json")).unwrap();
    assert_eq!(report["unmatched_keys"], serde_json::json!(["mobilphone"]));
    // The standard columns the view does not show are listed apart, as a note: not typos.
    let absent = report["absent_standard_keys"]
        .as_array()
        .expect("absent standard keys listed");
    assert!(!absent.is_empty());
    for key in absent {
        let key = key.as_str().unwrap();
        assert!(export.column_index(key).is_none(), "{key} is in the export");
    }
    assert!(
        run.stderr.contains(&format!(
            "note: {} optional map key(s) name standard columns that no file of this run shows",
            absent.len()
        )),
        "{}",
        run.stderr
    );
    assert_eq!(report["totals"]["succeeded"], 2);
    for file in report["files"].as_array().unwrap() {
        let uncovered = file["uncovered"].as_array().expect("uncovered listed");
        assert_eq!(uncovered.len(), 1, "{file}");
        assert_eq!(uncovered[0]["header"], "Mobile Phone");
        assert_eq!(uncovered[0]["column"], "O");
        assert_eq!(uncovered[0]["why"], "phone number");
    }
    let out = Book::open(wd.read("allowed/users.xlsx"));
    let range = out.sheet("Disabled Users");
    assert_eq!(
        cell(range, 1, mobile as u32),
        match &export.rows[0][mobile] {
            Value::Text(v) => Data::String(v.clone()),
            _ => unreachable!(),
        },
        "the uncovered column is left as it was"
    );
}

#[test]
fn a_formula_column_of_scrubbed_columns_is_covered_and_of_kept_ones_is_not() {
    let export = testdata::disabled_users(&Options {
        rows: 30,
        formula_column: true,
        ..Options::default()
    });
    let wd = Workdir::new();
    wd.write("users.xlsx", export.to_xlsx());
    let run = wd.run(&["scrub", "-q", "users.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let map = dsr_scrub::profiles::find("systemuser")
        .unwrap()
        .toml
        .replace(
        "lastname             = { action = \"replace\", value = \"User {id8}\", required = true,",
        "lastname             = { action = \"keep\",",
    );
    wd.write("keep.toml", map);
    let run = wd.run(&[
        "scrub",
        "--map",
        "keep.toml",
        "--out-dir",
        "k",
        "users.xlsx",
    ]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.text()
            .contains("'Display' (column AG, person name, computed from 'Last Name' which the map does not scrub)"),
        "{}",
        run.text()
    );
}

/// An "Approvals" export (entity `msdyn_flow_approval`), three rows.
fn approvals() -> Export {
    let column = |logical, header, protected| testdata::Column {
        logical,
        header,
        personal: false,
        protected,
        required: false,
        max_length: None,
    };
    Export {
        entity: "msdyn_flow_approval",
        sheet_name: "Approvals".into(),
        columns: vec![
            column("msdyn_flow_approvalid", "(Do Not Modify) Approval", true),
            column("checksumLogicalName", "(Do Not Modify) Row Checksum", true),
            column("modifiedon", "(Do Not Modify) Modified On", true),
            column("msdyn_flow_approval_title", "Title", false),
            column("ownerid", "Owner", false),
        ],
        rows: (0..3)
            .map(|i| {
                vec![
                    Value::Text(format!("3217a7c8-1ab4-eb11-8236-000d3aff{i:04x}")),
                    Value::Text(format!("{}==", "Q".repeat(86))),
                    Value::DateTime(45_000.5 + f64::from(i)),
                    Value::Text(format!("Expense report {i}")),
                    Value::Text("Aoife Byrne".into()),
                ]
            })
            .collect(),
        options: Options::default(),
    }
}

#[test]
fn a_profile_for_another_table_fails_naming_both_entities() {
    let wd = Workdir::new();
    wd.write("in/Approvals.xlsx", approvals().to_xlsx());
    let run = wd.run(&["scrub", "--profile", "systemuser", "in"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.text().contains(
            "this is an export of msdyn_flow_approval, and profile systemuser is for systemuser; use --profile approvals"
        ),
        "{}",
        run.text()
    );
    assert!(!wd.exists("scrubbed/Approvals.xlsx"));
    // A subject these approvals name: one that matches nothing fails the run.
    let run = wd.run(&[
        "scrub",
        "--profile",
        "approvals",
        "--subject",
        "Aoife Byrne",
        "--out-dir",
        "ok",
        "in",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
}

/// A CSV has no `hiddenSheet`, but its record id header names the table: an approvals export
/// run with the users' profile fails rather than clearing its Title column and calling it
/// scrubbed, and without --profile it gets the approvals profile.
#[test]
fn a_csv_is_known_by_its_record_id_header() {
    let wd = Workdir::new();
    wd.write("in/Approvals.csv", approvals().to_csv());
    for args in [&["--profile", "systemuser"][..], &[]] {
        let run = wd.run(&[&["scrub", "--out-dir", "a"], args, &["in"]].concat());
        assert_eq!(run.code, 1, "{}", run.text());
        let failed = run.text();
        assert!(
            failed.contains("Approvals.csv: this is an export of msdyn_flow_approval, and"),
            "{failed}"
        );
        assert!(
            failed.contains(if args.is_empty() {
                "its profile cannot run"
            } else {
                "use --profile approvals"
            }),
            "{failed}"
        );
        assert!(!wd.exists("a/Approvals.csv"));
    }
    let run = wd.run(&["scrub", "--subject", "Aoife Byrne", "--out-dir", "b", "in"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let report: serde_json::Value =
        serde_json::from_slice(&wd.read("b/scrub-report.json")).unwrap();
    assert_eq!(report["files"][0]["profile"], "profile approvals");
    assert_eq!(report["files"][0]["rows_deleted"], 3);
    let out = String::from_utf8(wd.read("b/Approvals.csv")).unwrap();
    assert_eq!(out.lines().count(), 1, "header only: {out}");
    // A users' export in German is the users' table: the default profile runs on it.
    let users = localized::disabled_users(Language::German, &options(20));
    wd.write("de/users.csv", localized::to_csv(&users, Language::German));
    let run = wd.run(&["scrub", "--out-dir", "c", "de"]);
    assert_eq!(run.code, 0, "{}", run.text());
}

/// Without --map or --profile, each file gets the profile made for its table.
#[test]
fn the_profile_is_chosen_by_the_files_entity() {
    let wd = Workdir::new();
    wd.write("in/Approvals.xlsx", approvals().to_xlsx());
    wd.write(
        "in/users.xlsx",
        testdata::disabled_users(&options(20)).to_xlsx(),
    );
    // The approvals profile needs the subjects: the file says so, the other one is scrubbed.
    let run = wd.run(&["scrub", "--out-dir", "a", "in"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let failed = run
        .text()
        .lines()
        .find(|l| l.contains("FAILED"))
        .unwrap()
        .to_string();
    assert!(
        failed.contains(
            "Approvals.xlsx: this is an export of msdyn_flow_approval, and its profile cannot run"
        ) && failed.contains("--subject"),
        "{failed}"
    );
    assert!(wd.exists("a/users.xlsx"));
    let run = wd.run(&["scrub", "--subject", "Aoife Byrne", "--out-dir", "b", "in"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let report: serde_json::Value =
        serde_json::from_slice(&wd.read("b/scrub-report.json")).unwrap();
    let files = report["files"].as_array().unwrap();
    assert_eq!(files[0]["profile"], "profile approvals");
    assert_eq!(files[0]["rows_deleted"], 3, "the subject's rows are gone");
    assert!(files[1].get("profile").is_none(), "the run's own map");
    assert_eq!(report["map"]["origin"], "profile systemuser");
    let out = Book::open(wd.read("b/Approvals.xlsx"));
    assert_eq!(out.sheet("Approvals").height(), 1, "header only");

    // The approvals profile's optional keys that no file had are a warning (exit 0).
    let run = wd.run(&[
        "scrub",
        "--profile",
        "approvals",
        "--subject",
        "Aoife Byrne",
        "--out-dir",
        "c",
        "in/Approvals.xlsx",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert!(
        run.stderr.contains("warning: map key(s) `Details`"),
        "{}",
        run.stderr
    );
    let report: serde_json::Value =
        serde_json::from_slice(&wd.read("c/scrub-report.json")).unwrap();
    let keys = report["unmatched_keys"].as_array().unwrap();
    assert!(keys.contains(&"Details".into()) && !keys.contains(&"Title".into()));
}

#[test]
fn a_profile_that_finds_no_column_fails_the_file() {
    let wd = Workdir::new();
    // A CSV of another table (no metadata to tell): nothing the contact profile knows.
    wd.write(
        "orders.csv",
        "Order Number,Status,Amount\nSO-1001,Open,12.50\nSO-1002,Closed,8\n",
    );
    let run = wd.run(&["scrub", "--profile", "contact", "orders.csv"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.text()
            .contains("none of the map's keys matches a column of this file"),
        "{}",
        run.text()
    );
    assert!(!wd.exists("scrubbed/orders.csv"));
}

#[test]
fn verify_without_a_profile_checks_an_export_under_its_tables_profile() {
    let wd = Workdir::new();
    let mut export = approvals();
    export.rows[1][4] = Value::Text("Niamh Walsh".into());
    wd.write("in/Approvals.xlsx", export.to_xlsx());
    let run = wd.run(&["scrub", "--all-rows", "--subject", "Aoife Byrne", "in"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let book = Book::open(wd.read("scrubbed/Approvals.xlsx"));
    assert_eq!(
        book.sheet("Approvals").height(),
        2,
        "two subject rows deleted"
    );
    // `scrub` picked the approvals profile by the file's entity; `verify` must pick the same.
    let run = wd.run(&[
        "verify",
        "--all-rows",
        "--subject",
        "Aoife Byrne",
        "in/Approvals.xlsx",
        "scrubbed/Approvals.xlsx",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert!(
        run.text().contains("dsr-scrub verify: ok:"),
        "{}",
        run.text()
    );
    // ... and the same pair under the wrong profile is still a fidelity break.
    let run = wd.run(&[
        "verify",
        "--profile",
        "systemuser",
        "in/Approvals.xlsx",
        "scrubbed/Approvals.xlsx",
    ]);
    assert_ne!(run.code, 0, "{}", run.text());
    // The default for a subject-scoped run, an output of only the changed rows, is verified
    // under the table's profile too.
    let run = wd.run(&[
        "scrub",
        "--subject",
        "Aoife Byrne",
        "--out-dir",
        "changed",
        "in",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    let run = wd.run(&[
        "verify",
        "--subject",
        "Aoife Byrne",
        "in/Approvals.xlsx",
        "changed/Approvals.xlsx",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
}

#[test]
fn summary_does_not_say_every_file_got_the_default_profile() {
    let wd = Workdir::new();
    wd.write("in/Approvals.xlsx", approvals().to_xlsx());
    wd.write(
        "in/users.xlsx",
        testdata::disabled_users(&Options {
            rows: 5,
            ..Options::default()
        })
        .to_xlsx(),
    );
    let run = wd.run(&["scrub", "--subject", "Aoife Byrne", "in"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let headline = run.stderr.lines().next().unwrap_or_default().to_string();
    assert!(
        headline.contains(
            "with profile systemuser, or the profile made for a file's table (named on its line)"
        ),
        "{headline}"
    );
    assert!(
        run.stderr.contains("profile approvals for its table"),
        "{}",
        run.text()
    );
    let run = wd.run(&[
        "scrub",
        "--dry-run",
        "--force",
        "--subject",
        "Aoife Byrne",
        "in",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert!(
        run.stderr
            .contains("or the profile made for a file's table"),
        "{}",
        run.text()
    );
}

#[test]
fn a_dry_run_with_allow_uncovered_warns_like_a_real_run_and_names_the_tables_profile() {
    let export = testdata::disabled_users(&options(10));
    let profile = dsr_scrub::profiles::find("systemuser").unwrap().toml;
    let typo = profile.replace("\nmobilephone ", "\nmobilphone ").replace(
        "aliases = [\"Mobile Phone\",",
        "aliases = [\"Mobil Phone\",",
    );
    let wd = Workdir::new();
    wd.write("in/users.xlsx", export.to_xlsx());
    wd.write("map.toml", &typo);
    let run = wd.run(&[
        "scrub",
        "--dry-run",
        "--map",
        "map.toml",
        "--allow-uncovered",
        "in",
    ]);
    let warning = run
        .stderr
        .lines()
        .find(|l| l.starts_with("  warning") && l.contains("users.xlsx"))
        .unwrap_or_else(|| panic!("no warning: {}", run.text()));
    assert!(
        warning.contains("'Mobile Phone' (column O, phone number)"),
        "{warning}"
    );

    // The per-file line of a dry run names the profile a file got for its table.
    wd.write("in/Approvals.xlsx", approvals().to_xlsx());
    let run = wd.run(&[
        "scrub",
        "--dry-run",
        "--force",
        "--subject",
        "Aoife Byrne",
        "in/Approvals.xlsx",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    let line = run.stdout.lines().next().unwrap_or_default();
    assert!(
        line.starts_with("in/Approvals.xlsx:") && line.contains("profile approvals for its table"),
        "{}",
        run.text()
    );
}

/// SystemUser's Site column is a lookup (another record's name), which the `systemuser`
/// profile keeps; a Disabled Users CSV that shows it must not fail the coverage check because
/// a Portuguese contact label ("Site", a website) spells the same word.
#[test]
fn a_site_lookup_column_in_a_csv_is_not_a_false_coverage_alarm() {
    let mut export = testdata::disabled_users(&options(12));
    export.columns.push(testdata::Column {
        logical: "siteid",
        header: "Site",
        personal: false,
        protected: false,
        required: false,
        max_length: None,
    });
    let sites = [
        "Redmond Campus",
        "Dublin Office",
        "Munich Office",
        "Osaka Office",
    ];
    for (i, row) in export.rows.iter_mut().enumerate() {
        row.push(Value::Text(sites[i % sites.len()].into()));
    }
    let wd = Workdir::new();
    wd.write("users.csv", export.to_csv());
    let run = wd.run(&["scrub", "users.csv"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let run = wd.run(&["inspect", "users.csv"]);
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains(" Site "))
        .unwrap_or_else(|| panic!("{}", run.text()));
    assert!(line.contains("not personal: lookup"), "{line}");
}

/// A hand-edited copy that hides an old list of users instead of deleting it: a map that names
/// no `sheets` scrubs the visible sheets only, so the hidden one would go out as it came in.
/// Its personal columns fail the file like any column the map leaves alone (the Excel layout
/// and the raw layout, the one pass and `--rebuild`), naming the hidden sheet and the column,
/// never a value; a hidden sheet of nothing personal passes. `--allow-uncovered` keeps the
/// sheet as it is and the report says so; a map that lists the sheet scrubs it, and a map that
/// lists its sheets without it keeps it on purpose.
#[test]
fn a_hidden_sheet_of_personal_data_fails_the_file_unless_the_map_says_what_to_do() {
    let export = testdata::disabled_users(&options(40));
    let emails: Vec<String> = (0..30)
        .map(|i| format!("home.address{i}@mail.example"))
        .collect();
    let mut old = vec![vec!["Private Email", "Since"]];
    old.extend(emails.iter().map(|e| vec![e.as_str(), "2019"]));
    let notes = vec![
        vec!["Topic", "Note"],
        vec!["Scope", "Accounts disabled this quarter"],
        vec!["Retention", "Delete after the review"],
    ];
    let hide = |xlsx: Vec<u8>| {
        let xlsx = testdata::with_sheet(&xlsx, "Review Notes", true, &notes);
        testdata::with_sheet(&xlsx, "Old Users", true, &old)
    };
    let wd = Workdir::new();
    wd.write("in/users.xlsx", hide(export.to_xlsx()));
    wd.write("in/raw-users.xlsx", hide(export.to_dynamics_raw_xlsx()));
    for rebuild in [None, Some("--rebuild")] {
        let (failed, text) = wd.scrub_failing(rebuild.as_slice(), 2);
        for line in failed {
            assert!(
                line.contains("sheet 'Old Users' is left as it is (it is hidden, and a map that names no `sheets` scrubs the visible ones), but 1 column(s) on it look personal: 'Private Email' (column A, email address); list it in the map's `sheets`"),
                "{rebuild:?}: {line}"
            );
        }
        assert!(!text.contains("mail.example"), "no value in the messages");
        assert!(!wd.exists("out/users.xlsx") && !wd.exists("out/raw-users.xlsx"));
    }

    // Kept on request: the sheet goes out as it was, still hidden, and the report lists it.
    let run = wd.run(&["scrub", "--allow-uncovered", "--out-dir", "allowed", "in"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert!(
        run.stderr.contains(
            "'Private Email' (column A, email address) in sheet 'Old Users' (hidden, not scrubbed)"
        ),
        "{}",
        run.stderr
    );
    let report: serde_json::Value =
        serde_json::from_slice(&wd.read("allowed/scrub-report.json")).unwrap();
    for file in report["files"].as_array().unwrap() {
        assert_eq!(file["uncovered"][0]["sheet"], "Old Users", "{report}");
        assert_eq!(file["uncovered"][0]["sheet_left"], "hidden", "{report}");
        assert_eq!(file["uncovered"].as_array().unwrap().len(), 1, "{report}");
    }
    let kept = Book::open(wd.read("allowed/users.xlsx"));
    let (_, visibility, old_users) = kept
        .sheets
        .iter()
        .find(|s| s.0 == "Old Users")
        .expect("the sheet is kept");
    assert_eq!(cell(old_users, 1, 0), Data::String(emails[0].clone()));
    assert_eq!(*visibility, calamine::SheetVisible::Hidden, "still hidden");

    // Listed, it is scrubbed; a list without it keeps it on purpose.
    let profile = wd.run(&["profiles", "show", "systemuser"]).stdout;
    let listed = format!(
        "{}\n\"Private Email\" = \"clear\"\n",
        profile.replacen(
            "version = 1\n",
            "version = 1\nsheets = [\"Disabled Users\", \"Old Users\"]\n",
            1
        )
    );
    let unlisted = profile.replacen(
        "version = 1\n",
        "version = 1\nsheets = [\"Disabled Users\"]\n",
        1,
    );
    // The entry appended lands in the profile's last table, its columns.
    assert!(listed.rfind("[columns]") > listed.rfind("[[rows]]"));
    wd.write("listed.toml", listed);
    wd.write("unlisted.toml", unlisted);
    for (map, out) in [("listed.toml", "listed"), ("unlisted.toml", "unlisted")] {
        let run = wd.run(&["scrub", "--map", map, "--out-dir", out, "in"]);
        assert_eq!(run.code, 0, "{map}: {}", run.text());
        for file in ["users.xlsx", "raw-users.xlsx"] {
            let book = Book::open(wd.read(&format!("{out}/{file}")));
            let first = cell(book.sheet("Old Users"), 1, 0);
            if out == "listed" {
                assert_eq!(first, Data::Empty, "{file}: scrubbed");
            } else {
                assert_eq!(first, Data::String(emails[0].clone()), "{file}: kept");
            }
        }
    }
}

/// A block of addresses and phone numbers pasted lower down on a sheet whose row 1 is empty:
/// no header row names its columns, so a map that names no `sheets` leaves the sheet as it is.
/// Its columns are judged on their values alone (`inspect` shows them so) and fail the file,
/// named by letter; a map that lists its sheets without it keeps it on purpose.
#[test]
fn a_sheet_without_a_header_row_is_judged_on_its_values() {
    let export = testdata::disabled_users(&options(20));
    let emails: Vec<String> = (0..25)
        .map(|i| format!("pasted.person{i}@mail.example"))
        .collect();
    let phones: Vec<String> = (0..25).map(|i| format!("+46 70 {i:03} 45 67")).collect();
    let mut rows = vec![Vec::new(), Vec::new()];
    rows.extend(
        emails
            .iter()
            .zip(&phones)
            .map(|(e, p)| vec!["", e.as_str(), p.as_str(), "Sales"]),
    );
    let wd = Workdir::new();
    wd.write(
        "in/users.xlsx",
        testdata::with_sheet(&export.to_xlsx(), "Contacts", false, &rows),
    );
    // `inspect` shows the same: the columns judged on their values.
    let inspected = wd.run(&["inspect", "in/users.xlsx"]);
    assert_eq!(inspected.code, 0, "{}", inspected.text());
    assert!(
        inspected
            .stdout
            .contains("row 1 is empty, so no header names its columns: judged on their values"),
        "{}",
        inspected.stdout
    );
    assert!(
        inspected
            .stdout
            .contains("PERSONAL: email address (values: 100% of 25 sampled")
            && inspected
                .stdout
                .contains("PERSONAL: phone number (values: 100% of 25 sampled"),
        "{}",
        inspected.stdout
    );
    assert!(!inspected.text().contains("mail.example"));
    let (failed, text) = wd.scrub_failing(&[], 1);
    assert!(
        failed[0].contains("users.xlsx: sheet 'Contacts' is left as it is (its row 1 is empty, so no header row names its columns for a map), but 2 column(s) on it look personal: column B (email address), column C (phone number); put its column names in row 1"),
        "{}",
        failed[0]
    );
    assert!(!text.contains("mail.example") && !text.contains("+46 70 001"));
    assert!(!wd.exists("out/users.xlsx"));

    let run = wd.run(&["scrub", "--allow-uncovered", "--out-dir", "allowed", "in"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert!(
        run.stderr
            .contains("column B (email address) in sheet 'Contacts' (no header row, not scrubbed)"),
        "{}",
        run.stderr
    );
    let kept = Book::open(wd.read("allowed/users.xlsx"));
    assert_eq!(
        cell(kept.sheet("Contacts"), 2, 1),
        Data::String(emails[0].clone())
    );

    let profile = wd.run(&["profiles", "show", "systemuser"]).stdout;
    wd.write(
        "listed.toml",
        profile.replacen(
            "version = 1\n",
            "version = 1\nsheets = [\"Disabled Users\"]\n",
            1,
        ),
    );
    let run = wd.run(&["scrub", "--map", "listed.toml", "--out-dir", "listed", "in"]);
    assert_eq!(run.code, 0, "{}", run.text());
}

/// Columns a Dynamics export does not have (`(logical name, header)`), personal, appended to
/// `export`'s columns; their values go at the end of each row.
fn add_columns(export: &mut Export, added: &[(&'static str, &'static str)]) {
    for &(logical, header) in added {
        export.columns.push(testdata::Column {
            logical,
            header,
            personal: true,
            protected: false,
            required: false,
            max_length: None,
        });
    }
}

/// A contact's income, education and children: numbers and option labels, which no value
/// looks personal by, so the header decides. The `contact` profile clears them (an .xlsx and a
/// CSV); a map that names none of them fails the file naming each.
#[test]
fn a_contacts_income_and_education_are_scrubbed_or_named() {
    let mut export = dsr_scrub::testdata::contacts::export(&options(30));
    let added = [
        ("annualincome", "Annual Income"),
        ("educationcode", "Education"),
        ("numberofchildren", "No. of Children"),
    ];
    add_columns(&mut export, &added);
    for (i, row) in export.rows.iter_mut().enumerate() {
        row.push(Value::Number(41_000.0 + 1_250.0 * i as f64));
        row.push(Value::Text(
            ["Primary", "Secondary", "Tertiary"][i % 3].into(),
        ));
        row.push(Value::Number((i % 4) as f64));
    }
    let wd = Workdir::new();
    wd.write("in/contacts.xlsx", export.to_xlsx());
    wd.write("in/contacts.csv", export.to_csv());
    let run = wd.run(&["scrub", "--profile", "contact", "--out-dir", "out", "in"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let first = export.columns.len() - added.len();
    let book = Book::open(wd.read("out/contacts.xlsx"));
    let csv = records(&wd.read("out/contacts.csv"), b',');
    let sheet = book.sheet(&export.sheet_name);
    for (r, record) in csv.iter().enumerate().skip(1) {
        for (c, field) in record.iter().enumerate().skip(first) {
            assert_eq!(field, "", "csv row {} column {c}", r + 1);
            assert_eq!(
                cell(sheet, r as u32, c as u32),
                Data::Empty,
                "xlsx row {} column {c}",
                r + 1
            );
        }
    }
    assert_eq!(csv.len(), export.rows.len() + 1);
    assert_eq!(csv[1].len(), export.columns.len());

    wd.write(
        "names-only.toml",
        "version = 1\n[columns]\n\"Full Name\" = \"clear\"\n",
    );
    let run = wd.run(&[
        "scrub",
        "--map",
        "names-only.toml",
        "--out-dir",
        "names",
        "in/contacts.xlsx",
    ]);
    assert_eq!(run.code, 1, "{}", run.text());
    for header in ["Annual Income", "Education", "No. of Children"] {
        assert!(
            run.stderr.contains(&format!("'{header}' (column ")),
            "{header}: {}",
            run.stderr
        );
    }
}

/// Columns an organization added or renamed: another person's name written last name first
/// ("Emergency Contact"), a gender under "Sex", an employee number under "Payroll ID". The
/// default profile names none of them; each fails the file, named, in an .xlsx and a CSV.
#[test]
fn added_and_renamed_personal_columns_fail_the_file() {
    let mut export = testdata::disabled_users(&options(40));
    let text = |v: &Value| match v {
        Value::Text(s) => s.clone(),
        other => panic!("{other:?}"),
    };
    let (first, last) = (
        export.column_index("firstname").unwrap(),
        export.column_index("lastname").unwrap(),
    );
    let added = [
        ("new_emergencycontact", "Emergency Contact"),
        ("new_sex", "Sex"),
        ("new_payrollid", "Payroll ID"),
    ];
    add_columns(&mut export, &added);
    let n = export.rows.len();
    let contacts: Vec<String> = (0..n)
        .map(|i| {
            let other = &export.rows[(i + 1) % n];
            format!("{}, {}", text(&other[last]), text(&other[first]))
        })
        .collect();
    for (i, row) in export.rows.iter_mut().enumerate() {
        row.push(Value::Text(contacts[i].clone()));
        row.push(Value::Text(["Female", "Male"][i % 2].into()));
        row.push(Value::Text(format!("{:06}", 400_000 + 37 * i)));
    }
    let wd = Workdir::new();
    wd.write("in/users.xlsx", export.to_xlsx());
    wd.write("in/users.csv", export.to_csv());
    let (failed, text) = wd.scrub_failing(&[], 2);
    for line in failed {
        for (_, header) in added {
            assert!(
                line.contains(&format!("'{header}' (column ")),
                "{header}: {line}"
            );
        }
    }
    for contact in &contacts {
        assert!(!text.contains(contact.as_str()), "a name in the messages");
    }
}
