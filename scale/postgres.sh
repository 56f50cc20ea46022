#!/usr/bin/env bash
# The count pushed down to PostgreSQL at scale (README "Past one machine").
#
# Generates ROWS deliveries (the seeded generator), loads them into a
# throw-away PostgreSQL (tests/database/server.sh) with an index-free typed
# table, and times `report` from the database against `report` from the same
# rows as CSV and as Parquet (exported by DuckDB), checking the reports are
# equal, cell for cell.
#
#     ROWS=20000000 bash scale/postgres.sh     (the figures in BENCHMARKS.md; ~5 GB free disk)
#
# BIN is the complaint-rate binary (default: the release build).
set -euo pipefail
cd "$(dirname "$0")/.."

rows="${ROWS:-20000000}"
target="${CARGO_TARGET_DIR:-target}"
bin="${BIN:-$target/release/complaint-rate}"
generate="${GENERATE:-$target/release/examples/generate}"
py="${COMPLAINT_RATE_VENV:-$HOME/.cache/complaint-rate/venv}/bin/python"
[ -x "$bin" ] && [ -x "$generate" ] || { echo "build first: cargo build --release --bins --examples"; exit 1; }
source tests/database/server.sh

seconds() { local t0 t1; t0=$(date +%s.%N); "$@"; t1=$(date +%s.%N); printf '%.1f' "$(echo "$t1 - $t0" | bc)"; }

echo "== $rows deliveries"
"$generate" --deliveries "$rows" --regions 5 --out "$work/data" >/dev/null
load=$(seconds psql -d shop -c "CREATE TABLE deliveries (order_id text, delivered_at timestamp, region text, customer_id text);
  COPY deliveries FROM '$work/data/deliveries.csv' (FORMAT csv, HEADER)")
psql -d shop -c 'VACUUM ANALYZE deliveries'
"$py" -c "import duckdb; duckdb.sql(\"COPY (SELECT * FROM read_csv('$work/data/deliveries.csv', types={'delivered_at': 'TIMESTAMP'})) TO '$work/deliveries.parquet'\")"
echo "loaded into PostgreSQL in $load s"

report() { "$bin" report --complaints "$work/data/complaints.csv" --by region --format json -q "$@"; }
from_db=$(seconds report --deliveries "$url&table=deliveries" -o "$work/db.json")
from_csv=$(seconds report --deliveries "$work/data/deliveries.csv" -o "$work/csv.json")
from_parquet=$(seconds report --deliveries "$work/deliveries.parquet" -o "$work/parquet.json")
python3 tests/database/same_report.py "$work/csv.json" "$work/db.json" "PostgreSQL = CSV"
python3 tests/database/same_report.py "$work/csv.json" "$work/parquet.json" "Parquet = CSV"

cat <<EOF

| $rows deliveries, by region | seconds |
|---|---|
| load into PostgreSQL (COPY, once) | $load |
| report, deliveries counted in PostgreSQL ($(postgres --version | awk '{print $3}'), same machine) | $from_db |
| report from the CSV export ($(du -h "$work/data/deliveries.csv" | cut -f1)) | $from_csv |
| report from Parquet ($(du -h "$work/deliveries.parquet" | cut -f1)) | $from_parquet |
EOF
