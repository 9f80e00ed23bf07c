#!/bin/sh
# sample_whole.sh — a sample set of batch(N) of N (its whole population) is no draw: every row
# in order, the program deterministic (doc/language.md §7). `-D bt=n` on a minibatch file was
# still "stochastic": tol refused ("stocbio's is random"), no end-of-run check (a run that
# had not converged said nothing where the full-batch file warned), compare and eval said
# "phi at one draw is not phi", though every draw was all the data.
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
solve stocbio(outer_steps = 30)
BLO
sed 's/X\[B, :\]/X/; s/t\[B\]/t/; /^sample/d' mb.blo >full.blo

"$bloc" check mb.blo -D bt=60 >chk.txt 2>&1 || fail "check: status $?"
grep -q "^stochastic: no" chk.txt || fail "check: $(grep stochastic chk.txt)"
grep -q "^sample B: batch(60) of 60, the whole population in order (no draws)" chk.txt ||
  fail "check: $(grep '^sample' chk.txt)"
! grep -q "not used" chk.txt || fail "check: $(grep 'not used' chk.txt)"

# the same iterates, to the last bit, and the same warning as the full-batch file
"$bloc" run full.blo --save-x a.csv >out_a.txt 2>err_a.txt || fail "full: status $?"
"$bloc" run mb.blo -D bt=60 --save-x b.csv >out_b.txt 2>err_b.txt || fail "bt=60: status $?"
cmp -s a.csv b.csv || fail "bt=60: x $(cat b.csv), full batch $(cat a.csv)"
grep -q "warning: the run has not converged" err_a.txt || fail "full: $(cat err_a.txt)"
grep -q "warning: the run has not converged" err_b.txt || fail "bt=60: no warning: $(cat err_b.txt)"

"$bloc" run mb.blo -D bt=60 --set tol=1e-6 --quiet >out.txt 2>err.txt ||
  fail "tol with bt=60: status $?: $(cat err.txt)"
"$bloc" eval mb.blo -D bt=60 --x a.csv --what phi >phi_b.json 2>err.txt ||
  fail "eval phi with bt=60: status $?: $(cat err.txt)"
"$bloc" eval full.blo --x a.csv --what phi >phi_a.json 2>&1 || fail "eval phi full: status $?"
[ "$(grep '"phi"' phi_a.json)" = "$(grep '"phi"' phi_b.json)" ] ||
  fail "eval phi: $(grep '"phi"' phi_b.json), full batch $(grep '"phi"' phi_a.json)"
"$bloc" compare mb.blo -D bt=60 --methods stocbio,aid_cg --quiet >cmp.txt 2>&1 ||
  fail "compare bt=60: status $?"
! grep -q "phi at one draw is not phi" cmp.txt || fail "compare bt=60: $(cat cmp.txt)"

# a minibatch of it stays sampled
"$bloc" check mb.blo >chk.txt 2>&1 || fail "check bt=10: status $?"
grep -q "^stochastic: yes" chk.txt || fail "check bt=10: $(grep stochastic chk.txt)"

# batch(1) of 1 (a scalar, the dimension dropped) and a task of a tensor of one task
cat >one.blo <<'BLO'
data c : vector[1] = 2
data T : tensor[1, 3, 2] = normal(0, 1)
sample C : batch(1) of 1
upper x : scalar = 0
lower y : vector[2] = 0
upper objective f = sumsq(y - 1) + 0.1 * x ^ 2
lower objective g = 0.5 * sumsq(T[C] @ y) + sumsq(y) - x * c[C] * sum(y)
solve aid_cg(outer_steps = 20)
BLO
"$bloc" check one.blo >chk.txt 2>&1 || fail "one: status $?: $(cat chk.txt)"
grep -q "^stochastic: no" chk.txt || fail "one: $(grep stochastic chk.txt)"

exit $((fails > 0))
