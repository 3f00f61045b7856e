//! `inspect`: what an export holds, sheet by sheet and column by column, and which columns look
//! personal and why.
//!
//! Pure analysis of a [`Workbook`] (plus the data validations of an `.xlsx`, which calamine does
//! not expose) into a serializable [`BookInspection`]. Nothing here prints a cell value: values
//! appear only in [`ColumnInspection::samples`], which is filled only when the caller asks for
//! samples.
//!
//! A column's verdict is decided by the first of these that applies:
//! 1. **protected**: a `(Do Not Modify)` column or one the metadata names as record id,
//!    row checksum or modified-on stamp; never personal, never changed;
//! 2. **formula column**: computed from other columns, so scrubbing those is what counts;
//! 3. **lookup** (validation title `Lookup`, a known lookup logical name, or a header such as
//!    `Manager`, `Owner`): the display name of *another* record, not this row's person;
//! 4. the Dynamics **logical name** of a standard personal column (`firstname`,
//!    `address1_city`, ...);
//! 5. the **header dictionary** (English, German, French, Spanish, Italian, Dutch, Portuguese,
//!    and every localized alias of the built-in profiles; [`dictionary`]);
//! 6. a known system column or an **option set** (a fixed list of labels): not personal;
//! 7. the **values** ([`values`]): emails, phones, person names, street addresses, GUID-like ids;
//! 8. otherwise not personal.
//!
//! ```
//! use dsr_scrub::inspect::{inspect, Options, Verdict};
//! use dsr_scrub::testdata::{disabled_users, Options as Gen};
//!
//! let export = disabled_users(&Gen { rows: 20, ..Gen::default() });
//! let book = dsr_scrub::csv::read(&export.to_csv(), "users").unwrap();
//! let report = inspect(&book, &[], &Options::default());
//! let email = report.sheets[0].columns.iter().find(|c| c.header == "Primary Email").unwrap();
//! assert_eq!(email.verdict, Verdict::Personal);
//! assert!(email.samples.is_none());
//! ```

pub mod dictionary;
pub mod emit;
pub mod render;
pub mod values;

use crate::dynamics::{self, ColumnRules, Metadata, ProtectedShape, Validation};
use crate::text::format_serial;
use crate::workbook::{Format, Sheet, Visibility, Workbook};
use calamine::Data;
use dictionary::Logical;
use serde::Serialize;
use std::collections::BTreeMap;
use values::ValueKind;

/// How many non-empty text values per column the value heuristics look at. Types and fill rate
/// always count every row.
pub const VALUE_SAMPLE: usize = 5_000;

/// The kinds of personal data the verdict distinguishes; they decide the action of an emitted
/// map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// First, last, middle, full name, nickname.
    Name,
    /// An email address.
    Email,
    /// Phone, mobile, fax, pager.
    Phone,
    /// Street, city, postal code, country, ...
    Address,
    /// Latitude and longitude.
    Location,
    /// User name, employee or government id, user ids, photo.
    Identifier,
    /// Salutation, title, job title.
    Title,
    /// Birth date, gender, family, nationality.
    PersonalDetail,
    /// Description, notes, comments: free text that often names people.
    FreeText,
}

impl Kind {
    /// How a report says it.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Name => "person name",
            Kind::Email => "email address",
            Kind::Phone => "phone number",
            Kind::Address => "postal address",
            Kind::Location => "geographic coordinate",
            Kind::Identifier => "identifier of the person",
            Kind::Title => "salutation or title",
            Kind::PersonalDetail => "personal detail",
            Kind::FreeText => "free text",
        }
    }

    pub(crate) fn of_values(kind: ValueKind) -> Kind {
        match kind {
            ValueKind::Email => Kind::Email,
            ValueKind::Phone => Kind::Phone,
            ValueKind::PersonName => Kind::Name,
            ValueKind::StreetAddress => Kind::Address,
            ValueKind::Guid => Kind::Identifier,
            ValueKind::TextWithContacts => Kind::FreeText,
        }
    }
}

/// Is the column personal data?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// It holds personal data of the row's person: map it.
    Personal,
    /// It does not (or it belongs to another record): keep it.
    NotPersonal,
    /// Dynamics needs it unchanged to update the record; a map may not name it.
    Protected,
}

/// What to include besides the analysis.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Up to this many distinct values per column in [`ColumnInspection::samples`]; 0 for none.
    pub samples: usize,
}

/// What a sheet is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SheetRole {
    /// A sheet with a header row: analyzed column by column.
    Data,
    /// Dynamics' metadata sheet (`hiddenSheet`): described, never analyzed or changed.
    Metadata,
    /// Row 1 is empty, so no header names the columns: they are analyzed on their values.
    NoHeader,
    /// Row 1 holds a record's values, not column names (a file saved without its header row):
    /// the columns are analyzed on their values, and row 1 is never shown.
    ValuesInHeader {
        /// The column of the first value, by letter.
        column: String,
        /// What it is ("an email address").
        kind: &'static str,
    },
}

/// Counts of the types of a column's non-empty cells.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TypeMix {
    /// Text cells (for CSV: fields that are neither numbers nor dates).
    pub text: u64,
    /// Numbers.
    pub number: u64,
    /// Dates and date-times (for CSV: fields written like dates).
    pub date: u64,
    /// Booleans.
    pub bool: u64,
    /// Error cells (`#N/A`, ...).
    pub error: u64,
    /// Cells with a formula (counted besides the type of their cached value).
    pub formula: u64,
}

/// One column of a sheet.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnInspection {
    /// Zero-based column index.
    pub index: u32,
    /// Column letters (`A`, `AF`).
    pub letter: String,
    /// The header exactly as in the file (leading spaces kept).
    pub header: String,
    /// The Dynamics logical name, from `hiddenSheet!A1`.
    pub logical: Option<String>,
    /// Whether the column is hidden.
    pub hidden: bool,
    /// The data validation's prompt title (`Text (required)`, `Lookup`, `Option set`, ...).
    pub validation: Option<String>,
    /// Dynamics requires a value (from the data validation).
    pub required: bool,
    /// Maximum length in characters (from the data validation).
    pub max_length: Option<u32>,
    /// Types of the non-empty cells.
    pub types: TypeMix,
    /// Non-empty data cells.
    pub filled: u64,
    /// `filled` / data rows (0 when there are no rows).
    pub fill_rate: f64,
    /// Personal, not personal, or protected.
    pub verdict: Verdict,
    /// The kind of personal data, for personal columns.
    pub kind: Option<Kind>,
    /// Why, in words (never a value).
    pub reason: String,
    /// What most values look like, when the value heuristics recognize them.
    pub looks_like: Option<ValueKind>,
    /// Distinct values, only when samples were asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub samples: Option<Vec<String>>,
}

/// One sheet of a file.
#[derive(Debug, Clone, Serialize)]
pub struct SheetInspection {
    /// Sheet name (for CSV, the file stem).
    pub name: String,
    /// Visible, hidden or very hidden.
    pub visibility: Visibility,
    /// Data, metadata or no header.
    pub role: SheetRole,
    /// Data rows (header excluded).
    pub rows: u64,
    /// Columns from A to the last used one.
    pub width: u32,
    /// The used range, e.g. `A1:AF251`.
    pub dimension: Option<String>,
    /// The columns (data sheets only).
    pub columns: Vec<ColumnInspection>,
}

/// One file.
#[derive(Debug, Clone, Serialize)]
pub struct BookInspection {
    /// `xlsx` or `csv`.
    pub format: &'static str,
    /// The Dynamics entity (`systemuser`), from `hiddenSheet!A1`.
    pub entity: Option<String>,
    /// The sheets, in workbook order.
    pub sheets: Vec<SheetInspection>,
}

/// Analyze a workbook. `validations` are the data validations per sheet name (empty for CSV).
pub fn inspect(
    book: &Workbook,
    validations: &[(String, Vec<Validation>)],
    options: &Options,
) -> BookInspection {
    let metadata = book.metadata();
    let csv = matches!(book.format, Format::Csv(_));
    let sheets = book
        .sheets
        .iter()
        .map(|sheet| {
            let rules = validations
                .iter()
                .find(|(name, _)| *name == sheet.name)
                .map(|(_, v)| dynamics::column_rules(v))
                .unwrap_or_default();
            inspect_sheet(sheet, csv, metadata.as_ref(), &rules, options)
        })
        .collect();
    BookInspection {
        format: if csv { "csv" } else { "xlsx" },
        entity: metadata.map(|m| m.entity),
        sheets,
    }
}

fn inspect_sheet(
    sheet: &Sheet,
    csv: bool,
    metadata: Option<&Metadata>,
    rules: &BTreeMap<u32, ColumnRules>,
    options: &Options,
) -> SheetInspection {
    let dimension = match (sheet.cells.start(), sheet.cells.end()) {
        (Some(_), Some((r, c))) => Some(format!("A1:{}{}", crate::a1::column_letters(c), r + 1)),
        _ => None,
    };
    let mut out = SheetInspection {
        name: sheet.name.clone(),
        visibility: sheet.visibility,
        role: SheetRole::Data,
        rows: u64::from(sheet.height().saturating_sub(1)),
        width: sheet.width(),
        dimension,
        columns: Vec::new(),
    };
    if sheet.holds_metadata() {
        out.role = SheetRole::Metadata;
        return out;
    }
    // A sheet whose row 1 is empty has no header to name its columns: they are judged on
    // their values alone, as the coverage check judges them.
    let headers = match sheet.headers() {
        Some(headers) => match crate::plan::value_in_header(&headers) {
            Some((col, kind)) => {
                out.role = SheetRole::ValuesInHeader {
                    column: crate::a1::column_letters(col as u32),
                    kind,
                };
                vec![String::new(); sheet.width() as usize]
            }
            None => headers,
        },
        None => {
            out.role = SheetRole::NoHeader;
            vec![String::new(); sheet.width() as usize]
        }
    };
    let ctx = Ctx {
        csv,
        metadata,
        options,
        rows: sheet.height(),
    };
    out.columns = inspect_columns(sheet, &headers, rules, &ctx);
    out
}

/// How to look at a sheet's columns.
pub(crate) struct Ctx<'a> {
    /// The sheet comes from a CSV (its cells are all text).
    pub csv: bool,
    /// The file's `hiddenSheet!A1`.
    pub metadata: Option<&'a Metadata>,
    /// What to include.
    pub options: &'a Options,
    /// Look at rows below this one (0-based, header = 0) only: a sample for a quick verdict.
    pub rows: u32,
}

/// The verdict on each column of a sheet with a header row.
pub(crate) fn inspect_columns(
    sheet: &Sheet,
    headers: &[String],
    rules: &BTreeMap<u32, ColumnRules>,
    ctx: &Ctx,
) -> Vec<ColumnInspection> {
    inspect_columns_where(sheet, headers, rules, ctx, |_| true)
}

/// [`inspect_columns`] of the columns `wanted` picks (by index) only: each column is inspected
/// on its own, so the others' inspections would only be thrown away.
pub(crate) fn inspect_columns_where(
    sheet: &Sheet,
    headers: &[String],
    rules: &BTreeMap<u32, ColumnRules>,
    ctx: &Ctx,
    wanted: impl Fn(u32) -> bool + Sync,
) -> Vec<ColumnInspection> {
    use rayon::prelude::*;
    // Each column on its own: they are many, and `scrub` runs this on every file.
    headers
        .par_iter()
        .enumerate()
        .filter(|&(col, _)| wanted(col as u32))
        .map(|(col, header)| {
            let col = col as u32;
            inspect_column(sheet, col, header, rules.get(&col), ctx)
        })
        .collect()
}

/// What a column's cells hold, in one pass over its rows.
struct Scan<'a> {
    types: TypeMix,
    filled: u64,
    texts: Vec<&'a str>,
    samples: Vec<String>,
}

fn scan_column<'a>(sheet: &'a Sheet, col: u32, ctx: &Ctx) -> Scan<'a> {
    let (csv, samples) = (ctx.csv, ctx.options.samples);
    let mut scan = Scan {
        types: TypeMix::default(),
        filled: 0,
        texts: Vec::new(),
        samples: Vec::new(),
    };
    for row in 1..sheet.height().min(ctx.rows) {
        if sheet.formula(row, col).is_some() {
            scan.types.formula += 1;
        }
        let cell = sheet.cell(row, col);
        match cell {
            Data::Empty => continue,
            Data::String(s) if s.is_empty() => continue,
            Data::String(s) => {
                if !csv {
                    scan.types.text += 1;
                } else if is_number_text(s.trim()) {
                    scan.types.number += 1;
                } else if values::looks_like_date(s.trim()) {
                    scan.types.date += 1;
                } else if matches!(s.trim().to_lowercase().as_str(), "true" | "false") {
                    scan.types.bool += 1;
                } else {
                    scan.types.text += 1;
                }
                if scan.texts.len() < VALUE_SAMPLE {
                    scan.texts.push(s);
                }
            }
            Data::Float(_) | Data::Int(_) | Data::DurationIso(_) => scan.types.number += 1,
            Data::Bool(_) => scan.types.bool += 1,
            Data::DateTime(_) | Data::DateTimeIso(_) => scan.types.date += 1,
            Data::Error(_) => scan.types.error += 1,
        }
        scan.filled += 1;
        if scan.samples.len() < samples {
            let shown = display(cell);
            if !scan.samples.contains(&shown) {
                scan.samples.push(shown);
            }
        }
    }
    scan
}

/// Whether CSV text reads as a number. Digits with a leading zero (`00123`, an employee id or a
/// postal code) are text: a spreadsheet would drop the zero.
fn is_number_text(s: &str) -> bool {
    let digits = s.trim_start_matches(['-', '+']);
    let leading_zero = digits.len() > 1 && digits.starts_with('0') && !digits.starts_with("0.");
    !leading_zero && s.parse::<f64>().is_ok_and(f64::is_finite)
}

/// A cell as a person reads it: dates as `yyyy-mm-dd hh:mm`.
fn display(cell: &Data) -> String {
    match cell {
        Data::DateTime(dt) => format_serial(dt.as_f64()),
        other => other.to_string(),
    }
}

fn protected_reason(
    header: &str,
    metadata: Option<&Metadata>,
    shape: Option<ProtectedShape>,
) -> Option<String> {
    const WHY: &str = "Dynamics needs it unchanged to update the record";
    const WHAT: [&str; 3] = ["record id", "row checksum", "modified-on stamp"];
    if let Some(i) = metadata.and_then(|m| m.protected_headers().position(|p| p == header)) {
        return Some(format!("{}; {WHY}", WHAT[i]));
    }
    if dynamics::is_do_not_modify(header) {
        return Some(format!("(Do Not Modify) column; {WHY}"));
    }
    shape.map(|s| {
        let (what, looks) = match s {
            ProtectedShape::RecordId => (WHAT[0], "first column, record GUIDs"),
            ProtectedShape::Checksum => (WHAT[1], "second column, 88-character checksums"),
            ProtectedShape::ModifiedOn => (WHAT[2], "third column, date-times"),
        };
        format!("{what} ({looks}, as in every export whatever its language); {WHY}")
    })
}

fn inspect_column(
    sheet: &Sheet,
    col: u32,
    header: &str,
    rules: Option<&ColumnRules>,
    ctx: &Ctx,
) -> ColumnInspection {
    let (metadata, options) = (ctx.metadata, ctx.options);
    let shape = crate::workbook::protected_shape(sheet, col);
    let logical = metadata
        .and_then(|m| m.logical_of(header))
        .map(str::to_string);
    let scan = scan_column(sheet, col, ctx);
    let guess = values::guess(&scan.texts);
    let rows = u64::from(sheet.height().min(ctx.rows).saturating_sub(1));
    let (verdict, kind, reason) = decide(
        header,
        logical.as_deref(),
        metadata,
        shape,
        rules,
        &scan,
        guess.as_ref(),
    );
    ColumnInspection {
        index: col,
        letter: crate::a1::column_letters(col),
        header: header.to_string(),
        logical,
        hidden: sheet
            .layout
            .columns
            .iter()
            .any(|c| c.hidden && (c.first..=c.last).contains(&col)),
        validation: rules.and_then(|r| r.title.clone()),
        required: rules.is_some_and(|r| r.required),
        max_length: rules.and_then(|r| r.max_length),
        types: scan.types,
        filled: scan.filled,
        fill_rate: if rows == 0 {
            0.0
        } else {
            (scan.filled as f64 / rows as f64 * 10_000.0).round() / 10_000.0
        },
        verdict,
        kind,
        reason,
        looks_like: guess.map(|g| g.kind),
        samples: (options.samples > 0).then_some(scan.samples),
    }
}

fn decide(
    header: &str,
    logical: Option<&str>,
    metadata: Option<&Metadata>,
    shape: Option<ProtectedShape>,
    rules: Option<&ColumnRules>,
    scan: &Scan,
    guess: Option<&values::Guess>,
) -> (Verdict, Option<Kind>, String) {
    let not = |reason: String| (Verdict::NotPersonal, None, reason);
    let personal = |kind: Kind, why: String| {
        (
            Verdict::Personal,
            Some(kind),
            format!("{} ({why})", kind.describe()),
        )
    };
    if let Some(reason) = protected_reason(header, metadata, shape) {
        return (Verdict::Protected, None, reason);
    }
    if scan.types.formula > 0 && scan.types.formula * 2 >= scan.filled.max(1) {
        return not("formula column: computed from other columns; scrubbing those also drops its cached text".into());
    }
    let known = logical.and_then(dictionary::logical_kind);
    let lookup_by = if rules.is_some_and(ColumnRules::is_lookup) {
        Some("validation 'Lookup'".to_string())
    } else if known == Some(Logical::Lookup) {
        Some(format!("Dynamics column {}", logical.unwrap_or_default()))
    } else {
        dictionary::header_lookup(header).map(|term| format!("header term \"{term}\""))
    };
    if let Some(by) = lookup_by {
        return not(format!(
            "lookup ({by}): names a related record (another user, a business unit), not this row's person; the import matches it by name"
        ));
    }
    if let (Some(Logical::Personal(kind)), Some(l)) = (known, logical) {
        return personal(kind, format!("Dynamics column {l}"));
    }
    if let Some(m) = dictionary::header_kind(header) {
        // A header that is one bare word such as "Title" or "Name" is a person's title or name
        // in a person's table; in another table (a logical name this tool does not know, such
        // as `msdyn_flow_approval_title`) it is that record's own title or name.
        let bare_word =
            matches!(m.kind, Kind::Title | Kind::Name) && dictionary::normalize(header) == m.term;
        if let (true, Some(l), None) = (bare_word, logical, known) {
            return not(format!(
                "the record's own {} (Dynamics column {l}), not a person's",
                m.term
            ));
        }
        return personal(m.kind, format!("header term \"{}\"", m.term));
    }
    if let (Some(Logical::System), Some(l)) = (known, logical) {
        let option_set = if rules.is_some_and(ColumnRules::is_option_set) {
            ", an option set"
        } else {
            ""
        };
        return not(format!("Dynamics system column {l}{option_set}"));
    }
    if rules.is_some_and(ColumnRules::is_option_set) {
        return not("option set: one of a fixed list of labels".into());
    }
    if let Some(g) = guess {
        return personal(
            Kind::of_values(g.kind),
            format!(
                "values: {:.0}% of {} sampled look like {}",
                g.share * 100.0,
                scan.texts.len(),
                g.kind.describe()
            ),
        );
    }
    if scan.filled == 0 {
        return not("empty, and the header is not a personal-data term".into());
    }
    not("the header is not a personal-data term and the values do not look like emails, phones, person names, addresses or user ids".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::{self, Options as Gen};

    fn gen(rows: usize, formula_column: bool, extra_sheet: bool) -> testdata::Export {
        testdata::disabled_users(&Gen {
            rows,
            formula_column,
            extra_sheet,
            ..Gen::default()
        })
    }

    fn check_against_generator(export: &testdata::Export, report: &BookInspection) {
        let sheet = report
            .sheets
            .iter()
            .find(|s| s.role == SheetRole::Data)
            .unwrap();
        assert_eq!(sheet.columns.len(), export.columns.len());
        for (column, got) in export.columns.iter().zip(&sheet.columns) {
            assert_eq!(got.header, column.header);
            let expected = if column.protected {
                Verdict::Protected
            } else if column.personal {
                Verdict::Personal
            } else {
                Verdict::NotPersonal
            };
            assert_eq!(got.verdict, expected, "{}: {}", column.header, got.reason);
        }
    }

    #[test]
    fn xlsx_verdicts_match_the_generator() {
        for (formula_column, extra_sheet) in [(false, false), (true, true)] {
            let export = gen(120, formula_column, extra_sheet);
            let bytes = export.to_xlsx();
            let book = crate::xlsx::read(&bytes).unwrap();
            let validations = crate::xlsx::package::validations_by_sheet(&bytes).unwrap();
            let report = inspect(&book, &validations, &Options::default());
            assert_eq!(report.entity.as_deref(), Some("systemuser"));
            check_against_generator(&export, &report);
            let data = &report.sheets[0];
            assert_eq!(data.rows, 120);
            for (column, got) in export.columns.iter().zip(&data.columns) {
                assert_eq!(got.logical.as_deref(), Some(column.logical));
                assert_eq!(got.required, column.required, "{}", column.header);
                assert_eq!(got.hidden, column.protected, "{}", column.header);
                if !column.protected && column.max_length.is_some() {
                    assert_eq!(got.max_length, column.max_length, "{}", column.header);
                }
                assert!(got.samples.is_none());
            }
            assert_eq!(report.sheets[1].role, SheetRole::Metadata);
            assert!(report.sheets[1].columns.is_empty());
        }
    }

    #[test]
    fn csv_verdicts_match_the_generator() {
        let export = gen(120, false, false);
        let book = crate::csv::read(&export.to_csv(), "users").unwrap();
        let report = inspect(&book, &[], &Options::default());
        assert_eq!(report.entity, None);
        check_against_generator(&export, &report);
    }

    #[test]
    fn unknown_headers_fall_back_to_values() {
        let export = gen(80, false, false);
        let csv = String::from_utf8(export.to_csv()).unwrap();
        // Rename every header to something the dictionary cannot know.
        let (head, body) = csv.split_once("\r\n").unwrap();
        let renamed: Vec<String> = (0..head.split(',').count())
            .map(|i| format!("Field {i}"))
            .collect();
        let csv = format!("{}\r\n{body}", renamed.join(","));
        let book = crate::csv::read(csv.as_bytes(), "users").unwrap();
        let report = inspect(&book, &[], &Options::default());
        let verdict = |logical: &str| {
            let i = export.column_index(logical).unwrap();
            let c = &report.sheets[0].columns[i];
            (c.verdict, c.looks_like)
        };
        for (logical, looks) in [
            ("fullname", ValueKind::PersonName),
            ("internalemailaddress", ValueKind::Email),
            ("domainname", ValueKind::Email),
            ("mobilephone", ValueKind::Phone),
            ("address1_telephone1", ValueKind::Phone),
            ("address1_line1", ValueKind::StreetAddress),
        ] {
            assert_eq!(
                verdict(logical),
                (Verdict::Personal, Some(looks)),
                "{logical}"
            );
        }
        for logical in [
            "businessunitid",
            "parentsystemuserid",
            "accessmode",
            "isdisabled",
            "caltype",
            "createdon",
        ] {
            assert_eq!(verdict(logical).0, Verdict::NotPersonal, "{logical}");
        }
    }

    #[test]
    fn samples_only_when_asked() {
        let export = gen(10, false, false);
        let book = crate::csv::read(&export.to_csv(), "users").unwrap();
        let report = inspect(&book, &[], &Options { samples: 2 });
        let first = &report.sheets[0].columns[export.column_index("firstname").unwrap()];
        let samples = first.samples.as_ref().unwrap();
        assert!(!samples.is_empty() && samples.len() <= 2);
        let json = serde_json::to_string(&inspect(&book, &[], &Options::default())).unwrap();
        assert!(!json.contains("samples"));
    }
}
