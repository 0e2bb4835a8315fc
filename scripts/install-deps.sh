#!/bin/sh
# install-deps.sh — installs the Debian packages GenC needs to build and test.
# Idempotent: packages already present are left alone. Run as root (or via sudo).
set -eu
# libclang-rt-14-dev: clang's libFuzzer and sanitizer runtimes (scripts/test.sh fuzz);
# clang only recommends it. chromium and zlib1g-dev: the report's browser test
# (tests/tools/test_report_browser.c renders a report headless and reads the PNG).
PKGS="build-essential cmake pkg-config clang libclang-rt-14-dev librandom123-dev libopenblas-dev liblapacke-dev libcjson-dev libgsl-dev valgrind chromium zlib1g-dev"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
