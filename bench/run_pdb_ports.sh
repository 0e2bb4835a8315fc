#!/bin/sh
# run_pdb_ports.sh — the posteriordb ports (examples/posteriordb/ports) against Stan:
# for each port, GenC's NUTS (the port's program, --bench) and rstan's
# (bench/stan/run_pdb_ports.R: posteriordb's Stan program) on the same data in the same
# job, 4 chains of 1000 warm-up and 1000 draws with Stan's defaults, chains one after
# another on one core; prints per posterior the smallest bulk ESS per second of sampling,
# the ratio GenC / Stan (> 1: GenC is faster), leapfrog steps per draw, divergences, and
# how many parameters match the reference posterior (mean within 5 MCSE, sd within 10%).
# Needs rstan (apt-get install r-cran-rstan); each Stan model compiles in about a minute.
#   bench/run_pdb_ports.sh [NAME...]     (default: every port)
set -eu  # a side that fails prints nothing: the table says "missing a side"
cd "$(dirname "$0")/.."
dir=$(pwd)/tests/data/posteriordb
cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
names="$*"
[ -n "$names" ] || names=$(cd examples/posteriordb/ports && ls *.c | sed 's/\.c$//')
out=$(mktemp)
for n in $names; do
  cmake --build build-rel -j "$(nproc)" --target "genc-pdb-$n" >/dev/null
  "./build-rel/genc-pdb-$n" "$dir" --bench | grep '^{' >> "$out" || true
done
# shellcheck disable=SC2086
Rscript bench/stan/run_pdb_ports.R "$dir" 4 1000 1000 $names 2>/dev/null | grep "^{" >> "$out" || true
python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {}
for r in rows:
    by.setdefault(r["posterior"], {})[r["peer"]] = r
print(f'{"posterior":44} {"ESS/s GenC":>10} {"Stan":>9} {"ratio":>6} | {"leapfrogs GenC":>14} {"Stan":>6} | {"div G/S":>7} | {"match GenC":>10} {"Stan":>6}')
for name, d in sorted(by.items()):
    g, s = d.get("genc"), d.get("stan")
    if not g or not s:
        print(name, "missing a side"); continue
    gs, ss = g["min_ess_bulk"] / g["sampling_s"], s["min_ess_bulk"] / s["sampling_s"]
    print(f'{name:44} {gs:10.1f} {ss:9.1f} {gs/ss:6.3f} | {g["leapfrog_per_draw"]:14.1f} {s["leapfrog_per_draw"]:6.1f} | '
          f'{g["divergent"]:3.0f}/{s["divergent"]:<3.0f} | {g["match"]:>4}/{g["params"]:<5} {s["match"]:>3}/{s["params"]}')
PY
rm -f "$out"
