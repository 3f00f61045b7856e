#!/usr/bin/env bash
# Check that two builds of dsr-scrub write the same bytes: the scrubbed CSV, the changes file and
# the report (its start and finish times aside), on generated exports with several maps and
# options. Used when a change must not alter any output (a speed-up, a refactoring).
#
#   scripts/compare_outputs.sh OLD_BIN NEW_BIN [ROWS]     # default: 20000 rows
#
# NEW_ARGS (environment) goes to NEW_BIN's runs only, e.g. NEW_ARGS="--changes-format cells" to
# compare a build's per-cell changes files with those of a build older than that flag.
#
# Needs the fixture generator: `cargo build --release --example gen_fixtures`.
set -euo pipefail
OLD=$(realpath "$1")
NEW=$(realpath "$2")
ROWS=${3:-20000}
cd "$(dirname "$0")/.."
GEN=$(realpath "${CARGO_TARGET_DIR:-target}/release/examples/gen_fixtures")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

"$GEN" --rows "$ROWS" --seed 3 "$WORK/in" >/dev/null
"$GEN" --rows "$ROWS" --seed 4 --language de "$WORK/de" >/dev/null
"$GEN" --rows "$ROWS" --seed 5 --language fr "$WORK/fr" >/dev/null
CSV="$WORK/in/disabled-users.csv"
printf 'a key for comparing two builds\n' >"$WORK/key"
cat >"$WORK/redact.toml" <<'TOML'
version = 1
[columns]
"Full Name" = { action = "pseudonymize", as = "name" }
"First Name" = { action = "mask", keep_first = 1 }
"Last Name" = { action = "regex", pattern = "[aeiou]", replace = "*" }
"Primary Email" = { action = "pseudonymize", as = "email" }
"Email 2" = "clear"
"Home Phone" = "clear"
"User Name" = { action = "replace", value = "gone-{row}-{id8}@example.invalid" }
"Main Phone" = { action = "pseudonymize", as = "phone" }
"Mobile Phone" = { action = "mask", keep_last = 2 }
Description = { action = "redact", detect = ["email", "phone", "url"] }
Manager = { action = "redact", detect = ["email"] }
TOML
# The same map without Home Phone: the leak sweep fails the file (a kept phone number).
grep -v '^"Home Phone"' "$WORK/redact.toml" >"$WORK/residual.toml"
# A few names of the export, as data subjects.
SUBJECTS=$(awk -F, 'NR>1 && NR<6 {print $5" "$7}' "$CSV" | tr -d '"' | sed 's/^ *//')

# name | arguments (INPUT is replaced by the export)
CASES=(
  "default|INPUT"
  "default -j1|-j 1 INPUT"
  "neutralize|--neutralize-formulas INPUT"
  "map with redact, mask, pseudonymize|--map $WORK/redact.toml --key-file $WORK/key --allow-uncovered INPUT"
  "map leaving a residual (fails)|--map $WORK/residual.toml --key-file $WORK/key --allow-uncovered INPUT"
  "profile with subjects|--profile systemuser SUBJECTS INPUT"
  "subjects, all rows|--profile systemuser --all-rows SUBJECTS INPUT"
  "German export|$WORK/de/disabled-users.csv"
  "French export|$WORK/fr/disabled-users.csv"
  "xlsx default|$WORK/in/disabled-users.xlsx"
)
status=0
for case in "${CASES[@]}"; do
  IFS='|' read -r name args <<<"$case"
  for side in old new; do
    rm -rf "$WORK/$side"; mkdir -p "$WORK/$side"
    bin=$OLD; [ "$side" = new ] && bin=$NEW
    argv=()
    # shellcheck disable=SC2206
    [ "$side" = new ] && argv=(${NEW_ARGS:-})
    for a in $args; do
      case "$a" in
        INPUT) argv+=("$CSV") ;;
        SUBJECTS) while IFS= read -r s; do [ -n "$s" ] && argv+=(--subject "$s"); done <<<"$SUBJECTS" ;;
        *) argv+=("$a") ;;
      esac
    done
    set +e
    (cd "$WORK/$side" && "$bin" scrub -q --out-dir out "${argv[@]}" >stdout 2>stderr; echo $? >rc)
    set -e
  done
  diffs=()
  for f in $(cd "$WORK/old" && find . -type f | sort); do
    if [[ "$f" == *scrub-report.json ]]; then
      cmp -s <(grep -v '"started"\|"finished"' "$WORK/old/$f") <(grep -v '"started"\|"finished"' "$WORK/new/$f") || diffs+=("$f")
    else
      cmp -s "$WORK/old/$f" "$WORK/new/$f" || diffs+=("$f")
    fi
  done
  [ "$(cd "$WORK/old" && find . -type f | sort)" = "$(cd "$WORK/new" && find . -type f | sort)" ] || diffs+=("(file list)")
  if [ ${#diffs[@]} -eq 0 ]; then
    echo "same: $name (exit $(cat "$WORK/old/rc"), $(cd "$WORK/old" && find out -type f | wc -l) files)"
  else
    echo "DIFFERENT: $name: ${diffs[*]}"
    status=1
  fi
done
exit $status
