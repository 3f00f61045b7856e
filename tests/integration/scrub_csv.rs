//! `scrub` on CSV exports: same dialect out as in.

use crate::workdir::Workdir;
use dsr_scrub::testdata::{self, Options};

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
