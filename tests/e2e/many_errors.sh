#!/bin/sh
# many_errors.sh — many errors cost time and memory linear in the program, and none after the
# error limit (make check). Generated here: 20,000 `const cI = zz` lines, 20,000 `data dI = zz`
# lines and 20,000 `const eI = qq...q` (a 100-letter unknown name), each file checked by
# `bloc check` under a 400 MB address-space limit. Each unknown name once copied every declared
# name into the arena and sorted them for a "did you mean", and went on doing so after "too many
# errors, stopping here": 8,000 lines took 735 MB and 8 s, 20,000 over a minute and 4 GB; now the
# list is freed after each suggestion, none is made past the limit and checking stops there.
# Skipped under AddressSanitizer, whose shadow memory no address-space limit admits.
. "$(dirname "$0")/prologue.sh"
case ${SAN_FLAGS:-} in *address*) echo "skip: AddressSanitizer build"; exit 77 ;; esac
N=20000
LIMIT_KB=409600

# check NAME LINE: bloc check on a program of N lines LINE (I replaced by the line's number, Q
# by 100 q's) fails within the limit, with 50 errors and the stop line last
check() {
  awk -v n=$N -v line="$2" 'BEGIN {
    print "upper x : vector[2] = 0"
    print "lower y : vector[2] = 0"
    print "upper objective f = sumsq(x - y)"
    print "lower objective g = sumsq(y - x)"
    for (q = ""; length(q) < 100;) q = q "q"
    for (i = 0; i < n; i++) { l = line; sub(/I/, i, l); sub(/Q/, q, l); print l }
  }' >"$tmp/p.blo"
  (ulimit -v $LIMIT_KB && exec timeout 300 "$bloc" check "$tmp/p.blo") >"$tmp/out" 2>"$tmp/err"
  st=$?
  nerr=$(grep -c ': error: ' "$tmp/err")
  if [ $st != 1 ]; then
    fail "$1: status $st, not 1, within ${LIMIT_KB} KB:
$(tail -3 "$tmp/err")"
  elif [ "$nerr" != 50 ]; then
    fail "$1: $nerr errors, not 50"
  elif [ "$(tail -1 "$tmp/err")" != "bloc: too many errors, stopping here" ]; then
    fail "$1: the stop line is not the last:
$(tail -3 "$tmp/err")"
  fi
}

check "unknown names in const" "const cI = zz"
check "unknown names in data" "data dI = zz"
check "long unknown names" "const eI = Q"

if [ $fails -gt 0 ]; then
  echo "many_errors: $fails failure(s)"
  exit 1
fi
echo "many_errors: ok"
