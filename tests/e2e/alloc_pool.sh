#!/bin/sh
# alloc_pool.sh — every method with every x optimiser sets up and runs a small problem: the
# solver's table of allocations (RT_MAX_ALLOCS) was outgrown once, and exact with momentum
# failed "out of memory setting up the run", status 3, on a machine with memory to spare.
. "$(dirname "$0")/prologue.sh"
cat >"$tmp/q.blo" <<'BLO'
problem alloc_pool
data A : matrix[3, 3] = [[2, 0.5, 0], [0.5, 1, 0.2], [0, 0.2, 1.5]]
upper x : vector[2] = [0.5, -0.5]
lower y : vector[3] = 0
upper objective f = sumsq(y - 1) + 0.1 * sumsq(x)
lower objective g = 0.5 * dot(y, A @ y) - x[0] * y[0] - x[1] * y[2]
BLO
# the methods, as the error for a program without a solve line lists them
methods=$("$bloc" run "$tmp/q.blo" 2>&1 |
  sed -n 's/.*(one of: \([a-z0-9_, ]*\)).*/\1/p' | tr ',' ' ')
[ "$(echo $methods | wc -w)" -ge 15 ] || fail "the methods: '$methods'"
for m in $methods; do
  for opt in sgd momentum adam; do
    "$bloc" run "$tmp/q.blo" --method "$m" --set outer_steps=3 --set x_optimizer=$opt \
      --set x_step=0.01 --quiet >/dev/null 2>"$tmp/err"
    st=$?
    [ $st = 0 ] || [ $st = 2 ] || fail "$m, $opt: status $st: $(cat "$tmp/err")"
    grep -q "out of memory" "$tmp/err" && fail "$m, $opt: $(cat "$tmp/err")"
  done
done
exit $((fails > 0))
