//! Folder inputs: what is picked up, what is skipped and why, and `--recursive`.

use crate::workdir::{Book, Workdir};
use dsr_scrub::testdata::{self, Options};

fn users(rows: usize) -> testdata::Export {
    testdata::disabled_users(&Options {
        rows,
        ..Options::default()
    })
}

#[test]
fn a_folder_lists_every_file_it_skips_and_why() {
    let wd = Workdir::new();
    let export = users(10);
    wd.write("exports/users.xlsx", export.to_xlsx());
    wd.write("exports/old.xls", b"\xD0\xCF\x11\xE0 legacy");
    wd.write("exports/budget.ods", b"PK");
    wd.write("exports/unicode.txt", b"\xFF\xFEF\x00");
    wd.write("exports/~$users.xlsx", b"lock");
    wd.write("exports/users.changes.csv", "sheet,row\n");
    wd.write("exports/readme.pdf", b"%PDF");
    wd.write("exports/2023/users.xlsx", export.to_xlsx());
    let run = wd.run(&["scrub", "exports"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("skipped"))
        .collect();
    let reason = |name: &str| {
        lines
            .iter()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{name} not listed: {}", run.stderr))
            .to_string()
    };
    assert!(reason("old.xls").contains("save it as .xlsx"), "{lines:?}");
    assert!(
        reason("budget.ods").contains("save it as .xlsx"),
        "{lines:?}"
    );
    assert!(
        reason("unicode.txt").contains("rename it to .csv"),
        "{lines:?}"
    );
    assert!(reason("~$users.xlsx").contains("lock file"), "{lines:?}");
    assert!(
        reason("users.changes.csv").contains("output of dsr-scrub"),
        "{lines:?}"
    );
    assert!(
        reason("readme.pdf").contains("not an .xlsx, .xlsm or .csv"),
        "{lines:?}"
    );
    assert!(reason("2023").contains("--recursive"), "{lines:?}");
    assert_eq!(lines.len(), 7, "{lines:?}");
    let report: serde_json::Value =
        serde_json::from_slice(&wd.read("scrubbed/scrub-report.json")).unwrap();
    assert_eq!(report["skipped"].as_array().unwrap().len(), 7);
    assert_eq!(report["files"].as_array().unwrap().len(), 1);
    assert!(!wd.exists("scrubbed/2023"));

    // --recursive takes the subfolder too, mirrored below the output folder, and never the
    // output folder of an earlier run inside the input folder.
    std::fs::rename(wd.path("scrubbed"), wd.path("exports/scrubbed")).unwrap();
    let run = wd.run(&["scrub", "--recursive", "--out-dir", "out", "exports"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert!(wd.exists("out/users.xlsx") && wd.exists("out/2023/users.xlsx"));
    assert!(wd.exists("out/2023/users.changes.csv"));
    assert!(
        run.stderr
            .contains("scrubbed: a folder of dsr-scrub's outputs"),
        "{}",
        run.stderr
    );
    let out = Book::open(wd.read("out/2023/users.xlsx"));
    assert_eq!(out.sheet("Disabled Users").height(), 11);

    // A folder with nothing to scrub says what it held.
    let wd = Workdir::new();
    wd.write("only/old.xls", b"x");
    let run = wd.run(&["scrub", "only"]);
    assert_eq!(run.code, 2, "{}", run.text());
    assert!(
        run.stderr.contains("no .xlsx or .csv files") && run.stderr.contains("old.xls"),
        "{}",
        run.stderr
    );
}

/// After a run in which a file failed, fixing the file and scrubbing it again needs no
/// --force: the earlier outputs and their report stay as they are, the retry gets its own
/// report, and a run that wrote nothing never blocks the next one.
#[test]
fn a_failed_file_is_retried_without_force() {
    let wd = Workdir::new();
    wd.write("in/a.xlsx", users(5).to_xlsx());
    wd.write("in/b.xlsx", b"not a workbook");
    let run = wd.run(&["scrub", "-q", "in"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let first = wd.read("scrubbed/scrub-report.json");
    let report: serde_json::Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(
        report["outputs_written"],
        serde_json::json!(["scrubbed/a.xlsx", "scrubbed/a.changes.csv"])
    );
    assert!(report["started"].as_str().unwrap().ends_with('Z'));

    // Retry the failed file alone, fixed: no --force, the first report is kept unchanged.
    wd.write("in/b.xlsx", users(4).to_xlsx());
    let run = wd.run(&["scrub", "in/b.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert!(run.stderr.contains("is kept"), "{}", run.stderr);
    assert_eq!(wd.read("scrubbed/scrub-report.json"), first);
    let reports: Vec<String> = wd
        .files()
        .into_iter()
        .filter(|f| f.starts_with("scrubbed/scrub-report-") && f.ends_with(".json"))
        .collect();
    assert_eq!(reports.len(), 1, "{reports:?}");
    let retry: serde_json::Value = serde_json::from_slice(&wd.read(&reports[0])).unwrap();
    assert_eq!(
        retry["outputs_written"],
        serde_json::json!(["scrubbed/b.xlsx", "scrubbed/b.changes.csv"])
    );
    Book::open(wd.read("scrubbed/b.xlsx"));

    // A run whose every file failed, then a dry run: neither blocks the run after it.
    let wd = Workdir::new();
    wd.write("c.xlsx", b"not a workbook");
    assert_eq!(wd.run(&["scrub", "-q", "c.xlsx"]).code, 1);
    wd.write("c.xlsx", users(3).to_xlsx());
    assert_eq!(wd.run(&["scrub", "-q", "--dry-run", "c.xlsx"]).code, 0);
    let run = wd.run(&["scrub", "-q", "c.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let report: serde_json::Value =
        serde_json::from_slice(&wd.read("scrubbed/scrub-report.json")).unwrap();
    assert_eq!(report["dry_run"], false);
    assert_eq!(report["totals"]["succeeded"], 1);
    assert_eq!(
        wd.files()
            .iter()
            .filter(|f| f.contains("scrub-report"))
            .count(),
        1
    );
}
