#!/usr/bin/env bash
# layers.sh — the dependency picture of src/: which layer folder includes which (from
# the #include "..." lines of every .c and .h under src/), checked against the layer
# order of DESIGN.md (each layer uses only the layers below it).
#
#   scripts/layers.sh [ROOT]          print the picture: one line per folder with the
#                                     folders it includes and how many includes each
#   scripts/layers.sh --check [ROOT]  also print every include of a higher layer, and
#                                     every include of a backend's internals
#                                     (src/backend/<name>/) from outside src/backend
#                                     (in src/, tests/, bench/ and examples/); exit 1
#                                     if there is any
set -u
check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
root=$(cd "${1:-$(dirname "$0")/..}" && pwd)
cd "$root" || exit 2

# The layers, lowest first (DESIGN.md; src/distributions holds the dist layer).
order="core array backend random distributions choice gfi dsl comb infer learn compile tools"
rank() {
    local i=0 l
    for l in $order; do
        [ "$l" = "$1" ] && { echo $i; return; }
        i=$((i + 1))
    done
    echo -1
}

# Every include "..." of a file under src/, as: <from folder> <to folder> <file> <target>
edges=$(find src \( -name '*.[ch]' -o -name '*.cu' \) | sort | while read -r f; do
    from=${f#src/}; from=${from%%/*}
    dir=$(dirname "$f")
    grep -o '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]*"' "$f" | sed 's/.*"\(.*\)"/\1/' |
        while read -r inc; do
            t=$(realpath -m --relative-to="$root" "$dir/$inc")
            case "$t" in
            src/*/*) to=${t#src/}; to=${to%%/*} ;;
            *) continue ;; # public headers (genc/...), system headers, .def tables beside their file
            esac
            echo "$from $to $f $t"
        done
done)

echo "src/ dependency picture (folder -> folders it includes, with the number of includes):"
for l in $order; do
    [ -d "src/$l" ] || continue
    line=$(echo "$edges" | awk -v l="$l" '$1 == l && $2 != l {n[$2]++} END {for (k in n) printf "%s(%d) ", k, n[k]}')
    printf '  %-14s -> %s\n' "$l" "${line:-(nothing)}"
done
for d in src/*/; do
    d=${d#src/}; d=${d%/}
    [ "$(rank "$d")" -lt 0 ] && echo "  $d: not a layer of DESIGN.md"
done

[ $check = 1 ] || exit 0
bad=0
while read -r from to f t; do
    [ -n "$from" ] || continue
    rf=$(rank "$from"); rt=$(rank "$to")
    if [ "$rt" -gt "$rf" ] || [ "$rf" -lt 0 ] || [ "$rt" -lt 0 ]; then
        echo "layer violation: $f (layer $from) includes $t (layer $to)"
        bad=1
    fi
done <<< "$edges"
# A backend's internals are private to src/backend.
while IFS= read -r hit; do
    [ -n "$hit" ] || continue
    echo "backend internals included outside src/backend: $hit"
    bad=1
done < <(grep -rnE '#[[:space:]]*include[[:space:]]*"([^"]*/)?backend/[a-z0-9_]+/' src tests bench examples 2>/dev/null |
         grep -v '^src/backend/')
[ $bad = 0 ] && echo "layers: ok"
exit $bad
