#!/usr/bin/env bash
# Two builds of dsr-scrub on one command, in alternating runs: the median wall time, CPU time
# (user and system, all threads) and peak memory of each, and the new build's as ratios to the
# old one's. For changes too small for the bench's three runs to tell apart (a few percent):
# alternating runs share the machine's slow and quiet stretches.
#
#   scripts/ab.sh [-n RUNS] OLD_BIN NEW_BIN ARGS...     # default: 9 runs of each
#
# ARGS go to both builds; OUT in them is a new empty folder for each run, e.g.
#
#   scripts/ab.sh -n 15 old/dsr-scrub target/release/dsr-scrub scrub -q -j2 --out-dir OUT big.xlsx
#
# A run counts when it exits with EXPECT (environment; default 0, e.g. EXPECT=3 for `verify`
# of an output that leaks); the others are reported and not counted. Needs GNU time
# (/usr/bin/time).
set -euo pipefail
RUNS=9
if [ "${1:-}" = "-n" ]; then
  RUNS=$2
  shift 2
fi
if [ $# -lt 3 ]; then
  sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
OLD=$(realpath "$1")
NEW=$(realpath "$2")
shift 2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

for side in old new; do
  : >"$WORK/$side"
done
for _ in $(seq "$RUNS"); do
  for side in old new; do
    if [ "$side" = old ]; then bin=$OLD; else bin=$NEW; fi
    out="$WORK/out"
    rm -rf "$out"
    mkdir "$out"
    args=()
    for a in "$@"; do args+=("${a//OUT/$out}"); done
    code=0
    /usr/bin/time -f "%e %M %U %S" -o "$WORK/t" "$bin" "${args[@]}" >/dev/null 2>&1 || code=$?
    if [ "$code" = "${EXPECT:-0}" ]; then
      tail -1 "$WORK/t" >>"$WORK/$side"
    else
      echo "$side: a run exited with $code (expected ${EXPECT:-0}); not counted" >&2
    fi
  done
done

for side in old new; do
  if [ ! -s "$WORK/$side" ]; then
    echo "$side: no run counted" >&2
    exit 1
  fi
done
# The median of an awk expression ($2) over a side's ($1) runs (columns: wall s, peak KB, user
# s, system s), taken as scripts/bench.sh takes it: the middle run, the lower of two.
median() {
  awk "{ print $2 }" "$WORK/$1" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
for side in old new; do
  n=$(wc -l <"$WORK/$side")
  printf '%s: median %s s, CPU %s s, peak %s MB (%s runs)\n' "$side" \
    "$(median "$side" '$1')" "$(median "$side" '$3 + $4')" \
    "$(median "$side" 'int($2 / 1024)')" "$n"
done
awk -v ow="$(median old '$1')" -v nw="$(median new '$1')" \
  -v oc="$(median old '$3 + $4')" -v nc="$(median new '$3 + $4')" 'BEGIN {
    if (ow > 0 && oc > 0) printf "new / old: %.3fx the time, %.3fx the CPU\n", nw / ow, nc / oc }'
