#!/bin/sh
# oom_exit.sh — running out of memory in the data stage, while the JIT compiles beside it, ends
# with status 3 and one message, every time. exit()'s handlers (LLVM's static destructors) ran
# under the compiling thread: 4 of 40 runs ended in a segfault, "double free or corruption" or
# an LLVM error. 100 runs (a few seconds): with that race, all 100 pass with odds of 3e-5.
. "$(dirname "$0")/prologue.sh"
# exp(outer(u, u)) depends on the data alone: the data stage computes it once (hoisted), 80 GB.
# (trace(X' @ Y) of 2 x 100000 matrices did, until the compiler learnt to take the trace of a
# product as an elementwise sum.)
cat > "$tmp/oom.blo" <<'BLO'
data u : vector[100000] = uniform(0, 1)
upper x : scalar = 1
lower y : vector[100000] = 0
upper objective f = sum(exp(outer(u, u)) @ y)
lower objective g = 0.5 * sumsq(y) + x * sum(y)
BLO
# the 80 GB tensor must fail as a NULL from malloc, also under AddressSanitizer
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}allocator_may_return_null=1
export ASAN_OPTIONS
i=0
while [ $i -lt 100 ] && [ "$fails" -lt 3 ]; do
  i=$((i + 1))
  BLOC_CACHE=0 "$bloc" run "$tmp/oom.blo" --method aid_cg --set outer_steps=1 \
    >/dev/null 2>"$tmp/err"
  rc=$?
  err=$(cat "$tmp/err")
  case $err in # one line: the size depends on the plan (BLOC_VERIFY=1 allocates otherwise)
    "bloc: out of memory ("*" bytes)" | \
      "bloc: error: a tensor computed once from the data: out of memory for "*)
      ok=$(printf '%s\n' "$err" | wc -l) ;;
    *) ok=0 ;;
  esac
  [ "$rc" = 3 ] && [ "$ok" = 1 ] || fail "run $i: status $rc, stderr: $err"
done
exit $fails
