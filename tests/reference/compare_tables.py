#!/usr/bin/env python3
"""compare_tables.py OURS.csv REFERENCE.csv: same rows (keyed by period and
segment), same columns; integers equal, reals within 1e-9 relative, empty
cells equal. Exits 1 listing the first differences."""

import csv
import sys

KEYS_BEFORE = 2  # period_start, period_end


def load(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def same(a, b):
    if a == b:
        return True
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    return abs(x - y) <= max(1e-12, 1e-9 * max(abs(x), abs(y)))


def main():
    ours_header, ours = load(sys.argv[1])
    ref_header, ref = load(sys.argv[2])
    if ours_header != ref_header:
        sys.exit(f"columns differ:\n ours {ours_header}\n ref  {ref_header}")
    segments = ours_header.index("deliveries") - KEYS_BEFORE
    key = lambda row: tuple(row[: KEYS_BEFORE + segments])
    ours_by, ref_by = {key(r): r for r in ours}, {key(r): r for r in ref}
    problems = [f"row {k} only in ours" for k in ours_by.keys() - ref_by.keys()]
    problems += [f"row {k} only in the reference" for k in ref_by.keys() - ours_by.keys()]
    for k in sorted(ours_by.keys() & ref_by.keys()):
        for name, a, b in zip(ours_header, ours_by[k], ref_by[k]):
            if not same(a, b):
                problems.append(f"{k} {name}: ours {a!r}, reference {b!r}")
    if problems:
        print("\n".join(problems[:20]))
        sys.exit(f"{len(problems)} difference(s) between {sys.argv[1]} and {sys.argv[2]}")
    print(f"{len(ours)} rows x {len(ours_header)} columns agree: {sys.argv[1]} = {sys.argv[2]}")


if __name__ == "__main__":
    main()
