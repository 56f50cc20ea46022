#!/usr/bin/env python3
"""Independent reference for `compare --by region` and `customers`: counts by
DuckDB SQL, the funnel (SPEC §4) in plain Python, and a comparison with the
tool's JSON output.

    segments_customers.py --complaints C.csv --deliveries D.csv \
        --compare OURS_COMPARE.json --customers OURS_CUSTOMERS.json [--european]"""

import argparse
import json
import math
import sys
from statistics import NormalDist

import duckdb


def quantile7(sorted_values, p):
    h = (len(sorted_values) - 1) * p
    lo, hi = math.floor(h), math.ceil(h)
    return sorted_values[lo] + (h - lo) * (sorted_values[hi] - sorted_values[lo])


def funnel(units):
    """units: {segment: (x, n)} with n > 0 -> theta0, phi, tau2, {segment: flag}"""
    x = {k: v[0] for k, v in units.items()}
    n = {k: v[1] for k, v in units.items()}
    theta0 = sum(x.values()) / sum(n.values())
    s = {k: math.sqrt(theta0 * (1 - theta0) / n[k]) for k in units}
    z = {k: (x[k] / n[k] - theta0) / s[k] for k in units}
    zs = sorted(z.values())
    lo, hi = quantile7(zs, 0.1), quantile7(zs, 0.9)
    phi = sum(min(max(v, lo), hi) ** 2 for v in z.values()) / len(z)
    w = [1 / s[k] ** 2 for k in units]
    i = len(units)
    tau2 = 0.0 if i * phi <= i - 1 else max(0.0, (i * phi - (i - 1)) / (sum(w) - sum(v * v for v in w) / sum(w)))
    z95, z998 = NormalDist().inv_cdf(0.975), NormalDist().inv_cdf(0.999)
    flags = {}
    for k in units:
        rate = x[k] / n[k]
        half95 = z95 * math.sqrt(s[k] ** 2 + tau2)
        half998 = z998 * math.sqrt(s[k] ** 2 + tau2)
        if rate > min(1, theta0 + half998):
            flags[k] = "high"
        elif rate < max(0, theta0 - half998):
            flags[k] = "low"
        elif rate > min(1, theta0 + half95) or rate < max(0, theta0 - half95):
            flags[k] = "alert"
        else:
            flags[k] = ""
    return theta0, phi, tau2, flags


def close(a, b):
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1e-300)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--complaints", required=True)
    ap.add_argument("--deliveries", required=True)
    ap.add_argument("--compare", required=True)
    ap.add_argument("--customers", required=True)
    ap.add_argument("--european", action="store_true")
    a = ap.parse_args()
    sep = ";" if a.european else ","
    read = lambda path: f"read_csv('{path}', delim='{sep}', header=true, all_varchar=true)"
    db = duckdb.connect()
    deliveries = dict(db.execute(f"select region, count(*) from {read(a.deliveries)} group by 1").fetchall())
    complaints = dict(db.execute(f"select region, count(*) from {read(a.complaints)} group by 1").fetchall())
    units = {k: (complaints.get(k, 0), n) for k, n in deliveries.items() if n > 0}
    theta0, phi, tau2, flags = funnel(units)

    problems = []
    ours = json.load(open(a.compare))
    summary = ours["summary"]
    for name, ref in [("theta0", theta0), ("phi", phi), ("tau2", tau2)]:
        if not close(summary[name], ref):
            problems.append(f"compare {name}: ours {summary[name]}, reference {ref}")
    for row in ours["segments"]:
        region = row["region"]
        if row["deliveries"] != deliveries.get(region, 0) or row["complaints"] != complaints.get(region, 0):
            problems.append(f"compare {region}: counts differ")
        if (row["flag"] or "") != flags.get(region, ""):
            problems.append(f"compare {region}: flag ours {row['flag']!r}, reference {flags.get(region)!r}")

    per_customer = db.execute(f"""
        select customer_id, count(*) as c from {read(a.complaints)}
        where nullif(trim(customer_id), '') is not null group by 1 order by c desc, customer_id
    """).fetchall()
    exposure = dict(db.execute(f"select customer_id, count(*) from {read(a.deliveries)} group by 1").fetchall())
    ours = json.load(open(a.customers))
    top = ours["customers"]
    for rank, row in enumerate(top):
        customer, count = per_customer[rank]
        if (row["customer"], row["complaints"], row["deliveries"]) != (customer, count, exposure.get(customer, 0)):
            problems.append(f"customers rank {rank + 1}: ours {row['customer']}/{row['complaints']}/{row['deliveries']}, "
                            f"reference {customer}/{count}/{exposure.get(customer, 0)}")
    s = ours["summary"]
    expected = {
        "complainants": len(per_customer),
        "customers": len(exposure.keys() | {c for c, _ in per_customer}),
        "customers_2plus_observed": sum(1 for _, c in per_customer if c >= 2),
        "complaints": sum(c for _, c in per_customer),
    }
    for k, v in expected.items():
        if s[k] != v:
            problems.append(f"customers summary {k}: ours {s[k]}, reference {v}")
    if problems:
        print("\n".join(problems[:20]))
        sys.exit(f"{len(problems)} difference(s)")
    flagged = sum(1 for f in flags.values() if f in ("high", "low"))
    print(f"compare: {len(units)} regions, {flagged} flagged, theta0/phi/tau2 agree; "
          f"customers: top {len(top)} and summary counts agree")


if __name__ == "__main__":
    main()
