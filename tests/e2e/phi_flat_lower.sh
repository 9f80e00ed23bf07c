#!/bin/sh
# phi_flat_lower.sh — phi's Newton solve (rt_phi_exact: bloc eval, compare, the end-of-run
# checks) on entropy-regularised lower levels (new-user pass s49 nuH, references by torch in
# float64).
# 1. Soft-Q inverse RL (irl_soft.blo, tau = 0.001): g is a least-squares g with zero residual
#    at y*(x) (g ~ 5e-31 there). `bloc eval --y` given y*(x) itself (|grad_y g| = 1.05e-15,
#    its rounding) failed with status 2: "Newton's method on g stopped at |grad_y g| =
#    1.05e-15, not below 1.05e-25": the floor test took |H| = 0 (no Hessian built before the
#    solve's first step), and g's rounding (1e3 eps |g| ~ 1e-43) never let the gradient decide.
# 2. Entropic OT dual with the exact gauge term (ot_gauge.blo: y*(x) unique, the Hessian's
#    eigenvalues 0.047 to 9 there). From y0 = 0, where exp((u + v - C) / eps) underflows,
#    Newton stopped at |grad_y g| = 0.23 on a singular Hessian (g flat along its gradient),
#    and eval, the end-of-run check and compare all said "g is not strongly convex in y ...
#    y*(x) is not unique"; compare had no phi for any method, the trace point said the same
#    of y0's Hessian. Then eval said g is flat where Newton stopped; the end check and compare
#    retry from the run's own y, from which Newton reaches y*(x) (phi as torch's).
# 3. (s49 fxJ) Newton's steps dropped the singular Hessian's null directions, along which g is
#    linear there, so they never left the flat region: now a step along grad_y g's part in them,
#    lengthened while g falls, leaves it, and phi from y0 is torch's at eps 0.1 and 0.01 (from
#    a Sinkhorn half-step too); exact's run converges there with no word of singular Hessians.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1
irl=$src/tests/e2e/irl_soft.blo

printf '0.3\n0.2\n-0.1\n' >xr.csv
for v in 2.4265153673492916 1.9126857784957716 2.2184681659628875 2.9944099671780426 \
  2.4566670485766275 1.808753572396864 2.1234463988047123 2.024332162950352 \
  2.0853169061947807 2.6741518243541154 2.0005493741732208 2.7347520524771176; do
  echo "$v"
done >ystar.csv
"$bloc" eval "$irl" -D tau=0.001 --x xr.csv --y ystar.csv --what phi,grad_phi >irl.json 2>irl.err
st=$?
[ $st = 0 ] || { fail "irl eval at y*(x): status $st"; cat irl.err; }
# torch: phi 56905.82967716023, grad phi [85673.96145497318, 83887.59286165953,
# -144261.2266833642]
tr -d ' \n' <irl.json | sed 's/.*"phi":\([^,]*\),"grad_phi":\[\([^]]*\)\].*/\1,\2/' |
  tr ',' '\n' >got.txt
printf '%s\n' 56905.82967716023 85673.96145497318 83887.59286165953 -144261.2266833642 >want.txt
e=$(maxrel got.txt want.txt)
awk -v e="$e" 'BEGIN { exit !(e < 1e-12) }' ||
  { fail "irl eval at y*(x): phi, grad phi off the reference by $e"; cat irl.json; }

# (here, not under tests/e2e/*.blo: emit_c.sh runs those against the emitted solver, and
# aid_cg's lower loop here amplifies rounding, 5e-4 apart in 30 steps with another BLAS)
cat >ot_gauge.blo <<'BLO'
# Learned metric through entropic OT: lower = the smooth dual of
# entropic OT in (u, v), gauge fixed by 0.5 * (sum(u) - sum(v))^2 (exact: without it g is
# constant along (c, -c); with it g is strictly convex, the plan unchanged). Pt is the plan at
# x = (2, 0.5). From y0 = 0, exp((u + v - C) / eps) underflows on whole rows and columns.
problem ot_gauge
const eps = 0.1
const n = 4
const m = 5
data P = [[0.1257302210933933, -0.1321048632913019],
          [0.6404226504432821, 0.10490011715303971],
          [-0.535669373161111, 0.36159505490948474],
          [1.3040000451301372, 0.9470809631292422]]
data Q = [[-0.7037352358069926, -1.2654214710460525],
          [-0.6232744625373522, 0.0413259793472436],
          [-2.3250307746388343, -0.21879166393254573],
          [-1.2459109472530652, -0.7322673547034516],
          [-0.5442589828573099, -0.31630015636915454]]
data a = [0.27816045833018455, 0.3209344557466562, 0.18376323224595648, 0.21714185367720282]
data b = [0.2013427920441594, 0.197312080941508, 0.19184184929962886, 0.15198906140054036,
          0.2575142163141633]
data Pt = [[0.11632825945918449, 0.0009114938781674204, 0.008078617053781467, 0.15198348031807798,
            0.0008586076209730089],
           [0.08501427524108467, 0.07726888418722408, 2.2502768779979954e-16,
            5.581082351663957e-06, 0.15864571523599505],
           [3.550882536689997e-21, 2.0977218817572017e-21, 0.1837632322458478,
            1.0940041578610084e-13, 4.1796064445368846e-23],
           [2.573438906653179e-07, 0.11913170287611462, 9.372095750301208e-37,
            8.469040365746946e-16, 0.09800989345719434]]
fn cost(x) = outer(P ^ 2 @ x, ones(m)) + outer(ones(n), Q ^ 2 @ x) - 2 * rowwise(P, x) @ Q'
fn plan(x, u, v) = exp((outer(u, ones(m)) + outer(ones(n), v) - cost(x)) / eps)
upper x : vector[2] = 1
lower u : vector[n] = 0
lower v : vector[m] = 0
upper objective f = 0.5 * sumsq(plan(x, u, v) - Pt)
lower objective g = -dot(a, u) - dot(b, v) + eps * sum(plan(x, u, v)) + 0.5 * (sum(u) - sum(v)) ^ 2
solve aid_cg(outer_steps = 500)
BLO
ot=ot_gauge.blo
# phi and grad phi from y0 (torch: log-domain Sinkhorn, implicit differentiation; otref.py of
# the s49 nuH pass): exit 2 before, "g is flat along its gradient there"
for case in "0.1 0.009322450646234689 -0.0023184831884804913 0.01178454891520564" \
  "0.01 0.012224849039501879 0 0"; do
  set -- $case
  "$bloc" eval "$ot" -D eps=$1 --what phi,grad_phi >ot0.json 2>ot0.err
  st=$?
  [ $st = 0 ] || { fail "ot eval from y0, eps $1: status $st"; cat ot0.err; }
  tr -d ' \n' <ot0.json | sed 's/.*"phi":\([^,]*\),"grad_phi":\[\([^]]*\)\].*/\1,\2/' |
    tr ',' '\n' >got.txt
  printf '%s\n' "$2" "$3" "$4" >want.txt
  # (grad phi is 1e-15 at eps 0.01: absolute there, at the scale of phi)
  e=$(maxrel got.txt want.txt 1e-2)
  awk -v e="$e" 'BEGIN { exit !(e < 1e-10) }' ||
    { fail "ot eval from y0, eps $1: phi, grad phi off the reference by $e"; cat ot0.json; }
done
# from a first Sinkhorn half-step as y0 Newton stopped at |grad_y g| = 18.2 on a Hessian
# that passed as positive definite (2.1e-14 of 9), then on singular ones ("g is flat")
half='eps * log(a) - eps * logsumexp_rows(-cost(x) / eps)'
sed "s|^lower u : vector\\[n\\] = 0|lower u : vector[n] = $half|" "$ot" >ot_init.blo
grep -q logsumexp_rows ot_init.blo || fail "ot_init.blo not written"
"$bloc" eval ot_init.blo --what phi >oti.json 2>oti.err ||
  { fail "ot eval from a Sinkhorn half-step: status $?"; cat oti.err; }
tr -d ' \n' <oti.json | sed 's/.*"phi":\([^,}]*\).*/\1/' >got.txt
echo 0.009322450646234689 >want.txt
e=$(maxrel got.txt want.txt)
awk -v e="$e" 'BEGIN { exit !(e < 1e-10) }' ||
  { fail "ot eval from a Sinkhorn half-step: phi off the reference by $e"; cat oti.json; }

# exact's Newton solves leave the flat start too: converged, no word of singular Hessians
# (it stopped at |grad_y g| = 0.23 for 100 Newton steps at each outer step, status 0)
"$bloc" run "$ot" --method exact --set outer_steps=20 >ot_ex.out 2>ot_ex.err
st=$?
[ $st = 0 ] || { fail "ot exact: status $st"; cat ot_ex.err; }
! grep -q "singular\|not unique\|lower level stopped\|line search" ot_ex.err ||
  { fail "ot exact: warned of the lower solve"; cat ot_ex.err; }
gy=$(sed -n 's/.*|grad_y g| = \([^ ]*\) .*/\1/p' ot_ex.out)
awk -v g="$gy" 'BEGIN { exit !(g != "" && g < 1e-10) }' ||
  { fail "ot exact: |grad_y g| = $gy at the end"; cat ot_ex.out; }

# the run's end check measures grad phi from the run's y (said nothing, or "not unique")
"$bloc" run "$ot" --save-x ox.csv --save-y oy.csv >/dev/null 2>ot_run.err
st=$?
[ $st = 0 ] || { fail "ot run: status $st"; cat ot_run.err; }
! grep -q "could not be computed\|not unique" ot_run.err ||
  { fail "ot run: the end check did not measure grad phi"; cat ot_run.err; }
# and eval from the run's y agrees with torch (otref.py at this x, y)
printf '%s\n' 1.0565962112771425 0.34844549963872573 >aidx.csv
for v in 0.65830683874211815 2.0272845081725732 -1.8298026419193347 4.5992542918188697 \
  0.29613649530627684 -0.60022353539748996 5.1615950438665807 1.2660787831977531 \
  -0.66854379015889442; do
  echo "$v"
done >aidy.csv
"$bloc" eval "$ot" --x aidx.csv --y aidy.csv --what phi,grad_phi >ot1.json 2>ot1.err ||
  { fail "ot eval at the run's y: status $?"; cat ot1.err; }
tr -d ' \n' <ot1.json | sed 's/.*"phi":\([^,]*\),"grad_phi":\[\([^]]*\)\].*/\1,\2/' |
  tr ',' '\n' >got.txt
printf '%s\n' 0.00011042588849476252 -0.00036839190896478715 -0.0003490280705982613 >want.txt
e=$(maxrel got.txt want.txt 1e-3)
awk -v e="$e" 'BEGIN { exit !(e < 1e-10) }' ||
  { fail "ot eval at the run's y: phi, grad phi off the reference by $e"; cat ot1.json; }

# compare's yardstick: phi at aid_cg's final x (from its y: from y0 g is flat)
"$bloc" compare "$ot" --methods aid_cg --set outer_steps=300 --out-dir cmp >cmp.out 2>cmp.err
st=$?
[ $st = 0 ] || { fail "ot compare: status $st"; cat cmp.err; }
c=$(cell cmp.out aid_cg "phi(x)")
case $c in [0-9]*) ;; *) fail "ot compare: no phi for aid_cg ($c)"; cat cmp.out ;; esac

# the trace point at the start: y0's Hessian, not y*(x)'s (aid_cg at eps 0.001 with a short
# y_step: its y is still on the plateau; exact's trace point has y*(x) now)
"$bloc" run "$ot" -D eps=0.001 --set y_step=0.001 --set outer_steps=1 >/dev/null 2>ot_ag.err
want="after 0 outer steps: the lower Hessian looks singular at the start's y (smallest Ritz"
grep -q "$want" ot_ag.err ||
  { fail "ot aid_cg: the trace point did not name the start"; cat ot_ag.err; }

echo "phi_flat_lower: $fails failure(s)"
[ $fails = 0 ]
