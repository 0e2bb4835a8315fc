#!/bin/sh
# run_nuts.sh — issue 6's NUTS benchmark: GenC's NUTS (bench_nuts) and Stan's (rstan,
# bench/stan/run_stan.R) on the eight posteriordb posteriors in the same job, with the
# same chains, warm-up and draws, chains one after another on one core; prints per
# posterior the smallest bulk ESS per second (sampling phase, and warm-up + sampling),
# the ratio GenC / Stan (> 1: GenC is faster), gradient evaluations per second (a loop of
# gradients at the initial point: GenC's gen_target_logpdf_grad, Stan's grad_log_prob
# through R, whose call overhead dominates small models; and "in-run": leapfrog steps per
# second of warm-up + sampling, each side's own sampler), and then the HMC polynomial
# benchmark; then GenC's three metric warm-ups (gen_nuts_config.adapt: stan, grad, lowrank),
# run one after another in this job: ESS/s and leapfrog steps per draw of each.
# Needs rstan (apt-get install r-cran-rstan).
#   bench/run_nuts.sh [CHAINS WARMUP DRAWS [POSTERIORDB_DIR]]
set -eu
cd "$(dirname "$0")/.."
chains="${1:-4}"; warmup="${2:-1000}"; draws="${3:-1000}"
dir="${4:-${GENC_POSTERIORDB:-$(pwd)/../shared/posteriordb}}"
[ -f "$dir/README.md" ] || dir=/work/shared/posteriordb
cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-rel -j "$(nproc)" --target bench_nuts >/dev/null
out=$(mktemp)
for adapt in stan grad lowrank; do
    ./build-rel/bench/bench_nuts pdb "$dir" "$chains" "$warmup" "$draws" "$adapt" >> "$out"
done
Rscript bench/stan/run_stan.R "$dir" "$chains" "$warmup" "$draws" 2>/dev/null | grep '^{' >> "$out"
python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {}
for r in rows:
    peer = r["peer"] if r.get("adapt", "stan") == "stan" else r["peer"] + "-" + r["adapt"]
    by.setdefault(r["posterior"], {})[peer] = r
def rates(r):
    return r["min_ess_bulk"] / r["sampling_s"], r["min_ess_bulk"] / (r["sampling_s"] + r["warmup_s"])
print(f'{"posterior":40} {"ESS/s GenC":>10} {"Stan":>9} {"ratio":>6} | {"ESS/s all GenC":>14} {"Stan":>9} {"ratio":>6} | {"grad/s GenC":>11} {"Stan":>9} {"in-run GenC":>11} {"Stan":>9} | {"leapfrogs GenC":>14} {"Stan":>8} | div G/S')
for name, d in sorted(by.items()):
    g, s = d.get("genc"), d.get("stan")
    if not g or not s:
        print(name, "missing a side"); continue
    gs, ga = rates(g); ss, sa = rates(s)
    n = 1.0
    print(f'{name:40} {gs:10.1f} {ss:9.1f} {gs/ss:6.3f} | {ga:14.1f} {sa:9.1f} {ga/sa:6.3f} | {g["grad_per_s"]:11.0f} {s["grad_per_s"]:9.0f} {g["leapfrog_total"]/(g["warmup_s"]+g["sampling_s"]):11.0f} {s["leapfrog_total"]/(s["warmup_s"]+s["sampling_s"]):9.0f} | '
          f'{g["leapfrog_sampling"]:14.0f} {s["leapfrog_sampling"]:8.0f} | {g["divergent"]:.0f}/{s["divergent"]:.0f}')
print()
print(f'{"posterior":40} ' + ' | '.join(f'{m + " ESS/s":>14} {"all":>8} {"lf/draw":>7} {"div":>4}' for m in ("stan", "grad", "lowrank")))
for name, d in sorted(by.items()):
    cells = []
    for key in ("genc", "genc-grad", "genc-lowrank"):
        r = d.get(key)
        if not r:
            cells.append(f'{"-":>14} {"-":>8} {"-":>7} {"-":>4}'); continue
        a, b = rates(r)
        cells.append(f'{a:14.1f} {b:8.1f} {r["leapfrog_per_draw"]:7.2f} {r["divergent"]:4.0f}')
    print(f'{name:40} ' + ' | '.join(cells))
PY
./build-rel/bench/bench_nuts hmc 5
rm -f "$out"
