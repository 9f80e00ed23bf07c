#!/bin/sh
# set_alias_pair.sh — two --sets of an alias pair (itd's r and inner_steps) that disagree are
# an error naming both, whatever the solve line holds, in bloc run and in an emitted solver
# alike (doc/methods.md, "Common options"); one --set of either replaces the solve line's
# other name, and in bloc compare a --set for one entry replaces the --set for every method.
# bloc run used to drop --set r=7 for --set inner_steps=8 without a word when the solve line
# named r, and the emitted solver to refuse --set inner_steps=8 over the solve line's r = 20.
# Two settings of two options that break a rule together (lancbio's --set m0=50 --set
# m_max=10) are named both too, without the alias pair's hint, which both used to give.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1
CC=${CC:-cc}
cat >p.blo <<'EOF2'
upper x : scalar = 1
lower y : scalar = 1
upper objective f = (y - 2) ^ 2 + x ^ 2
lower objective g = 0.5 * (y - x) ^ 2
solve itd(r = 20, outer_steps = 2)
EOF2
both="--set r=7 and --set inner_steps=8: options 'inner_steps' = 8 and 'r' = 7 disagree"

"$bloc" run p.blo --quiet --set r=7 --set inner_steps=8 >/dev/null 2>err; rc=$?
if [ $rc = 1 ] && grep -qF -- "$both" err; then echo "ok: bloc run refuses r=7 with inner_steps=8"
else fail "bloc run --set r=7 --set inner_steps=8: exit $rc: $(head -2 err)"; fi

# grad_g calls: 2 outer steps of `inner` unrolled steps each
calls() { sed -n 's/.*"grad_g": \([0-9]*\).*/\1/p' "$1" | head -1; }
"$bloc" run p.blo --quiet --set inner_steps=8 --out r8.json >/dev/null 2>err ||
  fail "bloc run --set inner_steps=8: $(head -2 err)"
[ "$(calls r8.json)" = 16 ] && echo "ok: bloc run --set inner_steps=8 replaces r = 20" ||
  fail "bloc run --set inner_steps=8: grad_g calls $(calls r8.json), not 16"

"$bloc" compare p.blo --methods itd --set r=7 --set itd.inner_steps=8 --quiet -o c >out 2>err ||
  fail "bloc compare --set r=7 --set itd.inner_steps=8: $(head -2 err)"
awk '$1 == "itd" && $(NF-2) == 16 { ok = 1 } END { exit !ok }' out &&
  echo "ok: compare: --set itd.inner_steps=8 replaces --set r=7" ||
  fail "compare --set r=7 --set itd.inner_steps=8: not 16 grad_g calls: $(grep '^itd' out)"

"$bloc" emit-c p.blo -o p.c 2>err || { fail "bloc emit-c: $(head -2 err)"; exit 1; }
# shellcheck disable=SC2086
$CC -std=c99 -O0 ${SAN_FLAGS:-} p.c -o p -lm 2>err ||
  { fail "the solver does not compile: $(head -2 err)"; exit 1; }
./p --quiet --set r=7 --set inner_steps=8 >/dev/null 2>err; rc=$?
if [ $rc = 1 ] && grep -qF -- "$both" err; then echo "ok: the solver refuses r=7 with inner_steps=8"
else fail "solver --set r=7 --set inner_steps=8: exit $rc: $(head -2 err)"; fi
./p --quiet --set inner_steps=8 --out s8.json >/dev/null 2>err ||
  fail "solver --set inner_steps=8: $(head -2 err)"
[ "$(calls s8.json)" = 16 ] && echo "ok: the solver's --set inner_steps=8 replaces r = 20" ||
  fail "solver --set inner_steps=8: grad_g calls $(calls s8.json), not 16"

# m0 and m_max: two options, not one
cat >l.blo <<'EOF2'
upper x : scalar = 1
lower y : scalar = 1
upper objective f = (y - 2) ^ 2 + x ^ 2
lower objective g = 0.5 * (y - x) ^ 2
solve lancbio(outer_steps = 2)
EOF2
pair="--set m0=50 and --set m_max=10: option 'm0' = 50 exceeds 'm_max' = 10"
"$bloc" emit-c l.blo -o l.c 2>err || { fail "bloc emit-c l.blo: $(head -2 err)"; exit 1; }
# shellcheck disable=SC2086
$CC -std=c99 -O0 ${SAN_FLAGS:-} l.c -o l -lm 2>err ||
  { fail "l.c does not compile: $(head -2 err)"; exit 1; }
for who in bloc solver; do
  if [ $who = bloc ]; then "$bloc" run l.blo --quiet --set m0=50 --set m_max=10 >/dev/null 2>err
  else ./l --quiet --set m0=50 --set m_max=10 >/dev/null 2>err; fi
  rc=$?
  if [ $rc = 1 ] && grep -qF -- "$pair" err && ! grep -q 'name one option' err; then
    echo "ok: $who names --set m0=50 and --set m_max=10, with no alias hint"
  else fail "$who --set m0=50 --set m_max=10: exit $rc: $(cat err)"; fi
done
exit $((fails > 0))
