#!/bin/sh
# shard_push.sh — a sharded declaration computed from replicated data reads only the rank's
# rows of it (compiler/ir/shard_rows.h, doc/scaling.md "Sharded data"): with
#   data A : matrix[10, 3] = load_idx("a.idx")                 (f64, lazily held)
#   data X : matrix[8, 4] = hcat(A[0:8, :] * 2, ones(8)) sharded
# and a NaN in row 6 of the file, rank 0 of 2 (rows 0 .. 3) never reads that row: it compiles
# and evaluates; rank 1 (rows 4 .. 7) and the unsharded compile report it with the same
# message, exit 1. With the NaN moved to row 9 (read by no one) f summed over the ranks is the
# unsharded f. The problem and the checks: tests/support/shard_file.sh.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top_srcdir/tests/support/shard_file.sh"
. "$top_srcdir/tests/support/find_python.sh"
find_python struct || { echo "skip: no python3"; exit 77; }

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

shard_problem push 'load_idx("a.idx")'
idx 6
shard_check_row6 NaN "'a.idx': element \[6, 1\] is NaN"
idx 9
shard_check_sum "NaN in row 9"
[ "$fail" = 0 ] && echo "ok: each rank reads only its rows of the replicated data"
exit "$fail"
