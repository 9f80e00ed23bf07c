#!/bin/sh
# compare_stale_plots.sh — bloc compare run again into the same directory leaves no plot of
# the earlier run under its own plots' names (doc/compare.md, "Outputs"): with `-D k0=0` the
# report ynorm2 = sumsq(y)/k0 is inf everywhere and is not plotted, and the first run's
# PREFIX_ynorm2.svg stayed beside the second's CSV, as if of its data. Now it is removed, and
# the line of outputs says so; a PNG of an earlier --plot-format too. A PREFIX_*.svg that is
# none of this compare's plot names (a report the program no longer has, a user's file) and a
# link are left as they are, with a note. Needs a gnuplot (skipped, exit 77, without one).
. "$(dirname "$0")/prologue.sh"
if [ -n "${BLOC_GNUPLOT+set}" ]; then
  [ -n "$BLOC_GNUPLOT" ] || { echo "SKIP: BLOC_GNUPLOT is empty: no plots"; exit 77; }
elif ! grep -q '^#define BLOC_GNUPLOT ' "$build/config.h" 2>/dev/null; then
  echo "SKIP: bloc has no gnuplot: no plots"
  exit 77
fi
cd "$tmp" || exit 1
cat >q.blo <<'EOF'
problem q
const k0 = 1
data H : matrix[4, 4] = [[4, 1, 0, 0.5], [1, 3, 0.2, 0], [0, 0.2, 2, 0.1], [0.5, 0, 0.1, 5]]
data B : matrix[4, 3] = [[1, 0.5, 0], [0, 1, -0.3], [0.2, 0, 1], [0.1, 0.1, 0.1]]
upper x : vector[3] = [0.3, -0.2, 0.7]
lower y : vector[4] = 0
upper objective f = 0.5 * sumsq(y - 1) + 0.05 * sumsq(x)
lower objective g = 0.5 * dot(y, H @ y) - dot(y, B @ x)
report ynorm2 = sumsq(y) / k0
solve aid_cg(outer_steps = 20, x_step = 0.5)
EOF
common="--methods aid_cg,soba --backend=interp --out-dir o"

"$bloc" compare q.blo $common --plot-format svg,png --quiet >1.out 2>1.err ||
  fail "first run: status $?: $(cat 1.err)"
for f in q_f q_hypergrad_norm q_ynorm2; do
  [ -s "o/$f.svg" ] && [ -s "o/$f.png" ] || fail "first run: no o/$f.svg or .png"
done
# not this compare's plots: a report of an earlier program, a user's file, a link
echo old >o/q_oldreport.svg
echo mine >o/q_notes.pdf
: >elsewhere.svg
ln -s ../elsewhere.svg o/q_link.svg

"$bloc" compare q.blo $common -D k0=0 >2.out 2>2.err || fail "second run: status $?: $(cat 2.err)"
for f in q_ynorm2.svg q_ynorm2.png q_f.png q_hypergrad_norm.png; do
  [ -e "o/$f" ] && fail "the first run's o/$f is left beside the second run's outputs"
done
[ -s o/q_f.svg ] && [ -s o/q_hypergrad_norm.svg ] || fail "the second run's plots are missing"
grep -q "; removed an earlier compare's plots not drawn now: o/q_f.png o/q_hypergrad_norm.png" \
  2.out || fail "the line of outputs does not name the plots removed: $(tail -1 2.out)"
grep -q "o/q_ynorm2.svg" 2.out || fail "the line of outputs does not name q_ynorm2.svg"
[ "$(cat o/q_oldreport.svg)" = old ] && [ "$(cat o/q_notes.pdf)" = mine ] && [ -L o/q_link.svg ] ||
  fail "a file that is none of this compare's plots was touched"
grep -q "^bloc compare: note: not plots of this compare, left as they are: o/q_link.svg \
o/q_notes.pdf o/q_oldreport.svg " 2.err || fail "no note of the files left: $(cat 2.err)"

# a third run drawing everything again removes nothing
"$bloc" compare q.blo $common --quiet >3.out 2>3.err || fail "third run: status $?: $(cat 3.err)"
grep -q "removed" 3.out && fail "the third run removed a plot: $(tail -1 3.out)"
[ -s o/q_ynorm2.svg ] || fail "the third run drew no q_ynorm2.svg"

[ $fails = 0 ] && echo "compare_stale_plots: ok"
exit $((fails > 0))
