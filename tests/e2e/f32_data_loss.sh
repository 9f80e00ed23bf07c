#!/bin/sh
# f32_data_loss.sh — precision f32 rounds the data stage's tensors to float; what that loses
# is said, not silent (doc/performance.md, "Single precision"). Data on a large offset
# (1e6 + 0.01) all rounded to 1e6: the run solved another problem (f = g = 0, x = 0 against
# f64's -2.46) with exit 0 and no word, by bloc run, bloc eval and an emitted solver alike.
# Nonzero values below the float range (1e-46) read as 0 while 1e39 was an error, a hoisted
# tensor the compiler derives (1e-50 * c of 1e-50 * dot(c, y)) too. Each is now a warning
# naming the tensor, the figures and the cure; centred data, or f64, have none.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1
CC=${CC:-cc}
quick_cc
printf '1000000.01\n999999.98\n1000000.005\n' >X.csv
printf '1000000.012\n999999.982\n1000000.001\n' >Z.csv
cat >shrink.blo <<'EOF2'
problem shrink
data X : vector[3] = load_csv("X.csv")
data Z : vector[3] = load_csv("Z.csv")
upper x : scalar = 0
lower y : vector[3] = 1e6
upper objective f = 0.5 * sumsq(y - Z)
lower objective g = 0.5 * sumsq(y - X) + 0.5 * exp(x) * sumsq(y - 1e6)
solve lancbio(outer_steps = 500, x_step = 2000, tol = 1e-9)
EOF2
# the same problem written in the centred data: nothing lost in float
cat >centred.blo <<'EOF2'
problem centred
data X0 : vector[3] = load_csv("X.csv")
data Z0 : vector[3] = load_csv("Z.csv")
data X = X0 - 1e6
data Z = Z0 - 1e6
upper x : scalar = 0
lower y : vector[3] = 0
upper objective f = 0.5 * sumsq(y - Z)
lower objective g = 0.5 * sumsq(y - X) + 0.5 * exp(x) * sumsq(y)
solve lancbio(outer_steps = 500, x_step = 2000, tol = 1e-9)
EOF2
offset="shrink.blo:2:1: warning: data 'X' sits on an offset: rounded to float (precision f32)"
cure="centre it in the data stage (data Xc = X - 1000000) and write the problem in Xc"

# has FILE TEXT WHAT: a failure unless FILE holds the line TEXT (fixed string)
has() { grep -qF -- "$2" "$1" || { fail "$3: no '$2' in:"; cat "$1"; }; }
hasnt() { ! grep -q -- "$2" "$1" || { fail "$3: '$2' in:"; cat "$1"; }; }

"$bloc" run shrink.blo --precision f32 --out run.json >run.out 2>run.err || fail "run: exit $?"
has run.err "$offset" "bloc run"
# in the result JSON too, with the cure: it held only the run's own warnings, and a script
# reading it saw a clean result of another problem
has run.json "\"shrink.blo:2:1: data 'X' sits on an offset: rounded to float (precision f32)" \
  "bloc run's result JSON"
has run.json "; the problem solved is not the one written: $cure" "bloc run's result JSON"
has run.err "$cure" "bloc run"
has run.err "shrink.blo:3:1: warning: data 'Z' sits on an offset" "bloc run"
"$bloc" run shrink.blo >run64.out 2>run64.err || fail "run f64: exit $?"
hasnt run64.err "offset" "bloc run at f64"
"$bloc" run centred.blo --precision f32 >c.out 2>c.err || fail "run centred: exit $?"
hasnt c.err "offset" "the centred data at f32"
"$bloc" eval shrink.blo --precision f32 >eval.json 2>eval.err || fail "eval: exit $?"
has eval.err "$offset" "bloc eval"

"$bloc" emit-c shrink.blo --precision f32 -o s.c 2>emit.err || fail "emit-c: exit $?"
if $QCC -std=c99 -O0 s.c -o s -lm 2>cc.err; then
  ./s --out s.json >s.out 2>s.err || fail "the solver: exit $?"
  has s.json "\"data 'X' sits on an offset: rounded to float (precision f32)" \
    "the emitted solver's result JSON"
  has s.json "; the problem solved is not the one written: $cure" \
    "the emitted solver's result JSON"
  has s.err "./s: warning: data 'X' sits on an offset: rounded to float (precision f32)" \
    "the emitted solver"
  has s.err "./s: hint: the problem solved is not the one written: $cure" "the emitted solver"
  ./s --quiet >s.out 2>sq.err || fail "the solver --quiet: exit $?"
  hasnt sq.err "offset" "the emitted solver with --quiet"
else
  fail "the solver does not compile: $(head -3 cc.err)"
fi

# below the range of float: declared data, and a tensor derived from it
printf '1e-46\n2e-46\n3e-40\n1e-39\n' >tiny.csv
cat >sub.blo <<'EOF2'
problem sub
data c : vector[4] = load_csv("tiny.csv")
upper x : scalar = 0
lower y : vector[4] = 0
upper objective f = 0.5 * sumsq(y - 1)
lower objective g = 0.5 * sumsq(y) - x * dot(c, y)
solve exact(outer_steps = 2)
EOF2
"$bloc" run sub.blo --precision f32 >sub.out 2>sub.err || fail "sub: exit $?"
has sub.err "sub.blo:2:1: warning: data 'c' holds 4 nonzero values below the range of float \
(1.18e-38), which read as 0 or a subnormal at precision f32: the first, 1e-46 at element [0]" \
  "tiny data"
printf '1\n2\n3\n4\n' >ones.csv
cat >uf.blo <<'EOF2'
problem uf
data c : vector[4] = load_csv("ones.csv")
upper x : vector[4] = 0
lower y : vector[4] = 0
upper objective f = 0.5 * sumsq(y - 1) + 0.5 * sumsq(x)
lower objective g = 0.5 * sumsq(y) - dot(y, x) + 1e-50 * dot(c, y)
solve exact(outer_steps = 2)
EOF2
"$bloc" run uf.blo --precision f32 >uf.out 2>uf.err || fail "uf: exit $?"
has uf.err "uf.blo:6:50: warning: a tensor the compiler computes from the data in \
1e-50 * dot(c, y) of the lower objective holds 4 nonzero values below the range of float" \
  "a derived tensor below the float range"
hasnt uf.err "offset" "a derived tensor below the float range"
exit $((fails > 0))
