#!/usr/bin/env python3
"""run_is_gpu_table.py — the combined table of bench/run_is_gpu.sh, from the JSON lines
that bench_is_gpu and the Python peers (bench/peers/is_poly_*.py) printed:
    python3 run_is_gpu_table.py LINES.jsonl
Rows (one per size and dtype): ms per system, GenC/JAX and eager/JAX (time ratios, < 1:
GenC is faster), the GPU's speed-up over GenC's CPU run, the compiled path's achieved
GB/s; then the bandwidth floor at the largest size; then the log ML estimates with the
exact value, each run's Monte Carlo s.e. (~ sqrt(1/ESS - 1/N)) and two checks: GenC's
three sides draw the same particles (same key), so their estimates agree to rounding
("GenC sides" column, "!" past 1e-9 relative in f64, 1e-3 in f32); an estimate more than
5 s.e. from the exact value, where the run has ESS >= 10, is marked "!". A GPU side whose
results came back from the host is named in a warning. A cell with no result shows "-";
the errors are listed below the tables; last, one JSON line per row and one per dtype for
the bandwidth floor.
"""
import json
import math
import sys

PEERS = ["genc_gpu", "genc_gpu_eager", "genc_cpu", "jax", "numpyro", "genjax"]
LABEL = {"genc_gpu": "GenC", "genc_gpu_eager": "eager", "genc_cpu": "CPU", "jax": "JAX", "numpyro": "NumPyro",
         "genjax": "GenJAX"}


def fmt(v, w, d=3):
    return f"{v:{w}.{d}f}" if v is not None else f'{"-":>{w}}'


def ratio(a, b):
    return a / b if a is not None and b else None


def se(r):
    ess, n = r.get("ess"), r["n"]
    return math.sqrt(max(1 / ess - 1 / n, 0)) if ess else None


def main():
    lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
    runs, errors, copy, exact = {}, [], None, None
    for r in lines:
        if r.get("peer") == "cuda_memcpy":
            copy = r
            continue
        if "error" in r:
            errors.append(r)
            continue
        runs[(r["peer"], r["dtype"], r["n"])] = r
        exact = r.get("exact_log_ml", exact)
    keys = sorted({(k[2], k[1]) for k in runs} | {(r["n"], r["dtype"]) for r in errors if "n" in r})
    ms = lambda p, n, d: runs[(p, d, n)]["median_ms"] if (p, d, n) in runs else None

    print("\nBatched importance sampling on the GPU, polynomial regression (50 points, prior proposal):"
          " ms per run (median). GenC: compiled; eager: compilation off; CPU: GenC batched on one core.")
    print("GenC/JAX, eager/JAX: time ratios (< 1: GenC is faster; goals: GenC/JAX <= 0.33 at every N,"
          " eager/JAX <= 1 from N = 1e5); GPU x: CPU time / GenC time; GB/s: GenC's least traffic / time.")
    print(f'{"N":>10} {"dtype":>5} ' + " ".join(f"{LABEL[p] + ' ms':>11}" for p in PEERS) +
          f' {"GenC/JAX":>9} {"eager/JAX":>9} {"GPU x":>8} {"GB/s":>8}')
    table = []
    for n, d in keys:
        t = {p: ms(p, n, d) for p in PEERS}
        g = runs.get(("genc_gpu", d, n), {})
        row = {"bench": "is_poly_gpu", "n": n, "dtype": d, **{f"{p}_ms": t[p] for p in PEERS},
               "genc_over_jax": ratio(t["genc_gpu"], t["jax"]), "eager_over_jax": ratio(t["genc_gpu_eager"], t["jax"]),
               "gpu_speedup_over_cpu": ratio(t["genc_cpu"], t["genc_gpu"]), "genc_gb_s": g.get("gb_s"),
               **{f"{p}_log_ml": runs[(p, d, n)]["log_ml"] for p in PEERS if (p, d, n) in runs}}
        table.append(row)
        print(f"{n:10d} {d:>5} " + " ".join(fmt(t[p], 11, 4) for p in PEERS) +
              f' {fmt(row["genc_over_jax"], 9, 2)} {fmt(row["eager_over_jax"], 9, 2)}'
              f' {fmt(row["gpu_speedup_over_cpu"], 8, 1)} {fmt(row["genc_gb_s"], 8, 1)}')

    if copy:
        if "gb_s" in copy:
            print(f'\ndevice copy bandwidth: {copy["gb_s"]:.1f} GB/s (cudaMemcpy device to device of 1 GiB,'
                  " bytes read + written)")
        else:
            print(f'\ndevice copy bandwidth not measured: {copy.get("error")}')
    floors = []
    for d in ("f32", "f64"):
        big = [k for k in runs if k[0] == "genc_gpu" and k[1] == d]
        if not big:
            continue
        r = runs[max(big, key=lambda k: k[2])]
        floors.append({"bench": "is_poly_gpu_bandwidth", "n": r["n"], "dtype": d, "genc_ms": r["median_ms"],
                       "min_bytes": r["min_bytes"], "gb_s": r["gb_s"], "copy_gb_s": (copy or {}).get("gb_s"),
                       "floor_ms": r.get("floor_ms"), "over_floor": r.get("over_floor")})
        line = (f'bandwidth at N = {r["n"]} {d}: GenC compiled {r["median_ms"]:.4f} ms moves at least'
                f' {r["min_bytes"] / 1e6:.0f} MB (a, b, c {d} and the log weights {r.get("weights_dtype")},'
                f' written once): {r["gb_s"]:.1f} GB/s')
        if "floor_ms" in r:
            line += (f'; at the copy bandwidth that takes {r["floor_ms"]:.4f} ms (the floor):'
                     f' GenC at {r["over_floor"]:.2f}x the floor (goal <= 2)')
        print(line)

    print(f"\nlog ML estimates (exact {exact}); s.e. from each run's ESS; GenC sides: the largest difference"
          " between GenC's three estimates (same key, same particles)")
    print(f'{"N":>10} {"dtype":>5} ' + " ".join(f"{LABEL[p]:>10}" for p in PEERS) + f' {"GenC sides":>11} {"s.e.":>8}')
    for n, d in keys:
        cells, sides, ses = [], [], []
        for p in PEERS:
            r = runs.get((p, d, n))
            if not r:
                cells.append(f'{"-":>10}')
                continue
            s = se(r)
            ses.append(s) if s is not None else None
            far = exact is not None and s is not None and r.get("ess", 0) >= 10 and abs(r["log_ml"] - exact) > 5 * s
            cells.append(f'{r["log_ml"]:9.3f}' + ("!" if far else " "))
            if p.startswith("genc"):
                sides.append(r["log_ml"])
        diff = max(sides) - min(sides) if len(sides) > 1 else None
        tol = (1e-9 if d == "f64" else 1e-3) * max(1.0, max((abs(v) for v in sides), default=1.0))
        dcell = f"{diff:10.2e}" + ("!" if diff > tol else " ") if diff is not None else f'{"-":>11}'
        print(f"{n:10d} {d:>5} " + " ".join(cells) + f" {dcell} {fmt(max(ses) if ses else None, 8, 3)}")

    for (p, d, n), r in sorted(runs.items(), key=lambda kv: kv[0][2]):
        where = r.get("weights_device", r.get("device", ""))
        if p != "genc_cpu" and ("cpu" in where.lower() or "cpu" in r.get("device", "").lower()):
            print(f"warning: {p} {d} N = {n} ran on {r.get('device')} (weights on {where}), not on the GPU")
    if errors:  # one line per peer, dtype and message, with the sizes it hit
        print("\nerrors:")
        hits = {}
        for r in errors:
            hits.setdefault((r["peer"], r.get("dtype", ""), r["error"]), []).append(r.get("n"))
        for (peer, d, msg), ns in sorted(hits.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            where = "N = " + ", ".join(str(n) for n in sorted(n for n in ns if n)) if any(ns) else "the process"
            print(f"  {peer} {d} {where}: {msg}")
    print()
    for row in table + floors:
        print(json.dumps(row))


if __name__ == "__main__":
    main()
