#!/bin/sh
# demo.sh — the set-up's main command (after install-deps.sh): builds GenC (release) and
# the genc program, then runs the gallery's curve fitting with outliers end to end (Gibbs
# on the outlier indicators, HMC on the curve; 4 chains): prints the summary table and
# writes draws.csv, draws.json and report.html to DIR [genc-out/outliers].
#
#   scripts/demo.sh [DIR]
set -eu
cd "$(dirname "$0")/.."
out="${1:-genc-out/outliers}"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGENC_WERROR=ON >/dev/null
cmake --build build -j "$(nproc)" --target genc-tool
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
./build/bin/genc run outliers --out "$out"
echo "open $out/report.html in a browser to see the traces, densities and pair plot"
