#!/bin/sh
# decay_options.sh — x_decay, the upper step's schedule, is an option of every method (until
# session 46 only of ufom, fom, itd, bsa, ttsa and f2sa: stocbio, amigo_gd, lancbio, exact...
# refused it, and on sample sets SGD with their constant step could not settle). For methods
# that gained it (exact, aid_cg, lancbio, stocbio, soba):
# - left unset it is 0 and written as such in the result JSON's options, and the trace is
#   byte-identical to one with --set x_decay=0 (the constant step of before, bit for bit);
# - --set x_decay=0.6 is accepted, changes the trace, is written in the JSON's options, and a
#   run with --set KEY=VALUE for each of those options gives the same trace again (time aside);
# - bloc compare --set x_decay=0.6 applies it to every method it runs;
# - the emitted solver (bloc emit-c --set x_decay=0.6, aid_cg with momentum) matches bloc run:
#   its JSON's options hold x_decay 0.6, and its final x is bloc run's within 1e-9.
. "$(dirname "$0")/prologue.sh"
quick_cc # the compiler of the emitted solver ($QCC)
cd "$tmp" || exit 1

cat >p.blo <<'EOF'
problem decay
const n = 12
const d = 4
data A : matrix[n, d] = normal(0, 1)
data b : vector[n] = normal(0, 1, n)
upper x : scalar = 0.5
lower y : vector[d] = 0
upper objective f = 0.5 * sumsq(y - 1) + 0.05 * x * x
lower objective g = 0.5 * sumsq(A @ y - b) + 0.5 * exp(x) * sumsq(y)
solve aid_cg(outer_steps = 40, x_step = 0.5, trace_every = 5)
EOF
# minibatches: stocbio, as the docs recommend on sample sets
cat >s.blo <<'EOF'
problem decay_sampled
const n = 40
const d = 4
data A : matrix[n, d] = normal(0, 1)
data b : vector[n] = normal(0, 1, n)
sample B : batch(4) of n
upper x : scalar = 0.5
lower y : vector[d] = 0
upper objective f = 0.5 * sumsq(y - 1) + 0.05 * x * x
lower objective g = 0.5 * mean((A[B, :] @ y - b[B]) ^ 2) + 0.5 * exp(x) * sumsq(y)
solve stocbio(outer_steps = 40, x_step = 0.2, trace_every = 5)
EOF

# run TAG CMD...: CMD --quiet --out TAG.json --trace TAG.csv; false (and a failure) when it fails
run() {
  tag=$1
  shift
  "$@" --quiet --out "$tag.json" --trace "$tag.csv" >/dev/null 2>"$tag.err" && return 0
  fail "$tag: status $?: $(head -3 "$tag.err")"
  return 1
}

for case in "exact p.blo" "aid_cg p.blo" "lancbio p.blo" "soba p.blo" "stocbio s.blo"; do
  set -- $case
  m=$1 f=$2
  run "$m.unset" "$bloc" run "$f" --method "$m" --set x_optimizer=momentum || continue
  run "$m.zero" "$bloc" run "$f" --method "$m" --set x_optimizer=momentum --set x_decay=0 ||
    continue
  run "$m" "$bloc" run "$f" --method "$m" --set x_optimizer=momentum --set x_decay=0.6 ||
    continue
  grep -q '^    "x_decay": 0,' "$m.unset.json" ||
    fail "$m: unset, options.x_decay is not 0: $(grep '"x_decay"' "$m.unset.json")"
  [ "$(notime "$m.unset.csv")" = "$(notime "$m.zero.csv")" ] ||
    fail "$m: unset and x_decay = 0 give different traces"
  grep -q '^    "x_decay": 0.6,' "$m.json" ||
    fail "$m: options.x_decay is not 0.6: $(grep '"x_decay"' "$m.json")"
  [ "$(notime "$m.csv")" != "$(notime "$m.zero.csv")" ] ||
    fail "$m: x_decay = 0.6 gives the trace of the constant step"
  # the JSON's options run the same again
  # shellcheck disable=SC2046 # one word a line: the values have no spaces
  (IFS='
'; "$bloc" run "$f" --method "$m" $(sets "$m.json") --quiet --out "$m.re.json" \
    --trace "$m.re.csv") >/dev/null 2>"$m.re.err" ||
    { fail "$m: again: status $?: $(head -3 "$m.re.err")"; continue; }
  [ "$(notime "$m.csv")" = "$(notime "$m.re.csv")" ] ||
    fail "$m: the JSON's options give another trace"
done

# bloc compare: --set x_decay applies to every method (f and phi in its summary differ from
# the constant step's, method by method)
for v in 0 0.6; do
  "$bloc" compare p.blo --methods exact,aid_cg,stocbio --set x_decay=$v -o "cmp$v" --quiet \
    >"cmp$v.out" 2>"cmp$v.err" || fail "compare x_decay=$v: status $?: $(head -3 "cmp$v.err")"
done
# (the summary's columns f and phi)
for m in exact aid_cg stocbio; do
  a=$(grep "^$m," cmp0_summary.csv 2>/dev/null | cut -d, -f6,8)
  b=$(grep "^$m," cmp0.6_summary.csv 2>/dev/null | cut -d, -f6,8)
  [ -n "$a" ] && [ "$a" != "$b" ] || fail "compare: --set x_decay=0.6 did not reach $m ($a, $b)"
done

# the emitted solver: x_decay from emit-c --set, as bloc run's
if "$bloc" emit-c p.blo --set x_decay=0.6 --set x_optimizer=momentum -o solver.c 2>emit.err &&
   "$QCC" -std=c99 -O0 solver.c -o solver -lm 2>cc.err; then
  if run emitted ./solver; then
    grep -q '^    "x_decay": 0.6,' emitted.json ||
      fail "emitted: options.x_decay is not 0.6: $(grep '"x_decay"' emitted.json)"
    sed -n '/^  "x": \[/s/.*\[\(.*\)\].*/\1/p' aid_cg.json | tr ',' '\n' >x.run
    sed -n '/^  "x": \[/s/.*\[\(.*\)\].*/\1/p' emitted.json | tr ',' '\n' >x.emit
    e=$(maxrel x.emit x.run)
    awk -v e="$e" 'BEGIN { exit !(e != "inf" && e + 0 <= 1e-9) }' ||
      fail "emitted: final x differs from bloc run's by $e (relative)"
    [ "$(cut -d, -f1 emitted.csv)" = "$(cut -d, -f1 aid_cg.csv)" ] ||
      fail "emitted: trace steps differ"
  fi
else
  fail "emit-c or cc failed: $(cat emit.err cc.err | head -3)"
fi

[ $fails = 0 ] && echo "decay_options: ok"
exit $((fails > 0))
