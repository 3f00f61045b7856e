//! Attributes of XML start tags, read in one place.
//!
//! The raw bytes of a start tag are read one of two ways, and the caller says which:
//! - [`Reading::Strict`], for the fast cell reader ([`super::cells`]), which must read a cell
//!   exactly as calamine does or give up on it: a tag this simple reader might misread (an
//!   attribute without `=` or quotes, a value with an entity) is [`Unreadable`], and the cell is
//!   left to calamine.
//! - [`Reading::Lenient`], for the writers ([`super::patch`], [`super::stream`]), which read the
//!   few attributes they rewrite (`r`, `ref`, `s`, `t`) in tags they otherwise copy byte for
//!   byte: whatever they cannot read is absent, the value comes as written (entities and all),
//!   and the tag is kept as it is.
//!
//! A tag read through quick-xml has its attributes decoded with [`decoded`].

use quick_xml::events::BytesStart;
use quick_xml::XmlVersion;

pub(crate) use crate::text::same_bytes;

/// How [`raw`] reads a start tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reading {
    /// Attributes are `name="value"` or `name='value'` (spaces allowed around `=`), values
    /// without entities; anything else is [`Unreadable`]. The tag ends with `>` or `/>`.
    Strict,
    /// Whatever cannot be read is absent. The tag ends at its first `>`; the first attribute
    /// follows a space.
    Lenient,
}

/// A start tag that [`Reading::Strict`] does not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unreadable;

/// What [`raw`] gives for one name.
type Value<'t> = Result<Option<&'t [u8]>, Unreadable>;

/// The raw value of attribute `name` (with its prefix, if it has one) in a start tag: `<c
/// r="A1" t="s">` → `A1` for `r`.
///
/// # Errors
/// [`Unreadable`], with [`Reading::Strict`] only, for a tag that reading does not take.
pub(crate) fn raw<'t>(
    tag: &'t [u8],
    name: &[u8],
    reading: Reading,
) -> Result<Option<&'t [u8]>, Unreadable> {
    let [value] = raw_each(tag, [name], reading);
    value
}

/// [`raw`] of each of `names`, reading the tag once (a sheet's millions of cells each have
/// two or three read): each as [`raw`] gives it. A tag and its values are a few bytes, which a
/// plain loop reads faster than `memchr` (whose setup costs more than such a search).
pub(crate) fn raw_each<'t, const N: usize>(
    tag: &'t [u8],
    names: [&[u8]; N],
    reading: Reading,
) -> [Value<'t>; N] {
    let strict = reading == Reading::Strict;
    let fail = if strict { Err(Unreadable) } else { Ok(None) };
    // Per name: its result once the reading got to it.
    let mut found: [Option<Value<'t>>; N] = [None; N];
    // What the names not found get: the tag read to its end, or failed.
    let rest = |found: [Option<Value<'t>>; N], or| found.map(|f| f.unwrap_or(or));
    let (mut i, end) = if strict {
        let end = tag
            .len()
            .saturating_sub(usize::from(tag.ends_with(b"/>")) + 1);
        let space = tag.iter().position(|&b| b == b' ' || b == b'\t');
        (space.unwrap_or(tag.len()), end)
    } else {
        let end = tag.iter().position(|&b| b == b'>').unwrap_or(tag.len());
        match tag[..end].iter().position(|&b| b == b' ') {
            Some(i) => (i, end),
            None => return [Ok(None); N],
        }
    };
    // Past `end`, the strict reading still looks at the `>` or `/>` (and fails on it).
    let seen = if strict { tag } else { &tag[..end] };
    loop {
        while i < end && tag[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= end {
            return rest(found, Ok(None));
        }
        let key_start = i;
        while i < end
            && tag[i] != b'='
            && !tag[i].is_ascii_whitespace()
            && (strict || tag[i] != b'/')
        {
            i += 1;
        }
        let key = &tag[key_start..i];
        if strict {
            while i < end && tag[i].is_ascii_whitespace() {
                i += 1;
            }
            if tag.get(i) != Some(&b'=') {
                return rest(found, Err(Unreadable));
            }
            i += 1;
            while i < end && tag[i].is_ascii_whitespace() {
                i += 1;
            }
        } else {
            while i < end && (tag[i].is_ascii_whitespace() || tag[i] == b'=') {
                i += 1;
            }
        }
        let Some(&quote) = seen.get(i) else {
            return rest(found, fail);
        };
        if quote != b'"' && quote != b'\'' {
            return rest(found, fail);
        }
        let value_start = i + 1;
        let Some(len) = tag
            .get(value_start..end)
            .and_then(|rest| rest.iter().position(|&b| b == quote))
        else {
            return rest(found, fail);
        };
        let value_end = value_start + len;
        let value = &tag[value_start..value_end];
        for (slot, name) in found.iter_mut().zip(names) {
            if slot.is_none() && same_bytes(key, name) {
                *slot = Some(if strict && value.contains(&b'&') {
                    Err(Unreadable)
                } else {
                    Ok(Some(value))
                });
            }
        }
        if found.iter().all(Option::is_some) {
            return rest(found, Ok(None));
        }
        i = value_end + 1;
    }
}

/// The attributes of a cell's start tag written as Excel and Dynamics write every cell: `<c
/// r="B2" s="3" t="s">` (any prefix; `s` and `t` each optional, in that order; one space
/// before each, double quotes; `>` or `/>`), read at once. Of such a tag, `r` is what
/// [`lenient`] reads and `s` and `t` what [`raw_each`] reads [`Reading::Strict`]; `None` for
/// any other tag, which they read. A sheet has millions of cells, and the general reading
/// costs several times this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UsualCell<'t> {
    pub r: &'t [u8],
    pub s: Option<&'t [u8]>,
    pub t: Option<&'t [u8]>,
}

impl<'t> UsualCell<'t> {
    /// `tag`, the start tag (up to its first `>`), read as a usual cell's.
    #[inline]
    pub(crate) fn read(tag: &'t [u8]) -> Option<UsualCell<'t>> {
        // The longest name taken: a prefix of a few letters and `:c`.
        const NAME: usize = 12;
        // Its places are kept in 16 bits (see [`UsualStart`]): a longer tag is not a usual one.
        if tag.len() > usize::from(u16::MAX) {
            return None;
        }
        let body = tag.strip_prefix(b"<")?.strip_suffix(b">")?;
        let body = body.strip_suffix(b"/").unwrap_or(body);
        // The names Excel and Dynamics write, told at once.
        let space = if strip_prefix(body, b"c ").is_some() {
            1
        } else if strip_prefix(body, b"x:c ").is_some() {
            3
        } else {
            let space = body.iter().take(NAME).position(|&b| b == b' ')?;
            let name_ok =
                |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'-' | b'.');
            if space == 0 || !body[..space].iter().all(name_ok) {
                return None;
            }
            space
        };
        let mut rest = &body[space..];
        let r = take(&mut rest, b" r=\"", |b| {
            b.is_ascii_alphanumeric() || b == b'$'
        })?;
        let s = take(&mut rest, b" s=\"", |b| b.is_ascii_digit());
        let t = take(&mut rest, b" t=\"", |b| b.is_ascii_alphabetic());
        // Anything else (another attribute, another spacing, a value of other characters) is
        // the general reading's.
        rest.is_empty().then_some(UsualCell { r, s, t })
    }

    /// Where `tag`, the start tag this cell was read from, ends, and where its `s` and `t`
    /// are in it.
    #[inline]
    pub(crate) fn start_at(&self, tag: &[u8]) -> UsualStart {
        // (A value read from `tag` is inside it: its address less the tag's is its offset. The
        // tag is at most `u16::MAX` bytes long, see `read`.)
        let place = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
        let at = |v: &[u8]| {
            let from = v.as_ptr() as usize - tag.as_ptr() as usize;
            (place(from), place(from + v.len()))
        };
        UsualStart {
            end: place(tag.len()),
            r: at(self.r),
            s: self.s.map_or(ABSENT, at),
            t: self.t.map_or(ABSENT, at),
        }
    }
}

/// Of a cell whose start tag was read as a usual one (see [`UsualCell::start_at`]): where the
/// tag ends, and where its `r`, `s` and `t` values are in it, to give them again without
/// reading the tag again.
///
/// Its places are kept in 16 bits (a sheet's rows keep one of these per cell, so it is kept
/// small: 14 bytes), the start and end of each value; [`ABSENT`] for an attribute the tag does
/// not have.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct UsualStart {
    end: u16,
    r: (u16, u16),
    s: (u16, u16),
    t: (u16, u16),
}

/// The place of an attribute a usual start tag does not have (no tag of a usual cell is that
/// long, see [`UsualCell::read`]).
const ABSENT: (u16, u16) = (u16::MAX, u16::MAX);

impl UsualStart {
    /// Where the start tag ends (just after its `>`).
    #[inline]
    pub(crate) fn end(&self) -> usize {
        usize::from(self.end)
    }

    /// `s` and `t` of `cell`, the start tag (or the whole cell) they were read from.
    #[inline]
    pub(crate) fn style_and_type<'t>(
        &self,
        cell: &'t [u8],
    ) -> (Option<&'t [u8]>, Option<&'t [u8]>) {
        let get = |&(from, to): &(u16, u16)| {
            (from != u16::MAX).then(|| cell.get(usize::from(from)..usize::from(to)))?
        };
        (get(&self.s), get(&self.t))
    }

    /// `r`, `s` and `t` of `cell`, the start tag (or the whole cell) they were read from, as
    /// [`lenient_rst`] reads them from it (a usual tag's values are ASCII).
    #[inline]
    pub(crate) fn rst<'t>(&self, cell: &'t [u8]) -> [Option<&'t [u8]>; 3] {
        let (s, t) = self.style_and_type(cell);
        [cell.get(usize::from(self.r.0)..usize::from(self.r.1)), s, t]
    }
}

/// A cell's start tag read for its reference: as a usual one at once (see [`UsualCell`]),
/// and its `r` as [`lenient`] reads it (from the usual reading when there is one).
#[inline]
pub(crate) fn cell_reference(tag: &[u8]) -> (Option<UsualCell<'_>>, Option<&[u8]>) {
    let usual = UsualCell::read(tag);
    let r = match &usual {
        Some(usual) => Some(usual.r),
        None => lenient(tag, b"r").map(str::as_bytes),
    };
    (usual, r)
}

/// [`lenient_each`] of `r`, `s` and `t`, at once for a usual cell's start tag (see
/// [`UsualCell`]).
#[inline]
pub(crate) fn lenient_rst(tag: &[u8]) -> [Option<&str>; 3] {
    match UsualCell::read(tag) {
        Some(usual) => [Some(usual.r), usual.s, usual.t].map(|v| std::str::from_utf8(v?).ok()),
        None => lenient_each(tag, [b"r", b"s", b"t"]),
    }
}

/// Whether `value` has the shape of a cell reference (letters, then digits, each after an
/// optional `$`), whatever its column and row: readers take references past Excel's grid too.
#[inline]
pub(crate) fn is_reference(value: &[u8]) -> bool {
    let mut i = usize::from(value.first() == Some(&b'$'));
    let letters = i;
    while i < value.len() && value[i].is_ascii_alphabetic() {
        i += 1;
    }
    if i == letters {
        return false;
    }
    i += usize::from(value.get(i) == Some(&b'$'));
    let digits = i;
    while i < value.len() && value[i].is_ascii_digit() {
        i += 1;
    }
    i == value.len() && i > digits
}

/// Whether `value` is one of the cell types SpreadsheetML names (`t`).
#[inline]
pub(crate) fn is_cell_type(value: &[u8]) -> bool {
    matches!(
        value,
        b"s" | b"n" | b"str" | b"inlineStr" | b"b" | b"e" | b"d"
    )
}

/// The value of the attribute that `rest` starts with, when it starts with `key` (` name="`)
/// and its value is of bytes `ok` takes; `rest` then goes on after its closing quote.
#[inline]
fn take<'t>(rest: &mut &'t [u8], key: &[u8], ok: impl Fn(u8) -> bool) -> Option<&'t [u8]> {
    let after = strip_prefix(rest, key)?;
    let len = after.iter().position(|&b| !ok(b))?;
    if after[len] != b'"' {
        return None;
    }
    *rest = &after[len + 1..];
    Some(&after[..len])
}

/// `bytes` without the few bytes `start` at its start, compared in place (see
/// [`same_bytes`]).
#[inline]
pub(crate) fn strip_prefix<'b>(bytes: &'b [u8], start: &[u8]) -> Option<&'b [u8]> {
    let (head, rest) = bytes.split_at_checked(start.len())?;
    same_bytes(head, start).then_some(rest)
}

/// The value of attribute `name` in a tag the writers copy, as text ([`Reading::Lenient`]); no
/// entity decoding: cell references and numbers never need it.
pub(crate) fn lenient<'t>(tag: &'t [u8], name: &[u8]) -> Option<&'t str> {
    as_text(raw(tag, name, Reading::Lenient))
}

/// [`lenient`] of each of `names`, reading the tag once (see [`raw_each`]).
pub(crate) fn lenient_each<'t, const N: usize>(
    tag: &'t [u8],
    names: [&[u8]; N],
) -> [Option<&'t str>; N] {
    raw_each(tag, names, Reading::Lenient).map(as_text)
}

/// A value [`raw`] read, as text.
fn as_text(value: Value<'_>) -> Option<&str> {
    std::str::from_utf8(value.ok().flatten()?).ok()
}

/// The decoded value of the attribute with local name `name` (any prefix) of a start tag read
/// by quick-xml; `None` when it is absent or cannot be decoded.
pub(crate) fn decoded(e: &BytesStart, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict(tag: &str, name: &str) -> Result<Option<&'static str>, Unreadable> {
        let tag: &'static str = Box::leak(tag.to_string().into_boxed_str());
        raw(tag.as_bytes(), name.as_bytes(), Reading::Strict)
            .map(|v| v.map(|v| std::str::from_utf8(v).unwrap()))
    }

    #[test]
    fn both_readings_agree_on_what_writers_make() {
        for tag in [
            r#"<c r="AB12" s='3' t="s">"#,
            r#"<c r="AB12" s='3' t="s"/>"#,
            r#"<x:c r="AB12"  s = '3' t="s">"#,
        ] {
            for (name, value) in [("r", Some("AB12")), ("s", Some("3")), ("x", None)] {
                assert_eq!(strict(tag, name), Ok(value), "{tag} {name}");
                assert_eq!(
                    lenient(tag.as_bytes(), name.as_bytes()),
                    value,
                    "{tag} {name}"
                );
            }
        }
        assert_eq!(lenient(b"<c>", b"r"), None);
        assert_eq!(strict("<c>", "r"), Ok(None));
        assert_eq!(strict("<c/>", "r"), Ok(None));
    }

    #[test]
    fn strict_gives_up_where_it_might_misread() {
        assert_eq!(strict(r#"<c t="a&amp;b">"#, "t"), Err(Unreadable));
        assert_eq!(strict(r#"<c t=s>"#, "t"), Err(Unreadable));
        assert_eq!(strict(r#"<c hidden r="A1">"#, "r"), Err(Unreadable));
        assert_eq!(strict(r#"<c r="A1>"#, "r"), Err(Unreadable));
        // An entity elsewhere in the tag does not matter.
        assert_eq!(strict(r#"<c t="a&amp;b" r="A1">"#, "r"), Ok(Some("A1")));
        // A tab before the first attribute.
        assert_eq!(strict("<c\tr=\"A1\">", "r"), Ok(Some("A1")));
    }

    #[test]
    fn lenient_takes_what_it_can() {
        assert_eq!(lenient(br#"<c t="a&amp;b">"#, b"t"), Some("a&amp;b"));
        assert_eq!(lenient(br#"<c t=s>"#, b"t"), None);
        assert_eq!(lenient(br#"<c r "A1">"#, b"r"), Some("A1"));
        assert_eq!(lenient(br#"<c r="A1>"#, b"r"), None);
        // Only the start tag is read, whatever follows it.
        assert_eq!(lenient(br#"<c><v r="A1"/></c>"#, b"r"), None);
        assert_eq!(lenient(b"<c\tr=\"A1\">", b"r"), None);
        assert_eq!(lenient(b"<c r=\"\xff\">", b"r"), None);
    }

    /// The usual cells of both layouts (Excel's, and the raw one Dynamics writes) are read
    /// at once.
    #[test]
    fn usual_cells_are_read_at_once() {
        for (tag, r, s, t) in [
            (r#"<c r="B2" s="1" t="s">"#, "B2", Some("1"), Some("s")),
            (r#"<c r="AB12">"#, "AB12", None, None),
            (r#"<c r="C3" t="inlineStr">"#, "C3", None, Some("inlineStr")),
            (r#"<x:c r="D4" s="12" t="n"/>"#, "D4", Some("12"), Some("n")),
            (r#"<c r="$E$5" s="0">"#, "$E$5", Some("0"), None),
        ] {
            let cell = UsualCell::read(tag.as_bytes()).expect(tag);
            let text = |v: Option<&'static [u8]>| v.map(|v| std::str::from_utf8(v).unwrap());
            assert_eq!(
                (text(Some(cell.r)), text(cell.s), text(cell.t)),
                (Some(r), s, t)
            );
        }
        for tag in [
            r#"<c t="s" r="B2">"#,
            r#"<c r='B2'>"#,
            "<c\tr=\"B2\">",
            r#"<c  r="B2">"#,
            r#"<c r="B2" s="1" t="s" x="y">"#,
            r#"<c s="1">"#,
            r#"<c r="B2" t="a&amp;b">"#,
            "<c>",
        ] {
            assert_eq!(UsualCell::read(tag.as_bytes()), None, "{tag}");
        }
    }

    /// What the quick reading of a usual cell gives is what the general readings give, for
    /// every tag of up to three usual and unusual pieces in any order.
    #[test]
    fn the_quick_reading_is_the_general_one() {
        let pieces = [
            " r=\"B2\"",
            " r=\"AB$12\"",
            " r=\"\"",
            " r='B2'",
            "  r=\"B2\"",
            " r=\"B2",
            " s=\"3\"",
            " s=\"\"",
            " s=\"a\"",
            " s = \"3\"",
            " t=\"s\"",
            " t=\"inlineStr\"",
            " t=\"a&amp;b\"",
            " t=\"1\"",
            " x=\"y\"",
            " bad",
            "\tt=\"s\"",
            " r=\"B>2\"",
        ];
        let mut lists: Vec<String> = vec![String::new()];
        for _ in 0..3 {
            let longer: Vec<String> = lists
                .iter()
                .filter(|l| l.len() < 40)
                .flat_map(|l| pieces.iter().map(move |p| format!("{l}{p}")))
                .collect();
            lists.extend(longer);
        }
        lists.sort();
        lists.dedup();
        let mut usual = 0;
        for name in ["c", "x:c", "c\t", "", "c>"] {
            for attributes in &lists {
                for end in [">", "/>", " >", " />", ""] {
                    let whole = format!("<{name}{attributes}{end}");
                    // The start tag, as callers cut it: up to its first `>`.
                    let tag = match whole.find('>') {
                        Some(at) => &whole[..=at],
                        None => &whole[..],
                    };
                    let bytes = tag.as_bytes();
                    if let Some(cell) = UsualCell::read(bytes) {
                        usual += 1;
                        assert_eq!(Some(cell.r), raw(bytes, b"r", Reading::Lenient).unwrap());
                        let [s, t] = raw_each(bytes, [b"s", b"t"], Reading::Strict);
                        assert_eq!((Ok(cell.s), Ok(cell.t)), (s, t), "{tag}");
                        // Given again from where they are, in the tag or in the whole cell.
                        let at = cell.start_at(bytes);
                        assert_eq!(at.end(), bytes.len(), "{tag}");
                        assert_eq!(at.style_and_type(bytes), (cell.s, cell.t), "{tag}");
                        let again = at.style_and_type(whole.as_bytes());
                        assert_eq!(again, (cell.s, cell.t), "{tag}");
                        let each =
                            lenient_each(bytes, [b"r", b"s", b"t"]).map(|v| v.map(str::as_bytes));
                        assert_eq!(at.rst(bytes), each, "{tag}");
                        assert_eq!(at.rst(whole.as_bytes()), each, "{tag}");
                    }
                    // The reference as read with the usual reading or without.
                    let r = raw(bytes, b"r", Reading::Lenient).ok().flatten();
                    let r = r.filter(|r| std::str::from_utf8(r).is_ok());
                    assert_eq!(cell_reference(bytes).1, r, "{tag}");
                    let each = lenient_each(bytes, [b"r", b"s", b"t"]);
                    assert_eq!(lenient_rst(bytes), each, "{tag}");
                }
            }
        }
        assert!(usual > 100, "{usual}");
    }

    /// A usual start tag's places are kept in 16 bits: a tag as long as that holds is read as
    /// usual, its values given from their places; a longer one is left to the general reading,
    /// which reads the same reference.
    #[test]
    fn a_start_tag_longer_than_its_places_hold_is_read_the_general_way() {
        let limit = usize::from(u16::MAX);
        // `r`, `s` and `t` up to the end of a tag of `limit` bytes.
        let fixed = r#"<c r="B2" s="" t="s">"#.len();
        let style = format!("{}7", "0".repeat(limit - fixed - 1));
        let tag = format!(r#"<c r="B2" s="{style}" t="s">"#);
        assert_eq!(tag.len(), limit);
        let usual = UsualCell::read(tag.as_bytes()).expect("a usual tag");
        let at = usual.start_at(tag.as_bytes());
        assert_eq!(at.end(), limit);
        let (r, s, t) = (Some(&b"B2"[..]), Some(style.as_bytes()), Some(&b"s"[..]));
        assert_eq!(at.style_and_type(tag.as_bytes()), (s, t));
        assert_eq!(at.rst(tag.as_bytes()), [r, s, t]);
        // An attribute the tag does not have, and one it has empty, told apart.
        let bare = br#"<c r="B2" s="">"#;
        let at = UsualCell::read(bare).expect("a usual tag").start_at(bare);
        assert_eq!(at.style_and_type(bare), (Some(&b""[..]), None));
        // One byte more: the general reading's, which reads the same values.
        let longer_style = format!("0{style}");
        let longer = format!(r#"<c r="B2" s="{longer_style}" t="s">"#);
        assert_eq!(longer.len(), limit + 1);
        assert!(UsualCell::read(longer.as_bytes()).is_none());
        let (usual, reference) = cell_reference(longer.as_bytes());
        assert!(usual.is_none());
        assert_eq!(reference, r);
        assert_eq!(
            lenient_rst(longer.as_bytes()),
            [Some("B2"), Some(longer_style.as_str()), Some("s")]
        );
    }

    #[test]
    fn references_and_cell_types_are_told_by_their_shape() {
        for r in ["B2", "$AB$12", "b2", "XFE1048577", "A0"] {
            assert!(is_reference(r.as_bytes()), "{r}");
        }
        for r in [
            "",
            "B",
            "2",
            "2B",
            "B2$",
            "B$$2",
            "JaneDoe",
            "Jane Doe1",
            "B2C3",
            "$",
        ] {
            assert!(!is_reference(r.as_bytes()), "{r}");
        }
        for t in ["s", "n", "str", "inlineStr", "b", "e", "d"] {
            assert!(is_cell_type(t.as_bytes()), "{t}");
        }
        for t in ["", "S", "x", "string", "Jane", "inlinestr"] {
            assert!(!is_cell_type(t.as_bytes()), "{t}");
        }
    }

    /// Reading several names at once gives each what reading it alone gives: a name found
    /// before a fault in the tag is read, one after it is not, the first of two is taken, an
    /// entity fails only its own name.
    #[test]
    fn names_read_together_read_as_alone() {
        let tags = [
            r#"<c r="B2" s="1" t="s">"#,
            r#"<c r="B2" t="s"/>"#,
            r#"<c t="s" r='B2' s = "3">"#,
            r#"<c r="B2" s="1" t="s" bad>"#,
            r#"<c r="B2" bad s="1" t="s">"#,
            r#"<c r="B2" t="s" t="n">"#,
            r#"<c r="B&amp;2" s="1" t="s">"#,
            r#"<c s=1 t="s">"#,
            r#"<c r="B2>"#,
            "<c>",
            r#"<x:c r="A1" x:t="s">"#,
        ];
        let names: [&[u8]; 3] = [b"r", b"s", b"t"];
        for tag in tags {
            for reading in [Reading::Strict, Reading::Lenient] {
                let together = raw_each(tag.as_bytes(), names, reading);
                let alone = names.map(|name| raw(tag.as_bytes(), name, reading));
                assert_eq!(together, alone, "{tag} {reading:?}");
                let [t, r] = raw_each(tag.as_bytes(), [b"t", b"r"], reading);
                assert_eq!([t, r], [alone[2], alone[0]], "{tag} {reading:?}");
            }
        }
    }
}
