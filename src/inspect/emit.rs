//! A starter map (TOML) from inspections: one entry per personal column, with a comment saying
//! why, and actions that keep the file importable.
//!
//! - Keys are Dynamics logical names when the file has metadata (so the map serves every
//!   language and view), with the header as an alias (for CSV exports); else headers.
//! - Required columns are never cleared: emails and user names become
//!   `deleted-{id}@example.invalid`, names a keyed made-up name, phones a keyed pseudonym
//!   with as many digits, other text `Deleted`.
//! - Other emails are pseudonymized as emails; other names, phones, addresses, coordinates,
//!   identifiers and free text are cleared.
//! - `required` and `max_length` come from the data validations. Without any (CSV), a name or
//!   email column filled in every row is treated as required, since Dynamics requires First
//!   Name, Last Name, Primary Email and User Name.
//! - Only visible sheets are scrubbed by default, so personal columns of hidden sheets are listed
//!   in a comment instead; not-personal and protected columns are listed in a comment too.
//!
//! The result parses with [`crate::map::Map::parse`] (given a key when it pseudonymizes).

use super::values::ValueKind;
use super::{BookInspection, ColumnInspection, Kind, SheetRole, Verdict};
use crate::workbook::Visibility;
use indexmap::IndexMap;
use std::collections::BTreeSet;

/// One input's inspection, with the path it was read from.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// The input path as given.
    pub path: &'a str,
    /// Its inspection.
    pub inspection: &'a BookInspection,
}

/// A map entry being built, merged over every file and sheet where its key appears.
struct Entry {
    kind: Kind,
    looks_like: Option<ValueKind>,
    required: bool,
    /// Treated as required although no validation says so (see [`Found`]).
    probably_required: bool,
    max_length: Option<u32>,
    /// Dynamics imports only addresses here (its logical name is an email field).
    email_field: bool,
    aliases: Vec<String>,
    found_in: BTreeSet<usize>,
    /// Where it was found and why it is personal (from the first place found).
    origin: String,
}

/// A personal column, where it was found and why.
struct Found<'a> {
    file: usize,
    column: &'a ColumnInspection,
    place: String,
    reason: String,
    /// No validation says, but a name or email filled in every row of an importable export is
    /// most likely required (First Name, Last Name, Primary Email, User Name), so it is not
    /// cleared.
    probably_required: bool,
}

/// Why a column is listed in a comment instead of the map.
struct Listed {
    place: String,
    reason: String,
}

/// What a starter map holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StarterMap {
    /// The TOML text.
    pub toml: String,
    /// Number of `[columns]` entries.
    pub entries: usize,
    /// Whether an entry pseudonymizes, so `scrub` needs a key.
    pub needs_key: bool,
}

/// Write a starter map for `sources`. `None` when no column looks personal (a map without
/// entries is refused by `scrub`).
pub fn starter_map(sources: &[Source]) -> Option<StarterMap> {
    let mut hidden: Vec<Listed> = Vec::new();
    let mut kept: Vec<Listed> = Vec::new();
    let mut protected: Vec<Listed> = Vec::new();
    let mut personal: Vec<Found> = Vec::new();
    for (file, source) in sources.iter().enumerate() {
        for sheet in &source.inspection.sheets {
            if sheet.role != SheetRole::Data {
                continue;
            }
            // Without validations (CSV), "required" is unknown.
            let rules_known = sheet.columns.iter().any(|c| c.validation.is_some());
            for column in &sheet.columns {
                let place = format!(
                    "{}{} {}",
                    if sources.len() > 1 {
                        format!("{}: ", comment_text(source.path))
                    } else {
                        String::new()
                    },
                    quoted_sheet_cell(&sheet.name, &column.letter),
                    comment_text(&format!("{:?}", column.header))
                );
                let reason = comment_text(&column.reason);
                match column.verdict {
                    Verdict::Protected => protected.push(Listed { place, reason }),
                    Verdict::NotPersonal => kept.push(Listed { place, reason }),
                    Verdict::Personal if sheet.visibility != Visibility::Visible => {
                        hidden.push(Listed { place, reason })
                    }
                    Verdict::Personal => personal.push(Found {
                        file,
                        column,
                        place,
                        reason,
                        probably_required: !rules_known
                            && sheet.rows > 0
                            && column.filled == sheet.rows
                            && (matches!(column.kind, Some(Kind::Name | Kind::Email))
                                || column.looks_like == Some(ValueKind::Email)),
                    }),
                }
            }
        }
    }
    // Logical names first, so that a header-keyed column (from a CSV of the same table) joins
    // the entry that already lists its header as an alias: two keys on one column would be an
    // error in `scrub`.
    personal.sort_by_key(|found| found.column.logical.is_none());
    let mut entries: IndexMap<String, Entry> = IndexMap::new();
    for found in personal {
        add(&mut entries, found, &mut kept);
    }
    if entries.is_empty() {
        return None;
    }
    let mut toml = String::new();
    let mut needs_key = false;
    toml.push_str("# Starter map written by `dsr-scrub inspect --emit-map` from:\n");
    for s in sources {
        let entity = s
            .inspection
            .entity
            .as_deref()
            .map_or_else(String::new, |e| format!(" (Dynamics entity {e})"));
        toml.push_str(&format!("#   {}{entity}\n", comment_text(s.path)));
    }
    toml.push_str(
        "#\n\
         # Review it before use: each entry's comment says why the column looks personal.\n\
         # Required columns are replaced or pseudonymized, never cleared, so the import accepts\n\
         # every row; `max_length` keeps new values within the column's limit.\n",
    );
    let body: Vec<String> = entries
        .iter()
        .map(|(key, e)| {
            let (action, why) = action(e);
            needs_key |= action.contains("pseudonymize");
            let mut fields = vec![action];
            if e.required {
                fields.push("required = true".into());
            }
            if let Some(max) = e.max_length {
                fields.push(format!("max_length = {max}"));
            }
            if e.email_field {
                fields.push("format = \"email\"".into());
            }
            if e.found_in.len() < sources.len() {
                fields.push("optional = true".into());
            }
            if !e.aliases.is_empty() {
                let list: Vec<String> = e.aliases.iter().map(|a| toml_string(a)).collect();
                fields.push(format!("aliases = [{}]", list.join(", ")));
            }
            let only = if e.found_in.len() < sources.len() {
                "; not in every input, so optional"
            } else {
                ""
            };
            format!(
                "# {}: {why}{only}\n{} = {{ {} }}\n",
                e.origin,
                toml_key(key),
                fields.join(", ")
            )
        })
        .collect();
    if needs_key {
        toml.push_str(
            "# It pseudonymizes, so scrub with a secret key: --key-file FILE or DSR_SCRUB_KEY.\n",
        );
    } else {
        toml.push_str("# It needs no key.\n");
    }
    toml.push_str("\nversion = 1\n\n[columns]\n");
    toml.push_str(&body.join("\n"));
    for (title, list) in [
        (
            "Personal columns in hidden sheets, which `scrub` leaves alone unless the map lists the sheet in `sheets = [...]`:",
            &hidden,
        ),
        ("Not mapped (judged not personal, so kept as they are):", &kept),
        (
            "Protected (Dynamics needs them unchanged; a map may not name them):",
            &protected,
        ),
    ] {
        if list.is_empty() {
            continue;
        }
        toml.push_str(&format!("\n# {title}\n"));
        for l in list {
            toml.push_str(&format!("#   {}: {}\n", l.place, l.reason));
        }
    }
    Some(StarterMap {
        entries: entries.len(),
        toml,
        needs_key,
    })
}

fn add(entries: &mut IndexMap<String, Entry>, found: Found, kept: &mut Vec<Listed>) {
    let Found {
        file,
        column,
        place,
        reason,
        probably_required,
    } = found;
    let key = column
        .logical
        .clone()
        .unwrap_or_else(|| column.header.clone());
    // A header that is empty or starts with `re:` cannot be a key of its own.
    if key.trim().is_empty() || key.starts_with("re:") {
        kept.push(Listed {
            place,
            reason: format!("{reason}; NOT MAPPED: its header cannot be a map key, add it by hand"),
        });
        return;
    }
    let loose = |s: &str| s.trim().to_lowercase();
    let key = if column.logical.is_none() {
        entries
            .iter()
            .find(|(k, e)| {
                loose(k) == loose(&key) || e.aliases.iter().any(|a| loose(a) == loose(&key))
            })
            .map_or(key, |(k, _)| k.clone())
    } else {
        key
    };
    let kind = column.kind.unwrap_or(Kind::FreeText);
    let entry = entries.entry(key.clone()).or_insert_with(|| Entry {
        kind,
        looks_like: column.looks_like,
        required: false,
        probably_required: false,
        max_length: None,
        email_field: false,
        aliases: Vec::new(),
        found_in: BTreeSet::new(),
        origin: format!("{place}: {reason}"),
    });
    entry.required |= column.required;
    entry.email_field |= column
        .logical
        .as_deref()
        .is_some_and(|l| crate::dynamics::EMAIL_FIELDS.contains(&l));
    entry.probably_required |= probably_required;
    entry.max_length = match (entry.max_length, column.max_length) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    if column.header != key && !entry.aliases.contains(&column.header) {
        entry.aliases.push(column.header.clone());
    }
    entry.found_in.insert(file);
}

/// The action for an entry (TOML fields) and why, in words.
fn action(e: &Entry) -> (String, String) {
    let emails = e.email_field || e.kind == Kind::Email || e.looks_like == Some(ValueKind::Email);
    let pseudonymize = |kind: &str| format!("action = \"pseudonymize\", as = \"{kind}\"");
    let replace = |value: &str| format!("action = \"replace\", value = {}", toml_string(value));
    // `deleted-` + GUID + `@example.invalid` is 60 characters; {id8} keeps it to 33.
    let id = if e.max_length.is_some_and(|m| m < 60) {
        "{id8}"
    } else {
        "{id}"
    };
    let (action, why) = match (e.kind, e.required || e.probably_required) {
        (_, true) if emails => (
            replace(&format!("deleted-{id}@example.invalid")),
            "required, so replaced by a unique address that reaches no one",
        ),
        (_, false) if emails => (
            pseudonymize("email"),
            "pseudonymized as an email, so it stays a valid address",
        ),
        (Kind::Name, true) => (
            pseudonymize("name"),
            "required, so pseudonymized as a made-up name, never cleared",
        ),
        (Kind::Phone, true) => (
            pseudonymize("phone"),
            "required, so pseudonymized as a phone number, never cleared",
        ),
        (Kind::Identifier, true) => (
            replace(&format!("deleted-{id}")),
            "required, so replaced by a unique placeholder, never cleared",
        ),
        (Kind::Location, true) => (replace("0"), "required, so replaced by 0, never cleared"),
        (_, true) => (replace("Deleted"), "required, so replaced, never cleared"),
        (Kind::FreeText, false) => (
            "action = \"clear\"".into(),
            "cleared: free text often repeats names, emails and phone numbers (to keep the rest of the text, use action = \"redact\", mentions = true)",
        ),
        (_, false) => ("action = \"clear\"".into(), "cleared"),
    };
    let why = if e.probably_required && !e.required {
        why.replacen(
            "required, so",
            "filled in every row, and with no validations to say whether Dynamics requires it, it is",
            1,
        )
    } else {
        why.to_string()
    };
    (action, why)
}

/// `'Sheet'!A` for a comment.
fn quoted_sheet_cell(sheet: &str, letter: &str) -> String {
    format!("'{}'!{letter}", comment_text(sheet))
}

/// Text made safe for a one-line TOML comment: control characters become spaces.
fn comment_text(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A TOML key: bare when it can be, else a basic string.
fn toml_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        key.to_string()
    } else {
        toml_string(key)
    }
}

/// A TOML basic string with every character that needs it escaped.
pub fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::Key;
    use crate::map::{Map, Selector};
    use crate::testdata::{self, Options as Gen};

    fn key() -> Key {
        Key::from_bytes(b"a test key that is long enough").unwrap()
    }

    fn inspect_xlsx(export: &testdata::Export) -> BookInspection {
        let bytes = export.to_xlsx();
        let book = crate::xlsx::read(&bytes).unwrap();
        let validations = crate::xlsx::package::validations_by_sheet(&bytes).unwrap();
        super::super::inspect(&book, &validations, &super::super::Options::default())
    }

    #[test]
    fn strings_escape_what_toml_needs() {
        assert_eq!(toml_string("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"");
        assert_eq!(toml_key("firstname"), "firstname");
        assert_eq!(toml_key(" Full Name"), "\" Full Name\"");
    }

    #[test]
    fn the_map_parses_and_covers_every_personal_column() {
        let export = testdata::disabled_users(&Gen {
            rows: 40,
            extra_sheet: true,
            ..Gen::default()
        });
        let inspection = inspect_xlsx(&export);
        let starter = starter_map(&[Source {
            path: "users.xlsx",
            inspection: &inspection,
        }])
        .unwrap();
        assert!(starter.needs_key);
        let map = Map::parse(&starter.toml, "emitted", Some(&key()))
            .unwrap_or_else(|e| panic!("{e}\n{}", starter.toml));
        for column in export.columns.iter().filter(|c| c.personal) {
            let rule = map
                .rules
                .iter()
                .find(|r| matches!(&r.selector, Selector::Name(n) if n == column.logical))
                .unwrap_or_else(|| panic!("{} not mapped\n{}", column.logical, starter.toml));
            assert_eq!(rule.aliases, [column.header]);
            assert_eq!(rule.required, column.required, "{}", column.logical);
            assert!(!rule.optional);
            assert_ne!(rule.action.name(), "keep");
            if column.required {
                assert_ne!(rule.action.name(), "clear", "{}", column.logical);
            }
        }
        let named = |logical: &str| {
            map.rules
                .iter()
                .find(|r| r.key == logical)
                .map(|r| r.action.name())
        };
        assert_eq!(named("internalemailaddress"), Some("replace"));
        assert_eq!(named("domainname"), Some("replace"));
        assert_eq!(named("personalemailaddress"), Some("pseudonymize"));
        assert_eq!(named("windowsliveid"), Some("pseudonymize"));
        let format = |logical: &str| map.rules.iter().find(|r| r.key == logical).unwrap().format;
        assert_eq!(
            format("windowsliveid"),
            Some(crate::map::FieldFormat::Email)
        );
        assert_eq!(format("domainname"), None);
        assert_eq!(named("firstname"), Some("pseudonymize"));
        assert_eq!(named("middlename"), Some("clear"));
        assert_eq!(named("businessunitid"), None);
        assert!(starter.toml.contains("# Not mapped"));
        assert!(starter.toml.contains("\"Business Unit\""));
        assert!(starter.toml.contains("# Protected"));
        for value in export.personal_values().iter().filter(|v| v.len() > 3) {
            assert!(
                !starter.toml.contains(value.as_str()),
                "the map quotes a value"
            );
        }
    }

    #[test]
    fn a_csv_keeps_full_name_and_email_columns_filled() {
        // A CSV has no validations, so "required" is unknown: names and emails filled in every
        // row are kept filled, as the import would likely require them.
        let export = testdata::disabled_users(&Gen {
            rows: 30,
            ..Gen::default()
        });
        let book = crate::csv::read(&export.to_csv(), "users").unwrap();
        let csv = super::super::inspect(&book, &[], &super::super::Options::default());
        let starter = starter_map(&[Source {
            path: "users.csv",
            inspection: &csv,
        }])
        .unwrap();
        let map = Map::parse(&starter.toml, "emitted", Some(&key())).unwrap();
        let action = |key: &str| {
            let rule = map.rules.iter().find(|r| r.key == key).unwrap();
            assert!(!rule.required, "{key}: no validation said so");
            rule.action.name()
        };
        assert_eq!(action("First Name"), "pseudonymize");
        assert_eq!(action("Primary Email"), "replace");
        assert_eq!(action("User Name"), "replace");
        assert_eq!(action("Middle Name"), "clear");
        assert_eq!(action("Mobile Phone"), "clear");
    }

    #[test]
    fn several_inputs_make_missing_keys_optional() {
        let export = testdata::disabled_users(&Gen {
            rows: 10,
            ..Gen::default()
        });
        let xlsx = inspect_xlsx(&export);
        let csv_book = crate::csv::read(&export.to_csv(), "users").unwrap();
        let csv = super::super::inspect(&csv_book, &[], &super::super::Options::default());
        let starter = starter_map(&[
            Source {
                path: "a.xlsx",
                inspection: &xlsx,
            },
            Source {
                path: "b.csv",
                inspection: &csv,
            },
        ])
        .unwrap();
        let map = Map::parse(&starter.toml, "emitted", Some(&key())).unwrap();
        // The CSV's columns (no metadata) join the xlsx entries through their aliases, so each
        // column has one key and every entry is found in both inputs.
        assert!(map.rules.iter().all(|r| !r.optional), "{}", starter.toml);
        assert!(map.rules.iter().any(|r| r.key == "firstname"));
        assert!(!map.rules.iter().any(|r| r.key == "First Name"));
    }
}
