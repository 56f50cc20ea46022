#!/usr/bin/env python3
"""Calibration of the `report` verdict (forest / bushes) by simulation.

Model of one run (one pair of exports):

- S segments R01..RS over T ISO weeks from Monday 2025-01-06.
- Each (week, segment) cell has n = round(10,000 * u) deliveries, u ~ U(0.9, 1.1)
  drawn per cell; deliveries.csv holds `date,region,deliveries`, the cell's n
  split over its 7 days as evenly as integers allow (remainder on random days).
- True complaint rate p = lambda / 10,000, lambda = expected complaints per cell.
  Complaints per cell ~ Poisson(p * n * g), g = 1 (overdispersion "none") or
  g ~ Gamma(shape 10, scale 0.1) per cell ("gamma": mean 1, variance 0.1).
- Power cells plant a problem: R01's p is multiplied by `factor` in the last
  3 weeks.
- complaints.csv holds `created_at,region`, each complaint at a uniformly
  random second of its week.

Each run is seeded with numpy's PCG64 from SeedSequence((seed, S, 1000*lambda,
T, overdispersion, 1000*factor, run)), so any cell (or run) is reproducible
alone. The tool runs as

    TOOL report --complaints C --deliveries D --by region --period week --format json -q

and the harness counts `verdict.verdict == "forest"` per cell, with a Wilson
95% interval. Contract: null cells (factor 1) <= 5% forest; power cells with
no overdispersion >= 80% (with gamma overdispersion they are information only).

Run (dependencies: Python 3.9+ and numpy):

    python validation/calibrate.py --tool target/release/complaint-rate --out validation/results.md
    python validation/calibrate.py --tool target/debug/complaint-rate --ci
    python validation/calibrate.py --tool ... --cells S=20,lam=0.5,T=26,od=none --runs 1 --first-run 7 --keep /tmp/calib-example

Exit status: 1 when the contract fails (in --ci: pooled null share > 5% or a
power cell < 70%), 2 on a tool error, else 0.
"""

import argparse
import concurrent.futures as cf
import datetime as dt
import json
import math
import os
import shlex
import subprocess
import sys
import tempfile
import time

try:
    import numpy as np
except ImportError:
    sys.exit("calibrate.py needs numpy: pip install numpy (e.g. into ~/.cache/complaint-rate/venv)")

START = dt.date(2025, 1, 6)  # a Monday
NULL_ALPHA, POWER_MIN, CI_POWER_MIN = 0.05, 0.80, 0.70
OD_CODE = {"none": 0, "gamma": 1}


def cell(kind, S, lam, T, od, factor):
    return {"kind": kind, "S": S, "lam": lam, "T": T, "od": od, "factor": factor}


def grid(ci):
    """The cells of the full grid, or of the CI slice, with their runs (None = --runs)."""
    if ci:
        nulls = [cell("null", S, lam, 26, od, 1.0) for S in (1, 5, 20) for lam in (0.5, 2, 20) for od in OD_CODE]
        power = [cell("power", S, lam, 26, "none", f) for S, lam, f in ((20, 20, 2.0), (5, 50, 1.5))]
        return [(c, 20) for c in nulls] + [(c, 40) for c in power]
    nulls = [cell("null", S, lam, T, od, 1.0)
             for S in (1, 5, 20, 50) for lam in (0.5, 2, 20, 500) for T in (8, 26, 104) for od in OD_CODE]
    power = [cell("power", S, lam, T, od, f)
             for S, lam, f in ((20, 20, 2.0), (5, 50, 1.5)) for od in OD_CODE for T in (8, 26, 104)]
    return [(c, None) for c in nulls + power]


def matches(c, spec):
    """`spec`: comma-separated terms, all must hold: null, power, S=20, lam=0.5, T=26, od=gamma, factor=2."""
    for term in filter(None, (t.strip() for t in (spec or "").split(","))):
        if term in ("null", "power"):
            ok = c["kind"] == term
        else:
            key, _, value = term.partition("=")
            if key not in ("S", "lam", "T", "od", "factor"):
                sys.exit(f"--cells: unknown term {term!r}")
            ok = str(c[key]) == value if key == "od" else float(c[key]) == float(value)
        if not ok:
            return False
    return True


def rng_for(seed, c, run):
    key = (seed, c["S"], round(1000 * c["lam"]), c["T"], OD_CODE[c["od"]], round(1000 * c["factor"]), run)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(key)))


def simulate(c, seed, run, directory, plant=None, rng=None):
    """Write deliveries.csv and complaints.csv for one run; return their paths.
    `plant(p)` changes the true rates (weeks x segments) in place; by default
    R01's last 3 weeks are multiplied by the cell's factor."""
    rng = rng or rng_for(seed, c, run)
    S, T = c["S"], c["T"]
    n = np.rint(10_000 * rng.uniform(0.9, 1.1, (T, S))).astype(np.int64)
    g = rng.gamma(10, 0.1, (T, S)) if c["od"] == "gamma" else np.ones((T, S))
    p = np.full((T, S), c["lam"] / 10_000)
    if plant:
        plant(p)
    else:
        p[-3:, 0] *= c["factor"]
    k = rng.poisson(p * n * g)
    # Deliveries per day: n // 7 each, the n % 7 leftover units on random distinct days.
    rank = rng.random((T, S, 7)).argsort(-1).argsort(-1)
    per_day = n[..., None] // 7 + (rank < (n % 7)[..., None])
    width = max(2, len(str(S)))
    regions = [f"R{s + 1:0{width}d}" for s in range(S)]
    deliveries = os.path.join(directory, "deliveries.csv")
    with open(deliveries, "w") as f:
        f.write("date,region,deliveries\n")
        for w in range(T):
            for d in range(7):
                day = (START + dt.timedelta(days=7 * w + d)).isoformat()
                f.writelines(f"{day},{regions[s]},{per_day[w, s, d]}\n" for s in range(S))
    # Complaints: fixed-width byte rows "YYYY-MM-DD HH:MM:SS,Rxx\n", built in numpy (millions in big cells).
    week, seg = np.nonzero(k)
    week, seg = np.repeat(week, k[week, seg]), np.repeat(seg, k[week, seg])
    seconds = week * 7 * 86_400 + rng.integers(0, 7 * 86_400, week.size)
    stamps = (np.datetime64(START.isoformat(), "s") + seconds).astype("S19").view(np.uint8).reshape(-1, 19).copy()
    stamps[:, 10] = ord(" ")
    names = np.array([f",{r}\n" for r in regions], dtype=f"S{width + 3}").view(np.uint8).reshape(S, -1)
    complaints = os.path.join(directory, "complaints.csv")
    with open(complaints, "wb") as f:
        f.write(b"created_at,region\n")
        np.hstack([stamps, names[seg]]).tofile(f)
    return complaints, deliveries


def command(tool, complaints, deliveries):
    return [tool, "report", "--complaints", complaints, "--deliveries", deliveries,
            "--by", "region", "--period", "week", "--format", "json", "-q"]


def one_run(tool, c, seed, run, keep):
    """Simulate, run the tool, return its verdict ("forest"/"bushes") or raise with the command."""
    with tempfile.TemporaryDirectory(prefix="calib-") as tmp:
        directory = tmp
        if keep:
            directory = os.path.join(keep, label(c, "-"), f"run{run}")
            os.makedirs(directory, exist_ok=True)
        cmd = command(tool, *simulate(c, seed, run, directory))
        out = subprocess.run(cmd, capture_output=True, text=True)
        try:
            return json.loads(out.stdout)["verdict"]["verdict"]
        except (ValueError, KeyError, TypeError):
            raise RuntimeError(f"run {run} of {label(c)}: exit {out.returncode}\n  {shlex.join(cmd)}\n"
                               f"  stderr: {out.stderr.strip()[-2000:]}\n"
                               f"  keep its exports: --cells {label(c)} --runs 1 --first-run {run} --keep DIR") from None


def label(c, sep=","):
    return sep.join(f"{k}={c[k]:g}" if k != "od" else f"od={c[k]}" for k in ("S", "lam", "T", "od", "factor"))


def wilson(x, n, z=1.959964):
    if n == 0:
        return (0.0, 1.0)
    p = x / n
    centre, half = p + z * z / (2 * n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (max(0.0, (centre - half) / (1 + z * z / n)), min(1.0, (centre + half) / (1 + z * z / n)))


def judge(c, forest, runs, ci):
    share = forest / runs
    if c["kind"] == "null":
        return "(pooled)" if ci else ("pass" if share <= NULL_ALPHA else "FAIL")
    if c["od"] != "none":
        return "info"
    return "pass" if share >= (CI_POWER_MIN if ci else POWER_MIN) else "FAIL"


def table(rows):
    """Markdown table, padded so it also reads as plain text."""
    head = ["kind", "S", "λ", "T", "overdispersion", "factor", "runs", "forest", "share", "95% CI", "pass/fail"]
    body = [head] + rows
    widths = [max(len(str(r[i])) for r in body) for i in range(len(head))]
    fmt = lambda r: "| " + " | ".join(str(v).ljust(w) for v, w in zip(r, widths)) + " |"
    return "\n".join([fmt(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [fmt(r) for r in rows])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tool", required=True, help="complaint-rate binary (a release build for the full grid)")
    ap.add_argument("--runs", type=int, help="runs per cell (default 200; in --ci 20 per null and 40 per power cell)")
    ap.add_argument("--first-run", type=int, default=0, help="index of the first run (to reproduce one run)")
    ap.add_argument("--seed", type=int, default=20250106, help="base seed")
    ap.add_argument("--cells", help="filter, e.g. null, power, S=20,lam=20, T=26,od=gamma")
    ap.add_argument("--jobs", type=int, default=2, help="runs in parallel")
    ap.add_argument("--out", help="also write the table (Markdown) to this file")
    ap.add_argument("--ci", action="store_true", help="small slice for CI; exit 1 if pooled null > 5%% or power < 70%%")
    ap.add_argument("--keep", help="keep each run's exports under this directory instead of deleting them")
    args = ap.parse_args()
    tool = os.path.abspath(args.tool)
    if not os.access(tool, os.X_OK):
        sys.exit(f"--tool {args.tool}: not an executable file")

    cells = [(c, args.runs or r or 200) for c, r in grid(args.ci) if matches(c, args.cells)]
    if not cells:
        sys.exit("--cells matches no cell")
    started = time.time()
    forest = {i: 0 for i in range(len(cells))}
    left = {i: runs for i, (_, runs) in enumerate(cells)}
    with cf.ProcessPoolExecutor(args.jobs) as pool:
        futures = {pool.submit(one_run, tool, c, args.seed, run, args.keep): i
                   for i, (c, runs) in enumerate(cells) for run in range(args.first_run, args.first_run + runs)}
        try:
            for future in cf.as_completed(futures):
                i = futures[future]
                forest[i] += future.result() == "forest"
                left[i] -= 1
                if left[i] == 0:
                    c, runs = cells[i]
                    print(f"[{time.time() - started:6.0f}s] {label(c)}: forest {forest[i]}/{runs}", file=sys.stderr)
        except RuntimeError as err:
            for f in futures:
                f.cancel()
            print(f"tool error: {err}", file=sys.stderr)
            sys.exit(2)

    rows, failed = [], False
    for i, (c, runs) in enumerate(cells):
        lo, hi = wilson(forest[i], runs)
        verdict = judge(c, forest[i], runs, args.ci)
        failed |= verdict == "FAIL"
        rows.append([c["kind"], c["S"], f"{c['lam']:g}", c["T"], c["od"], f"{c['factor']:g}", runs, forest[i],
                     f"{forest[i] / runs:.1%}", f"{lo:.1%}–{hi:.1%}", verdict])
    null = [i for i, (c, _) in enumerate(cells) if c["kind"] == "null"]
    if args.ci and null:
        x, n = sum(forest[i] for i in null), sum(cells[i][1] for i in null)
        lo, hi = wilson(x, n)
        ok = x / n <= NULL_ALPHA
        failed |= not ok
        rows.append(["null (pooled)", "", "", "", "", "", n, x, f"{x / n:.1%}", f"{lo:.1%}–{hi:.1%}",
                     "pass" if ok else "FAIL"])

    elapsed = time.time() - started
    version = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout.strip()
    text = "\n".join([
        table(rows), "",
        f"Command: python {shlex.join(sys.argv)}",
        f"Tool: {tool} ({version}); base seed {args.seed}; wall time {elapsed:.0f} s with {args.jobs} jobs.",
        f"Result: {'FAIL' if failed else 'pass'}",
    ])
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    print(f"Total wall time: {elapsed:.1f} s")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
