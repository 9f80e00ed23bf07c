# shard_file.sh — sourced by the tests of which rows of a replicated data file a rank reads
# (tests/e2e/shard_push.sh, shard_rows_used.sh). They differ in the file's format and in the
# message a bad value gives; the problem, the runs and the checks are this file's. A test sets
# top_srcdir, sources this file (which sets $bloc, $tmp, removed on exit, $fail and bad), calls
# shard_problem with its load, then writes its file, tmp/a.EXT, a 10 x 3 matrix with a bad
# value at [ROW, 1] or none, before each check. The problem:
#   data A : matrix[10, 3] = LOAD                                (replicated)
#   data X : matrix[8, 4] = hcat(A[0:8, :] * 2, ones(8)) sharded
#   data y : vector[8] = A[0:8, 0] sharded
# rank 0 of 2 takes rows 0 .. 3 of X and y, rank 1 rows 4 .. 7; rows 8 and 9 of A no rank.
# BLOC_SHARD=R/N is the one-process testing aid.
bloc=${BLOC:-${top_builddir:-$top_srcdir}/bloc}
case $bloc in /*) ;; *) bloc=$(pwd)/$bloc ;; esac
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { printf 'FAIL: %s\n' "$*"; fail=1; }

# NAME LOAD: the problem NAME, A loaded by LOAD (a call such as load_csv("a.csv")), in tmp/p.blo
shard_problem() {
  cat >"$tmp/p.blo" <<BLO
problem $1
const n = 8
data A : matrix[10, 3] = $2
data X : matrix[n, 4] = hcat(A[0:n, :] * 2, ones(n)) sharded
data y : vector[n] = A[0:n, 0] sharded
upper lam : vector[n] = 0
lower w : vector[4] = 0.5
upper objective f = mean((X @ w - y) ^ 2)
lower objective g = mean(sigmoid(lam) * (X @ w - y) ^ 2) + 0.1 * sumsq(w)
BLO
}

evalp() { # SHARD OUT: bloc eval's exit status
  (cd "$tmp" && env ${1:+BLOC_SHARD=$1} "$bloc" eval p.blo --what f >"$2" 2>"$2.err")
}
# the message, without BLOC_SHARD's warning
msg() { grep -v "BLOC_SHARD" "$1.err"; }
# the value of f that bloc eval printed to OUT
f() { sed -n 's/.*"f": *\([-0-9.e+]*\).*/\1/p' "$1"; }

# BAD MESSAGE, the file's bad value (BAD, as the failures name it) at row 6, read by rank 1 of
# 2 only: the unsharded compile fails with MESSAGE (a grep pattern), exit 1; rank 0 of 2 never
# reads the row and evaluates f; rank 1 of 2 fails with the unsharded compile's message.
shard_check_row6() {
  evalp "" "$tmp/whole"
  rc=$?
  [ "$rc" = 1 ] || bad "unsharded, $1 in row 6: exit status $rc, not 1"
  grep -q "$2" "$tmp/whole.err" ||
    bad "unsharded, $1 in row 6: not the expected message: $(cat "$tmp/whole.err")"
  evalp 0/2 "$tmp/r0"
  rc=$?
  [ "$rc" = 0 ] || bad "rank 0 of 2 read rank 1's rows (exit status $rc): $(msg "$tmp/r0")"
  grep -q '"f":' "$tmp/r0" || bad "rank 0 of 2: no f printed"
  evalp 1/2 "$tmp/r1"
  rc=$?
  [ "$rc" = 1 ] || bad "rank 1 of 2, $1 in its row 6: exit status $rc, not 1"
  [ "$(msg "$tmp/r1")" = "$(cat "$tmp/whole.err")" ] ||
    bad "rank 1 of 2: not the whole load's message: $(msg "$tmp/r1")"
}

# WHAT, a file that every rank reads without error (WHAT describes it): f summed over 2 and
# over 3 ranks is the unsharded f within 1e-12 of its magnitude.
shard_check_sum() {
  evalp "" "$tmp/whole" || bad "unsharded, $1: $(cat "$tmp/whole.err")"
  for N in 2 3; do
    sum=0
    r=0
    while [ "$r" -lt "$N" ]; do
      evalp "$r/$N" "$tmp/r" || bad "rank $r of $N, $1: $(msg "$tmp/r")"
      sum=$(awk -v a="$sum" -v b="$(f "$tmp/r")" 'BEGIN { printf "%.17g", a + b }')
      r=$((r + 1))
    done
    awk -v s="$sum" -v w="$(f "$tmp/whole")" 'BEGIN { d = s - w; if (d < 0) d = -d
      a = w < 0 ? -w : w; exit !(w != "" && d <= 1e-12 * a) }' ||
      bad "f summed over $N ranks is $sum, unsharded $(f "$tmp/whole")"
  done
}
