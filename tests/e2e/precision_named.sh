#!/bin/sh
# precision_named.sh — which precision ran is said where a user compares runs, not only in the
# result JSON's options: bloc run's and an emitted solver's summary ("... stopped (...) after N
# outer steps in T s (precision f32)"), bloc eval's JSON ("precision": "f32"), bloc compare's
# table (a line under it) and summary CSV (a last column, precision, on every row). Only at
# f32 in the summary, the table and eval's JSON, whose f64 output is as it was.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1
CC=${CC:-cc}
cat >p.blo <<'EOF2'
problem p
data c : vector[3] = uniform(1, 2)
upper x : vector[3] = 0
lower y : vector[3] = 0
upper objective f = 0.5 * sumsq(y - c) + 0.5 * sumsq(x)
lower objective g = 0.5 * sumsq(y - x)
solve exact(outer_steps = 2)
EOF2
stopped='^p: exact stopped (outer_steps) after 2 outer steps in [0-9.e+-]* s'
"$bloc" run p.blo --quiet --precision f32 >r32.out 2>&1 || fail "run f32: exit $?"
grep -q "$stopped (precision f32)\$" r32.out || fail "run f32's summary: $(head -1 r32.out)"
"$bloc" run p.blo --quiet >r64.out 2>&1 || fail "run f64: exit $?"
grep -q "$stopped\$" r64.out || fail "run f64's summary: $(head -1 r64.out)"
"$bloc" eval p.blo --precision f32 >e32.json 2>/dev/null || fail "eval f32: exit $?"
grep -q '^  "precision": "f32",$' e32.json || fail "eval f32's JSON: $(head -7 e32.json)"
"$bloc" eval p.blo >e64.json 2>/dev/null || fail "eval f64: exit $?"
grep -q 'precision' e64.json && fail "eval f64's JSON names a precision: $(head -7 e64.json)"
"$bloc" emit-c p.blo --precision f32 -o s.c 2>/dev/null || fail "emit-c: exit $?"
if $CC -std=c99 -O0 s.c -o s -lm 2>cc.err; then
  ./s --quiet >s.out 2>&1 || fail "the solver: exit $?"
  grep -q "$stopped (precision f32)\$" s.out || fail "the solver's summary: $(head -1 s.out)"
else
  fail "the solver does not compile: $(head -3 cc.err)"
fi
for prec in f32 f64; do
  mkdir -p $prec
  "$bloc" compare p.blo --methods exact,aid_cg --set precision=$prec --quiet -o $prec/c \
    >c$prec.out 2>c$prec.err || fail "compare $prec: exit $?: $(head -2 c$prec.err)"
  head -1 $prec/c_summary.csv | grep -q ',y_lag,precision$' ||
    fail "compare $prec's summary header: $(head -1 $prec/c_summary.csv)"
  [ "$(tail -n +2 $prec/c_summary.csv | grep -c ",$prec\$")" = 2 ] ||
    fail "compare $prec's summary rows: $(cat $prec/c_summary.csv)"
done
grep -q '^precision f32: every method ran on the data rounded to float' cf32.out ||
  fail "compare f32's table: $(cat cf32.out)"
grep -q '^precision' cf64.out && fail "compare f64's table names a precision: $(cat cf64.out)"
exit $((fails > 0))
