#!/bin/sh
# emit_exact_nonfinite.sh — exact on a lower Hessian of inf (y ^ 1.5 at y0 = 0, g and grad_y g
# finite): Newton stops at the first non-finite oracle output, the step fails naming it, and
# the emitted solver says and does what bloc run does. Newton went on for its 100 steps (about
# 700 oracle calls) after the failure was kept; the error after the recovery named "oracle call
# 710"; and the emitted solver (its portable LAPACK) stopped at once blaming a Hessian "not
# positive definite", with two warnings, where bloc run recovered.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1
CC=${CC:-cc}
quick_cc
cat >p.blo <<'EOF2'
problem inf_hessian
upper x = 1
lower y : vector[5] = 0
upper objective f = 0.5 * sumsq(y - x)
lower objective g = 0.5 * sumsq(y - x) + sum(y ^ 1.5)
solve exact(outer_steps = 10)
EOF2
"$bloc" emit-c p.blo -o p.c 2>err || { fail "bloc emit-c: $(head -2 err)"; exit 1; }
# shellcheck disable=SC2086
$QCC -std=c99 -O0 ${SAN_FLAGS:-} p.c -o p -lm 2>err ||
  { fail "the solver does not compile: $(head -2 err)"; exit 1; }

# stderr without the progress lines and the program's names; stdout without the time
"$bloc" run p.blo >b_out 2>b_err
rb=$?
./p >s_out 2>s_err
rs=$?
for w in b s; do
  # (bloc run's error line names the program, p.blo: the solver's own name stands for it)
  grep -v ': step [0-9]*/[0-9]* ' ${w}_err | sed 's/^[^:]*: //; s/^error: p\.blo: /error: /' \
    >${w}_msg
  sed 's/ in [0-9.e+-]* s$//' ${w}_out >${w}_sum
done
[ $rb = 2 ] || fail "bloc run: status $rb, not 2: $(cat b_err)"
[ $rs = 2 ] || fail "./p: status $rs, not 2: $(cat s_err)"
want='numerical failure at outer step 2: the hvp oracle returned a non-finite Hessian-vector'
want="$want product (oracle call 8); going back to step 0"
grep -q "^error: $want" b_msg || fail "bloc run: not '$want': $(cat b_msg)"
grep -q 'oracle calls: grad_g 2 hvp 10$' b_sum ||
  fail "bloc run: Newton went on after the failure: $(grep 'oracle calls' b_sum)"
if cmp -s b_msg s_msg && cmp -s b_sum s_sum; then
  echo "ok: the solver as bloc run: $(tail -1 s_msg | cut -c1-100)"
else
  fail "the solver differs from bloc run: $(diff b_msg s_msg; diff b_sum s_sum)"
fi
exit $((fails > 0))
