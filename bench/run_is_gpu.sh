#!/bin/sh
# run_is_gpu.sh — issue 14's GPU benchmark with its peers in one job, on the GPU machine:
# batched importance sampling on the polynomial regression (bench/poly_model.h, the prior
# as proposal), N = 1e3 ... 1e7, f32 and f64, every side on the same GPU:
#   GenC (bench_is_gpu): compiled (genc_gpu), eager (genc_gpu_eager), and its batched
#     CPU run on one thread (genc_cpu: the GPU's speed-up over it), plus the device's
#     copy bandwidth (cudaMemcpy device to device) for the bandwidth floor;
#   hand-written JAX (peers/is_poly_jax_gpu.py), NumPyro (peers/is_poly_numpyro.py) and
#     GenJAX 1.0 (peers/is_poly_genjax.py; installed from .whl into a temporary folder
#     when `import genjax` fails and the wheels are there).
# Each side runs in its own process per dtype (a crash or a time-out costs one column),
# each size as: warm-up (compilation), then REPS timed runs, median. Then one table:
# ms per system, GenC/JAX and eager/JAX (time ratios: < 1 means GenC is faster; the
# issue's goals: compiled <= 0.33 at every N, eager <= 1 from N = 1e5), the GPU's speed-up
# over GenC's CPU run, the compiled path's GB/s and its distance to the bandwidth floor at
# the largest N, and the log ML estimates of every system beside the exact one. A side
# that fails prints its error and its cells show "-".
#   bench/run_is_gpu.sh BUILD_DIR [SIZES...]          (sizes default: 1e3 1e4 1e5 1e6 1e7)
# BUILD_DIR holds bench/bench_is_gpu (a CUDA build). GenC's processes run with .devlib
# (the OpenBLAS / LAPACKE libraries the GPU machine lacks), where it exists, in front of
# LD_LIBRARY_PATH and /usr/local/cuda/lib64 behind it.
# Environment: REPS (GPU timed runs per size, default 31), CPU_MAX (largest N of the CPU
# run, default 1e7: one timed run there, 3 at 1e6, 5 below), PYTHON (default python3),
# GENJAX_PYTHON (default $PYTHON), BUDGET_S (the whole job's time, default 450 s: each
# process runs under the time left, at most its own cap), RAW (a file to keep the JSON
# lines of every process in), PLATFORM (the Python peers' platform, default gpu; cpu to
# try the script on a machine without a GPU).
set -u
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: bench/run_is_gpu.sh BUILD_DIR [SIZES...]" >&2; exit 2; }
build="$1"; shift
sizes="${*:-1e3 1e4 1e5 1e6 1e7}"
csv=$(echo $sizes | tr ' ' ',')
reps="${REPS:-31}"
py="${PYTHON:-python3}"; gpy="${GENJAX_PYTHON:-$py}"
bench="$build/bench/bench_is_gpu"
[ -x "$bench" ] || { echo "run_is_gpu: no $bench (build the benchmarks first)" >&2; exit 2; }
# GenC's library path (its processes only: the Python peers load their own CUDA libraries)
genc_ld="${LD_LIBRARY_PATH:-}"
[ -d .devlib ] && genc_ld="$PWD/.devlib${genc_ld:+:$genc_ld}"
[ -d /usr/local/cuda/lib64 ] && genc_ld="${genc_ld:+$genc_ld:}/usr/local/cuda/lib64"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 TF_CPP_MIN_LOG_LEVEL=2 PYTHONUNBUFFERED=1
start=$(date +%s)
deadline=$((start + ${BUDGET_S:-450}))
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: > "$tmp/out"
: > "$tmp/genc_err"

# run PEER DTYPE CAP COMMAND...: runs COMMAND under the time left (at most CAP s); its
# JSON lines go to $tmp/out; a failure adds a line with its error for PEER and DTYPE.
run() {
  peer=$1 dtype=$2 cap=$3; shift 3
  left=$((deadline - $(date +%s)))
  [ "$left" -lt "$cap" ] && cap=$left
  if [ "$cap" -lt 15 ]; then
    echo "{\"peer\": \"$peer\", \"dtype\": \"$dtype\", \"error\": \"not run: the job's time budget (BUDGET_S) is spent\"}" >> "$tmp/out"
    echo "run_is_gpu: $peer $dtype not run: the time budget is spent"
    return
  fi
  t0=$(date +%s) rc=0
  timeout -k 5 "$cap" "$@" > "$tmp/stdout" 2> "$tmp/stderr" || rc=$?
  grep '^{' "$tmp/stdout" >> "$tmp/out"
  case "$peer" in genc*) grep -v '^$' "$tmp/stderr" >> "$tmp/genc_err" ;; esac
  rows=$(grep -c '"median_ms"' "$tmp/stdout")
  failed=$(grep -c '"error"' "$tmp/stdout")
  echo "run_is_gpu: $peer $dtype: $rows sizes timed, $failed failed, $(( $(date +%s) - t0 )) s, status $rc"
  if [ "$rc" != 0 ]; then
    why="exited with status $rc"
    [ "$rc" = 124 ] && why="timed out after $cap s"
    [ "$rc" = 137 ] && why="killed after $cap s"
    [ "$rc" = 3 ] && why="skipped"
    last=$(grep -v '^$' "$tmp/stderr" | tail -1 | tr '"\\' "''" | cut -c1-240)
    echo "{\"peer\": \"$peer\", \"dtype\": \"$dtype\", \"error\": \"$why${last:+: $last}\"}" >> "$tmp/out"
    grep -v '^$' "$tmp/stderr" | tail -4 | sed 's/^/    /'
  fi
}

env LD_LIBRARY_PATH="$genc_ld" "$bench" data "$tmp/data.json" || { echo "run_is_gpu: $bench data failed" >&2; exit 1; }
echo "run_is_gpu: sizes $sizes, $reps GPU reps, budget ${BUDGET_S:-450} s"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | sed 's/^/run_is_gpu: GPU: /'

# GenJAX: from the wheels where it is not installed (its own PYTHONPATH, so the other
# peers see only the machine's packages).
genjax_path=""
if ! "$gpy" -c "import genjax" 2>/dev/null && ls .whl/genjax-*.whl >/dev/null 2>&1; then
  "$gpy" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$tmp/site" .whl/*.whl \
    > "$tmp/pip.log" 2>&1 && genjax_path="$tmp/site" || { echo "run_is_gpu: installing the GenJAX wheels failed:"; tail -3 "$tmp/pip.log"; }
fi

peer_py() { # PEER DTYPE CAP SCRIPT [PYTHON [PYTHONPATH]]
  p=$1 d=$2 c=$3 s=$4 interp=${5:-$py} path=${6:-}
  run "$p" "$d" "$c" env ${path:+PYTHONPATH="$path${PYTHONPATH:+:$PYTHONPATH}"} "$interp" "bench/peers/$s" \
    "$tmp/data.json" --dtype "$d" --sizes "$csv" --reps "$reps" --platform "${PLATFORM:-gpu}"
}
genc() { # SIDE DTYPE CAP
  run "$1" "$2" "$3" env LD_LIBRARY_PATH="$genc_ld" GENC_COMPILE_VERBOSE=1 "$bench" --sides "$1" --dtypes "$2" --reps "$reps" \
    --cpu-max "${CPU_MAX:-1e7}" $sizes
}

# The most important first: GenC's compiled path and the JAX baseline, then the rest.
for d in f32 f64; do genc genc_gpu "$d" 90; done
for d in f32 f64; do peer_py jax "$d" 60 is_poly_jax_gpu.py; done
for d in f32 f64; do genc genc_gpu_eager "$d" 90; done
for d in f32 f64; do genc genc_cpu "$d" 60; done
for d in f32 f64; do peer_py numpyro "$d" 60 is_poly_numpyro.py; done
for d in f32 f64; do peer_py genjax "$d" 90 is_poly_genjax.py "$gpy" "$genjax_path"; done
echo "run_is_gpu: all sides done in $(( $(date +%s) - start )) s"

[ -n "${RAW:-}" ] && cp "$tmp/out" "$RAW"
python3 bench/run_is_gpu_table.py "$tmp/out"
if [ -s "$tmp/genc_err" ]; then
  echo "run_is_gpu: GenC's stderr (GENC_COMPILE_VERBOSE=1: why a call shape did not compile):"
  sort "$tmp/genc_err" | uniq -c | sort -rn | head -12
fi
