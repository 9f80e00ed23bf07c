#!/bin/sh
# json_program_warnings.sh — the result JSON's warnings hold the compiler's and the data
# stage's, not only the run's: a hinge loss in g ('relu' is not twice differentiable) was
# said on stderr and missing from the JSON, where a script checking its warnings saw a clean
# result. It is there once, its location first, beside the run's own.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1
cat >hinge.blo <<'EOF2'
problem hinge
upper x : scalar = 0
lower y : vector[2] = 0
upper objective f = 0.5 * sumsq(y - 1)
lower objective g = sum(relu(1 - y)) + 0.5 * exp(x) * sumsq(y)
solve itd(outer_steps = 20, r = 20)
EOF2
kink="hinge.blo:5:25: 'relu' is not twice differentiable: the lower objective needs second"
"$bloc" run hinge.blo --out r.json >r.out 2>r.err || fail "run: exit $?"
grep -qF "warning: 'relu' is not twice differentiable" r.err || fail "no warning on stderr"
n=$(grep -cF "\"text\": \"$kink" r.json)
[ "$n" = 1 ] || { fail "the kink is $n times in the result JSON:"; cat r.json; }
grep -q '"count": 1}' r.json || fail "no count in the JSON's warnings"
exit $((fails > 0))
