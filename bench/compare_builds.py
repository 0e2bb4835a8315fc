#!/usr/bin/env python3
"""compare_builds.py — before/after ratios of two builds of GenC measured in one job.

Runs the benchmarks of an old and a new build alternately (old, new, old, new, ...) so both
see the same machine state, takes each metric's median over the rounds, and prints the
ratio old time / new time (> 1: the new build is faster; for rates, new rate / old rate).

    bench/compare_builds.py OLD_BUILD_DIR NEW_BUILD_DIR [--rounds R] [--pdb DIR]

The benchmarks: bench_grad, bench_is, bench_gfi, `bench_nuts hmc 5`, `bench_hmc_poly 3` and
`bench_is_poly 100000 5` (GenC's rows only: their hand-written baselines do not change with
the build; a benchmark one build lacks is left out); with --pdb, also
`bench_nuts pdb DIR 2 300 300` (a short NUTS run on the posteriordb set: gradient
evaluations per second and bulk ESS per second of each posterior).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

BENCHES = [["bench_grad"], ["bench_is"], ["bench_gfi"], ["bench_nuts", "hmc", "5"], ["bench_hmc_poly", "3"],
           ["bench_is_poly", "100000", "5"]]


def metrics(build, cmd):
    """{name: (value, higher_is_better)} from the JSON lines one run prints."""
    if not os.path.exists(f"{build}/bench/{cmd[0]}"):
        return {}
    out = subprocess.run([f"{build}/bench/{cmd[0]}"] + cmd[1:], capture_output=True, text=True,
                         check=True).stdout
    found = {}
    for line in out.splitlines():
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        if "median" in r:  # bench/common.c's rows
            found[f'{r["bench"]}: {r["name"]}'] = (r["median"], r.get("unit") == "/s")
        elif "median_ms" in r:  # bench_nuts hmc, bench_hmc_poly, bench_is_poly
            if r.get("peer", "genc") != "genc":
                continue
            size = f'{r["iterations"]} iterations' if "iterations" in r else f'N={r["n"]}'
            found[f'{r["bench"]}: {size} (ms)'] = (r["median_ms"], False)
        elif "grad_per_s" in r:  # bench_nuts pdb
            found[f'nuts {r["posterior"]}: gradients/s'] = (r["grad_per_s"], True)
            found[f'nuts {r["posterior"]}: bulk ESS/s'] = (r["min_ess_bulk"] / r["sampling_s"], True)
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--pdb", help="posteriordb folder: add a short NUTS run")
    a = ap.parse_args()
    benches = list(BENCHES)
    if a.pdb:
        benches.append(["bench_nuts", "pdb", a.pdb, "2", "300", "300"])
    rows = {}
    for cmd in benches:
        rounds = 1 if cmd[1:2] == ["pdb"] else a.rounds
        for _ in range(rounds):
            for side in ("old", "new"):
                for name, (v, hi) in metrics(getattr(a, side), cmd).items():
                    rows.setdefault(name, {"old": [], "new": [], "hi": hi})[side].append(v)
    print(f'{"metric":62} {"old":>12} {"new":>12} {"speed-up":>9}')
    ratios = []
    for name, r in rows.items():
        if not r["old"] or not r["new"]:
            continue
        o, n = statistics.median(r["old"]), statistics.median(r["new"])
        ratio = (n / o if r["hi"] else o / n) if o and n else float("nan")
        ratios.append(ratio)
        print(f"{name[:62]:62} {o:12.4g} {n:12.4g} {ratio:9.3f}")
        print(json.dumps({"bench": "compare_builds", "name": name, "old": o, "new": n,
                          "speedup": ratio}), file=sys.stderr)
    if ratios:
        print(f'{"geometric mean speed-up (> 1: new is faster)":62} {"":12} {"":12} '
              f"{statistics.geometric_mean(ratios):9.3f}")


if __name__ == "__main__":
    main()
