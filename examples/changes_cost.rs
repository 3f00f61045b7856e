//! The changes file alone: both layouts written for the same scrub of a generated Disabled
//! Users export with the built-in `systemuser` profile, alternating runs; prints the median
//! time and size of each and their ratios.
//!
//! ```text
//! cargo run --release --example changes_cost                 # 100,000 rows
//! cargo run --release --example changes_cost -- --rows 20000
//! ```

use dsr_scrub::changes::{self, ChangesFormat};
use dsr_scrub::map::Map;
use dsr_scrub::profiles;
use dsr_scrub::testdata::{self, Options};
use std::time::{Duration, Instant};

const RUNS: usize = 5;

fn main() {
    let mut rows = 100_000;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--rows" {
            rows = args.next().and_then(|n| n.parse().ok()).expect("--rows N");
        }
    }
    eprintln!("generating a {rows}-row export...");
    let export = testdata::disabled_users(&Options {
        rows,
        seed: 1,
        ..Options::default()
    });
    let book = dsr_scrub::csv::read(&export.to_csv(), "Disabled Users").expect("read");
    let map = Map::parse(
        profiles::find("systemuser").unwrap().toml,
        "profile systemuser",
        None,
    )
    .unwrap();
    let plan = dsr_scrub::plan::resolve(&map, &book).expect("plan");
    let changes = dsr_scrub::apply::apply_plan(&map, &plan, &book);
    let cells: usize = changes.iter().map(|c| c.cells.len()).sum();
    println!("{rows} rows, {cells} changed cells");
    let formats = [ChangesFormat::Rows, ChangesFormat::Cells];
    let mut times = vec![Vec::new(); formats.len()];
    let mut sizes = vec![0; formats.len()];
    let mut out = Vec::with_capacity(200 << 20);
    for _ in 0..RUNS {
        for (i, &format) in formats.iter().enumerate() {
            out.clear();
            let start = Instant::now();
            changes::write_changes_as(&mut out, format, &map, &book, &plan, &changes)
                .expect("write");
            times[i].push(start.elapsed());
            sizes[i] = out.len();
        }
    }
    let median = |t: &mut Vec<Duration>| {
        t.sort();
        t[t.len() / 2]
    };
    let medians: Vec<Duration> = times.iter_mut().map(median).collect();
    for (i, format) in formats.iter().enumerate() {
        println!(
            "{:>5}: {:>8.1} ms, {:>6.1} MB",
            format.name(),
            medians[i].as_secs_f64() * 1e3,
            sizes[i] as f64 / 1e6
        );
    }
    println!(
        "rows / cells: time {:.2}x, size {:.3}x (1/{:.1})",
        medians[0].as_secs_f64() / medians[1].as_secs_f64(),
        sizes[0] as f64 / sizes[1] as f64,
        sizes[1] as f64 / sizes[0] as f64
    );
}
