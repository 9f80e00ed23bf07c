#!/bin/sh
# full_expectation.sh — a sampled program's full variant (the phi of bloc eval, compare's
# yardstick and the end-of-run check) is the mean of the sampled objective over the draws
# (doc/language.md §7, "The full variant"). A new-user pass wrote the unbiased minibatch fit
# `(T / bt) * sum(w[B] * (y[B] - z[B]) ^ 2)`: the full variant kept the factor T / bt over
# all T rows, phi of a problem with 4 times the fit weight (1.8301 and grad -0.063 at the
# true minimiser, 1.7715 and 0), exit 0, and a false "x is far from a minimiser".
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1

cat >base.blo <<'BLO'
problem wsum
const T = 60
const bt = 15
data z : vector[T] = normal(0, 1)
data w : vector[T] = bernoulli(0.7)
data X : matrix[T, 3] = normal(0, 1)
sample B : batch(bt) of T
upper x = 0
lower y : vector[T] = 0
lower c : vector[3] = 0
fn d2(v) = v[2:] - 2 * v[1:-1] + v[:-2]
upper objective f = 0.5 * sum((1 - w) * (y - z) ^ 2) + 0.5 * sumsq(X @ c - z)
lower objective g = FIT + 0.5 * exp(x) * sumsq(d2(y)) + 0.5 * exp(x) * sumsq(c)
solve aid_cg(outer_steps = 10)
BLO
# sum, sumsq, dot, a product contracting the drawn rows (X[B, :]' @ w[B]), sum_cols, scaled
# by T / bt; the same with mean and mean_cols; the program over all the data
sum_fit='0.5 * (T / bt) * sum(w[B] * (y[B] - z[B]) ^ 2) + (T / bt) * (0.5 * sumsq(X[B, :] @ c
 - z[B]) + dot(c, X[B, :]'"'"' @ w[B]) + sum(sum_cols(X[B, :])) * c[0])'
mean_fit='0.5 * T * mean(w[B] * (y[B] - z[B]) ^ 2) + T * (0.5 * mean((X[B, :] @ c - z[B]) ^ 2)
 + dot(c, mean_cols(colwise(X[B, :], w[B]))) + sum(mean_cols(X[B, :])) * c[0])'
all_fit='0.5 * sum(w * (y - z) ^ 2) + 0.5 * sumsq(X @ c - z) + dot(c, X'"'"' @ w) + sum(sum_cols(X))
 * c[0]'
mk() {
  awk -v fit="$2" -v drop="$3" '
    drop && /^sample/ { next }
    { i = index($0, "FIT"); if (i) $0 = substr($0, 1, i - 1) fit substr($0, i + 3) } 1' \
    base.blo >"$1"
}
mk sum.blo "$(echo "$sum_fit" | tr '\n' ' ')" ""
mk mean.blo "$(echo "$mean_fit" | tr '\n' ' ')" ""
mk all.blo "$(echo "$all_fit" | tr '\n' ' ')" 1
echo 1.3 >x.csv
for p in sum mean all; do
  "$bloc" eval $p.blo --x x.csv --what phi,grad_phi >$p.json 2>$p.err || fail "$p: status $?"
  sed -n 's/.*"phi": \([^,]*\),*$/\1/p' $p.json >$p.phi
  sed -n 's/.*"grad_phi": \[\(.*\)\].*/\1/p' $p.json >$p.grad
done
# the program over all the data: phi 41.142715437, grad_phi -1.1077007636
grep -q '^41.14271543' all.phi || fail "all: $(cat all.json)"
for p in sum mean; do
  for q in phi grad; do
    r=$(maxrel $p.$q all.$q)
    awk -v r="$r" 'BEGIN { exit !(r <= 1e-12) }' ||
      fail "$p: $q $(cat $p.$q) against $(cat all.$q) over all the data (rel $r)"
  done
done
grep -q '"samples": "one draw from seed 1; phi, grad_phi and y_star over all the data' \
  sum.json || fail "sum: $(cat sum.json)"

# a reduction over the drawn rows with no form over all the data (norm, logsumexp, an n x n
# pairing of drawn rows, drawn rows moved by a vcat, also when they are not its first part:
# that one had a phi, of vcat(y[0:2], y - z) over all rows): no full variant, said where it
# would have been measured
for red in 'norm(y[B] - z[B])' 'logsumexp(y[B] * z[B])' 'sumsq(vcat(y[0:2], y[B] - z[B]))' \
  'sum(outer(y[B], z[B]))'; do
  cat >nl.blo <<BLO
problem nl
const n = 40
const bt = 10
data z : vector[n] = normal(0, 1)
sample B : batch(bt) of n
upper x = 0
lower y : vector[n] = 0
upper objective f = 0.5 * sumsq(y - 1)
lower objective g = $red + 0.5 * exp(x) * sumsq(y)
solve aid_cg(outer_steps = 20)
BLO
  fn=${red%%(*}
  shown=$red
  [ "$fn" = sum ] && shown='outer(y[B], z[B])'
  [ "$fn" = sumsq ] && shown='vcat(y[0:2], y[B] - z[B])'
  "$bloc" eval nl.blo --x x.csv --what phi >nl.json 2>nl.err
  st=$?
  [ $st -eq 1 ] || fail "$fn: eval status $st: $(cat nl.json nl.err)"
  grep -q "error: phi (y\*(x) by Newton) not computed: phi over all the data has no form here: \
the lower objective's '" nl.err && grep -qF "'$shown' (line 9) " nl.err &&
    grep -q "the rows drawn by sample set 'B': its mean over the draws is no function of all \
the data" nl.err || fail "$fn: eval: $(cat nl.err)"
  ! grep -q '"phi"' nl.json || fail "$fn: eval gave phi: $(cat nl.json)"
done
"$bloc" run nl.blo >out.txt 2>err.txt || fail "nl run: status $?"
grep -q "note: nothing checked the final x against the full objective .* (the lower \
objective's 'outer(y\[B\], z\[B\])' (line 9) pairs each with every other of the rows drawn \
by sample set 'B'" err.txt || fail "nl run: $(grep -v step err.txt)"
"$bloc" compare nl.blo --methods aid_cg,stocbio --quiet >cmp.txt 2>&1 || fail "nl compare: $?"
grep -q "phi(x) = f(x, y\*(x)) not computed: phi over all the data has no form here" cmp.txt ||
  fail "nl compare: $(cat cmp.txt)"

[ "$fails" -eq 0 ]
