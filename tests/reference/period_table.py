#!/usr/bin/env python3
"""Independent reference for `complaint-rate report --format csv`: the period
table computed by DuckDB SQL (the coverage window, periods, counts, repeats,
channel switches, partial periods: period_table.sql) plus plain Python for the
Wilson interval, the Laney p' limits, the Anhøj run rules and the total row.

    period_table.py --complaints C.csv --deliveries D.csv
                    [--period day|week|month|quarter|year|all] [--by COL]
                    [--window-days 7] [--from YYYY-MM-DD] [--to YYYY-MM-DD]
                    [--european] [--no-shift] --out REF.csv

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

STEP = {"day": "'1 day'", "week": "'7 days'", "month": "'1 month'", "quarter": "'3 months'", "year": "'1 year'",
        "all": "'1 day'"}  # all: every row has the same period_start, so one period


def period_start_sql(period, t):
    """SQL for the first day of the period containing timestamp expression t
    (explicit arithmetic rather than date_trunc). --period all: the first
    counted date (table `span`)."""
    d = f"cast({t} as date)"
    return {
        "day": d,
        "week": f"({d} - cast(isodow({d}) - 1 as integer))",  # ISO: Monday = 1
        "month": f"make_date(year({d}), month({d}), 1)",
        "quarter": f"make_date(year({d}), 3 * (quarter({d}) - 1) + 1, 1)",
        "year": f"make_date(year({d}), 1, 1)",
        "all": "(select first from span)",
    }[period]


def period_end_sql(period, start):
    """SQL for the last day of the period starting on date expression start."""
    if period == "all":
        return "(select last from span)"
    return f"(cast(cast({start} as timestamp) + interval {STEP[period]} as date) - 1)"


def date_sql(text):
    return "cast(null as date)" if text is None else f"date {quote_str(text)}"


def quote_ident(name):
    return '"' + name.replace('"', '""') + '"'


def quote_str(text):
    return "'" + text.replace("'", "''") + "'"


def load(a):
    """A DuckDB connection holding period_table.sql's tables for the inputs and
    flags in a (complaints, deliveries, european, native, by, period,
    window_days, date_from, date_to): among them complaints_flagged (every
    complaint, repeat/switch flags), coverage (the window W: w_first, w_last),
    deliveries_counted, complaints_counted and period_table. Also used by
    segments_customers.py."""
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
    # @@PERIOD_START(t)@@ and @@PERIOD_END(g.period_start)@@ are the only
    # parameterised placeholders.
    sql = sql.replace("@@PERIOD_START(t)@@", period_start_sql(a.period, "t"))
    sql = sql.replace("@@PERIOD_END(g.period_start)@@", period_end_sql(a.period, "g.period_start"))
    for name, value in {
        "DELIVERIES_SOURCE": source(a.deliveries),
        "COMPLAINTS_SOURCE": source(a.complaints),
        "DELIVERY_TIME": time("delivered_at"),
        "COMPLAINT_TIME": time("created_at"),
        "DELIVERY_SEGMENT": segment,
        "COMPLAINT_SEGMENT": segment,
        "WINDOW_US": str(a.window_days * 86_400_000_000),
        "STEP": STEP[a.period],
        "FROM": date_sql(a.date_from),
        "TO": date_sql(a.date_to),
        "ALL": "true" if a.period == "all" else "false",
    }.items():
        sql = sql.replace(f"@@{name}@@", value)
    assert "@@" not in sql, "unfilled placeholder"
    db = duckdb.connect()
    # The input checks run before the window is computed.
    setup, rest = sql.split("-- Coverage (METHODS", 1)
    db.execute(setup)
    for table, column in [("deliveries_t", "delivered_at"), ("complaints_t", "created_at")]:
        bad = db.execute(f"select count(*), min(raw_time::varchar) from {table} where t is null").fetchone()
        if bad[0]:
            sys.exit(f"period_table.py: {bad[0]} {column} value(s) do not parse as {fmt!r}, e.g. {bad[1]!r}")
    db.execute("-- Coverage (METHODS" + rest)
    return db


def counts(a):
    """(period_start, period_end, segment, deliveries, complaints, repeats,
    switches, partial) for every period x segment, ordered by period then
    segment. Exits, like the tool, when the deliveries have no counted row,
    or the complaints have rows but none counted (none inside --from/--to,
    or none inside the window W)."""
    db = load(a)
    for what, table, counted in [("deliveries", "deliveries_t", "deliveries_counted"),
                                 ("complaints", "complaints_t", "complaints_counted")]:
        rows, used = db.execute(f"select (select count(*) from {table}), (select count(*) from {counted})").fetchone()
        if used == 0 and (rows > 0 or what == "deliveries"):
            sys.exit(f"period_table.py: no {what} to count ({rows} row(s), none inside --from/--to and the "
                     "days both exports cover)")
    return db.execute("""
        select period_start, period_end, segment, deliveries, complaints, repeats, switches, partial
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
    rows with deliveries that W does not cut (partial rows get `partial` and
    no limits), when at least two such rows exist and p-bar < 1."""
    for r in rows:
        if r["partial"]:
            r["signal"] = "partial"
    used = [r for r in rows if r["deliveries"] > 0 and not r["partial"]]
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
        anhoej(used, [rate[id(r)] for r in used], pbar)


def binomial_half_quantile_5pct(n):
    """Smallest c with P(X <= c) >= 0.05 for X ~ Binomial(n, 1/2), in exact
    integer arithmetic: 20 * sum_{i<=c} C(n, i) >= 2^n."""
    total, c = 0, 0
    while True:
        total += math.comb(n, c)
        if 20 * total >= 2 ** n:
            return c
        c += 1


def anhoej(used, rates, centre):
    """Anhøj run rules (the tool's `shift`): among the k points off the centre
    line, a shift is signalled when the longest run on one side exceeds
    round(log2 k) + 3, or the crossings (changes of side between consecutive
    points) are fewer than the 5% quantile of Binomial(k - 1, 1/2). Either
    way the rows of the longest run (the first of equal longest runs) without
    an above/below signal become `shift`."""
    sides = [(r, p > centre) for r, p in zip(used, rates) if p != centre]
    k = len(sides)
    if k < 2:
        return
    run_limit = math.floor(math.log2(k) + 0.5) + 3
    crossings = sum(1 for i in range(1, k) if sides[i][1] != sides[i - 1][1])
    runs, start = [], 0
    for i in range(1, k + 1):
        if i == k or sides[i][1] != sides[start][1]:
            runs.append((start, i - start))
            start = i
    best_start, best_len = max(runs, key=lambda run: (run[1], -run[0]))
    if best_len > run_limit or crossings < binomial_half_quantile_5pct(k - 1):
        for r, _ in sides[best_start:best_start + best_len]:
            if not r["signal"]:
                r["signal"] = "shift"


def finish(result, by, out, z=NormalDist().inv_cdf(0.975), shift=True):
    """result: (period_start, period_end, segment, deliveries, complaints,
    repeats, switches[, partial]) for every period x segment, in order (a
    missing partial is False). Adds Wilson, Laney and the total row; writes
    the tool's CSV columns. (Also used by bench/peer_polars.py.)"""
    rows = [dict(period_start=str(p), period_end=str(e), segment=s, deliveries=n, complaints=x,
                 repeats=rep, switches=sw, partial=bool(rest and rest[0]), lcl=None, ucl=None, signal="")
            for p, e, s, n, x, rep, sw, *rest in result]
    for segment in sorted({r["segment"] for r in rows}):
        laney([r for r in rows if r["segment"] == segment], shift)
    total = dict(period_start="total", period_end="", segment="", partial=False, lcl=None, ucl=None, signal="",
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
    ap.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD",
                    help="first day counted (earlier complaints still serve as look-back)")
    ap.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="last day counted")
    ap.add_argument("--european", action="store_true", help="';' separated, times DD.MM.YYYY HH:MM")
    ap.add_argument("--confidence", type=float, default=0.95,
                    help="of the Wilson interval (0.95: z = 1.959963984540054)")
    ap.add_argument("--no-shift", action="store_true",
                    help="signal only above/below/partial (no Anhøj `shift` for the longest run)")
    ap.add_argument("--native", action="store_true",
                    help="benchmark only: DuckDB types CSV columns itself, or reads typed Parquet")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    if a.window_days < 0:
        ap.error("--window-days must be >= 0")
    if a.date_from and a.date_to and a.date_from > a.date_to:
        ap.error(f"--from {a.date_from} is after --to {a.date_to}")
    result = counts(a)
    if not result:
        sys.exit("period_table.py: nothing to report (no counted rows in either file)")
    z = NormalDist().inv_cdf(1 - (1 - a.confidence) / 2)
    finish(result, a.by, a.out, z=z, shift=not a.no_shift)


if __name__ == "__main__":
    main()
