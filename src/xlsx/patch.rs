//! The lossless writer: a copy of the input package in which only the changed cells differ.
//!
//! Every zip entry that holds no changed cell is copied raw (still compressed, byte for byte) in
//! the same order: styles, column widths, tables, data validations (including the x14 ones),
//! code names, the metadata sheet, whatever people added by hand. A worksheet with changed cells
//! is streamed through a small scanner that copies its XML verbatim and rewrites only the
//! changed `<c>` elements (value and type; the style stays).
//!
//! Shared strings: a removed value must not survive in `sharedStrings.xml`, and the unchanged
//! worksheets must stay byte-identical. Renumbering the table after dropping orphans would force
//! rewriting every sheet that uses a later string, so instead each string that no cell refers to
//! any more is blanked in place (`<si><t/></si>`): its index stays valid, nothing else moves, and
//! only the changed sheets and the table are rewritten. New values are appended to the table
//! (deduplicated), so they are shared strings like every other text in the file. `count` and
//! `uniqueCount` are set to the new totals.
//!
//! Exports written by Dynamics itself (never opened in Excel) put a namespace prefix on every
//! element (`<x:c>`, `<x:v>`) and hold text as inline strings, without a shared strings part:
//! tags are matched by local name under any prefix, a rewritten cell keeps its element's prefix,
//! and a changed inline-string cell (or any text cell when there is no table) is written as an
//! inline string.
//!
//! Formula cached values: once any cell changed, a formula's cached value may repeat removed
//! text (a Full Name formula over First and Last Name) or be computed from it (the length of a
//! removed name), and references reach other sheets through names and `INDIRECT`, so every
//! formula cell loses its cached value, whatever its type, and the workbook is marked to
//! recalculate on load (which recomputes every formula anyway).

use super::attr;
use super::clean::{self, formulas, sheet, Counts, SheetDone};
use super::deflate::{Archive, BlockDeflater};
use super::package;
use super::strings::Piece;
use crate::apply::{NewValue, SheetChanges};
use crate::error::{Problem, ReadError, WriteError};
use crate::needles::Needles;
use crate::workbook::Workbook;
use calamine::Data;
use fixedbitset::FixedBitSet;
use quick_xml::events::Event;
use quick_xml::{Reader, Writer};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Cursor, Read, Write};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

/// Deflate levels for rewritten parts. Measured on generated exports (`cargo bench --bench
/// writers -- --levels`): 100,000 rows (163 MB of XML in the data sheet and shared strings):
/// level 6 made a 23.9 MB file, level 3 a 26.2 MB file, level 2 a 27.0 MB file and level 1 a
/// 36.2 MB file (larger than the input); 20,000 rows (6.3 MB input): level 6 4.78 MB, level 3
/// 5.22 MB, level 2 5.39 MB, level 1 7.20 MB. Level 3 took about a quarter less time than 6;
/// level 2 (zlib-rs's fast strategy, no lazy matches) takes 0.93x the instructions of the whole
/// scrub at level 3 (the 100,000-row export, one thread) for 3% more size, so it is the default.
/// Level 1 (the quick strategy) writes a third more: with today's engine it takes 0.88x the
/// time of the whole scrub at level 2 (the 100,000-row export, one job), for a file 1.34x the
/// size, larger than the input, and more parts where the output is split for the import
/// wizard; level 2 stays the default. Only an input just under the import wizard's 8 MB limit
/// gets level 6, so that an input that imported still imports when it was packed tighter than
/// level 2 packs it (at most about an eighth larger, 7.3 MB for an input of 6.5 MB).
const DEFAULT_LEVEL: i64 = 2;
const TIGHT_LEVEL: i64 = 6;
const IMPORT_LIMIT_BYTES: usize = 8_000_000;
const NEAR_LIMIT_BYTES: usize = 6_500_000;

/// What the lossless writer may change besides cells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatchOptions {
    /// Blank creator, last-modified-by and similar fields of `docProps/core.xml` and `app.xml`.
    pub strip_doc_props: bool,
    /// The deflate level for rewritten parts (0-9); `None` chooses by size (see
    /// [`deflate_level`]). For measurements (`cargo bench --bench writers`).
    pub deflate_level: Option<u8>,
    /// Where a large rewritten part's compressed bytes wait until the output is assembled (an
    /// unnamed temporary file there, which the system removes when it is closed, or when the
    /// process ends): the output's folder. `None` keeps them in memory.
    pub spool: Option<std::path::PathBuf>,
}

impl PatchOptions {
    /// The deflate level (0-9) for the rewritten parts of an input of `input_len` bytes: the
    /// one asked for, or [`deflate_level`]'s.
    pub fn level_for(&self, input_len: usize) -> i64 {
        self.deflate_level
            .map_or_else(|| deflate_level(input_len), |l| i64::from(l.min(9)))
    }
}

/// The deflate level for the rewritten parts of an input of `input_len` bytes, unless
/// [`PatchOptions::deflate_level`] says otherwise.
pub fn deflate_level(input_len: usize) -> i64 {
    if (NEAR_LIMIT_BYTES..=IMPORT_LIMIT_BYTES).contains(&input_len) {
        TIGHT_LEVEL
    } else {
        DEFAULT_LEVEL
    }
}

fn damaged(what: &'static str) -> impl Fn(std::io::Error) -> Problem {
    move |_| ReadError::CorruptWorkbook(what).into()
}

fn zip_failed(e: zip::result::ZipError) -> Problem {
    match e {
        zip::result::ZipError::Io(io) => WriteError::Output(io.kind()),
        _ => WriteError::Package,
    }
    .into()
}

pub(super) fn write_failed(e: std::io::Error) -> Problem {
    WriteError::Output(e.kind()).into()
}

/// Write `input` with `changes` applied, as a lossless xlsx, to `out`, without cleaning other
/// parts (see [`write_cleaned`]).
///
/// # Errors
/// A [`Problem`] when the package cannot be read or a changed cell is not where calamine saw it.
pub fn write<W: Write>(
    input: &[u8],
    book: &Workbook,
    changes: &[SheetChanges],
    options: &PatchOptions,
    out: W,
) -> Result<(), Problem> {
    write_with(input, book, changes, options, None, Passed::default(), out).map(|_| ())
}

/// Write `input` with `changes` applied, as a lossless xlsx, to `out`, and clean every other
/// place of the package that holds one of `needles` (the values the scrub removes; see
/// [`super::clean`]). Returns what the cleaning did.
///
/// # Errors
/// A [`Problem`] when the package cannot be read, a changed cell is not where calamine saw it,
/// or a removed value is in a place no cleaner can change ([`WriteError::Uncleanable`]).
pub fn write_cleaned<W: Write>(
    input: &[u8],
    book: &Workbook,
    changes: &[SheetChanges],
    options: &PatchOptions,
    needles: &Needles,
    out: W,
) -> Result<Counts, Problem> {
    write_with(
        input,
        book,
        changes,
        options,
        Some(needles),
        Passed::default(),
        out,
    )
}

/// [`write_cleaned`] where the sheets of `held` were already written by the one pass up to
/// their tails (see [`super::stream`]): their tails are cleaned and their entries finished.
///
/// # Errors
/// As [`write_cleaned`].
pub(crate) fn write_cleaned_held<W: Write>(
    input: &[u8],
    book: &Workbook,
    changes: &[SheetChanges],
    options: &PatchOptions,
    needles: &Needles,
    passed: Passed,
    out: W,
) -> Result<Counts, Problem> {
    write_with(input, book, changes, options, Some(needles), passed, out)
}

/// What the one pass wrote and numbered (see [`super::stream`]): the sheets it wrote up to
/// their tails, and the new shared strings of every sheet's changes.
#[derive(Default)]
pub(crate) struct Passed {
    pub held: Vec<Held>,
    pub new_strings: Option<NewStrings>,
    /// The shared strings' texts the pass read, and what their reading kept of the part
    /// besides: the table is then rewritten from them, not read again (see
    /// [`super::strings::Rest::replay`]).
    pub table: Option<(super::cells::Strings, super::strings::Rest)>,
}

/// The lossless writer's stages, in order: [`sheet_parts`] finds each sheet's part,
/// [`NewStrings`] and [`SheetLinks`] gather what every sheet's rewrite needs,
/// [`Patch::scan_unchanged`] reads the sheets without changes, [`Patch::rewrite_sheets`]
/// rewrites the others, [`Done::gather`] adds up what they did, [`shifted_tables`],
/// [`clean::package`], [`Patch::shared_strings`], [`edit_small_parts`] and [`compress_parts`]
/// rewrite the other parts, and [`assemble`] writes the package.
fn write_with<W: Write>(
    input: &[u8],
    book: &Workbook,
    changes: &[SheetChanges],
    options: &PatchOptions,
    needles: Option<&Needles>,
    Passed {
        held,
        new_strings,
        table,
    }: Passed,
    mut out: W,
) -> Result<Counts, Problem> {
    let no_needles = Needles::default();
    let mut zip = open(input)?;
    // A part is copied under its name: one named after the person fails the file before any
    // message could name it.
    if let Some(entry) = needles.and_then(|n| entry_named_after(&mut zip, n)) {
        return Err(WriteError::EntryName { entry }.into());
    }
    let map = package::map_package(&mut zip)?;
    let empty = SheetChanges::default();
    let sheets = sheet_parts(book, &map, changes, &empty)?;
    let level = options.level_for(input.len());
    // The table's items: as the one pass counted them, else counted here; the table is
    // rewritten as a stream at the end.
    let string_count = match (&map.shared_strings, held.first()) {
        (None, _) => 0,
        (Some(_), Some(h)) => h.refs.len(),
        (Some(path), None) => {
            let entry = zip
                .by_name(path)
                .map_err(|_| ReadError::MissingPart(path.clone()))?;
            super::strings::count(BufReader::with_capacity(1 << 16, entry))?
        }
    };
    // As the one pass numbered them, else numbered here.
    let has_table = map.shared_strings.is_some();
    let new_strings = match new_strings {
        Some(new) if new.numbered_for(has_table, string_count) => new,
        _ => NewStrings::of(changes, has_table, string_count),
    };
    let any_change = changes
        .iter()
        .any(|c| !c.cells.is_empty() || !c.deleted.is_empty());
    // Links and comments on changed cells go even when no removed value is long enough to
    // search for.
    let cleaning = any_change && needles.is_some();
    let needles = needles.unwrap_or(&no_needles);
    let links = if cleaning {
        SheetLinks::read(&mut zip, &sheets, needles)?
    } else {
        SheetLinks::none(sheets.len())
    };
    let patch = Patch {
        input,
        sheets,
        string_count,
        new_strings,
        any_change,
        cleaning,
        needles,
        links,
        level,
        spool: options.spool.as_deref(),
    };

    let (scanned, rewrite) = patch.scan_unchanged()?;
    let rewritten = patch.rewrite_sheets(&rewrite, held)?;
    let mut done = Done::gather(&patch.sheets, scanned, rewritten);
    let tables = shifted_tables(&mut zip, &patch.sheets)?;
    // Every other part that can hold a removed value (see the clean module).
    let edits = if cleaning {
        clean::package(
            &mut zip,
            &map,
            &done.sheets,
            needles,
            any_change,
            done.cleared > 0,
            tables,
        )?
    } else {
        clean::Edits {
            parts: tables,
            ..clean::Edits::default()
        }
    };
    done.counts.add(&edits.counts);
    let mut parts = edits.parts;
    if let Some(path) = &map.shared_strings {
        if any_change {
            let table = table.as_ref().filter(|(strings, rest)| {
                rest.part == *path && strings.len() == patch.string_count && rest.replays(strings)
            });
            let (archive, phonetic) = patch.shared_strings(&mut zip, path, &done, table)?;
            done.counts.phonetic_dropped += phonetic;
            done.replaced.insert(path.clone(), archive);
        }
    }
    edit_small_parts(&mut zip, &map, options, done.cleared > 0, &mut parts)?;
    compress_parts(&mut zip, parts, level, &mut done.replaced)?;
    assemble(&mut zip, &done.replaced, &edits.dropped, &mut out)?;
    Ok(done.counts)
}

/// Each sheet of `book` with its part and its changes (`empty` for a sheet without any).
fn sheet_parts<'a>(
    book: &Workbook,
    map: &'a package::PackageMap,
    changes: &'a [SheetChanges],
    empty: &'a SheetChanges,
) -> Result<Vec<(&'a str, &'a SheetChanges)>, Problem> {
    let by_sheet = crate::apply::changes_by_sheet(changes, book.sheets.len());
    book.sheets
        .iter()
        .enumerate()
        .map(|(i, sheet)| {
            let part = map
                .sheets
                .iter()
                .find(|p| p.name == sheet.name)
                .map(|p| p.path.as_str())
                .ok_or(ReadError::CorruptWorkbook("a sheet has no part"))?;
            Ok((part, by_sheet[i].unwrap_or(empty)))
        })
        .collect()
}

/// The new values that become shared strings appended to the table, deduplicated, in change
/// order (a changed inline-string cell stays an inline string; without a table, all are
/// inline). The one pass numbers them as it goes (see [`super::stream`]) and hands them to the
/// writer; the texts are kept once, in one buffer, and found by their hash.
#[derive(Debug, Default)]
pub(crate) struct NewStrings {
    /// Whether the package has a shared strings table (without one, text is inline).
    on: bool,
    /// The table's own items: the new ones are numbered from there.
    base: u32,
    /// Shared with the changes that read their new texts here (see [`NewStrings::table`]).
    texts: std::sync::Arc<super::cells::Strings>,
    /// Each text's place in `texts`, by the text's hash: made again when a lookup wants it
    /// after [`NewStrings::forget_index`].
    index: std::sync::OnceLock<hashbrown::HashTable<u32>>,
    hasher: hashbrown::DefaultHashBuilder,
    /// Room the index is made with for the texts to come (see [`NewStrings::expecting`]).
    expected: usize,
}

impl NewStrings {
    /// None yet, numbered after the `base` items of the table, when the package `has_table`.
    pub(crate) fn new(has_table: bool, base: usize) -> NewStrings {
        NewStrings {
            on: has_table,
            base: u32::try_from(base).unwrap_or(u32::MAX),
            ..NewStrings::default()
        }
    }

    /// Made to hold about `texts` new texts without growing: its index, grown from nothing,
    /// would be made again a dozen times for a large export's (each time hashing every text
    /// again).
    pub(crate) fn expecting(mut self, texts: usize) -> NewStrings {
        self.expected = texts;
        self
    }

    /// The new texts of `changes`, numbered after the `string_count` items of the table, when
    /// the package `has_table`.
    fn of(changes: &[SheetChanges], has_table: bool, string_count: usize) -> NewStrings {
        let mut new = NewStrings::new(has_table, string_count);
        for sc in changes {
            for c in &sc.cells {
                new.add(sc.value(c));
            }
        }
        new
    }

    /// Number `value`'s text, when it is text and the package has a table; its number (one
    /// lookup: millions of changed cells pass here).
    pub(crate) fn add(&mut self, value: NewValue<'_>) -> Option<u32> {
        let (true, Some(text)) = (self.on, cell_text(value)) else {
            return None;
        };
        if self.index.get().is_none() {
            let _ = self.index.set(self.made_index());
        }
        let index = self.index.get_mut()?;
        // The table is shared once the pass is over, when no text is added any more.
        let texts = std::sync::Arc::make_mut(&mut self.texts);
        let hasher = &self.hasher;
        let hash = std::hash::BuildHasher::hash_one(hasher, text);
        let at = match index.entry(
            hash,
            |&i| texts.get(i as usize) == Some(text),
            |&i| hash_of(hasher, texts, i),
        ) {
            hashbrown::hash_table::Entry::Occupied(e) => *e.get(),
            hashbrown::hash_table::Entry::Vacant(e) => {
                let at = texts.len() as u32;
                texts.push(text);
                e.insert(at);
                at
            }
        };
        Some(self.base.saturating_add(at))
    }

    /// The number of `text`, when it is a new string.
    fn get(&self, text: &str) -> Option<u32> {
        let hash = std::hash::BuildHasher::hash_one(&self.hasher, text);
        let at = self
            .index
            .get_or_init(|| self.made_index())
            .find(hash, |&i| self.texts.get(i as usize) == Some(text))?;
        Some(self.base.saturating_add(*at))
    }

    /// The index of the texts, made from them.
    fn made_index(&self) -> hashbrown::HashTable<u32> {
        let (hasher, texts) = (&self.hasher, &*self.texts);
        let mut index = hashbrown::HashTable::with_capacity(texts.len().max(self.expected));
        for i in 0..texts.len() as u32 {
            index.insert_unique(hash_of(hasher, texts, i), i, |&j| hash_of(hasher, texts, j));
        }
        index
    }

    /// Let the index go (MBs in a large export) once the strings are all numbered: the writer
    /// of the sheets the one pass wrote looks none up. A lookup makes it again.
    pub(crate) fn forget_index(&mut self) {
        self.index = std::sync::OnceLock::new();
    }

    /// How many there are.
    pub(crate) fn len(&self) -> usize {
        self.texts.len()
    }

    /// Where the string numbered `number` (see [`NewStrings::add`]) is among them.
    pub(crate) fn place(&self, number: u32) -> usize {
        number.saturating_sub(self.base) as usize
    }

    /// The texts, for changes to read theirs from (see [`crate::apply::Values::share`]).
    pub(crate) fn table(&self) -> std::sync::Arc<dyn crate::apply::TextTable> {
        self.texts.clone()
    }

    /// Forget the strings added after the first `len`.
    pub(crate) fn rollback(&mut self, len: usize) {
        std::sync::Arc::make_mut(&mut self.texts).truncate(len);
        if let Some(index) = self.index.get_mut() {
            index.retain(|&mut i| (i as usize) < len);
        }
    }

    /// Whether these are the new strings of a package that `has_table` of `base` items.
    fn numbered_for(&self, has_table: bool, base: usize) -> bool {
        self.on == has_table && self.base as usize == base
    }

    /// The texts, in number order.
    fn texts(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.texts.len()).map(|i| self.texts.get(i).unwrap_or_default())
    }
}

/// The hash of new string `i` of `texts`, by which [`NewStrings`]' index finds it.
fn hash_of(hasher: &hashbrown::DefaultHashBuilder, texts: &super::cells::Strings, i: u32) -> u64 {
    std::hash::BuildHasher::hash_one(hasher, texts.get(i as usize).unwrap_or_default())
}

/// Per sheet, the hyperlink relationships the cleaners need.
struct SheetLinks {
    /// Relationships whose target holds a removed value.
    bad: Vec<HashSet<String>>,
    /// `mailto:` relationships (pointed at a changed cell's new address).
    mailto: Vec<HashSet<String>>,
}

impl SheetLinks {
    /// No links, for `sheets` sheets: when nothing is cleaned.
    fn none(sheets: usize) -> SheetLinks {
        SheetLinks {
            bad: vec![HashSet::new(); sheets],
            mailto: vec![HashSet::new(); sheets],
        }
    }

    /// The links of each sheet's relationships part.
    fn read(
        zip: &mut ZipArchive<Cursor<&[u8]>>,
        sheets: &[(&str, &SheetChanges)],
        needles: &Needles,
    ) -> Result<SheetLinks, Problem> {
        let mut links = SheetLinks::none(sheets.len());
        for (i, (part, _)) in sheets.iter().enumerate() {
            let rels = clean::rels_of(part);
            if zip.index_for_name(&rels).is_some() {
                let xml = package::read_part(zip, &rels)?;
                links.bad[i] = clean::hyperlinks::bad_targets(&xml, needles)
                    .map_err(|s| s.into_problem(&rels))?;
                links.mailto[i] =
                    clean::hyperlinks::mailto_targets(&xml).map_err(|s| s.into_problem(&rels))?;
            }
        }
        Ok(links)
    }
}

/// What every sheet's scan or rewrite reads.
struct Patch<'a> {
    input: &'a [u8],
    /// Each sheet's part and changes.
    sheets: Vec<(&'a str, &'a SheetChanges)>,
    /// Items in the input's shared strings table.
    string_count: usize,
    new_strings: NewStrings,
    /// Whether any cell changed or any row was deleted.
    any_change: bool,
    /// Whether the cleaners run.
    cleaning: bool,
    needles: &'a Needles,
    links: SheetLinks,
    /// The deflate level of rewritten parts.
    level: i64,
    /// Where large rewritten parts wait (see [`PatchOptions::spool`]).
    spool: Option<&'a std::path::Path>,
}

fn stop(part: &str) -> impl Fn(clean::Stop) -> Problem + '_ {
    move |s| s.into_problem(part)
}

/// A [`walk_cells`] error, naming `part` where it names a part.
fn in_part(part: &str) -> impl Fn(Problem) -> Problem + '_ {
    move |p| match p {
        Problem::Write(WriteError::CellsOutOfOrder { row, .. }) => WriteError::CellsOutOfOrder {
            part: part.to_string(),
            row,
        }
        .into(),
        p => p,
    }
}

/// One sheet as [`Patch::rewrite_sheets`] wrote it.
struct Rewritten {
    sheet: usize,
    /// A one-entry archive holding the sheet's part.
    archive: Archive,
    /// The shared strings the cells it kept use.
    refs: Refs,
    /// Formula cached values dropped.
    cleared: usize,
    /// The cleaned tail, when the cleaners changed it.
    tail: Option<sheet::Tail>,
    /// Changed cells written as references to new shared strings.
    new_refs: u64,
}

impl<'a> Patch<'a> {
    /// How entry `entry` is rewritten: at the patch's level, spooled where it says.
    fn entry_options<R: Read>(&self, entry: &zip::read::ZipFile<'_, R>) -> EntryMeta {
        EntryMeta {
            spool: self.spool.map(std::path::Path::to_path_buf),
            ..entry_options(entry, self.level)
        }
    }

    /// Sheet `i`'s tail (after its rows) cleaned of links and comments that hold a removed
    /// value or point at a changed cell, when the cleaners run and it needs it.
    fn clean_tail(&self, i: usize, tail: &[u8]) -> Result<Option<sheet::Tail>, Problem> {
        let (part, changes) = self.sheets[i];
        if !self.cleaning {
            return Ok(None);
        }
        sheet::tail(
            tail,
            changes,
            &self.links.bad[i],
            &self.links.mailto[i],
            self.needles,
        )
        .map_err(stop(part))
    }

    /// Write sheet `i`'s tail to `out`, cleaned when the cleaners change it (see
    /// [`Patch::clean_tail`]); the cleaned tail, if so.
    fn write_tail(
        &self,
        i: usize,
        tail: &[u8],
        out: &mut impl Write,
    ) -> Result<Option<sheet::Tail>, Problem> {
        let cleaned = self.clean_tail(i, tail)?;
        let xml = cleaned.as_ref().map_or(tail, |t| t.xml.as_slice());
        out.write_all(xml).map_err(write_failed)?;
        Ok(cleaned)
    }

    fn touched(changes: &SheetChanges) -> bool {
        !changes.cells.is_empty() || !changes.deleted.is_empty()
    }

    /// Read the sheets without changes: who uses which shared string, and are there formula
    /// results (whose cached values must go once anything changed) or a tail to clean? Returns
    /// the uses of each shared string, and the sheets to rewrite: the changed ones, then those
    /// of the unchanged ones that need it.
    fn scan_unchanged(&self) -> Result<(Refs, Vec<usize>), Problem> {
        let unchanged: Vec<usize> = (0..self.sheets.len())
            .filter(|&i| !Self::touched(self.sheets[i].1))
            .collect();
        let scans = unchanged
            .par_iter()
            .map(|&i| self.scan_sheet(i).map(|(refs, rewrite)| (i, refs, rewrite)))
            .collect::<Result<Vec<_>, Problem>>()?;
        let mut refs = Refs::new(self.string_count);
        let mut rewrite: Vec<usize> = (0..self.sheets.len())
            .filter(|&i| Self::touched(self.sheets[i].1))
            .collect();
        for (i, partial, cached_formulas) in scans {
            refs.add(&partial);
            if self.any_change && cached_formulas {
                rewrite.push(i);
            }
        }
        Ok((refs, rewrite))
    }

    /// Scan unchanged sheet `i`: the uses of each shared string, and whether it holds formula
    /// results or a tail the cleaners change.
    fn scan_sheet(&self, i: usize) -> Result<(Refs, bool), Problem> {
        let part = self.sheets[i].0;
        let cleaning = self.cleaning;
        let needles = self.needles;
        let mut refs = Refs::new(self.string_count);
        let mut zip = open(self.input)?;
        let entry = zip
            .by_name(part)
            .map_err(|_| ReadError::MissingPart(part.to_string()))?;
        let mut cached_formulas = false;
        let mut arrays = formulas::Arrays::default();
        let mut tail_changes = false;
        walk_cells(
            BufReader::with_capacity(1 << 16, entry),
            &mut std::io::sink(),
            None,
            |row, col, raw, _| {
                let cell = CellXml::parse(raw);
                count_ref(&cell, &mut refs);
                cached_formulas |= cell.has_formula && cell.has_cached_value();
                if cleaning {
                    cached_formulas |= arrays.inside(row, col, raw) && cell.v.is_some();
                    if cell.has_formula {
                        formulas::check_kept(raw, needles).map_err(stop(part))?;
                    }
                }
                Ok(false)
            },
            |tail, _| {
                tail_changes = self.clean_tail(i, &tail)?.is_some();
                Ok(())
            },
        )
        .map_err(in_part(part))?;
        Ok((refs, cached_formulas || tail_changes))
    }

    /// Rewrite the sheets `rewrite`, each compressed on its own thread into a one-entry
    /// archive; those the one pass wrote (`held`) only lack their tails.
    fn rewrite_sheets(
        &self,
        rewrite: &[usize],
        held: Vec<Held>,
    ) -> Result<Vec<Rewritten>, Problem> {
        let mut held_at: Vec<Option<Held>> = (0..self.sheets.len()).map(|_| None).collect();
        for h in held {
            let i = h.sheet;
            *held_at.get_mut(i).ok_or(Problem::Internal)? = Some(h);
        }
        let held_at: Vec<std::sync::Mutex<Option<Held>>> =
            held_at.into_iter().map(std::sync::Mutex::new).collect();
        rewrite
            .par_iter()
            .map(|&i| {
                let held = held_at[i].lock().ok().and_then(|mut h| h.take());
                match held {
                    Some(held) => self.finish_held(i, held),
                    None => self.rewrite_sheet(i),
                }
            })
            .collect()
    }

    /// Clean the tail of sheet `i`, which the one pass wrote up to it, and finish its entry.
    fn finish_held(&self, i: usize, held: Held) -> Result<Rewritten, Problem> {
        if held.refs.len() != self.string_count {
            return Err(Problem::Internal);
        }
        let mut entry = held.entry;
        let tail = self.write_tail(i, &held.tail, &mut entry)?;
        entry.flush().map_err(write_failed)?;
        let entry = entry
            .into_inner()
            .map_err(|e| write_failed(e.into_error()))?;
        Ok(Rewritten {
            sheet: i,
            archive: entry.finish()?,
            refs: held.refs,
            cleared: 0,
            tail,
            new_refs: held.new_refs,
        })
    }

    /// Rewrite sheet `i`: its changed cells, formula cached values dropped once anything
    /// changed, its tail cleaned.
    fn rewrite_sheet(&self, i: usize) -> Result<Rewritten, Problem> {
        let (part, changes) = self.sheets[i];
        let (cleaning, any_change, needles) = (self.cleaning, self.any_change, self.needles);
        let mut zip = open(self.input)?;
        let mut entry = zip
            .by_name(part)
            .map_err(|_| ReadError::MissingPart(part.to_string()))?;
        let mut partial = Refs::new(self.string_count);
        let mut cleared = 0usize;
        let mut new_refs = 0u64;
        let mut cursor = 0;
        let mut applied = 0usize;
        let mut arrays = formulas::Arrays::default();
        let mut tail_done: Option<sheet::Tail> = None;
        let options = self.entry_options(&entry);
        let archive = single_entry(part, &options, |zip_out| {
            // Many small writes (one or more per cell): buffered before the compressor.
            let mut buffered = std::io::BufWriter::with_capacity(1 << 16, zip_out);
            walk_cells(
                BufReader::with_capacity(1 << 16, &mut entry),
                &mut buffered,
                Some(changes),
                |row, col, raw, out| {
                    let cell = CellXml::parse(raw);
                    let in_array = cleaning && arrays.inside(row, col, raw);
                    if let Some(change) = changes.take_at(&mut cursor, row, col) {
                        applied += 1;
                        let index = cell_text(changes.value(change))
                            .filter(|_| cell.t != Some(b"inlineStr".as_slice()))
                            .and_then(|t| self.new_strings.get(t));
                        new_refs += u64::from(index.is_some());
                        write_new_cell(out, &cell, changes.value(change), index)
                            .map_err(write_failed)?;
                        return Ok(true);
                    }
                    if cleaning && cell.has_formula {
                        formulas::check_kept(raw, needles).map_err(stop(part))?;
                    }
                    if (any_change && cell.has_formula && cell.has_cached_value())
                        || (in_array && cell.v.is_some())
                    {
                        cleared += 1;
                        out.write_all(&cell.without_cached_value())
                            .map_err(write_failed)?;
                        return Ok(true);
                    }
                    count_ref(&cell, &mut partial);
                    Ok(false)
                },
                |tail, out| {
                    tail_done = self.write_tail(i, &tail, out)?;
                    Ok(())
                },
            )
            .map_err(in_part(part))?;
            buffered.flush().map_err(write_failed)
        })?;
        if applied != changes.cells.len() {
            return Err(
                ReadError::CorruptWorkbook("a changed cell is missing from the sheet XML").into(),
            );
        }
        Ok(Rewritten {
            sheet: i,
            archive,
            refs: partial,
            cleared,
            tail: tail_done,
            new_refs,
        })
    }

    /// The shared strings table as [`write_table`] writes it, with the uses the sheets
    /// counted, as a one-entry archive. `table`, when given, is the part's texts and what their
    /// reading kept besides (see [`Passed::table`]): the part is then not read again.
    fn shared_strings(
        &self,
        zip: &mut ZipArchive<Cursor<&[u8]>>,
        path: &str,
        done: &Done<'_>,
        table: Option<&(super::cells::Strings, super::strings::Rest)>,
    ) -> Result<(Archive, u64), Problem> {
        let entry = zip
            .by_name(path)
            .map_err(|_| ReadError::MissingPart(path.to_string()))?;
        let options = self.entry_options(&entry);
        let total = done.refs.total() + done.new_refs;
        let mut phonetic = 0;
        let (items, refs, new) = (self.string_count, &done.refs, self.new_strings.texts());
        let archive = single_entry(path, &options, |out| {
            phonetic = match table {
                Some((strings, rest)) => {
                    let pieces = |each: &mut dyn FnMut(Piece<'_>, usize) -> Result<(), Problem>| {
                        rest.replay(strings, each)
                    };
                    write_pieces(pieces, items, refs, new, total, out)?
                }
                None => {
                    let input = BufReader::with_capacity(1 << 16, entry);
                    write_table(input, items, refs, new, total, out)?
                }
            };
            Ok(())
        })?;
        Ok((archive, phonetic))
    }
}

/// What the sheets' scans and rewrites add up to.
struct Done<'a> {
    /// Each sheet as the cleaners of the other parts see it.
    sheets: Vec<SheetDone<'a>>,
    /// Part path → its rewritten one-entry archive.
    replaced: HashMap<String, Archive>,
    /// The shared strings the kept cells use.
    refs: Refs,
    /// Cells written as references to new shared strings.
    new_refs: u64,
    /// Formula cached values dropped.
    cleared: usize,
    counts: Counts,
}

impl<'a> Done<'a> {
    /// Add up the rewritten sheets, on top of the shared string uses `refs` of the scanned ones.
    fn gather(
        sheets: &[(&'a str, &'a SheetChanges)],
        refs: Refs,
        rewritten: Vec<Rewritten>,
    ) -> Done<'a> {
        let mut done = Done {
            sheets: sheets
                .iter()
                .map(|&(part, changes)| SheetDone {
                    part,
                    changes,
                    dropped_links: Vec::new(),
                    retargeted_links: Vec::new(),
                })
                .collect(),
            replaced: HashMap::new(),
            refs,
            new_refs: 0,
            cleared: 0,
            counts: Counts::default(),
        };
        for r in rewritten {
            done.refs.add(&r.refs);
            done.cleared += r.cleared;
            done.new_refs += r.new_refs;
            if let Some(tail) = r.tail {
                done.counts.add(&tail.counts);
                done.sheets[r.sheet].dropped_links = tail.dropped_links;
                done.sheets[r.sheet].retargeted_links = tail.retargeted;
            }
            done.replaced
                .insert(sheets[r.sheet].0.to_string(), r.archive);
        }
        done.counts.caches_dropped += done.cleared as u64;
        done
    }
}

/// The tables of sheets that lost rows, their ranges shrunk to the remaining rows
/// (uncompressed, by part path).
fn shifted_tables(
    zip: &mut ZipArchive<Cursor<&[u8]>>,
    sheets: &[(&str, &SheetChanges)],
) -> Result<HashMap<String, Vec<u8>>, Problem> {
    let mut tables = HashMap::new();
    for &(part, changes) in sheets.iter().filter(|(_, c)| !c.deleted.is_empty()) {
        for table in package::related_parts(zip, part, "/table")? {
            if zip.index_for_name(&table).is_some() {
                let xml = package::read_part(zip, &table)?;
                tables.insert(table, shift_table(&xml, changes));
            }
        }
    }
    Ok(tables)
}

/// The workbook's calculation flag when cached values were dropped (`recalc`), the document
/// properties when asked: applied to `parts` (the part as already edited, or as in `zip`).
fn edit_small_parts(
    zip: &mut ZipArchive<Cursor<&[u8]>>,
    map: &package::PackageMap,
    options: &PatchOptions,
    recalc: bool,
    parts: &mut HashMap<String, Vec<u8>>,
) -> Result<(), Problem> {
    let mut small_edits: Vec<(&str, PartEdit)> = Vec::new();
    if recalc {
        small_edits.push((map.workbook.as_str(), |xml| Ok(recalculate_on_load(xml))));
    }
    if options.strip_doc_props {
        small_edits.push(("docProps/core.xml", strip_doc_props));
        small_edits.push(("docProps/app.xml", strip_doc_props));
    }
    for (path, edit) in small_edits {
        let xml = match parts.remove(path) {
            Some(xml) => xml,
            None if zip.index_for_name(path).is_some() => package::read_part(zip, path)?,
            None => continue,
        };
        parts.insert(path.to_string(), edit(&xml)?);
    }
    Ok(())
}

/// Each edited part (uncompressed) as a one-entry archive at `level`, into `replaced`.
fn compress_parts(
    zip: &mut ZipArchive<Cursor<&[u8]>>,
    parts: HashMap<String, Vec<u8>>,
    level: i64,
    replaced: &mut HashMap<String, Archive>,
) -> Result<(), Problem> {
    for (path, xml) in parts {
        let entry = zip
            .by_name(&path)
            .map_err(|_| ReadError::MissingPart(path.clone()))?;
        let options = entry_options(&entry, level);
        drop(entry);
        let archive = single_entry(&path, &options, |out| {
            out.write_all(&xml).map_err(write_failed)
        })?;
        replaced.insert(path, archive);
    }
    Ok(())
}

/// The output: every entry of `zip` but the `dropped` ones, in the input's order, raw-copied
/// from the input or from its rewritten one-entry archive in `replaced`, straight to `out`.
fn assemble<W: Write>(
    zip: &mut ZipArchive<Cursor<&[u8]>>,
    replaced: &HashMap<String, Archive>,
    dropped: &std::collections::BTreeSet<String>,
    out: W,
) -> Result<(), Problem> {
    let mut writer = ZipWriter::new(package::Forward::new(out));
    for index in 0..zip.len() {
        let raw = zip
            .by_index_raw(index)
            .map_err(|_| ReadError::CorruptWorkbook("a zip entry cannot be read"))?;
        let name = raw
            .name()
            .map_err(|_| ReadError::CorruptWorkbook("a zip entry has an unreadable name"))?
            .into_owned();
        if dropped.contains(&name) {
            continue;
        }
        match replaced.get(&name) {
            // A comment or extra fields (a second name, vendor data) go with a copy: such an
            // entry is written anew, with its name, time and data only.
            None if carries_more(&raw) => {
                let meta = entry_options(&raw, DEFAULT_LEVEL);
                drop(raw);
                let mut entry = zip
                    .by_index(index)
                    .map_err(|_| ReadError::CorruptWorkbook("a zip entry cannot be read"))?;
                let archive = single_entry(&name, &meta, |w| {
                    std::io::copy(&mut entry, w).map(|_| ()).map_err(|_| {
                        ReadError::CorruptWorkbook("a compressed part cannot be read").into()
                    })
                })?;
                copy_single(&mut writer, &archive)?;
            }
            None => writer.raw_copy_file(raw).map_err(zip_failed)?,
            Some(archive) => {
                drop(raw);
                copy_single(&mut writer, archive)?;
            }
        }
    }
    writer.finish().map_err(zip_failed)?;
    Ok(())
}

/// Copy the entry of a one-entry archive (see [`single_entry`]) into `writer`, as it is.
fn copy_single<W: Write + std::io::Seek>(
    writer: &mut ZipWriter<W>,
    archive: &Archive,
) -> Result<(), Problem> {
    let mut single = archive.open().map_err(zip_failed)?;
    let entry = single.by_index_raw(0).map_err(zip_failed)?;
    writer.raw_copy_file(entry).map_err(zip_failed)
}

/// Whether a zip entry carries more than its name, metadata and data: a comment, or an extra
/// field other than its sizes and alignment, which a raw copy keeps and no program shows. Even
/// metadata is written anew rather than copied: a tool may write any bytes as file times or
/// Unix ids (up to 32 of them, room for a name), and the sweep does not search them. (The
/// package was refused when opened if an extra field could hold more: see
/// [`package::hidden_data`].)
fn carries_more<R: Read>(entry: &zip::read::ZipFile<'_, R>) -> bool {
    use zip::ExtraField;
    !entry.comment_raw().is_empty()
        || entry.extra_data_fields().any(|field| {
            !matches!(
                field,
                ExtraField::Zip64ExtendedInformation(_) | ExtraField::DataStreamAlignment(_)
            )
        })
}

/// The first entry of `zip` (counted from 1, in the package's order) whose name holds one of
/// `needles`: a part or folder named after the person (`xl/media/Jane Doe.png`), which the
/// package keeps under that name. Its name as stored and as read (which a second name in an
/// extra field may give) are both searched.
fn entry_named_after(zip: &mut ZipArchive<Cursor<&[u8]>>, needles: &Needles) -> Option<usize> {
    if needles.is_empty() {
        return None;
    }
    (0..zip.len()).find_map(|index| {
        let entry = zip.by_index_raw(index).ok()?;
        let stored = String::from_utf8_lossy(entry.name_raw());
        let read = entry.name().ok();
        let named = [Some(stored), read]
            .iter()
            .flatten()
            .any(|name| needles.found_in_markup(name));
        named.then_some(index + 1)
    })
}

/// A rewrite of a small XML part.
type PartEdit = fn(&[u8]) -> Result<Vec<u8>, Problem>;

pub(super) fn open(input: &[u8]) -> Result<ZipArchive<Cursor<&[u8]>>, Problem> {
    ZipArchive::new(Cursor::new(input))
        .map_err(|_| ReadError::CorruptWorkbook("the zip directory is damaged").into())
}

/// How a rewritten entry is written: deflated at `level`, with the original's timestamp; in
/// blocks on every thread when the original is large (see [`super::deflate`]).
struct EntryMeta {
    options: SimpleFileOptions,
    modified: zip::DateTime,
    level: i64,
    blocks: bool,
    /// Where the entry waits when it is deflated in blocks (see [`PatchOptions::spool`]).
    spool: Option<std::path::PathBuf>,
}

fn entry_options<R: Read>(entry: &zip::read::ZipFile<'_, R>, level: i64) -> EntryMeta {
    let modified = entry.last_modified().unwrap_or_default();
    EntryMeta {
        options: SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(level))
            .last_modified_time(modified)
            .large_file(entry.size() >= u64::from(u32::MAX)),
        modified,
        level,
        blocks: entry.size() >= super::deflate::PARALLEL_FROM || blocks_forced(),
        spool: None,
    }
}

#[cfg(test)]
thread_local! {
    /// A test's choice to deflate every rewritten entry in blocks, as a large part is: the
    /// one pass then writes rows whole (see [`OpenEntry::any_writes`]).
    pub(super) static BLOCKS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether a test deflates every rewritten entry in blocks (see [`BLOCKS`]).
fn blocks_forced() -> bool {
    #[cfg(test)]
    if BLOCKS.get() {
        return true;
    }
    false
}

/// A one-entry zip archive holding `name` as written by `fill`, so parts can be compressed in
/// parallel and then copied raw into the output.
fn single_entry<F>(name: &str, meta: &EntryMeta, fill: F) -> Result<Archive, Problem>
where
    F: FnOnce(&mut dyn Write) -> Result<(), Problem>,
{
    let mut entry = OpenEntry::open(name, meta)?;
    fill(&mut entry)?;
    entry.finish()
}

/// A one-entry archive being written (see [`single_entry`]): the one-pass writer fills a
/// sheet's rows first and its tail once the cleaners know the removed values.
pub(crate) struct OpenEntry {
    name: String,
    modified: zip::DateTime,
    sink: Sink,
}

enum Sink {
    Blocks(super::deflate::BlockDeflater),
    Zip(Box<ZipWriter<Cursor<Vec<u8>>>>),
}

impl OpenEntry {
    fn open(name: &str, meta: &EntryMeta) -> Result<OpenEntry, Problem> {
        let sink = if meta.blocks {
            let level = u32::try_from(meta.level.clamp(0, 9)).unwrap_or(6);
            Sink::Blocks(match &meta.spool {
                Some(dir) => {
                    let file = tempfile::tempfile_in(dir).map_err(write_failed)?;
                    BlockDeflater::spooled(level, file, name).map_err(write_failed)?
                }
                None => BlockDeflater::new(level),
            })
        } else {
            let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
            zip.start_file(name, meta.options).map_err(zip_failed)?;
            Sink::Zip(Box::new(zip))
        };
        Ok(OpenEntry {
            name: name.to_string(),
            modified: meta.modified,
            sink,
        })
    }

    /// The entry `part` of `zip`, to be rewritten at the level of an input of `input_len` bytes
    /// (see [`PatchOptions::deflate_level`]).
    pub(crate) fn for_part<R: Read + std::io::Seek>(
        zip: &mut ZipArchive<R>,
        part: &str,
        input_len: usize,
        options: &PatchOptions,
    ) -> Result<OpenEntry, Problem> {
        let level = options.level_for(input_len);
        let entry = zip
            .by_name(part)
            .map_err(|_| ReadError::MissingPart(part.to_string()))?;
        let meta = EntryMeta {
            spool: options.spool.clone(),
            ..entry_options(&entry, level)
        };
        drop(entry);
        OpenEntry::open(part, &meta)
    }

    /// Whether the compressed bytes are the same however the uncompressed ones are cut into
    /// writes: true for a part deflated in blocks (see [`super::deflate`]); a single deflate
    /// stream depends on how its input comes, so the one-pass writer must then write exactly
    /// as [`walk_cells`] does.
    pub(crate) fn any_writes(&self) -> bool {
        matches!(self.sink, Sink::Blocks(_))
    }

    /// A hand for the blocks waiting to be deflated (see [`BlockDeflater::help`]).
    pub(crate) fn help(&self) -> Option<super::deflate::Help> {
        match &self.sink {
            Sink::Blocks(deflater) => deflater.help(),
            Sink::Zip(_) => None,
        }
    }

    /// The one-entry archive.
    fn finish(self) -> Result<Archive, Problem> {
        match self.sink {
            Sink::Blocks(deflater) => {
                let deflated = deflater.finish().map_err(write_failed)?;
                super::deflate::one_entry_archive(&self.name, self.modified, deflated)
            }
            Sink::Zip(zip) => Ok(Archive::Memory(
                zip.finish().map_err(zip_failed)?.into_inner(),
            )),
        }
    }
}

impl Write for OpenEntry {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.sink {
            Sink::Blocks(d) => d.write(buf),
            Sink::Zip(z) => z.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.sink {
            Sink::Blocks(d) => d.flush(),
            Sink::Zip(z) => z.flush(),
        }
    }
}

impl std::fmt::Debug for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Held")
            .field("sheet", &self.sheet)
            .finish_non_exhaustive()
    }
}

/// A changed sheet the one pass wrote up to `</sheetData>` (see [`super::stream`]).
pub(crate) struct Held {
    /// Index of the sheet in the workbook.
    pub sheet: usize,
    /// The sheet's entry, written up to its tail (through the buffer the usual writer uses, so
    /// that the deflater gets the same writes).
    pub entry: std::io::BufWriter<OpenEntry>,
    /// The sheet's XML after `</sheetData>`, to be cleaned and written.
    pub tail: Vec<u8>,
    /// The shared strings the cells the pass kept use.
    pub refs: Refs,
    /// Changed cells written as references to new shared strings.
    pub new_refs: u64,
}

/// Count a kept cell's use of a shared string.
pub(super) fn count_ref(cell: &CellXml, refs: &mut Refs) {
    if cell.t == Some(b"s".as_slice()) {
        if let Some(n) = cell.v.and_then(|v| v.trim().parse::<usize>().ok()) {
            refs.count(n);
        }
    }
}

/// Which items of a shared strings table the kept cells use, a bit each (a large table has
/// millions), and how many uses there are in all (the table's `count`).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Refs {
    /// A bit per item of the table.
    used: FixedBitSet,
    total: u64,
}

impl Refs {
    /// No use yet of a table of `len` items.
    pub(crate) fn new(len: usize) -> Refs {
        Refs {
            used: FixedBitSet::with_capacity(len),
            total: 0,
        }
    }

    /// How many items the table has.
    pub(crate) fn len(&self) -> usize {
        self.used.len()
    }

    /// One use of item `n`; none past the table's items.
    pub(crate) fn count(&mut self, n: usize) {
        if n < self.used.len() {
            self.used.insert(n);
            self.total += 1;
        }
    }

    /// Whether a cell uses item `n`; `None` past the table's items.
    fn is_used(&self, n: usize) -> Option<bool> {
        (n < self.used.len()).then(|| self.used.contains(n))
    }

    /// The uses of `other`, of the same table, too.
    fn add(&mut self, other: &Refs) {
        self.used.union_with(&other.used);
        self.total += other.total;
    }

    /// How many uses there are.
    fn total(&self) -> u64 {
        self.total
    }
}

/// The text of a new value that goes into the shared strings table.
pub(super) fn cell_text(value: NewValue<'_>) -> Option<&str> {
    as_written(value).ok()
}

/// A new value as the writers write it: its text (what goes into the shared strings table), or
/// any other value.
fn as_written(value: NewValue<'_>) -> Result<&str, &Data> {
    static EMPTY: Data = Data::Empty;
    match value {
        NewValue::Text(s) => Ok(s),
        NewValue::Other(Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s)) => Ok(s),
        NewValue::Other(other) => Err(other),
        NewValue::Cleared => Err(&EMPTY),
    }
}

/// Copy a worksheet's XML from `input` to `out`, handing each `<c>` element to `cell` with its
/// zero-based position. `cell` returns `true` when it wrote a replacement, `false` to have the
/// element copied as it is.
pub(super) fn walk_cells<R, W, F, T>(
    mut input: R,
    out: &mut W,
    rows: Option<&SheetChanges>,
    mut cell: F,
    tail: T,
) -> Result<(), Problem>
where
    R: BufRead,
    W: Write,
    F: FnMut(u32, u32, &[u8], &mut W) -> Result<bool, Problem>,
    T: FnOnce(Vec<u8>, &mut W) -> Result<(), Problem>,
{
    let read_err = damaged("a compressed part cannot be read");
    let deleting = rows.filter(|r| !r.deleted.is_empty());
    let mut tag = Vec::with_capacity(256);
    let mut row: u32 = 0;
    let mut next_row: u32 = 0;
    let mut next_col: u32 = 0;
    let mut deleted_cursor = 0;
    let mut shift = 0;
    loop {
        // Copy text up to the next markup.
        let (found, len) = {
            let chunk = input.fill_buf().map_err(&read_err)?;
            if chunk.is_empty() {
                return Ok(());
            }
            match memchr::memchr(b'<', chunk) {
                Some(i) => {
                    out.write_all(&chunk[..i]).map_err(write_failed)?;
                    (true, i)
                }
                None => {
                    out.write_all(chunk).map_err(write_failed)?;
                    (false, chunk.len())
                }
            }
        };
        input.consume(len);
        if !found {
            continue;
        }
        tag.clear();
        input.read_until(b'>', &mut tag).map_err(&read_err)?;
        if tag.starts_with(b"<!--") {
            read_until_suffix(&mut input, &mut tag, b"-->")?;
        } else if (tag.starts_with(b"</") && tag.ends_with(b"sheetData>"))
            || (is_tag(&tag, b"sheetData") && tag.ends_with(b"/>"))
        {
            // After the cells: the rest of the sheet goes to `tail` in one piece (it is small).
            out.write_all(&tag).map_err(write_failed)?;
            let mut rest = Vec::new();
            input.read_to_end(&mut rest).map_err(&read_err)?;
            if deleting.is_some() {
                refuse_shifting_ranges(&rest)?;
            }
            return tail(rest, out);
        } else if tag.starts_with(b"<![CDATA[") {
            read_until_suffix(&mut input, &mut tag, b"]]>")?;
        } else if is_tag(&tag, b"row") {
            row = attr::lenient(&tag, b"r")
                .and_then(|r| r.parse::<u32>().ok())
                .map_or(next_row, |r| r.saturating_sub(1));
            // Rows out of order or written twice (at or before the row after the last one):
            // the writer would change one of two places readers take for one (and leave the
            // other's value as it was).
            if row < next_row {
                return Err(WriteError::CellsOutOfOrder {
                    part: String::new(),
                    row: row + 1,
                }
                .into());
            }
            next_row = row + 1;
            next_col = 0;
            if let Some(changes) = deleting {
                if changes.is_deleted(&mut deleted_cursor, row) {
                    if !tag.ends_with(b"/>") {
                        let end = end_tag(&tag);
                        read_until_suffix(&mut input, &mut tag, &end)?;
                    }
                    continue;
                }
                shift = changes.shift(row);
                if shift > 0 {
                    tag = with_reference_row(&tag, row + 1 - shift);
                }
            }
        } else if is_tag(&tag, b"c") {
            if !tag.ends_with(b"/>") {
                let end = end_tag(&tag);
                read_until_suffix(&mut input, &mut tag, &end)?;
            }
            let reference = attr::lenient(&tag, b"r");
            let col = reference
                .and_then(|r| crate::a1::column_of(r.as_bytes()))
                .unwrap_or(next_col);
            // So are cells: a cell written twice, before the one it follows (at or before the
            // column after the row's last cell), or naming another row than its own.
            let other_row = reference.is_some_and(|r| {
                let digits = &r.as_bytes()[crate::a1::leading_letters(r.as_bytes()).len()..];
                crate::a1::parse_row(digits).is_some_and(|r| r != row)
            });
            if other_row || col < next_col {
                return Err(WriteError::CellsOutOfOrder {
                    part: String::new(),
                    row: row + 1,
                }
                .into());
            }
            next_col = col + 1;
            if deleting.is_some() {
                if CellXml::parse(&tag).has_formula {
                    return Err(WriteError::DeleteUnderFormulas.into());
                }
                if shift > 0 {
                    tag = with_reference_row(&tag, row + 1 - shift);
                }
            }
            if cell(row, col, &tag, out)? {
                continue;
            }
        } else if let Some(changes) = deleting {
            if is_tag(&tag, b"dimension") {
                if let Some(range) = attr::lenient(&tag, b"ref") {
                    let range = shift_range(range, changes, false);
                    tag = with_attr(&tag, "ref", &range);
                }
            } else {
                refuse_shifting_ranges(&tag)?;
            }
        }
        out.write_all(&tag).map_err(write_failed)?;
    }
}

/// Rows cannot be deleted above ranges the writer does not shift yet: refuse when `xml` holds
/// a merged cell, a hyperlink, conditional formatting or comments (their drawing, whose notes
/// are anchored to cells: a note would stay on the row that moved up into its place).
fn refuse_shifting_ranges(xml: &[u8]) -> Result<(), Problem> {
    let found = memchr::memchr_iter(b'<', xml).any(|at| {
        [
            &b"mergeCell"[..],
            b"hyperlink",
            b"conditionalFormatting",
            b"legacyDrawing",
        ]
        .iter()
        .any(|name| is_tag(&xml[at..], name))
    });
    if found {
        return Err(WriteError::DeleteUnderRanges.into());
    }
    Ok(())
}

/// Keep reading whole tags into `buf` until it ends with `suffix` (which ends with `>`, as
/// every end this reads to does: `</c>`, `-->`, `]]>`).
///
/// The input's buffer is searched for the `>` that ends the suffix, with no call per tag: a
/// cell's few tags (`<v>`, `</v>`, `</c>`) are read at once, which is most of a sheet.
pub(super) fn read_until_suffix<R: BufRead>(
    input: &mut R,
    buf: &mut Vec<u8>,
    suffix: &[u8],
) -> Result<(), Problem> {
    use super::cells::same;
    debug_assert_eq!(suffix.last(), Some(&b'>'));
    let n = suffix.len();
    if buf.len() >= n && same(&buf[buf.len() - n..], suffix) {
        return Ok(());
    }
    loop {
        let chunk = input
            .fill_buf()
            .map_err(damaged("a compressed part cannot be read"))?;
        if chunk.is_empty() {
            return Err(ReadError::CorruptWorkbook("malformed XML in a worksheet").into());
        }
        // Whether `buf` and the chunk up to its `>` at `i` end with the suffix.
        let ends_at = |i: usize| match (i + 1).checked_sub(n) {
            Some(from) => same(&chunk[from..=i], suffix),
            None => {
                let (head, tail) = suffix.split_at(n - (i + 1));
                buf.len() >= head.len()
                    && same(&buf[buf.len() - head.len()..], head)
                    && same(&chunk[..=i], tail)
            }
        };
        let found = memchr::memchr_iter(b'>', chunk).find(|&i| ends_at(i));
        let used = found.map_or(chunk.len(), |i| i + 1);
        buf.extend_from_slice(&chunk[..used]);
        input.consume(used);
        if found.is_some() {
            return Ok(());
        }
    }
}

/// Whether `tag` (starting with `<`) opens an element whose local name is `name`, with or
/// without a namespace prefix (`<c`, `<x:c`): exports written by Dynamics itself prefix every
/// element.
pub(super) fn is_tag(tag: &[u8], name: &[u8]) -> bool {
    let local = &tag.get(1..).unwrap_or_default()[prefix_of(tag).len()..];
    local.get(..name.len()) == Some(name)
        && matches!(
            local.get(name.len()),
            Some(b' ' | b'>' | b'/' | b'\t' | b'\r' | b'\n')
        )
}

/// The namespace prefix of a start tag's name with its colon (`x:` for `<x:c r="A1">`), or
/// nothing when the element is in the default namespace.
pub(super) fn prefix_of(tag: &[u8]) -> &[u8] {
    let name = tag_name(tag);
    match memchr::memchr(b':', name) {
        Some(colon) => &name[..=colon],
        None => &[],
    }
}

/// The name of a start tag, with its prefix: `x:row` for `<x:row r="2">`.
pub(super) fn tag_name(tag: &[u8]) -> &[u8] {
    let name = tag.get(1..).unwrap_or_default();
    let end = name
        .iter()
        .position(|b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/'))
        .unwrap_or(name.len());
    &name[..end]
}

/// The end tag matching a start tag: `</x:row>` for `<x:row r="2">`.
pub(super) fn end_tag(tag: &[u8]) -> std::borrow::Cow<'static, [u8]> {
    // Every cell of every sheet ends here: no allocation for the usual names, as Excel writes
    // them and as Dynamics does (with its `x` prefix).
    match tag_name(tag) {
        b"c" => b"</c>"[..].into(),
        b"row" => b"</row>"[..].into(),
        b"x:c" => b"</x:c>"[..].into(),
        b"x:row" => b"</x:row>"[..].into(),
        name => [&b"</"[..], name, b">"].concat().into(),
    }
}

/// `<` + `prefix` + `name` + `suffix`, e.g. `<x:v>`: a tag in the namespace of the element it
/// is found in.
pub(super) fn qualified(open: &str, prefix: &[u8], name: &str) -> Vec<u8> {
    [open.as_bytes(), prefix, name.as_bytes()].concat()
}

/// A `<row>` or `<c>` start tag (or whole cell) whose `r` attribute points at 1-based `row`.
fn with_reference_row(tag: &[u8], row: u32) -> Vec<u8> {
    match attr::lenient(tag, b"r") {
        Some(r) => {
            let letters = crate::a1::leading_letters(r.as_bytes());
            let letters = std::str::from_utf8(letters).unwrap_or_default();
            with_attr(tag, "r", &format!("{letters}{row}"))
        }
        None => tag.to_vec(),
    }
}

/// `tag` with attribute `name` set to `value` where it is present.
fn with_attr(tag: &[u8], name: &str, value: &str) -> Vec<u8> {
    let end = memchr::memchr(b'>', tag).unwrap_or(tag.len());
    let head = set_attr(&tag[..end], name, value);
    [&head[..], &tag[end..]].concat()
}

/// A range such as `A1:AF101` after the deleted rows are removed. With `keep_data_row` (tables),
/// a range keeps at least one row below its first (Excel requires a data row).
fn shift_range(range: &str, changes: &SheetChanges, keep_data_row: bool) -> String {
    // The letters are kept as written; the rows are 1-based.
    fn parse(cell: &str) -> Option<(&str, u32)> {
        let letters = crate::a1::leading_letters(cell.as_bytes());
        crate::a1::parse_column(letters)?;
        let row = crate::a1::parse_row(&cell.as_bytes()[letters.len()..])?;
        Some((&cell[..letters.len()], row + 1))
    }
    let Some((first, last)) = range.split_once(':') else {
        return range.to_string();
    };
    let (Some((c1, r1)), Some((c2, r2))) = (parse(first), parse(last)) else {
        return range.to_string();
    };
    // 1-based rows; `shift(z)` counts deleted zero-based rows above z.
    let a = r1 - changes.shift(r1 - 1);
    let mut b = r2 - changes.shift(r2);
    if keep_data_row && b <= a {
        b = a + 1;
    }
    format!("{c1}{a}:{c2}{b}")
}

/// A table part with its `ref` and autofilter range fitted to the remaining rows.
fn shift_table(xml: &[u8], changes: &SheetChanges) -> Vec<u8> {
    let mut out = xml.to_vec();
    for name in [&b"table"[..], b"autoFilter"] {
        if let Some(at) = find_tag(&out, 0, name) {
            let end = at + memchr::memchr(b'>', &out[at..]).unwrap_or(out.len() - at);
            let tag = &out[at..end];
            if let Some(range) = attr::lenient(tag, b"ref") {
                let new_tag = set_attr(tag, "ref", &shift_range(range, changes, true));
                out = [&out[..at], &new_tag[..], &out[end..]].concat();
            }
        }
    }
    out
}

/// What the writer needs to know about one `<c>` element.
pub(super) struct CellXml<'a> {
    raw: &'a [u8],
    /// The namespace prefix of the element with its colon (`x:`), or empty; its children
    /// (`<v>`, `<f>`, `<is>`) are written with the same one.
    pub(super) prefix: &'a [u8],
    /// The start tag, up to and including `>`.
    start: &'a [u8],
    /// The reference, style and type as written (see [`attr::lenient_rst`]).
    r: Option<&'a [u8]>,
    s: Option<&'a [u8]>,
    pub(super) t: Option<&'a [u8]>,
    v: Option<&'a str>,
    has_formula: bool,
}

impl<'a> CellXml<'a> {
    pub(super) fn parse(raw: &'a [u8]) -> CellXml<'a> {
        let start_end = memchr::memchr(b'>', raw).map_or(raw.len(), |i| i + 1);
        let start = &raw[..start_end];
        let body = &raw[start_end..];
        let prefix = prefix_of(raw);
        let find_v = |open: &[u8], close: &[u8]| {
            memchr::memmem::find(body, open).and_then(|i| {
                let from = i + open.len();
                let to = from + memchr::memmem::find(&body[from..], close)?;
                std::str::from_utf8(&body[from..to]).ok()
            })
        };
        // Millions of cells go through here: no allocation for the usual, unprefixed ones.
        let (v, has_formula) = if prefix.is_empty() {
            let f = [&b"<f>"[..], b"<f ", b"<f/>"];
            (
                find_v(b"<v>", b"</v>"),
                f.iter().any(|p| memchr::memmem::find(body, p).is_some()),
            )
        } else {
            (
                find_v(
                    &qualified("<", prefix, "v>"),
                    &qualified("</", prefix, "v>"),
                ),
                ["f>", "f ", "f/>"]
                    .iter()
                    .any(|p| memchr::memmem::find(body, &qualified("<", prefix, p)).is_some()),
            )
        };
        let [r, s, t] = attr::lenient_rst(start).map(|v| v.map(str::as_bytes));
        CellXml {
            raw,
            prefix,
            start,
            r,
            s,
            t,
            v,
            has_formula,
        }
    }

    /// [`CellXml::parse`] of the start tag only: the prefix and the attributes, for a cell
    /// whose value is replaced (see [`write_new_cell_into`]); no value, no formula. `usual`
    /// is where they are, when the tag was read as a usual one (then it is not read again).
    pub(super) fn start_tag(raw: &'a [u8], usual: Option<&attr::UsualStart>) -> CellXml<'a> {
        let (start, [r, s, t]) = match usual {
            Some(usual) => (&raw[..usual.end().min(raw.len())], usual.rst(raw)),
            None => {
                let start_end = memchr::memchr(b'>', raw).map_or(raw.len(), |i| i + 1);
                let start = &raw[..start_end];
                (
                    start,
                    attr::lenient_rst(start).map(|v| v.map(str::as_bytes)),
                )
            }
        };
        CellXml {
            raw,
            prefix: prefix_of(raw),
            start,
            r,
            s,
            t,
            v: None,
            has_formula: false,
        }
    }

    /// A formula whose cached result is text (`t="str"`), or a string in another form.
    fn has_text_result(&self) -> bool {
        matches!(self.t, Some(b"str" | b"s" | b"inlineStr"))
    }

    /// A cached result of any type: a value (number, boolean, error, text) or a string.
    fn has_cached_value(&self) -> bool {
        self.v.is_some() || self.has_text_result()
    }

    /// The element without its cached value (`<v>`) and result type: the formula stays and is
    /// recalculated on load.
    fn without_cached_value(&self) -> Vec<u8> {
        let body = &self.raw[self.start.len()..];
        let mut out = Vec::with_capacity(self.raw.len());
        out.extend_from_slice(&qualified("<", self.prefix, "c"));
        for (key, value) in [(&b" r=\""[..], self.r), (b" s=\"", self.s)] {
            if let Some(value) = value {
                out.extend_from_slice(key);
                out.extend_from_slice(value);
                out.push(b'"');
            }
        }
        out.push(b'>');
        let mut rest = body;
        let (v_open, v_close, v_empty) = (
            qualified("<", self.prefix, "v>"),
            qualified("</", self.prefix, "v>"),
            qualified("<", self.prefix, "v/>"),
        );
        if let Some(i) = memchr::memmem::find(rest, &v_open) {
            if let Some(j) = memchr::memmem::find(&rest[i..], &v_close) {
                out.extend_from_slice(&rest[..i]);
                rest = &rest[i + j + v_close.len()..];
            }
        } else if let Some(i) = memchr::memmem::find(rest, &v_empty) {
            out.extend_from_slice(&rest[..i]);
            rest = &rest[i + v_empty.len()..];
        }
        out.extend_from_slice(rest);
        out
    }
}

/// [`write_new_cell`] into a buffer, the same bytes without formatting machinery (the one-pass
/// writer writes millions of them; see [`OpenEntry::any_writes`]).
pub(super) fn write_new_cell_into(
    out: &mut Vec<u8>,
    old: &CellXml,
    value: NewValue<'_>,
    shared: Option<u32>,
) {
    let p = old.prefix;
    let tag = |out: &mut Vec<u8>, open: &[u8], name: &[u8]| {
        out.extend_from_slice(open);
        out.extend_from_slice(p);
        out.extend_from_slice(name);
    };
    tag(out, b"<", b"c");
    for (key, value) in [(&b" r=\""[..], old.r), (b" s=\"", old.s)] {
        if let Some(value) = value {
            out.extend_from_slice(key);
            out.extend_from_slice(value);
            out.push(b'"');
        }
    }
    let v = |out: &mut Vec<u8>, attrs: &[u8], text: &[u8]| {
        out.extend_from_slice(attrs);
        tag(out, b"><", b"v>");
        out.extend_from_slice(text);
        tag(out, b"</", b"v>");
        tag(out, b"</", b"c>");
    };
    match as_written(value) {
        Err(Data::Empty | Data::String(_) | Data::DateTimeIso(_) | Data::DurationIso(_)) => {
            out.extend_from_slice(b"/>");
        }
        Ok(text) => match shared {
            Some(index) => v(
                out,
                b" t=\"s\"",
                itoa::Buffer::new().format(index).as_bytes(),
            ),
            None => {
                out.extend_from_slice(b" t=\"inlineStr\"");
                tag(out, b"><", b"is>");
                let preserve =
                    text.starts_with(char::is_whitespace) || text.ends_with(char::is_whitespace);
                tag(out, b"<", b"t");
                if preserve {
                    out.extend_from_slice(b" xml:space=\"preserve\"");
                }
                out.push(b'>');
                out.extend_from_slice(escape(text).as_bytes());
                tag(out, b"</", b"t>");
                tag(out, b"</", b"is>");
                tag(out, b"</", b"c>");
            }
        },
        Err(Data::Float(f)) => v(out, b"", f.to_string().as_bytes()),
        Err(Data::Int(i)) => v(out, b"", itoa::Buffer::new().format(*i).as_bytes()),
        Err(Data::Bool(b)) => v(out, b" t=\"b\"", if *b { b"1" } else { b"0" }),
        Err(Data::DateTime(dt)) => v(out, b"", dt.as_f64().to_string().as_bytes()),
        Err(Data::Error(e)) => v(out, b" t=\"e\"", escape(&e.to_string()).as_bytes()),
    }
}

/// Write a replacement `<c>` element for `value`, keeping the cell's reference and style.
pub(super) fn write_new_cell<W: Write>(
    out: &mut W,
    old: &CellXml,
    value: NewValue<'_>,
    shared: Option<u32>,
) -> std::io::Result<()> {
    // The cell and its children keep the namespace prefix the sheet uses.
    let p = String::from_utf8_lossy(old.prefix);
    let mut head = format!("<{p}c");
    if let Some(r) = old.r {
        head.push_str(&format!(" r=\"{}\"", String::from_utf8_lossy(r)));
    }
    if let Some(s) = old.s {
        head.push_str(&format!(" s=\"{}\"", String::from_utf8_lossy(s)));
    }
    let (v, end) = (format!("{p}v"), format!("</{p}c>"));
    match as_written(value) {
        Err(Data::Empty | Data::String(_) | Data::DateTimeIso(_) | Data::DurationIso(_)) => {
            write!(out, "{head}/>")
        }
        Ok(text) => match shared {
            Some(index) => write!(out, "{head} t=\"s\"><{v}>{index}</{v}>{end}"),
            None => {
                write!(out, "{head} t=\"inlineStr\"><{p}is>")?;
                write_text_element(out, old.prefix, text)?;
                write!(out, "</{p}is>{end}")
            }
        },
        Err(Data::Float(f)) => write!(out, "{head}><{v}>{f}</{v}>{end}"),
        Err(Data::Int(i)) => write!(out, "{head}><{v}>{i}</{v}>{end}"),
        Err(Data::Bool(b)) => write!(out, "{head} t=\"b\"><{v}>{}</{v}>{end}", u8::from(*b)),
        Err(Data::DateTime(dt)) => write!(out, "{head}><{v}>{}</{v}>{end}", dt.as_f64()),
        Err(Data::Error(e)) => write!(
            out,
            "{head} t=\"e\"><{v}>{}</{v}>{end}",
            escape(&e.to_string())
        ),
    }
}

/// `<t>text</t>` (with the namespace `prefix`, e.g. `x:`), with `xml:space="preserve"` when
/// spaces at the ends must survive.
fn write_text_element<W: Write>(out: &mut W, prefix: &[u8], text: &str) -> std::io::Result<()> {
    let preserve = text.starts_with(char::is_whitespace) || text.ends_with(char::is_whitespace);
    out.write_all(b"<")?;
    out.write_all(prefix)?;
    out.write_all(if preserve {
        b"t xml:space=\"preserve\">"
    } else {
        b"t>"
    })?;
    out.write_all(escape(text).as_bytes())?;
    out.write_all(b"</")?;
    out.write_all(prefix)?;
    out.write_all(b"t>")
}

/// Escape text for an XML element: markup characters as entities, characters XML 1.0 cannot hold
/// (and a literal `_xHHHH_`, which Excel would decode) as OOXML `_xHHHH_` escapes. Most texts
/// need none and are given back as they are.
fn escape(text: &str) -> Cow<'_, str> {
    // A byte no escape starts with cannot begin one (U+FFFE and U+FFFF start with 0xEF).
    // Every byte is looked at, without a branch (a large export's new texts are hundreds of
    // thousands, some of them long): the compiler checks many at once.
    let escaped = |b: u8| {
        (b < 0x20 && b != b'\t' && b != b'\n')
            | (b == b'&')
            | (b == b'<')
            | (b == b'>')
            | (b == b'_')
            | (b == 0xEF)
    };
    if !text.bytes().fold(false, |any, b| any | escaped(b)) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(escape_each(text))
    }
}

/// [`escape`], character by character.
fn escape_each(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '_' if looks_like_ooxml_escape(&bytes[i..]) => out.push_str("_x005F_"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                out.push_str(&format!("_x{:04X}_", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

fn looks_like_ooxml_escape(s: &[u8]) -> bool {
    s.len() >= 7 && s[1] == b'x' && s[2..6].iter().all(u8::is_ascii_hexdigit) && s[6] == b'_'
}

/// Write the shared strings table read from `input` (see [`super::strings::scan`]), of `items`
/// items, one `refs` entry each: items no cell uses any more blanked in place, new strings
/// appended, `count` the cells that use the table, phonetic readings dropped (see
/// [`without_phonetic`]; how many is returned). Read and written as a stream: only the item at
/// hand is held.
///
/// # Errors
/// As [`super::strings::scan`]; [`Problem::Internal`] when the table does not have `items`
/// items; [`WriteError::Output`] when `out` fails.
fn write_table<'t, R: Read, W: Write + ?Sized>(
    input: R,
    items: usize,
    refs: &Refs,
    new: impl ExactSizeIterator<Item = &'t str>,
    count: u64,
    out: &mut W,
) -> Result<u64, Problem> {
    let pieces = |each: &mut dyn FnMut(Piece<'_>, usize) -> Result<(), Problem>| {
        super::strings::scan(input, each)
    };
    write_pieces(pieces, items, refs, new, count, out)
}

/// [`write_table`] of the pieces `pieces` gives (see [`super::strings::scan`]): of the part
/// read, or of what the reading of its texts kept ([`super::strings::Rest::replay`]).
fn write_pieces<'t, W: Write + ?Sized>(
    pieces: impl FnOnce(&mut dyn FnMut(Piece<'_>, usize) -> Result<(), Problem>) -> Result<(), Problem>,
    items: usize,
    refs: &Refs,
    new: impl ExactSizeIterator<Item = &'t str>,
    count: u64,
    out: &mut W,
) -> Result<u64, Problem> {
    let added = new.len();
    let mut new = Some(new);
    let mut writer = std::io::BufWriter::with_capacity(1 << 16, out);
    // The item tags with the table's prefix, once its start tag is read.
    struct Marks {
        si: Vec<u8>,
        si_end: Vec<u8>,
        blank: Vec<u8>,
        prefix: Vec<u8>,
    }
    let mut marks: Option<Marks> = None;
    let mut k = 0;
    let phonetic_finder = memchr::memmem::Finder::new(b"rPh");
    let mut phonetic = 0u64;
    pieces(&mut |piece, _| {
        match piece {
            Piece::Prolog(prolog) => writer.write_all(prolog),
            Piece::StartTag(tag, p) => {
                let unique = items + added;
                let tag = set_attr(tag, "count", &count.to_string());
                let tag = set_attr(&tag, "uniqueCount", &unique.to_string());
                let (si, si_end) = (qualified("<", p, "si>"), qualified("</", p, "si>"));
                let blank = [&si[..], &qualified("<", p, "t/>"), &si_end].concat();
                marks = Some(Marks {
                    si,
                    si_end,
                    blank,
                    prefix: p.to_vec(),
                });
                writer.write_all(&tag)
            }
            Piece::Item(item) => {
                let used = refs.is_used(k);
                k += 1;
                match (used, &marks) {
                    (Some(false), Some(marks)) => writer.write_all(&marks.blank),
                    (Some(_), _) if phonetic_finder.find(item).is_some() => {
                        let (kept, n) = without_phonetic(item);
                        phonetic += n;
                        writer.write_all(&kept)
                    }
                    (Some(_), _) => writer.write_all(item),
                    _ => Ok(()),
                }
            }
            // What is between the items is not copied: the table is written plainly.
            Piece::Between(_) => Ok(()),
            Piece::Tail(tail) => {
                let Some(Marks {
                    si,
                    si_end,
                    prefix: p,
                    ..
                }) = &marks
                else {
                    return Err(Problem::Internal);
                };
                (|| {
                    for text in new.take().into_iter().flatten() {
                        writer.write_all(si)?;
                        write_text_element(&mut writer, p, text)?;
                        writer.write_all(si_end)?;
                    }
                    if tail.is_empty() {
                        writer.write_all(&qualified("</", p, "sst>"))
                    } else {
                        writer.write_all(tail)
                    }
                })()
            }
        }
        .map_err(write_failed)
    })?;
    if k != items {
        return Err(Problem::Internal);
    }
    writer.flush().map_err(write_failed)?;
    Ok(phonetic)
}

/// A shared string item without its phonetic readings (`<rPh>`, the furigana Japanese Excel
/// keeps for a text): no cell shows them, and they may spell a removed name, which no search
/// of the cells sees. Excel makes them again when the text is edited. Second, how many went.
fn without_phonetic(item: &[u8]) -> (std::borrow::Cow<'_, [u8]>, u64) {
    let mut out: Vec<u8> = Vec::with_capacity(item.len());
    let (mut at, mut dropped) = (0, 0);
    while let Some(start) = find_tag(item, at, b"rPh") {
        let tag_end = match memchr::memchr(b'>', &item[start..]) {
            Some(e) => start + e + 1,
            None => break,
        };
        let end = if item[..tag_end].ends_with(b"/>") {
            tag_end
        } else {
            // The end tag, with the start tag's prefix.
            let name_end = start
                + 1
                + item[start + 1..]
                    .iter()
                    .position(|b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/'))
                    .unwrap_or(0);
            let close = [b"</".as_slice(), &item[start + 1..name_end], b">"].concat();
            match memchr::memmem::find(&item[tag_end..], &close) {
                Some(e) => tag_end + e + close.len(),
                None => break,
            }
        };
        out.extend_from_slice(&item[at..start]);
        at = end;
        dropped += 1;
    }
    if dropped == 0 {
        return (std::borrow::Cow::Borrowed(item), 0);
    }
    out.extend_from_slice(&item[at..]);
    (std::borrow::Cow::Owned(out), dropped)
}

/// The position of the next start tag `<name` (with or without a prefix) at or after `from`.
pub(super) fn find_tag(xml: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut pos = from;
    while let Some(i) = memchr::memchr(b'<', &xml[pos..]) {
        let at = pos + i;
        if is_tag(&xml[at..], name) {
            return Some(at);
        }
        pos = at + 1;
    }
    None
}

/// A start tag with attribute `name` set to `value`: replaced where present, left out where the
/// tag does not have it (so an absent `count` stays absent).
fn set_attr(tag: &[u8], name: &str, value: &str) -> Vec<u8> {
    match attr_span(tag, name) {
        Some(at) => [&tag[..at.start], value.as_bytes(), &tag[at.end..]].concat(),
        None => tag.to_vec(),
    }
}

/// Where the value of attribute `name` is in start tag `tag` (`<name ...>` or `<name .../>`, or
/// without its `>`), read as XML is: in either quotes, whitespace of any kind around it and its
/// `=`.
fn attr_span(tag: &[u8], name: &str) -> Option<std::ops::Range<usize>> {
    let inner = tag.strip_prefix(b"<")?;
    let inner = inner.strip_suffix(b">").unwrap_or(inner);
    let inner = inner.strip_suffix(b"/").unwrap_or(inner);
    let name_len = (inner.iter())
        .position(u8::is_ascii_whitespace)
        .unwrap_or(inner.len());
    let start =
        quick_xml::events::BytesStart::from_content(std::str::from_utf8(inner).ok()?, name_len);
    for a in start.attributes().with_checks(false) {
        let a = a.ok()?;
        if a.key.as_ref() == name {
            let std::borrow::Cow::Borrowed(v) = a.value else {
                return None;
            };
            let at = (v.as_ptr() as usize).checked_sub(tag.as_ptr() as usize)?;
            return Some(at..at + v.len());
        }
    }
    None
}

/// `workbook.xml` with `fullCalcOnLoad="1"` on `<calcPr>` (added when missing), so spreadsheet
/// programs recompute the formulas whose cached values were removed.
fn recalculate_on_load(xml: &[u8]) -> Vec<u8> {
    if let Some(at) = find_tag(xml, 0, b"calcPr") {
        let end = at + memchr::memchr(b'>', &xml[at..]).unwrap_or(xml.len() - at);
        let tag = &xml[at..end];
        let new_tag = if attr_span(tag, "fullCalcOnLoad").is_some() {
            set_attr(tag, "fullCalcOnLoad", "1")
        } else {
            let cut = if tag.ends_with(b"/") {
                tag.len() - 1
            } else {
                tag.len()
            };
            [&tag[..cut], b" fullCalcOnLoad=\"1\"", &tag[cut..]].concat()
        };
        return [&xml[..at], &new_tag[..], &xml[end..]].concat();
    }
    // calcPr follows these elements in the schema; insert it after the last one present, in
    // the namespace prefix of the workbook element.
    let prefix = find_tag(xml, 0, b"workbook").map_or(&[][..], |at| prefix_of(&xml[at..]));
    let after = [
        "definedNames>",
        "externalReferences>",
        "functionGroups>",
        "sheets>",
    ]
    .iter()
    .find_map(|name| {
        let closer = qualified("</", prefix, name);
        memchr::memmem::rfind(xml, &closer).map(|i| i + closer.len())
    });
    match after {
        Some(i) => [
            &xml[..i],
            &qualified("<", prefix, "calcPr fullCalcOnLoad=\"1\"/>"),
            &xml[i..],
        ]
        .concat(),
        None => xml.to_vec(),
    }
}

/// Document-property elements that can name people; `--strip-doc-props` empties them.
const PERSONAL_PROPS: [&str; 9] = [
    "creator",
    "lastModifiedBy",
    "title",
    "subject",
    "description",
    "keywords",
    "category",
    "Manager",
    "Company",
];

/// `docProps/core.xml` or `app.xml` with the fields that can name people emptied.
fn strip_doc_props(xml: &[u8]) -> Result<Vec<u8>, Problem> {
    let bad = |_| ReadError::CorruptWorkbook("malformed document properties");
    let mut reader = Reader::from_reader(xml);
    let mut writer = Writer::new(Vec::with_capacity(xml.len()));
    let mut buf = Vec::new();
    let mut inside: Option<String> = None;
    loop {
        let event = reader.read_event_into(&mut buf).map_err(bad)?;
        match &event {
            Event::Eof => break,
            Event::Start(e) if PERSONAL_PROPS.contains(&e.local_name().as_ref()) => {
                inside = Some(e.local_name().as_ref().to_string());
                writer
                    .write_event(event.borrow())
                    .map_err(|_| WriteError::DocProperties)?;
            }
            Event::End(e) if inside.as_deref() == Some(e.local_name().as_ref()) => {
                inside = None;
                writer
                    .write_event(event.borrow())
                    .map_err(|_| WriteError::DocProperties)?;
            }
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) if inside.is_some() => {}
            _ => writer
                .write_event(event.borrow())
                .map_err(|_| WriteError::DocProperties)?,
        }
        buf.clear();
    }
    Ok(writer.into_inner())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    /// The reading of tags to an end as it was first written: one `read_until(b'>')` a tag.
    fn read_until_suffix_by_tags(
        input: &mut impl BufRead,
        buf: &mut Vec<u8>,
        suffix: &[u8],
    ) -> bool {
        while !buf.ends_with(suffix) {
            match input.read_until(b'>', buf) {
                Ok(0) | Err(_) => return false,
                Ok(_) => {}
            }
        }
        true
    }

    proptest! {
        /// A text given back as it is needs no escape.
        #[test]
        fn plain_texts_are_escaped_as_char_by_char(
            pieces in prop::collection::vec(
                prop_oneof![
                    Just("_x0041_".to_string()),
                    Just("_x005F_".to_string()),
                    Just("_xd83d_".to_string()),
                    "[a _x0-9A-F&<>\t\n\r\u{1}\u{1F}\u{7F}é€\u{FFFD}\u{FFFE}\u{FFFF}\u{1F600}]{0,4}",
                ],
                0..6,
            ),
        ) {
            let text = pieces.concat();
            prop_assert_eq!(super::escape(&text), super::escape_each(&text));
        }
    }

    proptest! {
        /// The reading of a cell's (or comment's) tags to their end stops where reading them
        /// tag by tag does, whatever the input's buffer cuts, and fails where that fails.
        #[test]
        fn tags_are_read_to_their_end_as_tag_by_tag(
            start in "[<c/x:>-]{0,6}",
            rest in prop::collection::vec(
                prop::sample::select(vec![
                    "<v>", "</v>", "1", "</c>", "</x:c>", "</", "c>", "-->", "]]>", "<", ">",
                    "-", "]", "/", "x:",
                ]),
                0..16,
            )
            .prop_map(|tokens| tokens.concat()),
            suffix in prop::sample::select(vec!["</c>", "</x:c>", "-->", "]]>"]),
            capacity in 1usize..12,
        ) {
            let read = |by_tags: bool| {
                let mut input = std::io::BufReader::with_capacity(capacity, rest.as_bytes());
                let mut buf = start.as_bytes().to_vec();
                let ok = if by_tags {
                    read_until_suffix_by_tags(&mut input, &mut buf, suffix.as_bytes())
                } else {
                    super::read_until_suffix(&mut input, &mut buf, suffix.as_bytes()).is_ok()
                };
                let mut left = Vec::new();
                input.read_to_end(&mut left).unwrap();
                // What was read, and what is left, when the end is found.
                ok.then_some((buf, left))
            };
            prop_assert_eq!(read(false), read(true));
        }
    }
    use super::*;

    /// The uses of a table whose item `i` is used `uses[i]` times.
    fn refs(uses: &[u32]) -> Refs {
        let mut refs = Refs::new(uses.len());
        for (n, &times) in uses.iter().enumerate() {
            (0..times).for_each(|_| refs.count(n));
        }
        refs
    }

    /// A table's uses are a bit per item and a total: counted, added up from two sheets, and
    /// nothing past the table's items.
    #[test]
    fn refs_tell_the_used_items_and_count_every_use() {
        let mut uses = [0; 66];
        (uses[1], uses[64]) = (2, 1);
        let mut a = refs(&uses);
        a.count(66);
        let b = refs(&[0; 66]);
        let mut c = b.clone();
        c.count(0);
        c.count(65);
        a.add(&c);
        let used: Vec<usize> = (0..a.len())
            .filter(|&n| a.is_used(n) == Some(true))
            .collect();
        assert_eq!(used, [0, 1, 64, 65]);
        assert_eq!(a.total(), 5);
        assert_eq!(a.is_used(66), None);
        assert_eq!(b.total(), 0);
    }

    #[test]
    fn walks_cells_with_and_without_references() {
        let xml = br#"<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1"/></row><row><c><v>1</v></c><c t="inlineStr"><is><t>x</t></is></c></row><row r="5"><c r="AB5"><f>A1</f><v>2</v></c></row></sheetData>"#;
        let mut seen = Vec::new();
        let mut out = Vec::new();
        walk_cells(
            &xml[..],
            &mut out,
            None,
            |r, c, raw, _| {
                seen.push((r, c, String::from_utf8(raw.to_vec()).unwrap()));
                Ok(false)
            },
            |tail, out| {
                out.extend_from_slice(&tail);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(out, xml, "copied byte for byte");
        let positions: Vec<_> = seen.iter().map(|(r, c, _)| (*r, *c)).collect();
        assert_eq!(positions, [(0, 0), (0, 2), (1, 0), (1, 1), (4, 27)]);
        assert_eq!(seen[3].2, r#"<c t="inlineStr"><is><t>x</t></is></c>"#);
    }

    #[test]
    fn cells_are_replaced_in_place() {
        let xml =
            br#"<row r="2"><c r="A2" s="3" t="s"><v>7</v></c><c r="B2" s="4"><v>1.5</v></c></row>"#;
        let mut out = Vec::new();
        walk_cells(
            &xml[..],
            &mut out,
            None,
            |_, col, raw, w| {
                if col == 0 {
                    write_new_cell(w, &CellXml::parse(raw), NewValue::Text("Deleted"), Some(9))
                        .unwrap();
                    return Ok(true);
                }
                Ok(false)
            },
            |tail, out| {
                out.extend_from_slice(&tail);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"<row r="2"><c r="A2" s="3" t="s"><v>9</v></c><c r="B2" s="4"><v>1.5</v></c></row>"#
        );
    }

    #[test]
    fn new_cells_keep_reference_and_style() {
        let raw = br#"<c r="E9" s="12" t="s" cm="1"><v>44</v></c>"#;
        let cell = CellXml::parse(raw);
        let mut out = Vec::new();
        write_new_cell(&mut out, &cell, NewValue::Cleared, None).unwrap();
        assert_eq!(out, br#"<c r="E9" s="12"/>"#);
        out.clear();
        write_new_cell(&mut out, &cell, NewValue::Text(" a<b & _x0041_"), None).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"<c r="E9" s="12" t="inlineStr"><is><t xml:space="preserve"> a&lt;b &amp; _x005F_x0041_</t></is></c>"#
        );
    }

    #[test]
    fn new_cells_are_the_same_written_into_a_buffer() {
        let values = [
            Data::Empty,
            Data::String("Deleted User 1a2b3c4d".into()),
            Data::String(" a<b & _x0041_\u{1}".into()),
            Data::DateTimeIso("2024-01-01".into()),
            Data::Float(1.5),
            Data::Float(1e21),
            Data::Float(-0.0),
            Data::Int(-42),
            Data::Bool(true),
            Data::Bool(false),
            Data::DateTime(calamine::ExcelDateTime::new(
                45000.25,
                calamine::ExcelDateTimeType::DateTime,
                false,
            )),
            Data::Error(calamine::CellErrorType::NA),
        ];
        for raw in [
            &br#"<c r="E9" s="12" t="s" cm="1"><v>44</v></c>"#[..],
            br#"<x:c r="B2" t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c>"#,
            br#"<c><v>1</v></c>"#,
        ] {
            let cell = CellXml::parse(raw);
            for value in &values {
                for shared in [None, Some(7)] {
                    let mut written = Vec::new();
                    write_new_cell(&mut written, &cell, NewValue::from(value), shared).unwrap();
                    let mut into = Vec::new();
                    write_new_cell_into(&mut into, &cell, NewValue::from(value), shared);
                    assert_eq!(
                        String::from_utf8(into).unwrap(),
                        String::from_utf8(written).unwrap()
                    );
                }
            }
        }
    }

    #[test]
    fn formula_cache_is_dropped() {
        let raw =
            r#"<c r="AG2" s="1" t="str"><f>E2&amp;" "&amp;G2</f><v>Zoë Müller</v></c>"#.as_bytes();
        let cell = CellXml::parse(raw);
        assert!(cell.has_formula && cell.has_text_result());
        assert_eq!(
            String::from_utf8(cell.without_cached_value()).unwrap(),
            r#"<c r="AG2" s="1"><f>E2&amp;" "&amp;G2</f></c>"#
        );
    }

    #[test]
    fn attributes_and_columns() {
        let tag = br#"<c r="AB12" s='3' t="s">"#;
        assert_eq!(attr::lenient(tag, b"r"), Some("AB12"));
        assert_eq!(attr::lenient(tag, b"s"), Some("3"));
        assert_eq!(attr::lenient(tag, b"x"), None);
        assert_eq!(crate::a1::column_of(b"A1"), Some(0));
        assert_eq!(crate::a1::column_of(b"AB12"), Some(27));
        assert_eq!(crate::a1::column_of(b"XFD1"), Some(16_383));
        assert_eq!(crate::a1::column_of(b"12"), None);
        assert!(is_tag(b"<c r=\"A1\">", b"c"));
        assert!(!is_tag(b"<cols>", b"c"));
        assert!(!is_tag(b"<col min=\"1\"/>", b"c"));
    }

    /// New strings are numbered after the table's items in the order first seen, once each;
    /// numbers and cleared cells are not strings; a rollback forgets the later ones.
    #[test]
    fn new_strings_are_numbered_once_in_change_order() {
        let mut new = NewStrings::new(true, 10);
        assert_eq!(new.add(NewValue::Text("Deleted")), Some(10));
        assert_eq!(new.add(NewValue::Text("User 1a2b3c4d")), Some(11));
        assert_eq!(new.add(NewValue::Text("Deleted")), Some(10));
        assert_eq!(new.add(NewValue::Cleared), None);
        assert_eq!(
            new.add(NewValue::Other(&Data::Float(1.5))),
            None,
            "a number stays a number"
        );
        assert_eq!(new.get("User 1a2b3c4d"), Some(11));
        assert_eq!(
            new.texts().collect::<Vec<_>>(),
            ["Deleted", "User 1a2b3c4d"]
        );
        new.rollback(1);
        assert_eq!((new.len(), new.get("User 1a2b3c4d")), (1, None));
        assert_eq!(new.add(NewValue::Text("User 9")), Some(11));
        // Without a table, text is written inline.
        assert_eq!(
            NewStrings::new(false, 0).add(NewValue::Text("Deleted")),
            None
        );
    }

    /// New strings made to expect a number of texts take that many without their index
    /// growing, and number them as new strings made without it.
    #[test]
    fn new_strings_expecting_texts_take_them_without_growing() {
        let (mut expecting, mut plain) = (
            NewStrings::new(true, 5).expecting(5_000),
            NewStrings::new(true, 5),
        );
        let room = |new: &NewStrings| new.index.get().map(hashbrown::HashTable::capacity);
        for new in [&mut expecting, &mut plain] {
            assert_eq!(new.add(NewValue::Text("first")), Some(5));
        }
        let (first, small) = (room(&expecting), room(&plain));
        assert!(first.is_some_and(|r| r >= 5_000), "{first:?}");
        assert!(small < first);
        for i in 0..5_000 {
            let text = format!("User {}", i % 4_000);
            assert_eq!(
                expecting.add(NewValue::Text(&text)),
                plain.add(NewValue::Text(&text))
            );
        }
        assert_eq!(room(&expecting), first);
        assert!(room(&plain) > small, "the other grew");
    }

    #[test]
    fn shared_strings_blank_orphans_and_append() {
        let xml = r#"<?xml version="1.0"?><sst xmlns="x" count="4" uniqueCount="3"><si><t>Header</t></si><si><t>Zoë</t></si><si><r><t>rich</t></r></si></sst>"#.as_bytes();
        assert_eq!(crate::xlsx::strings::count(xml).unwrap(), 3);
        let mut out = Vec::new();
        write_table(
            xml,
            3,
            &refs(&[1, 0, 2]),
            ["Deleted"].into_iter(),
            4,
            &mut out,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"<?xml version="1.0"?><sst xmlns="x" count="4" uniqueCount="4"><si><t>Header</t></si><si><t/></si><si><r><t>rich</t></r></si><si><t>Deleted</t></si></sst>"#
        );
    }

    /// A table rewritten from the texts its reading kept (and what that reading kept besides)
    /// is the table rewritten from the part read again, byte for byte: plain items with and
    /// without preserved spaces, empty ones either way, rich and phonetic items, entities,
    /// escapes, trimmed spaces, white space between the items, a prefix, an empty table, a
    /// table with extensions after its items; with items blanked and new strings appended.
    #[test]
    fn a_table_rewritten_from_its_texts_is_the_one_rewritten_from_the_part() {
        let decl = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;
        let cases = [
            format!(r#"{decl}<sst xmlns="m" count="9" uniqueCount="6"><si><t>Header</t></si><si><t xml:space="preserve"> Zoë </t></si><si><t></t></si><si><t/></si><si><t> trimmed </t></si><si><t>Tom &amp; Zoë</t></si></sst>"#),
            r#"<sst count="3" uniqueCount="3">
  <si><r><t>ri</t></r><r><rPr><b/></rPr><t>ch</t></r><rPh sb="0" eb="1"><t>ふり</t></rPh></si>
  <si><t>_x0041_</t></si>
	<si><t>plain</t></si>
</sst>"#
                .to_string(),
            r#"<x:sst xmlns:x="m" count="2" uniqueCount="2"><x:si><x:t>Zoë</x:t></x:si><x:si><x:t xml:space="preserve">a  b</x:t></x:si></x:sst>"#.to_string(),
            r#"<sst xmlns="m" count="0" uniqueCount="0"/>"#.to_string(),
            r#"<sst><si><t>a</t></si><si><t>b</t></si><extLst><ext uri="x"/></extLst></sst>"#
                .to_string(),
        ];
        // Only the items that are not written plainly, with the text a cell shows, are kept as
        // they are written (a scrubbed table's many blanked items are not).
        let kept = [2, 2, 0, 0, 0];
        for (xml, kept) in cases.iter().zip(kept) {
            let mut rest = crate::xlsx::strings::Rest::of_part("xl/sharedStrings.xml");
            let strings = crate::xlsx::strings::texts(xml.as_bytes(), xml.len(), Some(&mut rest))
                .unwrap()
                .unwrap_or_else(|_| panic!("{xml}"));
            assert!(rest.replays(&strings), "{xml}");
            assert_eq!(rest.items.len(), kept, "{xml}");
            let items = strings.len();
            // Every item used, and a new string; every other item blanked.
            let every: (Vec<u32>, &[&str]) = (vec![1; items], &["Deleted"]);
            let some: (Vec<u32>, &[&str]) = ((0..items as u32).map(|n| n % 2).collect(), &[]);
            for (uses, new) in [every, some] {
                let (mut read, mut kept) = (Vec::new(), Vec::new());
                let count = u64::from(uses.iter().sum::<u32>()) + new.len() as u64;
                let refs = refs(&uses);
                let dropped = write_table(
                    xml.as_bytes(),
                    items,
                    &refs,
                    new.iter().copied(),
                    count,
                    &mut read,
                )
                .unwrap();
                let pieces = |each: &mut dyn FnMut(Piece<'_>, usize) -> Result<(), Problem>| {
                    rest.replay(&strings, each)
                };
                let dropped_too =
                    write_pieces(pieces, items, &refs, new.iter().copied(), count, &mut kept)
                        .unwrap();
                assert_eq!(
                    String::from_utf8(kept).unwrap(),
                    String::from_utf8(read).unwrap(),
                    "{xml}"
                );
                assert_eq!(dropped_too, dropped);
            }
            // Texts that are not the ones read with it are refused.
            let mut other = strings.clone();
            other.push("one more");
            assert!(!rest.replays(&other), "{xml}");
        }
    }

    /// Phonetic readings go from the items kept, with any prefix; the runs stay.
    #[test]
    fn shared_strings_lose_their_phonetic_readings() {
        let xml = r#"<x:sst xmlns:x="x" count="2" uniqueCount="2"><x:si><x:t>山本</x:t><x:rPh sb="0" eb="2"><x:t>Karim Al-Farsi</x:t></x:rPh><x:phoneticPr fontId="1"/></x:si><x:si><x:t>plain</x:t></x:si></x:sst>"#.as_bytes();
        let mut out = Vec::new();
        let dropped = write_table(xml, 2, &refs(&[1, 1]), std::iter::empty(), 2, &mut out).unwrap();
        assert_eq!(dropped, 1);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"<x:sst xmlns:x="x" count="2" uniqueCount="2"><x:si><x:t>山本</x:t><x:phoneticPr fontId="1"/></x:si><x:si><x:t>plain</x:t></x:si></x:sst>"#
        );
    }

    /// An attribute is set whatever its quotes and the whitespace around it; absent, the tag
    /// stays as it is.
    #[test]
    fn attributes_are_set_as_xml_reads_them() {
        for (tag, set) in [
            (
                r#"<sst xmlns="x" count="57" uniqueCount="57">"#,
                r#"<sst xmlns="x" count="64" uniqueCount="60">"#,
            ),
            (
                "<sst xmlns='x' count='57' uniqueCount='57'>",
                "<sst xmlns='x' count='64' uniqueCount='60'>",
            ),
            (
                "<sst\n count = \"57\"\tuniqueCount='57'/>",
                "<sst\n count = \"64\"\tuniqueCount='60'/>",
            ),
            (
                r#"<sst xmlns="x" mycount="1">"#,
                r#"<sst xmlns="x" mycount="1">"#,
            ),
        ] {
            let tag = set_attr(tag.as_bytes(), "count", "64");
            assert_eq!(set_attr(&tag, "uniqueCount", "60"), set.as_bytes());
        }
        // Without the tag's `>`, as some callers cut it.
        assert_eq!(
            set_attr(b"<table ref='A1:B9'", "ref", "A1:B5"),
            b"<table ref='A1:B5'"
        );
    }

    #[test]
    fn workbook_recalculates_on_load() {
        let wb = br#"<workbook><sheets><sheet/></sheets><calcPr calcId="191029"/></workbook>"#;
        assert_eq!(
            recalculate_on_load(wb),
            br#"<workbook><sheets><sheet/></sheets><calcPr calcId="191029" fullCalcOnLoad="1"/></workbook>"#
        );
        let wb = br#"<workbook><sheets><sheet/></sheets><calcPr fullCalcOnLoad="0"></calcPr></workbook>"#;
        assert_eq!(
            recalculate_on_load(wb),
            br#"<workbook><sheets><sheet/></sheets><calcPr fullCalcOnLoad="1"></calcPr></workbook>"#
        );
        let wb =
            br#"<workbook><sheets><sheet/></sheets><definedNames><d/></definedNames></workbook>"#;
        assert_eq!(
            recalculate_on_load(wb),
            br#"<workbook><sheets><sheet/></sheets><definedNames><d/></definedNames><calcPr fullCalcOnLoad="1"/></workbook>"#
        );
    }

    #[test]
    fn doc_props_lose_people() {
        let core = r#"<cp:coreProperties xmlns:cp="c" xmlns:dc="d"><dc:creator>Zoë Müller</dc:creator><cp:lastModifiedBy>Aoife</cp:lastModifiedBy><dcterms:created>2024-01-01T00:00:00Z</dcterms:created></cp:coreProperties>"#.as_bytes();
        let out = String::from_utf8(strip_doc_props(core).unwrap()).unwrap();
        assert!(!out.contains("Zoë") && !out.contains("Aoife"), "{out}");
        assert!(out.contains("2024-01-01T00:00:00Z"));
    }

    fn copy_tail<W: Write>(tail: Vec<u8>, out: &mut W) -> Result<(), Problem> {
        out.write_all(&tail).map_err(write_failed)
    }

    /// [`walk_cells`] over a whole sheet, copying what is not a cell.
    fn walk(
        xml: &[u8],
        out: &mut Vec<u8>,
        rows: Option<&SheetChanges>,
        cell: impl FnMut(u32, u32, &[u8], &mut Vec<u8>) -> Result<bool, Problem>,
    ) -> Result<(), Problem> {
        walk_cells(xml, out, rows, cell, copy_tail)
    }

    #[test]
    fn prefixed_cells_are_walked_and_replaced_in_their_prefix() {
        // The layout of exports written by Dynamics itself: a BOM, `x:` on every element,
        // inline strings.
        let xml = "\u{FEFF}<?xml version=\"1.0\" encoding=\"utf-8\"?><x:worksheet xmlns:x=\"m\"><x:cols><x:col min=\"1\" max=\"1\"/></x:cols><x:sheetData><x:row r=\"1\"><x:c r=\"A1\" s=\"1\" t=\"inlineStr\"><x:is><x:t>Zoë</x:t></x:is></x:c><x:c r=\"B1\"><x:v>2</x:v></x:c></x:row><x:row r=\"2\"><x:c r=\"C2\" t=\"str\"><x:f>A1</x:f><x:v>Zoë</x:v></x:c></x:row></x:sheetData></x:worksheet>".as_bytes();
        let mut seen = Vec::new();
        let mut copy = Vec::new();
        walk(xml, &mut copy, None, |r, c, _, _| {
            seen.push((r, c));
            Ok(false)
        })
        .unwrap();
        assert_eq!(copy, xml, "copied byte for byte, BOM included");
        assert_eq!(seen, [(0, 0), (0, 1), (1, 2)]);

        let mut out = Vec::new();
        walk(xml, &mut out, None, |_, col, raw, w| {
            let cell = CellXml::parse(raw);
            match col {
                0 => write_new_cell(w, &cell, NewValue::Text("Deleted"), None),
                1 => write_new_cell(w, &cell, NewValue::Other(&Data::Float(1.5)), None),
                _ => {
                    assert!(cell.has_formula && cell.has_text_result());
                    assert_eq!(cell.v, Some("Zoë"));
                    w.write_all(&cell.without_cached_value())
                }
            }
            .unwrap();
            Ok(true)
        })
        .unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains(r#"<x:c r="A1" s="1" t="inlineStr"><x:is><x:t>Deleted</x:t></x:is></x:c><x:c r="B1"><x:v>1.5</x:v></x:c>"#), "{out}");
        assert!(out.contains(r#"<x:c r="C2"><x:f>A1</x:f></x:c>"#), "{out}");
        assert!(!out.contains("Zoë"), "{out}");
    }

    #[test]
    fn any_prefix_is_a_prefix() {
        assert!(is_tag(b"<x:c r=\"A1\">", b"c"));
        assert!(is_tag(b"<s:row>", b"row"));
        assert!(is_tag(b"<main:sst count=\"1\">", b"sst"));
        assert!(!is_tag(b"<x:cols>", b"c"));
        assert!(!is_tag(b"<x:col/>", b"c"));
        assert!(!is_tag(b"<xc>", b"c"));
        assert_eq!(prefix_of(b"<x:c r=\"A1\"/>"), b"x:");
        assert_eq!(prefix_of(b"<c r=\"x:y\">"), b"");
        assert_eq!(
            &*end_tag(b"<spreadsheet:row r=\"2\">"),
            b"</spreadsheet:row>"
        );
        assert_eq!(&*end_tag(b"<c>"), b"</c>");
        for (tag, end) in [
            (&b"<c r=\"A1\">"[..], &b"</c>"[..]),
            (b"<x:c r=\"A1\" t=\"inlineStr\">", b"</x:c>"),
            (b"<row r=\"2\">", b"</row>"),
            (b"<x:row r=\"2\">", b"</x:row>"),
        ] {
            // The usual names of both layouts are not made anew for every cell.
            assert!(
                matches!(end_tag(tag), std::borrow::Cow::Borrowed(e) if e == end),
                "{}",
                String::from_utf8_lossy(tag)
            );
        }
        let cell = CellXml::parse(br#"<s:c r="B2" t="s"><s:v>4</s:v></s:c>"#);
        assert_eq!((cell.prefix, cell.v), (&b"s:"[..], Some("4")));
        let mut out = Vec::new();
        write_new_cell(&mut out, &cell, NewValue::Text("x"), Some(9)).unwrap();
        assert_eq!(out, br#"<s:c r="B2" t="s"><s:v>9</s:v></s:c>"#);
    }

    #[test]
    fn prefixed_rows_are_deleted_and_shifted() {
        use crate::apply::Deletion;
        let xml = br#"<x:worksheet><x:dimension ref="A1:B3"/><x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>h</x:t></x:is></x:c></x:row><x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t>gone</x:t></x:is></x:c></x:row><x:row r="3"><x:c r="A3"><x:v>3</x:v></x:c></x:row></x:sheetData></x:worksheet>"#;
        let changes = SheetChanges {
            sheet: 0,
            cells: Vec::new(),
            deleted: vec![Deletion { row: 1, rule: 0 }],
            ..SheetChanges::default()
        };
        let mut out = Vec::new();
        walk(&xml[..], &mut out, Some(&changes), |_, _, _, _| Ok(false)).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"<x:worksheet><x:dimension ref="A1:B2"/><x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>h</x:t></x:is></x:c></x:row><x:row r="2"><x:c r="A2"><x:v>3</x:v></x:c></x:row></x:sheetData></x:worksheet>"#
        );
        // Ranges after the cells are not shifted yet: deleting rows above them is refused.
        let merged = String::from_utf8(xml.to_vec()).unwrap().replace(
            "</x:sheetData>",
            r#"</x:sheetData><x:mergeCells count="1"><x:mergeCell ref="A3:B3"/></x:mergeCells>"#,
        );
        let refused = walk_cells(
            merged.as_bytes(),
            &mut Vec::new(),
            Some(&changes),
            |_, _, _, _| Ok(false),
            copy_tail,
        );
        assert!(matches!(
            refused,
            Err(Problem::Write(WriteError::DeleteUnderRanges))
        ));
        let table = br#"<x:table ref="A1:B3"><x:autoFilter ref="A1:B3"/></x:table>"#;
        assert_eq!(
            shift_table(table, &changes),
            br#"<x:table ref="A1:B2"><x:autoFilter ref="A1:B2"/></x:table>"#
        );
    }

    #[test]
    fn prefixed_workbook_and_shared_strings() {
        let wb = br#"<x:workbook xmlns:x="m"><x:sheets><x:sheet/></x:sheets></x:workbook>"#;
        assert_eq!(
            recalculate_on_load(wb),
            br#"<x:workbook xmlns:x="m"><x:sheets><x:sheet/></x:sheets><x:calcPr fullCalcOnLoad="1"/></x:workbook>"#
        );
        let xml = br#"<x:sst xmlns:x="m" count="2" uniqueCount="2"><x:si><x:t>Header</x:t></x:si><x:si><x:t>Zoe</x:t></x:si></x:sst>"#;
        assert_eq!(crate::xlsx::strings::count(&xml[..]).unwrap(), 2);
        let mut out = Vec::new();
        write_table(
            &xml[..],
            2,
            &refs(&[1, 0]),
            ["Deleted"].into_iter(),
            2,
            &mut out,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"<x:sst xmlns:x="m" count="2" uniqueCount="3"><x:si><x:t>Header</x:t></x:si><x:si><x:t/></x:si><x:si><x:t>Deleted</x:t></x:si></x:sst>"#
        );
    }
}
