//! Resource limits, checked before anything is unpacked.

use crate::workdir::{Book, Workdir};
use dsr_scrub::testdata::{self, Options};
use std::io::{Cursor, Read, Write};

/// A generated export with its entries rewritten by `edit` and an optional extra entry.
fn tampered(edit: impl Fn(&str, Vec<u8>) -> Vec<u8>, extra: Option<(&str, Vec<u8>)>) -> Vec<u8> {
    let input = testdata::disabled_users(&Options {
        rows: 5,
        ..Options::default()
    })
    .to_xlsx();
    let mut zip = zip::ZipArchive::new(Cursor::new(&input[..])).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().into_owned();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        out.start_file(name.as_str(), options).unwrap();
        out.write_all(&edit(&name, data)).unwrap();
    }
    if let Some((name, data)) = extra {
        out.start_file(name, options).unwrap();
        out.write_all(&data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn zip_bombs_are_refused_unless_allowed() {
    let wd = Workdir::new();
    wd.write(
        "bomb.xlsx",
        tampered(
            |_, d| d,
            Some(("xl/media/padding.bin", vec![0u8; 64 << 20])),
        ),
    );
    let run = wd.run(&["scrub", "-q", "bomb.xlsx"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.stderr.contains("bomb.xlsx: a part inflates") && run.stderr.contains("--max-ratio"),
        "{}",
        run.stderr
    );
    assert!(!wd.exists("scrubbed/bomb.xlsx"));
    let run = wd.run(&[
        "scrub",
        "-q",
        "--force",
        "--max-ratio",
        "1000000",
        "bomb.xlsx",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    Book::open(wd.read("scrubbed/bomb.xlsx"));
}

#[test]
fn total_size_and_entry_count_are_limited() {
    let wd = Workdir::new();
    wd.write("users.xlsx", tampered(|_, d| d, None));
    let run = wd.run(&["scrub", "-q", "--max-unpacked", "10kB", "users.xlsx"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("unpacks to") && run.stderr.contains("--max-unpacked"),
        "{}",
        run.stderr
    );
    let run = wd.run(&["scrub", "-q", "--force", "--max-entries", "3", "users.xlsx"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("entries (limit 3)"), "{}", run.stderr);
    assert_eq!(
        wd.run(&[
            "scrub",
            "-q",
            "--force",
            "--max-unpacked",
            "lots",
            "users.xlsx"
        ])
        .code,
        2
    );
}

#[test]
fn absurd_sheet_dimensions_are_refused() {
    let wd = Workdir::new();
    let huge = tampered(
        |name, data| {
            if name == "xl/worksheets/sheet1.xml" {
                let xml = String::from_utf8(data).unwrap();
                let re = regex::Regex::new(r#"<dimension ref="[^"]*"/>"#).unwrap();
                re.replace(&xml, r#"<dimension ref="A1:XFD1048576"/>"#)
                    .into_owned()
                    .into_bytes()
            } else {
                data
            }
        },
        None,
    );
    wd.write("huge.xlsx", huge);
    let run = wd.run(&["scrub", "-q", "huge.xlsx"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.stderr.contains("declares 17179869184 cells") && run.stderr.contains("--max-cells"),
        "{}",
        run.stderr
    );
}

/// Regression: a 1 KB sheet with a header in A1 and one cell in XFD1048576, and no (or a
/// small, false) `<dimension>`, made calamine allocate the whole 17-billion-cell grid and the
/// process abort. The cells' own extent is now checked against --max-cells too.
#[test]
fn regression_far_away_cell_without_dimension_aborted_the_process() {
    for dimension in ["", r#"<dimension ref="A1"/>"#] {
        let wd = Workdir::new();
        let sheet = format!(
            r#"{dimension}<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>First Name</t></is></c></row><row r="1048576"><c t="n" r="XFD1048576"><v>1</v></c></row></sheetData>"#
        );
        wd.write(
            "far.xlsx",
            testdata::RawBook {
                sheets: vec![("Users".into(), sheet)],
                ..testdata::RawBook::default()
            }
            .to_xlsx(),
        );
        let run = wd.run(&["scrub", "-q", "far.xlsx"]);
        assert_eq!(run.code, 1, "{}", run.text());
        assert!(
            run.stderr.contains(
                "far.xlsx: sheet 'Users' has cells spanning 17179869184 cells (limit 100000000); if you trust this file, raise the limit with --max-cells"
            ),
            "{}",
            run.stderr
        );
    }
}

/// A large export whose `<dimension>` understates its cells: the cells' own span is checked
/// against --max-cells by the one pass that reads them (the sheet was only skimmed when the
/// export was opened), with the message of the check at opening; within the limit it scrubs.
#[test]
fn cells_spanning_more_than_the_limit_are_refused_by_the_pass_that_reads_them() {
    let export = testdata::disabled_users(&Options {
        rows: 5_100,
        ..Options::default()
    });
    let bytes = testdata::edit_part(&export.to_xlsx(), "xl/worksheets/sheet1.xml", |xml| {
        let xml = xml.expect("the sheet part");
        let at = xml.find("<dimension ref=\"").expect("a dimension");
        let end = at + xml[at..].find("/>").unwrap() + 2;
        format!("{}<dimension ref=\"A1\"/>{}", &xml[..at], &xml[end..])
    });
    let spanned = (export.rows.len() as u64 + 1) * export.columns.len() as u64;
    let wd = Workdir::new();
    wd.write("big.xlsx", &bytes);
    let limit = (spanned - 1).to_string();
    let run = wd.run(&["scrub", "-q", "--max-cells", &limit, "big.xlsx"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let expected = format!(
        "big.xlsx: sheet '{}' has cells spanning {spanned} cells (limit {limit}); if you trust this file, raise the limit with --max-cells",
        export.sheet_name
    );
    assert!(run.stderr.contains(&expected), "{}", run.stderr);
    assert!(!wd.exists("scrubbed/big.xlsx"));
    let run = wd.run(&[
        "scrub",
        "-q",
        "--max-cells",
        &spanned.to_string(),
        "big.xlsx",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert!(wd.exists("scrubbed/big.xlsx"));
}
