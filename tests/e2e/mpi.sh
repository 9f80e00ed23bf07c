#!/bin/sh
# mpi.sh — bloc and its runtime under mpirun (make check; skipped, status 77, in a build
# without MPI). Every mpirun is bounded by `timeout`, so a hang fails the test instead of
# stopping make check. Checks:
#   - tests/unit/test_mpi on 2 and 3 ranks: several buffers summed in one allreduce, the byte
#     counter, failure agreement, the sharded oracle's sums, owned rows gathered;
#   - only rank 0 writes: two ranks in two directories (--wdir), --out, --trace, --save-x in
#     the first, nothing at all in the second; one summary on stdout, the same as one process
#     prints;
#   - a rank that cannot open its data file (the other opens its own): every rank exits 1,
#     and the error is printed once;
#   - a numerical failure (status 2) on 2 and 3 ranks: every rank exits 2, one message;
#   - compare and eval solve and evaluate sharded hyper-cleaning data-parallel: the same
#     numbers as one process (1e-12), compare's files written by rank 0 alone; check, derive
#     and emit-c run on rank 0 alone (one output, one file);
#   - emit-c --ranks 2,3 of sharded hyper-cleaning (23 and 7 rows: uneven splits) and of
#     sharded sparse data (LIBSVM and MatrixMarket, 23 and 11 rows), built with mpicc
#     -DBLO_USE_MPI: on 1, 2 and 3 ranks x and the trace of mpirun -n N bloc run and of one
#     process (1e-12), the same bytes allreduced and gathered, each rank's part reading only
#     its rows of the sparse files; 4 ranks refused on every rank with one message; built
#     without BLO_USE_MPI it solves the whole problem as bloc run does.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
bloc=${BLOC:-$top_builddir/bloc}
case $bloc in /*) ;; *) bloc=$(pwd)/$bloc ;; esac
. "$top_srcdir/tests/support/mpi_env.sh"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
BLOC_VERIFY=1
export BLOC_VERIFY
fail=0
say() { printf '%s\n' "$*"; }
bad() { say "FAIL: $*"; fail=1; }

# mpi ARGS...: mpirun as root too, more ranks than cores, at most 120 s
mpi() {
  timeout 120 "$MPIRUN" --oversubscribe --allow-run-as-root "$@"
}
# statuses N WANT WHAT: ranks 0..N-1 all exited WANT
statuses() {
  r=0
  while [ "$r" -lt "$1" ]; do
    got=$(cat "$tmp/st.$r" 2>/dev/null || echo none)
    [ "$got" = "$2" ] || bad "$3: rank $r exited $got, not $2"
    r=$((r + 1))
  done
  rm -f "$tmp"/st.*
}
# errors FILE N WHAT: FILE holds exactly N "error:" lines
errors() {
  ne=$(grep -c 'error:' "$1")
  [ "$ne" = "$2" ] || { bad "$3: $ne error lines, not $2"; sed 's/^/  | /' "$1"; }
}

# ---------------------------------------------------------------- the layer and the oracle
for n in 2 3; do
  if ! mpi -n "$n" "$top_builddir/tests/unit/test_mpi" >"$tmp/unit.out" 2>&1; then
    bad "test_mpi on $n ranks"
    sed 's/^/  | /' "$tmp/unit.out"
  fi
done

# ---------------------------------------------------------------- problems
cat >"$tmp/p.blo" <<'BLO'
problem mpi_small
data a : vector[3] = load_csv("a.csv")
upper x : vector[3] = 0
lower y : vector[3] = 0
upper objective f = 0.5 * sumsq(y - a) + 0.05 * sumsq(x)
lower objective g = 0.5 * sumsq(y - x)
solve aid_cg(outer_steps = 5, x_step = 0.5, y_step = 0.5)
BLO
sed 's/"a.csv"/"missing.csv"/' "$tmp/p.blo" >"$tmp/q.blo"
printf '1\n2\n3\n' >"$tmp/a.csv"
mkdir "$tmp/d0" "$tmp/d1"
cp "$tmp/a.csv" "$tmp/d0/" && cp "$tmp/a.csv" "$tmp/d1/"

# ---------------------------------------------------------------- only rank 0 writes
run="run $tmp/p.blo --quiet --out o.json --trace t.csv --save-x x.csv"
# shellcheck disable=SC2086
mpi -n 1 --wdir "$tmp/d0" "$bloc" $run : -n 1 --wdir "$tmp/d1" "$bloc" $run \
  >"$tmp/mpi.out" 2>"$tmp/mpi.err" || bad "two ranks: mpirun exited $?"
for f in o.json t.csv x.csv; do
  [ -s "$tmp/d0/$f" ] || bad "rank 0 did not write $f"
done
left=$(ls "$tmp/d1" | grep -v '^a.csv$')
[ -z "$left" ] || bad "rank 1 wrote files: $left"
mkdir "$tmp/one" && cp "$tmp/a.csv" "$tmp/one/"
# shellcheck disable=SC2086
(cd "$tmp/one" && "$bloc" $run >"$tmp/one.out" 2>"$tmp/one.err") || bad "one process failed"
sed 's/ in [0-9.e+-]* s$/ in T s/' "$tmp/mpi.out" >"$tmp/a.txt"
sed 's/ in [0-9.e+-]* s$/ in T s/' "$tmp/one.out" >"$tmp/b.txt"
cmp -s "$tmp/a.txt" "$tmp/b.txt" || { bad "the summary under mpirun differs"; diff "$tmp/a.txt" \
  "$tmp/b.txt" | sed 's/^/  | /'; }
cmp -s "$tmp/d0/x.csv" "$tmp/one/x.csv" || bad "x under mpirun differs from one process"
# (OpenMPI may have notes of its own about the machine: bloc's would name it or say error:)
grep -q -e bloc -e 'error:' -e 'warning:' "$tmp/mpi.err" &&
  { bad "bloc's messages on stderr under mpirun"; sed 's/^/  | /' "$tmp/mpi.err"; }

# ---------------------------------------------------------------- a rank fails alone
# rank.sh ARGS...: bloc run ARGS --quiet, its exit status into $tmp/st.RANK
cat >"$tmp/rank.sh" <<SH
"$bloc" run "\$@" --quiet
echo \$? >"$tmp/st.\$OMPI_COMM_WORLD_RANK"
SH
for n in 2 3; do
  # the last rank declares a file that does not exist; the others load theirs
  (cd "$tmp" && mpi -n $((n - 1)) sh rank.sh p.blo : -n 1 sh rank.sh q.blo) >"$tmp/fail.out" \
    2>"$tmp/fail.err"
  statuses "$n" 1 "$n ranks, one missing file"
  errors "$tmp/fail.err" 1 "$n ranks, one missing file"
  grep -q "missing.csv" "$tmp/fail.err" || bad "$n ranks: the error does not name the file"
  [ -s "$tmp/fail.out" ] && bad "$n ranks: output on stdout after a failure"
done

# ---------------------------------------------------------------- numerical failure: status 2
for n in 2 3; do
  mpi -n "$n" sh "$tmp/rank.sh" "$top_srcdir/tests/golden/run_nan.blo" --backend=interp \
    >"$tmp/nan.out" 2>"$tmp/nan.err"
  statuses "$n" 2 "$n ranks, numerical failure"
  errors "$tmp/nan.err" 1 "$n ranks, numerical failure"
  n_sum=$(grep -c 'outer steps in' "$tmp/nan.out")
  [ "$n_sum" = 1 ] || bad "$n ranks, numerical failure: $n_sum summaries on stdout"
done

# ---------------------------------------------------------------- emitted C, -DBLO_USE_MPI
MPICC=${MPICC:-$(dirname "$MPIRUN")/mpicc}
# clang builds the emitted solvers (no build here checks gcc's warnings)
. "$top_srcdir/tests/support/quick_cc.sh"
quick_mpicc "$MPICC"
if [ -x "$MPICC" ]; then
  cp "$tmp/a.csv" "$tmp/b.csv"
  sed 's/"a.csv"/"b.csv"/' "$tmp/p.blo" >"$tmp/r.blo"
  "$bloc" emit-c "$tmp/p.blo" -o "$tmp/p.c" && "$bloc" emit-c "$tmp/r.blo" -o "$tmp/r.c" ||
    bad "emit-c failed"
  rm -f "$tmp/b.csv" # the solver of r.blo now fails to load its data
  for s in p r; do
    "$MPICC" -std=c99 -DBLO_USE_MPI "$tmp/$s.c" -o "$tmp/$s.mpi" -lm 2>"$tmp/cc.err" ||
      { bad "mpicc -DBLO_USE_MPI $s.c"; sed 's/^/  | /' "$tmp/cc.err"; }
  done
  "$MPICC" -std=c99 "$tmp/p.c" -o "$tmp/p.one" -lm || bad "mpicc p.c without BLO_USE_MPI"
  rm -f "$tmp"/d0/[otx]*.* "$tmp"/d1/[otx]*.*
  erun="--quiet --out o.json --trace t.csv --save-x x.csv"
  # shellcheck disable=SC2086
  mpi -n 1 --wdir "$tmp/d0" "$tmp/p.mpi" $erun : -n 1 --wdir "$tmp/d1" "$tmp/p.mpi" $erun \
    >"$tmp/empi.out" 2>"$tmp/empi.err" || bad "emitted, two ranks: mpirun exited $?"
  left=$(ls "$tmp/d1" | grep -v '^a.csv$')
  [ -z "$left" ] || bad "emitted: rank 1 wrote files: $left"
  # shellcheck disable=SC2086
  mkdir "$tmp/eone" && cp "$tmp/a.csv" "$tmp/eone/"
  (cd "$tmp/eone" && "$tmp/p.one" $erun >"$tmp/eone.out") || bad "emitted, one process failed"
  sed 's/ in [0-9.e+-]* s$/ in T s/' "$tmp/empi.out" >"$tmp/a.txt"
  sed 's/ in [0-9.e+-]* s$/ in T s/' "$tmp/eone.out" >"$tmp/b.txt"
  cmp -s "$tmp/a.txt" "$tmp/b.txt" || bad "emitted: the summary under mpirun differs"
  cmp -s "$tmp/d0/x.csv" "$tmp/eone/x.csv" || bad "emitted: x differs from one process's"
  cat >"$tmp/erank.sh" <<SH
"\$@"
echo \$? >"$tmp/st.\$OMPI_COMM_WORLD_RANK"
SH
  mpi -n 1 sh "$tmp/erank.sh" "$tmp/p.mpi" --quiet : -n 1 sh "$tmp/erank.sh" "$tmp/r.mpi" \
    --quiet >"$tmp/efail.out" 2>"$tmp/efail.err"
  statuses 2 1 "emitted, one missing file"
  errors "$tmp/efail.err" 1 "emitted, one missing file"
else
  say "note: no mpicc beside $MPIRUN: the emitted-C checks are skipped"
fi

# ---------------------------------------------------------------- sharded problems
# hyper-cleaning, small and uneven (tests/unit/shard_hyperclean.blo: 23 and 7 rows)
close() { awk -F, -f "$top_srcdir/tests/e2e/close.awk" "$1" "$2"; }
# xclose A B: two saved vectors within 1e-12 (close.awk with a header line)
xclose() {
  { echo x; cat "$1"; } >"$tmp/xa.csv" && { echo x; cat "$2"; } >"$tmp/xb.csv" &&
    close "$tmp/xa.csv" "$tmp/xb.csv"
}
mkdir "$tmp/sh" "$tmp/sh/d0" "$tmp/sh/d1" && cp "$top_srcdir"/tests/unit/shard_* "$tmp/sh/"
hc=$tmp/sh/shard_hyperclean.blo
steps="--method lancbio --set outer_steps=40 --set trace_every=5"

# compare: each method solved sharded, rank 0 writes the outputs and the table
cmp_args="compare $hc --methods lancbio,aid_cg --set outer_steps=20 --quiet --out-dir out"
# shellcheck disable=SC2086
(cd "$tmp/sh" && "$bloc" $cmp_args >c1.out 2>&1) || bad "compare, one process"
mv "$tmp/sh/out" "$tmp/sh/out1"
for n in 2 3; do
  # shellcheck disable=SC2086
  mpi -n 1 --wdir "$tmp/sh/d0" "$bloc" $cmp_args : -n $((n - 1)) --wdir "$tmp/sh/d1" "$bloc" \
    $cmp_args >"$tmp/sh/c.out" 2>"$tmp/sh/c.err" || bad "compare on $n ranks: exit $?"
  [ -z "$(ls "$tmp/sh/d1")" ] || bad "compare on $n ranks: the other ranks wrote files"
  close "$tmp/sh/out1/shard_hyperclean.csv" "$tmp/sh/d0/out/shard_hyperclean.csv" ||
    bad "compare on $n ranks: the traces differ from one process's"
  for f in c1.out c.out; do
    # the table's columns are as wide as their values: squeezed, and the times cut
    tr -s ' ' <"$tmp/sh/$f" |
      sed 's/^\([a-z_]* [0-9] [a-z_]* [0-9]*\) [0-9.e+-]* [0-9.e+-]*/\1 T/' >"$tmp/sh/$f.t"
  done
  cmp -s "$tmp/sh/c1.out.t" "$tmp/sh/c.out.t" ||
    { bad "compare on $n ranks: the table differs"; diff "$tmp/sh/c1.out.t" "$tmp/sh/c.out.t"; }
  rm -rf "$tmp/sh/d0/out"
done

# eval: the oracles summed over the ranks
"$bloc" eval "$hc" >"$tmp/sh/e1.json" 2>/dev/null || bad "eval, one process"
# the numbers of bloc eval's JSON as a CSV column
numbers() {
  awk 'BEGIN { print "v" } { gsub(/"[a-z_]*":/, ""); gsub(/[][,{}]/, " ")
       for (i = 1; i <= NF; i++) if ($i ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/) print $i }' "$1"
}
for n in 2 3; do
  mpi -n $n "$bloc" eval "$hc" >"$tmp/sh/e.json" 2>"$tmp/sh/e.err" || bad "eval on $n ranks"
  numbers "$tmp/sh/e1.json" >"$tmp/sh/n1.csv"
  numbers "$tmp/sh/e.json" >"$tmp/sh/n.csv"
  close "$tmp/sh/n1.csv" "$tmp/sh/n.csv" || bad "eval on $n ranks: not one process's numbers"
done

# check and derive: printed once, as by one process; emit-c: one writer
for c in check derive; do
  "$bloc" $c "$hc" >"$tmp/sh/one.txt" 2>/dev/null
  mpi -n 3 "$bloc" $c "$hc" >"$tmp/sh/three.txt" 2>/dev/null || bad "$c on 3 ranks: exit $?"
  cmp -s "$tmp/sh/one.txt" "$tmp/sh/three.txt" || bad "$c on 3 ranks: not one process's output"
done
emit="emit-c $hc $steps -o s.c"
# shellcheck disable=SC2086
mpi -n 1 --wdir "$tmp/sh/d0" "$bloc" $emit : -n 1 --wdir "$tmp/sh/d1" "$bloc" $emit \
  >/dev/null 2>&1 || bad "emit-c on 2 ranks: exit $?"
[ -s "$tmp/sh/d0/s.c" ] && [ ! -e "$tmp/sh/d1/s.c" ] || bad "emit-c on 2 ranks: not rank 0 alone"
rm -f "$tmp/sh/d0/s.c"

# emit-c --ranks: one solver for 1, 2 and 3 ranks
"$bloc" emit-c "$hc" $steps --ranks 8 -o "$tmp/sh/h8.c" 2>"$tmp/sh/emit8.err" &&
  bad "emit-c --ranks 8 of 7 sharded rows succeeded"
grep -q "fewer than the 8 ranks" "$tmp/sh/emit8.err" ||
  bad "emit-c --ranks 8: $(cat "$tmp/sh/emit8.err")"
"$bloc" emit-c "$tmp/p.blo" --ranks 2 -o "$tmp/sh/p2.c" 2>"$tmp/sh/emitp.err" &&
  bad "emit-c --ranks of a program without sharded data succeeded"
grep -q "has no sharded data" "$tmp/sh/emitp.err" || bad "emit-c --ranks, no sharded data"
# ranks_solver NAME [one]: the emit-c --ranks 3,2 solver of $tmp/sh/NAME.blo into NAME.mpi
# (mpicc -DBLO_USE_MPI) and, given one, NAME.one (without): NAME.one solves the whole problem
# as bloc run does; on 1, 2 and 3 ranks NAME.mpi gives x and the trace of mpirun -n N bloc run
# and of one process (1e-12), with the same bytes allreduced and gathered. Without MPI a
# solver takes its one-rank part, by code the same in every program: dense and sparse data
# check it (a build and a run of 1.5 s each for the others)
ranks_solver() {
  b=$tmp/sh/$1
  "$bloc" run "$b.blo" $steps --quiet --save-x "$b.x1" --trace "$b.t1" >/dev/null 2>&1 ||
    bad "$1: bloc run, one process"
  "$bloc" emit-c "$b.blo" $steps --ranks 3,2 -o "$b.c" 2>"$tmp/sh/emit.err" ||
    { bad "$1: emit-c --ranks 3,2: $(cat "$tmp/sh/emit.err")"; return; }
  # -O0: the runs take milliseconds, gcc -O1 of the 1.3 MB file 2.5 times as long as -O0
  "$MPICC" -std=c99 -O0 -DBLO_USE_MPI "$b.c" -o "$b.mpi" -lm ||
    bad "$1: mpicc -DBLO_USE_MPI of the --ranks solver"
  if [ "${2:-}" = one ]; then
    "$MPICC" -std=c99 -O0 "$b.c" -o "$b.one" -lm || bad "$1: cc of the --ranks solver"
    # without BLO_USE_MPI: the whole problem, as bloc run
    "$b.one" --quiet --save-x "$tmp/sh/xe.csv" --trace "$tmp/sh/te.csv" >/dev/null &&
      xclose "$b.x1" "$tmp/sh/xe.csv" && close "$b.t1" "$tmp/sh/te.csv" ||
      bad "$1: the --ranks solver built without MPI: not bloc run's x and trace"
  fi
  for n in 1 2 3; do
    mpi -n $n "$bloc" run "$b.blo" $steps --quiet --save-x "$tmp/sh/xb.csv" \
      --trace "$tmp/sh/tb.csv" --out "$tmp/sh/rb.json" >/dev/null 2>&1 ||
      bad "$1: bloc run on $n ranks"
    mpi -n $n "$b.mpi" --quiet --save-x "$tmp/sh/xm.csv" --trace "$tmp/sh/tm.csv" \
      --out "$tmp/sh/rm.json" >/dev/null 2>"$tmp/sh/hm.err" ||
      { bad "$1: the --ranks solver on $n ranks: exit $?"; continue; }
    # the same collectives: hyper-cleaning's owned rows gathered, not summed, in both (the
    # counts of one call kind; the HVPs a step may differ, as the trace's call counters do)
    if [ $n -gt 1 ]; then
      for k in allgather_bytes.grad_f allgather_bytes.mixed allreduce_bytes.grad_f \
        allreduce_bytes.mixed; do
        b_=$(sed -n "s/.*\"${k%.*}\": {.*\"${k#*.}\": \([0-9]*\).*/\1/p" "$tmp/sh/rb.json")
        m_=$(sed -n "s/.*\"${k%.*}\": {.*\"${k#*.}\": \([0-9]*\).*/\1/p" "$tmp/sh/rm.json")
        [ -n "$b_" ] && [ "$b_" = "$m_" ] ||
          bad "$1: the --ranks solver on $n ranks: $k $m_, not $b_"
      done
    fi
    xclose "$tmp/sh/xb.csv" "$tmp/sh/xm.csv" && close "$tmp/sh/tb.csv" "$tmp/sh/tm.csv" ||
      bad "$1: the --ranks solver on $n ranks: not mpirun bloc run's x and trace"
    xclose "$b.x1" "$tmp/sh/xm.csv" && close "$b.t1" "$tmp/sh/tm.csv" ||
      bad "$1: the --ranks solver on $n ranks: not one process's x and trace"
  done
}
if [ -x "$MPICC" ]; then
  ranks_solver shard_hyperclean one
  # sharded sparse data: tests/unit/shard_sparse.blo (LIBSVM 23 rows, MatrixMarket 11, dense()
  # of sharded rows) and tests/e2e/sparse.blo cut to 23 rows (X @ ones(d) in the data stage,
  # X' @ (X @ W)) and tests/unit/shard_sparse_batch.blo (minibatches of sharded sparse rows);
  # no split of 2 or 3 ranks is even. Each rank's part reads its rows alone, by
  # the row-range CSR loaders (the whole problem, the parts of 2 ranks, then of 3)
  head -n 24 "$top_srcdir/tests/e2e/sparse_small.svm" >"$tmp/sh/sparse23.svm" # comment + 23
  sed -e 's/^const n = 24$/const n = 23/' -e 's/"sparse_small.svm")$/"sparse23.svm") sharded/' \
    "$top_srcdir/tests/e2e/sparse.blo" >"$tmp/sh/sparse23.blo"
  [ "$(grep -c -e '^const n = 23$' -e 'sharded$' "$tmp/sh/sparse23.blo")" = 3 ] ||
    bad "sparse23.blo: tests/e2e/sparse.blo no longer has the lines the test edits"
  ranks_solver shard_sparse one
  for s in sparse23 shard_sparse_batch; do ranks_solver $s; done
  rows=$(sed -n 's/.*shard_sparse_tr.svm", 23, 12, (RtRows){\([0-9]*\), \([0-9]*\)}.*/\1+\2/p' \
    "$tmp/sh/shard_sparse.c" | tr '\n' ' ')
  [ "$rows" = "0+23 0+11 11+12 0+7 7+8 15+8 " ] ||
    bad "shard_sparse: the parts load the rows $rows of shard_sparse_tr.svm"
  rows=$(sed -n 's/.*shard_sparse_val.mtx", 11, 12, (RtRows){\([0-9]*\), \([0-9]*\)}.*/\1+\2/p' \
    "$tmp/sh/shard_sparse.c" | tr '\n' ' ')
  [ "$rows" = "0+11 0+5 5+6 0+3 3+4 7+4 " ] ||
    bad "shard_sparse: the parts load the rows $rows of shard_sparse_val.mtx"
  # a replicated CSV file read only through sharded declarations' row slices: each part loads
  # the rows its slices take (tests/unit/shard_rowsused.blo), the whole problem all of them
  ranks_solver shard_rowsused
  at='shard_rowsused.csv", rt_shape(2, 13, 3), 0, \([0-9]*\), \([0-9]*\),'
  rows=$(sed -n "s/.*$at.*/\\1+\\2/p" "$tmp/sh/shard_rowsused.c" | tr '\n' ' ')
  [ "$rows" = "1+6 6+7 1+4 4+5 8+5 " ] ||
    bad "shard_rowsused: the parts load the rows $rows of shard_rowsused.csv"
  grep -q 'blo_load("csv", "[^"]*shard_rowsused.csv", rt_shape(2, 13, 3), 0,' \
    "$tmp/sh/shard_rowsused.c" || bad "shard_rowsused: the whole problem does not load all rows"
  # a bad entry in rank 1's rows of a sparse file since generation (file line 21, row 19 of
  # 23; rank 1 of 2 holds rows 11..22): every rank exits 1, one message giving the file's line.
  # The solver is shard_sparse's above (its runs are done; its 2-rank part is the 11+12 split
  # checked above), not a second one compiled for it
  mkdir "$tmp/sp"
  sed -i '21s/^0 4:0.305 /0 4;0.305 /' "$tmp/sh/shard_sparse_tr.svm"
  mpi -n 2 sh "$tmp/erank.sh" "$tmp/sh/shard_sparse.mpi" --quiet >/dev/null 2>"$tmp/sp/err"
  statuses 2 1 "a bad sparse entry, emitted solver on 2 ranks"
  errors "$tmp/sp/err" 1 "a bad sparse entry, emitted solver on 2 ranks"
  grep -q "shard_sparse_tr.svm' line 21: '4;0.305' is not index:value" "$tmp/sp/err" ||
    bad "a bad sparse entry: $(grep error: "$tmp/sp/err")"
  # a rank's rows of computed sharded data turned non-finite since generation: the error names
  # the global row and the declared shape, once, as bloc run's does
  mkdir "$tmp/nf" && printf '0\n0\n0\n0\n1\n1\n0\n' >"$tmp/nf/lab.csv"
  cat >"$tmp/nf/nf.blo" <<'BLO'
problem nf
data lab : vector[7] = load_csv("lab.csv") sharded
data L = log(lab + 1)
upper x : vector[2] = 0
lower y : vector[2] = 0
upper objective f = sumsq(y - 1) + 0.1 * sum(L) * sum(x)
lower objective g = sumsq(y - x)
solve aid_cg(outer_steps = 3)
BLO
  "$bloc" emit-c "$tmp/nf/nf.blo" --ranks 2 -o "$tmp/nf/nf.c" &&
    "$MPICC" -std=c99 -DBLO_USE_MPI "$tmp/nf/nf.c" -o "$tmp/nf/nf" -lm || bad "emit-c of nf.blo"
  printf '0\n0\n0\n0\n1\n-1\n0\n' >"$tmp/nf/lab.csv" # row 5, of rank 1 of 2: log(0)
  mpi -n 2 sh "$tmp/erank.sh" "$tmp/nf/nf" --quiet >/dev/null 2>"$tmp/nf/err"
  statuses 2 1 "non-finite sharded data, emitted solver on 2 ranks"
  errors "$tmp/nf/err" 1 "non-finite sharded data, emitted solver on 2 ranks"
  grep -q "data 'L' (vector\[7\]) holds -inf at \[5\]" "$tmp/nf/err" ||
    bad "non-finite sharded data: $(grep error: "$tmp/nf/err")"
  # a run size the file has no parts for: every rank exits 1, one message
  mpi -n 4 sh "$tmp/erank.sh" "$tmp/sh/shard_hyperclean.mpi" --quiet >/dev/null \
    2>"$tmp/sh/h4.err"
  statuses 4 1 "the --ranks 2,3 solver on 4 ranks"
  errors "$tmp/sh/h4.err" 1 "the --ranks 2,3 solver on 4 ranks"
  grep -q "runs on 1, 2 or 3 processes, not on 4: generate it with bloc emit-c --ranks 4" \
    "$tmp/sh/h4.err" || bad "the --ranks 2,3 solver on 4 ranks: $(grep error: "$tmp/sh/h4.err")"
fi

[ "$fail" = 0 ] && say "mpi.sh: all checks passed"
exit "$fail"
