#!/bin/sh
# run_advi.sh — issue 16's ADVI benchmark: GenC's gen_advi (bench_advi), Stan's ADVI
# (rstan's vb, bench/stan/run_advi.R) and NumPyro's SVI with an AutoNormal guide
# (bench/peers/advi_numpyro.py, CPU) on eight schools (non-centered), mean-field, in the
# same job: median time to converge under Stan's relative-tolerance test (0.01 on the ELBO
# every 100 iterations) and iterations to it, iterations per second over 10000
# iterations, and the fitted posterior means of mu and tau (posteriordb's reference:
# about 4.4 and 3.6; mean-field ADVI is biased, most of all for tau), with the ratios
# GenC / peer of the speeds (> 1: GenC is faster). Needs rstan (apt-get install
# r-cran-rstan) and numpyro + jax (pip install numpyro jax); a missing peer is skipped.
#   bench/run_advi.sh [REPS [POSTERIORDB_DIR]]
set -eu
cd "$(dirname "$0")/.."
reps="${1:-11}"
dir="${2:-${GENC_POSTERIORDB:-$(pwd)/../shared/posteriordb}}"
[ -f "$dir/README.md" ] || dir=/work/shared/posteriordb
cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-rel -j "$(nproc)" --target bench_advi >/dev/null
out=$(mktemp)
./build-rel/bench/bench_advi "$dir" "$reps" >> "$out"
if command -v Rscript >/dev/null; then
    Rscript bench/stan/run_advi.R "$dir" "$reps" 2>/dev/null | grep '^{' >> "$out" || echo "rstan run failed" >&2
else echo "no Rscript: Stan skipped" >&2; fi
if python3 -c 'import numpyro' 2>/dev/null; then
    python3 bench/peers/advi_numpyro.py "$dir" "$reps" 2>/dev/null | grep '^{' >> "$out" || echo "numpyro run failed" >&2
else echo "no numpyro: NumPyro skipped" >&2; fi
python3 - "$out" <<'PY'
import json, sys
rows = {r["peer"]: r for r in (json.loads(l) for l in open(sys.argv[1]) if l.strip())}
g = rows["genc"]
print(f'{"eight schools, mean-field":26} {"converge s":>11} {"iters":>7} {"conv":>6} {"iter/s":>10} {"mu":>6} {"tau":>6} | {"GenC speed-up: converge":>24} {"iter/s":>7}')
for name in ("genc", "stan", "numpyro"):
    r = rows.get(name)
    if not r: continue
    print(f'{name:26} {r["converge_s"]:11.4f} {r["iterations"]:7.0f} {r["converged"]:>3}/{r["reps"]:<2} {r["iter_per_s"]:10.0f} {r["mu"]:6.2f} {r["tau"]:6.2f} | '
          f'{r["converge_s"] / g["converge_s"]:24.1f} {g["iter_per_s"] / r["iter_per_s"]:7.1f}')
for r in rows.values(): print(json.dumps(r))
PY
rm -f "$out"
