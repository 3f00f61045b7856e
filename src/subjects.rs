//! Data subjects: the people an erasure request is about (`--subject`, `--subjects FILE`), and
//! how a cell is compared with them.
//!
//! Each `--subject` value is one subject; each data row of a subjects file is one subject, its
//! fields (name, email, record GUID...) all identifying the same person. Subjects are referred
//! to by position (`subject #2`: the `--subject` values first, then the file's rows), never by
//! value, in reports and messages.
//!
//! A value is recognized as a record GUID (with or without braces, any case), an email address
//! (also as `mailto:` text), a phone number (compared by its digits, in its international and
//! national forms), a person's name (two words or more), or else an exact value such as a user
//! name. Text is compared after Unicode NFC normalization, without zero-width characters,
//! ignoring case and runs of spaces. A name matches in the forms Dynamics builds from the
//! organization's name format, "First Last", "Last, First" and "Last First", with or without
//! middle names or initials; a different first or last name ("Janet Doe", "Jane Doerr",
//! "Mary-Jane Doe") does not match.

use regex::Regex;
use std::borrow::Cow;
use std::path::Path;
use unicode_normalization::UnicodeNormalization;

/// One way a subject is identified.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ident {
    /// A person's name: normalized words in "first ... last" order.
    Name(Name),
    /// An email address or user principal name, normalized.
    Email(String),
    /// A record GUID: 36 lowercase characters with dashes.
    Guid(String),
    /// A phone number, compared by its digits in any format ([`Phone`]).
    Phone(Phone),
    /// Anything else (a domain user name, an employee id), normalized.
    Exact(String),
}

/// A person's name: its normalized words in "first ... last" order (it derefs to them), and
/// their forms without accents, made once: every cell of a compared column is compared with it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Name {
    words: Vec<String>,
    /// The words in the two forms of [`unaccented`]; `None` when they are all ASCII (and so
    /// their own forms).
    plain: Option<[Vec<String>; 2]>,
}

impl Name {
    fn new(words: Vec<String>) -> Name {
        let plain = (!words.iter().all(|w| w.is_ascii())).then(|| unaccented_forms(&words));
        Name { words, plain }
    }

    /// Whether a reading of `cell`, without accents, is this name without its accents
    /// (see [`unaccented_match`]).
    fn unaccented_in(&self, cell: &Cell) -> bool {
        let cells = cell.unaccented_orders();
        match (&self.plain, cells) {
            (None, None) => false,
            (Some(names), None) => names
                .iter()
                .any(|n| cell.orders.iter().any(|o| name_matches(n, o))),
            (None, Some(cells)) => cells.iter().any(|c| name_matches(&self.words, c)),
            (Some(names), Some(cells)) => names
                .iter()
                .any(|n| cells.iter().any(|c| name_matches(n, c))),
        }
    }
}

impl std::ops::Deref for Name {
    type Target = Vec<String>;

    fn deref(&self) -> &Vec<String> {
        &self.words
    }
}

/// A phone number as its digits: `+49 30 1234567`, `0049-30-1234567` and `+49 (0)30 1234567`
/// are the international `49301234567`; `030 1234567` and `(030) 123-4567` the national
/// `0301234567`. An international and a national number are the same when the national one,
/// without its trunk `0`, is the international one without its country code (one to three
/// digits): people write their own number both ways.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Phone {
    digits: String,
    international: bool,
}

/// The fewest digits a phone number's national part has for a match across formats.
const PHONE_NATIONAL_DIGITS: usize = 7;

impl Phone {
    /// A value written as a phone number (see [`crate::text::is_phone`]).
    fn parse(value: &str) -> Option<Phone> {
        let value = value.trim().replace("(0)", "");
        if !crate::text::is_phone(&value) {
            return None;
        }
        let digits: String = value.chars().filter(char::is_ascii_digit).collect();
        if value.starts_with('+') {
            return Some(Phone {
                digits,
                international: true,
            });
        }
        Some(match digits.strip_prefix("00") {
            Some(rest) => Phone {
                digits: rest.to_string(),
                international: true,
            },
            None => Phone {
                digits,
                international: false,
            },
        })
    }

    /// The national parts an international number may have: without a country code of one to
    /// three digits, at least [`PHONE_NATIONAL_DIGITS`] long and not starting with the trunk
    /// `0`.
    fn national_parts(&self) -> impl Iterator<Item = &str> {
        (1..=3)
            .filter(|_| self.international)
            .filter_map(|cc| self.digits.get(cc..))
            .filter(|n| n.len() >= PHONE_NATIONAL_DIGITS && !n.starts_with('0'))
    }

    /// Whether `other` is this number, in the same or the other format.
    fn same(&self, other: &Phone) -> bool {
        if self.international == other.international {
            return self.digits == other.digits;
        }
        let (intl, national) = if self.international {
            (self, other)
        } else {
            (other, self)
        };
        let bare = national
            .digits
            .strip_prefix('0')
            .unwrap_or(&national.digits);
        intl.national_parts().any(|n| n == bare)
    }

    /// Regex alternatives for the number in free text, in its own format and the other, with
    /// any of the usual separators between digits.
    fn patterns(&self) -> Vec<String> {
        let spaced = |digits: &str| {
            digits
                .chars()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(r"[\s./()-]{0,3}")
        };
        let country = r"(?:\+|00)\s*\d{1,3}[\s./-]*(?:\(0\)[\s./-]*)?";
        if self.international {
            let mut out = vec![format!(r"(?:\+|00)\s*{}", spaced(&self.digits))];
            out.extend(
                self.national_parts()
                    .map(|n| format!(r"\(?0?[\s./()-]{{0,3}}{}", spaced(n))),
            );
            out
        } else {
            let bare = self.digits.strip_prefix('0').unwrap_or(&self.digits);
            let mut out = vec![format!(r"\(?{}", spaced(&self.digits))];
            if bare.len() >= PHONE_NATIONAL_DIGITS {
                out.push(format!(r"{country}\(?{}", spaced(bare)));
            }
            out
        }
    }
}

/// The regex of [`Subjects::regex`] for `idents`; `None` without any.
fn regex_of<'a>(idents: impl IntoIterator<Item = &'a Ident>) -> Option<Regex> {
    let mut alternatives: Vec<String> = Vec::new();
    let mut user_names: Vec<String> = Vec::new();
    for id in idents {
        forms_of(id, &mut alternatives, &mut user_names);
    }
    if alternatives.is_empty() {
        return None;
    }
    // Longest first, so that "Jane Mary Doe" wins over "Jane Mary" inside it; the user
    // names last, so that an email that begins with one is found whole.
    alternatives.sort_by_key(|a| std::cmp::Reverse(a.len()));
    // A user name is also an email's user (`karim.al-farsi@contoso.com`, with a tag
    // `karim.al-farsi+x@contoso.com`): the address is the subject's, and goes whole.
    if !user_names.is_empty() {
        alternatives.push(format!("(?:{}){EMAIL_TAIL}", user_names.join("|")));
    }
    build_subjects_regex(&format!("(?i)(?:{})", alternatives.join("|")))
}

/// A regex of subjects' forms.
fn build_subjects_regex(pattern: &str) -> Option<Regex> {
    // Each subject's forms take room in the compiled regex (its letters in every case,
    // the initials' letter classes): the default limit (10 MB) holds about two hundred
    // names; this one, thousands.
    regex::RegexBuilder::new(pattern)
        .size_limit(SUBJECTS_REGEX_LIMIT)
        .build()
        .ok()
}

/// The forms of `id` that [`regex_of`] finds: the alternatives of its regex, and the user
/// names, which it finds with an email's tail (see [`regex_of`]).
fn forms_of(id: &Ident, alternatives: &mut Vec<String>, user_names: &mut Vec<String>) {
    match id {
        Ident::Name(n) => {
            let esc: Vec<String> = n.iter().map(|w| unaccented_pattern(w)).collect();
            let (first, last) = (&esc[0], &esc[esc.len() - 1]);
            // Each middle name or initial ends where a word does: greedy, an initial
            // would otherwise take the first letter of the next word ("Doe, Jane
            // about"), and the match would not stand alone.
            let mut middles: Vec<String> = n[1..n.len() - 1]
                .iter()
                .zip(&esc[1..esc.len() - 1])
                .map(|(word, esc)| match word.chars().last() {
                    Some(c) if c.is_alphanumeric() => format!(r"{esc}\b"),
                    _ => esc.clone(),
                })
                .collect();
            // An initial: a letter of the name's script (Latin names, nearly all: a
            // small class; any letter, a large one, only where the name needs it).
            let latin = n.iter().all(|w| w.chars().all(|c| (c as u32) < 0x250));
            let letter = if latin { "[a-zà-öø-ɏ]" } else { r"\p{L}" };
            middles.push(format!(r"{letter}\."));
            middles.push(format!(r"{letter}\b"));
            // A subject given without middle names is also the name with any (as
            // records are matched): a capitalized word between ("Karim Ahmed Al-Farsi";
            // in ASCII letters: a Unicode class in every subject's pattern would make
            // the regex of a few dozen subjects too large).
            if n.len() == 2 {
                middles.push(r"(?-i:[A-Z])[a-z]+\b".into());
            }
            let mid = format!(r"(?:{GAP}(?:{}))*", middles.join("|"));
            alternatives.push(format!(r"{first}{mid}{GAP}{last}"));
            alternatives.push(format!(r"{last}\s*(?:,|%2[cC])(?:\s|%20|\+)*{first}{mid}"));
            alternatives.push(format!(r"{last}{GAP}{first}{mid}"));
            // As a user name: `karim.al-farsi`, `Karim_Al-Farsi`, `al-farsi.karim`;
            // with a middle name or initial (`karim.a.al-farsi`); without the hyphens
            // and apostrophes user names are often made without (`karim.alfarsi`,
            // `sean.obrien`); a dot or underscore percent-encoded in a link
            // (`karim%2Eal-farsi`).
            let user: Vec<String> = n.iter().map(|w| user_name_pattern(w)).collect();
            let (user_first, user_last) = (&user[0], &user[user.len() - 1]);
            let mut user_middles: Vec<String> = user[1..user.len() - 1].to_vec();
            user_middles.push(letter.to_string());
            if n.len() == 2 {
                user_middles.push("[a-z]+".into());
            }
            // Numbered (`karim.al-farsi2`: a namesake's, or a re-hire's); with a
            // hyphenated name's hyphen as the separator too (`karim-al-farsi`, its
            // other forms being `karim.al.farsi` and `karim_al_farsi`); first and
            // last joined (`karimalfarsi`, `KarimAlFarsi`), when that is long enough
            // not to be another word.
            let sep = USER_SEP;
            let num = "[0-9]*";
            let user_mid = format!("(?:{sep}(?:{})){{0,2}}", user_middles.join("|"));
            user_names.push(format!(r"{user_first}{user_mid}{sep}{user_last}{num}"));
            user_names.push(format!(r"{user_last}{sep}{user_first}{num}"));
            if n.iter().any(|w| w.contains('-')) {
                let hyphen = plain_char_pattern('-');
                user_names.push(format!(r"{user_first}{hyphen}{user_last}{num}"));
            }
            let letters = |w: &str| w.chars().filter(|c| c.is_alphabetic()).count();
            if letters(&n[0]) + letters(&n[n.len() - 1]) >= JOINED_MIN_LETTERS {
                user_names.push(format!(r"{user_first}{user_last}{num}"));
            }
        }
        Ident::Email(e) => {
            alternatives.push(e.chars().map(plain_char_pattern).collect());
            // As an Entra ID guest's user name (B2B), which Dynamics keeps as the
            // guest's: the email with `_` for its `@`, then `#EXT#` and the inviting
            // tenant's domain (`karim.al-farsi_contoso.com#EXT#@fabrikam.onmicrosoft.com`).
            if let Some((local, domain)) = e.rsplit_once('@') {
                let part = |s: &str| s.chars().map(plain_char_pattern).collect::<String>();
                alternatives.push(format!(
                    r"{}(?:_|%5f){}(?:#|%23)ext(?:#|%23)(?:(?:@|%40)[a-z0-9-]+(?:\.[a-z0-9-]+)*)?",
                    part(local),
                    part(domain)
                ));
            }
            // In the path of the owner's personal site (OneDrive, SharePoint).
            if let Some(site) = crate::text::personal_site_form(e) {
                alternatives.push(regex::escape(&site));
            }
        }
        Ident::Guid(g) => alternatives.push(format!(r"\{{?{}\}}?", regex::escape(g))),
        Ident::Phone(p) => alternatives.extend(p.patterns()),
        Ident::Exact(x) => alternatives.push(
            x.split(' ')
                .map(regex::escape)
                .collect::<Vec<_>>()
                .join(r"\s+"),
        ),
    }
}

/// A cheap test that a text cannot name a subject, before [`Subjects::regex`] searches it: a
/// large export's free text is searched for the values of every record a subject matched, and
/// the regex of hundreds of values costs time in proportion to both.
///
/// A value's keys are runs of ASCII letters and digits, case set aside (an `i` ends a run: the
/// regex takes `İ` and `ı` for it; `ſ` and the Kelvin sign are `s` and `k`, as the regex's case
/// folding has them): a name's longest in its first word and in its last, an email address's
/// two longest in its user, an identifier's or other value's two longest; a phone number's key
/// is its last seven digits, which a text holds with its digits taken alone (white space and
/// `./()-` left out). A text that lacks a key of every value is passed by. Every form the regex
/// finds of a value holds its keys so (a letter with an accent, a hyphen, an apostrophe, a
/// separator or an escape ends a run, and the regex finds such forms in their place only,
/// around the plain letters), so the test never passes by a text the regex would find a
/// subject in. Search [`prepare`]d text with it.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    /// The distinct keys.
    finder: Option<aho_corasick::AhoCorasick>,
    /// Per value, the keys (the finder's patterns) a text must all hold to name it.
    values: Vec<Vec<usize>>,
    /// Per key, the values it is the first key of.
    first_of: Vec<Vec<usize>>,
    /// The values without keys (a name in another script than Latin), which every text may
    /// hold.
    always: Vec<usize>,
}

impl Keys {
    /// The keys of values, each value's keys in one list (`None` or none: a value without
    /// keys, which every text may hold).
    fn new(values: impl IntoIterator<Item = Option<Vec<String>>>) -> Keys {
        let mut distinct: Vec<String> = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        let mut per_value: Vec<Vec<usize>> = Vec::new();
        let mut always = Vec::new();
        for (v, keys) in values.into_iter().enumerate() {
            let keys = keys.unwrap_or_default();
            if keys.is_empty() {
                always.push(v);
            }
            per_value.push(
                keys.into_iter()
                    .map(|k| {
                        *index.entry(k.clone()).or_insert_with(|| {
                            distinct.push(k);
                            distinct.len() - 1
                        })
                    })
                    .collect(),
            );
        }
        let mut first_of = vec![Vec::new(); distinct.len()];
        for (v, keys) in per_value.iter().enumerate() {
            if let Some(&first) = keys.first() {
                first_of[first].push(v);
            }
        }
        // Keys are short ASCII texts: the automaton cannot fail to build but for a number of
        // them no run reaches; then every value is a value without keys.
        let finder = aho_corasick::AhoCorasick::new(&distinct).ok();
        if finder.is_none() {
            always = (0..per_value.len()).collect();
        }
        Keys {
            finder,
            values: per_value,
            first_of,
            always,
        }
    }

    /// The values (in the order given to [`Keys::new`]) whose keys `folded` all holds (see
    /// [`free_text_keys`], [`cell_keys`]): the only ones the text may hold.
    fn held(&self, folded: &str) -> Vec<usize> {
        let mut found: Vec<usize> = self.finder.as_ref().map_or_else(Vec::new, |finder| {
            finder
                .find_overlapping_iter(folded)
                .map(|m| m.pattern().as_usize())
                .collect()
        });
        if found.is_empty() {
            return self.always.clone();
        }
        // The keys found, sorted: a text holds a few of the thousands there may be.
        found.sort_unstable();
        found.dedup();
        let held = |k: &usize| found.binary_search(k).is_ok();
        let mut values: Vec<usize> = found
            .iter()
            .flat_map(|&k| &self.first_of[k])
            .copied()
            .filter(|&v| self.values[v].iter().all(held))
            .chain(self.always.iter().copied())
            .collect();
        values.sort_unstable();
        values
    }
}

/// A [`prepare`]d free text as [`Keys`] are looked for in it for the regex: its [`key_char`]s,
/// then its digits without the white space and `./()-` between them.
fn free_text_keys(prepared: &str) -> String {
    let mut folded = String::with_capacity(prepared.len() * 2 + 1);
    folded.extend(prepared.chars().map(|c| key_char(c).unwrap_or(' ')));
    folded.push(' ');
    for c in prepared.chars() {
        if c.is_ascii_digit() {
            folded.push(c);
        } else if !(c.is_whitespace() || matches!(c, '.' | '/' | '(' | ')' | '-')) {
            folded.push(' ');
        }
    }
    folded
}

/// A [`normalize`]d cell as [`Keys`] are looked for in it to compare it whole with the
/// values: its [`key_char`]s (and with `unaccented`, those of its two forms without accents, see
/// [`unaccented`]), then all its digits, also without a `(0)` (as [`Phone`] reads them).
fn cell_keys(norm: &str, unaccented_too: bool) -> String {
    let mut folded = String::with_capacity(norm.len() * 4 + 3);
    let mut letters = |text: &str| {
        folded.extend(text.chars().map(|c| key_char(c).unwrap_or(' ')));
        folded.push(' ');
    };
    letters(norm);
    if unaccented_too {
        letters(&unaccented(norm, false));
        letters(&unaccented(norm, true));
    }
    folded.extend(norm.chars().filter(char::is_ascii_digit));
    folded.push(' ');
    if norm.contains("(0)") {
        folded.extend(norm.replace("(0)", "").chars().filter(char::is_ascii_digit));
    }
    folded
}

/// The [`Keys`] of every value of the subjects, and each value's subject and place among its
/// values.
type ValueKeys = (Keys, Vec<(usize, usize)>);

/// How many values subjects have, at least, for a cell to be compared only with those whose
/// [`Keys`] it holds (see [`Subjects::candidates`]): fewer are compared one by one.
const FEW_VALUES: usize = 8;

/// The search of free text for the subjects, for the forms [`Subjects::regex`] finds: a text is
/// first passed by when it holds no value's [`Keys`] (and no value is without keys), else
/// searched with the regexes of the values whose keys it holds and of those without keys only:
/// of hundreds of values, a text holds the keys of one or two, and the others cannot be in it.
///
/// Each value has a regex of its own (its forms, in the order the regex of all has them),
/// built the first time a text may hold it and kept for the run: a regex's memory grows with
/// its values (tens to hundreds of KB for a name, with its letters in every case and the
/// initials' classes), so a regex per set of values would hold each value once per set. The
/// values' matches are merged as the regex of all finds them, but for the longest of those
/// that start together (see [`Search::find`]).
#[derive(Debug, Clone)]
pub(crate) struct Search {
    keys: Keys,
    idents: Vec<Ident>,
    /// Per value, its regex, once a text may hold it.
    regexes: Vec<std::sync::OnceLock<ValueRegex>>,
}

/// Where a form of a value stands among the alternatives of the regex of all (see
/// [`regex_of`]): the user names last; before them, the longer pattern first; of the same
/// length, the value given first, then the form made first.
type FormOrder = (bool, std::cmp::Reverse<usize>, usize, usize);

/// The regexes of one value's forms: those found as they are, and the user names, each
/// found with an email's tail after it (see [`regex_of`]).
#[derive(Debug, Clone)]
struct ValueRegex {
    parts: Vec<FormsRegex>,
}

/// A regex of some forms of a value, each form a capture group (`f0`, `f1`, ...) in the order
/// they have in the regex of all, and that order.
#[derive(Debug, Clone)]
struct FormsRegex {
    regex: Regex,
    orders: Vec<FormOrder>,
    /// Whether the forms are user names: a match goes on with an email's tail when one follows.
    users: bool,
}

impl ValueRegex {
    /// The regexes of value number `value`, `id`.
    fn new(value: usize, id: &Ident) -> ValueRegex {
        let (mut alternatives, mut user_names) = (Vec::new(), Vec::new());
        forms_of(id, &mut alternatives, &mut user_names);
        let mut forms: Vec<(FormOrder, String)> = alternatives
            .into_iter()
            .enumerate()
            .map(|(k, a)| ((false, std::cmp::Reverse(a.len()), value, k), a))
            .collect();
        forms.sort_by_key(|a| a.0);
        let users: Vec<(FormOrder, String)> = user_names
            .into_iter()
            .enumerate()
            .map(|(k, u)| ((true, std::cmp::Reverse(0), value, k), u))
            .collect();
        let parts = [(forms, false), (users, true)]
            .into_iter()
            .filter(|(forms, _)| !forms.is_empty())
            .map(|(forms, users)| {
                let groups: Vec<String> = forms
                    .iter()
                    .enumerate()
                    .map(|(g, (_, form))| format!("(?P<f{g}>{form})"))
                    .collect();
                let orders: Vec<FormOrder> = forms.iter().map(|(order, _)| *order).collect();
                match build_subjects_regex(&format!("(?i)(?:{})", groups.join("|"))) {
                    Some(regex) => FormsRegex {
                        regex,
                        orders,
                        users,
                    },
                    // Beyond the regex crate's limits: the text is lost rather than a subject
                    // kept.
                    None => FormsRegex {
                        regex: everything(),
                        orders: vec![(false, std::cmp::Reverse(usize::MAX), value, 0)],
                        users: false,
                    },
                }
            })
            .collect();
        ValueRegex { parts }
    }
}

impl FormsRegex {
    /// Where the form this regex finds at `start` of `text` (a match starts there) stands.
    fn order_at(&self, text: &str, start: usize) -> FormOrder {
        let captures = self.regex.captures_at(text, start);
        let form = captures
            .as_ref()
            .and_then(|c| (0..self.orders.len()).find(|&g| c.name(&format!("f{g}")).is_some()))
            .unwrap_or(0);
        self.orders.get(form).copied().unwrap_or(self.orders[0])
    }

    /// A match of this regex in `text`, with the email's tail that follows a user name.
    fn whole(&self, text: &str, m: std::ops::Range<usize>) -> std::ops::Range<usize> {
        if !self.users {
            return m;
        }
        // The regex of all has `(?:u1|u2)tail`, the tail optional: it ends each user name
        // where the name alone ends, then takes the tail when one follows.
        static TAIL: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
        let tail =
            TAIL.get_or_init(|| Regex::new(&format!("(?i)^{EMAIL_TAIL}")).expect("a valid regex"));
        let more = tail.find(&text[m.end..]).map_or(0, |t| t.end());
        m.start..m.end + more
    }
}

impl Search {
    /// Where the subjects are in `prepared`, in order; `None` when the text cannot name a
    /// subject (it holds no value's keys).
    ///
    /// As the regex of all values finds them (from where the last match ended, the match that
    /// starts first), but of matches of several values that start at the same place, the
    /// longest: the regex of all would take the one of its first alternative, which may be a
    /// name inside a longer one. Each value's regexes give their next match (kept while it
    /// starts after the last match found); of the same length, the one whose form comes first
    /// in the regex of all.
    pub(crate) fn find(&self, prepared: &str) -> Option<Vec<std::ops::Range<usize>>> {
        let candidates = self.keys.held(&free_text_keys(prepared));
        if candidates.is_empty() {
            return None;
        }
        let regexes: Vec<&FormsRegex> = candidates
            .iter()
            .flat_map(|&v| {
                &self.regexes[v]
                    .get_or_init(|| ValueRegex::new(v, &self.idents[v]))
                    .parts
            })
            .collect();
        // Per regex: its next match, once looked for (`Some(None)`: none is left).
        let mut next: Vec<Option<Option<std::ops::Range<usize>>>> = vec![None; regexes.len()];
        let mut found = Vec::new();
        let mut at = 0;
        while at <= prepared.len() {
            let mut first: Option<std::ops::Range<usize>> = None;
            let mut starting: Vec<usize> = Vec::new();
            for (r, regex) in regexes.iter().enumerate() {
                let m = match &next[r] {
                    Some(Some(m)) if m.start >= at => Some(m.clone()),
                    Some(None) => None,
                    _ => {
                        let m = regex.regex.find_at(prepared, at).map(|m| m.range());
                        next[r] = Some(m.clone());
                        m
                    }
                };
                let Some(m) = m else { continue };
                match &first {
                    Some(f) if f.start < m.start => {}
                    Some(f) if f.start == m.start => starting.push(r),
                    _ => {
                        first = Some(m);
                        starting.clear();
                        starting.push(r);
                    }
                }
            }
            let Some(first) = first else { break };
            let whole = |r: usize| {
                let m = next[r].clone().flatten().expect("a match starts there");
                regexes[r].whole(prepared, m)
            };
            // Of matches that start together, the longest: one subject's name inside
            // another's ("Jane Mary" in "Jane Mary Doe") must not leave the rest of the other
            // behind. Of the same length, the form the regex of all has first.
            let winner = if starting.len() == 1 {
                starting[0]
            } else {
                *starting
                    .iter()
                    .max_by_key(|&&r| {
                        let order = regexes[r].order_at(prepared, first.start);
                        (whole(r).len(), std::cmp::Reverse(order))
                    })
                    .expect("a regex starts there")
            };
            let m = whole(winner);
            // No form matches an empty text; were one to, the search goes on past it.
            at = if m.is_empty() {
                m.end + prepared[m.end..].chars().next().map_or(1, char::len_utf8)
            } else {
                m.end
            };
            if !m.is_empty() {
                found.push(m);
            }
        }
        Some(found)
    }
}

/// A regex that finds the whole of any text: what a text is searched with when the regex of
/// the values it may hold is beyond the regex crate's size limit (thousands of names in one
/// text's keys), so that it loses all of it rather than keeping a subject.
fn everything() -> Regex {
    Regex::new(r"(?s).+").expect("a valid regex")
}

/// A character of a [`Keys`] key, as it is written in keys: an ASCII letter other than `i` or
/// a digit, lowercased; a letter of another script that the regex takes for itself in any case
/// (not one with accents to set aside, which the regex also takes for its base letter, nor one
/// of [`PLAIN_FORMS`], `ß`, a ligature, a hyphen or an apostrophe), as the lowercase of its
/// uppercase, which
/// every letter of its case folding shares (`ς`, `σ` and `Σ` are `σ`; `ſ` and the Kelvin sign
/// `s` and `k`). `None` for any other, which ends a run: the regex takes `İ` and `ı` for `i`.
fn key_char(c: char) -> Option<char> {
    if c.is_ascii() {
        return (c.is_ascii_alphanumeric() && c != 'i' && c != 'I').then(|| c.to_ascii_lowercase());
    }
    let plain = |c: char| {
        c.is_alphabetic()
            && plain_forms(c).is_none()
            && base_letter(c).is_none()
            && !matches!(c, 'ß' | 'ẞ')
            && !crate::text::APOSTROPHES.contains(&c)
            && !crate::text::HYPHENS.contains(&c)
    };
    if !plain(c) {
        return None;
    }
    let single = |mut it: std::vec::IntoIter<char>| match (it.next(), it.next()) {
        (Some(first), None) => Some(first),
        _ => None,
    };
    // A letter whose uppercase is two (a ligature, `ŉ`) ends a run: its case folding is not
    // its lowercase's.
    let upper = single(c.to_uppercase().collect::<Vec<_>>().into_iter())?;
    let folded = single(upper.to_lowercase().collect::<Vec<_>>().into_iter())?;
    (folded != 'i' && (folded.is_ascii() || plain(folded))).then_some(folded)
}

/// The distinct runs of [`key_char`]s of `value`, as keys are written, longest first (of the
/// same length, the first in the value first).
fn key_runs(value: &str) -> Vec<String> {
    let mut runs: Vec<String> = Vec::new();
    for run in value.split(|c| key_char(c).is_none()) {
        let run: String = run.chars().filter_map(key_char).collect();
        if !run.is_empty() && !runs.contains(&run) {
            runs.push(run);
        }
    }
    runs.sort_by_key(|r| std::cmp::Reverse(r.len()));
    runs
}

impl Ident {
    /// The value's keys (see [`Keys`]); `None` when it has none.
    fn keys(&self) -> Option<Vec<String>> {
        let two = |value: &str| Some(key_runs(value).into_iter().take(2).collect());
        match self {
            // Every form of a name holds its first and last word.
            Ident::Name(n) => {
                let mut keys: Vec<String> = [&n[0], &n[n.len() - 1]]
                    .into_iter()
                    .filter_map(|w| key_runs(w).into_iter().next())
                    .collect();
                keys.dedup();
                Some(keys)
            }
            // Its user's, in each form (as a guest's user name, in a personal site's path);
            // the domain's, shared by many, where the user has none.
            Ident::Email(e) => match e.rsplit_once('@') {
                Some((local, _)) if !key_runs(local).is_empty() => two(local),
                _ => two(e),
            },
            Ident::Guid(x) | Ident::Exact(x) => two(x),
            // Every form of a number ends with its last seven digits, maybe with separators
            // between them.
            Ident::Phone(p) => Some(vec![
                p.digits[p.digits.len().saturating_sub(7)..].to_string()
            ]),
        }
    }
}

/// One data subject.
#[derive(Debug, Clone)]
pub struct Subject {
    idents: Vec<Ident>,
}

/// The data subjects of a run, in the order given.
#[derive(Debug, Clone, Default)]
pub struct Subjects {
    list: Vec<Subject>,
    /// The search of [`Subjects::search`], made the first time a message is masked (see
    /// [`Subjects::masked`]).
    masker: std::sync::OnceLock<Option<Search>>,
    /// The keys of the values, and each value's subject, built the first time many values are
    /// compared with a cell (see [`Subjects::candidates`]).
    cell_keys: std::sync::OnceLock<Option<ValueKeys>>,
    /// [`Subjects::numbers_and_addresses_only`], told once (it is asked of every cell).
    numbers_only: std::sync::OnceLock<bool>,
    /// The values' forms that [`Subjects::mentioned`] looks a fragment up in, made the first
    /// time it is asked.
    mentions: std::sync::OnceLock<Mentions>,
    /// What the user should know about how the subjects file was read (see
    /// [`Subjects::warnings`]).
    warnings: Vec<String>,
}

/// The subjects' values as [`Subjects::mentioned`] compares a fragment with them, each form to
/// the subjects (0-based, in order) that have it: a run asks whose each fragment of free text
/// its search found is, and comparing each with every value would take time in proportion to
/// the fragments times the values (thousands, with what the subjects' records hold).
#[derive(Debug, Clone, Default)]
struct Mentions {
    /// An email address's personal site path (see [`crate::text::personal_site_form`]).
    sites: std::collections::HashMap<String, Vec<usize>>,
    /// A name's first word in both forms of [`unaccented`]: a reading of a fragment names it
    /// only if its first word, in one of those forms, is one of them.
    first_words: std::collections::HashMap<String, Vec<usize>>,
    /// The same, the word's hyphens and apostrophes taken out.
    unmarked_first_words: std::collections::HashMap<String, Vec<usize>>,
    /// A name's first and last words' letters and digits without accents (both forms), joined
    /// either way round (see [`Subjects::joined`]).
    joined: std::collections::HashMap<String, Vec<usize>>,
}

impl Mentions {
    fn new(list: &[Subject]) -> Mentions {
        let mut m = Mentions::default();
        let add = |map: &mut std::collections::HashMap<String, Vec<usize>>, key: String, s| {
            let subjects = map.entry(key).or_default();
            if subjects.last() != Some(&s) {
                subjects.push(s);
            }
        };
        for (s, subject) in list.iter().enumerate() {
            for id in &subject.idents {
                match id {
                    Ident::Email(e) => {
                        if let Some(site) = crate::text::personal_site_form(e) {
                            add(&mut m.sites, site, s);
                        }
                    }
                    Ident::Name(name) => {
                        let (first, last) = (&name[0], &name[name.len() - 1]);
                        for german in [false, true] {
                            add(&mut m.first_words, unaccented(first, german), s);
                            add(
                                &mut m.unmarked_first_words,
                                unaccented(&unmarked(first), german),
                                s,
                            );
                            let (first_letters, last_letters) =
                                (joined_letters(first, german), joined_letters(last, german));
                            add(&mut m.joined, format!("{first_letters}{last_letters}"), s);
                            add(&mut m.joined, format!("{last_letters}{first_letters}"), s);
                        }
                    }
                    _ => {}
                }
            }
        }
        m
    }
}

/// The subjects (0-based, in order) that `map` gives for any of `keys`.
fn subjects_of(
    map: &std::collections::HashMap<String, Vec<usize>>,
    keys: impl IntoIterator<Item = String>,
) -> Vec<usize> {
    let mut found: Vec<usize> = keys
        .into_iter()
        .filter_map(|k| map.get(&k))
        .flatten()
        .copied()
        .collect();
    found.sort_unstable();
    found.dedup();
    found
}

/// A word without its hyphens and apostrophes, as user names are often made.
fn unmarked(word: &str) -> String {
    word.replace(['-', '\''], "")
}

/// The letters and digits of `text`, [`normalize`]d, in a form of [`unaccented`] (see
/// [`Subjects::joined`]).
fn joined_letters(text: &str, german: bool) -> String {
    unaccented(&normalize(text), german)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// The first words of `orders` in both forms of [`unaccented`].
fn first_word_forms(orders: &[Vec<&str>]) -> Vec<String> {
    orders
        .iter()
        .filter_map(|o| o.first())
        .flat_map(|w| [false, true].map(|german| unaccented(w, german)))
        .collect()
}

/// How a cell that did not match a subject resembles it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Near {
    /// The same words in another order.
    Reordered,
    /// One edit away (a typo).
    OneEdit,
    /// Two edits away.
    TwoEdits,
    /// A name or email that a row matched for the subject holds (its full name, its other
    /// email), as the whole cell of another row: the same person's second record as likely as
    /// a namesake's.
    Learned,
    /// The name as consecutive words with marks around it (words in brackets, numbers, titles
    /// and suffixes, tags put on leavers such as `zz` or `old`): a record whose name was marked
    /// ("Jane Doe (Disabled)", "zz Jane Doe", "Dr. Jane Doe"). A row rule matches the whole
    /// cell only, so such a row is not the subject's unless the user says so.
    Inside,
    /// A name or email that a row matched for the subject in another file of the run holds,
    /// mentioned in the text of another row here: this file alone could not show why it went,
    /// so it is not redacted unless the user passes it as a subject.
    Mentioned,
    /// The name written without its accents, or with them where the subject has none ("Zoe
    /// Muller", "Zoe Mueller" for "Zoë Müller"), as people and older systems often write
    /// names: the same person as likely as not, so the row is not the subject's unless the user
    /// says so.
    Unaccented,
    /// An email address, phone number, identifier or sign-in name that the subject's matched
    /// record held and the scrub removed there, in a kept cell of a mapped column of a row no
    /// subject matched (another user's Main Phone holding the subject's mobile number): the
    /// subject's value left in that record, or a value two people share.
    Held,
    /// The value the subject was given by (a phone number, an email), in a kept cell of a
    /// mapped column of a row no subject matched: the row rules compare other columns, so the
    /// subject's own record may be that row.
    Given,
}

impl Near {
    /// Whether such a cell in a row no subject matched stops a run in which the subject was
    /// found (unless the user says it names someone else): the subject's own record as likely
    /// as not. A typo or another order of a found subject's name is left as it is.
    pub fn stops_run(self) -> bool {
        matches!(
            self,
            Near::Inside | Near::Learned | Near::Mentioned | Near::Unaccented | Near::Given
        )
    }

    /// How a person would say it.
    pub fn describe(self) -> &'static str {
        match self {
            Near::Inside => "holding the name with marks around it",
            Near::Learned => "holding a name or email of the subject's matched record",
            Near::Mentioned => "mentioning a name or email of the subject's record in another file",
            Near::Unaccented => "holding the name without its accents",
            Near::Held => {
                "holding an email, phone number or identifier of the subject's matched record"
            }
            Near::Given => "holding the value the subject was given by",
            Near::Reordered => "same words in another order",
            Near::OneEdit => "one edit away",
            Near::TwoEdits => "two edits away",
        }
    }
}

/// NFC, no zero-width characters, full-width forms, apostrophes and hyphens as ASCII, lowercase (Turkish `İ` and `ı` as
/// `i`), single spaces, trimmed: the form values are compared in.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    // Most cells are in NFC already (and ASCII ones always): then their characters are read
    // as they are, without composing them again.
    if unicode_normalization::is_nfc_quick(text.chars()) == unicode_normalization::IsNormalized::Yes
    {
        for c in text.chars() {
            normalize_char(c, &mut out, &mut space);
        }
    } else {
        for c in text.nfc() {
            normalize_char(c, &mut out, &mut space);
        }
    }
    out
}

/// One character of a text in NFC, as [`normalize`] writes it to `out`; `space` tells that
/// white space came before it.
fn normalize_char(c: char, out: &mut String, space: &mut bool) {
    if crate::text::invisible(c) {
        return;
    }
    // A full-width letter or digit (`Ｋａｒｉｍ`, typed with an East Asian input method) is
    // the ASCII one.
    let c = crate::text::narrow(c).unwrap_or(c);
    // And a typographic apostrophe or hyphen (`O’Brien`, `Al‑Farsi`) is the plain one.
    let c = match c {
        _ if crate::text::same_mark(c, '\'') => '\'',
        _ if crate::text::same_mark(c, '-') => '-',
        _ => c,
    };
    if c.is_whitespace() {
        *space = !out.is_empty();
        return;
    }
    if *space {
        out.push(' ');
        *space = false;
    }
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    // Turkish `İ` (lowercase `i̇`) and `ı` are `i`: "YILDIZ" in capitals is "Yıldız" as
    // much as "Yildiz", and an `İ` lowercases to two characters.
    for lower in c.to_lowercase() {
        match lower {
            '\u{307}' if out.ends_with('i') => {}
            'ı' => out.push('i'),
            _ => out.push(lower),
        }
    }
}

/// `text` in NFC without zero-width characters, its full-width letters, digits and signs as
/// ASCII (`Ｋａｒｉｍ`, as East Asian input methods type them; case and spacing kept), for
/// searching free text; borrowed when it already is.
pub fn prepare(text: &str) -> Cow<'_, str> {
    let clean = unicode_normalization::is_nfc_quick(text.chars())
        == unicode_normalization::IsNormalized::Yes
        && !text
            .chars()
            .any(|c| crate::text::invisible(c) || crate::text::narrow(c).is_some());
    if clean {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(
            text.nfc()
                .filter(|&c| !crate::text::invisible(c))
                .map(|c| crate::text::narrow(c).unwrap_or(c))
                .collect(),
        )
    }
}

/// The words of a normalized name: split at spaces and commas, surrounding punctuation dropped
/// (`J.` is the initial `j`).
fn words(norm: &str) -> Vec<&str> {
    norm.split([' ', ','])
        .map(bare)
        .filter(|w| !w.is_empty())
        .collect()
}

/// A word of a normalized text (split at spaces and commas) without the brackets, quotes and
/// dots around it.
fn bare(raw: &str) -> &str {
    raw.trim_matches(|c: char| matches!(c, '.' | '"' | '(' | ')' | '\'' | '[' | ']'))
}

fn guid(norm: &str) -> Option<String> {
    let bare = norm
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .unwrap_or(norm);
    let b = bare.as_bytes();
    let dashed = b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    if dashed {
        return Some(bare.to_string());
    }
    (b.len() == 32 && b.iter().all(u8::is_ascii_hexdigit)).then(|| {
        format!(
            "{}-{}-{}-{}-{}",
            &bare[..8],
            &bare[8..12],
            &bare[12..16],
            &bare[16..20],
            &bare[20..]
        )
    })
}

fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty() && !domain.is_empty() && !s.contains(' ')
}

impl Ident {
    fn classify(value: &str) -> Option<Ident> {
        let norm = normalize(value);
        if norm.is_empty() {
            return None;
        }
        if let Some(g) = guid(&norm) {
            return Some(Ident::Guid(g));
        }
        let mail = norm.strip_prefix("mailto:").unwrap_or(&norm);
        if is_email(mail) {
            return Some(Ident::Email(mail.to_string()));
        }
        if let Some(phone) = Phone::parse(&norm) {
            return Some(Ident::Phone(phone));
        }
        if !norm.chars().any(char::is_alphabetic) {
            return Some(Ident::Exact(norm));
        }
        if let Some(order) = name_orders(&norm).into_iter().next() {
            return Some(Ident::Name(Name::new(
                order.into_iter().map(str::to_string).collect(),
            )));
        }
        Some(Ident::Exact(norm))
    }

    fn matches(&self, cell: &Cell) -> bool {
        match self {
            Ident::Name(name) => cell.orders.iter().any(|o| name_matches(name, o)),
            Ident::Email(e) => cell.emails.iter().any(|c| c == e),
            Ident::Guid(g) => cell.guid.as_deref() == Some(g.as_str()),
            Ident::Phone(p) => cell
                .phone
                .get_or_init(|| Phone::parse(cell.norm))
                .as_ref()
                .is_some_and(|c| p.same(c)),
            Ident::Exact(x) => cell.norm == *x,
        }
    }

    /// How a name of this value is in the cell in a way that stops a run: without its
    /// accents, or with marks around it (see [`Ident::near`]); `None` for any other value.
    fn near_stopping(&self, cell: &Cell) -> Option<Near> {
        let Ident::Name(name) = self else {
            return None;
        };
        if name.unaccented_in(cell) {
            return Some(Near::Unaccented);
        }
        // A name of a script written without spaces, its words run together ("山本葵" for
        // "山本 葵"), in either order: as people write it as often as not.
        let unspaced = |w: &String| w.chars().all(crate::text::unspaced);
        if name.len() >= 2 && name.iter().all(unspaced) && !cell.norm.contains(' ') {
            let mut reversed = name.words.clone();
            reversed.reverse();
            if [name.concat(), reversed.concat()].contains(&cell.norm.to_string()) {
                return Some(Near::Inside);
            }
        }
        // The whole name with more around it, before a typo of it ("zz Jane Doe" is also two
        // edits from "Jane Doe" by its first and last words).
        inside(name, cell.words.get_or_init(|| marked_words(cell.norm))).then_some(Near::Inside)
    }

    fn near(&self, cell: &Cell) -> Option<Near> {
        let edits = |a: &str, b: &str| {
            if a.chars().count().abs_diff(b.chars().count()) > 2 || !within_two_edits(a, b) {
                return None;
            }
            match strsim::damerau_levenshtein(a, b) {
                1 => Some(Near::OneEdit),
                2 if a.chars().count() > 4 => Some(Near::TwoEdits),
                _ => None,
            }
        };
        match self {
            Ident::Name(name) => {
                // The same words in another order (each as many times).
                let count = |words: &[&str], w: &str| words.iter().filter(|x| **x == w).count();
                let reordered = cell.orders.iter().any(|o| {
                    o.len() == name.len()
                        && o.iter().all(|w| {
                            count(o, w) == name.iter().filter(|n| n.as_str() == *w).count()
                        })
                });
                if reordered {
                    return Some(Near::Reordered);
                }
                if let Some(near) = self.near_stopping(cell) {
                    return Some(near);
                }
                // The name and a reading of the cell, whole and by their first and last words
                // (middle names may be on one side only), are compared where their lengths
                // are within two of each other: the texts are made only then.
                let chars = |words: &mut dyn Iterator<Item = &str>| -> usize {
                    words
                        .map(|w| w.chars().count() + 1)
                        .sum::<usize>()
                        .saturating_sub(1)
                };
                fn ends_of<'w>(w: &[&'w str]) -> [&'w str; 2] {
                    [w[0], w[w.len() - 1]]
                }
                let name_ends = [name[0].as_str(), name[name.len() - 1].as_str()];
                let (whole, ends) = (
                    chars(&mut name.iter().map(String::as_str)),
                    chars(&mut name_ends.into_iter()),
                );
                let joined = std::cell::OnceCell::new();
                cell.orders
                    .iter()
                    .filter_map(|o| {
                        let whole_edits = (whole.abs_diff(chars(&mut o.iter().copied())) <= 2)
                            .then(|| edits(joined.get_or_init(|| name.join(" ")), &o.join(" ")))
                            .flatten();
                        let ends_edits = (ends.abs_diff(chars(&mut ends_of(o).into_iter())) <= 2)
                            .then(|| edits(&name_ends.join(" "), &ends_of(o).join(" ")))
                            .flatten();
                        [whole_edits, ends_edits].into_iter().flatten().min()
                    })
                    .min()
            }
            Ident::Email(e) => cell
                .emails
                .iter()
                .filter_map(|c| edits(e, c))
                .min()
                .or_else(|| edits(e, cell.norm)),
            Ident::Guid(g) => edits(g, cell.guid.as_deref().unwrap_or(cell.norm)),
            // Another digit is another number.
            Ident::Phone(_) => None,
            Ident::Exact(x) => edits(x, cell.norm),
        }
    }
}

/// A cell prepared for comparison with every subject.
struct Cell<'a> {
    norm: &'a str,
    /// Its words, each with whether it is a mark (see [`marked_words`]): read when a near
    /// match is looked for, not for a match.
    words: std::cell::OnceCell<Vec<(&'a str, bool)>>,
    /// The cell as a phone number, read when a subject is one.
    phone: std::cell::OnceCell<Option<Phone>>,
    guid: Option<String>,
    emails: Vec<&'a str>,
    orders: Vec<Vec<&'a str>>,
    /// Its readings in the two forms of [`unaccented`], made when first compared with a name
    /// (see [`Cell::unaccented_orders`]).
    unaccented: std::cell::OnceCell<Option<Vec<Vec<String>>>>,
}

impl<'a> Cell<'a> {
    fn new(norm: &'a str) -> Cell<'a> {
        Cell {
            norm,
            words: std::cell::OnceCell::new(),
            phone: std::cell::OnceCell::new(),
            guid: guid(norm),
            emails: norm
                .split([' ', ';', ',', '<', '>', '(', ')', '"'])
                .map(|w| w.strip_prefix("mailto:").unwrap_or(w))
                .filter(|w| is_email(w))
                .collect(),
            orders: name_orders(norm),
            unaccented: std::cell::OnceCell::new(),
        }
    }

    /// Its readings (see [`name_orders`]) in the two forms of [`unaccented`]; `None` when they
    /// are all ASCII (and so their own forms).
    fn unaccented_orders(&self) -> Option<&[Vec<String>]> {
        self.unaccented
            .get_or_init(|| {
                let plain = self.orders.iter().all(|o| o.iter().all(|w| w.is_ascii()));
                (!plain).then(|| {
                    self.orders
                        .iter()
                        .flat_map(|o| unaccented_forms(o))
                        .collect()
                })
            })
            .as_deref()
    }
}

/// The readings of a normalized name as words in "first ... last" order: "Last, First Middle"
/// gives one; "A B C" gives "A B C" (First Last) and "B C A" (Last First).
fn name_orders(norm: &str) -> Vec<Vec<&str>> {
    if norm.contains('@') {
        return Vec::new();
    }
    if norm.matches(',').count() == 1 {
        let (last, first) = norm.split_once(',').unwrap_or_default();
        let (last, first) = (words(last), words(first));
        if last.is_empty() || first.is_empty() {
            return Vec::new();
        }
        return vec![first.into_iter().chain(last).collect()];
    }
    if norm.contains(',') {
        return Vec::new();
    }
    let w = words(norm);
    if w.len() < 2 {
        return Vec::new();
    }
    let mut rotated: Vec<&str> = w[1..].to_vec();
    rotated.push(w[0]);
    vec![w, rotated]
}

/// Whether a cell (its words, each with whether it marks a name rather than being one, see
/// [`is_mark`]) holds the name `name` (first ... last) as consecutive words, in the order
/// "First [Middle] Last" or "Last, First [Middle]" (middle names and initials of either side
/// allowed between), with marks around it and nothing else (see [`Near::Inside`]): "Jane Doe
/// (Disabled)", "zz Jane Doe", "Dr. Jane Doe". Another name around it is another person as
/// likely as not ("Mary Jane Doe" goes by Mary), and a word joined to the name by a hyphen or an
/// apostrophe is part of another word ("Jane Doe-Smith").
fn inside(name: &[String], cell: &[(&str, bool)]) -> bool {
    let (Some(first), Some(last)) = (name.first(), name.last()) else {
        return false;
    };
    if name.len() < 2 {
        return false;
    }
    let middle = |w: &str| name[1..name.len() - 1].iter().any(|m| m == w) || w.chars().count() == 1;
    let marked_around = |from: usize, to: usize| {
        to - from < cell.len()
            && cell[..from]
                .iter()
                .chain(&cell[to..])
                .all(|&(_, mark)| mark)
    };
    for i in 0..cell.len() {
        // First [middles] Last.
        if cell[i].0 == first {
            let mut j = i + 1;
            while j < cell.len() && cell[j].0 != last && middle(cell[j].0) {
                j += 1;
            }
            if j < cell.len() && cell[j].0 == last && marked_around(i, j + 1) {
                return true;
            }
        }
        // Last First [middles].
        if cell[i].0 == last && cell.get(i + 1).map(|w| w.0) == Some(first.as_str()) {
            let mut j = i + 2;
            while j < cell.len() && middle(cell[j].0) {
                j += 1;
            }
            if marked_around(i, j) {
                return true;
            }
        }
    }
    false
}

/// Whether a word of a cell (`raw` as written, `word` without its brackets and dots) marks a
/// name rather than being one: in brackets, a number or no letter at all, a title or suffix, or
/// a tag organizations put on the records of people who left.
fn is_mark(raw: &str, word: &str) -> bool {
    const MARKS: &[&str] = &[
        "x",
        "xx",
        "xxx",
        "z",
        "zz",
        "zzz",
        "old",
        "ex",
        "former",
        "left",
        "leaver",
        "disabled",
        "inactive",
        "deleted",
        "terminated",
        "retired",
        "dr",
        "mr",
        "mrs",
        "ms",
        "mx",
        "prof",
        "sir",
        "dame",
        "lady",
        "lord",
        "miss",
        "rev",
        "revd",
        "hon",
        "esq",
        "herr",
        "frau",
        "mme",
        "mlle",
        "sra",
        "srta",
        "dra",
        "jr",
        "sr",
        "ii",
        "iii",
        "iv",
        "phd",
        "md",
        "copy",
    ];
    raw.starts_with(['(', '['])
        || raw.ends_with([')', ']'])
        || word.chars().any(|c| c.is_ascii_digit())
        || !word.chars().any(char::is_alphabetic)
        || MARKS.contains(&word)
}

/// The words of a normalized cell (as [`words`] splits them, and also at the punctuation a
/// mark is glued to a name with: `DISABLED: Jane Doe`, `zz_Jane Doe`, `~Jane Doe*`), each with
/// whether it is a mark (see [`is_mark`]). A mark joined by a hyphen, or digits joined at the
/// end (`zz-Jane Doe`, `Jane Doe2`, `Jane Doe-old`), is a word of its own.
fn marked_words(norm: &str) -> Vec<(&str, bool)> {
    // Spaces and commas part words; other punctuation parts them and is a mark of its own.
    let glue = |c: char| {
        matches!(
            c,
            '.' | ':' | ';' | '_' | '~' | '*' | '/' | '\\' | '|' | '#' | '+' | '=' | '!' | '?'
        )
    };
    let mut pieces = Vec::new();
    let mut start = 0;
    for (i, c) in norm.char_indices() {
        if c == ' ' || c == ',' || glue(c) {
            pieces.push(&norm[start..i]);
            if glue(c) {
                pieces.push(&norm[i..i + c.len_utf8()]);
            }
            start = i + c.len_utf8();
        }
    }
    pieces.push(&norm[start..]);
    pieces
        .into_iter()
        .flat_map(marks_apart)
        .filter_map(|raw| {
            let word = bare(raw);
            (!word.is_empty()).then(|| (word, is_mark(raw, word)))
        })
        .collect()
}

/// `raw` with a mark glued to it taken apart: a mark word before its first hyphen or after its
/// last one (`zz-jane`, `doe-old`), digits at its end (`doe2`). A hyphen between two names
/// (`al-farsi`, `doe-smith`) keeps them one word.
fn marks_apart(raw: &str) -> Vec<&str> {
    let marked = |part: &str| {
        let word = bare(part);
        !word.is_empty() && is_mark(part, word)
    };
    let digits = raw.len() - raw.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits > 0 && raw[..raw.len() - digits].chars().any(char::is_alphabetic) {
        let (name, number) = raw.split_at(raw.len() - digits);
        let mut out = marks_apart(name);
        out.push(number);
        return out;
    }
    if let Some((before, after)) = raw.split_once('-') {
        if marked(before) && !after.is_empty() {
            let mut out = vec![before];
            out.extend(marks_apart(after));
            return out;
        }
    }
    if let Some((before, after)) = raw.rsplit_once('-') {
        if marked(after) && !before.is_empty() {
            let mut out = marks_apart(before);
            out.push(after);
            return out;
        }
    }
    vec![raw]
}

/// Whether `cell` (first ... last) names the person `subject` (first ... last): the same first
/// and last name; middle names or initials on either side only when they agree.
fn name_matches<S: AsRef<str>, T: AsRef<str>>(subject: &[S], cell: &[T]) -> bool {
    let (Some(sf), Some(sl), Some(cf), Some(cl)) =
        (subject.first(), subject.last(), cell.first(), cell.last())
    else {
        return false;
    };
    if subject.len() < 2
        || cell.len() < 2
        || sf.as_ref() != cf.as_ref()
        || sl.as_ref() != cl.as_ref()
    {
        return false;
    }
    let sm = &subject[1..subject.len() - 1];
    let cm = &cell[1..cell.len() - 1];
    let agree = |a: &str, b: &str| {
        a == b
            || (a.chars().count() == 1 && b.starts_with(a))
            || (b.chars().count() == 1 && a.starts_with(b))
    };
    // The fewer middle names each agree with one of the others (`agree` is symmetric).
    if sm.len() <= cm.len() {
        sm.iter()
            .all(|s| cm.iter().any(|l| agree(s.as_ref(), l.as_ref())))
    } else {
        cm.iter()
            .all(|s| sm.iter().any(|l| agree(s.as_ref(), l.as_ref())))
    }
}

/// Letters that do not decompose but are written without their stroke, slash, ligature or
/// missing dot where a keyboard lacks them, or in capitals (Turkish `ı`, whose capital is `I`),
/// and `å`, whose Nordic transliteration is two letters: the
/// letter, its plain form, and its German or Nordic transliteration ("ø" as "o" or "oe").
const PLAIN_FORMS: [(char, &str, &str); 9] = [
    ('ı', "i", "i"),
    ('ł', "l", "l"),
    ('ø', "o", "oe"),
    ('å', "a", "aa"),
    ('đ', "d", "dj"),
    ('æ', "ae", "ae"),
    ('œ', "oe", "oe"),
    ('þ', "th", "th"),
    ('ð', "d", "d"),
];

/// A letter's plain form and transliteration, when [`PLAIN_FORMS`] has it.
fn plain_forms(c: char) -> Option<(&'static str, &'static str)> {
    PLAIN_FORMS
        .iter()
        .find(|(letter, _, _)| *letter == c)
        .map(|&(_, plain, translit)| (plain, translit))
}

/// A normalized text without its accents: a letter that decomposes into a base letter and
/// combining marks is its base letter ("zoë" → "zoe"), combining marks go, `ß` is `ss`, and the
/// letters of [`PLAIN_FORMS`] are their plain form ("łukasz" → "lukasz"). With `german`, `ä`,
/// `ö` and `ü` are `ae`, `oe` and `ue` ("müller" → "mueller"), as German names are written
/// without them, and [`PLAIN_FORMS`] give their transliteration ("søren" → "soeren").
pub(crate) fn unaccented(norm: &str, german: bool) -> String {
    let mut out = String::with_capacity(norm.len());
    for c in norm.chars() {
        if let Some((plain, translit)) = plain_forms(c) {
            out.push_str(if german { translit } else { plain });
            continue;
        }
        match c {
            'ä' | 'ö' | 'ü' if german => {
                out.push(base_letter(c).unwrap_or(c));
                out.push('e');
            }
            'ß' => out.push_str("ss"),
            _ if unicode_normalization::char::is_combining_mark(c) => {}
            _ => out.push(base_letter(c).unwrap_or(c)),
        }
    }
    out
}

/// The base letter of a letter with accents (`ë` → `e`); `None` for any other character.
fn base_letter(c: char) -> Option<char> {
    if c.is_ascii() {
        return None;
    }
    let mut parts = std::iter::once(c).nfd();
    let base = parts.next()?;
    (base.is_alphabetic() && base != c && parts.all(unicode_normalization::char::is_combining_mark))
        .then_some(base)
}

/// Whether a cell read as names (`orders`) is the subject's name `name` once accents are set
/// aside on both sides (see [`unaccented`]), when it is not that name as written.
fn unaccented_match(name: &[String], orders: &[Vec<&str>]) -> bool {
    let plain = |words: &[&str]| words.iter().all(|w| w.is_ascii());
    if name.iter().all(|w| w.is_ascii()) && orders.iter().all(|o| plain(o)) {
        return false;
    }
    let names = unaccented_forms(name);
    orders.iter().any(|o| {
        unaccented_forms(o)
            .iter()
            .any(|cell| names.iter().any(|n| name_matches(n, cell)))
    })
}

/// `words` in the two forms of [`unaccented`]: without accents, and with German and Nordic
/// transliterations.
fn unaccented_forms<S: AsRef<str>>(words: &[S]) -> [Vec<String>; 2] {
    [false, true].map(|german| {
        words
            .iter()
            .map(|w| unaccented(w.as_ref(), german))
            .collect()
    })
}

/// A name word as a pattern that also matches it without its accents ("zoë" as "Zoe", "müller"
/// as "Muller" or "Mueller", "strauß" as "Strauss", "łukasz" as "Lukasz"): free text is often
/// typed so. An `i` is also Turkish `İ` and `ı`, as [`normalize`] folds them.
fn unaccented_pattern(word: &str) -> String {
    let mut out = String::with_capacity(word.len() * 2);
    for c in word.chars() {
        let one = regex::escape(c.encode_utf8(&mut [0; 4]));
        if let Some((plain, translit)) = plain_forms(c) {
            out.push_str(&format!("(?:{one}|{plain}|{translit})"));
            continue;
        }
        match (c, base_letter(c)) {
            ('i', _) => out.push_str("[iİı]\\x{307}?"),
            ('ä' | 'ö' | 'ü', Some(base)) => out.push_str(&format!("(?:{one}|{base}e?)")),
            ('ß', _) => out.push_str("(?:ß|ss)"),
            (_, Some(base)) => out.push_str(&format!("[{one}{base}]")),
            _ => out.push_str(&plain_char_pattern(c)),
        }
    }
    out
}

/// A name word as a pattern for a user name made of it: [`unaccented_pattern`], its hyphens
/// and apostrophes also left out (`alfarsi`, `obrien`), a hyphen also written as the user
/// name's separator (`al.farsi`, `al_farsi`).
fn user_name_pattern(word: &str) -> String {
    let mut out = String::with_capacity(word.len() * 2);
    for piece in word.split_inclusive(['-', '\'']) {
        match piece.strip_suffix(['-', '\'']) {
            Some(letters) => {
                let mark = &piece[letters.len()..];
                out.push_str(&unaccented_pattern(letters));
                if mark == "-" {
                    out.push_str(&format!("(?:{}|{USER_SEP})?", unaccented_pattern(mark)));
                } else {
                    out.push_str(&format!("(?:{})?", unaccented_pattern(mark)));
                }
            }
            None => out.push_str(&unaccented_pattern(piece)),
        }
    }
    out
}

/// A character of a subject's value as a pattern that also matches it written otherwise in
/// free text: an apostrophe or hyphen as any of its forms (`O’Brien`, `Al‑Farsi`, see
/// [`crate::text::same_mark`]); an `@` percent-encoded too (`%40`, in a link). Full-width
/// letters (`Ｋａｒｉｍ`) are the text's business: see [`prepare`]. The patterns stay small: the
/// regex of hundreds of subjects must stay under the regex crate's size limit.
fn plain_char_pattern(c: char) -> String {
    for marks in [&crate::text::APOSTROPHES, &crate::text::HYPHENS] {
        if marks.contains(&c) {
            let class: String = marks
                .iter()
                .map(|m| regex::escape(m.encode_utf8(&mut [0; 4])))
                .collect();
            return format!("[{class}]");
        }
    }
    match c {
        '@' => "(?:@|%40)".into(),
        _ => regex::escape(c.encode_utf8(&mut [0; 4])),
    }
}

/// The separator of the words of a user name (`karim.al-farsi`, `karim_al-farsi`), maybe
/// percent-encoded in a link (`karim%2Eal-farsi`).
const USER_SEP: &str = "(?:[._]|%2e|%5f)";

/// What may follow a subject's name written as a user name to make it an email address: a
/// tag (`+x`), then the `@` (or `%40`, in a link) and a domain of two labels or more.
const EMAIL_TAIL: &str = r"(?:(?:\+[\w.-]*)?(?:@|%40)[\w-]+(?:\.[\w-]+)+)?";

/// The fewest letters a subject's first and last names have together to be searched for
/// joined as a user name (`karimalfarsi`, `KarimAlFarsi`): shorter ones join into ordinary
/// words and other names ("Jo Anne", joanne).
const JOINED_MIN_LETTERS: usize = 8;

/// The compiled size the subjects' regex may take (see [`Subjects::regex`]).
const SUBJECTS_REGEX_LIMIT: usize = 1 << 30;

/// White space between the words of a subject's value in free text: any run of it, or a
/// percent-encoded space or `+` in a link (`Karim%20Al-Farsi`).
const GAP: &str = r"(?:\s|%20|\+)+";

impl Subjects {
    /// No subjects.
    pub fn none() -> &'static Subjects {
        static NONE: Subjects = Subjects {
            list: Vec::new(),
            masker: std::sync::OnceLock::new(),
            cell_keys: std::sync::OnceLock::new(),
            numbers_only: std::sync::OnceLock::new(),
            mentions: std::sync::OnceLock::new(),
            warnings: Vec::new(),
        };
        &NONE
    }

    /// One subject per value (the `--subject` values).
    pub fn from_values(values: &[String]) -> Subjects {
        Subjects::from_rows(values.iter().map(|v| vec![v.clone()]))
    }

    /// These subjects without their names: each keeps its place, with its emails, GUIDs, phone
    /// numbers and other values only. `None` when no subject has any of those.
    pub fn without_names(&self) -> Option<Subjects> {
        let list: Vec<Subject> = self
            .list
            .iter()
            .map(|s| Subject {
                idents: (s.idents.iter())
                    .filter(|i| !matches!(i, Ident::Name(_)))
                    .cloned()
                    .collect(),
            })
            .collect();
        list.iter().any(|s| !s.idents.is_empty()).then(|| Subjects {
            list,
            ..Subjects::default()
        })
    }

    /// One subject per entry, kept in place even when it has no usable value, so that indices
    /// stay those of another list.
    pub fn aligned(rows: Vec<Vec<String>>) -> Subjects {
        Subjects {
            masker: std::sync::OnceLock::new(),
            cell_keys: std::sync::OnceLock::new(),
            numbers_only: std::sync::OnceLock::new(),
            mentions: std::sync::OnceLock::new(),
            warnings: Vec::new(),
            list: rows
                .into_iter()
                .map(|fields| Subject {
                    idents: fields.iter().filter_map(|f| Ident::classify(f)).collect(),
                })
                .collect(),
        }
    }

    fn from_rows(rows: impl IntoIterator<Item = Vec<String>>) -> Subjects {
        Subjects {
            masker: std::sync::OnceLock::new(),
            cell_keys: std::sync::OnceLock::new(),
            numbers_only: std::sync::OnceLock::new(),
            mentions: std::sync::OnceLock::new(),
            warnings: Vec::new(),
            list: rows
                .into_iter()
                .map(|fields| Subject {
                    idents: fields.iter().filter_map(|f| Ident::classify(f)).collect(),
                })
                .filter(|s| !s.idents.is_empty())
                .collect(),
        }
    }

    /// How many subjects there are.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// One line for each column of the subjects file whose values were not all used (a header
    /// this reader does not know, over values that are not identifiers on their own), naming
    /// the column by position and header, never a value. A command prints them as warnings.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Whether every subject is given by email addresses, phone numbers and values with
    /// digits only, so that a text without a digit or an `@` cannot name one: a check of
    /// millions of cells can pass those by.
    pub(crate) fn numbers_and_addresses_only(&self) -> bool {
        *self.numbers_only.get_or_init(|| {
            self.list.iter().flat_map(|s| &s.idents).all(|id| match id {
                Ident::Email(_) | Ident::Phone(_) => true,
                Ident::Exact(x) => x.chars().any(char::is_numeric),
                Ident::Name(_) | Ident::Guid(_) => false,
            })
        })
    }

    /// The subjects (0-based index) that `text` identifies: a cell of an identity column.
    pub fn matching(&self, text: &str) -> Vec<usize> {
        if self.list.is_empty() {
            return Vec::new();
        }
        let norm = normalize(text);
        if norm.is_empty() {
            return Vec::new();
        }
        let cell = Cell::new(&norm);
        self.holding(&norm, false, |id| id.matches(&cell))
    }

    /// The subjects (0-based index) that a whole cell is (see [`Subjects::matching`]) or holds
    /// in a way that stops a run ([`Near::stops_run`]: the name with marks around it, without
    /// its accents): [`Subjects::examine`]'s found and near matches that stop a run, without
    /// the search for typos. For the other rows' cells compared with what the subjects' own
    /// records held: of hundreds of such values, only those whose keys the cell holds are
    /// compared with it (see [`Keys`]).
    pub(crate) fn held_by_cell(&self, text: &str) -> Vec<usize> {
        let norm = normalize(text);
        if self.list.is_empty() || norm.is_empty() {
            return Vec::new();
        }
        let cell = Cell::new(&norm);
        self.holding(&norm, true, |id| {
            id.matches(&cell) || id.near_stopping(&cell).is_some()
        })
    }

    /// The subjects (0-based index) a value of which `holds` of the [`normalize`]d cell `norm`:
    /// with many values, those whose keys the cell holds only (see [`Subjects::candidates`]),
    /// else each.
    fn holding(
        &self,
        norm: &str,
        unaccented_too: bool,
        holds: impl Fn(&Ident) -> bool,
    ) -> Vec<usize> {
        if let Some(values) = self.candidates(norm, unaccented_too) {
            let mut found: Vec<usize> = values
                .into_iter()
                .filter(|&(_, id)| holds(id))
                .map(|(s, _)| s)
                .collect();
            found.dedup();
            return found;
        }
        (0..self.list.len())
            .filter(|&i| self.list[i].idents.iter().any(&holds))
            .collect()
    }

    /// The values a [`normalize`]d cell may be or hold, with their subjects in order (see
    /// [`Keys`]); `None` when the subjects have few values, compared one by one.
    fn candidates(&self, norm: &str, unaccented_too: bool) -> Option<Vec<(usize, &Ident)>> {
        let (keys, owners) = self
            .cell_keys
            .get_or_init(|| {
                let owners: Vec<(usize, usize)> = (self.list.iter().enumerate())
                    .flat_map(|(s, subject)| (0..subject.idents.len()).map(move |i| (s, i)))
                    .collect();
                if owners.len() < FEW_VALUES {
                    return None;
                }
                let keys = Keys::new(self.list.iter().flat_map(|s| &s.idents).map(Ident::keys));
                Some((keys, owners))
            })
            .as_ref()?;
        Some(
            keys.held(&cell_keys(norm, unaccented_too))
                .into_iter()
                .map(|v| {
                    let (s, i) = owners[v];
                    (s, &self.list[s].idents[i])
                })
                .collect(),
        )
    }

    /// The subjects (0-based index) that a fragment of free text found by [`Subjects::regex`]
    /// names: [`Subjects::matching`], and names written without their accents (which the
    /// regex finds too, see [`Near::Unaccented`]).
    pub fn mentioned(&self, fragment: &str) -> Vec<usize> {
        let found = self.matching(fragment);
        if !found.is_empty() {
            return found;
        }
        // Percent-encoded in a link (`Karim%20Al-Farsi`, `karim%40contoso.com`), as the regex
        // finds it.
        if fragment.contains(['%', '+']) {
            let spaced = fragment.replace('+', " ");
            let decoded = percent_encoding::percent_decode_str(&spaced).decode_utf8_lossy();
            if decoded != fragment {
                let found = self.mentioned(&decoded);
                if !found.is_empty() {
                    return found;
                }
            }
        }
        // An email as its owner's personal site's path writes it.
        let lower = fragment.to_ascii_lowercase();
        let mentions = self.mentions.get_or_init(|| Mentions::new(&self.list));
        let sites = mentions.sites.get(&lower).cloned().unwrap_or_default();
        if !sites.is_empty() {
            return sites;
        }
        // An email whose user is a name written as a user name (see `Subjects::regex`), with
        // or without a tag (`karim.al-farsi+x@contoso.com`), is that name's.
        if let Some((user, _)) = fragment.rsplit_once('@') {
            let user = user.split_once('+').map_or(user, |(user, _)| user);
            if !user.is_empty() && !user.contains(|c: char| c == '@' || c.is_whitespace()) {
                let found = self.mentioned(user);
                if !found.is_empty() {
                    return found;
                }
            }
        }
        // A name written as a user name (see `Subjects::regex`) is its words (`karim.a.al-farsi`,
        // `zoe.muller`), maybe without the hyphens and apostrophes of its words
        // (`karim.alfarsi`, `sean.obrien`).
        if fragment.contains(['.', '_']) && !fragment.contains('@') {
            let words = fragment.replace(['.', '_'], " ");
            let found = self.mentioned(&words);
            if !found.is_empty() {
                return found;
            }
            let norm = unmarked(&normalize(&words));
            let orders = name_orders(&norm);
            // Only a subject with a name whose first word is one of theirs can be found.
            let found: Vec<usize> =
                subjects_of(&mentions.unmarked_first_words, first_word_forms(&orders))
                    .into_iter()
                    .filter(|&i| {
                        self.list[i].idents.iter().any(|id| match id {
                            Ident::Name(name) => {
                                let name: Vec<String> = name.iter().map(|w| unmarked(w)).collect();
                                orders.iter().any(|o| name_matches(&name, o))
                                    || unaccented_match(&name, &orders)
                            }
                            _ => false,
                        })
                    })
                    .collect();
            if !found.is_empty() {
                return found;
            }
        }
        // A guest's user name: its email's (see `Subjects::regex`).
        if let Some(at) = lower.find("#ext#") {
            if let Some((local, domain)) = fragment[..at].rsplit_once('_') {
                let found = self.matching(&format!("{local}@{domain}"));
                if !found.is_empty() {
                    return found;
                }
            }
        }
        if !fragment.contains(|c: char| c.is_whitespace() || c == '@') {
            // A numbered user name (`karim.al-farsi2`) is the name's.
            let bare = fragment.trim_end_matches(|c: char| c.is_ascii_digit());
            if !bare.is_empty() && bare.len() < fragment.len() {
                let found = self.mentioned(bare);
                if !found.is_empty() {
                    return found;
                }
            }
            // The first and last names joined, maybe with the hyphen of one as the separator
            // (`karimalfarsi`, `karim-al-farsi`, `karim_al_farsi`): the name's letters.
            let found = self.joined(bare);
            if !found.is_empty() {
                return found;
            }
        }
        let norm = normalize(fragment);
        let orders = name_orders(&norm);
        subjects_of(&mentions.first_words, first_word_forms(&orders))
            .into_iter()
            .filter(|&i| {
                self.list[i].idents.iter().any(|id| match id {
                    Ident::Name(name) => unaccented_match(name, &orders),
                    _ => false,
                })
            })
            .collect()
    }

    /// The subjects whose first and last names (either first), without their accents, are the
    /// letters and digits of `token`, a user name (see [`Subjects::mentioned`]).
    fn joined(&self, token: &str) -> Vec<usize> {
        let mentions = self.mentions.get_or_init(|| Mentions::new(&self.list));
        subjects_of(
            &mentions.joined,
            [false, true].map(|german| joined_letters(token, german)),
        )
    }

    /// [`Subjects::matching`] and [`Subjects::near`] (for every subject) at once, normalizing
    /// `text` once: the subjects it matches, and how it resembles the others.
    pub fn examine(&self, text: &str) -> (Vec<usize>, Vec<(usize, Near)>) {
        if self.list.is_empty() {
            return (Vec::new(), Vec::new());
        }
        let norm = normalize(text);
        if norm.is_empty() {
            return (Vec::new(), Vec::new());
        }
        let cell = Cell::new(&norm);
        let mut matched = Vec::new();
        let mut near = Vec::new();
        for (i, s) in self.list.iter().enumerate() {
            if s.idents.iter().any(|id| id.matches(&cell)) {
                matched.push(i);
            } else if let Some(n) = s.idents.iter().filter_map(|id| id.near(&cell)).min() {
                near.push((i, n));
            }
        }
        (matched, near)
    }

    /// For the subjects in `which` (0-based), how `text` resembles each without matching it.
    pub fn near(&self, which: &[usize], text: &str) -> Vec<(usize, Near)> {
        let norm = normalize(text);
        if norm.is_empty() || which.is_empty() {
            return Vec::new();
        }
        let cell = Cell::new(&norm);
        which
            .iter()
            .filter_map(|&i| {
                let s = self.list.get(i)?;
                if s.idents.iter().any(|id| id.matches(&cell)) {
                    return None;
                }
                s.idents
                    .iter()
                    .filter_map(|id| id.near(&cell))
                    .min()
                    .map(|n| (i, n))
            })
            .collect()
    }

    /// `text` (a message, a report's name of a sheet or column) with each subject it names
    /// written as `subject #N`: a sheet, column or part may be named after a data subject, and
    /// subjects are named by position only. The text as it is when it names none.
    pub fn masked<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let Some(search) = self.masker.get_or_init(|| self.search()) else {
            return Cow::Borrowed(text);
        };
        let prepared = prepare(text);
        let found = search.find(&prepared).unwrap_or_default();
        if found.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut masked = String::with_capacity(prepared.len());
        let mut last = 0;
        for m in found {
            masked.push_str(&prepared[last..m.start]);
            match self.mentioned(&prepared[m.clone()]).first() {
                Some(i) => masked.push_str(&format!("subject #{}", i + 1)),
                None => masked.push_str("a subject"),
            }
            last = m.end;
        }
        masked.push_str(&prepared[last..]);
        Cow::Owned(masked)
    }

    /// Whether `text` (a sheet's name, a header) names a subject, whole ([`Subjects::masked`]
    /// would mask it) or by one word of a name of two letters or more, with or without its
    /// accents (`Al-Farsi phone`): a name a message or report must not repeat, though it
    /// cannot tell which subject it is.
    pub fn named_in(&self, text: &str) -> bool {
        if self.list.is_empty() {
            return false;
        }
        if matches!(self.masked(text), Cow::Owned(_)) {
            return true;
        }
        let norm = normalize(text);
        let plain = unaccented(&norm, false);
        // A possessive is the name's (`Müller's sheet`).
        let held: Vec<&str> = words(&norm)
            .into_iter()
            .chain(words(&plain))
            .map(|w| w.strip_suffix("'s").unwrap_or(w))
            .collect();
        self.list
            .iter()
            .flat_map(|s| &s.idents)
            .filter_map(|id| match id {
                Ident::Name(n) => Some(n.iter()),
                _ => None,
            })
            .flatten()
            .filter(|w| w.chars().filter(|c| c.is_alphanumeric()).count() >= 2)
            .any(|w| {
                let w_plain = unaccented(w, false);
                held.iter().any(|h| *h == w || *h == w_plain)
            })
    }

    /// A case-insensitive regex for the subjects in free text: each name in its three forms
    /// (with the subject's middle names or initials), each email, GUID and other value as it
    /// is. Search [`prepare`]d text with it. `None` without subjects.
    pub fn regex(&self) -> Option<Regex> {
        regex_of(self.list.iter().flat_map(|s| &s.idents))
    }

    /// [`Subjects::regex`], and what passes a text by before it, or narrows it to the values
    /// the text may hold (see [`Search`]). `None` without subjects.
    pub(crate) fn search(&self) -> Option<Search> {
        let idents: Vec<Ident> = self.list.iter().flat_map(|s| &s.idents).cloned().collect();
        if idents.is_empty() {
            return None;
        }
        Some(Search {
            keys: Keys::new(idents.iter().map(Ident::keys)),
            regexes: idents.iter().map(|_| std::sync::OnceLock::new()).collect(),
            idents,
        })
    }

    /// Load the subjects from `--subject` values and an optional `--subjects` file.
    ///
    /// A file ending in `.csv` is read as a CSV (comma, semicolon or tab; UTF-8 with or without
    /// BOM, UTF-16, Windows-1252), one subject per row; a header row such as `name,email,guid`
    /// (or `First Name;Last Name;Email`) is recognized and skipped, and first and last name
    /// columns are joined. A column whose header is not known gives the values that identify
    /// a person on their own; one whose values do not is told in [`Subjects::warnings`]. Any
    /// other file holds one value per line.
    ///
    /// # Errors
    /// A one-line message naming the file when it cannot be read or parsed.
    pub fn load(values: &[String], file: Option<&Path>) -> Result<Subjects, String> {
        // An empty subject (an empty shell variable) matches nobody; left out, the run would
        // have no subject, and scrub every row.
        if let Some(n) = values.iter().position(|v| v.trim().is_empty()) {
            return Err(format!(
                "--subject #{} is empty; give the subject's name, email or record id (without any subject, every row is scrubbed)",
                n + 1
            ));
        }
        let mut rows: Vec<Vec<String>> = values.iter().map(|v| vec![v.clone()]).collect();
        let mut unused = Vec::new();
        if let Some(path) = file {
            let bytes = std::fs::read(path).map_err(|e| {
                format!(
                    "cannot read the subjects file '{}' ({})",
                    path.display(),
                    e.kind()
                )
            })?;
            let bad = |p: crate::error::Problem| {
                format!(
                    "the subjects file '{}' cannot be read: {p}; save it as CSV UTF-8",
                    path.display()
                )
            };
            let is_csv = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
            let before = rows.len();
            if is_csv {
                let read = file_rows(crate::dialect::records(&bytes).map_err(bad)?);
                rows.extend(read.rows);
                unused = read.unused;
            } else {
                let text = crate::dialect::text(&bytes).map_err(bad)?;
                rows.extend(text.lines().map(|l| vec![l.to_string()]));
            }
            if Subjects::from_rows(rows[before..].to_vec()).is_empty() {
                return Err(format!(
                    "the subjects file '{}' holds no subject; put one subject per line (without any subject, every row is scrubbed)",
                    path.display()
                ));
            }
        }
        let mut subjects = Subjects::from_rows(rows);
        if let Some(path) = file {
            // A header may be named after a subject: it is masked as any message is.
            subjects.warnings = unused
                .iter()
                .map(|(i, header, n)| {
                    let header = if header.is_empty() {
                        "no header".to_string()
                    } else {
                        format!("'{}'", subjects.masked(header))
                    };
                    format!(
                        "the subjects file '{}': column {} ({header}) was not used in {n} row(s): its header is not one dsr-scrub knows and those values are not an email, phone number, record GUID, DOMAIN\\user name or a person's name; if they identify the subject, put them in a column headed Email, Phone, User Name or Name",
                        path.display(),
                        i + 1,
                    )
                })
                .collect();
        }
        Ok(subjects)
    }
}

/// What a subjects file's header names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A column of the person's identifiers (a name, an email, a phone number, a user name, a
    /// record GUID): every value is used.
    Value,
    First,
    Last,
    /// A column known not to identify the person (a department, a job title, a date) or to
    /// identify someone else (the manager): not a value.
    Other,
    /// A header this reader does not know: a value is used when it is an identifier on its
    /// own (see [`identifies`]), and one that is not is said (see [`FileRows::unused`]).
    Unknown,
}

/// Headers of columns that hold the person's identifiers, besides any that names an email or
/// phone number (see [`role`]).
const VALUE_HEADERS: &[&str] = &[
    "name",
    "full name",
    "fullname",
    "display name",
    "displayname",
    "owner",
    "subject",
    "person",
    "email address",
    "e mail address",
    "e mail adresse",
    "adresse e mail",
    "adresse mail",
    "correo electrónico",
    "e mailadres",
    "e mail adres",
    "indirizzo email",
    "upn",
    "userprincipalname",
    "user principal name",
    "user name",
    "username",
    "user",
    "benutzername",
    "benutzer",
    "nom d'utilisateur",
    "utilisateur",
    "nombre de usuario",
    "usuario",
    "domainname",
    "domain name",
    "login",
    "login name",
    "logon",
    "logon name",
    "sign in name",
    "anmeldename",
    "account",
    "account name",
    "samaccountname",
    "sam account name",
    "onpremisessamaccountname",
    "alias",
    "mailnickname",
    "mail nickname",
    "internalemailaddress",
    "guid",
    "id",
    "record id",
    "user id",
    "systemuserid",
    "object id",
    "objectid",
    "employee id",
    "employeeid",
    "employee number",
    "personnel number",
    "personalnummer",
    "nom complet",
    "nombre completo",
    "nome completo",
    "volledige naam",
];

/// Words of a header that make it a column of the person's email addresses or phone numbers
/// (`Personal Email`, `Email 2`, `Mail privat`, `SMTP`, `Mobile Phone`, `Telefon geschäftlich`).
const CONTACT_WORDS: &[&str] = &[
    "email",
    "emails",
    "mail",
    "mails",
    "smtp",
    "courriel",
    "correo",
    "phone",
    "phones",
    "telephone",
    "téléphone",
    "telefon",
    "telefono",
    "teléfono",
    "telefoon",
    "tel",
    "mobile",
    "mobil",
    "mobiel",
    "móvil",
    "movil",
    "handy",
    "cell",
    "cellphone",
    "portable",
    "celular",
    "cellulare",
];

/// Words of a header that make it a column about someone else (`Manager Email`): not the
/// person's values, whatever they are.
const OTHER_PERSON_WORDS: &[&str] = &[
    "manager",
    "supervisor",
    "assistant",
    "approver",
    "requester",
    "requestor",
    "reviewer",
    "delegate",
    "vorgesetzter",
    "vorgesetzte",
];

/// Headers of columns known not to identify the person: ignored without a word.
const OTHER_HEADERS: &[&str] = &[
    "title",
    "job title",
    "jobtitle",
    "position",
    "role",
    "department",
    "abteilung",
    "département",
    "service",
    "departamento",
    "dipartimento",
    "reparto",
    "afdeling",
    "company",
    "company name",
    "companyname",
    "firma",
    "unternehmen",
    "société",
    "entreprise",
    "empresa",
    "azienda",
    "bedrijf",
    "business unit",
    "businessunit",
    "office",
    "office location",
    "physicaldeliveryofficename",
    "city",
    "stadt",
    "ort",
    "ville",
    "ciudad",
    "città",
    "country",
    "land",
    "pays",
    "país",
    "paese",
    "state",
    "usagelocation",
    "usage location",
    "usertype",
    "user type",
    "accountenabled",
    "account enabled",
    "creationtype",
    "creation type",
    "directorysynced",
    "identityissuer",
    "invitationstate",
    "agegroup",
    "consentprovidedforminor",
    "legalagegroupclassification",
    "createddatetime",
    "created",
    "created on",
    "date",
    "datum",
    "fecha",
    "reason",
    "ticket",
    "ticket number",
    "case",
    "request",
    "request id",
];

/// What a subjects file's header says a column holds: English, German, French, Spanish,
/// Italian, Dutch and Portuguese names, and those of Microsoft Entra ID's user export
/// (`givenName`, `surname`, `mail`, `userPrincipalName`, `jobTitle`...).
fn role(header: &str) -> Role {
    let h = normalize(header).replace(['_', '-'], " ");
    let h = h.trim();
    const FIRST: &[&str] = &[
        "first name",
        "firstname",
        "given name",
        "givenname",
        "vorname",
        "prénom",
        "nombre",
        "nome",
        "voornaam",
    ];
    const LAST: &[&str] = &[
        "last name",
        "lastname",
        "surname",
        "family name",
        "sn",
        "nachname",
        "nom",
        "nom de famille",
        "apellido",
        "apellidos",
        "cognome",
        "achternaam",
        "sobrenome",
    ];
    let words: Vec<&str> = h
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if FIRST.contains(&h) {
        Role::First
    } else if LAST.contains(&h) {
        Role::Last
    } else if OTHER_HEADERS.contains(&h) || words.iter().any(|w| OTHER_PERSON_WORDS.contains(w)) {
        Role::Other
    } else if VALUE_HEADERS.contains(&h) || words.iter().any(|w| CONTACT_WORDS.contains(w)) {
        Role::Value
    } else {
        Role::Unknown
    }
}

/// Whether a column of a person's record holds values that identify the person wherever they
/// stand, by its header: email addresses, phone numbers, user and sign-in names, identifiers
/// (`Email 2`, `Mobile Phone`, `Mobiltelefon`, `User Name`, `Windows Live ID`, `Employee`), not
/// a city, a title, a postal code or someone else's (see [`role`]).
pub(crate) fn holds_identifiers(header: &str) -> bool {
    const PARTS: &[&str] = &["phone", "telef", "mobil", "fax", "pager", "mail"];
    const WORDS: &[&str] = &[
        "id",
        "ids",
        "identifier",
        "employee",
        "personnel",
        "government",
        "passport",
        "badge",
        "upn",
        "login",
        "logon",
    ];
    let h = normalize(header).replace(['_', '-'], " ");
    match role(header) {
        Role::Value => true,
        Role::Other | Role::First | Role::Last => false,
        Role::Unknown => {
            PARTS.iter().any(|p| h.contains(p))
                || h.split(|c: char| !c.is_alphanumeric())
                    .any(|w| WORDS.contains(&w))
        }
    }
}

/// Whether a value of a column whose header is not known identifies a person on its own: an
/// email address, a record GUID, a phone number, a `DOMAIN\user` sign-in name, or a person's
/// name (two to five capitalized words of letters). A department ("Sales"), a flag ("True"),
/// a note ("left in 2024") does not, and is not made a subject's value.
fn identifies(value: &str) -> bool {
    let value = value.trim();
    let norm = normalize(value);
    let mail = norm.strip_prefix("mailto:").unwrap_or(&norm);
    if is_email(mail) || guid(&norm).is_some() || Phone::parse(&norm).is_some() {
        return true;
    }
    if let Some((domain, user)) = norm.split_once('\\') {
        let part =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || ".-_".contains(c));
        return part(domain) && part(user) && !norm.contains(' ');
    }
    let words: Vec<&str> = value.split_whitespace().collect();
    (2..=5).contains(&words.len())
        && words.iter().all(|w| {
            w.chars().next().is_some_and(char::is_uppercase)
                && w.chars()
                    .all(|c| c.is_alphabetic() || matches!(c, '\'' | '’' | '-' | '.' | ','))
        })
}

/// Whether a field reads as data rather than a column's name: an address, a GUID, digits.
fn looks_like_data(field: &str) -> bool {
    let norm = normalize(field);
    is_email(&norm) || guid(&norm).is_some() || norm.bytes().filter(u8::is_ascii_digit).count() >= 3
}

/// A subjects CSV read as subjects' values (see [`file_rows`]).
#[derive(Debug, Default)]
struct FileRows {
    /// Each row's values.
    rows: Vec<Vec<String>>,
    /// The columns of an unknown header whose values were not all used: (0-based position,
    /// header, how many rows' values were not).
    unused: Vec<(usize, String, usize)>,
}

/// A subjects CSV's rows as subjects' values: a header row (one that names a column of
/// identifiers this reader knows, and holds no data) is dropped, and first and last names are
/// joined. The columns it knows not to identify the person (a department, a job title, the
/// manager) are not values; a column whose header it does not know gives each value that is
/// an identifier on its own (an email, a phone number, a GUID, a name, see [`identifies`]),
/// and the others are told in [`FileRows::unused`]. Without a header, the one-word fields of
/// a row standing together are one name ("Karim;Al-Farsi;karim@contoso.com" is "Karim
/// Al-Farsi" and the address), as a first name alone would be anyone's.
fn file_rows(records: Vec<Vec<String>>) -> FileRows {
    let mut records = records.into_iter();
    let Some(first) = records.next() else {
        return FileRows::default();
    };
    let header = first
        .iter()
        .any(|f| matches!(role(f), Role::Value | Role::First | Role::Last))
        && !first.iter().any(|f| looks_like_data(f));
    if !header {
        return FileRows {
            rows: std::iter::once(first)
                .chain(records)
                .map(|record| join_name_words(&record))
                .collect(),
            unused: Vec::new(),
        };
    }
    let roles: Vec<Role> = first.iter().map(|f| role(f)).collect();
    let mut unused: Vec<usize> = vec![0; roles.len()];
    let rows = records
        .map(|record| {
            let field = |role: Role| {
                record
                    .iter()
                    .zip(&roles)
                    .filter(|(_, r)| **r == role)
                    .map(|(f, _)| f.trim())
                    .filter(|f| !f.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let mut values: Vec<String> = Vec::new();
            for (i, f) in record.iter().enumerate() {
                // A field beyond the header's columns is one of an unknown header.
                match roles.get(i).copied().unwrap_or(Role::Unknown) {
                    Role::Value => values.push(f.clone()),
                    Role::Unknown if f.trim().is_empty() => {}
                    Role::Unknown if identifies(f) => values.push(f.clone()),
                    Role::Unknown => {
                        if unused.len() <= i {
                            unused.resize(i + 1, 0);
                        }
                        unused[i] += 1;
                    }
                    Role::First | Role::Last | Role::Other => {}
                }
            }
            let name = format!("{} {}", field(Role::First), field(Role::Last));
            values.push(name);
            values
        })
        .collect();
    FileRows {
        rows,
        unused: unused
            .into_iter()
            .enumerate()
            .filter(|&(_, n)| n > 0)
            .map(|(i, n)| (i, first.get(i).map_or("", |h| h.trim()).to_string(), n))
            .collect(),
    }
}

/// A headerless subjects row with the one-word fields that stand together joined into one
/// name; a row of one field as it is.
fn join_name_words(record: &[String]) -> Vec<String> {
    let fields: Vec<&str> = record
        .iter()
        .map(|f| f.trim())
        .filter(|f| !f.is_empty())
        .collect();
    if fields.len() < 2 {
        return fields.into_iter().map(str::to_string).collect();
    }
    let one_word = |f: &str| {
        !f.contains(char::is_whitespace)
            && f.chars().any(char::is_alphabetic)
            && f.chars()
                .all(|c| c.is_alphabetic() || matches!(c, '\'' | '’' | '-' | '.'))
    };
    let mut out: Vec<String> = Vec::new();
    let mut name: Vec<&str> = Vec::new();
    for field in fields {
        if one_word(field) {
            name.push(field);
            continue;
        }
        if !name.is_empty() {
            out.push(std::mem::take(&mut name).join(" "));
        }
        out.push(field.to_string());
    }
    if !name.is_empty() {
        out.push(name.join(" "));
    }
    out
}

/// Whether `a` and `b` may be two edits apart or fewer: a bound that the Damerau-Levenshtein
/// distance never beats, read from the characters alone, so that the cells of a large export,
/// nearly none of them near a subject, cost no distance each. An edit (an insertion, a
/// deletion, a substitution or a swap of neighbours) changes the counts of at most two
/// characters by one each, so two texts whose counts differ by more than 4 in all are more
/// than two edits apart.
fn within_two_edits(a: &str, b: &str) -> bool {
    const MOST: u32 = 4;
    // ASCII characters counted in place; the others (a name's few accented letters) kept
    // aside, without allocating, up to `ASIDE` of them in each text.
    const ASIDE: usize = 32;
    let mut counts = [0i32; 128];
    let (mut aside_a, mut aside_b) = (['\0'; ASIDE], ['\0'; ASIDE]);
    let (mut in_a, mut in_b) = (0, 0);
    for (text, aside, kept, by) in [
        (a, &mut aside_a, &mut in_a, 1),
        (b, &mut aside_b, &mut in_b, -1),
    ] {
        for c in text.chars() {
            if c.is_ascii() {
                counts[c as usize] += by;
            } else if *kept < ASIDE {
                aside[*kept] = c;
                *kept += 1;
            } else {
                return bag_apart(a, b) <= MOST;
            }
        }
    }
    let ascii: u32 = counts.iter().map(|c| c.unsigned_abs()).sum();
    if ascii > MOST {
        return false;
    }
    let (aside_a, aside_b) = (&mut aside_a[..in_a], &mut aside_b[..in_b]);
    aside_a.sort_unstable();
    aside_b.sort_unstable();
    ascii + sorted_apart(aside_a, aside_b) <= MOST
}

/// How many characters of `a` are not matched in `b` and of `b` not in `a`, each character
/// matched once (the texts' counts of each character apart, in all).
fn bag_apart(a: &str, b: &str) -> u32 {
    let (mut a, mut b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    a.sort_unstable();
    b.sort_unstable();
    sorted_apart(&a, &b)
}

/// [`bag_apart`] of two sorted lists of characters.
fn sorted_apart(a: &[char], b: &[char]) -> u32 {
    let (mut i, mut j, mut apart) = (0, 0, 0u32);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Equal => (i, j) = (i + 1, j + 1),
            std::cmp::Ordering::Less => (i, apart) = (i + 1, apart + 1),
            std::cmp::Ordering::Greater => (j, apart) = (j + 1, apart + 1),
        }
    }
    apart + (a.len() - i + b.len() - j) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bound on edits never refuses what the distance finds within two edits, ASCII or
    /// not, and refuses texts far apart.
    #[test]
    fn the_bound_on_edits_keeps_every_text_two_edits_away() {
        let names = [
            "karim al-farsi",
            "karim al farsi",
            "kraim al-farsi",
            "karim al-farsy",
            "karin al-fars",
            "zoë müller",
            "zoe muller",
            "zoë mûller",
            "さくら 五十嵐",
            "さくら 五十",
            "ca",
            "abc",
            "jane doe",
            "john smith",
            "",
            // More letters than are kept aside without allocating.
            "ąęłńóśźżćąęłńóśźżćąęłńóśźżćąęłńóśźżć",
            "ąęłńóśźżćąęłńóśźżćąęłńóśźżćąęłńóśźż",
        ];
        for a in names {
            for b in names {
                if strsim::damerau_levenshtein(a, b) <= 2 {
                    assert!(within_two_edits(a, b), "{a} / {b}");
                }
                // The counts kept apart for ASCII are the characters' counts of all.
                assert_eq!(within_two_edits(a, b), bag_apart(a, b) <= 4, "{a} / {b}");
            }
        }
        assert!(!within_two_edits("jane doe", "john smith"));
        assert!(!within_two_edits("zoë müller", "さくら 五十嵐"));
    }

    fn subjects(values: &[&str]) -> Subjects {
        Subjects::from_values(&values.iter().map(|v| v.to_string()).collect::<Vec<_>>())
    }

    /// A sheet's name or a header names a subject whole or by a word of the name, with or
    /// without accents; a word of one letter (an initial) or a word inside another is none.
    #[test]
    fn a_name_word_is_named_in_a_sheet_name() {
        let s = subjects(&["Karim Al-Farsi", "Zoë J. Müller", "jo@contoso.com"]);
        for named in [
            "Karim Al-Farsi",
            "AL-FARSI",
            "Al-Farsi phone",
            "(Karim)",
            "Zoe",
            "Müller's sheet",
            "Approved by jo@contoso.com",
        ] {
            assert!(s.named_in(named), "{named}");
        }
        for not in [
            "Disabled Users",
            "Phone",
            "Farsi",
            "J",
            "Karimov",
            "Muller2",
        ] {
            assert!(!s.named_in(not), "{not}");
        }
        assert!(!Subjects::default().named_in("Karim Al-Farsi"));
    }

    #[test]
    fn every_name_form_matches() {
        let s = subjects(&["Jane Doe"]);
        for cell in [
            "Jane Doe",
            "Doe, Jane",
            "Doe Jane",
            "JANE  DOE",
            " jane doe ",
            "Jane M. Doe",
            "Jane Mary Doe",
            "Doe, Jane Mary",
            "Doe, Jane M.",
            "Ja\u{200B}ne Doe",
            "Jane\u{00A0}Doe",
        ] {
            assert_eq!(s.matching(cell), [0], "{cell:?}");
        }
        for cell in [
            "Janet Doe",
            "Jane Doerr",
            "Mary-Jane Doe",
            "Doe, Janet",
            "Jane",
            "Doe",
            "John Doe",
            "",
        ] {
            assert!(s.matching(cell).is_empty(), "{cell:?}");
        }
    }

    /// Hundreds of subjects (a bulk erasure) are searched for in free text in one regex.
    #[test]
    fn hundreds_of_subjects_are_one_regex() {
        // Distinct names of letters: "Berg" + "ab", "Müller" + "ba", ...
        let tag = |i: usize| -> String {
            [i / 26 % 26, i % 26]
                .iter()
                .map(|&k| char::from(b'a' + k as u8))
                .collect()
        };
        let values: Vec<String> = (0..300)
            .map(|i| match i % 3 {
                0 => format!("Anna Maria Berg{}", tag(i)),
                1 => format!("Zoë Müller{}", tag(i)),
                _ => format!("anna.berg{i}@contoso.com"),
            })
            .collect();
        let re = Subjects::from_values(&values).regex().expect("a regex");
        assert!(re.is_match(&format!("ask Müller{}, Zoë", tag(298))));
        assert!(re.is_match("mail anna.berg2@contoso.com"));
        assert!(re.is_match(&format!("Anna M. Berg{}", tag(0))));
    }

    /// A subject's record with the name in full-width letters (typed with an East Asian input
    /// method) or a typographic hyphen is the subject's.
    #[test]
    fn full_width_letters_are_the_name() {
        assert_eq!(normalize("Ｋａｒｉｍ　Ａｌ－Ｆａｒｓｉ"), "karim al-farsi");
        let set = subjects(&["Karim Al-Farsi"]);
        assert_eq!(set.matching("Ｋａｒｉｍ Ａｌ－Ｆａｒｓｉ"), vec![0]);
        assert_eq!(set.matching("Karim Al\u{2011}Farsi"), vec![0]);
    }

    /// A text in NFC is read as it is, one that is not is composed first: the same cell
    /// either way, marks, spaces, invisible characters, case and Turkish `İ` as in any text.
    #[test]
    fn a_cell_normalizes_the_same_whether_it_is_in_nfc_or_not() {
        for (text, norm) in [
            ("  Jane \t O`Brien-SMITH ", "jane o'brien-smith"),
            ("Zoë Müller", "zoë müller"),
            ("Zoe\u{0308} Mu\u{0308}ller", "zoë müller"),
            ("İLKAY  Hal\u{AD}vorsen", "ilkay halvorsen"),
            ("Ｋａｒｉｍ\u{200B}", "karim"),
            ("O’Brien", "o'brien"),
        ] {
            assert_eq!(normalize(text), norm, "{text:?}");
            let composed: String = text.nfc().collect();
            assert_eq!(normalize(&composed), norm, "{text:?} in NFC");
        }
    }

    #[test]
    fn nfc_and_nfd_are_one_name() {
        let nfd = "Zoe\u{0308} Mu\u{0308}ller";
        assert_eq!(subjects(&["Zoë Müller"]).matching(nfd), [0]);
        assert_eq!(subjects(&[nfd]).matching("MÜLLER, ZOË"), [0]);
        assert!(subjects(&["Zoë Müller"]).matching("Zoe Muller").is_empty());
    }

    #[test]
    fn middle_names_must_agree_when_both_have_them() {
        let s = subjects(&["Jane Mary Doe"]);
        assert_eq!(s.matching("Jane Doe"), [0]);
        assert_eq!(s.matching("Jane M Doe"), [0]);
        assert!(s.matching("Jane Ann Doe").is_empty());
        assert_eq!(subjects(&["Doe, Jane"]).matching("Jane Doe"), [0]);
    }

    #[test]
    fn emails_guids_and_exact_values() {
        let s = subjects(&[
            "Jane.Doe@Contoso.com",
            "{3217A7C8-1AB4-EB11-8236-000D3AFF3315}",
            "CONTOSO\\jdoe",
        ]);
        assert_eq!(s.matching("jane.doe@contoso.com"), [0]);
        assert_eq!(s.matching("mailto:JANE.DOE@contoso.com"), [0]);
        assert_eq!(s.matching("a@x.example; jane.doe@contoso.com"), [0]);
        assert!(s.matching("xjane.doe@contoso.com").is_empty());
        assert_eq!(s.matching("3217a7c8-1ab4-eb11-8236-000d3aff3315"), [1]);
        assert_eq!(s.matching("{3217a7c8-1ab4-eb11-8236-000d3aff3315}"), [1]);
        assert_eq!(s.matching("contoso\\JDOE"), [2]);
    }

    #[test]
    fn a_phone_number_matches_in_its_other_formats() {
        let s = subjects(&["+49 30 1234567", "(425) 555-0147"]);
        for same in [
            "+49301234567",
            "0049-30-1234567",
            "+49 (0)30 123 45 67",
            "030 1234567",
            "(030) 123-4567",
            "030/1234567",
        ] {
            assert_eq!(s.matching(same), [0], "{same}");
        }
        for other in [
            "+49 30 1234568",
            "+49 30 12345670",
            "040 1234567",
            "1234567",
        ] {
            assert!(s.matching(other).is_empty(), "{other}");
        }
        assert_eq!(s.matching("+1 425 555 0147"), [1]);
        assert_eq!(s.matching("425.555.0147"), [1]);
        assert!(s.examine("+49 30 1234566").1.is_empty(), "no near phone");
        // In free text, in any of those formats, and not inside a longer number.
        let re = s.regex().unwrap();
        for text in [
            "call 030 123 45 67 today",
            "Tel. +49-30-1234567.",
            "mobile (030) 1234567",
            "US: +1 (425) 555-0147",
        ] {
            let found = re.find(text).map(|m| m.as_str()).unwrap_or_default();
            assert!(!s.mentioned(found).is_empty(), "{text}: {found:?}");
        }
        let found = re.find("040 1234567").map(|m| m.as_str());
        assert!(found.is_none_or(|f| s.mentioned(f).is_empty()), "{found:?}");
    }

    #[test]
    fn near_matches_find_typos_and_reorderings() {
        let s = subjects(&[
            "Jane Deo",
            "Mary Jane Doe",
            "{3217a7c8-1ab4-eb11-8236-000d3aff3316}",
        ]);
        assert_eq!(s.near(&[0], "Jane Doe"), [(0, Near::OneEdit)]);
        assert_eq!(s.near(&[0], "Doe, Jane Mary"), [(0, Near::OneEdit)]);
        assert_eq!(s.near(&[1], "Jane Mary Doe"), [(1, Near::Reordered)]);
        assert_eq!(
            s.near(&[2], "3217a7c8-1ab4-eb11-8236-000d3aff3315"),
            [(2, Near::OneEdit)]
        );
        assert!(s.near(&[0], "Aoife Byrne").is_empty());
    }

    #[test]
    fn a_column_of_identifiers_is_told_by_its_header() {
        for header in [
            "Primary Email",
            "Email 2",
            "Main Phone",
            "Mobile Phone",
            "Mobiltelefon",
            "Address 1: Fax",
            "User Name",
            "Windows Live ID",
            "Employee",
            "Government",
            "Yammer User ID",
        ] {
            assert!(holds_identifiers(header), "{header}");
        }
        for header in [
            "City",
            "Business Unit",
            "Job Title",
            "ZIP/Postal Code",
            "Street 1",
            "Address 1: Latitude",
            "Manager",
            "Manager Email",
            "Description",
        ] {
            assert!(!holds_identifiers(header), "{header}");
        }
    }

    #[test]
    fn a_name_with_more_around_it_is_near_and_a_longer_name_is_not() {
        let s = subjects(&["Zoë Müller", "Jane M. Doe"]);
        for cell in [
            "Zoë Müller (Disabled)",
            "zz Zoë Müller",
            "Dr. Zoë Müller",
            "Zoë Müller (left 2024)",
            "Zoë Müller - left",
            "Zoë Müller Jr.",
            // Marks glued to the name by punctuation.
            "DISABLED: Zoë Müller",
            "old:Zoë Müller",
            "zz_Zoë Müller",
            "zz-Zoë Müller",
            "zz.Zoë Müller",
            "Zoë Müller2",
            "Zoë Müller_2",
            "Zoë Müller_old",
            "Zoë Müller-old",
            "~Zoë Müller",
            "*Zoë Müller*",
            "Zoë Müller;",
            "Zoë Müller - Copy",
            // Honorifics besides Dr. and Mr.
            "Sir Zoë Müller",
            "Dame Zoë Müller",
            "Herr Zoë Müller",
            "Mme Zoë Müller",
        ] {
            let near = s.near(&[0, 1], cell);
            assert!(near.iter().any(|&(_, n)| n == Near::Inside), "{cell}");
        }
        assert_eq!(s.near(&[1], "Jane M. Doe (old)"), [(1, Near::Inside)]);
        // A hyphenated name with a number or a mark glued to it.
        let hyphenated = subjects(&["Karim Al-Farsi"]);
        for cell in ["Karim Al-Farsi2", "Karim Al-Farsi-old", "ex-Karim Al-Farsi"] {
            assert_eq!(hyphenated.near(&[0], cell), [(0, Near::Inside)], "{cell}");
        }
        assert!(hyphenated.near(&[0], "Karim Al-Farsi-Haddad").is_empty());
        for cell in [
            "Zoë Müller-Schmidt",
            "Zoë Müller's team",
            "Anna Zoë Müllerova",
            "Müller",
            // Another name around it: another person as likely as not.
            "Chloé Zoë Müller",
            "Zoë Müller Schmidt",
            "Zoë Müller, Jane Doe",
        ] {
            assert!(s.near(&[0], cell).is_empty(), "{cell}");
        }
        // A Japanese name written without its space, in either order; not a longer name.
        let japanese = subjects(&["山本 葵"]);
        for cell in ["山本葵", "葵山本"] {
            assert_eq!(japanese.near(&[0], cell), [(0, Near::Inside)], "{cell}");
        }
        for cell in ["山本葵子", "山本"] {
            assert!(
                !japanese.near(&[0], cell).contains(&(0, Near::Inside)),
                "{cell}"
            );
        }
        // The whole cell is a match, not a near one (after a comma, more words are middle
        // names to the matcher).
        assert_eq!(s.matching("Müller, Zoë"), [0]);
        assert_eq!(s.matching("Müller, Zoë (left 2024)"), [0]);
    }

    #[test]
    fn free_text_regex_finds_every_form_and_not_look_alikes() {
        let re = subjects(&["Jane Doe", "jane@contoso.com"]).regex().unwrap();
        for text in [
            "Approved by Jane Doe today",
            "owner: Doe, Jane",
            "DOE JANE",
            "Jane M. Doe",
            "mail jane@contoso.com",
        ] {
            assert!(re.is_match(&prepare(text)), "{text}");
        }
        // The name as a whole, in every form, also when a word follows it (an initial must
        // not take the next word's first letter).
        let re = subjects(&["Jane Mary Doe"]).regex().unwrap();
        for (text, name) in [
            ("ask Doe, Jane about it", "Doe, Jane"),
            ("ask Doe Jane about it", "Doe Jane"),
            ("ask Doe, Jane M. about it", "Doe, Jane M."),
            ("ask Doe, Jane Mary about it", "Doe, Jane Mary"),
            ("ask Jane M Doe about it", "Jane M Doe"),
        ] {
            assert_eq!(re.find(text).map(|m| m.as_str()), Some(name), "{text}");
        }
        assert!(!re.is_match("Janet Doerr"));
        // A subject without middle names, with one in the text; not a lowercase word between.
        let set = subjects(&["Karim Al-Farsi"]);
        let re = set.regex().unwrap();
        let found = re.find("ask Karim Ahmed Al-Farsi now").map(|m| m.as_str());
        assert_eq!(found, Some("Karim Ahmed Al-Farsi"));
        assert_eq!(set.mentioned(found.unwrap()), [0]);
        assert!(!re.is_match("Karim and Al-Farsi"));
        assert_eq!(prepare("Ja\u{200B}ne"), "Jane");
        // A name with accents, typed without them (and German umlauts as two letters).
        let set = subjects(&["Zoë Strauß-Müller"]);
        let re = set.regex().unwrap();
        for text in [
            "ask Zoë Strauß-Müller",
            "ask Zoe Strauss-Muller",
            "ask ZOE STRAUSS-MUELLER",
            "ask Strauss-Mueller, Zoë",
        ] {
            let found = re.find(&prepare(text)).map(|m| m.as_str().to_string());
            assert_eq!(found.as_deref(), text.strip_prefix("ask "), "{text}");
            assert_eq!(set.mentioned(found.as_deref().unwrap()), [0], "{text}");
        }
        for text in ["Zoey Strauss-Muller", "Zoe Strauss", "Zoa Strauss-Muller"] {
            assert!(!re.is_match(text), "{text}");
        }
        // Turkish dotted and dotless i in any case, and letters that do not decompose.
        for (subject, texts) in [
            (
                "İlkay Gündoğan",
                &["İlkay Gündoğan", "ILKAY GÜNDOĞAN", "Ilkay Gundogan"][..],
            ),
            (
                "Yıldız Kaya",
                &["YILDIZ KAYA", "Yildiz Kaya", "Kaya, Yıldız"][..],
            ),
            ("Łukasz Wałęsa", &["Lukasz Walesa", "Lukasz Wałęsa"][..]),
            ("Søren Ødegård", &["Soren Odegard", "Soeren Oedegaard"][..]),
        ] {
            let set = subjects(&[subject]);
            let re = set.regex().unwrap();
            for text in texts {
                let found = re.find(&prepare(text)).map(|m| m.as_str().to_string());
                assert_eq!(found.as_deref(), Some(*text), "{subject}: {text}");
                assert_eq!(set.mentioned(text), [0], "{subject}: {text}");
            }
        }
    }

    /// Many values: the subjects' regex searches a text with the values whose keys it holds
    /// only, and finds there what the regex of all finds; a cell is compared with those
    /// values only, and is found to be or hold what the comparison with each finds.
    #[test]
    fn keys_pass_by_no_text_the_whole_search_finds_a_subject_in() {
        let set = subjects(&[
            "Jane Mary Doe",
            "Karim Al-Farsi",
            "Zoë Strauß-Müller",
            "Sean O'Brien",
            "İlkay Gündoğan",
            "Søren Ødegård",
            "Zoe Mueller",
            "karim.al-farsi@contoso.com",
            "+49 89 14642946",
            "089 1234567",
            "19383802-6e3a-eb11-9653-000d3ac0d8a1",
            "CONTOSO\\kalfarsi",
            "000673",
        ]);
        let all = set.regex().expect("a regex");
        let search = set.search().expect("a search");
        assert!(search.keys.always.is_empty(), "every value has keys");
        let found = |re: &Regex, text: &str| -> Vec<String> {
            re.find_iter(text).map(|m| m.as_str().to_string()).collect()
        };
        let named = [
            "Approved by Jane Doe today",
            "owner: Doe, Jane",
            "ask Doe, Jane Mary about it",
            "DOE JANE M.",
            "ask Karim Ahmed Al-Farsi now",
            "karim.alfarsi@fabrikam.com",
            "KarimAlFarsi2",
            "link karim%2Eal-farsi",
            "Karim%20Al-Farsi",
            "karim.al-farsi_contoso.com#EXT#@fabrikam.onmicrosoft.com",
            "https://contoso-my.sharepoint.com/personal/karim_al-farsi_contoso_com/Documents",
            "連絡: Ｋａｒｉｍ　Ａｌ－Ｆａｒｓｉ",
            "From Karim Al\u{2011}Farsi",
            "Kar\u{200B}im Al-Farsi",
            "\u{212A}arim Al-Farsi",
            "ask ZOE STRAUSS-MUELLER",
            "Strauss-Mueller, Zoë",
            "Zoe Strauss-Muller",
            "Took over from Sean O’Brien.",
            "\u{17F}ean O'Brien",
            "sean.obrien@fabrikam.com",
            "ILKAY GÜNDOĞAN",
            "Ilkay Gundogan",
            "Soeren Oedegaard",
            "Soren Odegard",
            "call 0049 89 14642946",
            "+49 (0)89 1464-2946",
            "089/14642946",
            "(089) 123 4567",
            "+49 89 1234567",
            "{19383802-6E3A-EB11-9653-000D3AC0D8A1}",
            "CONTOSO\\kalfarsi",
            "E-000673",
        ];
        let unnamed = [
            "Amman",
            "Service Desk Agent",
            "Janet Doerr",
            "Karim and Al-Farsi",
            "+962 6 555 0100",
            "31.954769",
            "",
        ];
        for text in named.iter().chain(&unnamed) {
            let prepared = prepare(text);
            let whole = found(&all, &prepared);
            let narrowed: Vec<String> = search
                .find(&prepared)
                .unwrap_or_default()
                .into_iter()
                .map(|m| prepared[m].to_string())
                .collect();
            assert_eq!(narrowed, whole, "{text}");
            assert_eq!(whole.is_empty(), !named.contains(text), "{text}: {whole:?}");
        }
        for text in ["Amman", "Service Desk Agent", "+962 6 555 0100"] {
            assert!(search.find(text).is_none(), "{text} is passed by");
        }
        // Whole cells: the values whose keys a cell holds are all it can be or hold.
        let one_by_one = |text: &str, near: bool| -> Vec<usize> {
            let norm = normalize(text);
            let cell = Cell::new(&norm);
            (0..set.list.len())
                .filter(|&i| {
                    set.list[i].idents.iter().any(|id| {
                        id.matches(&cell)
                            || (near && id.near_stopping(&cell).is_some_and(Near::stops_run))
                    })
                })
                .collect()
        };
        let mut some = 0;
        for text in [
            "Jane Doe",
            "Doe, Jane",
            "JANE M DOE",
            "zz Jane Doe (old)",
            "KARIM.AL-FARSI@CONTOSO.COM",
            "+49 (0)89 14642946",
            "0049 89 14642946",
            "089 14642946",
            "0049 (0)89 123 4567",
            "{19383802-6E3A-EB11-9653-000D3AC0D8A1}",
            "contoso\\KALFARSI",
            "000673",
            "ZOË STRAUSS-MÜLLER",
            "Zoe Strauss-Mueller",
            "Zoë Müller",
            "Ilkay Gundogan",
            "Soeren Oedegaard",
            "Amman",
            "Karim Al-Farsa",
        ] {
            assert_eq!(set.matching(text), one_by_one(text, false), "{text}");
            assert_eq!(set.held_by_cell(text), one_by_one(text, true), "{text}");
            some += usize::from(!set.held_by_cell(text).is_empty());
        }
        assert!(some >= 14, "the cells name subjects: {some}");
        // A name in a script without case has keys of its letters.
        let cjk = subjects(&["山本 葵"]);
        let search = cjk.search().expect("a search");
        assert!(search.keys.always.is_empty());
        let text = "連絡 山本 葵";
        let found = search.find(text).expect("searched");
        let found: Vec<&str> = found.into_iter().map(|m| &text[m]).collect();
        assert_eq!(found, ["山本 葵"]);
        assert!(search.find("連絡 田中").is_none());
        // A value without keys (its letters all an `i` or with accents): every text is searched
        // for it, with the values whose keys it holds.
        let keyless = subjects(&["Ió Ií", "Jane Doe"]);
        let search = keyless.search().expect("a search");
        assert_eq!(search.keys.always, [0]);
        for (text, found) in [("note Io Ii", "Io Ii"), ("cc Jane Doe", "Jane Doe")] {
            let matches = search.find(text).expect("searched");
            let matched: Vec<&str> = matches.into_iter().map(|m| &text[m]).collect();
            assert_eq!(matched, [found], "{text}");
        }
        assert_eq!(
            search.find("Amman"),
            Some(vec![]),
            "searched, nothing found"
        );
    }

    /// A message names each subject it holds by position, the longer of two names that start
    /// together whole ("Jane Mary Doe" is not "subject #1 Doe"); one that names none is left
    /// as it is.
    #[test]
    fn a_message_names_the_subjects_it_holds_by_position() {
        let set = subjects(&["Jane Mary", "Jane Mary Doe", "karim.al-farsi@contoso.com"]);
        assert_eq!(
            set.masked("sheet 'Jane Mary Doe' of JANE MARY, karim.al-farsi@contoso.com"),
            "sheet 'subject #2' of subject #1, subject #3"
        );
        assert!(matches!(set.masked("sheet 'Approvals'"), Cow::Borrowed(_)));
    }

    /// Values searched one by one find what the regex of them all finds, and where several
    /// values' forms start at the same place, the longest: a subject's name inside another's
    /// is not what is taken of the longer one (the regex of all takes its first alternative,
    /// the longer pattern). Of the same length, the form the regex of all has first.
    #[test]
    fn values_searched_one_by_one_find_what_the_regex_of_all_finds_or_longer() {
        let sets: [&[&str]; 4] = [
            &["Jane Mary", "Jane Mary Doe", "Mary Doe"],
            &["Mary Doe", "Jane Mary Doe", "Jane Mary"],
            &[
                "Karim Al-Farsi",
                "karim.al-farsi@contoso.com",
                "karim.al-farsi",
            ],
            &[
                "+49 89 14642946",
                "089 14642946",
                "Sean O'Brien",
                "Sean O'Brien Jr",
            ],
        ];
        let texts = [
            "Jane Mary Doe",
            "ask Jane Mary Doe and Mary Doe, then Jane Mary",
            "Doe, Jane Mary; Doe, Mary",
            "karim.al-farsi@contoso.com wrote to Karim Al-Farsi",
            "karim.al-farsi+x@contoso.com and karim.alfarsi",
            "call +49 89 14642946 or 089 14642946 or 0049 (0)89 1464-2946",
            "Sean O'Brien Jr and Sean O'Brien; O'Brien, Sean",
        ];
        let mut ties = 0;
        let mut longers = 0;
        for values in sets {
            let set = subjects(values);
            let all = set.regex().expect("a regex");
            let search = set.search().expect("a search");
            for text in texts {
                let prepared = prepare(text);
                let whole: Vec<&str> = all.find_iter(&prepared).map(|m| m.as_str()).collect();
                let by_value: Vec<&str> = search
                    .find(&prepared)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|m| &prepared[m])
                    .collect();
                // The same matches, but where one the regex of all finds is shorter than one
                // that starts with it.
                let by_start: std::collections::HashMap<usize, usize> = search
                    .find(&prepared)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|m| (m.start, m.end))
                    .collect();
                let mut longer = 0;
                for m in all.find_iter(&prepared) {
                    match by_start.get(&m.start()) {
                        Some(&end) if end == m.end() => {}
                        Some(&end) if end > m.end() => longer += 1,
                        _ => panic!("{values:?} in {text}: {by_value:?} misses {:?}", m.as_str()),
                    }
                }
                assert_eq!(by_value.len(), whole.len(), "{values:?} in {text}");
                longers += longer;
                // Count the matches where another value's form starts too.
                let candidates = search.keys.held(&free_text_keys(&prepared));
                for m in all.find_iter(&prepared) {
                    let starting = candidates
                        .iter()
                        .filter(|&&v| {
                            ValueRegex::new(v, &search.idents[v]).parts.iter().any(|p| {
                                p.regex
                                    .find_at(&prepared, m.start())
                                    .is_some_and(|o| o.start() == m.start())
                            })
                        })
                        .count();
                    ties += usize::from(starting > 1);
                }
            }
        }
        assert!(ties >= 5, "values' matches start together: {ties}");
        assert!(
            longers >= 3,
            "longer matches than the regex of all's: {longers}"
        );
        // A name inside another's goes with the other.
        let set = subjects(&["Jane Mary", "Jane Mary Doe"]);
        let search = set.search().expect("a search");
        for (text, found) in [
            ("by Jane Mary Doe today", vec!["Jane Mary Doe"]),
            (
                "by Jane Mary, Jane Mary Doe",
                vec!["Jane Mary", "Jane Mary Doe"],
            ),
            ("Doe, Jane Mary", vec!["Doe, Jane Mary"]),
        ] {
            let matched: Vec<&str> = search
                .find(text)
                .expect("searched")
                .into_iter()
                .map(|m| &text[m])
                .collect();
            assert_eq!(matched, found, "{text}");
        }
    }

    /// A letter the regex of a subject takes, in any case, for a letter of a key is that
    /// letter of the key: over the scripts with case (Latin, Greek, Cyrillic, Armenian,
    /// Georgian, Cherokee and the letters that fold into them), and Chinese, Arabic, Hangul.
    #[test]
    fn a_key_letter_is_every_letter_the_regex_takes_for_it() {
        let ranges = [
            0x20..0x250,
            0x370..0x530,
            0x531..0x590,
            0x10a0..0x1100,
            0x13a0..0x1400,
            0x1c80..0x1cc0,
            0x1e00..0x2000,
            0x2100..0x2200,
            0xa640..0xa6a0,
            0xab70..0xabc0,
            0xfb00..0xfb10,
            0x4e00..0x4e10,
            0x627..0x640,
            0xac00..0xac10,
        ];
        let chars: Vec<char> = ranges
            .into_iter()
            .flatten()
            .filter_map(char::from_u32)
            .collect();
        let mut keyed = 0;
        for &c in &chars {
            let Some(key) = key_char(c) else { continue };
            keyed += 1;
            let re = Regex::new(&format!("(?i)^{}$", regex::escape(&c.to_string()))).unwrap();
            for &t in &chars {
                if re.is_match(&t.to_string()) {
                    // As texts are searched: in NFC (the Kelvin sign is a `K`).
                    let prepared: Vec<char> = prepare(&t.to_string()).chars().collect();
                    let keys: Vec<Option<char>> = prepared.into_iter().map(key_char).collect();
                    assert_eq!(keys, [Some(key)], "{c:?} takes {t:?}");
                }
            }
        }
        assert!(keyed > 1000, "{keyed}");
        for (c, key) in [('ς', 'σ'), ('Σ', 'σ'), ('ſ', 's'), ('Д', 'д')] {
            assert_eq!(key_char(c), Some(key), "{c}");
        }
        assert_eq!(free_text_keys(&prepare("\u{212a}")), "k  ");
        for c in ['i', 'I', 'ı', 'İ', 'é', 'ø', 'ß', 'ẞ', '-', '’', '\u{2011}'] {
            assert_eq!(key_char(c), None, "{c}");
        }
    }

    #[test]
    fn a_name_without_its_accents_is_near_not_a_match() {
        let set = subjects(&["Zoë Müller", "Jose Nunez"]);
        for (text, subject) in [
            ("Zoe Muller", 0),
            ("Müller, Zoe", 0),
            ("Zoe Mueller", 0),
            ("José Núñez", 1),
        ] {
            assert!(set.matching(text).is_empty(), "{text}");
            assert!(
                set.examine(text).1.contains(&(subject, Near::Unaccented)),
                "{text}: {:?}",
                set.examine(text)
            );
        }
        assert_eq!(set.matching("ZOË MÜLLER"), [0]);
        // Capitals lose the Turkish dots: the same name, not a near one.
        let turkish = subjects(&["Yıldız Kaya", "İlkay Öz"]);
        assert_eq!(turkish.matching("YILDIZ KAYA"), [0]);
        assert_eq!(turkish.matching("ilkay öz"), [1]);
        assert!(turkish
            .examine("Ilkay Oz")
            .1
            .contains(&(1, Near::Unaccented)));
        let nordic = subjects(&["Søren Ødegård"]);
        assert!(nordic
            .examine("Soeren Oedegaard")
            .1
            .contains(&(0, Near::Unaccented)));
        assert!(!set
            .examine("Zoe Moller")
            .1
            .iter()
            .any(|&(_, n)| n == Near::Unaccented));
    }

    #[test]
    fn files_in_any_excel_encoding_and_delimiter() {
        let dir = tempfile::tempdir().unwrap();
        let german = dir.path().join("s.csv");
        std::fs::write(
            &german,
            "\u{feff}Vorname;Nachname;E-Mail\r\nZoë;Müller;zoe@contoso.com\r\nJane;Doe;\r\n",
        )
        .unwrap();
        let s = Subjects::load(&["Aoife Byrne".into()], Some(&german)).unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(s.matching("Aoife Byrne"), [0]);
        assert_eq!(s.matching("Müller, Zoë"), [1]);
        assert_eq!(s.matching("zoe@contoso.com"), [1]);
        assert_eq!(s.matching("Doe, Jane"), [2]);

        let utf16 = dir.path().join("u.csv");
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "name\temail\r\nZoë Müller\tzoe@contoso.com\r\n".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        std::fs::write(&utf16, bytes).unwrap();
        let s = Subjects::load(&[], Some(&utf16)).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s.matching("zoe@contoso.com"), [0]);

        let cp1252 = dir.path().join("w.txt");
        std::fs::write(&cp1252, b"Zo\xEB M\xFCller\r\n\r\nJane Doe\r\n").unwrap();
        let s = Subjects::load(&[], Some(&cp1252)).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s.matching("Zoë Müller"), [0]);

        let e = Subjects::load(&[], Some(&dir.path().join("missing.txt"))).unwrap_err();
        assert!(e.contains("missing.txt"), "{e}");
    }

    /// Every column of a subjects file that identifies the person is used, whatever its
    /// header says (Dynamics' `Email 2`, `Personal Email`; a login, an alias, a phone); a column
    /// whose header is not known gives the values that are identifiers on their own, and one
    /// whose values are not is said (by position and header, never a value); columns known
    /// not to identify the person (a job title, the manager) are not values.
    #[test]
    fn every_identifying_column_of_a_subjects_file_is_used_and_an_unused_one_is_said() {
        let dir = tempfile::tempdir().unwrap();
        let load = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            Subjects::load(&[], Some(&path)).unwrap()
        };
        let email = "karim.al-farsi@contoso.com";
        for (header, value) in [
            ("Email", email),
            ("Personal Email", email),
            ("Email 2", email),
            ("Work Email", email),
            ("Secondary Email", email),
            ("Alternate Email", email),
            ("Mail privat", email),
            ("E-Mail (privat)", email),
            ("SMTP", email),
            ("otherMails", email),
            ("Notes", email),
            ("Login", "kalfarsi"),
            ("Account", "kalfarsi"),
            ("Alias", "kalfarsi"),
            ("Old login", "CONTOSO\\kalfarsi"),
            ("Phone", "+212 522-641650"),
            ("Mobile", "+212 522-641650"),
            ("Telefon privat", "+212 522-641650"),
            ("Record", "3217a7c8-1ab4-eb11-8236-000d3aff3315"),
            ("Maiden name", "Karima Haddad"),
        ] {
            let s = load(
                "s.csv",
                &format!("Name,{header}\r\nKarim Al-Farsi,{value}\r\n"),
            );
            assert_eq!(s.len(), 1, "{header}");
            assert_eq!(s.matching(value), [0], "{header}");
            assert_eq!(s.matching("Al-Farsi, Karim"), [0], "{header}");
            assert!(s.warnings().is_empty(), "{header}: {:?}", s.warnings());
        }
        // German Excel, with its own label for a second address.
        let s = load(
            "de.csv",
            &format!("Vorname;Nachname;E-Mail 2\r\nKarim;Al-Farsi;{email}\r\n"),
        );
        assert_eq!(s.matching(email), [0]);
        assert_eq!(s.matching("Karim Al-Farsi"), [0]);

        let s = load(
            "other.csv",
            "Name,Notes,Manager,Manager Email,Job Title,Flag,Department\r\n\
             Karim Al-Farsi,left in 2024,Ingrid Halvorsen,ingrid@contoso.com,Engineer,True,Sales\r\n\
             Aoife Byrne,,Ingrid Halvorsen,ingrid@contoso.com,Engineer,False,Sales\r\n",
        );
        assert_eq!(s.len(), 2);
        for other in [
            "left in 2024",
            "Ingrid Halvorsen",
            "ingrid@contoso.com",
            "Engineer",
            "True",
            "Sales",
        ] {
            assert!(s.matching(other).is_empty(), "{other}");
        }
        let warnings = s.warnings();
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("column 2 ('Notes') was not used in 1 row(s)"));
        assert!(warnings[1].contains("column 6 ('Flag') was not used in 2 row(s)"));
        for w in warnings {
            assert!(w.contains("other.csv"), "{w}");
            assert!(!w.contains("2024") && !w.contains("True"), "{w}");
        }
    }

    /// A first name alone is anyone's: a subjects file's first and last names are one name,
    /// whether a header says so (in other languages, or Entra ID's export with columns that
    /// identify no one) or the fields stand together in a headerless row.
    #[test]
    fn first_and_last_names_in_a_subjects_file_are_one_name() {
        let dir = tempfile::tempdir().unwrap();
        for (file, text) in [
            (
                "entra.csv",
                "givenName,surname,mail,jobTitle,department\r\nKarim,Al-Farsi,karim@contoso.com,Engineer,Sales\r\n",
            ),
            ("headerless.csv", "Karim;Al-Farsi;karim@contoso.com\r\n"),
            ("headerless2.csv", "Karim;Al-Farsi\r\n"),
            ("fr.csv", "Prénom;Nom;Adresse e-mail\r\nKarim;Al-Farsi;karim@contoso.com\r\n"),
            ("es.csv", "Nombre;Apellidos;Correo\r\nKarim;Al-Farsi;karim@contoso.com\r\n"),
            ("nl.csv", "Voornaam;Achternaam\r\nKarim;Al-Farsi\r\n"),
        ] {
            let path = dir.path().join(file);
            std::fs::write(&path, text).unwrap();
            let s = Subjects::load(&[], Some(&path)).unwrap();
            assert_eq!(s.len(), 1, "{file}");
            assert_eq!(s.matching("Al-Farsi, Karim"), [0], "{file}");
            assert!(s.matching("Karim").is_empty(), "{file}: a first name alone");
            assert!(s.matching("Sales").is_empty(), "{file}: a department");
            let re = s.regex().unwrap();
            assert!(!re.is_match("Karim called"), "{file}");
            if text.contains('@') {
                assert_eq!(s.matching("karim@contoso.com"), [0], "{file}");
            }
        }
    }
}
