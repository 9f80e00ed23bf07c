#!/bin/sh
# api_example.sh — the example of doc/api.md: the copy in the doc is examples/api/ridge.c,
# and the program (built by make check) compiles its problem, binds its data from memory,
# solves it to the end and lowers the validation loss on the way, to the optimum: lam* =
# -7.4255 (exp(lam*) = 0.000596, validation loss 0.044912, a scalar minimisation of the
# closed-form loss). With plain steps of 0.5 the example stopped at exp(lam) = 0.0132.
set -u
top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${top_builddir:-$top}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
awk '/<!-- api_example/ { on = 1; next }
     on && /^```c$/ { copy = 1; next }
     copy && /^```$/ { exit }
     copy { print }' "$top/doc/api.md" > "$tmp/doc.c"
if cmp -s "$tmp/doc.c" "$top/examples/api/ridge.c"; then
  echo "ok: doc/api.md shows examples/api/ridge.c as it is"
else
  echo "FAIL: the example in doc/api.md differs from examples/api/ridge.c:"
  diff "$top/examples/api/ridge.c" "$tmp/doc.c" | head -20
  fail=1
fi
if "$build/examples/api/ridge" > "$tmp/out" 2> "$tmp/err"; then
  echo "ok: examples/api/ridge runs"
else
  echo "FAIL: examples/api/ridge exits with $?:"
  cat "$tmp/err"
  fail=1
fi
cat "$tmp/out"
# what the doc says it prints is examples/api/ridge.out (make installcheck compares the
# installed build's output with it), and so is this run's
awk '/^It prints/ { on = 1; next } on && /^```$/ { if (copy) exit; copy = 1; next }
     copy { print }' "$top/doc/api.md" > "$tmp/doc.out"
if cmp -s "$tmp/doc.out" "$top/examples/api/ridge.out" &&
  cmp -s "$tmp/out" "$top/examples/api/ridge.out"; then
  echo "ok: doc/api.md shows examples/api/ridge.out, which this run printed"
else
  echo "FAIL: doc/api.md's output, examples/api/ridge.out and this run's output differ:"
  diff "$top/examples/api/ridge.out" "$tmp/doc.out" | head -10
  diff "$top/examples/api/ridge.out" "$tmp/out" | head -10
  fail=1
fi
if grep -q '^outer_steps after 300 steps: penalty exp(lam) = ' "$tmp/out"; then
  echo "ok: the solve ran its 300 steps"
else
  echo "FAIL: no final line 'outer_steps after 300 steps: ...'"
  fail=1
fi
first=$(awk '/^step/ { print $5; exit }' "$tmp/out")
last=$(awk '/^step/ { v = $5 } END { print v }' "$tmp/out")
if [ -n "$first" ] && awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < a) }'; then
  echo "ok: validation loss $first -> $last"
else
  echo "FAIL: the validation loss did not go down ($first -> $last)"
  fail=1
fi
pen=$(sed -n 's/^outer_steps after 300 steps: penalty exp(lam) = \([^,]*\),.*/\1/p' "$tmp/out")
if [ -n "$pen" ] && awk -v p="$pen" -v f="$last" \
  'BEGIN { exit !(p > 0.00054 && p < 0.00066 && f < 0.044913) }'; then
  echo "ok: at the optimum: penalty $pen (0.000596), validation loss $last (0.044912)"
else
  echo "FAIL: not at the optimum: penalty ${pen:-?} (want 0.000596 within 10%)," \
    "validation loss $last (want 0.044912)"
  fail=1
fi
exit $fail
