//! Deflate of the large rewritten parts on every thread of the run.
//!
//! A Dynamics export keeps nearly all its bytes in two parts, the data sheet and the shared
//! strings, and both are rewritten; compressing each of them as one stream would keep one core
//! busy while the others wait. So a part whose original is large is cut into blocks of
//! [`BLOCK`] bytes, each block is deflated on its own by zlib-rs (ending on a byte boundary with a
//! sync flush, the last one with the final block), on the run's threads, and the outputs are
//! joined in order: the result is one valid deflate stream, as pigz makes them. The blocks are
//! the same whatever the number of threads, so the output is byte-identical for any `--jobs`; a
//! block does not see the text of the one before it, which costs well under 1% of size at 1 MiB.
//!
//! Why not a crate: gzp does this for gzip with its own threads, outside `--jobs`, and primes each
//! block with the previous one only through the C zlib; the zip crate compresses one stream per
//! entry and takes no compressed data from outside. What is written here is the cutting, the
//! CRC (crc32fast) and the one-entry archive the zip crate then copies raw into the output.

use crate::error::{Problem, ReadError, WriteError};
use std::io::Write;
use zlib_rs::{Deflate, DeflateConfig, DeflateFlush, Status};

/// zlib's memory level for the blocks: 9, its largest, gives each deflate block (a Huffman
/// table and its codes) room for twice the symbols of the default 8, so the tables are built
/// half as often and cost fewer bytes; 0.98x the time of a lossless scrub with one job, and a
/// file 0.1% smaller. (flate2, which the zip crate uses, gives no way to set it.)
const MEM_LEVEL: i32 = 9;

/// A raw deflate compressor (no zlib header) at `level`.
fn compressor(level: u32) -> Deflate {
    Deflate::new_with_config(DeflateConfig {
        level: level.min(9) as i32,
        window_bits: -15,
        mem_level: MEM_LEVEL,
        ..DeflateConfig::default()
    })
}

/// The size of a block, before compression.
pub const BLOCK: usize = 1 << 20;

/// Parts whose original holds at least this many bytes (uncompressed) are deflated in blocks.
pub const PARALLEL_FROM: u64 = 4 * BLOCK as u64;

/// A writer that deflates what it is given in blocks, on the current rayon pool.
///
/// With one thread, each full block is deflated at once. With more, each full block goes to a
/// queue that a helper task on another thread of the pool works through while the writer goes
/// on (the writer's own work, parsing the sheet, then overlaps the deflate); when the helper
/// lags (the pool's other threads are busy with other files), the writer deflates from the
/// queue itself, so the queue stays short and no one ever waits for a task that has not
/// started.
pub struct BlockDeflater {
    level: u32,
    block: Vec<u8>,
    /// The most blocks left in the helper's queue (twice the threads) before the writer
    /// deflates one itself.
    backlog: usize,
    /// The helper's queue, with more than one thread.
    queue: Option<std::sync::Arc<Queue>>,
    /// Blocks given to the queue, and how many of them are in `out`.
    queued: usize,
    joined: usize,
    out: Spool,
    crc: crc32fast::Hasher,
    size: u64,
}

/// Where a [`BlockDeflater`] puts the deflated stream: in memory, or in a temporary file (a
/// large sheet's stream is tens of MB, held until the rest of the output is known), after room
/// left for the entry's local header (see [`one_entry_archive`]).
pub enum Spool {
    /// The stream in memory.
    Memory(Vec<u8>),
    /// The stream in an unnamed temporary file (removed by the system when it is closed, or
    /// when the process ends), from byte `at`; `len` bytes of it so far, and the block being
    /// moved there.
    File {
        file: std::fs::File,
        at: u64,
        len: u64,
        scratch: Vec<u8>,
    },
}

impl Spool {
    /// The stream's length so far.
    fn len(&self) -> u64 {
        match self {
            Spool::Memory(data) => data.len() as u64,
            Spool::File { len, .. } => *len,
        }
    }

    fn append(&mut self, deflated: &[u8]) -> std::io::Result<()> {
        match self {
            Spool::Memory(data) => data.extend_from_slice(deflated),
            Spool::File { file, len, .. } => {
                file.write_all(deflated)?;
                *len += deflated.len() as u64;
            }
        }
        Ok(())
    }

    /// Deflate `block` onto the end of the stream.
    fn deflate(&mut self, block: &[u8], level: u32, last: bool) -> std::io::Result<()> {
        match self {
            Spool::Memory(data) => deflate_into(block, level, last, data),
            Spool::File {
                file, len, scratch, ..
            } => {
                scratch.clear();
                deflate_into(block, level, last, scratch)?;
                file.write_all(scratch)?;
                *len += scratch.len() as u64;
                Ok(())
            }
        }
    }
}

/// The blocks waiting to be deflated, and the deflated ones waiting to be joined.
struct Queue {
    level: u32,
    state: std::sync::Mutex<QueueState>,
    /// Signalled when a block is deflated.
    deflated: std::sync::Condvar,
}

#[derive(Default)]
struct QueueState {
    /// Block number, bytes, whether it is the last.
    waiting: std::collections::VecDeque<(usize, Vec<u8>, bool)>,
    done: std::collections::BTreeMap<usize, std::io::Result<Vec<u8>>>,
    /// Blocks being deflated.
    busy: usize,
    /// Buffers of blocks deflated, and of deflated blocks joined, to be used again: a new
    /// buffer for each block of a large part would be memory the system maps afresh each time
    /// (a third of the page faults of a scrub with two jobs).
    spare_blocks: Vec<Vec<u8>>,
    spare_outs: Vec<Vec<u8>>,
    /// Whether a helper task is running or about to.
    helper: bool,
}

impl Queue {
    fn lock(&self) -> std::sync::MutexGuard<'_, QueueState> {
        // A thread that panicked holding the lock left whole blocks: the state is sound.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Deflate the next waiting block; `false` when none waits (then a `helper` stops, in the
    /// same step, so that a block queued after it sees no helper and starts one).
    fn deflate_next(&self, helper: bool) -> bool {
        let (n, mut block, last, mut out) = {
            let mut state = self.lock();
            match state.waiting.pop_front() {
                Some((n, block, last)) => {
                    state.busy += 1;
                    (n, block, last, state.spare_outs.pop().unwrap_or_default())
                }
                None => {
                    if helper {
                        state.helper = false;
                    }
                    return false;
                }
            }
        };
        let deflated = deflate_into(&block, self.level, last, &mut out).map(|()| out);
        block.clear();
        let mut state = self.lock();
        state.busy -= 1;
        state.spare_blocks.push(block);
        state.done.insert(n, deflated);
        self.deflated.notify_all();
        true
    }
}

/// A hand for a [`BlockDeflater`]'s queue, from another thread than its writer's (see
/// [`BlockDeflater::help`]).
pub struct Help(std::sync::Arc<Queue>);

impl Help {
    /// Deflate the next block waiting, if one is (`false` when none is): work for a thread
    /// that would otherwise wait.
    pub fn deflate_one(&self) -> bool {
        self.0.deflate_next(false)
    }
}

/// A part deflated by a [`BlockDeflater`].
pub struct Deflated {
    /// The raw deflate stream.
    pub data: Spool,
    /// CRC-32 of the uncompressed bytes.
    pub crc: u32,
    /// The uncompressed size.
    pub size: u64,
}

impl BlockDeflater {
    /// A deflater at `level` (0-9), into memory.
    pub fn new(level: u32) -> BlockDeflater {
        BlockDeflater::into_spool(level, Spool::Memory(Vec::new()))
    }

    /// A deflater at `level` (0-9) into `file`, a new temporary file, with room for the local
    /// header of `name` at its start (see [`one_entry_archive`]).
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn spooled(level: u32, mut file: std::fs::File, name: &str) -> std::io::Result<Self> {
        use std::io::Seek;
        let at = local_header_len(name);
        file.seek(std::io::SeekFrom::Start(at))?;
        Ok(BlockDeflater::into_spool(
            level,
            Spool::File {
                file,
                at,
                len: 0,
                scratch: Vec::new(),
            },
        ))
    }

    fn into_spool(level: u32, out: Spool) -> BlockDeflater {
        let level = level.min(9);
        let threads = rayon::current_num_threads().max(1);
        BlockDeflater {
            level,
            block: Vec::with_capacity(BLOCK),
            backlog: 2 * threads,
            queue: (threads > 1).then(|| {
                std::sync::Arc::new(Queue {
                    level,
                    state: std::sync::Mutex::new(QueueState::default()),
                    deflated: std::sync::Condvar::new(),
                })
            }),
            queued: 0,
            joined: 0,
            out,
            crc: crc32fast::Hasher::new(),
            size: 0,
        }
    }

    /// A hand for the blocks waiting to be deflated, with more than one thread (with one, each
    /// block is deflated as it fills).
    pub fn help(&self) -> Option<Help> {
        self.queue.clone().map(Help)
    }

    /// Deflate the full block (or the `last` one): here with one thread, straight into the
    /// output, the block's buffer then reused; else through the helper's queue.
    fn deflate(&mut self, last: bool) -> std::io::Result<()> {
        match self.queue.clone() {
            Some(queue) => {
                let next = match queue.lock().spare_blocks.pop() {
                    Some(spare) => spare,
                    None => Vec::with_capacity(if last { 0 } else { BLOCK }),
                };
                let block = std::mem::replace(&mut self.block, next);
                self.enqueue(&queue, block, last)
            }
            None => {
                self.out.deflate(&self.block, self.level, last)?;
                self.block.clear();
                Ok(())
            }
        }
    }

    /// Give a full block (or the `last` one) to the helper's queue, starting a helper when none
    /// runs; deflate from the queue here while it holds more than `backlog`; join what is
    /// done.
    fn enqueue(
        &mut self,
        queue: &std::sync::Arc<Queue>,
        block: Vec<u8>,
        last: bool,
    ) -> std::io::Result<()> {
        let (start, backlog) = {
            let mut state = queue.lock();
            state.waiting.push_back((self.queued, block, last));
            let start = !state.helper;
            state.helper = true;
            (start, state.waiting.len())
        };
        self.queued += 1;
        if start {
            let helper = std::sync::Arc::clone(queue);
            rayon::spawn(move || while helper.deflate_next(true) {});
        }
        if backlog > self.backlog {
            queue.deflate_next(false);
        }
        self.join_done(queue)
    }

    /// Append the deflated blocks that come next, in order.
    fn join_done(&mut self, queue: &Queue) -> std::io::Result<()> {
        let mut state = queue.lock();
        while let Some(deflated) = state.done.remove(&self.joined) {
            let mut deflated = deflated?;
            self.out.append(&deflated)?;
            self.joined += 1;
            deflated.clear();
            state.spare_outs.push(deflated);
        }
        Ok(())
    }

    /// Compress what is left and return the stream.
    ///
    /// # Errors
    /// zlib-rs's error, as an I/O error.
    pub fn finish(mut self) -> std::io::Result<Deflated> {
        self.deflate(true)?;
        if let Some(queue) = self.queue.take() {
            // What no helper took yet is deflated here; then only blocks being deflated, which
            // will be done, are waited for.
            while queue.deflate_next(false) {}
            {
                let mut state = queue.lock();
                while state.busy > 0 {
                    state = queue
                        .deflated
                        .wait(state)
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                }
            }
            self.join_done(&queue)?;
            if self.joined != self.queued {
                return Err(std::io::Error::other("a deflated block is missing"));
            }
        }
        Ok(Deflated {
            data: self.out,
            crc: self.crc.finalize(),
            size: self.size,
        })
    }
}

impl Write for BlockDeflater {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = BLOCK - self.block.len();
        let taken = &buf[..buf.len().min(room)];
        self.block.extend_from_slice(taken);
        self.crc.update(taken);
        self.size += taken.len() as u64;
        if self.block.len() == BLOCK {
            self.deflate(false)?;
        }
        Ok(taken.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

thread_local! {
    /// Each thread's compressor and its level, reset for each block: a new one allocates and
    /// clears its tables (hundreds of KB) for every block of a large part.
    static COMPRESS: std::cell::RefCell<Option<(u32, Deflate)>> =
        const { std::cell::RefCell::new(None) };
}

/// Deflate one block, appended to `out`: ended by a sync flush (an empty stored block, so the
/// next block starts on a byte boundary), or, for the `last` block, by the final block of the
/// stream.
fn deflate_into(input: &[u8], level: u32, last: bool, out: &mut Vec<u8>) -> std::io::Result<()> {
    COMPRESS.with(|cell| {
        let mut cached = cell.borrow_mut();
        let compress = match &mut *cached {
            Some((at, compress)) if *at == level => {
                compress.reset();
                compress
            }
            slot => &mut slot.insert((level, compressor(level))).1,
        };
        deflate_with(compress, input, last, out)
    })
}

/// Deflate `input` with `compress` (fresh or reset), appending to `out`.
fn deflate_with(
    compress: &mut Deflate,
    input: &[u8],
    last: bool,
    out: &mut Vec<u8>,
) -> std::io::Result<()> {
    let flush = if last {
        DeflateFlush::Finish
    } else {
        DeflateFlush::SyncFlush
    };
    let (first_in, mut consumed) = (compress.total_in(), 0);
    loop {
        // Room for half the input left (XML deflates to a fraction of that), made of zeros:
        // the compressor writes into initialized bytes, and the room it leaves is cut off.
        let at = out.len();
        let room = (input.len() - consumed) / 2 + 1024;
        out.resize(at + room, 0);
        let first_out = compress.total_out();
        let status = compress
            .compress(&input[consumed..], &mut out[at..], flush)
            .map_err(|e| std::io::Error::other(e.as_str()))?;
        let wrote = usize::try_from(compress.total_out() - first_out).unwrap_or(room);
        out.truncate(at + wrote);
        consumed = usize::try_from(compress.total_in() - first_in).unwrap_or(input.len());
        // Done when the stream ended (last block), or when all input is in and the output did
        // not fill its room (the flush is complete).
        if status == Status::StreamEnd || (!last && consumed == input.len() && wrote < room) {
            return Ok(());
        }
    }
}

/// The length of the local header [`one_entry_archive`] writes for `name`.
fn local_header_len(name: &str) -> u64 {
    30 + name.len() as u64
}

/// A one-entry zip archive (see [`one_entry_archive`]): in memory, or in a temporary file.
pub enum Archive {
    /// The archive's bytes.
    Memory(Vec<u8>),
    /// An unnamed temporary file holding the archive.
    File(std::fs::File),
}

impl Archive {
    /// The archive, to copy its entry from.
    ///
    /// # Errors
    /// The zip crate's, when the archive cannot be read.
    pub fn open(&self) -> zip::result::ZipResult<zip::ZipArchive<ArchiveReader<'_>>> {
        let reader = match self {
            Archive::Memory(data) => ArchiveReader::Memory(std::io::Cursor::new(data)),
            Archive::File(file) => {
                ArchiveReader::File(std::io::BufReader::with_capacity(1 << 16, file))
            }
        };
        zip::ZipArchive::new(reader)
    }
}

/// A reader of an [`Archive`].
pub enum ArchiveReader<'a> {
    /// The archive in memory.
    Memory(std::io::Cursor<&'a Vec<u8>>),
    /// The archive's file.
    File(std::io::BufReader<&'a std::fs::File>),
}

impl std::io::Read for ArchiveReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            ArchiveReader::Memory(r) => r.read(buf),
            ArchiveReader::File(r) => r.read(buf),
        }
    }
}

impl std::io::Seek for ArchiveReader<'_> {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        match self {
            ArchiveReader::Memory(r) => r.seek(pos),
            ArchiveReader::File(r) => r.seek(pos),
        }
    }
}

/// A one-entry zip archive (stored without data descriptor, no extra fields) holding `name`
/// deflated as `deflated`, dated `modified`: what the zip crate reads and copies raw into the
/// output, as it does with entries it compressed itself. Built where the deflated stream is
/// (the header put before it, the directory after it), not in a copy: a large sheet's stream
/// is tens of MB.
///
/// # Errors
/// [`ReadError::TooLarge`] for a part of 4 GiB or more (past the zip format without Zip64, and
/// past the default `--max-unpacked`); a write error when the temporary file cannot be
/// written.
pub fn one_entry_archive(
    name: &str,
    modified: zip::DateTime,
    deflated: Deflated,
) -> Result<Archive, Problem> {
    let too_large = || ReadError::TooLarge {
        what: format!("part '{name}' unpacks to 4 GiB or more"),
        flag: "--max-unpacked",
    };
    let size = u32::try_from(deflated.size).map_err(|_| too_large())?;
    let compressed = u32::try_from(deflated.data.len()).map_err(|_| too_large())?;
    let name_len = u16::try_from(name.len()).map_err(|_| too_large())?;
    // Bit 11: the name is UTF-8.
    let flags: u16 = if name.is_ascii() { 0 } else { 1 << 11 };
    let (time, date) = (modified.timepart(), modified.datepart());
    let put16 = |out: &mut Vec<u8>, v: u16| out.extend_from_slice(&v.to_le_bytes());
    let put32 = |out: &mut Vec<u8>, v: u32| out.extend_from_slice(&v.to_le_bytes());
    // What the local header and the central directory both say of the entry, from "version
    // needed" to the extra field's length.
    let entry = |out: &mut Vec<u8>| {
        put16(out, 20); // version needed: deflate
        put16(out, flags);
        put16(out, 8); // deflated
        put16(out, time);
        put16(out, date);
        put32(out, deflated.crc);
        put32(out, compressed);
        put32(out, size);
        put16(out, name_len);
        put16(out, 0); // no extra field
    };
    // Local file header.
    let mut header = Vec::with_capacity(30 + name.len());
    put32(&mut header, 0x0403_4b50);
    entry(&mut header);
    header.extend_from_slice(name.as_bytes());
    // Central directory.
    let directory =
        u32::try_from(header.len() as u64 + u64::from(compressed)).map_err(|_| too_large())?;
    let mut tail = Vec::with_capacity(2 * (46 + name.len()));
    put32(&mut tail, 0x0201_4b50);
    put16(&mut tail, 20); // made by: MS-DOS, version 2.0
    entry(&mut tail);
    put16(&mut tail, 0); // comment
    put16(&mut tail, 0); // disk
    put16(&mut tail, 0); // internal attributes
    put32(&mut tail, 0); // external attributes
    put32(&mut tail, 0); // offset of the local header
    tail.extend_from_slice(name.as_bytes());
    let directory_len = tail.len();
    // End of central directory.
    put32(&mut tail, 0x0605_4b50);
    put16(&mut tail, 0);
    put16(&mut tail, 0);
    put16(&mut tail, 1);
    put16(&mut tail, 1);
    put32(&mut tail, directory_len as u32);
    put32(&mut tail, directory);
    put16(&mut tail, 0);
    match deflated.data {
        Spool::Memory(mut out) => {
            out.reserve_exact(header.len() + tail.len());
            out.splice(0..0, header);
            out.extend_from_slice(&tail);
            Ok(Archive::Memory(out))
        }
        Spool::File { mut file, at, .. } => {
            use std::io::Seek;
            if at != header.len() as u64 {
                return Err(Problem::Internal);
            }
            let written = (|| {
                file.write_all(&tail)?;
                file.seek(std::io::SeekFrom::Start(0))?;
                file.write_all(&header)?;
                file.flush()
            })();
            written.map_err(|e| WriteError::Output(e.kind()))?;
            Ok(Archive::File(file))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn sample(len: usize) -> Vec<u8> {
        // Text like a sheet's XML: repetitive, with some variety.
        let mut text = Vec::with_capacity(len + 64);
        let mut n = 0u64;
        while text.len() < len {
            n = n
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            text.extend_from_slice(
                format!("<c r=\"A{}\" t=\"s\"><v>{}</v></c>", n % 997, n >> 50).as_bytes(),
            );
        }
        text.truncate(len);
        text
    }

    fn deflate_in_pool(data: &[u8], threads: usize, chunk: usize) -> Deflated {
        deflate_into_pool(data, threads, chunk, None)
    }

    /// `data` deflated on `threads` threads, given in writes of `chunk` bytes, into memory or
    /// into a temporary file with room for `name`'s header.
    fn deflate_into_pool(
        data: &[u8],
        threads: usize,
        chunk: usize,
        spooled_as: Option<&str>,
    ) -> Deflated {
        crate::testdata::pools::in_pool(threads, || {
            let mut d = match spooled_as {
                Some(name) => {
                    BlockDeflater::spooled(3, tempfile::tempfile().unwrap(), name).unwrap()
                }
                None => BlockDeflater::new(3),
            };
            for piece in data.chunks(chunk) {
                d.write_all(piece).unwrap();
            }
            d.finish().unwrap()
        })
    }

    /// The stream of a deflater into memory.
    fn stream(deflated: &Deflated) -> &Vec<u8> {
        match &deflated.data {
            Spool::Memory(data) => data,
            Spool::File { .. } => panic!("a stream in memory was expected"),
        }
    }

    /// The entry of a one-entry archive, unpacked (the zip crate checks its CRC).
    fn unpack(archive: &Archive, name: &str) -> Vec<u8> {
        let mut zip = archive.open().unwrap();
        let mut entry = zip.by_index(0).unwrap();
        assert_eq!(entry.name().unwrap(), name);
        let mut back = Vec::new();
        entry.read_to_end(&mut back).unwrap();
        back
    }

    #[test]
    fn the_archive_unpacks_to_the_input_with_its_crc() {
        for len in [0, 1, 1000, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 12_345] {
            let data = sample(len);
            let name = "xl/worksheets/sheet1.xml";
            let deflated = deflate_in_pool(&data, 2, 7_000);
            assert_eq!(deflated.size, len as u64);
            assert_eq!(deflated.crc, crc32fast::hash(&data));
            let in_memory = stream(&deflated).clone();
            let archive = one_entry_archive(name, zip::DateTime::default(), deflated).unwrap();
            assert!(matches!(archive, Archive::Memory(_)));
            assert_eq!(unpack(&archive, name), data, "{len} bytes");
            // Spooled to a file, the same stream, in an archive that unpacks the same.
            for threads in [1, 2] {
                let spooled = deflate_into_pool(&data, threads, 7_000, Some(name));
                assert_eq!(spooled.data.len(), in_memory.len() as u64);
                let archive = one_entry_archive(name, zip::DateTime::default(), spooled).unwrap();
                let Archive::File(mut file) = archive else {
                    panic!("a spooled stream makes an archive in its file")
                };
                let mut whole = Vec::new();
                std::io::Seek::rewind(&mut file).unwrap();
                file.read_to_end(&mut whole).unwrap();
                let at = local_header_len(name) as usize;
                assert_eq!(
                    whole[at..at + in_memory.len()],
                    in_memory[..],
                    "{len} bytes"
                );
                let archive = Archive::File(file);
                assert_eq!(
                    unpack(&archive, name),
                    data,
                    "{len} bytes, {threads} thread(s)"
                );
            }
        }
    }

    /// Blocks deflated by a hand on another thread, as the sheet's writer deflates them while
    /// it waits for rows (see [`Help`]), join into the stream one thread makes; with one thread
    /// there is no queue to help with.
    #[test]
    fn a_hand_from_another_thread_deflates_into_the_same_stream() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let data = sample(4 * BLOCK + 4_321);
        let alone = deflate_in_pool(&data, 1, 65_536);
        let helped = crate::testdata::pools::in_pool(2, || {
            // The pool's other thread is kept busy, so that its helper task does not take the
            // blocks: each one is the hand's.
            let (started, release) = (AtomicBool::new(false), AtomicBool::new(false));
            rayon::scope(|scope| {
                scope.spawn(|_| {
                    started.store(true, Ordering::Release);
                    while !release.load(Ordering::Acquire) {
                        std::thread::yield_now();
                    }
                });
                while !started.load(Ordering::Acquire) {
                    std::thread::yield_now();
                }
                // Released however this ends, so that a failed check does not keep the scope
                // waiting for the busy task.
                struct Release<'r>(&'r AtomicBool);
                impl Drop for Release<'_> {
                    fn drop(&mut self) {
                        self.0.store(true, Ordering::Release);
                    }
                }
                let _release = Release(&release);
                let mut d = BlockDeflater::new(3);
                let help = d.help().expect("a queue with two threads");
                let mut by_hand = 0;
                for block in data.chunks(BLOCK) {
                    d.write_all(block).unwrap();
                    let took = std::thread::scope(|s| s.spawn(|| help.deflate_one()).join());
                    by_hand += usize::from(took.unwrap());
                }
                assert!(!help.deflate_one(), "no block waits");
                (d.finish().unwrap(), by_hand)
            })
        });
        let (helped, by_hand) = helped;
        assert_eq!(
            by_hand,
            data.len() / BLOCK,
            "each full block waits for the hand"
        );
        assert_eq!(stream(&helped), stream(&alone));
        assert_eq!(helped.crc, alone.crc);
        crate::testdata::pools::in_pool(1, || assert!(BlockDeflater::new(3).help().is_none()));
    }

    #[test]
    fn a_spooled_stream_for_another_name_is_refused() {
        let deflated = deflate_into_pool(b"hello", 1, 5, Some("xl/a.xml"));
        assert!(one_entry_archive("xl/ab.xml", zip::DateTime::default(), deflated).is_err());
    }

    #[test]
    fn the_bytes_do_not_depend_on_threads_or_write_sizes() {
        let data = sample(5 * BLOCK + 999);
        let one = deflate_in_pool(&data, 1, 65_536);
        let two = deflate_in_pool(&data, 2, 1_000);
        let four = deflate_in_pool(&data, 4, 3 * BLOCK);
        assert_eq!(stream(&one), stream(&two));
        assert_eq!(stream(&one), stream(&four));
        assert_eq!(one.crc, four.crc);
        // Compressed for real, and not much larger than one stream.
        let mut single =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(3));
        single.write_all(&data).unwrap();
        let single = single.finish().unwrap();
        assert!(stream(&one).len() < data.len() / 3);
        assert!(
            stream(&one).len() * 100 < single.len() * 102,
            "{} vs {}",
            stream(&one).len(),
            single.len()
        );
    }

    /// A block that deflates to more than the room first given to its output (bytes that do
    /// not compress: an embedded image's, say) is deflated whole, as the last block and as one
    /// before another, and inflates back to what it was.
    #[test]
    fn a_block_that_does_not_compress_is_deflated_whole() {
        let mut n = 7u64;
        let noise: Vec<u8> = (0..BLOCK + 4_321)
            .map(|_| {
                n ^= n << 13;
                n ^= n >> 7;
                n ^= n << 17;
                (n >> 24) as u8
            })
            .collect();
        let mut out = Vec::new();
        deflate_into(&noise, 2, false, &mut out).unwrap();
        let first = out.len();
        assert!(first > noise.len(), "{first} bytes for {}", noise.len());
        deflate_into(&noise[..5_000], 2, true, &mut out).unwrap();
        let mut back = Vec::new();
        flate2::read::DeflateDecoder::new(&out[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back.len(), noise.len() + 5_000);
        assert!(back[..noise.len()] == noise[..] && back[noise.len()..] == noise[..5_000]);
    }

    /// A thread's compressor, reset for each block and each level, deflates a block to the
    /// bytes a new one does.
    #[test]
    fn a_reused_compressor_deflates_as_a_new_one() {
        let data = sample(BLOCK);
        let fresh = |level: u32, last: bool| {
            let mut out = Vec::new();
            let mut compress = compressor(level);
            deflate_with(&mut compress, &data, last, &mut out).unwrap();
            out
        };
        // In a new buffer, and in one used before (cleared, its room kept), as the queue's
        // buffers are.
        let mut used = Vec::new();
        for (level, last) in [(3, false), (3, true), (6, false), (3, false), (1, true)] {
            let mut new = Vec::new();
            deflate_into(&data, level, last, &mut new).unwrap();
            assert_eq!(new, fresh(level, last));
            used.clear();
            deflate_into(&data, level, last, &mut used).unwrap();
            assert_eq!(used, fresh(level, last));
        }
        // Appended to what the output holds.
        let mut out = b"head".to_vec();
        deflate_into(&data, 3, false, &mut out).unwrap();
        assert_eq!(&out[..4], b"head");
        assert_eq!(out[4..], fresh(3, false));
    }

    #[test]
    fn the_writer_deflates_alone_when_no_thread_is_free() {
        // The pool's other thread is busy until the deflate is done: the helper never runs,
        // and the writer does it all, to the same bytes.
        let data = sample(9 * BLOCK + 5);
        let one = deflate_in_pool(&data, 1, 65_536);
        let alone = crate::testdata::pools::with_the_other_thread_busy(|| {
            let mut d = BlockDeflater::new(3);
            for piece in data.chunks(100_000) {
                d.write_all(piece).unwrap();
            }
            d.finish().unwrap()
        });
        assert_eq!(stream(&alone), stream(&one));
        assert_eq!(alone.crc, one.crc);
    }

    #[test]
    fn a_non_ascii_name_is_marked_utf8() {
        let deflated = deflate_in_pool(b"hello", 1, 5);
        let archive =
            one_entry_archive("xl/Blätter/ä.xml", zip::DateTime::default(), deflated).unwrap();
        assert_eq!(unpack(&archive, "xl/Blätter/ä.xml"), b"hello");
    }
}
