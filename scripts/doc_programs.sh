#!/bin/sh
# doc_programs.sh — the C programs written in the documentation, for the tests.
# In a Markdown file, a fenced block opened with "```c NAME" is source of program NAME
# (its blocks joined in order) and one opened with "```text NAME" is part of NAME's
# expected standard output (its blocks joined in order; none: no output). Blocks
# without a NAME are illustrations and are left alone.
#   doc_programs.sh extract DOC.md OUTDIR   writes OUTDIR/NAME.c and OUTDIR/NAME.out for
#                                           each program (files left untouched when
#                                           unchanged) and prints the names, one a line
#   doc_programs.sh run EXE EXPECTED        runs EXE; fails if it exits non-zero or its
#                                           output differs from EXPECTED: text equal up
#                                           to runs of spaces, numbers equal to within
#                                           one unit of their last printed digit
set -eu
case "${1:-}" in
extract)
  doc="$2"; out="$3"
  mkdir -p "$out"
  tmp=$(mktemp -d)
  awk -v dir="$tmp" '
    /^```/ {
      if (inblock) { inblock = 0; next }
      inblock = 1; file = ""
      if (match($0, /^```c[ \t]+[A-Za-z0-9_-]+[ \t]*$/)) { split($0, w, /[ \t]+/); file = w[2] ".c" }
      else if (match($0, /^```text[ \t]+[A-Za-z0-9_-]+[ \t]*$/)) { split($0, w, /[ \t]+/); file = w[2] ".out" }
      if (file != "") { name = file; sub(/\.(c|out)$/, "", name); names[name] = 1 }
      if (file ~ /\.c$/ && !(file in seen)) { print "/* extracted from the documentation by scripts/doc_programs.sh */" > (dir "/" file) }
      if (file != "") seen[file] = 1
      next
    }
    inblock && file != "" { print > (dir "/" file) }
    END { for (n in names) { print n > (dir "/names"); if (!((n ".out") in seen)) printf "" > (dir "/" n ".out") } }
  ' "$doc"
  [ -f "$tmp/names" ] || { rm -rf "$tmp"; exit 0; }
  for n in $(sort "$tmp/names"); do
    for ext in c out; do
      cmp -s "$tmp/$n.$ext" "$out/$n.$ext" 2>/dev/null || cp "$tmp/$n.$ext" "$out/$n.$ext"
    done
    echo "$n"
  done
  rm -rf "$tmp"
  ;;
run)
  exe="$2"; expected="$3"
  got=$(mktemp)
  trap 'rm -f "$got"' EXIT
  status=0
  "$exe" > "$got" || status=$?
  if [ "$status" -ne 0 ]; then
    cat "$got"
    echo "$exe exited with status $status" >&2
    exit 1
  fi
  awk -v exp_file="$expected" '
    # The line with its numbers replaced by "#", the numbers in nums[1..n]; the unit of
    # the last printed digit of each in units[1..n].
    function split_numbers(line, nums, units,   n, t, d) {
      n = 0; skel = ""
      while (match(line, /-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?/)) {
        t = substr(line, RSTART, RLENGTH)
        skel = skel substr(line, 1, RSTART - 1) "#"
        line = substr(line, RSTART + RLENGTH)
        nums[++n] = t + 0
        d = 0
        if (match(t, /\.[0-9]+/)) d = RLENGTH - 1
        units[n] = 10 ^ -d
        if (match(t, /[eE][-+]?[0-9]+$/)) units[n] *= 10 ^ (substr(t, RSTART + 1) + 0)
      }
      skel = skel line
      gsub(/[ \t]+/, " ", skel); sub(/^ /, "", skel); sub(/ $/, "", skel)
      return n
    }
    BEGIN { ne = 0; while ((getline l < exp_file) > 0) want[++ne] = l }
    {
      ng++
      if (ng > ne) { printf "unexpected output line %d: %s\n", ng, $0; bad = 1; next }
      n1 = split_numbers(want[ng], a, ua); s1 = skel
      n2 = split_numbers($0, b, ub); s2 = skel
      ok = (s1 == s2 && n1 == n2)
      for (i = 1; ok && i <= n1; i++) {
        diff = a[i] - b[i]; if (diff < 0) diff = -diff
        if (diff > ua[i] * 1.000001) ok = 0
      }
      if (!ok) { printf "line %d differs from the documentation:\n  doc: %s\n  got: %s\n", ng, want[ng], $0; bad = 1 }
    }
    END {
      if (ng < ne) { printf "the output ended at line %d; the documentation shows %d lines\n", ng, ne; bad = 1 }
      exit bad
    }
  ' "$got"
  ;;
*)
  echo "usage: $0 extract DOC.md OUTDIR | run EXE EXPECTED" >&2
  exit 2
  ;;
esac
