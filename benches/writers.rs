//! Lossless versus rebuild: scrub the same export with both xlsx writers, alternating runs, and
//! print the median wall time of each and their ratio.
//!
//! ```text
//! cargo bench --bench writers                  # a generated 20,000-row export
//! cargo bench --bench writers -- --rows 100000 # a bigger generated export
//! cargo bench --bench writers -- FILE.xlsx     # an export of your own
//! cargo bench --bench writers -- --levels      # also the lossless writer at deflate 1, 2, 3, 6
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
    let mut levels = false;
    let mut input: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rows" => rows = args.next().and_then(|n| n.parse().ok()).expect("--rows N"),
            "--levels" => levels = true,
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

    // (name, rebuild, deflate level of the lossless writer)
    let mut cases: Vec<(String, bool, Option<u8>)> = vec![
        ("lossless".into(), false, None),
        ("rebuild".into(), true, None),
    ];
    if levels {
        for level in [1, 2, 3, 6] {
            cases.push((format!("lossless, deflate {level}"), false, Some(level)));
        }
    }
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); cases.len()];
    let mut sizes = vec![0u64; cases.len()];
    for run in 0..RUNS {
        for (i, (_, rebuild, level)) in cases.iter().enumerate() {
            let out = work.path().join(format!("out-{run}-{i}"));
            std::fs::create_dir_all(&out).unwrap();
            let jobs = pipeline::plan_jobs(std::slice::from_ref(&input), &out).unwrap();
            let settings = Settings {
                rebuild: *rebuild,
                patch: dsr_scrub::xlsx::patch::PatchOptions {
                    deflate_level: *level,
                    ..Default::default()
                },
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
    let medians: Vec<Duration> = times.iter_mut().map(median).collect();
    for (i, (name, _, _)) in cases.iter().enumerate() {
        println!(
            "{name:<20} {:>8.2} s  output {:.2} MB",
            medians[i].as_secs_f64(),
            sizes[i] as f64 / 1e6
        );
    }
    println!(
        "lossless / rebuild = {:.2}",
        medians[0].as_secs_f64() / medians[1].as_secs_f64()
    );
}
