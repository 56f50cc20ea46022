"""What the benchmark peers share after their counts: the coverage window
(docs/METHODS.md §2.3), the weekly period table from counts per day and
region (written by tests/reference/period_table.py's finish: Wilson, Laney,
the total row). All of it works on small tables (days x regions); every
step that grows with the rows, per customer or per complaint, happens in the
peers' engines."""

import datetime as dt
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "reference"))
from period_table import finish  # noqa: E402


def coverage(complaint_days, per_day):
    """(first, last) counted day: the days both exports cover; a
    complaint-free stretch at either end of the deliveries that chance
    explains at the overall rate (exp(-p x its deliveries) >= 0.01) does not
    cut the window. complaint_days: {day: complaints}; per_day: {(day,
    segment): deliveries}."""
    delivery_days = {}
    for (day, _), n in per_day.items():
        delivery_days[day] = delivery_days.get(day, 0) + n
    d_first, d_last = min(delivery_days), max(delivery_days)
    if not complaint_days:
        return d_first, d_last
    c_first, c_last = min(complaint_days), max(complaint_days)
    p = sum(complaint_days.values()) / sum(delivery_days.values())
    before = sum(n for d, n in delivery_days.items() if d < c_first)
    after = sum(n for d, n in delivery_days.items() if d > c_last)
    if c_first > d_first and math.exp(-p * before) >= 0.01:
        c_first = d_first
    if c_last < d_last and math.exp(-p * after) >= 0.01:
        c_last = d_last
    return max(c_first, d_first), min(c_last, d_last)


def monday(day):
    return day - dt.timedelta(days=day.weekday())


def period_rows(per_day, cells, first, last, out):
    """The weekly period table inside [first, last], written to out.
    cells: (day, segment, complaints, repeats, switches) of counted complaints."""
    table = {}
    for (day, segment), n in per_day.items():
        if first <= day <= last:
            table.setdefault((monday(day), segment), [0, 0, 0, 0])[0] += n
    for day, segment, x, rep, sw in cells:
        c = table.setdefault((monday(day), segment), [0, 0, 0, 0])
        c[1] += x
        c[2] += rep
        c[3] += sw
    weeks = [w for w, _ in table]
    segments = sorted({s for _, s in table})
    result = []
    week = min(weeks)
    while week <= max(weeks):
        end = week + dt.timedelta(days=6)
        for s in segments:
            result.append((week, end, s, *table.get((week, s), [0, 0, 0, 0]), week < first or end > last))
        week += dt.timedelta(days=7)
    finish(result, "region", out)
