#!/usr/bin/env python3
"""The report's counts as a DuckDB expert writes them, for the benchmark:
the weekly period table by region (deliveries, complaints, repeats within 7
days, channel switches, the coverage window, partial weeks) and the
concentration counts (complainants, customers, customers with 2+ complaints
observed and expected by chance from deliveries per customer).

Typed reads of only the needed columns (`read_csv` with the fixed timestamp
format, or `read_parquet`), one GROUPING SETS scan of the deliveries into a
temp table, one window query for the repeats, and every step that grows
with the rows in the engine: the complainers, the population of customers
and the chance baseline sum(1 - exp(-p n) (1 + p n)) are SQL; Python holds
only the day x region cells and the final numbers. The generated files are
clean (no padding, one spelling per channel), so no trimming or case
folding: the correctness reference (tests/reference/) does all of that on
every value.

    peer_duckdb.py --complaints C.csv|.parquet --deliveries D.csv|.parquet --out OUT.csv --facts FACTS.json"""

import argparse
import json
import os
import sys

import duckdb

sys.path.insert(0, os.path.dirname(__file__))
from peer_common import coverage, period_rows  # noqa: E402


def source(path, columns, time):
    if path.endswith(".parquet"):
        return f"(select {columns} from read_parquet('{path}'))"
    return (f"(select {columns} from read_csv('{path}', header = true, "
            f"types = {{'{time}': 'TIMESTAMP'}}, timestampformat = '%Y-%m-%d %H:%M:%S'))")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--complaints", required=True)
    ap.add_argument("--deliveries", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--facts", required=True)
    a = ap.parse_args()
    db = duckdb.connect()
    deliveries = source(a.deliveries, "delivered_at, region, customer_id", "delivered_at")
    complaints = source(a.complaints, "created_at, customer_id, channel, region", "created_at")

    # Deliveries per day and region, and per customer, in one scan, kept in
    # the engine: Python reads only the day x region cells.
    db.execute(f"""
        create temp table delivered as
        select cast(delivered_at as date) as day, region, customer_id, count(*) as n,
               grouping(customer_id) = 0 as per_customer
        from {deliveries}
        group by grouping sets ((day, region), (customer_id))""")
    per_day = {(d, r): n for d, r, n in db.execute(
        "select day, region, n from delivered where not per_customer").fetchall()}

    # Every complaint with its repeat and switch flags: one window query.
    db.execute(f"""
        create temp table flagged as
        select cast(created_at as date) as day, region, customer_id,
               customer_id is not null and previous is not null
                 and created_at - previous <= interval 7 days as repeat,
               customer_id is not null and previous is not null
                 and created_at - previous <= interval 7 days
                 and channel <> previous_channel as switch
        from (select *, lag(created_at) over w as previous, lag(channel) over w as previous_channel
              from (select *, row_number() over () as file_row from {complaints})
              window w as (partition by customer_id order by created_at, file_row))""")
    complaint_days = dict(db.execute("select day, count(*) from flagged group by day").fetchall())
    first, last = coverage(complaint_days, per_day)
    cells = db.execute(f"""
        select day, region, count(*), count(*) filter (where repeat), count(*) filter (where switch)
        from flagged where day between '{first}' and '{last}' group by day, region""").fetchall()
    if min(d for d, _ in per_day) < first or max(d for d, _ in per_day) > last:
        # The window cuts the deliveries: per customer inside it.
        exposure = f"""(select customer_id, count(*) as n from {deliveries}
            where cast(delivered_at as date) between '{first}' and '{last}' group by customer_id)"""
    else:
        exposure = "(select customer_id, n from delivered where per_customer)"
    deliveries_counted = sum(n for (d, _), n in per_day.items() if first <= d <= last)
    p = sum(c[2] for c in cells) / deliveries_counted
    # Concentration in the engine: complainers, every customer, and the
    # chance baseline sum(P(X >= 2)) for X ~ Poisson(p * deliveries).
    complainants, customers, two_plus, expected = db.execute(f"""
        with complainers as (
            select customer_id, count(*) as k from flagged
            where day between '{first}' and '{last}' and customer_id is not null group by customer_id),
        population as (
            select coalesce(e.n, 0) as n, coalesce(c.k, 0) as k
            from (select * from {exposure} where customer_id is not null) as e
            full outer join complainers as c using (customer_id))
        select count(*) filter (where k > 0), count(*), count(*) filter (where k >= 2),
               sum(1 - exp(-{p!r} * n) * (1 + {p!r} * n))
        from population""").fetchone()
    period_rows(per_day, cells, first, last, a.out)
    json.dump({"complainants": complainants, "customers": customers, "customers_2plus": two_plus,
               "customers_2plus_expected": expected}, open(a.facts, "w"))


if __name__ == "__main__":
    main()
