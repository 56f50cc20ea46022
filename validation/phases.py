#!/usr/bin/env python3
"""Calibration of phases (issue 27, docs/METHODS.md §4.9) by simulation, on
the model of calibrate.py (weekly cells of ~10,000 deliveries, Poisson
complaints, regions R01..RS, T = 104 weeks from Monday 2025-01-06), with a
step that happened long ago and stays, and a fresh rise:

- step+phase: every segment's rate steps up 1.3x at week T-26 and stays; the
  report is run with `--phase` at the step. Contract: forest <= 5%.
- step: the same without `--phase`. Contract: among the reports whose
  verdict is forest, >= 90% name the step (`verdict.steps`) with its start
  within one week of the true one (and the share with the exact week is
  shown).
- step+phase+rise: the same step and `--phase`, and R01's rate doubled in
  the last 3 weeks of the phase. Contract: forest >= 80%.
- one old step: R01 alone steps up 1.5x at week T-52, no `--phase` (the
  issue's second case): forest share, information only.

Each run is seeded with numpy's PCG64 from SeedSequence((seed, scenario,
run)). Run (Python 3.9+ and numpy):

    python validation/phases.py --tool target/release/complaint-rate --out validation/phases.md
    python validation/phases.py --tool target/debug/complaint-rate --runs 20

Exit status: 1 when a contract fails, 2 on a tool error, else 0.
"""

import argparse
import concurrent.futures as cf
import datetime as dt
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from calibrate import START, simulate, wilson  # noqa: E402

T = 104


def old_step(p):
    """Every segment steps up 1.3x at week T-26 and stays."""
    p[T - 26:] *= 1.3


def old_step_and_fresh_rise(p):
    """The old step, and R01 doubled in the last 3 weeks."""
    old_step(p)
    p[T - 3:, 0] *= 2.0


def one_segment_year_ago(p):
    """R01 alone steps up 1.5x at week T-52."""
    p[T - 52:, 0] *= 1.5


# name, segments, expected complaints per cell, the planted rates, --phase week, contract
SCENARIOS = [
    ("step+phase", 5, 20, old_step, T - 26, "forest <= 5%"),
    ("step", 5, 20, old_step, None, "step named in >= 90% of forests"),
    ("step+phase+rise", 20, 20, old_step_and_fresh_rise, T - 26, "forest >= 80%"),
    ("one old step", 5, 20, one_segment_year_ago, None, "information"),
]
STEP_WEEK = {"step+phase": T - 26, "step": T - 26, "step+phase+rise": T - 26, "one old step": T - 52}


def week_start(week):
    return START + dt.timedelta(days=7 * week)


def one_run(tool, k, seed, run):
    name, S, lam, plant, phase, _ = SCENARIOS[k]
    c = {"kind": name, "S": S, "lam": lam, "T": T, "od": "none", "factor": 1.0}
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence((seed, k, run))))
    with tempfile.TemporaryDirectory(prefix="phases-") as tmp:
        complaints, deliveries = simulate(c, seed, run, tmp, plant=plant, rng=rng)
        cmd = [tool, "report", "--complaints", complaints, "--deliveries", deliveries,
               "--by", "region", "--period", "week", "--format", "json", "-q"]
        if phase is not None:
            cmd += ["--phase", week_start(phase).isoformat()]
        out = subprocess.run(cmd, capture_output=True, text=True)
        try:
            verdict = json.loads(out.stdout)["verdict"]
        except (ValueError, KeyError, TypeError):
            raise RuntimeError(f"{name} run {run}: exit {out.returncode}\n  {shlex.join(cmd)}\n"
                               f"  stderr: {out.stderr.strip()[-2000:]}") from None
    true = week_start(STEP_WEEK[name])
    starts = [dt.date.fromisoformat(s["start"]) for s in verdict["steps"]]
    near = any(abs((s - true).days) <= 7 for s in starts)
    exact = true in starts
    return verdict["verdict"] == "forest", near, exact


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tool", required=True)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--seed", type=int, default=20250106)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out")
    args = ap.parse_args()
    tool = os.path.abspath(args.tool)
    started = time.time()
    results = {k: [] for k in range(len(SCENARIOS))}
    with cf.ProcessPoolExecutor(args.jobs) as pool:
        futures = {pool.submit(one_run, tool, k, args.seed, run): k
                   for k in range(len(SCENARIOS)) for run in range(args.runs)}
        try:
            for future in cf.as_completed(futures):
                results[futures[future]].append(future.result())
        except RuntimeError as err:
            print(f"tool error: {err}", file=sys.stderr)
            sys.exit(2)
    rows, failed = [], False
    for k, (name, S, lam, _, phase, contract) in enumerate(SCENARIOS):
        got = results[k]
        forests = [r for r in got if r[0]]
        lo, hi = wilson(len(forests), len(got))
        named = sum(1 for r in forests if r[1])
        exact = sum(1 for r in forests if r[2])
        if name == "step+phase":
            ok = len(forests) / len(got) <= 0.05
        elif name == "step":
            ok = not forests or named / len(forests) >= 0.90
        elif name == "step+phase+rise":
            ok = len(forests) / len(got) >= 0.80
        else:
            ok = None
        failed |= ok is False
        rows.append([name, S, lam, T, "none", f"{'--phase' if phase is not None else '—'}", len(got), len(forests),
                     f"{len(forests) / len(got):.1%}", f"{lo:.1%}–{hi:.1%}",
                     f"{named}/{len(forests)} ({exact} exact)" if forests else "—",
                     contract, "info" if ok is None else ("pass" if ok else "FAIL")])
    head = ["scenario", "S", "λ", "T", "overdispersion", "phase", "runs", "forest", "share", "95% CI",
            "forests naming the step (±1 week)", "contract", "pass/fail"]
    widths = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]
    fmt = lambda r: "| " + " | ".join(str(v).ljust(w) for v, w in zip(r, widths)) + " |"
    text = "\n".join([fmt(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [fmt(r) for r in rows]
                     + ["", f"Command: python {shlex.join(sys.argv)}",
                        f"Tool: {tool} ({subprocess.run([tool, '--version'], capture_output=True, text=True).stdout.strip()}); "
                        f"base seed {args.seed}; wall time {time.time() - started:.0f} s with {args.jobs} jobs.",
                        f"Result: {'FAIL' if failed else 'pass'}"])
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
