//! The streaming xlsx engine: a lossless scrub that reads each sheet once, row by row, writes
//! exactly what the workbook read whole gives. Test builds read every input whole when
//! `DSR_SCRUB_READ_WHOLE` is set: both runs must write the same bytes (output, changes file,
//! deletions) and report the same, and so must a streamed run with `--verify`, which checks its
//! output against the input read again.

use crate::workdir::{cell, libreoffice, libreoffice_csv, Book, Workdir};
use calamine::Data;
use dsr_scrub::testdata::{self, Export, Options};

/// More rows than the head the plan is resolved on (5,000), so the rows below it are streamed.
const ROWS: usize = 5_600;

fn export(seed: u64) -> Export {
    testdata::disabled_users(&Options {
        rows: ROWS,
        seed,
        extra_sheet: true,
        ..Options::default()
    })
}

/// The report of the only file in `dir`, without its times and with its paths made relative
/// to `dir`.
fn file_report(wd: &Workdir, dir: &str) -> serde_json::Value {
    let report: serde_json::Value =
        serde_json::from_slice(&wd.read(&format!("{dir}/scrub-report.json"))).unwrap();
    let file = report["files"][0].to_string();
    serde_json::from_str(&file.replace(&format!("\"{dir}/"), "\"")).unwrap()
}

/// Test builds say on stderr when the streaming engine reads a file again, each sheet
/// skimmed first, because the pass made before the data validations were read does not stand.
const TELL_AGAIN: (&str, &str) = ("DSR_SCRUB_TELL_AGAIN", "1");
const READ_AGAIN: &str = "read again, skimmed";

/// Scrub `name` with `args` into `streamed/`, with `--verify` into `verified/` and read whole
/// into `whole/`: the same bytes and the same report. Returns the streamed output. Each sheet
/// is inflated once: the pass made before the data validations were read stands.
fn same_both_ways(wd: &Workdir, name: &str, args: &[&str], stem: &str) -> Vec<u8> {
    same_both_ways_read(wd, name, args, stem, false)
}

/// [`same_both_ways`], the streamed scrub reading the file `again` or not.
fn same_both_ways_read(
    wd: &Workdir,
    name: &str,
    args: &[&str],
    stem: &str,
    again: bool,
) -> Vec<u8> {
    const WHOLE: &[(&str, &str)] = &[("DSR_SCRUB_READ_WHOLE", "1")];
    for (dir, extra, env) in [
        ("streamed", None, &[TELL_AGAIN][..]),
        ("verified", Some("--verify"), &[][..]),
        ("whole", None, WHOLE),
    ] {
        let mut all = vec!["scrub", "-q", "--out-dir", dir];
        all.extend(extra);
        all.extend_from_slice(args);
        all.push(name);
        let run = wd.run_env(&all, env);
        assert_eq!(run.code, 0, "{name} {dir}: {}", run.text());
        // The test build says when it reads an input whole.
        assert_eq!(
            run.text().contains("read whole (DSR_SCRUB_READ_WHOLE)"),
            dir == "whole",
            "{name} {dir}: {}",
            run.text()
        );
        let read_again = dir == "streamed" && again;
        assert_eq!(
            run.text().contains(READ_AGAIN),
            read_again,
            "{name}: {}",
            run.text()
        );
    }
    let streamed = wd.read(&format!("streamed/{name}"));
    for other in ["verified", "whole"] {
        assert_eq!(
            streamed,
            wd.read(&format!("{other}/{name}")),
            "{name}: the same workbook {other}"
        );
        for file in [
            format!("{stem}.changes.csv"),
            format!("{stem}.deletions.csv"),
            format!("{stem}.deletions.batch"),
        ] {
            assert_eq!(
                wd.exists(&format!("streamed/{file}")),
                wd.exists(&format!("{other}/{file}")),
                "{file} {other}"
            );
            if wd.exists(&format!("streamed/{file}")) {
                assert!(
                    wd.read(&format!("streamed/{file}")) == wd.read(&format!("{other}/{file}")),
                    "{name}: the same {file} {other}"
                );
            }
        }
        assert!(
            file_report(wd, "streamed") == file_report(wd, other),
            "{name}: the same report {other}"
        );
    }
    streamed
}

#[test]
fn streamed_scrubs_write_what_the_workbook_read_whole_gives() {
    let export = export(11);
    let wd = Workdir::new();
    wd.write("excel.xlsx", export.to_xlsx());
    wd.write("raw.xlsx", export.to_dynamics_raw_xlsx());
    let first = export.column_index("firstname").unwrap() as u32;
    for name in ["excel.xlsx", "raw.xlsx"] {
        let stem = name.trim_end_matches(".xlsx");
        let out = same_both_ways(&wd, name, &[], stem);
        let book = Book::open(out);
        let data = book.sheet(&export.sheet_name);
        // The last row, far below the head, is scrubbed too.
        assert_eq!(data.height(), ROWS + 1, "{name}");
        assert_eq!(
            cell(data, ROWS as u32, first),
            Data::String("Deleted".into()),
            "{name}"
        );
        let changes = String::from_utf8(wd.read(&format!("streamed/{stem}.changes.csv"))).unwrap();
        assert!(
            changes
                .lines()
                .any(|l| l.contains(&format!(",{},", ROWS + 1))),
            "{name}: the last row's changes are listed"
        );
    }
    if let Some(soffice) = libreoffice() {
        let csv = libreoffice_csv(&soffice, &wd.path("streamed/raw.xlsx"), &wd)
            .expect("LibreOffice opens the streamed output");
        assert_eq!(csv.lines().count(), ROWS + 1, "header and every row");
    }
}

#[test]
fn streamed_row_deletions_and_kept_columns_match_the_workbook_read_whole() {
    let export = export(12);
    let wd = Workdir::new();
    wd.write("excel.xlsx", export.to_xlsx());
    wd.write("raw.xlsx", export.to_dynamics_raw_xlsx());
    // Rows deleted above and below the head; "Full Name" kept, so the residual check counts
    // the first and last names left in it.
    wd.write(
        "map.toml",
        "version = 1\n\
         allow_residual = [\"Full Name\", \"Description\", \"Manager\"]\n\
         [columns]\n\
         \"First Name\" = { action = \"replace\", value = \"Deleted\" }\n\
         \"Last Name\" = { action = \"replace\", value = \"Gone {row}\" }\n\
         \"Primary Email\" = { action = \"replace\", value = \"gone-{row}@example.invalid\" }\n\
         \"Full Name\" = \"keep\"\n\
         [[rows]]\n\
         where = { column = \"Last Name\", matches = \"^[A-C]\" }\n\
         action = \"delete\"\n",
    );
    for name in ["excel.xlsx", "raw.xlsx"] {
        let stem = name.trim_end_matches(".xlsx");
        let run_args = ["--map", "map.toml", "--allow-uncovered"];
        same_both_ways(&wd, name, &run_args, stem);
        let report = file_report(&wd, "streamed");
        let deleted = report["rows_deleted"].as_u64().unwrap();
        assert!(deleted > 100, "{name}: {deleted} rows deleted");
        let rows = report["sheets"][0]["deleted_rows"].as_array().unwrap();
        assert!(
            rows.iter().any(|r| r["row"].as_u64().unwrap() > 5_001),
            "{name}: rows below the head deleted"
        );
        assert!(wd.exists(&format!("streamed/{stem}.deletions.csv")));
    }
}

/// The data validations of the export cap Last Name at `max` characters.
fn capped(seed: u64, max: u32) -> Export {
    let mut export = export(seed);
    for c in &mut export.columns {
        if c.logical == "lastname" {
            c.max_length = Some(max);
        }
    }
    export
}

/// The exports [`GONE`] is tried on: their names, the maximum length their validations give
/// Last Name, and whether it cuts a value the map writes ("Gone 5601" is 9 characters: 8
/// cuts the values of the rows from 1,000 on, 9 cuts nothing).
const CAPS: [(&str, u32, bool); 2] = [("cut.xlsx", 8, true), ("fits.xlsx", 9, false)];

/// A map that replaces Last Name with "Gone" and the row's number.
const GONE: &str = "version = 1\nallow_residual = [\"Full Name\", \"Description\"]\n\
                    [columns]\n\"Last Name\" = { action = \"replace\", value = \"Gone {row}\" }\n";

#[test]
fn a_maximum_length_that_cuts_a_value_the_pass_wrote_has_the_file_read_again() {
    let wd = Workdir::new();
    // A maximum that cuts the values the pass, made before the validations were read, wrote
    // whole has the file read again.
    wd.write("map.toml", GONE);
    for (name, max, again) in CAPS {
        wd.write(name, capped(21, max).to_dynamics_raw_xlsx());
        let args = [
            "scrub",
            "-q",
            "--allow-uncovered",
            "--map",
            "map.toml",
            name,
        ];
        let run = wd.run_env(&args, &[TELL_AGAIN]);
        assert_eq!(run.code, 0, "{name}: {}", run.text());
        assert_eq!(
            run.text().contains(READ_AGAIN),
            again,
            "{name}: {}",
            run.text()
        );
        let stem = name.trim_end_matches(".xlsx");
        same_both_ways_read(&wd, name, &args[2..5], stem, again);
        let out = Book::open(wd.read(&format!("streamed/{name}")));
        let last = capped(21, max).column_index("lastname").unwrap() as u32;
        let data = out.sheet(&capped(21, max).sheet_name);
        for row in [2, ROWS as u32] {
            let Data::String(value) = cell(data, row, last) else {
                panic!("{name}: row {row}");
            };
            assert!(value.chars().count() <= max as usize, "{name}: {value}");
            assert!(value.starts_with("Gone"), "{name}: {value}");
        }
    }
}

/// Test builds say on stderr when `verify` reads the files whole, its stream of them not
/// deciding (here: because the plan made before the original's data validations were read
/// does not stand).
const READ_WHOLE: &str = "verify: read whole";

#[test]
fn verify_makes_the_plan_again_once_it_has_read_the_validations_after_the_cells() {
    let wd = Workdir::new();
    // A maximum that cuts the values the stream, made before the validations were read, left
    // whole has both files read whole.
    wd.write("map.toml", GONE);
    for (name, max, whole) in CAPS {
        wd.write(name, capped(21, max).to_dynamics_raw_xlsx());
        let scrub = [
            "scrub",
            "-q",
            "--allow-uncovered",
            "--map",
            "map.toml",
            "--out-dir",
            "out",
            name,
        ];
        let run = wd.run(&scrub);
        assert_eq!(run.code, 0, "{name}: {}", run.text());
        // The output passes, read by the stream (its plan stands) or whole (it does not).
        let out = format!("out/{name}");
        let run = wd.run_env(&["verify", "--map", "map.toml", name, &out], &[TELL_AGAIN]);
        assert_eq!(run.code, 0, "{name}: {}", run.text());
        assert_eq!(
            run.text().contains(READ_WHOLE),
            whole,
            "{name}: {}",
            run.text()
        );
        // The input given as its own output leaks, either way.
        let run = wd.run_env(&["verify", "--map", "map.toml", name, name], &[TELL_AGAIN]);
        assert_eq!(run.code, 3, "{name}: {}", run.text());
    }
}

#[test]
fn a_column_the_validations_require_fails_below_the_head_as_before() {
    let wd = Workdir::new();
    wd.write("users.xlsx", export(22).to_xlsx());
    // The map does not say that First Name is required: the file's validation, which the
    // pass reads after the cells, does.
    wd.write(
        "map.toml",
        "version = 1\n[columns]\n\"First Name\" = \"clear\"\n",
    );
    let args = [
        "scrub",
        "--allow-uncovered",
        "--map",
        "map.toml",
        "users.xlsx",
    ];
    let run = wd.run_env(&args, &[TELL_AGAIN]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(run.text().contains(READ_AGAIN), "{}", run.text());
    let line = (run.stderr.lines())
        .find(|l| l.contains("users.xlsx") && l.contains("'First Name'"))
        .unwrap_or_else(|| panic!("the failing file is named: {}", run.text()));
    for want in ["required", "use `replace`", "data validation"] {
        assert!(line.contains(want), "{want:?} missing in: {line}");
    }
    assert!(!wd.exists("scrubbed/users.xlsx"));
}

/// Every part of the output's package, inflated, as text.
fn package_text(xlsx: &[u8]) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut text = String::new();
    for i in 0..zip.len() {
        let mut bytes = Vec::new();
        zip.by_index(i).unwrap().read_to_end(&mut bytes).unwrap();
        text.push_str(&String::from_utf8_lossy(&bytes));
    }
    text
}

#[test]
fn one_pass_cleans_held_tails_in_both_layouts() {
    let wd = Workdir::new();
    // Every place of the leak catalogue a scrub cleans but formulas (a workbook with formulas
    // is read whole), in an export whose data sheet goes through the one pass: its tail
    // (hyperlinks, ...) is cleaned once the removed values are known, after the rows were
    // written.
    let places: Vec<_> = testdata::catalogue::Place::CLEANED
        .into_iter()
        .filter(|p| !format!("{p:?}").contains("Formula"))
        .collect();
    let planted = testdata::catalogue::planted_in(export(13), &places);
    wd.write("catalogue.xlsx", planted.xlsx.clone());
    // Dynamics' own layout, in the German export: inline strings, `x:` prefixes.
    let german = testdata::localized::disabled_users(
        testdata::localized::Language::German,
        &Options {
            rows: ROWS,
            seed: 15,
            ..Options::default()
        },
    );
    wd.write("german.xlsx", german.to_dynamics_raw_xlsx());
    for name in ["catalogue.xlsx", "german.xlsx"] {
        let stem = name.trim_end_matches(".xlsx");
        let out = same_both_ways(&wd, name, &["--allow-uncovered"], stem);
        if name == "catalogue.xlsx" {
            let text = package_text(&out);
            for value in &planted.values {
                assert!(!text.contains(value.as_str()), "a planted value is left");
            }
        }
        let book = Book::open(out);
        assert!(book.sheets.len() >= 2, "{name}");
    }
    if let Some(soffice) = libreoffice() {
        for name in ["catalogue.xlsx", "german.xlsx"] {
            libreoffice_csv(&soffice, &wd.path(&format!("streamed/{name}")), &wd)
                .expect("LibreOffice opens the output");
        }
    }
}
