#!/bin/sh
# xmemo.sh — the JIT's x-memo slots (doc/abi.md; tests/unit/test_jit_xmemo checks the
# kernels): kernel ridge regression with a learned RBF bandwidth (K = exp(-exp(x[0]) D) in
# every lower kernel) plans one slot per kernel matrix with them and none without
# (BLOC_XMEMO=0); aid_cg, lancbio and exact end at the same x and y either way (to 1e-9: each
# oracle agrees to rounding, which an unfinished CG solve can amplify over the steps; a stale
# slot is off by 1e-2), at f64 and f32, and with slots on one and two threads; bloc eval's phi
# and its gradient agree to 1e-12.
. "$(dirname "$0")/prologue.sh"
unset BLOC_XMEMO
export BLOC_CACHE=0
cat >"$tmp/krr.blo" <<'BLO'
problem krr
const n = 240
const m = 200
const d = 4
data Xtr : matrix[n, d] = normal(0, 1)
data ttr : vector[n] = normal(0, 1)
data Xva : matrix[m, d] = normal(0, 1)
data tva : vector[m] = normal(0, 1)
data str = sum_rows(Xtr * Xtr)
data sva = sum_rows(Xva * Xva)
data D = outer(str, ones(n)) + outer(ones(n), str) - 2 * Xtr @ Xtr'
data Dv = outer(sva, ones(n)) + outer(ones(m), str) - 2 * Xva @ Xtr'
upper x : vector[2] = [-2, -1]
lower y : vector[n] = 0
fn K(D, x) = exp(-exp(x[0]) * D)
upper objective f = 0.5 * mean((K(Dv, x) @ y - tva) ^ 2)
lower objective g = 0.5 * dot(y, K(D, x) @ y) + 0.5 * exp(x[1]) * sumsq(y) - dot(y, ttr)
solve aid_cg
BLO
p=$tmp/krr.blo

# plans: a slot for each kernel matrix (K of D in the lower kernels, K of Dv in f's)
n1=$("$bloc" dump-llvm --plan "$p" 2>&1 | grep -c "^; plan of x-memo slot")
n0=$(BLOC_XMEMO=0 "$bloc" dump-llvm --plan "$p" 2>&1 | grep -c "^; plan of x-memo slot")
[ "$n1" -eq 2 ] && [ "$n0" -eq 0 ] || fail "plans: $n1 x-memo slots (want 2), $n0 without (want 0)"

run() { # NAME XMEMO THREADS ARGS...
  name=$1 xm=$2 th=$3
  shift 3
  BLOC_XMEMO=$xm BLOC_THREADS=$th "$bloc" run "$p" "$@" --quiet --save-x "$tmp/$name.x$xm$th" \
    --save-y "$tmp/$name.y$xm$th" >"$tmp/$name.log" 2>&1 ||
    fail "$name (BLOC_XMEMO=$xm, $th threads) exited $?: $(tail -3 "$tmp/$name.log")"
}
near() { # NAME A B: x and y of runs A and B within 1e-9 relative
  for v in x y; do
    r=$(maxrel "$tmp/$1.$v$2" "$tmp/$1.$v$3" 1e-300)
    awk -v r="$r" 'BEGIN { exit !(r <= 1e-9) }' || fail "$1: $v differs by $r ($2 against $3)"
  done
}
same() { # NAME ARGS...
  name=$1
  shift
  run "$name" 1 2 "$@"
  run "$name" 0 2 "$@"
  run "$name" 1 1 "$@"
  near "$name" 12 02
  near "$name" 12 11
}
same aid_cg --set outer_steps=30
same aid_cg_f32 --set outer_steps=30 --precision f32
same lancbio --method lancbio --set outer_steps=30
same exact --method exact --set outer_steps=5

for xm in 1 0; do
  BLOC_XMEMO=$xm "$bloc" eval "$p" --what phi,grad_phi >"$tmp/eval$xm.json" \
    2>"$tmp/eval$xm.err" || fail "bloc eval (BLOC_XMEMO=$xm) exited $?: $(cat "$tmp/eval$xm.err")"
  tr -d '[],' <"$tmp/eval$xm.json" |
    awk '/"phi"|"grad_phi"/ { for (i = 2; i <= NF; i++) print $i }' >"$tmp/phi$xm"
done
[ "$(wc -l <"$tmp/phi1")" -eq 3 ] ||
  fail "bloc eval printed no phi and gradient: $(cat "$tmp/eval1.json")"
r=$(maxrel "$tmp/phi1" "$tmp/phi0" 1e-300)
awk -v r="$r" 'BEGIN { exit !(r <= 1e-12) }' || fail "bloc eval: phi or its gradient differs by $r"
[ "$fails" -eq 0 ] && echo "PASS: x-memo slots change no result beyond rounding"
[ "$fails" -eq 0 ]
