#!/bin/sh
# big_literals.sh — list literals of 65,536 elements and more (make check). Generated here, not
# stored: a vector of N elements i % 10, a matrix of N rows [i % 10, 1] and a matrix of one row
# of N elements, for N = 65,536 (the first count past 16 bits) and 70,000. `bloc run` on the JIT
# and on the reference evaluator must report their exact sums and last elements, and emit-c
# must copy every element into the vector (its solver is not compiled: a C compiler takes
# minutes on 70,000 copies). IR nodes once kept their operand count in 16 bits: a literal's
# concatenation of N elements then had N mod 65,536 operands and read uninitialised memory.
. "$(dirname "$0")/prologue.sh"

# gen N FILE: the three literals of N elements and reports of their sums and last elements
gen() {
  awk -v n="$1" 'BEGIN {
    printf "data v = ["
    for (i = 0; i < n; i++) printf "%s%d", (i ? ", " : ""), i % 10
    print "]"
    printf "data M = ["
    for (i = 0; i < n; i++) printf "%s[%d, 1]", (i ? ", " : ""), i % 10
    print "]"
    printf "data R = [["
    for (i = 0; i < n; i++) printf "%s%d", (i ? ", " : ""), i % 10
    print "]]"
    print "upper x : vector[2] = 0"
    print "lower y : vector[2] = 0"
    print "upper objective f = sumsq(x - y) + dot(v[0:2], x)"
    print "lower objective g = sumsq(y - x)"
    print "report vsum = sum(v)"
    print "report vlast = v[" n - 1 "]"
    print "report msum = sum(M)"
    print "report mlast = M[" n - 1 ", 0]"
    print "report rsum = sum(R)"
    print "report rlast = R[0, " n - 1 "]"
    print "solve lancbio(outer_steps = 1)"
  }' >"$2"
}

# expect N: the reports of gen N, one a line, as bloc run prints them
expect() {
  awk -v n="$1" 'BEGIN {
    s = 0
    for (i = 0; i < n; i++) s += i % 10
    printf "  vsum = %d\n  vlast = %d\n", s, (n - 1) % 10
    printf "  msum = %d\n  mlast = %d\n", s + n, (n - 1) % 10
    printf "  rsum = %d\n  rlast = %d\n", s, (n - 1) % 10
  }'
}

for n in 65536 70000; do
  f=$tmp/list$n.blo
  gen $n "$f"
  expect $n >"$tmp/want$n"
  for be in jit interp; do
    if ! "$bloc" run --quiet --backend $be "$f" >"$tmp/out" 2>"$tmp/err"; then
      fail "$n elements, $be: bloc run failed: $(head -3 "$tmp/err")"
      continue
    fi
    grep -E '^  [vmr](sum|last) = ' "$tmp/out" >"$tmp/got"
    cmp -s "$tmp/want$n" "$tmp/got" ||
      fail "$n elements, $be: reports
$(cat "$tmp/got")
expected
$(cat "$tmp/want$n")"
  done
  # emit-c: the vector's concatenation copies its last element (into its own buffer)
  if ! "$bloc" emit-c "$f" -o "$tmp/list.c" 2>"$tmp/err"; then
    fail "$n elements: emit-c failed: $(head -3 "$tmp/err")"
  else
    grep -q "^  memcpy(m\[[0-9]*\] + $((n - 1)), m\[[0-9]*\], 1 \* sizeof(double));$" \
      "$tmp/list.c" || fail "$n elements: emit-c does not copy element $((n - 1))"
  fi
  rm -f "$tmp/list.c"
done

if [ $fails -gt 0 ]; then
  echo "big_literals: $fails failure(s)"
  exit 1
fi
echo "big_literals: ok"
