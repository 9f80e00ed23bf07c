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
# loaded whole, as declared. The problem and the checks: tests/support/shard_file.sh.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top_srcdir/tests/support/shard_file.sh"

# a 10 x 3 CSV file, with 'abc' at [ROW, 1] (no bad field: ROW -1)
csv() {
  awk -v bad="$1" 'BEGIN { for (i = 0; i < 10; i++) {
    for (j = 0; j < 3; j++) printf "%s%s", (j ? "," : ""), (i == bad && j == 1 ? "abc" : \
      sprintf("%.17g", (3 * i + j) / 7 - 1))
    printf "\n" } }' >"$tmp/a.csv"
}

shard_problem rowsused 'load_csv("a.csv")'
csv 6
shard_check_row6 "'abc'" "'a.csv' line 7, field 2: 'abc' is not a number"

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
shard_check_sum "clean file"
[ "$fail" = 0 ] && echo "ok: a replicated file is read for the rows the rank's slices take"
exit "$fail"
