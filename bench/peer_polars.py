#!/usr/bin/env python3
"""The report's counts as a Python polars expert writes them, for the
benchmark (the same counts as bench/peer_duckdb.py: the weekly period table
by region and the concentration counts).

An explicit schema (every column read as text), the time parsed with
`str.strptime` and the fixed format, only the needed columns, lazy queries
run with the streaming engine (`collect_all` for both deliveries group-bys);
repeats from one sort by (customer, time, file row) and shifted columns; the
concentration counts and the chance baseline as expressions over the count
columns, in the engine. Python holds only the day x region cells and the
final numbers. The generated files are clean (no padding, one spelling per
channel), so no trimming or case folding.

    peer_polars.py --complaints C.csv|.parquet --deliveries D.csv|.parquet --out OUT.csv --facts FACTS.json"""

import argparse
import datetime as dt
import json
import os
import sys

import polars as pl

sys.path.insert(0, os.path.dirname(__file__))
from peer_common import coverage, period_rows  # noqa: E402

FORMAT = "%Y-%m-%d %H:%M:%S"
COLUMNS = {
    "deliveries": ["order_id", "delivered_at", "region", "customer_id"],
    "complaints": ["ticket_id", "created_at", "customer_id", "order_id", "channel", "category", "region"],
}


def scan(path, table, time, needed):
    if path.endswith(".parquet"):
        return pl.scan_parquet(path).select(needed)
    schema = {c: pl.String for c in COLUMNS[table]}
    return (pl.scan_csv(path, schema=schema).select(needed)
            .with_columns(pl.col(time).str.strptime(pl.Datetime("us"), FORMAT, exact=True)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--complaints", required=True)
    ap.add_argument("--deliveries", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--facts", required=True)
    a = ap.parse_args()

    deliveries = scan(a.deliveries, "deliveries", "delivered_at", ["delivered_at", "region", "customer_id"])
    by_day, by_customer = pl.collect_all([
        deliveries.group_by(pl.col("delivered_at").dt.date().alias("day"), "region").agg(pl.len()),
        deliveries.group_by("customer_id").agg(pl.len().alias("n")),
    ], engine="streaming")
    per_day = {(d, r): n for d, r, n in by_day.iter_rows()}

    window = dt.timedelta(days=7)
    same_customer = pl.col("customer_id").is_not_null() & (pl.col("customer_id") == pl.col("customer_id").shift(1))
    repeat = (same_customer & (pl.col("created_at") - pl.col("created_at").shift(1) <= window)).fill_null(False)
    flagged = (
        scan(a.complaints, "complaints", "created_at", ["created_at", "customer_id", "channel", "region"])
        .with_row_index("file_row")
        .sort("customer_id", "created_at", "file_row")
        .select(
            pl.col("created_at").dt.date().alias("day"), "region", "customer_id",
            repeat.alias("repeat"),
            (repeat & (pl.col("channel") != pl.col("channel").shift(1))).fill_null(False).alias("switch"),
        )
        .collect(engine="streaming")
    )
    complaint_days = dict(flagged.group_by("day").len().iter_rows())
    first, last = coverage(complaint_days, per_day)
    counted = flagged.filter(pl.col("day").is_between(first, last))
    cells = counted.group_by("day", "region").agg(
        pl.len(), pl.col("repeat").sum(), pl.col("switch").sum()).rows()
    if min(d for d, _ in per_day) < first or max(d for d, _ in per_day) > last:
        # The window cuts the deliveries: per customer inside it.
        by_customer = (deliveries.filter(pl.col("delivered_at").dt.date().is_between(first, last))
                       .group_by("customer_id").agg(pl.len().alias("n")).collect(engine="streaming"))
    deliveries_counted = sum(n for (d, _), n in per_day.items() if first <= d <= last)
    p = sum(c[2] for c in cells) / deliveries_counted
    # Concentration as expressions over the count columns: complainers,
    # every customer, and the chance baseline sum(P(X >= 2)).
    complainers = counted.filter(pl.col("customer_id").is_not_null()).group_by("customer_id").agg(pl.len().alias("k"))
    m = pl.lit(p) * pl.col("n")
    facts = (
        by_customer.filter(pl.col("customer_id").is_not_null())
        .join(complainers, on="customer_id", how="full", coalesce=True)
        .with_columns(pl.col("n").fill_null(0), pl.col("k").fill_null(0))
        .select(
            (pl.col("k") > 0).sum().alias("complainants"),
            pl.len().alias("customers"),
            (pl.col("k") >= 2).sum().alias("customers_2plus"),
            (1 - (-m).exp() * (1 + m)).sum().alias("customers_2plus_expected"),
        )
        .row(0, named=True)
    )
    period_rows(per_day, cells, first, last, a.out)
    json.dump({k: (int(v) if k != "customers_2plus_expected" else float(v)) for k, v in facts.items()},
              open(a.facts, "w"))


if __name__ == "__main__":
    main()
