#!/bin/sh
# trace_nonfinite.sh — a trace point, or the final point, whose f or g is not finite is a
# numerical failure of the run (doc/methods.md "Numerical failure"). itd whose one step took
# y below 0, where f = log(y) is NaN, ended with status 0, f = nan, no warning and that x
# saved, and its trace said "-nan"; aid_cg and exact at f = log(0) = -inf the same. On a
# sampled problem whose task 1 has no support points (its masks sum to 0: 0/0), the failure
# named no task; it now names the draw (t = 1), so that the bad one of 1000 tasks is found.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1

cat >n.blo <<'BLO'
upper x : scalar = 1
lower y : scalar = x
upper objective f = log(y)
lower objective g = 0.5 * (y - 2) ^ 2
solve itd(outer_steps = 1, r = 1, inner_lr = 0.1, x_step = 2, trace_every = 1)
BLO
cat >n2.blo <<'BLO'
upper x : scalar = 1
lower y : scalar = 1
upper objective f = log(y)
lower objective g = 0.5 * (y - x) ^ 2
solve aid_cg(outer_steps = 1, x_step = 2, y_step = 0.5, inner_steps = 1, trace_every = 1)
BLO

# on_divergence = stop: status 2 in the exit and the JSON, the start (the best trace point)
# saved, and the trace's NaN printed as "nan"
"$bloc" run n.blo --set on_divergence=stop --trace tr.csv --out r.json --save-x x.csv \
  >out.txt 2>err.txt
st=$?
[ "$st" -eq 2 ] || fail "itd, stop: status $st"
grep -q 'error: .*numerical failure at outer step 1: f is not finite at its trace point (f = nan' \
  err.txt || fail "itd, stop: message: $(cat err.txt)"
grep -q '"status": 2,' r.json || fail "itd, stop: JSON $(grep '"status"' r.json)"
grep -q '"saved": "best",' r.json || fail "itd, stop: JSON $(grep '"saved"' r.json)"
[ "$(cat x.csv)" = 1 ] || fail "itd, stop: saved x '$(cat x.csv)', not the start's 1"
grep -q '^1,[^,]*,nan,' tr.csv || fail "itd, stop: the trace row: $(grep '^1,' tr.csv)"
if grep -q -- '-nan' tr.csv; then fail "itd, stop: the trace says -nan"; fi

# on_divergence = halve (the default): a recovery with x_step halved, which stays finite
"$bloc" run n.blo --out r.json >out.txt 2>err.txt
st=$?
[ "$st" -eq 0 ] || fail "itd, halve: status $st: $(cat err.txt)"
grep -q 'its trace point.*going back to the best iterate (step 0) with x_step = 1' \
  err.txt || fail "itd, halve: no recovery: $(cat err.txt)"
grep -q '"f": null' r.json && fail "itd, halve: f is null"

# the final point that is no trace point of the loop's: too late to recover, status 2
"$bloc" run n.blo --set trace_every=2 --quiet >out.txt 2>err.txt
st=$?
[ "$st" -eq 2 ] || fail "itd, final point: status $st"
grep -q 'numerical failure at outer step 1: f is not finite at the final point' err.txt ||
  fail "itd, final point: message: $(cat err.txt)"

# f = log(0) = -inf: aid_cg and exact
for m in aid_cg exact; do
  "$bloc" run n2.blo --method "$m" --set on_divergence=stop --quiet >out.txt 2>err.txt
  st=$?
  [ "$st" -eq 2 ] || fail "$m: status $st"
  grep -q 'f is not finite at its trace point' err.txt || fail "$m: message: $(cat err.txt)"
done

# a report whose value is a NaN with its sign bit set (log of a negative number): "nan" in the
# progress line, the trace and --save-x's kind of output, never glibc's "-nan"
cat >rep.blo <<'BLO'
upper x : scalar = 1
lower y : scalar = 0
upper objective f = 0.5 * (y - 1) ^ 2
lower objective g = 0.5 * (y - x) ^ 2
report r = log(y - 5)
solve aid_cg(outer_steps = 2)
BLO
"$bloc" run rep.blo --trace tr.csv >out.txt 2>err.txt
grep -q ' r nan ' err.txt || fail "report: progress line: $(grep 'step 0/' err.txt)"
grep -q '^0,.*,nan,' tr.csv || fail "report: trace: $(cat tr.csv)"
if grep -q -- '-nan' err.txt out.txt tr.csv; then fail "report: -nan printed"; fi

# sampled tasks, task 1 without support points: every seed fails, naming t = 1 (seed 1 in an
# oracle call of the first step, seed 2 at the start, whose check of g and grad_y g takes the
# start's trace point's draw, seeds 3 and 4 at the trace point of step 1, whose draws hit it)
printf '1\n2\n3\n4\n5\n6\n' >X.csv
cat >z.blo <<'BLO'
data X : tensor[2, 3, 1] = load_csv("X.csv")
data Y : matrix[2, 3] = [[1, 2, 3], [0, 1, 2]]
data Ms : matrix[2, 3] = [[1, 1, 0], [0, 0, 0]]
data Mq : matrix[2, 3] = [[0, 0, 1], [1, 1, 1]]
sample t : batch(1) of 2
fn wmse(A, b, m, w) = sum(m * (A @ w - b) ^ 2) / sum(m)
upper w0 : vector[1] = 0
lower w : vector[1] = w0
upper objective f = wmse(X[t], Y[t, :], Mq[t, :], w)
lower objective g = wmse(X[t], Y[t, :], Ms[t, :], w)
solve itd(outer_steps = 1, r = 2, trace_every = 1)
BLO
for seed in 1 2 3 4; do
  "$bloc" run z.blo --seed "$seed" --quiet >out.txt 2>err.txt
  st=$?
  [ "$st" -eq 2 ] || fail "z, seed $seed: status $st"
  case $seed in
    1) want='the grad_g oracle returned a non-finite g (oracle call 2, on the draw t = 1)' ;;
    2) want='g is not finite at the start (x0, y0): g = nan.*; the draw t = 1 gave it' ;;
    *) want='f and g are not finite at its trace point (f = nan, g = nan); the draw t = 1 gave' ;;
  esac
  grep -q "$want" err.txt || fail "z, seed $seed: message: $(cat err.txt)"
done

exit $((fails > 0))
