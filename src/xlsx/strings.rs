//! The shared strings part (`xl/sharedStrings.xml`), read in one place.
//!
//! [`scan`] reads the part's structure, as a stream: the bytes before `<sst>`, its start tag,
//! each `<si>` item as written, and what follows the last item. Everything else builds on it:
//! the lossless writer rewrites the table as it reads it, copying the items cells still use
//! and blanking the others, with only the item at hand in memory ([`super::patch`]); the
//! direct reader reads the texts cells show ([`texts`], as calamine reads them: rich-text runs
//! joined, phonetic runs left out, entities and `_xHHHH_` escapes decoded), item by item, and
//! leaves a part to calamine where its items might not be the ones [`scan`] finds.
//!
//! The leak check reads the same items from [`scan`] as a stream too: it searches each item's
//! whole text, phonetic runs too (which no cell shows), a large table's items read in runs in
//! parallel. So one parser finds the items, and no reader holds the inflated part whole; what
//! is read inside an item is up to its reader (calamine's texts for cells, every text for the
//! leak check).

use super::cells::{same, PlainForm, Strings, Unknown};
use super::patch::{is_tag, prefix_of, qualified};
use crate::error::{Problem, ReadError};
use fixedbitset::FixedBitSet;
use std::io::Read;
use std::ops::Range;

/// What [`texts`] keeps of a shared strings part for a reading of every text it holds
/// (the leak check's, `verify::leaks`), besides the texts cells show: the part without its
/// items (what is around and between them), and the items whose text as an XML reader gives
/// it is not the one a cell shows, with their numbers (a rich item, a phonetic reading, an
/// entity, spaces a cell trims). Every other item's whole text is the one a cell shows, and
/// its XML is that text in a plain `<si><t>` item (see [`super::cells::PlainItem`]), which
/// [`Rest::replay`] writes again as it was, for the lossless writer to rewrite the table
/// without reading the part again.
#[derive(Debug, Default, Clone)]
pub(crate) struct Rest {
    /// The part's name.
    pub part: String,
    /// The part without its items.
    pub outside: Vec<u8>,
    /// The namespace prefix of the part's elements, with its colon (or empty).
    pub prefix: Vec<u8>,
    /// The items kept, their XML one after the other.
    pub xml: Vec<u8>,
    /// Each item kept: its number in the table, and its XML in `xml`.
    pub items: Vec<(u32, Range<usize>)>,
    /// Where the table's start tag is in `outside` (the prolog is before it).
    start_tag: Range<usize>,
    /// Where what follows the last item is in `outside` (see [`Piece::Tail`]).
    tail: Range<usize>,
    /// Per item not kept, by number: whether its `<t>` preserves its spaces, and whether it
    /// is written `<t/>` (see [`super::cells::PlainForm`]).
    preserved: FixedBitSet,
    closed: FixedBitSet,
    /// How many items the part has, when each gave one text cells show (else `None`: the
    /// texts are not numbered as the items are).
    whole: Option<usize>,
}

impl Rest {
    /// Nothing kept yet of part `part`.
    pub(crate) fn of_part(part: &str) -> Rest {
        Rest {
            part: part.to_string(),
            ..Rest::default()
        }
    }

    /// Whether [`Rest::replay`] gives the part with `strings`: they are the texts read with
    /// it, item for item.
    pub(crate) fn replays(&self, strings: &Strings) -> bool {
        self.whole == Some(strings.len())
            && self.start_tag.end <= self.tail.start
            && self.tail.end <= self.outside.len()
    }

    /// The pieces of the part as [`scan`] gives them (but what is between the items, which
    /// [`Rest`] does not tell from the rest), from what was kept and the texts `strings` read
    /// with it (see [`Rest::replays`]): each item not kept written as it was.
    ///
    /// # Errors
    /// [`Problem::Internal`] when [`Rest::replays`] does not hold; what `each` returns.
    pub(crate) fn replay(
        &self,
        strings: &Strings,
        each: &mut dyn FnMut(Piece<'_>, usize) -> Result<(), Problem>,
    ) -> Result<(), Problem> {
        if !self.replays(strings) {
            return Err(Problem::Internal);
        }
        let outside = &self.outside;
        each(Piece::Prolog(&outside[..self.start_tag.start]), 0)?;
        each(
            Piece::StartTag(&outside[self.start_tag.clone()], &self.prefix),
            0,
        )?;
        let plain = super::cells::PlainItem::new(&self.prefix);
        let mut kept = self.items.iter().peekable();
        let mut item = Vec::new();
        for number in 0..strings.len() {
            if let Some((_, range)) = kept.next_if(|(n, _)| *n as usize == number) {
                each(Piece::Item(&self.xml[range.clone()]), 0)?;
                continue;
            }
            let text = strings.get(number).ok_or(Problem::Internal)?;
            let form = if self.closed.contains(number) {
                PlainForm::Closed
            } else if self.preserved.contains(number) {
                PlainForm::Preserved
            } else {
                PlainForm::Plain
            };
            plain.write(form, text, &mut item);
            each(Piece::Item(&item), 0)?;
        }
        each(Piece::Tail(&outside[self.tail.clone()]), 0)
    }
}

/// The texts cells show, one per `<si>` item of the shared strings part `input` inflates to
/// (about `size` bytes), as calamine reads them (rich-text runs joined, phonetic runs left
/// out, entities and `_xHHHH_` escapes decoded), in one pass over a stream: [`scan`] finds the
/// items, and each is read on its own ([`super::cells::push_shared_string`]). Only a window of
/// the part is held (a large export's table inflates to some 40 MB).
///
/// With `rest`, what a reading of every text of the part needs besides is kept there (see
/// [`Rest`]), so that the part is not read again for it.
///
/// # Errors
/// The outer: [`ReadError::CorruptWorkbook`] when `input` cannot be read (a damaged
/// compressed part). The inner: [`Unknown`] where calamine would fail, and where the items
/// [`scan`] finds might not be those calamine reads: markup between the items or before the
/// table (a comment, say, that may hold what looks like an item), or after the items other
/// than the table's end or its extensions. The caller then reads the workbook with calamine.
pub(crate) fn texts<R: Read>(
    input: R,
    size: usize,
    mut rest: Option<&mut Rest>,
) -> Result<Result<Strings, Unknown>, Problem> {
    let mut strings = Strings::default();
    let (mut prefix, mut buf) = (Vec::new(), Vec::with_capacity(1024));
    let mut plain = super::cells::PlainItem::new(b"");
    // Whether markup other than whitespace came since the last item.
    let mut markup = false;
    // How many items were read.
    let mut read = 0;
    let stop = || {
        Problem::from(ReadError::CorruptWorkbook(
            "shared strings read by calamine",
        ))
    };
    let mut input = Checked {
        input,
        failed: false,
    };
    let scanned = scan(&mut input, &mut |piece, _| {
        match piece {
            // Nothing but the declaration and processing instructions, with no `<` inside.
            Piece::Prolog(prolog) => {
                let mut lts = memchr::memchr_iter(b'<', prolog);
                if !lts.all(|i| prolog.get(i + 1) == Some(&b'?')) {
                    return Err(stop());
                }
                if let Some(rest) = rest.as_deref_mut() {
                    rest.outside.extend_from_slice(prolog);
                }
            }
            Piece::StartTag(tag, p) => {
                prefix = p.to_vec();
                if let Some(rest) = rest.as_deref_mut() {
                    let at = rest.outside.len();
                    rest.outside.extend_from_slice(tag);
                    rest.start_tag = at..rest.outside.len();
                    rest.prefix = p.to_vec();
                }
                plain = super::cells::PlainItem::new(p);
                // Room for what the table says it holds (an item takes 16 bytes of the part
                // at the least, and its text no more than the rest of its XML), so that the
                // lists never grow: a buffer that grows is, for a moment, held twice (a large
                // export's texts are tens of MB). Room never written costs nothing.
                let items = super::attr::lenient(tag, b"uniqueCount")
                    .and_then(|n| n.parse::<usize>().ok())
                    .unwrap_or(0)
                    .min(size / 16);
                strings = Strings::with_capacity(size - items * 16, items);
            }
            Piece::Between(between) => {
                markup |= !between.iter().all(u8::is_ascii_whitespace);
                if let Some(rest) = rest.as_deref_mut() {
                    rest.outside.extend_from_slice(between);
                }
            }
            Piece::Item(item) => {
                if markup {
                    return Err(stop());
                }
                let written =
                    super::cells::push_shared_string(item, &plain, &mut strings, &mut buf)
                        .map_err(|_| stop())?;
                if let Some(rest) = rest.as_deref_mut() {
                    // The item's text as an XML reader gives it, when it is plainly written,
                    // is the one just read for a cell (each item gives one).
                    let number = read;
                    match written {
                        Some(form) if strings.len() == number + 1 => match form {
                            PlainForm::Preserved => rest.preserved.grow_and_insert(number),
                            PlainForm::Closed => rest.closed.grow_and_insert(number),
                            PlainForm::Plain => {}
                        },
                        _ => {
                            let start = rest.xml.len();
                            rest.xml.extend_from_slice(item);
                            let number = u32::try_from(number).map_err(|_| stop())?;
                            rest.items.push((number, start..rest.xml.len()));
                        }
                    }
                }
                read += 1;
            }
            Piece::Tail(tail) => {
                if let Some(rest) = rest.as_deref_mut() {
                    let at = rest.outside.len();
                    rest.outside.extend_from_slice(tail);
                    rest.tail = at..rest.outside.len();
                }
                let tail = tail.trim_ascii_start();
                let starts =
                    |open: &str, name: &str| tail.starts_with(&qualified(open, &prefix, name));
                if !(tail.is_empty() || starts("</", "sst>") || starts("<", "extLst")) {
                    return Err(stop());
                }
            }
        }
        Ok(())
    });
    match scanned {
        Ok(()) => {
            if let Some(rest) = rest {
                rest.whole = (strings.len() == read).then_some(read);
            }
            Ok(Ok(strings))
        }
        Err(_) if input.failed => {
            Err(ReadError::CorruptWorkbook("a compressed part cannot be read").into())
        }
        Err(_) => Ok(Err(Unknown)),
    }
}

/// A reader that notes whether reading failed, to tell a part that cannot be inflated from
/// one that cannot be read as it is written.
struct Checked<R> {
    input: R,
    failed: bool,
}

impl<R: Read> Read for Checked<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.input.read(buf);
        self.failed |= read.is_err();
        read
    }
}

/// The `<si>` items of a shared strings part held whole (see [`scan`]); second, the namespace
/// prefix of its elements with its colon (or empty): what tests compare other readings with.
///
/// # Errors
/// [`ReadError::CorruptWorkbook`] when the part is malformed.
#[cfg(test)]
pub(crate) fn items(xml: &[u8]) -> Result<(Vec<Range<usize>>, Vec<u8>), Problem> {
    let mut items = Vec::new();
    let mut prefix = Vec::new();
    scan(xml, &mut |piece, at| {
        match piece {
            Piece::Item(item) => items.push(at..at + item.len()),
            Piece::StartTag(_, p) => prefix = p.to_vec(),
            _ => {}
        }
        Ok(())
    })?;
    Ok((items, prefix))
}

/// A piece of a shared strings part, as [`scan`] finds them.
pub(crate) enum Piece<'a> {
    /// The bytes before the `<sst ...>` start tag.
    Prolog(&'a [u8]),
    /// The start tag, and the namespace prefix of `sst` with its colon (or empty).
    StartTag(&'a [u8], &'a [u8]),
    /// One `<si>` element.
    Item(&'a [u8]),
    /// What is between the start tag and the first item, between two items, or between the
    /// last item and the tail, when there is anything: whitespace, comments, processing
    /// instructions and CDATA sections (before the tail, only from the first of those on).
    Between(&'a [u8]),
    /// Everything after the last item (`</sst>`, maybe an extLst).
    Tail(&'a [u8]),
}

/// Read a shared strings part from `input` piece by piece, holding little more than the piece
/// at hand (a large export's table inflates to tens of MB): the one place the part's structure
/// is read. `each` gets the pieces in order, each with its offset in the part: one after
/// the other, they are the whole part. An item is
/// read as XML has it: its tags may hold whitespace (`<si >`, `</si\n>`), and a comment, CDATA
/// section or processing instruction inside it may hold what looks like its end tag.
///
/// # Errors
/// [`ReadError::CorruptWorkbook`] when the part is malformed or cannot be read, or when what
/// is between its items is anything else (text, CDATA, an item of another prefix than the
/// table's, another element): the items are then not surely those a reader finds; what `each`
/// returns.
pub(crate) fn scan<R: Read>(
    input: R,
    each: &mut dyn FnMut(Piece<'_>, usize) -> Result<(), Problem>,
) -> Result<(), Problem> {
    let bad = || Problem::from(ReadError::CorruptWorkbook("malformed shared strings"));
    let mut part = Window {
        input,
        buf: Vec::new(),
        base: 0,
        done: false,
    };
    let sst = part.find_tag(0, b"sst")?.ok_or_else(bad)?;
    let sst_end = part.find_byte(sst, b'>')?.ok_or_else(bad)? + 1;
    each(Piece::Prolog(part.get(0..sst)), 0)?;
    let prefix = prefix_of(part.get(sst..sst_end)).to_vec();
    let empty = part.get(sst..sst_end).ends_with(b"/>");
    each(Piece::StartTag(part.get(sst..sst_end), &prefix), sst)?;
    let mut pos = sst_end;
    // Where the tail starts: the end of the table or its extensions, after the last item.
    let mut tail = None;
    if !empty {
        let ends = Ends::new(&prefix);
        // The items, one after the other: between them only whitespace, comments and
        // processing instructions (which are not pieces). Anything else there fails: the
        // items are then not surely those a reader of the XML finds (an item written with
        // another prefix, text, CDATA), and a writer that blanks items by their number must
        // not miss one.
        // Where what is between the last piece and the next starts.
        let mut between = pos;
        loop {
            // The usual item right after the last piece: no need to look further.
            let usual = (pos == between)
                .then(|| ends.plain.len_at(part.get(pos..part.base + part.buf.len())))
                .flatten();
            if let Some(len) = usual {
                each(Piece::Item(part.get(pos..pos + len)), pos)?;
                pos += len;
                between = pos;
                part.forget(pos);
                continue;
            }
            let Some(lt) = part.find_byte(pos, b'<')? else {
                break;
            };
            if !part.get(pos..lt).iter().all(u8::is_ascii_whitespace) {
                return Err(bad());
            }
            let gt = part.find_byte(lt, b'>')?.ok_or_else(bad)?;
            match ends.between_items(part.get(lt..gt + 1)) {
                Between::Skip(close) => {
                    let (open, finder) = ends.skipped(close);
                    pos = part.find_bytes(lt + open.len(), finder)?.ok_or_else(bad)?
                        + finder.needle().len();
                }
                Between::Item { empty } => {
                    let end = if empty {
                        gt + 1
                    } else {
                        item_end(&mut part, gt + 1, &ends)?.ok_or_else(bad)?
                    };
                    if lt > between {
                        each(Piece::Between(part.get(between..lt)), between)?;
                    }
                    each(Piece::Item(part.get(lt..end)), lt)?;
                    pos = end;
                    between = end;
                    part.forget(pos);
                }
                Between::Tail => {
                    tail = Some(lt);
                    break;
                }
                Between::Other => return Err(bad()),
            }
        }
        // What was skipped after the last item; the tail starts after it.
        if pos > between {
            each(Piece::Between(part.get(between..pos)), between)?;
        }
    }
    while part.more()? {}
    let end = part.base + part.buf.len();
    // Past the last markup, only whitespace (the bytes before `tail` were looked at above).
    if tail.is_none() && !part.get(pos..end).iter().all(u8::is_ascii_whitespace) {
        return Err(bad());
    }
    each(Piece::Tail(part.get(pos..end)), pos)
}

/// Markup a table's items skip: comments, processing instructions and CDATA sections.
#[derive(Clone, Copy)]
enum Skipped {
    Comment,
    Instruction,
    Cdata,
}

/// What a tag between a table's items is (see [`Ends::between_items`]).
enum Between {
    /// Markup skipped to its end.
    Skip(Skipped),
    /// An item (`empty`: `<si/>`).
    Item { empty: bool },
    /// The table's end or its extensions.
    Tail,
    /// Anything else.
    Other,
}

/// What ends the markup inside a table: comments, processing instructions and CDATA sections
/// (each opening and the finder of its end), and an item's end tag (`</si`, with the table's
/// prefix, then optional whitespace and `>`).
struct Ends {
    /// The table's namespace prefix with its colon, or empty.
    prefix: Vec<u8>,
    comment: (&'static [u8], memchr::memmem::Finder<'static>),
    instruction: (&'static [u8], memchr::memmem::Finder<'static>),
    cdata: (&'static [u8], memchr::memmem::Finder<'static>),
    item: Vec<u8>,
    /// `<si>` with the prefix.
    item_open: Vec<u8>,
    /// The plainly written item with the prefix, which nearly every item is (see
    /// [`super::cells::PlainItem::len_at`]).
    plain: super::cells::PlainItem,
}

impl Ends {
    fn new(prefix: &[u8]) -> Ends {
        Ends {
            prefix: prefix.to_vec(),
            comment: (b"<!--", memchr::memmem::Finder::new(b"-->")),
            instruction: (b"<?", memchr::memmem::Finder::new(b"?>")),
            cdata: (b"<![CDATA[", memchr::memmem::Finder::new(b"]]>")),
            item: qualified("</", prefix, "si"),
            item_open: qualified("<", prefix, "si>"),
            plain: super::cells::PlainItem::new(prefix),
        }
    }

    fn skipped(&self, which: Skipped) -> (&'static [u8], &memchr::memmem::Finder<'static>) {
        let (open, finder) = match which {
            Skipped::Comment => &self.comment,
            Skipped::Instruction => &self.instruction,
            Skipped::Cdata => &self.cdata,
        };
        (open, finder)
    }

    /// Markup starting at `tag` (up to its first `>`) that is skipped to its end.
    fn skips(&self, tag: &[u8]) -> Option<Skipped> {
        // Millions of tags pass here: most are elements, told by their second byte.
        match tag.get(1) {
            Some(b'!' | b'?') => [Skipped::Comment, Skipped::Cdata, Skipped::Instruction]
                .into_iter()
                .find(|&which| tag.starts_with(self.skipped(which).0)),
            _ => None,
        }
    }

    /// Whether `markup` starts with an item's end tag's name (`</si`, with the prefix).
    fn item_closes(&self, markup: &[u8]) -> bool {
        markup.get(1) == Some(&b'/')
            && markup
                .get(..self.item.len())
                .is_some_and(|m| same(m, &self.item))
    }

    /// What `tag` (from `<` to its first `>`) is between the items of the table.
    fn between_items(&self, tag: &[u8]) -> Between {
        // The usual item's start tag, `<si>` (with the prefix), compared in place.
        if same(tag, &self.item_open) {
            return Between::Item { empty: false };
        }
        let prefix = self.prefix.as_slice();
        match self.skips(tag) {
            Some(Skipped::Cdata) => Between::Other,
            Some(which) => Between::Skip(which),
            None if is_tag(tag, b"si") && prefix_of(tag) == prefix => Between::Item {
                empty: tag.ends_with(b"/>"),
            },
            None if is_tag(tag, b"extLst") && prefix_of(tag) == prefix => Between::Tail,
            None if tag.starts_with(b"</")
                && is_tag(&tag[1..], b"sst")
                && prefix_of(&tag[1..]) == prefix =>
            {
                Between::Tail
            }
            None => Between::Other,
        }
    }
}

/// The end of the item whose start tag ends at `from`: past its end tag, read as XML is (a
/// comment or CDATA section inside it may hold what looks like an end tag); `None` at the end
/// of the part.
fn item_end<R: Read>(
    part: &mut Window<R>,
    from: usize,
    ends: &Ends,
) -> Result<Option<usize>, Problem> {
    // The usual item: its first `</si>`, with no comment, CDATA, instruction or other end tag
    // of an item before it (nearly all items: one look at each `<` inside, the part read on
    // while what was read ends inside the item).
    // Where the look goes on once more is read: every `<` before it was looked at.
    let mut looked = from;
    loop {
        let read = part.get(looked..part.base + part.buf.len());
        // Whether a tag inside is not the usual item's: then it is read as XML is, below.
        let mut unusual = false;
        let mut cut = read.len();
        for lt in memchr::memchr_iter(b'<', read) {
            let rest = &read[lt..];
            if rest.len() <= ends.item.len() {
                cut = lt;
                break;
            }
            if matches!(rest[1], b'!' | b'?') {
                unusual = true;
                break;
            }
            if ends.item_closes(rest) {
                if rest[ends.item.len()] == b'>' {
                    return Ok(Some(looked + lt + ends.item.len() + 1));
                }
                unusual = true;
                break;
            }
        }
        looked += cut;
        if unusual || !part.more()? {
            break;
        }
    }
    let mut at = from;
    while let Some(lt) = part.find_byte(at, b'<')? {
        // Enough of the part to tell what starts at `lt`.
        let gt = part.find_byte(lt, b'>')?;
        let upto = gt.map_or(part.base + part.buf.len(), |g| g + 1);
        let tag = part.get(lt..upto);
        if let Some(which) = ends.skips(tag) {
            let (open, close) = ends.skipped(which);
            let Some(closed) = part.find_bytes(lt + open.len(), close)? else {
                return Ok(None);
            };
            at = closed + close.needle().len();
            continue;
        }
        if let (Some(gt), true) = (gt, ends.item_closes(tag)) {
            let rest = &tag[ends.item.len()..];
            let inner = &rest[..rest.len().saturating_sub(1)];
            if rest.ends_with(b">") && inner.iter().all(u8::is_ascii_whitespace) {
                return Ok(Some(gt + 1));
            }
        }
        at = lt + 1;
    }
    Ok(None)
}

/// How many items a shared strings part has (see [`scan`]).
///
/// # Errors
/// As [`scan`].
pub(crate) fn count<R: Read>(input: R) -> Result<usize, Problem> {
    let mut items = 0;
    scan(input, &mut |piece, _| {
        items += usize::from(matches!(piece, Piece::Item(_)));
        Ok(())
    })?;
    Ok(items)
}

/// The part of a stream read so far and not yet forgotten: positions are offsets in the
/// whole stream.
struct Window<R> {
    input: R,
    buf: Vec<u8>,
    /// The offset of `buf[0]`.
    base: usize,
    done: bool,
}

impl<R: Read> Window<R> {
    /// Read more; `false` at the end.
    fn more(&mut self) -> Result<bool, Problem> {
        const CHUNK: u64 = 1 << 16;
        if self.done {
            return Ok(false);
        }
        let n = (&mut self.input)
            .take(CHUNK)
            .read_to_end(&mut self.buf)
            .map_err(|_| ReadError::CorruptWorkbook("a compressed part cannot be read"))?;
        self.done = n == 0;
        Ok(n > 0)
    }

    fn get(&self, range: Range<usize>) -> &[u8] {
        &self.buf[range.start - self.base..range.end - self.base]
    }

    /// Forget what is before `at`, once that is much.
    fn forget(&mut self, at: usize) {
        let n = at - self.base;
        if n >= 1 << 20 {
            self.buf.drain(..n);
            self.base = at;
        }
    }

    /// The first `byte` at or after `from`.
    fn find_byte(&mut self, from: usize, byte: u8) -> Result<Option<usize>, Problem> {
        let mut at = from;
        loop {
            if let Some(i) = memchr::memchr(byte, &self.buf[at - self.base..]) {
                return Ok(Some(at + i));
            }
            at = self.base + self.buf.len();
            if !self.more()? {
                return Ok(None);
            }
        }
    }

    /// The first occurrence of `finder`'s bytes at or after `from`.
    fn find_bytes(
        &mut self,
        from: usize,
        finder: &memchr::memmem::Finder<'_>,
    ) -> Result<Option<usize>, Problem> {
        let mut at = from;
        loop {
            if let Some(i) = finder.find(&self.buf[at - self.base..]) {
                return Ok(Some(at + i));
            }
            // A match may start in the last bytes read.
            let end = self.base + self.buf.len();
            at = end.saturating_sub(finder.needle().len() - 1).max(from);
            if !self.more()? {
                return Ok(None);
            }
        }
    }

    /// The next start tag `<name` (with or without a prefix) at or after `from`, as
    /// [`super::patch::find_tag`] finds it in the whole stream: a `<` is judged once its tag's `>` (or the
    /// end) has been read.
    fn find_tag(&mut self, from: usize, name: &[u8]) -> Result<Option<usize>, Problem> {
        let mut at = from;
        while let Some(lt) = self.find_byte(at, b'<')? {
            let end = self.find_byte(lt, b'>')?;
            let upto = end.map_or(self.base + self.buf.len(), |e| e + 1);
            if is_tag(self.get(lt..upto), name) {
                return Ok(Some(lt));
            }
            at = lt + 1;
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`texts`] of a part held whole, which reads it as it reads the part trickling in a few
    /// bytes at a time, as from an inflating reader.
    fn texts_of(xml: &[u8]) -> Result<Strings, Unknown> {
        let whole = texts(xml, xml.len(), None).expect("bytes in memory are read");
        let streamed = texts(Trickle(xml, 0), xml.len(), None).expect("bytes in memory are read");
        assert_eq!(whole.as_ref().ok(), streamed.as_ref().ok());
        whole
    }

    /// The texts of a table with `items`, read item by item and as calamine reads the whole
    /// part (`None` where either refuses it).
    fn both_readings(prolog: &str, items: &str) -> (Option<Vec<String>>, Option<Vec<String>>) {
        let xml = format!(r#"{prolog}<sst xmlns="x" count="9">{items}</sst>"#);
        let all = |s: Strings| {
            (0..s.len())
                .map(|i| s.get(i).unwrap().to_string())
                .collect()
        };
        (
            texts_of(xml.as_bytes()).ok().map(all),
            crate::xlsx::cells::shared_strings(xml.as_bytes())
                .ok()
                .map(all),
        )
    }

    #[test]
    fn texts_are_read_item_by_item_as_calamine_reads_the_part() {
        let decl = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;
        let cases = [
            // Plain items, read in place.
            "<si><t>Header</t></si><si><t> Zoë \n</t></si><si><t></t></si>",
            r#"<si><t xml:space="preserve"> Zoë </t></si><si><t>a > b</t></si>"#,
            // Items read by quick_xml: rich text and phonetic runs, an empty item, entities,
            // escapes, carriage returns, CDATA, a comment inside an item, other attributes.
            "<si><r><t>ri</t></r><r><rPr><b/></rPr><t>ch</t></r><rPh><t>ふり</t></rPh></si><si/>",
            "<si><t>Tom &amp; Zoë &#233; &lt;x&gt;</t></si><si><t>_x0041__x000D_</t></si>",
            "<si><t>a\r\nb\rc</t></si><si><t><![CDATA[<Zoë>]]></t></si>",
            r#"<si><!-- note --><t>x</t></si><si><t xml:space="default"> y </t></si>"#,
            "<si>\n  <t>spaced</t>\n</si>\n<si><t/></si>",
            // Whitespace inside the item tags, and a comment or CDATA section holding what
            // looks like an item's end: the items are those XML has.
            "<si ><t>a</t></si ><si\n><t>b</t></si\n><si\t/>",
            "<si><t><![CDATA[</si><si>]]></t></si><si><t>c</t></si>",
            "<si><!-- </si><si> --><t>x</t></si><si><t>y</t><?pi </si> ?></si>",
        ];
        for items in cases {
            let (mine, theirs) = both_readings(decl, items);
            assert!(mine.is_some(), "{items}");
            assert_eq!(mine, theirs, "{items}");
        }
        // With a prefix, as Dynamics writes the part.
        let xml = r#"<x:sst xmlns:x="m"><x:si><x:t>Zoë</x:t></x:si><x:si><x:r><x:t> a </x:t></x:r></x:si></x:sst>"#;
        let read = texts_of(xml.as_bytes()).unwrap();
        assert_eq!(
            (read.len(), read.get(0), read.get(1)),
            (2, Some("Zoë"), Some("a"))
        );
        assert_eq!(
            read,
            crate::xlsx::cells::shared_strings(xml.as_bytes()).unwrap()
        );
        // Where calamine fails, so does this reading.
        for items in ["<si><t>&bogus;</t></si>", "<si><t>x</si>"] {
            assert_eq!(both_readings(decl, items), (None, None), "{items}");
        }
    }

    #[test]
    fn tables_whose_items_scan_might_misread_are_left_to_calamine() {
        // Markup between the items, before the table or after them that calamine skips (and
        // that may hold what looks like an item): refused, whatever it holds.
        for (prolog, items) in [
            (
                "",
                "<si><t>a</t></si><!-- <si><t>b</t></si> --><si><t>c</t></si>",
            ),
            ("", "<si><t>a</t></si><![CDATA[<si><t>b</t></si>]]>"),
            ("", "<si><t>a</t></si>text<si><t>c</t></si>"),
            ("<!-- <sst><si><t>b</t></si> -->", "<si><t>a</t></si>"),
            ("<?pi <sst> ?>", "<si><t>a</t></si>"),
            ("", "<si><t>a</t></si><other/>"),
            // An item written with another prefix than the table's.
            (
                "",
                "<si><t>a</t></si><x:si xmlns:x=\"x\"><x:t>b</x:t></x:si>",
            ),
            // A comment before the first item, holding one.
            ("", "<!-- <si><t>b</t></si> --><si><t>a</t></si>"),
        ] {
            let (mine, theirs) = both_readings(prolog, items);
            assert_eq!(mine, None, "{prolog}{items}");
            assert!(theirs.is_some(), "{prolog}{items}");
        }
        // Extensions after the items are not items.
        let (mine, theirs) = both_readings("", "<si><t>a</t></si><extLst><ext/></extLst>");
        assert_eq!(mine, Some(vec!["a".to_string()]));
        assert_eq!(mine, theirs);
    }

    /// The items a writer blanks by their number are those XML has, or the part is refused:
    /// never an item missed, merged with the next, or found inside a comment, a CDATA section
    /// or the table's extensions.
    #[test]
    fn the_items_counted_are_those_of_the_xml() {
        let table = |items: &str| format!(r#"<sst xmlns="x" count="9">{items}</sst>"#);
        for (items, n) in [
            ("<si><t>a</t></si><si><t>b</t></si>", 2),
            ("<si ><t>a</t></si ><si\n><t>b</t></si\r\n><si/>", 3),
            ("<!-- <si><t>x</t></si> --><si><t>a</t></si>", 1),
            (
                "<si><t>a</t></si><!-- <si/> --><?pi <si/> ?> <si><t>b</t></si>",
                2,
            ),
            ("<si><t><![CDATA[</si><si>]]></t></si><si><t>b</t></si>", 2),
            (
                "<si><t>a</t></si><extLst><ext><si><t>b</t></si></ext></extLst>",
                1,
            ),
        ] {
            assert_eq!(count(table(items).as_bytes()).ok(), Some(n), "{items}");
            assert_eq!(
                count(Trickle(table(items).as_bytes(), 0)).ok(),
                Some(n),
                "{items}"
            );
        }
        for items in [
            "<si><t>a</t></si><x:si xmlns:x=\"x\"><x:t>b</x:t></x:si>",
            "<si><t>a</t></si><![CDATA[<si><t>b</t></si>]]>",
            "<si><t>a</t></si>text<si><t>b</t></si>",
            "<si><t>a</t></si><other/><si><t>b</t></si>",
            "<si><t>a</t><!-- </si>",
        ] {
            assert!(count(table(items).as_bytes()).is_err(), "{items}");
        }
    }

    /// Reads a few bytes at a time, as an inflating reader may.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.1 = self.1 % 7 + 1;
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn pieces<R: Read>(input: R) -> Result<Vec<(u8, usize, Vec<u8>)>, Problem> {
        let mut out = Vec::new();
        scan(input, &mut |piece, at| {
            out.push(match piece {
                Piece::Prolog(p) => (0, at, p.to_vec()),
                Piece::StartTag(t, prefix) => (1, at, [t, b"|", prefix].concat()),
                Piece::Item(i) => (2, at, i.to_vec()),
                Piece::Tail(t) => (3, at, t.to_vec()),
                Piece::Between(b) => (4, at, b.to_vec()),
            });
            Ok(())
        })?;
        Ok(out)
    }

    /// Gives its bytes, then fails, as a damaged compressed part does.
    struct Damaged<'a>(&'a [u8]);

    impl Read for Damaged<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Err(std::io::ErrorKind::InvalidData.into());
            }
            let n = self.0.len().min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_part_that_cannot_be_inflated_is_an_error_not_a_table_for_calamine() {
        let xml = b"<sst><si><t>a</t>";
        assert!(matches!(
            texts(Damaged(xml), xml.len(), None),
            Err(Problem::Read(ReadError::CorruptWorkbook(_)))
        ));
        // The same bytes, ending there: a table calamine is left to refuse.
        assert!(matches!(texts(&xml[..], xml.len(), None), Ok(Err(Unknown))));
    }

    #[test]
    fn a_part_read_as_a_stream_gives_the_pieces_of_the_whole() {
        for prefix in ["", "x:"] {
            let mut xml = format!(
                "<?xml version=\"1.0\"?>\r\n<{prefix}sst xmlns{}=\"m\" count=\"9\">",
                if prefix.is_empty() { "" } else { ":x" }
            );
            // Enough items to read past what the scanner keeps, of every shape: rich text,
            // phonetic runs, an empty item, whitespace between items, `<s...>` tags that
            // are not items.
            for i in 0..60_000 {
                match i % 5 {
                    0 => xml.push_str(&format!("<{prefix}si><{prefix}t>Value {i}</{prefix}t></{prefix}si>")),
                    1 => xml.push_str(&format!("\n  <{prefix}si><{prefix}r><{prefix}t>ri</{prefix}t></{prefix}r><{prefix}rPh sb=\"0\"><{prefix}t>ふり</{prefix}t></{prefix}rPh></{prefix}si>")),
                    2 => xml.push_str(&format!("<{prefix}si/>")),
                    3 => xml.push_str(&format!("<{prefix}si >\n<{prefix}t xml:space=\"preserve\"> {i} &amp; </{prefix}t></{prefix}si>")),
                    _ => xml.push_str(&format!("<{prefix}si><{prefix}t>a&lt;b {i}</{prefix}t></{prefix}si>")),
                }
            }
            xml.push_str(&format!(
                "<{prefix}extLst><{prefix}ext/></{prefix}extLst></{prefix}sst>"
            ));
            let whole = pieces(xml.as_bytes()).unwrap();
            assert_eq!(whole.iter().filter(|p| p.0 == 2).count(), 60_000);
            assert_eq!(
                whole[1].2,
                format!(
                    "<{prefix}sst xmlns{}=\"m\" count=\"9\">|{prefix}",
                    if prefix.is_empty() { "" } else { ":x" }
                )
                .into_bytes()
            );
            // Each piece is the part's bytes where it says (the start tag without its prefix).
            for (kind, at, bytes) in &whole {
                let bytes = match kind {
                    1 => &bytes[..bytes.iter().rposition(|&b| b == b'|').unwrap()],
                    _ => &bytes[..],
                };
                assert_eq!(&xml.as_bytes()[*at..at + bytes.len()], bytes, "{kind}");
            }
            assert_eq!(
                whole.last().unwrap().2,
                format!("<{prefix}extLst><{prefix}ext/></{prefix}extLst></{prefix}sst>")
                    .into_bytes()
            );
            assert_eq!(pieces(Trickle(xml.as_bytes(), 0)).unwrap(), whole);
            assert_eq!(count(Trickle(xml.as_bytes(), 3)).unwrap(), 60_000);
            assert_eq!(items(xml.as_bytes()).unwrap().0.len(), 60_000);
        }
    }

    /// The usual item is told by the first `<` after its text; any other start, or an item
    /// not read whole yet, is left to the reading as XML, which finds the same end for the
    /// usual ones.
    #[test]
    fn the_usual_item_ends_at_its_text_s_end() {
        let cases: [(&str, &str, bool); 14] = [
            ("", "<si><t>Zoë</t></si><si><t>b</t></si>", true),
            ("", r#"<si><t xml:space="preserve"> a  b </t></si>"#, true),
            // Text that is not markup, however it looks (read or refused later, not here).
            ("", "<si><t>a > b &amp; c</t></si></sst>", true),
            ("", "<si><t></t></si>", true),
            ("x:", "<x:si><x:t>Zoë</x:t></x:si>", true),
            // Phonetic and rich runs, an empty item, other attributes or spaces in the tags.
            (
                "",
                r#"<si><t>山本</t><rPh sb="0"><t>やま</t></rPh></si>"#,
                false,
            ),
            ("", "<si><r><t>a</t></r></si>", false),
            ("", "<si><t/></si>", false),
            ("", r#"<si><t xml:space="default">a</t></si>"#, false),
            ("", "<si ><t>a</t></si>", false),
            ("", "<si><t>a</t></si >", false),
            // Another prefix, or whitespace first, or the item cut short.
            ("x:", "<si><t>a</t></si>", false),
            ("", "\n<si><t>a</t></si>", false),
            ("", "<si><t>a</t></s", false),
        ];
        for (prefix, xml, usual) in cases {
            let ends = Ends::new(prefix.as_bytes());
            let found = ends.plain.len_at(xml.as_bytes());
            assert_eq!(found.is_some(), usual, "{xml}");
            let Some(len) = found else { continue };
            let mut part = Window {
                input: xml.as_bytes(),
                buf: Vec::new(),
                base: 0,
                done: false,
            };
            let gt = part.find_byte(0, b'>').unwrap().unwrap();
            assert_eq!(
                item_end(&mut part, gt + 1, &ends).unwrap(),
                Some(len),
                "{xml}"
            );
        }
        // Cut anywhere, the usual item is not taken for one.
        let xml = b"<si><t>Zo\xc3\xab</t></si>";
        let ends = Ends::new(b"");
        assert_eq!(ends.plain.len_at(xml), Some(xml.len()));
        for cut in 0..xml.len() {
            assert_eq!(ends.plain.len_at(&xml[..cut]), None, "{cut}");
        }
    }

    #[test]
    fn malformed_parts() {
        for xml in ["<si><t>x</t></si>", "<sst><si><t>x</t>", "<sst><si "] {
            assert!(texts_of(xml.as_bytes()).is_err(), "{xml}");
        }
        assert_eq!(texts_of(b"<sst/>").unwrap().len(), 0);
        // Malformed read as a stream too, a few bytes at a time.
        for xml in ["<si><t>x</t></si>", "<sst><si><t>x</t>", "<sst><si ", "<ss"] {
            assert!(count(Trickle(xml.as_bytes(), 0)).is_err(), "{xml}");
        }
    }
}
