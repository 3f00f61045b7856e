//! What the leak sweep costs: one generated Disabled Users export scrubbed with the built-in
//! `systemuser` profile, with and without the sweep, alternating, in one process; prints the
//! median times and their ratio, for `.xlsx` (lossless) and `.csv`.
//!
//! ```text
//! cargo run --release --example sweep_cost               # 100,000 rows, 5 runs of each
//! cargo run --release --example sweep_cost -- 20000 3    # ROWS RUNS
//! cargo run --release --example sweep_cost -- 100000 5 csv   # the CSV only
//! ```
//!
//! It allocates with mimalloc, as the command does.

use dsr_scrub::map::Map;
use dsr_scrub::pipeline::{self, Settings};
use dsr_scrub::profiles;
use dsr_scrub::report::Status;
use dsr_scrub::testdata::{disabled_users, Options};
use std::path::Path;
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut args = std::env::args().skip(1);
    let rows: usize = args.next().map_or(100_000, |a| a.parse().expect("ROWS"));
    let runs: usize = args.next().map_or(5, |a| a.parse().expect("RUNS"));
    let csv_only = args.next().is_some_and(|a| a == "csv");
    let work = std::env::temp_dir().join(format!("dsr-sweep-cost-{}", std::process::id()));
    std::fs::create_dir_all(&work).expect("work folder");
    let export = disabled_users(&Options {
        rows,
        seed: 1,
        ..Options::default()
    });
    let xlsx = work.join("disabled-users.xlsx");
    let csv = work.join("disabled-users.csv");
    if !csv_only {
        std::fs::write(&xlsx, export.to_xlsx()).expect("xlsx");
    }
    std::fs::write(&csv, export.to_csv()).expect("csv");
    let map = Map::parse(
        profiles::find("systemuser").expect("profile").toml,
        "profile systemuser",
        None,
    )
    .expect("profile parses");
    let inputs = if csv_only {
        vec![&csv]
    } else {
        vec![&xlsx, &csv]
    };
    for input in inputs {
        let (mut with, mut without) = (Vec::new(), Vec::new());
        for run in 0..runs {
            // Alternate which goes first, so that neither always runs on a warmer cache.
            for sweep in if run % 2 == 0 {
                [true, false]
            } else {
                [false, true]
            } {
                let time = scrub(&map, input, &work, sweep);
                if sweep { &mut with } else { &mut without }.push(time);
            }
        }
        let (with, without) = (median(&mut with), median(&mut without));
        println!(
            "{}: {rows} rows, {runs} runs each: with sweep {:.3} s, without {:.3} s, ratio {:.3}",
            input.file_name().unwrap_or_default().to_string_lossy(),
            with.as_secs_f64(),
            without.as_secs_f64(),
            with.as_secs_f64() / without.as_secs_f64()
        );
        if input == &xlsx {
            // The sweep alone, on what the scrub holds when it runs.
            let bytes = std::fs::read(&xlsx).expect("input");
            let book = dsr_scrub::xlsx::read(&bytes).expect("workbook");
            let plan = dsr_scrub::plan::resolve(&map, &book).expect("plan");
            let changes = dsr_scrub::apply::apply_plan(&map, &plan, &book);
            let output =
                std::fs::read(work.join("with").join("disabled-users.xlsx")).expect("output");
            let mut alone = Vec::new();
            for _ in 0..runs {
                let start = Instant::now();
                dsr_scrub::verify::sweep::sweep(
                    &map,
                    &book,
                    &plan,
                    &changes,
                    Some(&bytes),
                    &|| Ok(vec![output.clone()]),
                )
                .expect("sweep passes");
                alone.push(start.elapsed());
            }
            println!(
                "the sweep alone on the xlsx: {:.3} s",
                median(&mut alone).as_secs_f64()
            );
        }
    }
    let _ = std::fs::remove_dir_all(&work);
}

fn scrub(map: &Map, input: &Path, work: &Path, sweep: bool) -> Duration {
    let out = work.join(if sweep { "with" } else { "without" });
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).expect("output folder");
    let jobs = pipeline::plan_jobs(&[input.to_path_buf()], &out).expect("jobs");
    let settings = Settings {
        no_sweep: !sweep,
        ..Settings::default()
    };
    let start = Instant::now();
    let report = pipeline::run_job(map, &jobs[0], &settings);
    let time = start.elapsed();
    assert_eq!(report.status, Status::Ok, "{:?}", report.error);
    time
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}
