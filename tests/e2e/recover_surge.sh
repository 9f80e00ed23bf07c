#!/bin/sh
# recover_surge.sh — on a stochastic problem a jump of x thrown by a lower loop that blew up
# for a step is a numerical failure (doc/methods.md "Numerical failure", "Surge"). HJFBiO with
# its defaults (x_step = 1) on ridge regression with a penalty exp(lam) over minibatches
# drifts to a lam where the lower Hessian's L = exp(lam) + ... is far past 2/y_step; the y
# steps blow up for a step or two, and the |d| they give throws lam far below, where
# |d| ~ exp(lam) is 0 to rounding: it ended there (lam = -230, -104.9, -36) with status 0 and
# no word, as no divergence bound was reached and check_progress leaves stochastic problems
# out. Now the jump is caught (the lower loop blows up at the x it began from, or the next
# |d| is 0 to rounding), the run goes back to its best trace point with x_step halved, and
# ends near the other draws' answers. Converged runs (stocbio, amigo_gd) stay silent.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1

cat >sr.blo <<'BLO'
problem sridge
data A  : matrix[200, 30] = normal(0, 1)
data wt : vector[30]      = normal(0, 1)
data b  : vector[200]     = A @ wt + 3 * normal(0, 1)
data Av : matrix[200, 30] = normal(0, 1)
data bv : vector[200]     = Av @ wt + 3 * normal(0, 1)
sample B : batch(20) of 200
sample V : batch(20) of 200
upper lam : scalar = 0
lower w : vector[30] = 0
upper objective f = 0.5 * mean((Av[V, :] @ w - bv[V]) ^ 2)
lower objective g = 0.5 * mean((A[B, :] @ w - b[B]) ^ 2) + 0.5 * exp(lam) * sumsq(w)
solve hjfbio(outer_steps = 2000)
BLO

# DATA-SEED SEED WHAT: hjfbio recovers from the surge (WHAT, in its message) with x_step
# halved and ends with status 0 and |lam| < 15 (before: -230.4, -104.9, -36.0)
while read -r ds seed what; do
  "$bloc" run sr.blo --data-seed "$ds" --seed "$seed" --save-x x.csv --out r.json \
    >out.txt 2>err.txt
  st=$?
  c="data seed $ds, seed $seed"
  [ "$st" -eq 0 ] || { fail "$c: status $st: $(grep error err.txt)"; continue; }
  grep -q "warning: surge at outer step [0-9]*: the hypergradient estimate jumped to" err.txt ||
    fail "$c: no surge: $(grep warning err.txt)"
  grep -q "$what" err.txt || fail "$c: not '$what': $(grep surge err.txt)"
  grep -q '"reason": "surge at outer step' r.json || fail "$c: no recovery in the JSON"
  grep -q "going back to the best iterate (step [0-9]*) with x_step = 0.5 (on_div" err.txt ||
    fail "$c: x_step not halved alone: $(grep surge err.txt)"
  awk '{ if (!($1 > -15 && $1 < 15)) { print "lam = " $1; exit 1 } }' x.csv >e.txt ||
    fail "$c: $(cat e.txt)"
done <<'TABLE'
9 3 raised |grad_y g| from
3 4 is 0 to rounding, which a stochastic estimate is not
6 2 is 0 to rounding, which a stochastic estimate is not
TABLE

# converged runs on the same problems say nothing of a surge
for m in stocbio amigo_gd; do
  for ds in 3 9; do
    for seed in 1 2 3 4; do
      "$bloc" run sr.blo --method "$m" --data-seed "$ds" --seed "$seed" >out.txt 2>err.txt ||
        fail "$m, data seed $ds, seed $seed: status $?"
      ! grep -q surge err.txt || fail "$m, data seed $ds, seed $seed: $(grep surge err.txt)"
    done
  done
done

exit $((fails > 0))
