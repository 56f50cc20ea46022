#!/usr/bin/env python3
"""The same weekly period table as `complaint-rate report --period week --by
region --format csv`, computed with Python polars (lazy, streaming engine),
for the benchmark. Wilson, Laney and the output format are shared with the
DuckDB reference (tests/reference/period_table.py).

    peer_polars.py --complaints C.csv|.parquet --deliveries D.csv|.parquet --out OUT.csv"""

import argparse
import datetime as dt
import os
import sys

import polars as pl

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "reference"))
from period_table import finish  # noqa: E402

WINDOW = dt.timedelta(days=7)


def scan(path, time_column):
    if path.endswith(".parquet"):
        return pl.scan_parquet(path)
    return pl.scan_csv(path, schema_overrides={time_column: pl.Datetime("us")})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--complaints", required=True)
    ap.add_argument("--deliveries", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    deliveries = (
        scan(a.deliveries, "delivered_at")
        .group_by(pl.col("delivered_at").dt.truncate("1w").dt.date().alias("period"), pl.col("region").alias("segment"))
        .agg(pl.len().alias("deliveries"))
        .collect(engine="streaming")
    )
    complaints = (
        scan(a.complaints, "created_at")
        .with_row_index("file_row")
        .with_columns(
            pl.col("channel").str.strip_chars().str.to_lowercase().alias("ch"),
            pl.col("customer_id").alias("customer"),
        )
        .sort("customer", "created_at", "file_row")
        .with_columns(
            pl.col("created_at").shift(1).over("customer").alias("previous_time"),
            pl.col("ch").shift(1).over("customer").alias("previous_channel"),
        )
        .with_columns(
            (pl.col("customer").is_not_null()
             & pl.col("previous_time").is_not_null()
             & ((pl.col("created_at") - pl.col("previous_time")) <= WINDOW)).alias("repeat")
        )
        .with_columns(
            (pl.col("repeat") & pl.col("ch").is_not_null() & pl.col("previous_channel").is_not_null()
             & (pl.col("ch") != pl.col("previous_channel"))).alias("switch")
        )
        .group_by(pl.col("created_at").dt.truncate("1w").dt.date().alias("period"), pl.col("region").alias("segment"))
        .agg(pl.len().alias("complaints"), pl.col("repeat").sum().alias("repeats"), pl.col("switch").sum().alias("switches"))
        .collect(engine="streaming")
    )
    cells = {}
    for r in deliveries.iter_rows(named=True):
        cells[(r["period"], r["segment"])] = [r["deliveries"], 0, 0, 0]
    for r in complaints.iter_rows(named=True):
        c = cells.setdefault((r["period"], r["segment"]), [0, 0, 0, 0])
        c[1:] = [r["complaints"], r["repeats"], r["switches"]]
    periods = [p for p, _ in cells]
    segments = sorted({s for _, s in cells})
    first, last = min(periods), max(periods)
    result = []
    week = first
    while week <= last:
        for s in segments:
            n, x, rep, sw = cells.get((week, s), [0, 0, 0, 0])
            result.append((week, week + dt.timedelta(days=6), s, n, x, rep, sw))
        week += dt.timedelta(days=7)
    finish(result, "region", a.out)


if __name__ == "__main__":
    main()
