#!/usr/bin/env bash
# Measure dsr-scrub against its floor and against an openpyxl script, in one run, alternating.
#
#   scripts/bench.sh [ROWS] [RUNS]       # default: 100000 rows, 3 runs of each
#   BATCH=0 scripts/bench.sh             # without the batch cases (default: 50 files)
#   ONLY=csv BATCH=0 scripts/bench.sh    # only the cases whose name matches ONLY, a regex (here: the CSV ones)
#   BASE=old/dsr-scrub ONLY='floor xlsx$|lossless' BATCH=0 OPENPYXL=0 scripts/bench.sh
#                                        # also the scrub lines of another build (`... (base)`),
#                                        # for a before/after in one run; without openpyxl
#
# Builds in release mode, generates a Disabled Users export (xlsx and csv) with the fixture
# generator, then runs each command RUNS times, round-robin: the floor (calamine read +
# rust_xlsxwriter write, the streaming cell reader and constant-memory writer; the slower
# whole-Range floor of earlier measurements as a second line; csv read + write), the physical
# limit of a lossless scrub (the rewritten parts inflated and deflated again, nothing parsed),
# `scrub` lossless, rebuild and CSV with 1 and 2 jobs, `verify` of a lossless scrub's output,
# the lossless scrub with 1 job and `verify` of the same export in the raw layout Dynamics
# writes, `scrub --verify` with 2 jobs, `verify` of an output that leaks everything (the input
# as its own output, which must fail),
# and the openpyxl script (in a temporary virtual environment; skipped when Python is absent);
# then a batch of BATCH 10,000-row exports in one call with 1 and 2 jobs. Prints median wall
# time, peak memory, each time as a ratio to its baseline (the floor of the same format; for
# verify, the lossless scrub with 1 job (of the raw layout, for its verify); for `scrub
# --verify`, the lossless scrub with 2 jobs; for the leaking verify, verify of the lossless
# scrub; for the batch, the batch with 1 job) and the median CPU time (user and system, all
# threads: steadier than wall time on a noisy machine, and what two cores share), then how far
# the lossless scrub is from the physical limit.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-100000}
RUNS=${2:-3}
BATCH=${BATCH:-50}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cargo build --release --quiet --bin dsr-scrub --example floor --example gen_fixtures
BIN=target/release/dsr-scrub
FLOOR=target/release/examples/floor
echo "generating a $ROWS-row export..." >&2
target/release/examples/gen_fixtures --rows "$ROWS" --seed 1 "$WORK/in" >/dev/null
XLSX="$WORK/in/disabled-users.xlsx"
CSV="$WORK/in/disabled-users.csv"
# verify needs a scrubbed copy to check.
"$BIN" scrub -q --out-dir "$WORK/scrubbed" "$XLSX" >/dev/null
SCRUBBED="$WORK/scrubbed/disabled-users.xlsx"
# The same export in the raw layout Dynamics itself writes (prefixed elements, inline strings).
target/release/examples/gen_fixtures --rows "$ROWS" --seed 1 --raw "$WORK/raw" >/dev/null
RAW="$WORK/raw/disabled-users.xlsx"
"$BIN" scrub -q --out-dir "$WORK/raw-scrubbed" "$RAW" >/dev/null
RAW_SCRUBBED="$WORK/raw-scrubbed/disabled-users.xlsx"
# verify of an output that leaks every removed value (the input given as its own output):
# it must fail, with exit code 3.
cat >"$WORK/leaking.sh" <<EOF
"$(realpath "$BIN")" verify "$XLSX" "$XLSX" >/dev/null 2>&1
[ \$? -eq 3 ]
EOF

PY=""
if [ "${OPENPYXL:-1}" = 0 ]; then
  :
elif command -v python3 >/dev/null 2>&1; then
  if python3 -m venv "$WORK/venv" >/dev/null 2>&1 && "$WORK/venv/bin/pip" install --quiet openpyxl >/dev/null 2>&1; then
    PY="$WORK/venv/bin/python"
  else
    echo "openpyxl could not be installed: skipping the openpyxl baseline" >&2
  fi
else
  echo "no python3: skipping the openpyxl baseline" >&2
fi

# name | floor to compare with | command (OUT is replaced by a fresh output folder)
CASES=(
  "floor xlsx|floor xlsx|$FLOOR $XLSX OUT/floor.xlsx"
  "floor xlsx (Range)|floor xlsx|$FLOOR --range $XLSX OUT/floor.xlsx"
  "limit xlsx -j1|floor xlsx|env RAYON_NUM_THREADS=1 $FLOOR --limit $XLSX OUT/limit.xlsx"
  "limit xlsx -j2|floor xlsx|env RAYON_NUM_THREADS=2 $FLOOR --limit $XLSX OUT/limit.xlsx"
  "scrub lossless -j1|floor xlsx|$BIN scrub -q -j 1 --out-dir OUT $XLSX"
  "scrub lossless -j2|floor xlsx|$BIN scrub -q -j 2 --out-dir OUT $XLSX"
  "verify lossless|scrub lossless -j1|$BIN verify $XLSX $SCRUBBED"
  "scrub lossless raw -j1|floor xlsx|$BIN scrub -q -j 1 --out-dir OUT $RAW"
  "verify raw|scrub lossless raw -j1|$BIN verify $RAW $RAW_SCRUBBED"
  "scrub --verify -j2|scrub lossless -j2|$BIN scrub -q -j 2 --verify --out-dir OUT $XLSX"
  "verify leaking output|verify lossless|bash $WORK/leaking.sh"
  "scrub rebuild -j1|floor xlsx|$BIN scrub -q -j 1 --rebuild --out-dir OUT $XLSX"
  "scrub rebuild -j2|floor xlsx|$BIN scrub -q -j 2 --rebuild --out-dir OUT $XLSX"
  "floor csv|floor csv|$FLOOR $CSV OUT/floor.csv"
  "scrub csv -j1|floor csv|$BIN scrub -q -j 1 --out-dir OUT $CSV"
  "scrub csv -j2|floor csv|$BIN scrub -q -j 2 --out-dir OUT $CSV"
)
if [ -n "${BASE:-}" ]; then
  OLD=$(realpath "$BASE")
  CASES+=(
    "scrub lossless -j1 (base)|floor xlsx|$OLD scrub -q -j 1 --out-dir OUT $XLSX"
    "scrub lossless -j2 (base)|floor xlsx|$OLD scrub -q -j 2 --out-dir OUT $XLSX"
    "verify lossless (base)|scrub lossless -j1|$OLD verify $XLSX $SCRUBBED"
    "scrub lossless raw -j1 (base)|floor xlsx|$OLD scrub -q -j 1 --out-dir OUT $RAW"
    "verify raw (base)|scrub lossless raw -j1|$OLD verify $RAW $RAW_SCRUBBED"
    "scrub --verify -j2 (base)|scrub lossless -j2|$OLD scrub -q -j 2 --verify --out-dir OUT $XLSX"
    "scrub csv -j1 (base)|floor csv|$OLD scrub -q -j 1 --out-dir OUT $CSV"
    "scrub csv -j2 (base)|floor csv|$OLD scrub -q -j 2 --out-dir OUT $CSV"
  )
fi
if [ "$BATCH" -gt 0 ]; then
  echo "generating a batch of $BATCH 10000-row exports..." >&2
  target/release/examples/gen_fixtures --rows 10000 --seed 2 "$WORK/one" >/dev/null
  mkdir -p "$WORK/batch"
  for i in $(seq -w "$BATCH"); do cp "$WORK/one/disabled-users.xlsx" "$WORK/batch/users-$i.xlsx"; done
  CASES+=(
    "batch ${BATCH}x10k -j1|batch ${BATCH}x10k -j1|$BIN scrub -q -j 1 --out-dir OUT $WORK/batch"
    "batch ${BATCH}x10k -j2|batch ${BATCH}x10k -j1|$BIN scrub -q -j 2 --out-dir OUT $WORK/batch"
  )
fi
if [ -n "$PY" ]; then
  CASES+=("openpyxl script|floor xlsx|$PY scripts/openpyxl_scrub.py $XLSX OUT/openpyxl.xlsx")
fi

if [ -n "${ONLY:-}" ]; then
  KEPT=()
  for case in "${CASES[@]}"; do
    [[ "${case%%|*}" =~ $ONLY ]] && KEPT+=("$case")
  done
  CASES=("${KEPT[@]}")
fi

declare -A TIMES MEMS CPUS
for run in $(seq "$RUNS"); do
  for case in "${CASES[@]}"; do
    IFS='|' read -r name _ cmd <<<"$case"
    out="$WORK/out"; rm -rf "$out"; mkdir -p "$out"
    /usr/bin/time -f "%e %M %U %S" -o "$WORK/t" ${cmd//OUT/$out} >/dev/null 2>&1
    read -r secs kb user sys <"$WORK/t"
    TIMES[$name]+="$secs "
    MEMS[$name]+="$kb "
    CPUS[$name]+="$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }') "
    echo "run $run: $name ${secs}s" >&2
  done
done

median() { tr ' ' '\n' | { grep -v '^$' || true; } | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%-28s %10s %10s %12s %10s\n' "command" "median s" "peak MB" "x baseline" "cpu s"
for case in "${CASES[@]}"; do
  IFS='|' read -r name base _ <<<"$case"
  t=$(echo "${TIMES[$name]}" | median)
  m=$(echo "${MEMS[$name]}" | median)
  c=$(echo "${CPUS[$name]}" | median)
  # A baseline that ONLY left out has no ratio ("-").
  b=$(echo "${TIMES[$base]:-}" | median)
  awk -v n="$name" -v t="$t" -v m="$m" -v b="$b" -v c="$c" 'BEGIN { r = (b > 0 ? sprintf("%12.2f", t / b) : sprintf("%12s", "-")); printf "%-28s %10.2f %10.0f %s %10.2f\n", n, t, m / 1024, r, c }'
done
for j in 1 2; do
  limit="limit xlsx -j$j" name="scrub lossless -j$j"
  [ -n "${TIMES[$limit]:-}" ] && [ -n "${TIMES[$name]:-}" ] || continue
  l=$(echo "${TIMES[$limit]}" | median)
  t=$(echo "${TIMES[$name]}" | median)
  awk -v n="$name" -v t="$t" -v l="$l" 'BEGIN { printf "%s: %.2fx the physical limit with as many threads\n", n, (l > 0 ? t / l : 0) }'
done
