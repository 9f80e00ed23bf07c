#!/bin/sh
# emit_seed.sh — an emitted solver takes `--set seed=N` as bloc run does (doc/language.md §9b:
# it seeds both the data stage's generators and the method's draws, as --seed N does), and
# refuses a --seed and a --set seed that disagree with bloc run's message. The solver used to
# keep the data drawn at generation with --set seed=N (only the method was seeded, and the
# result JSON said "seed": N all the same) and to run --seed 3 --set seed=4 with seed 3.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1
CC=${CC:-cc}
quick_cc
cat >p.blo <<'EOF'
data A : matrix[20, 3] = normal(0, 1)
data b : vector[20] = uniform(-1, 1)
sample B : batch(5) of 20
upper x : vector[3] = 0
lower y : vector[3] = 0
upper objective f = 0.5 * sumsq(A @ y - b) + 0.01 * sumsq(x)
lower objective g = 0.5 * sumsq(A[B, :] @ y) / 5 + 0.5 * sumsq(y) - dot(x, y)
solve stocbio(outer_steps = 10, x_step = 0.1)
EOF
"$bloc" emit-c p.blo -o p.c 2>err || { fail "bloc emit-c: $(head -2 err)"; exit 1; }
# shellcheck disable=SC2086
$QCC -std=c99 -O0 ${SAN_FLAGS:-} p.c -o p -lm 2>err ||
  { fail "the solver does not compile: $(head -2 err)"; exit 1; }

# same TAG A B: the saved vectors A and B agree to 1e-9 (the kernels' sums differ from the JIT's
# in the last bits)
same() {
  r=$(maxrel "$2" "$3")
  if [ "$(awk -v r="$r" 'BEGIN { print (r <= 1e-9) }')" = 1 ]; then echo "ok: $1 (within $r)"
  else fail "$1: differs by $r: $(tr '\n' ' ' <"$2") against $(tr '\n' ' ' <"$3")"; fi
}

# bloc run: the default seed, --seed 4 and --set seed=4 (the same run), and seed 4 gives
# other data and draws than the default, so the comparisons below can tell them apart
"$bloc" run p.blo --quiet --save-x b1 >/dev/null 2>err || fail "bloc run: $(head -2 err)"
"$bloc" run p.blo --quiet --seed 4 --save-x b4 >/dev/null 2>err ||
  fail "bloc run --seed 4: $(head -2 err)"
"$bloc" run p.blo --quiet --set seed=4 --save-x b4s --out b4s.json >/dev/null 2>err ||
  fail "bloc run --set seed=4: $(head -2 err)"
same "bloc run: --set seed=4 is --seed 4" b4s b4
[ "$(maxrel b4 b1)" = 0 ] && fail "bloc run: seed 4 gives the default seed's x"

./p --quiet --save-x s1 >/dev/null 2>err || fail "./p: $(head -2 err)"
same "solver: the default seed, as bloc run" s1 b1
./p --quiet --seed 4 --save-x s4 >/dev/null 2>err || fail "./p --seed 4: $(head -2 err)"
same "solver: --seed 4, as bloc run" s4 b4
./p --quiet --set seed=4 --save-x s4s --out s4s.json >/dev/null 2>err ||
  fail "./p --set seed=4: $(head -2 err)"
same "solver: --set seed=4, as bloc run --set seed=4 (data and draws)" s4s b4s
for j in b4s.json s4s.json; do
  grep -q '^  "seed": 4,$' $j || fail "$j: the result's seed is not 4: $(grep '"seed"' $j)"
done
# the same seed twice is one seed; the last --set seed counts, as in bloc run
./p --quiet --seed 4 --set seed=4 --save-x s44 >/dev/null 2>err ||
  fail "./p --seed 4 --set seed=4: $(head -2 err)"
same "solver: --seed 4 --set seed=4" s44 b4
./p --quiet --set seed=7 --set seed=4 --save-x s74 >/dev/null 2>err ||
  fail "./p --set seed=7 --set seed=4: $(head -2 err)"
same "solver: --set seed=7 --set seed=4 is seed 4" s74 b4

# two seeds that disagree: refused, with bloc run's message, status 1
"$bloc" run p.blo --quiet --seed 3 --set seed=4 >/dev/null 2>b_err
rb=$?
./p --quiet --seed 3 --set seed=4 >/dev/null 2>s_err
rs=$?
msg='--seed 3 and --set seed=4 disagree: give one seed'
[ $rb = 1 ] && grep -q -- "^bloc: error: $msg$" b_err ||
  fail "bloc run --seed 3 --set seed=4: status $rb: $(head -1 b_err)"
if [ $rs = 1 ] && grep -q -- "^\./p: error: $msg$" s_err; then
  echo "ok: solver: $(head -1 s_err)"
else
  fail "./p --seed 3 --set seed=4: status $rs, not 1 with '$msg': $(head -1 s_err)"
fi
exit $((fails > 0))
