//! The column map: which column gets which action (DESIGN §3).
//!
//! A map is TOML. It is parsed and fully validated here, before any input is read: unknown
//! fields, unknown actions, options that do not belong to an action, bad regexes, bad templates,
//! clearing a required column, and pseudonymizing without a key are all errors.

use crate::actions::{
    Action, Detector, Key, Mask, PseudoKind, Pseudonymizer, Redactor, RegexRewrite, Template,
};
use crate::error::MapError;
use crate::subjects::Subjects;
use crate::text::{one_line, regex_problem};
use indexmap::IndexMap;
use regex::Regex;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::fmt;

/// The map format version this build reads.
pub const MAP_VERSION: u32 = 1;

/// A validated map, ready to be resolved against each file's headers.
#[derive(Debug, Clone)]
pub struct Map {
    /// Where the map came from: its path, or `profile NAME`.
    pub origin: String,
    /// SHA-256 of the map text, so a report says exactly which map was used.
    pub digest: String,
    /// Sheets to scrub; `None` means every visible sheet with a header row.
    pub sheets: Option<Vec<String>>,
    /// The column rules, in map order.
    pub rules: Vec<ColumnRule>,
    /// The row rules (`[[rows]]`), in map order.
    pub rows: Vec<RowRule>,
    /// The data subjects the map was parsed with.
    pub subjects: std::sync::Arc<Subjects>,
    /// Per subject (in the order of `subjects`), what the rows matched for it in the run's
    /// other files hold (their full name, other emails; learned by the apply stage): a
    /// subject given by email is named by the full name its user record holds in the approval
    /// tables' exports. A row no subject matched that holds one, or another row's text that
    /// mentions one, fails the run unless the user passes it as another subject (or says it
    /// names someone else). Empty when the run has one file.
    pub learned_elsewhere: Vec<Vec<String>>,
    /// Row rules that compare with the subjects (`in = "@subjects"`) are active: the run is
    /// about the subjects, not every row.
    pub subject_scoped: bool,
    /// Subject rules were left out because no subject was given (`skip_without_subjects`), so
    /// the column actions apply to every row.
    pub every_row_without_subjects: bool,
    /// Kept columns (by header, ignoring case and surrounding spaces) that may hold values the
    /// map removes elsewhere (`allow_residual = ["Manager"]`): a lookup naming another
    /// scrubbed person. The report counts them instead of the file failing.
    pub allow_residual: Vec<String>,
}

/// One `[[rows]]` entry: which rows to delete, or which rows the column actions apply to.
#[derive(Debug, Clone)]
pub struct RowRule {
    /// The column the condition reads (a header or logical name, resolved like column keys).
    pub column: String,
    /// Other headers that name the same column.
    pub aliases: Vec<String>,
    /// A second column whose text is appended (after a space) to the first before the test:
    /// first and last name columns tested as one name. Header or logical name, and aliases.
    pub join: Option<(String, Vec<String>)>,
    /// A file without the column is not an error; the rule does not apply there.
    pub optional: bool,
    /// The condition on the cell's text.
    pub condition: Condition,
    /// What to do with matching rows.
    pub action: RowAction,
    /// A short description for reports, e.g. `rows[1]: Owner in @subjects`.
    pub label: String,
}

/// A row rule's condition. Cell text is compared trimmed and ignoring case.
#[derive(Debug, Clone)]
pub enum Condition {
    /// The cell equals the value.
    Equals(String),
    /// The cell equals one of the values (`@subjects`: the data subjects' values).
    In(Vec<String>),
    /// The regex (case-insensitive) matches the cell.
    Matches(Regex),
    /// The cell identifies a data subject (`in = "@subjects"`), in any name form, by email,
    /// user name or record GUID (see [`crate::subjects`]).
    Subjects(std::sync::Arc<Subjects>),
}

impl Condition {
    /// Whether a cell's text meets the condition.
    pub fn test(&self, text: &str) -> bool {
        let text = text.trim();
        match self {
            Condition::Equals(v) => fold(text) == *v,
            Condition::In(values) => {
                let t = fold(text);
                values.contains(&t)
            }
            Condition::Matches(re) => re.is_match(text),
            Condition::Subjects(s) => !s.matching(text).is_empty(),
        }
    }

    /// Whether a cell's text meets the condition, and for a subjects condition which subjects
    /// (0-based) it identifies.
    pub fn test_subjects(&self, text: &str) -> (bool, Vec<usize>) {
        match self {
            Condition::Subjects(s) => {
                let hits = s.matching(text);
                (!hits.is_empty(), hits)
            }
            other => (other.test(text), Vec::new()),
        }
    }
}

/// Trim and lowercase, and fold runs of white space, for comparisons a person would call equal.
pub fn fold(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// What a row rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RowAction {
    /// Remove the row.
    Delete,
    /// Apply the column actions to this row (once any `scrub` rule exists, only to such rows).
    Scrub,
}

/// What a map may refer to besides itself.
#[derive(Debug, Clone)]
pub struct MapInputs<'a> {
    /// The pseudonymization key.
    pub key: Option<&'a Key>,
    /// The data subjects (`--subject`, `--subjects`), for `in = "@subjects"`.
    pub subjects: &'a Subjects,
}

impl Default for MapInputs<'_> {
    fn default() -> Self {
        MapInputs {
            key: None,
            subjects: Subjects::none(),
        }
    }
}

/// One `[columns]` entry.
#[derive(Debug, Clone)]
pub struct ColumnRule {
    /// The key as written in the map.
    pub key: String,
    /// How the key finds columns.
    pub selector: Selector,
    /// Other headers that name the same column.
    pub aliases: Vec<String>,
    /// A key that matches nothing is not an error.
    pub optional: bool,
    /// Dynamics requires a value in this column.
    pub required: bool,
    /// Maximum length of the column's values, in characters.
    pub max_length: Option<usize>,
    /// What the column's values must look like to import, when the map says (`format`).
    pub format: Option<FieldFormat>,
    /// What to do with the column's cells.
    pub action: Action,
    /// In a map with `scrub` row rules: the rule (index in [`Map::rules`]) whose action applies
    /// to this column in the other rows (`other_rows = { ... }`), e.g. redacting the subjects
    /// from other people's descriptions.
    pub others: Option<usize>,
    /// This rule is another rule's `other_rows` action, not a key of its own.
    pub companion: bool,
    /// A lookup column kept as it is (`lookup = true`): it shows another record's name, which
    /// follows that record once it is scrubbed in Dynamics. Cells naming a subject are listed
    /// in the report as residual mentions.
    pub lookup: bool,
}

/// What a column's values must look like for Dynamics to import them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldFormat {
    /// Any text.
    Text,
    /// An email address: Dynamics refuses anything else in an email-format column.
    Email,
}

/// Why `action` cannot write a column that Dynamics requires (`required`) or that takes only
/// email addresses (`email`); `None` when it can. Shared by the map (its own `required` and
/// `format`) and by the plan (what a file's data validations and logical names say).
pub(crate) fn field_problem(action: &Action, required: bool, email: bool) -> Option<String> {
    const REQUIRED: &str = "the column is required by Dynamics, so";
    match action {
        Action::Keep => None,
        Action::Clear if required => Some(format!("{REQUIRED} clearing it makes the import fail; use `replace` (e.g. {{ action = \"replace\", value = \"Deleted\" }}) or `pseudonymize`")),
        Action::Clear => None,
        Action::Replace(t) if required && t.is_blank() => {
            Some(format!("{REQUIRED} `value` must not be empty"))
        }
        Action::Replace(t) if email && !crate::dynamics::is_email(&t.sample()) => Some(
            "the column takes only email addresses, and Dynamics refuses the import of anything else; make `value` an address, e.g. \"deleted-{id}@example.invalid\"".into(),
        ),
        Action::Pseudonymize(p) if email && !p.makes_emails() => Some(
            "the column takes only email addresses; use `as = \"email\"` so that pseudonyms are addresses".into(),
        ),
        Action::Mask(_) | Action::Regex(_) | Action::Redact(_) if email => Some(format!(
            "the column takes only email addresses, and `{}` cannot promise to leave one; use `pseudonymize` with `as = \"email\"`, `replace` with an address, or `clear`{} (or set `format = \"text\"` if the column accepts any text)",
            action.name(),
            if required { "" } else { " (the column is not required)" },
        )),
        _ => None,
    }
}

/// How a map key finds its columns.
#[derive(Debug, Clone)]
pub enum Selector {
    /// A header or logical name.
    Name(String),
    /// A `re:` regular expression over headers.
    Pattern(Regex),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMap {
    version: u32,
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
    #[serde(default)]
    sheets: Option<Vec<String>>,
    #[serde(default)]
    columns: IndexMap<String, RawEntry>,
    #[serde(default)]
    rows: Vec<RawRow>,
    #[serde(default)]
    allow_residual: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRow {
    #[serde(rename = "where")]
    condition: RawWhere,
    action: RowAction,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWhere {
    column: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    join: Option<RawJoin>,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    skip_without_subjects: bool,
    equals: Option<String>,
    #[serde(rename = "in")]
    one_of: Option<RawIn>,
    matches: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJoin {
    column: String,
    #[serde(default)]
    aliases: Vec<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawIn {
    Reference(String),
    List(Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ActionName {
    Keep,
    Clear,
    Replace,
    Mask,
    Pseudonymize,
    Regex,
    Redact,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum RawKind {
    Text,
    Name,
    Email,
    Phone,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntryTable {
    action: ActionName,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    required: bool,
    max_length: Option<usize>,
    format: Option<FieldFormat>,
    // replace
    value: Option<String>,
    // mask
    keep_first: Option<usize>,
    keep_last: Option<usize>,
    #[serde(rename = "char")]
    mask_char: Option<char>,
    // pseudonymize
    #[serde(rename = "as")]
    kind: Option<RawKind>,
    domain: Option<String>,
    // regex
    pattern: Option<String>,
    replace: Option<String>,
    // redact
    detect: Option<Vec<Detector>>,
    patterns: Option<Vec<String>>,
    mentions: Option<bool>,
    // any action
    other_rows: Option<Box<RawEntryTable>>,
    #[serde(default)]
    lookup: bool,
}

/// A `[columns]` entry in either form.
struct RawEntry(RawEntryTable);

impl RawEntry {
    fn short(action: ActionName) -> RawEntry {
        RawEntry(RawEntryTable {
            action,
            optional: false,
            aliases: Vec::new(),
            required: false,
            max_length: None,
            format: None,
            value: None,
            keep_first: None,
            keep_last: None,
            mask_char: None,
            kind: None,
            domain: None,
            pattern: None,
            replace: None,
            detect: None,
            patterns: None,
            mentions: None,
            other_rows: None,
            lookup: false,
        })
    }
}

/// `"clear"` or `{ action = "clear", ... }`.
struct EntryVisitor;

impl<'de> Visitor<'de> for EntryVisitor {
    type Value = RawEntry;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(r#"an action name such as "clear", or a table such as { action = "replace", value = "Deleted" }"#)
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<RawEntry, E> {
        let action = ActionName::deserialize(de::value::StrDeserializer::<E>::new(s))?;
        Ok(RawEntry::short(action))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawEntry, A::Error> {
        RawEntryTable::deserialize(de::value::MapAccessDeserializer::new(map)).map(RawEntry)
    }
}

impl<'de> Deserialize<'de> for RawEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(EntryVisitor)
    }
}

/// Which options each action takes; anything else set on an entry is an error.
fn check_options(e: &RawEntryTable) -> Result<(), String> {
    use ActionName::*;
    let options: [(&str, bool, &[ActionName]); 11] = [
        ("value", e.value.is_some(), &[Replace]),
        ("keep_first", e.keep_first.is_some(), &[Mask]),
        ("keep_last", e.keep_last.is_some(), &[Mask]),
        ("char", e.mask_char.is_some(), &[Mask]),
        ("as", e.kind.is_some(), &[Pseudonymize]),
        ("domain", e.domain.is_some(), &[Pseudonymize]),
        ("pattern", e.pattern.is_some(), &[Regex]),
        ("replace", e.replace.is_some(), &[Regex]),
        ("detect", e.detect.is_some(), &[Redact]),
        ("patterns", e.patterns.is_some(), &[Redact]),
        ("mentions", e.mentions.is_some(), &[Redact]),
    ];
    for (name, set, actions) in options {
        if set && !actions.contains(&e.action) {
            return Err(format!(
                "option `{name}` does not apply to action `{}`",
                action_word(e.action)
            ));
        }
    }
    Ok(())
}

fn action_word(a: ActionName) -> &'static str {
    match a {
        ActionName::Keep => "keep",
        ActionName::Clear => "clear",
        ActionName::Replace => "replace",
        ActionName::Mask => "mask",
        ActionName::Pseudonymize => "pseudonymize",
        ActionName::Regex => "regex",
        ActionName::Redact => "redact",
    }
}

impl Map {
    /// Whether the data subjects make any difference to this map: a row rule compares with
    /// them, or a `redact` looks for them. `--subject` with a map that does not use them is an
    /// error (it would be silently ignored).
    pub fn uses_subjects(&self) -> bool {
        self.subject_scoped
            || self
                .rules
                .iter()
                .any(|r| matches!(&r.action, Action::Redact(red) if red.uses_subjects()))
    }

    /// Whether `allow_residual` names the column with this header (ignoring case and
    /// surrounding spaces).
    /// A column the map keeps as a lookup (`action = "keep", lookup = true`, by its key or an
    /// alias) is allowed too: the map says on purpose that it keeps other records' names, and
    /// the report lists what it holds.
    pub fn allows_residual(&self, header: &str) -> bool {
        let header = header.trim().to_lowercase();
        let same = |c: &str| c.trim().to_lowercase() == header;
        self.allow_residual.iter().any(|c| same(c))
            || self.rules.iter().any(|r| {
                r.lookup
                    && matches!(r.action, Action::Keep)
                    && (same(&r.key) || r.aliases.iter().any(|a| same(a)))
            })
    }

    /// Whether a `redact` action uses `mentions`: it replaces what every row of the sheet
    /// lost, so a CSV is not streamed.
    pub fn uses_mentions(&self) -> bool {
        self.rules.iter().any(
            |r| matches!(&r.action, crate::actions::Action::Redact(red) if red.uses_mentions()),
        )
    }

    /// Whether a `re:` key matches a blank header (as columns past the header row's end
    /// have): such a map needs the whole sheet to know its columns, so a CSV is not streamed.
    pub fn has_blank_header_pattern(&self) -> bool {
        self.rules
            .iter()
            .any(|r| matches!(&r.selector, Selector::Pattern(re) if re.is_match("")))
    }

    /// Parse and validate a map. `key` is needed only when the map pseudonymizes.
    ///
    /// # Errors
    /// A [`MapError`] naming the map and the entry, saying what to change.
    ///
    /// # Examples
    /// ```
    /// use dsr_scrub::map::Map;
    /// let map = Map::parse("version = 1\n[columns]\n\"First Name\" = \"clear\"\n", "map.toml", None).unwrap();
    /// assert_eq!(map.rules[0].action.name(), "clear");
    ///
    /// let err = Map::parse("version = 1\n[columns]\n\"Email\" = { action = \"pseudonymize\", as = \"email\" }\n", "map.toml", None).unwrap_err();
    /// assert!(err.to_string().contains("--key-file"));
    /// ```
    pub fn parse(text: &str, origin: &str, key: Option<&Key>) -> Result<Map, MapError> {
        Map::parse_with(
            text,
            origin,
            &MapInputs {
                key,
                subjects: Subjects::none(),
            },
        )
    }

    /// Parse and validate a map that may use a key and data subjects.
    ///
    /// # Errors
    /// As [`Map::parse`]; also when a row rule uses `@subjects` and none were given.
    pub fn parse_with(text: &str, origin: &str, inputs: &MapInputs) -> Result<Map, MapError> {
        let key = inputs.key;
        let raw: RawMap = toml::from_str(text).map_err(|e| {
            let at = e.span().map_or_else(String::new, |span| {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                format!("line {line}, column {column}: ")
            });
            MapError::new(
                origin,
                format!("not a valid map: {at}{}", one_line(e.message())),
            )
        })?;
        if raw.version != MAP_VERSION {
            return Err(MapError::new(
                origin,
                format!(
                    "map version {} is not supported; this dsr-scrub reads `version = {MAP_VERSION}`",
                    raw.version
                ),
            ));
        }
        if raw.columns.is_empty() && raw.rows.is_empty() {
            return Err(MapError::new(
                origin,
                "the map has no [columns] or [[rows]] entries, so nothing would be scrubbed",
            ));
        }
        if let Some(sheets) = &raw.sheets {
            if sheets.is_empty() {
                return Err(MapError::new(
                    origin,
                    "`sheets` is empty; list sheet names or leave it out to scrub every visible sheet",
                ));
            }
            if let Some((i, name)) = sheets
                .iter()
                .enumerate()
                .find(|(i, name)| sheets[..*i].contains(name))
            {
                return Err(MapError::new(
                    origin,
                    format!(
                        "`sheets` lists '{name}' twice (entry {}); list each sheet once",
                        i + 1
                    ),
                ));
            }
        }
        if raw.allow_residual.iter().any(|c| c.trim().is_empty()) {
            return Err(MapError::new(
                origin,
                "`allow_residual` lists an empty column name; list the headers of kept columns that may name scrubbed people, e.g. allow_residual = [\"Manager\"]",
            ));
        }
        let mut rules = Vec::with_capacity(raw.columns.len());
        let mut companions = Vec::new();
        for (name, mut entry) in raw.columns {
            let at = |detail: String| MapError::new(origin, format!("column `{name}`: {detail}"));
            let other = entry.0.other_rows.take();
            let mut rule = build_rule(&name, entry, key, inputs.subjects).map_err(at)?;
            // Without subjects there are no other rows (`scrub` rules on subjects are left out
            // or refused), so an `other_rows` action that looks for them is not built.
            let other = other.filter(|o| {
                !(inputs.subjects.is_empty()
                    && o.detect
                        .as_ref()
                        .is_some_and(|d| d.contains(&Detector::Subjects)))
            });
            if let Some(other) = other {
                if other.other_rows.is_some() || other.lookup {
                    return Err(at(
                        "`other_rows` takes an action and its options only".into()
                    ));
                }
                let mut companion = build_rule(&name, RawEntry(*other), key, inputs.subjects)
                    .map_err(|d| at(format!("other_rows: {d}")))?;
                companion.key = format!("{name} (other rows)");
                companion.optional = true;
                companion.companion = true;
                companions.push((rules.len(), companion));
            }
            if rule.lookup && !matches!(rule.action, Action::Keep) {
                return Err(at("`lookup = true` goes with `action = \"keep\"`: a lookup column is kept and its mentions of a subject are listed".into()));
            }
            rule.others = None;
            rules.push(rule);
        }
        for (owner, companion) in companions {
            rules[owner].others = Some(rules.len());
            rules.push(companion);
        }
        let mut rows = Vec::with_capacity(raw.rows.len());
        let mut skipped = false;
        for (i, row) in raw.rows.into_iter().enumerate() {
            if row.condition.skip_without_subjects && inputs.subjects.is_empty() {
                skipped = true;
                continue;
            }
            let mut rule = build_row_rule(i + 1, row, inputs.subjects)
                .map_err(|detail| MapError::new(origin, format!("rows[{}]: {detail}", i + 1)))?;
            // A row rule's column also goes by the names its column entry gives it (the
            // localized headers of a profile), so a localized export is scoped like an English one.
            add_column_aliases(&rules, &rule.column.clone(), &mut rule.aliases);
            if let Some((column, aliases)) = &mut rule.join {
                add_column_aliases(&rules, &column.clone(), aliases);
            }
            rows.push(rule);
        }
        let subject_scoped = rows
            .iter()
            .any(|r| matches!(r.condition, Condition::Subjects(_)));
        let digest = crate::actions::hex(Sha256::digest(text.as_bytes()).as_slice());
        Ok(Map {
            origin: origin.to_string(),
            digest,
            sheets: raw.sheets,
            rules,
            rows,
            subjects: std::sync::Arc::new(inputs.subjects.clone()),
            learned_elsewhere: Vec::new(),
            subject_scoped,
            every_row_without_subjects: skipped && !subject_scoped,
            allow_residual: raw.allow_residual,
        })
    }
}

/// Add to `aliases` those of the column entry named `column` (by key, ignoring case).
fn add_column_aliases(rules: &[ColumnRule], column: &str, aliases: &mut Vec<String>) {
    let entries = rules.iter().filter(|r| r.key.eq_ignore_ascii_case(column));
    for alias in entries.flat_map(|r| &r.aliases) {
        if !aliases.iter().any(|a| a == alias) {
            aliases.push(alias.clone());
        }
    }
}

fn build_rule(
    key: &str,
    RawEntry(e): RawEntry,
    secret: Option<&Key>,
    subjects: &Subjects,
) -> Result<ColumnRule, String> {
    check_options(&e)?;
    let selector = match key.strip_prefix("re:") {
        Some(pattern) => Selector::Pattern(
            Regex::new(pattern)
                .map_err(|err| format!("bad header regex: {}", regex_problem(&err)))?,
        ),
        None if key.trim().is_empty() => return Err("an empty key names no column".into()),
        None => Selector::Name(key.to_string()),
    };
    if e.max_length == Some(0) {
        return Err("`max_length` must be at least 1".into());
    }
    let action = match e.action {
        ActionName::Keep => Action::Keep,
        ActionName::Clear => Action::Clear,
        ActionName::Replace => {
            let value = e
                .value
                .ok_or("action `replace` needs `value`, e.g. value = \"Deleted User {id8}\"")?;
            let template = Template::parse(&value)?;
            if crate::actions::starts_like_formula(template.leading_text()) {
                return Err("`value` starts with = + - @ or a control character, which spreadsheets run as a formula; start it with a letter or digit".into());
            }
            Action::Replace(template)
        }
        ActionName::Mask => Action::Mask(Mask::new(
            e.keep_first.unwrap_or(0),
            e.keep_last.unwrap_or(0),
            e.mask_char.unwrap_or('*'),
        )?),
        ActionName::Pseudonymize => {
            let kind = match e.kind.unwrap_or(RawKind::Text) {
                RawKind::Text => PseudoKind::Text,
                RawKind::Name => PseudoKind::Name,
                RawKind::Phone => PseudoKind::Phone,
                RawKind::Email => PseudoKind::Email {
                    domain: check_domain(e.domain.as_deref().unwrap_or("example.invalid"))?,
                },
            };
            if e.domain.is_some() && !matches!(kind, PseudoKind::Email { .. }) {
                return Err("option `domain` applies only with `as = \"email\"`".into());
            }
            let key = secret.ok_or(
                "action `pseudonymize` needs a secret key: pass --key-file FILE or set DSR_SCRUB_KEY (there is no default key, on purpose)",
            )?;
            Action::Pseudonymize(Pseudonymizer::new(key.clone(), kind))
        }
        ActionName::Regex => {
            let pattern = e
                .pattern
                .ok_or("action `regex` needs `pattern` (and usually `replace`)")?;
            Action::Regex(RegexRewrite::new(
                &pattern,
                e.replace.as_deref().unwrap_or(""),
            )?)
        }
        ActionName::Redact => Action::Redact(Redactor::new(
            e.detect.unwrap_or_default(),
            &e.patterns.unwrap_or_default(),
            e.mentions.unwrap_or(false),
            subjects,
        )?),
    };
    let email = e.format == Some(FieldFormat::Email);
    if let Some(problem) = field_problem(&action, e.required, email) {
        return Err(problem);
    }
    Ok(ColumnRule {
        key: key.to_string(),
        selector,
        aliases: e.aliases,
        optional: e.optional,
        required: e.required,
        max_length: e.max_length,
        format: e.format,
        action,
        others: None,
        companion: false,
        lookup: e.lookup,
    })
}

fn build_row_rule(n: usize, raw: RawRow, subjects: &Subjects) -> Result<RowRule, String> {
    let w = raw.condition;
    if w.column.trim().is_empty() {
        return Err("`where.column` is empty".into());
    }
    let has_in = w.one_of.is_some();
    let (condition, what) = match (w.equals, w.one_of, w.matches) {
        (Some(v), None, None) => (Condition::Equals(fold(&v)), "equals a value".to_string()),
        (None, Some(RawIn::List(list)), None) => (
            Condition::In(list.iter().map(|v| fold(v)).collect()),
            format!("in a list of {}", list.len()),
        ),
        (None, Some(RawIn::Reference(r)), None) if r == "@subjects" => {
            if subjects.is_empty() {
                return Err("`in = \"@subjects\"` needs the data subjects: pass --subject VALUE or --subjects FILE".into());
            }
            (
                Condition::Subjects(std::sync::Arc::new(subjects.clone())),
                "in @subjects".to_string(),
            )
        }
        (None, Some(RawIn::Reference(r)), None) => {
            return Err(format!(
                "`in` takes a list of values or \"@subjects\", not {r:?}"
            ))
        }
        (None, None, Some(pattern)) => (
            Condition::Matches(
                regex::RegexBuilder::new(&pattern)
                    .case_insensitive(true)
                    .build()
                    .map_err(|e| format!("bad `matches` regex: {}", regex_problem(&e)))?,
            ),
            "matches a pattern".to_string(),
        ),
        _ => return Err("`where` needs exactly one of `equals`, `in` or `matches`".into()),
    };
    let action = match raw.action {
        RowAction::Delete => "delete",
        RowAction::Scrub => "scrub",
    };
    if w.join.is_some() && !has_in {
        return Err("`join` goes with `in`".into());
    }
    Ok(RowRule {
        label: format!(
            "rows[{n}]: {action} where {}{} {what}",
            w.column,
            w.join
                .as_ref()
                .map_or_else(String::new, |j| format!(" + {}", j.column))
        ),
        column: w.column,
        aliases: w.aliases,
        join: w.join.map(|j| (j.column, j.aliases)),
        optional: w.optional,
        condition,
        action: raw.action,
    })
}

fn check_domain(domain: &str) -> Result<String, String> {
    let ok = !domain.is_empty()
        && domain.contains('.')
        && domain
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    if ok {
        Ok(domain.to_ascii_lowercase())
    } else {
        Err(format!(
            "`domain` {domain:?} is not a domain name such as \"example.invalid\""
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<Map, MapError> {
        Map::parse(&format!("version = 1\n{body}"), "test.toml", None)
    }

    fn err(body: &str) -> String {
        parse(body).unwrap_err().to_string()
    }

    fn key() -> Key {
        Key::from_bytes(b"0123456789abcdef0123").unwrap()
    }

    #[test]
    fn allow_residual_names_kept_columns() {
        let m = Map::parse(
            "version = 1\nallow_residual = [\" Manager \"]\n[columns]\nName = \"clear\"\n",
            "m",
            None,
        )
        .unwrap();
        assert!(m.allows_residual("manager") && !m.allows_residual("Owner"));
        let lookups = Map::parse(
            "version = 1\n[columns]\n\"Created By\" = { action = \"keep\", lookup = true, aliases = [\"Erstellt von\"] }\nNotes = \"keep\"\n",
            "m",
            None,
        )
        .unwrap();
        assert!(lookups.allows_residual(" created by") && lookups.allows_residual("Erstellt von"));
        assert!(
            !lookups.allows_residual("Notes"),
            "a plain keep is not a lookup"
        );
        let e = Map::parse(
            "version = 1\nallow_residual = [\"\"]\n[columns]\nName = \"clear\"\n",
            "m",
            None,
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("`allow_residual` lists an empty column name"),
            "{e}"
        );
    }

    #[test]
    fn short_and_long_forms() {
        let m = parse(
            r#"[columns]
"First Name" = "clear"
"Last Name" = { action = "replace", value = "Deleted {id8}", required = true, max_length = 256 }
"re:^Address 1: " = "clear"
"Mobile Phone" = { action = "mask", keep_last = 2 }
"#,
        )
        .unwrap();
        assert_eq!(m.rules.len(), 4);
        assert_eq!(m.rules[1].action.name(), "replace");
        assert_eq!(m.rules[1].max_length, Some(256));
        assert!(matches!(m.rules[2].selector, Selector::Pattern(_)));
        assert_eq!(m.digest.len(), 64);
        assert_eq!(m.sheets, None);
    }

    #[test]
    fn keeps_map_order() {
        let m = parse("[columns]\nb = \"clear\"\na = \"clear\"\nc = \"keep\"\n").unwrap();
        let keys: Vec<_> = m.rules.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["b", "a", "c"]);
    }

    #[test]
    fn unknown_fields_are_rejected() {
        assert!(err("colums = {}").contains("unknown field `colums`"));
        assert!(err("[columns]\nx = { action = \"clear\", optinal = true }")
            .contains("unknown field `optinal`"));
    }

    #[test]
    fn unknown_action_is_rejected() {
        let e = err("[columns]\nx = \"scrub\"");
        assert!(e.contains("unknown variant `scrub`"), "{e}");
        assert!(e.contains("test.toml"));
        let e = err("[columns]\nx = { action = \"erase\" }");
        assert!(e.contains("unknown variant `erase`"), "{e}");
    }

    #[test]
    fn options_must_fit_the_action() {
        assert!(err("[columns]\nx = { action = \"clear\", value = \"a\" }")
            .contains("option `value` does not apply to action `clear`"));
        assert!(err("[columns]\nx = { action = \"replace\" }").contains("needs `value`"));
        assert!(err("[columns]\nx = { action = \"regex\" }").contains("needs `pattern`"));
    }

    #[test]
    fn bad_regexes_are_errors() {
        assert!(
            err("[columns]\nx = { action = \"regex\", pattern = \"(\" }").contains("bad `pattern`")
        );
        assert!(err("[columns]\n\"re:[\" = \"clear\"").contains("bad header regex"));
    }

    #[test]
    fn required_columns_cannot_be_cleared() {
        let e = err("[columns]\nfirstname = { action = \"clear\", required = true }");
        assert!(
            e.contains("column `firstname`") && e.contains("use `replace`"),
            "{e}"
        );
    }

    #[test]
    fn email_format_columns_must_receive_addresses() {
        let e = err("[columns]\nmail = { action = \"mask\", format = \"email\" }");
        assert!(
            e.contains("`mask` cannot promise") && e.contains("as = \"email\""),
            "{e}"
        );
        let e = err(
            "[columns]\nmail = { action = \"replace\", value = \"Deleted\", format = \"email\" }",
        );
        assert!(e.contains("make `value` an address"), "{e}");
        assert!(parse(
            "[columns]\nmail = { action = \"replace\", value = \"gone-{id8}@example.invalid\", format = \"email\" }"
        )
        .is_ok());
        assert!(parse("[columns]\nmail = { action = \"clear\", format = \"email\" }").is_ok());
        assert!(parse("[columns]\nmail = { action = \"mask\", format = \"text\" }").is_ok());
        let e = Map::parse(
            "version = 1\n[columns]\nmail = { action = \"pseudonymize\", as = \"name\", format = \"email\" }",
            "t.toml",
            Some(&key()),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("use `as = \"email\"`"), "{e}");
        let e = err("[columns]\nmail = { action = \"clear\", format = \"phone\" }");
        assert!(e.contains("expected `text` or `email`"), "{e}");
    }

    #[test]
    fn formula_like_replacements_are_rejected() {
        assert!(
            err("[columns]\nx = { action = \"replace\", value = \"=1+1\" }").contains("formula")
        );
        assert!(err("[columns]\nx = { action = \"mask\", char = \"-\" }").contains("formulas"));
    }

    #[test]
    fn pseudonymize_needs_a_key() {
        let body = "version = 1\n[columns]\nx = { action = \"pseudonymize\", as = \"email\", domain = \"anon.example\" }";
        let e = Map::parse(body, "m.toml", None).unwrap_err().to_string();
        assert!(e.contains("DSR_SCRUB_KEY"), "{e}");
        let m = Map::parse(body, "m.toml", Some(&key())).unwrap();
        assert_eq!(m.rules[0].action.name(), "pseudonymize");
    }

    #[test]
    fn domain_only_for_email() {
        let body = "version = 1\n[columns]\nx = { action = \"pseudonymize\", as = \"name\", domain = \"a.example\" }";
        assert!(Map::parse(body, "m", Some(&key()))
            .unwrap_err()
            .to_string()
            .contains("only with"));
        let body = "version = 1\n[columns]\nx = { action = \"pseudonymize\", as = \"email\", domain = \"not a domain\" }";
        assert!(Map::parse(body, "m", Some(&key())).is_err());
    }

    #[test]
    fn version_and_emptiness() {
        let e = Map::parse("version = 2\n[columns]\nx = \"clear\"", "m", None).unwrap_err();
        assert!(e.to_string().contains("version 2"));
        assert!(err("").contains("no [columns] or [[rows]]"));
        assert!(err("sheets = []\n[columns]\nx = \"clear\"").contains("`sheets` is empty"));
        assert!(
            err("sheets = [\"Users\", \"Other\", \"Users\"]\n[columns]\nx = \"clear\"")
                .contains("`sheets` lists 'Users' twice (entry 3); list each sheet once")
        );
        assert!(Map::parse("[columns]\nx = \"clear\"", "m", None)
            .unwrap_err()
            .to_string()
            .contains("version"));
    }

    #[test]
    fn row_rules_parse_and_test() {
        let subjects =
            Subjects::from_values(&["Zoë  Müller".to_string(), "zoe@contoso.com".to_string()]);
        let text = r#"version = 1
[[rows]]
where = { column = "Owner", in = "@subjects" }
action = "delete"
[[rows]]
where = { column = "Status", matches = "^dis" }
action = "scrub"
[[rows]]
where = { column = "Team", equals = " Sales " }
action = "scrub"
"#;
        let m = Map::parse_with(
            text,
            "m",
            &MapInputs {
                key: None,
                subjects: &subjects,
            },
        )
        .unwrap();
        assert_eq!(m.rows.len(), 3);
        assert!(m.rows[0].condition.test(" zoë müller "));
        assert!(m.rows[0].condition.test("ZOE@contoso.com"));
        assert!(
            !m.rows[0].condition.test("Zoë Müller-Schmidt"),
            "not a longer name"
        );
        assert!(m.rows[1].condition.test("Disabled"));
        assert!(m.rows[2].condition.test("sales"));
        assert_eq!(m.rows[0].label, "rows[1]: delete where Owner in @subjects");
        let e = Map::parse(text, "m", None).unwrap_err().to_string();
        assert!(e.contains("rows[1]") && e.contains("--subject"), "{e}");
    }

    #[test]
    fn subject_rules_join_skip_and_other_rows() {
        let text = r#"version = 1
[[rows]]
where = { column = "First Name", join = { column = "Last Name" }, in = "@subjects", optional = true, skip_without_subjects = true }
action = "scrub"
[columns]
Description = { action = "clear", other_rows = { action = "redact", detect = ["subjects"] } }
Manager = { action = "keep", lookup = true }
"#;
        let subjects = Subjects::from_values(&["Jane Doe".to_string()]);
        let with = Map::parse_with(
            text,
            "m",
            &MapInputs {
                key: None,
                subjects: &subjects,
            },
        )
        .unwrap();
        assert!(with.subject_scoped && with.uses_subjects());
        assert!(!with.every_row_without_subjects);
        let rule = &with.rows[0];
        assert!(rule.optional);
        assert_eq!(rule.join.as_ref().unwrap().0, "Last Name");
        assert!(rule.condition.test("Doe, Jane"));
        let owner = &with.rules[0];
        let companion = &with.rules[owner.others.unwrap()];
        assert!(companion.companion && companion.optional);
        assert_eq!(companion.action.name(), "redact");
        assert!(with.rules[1].lookup);
        // Without subjects the rule is left out and the map applies to every row.
        let without = Map::parse(text, "m", None).unwrap();
        assert!(without.rows.is_empty() && !without.subject_scoped);
        assert!(without.every_row_without_subjects);
        assert!(without.rules.iter().all(|r| r.others.is_none()));
        let e = err("[columns]\nOwner = { action = \"clear\", lookup = true }");
        assert!(e.contains("`lookup = true` goes with"), "{e}");
        let e = err("[[rows]]\nwhere = { column = \"A\", join = { column = \"B\" }, equals = \"x\" }\naction = \"scrub\"");
        assert!(e.contains("`join` goes with `in`"), "{e}");
    }

    #[test]
    fn row_rules_need_one_condition() {
        let e = err("[[rows]]\nwhere = { column = \"Owner\", equals = \"a\", matches = \"b\" }\naction = \"delete\"");
        assert!(e.contains("exactly one"), "{e}");
        let e = err("[[rows]]\nwhere = { column = \"Owner\", equals = \"a\" }\naction = \"drop\"");
        assert!(e.contains("unknown variant `drop`"), "{e}");
        let e =
            err("[[rows]]\nwhere = { column = \"Owner\", in = \"@people\" }\naction = \"delete\"");
        assert!(e.contains("@subjects"), "{e}");
    }

    #[test]
    fn template_errors_name_the_column() {
        let e = err("[columns]\n\"Full Name\" = { action = \"replace\", value = \"{name}\" }");
        assert!(
            e.contains("column `Full Name`") && e.contains("unknown placeholder"),
            "{e}"
        );
    }
}
