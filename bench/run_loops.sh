#!/bin/sh
# run_loops.sh — issue 13's "Loops" benchmark: the time per gradient of the log density of
# the scalar-loop models of examples/loops/loops.h (ARMA(1,1), GARCH(1,1), an HMM forward
# pass; T = 100 and 200) for GenC and Stan, in the same job, on the same synthetic data at
# the same point:
#   GenC      bench_loops: gen_target_logpdf_grad at the init point, median over ROUNDS
#             rounds of REPS gradients (20 x REPS when compiled), on the default path
#             (compiled code where the model captures) and on the eager path, with the
#             compiled target's set-up time from a cold code cache (a fresh GENC_CACHE_DIR);
#   Stan C++  bench/stan/loops/grad_time.cpp: stan::model::log_prob_grad on the model
#             rstan compiled, built with g++ -O3 (CmdStan's level), no R in the loop,
#             median over ROUNDS rounds of 10 x REPS gradients (the headline);
#   Stan run  per leapfrog step of one NUTS chain (WARMUP + DRAWS, Stan's defaults): one
#             gradient plus the sampler's own work per step (rstan's -O2 build);
#   Stan R    grad_log_prob in an R loop, less the same loop on a one-parameter model
#             (R's call overhead, printed too).
# Prints a table and one JSON line per case (ratio = GenC / Stan: < 1 is GenC faster).
# Needs rstan (apt-get install r-cran-rstan r-cran-jsonlite) and g++; the compiled Stan
# models are cached in build-rel/stan-loops.
#   bench/run_loops.sh [REPS ROUNDS [WARMUP DRAWS]]
set -eu
cd "$(dirname "$0")/.."
reps="${1:-200}"; rounds="${2:-11}"; warmup="${3:-1000}"; draws="${4:-1000}"
cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-rel -j "$(nproc)" --target bench_loops >/dev/null
cache="$(pwd)/build-rel/stan-loops"
mkdir -p "$cache"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out="$work/out.jsonl"
./build-rel/bench/bench_loops data "$work/cases"

echo "GenC (bench_loops $reps $rounds):"
GENC_CACHE_DIR="$work/genc-cache" ./build-rel/bench/bench_loops "$reps" "$rounds" | tee "$work/genc.txt" | grep -v '^{'
grep '^{' "$work/genc.txt" >> "$out"

Rscript bench/stan/run_loops.R "$work/cases" "$cache" "$warmup" "$draws" "$((reps * 10))" "$rounds" 2>"$work/stan.err" \
    | grep '^{' >> "$out" || { cat "$work/stan.err" >&2; exit 1; }

# Stan's gradient in C++, each model built once from the C++ rstan compiled
sh_inc=$(Rscript -e 'cat(system.file("include", package = "StanHeaders"))')
eigen_inc=$(Rscript -e 'cat(system.file("include", package = "RcppEigen"))')
for c in "$work"/cases/*; do
    name=$(cat "$c/model")
    exe="$cache/grad_time_$name"
    if [ ! -x "$exe" ] || [ "$cache/$name.cpp" -nt "$exe" ] || [ bench/stan/loops/grad_time.cpp -nt "$exe" ]; then
        g++ -std=c++1y -O3 -DBOOST_DISABLE_ASSERTS -DEIGEN_NO_DEBUG -D_REENTRANT -w \
            -I"$sh_inc" -I"$sh_inc/src" -I"$eigen_inc" -include "$cache/$name.cpp" \
            bench/stan/loops/grad_time.cpp -o "$exe"
    fi
    line=$("$exe" "$c/data.R" "$c/point.txt" "$((reps * 10))" "$rounds")
    echo "$line" | sed "s/^{/{\"bench\": \"loops\", \"peer\": \"stan_cpp\", \"case\": \"$(basename "$c")\", /" >> "$out"
done

python3 - "$out" <<'PY'
import json, sys
by = {}
for line in open(sys.argv[1]):
    if line.strip():
        r = json.loads(line)
        by.setdefault(r["case"], {})[r["peer"]] = r
print()
print(f'{"case":16} {"dim":>3} | {"GenC":>8} {"eager":>8} | {"Stan C++":>8} {"in-run":>8} {"R loop":>8} {"R-ovh":>8} | '
      f'{"GenC/Stan C++":>13} {"GenC/in-run":>11} {"eager/Stan C++":>14} | GenC path')
for case in sorted(by):
    d = by[case]
    g, s, c = d.get("genc"), d.get("stan"), d.get("stan_cpp")
    if not (g and s and c):
        print(case, "missing a side:", sorted(d)); continue
    row = {"bench": "loops", "case": case, "model": g["model"], "T": g["T"], "K": g["K"], "dim": g["dim"],
           "genc_us_per_grad": g["us_per_grad"], "genc_compiled": g["compiled"], "genc_setup_ms": g["setup_ms"],
           "genc_eager_us_per_grad": g["eager_us_per_grad"], "stan_cpp_us_per_grad": c["us_per_grad"],
           "stan_inrun_us_per_leapfrog": s["inrun_us_per_leapfrog"], "stan_rloop_us_per_grad": s["rloop_us_per_grad"],
           "stan_r_overhead_us": s["r_overhead_us"], "stan_rloop_minus_overhead_us": s["rloop_minus_overhead_us"],
           "ratio_genc_over_stan_cpp": g["us_per_grad"] / c["us_per_grad"],
           "ratio_genc_over_stan_inrun": g["us_per_grad"] / s["inrun_us_per_leapfrog"],
           "ratio_eager_over_stan_cpp": g["eager_us_per_grad"] / c["us_per_grad"]}
    path = f'compiled (set-up {g["setup_ms"]:.0f} ms)' if g["compiled"] else g["note"]
    print(f'{case:16} {g["dim"]:3} | {g["us_per_grad"]:8.2f} {g["eager_us_per_grad"]:8.1f} | {c["us_per_grad"]:8.2f} '
          f'{s["inrun_us_per_leapfrog"]:8.2f} {s["rloop_us_per_grad"]:8.2f} {s["rloop_minus_overhead_us"]:8.2f} | '
          f'{row["ratio_genc_over_stan_cpp"]:12.3f}x {row["ratio_genc_over_stan_inrun"]:10.3f}x '
          f'{row["ratio_eager_over_stan_cpp"]:13.1f}x | {path}')
    by[case]["row"] = row
print('(us per gradient. GenC: the default path and the eager one; Stan C++: log_prob_grad at -O3; in-run: per leapfrog '
      f'step of NUTS; R loop: grad_log_prob through R, and less {s["r_overhead_us"]:.2f} us, the same loop on a '
      'one-parameter model)')
for case in sorted(by):
    if "row" in by[case]:
        print(json.dumps(by[case]["row"]))
PY
