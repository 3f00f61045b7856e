//! Bad inputs and bad maps: one clear line, the documented exit code, the rest of the batch done.

use crate::workdir::Workdir;
use dsr_scrub::testdata::{self, Options};

fn good_xlsx() -> Vec<u8> {
    testdata::disabled_users(&Options {
        rows: 5,
        ..Options::default()
    })
    .to_xlsx()
}

/// The lines of stderr that report a problem.
fn error_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains("FAILED") || l.contains("error:"))
        .collect()
}

/// Run on one bad input next to a good one: exit 1, one error line naming the bad file, the good
/// file still scrubbed.
fn assert_file_fails(name: &str, bytes: &[u8], expected: &str) {
    let wd = Workdir::new();
    wd.write("in/good.xlsx", good_xlsx());
    wd.write(&format!("in/{name}"), bytes);
    let run = wd.run(&["scrub", "in/good.xlsx", &format!("in/{name}")]);
    assert_eq!(run.code, 1, "{}", run.text());
    let errors = error_lines(&run.stderr);
    assert_eq!(errors.len(), 1, "{}", run.stderr);
    assert!(
        errors[0].contains(name) && errors[0].contains(expected),
        "{}",
        errors[0]
    );
    assert!(
        wd.exists("scrubbed/good.xlsx"),
        "the good file is still written"
    );
    assert!(
        !wd.exists(&format!("scrubbed/{name}")),
        "no output for the bad file"
    );
    let report: serde_json::Value =
        serde_json::from_slice(&wd.read("scrubbed/scrub-report.json")).unwrap();
    assert_eq!(report["totals"]["failed"], 1);
    assert_eq!(report["files"][1]["status"], "failed");
    assert!(report["files"][1]["error"]
        .as_str()
        .unwrap()
        .contains(expected));
}

#[test]
fn not_a_zip() {
    assert_file_fails(
        "renamed.xlsx",
        b"First Name,Last Name\nJos,Gar\n",
        "not an .xlsx workbook",
    );
}

#[test]
fn truncated_xlsx() {
    let bytes = good_xlsx();
    assert_file_fails(
        "cut.xlsx",
        &bytes[..bytes.len() / 2],
        "damaged or truncated",
    );
}

#[test]
fn legacy_or_encrypted_workbook() {
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.extend_from_slice(&[0; 504]);
    assert_file_fails("locked.xlsx", &ole, "password-protected");
}

#[test]
fn unsupported_extension() {
    assert_file_fails("old.xls", b"whatever", "save it as .xlsx");
}

#[test]
fn csv_with_a_utf8_bom_that_is_not_utf8() {
    assert_file_fails(
        "latin1.csv",
        b"\xEF\xBB\xBFFirst Name\nJos\xE9\n",
        "not UTF-8 text (first bad byte at line 2); save it as 'CSV UTF-8'",
    );
}

#[test]
fn csv_in_utf16_without_a_bom() {
    assert_file_fails(
        "unicode.csv",
        b"N\x00a\x00m\x00e\x00\n\x00",
        "UTF-16 text without a byte order mark",
    );
}

#[test]
fn missing_file() {
    let wd = Workdir::new();
    wd.write("good.xlsx", good_xlsx());
    let run = wd.run(&["scrub", "good.xlsx", "nope.xlsx"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let errors = error_lines(&run.stderr);
    assert_eq!(errors.len(), 1, "{}", run.stderr);
    assert!(
        errors[0].contains("nope.xlsx: file not found"),
        "{}",
        errors[0]
    );
    assert!(wd.exists("scrubbed/good.xlsx"));
}

#[test]
fn unmatched_key_fails_the_file() {
    let wd = Workdir::new();
    wd.write("users.xlsx", good_xlsx());
    wd.write(
        "map.toml",
        "version = 1\n[columns]\n\"Frist Name\" = \"clear\"\n",
    );
    let run = wd.run(&["scrub", "--map", "map.toml", "users.xlsx"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let errors = error_lines(&run.stderr);
    assert_eq!(errors.len(), 1, "{}", run.stderr);
    assert!(
        errors[0].contains("`Frist Name` matches no column"),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains("optional = true"));
}

/// A change names its column in 16 bits: a CSV whose mapped column is past the 65,536th fails
/// with a line naming the column, instead of a change landing in another column.
#[test]
fn a_mapped_column_past_the_65536th_fails_the_file() {
    let width = 65_540;
    let mut headers: Vec<String> = (0..width).map(|c| format!("Field {c}")).collect();
    headers[width - 1] = "Secret Note".to_string();
    let values: Vec<String> = (0..width).map(|c| format!("v{c}")).collect();
    let csv = format!("{}\n{}\n", headers.join(","), values.join(","));
    let wd = Workdir::new();
    wd.write("wide.csv", csv);
    wd.write(
        "map.toml",
        "version = 1\n[columns]\n\"Secret Note\" = \"clear\"\n",
    );
    let run = wd.run(&[
        "scrub",
        "--map",
        "map.toml",
        "--allow-uncovered",
        "wide.csv",
    ]);
    assert_eq!(run.code, 1, "{}", run.text());
    let errors = error_lines(&run.stderr);
    assert_eq!(errors.len(), 1, "{}", run.stderr);
    assert!(
        errors[0].contains("wide.csv")
            && errors[0].contains("`Secret Note` matches column CRXT")
            && errors[0].contains("past the 65,536 columns"),
        "{}",
        errors[0]
    );
    assert!(!wd.exists("scrubbed/wide.csv"));
}

#[test]
fn protected_column_in_the_map() {
    let wd = Workdir::new();
    wd.write("users.xlsx", good_xlsx());
    wd.write(
        "map.toml",
        "version = 1\n[columns]\nmodifiedon = \"clear\"\n",
    );
    let run = wd.run(&["scrub", "--map", "map.toml", "users.xlsx"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.stderr
            .contains("protected column '(Do Not Modify) Modified On'"),
        "{}",
        run.stderr
    );
}

/// A map problem stops the run before any file is read: exit 2, one line, nothing written.
fn assert_map_refused(map: &str, expected: &str) {
    let wd = Workdir::new();
    wd.write("users.xlsx", good_xlsx());
    wd.write("map.toml", map);
    let run = wd.run(&["scrub", "--map", "map.toml", "users.xlsx"]);
    assert_eq!(run.code, 2, "{}", run.text());
    let lines: Vec<_> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(
        lines[0].starts_with("dsr-scrub: error: map.toml:"),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains(expected), "{}", lines[0]);
    assert!(!wd.exists("scrubbed"), "nothing written");
}

#[test]
fn map_with_an_unknown_action() {
    assert_map_refused(
        "version = 1\n[columns]\n\"First Name\" = \"erase\"\n",
        "unknown variant `erase`",
    );
}

#[test]
fn map_with_a_bad_regex() {
    assert_map_refused(
        "version = 1\n[columns]\nDescription = { action = \"regex\", pattern = \"([a-z\" }\n",
        "bad `pattern`",
    );
}

#[test]
fn map_that_pseudonymizes_without_a_key() {
    assert_map_refused(
        "version = 1\n[columns]\n\"Primary Email\" = { action = \"pseudonymize\", as = \"email\" }\n",
        "--key-file",
    );
}

#[test]
fn map_with_an_unknown_field() {
    assert_map_refused(
        "version = 1\n[columns]\nx = { action = \"clear\", optionl = true }\n",
        "unknown field `optionl`",
    );
}

#[test]
fn map_file_missing() {
    let wd = Workdir::new();
    wd.write("users.xlsx", good_xlsx());
    let run = wd.run(&["scrub", "--map", "nope.toml", "users.xlsx"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("nope.toml: cannot read the map"),
        "{}",
        run.stderr
    );
}

#[test]
fn short_key_is_refused() {
    let wd = Workdir::new();
    wd.write("users.xlsx", good_xlsx());
    wd.write("k", "short");
    let run = wd.run(&["scrub", "--key-file", "k", "users.xlsx"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("at least 16"), "{}", run.stderr);
}

#[test]
fn unknown_profile() {
    let wd = Workdir::new();
    let run = wd.run(&["scrub", "--profile", "nobody", "x.xlsx"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("no built-in profile 'nobody'; available: systemuser"),
        "{}",
        run.stderr
    );
}

#[test]
fn bad_usage_exits_2() {
    let wd = Workdir::new();
    assert_eq!(wd.run(&["scrub"]).code, 2);
    assert_eq!(
        wd.run(&["scrub", "--map", "a", "--profile", "b", "x.xlsx"])
            .code,
        2
    );
    assert_eq!(wd.run(&["frobnicate"]).code, 2);
}

#[test]
fn profiles_are_listed_and_shown() {
    let wd = Workdir::new();
    let run = wd.run(&["profiles"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.starts_with("systemuser"), "{}", run.stdout);
    let run = wd.run(&["profiles", "show", "systemuser"]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout,
        dsr_scrub::profiles::find("systemuser").unwrap().toml
    );
    // What `show` prints is a map that works as it is.
    wd.write("map.toml", &run.stdout);
    wd.write("users.xlsx", good_xlsx());
    let run = wd.run(&["scrub", "-q", "--map", "map.toml", "users.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert_eq!(wd.run(&["profiles", "show", "nobody"]).code, 2);
}

/// An OLE compound file (what Excel writes for `.xls` and for password-protected workbooks)
/// whose directory names `streams`, as UTF-16LE like the real thing.
fn ole_file(streams: &[&str]) -> Vec<u8> {
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.resize(512, 0);
    for name in streams {
        let mut entry: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
        entry.resize(128, 0);
        ole.extend(entry);
    }
    ole
}

/// A zip holding `entries`.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in entries {
        out.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn encrypted_xlsx_is_refused() {
    assert_file_fails(
        "locked.xlsx",
        &ole_file(&["EncryptionInfo", "EncryptedPackage", "\u{6}DataSpaces"]),
        "password-protected (encrypted); open it in Excel, remove the password",
    );
}

#[test]
fn xls_renamed_to_xlsx_is_refused() {
    assert_file_fails(
        "old.xlsx",
        &ole_file(&["Root Entry", "Workbook", "\u{5}SummaryInformation"]),
        "legacy Excel 97-2003 workbook (.xls) renamed to .xlsx, which dsr-scrub cannot rewrite; open it in Excel and save it as .xlsx",
    );
}

#[test]
fn other_spreadsheet_formats_are_refused_by_name() {
    for (name, what) in [
        ("old.xls", "legacy Excel 97-2003 workbook (.xls)"),
        ("binary.xlsb", "Excel Binary workbook (.xlsb)"),
        ("calc.ods", "OpenDocument spreadsheet (.ods)"),
    ] {
        assert_file_fails(
            name,
            b"PK\x03\x04whatever",
            &format!(
                "{what}, which dsr-scrub cannot rewrite; open it in Excel and save it as .xlsx"
            ),
        );
    }
    assert_file_fails("notes.txt", b"hello", "unsupported file type '.txt'");
}

#[test]
fn other_packages_renamed_to_xlsx_are_refused() {
    assert_file_fails(
        "calc.xlsx",
        &zip_of(&[
            (
                "mimetype",
                b"application/vnd.oasis.opendocument.spreadsheet",
            ),
            ("content.xml", b"<office:document-content/>"),
        ]),
        "OpenDocument spreadsheet (.ods) renamed to .xlsx",
    );
    assert_file_fails(
        "binary.xlsx",
        &zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("xl/workbook.bin", b"\x83\x01"),
        ]),
        "Excel Binary workbook (.xlsb) renamed to .xlsx",
    );
    assert_file_fails(
        "archive.xlsx",
        &zip_of(&[("readme.txt", b"not a workbook")]),
        "not an .xlsx workbook (a zip package without a workbook in it)",
    );
}

#[test]
fn files_that_are_not_spreadsheets() {
    assert_file_fails(
        "scan.xlsx",
        b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n",
        "not an .xlsx workbook",
    );
    assert_file_fails("empty.xlsx", b"", "not an .xlsx workbook");
}

#[test]
fn files_named_csv_that_are_not_csv() {
    assert_file_fails(
        "users.csv",
        &good_xlsx(),
        "not a CSV file: this is a zip package, such as an .xlsx workbook",
    );
    assert_file_fails(
        "photo.csv",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        "not a CSV file: this is binary data",
    );
}

/// `--jobs` takes 1 to 256 worker threads: tens of thousands would exhaust the memory reserved
/// for their stacks (and 0 is no worker at all); anything else is a usage error naming the
/// range, before any input is read.
#[test]
fn jobs_out_of_range_is_a_usage_error() {
    let wd = Workdir::new();
    wd.write("in.csv", "Full Name\r\nJane Doe\r\n");
    for jobs in ["0", "257", "100000", "two"] {
        let run = wd.run(&["scrub", "--jobs", jobs, "in.csv"]);
        assert_eq!(run.code, 2, "{jobs}: {}", run.text());
        assert!(
            run.stderr.contains("give 1 to 256"),
            "{jobs}: {}",
            run.stderr
        );
        assert!(!wd.exists("scrubbed"), "{jobs}: nothing written");
    }
    let run = wd.run(&["scrub", "--jobs", "256", "--allow-uncovered", "in.csv"]);
    assert_ne!(run.code, 2, "{}", run.text());
}
