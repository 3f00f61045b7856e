//! Whole paths on arbitrary bytes, for the cargo-fuzz targets in `fuzz/` and for the tests that
//! replay what they found. Each returns normally on any input, bad or good; a panic is a bug.
//!
//! - [`parse_map`]: a map's text → [`Map`], and a map that parses is applied to a small CSV.
//! - [`scrub_xlsx`]: read within small limits → plan → apply → lossless write → read back and
//!   verify; and the rebuild writer → read back.
//! - [`scrub_csv`]: read → plan → apply → write (also with `--neutralize-formulas`) → read back
//!   with the same number of records.

use crate::actions::Key;
use crate::apply::{self, SheetChanges};
use crate::map::Map;
use crate::plan;
use crate::workbook::{Format, Workbook};
use crate::xlsx::{self, Limits};
use std::sync::OnceLock;

/// Limits small enough that a fuzzer's input cannot exhaust memory legitimately.
pub const LIMITS: Limits = Limits {
    max_unpacked: 64 << 20,
    max_ratio: 200,
    max_entries: 1_000,
    max_cells: 1_000_000,
};

/// The key the fuzzed maps pseudonymize with.
pub fn key() -> &'static Key {
    static KEY: OnceLock<Key> = OnceLock::new();
    KEY.get_or_init(|| Key::from_bytes(b"a fuzzing key, not a secret one").expect("long enough"))
}

/// The maps every fuzzed file is scrubbed with: the built-in profiles and two that touch
/// every column with the actions that rewrite text.
pub fn maps() -> &'static [Map] {
    static MAPS: OnceLock<Vec<Map>> = OnceLock::new();
    MAPS.get_or_init(|| {
        let mut texts: Vec<(String, String)> = crate::profiles::PROFILES
            .iter()
            .map(|p| (p.name.to_string(), p.toml.to_string()))
            .collect();
        texts.push((
            "every column masked".into(),
            "version = 1\n[columns]\n\"re:.\" = { action = \"mask\", keep_last = 2 }\n".into(),
        ));
        texts.push((
            "every column rewritten".into(),
            concat!(
                "version = 1\n[columns]\n",
                "\"re:(?i)name\" = { action = \"pseudonymize\", as = \"name\" }\n",
                "\"re:(?i)mail\" = { action = \"pseudonymize\", as = \"email\", domain = \"example.invalid\" }\n",
                "\"re:(?i)phone\" = { action = \"pseudonymize\", as = \"phone\" }\n",
                "\"re:(?i)note|desc\" = { action = \"redact\", detect = [\"email\", \"phone\"], mentions = true }\n",
                "\"re:^[A-M]\" = { action = \"replace\", value = \"Deleted {row} {id8} {column}\", max_length = 12 }\n",
                "\"re:^[N-Z]\" = { action = \"regex\", pattern = \"[aeiou]+\", replace = \"=$0\" }\n",
            )
            .into(),
        ));
        let subjects = crate::subjects::Subjects::from_values(&[
            "Zoë Müller".to_string(),
            "zoe@example.com".to_string(),
        ]);
        let inputs = crate::map::MapInputs {
            key: Some(key()),
            subjects: &subjects,
        };
        texts
            .iter()
            .map(|(origin, text)| Map::parse_with(text, origin, &inputs).expect("a valid map"))
            .collect()
    })
}

fn changes_for(map: &Map, book: &Workbook) -> Option<(plan::FilePlan, Vec<SheetChanges>)> {
    let plan = plan::resolve(map, book).ok()?;
    let changes = apply::apply_plan(map, &plan, book);
    Some((plan, changes))
}

/// Parse `data` as a map; a map that parses is applied to a small CSV.
pub fn parse_map(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let subjects = crate::subjects::Subjects::from_values(&["Zoë".to_string()]);
    let inputs = crate::map::MapInputs {
        key: Some(key()),
        subjects: &subjects,
    };
    let Ok(map) = Map::parse_with(text, "fuzz", &inputs) else {
        return;
    };
    let csv = "First Name,Last Name,Email,Phone,Note,(Do Not Modify) Id\n\
               Zoë,Müller,zoe@example.com,+44 20 7946 0000,Call Zoë on +44 20 7946 0000,1\n\
               ,O'Brien,,=1+1,-12.5,2\n";
    let book = crate::csv::read(csv.as_bytes(), "fuzz").expect("a valid CSV");
    if let Some((_, changes)) = changes_for(&map, &book) {
        write_csv(&book, &changes);
    }
}

/// Scrub `data` as an `.xlsx` with every map of [`maps`], both writers.
///
/// # Panics
/// When an output that was written cannot be read back: a bug.
pub fn scrub_xlsx(data: &[u8]) {
    let Ok(book) = xlsx::read_with(data, &LIMITS) else {
        return;
    };
    let output_limits = Limits {
        max_unpacked: LIMITS.max_unpacked * 4,
        ..LIMITS
    };
    for map in maps() {
        let Some((plan, changes)) = changes_for(map, &book) else {
            continue;
        };
        let mut out = Vec::new();
        if xlsx::patch::write(data, &book, &changes, &Default::default(), &mut out).is_ok() {
            let again = xlsx::read_with(&out, &output_limits);
            assert!(again.is_ok(), "the lossless output reads back: {again:?}");
            let _ = crate::verify::verify_output(map, &book, &plan, &changes, &out, &output_limits);
        }
        let mut out = Vec::new();
        if xlsx::rebuild::write(&book, &changes, 3, &mut out).is_ok() {
            let again = xlsx::read_with(&out, &output_limits);
            assert!(again.is_ok(), "the rebuilt output reads back: {again:?}");
        }
    }
}

/// Scrub `data` as a `.csv` with every map of [`maps`].
///
/// # Panics
/// When an output cannot be read back with its records: a bug.
pub fn scrub_csv(data: &[u8]) {
    let Ok(book) = crate::csv::read(data, "fuzz") else {
        return;
    };
    for map in maps() {
        if let Some((plan, changes)) = changes_for(map, &book) {
            if let Some(out) = write_csv(&book, &changes) {
                // `scrub` streams a CSV (unless a `re:` key matches a blank header): the stream
                // must write exactly what the grid writes.
                let mut streamed = Vec::new();
                if !map.has_blank_header_pattern()
                    && !map.uses_mentions()
                    && crate::csv::scrub_stream(
                        data,
                        "fuzz",
                        map,
                        false,
                        &mut streamed,
                        std::io::sink(),
                    )
                    .is_ok()
                {
                    assert!(streamed == out, "the streamed CSV differs from the grid's");
                }
                let _ = crate::verify::verify_output(map, &book, &plan, &changes, &out, &LIMITS);
            }
        }
    }
}

/// Write a CSV book with and without neutralizing; check both read back with their records.
fn write_csv(book: &Workbook, changes: &[SheetChanges]) -> Option<Vec<u8>> {
    let Format::Csv(dialect) = &book.format else {
        return None;
    };
    let records = book.sheets[0].record_lengths.as_ref().map_or(0, Vec::len);
    let deleted: usize = changes.iter().map(|c| c.deleted.len()).sum();
    let mut plain = None;
    for neutralize in [false, true] {
        let mut out = Vec::new();
        if crate::csv::write_with(book, dialect, changes, neutralize, &mut out).is_err() {
            continue;
        }
        let again = crate::csv::read(&out, "fuzz");
        let again = again.unwrap_or_else(|e| panic!("the CSV output reads back: {e}"));
        let written = again.sheets[0].record_lengths.as_ref().map_or(0, Vec::len);
        // A CSV of one empty line reads back as no records; otherwise every record is there.
        assert!(
            written == records - deleted || (written == 0 && out.len() <= 4),
            "records: {written} written, {records} read, {deleted} deleted"
        );
        if !neutralize {
            plain = Some(out);
        }
    }
    plain
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::{disabled_users, Options};

    /// Found by `csv_scrub`: a kept field holding a NUL was written without its quotes, so the
    /// output read back as binary data (the reader refuses a NUL outside quotes).
    #[test]
    fn regression_csv_nul_field_lost_its_quotes() {
        scrub_csv(b"First Name,Note\xC5\n\"Jo\r\n\",\"a\0b\"\r\n=1+1,-12.5,extra\r\n@x\r\n");
    }

    /// The fuzz targets' seeds go through without a panic.
    #[test]
    fn seeds_pass() {
        let export = disabled_users(&Options {
            rows: 4,
            formula_column: true,
            extra_sheet: true,
            ..Options::default()
        });
        scrub_xlsx(&export.to_xlsx());
        scrub_csv(&export.to_csv());
        for profile in crate::profiles::PROFILES {
            parse_map(profile.toml.as_bytes());
        }
        assert_eq!(maps().len(), crate::profiles::PROFILES.len() + 2);
    }

    use proptest::prelude::*;

    /// Cell values carry `§`, which no header or map text below does: an error or finding
    /// with a `§` in it quotes a cell.
    const MARK: char = '§';

    fn header() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                "First Name",
                "Last Name",
                "Email",
                "Phone",
                "Note",
                "City",
                "(Do Not Modify) Id",
            ])
            .prop_map(str::to_string),
            "[A-Za-z][A-Za-z ]{0,8}",
        ]
    }

    fn key(headers: Vec<String>) -> impl Strategy<Value = String> {
        prop_oneof![
            8 => prop::sample::select(headers),
            1 => "[A-Za-z ]{1,8}",
            1 => "re:[A-Za-z.^$*+?()|]{0,6}".prop_map(|k| k.to_string()),
        ]
    }

    fn action() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("action = \"clear\"".to_string()),
            Just("action = \"keep\"".to_string()),
            "[A-Za-z {}=+@-]{0,12}".prop_map(|v| format!("action = \"replace\", value = \"{v}\"")),
            (0u32..6, 0u32..6, "[*#x]").prop_map(|(f, l, c)| format!(
                "action = \"mask\", keep_first = {f}, keep_last = {l}, char = \"{c}\""
            )),
            ("[a-z.*+?()|^$]{0,8}", "[a-z$0-9 =]{0,6}").prop_map(|(p, r)| format!(
                "action = \"regex\", pattern = '{p}', replace = \"{r}\""
            )),
            prop::sample::select(vec!["text", "name", "email", "phone", "phone", "bogus"])
                .prop_map(|k| format!("action = \"pseudonymize\", as = \"{k}\"")),
            any::<bool>().prop_map(|m| format!(
                "action = \"redact\", detect = [\"email\", \"phone\"], mentions = {m}"
            )),
        ]
    }

    fn options() -> impl Strategy<Value = String> {
        (
            any::<bool>(),
            prop::option::of(0usize..40),
            any::<bool>(),
            prop::option::of("[A-Za-z ]{1,8}"),
        )
            .prop_map(|(optional, max, required, alias)| {
                let mut o = String::new();
                if optional {
                    o.push_str(", optional = true");
                }
                if let Some(max) = max {
                    o.push_str(&format!(", max_length = {max}"));
                }
                if required {
                    o.push_str(", required = true");
                }
                if let Some(alias) = alias {
                    o.push_str(&format!(", aliases = [\"{alias}\"]"));
                }
                o
            })
    }

    /// A table of 1 to 5 columns and 0 to 4 rows of marked values, and a map over its headers.
    fn case() -> impl Strategy<Value = (Vec<String>, Vec<Vec<String>>, String)> {
        prop::collection::vec(header(), 1..5).prop_flat_map(|headers| {
            let width = headers.len();
            // No NUL: the csv crate writes it unquoted, which the reader takes for binary data.
            let cells = prop::collection::vec(
                prop::collection::vec(prop::option::weighted(0.8, "[^\\x00]{0,10}"), width..=width),
                1..5,
            );
            let entries = prop::collection::vec((key(headers.clone()), action(), options()), 1..4);
            let rule = prop::option::weighted(0.3, (key(headers.clone()), "[A-Za-z]{0,4}", any::<bool>()));
            (Just(headers), cells, entries, rule)
        })
        .prop_map(|(headers, cells, entries, rule)| {
            let cells = cells
                .into_iter()
                .enumerate()
                .map(|(r, row)| {
                    row.into_iter()
                        .enumerate()
                        .map(|(c, v)| v.map_or_else(String::new, |v| format!("{MARK}{r}{c}{v}")))
                        .collect()
                })
                .collect();
            let mut map = String::from("version = 1\n[columns]\n");
            let mut keys = std::collections::HashSet::new();
            for (key, action, options) in entries {
                if !keys.insert(key.clone()) {
                    continue; // a TOML table cannot hold a key twice
                }
                map.push_str(&format!("{key:?} = {{ {action}{options} }}\n"));
            }
            if let Some((column, value, delete)) = rule {
                map.push_str(&format!(
                    "[[rows]]\nwhere = {{ column = {column:?}, equals = {value:?} }}\naction = \"{}\"\n",
                    if delete { "delete" } else { "scrub" }
                ));
            }
            (headers, cells, map)
        })
    }

    fn assert_unmarked(what: &str, text: &str) -> Result<(), TestCaseError> {
        prop_assert!(!text.contains(MARK), "{} quotes a cell: {}", what, text);
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]
        /// Arbitrary maps over arbitrary tables: no panic, and no error, problem or finding
        /// quotes a cell.
        #[test]
        fn maps_and_cells_never_panic_or_leak_into_errors((headers, cells, map_text) in case()) {
            let subjects = crate::subjects::Subjects::from_values(&[format!("{MARK}00")]);
            let inputs = crate::map::MapInputs { key: Some(super::key()), subjects: &subjects };
            let map = match Map::parse_with(&map_text, "map.toml", &inputs) {
                Ok(map) => map,
                Err(e) => return assert_unmarked("map error", &e.to_string()),
            };
            let mut w = ::csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
            w.write_record(&headers).unwrap();
            for row in &cells {
                w.write_record(row).unwrap();
            }
            let bytes = w.into_inner().unwrap();
            // A NUL outside quotes makes it binary data, not a CSV: refused, without a value.
            let book = match crate::csv::read(&bytes, "sheet") {
                Ok(book) => book,
                Err(p) => return assert_unmarked("csv problem", &p.to_string()),
            };
            let plan = match plan::resolve(&map, &book) {
                Ok(plan) => plan,
                Err(p) => return assert_unmarked("plan problem", &p.to_string()),
            };
            let changes = apply::apply_plan(&map, &plan, &book);
            let mut report = crate::changes::sheet_reports(&map, &book, &plan, &changes);
            // A deleted row's record id (a Dynamics GUID) is listed by design: it names the
            // record, as the row number does. Everything else must not quote a cell.
            for sheet in &mut report {
                for row in &mut sheet.deleted_rows {
                    row.record_id = None;
                }
            }
            assert_unmarked("report", &serde_json::to_string(&report).unwrap())?;
            let Format::Csv(dialect) = &book.format else { unreachable!() };
            let mut out = Vec::new();
            if let Err(p) = crate::csv::write_with(&book, dialect, &changes, true, &mut out) {
                return assert_unmarked("write problem", &p.to_string());
            }
            match crate::verify::verify_output(&map, &book, &plan, &changes, &out, &LIMITS) {
                Ok(outcome) => {
                    for finding in &outcome.findings {
                        assert_unmarked("finding", &finding.to_string())?;
                    }
                }
                Err(p) => assert_unmarked("verify problem", &p.to_string())?,
            }
        }
    }
}
