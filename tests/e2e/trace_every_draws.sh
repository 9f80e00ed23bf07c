#!/bin/sh
# trace_every_draws.sh — on a stochastic problem, how often a run traces must not change what
# it reports at a step (runtime/rt_oracle.c, rt_oracle_diag_at_step; doc/methods.md,
# "Determinism"). Each trace point evaluated f, g and the reports on the next keys of one
# diagnostic counter, so trace_every = 5, 10, 20 gave the same x but a different final y, f
# and accuracy (0.9495 / 0.946 / 0.9425 at step 20 of a minibatch logistic problem). Now a
# trace point's draws are its step's own: the rows of the steps both traces hold, the saved y
# and the result's values agree bit for bit, for a method with its own lower iterate (stocbio)
# and an unrolled one whose trace point adapts a drawn task (itd).
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1
cat >mb.blo <<'BLO'
problem minibatch_logistic
const n = 400
const d = 10
data X : matrix[n, d] = normal(0, 1)
data wt : vector[d] = normal(0, 1)
data t : vector[n] = (X @ wt + normal(0, 1)) > 0
data Xv : matrix[n, d] = normal(0, 1)
data tv : vector[n] = (Xv @ wt) > 0
sample B : batch(32) of n
sample V : batch(32) of n
upper zeta : vector[d] = 0
lower w : vector[d] = 0
upper objective f = mean(softplus(Xv[V, :] @ w) - tv[V] * (Xv[V, :] @ w))
lower objective g = mean(softplus(X[B, :] @ w) - t[B] * (X[B, :] @ w))
                    + 0.5 * dot(exp(zeta), w * w) / d
report acc = mean(((Xv @ w) > 0) == tv)
BLO
# rows of a trace without the time and call-count columns, at the steps in $2 (a regex)
rows() { awk -F, -v keep="$2" 'NR > 1 && $1 ~ keep { $2 = ""; NF = 10; print }' "$1"; }
for m in stocbio itd; do
  for te in 5 10; do
    "$bloc" run mb.blo --method "$m" --quiet --set outer_steps=20 --set trace_every=$te \
      --trace "$m.$te.csv" --save-x "$m.$te.x" --save-y "$m.$te.y" --out "$m.$te.json" >/dev/null \
      2>/dev/null || fail "$m, trace_every = $te: status $?"
  done
  cmp -s "$m.5.x" "$m.10.x" || fail "$m: x depends on trace_every"
  cmp -s "$m.5.y" "$m.10.y" || fail "$m: the saved y depends on trace_every"
  [ "$(rows "$m.5.csv" '^(0|10|20)$')" = "$(rows "$m.10.csv" '^(0|10|20)$')" ] ||
    { fail "$m: the rows at steps 0, 10, 20 differ"; cat "$m.5.csv" "$m.10.csv"; }
  for k in '"f"' '"acc"' '"g"'; do
    [ "$(grep "^ *$k:" "$m.5.json")" = "$(grep "^ *$k:" "$m.10.json")" ] ||
      fail "$m: the result's $k depends on trace_every"
  done
  [ "$(rows "$m.5.csv" '^20$' | wc -l)" = 1 ] || fail "$m: no row at step 20"
done
exit $((fails > 0))
