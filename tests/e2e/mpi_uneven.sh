#!/bin/sh
# mpi_uneven.sh — a data-parallel run whose rows do not split evenly over the ranks ends like
# one process's (skipped, status 77, in a build without MPI). Each rank's kernels are compiled
# for its own rows, so their flop counts differ; the end-of-run check that sizes a conjugate-
# gradient solve from them gave the ranks different step counts, and the rank that went on
# called MPI_Allreduce alone: MPI_ERR_TRUNCATE, exit 15, no bloc message (301 Fashion-MNIST
# rows on 2 ranks, every method with such a check). mpi_uneven.blo is that case on generated
# data; the Fashion-MNIST slice runs too when the dataset is installed (.ci/packages).
. "$(dirname "$0")/prologue.sh"
top_srcdir=$src
. "$src/tests/support/mpi_env.sh"
cd "$tmp" || exit 1
mpi() { timeout 60 "$MPIRUN" --oversubscribe --allow-run-as-root "$@"; }

# one process, then 2 ranks (10 and 11 rows): the same W within 1e-12 of its largest entry
"$bloc" run "$src/tests/e2e/mpi_uneven.blo" --quiet --save-y y1.csv >/dev/null 2>err ||
  fail "one process: $(head -3 err)"
mpi -n 2 "$bloc" run "$src/tests/e2e/mpi_uneven.blo" --quiet --save-y y2.csv >out 2>err
rc=$?
if [ $rc != 0 ]; then
  fail "2 ranks of 21 rows: exit $rc: $(head -3 err)"
elif [ "$(maxrel y2.csv y1.csv 1e-300)" = inf ] ||
  awk -v m="$(maxrel y2.csv y1.csv 1e-300)" 'BEGIN { exit !(m > 1e-12) }'; then
  fail "2 ranks of 21 rows: W differs from one process's by $(maxrel y2.csv y1.csv 1e-300)"
else
  echo "ok: 21 rows on 2 ranks"
fi

# the emitted solver runs the same runtime (bloc emit-c --ranks 2, built with mpicc)
MPICC=${MPICC:-$(dirname "$MPIRUN")/mpicc}
quick_mpicc "$MPICC" # clang builds the emitted solver (no build here checks gcc's warnings)
if [ -x "$MPICC" ]; then
  # -O0: the fastest build of the emitted file (its runtime is 1.3 MB of C); the run is tiny
  "$bloc" emit-c "$src/tests/e2e/mpi_uneven.blo" --ranks 2 -o u.c 2>err &&
    "$MPICC" -std=c99 -O0 -DBLO_USE_MPI u.c -o u.mpi -lm 2>>err ||
    fail "emit-c --ranks 2 and mpicc: $(head -3 err)"
  mpi -n 2 ./u.mpi --quiet --save-y ye.csv >out 2>err
  rc=$?
  [ $rc = 0 ] && [ "$(maxrel ye.csv y1.csv 1e-300)" != inf ] &&
    awk -v m="$(maxrel ye.csv y1.csv 1e-300)" 'BEGIN { exit !(m <= 1e-12) }' &&
    echo "ok: the emitted solver, 21 rows on 2 ranks" ||
    fail "the emitted solver on 2 ranks: exit $rc: $(head -3 err)"
else
  echo "skip: no mpicc beside $MPIRUN: the emitted solver is not checked"
fi

# Should ranks disagree again: with BLOC_VERIFY (make check sets it) every collective first
# checks that all ranks make the same call, and a difference ends the job with status 3 and
# bloc's message, not MPI_ERR_TRUNCATE (15) or a hang (test_mpi --disagree: rank r sums 1 + r
# values)
unit=$build/tests/unit/test_mpi
if [ -x "$unit" ]; then
  BLOC_VERIFY=1 mpi -x BLOC_VERIFY -n 2 "$unit" --disagree >out 2>err
  rc=$?
  [ $rc = 3 ] && grep -q "internal error: the MPI ranks disagree at a collective call" err &&
    echo "ok: a disagreement between the ranks reported (BLOC_VERIFY)" ||
    fail "ranks that disagree, BLOC_VERIFY=1: exit $rc, not 3: $(head -3 err)"
else
  echo "skip: $unit not built (make tests/unit/test_mpi)"
fi

img=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
if [ -r "$img" ]; then
  cat >idx.blo <<EOB
problem idx
const n = 301
data imgs : matrix[60000, 784] = load_idx("$img")
data X : matrix[n, 785] = hcat(imgs[0:n, :] / 255, ones(n)) sharded
data yl : vector[n] = randint(0, 10) sharded
data Y : matrix[n, 10] = onehot(yl, 10)
upper lam : vector[3] = 0
lower W : matrix[785, 10] = 0
upper objective f = 0.5 * sumsq(W)
lower objective g = mean(cross_entropy(X @ W, Y)) + 0.01 * sumsq(W) + sumsq(lam) * sumsq(W) / 1000
solve aid_cg(outer_steps = 2)
EOB
  for m in aid_cg lancbio; do
    mpi -n 2 "$bloc" run idx.blo --method $m --quiet >out 2>err
    rc=$?
    [ $rc = 0 ] && echo "ok: 301 Fashion-MNIST rows on 2 ranks ($m)" ||
      fail "301 Fashion-MNIST rows on 2 ranks ($m): exit $rc: $(head -3 err)"
  done
else
  echo "skip: Fashion-MNIST not installed (Debian: dataset-fashion-mnist)"
fi
exit $((fails > 0))
