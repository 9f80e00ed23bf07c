#!/bin/sh
# emit_inflection.sh — exact on g = (x - y^3)^2 from y0 = 0.5, y*(x) = cbrt(x): Newton creeps
# to the inflection y = 0 (grad_y g and the Hessian 0, g = x^2) and, taking it for a
# degenerate minimiser, ended at x = -0.505 with f = 0.25 where x* = -0.125 and phi* = 0. The
# probe of a degenerate stationary point (rt_exact.c) leaves it; the emitted solver shares it
# and reaches x* as bloc run does, with the same messages.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1
CC=${CC:-cc}
quick_cc
cat >p.blo <<'EOF2'
problem cube
upper x = -0.5
lower y = 0.5
upper objective f = (y + 0.5) ^ 2
lower objective g = (x - y ^ 3) ^ 2
solve exact(x_step = 0.2, outer_steps = 200)
EOF2
"$bloc" emit-c p.blo -o p.c 2>err || { fail "bloc emit-c: $(head -2 err)"; exit 1; }
# shellcheck disable=SC2086
$QCC -std=c99 -O0 ${SAN_FLAGS:-} p.c -o p -lm 2>err ||
  { fail "the solver does not compile: $(head -2 err)"; exit 1; }
"$bloc" run p.blo --save-x b.x >b_out 2>b_err
rb=$?
./p --save-x s.x >s_out 2>s_err
rs=$?
sanitizers s_err
for w in b s; do
  grep -v ': step [0-9]*/[0-9]* ' ${w}_err | sed 's/^[^:]*: //' >${w}_msg
  # the f line (the residual's last digits differ with the portable LAPACK)
  grep ' f = ' ${w}_out >${w}_sum
  awk '{ if ($1 + 0.125 > 1e-6 || $1 + 0.125 < -1e-6) bad = 1 } END { exit bad }' ${w}.x ||
    fail "$w: x = $(cat ${w}.x), not x* = -0.125"
done
[ $rb = 0 ] || fail "bloc run: status $rb: $(cat b_err)"
[ $rs = 0 ] || fail "./p: status $rs: $(cat s_err)"
[ -s b_msg ] && fail "bloc run warned: $(cat b_msg)"
if cmp -s b_msg s_msg && cmp -s b_sum s_sum; then
  echo "ok: the solver as bloc run: $(cat s_sum)"
else
  fail "the solver differs from bloc run: $(diff b_msg s_msg; diff b_sum s_sum)"
fi
exit $((fails > 0))
