#!/bin/sh
# ystep_loop_min.sh — y_step = auto's watch on a sampled problem (doc/methods.md, "y_step =
# auto"): the lowest |grad_y g| of each outer step's lower loop, watched over outer steps.
# Hyper-representation on Fashion-MNIST (784 -> 32 tanh features as x, a softmax head as y,
# batch(100) of 1000 in both levels; nuF F1), the methods' defaults: the curvature grew from
# L 0.57 to 12 in ten outer steps while y_step stayed 1.39, every loop rose from 0.23 to 5.7,
# but one draw's |grad_y g| over the next fell as often as it rose and the per-step watch never
# saw three rises. AID-CG ended at phi 2.308 (chance) from 1.036, BSA at 2.260 (warned, not
# prevented); AmIGO-GD, once y_step shrank, kept a v blown up with the larger eta (|A v - b|
# above 1e4 for 200 steps) and ended at 1.86. Each must now end below the start's phi, with
# the watch's note (and AmIGO-GD's v started again).
. "$(dirname "$0")/prologue.sh"
img=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
if [ ! -r "$img" ]; then
  echo "SKIP: Fashion-MNIST not installed (Debian: dataset-fashion-mnist)"
  exit 77
fi
cd "$tmp" || exit 1
dir=/usr/share/datasets/fashion-mnist
cat >fm.blo <<BLO
problem fm
import "losses"
const ntr = 1000
const nva = 1000
const h = 32
const k = 10
data imgs : matrix[60000, 784] = load_idx("$dir/train-images-idx3-ubyte.gz")
data labs : vector[60000] = load_idx("$dir/train-labels-idx1-ubyte.gz")
data Xtr = imgs[0:ntr, :] / 255
data Xva = imgs[ntr:ntr + nva, :] / 255
data Ytr = onehot(labs[0:ntr], k)
data Yva = onehot(labs[ntr:ntr + nva], k)
sample B : batch(100) of ntr
sample V : batch(100) of nva
upper W1 : matrix[784, h] = normal(0, 0.05)
upper b1 : vector[h] = 0
lower W2 : matrix[h, k] = 0
lower b2 : vector[k] = 0
fn feat(X, W1, b1) = tanh(X @ W1 + outer(ones(rows(X)), b1))
fn head(F, W2, b2) = F @ W2 + outer(ones(rows(F)), b2)
upper objective f = ce_mean(head(feat(Xva[V, :], W1, b1), W2, b2), Yva[V, :])
lower objective g = ce_mean(head(feat(Xtr[B, :], W1, b1), W2, b2), Ytr[B, :])
                    + 0.005 * sumsq(W2) + 0.005 * sumsq(b2)
solve aid_cg(outer_steps = 200)
BLO

phi_of() { sed -n 's/.*"phi": \([-0-9.e+]*\).*/\1/p' "$1"; }
"$bloc" eval fm.blo --what phi >x0.json 2>&1 || fail "eval x0: status $?"
phi0=$(phi_of x0.json)

for m in aid_cg bsa amigo_gd; do
  "$bloc" run fm.blo --method "$m" --save-x "$m.x" >"$m.out" 2>"$m.err" ||
    fail "$m: status $?: $(tail -3 "$m.err")"
  grep -q "note: y_step = auto: [0-9.e-]* during outer step [0-9]*, as the lower loop's \
|grad_y g| rose from [0-9.e-]* to [0-9.e-]* over the loops of 3 outer steps (their lowest \
values)" "$m.err" || fail "$m: no estimate from the loops' lowest values"
  "$bloc" eval fm.blo --x "$m.x" --what phi >"$m.json" 2>&1 || fail "$m: eval: status $?"
  phi=$(phi_of "$m.json")
  awk -v a="$phi" -v b="$phi0" 'BEGIN { exit !(a != "" && a < b) }' ||
    fail "$m: phi went from $phi0 at the start to $phi at the end"
  ! grep -q "warning: the run ended where the full objective" "$m.err" ||
    fail "$m: ended uphill: $(grep warning "$m.err")"
done
grep -q "; v, built with the larger eta, starts again from 0" amigo_gd.err ||
  fail "amigo_gd: v not started again"

[ "$fails" -eq 0 ] || exit 1
echo "ok: aid_cg, bsa and amigo_gd end below the start's phi $phi0"
