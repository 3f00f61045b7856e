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
"$GEN" --rows "$ROWS" --seed 6 --raw "$WORK/raw" >/dev/null
"$GEN" --rows "$ROWS" --seed 7 --raw --language fr "$WORK/frraw" >/dev/null
"$GEN" --rows "$ROWS" --seed 8 --extra-sheet --formula-column "$WORK/formulas" >/dev/null
"$GEN" --rows "$ROWS" --seed 9 --extra-sheet --catalogue "$WORK/cat" >/dev/null
XLSX="$WORK/in/disabled-users.xlsx"
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
# Rows deleted by a rule, a kept column the residual check counts.
cat >"$WORK/delete.toml" <<'TOML'
version = 1
allow_residual = ["Full Name", "Description", "Manager"]
[columns]
"First Name" = { action = "replace", value = "Deleted" }
"Last Name" = { action = "replace", value = "Gone {row}" }
"Primary Email" = { action = "replace", value = "gone-{row}@example.invalid" }
"Full Name" = "keep"
[[rows]]
where = { column = "Last Name", matches = "^[A-C]" }
action = "delete"
TOML
# The approval tables, without data subjects.
cat >"$WORK/approvals.toml" <<'TOML'
version = 1
[columns]
Owner = { action = "replace", value = "Former owner {row}" }
"Requestor Email" = "clear"
Responder = "clear"
Comments = { action = "redact", detect = ["email", "phone"] }
"Created By" = "clear"
"Modified By" = "clear"
TOML
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
  "xlsx default|XLSX"
  "xlsx -j1|-j 1 XLSX"
  "xlsx map with redact, mask, pseudonymize|--map $WORK/redact.toml --key-file $WORK/key --allow-uncovered XLSX"
  "xlsx map leaving a residual (fails)|--map $WORK/residual.toml --key-file $WORK/key --allow-uncovered XLSX"
  "xlsx row deletions|--map $WORK/delete.toml --allow-uncovered XLSX"
  "xlsx profile with subjects|--profile systemuser SUBJECTS XLSX"
  "xlsx --verify|--verify XLSX"
  "xlsx raw layout|$WORK/raw/disabled-users.xlsx"
  "xlsx raw layout, row deletions|--map $WORK/delete.toml --allow-uncovered $WORK/raw/disabled-users.xlsx"
  "xlsx German|$WORK/de/disabled-users.xlsx"
  "xlsx French raw layout|$WORK/frraw/disabled-users.xlsx"
  "xlsx formula column, extra sheet|$WORK/formulas/disabled-users.xlsx"
  "catalogue, every cleaned place|--allow-uncovered $WORK/cat/catalogue-cleaned.xlsx"
  "catalogue, no formulas|$WORK/cat/catalogue-no-formulas.xlsx"
  "catalogue, failing places and approvals, folder -j2|-j 2 $WORK/cat"
  "approvals with a map|--map $WORK/approvals.toml --allow-uncovered $WORK/cat/approvals-0.xlsx $WORK/cat/approvals-5.xlsx"
  "approvals with a subject|--profile approvals --subject Owner_7 $WORK/cat/approvals-1.xlsx"
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
        XLSX) argv+=("$XLSX") ;;
        Owner_*) argv+=("Owner ${a#Owner_}") ;;
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
