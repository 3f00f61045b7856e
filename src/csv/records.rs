//! A streamed CSV's records read once: the leak sweep's first pass (the kept columns' values,
//! see [`KeptValues`]) and the stream take the same reading. Each record is parsed where it is
//! read, and what the parse found is kept as where each field lies in the text (the text is in
//! memory, decoded, for the whole scrub): the stream takes the fields from there without
//! parsing the record again.
//!
//! With the sweep and one thread, the first pass reads every record before the stream starts
//! (the sweep with one thread drops a removed value the kept values cannot hold as soon as it
//! comes, so they must be complete); without the sweep the stream reads as it goes. With more
//! threads, a helper task of the pool reads ahead (every record, with the sweep, so that its
//! counts are complete early; a few chunks, without) while the stream works on what was read
//! before; the stream never waits for a helper that has not started: when no
//! chunk is ready it reads the next one itself (the pool's other threads may be busy with other
//! files). Either way the records are read in order by one reader, so the kept values and the
//! stream's records are the same with or without a helper.

use super::KeptValues;
use crate::dialect::{parse_error, record_line};
use crate::error::{Problem, ReadError};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};

/// Records per chunk: about a megabyte of a Dynamics export's text.
const CHUNK: usize = if cfg!(test) { 3 } else { 2048 };

/// Chunks kept ready at most when no first pass needs them all read (without the sweep).
const AHEAD: usize = 8;

/// Where one record's fields lie: in the text, with a delimiter between each and the next
/// (each in quotes, when the record quotes them all); or in its chunk's own copy (a record
/// whose fields are not the text's bytes, a quote doubled in one or some fields quoted and
/// some not, or one too long for short ends).
#[derive(Debug, Clone, Copy)]
struct Span {
    /// Where its first field starts, in the text or in the chunk's copy.
    start: usize,
    /// Its first field's end in the chunk's `short` (in the text) or `ends` (copied), and how
    /// many fields it has.
    first: u32,
    fields: u32,
    /// Whether its fields are in the chunk's copy.
    copied: bool,
    /// Whether each of its fields is in quotes in the text (none with a quote inside).
    quoted: bool,
    /// The line it starts on (see [`record_line`]).
    line: u64,
}

/// Records read one after the other, and how the reading ended if it did in them.
#[derive(Debug, Default)]
pub(crate) struct Chunk {
    spans: Vec<Span>,
    /// Per field of a record in the text, where it ends (after its closing quote, if it has
    /// one), from its record's start (a record of at most 64 KiB); the next field starts one
    /// byte (a delimiter) later.
    short: Vec<u16>,
    /// The same, of a copied record.
    ends: Vec<u32>,
    /// The fields of the copied records, one after the other with a byte between.
    copy: String,
    /// The reading's error after the last record, if it ended so.
    error: Option<Problem>,
}

impl Chunk {
    fn clear(&mut self) {
        self.spans.clear();
        self.short.clear();
        self.ends.clear();
        self.copy.clear();
        self.error = None;
    }

    fn len(&self) -> usize {
        self.spans.len()
    }

    /// Record `i`, whose uncopied fields are in `text`.
    fn record<'a>(&'a self, text: &'a str, i: usize) -> Option<Record<'a>> {
        let span = *self.spans.get(i)?;
        let fields = span.first as usize..(span.first + span.fields) as usize;
        let (base, ends) = if span.copied {
            (self.copy.as_str(), Ends::Long(self.ends.get(fields)?))
        } else {
            (text, Ends::Short(self.short.get(fields)?))
        };
        Some(Record {
            base: base.get(span.start..).unwrap_or_default(),
            ends,
            quoted: span.quoted,
            line: span.line,
        })
    }
}

/// Where a record's fields end, from its start.
#[derive(Debug, Clone, Copy)]
enum Ends<'a> {
    Short(&'a [u16]),
    Long(&'a [u32]),
}

impl Ends<'_> {
    fn len(&self) -> usize {
        match self {
            Ends::Short(ends) => ends.len(),
            Ends::Long(ends) => ends.len(),
        }
    }

    fn get(&self, i: usize) -> Option<usize> {
        match self {
            Ends::Short(ends) => ends.get(i).map(|&e| usize::from(e)),
            Ends::Long(ends) => ends.get(i).map(|&e| e as usize),
        }
    }
}

/// One record's fields.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Record<'a> {
    base: &'a str,
    ends: Ends<'a>,
    /// Whether each field is in quotes in `base`, which `ends` count in.
    quoted: bool,
    line: u64,
}

impl<'a> Record<'a> {
    /// How many fields it has.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// The line it starts on (1-based).
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Field `i`, if the record has one.
    pub fn get(&self, i: usize) -> Option<&'a str> {
        let end = self.ends.get(i)?;
        let start = match i.checked_sub(1) {
            Some(before) => self.ends.get(before)? + 1,
            None => 0,
        };
        let quote = usize::from(self.quoted);
        self.base.get(start + quote..end.checked_sub(quote)?)
    }

    /// The fields in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + '_ {
        (0..self.len()).map(|i| self.get(i).unwrap_or_default())
    }
}

/// The one reader of the records, and the first pass's counts.
struct Source<'t> {
    reader: ::csv::Reader<&'t [u8]>,
    record: ::csv::ByteRecord,
    text: &'t str,
    delimiter: u8,
    /// The kept values being counted (none without the sweep), with the columns to count.
    kept: Option<KeptValues>,
    columns: Vec<usize>,
    width: usize,
    ended: bool,
}

impl Source<'_> {
    /// The next records into `chunk`; at the end (or an error), the kept values counted are
    /// handed back.
    fn next_chunk(&mut self, chunk: &mut Chunk) -> Option<KeptValues> {
        chunk.clear();
        while !self.ended && chunk.len() < CHUNK {
            match self.reader.read_byte_record(&mut self.record) {
                Ok(true) => {
                    if let Err(e) = self.push(chunk) {
                        chunk.error = Some(e);
                        self.ended = true;
                    }
                }
                Ok(false) => self.ended = true,
                Err(e) => {
                    chunk.error = Some(parse_error(e));
                    self.ended = true;
                }
            }
        }
        if self.ended {
            return self.kept.take();
        }
        None
    }

    /// The record just read, into `chunk`, its kept values counted.
    fn push(&mut self, chunk: &mut Chunk) -> Result<(), Problem> {
        let record = &self.record;
        let line = record_line(record.position(), self.text.as_bytes());
        let refused = || Problem::from(ReadError::CsvParse { line });
        let span = match self.in_text() {
            Some((start, quoted)) => {
                let first = u32::try_from(chunk.short.len()).map_err(|_| refused())?;
                for i in 0..record.len() {
                    let end = raw_end(record, i, quoted).unwrap_or(0);
                    chunk.short.push(u16::try_from(end).map_err(|_| refused())?);
                }
                Span {
                    start,
                    first,
                    fields: record.len() as u32,
                    copied: false,
                    quoted,
                    line,
                }
            }
            None => {
                // Fields that are not the text's bytes: copied, each checked for text (the
                // reader splits at ASCII bytes only, so they always are).
                let first = u32::try_from(chunk.ends.len()).map_err(|_| refused())?;
                let fields = u32::try_from(record.len()).map_err(|_| refused())?;
                let start = chunk.copy.len();
                for (i, field) in record.iter().enumerate() {
                    if i > 0 {
                        chunk.copy.push(',');
                    }
                    chunk
                        .copy
                        .push_str(std::str::from_utf8(field).map_err(|_| refused())?);
                    let end = chunk.copy.len() - start;
                    chunk.ends.push(u32::try_from(end).map_err(|_| refused())?);
                }
                Span {
                    start,
                    first,
                    fields,
                    copied: true,
                    quoted: false,
                    line,
                }
            }
        };
        chunk.spans.push(span);
        if let Some(kept) = &mut self.kept {
            let last = chunk.len() - 1;
            let read = chunk.record(self.text, last);
            if let Some(read) = read {
                for &c in &self.columns {
                    if let Some(value) = read.get(c) {
                        kept.count(c, value);
                    }
                }
                // Fields past the header's columns are kept too.
                for c in self.width..read.len() {
                    if let Some(value) = read.get(c) {
                        kept.count(c, value);
                    }
                }
            }
        }
        Ok(())
    }

    /// Where the record just read starts in the text, when its fields are the text's bytes
    /// there, one delimiter between each and the next, and it is at most 64 KiB long; and
    /// whether each field is in quotes there. Its fields have no quote (`Name,City`), or each
    /// is in quotes with none inside (`"Name","City"`, a file that quotes every field): nearly
    /// every record of an export. The record's position is where the reader started it,
    /// before any empty line or line feed it skipped.
    fn in_text(&self) -> Option<(usize, bool)> {
        let record = &self.record;
        let bytes = self.text.as_bytes();
        let mut start = usize::try_from(record.position()?.byte()).ok()?;
        while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        let quoted = bytes.get(start) == Some(&b'"');
        let count = record.len();
        let last = raw_end(record, count.checked_sub(1)?, quoted)?;
        if last > usize::from(u16::MAX) {
            return None;
        }
        let raw = bytes.get(start..start + last)?;
        if !quoted && memchr::memchr(b'"', raw).is_some() {
            return None;
        }
        for i in 0..count {
            let end = raw_end(record, i, quoted)?;
            // The record ends at a line break or the text's end.
            let next = if i + 1 == count {
                matches!(bytes.get(start + end), None | Some(b'\r' | b'\n'))
            } else {
                raw.get(end) == Some(&self.delimiter)
            };
            if !next {
                return None;
            }
            if quoted {
                let from = end - record.range(i)?.len() - 2;
                let field = raw.get(from..end)?;
                let inside = field.get(1..field.len() - 1)?;
                if field[0] != b'"'
                    || field[field.len() - 1] != b'"'
                    || memchr::memchr(b'"', inside).is_some()
                {
                    return None;
                }
            }
        }
        debug_assert!((0..count).all(|i| {
            let q = usize::from(quoted);
            let from = if i == 0 {
                0
            } else {
                raw_end(record, i - 1, quoted).unwrap_or(0) + 1
            };
            let to = raw_end(record, i, quoted).unwrap_or(0);
            raw.get(from + q..to - q) == record.get(i)
        }));
        Some((start, quoted))
    }
}

/// Where field `i` of `record` ends in its text (from the record's start) when its fields are
/// one after the other with a delimiter between, each in quotes when `quoted`.
fn raw_end(record: &::csv::ByteRecord, i: usize, quoted: bool) -> Option<usize> {
    let quotes = if quoted { 2 * (i + 1) } else { 0 };
    Some(record.range(i)?.end + i + quotes)
}

/// What the reader and its helpers share.
pub(crate) struct Shared<'t> {
    source: Mutex<Source<'t>>,
    ready: Mutex<Ready>,
    stop: AtomicBool,
    /// The kept values, once every record is read (see [`Shared::kept`]).
    kept: Mutex<Option<KeptValues>>,
    counted: AtomicBool,
    text: &'t str,
    /// Whether to read every record as soon as possible (the first pass's counts are wanted
    /// before the stream's end), not just a few chunks ahead.
    all: bool,
}

#[derive(Default)]
struct Ready {
    /// Chunks read ahead, in order.
    chunks: VecDeque<Chunk>,
    /// Whether a helper task is running or about to.
    helper: bool,
    /// Whether the source's end was queued.
    ended: bool,
    /// Chunks the stream is done with, to read into again.
    spare: Vec<Chunk>,
}

/// A lock whose holder panicked leaves whole chunks: the state is sound.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<'t> Shared<'t> {
    /// The records of `text` that `reader` (past the header) reads, in `delimiter`'s dialect;
    /// with `kept`, the first pass counts them there.
    pub fn new(
        reader: ::csv::Reader<&'t [u8]>,
        text: &'t str,
        delimiter: u8,
        kept: Option<KeptValues>,
    ) -> Self {
        let (columns, width) = kept
            .as_ref()
            .map(|k| (k.columns().to_vec(), k.width()))
            .unwrap_or_default();
        let all = kept.is_some();
        Shared {
            source: Mutex::new(Source {
                reader,
                record: ::csv::ByteRecord::new(),
                text,
                delimiter,
                kept,
                columns,
                width,
                ended: false,
            }),
            ready: Mutex::new(Ready::default()),
            stop: AtomicBool::new(false),
            kept: Mutex::new(None),
            counted: AtomicBool::new(false),
            text,
            all,
        }
    }

    /// Read one chunk, into a spare one when there is one; the source is held by the caller
    /// until the chunk is queued or taken, so that chunks stay in order. `ready` is not held
    /// meanwhile: the stream takes what is ready while a helper reads.
    fn read_one(&self, source: &mut Source<'t>) -> Chunk {
        let spare = lock(&self.ready).spare.pop();
        let mut chunk = spare.unwrap_or_default();
        if let Some(kept) = source.next_chunk(&mut chunk) {
            self.counted(kept);
        }
        chunk
    }

    /// Read one chunk and queue it for the stream.
    fn queue_one(&self, source: &mut Source<'t>) {
        let chunk = self.read_one(source);
        let mut ready = lock(&self.ready);
        ready.ended = source.ended;
        ready.chunks.push_back(chunk);
    }

    /// The first pass's counts, every record read: for the stream to take.
    fn counted(&self, kept: KeptValues) {
        *lock(&self.kept) = Some(kept);
        self.counted.store(true, Ordering::Release);
    }

    /// A helper: read chunks ahead until enough are ready, the source ends or the stream
    /// stops; then it ends (it never waits) and the stream starts another when they run low.
    fn fill(&self) {
        while !self.stop.load(Ordering::Acquire) {
            let mut source = lock(&self.source);
            let enough = !self.all && lock(&self.ready).chunks.len() >= AHEAD;
            if source.ended || enough {
                break;
            }
            self.queue_one(&mut source);
        }
        lock(&self.ready).helper = false;
    }

    /// Read every record now (with one thread, the first pass before the stream).
    pub fn read_all(&self) {
        let mut source = lock(&self.source);
        while !source.ended {
            self.queue_one(&mut source);
        }
    }

    /// The first pass's counts, once every record is read and only once.
    pub fn kept(&self) -> Option<KeptValues> {
        if !self.counted.load(Ordering::Acquire) {
            return None;
        }
        lock(&self.kept).take()
    }

    /// The stream's side, in `scope` (where helpers run when the pool has threads for them).
    pub fn records<'s, 'scope>(
        &'scope self,
        scope: &'s rayon::Scope<'scope>,
    ) -> Records<'s, 'scope, 't> {
        Records {
            shared: self,
            scope,
            chunk: Chunk::default(),
            at: 0,
            helpers: rayon::current_num_threads() > 1,
        }
    }
}

/// The records in order, for the stream.
pub(crate) struct Records<'s, 'scope, 't> {
    shared: &'scope Shared<'t>,
    scope: &'s rayon::Scope<'scope>,
    chunk: Chunk,
    at: usize,
    helpers: bool,
}

impl Records<'_, '_, '_> {
    /// The next record, or the reading's error where it ended with one.
    ///
    /// # Errors
    /// The reader's, as [`crate::dialect::parse_error`] makes them, and a record whose fields
    /// are not text.
    pub fn next(&mut self) -> Result<Option<Record<'_>>, Problem> {
        while self.at == self.chunk.len() {
            if let Some(e) = self.chunk.error.take() {
                return Err(e);
            }
            let Some(chunk) = self.take() else {
                return Ok(None);
            };
            let done = std::mem::replace(&mut self.chunk, chunk);
            lock(&self.shared.ready).spare.push(done);
            self.at = 0;
        }
        let at = self.at;
        self.at += 1;
        Ok(self.chunk.record(self.shared.text, at))
    }

    /// The next chunk: a ready one, else one read here (starting a helper to read ahead when
    /// the pool has threads for one); none at the end.
    fn take(&mut self) -> Option<Chunk> {
        let shared = self.shared;
        loop {
            let mut ready = lock(&shared.ready);
            if let Some(chunk) = ready.chunks.pop_front() {
                let start = self.helpers
                    && !ready.helper
                    && !ready.ended
                    && (shared.all || ready.chunks.len() < AHEAD / 2);
                ready.helper |= start;
                drop(ready);
                self.start_helper(start);
                return Some(chunk);
            }
            if ready.ended {
                return None;
            }
            drop(ready);
            // None is ready: read one here, unless a helper is reading one now (it holds the
            // source only while it reads, and takes it again at once): then take that one
            // as soon as it is queued.
            let mut source = match shared.source.try_lock() {
                Ok(source) => source,
                Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
                Err(TryLockError::WouldBlock) => {
                    std::thread::yield_now();
                    continue;
                }
            };
            let queued = lock(&shared.ready).chunks.len();
            if queued > 0 || source.ended {
                continue;
            }
            let chunk = shared.read_one(&mut source);
            let mut ready = lock(&shared.ready);
            ready.ended = source.ended;
            let start = self.helpers && !ready.helper && !ready.ended;
            ready.helper |= start;
            drop(ready);
            drop(source);
            self.start_helper(start);
            return Some(chunk);
        }
    }

    /// Start a helper, when `start` (its place was taken: [`Ready::helper`]).
    fn start_helper(&self, start: bool) {
        if start {
            let shared = self.shared;
            self.scope.spawn(move |_| shared.fill());
        }
    }
}

impl Drop for Records<'_, '_, '_> {
    /// A helper stops at its next chunk; the scope waits for it.
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::{open, reader};

    /// Texts whose records take each way: in place, copied (quotes, doubled quotes, line
    /// breaks in a field), empty lines, both line endings and a lone carriage return, a last
    /// record without a line break, empty and missing fields, other delimiters.
    const TEXTS: [&str; 7] = [
        "Name,Note,City\r\n\"Zoë \"\"Z\"\" Müller\",\"two\nlines\",東京\r\n,,\r\nAnna\n\"a,b\",\"\",Köln,extra\n",
        "a;b;c\n\n\n1;2;3\n;;\n4;5\n",
        "a,b\rc,d\r\n\r\ne,f",
        "x\ty\n1\t\"2\"\n3\t4\t\t\n",
        "only\nrow\n\"q\"\n",
        "Ö,ü\n\"\",\"\"\n,\n",
        "\"Name\";\"City\"\r\n\"Zoë\";\"Köln\"\r\n\"\";\"a;b\"\r\n\"x\"\"y\";\"\"\r\n",
    ];

    /// A map that keeps a column none of the texts has: every column is kept and counted.
    const MAP: &str =
        "version = 1\n[columns]\n\"Not There\" = { action = \"keep\", optional = true }\n";

    /// What a `StringRecord` reads of `text` (past its header): fields and line.
    fn string_records(text: &str) -> Vec<(Vec<String>, u64)> {
        let (dialect, decoded) = open(text.as_bytes()).unwrap();
        let mut strings = reader(&dialect, decoded.as_bytes());
        let mut string = ::csv::StringRecord::new();
        let mut read = Vec::new();
        while strings.read_record(&mut string).unwrap() {
            let line = record_line(string.position(), decoded.as_bytes());
            read.push((string.iter().map(String::from).collect(), line));
        }
        read.remove(0);
        read
    }

    /// What [`Records`] reads of `text` past its header, on a pool of `threads`, with the
    /// first pass's counts when `count`.
    fn read_once(text: &str, threads: usize, count: bool) -> Vec<(Vec<String>, u64)> {
        let (dialect, decoded) = open(text.as_bytes()).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut reader = reader(&dialect, decoded.as_bytes());
            assert!(reader
                .read_byte_record(&mut ::csv::ByteRecord::new())
                .unwrap());
            let kept = count.then(|| {
                let map = crate::map::Map::parse(MAP, "m.toml", None).unwrap();
                let book = super::super::read(text.as_bytes(), "s").unwrap();
                let plan = crate::plan::resolve(&map, &book).unwrap();
                let sheet = &plan.sheets[0];
                super::super::Gathered::new(&map, sheet, "s", &sheet.headers).kept_values()
            });
            let shared = Shared::new(reader, &decoded, dialect.delimiter, kept);
            rayon::in_place_scope(|scope| {
                let mut records = shared.records(scope);
                let mut read = Vec::new();
                while let Some(record) = records.next().unwrap() {
                    read.push((record.iter().map(String::from).collect(), record.line()));
                }
                read
            })
        })
    }

    /// Records read once have the fields, count and line a `StringRecord` has, with one
    /// thread or more, with the first pass or without it.
    #[test]
    fn records_read_once_are_what_a_string_record_reads() {
        for text in TEXTS {
            let expected = string_records(text);
            assert!(!expected.is_empty(), "{text:?}");
            for (threads, count) in [(1, false), (1, true), (2, false), (2, true), (3, true)] {
                assert_eq!(
                    read_once(text, threads, count),
                    expected,
                    "{text:?}, {threads}"
                );
            }
        }
    }

    /// A record without quotes, or with every field in quotes and no quote inside, is read
    /// where it is in the text; another with quotes, or one longer than 64 KiB, is copied;
    /// either way its fields are those a `StringRecord` reads.
    #[test]
    fn plain_records_are_read_in_place_and_others_copied() {
        let long = "x".repeat(70_000);
        let text = format!(
            "h1,h2\nplain,record\n\"quoted\",x\n\nafter,an empty line\r\n{long},y\n\
             \"all\",\"quoted\"\n\"\",\"\"\n\"an \"\"inner\"\" one\",\"x\"\n\"a\",\n\"last\",\"one\""
        );
        let (dialect, decoded) = open(text.as_bytes()).unwrap();
        let mut reader = reader(&dialect, decoded.as_bytes());
        assert!(reader
            .read_byte_record(&mut ::csv::ByteRecord::new())
            .unwrap());
        let shared = Shared::new(reader, &decoded, dialect.delimiter, None);
        let mut source = lock(&shared.source);
        let (mut chunk, mut copied, mut read) = (Chunk::default(), Vec::new(), Vec::new());
        while !source.ended {
            source.next_chunk(&mut chunk);
            copied.extend(chunk.spans.iter().map(|s| (s.copied, s.quoted)));
            for i in 0..chunk.len() {
                let record = chunk.record(&decoded, i).unwrap();
                read.push((record.iter().map(String::from).collect(), record.line()));
            }
        }
        let (plain, quoted, copy) = ((false, false), (false, true), (true, false));
        let expected = [plain, copy, plain, copy, quoted, quoted, copy, copy, quoted];
        assert_eq!(copied, expected);
        assert_eq!(read, string_records(&text));
    }
}
