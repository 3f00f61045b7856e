//! The coverage check: no column that looks personal is left alone by accident (DESIGN §0).
//!
//! After a map is resolved against a file, every column of the sheets it scrubs that
//! [`crate::inspect`]'s detector calls personal (its header in a language the dictionary knows,
//! or values that look like emails, phones, person names, addresses or user ids) must be named
//! by the map: scrubbed, or kept on purpose (`keep`). Lookups (another record's name) and
//! protected columns are not personal to the detector, so they need no entry. A formula column
//! whose cached values look personal is covered when every column its formulas read is one
//! the map scrubs: its cached values are cleaned with the changed cells and its formulas
//! recompute from the new ones.
//!
//! The detector looks at a sample ([`crate::inspect::VALUE_SAMPLE`] rows), so a large file
//! costs no more than a small one.

use crate::inspect::{self, dictionary, values, Kind, Options, Verdict};
use crate::map::Map;
use crate::plan::FilePlan;
use crate::workbook::{Format, Sheet, Workbook};
use calamine::Data;
use serde::Serialize;

/// A column that looks personal and that the map neither scrubs nor keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Uncovered {
    /// The sheet.
    pub sheet: String,
    /// The column letter (`N`).
    pub column: String,
    /// The header as in the file.
    pub header: String,
    /// Why it looks personal, in words (never a value).
    pub why: String,
}

impl Uncovered {
    /// `'Mobiltelefon' (column N, phone number)`.
    pub fn describe(&self) -> String {
        format!(
            "'{}' (column {}, {})",
            self.header.trim(),
            self.column,
            self.why
        )
    }
}

/// The columns of the planned sheets that look personal but that `plan` leaves alone.
pub fn check(map: &Map, book: &Workbook, plan: &FilePlan) -> Vec<Uncovered> {
    let metadata = book.metadata();
    let csv = matches!(book.format, Format::Csv(_));
    let options = Options::default();
    let mut out = Vec::new();
    for sp in &plan.sheets {
        let sheet = &book.sheets[sp.sheet];
        let headers = &sp.headers;
        let ctx = inspect::Ctx {
            csv,
            metadata: metadata.as_ref(),
            options: &options,
            rows: inspect::VALUE_SAMPLE as u32 + 1,
        };
        let named = |col: u32| sp.targets.iter().find(|t| t.col == col);
        let scrubbed =
            |col: u32| named(col).is_some_and(|t| map.rules[t.rule].action.name() != "keep");
        let row_rule_column = |col: u32| sp.row_rules.iter().any(|(c, _)| *c == col);
        // The map's own columns need no verdict: only the others are inspected.
        let unnamed = |col: u32| named(col).is_none() && !row_rule_column(col);
        for column in
            inspect::inspect_columns_where(sheet, headers, &sheet.layout.field_rules, &ctx, unnamed)
        {
            let col = column.index;
            let why = match column.verdict {
                // Free text is personal by its header alone only when its values say so too:
                // a "Notes" column of a hand-added sheet is not a person's data by its name.
                Verdict::Personal
                    if column.kind == Some(Kind::FreeText) && column.looks_like.is_none() =>
                {
                    None
                }
                Verdict::Personal => Some(
                    column
                        .kind
                        .map_or("personal data", Kind::describe)
                        .to_string(),
                ),
                Verdict::NotPersonal if column.types.formula > 0 => {
                    formula_problem(sheet, col, headers, &column.header, &scrubbed)
                }
                _ => None,
            };
            if let Some(why) = why {
                out.push(Uncovered {
                    sheet: sheet.name.clone(),
                    column: column.letter.clone(),
                    header: column.header.clone(),
                    why,
                });
            }
        }
    }
    out
}

/// Why a formula column counts as uncovered: its cached values look personal and one of the
/// columns its formulas read is not scrubbed (or is not on this sheet); `None` otherwise.
fn formula_problem(
    sheet: &Sheet,
    col: u32,
    headers: &[String],
    header: &str,
    scrubbed: &dyn Fn(u32) -> bool,
) -> Option<String> {
    let limit = sheet.height().min(inspect::VALUE_SAMPLE as u32 + 1);
    let texts: Vec<&str> = (1..limit)
        .filter_map(|row| match sheet.cell(row, col) {
            Data::String(s) if !s.is_empty() => Some(s.as_str()),
            _ => None,
        })
        .collect();
    let kind = dictionary::header_kind(header)
        .map(|m| m.kind)
        .filter(|k| *k != Kind::FreeText)
        .or_else(|| values::guess(&texts).map(|g| Kind::of_values(g.kind)))?;
    let mut reads = Vec::new();
    for row in 1..limit.min(1 + crate::dynamics::SHAPE_ROWS) {
        if let Some(formula) = sheet.formula(row, col) {
            match columns_read(formula) {
                Some(cols) => reads.extend(cols),
                None => {
                    return Some(format!(
                        "{}, computed by formulas that read other sheets or names",
                        kind.describe()
                    ))
                }
            }
        }
    }
    reads.sort_unstable();
    reads.dedup();
    let unscrubbed: Vec<String> = reads
        .iter()
        .filter(|&&c| !scrubbed(c))
        .map(|&c| match headers.get(c as usize) {
            Some(h) if !h.trim().is_empty() => format!("'{}'", h.trim()),
            _ => format!("column {}", crate::a1::column_letters(c)),
        })
        .collect();
    (!unscrubbed.is_empty()).then(|| {
        format!(
            "{}, computed from {} which the map does not scrub",
            kind.describe(),
            unscrubbed.join(", ")
        )
    })
}

/// The columns (zero-based) a formula reads by A1 references on its own sheet; `None` when it
/// reads another sheet, a defined name or a structured reference, which cannot be followed
/// here.
fn columns_read(formula: &str) -> Option<Vec<u32>> {
    let f = formula.trim_start_matches('=');
    if f.contains('!') || f.contains('[') {
        return None;
    }
    let mut cols = Vec::new();
    let mut chars = f.char_indices().peekable();
    let mut in_string = false;
    let mut after_colon = false;
    while let Some((i, c)) = chars.next() {
        if c == '"' {
            in_string = !in_string;
            continue;
        }
        if in_string || !(c.is_ascii_alphabetic() || c == '$') {
            after_colon = c == ':';
            continue;
        }
        // A word: a reference (`$E$2`, `E2`, `E:E`), a function name (`CONCAT(`) or a name.
        let start = i;
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = chars.peek() {
            if d.is_ascii_alphanumeric() || d == '$' || d == '_' || d == '.' {
                end = j + d.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        let word = &f[start..end];
        if chars.peek().is_some_and(|&(_, d)| d == '(') {
            continue; // a function
        }
        let bare = word.replace('$', "");
        let letters: String = bare.chars().take_while(char::is_ascii_alphabetic).collect();
        let digits = &bare[letters.len()..];
        // Past `XFD` a word is a name, as in a spreadsheet program.
        let col = crate::a1::parse_column(letters.as_bytes())
            .filter(|_| digits.is_empty() || digits.chars().all(|d| d.is_ascii_digit()));
        let whole_column = after_colon || matches!(chars.peek(), Some((_, ':')));
        after_colon = false;
        let Some(col) = col.filter(|_| !digits.is_empty() || whole_column) else {
            if matches!(letters.to_ascii_uppercase().as_str(), "TRUE" | "FALSE") {
                continue;
            }
            return None; // a defined name
        };
        cols.push(col);
    }
    cols.sort_unstable();
    cols.dedup();
    Some(cols)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::{self, localized, Options as Gen};

    fn map(toml: &str) -> Map {
        Map::parse(toml, "m.toml", None).unwrap()
    }

    fn profile() -> Map {
        map(crate::profiles::find("systemuser").unwrap().toml)
    }

    fn uncovered(map: &Map, book: &Workbook) -> Vec<String> {
        let plan = crate::plan::resolve(map, book).unwrap();
        check(map, book, &plan)
            .into_iter()
            .map(|u| u.header.trim().to_string())
            .collect()
    }

    #[test]
    fn formula_references() {
        assert_eq!(columns_read("=E2&\" \"&G2"), Some(vec![4, 6]));
        assert_eq!(columns_read("=CONCAT($A$1, b3)"), Some(vec![0, 1]));
        assert_eq!(columns_read("=UPPER(\"A1\")"), Some(vec![]));
        assert_eq!(columns_read("=SUM(C:C)"), Some(vec![2]));
        assert_eq!(columns_read("=Other!A1"), None);
        assert_eq!(columns_read("=Table1[@Name]"), None);
        assert_eq!(columns_read("=FullName"), None);
        assert_eq!(columns_read("=IF(TRUE,A2,B2)"), Some(vec![0, 1]));
    }

    #[test]
    fn the_default_profile_covers_generated_exports_in_every_form() {
        let options = Gen {
            rows: 60,
            formula_column: true,
            extra_sheet: true,
            ..Gen::default()
        };
        let english = testdata::disabled_users(&options);
        let xlsx = crate::xlsx::read(&english.to_xlsx()).unwrap();
        assert_eq!(uncovered(&profile(), &xlsx), Vec::<String>::new());
        // In a CSV the formula column is plain text: a column of full names the map must name.
        let csv = crate::csv::read(&english.to_csv(), "users").unwrap();
        assert_eq!(uncovered(&profile(), &csv), ["Display"]);
        let plain = Gen {
            formula_column: false,
            ..options
        };
        let csv = crate::csv::read(&testdata::disabled_users(&plain).to_csv(), "u").unwrap();
        assert_eq!(uncovered(&profile(), &csv), Vec::<String>::new());
        for language in [localized::Language::German, localized::Language::French] {
            let export = localized::disabled_users(language, &options);
            let xlsx = crate::xlsx::read(&export.to_xlsx()).unwrap();
            assert_eq!(
                uncovered(&profile(), &xlsx),
                Vec::<String>::new(),
                "{language:?}"
            );
            let export = localized::disabled_users(language, &plain);
            let csv = crate::csv::read(&localized::to_csv(&export, language), "u").unwrap();
            assert_eq!(
                uncovered(&profile(), &csv),
                Vec::<String>::new(),
                "{language:?}"
            );
        }
    }

    #[test]
    fn a_partial_map_names_what_it_misses() {
        let export = testdata::disabled_users(&Gen {
            rows: 60,
            ..Gen::default()
        });
        let book = crate::csv::read(&export.to_csv(), "users").unwrap();
        let m =
            map("version = 1\n[columns]\n\"First Name\" = \"clear\"\n\"Last Name\" = \"keep\"\n");
        let missing = uncovered(&m, &book);
        assert!(missing.contains(&"Mobile Phone".to_string()), "{missing:?}");
        assert!(
            missing.contains(&"Primary Email".to_string()),
            "{missing:?}"
        );
        assert!(
            !missing.contains(&"Last Name".to_string()),
            "kept on purpose"
        );
        assert!(!missing.contains(&"First Name".to_string()));
        for not_personal in [
            "Business Unit",
            "Manager",
            "Access Mode",
            "Status",
            "License Type",
            "Created On",
        ] {
            assert!(
                !missing.contains(&not_personal.to_string()),
                "{not_personal}"
            );
        }
    }

    #[test]
    fn a_formula_column_is_covered_when_it_reads_only_scrubbed_columns() {
        let export = testdata::disabled_users(&Gen {
            rows: 40,
            formula_column: true,
            ..Gen::default()
        });
        let book = crate::xlsx::read(&export.to_xlsx()).unwrap();
        assert!(!uncovered(&profile(), &book).contains(&"Display".to_string()));
        // The same profile keeping Last Name: Display now repeats a kept value.
        let keeps = crate::profiles::find("systemuser")
            .unwrap()
            .toml
            .replace(
                "lastname             = { action = \"replace\", value = \"User {id8}\", required = true,",
                "lastname             = { action = \"keep\",",
            );
        let got = uncovered(&map(&keeps), &book);
        assert_eq!(got, ["Display"]);
        let plan = crate::plan::resolve(&map(&keeps), &book).unwrap();
        let why = &check(&map(&keeps), &book, &plan)[0].why;
        assert!(why.contains("'Last Name'"), "{why}");
    }
}
