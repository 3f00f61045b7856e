//! Resolving a map against one file: which sheets, which columns, which record id.
//!
//! A key finds its columns in this order, the first step that finds any wins: the exact header;
//! the Dynamics logical name through `hiddenSheet!A1`; the header ignoring case and surrounding
//! spaces; then the entry's aliases (exactly, then ignoring case). `re:` keys match every header
//! their regex matches. Named keys take precedence over `re:` keys on the same column.

use crate::dynamics::{self, Metadata};
use crate::error::{PlanError, Problem};
use crate::map::{field_problem, FieldFormat, Map, Selector};
use crate::workbook::{Sheet, Visibility, Workbook};

/// One column to scrub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Zero-based column index.
    pub col: u32,
    /// Index of the rule in [`Map::rules`].
    pub rule: usize,
    /// The column's maximum length: the smaller of the map's `max_length` and the file's
    /// data validation (`Maximum Length: N characters.`).
    pub max_length: Option<usize>,
}

/// The last zero-based column a plan changes: a change names its column in 16 bits. A
/// workbook has at most 16,384 columns; a CSV whose map would change a column past this one is
/// refused ([`PlanError::TooWide`]).
pub const MAX_COLUMN: u32 = u16::MAX as u32;

/// The last rule index a plan's changes name: a change names its rule in 16 bits (a map of
/// more rules is refused where it would change a cell).
pub const MAX_RULE: usize = u16::MAX as usize;

/// What to do in one sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetPlan {
    /// Index of the sheet in [`Workbook::sheets`].
    pub sheet: usize,
    /// The sheet's header row, as [`Sheet::headers`] reads it: read once here, for everything
    /// that names the sheet's columns after the plan.
    pub headers: Vec<String>,
    /// Columns to scrub, ordered by column.
    pub targets: Vec<Target>,
    /// The column holding the record GUID, when there is one.
    pub record_id: Option<u32>,
    /// Row rules that apply in this sheet: (column, index in [`Map::rows`]).
    pub row_rules: Vec<(u32, usize)>,
    /// For each entry of `row_rules`, the column its `join` names, when it has one.
    pub row_joins: Vec<Option<u32>>,
}

/// What to do in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePlan {
    /// One entry per sheet to scrub, in workbook order.
    pub sheets: Vec<SheetPlan>,
    /// For each of [`Map::rules`]: whether it matched a column in this file.
    pub matched: Vec<bool>,
}

impl FilePlan {
    /// The plan of the sheet at `index` in [`Workbook::sheets`] (the index changes carry), when
    /// it is planned.
    pub fn sheet(&self, index: usize) -> Option<&SheetPlan> {
        self.sheets.iter().find(|p| p.sheet == index)
    }

    /// Whether `confirmed`, the plan made on the whole layout after a stream of the cells,
    /// gives what the stream made with this plan, made before the data validations (which
    /// follow the cells) were read: the same but for maximum lengths, each one that differs
    /// shorter than the one applied and no shorter than the longest text the stream left in
    /// its column (`lengths`: per planned sheet, per target, the column and its longest text,
    /// as the applier notes them).
    pub(crate) fn holds_as(&self, confirmed: &FilePlan, lengths: &[Vec<(u32, usize)>]) -> bool {
        let ahead = self;
        let mut capped = confirmed.clone();
        for (sheet, was) in capped.sheets.iter_mut().zip(&ahead.sheets) {
            for (target, was) in sheet.targets.iter_mut().zip(&was.targets) {
                target.max_length = was.max_length;
            }
        }
        if capped != *ahead || lengths.len() != ahead.sheets.len() {
            return false;
        }
        (confirmed.sheets.iter().zip(&ahead.sheets).zip(lengths)).all(|((sheet, was), lengths)| {
            (sheet.targets.iter().zip(&was.targets).enumerate()).all(|(k, (t, w))| {
                t.max_length == w.max_length
                    || match (t.max_length, w.max_length, lengths.get(k)) {
                        (Some(max), was, Some(&(col, longest)))
                            if col == t.col && was.is_none_or(|was| max < was) =>
                        {
                            longest <= max
                        }
                        _ => false,
                    }
            })
        })
    }

    /// The header row of sheet `index` of `book`, the workbook the plan was resolved against:
    /// a planned sheet's from its plan, any other's as [`Sheet::headers`] reads it (empty when
    /// row 1 is empty). What names the columns of every sheet, planned or not (verify, the
    /// leak sweep), reads them here, through [`FilePlan::column_names`].
    pub fn headers(&self, book: &Workbook, index: usize) -> Vec<String> {
        match self.sheet(index) {
            Some(plan) => plan.headers.clone(),
            None => book
                .sheets
                .get(index)
                .and_then(Sheet::headers)
                .unwrap_or_default(),
        }
    }

    /// The names messages give sheet `index`'s columns by: its [`FilePlan::headers`], and none
    /// for Dynamics' metadata sheet, whose row 1 is metadata (its columns go by letter).
    pub fn column_names(&self, book: &Workbook, index: usize) -> Vec<String> {
        if book.sheets.get(index).is_some_and(Sheet::holds_metadata) {
            return Vec::new();
        }
        self.headers(book, index)
    }
}

/// Resolve `map` against `book`.
///
/// # Errors
/// A [`Problem`] when a named sheet is missing, no sheet can be scrubbed, a non-optional key
/// matches no column, a key names a protected column, or two keys claim one column.
pub fn resolve(map: &Map, book: &Workbook) -> Result<FilePlan, Problem> {
    let metadata = book.metadata();
    let chosen: Vec<usize> = match &map.sheets {
        Some(names) => names
            .iter()
            .map(|name| {
                book.sheets
                    .iter()
                    .position(|s| &s.name == name)
                    .ok_or_else(|| PlanError::MissingSheet(name.clone()))
            })
            .collect::<Result<_, _>>()?,
        None => (0..book.sheets.len())
            .filter(|&i| {
                let s = &book.sheets[i];
                s.visibility == Visibility::Visible && s.headers().is_some()
            })
            .collect(),
    };
    if chosen.is_empty() {
        return Err(PlanError::NoSheet.into());
    }
    let mut matched = vec![false; map.rules.len()];
    let mut rows_matched = vec![false; map.rows.len()];
    let mut sheets = Vec::with_capacity(chosen.len());
    for index in chosen {
        let sheet = &book.sheets[index];
        let headers = sheet
            .headers()
            .ok_or_else(|| PlanError::NoHeader(sheet.name.clone()))?;
        if let Some((col, kind)) = value_in_header(&headers) {
            return Err(PlanError::HeaderIsData {
                sheet: sheet.name.clone(),
                column: crate::a1::column_letters(col as u32),
                kind,
            }
            .into());
        }
        let protected = protected_columns_in(sheet, &headers, metadata.as_ref());
        let mut plan = resolve_sheet(
            map,
            &sheet.name,
            &headers,
            metadata.as_ref(),
            &protected,
            &mut matched,
        )?;
        if plan.record_id.is_none() && protected.first() == Some(&true) {
            plan.record_id = (crate::workbook::protected_shape(sheet, 0)
                == Some(dynamics::ProtectedShape::RecordId))
            .then_some(0);
        }
        apply_field_rules(map, sheet, &headers, metadata.as_ref(), &mut plan.targets)?;
        let mut row_rules = Vec::new();
        let mut row_joins = Vec::new();
        for (i, rule) in map.rows.iter().enumerate() {
            let found = |name: &str, aliases: &[String]| {
                find_named(name, aliases, &headers, metadata.as_ref())
                    .first()
                    .map(|&c| c as u32)
            };
            let Some(col) = found(&rule.column, &rule.aliases) else {
                continue;
            };
            let join = match &rule.join {
                Some((name, aliases)) => match found(name, aliases) {
                    Some(c) => Some(c),
                    None => continue,
                },
                None => None,
            };
            rows_matched[i] = true;
            row_rules.push((col, i));
            row_joins.push(join);
        }
        sheets.push(SheetPlan {
            sheet: index,
            row_rules,
            row_joins,
            ..plan
        });
    }
    if let Some(rule) = map
        .rules
        .iter()
        .zip(&matched)
        .find(|(rule, found)| !**found && !rule.optional)
        .map(|(rule, _)| rule)
    {
        return Err(PlanError::MissingColumn {
            key: rule.key.clone(),
            searched: searched(&sheets, book),
        }
        .into());
    }
    if let Some(rule) = map
        .rows
        .iter()
        .zip(&rows_matched)
        .find(|(rule, found)| !**found && !rule.optional)
        .map(|(r, _)| r)
    {
        return Err(PlanError::MissingColumn {
            key: format!("{} ({})", rule.column, rule.label),
            searched: searched(&sheets, book),
        }
        .into());
    }
    Ok(FilePlan { sheets, matched })
}

/// What the file says about its columns, on top of the map: a column its data validations
/// require, or whose logical name is an email field, must get a value the import accepts (a
/// map error otherwise, naming the column and what to use instead); its maximum length from the
/// validations caps the new values.
fn apply_field_rules(
    map: &Map,
    sheet: &Sheet,
    headers: &[String],
    metadata: Option<&Metadata>,
    targets: &mut [Target],
) -> Result<(), Problem> {
    for t in targets {
        let rule = &map.rules[t.rule];
        let header = headers.get(t.col as usize).map_or("", String::as_str);
        let file = sheet.layout.field_rules.get(&t.col);
        let required = file.is_some_and(|f| f.required);
        let logical = metadata.and_then(|m| m.logical_of(header));
        let email = match rule.format {
            Some(format) => format == FieldFormat::Email,
            None => logical.is_some_and(|l| dynamics::EMAIL_FIELDS.contains(&l)),
        };
        // Required first, then the email format, so the message names the rule that fails.
        let required_why = if rule.required {
            "the map says so"
        } else {
            "this file's data validation marks it required"
        };
        let email_why = if rule.format.is_some() {
            "the map says so"
        } else {
            "this file's metadata names it an email field"
        };
        let needs = rule.required || required;
        for (email, why) in [(false, required_why), (email, email_why)] {
            if let Some(message) = field_problem(&rule.action, needs, email) {
                return Err(field_rule(&rule.key, header, &sheet.name, message, why));
            }
        }
        let file_max = file.and_then(|f| f.max_length).map(|m| m as usize);
        t.max_length = match (t.max_length, file_max) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        // An address cut to the limit keeps its domain (see `actions::shorten`).
        if let (true, Some(max), Some(domain)) = (email, t.max_length, output_domain(&rule.action))
        {
            if max < domain.chars().count() + 1 + crate::actions::MIN_SHORT_LOCAL {
                return Err(field_rule(
                    &rule.key,
                    header,
                    &sheet.name,
                    format!("new addresses must fit in {max} characters, which leaves too little room beside the domain '{domain}'; use a shorter domain"),
                    "the column's maximum length",
                ));
            }
        }
    }
    Ok(())
}

fn field_rule(key: &str, header: &str, sheet: &str, message: String, why: &str) -> Problem {
    PlanError::FieldRule {
        at: format!("map key `{key}` on column '{header}' in sheet '{sheet}'"),
        message: format!("{message} ({why})"),
    }
    .into()
}

/// The domain of the addresses an action writes, when it writes addresses.
fn output_domain(action: &crate::actions::Action) -> Option<String> {
    use crate::actions::Action;
    match action {
        Action::Replace(t) => t.sample().rsplit_once('@').map(|(_, d)| d.to_string()),
        Action::Pseudonymize(p) => p.email_domain().map(str::to_string),
        _ => None,
    }
}

/// "sheet 'A', sheet 'B'": where a key was looked for, for error messages.
fn searched(sheets: &[SheetPlan], book: &Workbook) -> String {
    sheets
        .iter()
        .map(|p| format!("sheet '{}'", book.sheets[p.sheet].name))
        .collect::<Vec<_>>()
        .join(", ")
}

fn resolve_sheet(
    map: &Map,
    sheet: &str,
    headers: &[String],
    metadata: Option<&Metadata>,
    protected: &[bool],
    matched: &mut [bool],
) -> Result<SheetPlan, Problem> {
    // claims[col] = index of the rule that owns the column
    let mut claims: Vec<Option<usize>> = vec![None; headers.len()];
    let named_first = map
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(r.selector, Selector::Name(_)))
        .chain(
            map.rules
                .iter()
                .enumerate()
                .filter(|(_, r)| matches!(r.selector, Selector::Pattern(_))),
        )
        // A rule's `other_rows` action follows its owner's columns.
        .filter(|(_, r)| !r.companion);
    for (index, rule) in named_first {
        let cols = match &rule.selector {
            Selector::Name(name) => find_named(name, &rule.aliases, headers, metadata),
            Selector::Pattern(re) => (0..headers.len())
                .filter(|&c| re.is_match(&headers[c]))
                .collect(),
        };
        for col in cols {
            if protected[col] {
                return Err(PlanError::ProtectedColumn {
                    key: rule.key.clone(),
                    header: headers[col].clone(),
                    sheet: sheet.to_string(),
                }
                .into());
            }
            match claims[col] {
                None => claims[col] = Some(index),
                Some(owner) => {
                    let owner_is_named = matches!(map.rules[owner].selector, Selector::Name(_));
                    let this_is_pattern = matches!(rule.selector, Selector::Pattern(_));
                    if owner_is_named && this_is_pattern {
                        // A named key overrides a pattern on this column.
                        matched[index] = true;
                        continue;
                    }
                    return Err(PlanError::AmbiguousColumn {
                        header: headers[col].clone(),
                        sheet: sheet.to_string(),
                        first: map.rules[owner].key.clone(),
                        second: rule.key.clone(),
                    }
                    .into());
                }
            }
            matched[index] = true;
        }
    }
    let targets: Vec<Target> = claims
        .iter()
        .enumerate()
        .filter_map(|(col, owner)| {
            owner.map(|rule| Target {
                col: col as u32,
                rule,
                max_length: map.rules[rule].max_length,
            })
        })
        .collect();
    // A change names its column and rule in 16 bits each.
    if let Some(t) = targets
        .iter()
        .find(|t| t.col > MAX_COLUMN || map.rules.len() > MAX_RULE + 1)
    {
        return Err(PlanError::TooWide {
            key: map.rules[t.rule].key.clone(),
            column: crate::a1::column_letters(t.col),
            sheet: sheet.to_string(),
        }
        .into());
    }
    Ok(SheetPlan {
        sheet: 0,
        headers: headers.to_vec(),
        targets,
        record_id: record_id_column(headers, metadata),
        row_rules: Vec::new(),
        row_joins: Vec::new(),
    })
}

/// Which columns Dynamics needs unchanged: any `(Do Not Modify)` header, and the record id, row
/// checksum and modified-on columns the metadata names (localized in non-English exports).
/// `verify` uses the same rule to tell a changed protected cell from other changes.
pub fn protected_columns(headers: &[String], metadata: Option<&Metadata>) -> Vec<bool> {
    headers
        .iter()
        .map(|h| {
            dynamics::is_do_not_modify(h)
                || metadata.is_some_and(|m| m.protected_headers().any(|p| p == h))
        })
        .collect()
}

/// [`protected_columns`], and also the columns an export's layout protects in any language:
/// the record id, row checksum and modified-on columns recognized by their place and values
/// ([`crate::workbook::protected_shape`]), as a localized CSV has no metadata to name them.
pub fn protected_columns_in(
    sheet: &Sheet,
    headers: &[String],
    metadata: Option<&Metadata>,
) -> Vec<bool> {
    let mut protected = protected_columns(headers, metadata);
    for (col, p) in protected.iter_mut().enumerate().take(3) {
        *p = *p || crate::workbook::protected_shape(sheet, col as u32).is_some();
    }
    protected
}

/// Columns a named key resolves to, by the first resolution step that finds any.
fn find_named(
    name: &str,
    aliases: &[String],
    headers: &[String],
    metadata: Option<&Metadata>,
) -> Vec<usize> {
    // (wanted header, exact?) in resolution order
    let logical = metadata.and_then(|m| m.header_of(name));
    let steps = std::iter::once((name, true))
        .chain(logical.map(|h| (h, true)))
        .chain(std::iter::once((name, false)))
        .chain(aliases.iter().map(|a| (a.as_str(), true)))
        .chain(aliases.iter().map(|a| (a.as_str(), false)));
    let loose = |s: &str| s.trim().to_lowercase();
    steps
        .map(|(wanted, exact)| {
            let wanted_loose = loose(wanted);
            (0..headers.len())
                .filter(|&c| {
                    if exact {
                        headers[c] == wanted
                    } else {
                        loose(&headers[c]) == wanted_loose
                    }
                })
                .collect::<Vec<_>>()
        })
        .find(|cols| !cols.is_empty())
        .unwrap_or_default()
}

/// The record GUID column: the metadata's first column, else the first `(Do Not Modify)` column
/// that is neither the checksum nor the modified-on stamp.
fn record_id_column(headers: &[String], metadata: Option<&Metadata>) -> Option<u32> {
    if let Some(id) = metadata.and_then(Metadata::id_header) {
        if let Some(col) = headers.iter().position(|h| h == id) {
            return Some(col as u32);
        }
    }
    headers
        .iter()
        .position(|h| {
            let lower = h.to_lowercase();
            dynamics::is_do_not_modify(h)
                && !lower.contains("checksum")
                && !lower.contains("modified")
        })
        .map(|c| c as u32)
}

/// The first cell of a header row that is a record's value rather than a column's name (a whole
/// email address, record GUID or phone number), and what it is: row 1 of a file saved without
/// its header row, whose "headers" no message or map may repeat.
pub fn value_in_header(headers: &[String]) -> Option<(usize, &'static str)> {
    headers.iter().enumerate().find_map(|(i, header)| {
        let h = header.trim();
        let kind = if dynamics::is_email(h) {
            "an email address"
        } else if dynamics::looks_like_guid(h) {
            "a record id"
        } else if crate::text::is_phone(h) {
            "a phone number"
        } else {
            return None;
        };
        Some((i, kind))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(body: &str) -> Map {
        Map::parse(&format!("version = 1\n[columns]\n{body}"), "m.toml", None).unwrap()
    }

    fn headers(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn meta() -> Metadata {
        Metadata::parse("systemuser:x==:systemuserid=%28Do%20Not%20Modify%29%20Benutzer&checksumLogicalName=Pr%C3%BCfsumme&modifiedon=Ge%C3%A4ndert&firstname=Vorname&fullname=%20Full%20Name").unwrap()
    }

    fn resolve_one(
        m: &Map,
        h: &[String],
        md: Option<&Metadata>,
    ) -> Result<Vec<(u32, usize)>, Problem> {
        let mut matched = vec![false; m.rules.len()];
        resolve_sheet(m, "S", h, md, &protected_columns(h, md), &mut matched)
            .map(|p| p.targets.iter().map(|t| (t.col, t.rule)).collect())
    }

    #[test]
    fn exact_then_logical_then_loose_then_alias() {
        let h = headers(&[
            "(Do Not Modify) Benutzer",
            "Prüfsumme",
            "Geändert",
            "Vorname",
            " Full Name",
            "EMAIL ",
            "Telefon",
        ]);
        let m = map(r#"Vorname = "clear"
fullname = "clear"
"email" = "clear"
phone = { action = "clear", aliases = ["telefon"] }
"#);
        let got = resolve_one(&m, &h, Some(&meta())).unwrap();
        assert_eq!(got, [(3, 0), (4, 1), (5, 2), (6, 3)]);
    }

    #[test]
    fn logical_name_beats_loose_header() {
        // "firstname" resolves through metadata to "Vorname", not to a column called "FirstName".
        let h = headers(&["(Do Not Modify) Benutzer", "FirstName", "Vorname"]);
        let got = resolve_one(&map("firstname = \"clear\""), &h, Some(&meta())).unwrap();
        assert_eq!(got, [(2, 0)]);
    }

    #[test]
    fn protected_columns_are_refused_even_when_localized() {
        let h = headers(&["(Do Not Modify) Benutzer", "Prüfsumme", "Vorname"]);
        let e = resolve_one(&map("\"Prüfsumme\" = \"clear\""), &h, Some(&meta())).unwrap_err();
        assert!(
            matches!(e, Problem::Plan(PlanError::ProtectedColumn { .. })),
            "{e}"
        );
        let h = headers(&["(Do Not Modify) User", "First Name"]);
        let e = resolve_one(&map("\"re:.\" = \"clear\""), &h, None).unwrap_err();
        assert!(
            e.to_string()
                .contains("protected column '(Do Not Modify) User'"),
            "{e}"
        );
    }

    #[test]
    fn named_key_overrides_pattern() {
        let h = headers(&["Address 1: City", "Address 1: Name"]);
        let m = map("\"re:^Address 1: \" = \"clear\"\n\"Address 1: Name\" = \"keep\"\n");
        assert_eq!(resolve_one(&m, &h, None).unwrap(), [(0, 0), (1, 1)]);
    }

    #[test]
    fn two_named_keys_on_one_column_are_ambiguous() {
        let h = headers(&["First Name"]);
        let m = map("\"First Name\" = \"clear\"\n\"first name\" = \"keep\"\n");
        assert!(matches!(
            resolve_one(&m, &h, None),
            Err(Problem::Plan(PlanError::AmbiguousColumn { .. }))
        ));
    }

    #[test]
    fn record_id_from_metadata_or_prefix() {
        let h = headers(&[
            "(Do Not Modify) Row Checksum",
            "(Do Not Modify) Contact",
            "Name",
        ]);
        assert_eq!(record_id_column(&h, None), Some(1));
        let h = headers(&["Prüfsumme", "(Do Not Modify) Benutzer"]);
        assert_eq!(record_id_column(&h, Some(&meta())), Some(1));
        assert_eq!(record_id_column(&headers(&["Name"]), None), None);
    }
}
