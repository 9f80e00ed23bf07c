#!/bin/sh
# constrained_start.sh — the start of a run whose initial x lies outside its constraints
# (doc/language.md §3a, doc/methods.md "Constrained upper variables"): x0 is projected, and a
# lower initialiser that uses x (y0 = Phi(x)) starts from Phi(P(x0)), the lower point of the
# x the run starts from, for every method; an explicit --init-y is kept as given. bloc eval
# evaluates at that start by default.
# Before the fix y0 was Phi(x0) of the unprojected x0: `lower y = log(s)` with `upper s = 0
# >= 0.5` started from log(0) = -inf and every implicit method stopped at once with status 2.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1

cat >log.blo <<'BLO'
problem log_start
upper s : vector[2] = 0 >= 0.5
lower y : vector[2] = log(s)
upper objective f = 0.5 * sumsq(y - 1) + 0.1 * sum(s)
lower objective g = 0.5 * sumsq(y - log(s))
solve aid_cg(outer_steps = 5, inner_steps = 1, y_step = 0.5)
BLO
# y = 10 x starts at 10 P(x0) = (10, 0); one inner step y - 0.5 (y - 2x) at x = (1, 0) leaves
# (6, 0); from the unprojected Phi(x0) = (50, -30) it left (26, -15)
cat >lin.blo <<'BLO'
problem lin_start
upper x : vector[2] = [5, -3] in [0, 1]
lower y : vector[2] = 10 * x
upper objective f = 0.5 * sumsq(y - 1)
lower objective g = 0.5 * sumsq(y - 2 * x)
solve aid_cg(outer_steps = 0, inner_steps = 1, y_step = 0.5)
BLO

for m in lancbio subbio aid_cg amigo_gd soba stocbio bsa ttsa f2sa hjfbio stable exact itd \
  ufom fom; do
  "$bloc" run log.blo --method "$m" --quiet >out.txt 2>err.txt
  st=$?
  [ $st -eq 0 ] || fail "$m: a start at log(P(s0)) is finite, yet status $st: $(cat err.txt)"
done

# the saved y of a run of 0 steps: the start, after the method's setup (soba takes no lower
# step before its first outer step; aid_cg takes its inner step for the trace point)
"$bloc" run lin.blo --method soba --quiet --save-y y.csv >/dev/null 2>err.txt ||
  fail "soba, 0 steps: $(cat err.txt)"
[ "$(tr '\n' ' ' <y.csv)" = "10 0 " ] || fail "soba, 0 steps: y0 $(tr '\n' ' ' <y.csv), not 10 0"
"$bloc" run lin.blo --quiet --save-y y.csv >/dev/null 2>err.txt || fail "aid_cg: $(cat err.txt)"
[ "$(tr '\n' ' ' <y.csv)" = "6 0 " ] || fail "aid_cg, 0 steps: y $(tr '\n' ' ' <y.csv), not 6 0"

# --init-x outside the box: y0 follows its projection; --init-y given: y0 is that
printf '2\n0.5\n' >x0.csv
printf '7\n8\n' >y0.csv
"$bloc" run lin.blo --method soba --quiet --init-x x0.csv --save-y y.csv >/dev/null 2>err.txt
[ "$(tr '\n' ' ' <y.csv)" = "10 5 " ] || fail "--init-x: y0 $(tr '\n' ' ' <y.csv), not 10 5"
"$bloc" run lin.blo --method soba --quiet --init-x x0.csv --init-y y0.csv --save-y y.csv \
  >/dev/null 2>err.txt
[ "$(tr '\n' ' ' <y.csv)" = "7 8 " ] || fail "--init-y: y0 $(tr '\n' ' ' <y.csv), not 7 8"

# bloc eval evaluates at that start by default, with the run's warning word for word: f and g
# of the run's first trace point (soba: no lower step before it). It evaluated at x0 itself.
"$bloc" run lin.blo --method soba --trace trace.csv >/dev/null 2>run_err.txt ||
  fail "soba, 0 steps, trace: $(cat run_err.txt)"
"$bloc" eval lin.blo --what f,g >eval.json 2>eval_err.txt || fail "eval: $(cat eval_err.txt)"
run_fg=$(awk -F, 'NR == 2 { print $3, $4 }' trace.csv)
eval_fg=$(sed -n 's/^  "[fg]": \(.*\),*$/\1/p' eval.json | tr -d , | tr '\n' ' ')
[ "$eval_fg" = "$run_fg " ] || fail "eval: f g = $eval_fg, the run's start $run_fg"
run_warn=$(sed -n 's/^bloc: warning: \(.* outside its constraint:.*\)/\1/p' run_err.txt)
eval_warn=$(sed -n 's/^bloc eval: warning: //p' eval_err.txt)
[ -n "$run_warn" ] && [ "$eval_warn" = "$run_warn" ] ||
  fail "eval's warning '$eval_warn', not the run's '$run_warn'"

# bloc compare starts every method there too
"$bloc" compare log.blo --methods aid_cg,soba,f2sa --quiet -o cmp >out.txt 2>err.txt ||
  fail "compare: status $?: $(cat err.txt)"

# the emitted solver carries the same run loop: it starts there too and agrees with bloc run
if command -v "${CC:-cc}" >/dev/null 2>&1; then
  "$bloc" emit-c log.blo -o log.c || fail "emit-c"
  # -O0: the fastest build of the emitted file (its runtime is 1.3 MB of C); the run is tiny
  if "${CC:-cc}" -std=c99 -O0 log.c -o log_solver -lm 2>cc_err; then
    ./log_solver --quiet --save-x emitted.csv >/dev/null 2>err.txt ||
      fail "emitted solver: status $?: $(cat err.txt)"
    "$bloc" run log.blo --quiet --save-x run.csv >/dev/null 2>&1
    cmp -s emitted.csv run.csv || fail "emitted solver: x differs from bloc run's"
  else
    fail "the emitted solver does not compile: $(head -3 cc_err)"
  fi
else
  echo "SKIP: emitted solver (no C compiler)"
fi

exit $((fails > 0))
