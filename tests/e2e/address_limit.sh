#!/bin/sh
# address_limit.sh — under an address-space limit (ulimit -v) bloc ends, with its result or
# with status 3 and one "out of memory" line, never hangs. OpenBLAS retries a refused work
# buffer (128 MiB a thread) forever and ignores SIGTERM: bloc hung at its start under 300 MB
# (its main thread joining an OpenBLAS worker still trying) and, with one OpenBLAS thread under
# 250 MB, in its first Cholesky factorisation; and under 400 MB LLVM's std::bad_alloc aborted
# it (status 134) (driver/address_limit.c). Skipped under
# AddressSanitizer, whose shadow memory no address-space limit admits.
. "$(dirname "$0")/prologue.sh"
case ${SAN_FLAGS:-} in *address*) echo "skip: AddressSanitizer build"; exit 77 ;; esac
cat > "$tmp/p.blo" <<'BLO'
upper x : vector[3] = 0
lower y : vector[3] = 0
upper objective f = sumsq(y - 2) + 0.1 * sumsq(x)
lower objective g = 0.5 * sumsq(y) - dot(x, y)
solve exact(outer_steps = 5)
BLO
for kb in 250000 300000 350000 400000 600000; do
  (ulimit -v $kb && exec timeout -s KILL 120 "$bloc" run --quiet "$tmp/p.blo") \
    >"$tmp/out" 2>"$tmp/err"
  st=$?
  case $st in
    0) ;;
    3) [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q '^bloc: out of memory' "$tmp/err" ||
         fail "ulimit -v $kb: status 3 without one out-of-memory line: $(cat "$tmp/err")" ;;
    *) fail "ulimit -v $kb: status $st (137: killed after 120 s, a hang): $(head -3 "$tmp/err")" ;;
  esac
done
# OpenBLAS_NUM_THREADS=1 given by the user: no run again, the same guarantee
(ulimit -v 250000 && exec env OPENBLAS_NUM_THREADS=1 timeout -s KILL 120 "$bloc" run --quiet \
  "$tmp/p.blo") >"$tmp/out" 2>"$tmp/err"
st=$?
[ $st = 0 ] || [ $st = 3 ] || fail "OPENBLAS_NUM_THREADS=1, ulimit -v 250000: status $st"
# a command that neither compiles kernels nor calls OpenBLAS's routines needs no more room
(ulimit -v 400000 && exec timeout -s KILL 120 "$bloc" check "$tmp/p.blo") >"$tmp/out" 2>"$tmp/err"
st=$?
[ $st = 0 ] || fail "bloc check under ulimit -v 400000: status $st: $(head -3 "$tmp/err")"
exit $fails
