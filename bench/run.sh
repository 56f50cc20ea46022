#!/usr/bin/env bash
# Benchmark: `complaint-rate report --period week --by region --format csv`
# against the same report by DuckDB SQL and by Python polars, on the same
# generated files (CSV and Parquet), in the same run. Checks the three agree,
# prints median wall time and peak memory of RUNS runs each, and the ratio.
#
#   bash bench/run.sh                    # 20 M deliveries, 3 runs
#   ROWS=2000000 RUNS=5 bash bench/run.sh
#   FORMATS=parquet ROWS=200000000 RUNS=1 PEERS=none bash bench/run.sh   # scale curve
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-20000000}
RUNS=${RUNS:-3}
FORMATS=${FORMATS:-csv parquet}
PEERS=${PEERS:-duckdb polars}
data="${BENCH_DIR:-$HOME/.cache/complaint-rate/bench}/$ROWS"
target="${CARGO_TARGET_DIR:-target}"
venv="${COMPLAINT_RATE_VENV:-$HOME/.cache/complaint-rate/venv}"
py="$venv/bin/python"

if ! "$py" -c 'import duckdb, polars' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet duckdb polars
fi
cargo build --release --bin complaint-rate --example generate
tool="$target/release/complaint-rate"

mkdir -p "$data"
if [ ! -s "$data/deliveries.csv" ]; then
  # ~7 complaints per 1,000 deliveries before repeats: ~200 k complaints at 20 M.
  "$target/release/examples/generate" --deliveries "$ROWS" --complaints-per-1000 7 --seed 1 --out "$data"
fi
if [[ " $FORMATS " == *" parquet "* ]] && [ ! -s "$data/deliveries.parquet" ]; then
  "$py" - "$data" <<'PY'
import sys, duckdb
d = sys.argv[1]
for name in ("deliveries", "complaints"):
    duckdb.sql(f"copy (select * from read_csv('{d}/{name}.csv')) to '{d}/{name}.parquet' (format parquet)")
PY
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "# $(date -u +%Y-%m-%d) $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB; $(cargo --version); duckdb $("$py" -c 'import duckdb; print(duckdb.__version__)'), polars $("$py" -c 'import polars; print(polars.__version__)')"
echo "# deliveries: $(du -h "$data/deliveries.csv" | cut -f1) CSV, $ROWS rows; complaints: $(($(wc -l < "$data/complaints.csv") - 1)) rows"

# median of RUNS: prints "seconds peak_MB"
measure() {
  local out=$1; shift
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" > /dev/null
    cat "$work/time"
  done | sort -n | awk -v runs="$RUNS" '{t[NR]=$1; m[NR]=$2} END {i=int((runs+1)/2); printf "%s %.0f\n", t[i], m[i]/1024}' > "$out"
}

printf '\n| format | tool | wall s (median of %s) | peak MB | ours / tool (time) | ours / tool (memory) |\n|---|---|---|---|---|---|\n' "$RUNS"
for format in $FORMATS; do
  c="$data/complaints.$format"; d="$data/deliveries.$format"
  measure "$work/ours.t" "$tool" report --complaints "$c" --deliveries "$d" --period week --by region --format csv -o "$work/ours.csv"
  read -r ours_s ours_mb < "$work/ours.t"
  printf '| %s | complaint-rate | %s | %s | | |\n' "$format" "$ours_s" "$ours_mb"
  for peer in $PEERS; do
    case $peer in
      duckdb) measure "$work/$peer.t" "$py" tests/reference/period_table.py --native --complaints "$c" --deliveries "$d" --by region --out "$work/$peer.csv" ;;
      polars) measure "$work/$peer.t" "$py" bench/peer_polars.py --complaints "$c" --deliveries "$d" --out "$work/$peer.csv" ;;
      none) continue ;;
    esac
    read -r s mb < "$work/$peer.t"
    "$py" tests/reference/compare_tables.py "$work/ours.csv" "$work/$peer.csv" > "$work/agree" || { cat "$work/agree"; exit 1; }
    printf '| %s | %s | %s | %s | %.2f | %.2f |\n' "$format" "$peer" "$s" "$mb" "$(echo "$ours_s / $s" | bc -l)" "$(echo "$ours_mb / $mb" | bc -l)"
  done
done
echo
echo "All tools agree on every number of the period table (tests/reference/compare_tables.py)."
