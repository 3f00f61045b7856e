//! `scrub` on CSV exports: same dialect out as in.

use crate::workdir::{with_csv_column, Workdir};
use dsr_scrub::error::column_letters;
use dsr_scrub::testdata::{self, Options, Value};

#[test]
fn csv_keeps_its_dialect_and_loses_its_personal_data() {
    let export = testdata::disabled_users(&Options {
        rows: 80,
        ..Options::default()
    });
    let wd = Workdir::new();
    let input = export.to_csv();
    wd.write("users.csv", &input);
    let run = wd.run(&["scrub", "users.csv"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let output = wd.read("scrubbed/users.csv");
    assert!(output.starts_with(b"\xEF\xBB\xBF"), "BOM kept");
    assert_eq!(
        input.split(|&b| b == b'\n').next(),
        output.split(|&b| b == b'\n').next(),
        "header line identical"
    );
    assert!(
        output.windows(2).filter(|w| w == b"\r\n").count() >= 81,
        "CRLF kept"
    );
    let read = |bytes: &[u8]| -> Vec<Vec<String>> {
        ::csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(&bytes[3..])
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    };
    let (before, after) = (read(&input), read(&output));
    assert_eq!(before.len(), after.len());
    for (c, column) in export.columns.iter().enumerate() {
        for r in 1..before.len() {
            let (b, a) = (&before[r][c], &after[r][c]);
            if column.personal && !b.is_empty() {
                assert_ne!(b, a, "{} row {}", column.header, r + 1);
                assert!(
                    !a.starts_with(['=', '+', '-', '@']),
                    "formula-like value {a:?}"
                );
            } else if !column.personal {
                assert_eq!(b, a, "{} row {}", column.header, r + 1);
            }
        }
    }
}

#[test]
fn semicolon_csv_without_bom_round_trips() {
    let wd = Workdir::new();
    let input =
        "Vorname;Nachname;Abteilung\nJürgen;Müller;\"Vertrieb; Nord\"\nAyşe;Yılmaz;Support\n";
    wd.write("kontakte.csv", input);
    wd.write(
        "map.toml",
        "version = 1\n[columns]\nVorname = { action = \"replace\", value = \"Gelöscht {row}\" }\nNachname = \"clear\"\n",
    );
    let run = wd.run(&["scrub", "-q", "--map", "map.toml", "kontakte.csv"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let output = String::from_utf8(wd.read("scrubbed/kontakte.csv")).unwrap();
    assert_eq!(
        output,
        "Vorname;Nachname;Abteilung\nGelöscht 2;;\"Vertrieb; Nord\"\nGelöscht 3;;Support\n"
    );
}

/// An export whose first line tells Excel its delimiter (`sep=,`, as people add so that Excel
/// opens a file the same in every locale) is scrubbed as the same export without that line,
/// which is written back first; `verify` passes it, and finds a removed value put back.
#[test]
fn csv_with_a_separator_line_is_scrubbed_as_without_it_and_keeps_it() {
    let export = testdata::disabled_users(&Options {
        rows: 40,
        ..Options::default()
    });
    let plain = export.to_csv();
    let mut with_line = b"sep=,\r\n".to_vec();
    with_line.extend_from_slice(&plain);
    let wd = Workdir::new();
    wd.write("plain/users.csv", &plain);
    wd.write("sep/users.csv", &with_line);
    for dir in ["plain", "sep"] {
        let input = format!("{dir}/users.csv");
        let out = format!("{dir}/out");
        let run = wd.run(&["scrub", "-q", "--out-dir", &out, &input]);
        assert_eq!(run.code, 0, "{dir}: {}", run.text());
    }
    let scrubbed = wd.read("plain/out/users.csv");
    assert_ne!(scrubbed, plain, "the plain export is scrubbed");
    let mut expected = b"sep=,\r\n".to_vec();
    expected.extend_from_slice(&scrubbed);
    assert!(
        wd.read("sep/out/users.csv") == expected,
        "the same scrub, the line kept"
    );
    assert_eq!(
        wd.read("sep/out/users.changes.csv"),
        wd.read("plain/out/users.changes.csv")
    );
    let verify = wd.run(&["verify", "sep/users.csv", "sep/out/users.csv"]);
    assert_eq!(verify.code, 0, "{}", verify.text());
    // The first user's email put back: a leak.
    let testdata::Value::Text(email) =
        &export.rows[0][export.column_index("internalemailaddress").unwrap()]
    else {
        panic!("an email")
    };
    let scrubbed = String::from_utf8(wd.read("sep/out/users.csv")).unwrap();
    let leaked = scrubbed.replacen(",,", &format!(",{email},"), 1);
    wd.write("sep/leaked.csv", leaked);
    let verify = wd.run(&["verify", "sep/users.csv", "sep/leaked.csv"]);
    assert_eq!(verify.code, 3, "{}", verify.text());
}

#[test]
fn csv_without_a_record_id_uses_row_numbers_in_templates() {
    let wd = Workdir::new();
    wd.write("a.csv", "Full Name,Team\nAoife Byrne,Ops\n");
    wd.write("map.toml", "version = 1\n[columns]\n\"Full Name\" = { action = \"replace\", value = \"Deleted User {id8}\" }\n");
    let run = wd.run(&["scrub", "-q", "--map", "map.toml", "a.csv"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert_eq!(
        wd.read("scrubbed/a.csv"),
        b"Full Name,Team\nDeleted User 2,Ops\n"
    );
}

/// Excel's "Unicode Text" (UTF-16 with a BOM) and "CSV (Comma delimited)" (Windows-1252 on
/// Western Windows) are read, scrubbed and written back in their own encoding.
#[test]
fn csv_in_utf16_and_windows_1252_keeps_its_encoding() {
    let text = "Vorname;Nachname;Stadt\r\nJosé;Müller;Tromsø\r\nSøren;Ærø;Zürich\r\n";
    let scrubbed = "Vorname;Nachname;Stadt\r\nGelöscht 2;;Tromsø\r\nGelöscht 3;;Zürich\r\n";
    let utf16 = |text: &str, le: bool| -> Vec<u8> {
        let mut out = if le {
            vec![0xFF, 0xFE]
        } else {
            vec![0xFE, 0xFF]
        };
        for unit in text.encode_utf16() {
            out.extend(if le {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            });
        }
        out
    };
    let windows_1252 = |text: &str| -> Vec<u8> {
        // Every character of these texts is in Latin-1, where Windows-1252 agrees.
        text.chars()
            .map(|c| u8::try_from(c as u32).unwrap())
            .collect()
    };
    for (name, input, expected, encoding) in [
        (
            "le.csv",
            utf16(text, true),
            utf16(scrubbed, true),
            "UTF-16LE",
        ),
        (
            "be.csv",
            utf16(text, false),
            utf16(scrubbed, false),
            "UTF-16BE",
        ),
        (
            "ansi.csv",
            windows_1252(text),
            windows_1252(scrubbed),
            "Windows-1252",
        ),
    ] {
        let wd = Workdir::new();
        wd.write(name, &input);
        wd.write(
            "map.toml",
            "version = 1\n[columns]\nVorname = { action = \"replace\", value = \"Gelöscht {row}\" }\nNachname = \"clear\"\n",
        );
        let run = wd.run(&[
            "scrub",
            "--allow-uncovered",
            "-q",
            "--map",
            "map.toml",
            name,
        ]);
        assert_eq!(run.code, 0, "{name}: {}", run.text());
        assert_eq!(wd.read(&format!("scrubbed/{name}")), expected, "{name}");
        let report: serde_json::Value =
            serde_json::from_slice(&wd.read("scrubbed/scrub-report.json")).unwrap();
        assert_eq!(report["files"][0]["encoding"], encoding, "{name}");
        // verify reads it the same way.
        let run = wd.run(&[
            "verify",
            "--map",
            "map.toml",
            name,
            &format!("scrubbed/{name}"),
        ]);
        assert_eq!(run.code, 0, "{name}: {}", run.text());
    }
}

/// A replacement that Windows-1252 cannot hold fails the file, naming the cell, not the value.
#[test]
fn replacement_outside_windows_1252_fails_the_file() {
    let wd = Workdir::new();
    wd.write("ansi.csv", b"Name,City\nJos\xE9,Troms\xF8\n");
    wd.write(
        "map.toml",
        "version = 1\n[columns]\nName = { action = \"replace\", value = \"削除済み\" }\n",
    );
    let run = wd.run(&[
        "scrub",
        "--allow-uncovered",
        "-q",
        "--map",
        "map.toml",
        "ansi.csv",
    ]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.stderr.contains("ansi.csv: sheet 'ansi', cell A2: the new value has a character that the CSV's encoding (Windows-1252) cannot hold"),
        "{}",
        run.stderr
    );
    assert!(!wd.exists("scrubbed/ansi.csv"));
}

/// `--neutralize-formulas`: every data cell that starts like a formula gets a leading `'`, kept
/// columns included; plain numbers and the header row are left alone; the report and the
/// summary count them; verify accepts the escaped cells as kept.
#[test]
fn neutralize_formulas_escapes_formula_like_cells() {
    let wd = Workdir::new();
    let input = "Name,Note,Amount,Phone\n\
                 Jane Doe,\"=HYPERLINK(\"\"http://x.invalid\"\")\",-12.5,+44 20 7946 0000\n\
                 John Roe,@SUM(A1:A2),+3,\tx\n\
                 Ann Poe,-cmd|' /C calc'!A0,1e-5,\"\rcr\"\n";
    wd.write("in.csv", input);
    wd.write("map.toml", "version = 1\n[columns]\nName = \"clear\"\n");
    let run = wd.run(&[
        "scrub",
        "--allow-uncovered",
        "--map",
        "map.toml",
        "--out-dir",
        "plain",
        "in.csv",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert_eq!(
        wd.read("plain/in.csv"),
        input
            .replace("Jane Doe", "")
            .replace("John Roe", "")
            .replace("Ann Poe", "")
            .as_bytes(),
        "without the flag, kept cells stay as they are"
    );
    let run = wd.run(&[
        "scrub",
        "--allow-uncovered",
        "--verify",
        "--neutralize-formulas",
        "--map",
        "map.toml",
        "in.csv",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert_eq!(
        String::from_utf8(wd.read("scrubbed/in.csv")).unwrap(),
        "Name,Note,Amount,Phone\n\
         ,\"'=HYPERLINK(\"\"http://x.invalid\"\")\",-12.5,'+44 20 7946 0000\n\
         ,'@SUM(A1:A2),+3,'\tx\n\
         ,'-cmd|' /C calc'!A0,1e-5,\"'\rcr\"\n"
    );
    assert!(
        run.stderr
            .contains("3 cells changed, 6 formula-like cells neutralized"),
        "{}",
        run.stderr
    );
    let report: serde_json::Value =
        serde_json::from_slice(&wd.read("scrubbed/scrub-report.json")).unwrap();
    assert_eq!(report["files"][0]["formulas_neutralized"], 6);
    let run = wd.run(&["verify", "--map", "map.toml", "in.csv", "scrubbed/in.csv"]);
    assert_eq!(run.code, 0, "{}", run.text());
    // Without the flag the report has no count at all.
    let report: serde_json::Value =
        serde_json::from_slice(&wd.read("plain/scrub-report.json")).unwrap();
    assert!(report["files"][0].get("formulas_neutralized").is_none());
}

#[test]
fn both_changes_layouts_list_the_same_cells_of_a_csv() {
    let export = testdata::disabled_users(&Options {
        rows: 60,
        ..Options::default()
    });
    let wd = Workdir::new();
    wd.write("users.csv", export.to_csv());
    let (rows, cells) = crate::scrub_xlsx::changes_in_both_layouts(&wd, "users.csv");
    let (r, c) = (
        dsr_scrub::changes::read(&rows).unwrap(),
        dsr_scrub::changes::read(&cells).unwrap(),
    );
    assert_eq!(r, c);
    assert!(c.iter().any(|l| l.action == "pseudonymize"));
    assert!(rows.len() * 2 < cells.len());
    assert_eq!(wd.read("rows/users.csv"), wd.read("cells/users.csv"));
}

/// A hand-edited CSV where a value got an unquoted comma (`Engineer, Senior`): the record has a
/// field more than the header, and every value after the comma sits one column to the right,
/// where the map would scrub it as another column's (an address kept as a Business Unit). The
/// file fails, streamed or read whole (`--verify`), naming the line and never a value, and
/// nothing is written; the other files of the run still finish.
#[test]
fn a_record_whose_values_shifted_fails_the_file_naming_its_line() {
    let export = testdata::disabled_users(&Options {
        rows: 30,
        ..Options::default()
    });
    let column = export.column_index("jobtitle").expect("a Job Title column");
    let (row, title) = export
        .rows
        .iter()
        .enumerate()
        .skip(5)
        .find_map(|(r, values)| match &values[column] {
            testdata::Value::Text(t) if !t.contains(',') && !t.contains('"') => {
                Some((r, t.clone()))
            }
            _ => None,
        })
        .expect("a row with a Job Title");
    let csv = String::from_utf8(export.to_csv()).unwrap();
    let at = csv
        .find(&format!(",{title},"))
        .expect("the title in the CSV");
    let line = csv[..at].matches('\n').count() + 1;
    let edited = csv.replacen(&format!(",{title},"), &format!(",{title}, Senior,"), 1);
    let wd = Workdir::new();
    wd.write("in/edited.csv", edited);
    wd.write("in/fine.csv", &csv);
    for whole in [None, Some("--verify")] {
        let (failed, output) = wd.scrub_failing(whole.as_slice(), 1);
        assert!(
            failed[0].contains(&format!(
                "edited.csv: the CSV record at line {line} has 33 fields but the header has 32"
            )),
            "{whole:?} (row {row}): {}",
            failed[0]
        );
        assert!(!output.contains(&title), "no value in the messages");
        assert!(!wd.exists("out/edited.csv"));
        assert!(
            wd.exists("out/fine.csv"),
            "{whole:?}: the other file finishes"
        );
        std::fs::remove_dir_all(wd.path("out")).unwrap();
    }
}

/// A hand-edited CSV where a description got a line break outside quotes: the record is cut in
/// two, and the second half starts a record of its own, its values (a phone number among them)
/// in the first columns, the record id column included, which no action changes, and which
/// `{id8}` would copy into replacements. A record id that is not a record GUID fails the file,
/// streamed or read whole, naming the cell and never a value; a typed-over id in an xlsx (the
/// Excel layout and the raw layout, the one pass and `--rebuild`) fails the same way.
#[test]
fn a_record_id_that_is_no_guid_fails_the_file_naming_the_cell() {
    // Below the rows the plan reads first, so the checks of the whole stream find it.
    let rows = dsr_scrub::inspect::VALUE_SAMPLE + 40;
    let at = dsr_scrub::inspect::VALUE_SAMPLE + 20;
    let mut export = testdata::disabled_users(&Options {
        rows,
        ..Options::default()
    });
    let description = export.column_index("description").expect("Description");
    let phone = "+46 70 999 88 77";
    export.rows[at][description] = testdata::Value::Text(format!("Call me at {phone}"));
    let csv = String::from_utf8(export.to_csv()).unwrap();
    let split = csv.replacen(
        &format!(",Call me at {phone},"),
        &format!(",Call me\r\nat {phone},"),
        1,
    );
    assert_ne!(split, csv, "the description is in the CSV unquoted");
    let wd = Workdir::new();
    wd.write("in/split.csv", split);
    for whole in [None, Some("--verify")] {
        let (failed, text) = wd.scrub_failing(whole.as_slice(), 1);
        assert!(
            failed[0].contains(&format!(
                "split.csv: sheet 'split', cell A{} is in the record id column but holds no record GUID",
                at + 3
            )),
            "{whole:?}: {}",
            failed[0]
        );
        assert!(!text.contains("999 88"), "no value in the messages");
        assert!(!wd.exists("out/split.csv"));
    }

    let mut typed = export.clone();
    typed.rows[at][description] = testdata::Value::Empty;
    typed.rows[at][0] = testdata::Value::Text(format!("ask {phone}"));
    let wd = Workdir::new();
    wd.write("in/users.xlsx", typed.to_xlsx());
    wd.write("in/raw.xlsx", typed.to_dynamics_raw_xlsx());
    wd.write("in/users.csv", typed.to_csv());
    for rebuild in [None, Some("--rebuild")] {
        let (failed, text) = wd.scrub_failing(rebuild.as_slice(), 3);
        for line in failed {
            assert!(
                line.contains(&format!(
                    "cell A{} is in the record id column but holds no record GUID",
                    at + 2
                )),
                "{rebuild:?}: {line}"
            );
        }
        assert!(!text.contains("999 88"), "no value in the messages");
        assert!(wd
            .files()
            .iter()
            .all(|f| !f.starts_with("out/") || f.ends_with(".json")));
    }
}

/// A kept CSV field that Excel computes on opening (`="Karim"&" "&"Al-Farsi"`) holding a
/// removed value, even one word, fails the file: the formula shows the whole value.
#[test]
fn a_kept_formula_field_holding_a_removed_value_fails() {
    let wd = Workdir::new();
    wd.write(
        "users.csv",
        "Full Name,First Name,Last Name,Primary Email,Notes\n\
         Karim Al-Farsi,Karim,Al-Farsi,karim@contoso.com,-\n\
         Aoife Byrne,Aoife,Byrne,aoife@contoso.com,\"=\"\"Karim\"\"&\"\" \"\"&\"\"Al-Farsi\"\"\"\n",
    );
    let run = wd.run(&["scrub", "--allow-uncovered", "users.csv"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(run.stderr.contains("Notes"), "{}", run.stderr);
    assert!(!run.text().contains("Farsi"), "no value in the messages");
}

/// A removed email address in the path of its owner's personal site (OneDrive, SharePoint) in a
/// kept column fails the file: that form names the person as the address does.
#[test]
fn a_removed_email_in_a_personal_site_path_fails() {
    let wd = Workdir::new();
    wd.write(
        "users.csv",
        "Full Name,Primary Email,Site\n\
         Karim Al-Farsi,karim.al-farsi@contoso.com,-\n\
         Aoife Byrne,aoife@contoso.com,https://contoso-my.sharepoint.com/personal/karim_al-farsi_contoso_com/Documents\n",
    );
    let run = wd.run(&["scrub", "--allow-uncovered", "users.csv"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(run.stderr.contains("Site"), "{}", run.stderr);
    assert!(!run.text().contains("farsi"), "no value in the messages");
}

/// A column headed by a person's name, email or phone number (a tracking column someone added,
/// its values `n/a`) in a CSV whose rows the map scrubs: the header row, which the map never
/// changes, holds a value the scrub removed from that person's row. Streamed (every row, the
/// default) or read whole (`--verify`), comma- or semicolon-separated, the file fails naming
/// the header's cell by its column letter and never the value, and nothing is written.
#[test]
fn a_removed_value_in_a_csv_header_fails_the_file() {
    let export = testdata::disabled_users(&Options {
        rows: 20,
        ..Options::default()
    });
    let text = |row: usize, logical: &str| match &export.rows[row]
        [export.column_index(logical).unwrap()]
    {
        Value::Text(t) => t.clone(),
        _ => String::new(),
    };
    let row = (0..export.rows.len())
        .find(|&r| text(r, "middlename").is_empty())
        .expect("a user without a middle name");
    let (first, last) = (text(row, "firstname"), text(row, "lastname"));
    let headers = [
        text(row, "fullname"),
        format!("{last}, {first}"),
        format!("Backup {}", text(row, "internalemailaddress")),
        format!("Call {}", text(row, "mobilephone")),
    ];
    let cell = format!("cell {}1", column_letters(export.columns.len() as u32));
    for header in &headers {
        for delimiter in [b',', b';'] {
            let wd = Workdir::new();
            let csv = with_csv_column(&export.to_csv(), header, "n/a", delimiter);
            wd.write("in/users.csv", csv);
            for whole in [None, Some("--verify")] {
                let (failed, output) = wd.scrub_failing(whole.as_slice(), 1);
                assert!(
                    failed[0].contains("users.csv")
                        && failed[0].contains(&cell)
                        && failed[0].contains("header cell"),
                    "{header:?} {whole:?}: {}",
                    failed[0]
                );
                assert!(
                    !output.contains(&last),
                    "no value in the messages: {output}"
                );
                assert!(!wd.exists("out/users.csv"));
                std::fs::remove_dir_all(wd.path("out")).unwrap();
            }
        }
    }
}

/// A CSV's dates and times are text (`12/31/2023 10:15`), and their digits, grouped by `/`
/// and a space, are no phone number: a removed mobile number of the same digits
/// (`+1 231 202 310`) does not fail the file over a kept Created On.
#[test]
fn a_date_in_a_kept_column_is_no_copy_of_a_removed_phone_number() {
    let mut export = testdata::disabled_users(&Options {
        rows: 20,
        ..Options::default()
    });
    let (phone, created) = (
        export
            .column_index("mobilephone")
            .expect("a Mobile Phone column"),
        export
            .column_index("createdon")
            .expect("a Created On column"),
    );
    export.rows[0][phone] = Value::Text("+1 231 202 310".into());
    export.rows[1][created] = Value::Text("12/31/2023 10:15".into());
    let wd = Workdir::new();
    wd.write("in/users.csv", export.to_csv());
    let run = wd.run(&["scrub", "--out-dir", "out", "in/users.csv"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let output = String::from_utf8(wd.read("out/users.csv")).expect("UTF-8");
    assert!(output.contains("12/31/2023 10:15"), "the date is kept");
    assert!(!output.contains("231 202 310"), "the phone number is gone");
    // The same number copied into a kept text is still found.
    export.rows[1][created] = Value::Text("+1 231-202-310".into());
    let wd = Workdir::new();
    wd.write("in/users.csv", export.to_csv());
    let (failed, _) = wd.scrub_failing(&[], 1);
    assert!(failed[0].contains("Created On"), "{}", failed[0]);
}
