//! `redact`: remove personal data from free text while keeping the rest of the sentence.
//!
//! Detectors find emails, phone numbers and URLs; custom `patterns` find anything else;
//! `mentions` replaces the values this row lost in other columns (its own name, email...) by the
//! replacements those columns got, so the text stays consistent with them; `subjects` replaces
//! the data subjects' values (`--subject`) wherever they appear, in every row. Everything else in
//! the text, including other people's data, stays as it is.

use regex::Regex;
use std::sync::OnceLock;

/// What a `redact` action looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Detector {
    /// Email addresses → `[email]`.
    Email,
    /// Phone numbers in international and national formats → `[phone]`.
    Phone,
    /// Web addresses → `[url]`.
    Url,
    /// The data subjects' values → `[redacted]`.
    Subjects,
}

/// A configured `redact` action.
#[derive(Debug, Clone)]
pub struct Redactor {
    detectors: Vec<Detector>,
    patterns: Vec<Regex>,
    subjects: Option<std::sync::Arc<crate::subjects::Search>>,
    mentions: bool,
}

/// Replaces what `patterns` and `subjects` find, and mentions that had no replacement.
pub const REDACTED: &str = "[redacted]";

fn email_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+").expect("valid regex"))
}

fn url_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"(?i)\b(?:https?://|www\.)[^\s<>"]+[^\s<>".,;:!?)]"#).expect("valid regex")
    })
}

fn phone_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"(?:\+|00)[1-9][\d ().-]{5,20}\d", // international: +44 20 7946 0123
            r"|\(\d{2,5}\)[ .-]?\d{2,5}(?:[ .-]?\d{2,5}){0,3}", // (425) 555-0147, (030) 123 4567
            r"|0\d{1,4}(?:[ ./-]?\d{2,5}){1,4}", // national: 030 1234567, 06-12345678
            r"|\d{3}[ .-]\d{3}[ .-]\d{4}",      // 425-555-0147
        ))
        .expect("valid regex")
    })
}

fn date_like() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(?:\d{1,4}[./-]\d{1,2}[./-]\d{1,4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
            .expect("valid regex")
    })
}

/// Whether the text around `start..end` leaves the match standing on its own: not inside a
/// longer word, number, GUID or identifier.
///
/// A percent-encoded character (`%20`, in a link) ends what precedes it, and in scripts written
/// without spaces between words (see [`crate::text::unspaced`]) any character may: a name is
/// followed by a particle or an honorific (`山本 葵さん`, `Karim Al-Farsiさん`).
///
/// `inner` tells whether a character joins the match: the one before it (`true`) or after it.
fn stands_alone(text: &str, start: usize, end: usize, inner: impl Fn(char, bool) -> bool) -> bool {
    let head = &text.as_bytes()[..start];
    let escaped = head.len() >= 3
        && head[head.len() - 3] == b'%'
        && head[head.len() - 2..].iter().all(u8::is_ascii_hexdigit);
    let before = text[..start].chars().next_back().filter(|_| !escaped);
    let after = text[end..].chars().next();
    let joined = |c: char, side: bool| inner(c, side) && !crate::text::unspaced(c);
    !before.is_some_and(|c| joined(c, true)) && !after.is_some_and(|c| joined(c, false))
}

/// Characters that continue a name or address: a match next to one is part of something longer
/// (`Zoë Müller` inside `Zoë Müller-Schmidt`, `Mary` inside `Primary`).
fn word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_' | '@')
}

/// Characters that continue a subject's match (see [`word_char`]): a name found in its words
/// (a match with a space or comma in it) is not part of an email or identifier, which have
/// none, so a mention (`@Zoë Müller`) or emphasis (`_Zoë Müller_`) around it stands apart; a
/// hyphen still joins it to a longer name. An `@` before a user name (a match without one)
/// mentions it (`@karim.al-farsi`); one after it still joins it (a user name is matched with
/// the rest of its email address, so a match that stops at an `@` is the start of something
/// else).
fn subject_char(matched: &str, c: char, before: bool) -> bool {
    if matched.contains(|m: char| m.is_whitespace() || m == ',') {
        c.is_alphanumeric() || crate::text::same_mark(c, '-')
    } else if before && c == '@' {
        matched.contains('@')
    } else {
        word_char(c)
    }
}

/// Characters that, next to a number, make it part of an identifier, amount or date.
fn number_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '/' | '_' | '.' | ',' | ':')
}

/// Whether a phone-shaped match at `start..end` is a number on its own. A `.`, `,` or `:` next
/// to it continues the number only when a digit follows on the other side (`1,234,567.89`,
/// `09:30`); otherwise it is the punctuation of the sentence ("call 425-555-0147.") or ends a
/// label (`Tel:+49 30 1234567`, `Tel.:`, a `tel:` link).
fn number_stands_alone(text: &str, start: usize, end: usize) -> bool {
    fn continues(mut side: impl Iterator<Item = char>) -> bool {
        match side.next() {
            Some('.' | ',' | ':') => side.next().is_some_and(|c| c.is_ascii_digit()),
            Some(c) => number_char(c),
            None => false,
        }
    }
    !continues(text[..start].chars().rev()) && !continues(text[end..].chars())
}

impl Redactor {
    /// A redactor; `subjects` are the data subjects' values (needed by the `subjects` detector).
    ///
    /// # Errors
    /// A message for a bad custom pattern or a `subjects` detector without subjects.
    pub fn new(
        detectors: Vec<Detector>,
        patterns: &[String],
        mentions: bool,
        subjects: &crate::subjects::Subjects,
    ) -> Result<Redactor, String> {
        let patterns = patterns
            .iter()
            .map(|p| {
                Regex::new(p).map_err(|e| {
                    format!(
                        "bad entry in `patterns`: {}",
                        crate::text::regex_problem(&e)
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let subjects = if detectors.contains(&Detector::Subjects) {
            if subjects.is_empty() {
                return Err("detector `subjects` needs the data subjects: pass --subject VALUE or --subjects FILE".into());
            }
            Some(
                subjects
                    .search()
                    .map(std::sync::Arc::new)
                    .ok_or("the data subjects cannot be searched for")?,
            )
        } else {
            None
        };
        if detectors.is_empty() && patterns.is_empty() && !mentions {
            return Err("`redact` needs `detect`, `patterns` or `mentions = true`".into());
        }
        Ok(Redactor {
            detectors,
            patterns,
            subjects,
            mentions,
        })
    }

    /// Whether the action looks for the data subjects.
    pub fn uses_subjects(&self) -> bool {
        self.subjects.is_some()
    }

    /// Whether the action needs the values the row lost in other columns.
    pub fn uses_mentions(&self) -> bool {
        self.mentions
    }

    /// Redact `text`. `lost` holds `(old value, its replacement)` for the other columns of this
    /// row that changed. `None` when nothing was found.
    pub fn apply(&self, text: &str, lost: &[(&str, &str)]) -> Option<String> {
        self.run(text, lost, &mut |_| {})
    }

    /// The fragments of `text` that [`Redactor::apply`] replaces (emails, phones, mentions,
    /// ...), so that `verify` can search the output for each of them.
    pub fn replaced(&self, text: &str, lost: &[(&str, &str)]) -> Vec<String> {
        let mut found = Vec::new();
        self.run(text, lost, &mut |m| found.push(m.to_string()));
        found
    }

    /// [`Redactor::apply`], telling `found` each fragment it replaces.
    ///
    /// Rich text is searched four times: as it is, with its character references decoded
    /// (again if it was escaped twice), then as it shows (see [`super::rich_text`]), then with
    /// every percent escape decoded: markup may hide a name or an email
    /// (`Karim&nbsp;Al-Farsi`, `O&#39;Brien` in a tooltip, `<span>`s around each word, `&#64;`),
    /// and a link may encode each of its letters (`%4B%61%72%69%6D`). What is found only
    /// percent-decoded is redacted in the decoded text, which the value is written as.
    /// What is found only in the text shown is redacted there, and the value is written as that
    /// text, without its markup: keeping the markup would need the two texts'
    /// places matched character by character, and a value that names a subject loses its
    /// formatting rather than the subject staying.
    fn run(
        &self,
        text: &str,
        lost: &[(&str, &str)],
        found: &mut dyn FnMut(&str),
    ) -> Option<String> {
        let mut out = self.run_once(text, lost, found);
        // Then with its character references decoded, its tags kept (a name in an attribute,
        // `&nbsp;` between two words: the markup stays), then as it shows, then with every
        // percent escape decoded (a link's `%4B%61%72%69%6D`).
        for read in [
            super::rich_text::decoded,
            super::rich_text::shown,
            super::rich_text::percent_decoded,
        ] {
            let Some(read) = read(out.as_deref().unwrap_or(text)) else {
                continue;
            };
            if let Some(redacted) = self.run_once(&read, lost, found) {
                out = Some(redacted);
            }
        }
        out
    }

    /// One search of `text` (see [`Redactor::run`]).
    fn run_once(
        &self,
        text: &str,
        lost: &[(&str, &str)],
        found: &mut dyn FnMut(&str),
    ) -> Option<String> {
        let mut out = text.to_string();
        if self.mentions && !lost.is_empty() {
            let mut lost: Vec<(&str, &str)> = lost
                .iter()
                .map(|&(old, new)| (old.trim(), new))
                .filter(|(old, _)| old.chars().count() >= 2)
                .collect();
            // Longest first, so a full name is replaced before the first name inside it.
            lost.sort_by_key(|(old, _)| std::cmp::Reverse(old.chars().count()));
            for (old, new) in lost {
                let re = alternation(&[old]);
                let new = if new.is_empty() { REDACTED } else { new };
                // The row's own values are replaced inside hyphenated compounds too ("Marie" in
                // "Anne-Marie" is the same person), unlike the subjects of other rows.
                let matches: Vec<_> = re.find_iter(&out).map(|m| m.range()).collect();
                out = replace_alone(&matches, &out, |_, c, _| c.is_alphanumeric(), new, found);
            }
        }
        if let Some(search) = &self.subjects {
            // Subjects are found in any normalization form and across zero-width characters;
            // the text is only rewritten (in NFC, without them) when one is found.
            let prepared = crate::subjects::prepare(&out);
            if let Some(matches) = search.find(&prepared) {
                let redacted = replace_alone(&matches, &prepared, subject_char, REDACTED, found);
                if redacted != prepared {
                    out = redacted;
                }
            }
        }
        for detector in &self.detectors {
            out = match detector {
                Detector::Email => replace_all(email_re(), &out, "[email]", found),
                Detector::Url => replace_all(url_re(), &out, "[url]", found),
                Detector::Phone => {
                    let mut result = String::with_capacity(out.len());
                    let mut last = 0;
                    for m in phone_re().find_iter(&out) {
                        let digits = m.as_str().chars().filter(char::is_ascii_digit).count();
                        let plausible = (7..=15).contains(&digits)
                            && !date_like().is_match(m.as_str())
                            && number_stands_alone(&out, m.start(), m.end());
                        if plausible {
                            found(m.as_str());
                            result.push_str(&out[last..m.start()]);
                            result.push_str("[phone]");
                            last = m.end();
                        }
                    }
                    result.push_str(&out[last..]);
                    result
                }
                Detector::Subjects => out,
            };
        }
        for re in &self.patterns {
            out = replace_all(re, &out, REDACTED, found);
        }
        (out != text).then_some(out)
    }
}

/// A case-insensitive regex matching any of `values` literally, but for the white space between
/// their words, which matches any run of white space.
fn alternation(values: &[&str]) -> Regex {
    // Any white space between words: a no-break space (`&nbsp;` in rich text), a line break.
    let body = values
        .iter()
        .map(|v| {
            v.split_whitespace()
                .map(regex::escape)
                .collect::<Vec<_>>()
                .join(r"\s+")
        })
        .collect::<Vec<_>>()
        .join("|");
    Regex::new(&format!("(?i)(?:{body})")).expect("escaped literals form a valid regex")
}

/// Replace every match of `re` with `new`, telling `found` each match.
fn replace_all(re: &Regex, text: &str, new: &str, found: &mut dyn FnMut(&str)) -> String {
    re.replace_all(text, |c: &regex::Captures| {
        found(&c[0]);
        new.to_string()
    })
    .into_owned()
}

/// Replace the `matches` (ranges of `text`, in order) that stand alone (see [`stands_alone`])
/// with `new`, telling `found` each one.
fn replace_alone(
    matches: &[std::ops::Range<usize>],
    text: &str,
    inner: fn(&str, char, bool) -> bool,
    new: &str,
    found: &mut dyn FnMut(&str),
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for m in matches {
        let matched = &text[m.clone()];
        if stands_alone(text, m.start, m.end, |c, before| inner(matched, c, before)) {
            found(matched);
            out.push_str(&text[last..m.start]);
            out.push_str(new);
            last = m.end;
        }
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> crate::subjects::Subjects {
        crate::subjects::Subjects::default()
    }

    fn r(detectors: &[Detector]) -> Redactor {
        Redactor::new(detectors.to_vec(), &[], false, &none()).unwrap()
    }

    #[test]
    fn tells_what_it_replaced() {
        let red =
            Redactor::new(vec![Detector::Email, Detector::Phone], &[], true, &none()).unwrap();
        let text = "Zoë Müller (zoe@contoso.com, +44 20 7946 0123) left.";
        assert_eq!(
            red.replaced(text, &[("Zoë Müller", "Deleted User")]),
            ["Zoë Müller", "zoe@contoso.com", "+44 20 7946 0123"]
        );
        assert!(red.replaced("Nothing here.", &[]).is_empty());
    }

    #[test]
    fn emails_and_urls_in_sentences() {
        let red = r(&[Detector::Email, Detector::Url]);
        assert_eq!(
            red.apply(
                "Mail jose.garcia@contoso.com or see https://contoso.com/u/jose.",
                &[]
            )
            .unwrap(),
            "Mail [email] or see [url]."
        );
    }

    #[test]
    fn phones_in_many_formats() {
        let red = r(&[Detector::Phone]);
        for phone in [
            "+44 20 7946 0123",
            "(425) 555-0147",
            "030 1234567",
            "06-12345678",
            "0044 20 7946 0123",
            "425-555-0147",
        ] {
            assert_eq!(
                red.apply(&format!("Call {phone} today"), &[]).unwrap(),
                "Call [phone] today",
                "{phone}"
            );
        }
    }

    #[test]
    fn issue_12_phone_before_a_full_stop_or_comma_is_redacted() {
        let red = r(&[Detector::Phone]);
        for (text, expected) in [
            ("call 425-555-0147.", "call [phone]."),
            ("call 425-555-0147, then", "call [phone], then"),
            ("Tel.+44 20 7946 0123.", "Tel.[phone]."),
            ("(425) 555-0147, 030 1234567.", "[phone], [phone]."),
            // After a label's colon, and before a colon.
            ("Tel:+49 30 1234567 after 5pm", "Tel:[phone] after 5pm"),
            ("Kontakt Tel.:+49 30 1234567", "Kontakt Tel.:[phone]"),
            ("Mobile:+4930123456", "Mobile:[phone]"),
            ("Call <tel:+4930123456>", "Call <tel:[phone]>"),
            ("Tel:030 1234567", "Tel:[phone]"),
            ("call 030 1234567: evenings", "call [phone]: evenings"),
        ] {
            assert_eq!(red.apply(text, &[]).as_deref(), Some(expected), "{text}");
        }
        // Still part of a longer number when a digit follows the point or comma.
        for text in [
            "425-555-0147.5 units",
            "1,425-555-0147",
            "425-555-0147,25",
            "12:425-555-0147",
            "425-555-0147:30",
        ] {
            assert_eq!(red.apply(text, &[]), None, "{text}");
        }
    }

    #[test]
    fn not_guids_dates_amounts_or_record_numbers() {
        let red = r(&[Detector::Phone]);
        for text in [
            "Record 3217a7c8-1ab4-eb11-8236-000d3aff3315 updated",
            "Left on 01.02.2024 at 09:30",
            "Due 2024-03-15",
            "Invoice INV-0012345678 paid",
            "Amount 1,234,567.89 EUR",
            "Case 00123456789012345678",
            "Ticket #4821",
        ] {
            assert_eq!(red.apply(text, &[]), None, "{text}");
        }
    }

    #[test]
    fn mentions_use_the_columns_replacements_longest_first() {
        let red = Redactor::new(vec![], &[], true, &none()).unwrap();
        let lost = [
            ("José", "Deleted"),
            ("José García", "Deleted User 3217a7c8"),
            ("jose@contoso.com", ""),
        ];
        assert_eq!(
            red.apply(
                "Ask JOSÉ GARCÍA (josé) or jose@contoso.com; Josélito stays.",
                &lost
            )
            .unwrap(),
            "Ask Deleted User 3217a7c8 (Deleted) or [redacted]; Josélito stays."
        );
    }

    #[test]
    fn mentions_inside_hyphenated_names_are_replaced() {
        let red = Redactor::new(vec![], &[], true, &none()).unwrap();
        assert_eq!(
            red.apply("Anne-Marie Dupont", &[("Marie", "")]).unwrap(),
            "Anne-[redacted] Dupont"
        );
    }

    #[test]
    fn common_words_only_on_word_boundaries() {
        let red = Redactor::new(vec![], &[], true, &none()).unwrap();
        assert_eq!(
            red.apply("Mary's primary account; ask mary.", &[("Mary", "Kovalu")])
                .unwrap(),
            "Kovalu's primary account; ask Kovalu."
        );
    }

    #[test]
    fn subjects_everywhere_but_not_inside_other_names() {
        let subjects = crate::subjects::Subjects::from_values(&[
            "Zoë Müller".to_string(),
            "zoe@contoso.com".to_string(),
        ]);
        let red = Redactor::new(vec![Detector::Subjects], &[], false, &subjects).unwrap();
        assert_eq!(
            red.apply(
                "Approved by zoë müller (zoe@contoso.com), cc Zoë Müller-Schmidt",
                &[]
            )
            .unwrap(),
            "Approved by [redacted] ([redacted]), cc Zoë Müller-Schmidt"
        );
        // A mention or emphasis around a name; an email still ends where a word goes on.
        assert_eq!(
            red.apply("@Zoë Müller please approve, cc _Zoe Mueller_", &[])
                .unwrap(),
            "@[redacted] please approve, cc _[redacted]_"
        );
        assert_eq!(red.apply("mail xzoe@contoso.com", &[]), None);
    }

    /// Free text names a subject with typographic apostrophes and hyphens, in full-width
    /// letters, percent-encoded in a link, or followed by a Japanese honorific: each is the
    /// subject; a longer name with a hyphen is still another person.
    #[test]
    fn subjects_in_free_text_written_otherwise() {
        let subjects = crate::subjects::Subjects::from_values(&[
            "Sean O'Brien".to_string(),
            "Karim Al-Farsi".to_string(),
            "karim.al-farsi@contoso.com".to_string(),
            "山本 葵".to_string(),
        ]);
        let red = Redactor::new(vec![Detector::Subjects], &[], false, &subjects).unwrap();
        for (text, expected) in [
            ("Took over from Sean O’Brien.", "Took over from [redacted]."),
            ("Reports to O’Brien, Sean", "Reports to [redacted]"),
            ("From Karim Al\u{2011}Farsi and Karim Al–Farsi", "From [redacted] and [redacted]"),
            ("連絡: Ｋａｒｉｍ　Ａｌ－Ｆａｒｓｉ", "連絡: [redacted]"),
            ("mailto:karim.al-farsi%40contoso.com", "mailto:[redacted]"),
            (
                "https://contoso.sharepoint.com/hr/Shared%20Documents/Karim%20Al-Farsi%20contract.pdf",
                "https://contoso.sharepoint.com/hr/Shared%20Documents/[redacted]%20contract.pdf",
            ),
            ("Meeting%20with%20Karim%20Al-Farsi", "Meeting%20with%20[redacted]"),
            ("2023年に山本 葵さんから引き継ぎ", "2023年に[redacted]さんから引き継ぎ"),
            ("cc Karim Al-Farsiさん", "cc [redacted]さん"),
            (
                "https://contoso-my.sharepoint.com/personal/karim_al-farsi_contoso_com/Documents/a.docx",
                "https://contoso-my.sharepoint.com/personal/[redacted]/Documents/a.docx",
            ),
        ] {
            assert_eq!(red.apply(text, &[]).as_deref(), Some(expected), "{text}");
            // `find` tells which subject each fragment is.
            for fragment in red.replaced(text, &[]) {
                assert!(!subjects.mentioned(&fragment).is_empty(), "{text}: {fragment}");
            }
        }
        assert_eq!(red.apply("cc Karim Al-Farsi-Haddad", &[]), None);
    }

    /// Dataverse keeps notes and descriptions as HTML: a name or email hidden by its markup
    /// is found in the text shown, and the value is written as that text, redacted. Markup
    /// that hides nothing is left as it is.
    #[test]
    fn a_subject_hidden_by_rich_text_markup_is_redacted_in_the_text_shown() {
        let subjects = crate::subjects::Subjects::from_values(&[
            "Karim Al-Farsi".to_string(),
            "karim.al-farsi@contoso.com".to_string(),
        ]);
        let red = Redactor::new(vec![Detector::Subjects], &[], false, &subjects).unwrap();
        for (text, expected) in [
            // Character references decoded, the markup kept.
            (
                "<p>Handover from Karim&nbsp;Al-Farsi</p>",
                "<p>Handover from [redacted]</p>",
            ),
            ("Karim&#160;Al-Farsi", "[redacted]"),
            (
                "<a title=\"Karim Al&#45;Farsi\">KA</a>",
                "<a title=\"[redacted]\">KA</a>",
            ),
            // The user name before it is found as it is (see `a_subjects_name_as_a_user_name`).
            (
                "<div>Contact karim.al-farsi&#64;contoso.com</div>",
                "<div>Contact [redacted]&#64;contoso.com</div>",
            ),
            (
                "<div>Contact karim&#46;al-farsi&#64;contoso.com</div>",
                "<div>Contact [redacted]</div>",
            ),
            ("Karim<o:p></o:p> Al-Farsi", "[redacted]"),
            (
                "<p><span>Karim</span> <span>Al-Farsi</span></p>",
                "[redacted]\n",
            ),
            ("<b>Karim</b> <i>Al-Farsi</i>", "[redacted]"),
            // Found as it is: the markup stays.
            (
                "<p>Handover from Karim Al-Farsi</p>",
                "<p>Handover from [redacted]</p>",
            ),
        ] {
            assert_eq!(red.apply(text, &[]).as_deref(), Some(expected), "{text}");
            let fragments = red.replaced(text, &[]);
            assert!(
                fragments.iter().all(|f| !subjects.mentioned(f).is_empty()),
                "{text}: {fragments:?}"
            );
        }
        assert_eq!(
            red.apply("<p>Handover from <b>Ingrid</b>&nbsp;H.</p>", &[]),
            None
        );
        // A row's own values, hidden the same way.
        let own = Redactor::new(Vec::new(), &[], true, &subjects).unwrap();
        assert_eq!(
            own.apply(
                "<p>Approved by Ingrid&nbsp;Halvorsen</p>",
                &[("Ingrid Halvorsen", "")]
            )
            .as_deref(),
            Some("<p>Approved by [redacted]</p>")
        );
    }

    /// Browsers read character references without their `;` (`&nbsp`, `&#75`, `&#xE1`,
    /// `&eacute`), and show a ruby annotation above the name, not inside it: the subject is
    /// found through both.
    #[test]
    fn a_subject_hidden_by_references_without_semicolons_or_by_ruby_is_redacted() {
        let subjects = crate::subjects::Subjects::from_values(&[
            "Karim Al-Farsi".to_string(),
            "Seán O'Brien".to_string(),
            "José García".to_string(),
        ]);
        let red = Redactor::new(vec![Detector::Subjects], &[], false, &subjects).unwrap();
        for (text, expected) in [
            (
                "<p>Karim&nbspAl-Farsi approved.</p>",
                "<p>[redacted] approved.</p>",
            ),
            (
                "<p>&#75arim Al-Farsi approved.</p>",
                "<p>[redacted] approved.</p>",
            ),
            ("<p>Se&#xE1n O&#39Brien</p>", "<p>[redacted]</p>"),
            ("Jos&eacute Garc&iacutea &amp co", "[redacted] & co"),
            (
                "<p><ruby>Karim<rt>k</rt></ruby> Al-Farsi</p>",
                "[redacted]\nk",
            ),
            (
                "<ruby>KA<rt><b>Karim</b> Al-Farsi</rt></ruby> approved",
                "KA approved\n[redacted]",
            ),
            // Escaped twice; a link whose every character is percent-encoded.
            ("Ask Karim&amp;nbsp;Al-Farsi today", "Ask [redacted] today"),
            ("<p><b>Karim</b>&amp;nbsp;Al-Farsi</p>", "[redacted]\n"),
            (
                "<a href=\"https://x/?u=%4B%61%72%69%6D%20%41%6C%2D%46%61%72%73%69\">profile</a>",
                "<a href=\"https://x/?u=[redacted]\">profile</a>",
            ),
            (
                "<a href=\"https://x/?u=%6B%61%72%69%6D%2E%61%6C%2D%66%61%72%73%69\">x</a>",
                "<a href=\"https://x/?u=[redacted]\">x</a>",
            ),
        ] {
            assert_eq!(red.apply(text, &[]).as_deref(), Some(expected), "{text}");
            let fragments = red.replaced(text, &[]);
            assert!(
                !fragments.is_empty()
                    && fragments.iter().all(|f| !subjects.mentioned(f).is_empty()),
                "{text}: {fragments:?}"
            );
        }
        for text in [
            "<p>Karim&nbspAl-Hashimi &amp Ingrid&nbspHalvorsen</p>",
            "<p><ruby>Karim<rt>k</rt></ruby> Halvorsen</p>",
            "Jos&eacute approved",
            "Ask Karim&amp;nbsp;Al-Hashimi, 50% off",
            "<a href=\"https://x/?u=%4B%61%72%69%6D%20%48%61%6C\">x</a>",
        ] {
            assert_eq!(red.apply(text, &[]), None, "{text}");
        }
    }

    /// A subject's name written as a user name; an email that begins with it is found whole.
    #[test]
    fn a_subjects_name_as_a_user_name() {
        let subjects = crate::subjects::Subjects::from_values(&[
            "Karim Al-Farsi".to_string(),
            "karim.al-farsi@contoso.com".to_string(),
            "Seán O'Brien".to_string(),
            "Zoë Müller".to_string(),
        ]);
        let red = Redactor::new(vec![Detector::Subjects], &[], false, &subjects).unwrap();
        for (text, expected, subject) in [
            ("karim.al-farsi approved", "[redacted] approved", 0),
            ("cc Karim_Al-Farsi", "cc [redacted]", 0),
            ("cc al-farsi.karim", "cc [redacted]", 0),
            ("mail karim.al-farsi@contoso.com", "mail [redacted]", 1),
            // A mention, a middle name or initial, the hyphen or apostrophe left out, the
            // dot percent-encoded, the accents left out.
            ("Ping @karim.al-farsi now", "Ping @[redacted] now", 0),
            (
                "Ping karim.a.al-farsi about it.",
                "Ping [redacted] about it.",
                0,
            ),
            ("Ping karim_ahmed_al-farsi", "Ping [redacted]", 0),
            (
                "Ping karim.alfarsi about it.",
                "Ping [redacted] about it.",
                0,
            ),
            ("Ping alfarsi_karim", "Ping [redacted]", 0),
            (
                "See https://x.com/u/karim%2Eal-farsi now",
                "See https://x.com/u/[redacted] now",
                0,
            ),
            ("cc sean.obrien", "cc [redacted]", 2),
            ("cc zoe.muller", "cc [redacted]", 3),
            // An Entra ID guest's user name, made of the email; numbered; the hyphen as the
            // separator; first and last joined.
            (
                "Access for karim.al-farsi_contoso.com#EXT#@fabrikam.onmicrosoft.com.",
                "Access for [redacted].",
                1,
            ),
            ("x KARIM.AL-FARSI_CONTOSO.COM#EXT# y", "x [redacted] y", 1),
            (
                "moved from karim.al-farsi2 to",
                "moved from [redacted] to",
                0,
            ),
            ("moved from al-farsi.karim12", "moved from [redacted]", 0),
            (
                "Old login karim_al_farsi off",
                "Old login [redacted] off",
                0,
            ),
            (
                "Old login karim.al.farsi off",
                "Old login [redacted] off",
                0,
            ),
            (
                "Old login karim-al-farsi off",
                "Old login [redacted] off",
                0,
            ),
            (
                "Old login karim-al-farsi3 off",
                "Old login [redacted] off",
                0,
            ),
            ("Old login karimalfarsi off", "Old login [redacted] off", 0),
            ("Old login KarimAlFarsi off", "Old login [redacted] off", 0),
            ("Old login karimal-farsi off", "Old login [redacted] off", 0),
            ("cc seanobrien", "cc [redacted]", 2),
            ("cc ZoeMueller", "cc [redacted]", 3),
            // A numbered user name is the name's in an email too.
            ("x karim.al-farsi2@contoso.com", "x [redacted]", 0),
        ] {
            assert_eq!(red.apply(text, &[]).as_deref(), Some(expected), "{text}");
            let fragments = red.replaced(text, &[]);
            assert!(!fragments.is_empty(), "{text}");
            for fragment in fragments {
                assert_eq!(subjects.mentioned(&fragment), [subject], "{text}");
            }
        }
        // A given name alone, another person's name, a longer name, ordinary words.
        for text in [
            "Ping karim about it.",
            "Ping @karim now",
            "cc karim.haddad and ingrid.al-farsi",
            "cc karim.al-farsi-haddad",
            "cc abdulkarim.alfarsi",
            "cc karim.alfarsia",
            "Karim and Al-Farsi",
            "sean.o.brien.ltd",
            "The farsi.karim file",
            // Another guest, another email's guest name, joined words that are longer, a
            // number inside a longer word.
            "x ingrid.al-farsi_contoso.com#EXT#@fabrikam.onmicrosoft.com",
            "x karim.al-farsi_fabrikam.com#EXT#@contoso.onmicrosoft.com",
            "cc karimalfarsia and abdulkarimalfarsi",
            "cc karim-al-farsi-haddad and ingrid_al_farsi",
            "cc karim2 and karimal and alfarsi",
            "cc karim.al-farsi2b",
        ] {
            assert_eq!(red.apply(text, &[]), None, "{text}");
        }
    }

    /// An email address whose user is the subject's name written as a user name is the
    /// subject's, and goes whole, tag and domain too, though only the name was given; another
    /// person's address that holds the first or last name stays.
    #[test]
    fn an_email_whose_user_is_the_subjects_user_name_is_redacted_whole() {
        let subjects = crate::subjects::Subjects::from_values(&["Karim Al-Farsi".to_string()]);
        let red = Redactor::new(vec![Detector::Subjects], &[], false, &subjects).unwrap();
        for (text, expected) in [
            ("ask karim.al-farsi@contoso.com", "ask [redacted]"),
            ("ask karim_al-farsi@contoso.com", "ask [redacted]"),
            ("Ask Karim.Al-Farsi@Contoso.com.", "Ask [redacted]."),
            ("ask karim.al-farsi+x@contoso.com", "ask [redacted]"),
            (
                "<mailto:al-farsi.karim@fabrikam.co.uk>",
                "<mailto:[redacted]>",
            ),
            (
                "cc karim.alfarsi2@contoso.com, ingrid",
                "cc [redacted], ingrid",
            ),
            ("cc karimalfarsi@contoso.com", "cc [redacted]"),
            ("cc karim_al_farsi@contoso.com", "cc [redacted]"),
            ("see ?to=karim.al-farsi%40contoso.com", "see ?to=[redacted]"),
        ] {
            assert_eq!(red.apply(text, &[]).as_deref(), Some(expected), "{text}");
            for fragment in red.replaced(text, &[]) {
                assert_eq!(subjects.mentioned(&fragment), [0], "{text}: {fragment}");
            }
        }
        for text in [
            "ask karim@contoso.com",
            "ask karim.haddad@contoso.com",
            "ask ingrid.al-farsi@contoso.com",
            "ask abdulkarim.alfarsi@contoso.com",
            "ask karim.al-farsi-haddad@contoso.com",
            "ask k.al-farsi@contoso.com",
            "ask al-farsi@contoso.com",
        ] {
            assert_eq!(red.apply(text, &[]), None, "{text}");
        }
    }

    /// Short first and last names are not searched for joined: they make other words.
    #[test]
    fn a_short_name_is_not_searched_for_joined() {
        let subjects = crate::subjects::Subjects::from_values(&["Jo Anne".to_string()]);
        let red = Redactor::new(vec![Detector::Subjects], &[], false, &subjects).unwrap();
        assert_eq!(red.apply("Ask Joanne", &[]), None);
        assert_eq!(
            red.apply("Ask jo.anne", &[]).as_deref(),
            Some("Ask [redacted]")
        );
    }

    #[test]
    fn a_subjects_phone_number_in_any_format_but_not_inside_a_longer_number() {
        let subjects = crate::subjects::Subjects::from_values(&["+49 30 1234567".into()]);
        let red = Redactor::new(vec![Detector::Subjects], &[], false, &subjects).unwrap();
        assert_eq!(
            red.apply("Call 030 123 45 67 or +49-30-1234567.", &[])
                .unwrap(),
            "Call [redacted] or [redacted]."
        );
        assert_eq!(red.apply("order 0301234567890", &[]), None);
        assert_eq!(red.apply("fax 030 1234568", &[]), None);
    }

    #[test]
    fn custom_patterns_and_errors() {
        let red = Redactor::new(vec![], &[r"\bEMP-\d+\b".into()], false, &none()).unwrap();
        assert_eq!(
            red.apply("Badge EMP-0042 returned", &[]).unwrap(),
            "Badge [redacted] returned"
        );
        assert!(Redactor::new(vec![], &["(".into()], false, &none()).is_err());
        assert!(Redactor::new(vec![Detector::Subjects], &[], false, &none())
            .unwrap_err()
            .contains("--subject"));
        assert!(Redactor::new(vec![], &[], false, &none()).is_err());
    }
}
