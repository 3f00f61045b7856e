//! Criterion benchmarks of the hot paths of a lossless xlsx scrub, one stage at a time, on a
//! generated 20,000-row Disabled Users export with the built-in `systemuser` profile: reading
//! (the row scan of every sheet into a workbook), planning and applying the map, indexing the
//! removed values for the leak sweep and the part cleaners, the lossless writer (scan, patch,
//! deflate), and the physical limit (the rewritten parts inflated and deflated again, nothing
//! parsed), so that each stage can be compared with the limit in one run.
//!
//! ```text
//! cargo bench --bench stages
//! DSR_BENCH_ROWS=5000 cargo bench --bench stages
//! cargo bench --bench stages -- apply          # one stage
//! ```

use criterion::{criterion_group, criterion_main, Criterion};
use dsr_scrub::map::Map;
use dsr_scrub::testdata::{self, Options};
use dsr_scrub::{apply, plan, profiles, verify, xlsx};
use std::time::Duration;

fn rows() -> usize {
    std::env::var("DSR_BENCH_ROWS")
        .ok()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(20_000)
}

fn bench(c: &mut Criterion) {
    let rows = rows();
    let input = testdata::disabled_users(&Options {
        rows,
        seed: 1,
        ..Options::default()
    })
    .to_xlsx();
    let map = Map::parse(
        profiles::find("systemuser").unwrap().toml,
        "profile systemuser",
        None,
    )
    .unwrap();
    let limits = xlsx::Limits::default();
    let book = xlsx::read_with(&input, &limits).expect("read the export");
    let file_plan = plan::resolve(&map, &book).expect("plan");
    let changes = apply::apply_plan(&map, &file_plan, &book);
    let removed: Vec<String> = verify::removed_values(&map, &book, &file_plan, &changes)
        .into_iter()
        .map(|v| v.to_string())
        .collect();
    let work = tempfile::tempdir().expect("temp dir");
    let source = work.path().join("export.xlsx");
    std::fs::write(&source, &input).expect("write the export");

    let mut group = c.benchmark_group(format!("stages {rows} rows"));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("read", |b| {
        b.iter(|| xlsx::read_with(&input, &limits).expect("read"));
    });
    group.bench_function("plan and apply", |b| {
        b.iter(|| {
            let file_plan = plan::resolve(&map, &book).expect("plan");
            apply::apply_plan(&map, &file_plan, &book)
        });
    });
    group.bench_function("index removed values", |b| {
        b.iter(|| dsr_scrub::needles::Needles::new(&removed));
    });
    group.bench_function("lossless write", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(input.len() * 2);
            xlsx::patch::write(&input, &book, &changes, &Default::default(), &mut out)
                .expect("write");
            out
        });
    });
    group.bench_function("physical limit", |b| {
        b.iter(|| {
            dsr_scrub::floor::physical_limit(&source, &work.path().join("limit.xlsx"))
                .expect("inflate and deflate");
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
