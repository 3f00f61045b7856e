//! `inspect`: verdicts on generated exports, no values unless asked, starter maps that scrub.

use crate::workdir::{cell, searchable, Book, Workdir};
use calamine::Data;
use dsr_scrub::testdata::{self, Export, Options};
use serde_json::Value;

fn export(rows: usize) -> Export {
    testdata::disabled_users(&Options {
        rows,
        ..Options::default()
    })
}

/// `inspect --json` on one file: the first sheet's columns.
fn json_columns(wd: &Workdir, input: &str) -> Vec<Value> {
    let run = wd.run(&["inspect", "--json", input]);
    assert_eq!(run.code, 0, "{}", run.text());
    let report: Value = serde_json::from_str(&run.stdout).expect("inspect --json prints JSON");
    report["files"][0]["sheets"][0]["columns"]
        .as_array()
        .expect("columns")
        .clone()
}

fn assert_verdicts_match(export: &Export, columns: &[Value]) {
    assert_eq!(columns.len(), export.columns.len());
    for (column, got) in export.columns.iter().zip(columns) {
        assert_eq!(got["header"], column.header);
        let expected = if column.protected {
            "protected"
        } else if column.personal {
            "personal"
        } else {
            "not_personal"
        };
        assert_eq!(
            got["verdict"], expected,
            "{}: {}",
            column.header, got["reason"]
        );
        assert!(
            !got["reason"].as_str().unwrap_or_default().is_empty(),
            "{} has a reason",
            column.header
        );
    }
}

#[test]
fn flags_every_personal_column_and_no_other_in_xlsx() {
    let export = export(150);
    let wd = Workdir::new();
    wd.write("users.xlsx", export.to_xlsx());
    let columns = json_columns(&wd, "users.xlsx");
    assert_verdicts_match(&export, &columns);
    for (column, got) in export.columns.iter().zip(&columns) {
        assert_eq!(got["logical"], column.logical);
        assert_eq!(got["required"], column.required, "{}", column.header);
        assert_eq!(got["hidden"], column.protected, "{}", column.header);
        if let (Some(max), false) = (column.max_length, column.protected) {
            assert_eq!(got["max_length"], max, "{}", column.header);
        }
    }
}

#[test]
fn csv_without_metadata_works_from_headers_and_values() {
    let export = export(150);
    let wd = Workdir::new();
    wd.write("users.csv", export.to_csv());
    let columns = json_columns(&wd, "users.csv");
    assert_verdicts_match(&export, &columns);
    assert!(columns.iter().all(|c| c["logical"].is_null()));

    // Headers nobody could know: the values still give emails, phones, names and streets away.
    let csv = String::from_utf8(export.to_csv()).unwrap();
    let (head, body) = csv.split_once("\r\n").unwrap();
    let anonymous: Vec<String> = (1..=head.split(',').count())
        .map(|i| format!("C{i}"))
        .collect();
    wd.write(
        "anonymous.csv",
        format!("{}\r\n{body}", anonymous.join(",")),
    );
    let columns = json_columns(&wd, "anonymous.csv");
    for logical in [
        "fullname",
        "domainname",
        "internalemailaddress",
        "personalemailaddress",
        "windowsliveid",
        "address1_telephone1",
        "mobilephone",
        "homephone",
        "address1_line1",
        "description",
    ] {
        let c = &columns[export.column_index(logical).unwrap()];
        assert_eq!(c["verdict"], "personal", "{logical}: {}", c["reason"]);
        assert!(
            c["reason"].as_str().unwrap().contains("values:"),
            "{logical}: {}",
            c["reason"]
        );
    }
    for logical in [
        "businessunitid",
        "parentsystemuserid",
        "accessmode",
        "isdisabled",
        "caltype",
        "createdon",
    ] {
        let c = &columns[export.column_index(logical).unwrap()];
        assert_eq!(c["verdict"], "not_personal", "{logical}: {}", c["reason"]);
    }
}

#[test]
fn prints_no_value_unless_samples_are_asked_for() {
    let export = testdata::disabled_users(&Options {
        rows: 100,
        formula_column: true,
        extra_sheet: true,
        ..Options::default()
    });
    let personal = searchable(export.personal_values());
    let wd = Workdir::new();
    wd.write("in/users.xlsx", export.to_xlsx());
    wd.write("in/users-copy.csv", export.to_csv());
    let mut printed = String::new();
    for args in [
        &["inspect", "in"][..],
        &["inspect", "--json", "in"],
        &["inspect", "--emit-map", "map.toml", "in"],
    ] {
        let run = wd.run(args);
        assert_eq!(run.code, 0, "{}", run.text());
        printed.push_str(&run.text());
    }
    printed.push_str(&String::from_utf8(wd.read("map.toml")).unwrap());
    let lower = printed.to_lowercase();
    for value in &personal {
        assert!(
            !lower.contains(&value.to_lowercase()),
            "inspect printed a personal value"
        );
    }

    let run = wd.run(&["inspect", "--samples", "3", "in/users.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert!(run.stdout.contains("samples"), "{}", run.stdout);
    assert!(
        personal.iter().any(|v| run.stdout.contains(v.as_str())),
        "--samples shows values"
    );
    let run = wd.run(&["inspect", "--json", "--samples", "2", "in/users.xlsx"]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let samples = &report["files"][0]["sheets"][0]["columns"][4]["samples"];
    assert!(samples
        .as_array()
        .is_some_and(|s| !s.is_empty() && s.len() <= 2));
}

#[test]
fn human_table_names_sheets_entity_and_verdicts() {
    let export = export(20);
    let wd = Workdir::new();
    wd.write("users.xlsx", export.to_xlsx());
    let run = wd.run(&["inspect", "users.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let out = &run.stdout;
    assert!(out.contains("Dynamics entity systemuser"), "{out}");
    assert!(
        out.contains("sheet 'Disabled Users': visible, 20 data rows, 32 columns (A1:AF21)"),
        "{out}"
    );
    assert!(
        out.contains("sheet 'hiddenSheet': very hidden, Dynamics metadata"),
        "{out}"
    );
    assert!(
        out.contains("23 personal, 6 not personal, 3 protected"),
        "{out}"
    );
    let first = out.lines().find(|l| l.contains("First Name")).unwrap();
    assert!(
        first.contains("firstname")
            && first.contains("256")
            && first.contains("yes")
            && first.contains("PERSONAL"),
        "{first}"
    );
    let manager = out.lines().find(|l| l.contains("Manager")).unwrap();
    assert!(manager.contains("not personal: lookup"), "{manager}");
}

#[test]
fn emitted_map_scrubs_the_export_as_is() {
    let export = export(80);
    let wd = Workdir::new();
    wd.write("in/users.xlsx", export.to_xlsx());
    wd.write("secret.key", "a secret key that is long enough");
    let run = wd.run(&["inspect", "--emit-map", "map.toml", "in/users.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert!(
        run.stderr
            .contains("wrote the starter map 'map.toml' (23 columns)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--key-file"), "{}", run.stderr);

    let run = wd.run(&["scrub", "--map", "map.toml", "in/users.xlsx"]);
    assert_eq!(
        run.code,
        2,
        "the map pseudonymizes, so a key is needed: {}",
        run.text()
    );
    let run = wd.run(&[
        "scrub",
        "--map",
        "map.toml",
        "--key-file",
        "secret.key",
        "in/users.xlsx",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());

    let input = Book::open(wd.read("in/users.xlsx"));
    let output = Book::open(wd.read("scrubbed/users.xlsx"));
    let (i, o) = (
        input.sheet(&export.sheet_name),
        output.sheet(&export.sheet_name),
    );
    for (c, column) in export.columns.iter().enumerate() {
        let c = c as u32;
        for r in 1..=80 {
            let (before, after) = (cell(i, r, c), cell(o, r, c));
            if column.personal && before != Data::Empty {
                assert_ne!(
                    before,
                    after,
                    "{} row {} kept its value",
                    column.header,
                    r + 1
                );
                if column.required {
                    assert_ne!(
                        after,
                        Data::Empty,
                        "{} row {} is required",
                        column.header,
                        r + 1
                    );
                }
            } else if !column.personal {
                assert_eq!(before, after, "{} row {} changed", column.header, r + 1);
            }
        }
    }
    let run = wd.run(&[
        "verify",
        "--map",
        "map.toml",
        "--key-file",
        "secret.key",
        "in/users.xlsx",
        "scrubbed/users.xlsx",
    ]);
    assert_eq!(
        run.code,
        0,
        "verify passes on the emitted map's output: {}",
        run.text()
    );
}

#[test]
fn a_map_from_xlsx_and_csv_scrubs_both() {
    let export = export(30);
    let wd = Workdir::new();
    wd.write("in/users.xlsx", export.to_xlsx());
    wd.write("csv/users.csv", export.to_csv());
    wd.write("secret.key", "a secret key that is long enough");
    let run = wd.run(&[
        "inspect",
        "--emit-map",
        "map.toml",
        "in/users.xlsx",
        "csv/users.csv",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    for (input, out) in [("in/users.xlsx", "a"), ("csv/users.csv", "b")] {
        let run = wd.run(&[
            "scrub",
            "--map",
            "map.toml",
            "--key-file",
            "secret.key",
            "--out-dir",
            out,
            input,
        ]);
        assert_eq!(run.code, 0, "{input}: {}", run.text());
    }
}

#[test]
fn an_unreadable_file_exits_1_and_the_others_are_inspected() {
    let wd = Workdir::new();
    wd.write("in/good.xlsx", export(5).to_xlsx());
    wd.write("in/broken.xlsx", &export(5).to_xlsx()[..3000]);
    let run = wd.run(&["inspect", "in"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("error:"))
        .collect();
    assert_eq!(errors.len(), 1, "{}", run.stderr);
    assert!(errors[0].contains("broken.xlsx"), "{}", errors[0]);
    assert!(run.stdout.contains("good.xlsx"), "{}", run.stdout);

    let run = wd.run(&["inspect", "--json", "in"]);
    assert_eq!(run.code, 1);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let broken = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with("broken.xlsx"))
        .unwrap();
    assert!(
        broken["error"].as_str().unwrap().contains("damaged"),
        "{broken}"
    );
}

#[test]
fn emit_map_does_not_overwrite_unless_forced() {
    let wd = Workdir::new();
    wd.write("users.csv", export(5).to_csv());
    wd.write("map.toml", "# mine\n");
    let run = wd.run(&["inspect", "--emit-map", "map.toml", "users.csv"]);
    assert_eq!(run.code, 2, "{}", run.text());
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert_eq!(wd.read("map.toml"), b"# mine\n");
    let run = wd.run(&["inspect", "--force", "--emit-map", "map.toml", "users.csv"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert!(String::from_utf8(wd.read("map.toml"))
        .unwrap()
        .contains("[columns]"));
}
