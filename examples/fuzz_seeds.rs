//! Writes the seed corpus for the fuzz targets in `fuzz/` from the fixture generator.
//!
//! ```text
//! cargo run --example fuzz_seeds -- fuzz/corpus     # corpus/{map_parse,xlsx_scrub,csv_scrub}/
//! ```

use dsr_scrub::testdata::{disabled_users, Options, RawBook};
use std::path::{Path, PathBuf};

fn main() -> std::io::Result<()> {
    let out = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("fuzz/corpus"), PathBuf::from);
    let write = |target: &str, name: &str, bytes: &[u8]| -> std::io::Result<()> {
        let dir = out.join(target);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(name), bytes)
    };
    for profile in dsr_scrub::profiles::PROFILES {
        write(
            "map_parse",
            &format!("{}.toml", profile.name),
            profile.toml.as_bytes(),
        )?;
    }
    write(
        "map_parse",
        "readme.toml",
        include_str!("../docs/map.md")
            .split("```toml\n")
            .nth(1)
            .and_then(|s| s.split("```").next())
            .unwrap_or("version = 1\n")
            .as_bytes(),
    )?;
    for (seed, rows, formula_column, extra_sheet) in [
        (1, 3, false, false),
        (2, 6, true, true),
        (3, 1, false, true),
    ] {
        let export = disabled_users(&Options {
            rows,
            seed,
            formula_column,
            extra_sheet,
        });
        write(
            "xlsx_scrub",
            &format!("export-{seed}.xlsx"),
            &export.to_xlsx(),
        )?;
        write("csv_scrub", &format!("export-{seed}.csv"), &export.to_csv())?;
    }
    let edge = RawBook {
        date1904: true,
        sheets: vec![(
            "Users".into(),
            concat!(
                r#"<dimension ref="A1:C3"/><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>Note</t></is></c><c r="C1" t="inlineStr"><is><t>Born</t></is></c></row>"#,
                r#"<row r="2"><c r="A2" t="inlineStr"><is><r><t>Jo</t></r><r><rPr><b/></rPr><t>sé</t></r></is></c><c r="B2" t="s"><v>1</v></c><c r="C2" s="1"><v>40000</v></c></row>"#,
                r#"<row r="3"><c r="A3"><f>B2&amp;"x"</f><v>1</v></c><c r="B3" t="inlineStr"><is><t xml:space="preserve"> a_x000D_b </t></is></c></row></sheetData>"#,
                r#"<mergeCells count="1"><mergeCell ref="B3:C3"/></mergeCells>"#,
            )
            .into(),
        )],
        shared_strings: Some(vec![
            "<si><t>First Name</t></si>".into(),
            r#"<si><r><t>rich </t></r><r><rPr><i/></rPr><t>text</t></r></si>"#.into(),
        ]),
    };
    write("xlsx_scrub", "edge.xlsx", &edge.to_xlsx())?;
    write(
        "csv_scrub",
        "edge.csv",
        b"First Name,Note\r\n\"Jo\r\n\",\"a\0b\"\r\n=1+1,-12.5,extra\r\n@x\r\n",
    )?;
    write(
        "csv_scrub",
        "utf16.csv",
        &utf16le("Name;Email\r\nSøren;s@example.com\r\n"),
    )?;
    write("csv_scrub", "ansi.csv", b"Name,City\nJos\xE9,Troms\xF8\n")?;
    println!("seed corpus written to {}", Path::new(&out).display());
    Ok(())
}

fn utf16le(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    out
}
