//! Thread pools for tests of the helper tasks (deflate behind, inflate ahead, the CSV sweep's
//! sifting): a pool of a given size, and a pool whose other thread is busy, so that no helper a
//! piece of work starts can run beside it (as when the other threads scrub other files).

use std::sync::atomic::{AtomicBool, Ordering};

/// `work` run in a pool of `threads` threads.
///
/// # Panics
/// When the pool cannot be built.
pub fn in_pool<T: Send>(threads: usize, work: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool")
        .install(work)
}

/// `work` run in a pool of two threads whose other thread is busy until `work` is done.
///
/// # Panics
/// When the pool cannot be built.
pub fn with_the_other_thread_busy<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    let done = AtomicBool::new(false);
    in_pool(2, || {
        rayon::scope(|s| {
            s.spawn(|_| {
                while !done.load(Ordering::Acquire) {
                    std::thread::yield_now();
                }
            });
            // Until the other thread took the busy task.
            std::thread::sleep(std::time::Duration::from_millis(50));
            let out = work();
            done.store(true, Ordering::Release);
            out
        })
    })
}
