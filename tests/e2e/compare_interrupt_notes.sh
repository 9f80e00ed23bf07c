#!/bin/sh
# compare_interrupt_notes.sh — the notes under an interrupted bloc compare's table are true
# (doc/compare.md). Stopped (SIGTERM, as Ctrl-C) while its second method runs, the reports' note
# said that "every method's" y was checked within 1e-6 of y*(x), over the method interrupted
# and the one never run; on a problem that samples its data, where no y can be checked, too;
# the phi line there said "the method was interrupted", not that the problem samples its data
# (and, since sampled programs have a full variant, the reverse where one does);
# and the warnings column showed 0 for a method that never ran.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1
mkdir t
TMPDIR=$tmp/t
export TMPDIR

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
solve aid_cg(outer_steps = 100, x_step = 0.5)
EOF
cat >s.blo <<'EOF'
problem s
const n = 40
data A : matrix[n, 4] = normal(0, 1)
data b : vector[n] = normal(0, 1, n)
sample B : batch(4) of n
upper x : scalar = 0.5
lower y : vector[4] = 0
upper objective f = 0.5 * sumsq(y - 1) + 0.05 * x * x
lower objective g = 0.5 * mean((A[B, :] @ y - b[B]) ^ 2) + 0.5 * exp(x) * sumsq(y)
report ynorm = sumsq(y)
solve stocbio(outer_steps = 40, x_step = 0.2)
EOF

# stopped FILE METHOD ARGS...: bloc compare FILE ARGS... stopped by SIGTERM once METHOD's trace
# has rows (up to 60 s), its table in FILE.out; fails unless the status is 143
stopped() {
  name=$1 m=$2
  shift 2
  "$bloc" compare "$name.blo" "$@" --set trace_every=1000 --quiet --out-dir "o_$name" \
    >"$name.out" 2>"$name.err" &
  pid=$!
  i=0
  until [ -s "$(ls t/bloc-compare-*/.[0-9]*-"$m".csv.* 2>/dev/null | head -1)" ]; do
    i=$((i + 1))
    [ $i -lt 600 ] || { fail "$name: $m did not start within 60 s"; break; }
    sleep 0.1
  done
  kill -TERM $pid
  wait $pid
  st=$?
  [ $st = 143 ] || fail "$name: status $st, not 143: $(head -3 "$name.err")"
}

# exact finishes (and warns: meta_batch has no effect), aid_cg is stopped, soba never runs
stopped q aid_cg --methods exact,aid_cg,soba --set exact.outer_steps=10 \
  --set exact.meta_batch=2 --set aid_cg.outer_steps=100000000
rule=$(grep '^reports:' q.out)
case $rule in
*"every method's is"*) fail "q: the note says every method's y was checked: $rule" ;;
esac
case $rule in
*"every finished method's is; not finished, so not marked: aid_cg (interrupted), soba (not run)")
  ;;
*) fail "q: the note does not name the methods that did not finish: $rule" ;;
esac
[ "$(cell q.out exact warnings)" = 1 ] || fail "q: exact's warnings: $(cell q.out exact warnings)"
[ "$(cell q.out soba warnings)" = - ] ||
  fail "q: soba, not run, shows warnings '$(cell q.out soba warnings)', not -"
[ "$(cell q.out aid_cg warnings)" = 0 ] ||
  fail "q: aid_cg's warnings: $(cell q.out aid_cg warnings)"
grep -q '^phi(x) of aid_cg not computed: the method was interrupted$' q.out ||
  fail "q: no phi line for aid_cg: $(grep '^phi' q.out)"

# sampled data with a full variant (every sample set whole), which gives phi when the runs
# finish: stopped, the reason is the interrupt (it said "the problem samples its data")
stopped s aid_cg --methods aid_cg,stocbio,soba --set outer_steps=100000000
grep -q '^reports: .*; no method finished: not marked$' s.out ||
  fail "s: the reports' note: $(grep '^reports:' s.out)"
grep -q '^phi(x) = f(x, y\*(x)) not computed: the method was interrupted$' s.out ||
  fail "s: the phi line does not give the reason: $(grep '^phi' s.out)"
! grep -q 'samples its data' o_s/s_summary.csv ||
  fail "s: the summary's phi_note: $(cat o_s/s_summary.csv)"
# a batch(1) set has no full variant (it drops a dimension the whole population keeps): no
# yardstick, whether or not a method was interrupted
sed -e 's/batch(4)/batch(1)/' \
  -e 's/mean((A\[B, :\] @ y - b\[B\]) ^ 2)/(dot(A[B, :], y) - b[B]) ^ 2/' s.blo >s1.blo
stopped s1 aid_cg --methods aid_cg,stocbio,soba --set outer_steps=100000000
grep -q '^reports: .*without the yardstick no y is checked: not marked$' s1.out ||
  fail "s1: the reports' note: $(grep '^reports:' s1.out)"
grep -q '^phi(x) = f(x, y\*(x)) not computed: the problem samples its data' s1.out ||
  fail "s1: the phi line does not give the reason: $(grep '^phi' s1.out)"
grep -q 'samples its data' o_s1/s_summary.csv ||
  fail "s1: the summary's phi_note: $(cat o_s1/s_summary.csv)"

[ $fails = 0 ] && echo "compare_interrupt_notes: ok"
exit $((fails > 0))
