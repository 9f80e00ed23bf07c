#!/bin/sh
# api_example.sh — the example of doc/api.md: the copy in the doc is examples/api/ridge.c,
# and the program (built by make check) compiles its problem, binds its data from memory,
# solves it to the end and lowers the validation loss on the way.
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
exit $fail
