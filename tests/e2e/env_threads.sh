#!/bin/sh
# env_threads.sh — BLOC_THREADS that is not a number of threads from 1 to 64 (abc, 0, -1, 2x,
# 100, " 4", "+4") is warned about, once, and the run goes on with the default; it was taken
# silently (rt_par_parse_threads, runtime/rt_par.h, is the one parser: the pool and the
# warning agree). A valid value, and one set but empty (unset, as for the other BLOC_
# variables), give no warning. The warning is the compile's (every command that lowers the
# program: run, eval, compare, derive), since the runtime's pool has no way to print it.
. "$(dirname "$0")/prologue.sh"
cat >"$tmp/p.blo" <<'EOB'
problem threads
upper x : vector[2] = 1
lower y : vector[2] = 0
upper objective f = sumsq(y - 1) + sumsq(x)
lower objective g = sumsq(y - x)
solve aid_cg(outer_steps = 3)
EOB
for v in abc 0 -1 2x 100 " 4" +4 99999999999999999999; do
  BLOC_THREADS=$v "$bloc" run "$tmp/p.blo" --save-x "$tmp/x.csv" >/dev/null 2>"$tmp/err"
  rc=$?
  [ $rc = 0 ] || fail "BLOC_THREADS='$v': exit $rc: $(head -3 "$tmp/err")"
  n=$(grep -c "warning: BLOC_THREADS='$v' is not a number of threads from 1 to 64: using" \
    "$tmp/err")
  [ "$n" = 1 ] || fail "BLOC_THREADS='$v': $n warnings, not 1: $(head -3 "$tmp/err")"
done
for v in 1 4 64 ""; do
  BLOC_THREADS=$v "$bloc" run "$tmp/p.blo" >/dev/null 2>"$tmp/err" ||
    fail "BLOC_THREADS='$v': exit $?"
  grep -q BLOC_THREADS "$tmp/err" && fail "BLOC_THREADS='$v': $(grep BLOC_THREADS "$tmp/err")"
done
[ $fails = 0 ] && echo "ok: invalid BLOC_THREADS warned about, valid and empty ones not"
[ $fails = 0 ]
