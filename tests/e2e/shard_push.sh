#!/bin/sh
# shard_push.sh — a sharded declaration computed from replicated data reads only the rank's
# rows of it (compiler/ir/shard_rows.h, doc/scaling.md "Sharded data"): with
#   data A : matrix[10, 3] = load_idx("a.idx")                 (f64, lazily held)
#   data X : matrix[8, 4] = hcat(A[0:8, :] * 2, ones(8)) sharded
# and a NaN in row 6 of the file, rank 0 of 2 (rows 0 .. 3) never reads that row: it compiles
# and evaluates; rank 1 (rows 4 .. 7) and the unsharded compile report it with the same
# message, exit 1. With the NaN moved to row 9 (read by no one) f summed over the ranks is the
# unsharded f. BLOC_SHARD=R/N is the one-process testing aid.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bloc=${BLOC:-${top_builddir:-$top_srcdir}/bloc}
case $bloc in /*) ;; *) bloc=$(pwd)/$bloc ;; esac
. "$top_srcdir/tests/support/find_python.sh"
find_python struct || { echo "skip: no python3"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { printf 'FAIL: %s\n' "$*"; fail=1; }

# a 10 x 3 IDX file of f64 with a NaN at [ROW, 1]
idx() {
  "$py" -c '
import struct, sys
row = int(sys.argv[2])
with open(sys.argv[1], "wb") as f:
    f.write(bytes([0, 0, 0x0E, 2]) + struct.pack(">ii", 10, 3))
    for i in range(10):
        f.write(struct.pack(">3d", *[float("nan") if (i, j) == (row, 1) else (3 * i + j) / 7 - 1
                                     for j in range(3)]))' "$tmp/a.idx" "$1"
}

cat >"$tmp/p.blo" <<'BLO'
problem push
const n = 8
data A : matrix[10, 3] = load_idx("a.idx")
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

idx 6
evalp "" "$tmp/whole"
rc=$?
[ "$rc" = 1 ] || bad "unsharded, NaN in row 6: exit status $rc, not 1"
grep -q "'a.idx': element \[6, 1\] is NaN" "$tmp/whole.err" ||
  bad "unsharded: not the NaN's message: $(cat "$tmp/whole.err")"
evalp 0/2 "$tmp/r0"
rc=$?
[ "$rc" = 0 ] || bad "rank 0 of 2 read rank 1's rows (exit status $rc): $(msg "$tmp/r0")"
grep -q '"f":' "$tmp/r0" || bad "rank 0 of 2: no f printed"
evalp 1/2 "$tmp/r1"
rc=$?
[ "$rc" = 1 ] || bad "rank 1 of 2, NaN in its row 6: exit status $rc, not 1"
[ "$(msg "$tmp/r1")" = "$(cat "$tmp/whole.err")" ] ||
  bad "rank 1 of 2: not the whole load's message: $(msg "$tmp/r1")"

idx 9
f() { sed -n 's/.*"f": *\([-0-9.e+]*\).*/\1/p' "$1"; }
evalp "" "$tmp/whole" || bad "unsharded, NaN in row 9: $(cat "$tmp/whole.err")"
sum=0
for N in 2 3; do
  sum=0
  r=0
  while [ "$r" -lt "$N" ]; do
    evalp "$r/$N" "$tmp/r" || bad "rank $r of $N, NaN in row 9: $(msg "$tmp/r")"
    sum=$(awk -v a="$sum" -v b="$(f "$tmp/r")" 'BEGIN { printf "%.17g", a + b }')
    r=$((r + 1))
  done
  awk -v s="$sum" -v w="$(f "$tmp/whole")" 'BEGIN { d = s - w; if (d < 0) d = -d
    a = w < 0 ? -w : w; exit !(w != "" && d <= 1e-12 * a) }' ||
    bad "f summed over $N ranks is $sum, unsharded $(f "$tmp/whole")"
done
[ "$fail" = 0 ] && echo "ok: each rank reads only its rows of the replicated data"
exit "$fail"
