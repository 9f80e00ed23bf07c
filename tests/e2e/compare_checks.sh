#!/bin/sh
# compare_checks.sh — what bloc compare says about each method beyond its numbers, found by a
# new user comparing methods (doc/compare.md):
# - the end-of-run warnings of bloc run, per method: compare turned off the whole end-of-run
#   check, so ufom's random estimate (|d| 0.54 where its unrolled problem's gradient is 20% of
#   the start's) and the unrolled methods' y far from y*(x) went without a word; the table
#   now counts each run's warnings.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1
sanitizers() {
  if grep -q 'Sanitizer\|runtime error' "$1"; then fail "sanitizer report in $1:"; cat "$1"; fi
}
# cell FILE METHOD HEADER: the table cell of METHOD under HEADER (as in compare_rank.sh)
cell() {
  awk -F '  +' -v m="$2" -v h="$3" '
    /^method / { for (i = 1; i <= NF; i++) { sub(/ +$/, "", $i); col[$i] = i }; next }
    $1 == m && (h in col) { v = $(col[h]); sub(/ +$/, "", v); print v; exit }' "$1"
}
cp "$src/tests/e2e/compare.blo" q.blo

# ---- the end-of-run warnings: ufom and itd with r = 2 inner steps, 20 outer steps
"$bloc" compare q.blo --methods ufom,itd,lancbio --set outer_steps=20 --set r=2 \
  --backend=interp -o w >w.out 2>w.err
st=$?
sanitizers w.err
[ $st = 0 ] || fail "compare exited with $st: $(cat w.err)"
grep -q "^bloc compare: ufom: warning: the run ended where the exact |gradient| of the unrolled" \
  w.err || fail "no random-estimate warning for ufom: $(cat w.err)"
for m in ufom itd; do
  grep -q "^bloc compare: $m: warning: the run's r inner steps end far from y\*(x)" w.err ||
    fail "no unrolled-lag warning for $m: $(cat w.err)"
  [ "$(cell w.out $m warnings)" = 2 ] || fail "$m's warnings cell: $(cat w.out)"
done
grep -q '^warnings: how many the run gave' w.out || fail "no warnings legend: $(cat w.out)"
head -1 w_summary.csv | grep -q ',warnings$' || fail "summary header: $(head -1 w_summary.csv)"
grep -q '^ufom,.*,2$' w_summary.csv || fail "ufom's summary warnings: $(cat w_summary.csv)"
# none warned: no column
"$bloc" compare q.blo --methods lancbio,aid_cg --set outer_steps=100 --backend=interp --quiet \
  -o n >n.out 2>n.err || fail "compare without warnings failed: $(cat n.err)"
grep -q 'warnings' n.out && fail "a warnings column where no run warned: $(cat n.out)"

[ $fails = 0 ]
