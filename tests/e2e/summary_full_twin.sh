#!/bin/sh
# summary_full_twin.sh — the run summary's word on `bloc eval --what phi` for a sampled
# program is true: phi over all the data on the program itself where eval measures it there,
# else on the twin the run's note names (a batch(1) set, f32 data). A batch(1) program's
# summary said "bloc eval --what phi gives phi over all the data", which eval refuses for it
# (doc/language.md §9b; new-user pass D, session 47). The emitted solver's summary is bloc
# run's (the same runtime).
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1
CC=${CC:-cc}
quick_cc
cat >b1.blo <<'BLO'
problem b1
const T = 4
data A : matrix[6, 3] = normal(0, 1)
data Y : matrix[T, 6] = normal(0, 1)
sample t : batch(1) of T
upper p : vector[T] = 0
lower w : vector[3] = 0
upper objective f = 0.5 * sumsq(A @ w - Y[0, :]) + 0.001 * sumsq(p)
lower objective g = exp(p[t]) * 0.5 * sumsq(A @ w - Y[t, :]) + 0.01 * sumsq(w)
solve stocbio(outer_steps = 20, x_step = 0.1)
BLO
cat >b5.blo <<'BLO'
problem b5
data A : matrix[20, 3] = normal(0, 1)
data b : vector[20] = uniform(-1, 1)
sample B : batch(5) of 20
upper x : vector[3] = 0
lower y : vector[3] = 0
upper objective f = 0.5 * sumsq(A @ y - b) + 0.01 * sumsq(x)
lower objective g = 0.5 * sumsq(A[B, :] @ y) / 5 + 0.5 * sumsq(y) - dot(x, y)
solve stocbio(outer_steps = 10, x_step = 0.1)
BLO
all='bloc eval --what phi gives phi over all the data'
twin="$all on a twin of the program written over all the rows (a batch(1) set drops a \
dimension that batch(N) keeps))"
whole="$all on the program with its sample sets whole, batch(N) of N (-D on the batch \
constant))"

# summary NAME FILE WANT: the summary's parenthesis in FILE (a run's stdout) ends with WANT
summary() {
  line=$(grep '^  (minibatch values:' "$2")
  case $line in
    *"; $3") echo "ok: $1" ;;
    *) fail "$1: the summary says: ${line:-nothing}" ;;
  esac
}

# batch(1): eval refuses phi on the program, and the summary sends the user to the twin, as the
# note does (with the end-of-run check, which asks for the full variant, and without it: a run
# from --init-x has none)
"$bloc" run b1.blo --quiet >out.txt 2>err.txt || fail "b1: status $?: $(head -2 err.txt)"
summary "batch(1): the twin" out.txt "$twin"
printf '0\n0\n0\n0\n' >p0.csv
"$bloc" run b1.blo --init-x p0.csv >out.txt 2>err.txt ||
  fail "b1 from --init-x: status $?: $(head -2 err.txt)"
grep -q 'nothing checked the final x' err.txt && fail "b1 from --init-x: the check ran"
summary "batch(1) without the end-of-run check: the twin" out.txt "$twin"
"$bloc" eval b1.blo --what phi >/dev/null 2>err.txt &&
  fail "b1: eval computed phi, which the summary says it cannot"
# f32 data: eval refuses too; the program with its sets whole, as the note says
"$bloc" run b5.blo --quiet --precision f32 >out.txt 2>err.txt ||
  fail "b5 f32: status $?: $(head -2 err.txt)"
summary "f32: the sets whole" out.txt "$whole"
"$bloc" eval b5.blo --what phi --precision f32 >/dev/null 2>err.txt &&
  fail "b5 f32: eval computed phi, which the summary says it cannot"
# batch(5) at f64: eval measures phi on the program itself, as the summary says
"$bloc" run b5.blo --quiet >out.txt 2>err.txt || fail "b5: status $?: $(head -2 err.txt)"
summary "batch(5): the program itself" out.txt "$all)"
"$bloc" eval b5.blo --what phi >/dev/null 2>err.txt || fail "b5: eval: $(head -2 err.txt)"

# the emitted solver (no full variant to ask for): the same words
"$bloc" emit-c b1.blo --embed-data -o b1.c 2>err.txt || fail "emit-c: $(head -2 err.txt)"
# shellcheck disable=SC2086
if $QCC -std=c99 -O0 ${SAN_FLAGS:-} b1.c -o b1 -lm 2>err.txt; then
  ./b1 --quiet >out.txt 2>err.txt || fail "./b1: status $?: $(head -2 err.txt)"
  summary "the emitted solver, batch(1): the twin" out.txt "$twin"
else
  fail "the solver does not compile: $(head -2 err.txt)"
fi

exit $((fails > 0))
