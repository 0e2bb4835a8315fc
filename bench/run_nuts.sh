#!/bin/sh
# run_nuts.sh — issue 6's NUTS benchmark, with issue 19's nutpie beside it: GenC's NUTS
# (bench_nuts), Stan's (rstan, bench/stan/run_stan.R) and nutpie's (bench/peers/
# nuts_nutpie.py) on the eight posteriordb posteriors in the same job, with the same
# chains, warm-up and draws, chains one after another on one core; prints per posterior
# and GenC adaptation mode the smallest bulk ESS per second (sampling phase, and warm-up +
# sampling) of each side and the ratios GenC / Stan and GenC / nutpie (> 1: GenC is
# faster), leapfrog steps per draw while sampling, gradient evaluations per second (a loop
# of gradients at the initial point: GenC's gen_target_logpdf_grad, Stan's grad_log_prob
# through R, whose call overhead dominates small models, nutpie's compiled function in a
# numba loop; and "in-run": leapfrog steps per second of warm-up + sampling, each side's
# own sampler) and divergences; then the HMC polynomial benchmark.
#   bench/run_nuts.sh [CHAINS WARMUP DRAWS [POSTERIORDB_DIR [MODES]]]
# MODES: GenC's adaptations to run, comma-separated (default "stan"; "stan,grad,lowrank"
# once bench_nuts's pdb mode takes the adaptation after DRAWS; a mode the binary does not
# list in its usage is skipped with a note). Needs rstan (apt-get install r-cran-rstan);
# nutpie's side needs `pip install nutpie pymc` (benchmark dependencies only; measured with
# nutpie 0.16.8, pymc 5.28.5) and is left out with a note where they are missing.
# RUN_NUTS_JSON=FILE keeps every side's JSON lines.
set -eu
cd "$(dirname "$0")/.."
chains="${1:-4}"; warmup="${2:-1000}"; draws="${3:-1000}"
dir="${4:-${GENC_POSTERIORDB:-$(pwd)/../shared/posteriordb}}"
modes="${5:-stan}"
[ -f "$dir/README.md" ] || dir=/work/shared/posteriordb
cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-rel -j "$(nproc)" --target bench_nuts >/dev/null
out=$(mktemp)
usage=$(./build-rel/bench/bench_nuts 2>&1 || true)
for mode in $(echo "$modes" | tr ',' ' '); do
    if [ "$mode" = stan ]; then
        # Stan's windows are bench_nuts's default: no argument, so older binaries run it too
        set --
    elif echo "$usage" | grep -qw "$mode"; then
        set -- "$mode"
    else
        echo "run_nuts.sh: bench_nuts has no adaptation \"$mode\"; skipped" >&2
        continue
    fi
    echo "$(date +%T) GenC ($mode)" >&2
    ./build-rel/bench/bench_nuts pdb "$dir" "$chains" "$warmup" "$draws" "$@" |
        sed "s/\"peer\": \"genc\"/\"peer\": \"genc\", \"mode\": \"$mode\"/" >> "$out"
done
echo "$(date +%T) Stan" >&2
Rscript bench/stan/run_stan.R "$dir" "$chains" "$warmup" "$draws" 2>/dev/null | grep '^{' >> "$out"
if python3 -c 'import nutpie, pymc' 2>/dev/null; then
    echo "$(date +%T) nutpie" >&2
    python3 bench/peers/nuts_nutpie.py "$dir" "$chains" "$warmup" "$draws" | grep '^{' >> "$out"
else
    echo "run_nuts.sh: nutpie or pymc not installed (pip install nutpie pymc); nutpie left out" >&2
fi
echo "$(date +%T) done" >&2
[ -z "${RUN_NUTS_JSON:-}" ] || cp "$out" "$RUN_NUTS_JSON"
python3 - "$out" "$chains" "$draws" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
n_draws = int(sys.argv[2]) * int(sys.argv[3])
by, modes = {}, []
for r in rows:
    key = r["peer"] if r["peer"] != "genc" else "genc:" + r.get("mode", "stan")
    if r["peer"] == "genc" and r.get("mode", "stan") not in modes:
        modes.append(r.get("mode", "stan"))
    by.setdefault(r["posterior"], {})[key] = r
def rates(r):
    if r is None:
        return float("nan"), float("nan")
    return r["min_ess_bulk"] / r["sampling_s"], r["min_ess_bulk"] / (r["sampling_s"] + r["warmup_s"])
def get(r, f):
    return f(r) if r is not None else float("nan")
def ratio(a, b):
    return a / b if b == b and b > 0 else float("nan")
per_draw = lambda r: r["leapfrog_sampling"] / n_draws
in_run = lambda r: r["leapfrog_total"] / (r["warmup_s"] + r["sampling_s"])
print(f'{"posterior":40} {"mode":7} | {"ESS/s GenC":>10} {"Stan":>8} {"nutpie":>8} {"G/S":>6} {"G/N":>6} '
      f'| {"ESS/s all GenC":>14} {"Stan":>8} {"nutpie":>8} {"G/S":>6} {"G/N":>6} '
      f'| {"leapfrog/draw G":>15} {"S":>6} {"N":>6} | {"grad/s G":>9} {"S":>8} {"N":>8} '
      f'| {"in-run G":>9} {"S":>8} {"N":>8} | div G/S/N')
for name, d in sorted(by.items()):
    s, p = d.get("stan"), d.get("nutpie")
    ss, sa = rates(s); ps, pa = rates(p)
    for mode in modes:
        g = d.get("genc:" + mode)
        if g is None:
            print(f"{name:40} {mode:7} | GenC missing"); continue
        gs, ga = rates(g)
        div = "/".join(f'{get(r, lambda r: r["divergent"]):.0f}' for r in (g, s, p))
        print(f'{name:40} {mode:7} | {gs:10.1f} {ss:8.1f} {ps:8.1f} {ratio(gs, ss):6.2f} {ratio(gs, ps):6.2f} '
              f'| {ga:14.1f} {sa:8.1f} {pa:8.1f} {ratio(ga, sa):6.2f} {ratio(ga, pa):6.2f} '
              f'| {per_draw(g):15.1f} {get(s, per_draw):6.1f} {get(p, per_draw):6.1f} '
              f'| {g["grad_per_s"]:9.0f} {get(s, lambda r: r["grad_per_s"]):8.0f} {get(p, lambda r: r["grad_per_s"]):8.0f} '
              f'| {in_run(g):9.0f} {get(s, in_run):8.0f} {get(p, in_run):8.0f} | {div}')
PY
./build-rel/bench/bench_nuts hmc 5
rm -f "$out"
