#!/bin/sh
# unroll_memory.sh — the unrolled methods' stored iterates against memory (doc/methods.md,
# "checkpoint"): itd's out-of-memory message gives the bytes it needed and what needs fewer
# (ufom with q = 1 and checkpoint = sqrt, the same gradient to rounding); it said only "(10000000
# stored iterates of 2000)". A memory_budget that ufom's stored iterates exceed is said: with
# checkpoint = store given it was ignored without a word, and so where auto's sqrt
# checkpoints still did not fit it. Skipped under AddressSanitizer (its shadow memory fits no
# address-space limit).
. "$(dirname "$0")/prologue.sh"
case ${SAN_FLAGS:-} in *address*) echo "skip: AddressSanitizer build"; exit 77 ;; esac
cd "$tmp" || exit 1

cat >big.blo <<'BLO'
upper x : vector[2000] = 0
lower y : vector[2000] = 0
upper objective f = 0.5 * sum((y - 1) ^ 2) + 0.5 * sum(x ^ 2)
lower objective g = 0.5 * sum((y - x) ^ 2)
solve itd(outer_steps = 1, r = 10000000)
BLO

# 160 GB of iterates under a 4 GB address-space limit: status 3 and the message
(ulimit -v 4000000 && exec timeout -s KILL 120 "$bloc" run big.blo --quiet) >out.txt 2>err.txt
st=$?
[ "$st" -eq 3 ] || fail "itd: status $st: $(cat err.txt)"
want='out of memory for the unrolled loop: 10000000 stored iterates of 2000 doubles need '
want="${want}160000000000 bytes; ufom with q = 1 and checkpoint = sqrt keeps 6325 of them "
grep -qF "${want}(101200000 bytes)" err.txt || fail "itd: message: $(cat err.txt)"

# ufom, r = 1000 (16 MB stored, 1 MB of sqrt checkpoints), no step
run() { "$bloc" run big.blo --method ufom --set r=1000 --set outer_steps=0 --out r.json "$@" \
  >out.txt 2>err.txt || fail "ufom $*: status $?"; }
run --set checkpoint=store --set memory_budget=1
grep -qF 'budget = 1 MiB is ignored: checkpoint = store keeps its iterates (16000000 bytes' \
  err.txt || fail "store over the budget: $(cat err.txt)"
grep -q 'only checkpoint = auto follows it' r.json || fail "store: not in the result's warnings"
run --set memory_budget=0.01
grep -q 'warning: checkpoint = auto chose sqrt, whose checkpoints (1024000 bytes' err.txt ||
  fail "auto's sqrt over the budget: $(cat err.txt)"
# within the budget, or no budget given: no word
for opts in "--set memory_budget=100" "--set checkpoint=store" "--set checkpoint=sqrt"; do
  # shellcheck disable=SC2086
  run $opts
  if grep -q memory_budget err.txt; then fail "ufom $opts: $(cat err.txt)"; fi
done

exit $((fails > 0))
