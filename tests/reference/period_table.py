#!/usr/bin/env python3
"""Independent reference for `complaint-rate report --format csv`: the period
table computed by DuckDB SQL (periods, counts, repeats, channel switches:
period_table.sql) plus plain Python for the Wilson interval, the Laney p'
limits, the Anhøj run rule and the total row.

    period_table.py --complaints C.csv --deliveries D.csv
                    [--period day|week|month|quarter|year] [--by COL]
                    [--window-days 7] [--european] [--no-shift] --out REF.csv

Inputs: deliveries `order_id,delivered_at,region,customer_id`, complaints
`ticket_id,created_at,customer_id,order_id,channel,category,region`; times
`YYYY-MM-DD HH:MM:SS` (`;` and `DD.MM.YYYY HH:MM` with --european). Every
column is read as VARCHAR and times are parsed with strptime; a time that does
not parse is an error (the reference has no rejection ledger). --native (for
the benchmark only) lets DuckDB type the columns itself, or reads Parquet."""

import argparse
import csv
import math
import os
import sys
from statistics import NormalDist

import duckdb

HERE = os.path.dirname(os.path.abspath(__file__))

STEP = {"day": "'1 day'", "week": "'7 days'", "month": "'1 month'", "quarter": "'3 months'", "year": "'1 year'"}


def period_start_sql(period, t):
    """SQL for the first day of the period containing timestamp expression t
    (explicit arithmetic rather than date_trunc)."""
    d = f"cast({t} as date)"
    return {
        "day": d,
        "week": f"({d} - cast(isodow({d}) - 1 as integer))",  # ISO: Monday = 1
        "month": f"make_date(year({d}), month({d}), 1)",
        "quarter": f"make_date(year({d}), 3 * (quarter({d}) - 1) + 1, 1)",
        "year": f"make_date(year({d}), 1, 1)",
    }[period]


def quote_ident(name):
    return '"' + name.replace('"', '""') + '"'


def quote_str(text):
    return "'" + text.replace("'", "''") + "'"


def counts(a):
    """(period_start, period_end, segment, deliveries, complaints, repeats,
    switches) for every period x segment, ordered by period then segment."""
    sep, fmt = (";", "%d.%m.%Y %H:%M") if a.european else (",", "%Y-%m-%d %H:%M:%S")
    if a.native:
        def source(path):
            return f"read_parquet({quote_str(path)})" if path.endswith(".parquet") else f"read_csv({quote_str(path)})"

        def time(col):
            return f"cast({col} as timestamp)"
    else:
        def source(path):
            return (f"read_csv({quote_str(path)}, delim={quote_str(sep)}, quote='\"', escape='\"', "
                    f"header=true, all_varchar=true)")

        def time(col):
            return f"try_strptime(utrim({col}), {quote_str(fmt)})"
    segment = f"coalesce(utrim(cast({quote_ident(a.by)} as varchar)), '')" if a.by else "''"
    sql = open(os.path.join(HERE, "period_table.sql")).read()
    # @@PERIOD_START(t)@@ is the only parameterised placeholder.
    sql = sql.replace("@@PERIOD_START(t)@@", period_start_sql(a.period, "t"))
    for name, value in {
        "DELIVERIES_SOURCE": source(a.deliveries),
        "COMPLAINTS_SOURCE": source(a.complaints),
        "DELIVERY_TIME": time("delivered_at"),
        "COMPLAINT_TIME": time("created_at"),
        "DELIVERY_SEGMENT": segment,
        "COMPLAINT_SEGMENT": segment,
        "WINDOW_US": str(a.window_days * 86_400_000_000),
        "STEP": STEP[a.period],
    }.items():
        sql = sql.replace(f"@@{name}@@", value)
    assert "@@" not in sql, "unfilled placeholder"
    db = duckdb.connect()
    db.execute(sql)
    for table, column in [("deliveries_t", "delivered_at"), ("complaints_t", "created_at")]:
        bad = db.execute(f"select count(*), min(raw_time::varchar) from {table} where t is null").fetchone()
        if bad[0]:
            sys.exit(f"period_table.py: {bad[0]} {column} value(s) do not parse as {fmt!r}, e.g. {bad[1]!r}")
    return db.execute("""
        select period_start, period_end, segment, deliveries, complaints, repeats, switches
        from period_table order by period_start, segment
    """).fetchall()


def wilson(x, n, z):
    """Wilson score interval; (None, None) when n = 0 or x > n."""
    if n == 0 or x > n:
        return None, None
    p = x / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    low = 0.0 if x == 0 else centre - half
    return low, centre + half


def laney(rows, shift):
    """rows: one segment's rows in period order. Sets lcl, ucl, signal on the
    rows with deliveries, when at least two have them and p-bar < 1."""
    used = [r for r in rows if r["deliveries"] > 0]
    if len(used) < 2:
        return
    pbar = sum(r["complaints"] for r in used) / sum(r["deliveries"] for r in used)
    if pbar >= 1:  # sigma would be 0 or imaginary: no limits
        return

    def sigma(r):
        return math.sqrt(pbar * (1 - pbar) / r["deliveries"])

    rate = {id(r): r["complaints"] / r["deliveries"] for r in used}
    if pbar == 0:  # every rate is 0: z is 0/0, taken as 0, so sigma_z = 0
        sigma_z = 0.0
    else:
        z = [(rate[id(r)] - pbar) / sigma(r) for r in used]
        sigma_z = sum(abs(z[i] - z[i - 1]) for i in range(1, len(z))) / (len(z) - 1) / 1.128
    for r in used:
        half = 3 * sigma(r) * sigma_z
        r["lcl"], r["ucl"] = max(0.0, pbar - half), min(1.0, pbar + half)
        p = rate[id(r)]
        r["signal"] = "above" if p > r["ucl"] else "below" if p < r["lcl"] else ""
    if shift:
        anhoej_run(used, [rate[id(r)] for r in used], pbar)


def anhoej_run(used, rates, centre):
    """Anhøj run rule (the tool's `shift`): among points off the centre line,
    if the longest run on one side exceeds round(log2 k) + 3 (k = such
    points), its rows without an above/below signal become `shift`; of equal
    longest runs, the first."""
    sides = [(r, p > centre) for r, p in zip(used, rates) if p != centre]
    k = len(sides)
    if k < 2:
        return
    limit = math.floor(math.log2(k) + 0.5) + 3
    runs, start = [], 0
    for i in range(1, k + 1):
        if i == k or sides[i][1] != sides[start][1]:
            runs.append((start, i - start))
            start = i
    best_start, best_len = max(runs, key=lambda run: (run[1], -run[0]))
    if best_len > limit:
        for r, _ in sides[best_start:best_start + best_len]:
            if not r["signal"]:
                r["signal"] = "shift"


def finish(result, by, out, z=NormalDist().inv_cdf(0.975), shift=True):
    """result: (period_start, period_end, segment, deliveries, complaints,
    repeats, switches) for every period x segment, in order. Adds Wilson,
    Laney and the total row; writes the tool's CSV columns. (Also used by
    bench/peer_polars.py.)"""
    rows = [dict(period_start=str(p), period_end=str(e), segment=s, deliveries=n, complaints=x,
                 repeats=rep, switches=sw, lcl=None, ucl=None, signal="")
            for p, e, s, n, x, rep, sw in result]
    for segment in sorted({r["segment"] for r in rows}):
        laney([r for r in rows if r["segment"] == segment], shift)
    total = dict(period_start="total", period_end="", segment="", lcl=None, ucl=None, signal="",
                 **{k: sum(r[k] for r in rows) for k in ("deliveries", "complaints", "repeats", "switches")})

    def ratio(a, b):
        return a / b if b else None

    def cells(r):
        n, x, rep, sw = r["deliveries"], r["complaints"], r["repeats"], r["switches"]
        low, high = wilson(x, n, z)
        return [r["period_start"], r["period_end"], *([r["segment"]] if by else []),
                n, x, ratio(x, n), ratio(1000 * x, n), low, high,
                rep, ratio(rep, x), x - rep, sw, ratio(sw, rep), r["lcl"], r["ucl"], r["signal"]]

    header = ["period_start", "period_end", *([by] if by else []), "deliveries", "complaints",
              "complaint_rate", "per_1000", "rate_low", "rate_high", "repeat_complaints", "repeat_rate",
              "problems", "channel_switches", "switch_rate", "lcl", "ucl", "signal"]
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows + [total]:
            w.writerow(["" if v is None else repr(v) if isinstance(v, float) else v for v in cells(r)])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--complaints", required=True)
    ap.add_argument("--deliveries", required=True)
    ap.add_argument("--period", default="week", choices=list(STEP))
    ap.add_argument("--by", help="segment column, present in both files")
    ap.add_argument("--window-days", type=int, default=7)
    ap.add_argument("--european", action="store_true", help="';' separated, times DD.MM.YYYY HH:MM")
    ap.add_argument("--confidence", type=float, default=0.95,
                    help="of the Wilson interval (0.95: z = 1.959963984540054)")
    ap.add_argument("--no-shift", action="store_true",
                    help="signal only above/below (no Anhøj `shift` for the longest run)")
    ap.add_argument("--native", action="store_true",
                    help="benchmark only: DuckDB types CSV columns itself, or reads typed Parquet")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    if a.window_days < 0:
        ap.error("--window-days must be >= 0")
    result = counts(a)
    if not result:
        sys.exit("period_table.py: nothing to report (no rows in either file)")
    z = NormalDist().inv_cdf(1 - (1 - a.confidence) / 2)
    finish(result, a.by, a.out, z=z, shift=not a.no_shift)


if __name__ == "__main__":
    main()
