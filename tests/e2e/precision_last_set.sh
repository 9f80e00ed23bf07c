#!/bin/sh
# precision_last_set.sh — of several --set precision=..., the last counts on bloc run and bloc
# emit-c, as for every other key and as bloc compare already took it. run and emit-c compiled
# with the last one and then refused the first ("the problem's data were prepared in f64"),
# exit 1. --precision against a different --set stays an error (two precisions asked for).
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1
cat >p.blo <<'EOF2'
problem p
data c : vector[3] = uniform(1, 2)
upper x : vector[3] = 0
lower y : vector[3] = 0
upper objective f = 0.5 * sumsq(y - c) + 0.5 * sumsq(x)
lower objective g = 0.5 * sumsq(y - x)
solve exact(outer_steps = 2)
EOF2
for last in f64 f32; do
  first=$([ $last = f64 ] && echo f32 || echo f64)
  "$bloc" run p.blo --quiet --set precision=$first --set precision=$last --out r.json \
    >/dev/null 2>run.err || fail "run, $first then $last: exit $?: $(head -2 run.err)"
  grep -q "\"precision\": \"$last\"" r.json || fail "run, $first then $last: not $last"
  "$bloc" emit-c p.blo --set precision=$first --set precision=$last -o s.c 2>emit.err ||
    fail "emit-c, $first then $last: exit $?: $(head -2 emit.err)"
  want=$([ $last = f32 ] && echo 1 || echo 0)
  grep -q "_PRECISION_F32 $want\$" s.c ||
    fail "emit-c, $first then $last: the solver is not $last: $(grep -m1 PRECISION_F32 s.c)"
done
"$bloc" run p.blo --quiet --precision f64 --set precision=f32 >/dev/null 2>both.err &&
  fail "--precision f64 --set precision=f32 accepted"
grep -q "disagree" both.err || fail "--precision against --set: $(head -1 both.err)"
exit $((fails > 0))
