#!/usr/bin/env sh
# null_args_coverage.sh — every function the public headers declare (include/genc/*.h)
# appears in tests/api/test_null_args.c: as rows calling it with NULL for each pointer
# argument that must not be NULL, or in the lists there of functions that take no
# pointer and of documented optional arguments. A new entry point fails this check until
# its rows are written.
#
#   scripts/null_args_coverage.sh [ROOT]    exit 1, naming the missing functions
set -u
root=$(cd "${1:-$(dirname "$0")/..}" && pwd)
test_file="$root/tests/api/test_null_args.c"
cc=${CC:-cc}
# -fpreprocessed (strip comments, expand nothing) is gcc's: clang refuses it
"$cc" -fpreprocessed -E -x c /dev/null >/dev/null 2>&1 || cc=gcc
missing=0
for h in "$root"/include/genc/*.h; do
    # comments stripped, macros kept unexpanded: the declared names followed by "("
    names=$("$cc" -fpreprocessed -dD -E -P "$h" 2>/dev/null | grep -oE '\bgen_[a-z0-9_]+[[:space:]]*\(' |
        sed 's/[[:space:]]*($//' | sort -u)
    [ -n "$names" ] || { echo "null_args_coverage: no functions found in $h" >&2; exit 2; }
    for n in $names; do
        if ! grep -qw "$n" "$test_file"; then
            echo "null_args_coverage: $n (${h#"$root"/}) has no row in tests/api/test_null_args.c"
            missing=1
        fi
    done
done
exit $missing
