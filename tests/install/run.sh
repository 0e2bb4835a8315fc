#!/bin/sh
# run.sh — the installation test (CTest install/outside_project): installs the build into
# a temporary prefix with cmake --install, then builds tests/install/outside/main.c
# against the installed copy with pkg-config (shared, and static with the private
# dependencies of pkg-config --static) and with find_package(genc) (genc::genc and
# genc::genc_static), runs each program and checks its output; also that the installed
# genc program runs from there (genc --version, genc list).
#   run.sh BUILD_DIR SOURCE_DIR [CC]
set -eu
build=$1
src=$2
cc=${3:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
fail() { echo "install test: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; fail "cmake --install failed"; }
for f in include/genc.h include/genc/core.h include/genc/model.h bin/genc; do
    [ -e "$prefix/$f" ] || fail "$f was not installed"
done
libdir=$(dirname "$(find "$prefix" -name 'libgenc.so' | head -n 1)")
[ -n "$libdir" ] && [ -e "$libdir/libgenc.a" ] || fail "libgenc.so and libgenc.a were not installed side by side"
[ -e "$libdir/pkgconfig/genc.pc" ] || fail "genc.pc was not installed in $libdir/pkgconfig"
[ -e "$libdir/cmake/genc/genc-config.cmake" ] && [ -e "$libdir/cmake/genc/genc-config-version.cmake" ] ||
    fail "genc-config.cmake and its version file were not installed in $libdir/cmake/genc"

check() { # program: runs it and compares its two numbers
    out=$("$@") || fail "$1 failed"
    got=$(echo "$out" | sed -n 's/^logpdf //p')
    want=$(echo "$out" | sed -n 's/^expect //p')
    [ -n "$got" ] && [ "$got" = "$want" ] || fail "$1 printed '$out'"
    echo "ok: $1 ($got)"
}

# pkg-config, shared and static
export PKG_CONFIG_PATH="$libdir/pkgconfig"
pkg-config --exists genc || fail "pkg-config does not find genc"
$cc -o "$tmp/pc_shared" "$src/tests/install/outside/main.c" $(pkg-config --cflags --libs genc) -lm -Wl,-rpath,"$libdir" ||
    fail "building against pkg-config genc failed"
check "$tmp/pc_shared"
private=$(pkg-config --static --libs genc | sed 's/-lgenc\b//')
$cc -o "$tmp/pc_static" "$src/tests/install/outside/main.c" $(pkg-config --cflags genc) "$libdir/libgenc.a" $private -lm ||
    fail "building against libgenc.a with pkg-config --static genc's libraries failed"
check "$tmp/pc_static"
ldd "$tmp/pc_static" | grep -q libgenc && fail "the static program links libgenc.so"

# find_package(genc)
cmake -S "$src/tests/install/outside" -B "$tmp/outside" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" \
    >"$tmp/cmake.log" 2>&1 || { cat "$tmp/cmake.log"; fail "find_package(genc) failed"; }
cmake --build "$tmp/outside" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "the find_package project did not build"; }
check "$tmp/outside/outside_shared"
check "$tmp/outside/outside_static"
ldd "$tmp/outside/outside_shared" | grep -q "$libdir/libgenc.so" || fail "outside_shared does not use the installed libgenc.so"

# the installed genc program
"$prefix/bin/genc" --version | grep -q '^genc ' || fail "the installed genc --version failed"
"$prefix/bin/genc" list >/dev/null || fail "the installed genc list failed"
# ... which compiles a model file against the installed headers and libgenc.so
GENC_CACHE_DIR=$tmp/cache "$prefix/bin/genc" run "$src/tests/install/outside/model.c" --chains 1 --warmup 50 \
    --draws 50 --quiet --out "$tmp/run" || fail "the installed genc could not run a model file"
[ "$(wc -l <"$tmp/run/draws.csv")" -eq 51 ] || fail "the installed genc wrote no draws"
ldd "$tmp"/cache/cc-*.so | grep -q "$libdir/libgenc.so" || fail "the model was not linked with the installed libgenc.so"
echo "install test: ok"
