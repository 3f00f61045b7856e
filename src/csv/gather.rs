//! What the leak sweep gathers while a CSV is scrubbed as a stream: the kept columns' values
//! and the removed values that may be among them. The verdict on what was gathered is the
//! sweep's (`verify::sweep::finish_streamed`).

use crate::map::Map;
use crate::needles::{identifies, names_people, only_in_compounds, Haystack};
use crate::text::FastMap;
use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// What the residual check needs of a CSV scrubbed as a stream. It takes two passes over the
/// records:
///
/// 1. [`KeptValues`] counts the distinct values of the kept columns in every record, and
///    indexes them ([`Haystack`]), as the records are read (the stream takes the same
///    reading);
/// 2. during the stream, [`Gathered::record`] gathers the values the map removes into
///    batches. A full batch is sifted against that index: only a value whose first word is
///    in some kept text can be found there (a fraction of the millions removed in a large
///    export); those are searched, and only what they hit is kept. A deleted row's kept values
///    are taken off the counts ([`Gathered::forget`]).
///
/// The first pass may run beside the stream ([`Gathered::waiting`]): until its index is
/// handed over ([`Gathered::set_kept`]), full batches and deleted rows' kept values wait in
/// memory. Once it is in, the stream hands each full batch to a helper task when there are
/// threads for one, or sifts it itself; no removed value is held longer than its batch.
#[derive(Debug)]
pub struct Gathered {
    pub(crate) sheet: String,
    pub(crate) headers: Vec<String>,
    /// The kept columns' values, once the first pass is over.
    pub(crate) kept: Option<KeptValues>,
    /// Per column: whether it names people (see [`identifies`]).
    named: Vec<bool>,
    /// Per rule of the map: whether its key names people.
    rule_named: Vec<bool>,
    /// The kept values' index, shared with the tasks that sift batches, once the first pass
    /// is over.
    pub(crate) hay: Option<Arc<Haystack>>,
    /// The removed values since the last full batch.
    batch: Batch,
    /// Full batches that came before the kept values.
    held: Vec<Batch>,
    /// Whether the batches are sifted by the stream itself (one thread): then a value the
    /// kept values cannot hold is dropped as it comes, and a batch fills with the rest.
    sift_here: bool,
    /// Per column: whether it is kept (see [`KeptValues`]).
    is_kept: Vec<bool>,
    /// Kept values of deleted rows seen before the first pass was over: column and value.
    forgotten: Vec<(usize, Box<str>)>,
    /// What the searches found: whether the value identifies a person on its own (see
    /// [`identifies`]), and the kept text holding it.
    pub(crate) hits: HashSet<(bool, u32)>,
    /// What the kept texts may hold, remembered for values that are not ASCII.
    memo: Memo,
    /// The removed values gathered already (see [`Repeats`]).
    repeats: Repeats,
    /// The columns whose header is a text removed from that column (a file without its header
    /// row, whose first record the map took for column names), or holds a removed value that
    /// identifies a person (see [`KeptValues::headers`]): a leak no cleaner removes.
    pub(crate) header_hits: Vec<usize>,
}

/// The distinct values of a streamed CSV's kept columns (not scrubbed; of a protected one, those
/// of another shape than Dynamics writes there), with how many cells hold each, and the texts
/// of its header row, indexed for the leak sweep (see [`Gathered`]).
#[derive(Debug)]
pub struct KeptValues {
    /// Per column: kept (then each distinct value's text number in `hay`), or scrubbed.
    kept: Vec<Option<FastMap<Box<str>, u32>>>,
    /// The kept columns, in order.
    columns: Vec<usize>,
    /// Per column: whether it is protected (see [`crate::needles::kept_text_in`]): only its
    /// values of another shape than Dynamics writes there are counted.
    pub(crate) protected: Vec<bool>,
    /// How many columns the header names (see [`KeptValues::width`]).
    width: usize,
    /// The header row's texts, then the distinct kept values.
    hay: Haystack,
    /// Per text of `hay`: its column and how many kept cells hold it (none for a header).
    pub(crate) texts: Vec<(u32, u64)>,
    /// How many of the first texts of `hay` are the header row's: it is searched with the
    /// kept values, as the sweep of a workbook searches each sheet's header row.
    pub(crate) headers: u32,
}

impl KeptValues {
    /// The columns whose values [`KeptValues::count`] takes, in order.
    pub fn columns(&self) -> &[usize] {
        &self.columns
    }

    /// How many columns the header names: a field past them is in a kept column too.
    pub fn width(&self) -> usize {
        self.width
    }

    /// A record's `value` in kept column `col` (see [`KeptValues::columns`]), or in a column
    /// past the header's (a record with more fields than the header), which is kept too, as
    /// the sweep of the file read whole keeps it.
    pub fn count(&mut self, col: usize, value: &str) {
        if value.is_empty() {
            return;
        }
        if col >= self.width && col >= self.kept.len() {
            for c in self.kept.len()..=col {
                self.kept.push(Some(Default::default()));
                self.columns.push(c);
            }
        }
        let Some(Some(seen)) = self.kept.get_mut(col) else {
            return;
        };
        if self.protected.get(col).copied().unwrap_or(false)
            && crate::needles::text_written_by_dynamics(value)
        {
            return;
        }
        match seen.entry_ref(value) {
            hashbrown::hash_map::EntryRef::Occupied(t) => self.texts[*t.get() as usize].1 += 1,
            hashbrown::hash_map::EntryRef::Vacant(new) => {
                new.insert_with_key(value.into(), self.hay.push(value, true));
                self.texts.push((col as u32, 1));
            }
        }
    }

    /// A deleted record's `value` in column `col` is no kept cell of the output.
    fn forget(&mut self, col: usize, value: &str) {
        if let Some(Some(seen)) = self.kept.get(col) {
            if let Some(&t) = seen.get(value) {
                let cells = &mut self.texts[t as usize].1;
                *cells = cells.saturating_sub(1);
            }
        }
    }
}

/// What the kept texts may hold (see [`Haystack::may_hold`] and
/// [`Haystack::may_hold_unaccented`]), remembered for removed values that are not ASCII:
/// asking lowercases their start, which is most of what asking costs, and first names and
/// surnames repeat by the thousand. At most [`Memo::MOST`] of each are kept. One memo answers
/// for one index of kept texts only.
#[derive(Debug, Default)]
pub(crate) struct Memo {
    /// By the value's start (see [`crate::needles::anchor_key`]): whether a text may hold it.
    held: FastMap<Box<str>, bool>,
    /// By a name's first word: whether a text may hold its forms without accents.
    unaccented: FastMap<Box<str>, bool>,
}

impl Memo {
    const MOST: usize = 1 << 16;

    /// [`Haystack::may_hold`].
    fn may_hold(&mut self, hay: &Haystack, value: &str) -> bool {
        if value.is_ascii() {
            return hay.may_hold(value);
        }
        let key = crate::needles::anchor_key(value);
        Self::remembered(&mut self.held, key, || hay.may_hold(value))
    }

    /// [`Haystack::may_hold_unaccented`].
    fn may_hold_unaccented(&mut self, hay: &Haystack, name: &str) -> bool {
        if name.is_ascii() {
            return false;
        }
        let Some(first) = name.split_whitespace().next() else {
            return false;
        };
        Self::remembered(&mut self.unaccented, first, || {
            hay.may_hold_unaccented_word(first)
        })
    }

    /// The answer `known` holds for `key`, else `ask`'s, kept while there is room.
    fn remembered(
        known: &mut FastMap<Box<str>, bool>,
        key: &str,
        ask: impl FnOnce() -> bool,
    ) -> bool {
        if let Some(&held) = known.get(key) {
            return held;
        }
        let held = ask();
        if known.len() < Self::MOST {
            known.insert(key.into(), held);
        }
        held
    }
}

/// The removed values gathered already, by column and rule: a value removed again from the
/// same column by the same rule gives the same forms, found in the same kept texts, and is not
/// gathered twice. A large export removes the same city, first name or job title from
/// thousands of rows (1.97 million values, 0.87 million of them distinct, in a 100,000-row
/// Disabled Users export). At most [`Repeats::MOST`] values are remembered, the first ones
/// seen (the frequent ones come early), so that memory stays small whatever the file. A
/// column whose values seldom repeat (email addresses, phone numbers, user names: a value
/// again in fewer than one look in [`Repeats::SELDOM`] of its first [`Repeats::TRIAL`]) is
/// no longer looked up: each of its values is gathered, as it would be, without the look, and
/// what it remembered makes room for other columns.
#[derive(Debug, Default)]
pub(crate) struct Repeats {
    columns: Vec<Column>,
    count: usize,
    /// The hasher of every column's table.
    hasher: hashbrown::DefaultHashBuilder,
}

/// One column's values seen, each with the rule that removed it, and how often a look found
/// the value again.
#[derive(Debug, Default)]
struct Column {
    values: hashbrown::HashTable<(Key, usize)>,
    looks: u32,
    again: u32,
}

/// A value seen, as [`Column::values`] holds it: in place when it is short (nearly every value
/// removed again is: a first name, a city), so that a look compares it where the table holds
/// it, not through a pointer to memory the cache seldom still has.
#[derive(Debug)]
enum Key {
    Short { len: u8, bytes: [u8; Key::SHORT] },
    Long(Box<str>),
}

impl Key {
    /// The longest value held in place.
    const SHORT: usize = 22;

    fn new(value: &str) -> Key {
        match u8::try_from(value.len()) {
            Ok(len) if value.len() <= Key::SHORT => {
                let mut bytes = [0; Key::SHORT];
                bytes[..value.len()].copy_from_slice(value.as_bytes());
                Key::Short { len, bytes }
            }
            _ => Key::Long(value.into()),
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Key::Short { len, bytes } => &bytes[..usize::from(*len)],
            Key::Long(text) => text.as_bytes(),
        }
    }

    /// Whether this is `value`, byte for byte (a short one compared in place, by a loop rather
    /// than a call to `memcmp`: see [`crate::text::same_bytes`]).
    fn is(&self, value: &[u8]) -> bool {
        match self {
            Key::Short { .. } => crate::text::same_bytes(self.bytes(), value),
            Key::Long(text) => text.as_bytes() == value,
        }
    }
}

impl Column {
    /// Whether its trial is over and its values were seldom seen again.
    fn given_up(&self) -> bool {
        self.looks == Repeats::TRIAL && self.again < Repeats::TRIAL / Repeats::SELDOM
    }
}

impl Repeats {
    const MOST: usize = 1 << 16;

    /// How many of a column's values are looked up before it may be given up.
    const TRIAL: u32 = 4096;

    /// A column is given up when fewer than one look in this many found a value again.
    const SELDOM: u32 = 8;

    /// Whether `value` was removed from column `col` by rule `rule` before; if not, it is
    /// remembered while there is room.
    fn seen(&mut self, col: usize, rule: usize, value: &str) -> bool {
        use std::hash::BuildHasher;
        if self.columns.len() <= col {
            self.columns.resize_with(col + 1, Column::default);
        }
        let column = &mut self.columns[col];
        if column.given_up() {
            // What it remembered makes room for other columns (once: it stays empty).
            if column.values.capacity() > 0 {
                self.count -= column.values.len();
                column.values = hashbrown::HashTable::new();
            }
            return false;
        }
        column.looks = column.looks.saturating_add(1);
        // One look: the value's hash is taken once, whether it is there or not.
        let hasher = &self.hasher;
        let hash = hasher.hash_one(value.as_bytes());
        let found = column.values.entry(
            hash,
            |(key, _)| key.is(value.as_bytes()),
            |(key, _)| hasher.hash_one(key.bytes()),
        );
        match found {
            hashbrown::hash_table::Entry::Occupied(seen) => {
                let again = seen.get().1 == rule;
                column.again += u32::from(again);
                again
            }
            hashbrown::hash_table::Entry::Vacant(new) => {
                if self.count < Self::MOST {
                    new.insert((Key::new(value), rule));
                    self.count += 1;
                }
                false
            }
        }
    }
}

impl Gathered {
    /// Ready for a sheet whose columns `plan` scrubs. Its kept values come from the first
    /// pass: see [`Gathered::kept_values`].
    pub fn new(map: &Map, plan: &crate::plan::SheetPlan, sheet: &str, headers: &[String]) -> Self {
        Gathered {
            sheet: sheet.to_string(),
            headers: headers.to_vec(),
            kept: None,
            named: headers.iter().map(|h| names_people(h)).collect(),
            rule_named: map.rules.iter().map(|r| names_people(&r.key)).collect(),
            hay: None,
            batch: Batch::default(),
            held: Vec::new(),
            sift_here: rayon::current_num_threads() < 2,
            is_kept: Vec::new(),
            forgotten: Vec::new(),
            hits: HashSet::new(),
            header_hits: Vec::new(),
            memo: Memo::default(),
            repeats: Repeats::default(),
        }
        .with_columns(map, plan)
    }

    /// Decide the kept columns: `kept` is then an empty [`KeptValues`] to hand out.
    fn with_columns(mut self, map: &Map, plan: &crate::plan::SheetPlan) -> Self {
        let protected = crate::plan::protected_columns(&self.headers, None);
        let scrubbed: HashSet<u32> = plan
            .targets
            .iter()
            .filter(|t| !matches!(map.rules[t.rule].action, crate::actions::Action::Keep))
            .map(|t| t.col)
            .collect();
        let kept: Vec<Option<FastMap<Box<str>, u32>>> = (0..self.headers.len() as u32)
            .map(|c| (!scrubbed.contains(&c)).then(Default::default))
            .collect();
        self.is_kept = kept.iter().map(Option::is_some).collect();
        // The header row, which the map never changes, is in the output as it is.
        let mut hay = Haystack::default();
        let mut texts = Vec::new();
        for (col, header) in self.headers.iter().enumerate() {
            if !header.is_empty() {
                hay.push(header, true);
                texts.push((col as u32, 0));
            }
        }
        self.kept = Some(KeptValues {
            columns: (0..kept.len()).filter(|&c| kept[c].is_some()).collect(),
            protected,
            width: kept.len(),
            kept,
            hay,
            headers: texts.len() as u32,
            texts,
        });
        self
    }

    /// The empty [`KeptValues`] for the first pass to fill and hand back with
    /// [`Gathered::set_kept`]; until then the sweep is [`Gathered::waiting`].
    pub fn kept_values(&mut self) -> KeptValues {
        self.kept.take().unwrap_or_else(|| KeptValues {
            kept: Vec::new(),
            columns: Vec::new(),
            protected: Vec::new(),
            width: 0,
            hay: Haystack::default(),
            texts: Vec::new(),
            headers: 0,
        })
    }

    /// Whether the kept values are yet to come (see [`Gathered::set_kept`]).
    pub fn waiting(&self) -> bool {
        self.kept.is_none()
    }

    /// The kept values of every record, from the first pass. The deleted rows' kept values
    /// that waited are taken off now; the batches that waited go with the next
    /// `Gathered::ready` (or the last search).
    pub fn set_kept(&mut self, mut kept: KeptValues) {
        for (col, value) in std::mem::take(&mut self.forgotten) {
            kept.forget(col, &value);
        }
        self.hay = Some(Arc::new(std::mem::take(&mut kept.hay)));
        self.kept = Some(kept);
    }

    /// A deleted record (`fields`): its kept values are no kept cells of the output.
    pub fn forget<'f>(&mut self, fields: impl Iterator<Item = &'f str>) {
        for (c, field) in fields.enumerate() {
            match &mut self.kept {
                Some(kept) => kept.forget(c, field),
                // A field past the header is in a kept column.
                None if self.is_kept.get(c).copied().unwrap_or(true) && !field.is_empty() => {
                    self.forgotten.push((c, field.into()));
                }
                None => {}
            }
        }
    }

    /// One kept record (`field` gives its fields by column) and its changes.
    pub fn record<'f>(
        &mut self,
        map: &Map,
        field: impl Fn(usize) -> Option<&'f str>,
        changes: &[crate::apply::Change],
    ) {
        for change in changes {
            let c = change.col as usize;
            if let Some(old) = field(c) {
                self.header_hit(c, old);
            }
        }
        if self.hay.as_ref().is_some_and(|h| h.is_empty()) {
            return;
        }
        for change in changes {
            let c = change.col as usize;
            let Some(old) = field(c).filter(|f| !f.is_empty()) else {
                continue;
            };
            if self.repeats.seen(c, change.rule(), old) {
                continue;
            }
            let rule = &map.rules[change.rule()];
            match &rule.action {
                crate::actions::Action::Redact(r) => {
                    for v in r.replaced(old, &[]) {
                        self.push(&v, true);
                    }
                }
                _ => {
                    let name = self.named.get(c).copied().unwrap_or(false)
                        || self.rule_named[change.rule()];
                    if !self.sift_here {
                        // With helpers, its other forms are made by the task that sifts the
                        // batch, beside the stream.
                        self.batch.push_forming(old, name);
                        continue;
                    }
                    // Whether the kept texts may hold it, once they are known (to sift it here,
                    // and for its forms as a name).
                    let held = (self.hay.as_ref()).map(|hay| self.memo.may_hold(hay, old));
                    self.push_held(old, name, held);
                    let forms = Batch::forms(old, name, &mut || match &self.hay {
                        Some(hay) => {
                            held.unwrap_or(true) || self.memo.may_hold_unaccented(hay, old)
                        }
                        None => true,
                    });
                    for (form, name) in forms {
                        self.push(&form, name);
                    }
                }
            }
        }
    }

    /// Note column `col` when its header is `old`, a text removed from it.
    fn header_hit(&mut self, col: usize, old: &str) {
        let Some(header) = self.headers.get(col) else {
            return;
        };
        let (header, old) = (crate::text::trim(header), crate::text::trim(old));
        if header.len() == old.len()
            && !header.is_empty()
            && crate::needles::same_text(header, old)
            && !self.header_hits.contains(&col)
        {
            self.header_hits.push(col);
        }
    }

    fn push(&mut self, value: &str, name: bool) {
        self.push_held(value, name, None);
    }

    /// [`Gathered::push`], with whether the kept texts may hold `value` (see
    /// [`Haystack::may_hold`]) when the caller knows.
    fn push_held(&mut self, value: &str, name: bool, held: Option<bool>) {
        let dropped = match &self.hay {
            // What waits for the kept values is no more than it must be.
            None => crate::needles::never_found(value),
            // With one thread, a value the kept texts cannot hold is dropped here.
            Some(hay) if self.sift_here => {
                let found = held.unwrap_or_else(|| self.memo.may_hold(hay, value))
                    && !crate::needles::never_found(value);
                !found
            }
            Some(_) => false,
        };
        if !dropped {
            self.batch.push(value, name);
        }
    }

    /// Removed values sifted at once: few enough that a batch is small (a few hundred KB),
    /// enough that handing it to a helper costs little. Tests make batches of three, so that
    /// their small tables take every way a batch goes.
    const BATCH: usize = if cfg!(test) { 3 } else { 1 << 14 };

    /// After a record: when the batch is full, the batches to sift now (the full one, and
    /// those that waited for the kept values) with the index to sift them against, for a helper
    /// ([`Sifting`]); none while the kept values are yet to come, when the full batch waits, nor
    /// with one thread, when they are sifted here.
    pub(crate) fn ready(&mut self) -> Option<(Arc<Haystack>, Vec<Batch>)> {
        if self.batch.len() < Self::BATCH {
            return None;
        }
        // The next batch is sized as this one was: growing from nothing, its text would be
        // copied over and over.
        let next = self.batch.sized_alike();
        let full = std::mem::replace(&mut self.batch, next);
        let Some(hay) = self.hay.clone() else {
            self.held.push(full);
            return None;
        };
        let mut batches = std::mem::take(&mut self.held);
        batches.push(full);
        if self.sift_here {
            self.sift(&batches);
            return None;
        }
        Some((hay, batches))
    }

    /// Sift `batches` here (see [`Batch::sift`]). The kept values must be in.
    pub(crate) fn sift(&mut self, batches: &[Batch]) {
        if let Some(hay) = &self.hay {
            for batch in batches {
                self.hits.extend(batch.sift(hay, &mut self.memo));
            }
        }
    }

    /// Take in what batches sifted elsewhere found (see [`Sifting`]).
    pub(crate) fn add_hits(&mut self, hits: impl IntoIterator<Item = (bool, u32)>) {
        self.hits.extend(hits);
    }

    /// Sift what is left: the batches that waited and the last one. The kept values must
    /// be in.
    pub(crate) fn search(&mut self) {
        if self.hay.is_none() {
            return;
        }
        let mut batches = std::mem::take(&mut self.held);
        batches.push(std::mem::take(&mut self.batch));
        self.sift(&batches);
    }
}

/// Removed values one after the other: value `i` ends at `ends[i]`; with whether it came from
/// a column of people's names (or is what `redact` replaced).
#[derive(Debug, Default)]
pub(crate) struct Batch {
    text: String,
    ends: Vec<usize>,
    /// Per value: whether it is a name ([`Batch::NAME`]), and whether its other forms are
    /// made when it is sifted ([`Batch::FORMS`]).
    kinds: Vec<u8>,
}

impl Batch {
    const NAME: u8 = 1;
    const FORMS: u8 = 2;

    fn push(&mut self, value: &str, name: bool) {
        self.push_kind(value, if name { Self::NAME } else { 0 });
    }

    /// A removed value whose other forms are made when the batch is sifted (see
    /// [`Batch::forms`]), as the stream makes them with one thread.
    fn push_forming(&mut self, value: &str, name: bool) {
        self.push_kind(value, Self::FORMS | if name { Self::NAME } else { 0 });
    }

    fn push_kind(&mut self, value: &str, kind: u8) {
        self.text.push_str(value);
        self.ends.push(self.text.len());
        self.kinds.push(kind);
    }

    /// The other forms of a removed value, each with whether it is a name: a phone number
    /// copied elsewhere may be written with other separators, or none, or without its country
    /// code; a full name with middle names is the person without them too, and so is the name
    /// without its accents. Those name forms start with the name's first word, or with that
    /// word without its accents: they are made only when `may_hold_name` (asked for a name
    /// only) says a kept text may hold such a start (most names are in none).
    fn forms(
        value: &str,
        name: bool,
        may_hold_name: &mut dyn FnMut() -> bool,
    ) -> impl Iterator<Item = (String, bool)> {
        let variants = if name && may_hold_name() {
            crate::needles::name_variants(value)
        } else {
            Vec::new()
        };
        let phones = crate::text::phone_forms(value).into_iter();
        phones
            .map(|form| (form, false))
            .chain(variants.into_iter().map(|variant| (variant, true)))
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    /// An empty batch with room for as many values as this one holds, and for a quarter more
    /// text (the values of the next may be longer).
    fn sized_alike(&self) -> Batch {
        Batch {
            text: String::with_capacity(self.text.len() + self.text.len() / 4),
            ends: Vec::with_capacity(self.ends.len()),
            kinds: Vec::with_capacity(self.kinds.len()),
        }
    }

    /// Whether `value` may be found in `hay` (whose answers `memo` remembers): one whose first
    /// word is in no kept text cannot be found there (most values; asked first), and a value
    /// too short to be searched is never found.
    fn may_be_found(hay: &Haystack, memo: &mut Memo, value: &str) -> bool {
        memo.may_hold(hay, value) && !crate::needles::never_found(value)
    }

    /// The values that some kept text of `hay` holds, each as whether it identifies a person
    /// on its own (see [`identifies`]) and the text. Only the values that
    /// [`Batch::may_be_found`] are searched (in parallel). `memo` remembers what `hay` may hold.
    pub fn sift(&self, hay: &Haystack, memo: &mut Memo) -> Vec<(bool, u32)> {
        let mut start = 0;
        let (mut values, mut names): (Vec<Cow<str>>, Vec<bool>) = (Vec::new(), Vec::new());
        for (&end, &kind) in self.ends.iter().zip(&self.kinds) {
            let value = &self.text[start..end];
            start = end;
            let name = kind & Self::NAME != 0;
            if kind & Self::FORMS != 0 {
                let forms = Self::forms(value, name, &mut || {
                    memo.may_hold(hay, value) || memo.may_hold_unaccented(hay, value)
                });
                for (form, name) in forms {
                    if Self::may_be_found(hay, memo, &form) {
                        values.push(Cow::Owned(form));
                        names.push(name);
                    }
                }
            }
            if Self::may_be_found(hay, memo, value) {
                values.push(Cow::Borrowed(value));
                names.push(name);
            }
        }
        // An email address is also in the path of its owner's personal site, a form whose
        // first word is the address's (so only the addresses found possible here need it),
        // and that names them as a name does.
        let sites: Vec<String> = values
            .iter()
            .filter_map(|v| crate::text::personal_site_form(v))
            .collect();
        names.extend(sites.iter().map(|_| true));
        values.extend(sites.into_iter().map(Cow::Owned));
        hay.find(&values)
            .into_iter()
            .filter(|&(v, t)| !only_in_compounds(hay.text(t), &values[v]))
            .map(|(v, t)| (identifies(&values[v], names[v]), t))
            .collect()
    }
}

/// Batches sifted by helper tasks beside the stream, and what they found. The stream never
/// waits for a helper: with [`Sifting::MAX_AHEAD`] tasks not yet done (the pool's other
/// threads are busy, say with other files), it sifts the next batches itself.
#[derive(Debug, Default)]
pub(crate) struct Sifting {
    hits: Mutex<Vec<(bool, u32)>>,
    ahead: AtomicUsize,
    /// The tasks' memos of what the kept texts may hold, kept from task to task (the index
    /// is the same for all of them).
    memos: Mutex<Vec<Memo>>,
}

impl Sifting {
    /// Tasks handed out and not yet done, beyond which the stream sifts itself. The stream is
    /// the longer of the two threads: with two, the first pass takes the other until most
    /// records are read, then one task sifts every batch that waited for it, and the batches
    /// after it are better queued behind that task than sifted by the stream (0.97x the time of
    /// a 100,000-row CSV's scrub with two jobs, against two tasks ahead). A task past the one
    /// that took those that waited holds one batch, a few hundred KB. Tests allow two, so that
    /// their small files take the way of a stream that sifts.
    const MAX_AHEAD: usize = if cfg!(test) { 2 } else { 32 };

    /// Whether a helper may take more batches: not too many tasks are waiting for one.
    pub fn has_room(&self) -> bool {
        self.ahead.load(Ordering::Acquire) < Self::MAX_AHEAD
    }

    /// Sift `batches` against `hay` in a task of `scope`.
    pub fn spawn<'s>(&'s self, scope: &rayon::Scope<'s>, hay: Arc<Haystack>, batches: Vec<Batch>) {
        self.ahead.fetch_add(1, Ordering::AcqRel);
        scope.spawn(move |_| {
            let mut memo = (self.memos.lock().ok())
                .and_then(|mut m| m.pop())
                .unwrap_or_default();
            let found: Vec<(bool, u32)> = batches
                .iter()
                .flat_map(|b| b.sift(&hay, &mut memo))
                .collect();
            if let Ok(mut memos) = self.memos.lock() {
                memos.push(memo);
            }
            if let Ok(mut hits) = self.hits.lock() {
                hits.extend(found);
            }
            self.ahead.fetch_sub(1, Ordering::AcqRel);
        });
    }

    /// What the tasks found, once they are done (their scope is over).
    pub fn into_hits(self) -> Vec<(bool, u32)> {
        self.hits.into_inner().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A batch that makes its values' other forms when sifted finds what a batch given the
    /// forms finds: phone numbers written otherwise, names without middle names or accents.
    #[test]
    fn forms_made_when_sifted_find_what_forms_given_find() {
        let mut hay = Haystack::default();
        for text in [
            "call 212522641650",
            "backup Zoe Muller",
            "Anna Berg",
            "ZOE MUELLER",
            "Sales",
        ] {
            hay.push(text, true);
        }
        let values = [
            ("+212 522-641650", false),
            ("Zoë Müller", true),
            ("Anna Maria Berg", true),
            ("Anna Maria Berg", false),
            ("Per Holm", true),
            ("Sales", false),
        ];
        let (mut forming, mut given) = (Batch::default(), Batch::default());
        for (value, name) in values {
            forming.push_forming(value, name);
            given.push(value, name);
            for form in crate::text::phone_forms(value) {
                given.push(&form, false);
            }
            if name {
                for variant in crate::needles::name_variants(value) {
                    given.push(&variant, true);
                }
            }
        }
        let sorted = |mut hits: Vec<(bool, u32)>| {
            hits.sort_unstable();
            hits.dedup();
            hits
        };
        let found = sorted(forming.sift(&hay, &mut Memo::default()));
        assert_eq!(found, sorted(given.sift(&hay, &mut Memo::default())));
        // Every text but "Sales" (a value that identifies no one) names someone.
        assert_eq!(
            found.iter().filter(|(identifies, _)| *identifies).count(),
            4
        );
    }

    /// A value removed again from the same column by the same rule is gathered once; in
    /// another column, by another rule or with other letters it is another value; once the
    /// memory is full, the values remembered are still told, and the others gathered each time.
    #[test]
    fn a_value_removed_again_is_gathered_once() {
        let mut repeats = Repeats::default();
        assert!(!repeats.seen(3, 0, "Oslo"));
        assert!(repeats.seen(3, 0, "Oslo"));
        assert!(!repeats.seen(4, 0, "Oslo"), "another column");
        assert!(!repeats.seen(3, 1, "Oslo"), "another rule");
        assert!(!repeats.seen(3, 1, "Oslo"), "another rule, again");
        assert!(!repeats.seen(3, 0, "OSLO"), "other letters");
        // Short values are held in place, longer ones apart: either is told from another by
        // its length and every byte.
        let long = "Kongens gate 1, 0153 Oslo";
        assert!(long.len() > Key::SHORT);
        let (edge, past) = ("ø".repeat(Key::SHORT / 2), "a".repeat(Key::SHORT + 1));
        for value in [long, &edge, &past] {
            assert!(!repeats.seen(3, 0, value), "{value}");
            assert!(repeats.seen(3, 0, value), "{value}");
        }
        assert!(
            !repeats.seen(3, 0, &long[..long.len() - 1]),
            "a long value's start"
        );
        assert!(!repeats.seen(3, 0, &past[1..]), "one byte shorter");
        assert!(!repeats.seen(3, 0, "Osl"), "a short value's start");
        assert!(!repeats.seen(3, 0, "Oslp"), "its last byte");
        // (The table compares only values whose hashes agree: a key is asked itself too.)
        for value in ["Oslo", long, &edge, &past] {
            let key = Key::new(value);
            let bytes = value.as_bytes();
            assert!(key.is(bytes), "{value}");
            assert!(!key.is(&bytes[..bytes.len() - 1]), "{value}: its start");
            assert!(
                !key.is(format!("{value}a").as_bytes()),
                "{value}: a longer one"
            );
            let mut other = bytes.to_vec();
            other[bytes.len() - 1] ^= 1;
            assert!(!key.is(&other), "{value}: its last byte");
        }
        // Columns whose values repeat (a value again every other row) fill the memory.
        for n in 0..2 * Repeats::MOST {
            repeats.seen(5 + n % 64, 0, &(n / 128).to_string());
        }
        assert!(!repeats.seen(6, 0, "Bergen"));
        assert!(!repeats.seen(6, 0, "Bergen"), "not remembered once full");
        assert!(repeats.seen(3, 0, "Oslo"));
        assert!(repeats.seen(5, 0, "7"));
    }

    /// A column whose values seldom repeat is given up after its trial: its values are
    /// gathered each time, and the room they took goes to other columns.
    #[test]
    fn a_column_whose_values_seldom_repeat_is_given_up() {
        let mut repeats = Repeats::default();
        // Column `col`'s trial, one value in `every` the same again.
        let mut trial = |col: usize, every: usize| {
            for n in 0..Repeats::TRIAL as usize {
                let value = match n % every {
                    0 => "again".to_string(),
                    _ => n.to_string(),
                };
                repeats.seen(col, 0, &value);
            }
        };
        trial(1, 10); // seldom
        trial(2, 4); // kept
        assert!(!repeats.seen(1, 0, "again"), "given up");
        assert!(!repeats.seen(1, 0, "again"), "given up, again");
        assert!(repeats.seen(2, 0, "again"));
        assert!(repeats.seen(2, 0, "7"));
        assert_eq!(repeats.count, repeats.columns[2].values.len());
    }

    /// What the memo answers, the first time and from memory, is what the kept texts' index
    /// answers: values and names that share their starts, with accents, capitals and marks.
    #[test]
    fn the_memo_answers_as_the_index() {
        let mut hay = Haystack::default();
        for text in ["Backup: Zoe Muller", "zoë", "SØREN and Ödön", "Ilkay"] {
            hay.push(text, true);
        }
        let values = [
            "Zoë Müller",
            "ZOË Berg",
            "Zoë",
            "Zoé Lind",
            "Søren Ødegård",
            "Ödön Kiss",
            "İlkay Öz",
            "ʼt Hårt",
            "  Zoë  ",
            "Müller Zoë",
            "Ann Mårtensson",
        ];
        let mut memo = Memo::default();
        for round in 0..2 {
            for value in values {
                assert_eq!(
                    memo.may_hold(&hay, value),
                    hay.may_hold(value),
                    "{value:?}, round {round}"
                );
                assert_eq!(
                    memo.may_hold_unaccented(&hay, value),
                    hay.may_hold_unaccented(value),
                    "{value:?}, round {round}"
                );
            }
        }
        // Some of them are held, some not, both ways: the memo is no constant.
        let held = |f: &dyn Fn(&str) -> bool| values.iter().filter(|v| f(v)).count();
        assert!((1..values.len()).contains(&held(&|v| hay.may_hold(v))));
        assert!((1..values.len()).contains(&held(&|v| hay.may_hold_unaccented(v))));
    }
}
