#!/bin/sh
# rerun_options.sh — the result JSON's "options" run the same again: for every method whose eta
# follows y_step (subbio, amigo_gd, soba, stocbio, bsa, ttsa, hjfbio, stable), a run with
# y_step = auto, then `bloc run` again with --set KEY=VALUE for each option of its JSON, gives
# a byte-identical trace (time column aside), and so does the emitted solver (bloc emit-c) fed
# its own JSON's options. Until session 45 options.eta held the last y_step = auto estimate as a
# number, an eta of the user's own: the run from it fixed eta from the start and took another
# trajectory (hyper-cleaning with stocbio: f 0.559397, again 0.561720). It is now the word
# y_step, as options.y_step stays "auto" (doc/methods.md, "y_step = auto"). And -D given twice
# appears once in the JSON's defines, with its last value.
. "$(dirname "$0")/prologue.sh"
quick_cc # the compiler of the emitted solver ($QCC)
cd "$tmp" || exit 1

# the lower Hessian A'A + exp(x) I moves with x, so every estimate of L gives another eta
cat >p.blo <<'EOF'
problem rerun
const n = 12
const d = 4
data A : matrix[n, d] = normal(0, 1)
data b : vector[n] = normal(0, 1, n)
upper x : scalar = 0.5
lower y : vector[d] = 0
upper objective f = 0.5 * sumsq(y - 1) + 0.05 * x * x
lower objective g = 0.5 * sumsq(A @ y - b) + 0.5 * exp(x) * sumsq(y)
solve soba(outer_steps = 40, x_step = 0.5, trace_every = 5, ystep_every = 5)
EOF
# one draw of 4 rows a step: L is the largest over the draws so far
cat >s.blo <<'EOF'
problem rerun_sampled
const n = 40
const d = 4
data A : matrix[n, d] = normal(0, 1)
data b : vector[n] = normal(0, 1, n)
sample B : batch(4) of n
upper x : scalar = 0.5
lower y : vector[d] = 0
upper objective f = 0.5 * sumsq(y - 1) + 0.05 * x * x
lower objective g = 0.5 * mean((A[B, :] @ y - b[B]) ^ 2) + 0.5 * exp(x) * sumsq(y)
solve stocbio(outer_steps = 40, x_step = 0.2, trace_every = 5, ystep_every = 5)
EOF

# rerun TAG CMD...: CMD with --out TAG.json --trace TAG.csv, then again with the JSON's options
rerun() {
  tag=$1
  shift
  "$@" --quiet --out "$tag.json" --trace "$tag.csv" >/dev/null 2>"$tag.err" ||
    { fail "$tag: status $?: $(head -3 "$tag.err")"; return; }
  grep -q '^    "eta": "y_step"' "$tag.json" ||
    fail "$tag: options.eta is not the word y_step: $(grep '^    "eta"' "$tag.json")"
  # the estimates moved: eta followed more than one value (else the test shows nothing)
  grep -Eq '"estimates": ([2-9]|[1-9][0-9]+)' "$tag.json" || fail "$tag: one estimate of L only"
  # shellcheck disable=SC2046 # one word a line: the values have no spaces
  (IFS='
'; "$@" $(sets "$tag.json") --quiet --out "$tag.re.json" --trace "$tag.re.csv") \
    >/dev/null 2>"$tag.re.err" || { fail "$tag: again: status $?: $(head -3 "$tag.re.err")"
                                    return; }
  if [ "$(notime "$tag.csv")" != "$(notime "$tag.re.csv")" ]; then
    fail "$tag: the JSON's options give another trace:"
    diff "$tag.csv" "$tag.re.csv" | head -6
  fi
  grep -q '"options"' "$tag.re.json" &&
    [ "$(sed -n '/"options"/,/^  }/p' "$tag.json")" = \
      "$(sed -n '/"options"/,/^  }/p' "$tag.re.json")" ] ||
    fail "$tag: the options written again differ"
}

for m in subbio amigo_gd soba stocbio bsa ttsa hjfbio stable; do
  rerun "$m" "$bloc" run p.blo --method "$m" --seed 3
done
rerun sampled "$bloc" run s.blo --seed 2

# -D given twice: the JSON's defines hold the name once, with the value used (the last); they
# held both ("x0": 1, "x0": 2), and a reader that keeps the first would run another problem
sed 's/^upper x : scalar = 0.5$/const x0 = 0.5\nupper x : scalar = x0/' p.blo >d.blo
"$bloc" run d.blo -D x0=1 -D d=4 -D x0=0.25 --set outer_steps=0 --quiet --out d.json >/dev/null \
  2>d.err || fail "-D twice: status $?: $(cat d.err)"
grep -q '"defines": {"d": 4, "x0": 0.25}' d.json ||
  fail "-D twice: the defines are not the last values, once: $(grep -o '"defines": {[^}]*}' d.json)"
grep -q '^  "x": \[0.25\]' d.json || fail "-D twice: x0 is not the last value"

# the emitted solver writes the same options and runs the same from them
if "$bloc" emit-c p.blo -o solver.c 2>emit.err && "$QCC" -std=c99 -O0 solver.c -o solver -lm \
   2>cc.err; then
  rerun emitted ./solver
else
  fail "emit-c or cc failed: $(cat emit.err cc.err | head -3)"
fi

[ $fails = 0 ] && echo "rerun_options: ok"
exit $((fails > 0))
