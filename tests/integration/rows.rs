//! Row rules and data subjects: deleting a subject's rows from approval-table exports.

use crate::workdir::{cell, libreoffice, libreoffice_csv, table_ref, Book, Workdir};
use calamine::Data;
use dsr_scrub::testdata::{Column, Export, Options, Value};

const SUBJECT: &str = "Zoë Müller";

fn column(logical: &'static str, header: &'static str, protected: bool) -> Column {
    Column {
        logical,
        header,
        personal: false,
        protected,
        required: false,
        max_length: if protected { None } else { Some(200) },
    }
}

/// An "Approvals" export: some rows owned by the subject (spelled in several ways), some by
/// others, one by a different person whose name contains the subject's.
fn approvals() -> (Export, Vec<bool>) {
    let owners = [
        "Zoë Müller",
        "Aoife Byrne",
        " zoë  müller ",
        "Zoë Müller-Schmidt",
        "ZOË MÜLLER",
        "Søren Kjær",
        "Nguyễn Thị Lan",
        "Zoë Müller",
    ];
    let columns = vec![
        column("msdyn_flow_approvalid", "(Do Not Modify) Approval", true),
        column("checksumLogicalName", "(Do Not Modify) Row Checksum", true),
        column("modifiedon", "(Do Not Modify) Modified On", true),
        column("msdyn_flow_approval_title", "Title", false),
        column("ownerid", "Owner", false),
        column("msdyn_flow_approval_result", "Outcome", false),
        column("msdyn_flow_approvalresponse_comments", "Comments", false),
    ];
    let rows: Vec<Vec<Value>> = owners
        .iter()
        .enumerate()
        .map(|(i, owner)| {
            vec![
                Value::Text(format!(
                    "{:08x}-1ab4-eb11-8236-000d3aff{:04x}",
                    0x3217a7c8u32 + i as u32,
                    i
                )),
                Value::Text(format!("{}==", "Q".repeat(86))),
                Value::DateTime(45_000.5 + i as f64),
                Value::Text(format!("Expense report {}", 100 + i)),
                Value::Text(owner.to_string()),
                Value::Text(if i % 2 == 0 { "Approve" } else { "Reject" }.into()),
                Value::Text(match i {
                    1 => "Checked with zoë müller, fine.".into(),
                    5 => "Forwarded to Zoë Müller-Schmidt".into(),
                    _ => "OK".into(),
                }),
            ]
        })
        .collect();
    let owned: Vec<bool> = owners
        .iter()
        .map(|o| {
            o.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
                == SUBJECT.to_lowercase()
        })
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

const DELETE_MAP: &str = r#"version = 1
[[rows]]
where = { column = "ownerid", aliases = ["Owner"], in = "@subjects" }
action = "delete"
"#;

#[test]
fn subject_rows_are_deleted_in_every_writer() {
    let (export, owned) = approvals();
    let kept: Vec<usize> = (0..owned.len()).filter(|&i| !owned[i]).collect();
    assert_eq!(kept.len(), 4);
    for (name, args) in [("lossless", &[][..]), ("rebuild", &["--rebuild"][..])] {
        let wd = Workdir::new();
        wd.write("in/Approvals.xlsx", export.to_xlsx());
        wd.write("map.toml", DELETE_MAP);
        let mut all = vec![
            "scrub",
            "--allow-uncovered",
            "-q",
            "--all-rows",
            "--map",
            "map.toml",
            "--subject",
            SUBJECT,
        ];
        all.extend_from_slice(args);
        all.push("in/Approvals.xlsx");
        let run = wd.run(&all);
        assert_eq!(run.code, 0, "{name}: {}", run.text());
        let input = Book::open(wd.read("in/Approvals.xlsx"));
        let output = Book::open(wd.read("scrubbed/Approvals.xlsx"));
        let (i, o) = (input.sheet("Approvals"), output.sheet("Approvals"));
        assert_eq!(o.end().unwrap().0 as usize, kept.len(), "{name}: rows left");
        for (out_row, &in_row) in kept.iter().enumerate() {
            for c in 0..6 {
                assert_eq!(
                    cell(i, in_row as u32 + 1, c),
                    cell(o, out_row as u32 + 1, c),
                    "{name}"
                );
            }
        }
        assert!(
            matches!(cell(o, 1, 2), Data::DateTime(_)),
            "{name}: types kept"
        );
        assert_eq!(input.sheet("hiddenSheet"), output.sheet("hiddenSheet"));
        if name == "lossless" {
            assert_eq!(table_ref(&wd.read("scrubbed/Approvals.xlsx")), "A1:G5");
        }
        if let Some(soffice) = libreoffice() {
            let csv = libreoffice_csv(&soffice, &wd.path("scrubbed/Approvals.xlsx"), &wd)
                .expect("converted");
            assert_eq!(
                csv.lines().count(),
                5,
                "{name}: LibreOffice reads the header and 4 rows"
            );
        }
        let report: serde_json::Value =
            serde_json::from_slice(&wd.read("scrubbed/scrub-report.json")).unwrap();
        let file = &report["files"][0];
        assert_eq!(file["rows_deleted"], 4);
        let deleted = file["sheets"][0]["deleted_rows"].as_array().unwrap();
        let rows: Vec<u64> = deleted.iter().map(|d| d["row"].as_u64().unwrap()).collect();
        assert_eq!(rows, [2, 4, 6, 9]);
        assert_eq!(
            deleted[0]["record_id"],
            "3217a7c8-1ab4-eb11-8236-000d3aff0000"
        );
        assert_eq!(
            deleted[0]["rule"],
            "rows[1]: delete where ownerid in @subjects"
        );
        let text = String::from_utf8(wd.read("scrubbed/scrub-report.json")).unwrap();
        assert!(
            !text.to_lowercase().contains("müller"),
            "{name}: the report names no subject"
        );
    }
}

#[test]
fn subject_rows_are_deleted_from_csv_and_subjects_come_from_a_file() {
    let (export, owned) = approvals();
    let wd = Workdir::new();
    wd.write("Approvals.csv", export.to_csv());
    wd.write("map.toml", DELETE_MAP);
    wd.write(
        "subjects.csv",
        "name,email\nZoë Müller,zoe.muller@contoso.com\n",
    );
    let run = wd.run(&[
        "scrub",
        "--all-rows",
        "--allow-uncovered",
        "-q",
        "--map",
        "map.toml",
        "--subjects",
        "subjects.csv",
        "Approvals.csv",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    let output = String::from_utf8(wd.read("scrubbed/Approvals.csv")).unwrap();
    let input = String::from_utf8(export.to_csv()).unwrap();
    let expected: Vec<&str> = input
        .split("\r\n")
        .enumerate()
        .filter(|(i, _)| *i == 0 || *i > owned.len() || !owned[i - 1])
        .map(|(_, l)| l)
        .collect();
    assert_eq!(output, expected.join("\r\n"));
}

#[test]
fn scrub_rules_limit_column_actions_to_matching_rows() {
    let (export, owned) = approvals();
    let wd = Workdir::new();
    wd.write("Approvals.xlsx", export.to_xlsx());
    wd.write(
        "map.toml",
        r#"version = 1
[columns]
Title = { action = "replace", value = "Removed" }
[[rows]]
where = { column = "Owner", in = "@subjects" }
action = "scrub"
"#,
    );
    let run = wd.run(&[
        "scrub",
        "--all-rows",
        "-q",
        "--map",
        "map.toml",
        "--subject",
        SUBJECT,
        "Approvals.xlsx",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    let out = Book::open(wd.read("scrubbed/Approvals.xlsx"));
    let o = out.sheet("Approvals");
    for (r, &mine) in owned.iter().enumerate() {
        let title = cell(o, r as u32 + 1, 3);
        assert_eq!(
            title == Data::String("Removed".into()),
            mine,
            "row {}",
            r + 2
        );
    }
}

#[test]
fn subjects_rule_without_subjects_is_a_usage_error() {
    let wd = Workdir::new();
    wd.write("map.toml", DELETE_MAP);
    wd.write("a.csv", "Owner\nx\n");
    let run = wd.run(&["scrub", "--map", "map.toml", "a.csv"]);
    assert_eq!(run.code, 2, "{}", run.text());
    assert!(run.stderr.contains("--subject"), "{}", run.stderr);
}

#[test]
fn row_rule_column_must_exist() {
    let wd = Workdir::new();
    wd.write("map.toml", DELETE_MAP);
    wd.write("a.csv", "Name\nx\n");
    let run = wd.run(&["scrub", "--map", "map.toml", "--subject", "x", "a.csv"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(run.stderr.contains("ownerid"), "{}", run.stderr);
}

#[test]
fn redact_mentions_follow_the_name_columns() {
    use dsr_scrub::testdata::{self, Options};
    let export = testdata::disabled_users(&Options {
        rows: 120,
        ..Options::default()
    });
    let wd = Workdir::new();
    wd.write("users.xlsx", export.to_xlsx());
    wd.write("k.key", "a key that is long enough to use");
    wd.write(
        "map.toml",
        r#"version = 1
allow_residual = ["Email 2"]
[columns]
fullname = { action = "replace", value = "Deleted User {id8}", aliases = ["Full Name"] }
firstname = { action = "pseudonymize", as = "name", aliases = ["First Name"] }
lastname = { action = "replace", value = "User", aliases = ["Last Name"] }
internalemailaddress = { action = "pseudonymize", as = "email", aliases = ["Primary Email"] }
description = { action = "redact", detect = ["email", "phone"], mentions = true, aliases = ["Description"] }
"#,
    );
    let run = wd.run(&[
        "scrub",
        "--all-rows",
        "--allow-uncovered",
        "-q",
        "--map",
        "map.toml",
        "--key-file",
        "k.key",
        "users.xlsx",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    let (i, o) = (
        Book::open(wd.read("users.xlsx")),
        Book::open(wd.read("scrubbed/users.xlsx")),
    );
    let (si, so) = (i.sheet(&export.sheet_name), o.sheet(&export.sheet_name));
    let col = |l: &str| export.column_index(l).unwrap() as u32;
    let text = |r: &calamine::Range<Data>, row: u32, c: u32| match cell(r, row, c) {
        Data::String(s) => s,
        _ => String::new(),
    };
    let mut mentioned = 0;
    for row in 1..=120 {
        let before = text(si, row, col("description"));
        let after = text(so, row, col("description"));
        let first = text(si, row, col("firstname"));
        let full = text(si, row, col("fullname"));
        let email = text(si, row, col("internalemailaddress"));
        for value in [&first, &full, &email] {
            let lower = after.to_lowercase();
            let v = value.to_lowercase();
            let alone = lower.match_indices(&v).any(|(at, _)| {
                let b = lower[..at].chars().next_back();
                let a = lower[at + v.len()..].chars().next();
                !b.is_some_and(char::is_alphanumeric) && !a.is_some_and(char::is_alphanumeric)
            });
            assert!(!alone, "row {}: a mention survived", row + 1);
        }
        if before.contains(&full) {
            mentioned += 1;
            assert!(
                after.contains(&text(so, row, col("fullname"))),
                "row {}: the full name's replacement",
                row + 1
            );
        }
        if before.contains(&first) && !before.contains(&full) {
            assert!(
                after.contains(&text(so, row, col("firstname"))),
                "row {}: the first name's pseudonym",
                row + 1
            );
        }
    }
    assert!(mentioned > 5, "the fixture mentions names: {mentioned}");
}

#[test]
fn approvals_profile_deletes_and_redacts_the_subject_only() {
    let (export, owned) = approvals();
    let wd = Workdir::new();
    wd.write("approvals/Approvals.xlsx", export.to_xlsx());
    wd.write("approvals/Approval Response.csv", export.to_csv());
    let run = wd.run(&[
        "scrub",
        "--all-rows",
        "-q",
        "--profile",
        "approvals",
        "--subject",
        SUBJECT,
        "approvals",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    let out = Book::open(wd.read("scrubbed/Approvals.xlsx"));
    let o = out.sheet("Approvals");
    assert_eq!(
        o.end().unwrap().0 as usize,
        owned.iter().filter(|&&m| !m).count()
    );
    let comments: Vec<Data> = (1..=4).map(|r| cell(o, r, 6)).collect();
    assert_eq!(
        comments,
        [
            Data::String("Checked with [redacted], fine.".into()),
            Data::String("OK".into()),
            Data::String("Forwarded to Zoë Müller-Schmidt".into()),
            Data::String("OK".into()),
        ]
    );
    let csv = String::from_utf8(wd.read("scrubbed/Approval Response.csv")).unwrap();
    assert!(csv.contains("Checked with [redacted], fine.") && csv.contains("Zoë Müller-Schmidt"));
    assert_eq!(csv.lines().count(), 5);
    let run = wd.run(&[
        "scrub",
        "--all-rows",
        "--profile",
        "approvals",
        "--out-dir",
        "again",
        "approvals",
    ]);
    assert_eq!(run.code, 2, "the profile needs --subject: {}", run.text());
}
