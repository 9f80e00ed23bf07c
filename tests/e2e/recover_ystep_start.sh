#!/bin/sh
# recover_ystep_start.sh — a lower loop that blows up before the first trace point has a finite
# value recovers from the start (doc/methods.md "Numerical failure", "Back to the start").
# On g = y^4 + y^2/2 - x y (strongly convex: g'' = 12 y^2 + 1), y_step = auto takes L = 1
# from the curvature at y0 = 0, where it is 13 near y*: the methods whose step-0 trace point
# runs their inner steps from y0 (aid_cg, amigo_gd, stocbio, f2sa) overflowed there, so no
# trace point was finite, no recovery was allowed, and they stopped at step 1 with f = nan,
# status 2, and --save-y writing nan (lancbio, with fewer inner steps, stayed finite and
# recovered). Now the run goes back to the start with y_step halved until the lower loop is
# stable there, and reaches x* (by scipy: 5.075667; dwell.blo, a double well with y0 in the
# right one: 0.248584). With on_divergence = stop the message names y_step and what to change,
# and the kept y is y0, not nan.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1

cat >quart.blo <<'BLO'
problem quart
upper x : scalar = 5
lower y : scalar = 0
upper objective f = 0.5 * (y - 2) ^ 2 + 0.5 * (x - 5) ^ 2
lower objective g = y ^ 4 + 0.5 * y ^ 2 - x * y
BLO
cat >dwell.blo <<'BLO'
problem dwell
upper x : scalar = 0.5
lower y : scalar = 0.5
upper objective f = 0.5 * (y - 2) ^ 2 + 0.5 * x ^ 2
lower objective g = y ^ 4 - y ^ 2 - x * y
BLO

# FILE METHOD X* TOL: status 0, a recovery back to the start that halved y_step alone, and
# |x - x*| / |x*| < TOL (stocBiO's Neumann series and F2SA's penalty are biased)
while read -r f m xstar tol; do
  "$bloc" run "$f" --method "$m" --set y_step=auto --save-x x.csv --out r.json >out.txt 2>err.txt
  st=$?
  [ "$st" -eq 0 ] || { fail "$f, $m: status $st: $(grep error err.txt)"; continue; }
  grep -q "the lower loop blew up on its own: at the x of the start (its trace point.s y is not" \
    err.txt || fail "$f, $m: no word of the lower loop at the start: $(grep warning err.txt)"
  grep -q "going back to the start (step 0) with x_step kept at 1 and y_step = " err.txt ||
    fail "$f, $m: not back to the start with y_step halved: $(grep warning err.txt)"
  awk -v xs="$xstar" -v tol="$tol" '{ e = ($1 - xs) / xs; if (e < 0) e = -e
    if (!(e < tol)) { print "x = " $1; exit 1 } }' x.csv >e.txt || fail "$f, $m: $(cat e.txt)"
done <<'TABLE'
quart.blo aid_cg 5.075667 1e-6
quart.blo amigo_gd 5.075667 1e-6
quart.blo stocbio 5.075667 0.01
quart.blo f2sa 5.075667 0.01
dwell.blo aid_cg 0.248584 1e-5
dwell.blo amigo_gd 0.248584 1e-5
dwell.blo stocbio 0.248584 0.1
TABLE

# on_divergence = stop: status 2, the message names y_step and the fix, and the y kept is y0
"$bloc" run quart.blo --method aid_cg --set y_step=auto --set on_divergence=stop \
  --save-y y.csv --out r.json >out.txt 2>err.txt
st=$?
[ "$st" -eq 2 ] || fail "stop: status $st"
grep -q "so y_step is too large for g there; give a smaller y_step (y_step = auto" err.txt ||
  fail "stop: the message does not name y_step: $(grep error err.txt)"
[ "$(cat y.csv)" = 0 ] || fail "stop: --save-y wrote '$(cat y.csv)', not y0 = 0"
grep -q '^  "y": \[0\],$' r.json || fail "stop: the result's y: $(grep '"y"' r.json)"

exit $((fails > 0))
