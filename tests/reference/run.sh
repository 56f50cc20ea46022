#!/usr/bin/env bash
# Independent check: generate exports, compute the period table with
# complaint-rate and with DuckDB SQL (period_table.py), and require every
# number to agree. Needs a built debug binary and example (cargo test builds
# both). DuckDB is installed into a venv outside the clone.
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-target}"
venv="${COMPLAINT_RATE_VENV:-$HOME/.cache/complaint-rate/venv}"
if ! "$venv/bin/python" -c 'import duckdb' 2>/dev/null; then
  if ! { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet duckdb; }; then
    echo "!! SKIPPED: the DuckDB reference check could not install duckdb from PyPI" >&2
    exit 0
  fi
fi
py="$venv/bin/python"
tool="$target/debug/complaint-rate"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

check() { # name, data dir, reference flags, tool flags…
  local name=$1 dir=$2 ref_flags=$3
  shift 3
  "$tool" report --complaints "$dir/complaints.csv" --deliveries "$dir/deliveries.csv" --format csv "$@" > "$work/ours.csv"
  # shellcheck disable=SC2086
  "$py" tests/reference/period_table.py --complaints "$dir/complaints.csv" --deliveries "$dir/deliveries.csv" \
    $ref_flags --out "$work/ref.csv"
  printf '%-28s ' "$name:"
  "$py" tests/reference/compare_tables.py "$work/ours.csv" "$work/ref.csv"
}

"$target/debug/examples/generate" --deliveries 300000 --complaints-per-1000 2 --seed 11 --out "$work/iso" 2>/dev/null
"$target/debug/examples/generate" --deliveries 100000 --complaints-per-1000 3 --seed 12 --european --out "$work/eu" 2>/dev/null
# A bad week that is a quarter of the data: East stands out (an `alert` in compare).
"$target/debug/examples/generate" --deliveries 200000 --weeks 4 --bad-week 2 --complaints-per-1000 2 --seed 13 --out "$work/east" 2>/dev/null
# Exports covering different days: complaints run two weeks past the last
# delivery (clipped by the coverage window), and an export from a Wednesday
# for 181 days (partial first and last weeks).
"$target/debug/examples/generate" --deliveries 100000 --weeks 12 --complaints-run-on 14 --complaints-per-1000 3 --seed 14 --out "$work/runon" 2>/dev/null
"$target/debug/examples/generate" --deliveries 100000 --start 2025-01-01 --days 181 --complaints-per-1000 3 --seed 15 --out "$work/h1" 2>/dev/null

check "week" "$work/iso" ""
check "week by region" "$work/iso" "--by region" --by region
check "month by region, W=3" "$work/iso" "--by region --period month --window-days 3" --by region --period month --window-days 3
check "day" "$work/iso" "--period day" --period day
check "european week by region" "$work/eu" "--european --by region" --by region
check "example exports by region" examples "--by region" --by region
check "run-on week by region" "$work/runon" "--by region" --by region
check "run-on day" "$work/runon" "--period day" --period day
check "run-on from mid-week" "$work/runon" "--by region --from 2025-01-15" --by region --from 2025-01-15
check "run-on month, from/to" "$work/runon" "--period month --from 2025-01-15 --to 2025-03-12" --period month --from 2025-01-15 --to 2025-03-12
check "half year week by region" "$work/h1" "--by region" --by region
check "half year month" "$work/h1" "--period month" --period month
check "half year all" "$work/h1" "--period all" --period all

# compare flags and customers counts against the reference.
cases=("$work/iso" "$work/eu" "$work/east" "$work/runon" "$work/runon|--from 2025-01-15 --to 2025-03-12" "$work/h1")
for case in "${cases[@]}"; do
  dir=${case%%|*}; range=""; [ "$case" != "$dir" ] && range=${case#*|}
  flag=""; [ "$dir" = "$work/eu" ] && flag="--european"
  # shellcheck disable=SC2086
  "$tool" compare --complaints "$dir/complaints.csv" --deliveries "$dir/deliveries.csv" --by region $range --format json > "$work/compare.json"
  # shellcheck disable=SC2086
  "$tool" customers --complaints "$dir/complaints.csv" --deliveries "$dir/deliveries.csv" --top 50 $range --format json > "$work/customers.json"
  printf '%-28s ' "compare+customers $(basename "$dir")${range:+ (range)}:"
  # shellcheck disable=SC2086
  "$py" tests/reference/segments_customers.py --complaints "$dir/complaints.csv" --deliveries "$dir/deliveries.csv" \
    --compare "$work/compare.json" --customers "$work/customers.json" $flag $range
done
