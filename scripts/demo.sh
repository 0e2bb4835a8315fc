#!/bin/sh
# demo.sh — builds GenC (release) and runs the demo program.
set -eu
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGENC_WERROR=ON >/dev/null
cmake --build build -j "$(nproc)" --target genc-demo
./build/genc-demo
