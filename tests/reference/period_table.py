#!/usr/bin/env python3
"""Independent reference for `complaint-rate report`: the same period table
computed by DuckDB SQL (counts, periods, repeats, switches) plus plain Python
for the Wilson interval and the Laney p' limits (SPEC §3-§5).

    period_table.py --complaints C.csv --deliveries D.csv [--period week]
                    [--by region] [--window-days 7] [--european] --out REF.csv

Inputs are the generator's exports (examples/generate.rs)."""

import argparse
import csv
import math

import duckdb

Z95 = 1.959963984540054


def wilson(x, n):
    if n == 0 or x > n:
        return None, None
    p = x / n
    z2 = Z95 * Z95
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    low = 0.0 if x == 0 else max(0.0, centre - half)
    high = 1.0 if x == n else min(1.0, centre + half)
    return low, high


def laney(rows):
    """rows: one segment's rows in period order; sets lcl/ucl/signal."""
    used = [r for r in rows if r["deliveries"] > 0]
    if len(used) < 2:
        return
    pbar = sum(r["complaints"] for r in used) / sum(r["deliveries"] for r in used)
    if pbar >= 1:
        return
    sigma = lambda r: math.sqrt(pbar * (1 - pbar) / r["deliveries"])
    if pbar in (0.0, 1.0):
        sigma_z = 0.0
    else:
        z = [(r["complaints"] / r["deliveries"] - pbar) / sigma(r) for r in used]
        sigma_z = sum(abs(b - a) for a, b in zip(z, z[1:])) / (len(z) - 1) / 1.128
    for r in used:
        half = 3 * sigma(r) * sigma_z
        r["lcl"], r["ucl"] = max(0.0, pbar - half), min(1.0, pbar + half)
        p = r["complaints"] / r["deliveries"]
        r["signal"] = "above" if p > r["ucl"] else "below" if p < r["lcl"] else ""
    # Anhøj: the longest run on one side of p-bar (points on it skipped); if
    # longer than round(log2 k) + 3, its rows are a `shift` (first such run).
    useful = [(r, r["complaints"] / r["deliveries"] > pbar) for r in used if r["complaints"] / r["deliveries"] != pbar]
    if len(useful) < 2:
        return
    best, best_len, start = 0, 0, 0
    for k in range(len(useful) + 1):
        if k == len(useful) or useful[k][1] != useful[start][1]:
            if k - start > best_len:
                best, best_len = start, k - start
            start = k
    if best_len > round(math.log2(len(useful))) + 3:
        for r, _ in useful[best:best + best_len]:
            if not r["signal"]:
                r["signal"] = "shift"


TRUNC = {"day": "day", "week": "week", "month": "month", "quarter": "quarter", "year": "year"}
NEXT = {"day": "1 day", "week": "7 days", "month": "1 month", "quarter": "3 months", "year": "1 year"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--complaints", required=True)
    ap.add_argument("--deliveries", required=True)
    ap.add_argument("--period", default="week", choices=list(TRUNC))
    ap.add_argument("--by")
    ap.add_argument("--window-days", type=int, default=7)
    ap.add_argument("--european", action="store_true")
    ap.add_argument("--native", action="store_true",
                    help="let DuckDB detect types itself (CSV) or read typed Parquet: the benchmark's way")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    sep, fmt = (";", "%d.%m.%Y %H:%M") if a.european else (",", "%Y-%m-%d %H:%M:%S")
    seg = f"coalesce(trim({a.by}), '')" if a.by else "''"
    unit = TRUNC[a.period]
    db = duckdb.connect()
    if a.native:
        read = lambda path: f"read_parquet('{path}')" if path.endswith(".parquet") else f"read_csv('{path}')"
        d_time, c_time = "delivered_at::timestamp", "created_at::timestamp"
    else:
        read = lambda path: f"read_csv('{path}', delim='{sep}', header=true, all_varchar=true)"
        d_time, c_time = f"strptime(delivered_at, '{fmt}')", f"strptime(created_at, '{fmt}')"
    db.execute(f"""
        create table d as
        select date_trunc('{unit}', {d_time})::date as period, {seg} as segment
        from {read(a.deliveries)};
        create table c0 as
        select row_number() over () as file_row, *,
               {c_time} as t,
               nullif(lower(trim(channel)), '') as ch,
               nullif(trim(customer_id), '') as customer
        from {read(a.complaints)};
        create table c as
        select date_trunc('{unit}', t)::date as period, {seg} as segment,
               customer is not null and lag(t) over w is not null
                 and t - lag(t) over w <= interval {a.window_days} day as repeat,
               lag(ch) over w as previous_channel, ch
        from c0
        window w as (partition by customer order by t, file_row);
        create table cells as
        with dc as (select period, segment, count(*) as deliveries from d group by all),
             cc as (select period, segment, count(*) as complaints,
                           count(*) filter (where repeat) as repeats,
                           count(*) filter (where repeat and ch is not null and previous_channel is not null
                                            and ch <> previous_channel) as switches
                    from c group by all)
        select coalesce(dc.period, cc.period) as period, coalesce(dc.segment, cc.segment) as segment,
               coalesce(deliveries, 0) as deliveries, coalesce(complaints, 0) as complaints,
               coalesce(repeats, 0) as repeats, coalesce(switches, 0) as switches
        from dc full outer join cc on dc.period = cc.period and dc.segment = cc.segment;
        create table grid as
        select p.period::date as period, s.segment
        from (select unnest(generate_series(min(period), max(period), interval {NEXT[a.period]})) as period from cells) p,
             (select distinct segment from cells) s;
    """)
    result = db.execute(f"""
        select g.period, (g.period + interval {NEXT[a.period]} - interval 1 day)::date as period_end, g.segment,
               coalesce(deliveries, 0), coalesce(complaints, 0), coalesce(repeats, 0), coalesce(switches, 0)
        from grid g left join cells using (period, segment)
        order by g.period, g.segment
    """).fetchall()

    finish(result, a.by, a.out)


def finish(result, by, out):
    """result: (period_start, period_end, segment, deliveries, complaints,
    repeats, switches) for every period x segment, in order. Adds Wilson,
    Laney and the total row; writes the tool's CSV columns."""
    rows = [dict(period_start=str(p), period_end=str(e), segment=s, deliveries=n, complaints=x,
                 repeats=r, switches=w, lcl=None, ucl=None, signal="") for p, e, s, n, x, r, w in result]
    for segment in sorted({r["segment"] for r in rows}):
        laney([r for r in rows if r["segment"] == segment])
    total = dict(period_start="total", period_end="", segment="", lcl=None, ucl=None, signal="",
                 **{k: sum(r[k] for r in rows) for k in ("deliveries", "complaints", "repeats", "switches")})

    def cells(r):
        n, x, rep, sw = r["deliveries"], r["complaints"], r["repeats"], r["switches"]
        lo, hi = wilson(x, n)
        ratio = lambda a, b: a / b if b else None
        seg = [r["segment"]] if by else []
        return [r["period_start"], r["period_end"], *seg, n, x, ratio(x, n), ratio(1000 * x, n), lo, hi,
                rep, ratio(rep, x), x - rep, sw, ratio(sw, rep), r["lcl"], r["ucl"], r["signal"]]

    header = ["period_start", "period_end", *([by] if by else []), "deliveries", "complaints",
              "complaint_rate", "per_1000", "rate_low", "rate_high", "repeat_complaints", "repeat_rate",
              "problems", "channel_switches", "switch_rate", "lcl", "ucl", "signal"]
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows + [total]:
            w.writerow(["" if v is None else repr(v) if isinstance(v, float) else v for v in cells(r)])


if __name__ == "__main__":
    main()
