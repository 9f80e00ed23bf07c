#!/bin/sh
# emit_xmemo.sh — x-memo slots in the emitted solver (doc/abi.md): kernel ridge regression with
# a learned RBF bandwidth emits a stage per kernel matrix and a guard in each kernel that reads
# one. The emitted solver ends where the one emitted without slots (BLOC_XMEMO=0) does (a
# stale slot is off by 1e-2) and where bloc run does (to 1e-9, as tests/e2e/xmemo.sh), for
# aid_cg, lancbio and f32 data. Counting the stages' calls shows the slots are read: each
# kernel matrix is computed about once an outer step, not in each of the hundreds of oracle
# calls (emitted C without slots computed it in every call: 4x the time at n = 240).
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1
CC=${CC:-cc}
quick_cc
unset BLOC_XMEMO
export BLOC_CACHE=0
cat >krr.blo <<'BLO'
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
solve aid_cg(outer_steps = 30)
BLO

# build NAME XMEMO [EMIT-C ARGS]: the emitted solver ./NAME, its stage calls counted on stderr
build() {
  name=$1 xm=$2
  shift 2
  BLOC_XMEMO=$xm "$bloc" emit-c krr.blo -o "$name.c" "$@" 2>err ||
    { fail "emit-c $name: $(head -2 err)"; return 1; }
  # a counter in each stage, printed at exit (declared where the kernels begin)
  awk '/^\/\* ===== kernels/ { print "static long stage_calls[2];" }
       { print } /^static void blo_xmemo[0-9]+\(/ {
         j = $3; sub(/^blo_xmemo/, "", j); sub(/\(.*/, "", j); print "  stage_calls[" j "]++;" }' \
    "$name.c" >"$name.t.c"
  { cat "$name.t.c"
    echo 'static void put_calls(void) __attribute__((destructor));'
    printf '%s\n' 'static void put_calls(void) {' \
      '  fprintf(stderr, "stage calls: %ld %ld\n", stage_calls[0], stage_calls[1]);' '}'
  } >"$name.c"
  grep -q '^static long stage_calls' "$name.c" || fail "$name.c: no kernels banner"
  # gcc -O1 (warnings that need flow analysis) for the aid_cg and f32 solvers with slots; the
  # others at -O0 by the quick compiler (clang: a third of gcc -O1's time for the 1.3 MB file)
  cc=$QCC opt=-O0
  case "$name:$xm:$*" in "s:1:" | "f:1:--precision f32") cc=$CC opt=-O1 ;; esac
  # shellcheck disable=SC2086
  $cc -std=c99 $opt -Wall -Werror ${SAN_FLAGS:-} "$name.c" -o "$name" -lm 2>err ||
    { fail "$name does not compile: $(head -3 err)"; return 1; }
}
# stages NAME: x-memo stages in the emitted source; guards NAME: calls of them
stages() { grep -c '^static void blo_xmemo[0-9]*(' "$1.t.c"; }
guards() { grep -c '^ *blo_xmemo[0-9]*(env, x, y, v, value);' "$1.t.c"; }

build s 1 && build n 0 || exit 1
[ "$(stages s)" -eq 2 ] && [ "$(guards s)" -ge 3 ] ||
  fail "with slots: $(stages s) stages (want 2: K of D and K of Dv), $(guards s) guards"
[ "$(stages n)" -eq 0 ] && [ "$(guards n)" -eq 0 ] ||
  fail "BLOC_XMEMO=0: $(stages n) stages, $(guards n) guards (want none)"

# near A B WHAT: x files within 1e-9 relative
near() {
  r=$(maxrel "$1" "$2" 1e-300)
  awk -v r="$r" 'BEGIN { exit !(r <= 1e-9) }' || fail "$3: x differs by $r"
}
for m in aid_cg lancbio; do
  [ $m = aid_cg ] || { build s 1 --method $m && build n 0 --method $m || exit 1; }
  for b in s n; do
    ./$b --save-x "x.$m.$b" >"out.$m.$b" 2>"err.$m.$b" ||
      fail "./$b ($m) exited $?: $(tail -2 "err.$m.$b")"
    sanitizers "err.$m.$b"
  done
  "$bloc" run krr.blo --method $m --save-x "x.$m.bloc" --quiet >/dev/null 2>&1 ||
    fail "bloc run --method $m exited $?"
  near "x.$m.s" "x.$m.n" "$m: the emitted solver with slots against without"
  near "x.$m.s" "x.$m.bloc" "$m: the emitted solver against bloc run"
  # shellcheck disable=SC2046
  set -- $(sed -n 's/^stage calls: //p' "err.$m.s")
  lower=$(awk '/oracle calls:/ { for (i = 1; i < NF; i++) if ($i ~ /^(grad_g|hvp|mixed)$/)
                 s += $(i + 1) } END { print s + 0 }' "out.$m.s")
  # about once an outer step (31 x's and the end checks'), against hundreds of oracle calls
  [ $# = 2 ] && [ "$1" -le 45 ] && [ "$2" -le 45 ] && [ "$lower" -gt 250 ] ||
    fail "$m: stage calls ${*:-none} (K of Dv, K of D) for $lower lower oracle calls"
  [ "$(sed -n 's/^stage calls: //p' "err.$m.n")" = "0 0" ] || fail "$m: stages ran without slots"
done

# f32 data: the stage reads float data as the kernels do
build f 1 --precision f32 && build f0 0 --precision f32 || exit 1
for b in f f0; do
  ./$b --save-x "x.$b" >/dev/null 2>"err.$b" || fail "./$b (f32) exited $?: $(tail -2 "err.$b")"
done
"$bloc" run krr.blo --precision f32 --save-x x.fbloc --quiet >/dev/null 2>&1 ||
  fail "bloc run --precision f32 exited $?"
near x.f x.f0 "f32: with slots against without"
near x.f x.fbloc "f32: the emitted solver against bloc run"

[ "$fails" -eq 0 ] && echo "PASS: the emitted solver's x-memo slots change no result and are read"
[ "$fails" -eq 0 ]
