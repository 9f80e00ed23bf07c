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
#   - a numerical failure (status 2) on 2 and 3 ranks: every rank exits 2, one message.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
bloc=${BLOC:-$top_builddir/bloc}
case $bloc in /*) ;; *) bloc=$(pwd)/$bloc ;; esac
MPIRUN=${MPIRUN:-}
if [ -z "$MPIRUN" ]; then
  echo "SKIP: bloc was built without MPI (configure --with-mpi)"
  exit 77
fi
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

[ "$fail" = 0 ] && say "mpi.sh: all checks passed"
exit "$fail"
