//! Criterion benchmarks of one `scrub` of a generated Disabled Users export with the built-in
//! `systemuser` profile: xlsx lossless (the default), xlsx rebuild and CSV, at 10,000 and
//! 100,000 rows, each beside its floor (read every cell and write it back unchanged, see
//! `examples/floor.rs`), so that a ratio can be read off one run; and the CSV with one data
//! subject (`--subject`, the first record's full name, which the generator gives other records
//! too), whose other rows are checked for what the subject's records hold; at 20,000 rows and
//! fewer, the CSV with 200 subjects (the full names of the first 100 records and the emails of
//! the next 100), a batch of erasure requests at once.
//!
//! ```text
//! cargo bench --bench scrub                       # 10,000 and 100,000 rows (several minutes)
//! DSR_BENCH_ROWS=10000 cargo bench --bench scrub  # only the smaller export
//! cargo bench --bench scrub -- csv                # only the CSV cases
//! ```
//!
//! For the whole comparison (peak memory, 1 and 2 jobs, batches, openpyxl) run
//! `scripts/bench.sh`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode};
use dsr_scrub::map::Map;
use dsr_scrub::pipeline::{self, Settings};
use dsr_scrub::profiles;
use dsr_scrub::report::Status;
use dsr_scrub::testdata::{self, Options};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn rows() -> Vec<usize> {
    match std::env::var("DSR_BENCH_ROWS") {
        Ok(list) => list
            .split(',')
            .map(|n| {
                n.trim()
                    .parse()
                    .expect("DSR_BENCH_ROWS: numbers, e.g. 10000,100000")
            })
            .collect(),
        Err(_) => vec![10_000, 100_000],
    }
}

/// Scrub `input` into a fresh folder under `work`, as `dsr-scrub scrub` does for one file.
fn scrub(map: &Map, input: &Path, work: &Path, settings: &Settings) {
    let out = tempfile::tempdir_in(work).expect("output folder");
    let jobs = pipeline::plan_jobs(&[input.to_path_buf()], out.path()).expect("jobs");
    let report = pipeline::run_job(map, &jobs[0], settings);
    assert_eq!(report.status, Status::Ok, "{:?}", report.error);
}

/// A map of the `systemuser` profile for the data subjects `values`.
fn map_with_subjects(values: &[String]) -> Map {
    let subjects = dsr_scrub::subjects::Subjects::from_values(values);
    Map::parse_with(
        profiles::find("systemuser").unwrap().toml,
        "profile systemuser",
        &dsr_scrub::map::MapInputs {
            key: None,
            subjects: &subjects,
        },
    )
    .unwrap()
}

/// Read every cell and write it back unchanged: calamine + rust_xlsxwriter for xlsx, the csv
/// crate for CSV (the same work as `examples/floor.rs`).
fn floor(input: &Path, work: &Path) {
    let out = tempfile::tempdir_in(work).expect("output folder");
    let target = out.path().join(input.file_name().unwrap());
    dsr_scrub::floor::copy(input, &target).expect("floor copy");
}

fn bench(c: &mut Criterion) {
    let work = tempfile::tempdir().expect("temp dir");
    let map = Map::parse(
        profiles::find("systemuser").unwrap().toml,
        "profile systemuser",
        None,
    )
    .unwrap();
    for rows in rows() {
        let export = testdata::disabled_users(&Options {
            rows,
            seed: 1,
            ..Options::default()
        });
        let xlsx: PathBuf = work.path().join(format!("users-{rows}.xlsx"));
        let csv: PathBuf = work.path().join(format!("users-{rows}.csv"));
        std::fs::write(&xlsx, export.to_xlsx()).unwrap();
        std::fs::write(&csv, export.to_csv()).unwrap();
        let text = |row: usize, logical: &str| match &export.rows[row]
            [export.column_index(logical).expect("the column")]
        {
            testdata::Value::Text(text) => text.clone(),
            _ => panic!("record {row} has a {logical}"),
        };
        let subject_map = map_with_subjects(&[text(0, "fullname")]);
        let many: Vec<String> = (0..200.min(rows))
            .map(|row| {
                text(
                    row,
                    if row < 100 {
                        "fullname"
                    } else {
                        "internalemailaddress"
                    },
                )
            })
            .collect();
        drop(export);
        let many_map = map_with_subjects(&many);

        let mut group = c.benchmark_group(format!("scrub {rows} rows"));
        group.sampling_mode(SamplingMode::Flat);
        if rows > 20_000 {
            group.sample_size(10);
            group.measurement_time(Duration::from_secs(60));
        } else {
            group.sample_size(10);
            group.measurement_time(Duration::from_secs(15));
        }
        let lossless = Settings::default();
        let rebuild = Settings {
            rebuild: true,
            ..Settings::default()
        };
        group.bench_function(BenchmarkId::new("xlsx", "floor"), |b| {
            b.iter(|| floor(&xlsx, work.path()))
        });
        group.bench_function(BenchmarkId::new("xlsx", "lossless"), |b| {
            b.iter(|| scrub(&map, &xlsx, work.path(), &lossless))
        });
        group.bench_function(BenchmarkId::new("xlsx", "rebuild"), |b| {
            b.iter(|| scrub(&map, &xlsx, work.path(), &rebuild))
        });
        group.bench_function(BenchmarkId::new("csv", "floor"), |b| {
            b.iter(|| floor(&csv, work.path()))
        });
        group.bench_function(BenchmarkId::new("csv", "scrub"), |b| {
            b.iter(|| scrub(&map, &csv, work.path(), &lossless))
        });
        group.bench_function(BenchmarkId::new("csv", "one subject"), |b| {
            b.iter(|| scrub(&subject_map, &csv, work.path(), &lossless))
        });
        if rows <= 20_000 {
            group.bench_function(BenchmarkId::new("csv", "200 subjects"), |b| {
                b.iter(|| scrub(&many_map, &csv, work.path(), &lossless))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
