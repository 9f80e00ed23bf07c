#!/bin/sh
# The bloc command runs OpenBLAS on one thread for a problem whose every kernel is small (under
# 1e6 flops a call): OpenBLAS splits even a 200 x 200 symmetric product (dsymv) over its
# threads, and a small problem ran up to five times slower than with OPENBLAS_NUM_THREADS=1
# (doc/performance.md, "Small problems"). Its x is then the one-thread run's, bit for bit,
# where it differed in the last bits; a thread count in the environment is obeyed.
. "$(dirname "$0")/prologue.sh"
if [ "$(nproc 2>/dev/null || echo 1)" -lt 2 ]; then
  echo "skip: one CPU, OpenBLAS has one thread anyway"
  exit 77
fi
unset OPENBLAS_NUM_THREADS GOTO_NUM_THREADS OMP_NUM_THREADS
cd "$tmp" || exit 1
cat >small.blo <<'BLO'
problem small
const n = 200
data G : matrix[n, n] = random_spd(n, 1, 10)
upper x : vector[n] = 1
lower y : vector[n] = 0
upper objective f = 0.5 * sumsq(y - 1) + 0.5 * sumsq(x)
lower objective g = 0.5 * dot(y, G @ y) - dot(x, y)
solve aid_cg(outer_steps = 300, x_step = 0.01, y_step = 0.05)
BLO
"$bloc" run small.blo --quiet --save-x default.x >/dev/null 2>err || fail "default: $(cat err)"
OPENBLAS_NUM_THREADS=1 "$bloc" run small.blo --quiet --save-x one.x >/dev/null 2>err ||
  fail "one thread: $(cat err)"
cmp -s default.x one.x || fail "the default run's x is not the one-thread run's"
# (without the rule the default run is the two-thread one, which differs here)
OPENBLAS_NUM_THREADS=2 "$bloc" run small.blo --quiet --save-x two.x >/dev/null 2>err ||
  fail "two threads: $(cat err)"
cmp -s two.x one.x && echo "note: one and two OpenBLAS threads gave the same x here"
exit $((fails > 0))
