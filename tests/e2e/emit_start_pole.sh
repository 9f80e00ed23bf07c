#!/bin/sh
# emit_start_pole.sh — a start at tan's pole (fix fxI, session 51): y0 = the double nearest
# pi/2, where g = 2.7e30 and |grad_y g| = 8.7e46 are finite but every step on y is below y's
# rounding. aid_cg, exact and lancbio ended with exit 0 and f at y0; now bloc run and the
# emitted solver (which shares the runtime's start checks) stop before step 1 with status 2,
# naming the singularity, alike, for each method.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1
CC=${CC:-cc}
quick_cc
for m in aid_cg exact lancbio itd; do
  cat >p.blo <<EOF2
upper x : scalar = 1
lower y : scalar = 1.5707963267948966
upper objective F = x ^ 2 + y ^ 2
lower objective g = (y - x) ^ 2 + 0.01 * tan(y) ^ 2
solve $m
EOF2
  "$bloc" emit-c p.blo -o p.c 2>err || { fail "$m: bloc emit-c: $(head -2 err)"; continue; }
  # -O0: the fastest build of the emitted file (its runtime is 1.3 MB of C); the run is tiny
  # shellcheck disable=SC2086
  $QCC -std=c99 -O0 ${SAN_FLAGS:-} p.c -o p -lm 2>err ||
    { fail "$m: the solver does not compile: $(head -2 err)"; continue; }
  "$bloc" run --quiet p.blo >b_out 2>b_err
  rb=$?
  ./p --quiet >s_out 2>s_err
  rs=$?
  # stderr without the program's name and the file's; stdout without the time
  for w in b s; do
    sed 's/^[^:]*: //; s/^error: p\.blo: /error: /' ${w}_err >${w}_msg
    sed 's/ in [0-9.e+-]* s$//' ${w}_out >${w}_sum
  done
  [ $rb = 2 ] || fail "$m: bloc run: status $rb, not 2: $(cat b_err)"
  [ $rs = 2 ] || fail "$m: ./p: status $rs, not 2: $(cat s_err)"
  want='numerical failure before outer step 1: y cannot move from the start (x0, y0)'
  grep -q "^error: $want" b_msg || fail "$m: bloc run: not '$want': $(cat b_msg)"
  grep -q 'y0 sits at or next to a singularity of g' s_msg ||
    fail "$m: ./p does not name the singularity: $(cat s_msg)"
  if cmp -s b_msg s_msg && cmp -s b_sum s_sum; then
    echo "ok: $m: the solver as bloc run"
  else
    fail "$m: the solver differs from bloc run: $(diff b_msg s_msg; diff b_sum s_sum)"
  fi
done
exit $((fails > 0))
