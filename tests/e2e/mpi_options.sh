#!/bin/sh
# mpi_options.sh — errors in bloc run's command line and environment under mpirun (skipped,
# status 77, in a build without MPI): every rank exits 1 promptly and one message is printed.
#   - outputs that clash (two of them one file, stdout twice) or an output that is an input
#     (a data file, the program): found by rank 0 alone, inside the solve, while the other
#     ranks waited in a collective for ever (timeout's 124); with sharded data and without;
#   - BLOC_SHARD=R/N left in the environment, which mpirun hands to every rank: each compiled
#     the same share and the run summed them, a wrong answer with status 0.
# Each mpirun is bounded by `timeout` (MPI_TIMEOUT seconds, 30 unless set); each rank's
# status is written by rank.sh.
. "$(dirname "$0")/prologue.sh"
top_srcdir=$src
. "$src/tests/support/mpi_env.sh"
cd "$tmp" || exit 1
limit=${MPI_TIMEOUT:-30}

cat >shard.blo <<'EOB'
problem shard
data A : matrix[5, 2] = load_csv("A.csv") sharded
upper x : vector[2] = 0
lower y : vector[2] = 0
upper objective f = 0.5 * sumsq(y - 1) + 0.05 * sumsq(x)
lower objective g = 0.5 * mean((A @ y - 1) ^ 2) + 0.5 * sumsq(y - x)
solve aid_cg(outer_steps = 5)
EOB
printf '1,0\n0,1\n1,1\n2,0\n0,2\n' >A.csv
sed -e 's/^problem shard/problem whole/' -e 's/ sharded$//' shard.blo >whole.blo
cat >rank.sh <<SH
"$bloc" run "\$@"
echo \$? >"$tmp/st.\$OMPI_COMM_WORLD_RANK"
SH

# expect N WHAT MESSAGE ARGS...: bloc run ARGS on N ranks: every rank exits 1, one error line
# on stderr, and it holds MESSAGE
expect() {
  n=$1 what=$2 msg=$3 before=$fails
  shift 3
  rm -f st.*
  timeout "$limit" "$MPIRUN" --oversubscribe --allow-run-as-root -n "$n" sh rank.sh "$@" --quiet \
    >out 2>err
  rc=$?
  [ $rc = 124 ] && { fail "$what on $n ranks: still running after $limit s"; return; }
  r=0
  while [ $r -lt "$n" ]; do
    st=$(cat st.$r 2>/dev/null || echo none)
    [ "$st" = 1 ] || fail "$what on $n ranks: rank $r exited $st, not 1"
    r=$((r + 1))
  done
  ne=$(grep -c 'error:' err)
  [ "$ne" = 1 ] || fail "$what on $n ranks: $ne error lines, not 1: $(head -3 err)"
  grep -q -e "$msg" err || fail "$what on $n ranks: no '$msg' in: $(head -3 err)"
  [ -s out ] && fail "$what on $n ranks: output on stdout"
  [ $fails = "$before" ] && echo "ok: $what on $n ranks"
}

for p in shard whole; do
  for n in 2 3; do
    expect $n "$p: --out o.json --trace o.json" "both write 'o.json'" $p.blo \
      --out o.json --trace o.json
    expect $n "$p: --save-x - --out -" "both write '-'" $p.blo --save-x - --out -
    expect $n "$p: --save-x sx.csv --save-y sx.csv" "both write 'sx.csv'" $p.blo \
      --save-x sx.csv --save-y sx.csv
    expect $n "$p: --save-y A.csv" "is the input 'A.csv'" $p.blo --save-y A.csv
    expect $n "$p: --save-y $p.blo" "is the input '$p.blo'" $p.blo --save-y $p.blo
  done
done
ls o.json sx.csv 2>/dev/null && fail "a refused output was written"

# BLOC_SHARD under mpirun: refused on every rank; on one rank it is one process's testing aid
BLOC_SHARD=1/3
export BLOC_SHARD
for n in 2 3; do
  expect $n "BLOC_SHARD=1/3" "BLOC_SHARD=1/3 is set, but this is rank 0 of $n" shard.blo
done
timeout "$limit" "$MPIRUN" --oversubscribe --allow-run-as-root -n 1 "$bloc" run shard.blo \
  >out 2>err || fail "BLOC_SHARD=1/3 on one rank: exit $?: $(head -3 err)"
grep -q "compiled as rank 1 of 3" err || fail "BLOC_SHARD=1/3 on one rank: no warning"
exit $((fails > 0))
