#!/bin/sh
# compare_local_lower.sh — bloc compare's yardstick where g has several minimisers in y
# (new-user pass s51 nuM, finding 3). On Rastrigin lower levels (SMD3, SMD4) every method and
# the yardstick settled on the lower minimiser near y0, and phi = -1.809 was marked best, below
# the bilevel optimum 0, with nothing saying that the measure is local. Here g = 0.5 (y - x)^2
# + 0.5 (1 - cos(2 pi y)) has a minimiser near every integer; y0 = x follows x, so at the final
# x (about 1.9) Newton from y0 reaches the minimiser near 2, while the runs' y, which tracked
# its own from y = 0 at x = 0, sits at the one near 1 (g 0.63 or 0.47 there against ~0). A line
# under the table says that g has several minimisers there and phi(x) is local to y0's.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1
cat >rast.blo <<'BLO'
problem rastrigin_lower
upper x = 0
lower y = x
upper objective f = (x - 2) ^ 2 + 0.1 * y ^ 2
lower objective g = 0.5 * (y - x) ^ 2 + 0.5 * (1 - cos(2 * 3.141592653589793 * y))
BLO
"$bloc" compare rast.blo --methods exact,bsa --quiet -o c >c.out 2>c.err ||
  fail "compare: status $? $(cat c.err)"
for m in exact bsa; do
  grep -q "^phi(x) of $m: g has several local minimisers in y at its x: Newton from its own y" \
    c.out || { fail "no line of several minimisers for $m"; cat c.out; }
done
grep -q "phi(x) is f at the one from y0, a local measure" c.out ||
  fail "the line does not say phi is local"

# a g with one minimiser in y: no such line (Newton from a lagging y reaches the same one)
cat >quad.blo <<'BLO'
problem one_lower
upper x = 0
lower y = 5
upper objective f = (x - 2) ^ 2 + 0.1 * y ^ 2
lower objective g = 0.5 * (y - x) ^ 2
BLO
"$bloc" compare quad.blo --methods exact,bsa,itd --quiet -o q >q.out 2>q.err ||
  fail "compare quad: status $? $(cat q.err)"
if grep -q "several local minimisers" q.out; then fail "a line on a convex g:"; cat q.out; fi

[ $fails = 0 ]
