#!/usr/bin/env python3
"""Independent reference for `compare --by region` and `customers`: counts by
DuckDB SQL (period_table.sql's tables, so the same coverage window W: only
rows dated inside W are counted), the funnel (METHODS §4.4) and the Poisson
baseline with Benjamini-Hochberg q-values (§4.6) in plain Python, and a
comparison with the tool's JSON output.

    segments_customers.py --complaints C.csv --deliveries D.csv \
        --compare OURS_COMPARE.json --customers OURS_CUSTOMERS.json [--european] \
        [--from YYYY-MM-DD] [--to YYYY-MM-DD]"""

import argparse
import json
import math
import sys
from statistics import NormalDist

import os
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from period_table import load  # noqa: E402


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


def poisson_tail(c, lam):
    """P(X >= c) for X ~ Poisson(lam > 0), summed term by term from k = c
    (no 1 - CDF cancellation)."""
    if c <= 0:
        return 1.0
    term = math.exp(-lam + c * math.log(lam) - math.lgamma(c + 1))
    total, k = 0.0, c
    while term > total * 1e-17 or k < lam:
        total += term
        k += 1
        term *= lam / k
        if term == 0.0:
            break
    return total


def bh_q_values(p):
    """{key: p} -> {key: Benjamini-Hochberg q}: sorted by p, q_(k) = min over
    j >= k of min(1, m p_(j) / j)."""
    order = sorted(p, key=lambda k: p[k])
    m = len(order)
    q, running = {}, 1.0
    for j in range(m, 0, -1):
        running = min(running, min(1.0, m * p[order[j - 1]] / j))
        q[order[j - 1]] = running
    return q


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--complaints", required=True)
    ap.add_argument("--deliveries", required=True)
    ap.add_argument("--compare", required=True)
    ap.add_argument("--customers", required=True)
    ap.add_argument("--european", action="store_true")
    ap.add_argument("--from", dest="date_from")
    ap.add_argument("--to", dest="date_to")
    a = ap.parse_args()
    db = load(SimpleNamespace(complaints=a.complaints, deliveries=a.deliveries, european=a.european, native=False,
                              by="region", period="week", window_days=7, date_from=a.date_from, date_to=a.date_to))
    # Counted rows only (dated inside the coverage window W).
    deliveries = dict(db.execute("select segment, count(*) from deliveries_counted group by 1").fetchall())
    complaints = dict(db.execute("select segment, count(*) from complaints_counted group by 1").fetchall())
    units = {k: (complaints.get(k, 0), n) for k, n in deliveries.items() if n > 0}
    theta0, phi, tau2, flags = funnel(units)

    problems = []
    ours = json.load(open(a.compare))
    summary = ours["summary"]
    for name, ref in [("theta0", theta0), ("phi", phi), ("tau2", tau2)]:
        if not close(summary[name], ref):
            problems.append(f"compare {name}: ours {summary[name]}, reference {ref}")
    seen = set()
    for row in ours["segments"]:
        region = row["region"]
        seen.add(region)
        if row["deliveries"] != deliveries.get(region, 0) or row["complaints"] != complaints.get(region, 0):
            problems.append(f"compare {region}: counts ours {row['complaints']}/{row['deliveries']}, reference "
                            f"{complaints.get(region, 0)}/{deliveries.get(region, 0)}")
        if (row["flag"] or "") != flags.get(region, ""):
            problems.append(f"compare {region}: flag ours {row['flag']!r}, reference {flags.get(region)!r}")
    if seen != set(units):
        problems.append(f"compare regions: ours {sorted(seen)}, reference {sorted(units)}")

    # customers: complaints with a customer, deliveries per customer, both
    # counted inside W; p-bar = all counted complaints / counted deliveries.
    per_customer = db.execute("""
        select customer, count(*) as c from complaints_counted
        where customer is not null group by 1 order by c desc, customer
    """).fetchall()
    exposure = dict(db.execute("""
        select nullif(utrim(coalesce(r.customer_id, '')), '') as customer, count(*)
        from deliveries_counted d join deliveries_raw r on r.rowid = d.file_row
        where customer is not null group by 1
    """).fetchall())
    all_complaints, all_deliveries = db.execute(
        "select (select count(*) from complaints_counted), (select count(*) from deliveries_counted)").fetchone()
    pbar = all_complaints / all_deliveries
    observed = dict(per_customer)
    p_values = {k: poisson_tail(observed.get(k, 0), pbar * d) for k, d in exposure.items() if pbar * d > 0}
    q_values = bh_q_values(p_values)
    ours = json.load(open(a.customers))
    top = ours["customers"]
    for rank, row in enumerate(top):
        if rank >= len(per_customer):
            problems.append(f"customers rank {rank + 1}: ours {row['customer']}, reference has only {len(per_customer)}")
            break
        customer, count = per_customer[rank]
        if (row["customer"], row["complaints"], row["deliveries"]) != (customer, count, exposure.get(customer, 0)):
            problems.append(f"customers rank {rank + 1}: ours {row['customer']}/{row['complaints']}/{row['deliveries']}, "
                            f"reference {customer}/{count}/{exposure.get(customer, 0)}")
            continue
        for name, ref in [("expected", pbar * exposure.get(customer, 0)),
                          ("p_value", p_values.get(customer)), ("q_value", q_values.get(customer))]:
            if (row[name] is None) != (ref is None) or (ref is not None and not close(row[name], ref)):
                problems.append(f"customers {customer} {name}: ours {row[name]}, reference {ref}")
    s = ours["summary"]
    expected = {
        "complainants": len(per_customer),
        "customers": len(exposure.keys() | {c for c, _ in per_customer}),
        "customers_2plus_observed": sum(1 for _, c in per_customer if c >= 2),
        "complaints": sum(c for _, c in per_customer),
        "q_below_0_05": sum(1 for q in q_values.values() if q <= 0.05),
    }
    for k, v in expected.items():
        if s[k] != v:
            problems.append(f"customers summary {k}: ours {s[k]}, reference {v}")
    reals = {
        "complaint_rate": pbar,
        "customers_2plus_expected": sum(1 - math.exp(-pbar * d) * (1 + pbar * d) for d in exposure.values()),
    }
    for k, v in reals.items():
        if not close(s[k], v):
            problems.append(f"customers summary {k}: ours {s[k]}, reference {v}")
    if problems:
        print("\n".join(problems[:20]))
        sys.exit(f"{len(problems)} difference(s)")
    flagged = sum(1 for f in flags.values() if f in ("high", "low"))
    print(f"compare: {len(units)} regions, {flagged} flagged, theta0/phi/tau2 agree; "
          f"customers: top {len(top)}, expected/p/q and summary agree")


if __name__ == "__main__":
    main()
