//! What Dynamics 365 / Dataverse puts in an export besides the data: the `hiddenSheet!A1`
//! metadata that maps logical names to headers, the protected `(Do Not Modify)` columns, and
//! the data validations that carry each column's rules (required, maximum length, lookup,
//! option set).

use percent_encoding::percent_decode_str;
use std::collections::BTreeMap;

/// The name of the very hidden metadata sheet of an Excel export.
pub const METADATA_SHEET: &str = "hiddenSheet";

/// The header prefix Dynamics gives the columns an import needs unchanged (English exports).
pub const DO_NOT_MODIFY: &str = "(Do Not Modify)";

/// The contents of `hiddenSheet!A1`:
/// `<entity>:<checksum>:<logical>=<url-encoded header>&...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// Entity logical name, e.g. `systemuser`.
    pub entity: String,
    /// `(logical name, header)` pairs in column order. The first three are the record id, the
    /// row checksum and the modified-on stamp.
    pub columns: Vec<(String, String)>,
}

impl Metadata {
    /// Parse `hiddenSheet!A1`; `None` when it is not Dynamics metadata.
    ///
    /// ```
    /// use dsr_scrub::dynamics::Metadata;
    /// let m = Metadata::parse("systemuser:AbC==:systemuserid=%28Do%20Not%20Modify%29%20User&firstname=First%20Name").unwrap();
    /// assert_eq!(m.entity, "systemuser");
    /// assert_eq!(m.header_of("firstname"), Some("First Name"));
    /// ```
    pub fn parse(a1: &str) -> Option<Metadata> {
        let (entity, rest) = a1.split_once(':')?;
        let (_checksum, mapping) = rest.split_once(':')?;
        let valid_name = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        };
        if !valid_name(entity) {
            return None;
        }
        let mut columns = Vec::new();
        for pair in mapping.split('&').filter(|p| !p.is_empty()) {
            let (logical, header) = pair.split_once('=')?;
            if !valid_name(logical) {
                return None;
            }
            let header = percent_decode_str(header).decode_utf8_lossy().into_owned();
            columns.push((logical.to_string(), header));
        }
        (!columns.is_empty()).then(|| Metadata {
            entity: entity.to_string(),
            columns,
        })
    }

    /// The header of the column with this logical name.
    pub fn header_of(&self, logical: &str) -> Option<&str> {
        self.columns
            .iter()
            .find(|(l, _)| l.eq_ignore_ascii_case(logical))
            .map(|(_, h)| h.as_str())
    }

    /// The logical name of the column with this header.
    pub fn logical_of(&self, header: &str) -> Option<&str> {
        self.columns
            .iter()
            .find(|(_, h)| h == header)
            .map(|(l, _)| l.as_str())
    }

    /// Headers of the record id, row checksum and modified-on columns, whose headers are
    /// localized in non-English exports.
    pub fn protected_headers(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().take(3).map(|(_, h)| h.as_str())
    }

    /// The header of the record id column.
    pub fn id_header(&self) -> Option<&str> {
        self.columns.first().map(|(_, h)| h.as_str())
    }
}

/// The `(Do Not Modify)` prefix as localized exports write it (German, French, Spanish,
/// Italian, Dutch, Portuguese). Shape and place recognize these columns in any language (see
/// `workbook::protected_shape`); the prefixes are a second way for files without data rows.
pub const DO_NOT_MODIFY_LOCALIZED: &[&str] = &[
    "(Nicht ändern)",
    "(Ne pas modifier)",
    "(No modificar)",
    "(Non modificare)",
    "(Niet wijzigen)",
    "(Não modificar)",
];

/// Whether a header marks a column the import needs unchanged.
pub fn is_do_not_modify(header: &str) -> bool {
    after_do_not_modify(header).is_some()
}

/// What follows a header's `(Do Not Modify)` prefix, in any language of
/// [`DO_NOT_MODIFY_LOCALIZED`] and any case; `None` without one.
fn after_do_not_modify(header: &str) -> Option<&str> {
    let h = header.trim_start();
    std::iter::once(DO_NOT_MODIFY)
        .chain(DO_NOT_MODIFY_LOCALIZED.iter().copied())
        .find_map(|prefix| {
            h.get(..prefix.len())
                .filter(|p| p.to_lowercase() == prefix.to_lowercase())
                .map(|_| &h[prefix.len()..])
        })
}

/// The tables the built-in profiles are made for, by the display name their record id column's
/// header carries after the `(Do Not Modify)` prefix (`(Do Not Modify) User`): a CSV has no
/// `hiddenSheet` naming its entity, but that header does. English names, and for users and
/// contacts those of the languages in [`DO_NOT_MODIFY_LOCALIZED`].
const ID_HEADER_TABLES: &[(&str, &[&str])] = &[
    (
        "systemuser",
        &[
            "User",
            "Benutzer",
            "Utilisateur",
            "Usuario",
            "Utente",
            "Gebruiker",
            "Utilizador",
            "Usuário",
        ],
    ),
    (
        "contact",
        &[
            "Contact",
            "Kontakt",
            "Contacto",
            "Contatto",
            "Contactpersoon",
            "Contato",
        ],
    ),
    ("msdyn_flow_approval", &["Approval"]),
    ("msdyn_flow_approvalrequest", &["Approval Request"]),
    ("msdyn_flow_approvalresponse", &["Approval Response"]),
    (
        "msdyn_flow_basicapprovalmodeldata",
        &["Basic Approval Model Data"],
    ),
    (
        "msdyn_flow_awaitallapprovalmodel",
        &["Await All Approval Model"],
    ),
    (
        "msdyn_flow_awaitallactionapprovalmodel",
        &["Await All Action Approval Model"],
    ),
    ("msdyn_flow_approvalstep", &["Approval Step"]),
    ("msdyn_flow_actionapprovalmodel", &["Action Approval Model"]),
];

/// The logical name of the table whose export has `header` as its record id column's header,
/// when it is one of the tables the built-in profiles are made for: users and contacts in the
/// languages of [`DO_NOT_MODIFY_LOCALIZED`], the approval tables in English.
///
/// ```
/// use dsr_scrub::dynamics::entity_by_id_header;
/// assert_eq!(entity_by_id_header("(Do Not Modify) Approval"), Some("msdyn_flow_approval"));
/// assert_eq!(entity_by_id_header("(Nicht ändern) Benutzer"), Some("systemuser"));
/// assert_eq!(entity_by_id_header("(Do Not Modify) Account"), None);
/// assert_eq!(entity_by_id_header("User"), None);
/// ```
pub fn entity_by_id_header(header: &str) -> Option<&'static str> {
    let name = after_do_not_modify(header)?.trim().to_lowercase();
    ID_HEADER_TABLES
        .iter()
        .find(|(_, names)| names.iter().any(|n| n.to_lowercase() == name))
        .map(|(entity, _)| *entity)
}

/// How many data rows `workbook::protected_shape` looks at: the same in a whole sheet and in the
/// head of a streamed CSV, so both decide alike.
pub const SHAPE_ROWS: u32 = 50;

/// What the three columns every Dynamics export starts with hold, by position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtectedShape {
    /// Column 1: the record GUID.
    RecordId,
    /// Column 2: the 88-character base64 row checksum.
    Checksum,
    /// Column 3: the modified-on date-time.
    ModifiedOn,
}

/// Whether a value is a row checksum: 88 base64 characters (64 bytes, `==` padded).
///
/// ```
/// use dsr_scrub::dynamics::looks_like_checksum;
/// assert!(looks_like_checksum(&format!("{}==", "Q".repeat(86))));
/// assert!(!looks_like_checksum("Zoë"));
/// ```
pub fn looks_like_checksum(value: &str) -> bool {
    let v = value.trim().as_bytes();
    // Every byte looked at, without a branch for each (so the compiler may take many at once):
    // a protected column's every value is asked.
    v.len() == 88
        && v.ends_with(b"==")
        && v[..86].iter().fold(true, |ok, &b| {
            ok & (b.is_ascii_alphanumeric() | (b == b'+') | (b == b'/'))
        })
}

/// Whether a text reads as a date or date-time the way exports write them
/// (`11/5/2024 8:30`, `05.11.2024 08:30`, `2024-11-05T08:30:00Z`).
pub fn looks_like_datetime_text(value: &str) -> bool {
    // At least six digits in three to seven runs, between the separators of dates and times
    // and nothing else (so the text is ASCII), one of them a date's. In one pass over the
    // bytes: a protected column's every value is asked.
    let (mut digits, mut runs, mut in_run, mut date) = (0, 0, false, false);
    for b in value.trim().bytes() {
        match b {
            b'0'..=b'9' => {
                digits += 1;
                runs += usize::from(!in_run);
                in_run = true;
            }
            b'/' | b'-' | b'.' => (date, in_run) = (true, false),
            b':' | b' ' | b'T' | b'Z' | b'+' => in_run = false,
            _ => return false,
        }
    }
    digits >= 6 && (3..=7).contains(&runs) && date
}

/// Logical names of the email-format columns of the tables this tool knows (SystemUser,
/// Contact, Account, Lead): Dynamics imports only addresses there.
pub const EMAIL_FIELDS: &[&str] = &[
    "internalemailaddress",
    "personalemailaddress",
    "mobilealertemail",
    "windowsliveid",
    "yammeremailaddress",
    "emailaddress1",
    "emailaddress2",
    "emailaddress3",
];

/// Whether Dynamics would take `value` as an email address: one `@`, a local part and a dotted
/// domain, no spaces or control characters, no empty dot-separated label.
///
/// ```
/// use dsr_scrub::dynamics::is_email;
/// assert!(is_email("deleted-3217a7c8@example.invalid"));
/// assert!(!is_email("Deleted"));
/// assert!(!is_email("a@b"));
/// assert!(!is_email("a b@example.com"));
/// ```
pub fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    let clean = |s: &str| {
        !s.is_empty()
            && !s.starts_with('.')
            && !s.ends_with('.')
            && !s.contains("..")
            && !s.contains('@')
            && !s.chars().any(|c| c.is_whitespace() || c.is_control())
    };
    clean(local) && clean(domain) && domain.contains('.')
}

/// Whether a value looks like a record GUID.
pub fn looks_like_guid(value: &str) -> bool {
    let v = value.trim().trim_start_matches('{').trim_end_matches('}');
    // By bytes, five runs of hex digits between four dashes: a byte that is neither fails, so
    // the text is ASCII.
    let v = v.as_bytes();
    v.len() == 36
        && [8, 13, 18, 23].iter().all(|&i| v[i] == b'-')
        && [&v[..8], &v[9..13], &v[14..18], &v[19..23], &v[24..]]
            .iter()
            .all(|run| run.iter().fold(true, |ok, b| ok & b.is_ascii_hexdigit()))
}

/// One data validation of a worksheet as stored: a classic `<dataValidation>` or an Excel 2010
/// `<x14:dataValidation>` (which Dynamics uses for option-set lists pointing at `hiddenSheet`).
/// Read from a worksheet's XML by the xlsx reader (`xlsx::package::data_validations`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validation {
    /// The `type` attribute: `textLength`, `list`, `date`, `decimal`, ...; empty for "any value".
    pub kind: String,
    /// The `operator` attribute (`lessThanOrEqual`, ...), when set.
    pub operator: Option<String>,
    /// Whether blank cells pass (`allowBlank="1"`).
    pub allow_blank: bool,
    /// The input prompt's title (`promptTitle`), e.g. `Text (required)`.
    pub title: Option<String>,
    /// The input prompt (`prompt`), e.g. `Maximum Length: 100 characters.`
    pub prompt: Option<String>,
    /// The first formula: the length limit of a `textLength`, the source range of a `list`.
    pub formula1: Option<String>,
    /// The cell ranges it applies to (`sqref`), e.g. `E2:E1048576`.
    pub sqref: String,
}

/// What the data validations say about one column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnRules {
    /// The input prompt's title, e.g. `Text (required)`, `Lookup`, `Option set`.
    pub title: Option<String>,
    /// The validation type (`textLength`, `list`, `date`, ...; empty for "any value").
    pub kind: String,
    /// Dynamics requires a value: the title says `(required)`, or blanks are not allowed.
    pub required: bool,
    /// Maximum length in characters, from the prompt or the `textLength` limit.
    pub max_length: Option<u32>,
    /// The list source of an option set, e.g. `hiddenSheet!$A$2:$D$2`.
    pub list_source: Option<String>,
}

impl ColumnRules {
    /// Rules from one validation.
    pub fn from_validation(v: &Validation) -> ColumnRules {
        let required_title = v
            .title
            .as_deref()
            .is_some_and(|t| t.to_lowercase().contains("(required)"));
        // Dynamics leaves `allowBlank` off exactly the required columns, in every language, so
        // it backs up the English "(required)" title. An "any value" rule (lookups) says nothing.
        let blank_refused = !v.kind.is_empty() && v.kind != "none" && !v.allow_blank;
        let max_length = v
            .prompt
            .as_deref()
            .and_then(max_length_in_prompt)
            .or_else(|| text_length_limit(v));
        ColumnRules {
            title: v.title.clone(),
            kind: v.kind.clone(),
            required: required_title || blank_refused,
            max_length,
            list_source: (v.kind == "list").then(|| v.formula1.clone()).flatten(),
        }
    }

    /// A lookup: the display name of a related record (Owner, Manager, Business Unit).
    pub fn is_lookup(&self) -> bool {
        self.title
            .as_deref()
            .is_some_and(|t| t.trim_start().to_lowercase().starts_with("lookup"))
    }

    /// An option set: one of a fixed list of labels.
    pub fn is_option_set(&self) -> bool {
        self.kind == "list"
            || self
                .title
                .as_deref()
                .is_some_and(|t| t.to_lowercase().contains("option set"))
    }
}

/// `N` from Dynamics' prompt `Maximum Length: N characters.`
fn max_length_in_prompt(prompt: &str) -> Option<u32> {
    let lower = prompt.to_lowercase();
    let at = lower.find("maximum length:")? + "maximum length:".len();
    let digits: String = lower[at..]
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The limit of a `textLength` rule with `lessThanOrEqual` or `lessThan`, whatever the
/// prompt's language.
fn text_length_limit(v: &Validation) -> Option<u32> {
    if v.kind != "textLength" {
        return None;
    }
    let n: u32 = v.formula1.as_deref()?.trim().parse().ok()?;
    match v.operator.as_deref() {
        Some("lessThanOrEqual") => Some(n),
        Some("lessThan") => n.checked_sub(1),
        _ => None,
    }
}

/// The rules of each column (zero-based), from a sheet's validations. When several validations
/// cover a column, the first one that says anything wins for each property.
pub fn column_rules(validations: &[Validation]) -> BTreeMap<u32, ColumnRules> {
    let mut out: BTreeMap<u32, ColumnRules> = BTreeMap::new();
    for v in validations {
        let rules = ColumnRules::from_validation(v);
        for (first, last) in sqref_columns(&v.sqref) {
            // A rule over the whole sheet width says nothing about any one column.
            if last - first > 1000 {
                continue;
            }
            for col in first..=last {
                let entry = out.entry(col).or_default();
                if entry.title.is_none() {
                    entry.title.clone_from(&rules.title);
                }
                if entry.kind.is_empty() {
                    entry.kind.clone_from(&rules.kind);
                }
                entry.required |= rules.required;
                entry.max_length = entry.max_length.or(rules.max_length);
                if entry.list_source.is_none() {
                    entry.list_source.clone_from(&rules.list_source);
                }
            }
        }
    }
    out
}

/// The column spans (zero-based, inclusive) of an `sqref`: space-separated `A1`, `A2:A9`, `E:E`.
pub fn sqref_columns(sqref: &str) -> Vec<(u32, u32)> {
    sqref
        .split_whitespace()
        .filter_map(|range| {
            let (a, b) = crate::a1::parse_range(range)?;
            Some((a.col.min(b.col), a.col.max(b.col)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// [`looks_like_guid`] as it was written first, char by char.
    fn guid_by_chars(value: &str) -> bool {
        let v = value.trim().trim_start_matches('{').trim_end_matches('}');
        v.len() == 36
            && v.char_indices().all(|(i, c)| match i {
                8 | 13 | 18 | 23 => c == '-',
                _ => c.is_ascii_hexdigit(),
            })
    }

    /// [`looks_like_checksum`] as it was written first, byte by byte until one fails.
    fn checksum_by_bytes(value: &str) -> bool {
        let v = value.trim();
        v.len() == 88
            && v.ends_with("==")
            && v[..86]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
    }

    /// [`looks_like_datetime_text`] as it was written first, in several passes.
    fn datetime_text_by_passes(value: &str) -> bool {
        let v = value.trim();
        let digits = v.bytes().filter(u8::is_ascii_digit).count();
        let groups = v
            .split(|c: char| !c.is_ascii_digit())
            .filter(|g| !g.is_empty())
            .count();
        !v.is_empty()
            && digits >= 6
            && (3..=7).contains(&groups)
            && v.chars().all(|c| {
                c.is_ascii_digit() || matches!(c, '/' | '-' | '.' | ':' | ' ' | 'T' | 'Z' | '+')
            })
            && v.contains(['/', '-', '.'])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// GUIDs and near ones read by their runs are those read char by char.
        #[test]
        fn guids_read_by_runs_are_those_read_by_chars(
            value in "[ {]?[0-9a-fA-F-]{8}[-x][0-9a-gé]{4}[-x][0-9a-f]{4}[-x][0-9a-fA-F]{4}[-x][0-9a-f]{11,13}[} ]?|.{30,40}",
        ) {
            prop_assert_eq!(looks_like_guid(&value), guid_by_chars(&value));
        }

        /// Checksums and near ones read at once are those read byte by byte.
        #[test]
        fn checksums_read_at_once_are_those_read_byte_by_byte(
            value in " ?[A-Za-z0-9+/]{80,87}[=x/é ]{0,3}| ?[A-Za-z0-9+/=!é]{86}==|.{85,90}",
        ) {
            prop_assert_eq!(looks_like_checksum(&value), checksum_by_bytes(&value));
        }

        /// Dates and times read in one pass are those read in several.
        #[test]
        fn dates_and_times_read_in_one_pass_are_those_read_in_several(
            value in "[0-9/.:TZ+ -]{0,20}|[0-9]{1,4}[/.-][0-9]{1,2}[/.-][0-9]{2,4}( [0-9]{1,2}:[0-9]{2}( [AP]M)?)?|.{0,12}",
        ) {
            prop_assert_eq!(looks_like_datetime_text(&value), datetime_text_by_passes(&value));
        }
    }

    const A1: &str = "systemuser:nQn9QKDoL7wv0oi5SL7uXS9kx7qr642Vkdfe9PBplt9Pq3/CkUX1J9t+2+yJqXorOm7GDBWVOc3bcJjSAIBuRw==:systemuserid=%28Do%20Not%20Modify%29%20User&checksumLogicalName=%28Do%20Not%20Modify%29%20Row%20Checksum&modifiedon=%28Do%20Not%20Modify%29%20Modified%20On&fullname=%20Full%20Name&address1_stateorprovince=State%2FProvince";

    fn validation(kind: &str, title: &str, prompt: &str, sqref: &str) -> Validation {
        Validation {
            kind: kind.into(),
            operator: (kind == "textLength").then(|| "lessThanOrEqual".into()),
            allow_blank: !title.contains("required"),
            title: Some(title.into()),
            prompt: Some(prompt.into()),
            formula1: (kind == "textLength").then(|| "77".into()),
            sqref: sqref.into(),
        }
    }

    #[test]
    fn sqref_spans() {
        assert_eq!(sqref_columns("E2:E1048576"), [(4, 4)]);
        assert_eq!(
            sqref_columns("A2 $C$2:$D$9 AB:AB"),
            [(0, 0), (2, 3), (27, 27)]
        );
        assert_eq!(sqref_columns("XFD1"), [(16_383, 16_383)]);
        assert!(sqref_columns("").is_empty());
        assert!(sqref_columns("12:12").is_empty());
    }

    #[test]
    fn validations_give_required_and_max_length() {
        let rules = column_rules(&[
            validation(
                "textLength",
                "Text (required)",
                "Maximum Length: 100 characters.",
                "D2:D1048576",
            ),
            validation(
                "textLength",
                "Text",
                "Maximum Length: 4000 characters.",
                "E2:E1048576",
            ),
            validation("", "Lookup", "This value must match ...", "F2:F1048576"),
            validation(
                "list",
                "Option set",
                "Select a value from the drop-down list.",
                "G2:G1048576",
            ),
        ]);
        let d = &rules[&3];
        assert!(d.required);
        assert_eq!(d.max_length, Some(100));
        assert_eq!(rules[&4].max_length, Some(4000));
        assert!(!rules[&4].required);
        assert!(rules[&5].is_lookup() && !rules[&5].required);
        assert!(rules[&6].is_option_set());
        assert!(!rules.contains_key(&0));
    }

    #[test]
    fn localized_prompts_fall_back_to_the_rule() {
        // A German export: no English title or prompt, but the rule and allowBlank still tell.
        let v = Validation {
            kind: "textLength".into(),
            operator: Some("lessThanOrEqual".into()),
            allow_blank: false,
            title: Some("Text (erforderlich)".into()),
            prompt: Some("Maximale Länge: 256 Zeichen.".into()),
            formula1: Some("256".into()),
            sqref: "B2:B1048576".into(),
        };
        let r = ColumnRules::from_validation(&v);
        assert!(r.required);
        assert_eq!(r.max_length, Some(256));
    }

    #[test]
    fn parses_a_real_a1() {
        let m = Metadata::parse(A1).unwrap();
        assert_eq!(m.entity, "systemuser");
        assert_eq!(m.columns.len(), 5);
        assert_eq!(m.header_of("fullname"), Some(" Full Name"));
        assert_eq!(
            m.header_of("address1_stateorprovince"),
            Some("State/Province")
        );
        assert_eq!(m.id_header(), Some("(Do Not Modify) User"));
        assert_eq!(m.logical_of(" Full Name"), Some("fullname"));
        assert_eq!(
            m.protected_headers().collect::<Vec<_>>(),
            [
                "(Do Not Modify) User",
                "(Do Not Modify) Row Checksum",
                "(Do Not Modify) Modified On"
            ]
        );
    }

    #[test]
    fn other_text_is_not_metadata() {
        assert_eq!(Metadata::parse("Read-Write"), None);
        assert_eq!(Metadata::parse("a:b:"), None);
        assert_eq!(Metadata::parse("bad entity:x:a=b"), None);
        assert_eq!(Metadata::parse("e:x:novalue"), None);
    }

    #[test]
    fn do_not_modify_prefix() {
        assert!(is_do_not_modify("(Do Not Modify) User"));
        assert!(is_do_not_modify("(do not modify) Row Checksum"));
        assert!(!is_do_not_modify("First Name"));
        assert!(!is_do_not_modify("(Do"));
        assert!(is_do_not_modify("(Nicht ändern) Benutzer"));
        assert!(is_do_not_modify("(Ne pas modifier) Utilisateur"));
        assert!(is_do_not_modify("(NÃO MODIFICAR) Usuário"));
    }

    #[test]
    fn shapes_of_the_protected_columns() {
        assert!(looks_like_datetime_text("11/5/2024 8:30"));
        assert!(looks_like_datetime_text("05.11.2024 08:30"));
        assert!(looks_like_datetime_text("2024-11-05T08:30:00Z"));
        assert!(!looks_like_datetime_text("+49 30 1234567"));
        assert!(!looks_like_datetime_text("Read-Write"));
        assert!(!looks_like_datetime_text("12345"));
        assert!(!looks_like_datetime_text("11/5/2024 8:30 AM"));
        assert!(!looks_like_datetime_text("１1/5/2024 8:30"));
        assert!(!looks_like_datetime_text("2024 11 05 08 30"));
        assert!(!looks_like_datetime_text("1-2-3-4-5-6-7-8"));
        assert!(looks_like_datetime_text(" 1-2-3-4-5-6-7 "));
        use crate::workbook::protected_shape;
        let csv = |text: &str| crate::csv::read(text.as_bytes(), "s").unwrap();
        let sum = format!("{}==", "Ab+/".repeat(21) + "xy");
        let book = csv(&format!(
            "Benutzer,Prüfsumme,Geändert,Vorname\n3217a7c8-1ab4-eb11-8236-000d3aff3315,{sum},11/5/2024 8:30,Zoë\n"
        ));
        let s = &book.sheets[0];
        assert_eq!(protected_shape(s, 0), Some(ProtectedShape::RecordId));
        assert_eq!(protected_shape(s, 1), Some(ProtectedShape::Checksum));
        assert_eq!(protected_shape(s, 2), Some(ProtectedShape::ModifiedOn));
        assert_eq!(protected_shape(s, 3), None);
        // Dates in column 3 of a file that is not laid out like an export are data.
        let book = csv("Name,Code,Joined\nZoë,A1,11/5/2024 8:30\n");
        assert_eq!(protected_shape(&book.sheets[0], 2), None);
        // Headers alone (a streamed CSV's first look, an empty template) say nothing.
        let book = csv("Benutzer,Prüfsumme,Geändert\n");
        assert_eq!(protected_shape(&book.sheets[0], 0), None);
    }

    #[test]
    fn guid_shape() {
        assert!(looks_like_guid("3217a7c8-1ab4-eb11-8236-000d3aff3315"));
        assert!(looks_like_guid("{3217A7C8-1AB4-EB11-8236-000D3AFF3315}"));
        assert!(!looks_like_guid("3217a7c8"));
        // 36 bytes, not 36 characters; a dash out of place; a letter that is no hex digit.
        assert!(!looks_like_guid("3217a7c8-1ab4-eb11-8236-000d3aff33é"));
        assert!(!looks_like_guid("3217a7c8-1ab4-eb11-8236-000d3aff331-"));
        assert!(!looks_like_guid("3217a7c81-ab4-eb11-8236-000d3aff3315"));
        assert!(!looks_like_guid("3217a7c8-1ab4-eb11-8236-000d3aff331g"));
    }
}
