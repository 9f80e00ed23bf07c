#!/bin/sh
# eval_grad_only.sh — bloc eval where Newton-CG reached y*(x) but the solve for grad phi's v
# did not (doc/language.md §9b, eval): phi and y_star are given, only grad_phi is missing. A
# new-user pass asked `--what phi` of a Whittaker smoother of 10^4 points at its optimum and
# got "phi": null, status 2 and "phi (y*(x) by Newton) not computed: conjugate gradients for
# A v = grad_y f ..." although the Newton solve, all phi needs, had succeeded.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1

cat >w.blo <<'BLO'
problem w2k
const T = 2100
data z : vector[T] = normal(0, 1)
data w : vector[T] = bernoulli(0.8)
upper x = 0
lower y : vector[T] = 0
fn d2(v) = v[2:] - 2 * v[1:-1] + v[:-2]
upper objective f = 0.5 * sum((1 - w) * (y - z) ^ 2)
lower objective g = 0.5 * sum(w * (y - z) ^ 2) + 0.5 * exp(x) * sumsq(d2(y))
solve aid_cg(outer_steps = 10)
BLO
# over 2000 lower variables: Newton-CG; at x = 10 the lower Hessian's condition is about 1e8
# and the CG for v stops at a relative residual of 2e-5
echo 10 >x.csv
cg="conjugate gradients for A v = grad_y f at y\*(x) stopped at a relative residual"
"$bloc" eval w.blo --x x.csv --what phi >phi.json 2>phi.err || fail "phi: status $?"
grep -q '"phi": 217.2053' phi.json || fail "phi: $(cat phi.json phi.err)"
! grep -q "error" phi.err || fail "phi: $(cat phi.err)"
"$bloc" eval w.blo --x x.csv --what y_star >ys.json 2>ys.err || fail "y_star: status $?"
grep -q '"y_star": \[-*[0-9]' ys.json || fail "y_star: $(head -c 300 ys.json; cat ys.err)"
# asked for by name, grad_phi alone is null, status 2, with its own reason
"$bloc" eval w.blo --x x.csv --what phi,grad_phi >pg.json 2>pg.err
st=$?
[ $st -eq 2 ] || fail "phi,grad_phi: status $st"
grep -q '"phi": 217.2053' pg.json || fail "phi,grad_phi: $(cat pg.json)"
grep -q '"grad_phi": null' pg.json || fail "phi,grad_phi: $(cat pg.json)"
grep -q "error: grad_phi not computed (phi and y_star were: y\*(x) by Newton reached y_tol): \
$cg" pg.err || fail "phi,grad_phi: $(cat pg.err)"
# all: a note, phi and y_star there, status 0
"$bloc" eval w.blo --x x.csv >all.json 2>all.err || fail "all: status $?"
grep -q '"phi": 217.2053' all.json || fail "all: $(head -c 300 all.json)"
grep -q "note: grad_phi not computed (phi and y_star were): $cg" all.err ||
  fail "all: $(cat all.err)"

[ "$fails" -eq 0 ]
