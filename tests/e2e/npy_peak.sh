#!/bin/sh
# npy_peak.sh — load_npy converts its file block by block into the data stage's buffer: its
# peak is the values (8 bytes each) and a small buffer, whatever the dtype. It read the whole
# file, converted it into a tensor of its own and copied that into the buffer: twice the
# values and the file (797 MB for Fashion-MNIST's 47 MB of u8, where IDX took 475 MB).
# A 10000 x 10000 u8 array (a 100 MB sparse file: nothing written to disk; 800 MB of doubles)
# must load under an address-space limit of bloc's own need plus 1.2 GB: the values fit, the
# old 1.7 GB did not (status 3). bloc's own need (LLVM, threads) is measured here first, on
# the same program with a 2 x 2 file. Skipped under AddressSanitizer (its shadow memory fits
# no address-space limit).
. "$(dirname "$0")/prologue.sh"
case ${SAN_FLAGS:-} in *address*) echo "skip: AddressSanitizer build"; exit 77 ;; esac

# npy FILE DESCR ROWS COLS BYTES: an NPY v1.0 header of 128 bytes, the data a hole of BYTES
npy() {
  {
    printf '\223NUMPY\001\000\166\000'
    printf "%-117s\n" "{'descr': '$2', 'fortran_order': False, 'shape': ($3, $4), }"
  } >"$1"
  truncate -s $((128 + $5)) "$1"
}
npy "$tmp/small.npy" '|u1' 2 2 4
npy "$tmp/big.npy" '|u1' 10000 10000 100000000
# prog FILE ROWS COLS: a program that reads the whole matrix (a report of its sum)
prog() {
  cat <<BLO
data A : matrix[$2, $3] = load_npy("$1")
upper a : scalar = 0
lower b : scalar = 0
upper objective f = (b - 1) ^ 2
lower objective g = (b - a) ^ 2
report s = sum(A)
solve exact(outer_steps = 1)
BLO
}
prog small.npy 2 2 >"$tmp/small.blo"
prog big.npy 10000 10000 >"$tmp/big.blo"

# run KB BLO: bloc run under `ulimit -v KB`, killed after 120 s; $st, $out
run() {
  (ulimit -v "$1" && exec timeout -s KILL 120 "$bloc" run "$2") >"$tmp/out" 2>&1
  st=$?
  out=$(cat "$tmp/out")
}

base=
for kb in 300000 400000 500000 600000 700000 800000 1000000 1200000 1600000 2000000; do
  run $kb "$tmp/small.blo"
  if [ $st = 0 ]; then
    base=$kb
    break
  fi
done
if [ -z "$base" ]; then
  fail "the 2 x 2 program does not run under 2 GB of address space: status $st: $out"
  exit $fails
fi
run $((base + 1200000)) "$tmp/big.blo"
case $st:$out in
  0:*"s = 0"*) ;;
  *) fail "a 10000 x 10000 u8 NPY under ulimit -v $((base + 1200000)) (bloc alone: $base):" \
    "status $st: $out" ;;
esac
exit $fails
