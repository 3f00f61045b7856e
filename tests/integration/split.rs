//! Import-sized parts: every part complete on its own, under the limit, every row once.

use crate::workdir::{cell, table_ref, Book, Workdir};
use calamine::Data;
use dsr_scrub::testdata::{self, Options};
use std::collections::HashSet;

/// The record ids of every data row of each part, checking each part is a complete export.
fn check_parts(wd: &Workdir, stem: &str, count: usize, input: &Book, sheet: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for k in 1..=count {
        let name = format!("scrubbed/{stem}.part-{k:03}.xlsx");
        let bytes = wd.read(&name);
        let part = Book::open(bytes.clone());
        let names: Vec<_> = part.sheets.iter().map(|s| (s.0.clone(), s.1)).collect();
        let expected: Vec<_> = input.sheets.iter().map(|s| (s.0.clone(), s.1)).collect();
        assert_eq!(names, expected, "{name}: same sheets");
        assert_eq!(
            part.sheet("hiddenSheet"),
            input.sheet("hiddenSheet"),
            "{name}: metadata"
        );
        let data = part.sheet(sheet);
        let rows = data.end().unwrap().0;
        for c in 0..=data.end().unwrap().1 {
            assert_eq!(
                cell(data, 0, c),
                cell(input.sheet(sheet), 0, c),
                "{name}: header"
            );
        }
        assert_eq!(
            table_ref(&bytes),
            format!("A1:AF{}", rows + 1),
            "{name}: table fitted"
        );
        for r in 1..=rows {
            let Data::String(id) = cell(data, r, 0) else {
                panic!("{name}: no id in row {}", r + 1)
            };
            ids.push(id);
        }
    }
    assert!(
        !wd.exists(&format!("scrubbed/{stem}.part-{:03}.xlsx", count + 1)),
        "exactly {count} parts"
    );
    ids
}

fn all_ids(input: &Book, sheet: &str) -> Vec<String> {
    let data = input.sheet(sheet);
    (1..=data.end().unwrap().0)
        .map(|r| match cell(data, r, 0) {
            Data::String(s) => s,
            _ => panic!("no id"),
        })
        .collect()
}

#[test]
fn split_by_rows() {
    let export = testdata::disabled_users(&Options {
        rows: 250,
        ..Options::default()
    });
    let wd = Workdir::new();
    wd.write("users.xlsx", export.to_xlsx());
    let run = wd.run(&["scrub", "-q", "--max-part-rows", "100", "users.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let input = Book::open(wd.read("users.xlsx"));
    let ids = check_parts(&wd, "users", 3, &input, &export.sheet_name);
    assert_eq!(
        ids,
        all_ids(&input, &export.sheet_name),
        "every row once, in order"
    );
    let report: serde_json::Value =
        serde_json::from_slice(&wd.read("scrubbed/scrub-report.json")).unwrap();
    let rows: Vec<u64> = report["files"][0]["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["rows"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, [100, 100, 50]);
    assert!(!wd.exists("scrubbed/users.xlsx"));
}

#[test]
fn split_by_bytes_as_written() {
    let export = testdata::disabled_users(&Options {
        rows: 250,
        ..Options::default()
    });
    let wd = Workdir::new();
    wd.write("users.xlsx", export.to_xlsx());
    wd.write("csv/users-csv.csv", export.to_csv());
    let run = wd.run(&[
        "scrub",
        "-q",
        "--max-part-bytes",
        "40kB",
        "users.xlsx",
        "csv/users-csv.csv",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    let report: serde_json::Value =
        serde_json::from_slice(&wd.read("scrubbed/scrub-report.json")).unwrap();
    for file in report["files"].as_array().unwrap() {
        let parts = file["parts"].as_array().unwrap();
        assert!(parts.len() >= 2, "{file}");
        for p in parts {
            let size = std::fs::metadata(wd.path(p["path"].as_str().unwrap()))
                .unwrap()
                .len();
            assert!(size <= 40_000, "{} is {size} bytes", p["path"]);
            assert_eq!(size, p["bytes"].as_u64().unwrap());
        }
    }
    let input = Book::open(wd.read("users.xlsx"));
    let n = report["files"][0]["parts"].as_array().unwrap().len();
    let ids = check_parts(&wd, "users", n, &input, &export.sheet_name);
    assert_eq!(ids.len(), 250);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 250);
    assert_eq!(ids, all_ids(&input, &export.sheet_name));
    // CSV parts: a header each, every row once.
    let csv_parts = report["files"][1]["parts"].as_array().unwrap();
    let mut lines = 0;
    let header = String::from_utf8(export.to_csv())
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    for p in csv_parts {
        let text = String::from_utf8(std::fs::read(wd.path(p["path"].as_str().unwrap())).unwrap())
            .unwrap();
        assert_eq!(text.lines().next().unwrap(), header);
        lines += text.lines().count() - 1;
    }
    assert_eq!(lines, 250);
}

#[test]
fn a_limit_below_one_row_fails_clearly() {
    let export = testdata::disabled_users(&Options {
        rows: 10,
        ..Options::default()
    });
    let wd = Workdir::new();
    wd.write("users.xlsx", export.to_xlsx());
    let run = wd.run(&["scrub", "-q", "--max-part-bytes", "1kB", "users.xlsx"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.stderr.contains("more than the part limit"),
        "{}",
        run.stderr
    );
    assert!(
        wd.files()
            .iter()
            .all(|f| !f.contains(".tmp") && !f.contains(".part-")),
        "{:?}",
        wd.files()
    );
}

/// A sheet with comments is not split: each part would keep every note at its cell, on the row
/// that moved into its place (another person's). The file fails saying what to do.
#[test]
fn a_sheet_with_comments_is_not_split_under_other_rows() {
    let planted =
        dsr_scrub::testdata::catalogue::planted(dsr_scrub::testdata::catalogue::Place::Comments);
    let wd = Workdir::new();
    wd.write("users.xlsx", &planted.xlsx);
    let run = wd.run(&["scrub", "--max-part-rows", "3", "users.xlsx"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.stderr.contains("comments") && run.stderr.contains("--rebuild"),
        "{}",
        run.stderr
    );
    assert!(
        !wd.exists("scrubbed/users.part-001.xlsx"),
        "nothing written"
    );
    // Whole, it is written with its notes where they were.
    let run = wd.run(&["scrub", "--out-dir", "whole", "users.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
}
