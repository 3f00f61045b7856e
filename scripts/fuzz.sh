#!/usr/bin/env bash
# Fuzz every target for N seconds each (default 60), starting from a seed corpus made by the
# fixture generator. Needs cargo-fuzz (`cargo install cargo-fuzz`) and a nightly toolchain
# (`rustup toolchain install nightly`).
#
#   scripts/fuzz.sh          # 60 s per target
#   scripts/fuzz.sh 600      # 10 minutes per target
#
# A crash is saved under fuzz/artifacts/<target>/; replay it with
# `cargo +nightly fuzz run <target> fuzz/artifacts/<target>/<file>`, then add a regression test
# named after the bug that calls dsr_scrub::fuzzing::<function> on it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
cargo run --quiet --example fuzz_seeds -- fuzz/corpus
for target in map_parse xlsx_scrub csv_scrub; do
  echo "== $target: $seconds s"
  cargo +nightly fuzz run "$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 -print_final_stats=1
done
