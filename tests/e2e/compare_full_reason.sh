#!/bin/sh
# compare_full_reason.sh — bloc compare on a sampled program with no full variant says why in
# its phi(x) line and its end-of-run notes: the batch-sized bias outer(ones(bt), b) next to
# drawn rows X[B, :] @ W, named with its cure (new-user pass G, session 49: "phi at one draw
# is not phi" and "the program's data are f32 or sharded" of f64 data on one process), and
# the cured program, outer(ones(rows(X[B, :])), b), measures phi over all the data.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1

cat >dd.blo <<'EOF2'
problem dd
data X : matrix[8, 2] = [[1, 0.5], [0.2, -1], [-0.3, 0.8], [1.5, 0.1], [-1, -0.4], [0.6, 0.9],
  [0.1, -0.2], [-0.7, 1.2]]
data Y = onehot([1, 0, 1, 1, 0, 1, 0, 1], 2)
const bt = 4
sample B : batch(bt) of 8
upper lam : scalar = 0.5
lower W : matrix[2, 2] = 0
lower b : vector[2] = 0
upper objective f = mean(cross_entropy(X[B, :] @ W + outer(ones(bt), b), Y[B, :]))
lower objective g = mean(cross_entropy(X @ W + outer(ones(8), b), Y))
  + 0.5 * exp(lam) * (sumsq(W) + sumsq(b))
solve aid_cg(outer_steps = 3)
EOF2
sed 's/outer(ones(bt), b), Y/outer(ones(rows(X[B, :])), b), Y/' dd.blo >cured.blo

"$bloc" compare dd.blo --backend=interp --methods aid_cg,sgd=aid_cg >out 2>err
st=$?
[ $st = 0 ] || fail "status $st, not 0: $(head -3 err)"
sanitizers err
why="'outer(ones(bt), b)' (line 10) has the batch's 4 rows but does not follow sample set 'B'"
grep -F "phi(x) = f(x, y*(x)) not computed: phi over all the data has no form here: the upper \
objective's $why" out >/dev/null || fail "the phi(x) line does not name the bias: $(cat out)"
grep -F "write outer(ones(rows(X[B, :] @ W)), b) or stdlib affine" out >/dev/null ||
  fail "the phi(x) line gives no cure: $(cat out)"
grep -F "nothing checked the final x" err | grep -F "$why" >/dev/null ||
  fail "the end-of-run note does not name the bias: $(cat err)"
grep -F "f32 or sharded" out err && fail "a guessed reason (f32 or sharded)"
grep -F "phi at one draw" out err && fail "'phi at one draw is not phi' where the reason is known"

"$bloc" compare cured.blo --backend=interp --methods aid_cg >out2 2>err2
st=$?
[ $st = 0 ] || fail "cured: status $st, not 0: $(head -3 err2)"
grep -F "not computed" out2 && fail "cured: phi not computed: $(cat out2)"
[ -n "$(cell out2 aid_cg 'phi(x)')" ] || fail "cured: no phi(x): $(cat out2)"

exit $((fails > 0))
