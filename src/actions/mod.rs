//! Column actions: pure functions from an input cell to its replacement.
//!
//! Every action leaves empty cells empty (an empty cell holds no personal data) and returns
//! `None` when the cell does not change, so the caller records only real changes. Every new text
//! value passes through [`finish`], which keeps it from starting a formula in a spreadsheet or CSV
//! consumer and fits it to the column's maximum length and Excel's cell limit.

mod mask;
mod pseudonymize;
mod redact;
mod regex;
mod replace;
pub(crate) mod rich_text;

use calamine::Data;
use std::borrow::Cow;

pub use self::mask::Mask;
pub(crate) use self::pseudonymize::hex;
pub use self::pseudonymize::{Key, PseudoKind, Pseudonymizer, MIN_KEY_BYTES};
pub use self::redact::{Detector, Redactor, REDACTED};
pub use self::regex::RegexRewrite;
pub use self::replace::Template;

/// Excel's limit on the characters of one cell.
pub const EXCEL_CELL_LIMIT: usize = 32_767;

/// Characters that make a spreadsheet treat a value as a formula (OWASP CSV injection).
const FORMULA_TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// What to do with the cells of one column.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Action {
    /// Leave the column as it is (useful to document a decision in a map).
    Keep,
    /// Empty the cell.
    Clear,
    /// Replace the value with a template.
    Replace(Template),
    /// Hide characters of the value.
    Mask(Mask),
    /// Replace the value with a keyed pseudonym.
    Pseudonymize(Pseudonymizer),
    /// Rewrite the value with a regular expression.
    Regex(RegexRewrite),
    /// Remove personal data from free text.
    Redact(Redactor),
}

impl Action {
    /// The action's name as written in a map.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Keep => "keep",
            Action::Clear => "clear",
            Action::Replace(_) => "replace",
            Action::Mask(_) => "mask",
            Action::Pseudonymize(_) => "pseudonymize",
            Action::Regex(_) => "regex",
            Action::Redact(_) => "redact",
        }
    }

    /// Whether the new value may be written to a report. Masks and regex rewrites keep parts of
    /// the original value, so reports leave them out.
    pub fn output_is_reportable(&self) -> bool {
        !matches!(self, Action::Mask(_) | Action::Regex(_) | Action::Redact(_))
    }
}

/// What an action may know about the cell besides its value.
#[derive(Debug, Clone, Copy)]
pub struct CellCtx<'a> {
    /// Spreadsheet row number (1-based, the header is row 1).
    pub row: u32,
    /// The record GUID of the row, when the file has one.
    pub record_id: Option<&'a str>,
    /// The column's header as it appears in the file.
    pub column: &'a str,
}

/// Apply `action` to one cell. Returns the new value, or `None` when the cell stays as it is.
///
/// `max_length` is the column's maximum length in characters, when known.
///
/// # Examples
/// ```
/// use calamine::Data;
/// use dsr_scrub::actions::{apply, Action, CellCtx};
///
/// let ctx = CellCtx { row: 2, record_id: None, column: "First Name" };
/// let new = apply(&Action::Clear, &Data::String("Zoë".into()), &ctx, None);
/// assert_eq!(new, Some(Data::Empty));
/// ```
pub fn apply(
    action: &Action,
    value: &Data,
    ctx: &CellCtx,
    max_length: Option<usize>,
) -> Option<Data> {
    apply_with(action, value, ctx, max_length, &[])
}

/// [`apply`], with the `(old, new)` values this row lost in other columns, for `redact`'s
/// `mentions`.
pub fn apply_with(
    action: &Action,
    value: &Data,
    ctx: &CellCtx,
    max_length: Option<usize>,
    lost: &[(&str, &str)],
) -> Option<Data> {
    if !holds_text(value) {
        return None;
    }
    // The text of a number or a date is made only for the actions that read it.
    let text = || cell_text(value).unwrap_or_default();
    let new = match action {
        Action::Keep => return None,
        Action::Clear => return Some(Data::Empty),
        Action::Replace(template) => template.render(ctx),
        Action::Mask(mask) => mask.apply(&text()),
        Action::Pseudonymize(p) => p.pseudonym(&text()),
        Action::Regex(rewrite) => rewrite.apply(&text())?,
        Action::Redact(redactor) => redactor.apply(&text(), lost)?,
    };
    let new = finish(new, max_length);
    let unchanged = matches!(value, Data::String(old) if *old == new);
    (!unchanged).then_some(Data::String(new))
}

/// The text an action works on, or `None` for cells that hold nothing to scrub. `verify` uses
/// it too, so it searches for exactly the text the actions saw.
pub(crate) fn cell_text(value: &Data) -> Option<Cow<'_, str>> {
    match value {
        Data::Empty => None,
        Data::String(s) if s.is_empty() => None,
        Data::String(s) => Some(Cow::Borrowed(s)),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Some(Cow::Borrowed(s)),
        // An error cell holds no data of its own.
        Data::Error(_) => None,
        other => Some(Cow::Owned(crate::text::data_text(other))),
    }
}

/// Whether [`cell_text`] gives a text for `value`, without making it.
pub(crate) fn holds_text(value: &Data) -> bool {
    !matches!(value, Data::Empty | Data::Error(_))
        && !matches!(value, Data::String(s) if s.is_empty())
}

/// Make a new value safe to write: no leading formula trigger, at most `max_length` characters
/// (and never more than Excel's cell limit); see [`shorten`].
pub fn finish(value: String, max_length: Option<usize>) -> String {
    let value = if value.starts_with(FORMULA_TRIGGERS) {
        format!("'{value}")
    } else {
        value
    };
    let limit = max_length.unwrap_or(EXCEL_CELL_LIMIT).min(EXCEL_CELL_LIMIT);
    // A value of no more bytes than the limit has no more characters either (nearly every
    // value: told without counting them).
    if value.len() <= limit || value.char_indices().nth(limit).is_none() {
        return value;
    }
    shorten(&value, limit)
}

/// Characters of the tag that [`shorten`] ends a cut value with: `~` and 10 hex digits.
const SHORT_TAG: usize = 11;

/// The shortest local part [`shorten`] cuts an address's local part to: one character and the
/// tag. With less room an address cannot stay both distinct and an address.
pub const MIN_SHORT_LOCAL: usize = SHORT_TAG + 1;

/// Cut `value` to `limit` characters, deterministically, so that different values stay
/// different: the cut keeps the start and ends with `~` and 10 hex digits of the SHA-256 of the
/// whole value (two pseudonyms that share their first characters still differ). An email
/// address keeps its domain and is cut in its local part, so it stays an address. A limit of
/// 11 characters or fewer leaves no room for the tag: the value is only cut.
///
/// ```
/// use dsr_scrub::actions::shorten;
/// let a = shorten("deleted-3217a7c8-1ab4-eb11-8236-000d3aff3315@example.invalid", 40);
/// assert_eq!(a.chars().count(), 40);
/// assert!(a.ends_with("@example.invalid"));
/// let b = shorten("deleted-3217a7c8-1ab4-eb11-8236-000d3aff3316@example.invalid", 40);
/// assert_ne!(a, b);
/// ```
pub fn shorten(value: &str, limit: usize) -> String {
    use sha2::{Digest, Sha256};
    use std::fmt::Write;
    if value.chars().count() <= limit {
        return value.to_string();
    }
    if crate::dynamics::is_email(value) {
        if let Some((local, domain)) = value.rsplit_once('@') {
            let room = limit.saturating_sub(domain.chars().count() + 1);
            if room >= MIN_SHORT_LOCAL {
                return format!("{}@{domain}", shorten(local, room));
            }
        }
    }
    if limit <= SHORT_TAG {
        return value.chars().take(limit).collect();
    }
    let mut out: String = value.chars().take(limit - SHORT_TAG).collect();
    out.push('~');
    for b in &Sha256::digest(value.as_bytes())[..5] {
        write!(out, "{b:02x}").expect("write to a String");
    }
    out
}

/// Whether `--neutralize-formulas` escapes this CSV field (OWASP's CSV-injection advice): it
/// starts with `=`, `+`, `-`, `@`, tab or CR and is not a plain number (`-12.5`, `+3`, `1e-5`
/// stay as they are, since a spreadsheet reads them as the numbers they are).
pub fn needs_neutralizing(value: &str) -> bool {
    value.starts_with(FORMULA_TRIGGERS) && !is_plain_number(value)
}

/// `[+-]digits[.digits][e[+-]digits]`, nothing else (no spaces, no `inf`, no thousands
/// separators).
fn is_plain_number(value: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let unsigned = value.strip_prefix(['+', '-']).unwrap_or(value);
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['+', '-']).unwrap_or(e))),
        None => (unsigned, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            (digits(int) || int.is_empty()) && (digits(frac) || frac.is_empty()) && mantissa != "."
        }
        None => digits(mantissa),
    };
    mantissa_ok && exponent.is_none_or(digits)
}

/// Whether a value would be read as a formula by a spreadsheet program.
pub fn starts_like_formula(value: &str) -> bool {
    value.starts_with(FORMULA_TRIGGERS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ctx() -> CellCtx<'static> {
        CellCtx {
            row: 7,
            record_id: Some("3217a7c8-1ab4-eb11-8236-000d3aff3315"),
            column: "Last Name",
        }
    }

    #[test]
    fn empty_cells_stay_empty() {
        for action in [
            Action::Clear,
            Action::Replace(Template::parse("Deleted").unwrap()),
            Action::Mask(Mask::new(0, 0, '*').unwrap()),
        ] {
            assert_eq!(apply(&action, &Data::Empty, &ctx(), None), None);
            assert_eq!(
                apply(&action, &Data::String(String::new()), &ctx(), None),
                None
            );
        }
    }

    #[test]
    fn a_cell_holds_text_exactly_when_it_has_one() {
        let date =
            calamine::ExcelDateTime::new(45_000.5, calamine::ExcelDateTimeType::DateTime, false);
        for value in [
            Data::Empty,
            Data::String(String::new()),
            Data::String(" ".into()),
            Data::String("Søren".into()),
            Data::Int(0),
            Data::Float(-0.0),
            Data::Float(5_551_234_567.0),
            Data::Bool(false),
            Data::DateTime(date),
            Data::DateTimeIso(String::new()),
            Data::DurationIso("PT1H".into()),
            Data::Error(calamine::CellErrorType::NA),
        ] {
            assert_eq!(holds_text(&value), cell_text(&value).is_some(), "{value:?}");
        }
    }

    #[test]
    fn keep_changes_nothing() {
        let v = Data::String("Søren".into());
        assert_eq!(apply(&Action::Keep, &v, &ctx(), None), None);
    }

    #[test]
    fn clear_empties_any_type() {
        assert_eq!(
            apply(&Action::Clear, &Data::Float(51.5), &ctx(), None),
            Some(Data::Empty)
        );
        assert_eq!(
            apply(&Action::Clear, &Data::String("Aoife".into()), &ctx(), None),
            Some(Data::Empty)
        );
    }

    #[test]
    fn replace_equal_to_old_value_is_no_change() {
        let t = Action::Replace(Template::parse("Deleted").unwrap());
        assert_eq!(
            apply(&t, &Data::String("Deleted".into()), &ctx(), None),
            None
        );
        assert_eq!(
            apply(&t, &Data::String("Łukasz".into()), &ctx(), None),
            Some(Data::String("Deleted".into()))
        );
    }

    #[test]
    fn finish_defuses_formulas() {
        assert_eq!(finish("=HYPERLINK(1)".into(), None), "'=HYPERLINK(1)");
        assert_eq!(finish("+44 20".into(), None), "'+44 20");
        assert_eq!(finish("Deleted".into(), None), "Deleted");
    }

    #[test]
    fn finish_truncates_on_characters() {
        assert_eq!(finish("Zoë Müller".into(), Some(3)), "Zoë");
        assert_eq!(
            finish("x".repeat(40_000), None).chars().count(),
            EXCEL_CELL_LIMIT
        );
    }

    #[test]
    fn neutralizing_spares_plain_numbers() {
        for value in [
            "=1+1",
            "+44 20 7946 0000",
            "-cmd|' /C calc'!A0",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "-",
            "+",
            "-1,5",
            "- 3",
            "-inf",
            "-1e",
            "=-1",
        ] {
            assert!(needs_neutralizing(value), "{value:?}");
        }
        for value in [
            "-12.5", "+3", "-0", "-.5", "-5.", "1e-5", "-2E+10", "Deleted", "'=1", "", "a=b",
        ] {
            assert!(!needs_neutralizing(value), "{value:?}");
        }
    }

    proptest! {
        #[test]
        fn finish_never_starts_a_formula_and_fits(s in ".{0,80}", max in 1usize..40) {
            let out = finish(s, Some(max));
            prop_assert!(!out.starts_with(['=', '+', '-', '@', '\t', '\r']));
            prop_assert!(out.chars().count() <= max);
        }

        #[test]
        fn cut_values_stay_distinct_and_addresses_stay_addresses(
            a in "[a-zA-Z0-9 .-]{20,60}",
            b in "[a-zA-Z0-9 .-]{20,60}",
            limit in 12usize..20,
        ) {
            let (x, y) = (shorten(&a, limit), shorten(&b, limit));
            prop_assert!(x.chars().count() <= limit && y.chars().count() <= limit);
            prop_assert_eq!(&x, &shorten(&a, limit), "deterministic");
            prop_assert_eq!(a == b, x == y);
            let local = |s: &str| s.replace([' ', '.'], "x");
            let (ea, eb) = (format!("{}@example.invalid", local(&a)), format!("{}@example.invalid", local(&b)));
            let limit = limit + 17;
            let (x, y) = (shorten(&ea, limit), shorten(&eb, limit));
            prop_assert!(crate::dynamics::is_email(&x), "{} from {}", x, ea);
            prop_assert!(x.ends_with("@example.invalid") && x.chars().count() <= limit);
            prop_assert_eq!(ea == eb, x == y);
        }
    }

    #[test]
    fn shorten_keeps_values_that_fit_and_cuts_tiny_limits_plainly() {
        assert_eq!(shorten("Deleted", 7), "Deleted");
        assert_eq!(shorten("Deleted User", 7), "Deleted");
        let cut = shorten("Deleted User 3217a7c8", 16);
        assert_eq!(cut.chars().count(), 16);
        assert!(cut.starts_with("Delet~"), "{cut}");
        // Characters, not bytes.
        assert_eq!(shorten("Zoë Müller-Schmidt", 5), "Zoë M");
    }
}
