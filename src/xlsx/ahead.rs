//! Inflate ahead: a part's decompression on another thread of the run's pool, while the thread
//! that reads it parses what was inflated before.
//!
//! The one pass over a large sheet (see [`super::stream`]) is one thread's work: inflate, parse,
//! apply, write. With a second thread, [`read_ahead`] moves the inflate to a helper task that
//! keeps a few chunks ready, and ends when they are (never waiting: the pool's other thread also
//! deflates the pass's output, see [`super::deflate`]); the reader starts another when they run
//! low. The reader never waits for a task that has not started: when no chunk is ready it
//! inflates the next one itself (the pool's other threads may be busy with other files), so the
//! result is the same bytes in the same order, with or without a helper.

use std::collections::VecDeque;
use std::io::{BufRead, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The size of a chunk read ahead.
const CHUNK: usize = 1 << 18;

/// Chunks kept ready at most.
const AHEAD: usize = 8;

/// Call `read` with a reader of `source`; with more than one thread in the pool, `source` is
/// read ahead by helper tasks (see the module's documentation) until `read` returns.
pub(crate) fn read_ahead<R: Read + Send, T>(
    source: R,
    read: impl FnOnce(&mut dyn BufRead) -> T,
) -> T {
    if rayon::current_num_threads() < 2 {
        return read(&mut std::io::BufReader::with_capacity(1 << 16, source));
    }
    let shared = Shared {
        source: Mutex::new(Source {
            inner: source,
            ended: false,
        }),
        ready: Mutex::new(Ready::default()),
        stop: AtomicBool::new(false),
    };
    rayon::in_place_scope(|scope| {
        let mut reader = Ahead {
            shared: &shared,
            scope,
            chunk: Vec::new(),
            at: 0,
        };
        lock(&shared.ready).helper = true;
        reader.spawn_helper();
        let out = read(&mut reader);
        // A helper stops at its next chunk, if it ever started; the scope waits for it.
        shared.stop.store(true, Ordering::Release);
        out
    })
}

struct Source<R> {
    inner: R,
    /// Whether the end (or an error) was read.
    ended: bool,
}

impl<R: Read> Source<R> {
    /// The next chunk, into `chunk` (a spare one, or a new one): empty at the end.
    fn next_chunk(&mut self, chunk: Option<Vec<u8>>) -> std::io::Result<Vec<u8>> {
        let mut chunk = chunk.unwrap_or_else(|| Vec::with_capacity(CHUNK));
        chunk.clear();
        let read = (&mut self.inner).take(CHUNK as u64).read_to_end(&mut chunk);
        match read {
            Ok(0) | Err(_) => self.ended = true,
            Ok(_) => {}
        }
        read.map(|_| chunk)
    }
}

#[derive(Default)]
struct Ready {
    /// Chunks read ahead, in order.
    chunks: VecDeque<std::io::Result<Vec<u8>>>,
    /// Whether a helper task is running or about to.
    helper: bool,
    /// Whether the source's end was queued.
    ended: bool,
    /// Chunks the reader is done with, to read into again (fresh memory costs page faults).
    spare: Vec<Vec<u8>>,
}

struct Shared<R> {
    source: Mutex<Source<R>>,
    ready: Mutex<Ready>,
    stop: AtomicBool,
}

/// A lock whose holder panicked leaves whole chunks: the state is sound.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<R: Read> Shared<R> {
    /// A helper: read chunks ahead until [`AHEAD`] are ready, the source ends or the reading
    /// stops; then it ends (it never waits, so that the pool's thread goes to other work) and
    /// the reader starts another when the chunks run low.
    fn fill(&self) {
        loop {
            {
                let mut ready = lock(&self.ready);
                if ready.chunks.len() >= AHEAD || ready.ended || self.stop.load(Ordering::Acquire) {
                    ready.helper = false;
                    return;
                }
            }
            // Chunks are queued while the source is held, so they stay in order.
            let mut source = lock(&self.source);
            if source.ended {
                lock(&self.ready).ended = true;
                continue;
            }
            let spare = lock(&self.ready).spare.pop();
            let chunk = source.next_chunk(spare);
            let mut ready = lock(&self.ready);
            ready.chunks.push_back(chunk);
            ready.ended = source.ended;
        }
    }

    /// The next chunk for the reader: a ready one, else one read here; and whether a helper
    /// should be started.
    fn take(&self) -> (std::io::Result<Vec<u8>>, bool) {
        if let Some(taken) = self.take_ready() {
            return taken;
        }
        let mut source = lock(&self.source);
        // A helper may have queued one while this thread waited for the source.
        if let Some(taken) = self.take_ready() {
            return taken;
        }
        if source.ended {
            return (Ok(Vec::new()), false);
        }
        let spare = lock(&self.ready).spare.pop();
        let chunk = source.next_chunk(spare);
        let start = {
            let mut ready = lock(&self.ready);
            ready.ended = source.ended;
            let start = !ready.helper && !ready.ended;
            ready.helper |= start;
            start
        };
        (chunk, start)
    }

    fn take_ready(&self) -> Option<(std::io::Result<Vec<u8>>, bool)> {
        let mut ready = lock(&self.ready);
        let chunk = ready.chunks.pop_front()?;
        let start = !ready.helper && !ready.ended && ready.chunks.len() < AHEAD / 2;
        ready.helper |= start;
        Some((chunk, start))
    }
}

/// The reader's side of [`read_ahead`].
struct Ahead<'s, 'scope, R> {
    shared: &'scope Shared<R>,
    scope: &'s rayon::Scope<'scope>,
    chunk: Vec<u8>,
    at: usize,
}

impl<R: Read + Send> Ahead<'_, '_, R> {
    /// Start a helper task (its place was taken: [`Ready::helper`]).
    fn spawn_helper(&self) {
        let shared = self.shared;
        self.scope.spawn(move |_| shared.fill());
    }
}

impl<R: Read + Send> Read for Ahead<'_, '_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read + Send> BufRead for Ahead<'_, '_, R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.at == self.chunk.len() {
            let done = std::mem::take(&mut self.chunk);
            if done.capacity() == CHUNK {
                lock(&self.shared.ready).spare.push(done);
            }
            let (chunk, start) = self.shared.take();
            if start {
                self.spawn_helper();
            }
            self.chunk = chunk?;
            self.at = 0;
        }
        Ok(&self.chunk[self.at..])
    }

    fn consume(&mut self, amount: usize) {
        self.at = (self.at + amount).min(self.chunk.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::pools::{in_pool, with_the_other_thread_busy};

    fn sample(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn every_byte_comes_in_order_with_any_number_of_threads() {
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 20 * CHUNK + 77] {
            let data = sample(len);
            for threads in [1, 2, 3] {
                let back = in_pool(threads, || {
                    read_ahead(&data[..], |r| {
                        let mut back = Vec::new();
                        // In small and odd reads, as a parser reads.
                        let mut buf = [0u8; 1000];
                        loop {
                            let n = r.read(&mut buf[..(back.len() % 999) + 1]).unwrap();
                            if n == 0 {
                                break back;
                            }
                            back.extend_from_slice(&buf[..n]);
                        }
                    })
                });
                assert!(back == data, "{len} bytes on {threads} threads");
            }
        }
    }

    #[test]
    fn a_reader_that_stops_early_or_alone_does_not_wait() {
        let data = sample(40 * CHUNK);
        // Stops after a little.
        let first = in_pool(2, || {
            read_ahead(&data[..], |r| r.fill_buf().unwrap().to_vec())
        });
        assert_eq!(first, data[..first.len()]);
        // The pool's other thread is busy until the reading is done: it reads alone.
        let all = with_the_other_thread_busy(|| {
            let mut all = Vec::new();
            read_ahead(&data[..], |r| r.read_to_end(&mut all).unwrap());
            all
        });
        assert!(all == data);
    }

    #[test]
    fn an_error_is_passed_on() {
        struct Failing(usize);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.0 == 0 {
                    return Err(std::io::Error::other("damaged"));
                }
                let n = buf.len().min(self.0);
                buf[..n].fill(b'x');
                self.0 -= n;
                Ok(n)
            }
        }
        for threads in [1, 2] {
            let result = in_pool(threads, || {
                read_ahead(Failing(3 * CHUNK + 5), |r| {
                    let mut all = Vec::new();
                    r.read_to_end(&mut all).map(|_| all.len())
                })
            });
            assert!(result.is_err(), "on {threads} threads");
        }
    }
}
