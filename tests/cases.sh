#!/bin/sh
# cases.sh — the list of the tests make check runs one file at a time: tests/cases.am, which
# Makefile.am includes. GOLDEN_TESTS: every tests/golden/*.blo and examples/*.blo (run by
# tests/golden/run.sh); EMIT_C_TESTS: every case of `tests/e2e/emit_c.sh --list`, as
# tests/emit_c/CASE.emitc. automake needs the list written out; this script keeps it true.
#   cases.sh            check that tests/cases.am is up to date (make check runs this)
#   cases.sh --write    rewrite tests/cases.am (after adding or removing a golden program,
#                       an example or an emit-c case), then run make
set -u
LC_ALL=C
export LC_ALL
top=$(cd "$(dirname "$0")/.." && pwd)
# var NAME: standard input (one item a line) as the make variable NAME, one item a line
var() {
  awk -v name="$1" '{ item[NR] = $0 }
    END { printf "%s =%s\n", name, NR ? " \\" : ""
          for (i = 1; i <= NR; i++) printf "\t%s%s\n", item[i], i < NR ? " \\" : "" }'
}
list() {
  echo "# tests/cases.am — written by tests/cases.sh --write; make check fails when it is stale."
  (cd "$top" && ls tests/golden/*.blo examples/*.blo) | var GOLDEN_TESTS
  sh "$top/tests/e2e/emit_c.sh" --list | sed 's|.*|tests/emit_c/&.emitc|' | var EMIT_C_TESTS
}
case ${1:-} in
  --write) list >"$top/tests/cases.am" && echo "wrote tests/cases.am" ;;
  '')
    tmp=$(mktemp) || exit 1
    list >"$tmp"
    if diff -u "$top/tests/cases.am" "$tmp"; then
      rm -f "$tmp"; echo "tests/cases.am is up to date"
    else
      rm -f "$tmp"; echo "FAIL: tests/cases.am is stale: run tests/cases.sh --write"; exit 1
    fi ;;
  *) echo "usage: cases.sh [--write]" >&2; exit 2 ;;
esac
