#!/bin/sh
# jit_limit.sh — huge objectives end to end (make check; issue 13, finding 9). Generated here,
# not stored: a flat sum of 10^5 terms checks within a bounded C stack (ulimit -s 8192) and
# time; a 10^4-term problem, whose largest kernel is past the JIT's size limit, runs it
# on the reference evaluator with a note, in bounded time, with the evaluator's results
# and the closed-form f, and emit-c writes it with a note; and on a smaller problem the
# evaluator fallback (every kernel, via BLOC_JIT_MAX_SIZE=1) gives the JIT's values
# (BLOC_JIT_MAX_SIZE=0: no limit).
. "$(dirname "$0")/prologue.sh"
unset BLOC_JIT_MAX_SIZE

# gen N FILE: N distinct terms c_i * (y[a] - d_i * x[b])^2 (nothing merges); writes the value
# of f at the initial point (x = 0.5, y = 0), summed here from the printed constants, to FILE.f
gen() {
  awk -v n="$1" -v m=20 -v fout="$2.f" 'BEGIN {
    print "problem big" n
    print "upper x : vector[" m "] = 0.5"
    print "lower y : vector[" m "] = 0"
    f = 0
    for (i = 0; i < n; i++) {
      c = sprintf("%.4g", 1 + (i % 97) / 97); d = sprintf("%.4g", 1 + i / n)
      t = c " * (y[" i % m "] - " d " * x[" (i * 7 + 3) % m "])^2"
      print (i ? "  + " : "upper objective f = ") t
      f += c * d * d / 4
    }
    print "lower objective g = 0.5 * sumsq(y - x) + 0.01 * sumsq(y)"
    printf "solve exact(outer_steps = 3, x_step = %g)\n", 0.1 / n
    printf "%.17g\n", f >fout
  }' >"$2"
}

# the "f": value of bloc eval's JSON
json_f() { sed -n 's/^ *"f": \([^,]*\),*$/\1/p' "$1"; }

# close A B TOL: |A - B| <= TOL * max(1, |B|)
close() {
  awk -v a="$1" -v b="$2" -v tol="$3" 'BEGIN {
    d = a - b; if (d < 0) d = -d; s = b < 0 ? -b : b; if (s < 1) s = 1
    exit !(a != "" && d <= tol * s)
  }'
}

# ---- 10^5 terms: parsed (rebalanced), checked, within the default 8 MB stack and in seconds
gen 100000 "$tmp/b5.blo"
if ! (ulimit -s 8192 && timeout 60 "$bloc" check "$tmp/b5.blo") >"$tmp/b5.out" 2>"$tmp/b5.err"; then
  fail "check of 10^5 terms:"
  head -5 "$tmp/b5.err"
fi
grep -q '^upper objective f: depends on x, y$' "$tmp/b5.out" ||
  fail "check of 10^5 terms: no summary"

# ---- 10^4 terms: grad_f past the limit, on the evaluator; the others compiled (exact's steps
# never call f alone, so that kernel is not compiled: f comes from grad_f)
gen 10000 "$tmp/b4.blo"
if ! (ulimit -s 8192 && timeout 120 "$bloc" run "$tmp/b4.blo") >"$tmp/b4.out" 2>"$tmp/b4.err"; then
  fail "run of 10^4 terms:"
  head -5 "$tmp/b4.err"
fi
for k in grad_f; do
  note="^bloc: note: kernel '$k' is too large to compile (size [0-9]*, limit 50000): "
  note="${note}it runs on the reference evaluator, more slowly$"
  grep -q "$note" "$tmp/b4.err" || fail "10^4 terms: no note for kernel '$k'"
done
grep -q "^hint: BLOC_JIT_MAX_SIZE=0 compiles every kernel anyway" "$tmp/b4.err" ||
  fail "10^4 terms: no hint"
[ "$(grep -c 'is too large' "$tmp/b4.err")" = 1 ] ||
  fail "10^4 terms: only grad_f is too large:
$(cat "$tmp/b4.err")"
timeout 120 "$bloc" run --backend=interp "$tmp/b4.blo" >"$tmp/b4i.out" 2>/dev/null
grep -A2 '^big10000:' "$tmp/b4.out" | sed 's/ in [0-9.e+-]* s$//' >"$tmp/b4.sum"
grep -A2 '^big10000:' "$tmp/b4i.out" | sed 's/ in [0-9.e+-]* s$//' >"$tmp/b4i.sum"
[ -s "$tmp/b4.sum" ] && cmp -s "$tmp/b4.sum" "$tmp/b4i.sum" ||
  fail "10^4 terms: the run differs from --backend=interp:" \
    "$(cat "$tmp/b4.sum") / $(cat "$tmp/b4i.sum")"
timeout 120 "$bloc" eval --what f "$tmp/b4.blo" >"$tmp/b4e.json" 2>/dev/null
close "$(json_f "$tmp/b4e.json")" "$(cat "$tmp/b4.blo.f")" 1e-12 ||
  fail "10^4 terms: f = $(json_f "$tmp/b4e.json"), expected $(cat "$tmp/b4.blo.f")"

# emit-c writes such kernels too (valid C), with a note that C compilers take long on them
if ! timeout 120 "$bloc" emit-c "$tmp/b4.blo" -o "$tmp/b4.c" 2>"$tmp/b4c.err"; then
  fail "emit-c of 10^4 terms: $(head -3 "$tmp/b4c.err")"
fi
for k in grad_f; do
  note="^bloc emit-c: note: kernel '$k' is very large (size [0-9]*; the JIT compiles up to 50000): "
  note="${note}C compilers may take many minutes on it at -O2; -O0 is much faster$"
  grep -q "$note" "$tmp/b4c.err" || fail "emit-c of 10^4 terms: no note for kernel '$k'"
done
grep -q '^static void blo_k_grad_f(' "$tmp/b4.c" || fail "emit-c of 10^4 terms: no grad_f kernel"
rm -f "$tmp/b4.c"

# ---- 300 terms: every kernel on the evaluator against every kernel compiled
gen 300 "$tmp/b2.blo"
BLOC_JIT_MAX_SIZE=0 "$bloc" eval --what all "$tmp/b2.blo" >"$tmp/jit.json" 2>"$tmp/jit.err" ||
  fail "300 terms, JIT: $(cat "$tmp/jit.err")"
grep -q 'too large' "$tmp/jit.err" && fail "300 terms: BLOC_JIT_MAX_SIZE=0 still falls back"
BLOC_JIT_MAX_SIZE=1 "$bloc" eval --what all "$tmp/b2.blo" >"$tmp/ev.json" 2>"$tmp/ev.err" ||
  fail "300 terms, evaluator: $(cat "$tmp/ev.err")"
grep -q "kernel 'hvp_yy' is too large" "$tmp/ev.err" ||
  fail "300 terms: BLOC_JIT_MAX_SIZE=1 compiles"
# every number of the two JSON documents, in order, within 1e-12 (kernels may round differently)
tr -s '[],{}: ' '\n' <"$tmp/jit.json" | grep -E '^-?[0-9]' >"$tmp/jit.num"
tr -s '[],{}: ' '\n' <"$tmp/ev.json" | grep -E '^-?[0-9]' >"$tmp/ev.num"
if [ "$(wc -l <"$tmp/jit.num")" -lt 40 ] ||
  [ "$(wc -l <"$tmp/jit.num")" != "$(wc -l <"$tmp/ev.num")" ]; then
  fail "300 terms: the JSON documents differ in shape"
elif ! paste "$tmp/jit.num" "$tmp/ev.num" | awk '{
    d = $1 - $2; if (d < 0) d = -d; s = $2 < 0 ? -$2 : $2; if (s < 1) s = 1
    if (d > 1e-12 * s) { print "  " NR ": " $1 " vs " $2; bad = 1 } } END { exit bad }'; then
  fail "300 terms: the evaluator's values differ from the JIT's"
fi
close "$(json_f "$tmp/ev.json")" "$(cat "$tmp/b2.blo.f")" 1e-12 || fail "300 terms: wrong f"

if [ $fails -gt 0 ]; then
  echo "jit_limit: $fails failure(s)"
  exit 1
fi
echo "jit_limit: ok"
