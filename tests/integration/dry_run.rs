//! `scrub --dry-run`: the same counts as a real run, only the report written, values only on the
//! terminal and only with `--samples`.

use crate::workdir::{searchable, Workdir};
use dsr_scrub::testdata::{self, Export, Options};
use serde_json::{json, Value};

fn export(rows: usize) -> Export {
    testdata::disabled_users(&Options {
        rows,
        ..Options::default()
    })
}

fn report(wd: &Workdir, out_dir: &str) -> Value {
    serde_json::from_slice(&wd.read(&format!("{out_dir}/scrub-report.json"))).unwrap()
}

/// What a report counts, per file: rows, deletions, changed cells, and per column the action
/// and its count.
fn counts(report: &Value) -> Vec<Value> {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let columns: Vec<Value> = f["sheets"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|s| s["columns"].as_array().unwrap().clone())
                .map(|c| json!([c["column"], c["action"], c["cells_changed"]]))
                .collect();
            json!([
                f["input"],
                f["rows"],
                f["rows_deleted"],
                f["cells_changed"],
                columns
            ])
        })
        .collect()
}

#[test]
fn writes_only_the_report_with_the_counts_of_a_real_run() {
    let export = export(60);
    let wd = Workdir::new();
    wd.write("in/users.xlsx", export.to_xlsx());
    wd.write("in/users-copy.csv", export.to_csv());
    let run = wd.run(&["scrub", "--dry-run", "--out-dir", "dry", "in"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert_eq!(
        wd.files(),
        [
            "dry/scrub-report.json",
            "in/users-copy.csv",
            "in/users.xlsx"
        ]
    );
    let dry = report(&wd, "dry");
    assert_eq!(dry["dry_run"], true);
    for f in dry["files"].as_array().unwrap() {
        assert_eq!(f["status"], "ok");
        assert!(f["output"].is_null() && f["changes"].is_null() && f["output_sha256"].is_null());
    }
    assert!(
        run.stderr.contains("dry run of 2 file(s)") && run.stderr.contains("nothing was written"),
        "{}",
        run.stderr
    );

    let run = wd.run(&["scrub", "--out-dir", "real", "in"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let real = report(&wd, "real");
    assert_eq!(real["dry_run"], false);
    assert_eq!(counts(&dry), counts(&real));
}

#[test]
fn lists_every_column_with_its_action_and_count() {
    let export = export(40);
    let wd = Workdir::new();
    wd.write("users.xlsx", export.to_xlsx());
    let run = wd.run(&["scrub", "--dry-run", "users.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let out = &run.stdout;
    assert!(
        out.starts_with("users.xlsx: 40 row(s), would change "),
        "{out}"
    );
    assert!(
        out.contains("  sheet 'Disabled Users' (40 row(s))"),
        "{out}"
    );
    let first = out.lines().find(|l| l.contains("First Name")).unwrap();
    assert!(
        first.contains("replace") && first.contains("40 cell(s)"),
        "{first}"
    );
    assert!(out.contains("\" Full Name\""), "leading space shown: {out}");
    assert!(!out.contains("->"), "no samples unless asked: {out}");
}

#[test]
fn samples_reach_the_terminal_only() {
    let export = export(50);
    let personal = searchable(export.personal_values());
    let wd = Workdir::new();
    wd.write("users.xlsx", export.to_xlsx());

    let run = wd.run(&["scrub", "--dry-run", "-v", "users.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let mut quiet = run.text();
    quiet.push_str(&String::from_utf8(wd.read("scrubbed/scrub-report.json")).unwrap());
    for value in &personal {
        assert!(
            !quiet.contains(value.as_str()),
            "a value was printed without --samples"
        );
    }

    let run = wd.run(&[
        "scrub",
        "--dry-run",
        "--samples",
        "2",
        "--force",
        "users.xlsx",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    let first_name = export.column_index("firstname").unwrap();
    let testdata::Value::Text(name) = &export.rows[0][first_name] else {
        panic!("first name is text")
    };
    assert!(
        run.stdout
            .contains(&format!("      row 2: \"{name}\" -> \"Deleted\"")),
        "{}",
        run.stdout
    );
    let pairs = run.stdout.lines().filter(|l| l.contains("->")).count();
    assert!(pairs > 20, "two pairs for most columns: {}", run.stdout);
    let report = String::from_utf8(wd.read("scrubbed/scrub-report.json")).unwrap();
    for value in &personal {
        assert!(
            !report.contains(value.as_str()),
            "the report holds a sample"
        );
    }
    assert!(!report.contains("samples"));
}

#[test]
fn samples_need_a_dry_run() {
    let wd = Workdir::new();
    wd.write("users.xlsx", export(3).to_xlsx());
    let run = wd.run(&["scrub", "--samples", "2", "users.xlsx"]);
    assert_eq!(run.code, 2, "{}", run.text());
    assert!(run.stderr.contains("--dry-run"), "{}", run.stderr);
    assert!(!wd.exists("scrubbed"));
}

#[test]
fn shows_rows_that_row_rules_would_delete() {
    let export = export(60);
    let manager = export.column_index("parentsystemuserid").unwrap();
    let testdata::Value::Text(boss) = &export.rows[0][manager] else {
        panic!("manager is text")
    };
    let expected = export
        .rows
        .iter()
        .filter(|r| r[manager] == testdata::Value::Text(boss.clone()))
        .count();
    let wd = Workdir::new();
    wd.write("users.xlsx", export.to_xlsx());
    wd.write(
        "map.toml",
        format!(
            "version = 1\n[columns]\nfirstname = {{ action = \"replace\", value = \"Deleted\", aliases = [\"First Name\"] }}\n\n[[rows]]\nwhere = {{ column = \"Manager\", equals = {boss:?} }}\naction = \"delete\"\n"
        ),
    );
    let run = wd.run(&[
        "scrub",
        "--allow-uncovered",
        "--dry-run",
        "--map",
        "map.toml",
        "users.xlsx",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert!(
        run.stdout
            .contains(&format!("would delete {expected} row(s)")),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains(boss.as_str()), "{}", run.stdout);
    assert_eq!(
        report(&wd, "scrubbed")["files"][0]["rows_deleted"],
        expected
    );
    assert!(!wd.exists("scrubbed/users.xlsx"));
}

#[test]
fn a_file_that_would_fail_fails_the_dry_run() {
    let wd = Workdir::new();
    wd.write("in/good.xlsx", export(5).to_xlsx());
    wd.write("in/broken.xlsx", &export(5).to_xlsx()[..3000]);
    let run = wd.run(&["scrub", "--dry-run", "in"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.stdout.contains("broken.xlsx: would fail:"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("good.xlsx: 5 row(s)"), "{}", run.stdout);
    assert_eq!(
        wd.files()
            .iter()
            .filter(|f| f.starts_with("scrubbed/"))
            .count(),
        1
    );
}
