#!/bin/sh
# run_hmc.sh — issue 13's HMC benchmark with its peers in one job: HMC on the polynomial
# regression (bench/poly_model.h; step 0.01, 20 leapfrog steps, 100 / 500 / 1000
# iterations), GenC through its public API (as it runs by default, compiled where the
# model captures, and with GENC_COMPILE=0, eager) and a hand-written C loop (bench_hmc_poly),
# hand-written JAX (peers/hmc_poly_jax.py) and GenJAX (peers/hmc_poly_genjax.py, skipped
# with a message where `import genjax` fails: GenJAX 1.0 needs python 3.12). Every side
# runs on one core (taskset -c $GENC_BENCH_CPU, default 0) with one thread (JAX: f64, XLA
# with intra-op parallelism 1); the sides alternate in rounds so a slow period of a
# shared machine hits all alike, and each figure is the median over rounds of the
# per-round medians. Prints ms per 100 iterations and GenC's time over each peer's
# (> 1: GenC is slower), then one JSON line per chain length.
#   bench/run_hmc.sh [REPS [ROUNDS]]          (defaults 7 and 3)
# Environment: GENC_BUILD (a build folder to use as is, e.g. one with the compiler on;
# default: build-rel, configured and built here), PYTHON (default python3) for JAX,
# GENJAX_PYTHON (default $PYTHON) for GenJAX. Needs jax (pip install "jax[cpu]").
set -eu
cd "$(dirname "$0")/.."
reps="${1:-7}"; rounds="${2:-3}"
cpu="${GENC_BENCH_CPU:-0}"
py="${PYTHON:-python3}"; gpy="${GENJAX_PYTHON:-$py}"
build="${GENC_BUILD:-build-rel}"
if [ -z "${GENC_BUILD:-}" ]; then
  cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build-rel -j "$(nproc)" --target bench_hmc_poly >/dev/null
fi
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
export XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$build/bench/bench_hmc_poly" data "$tmp/data.json"
jax=1; genjax=1
"$py" -c "import jax" 2>/dev/null || { jax=0; echo "run_hmc: jax is not importable by $py: JAX peer skipped (pip install \"jax[cpu]\")"; }
"$gpy" -c "import genjax" 2>/dev/null || { genjax=0; echo "run_hmc: genjax is not importable by $gpy: GenJAX peer skipped (GenJAX 1.0 needs python >= 3.12; set GENJAX_PYTHON)"; }
for r in $(seq "$rounds"); do
  taskset -c "$cpu" "$build/bench/bench_hmc_poly" "$reps" >> "$tmp/out"
  GENC_COMPILE=0 taskset -c "$cpu" "$build/bench/bench_hmc_poly" "$reps" | grep '"genc_eager"' >> "$tmp/out" || true
  [ "$jax" = 0 ] || taskset -c "$cpu" "$py" bench/peers/hmc_poly_jax.py "$tmp/data.json" "$reps" >> "$tmp/out" ||
    echo "run_hmc: the JAX peer failed (status $?): its column stays empty"
  [ "$genjax" = 0 ] || taskset -c "$cpu" "$gpy" bench/peers/hmc_poly_genjax.py "$tmp/data.json" "$reps" >> "$tmp/out" ||
    echo "run_hmc: the GenJAX peer failed (status $?): its column stays empty"
done
python3 - "$tmp/out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
runs = {}
for r in rows:
    runs.setdefault((r["peer"], r["iterations"]), []).append(r)
peers = ["genc", "genc_eager", "c_loop", "jax", "genjax"]
label = {"genc": "GenC", "genc_eager": "eager", "c_loop": "C loop", "jax": "JAX", "genjax": "GenJAX"}
others = ["c_loop", "jax", "genjax"]
def per100(peer, n):
    rs = runs.get((peer, n))
    return statistics.median(r["ms_per_100"] for r in rs) if rs else None
exact = rows[0].get("exact_mean")
print("HMC, polynomial regression: ms per 100 iterations (median over rounds), one core. GenC: as it runs"
      " by default; eager: GENC_COMPILE=0. Ratios: GenC time / peer time (> 1: GenC is slower),"
      " eager/GenC: the speed-up of GenC's default path over its eager one")
print(f'{"iterations":>10} ' + " ".join(f"{label[p]:>9}" for p in peers) + " " +
      " ".join(f'{"GenC/" + label[p]:>12}' for p in others) + f'{"eager/GenC":>11}')
fmt = lambda v, w, d: f"{v:{w}.{d}f}" if v is not None else f'{"-":>{w}}'
div = lambda a, b: a / b if a and b else None
lines = []
for n in sorted({k[1] for k in runs}):
    t = {p: per100(p, n) for p in peers}
    ratio = {p: div(t["genc"], t[p]) for p in others}
    speedup = div(t["genc_eager"], t["genc"])
    print(f"{n:10d} " + " ".join(fmt(t[p], 9, 3) for p in peers) + " " +
          " ".join(fmt(ratio[p], 12, 2) for p in others) + fmt(speedup, 11, 2))
    lines.append(json.dumps({"bench": "hmc_poly", "iterations": n, **{f"{p}_ms_per_100": t[p] for p in peers},
                             **{f"genc_over_{p}": ratio[p] for p in others}, "eager_over_genc": speedup}))
for p in ("genc", "genc_eager"):
    rs = [r for r in rows if r["peer"] == p and "path" in r]
    if rs:
        print(f"  {label[p]} path: {rs[0]['path']}")
print("acceptance and posterior mean of the second half of the 1000-iteration chain"
      f" (exact posterior mean {exact}):")
for p in peers:
    rs = runs.get((p, 1000))
    if rs:
        print(f'  {label[p]:7} accept {rs[-1]["accept"]:.3f}  mean {rs[-1]["mean"]}')
print("\n".join(lines))
PY
