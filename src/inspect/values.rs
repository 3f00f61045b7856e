//! What a column's values look like: emails, phone numbers, person names, street addresses,
//! GUID-like user ids, or free text that mentions emails and phone numbers.
//!
//! These heuristics judge columns whose header the dictionary does not know. Each looks at the
//! shape of a value only (no name lists), so they are cheap and language-neutral, and each needs
//! a clear majority of a column's values before it speaks. Known limits: a column of first names
//! alone looks like any column of single capitalized words (cities, statuses), so person names
//! need two to four words; a column of house numbers alone says nothing.

use serde::Serialize;
use std::collections::HashSet;

/// What most values of a column look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    /// `name@example.com`
    Email,
    /// `+44 20 7946 0123`, `(425) 555-0142`
    Phone,
    /// `Zoë Müller`, `Pieter van der Berg`
    PersonName,
    /// `12 Elliott Avenue`, `Hauptstraße 7`
    StreetAddress,
    /// `3217a7c8-1ab4-eb11-8236-000d3aff3315` (Azure AD object ids, user ids)
    Guid,
    /// Sentences that mention email addresses or phone numbers.
    TextWithContacts,
}

impl ValueKind {
    /// How a report says it.
    pub fn describe(self) -> &'static str {
        match self {
            ValueKind::Email => "email addresses",
            ValueKind::Phone => "phone numbers",
            ValueKind::PersonName => "person names",
            ValueKind::StreetAddress => "street addresses",
            ValueKind::Guid => "GUID-like user ids",
            ValueKind::TextWithContacts => "free text mentioning emails or phone numbers",
        }
    }
}

/// The verdict of the value heuristics on one column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Guess {
    /// What the values look like.
    pub kind: ValueKind,
    /// The share of the sampled values that look like it (0 to 1).
    pub share: f64,
}

/// Guess what a column holds from its non-empty text values (a sample is enough).
///
/// ```
/// use dsr_scrub::inspect::values::{guess, ValueKind};
/// let g = guess(&["ann.lee@contoso.com", "bo@example.org", "n/a"]).unwrap();
/// assert_eq!(g.kind, ValueKind::Email);
/// assert_eq!(guess(&["Enabled", "Disabled", "Enabled"]), None);
/// ```
pub fn guess(values: &[&str]) -> Option<Guess> {
    let total = values.len();
    if total == 0 {
        return None;
    }
    let distinct = values
        .iter()
        .map(|v| v.trim().to_lowercase())
        .collect::<HashSet<_>>()
        .len();
    // Many different values: a column of people, not of categories. Business units, statuses
    // and job titles repeat a handful of values over many rows.
    let varied = distinct >= 3.min(total) && distinct as f64 / total as f64 >= 0.2;
    // Person names in a person's table are nearly all different; departments, products and
    // sites of two capitalized words repeat, even in an export of a few dozen rows.
    let mostly_distinct = varied && distinct as f64 / total as f64 >= 0.5;
    let share = |test: fn(&str) -> bool| {
        values.iter().filter(|v| test(v.trim())).count() as f64 / total as f64
    };
    let candidates = [
        (ValueKind::Email, share(is_email), 0.5, true),
        (
            ValueKind::Guid,
            share(crate::dynamics::looks_like_guid),
            0.5,
            true,
        ),
        (ValueKind::Phone, share(is_phone), 0.5, true),
        (
            ValueKind::StreetAddress,
            share(is_street_address),
            0.5,
            varied,
        ),
        (
            ValueKind::PersonName,
            share(is_person_name),
            0.6,
            mostly_distinct,
        ),
        (
            ValueKind::TextWithContacts,
            share(mentions_contacts),
            0.1,
            true,
        ),
    ];
    candidates
        .into_iter()
        .filter(|&(_, s, threshold, diverse_enough)| s >= threshold && diverse_enough)
        .map(|(kind, share, _, _)| Guess { kind, share })
        // The largest share wins; on a tie, the kind listed first.
        .fold(None, |best: Option<Guess>, g| match best {
            Some(b) if b.share >= g.share => Some(b),
            _ => Some(g),
        })
}

/// `local@domain.tld`, one `@`, no spaces, a dotted domain with a 2+ letter top level.
pub fn is_email(v: &str) -> bool {
    let Some((local, domain)) = v.split_once('@') else {
        return false;
    };
    if local.is_empty() || domain.contains('@') || v.chars().any(char::is_whitespace) {
        return false;
    }
    // Two labels or more, none empty, the last of 2 letters or more (counted as they come:
    // every value of a column's first thousands is asked).
    let (mut labels, mut last) = (0, "");
    for label in domain.split('.') {
        if label.is_empty() {
            return false;
        }
        labels += 1;
        last = label;
    }
    labels >= 2 && last.len() >= 2 && last.chars().all(char::is_alphabetic)
}

pub use crate::text::is_phone;
pub(crate) use crate::text::looks_like_date;

/// Lower-case name particles that may sit between capitalized name words.
const PARTICLES: &[&str] = &[
    "van", "von", "de", "der", "den", "da", "das", "di", "do", "dos", "del", "della", "la", "le",
    "du", "ten", "ter", "y", "e", "bin", "binti", "al", "el", "zu", "af",
];

/// Two to four capitalized words (particles such as `van der` allowed), letters only; also in
/// the "Last, First" order Dynamics builds for organizations whose name format puts the last
/// name first (`Al-Farsi, Youssef`).
pub fn is_person_name(v: &str) -> bool {
    match v.split_once(',') {
        Some((last, first)) if !first.contains(',') => {
            let (last, first) = (last.trim(), first.trim());
            !last.is_empty()
                && !first.is_empty()
                && words_of_a_name(first.split_whitespace().chain(last.split_whitespace()))
        }
        Some(_) => false,
        None => words_of_a_name(v.split_whitespace()),
    }
}

/// [`is_person_name`] of a name's `words` in "First Last" order: two to four name words, six
/// words at most with the particles.
fn words_of_a_name<'w>(words: impl Iterator<Item = &'w str>) -> bool {
    let (mut all, mut names) = (0, 0);
    for w in words {
        all += 1;
        if all > 6 {
            return false;
        }
        if PARTICLES.contains(&w) {
            continue;
        }
        if !is_name_word(w) {
            return false;
        }
        names += 1;
    }
    (2..=4).contains(&names)
}

fn is_name_word(w: &str) -> bool {
    let mut chars = w.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    // Scripts without case (CJK, Arabic, ...) count as capitalized.
    let capital = first.is_uppercase() || (first.is_alphabetic() && !first.is_lowercase());
    capital
        && first.is_alphabetic()
        && w.chars()
            .all(|c| c.is_alphabetic() || matches!(c, '\'' | '’' | '-' | '.'))
        && !w.ends_with('.')
}

/// A house number (`12`, `12a`, `No: 12`) next to at least one word of three letters or more,
/// in two to eight words.
pub fn is_street_address(v: &str) -> bool {
    if v.contains('@') || is_phone(v) || looks_like_date(v) {
        return false;
    }
    // The words as they come, without a list of them (every value of a column's first
    // thousands is asked).
    let words = || {
        v.split(|c: char| c.is_whitespace() || c == ',')
            .filter(|w| !w.is_empty())
    };
    let (mut count, mut numbers) = (0, 0);
    let (mut first, mut last) = (false, false);
    for w in words() {
        count += 1;
        if count > 8 {
            return false;
        }
        let number = house_number(w);
        numbers += usize::from(number);
        first |= count == 1 && number;
        last = number;
    }
    // The number comes first or last, as on an envelope, and is the only one.
    count >= 2 && numbers == 1 && (first || last) && words().any(address_word)
}

/// A word of an address that is a house number: 1 to 5 digits and at most one letter.
fn house_number(w: &str) -> bool {
    let digits = w.chars().take_while(char::is_ascii_digit).count();
    let rest = &w[digits..];
    (1..=5).contains(&digits) && rest.chars().count() <= 1 && rest.chars().all(char::is_alphabetic)
}

/// A word of an address that is a name (a street's, a town's): three letters or more.
fn address_word(w: &str) -> bool {
    w.chars().filter(|c| c.is_alphabetic()).count() >= 3
        && w.chars()
            .all(|c| c.is_alphabetic() || matches!(c, '.' | '\'' | '’' | '-' | ':'))
}

/// Free text (four words or more) with an email address or a phone number in it.
pub fn mentions_contacts(v: &str) -> bool {
    let words: Vec<&str> = v.split_whitespace().collect();
    if words.len() < 4 {
        return false;
    }
    let trimmed = |c: char| !c.is_alphanumeric() && c != '+' && c != '(';
    if words.iter().any(|w| is_email(w.trim_matches(trimmed))) {
        return true;
    }
    // Three words at a time, joined by a space, in one buffer.
    let mut three = String::new();
    words.windows(3).any(|w| {
        three.clear();
        three.push_str(w[0]);
        for word in &w[1..] {
            three.push(' ');
            three.push_str(word);
        }
        is_phone(three.trim_end_matches(['.', ',', ';']))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The tests of a value as they were written first, with lists of words and joined texts:
    /// [`is_email`], [`is_person_name`], [`is_street_address`], [`mentions_contacts`].
    mod first {
        use super::{
            address_word, house_number, is_name_word, is_phone, looks_like_date, PARTICLES,
        };

        pub fn is_email(v: &str) -> bool {
            let Some((local, domain)) = v.split_once('@') else {
                return false;
            };
            if local.is_empty() || domain.contains('@') || v.chars().any(char::is_whitespace) {
                return false;
            }
            let labels: Vec<&str> = domain.split('.').collect();
            labels.len() >= 2
                && labels.iter().all(|l| !l.is_empty())
                && labels
                    .last()
                    .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(char::is_alphabetic))
        }

        pub fn is_person_name(v: &str) -> bool {
            match v.split_once(',') {
                Some((last, first)) if !first.contains(',') => {
                    let (last, first) = (last.trim(), first.trim());
                    !last.is_empty()
                        && !first.is_empty()
                        && words_of_a_name(&format!("{first} {last}"))
                }
                Some(_) => false,
                None => words_of_a_name(v),
            }
        }

        fn words_of_a_name(v: &str) -> bool {
            let words: Vec<&str> = v.split_whitespace().collect();
            let particles = words.iter().filter(|w| PARTICLES.contains(w)).count();
            let names = words.len() - particles;
            (2..=4).contains(&names)
                && words.len() <= 6
                && words
                    .iter()
                    .all(|w| PARTICLES.contains(w) || is_name_word(w))
        }

        pub fn is_street_address(v: &str) -> bool {
            if v.contains('@') || is_phone(v) || looks_like_date(v) {
                return false;
            }
            let words: Vec<&str> = v
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter(|w| !w.is_empty())
                .collect();
            if !(2..=8).contains(&words.len()) {
                return false;
            }
            let numbers = words.iter().filter(|w| house_number(w)).count();
            numbers == 1
                && (house_number(words[0]) || house_number(words[words.len() - 1]))
                && words.iter().any(|w| address_word(w))
        }

        pub fn mentions_contacts(v: &str) -> bool {
            let words: Vec<&str> = v.split_whitespace().collect();
            if words.len() < 4 {
                return false;
            }
            let trimmed = |w: &&str| {
                w.trim_matches(|c: char| !c.is_alphanumeric() && c != '+' && c != '(')
                    .to_string()
            };
            words.iter().map(trimmed).any(|w| is_email(&w))
                || words
                    .windows(3)
                    .any(|w| is_phone(w.join(" ").trim_end_matches(['.', ',', ';'])))
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// Each test of a value reads as it was first written: names in either order, with
        /// particles, addresses, emails and phone numbers in free text, and any text.
        #[test]
        fn the_tests_of_a_value_read_as_first_written(
            value in "([A-Z][a-z]{1,4}|van|de|der)( [A-Z][a-z]{1,4}| van| de| der){1,7}|([a-z]{1,4} ){2,5}\\+?[0-9]{2,4}[ -][0-9]{2,4}[ -][0-9]{3,5}[.,;]{0,2}( [a-z]{1,4}){0,2}|([A-Z][a-zé'-]{0,6}|van|de|[0-9]{1,6}[a-z]?|[a-z.]{1,5}@[a-z]{1,5}(\\.[a-z]{0,3}){0,2}|\\+?[0-9 ()-]{3,9}|[,.;:])( {1,2}|, ?){0,1}([A-Z][a-zé'-]{0,6}|van|de|[0-9]{1,6}[a-z]?|[a-z.]{1,5}@[a-z]{1,5}(\\.[a-z]{0,3}){0,2}|\\+?[0-9 ()-]{3,9}|[,.;:]| ){0,9}|.{0,20}",
        ) {
            prop_assert_eq!(is_email(&value), first::is_email(&value));
            prop_assert_eq!(is_person_name(&value), first::is_person_name(&value));
            prop_assert_eq!(is_street_address(&value), first::is_street_address(&value));
            prop_assert_eq!(mentions_contacts(&value), first::mentions_contacts(&value));
        }
    }

    #[test]
    fn departments_of_two_capitalized_words_that_repeat_are_not_person_names() {
        let departments = [
            "Human Resources",
            "Field Service",
            "Customer Care",
            "Legal Affairs",
        ];
        let column: Vec<&str> = (0..12).map(|i| departments[i % 4]).collect();
        assert_eq!(guess(&column), None);
        let people = [
            "Aoife Byrne",
            "Karim Al-Farsi",
            "Zoë Müller",
            "Pieter van der Berg",
            "Ingrid Halvorsen",
            "Aoife Byrne",
        ];
        assert_eq!(guess(&people).map(|g| g.kind), Some(ValueKind::PersonName));
    }

    #[test]
    fn emails() {
        assert!(is_email("kayleigh.pemberton@contoso.com"));
        assert!(is_email("a_b+c@sub.example.co.uk"));
        assert!(!is_email("kayleigh@localhost"));
        assert!(!is_email("two@@example.com"));
        assert!(!is_email("Reach ann at a@b.com"));
        assert!(!is_email("@example.com"));
    }

    #[test]
    fn phones() {
        for p in [
            "(425) 555-0142",
            "+44 20 7946 0123",
            "030 1234567",
            "+81 3-1234-5678",
            "090-1234-5678",
            "+33 6 12 34 56 78",
            "4255550142",
        ] {
            assert!(is_phone(p), "{p}");
        }
        for p in [
            "00123",
            "0012345",
            "2024-05-01",
            "1/5/2021 10:30",
            "47.674",
            "12",
            "ABC-123",
        ] {
            assert!(!is_phone(p), "{p}");
        }
    }

    #[test]
    fn names() {
        for n in [
            "Kayleigh Pemberton",
            "Zoë Müller",
            "Pieter van der Berg",
            "Siobhán O'Connor-Walsh",
            "山田 太郎",
            "Ana María de la Cruz",
            // Last name first, as Dynamics writes it for such name formats.
            "Al-Farsi, Youssef",
            "Müller,Zoë",
            "van der Berg, Pieter",
        ] {
            assert!(is_person_name(n), "{n}");
        }
        for n in [
            "Brandon",
            "Rows reviewed",
            "Mr.",
            "Sales 2",
            "The quick brown fox jumps over",
            "ann@example.com",
            "Berg, Pieter, Anna",
            ", Youssef",
            "Al-Farsi,",
        ] {
            assert!(!is_person_name(n), "{n}");
        }
    }

    #[test]
    fn streets() {
        for s in [
            "12 Elliott Avenue",
            "140 NE 40th Street",
            "Hauptstraße 7",
            "Calle de Alcalá, 45",
            "ul. Długa 3",
            "İstiklal Caddesi No: 12",
            "7 O'Connell Street",
        ] {
            assert!(is_street_address(s), "{s}");
        }
        for s in [
            "Windows",
            "EC1A 1AB",
            "+44 20 7946 0123",
            "Contoso Sales",
            "2024-05-01",
            "12 34",
        ] {
            assert!(!is_street_address(s), "{s}");
        }
    }

    #[test]
    fn contacts_in_text() {
        assert!(mentions_contacts(
            "Left in May; contact Ann Lee at ann.lee@contoso.com for handover."
        ));
        assert!(mentions_contacts(
            "Call her on +44 20 7946 0123 after five."
        ));
        assert!(!mentions_contacts(
            "Licence reclaimed during the quarterly review."
        ));
    }

    #[test]
    fn columns() {
        let names = ["Ann Lee", "Bo Chen", "Zoë Müller", "Ann Lee", "Ivo Novak"];
        assert_eq!(guess(&names).unwrap().kind, ValueKind::PersonName);
        // A few managers repeated over many rows are categories, not this row's person.
        let managers: Vec<&str> = ["Ingrid Halvorsen", "Rutger Brinkerhoff"]
            .iter()
            .cycle()
            .take(50)
            .copied()
            .collect();
        assert_eq!(guess(&managers), None);
        let guids = ["3217a7c8-1ab4-eb11-8236-000d3aff3315"; 3];
        assert_eq!(guess(&guids).unwrap().kind, ValueKind::Guid);
        assert_eq!(
            guess(&["(425) 555-0142", "+44 20 7946 0123"]).unwrap().kind,
            ValueKind::Phone
        );
        assert_eq!(guess(&[]), None);
    }
}
