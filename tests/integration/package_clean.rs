//! The leak catalogue: one generated export per place of a package where a removed value can
//! hide. A scrub with the default profile leaves none of the planted values in any part (raw
//! scan of every decompressed part, case-insensitive, whole word), `verify` agrees, and
//! LibreOffice opens the output; where no rule can clean the place, the file fails with one line
//! naming the part.

use crate::workdir::{is_searchable, libreoffice, libreoffice_csv, Workdir};
use dsr_scrub::testdata::catalogue::{planted, Place, Planted};
use dsr_scrub::testdata::ole::{compound, ole10_native};
use std::io::{Cursor, Read};

/// Every part of a package as text: UTF-8 (or UTF-16 with a byte order mark), XML escapes and
/// percent-escapes undone.
fn part_texts(xlsx: &[u8]) -> Vec<(String, String)> {
    decoded_parts(xlsx)
        .into_iter()
        .map(|(name, text)| (name, readable(&text)))
        .collect()
}

/// Every part of a package, decoded: UTF-8, or UTF-16 with a byte order mark.
pub(crate) fn decoded_parts(xlsx: &[u8]) -> Vec<(String, String)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(xlsx)).expect("a zip");
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        let text = if data.starts_with(&[0xFF, 0xFE]) {
            let units: Vec<u16> = data[2..]
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        } else {
            String::from_utf8_lossy(&data).into_owned()
        };
        out.push((name, text));
    }
    out
}

/// A part's text with its XML escapes and percent-escapes undone.
pub(crate) fn readable(text: &str) -> String {
    let text = quick_xml::escape::unescape(text)
        .map(|t| t.into_owned())
        .unwrap_or_else(|_| text.to_string());
    percent_encoding::percent_decode_str(&text)
        .decode_utf8_lossy()
        .into_owned()
}

/// Whether `value` occurs in `text` as a whole word or phrase, ignoring case.
pub(crate) fn holds(text: &str, value: &str) -> bool {
    whole_word(value).is_match(text)
}

/// What finds `value` as a whole word or phrase, ignoring case (see [`holds`]).
pub(crate) fn whole_word(value: &str) -> regex::Regex {
    let pattern = format!(
        r"(?i)(^|[^\p{{L}}\p{{N}}]){}($|[^\p{{L}}\p{{N}}])",
        regex::escape(value)
    );
    regex::Regex::new(&pattern).unwrap()
}

fn scrubbed(place: Place) -> (Workdir, Planted) {
    let planted = planted(place);
    let wd = Workdir::new();
    wd.write("users.xlsx", &planted.xlsx);
    (wd, planted)
}

/// Scrub, search every part, verify, open in LibreOffice; returns the report's cleaning counts.
fn cleaned(place: Place) -> serde_json::Value {
    cleaned_output(place).0
}

/// [`cleaned`], with the scrubbed workbook and the planted input.
fn cleaned_output(place: Place) -> (serde_json::Value, Vec<u8>, Planted) {
    let (wd, planted) = scrubbed(place);
    // The planted values are in the input outside the cells.
    let before = part_texts(&planted.xlsx);
    for value in planted.values.iter().filter(|v| is_searchable(v)) {
        assert!(
            before
                .iter()
                .any(|(name, text)| name != "xl/sharedStrings.xml" && holds(text, value)),
            "{place:?}: a planted value is not in the input"
        );
    }
    let run = wd.run(&["scrub", "users.xlsx"]);
    assert_eq!(run.code, 0, "{place:?}: {}", run.text());
    assert!(
        run.stderr.contains("; package: "),
        "{place:?}: the summary says what the cleaning did: {}",
        run.stderr
    );
    let output = wd.read("scrubbed/users.xlsx");
    for (name, text) in part_texts(&output) {
        for value in planted.values.iter().filter(|v| is_searchable(v)) {
            assert!(
                !holds(&text, value),
                "{place:?}: {name} holds a planted value"
            );
        }
    }
    let verify = wd.run(&["verify", "users.xlsx", "scrubbed/users.xlsx"]);
    assert_eq!(verify.code, 0, "{place:?}: verify: {}", verify.text());
    if let Some(soffice) = libreoffice() {
        let csv = libreoffice_csv(&soffice, &wd.path("scrubbed/users.xlsx"), &wd)
            .expect("LibreOffice converts the output");
        assert!(
            csv.contains("Deleted"),
            "{place:?}: LibreOffice read the data sheet"
        );
    }
    let report: serde_json::Value =
        serde_json::from_slice(&wd.read("scrubbed/scrub-report.json")).unwrap();
    (report["files"][0]["cleaning"].clone(), output, planted)
}

fn count(cleaning: &serde_json::Value, kind: &str) -> u64 {
    cleaning[kind].as_u64().unwrap_or(0)
}

#[test]
fn hyperlinks_on_changed_cells_and_naming_users_are_removed() {
    let (c, output, _) = cleaned_output(Place::Hyperlinks);
    // The link whose tooltip names a user goes; the mailto link of the changed email cell now
    // points at the cell's new address.
    assert_eq!(count(&c, "links_removed"), 1, "{c}");
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(output.clone())).unwrap();
    let range = book.worksheet_range("Disabled Users").unwrap();
    let Some(Data::String(address)) = range.get_value((1, 8)) else {
        panic!("I2 holds the new address");
    };
    assert!(address.contains('@'), "the profile writes an address");
    let rels = part_texts(&output)
        .into_iter()
        .find(|(name, _)| name == "xl/worksheets/_rels/sheet1.xml.rels")
        .expect("the sheet's relationships")
        .1;
    let link = rels
        .split("<Relationship ")
        .find(|r| r.contains(r#"Id="rId9""#))
        .expect("the mailto relationship stays");
    assert!(
        link.contains(&format!(r#"Target="mailto:{address}""#)),
        "{link}"
    );
    let sheet = part_texts(&output)
        .into_iter()
        .find(|(name, _)| name == "xl/worksheets/sheet1.xml")
        .unwrap()
        .1;
    assert!(
        sheet.contains(&format!(
            r#"<hyperlink ref="I2" r:id="rId9" display="{address}"/>"#
        )),
        "the link stays and shows the new address"
    );
}

#[test]
fn cached_values_of_array_ranges_and_text_formulas_are_dropped() {
    let (c, output, planted) = cleaned_output(Place::ArrayFormulas);
    assert!(count(&c, "caches_dropped") >= 5, "{c}");
    // A numeric result computed from a removed name (its length) loses its cached value too.
    use calamine::{Data, Reader, Xlsx};
    let length = |xlsx: &[u8]| {
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(Cursor::new(xlsx.to_vec())).unwrap();
        let range = book.worksheet_range("Lookup").unwrap();
        range.get_value((1, 3)).cloned().unwrap_or(Data::Empty)
    };
    assert!(
        matches!(length(&planted.xlsx), Data::Float(_)),
        "input caches a length"
    );
    assert!(
        matches!(length(&output), Data::Empty),
        "the numeric cached value is gone: {:?}",
        length(&output)
    );
    let lookup = part_texts(&output)
        .into_iter()
        .find(|(name, _)| name == "xl/worksheets/sheet3.xml")
        .expect("the Lookup sheet");
    assert!(
        lookup.1.contains("<f>LEN('Disabled Users'!D2)</f>"),
        "the formula stays"
    );
}

#[test]
fn comments_on_changed_cells_go_and_others_are_redacted() {
    let c = cleaned(Place::Comments);
    assert_eq!(count(&c, "comments_removed"), 1, "{c}");
    assert!(count(&c, "texts_redacted") >= 3, "{c}");
}

/// The texts of column `logical` of the planted export's rows (`None` where not text).
fn column_texts(planted: &Planted, logical: &str) -> Vec<Option<String>> {
    let col = planted
        .export
        .columns
        .iter()
        .position(|c| c.logical == logical)
        .unwrap();
    planted
        .export
        .rows
        .iter()
        .map(|row| match &row[col] {
            dsr_scrub::testdata::Value::Text(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

/// An XML text inserted into a worksheet before its row 3.
fn before_row_3(xlsx: &[u8], inserted: &str) -> Vec<u8> {
    dsr_scrub::testdata::edit_part(xlsx, "xl/worksheets/sheet1.xml", |xml| {
        let xml = xml.unwrap();
        let at = xml.find("<row r=\"3\"").unwrap();
        format!("{}{inserted}{}", &xml[..at], &xml[at..])
    })
}

/// A comment naming a removed person without their accents ("Alvaro Fernandez" for "Álvaro
/// Fernández"), last name first, or with a non-breaking space names them all the same: it is
/// redacted, and the file is ok.
#[test]
fn a_comment_naming_a_removed_person_in_another_form_is_redacted() {
    use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};
    let planted = planted(Place::Comments);
    let plain = |t: &str| -> String { t.nfd().filter(|c| !is_combining_mark(*c)).collect() };
    let name = column_texts(&planted, "fullname")
        .into_iter()
        .flatten()
        .find(|t| {
            t.split_whitespace().count() == 2
                && !t.is_ascii()
                && plain(t)
                    .chars()
                    .all(|c| c.is_ascii_alphabetic() || c == ' ')
        })
        .expect("a generated export has accented names");
    let (first, last) = name.split_once(' ').unwrap();
    // Without accents, last name first, with a non-breaking space (Excel shows it as a space).
    let forms = [
        plain(&name),
        format!("{last}, {first}"),
        format!("{first}\u{a0}{last}"),
    ];
    let xlsx = dsr_scrub::testdata::edit_part(&planted.xlsx, "xl/comments1.xml", |xml| {
        let added: String = forms
            .iter()
            .zip(3..)
            .map(|(form, row)| {
                format!(
                    r#"<comment ref="C{row}" authorId="1"><text><t>Ask {form} first</t></text></comment>"#
                )
            })
            .collect();
        xml.expect("the catalogue's comments")
            .replace("</commentList>", &format!("{added}</commentList>"))
    });
    let wd = Workdir::new();
    wd.write("users.xlsx", &xlsx);
    let run = wd.run(&["scrub", "users.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let comments = part_texts(&wd.read("scrubbed/users.xlsx"))
        .into_iter()
        .find(|(part, _)| part == "xl/comments1.xml")
        .expect("the comments part stays")
        .1;
    for form in &forms {
        assert!(!holds(&comments, form), "{form}: {comments}");
    }
    assert_eq!(
        comments.matches("Ask [removed] first").count(),
        3,
        "{comments}"
    );
}

/// A header or footer holding a removed value after a colour code (Excel writes one for coloured
/// header text) or split by style toggles is cleaned, as it prints; `find` looks there too.
#[test]
fn header_codes_around_and_inside_a_value_do_not_hide_it() {
    let planted = planted(Place::Comments);
    let name = column_texts(&planted, "fullname")[4].clone().unwrap();
    let address = column_texts(&planted, "internalemailaddress")[5]
        .clone()
        .unwrap();
    let (head, tail) = name.split_at(name.find(' ').unwrap());
    let (user, domain) = address.split_once('@').unwrap();
    let header = format!(
        "<headerFooter><oddHeader>&amp;L&amp;KFF0000{name}&amp;K01+000 x</oddHeader><evenFooter>&amp;C{head}&amp;B{tail}&amp;B by {user}&amp;I@{domain}&amp;I</evenFooter></headerFooter>"
    );
    let xlsx = dsr_scrub::testdata::edit_part(&planted.xlsx, "xl/worksheets/sheet1.xml", |xml| {
        // In its place in the worksheet: before the drawings, tables and extensions.
        let xml = xml.unwrap();
        let at = [
            "<drawing",
            "<legacyDrawing",
            "<tableParts",
            "<extLst",
            "</worksheet>",
        ]
        .iter()
        .filter_map(|tag| xml.find(tag))
        .min()
        .unwrap();
        format!("{}{header}{}", &xml[..at], &xml[at..])
    });
    let wd = Workdir::new();
    wd.write("users.xlsx", &xlsx);
    let find = |file: &str| wd.run(&["find", "--subject", &name, "--subject", &address, file]);
    let found = find("users.xlsx");
    assert_eq!(found.code, 3, "{}", found.text());
    assert!(
        found.stdout.contains("part xl/worksheets/sheet1.xml"),
        "{}",
        found.stdout
    );
    let run = wd.run(&["scrub", "users.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let output = wd.read("scrubbed/users.xlsx");
    let sheet = decoded_parts(&output)
        .into_iter()
        .find(|(part, _)| part == "xl/worksheets/sheet1.xml")
        .unwrap()
        .1;
    let start = sheet.find("<headerFooter>").unwrap();
    let end = sheet.find("</headerFooter>").unwrap();
    let sheet = quick_xml::escape::unescape(&sheet[start..end])
        .unwrap()
        .into_owned();
    let printed = dsr_scrub::xlsx::clean::xml::header_footer_printed(&sheet);
    for value in [&name, &address] {
        assert!(!holds(&printed, value), "{value}: {printed}");
    }
    assert!(
        sheet.contains("&K01+000 x") && sheet.contains("&B&B by"),
        "the codes stay: {sheet}"
    );
    let found = find("scrubbed/users.xlsx");
    assert_eq!(found.code, 0, "{}", found.text());
}

/// An XML comment or processing instruction among the cells shows nowhere, but it is in the
/// file: one holding a removed value fails the scrub, and `verify` finds one put into an output.
#[test]
fn xml_comments_among_the_cells_are_searched() {
    let planted = planted(Place::Comments);
    let name = column_texts(&planted, "fullname")[2].clone().unwrap();
    let inputs = [
        ("comment.xlsx", format!("<!-- owner: {name} -->")),
        ("pi.xlsx", format!("<?owner {name}?>")),
    ]
    .map(|(file, hidden)| (file, before_row_3(&planted.xlsx, &hidden)));
    // A good output with such a comment put into it: verify finds it.
    fails_in_the_sheet_and_verify_finds(&planted.xlsx, &name, &inputs, |output| {
        before_row_3(output, &format!("<!-- {name} -->"))
    });
}

/// Each of `inputs` (file, workbook) fails the scrub naming the worksheet part, without the
/// value `name` in the message; and `verify` finds the leak in the scrub of `clean` with
/// `tamper` applied to it.
fn fails_in_the_sheet_and_verify_finds(
    clean: &[u8],
    name: &str,
    inputs: &[(&str, Vec<u8>)],
    tamper: impl Fn(&[u8]) -> Vec<u8>,
) {
    let wd = Workdir::new();
    for (file, xlsx) in inputs {
        wd.write(file, xlsx);
        let run = wd.run(&["scrub", "--out-dir", "out", file]);
        assert_eq!(run.code, 1, "{file}: {}", run.text());
        assert!(
            run.stderr.contains("xl/worksheets/sheet1.xml"),
            "{file}: {}",
            run.stderr
        );
        assert!(!run.text().contains(name), "no value in the message");
    }
    wd.write("users.xlsx", clean);
    let run = wd.run(&["scrub", "users.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    wd.write("tampered.xlsx", tamper(&wd.read("scrubbed/users.xlsx")));
    let verify = wd.run(&["verify", "users.xlsx", "tampered.xlsx"]);
    assert_eq!(verify.code, 3, "{}", verify.text());
}

#[test]
fn threaded_comments_and_persons_are_cleaned() {
    let (c, output, planted) = cleaned_output(Place::ThreadedComments);
    // The thread on the changed cell with its reply, and the person who only wrote there.
    assert_eq!(count(&c, "comments_removed"), 3, "{c}");
    let persons = |xlsx: &[u8]| {
        part_texts(xlsx)
            .into_iter()
            .find(|(name, _)| name == "xl/persons/person.xml")
            .expect("the persons part")
            .1
    };
    let only_there = "{8A1D0C4E-0000-4000-8000-000000000002}";
    let still_writing = "{8A1D0C4E-0000-4000-8000-000000000001}";
    assert!(persons(&planted.xlsx).contains(only_there));
    let after = persons(&output);
    assert!(
        !after.contains(only_there) && after.contains(still_writing),
        "{after}"
    );
}

#[test]
fn document_properties_are_cleared_and_the_thumbnail_dropped() {
    let c = cleaned(Place::DocProps);
    assert!(count(&c, "properties_cleared") >= 4, "{c}");
    assert_eq!(count(&c, "parts_dropped"), 1, "{c}");
}

#[test]
fn the_workbook_part_loses_path_user_view_and_name_values() {
    let c = cleaned(Place::WorkbookPart);
    assert_eq!(count(&c, "properties_cleared"), 1, "{c}");
    assert!(count(&c, "texts_redacted") >= 3, "{c}");
}

#[test]
fn filters_formats_validations_and_headers_are_redacted() {
    let c = cleaned(Place::SheetExtras);
    assert!(count(&c, "texts_redacted") >= 4, "{c}");
}

#[test]
fn chart_caches_titles_and_alt_text_are_redacted() {
    let c = cleaned(Place::Chart);
    assert!(count(&c, "texts_redacted") >= 3, "{c}");
}

#[test]
fn custom_xml_and_connections_are_redacted() {
    let c = cleaned(Place::CustomXmlAndConnections);
    assert!(count(&c, "texts_redacted") >= 2, "{c}");
}

#[test]
fn pivot_cache_items_and_records_are_redacted() {
    let c = cleaned(Place::PivotCache);
    assert!(count(&c, "texts_redacted") >= 3, "{c}");
}

#[test]
fn external_link_caches_and_paths_are_cleaned() {
    let c = cleaned(Place::ExternalLink);
    assert!(count(&c, "texts_redacted") >= 3, "{c}");
}

#[test]
fn revision_log_headers_users_and_logged_values_are_redacted() {
    let c = cleaned(Place::RevisionLog);
    assert!(count(&c, "texts_redacted") >= 4, "{c}");
}

#[test]
fn web_extension_settings_are_redacted() {
    let c = cleaned(Place::WebExtension);
    assert!(count(&c, "texts_redacted") >= 2, "{c}");
}

#[test]
fn number_format_literals_are_redacted() {
    let (c, output, _) = cleaned_output(Place::NumberFormat);
    assert!(count(&c, "texts_redacted") >= 1, "{c}");
    let styles = part_texts(&output)
        .into_iter()
        .find(|(name, _)| name == "xl/styles.xml")
        .expect("styles");
    assert!(
        styles
            .1
            .contains(r#"numFmtId="190" formatCode=""Owner: [removed]" @""#),
        "the format stays, its literal redacted"
    );
}

/// A number format showing a removed name in escaped or split literals (`\K\a\r\i\m`,
/// `"Ka""rim"`, `"Ka"\r"im"`), as Excel shows it, fails the file naming the part; `verify` finds
/// one in a scrubbed file.
#[test]
fn number_formats_spelling_a_removed_name_in_escapes_are_found() {
    let (export, name) = small_export();
    let clean = export.to_xlsx();
    let (head, tail) = name.split_at(name.len() / 2);
    let escaped: String = name.chars().map(|c| format!("\\{c}")).collect();
    let with_format = |xlsx: &[u8], code: &str| {
        let code = code.replace('&', "&amp;").replace('"', "&quot;");
        dsr_scrub::testdata::edit_part(xlsx, "xl/styles.xml", |xml| {
            let xml = xml.unwrap();
            let at = xml.find("<styleSheet").unwrap();
            let at = at + xml[at..].find('>').unwrap() + 1;
            format!(
                "{}<numFmts count=\"1\"><numFmt numFmtId=\"190\" formatCode=\"{code} 0\"/></numFmts>{}",
                &xml[..at],
                &xml[at..]
            )
        })
    };
    let wd = Workdir::new();
    for code in [
        escaped.clone(),
        format!("\"{head}\"\"{tail}\""),
        format!("\"{head}\"\\{}\"{}\"", &tail[..1], &tail[1..]),
    ] {
        wd.write("in.xlsx", with_format(&clean, &code));
        let run = wd.run(&["scrub", "--out-dir", "out", "in.xlsx"]);
        assert_eq!(run.code, 1, "{code}: {}", run.text());
        assert!(
            run.stderr.contains("xl/styles.xml"),
            "{code}: {}",
            run.stderr
        );
        assert!(!run.text().contains(&name), "no value in the message");
    }
    wd.write("clean.xlsx", &clean);
    let run = wd.run(&["scrub", "clean.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let leaked = with_format(&wd.read("scrubbed/clean.xlsx"), &escaped);
    verify_finds(&wd, "clean.xlsx", &leaked, "xl/styles.xml");
}

#[test]
fn scenarios_and_smart_tags_are_redacted() {
    let c = cleaned(Place::ScenariosAndSmartTags);
    assert!(count(&c, "texts_redacted") >= 2, "{c}");
}

#[test]
fn places_no_rule_can_clean_fail_the_file_naming_the_part() {
    for (place, part, what) in Place::FAILING {
        let (wd, planted) = scrubbed(place);
        let run = wd.run(&["scrub", "-q", "users.xlsx"]);
        assert_eq!(run.code, 1, "{place:?}: {}", run.text());
        let line = run
            .stderr
            .lines()
            .find(|l| l.contains("FAILED"))
            .unwrap_or_else(|| panic!("{place:?}: {}", run.stderr));
        assert!(
            line.contains(&format!("part '{part}' holds a removed value in {what},"))
                && line.contains("cannot be cleaned"),
            "{place:?}: {line}"
        );
        for value in &planted.values {
            assert!(
                !holds(&run.text(), value),
                "{place:?}: the error names a value"
            );
        }
        assert!(
            !wd.exists("scrubbed/users.xlsx"),
            "{place:?}: nothing written"
        );
    }
}

#[test]
fn verify_finds_a_removed_value_encoded_in_base64() {
    let (wd, planted) = scrubbed(Place::Base64InCustomXml);
    // The email is in the item only base64-encoded: no text search of the part finds it.
    let item = part_texts(&planted.xlsx)
        .into_iter()
        .find(|(name, _)| name == "customXml/item1.xml")
        .expect("the custom XML item");
    assert!(!holds(&item.1, &planted.values[0]));
    // A scrubbed file that kept the item (as a writer that does not decode base64 would).
    wd.write("plain.xlsx", planted.export.to_xlsx());
    let run = wd.run(&["scrub", "-q", "plain.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let output = wd.read("scrubbed/plain.xlsx");
    let raw = {
        let mut zip = zip::ZipArchive::new(Cursor::new(&planted.xlsx)).unwrap();
        let mut data = Vec::new();
        zip.by_name("customXml/item1.xml")
            .unwrap()
            .read_to_end(&mut data)
            .unwrap();
        data
    };
    wd.write(
        "leaky.xlsx",
        crate::workdir::set_part(&output, "customXml/item1.xml", &raw),
    );
    let verify = wd.run(&["verify", "users.xlsx", "leaky.xlsx"]);
    assert_eq!(verify.code, 3, "{}", verify.text());
    assert!(
        verify.text().contains(
            "customXml/item1.xml: leak: a value the map removed is still in base64-encoded data in this part"
        ),
        "{}",
        verify.text()
    );
    assert!(!holds(&verify.text(), &planted.values[0]), "no value named");
    let clean = wd.run(&["verify", "plain.xlsx", "scrubbed/plain.xlsx"]);
    assert_eq!(clean.code, 0, "{}", clean.text());
}

/// A removed name written with its accents apart (NFD, as text pasted from macOS often is) in
/// the comments is the same name as in the cells (NFC): the comments are cleaned, and `verify`
/// finds it when it is left there.
#[test]
fn a_name_with_its_accents_written_apart_is_the_same_name() {
    use unicode_normalization::UnicodeNormalization;
    let mut export = dsr_scrub::testdata::disabled_users(&dsr_scrub::testdata::Options {
        rows: 8,
        ..Default::default()
    });
    for (logical, text) in [
        ("fullname", "Begoña Peña"),
        ("firstname", "Begoña"),
        ("lastname", "Peña"),
    ] {
        let c = export.column_index(logical).unwrap();
        export.rows[0][c] = dsr_scrub::testdata::Value::Text(text.into());
    }
    let planted = dsr_scrub::testdata::catalogue::planted_in(export, &[Place::Comments]);
    assert!(planted.values.iter().any(|v| v == "Begoña Peña"));
    let apart = |s: &str| s.nfd().collect::<String>();
    let comments = ["xl/comments1.xml", "xl/drawings/vmlDrawing1.vml"];
    let mut xlsx = planted.xlsx.clone();
    for part in comments {
        xlsx = crate::workdir::edit_part(&xlsx, part, |xml| {
            let mut xml = xml.expect("the part");
            for v in &planted.values {
                xml = xml.replace(v.as_str(), &apart(v));
            }
            xml
        });
    }
    assert!(part_texts(&xlsx)
        .iter()
        .any(|(_, text)| text.contains(&apart("Begoña Peña"))));
    let wd = Workdir::new();
    wd.write("users.xlsx", &xlsx);
    let run = wd.run(&["scrub", "users.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let output = wd.read("scrubbed/users.xlsx");
    for (name, text) in part_texts(&output) {
        let text: String = text.nfc().collect();
        assert!(!holds(&text, "Begoña Peña"), "{name} holds the name");
    }
    // Put back in the output's comments, `verify` finds it.
    let leaked = crate::workdir::edit_part(&output, "xl/comments1.xml", |xml| {
        xml.expect("the part")
            .replacen("</t>", &format!(" {}</t>", apart("Begoña Peña")), 1)
    });
    verify_finds(&wd, "users.xlsx", &leaked, "xl/comments1.xml");
}

/// `verify` of `leaked` against `original` (in `wd`) fails (exit 3) naming `part`.
fn verify_finds(wd: &Workdir, original: &str, leaked: &[u8], part: &str) {
    wd.write("leaked.xlsx", leaked);
    let verify = wd.run(&["verify", original, "leaked.xlsx"]);
    assert_eq!(verify.code, 3, "{}", verify.text());
    assert!(verify.stdout.contains(part), "{}", verify.stdout);
}

/// `xml` with `planted` inserted before its last end tag (the root's).
fn before_root_end(xml: Option<String>, planted: &str) -> String {
    let xml = xml.expect("the part");
    let at = xml.rfind("</").expect("an end tag");
    format!("{}{planted}{}", &xml[..at], &xml[at..])
}

/// A Disabled Users export of 8 rows, and the full name of its second data row (which the
/// default profile removes).
fn small_export() -> (dsr_scrub::testdata::Export, String) {
    let export = dsr_scrub::testdata::disabled_users(&dsr_scrub::testdata::Options {
        rows: 8,
        ..Default::default()
    });
    let name = match &export.rows[2][export.column_index("fullname").unwrap()] {
        dsr_scrub::testdata::Value::Text(t) => t.clone(),
        other => panic!("{other:?}"),
    };
    (export, name)
}

/// An XML comment or processing instruction (which no reader shows; other tools and hand edits
/// write them) holding a removed value fails the file naming the part; `verify` finds one in a
/// scrubbed file.
#[test]
fn xml_comments_and_processing_instructions_holding_a_removed_value_are_found() {
    let (export, name) = small_export();
    let wd = Workdir::new();
    let clean = export.to_xlsx();
    wd.write("clean.xlsx", &clean);
    // And a value split by one, which a reader shows joined (`Ka<!-- -->rim`).
    let (head, tail) = name.split_at(name.len() / 2);
    for (part, planted) in [
        ("docProps/core.xml", format!("<!-- owner {name} -->")),
        ("xl/workbook.xml", format!("<?author {name}?>")),
        (
            "docProps/app.xml",
            format!("<Manager>{head}<!-- -->{tail}</Manager>"),
        ),
        (
            "docProps/core.xml",
            format!("<dc:description>{head}<?x?>{tail}</dc:description>"),
        ),
    ] {
        let xlsx = crate::workdir::edit_part(&clean, part, |xml| before_root_end(xml, &planted));
        wd.write("in.xlsx", &xlsx);
        let run = wd.run(&["scrub", "--out-dir", "out", "in.xlsx"]);
        assert_eq!(run.code, 1, "{part}: {}", run.text());
        assert!(run.stderr.contains(part), "{part}: {}", run.stderr);
        assert!(!run.text().contains(&name), "no value in the message");
    }
    let run = wd.run(&["scrub", "clean.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let leaked =
        crate::workdir::edit_part(&wd.read("scrubbed/clean.xlsx"), "xl/workbook.xml", |xml| {
            before_root_end(xml, &format!("<!-- {name} -->"))
        });
    verify_finds(&wd, "clean.xlsx", &leaked, "xl/workbook.xml");
}

/// A part that is not well-formed XML (a hand edit) holding a removed value written with
/// character references (`&#75;arim` is Karim) fails the file naming the part: the value is
/// looked for in the text as the references spell it.
#[test]
fn a_part_that_is_not_well_formed_holding_a_removed_value_by_character_references_fails() {
    let (export, name) = small_export();
    let referenced: String = name.chars().map(|c| format!("&#{};", c as u32)).collect();
    let part = "customXml/item1.xml";
    let xlsx = crate::workdir::edit_part(&export.to_xlsx(), part, |_| {
        format!("<notes><owner note=\"open>{referenced}</owner></notes>")
    });
    let wd = Workdir::new();
    wd.write("in.xlsx", &xlsx);
    let run = wd.run(&["scrub", "--out-dir", "out", "in.xlsx"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(run.stderr.contains(part), "{}", run.stderr);
    assert!(!run.text().contains(&name), "no value in the message");
    assert!(!wd.exists("out/in.xlsx"), "nothing written");
}

/// The raw bytes of part `part` of a package.
fn part_bytes(xlsx: &[u8], part: &str) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(Cursor::new(xlsx)).expect("a zip");
    let mut data = Vec::new();
    zip.by_name(part)
        .expect("the part")
        .read_to_end(&mut data)
        .unwrap();
    data
}

/// A custom XML item in UTF-16 without a byte order mark (other programs write them so) is
/// read and cleaned as one with the mark, and written back without it.
#[test]
fn custom_xml_in_utf16_without_a_byte_order_mark_is_cleaned() {
    let (export, name) = small_export();
    let part = "customXml/item1.xml";
    let xml = format!("<?xml version=\"1.0\" encoding=\"UTF-16\"?><owner>{name}</owner>");
    let utf16: Vec<u8> = xml.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let xlsx = dsr_scrub::testdata::set_part(&export.to_xlsx(), part, &utf16);
    let wd = Workdir::new();
    wd.write("in.xlsx", &xlsx);
    let run = wd.run(&["scrub", "--out-dir", "out", "in.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let out = part_bytes(&wd.read("out/in.xlsx"), part);
    assert_eq!(&out[..2], b"<\0", "no byte order mark added");
    let units: Vec<u16> = out
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect();
    let text = String::from_utf16(&units).unwrap();
    assert!(text.contains("<owner>"), "{text}");
    assert!(!holds(&text, &name), "{text}");
}

/// A Disabled Users export of 8 rows whose first two data rows name people in letters that
/// JSON serializers and HTML editors escape: one with accents, one in CJK ideographs, one of
/// them outside the Basic Multilingual Plane (a surrogate pair in JSON). Their full names.
fn escaped_names_export() -> (dsr_scrub::testdata::Export, [&'static str; 2]) {
    let mut export = dsr_scrub::testdata::disabled_users(&dsr_scrub::testdata::Options {
        rows: 8,
        ..Default::default()
    });
    let names = ["Zoë Müller", "𠮷田 花子"];
    for (row, [full, first, last]) in [
        ["Zoë Müller", "Zoë", "Müller"],
        ["𠮷田 花子", "花子", "𠮷田"],
    ]
    .into_iter()
    .enumerate()
    {
        for (logical, text) in [("fullname", full), ("firstname", first), ("lastname", last)] {
            let c = export.column_index(logical).unwrap();
            export.rows[row][c] = dsr_scrub::testdata::Value::Text(text.into());
        }
    }
    (export, names)
}

/// `text` as JSON serializers write it (Python's `json.dumps`, .NET's encoder): every
/// character outside ASCII a `\u` escape, one outside the Basic Multilingual Plane a surrogate
/// pair.
fn json_escaped(text: &str) -> String {
    text.encode_utf16()
        .map(|u| match u {
            0..=0x7F => char::from(u as u8).to_string(),
            u => format!("\\u{u:04x}"),
        })
        .collect()
}

/// `text` with its JSON `\u` escapes and `\/` decoded (surrogate pairs joined).
fn json_unescaped(text: &str) -> String {
    let mut units: Vec<u16> = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        units.extend(rest[..at].encode_utf16());
        let hex = rest
            .get(at + 2..at + 6)
            .filter(|_| rest[at + 1..].starts_with('u'));
        match hex.and_then(|h| u16::from_str_radix(h, 16).ok()) {
            Some(unit) => {
                units.push(unit);
                rest = &rest[at + 6..];
            }
            None if rest[at + 1..].starts_with('/') => {
                units.push(u16::from(b'/'));
                rest = &rest[at + 2..];
            }
            None => {
                units.push(u16::from(b'\\'));
                rest = &rest[at + 1..];
            }
        }
    }
    units.extend(rest.encode_utf16());
    String::from_utf16_lossy(&units)
}

/// The JSON settings an add-in or a custom XML item keeps, naming `names` with every letter
/// outside ASCII escaped (and the slashes of a link, as some serializers write them).
fn json_settings(names: &[&str]) -> String {
    format!(
        r#"{{"owner": "{}", "backup": "{}", "site": "https:\/\/contoso.sharepoint.com\/sites\/hr", "mood": "\ud83d\ude00"}}"#,
        json_escaped(names[0]),
        json_escaped(names[1])
    )
}

/// A removed name written in JSON with `\u` escapes (`Zo\u00eb M\u00fcller`, as serializers
/// write letters outside ASCII) in an add-in's setting and a custom XML item is cleaned, the
/// JSON kept valid; `verify` finds one put back, and `find` lists both parts.
#[test]
fn a_name_escaped_in_json_inside_a_part_is_found() {
    let (export, names) = escaped_names_export();
    let settings = json_settings(&names);
    let item = "customXml/item1.xml";
    let addin = "xl/webextensions/webextension1.xml";
    let mut xlsx = crate::workdir::edit_part(&export.to_xlsx(), item, |_| {
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><data>{settings}</data>")
    });
    xlsx = crate::workdir::edit_part(&xlsx, addin, |_| {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><we:webextension xmlns:we=\"http://schemas.microsoft.com/office/webextensions/webextension/2010/11\" id=\"{{11111111-1111-1111-1111-111111111111}}\"><we:properties><we:property name=\"settings\" value=\"{}\"/></we:properties></we:webextension>",
            settings.replace('"', "&quot;")
        )
    });
    let wd = Workdir::new();
    wd.write("users.xlsx", &xlsx);
    let find = |file: &str| wd.run(&["find", "--subject", names[0], "--subject", names[1], file]);
    let found = find("users.xlsx");
    assert_eq!(found.code, 3, "{}", found.text());
    for part in [item, addin] {
        assert!(
            found
                .stdout
                .lines()
                .any(|line| line.contains(&format!("part {part} ("))
                    && line.ends_with("subject #1, subject #2")),
            "{part}: {}",
            found.stdout
        );
    }

    let run = wd.run(&["scrub", "users.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let output = wd.read("scrubbed/users.xlsx");
    for (name, text) in part_texts(&output) {
        let text = json_unescaped(&text);
        for value in names {
            assert!(!holds(&text, value), "{name} holds a removed name");
        }
    }
    // Both are the same JSON, the names replaced and the rest as it was.
    let item_text = part_texts(&output)
        .into_iter()
        .find(|(name, _)| name == item)
        .unwrap()
        .1;
    let json =
        &item_text[item_text.find("<data>").unwrap() + 6..item_text.find("</data>").unwrap()];
    let json: serde_json::Value = serde_json::from_str(json).expect("still JSON");
    assert_eq!(json["owner"], "[removed]");
    assert_eq!(json["backup"], "[removed]");
    assert_eq!(json["site"], "https://contoso.sharepoint.com/sites/hr");
    assert_eq!(json["mood"], "\u{1F600}");
    let verify = wd.run(&["verify", "users.xlsx", "scrubbed/users.xlsx"]);
    assert_eq!(verify.code, 0, "{}", verify.text());
    let found = find("scrubbed/users.xlsx");
    assert_eq!(found.code, 0, "{}", found.text());

    // Put back into the output, `verify` finds it in either part.
    for part in [item, addin] {
        let leaked = dsr_scrub::testdata::set_part(&output, part, &part_bytes(&xlsx, part));
        verify_finds(&wd, "users.xlsx", &leaked, part);
    }
}

/// A removed name written with HTML's character references inside a part's text (rich text of
/// a SharePoint property: `&lt;p&gt;Zo&amp;euml; M&amp;uuml;ller&lt;/p&gt;`, in CDATA, by
/// number) is cleaned; `verify` finds one put back, and `find` lists the part.
#[test]
fn a_name_in_html_character_references_inside_a_part_is_found() {
    let (export, names) = escaped_names_export();
    let parts = [
        (
            "customXml/item1.xml",
            "<data>&lt;p&gt;Owner: Zo&amp;euml; M&amp;uuml;ller&lt;/p&gt;</data>",
        ),
        (
            "customXml/item2.xml",
            "<data><![CDATA[<p>Owner: Zo&euml; M&uuml;ller</p>]]></data>",
        ),
        (
            "customXml/item3.xml",
            "<data>&lt;p&gt;Zo&amp;#235; M&amp;#xFC;ller, &amp;#x20BB7;&amp;#30000; &amp;#33457;&amp;#23376;&lt;/p&gt;</data>",
        ),
    ];
    let mut xlsx = export.to_xlsx();
    for (part, xml) in parts {
        xlsx = crate::workdir::edit_part(&xlsx, part, |_| {
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>{xml}")
        });
    }
    let wd = Workdir::new();
    wd.write("users.xlsx", &xlsx);
    let find = |file: &str| wd.run(&["find", "--subject", names[0], "--subject", names[1], file]);
    let found = find("users.xlsx");
    assert_eq!(found.code, 3, "{}", found.text());
    for (part, _) in parts {
        assert!(
            found.stdout.contains(&format!("part {part} ")),
            "{part}: {}",
            found.stdout
        );
    }

    let run = wd.run(&["scrub", "users.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let output = wd.read("scrubbed/users.xlsx");
    for (name, text) in part_texts(&output) {
        let text = html_escape::decode_html_entities(&text).into_owned();
        for value in names {
            assert!(!holds(&text, value), "{name} holds a removed name");
        }
    }
    let item = part_texts(&output)
        .into_iter()
        .find(|(name, _)| name == "customXml/item1.xml")
        .unwrap()
        .1;
    assert!(
        item.contains("<p>Owner: [removed]</p>"),
        "the HTML stays: {item}"
    );
    let verify = wd.run(&["verify", "users.xlsx", "scrubbed/users.xlsx"]);
    assert_eq!(verify.code, 0, "{}", verify.text());
    let found = find("scrubbed/users.xlsx");
    assert_eq!(found.code, 0, "{}", found.text());

    for (part, _) in parts {
        let leaked = dsr_scrub::testdata::set_part(&output, part, &part_bytes(&xlsx, part));
        verify_finds(&wd, "users.xlsx", &leaked, part);
    }
}

/// A removed name that only a fuller decoding shows, which no rewrite of the part can keep
/// as the same JSON or HTML (HTML escaped twice, a name split by tags, a JSON line break
/// before it), fails the file naming the part; nothing is written, no value is printed.
#[test]
fn a_name_escaped_where_the_part_cannot_be_rewritten_fails_the_file() {
    let (export, names) = escaped_names_export();
    let clean = export.to_xlsx();
    let wd = Workdir::new();
    for xml in [
        "<data>Zo&amp;amp;euml; M&amp;amp;uuml;ller</data>",
        "<data>&lt;p&gt;Zo&amp;euml; M&lt;b&gt;&amp;uuml;&lt;/b&gt;ller&lt;/p&gt;</data>",
        r#"<data>{"owner": "Zo\u00eb\nM\u00fcller"}</data>"#,
    ] {
        let part = "customXml/item1.xml";
        let xlsx = crate::workdir::edit_part(&clean, part, |_| xml.to_string());
        wd.write("in.xlsx", &xlsx);
        let run = wd.run(&["scrub", "--out-dir", "out", "in.xlsx"]);
        assert_eq!(run.code, 1, "{xml}: {}", run.text());
        assert!(run.stderr.contains(part), "{xml}: {}", run.stderr);
        for value in names {
            assert!(!run.text().contains(value), "no value in the message");
        }
        assert!(!wd.exists("out/in.xlsx"), "nothing written");
        let found = wd.run(&["find", "--subject", names[0], "in.xlsx"]);
        assert!(
            found.stdout.contains(&format!("part {part} ")),
            "{xml}: {}",
            found.stdout
        );
    }
}

/// `find` looks where the scrub looks: a subject only in a number format's escaped literals
/// (`\K\a\r\i\m`, which the scrub fails the file for) or in an XML comment is listed there.
#[test]
fn find_lists_a_subject_in_a_number_format_or_an_xml_comment() {
    let (export, name) = small_export();
    // The subject is in no cell.
    let mut export = export;
    export.rows.remove(2);
    let escaped: String = name.chars().map(|c| format!("\\{c}")).collect();
    let styles = "xl/styles.xml";
    let mut xlsx = crate::workdir::edit_part(&export.to_xlsx(), styles, |xml| {
        let xml = xml.unwrap();
        let at = xml.find("<styleSheet").unwrap();
        let at = at + xml[at..].find('>').unwrap() + 1;
        format!(
            "{}<numFmts count=\"1\"><numFmt numFmtId=\"190\" formatCode=\"@ {escaped}\"/></numFmts>{}",
            &xml[..at],
            &xml[at..]
        )
    });
    let (head, tail) = name.split_at(name.len() / 2);
    xlsx = crate::workdir::edit_part(&xlsx, "docProps/app.xml", |xml| {
        before_root_end(
            xml,
            &format!("<!-- owner {name} --><Manager>{head}<!-- -->{tail}</Manager>"),
        )
    });
    let wd = Workdir::new();
    wd.write("users.xlsx", &xlsx);
    let found = wd.run(&["find", "--subject", &name, "users.xlsx"]);
    assert_eq!(found.code, 3, "{}", found.text());
    assert!(
        found
            .stdout
            .contains("part xl/styles.xml (1 place): subject #1"),
        "{}",
        found.stdout
    );
    assert!(
        found
            .stdout
            .contains("part docProps/app.xml (2 places): subject #1"),
        "{}",
        found.stdout
    );
    assert!(!found.text().contains(&name), "no value printed");
}

/// A workbook with a Data Model (a compressed copy of its tables, which cannot be read) fails
/// the file naming the part and what to do; nothing is written.
#[test]
fn a_data_model_fails_the_file() {
    let (export, _) = small_export();
    let part = "xl/model/item.data";
    let xlsx = dsr_scrub::testdata::set_part(&export.to_xlsx(), part, &[0x78, 0x9c, 1, 2, 3]);
    let wd = Workdir::new();
    wd.write("in.xlsx", &xlsx);
    let run = wd.run(&["scrub", "--out-dir", "out", "in.xlsx"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.stderr.contains(part) && run.stderr.contains("Data Model"),
        "{}",
        run.stderr
    );
    assert!(!wd.exists("out/in.xlsx"), "nothing written");
}

/// An element no reader knows among the cells, or an attribute no reader knows on a row or cell
/// (other tools, hand edits), holding a removed value fails the file naming the part; `verify`
/// finds one in a scrubbed file.
#[test]
fn unknown_elements_and_attributes_among_the_cells_are_searched() {
    let planted = planted(Place::Comments);
    let name = column_texts(&planted, "fullname")[2].clone().unwrap();
    let on_row_3 = |xlsx: &[u8], attribute: &str| {
        dsr_scrub::testdata::edit_part(xlsx, "xl/worksheets/sheet1.xml", |xml| {
            xml.unwrap()
                .replacen("<row r=\"3\"", &format!("<row r=\"3\" {attribute}"), 1)
        })
    };
    let on_cell = |xlsx: &[u8], attribute: &str| {
        dsr_scrub::testdata::edit_part(xlsx, "xl/worksheets/sheet1.xml", |xml| {
            let xml = xml.unwrap();
            let row = xml.find("<row r=\"3\"").unwrap();
            let cell = row + xml[row..].find("<c ").unwrap();
            format!("{}<c {attribute} {}", &xml[..cell], &xml[cell + 3..])
        })
    };
    let inputs = [
        (
            "element.xlsx",
            before_row_3(
                &planted.xlsx,
                &format!("<x:note xmlns:x=\"urn:n\">{name}</x:note>"),
            ),
        ),
        (
            "row.xlsx",
            on_row_3(
                &planted.xlsx,
                &format!("x:note=\"{name}\" xmlns:x=\"urn:n\""),
            ),
        ),
        (
            "cell.xlsx",
            on_cell(
                &planted.xlsx,
                &format!("x:note=\"{name}\" xmlns:x=\"urn:n\""),
            ),
        ),
        (
            "cells.xlsx",
            dsr_scrub::testdata::edit_part(&planted.xlsx, "xl/worksheets/sheet1.xml", |xml| {
                let tag = format!("<sheetData note=\"{name}\">");
                xml.unwrap().replacen("<sheetData>", &tag, 1)
            }),
        ),
    ];
    // A good output with such an attribute put into it: verify finds it.
    fails_in_the_sheet_and_verify_finds(&planted.xlsx, &name, &inputs, |output| {
        on_row_3(output, &format!("x:note=\"{name}\" xmlns:x=\"urn:n\""))
    });
}

/// `xlsx` with `inserted` put into row 3 of its first sheet: right after the name of the first
/// tag `tag` there (`<row`, `<c`), where an attribute goes, or when `after_tag`, after its `>`.
fn into_row_3(xlsx: &[u8], tag: &str, after_tag: bool, inserted: &str) -> Vec<u8> {
    dsr_scrub::testdata::edit_part(xlsx, "xl/worksheets/sheet1.xml", |xml| {
        let xml = xml.unwrap();
        let row = xml.find("<row r=\"3\"").unwrap();
        let start = row + xml[row..].find(tag).unwrap();
        let at = match after_tag {
            true => start + xml[start..].find('>').unwrap() + 1,
            false => start + tag.len(),
        };
        format!("{}{inserted}{}", &xml[..at], &xml[at..])
    })
}

/// A known attribute of a row or cell holding text of another shape than its own (a name as a
/// row's height or a cell's style), which no reader reads, fails the file naming the part;
/// `verify` finds one in a scrubbed file.
#[test]
fn known_attributes_holding_text_are_searched() {
    let planted = planted(Place::Comments);
    let name = column_texts(&planted, "fullname")[2].clone().unwrap();
    // Row 3's start tag, or its first cell's, with `attribute` added.
    let with = |xlsx: &[u8], tag: &str, attribute: &str| {
        into_row_3(xlsx, tag, false, &format!(" {attribute}"))
    };
    let inputs = [
        (
            "height.xlsx",
            with(&planted.xlsx, "<row", &format!("ht=\"{name}\"")),
        ),
        (
            "descent.xlsx",
            with(
                &planted.xlsx,
                "<row",
                &format!("x14ac:dyDescent=\"{name}\""),
            ),
        ),
        (
            "value.xlsx",
            with(&planted.xlsx, "<c", &format!("vm=\"{name}\"")),
        ),
    ];
    fails_in_the_sheet_and_verify_finds(&planted.xlsx, &name, &inputs, |output| {
        with(output, "<row", &format!("ht=\"{name}\""))
    });
}

/// Text among the cells that is no value (mixed content, from hand edits or other tools), which
/// no reader reads, holding a removed value fails the file naming the part; `verify` finds it in
/// a scrubbed file.
#[test]
fn text_among_the_cells_that_is_no_value_is_searched() {
    let planted = planted(Place::Comments);
    let name = column_texts(&planted, "fullname")[2].clone().unwrap();
    // After the start tag of row 3, or of its first cell.
    let after = |xlsx: &[u8], tag: &str, text: &str| into_row_3(xlsx, tag, true, text);
    let inputs = [
        ("row.xlsx", after(&planted.xlsx, "<row", &name)),
        ("cell.xlsx", after(&planted.xlsx, "<c ", &name)),
    ];
    fails_in_the_sheet_and_verify_finds(&planted.xlsx, &name, &inputs, |output| {
        after(output, "<row", &name)
    });
}

/// The planted export with comments, scrubbed as `users.xlsx` in a folder of its own: the
/// folder, the full name removed from its third record, and the output's bytes.
fn scrubbed_planted() -> (Workdir, String, Vec<u8>) {
    let planted = planted(Place::Comments);
    let name = column_texts(&planted, "fullname")[2].clone().unwrap();
    let wd = Workdir::new();
    wd.write("users.xlsx", &planted.xlsx);
    let run = wd.run(&["scrub", "users.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let output = wd.read("scrubbed/users.xlsx");
    (wd, name, output)
}

/// `<sheetData>` takes no attribute: one holding a removed value in a scrubbed file is a leak
/// `verify` finds (the scrub fails such an input: see above).
#[test]
fn verify_finds_an_attribute_of_the_cells_element() {
    let (wd, name, output) = scrubbed_planted();
    let tampered = dsr_scrub::testdata::edit_part(&output, "xl/worksheets/sheet1.xml", |xml| {
        let tag = format!("<sheetData note=\"{name}\">");
        xml.unwrap().replacen("<sheetData>", &tag, 1)
    });
    assert_ne!(tampered, output);
    wd.write("tampered.xlsx", &tampered);
    let verify = wd.run(&["verify", "users.xlsx", "tampered.xlsx"]);
    assert_eq!(verify.code, 3, "{}", verify.text());
    assert!(!verify.text().contains(&name), "no value in the message");
}

/// An XML comment between the items of the shared strings table holding a removed value is not
/// written (or fails the file); `verify` finds one in a scrubbed file.
#[test]
fn xml_comments_between_shared_strings_are_searched() {
    let planted = planted(Place::Comments);
    let name = column_texts(&planted, "fullname")[2].clone().unwrap();
    let between = |xlsx: &[u8], inserted: &str| {
        dsr_scrub::testdata::edit_part(xlsx, "xl/sharedStrings.xml", |xml| {
            let xml = xml.unwrap();
            let third = xml.match_indices("<si>").nth(2).unwrap().0;
            format!("{}{inserted}{}", &xml[..third], &xml[third..])
        })
    };
    let wd = Workdir::new();
    wd.write(
        "in.xlsx",
        between(&planted.xlsx, &format!("<!-- {name} -->")),
    );
    let run = wd.run(&["scrub", "--out-dir", "out", "in.xlsx"]);
    assert!(!run.text().contains(&name), "no value in the message");
    if run.code == 0 {
        let out = part_bytes(&wd.read("out/in.xlsx"), "xl/sharedStrings.xml");
        assert!(
            !holds(&String::from_utf8_lossy(&out), &name),
            "the comment went"
        );
    } else {
        assert_eq!(run.code, 1, "{}", run.text());
        assert!(
            run.stderr.contains("xl/sharedStrings.xml"),
            "{}",
            run.stderr
        );
    }
    wd.write("users.xlsx", &planted.xlsx);
    let run = wd.run(&["scrub", "users.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let output = wd.read("scrubbed/users.xlsx");
    wd.write(
        "tampered.xlsx",
        between(&output, &format!("<!-- {name} -->")),
    );
    let verify = wd.run(&["verify", "users.xlsx", "tampered.xlsx"]);
    assert_eq!(verify.code, 3, "{}", verify.text());
}

/// A removed value in the zip archive's comment (which no program shows, and which the scrub
/// never writes) is found by `verify`.
#[test]
fn verify_reads_the_zip_archive_comment() {
    let (wd, name, output) = scrubbed_planted();
    let mut zip = zip::ZipArchive::new(Cursor::new(&output[..])).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        out.raw_copy_file(zip.by_index_raw(i).unwrap()).unwrap();
    }
    out.set_comment(format!("owner {name}")).unwrap();
    wd.write("tampered.xlsx", out.finish().unwrap().into_inner());
    let verify = wd.run(&["verify", "users.xlsx", "tampered.xlsx"]);
    assert_eq!(verify.code, 3, "{}", verify.text());
    assert!(verify.stdout.contains("zip archive"), "{}", verify.stdout);
    assert!(!verify.text().contains(&name), "no value in the messages");
}

/// Bytes of a scrubbed file outside its zip entries (data appended after the zip's end, an entry
/// left out of its directory), which no reader shows and nothing can search, fail `verify`;
/// an output as the scrub wrote it has none.
#[test]
fn verify_fails_bytes_outside_the_zip_entries() {
    let (export, name) = small_export();
    let wd = Workdir::new();
    wd.write("users.xlsx", export.to_xlsx());
    let run = wd.run(&["scrub", "users.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let output = wd.read("scrubbed/users.xlsx");
    assert_eq!(
        wd.run(&["verify", "users.xlsx", "scrubbed/users.xlsx"])
            .code,
        0
    );
    // Appended after the end record, and an entry's worth of bytes before the first entry.
    let mut appended = output.clone();
    appended.extend_from_slice(format!("<x>{name}</x>").as_bytes());
    let mut orphan = format!("PK\x03\x04<x>{name}</x>").into_bytes();
    orphan.extend_from_slice(&output);
    for (file, bytes) in [("appended.xlsx", appended), ("orphan.xlsx", orphan)] {
        wd.write(file, bytes);
        let verify = wd.run(&["verify", "users.xlsx", file]);
        assert_eq!(verify.code, 3, "{file}: {}", verify.text());
        assert!(
            verify.stdout.contains("outside its zip entries"),
            "{file}: {}",
            verify.stdout
        );
        assert!(!verify.text().contains(&name), "no value in the messages");
    }
}

/// A zip whose entries are read differently by different readers fails the file, and nothing
/// is written: two entries of one name (which one a reader takes differs), a folder entry
/// holding data (which no reader reads, and the scrub would copy as it is), and an entry whose
/// header carries an extra field that is no zip tool's metadata.
#[test]
fn ambiguous_zip_entries_fail_the_file() {
    let (export, name) = small_export();
    let xlsx = export.to_xlsx();
    let note = format!("<note>{name}</note>");
    let folder = dsr_scrub::testdata::set_part(&xlsx, "customXml/notes/", note.as_bytes());
    // A second shared strings part: written under a name of the same length, then renamed in
    // the local header and the directory alike.
    let twice = dsr_scrub::testdata::set_part(&xlsx, "xl/sharedStrings.xmk", note.as_bytes());
    let mut twice = twice.clone();
    let (from, to) = (b"xl/sharedStrings.xmk", b"xl/sharedStrings.xml");
    while let Some(at) = twice.windows(from.len()).position(|w| w == from) {
        twice[at..at + to.len()].copy_from_slice(to);
    }
    // An extra field of unknown kind holding the name (no reader shows it, and the part is
    // copied as it is), in the local header and the directory alike.
    let extra = with_extra_field(
        &xlsx,
        &format!("{:<16}", &name[..name.len().min(16)]),
        false,
    );
    let wd = Workdir::new();
    for (file, bytes, says) in [
        (
            "folder.xlsx",
            folder,
            "a folder entry of the zip holds data",
        ),
        ("twice.xlsx", twice, "two entries of the zip have one name"),
        ("extra.xlsx", extra, "carries data in an extra field"),
    ] {
        wd.write(file, bytes);
        let run = wd.run(&["scrub", "--out-dir", "out", file]);
        assert_eq!(run.code, 1, "{file}: {}", run.text());
        assert!(run.stderr.contains(says), "{file}: {}", run.stderr);
        assert!(!run.text().contains(&name), "no value in the messages");
        assert!(!wd.exists(&format!("out/{file}")), "nothing written");
    }
}

/// A scrubbed sheet whose XML holds a cell twice, or a cell naming another row than its own
/// (hand edits and other tools write them; readers differ on which one they show) fails the
/// file naming the part and the row, and nothing is written: the writer would change one of
/// the two and leave the other's value.
#[test]
fn cells_written_twice_or_out_of_their_row_fail_the_file() {
    let (export, name) = small_export();
    let xlsx = export.to_xlsx();
    // Row 3 (the removed name's row): its last cell, the element as written.
    let edit = |place: fn(&str, &str, usize) -> String| {
        dsr_scrub::testdata::edit_part(&xlsx, "xl/worksheets/sheet1.xml", |xml| {
            let xml = xml.unwrap();
            let row = xml.find("<row r=\"3\"").unwrap();
            let end = row + xml[row..].find("</row>").unwrap();
            let start = xml[..end].rfind("<c ").unwrap();
            place(&xml, &xml[start..end], end)
        })
    };
    let twice = edit(|xml, cell, end| format!("{}{cell}{}", &xml[..end], &xml[end..]));
    let moved = edit(|xml, cell, _| {
        let next = xml.find("<row r=\"4\"").unwrap();
        let open = next + xml[next..].find('>').unwrap() + 1;
        format!("{}{cell}{}", &xml[..open], &xml[open..])
    });
    let wd = Workdir::new();
    for (file, bytes, row) in [
        ("twice.xlsx", twice, "row 3"),
        ("moved.xlsx", moved, "row 4"),
    ] {
        wd.write(file, bytes);
        let run = wd.run(&["scrub", "--out-dir", "out", file]);
        assert_eq!(run.code, 1, "{file}: {}", run.text());
        assert!(
            run.stderr.contains("xl/worksheets/sheet1.xml")
                && run.stderr.contains(row)
                && run.stderr.contains("out of order or written twice"),
            "{file}: {}",
            run.stderr
        );
        assert!(!run.text().contains(&name), "no value in the messages");
        assert!(!wd.exists(&format!("out/{file}")), "nothing written");
    }
}

/// A phonetic reading (furigana) of a kept cell's shared string spelling a removed name: the
/// readings go, the report counts them, and `verify` finds nothing.
#[test]
fn phonetic_readings_of_shared_strings_are_dropped() {
    let planted = planted(Place::Comments);
    let name = column_texts(&planted, "fullname")[2].clone().unwrap();
    let xlsx = dsr_scrub::testdata::edit_part(&planted.xlsx, "xl/sharedStrings.xml", |xml| {
        let xml = xml.unwrap();
        // The first item, the header row's first cell, which the scrub keeps.
        let end = xml.find("</si>").unwrap();
        format!(
            "{}<rPh sb=\"0\" eb=\"1\"><t>{name}</t></rPh>{}",
            &xml[..end],
            &xml[end..]
        )
    });
    let wd = Workdir::new();
    wd.write("users.xlsx", &xlsx);
    let run = wd.run(&["scrub", "users.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert!(
        run.text().contains("1 phonetic reading dropped"),
        "{}",
        run.text()
    );
    let out = part_bytes(&wd.read("scrubbed/users.xlsx"), "xl/sharedStrings.xml");
    let out = String::from_utf8(out).unwrap();
    assert!(!out.contains("rPh") && !holds(&out, &name), "{out}");
    let verify = wd.run(&["verify", "users.xlsx", "scrubbed/users.xlsx"]);
    assert_eq!(verify.code, 0, "{}", verify.text());
}

/// A shared strings table written otherwise than Excel writes it (whitespace inside the item
/// tags, a comment before the items holding an item, a comment inside an item holding an
/// item's end tag, the counts in single quotes) is rewritten item for item: every removed value
/// goes, the kept cells show what they showed, the counts are right. One written with an item
/// of another prefix than the table's fails the file, naming the part, never a value.
#[test]
fn shared_strings_written_otherwise_are_rewritten_item_for_item() {
    let planted = planted(Place::Comments);
    let names: Vec<String> = column_texts(&planted, "fullname")
        .into_iter()
        .flatten()
        .collect();
    let kept = |xlsx: &[u8]| {
        let book = crate::workdir::Book::open(xlsx.to_vec());
        let sheet = book.sheet("Disabled Users").clone();
        let business_unit = (0..sheet.width() as u32)
            .find(|&c| crate::workdir::cell(&sheet, 0, c) == "Business Unit")
            .expect("a kept column");
        (1..sheet.height() as u32)
            .map(|r| crate::workdir::cell(&sheet, r, business_unit).to_string())
            .collect::<Vec<_>>()
    };
    type Edit = fn(String) -> String;
    let edits: [(&str, Edit); 4] = [
        ("spaced tags", |xml| {
            xml.replace("<si>", "<si >").replace("</si>", "</si\n>")
        }),
        ("a comment before the items", |xml| {
            let first = xml.find("<si>").unwrap();
            format!(
                "{}<!-- <si><t>x</t></si> -->{}",
                &xml[..first],
                &xml[first..]
            )
        }),
        ("a comment inside an item", |xml| {
            xml.replacen("</t></si>", "</t><!-- </si><si><t>x</t></si> --></si>", 1)
        }),
        ("single-quoted counts", |xml| {
            let re = regex::Regex::new(r#"(count|uniqueCount)="(\d+)""#).unwrap();
            re.replace_all(&xml, "$1='$2'").into_owned()
        }),
    ];
    let comments = regex::Regex::new(r"(?s)<!--.*?-->").unwrap();
    let unique = regex::Regex::new(r#"uniqueCount=["'](\d+)["']"#).unwrap();
    let wd = Workdir::new();
    for (what, edit) in edits {
        let input = dsr_scrub::testdata::edit_part(&planted.xlsx, "xl/sharedStrings.xml", |xml| {
            edit(xml.unwrap())
        });
        wd.write("in.xlsx", &input);
        let run = wd.run(&["scrub", "--force", "--out-dir", "out", "in.xlsx"]);
        assert_eq!(run.code, 0, "{what}: {}", run.text());
        let output = wd.read("out/in.xlsx");
        let shared = String::from_utf8(part_bytes(&output, "xl/sharedStrings.xml")).unwrap();
        for name in &names {
            assert!(
                !holds(&readable(&shared), name),
                "{what}: a removed name stays"
            );
        }
        assert_eq!(kept(&output), kept(&input), "{what}: the kept cells");
        // Items outside comments (a comment inside an item is kept with it).
        let items = comments.replace_all(&shared, "").matches("<si").count();
        let declared = &unique.captures(&shared).expect("a uniqueCount")[1];
        assert_eq!(declared, items.to_string(), "{what}: the count of items");
        let run = wd.run(&["verify", "in.xlsx", "out/in.xlsx"]);
        assert_eq!(run.code, 0, "{what}: {}", run.text());
    }
    // An item of another prefix: the items are not surely those a reader finds.
    let input = dsr_scrub::testdata::edit_part(&planted.xlsx, "xl/sharedStrings.xml", |xml| {
        let xml = xml.unwrap();
        let tenth = xml.match_indices("<si>").nth(10).unwrap().0;
        let end = tenth + xml[tenth..].find("</si>").unwrap() + "</si>".len();
        let item = xml[tenth..end]
            .replace(
                "<si>",
                r#"<x:si xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
            )
            .replace("</si>", "</x:si>")
            .replace("<t>", "<x:t>")
            .replace("</t>", "</x:t>");
        format!("{}{item}{}", &xml[..tenth], &xml[end..])
    });
    wd.write("prefixed.xlsx", &input);
    let run = wd.run(&["scrub", "--out-dir", "out2", "prefixed.xlsx"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(!wd.exists("out2/prefixed.xlsx"));
    assert!(run.stderr.contains("prefixed.xlsx"), "{}", run.stderr);
    for name in &names {
        assert!(
            !run.text().contains(name.as_str()),
            "no value in the message"
        );
    }
}

/// `xlsx` zipped again, each entry with the options `options` gives for its name, and `extra`
/// entries after its own.
fn rezipped(
    xlsx: &[u8],
    options: impl Fn(&str) -> zip::write::FullFileOptions<'static, 'static>,
    extra: &[(&str, &[u8])],
) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        out.start_file(name.as_str(), options(&name)).unwrap();
        out.write_all(&data).unwrap();
    }
    for (name, data) in extra {
        out.start_file(*name, options(name)).unwrap();
        out.write_all(data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn plain_options() -> zip::write::FullFileOptions<'static, 'static> {
    zip::write::FullFileOptions::default().compression_method(zip::CompressionMethod::Deflated)
}

/// Whether `bytes` hold `value` as it is, in any case.
fn holds_bytes(bytes: &[u8], value: &str) -> bool {
    let lower = value.to_lowercase();
    bytes
        .windows(lower.len())
        .any(|w| w.eq_ignore_ascii_case(lower.as_bytes()))
}

/// A comment on a part the scrub copies as it is names a user: no program shows it, but it is
/// in the file. The copy keeps the part's name, metadata and data only (not a second name in
/// an extra field either), and `verify` agrees.
#[test]
fn zip_comments_and_extra_fields_of_copied_parts_are_not_kept() {
    let planted = planted(Place::DocProps);
    let name = &planted.values[0];
    let xlsx = rezipped(
        &planted.xlsx,
        |part| match part {
            "xl/styles.xml" => plain_options().with_file_comment(format!("styled by {name}")),
            "[Content_Types].xml" => {
                // An Info-ZIP Unicode path: version, CRC-32 of the plain name, the name.
                let mut field = vec![1];
                field.extend(crc32fast::hash(part.as_bytes()).to_le_bytes());
                field.extend(part.bytes());
                let mut options = plain_options();
                options.add_extra_field(0x7075, field, false).unwrap();
                options
            }
            _ => plain_options(),
        },
        &[],
    );
    assert!(holds_bytes(&xlsx, name));
    let wd = Workdir::new();
    wd.write("users.xlsx", &xlsx);
    let run = wd.run(&["scrub", "users.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let output = wd.read("scrubbed/users.xlsx");
    assert!(!holds_bytes(&output, name), "the comment is gone");
    let mut zip = zip::ZipArchive::new(Cursor::new(output.as_slice())).unwrap();
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).unwrap();
        assert!(entry.comment().is_empty(), "{}", entry.name().unwrap());
        assert!(
            entry
                .extra_data_fields()
                .all(|f| matches!(f, zip::ExtraField::ExtendedTimestamp(_))),
            "{}",
            entry.name().unwrap()
        );
    }
    // The parts themselves are as they were.
    let styles = |bytes: &[u8]| {
        decoded_parts(bytes)
            .into_iter()
            .find(|(n, _)| n == "xl/styles.xml")
            .map(|(_, text)| text)
    };
    assert_eq!(styles(&output), styles(&xlsx));
    let verify = wd.run(&["verify", "users.xlsx", "scrubbed/users.xlsx"]);
    assert_eq!(verify.code, 0, "{}", verify.text());
}

/// A part or folder named after a user keeps its name in a copy: the file fails, naming the
/// entry by its number, never by its name; `verify` finds such a name in an output the same way.
#[test]
fn a_part_named_after_a_user_fails_the_file_naming_it_by_number() {
    let planted = planted(Place::DocProps);
    let name = &planted.values[0];
    let image = format!("xl/media/{name}.png");
    let folder = format!("docs/{name}/");
    for (extra, data) in [(image.as_str(), &b"\x89PNG"[..]), (folder.as_str(), b"")] {
        let xlsx = rezipped(&planted.xlsx, |_| plain_options(), &[(extra, data)]);
        let wd = Workdir::new();
        wd.write("users.xlsx", &xlsx);
        let run = wd.run(&["scrub", "users.xlsx"]);
        assert_ne!(run.code, 0, "{extra}: {}", run.text());
        assert!(
            run.stderr.contains("the name of zip entry #") && run.stderr.contains("save it again"),
            "{}",
            run.stderr
        );
        for value in &planted.values {
            assert!(!holds(&run.text(), value), "the message names no user");
        }
        assert!(!wd.exists("scrubbed/users.xlsx"));
    }
    // An output given such an entry by hand: verify names it by its number.
    let wd = Workdir::new();
    wd.write("users.xlsx", &planted.xlsx);
    assert_eq!(wd.run(&["scrub", "users.xlsx"]).code, 0);
    let output = wd.read("scrubbed/users.xlsx");
    wd.write(
        "tampered.xlsx",
        rezipped(&output, |_| plain_options(), &[(&image, b"\x89PNG")]),
    );
    let verify = wd.run(&["verify", "users.xlsx", "tampered.xlsx"]);
    assert_ne!(verify.code, 0, "{}", verify.text());
    assert!(
        verify.text().contains("zip entry #") && verify.text().contains("the name of this entry"),
        "{}",
        verify.text()
    );
    for value in &planted.values {
        assert!(!holds(&verify.text(), value), "verify names no user");
    }
}

/// A part whose XML declaration names another encoding than Unicode (`ISO-8859-1`, as some
/// programs write properties) is read in it: a user's accented last name there is found, and
/// the file fails naming the part, since it cannot be cleaned in that encoding.
#[test]
fn a_part_in_a_declared_encoding_is_searched_in_it() {
    use dsr_scrub::testdata::{disabled_users, Options, Value};
    let export = disabled_users(&Options {
        rows: 300,
        ..Options::default()
    });
    let col = export.column_index("lastname").unwrap();
    let accented = export
        .rows
        .iter()
        .find_map(|row| match &row[col] {
            Value::Text(s) if !s.is_ascii() && s.chars().all(|c| (c as u32) < 0x100) => {
                Some(s.clone())
            }
            _ => None,
        })
        .expect("an accented last name Latin-1 can write");
    let mut core = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\" standalone=\"yes\"?><cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>".to_vec();
    core.extend(accented.chars().map(|c| c as u8));
    core.extend(b"</dc:title></cp:coreProperties>");
    let mut parts = zip::ZipArchive::new(Cursor::new(export.to_xlsx())).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..parts.len() {
        let mut entry = parts.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        if name == "docProps/core.xml" {
            data = core.clone();
        }
        out.start_file(name.as_str(), plain_options()).unwrap();
        std::io::Write::write_all(&mut out, &data).unwrap();
    }
    let xlsx = out.finish().unwrap().into_inner();
    let wd = Workdir::new();
    wd.write("users.xlsx", &xlsx);
    let run = wd.run(&["scrub", "users.xlsx"]);
    assert_ne!(run.code, 0, "{}", run.text());
    assert!(run.stderr.contains("docProps/core.xml"), "{}", run.stderr);
    assert!(!run.text().contains(&accented), "the message names no user");
    assert!(!wd.exists("scrubbed/users.xlsx"));
}

/// The text of column `logical` in data row `row` of an export.
fn text_of(export: &dsr_scrub::testdata::Export, row: usize, logical: &str) -> String {
    match &export.rows[row][export.column_index(logical).unwrap()] {
        dsr_scrub::testdata::Value::Text(t) => t.clone(),
        other => panic!("{other:?}"),
    }
}

/// A font's name is no data when a given name spells it (`Shruti` is both), but an email or a
/// full name typed as one (a style's font, a drawing's `typeface`) is the person's: it is
/// replaced, `verify` passes, and finds one put back; a removed first name that is a font's
/// name stays.
#[test]
fn a_font_named_by_an_email_or_a_full_name_is_cleaned() {
    let (export, name) = small_export();
    let email = text_of(&export, 2, "internalemailaddress");
    let first = text_of(&export, 2, "firstname");
    let clean = export.to_xlsx();
    let styles = |font: String| {
        move |xml: Option<String>| xml.expect("a styles part").replacen("Calibri", &font, 1)
    };
    let drawing = |font: &str| {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><xdr:sp><xdr:txBody><a:p><a:r><a:rPr><a:latin typeface="{font}"/></a:rPr><a:t>hello</a:t></a:r></a:p></xdr:txBody></xdr:sp></xdr:wsDr>"#
        )
    };
    let wd = Workdir::new();
    for (i, font) in [&email, &name].into_iter().enumerate() {
        for part in ["xl/styles.xml", "xl/drawings/drawing1.xml"] {
            let xlsx = if part == "xl/styles.xml" {
                crate::workdir::edit_part(&clean, part, styles(font.clone()))
            } else {
                crate::workdir::edit_part(&clean, part, |_| drawing(font))
            };
            let input = format!("in{i}.xlsx");
            wd.write(&input, &xlsx);
            let out = format!("out{i}{}", part.len());
            let run = wd.run(&["scrub", "--out-dir", &out, &input]);
            assert_eq!(run.code, 0, "{part}: {}", run.text());
            let output = wd.read(&format!("{out}/{input}"));
            let text = readable(&String::from_utf8(part_bytes(&output, part)).unwrap());
            assert!(!holds(&text, font), "{part}: the font's name is gone");
            let verify = wd.run(&["verify", &input, &format!("{out}/{input}")]);
            assert_eq!(verify.code, 0, "{part}: {}", verify.text());
            // Put back, `verify` finds it.
            let leaked = crate::workdir::set_part(&output, part, &part_bytes(&xlsx, part));
            verify_finds(&wd, &input, &leaked, part);
        }
    }
    // A removed first name that is a font's name: the font stays, the scrub passes.
    let xlsx = crate::workdir::edit_part(&clean, "xl/styles.xml", styles(first));
    wd.write("given.xlsx", &xlsx);
    let run = wd.run(&["scrub", "--out-dir", "given", "given.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let output = wd.read("given/given.xlsx");
    assert_eq!(
        part_bytes(&output, "xl/styles.xml"),
        part_bytes(&xlsx, "xl/styles.xml")
    );
    let verify = wd.run(&["verify", "given.xlsx", "given/given.xlsx"]);
    assert_eq!(verify.code, 0, "{}", verify.text());
}

/// A PNG image of one pixel with `chunks` (type, data) before its image data.
fn png(chunks: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
    let chunk = |kind: &[u8; 4], data: &[u8]| {
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
        out
    };
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
    for (kind, data) in chunks {
        out.extend(chunk(kind, data));
    }
    out.extend(chunk(b"IDAT", &zlib(&[0, 0])));
    out.extend(chunk(b"IEND", &[]));
    out
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut z, data).unwrap();
    z.finish().unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut z, data).unwrap();
    z.finish().unwrap()
}

/// `payload` as `word/document.xml` of a package inside `depth - 1` packages, each the only
/// entry of the next (an embedded document whose embedded document embeds another...).
fn nested(depth: usize, payload: &[u8]) -> Vec<u8> {
    let mut bytes = payload.to_vec();
    for level in 0..depth {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let name = match level {
            0 => "word/document.xml".to_string(),
            n => format!("word/embeddings/inner{n}.docx"),
        };
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zip, &bytes).unwrap();
        bytes = zip.finish().unwrap().into_inner();
    }
    bytes
}

/// A workdir holding the small export as `clean.xlsx`, scrubbed (which passes) into
/// `scrubbed/`; the email of its row 2 (a removed value), the export's and the scrubbed bytes.
fn clean_and_scrubbed() -> (Workdir, String, Vec<u8>, Vec<u8>) {
    let (export, _) = small_export();
    let email = text_of(&export, 2, "internalemailaddress");
    let clean = export.to_xlsx();
    let wd = Workdir::new();
    wd.write("clean.xlsx", &clean);
    let run = wd.run(&["scrub", "clean.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let scrubbed = wd.read("scrubbed/clean.xlsx");
    (wd, email, clean, scrubbed)
}

/// A removed email compressed inside a binary part (a PNG's `zTXt` or compressed `iTXt` XMP
/// chunk, a gzip-compressed `.emz` picture, an embedded document three packages deep) fails the
/// file naming the part, as it does uncompressed; `verify` finds one put back in a scrubbed file.
#[test]
fn a_removed_value_compressed_inside_a_binary_part_is_found() {
    let (wd, email, clean, scrubbed) = clean_and_scrubbed();
    let xmp = format!("<x:xmpmeta><dc:creator>{email}</dc:creator></x:xmpmeta>");
    let mut itxt = b"XML:com.adobe.xmp\0\x01\0\0\0".to_vec();
    itxt.extend(zlib(xmp.as_bytes()));
    let mut ztxt = b"Author\0\0".to_vec();
    ztxt.extend(zlib(email.as_bytes()));
    let mut emf = vec![1, 0, 0, 0];
    emf.extend(email.encode_utf16().flat_map(u16::to_le_bytes));
    emf.extend([0; 40]);
    let document = format!("<w:document><w:t>{email}</w:t></w:document>");
    for (part, data) in [
        ("xl/media/image1.png", png(&[(b"zTXt", ztxt)])),
        ("xl/media/image1.png", png(&[(b"iTXt", itxt)])),
        ("xl/media/image1.emz", gzip(&emf)),
        ("xl/media/image2.bin", gzip(&zlib(document.as_bytes()))),
        (
            "xl/embeddings/Microsoft_Word_Document.docx",
            nested(3, document.as_bytes()),
        ),
    ] {
        scrub_fails_naming_the_part(&wd, &clean, part, &data, &email);
        verify_finds(
            &wd,
            "clean.xlsx",
            &crate::workdir::set_part(&scrubbed, part, &data),
            part,
        );
    }
}

/// A PDF of one object, `object`.
fn pdf(object: &[u8]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n1 0 obj\n".to_vec();
    out.extend(object);
    out.extend(b"\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");
    out
}

/// A PDF stream object of `data` with the dictionary's entries `dict`.
fn pdf_stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut out = format!("<< /Length {} {dict} >>\nstream\n", data.len()).into_bytes();
    out.extend(data);
    out.extend(b"\nendstream");
    out
}

/// A removed email inside the containers embedded objects and pictures are made of fails the
/// file naming the part, and `verify` and `find` find one put back in a scrubbed file: an OLE
/// Package's embedded document (in its `\x01Ole10Native` stream, or a `Package` stream), a
/// gzip member or zlib stream after a header, a PNG's text inside an icon, a PDF's compressed
/// page or UTF-16 author, bzip2, xz and `.lzma` data, zip entries compressed by bzip2, and an
/// email (`.eml`) whose quoted-printable body breaks a line inside the value.
#[test]
fn a_removed_value_inside_an_embedded_container_is_found() {
    use std::io::Write;
    let (wd, email, clean, scrubbed) = clean_and_scrubbed();
    let document = format!("<w:document><w:t>{email}</w:t></w:document>");
    let docx = nested(1, document.as_bytes());
    let mut ztxt = b"Comment\0\0".to_vec();
    ztxt.extend(zlib(email.as_bytes()));
    let image = png(&[(b"zTXt", ztxt)]);
    // An icon's header and one directory entry, pointing at the PNG after it.
    let mut ico = vec![0, 0, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 32, 0];
    ico.extend((image.len() as u32).to_le_bytes());
    ico.extend(22u32.to_le_bytes());
    ico.extend(&image);
    let page = format!(
        "BT /F1 12 Tf [({}) -15 ({})] TJ ET",
        &email[..5],
        &email[5..]
    );
    let author: String = email
        .encode_utf16()
        .flat_map(u16::to_be_bytes)
        .map(|b| format!("{b:02X}"))
        .collect();
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    bz.write_all(email.as_bytes()).unwrap();
    let mut xz =
        lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(6)).unwrap();
    xz.write_all(email.as_bytes()).unwrap();
    let options = lzma_rust2::LzmaOptions::default();
    let mut lzma = lzma_rust2::LzmaWriter::new_use_header(Vec::new(), &options, None).unwrap();
    lzma.write_all(email.as_bytes()).unwrap();
    let bzip2_entry = {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Bzip2);
        zip.start_file("notes.txt", options).unwrap();
        zip.write_all(email.as_bytes()).unwrap();
        zip.finish().unwrap().into_inner()
    };
    // An email's body in quoted-printable, a soft line break inside the address.
    let eml = format!(
        "Content-Transfer-Encoding: quoted-printable\r\n\r\nmailbox {}=\r\n{} closes\r\n",
        &email[..5],
        &email[5..]
    );
    for (part, data) in [
        (
            "xl/embeddings/oleObject1.bin",
            compound(&[("\u{1}Ole10Native", &ole10_native("notes.docx", &docx))]),
        ),
        (
            "xl/embeddings/oleObject1.bin",
            compound(&[(
                "\u{1}Ole10Native",
                &ole10_native("handover.eml", eml.as_bytes()),
            )]),
        ),
        (
            "xl/embeddings/oleObject1.bin",
            compound(&[("Package", &docx)]),
        ),
        (
            "xl/embeddings/notes.dat",
            [&b"HDR\0".repeat(4)[..], &gzip(email.as_bytes())].concat(),
        ),
        (
            "xl/embeddings/notes.dat",
            [&b"\x02\0\0\0\xFF"[..], &zlib(document.as_bytes())].concat(),
        ),
        ("xl/media/image1.ico", ico),
        (
            "xl/embeddings/doc1.pdf",
            pdf(&pdf_stream("/Filter /FlateDecode", &zlib(page.as_bytes()))),
        ),
        (
            "xl/embeddings/doc1.pdf",
            pdf(format!("<< /Author <FEFF{author}> >>").as_bytes()),
        ),
        ("xl/embeddings/notes.txt.bz2", bz.finish().unwrap()),
        ("xl/embeddings/notes.xz", xz.finish().unwrap()),
        ("xl/embeddings/notes.lzma", lzma.finish().unwrap()),
        ("xl/embeddings/pkg.zip", bzip2_entry),
    ] {
        scrub_fails_naming_the_part(&wd, &clean, part, &data, &email);
        let leaked = crate::workdir::set_part(&scrubbed, part, &data);
        verify_finds(&wd, "clean.xlsx", &leaked, part);
        let find = wd.run(&["find", "--subject", &email, "leaked.xlsx"]);
        assert_eq!(find.code, 3, "{part}: {}", find.text());
        assert!(find.stdout.contains(part), "{part}: {}", find.stdout);
    }
}

/// A part holding data that cannot be decoded (an encrypted PDF, a PDF stream whose filter is
/// not read, a zip entry compressed by Zstandard, a Zstandard frame, a damaged OLE object) fails the file naming
/// the part and saying it cannot be searched, whether or not a removed value is in it;
/// `verify` says so too.
#[test]
fn a_part_that_cannot_be_decoded_fails_the_file() {
    let (wd, _, clean, scrubbed) = clean_and_scrubbed();
    let page = pdf_stream("/Filter /FlateDecode", &zlib(b"BT (Nothing here) Tj ET"));
    let encrypted = [&pdf(&page)[..], b"trailer << /Encrypt 2 0 R >>\n"].concat();
    let zstd = {
        let mut zip = nested(1, b"<w:document/>");
        // The method in the local and the central headers: Zstandard.
        for (signature, at) in [(&b"PK\x03\x04"[..], 8), (b"PK\x01\x02", 10)] {
            let header = memchr::memmem::find(&zip, signature).unwrap();
            zip[header + at..header + at + 2].copy_from_slice(&93u16.to_le_bytes());
        }
        zip
    };
    let mut damaged = compound(&[("CONTENTS", b"nothing")]);
    damaged[0x30..0x34].copy_from_slice(&[0xEE; 4]);
    for (part, data) in [
        ("xl/embeddings/doc1.pdf", encrypted),
        (
            "xl/embeddings/doc1.pdf",
            pdf(&pdf_stream("/Filter /JBIG3Decode", b"...")),
        ),
        ("xl/embeddings/Microsoft_Word_Document.docx", zstd),
        // A Zstandard frame, which is not decoded (one raw block).
        (
            "xl/embeddings/notes.zst",
            [&b"\x28\xB5\x2F\xFD\x20\x07\x39\x00\x00"[..], b"nothing"].concat(),
        ),
        ("xl/embeddings/oleObject1.bin", damaged),
    ] {
        unsearchable_fails_and_is_found(&wd, (&clean, &scrubbed), part, &data, "cannot decode");
    }
}

/// `part` holding `data` (where `email` is), put into the clean export `clean`: the scrub
/// fails the file naming the part, without the value, and writes nothing.
fn scrub_fails_naming_the_part(wd: &Workdir, clean: &[u8], part: &str, data: &[u8], email: &str) {
    wd.write("in.xlsx", crate::workdir::set_part(clean, part, data));
    let run = wd.run(&["scrub", "--out-dir", "out", "in.xlsx"]);
    assert_eq!(run.code, 1, "{part}: {}", run.text());
    assert!(run.stderr.contains(part), "{part}: {}", run.stderr);
    assert!(!run.text().contains(email), "no value in the message");
    assert!(!wd.exists("out/in.xlsx"), "nothing written");
}

/// `part` holding `data` cannot be searched: put into the clean export, the scrub fails the
/// file naming the part and saying why (`says`) and that it cannot be searched; put into the
/// scrubbed copy of the clean export, `verify` says so.
fn unsearchable_fails_and_is_found(
    wd: &Workdir,
    (clean, scrubbed): (&[u8], &[u8]),
    part: &str,
    data: &[u8],
    says: &str,
) {
    wd.write("in.xlsx", crate::workdir::set_part(clean, part, data));
    let run = wd.run(&["scrub", "--out-dir", "out", "in.xlsx"]);
    assert_eq!(run.code, 1, "{part}: {}", run.text());
    let line = run.stderr.lines().find(|l| l.contains("FAILED")).unwrap();
    assert!(line.contains(part) && line.contains(says), "{line}");
    assert!(line.contains("cannot be searched"), "{line}");
    wd.write(
        "leaked.xlsx",
        crate::workdir::set_part(scrubbed, part, data),
    );
    let verify = wd.run(&["verify", "clean.xlsx", "leaked.xlsx"]);
    assert_eq!(verify.code, 3, "{part}: {}", verify.text());
    assert!(
        verify.stdout.contains(part) && verify.stdout.contains("cannot be searched"),
        "{}",
        verify.stdout
    );
}

/// Packages nested deeper than are searched fail the file naming the part and saying so, even
/// when nothing is found in what was searched; so does compressed data inflating like a zip
/// bomb. `verify` says such a part cannot be searched.
#[test]
fn a_part_nesting_too_deep_or_inflating_like_a_bomb_fails_the_file() {
    let (wd, _, clean, scrubbed) = clean_and_scrubbed();
    let part = "xl/embeddings/Microsoft_Word_Document.docx";
    let deep = nested(6, b"<w:document><w:t>Nothing here</w:t></w:document>");
    let bomb = gzip(&vec![b' '; 8 << 20]);
    for (part, data, says) in [
        (part, deep, "levels deep"),
        ("xl/media/image1.emz", bomb, "zip bomb"),
    ] {
        unsearchable_fails_and_is_found(&wd, (&clean, &scrubbed), part, &data, says);
    }
}

/// `text` in EBCDIC (code page 037), for the characters of XML and an email address.
fn ebcdic(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            'a'..='i' => 0x81 + (c as u8 - b'a'),
            'j'..='r' => 0x91 + (c as u8 - b'j'),
            's'..='z' => 0xA2 + (c as u8 - b's'),
            'A'..='I' => 0xC1 + (c as u8 - b'A'),
            'J'..='R' => 0xD1 + (c as u8 - b'J'),
            'S'..='Z' => 0xE2 + (c as u8 - b'S'),
            '0'..='9' => 0xF0 + (c as u8 - b'0'),
            '<' => 0x4C,
            '?' => 0x6F,
            '>' => 0x6E,
            '/' => 0x61,
            ' ' => 0x40,
            '=' => 0x7E,
            '"' => 0x7F,
            '.' => 0x4B,
            '@' => 0x7C,
            '-' => 0x60,
            '_' => 0x6D,
            other => panic!("{other:?}"),
        })
        .collect()
}

/// An XML part in an encoding that cannot be read (EBCDIC, UTF-7) fails the file naming the
/// part and saying its encoding is not supported, whether or not it holds a removed value:
/// it cannot be searched. UTF-32 is read: a removed value in it fails the file like one in
/// UTF-16. `verify` reports both.
#[test]
fn an_xml_part_in_an_encoding_that_cannot_be_read_fails_the_file() {
    let (wd, email, clean, scrubbed) = clean_and_scrubbed();
    let xml = |encoding: &str, owner: &str| {
        format!(r#"<?xml version="1.0" encoding="{encoding}"?><root><owner>{owner}</owner></root>"#)
    };
    let mut utf32 = vec![0xFF, 0xFE, 0, 0];
    utf32.extend(
        xml("UTF-32", &email)
            .chars()
            .flat_map(|c| (c as u32).to_le_bytes()),
    );
    let utf7 = xml("UTF-7", &email.replace('@', "+AEA-"));
    for (part, data, says) in [
        (
            "customXml/item1.xml",
            ebcdic(&xml("IBM037", &email)),
            "encoding",
        ),
        (
            "xl/persons/person.xml",
            ebcdic(&xml("IBM037", "nobody")),
            "encoding",
        ),
        ("customXml/item1.xml", utf7.into_bytes(), "encoding"),
        ("customXml/item1.xml", utf32, "leak"),
    ] {
        wd.write("in.xlsx", crate::workdir::set_part(&clean, part, &data));
        let run = wd.run(&["scrub", "--out-dir", "out", "in.xlsx"]);
        assert_eq!(run.code, 1, "{part}: {}", run.text());
        let line = run.stderr.lines().find(|l| l.contains("FAILED")).unwrap();
        assert!(line.contains(part) && line.contains(says), "{line}");
        assert!(!run.text().contains(&email), "no value in the message");
        verify_finds(
            &wd,
            "clean.xlsx",
            &crate::workdir::set_part(&scrubbed, part, &data),
            part,
        );
    }
}

/// The phone number removed from row 2 of [`phone_export`], and the other formats a copy of it
/// is written in: another international prefix, the national form with its trunk `0`, the
/// country code with `(0)`, other separators.
const PHONE: &str = "+49 89 14642946";
const PHONE_COPIES: [&str; 4] = [
    "0049 89 14642946",
    "089 14642946",
    "+49 (0)89 14642946",
    "+49-89-146 429 46",
];
/// A number no row holds: it stays.
const OTHER_PHONE: &str = "089 14642947";

/// A Disabled Users export of 8 rows whose row 2 has the main phone [`PHONE`], and the full
/// name of that row.
fn phone_export() -> (Vec<u8>, String) {
    let (mut export, name) = small_export();
    let col = export.column_index("address1_telephone1").unwrap();
    export.rows[2][col] = dsr_scrub::testdata::Value::Text(PHONE.into());
    (export.to_xlsx(), name)
}

/// Whether `text` holds a copy of [`PHONE`] in any of the formats the test writes.
fn holds_phone(text: &str) -> bool {
    std::iter::once(PHONE)
        .chain(PHONE_COPIES)
        .any(|copy| text.contains(copy))
}

/// A removed phone number copied into a part in another format (other separators, `0049`,
/// `+49 (0)`, the national `089 ...`) is removed from a part that is cleaned, as its exact form
/// is, both by a subject's scrub and by the default profile's; `verify` reports such a copy in
/// an output, naming the part, and passes the output without it; `find` lists the part. A part
/// no rule can clean holding such a copy fails the file, naming the part.
#[test]
fn a_removed_phone_number_in_another_format_in_a_part_is_removed() {
    let (clean, name) = phone_export();
    let mut texts = PHONE_COPIES.to_vec();
    texts.push(OTHER_PHONE);
    let xlsx = dsr_scrub::testdata::catalogue::with_custom_properties(&clean, &texts);
    let part = "docProps/custom.xml";
    let wd = Workdir::new();
    wd.write("users.xlsx", &xlsx);
    for scope in [&["--subject", name.as_str(), "--all-rows"][..], &[][..]] {
        let mut args = vec!["scrub"];
        args.extend(scope);
        args.extend(["--out-dir", "out", "--force", "users.xlsx"]);
        let run = wd.run(&args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.text());
        let output = wd.read("out/users.xlsx");
        let custom = String::from_utf8(part_bytes(&output, part)).unwrap();
        assert!(!holds_phone(&custom), "{args:?}: {custom}");
        assert!(
            custom.contains(OTHER_PHONE),
            "{args:?}: the other number stays"
        );
        for (other, text) in decoded_parts(&output) {
            assert!(!holds_phone(&text), "{args:?}: {other}");
        }
        let mut args = vec!["verify"];
        args.extend(scope);
        args.extend(["users.xlsx", "out/users.xlsx"]);
        let verify = wd.run(&args);
        assert_eq!(verify.code, 0, "{args:?}: {}", verify.text());
    }
    // Each copy put back into the output's properties: verify names the part.
    let output = wd.read("out/users.xlsx");
    for copy in PHONE_COPIES {
        let leaked = crate::workdir::edit_part(&output, part, |xml| {
            before_root_end(
                xml,
                &format!(
                    r#"<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="99" name="Back"><vt:lpwstr>Tel. {copy}</vt:lpwstr></property>"#
                ),
            )
        });
        verify_finds(&wd, "users.xlsx", &leaked, part);
        let verify = wd.run(&["verify", "users.xlsx", "leaked.xlsx"]);
        assert!(!verify.text().contains(copy), "no value in the messages");
    }
    // find lists the part for the number as a subject.
    let find = wd.run(&["find", "--subject", PHONE, "users.xlsx"]);
    assert_eq!(find.code, 3, "{}", find.text());
    assert!(find.stdout.contains(part), "{}", find.stdout);
    // Where no rule can clean it (a sheet's name), the file fails naming the part.
    let sheet = dsr_scrub::testdata::catalogue::with_sheet_named(&clean, "Tel 089 14642946");
    wd.write("sheet.xlsx", &sheet);
    let run = wd.run(&["scrub", "--out-dir", "failed", "sheet.xlsx"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.stderr
            .contains("part 'xl/workbook.xml' holds a removed value in a sheet name"),
        "{}",
        run.stderr
    );
    assert!(!holds_phone(&run.text()), "no value in the message");
    assert!(!wd.exists("failed/sheet.xlsx"), "nothing written");
    // A file whose parts hold no copy passes.
    let plain = dsr_scrub::testdata::catalogue::with_custom_properties(&clean, &[OTHER_PHONE]);
    wd.write("plain.xlsx", &plain);
    let run = wd.run(&["scrub", "--out-dir", "plain", "plain.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
}

/// `xlsx` with the local header of its entry of the longest name renamed (the directory left
/// as it is) to a name of the same length made from `text`.
fn local_name_renamed(xlsx: &[u8], text: &str) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    let (start, len) = (0..zip.len())
        .map(|i| {
            let entry = zip.by_index_raw(i).unwrap();
            (entry.header_start() as usize, entry.name_raw().len())
        })
        .max_by_key(|&(_, len)| len)
        .unwrap();
    let mut local: Vec<u8> = format!("xl/{text}.xml").into_bytes();
    local.resize(len, b'x');
    let mut out = xlsx.to_vec();
    out[start + 30..start + 30 + len].copy_from_slice(&local);
    out
}

/// `xlsx` with a part `customXml/a.xml` whose headers (its directory entry's only, when
/// `central_only`: then its local header keeps a longer name) carry an extra field of an
/// unknown kind holding `data` (of fewer than 128 bytes). Written as the end of the part's
/// name, then made the extra field by the lengths.
fn with_extra_field(xlsx: &[u8], data: &str, central_only: bool) -> Vec<u8> {
    let block = format!("KK{}\0{data}", char::from(data.len() as u8));
    let tail = format!("customXml/a.xml{block}");
    let mut out = dsr_scrub::testdata::set_part(xlsx, &tail, b"<a/>");
    let starts: Vec<usize> = out
        .windows(tail.len())
        .enumerate()
        .filter(|(_, w)| *w == tail.as_bytes())
        .map(|(at, _)| at)
        .collect();
    assert_eq!(starts.len(), 2, "a local header and a directory entry");
    for at in starts {
        let lengths = if out[at - 30..at - 26] == *b"PK\x03\x04" {
            if central_only {
                continue;
            }
            at - 4
        } else {
            at - 18
        };
        let shorter = (tail.len() - block.len()) as u16;
        out[lengths..lengths + 2].copy_from_slice(&shorter.to_le_bytes());
        out[lengths + 2..lengths + 4].copy_from_slice(&(block.len() as u16).to_le_bytes());
    }
    out
}

/// `verify` reads every byte of the zip's headers, not only its directory: a local header
/// that names another part than the directory does is a finding naming the part (never the
/// value); a removed value in an extra field of a local header or of the directory, or in an
/// entry's comment, is a leak. An output as the scrub wrote it passes, and so does one with an
/// extra field that holds no removed value. A scrub of an input so written writes headers of
/// its own: its output passes.
#[test]
fn verify_reads_every_byte_of_the_zip_headers() {
    let (export, name) = small_export();
    let wd = Workdir::new();
    wd.write("users.xlsx", export.to_xlsx());
    let run = wd.run(&["scrub", "users.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let output = wd.read("scrubbed/users.xlsx");
    let ok = |file: &str| {
        let verify = wd.run(&["verify", "users.xlsx", file]);
        assert_eq!(verify.code, 0, "{file}: {}", verify.text());
    };
    ok("scrubbed/users.xlsx");
    // A second name for a part (an Info-ZIP Unicode path: version, CRC-32 of the name, the
    // name), in both headers or in the directory only.
    let extra = |central_only: bool, second: &str| {
        rezipped(
            &output,
            |part| {
                let mut options = plain_options();
                if part == "xl/styles.xml" {
                    let mut field = vec![1];
                    field.extend(crc32fast::hash(part.as_bytes()).to_le_bytes());
                    field.extend(second.bytes());
                    options
                        .add_extra_field(0x7075, field, central_only)
                        .unwrap();
                }
                options
            },
            &[],
        )
    };
    wd.write("plain-extra.xlsx", extra(false, "xl/styles.xml"));
    ok("plain-extra.xlsx");
    // A field of a kind no zip tool writes: the file cannot be read (nor passed).
    for central_only in [false, true] {
        let file = "unknown-extra.xlsx";
        wd.write(
            file,
            with_extra_field(&output, &format!("owner {name}"), central_only),
        );
        let verify = wd.run(&["verify", "users.xlsx", file]);
        assert_ne!(verify.code, 0, "{}", verify.text());
        assert!(!holds(&verify.text(), &name), "no value in the messages");
    }
    let local = local_name_renamed(&output, &name);
    let commented = rezipped(
        &output,
        |part| match part {
            "xl/styles.xml" => plain_options().with_file_comment(format!("styled by {name}")),
            _ => plain_options(),
        },
        &[],
    );
    for (file, bytes, says) in [
        (
            "local-name.xlsx",
            local.clone(),
            "local header names another part",
        ),
        (
            "extra.xlsx",
            extra(false, &format!("xl/{name}.xml")),
            "leak: a value the map removed is still in an extra field",
        ),
        (
            "central-extra.xlsx",
            extra(true, &format!("xl/{name}.xml")),
            "leak: a value the map removed is still in an extra field",
        ),
        (
            "comment.xlsx",
            commented,
            "xl/styles.xml: leak: a value the map removed is still in a comment of the zip",
        ),
    ] {
        wd.write(file, bytes);
        let verify = wd.run(&["verify", "users.xlsx", file]);
        assert_eq!(verify.code, 3, "{file}: {}", verify.text());
        assert!(verify.stdout.contains(says), "{file}: {}", verify.stdout);
        assert!(
            !holds(&verify.text(), &name),
            "{file}: no value in the messages"
        );
    }
    // An input written so: the scrub's output has headers of its own, which verify passes.
    let input = local_name_renamed(&export.to_xlsx(), &name);
    wd.write("renamed.xlsx", &input);
    let run = wd.run(&["scrub", "--out-dir", "renamed", "renamed.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let verify = wd.run(&["verify", "renamed.xlsx", "renamed/renamed.xlsx"]);
    assert_eq!(verify.code, 0, "{}", verify.text());
    assert!(!holds_bytes(&wd.read("renamed/renamed.xlsx"), &name));
    // File times that spell a removed first name (an NTFS times field: reserved, tag, size,
    // 24 bytes of times), which a raw copy of the part would keep: written anew.
    let first = name.split(' ').next().unwrap();
    let mut times = first.as_bytes().to_vec();
    times.resize(24, b' ');
    let mut field = vec![0, 0, 0, 0, 1, 0, 24, 0];
    field.extend(&times);
    let input = rezipped(
        &export.to_xlsx(),
        |part| {
            let mut options = plain_options();
            if part == "xl/styles.xml" {
                options
                    .add_extra_field(0x000a, field.clone(), false)
                    .unwrap();
            }
            options
        },
        &[],
    );
    assert!(holds_bytes(&input, first));
    wd.write("times.xlsx", &input);
    let run = wd.run(&["scrub", "--out-dir", "times", "times.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert!(!holds_bytes(&wd.read("times/times.xlsx"), first));
    let verify = wd.run(&["verify", "times.xlsx", "times/times.xlsx"]);
    assert_eq!(verify.code, 0, "{}", verify.text());
}
