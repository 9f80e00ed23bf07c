#!/bin/sh
# shard_eval.sh — sharded data on one process (doc/scaling.md, "Sharded data"): `bloc eval` of
# tests/unit/shard_hyperclean.blo, shard_minibatch.blo (sampled rows), shard_tasks.blo
# (sampled tasks) and shard_sparse_batch.blo (sampled rows of sparse data) compiled as each
# rank of N (BLOC_SHARD=R/N, the testing aid) at a fixed (x, y, v), N = 2, 3 and 5 (23, 7, 7
# and 23 rows: uneven splits), with the JIT and the evaluator.
# The sum over the ranks of each printed oracle (f, g, gradients, HVPs) must equal the
# unsharded output within 1e-12 of the largest magnitude of that output. And BLOC_SHARD must be
# RANK/COUNT: anything else is an error (exit 1), never an unsharded run.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bloc=${BLOC:-${top_builddir:-$top_srcdir}/bloc}
case $bloc in /*) ;; *) bloc=$(pwd)/$bloc ;; esac
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
BLOC_VERIFY=1
export BLOC_VERIFY
fail=0
bad() { printf 'FAIL: %s\n' "$*"; fail=1; }
what=f,g,grad_x_f,grad_y_f,grad_y_g,hvp_yy,hvp_xy

# a point of n values, one a line
point() { awk -v n="$1" -v s="$2" 'BEGIN { for (i = 0; i < n; i++) print sin(s * (i + 1)) / 2 }'; }

# one number a line, each prefixed by the JSON key it belongs to
numbers() {
  awk '/^  "/ { key = $1 } key ~ /"(nx|ny|problem|point)"/ { next }
       { gsub(/"[a-z_]*":/, ""); gsub(/[][,{}]/, " ");
       for (i = 1; i <= NF; i++) if ($i ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/) print key, $i }' "$1"
}

evalp() { # BACKEND SHARD OUT
  env ${2:+BLOC_SHARD=$2} "$bloc" eval "$prog" --backend="$1" --what "$what" \
    --x "$tmp/x.csv" --y "$tmp/y.csv" --v "$tmp/v.csv" >"$3" 2>"$tmp/err" ||
    bad "bloc eval $prog --backend=$1 ${2:+(BLOC_SHARD=$2)} failed: $(cat "$tmp/err")"
}

# PROGRAM NX NY
for case in "shard_hyperclean 23 15" "shard_minibatch 23 12" "shard_tasks 3 3" \
  "shard_sparse_batch 12 36"; do
set -- $case
prog=$top_srcdir/tests/unit/$1.blo
point "$2" 1.3 >"$tmp/x.csv"
point "$3" 0.7 >"$tmp/y.csv"
point "$3" 2.1 >"$tmp/v.csv"
for backend in jit interp; do
  evalp "$backend" "" "$tmp/whole.json"
  numbers "$tmp/whole.json" >"$tmp/whole.num"
  [ "$(wc -l <"$tmp/whole.num")" -gt 10 ] || bad "$1, $backend: too few numbers printed"
  for N in 2 3 5; do
    r=0
    : >"$tmp/all.num"
    while [ "$r" -lt "$N" ]; do
      evalp "$backend" "$r/$N" "$tmp/r$r.json"
      numbers "$tmp/r$r.json" >"$tmp/r$r.num"
      [ "$(wc -l <"$tmp/r$r.num")" = "$(wc -l <"$tmp/whole.num")" ] ||
        bad "$1, $backend, rank $r of $N: not the same outputs as unsharded"
      cat "$tmp/r$r.num" >>"$tmp/all.num"
      r=$((r + 1))
    done
    # sum line i of every rank; compare with line i of the whole, per key's largest magnitude
    msg=$(awk -v N="$N" -v L="$(wc -l <"$tmp/whole.num")" '
      FNR == NR { key[FNR] = $1; ref[FNR] = $2 + 0; a = ref[FNR] < 0 ? -ref[FNR] : ref[FNR];
                  if (a > big[$1]) big[$1] = a; next }
      { i = (FNR - 1) % L + 1; sum[i] += $2 }
      END { worst = 0
            for (i = 1; i <= L; i++) { d = sum[i] - ref[i]; if (d < 0) d = -d
              s = big[key[i]] > 1e-300 ? big[key[i]] : 1e-300
              if (d / s > worst) { worst = d / s; wk = key[i] } }
            if (worst > 1e-12) printf "relative difference %g in %s", worst, wk }' \
      "$tmp/whole.num" "$tmp/all.num")
    [ -z "$msg" ] || bad "$1, $backend, sum over $N ranks: $msg"
  done
done
done

for s in 3/3 x 1/ -1/2; do
  BLOC_SHARD=$s "$bloc" eval "$prog" --what f >/dev/null 2>"$tmp/err"
  rc=$?
  [ "$rc" = 1 ] || bad "BLOC_SHARD=$s: exit status $rc, not 1"
  grep -q "BLOC_SHARD='$s' is not RANK/COUNT" "$tmp/err" ||
    bad "BLOC_SHARD=$s: no message naming it: $(cat "$tmp/err")"
done
[ "$fail" = 0 ] && echo "ok: sums over 2, 3 and 5 ranks equal the unsharded oracles"
exit "$fail"
