#!/bin/sh
# gpu_tests.sh — the GPU tests (tests/cuda/, and the NVRTC test) of a CUDA build, run
# one by one on a machine with a GPU, each under a time limit, with one summary line
# each and the failing checks' lines; the exit status is non-zero when any fails, times
# out or crashes. (CTest runs them too, but skips them without a GPU; this is for the
# GPU machine, where binaries built elsewhere may run without CMake.)
#   scripts/gpu_tests.sh BUILD_DIR [SECONDS]     (per test, default 300)
# Environment: OUT, a folder to keep each test's whole output in (default: a temporary
# one, removed at the end).
set -u
[ $# -ge 1 ] || { echo "usage: scripts/gpu_tests.sh BUILD_DIR [SECONDS]" >&2; exit 2; }
dir="$1/tests"
limit="${2:-300}"
[ -d "$dir" ] || { echo "gpu_tests: no $dir (build the tests first)" >&2; exit 2; }
keep="${OUT:-}"
out="${keep:-$(mktemp -d)}"
mkdir -p "$out" || exit 2
failed=0
found=0
for t in "$dir"/cuda_test_cuda_* "$dir"/compile_test_emit_cuda; do
  [ -x "$t" ] || continue
  found=$((found + 1))
  name=$(basename "$t")
  start=$(date +%s)
  timeout "$limit" "$t" > "$out/$name.txt" 2>&1
  rc=$?
  took=$(( $(date +%s) - start ))
  case $rc in
    0) status=passed ;;
    77) status=skipped ;;
    124) status="timed out after $limit s"; failed=1 ;;
    *) status="failed (exit $rc)"; failed=1 ;;
  esac
  echo "$name: $status in $took s: $(grep -Ev '^[^ ]*\.c:[0-9]+: ' "$out/$name.txt" | tail -1 | cut -c1-160)"
  [ $rc = 0 ] || [ $rc = 77 ] || grep -E '^[^ ]*\.c:[0-9]+: ' "$out/$name.txt" | head -10 | cut -c1-300
done
[ -n "$keep" ] || rm -rf "$out"
[ $found -gt 0 ] || { echo "gpu_tests: no GPU tests in $dir" >&2; exit 2; }
exit $failed
