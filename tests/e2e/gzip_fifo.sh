#!/bin/sh
# gzip_fifo.sh — a gzip'ed data file that is not a regular file (doc/data.md): read through a
# FIFO or from /dev/stdin, load_csv, load_npy, load_libsvm, load_mtx and a slice of load_idx
# give the values of the plain regular file. A stream can be read only once: the loader used to
# look at the magic bytes and then open the path again to inflate it, which blocked forever on a
# FIFO (its writer had gone) and found a pipe on stdin empty; an IDX slice read the file's
# header before reading the file (plain too). Each run has a timeout: a hang fails the test.
. "$(dirname "$0")/prologue.sh"
top_srcdir=$src
cd "$tmp" || exit 1
bad() { fail "$@"; }

printf '1,2.5\n3,4\n-5,6e-1\n' >d.csv
cp "$top_srcdir/tests/golden/tensor_6x2.npy" d.npy
cp "$top_srcdir/tests/e2e/sparse_small.svm" d.svm
cp "$top_srcdir/tests/e2e/sparse_small.mtx" d.mtx
# an IDX file of 8 x 2 bytes, of which only the first 4 rows are read (a slice)
printf '\0\0\10\2\0\0\0\10\0\0\0\2\1\2\3\4\5\6\7\10\11\12\13\14\15\16\17\20' >d.idx

# prog FORMAT PATH: a problem whose f is the sum of the data loaded from PATH
prog() {
  case $1 in
  csv) decl='D : matrix[3, 2] = load_csv' ;;
  npy) decl='D : matrix[6, 2] = load_npy' ;;
  svm) decl='S : sparse[24, 10] = load_libsvm' ;;
  mtx) decl='S : sparse[24, 10] = load_mtx' ;;
  idx) decl='I : matrix[8, 2] = load_idx' ;;
  esac
  echo 'problem t'
  echo "data $decl(\"$2\")"
  case $1 in
  svm | mtx) echo 'data D : matrix[24, 10] = dense(S)' ;;
  idx) echo 'data D : matrix[4, 2] = I[0:4, :]' ;;
  esac
  echo 'upper x : scalar = 0'
  echo 'lower y : scalar = 0'
  echo 'upper objective f = sum(D) + x*x + y*y'
  echo 'lower objective g = sumsq(y - x)'
  echo 'solve aid_cg(outer_steps = 2)'
}

run() { timeout 20 "$bloc" eval "$@" --what f 2>&1; }

for fmt in csv npy svm mtx idx; do
  prog $fmt "d.$fmt" >file.blo
  prog $fmt fifo >fifo.blo
  prog $fmt /dev/stdin >stdin.blo
  want=$(run file.blo) || { bad "$fmt: the regular file: $want"; continue; }
  gzip -c "d.$fmt" >"d.$fmt.gz"
  for z in plain gzip; do
    src=d.$fmt
    [ $z = gzip ] && src=d.$fmt.gz
    rm -f fifo
    mkfifo fifo
    cat "$src" >fifo &
    got=$(run fifo.blo)
    if [ "$got" != "$want" ]; then
      bad "$fmt ($z) through a FIFO: $got"
      # a writer left blocked (the loader never opened the FIFO) is released here
      timeout 5 cat fifo >/dev/null 2>&1
    fi
    wait
    got=$(run stdin.blo <"$src")
    [ "$got" = "$want" ] || bad "$fmt ($z) on stdin: $got"
    got=$(cat "$src" | run stdin.blo)
    [ "$got" = "$want" ] || bad "$fmt ($z) piped to stdin: $got"
  done
done
# the row-range reader (rt_stream.c) of sharded data: rank 1 of 2 reads the last rows
prog csv d.csv | sed 's/")$/") sharded/' >file.blo
prog csv fifo | sed 's/")$/") sharded/' >fifo.blo
prog csv /dev/stdin | sed 's/")$/") sharded/' >stdin.blo
export BLOC_SHARD=1/2
want=$(run file.blo) || bad "sharded csv: the regular file: $want"
rm -f fifo
mkfifo fifo
gzip -c d.csv >fifo &
got=$(run fifo.blo)
if [ "$got" != "$want" ]; then
  bad "sharded csv (gzip) through a FIFO: $got"
  timeout 5 cat fifo >/dev/null 2>&1
fi
wait
got=$(gzip -c d.csv | run stdin.blo)
[ "$got" = "$want" ] || bad "sharded csv (gzip) piped to stdin: $got"
unset BLOC_SHARD
[ $fails -eq 0 ] && echo "ok: gzip'ed and plain data through a FIFO and stdin"
exit $((fails > 0))
