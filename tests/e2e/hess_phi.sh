#!/bin/sh
# hess_phi.sh — bloc eval --what hess_phi, the Hessian of phi by central differences of the
# exact grad phi (doc/language.md §9b, eval). A new-user pass (nuO, session 51) wanted
# standard errors of structural estimates and wrote 14 bloc eval calls by hand to get them.
# Checked: a closed form (phi = exp(2a) + b^2 exp(a)) to 1e-9 with its error under the
# accuracy reported; directions phi does not identify (x = a + b[0] alone), a negative
# eigenvalue, a point whose neighbourhood phi cannot be measured in, a nonsmooth g and the size
# limit refused with their reasons; a sampled program over all its data; the nuO demand (7
# parameters, 1200 lower variables) and firm (6, 600) problems at their NLS estimates against
# Hessians of their closed forms computed with complex-step Jacobians (tests/e2e/
# hess_d1_ref.txt, hess_d2_ref.txt: the demand one gives the pass's standard errors, 0.1425
# 0.1239 0.1706 0.0248 0.0214 0.0289 0.0309), and the firm with a duplicated covariate, whose
# flat direction th[0] - th[1] eval names.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1
for f in d1_P d1_Q d2_Z d2_P d2_Y d2_X; do cp "$here/hess_$f.csv.gz" "$f.csv.gz" || exit 1; done

# matrix JSON: the rows of "hess_phi", one number a line
matrix() {
  awk '/"hess_phi": \[/ { on = 1; next } on && /^  \]/ { exit }
       on { gsub(/[][,]/, " "); for (i = 1; i <= NF; i++) print $i }' "$1"
}
# field JSON NAME: a scalar field's value
field() { sed -n "s/^  \"$2\": \([^,]*\),*$/\1/p" "$1"; }

# a closed form: y*(x) = exp(a), phi = exp(2a) + b^2 exp(a)
cat >hq.blo <<'BLO'
problem hq
upper a : scalar = 0.3
upper b : scalar = 0.7
lower y : scalar = 0
upper objective f = y ^ 2 + b ^ 2 * y
lower objective g = 0.5 * (y - exp(a)) ^ 2
BLO
"$bloc" eval hq.blo --what hess_phi >hq.json 2>hq.err || fail "hq: status $?: $(cat hq.err)"
[ ! -s hq.err ] || fail "hq: stderr $(cat hq.err)"
awk 'BEGIN { a = 0.3; b = 0.7; e = exp(a)
             printf "%.17g\n%.17g\n%.17g\n%.17g\n", 4*e*e + b*b*e, 2*b*e, 2*b*e, 2*e }' >hq.ref
matrix hq.json >hq.got
r=$(maxrel hq.got hq.ref)
awk -v r="$r" 'BEGIN { exit !(r < 1e-9) }' || fail "hq: rel. error $r: $(cat hq.json)"
# the accuracy reported is no under-statement of the error, and no wild over-statement
acc=$(field hq.json hess_phi_accuracy)
err=$(paste -d' ' hq.got hq.ref | awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > m) m = d }
                                      END { printf "%.3g", m }')
awk -v a="$acc" -v e="$err" 'BEGIN { exit !(e <= a && a < 1e-9) }' ||
  fail "hq: error $err, accuracy $acc"
grep -q '"hess_phi_asymmetry": [0-9]' hq.json || fail "hq: asymmetry: $(cat hq.json)"
grep -q '"hess_phi_steps": \[1.39.*e-05, 3.2' hq.json || fail "hq: steps: $(cat hq.json)"
grep -q '"hess_phi_eigenvalues": \[2.09023728' hq.json || fail "hq: eigenvalues: $(cat hq.json)"
# not in all (4 nx solves): only by name
"$bloc" eval hq.blo >all.json 2>all.err || fail "all: status $?"
! grep -q hess_phi all.json || fail "all: $(cat all.json)"

# the accuracy is no under-statement where y*(x) is implicit (nuQ, session 51: 8.4e-14 was
# claimed on a double well whose 0.84375 came out 2.1e-11 off, the noise of grad phi's last
# bits over h that Richardson's extrapolation amplifies; 4.7e-13 on a tan problem 9.4e-11 off)
cat >well.blo <<'BLO'
problem well
upper x = 0
lower y = 0.9
upper objective f = (y + 1) ^ 2 + 0.5 * (x + 0.3) ^ 2
lower objective g = (y ^ 2 - 1) ^ 2 - x * y
BLO
# y* = 1, y' = 1 / (12 y^2 - 4), y'' = -24 y y'^3: phi'' = 2 y'^2 + 2 (y + 1) y'' + 1
"$bloc" eval well.blo --what hess_phi >well.json 2>well.err || fail "well: status $?"
acc=$(field well.json hess_phi_accuracy)
awk -v a="$acc" -v h="$(matrix well.json)" 'BEGIN { e = h - 0.84375; if (e < 0) e = -e
  exit !(e <= a && a < 1e-9) }' || fail "well: error of $(matrix well.json), accuracy $acc"
# the eigenvalues' accuracy, which the warnings name, is in the JSON beside the entries'
grep -q '"hess_phi_eigenvalue_accuracy": [0-9]' well.json || fail "well: $(cat well.json)"
# g = tan(y)^2 / 2 - x y: x(y*) = t (1 + t^2), t = tan(y*), so y*' = 1 / x'(y*) and
# y*'' = -x''(y*) y*'^3 with x' = (1 + t^2)(1 + 3 t^2), x'' = (1 + t^2)(8 t + 12 t^3)
for x in 0.05 0.3; do
  sed "s/^upper x = 0$/upper x = $x/; s/^lower y = 0.9$/lower y = 0.3/
       s/^upper objective f = .*/upper objective f = (y - 1) ^ 2 + x ^ 2/
       s|^lower objective g = .*|lower objective g = tan(y) ^ 2 / 2 - x * y|" well.blo >tan.blo
  "$bloc" eval tan.blo --what hess_phi >tan.json 2>tan.err || fail "tan $x: status $?"
  acc=$(field tan.json hess_phi_accuracy)
  awk -v x="$x" -v a="$acc" -v h="$(matrix tan.json)" 'BEGIN {
    y = 0.3
    for (k = 0; k < 60; k++) {
      t = sin(y) / cos(y); y -= (t + t^3 - x) / ((1 + t^2) * (1 + 3 * t^2))
    }
    t = sin(y) / cos(y); d1 = 1 / ((1 + t^2) * (1 + 3 * t^2))
    d2 = -(1 + t^2) * (8 * t + 12 * t^3) * d1^3
    e = h - (2 * d1^2 + 2 * (y - 1) * d2 + 2); if (e < 0) e = -e
    exit !(e <= a && a < 1e-8) }' || fail "tan $x: $(matrix tan.json), accuracy $acc"
done

# phi depends on a + b[0] only: the flat direction named, status 0
cat >flat.blo <<'BLO'
problem hflat
upper a : scalar = 0.3
upper b : vector[2] = 0.7
lower y : scalar = 0
upper objective f = (y - 1) ^ 2 + (b[1] - 2) ^ 2
lower objective g = 0.5 * (y - a - b[0]) ^ 2
BLO
"$bloc" eval flat.blo --what hess_phi >flat.json 2>flat.err || fail "flat: status $?"
grep -q "warning: hess_phi: phi is flat along 0.71 a - 0.71 b\[0\] (eigenvalue .* of the \
Hessian of phi, 0 to within .*, the eigenvalues' accuracy, hess_phi_eigenvalue_accuracy; the \
largest is 4): the upper objective does not identify x along that \
direction, and standard errors from the inverse Hessian are not defined" flat.err ||
  fail "flat: $(cat flat.err)"
[ "$(grep -c warning flat.err)" = 1 ] || fail "flat: $(cat flat.err)"

# phi = -a^2: not convex
cat >neg.blo <<'BLO'
problem hneg
upper a : scalar = 0.3
lower y : scalar = 0
upper objective f = -(y ^ 2)
lower objective g = 0.5 * (y - a) ^ 2
BLO
"$bloc" eval neg.blo --what hess_phi >neg.json 2>neg.err || fail "neg: status $?"
grep -q "warning: hess_phi: the Hessian of phi has a negative eigenvalue -2 (beyond .*, the \
eigenvalues' accuracy, hess_phi_eigenvalue_accuracy) along a: phi is not convex at x" neg.err ||
  fail "neg: $(cat neg.err)"
# the warning's number is the JSON's
ea=$(field neg.json hess_phi_eigenvalue_accuracy | awk '{ printf "%.2g", $1 }')
grep -q "(beyond $ea, the eigenvalues' accuracy" neg.err || fail "neg: $ea: $(cat neg.err)"

# g is not convex in y at a - 2h: refused, status 2, null, the coordinate and step named (a
# concave quadratic there: unbounded below, said so since s51 fxJ)
cat >fail.blo <<'BLO'
problem hfail
upper a : scalar = 1
lower y : scalar = 0
upper objective f = y ^ 2
lower objective g = 0.5 * (a - 0.99995) * y ^ 2 - y
BLO
"$bloc" eval fail.blo --what hess_phi >fail.json 2>fail.err
st=$?
[ $st -eq 2 ] || fail "fail: status $st"
grep -q '"hess_phi": null' fail.json || fail "fail: $(cat fail.json)"
grep -q "error: hess_phi not computed: grad phi at x with a - 9.28e-05 (a central difference) \
could not be measured: g is unbounded below in y at this x.*; central differences need phi \
within 2 h of x along every upper variable" fail.err || fail "fail: $(cat fail.err)"

# g not twice differentiable: status 1, no JSON
cat >ns.blo <<'BLO'
problem hns
upper a : scalar = 1
lower y : scalar = 0
upper objective f = y ^ 2
lower objective g = abs(y - a) + 0.5 * y ^ 2
BLO
"$bloc" eval ns.blo --what hess_phi >ns.json 2>ns.err
st=$?
[ $st -eq 1 ] || fail "ns: status $st"
[ ! -s ns.json ] || fail "ns: $(cat ns.json)"
grep -q "error: hess_phi not computed: grad phi at x could not be measured: 'abs' makes g not \
twice differentiable in y" ns.err || fail "ns: $(cat ns.err)"

# the size limit, with the cost
cat >big.blo <<'BLO'
problem hbig
upper a : vector[401] = 1
lower y : scalar = 0
upper objective f = y ^ 2 + sumsq(a)
lower objective g = 0.5 * (y - sum(a)) ^ 2
BLO
"$bloc" eval big.blo --what hess_phi >big.json 2>big.err
st=$?
[ $st -eq 1 ] || fail "big: status $st"
grep -q "error: hess_phi: 401 upper variables are more than the 400 it is computed for: it \
costs 4 nx = 1604 solves of y\*(x)" big.err || fail "big: $(cat big.err)"

# a sampled program: over all the data (its full variant), as phi; the JSON says so
cat >st.blo <<'BLO'
problem st
const N = 50
data X : vector[N] = normal(0, 1)
sample B : batch(10) of N
upper a : scalar = 0.3
lower y : scalar = 0
upper objective f = (y - 1) ^ 2 + a ^ 2
lower objective g = 0.5 * mean((y - a * X[B]) ^ 2)
BLO
"$bloc" eval st.blo --what phi,hess_phi >st.json 2>st.err || fail "st: status $?: $(cat st.err)"
grep -q "\"samples\": \"one draw from seed 1; phi, grad_phi, y_star and hess_phi over all the \
data (every sample set whole)\"" st.json || fail "st: $(cat st.json)"
grep -q '"hess_phi": \[' st.json || fail "st: $(cat st.json)"

# nuO's representative consumer at the NLS estimate
cat >demand.blo <<'BLO'
problem demand
const T = 400
const n = 3
data P : matrix[T, n] = load_csv("d1_P.csv.gz")
data Qobs : matrix[T, n] = load_csv("d1_Q.csv.gz")
upper a : vector[n] = 1
upper d : vector[n] = 0 in [-3, 3]
upper s : scalar = 0 in [-0.45, 0.9]
lower Q : matrix[T, n] = 0
fn Bmat(d, s) = diag(exp(d)) + s * (ones(n, n) - eye(n))
upper objective f = 0.5 * sumsq(Q - Qobs) / T
lower objective g = (sum(P * Q) - sum(Q @ a) + 0.5 * sum(Q * (Q @ Bmat(d, s)))) / T
BLO
printf '%s\n' 5.3031789395375322 4.2255894906633431 6.3566999250897389 0.73825340048502652 \
  0.44442512544182772 0.97173514137764716 0.35559749587622408 >d_x.txt
"$bloc" eval demand.blo --x d_x.txt --what hess_phi >d.json 2>d.err ||
  fail "demand: status $?: $(cat d.err)"
matrix d.json >d.got
r=$(maxrel d.got "$here/hess_d1_ref.txt")
awk -v r="$r" 'BEGIN { exit !(r < 1e-9) }' || fail "demand: rel. error $r: $(cat d.json)"
! grep -q "warning" d.err || fail "demand: $(cat d.err)"

# nuO's cost-minimising firm at the NLS estimate; with the first covariate twice, th[1] and
# th[2] are not identified apart
cat >firm.blo <<'BLO'
problem firm
const N = 300
data Z2 : matrix[N, 2] = load_csv("d2_Z.csv.gz")
data Zc = ZC
data Pr : matrix[N, 3] = load_csv("d2_P.csv.gz")
data Y  : vector[N]    = load_csv("d2_Y.csv.gz")
data X  : matrix[N, 3] = load_csv("d2_X.csv.gz")
data logY = log(Y)
data lX = log(X)
upper th0 : scalar = 0
upper th : vector[K] = 0
upper la : vector[3] = -1.1
lower k : vector[N] = 0
lower l : vector[N] = 0
fn alpha(la) = exp(la)
fn logm(th0, th, la, k, l) = (logY - th0 - Zc @ th - alpha(la)[0] * k - alpha(la)[1] * l)
                             / alpha(la)[2]
fn cost(th0, th, la, k, l) = Pr[:, 0] * exp(k) + Pr[:, 1] * exp(l)
                             + Pr[:, 2] * exp(logm(th0, th, la, k, l))
upper objective f = 0.5 * (sumsq(k - lX[:, 0]) + sumsq(l - lX[:, 1])
                           + sumsq(logm(th0, th, la, k, l) - lX[:, 2])) / N
lower objective g = mean(cost(th0, th, la, k, l))
BLO
sed 's/ZC/Z2/; s/vector\[K\]/vector[2]/' firm.blo >firm2.blo
sed 's/ZC/hcat(Z2[:, 0:1], Z2)/; s/vector\[K\]/vector[3]/' firm.blo >firm3.blo
printf '%s\n' 0.4930687188820688 0.2976978278967557 -0.20231130441447628 -1.202091428897853 \
  -0.6876501736312541 -1.8936381174065418 >f_x.txt
"$bloc" eval firm2.blo --x f_x.txt --what hess_phi >f.json 2>f.err ||
  fail "firm: status $?: $(cat f.err)"
matrix f.json >f.got
r=$(maxrel f.got "$here/hess_d2_ref.txt")
awk -v r="$r" 'BEGIN { exit !(r < 1e-9) }' || fail "firm: rel. error $r: $(cat f.json)"
! grep -q "warning" f.err || fail "firm: $(cat f.err)"
printf '%s\n' 0.4930687188820688 0.1488489139483778 0.1488489139483778 -0.20231130441447628 \
  -1.202091428897853 -0.6876501736312541 -1.8936381174065418 >f3_x.txt
"$bloc" eval firm3.blo --x f3_x.txt --what hess_phi >f3.json 2>f3.err ||
  fail "firm3: status $?: $(cat f3.err)"
grep -q "warning: hess_phi: phi is flat along 0.71 th\[0\] - 0.71 th\[1\] " f3.err ||
  fail "firm3: $(cat f3.err)"

[ "$fails" -eq 0 ]
