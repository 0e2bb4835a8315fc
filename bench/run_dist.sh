#!/bin/sh
# run_dist.sh — issue 3's distribution benchmark: GenC (bench_dist) and numpy/scipy
# (peers/dist_numpy.py) on the same tasks in the same job; prints values per second and
# the ratio GenC / peer (> 1: GenC is faster). Needs numpy and scipy (pip).
#   bench/run_dist.sh [reps per round] [rounds]
set -eu
cd "$(dirname "$0")/.."
reps="${1:-7}"
cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-rel -j "$(nproc)" --target bench_dist >/dev/null
out=$(mktemp)
# Alternate the two sides in rounds, so a slow period of a shared machine hits both;
# each task's figure is the median over rounds of the per-round medians.
rounds="${2:-3}"
for r in $(seq "$rounds"); do
  ./build-rel/bench/bench_dist "$reps" >> "$out"
  python3 bench/peers/dist_numpy.py "$reps" >> "$out"
done
python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
t = {}
for r in rows:
    t.setdefault((r["peer"], r["dist"], r["task"]), []).append(r)
for k, rs in t.items():
    ts = sorted(x["median_s"] for x in rs)
    t[k] = dict(rs[0], median_s=ts[len(ts) // 2])
print(f'{"distribution":12} {"task":7} {"GenC Mvals/s":>13} {"numpy Mvals/s":>14} {"ratio":>6}')
for (peer, dist, task), r in t.items():
    if peer != "genc":
        continue
    p = t[("numpy/scipy", dist, task)]
    g_rate, p_rate = r["n"] / r["median_s"] / 1e6, p["n"] / p["median_s"] / 1e6
    print(f'{dist:12} {task:7} {g_rate:13.1f} {p_rate:14.1f} {g_rate / p_rate:6.2f}')
    print(json.dumps({"bench": "dist", "dist": dist, "task": task, "genc_vals_per_s": g_rate * 1e6,
                      "numpy_vals_per_s": p_rate * 1e6, "ratio": g_rate / p_rate}))
PY
rm -f "$out"
