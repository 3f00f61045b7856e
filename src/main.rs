use clap::Parser;

// Millions of small strings (cells) are made and dropped per file; mimalloc does that with
// less time and fewer page faults than the system allocator (measured in `scripts/bench.sh`).
// It is built without transparent huge pages (`no_thp`): with them, each purge of freed memory
// and each growth of a large list faulted in and zeroed whole 2 MiB pages again, which took a
// third of a 100,000-row scrub's time in the kernel.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its place in `mi_option_e`, which the bindings do not
/// name).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() {
    // Freed memory goes back to the system at once, not a second later: a large scrub frees and
    // allocates hundreds of MB in bursts, and the delay kept about 80 MB more resident at the
    // peak of a 100,000-row export, for no measurable gain in time (`scripts/bench.sh`).
    // SAFETY: sets one of the allocator's options before any other thread is started.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    dsr_scrub::install_panic_hook();
    let cli = dsr_scrub::cli::Cli::parse();
    let code = match dsr_scrub::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("dsr-scrub: error: {e}");
            e.exit_code()
        }
    };
    std::process::exit(code);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_is_the_option_set() {
        // The option the bindings name after it is the NUMA nodes' count.
        assert_eq!(
            MI_OPTION_PURGE_DELAY + 1,
            libmimalloc_sys::mi_option_use_numa_nodes
        );
        // mimalloc 3's default purge delay is a second (this test's process does not set it).
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            let delay = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
            assert_eq!(delay, 1000);
        }
    }
}
