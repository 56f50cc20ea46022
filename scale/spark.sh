#!/usr/bin/env bash
# The Spark dialect on local Spark (docs/METHODS.md §1.6, README "Past one machine").
#
# Generates a Parquet directory of ROWS deliveries (DuckDB, deterministic) and
# complaints for ~0.1% of them, prints the count with `complaint-rate sql
# --dialect spark`, runs it in local PySpark (Debian's Java), and checks that
# the report from Spark's result equals the report from the raw Parquet rows,
# cell for cell; then counts the complaints in Spark too (`sql complaints`) and
# checks the report from the two counted tables against the raw rows. Times: Spark's count, DuckDB running the duckdb dialect over
# the same files, and complaint-rate reading the raw rows itself.
#
#     ROWS=200000000 bash scale/spark.sh      (the figures in BENCHMARKS.md; ~10 GB free disk)
#     ROWS=200000 bash scale/spark.sh         (a quick check; what .ci/run does)
#
# SPARK_WORK=DIR keeps the generated files in DIR and reuses them next time.
#
# BIN is the complaint-rate binary (default: the release build; build it with
# cargo build --release). Spark needs Java 17+ (apt-get install -y
# openjdk-17-jre-headless) and PySpark (installed into SPARK_VENV when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

rows="${ROWS:-200000000}"
target="${CARGO_TARGET_DIR:-target}"
bin="${BIN:-$target/release/complaint-rate}"
venv="${SPARK_VENV:-$HOME/.cache/complaint-rate/spark-venv}"
work="${SPARK_WORK:-$(mktemp -d)}"
[ -x "$bin" ] || { echo "no binary at $bin: cargo build --release, or set BIN"; exit 1; }
command -v java >/dev/null || { echo "needs Java 17+: apt-get install -y openjdk-17-jre-headless"; exit 1; }
if ! "$venv/bin/python" -c 'import pyspark, duckdb' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet pyspark duckdb
fi
py="$venv/bin/python"
trap '[ -n "${SPARK_WORK:-}" ] || rm -rf "$work"' EXIT

if [ "$(cat "$work/rows" 2>/dev/null)" = "$rows" ]; then
  echo "== $rows deliveries as Parquet in $work/deliveries (generated before)"
else
echo "== $rows deliveries as Parquet in $work/deliveries"
"$py" - "$work" "$rows" <<'PY'
import sys, time, duckdb
work, rows = sys.argv[1], int(sys.argv[2])
t = time.time()
con = duckdb.connect()
con.execute("SET preserve_insertion_order = false")
# A year of deliveries over five regions of unequal size and rows/8 customers;
# hash() makes every value a function of the row number alone.
con.execute(f"""CREATE VIEW deliveries AS SELECT
    'O' || lpad(i::VARCHAR, 10, '0') AS order_id,
    TIMESTAMP '2025-01-01' + to_seconds((hash(i) % (365 * 86400))::BIGINT) AS delivered_at,
    CASE WHEN hash(i + 1) % 100 < 35 THEN 'North' WHEN hash(i + 1) % 100 < 60 THEN 'South'
         WHEN hash(i + 1) % 100 < 80 THEN 'East' WHEN hash(i + 1) % 100 < 95 THEN 'West'
         ELSE 'Central' END AS region,
    'C' || lpad((hash(i + 2) % {max(rows // 8, 100)})::VARCHAR, 9, '0') AS customer_id,
    i
  FROM range({rows}) AS t(i)""")
# The deliveries carry no customer column: a count has none, so neither
# report has the chance baseline and the two can be compared whole.
con.execute(f"""COPY (SELECT order_id, delivered_at, region FROM deliveries)
    TO '{work}/deliveries' (FORMAT parquet, PER_THREAD_OUTPUT true, OVERWRITE_OR_IGNORE true)""")
con.execute(f"""COPY (SELECT 'T' || i AS ticket_id,
        delivered_at + to_seconds((hash(i + 3) % (5 * 86400))::BIGINT) AS created_at,
        customer_id, order_id,
        CASE WHEN hash(i + 4) % 3 = 0 THEN 'phone' ELSE 'web' END AS channel, region
    FROM deliveries WHERE hash(i + 5) % 1000 = 0 AND delivered_at < TIMESTAMP '2025-12-20')
    TO '{work}/complaints.csv' (HEADER)""")
print(f"generated in {time.time() - t:.0f} s")
PY
echo "$rows" >"$work/rows"
fi
du -sh "$work/deliveries" | awk '{print "parquet: " $1}'

args=(--by region --col deliveries.time=delivered_at)
"$bin" sql --dialect spark --table deliveries "${args[@]}" >"$work/count-spark.sql"
"$bin" sql complaints --dialect spark --table complaints --by region --col complaints.time=created_at \
  --col complaints.id=ticket_id --col complaints.customer=customer_id --col complaints.channel=channel \
  >"$work/complaints-spark.sql"
"$bin" sql --dialect duckdb --query "SELECT * FROM read_parquet('$work/deliveries/*.parquet')" "${args[@]}" \
  >"$work/count-duckdb.sql"

echo "== Spark (local[*], $(nproc) cores)"
export SPARK_LOCAL_IP=127.0.0.1
"$py" - "$work" <<'PY'
import csv, sys, time
from pyspark.sql import SparkSession
work = sys.argv[1]
spark = (SparkSession.builder.master("local[*]").appName("complaint-rate")
         .config("spark.driver.memory", "8g").config("spark.sql.session.timeZone", "UTC")
         .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
         .getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
query = open(f"{work}/count-spark.sql").read().strip().rstrip(";")
t = time.time()
spark.read.parquet(f"{work}/deliveries").createOrReplaceTempView("deliveries")
result = spark.sql(query)
rows = result.collect()
seconds = time.time() - t
with open(f"{work}/agg-spark.csv", "w", newline="") as f:
    out = csv.writer(f)
    out.writerow(result.columns)
    out.writerows([str(v) for v in r] for r in rows)
print(f"spark: {seconds:.1f} s, {len(rows)} result rows, {sum(r[-1] for r in rows)} deliveries")
open(f"{work}/spark.seconds", "w").write(f"{seconds:.1f}")
# The complaints side too: read with its types (created_at a timestamp), counted
# per day and region with repeats and switches by the tool's window functions.
(spark.read.option("header", True).option("inferSchema", True)
    .csv(f"{work}/complaints.csv").createOrReplaceTempView("complaints"))
result = spark.sql(open(f"{work}/complaints-spark.sql").read().strip().rstrip(";"))
with open(f"{work}/complaints-agg-spark.csv", "w", newline="") as f:
    out = csv.writer(f)
    out.writerow(result.columns)
    out.writerows([str(v) for v in r] for r in result.collect())
spark.stop()
PY

echo "== DuckDB, the duckdb dialect over the same files"
"$py" - "$work" <<'PY'
import sys, time, duckdb
work = sys.argv[1]
query = open(f"{work}/count-duckdb.sql").read().strip().rstrip(";")
t = time.time()
duckdb.connect().execute(f"COPY ({query}) TO '{work}/agg-duckdb.csv' (HEADER)")
seconds = time.time() - t
print(f"duckdb: {seconds:.1f} s")
open(f"{work}/duckdb.seconds", "w").write(f"{seconds:.1f}")
PY

echo "== complaint-rate: from the raw rows, from Spark's count, from DuckDB's"
report() { "$bin" report --complaints "$work/complaints.csv" --by region --format json "$@"; }
t0=$(date +%s.%N)
report --deliveries "$work/deliveries" >"$work/raw.json"
t1=$(date +%s.%N)
report --deliveries "$work/agg-spark.csv" >"$work/spark.json"
t2=$(date +%s.%N)
report --deliveries "$work/agg-duckdb.csv" >"$work/duckdb.json"
raw=$(printf '%.1f' "$(echo "$t1 - $t0" | bc)")
from_count=$(printf '%.1f' "$(echo "$t2 - $t1" | bc)")
python3 tests/database/same_report.py --aggregate "$work/raw.json" "$work/spark.json" "Spark count = raw rows"
python3 tests/database/same_report.py --aggregate "$work/raw.json" "$work/duckdb.json" "DuckDB count = raw rows"
"$bin" report --complaints "$work/complaints-agg-spark.csv" --deliveries "$work/agg-spark.csv" --by region \
  --format json >"$work/both-spark.json"
python3 tests/database/same_report.py --cells "$work/raw.json" "$work/both-spark.json" "Spark, both sides counted = raw rows"

cat <<EOF

| $rows deliveries (Parquet, $(du -sh "$work/deliveries" | awk '{print $1}')) | seconds |
|---|---|
| Spark (local, $(nproc) cores): \`sql --dialect spark\` count | $(cat "$work/spark.seconds") |
| DuckDB: \`sql --dialect duckdb\` count | $(cat "$work/duckdb.seconds") |
| complaint-rate report from the raw Parquet rows | $raw |
| complaint-rate report from the count | $from_count |
EOF
