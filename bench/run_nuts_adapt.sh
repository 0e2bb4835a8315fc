#!/bin/sh
# run_nuts_adapt.sh — issue 19's choice of the default metric warm-up: GenC's three
# schedules (gen_nuts_config.adapt: stan, grad, lowrank) on the eight posteriordb
# posteriors in one job (chains one after another on one core), gp_pois_regr with two
# more seeds and with target_accept 0.9 (three seeds), and shorter warm-ups (200) from Pathfinder's starts and variances
# (gen_nuts_config.init_inv_metric) on kidiq and gp_pois_regr. Prints per posterior and
# schedule the smallest bulk ESS per second (sampling; warm-up + sampling), leapfrog
# steps per draw, ESS per 1000 leapfrog steps of the whole run (load-independent),
# divergences, and the largest |mean - reference mean| in reference sds.
#   bench/run_nuts_adapt.sh [CHAINS WARMUP DRAWS [POSTERIORDB_DIR]]
set -eu
cd "$(dirname "$0")/.."
chains="${1:-4}"; warmup="${2:-1000}"; draws="${3:-1000}"
dir="${4:-${GENC_POSTERIORDB:-$(pwd)/../shared/posteriordb}}"
[ -f "$dir/README.md" ] || dir=/work/shared/posteriordb
b=${GENC_BENCH_NUTS:-./build-rel/bench/bench_nuts}
if [ -z "${GENC_BENCH_NUTS:-}" ]; then
    cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build build-rel -j "$(nproc)" --target bench_nuts >/dev/null
fi
out=$(mktemp)
for adapt in stan grad lowrank; do
    $b pdb "$dir" "$chains" "$warmup" "$draws" "$adapt" >> "$out"
done
for seed in 2 3; do
    for adapt in stan grad lowrank; do
        GENC_BENCH_SEED=$seed $b pdb "$dir" "$chains" "$warmup" "$draws" "$adapt" 4 >> "$out"
    done
done
for seed in 1 2 3; do
    for adapt in stan grad lowrank; do
        GENC_BENCH_TARGET_ACCEPT=0.9 GENC_BENCH_SEED=$seed $b pdb "$dir" "$chains" "$warmup" "$draws" "$adapt" 4 >> "$out"
    done
done
for adapt in stan grad lowrank; do
    $b pdb "$dir" "$chains" 200 "$draws" "$adapt" 4 5 >> "$out"
    GENC_BENCH_PATHFINDER=1 $b pdb "$dir" "$chains" 200 "$draws" "$adapt" 4 5 >> "$out"
done
cp "$out" "${GENC_BENCH_JSON:-/dev/null}" 2>/dev/null || true
python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(f'{"posterior":40} {"adapt":8} {"seed":>4} {"accept":>6} {"warmup":>6} {"pf":>3} | {"ESS/s":>8} {"all":>8} | {"lf/draw":>7} {"ESS/klf":>7} {"div":>4} {"err/sd":>6}')
for r in sorted(rows, key=lambda r: (r["posterior"], r["warmup"] != 1000, r["pathfinder"], r["target_accept"], int(r["seed"]), ["stan", "grad", "lowrank"].index(r["adapt"]))):
    s, a = r["min_ess_bulk"] / r["sampling_s"], r["min_ess_bulk"] / (r["sampling_s"] + r["warmup_s"])
    print(f'{r["posterior"]:40} {r["adapt"]:8} {r["seed"]:>4} {r["target_accept"]:6.2f} {r["warmup"]:>6} {"yes" if r["pathfinder"] else "no":>3} | {s:8.1f} {a:8.1f} | '
          f'{r["leapfrog_per_draw"]:7.1f} {1000 * r["min_ess_bulk"] / r["leapfrog_total"]:7.2f} {r["divergent"]:4.0f} {r["max_err_sd"]:6.3f}')
PY
rm -f "$out"
