//! Text for people, shared by every layer: numbers with thousands separators, Excel dates,
//! library messages folded onto one line, and what a phone number or a date looks like.

/// A hash map for the per-cell work of a large file (the kept columns' values, the new
/// shared strings): hashbrown's fast hasher instead of the standard library's SipHash, which
/// was a few percent of a lossless scrub. Nothing depends on its order.
pub type FastMap<K, V> = hashbrown::HashMap<K, V>;

/// A number's text as Rust writes it (`f.to_string()`: the shortest digits that read back as
/// `f`, never an exponent), appended to `out`. Cells' numbers are written out by the million
/// (the old values of changed cells, the kept values counted and compared), so ryu finds the
/// digits where they are sure to be the same: both write the shortest digits nearest `f`, and
/// differ only where two are equally near, which the standard library rounds up and ryu to
/// even. Only a number whose exact decimal value has at most 18 digits can be halfway between
/// two such texts (the shortest has at most 17), so those are left to the standard library, as
/// are ryu's other layouts (`1.0` for `1` is taken back; exponents are not).
pub(crate) fn push_float(out: &mut String, f: f64) {
    if f.is_finite() && !short_in_decimal(f) {
        let mut digits = ryu::Buffer::new();
        let text = digits.format_finite(f);
        if !text.contains('e') {
            out.push_str(text.strip_suffix(".0").unwrap_or(text));
            return;
        }
    }
    use std::fmt::Write;
    let _ = write!(out, "{f}");
}

/// Whether a finite `f`'s exact decimal value may have at most 18 significant digits (see
/// [`push_float`]), but for whole numbers below 2^53, which are their own shortest text. `f`
/// is `m * 2^e`, `m` odd: with `e < 0`, its decimal value is `m * 5^-e` over a power of ten,
/// a number of as many digits as that product (odd, times a power of five: it ends in 5).
fn short_in_decimal(f: f64) -> bool {
    let bits = f.to_bits();
    let field = ((bits >> 52) & 0x7ff) as i32;
    if field == 0 {
        // Zeros and subnormals.
        return true;
    }
    let m = (bits & ((1 << 52) - 1)) | (1 << 52);
    let zeros = m.trailing_zeros();
    let (m, e) = (m >> zeros, field - 1075 + zeros as i32);
    if e >= 0 {
        // Whole: below 2^53 when m < 2^(53 - e).
        return !(e < 53 && m < 1 << (53 - e));
    }
    // 5^28 > 10^18: past it, even m = 1 makes more digits.
    let fives = e.unsigned_abs();
    fives <= 27 && u128::from(m) * 5u128.pow(fives) < 1_000_000_000_000_000_000
}

/// A cell's value written out as its `Display` writes it (nothing for an empty cell), its
/// numbers (and a date's serial number) by [`push_float`], appended to `out`.
pub(crate) fn push_data_text(out: &mut String, value: &calamine::Data) {
    use calamine::Data;
    use std::fmt::Write;
    match value {
        Data::Float(f) => push_float(out, *f),
        Data::DateTime(dt) => push_float(out, dt.as_f64()),
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

/// [`push_data_text`] into a new text.
pub(crate) fn data_text(value: &calamine::Data) -> String {
    let mut out = String::with_capacity(24);
    push_data_text(&mut out, value);
    out
}

/// The gist of a regex error on one line ("unclosed character class").
pub(crate) fn regex_problem(err: &regex::Error) -> String {
    match err {
        regex::Error::Syntax(text) => text
            .lines()
            .rev()
            .find_map(|l| l.trim().strip_prefix("error: "))
            .map_or_else(|| one_line(text), str::to_string),
        other => one_line(&other.to_string()),
    }
}

/// Fold a multi-line library message into one line.
pub(crate) fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// An Excel 1900 serial as `yyyy-mm-dd` or `yyyy-mm-dd hh:mm`.
pub(crate) fn format_serial(serial: f64) -> String {
    let minutes = (serial * 1440.0).round() as i64;
    let (days, minute) = (minutes.div_euclid(1440), minutes.rem_euclid(1440));
    // Serial 25569 is 1970-01-01 (right for every serial after 1900-02-28).
    let z = days - 25_569 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    if minute == 0 {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", minute / 60, minute % 60)
    }
}

/// Digits with the usual separators; 7 to 15 digits (E.164), or 10+ when there is no
/// separator, so that plain ids and dates do not count.
pub fn is_phone(v: &str) -> bool {
    if v.is_empty() || looks_like_date(v) {
        return false;
    }
    if !v
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '(' | ')' | '-' | '.' | '/' | '+'))
    {
        return false;
    }
    if v.find('+').is_some_and(|i| i != 0) {
        return false;
    }
    let digits = v.chars().filter(char::is_ascii_digit).count();
    let plain = v.chars().all(|c| c.is_ascii_digit());
    (7..=15).contains(&digits) && (!plain || digits >= 10)
}

/// Whether a trimmed value starts as a phone number does (a digit, `+` or `(`): most values are
/// names and addresses, refused by their first character.
fn starts_like_phone(value: &str) -> bool {
    value
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_digit() || matches!(b, b'+' | b'('))
}

/// The digits of a value written like a phone number (at least 7 digits, and nothing but
/// digits, white space and `+ ( ) - . /`), when that differs from the value: a copy of the
/// number may be written with other separators, or none.
pub(crate) fn phone_digits(value: &str) -> Option<String> {
    let value = value.trim();
    if !starts_like_phone(value) {
        return None;
    }
    let phone_like = value.chars().all(|c| {
        c.is_ascii_digit() || c.is_whitespace() || matches!(c, '+' | '(' | ')' | '-' | '.' | '/')
    });
    let count = value.bytes().filter(u8::is_ascii_digit).count();
    if !phone_like || count < FEWEST_PHONE_DIGITS || count == value.len() {
        return None;
    }
    Some(value.chars().filter(char::is_ascii_digit).collect())
}

/// Whether two short byte strings (an attribute's name, an end tag, a value remembered) are
/// equal: a plain loop, which for a few bytes is faster than the call to `memcmp` that `==`
/// makes.
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut same = true;
    for (x, y) in a.iter().zip(b) {
        same &= x == y;
    }
    same
}

/// `value` without its leading and trailing white space, as [`str::trim`] gives it, at once
/// for a value that starts and ends with a printable ASCII character (nearly every cell's
/// value): such a byte is no white space, and starts or ends no longer character.
#[inline]
pub(crate) fn trim(value: &str) -> &str {
    let printable = |b: Option<&u8>| b.is_some_and(|&b| b > b' ' && b < 0x80);
    if printable(value.as_bytes().first()) && printable(value.as_bytes().last()) {
        return value;
    }
    value.trim()
}

/// The other forms a copy of a phone number may be written in, for a value written like one
/// (see [`phone_digits`]), or a number of 10 digits or more: its digits alone (other
/// separators, or none), and, with 10 digits or more, its last nine, the number without its
/// country code (`+49 30 1234567`, `0049 30 1234567`, `+49 (0)30 1234567` and `030 1234567`
/// all end in `301234567`).
pub(crate) fn phone_forms(value: &str) -> Vec<String> {
    let mut forms = Vec::new();
    each_phone_form(value, &mut String::new(), &mut |form| {
        forms.push(form.to_string());
    });
    forms
}

/// [`phone_forms`], each lent to `each` in turn, in their order: made in `digits`, a buffer
/// kept from value to value (removed values are looked at by the million, and a form is
/// mostly looked at and let go), or lent from `value` itself (the last nine digits of a plain
/// run of digits).
pub(crate) fn each_phone_form(value: &str, digits: &mut String, each: &mut dyn FnMut(&str)) {
    let value = trim(value);
    if !starts_like_phone(value) {
        return;
    }
    if value.is_ascii() {
        return ascii_phone_forms(value, digits, each);
    }
    for form in char_phone_forms(value) {
        each(&form);
    }
}

/// [`phone_forms`] of a trimmed `value` that starts like a phone number, char by char: any text
/// (white space that is not ASCII among its digits).
fn char_phone_forms(value: &str) -> Vec<String> {
    let mut forms: Vec<String> = phone_digits(value).into_iter().collect();
    let digits = forms
        .first()
        .map(String::as_str)
        .or_else(|| value.bytes().all(|b| b.is_ascii_digit()).then_some(value))
        .filter(|d| d.len() >= 10)
        .map(str::to_string);
    if let Some(digits) = digits {
        forms.push(digits[digits.len() - 9..].to_string());
    }
    forms
}

/// The fewest digits of a phone number's forms (see [`phone_forms`]): each is a word of this
/// many digits or more.
pub(crate) const FEWEST_PHONE_DIGITS: usize = 7;

/// [`phone_forms`] of a trimmed ASCII `value` that starts like a phone number, in one pass
/// over its bytes: every removed value that starts with a digit (a date, a postal code, an
/// id) is looked at so, by the million in a large export.
fn ascii_phone_forms(value: &str, digits: &mut String, each: &mut dyn FnMut(&str)) {
    let bytes = value.as_bytes();
    let mut count = 0;
    for &b in bytes {
        if b.is_ascii_digit() {
            count += 1;
        } else if !matches!(
            b,
            // White space as `char::is_whitespace` has it, and the separators.
            b' ' | b'\t'
                | b'\n'
                | b'\x0B'
                | b'\x0C'
                | b'\r'
                | b'+'
                | b'('
                | b')'
                | b'-'
                | b'.'
                | b'/'
        ) {
            return;
        }
    }
    if count == bytes.len() {
        if count >= 10 {
            each(&value[count - 9..]);
        }
        return;
    }
    if count < FEWEST_PHONE_DIGITS {
        return;
    }
    digits.clear();
    digits.extend(
        bytes
            .iter()
            .filter(|b| b.is_ascii_digit())
            .map(|&b| b as char),
    );
    each(digits);
    if count >= 10 {
        each(&digits[count - 9..]);
    }
}

/// The most digits a phone-like run has (see [`phone_runs`]): 15 (E.164) and an international
/// prefix `00`. A longer run of grouped digits is no one phone number.
const MOST_PHONE_DIGITS: usize = 17;

/// The phone-like runs of a text, each with the forms a removed phone number's digits are
/// compared in (see [`phone_forms`]): `each(range, form)` for each form of each run, `range`
/// the run's bytes in `text`.
///
/// A run is an optional `+`, then groups of digits (or `(0)`-like digits in parentheses), one
/// separator (a space, `-`, `.` or `/`) or none before or after a group in parentheses between
/// them; it is bounded by no letter or digit on either side, and holds 7 to
/// [`MOST_PHONE_DIGITS`] digits. Its forms: its digits alone (for a run written with a
/// separator, a `+` or parentheses: a plain run of digits is a word of the text already), and,
/// with 10 digits or more, its last nine (for such a run, or a plain one starting with `0`, a
/// trunk or international prefix): `0049 89 14642946`, `+49 (0)89 14642946` and
/// `089 14642946` all end in `914642946`, as `+49 89 14642946` does. So a removed number copied
/// into a part in another format is compared by its digits, and only where digits are grouped
/// as a phone number's are: a run of two numbers with a letter, a comma or two separators
/// between them is two runs.
pub(crate) fn phone_runs(text: &str, mut each: impl FnMut(std::ops::Range<usize>, &str)) {
    let bytes = text.as_bytes();
    // Most texts searched (a name, an email, a cell of a large sheet) have too few digits for
    // any run: one quick count instead of a look at each.
    if bytes.iter().filter(|b| b.is_ascii_digit()).count() < 7 {
        return;
    }
    let mut digits = String::new();
    let mut at = 0;
    while at < bytes.len() {
        let b = bytes[at];
        if !(b.is_ascii_digit() || b == b'+' || b == b'(') {
            // Most bytes: the next that may start a run.
            at += 1;
            continue;
        }
        // Joined to a word, or to digits before it by a separator (the rest of a version
        // number, of a run too long or joined to a word itself).
        let mut before = text[..at].chars().rev();
        let joined = match (before.next(), before.next()) {
            (Some(c), _) if c.is_alphanumeric() => true,
            (Some(' ' | '-' | '.' | '/'), Some(d)) => d.is_ascii_digit(),
            _ => false,
        };
        let run = if joined {
            None
        } else {
            phone_run(bytes, at, &mut digits)
        };
        let Some((end, plain)) = run else {
            // Past this start and the digits after it: each byte is looked at a bounded
            // number of times.
            at += 1;
            while at < bytes.len() && bytes[at].is_ascii_digit() {
                at += 1;
            }
            continue;
        };
        let after = text[end..].chars().next();
        let count = digits.len();
        if !after.is_some_and(char::is_alphanumeric)
            && (7..=MOST_PHONE_DIGITS).contains(&count)
            && !starts_like_date(&bytes[at..end])
        {
            if !plain {
                each(at..end, &digits);
            }
            if count >= 10 && (!plain || digits.starts_with('0')) {
                each(at..end, &digits[count - 9..]);
            }
        }
        at = end.max(at + 1);
    }
}

/// Whether a phone-like run starts with a date (`1/14/2022 9:14`, `14.01.2022`, `2022-01-14`,
/// `1/14/22 9:14`): a CSV's dates and times are text, and their digits are no phone number.
/// Three groups of digits with one separator twice: day and month then a year of four digits,
/// a year of four digits then month and day, or with `/`, a year of two.
fn starts_like_date(run: &[u8]) -> bool {
    let mut groups = run.split(|b| !b.is_ascii_digit());
    let (Some(a), Some(b), Some(c)) = (groups.next(), groups.next(), groups.next()) else {
        return false;
    };
    let (i, j) = (a.len(), a.len() + 1 + b.len());
    let (Some(&first), Some(&second)) = (run.get(i), run.get(j)) else {
        return false;
    };
    let short = |g: &[u8]| (1..=2).contains(&g.len());
    first == second
        && matches!(first, b'/' | b'.' | b'-')
        && ((short(a) && short(b) && (c.len() == 4 || (c.len() == 2 && first == b'/')))
            || (a.len() == 4 && short(b) && short(c)))
}

/// The phone-like run of `bytes` starting at `start` (see [`phone_runs`]), its digits in
/// `digits`: where it ends, and whether it is plain digits. `None` where no group of digits
/// starts there.
fn phone_run(bytes: &[u8], start: usize, digits: &mut String) -> Option<(usize, bool)> {
    digits.clear();
    let mut at = start;
    let mut plain = true;
    if bytes[at] == b'+' {
        at += 1;
        plain = false;
    }
    // A group at `at`: digits, or digits in parentheses; where it ends, and whether it was in
    // parentheses.
    let group = |at: usize, digits: &mut String| -> Option<(usize, bool)> {
        let open = bytes.get(at) == Some(&b'(');
        let mut end = at + usize::from(open);
        let first = end;
        while end < bytes.len() && bytes[end].is_ascii_digit() && end - first < 64 {
            end += 1;
        }
        if end == first || (open && bytes.get(end) != Some(&b')')) {
            return None;
        }
        digits.extend(bytes[first..end].iter().map(|&b| char::from(b)));
        Some((end + usize::from(open), open))
    };
    let (mut end, mut paren) = group(at, digits)?;
    plain &= !paren;
    loop {
        // The next group: after one separator, or right after (or before) one in
        // parentheses.
        let next = match bytes.get(end) {
            Some(b' ' | b'-' | b'.' | b'/') => end + 1,
            Some(b) if b.is_ascii_digit() && paren => end,
            Some(b'(') => end,
            _ => break,
        };
        let Some((stop, open)) = group(next, digits) else {
            break;
        };
        plain = false;
        (end, paren) = (stop, open);
        if digits.len() > MOST_PHONE_DIGITS {
            break;
        }
    }
    Some((end, plain))
}

/// An email address as SharePoint and OneDrive write it in the path of its owner's personal
/// site (`https://contoso-my.sharepoint.com/personal/karim_al-farsi_contoso_com/...`): lowercase,
/// `.` and `@` as `_`. `None` for a value that is no email address.
pub(crate) fn personal_site_form(value: &str) -> Option<String> {
    let mut form = String::new();
    personal_site_form_into(value, &mut form).then_some(form)
}

/// [`personal_site_form`] made in `form` (cleared first), a buffer kept from value to value;
/// whether `value` has one (else `form` is left empty).
pub(crate) fn personal_site_form_into(value: &str, form: &mut String) -> bool {
    form.clear();
    let value = value.trim();
    // Every removed value is asked (most are no address): its first `@` found by `memchr`.
    let Some(at) = memchr::memchr(b'@', value.as_bytes()) else {
        return false;
    };
    let (local, domain) = (&value.as_bytes()[..at], &value.as_bytes()[at + 1..]);
    // By bytes: one that is none of these fails, so the address is ASCII.
    let plain = |s: &[u8]| {
        !s.is_empty()
            && s.iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
    };
    if !(plain(local) && plain(domain) && domain.contains(&b'.')) {
        return false;
    }
    // In one pass over the bytes (every removed email address has this form made), all ASCII.
    form.extend(value.bytes().map(|b| match b {
        b'.' | b'@' => '_',
        b => char::from(b.to_ascii_lowercase()),
    }));
    true
}

/// `2024-05-01`, `1/5/2021`, `01.05.2021`, optionally followed by a time.
pub(crate) fn looks_like_date(v: &str) -> bool {
    // The text before the first space, as three runs of digits between `-`, `/` or `.`, read
    // byte by byte (every removed value and kept cell that may be a phone number is asked).
    let day = v
        .as_bytes()
        .split(|&b| b == b' ')
        .next()
        .unwrap_or_default();
    let mut lengths = [0usize; 3];
    let mut part = 0;
    for &b in day {
        match b {
            b'0'..=b'9' => lengths[part] += 1,
            b'-' | b'/' | b'.' if part < 2 => part += 1,
            _ => return false,
        }
    }
    if part != 2 {
        return false;
    }
    let short = |n: usize| (1..=2).contains(&n);
    // yyyy-mm-dd, or d/m/yy(yy) and m/d/yy(yy).
    (lengths[0] == 4 && short(lengths[1]) && short(lengths[2]))
        || (short(lengths[0]) && short(lengths[1]) && matches!(lengths[2], 2 | 4))
}

/// Scripts written without spaces between words: Han, kana, Hangul syllables (particles attach
/// to names), Thai, Lao, Khmer, Myanmar.
pub(crate) fn unspaced(c: char) -> bool {
    matches!(c,
        '\u{0E00}'..='\u{0EFF}'        // Thai, Lao
        | '\u{1000}'..='\u{109F}'      // Myanmar
        | '\u{1780}'..='\u{17FF}'      // Khmer
        | '\u{3005}'..='\u{3007}'      // 々 〆 〇
        | '\u{3040}'..='\u{30FF}'      // Hiragana, Katakana
        | '\u{31F0}'..='\u{31FF}'      // Katakana extensions
        | '\u{3400}'..='\u{4DBF}'      // CJK extension A
        | '\u{4E00}'..='\u{9FFF}'      // CJK unified ideographs
        | '\u{AC00}'..='\u{D7AF}'      // Hangul syllables
        | '\u{F900}'..='\u{FAFF}'      // CJK compatibility ideographs
        | '\u{FF66}'..='\u{FF9F}'      // halfwidth Katakana
        | '\u{20000}'..='\u{3FFFF}'    // CJK extensions B and later
    )
}

/// The ASCII character a full-width form stands for (`Ｋ` → `K`, `＠` → `@`, `０` → `0`):
/// text typed with an East Asian input method shows a name or number in these.
pub(crate) fn narrow(c: char) -> Option<char> {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
        _ => None,
    }
}

/// Characters that do not show, which must not keep a value from matching: `Hal\u{AD}vorsen`
/// shows as `Halvorsen`. These are Unicode's default ignorable code points: zero-width spaces
/// and joiners, the soft hyphen Word and Outlook paste, the word joiner, a byte order mark
/// inside text, the combining grapheme joiner, bidirectional marks, embeddings and isolates,
/// variation selectors, Hangul fillers, tag characters and the other format controls no font
/// draws.
pub(crate) fn invisible(c: char) -> bool {
    // Most text is Latin: one comparison for it.
    if c < '\u{00AD}' {
        return false;
    }
    if c <= '\u{00FF}' {
        return c == '\u{00AD}';
    }
    matches!(
        c,
        '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// The ways an apostrophe is written (`'`, `’`, `‘`, `ʼ`, `` ` ``, `´`, `′`), as word processors
/// and keyboards write `O'Brien`.
pub(crate) const APOSTROPHES: [char; 7] = [
    '\'', '\u{2019}', '\u{2018}', '\u{02BC}', '`', '\u{00B4}', '\u{2032}',
];

/// The ways a hyphen is written (`-`, `‐`, the non-breaking `‑`, `‒`, `–`, `—`, `−`), as
/// `Al-Farsi` is autocorrected.
pub(crate) const HYPHENS: [char; 7] = [
    '-', '\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}', '\u{2014}', '\u{2212}',
];

/// Whether two characters are one mark written otherwise: both apostrophes or both hyphens (see
/// [`APOSTROPHES`], [`HYPHENS`]).
pub(crate) fn same_mark(a: char, b: char) -> bool {
    [&APOSTROPHES, &HYPHENS]
        .iter()
        .any(|marks| marks.contains(&a) && marks.contains(&b))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    /// [`looks_like_date`] as it was written first: the parts collected, char by char.
    fn looks_like_date_by_parts(v: &str) -> bool {
        let day = v.split(' ').next().unwrap_or(v);
        let parts: Vec<&str> = day.split(['-', '/', '.']).collect();
        if parts.len() != 3
            || !parts
                .iter()
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        {
            return false;
        }
        let lengths = [parts[0].len(), parts[1].len(), parts[2].len()];
        let short = |n: usize| (1..=2).contains(&n);
        (lengths[0] == 4 && short(lengths[1]) && short(lengths[2]))
            || (short(lengths[0]) && short(lengths[1]) && matches!(lengths[2], 2 | 4))
    }

    /// A number is written as the standard library writes it: every kind of double (zeros,
    /// whole numbers, the decimals of coordinates and prices, the largest and smallest, those
    /// ryu writes with an exponent, those halfway between two shortest texts, which the two
    /// round differently, and any bits at all), and what is not finite.
    #[test]
    fn numbers_are_written_as_the_standard_library_writes_them() {
        let mut values = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            42.0,
            0.1,
            0.5,
            47.6062,
            -122.3321,
            19.99,
            45_678.25,
            45_678.520_833_333_336,
            9_007_199_254_740_993.0,
            9_007_199_254_740_994.0,
            4_503_599_627_370_497.0 * 4096.0,
            1e15,
            1e16,
            1e-5,
            1e-7,
            1.5e-300,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            f64::EPSILON,
            5e-324,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            // Halfway between two texts of 17 digits: ...689.2 and ...689.3, say.
            f64::from_bits(0x4313_0c99_6100_7045),
            f64::from_bits(0x42ad_c706_52e9_c820),
            f64::from_bits(0x42ec_b52f_286a_9ac4),
        ];
        let mut n = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            n ^= n << 13;
            n ^= n >> 7;
            n ^= n << 17;
            n
        };
        // Every exponent, with mantissas ending in ever more zero bits (the numbers halfway
        // between two texts are among them).
        for field in 0..2047u64 {
            for zeros in (0..53).step_by(4) {
                let mantissa = (next() & ((1 << 52) - 1)) >> zeros << zeros;
                values.push(f64::from_bits(field << 52 | mantissa));
                values.push(-f64::from_bits(field << 52 | mantissa));
            }
        }
        // Decimals of a few digits, at every scale ryu writes without an exponent.
        for i in 0..100_000 {
            values.push((next() % 1_000_000_000) as f64 / 10f64.powi(i % 18));
            values.push(f64::from_bits(next()));
        }
        let (mut out, mut fast) = (String::new(), 0);
        for f in values {
            out.clear();
            push_float(&mut out, f);
            assert_eq!(out, f.to_string(), "{:#x}", f.to_bits());
            assert_eq!(data_text(&calamine::Data::Float(f)), out);
            fast += usize::from(f.is_finite() && !short_in_decimal(f));
        }
        // Most take ryu's way.
        assert!(fast > 150_000, "{fast}");
        assert!(short_in_decimal(f64::from_bits(0x4313_0c99_6100_7045)));
        assert!(!short_in_decimal(47.6062) && !short_in_decimal(42.0));
        assert_eq!(data_text(&calamine::Data::Float(2.0)), "2");
        assert_eq!(data_text(&calamine::Data::Int(-7)), "-7");
        assert_eq!(data_text(&calamine::Data::Bool(true)), "true");
    }

    #[test]
    fn dates_are_told_by_their_shape() {
        for date in [
            "2024-05-01",
            "1/5/2021",
            "01.05.2021 08:30",
            "5/1/24",
            "2024-5-1 x",
        ] {
            assert!(looks_like_date(date), "{date}");
        }
        for other in [
            "",
            "2024-05",
            "2024-05-01-02",
            "1//5",
            "12345-1-1",
            "1/5/123",
            "１/5/2021",
            " 1/5/2021",
        ] {
            assert!(!looks_like_date(other), "{other}");
        }
    }

    /// [`phone_forms`] read char by char, for any text.
    fn phone_forms_by_chars(value: &str) -> Vec<String> {
        let value = value.trim();
        match starts_like_phone(value) {
            true => char_phone_forms(value),
            false => Vec::new(),
        }
    }

    proptest! {
        // Cheap cases: enough of them to meet every kind of white space among the digits.
        #![proptest_config(ProptestConfig::with_cases(8192))]

        /// A date read byte by byte is one read by its parts: dates, numbers, separators
        /// anywhere, any text.
        #[test]
        fn dates_read_by_bytes_are_those_read_by_parts(
            value in "[0-9./ -]{0,14}|[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}( .{0,3})?|.{0,6}",
        ) {
            prop_assert_eq!(looks_like_date(&value), looks_like_date_by_parts(&value));
        }

        /// A removed value's phone forms read byte by byte are those read char by char: phone
        /// numbers, dates, ids, texts, with every kind of white space.
        #[test]
        fn phone_forms_read_by_bytes_are_those_read_by_chars(
            value in "[0-9+()./ a-z\\-]{0,20}|[0-9 \t\n\x0B\x0C\r+-]{0,14}|[0-9 \u{a0}\u{2009}+-]{0,20}",
        ) {
            prop_assert_eq!(phone_forms(&value), phone_forms_by_chars(&value));
        }

        /// The quick trim is `str::trim`: values with and without white space of every kind
        /// around them (ASCII, the vertical tab, non-breaking and wide spaces, a line
        /// separator), control characters, accents and wide characters at their ends.
        #[test]
        fn the_quick_trim_is_the_standard_one(
            value in "[ \t\n\x0B\x0C\r\u{85}\u{a0}\u{2009}\u{2028}\u{3000}\x00\x1F\x7Fa-z0-9éß中]{0,8}",
        ) {
            prop_assert_eq!(trim(&value), value.trim());
        }
    }

    #[test]
    fn phone_forms_of_numbers_dates_and_texts() {
        let forms = |v: &str| phone_forms(v);
        assert_eq!(forms("+49 30 1234567"), ["49301234567", "301234567"]);
        assert_eq!(forms("0301234567"), ["301234567"]);
        assert_eq!(forms("2024-05-01"), ["20240501"]);
        assert_eq!(forms("555\x0B1234"), ["5551234"]);
        assert!(forms("12345").is_empty());
        assert!(forms("1 Main Street").is_empty());
        assert_eq!(forms("030\u{a0}1234567"), ["0301234567", "301234567"]);
    }
    use super::*;

    #[test]
    fn an_email_in_a_personal_site_path() {
        assert_eq!(
            personal_site_form("Karim.Al-Farsi@contoso.com").as_deref(),
            Some("karim_al-farsi_contoso_com")
        );
        assert_eq!(personal_site_form("not an email"), None);
        assert_eq!(personal_site_form("a b@contoso.com"), None);
        assert_eq!(
            personal_site_form(" Anna.Berg@Contoso.COM ").as_deref(),
            Some("anna_berg_contoso_com")
        );
        for other in [
            "zoë@contoso.com",
            "anna@contoso",
            "@contoso.com",
            "a@b@contoso.com",
        ] {
            assert_eq!(personal_site_form(other), None, "{other}");
        }
    }

    /// Forms made in buffers kept from value to value are those made fresh: a longer value
    /// before a shorter one, a value with none after one with some, and back.
    #[test]
    fn forms_made_in_kept_buffers_are_those_made_fresh() {
        let values = [
            "+49 (0)30 1234567 890",
            "555-0147",
            "Karim.Al-Farsi@contoso.com",
            "0301234567",
            "not an email",
            "a@b.cd",
            "030\u{a0}1234567",
            "1 Main Street",
            "+1 425 555 0100",
        ];
        let (mut digits, mut site) = (String::new(), String::new());
        for value in values {
            let mut lent = Vec::new();
            each_phone_form(value, &mut digits, &mut |form| lent.push(form.to_string()));
            assert_eq!(lent, phone_forms(value), "{value}");
            let made = personal_site_form_into(value, &mut site);
            assert_eq!(
                made.then(|| site.clone()),
                personal_site_form(value),
                "{value}"
            );
            assert!(made || site.is_empty(), "{value}");
        }
        assert_eq!(phone_forms("+1 425 555 0100"), ["14255550100", "255550100"]);
    }

    #[test]
    fn a_phone_number_in_its_other_forms() {
        assert_eq!(phone_forms("+49 30 1234567"), ["49301234567", "301234567"]);
        // Every way of writing the number ends in the same nine digits.
        for copy in [
            "030 1234567",
            "0049 30 1234567",
            "0049301234567",
            "+49 (0)30 1234567",
            "(030) 123 45 67",
        ] {
            assert_eq!(phone_forms(copy).last().unwrap(), "301234567", "{copy}");
        }
        // Short numbers keep their digits only; names and 9-digit ids have no forms.
        assert_eq!(phone_forms("555-0147 22"), ["555014722"]);
        for other in ["Karim Al-Farsi", "123456789", ""] {
            assert!(phone_forms(other).is_empty(), "{other}");
        }
    }

    /// The runs of `text` and their forms, as (run, form).
    fn runs(text: &str) -> Vec<(&str, String)> {
        let mut out = Vec::new();
        phone_runs(text, |range, form| {
            out.push((&text[range], form.to_string()))
        });
        out
    }

    #[test]
    fn phone_like_runs_inside_a_text_are_compared_by_their_digits() {
        // A removed `+49 89 14642946` ends in `914642946`, and so does each of these copies.
        for (text, run) in [
            (
                "<vt:lpwstr>0049 89 14642946</vt:lpwstr>",
                "0049 89 14642946",
            ),
            ("Tel. 089 14642946, ask for Friederike", "089 14642946"),
            ("mobile: +49 (0)89 14642946.", "+49 (0)89 14642946"),
            ("call (089) 146-429-46 today", "(089) 146-429-46"),
            ("+49.89.146.429.46", "+49.89.146.429.46"),
            ("fax 08914642946", "08914642946"),
        ] {
            let found = runs(text);
            assert!(
                found.iter().any(|(r, f)| *r == run && f == "914642946"),
                "{text}: {found:?}"
            );
        }
        // A grouped run's digits alone, and its last nine with ten digits or more.
        assert_eq!(
            runs("x +49 89 14642946 y"),
            [
                ("+49 89 14642946", "498914642946".to_string()),
                ("+49 89 14642946", "914642946".to_string())
            ]
        );
        assert_eq!(
            runs("555-0147 22"),
            [("555-0147 22", "555014722".to_string())]
        );
        // Runs of too few digits, or joined to a word, or of plain digits that are a word of
        // the text already, have no forms; nor do two numbers a comma or two separators part.
        for other in [
            "12-3456",
            "12-34-56",
            "2024-05-01T12:00:00Z",
            "ID4989146429 46",
            "089 14642946x",
            "498914642946",
            "914642946",
            "v16.0.300.1234",
            "12, 345, 678",
            "12 -345 678",
            "(1)",
            "+",
            "((((",
            "",
        ] {
            assert!(runs(other).is_empty(), "{other}: {:?}", runs(other));
        }
        // Plain digits starting with a trunk or international prefix: the last nine only.
        assert_eq!(
            runs("00498914642946"),
            [("00498914642946", "914642946".to_string())]
        );
        // More digits than a phone number has: no one number.
        assert!(runs("1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9").is_empty());
        // Text that is not ASCII around a run, and a run after a letter of another script.
        assert_eq!(runs("Tél. 089 14642946 é").len(), 2);
        assert!(runs("é089 14642946").is_empty());
    }

    #[test]
    fn dates_and_times_are_no_phone_runs() {
        let runs = |text: &str| {
            let mut found = Vec::new();
            phone_runs(text, |_, form| found.push(form.to_string()));
            found
        };
        for date in [
            "1/14/2022 9:14",
            "12/31/2023 10:15",
            "14.01.2022 09:14",
            "2022-01-14 09:14",
            "1/14/22 9:14:05",
            "created 3/19/2024 0:41 by the import",
        ] {
            assert_eq!(runs(date), Vec::<String>::new(), "{date}");
        }
        // Phone numbers grouped like no date stay runs.
        for phone in [
            "01.23.45.67.89",
            "089/14642946",
            "+49 (0)89 14642946",
            "030-123-4567",
        ] {
            assert!(!runs(phone).is_empty(), "{phone}");
        }
    }

    #[test]
    fn phone_runs_never_panic_and_take_linear_time() {
        // Many starts that fail and runs cut short, in a long text.
        let text = "(+(1 2-3.4/5 6(7) 8 9 0 12345678901234567890 +".repeat(20_000);
        let mut n = 0;
        phone_runs(&text, |_, _| n += 1);
        let digits = "9".repeat(100_000);
        phone_runs(&digits, |_, _| n += 1);
        let _ = n;
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn serials_format_as_dates() {
        assert_eq!(format_serial(45_000.0), "2023-03-15");
        assert_eq!(format_serial(45_000.5), "2023-03-15 12:00");
        assert_eq!(format_serial(25_569.0), "1970-01-01");
    }
}
