//! Personal data never reaches a report or a message.

use crate::workdir::{searchable, Workdir};
use dsr_scrub::testdata::{self, Options};

#[test]
fn reports_and_messages_hold_no_personal_value() {
    let export = testdata::disabled_users(&Options {
        rows: 150,
        formula_column: true,
        ..Options::default()
    });
    let personal = searchable(export.personal_values());
    assert!(
        personal.len() > 500,
        "the fixture has personal data to look for"
    );
    let wd = Workdir::new();
    wd.write("in/users.xlsx", export.to_xlsx());
    wd.write("in/users-copy.csv", export.to_csv());
    wd.write("in/broken.xlsx", &export.to_xlsx()[..4000]);
    wd.write("map.toml", "version = 1\n[columns]\nfullname = { action = \"pseudonymize\", as = \"name\", aliases = [\"Full Name\"] }\n\"Mobile Phone\" = { action = \"mask\", keep_last = 2 }\nDescription = { action = \"regex\", pattern = \"\\\\w+\", replace = \"x\" }\nemployeeid = { action = \"replace\", value = \"E-{row}\", aliases = [\"Employee\"] }\n");
    wd.write("k.key", "a key that is long enough to use");
    wd.write("leaky.toml", "version = 1\n[columns]\n\"First Name\" = \"clear\"\n\" Full Name\" = { action = \"mask\", keep_first = 8 }\n");
    let mut printed = String::new();
    for args in [
        &["scrub", "--allow-uncovered", "-v", "--out-dir", "a", "in"][..],
        &[
            "scrub",
            "--allow-uncovered",
            "-v",
            "--map",
            "map.toml",
            "--key-file",
            "k.key",
            "--out-dir",
            "b",
            "in",
        ],
        &["scrub", "--allow-uncovered", "-v", "--out-dir", "a", "in"],
        &[
            "scrub",
            "--allow-uncovered",
            "--map",
            "map.toml",
            "--out-dir",
            "c",
            "in",
        ],
        // verify: passing, and failing with every removed value still there (the input itself)
        &["verify", "in/users.xlsx", "a/users.xlsx"],
        &["verify", "in/users-copy.csv", "a/users-copy.csv"],
        &["verify", "in/users.xlsx", "in/users.xlsx"],
        &["verify", "in/users-copy.csv", "in/users-copy.csv"],
        &[
            "verify",
            "--map",
            "map.toml",
            "--key-file",
            "k.key",
            "in/users.xlsx",
            "in/users.xlsx",
        ],
        // scrub --verify refusing an output that leaks (a mask keeping most first names)
        &[
            "scrub",
            "--allow-uncovered",
            "--verify",
            "--map",
            "leaky.toml",
            "--out-dir",
            "d",
            "in",
        ],
    ] {
        printed.push_str(&wd.run(args).text());
    }
    assert!(
        printed.contains("leak: a value the map removed is still in")
            && printed.contains("--verify found"),
        "the failing runs ran: {printed}"
    );
    let mut texts = vec![("messages".to_string(), printed)];
    for f in wd.files() {
        if f.ends_with(".json") || f.ends_with(".changes.csv") {
            texts.push((f.clone(), String::from_utf8(wd.read(&f)).unwrap()));
        }
    }
    assert!(texts.len() >= 5, "reports were written: {:?}", wd.files());
    for (name, text) in &texts {
        let lower = text.to_lowercase();
        for value in &personal {
            assert!(
                !lower.contains(&value.to_lowercase()),
                "{name} contains a personal value"
            );
        }
        assert!(
            !text.contains("a key that is long"),
            "{name} contains the key"
        );
    }
}

/// The report types themselves hold no personal value: not in the JSON they serialize to, and
/// not in their `Debug` either (a log line or a panic message could print it). What a dry run
/// shows on the terminal travels apart, in the preview.
#[test]
fn report_types_hold_no_personal_value() {
    use dsr_scrub::map::{Map, MapInputs};
    use dsr_scrub::pipeline::{self, Settings};
    use dsr_scrub::report::Status;
    use dsr_scrub::subjects::Subjects;
    use dsr_scrub::testdata::Value;

    let export = testdata::disabled_users(&Options {
        rows: 60,
        ..Options::default()
    });
    let personal = searchable(export.personal_values());
    let full_name = export.column_index("fullname").unwrap();
    let subjects: Vec<String> = export.rows[..3]
        .iter()
        .filter_map(|row| match &row[full_name] {
            Value::Text(name) => Some(name.trim().to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(subjects.len(), 3, "the fixture names its subjects");
    let profile = dsr_scrub::profiles::find("systemuser").unwrap().toml;
    let plain = Map::parse(profile, "systemuser", None).unwrap();
    let subjects = Subjects::from_values(&subjects);
    let deleting = Map::parse_with(
        &format!("{profile}\n[[rows]]\nwhere = {{ column = \"fullname\", aliases = [\" Full Name\"], in = \"@subjects\" }}\naction = \"delete\"\n"),
        "systemuser + rows",
        &MapInputs {
            key: None,
            subjects: &subjects,
        },
    )
    .unwrap();

    let wd = Workdir::new();
    let inputs = [
        wd.write("in/users.xlsx", export.to_xlsx()),
        wd.write("in/users.csv", export.to_csv()),
        wd.write("in/broken.xlsx", &export.to_xlsx()[..4000]),
    ];
    let dry_run = Settings {
        dry_run: true,
        samples: 3,
        allow_uncovered: true,
        ..Settings::default()
    };
    let real = Settings {
        allow_uncovered: true,
        parts: dsr_scrub::split::PartLimits {
            max_rows: Some(25),
            max_bytes: None,
        },
        ..Settings::default()
    };
    let mut reports = Vec::new();
    let mut previews = String::new();
    for (n, (map, settings)) in [
        (&plain, &dry_run),
        (&plain, &real),
        (&deleting, &dry_run),
        (&deleting, &real),
    ]
    .into_iter()
    .enumerate()
    {
        let jobs = pipeline::plan_jobs(&inputs, &wd.path(&format!("out{n}"))).unwrap();
        for job in &jobs {
            let (report, preview) = pipeline::run_job_previewed(map, job, settings);
            previews.push_str(&format!("{preview:?}"));
            reports.push(report);
        }
    }
    let ok = |r: &&dsr_scrub::report::FileReport| r.status == Status::Ok;
    assert!(
        reports.iter().filter(ok).count() == 8
            && reports.iter().any(|r| r.status == Status::Failed)
            && reports.iter().any(|r| r.cells_changed > 0)
            && reports.iter().any(|r| r.rows_deleted > 0)
            && reports.iter().any(|r| !r.parts.is_empty())
            && reports.iter().any(|r| !r.subjects.is_empty()),
        "the scrubs ran, and filled the reports: {reports:#?}"
    );
    assert!(
        personal.iter().any(|v| previews.contains(v.as_str())),
        "the dry runs' previews show values, so the search below can find them"
    );
    for report in &reports {
        let texts = [
            ("JSON", serde_json::to_string(report).unwrap()),
            ("Debug", format!("{report:?}")),
        ];
        for (what, text) in texts {
            let lower = text.to_lowercase();
            for value in &personal {
                assert!(
                    !lower.contains(&value.to_lowercase()),
                    "the {what} of the report of {} holds a personal value",
                    report.input
                );
            }
        }
    }
}

/// A file saved without its header row: row 1 is a record, which would be taken for the
/// column names and shown, written into a starter map and left in the output. `scrub` fails
/// the file saying so; `inspect` judges its columns on their values and never shows row 1, and
/// writes no map with it.
#[test]
fn a_file_without_its_header_row_shows_none_of_its_first_record() {
    let export = testdata::disabled_users(&Options {
        rows: 12,
        ..Options::default()
    });
    let csv = String::from_utf8(export.to_csv()).unwrap();
    let (_, records) = csv.split_once("\r\n").unwrap();
    let first = searchable(
        export.rows[0]
            .iter()
            .filter_map(|v| match v {
                testdata::Value::Text(t) if t.chars().count() >= 5 => Some(t.clone()),
                _ => None,
            })
            .collect(),
    );
    assert!(first.len() >= 5, "the first record has values to look for");
    let wd = Workdir::new();
    wd.write("users.csv", records);
    let scrub = wd.run(&["scrub", "--out-dir", "out", "users.csv"]);
    assert_eq!(scrub.code, 1, "{}", scrub.text());
    assert!(
        scrub
            .stderr
            .contains("row 1 of sheet 'users' holds values, not column names"),
        "{}",
        scrub.stderr
    );
    let inspect = wd.run(&["inspect", "users.csv"]);
    assert_eq!(inspect.code, 0, "{}", inspect.text());
    assert!(
        inspect
            .stdout
            .contains("row 1 holds values, not column names"),
        "{}",
        inspect.stdout
    );
    let emit = wd.run(&["inspect", "--emit-map", "map.toml", "users.csv"]);
    let mut shown = format!("{}{}{}", scrub.text(), inspect.text(), emit.text());
    for written in ["out/scrub-report.json", "map.toml"] {
        if wd.exists(written) {
            shown.push_str(&String::from_utf8_lossy(&wd.read(written)));
        }
    }
    let shown = shown.to_lowercase();
    for value in &first {
        assert!(
            !shown.contains(&value.to_lowercase()),
            "a value of row 1 is shown"
        );
    }
}

/// A sheet or a header named after someone whose name the scrub removes (a user of the export;
/// with `--subject`, a word of the subject's name alone) is named by position and by letter in
/// messages and in the report; an ordinary sheet name and header are still printed.
#[test]
fn a_sheet_or_header_holding_a_removed_value_is_not_printed() {
    let export = testdata::disabled_users(&Options {
        rows: 20,
        ..Options::default()
    });
    let text = |row: usize, logical: &str| match &export.rows[row]
        [export.column_index(logical).unwrap()]
    {
        testdata::Value::Text(s) => s.clone(),
        other => panic!("{other:?}"),
    };
    let (full, last) = (text(0, "fullname"), text(3, "lastname"));
    let xlsx = export.to_xlsx();
    fn contacts(name: &str) -> Vec<Vec<&str>> {
        vec![
            vec!["Private Email", name],
            vec!["a.b@fabrikam.com", "+44 20 7946 0123"],
            vec!["c.d@fabrikam.com", "+44 20 7946 0124"],
        ]
    }
    let wd = Workdir::new();
    let header = format!("{full} phone");
    wd.write(
        "sheet.xlsx",
        testdata::with_sheet(&xlsx, &full, true, &contacts("Phone")),
    );
    wd.write(
        "header.xlsx",
        testdata::with_sheet(&xlsx, "Contacts", false, &contacts(&header)),
    );
    let last_header = format!("{last} phone");
    wd.write(
        "last.xlsx",
        testdata::with_sheet(&xlsx, &last, true, &contacts("Phone")),
    );
    wd.write(
        "last-header.xlsx",
        testdata::with_sheet(&xlsx, "Contacts", false, &contacts(&last_header)),
    );
    let subject = text(3, "fullname");
    for (args, name, shown) in [
        (&["scrub", "--out-dir", "a", "sheet.xlsx"][..], &full, "sheet #3 is left as it is (it is hidden"),
        (&["scrub", "--out-dir", "b", "header.xlsx"], &full, "'Private Email' (column A, email address), column B (phone number) in sheet 'Contacts'"),
        (&["scrub", "--out-dir", "c", "--subject", &subject, "last.xlsx"], &last, "sheet #3 is left as it is"),
        (&["scrub", "--out-dir", "d", "--subject", &subject, "last-header.xlsx"], &last, "column B (phone number) in sheet 'Contacts'"),
        (&["scrub", "--out-dir", "e", "--allow-uncovered", "sheet.xlsx"], &full, "\"sheet\": \"#3\""),
    ] {
        let run = wd.run(args);
        let dir = args[2];
        let printed = format!("{}{}", run.text(), String::from_utf8(wd.read(&format!("{dir}/scrub-report.json"))).unwrap());
        assert_eq!(run.code, 1, "{args:?}: {printed}");
        assert!(printed.contains(shown), "{args:?}: {printed}");
        assert!(!printed.to_lowercase().contains(&name.to_lowercase()), "{args:?}: {printed}");
    }
    // The last name alone is not masked without the subject: it is no removed value then, and
    // the sheet is named as it is.
    let run = wd.run(&[
        "scrub",
        "--out-dir",
        "f",
        "--subject",
        "someone@example.com",
        "last.xlsx",
    ]);
    assert!(
        run.text().contains(&format!("sheet '{last}' is left")),
        "{}",
        run.text()
    );
}
