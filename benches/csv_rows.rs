//! Criterion benchmarks of the CSV row path alone, in memory: a generated Disabled Users export
//! scrubbed as a stream with the built-in `systemuser` profile (read a record, apply the map,
//! write it and its changes), the output and the changes file thrown away; beside it the bare
//! csv crate read + write of the same bytes (the floor), and the stream with the leak sweep.
//!
//! ```text
//! cargo bench --bench csv_rows                        # a 20,000-row export
//! DSR_BENCH_ROWS=100000 cargo bench --bench csv_rows  # a bigger one
//! ```
//!
//! The whole command (reading the file, the digests, committing the outputs) is in the `scrub`
//! bench and `scripts/bench.sh`.

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use dsr_scrub::map::Map;
use dsr_scrub::profiles;
use dsr_scrub::testdata::{self, Options};
use std::hint::black_box;
use std::io::sink;

fn rows() -> usize {
    std::env::var("DSR_BENCH_ROWS")
        .ok()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(20_000)
}

/// Read every record and write it back unchanged with the csv crate.
fn floor(bytes: &[u8]) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(sink());
    let mut record = csv::ByteRecord::new();
    while reader.read_byte_record(&mut record).expect("a record") {
        writer.write_byte_record(&record).expect("written");
    }
    writer.flush().expect("flushed");
}

fn bench(c: &mut Criterion) {
    let map = Map::parse(
        profiles::find("systemuser").unwrap().toml,
        "profile systemuser",
        None,
    )
    .unwrap();
    let rows = rows();
    let bytes = testdata::disabled_users(&Options {
        rows,
        seed: 1,
        ..Options::default()
    })
    .to_csv();
    let mut group = c.benchmark_group(format!("csv rows {rows}"));
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("floor", |b| b.iter(|| floor(black_box(&bytes))));
    group.bench_function("stream", |b| {
        b.iter(|| {
            dsr_scrub::csv::scrub_stream(&bytes, "users", &map, false, sink(), sink())
                .expect("scrubbed")
        })
    });
    group.bench_function("stream + sweep", |b| {
        b.iter(|| {
            let streamed = dsr_scrub::csv::scrub_stream_with(
                &bytes,
                "users",
                &map,
                false,
                true,
                sink(),
                dsr_scrub::changes::ChangesFile::new(sink()),
            )
            .expect("scrubbed");
            streamed
                .gathered
                .map(|g| dsr_scrub::verify::sweep::finish_streamed(g, &map).expect("swept"))
                .unwrap_or_default()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
