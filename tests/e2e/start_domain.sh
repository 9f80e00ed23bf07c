#!/bin/sh
# start_domain.sh — a start (x0, y0) where g or grad_y g is not finite (doc/methods.md, "A start
# outside g's domain"): every method stops before its first step with status 2 and a message
# that names the start and the cure, in bloc run and in the emitted solver alike. Also what is
# kept and reported where the start's lower point blew up (F3, F4 below).
# Before the fix (session 49, pass E, F1): logit shares y0 = 0.3 for four products (the outside
# share 1 - sum(y) = -0.2 under a log; finite Hessian-vector products) were blamed on convexity
# by y_step = auto ("not positive definite ... give y_step explicitly"); exact, itd and ufom
# there, and every method on g = -log(1 - y) + (y - x)^2 from y0 = 2 (a finite gradient),
# said only "the grad_g oracle returned a non-finite g (oracle call 1)".
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1

cat >logit.blo <<'BLO'
problem logit_bad0
const n = 4
data v : vector[n] = [3, 2.5, 2, 4]
data c : vector[n] = [1, 0.5, 1.5, 2]
upper x : vector[n] = 2 in [0, 10]
lower y : vector[n] = 0.3
fn xlogx(p) = p * log(p)
upper objective f = -dot(x - c, y)
lower objective g = -dot(v - x, y) + (sum(xlogx(y)) + xlogx(1 - sum(y)))
solve aid_cg(outer_steps = 20)
BLO
cat >dom.blo <<'BLO'
problem e_dom
upper x = 0.2 in [0, 1]
lower z = 2
upper objective f = (z - 0.5) ^ 2 + x ^ 2
lower objective g = -log(1 - z) + (z - x) ^ 2
solve aid_cg(outer_steps = 20)
BLO

want='numerical failure before outer step 1: g is not finite at the start (x0, y0)'
for m in lancbio subbio aid_cg amigo_gd soba stocbio bsa ttsa f2sa hjfbio stable exact itd \
  ufom fom; do
  for p in logit dom; do
    "$bloc" run $p.blo --method "$m" --quiet >out.txt 2>err.txt
    st=$?
    [ $st -eq 2 ] || fail "$p, $m: status $st, not 2: $(cat err.txt)"
    grep -q "$want" err.txt || fail "$p, $m: the start not named: $(cat err.txt)"
    grep -q "outside g's domain" err.txt || fail "$p, $m: no cure: $(cat err.txt)"
  done
done
grep -q 'initial value of `lower z` or --init-y FILE' err.txt ||
  fail "dom: the lower variable not named: $(cat err.txt)"
# outer_steps = 0 asks for the start's values: the same words as a warning, status 0
"$bloc" run logit.blo --set outer_steps=0 >out.txt 2>err.txt
st=$?
[ $st -eq 0 ] && grep -q "warning: $want.*the start is reported as it is" err.txt ||
  fail "outer_steps = 0: status $st: $(cat err.txt)"
# an explicit y_step: the same message, not "the grad_g oracle returned a non-finite g"
"$bloc" run logit.blo --set y_step=0.03 --quiet >out.txt 2>err.txt
st=$?
[ $st -eq 2 ] && grep -q "$want" err.txt || fail "y_step = 0.03: status $st: $(cat err.txt)"
# a start inside the domain runs (--init-y)
printf '0.1\n0.1\n0.1\n0.1\n' >y0.csv
"$bloc" run logit.blo --init-y y0.csv --quiet >out.txt 2>err.txt ||
  fail "--init-y inside the domain: status $?: $(cat err.txt)"

# the emitted solver carries the same run loop (built by quick_cc's $QCC)
quick_cc
if command -v "$QCC" >/dev/null 2>&1; then
  "$bloc" emit-c logit.blo -o logit.c || fail "emit-c"
  # -O0: the fastest build of the emitted file (its runtime is 1.3 MB of C); the run is tiny
  if "$QCC" -std=c99 -O0 -Wall -Werror logit.c -o logit_solver -lm 2>cc_err; then
    ./logit_solver --quiet >out.txt 2>err.txt
    st=$?
    [ $st -eq 2 ] && grep -q "$want" err.txt ||
      fail "emitted solver: status $st: $(cat err.txt)"
  else
    fail "the emitted solver does not compile: $(head -3 cc_err)"
  fi
else
  echo "SKIP: emitted solver (no C compiler)"
fi

# exact on an un-negated follower's profit (g concave in y): Newton's solve from y0 = 0 runs to
# y = -4.4e30 at the start's trace point; the run stops at step 1 with status 2 and keeps y0,
# not that y (doc/methods.md, "Diagnostics"; F4 of the same pass), here and when emitted
cat >concave.blo <<'BLO'
problem e_concave
upper x = 1 in [0, 10]
lower y = 0
upper objective f = -(x * (10 - (x + y) - 1))
lower objective g = y * (10 - (x + y) - 2)
solve exact
BLO
"$bloc" run concave.blo --quiet --save-y y.csv >out.txt 2>err.txt
st=$?
[ $st -eq 2 ] || fail "concave: status $st, not 2: $(cat err.txt)"
[ "$(cat y.csv)" = 0 ] || fail "concave: saved y $(cat y.csv), not y0 = 0"
grep -q '^  f = -8  g = 0 ' out.txt || fail "concave: f and g not y0's: $(cat out.txt)"
if command -v "$QCC" >/dev/null 2>&1; then
  "$bloc" emit-c concave.blo -o concave.c || fail "emit-c concave"
  if "$QCC" -std=c99 -O0 -Wall -Werror concave.c -o concave_solver -lm 2>cc_err; then
    ./concave_solver --quiet --save-y ey.csv >out.txt 2>err.txt
    st=$?
    [ $st -eq 2 ] && [ "$(cat ey.csv)" = 0 ] ||
      fail "emitted concave: status $st, y $(cat ey.csv): $(cat err.txt)"
  else
    fail "the emitted concave solver does not compile: $(head -3 cc_err)"
  fi
fi

# outer_steps = 0 whose trace point (aid_cg's 10 inner steps from y0 with y_step = auto =
# 0.008) leaves the log's domain: a warning, and the start itself reported and saved, not
# f = g = nan with no word (F3 of the same pass), here and when emitted
cat >l50.blo <<'BLO'
problem logit50
const n = 50
upper x : vector[n] = 2 in [0, 10]
lower y : vector[n] = 0.5 / n
fn xlogx(p) = p * log(p)
upper objective f = -dot(x - 1, y)
lower objective g = -dot(3 - x, y) + 0.5 * (sum(xlogx(y)) + xlogx(1 - sum(y)))
solve aid_cg(outer_steps = 0)
BLO
want='outer_steps = 0: f and g are not finite at the start.s trace point (f = nan, g = nan)'
"$bloc" run l50.blo --save-y y.csv >out.txt 2>err.txt
st=$?
[ $st -eq 0 ] && grep -q "warning: $want" err.txt ||
  fail "outer_steps = 0: status $st: $(cat err.txt)"
grep -q 'the start itself, (x0, y0), is reported instead: f = -0.5, g = -1.82458' err.txt ||
  fail "outer_steps = 0: the start not reported: $(cat err.txt)"
[ "$(sort -u y.csv)" = 0.01 ] || fail "outer_steps = 0: saved y $(sort -u y.csv | head -3)"
grep -q '^  f = -0.5  g = -1.82' out.txt || fail "outer_steps = 0: not the start: $(cat out.txt)"
if command -v "$QCC" >/dev/null 2>&1; then
  "$bloc" emit-c l50.blo -o l50.c || fail "emit-c l50"
  if "$QCC" -std=c99 -O0 -Wall -Werror l50.c -o l50_solver -lm 2>cc_err; then
    ./l50_solver --save-y ey.csv >out.txt 2>err.txt
    st=$?
    [ $st -eq 0 ] && grep -q "$want" err.txt && cmp -s y.csv ey.csv ||
      fail "emitted outer_steps = 0: status $st: $(cat err.txt)"
  else
    fail "the emitted l50 solver does not compile: $(head -3 cc_err)"
  fi
fi

exit $((fails > 0))
