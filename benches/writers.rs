//! Lossless versus rebuild: scrub the same export with both xlsx writers, alternating runs, and
//! print the median wall time of each and their ratio.
//!
//! ```text
//! cargo bench --bench writers                  # a generated 20,000-row export
//! cargo bench --bench writers -- --rows 100000 # a bigger generated export
//! cargo bench --bench writers -- FILE.xlsx     # an export of your own
//! ```

use dsr_scrub::map::Map;
use dsr_scrub::pipeline::{self, Settings};
use dsr_scrub::profiles;
use dsr_scrub::report::Status;
use dsr_scrub::testdata::{self, Options};
use std::path::PathBuf;
use std::time::{Duration, Instant};

const RUNS: usize = 3;

fn main() {
    let mut rows = 20_000;
    let mut input: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rows" => rows = args.next().and_then(|n| n.parse().ok()).expect("--rows N"),
            path => input = Some(PathBuf::from(path)),
        }
    }
    let work = tempfile::tempdir().expect("temp dir");
    let input = input.unwrap_or_else(|| {
        let path = work.path().join("export.xlsx");
        eprintln!("generating a {rows}-row export...");
        let export = testdata::disabled_users(&Options {
            rows,
            seed: 1,
            ..Options::default()
        });
        std::fs::write(&path, export.to_xlsx()).expect("write export");
        path
    });
    let map = Map::parse(
        profiles::find("systemuser").unwrap().toml,
        "profile systemuser",
        None,
    )
    .unwrap();
    let size = std::fs::metadata(&input).expect("input exists").len();
    println!("input: {} ({:.1} MB)", input.display(), size as f64 / 1e6);

    let mut times: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
    let mut sizes = [0u64; 2];
    for run in 0..RUNS {
        for (i, rebuild) in [false, true].into_iter().enumerate() {
            let out = work.path().join(format!("out-{run}-{i}"));
            std::fs::create_dir_all(&out).unwrap();
            let jobs = pipeline::plan_jobs(std::slice::from_ref(&input), &out).unwrap();
            let settings = Settings {
                rebuild,
                ..Settings::default()
            };
            let start = Instant::now();
            let report = pipeline::run_job(&map, &jobs[0], &settings);
            times[i].push(start.elapsed());
            assert_eq!(report.status, Status::Ok, "{:?}", report.error);
            sizes[i] = std::fs::metadata(&jobs[0].output).unwrap().len();
        }
    }
    let median = |t: &mut Vec<Duration>| {
        t.sort();
        t[t.len() / 2]
    };
    let (lossless, rebuild) = (median(&mut times[0]), median(&mut times[1]));
    println!(
        "lossless: {:>8.2} s  output {:.1} MB",
        lossless.as_secs_f64(),
        sizes[0] as f64 / 1e6
    );
    println!(
        "rebuild:  {:>8.2} s  output {:.1} MB",
        rebuild.as_secs_f64(),
        sizes[1] as f64 / 1e6
    );
    println!(
        "lossless / rebuild = {:.2}",
        lossless.as_secs_f64() / rebuild.as_secs_f64()
    );
}
