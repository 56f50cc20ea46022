#!/usr/bin/env python3
"""compare_facts.py OURS.json PEER.json

The concentration counts of `report --format json` (summary.concentration)
against a benchmark peer's facts: complainants, customers and customers with
two or more complaints equal, the number expected by chance equal within
1e-9 relative. Exits 1 and prints the differences otherwise."""

import json
import math
import sys

ours = json.load(open(sys.argv[1]))["summary"]["concentration"]
peer = json.load(open(sys.argv[2]))
pairs = [("complainants", "complainants"), ("customers", "customers"),
         ("customers_2plus_observed", "customers_2plus"), ("customers_2plus_expected", "customers_2plus_expected")]
bad = []
for mine, theirs in pairs:
    a, b = ours.get(mine), peer.get(theirs)
    same = (a == b) if isinstance(b, int) else (a is not None and math.isclose(a, b, rel_tol=1e-9))
    if not same:
        bad.append(f"{mine}: ours {a!r}, peer {b!r}")
if bad:
    print("\n".join(bad))
    sys.exit(1)
