#!/usr/bin/env bash
# The deliveries count pushed down to a real PostgreSQL (docs/METHODS.md §1.6).
#
# Starts a throw-away server (Debian's postgresql package) on a Unix socket in
# a temp dir, with password login, loads generated deliveries, and checks that
#   - `report --deliveries postgresql://…` equals `report` over the same rows
#     exported as CSV, cell for cell (plain, --where, --tz on timestamptz,
#     order lines, a ?query= source, --attribute delivery, a .pgpass login);
#   - the query of `sql --dialect postgres`, run by psql, and of
#     `sql --dialect duckdb`, run by DuckDB, give files that report the same,
#     with --tz and without, on naive and on timestamptz columns;
#   - `sql complaints` and `sql deliveries`, both run in the database
#     (PostgreSQL and DuckDB), give two small tables whose report has the
#     raw rows' cells;
#   - a wrong password, a missing table or column, a permission denied and a
#     refused connection exit 2 with a message that never shows a password.
# Stops the server and removes everything at the end, pass or fail.
#
#     bash tests/database/postgres.sh          (after cargo test built the binaries)
set -euo pipefail
cd "$(dirname "$0")/../.."

target="${CARGO_TARGET_DIR:-target}"
bin="$target/debug/complaint-rate"
generate="$target/debug/examples/generate"
py="${COMPLAINT_RATE_VENV:-$HOME/.cache/complaint-rate/venv}/bin/python"
[ -x "$bin" ] && [ -x "$generate" ] || { echo "build first: cargo test (or cargo build --examples)"; exit 1; }
"$py" -c 'import duckdb' || { echo "needs DuckDB in $py (see .ci/run)"; exit 1; }
source tests/database/server.sh

# Generated deliveries, with what real tables have: canceled orders, a few
# rows without a time, padded and missing regions; the same rows as
# timestamptz, and as order lines (1–3 lines per order).
"$generate" --deliveries 60000 --regions 3 --out "$work/data" >/dev/null
psql -d shop <<SQL
CREATE TABLE raw (order_id text, delivered_at timestamp, region text, customer_id text);
\copy raw FROM '$work/data/deliveries.csv' CSV HEADER
CREATE TABLE deliveries AS
  SELECT order_id, delivered_at, region, customer_id,
         CASE WHEN right(order_id, 1) = '7' THEN 'Canceled' ELSE 'delivered' END AS status
  FROM raw;
UPDATE deliveries SET delivered_at = NULL WHERE right(order_id, 3) = '500';
UPDATE deliveries SET region = ' ' || region || ' ' WHERE right(order_id, 2) = '13';
UPDATE deliveries SET region = 'NA' WHERE right(order_id, 3) = '999';
CREATE TABLE deliveries_tz AS
  SELECT order_id, delivered_at AT TIME ZONE 'UTC' AS delivered_at, region, customer_id FROM deliveries;
CREATE TABLE order_lines AS
  SELECT d.*, line FROM deliveries d, generate_series(1, 1 + abs(hashtext(order_id)) % 3) AS line;
CREATE ROLE viewer LOGIN PASSWORD 'Zq9-viewer-pass';
\copy (SELECT * FROM deliveries ORDER BY order_id) TO '$work/deliveries.csv' CSV HEADER
\copy (SELECT order_id, to_char(delivered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS delivered_at, region, customer_id FROM deliveries_tz ORDER BY order_id) TO '$work/deliveries_tz.csv' CSV HEADER
\copy (SELECT order_id, to_char(delivered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS delivered_at, region FROM deliveries_tz ORDER BY order_id) TO '$work/deliveries_tz-counted.csv' CSV HEADER
\copy (SELECT * FROM order_lines ORDER BY order_id, line) TO '$work/order_lines.csv' CSV HEADER
\copy (SELECT order_id, delivered_at, region, status FROM deliveries ORDER BY order_id) TO '$work/deliveries-counted.csv' CSV HEADER
SQL
complaints="$work/data/complaints.csv"

failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

# report over the database against report over the CSV of the same rows.
same() {
  local label=$1 source=$2 csv=$3
  shift 3
  "$bin" report --complaints "$complaints" --deliveries "$url&$source" "$@" --format json >"$work/out/db.json" \
    || { fail "$label: report from PostgreSQL failed"; return; }
  "$bin" report --complaints "$complaints" --deliveries "$csv" "$@" --format json >"$work/out/csv.json"
  if grep -q "$password" "$work/out/db.json"; then fail "$label: the password is in the output"; fi
  python3 tests/database/same_report.py "$work/out/csv.json" "$work/out/db.json" "$label" || failures=$((failures + 1))
}

echo "== report from PostgreSQL = report from CSV"
same "plain, by region" table=deliveries "$work/deliveries.csv" --by region
same "--where, by month" table=deliveries "$work/deliveries.csv" --by region --period month --where 'deliveries.status!=canceled'
same "timestamptz, --tz" table=deliveries_tz "$work/deliveries_tz.csv" --by region --tz Europe/Tallinn
same "order lines" table=order_lines "$work/order_lines.csv" --by region
same "--attribute delivery" table=deliveries "$work/deliveries.csv" --by region --attribute delivery
query=$(python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))' \
  "SELECT order_id, delivered_at AS shipped, region, customer_id, status FROM deliveries")
sed '1s/delivered_at/shipped/' "$work/deliveries.csv" >"$work/shipped.csv"
same "?query=" "query=$query" "$work/shipped.csv" --by region --col deliveries.time=shipped
# Login from a .pgpass file instead of PGPASSWORD.
printf 'localhost:%s:shop:cr:%s\n' "$port" "$password" >"$work/pgpass"
chmod 600 "$work/pgpass"
PGPASSWORD= PGPASSFILE="$work/pgpass" same ".pgpass login" table=deliveries "$work/deliveries.csv" --by region

echo "== sql --dialect: the query's result reports the same as the raw rows"
# The aggregate was filtered and dated in the database: its rows carry no
# rejections, so the deliveries' ledger is left out of these comparisons.
# It has no customers either (no chance baseline for concentration): the raw
# side is the same rows without the customer column.
agg_same() {
  local label=$1 agg=$2
  shift 2
  "$bin" report --complaints "$complaints" --deliveries "$work/deliveries-counted.csv" "$@" --where 'deliveries.status!=canceled' \
    --format json >"$work/out/raw.json"
  "$bin" report --complaints "$complaints" --deliveries "$agg" "$@" --format json >"$work/out/agg.json" \
    || { fail "$label: report from the aggregate failed"; return; }
  python3 tests/database/same_report.py --aggregate "$work/out/raw.json" "$work/out/agg.json" "$label" \
    || failures=$((failures + 1))
}
# The count (filtered in the database) against the raw rows filtered by report.
sql_args=(--table deliveries --by region --col deliveries.time=delivered_at --where 'deliveries.status!=canceled')
"$bin" sql --dialect postgres "${sql_args[@]}" >"$work/count.sql"
psql -d shop --csv -f "$work/count.sql" >"$work/agg-postgres.csv"
agg_same "postgres, per day" "$work/agg-postgres.csv" --by region
"$bin" sql --dialect postgres "${sql_args[@]}" --period week >"$work/count-week.sql"
psql -d shop --csv -f "$work/count-week.sql" >"$work/agg-postgres-week.csv"
agg_same "postgres, per ISO week" "$work/agg-postgres-week.csv" --by region --period week
"$bin" sql --dialect duckdb "${sql_args[@]}" >"$work/count-duckdb.sql"
"$py" - "$work" <<'PY'
import sys, duckdb
work = sys.argv[1]
con = duckdb.connect()
con.execute(f"""CREATE TABLE deliveries AS SELECT * FROM read_csv('{work}/deliveries.csv', header = true,
    columns = {{'order_id': 'VARCHAR', 'delivered_at': 'TIMESTAMP', 'region': 'VARCHAR',
               'customer_id': 'VARCHAR', 'status': 'VARCHAR'}})""")
query = open(f"{work}/count-duckdb.sql").read().strip().rstrip(";")
con.execute(f"COPY ({query}) TO '{work}/agg-duckdb.csv' (HEADER)")
PY
agg_same "duckdb, per day" "$work/agg-duckdb.csv" --by region

echo "== sql --tz: naive times are local already, zone-aware ones converted (as report reads them)"
# --tz on a naive column changes nothing, in the database as in report.
"$bin" sql --dialect postgres "${sql_args[@]}" --tz Europe/Riga --period week >"$work/count-riga.sql"
psql -d shop --csv -f "$work/count-riga.sql" >"$work/agg-riga.csv"
agg_same "postgres, naive times, --tz Europe/Riga" "$work/agg-riga.csv" --by region --tz Europe/Riga --period week
# A timestamptz column is converted to --tz; the raw side is the same rows
# with their offsets.
raw_same() {
  local label=$1 raw=$2 agg=$3
  shift 3
  "$bin" report --complaints "$complaints" --deliveries "$raw" "$@" --format json >"$work/out/raw.json"
  "$bin" report --complaints "$complaints" --deliveries "$agg" "$@" --format json >"$work/out/agg.json" \
    || { fail "$label: report from the aggregate failed"; return; }
  python3 tests/database/same_report.py --aggregate "$work/out/raw.json" "$work/out/agg.json" "$label" \
    || failures=$((failures + 1))
}
"$bin" sql --dialect postgres --table deliveries_tz --by region --col deliveries.time=delivered_at --tz Europe/Tallinn \
  >"$work/count-tz.sql"
psql -d shop --csv -f "$work/count-tz.sql" >"$work/agg-tz.csv"
raw_same "postgres, timestamptz, --tz Europe/Tallinn" "$work/deliveries_tz-counted.csv" "$work/agg-tz.csv" --by region --tz Europe/Tallinn
"$bin" sql --dialect postgres --table deliveries_tz --by region --col deliveries.time=delivered_at >"$work/count-tz-utc.sql"
psql -d shop --csv -f "$work/count-tz-utc.sql" >"$work/agg-tz-utc.csv"
raw_same "postgres, timestamptz, no --tz (UTC)" "$work/deliveries_tz-counted.csv" "$work/agg-tz-utc.csv" --by region

echo "== sql complaints + sql deliveries: both sides counted in the database, the same cells"
psql -d shop <<SQL
CREATE TABLE complaints (ticket_id text, created_at timestamp, customer_id text, order_id text,
                         channel text, category text, region text);
\copy complaints FROM '$complaints' CSV HEADER
CREATE TABLE complaints_tz AS
  SELECT ticket_id, created_at AT TIME ZONE 'UTC' AS created_at, customer_id, channel, region FROM complaints;
\copy (SELECT ticket_id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at, customer_id, channel, region FROM complaints_tz ORDER BY ticket_id) TO '$work/complaints_tz.csv' CSV HEADER
SQL
both_same() {
  local label=$1 dialect=$2 complaints_table=$3 raw_complaints=$4
  shift 4
  local c_args=(complaints --dialect "$dialect" --table "$complaints_table" --by region --col complaints.time=created_at
    --col complaints.customer=customer_id --col complaints.channel=channel --col complaints.id=ticket_id "$@")
  local d_args=(deliveries --dialect "$dialect" --table deliveries --by region --col deliveries.time=delivered_at "$@")
  "$bin" sql "${c_args[@]}" >"$work/c-$dialect.sql"
  "$bin" sql "${d_args[@]}" >"$work/d-$dialect.sql"
  if [ "$dialect" = postgres ]; then
    psql -d shop --csv -f "$work/c-$dialect.sql" >"$work/c-agg.csv"
    psql -d shop --csv -f "$work/d-$dialect.sql" >"$work/d-agg.csv"
  else
    "$py" - "$work" "$complaints" "$dialect" "$complaints_table" <<'PY'
import sys, duckdb
work, complaints, dialect, table = sys.argv[1:5]
con = duckdb.connect()
con.execute(f"""CREATE TABLE deliveries AS SELECT * FROM read_csv('{work}/deliveries.csv', header = true,
    columns = {{'order_id': 'VARCHAR', 'delivered_at': 'TIMESTAMP', 'region': 'VARCHAR',
               'customer_id': 'VARCHAR', 'status': 'VARCHAR'}})""")
con.execute(f"""CREATE TABLE complaints AS SELECT * FROM read_csv('{complaints}', header = true,
    types = {{'created_at': 'TIMESTAMP'}})""")
con.execute("""CREATE TABLE complaints_tz AS SELECT ticket_id, timezone('UTC', created_at) AS created_at,
    customer_id, channel, region FROM complaints""")
for side in "cd":
    query = open(f"{work}/{side}-{dialect}.sql").read().strip().rstrip(";")
    con.execute(f"COPY ({query}) TO '{work}/{side}-agg.csv' (HEADER)")
PY
  fi
  "$bin" report --complaints "$raw_complaints" --deliveries "$work/deliveries.csv" --by region "$@" --format json \
    >"$work/out/raw.json"
  "$bin" report --complaints "$work/c-agg.csv" --deliveries "$work/d-agg.csv" --by region "$@" --format json \
    >"$work/out/agg.json" || { fail "$label: report from the two counts failed"; return; }
  python3 tests/database/same_report.py --cells "$work/out/raw.json" "$work/out/agg.json" "$label" \
    || failures=$((failures + 1))
}
both_same "postgres, naive" postgres complaints "$complaints"
both_same "postgres, naive, --tz Europe/Riga, by month" postgres complaints "$complaints" --tz Europe/Riga --period month
both_same "postgres, timestamptz complaints, --tz Europe/Riga" postgres complaints_tz "$work/complaints_tz.csv" --tz Europe/Riga
both_same "duckdb, naive" duckdb complaints "$complaints"
both_same "duckdb, timestamptz complaints, --tz Europe/Riga" duckdb complaints_tz "$work/complaints_tz.csv" --tz Europe/Riga

echo "== errors: exit 2, the host and table named, the password never"
refused() {
  local label=$1 want=$2 secret=$3
  shift 3
  local code=0
  "$@" >"$work/out/stdout" 2>"$work/out/stderr" || code=$?
  if [ "$code" != 2 ]; then fail "$label: exit $code, want 2"; cat "$work/out/stderr"
  elif ! grep -qi -- "$want" "$work/out/stderr"; then fail "$label: message lacks '$want'"; cat "$work/out/stderr"
  elif grep -q -- "$secret" "$work/out/stderr" "$work/out/stdout"; then fail "$label: the password is shown"
  else echo "ok   $label: $(head -c 160 "$work/out/stderr" | tr '\n' ' ')"
  fi
}
report() { "$bin" report --complaints "$complaints" --deliveries "$@"; }
PGPASSWORD=Zq9-wrong-pass refused "wrong password" "password" Zq9-wrong-pass report "$url&table=deliveries"
refused "wrong password in the URL" "password" Zq9-url-pass report "postgresql://cr:Zq9-url-pass@/shop?host=$sock&port=$port&table=deliveries"
refused "missing table" "nosuch" "$password" report "$url&table=nosuch"
refused "missing column" "nosuch" "$password" report "$url&table=deliveries" --by nosuch
PGPASSWORD=Zq9-viewer-pass refused "permission denied" "permission denied" Zq9-viewer-pass \
  report "postgresql://viewer@/shop?host=$sock&port=$port&table=deliveries"
refused "connection refused" "127.0.0.1" "$password" report "postgresql://cr@127.0.0.1:1/shop?table=deliveries"
refused "no table in the URL" "?table=" "$password" report "$url"

echo "== TLS (libpq's sslmode; the server takes TCP logins over TLS only)"
tcp="postgresql://cr@localhost:$port/shop?table=deliveries"
url="postgresql://cr@localhost:$port/shop?sslmode=verify-full&sslrootcert=$ca" \
  same "verify-full with the CA" table=deliveries "$work/deliveries.csv" --by region
PGSSLMODE=verify-full PGSSLROOTCERT="$ca" url="postgresql://cr@localhost:$port/shop?application_name=complaint-rate-test" \
  same "verify-full from PGSSLMODE and PGSSLROOTCERT" table=deliveries "$work/deliveries.csv" --by region
url="postgresql://cr@localhost:$port/shop?sslmode=require" \
  same "require (encrypted, the certificate not checked)" table=deliveries "$work/deliveries.csv" --by region
url="postgresql://cr@localhost:$port/shop?application_name=complaint-rate-test" \
  same "prefer, the default" table=deliveries "$work/deliveries.csv" --by region
url="postgresql://cr@127.0.0.1:$port/shop?sslmode=verify-ca&sslrootcert=$ca" \
  same "verify-ca accepts another host name" table=deliveries "$work/deliveries.csv" --by region
refused "verify-full without the CA" "certificate unknown\|no trusted roots" "$password" report "$tcp&sslmode=verify-full"
refused "verify-full, a wrong host name" "host name mismatch" "$password" \
  report "postgresql://cr@127.0.0.1:$port/shop?table=deliveries&sslmode=verify-full&sslrootcert=$ca"
refused "sslmode=disable on a TLS-only server" "only over TLS" "$password" report "$tcp&sslmode=disable"
refused "an sslmode PostgreSQL does not know" "verify-full" "$password" report "$tcp&sslmode=verify"
refused "an sslrootcert that is not there" "nosuch.pem" "$password" report "$tcp&sslmode=verify-full&sslrootcert=$work/nosuch.pem"

echo "== no password in any output, whatever the format"
secret_url="postgresql://cr:$password@localhost:$port/shop?sslmode=require&table=deliveries"
for format in table csv tsv json ndjson markdown html xlsx; do
  out="$work/out/secret.$format"
  if ! "$bin" report --complaints "$complaints" --deliveries "$secret_url" --by region --format "$format" \
    -o "$out" 2>"$work/out/secret.err"; then
    [ $? = 1 ] || { fail "--format $format with a password in the URL failed"; cat "$work/out/secret.err"; continue; }
  fi
  text="$out"
  if [ "$format" = xlsx ]; then
    mkdir -p "$work/out/xlsx" && (cd "$work/out/xlsx" && python3 -c 'import zipfile, sys; zipfile.ZipFile(sys.argv[1]).extractall()' "$out")
    text="$work/out/xlsx"
  fi
  if grep -rq -- "$password" "$text" "$work/out/secret.err"; then fail "--format $format: the password is in the output"
  elif grep -rq "localhost:$port/shop" "$text"; then echo "ok   --format $format names cr@localhost:$port/shop, not the password"
  else echo "ok   --format $format: no password (the source is not named in it)"
  fi
done
for command in compare customers repeats categories; do
  "$bin" "$command" --complaints "$complaints" --deliveries "$secret_url" --by region --format json \
    >"$work/out/secret.json" 2>"$work/out/secret.err" || true
  if grep -q -- "$password" "$work/out/secret.json" "$work/out/secret.err"; then fail "$command: the password is in the output"
  else echo "ok   $command: no password"
  fi
done

echo "== timeouts, read-only, cancelled queries"
psql -d shop -c 'CREATE SEQUENCE tick'
sleepy=$(python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))' \
  "SELECT d.* FROM deliveries d CROSS JOIN pg_sleep(20)")
running() { psql -d shop -At -c "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(20)%' AND pid <> pg_backend_pid()"; }
started=$(date +%s)
refused "--db-timeout 1 on a 20 s query" "db-timeout" "$password" report "$url&query=$sleepy" --db-timeout 1
took=$(( $(date +%s) - started ))
[ "$took" -le 8 ] || fail "--db-timeout 1 took $took s"
sleep 0.5
[ "$(running)" = 0 ] || fail "the timed-out query still runs on the server"
writes=$(python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))' \
  "SELECT d.*, nextval('tick') AS n FROM deliveries d")
refused "a query that writes" "read-only" "$password" report "$url&query=$writes"
# Ctrl-C while the database counts: the query is cancelled there too (the
# cancel request goes as the session did: plain on the socket, TLS on TCP).
for via in "$url" "postgresql://cr@localhost:$port/shop?sslmode=verify-full&sslrootcert=$ca"; do
  "$bin" report --complaints "$complaints" --deliveries "$via&query=$sleepy" --format json >/dev/null 2>&1 &
  run=$!
  for _ in $(seq 50); do [ "$(running)" = 1 ] && break; sleep 0.1; done
  [ "$(running)" = 1 ] || fail "the 20 s query never started"
  kill -INT "$run"
  code=0; wait "$run" || code=$?
  sleep 0.5
  [ "$code" = 130 ] || fail "Ctrl-C: exit $code, want 130"
  [ "$(running)" = 0 ] && echo "ok   Ctrl-C cancels the query in the database (${via%%/shop*})" \
    || fail "Ctrl-C left the query running (${via%%/shop*})"
done
# A server that accepts the connection and never answers.
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True); time.sleep(60)' >"$work/mute-port" &
mute=$!
for _ in $(seq 50); do [ -s "$work/mute-port" ] && break; sleep 0.1; done
started=$(date +%s)
refused "a server that never answers, connect_timeout=1" "did not answer" "$password" \
  report "postgresql://cr@127.0.0.1:$(cat "$work/mute-port")/shop?table=deliveries&connect_timeout=1&sslmode=disable"
took=$(( $(date +%s) - started ))
[ "$took" -le 8 ] || fail "connect_timeout=1 took $took s"
kill "$mute" 2>/dev/null || true

if [ "$failures" -gt 0 ]; then
  echo "$failures PostgreSQL check(s) failed"
  exit 1
fi
echo "all PostgreSQL checks passed"
