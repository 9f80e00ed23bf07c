#!/bin/sh
# data_stage_memory.sh — bloc check counts what computing a data declaration holds besides the
# declarations (its intermediates): a peak past the machine's memory is refused at check time,
# status 1 at the declaration, as declarations past it are. New-user pass D (session 48):
# argmax_rows(eye(T)) held the T x T eye, which "memory: data at most" left out, and the run
# ran out of memory. The sizes are fractions of this machine's memory; nothing is allocated.
. "$(dirname "$0")/prologue.sh"

pages=$(getconf _PHYS_PAGES 2>/dev/null) && psize=$(getconf PAGESIZE 2>/dev/null) || {
  echo "SKIP: no physical memory size"
  exit 77
}
# A and the eye inside i each 55% of the memory: each passes alone, the peak (both) does not
n=$(awk -v p="$pages" -v s="$psize" 'BEGIN { printf "%d\n", sqrt(0.55 * p * s / 8) }')
cat >"$tmp/peak.blo" <<EOB
const n = $n
data A : matrix[n, n] = ones(n, n)
data i = argmax_rows(eye(n))
upper x = 0
lower y : vector[n] = 0
upper objective f = 0.5 * sumsq(y - i) + sum(A[0, :])
lower objective g = 0.5 * sumsq(y) + exp(x) * sum(y)
EOB
"$bloc" check "$tmp/peak.blo" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 1 ] || fail "peak past the memory: status $rc, not 1"
grep -q "peak.blo:3:6: error: computing data 'i' needs .* with the data before it and the \
variables, .* of it intermediates of its expression, more than this machine's" "$tmp/err" ||
  { fail "peak past the memory: no error at data 'i'"; cat "$tmp/err"; }

# without A the peak fits: checked, with the eye counted in the memory line
sed -e '2d' -e 's/ + sum(A\[0, :\])//' "$tmp/peak.blo" >"$tmp/fits.blo"
"$bloc" check "$tmp/fits.blo" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 0 ] || { fail "one eye of 55%: status $rc, not 0"; cat "$tmp/err"; }
grep -q "^memory: data at most .* (.* declared, the rest while computing 'i')" "$tmp/out" ||
  { fail "one eye of 55%: the memory line does not count it"; grep memory "$tmp/out"; }

# sparse_coo's triplets and the sorting of them count too (verification pass vA, session 48:
# its vcats and matrix were left out, so an edge list past the memory passed check). I is 10%
# of the memory; 2|I| triplets, sorted into a CSR, are about 130% of it.
m=$(awk -v p="$pages" -v s="$psize" 'BEGIN { printf "%d\n", 0.1 * p * s / 8 }')
cat >"$tmp/coo.blo" <<EOB
const m = $m
data I : vector[m] = randint(0, 1000)
data L : sparse[1000, 1000] = sparse_coo(vcat(I, I), vcat(I, I), vcat(ones(m), -ones(m)))
upper x = 0
lower y : vector[1000] = 0
upper objective f = 0.5 * sumsq(y - 1)
lower objective g = 0.5 * sumsq(y) + exp(x) * dot(y, L @ y)
EOB
"$bloc" check "$tmp/coo.blo" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 1 ] || fail "sparse_coo past the memory: status $rc, not 1"
grep -q "coo.blo:3:6: error: computing data 'L' needs .* with the data before it and the \
variables, .* of it sparse_coo's triplets and their sorting, more than this machine's" \
  "$tmp/err" || { fail "sparse_coo past the memory: no error at data 'L'"; cat "$tmp/err"; }

[ "$fails" = 0 ] && echo "data_stage_memory: ok"
exit $((fails > 0))
