#!/usr/bin/env python3
"""Exports that test whether a report tells one story (made by this project,
no row copied from anywhere), for tests/story.rs. Plain Python 3, seeded:
python3 make.py writes the files beside itself and expected.json.

1. city/       service requests by neighbourhood against households per
               neighbourhood; some requests are in neighbourhoods the
               households file lacks (blank, "Boston", "Allston").
2. countries/  weekly orders and complaints in 37 countries; three sit well
               above the rest all along (no recent rise).
3. gap/        a region whose complaints barely exist for two months and then
               arrive by the hundred a day (the export gained a source);
   late/       the same in the last three weeks: a "rise" of over 20×.
4. monthly/    complaints dated by month against monthly deliveries.
"""

import csv
import datetime as dt
import json
import math
import os
import random

rng = random.Random(24)
HERE = os.path.dirname(os.path.abspath(__file__))
expected = {}


def write(parts, header, rows):
    path = os.path.join(HERE, *parts)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def poisson(lam):
    # Knuth for small means, normal approximation for large ones.
    if lam > 50:
        return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))
    threshold, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= threshold:
            return k
        k += 1


# 1. City: requests per neighbourhood, households per neighbourhood and month.
hoods = ["Back Bay", "Dorchester", "Roxbury", "Fenway"]
months = [dt.date(2024, m, 1) for m in range(1, 13)]
households = []
for month in months:
    for hood in hoods:
        households.append([month.isoformat(), hood, 40_000 + 5_000 * hoods.index(hood)])
requests, rated, unrated = [], 0, 0
for i in range(3000):
    day = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(0, 366))
    r = rng.random()
    hood = "" if r < 0.04 else "Boston" if r < 0.07 else "Allston" if r < 0.095 else rng.choice(hoods)
    requests.append([f"SR{i:05d}", f"{day.isoformat()} {rng.randrange(8, 20):02d}:00", hood, "pothole"])
    if hood in hoods:
        rated += 1
    else:
        unrated += 1
write(["city", "requests.csv"], ["case_id", "open_dt", "neighborhood", "type"], requests)
write(["city", "households.csv"], ["month", "neighborhood", "households"], households)
expected["city"] = {"rated": rated, "unrated": unrated, "deliveries": sum(h[2] for h in households)}

# 2. Countries: 37, weekly; three at 1.8× all along.
countries = [f"Country {chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(37)]
high = set(countries[:3])
orders, complaints = [], []
start = dt.date(2024, 1, 1)
for week in range(26):
    for country in countries:
        n = 4000
        orders.append([(start + dt.timedelta(weeks=week)).isoformat(), country, n])
        lam = n * 0.004 * (1.8 if country in high else 1.0)
        for _ in range(poisson(lam)):
            day = start + dt.timedelta(weeks=week, days=rng.randrange(0, 7))
            complaints.append([day.isoformat(), country])
write(["countries", "orders.csv"], ["week_start", "country", "orders"], orders)
write(["countries", "complaints.csv"], ["date", "country"], complaints)
expected["countries"] = {"high": sorted(high)}

# 3. Gap: region North has about one complaint a day for 60 days, then 100.
deliveries, gap = [], []
for d in range(120):
    day = dt.date(2024, 3, 4) + dt.timedelta(days=d)
    for region in ["North", "South"]:
        deliveries.append([day.isoformat(), region, 20_000])
        lam = (1 if d < 60 else 100) if region == "North" else 30
        for _ in range(poisson(lam)):
            gap.append([f"{day.isoformat()} {rng.randrange(0, 24):02d}:{rng.randrange(60):02d}", region])
write(["gap", "deliveries.csv"], ["date", "region", "deliveries"], deliveries)
write(["gap", "complaints.csv"], ["created_at", "region"], gap)
expected["gap"] = {"from": (dt.date(2024, 3, 4) + dt.timedelta(days=60)).isoformat()}

# 3b. The same, but the source arrives in the last three weeks: a rise the
#     test finds, far beyond what a service does (over 20×).
deliveries, late = [], []
for d in range(120):
    day = dt.date(2024, 3, 4) + dt.timedelta(days=d)
    for region in ["North", "South"]:
        deliveries.append([day.isoformat(), region, 20_000])
        lam = (1 if d < 99 else 100) if region == "North" else 30
        for _ in range(poisson(lam)):
            late.append([f"{day.isoformat()} {rng.randrange(0, 24):02d}:{rng.randrange(60):02d}", region])
write(["late", "deliveries.csv"], ["date", "region", "deliveries"], deliveries)
write(["late", "complaints.csv"], ["created_at", "region"], late)

# 4. Monthly: complaints per month (one row each) and deliveries per month.
monthly_c, monthly_d = [], []
for k in range(24):
    month = dt.date(2023 + k // 12, k % 12 + 1, 1)
    monthly_d.append([month.strftime("%Y-%m"), 50_000])
    for i in range(poisson(60)):
        monthly_c.append([f"M{k:02d}{i:03d}", month.strftime("%Y-%m")])
write(["monthly", "deliveries.csv"], ["month", "deliveries"], monthly_d)
write(["monthly", "complaints.csv"], ["ticket", "month"], monthly_c)
expected["monthly"] = {"complaints": len(monthly_c)}

with open(os.path.join(HERE, "expected.json"), "w") as f:
    json.dump(expected, f, indent=2, sort_keys=True)
    f.write("\n")
print(json.dumps(expected, indent=2, sort_keys=True))
