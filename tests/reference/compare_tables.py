#!/usr/bin/env python3
"""compare_tables.py OURS.csv REFERENCE.csv

Compares two period tables (complaint-rate's CSV and period_table.py's).
Rows are joined on period_start and the --by column when there is one (the
column between period_end and deliveries). Both tables must have the same
rows and the same columns; integer columns must be equal, real columns equal
within 1e-9 relative or 1e-12 absolute, empty only where the other is empty;
text columns (period_end, signal, ...) equal. Prints 'N rows, M columns
agree' and exits 0, or prints the first 20 differences and exits 1."""

import csv
import math
import sys

INTEGER = {"deliveries", "complaints", "repeat_complaints", "problems", "channel_switches"}
REAL = {"complaint_rate", "per_1000", "rate_low", "rate_high", "repeat_rate", "switch_rate", "lcl", "ucl"}
REL, ABS = 1e-9, 1e-12


def load(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    if not rows:
        sys.exit(f"{path}: empty file")
    header, body = rows[0], [r for r in rows[1:] if r]
    for i, r in enumerate(body, start=2):
        if len(r) != len(header):
            sys.exit(f"{path}:{i}: {len(r)} cells, header has {len(header)}")
    return header, [dict(zip(header, r)) for r in body]


def key_columns(header):
    if "period_start" not in header or "deliveries" not in header:
        sys.exit(f"not a period table (no period_start/deliveries): {header}")
    between = header[header.index("period_start") + 1:header.index("deliveries")]
    return ["period_start"] + [c for c in between if c != "period_end"]


def differs(column, a, b):
    """None when cells a and b agree, else a short reason."""
    if a == b:
        return None
    if a == "" or b == "":
        return "empty vs non-empty"
    if column in INTEGER:
        try:
            return None if int(a) == int(b) else "integers differ"
        except ValueError:
            return "not an integer"
    if column in REAL:
        try:
            x, y = float(a), float(b)
        except ValueError:
            return "not a number"
        if math.isnan(x) or math.isnan(y) or math.isinf(x) or math.isinf(y):
            return "non-finite"
        if abs(x - y) <= ABS or abs(x - y) <= REL * max(abs(x), abs(y)):
            return None
        return f"relative difference {abs(x - y) / max(abs(x), abs(y)):.3g}"
    return "text differs"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[0])
    ours_path, ref_path = sys.argv[1], sys.argv[2]
    ours_header, ours = load(ours_path)
    ref_header, ref = load(ref_path)
    problems = []
    if set(ours_header) != set(ref_header):
        problems.append(f"columns only in ours: {sorted(set(ours_header) - set(ref_header))}; "
                        f"only in the reference: {sorted(set(ref_header) - set(ours_header))}")
    elif ours_header != ref_header:
        problems.append(f"column order differs:\n  ours {ours_header}\n  ref  {ref_header}")
    keys = key_columns(ref_header)
    if key_columns(ours_header) != keys:
        sys.exit(f"key columns differ: ours {key_columns(ours_header)}, reference {keys}")

    def index(rows, path):
        by_key = {}
        for r in rows:
            k = tuple(r[c] for c in keys)
            if k in by_key:
                sys.exit(f"{path}: duplicate row {k}")
            by_key[k] = r
        return by_key

    ours_by, ref_by = index(ours, ours_path), index(ref, ref_path)
    order = [k for k in (r for r in ref_by)]
    problems += [f"row {k} only in ours" for k in ours_by if k not in ref_by]
    problems += [f"row {k} only in the reference" for k in order if k not in ours_by]
    columns = [c for c in ref_header if c in ours_header and c not in keys]
    for k in order:
        if k not in ours_by:
            continue
        for c in columns:
            a, b = ours_by[k][c], ref_by[k][c]
            why = differs(c, a, b)
            if why:
                problems.append(f"{'/'.join(k)} {c}: ours {a!r}, reference {b!r} ({why})")
    if problems:
        print("\n".join(problems[:20]))
        more = f" (first 20 shown)" if len(problems) > 20 else ""
        print(f"{len(problems)} difference(s) between {ours_path} and {ref_path}{more}", file=sys.stderr)
        sys.exit(1)
    print(f"{len(ref)} rows, {len(ref_header)} columns agree")


if __name__ == "__main__":
    main()
