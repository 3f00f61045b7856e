//! Searching text for many removed values at once: case-insensitive, whole words or phrases;
//! and the primitives of the leak sweep that the actions and the writers share (which values
//! identify a person, which columns are kept, how a part's text is read). Below the writers,
//! which search what they keep as they write; the checks of a written file are in `verify`.
//!
//! A 100,000-row export yields over a million distinct removed values. A multi-pattern automaton
//! (aho-corasick) over that many patterns needs hundreds of megabytes of states and still finds
//! every `Mary` inside `Primary`, which must then be thrown away. Because a hit must be a whole
//! word anyway, a value can only start where a word of the text starts. So each value is indexed
//! by its first word (its *anchor*), and a text is searched by looking up each of its words:
//! one hash lookup per word, and a direct comparison only for the few values that share it.

use crate::map::Map;
use crate::plan::FilePlan;
use crate::text::{invisible, narrow, same_mark, unspaced};
use crate::workbook::Workbook;
use calamine::Data;
use quick_xml::events::Event;
use quick_xml::XmlVersion;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The index's keys are FNV hashes already; hashing them again (std's SipHash) would only cost
/// time on every word of every text searched.
#[derive(Default)]
struct KeyIsHash(u64);

impl Hasher for KeyIsHash {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type Index = HashMap<u64, (u32, u32), BuildHasherDefault<KeyIsHash>>;

/// The runs of large anchor groups (see [`Run`]) by their keys → range in
/// [`Needles::needles`].
type Pairs = HashMap<u64, (u32, u32), BuildHasherDefault<KeyIsHash>>;

/// The values that start with one word are narrowed by the next (see
/// [`Needles::candidates`]) when there are more than this many: a common first name starts
/// thousands of a large export's values, a country code tens of thousands of phone numbers
/// (`+1 425 555 …`), and a text that holds it would otherwise be compared with each.
const NARROW_ABOVE: usize = 64;

/// The most words by which values and texts are narrowed.
const NARROW_DEPTH: usize = 8;

/// A [`Haystack`]'s places of two words or more are narrowed by the next (see [`Deeper`])
/// when there are more than this many: the texts searched (a kept column's dates, `7/20/2024`)
/// share their first words far more often than the removed values do, and a value is
/// compared with each place at most once, so only a large share is worth the memory. 16 in
/// tests, so that small sets take that way.
const NARROW_TEXTS_ABOVE: usize = if cfg!(test) { 16 } else { 1024 };

/// Values given one at a time (see [`Needles::from_each`]): the function calls its argument
/// with each value.
pub type Values<'v> = dyn Fn(&mut dyn FnMut(&str)) + Sync + 'v;

/// Values given one at a time, in parts (see [`Needles::from_parts`]): `values(p, n, each)`
/// calls `each` with each value of part `p` of `n`.
pub type Parts<'v> = dyn Fn(usize, usize, &mut dyn FnMut(&str)) + Sync + 'v;

/// Values with fewer characters than this are not searched: `Ann`, `Li`, `12` occur everywhere
/// as parts of ordinary text and would bury real leaks in noise. A character of a script written
/// without spaces (Chinese, Japanese, Korean, Thai, ...) counts as two: `佐々木` is a whole
/// surname.
pub const MIN_CHARS: usize = 4;

/// Values without a letter and with fewer digits than this (postal codes, house numbers, short
/// ids) are searched only in text a person typed (cells, shared strings, comments, CSV fields):
/// everywhere else in a package numbers are sizes, colors, limits and offsets (`20000` is a
/// theme's luminance, `1024` a data validation's maximum length).
pub const MIN_DIGITS_ANYWHERE: usize = 7;

/// Bytes that are not text (an image, printer settings, an OLE object) are read as Latin-1,
/// UTF-8 and UTF-16LE text, and random bytes spell short words by chance. So there only values
/// that chance cannot make are searched: values of at least this many characters, and values
/// that identify a person on their own (see [`identifies`]; any value of two
/// words counts as a name here, since which column it came from is not known) of at least
/// [`MIN_CHARS_IDENTIFYING_IN_BYTES`].
///
/// The arithmetic: a byte read as Latin-1 (or as UTF-8, whose ASCII is the same) is a given
/// letter with probability 2/256 (either case), any other given character 1/256, and not a
/// letter or digit (a word boundary) about half the time. So a value of L letters occurs at a
/// given place with probability about 1/4 × 128^-L, and N values in B bytes read two ways are
/// found by chance about N × B / 2 × 128^-L times:
///
/// - 4 letters (the shortest value searched, see [`MIN_CHARS`]): 1.9 × 10^-4 per value in one
///   100 KB picture, so a 100,000-row export whose few hundred distinct 4-letter first names are
///   removed "finds" one in about 1 picture of 20;
/// - 8 letters: all 871,000 removed values of such an export, as if all had 8 letters, against
///   100 MB of pictures: 871,000 × 10^8 / 2 × 128^-8 ≈ 6 × 10^-4;
/// - 6 characters, identifying: the least specific is 5 letters and a separator (`Jo Lee`),
///   1/4 × 128^-5 × 256^-1 ≈ 2.8 × 10^-14 a place: even 10,000 such values against one
///   100 KB picture make 10^4 × 10^5 × 2 × 2.8 × 10^-14 ≈ 6 × 10^-5. Longer ones (emails,
///   phone numbers of 7 digits and more, most names) are far below the 8-letter figure.
pub const MIN_CHARS_IN_BYTES: usize = 8;

/// See [`MIN_CHARS_IN_BYTES`].
pub const MIN_CHARS_IDENTIFYING_IN_BYTES: usize = 6;

/// Whether a value is searched in bytes that are not text (see [`MIN_CHARS_IN_BYTES`]).
pub fn searched_in_bytes(value: &str) -> bool {
    let value = value.trim();
    let chars = weight(value);
    chars >= MIN_CHARS_IN_BYTES
        || (chars >= MIN_CHARS_IDENTIFYING_IN_BYTES && identifies(value, true))
}

/// Whether a value is never found by any search: blank, shorter than [`MIN_CHARS`], or
/// without a letter or digit (as [`Needles::new`] and [`Haystack::find`] skip it). Such a value
/// need not even be kept.
pub fn never_found(value: &str) -> bool {
    let value = crate::text::trim(value);
    if value.is_ascii() {
        return value.len() < MIN_CHARS || !value.bytes().any(|b| b.is_ascii_alphanumeric());
    }
    // (A value of MIN_CHARS characters or more weighs enough: no need to weigh the rest.)
    if value.chars().nth(MIN_CHARS - 1).is_none() && weight(value) < MIN_CHARS {
        return true;
    }
    // An ASCII letter or digit stays one in lowercase: no lowercased copy for most values.
    !value.bytes().any(|b| b.is_ascii_alphanumeric())
        && !lowercase(value).chars().any(char::is_alphanumeric)
}

/// What kind of text is searched, which decides which values count there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// Text a person typed: every value.
    Typed,
    /// Other text of a package: values searched anywhere (see [`MIN_DIGITS_ANYWHERE`]).
    Markup,
    /// Bytes that are not text, read as text: only those chance cannot make (see
    /// [`MIN_CHARS_IN_BYTES`]).
    Bytes,
    /// A font's name (`typeface="Shruti"`, `<name val="Latha"/>`): a fixed vocabulary that
    /// also holds given names, so only values that no font is named by count there: those
    /// of more than one word, and emails (see [`more_than_a_word`]).
    FontName,
}

/// Whether a lowercase value is more than one word: it has white space or an `@` (a full
/// name, an email). No font is named by such a removed value, while many are by a given name.
fn more_than_a_word(text: &str) -> bool {
    text.trim()
        .contains(|c: char| c.is_whitespace() || c == '@')
}

/// How a value is searched, besides its text.
#[derive(Debug, Clone, Copy)]
struct Kind {
    /// Byte offset of the anchor (the first word) in the value's lowercase text.
    anchor_at: u32,
    /// Whether the value is searched outside cell text too (see [`MIN_DIGITS_ANYWHERE`]).
    anywhere: bool,
    /// Whether the value is searched in bytes that are not text (see [`searched_in_bytes`]).
    in_bytes: bool,
}

impl Kind {
    /// The kind of a trimmed, non-blank `value` whose lowercase is `text`, and whether the
    /// value is too short to search.
    fn of(value: &str, text: &str) -> (Kind, bool) {
        let (short, anywhere, anchor_at) = if text.is_ascii() && value.is_ascii() {
            // Most values: one pass or two over the bytes, no char decoding.
            let bytes = text.as_bytes();
            let anchor_at = bytes.iter().position(u8::is_ascii_alphanumeric);
            let anywhere = bytes.iter().any(u8::is_ascii_alphabetic)
                || bytes.iter().filter(|b| b.is_ascii_digit()).count() >= MIN_DIGITS_ANYWHERE;
            (
                value.len() < MIN_CHARS || anchor_at.is_none(),
                anywhere,
                anchor_at.unwrap_or(0),
            )
        } else {
            let short = weight(value) < MIN_CHARS || !text.chars().any(char::is_alphanumeric);
            let anywhere = text.chars().any(char::is_alphabetic)
                || text.bytes().filter(u8::is_ascii_digit).count() >= MIN_DIGITS_ANYWHERE;
            (
                short,
                anywhere,
                first_word(text).map_or(0, |(start, _)| start),
            )
        };
        let kind = Kind {
            anchor_at: anchor_at as u32,
            anywhere,
            in_bytes: searched_in_bytes(value),
        };
        (kind, short)
    }

    /// Whether the value, whose lowercase text is `text`, counts in text of `reach`.
    fn counts_in(self, reach: Reach, text: &str) -> bool {
        match reach {
            Reach::Typed => true,
            Reach::Markup => self.anywhere,
            Reach::Bytes => self.anywhere && self.in_bytes,
            Reach::FontName => self.anywhere && more_than_a_word(text),
        }
    }
}

/// One value to look for, lowercased, on its own (see [`Haystack`]).
#[derive(Debug)]
struct Needle {
    text: Box<str>,
    kind: Kind,
}

/// One value of a [`Needles`]: where its lowercase text is in [`Needles::text`], and how it is
/// searched ([`Kind`], packed). No allocation of its own, in 16 bytes: a large export has over a
/// million.
#[derive(Debug, Clone, Copy)]
struct Entry {
    start: usize,
    /// The text's length (below [`Entry::ANYWHERE`]) and the kind's flags.
    len_flags: u32,
    anchor_at: u32,
}

impl Entry {
    const ANYWHERE: u32 = 1 << 31;
    const IN_BYTES: u32 = 1 << 30;
    const LEN: u32 = Entry::IN_BYTES - 1;

    /// The entry of the text at `start..end` (at most [`MAX_VALUE_BYTES`] lowercased).
    fn new(start: usize, end: usize, kind: Kind) -> Entry {
        let len = u32::try_from(end - start).map_or(Entry::LEN, |len| len.min(Entry::LEN));
        let flags = if kind.anywhere { Entry::ANYWHERE } else { 0 }
            | if kind.in_bytes { Entry::IN_BYTES } else { 0 };
        Entry {
            start,
            len_flags: len | flags,
            anchor_at: kind.anchor_at,
        }
    }

    fn end(&self) -> usize {
        self.start + (self.len_flags & Entry::LEN) as usize
    }

    fn kind(&self) -> Kind {
        Kind {
            anchor_at: self.anchor_at,
            anywhere: self.len_flags & Entry::ANYWHERE != 0,
            in_bytes: self.len_flags & Entry::IN_BYTES != 0,
        }
    }
}

/// The longest value searched whole, in bytes: a longer one (a CSV field of hundreds of MB) is
/// searched by its first 256 MiB, which finds it wherever it is. Lowercased, it stays below the
/// 1 GiB an [`Entry`] holds.
const MAX_VALUE_BYTES: usize = 1 << 28;

/// `value`, cut to [`MAX_VALUE_BYTES`] at a character's boundary.
fn searched_part(value: &str) -> &str {
    cut_to(value, MAX_VALUE_BYTES)
}

/// `value`, cut to at most `max` bytes at a character's boundary.
fn cut_to(value: &str, max: usize) -> &str {
    if value.len() <= max {
        return value;
    }
    let mut end = max;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    &value[..end]
}

/// The set of values to search for.
#[derive(Debug, Default)]
pub struct Needles {
    /// The lowercase texts of the values, one after the other.
    text: String,
    /// Sorted by anchor hash, so that the values of one anchor are contiguous.
    needles: Vec<Entry>,
    /// Anchor hash → range in `needles`. Two anchors may share a hash; that only adds a
    /// candidate, which the direct comparison then rejects.
    index: Index,
    /// Within each group of more than [`NARROW_ABOVE`] values, the runs of values that share
    /// their first words (see [`narrow_groups`]).
    pairs: Pairs,
    /// Distinct values too short (or without a letter or digit) to be searched.
    skipped: usize,
    /// Distinct values left out of the index because no text searched holds their first word
    /// (see [`Needles::from_parts_within`]): counted, never found.
    unindexed: usize,
    /// With [`Needles::recording`]: the anchors the searches looked up, and no values.
    recorder: Option<Recorder>,
}

/// The anchors (first words' hashes) that searches looked up (see [`Needles::recording`]), as
/// bits: an anchor sets the bit its hash picks. The set holds every anchor it was given, and
/// may seem to hold one it was not (another anchor picked the same bit): only ever more values
/// are indexed for it, never fewer. Recorded with about eight bits per removed value, and
/// folded to at most one bit in [`Anchors::SPARSE`] set, one value left out in a few hundred
/// or fewer is indexed all the same.
#[derive(Debug)]
pub(crate) struct Anchors {
    words: Vec<u64>,
    /// How far the bit's number is shifted down from a 64-bit product (see [`Anchors::bit`]).
    shift: u32,
}

impl Anchors {
    /// The words of a set of `bits` bits, rounded up to a power of two (at least 64), and
    /// the shift that picks a bit among them (see [`Anchors::bit`]).
    fn shape(bits: usize) -> (usize, u32) {
        let bits = bits.next_power_of_two().max(64);
        (bits / 64, 64 - bits.trailing_zeros())
    }

    /// The word and the bit of `anchor` in a set shifted by `shift`: its hash's top bits,
    /// mixed once more (an FNV hash's bits are not all alike).
    fn bit(anchor: u64, shift: u32) -> (usize, u64) {
        let at = (anchor ^ (anchor >> 29)).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> shift;
        ((at >> 6) as usize, 1 << (at & 63))
    }

    /// How sparse [`Anchors::folded`] leaves a set: at most one bit in this many set, so
    /// that about as few anchors seem held as before.
    const SPARSE: usize = 256;

    /// The set folded in half as long as it stays sparse (see [`Anchors::SPARSE`]): each bit
    /// of the half is set when either of the two bits it stands for is, which is the set of
    /// the same anchors one bit shorter ([`Anchors::bit`] with a shift one more). The set is
    /// sized for the removed values before any search, but a search of a good output looks up
    /// few words (a few hundred in a 100,000-row export, whose set is 4 MB): folded, it is a
    /// few KB, and asking it for each of millions of values reads memory that is in the cache.
    fn folded(mut self) -> Anchors {
        let set: usize = self.words.iter().map(|w| w.count_ones() as usize).sum();
        while self.words.len() >= 2 && self.words.len() * 32 >= set.max(1) * Self::SPARSE {
            self.words = self
                .words
                .chunks_exact(2)
                .map(|pair| Anchors::halved(pair[0]) | Anchors::halved(pair[1]) << 32)
                .collect();
            self.shift += 1;
        }
        self
    }

    /// The 32 bits of a word one bit shorter: bit `i` is set when bit `2i` or `2i + 1` of
    /// `word` is.
    fn halved(word: u64) -> u64 {
        let mut x = (word | word >> 1) & 0x5555_5555_5555_5555;
        x = (x | x >> 1) & 0x3333_3333_3333_3333;
        x = (x | x >> 2) & 0x0F0F_0F0F_0F0F_0F0F;
        x = (x | x >> 4) & 0x00FF_00FF_00FF_00FF;
        x = (x | x >> 8) & 0x0000_FFFF_0000_FFFF;
        (x | x >> 16) & 0x0000_0000_FFFF_FFFF
    }

    /// Whether `anchor` was looked up (or seems to have been: see [`Anchors`]).
    pub(crate) fn contains(&self, anchor: u64) -> bool {
        let (word, bit) = Anchors::bit(anchor, self.shift);
        self.words.get(word).is_some_and(|w| w & bit != 0)
    }
}

/// Where a recording [`Needles`] notes each anchor it looks up, from any thread, without a
/// lock: the bits of an [`Anchors`] set as they come (a bit already set is only read).
#[derive(Debug)]
struct Recorder {
    words: Vec<std::sync::atomic::AtomicU64>,
    /// See [`Anchors::bit`].
    shift: u32,
}

impl Recorder {
    fn note(&self, anchor: u64) {
        use std::sync::atomic::Ordering::Relaxed;
        let (word, bit) = Anchors::bit(anchor, self.shift);
        if let Some(word) = self.words.get(word) {
            if word.load(Relaxed) & bit == 0 {
                word.fetch_or(bit, Relaxed);
            }
        }
    }
}

/// A distinct value as [`Needles::new`] gathers it: the hashes of its lowercase first word and
/// whole text (see [`whole_hash`]), and where it is.
#[derive(Clone, Copy)]
struct Gathered {
    anchor: u64,
    whole: u64,
    entry: Entry,
}

/// The distinct values among some of the values (those whose whole hash falls in one shard, or
/// one part of them, see [`Needles::from_parts`]), gathered on one thread, in the order they
/// come.
#[derive(Default)]
struct Shard {
    text: String,
    found: Vec<Gathered>,
    skipped: usize,
    /// The whole hashes of the values left out because their anchor is not among those kept
    /// (see [`Needles::from_parts_within`]), a value's copies each time it comes: a list,
    /// sorted and cut to one of each once gathered (most left-out values are distinct, and a
    /// list of a million hashes takes 8 MB where a set of them takes three times that, and
    /// more while it grows). Joined shards keep each shard's list (see [`distinct_in`]).
    others: Vec<Vec<u64>>,
    /// The values too short to search: whole hash and span of text, kept only to be counted
    /// once.
    short: Vec<(u64, usize, usize)>,
}

/// Which values a [`Shard`] gathers: those of one shard of their whole hashes (each shard reads
/// every value), or all it is given (a part of the values).
#[derive(Clone, Copy)]
enum Share {
    OfHashes { shard: usize, shards: usize },
    All,
}

/// How many distinct hashes `lists` (each sorted, one of each) hold together: the lists
/// merged as they are read, never joined; by ranges of the hashes on the pool's threads (a
/// large export's values left out are over a million).
fn distinct_in(lists: &[Vec<u64>]) -> usize {
    /// Ranges of the hashes: enough that a thread that comes late finds one left to take.
    const RANGES: u64 = 16;
    let total: usize = lists.iter().map(Vec::len).sum();
    if total < 1 << 16 {
        return distinct_merged(lists.iter().map(Vec::as_slice).collect());
    }
    (0..RANGES)
        .into_par_iter()
        .map(|r| {
            let start = r * (u64::MAX / RANGES + 1);
            let end = (r + 1).checked_mul(u64::MAX / RANGES + 1);
            let within = lists.iter().map(|list| {
                let from = list.partition_point(|&h| h < start);
                let to = end.map_or(list.len(), |end| list.partition_point(|&h| h < end));
                &list[from..to]
            });
            distinct_merged(within.collect())
        })
        .sum()
}

/// How many distinct hashes `lists` (each sorted) hold together.
fn distinct_merged(lists: Vec<&[u64]>) -> usize {
    use std::cmp::Reverse;
    let mut heads: std::collections::BinaryHeap<Reverse<(u64, usize)>> = (lists.iter())
        .enumerate()
        .filter_map(|(l, list)| Some(Reverse((*list.first()?, l))))
        .collect();
    let mut at = vec![0; lists.len()];
    let (mut count, mut last) = (0, None);
    while let Some(Reverse((hash, l))) = heads.pop() {
        if last != Some(hash) {
            count += 1;
            last = Some(hash);
        }
        at[l] += 1;
        if let Some(&next) = lists[l].get(at[l]) {
            heads.push(Reverse((next, l)));
        }
    }
    count
}

impl Shard {
    const SHORT: usize = 1 << (usize::BITS - 1);

    /// The whole hash and the span of the text of the value at `place`: its place in `found`,
    /// or (with [`Shard::SHORT`] set) in `short`.
    fn span(&self, place: usize) -> (u64, usize, usize) {
        match place & Shard::SHORT {
            0 => {
                let g = &self.found[place];
                (g.whole, g.entry.start, g.entry.end())
            }
            _ => self.short[place & !Shard::SHORT],
        }
    }

    /// The distinct values of `values` (about `about` of them) that `share` takes. Each value
    /// is read once, in order, and a copy of a value seen before costs one lookup and one
    /// comparison: most values repeat.
    fn gather(values: &Values<'_>, about: usize, share: Share, keep: Option<&Anchors>) -> Shard {
        let room = match share {
            Share::OfHashes { shards, .. } => about / shards + 1,
            Share::All => about + 1,
        };
        let mut out = Shard {
            // Room for every value at 16 bytes each, and for every value distinct: pages never
            // written cost nothing (only what is used is ever resident), while a list of
            // millions that grows is, for a moment, held twice (the old room and the new) and
            // copied. A large export's values are about half distinct.
            text: String::with_capacity(room * 16),
            found: Vec::with_capacity(room),
            // The same for the hashes of the values left out, when some are.
            others: Vec::new(),
            ..Shard::default()
        };
        // Each distinct value seen, by its whole hash: its place (see [`Shard::span`]). A table
        // of places, not of texts: a large export has over a million. Sized for half the
        // values distinct, so that it seldom grows (each growth hashes every place again); with
        // only the values of some anchors kept (a sixth of them, say), for an eighth: a table's
        // places are written all over it, so that all its room is resident.
        let distinct = if keep.is_some() { room / 8 } else { room / 2 };
        let mut seen: hashbrown::HashTable<usize> = hashbrown::HashTable::with_capacity(distinct);
        let mut others: Vec<u64> = Vec::with_capacity(if keep.is_some() { room } else { 0 });
        values(&mut |value: &str| {
            let value = searched_part(crate::text::trim(value));
            if value.is_empty() {
                return;
            }
            // With several shards, each reads every value and keeps those of its hashes.
            let whole = match share {
                Share::OfHashes { shard, shards } if shards > 1 => {
                    let hash = whole_hash(value);
                    if shard_of(hash, shards) != shard {
                        return;
                    }
                    Some(hash)
                }
                _ => None,
            };
            // Lowercase only what is not ASCII; an ASCII value is compared ignoring case.
            let lower = (!value.is_ascii()).then(|| lowercase(value).into_owned());
            let whole = whole.unwrap_or_else(|| match &lower {
                None => fnv1a_lower_ascii(value.as_bytes()),
                Some(lower) => fnv1a(lower.as_bytes()),
            });
            // A value whose first word no search looked up is counted, not indexed (as below):
            // told for an ASCII value before its text is copied or compared.
            if let (Some(keep), None) = (keep, &lower) {
                let anchor = ascii_anchor(value.as_bytes());
                if value.len() >= MIN_CHARS && anchor.is_some_and(|a| !keep.contains(a)) {
                    others.push(whole);
                    return;
                }
            }
            let same = |&place: &usize| {
                let (hash, start, end) = out.span(place);
                hash == whole && {
                    let text = &out.text[start..end];
                    match &lower {
                        None => value.eq_ignore_ascii_case(text),
                        Some(lower) => lower == text,
                    }
                }
            };
            if seen.find(whole, same).is_some() {
                return;
            }
            let start = out.text.len();
            match &lower {
                None => {
                    out.text.push_str(value);
                    out.text[start..].make_ascii_lowercase();
                }
                Some(lower) => out.text.push_str(lower),
            }
            let end = out.text.len();
            let text = &out.text[start..end];
            let (kind, too_short) = Kind::of(value, text);
            let anchor = anchor_of(text).0;
            if !too_short && keep.is_some_and(|keep| !keep.contains(anchor)) {
                // No text searched has its first word: counted, not indexed.
                others.push(whole);
                out.text.truncate(start);
                return;
            }
            let place = if too_short {
                out.skipped += 1;
                out.short.push((whole, start, end));
                Shard::SHORT | (out.short.len() - 1)
            } else {
                // Grown by half when full rather than doubled: the last growth of a list of
                // millions would otherwise leave up to half of it unused.
                if out.found.len() == out.found.capacity() {
                    out.found.reserve_exact((out.found.len() / 2).max(1024));
                }
                out.found.push(Gathered {
                    anchor,
                    whole,
                    entry: Entry::new(start, end, kind),
                });
                out.found.len() - 1
            };
            seen.insert_unique(whole, place, |&p| out.span(p).0);
        });
        drop(seen);
        others.sort_unstable();
        others.dedup();
        others.shrink_to_fit();
        out.others.push(others);
        out
    }

    /// The shards one after the other, as one: the first grown to hold the others, each
    /// freed once copied.
    fn join(shards: Vec<Shard>) -> Shard {
        let mut shards = shards.into_iter();
        let Some(mut all) = shards.next() else {
            return Shard::default();
        };
        let rest: Vec<Shard> = shards.collect();
        all.text
            .reserve_exact(rest.iter().map(|s| s.text.len()).sum());
        all.found
            .reserve_exact(rest.iter().map(|s| s.found.len()).sum());
        for shard in rest {
            let base = all.text.len();
            all.text.push_str(&shard.text);
            all.found.extend(shard.found.into_iter().map(|mut g| {
                g.entry.start += base;
                g
            }));
            all.skipped += shard.skipped;
            all.others.extend(shard.others);
            let shorts = shard.short.into_iter();
            all.short
                .extend(shorts.map(|(whole, start, end)| (whole, start + base, end + base)));
        }
        all
    }

    /// After [`Shard::join`] of the shards of parts of the values (see
    /// [`Needles::from_parts`]), in which a value may be in several: each value once, the
    /// first of its copies (whose kind is the one the value first came with), the found
    /// sorted by anchor and whole hash. The copies' texts stay in `text`, unused.
    fn dedup_parts(&mut self) {
        // Copies have one anchor and one whole hash: sorted together, the first first (texts
        // are written in the order the values come).
        self.found
            .par_sort_unstable_by_key(|g| (g.anchor, g.whole, g.entry.start));
        let text = &self.text;
        let of = |g: &Gathered| &text[g.entry.start..g.entry.end()];
        let mut kept = 0;
        // Where the values of the last anchor and hash start among the kept.
        let mut run = 0;
        for i in 0..self.found.len() {
            let g = self.found[i];
            if kept > 0 {
                let last = self.found[kept - 1];
                if (last.anchor, last.whole) == (g.anchor, g.whole) {
                    if self.found[run..kept].iter().any(|k| of(k) == of(&g)) {
                        continue;
                    }
                } else {
                    run = kept;
                }
            }
            self.found[kept] = g;
            kept += 1;
        }
        self.found.truncate(kept);
        // The values too short to search, counted once each.
        let mut short = std::mem::take(&mut self.short);
        short.sort_unstable_by(|a, b| (a.0, &text[a.1..a.2]).cmp(&(b.0, &text[b.1..b.2])));
        short.dedup_by(|a, b| a.0 == b.0 && text[a.1..a.2] == text[b.1..b.2]);
        self.skipped = short.len();
    }
}

/// Which of `shards` shards a value of whole hash `hash` goes to.
fn shard_of(hash: u64, shards: usize) -> usize {
    // The high bits: the low ones choose a value's place in a shard's table.
    ((hash >> 40) % shards as u64) as usize
}

/// Sort each anchor group of more than [`NARROW_ABOVE`] values of `found` (sorted by anchor)
/// by its values' next words, level by level (see [`Needles::candidates`]), and index the runs
/// of each level. In parallel, group by group. Empty (no narrowing at all) in the unlikely
/// event that two runs' keys are one, so that a run's key always leads to its own values.
fn narrow_groups(text: &str, found: &mut [Gathered]) -> Pairs {
    let mut groups: Vec<(usize, &mut [Gathered])> = Vec::new();
    let mut rest = found;
    let mut at = 0;
    while !rest.is_empty() {
        let anchor = rest[0].anchor;
        let len = rest.iter().take_while(|g| g.anchor == anchor).count();
        let (group, tail) = rest.split_at_mut(len);
        if len > NARROW_ABOVE {
            groups.push((at, group));
        }
        at += len;
        rest = tail;
    }
    let runs: Vec<Vec<Run>> = groups
        .into_par_iter()
        .map(|(at, group)| {
            let mut runs = Vec::new();
            let anchor = group[0].anchor;
            narrow_run(text, group, at, anchor, 1, &mut runs);
            runs
        })
        .collect();
    let mut pairs = Pairs::with_capacity_and_hasher(
        runs.iter().map(Vec::len).sum(),
        BuildHasherDefault::default(),
    );
    for run in runs.into_iter().flatten() {
        if pairs.insert(run.key, run.range).is_some() {
            return Pairs::default();
        }
    }
    pairs
}

/// A run of values of one group that share their first words: the [`pair_hash`] of the hash
/// of those words and of the next word (0 for the values that have no more), which is the hash
/// of the run's words in turn, and their range.
struct Run {
    key: u64,
    range: (u32, u32),
}

/// Sort `run` (at `at` of the values, its values sharing their first `depth` words, whose
/// hash is `prefix`) by their next words, and note each part as a [`Run`], narrowing those
/// still large the same way.
fn narrow_run(
    text: &str,
    run: &mut [Gathered],
    at: usize,
    prefix: u64,
    depth: usize,
    out: &mut Vec<Run>,
) {
    let mut keyed: Vec<(u64, Gathered)> = run
        .iter()
        .map(|g| {
            let value = &text[g.entry.start..g.entry.end()];
            (next_word(value, g.entry.anchor_at as usize, depth), *g)
        })
        .collect();
    keyed.sort_unstable_by_key(|(word, g)| (*word, g.whole));
    let mut parts: Vec<(u64, usize, usize)> = Vec::new();
    for (i, (word, g)) in keyed.into_iter().enumerate() {
        run[i] = g;
        match parts.last_mut() {
            Some(part) if part.0 == word => part.2 = i + 1,
            _ => parts.push((word, i, i + 1)),
        }
    }
    for (word, from, to) in parts {
        let key = pair_hash(prefix, word);
        out.push(Run {
            key,
            range: ((at + from) as u32, (at + to) as u32),
        });
        if word != 0 && is_narrowed(to - from, depth + 1) {
            narrow_run(text, &mut run[from..to], at + from, key, depth + 1, out);
        }
    }
}

/// Whether a run of `len` values sharing their first `depth` words is narrowed by the next
/// (see [`Needles::candidates`]).
fn is_narrowed(len: usize, depth: usize) -> bool {
    len > NARROW_ABOVE && depth < NARROW_DEPTH
}

/// The words of a lowercase `text` from its word at byte `at`, as values are narrowed and
/// texts indexed by (see [`Needles::candidates`], [`Haystack`]): after the first, a word of
/// the modifier letter apostrophe alone (`ʼ`, a letter that does not join, see
/// [`joins`]) is skipped, since a value matches a text that writes it as another apostrophe
/// (see [`crate::text::same_mark`]), which is no word.
fn key_words(text: &str, at: usize) -> impl Iterator<Item = &str> + '_ {
    let rest = text.get(at..).unwrap_or("");
    // An ASCII text's words are its runs of letters and digits (see [`joins`]), found byte
    // by byte: nearly every value and text.
    let mut other = (!rest.is_ascii()).then(|| {
        words(rest)
            .map(move |(s, e)| &rest[s..e])
            .enumerate()
            .filter(|(i, w)| *i == 0 || !is_apostrophe_word(w))
            .map(|(_, w)| w)
    });
    let bytes = rest.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        if let Some(other) = &mut other {
            return other.next();
        }
        while i < bytes.len() && !bytes[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
            i += 1;
        }
        (i > start).then(|| &rest[start..i])
    })
}

/// A word of the modifier letter apostrophe alone (see [`key_words`]).
fn is_apostrophe_word(word: &str) -> bool {
    word == "\u{02BC}"
}

/// The hash of word `n` (from 0) of a lowercase `text` from byte `at` (see [`key_words`]); 0
/// when there is none.
fn next_word(text: &str, at: usize, n: usize) -> u64 {
    key_words(text, at)
        .nth(n)
        .map_or(0, |w| fnv1a(w.as_bytes()))
}

impl Needles {
    /// Build the set from values as they were in the original cells. Values are trimmed,
    /// compared case-insensitively and counted once. Built in parallel: a large export yields
    /// over a million values.
    pub fn new<S: AsRef<str> + Sync>(values: &[S]) -> Needles {
        Needles::from_each(
            &|each: &mut dyn FnMut(&str)| values.iter().for_each(|v| each(v.as_ref())),
            values.len(),
        )
    }

    /// [`Needles::new`] of the values `values` gives, one call of its argument a value, about
    /// `about` of them: values read where they are, with no list of them (a large export
    /// removes millions). `values` may be called once per thread.
    pub fn from_each(values: &Values<'_>, about: usize) -> Needles {
        // The distinct values first, each written once into one text (lowercased, and only
        // that copy), the values read in order; with several threads, each takes the values
        // of some hashes, so that the copies of a value meet on one thread.
        let shards = rayon::current_num_threads().clamp(1, 64);
        let shards = if shards == 1 || about < 1 << 14 {
            vec![Shard::gather(values, about, Share::All, None)]
        } else {
            (0..shards)
                .into_par_iter()
                .map(|shard| {
                    let share = Share::OfHashes { shard, shards };
                    let mut gathered = Shard::gather(values, about, share, None);
                    // Only the texts and the values found go on.
                    gathered.short = Vec::new();
                    gathered
                })
                .collect()
        };
        Needles::index_gathered(Shard::join(shards), false)
    }

    /// [`Needles::new`] of the values `values` gives in parts: `values(p, n, each)` calls
    /// `each` with the values of part `p` of `n`, the parts one after the other being all the
    /// values in order; about `about` of them. With several threads, each reads its part only
    /// (instead of every value, as [`Needles::from_each`] must), and the parts' distinct values
    /// are joined after.
    pub fn from_parts(values: &Parts<'_>, about: usize) -> Needles {
        Needles::from_parts_keeping(values, about, None)
    }

    /// [`Needles::from_parts`] indexing only the values whose first word is among `anchors`,
    /// the anchors that a [`Needles::recording`] looked up searching the texts to search: a
    /// value whose first word no search looks up is found by none, so a search of the same
    /// texts finds what it would find with every value indexed, as long as nothing is found
    /// (a search that finds nothing looks up what the recording looked up). The values left out
    /// are counted in [`Needles::len`]. The anchors go once the values are gathered, before
    /// the index is built.
    pub(crate) fn from_parts_within(values: &Parts<'_>, about: usize, anchors: Anchors) -> Needles {
        Needles::from_parts_keeping(values, about, Some(anchors))
    }

    fn from_parts_keeping(values: &Parts<'_>, about: usize, keep: Option<Anchors>) -> Needles {
        // One part more than the threads: a thread that comes to them late (`verify` checks
        // the header rows beside them) finds one left to take, instead of the others waiting
        // for its share. More parts cost more than they save: each value that several parts
        // hold is written once per part, and their copies are told apart after.
        let threads = rayon::current_num_threads();
        let parts = if about < 1 << 14 || threads < 2 {
            1
        } else {
            (threads + 1).min(64)
        };
        Needles::from_parts_in(values, about, parts, keep)
    }

    /// A set that finds nothing and notes the anchor of every word its searches look up
    /// ([`Needles::recorded`]), for [`Needles::from_parts_within`] of about `values` values:
    /// eight bits per value (see [`Anchors`]). It is not empty: whatever searches a set that
    /// has values searches this one.
    pub(crate) fn recording(values: usize) -> Needles {
        // From 8 KB to 32 MB (a value count no export reaches: past it, more values left out
        // are indexed all the same).
        let (words, shift) = Anchors::shape(values.saturating_mul(8).clamp(1 << 16, 1 << 28));
        Needles {
            recorder: Some(Recorder {
                words: (0..words).map(|_| Default::default()).collect(),
                shift,
            }),
            ..Needles::default()
        }
    }

    /// The anchors a [`Needles::recording`] looked up (none for another set).
    pub(crate) fn recorded(self) -> Anchors {
        match self.recorder {
            Some(Recorder { words, shift }) => Anchors {
                words: words.into_iter().map(|w| w.into_inner()).collect(),
                shift,
            }
            .folded(),
            None => Anchors {
                words: Vec::new(),
                shift: 0,
            },
        }
    }

    /// [`Needles::from_parts`] in `parts` parts.
    fn from_parts_in(
        values: &Parts<'_>,
        about: usize,
        parts: usize,
        keep: Option<Anchors>,
    ) -> Needles {
        if parts <= 1 {
            let each = |each: &mut dyn FnMut(&str)| values(0, 1, each);
            let gathered = Shard::gather(&each, about, Share::All, keep.as_ref());
            drop(keep);
            return Needles::index_gathered(gathered, false);
        }
        let shares: Vec<Shard> = (0..parts)
            .into_par_iter()
            .map(|part| {
                let each = |each: &mut dyn FnMut(&str)| values(part, parts, each);
                Shard::gather(&each, about / parts, Share::All, keep.as_ref())
            })
            .collect();
        drop(keep);
        let mut all = Shard::join(shares);
        all.dedup_parts();
        Needles::index_gathered(all, true)
    }

    /// The index of the distinct values `gathered` holds, its found `sorted` by anchor and
    /// whole hash already or not.
    fn index_gathered(gathered: Shard, sorted: bool) -> Needles {
        let Shard {
            text,
            mut found,
            skipped,
            others,
            ..
        } = gathered;
        // The values left out counted, and their hashes let go before the index is built.
        let unindexed = distinct_in(&others);
        drop(others);
        // Then grouped by anchor (and by whole hash within one, an order that does not depend
        // on the values' order); a large group then by its values' next words.
        if !sorted {
            found.par_sort_unstable_by_key(|g| (g.anchor, g.whole));
        }
        let pairs = narrow_groups(&text, &mut found);
        let anchors = 1 + found
            .windows(2)
            .filter(|w| w[0].anchor != w[1].anchor)
            .count();
        let mut index = Index::with_capacity_and_hasher(anchors, Default::default());
        // One entry per anchor, whose values are together.
        let mut i = 0;
        while i < found.len() {
            let anchor = found[i].anchor;
            let run = found[i..].iter().take_while(|g| g.anchor == anchor).count();
            index.insert(anchor, (i as u32, (i + run) as u32));
            i += run;
        }
        // In the gathered list's own memory (no second list of millions), then cut to size.
        let mut needles: Vec<Entry> = found.into_iter().map(|g| g.entry).collect();
        needles.shrink_to_fit();
        Needles {
            text,
            needles,
            index,
            pairs,
            skipped,
            unindexed,
            recorder: None,
        }
    }

    /// How many distinct values [`Needles::new`] would search for and skip, without building
    /// the index: for a CSV, whose cells are all it has, when none of them could leak.
    pub fn count<S: AsRef<str> + Sync>(values: &[S]) -> (usize, usize) {
        let mut keys: Vec<(u64, bool)> = values
            .par_iter()
            .filter_map(|value| {
                let value = value.as_ref().trim();
                if value.is_empty() {
                    return None;
                }
                if value.is_ascii() {
                    // Most values: no lowercased copy, one pass over the bytes.
                    let bytes = value.as_bytes();
                    let short =
                        bytes.len() < MIN_CHARS || !bytes.iter().any(u8::is_ascii_alphanumeric);
                    return Some((fnv1a_lower_ascii(bytes), short));
                }
                let lower = lowercase(value);
                let short = weight(value) < MIN_CHARS || !lower.chars().any(char::is_alphanumeric);
                Some((fnv1a(lower.as_bytes()), short))
            })
            .collect();
        keys.par_sort_unstable();
        keys.dedup_by_key(|(hash, _)| *hash);
        let skipped = keys.iter().filter(|(_, short)| *short).count();
        (keys.len() - skipped, skipped)
    }

    /// Number of distinct values searched for.
    pub fn len(&self) -> usize {
        self.needles.len() + self.unindexed
    }

    /// Whether there is nothing to search for.
    pub fn is_empty(&self) -> bool {
        self.needles.is_empty() && self.unindexed == 0 && self.recorder.is_none()
    }

    /// Number of distinct values left out because they are too short to be meaningful.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// Whether cell text (a cell, a shared string, a comment, a CSV field) holds any of the
    /// values as a whole word or phrase, ignoring case.
    pub fn found_in(&self, text: &str) -> bool {
        self.search(text, Reach::Typed)
    }

    /// Whether other text of a package (attributes, markup, properties) holds any of the values
    /// that are searched everywhere (see [`MIN_DIGITS_ANYWHERE`]).
    pub fn found_in_markup(&self, text: &str) -> bool {
        self.search(text, Reach::Markup)
    }

    /// Whether bytes that are not text (an image, printer settings), read as text, hold any of
    /// the values that chance cannot make (see [`MIN_CHARS_IN_BYTES`]).
    pub fn found_in_bytes(&self, text: &str) -> bool {
        self.search(text, Reach::Bytes)
    }

    /// Whether a font's name (an attribute such as `typeface`) holds any of the values that
    /// no font is named by: those of more than one word, and emails. A given name that is also
    /// a font's (`Shruti`, `Latha`) is not searched there.
    pub fn found_in_font_name(&self, text: &str) -> bool {
        self.search(text, Reach::FontName)
    }

    /// Where in `text` (byte ranges of `text` itself) the values occur, as [`Needles::found_in`]
    /// finds them, with the matching value (lowercased); not overlapping, longest first where
    /// two start at one place. A value standing in a hyphenated compound (`Anna` in
    /// `Anna-Lena`) is not taken: that is another name.
    pub fn mention_spans(&self, text: &str) -> Vec<(usize, usize, &str)> {
        if self.needles.is_empty() || text.is_empty() {
            return Vec::new();
        }
        // Lowercase char by char, remembering where each lowercased char came from.
        let mut lower = String::with_capacity(text.len());
        let mut origin: Vec<usize> = Vec::with_capacity(text.len() + 1);
        for (i, c) in text.char_indices() {
            let before = lower.len();
            push_lowered(&mut lower, c);
            origin.extend(std::iter::repeat_n(i, lower.len() - before));
        }
        origin.push(text.len());
        let compound = |c: Option<char>, next: Option<char>| {
            c == Some('-') && next.is_some_and(char::is_alphanumeric)
        };
        let mut out: Vec<(usize, usize, &str)> = Vec::new();
        let mut taken_to = 0;
        for (start, end) in words(&lower) {
            let _ = end;
            if start < taken_to {
                continue;
            }
            let anchor = fnv1a(&lower.as_bytes()[start..end]);
            // The longest hit (the last of those as long), not inside a hyphenated compound.
            let mut best: Option<(&str, std::ops::Range<usize>)> = None;
            self.candidates(anchor, &lower, start, |some| {
                for n in some {
                    let text = self.text_of(n);
                    let Some(hit) = match_at(text, n.anchor_at as usize, &lower, start) else {
                        continue;
                    };
                    let mut before = lower[..hit.start].chars().rev();
                    let mut after = lower[hit.end..].chars();
                    let (b1, b2) = (before.next(), before.next());
                    let (a1, a2) = (after.next(), after.next());
                    if !compound(b1, b2)
                        && !compound(a1, a2)
                        && best.as_ref().is_none_or(|(_, b)| hit.len() >= b.len())
                    {
                        best = Some((text, hit));
                    }
                }
                true
            });
            if let Some((n, hit)) = best {
                let (at, stop) = (hit.start, hit.end);
                if at < taken_to {
                    continue;
                }
                out.push((origin[at], origin[stop], n));
                taken_to = stop;
            }
        }
        out
    }

    /// The byte ranges of `text` where values occur (as [`Needles::found_in`] finds them, or
    /// as [`Needles::found_in_markup`] does with `markup`), in order, overlapping hits merged:
    /// for a cleaner that replaces them. Where lowercasing changes the text's layout in a way
    /// that offsets cannot follow, a hit covers the whole text.
    pub fn spans(&self, text: &str, markup: bool) -> Vec<std::ops::Range<usize>> {
        self.spans_in(text, if markup { Reach::Markup } else { Reach::Typed })
    }

    /// [`Needles::spans`] of the values that count in a font's name (see
    /// [`Needles::found_in_font_name`]).
    pub fn font_name_spans(&self, text: &str) -> Vec<std::ops::Range<usize>> {
        self.spans_in(text, Reach::FontName)
    }

    fn spans_in(&self, text: &str, reach: Reach) -> Vec<std::ops::Range<usize>> {
        if self.needles.is_empty() || text.is_empty() {
            return Vec::new();
        }
        let lower = lowercase(text);
        let low = lower.as_ref();
        let mut hits: Vec<std::ops::Range<usize>> = Vec::new();
        for (start, end) in words(low) {
            let anchor = fnv1a(&low.as_bytes()[start..end]);
            self.candidates(anchor, low, start, |some| {
                for n in some {
                    let (needle, anchor_at) = (self.text_of(n), n.anchor_at as usize);
                    if n.kind().counts_in(reach, needle) {
                        hits.extend(match_at(needle, anchor_at, low, start));
                    }
                }
                true
            });
        }
        self.phone_hits(low, reach, |range| hits.push(range));
        if hits.is_empty() {
            return hits;
        }
        // Offsets in the lowercase text, mapped back to the original's characters.
        let to_original: Option<Vec<usize>> =
            if low.len() == text.len() && text.chars().all(|c| lowered_len(c) == c.len_utf8()) {
                None
            } else {
                let mut map = vec![usize::MAX; low.len() + 1];
                let mut at = 0;
                for (i, c) in text.char_indices() {
                    map[at.min(low.len())] = i;
                    at += lowered_len(c);
                }
                if at != low.len() {
                    return vec![std::ops::Range {
                        start: 0,
                        end: text.len(),
                    }];
                }
                map[low.len()] = text.len();
                Some(map)
            };
        let mut out: Vec<std::ops::Range<usize>> = Vec::new();
        hits.sort_by_key(|r| (r.start, r.end));
        for hit in hits {
            let hit = match &to_original {
                None => hit,
                Some(map) => match (map[hit.start], map[hit.end]) {
                    (a, b) if a != usize::MAX && b != usize::MAX => a..b,
                    _ => {
                        return vec![std::ops::Range {
                            start: 0,
                            end: text.len(),
                        }]
                    }
                },
            };
            match out.last_mut() {
                Some(last) if hit.start <= last.end => last.end = last.end.max(hit.end),
                _ => out.push(hit),
            }
        }
        out
    }

    /// The values to compare with a lowercase `text` at its word at byte `at`, whose hash is
    /// `anchor`, given to `each` a slice at a time: the anchor's whole group or, where it is
    /// large, level by level (see [`is_narrowed`]), the values that end with the text's words
    /// so far and then only those that go on with its next word. A value matches only where
    /// the text's words from `at` are its own, apostrophes aside (see [`key_words`]), so the
    /// rest of the group cannot. `false` from `each` stops.
    fn candidates<'s>(
        &'s self,
        anchor: u64,
        text: &str,
        at: usize,
        mut each: impl FnMut(&'s [Entry]) -> bool,
    ) -> bool {
        if let Some(recorder) = &self.recorder {
            recorder.note(anchor);
            return true;
        }
        let Some(&(from, to)) = self.index.get(&anchor) else {
            return true;
        };
        let slice = |(from, to): (u32, u32)| &self.needles[from as usize..to as usize];
        let mut range = (from, to);
        let mut prefix = anchor;
        let mut next = key_words(text, at).skip(1);
        for depth in 1.. {
            let len = (range.1 - range.0) as usize;
            if self.pairs.is_empty() || !is_narrowed(len, depth) {
                return each(slice(range));
            }
            if let Some(&ended) = self.pairs.get(&pair_hash(prefix, 0)) {
                if !each(slice(ended)) {
                    return false;
                }
            }
            let Some(word) = next.next().map(|w| fnv1a(w.as_bytes())) else {
                return true;
            };
            // A key that is no run's (its words are no value's) may still be one by chance:
            // that only adds candidates. Two runs never share one (see [`narrow_groups`]).
            prefix = pair_hash(prefix, word);
            match self.pairs.get(&prefix) {
                Some(&part) if word != 0 => range = part,
                _ => return true,
            }
        }
        true
    }

    fn search(&self, text: &str, reach: Reach) -> bool {
        if (self.needles.is_empty() && self.recorder.is_none()) || text.is_empty() {
            return false;
        }
        // A URL-encoded copy (`anna%40contoso.com`, `Anna%20Berg`) is the value too.
        if let Some(decoded) = percent_decoded(text) {
            if self.search(&decoded, reach) {
                return true;
            }
        }
        // Lowercase the cell's own text (not a whole part at once), so that byte offsets of
        // hits stay within this text even where lowercasing changes lengths (`İ` → `i̇`).
        let lower = lowercase(text);
        let text = lower.as_ref();
        let found = words(text).any(|(start, end)| {
            let anchor = fnv1a(&text.as_bytes()[start..end]);
            !self.candidates(anchor, text, start, |some| {
                !some.iter().any(|n| {
                    n.kind().counts_in(reach, self.text_of(n))
                        && matches_at(self.text_of(n), n.anchor_at as usize, text, start)
                })
            })
        });
        found || {
            let mut phone = false;
            self.phone_hits(text, reach, |_| phone = true);
            phone
        }
    }

    /// The phone-like runs of a lowercase `text` (see [`crate::text::phone_runs`]) whose
    /// digits are a value of the set that counts in `reach`, by their byte ranges: a removed
    /// phone number's digits alone and its last nine (see [`crate::text::phone_forms`]) are
    /// among the values, and so a copy written with other separators, an international prefix
    /// or a trunk `0` is found.
    fn phone_hits(&self, text: &str, reach: Reach, mut hit: impl FnMut(std::ops::Range<usize>)) {
        if reach == Reach::FontName {
            return;
        }
        crate::text::phone_runs(text, |range, form| {
            // A form is one word: only values of one word can be it.
            let found = !self.candidates(fnv1a(form.as_bytes()), form, 0, |some| {
                !some.iter().any(|n| {
                    let needle = self.text_of(n);
                    needle == form && n.kind().counts_in(reach, needle)
                })
            });
            if found {
                hit(range);
            }
        });
    }

    /// The lowercase text of a value of the set.
    fn text_of(&self, n: &Entry) -> &str {
        &self.text[n.start..n.end()]
    }
}

/// A word that may be one of a name's: letters, with apostrophes, hyphens and dots inside
/// (`O'Connor-Walsh`, `J.`), a letter first.
fn name_word(w: &&str) -> bool {
    w.chars().next().is_some_and(char::is_alphabetic)
        && w.chars()
            .all(|c| c.is_alphabetic() || matches!(c, '\'' | '’' | '-' | '.'))
}

/// A text that is a name written last name first ("Doe, Jane", "Doe, Jane Mary", "Doe Jane",
/// "Doe Jane Mary"; the forms Dynamics builds for such name formats), read first name first
/// ("Jane Doe", "Jane Mary Doe"), as the full names a scrub removes are: a kept cell holding a
/// removed person's name in the other order is that name. `None` for any other text.
fn first_name_first(text: &str) -> Option<String> {
    if let Some((last, first)) = text.split_once(',') {
        let last: Vec<&str> = last.split_whitespace().collect();
        let first: Vec<&str> = first.split_whitespace().collect();
        let words = last.len() + first.len();
        return (!last.is_empty()
            && !first.is_empty()
            && words <= 4
            && last.iter().chain(&first).all(name_word))
        .then(|| format!("{} {}", first.join(" "), last.join(" ")));
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    ((2..=3).contains(&words.len()) && words.iter().all(name_word))
        .then(|| format!("{} {}", words[1..].join(" "), words[0]))
}

/// The other forms of a removed full name that name the person all the same in a kept cell:
/// without its middle names ("Jane Doe" for "Jane Mary Doe", see [`first_and_last`]), and
/// without its accents ("Zoe Muller" and "Zoe Mueller" for "Zoë Müller", see
/// [`crate::subjects::unaccented`]), each once. Empty for most values: no allocation for a
/// name of ASCII letters of two words, nor for other text.
pub(crate) fn name_variants(name: &str) -> Vec<String> {
    let mut out: Vec<String> = first_and_last(name).into_iter().collect();
    if !name.is_ascii() {
        let lower = name.to_lowercase();
        let mut forms = vec![lower.clone()];
        forms.extend(first_and_last(&lower));
        for form in forms {
            for german in [false, true] {
                let plain = crate::subjects::unaccented(&form, german);
                if plain != form && !out.contains(&plain) {
                    out.push(plain);
                }
            }
        }
    }
    out
}

/// A removed full name with middle names ("Jane Mary Doe"), without them ("Jane Doe"): a kept
/// cell naming the person so names them all the same. `None` for names of two words and for
/// other text.
pub(crate) fn first_and_last(name: &str) -> Option<String> {
    // Millions of removed values pass here: no list of words, and most values (one or two
    // words, digits, an email) are refused before any allocation.
    let mut words = name.split_whitespace();
    let first = words.next()?;
    let (mut count, mut last) = (1, first);
    for word in words {
        count += 1;
        if count > 4 || !name_word(&word) {
            return None;
        }
        last = word;
    }
    ((3..=4).contains(&count) && name_word(&first)).then(|| format!("{first} {last}"))
}

/// A removed full name (two to four name words, first name first) written last name first, as
/// Dynamics builds names for organizations whose name format says so, and as documents and
/// comments name people: "Doe, Jane Mary" and "Doe Jane Mary" for "Jane Mary Doe". Empty for
/// other text.
pub(crate) fn last_name_first(name: &str) -> Vec<String> {
    // Most removed values are one word, an address or a number: no list of words for them.
    let name = name.trim();
    if !name.contains(' ') || name.contains(['@', ',']) {
        return Vec::new();
    }
    let words: Vec<&str> = name.split_whitespace().collect();
    if !(2..=4).contains(&words.len()) || !words.iter().all(name_word) {
        return Vec::new();
    }
    let (last, rest) = (words[words.len() - 1], words[..words.len() - 1].join(" "));
    vec![format!("{last}, {rest}"), format!("{last} {rest}")]
}

/// A few texts indexed by their words, searched with many values at once: the other way round
/// from [`Needles`], for when the values are many (a large export removes millions) and the
/// text where they must not be is little (the parts of a package outside its cells, the outputs
/// of `mask`, `regex` and `redact`, the distinct values of kept columns). Each value costs one
/// hash of its first word and one lookup; only a value whose first word occurs is compared.
/// The same rules as [`Needles`]: whole words or phrases, ignoring case, values shorter than
/// [`MIN_CHARS`] not searched, and values without letters and with fewer than
/// [`MIN_DIGITS_ANYWHERE`] digits searched only in typed text.
#[derive(Debug, Default)]
pub struct Haystack {
    /// Each text, lowercased, and what kind of text it is (see [`Needles::found_in`]).
    texts: Vec<(Box<str>, Reach)>,
    /// Word hash → the texts and byte offsets where a word with that hash starts.
    index: Places,
    /// The [`pair_hash`] of two words, one after the other (see [`key_words`]) → the texts and
    /// byte offsets where the first starts: a value of several words is compared only where
    /// its first two stand (a phone number's `1` is in every date of a text column).
    pairs: Places,
    /// Where two words stand in many texts, by the words after them (see [`Deeper`]); made
    /// by the first search.
    deeper: std::sync::OnceLock<Deeper>,
    /// The most digits of a word of digits alone in some text (see
    /// [`Haystack::may_hold_phone_forms`]).
    digits: usize,
}

/// Key → the texts and byte offsets where a word starts (see [`Haystack`]).
type Places = HashMap<u64, Vec<(u32, u32)>, BuildHasherDefault<KeyIsHash>>;

/// A [`Haystack`]'s places of three words or more, where their first two stand in more than
/// [`NARROW_TEXTS_ABOVE`] places (every phone number of a column written `+1 425 …`, which all the
/// removed ones of another column would otherwise be compared with), level by level up to
/// [`NARROW_DEPTH`] words: the key of a place's words so far (a chain of [`pair_hash`]) → its
/// places, for every key narrowed. Two keys of one level that are one by chance share their
/// places (which only adds candidates), and are narrowed as one; where a key is one of
/// another level's, nothing is narrowed.
#[derive(Debug, Default)]
struct Deeper {
    places: Places,
    /// The keys whose places are narrowed by the next word: a value that goes on past them
    /// is only in the places of its next key.
    narrowed: std::collections::HashSet<u64, BuildHasherDefault<KeyIsHash>>,
}

impl Haystack {
    /// Add a text; returns its number, counted from 0 in the order added.
    pub fn push(&mut self, text: &str, typed: bool) -> u32 {
        self.push_as(text, if typed { Reach::Typed } else { Reach::Markup })
    }

    /// Add a font's name (see [`Needles::found_in_font_name`]); returns its number, as
    /// [`Haystack::push`] does.
    pub fn push_font_name(&mut self, text: &str) -> u32 {
        self.push_as(text, Reach::FontName)
    }

    /// Add bytes that are not text, read as text (see [`Needles::found_in_bytes`]); returns
    /// its number, as [`Haystack::push`] does.
    pub fn push_bytes(&mut self, text: &str) -> u32 {
        self.push_as(text, Reach::Bytes)
    }

    fn push_as(&mut self, text: &str, reach: Reach) -> u32 {
        let id = self.texts.len() as u32;
        // A URL-encoded copy is searched as well, after a line break (a word boundary); so is
        // a name written last name first, read first name first.
        let mut text: Cow<str> = match percent_decoded(text) {
            Some(decoded) => Cow::Owned(format!("{text}\n{decoded}")),
            None => Cow::Borrowed(text),
        };
        if reach == Reach::Typed {
            if let Some(reading) = first_name_first(&text) {
                text = Cow::Owned(format!("{text}\n{reading}"));
            }
            // And a phone number's digits alone and without its country code, as the removed
            // numbers' are searched: a copy may group them otherwise ("+212 522 641 650" for
            // "+212 522-641650"), or write the national number ("0522 641650").
            for form in crate::text::phone_forms(&text) {
                text = Cow::Owned(format!("{text}\n{form}"));
            }
        }
        // And the digits of each phone-like run inside it, as [`Needles`] compares them
        // (`0049 89 14642946` in a document property for a removed `+49 89 14642946`).
        if reach != Reach::FontName {
            let mut forms = String::new();
            crate::text::phone_runs(&text, |_, form| {
                forms.push('\n');
                forms.push_str(form);
            });
            if !forms.is_empty() {
                text = Cow::Owned(format!("{text}{forms}"));
            }
        }
        let lower = lowercase(&text).into_owned();
        let all: Vec<(usize, usize)> = words(&lower).collect();
        for (i, &(start, end)) in all.iter().enumerate() {
            let word = &lower.as_bytes()[start..end];
            if word.len() > self.digits && word.iter().all(u8::is_ascii_digit) {
                self.digits = word.len();
            }
            let first = fnv1a(word);
            self.index
                .entry(first)
                .or_default()
                .push((id, start as u32));
            // And by its first two words (see [`key_words`]).
            let second = all[i + 1..]
                .iter()
                .find(|&&(s, e)| !is_apostrophe_word(&lower[s..e]));
            if let Some(&(s2, e2)) = second {
                let pair = pair_hash(first, fnv1a(&lower.as_bytes()[s2..e2]));
                self.pairs.entry(pair).or_default().push((id, start as u32));
            }
        }
        self.texts.push((lower.into_boxed_str(), reach));
        id
    }

    /// Number of texts added.
    pub fn len(&self) -> usize {
        self.texts.len()
    }

    /// Text `id`, lowercased.
    pub fn text(&self, id: u32) -> &str {
        &self.texts[id as usize].0
    }

    /// Whether no text was added.
    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    /// Whether some text may hold a phone number's forms ([`crate::text::phone_forms`]): each
    /// is one word of seven digits or more, found only where a text has such a word (most
    /// small haystacks, a sheet's header row say, have none, and the forms need not be made).
    pub(crate) fn may_hold_phone_forms(&self) -> bool {
        self.digits >= crate::text::FEWEST_PHONE_DIGITS
    }

    /// Whether some text has a word where `value` starts: only such a value can be found, so
    /// the rest need not even be kept.
    pub fn may_hold(&self, value: &str) -> bool {
        anchor_hash(value).is_some_and(|hash| self.index.contains_key(&hash))
    }

    /// Whether some text may hold a name without its accents (see [`name_variants`]): those
    /// forms start with the name's first word unaccented, which is all this makes (most removed
    /// names are in no text). An ASCII name has no such form, nor has a name whose first word
    /// is ASCII (its forms start as it does: see [`Haystack::may_hold`]); a name whose first
    /// word has no letter or digit is taken as held.
    pub(crate) fn may_hold_unaccented(&self, name: &str) -> bool {
        if name.is_ascii() {
            return false;
        }
        let Some(first) = name.split_whitespace().next() else {
            return false;
        };
        self.may_hold_unaccented_word(first)
    }

    /// [`Haystack::may_hold_unaccented`] of a name that is not ASCII, by its first word (as
    /// `split_whitespace` gives it), all that the answer depends on.
    pub(crate) fn may_hold_unaccented_word(&self, first: &str) -> bool {
        if first.is_ascii() && first.bytes().any(|b| b.is_ascii_alphanumeric()) {
            return false;
        }
        let lower = first.to_lowercase();
        [false, true].into_iter().any(|german| {
            let plain = crate::subjects::unaccented(&lower, german);
            !plain.chars().any(char::is_alphanumeric) || self.may_hold(&plain)
        })
    }

    /// Every (value, text) pair where the text holds the value (by their positions), in
    /// value order; a value found twice in one text is listed once. In parallel.
    pub fn find<S: AsRef<str> + Sync>(&self, values: &[S]) -> Vec<(usize, u32)> {
        if self.index.is_empty() {
            return Vec::new();
        }
        values
            .par_iter()
            .enumerate()
            .flat_map_iter(|(i, value)| self.texts_with(value.as_ref()).map(move |t| (i, t)))
            .collect()
    }

    /// The places of three words or more (see [`Deeper`]), made once.
    fn deeper(&self) -> &Deeper {
        self.deeper.get_or_init(|| {
            let mut deeper = Deeper::default();
            let mut level: Vec<(u64, Vec<(u32, u32)>)> = self
                .pairs
                .iter()
                .filter(|(_, places)| places.len() > NARROW_TEXTS_ABOVE)
                .map(|(&key, places)| (key, places.clone()))
                .collect();
            // `level` holds keys of `words` words.
            for words in 2..NARROW_DEPTH {
                if level.is_empty() {
                    break;
                }
                deeper.narrowed.extend(level.iter().map(|(key, _)| *key));
                let children: Vec<(u64, (u32, u32))> = level
                    .par_iter()
                    .flat_map_iter(|(key, places)| {
                        places.iter().filter_map(move |&(id, at)| {
                            let text = &self.texts[id as usize].0;
                            let word = key_words(text, at as usize).nth(words)?;
                            Some((pair_hash(*key, fnv1a(word.as_bytes())), (id, at)))
                        })
                    })
                    .collect();
                let mut next = Places::default();
                for (key, place) in children {
                    next.entry(key).or_default().push(place);
                }
                level = next
                    .iter()
                    .filter(|(_, places)| places.len() > NARROW_TEXTS_ABOVE)
                    .map(|(&key, places)| (key, places.clone()))
                    .collect();
                for (key, places) in next {
                    // A key of another level: a value could not tell which it stands for.
                    if self.pairs.contains_key(&key) || deeper.places.contains_key(&key) {
                        return Deeper::default();
                    }
                    deeper.places.insert(key, places);
                }
            }
            deeper
        })
    }

    /// The texts holding `value`.
    fn texts_with(&self, value: &str) -> impl Iterator<Item = u32> + '_ {
        let found: Vec<u32> = anchor_hash(value)
            .and_then(|hash| self.index.get(&hash).map(|p| (hash, p)))
            .and_then(|(hash, places)| {
                let (_, needle, short) = Needle::new(value)?;
                if short {
                    return None;
                }
                let mut keys = key_words(&needle.text, needle.kind.anchor_at as usize)
                    .skip(1)
                    .take(NARROW_DEPTH - 1)
                    .map(|w| fnv1a(w.as_bytes()));
                let places = match keys.next() {
                    Some(second) => {
                        let mut key = pair_hash(hash, second);
                        let mut places = self.pairs.get(&key)?;
                        let deeper = self.deeper();
                        for word in keys {
                            if !deeper.narrowed.contains(&key) {
                                break;
                            }
                            key = pair_hash(key, word);
                            places = deeper.places.get(&key)?;
                        }
                        places
                    }
                    None => places,
                };
                let mut found: Vec<u32> = places
                    .iter()
                    .filter(|&&(id, at)| {
                        let (text, reach) = &self.texts[id as usize];
                        needle.kind.counts_in(*reach, &needle.text)
                            && needle.matches_at(text, at as usize)
                    })
                    .map(|&(id, _)| id)
                    .collect();
                found.sort_unstable();
                found.dedup();
                Some(found)
            })
            .unwrap_or_default();
        found.into_iter()
    }
}

/// The key of two consecutive words in a [`Haystack`]'s index.
fn pair_hash(first: u64, second: u64) -> u64 {
    (first.rotate_left(17) ^ second).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// The hash of a value's first word as [`Needle::new`] computes it, without a lowercased copy
/// for ASCII values (nearly all of them): most values' first words occur in no text, and this is
/// all they cost.
fn anchor_hash(value: &str) -> Option<u64> {
    let value = crate::text::trim(value);
    if value.is_ascii() {
        return ascii_anchor(value.as_bytes());
    }
    // Only the text up to the first word is lowercased (see [`anchor_prefix`]).
    let lower = lowercase(anchor_prefix(value));
    let (start, end) = first_word(&lower)?;
    Some(fnv1a(&lower.as_bytes()[start..end]))
}

/// The start of `value` that [`Haystack::may_hold`] reads: the answer for a value is the one
/// for any other value with the same start.
pub(crate) fn anchor_key(value: &str) -> &str {
    anchor_prefix(crate::text::trim(value))
}

/// The start of `value` that holds its first word (see [`first_word`]) as [`lowercase`] makes
/// it: up to the first white space after a letter or digit other than the modifier letter
/// apostrophe, or all of it. A white space character joins no word, composes with nothing and
/// lowercases alone (a final sigma before it is final either way), so the lowercase of the
/// whole value starts with the lowercase of this.
fn anchor_prefix(value: &str) -> &str {
    let mut worded = false;
    for (i, c) in value.char_indices() {
        if worded && c.is_whitespace() {
            return &value[..i];
        }
        worded |= c.is_alphanumeric() && c != '\u{02BC}';
    }
    value
}

impl Needle {
    /// A value as searched: trimmed, lowercased, with its anchor's hash, and whether it is too
    /// short to search. `None` for a blank value.
    fn new(value: &str) -> Option<(u64, Needle, bool)> {
        let value = value.trim();
        let text = lowercase(value).into_owned();
        if text.is_empty() {
            return None;
        }
        let (hash, _) = anchor_of(&text);
        let (kind, short) = Kind::of(value, &text);
        let needle = Needle {
            text: text.into_boxed_str(),
            kind,
        };
        Some((hash, needle, short))
    }

    /// Whether the needle occurs in `text` with its anchor at byte `word`.
    fn matches_at(&self, text: &str, word: usize) -> bool {
        matches_at(&self.text, self.kind.anchor_at as usize, text, word)
    }
}

/// Whether `needle` (a value's lowercase text, its first word at byte `anchor_at`) occurs in
/// `text` with its anchor at byte `word`, as a whole word or phrase.
fn matches_at(needle: &str, anchor_at: usize, text: &str, word: usize) -> bool {
    match_at(needle, anchor_at, text, word).is_some()
}

/// [`matches_at`], with the byte range of `text` the value takes: its own length, or more or
/// less where the text spaces its words otherwise (see [`spaced_len`]).
fn match_at(
    needle: &str,
    anchor_at: usize,
    text: &str,
    word: usize,
) -> Option<std::ops::Range<usize>> {
    let start = start_before(needle, anchor_at, text, word)?;
    let rest = text.get(start..)?;
    let len = if rest.starts_with(needle) {
        needle.len()
    } else {
        spaced_len(needle, rest)?
    };
    // The value's first and last characters decide whether a hit needs a word boundary on
    // that side (see [`joins`]).
    let first = needle.chars().next().unwrap_or(' ');
    let last = needle.chars().next_back().unwrap_or(' ');
    let before = text[..start].chars().next_back();
    let after = rest[len..].chars().next();
    (!before.is_some_and(|b| joins(b, first)) && !after.is_some_and(|a| joins(last, a)))
        .then_some(start..start + len)
}

/// Where in `text` a value whose first word is at byte `anchor_at` starts, when that word is
/// at byte `word`: as many bytes before it as the value has before its first word, or, where
/// the text writes those characters otherwise (`’t Hart` for `'t Hart`, another apostrophe of
/// another length in bytes; more or other white space), where they start read back character
/// by character as [`spaced_len`] reads them forward. `None` where the text does not hold
/// them there.
fn start_before(needle: &str, anchor_at: usize, text: &str, word: usize) -> Option<usize> {
    let start = word.checked_sub(anchor_at);
    if anchor_at == 0 || start.is_some_and(|s| text.get(s..word) == needle.get(..anchor_at)) {
        return start;
    }
    let mut before = text.get(..word)?.char_indices().rev().peekable();
    let mut value = needle.get(..anchor_at)?.chars().rev().peekable();
    let mut at = word;
    while let Some(c) = value.next() {
        if c.is_whitespace() {
            while value.next_if(|c| c.is_whitespace()).is_some() {}
            at = before.next_if(|(_, t)| t.is_whitespace())?.0;
            while let Some((i, _)) = before.next_if(|(_, t)| t.is_whitespace()) {
                at = i;
            }
        } else {
            at = before.next_if(|&(_, t)| t == c || same_mark(c, t))?.0;
        }
    }
    Some(at)
}

/// The length of the start of `rest` that is `needle` with its spaces written otherwise: a
/// run of any white space (a non-breaking space, as Excel shows it like a space, two spaces, a
/// tab or a line break) for each run of white space in the value; and with its apostrophes and
/// hyphens written otherwise (see [`crate::text::same_mark`]). `None` when `rest` does not start so, and for
/// a value without white space or such marks.
fn spaced_len(needle: &str, rest: &str) -> Option<usize> {
    // Where the two first differ, one of them must be at white space (or just after it in
    // the value, for more of it in the text); most candidates differ in a letter.
    let same = needle
        .bytes()
        .zip(rest.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let mut at = same;
    while !needle.is_char_boundary(at) {
        at -= 1;
    }
    let spaced = |s: &str| {
        s.get(at..)
            .is_some_and(|t| t.starts_with(char::is_whitespace))
    };
    let after_space = needle[..at].ends_with(char::is_whitespace);
    let marks = match (
        needle[at..].chars().next(),
        rest.get(at..).and_then(|r| r.chars().next()),
    ) {
        (Some(a), Some(b)) => same_mark(a, b),
        _ => false,
    };
    if !(spaced(needle) || spaced(rest) || after_space || marks) {
        return None;
    }
    let mut text = rest.char_indices().peekable();
    let mut value = needle.chars().peekable();
    while let Some(c) = value.next() {
        if c.is_whitespace() {
            while value.next_if(|c| c.is_whitespace()).is_some() {}
            text.next_if(|(_, t)| t.is_whitespace())?;
            while text.next_if(|(_, t)| t.is_whitespace()).is_some() {}
        } else {
            text.next_if(|&(_, t)| t == c || same_mark(c, t))?;
        }
    }
    Some(text.peek().map_or(rest.len(), |&(i, _)| i))
}

/// The hash of a trimmed value's whole lowercase text, as the search computes it, without a
/// lowercased copy of an ASCII value.
fn whole_hash(value: &str) -> u64 {
    if value.is_ascii() {
        fnv1a_lower_ascii(value.as_bytes())
    } else {
        fnv1a(lowercase(value).as_bytes())
    }
}

/// Whether two adjacent characters belong to one word, so that a value may not start or end
/// between them (`Mary` in `Primary`). Letters and digits join, except in scripts written
/// without spaces between words, where any character may end a name (`田中さん`). A value that
/// starts or ends with a sign (`+44 20`) is whole wherever it occurs.
fn joins(a: char, b: char) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric();
    }
    // The modifier letter apostrophe (`Oʼbrien`) is a letter, but stands for an apostrophe,
    // which ends a word.
    a.is_alphanumeric()
        && b.is_alphanumeric()
        && !unspaced(a)
        && !unspaced(b)
        && a != '\u{02BC}'
        && b != '\u{02BC}'
}

/// A value's length for [`MIN_CHARS`]: characters, those of unspaced scripts counting two.
fn weight(value: &str) -> usize {
    if value.is_ascii() {
        return value.len();
    }
    value.chars().map(|c| if unspaced(c) { 2 } else { 1 }).sum()
}

/// `text` with its percent escapes (`%20`, `%40`, `%C3%AB`) decoded, when it has any.
pub fn percent_decoded(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let escaped = memchr::memchr_iter(b'%', bytes).any(|i| {
        bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
    });
    escaped.then(|| {
        percent_encoding::percent_decode_str(text)
            .decode_utf8_lossy()
            .into_owned()
    })
}

/// Unicode lowercase, without allocating for text that is already lowercase ASCII.
pub fn lowercase(text: &str) -> Cow<'_, str> {
    use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
    if text.is_ascii() {
        if text.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(text.to_ascii_lowercase())
        } else {
            Cow::Borrowed(text)
        }
    } else if is_nfc_quick(text.chars()) == IsNormalized::Yes {
        Cow::Owned(narrowed(text.to_lowercase()))
    } else {
        // Composed first (NFC): a letter and its accent written apart (NFD, as text pasted
        // from macOS often is) are the letter Excel shows, so "Peña" is found either way.
        Cow::Owned(narrowed(text.nfc().collect::<String>().to_lowercase()))
    }
}

/// `text` with its full-width forms written as the ASCII characters they stand for (see
/// [`crate::text::narrow`]) and without the characters that do not show (see
/// [`crate::text::invisible`]); the same text when it has none.
fn narrowed(text: String) -> String {
    if text.chars().any(|c| narrow(c).is_some() || invisible(c)) {
        text.chars()
            .filter(|&c| !invisible(c))
            .map(|c| narrow(c).unwrap_or(c))
            .collect()
    } else {
        text
    }
}

/// Character `c` as [`lowercase`] writes it, character by character, pushed onto `out`.
fn push_lowered(out: &mut String, c: char) {
    match narrow(c) {
        Some(plain) => out.push(plain.to_ascii_lowercase()),
        None if invisible(c) => {}
        None => out.extend(c.to_lowercase()),
    }
}

/// The length in bytes of `c` as [`lowercase`] writes it (see [`push_lowered`]).
fn lowered_len(c: char) -> usize {
    match narrow(c) {
        Some(_) => 1,
        None if invisible(c) => 0,
        None => c.to_lowercase().map(char::len_utf8).sum(),
    }
}

/// Byte ranges of the words: maximal runs of joined letters and digits (see [`joins`]); in
/// unspaced scripts every character is a word, since any of them may start a name.
fn words(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        let (start, first) = loop {
            let (i, c) = chars.next()?;
            if c.is_alphanumeric() {
                break (i, c);
            }
        };
        let mut end = start + first.len_utf8();
        let mut prev = first;
        while let Some(&(i, c)) = chars.peek() {
            if !joins(prev, c) {
                break;
            }
            end = i + c.len_utf8();
            prev = c;
            chars.next();
        }
        Some((start, end))
    })
}

/// The first word of an ASCII text: its first run of ASCII letters and digits (see
/// [`words`]).
fn ascii_first_word(bytes: &[u8]) -> Option<std::ops::Range<usize>> {
    let start = bytes.iter().position(u8::is_ascii_alphanumeric)?;
    let len = bytes[start..]
        .iter()
        .position(|b| !b.is_ascii_alphanumeric())
        .unwrap_or(bytes.len() - start);
    Some(start..start + len)
}

/// The anchor of an ASCII text in any case: [`anchor_of`] its lowercase, without making it.
fn ascii_anchor(bytes: &[u8]) -> Option<u64> {
    // In one pass: the word is found and hashed as it is read (every removed value's anchor
    // is asked for, by the million in a large export).
    let start = bytes.iter().position(u8::is_ascii_alphanumeric)?;
    let mut hash = FNV_OFFSET;
    for &b in bytes[start..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric())
    {
        hash = fnv1a_step(hash, b.to_ascii_lowercase());
    }
    Some(hash)
}

/// The hash of a lowercase text's first word and where it starts (0 and 0 without a word).
fn anchor_of(text: &str) -> (u64, u32) {
    if text.is_ascii() {
        let bytes = text.as_bytes();
        return match ascii_first_word(bytes) {
            Some(word) => (fnv1a(&bytes[word.clone()]), word.start as u32),
            None => (0, 0),
        };
    }
    match first_word(text) {
        Some((start, end)) => (fnv1a(&text.as_bytes()[start..end]), start as u32),
        None => (0, 0),
    }
}

/// The first word of a text, a value's anchor: its first word that is not the modifier
/// letter apostrophe alone (`ʼt Hart` is found as `'t Hart`, where `'` is no word; see
/// [`key_words`]), or that one when it has no other.
fn first_word(text: &str) -> Option<(usize, usize)> {
    let mut all = words(text);
    let first = all.next()?;
    if !is_apostrophe_word(&text[first.0..first.1]) {
        return Some(first);
    }
    Some(
        all.find(|&(s, e)| !is_apostrophe_word(&text[s..e]))
            .unwrap_or(first),
    )
}

/// [`fnv1a`] of the ASCII lowercase of `bytes`, without the copy.
fn fnv1a_lower_ascii(bytes: &[u8]) -> u64 {
    bytes.iter().fold(FNV_OFFSET, |hash, b| {
        fnv1a_step(hash, b.to_ascii_lowercase())
    })
}

/// FNV-1a: tiny and fast on short words. Collisions only cost a string comparison.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(FNV_OFFSET, |hash, &b| fnv1a_step(hash, b))
}

/// [`fnv1a`]'s hash of nothing.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// [`fnv1a`]'s hash `hash` of some bytes, followed by byte `b`.
fn fnv1a_step(hash: u64, b: u8) -> u64 {
    (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
}

/// Whether a column's header or map key says it holds people's names.
pub fn names_people(header: &str) -> bool {
    let h = header.to_lowercase();
    [
        "name", "owner", "manager", "user", "person", "contact", " by", "approver", "assign",
    ]
    .iter()
    .any(|w| h.contains(w))
}

/// Whether a removed value identifies a person on its own: an email address, a phone number,
/// an identifier with digits, or (when `name`: it comes from a column of people's names) a
/// name of two or more words. A single word (a first name, a city) is often ordinary data too.
pub fn identifies(value: &str, name: bool) -> bool {
    let value = value.trim();
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    let letters = value.chars().filter(|c| c.is_alphabetic()).count();
    let words = value
        .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-')
        .filter(|w| !w.is_empty())
        .count();
    (value.contains('@') && letters > 0)
        || digits >= 7
        || (digits > 0 && letters > 0 && words == 1)
        || (name && words >= 2 && letters > 0)
}

/// The columns of `sheet` whose values the residual check gathers: those not scrubbed
/// (`targets`), each with whether it is protected (the record id, row checksum and modified-on
/// columns, whose values the import needs as Dynamics wrote them: only a value of another shape
/// is gathered there, see [`kept_text_in`]).
pub(crate) fn kept_columns(
    sheet: &crate::workbook::Sheet,
    targets: &[bool],
    metadata: Option<&crate::dynamics::Metadata>,
) -> Vec<(u32, bool)> {
    let protected = protected_columns(sheet, metadata);
    (0..sheet.width())
        .filter(|&c| !targets.get(c as usize).copied().unwrap_or(false))
        .map(|c| (c, protected.get(c as usize).copied().unwrap_or(false)))
        .collect()
}

/// The protected columns of `sheet` by its header row (and `metadata`) that
/// [`kept_columns`] tells apart, and the kept columns' check names apart.
pub(crate) fn protected_columns(
    sheet: &crate::workbook::Sheet,
    metadata: Option<&crate::dynamics::Metadata>,
) -> Vec<bool> {
    crate::plan::protected_columns(&sheet.headers().unwrap_or_default(), metadata)
}

/// [`kept_text`] of a cell of a kept column, `protected` or not (see [`kept_columns`]): a
/// protected column's ids, checksums and dates are none (hundreds of thousands of distinct
/// texts in a large export that hold no one's name), but anything else there is, as in any
/// other kept column (a name typed over a checksum, values shifted into the wrong columns).
pub(crate) fn kept_text_in(value: &Data, protected: bool) -> Option<Cow<'_, str>> {
    if protected && written_by_dynamics(value) {
        return None;
    }
    kept_text(value)
}

/// Whether a protected column's value has a shape Dynamics writes in those columns: a record
/// GUID, a row checksum, a date-time (a serial number of a day up to the year 9999, or its
/// text, with AM or PM as US exports write it).
fn written_by_dynamics(value: &Data) -> bool {
    /// The serial number of 31 December 9999, the last day a spreadsheet shows.
    const LAST_DAY: f64 = 2_958_465.0;
    match value {
        Data::String(t) | Data::DateTimeIso(t) => text_written_by_dynamics(t),
        Data::Float(f) => (0.0..=LAST_DAY + 1.0).contains(f),
        Data::Int(i) => (0..=LAST_DAY as i64).contains(i),
        Data::DateTime(_) | Data::DurationIso(_) | Data::Bool(_) | Data::Error(_) | Data::Empty => {
            true
        }
    }
}

/// [`written_by_dynamics`] of a text (a CSV's field).
pub(crate) fn text_written_by_dynamics(text: &str) -> bool {
    use crate::dynamics::{looks_like_checksum, looks_like_datetime_text, looks_like_guid};
    let t = text.trim();
    let time = ["AM", "PM", "am", "pm"]
        .iter()
        .find_map(|m| t.strip_suffix(m))
        .unwrap_or(t);
    t.is_empty() || looks_like_guid(t) || looks_like_checksum(t) || looks_like_datetime_text(time)
}

/// A kept cell's text as the actions would have seen it; numbers only when long enough to be a
/// phone number or an identifier.
pub(crate) fn kept_text(value: &Data) -> Option<Cow<'_, str>> {
    match value {
        Data::String(t) => Some(Cow::Borrowed(t.as_str())),
        Data::Float(_) | Data::Int(_) => {
            number_text(value).filter(|t| t.bytes().filter(u8::is_ascii_digit).count() >= 7)
        }
        _ => None,
    }
}

/// A number's text as the actions saw it.
pub(crate) fn number_text(value: &Data) -> Option<Cow<'static, str>> {
    match value {
        Data::Float(_) | Data::Int(_) | Data::DateTime(_) => {
            Some(Cow::Owned(crate::text::data_text(value)))
        }
        Data::Bool(_) | Data::Error(_) | Data::Empty => None,
        Data::String(t) | Data::DateTimeIso(t) | Data::DurationIso(t) => {
            Some(Cow::Owned(t.clone()))
        }
    }
}

/// Elements inside one run of formatted text: text on either side of them belongs to one
/// string (`<r><t>Ann</t></r><r><rPr><b/></rPr><t>a Berg</t></r>` shows `Anna Berg`).
pub(crate) fn inside_run(local: &str) -> bool {
    matches!(
        local,
        "r" | "t"
            | "rPr"
            | "b"
            | "i"
            | "u"
            | "sz"
            | "color"
            | "rFont"
            | "family"
            | "scheme"
            | "vertAlign"
            | "strike"
            | "charset"
            | "outline"
            | "shadow"
            | "condense"
            | "extend"
            | "latin"
            | "ea"
            | "cs"
            | "sym"
            | "solidFill"
            | "srgbClr"
            | "schemeClr"
            | "font"
            | "endParaRPr"
    )
}

/// The text of an XML comment (`<!-- ... -->`) or processing instruction (`<?target ...?>`),
/// which no reader shows; `None` for other events.
pub(crate) fn hidden_text(event: &Event) -> Option<String> {
    match event {
        Event::Comment(c) => Some(c.as_ref().to_string()),
        Event::PI(p) => Some(p.as_ref().to_string()),
        _ => None,
    }
}

/// Text of one event, unescaped, appended to `out`. Entity references arrive as events of
/// their own, so text split by `&amp;` is joined again before it is searched.
pub(crate) fn push_text(event: &Event, out: &mut String) {
    match event {
        Event::Text(t) => out.push_str(&t.xml_content(XmlVersion::Implicit1_0)),
        Event::CData(t) => out.push_str(&t.xml_content(XmlVersion::Implicit1_0)),
        Event::GeneralRef(r) => match r.resolve_char_ref() {
            Ok(Some(c)) => out.push(c),
            _ => {
                let name: &str = r;
                match quick_xml::escape::resolve_predefined_entity(name) {
                    Some(s) => out.push_str(s),
                    None => {
                        out.push('&');
                        out.push_str(name);
                        out.push(';');
                    }
                }
            }
        },
        _ => {}
    }
}

/// Per sheet of `original`: which columns the map scrubs (any action but `keep`).
pub(crate) fn target_columns(map: &Map, original: &Workbook, plan: &FilePlan) -> Vec<Vec<bool>> {
    let mut targets: Vec<Vec<bool>> = original
        .sheets
        .iter()
        .map(|s| vec![false; s.width() as usize])
        .collect();
    for sp in &plan.sheets {
        for t in &sp.targets {
            if !matches!(map.rules[t.rule].action, crate::actions::Action::Keep) {
                if let Some(slot) = targets[sp.sheet].get_mut(t.col as usize) {
                    *slot = true;
                }
            }
        }
    }
    targets
}

/// Whether two texts are the same once trimmed, ignoring case (see [`lowercase`]).
pub(crate) fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (crate::text::trim(a), crate::text::trim(b));
    // Two texts that start with different ASCII characters (ignoring case) are told apart
    // first (most are), and without their lowercase copies: a text that starts with an ASCII
    // character lowercases to one that starts with it lowercased, or with the letter composed
    // of it and the accents after it (a letter no other ASCII character composes to, and no
    // character hides).
    let (x, y) = (a.bytes().next(), b.bytes().next());
    if x.zip(y)
        .is_some_and(|(x, y)| x.is_ascii() && y.is_ascii() && !x.eq_ignore_ascii_case(&y))
    {
        return false;
    }
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    lowercase(a) == lowercase(b)
}

/// Per sheet of `original`: the columns whose text in a row that row rules delete is removed
/// (searched for everywhere else): those the map scrubs (see [`target_columns`]) and the
/// columns of the row rules that test for data subjects (`in = "@subjects"`): the owner whose
/// name made the row go is removed with it.
pub(crate) fn deleted_columns(map: &Map, original: &Workbook, plan: &FilePlan) -> Vec<Vec<bool>> {
    let mut columns = target_columns(map, original, plan);
    for sp in &plan.sheets {
        let subject_rules = sp
            .row_rules
            .iter()
            .zip(&sp.row_joins)
            .filter(|((_, rule), _)| {
                matches!(
                    map.rows[*rule].condition,
                    crate::map::Condition::Subjects(_)
                )
            });
        for (&(col, _), &join) in subject_rules {
            for col in std::iter::once(col).chain(join) {
                if let Some(slot) = columns[sp.sheet].get_mut(col as usize) {
                    *slot = true;
                }
            }
        }
    }
    columns
}

/// Whether `value` occurs in `text` (lowercased) only inside hyphenated compounds: a kept
/// `Zoë Müller-Schmidt` is another person than a removed `Zoë Müller`, as `redact` also holds.
pub(crate) fn only_in_compounds(text: &str, value: &str) -> bool {
    let value = lowercase(value.trim()).into_owned();
    if value.is_empty() || value.contains('@') {
        return false;
    }
    let joined = |c: Option<char>, hyphen_side: Option<char>| {
        c == Some('-') && hyphen_side.is_some_and(char::is_alphanumeric)
    };
    let mut found = false;
    let all_compounds = text.match_indices(&value).all(|(at, _)| {
        found = true;
        let mut before = text[..at].chars().rev();
        let mut after = text[at + value.len()..].chars();
        let (b1, b2) = (before.next(), before.next());
        let (a1, a2) = (after.next(), after.next());
        joined(b1, b2) || joined(a1, a2)
    });
    found && all_compounds
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn set(values: &[&str]) -> Needles {
        Needles::new(values)
    }

    /// The values left out are counted once each however many lists hold them, read by ranges
    /// of their hashes when there are many: hashes at the ranges' edges, the largest and
    /// smallest, and copies in every list are counted as the one list of them all counts them.
    #[test]
    fn values_left_out_are_counted_once_whatever_the_lists() {
        let edge = u64::MAX / 16 + 1;
        let mut rng = fastrand::Rng::with_seed(7);
        let mut all: Vec<u64> = (0..200_000).map(|_| rng.u64(..)).collect();
        all.extend([
            0,
            1,
            u64::MAX,
            u64::MAX - 1,
            edge - 1,
            edge,
            edge + 1,
            15 * edge,
        ]);
        let mut lists: Vec<Vec<u64>> = vec![Vec::new(); 3];
        for (i, &h) in all.iter().enumerate() {
            lists[i % 3].push(h);
            // A third of them in two lists, some twice in one.
            if i % 3 == 0 {
                lists[(i + 1) % 3].push(h);
            }
            if i % 7 == 0 {
                lists[i % 3].push(h);
            }
        }
        for list in &mut lists {
            list.sort_unstable();
        }
        let mut distinct = all.clone();
        distinct.sort_unstable();
        distinct.dedup();
        for threads in [1, 2, 3] {
            let counted = crate::testdata::pools::in_pool(threads, || distinct_in(&lists));
            assert_eq!(counted, distinct.len(), "{threads} threads");
        }
        // Few: merged at once.
        let few = vec![vec![1, 2, u64::MAX], vec![2, 3], Vec::new()];
        assert_eq!(distinct_in(&few), 4);
        assert_eq!(distinct_in(&[]), 0);
    }

    /// A protected column's ids, checksums and dates as Dynamics writes them are no kept text,
    /// anything else there is, as in any kept column; a column that is not protected keeps all.
    #[test]
    fn a_protected_column_keeps_only_what_dynamics_did_not_write() {
        let text = |t: &str| Data::String(t.into());
        let written = [
            text("3217a7c8-1ab4-eb11-8236-000d3aff3315"),
            text("{3217A7C8-1AB4-EB11-8236-000D3AFF3315}"),
            text(&format!("{}==", &"nQn9QKDoL7wv0oi5SL7u/+".repeat(4)[..86])),
            text("11/5/2024 8:30 AM"),
            text("05.11.2024 08:30"),
            text("2024-11-05T08:30:00Z"),
            text(" "),
            Data::Float(45431.08447916667),
            Data::Int(45431),
            Data::Empty,
        ];
        for value in &written {
            assert_eq!(kept_text_in(value, true), None, "{value:?}");
        }
        let others = [
            (text("Mary Jones"), "Mary Jones"),
            (text("mary.jones@contoso.com"), "mary.jones@contoso.com"),
            (text("AM"), "AM"),
            (text("3217a7c8-1ab4-eb11-8236"), "3217a7c8-1ab4-eb11-8236"),
            (Data::Float(5551234567.0), "5551234567"),
            (Data::Int(4915112345678), "4915112345678"),
        ];
        for (value, kept) in &others {
            assert_eq!(
                kept_text_in(value, true).as_deref(),
                Some(*kept),
                "{value:?}"
            );
            assert_eq!(
                kept_text_in(value, false).as_deref(),
                Some(*kept),
                "{value:?}"
            );
        }
        assert_eq!(
            kept_text_in(&text("11/5/2024 8:30 AM"), false).as_deref(),
            Some("11/5/2024 8:30 AM")
        );
        assert!(text_written_by_dynamics("11/5/2024 8:30 PM"));
        assert!(!text_written_by_dynamics("Anna Berg"));
    }

    /// A value is found with its apostrophes and hyphens written otherwise (`O’Brien`,
    /// `Al‑Farsi`) and in full-width forms (`Ｋａｒｉｍ`), in the values' index and in the texts'
    /// one; the spans a cleaner replaces cover the whole form.
    #[test]
    fn apostrophes_hyphens_and_full_width_forms_are_the_value() {
        let values = [
            "Sean O'Brien",
            "Karim Al-Farsi",
            "090-5228-4241",
            "karim@contoso.com",
        ];
        let needles = set(&values);
        let texts = [
            "cc Sean O’Brien.",
            "Sean Oʼbrien",
            "Karim Al\u{2011}Farsi",
            "Karim Al–Farsi",
            "Ｋａｒｉｍ　Ａｌ－Ｆａｒｓｉ",
            "tel ０９０－５２２８－４２４１",
            "ｋａｒｉｍ＠ｃｏｎｔｏｓｏ．ｃｏｍ",
        ];
        for text in texts {
            assert!(needles.found_in(text), "{text}");
            let mut hay = Haystack::default();
            hay.push(text, true);
            assert!(!hay.find(&values).is_empty(), "{text}");
            let spans = needles.spans(text, false);
            let mut kept = text.to_string();
            for span in spans.iter().rev() {
                kept.replace_range(span.clone(), "");
            }
            for word in [
                "Brien",
                "brien",
                "Farsi",
                "Ｆａｒｓｉ",
                "４２４１",
                "ｃｏｎｔｏｓｏ",
            ] {
                assert!(!kept.contains(word), "{text}: {kept}");
            }
        }
        // Another spelling is another value.
        assert!(!needles.found_in("Karim Al Farsi"));
        assert!(!needles.found_in("Sean OBrien"));
    }

    /// A value is found with characters that do not show inside it (a soft hyphen as Word
    /// pastes it, a zero-width space, a word joiner, a combining grapheme joiner, bidirectional
    /// marks and isolates, variation selectors, a Hangul filler, a tag character), in the
    /// values' index and in the texts' one; the spans a cleaner replaces cover the whole form,
    /// and so do the mentions.
    #[test]
    fn characters_that_do_not_show_do_not_hide_the_value() {
        let values = ["Ingrid Halvorsen", "Halvorsen"];
        let needles = set(&values);
        let marks = [
            '\u{AD}',
            '\u{200B}',
            '\u{2060}',
            '\u{FEFF}',
            '\u{34F}',
            '\u{61C}',
            '\u{202A}',
            '\u{202C}',
            '\u{2066}',
            '\u{2069}',
            '\u{FE00}',
            '\u{FE0F}',
            '\u{3164}',
            '\u{E0041}',
            '\u{1D173}',
        ];
        for mark in marks {
            let text = format!("Exit interview: Ingrid Hal{mark}vorsen, HR");
            assert!(needles.found_in(&text), "{mark:?}");
            let mut hay = Haystack::default();
            let t = hay.push(&text, true);
            assert_eq!(hay.find(&values[1..]), [(0, t)], "{mark:?}");
            let mut kept = text.clone();
            for span in needles.spans(&text, false).iter().rev() {
                kept.replace_range(span.clone(), "");
            }
            assert_eq!(kept, "Exit interview: , HR", "{mark:?}");
            let mentions = needles.mention_spans(&text);
            assert_eq!(mentions.len(), 1, "{mark:?}");
            assert_eq!(
                &text[mentions[0].0..mentions[0].1],
                format!("Ingrid Hal{mark}vorsen")
            );
            // The value written with the mark is the value too.
            assert!(set(&[&format!("Hal{mark}vorsen")]).found_in("cc Halvorsen"));
        }
    }

    /// A removed phone number written in another format inside a part's text (other
    /// separators, an international prefix `00` or `+49 (0)`, the national form with its trunk
    /// `0`) is found by its digits, in the values' index and in the texts' one, in markup as in
    /// typed text; the spans a cleaner replaces cover the run. Other digits are not.
    #[test]
    fn a_phone_number_in_another_format_inside_a_text_is_found_by_its_digits() {
        let phone = "+49 89 14642946";
        // The values as the scrub gives them: the number and its forms.
        let mut values = vec![phone.to_string()];
        values.extend(crate::text::phone_forms(phone));
        let needles = Needles::new(&values);
        for copy in [
            "0049 89 14642946",
            "089 14642946",
            "+49 (0)89 14642946",
            "+49-89-146 429 46",
            "(089) 1464 2946",
            "08914642946",
        ] {
            let text = format!("<vt:lpwstr>Tel. {copy}, ext. 12</vt:lpwstr>");
            assert!(needles.found_in_markup(&text), "{copy}");
            assert!(needles.found_in(&text), "{copy}");
            let spans = needles.spans(&text, true);
            assert_eq!(spans.len(), 1, "{copy}");
            assert_eq!(&text[spans[0].clone()], copy);
            for typed in [false, true] {
                let mut hay = Haystack::default();
                let t = hay.push(&text, typed);
                let found: Vec<u32> = hay.find(&values).into_iter().map(|(_, t)| t).collect();
                assert!(found.contains(&t), "{copy}");
            }
        }
        for other in [
            "<v>1914642946</v>",
            "x089 14642946",
            "089 14642947",
            "2089 1464 2946 17 0089 1464 2946",
            "ID 4989146429-46a",
        ] {
            assert!(!needles.found_in_markup(other), "{other}");
            assert!(needles.spans(other, true).is_empty(), "{other}");
            let mut hay = Haystack::default();
            hay.push(other, false);
            assert!(hay.find(&values).is_empty(), "{other}");
        }
        // A font's name is no place for a phone number.
        assert!(!needles.found_in_font_name("089 14642946"));
    }

    /// A value and a text with an accent written apart (NFD) or composed (NFC) match either
    /// way, in the values' index and in the texts' one.
    #[test]
    fn composed_and_decomposed_accents_are_one_letter() {
        let (nfc, nfd) = ("Begoña Peña", "Begon\u{303}a Pen\u{303}a");
        for (value, text) in [(nfc, nfd), (nfd, nfc)] {
            let text = format!("Replaces {text} from May");
            assert!(Needles::new(&[value]).found_in(&text), "{value}");
            let mut hay = Haystack::default();
            let t = hay.push(&text, false);
            assert_eq!(hay.find(&[value]), [(0, t)], "{value}");
        }
        assert!(!Needles::new(&[nfc]).found_in("Begona Pena"));
    }

    /// A kept name written last name first holds the removed full name; markup and other text
    /// are not read so.
    #[test]
    fn a_typed_name_written_last_name_first_holds_the_full_name() {
        let mut hay = Haystack::default();
        let texts = [
            hay.push("Al-Farsi, Youssef", true),
            hay.push("Holm Lars", true),
            hay.push("Berg, Anna Maria", true),
            hay.push("Holm Lars", false),
            hay.push("Sales, Marketing, Finance", true),
            hay.push("Holm, Lars 2", true),
        ];
        let values = [
            "Youssef Al-Farsi",
            "Lars Holm",
            "Anna Maria Berg",
            "Marketing Sales",
        ];
        let mut found = hay.find(&values);
        found.sort_unstable();
        assert_eq!(found, [(0, texts[0]), (1, texts[1]), (2, texts[2])]);
        assert_eq!(
            first_name_first("Müller,Zoë").as_deref(),
            Some("Zoë Müller")
        );
        assert_eq!(first_name_first("Zoë"), None);
        assert_eq!(first_name_first("Doe, Jane, Mary"), None);
        assert_eq!(first_and_last("Jane Mary Doe").as_deref(), Some("Jane Doe"));
        assert_eq!(first_and_last("Jane Doe"), None);
        assert_eq!(first_and_last("Doe, Jane Mary"), None);
        assert_eq!(
            first_and_last("  Jane  Anne Mary\tDoe ").as_deref(),
            Some("Jane Doe")
        );
        assert_eq!(first_and_last("Jane Anne Mary Lou Doe"), None);
        assert_eq!(first_and_last("Jane 2 Doe"), None);
        assert_eq!(first_and_last("2 Jane Doe"), None);
        assert_eq!(first_and_last("jane.doe@example.com"), None);
        assert!(name_variants("Jane Doe").is_empty());
        assert_eq!(name_variants("Jane Mary Doe"), ["Jane Doe"]);
        assert_eq!(
            name_variants("Zoë Anna Müller"),
            [
                "Zoë Müller",
                "zoe anna muller",
                "zoe anna mueller",
                "zoe muller",
                "zoe mueller"
            ]
        );
        assert_eq!(name_variants("José Núñez"), ["jose nunez"]);
    }

    #[test]
    fn never_found_is_what_the_index_skips() {
        for value in [
            "", "  ", "Ann", " Ann ", "Anna", "12", "1234", "----", "+44", "+44 2", "佐々", "佐",
            "Zoë", "Zoë ", "Zoëx", "İİİ", "Ⅰ Ⅱ", "é.é.",
        ] {
            let set = Needles::new(&[value]);
            assert_eq!(never_found(value), set.is_empty(), "{value:?}");
            let mut hay = Haystack::default();
            hay.push(&format!("x {value} x"), true);
            if never_found(value) {
                assert!(hay.find(&[value]).is_empty(), "{value:?}");
            }
        }
    }

    #[test]
    fn a_haystack_finds_what_needles_find() {
        let values = [
            "Mary",
            "anna.berg@contoso.com",
            "+44 20 7946 0958",
            "Zoë Müller",
            "佐々木",
            "Li",
            "98052",
            "Anna Maria Lund",
        ];
        let texts = [
            ("Primary Care", true),
            ("mailto:ANNA.BERG@contoso.com", false),
            ("tel:+44 20 7946 0958", false),
            ("contact zoë müller today", true),
            ("佐々木さんに連絡", true),
            ("Li Wei", true),
            ("zip 98052", false),
            ("zip 98052", true),
            ("Anna Maria Lundqvist; anna maria lund", true),
        ];
        let mut hay = Haystack::default();
        for (text, typed) in texts {
            hay.push(text, typed);
        }
        let found = hay.find(&values);
        assert_eq!(
            found,
            [(1, 1), (2, 2), (3, 3), (4, 4), (6, 7), (7, 8)],
            "no Mary in Primary, nothing under 4 characters, short numbers only in typed text"
        );
        for (v, t) in &found {
            let needles = Needles::new(&[values[*v]]);
            let (text, typed) = texts[*t as usize];
            assert!(if typed {
                needles.found_in(text)
            } else {
                needles.found_in_markup(text)
            });
        }
    }

    #[test]
    fn url_encoded_copies_are_found() {
        let n = set(&["anna.berg@contoso.com", "Anna Berg"]);
        assert!(n.found_in_markup("mailto:anna.berg%40contoso.com"));
        assert!(n.found_in_markup("https://x.invalid/?q=Anna%20Berg"));
        assert!(!n.found_in_markup("https://x.invalid/?q=Anna%20Bergman"));
        let mut hay = Haystack::default();
        hay.push("see Anna%20Berg", false);
        assert_eq!(hay.find(&["Anna Berg"]), [(0, 0)]);
    }

    #[test]
    fn whole_words_only() {
        let n = set(&["Mary"]);
        assert!(n.found_in("Mary"));
        assert!(n.found_in("Call Mary."));
        assert!(n.found_in("(mary)"));
        assert!(!n.found_in("Primary"));
        assert!(!n.found_in("Marys"));
        assert!(!n.found_in("Mary2"));
        assert!(!n.found_in("Ma ry"));
    }

    #[test]
    fn ignores_case_in_any_script() {
        let n = set(&["Zoë Müller", "İstanbul", "ΣΩΚΡΆΤΗΣ"]);
        assert!(n.found_in("contact ZOË MÜLLER today"));
        assert!(n.found_in("İSTANBUL"));
        assert!(n.found_in("σωκράτης"));
        assert!(!n.found_in("Zoë Müllerova"));
    }

    #[test]
    fn phrases_and_punctuation() {
        let n = set(&["anna.berg@contoso.com", "+44 20 7946 0958", "O'Brien"]);
        assert!(n.found_in("mail ANNA.BERG@CONTOSO.COM now"));
        assert!(!n.found_in("joanna.berg@contoso.com"));
        assert!(!n.found_in("anna.berg@contoso.community"));
        // A value that starts with a sign is whole wherever it occurs.
        assert!(n.found_in("tel:+44 20 7946 0958"));
        assert!(!n.found_in("+44 20 7946 09581"));
        assert!(n.found_in("Mr O'Brien"));
    }

    #[test]
    fn a_name_last_name_first() {
        assert_eq!(
            last_name_first("Jane Mary Doe"),
            ["Doe, Jane Mary", "Doe Jane Mary"]
        );
        assert_eq!(last_name_first("Wei Liu"), ["Liu, Wei", "Liu Wei"]);
        for other in [
            "Jane",
            "jane.doe@contoso.com",
            "+44 20 7946",
            "A B C D E",
            "Doe, Jane",
        ] {
            assert!(last_name_first(other).is_empty(), "{other}");
        }
    }

    #[test]
    fn words_spaced_otherwise_are_the_value() {
        let n = set(&["Karim Al-Farsi", "Wei Liu", "+212 522-641650"]);
        for text in [
            "Karim\u{a0}Al-Farsi",
            "ask karim  al-farsi",
            "Karim\tAl-Farsi",
            "Wei\u{a0}Liu",
            "Karim\r\nAl-Farsi",
            "tel +212\u{a0}522-641650",
        ] {
            assert!(n.found_in(text), "{text:?}");
            let mut hay = Haystack::default();
            hay.push(text, true);
            assert!(
                !hay.find(&["Karim Al-Farsi", "Wei Liu", "+212 522-641650"])
                    .is_empty(),
                "{text:?}"
            );
        }
        for text in [
            "KarimAl-Farsi",
            "Karim Al-Farsia",
            "Wei Liuk",
            "+212 522-6416501",
        ] {
            assert!(!n.found_in(text), "{text:?}");
        }
        // A cleaner replaces the whole of it, and a mention too.
        let text = "From Karim\u{a0}\u{a0}Al-Farsi, today";
        assert_eq!(n.spans(text, false), vec![5..22]);
        assert_eq!(n.mention_spans(text), [(5, 22, "karim al-farsi")]);
    }

    #[test]
    fn repeated_anchor_words_are_all_tried() {
        let n = set(&["Anna Berg", "Anna Maria Lund", "Anna"]);
        assert!(n.found_in("x Anna Maria Lund y"));
        assert!(n.found_in("Annabel and anna"));
        let n = set(&["Anna Berg", "Anna Maria Lund"]);
        assert!(!n.found_in("Anna Maria Lundqvist; Anna Bergström"));
    }

    #[test]
    fn unspaced_scripts_need_no_word_boundary() {
        let n = set(&["佐々木", "美奈子 佐々木", "김민수", "Anna"]);
        assert_eq!(n.skipped(), 0, "three ideographs weigh six");
        assert!(n.found_in("佐々木さんに連絡"));
        assert!(n.found_in("担当: 美奈子 佐々木"));
        assert!(n.found_in("김민수가 퇴사함"));
        assert!(n.found_in("田中Anna"));
        assert!(!n.found_in("Annas"));
        assert_eq!(set(&["王"]).skipped(), 1);
    }

    #[test]
    fn counting_agrees_with_building() {
        let values = [
            "Li",
            "Ann",
            "Anna",
            "ANNA ",
            "Zoë Müller",
            "zoë müller",
            "----",
            "",
            "佐々木",
        ];
        let n = set(&values);
        assert_eq!(Needles::count(&values), (n.len(), n.skipped()));
        assert_eq!(Needles::count(&values), (3, 3));
    }

    #[test]
    fn short_numbers_are_searched_in_cell_text_only() {
        let n = set(&["1024", "10115", "+44 20 7946 0958", "51.507351", "Anna"]);
        assert!(n.found_in("PLZ 10115") && n.found_in("1024"));
        assert!(!n.found_in_markup("Maximum Length: 1024 characters."));
        assert!(!n.found_in_markup("10115"));
        assert!(n.found_in_markup("tel: +44 20 7946 0958"));
        assert!(n.found_in_markup("51.507351"));
        assert!(n.found_in_markup("<dc:creator>Anna</dc:creator>"));
    }

    #[test]
    fn bytes_that_are_no_text_are_searched_only_for_what_chance_cannot_spell() {
        let values = [
            "Anna",
            "Jo Li",
            "12.34.56",
            "Lindqvist",
            "Anna Berg",
            "anna.berg@contoso.com",
            "5550123",
            "E12345",
        ];
        let n = set(&values);
        let bytes = |v: &str| format!("\u{1}\u{fffd}x {v}\u{0}\u{7f}");
        for v in ["Anna", "Jo Li", "12.34.56"] {
            assert!(n.found_in_markup(&bytes(v)) || v == "12.34.56", "{v}");
            assert!(!n.found_in_bytes(&bytes(v)), "{v}");
        }
        for v in &values[3..] {
            assert!(n.found_in_bytes(&bytes(v)), "{v}");
        }
        // The same rule where the values are many and the text is little.
        let mut hay = Haystack::default();
        hay.push_bytes(&bytes("Anna"));
        hay.push_bytes(&bytes("Lindqvist"));
        hay.push(&bytes("Anna"), false);
        assert_eq!(hay.find(&["Anna", "Lindqvist"]), [(0, 2), (1, 1)]);
    }

    #[test]
    fn short_and_wordless_values_are_skipped_and_counted() {
        let n = set(&["Li", "Ann", "Dr.", "----", "  ", "Anna", "anna", "ANNA "]);
        assert_eq!(n.len(), 1, "one distinct value");
        assert_eq!(n.skipped(), 4, "Li, Ann, Dr. and ----");
        assert!(!n.found_in("Ann Li"));
        assert!(set(&[]).is_empty());
    }

    #[test]
    fn spans_locate_hits_in_the_original_text() {
        let n = set(&["Anna Berg", "anna.berg@contoso.com", "İlkay Öz", "1024"]);
        let text = "Mail ANNA.BERG@contoso.com or Anna Berg, not Annabel.";
        let spans = n.spans(text, false);
        let found: Vec<&str> = spans.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(found, ["ANNA.BERG@contoso.com", "Anna Berg"]);
        // Lowercasing `İ` grows the text; spans still cut at the original's characters.
        let text = "von İlkay Öz.";
        let spans = n.spans(text, false);
        assert_eq!(
            spans.iter().map(|r| &text[r.clone()]).collect::<Vec<_>>(),
            ["İlkay Öz"]
        );
        assert!(n.spans("size 1024", true).is_empty());
        assert_eq!(
            n.spans("size 1024", false),
            [std::ops::Range { start: 5, end: 9 }]
        );
        assert!(n.spans("Primary", false).is_empty());
    }

    /// The set as [`Needles::new`] must build it, value by value: the lowercase text, anchor,
    /// and reach of the first copy of each distinct value (trimmed, ignoring case), sorted, and
    /// how many distinct values are too short to search.
    fn reference<S: AsRef<str>>(values: &[S]) -> (Vec<(String, u32, bool, bool)>, usize) {
        let mut seen = std::collections::HashSet::new();
        let (mut out, mut skipped) = (Vec::new(), 0);
        for value in values {
            let value = value.as_ref().trim();
            let text = value.to_lowercase();
            if text.is_empty() || !seen.insert(text.clone()) {
                continue;
            }
            if weight(value) < MIN_CHARS || !text.chars().any(char::is_alphanumeric) {
                skipped += 1;
                continue;
            }
            let anchor_at = first_word(&text).map_or(0, |(start, _)| start as u32);
            let anywhere = text.chars().any(char::is_alphabetic)
                || text.bytes().filter(u8::is_ascii_digit).count() >= MIN_DIGITS_ANYWHERE;
            out.push((text, anchor_at, anywhere, searched_in_bytes(value)));
        }
        out.sort();
        (out, skipped)
    }

    /// Checks `n` against [`reference`]: the same values, each reachable from the index under
    /// its first word, each anchor's values in one range.
    fn assert_as_reference<S: AsRef<str>>(n: &Needles, values: &[S]) {
        let (expected, skipped) = reference(values);
        let mut built: Vec<(String, u32, bool, bool)> = n
            .needles
            .iter()
            .map(|e| {
                let k = e.kind();
                (
                    n.text_of(e).to_string(),
                    k.anchor_at,
                    k.anywhere,
                    k.in_bytes,
                )
            })
            .collect();
        built.sort();
        assert_eq!(built, expected);
        assert_eq!(n.skipped(), skipped);
        assert_eq!(n.len(), expected.len());
        for (i, e) in n.needles.iter().enumerate() {
            let (hash, _) = anchor_of(n.text_of(e));
            let &(from, to) = n.index.get(&hash).expect("anchor indexed");
            assert!((from as usize..to as usize).contains(&i));
        }
        let ranges: usize = n
            .index
            .values()
            .map(|(from, to)| (to - from) as usize)
            .sum();
        assert_eq!(ranges, n.len(), "the anchors' ranges do not overlap");
    }

    #[test]
    fn a_large_set_is_built_in_shards_as_value_by_value() {
        // Enough values for several shards (one per thread), many of them repeated
        // in other cases and scripts.
        let first = [
            "Anna",
            "Lars",
            "Zoë",
            "İlkay",
            "Mary",
            "Jo",
            "佐々木",
            "KELVIN",
            "Ole",
        ];
        let values: Vec<String> = (0..90_000)
            .map(|i| match i % 6 {
                0 => format!("{} Berg{}", first[i % first.len()], i % 7_000),
                1 => format!("{}.berg{}@contoso.com", first[i % 4], i % 9_000).to_uppercase(),
                2 => format!("  +44 20 {:04} {:04} ", i % 5_000, i % 3),
                3 => first[i % first.len()].to_lowercase(),
                4 => format!("\u{212A}elvin {}", i % 11),
                _ => ["", "  ", "Li", "----", "Ann"][i % 5].to_string(),
            })
            .collect();
        // On one thread (one shard) and on three (three shards, the copies of a value on one).
        let on = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("thread pool");
            pool.install(|| Needles::new(&values))
        };
        assert_as_reference(&on(1), &values);
        let n = on(3);
        assert_as_reference(&n, &values);
        assert!(n.found_in("mail ANNA.BERG12@contoso.com today"));
        assert!(n.found_in("kelvin 3"));
        assert!(!n.found_in("Berg12"));
        // The lists are sized by the count given; a count far below the real one makes them
        // grow, with the same set.
        let each = |each: &mut dyn FnMut(&str)| values.iter().for_each(|v| each(v));
        assert_as_reference(&Needles::from_each(&each, 10), &values);
        assert_as_reference(&Needles::from_each(&each, 0), &values);
        // In parts, each read on its own (the copies of a value in several parts meeting when
        // they are joined), however many.
        let parts = |p: usize, n: usize, each: &mut dyn FnMut(&str)| {
            let bound = |p: usize| values.len() * p / n;
            values[bound(p)..bound(p + 1)].iter().for_each(|v| each(v));
        };
        for n in [1, 2, 3, 5, 64] {
            assert_as_reference(
                &Needles::from_parts_in(&parts, values.len(), n, None),
                &values,
            );
            assert_as_reference(&Needles::from_parts_in(&parts, 0, n, None), &values);
        }
        // A value's place in 16 bytes: a large export has over a million.
        assert_eq!(std::mem::size_of::<Entry>(), 16);
        let kind = Kind {
            anchor_at: 3,
            anywhere: true,
            in_bytes: false,
        };
        let e = Entry::new(5, 12, kind);
        assert_eq!((e.end(), e.kind().anchor_at), (12, 3));
        assert!(e.kind().anywhere && !e.kind().in_bytes);
    }

    #[test]
    fn a_value_too_long_to_search_whole_is_searched_by_its_start() {
        assert_eq!(cut_to("Zoë Müller", 100), "Zoë Müller");
        // Never inside a character: "ë" is two bytes.
        assert_eq!(cut_to("Zoë Müller", 3), "Zo");
        assert_eq!(cut_to("Zoë Müller", 4), "Zoë");
        assert!(
            MAX_VALUE_BYTES * 3 <= Entry::LEN as usize,
            "lowercased, it fits an entry"
        );
    }

    /// Values of a few words each, from a small vocabulary, joined as names, addresses and
    /// phone numbers are: many share their first words, so that their groups are narrowed.
    fn phrases(words: &[usize], marks: &[usize]) -> String {
        const WORDS: [&str; 9] = ["anna", "Berg", "o", "1", "425", "ʼ", "lena", "中", "0100"];
        const MARKS: [&str; 10] = [
            " ", "  ", "\u{a0}", "-", "\u{2011}", "'", "’", "ʼ", ".", "+",
        ];
        let mut out = String::new();
        for (i, w) in words.iter().enumerate() {
            if i > 0 {
                out.push_str(MARKS[marks.get(i).copied().unwrap_or(0) % MARKS.len()]);
            }
            out.push_str(WORDS[w % WORDS.len()]);
        }
        out
    }

    /// The spans each set finds in `text`, merged as [`Needles::spans`] merges its own.
    fn spans_one_by_one(sets: &[Needles], text: &str, markup: bool) -> Vec<std::ops::Range<usize>> {
        let mut spans: Vec<_> = sets
            .iter()
            .flat_map(|one| one.spans(text, markup))
            .collect();
        spans.sort_by_key(|r| (r.start, r.end));
        let mut merged: Vec<std::ops::Range<usize>> = Vec::new();
        for r in spans {
            match merged.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        merged
    }

    #[test]
    fn a_large_group_finds_what_its_values_one_by_one_find() {
        let mut values: Vec<String> = (0..100).map(|i| format!("+1 425 555 {:04}", i)).collect();
        values.extend((0..80).map(|i| format!("Anna Surname{i}")));
        values.extend((0..70).map(|i| format!("O'Brien{i} Anna")));
        values.extend(
            [
                "Anna",
                "Anna Maria Berg",
                "Anna-Lena",
                "Oʼbrien",
                "O’Neil Anna",
                "+1 425",
            ]
            .map(String::from),
        );
        let n = Needles::new(&values);
        assert!(!n.pairs.is_empty(), "the groups are narrowed");
        let texts = [
            "call +1 425 555 0042 today",
            "call +1  425\u{a0}555\ttoday 0042",
            "+1 425 555 00421",
            "+1 425",
            "ANNA SURNAME7",
            "Anna  Surname29, Anna Maria  Berg",
            "anna surname70",
            "o’brien3 anna",
            "oʼbrien",
            "o'brien",
            "o\u{2011}neil anna",
            "anna‑lena",
            "annabel",
            "anna%20surname4",
        ];
        for text in texts {
            let one_by_one = values.iter().any(|v| Needles::new(&[v]).found_in(text));
            assert_eq!(n.found_in(text), one_by_one, "{text}");
            let singles: Vec<Needles> = values.iter().map(|v| Needles::new(&[v])).collect();
            assert_eq!(
                n.spans(text, false),
                spans_one_by_one(&singles, text, false),
                "{text}"
            );
        }
    }

    #[test]
    fn phone_numbers_that_share_their_first_words_are_narrowed_by_the_next() {
        let texts: Vec<String> = (0..500)
            .map(|i| format!("+1 425 {} {:04}", 200 + i % 7, i))
            .collect();
        let mut hay = Haystack::default();
        for text in &texts {
            hay.push(text, true);
        }
        let values = [
            "+1 425 203 0010",
            "+1  425 206\u{a0}0013",
            "+1 425 203",
            "+1 425 999 0010",
        ];
        let found = hay.find(&values);
        assert!(hay.deeper().narrowed.len() > 1, "two levels narrowed");
        assert!(
            found.contains(&(0, 10)) && found.contains(&(1, 13)),
            "{found:?}"
        );
        // `+1 425 203` stands at the start of a seventh of them.
        assert_eq!(
            found.iter().filter(|(v, _)| *v == 2).count(),
            (0..500).filter(|i| i % 7 == 3).count()
        );
        assert!(!found.iter().any(|(v, _)| *v == 3));
    }

    /// A value that starts with an apostrophe (`'t Hart`, `'s-Hertogenbosch`) is found where
    /// a text writes it as another apostrophe, of another length in bytes, and the span a
    /// cleaner replaces starts at that apostrophe.
    #[test]
    fn a_value_that_starts_with_an_apostrophe_is_found_written_otherwise() {
        for (value, text, span) in [
            ("'t Hart", "Ask ’t Hart today", "’t Hart"),
            ("’t Hooft", "Mr 't  Hooft.", "'t  Hooft"),
            (
                "'s-Hertogenbosch",
                "via ʼs\u{2011}Hertogenbosch",
                "ʼs\u{2011}Hertogenbosch",
            ),
            ("ʼt Hart", "Ask 't Hart", "'t Hart"),
        ] {
            let needles = Needles::new(&[value]);
            assert!(needles.found_in(text), "{value} in {text}");
            let spans = needles.spans(text, false);
            assert_eq!(spans.len(), 1, "{value} in {text}");
            assert_eq!(&text[spans[0].clone()], span);
            let mut hay = Haystack::default();
            hay.push(text, true);
            assert_eq!(hay.find(&[value]), vec![(0, 0)], "{value} in {text}");
        }
        assert!(!Needles::new(&["'t Hart"]).found_in("Het Hart"));
    }

    /// A value is found where its words stand with the modifier letter apostrophe (`ʼ`, a
    /// letter, so a word of its own) written for another apostrophe, or the other way round,
    /// by both indexes, wherever the apostrophe is.
    #[test]
    fn the_modifier_letter_apostrophe_is_an_apostrophe_in_both_indexes() {
        for (value, text) in [
            ("O'Brien Sean", "cc Oʼbrien Sean"),
            ("Oʼbrien Sean", "cc O'Brien Sean"),
            ("Sean O'Brien", "cc Sean Oʼbrien"),
            ("O’Brien", "cc Oʼbrien."),
        ] {
            assert!(Needles::new(&[value]).found_in(text), "{value} in {text}");
            let mut hay = Haystack::default();
            hay.push(text, true);
            assert_eq!(hay.find(&[value]), vec![(0, 0)], "{value} in {text}");
        }
    }

    /// Texts of a few words each (see [`phrases`]) that share their first words in their
    /// hundreds, and values of their words written with other marks.
    fn many_texts() -> impl Strategy<Value = (Vec<String>, Vec<String>)> {
        let phrase = || {
            (
                // The first two words among four pairs: places of tens to a hundred.
                (
                    0usize..2,
                    0usize..2,
                    proptest::collection::vec(0usize..9, 0..4),
                )
                    .prop_map(|(first, second, rest)| [vec![first, second], rest].concat()),
                proptest::collection::vec(0usize..10, 6),
            )
        };
        (
            proptest::collection::vec(phrase(), 200..400),
            proptest::collection::vec(
                (
                    any::<proptest::sample::Index>(),
                    0usize..4,
                    proptest::collection::vec(0usize..10, 6),
                ),
                1..12,
            ),
        )
            .prop_map(|(texts, picks)| {
                // A value: some of a text's words from its first, with other marks.
                let values = picks
                    .iter()
                    .map(|(pick, cut, marks)| {
                        let (words, _) = pick.get(&texts);
                        phrases(&words[..words.len().saturating_sub(*cut).max(1)], marks)
                    })
                    .collect();
                let texts = texts.iter().map(|(w, m)| phrases(w, m)).collect();
                (texts, values)
            })
    }

    /// Whether each of `needles`' searches finds something in `text`, in the order of
    /// [`Reach`]: typed text, markup, bytes, a font's name.
    fn found_everywhere(needles: &Needles, text: &str) -> [bool; 4] {
        [
            needles.found_in(text),
            needles.found_in_markup(text),
            needles.found_in_bytes(text),
            needles.found_in_font_name(text),
        ]
    }

    /// `values` indexed whole, and only those whose first word the searches of `texts` look up
    /// (see [`Needles::from_parts_within`]), in `parts` parts.
    fn whole_and_within(values: &[String], texts: &[String], parts: usize) -> (Needles, Needles) {
        let each = |p: usize, n: usize, each: &mut dyn FnMut(&str)| {
            let bound = |p: usize| values.len() * p / n;
            values[bound(p)..bound(p + 1)].iter().for_each(|v| each(v));
        };
        let whole = Needles::from_parts_in(&each, values.len(), parts, None);
        let recording = Needles::recording(values.len());
        assert!(!recording.is_empty(), "searched as a set with values is");
        for text in texts {
            assert_eq!(found_everywhere(&recording, text), [false; 4]);
        }
        let anchors = recording.recorded();
        let within = Needles::from_parts_in(&each, values.len(), parts, Some(anchors));
        (whole, within)
    }

    #[test]
    fn an_ascii_texts_anchor_is_its_lowercase_ones() {
        for text in [
            "Anna Berg",
            "  O'Brien",
            "jane.DOE@contoso.com",
            "+1 425",
            "--",
            "",
            "x",
        ] {
            let lower = text.to_ascii_lowercase();
            let expected = Some(anchor_of(&lower)).filter(|&(_, at)| {
                lower
                    .as_bytes()
                    .get(at as usize)
                    .is_some_and(u8::is_ascii_alphanumeric)
            });
            assert_eq!(
                ascii_anchor(text.as_bytes()),
                expected.map(|(a, _)| a),
                "{text}"
            );
        }
    }

    /// Texts may hold a phone number's forms only when one has a word of seven digits or more:
    /// a header row has none (the forms need not be made); a text with a number, its digits
    /// grouped or not, has one, and there the forms are found.
    #[test]
    fn phone_forms_may_be_held_only_by_a_word_of_seven_digits_or_more() {
        let typed = |texts: &[&str]| {
            let mut hay = Haystack::default();
            for text in texts {
                hay.push(text, true);
            }
            hay
        };
        let headers = [
            "Mobile Phone",
            "Address 1: Street 1",
            "Zip 94105",
            "Ext. 123456",
        ];
        assert!(!typed(&headers).may_hold_phone_forms());
        for text in [
            "call +1 425 555 0100 after five",
            "14255550100",
            "fax 425-555-0199",
        ] {
            assert!(typed(&[text]).may_hold_phone_forms(), "{text}");
        }
        let texts = typed(&["call +1 425 555 0100 after five"]);
        let forms = crate::text::phone_forms("+1 (425) 555-0100");
        assert_eq!(forms, ["14255550100", "255550100"]);
        assert!(!texts.find(&forms).is_empty());
    }

    /// The recorded anchors hold every anchor noted, from any thread, and few others: with
    /// eight bits per value, about one in ten when as many anchors as values are noted.
    #[test]
    fn recorded_anchors_hold_every_anchor_noted_and_few_others() {
        let values = 10_000;
        let recording = Needles::recording(values);
        let anchor = |i: u64| fnv1a(format!("word{i}").as_bytes());
        let Some(recorder) = &recording.recorder else {
            panic!("a recording has a recorder");
        };
        (0..values as u64)
            .into_par_iter()
            .for_each(|i| recorder.note(anchor(i)));
        let anchors = recording.recorded();
        assert!((0..values as u64).all(|i| anchors.contains(anchor(i))));
        let others = (values as u64..2 * values as u64)
            .filter(|&i| anchors.contains(anchor(i)))
            .count();
        assert!(
            others < values / 8,
            "{others} of {values} others seem noted"
        );
        // Nothing noted, nothing held.
        let none = Needles::recording(values).recorded();
        assert!((0..values as u64).all(|i| !none.contains(anchor(i))));
    }

    /// A set in which few anchors were noted is folded small, and still holds each of them
    /// and few others; folding a word keeps each pair of bits as one.
    #[test]
    fn recorded_anchors_that_are_few_are_folded_into_a_small_set() {
        let values = 1_000_000;
        let anchor = |i: u64| fnv1a(format!("word{i}").as_bytes());
        for noted in [0u64, 1, 40, 600] {
            let recording = Needles::recording(values);
            let Some(recorder) = &recording.recorder else {
                panic!("a recording has a recorder");
            };
            let before = recorder.words.len();
            (0..noted).for_each(|i| recorder.note(anchor(i)));
            let anchors = recording.recorded();
            assert!((0..noted).all(|i| anchors.contains(anchor(i))), "{noted}");
            let bits = anchors.words.len() * 64;
            assert!(bits < before * 64 / 16, "{noted} anchors: {bits} bits");
            assert!(
                bits >= noted as usize * Anchors::SPARSE,
                "{noted}: {bits} bits"
            );
            let others = (noted..noted + 100_000)
                .filter(|&i| anchors.contains(anchor(i)))
                .count();
            assert!(
                others < 1_000,
                "{noted} anchors: {others} others seem noted"
            );
        }
        assert_eq!(Anchors::halved(0), 0);
        assert_eq!(Anchors::halved(0b0110_0001), 0b1101);
        assert_eq!(Anchors::halved(1 << 63), 1 << 31);
        assert_eq!(Anchors::halved(u64::MAX), u64::from(u32::MAX));
    }

    #[test]
    fn values_whose_first_word_no_search_looks_up_are_counted_not_indexed() {
        let values: Vec<String> = [
            "Anna Berg",
            "anna.berg@contoso.com",
            "+1 425 555 0100",
            "Zoë Müller",
            "Karim Al-Farsi",
            "Li",
            "Primary Care",
            "anna berg",
        ]
        .iter()
        .map(|v| v.to_string())
        .collect();
        let texts: Vec<String> = [
            "Met Anna%20Berg and (425) 555-0100 today",
            "zoe muller, team lead",
            "Primary school",
        ]
        .iter()
        .map(|t| t.to_string())
        .collect();
        for parts in [1, 2, 3] {
            let (whole, within) = whole_and_within(&values, &texts, parts);
            assert_eq!(
                (within.len(), within.skipped()),
                (whole.len(), whole.skipped())
            );
            // Karim's and the email's first words are in no text: left out of the index.
            assert!(within.needles.len() < whole.needles.len(), "{parts} parts");
            for text in &texts {
                assert_eq!(
                    found_everywhere(&within, text),
                    found_everywhere(&whole, text)
                );
            }
            assert!(within.found_in(&texts[0]), "the name and the phone number");
            assert!(
                !within.found_in("Karim Al-Farsi"),
                "not indexed, so not searched for"
            );
        }
    }

    proptest! {
        /// Indexed only with the first words that searching some texts looks up, a set finds in
        /// those texts what the whole set finds, and counts the same values: names in other
        /// cases and orders, emails, phone numbers in other formats, URL-encoded copies.
        #[test]
        fn a_set_within_the_recorded_anchors_finds_what_the_whole_set_finds(
            values in proptest::collection::vec(
                proptest::collection::vec(0usize..14, 1..4), 0..24),
            texts in proptest::collection::vec(
                proptest::collection::vec((0usize..14, 0usize..5), 0..7), 1..6),
            parts in 1usize..4,
        ) {
            const WORDS: [&str; 14] = [
                "Anna", "berg", "Zoë", "MÜLLER", "jane.doe@contoso.com", "+1 425 555 0100",
                "(425) 555-0100", "O'Brien", "Li", "primary", "Mary", "\u{212A}elvin",
                "anna%20berg", "Doe,",
            ];
            const SEPARATORS: [&str; 5] = [" ", ", ", "-", "/", "."];
            let values: Vec<String> = values
                .iter()
                .map(|words| words.iter().map(|&w| WORDS[w]).collect::<Vec<_>>().join(" "))
                .collect();
            let texts: Vec<String> = texts
                .iter()
                .map(|words| {
                    words.iter().map(|&(w, s)| format!("{}{}", WORDS[w], SEPARATORS[s])).collect()
                })
                .collect();
            let (whole, within) = whole_and_within(&values, &texts, parts);
            prop_assert_eq!((within.len(), within.skipped()), (whole.len(), whole.skipped()));
            for text in &texts {
                prop_assert_eq!(found_everywhere(&within, text), found_everywhere(&whole, text));
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// Two texts are the same, told by their first characters where those differ, as
        /// their lowercase copies are: ASCII and accented letters, accents written apart (that
        /// compose with the letter before them), capitals whose lowercase is longer, the
        /// Kelvin sign, full-width forms, characters that do not show, white space around.
        #[test]
        fn texts_told_the_same_by_their_starts_are_the_same_lowercase(
            a in "[ aAkKiIéÉ\u{301}\u{307}\u{130}\u{212A}\u{FF21}\u{FF41}\u{200B}\u{AD}]{0,4}",
            b in "[ aAkKiIéÉ\u{301}\u{307}\u{130}\u{212A}\u{FF21}\u{FF41}\u{200B}\u{AD}]{0,4}",
        ) {
            prop_assert_eq!(same_text(&a, &b), lowercase(a.trim()) == lowercase(b.trim()), "{:?} {:?}", a, b);
        }
    }

    proptest! {
        /// A value's anchor, read from the lowercase of its start only (see
        /// [`anchor_prefix`]), is that of the whole value lowercased: with capitals that
        /// lowercase to two characters or by their context (a final sigma), letters and
        /// accents written apart, full-width and invisible characters, the modifier letter
        /// apostrophe and other white space.
        #[test]
        fn a_values_anchor_is_read_from_its_start(
            value in "[aAΣσςİéeK\u{301}\u{308}Ｋ\u{200B}ʼ'中 \u{a0}\u{3000}\t.-]{0,12}",
        ) {
            let lower = lowercase(value.trim());
            let whole = first_word(&lower).map(|(s, e)| fnv1a(&lower.as_bytes()[s..e]));
            prop_assert_eq!(anchor_hash(&value), whole);
        }

        /// The words of an ASCII text, found byte by byte, are those [`words`] finds.
        #[test]
        fn ascii_key_words_are_the_words(text in "[a-z0-9 .,'+@-]{0,30}") {
            let by_words: Vec<&str> = words(&text).map(|(s, e)| &text[s..e]).collect();
            prop_assert_eq!(key_words(&text, 0).collect::<Vec<_>>(), by_words);
        }

        /// A haystack of texts that share their first words in their hundreds (narrowed word
        /// by word, see [`Deeper`]) finds each value in the texts where a haystack of that
        /// text alone finds it.
        #[test]
        fn a_large_haystack_finds_what_each_text_holds((texts, values) in many_texts()) {
            let mut hay = Haystack::default();
            for text in &texts {
                hay.push(text, true);
            }
            let mut expected = Vec::new();
            for (v, value) in values.iter().enumerate() {
                for (t, text) in texts.iter().enumerate() {
                    let mut one = Haystack::default();
                    one.push(text, true);
                    if !one.find(&[value]).is_empty() {
                        expected.push((v, t as u32));
                    }
                }
            }
            prop_assert_eq!(hay.find(&values), expected);
        }

        /// A large group of values narrowed word by word finds in a text what its values
        /// searched one by one find there (each the only value of its group).
        #[test]
        fn narrowed_groups_find_what_each_value_finds(
            values in proptest::collection::vec(
                (
                    // The first word one of two (`anna`, `Berg`): groups of more than
                    // `NARROW_ABOVE` values, most of the time.
                    (0usize..2, proptest::collection::vec(0usize..9, 0..4))
                        .prop_map(|(first, rest)| [vec![first], rest].concat()),
                    proptest::collection::vec(0usize..10, 5),
                ),
                100..260,
            ),
            around in (proptest::collection::vec(0usize..9, 0..4), proptest::collection::vec(0usize..10, 4)),
            pick in any::<proptest::sample::Index>(),
            marks in proptest::collection::vec(0usize..10, 5),
        ) {
            // The text: a value's words with other marks between them, after other words.
            let (words, _) = pick.get(&values);
            let text = format!("{} {}", phrases(&around.0, &around.1), phrases(words, &marks));
            let values: Vec<String> = values.iter().map(|(w, m)| phrases(w, m)).collect();
            let n = Needles::new(&values);
            let singles: Vec<Needles> = values.iter().map(|v| Needles::new(&[v])).collect();
            for reach in [Reach::Typed, Reach::Markup, Reach::Bytes, Reach::FontName] {
                prop_assert_eq!(
                    n.search(&text, reach),
                    singles.iter().any(|one| one.search(&text, reach)),
                    "{:?} in {:?}", reach, text
                );
            }
            prop_assert_eq!(n.spans(&text, true), spans_one_by_one(&singles, &text, true));
        }

        /// Agrees with a naive search over every start position (a run of spaces is any run of
        /// spaces, see [`spaced_len`]).
        #[test]
        fn agrees_with_a_naive_search(
            values in proptest::collection::vec("[a-cA-CÄä +.中か]{1,7}", 1..6),
            text in "[a-cA-CÄä +.x中か]{0,30}",
        ) {
            let n = Needles::new(&values);
            let squash = |s: &str| s.split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
            let naive = {
                let text = squash(&text.to_lowercase());
                values.iter().filter(|v| weight(v.trim()) >= MIN_CHARS).map(|v| squash(&v.trim().to_lowercase())).filter(|v| {
                    v.chars().any(char::is_alphanumeric)
                }).any(|v| {
                    // Every start position, overlapping ones included.
                    text.char_indices().filter(|(i, _)| text[*i..].starts_with(&v)).any(|(i, _)| {
                        let before = text[..i].chars().next_back();
                        let after = text[i + v.len()..].chars().next();
                        let first = v.chars().next().unwrap();
                        let last = v.chars().next_back().unwrap();
                        !before.is_some_and(|b| joins(b, first)) && !after.is_some_and(|a| joins(last, a))
                    })
                })
            };
            prop_assert_eq!(n.found_in(&text), naive);
            prop_assert_eq!(!n.spans(&text, false).is_empty(), naive);
        }

        /// The sweep's index of the texts finds a value in a text wherever the cleaners'
        /// index of the values finds it there: a kept copy the sweep missed would be left in
        /// the output, the run reporting ok.
        #[test]
        fn the_texts_index_finds_what_the_values_index_finds(
            // Marks, then a letter or digit (a value of apostrophes alone, `ʼ` being a
            // letter, has no word written otherwise), then anything.
            value in (
                "[ .@'’ʼ\u{2011}-]{0,2}",
                "[aAbB1-3Ｋ中İé]",
                "[aAbB1-3 .@'’ʼ\u{a0}\u{2011}Ｋ中İé-]{0,8}",
            )
                .prop_map(|(marks, first, rest)| marks + &first + &rest),
            before in "[aB1 .'ʼ中-]{0,6}",
            after in "[aB1 .'ʼ中-]{0,6}",
            choices in proptest::collection::vec(0usize..7, 10),
        ) {
            // The value written otherwise: each apostrophe, hyphen or space as another, each
            // letter in the other case.
            let written: String = value
                .chars()
                .zip(choices.iter().cycle())
                .map(|(c, &k)| {
                    if crate::text::APOSTROPHES.contains(&c) {
                        crate::text::APOSTROPHES[k].to_string()
                    } else if crate::text::HYPHENS.contains(&c) {
                        crate::text::HYPHENS[k].to_string()
                    } else if c.is_whitespace() {
                        [" ", "  ", "\u{a0}", "\t", " \u{a0}", "\n", " "][k].to_string()
                    } else if k % 2 == 1 {
                        c.to_uppercase().collect()
                    } else {
                        c.to_lowercase().collect()
                    }
                })
                .collect();
            let one = Needles::new(&[&value]);
            // The value is found written so, its marks before its first word too.
            if one.len() == 1 {
                prop_assert!(one.found_in(&written), "{:?} in {:?}", value, written);
            }
            let text = format!("{before}{written}{after}");
            if one.found_in(&text) {
                let mut hay = Haystack::default();
                hay.push(&text, true);
                prop_assert!(!hay.find(&[&value]).is_empty(), "{:?} in {:?}", value, text);
            }
        }

        /// Built as value by value, whatever the mix of cases, scripts, blanks and repeats;
        /// and found where a naive search over the reference's values finds them.
        #[test]
        fn builds_as_value_by_value(
            values in proptest::collection::vec("[aAbBkK\u{212A}İıiΣσςß1-3 .@中か-]{0,9}", 0..24),
            text in "[aAbBkK\u{212A}İıiΣσςß1-3 .@中かx-]{0,30}",
        ) {
            let mut all = values.clone();
            all.extend(values.iter().map(|v| v.to_uppercase()));
            all.extend(values.iter().rev().map(|v| format!(" {} ", v.to_lowercase())));
            let n = Needles::new(&all);
            assert_as_reference(&n, &all);
            let lower = text.to_lowercase();
            let (expected, _) = reference(&all);
            let naive = |reach: Reach| expected.iter().any(|(needle, anchor_at, anywhere, in_bytes)| {
                let kind = Kind { anchor_at: *anchor_at, anywhere: *anywhere, in_bytes: *in_bytes };
                kind.counts_in(reach, needle) && lower.char_indices().any(|(i, _)| {
                    matches_at(needle, *anchor_at as usize, &lower, i + *anchor_at as usize)
                })
            });
            prop_assert_eq!(n.found_in(&text), naive(Reach::Typed));
            prop_assert_eq!(n.found_in_markup(&text), naive(Reach::Markup));
            prop_assert_eq!(n.found_in_bytes(&text), naive(Reach::Bytes));
            prop_assert_eq!(n.found_in_font_name(&text), naive(Reach::FontName));
        }
    }
}
