#!/usr/bin/env python3
"""The regions fixture (testdata/regions/, `;` and dd.mm.yyyy times) as
Parquet with typed timestamps, as a warehouse would write it. Run from the
repository root with a Python that has duckdb: python3 testdata/parquet/make.py"""

import duckdb

for table, time in [("complaints", "created_at"), ("deliveries", "delivered_at")]:
    duckdb.sql(
        f"""copy (select * replace (strptime({time}, '%d.%m.%Y %H:%M') as {time})
                  from read_csv('testdata/regions/{table}.csv', delim = ';', header = true, all_varchar = true))
            to 'testdata/parquet/{table}.parquet' (format parquet)"""
    )
