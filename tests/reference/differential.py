#!/usr/bin/env python3
"""Differential test: many small random datasets, each reported by
complaint-rate and by the DuckDB reference (period_table.py) with random
periods, windows and segmenting; any disagreement fails.

    differential.py --tool target/debug/complaint-rate [--cases 40] [--seed 1]

Datasets stress ties and edges: same-time complaints, missing customers and
channels, channels differing only in case/space, empty segments, complaints
in periods without deliveries, windows of 0 days, and exports covering
different days (complaints starting later or ending earlier than the
deliveries, densely or sparsely, so the coverage window's clipping, its
tolerance for sparse complaints and partial periods are exercised), with
--from/--to now and then. When the tool refuses a dataset (exit 2: e.g. no
common day, nothing inside --from/--to) the reference must refuse it too. Half the cases give the
tool the deliveries as Parquet (written by DuckDB, timestamps typed or as
text), so the Parquet counter is checked too; the reference always reads the
CSV. (DuckDB writes one row group this small; the unit tests of
src/metrics/parquet_count.rs cover many.)"""

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile

import duckdb

HERE = os.path.dirname(os.path.abspath(__file__))


def dataset(rng, directory):
    """Writes deliveries.csv and complaints.csv; returns (first, last) day
    offsets of the deliveries (days after 2024-01-01)."""
    regions = ["North", "South", "East"][: rng.randint(1, 3)]
    customers = [f"C{i}" for i in range(rng.randint(1, 12))]
    channels = ["web", "Web ", "phone", "PHONE", "email", ""]
    day0 = 1 + rng.randint(0, 20)
    days = rng.randint(3, 90)
    # Complaint days relative to the deliveries' [day0, day0 + days]:
    # around them (both ends clipped to the deliveries), starting later,
    # ending earlier, inside, or only a few complaints (the tolerance).
    shape = rng.choice(["around", "around", "late", "early", "inside", "sparse", "wave"])
    c_first, c_last, n_complaints = -3, days + 10, rng.randint(0, 120)
    # wave: complaints only in alternate blocks of days, so the rates swing
    # above and below the centre in runs (Anhøj crossings rule).
    block = rng.randint(2, 10)
    if shape in ("late", "inside"):
        c_first = rng.randint(1, max(1, days // 2))
    if shape in ("early", "inside"):
        c_last = days - rng.randint(1, max(1, days // 2))
    if shape == "sparse":
        c_first, c_last = sorted(rng.randint(0, days) for _ in range(2))
        n_complaints = rng.randint(1, 6)
    if shape == "wave":
        c_first, c_last, n_complaints = 0, days, rng.randint(60, 300)
    c_last = max(c_first, c_last)

    def complaint_day():
        while True:
            day = rng.randint(c_first, c_last)
            if shape != "wave" or (day // block) % 2 == 0 or rng.random() < 0.1:
                return day0 + day

    def stamp(day, minute):
        # 2024-01-01 plus `day` days; minutes on a coarse grid so ties happen.
        import datetime as dt
        t = dt.datetime(2024, 1, 1) + dt.timedelta(days=day, minutes=minute)
        return t.strftime("%Y-%m-%d %H:%M:%S")

    with open(os.path.join(directory, "deliveries.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["order_id", "delivered_at", "region", "customer_id"])
        for i in range(rng.randint(200 if shape == "wave" else 1, 400)):
            w.writerow([f"O{i}", stamp(day0 + rng.randint(0, days), rng.choice([0, 30, 600])), rng.choice(regions), rng.choice(customers or ["C0"])])
    with open(os.path.join(directory, "complaints.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["ticket_id", "created_at", "customer_id", "order_id", "channel", "category", "region"])
        for i in range(n_complaints):
            customer = rng.choice(customers + [""]) if customers else ""
            w.writerow([f"T{i}", stamp(complaint_day(), rng.choice([0, 0, 60, 720, 1439])),
                        customer, f"O{i}", rng.choice(channels), "late", rng.choice(regions)])
    return day0, day0 + days


def day_text(offset):
    import datetime as dt
    return (dt.date(2024, 1, 1) + dt.timedelta(days=offset)).isoformat()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--cases", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    failures = refused = 0
    for case in range(a.cases):
        with tempfile.TemporaryDirectory() as d:
            first, last = dataset(rng, d)
            period = rng.choice(["day", "week", "week", "month", "quarter", "year", "all"])
            window = rng.choice([0, 1, 3, 7, 30])
            by = rng.choice([None, "region"])
            flags = ["--period", period, "--window-days", str(window)] + (["--by", by] if by else [])
            if rng.random() < 0.25:
                flags += ["--from", day_text(rng.randint(first - 2, last))]
            if rng.random() < 0.25:
                flags += ["--to", day_text(rng.randint(first, last + 2))]
            c, dl = os.path.join(d, "complaints.csv"), os.path.join(d, "deliveries.csv")
            tool_dl = dl
            if rng.random() < 0.5:
                tool_dl = os.path.join(d, "deliveries.parquet")
                text = "" if rng.random() < 0.5 else ", all_varchar = true"
                duckdb.sql(f"copy (select * from read_csv('{dl}'{text})) to '{tool_dl}' (format parquet)")
            ours = subprocess.run([a.tool, "report", "--complaints", c, "--deliveries", tool_dl, "--format", "csv", *flags],
                                  capture_output=True, text=True)
            ref = subprocess.run([sys.executable, os.path.join(HERE, "period_table.py"), "--complaints", c, "--deliveries", dl,
                                  "--out", os.path.join(d, "ref.csv"), *flags], capture_output=True, text=True)
            if ours.returncode != 0:
                if ours.returncode == 2 and ref.returncode != 0:  # both refuse the input
                    refused += 1
                    continue
                print(f"case {case} ({' '.join(flags)}): tool failed (exit {ours.returncode}): {ours.stderr.strip()}"
                      + ("" if ref.returncode else "; the reference did not"))
                failures += 1
                continue
            open(os.path.join(d, "ours.csv"), "w").write(ours.stdout)
            if ref.returncode != 0:
                print(f"case {case} ({' '.join(flags)}): the reference failed: {ref.stderr.strip().splitlines()[-1]}")
                failures += 1
                continue
            cmp = subprocess.run([sys.executable, os.path.join(HERE, "compare_tables.py"), os.path.join(d, "ours.csv"),
                                  os.path.join(d, "ref.csv")], capture_output=True, text=True)
            if cmp.returncode != 0:
                failures += 1
                print(f"case {case} ({' '.join(flags)}): {cmp.stdout.strip()} {cmp.stderr.strip()}")
    print(f"{a.cases - failures} passed ({refused} refused by both), {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
