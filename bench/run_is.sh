#!/bin/sh
# run_is.sh — issue 13's batched importance sampling benchmark with its peers in one job:
# the polynomial regression (bench/poly_model.h), the prior as proposal, N = 1e3 ... 1e7
# particles in one batched run, on one core. GenC through its public API
# (gen_importance_sampling_batched) and a hand-written fused C loop (bench_is_poly), and
# hand-written JAX (peers/is_poly_jax.py: f64, jit, one XLA thread). The sides alternate
# in rounds (each round runs every N), each figure is the median over rounds of the
# per-round medians. Every process runs under a memory limit (ulimit -v; default: the
# memory available now less 2 GiB), so a side that does not fit reports it (GenC: its
# GEN_ERR_OOM message; a process that dies: its exit status) instead of taking the
# machine down. Prints a table (ms; ratio = GenC time / peer time, > 1: GenC is slower)
# and one JSON line per N.
#   bench/run_is.sh [ROUNDS [SIZES...]]        (defaults 3 and 1e3 1e4 1e5 1e6 1e7)
# Environment: GENC_BUILD (a build folder to use as is; default build-rel, configured and
# built here), PYTHON (default python3), GENC_BENCH_CPU (default 0), GENC_BENCH_MEM_KB
# (the memory limit per process, KiB), REPS (reps per process; default by N: 21 up to
# 1e4, 11 at 1e5, 5 at 1e6, 1 above: there the median is over rounds only),
# GENC_BENCH_EAGER=1 (also run GenC with GENC_COMPILE=0: an "eager" column).
# Needs jax (pip install "jax[cpu]").
set -eu
cd "$(dirname "$0")/.."
rounds="${1:-3}"
[ $# -gt 0 ] && shift
sizes="${*:-1e3 1e4 1e5 1e6 1e7}"
cpu="${GENC_BENCH_CPU:-0}"
py="${PYTHON:-python3}"
build="${GENC_BUILD:-build-rel}"
if [ -z "${GENC_BUILD:-}" ]; then
  cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build-rel -j "$(nproc)" --target bench_is_poly >/dev/null
fi
avail=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
mem="${GENC_BENCH_MEM_KB:-$((avail - 2 * 1024 * 1024))}"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
export XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$build/bench/bench_is_poly" data "$tmp/data.json"
jax=1
"$py" -c "import jax" 2>/dev/null || { jax=0; echo "run_is: jax is not importable by $py: JAX peer skipped (pip install \"jax[cpu]\")"; }
echo "run_is: one core (cpu $cpu), memory limit per process $((mem / 1024)) MiB, $rounds rounds"
for r in $(seq "$rounds"); do
  for s in $sizes; do
    n=$(awk "BEGIN {printf \"%d\", $s}")
    reps="${REPS:-$(awk "BEGIN {print ($n <= 10000) ? 21 : ($n <= 100000) ? 11 : ($n <= 1000000) ? 5 : 1}")}"
    rc=0
    (ulimit -v "$mem"; exec taskset -c "$cpu" "$build/bench/bench_is_poly" "$n" "$reps") >> "$tmp/out" 2>> "$tmp/err" || rc=$?
    [ "$rc" = 0 ] || echo "{\"peer\": \"genc\", \"n\": $n, \"error\": \"bench_is_poly exited with status $rc (crashed or killed: out of memory under the limit?)\"}" >> "$tmp/out"
    if [ "${GENC_BENCH_EAGER:-0}" = 1 ]; then
      rc=0
      (ulimit -v "$mem"; export GENC_COMPILE=0; exec taskset -c "$cpu" "$build/bench/bench_is_poly" "$n" "$reps") > "$tmp/eager" 2>> "$tmp/err" || rc=$?
      grep '"genc_eager"' "$tmp/eager" >> "$tmp/out" || true
      [ "$rc" = 0 ] || echo "{\"peer\": \"genc_eager\", \"n\": $n, \"error\": \"bench_is_poly exited with status $rc (crashed or killed: out of memory under the limit?)\"}" >> "$tmp/out"
    fi
    [ "$jax" = 0 ] && continue
    rc=0
    (ulimit -v "$mem"; exec taskset -c "$cpu" "$py" bench/peers/is_poly_jax.py "$tmp/data.json" "$n" "$reps") >> "$tmp/out" 2>> "$tmp/err" || rc=$?
    [ "$rc" = 0 ] || echo "{\"peer\": \"jax\", \"n\": $n, \"error\": \"is_poly_jax.py exited with status $rc (crashed or killed: out of memory under the limit?)\"}" >> "$tmp/out"
  done
done
python3 - "$tmp/out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
runs, errors, exact = {}, {}, None
for r in rows:
    key = (r["peer"], r["n"])
    if "error" in r:
        errors.setdefault(key, r["error"])
    else:
        runs.setdefault(key, []).append(r)
        exact = r.get("exact_log_ml", exact)
peers = ["genc", "genc_eager", "c_loop", "jax"]
def med(p, n):
    rs = runs.get((p, n))
    return statistics.median(r["median_ms"] for r in rs) if rs else None
def cell(v, w):
    return f"{v:{w}.3f}" if v is not None else f'{"failed":>{w}}'
print("Batched importance sampling, polynomial regression, one core: ms per run (median over rounds);"
      " ratio = GenC time / peer time (> 1: GenC is slower)")
eager = any(k[0] == "genc_eager" for k in list(runs) + list(errors))
print(f'{"N":>10} {"GenC ms":>11} ' + (f'{"eager ms":>11} ' if eager else "") +
      f'{"C-loop ms":>11} {"JAX ms":>11} {"GenC/C-loop":>12} {"GenC/JAX":>9}   log ML estimate GenC / C / JAX (exact {exact})')
lines, spread = [], []
for n in sorted({k[1] for k in list(runs) + list(errors)}):
    t = {p: med(p, n) for p in peers}
    rc = t["genc"] / t["c_loop"] if t["genc"] and t["c_loop"] else None
    rj = t["genc"] / t["jax"] if t["genc"] and t["jax"] else None
    ml = " / ".join(f'{runs[(p, n)][-1]["log_ml"]:.3f}' if (p, n) in runs else "-" for p in ("genc", "c_loop", "jax"))
    print(f"{n:10d} {cell(t['genc'], 11)} " + (f"{cell(t['genc_eager'], 11)} " if eager else "") +
          f"{cell(t['c_loop'], 11)} {cell(t['jax'], 11)} "
          f"{(f'{rc:12.2f}' if rc else f'{chr(45):>12}')} {(f'{rj:9.2f}' if rj else f'{chr(45):>9}')}   {ml}")
    lines.append(json.dumps({"bench": "is_poly", "n": n, "genc_ms": t["genc"], "genc_eager_ms": t["genc_eager"], "c_loop_ms": t["c_loop"],
                             "jax_ms": t["jax"], "genc_over_c_loop": rc, "genc_over_jax": rj,
                             "rounds_ms": {p: [r["median_ms"] for r in runs[(p, n)]] for p in peers if (p, n) in runs},
                             **{f"{p}_error": errors[(p, n)] for p in peers if (p, n) in errors}}))
    for p in peers:
        ts = [r["median_ms"] for r in runs.get((p, n), [])]
        if len(ts) > 1 and max(ts) > 1.25 * min(ts):
            spread.append(f"  {p} at N = {n}: rounds spread {min(ts):.4g} ... {max(ts):.4g} ms")
if spread:
    print("\n".join(spread))
for (p, n), e in sorted(errors.items(), key=lambda kv: kv[0][1]):
    print(f"  {p} at N = {n}: {e}" + ("" if (p, n) not in runs else " (in some rounds only)"))
print("\n".join(lines))
PY
if [ -s "$tmp/err" ]; then echo "run_is: stderr of the runs:"; sort -u "$tmp/err" | head -20; fi
