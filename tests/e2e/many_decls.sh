#!/bin/sh
# many_decls.sh — time and memory linear in the number of declarations (make check). Generated
# here: 70,000 `data` declarations, then 70,000 `upper` ones, each run by `bloc run` under a
# 1 GiB address-space limit and 1 s of CPU (one thread, the reference evaluator: no LLVM, no
# OpenBLAS threads, so the limits do not depend on the machine). The data stage evaluates every
# data declaration and every initial value on its own, and each evaluation once took arrays of
# the whole graph's node count: an arena array in ir_topo (8 bytes x N^2 / 2: 3.2 GB of peak RSS
# at 20,000), then five cleared arrays per evaluation in ir_eval (22 bytes x N^2: 2.2 s of CPU
# at 70,000, 78% of it in memset); now a traversal's bookkeeping is a hash map of the nodes it
# reaches: 0.26 s and 170 MB at 70,000. Evaluating the initial values one declaration at a time
# also cost 4.7 s of CPU at 20,000 (0.1 s in batches). Skipped under AddressSanitizer, whose
# shadow memory no address-space limit admits.
. "$(dirname "$0")/prologue.sh"
case ${SAN_FLAGS:-} in *address*) echo "skip: AddressSanitizer build"; exit 77 ;; esac
N=70000
LIMIT_KB=1048576
LIMIT_CPU_S=1

# run NAME FILE WANT: bloc run FILE under the limits succeeds and prints the line WANT
run() {
  (ulimit -v $LIMIT_KB && ulimit -t $LIMIT_CPU_S &&
    exec env BLOC_THREADS=1 OPENBLAS_NUM_THREADS=1 timeout 120 "$bloc" run --quiet \
      --backend interp "$2") >"$tmp/out" 2>"$tmp/err"
  st=$?
  if [ $st != 0 ]; then
    fail "$1: bloc run failed (status $st) within ${LIMIT_KB} KB and ${LIMIT_CPU_S} s of CPU:
$(head -3 "$tmp/err")"
  elif ! grep -qx "$3" "$tmp/out"; then
    fail "$1: no line '$3' in
$(cat "$tmp/out")"
  fi
}

awk -v n=$N 'BEGIN {
  for (i = 0; i < n; i++) print "data d" i " = " i # distinct: equal constants are one node
  print "upper x : vector[2] = 0"
  print "lower y : vector[2] = 0"
  print "upper objective f = sumsq(x - y)"
  print "lower objective g = sumsq(y - x)"
  print "report r = d" n - 2
  print "solve lancbio(outer_steps = 1)"
}' >"$tmp/data.blo"
run "$N data declarations" "$tmp/data.blo" "  r = $((N - 2))"

awk -v n=$N 'BEGIN {
  for (i = 0; i < n; i++) print "upper u" i " = " i
  print "lower y = 0"
  print "upper objective f = (y - u0) ^ 2"
  print "lower objective g = (y - u1) ^ 2"
  print "report r = u" n - 2
  print "solve lancbio(outer_steps = 1)"
}' >"$tmp/upper.blo"
run "$N upper declarations" "$tmp/upper.blo" "  r = $((N - 2))"

if [ $fails -gt 0 ]; then
  echo "many_decls: $fails failure(s)"
  exit 1
fi
echo "many_decls: ok"
