#!/bin/sh
# tol_saved_x.sh — a run that stops on tol saves the x its last |d| was measured at, and the
# |hypergradient| it reports (summary, JSON hypergrad_norm) is that x's (doc/methods.md,
# "tol"). The step's d is taken at the x the step begins from; the step then moves x on. With
# Adam (lr 0.5, tol 1e-5) the run reported |d| = 7.7e-6 and saved the moved x, whose exact
# |grad phi| was 1.65e-5, twice tol: Adam's move does not shrink with d (momentum's neither:
# 1.8e-8 against 8.8e-9 reported).
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1

cat >a.blo <<'BLO'
problem a_adam
data H : vector[3] = [1, 4, 0.5]
data t : vector[3] = [1, -2, 3]
upper x : vector[3] = 0.3
lower y : vector[3] = 0
upper objective f = 0.5 * sumsq(y - t) + 0.1 * sum(cos(x))
lower objective g = 0.5 * dot(y, H * y) - dot(y, x)
solve exact(outer_steps = 20000, x_step = 0.5, x_optimizer = adam, tol = 1e-5)
BLO

# norm FILE: |v| of the "grad_phi" array of a bloc eval JSON
norm() {
  tr -d '\n ' <"$1" | sed 's/.*"grad_phi":\[\([^]]*\)\].*/\1/' | tr ',' '\n' |
    awk '{ s += $1 * $1 } END { printf "%.6g\n", sqrt(s) }'
}

for case in "adam 0.5 1e-5" "adam 1 1e-3" "momentum 0.1 1e-8"; do
  set -- $case
  opt=$1 lr=$2 tol=$3
  "$bloc" run a.blo --quiet --set x_optimizer="$opt" --set x_step="$lr" --set tol="$tol" \
    --out r.json --save-x r.x >out.txt 2>err.txt || { fail "$opt: run failed"; cat err.txt; }
  grep -q 'stopped (tol)' out.txt || { fail "$opt: did not stop on tol"; cat out.txt; }
  "$bloc" eval a.blo --x r.x --what grad_phi >e.json 2>err.txt ||
    { fail "$opt: eval"; cat err.txt; }
  g=$(norm e.json)
  rep=$(sed -n 's/.*"hypergrad_norm": *\([0-9.eE+-]*\).*/\1/p' r.json | head -1)
  awk -v g="$g" -v t="$tol" 'BEGIN { exit !(g < t) }' ||
    fail "$opt x_step $lr tol $tol: |grad phi| at the saved x is $g, not below tol"
  awk -v g="$g" -v r="$rep" \
    'BEGIN { d = g - r; if (d < 0) d = -d; exit !(d <= 1e-6 * g + 1e-15) }' ||
    fail "$opt x_step $lr tol $tol: reported |hypergradient| $rep, at the saved x $g"
done
exit $((fails > 0))
