#!/bin/sh
# compare_labels.sh — one method at two settings in bloc compare (doc/compare.md, "Labels"):
# --methods lancbio,small=lancbio --set small.x_step=0.1 runs lancbio twice, the second under the
# name small with its own x_step. Every output names the entry by its label: the table's rows,
# the CSV's blocks, the summary, the plots' legends, the progress lines. Before labels a method
# could be listed once only ("method 'lancbio' is listed twice"; 'small=lancbio' was an unknown
# method), so the most common comparison, one method at two step sizes, took two compares.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1

cat >q.blo <<'EOF'
problem q
data H : matrix[4, 4] = [[4, 1, 0, 0.5], [1, 3, 0.2, 0], [0, 0.2, 2, 0.1], [0.5, 0, 0.1, 5]]
data B : matrix[4, 3] = [[1, 0.5, 0], [0, 1, -0.3], [0.2, 0, 1], [0.1, 0.1, 0.1]]
data t : vector[4] = [1, 2, -1, 0.5]
upper x : vector[3] = [0.3, -0.2, 0.7]
lower y : vector[4] = 0
upper objective f = 0.5 * sumsq(y - t) + 0.05 * sumsq(x)
lower objective g = 0.5 * dot(y, H @ y) - dot(y, B @ x)
report ynorm = sumsq(y)
solve lancbio(outer_steps = 30, x_step = 0.5, trace_every = 5)
EOF

mkdir o a p
"$bloc" compare q.blo --backend=interp --methods lancbio,small=lancbio,aid_cg \
  --set small.x_step=0.1 -o o/q >out 2>err
st=$?
[ $st = 0 ] || fail "status $st, not 0: $(head -3 err)"
sanitizers err

# the table: one row per entry, by label; the two lancbio runs differ
for m in lancbio small aid_cg; do
  [ -n "$(cell out "$m" steps)" ] || fail "no table row '$m': $(cat out)"
done
p1=$(cell out lancbio 'phi(x)') p2=$(cell out small 'phi(x)')
[ -n "$p1" ] && [ "$p1" != "$p2" ] || fail "lancbio and small have the same phi ($p1, $p2)"
grep -qx 'labels: small is lancbio (--set small.x_step=0.1)' out ||
  fail "no line naming small's method and setting: $(cat out)"

# the CSV: one contiguous block per entry, in order, labelled; small's is lancbio's trace at
# x_step = 0.1 (the same as a compare of lancbio alone with that setting), not the first's
blocks=$(sed 1d o/q.csv | cut -d, -f1 | uniq | tr '\n' ' ')
[ "$blocks" = "lancbio small aid_cg " ] || fail "CSV blocks '$blocks'"
"$bloc" compare q.blo --backend=interp --methods lancbio --set lancbio.x_step=0.1 --quiet \
  -o a/q >/dev/null 2>a.err || fail "lancbio alone at x_step=0.1 failed: $(head -3 a.err)"
notime() { awk -F, -v m="$2" 'NR > 1 && $1 == m { $3 = ""; $1 = ""; print }' "$1"; }
notime o/q.csv small >small.rows
notime a/q.csv lancbio >alone.rows
notime o/q.csv lancbio >first.rows
[ -s small.rows ] && cmp -s small.rows alone.rows ||
  fail "small's block is not lancbio's trace at x_step 0.1: $(diff small.rows alone.rows | head)"
cmp -s small.rows first.rows && fail "small's block equals the first lancbio's"

# the summary: the same header as before labels, rows by label
[ "$(head -1 o/q_summary.csv)" = "$(head -1 a/q_summary.csv)" ] ||
  fail "summary header changed: $(head -1 o/q_summary.csv)"
[ "$(sed 1d o/q_summary.csv | cut -d, -f1 | tr '\n' ' ')" = "lancbio small aid_cg " ] ||
  fail "summary rows: $(cut -d, -f1 o/q_summary.csv | tr '\n' ' ')"

# the gnuplot script: small's lines select its rows, with its legend; its style names the method
grep -q "sel('small', 'f')) with linespoints lt 2 .* title 'small'" o/q.gp ||
  fail "no plot line of small in the script: $(grep -n small o/q.gp | head -3)"
grep -q "lt 1 .* title 'lancbio'" o/q.gp || fail "no plot line of lancbio in the script"
grep -q "^set linetype 2 .*  # small: lancbio$" o/q.gp || fail "small's style does not name lancbio"
if [ -f o/q_f.svg ]; then
  grep -q '<text>small</text>' o/q_f.svg || fail "no legend 'small' in q_f.svg"
fi

# stderr: the progress of each entry under its label
grep -q '^small: step 30/30 ' err || fail "no progress line of small: $(head -5 err)"
[ "$(grep -c '^lancbio: step 30/30 ' err)" = 1 ] || fail "lancbio's progress twice: $(cat err)"

# the error of a rule between options names the entry's setting: small's inner_steps = 3
# (soba's must be 1); a plain --set that breaks it for small hints at small's own
"$bloc" compare q.blo --backend=interp --quiet --methods lancbio,small=soba \
  --set small.inner_steps=3 -o p/q >out2 2>err2
st=$?
[ $st = 1 ] || fail "soba's refused setting under a label: status $st, not 1"
grep -q "^bloc compare: error: --set small.inner_steps=3: option 'inner_steps' = 3" err2 ||
  fail "rule error of a labelled entry: $(cat err2)"
"$bloc" compare q.blo --backend=interp --quiet --methods lancbio,small=soba \
  --set inner_steps=3 -o p/q >out2 2>err2
st=$?
[ $st = 1 ] || fail "soba's refused plain setting under a label: status $st, not 1"
grep -q "^bloc compare: error: --set inner_steps=3: option 'inner_steps' = 3" err2 &&
  grep -q '^hint: --set small.KEY=VALUE sets an option of that entry alone' err2 ||
  fail "rule error of a labelled entry from a plain --set: $(cat err2)"

# LABEL=METHOD with the method's own name is the plain entry: the same CSV, time aside
"$bloc" compare q.blo --backend=interp --quiet --methods lancbio=lancbio,aid_cg -o p/r \
  >/dev/null 2>&1 || fail "lancbio=lancbio failed"
"$bloc" compare q.blo --backend=interp --quiet --methods lancbio,aid_cg -o p/s \
  >/dev/null 2>&1 || fail "lancbio,aid_cg failed"
cut -d, -f1,2,4- p/r.csv >r.cut
cut -d, -f1,2,4- p/s.csv >s.cut
cmp -s r.cut s.cut || fail "lancbio=lancbio differs from lancbio: $(diff r.cut s.cut | head -3)"

[ $fails = 0 ] || exit 1
echo "compare_labels: ok"
