#!/bin/sh
# phi_newton_cg.sh — phi(x), grad phi(x) and y*(x) over the dense limit (2000 lower
# variables), by Newton-CG: `bloc eval --what phi,grad_phi,y_star` on an L2-regularised
# logistic regression of 2100 weights (lam = log of the ridge weight), against NumPy's dense
# Newton solve and the implicit formula, at two x (tolerances: y*(x) is solved to |grad_y g|
# < 1e-10, 4e-8 in y at the smaller ridge weight e^-6; NumPy's to 1e-14). Before, eval
# refused ("ny = 2100 is over the 2000 lower variables of the dense Newton solve"), and so did
# bloc compare's yardstick.
# Skipped (77) without a python3 that has NumPy (Debian: python3-numpy).
. "$(dirname "$0")/prologue.sh"
. "$src/tests/support/find_python.sh"
find_python numpy || { echo "SKIP: no python3 with NumPy"; exit 77; }
cd "$tmp" || exit 1
cat > ref.py <<'PY'
import json, sys
import numpy as np
if sys.argv[1] == "gen":
    rng = np.random.default_rng(3)
    n, d = 300, 2100
    wt = rng.standard_normal(d)
    for s in ("", "v"):
        A = rng.standard_normal((n, d)) / np.sqrt(d) * 3
        np.save("A%s.npy" % s, A)
        np.save("b%s.npy" % s, np.sign(A @ wt + 0.3 * rng.standard_normal(n)))
    sys.exit(0)
A, b, Av, bv = (np.load(k + ".npy") for k in ("A", "b", "Av", "bv"))
n, d = A.shape
lam = float(sys.argv[1])
sig = lambda z: 1 / (1 + np.exp(-z))
def hess(w):
    z = b * (A @ w)
    return (A.T * (sig(z) * sig(-z))) @ A / n + np.exp(lam) * np.eye(d)
w = np.zeros(d)
for it in range(50):
    gy = -(A.T @ (b * sig(-b * (A @ w)))) / n + np.exp(lam) * w
    if np.linalg.norm(gy) < 1e-14:
        break
    w -= np.linalg.solve(hess(w), gy)
zv = bv * (Av @ w)
v = np.linalg.solve(hess(w), -(Av.T @ (bv * sig(-zv))) / n)
print(repr(float(np.mean(np.logaddexp(0, -zv)))), repr(float(-np.exp(lam) * (w @ v))))
np.savetxt("ystar_ref.txt", w, fmt="%.17g")
PY
"$py" ref.py gen || { fail "generating the data"; exit 1; }
cat > big.blo <<'BLO'
problem big_logistic
const n = 300
const d = 2100
data A  : matrix[n, d] = load_npy("A.npy")
data b  : vector[n]    = load_npy("b.npy")
data Av : matrix[n, d] = load_npy("Av.npy")
data bv : vector[n]    = load_npy("bv.npy")
upper lam : scalar = -3
lower w   : vector[d] = 0
upper objective f = mean(softplus(-bv * (Av @ w)))
lower objective g = mean(softplus(-b * (A @ w))) + 0.5 * exp(lam) * sumsq(w)
solve lancbio(outer_steps = 200)
BLO
for lam in -3 -6; do
  echo "$lam" > x.txt
  set -- $("$py" ref.py "$lam")
  "$bloc" eval big.blo --x x.txt --what phi,grad_phi,y_star > eval.json 2> eval.err
  rc=$?
  [ "$rc" = 0 ] || { fail "lam = $lam: eval exited $rc"; cat eval.err; continue; }
  got=$("$py" -c 'import json; j = json.load(open("eval.json"))
print(repr(j["phi"]), repr(j["grad_phi"][0]))
open("ystar.txt", "w").write("\n".join(repr(v) for v in j["y_star"]) + "\n")')
  echo "lam = $lam: bloc $got, NumPy $1 $2"
  echo "$got" | awk -v p="$1" -v g="$2" '
    function ab(v) { return v < 0 ? -v : v }
    { if (ab($1 - p) > 1e-10 * ab(p)) exit 1; if (ab($2 - g) > 1e-7 * ab(g)) exit 1 }' ||
    fail "lam = $lam: phi or grad phi off"
  e=$(maxrel ystar.txt ystar_ref.txt)
  echo "lam = $lam: y*(x) max relative difference $e"
  awk -v e="$e" 'BEGIN { exit !(e < 1e-8) }' || fail "lam = $lam: y*(x) off by $e"
  sanitizers eval.err
done
exit $fails
