#!/usr/bin/env bash
# Benchmark: `complaint-rate report --period week --by region` against the
# same counts computed by DuckDB and by Python polars as their experts write
# them (bench/peer_duckdb.py, bench/peer_polars.py), on the same generated
# files (CSV and Parquet), in the same run. Checks that all agree on every
# number of the period table and on the concentration counts, and prints the
# median wall time and peak memory of RUNS rounds (each round runs every
# tool once, in turn), with ours / peer.
#
#   bash bench/run.sh                      # every set, 3 runs each
#   SETS=heavy RUNS=1 bash bench/run.sh    # one set
#   SETS=200m FORMATS=parquet PEERS=polars RUNS=1 bash bench/run.sh
#
# Sets (generated once into $BENCH_DIR, seeded):
#   5m     5 M deliveries, ~1.2 complaints per 1,000
#   20m    20 M deliveries, ~1.2 complaints per 1,000
#   heavy  20 M deliveries, ~2 M complaints (~0.9 M customers complaining);
#          also times `repeats` and `customers` against `report`
#   200m   200 M deliveries, ~2.3 M complaints
set -euo pipefail
cd "$(dirname "$0")/.."
SETS=${SETS:-5m 20m heavy}
RUNS=${RUNS:-3}
FORMATS=${FORMATS:-csv parquet}
PEERS=${PEERS:-duckdb polars}
bench="${BENCH_DIR:-$HOME/.cache/complaint-rate/bench}"
target="${CARGO_TARGET_DIR:-target}"
venv="${COMPLAINT_RATE_VENV:-$HOME/.cache/complaint-rate/venv}"
py="$venv/bin/python"

if ! "$py" -c 'import duckdb, polars' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet duckdb polars
fi
cargo build --release --bin complaint-rate --example generate
tool="$target/release/complaint-rate"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# name → generator arguments
generator_args() {
  case $1 in
    5m) echo "--deliveries 5000000 --complaints-per-1000 0.8" ;;
    20m) echo "--deliveries 20000000 --complaints-per-1000 0.8" ;;
    heavy) echo "--deliveries 20000000 --complaints-per-1000 63" ;;
    200m) echo "--deliveries 200000000 --complaints-per-1000 7" ;;
    *) echo "unknown set $1" >&2; exit 1 ;;
  esac
}

prepare() {
  local data="$bench/$1"
  mkdir -p "$data"
  if [ ! -s "$data/deliveries.csv" ]; then
    # shellcheck disable=SC2046
    "$target/release/examples/generate" $(generator_args "$1") --seed 1 --out "$data" >&2
  fi
  if [[ " $FORMATS " == *" parquet "* ]] && [ ! -s "$data/deliveries.parquet" ]; then
    "$py" - "$data" <<'PY'
import sys, duckdb
d = sys.argv[1]
for name, time in (("deliveries", "delivered_at"), ("complaints", "created_at")):
    # Typed times, text ids: what a warehouse export holds (one step: no
    # second copy on disk at 200 M rows).
    duckdb.sql(f"copy (select * replace (strptime({time}, '%Y-%m-%d %H:%M:%S') as {time}) "
               f"from read_csv('{d}/{name}.csv', all_varchar = true)) to '{d}/{name}.parquet' (format parquet)")
PY
  fi
  echo "$data"
}

# One run of a tool on the current set and format ($args, $c, $d): prints
# "seconds peak_KB".
run_once() {
  case $1 in
    report) /usr/bin/time -f "%e %M" -o "$work/time" "$tool" report "${args[@]}" --format csv -o "$work/ours.csv" ;;
    repeats | customers)
      /usr/bin/time -f "%e %M" -o "$work/time" "$tool" "$1" --complaints "$c" --deliveries "$d" --format csv -o "$work/$1.csv" ;;
    *) /usr/bin/time -f "%e %M" -o "$work/time" "$py" "bench/peer_$1.py" --complaints "$c" --deliveries "$d" \
         --out "$work/$1.csv" --facts "$work/$1.json" ;;
  esac > /dev/null
  cat "$work/time"
}

# RUNS rounds, each running every tool named once in turn, so that a slow
# spell of the machine falls on all of them alike; writes the median run's
# "seconds peak_MB" of each tool to $work/TOOL.t.
measure_rounds() {
  for t in "$@"; do : > "$work/$t.runs"; done
  for _ in $(seq "$RUNS"); do
    for t in "$@"; do run_once "$t" >> "$work/$t.runs"; done
  done
  for t in "$@"; do
    sort -n "$work/$t.runs" | awk -v runs="$RUNS" '{t[NR]=$1; m[NR]=$2} END {i=int((runs+1)/2); printf "%s %.0f\n", t[i], m[i]/1024}' > "$work/$t.t"
  done
}

ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }

echo "# $(date -u +%Y-%m-%d) $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB; $(cargo --version); duckdb $("$py" -c 'import duckdb; print(duckdb.__version__)'), polars $("$py" -c 'import polars; print(polars.__version__)'); median of $RUNS rounds, tools in turn"
for set in $SETS; do
  data=$(prepare "$set")
  echo
  echo "## $set: $(($(wc -l < "$data/deliveries.csv") - 1)) deliveries ($(du -h "$data/deliveries.csv" | cut -f1) CSV), $(($(wc -l < "$data/complaints.csv") - 1)) complaints"
  printf '\n| format | tool | wall s | peak MB | ours / tool (time) | ours / tool (memory) |\n|---|---|---|---|---|---|\n'
  for format in $FORMATS; do
    c="$data/complaints.$format"; d="$data/deliveries.$format"
    args=(--complaints "$c" --deliveries "$d" --period week --by region)
    tools=(report)
    for peer in $PEERS; do [ "$peer" != none ] && tools+=("$peer"); done
    [ "$set" = heavy ] && tools+=(repeats customers)
    measure_rounds "${tools[@]}"
    read -r ours_s ours_mb < "$work/report.t"
    "$tool" report "${args[@]}" --format json -o "$work/ours.json"
    printf '| %s | complaint-rate report | %s | %s | | |\n' "$format" "$ours_s" "$ours_mb"
    for peer in $PEERS; do
      [ "$peer" = none ] && continue
      read -r s mb < "$work/$peer.t"
      "$py" tests/reference/compare_tables.py "$work/ours.csv" "$work/$peer.csv" > "$work/agree" \
        || { echo "$peer disagrees on the period table:"; cat "$work/agree"; exit 1; }
      "$py" bench/compare_facts.py "$work/ours.json" "$work/$peer.json" \
        || { echo "$peer disagrees on the concentration counts"; exit 1; }
      printf '| %s | %s | %s | %s | %s | %s |\n' "$format" "$peer" "$s" "$mb" "$(ratio "$ours_s" "$s")" "$(ratio "$ours_mb" "$mb")"
    done
    if [ "$set" = heavy ]; then
      for command in repeats customers; do
        read -r s mb < "$work/$command.t"
        printf '| %s | complaint-rate %s | %s | %s | %s × report | %s × report |\n' \
          "$format" "$command" "$s" "$mb" "$(ratio "$s" "$ours_s")" "$(ratio "$mb" "$ours_mb")"
      done
    fi
  done
done
echo
echo "Every peer agrees with the report on every number of the period table (tests/reference/compare_tables.py) and on the concentration counts (bench/compare_facts.py)."
