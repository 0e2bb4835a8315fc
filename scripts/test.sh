#!/bin/sh
# test.sh — builds GenC and runs the whole test suite through CTest.
#   scripts/test.sh            release build in build/
#   scripts/test.sh sanitize   ASan + UBSan build in build-sanitize/
#   scripts/test.sh clang      clang build in build-clang/
#   scripts/test.sh valgrind   the release build's tests under valgrind (leaks are errors)
#   scripts/test.sh fuzz       the libFuzzer harnesses (clang, ASan + UBSan) in build-fuzz/:
#                              each over its seed corpus, then GENC_FUZZ_SECONDS (15) of
#                              fuzzing each from it (fuzz/README.md runs them longer)
# Every mode builds with warnings as errors (GENC_WERROR=ON; users' builds default to OFF).
# The CUDA backend is built (where nvcc is) in the release and valgrind builds; the
# sanitizer, clang and fuzzing builds leave it out (its tests need a GPU, which CI lacks,
# and its device code, compiled by nvcc, is the same whatever the C compiler: the clang
# build skipped it to keep CI within its time). The sanitizer build is Debug (asserts
# on) at -O1, as ASan's documentation advises: the suite runs in two thirds of -O0's time.
set -eu
cd "$(dirname "$0")/.."
mode="${1:-release}"
case "$mode" in
  release)  dir=build;          opts="-DCMAKE_BUILD_TYPE=RelWithDebInfo" ;;
  sanitize) dir=build-sanitize; opts="-DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS=-O1 -DGENC_SANITIZE=ON -DGENC_BENCH=OFF -DGENC_CUDA=OFF" ;;
  clang)    dir=build-clang;    opts="-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang -DGENC_BENCH=OFF -DGENC_CUDA=OFF" ;;
  valgrind) dir=build;          opts="-DCMAKE_BUILD_TYPE=RelWithDebInfo" ;;
  fuzz)     dir=build-fuzz;     opts="-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang -DGENC_FUZZ=ON -DGENC_BENCH=OFF -DGENC_CUDA=OFF" ;;
  *) echo "usage: $0 [release|sanitize|clang|valgrind|fuzz]" >&2; exit 2 ;;
esac
cmake -S . -B "$dir" $opts -DGENC_WERROR=ON >/dev/null
if [ "$mode" = fuzz ]; then
  cmake --build "$dir" -j "$(nproc)" --target fuzzers
  export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  # The seed corpora as regression tests, then a short run of each harness from its
  # corpus (new inputs go to a scratch folder; a crash is saved in build-fuzz/fuzz/
  # and its input printed in base64, and fails the run).
  ctest --test-dir "$dir" --output-on-failure -R '^fuzz/'
  for f in json_choicemap addr array_ops; do
    work=$(mktemp -d)
    dict=""
    [ -f "fuzz/$f.dict" ] && dict="-dict=fuzz/$f.dict"
    "$dir/fuzz/fuzz_$f" -max_total_time="${GENC_FUZZ_SECONDS:-15}" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$dir/fuzz/$f-" $dict "$work" "fuzz/corpus/$f"
    rm -rf "$work"
  done
  exit 0
fi
cmake --build "$dir" -j "$(nproc)"
if [ "$mode" = valgrind ]; then
  # The long statistical samplers' and learners' tests (seconds natively, many minutes
  # under valgrind) run in reduced form here; their full runs are checked for leaks by
  # LeakSanitizer in the sanitize mode.
  # The GPU tests are left out too: without a GPU they only ask the CUDA runtime for one,
  # which dlopens the driver, and valgrind reports glibc's loader's word-wise string
  # reads there (false positives outside GenC).
  # So is the NVRTC test: it compiles some 460 programs with NVRTC and cc (a minute
  # natively, hours under valgrind); the lane programs' host side runs in the GPU tests.
  # So is the installation test, a shell script (the shell leaks under valgrind; it
  # builds and runs programs, not GenC code of its own), and the gallery's tests, which
  # run below in their quick form.
  heavy='infer/test_(nuts|constrained_nuts|hmc|gibbs|involutive|enumerate|sbc|split_merge|exact_posteriors|pf|pf_batched|pmcmc|smcp3|rejections|nuts_adapt|nuts_batched|nuts_seed|elliptical|mh)$|learn/test_(adev|train)$|tools/test_pdb_ports$|choice/test_json_keys$|^docs/|^cuda/|compile/test_emit_cuda$|^install/|^gallery/'
  export GENC_PDB_CHAINS=2 GENC_PDB_WARMUP=40 GENC_PDB_DRAWS=20
  ctest --test-dir "$dir" --output-on-failure -j "$(nproc)" -T memcheck -E "$heavy" \
    --overwrite MemoryCheckCommandOptions="--leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=3"
  # The reduced runs: "program part" per line (a part is a test's name, or a piece of
  # it, that the program takes as its argument), run side by side, one per core.
  jobs=$(mktemp)
  t="$dir/tests"
  {
    for x in windows dual_averaging kernel errors; do echo "$t/infer_test_nuts $x"; done
    echo "$t/infer_test_constrained_nuts test_cholesky_cov"
    for x in moves errors out_of_memory; do echo "$t/infer_test_split_merge $x"; done
    for x in structure errors; do echo "$t/infer_test_pf $x"; echo "$t/infer_test_pmcmc $x"; echo "$t/infer_test_pf_batched $x"; done
    for x in weight errors memory; do echo "$t/infer_test_smcp3 $x"; done
    for x in test_single_transition test_bad_start test_agreement; do echo "$t/infer_test_rejections $x"; done
    for x in test_errors test_flip_enum_exact test_elbo_exact_posterior test_bbvi_store; do echo "$t/learn_test_adev $x"; done
    for x in test_linear_step test_batched_equals_scalar test_errors_and_cancel test_picks; do echo "$t/learn_test_train $x"; done
    for x in test_resume test_errors; do echo "$t/infer_test_nuts_adapt $x"; done
    for x in test_same_as_gen_nuts test_fixed test_progress test_errors; do echo "$t/infer_test_nuts_batched $x"; done
    for x in test_start_is_seed test_errors; do echo "$t/infer_test_nuts_seed $x"; done
    for x in test_errors test_out_of_memory; do echo "$t/infer_test_elliptical $x"; done
    for x in test_mh_proposal test_errors; do echo "$t/infer_test_mh $x"; done
    for x in logp missing; do echo "$t/tools_test_pdb_ports $x"; done
    for x in test_ids_agree test_derived_maps_hold_keys; do echo "$t/choice_test_json_keys $x"; done
    # The gallery's tests: each model's short run ("quick": every part runs, no statistics).
    for p in "$t"/gallery_test_*; do echo "$p quick"; done
    # The documentation's programs run through a shell script that checks their output
    # (the shell itself leaks under valgrind): here the programs run on their own.
    for p in "$t"/doc_*; do echo "$p"; done
  } > "$jobs"
  vg="valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=3"
  status=0
  xargs -P "$(nproc)" -L 1 sh -c "$vg \"\$@\" >/dev/null || { echo \"valgrind: \$* failed\" >&2; exit 255; }" sh < "$jobs" || status=1
  rm -f "$jobs"
  exit $status
fi
# Under the sanitizers the gallery's models run in their quick form (every part, no
# statistics: the release run checks those), which keeps CI within its time.
[ "$mode" = sanitize ] && export GENC_GALLERY_QUICK=1
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir "$dir" --output-on-failure -j "$(nproc)"
