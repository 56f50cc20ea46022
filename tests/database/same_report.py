"""Two `report --format json` outputs are the same report, cell for cell:
equal everywhere except the name of the deliveries source (a file on one
side, a database URL or an aggregated file on the other) and the row numbers
of rejected deliveries (a database's rows have none; their counts are kept).

    python3 same_report.py [--aggregate] A.json B.json [LABEL]

--aggregate: B read a count made elsewhere (the result of `sql`), whose rows
carry no rejections and whose columns are its own; the deliveries' ledger
and column names are left out.
--cells: both sides were counted elsewhere (`sql complaints` and `sql
deliveries`): the period table, cell for cell, and the verdict are compared
(counted complaints have no customers, so no concentration).
"""
import json
import sys


def without_source(report, ledger):
    if not ledger:
        report["ledger"].pop("deliveries")
        report["parameters"].pop("deliveries", None)
        report["parameters"].pop("delivery_columns", None)
        return report
    report["ledger"]["deliveries"].pop("file", None)
    report["parameters"].pop("deliveries", None)
    for reason in report["ledger"]["deliveries"]["rejected"].values():
        reason.pop("first_rows", None)
    return report


def differences(a, b, path=""):
    if type(a) is not type(b):
        yield f"{path}: {a!r} != {b!r}"
    elif isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                yield f"{path}.{key}: only in {'B' if key not in a else 'A'}"
            else:
                yield from differences(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        if len(a) != len(b):
            yield f"{path}: {len(a)} items != {len(b)}"
        for k, (x, y) in enumerate(zip(a, b)):
            yield from differences(x, y, f"{path}[{k}]")
    elif a != b:
        yield f"{path}: {a!r} != {b!r}"


def main():
    args = sys.argv[1:]
    ledger = "--aggregate" not in args
    cells = "--cells" in args
    args = [a for a in args if a not in ("--aggregate", "--cells")]
    if cells:
        a, b = ({"periods": r["periods"], "verdict": r["verdict"]["verdict"]}
                for r in (json.load(open(p)) for p in args[:2]))
    else:
        a, b = (without_source(json.load(open(p)), ledger) for p in args[:2])
    label = args[2] if len(args) > 2 else f"{args[0]} vs {args[1]}"
    found = list(differences(a, b))
    if found:
        print(f"FAIL {label}: {len(found)} differences", *found[:20], sep="\n  ")
        sys.exit(1)
    periods = len(a["periods"])
    print(f"ok   {label}: same report ({periods} period rows)")


main()
