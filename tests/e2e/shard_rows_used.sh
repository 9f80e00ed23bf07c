#!/bin/sh
# shard_rows_used.sh — a replicated declaration that a rank reads only through row slices is
# loaded for those rows only (compiler/ir/shard.c narrow_loads, doc/data.md "Row ranges"):
#   data A : matrix[10, 3] = load_csv("a.csv")                  (replicated)
#   data X : matrix[8, 4] = hcat(A[0:8, :] * 2, ones(8)) sharded
# With a field that is not a number in row 6 of the file (line 7), rank 0 of 2 (rows 0 .. 3)
# never parses it: it compiles and evaluates; rank 1 (rows 4 .. 7) and the unsharded compile
# report it with the same message (the file's own line), exit 1. In row 9, read by no rank,
# only the unsharded compile (which loads A whole) fails. On a clean file f summed over the
# ranks is the unsharded f. A declaration also read otherwise than by row slices (sum(A)) is
# loaded whole, as declared. BLOC_SHARD=R/N is the one-process testing aid.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bloc=${BLOC:-${top_builddir:-$top_srcdir}/bloc}
case $bloc in /*) ;; *) bloc=$(pwd)/$bloc ;; esac
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { printf 'FAIL: %s\n' "$*"; fail=1; }

# a 10 x 3 CSV file, with 'abc' at [ROW, 1] (no bad field: ROW -1)
csv() {
  awk -v bad="$1" 'BEGIN { for (i = 0; i < 10; i++) {
    for (j = 0; j < 3; j++) printf "%s%s", (j ? "," : ""), (i == bad && j == 1 ? "abc" : \
      sprintf("%.17g", (3 * i + j) / 7 - 1))
    printf "\n" } }' >"$tmp/a.csv"
}

cat >"$tmp/p.blo" <<'BLO'
problem rowsused
const n = 8
data A : matrix[10, 3] = load_csv("a.csv")
data X : matrix[n, 4] = hcat(A[0:n, :] * 2, ones(n)) sharded
data y : vector[n] = A[0:n, 0] sharded
upper lam : vector[n] = 0
lower w : vector[4] = 0.5
upper objective f = mean((X @ w - y) ^ 2)
lower objective g = mean(sigmoid(lam) * (X @ w - y) ^ 2) + 0.1 * sumsq(w)
BLO

evalp() { # SHARD OUT: bloc eval's exit status
  (cd "$tmp" && env ${1:+BLOC_SHARD=$1} "$bloc" eval p.blo --what f >"$2" 2>"$2.err")
}
# the message, without BLOC_SHARD's warning
msg() { grep -v "BLOC_SHARD" "$1.err"; }

csv 6
evalp "" "$tmp/whole"
rc=$?
[ "$rc" = 1 ] || bad "unsharded, 'abc' in row 6: exit status $rc, not 1"
grep -q "'a.csv' line 7, field 2: 'abc' is not a number" "$tmp/whole.err" ||
  bad "unsharded: not the bad field's message: $(cat "$tmp/whole.err")"
evalp 0/2 "$tmp/r0"
rc=$?
[ "$rc" = 0 ] || bad "rank 0 of 2 parsed rank 1's rows (exit status $rc): $(msg "$tmp/r0")"
grep -q '"f":' "$tmp/r0" || bad "rank 0 of 2: no f printed"
evalp 1/2 "$tmp/r1"
rc=$?
[ "$rc" = 1 ] || bad "rank 1 of 2, 'abc' in its row 6: exit status $rc, not 1"
[ "$(msg "$tmp/r1")" = "$(cat "$tmp/whole.err")" ] ||
  bad "rank 1 of 2: not the whole load's message: $(msg "$tmp/r1")"

csv 9
evalp "" "$tmp/whole"
rc=$?
[ "$rc" = 1 ] || bad "unsharded, 'abc' in row 9: exit status $rc, not 1"
for s in 0/2 1/2 0/3 1/3 2/3; do
  evalp "$s" "$tmp/r" || bad "rank $s, 'abc' in row 9 (read by no rank): $(msg "$tmp/r")"
done
# read whole too (sum(A)): loaded whole on every rank, as declared
sed 's/^upper objective f = .*/& + 0.001 * sum(A)/' "$tmp/p.blo" >"$tmp/q.blo"
grep -q 'sum(A)$' "$tmp/q.blo" || bad "q.blo: p.blo no longer has the line the test edits"
(cd "$tmp" && BLOC_SHARD=0/2 "$bloc" eval q.blo --what f >"$tmp/q" 2>"$tmp/q.err")
rc=$?
[ "$rc" = 1 ] && grep -q "'a.csv' line 10, field 2: 'abc'" "$tmp/q.err" ||
  bad "rank 0 of 2, A read whole too, 'abc' in row 9: exit status $rc: $(msg "$tmp/q")"

csv -1
f() { sed -n 's/.*"f": *\([-0-9.e+]*\).*/\1/p' "$1"; }
evalp "" "$tmp/whole" || bad "unsharded, clean file: $(cat "$tmp/whole.err")"
for N in 2 3; do
  sum=0
  r=0
  while [ "$r" -lt "$N" ]; do
    evalp "$r/$N" "$tmp/r" || bad "rank $r of $N, clean file: $(msg "$tmp/r")"
    sum=$(awk -v a="$sum" -v b="$(f "$tmp/r")" 'BEGIN { printf "%.17g", a + b }')
    r=$((r + 1))
  done
  awk -v s="$sum" -v w="$(f "$tmp/whole")" 'BEGIN { d = s - w; if (d < 0) d = -d
    a = w < 0 ? -w : w; exit !(w != "" && d <= 1e-12 * a) }' ||
    bad "f summed over $N ranks is $sum, unsharded $(f "$tmp/whole")"
done
[ "$fail" = 0 ] && echo "ok: a replicated file is read for the rows the rank's slices take"
exit "$fail"
