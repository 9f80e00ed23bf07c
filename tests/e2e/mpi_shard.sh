#!/bin/sh
# mpi_shard.sh — sharded data solved under mpirun (issue 18; skipped, status 77, in a build
# without MPI): the small problems of test_shard (hyper-cleaning with 23 and 7 rows, a
# minibatch problem, a meta-learning problem over 7 tasks, generated or read from CSV and NPY
# files by each rank's tasks, per-feature regularisation over sparse LIBSVM and MatrixMarket
# data of 23 and 11 rows: no rank count divides them; minibatches of those 23 sparse rows; rows
# picked by index, a shuffled split sharded after the pick and rows picked by sharded indices) run
# on 1, 2 and 3 ranks; x and the trace agree with the one-process run within 1e-12 relative
# (of each column's largest magnitude; close() below says what is exempt). Hyper-cleaning's
# mixed product must be gathered (owned rows), not allreduced. Runs are bounded by `timeout`.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
bloc=${BLOC:-$top_builddir/bloc}
case $bloc in /*) ;; *) bloc=$(pwd)/$bloc ;; esac
. "$top_srcdir/tests/support/mpi_env.sh"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
close_awk=$(cd "$top_srcdir" && pwd)/tests/e2e/close.awk
cp "$top_srcdir"/tests/unit/shard_* "$tmp"/ && cd "$tmp" || exit 1
fail=0
bad() { echo "FAIL: $*"; fail=1; }
# close A B: A and B agree within 1e-12 field by field (tests/e2e/close.awk says what is exempt)
close() { awk -F, -f "$close_awk" "$1" "$2"; }
steps="--set outer_steps=40 --set trace_every=5 --quiet"
for case in shard_hyperclean:lancbio shard_minibatch:stocbio shard_tasks:itd \
    shard_tasks_file:itd shard_sparse:lancbio shard_sparse_batch:stocbio shard_take:lancbio \
    shard_task_rows:stocbio; do
  p=${case%:*} m=${case#*:}
  "$bloc" run $p.blo --method $m $steps --save-x x1.csv --trace t1.csv >/dev/null 2>err ||
    { bad "$p: one process: $(head -3 err)"; continue; }
  for n in 1 2 3; do
    timeout 120 "$MPIRUN" --oversubscribe --allow-run-as-root -n $n "$bloc" run $p.blo \
      --method $m $steps --save-x x$n.r.csv --trace t$n.r.csv >/dev/null 2>err
    rc=$?
    [ $rc = 0 ] || { bad "$p on $n ranks: exit $rc: $(head -3 err)"; continue; }
    { echo x; cat x1.csv; } >a.csv && { echo x; cat x$n.r.csv; } >b.csv
    close a.csv b.csv && close t1.csv t$n.r.csv && echo "ok: $p ($m) on $n ranks" ||
      bad "$p ($m) on $n ranks: x or the trace differs from one process's"
  done
done
# Hyper-cleaning's per-row weights: the mixed product (a gradient with respect to lam) is
# assembled from each rank's rows (an allgather), not allreduced.
"$bloc" run shard_hyperclean.blo --method lancbio $steps --save-x xg1.csv >/dev/null 2>&1
"$MPIRUN" --oversubscribe --allow-run-as-root -n 2 "$bloc" run shard_hyperclean.blo \
  --method lancbio $steps --out r.json --save-x xg.csv >/dev/null 2>err ||
  bad "gather: $(head -3 err)"
{ echo x; cat xg1.csv; } >a.csv && { echo x; cat xg.csv; } >b.csv
grep -q '"allreduce_bytes": {[^}]*"mixed": 0,' r.json &&
  grep -q '"allgather_bytes": {[^}]*"mixed": [1-9]' r.json && close a.csv b.csv &&
  echo "ok: the mixed product gathered, not summed" ||
  bad "the mixed product is not gathered: $(grep _bytes r.json)"
exit $fail
