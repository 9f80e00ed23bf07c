#!/bin/sh
# stoch_end_checks.sh — end-of-run checks valid on stochastic problems (sample sets), where
# one draw's |d| or f means little and check_progress and check_estimate stand aside
# (doc/methods.md "Blowing up below the bound, stochastic").
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1

# A quadratic over minibatches started far out (x0 = 100): LancBiO recovered once, then f
# climbed from 54 (step 80) to 3.3e8 at step 300 below the divergence bound, and ended with
# status 0 and no word. stocBiO converges there and says nothing.
cat >far.blo <<'BLO'
problem far
const n = 100
const d = 5
const x0 = 100
data X  : matrix[n, d] = normal(0, 1)
data Xv : matrix[n, d] = normal(0, 1)
sample B : batch(10) of n
sample V : batch(10) of n
upper x : vector[d] = x0
lower y : vector[d] = 0
upper objective f = 0.5 * mean((Xv[V, :] @ y) ^ 2)
lower objective g = 0.5 * mean((X[B, :] @ (y - x)) ^ 2) + 0.05 * sumsq(y - x)
solve stocbio(outer_steps = 300)
BLO
"$bloc" run far.blo --method lancbio >out.txt 2>err.txt || fail "far lancbio: status $?"
grep -q "warning: the run blew up below the divergence bound: the final f (3.25234e+08, the" \
  err.txt || fail "far lancbio: no warning: $(grep warning err.txt)"
grep -q "keep best saves the best trace point, step 80 (f 53.9799)" err.txt ||
  fail "far lancbio: best point not named: $(grep 'blew up' err.txt)"
for m in stocbio amigo_gd soba hjfbio; do
  "$bloc" run far.blo --method "$m" >out.txt 2>err.txt || fail "far $m: status $?"
  ! grep -q "blew up below" err.txt || fail "far $m: $(grep 'blew up' err.txt)"
done

exit $((fails > 0))
