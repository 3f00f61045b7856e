//! `verify`: prove that a scrubbed file kept what it must and leaks nothing (DESIGN §6).
//!
//! Two independent checks of a scrubbed file against its original, under the map that scrubbed
//! it:
//!
//! - **Fidelity**: the same sheets, in the same order, with the same names,
//!   visibility and code names; the same hidden columns; the same header row; and every cell
//!   outside the map's columns (every resolved column whose action is not `keep`) identical in
//!   value and type, which covers the protected `(Do Not Modify)` columns and the metadata sheet.
//!   Rows must be the original's less those the map's row rules delete, in order.
//! - **Leaks**: every value the map removed or replaced (the original text of each
//!   cell the scrub changes, the fragments `redact` replaces in free text, and the map's columns
//!   of rows that row rules delete) is searched for in the *raw* output, case-insensitively and as a
//!   whole word or phrase: every decompressed part of an xlsx package (cells, formulas and their
//!   cached values, shared strings, comments, document properties, defined names, tables, ...),
//!   or every field of a CSV. A hit is not a leak only inside a cell that the map kept and that
//!   is identical to the input, or inside a cell that holds exactly what the map put there with
//!   an action that carries nothing of the original (`clear`, `replace`, `pseudonymize`; a
//!   pseudonym may by chance spell a real name). Values shorter than [`MIN_CHARS`](crate::needles::MIN_CHARS) characters are
//!   not searched, and the outcome says how many.
//!
//! Findings name the part, sheet, cell (as in the scrubbed file) and column, and the rule broken;
//! never a value.
//!
//! ```
//! use dsr_scrub::{apply, csv, map::Map, plan, verify};
//!
//! let map = Map::parse("version = 1\n[columns]\nName = \"clear\"\n", "map.toml", None).unwrap();
//! let original = csv::read(b"Name,Team\nMary Jones,Primary Care\n", "people").unwrap();
//! let plan = plan::resolve(&map, &original).unwrap();
//! let changes = apply::apply_plan(&map, &plan, &original);
//!
//! // A correct scrub passes ("Primary" is not "Mary")...
//! let good = b"Name,Team\n,Primary Care\n";
//! let limits = dsr_scrub::xlsx::Limits::default();
//! let outcome = verify::verify_output(&map, &original, &plan, &changes, good, &limits).unwrap();
//! assert!(outcome.passed());
//!
//! // ...and one that moved the name into a kept column fails, saying where.
//! let bad = b"Name,Team\n,Mary Jones\n";
//! let outcome = verify::verify_output(&map, &original, &plan, &changes, bad, &limits).unwrap();
//! let lines: Vec<String> = outcome.findings.iter().map(|f| f.to_string()).collect();
//! assert_eq!(lines, [
//!     "sheet 'people', cell B2 (Team): the cell is outside the map's columns but its value differs from the original",
//!     "sheet 'people', cell B2 (Team): leak: a value the map removed is still in a cell that differs from the original",
//! ]);
//! ```

mod fidelity;
pub(crate) mod leaks;
pub mod sweep;
mod walk;

use crate::needles::{target_columns, Needles};

use crate::a1::column_letters;
use crate::apply::{self, SheetChanges};
use crate::error::{FileError, Problem, ReadError, VerifyError, WriteError};
use crate::input::InputKind;
use crate::map::Map;
use crate::plan::{self, FilePlan};
use crate::workbook::{Format, Visibility, Workbook};
use crate::xlsx::Limits;
use calamine::Data;
use fixedbitset::FixedBitSet;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

/// How many findings of one kind, in one part and sheet, are listed; the rest are counted. A
/// file checked against the wrong original would otherwise print millions of lines.
const LISTED_PER_KIND: usize = 50;

/// One broken rule, located. Never holds a cell value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The package part (`xl/worksheets/sheet1.xml`, `docProps/core.xml`); `None` for CSV.
    pub part: Option<String>,
    /// The sheet, when the finding is in one.
    pub sheet: Option<String>,
    /// Zero-based row, when the finding is a cell or a row.
    pub row: Option<u32>,
    /// Zero-based column, when the finding is a cell or a column.
    pub col: Option<u32>,
    /// The column's header in the original, when known.
    pub column: Option<String>,
    /// What is wrong.
    pub rule: Rule,
}

impl Finding {
    /// A finding in package part `part` as a whole.
    pub(crate) fn in_part(part: &str, rule: Rule) -> Finding {
        Finding {
            part: Some(part.to_string()),
            sheet: None,
            row: None,
            col: None,
            column: None,
            rule,
        }
    }
}

/// The rule a finding breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rule {
    /// A sheet of the original is not in the scrubbed file (renamed or removed).
    SheetMissing,
    /// The scrubbed file has a sheet the original does not.
    SheetAdded,
    /// The sheets are in another order.
    SheetOrder,
    /// A sheet's visibility changed.
    SheetVisibility {
        /// In the original.
        original: Visibility,
        /// In the scrubbed file.
        scrubbed: Visibility,
    },
    /// A sheet's code name changed.
    CodeName,
    /// A column was hidden and is visible now, or the other way round.
    ColumnHidden {
        /// Whether the column is hidden in the original.
        original: bool,
    },
    /// A header cell differs.
    HeaderChanged,
    /// A cell of a protected column (record id, row checksum, modified on) differs.
    ProtectedChanged,
    /// A cell of the metadata sheet (`hiddenSheet`) differs.
    MetadataChanged,
    /// A cell outside the map's columns differs in value or type.
    CellChanged {
        /// The original cell's type (`text`, `number`, `date`, ...).
        original: &'static str,
        /// The scrubbed cell's type.
        scrubbed: &'static str,
    },
    /// A formula outside the map's columns was changed, added or removed.
    FormulaChanged,
    /// A sheet has more or fewer rows than the original less the rows the map deletes.
    RowCount {
        /// Data rows in the original (header excluded).
        original: u32,
        /// Of those, rows the map's row rules delete.
        deleted: u32,
        /// Data rows in the scrubbed file.
        scrubbed: u32,
    },
    /// A value the map removed is still in the file.
    Leak(LeakIn),
    /// A part that must be searched cannot be read (a damaged VBA project), so it may hold a
    /// value the map removed.
    Unsearchable,
    /// A part that cannot be searched as a whole (packages nested too deep, compressed data
    /// that inflates like a zip bomb, XML in an encoding that cannot be read), so it may hold a
    /// value the map removed.
    Unsearched(crate::xlsx::encoded::Unsearched),
    /// Bytes of the zip outside its entries (an entry left out of its directory, data appended
    /// to the file): no reader shows them, and they cannot be searched.
    OutsideEntries {
        /// How many.
        bytes: u64,
    },
    /// A kept cell of the map's columns, in a row no subject matched, holds a subject's value
    /// (see [`crate::apply::Held`]): the subject's value left in another record of an output of
    /// every row.
    SubjectValue {
        /// The subject, from 1.
        subject: usize,
        /// What the cell holds.
        held: crate::apply::Held,
    },
    /// An entry's local header names another part than the zip's directory does: readers
    /// differ on which name they show, and that name was not searched as an entry's name is.
    LocalName,
    /// More findings like the ones listed for this part and sheet, not listed one by one.
    Omitted {
        /// How many.
        count: usize,
    },
}

/// Where a removed value was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LeakIn {
    /// A cell the map changed.
    ScrubbedCell,
    /// A cell the map did not change but that differs from the original.
    ChangedCell,
    /// A cell's formula.
    Formula,
    /// A formula's cached value.
    CachedValue,
    /// A shared string no cell uses.
    UnusedSharedString {
        /// Zero-based index in the shared strings table.
        index: u32,
    },
    /// The phonetic reading (`<rPh>`) of a shared string.
    PhoneticReading {
        /// Zero-based index in the shared strings table.
        index: u32,
    },
    /// A comment.
    Comment,
    /// The document properties.
    DocProps,
    /// A defined name.
    DefinedName,
    /// A table definition.
    Table,
    /// A pivot table cache.
    PivotCache,
    /// A worksheet outside its cells' values (hyperlinks, headers and footers, data
    /// validations, text among the cells that no reader shows).
    SheetContent,
    /// Any other part.
    Part,
    /// Base64-encoded data inside a part.
    Encoded,
    /// A comment of the zip archive or of one of its entries (no program shows it).
    ZipComment,
    /// An extra field of an entry's local header or directory entry (no program shows it).
    ExtraField,
    /// The name of an entry of the zip archive (a part named after the person), which the
    /// finding names by its number.
    EntryName,
    /// A cell of a sheet's header row (a sheet pasted without its header row has a person's
    /// record there), which the finding names by its cell only.
    Header,
}

impl Rule {
    /// Whether the finding is a leak (as opposed to a fidelity break).
    pub fn is_leak(&self) -> bool {
        matches!(
            self,
            Rule::Leak(_)
                | Rule::Unsearchable
                | Rule::Unsearched(_)
                | Rule::OutsideEntries { .. }
                | Rule::SubjectValue { .. }
                | Rule::LocalName
        )
    }

    /// A name for grouping findings of one kind.
    fn kind(&self) -> &'static str {
        match self {
            Rule::SheetMissing => "sheet-missing",
            Rule::SheetAdded => "sheet-added",
            Rule::SheetOrder => "sheet-order",
            Rule::SheetVisibility { .. } => "sheet-visibility",
            Rule::CodeName => "code-name",
            Rule::ColumnHidden { .. } => "column-hidden",
            Rule::HeaderChanged => "header",
            Rule::ProtectedChanged => "protected",
            Rule::MetadataChanged => "metadata",
            Rule::CellChanged { .. } => "cell",
            Rule::FormulaChanged => "formula",
            Rule::RowCount { .. } => "rows",
            Rule::Leak(_) | Rule::SubjectValue { .. } => "leak",
            Rule::Unsearchable
            | Rule::Unsearched(_)
            | Rule::OutsideEntries { .. }
            | Rule::LocalName => "unsearchable",
            Rule::Omitted { .. } => "omitted",
        }
    }
}

fn visibility_word(v: Visibility) -> &'static str {
    match v {
        Visibility::Visible => "visible",
        Visibility::Hidden => "hidden",
        Visibility::VeryHidden => "very hidden",
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::SheetMissing => f.write_str("this sheet of the original is missing (renamed or removed)"),
            Rule::SheetAdded => f.write_str("this sheet is not in the original"),
            Rule::SheetOrder => f.write_str("the sheets are not in the original's order"),
            Rule::SheetVisibility { original, scrubbed } => write!(
                f,
                "the sheet is {} but {} in the original",
                visibility_word(*scrubbed),
                visibility_word(*original)
            ),
            Rule::CodeName => f.write_str("the sheet's code name differs from the original"),
            Rule::ColumnHidden { original: true } => {
                f.write_str("the column is visible but hidden in the original")
            }
            Rule::ColumnHidden { original: false } => {
                f.write_str("the column is hidden but visible in the original")
            }
            Rule::HeaderChanged => f.write_str("the header differs from the original; the import maps columns by header"),
            Rule::ProtectedChanged => f.write_str("a protected column's cell differs from the original; Dynamics needs it unchanged to update the record"),
            Rule::MetadataChanged => f.write_str("a cell of the metadata sheet differs from the original"),
            Rule::CellChanged { original, scrubbed } if original == scrubbed => {
                f.write_str("the cell is outside the map's columns but its value differs from the original")
            }
            Rule::CellChanged { original, scrubbed } => write!(
                f,
                "the cell is outside the map's columns but its type changed from {original} to {scrubbed}"
            ),
            Rule::FormulaChanged => f.write_str("the cell is outside the map's columns but its formula differs from the original"),
            Rule::RowCount {
                original,
                deleted: 0,
                scrubbed,
            } => write!(
                f,
                "the sheet has {scrubbed} data row(s), the original {original}"
            ),
            Rule::RowCount {
                original,
                deleted,
                scrubbed,
            } => write!(
                f,
                "the sheet has {scrubbed} data row(s), the original {original} less {deleted} deleted by row rules"
            ),
            Rule::Leak(place) => write!(f, "leak: a value the map removed is still in {place}"),
            Rule::Unsearchable => f.write_str("the macros' source cannot be read (a damaged or unsupported VBA project), so it could not be searched for the values the map removed; open the workbook in Excel to check them"),
            Rule::Unsearched(why) => write!(
                f,
                "the part cannot be searched for the values the map removed: {}; {}",
                why.why(),
                why.todo()
            ),
            Rule::OutsideEntries { bytes } => write!(
                f,
                "{bytes} byte(s) of the file are outside its zip entries (an entry left out of the zip's directory, or data after its end), where no reader looks, so they could not be searched for the values the map removed; a scrub never writes them: scrub the original again"
            ),
            Rule::SubjectValue { subject, held } => write!(
                f,
                "leak: a kept cell of a row no subject matched holds {} (subject #{subject}); if that row is the subject's record, scrub again with the name or email it holds as another --subject",
                held.describe()
            ),
            Rule::LocalName => f.write_str(
                "the entry's local header names another part than the zip's directory does, which readers show differently and which was not searched; a scrub never writes one: scrub the original again",
            ),
            Rule::Omitted { count } => write!(
                f,
                "{count} more finding(s) of the same kind here, not listed one by one"
            ),
        }
    }
}

impl fmt::Display for LeakIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LeakIn::ScrubbedCell => f.write_str("a cell the map scrubbed"),
            LeakIn::ChangedCell => f.write_str("a cell that differs from the original"),
            LeakIn::Formula => f.write_str("the cell's formula"),
            LeakIn::CachedValue => f.write_str("the cached value of the cell's formula"),
            LeakIn::UnusedSharedString { index } => {
                write!(f, "shared string #{index}, which no kept cell uses")
            }
            LeakIn::PhoneticReading { index } => {
                write!(f, "the phonetic reading of shared string #{index}")
            }
            LeakIn::Comment => f.write_str("a comment"),
            LeakIn::DocProps => f.write_str("the document properties"),
            LeakIn::DefinedName => f.write_str("a defined name"),
            LeakIn::Table => f.write_str("a table definition"),
            LeakIn::PivotCache => f.write_str("a pivot table cache"),
            LeakIn::SheetContent => f.write_str(
                "the sheet outside its cells' values (a hyperlink, header, footer, data validation, \
                 or text among the cells that no reader shows)",
            ),
            LeakIn::Part => f.write_str("this part of the package"),
            LeakIn::Encoded => f.write_str("base64-encoded data in this part"),
            LeakIn::ZipComment => f.write_str("a comment of the zip archive"),
            LeakIn::ExtraField => {
                f.write_str("an extra field of this entry's zip headers, which no program shows")
            }
            LeakIn::EntryName => f.write_str("the name of this entry of the zip archive"),
            LeakIn::Header => f.write_str(
                "a header cell, which the map never changes (a column named after a person, or a \
                 sheet without its header row?)",
            ),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut place = Vec::new();
        if let Some(sheet) = &self.sheet {
            place.push(format!("sheet '{sheet}'"));
        }
        match (self.row, self.col) {
            (Some(r), Some(c)) => place.push(format!("cell {}{}", column_letters(c), r + 1)),
            (None, Some(c)) => place.push(format!("column {}", column_letters(c))),
            (Some(r), None) => place.push(format!("row {}", r + 1)),
            (None, None) => {}
        }
        let mut place = place.join(", ");
        if let Some(header) = &self.column {
            place.push_str(&format!(" ({})", header.trim()));
        }
        match (&self.part, place.is_empty()) {
            (Some(part), true) => write!(f, "{part}: {}", self.rule),
            (Some(part), false) => write!(f, "{part}: {place}: {}", self.rule),
            (None, true) => write!(f, "{}", self.rule),
            (None, false) => write!(f, "{place}: {}", self.rule),
        }
    }
}

/// What `verify` found.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Everything wrong, fidelity breaks first, then leaks.
    pub findings: Vec<Finding>,
    /// Distinct removed values searched for.
    pub searched: usize,
    /// Distinct removed values too short to search (under [`MIN_CHARS`](crate::needles::MIN_CHARS) characters).
    pub skipped: usize,
}

impl Outcome {
    /// Whether every rule holds.
    pub fn passed(&self) -> bool {
        self.findings.is_empty()
    }

    /// Findings that are leaks, counting the ones not listed.
    pub fn leaks(&self) -> usize {
        self.count(true)
    }

    /// Findings that are fidelity breaks, counting the ones not listed.
    pub fn fidelity(&self) -> usize {
        self.count(false)
    }

    fn count(&self, leaks: bool) -> usize {
        // An `Omitted` entry follows the findings it summarizes, so it counts as their kind.
        let mut total = 0;
        let mut last_was_leak = false;
        for f in &self.findings {
            match f.rule {
                Rule::Omitted { count } if last_was_leak == leaks => total += count,
                Rule::Omitted { .. } => {}
                ref rule => {
                    last_was_leak = rule.is_leak();
                    if last_was_leak == leaks {
                        total += 1;
                    }
                }
            }
        }
        total
    }
}

/// Verify the file `scrubbed` against `original` under `map`. Both must be `.xlsx`, or both
/// `.csv`; xlsx packages are read within `limits`. `by_entity` (empty when the user named a
/// map or profile) holds the profiles `scrub` picks by the original's entity, so that a file
/// scrubbed with its table's profile is verified under that same profile.
///
/// # Errors
/// A [`FileError`] naming the file that cannot be read (or that the map does not fit).
pub fn verify_files(
    map: &Map,
    by_entity: &[crate::profiles::EntityMap],
    original: &Path,
    scrubbed: &Path,
    limits: &Limits,
) -> Result<Outcome, FileError> {
    if InputKind::of(original) != InputKind::of(scrubbed) {
        return Err(FileError::new(scrubbed, VerifyError::FormatMismatch.into()));
    }
    // A CSV has no sheet names; its one sheet is named after the original file's stem, so that
    // `users.csv` and `users-scrubbed.csv` compare.
    let csv_sheet = original
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned());
    // An xlsx is walked row by row first (see [`walk`]), and read whole only when that cannot
    // show it passes.
    let (walkable, streamable) = match InputKind::of(scrubbed) {
        Some(InputKind::Xlsx) => {
            // Both at once: a large export's two files are some 70 MB to copy in, page by page,
            // before anything else can start.
            let (walkable, streamable) =
                rayon::join(|| read_bytes(scrubbed), || read_bytes(original));
            (Some(walkable?), Some(streamable?))
        }
        _ => (None, None),
    };
    verify_sides(
        map,
        by_entity,
        streamable.map(|bytes| (Cow::Owned(bytes), Some(original))),
        // Read again (from the system's cache) rather than held: the bytes read to be
        // streamed are not kept beside the workbook read whole.
        || read_file(original, None, limits),
        walkable.map(|bytes| (Cow::Owned(bytes), Some(scrubbed))),
        // Read again (from the system's cache) when it is to be read whole, rather than held:
        // the bytes read to be walked go once walked.
        || {
            let bytes = read_bytes(scrubbed)?;
            let book = parse(scrubbed, &bytes, csv_sheet.as_deref(), limits)?;
            let raw = match book.format {
                Format::Xlsx => {
                    Some(leaks::Raw::read(&bytes, &book).map_err(|p| FileError::new(scrubbed, p))?)
                }
                Format::Csv(_) => None,
            };
            Ok((book, raw))
        },
        limits,
        &|side, p| FileError::new(if side { original } else { scrubbed }, p),
    )
}

/// `scrub --verify` of an xlsx scrubbed by the streaming engine: the staged output `staged`
/// checked against the input's bytes as `verify` checks two files, the input read and
/// scrubbed again, whole, under `map` (the one the scrub picked for it). Both are read within
/// `limits`; the output's sheets are streamed from its file opened again, its bytes let go
/// (as `verify` reads both files), and it is read again if it is to be read whole.
///
/// # Errors
/// A [`Problem`] when either cannot be read as an xlsx package
/// ([`VerifyError::VerifyReadBack`] for the output).
pub(crate) fn verify_xlsx_bytes(
    map: &Map,
    original: &[u8],
    staged: &Path,
    limits: &Limits,
) -> Result<Outcome, Problem> {
    let read_back = |p: Problem| Problem::from(VerifyError::VerifyReadBack(Box::new(p)));
    let scrubbed = read_staged(staged)?;
    verify_sides(
        map,
        &[],
        Some((Cow::Borrowed(original), None)),
        || crate::xlsx::read_with(original, limits),
        Some((Cow::Owned(scrubbed), Some(staged))),
        || {
            let scrubbed = read_staged(staged)?;
            let book = crate::xlsx::read_with(&scrubbed, limits).map_err(read_back)?;
            let raw = leaks::Raw::read(&scrubbed, &book).map_err(read_back)?;
            Ok((book, Some(raw)))
        },
        limits,
        &|original, p| if original { p } else { read_back(p) },
    )
}

/// Verify the workbook `scrubbed_side` reads (with its raw package, for an xlsx) against the
/// one `original_side` reads, which is scrubbed again in memory under `map` (or the profile
/// `by_entity` picks for its table). An xlsx's bytes `walkable` are first walked row by row
/// (see [`walk`]) beside the original's bytes `streamable` streamed row by row, or against the
/// original read whole when it cannot be streamed; both are read whole only when that cannot
/// show they pass. Each comes with the file it was read from, if any: the stream reads the
/// sheets from that file again, the bytes let go. `fail` makes an error of a problem of the
/// original (`true`) or of the scrubbed file.
#[allow(clippy::too_many_arguments)]
fn verify_sides<E: Send>(
    map: &Map,
    by_entity: &[crate::profiles::EntityMap],
    streamable: Option<(Cow<'_, [u8]>, Option<&Path>)>,
    original_side: impl FnOnce() -> Result<Workbook, E> + Send,
    walkable: Option<(Cow<'_, [u8]>, Option<&Path>)>,
    scrubbed_side: impl FnOnce() -> Result<(Workbook, Option<leaks::Raw>), E> + Send,
    limits: &Limits,
    fail: &(dyn Fn(bool, Problem) -> E + Sync),
) -> Result<Outcome, E> {
    // The scrubbed file opened for the walk against the original read whole, if it is to be.
    let mut opened_first = None;
    if let (Some((original, original_file)), Some((scrubbed, scrubbed_file))) =
        (streamable, walkable)
    {
        // The plan reads no more of a sheet than its header row and the first rows that show
        // the protected columns by their shape; the stream reads the rest.
        let rows = crate::dynamics::SHAPE_ROWS;
        let (heads, opened) = rayon::join(
            || {
                // Read up to its cells only, not scanned: the stream reads them strictly, and
                // what follows them, for the plan to be made again on the whole layout.
                let opened = crate::xlsx::read::open_for_stream(
                    &original,
                    limits,
                    rows,
                    crate::xlsx::package::Scan::Head,
                );
                opened.ok().map(walk::Heads::of)
            },
            || walk::open(scrubbed, limits),
        );
        opened_first = match (heads, opened) {
            (Some(heads), Some(mut opened)) => {
                // A problem of either is the whole read's to report.
                let book = heads.book();
                let picked = crate::profiles::map_for(map, by_entity, book)
                    .ok()
                    .and_then(|map| Some((map, plan::resolve(map, book).ok()?)));
                let streamed = picked.map(|(map, plan)| {
                    let original = (original, original_file);
                    walk::passes_streamed(map, &plan, heads, original, (&mut opened, scrubbed_file))
                });
                match streamed {
                    Some(Ok(walk::Streamed::Passed(outcome))) => return Ok(outcome),
                    Some(Ok(walk::Streamed::Undecided) | Err(_)) => {
                        #[cfg(feature = "testkit")]
                        if std::env::var_os("DSR_SCRUB_TELL_AGAIN").is_some() {
                            eprintln!("dsr-scrub verify: read whole (DSR_SCRUB_TELL_AGAIN)");
                        }
                        None
                    }
                    Some(Ok(walk::Streamed::Unstreamable)) | None => Some(Box::new(opened)),
                }
            }
            _ => None,
        };
    }
    let original_side = || {
        let book = original_side()?;
        let map = crate::profiles::map_for(map, by_entity, &book).map_err(|p| fail(true, p))?;
        let plan = plan::resolve(map, &book).map_err(|p| fail(true, p))?;
        let (changes, hits) = apply::apply_plan_hits(map, &plan, &book);
        Ok::<_, E>((book, plan, changes, map, hits))
    };
    // The two sides are independent: on two cores they take the time of one, and the raw
    // package is unpacked while the original is still being scrubbed in memory. A scrubbed
    // file the walk does not read is read whole right away.
    let mut scrubbed_side = Some(scrubbed_side);
    let (original_side, first) = rayon::join(original_side, || match opened_first.take() {
        Some(opened) => FirstRead::Walk(opened),
        None => FirstRead::Whole(scrubbed_side.take().map(|read| read())),
    });
    let (book, plan, changes, map, hits) = original_side?;
    let whole = match first {
        FirstRead::Walk(mut opened) => {
            // A problem reading it is the whole read's to report.
            let passed = walk::passes(map, &book, &plan, &changes, &mut opened)
                .ok()
                .flatten();
            drop(opened);
            if let Some(outcome) = passed {
                drop_later((book, plan, changes));
                return Ok(outcome);
            }
            scrubbed_side.take().map(|read| read())
        }
        FirstRead::Whole(whole) => whole,
    };
    let Some(whole) = whole else {
        return Err(fail(false, Problem::Internal));
    };
    let (scrubbed_book, raw) = whole?;
    let outcome = check(map, &book, &plan, &changes, &scrubbed_book, raw.as_ref())
        .map(|mut outcome| {
            outcome.findings.extend(held_findings(
                &book,
                &plan,
                &changes,
                &hits,
                &scrubbed_book,
                raw.as_ref(),
            ));
            outcome
        })
        .map_err(|p| fail(false, p));
    drop_later((book, plan, changes, scrubbed_book, raw));
    outcome
}

/// How [`verify_sides`] reads the scrubbed file while the original is read: opened for the
/// walk, or read whole (`T`, taken once).
enum FirstRead<'b, T> {
    Walk(Box<walk::Opened<'b>>),
    Whole(Option<T>),
}

/// The kept cells of rows no subject matched that hold a subject's value (see
/// [`crate::apply::Held`]) and that the scrubbed file, an output of every row, still holds as
/// the original did, each named by its cell in the scrubbed file.
fn held_findings(
    original: &Workbook,
    plan: &FilePlan,
    changes: &[SheetChanges],
    hits: &[apply::SubjectHits],
    scrubbed: &Workbook,
    raw: Option<&leaks::Raw>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (sp, h) in plan.sheets.iter().zip(hits) {
        let sheet = &original.sheets[sp.sheet];
        let Some(index) = scrubbed.sheets.iter().position(|s| s.name == sheet.name) else {
            continue;
        };
        let kept = &scrubbed.sheets[index];
        let deleted = apply::changes_at(changes, sp.sheet);
        let mut held = h.held.clone();
        held.sort_unstable();
        held.dedup_by_key(|h| (h.0, h.1, h.2));
        for (row, col, subject, what) in held {
            let at = row - deleted.map_or(0, |d| d.shift(row));
            if kept.cell(at, col) != sheet.cell(row, col) {
                continue;
            }
            out.push(Finding {
                part: raw.and_then(|r| r.sheet_part(index)).map(str::to_string),
                sheet: Some(sheet.name.clone()),
                row: Some(at),
                col: Some(col),
                column: sp.headers.get(col as usize).cloned(),
                rule: Rule::SubjectValue {
                    subject: subject + 1,
                    held: what,
                },
            });
        }
    }
    out
}

/// Verify a scrubbed output against an original already read and scrubbed in memory, as
/// `scrub --verify` does before it commits the output. `plan` and `changes` are what the scrub
/// computed for `original`; an xlsx output is read within `limits`.
///
/// # Errors
/// A [`Problem`] when `scrubbed` cannot be read as the original's format.
pub fn verify_output(
    map: &Map,
    original: &Workbook,
    plan: &FilePlan,
    changes: &[SheetChanges],
    scrubbed: &[u8],
    limits: &Limits,
) -> Result<Outcome, Problem> {
    let (scrubbed_book, raw) = match &original.format {
        Format::Xlsx => {
            let book = crate::xlsx::read_with(scrubbed, limits)?;
            let raw = leaks::Raw::read(scrubbed, &book)?;
            (book, Some(raw))
        }
        Format::Csv(_) => {
            let name = original.sheets.first().map_or("", |s| s.name.as_str());
            (crate::csv::read(scrubbed, name)?, None)
        }
    };
    check(map, original, plan, changes, &scrubbed_book, raw.as_ref())
}

/// `scrub --verify`: verify a staged output file; any finding is a [`VerifyError::VerifyFailed`].
pub(crate) fn check_staged(
    map: &Map,
    original: &Workbook,
    plan: &FilePlan,
    changes: &[SheetChanges],
    staged: &Path,
    limits: &Limits,
) -> Result<(), Problem> {
    let bytes = read_staged(staged)?;
    let outcome = verify_output(map, original, plan, changes, &bytes, limits)
        .map_err(|p| VerifyError::VerifyReadBack(Box::new(p)))?;
    passed(&outcome)
}

/// [`check_staged`] for an xlsx scrubbed by the streaming engine, whose input's bytes
/// `original` are checked again (see [`verify_xlsx_bytes`]).
pub(crate) fn check_staged_xlsx(
    map: &Map,
    original: &[u8],
    staged: &Path,
    limits: &Limits,
) -> Result<(), Problem> {
    passed(&verify_xlsx_bytes(map, original, staged, limits)?)
}

fn read_staged(staged: &Path) -> Result<Vec<u8>, Problem> {
    std::fs::read(staged).map_err(|e| {
        WriteError::Io {
            path: staged.to_path_buf(),
            kind: e.kind(),
        }
        .into()
    })
}

fn passed(outcome: &Outcome) -> Result<(), Problem> {
    if outcome.passed() {
        Ok(())
    } else {
        Err(VerifyError::VerifyFailed {
            findings: outcome.leaks() + outcome.fidelity(),
        }
        .into())
    }
}

pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>, FileError> {
    std::fs::read(path).map_err(|e| {
        FileError::new(
            path,
            Problem::from(match e.kind() {
                std::io::ErrorKind::NotFound => ReadError::NotFound,
                kind => ReadError::Io(kind),
            }),
        )
    })
}

fn read_file(path: &Path, csv_sheet: Option<&str>, limits: &Limits) -> Result<Workbook, FileError> {
    let bytes = read_bytes(path)?;
    parse(path, &bytes, csv_sheet, limits)
}

fn parse(
    path: &Path,
    bytes: &[u8],
    csv_sheet: Option<&str>,
    limits: &Limits,
) -> Result<Workbook, FileError> {
    let fail = |p| FileError::new(path, p);
    match InputKind::require(path).map_err(fail)? {
        InputKind::Xlsx => crate::xlsx::read_with(bytes, limits).map_err(fail),
        InputKind::Csv => {
            let stem = path.file_stem().unwrap_or_default().to_string_lossy();
            crate::csv::read(bytes, csv_sheet.unwrap_or(&stem)).map_err(fail)
        }
    }
}

/// Both checks, on both files read.
fn check(
    map: &Map,
    original: &Workbook,
    plan: &FilePlan,
    changes: &[SheetChanges],
    scrubbed: &Workbook,
    raw: Option<&leaks::Raw>,
) -> Result<Outcome, Problem> {
    let ctx = Context::new(map, original, plan, changes, scrubbed);
    let values = Removed::new(
        map,
        Originals::Book(original),
        changes,
        crate::needles::deleted_columns(map, original, plan),
    );
    // A package always has parts to search, so its index is built while the cells are judged
    // and compared; a CSV needs one only if some cell could leak.
    let (needles, (candidates, mut sink)) = rayon::join(
        || raw.map(|_| values.needles()),
        || {
            rayon::join(
                || leaks::candidates(&ctx, raw),
                || {
                    let mut sink = fidelity::check(&ctx, raw.map(leaks::Raw::package));
                    // The header row is kept as it is, so no cell's verdict searches it.
                    let firsts = values.firsts();
                    for finding in sweep::header_findings(
                        map,
                        (original, Originals::Book(original)),
                        plan,
                        changes,
                        firsts,
                        scrubbed,
                    ) {
                        sink.push(finding);
                    }
                    sink
                },
            )
        },
    );
    let needles = match needles {
        Some(needles) => needles,
        None if candidates.is_empty() => {
            let (searched, skipped) = Needles::count(&values.to_vec());
            return Ok(Outcome {
                findings: sink.finish(),
                searched,
                skipped,
            });
        }
        None => values.needles(),
    };
    drop(values);
    sink.append(match raw {
        Some(raw) => leaks::scan_xlsx(&ctx, &needles, raw, &candidates)?,
        None => leaks::search_candidates(&ctx, &needles, None, &candidates),
    });
    let outcome = Outcome {
        findings: sink.finish(),
        searched: needles.len(),
        skipped: needles.skipped(),
    };
    drop_later(needles);
    Ok(outcome)
}

/// Free `value` on another thread. Two workbooks of a large export and the index of their
/// values are millions of allocations, whose freeing would otherwise delay the answer by a
/// noticeable share of the run (and a command line program exits before it is done).
fn drop_later<T: Send + 'static>(value: T) {
    // When no thread can be started, the closure (and `value` with it) is freed right here.
    let _ = std::thread::Builder::new()
        .name("dsr-scrub-free".into())
        .spawn(move || drop(value));
}

/// Every value the map removes or replaces: the original text of each changed cell; for
/// `redact`, the fragments it replaces in the text; and for each row a row rule deletes, the
/// text of its cells in the map's columns.
///
/// This is what `scrub` must not leave anywhere in its output, and what `verify` searches for;
/// [`Needles::new`] indexes it for searching.
pub fn removed_values<'a>(
    map: &'a Map,
    original: &'a Workbook,
    plan: &FilePlan,
    changes: &'a [SheetChanges],
) -> Vec<Cow<'a, str>> {
    removed_in(map, original, plan, changes).to_vec()
}

/// [`removed_values`], read where they are (see [`Removed`]).
pub(crate) fn removed_in<'a>(
    map: &'a Map,
    original: &'a Workbook,
    plan: &FilePlan,
    changes: &'a [SheetChanges],
) -> Removed<'a> {
    let deleted = crate::needles::deleted_columns(map, original, plan);
    Removed::new(map, Originals::Book(original), changes, deleted)
}

/// [`removed_values`] of a scrub that streamed its input: the workbook holds the sheets' heads
/// only, and `olds` the input's values of the changed cells and deleted rows.
pub(crate) fn removed_streamed<'a>(
    map: &'a Map,
    olds: &'a crate::xlsx::stream::Olds,
    changes: &'a [SheetChanges],
) -> Removed<'a> {
    Removed::new(map, Originals::Kept(olds), changes, Vec::new())
}

/// The values a scrub removes (see [`removed_values`]), read from where they are kept (the
/// input's cells, or what a stream kept of them) each time they are wanted, instead of copied
/// into a list: a large export removes millions. The values derived from them (the fragments
/// `redact` replaces, the digits of phone numbers, the other forms of full names: without
/// middle names or accents, last name first) are made as they are wanted, with the value
/// they come from (about one per distinct value removed: a large export's are tens of MB).
pub(crate) struct Removed<'a> {
    map: &'a Map,
    /// Per rule of the map: whether its key names people.
    names: Vec<bool>,
    originals: Originals<'a>,
    changes: &'a [SheetChanges],
    /// Per sheet: the columns whose text a deleted row removes (see
    /// [`crate::needles::deleted_columns`]).
    deleted_columns: Vec<Vec<bool>>,
    /// Per entry of `changes`, per changed cell: whether it is the first of its old text,
    /// column and rule (see [`Originals::firsts`]); the others repeat its values.
    firsts: Vec<Vec<bool>>,
    /// How many changed cells are firsts.
    distinct: usize,
}

impl<'a> Removed<'a> {
    fn new(
        map: &'a Map,
        originals: Originals<'a>,
        changes: &'a [SheetChanges],
        deleted_columns: Vec<Vec<bool>>,
    ) -> Removed<'a> {
        let names: Vec<bool> = map
            .rules
            .iter()
            .map(|r| crate::needles::names_people(&r.key))
            .collect();
        let firsts: Vec<Vec<bool>> = (0..changes.len())
            .map(|k| originals.firsts(changes, k))
            .collect();
        let distinct = firsts
            .iter()
            .map(|f| f.iter().filter(|&&first| first).count())
            .sum();
        Removed {
            map,
            names,
            originals,
            changes,
            deleted_columns,
            firsts,
            distinct,
        }
    }

    /// Per entry of the changes, per changed cell: whether it is the first of its old text,
    /// column and rule (see [`Originals::firsts`]).
    pub(crate) fn firsts(&self) -> &[Vec<bool>] {
        &self.firsts
    }

    /// Call `each` with the texts the input held: the changed cells', then the deleted rows'.
    fn each_original(&self, each: &mut dyn FnMut(Cow<'a, str>)) {
        self.each_place_in(0..usize::MAX, &mut |k, place| match place {
            Ok(i) => {
                if let Some(old) = self.originals.old(self.changes, k, i) {
                    each(old);
                }
            }
            Err(j) => self.each_deleted(k, j, each),
        });
    }

    /// Call `each` with the values derived from the changed cells' texts (see
    /// [`each_derived_form`]).
    fn each_derived(&self, each: &mut dyn FnMut(&str)) {
        let mut made = Made::default();
        for (k, sc) in self.changes.iter().enumerate() {
            for i in 0..sc.cells.len() {
                if self.firsts[k][i] {
                    let old = self.originals.old(self.changes, k, i);
                    self.derived_of(k, i, old.as_deref(), &mut made, each);
                }
            }
        }
    }

    /// The values derived from the `i`-th changed cell of `changes[k]`, whose old text is
    /// `old` (see [`each_derived_form`]); asked at its first only (once per text, column and
    /// rule).
    fn derived_of(
        &self,
        k: usize,
        i: usize,
        old: Option<&str>,
        made: &mut Made,
        each: &mut dyn FnMut(&str),
    ) {
        let c = &self.changes[k].cells[i];
        each_derived_form(self.map, &self.names, old, c, made, each);
    }

    /// Call `each` with each place of `places` only (of all the places of the changes, counting a
    /// changed cell and a deleted row one place each, in that order): a changed cell `i` of
    /// `changes[k]` as `(k, Ok(i))`, a deleted row `j` as `(k, Err(j))`.
    fn each_place_in(
        &self,
        places: std::ops::Range<usize>,
        each: &mut dyn FnMut(usize, Result<usize, usize>),
    ) {
        // The places of `places` within a run of `len` places starting at `at`, in the run.
        let within = |at: usize, len: usize| {
            places.start.clamp(at, at + len) - at..places.end.clamp(at, at + len) - at
        };
        let mut at = 0;
        for (k, sc) in self.changes.iter().enumerate() {
            for i in within(at, sc.cells.len()) {
                each(k, Ok(i));
            }
            at += sc.cells.len();
            for j in within(at, sc.deleted.len()) {
                each(k, Err(j));
            }
            at += sc.deleted.len();
        }
    }

    /// The texts of deleted row `j` of `changes[k]`.
    fn each_deleted(&self, k: usize, j: usize, each: &mut dyn FnMut(Cow<'a, str>)) {
        let values = self
            .originals
            .deleted(self.changes, &self.deleted_columns, k, j);
        for text in values.into_iter().filter_map(crate::actions::cell_text) {
            each(text);
        }
    }

    /// Call `each` with every value, in one order: the changed cells' texts, the deleted rows'
    /// texts, then the derived values.
    #[cfg(test)]
    pub(crate) fn each(&self, each: &mut dyn FnMut(&str)) {
        self.each_original(&mut |value| each(&value));
        self.each_derived(each);
    }

    /// About how many values [`Removed::each`] gives: every changed cell's, and one derived
    /// value per distinct one (about what a large export derives).
    pub(crate) fn about(&self) -> usize {
        let cells: usize = self.changes.iter().map(|sc| sc.cells.len()).sum();
        cells + self.distinct
    }

    /// The values as a list, in the order of [`Removed::each`].
    pub(crate) fn to_vec(&self) -> Vec<Cow<'a, str>> {
        let mut values = Vec::with_capacity(self.about());
        self.each_original(&mut |value| values.push(value));
        self.each_derived(&mut |form| values.push(Cow::Owned(form.to_string())));
        values
    }

    /// The values indexed for searching (see [`Needles::from_parts`]): those of
    /// [`Removed::each`], each changed cell's text once per column and rule.
    pub(crate) fn needles(&self) -> Needles {
        Needles::from_parts(
            &|part, parts, each: &mut dyn FnMut(&str)| self.each_distinct_of(part, parts, each),
            self.about(),
        )
    }

    /// [`Removed::needles`] indexing only the values whose first word is among `anchors` (see
    /// [`Needles::from_parts_within`]); the others are counted.
    pub(crate) fn needles_within(&self, anchors: crate::needles::Anchors) -> Needles {
        Needles::from_parts_within(
            &|part, parts, each: &mut dyn FnMut(&str)| self.each_distinct_of(part, parts, each),
            self.about(),
            anchors,
        )
    }

    /// Part `part` of `parts` of the values of [`Removed::each`], each changed cell's text
    /// (and the values derived from it) once per column and rule: its values from one place to
    /// another (a changed cell, a deleted row: one place each), so that the parts one after
    /// the other are all of them.
    fn each_distinct_of(&self, part: usize, parts: usize, each: &mut dyn FnMut(&str)) {
        let places: usize = self
            .changes
            .iter()
            .map(|sc| sc.cells.len() + sc.deleted.len())
            .sum();
        let bound = |p: usize| (places as u128 * p as u128 / parts.max(1) as u128) as usize;
        let (from, to) = (bound(part), bound(part + 1));
        // A changed cell's text only where it is the first of its text, column and rule,
        // followed by the values derived from it (given as they are made, not copied).
        let mut made = Made::default();
        self.each_place_in(from..to, &mut |k, place| match place {
            Ok(i) if self.firsts[k][i] => {
                let old = self.originals.old(self.changes, k, i);
                if let Some(old) = &old {
                    each(old);
                }
                self.derived_of(k, i, old.as_deref(), &mut made, each);
            }
            Ok(_) => {}
            Err(j) => self.each_deleted(k, j, &mut |text| each(&text)),
        });
    }
}

/// Call `each` with the values derived from changed cell `c` whose old text is `old` (see
/// [`Removed`]), in this order: what `redact` replaced in its old text, the other forms of a
/// phone number, of a full name (`names` tells the rules that name people) and of an email in
/// a personal site's path. The forms most values have (a phone number's, an email's) are made
/// in `made` and lent: a large export's removed values have about a million, nearly all of
/// them looked at and let go.
fn each_derived_form(
    map: &Map,
    names: &[bool],
    old: Option<&str>,
    c: &crate::apply::Change,
    made: &mut Made,
    each: &mut dyn FnMut(&str),
) {
    // The values mentions replace are the other columns' own old values, searched
    // for as such; `replaced` needs only the text here.
    let fragments = match (&map.rules[c.rule()].action, old) {
        (crate::actions::Action::Redact(r), Some(text)) => r.replaced(text, &[]),
        _ => Vec::new(),
    };
    for fragment in &fragments {
        each(fragment);
    }
    // A phone number copied elsewhere may be written with other separators, or
    // none, or without its country code: those forms are searched too.
    if let Some(text) = old {
        crate::text::each_phone_form(text, &mut made.digits, each);
    }
    // A person's full name is written without its middle names or accents too
    // ("Jane Doe", "Zoe Muller"), and last name first ("Doe, Jane"): a comment or
    // property holding it so loses it as well.
    if let Some(text) = old.filter(|_| names[c.rule()]) {
        for form in crate::needles::name_variants(text) {
            each(&form);
        }
        for form in crate::needles::last_name_first(text) {
            each(&form);
        }
    }
    // An email address in the path of its owner's personal site.
    for text in fragments.iter().map(String::as_str).chain(old) {
        if crate::text::personal_site_form_into(text, &mut made.site) {
            each(&made.site);
        }
    }
}

/// The buffers [`each_derived_form`] makes forms in, kept from value to value.
#[derive(Default)]
struct Made {
    /// A phone number's digits.
    digits: String,
    /// An email address's personal site form.
    site: String,
}

/// Where the input's values of the changed cells and deleted rows are read: the workbook held
/// in memory, or what a streamed scrub kept of them (see [`crate::xlsx::stream::Olds`]).
#[derive(Clone, Copy)]
pub(crate) enum Originals<'a> {
    /// The whole workbook.
    Book(&'a Workbook),
    /// The values a streamed scrub kept.
    Kept(&'a crate::xlsx::stream::Olds),
}

impl<'a> Originals<'a> {
    /// The text of the input's value of the `i`-th changed cell of `changes[k]` (see
    /// [`crate::actions::cell_text`]).
    pub(crate) fn old(self, changes: &[SheetChanges], k: usize, i: usize) -> Option<Cow<'a, str>> {
        match self {
            Originals::Book(book) => {
                let c = &changes[k].cells[i];
                crate::actions::cell_text(book.sheets[changes[k].sheet].cell(c.row, c.col()))
            }
            Originals::Kept(olds) => olds.changed(k, i).map(Cow::Borrowed),
        }
    }

    /// Which changed cells of `changes[k]` are the first of their old text, column and rule:
    /// whatever a later one gives (its forms, its origin) the first gave already. A large export
    /// removes the same text from many rows (a city, a first name), which is then looked at once.
    /// A cell without an old text gives nothing and counts as a first. Cells of two columns or
    /// rules never repeat each other: the columns and rules are shared out among the pool's
    /// threads, each of which looks at the cells of its own (the texts of a large export in
    /// the raw layout, kept one per cell, took one core a third of a second while the other
    /// waited).
    pub(crate) fn firsts(self, changes: &[SheetChanges], k: usize) -> Vec<bool> {
        use rayon::prelude::*;
        let cells = &changes[k].cells;
        if u32::try_from(cells.len()).is_err() {
            return vec![true; cells.len()];
        }
        let groups = Groups::of(cells);
        let share = groups.shared_out(rayon::current_num_threads());
        let repeats: Vec<FixedBitSet> = (0..share.parts)
            .into_par_iter()
            .map(|part| self.repeats_in(changes, k, &groups, &share.part_of, part))
            .collect();
        let mut firsts = vec![true; cells.len()];
        for repeats in repeats {
            for i in repeats.ones() {
                firsts[i] = false;
            }
        }
        firsts
    }

    /// The changed cells of `changes[k]` that repeat an earlier one of their old text, column
    /// and rule (see [`Originals::firsts`]), among the cells of the columns and rules that
    /// `part_of` gives to `part`.
    fn repeats_in(
        self,
        changes: &[SheetChanges],
        k: usize,
        groups: &Groups,
        part_of: &[usize],
        part: usize,
    ) -> FixedBitSet {
        /// What one column and rule has seen: each first's hash and index, by the hash of its
        /// text; and, for a shared string of the input or a text the streamed scrub kept once
        /// of its own (each known by its number, without reading its text), the numbers.
        #[derive(Default)]
        struct Seen {
            texts: hashbrown::HashTable<(u64, u32)>,
            numbers: Option<FixedBitSet>,
            owns: Option<FixedBitSet>,
        }
        let cells = &changes[k].cells;
        let hasher = hashbrown::DefaultHashBuilder::default();
        let mut seen: Vec<Option<Seen>> = Vec::new();
        seen.resize_with(part_of.len(), || None);
        let mut repeats = FixedBitSet::with_capacity(cells.len());
        for (i, c) in cells.iter().enumerate() {
            // (Every cell has a group: `groups` was made of these cells.)
            let Some(g) = groups.of_cell(c).filter(|&g| part_of[g] == part) else {
                continue;
            };
            let seen = seen[g].get_or_insert_with(Seen::default);
            // A text known by its number: a bit per number, made with room for the numbers
            // there are (a number past them is looked at each time).
            let numbered = |held: &mut Option<FixedBitSet>, n: u32, room: usize| {
                let held = held.get_or_insert_with(|| FixedBitSet::with_capacity(room));
                (n as usize) < held.len() && held.put(n as usize)
            };
            if let Some((olds, n)) = self.shared_number(k, i) {
                if numbered(&mut seen.numbers, n, olds.shared_strings()) {
                    repeats.insert(i);
                }
                continue;
            }
            if let Some((olds, n)) = self.own_number(k, i) {
                if numbered(&mut seen.owns, n, olds.own_texts(k)) {
                    repeats.insert(i);
                }
                continue;
            }
            let Some(text) = self.held_text(changes, k, i) else {
                continue;
            };
            let h = std::hash::BuildHasher::hash_one(&hasher, text);
            let same = |&(seen_hash, j): &(u64, u32)| {
                seen_hash == h && self.held_text(changes, k, j as usize) == Some(text)
            };
            if seen.texts.find(h, same).is_some() {
                repeats.insert(i);
            } else {
                (seen.texts).insert_unique(h, (h, i as u32), |&(seen_hash, _)| seen_hash);
            }
        }
        repeats
    }

    /// The input's text of the `i`-th changed cell of `changes[k]` as it is held, without
    /// making one: a text cell's of the workbook, or the text a streamed scrub kept. `None` for
    /// other values (a number, a date), which [`Originals::firsts`] takes as firsts.
    fn held_text(self, changes: &[SheetChanges], k: usize, i: usize) -> Option<&'a str> {
        match self {
            Originals::Book(book) => {
                let c = &changes[k].cells[i];
                match book.sheets[changes[k].sheet].cell(c.row, c.col()) {
                    Data::String(s) => Some(s.as_str()),
                    _ => None,
                }
            }
            Originals::Kept(olds) => olds.changed(k, i),
        }
    }

    /// The kept values and the number of the `i`-th changed cell's text among those a streamed
    /// scrub kept of its own (see [`crate::xlsx::stream::Olds::changed_own`]), when it kept
    /// it so.
    fn own_number(self, k: usize, i: usize) -> Option<(&'a crate::xlsx::stream::Olds, u32)> {
        match self {
            Originals::Book(_) => None,
            Originals::Kept(olds) => olds.changed_own(k, i).map(|n| (olds, n)),
        }
    }

    /// The kept values and the shared string number of the `i`-th changed cell of `changes[k]`,
    /// when a streamed scrub kept its input value by that number.
    fn shared_number(self, k: usize, i: usize) -> Option<(&'a crate::xlsx::stream::Olds, u32)> {
        match self {
            Originals::Book(_) => None,
            Originals::Kept(olds) => olds.changed_shared(k, i).map(|n| (olds, n)),
        }
    }

    /// The input's values of the columns `targets` names (per sheet; see
    /// [`crate::needles::deleted_columns`]) of the `j`-th deleted
    /// row of `changes[k]`, by column.
    pub(crate) fn deleted(
        self,
        changes: &[SheetChanges],
        targets: &[Vec<bool>],
        k: usize,
        j: usize,
    ) -> Vec<&'a Data> {
        match self {
            Originals::Book(book) => {
                let sc = &changes[k];
                let sheet = &book.sheets[sc.sheet];
                let row = sc.deleted[j].row;
                (0..sheet.width())
                    .filter(|&col| {
                        targets
                            .get(sc.sheet)
                            .and_then(|t| t.get(col as usize))
                            .copied()
                            .unwrap_or(false)
                    })
                    .map(|col| sheet.cell(row, col))
                    .collect()
            }
            Originals::Kept(olds) => olds.deleted[k][j].iter().collect(),
        }
    }
}

/// What both checks need to know about the two files.
struct Context<'a> {
    map: &'a Map,
    original: &'a Workbook,
    scrubbed: &'a Workbook,
    /// Per original sheet: the changes the map makes there.
    changes: Vec<Option<&'a SheetChanges>>,
    /// Per original sheet: which columns the map scrubs (any action but `keep`).
    targets: Vec<Vec<bool>>,
    /// Per original sheet: its headers.
    headers: Vec<Vec<String>>,
    /// Per scrubbed sheet: the original sheet with the same name, else the one in its place if
    /// that has no namesake.
    to_original: Vec<Option<usize>>,
    /// Per original sheet whose row rules delete rows: the original row of each scrubbed row.
    rows: Vec<Option<Vec<u32>>>,
}

/// What a cell of the scrubbed file is, as far as leaks go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Not changed by the map and identical to the original: a hit here is other data that
    /// happens to match (a manager who shares a first name), not a leak.
    Kept,
    /// Exactly what the map put there, with an action whose output carries nothing of the
    /// original: not a leak.
    FromMap,
    /// Exactly what a `redact` action made of the cell's free text. The text around what it
    /// replaced is the row's own and may name other people (a colleague's first name that is
    /// also some other row's removed value): only the values this row lost count as leaks here.
    Redacted,
    /// Changed by the map, but not to what the map says.
    Scrubbed,
    /// Not changed by the map, yet different from the original (or not in it).
    Changed,
}

impl<'a> Context<'a> {
    fn new(
        map: &'a Map,
        original: &'a Workbook,
        plan: &FilePlan,
        changes: &'a [SheetChanges],
        scrubbed: &'a Workbook,
    ) -> Context<'a> {
        let n = original.sheets.len();
        let by_sheet = crate::apply::changes_by_sheet(changes, n);
        let headers: Vec<Vec<String>> = (0..n).map(|i| plan.column_names(original, i)).collect();
        let targets = target_columns(map, original, plan);
        let index: HashMap<&str, usize> = original
            .sheets
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.as_str(), i))
            .collect();
        let mut to_original: Vec<Option<usize>> = scrubbed
            .sheets
            .iter()
            .map(|s| index.get(s.name.as_str()).copied())
            .collect();
        // A renamed sheet is reported as such, and its cells are still compared with the
        // original sheet in its place, rather than all reported as changed.
        let named: std::collections::HashSet<usize> =
            to_original.iter().flatten().copied().collect();
        for (i, slot) in to_original.iter_mut().enumerate() {
            if slot.is_none() && i < n && !named.contains(&i) {
                *slot = Some(i);
            }
        }
        let rows = original
            .sheets
            .iter()
            .zip(&by_sheet)
            .map(|(sheet, sc)| {
                let deleted = &sc.filter(|sc| !sc.deleted.is_empty())?.deleted;
                let mut cursor = 0;
                let mut kept = Vec::with_capacity(sheet.height() as usize);
                for row in 0..sheet.height() {
                    while deleted.get(cursor).is_some_and(|d| d.row < row) {
                        cursor += 1;
                    }
                    if deleted.get(cursor).is_none_or(|d| d.row != row) {
                        kept.push(row);
                    }
                }
                Some(kept)
            })
            .collect();
        Context {
            map,
            original,
            scrubbed,
            changes: by_sheet,
            targets,
            headers,
            to_original,
            rows,
        }
    }

    /// The row of original sheet `sheet` that row `row` of the scrubbed sheet comes from, rows
    /// deleted by row rules skipped; `None` past the original's rows.
    fn original_row(&self, sheet: usize, row: u32) -> Option<u32> {
        match &self.rows[sheet] {
            None => (row < self.original.sheets[sheet].height().max(1)).then_some(row),
            Some(kept) => kept.get(row as usize).copied(),
        }
    }

    /// Whether the map scrubs column `col` of original sheet `sheet`.
    fn is_target(&self, sheet: usize, col: u32) -> bool {
        self.targets[sheet]
            .get(col as usize)
            .copied()
            .unwrap_or(false)
    }

    /// The original header of column `col` of scrubbed sheet `sheet`.
    fn header(&self, sheet: usize, col: u32) -> Option<String> {
        let headers = match self.to_original.get(sheet).copied().flatten() {
            Some(o) => &self.headers[o],
            None => return None,
        };
        headers.get(col as usize).filter(|h| !h.is_empty()).cloned()
    }

    /// Judge a (non-formula) cell of the scrubbed file.
    fn judge(&self, sheet: usize, row: u32, col: u32) -> Verdict {
        let Some((o, from)) = self.source(sheet, row) else {
            return Verdict::Changed;
        };
        let change = self.changes[o].and_then(|sc| {
            sc.cells
                .binary_search_by(|c| (c.row, c.col()).cmp(&(from, col)))
                .ok()
                .map(|i| &sc.cells[i])
        });
        self.verdict(o, from, sheet, row, col, change)
    }

    /// The original sheet and row that row `row` of scrubbed sheet `sheet` comes from.
    fn source(&self, sheet: usize, row: u32) -> Option<(usize, u32)> {
        let o = self.to_original.get(sheet).copied().flatten()?;
        Some((o, self.original_row(o, row)?))
    }

    /// [`Context::judge`], given the source of the cell and the map's change there.
    fn verdict(
        &self,
        o: usize,
        from: u32,
        sheet: usize,
        row: u32,
        col: u32,
        change: Option<&crate::apply::Change>,
    ) -> Verdict {
        self.verdict_of(
            o,
            from,
            col,
            change,
            self.scrubbed.sheets[sheet].cell(row, col),
        )
    }

    /// [`Context::verdict`] of a scrubbed cell holding `now`, read elsewhere than from the
    /// scrubbed workbook (see [`walk`]).
    fn verdict_of(
        &self,
        o: usize,
        from: u32,
        col: u32,
        change: Option<&crate::apply::Change>,
        now: &Data,
    ) -> Verdict {
        let new = change.and_then(|c| Some((c, self.changes[o]?)));
        let was = self.original.sheets[o].cell(from, col);
        verdict_given(self.map, self.original, new, was, now)
    }

    /// Whether the redacted cell at `row`, `col` of scrubbed sheet `sheet` still holds a value
    /// its own row lost: the old values of the row's changed cells and what `redact` replaced
    /// in this cell (detector matches, the subjects).
    fn redacted_cell_leaks(&self, sheet: usize, row: u32, col: u32) -> bool {
        let Some(text) = crate::actions::cell_text(self.scrubbed.sheets[sheet].cell(row, col))
        else {
            return false;
        };
        let Some((o, from)) = self.source(sheet, row) else {
            return true;
        };
        let Some(sc) = self.changes[o] else {
            return true;
        };
        let original = &self.original.sheets[o];
        let start = sc.cells.partition_point(|c| c.row < from);
        let mut values: Vec<Cow<str>> = Vec::new();
        for c in sc.cells[start..].iter().take_while(|c| c.row == from) {
            let Some(old) = crate::actions::cell_text(original.cell(from, c.col())) else {
                continue;
            };
            if c.col() == col {
                if let crate::actions::Action::Redact(r) = &self.map.rules[c.rule()].action {
                    values.extend(r.replaced(&old, &[]).into_iter().map(Cow::Owned));
                }
            }
            values.push(old);
        }
        Needles::new(&values).found_in(&text)
    }

    /// A finding located in a cell of scrubbed sheet `sheet`.
    fn cell_finding(
        &self,
        part: Option<&str>,
        sheet: usize,
        row: u32,
        col: u32,
        rule: Rule,
    ) -> Finding {
        Finding {
            part: part.map(str::to_string),
            sheet: Some(self.scrubbed.sheets[sheet].name.clone()),
            row: Some(row),
            col: Some(col),
            column: self.header(sheet, col),
            rule,
        }
    }
}

/// The verdict on a scrubbed cell holding `now`, given the map's change there (and the
/// changes it is one of) and the value `was` of the cell of `original` it comes from.
fn verdict_given(
    map: &Map,
    original: &Workbook,
    change: Option<(&crate::apply::Change, &SheetChanges)>,
    was: &Data,
    now: &Data,
) -> Verdict {
    match change {
        Some((c, changes)) => {
            let new = changes.value(c);
            let action = &map.rules[c.rule()].action;
            if action.output_is_reportable() && same_as_new(new, now) {
                Verdict::FromMap
            } else if matches!(action, crate::actions::Action::Redact(_)) && same_as_new(new, now) {
                Verdict::Redacted
            } else {
                Verdict::Scrubbed
            }
        }
        None if same_kept_cell(original, was, now) => Verdict::Kept,
        None => Verdict::Changed,
    }
}

/// Equal value and type; an empty text cell counts as empty, which is how every consumer
/// (and the import) reads it.
fn same_cell(a: &Data, b: &Data) -> bool {
    let blank = |d: &Data| matches!(d, Data::Empty) || matches!(d, Data::String(s) if s.is_empty());
    let same_date = |a: &calamine::ExcelDateTime, b: &calamine::ExcelDateTime| {
        a.is_duration() == b.is_duration()
            && crate::workbook::serial_1900(a) == crate::workbook::serial_1900(b)
    };
    a == b
        || (blank(a) && blank(b))
        // The same date in the 1904 and the 1900 date system (a rebuilt 1904 workbook).
        || matches!((a, b), (Data::DateTime(x), Data::DateTime(y)) if same_date(x, y))
}

/// [`same_cell`] of the value the map gives a cell (`new`) and the cell's value `now`, without
/// making a cell of a new text (most changed cells' values).
fn same_as_new(new: crate::apply::NewValue<'_>, now: &Data) -> bool {
    match (new, now) {
        (crate::apply::NewValue::Text(text), Data::String(now)) => text == now,
        (crate::apply::NewValue::Text(text), Data::Empty) => text.is_empty(),
        (crate::apply::NewValue::Text(_), _) => false,
        (new, now) => same_cell(&new.data(), now),
    }
}

/// [`same_cell`], or in a CSV the same cell escaped by `--neutralize-formulas`.
fn same_kept_cell(original: &Workbook, a: &Data, b: &Data) -> bool {
    same_cell(a, b)
        || matches!(
            (&original.format, a, b),
            (Format::Csv(_), Data::String(a), Data::String(b))
                if crate::actions::needs_neutralizing(a)
                    && b.strip_prefix('\'') == Some(a.as_str())
        )
}

/// A cell's type, in words.
fn type_word(d: &Data) -> &'static str {
    match d {
        Data::Empty => "empty",
        Data::String(s) if s.is_empty() => "empty",
        Data::String(_) => "text",
        Data::Int(_) | Data::Float(_) => "number",
        Data::Bool(_) => "boolean",
        Data::DateTime(dt) if dt.is_duration() => "duration",
        Data::DateTime(_) | Data::DateTimeIso(_) => "date",
        Data::DurationIso(_) => "duration",
        Data::Error(_) => "error",
    }
}

/// Findings, at most [`LISTED_PER_KIND`] of one kind per part and sheet; the rest counted.
#[derive(Debug, Default)]
struct Sink {
    findings: Vec<Finding>,
    counts: HashMap<(Option<String>, Option<String>, &'static str), usize>,
}

impl Sink {
    /// Whether nothing was found.
    fn is_empty(&self) -> bool {
        self.findings.is_empty() && self.counts.is_empty()
    }

    fn push(&mut self, finding: Finding) {
        let key = (
            finding.part.clone(),
            finding.sheet.clone(),
            finding.rule.kind(),
        );
        let count = self.counts.entry(key).or_insert(0);
        *count += 1;
        if *count <= LISTED_PER_KIND {
            self.findings.push(finding);
        }
    }

    fn append(&mut self, other: Sink) {
        for f in other.findings {
            let key = (f.part.clone(), f.sheet.clone(), f.rule.kind());
            let count = self.counts.entry(key).or_insert(0);
            *count += 1;
            if *count <= LISTED_PER_KIND {
                self.findings.push(f);
            }
        }
        for (key, total) in other.counts {
            let listed = total.min(LISTED_PER_KIND);
            *self.counts.entry(key).or_insert(0) += total - listed;
        }
    }

    /// Name part `from` as `to` in every finding (a part whose name holds a removed value is
    /// named by its number).
    fn rename_part(&mut self, from: &str, to: &str) {
        let from = Some(from.to_string());
        for f in &mut self.findings {
            if f.part == from {
                f.part = Some(to.to_string());
            }
        }
        self.counts = std::mem::take(&mut self.counts)
            .into_iter()
            .map(|((part, sheet, kind), n)| {
                let part = if part == from {
                    Some(to.to_string())
                } else {
                    part
                };
                ((part, sheet, kind), n)
            })
            .collect();
    }

    /// The findings, each group's count of unlisted ones right after its last listed one.
    fn finish(self) -> Vec<Finding> {
        let mut out = Vec::with_capacity(self.findings.len());
        let mut remaining: HashMap<_, usize> = self
            .counts
            .into_iter()
            .filter(|(_, n)| *n > LISTED_PER_KIND)
            .map(|(k, n)| (k, n - LISTED_PER_KIND))
            .collect();
        let mut left: HashMap<_, usize> = HashMap::new();
        for f in &self.findings {
            let key = (f.part.clone(), f.sheet.clone(), f.rule.kind());
            *left.entry(key).or_insert(0) += 1;
        }
        for f in self.findings {
            let key = (f.part.clone(), f.sheet.clone(), f.rule.kind());
            let (part, sheet) = (f.part.clone(), f.sheet.clone());
            out.push(f);
            let n = left.get_mut(&key).expect("counted above");
            *n -= 1;
            if *n == 0 {
                if let Some(count) = remaining.remove(&key) {
                    out.push(Finding {
                        part,
                        sheet,
                        row: None,
                        col: None,
                        column: None,
                        rule: Rule::Omitted { count },
                    });
                }
            }
        }
        out
    }
}

/// The columns and rules of a sheet's changed cells, each a group numbered in the order it
/// first comes (see [`Originals::firsts`]): a column's group is found by its number (its cells
/// nearly always have one rule), another rule's in that column by both.
struct Groups {
    /// Per column: the rule of its first changed cell, and that group.
    by_column: Vec<Option<(usize, usize)>>,
    /// The groups of the other rules of a column.
    others: crate::text::FastMap<(u32, usize), usize>,
    /// Per group: how many cells it holds.
    sizes: Vec<usize>,
}

/// The groups shared out among `parts` threads (see [`Groups::shared_out`]).
struct Share {
    parts: usize,
    /// Per group: its part.
    part_of: Vec<usize>,
}

impl Groups {
    fn of(cells: &[apply::Change]) -> Groups {
        let mut groups = Groups {
            by_column: Vec::new(),
            others: Default::default(),
            sizes: Vec::new(),
        };
        for c in cells {
            let g = match groups.of_cell(c) {
                Some(g) => g,
                None => groups.add(c),
            };
            groups.sizes[g] += 1;
        }
        groups
    }

    /// The group of cell `c`, if it has one yet.
    fn of_cell(&self, c: &apply::Change) -> Option<usize> {
        match self.by_column.get(c.col as usize).copied().flatten() {
            Some((rule, g)) if rule == c.rule() => Some(g),
            Some(_) => self.others.get(&(c.col(), c.rule())).copied(),
            None => None,
        }
    }

    /// A new group for the column and rule of `c`, which has none.
    fn add(&mut self, c: &apply::Change) -> usize {
        let (col, g) = (c.col as usize, self.sizes.len());
        if self.by_column.len() <= col {
            self.by_column.resize(col + 1, None);
        }
        match self.by_column[col] {
            Some(_) => {
                self.others.insert((c.col(), c.rule()), g);
            }
            None => self.by_column[col] = Some((c.rule(), g)),
        }
        self.sizes.push(0);
        g
    }

    /// The groups shared out among at most `threads` parts of about as many cells each: the
    /// largest group first, each to the part with the fewest cells yet.
    fn shared_out(&self, threads: usize) -> Share {
        let parts = threads.clamp(1, self.sizes.len().max(1));
        let mut order: Vec<usize> = (0..self.sizes.len()).collect();
        order.sort_by_key(|&g| std::cmp::Reverse(self.sizes[g]));
        let mut load = vec![0usize; parts];
        let mut part_of = vec![0; self.sizes.len()];
        for g in order {
            let part = (0..parts).min_by_key(|&p| load[p]).unwrap_or(0);
            part_of[g] = part;
            load[part] += self.sizes[g];
        }
        Share { parts, part_of }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(rule: Rule) -> Finding {
        Finding {
            part: Some("xl/worksheets/sheet1.xml".into()),
            sheet: Some("Disabled Users".into()),
            row: Some(1),
            col: Some(4),
            column: Some("First Name".into()),
            rule,
        }
    }

    /// A changed cell's new value is compared with the scrubbed cell as the cell it makes would
    /// be: a text with a text, an empty text with an empty cell, a date in either date system.
    #[test]
    fn a_new_value_is_compared_as_the_cell_it_makes() {
        use crate::apply::NewValue;
        let date = |serial: f64, is_1904: bool| {
            Data::DateTime(calamine::ExcelDateTime::new(
                serial,
                calamine::ExcelDateTimeType::DateTime,
                is_1904,
            ))
        };
        let cells = [
            Data::Empty,
            Data::String(String::new()),
            Data::String("Ana".into()),
            Data::String("ana".into()),
            Data::String("Ana ".into()),
            Data::Int(7),
            Data::Float(7.0),
            Data::Bool(true),
            date(45000.0, false),
            date(45000.0 - 1462.0, true),
            Data::Error(calamine::CellErrorType::NA),
        ];
        let mut news = vec![NewValue::Cleared, NewValue::Text(""), NewValue::Text("Ana")];
        news.extend(cells.iter().skip(5).map(NewValue::Other));
        let mut same = 0;
        for new in news {
            for now in &cells {
                let made = same_cell(&new.data(), now);
                assert_eq!(same_as_new(new, now), made, "{new:?} against {now:?}");
                same += usize::from(made);
            }
        }
        // Each new value is the same as some cells: the blanks, a text, a number, the dates.
        assert!(same >= 12, "{same}");
    }

    /// Whether each changed cell is the first of its old text, column and rule, by a set of
    /// them.
    fn firsts_by_set(originals: Originals<'_>, changes: &[SheetChanges], k: usize) -> Vec<bool> {
        let mut seen = std::collections::HashSet::new();
        (0..changes[k].cells.len())
            .map(|i| {
                let c = &changes[k].cells[i];
                match originals.old(changes, k, i) {
                    Some(old) => seen.insert((old.into_owned(), c.col, c.rule)),
                    None => true,
                }
            })
            .collect()
    }

    /// A generated export of `rows` rows, read whole, and what the `systemuser` profile does to
    /// it.
    pub(super) fn scrubbed_export(
        rows: usize,
    ) -> (Vec<u8>, Workbook, Map, FilePlan, Vec<SheetChanges>) {
        use crate::testdata::{self, Options};
        let bytes = testdata::disabled_users(&Options {
            rows,
            ..Options::default()
        })
        .to_xlsx();
        let book = crate::xlsx::read(&bytes).unwrap();
        let map = Map::parse(
            crate::profiles::find("systemuser").unwrap().toml,
            "systemuser",
            None,
        )
        .unwrap();
        let plan = crate::plan::resolve(&map, &book).unwrap();
        let changes = crate::apply::apply_plan(&map, &plan, &book);
        (bytes, book, map, plan, changes)
    }

    /// `bytes` streamed in one pass under `map` and `plan`, as `verify` streams an original,
    /// which gives the `changes` of the export read whole.
    fn streamed_once(
        bytes: &[u8],
        map: &Map,
        plan: &FilePlan,
        changes: &[SheetChanges],
    ) -> crate::xlsx::stream::Streamed {
        let mut opened = crate::xlsx::read::open_with(bytes, &Limits::default(), Some(50)).unwrap();
        let options = crate::xlsx::patch::PatchOptions::default();
        let streamed = crate::xlsx::stream::stream(map, plan, &mut opened, Some((bytes, &options)))
            .unwrap()
            .expect("streamed");
        assert_eq!(streamed.changes, changes);
        streamed
    }

    /// A text removed from many cells of one column is looked at once: the first cell of each
    /// text, column and rule is told from the others, whether the workbook is read whole or the
    /// scrub streamed it and kept its shared strings by number.
    #[test]
    fn a_text_removed_from_many_cells_is_looked_at_once() {
        let (bytes, book, map, plan, changes) = scrubbed_export(300);
        let whole = Originals::Book(&book);
        let firsts = whole.firsts(&changes, 0);
        assert_eq!(firsts, firsts_by_set(whole, &changes, 0));
        let repeats = firsts.iter().filter(|f| !**f).count();
        assert!(
            repeats > 100,
            "the export repeats removed texts ({repeats})"
        );
        // Two rules in one column: each rule's cells are looked at on their own.
        let mut two_rules = changes.clone();
        let rules = map.rules.len() as u16;
        for c in two_rules[0].cells.iter_mut().filter(|c| c.row % 3 == 0) {
            c.rule = (c.rule + 1) % rules;
        }
        let split = whole.firsts(&two_rules, 0);
        assert_eq!(split, firsts_by_set(whole, &two_rules, 0));
        assert!(
            split.iter().filter(|f| **f).count() > firsts.iter().filter(|f| **f).count(),
            "a text under two rules is a first under each"
        );
        // Streamed in one pass, which keeps shared strings by their number.
        let streamed = streamed_once(&bytes, &map, &plan, &changes);
        let kept = Originals::Kept(&streamed.olds);
        assert!(
            (0..changes[0].cells.len()).any(|i| streamed.olds.changed_shared(0, i).is_some()),
            "texts are kept by their number"
        );
        let by_number = kept.firsts(&changes, 0);
        for (i, (&number, &set)) in by_number
            .iter()
            .zip(&firsts_by_set(kept, &changes, 0))
            .enumerate()
        {
            // A cell without a text gives nothing, first or not.
            if kept.old(&changes, 0, i).is_some() {
                assert_eq!(number, set, "changed cell {i}");
            }
        }
        // The raw layout Dynamics writes: its inline strings are kept as texts, each held once
        // however many cells it was removed from, and read by its number.
        let raw = crate::testdata::disabled_users(&crate::testdata::Options {
            rows: 300,
            ..crate::testdata::Options::default()
        })
        .to_dynamics_raw_xlsx();
        let raw_book = crate::xlsx::read(&raw).unwrap();
        let raw_plan = crate::plan::resolve(&map, &raw_book).unwrap();
        let raw_changes = crate::apply::apply_plan(&map, &raw_plan, &raw_book);
        let streamed = streamed_once(&raw, &map, &raw_plan, &raw_changes);
        let kept = Originals::Kept(&streamed.olds);
        assert!(
            (0..raw_changes[0].cells.len()).all(|i| streamed.olds.changed_shared(0, i).is_none()),
            "inline strings are kept as texts"
        );
        let texts: Vec<String> = (0..raw_changes[0].cells.len())
            .filter_map(|i| kept.old(&raw_changes, 0, i).map(|t| t.into_owned()))
            .collect();
        let distinct: std::collections::HashSet<&String> = texts.iter().collect();
        assert!(
            distinct.len() < texts.len(),
            "the export repeats removed texts"
        );
        assert_eq!(streamed.olds.own_texts(0), distinct.len());
        let by_text = kept.firsts(&raw_changes, 0);
        assert_eq!(by_text, firsts_by_set(kept, &raw_changes, 0));
        assert!(
            by_text.iter().any(|f| !*f),
            "the raw export repeats removed texts"
        );
    }

    #[test]
    fn removed_values_read_where_they_are_index_as_their_list() {
        let (_, book, map, plan, changes) = scrubbed_export(200);
        let removed = removed_in(&map, &book, &plan, &changes);
        let list = removed.to_vec();
        assert!(list.len() > 200, "the changed cells' values, and more");
        let mut given = Vec::new();
        removed.each(&mut |v| given.push(v.to_string()));
        assert_eq!(
            given,
            list.iter().map(|v| v.to_string()).collect::<Vec<_>>()
        );
        let (read, listed) = (removed.needles(), Needles::new(&list));
        assert_eq!(
            (read.len(), read.skipped()),
            (listed.len(), listed.skipped())
        );
        for value in &list {
            assert_eq!(read.found_in(value), listed.found_in(value));
        }
        // On several threads, each reads the values for its share of them.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let sharded = pool.install(|| {
            Needles::from_each(&|each: &mut dyn FnMut(&str)| removed.each(each), 1 << 15)
        });
        assert_eq!(sharded.len(), listed.len());
        assert!(list
            .iter()
            .all(|v| sharded.found_in(v) == listed.found_in(v)));
        // In parts, one after the other, the values indexed are those read at once: every
        // changed cell's text first of its column and rule, the deleted rows', the derived.
        let parts = |parts: usize| {
            let mut got = Vec::new();
            for part in 0..parts {
                removed.each_distinct_of(part, parts, &mut |v| got.push(v.to_string()));
            }
            got
        };
        let whole = parts(1);
        assert!(
            whole.len() > 200 && whole.len() < list.len(),
            "{}",
            whole.len()
        );
        for n in [2, 3, 7, whole.len() + 5] {
            assert_eq!(parts(n), whole, "{n} parts");
        }
    }

    #[test]
    fn findings_read_like_excel_coordinates() {
        assert_eq!(
            finding(Rule::Leak(LeakIn::ScrubbedCell)).to_string(),
            "xl/worksheets/sheet1.xml: sheet 'Disabled Users', cell E2 (First Name): leak: a value the map removed is still in a cell the map scrubbed"
        );
        let column = Finding {
            row: None,
            column: Some("(Do Not Modify) User".into()),
            col: Some(0),
            ..finding(Rule::ColumnHidden { original: true })
        };
        assert_eq!(
            column.to_string(),
            "xl/worksheets/sheet1.xml: sheet 'Disabled Users', column A ((Do Not Modify) User): the column is visible but hidden in the original"
        );
        let csv = Finding {
            part: None,
            sheet: Some("users".into()),
            ..finding(Rule::CellChanged {
                original: "text",
                scrubbed: "number",
            })
        };
        assert!(csv
            .to_string()
            .starts_with("sheet 'users', cell E2 (First Name): the cell is outside the map's columns but its type changed from text to number"));
    }

    #[test]
    fn sink_lists_a_few_of_each_kind_and_counts_the_rest() {
        let mut a = Sink::default();
        for _ in 0..LISTED_PER_KIND + 5 {
            a.push(finding(Rule::HeaderChanged));
        }
        a.push(finding(Rule::Leak(LeakIn::ScrubbedCell)));
        let mut b = Sink::default();
        for _ in 0..LISTED_PER_KIND + 2 {
            b.push(finding(Rule::Leak(LeakIn::ScrubbedCell)));
        }
        a.append(b);
        let out = a.finish();
        let outcome = Outcome {
            findings: out.clone(),
            searched: 0,
            skipped: 0,
        };
        assert_eq!(outcome.fidelity(), LISTED_PER_KIND + 5);
        assert_eq!(outcome.leaks(), LISTED_PER_KIND + 3);
        assert_eq!(out.len(), 2 * LISTED_PER_KIND + 2);
        assert_eq!(out[LISTED_PER_KIND].rule, Rule::Omitted { count: 5 });
        assert_eq!(out.last().unwrap().rule, Rule::Omitted { count: 3 });
    }

    #[test]
    fn empty_text_is_an_empty_cell() {
        assert!(same_cell(&Data::Empty, &Data::String(String::new())));
        assert!(!same_cell(&Data::String("1".into()), &Data::Float(1.0)));
        assert_eq!(type_word(&Data::Float(1.0)), "number");
    }
}
