#!/bin/sh
# stoch_full_check.sh — the end-of-run check of a stochastic run against the full objective
# (doc/methods.md, "The full objective checked at the end"): every check was off on a program
# with sample sets, and stocBiO, BSA, TTSA and AID-CG on ridge regression with batches of 50
# of 600 rows ended at a phi above the start's, status 0 and no word. The run measures phi and
# |grad phi| on the program's full variant (every sample set whole) at its end and its start.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1

cat >mb.blo <<'BLO'
problem mb
const n = 60
const bt = 10
data X : matrix[n, 5] = normal(0, 1)
data t : vector[n] = normal(0, 1)
data Xv : matrix[40, 5] = normal(0, 1)
data tv : vector[40] = normal(0, 1)
sample B : batch(bt) of n
upper lam : scalar = 0
lower w : vector[5] = 0
upper objective f = 0.5 * mean((Xv @ w - tv) ^ 2)
lower objective g = 0.5 * mean((X[B, :] @ w - t[B]) ^ 2) + 0.5 * exp(lam) * sumsq(w)
solve stocbio(outer_steps = 200)
BLO
# phi(0) = 0.6557264; the run ends at phi = 0.6578226 (0.6593162 before y_step = auto's watch
# of the lower loop, whose estimates take draws of their own)
"$bloc" run mb.blo --save-x x.csv >out.txt 2>err.txt || fail "mb: status $?"
grep -q "warning: the run ended where the full objective f(x, y\*(x)) over all the data (the \
sample sets 'B' (batch(10) of 60) whole) has phi = 0.6578226, above the start's 0.6557264 (x \
went uphill)" err.txt || fail "mb: no warning: $(grep -v step err.txt)"
"$bloc" eval mb.blo -D bt=60 --x x.csv --what phi >phi.json 2>&1 || fail "eval: status $?"
grep -q '"phi": 0.657822' phi.json || fail "eval: $(cat phi.json)"
# the same file, its sample set as written: eval's phi is over all the data (the full
# variant), as the check's; it refused ("phi at one draw is not phi")
"$bloc" eval mb.blo --x x.csv --what phi >phi2.json 2>&1 || fail "eval sampled: status $?"
grep -q '"phi": 0.657822' phi2.json || fail "eval sampled: $(cat phi2.json)"
grep -q '"samples": "one draw from seed 1; phi, grad_phi and y_star over all the data' \
  phi2.json || fail "eval sampled: $(cat phi2.json)"
# the JSON lists it; --quiet silences it, not the check
"$bloc" run mb.blo --quiet --out r.json >out.txt 2>err.txt || fail "mb quiet: status $?"
grep -q "x went uphill" r.json || fail "mb quiet: not in the JSON"
! grep -q "warning" err.txt || fail "mb quiet: $(cat err.txt)"

# runs that converge stay silent; SOBA, 300 steps from x0 = 100, has not and is told
cat >far.blo <<'BLO'
problem far
const n = 100
const d = 5
data X  : matrix[n, d] = normal(0, 1)
data Xv : matrix[n, d] = normal(0, 1)
sample B : batch(10) of n
sample V : batch(10) of n
upper x : vector[d] = 100
lower y : vector[d] = 0
upper objective f = 0.5 * mean((Xv[V, :] @ y) ^ 2)
lower objective g = 0.5 * mean((X[B, :] @ (y - x)) ^ 2) + 0.05 * sumsq(y - x)
solve stocbio(outer_steps = 300)
BLO
for m in stocbio amigo_gd aid_cg; do
  "$bloc" run far.blo --method "$m" >out.txt 2>err.txt || fail "far $m: status $?"
  ! grep -q "full objective" err.txt || fail "far $m: $(grep 'full objective' err.txt)"
done
"$bloc" run far.blo --method soba >out.txt 2>err.txt || fail "far soba: status $?"
grep -q "which falls by [0-9.e+]* more along -grad phi (the run gained [0-9.e+]* from the \
start's [0-9.]*), and |grad phi| = [0-9.]*, [0-9]*% of the start's" err.txt ||
  fail "far soba: no warning: $(grep warning err.txt)"

# over the dense limit (ny = 2100) by Newton-CG: the check ran neither solve there and said
# nothing, not even a note (bsa ended at phi 31.4 of the start's 100.5, 0 at x*; stocbio at
# 0.008)
sed 's/const d = 5/const d = 2100/; s/normal(0, 1)/normal(0, 0.03)/; s/= 100$/= 10/' far.blo |
  sed 's/^const n = 10$/const n = 100/' >farbig.blo
"$bloc" run farbig.blo --method bsa >out.txt 2>err.txt || fail "farbig bsa: status $?"
grep -q "warning: the run ended where the full objective .* has phi = 31.4" err.txt ||
  fail "farbig bsa: no warning: $(grep -v 'step' err.txt)"
"$bloc" run farbig.blo --method stocbio >out.txt 2>err.txt || fail "farbig stocbio: status $?"
! grep -q "full objective" err.txt || fail "farbig stocbio: $(grep 'full objective' err.txt)"

# compare's yardstick is the full variant's phi, and its advice ranks by it
"$bloc" compare mb.blo --methods stocbio,amigo_gd --quiet >cmp.txt 2>&1 ||
  fail "compare: status $?"
grep -q "^method .* phi(x) " cmp.txt || fail "compare: no phi column: $(head -3 cmp.txt)"
grep -q "rank methods by phi, over all the data (every sample set whole)" cmp.txt ||
  fail "compare: $(grep 'sampled data' cmp.txt)"
! grep -q "rank methods by a report" cmp.txt || fail "compare: $(grep 'rank' cmp.txt)"

# batch(1) keeps no dimension that batch(N) has: no variant, and a note says how to check
cat >one.blo <<'BLO'
data X : matrix[50, 3] = normal(0, 1)
data t : vector[50] = normal(0, 1)
sample i : batch(1) of 50
upper lam : scalar = 0
lower w : vector[3] = 0
upper objective f = sumsq(w - 1)
lower objective g = 0.5 * (dot(X[i, :], w) - t[i]) ^ 2 + 0.5 * exp(lam) * sumsq(w)
solve stocbio(outer_steps = 50)
BLO
"$bloc" run one.blo >out.txt 2>err.txt || fail "one: status $?"
grep -q "note: nothing checked the final x against the full objective f(x, y\*(x)) over all \
the data, the sample sets 'i' (batch(1) of 50) whole (the program has a batch(1) set)" err.txt ||
  fail "one: no note: $(grep -v step err.txt)"

# a start on a plateau of phi (exp(lam) at lam = 5 swamps the data): its |grad phi| is small,
# and TTSA, ending 99.86% of the way down (x = -2.70, x* = -3.37, phi 11.554 against 11.513),
# has 50% of it: "x is far from a minimiser" was a false alarm. What is left along -grad phi
# from x, against what the run gained, is what counts.
cat >plateau.blo <<'BLO'
problem plateau
data X : matrix[200, 30] = normal(0, 1)
data w0 : vector[30] = normal(0, 1)
data e : vector[200] = normal(0, 3)
data t = X @ w0 + e
data Xv : matrix[300, 30] = normal(0, 1)
data ev : vector[300] = normal(0, 3)
data tv = Xv @ w0 + ev
sample B : batch(50) of 200
sample V : batch(50) of 300
upper lam : scalar = 5
lower w : vector[30] = 0
upper objective f = mean((Xv[V, :] @ w - tv[V]) ^ 2)
lower objective g = 0.5 * mean((X[B, :] @ w - t[B]) ^ 2) + 0.5 * exp(lam) * sumsq(w)
solve ttsa(outer_steps = 3000, x_step = 0.3)
BLO
"$bloc" run plateau.blo --seed 3 >out.txt 2>err.txt || fail "plateau: status $?"
! grep -q "full objective" err.txt || fail "plateau: $(grep 'full objective' err.txt)"

# over the check's budget (a few steps of a 600-variable problem on 2000 rows: under 100
# Hessian-vector products on all the data in 2e8 flops, so not even by Newton-CG): the note
# sends the user to bloc eval on this very program, which measures phi over all the data; it
# said to rewrite the program with its sets whole, which eval no longer needs
cat >big.blo <<'BLO'
problem big
data X : matrix[2000, 600] = normal(0, 1)
data t : vector[2000] = normal(0, 1)
sample B : batch(50) of 2000
upper lam : scalar = 0
lower w : vector[600] = 0
upper objective f = 0.5 * mean((X @ w - t) ^ 2)
lower objective g = 0.5 * mean((X[B, :] @ w - t[B]) ^ 2) + 0.5 * exp(lam) * sumsq(w)
solve stocbio(outer_steps = 5)
BLO
"$bloc" run big.blo --save-x bx.csv >out.txt 2>err.txt || fail "big: status $?"
grep -q "costs over a tenth of the run); .*--x SAVED_X\` on this program (eval's phi is over \
all the data)" err.txt || fail "big: $(grep note err.txt)"
"$bloc" eval big.blo --x bx.csv --what phi >bphi.json 2>&1 || fail "big eval: status $?"

exit $((fails > 0))
