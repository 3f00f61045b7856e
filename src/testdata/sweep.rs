//! Small workbooks for the leak sweep: a `Users` sheet the map scrubs and a `Lookup` sheet it
//! keeps, where a copy of a removed value may stand.

use super::RawBook;

/// The people of [`users_and_lookup`]'s `Users` sheet: full name, email, first name, team,
/// mobile phone.
pub const USERS: [[&str; 5]; 3] = [
    [
        "Anna Berg",
        "anna.berg@contoso.com",
        "Anna",
        "Sales",
        "+46 70 123 45 67",
    ],
    [
        "Lars Eriksson",
        "lars.eriksson@contoso.com",
        "Lars",
        "Operations",
        "+46 70 765 43 21",
    ],
    [
        "Maja Lindqvist",
        "maja.lindqvist@contoso.com",
        "Maja",
        "Finance",
        "+46 73 555 01 47",
    ],
];

/// A map that scrubs the `Users` sheet only.
pub const USERS_MAP: &str = r#"version = 1
sheets = ["Users"]
[columns]
"Full Name" = "clear"
"Email" = { action = "replace", value = "deleted-{row}@example.invalid" }
"First Name" = { action = "replace", value = "Deleted" }
"Mobile" = "clear"
"#;

fn inline(col: char, row: usize, text: &str) -> String {
    format!(
        r#"<c r="{col}{row}" t="inlineStr"><is><t>{}</t></is></c>"#,
        text.replace('&', "&amp;").replace('<', "&lt;")
    )
}

fn sheet(headers: &[&str], rows: &[Vec<&str>]) -> String {
    let letters = ['A', 'B', 'C', 'D', 'E', 'F'];
    let mut xml = String::from("<sheetData>");
    let mut push = |r: usize, cells: &[&str]| {
        xml.push_str(&format!(r#"<row r="{r}">"#));
        for (c, text) in cells.iter().enumerate() {
            xml.push_str(&inline(letters[c], r, text));
        }
        xml.push_str("</row>");
    };
    push(1, headers);
    for (i, row) in rows.iter().enumerate() {
        push(i + 2, row);
    }
    xml.push_str("</sheetData>");
    xml
}

/// A workbook with the [`USERS`] sheet and a `Lookup` sheet with columns `Contact` and `Note`
/// holding `lookup`'s rows; `markup` is appended to the `Users` sheet after its cells
/// (`<headerFooter>`, `<hyperlinks>`, ...).
pub fn users_and_lookup(lookup: &[[&str; 2]], markup: &str) -> Vec<u8> {
    users_and_sheets(lookup, markup, None)
}

/// [`users_and_lookup`] with a third sheet, `Calc`, whose XML inside `<worksheet>` is `calc`.
pub fn users_and_sheets(lookup: &[[&str; 2]], markup: &str, calc: Option<&str>) -> Vec<u8> {
    let users: Vec<Vec<&str>> = USERS.iter().map(|u| u.to_vec()).collect();
    let lookup: Vec<Vec<&str>> = lookup.iter().map(|l| l.to_vec()).collect();
    RawBook {
        sheets: vec![
            (
                "Users".into(),
                format!(
                    "{}{markup}",
                    sheet(
                        &["Full Name", "Email", "First Name", "Team", "Mobile"],
                        &users
                    )
                ),
            ),
            ("Lookup".into(), sheet(&["Contact", "Note"], &lookup)),
        ]
        .into_iter()
        .chain(calc.map(|c| ("Calc".to_string(), c.to_string())))
        .collect(),
        ..RawBook::default()
    }
    .to_xlsx()
}

/// A picture's bytes: a PNG signature and `len` pseudo-random bytes (from `seed`), with
/// `planted` written over them in the middle, as a comment or an EXIF field carries text. Random
/// bytes read as Latin-1 spell short words by chance; `planted` makes sure one is there.
pub fn picture(seed: u64, len: usize, planted: &[u8]) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend((0..len).map(|_| rng.u8(..)));
    let at = bytes.len() / 2;
    let end = (at + planted.len()).min(bytes.len());
    bytes[at..end].copy_from_slice(&planted[..end - at]);
    bytes
}

/// The part [`with_picture`] adds.
pub const PICTURE_PART: &str = "xl/media/image1.png";

/// A copy of the package `xlsx` with `picture` added as [`PICTURE_PART`] (a picture no drawing
/// shows yet, as a workbook keeps one whose shape was deleted), with its content type.
pub fn with_picture(xlsx: &[u8], picture: &[u8]) -> Vec<u8> {
    use std::io::{Cursor, Read, Write};
    let mut zip = zip::ZipArchive::new(Cursor::new(xlsx)).expect("a generated package");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).expect("a generated package");
        if entry.name().is_ok_and(|n| n == "[Content_Types].xml") {
            let mut types = String::new();
            entry
                .read_to_string(&mut types)
                .expect("a generated package");
            let types = types.replacen(
                "<Default ",
                r#"<Default Extension="png" ContentType="image/png"/><Default "#,
                1,
            );
            out.start_file("[Content_Types].xml", options)
                .expect("a zip in memory");
            out.write_all(types.as_bytes()).expect("a zip in memory");
        } else {
            out.raw_copy_file(entry).expect("a zip in memory");
        }
    }
    out.start_file(PICTURE_PART, options)
        .expect("a zip in memory");
    out.write_all(picture).expect("a zip in memory");
    out.finish().expect("a zip in memory").into_inner()
}
