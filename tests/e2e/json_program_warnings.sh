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
# more warnings before the run than the result's half of the table (12): the last entry says
# how many more there were (30 kinks gave 12 entries and no word of the other 18)
{
  echo "problem many"
  echo "upper x : scalar = 0"
  echo "lower y : vector[30] = 1"
  echo "upper objective f = 0.5 * sumsq(y - 1)"
  printf 'lower objective g = 0.5 * exp(x) * sumsq(y)'
  i=0
  while [ $i -lt 30 ]; do
    printf ' +\n  abs(y[%d] - 2)' $i
    i=$((i + 1))
  done
  echo
  echo "solve itd(outer_steps = 2)"
} >many.blo
"$bloc" run many.blo --out m.json >m.out 2>m.err || fail "many: exit $?"
[ "$(grep -c "warning: 'abs' is not twice differentiable" m.err)" = 30 ] ||
  fail "many: not 30 kinks on stderr: $(grep -c abs m.err)"
[ "$(grep -c "many.blo:[0-9]*:[0-9]*: 'abs' is not twice" m.json)" = 11 ] ||
  fail "many: not 11 kinks in the JSON: $(grep -c abs m.json)"
grep -qF '"text": "19 more warnings before the run, on stderr: the result keeps 11 of them"' \
  m.json || { fail "many: no count of the rest:"; cat m.json; }
exit $((fails > 0))
