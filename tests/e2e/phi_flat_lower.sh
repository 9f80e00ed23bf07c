#!/bin/sh
# phi_flat_lower.sh — phi's Newton solve (rt_phi_exact: bloc eval, compare, the end-of-run
# checks) on entropy-regularised lower levels (new-user pass s49 nuH, references by torch in
# float64).
# 1. Soft-Q inverse RL (irl_soft.blo, tau = 0.001): g is a least-squares g with zero residual
#    at y*(x) (g ~ 5e-31 there). `bloc eval --y` given y*(x) itself (|grad_y g| = 1.05e-15,
#    its rounding) failed with status 2: "Newton's method on g stopped at |grad_y g| =
#    1.05e-15, not below 1.05e-25": the floor test took |H| = 0 (no Hessian built before the
#    solve's first step), and g's rounding (1e3 eps |g| ~ 1e-43) never let the gradient decide.
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

echo "phi_flat_lower: $fails failure(s)"
[ $fails = 0 ]
