#!/bin/sh
# oom_status.sh — out of memory is status 3 (BLOC_ERR_MEMORY; Python's MemoryError) on every
# path, with its message, and the library leaves its caller alive:
# - bloc run: a loader's values ("'X.npy': out of memory for N values"), exact's dense Hessian,
#   LancBiO's basis and precision f32's copy of the data were reported with status 1, a user
#   error;
# - bloc_prepare: a data declaration's generator, or variables, too large for the room ended
#   the caller's process (blo_oom: "bloc: out of memory (N bytes)", status 3);
# - bloc_solve under an address-space limit: exact's Hessian refused was BLOC_ERR_INPUT, and
#   with room for the Hessian but not for OpenBLAS's work buffer dpotrf retried malloc forever.
# The limits leave each allocation its chance to fail; a limit that happens to be enough may
# give status 0, never 1, a crash or a hang. Skipped under AddressSanitizer (its shadow memory
# fits no address-space limit).
. "$(dirname "$0")/prologue.sh"
case ${SAN_FLAGS:-} in *address*) echo "skip: AddressSanitizer build"; exit 77 ;; esac
quick_cc # the compiler of the emitted solver ($QCC)

# run KB CMD...: CMD under `ulimit -v KB`, killed after 120 s (status 137: a hang); $st, $out
run() {
  kb=$1
  shift
  (ulimit -v "$kb" && exec timeout -s KILL 120 "$@") >"$tmp/out" 2>&1
  st=$?
  out=$(cat "$tmp/out")
}

# want3 WHAT MESSAGE: the last run gave status 3 and said MESSAGE
want3() {
  case $st:$out in
    3:*"$2"*) ;;
    *) fail "$1: status $st: $out" ;;
  esac
}

# A 2000 x 10000 NPY of zeros (160 MB, a sparse file: no disk written): the data stage holds
# the declaration's buffer, into which the loader converts the file block by block.
{
  printf '\223NUMPY\001\000\166\000'
  printf "%-117s\n" "{'descr': '<f8', 'fortran_order': False, 'shape': (2000, 10000), }"
} >"$tmp/X.npy"
truncate -s $((128 + 2000 * 10000 * 8)) "$tmp/X.npy"
cat >"$tmp/npy.blo" <<'BLO'
data X : matrix[2000, 10000] = load_npy("X.npy")
upper lam : scalar = 0
lower w : vector[10000] = 0
upper objective f = 0.5 * sumsq(w - 1)
lower objective g = 0.5 * sumsq(X @ w) / 2000 + 0.5 * exp(lam) * sumsq(w)
solve aid_cg(outer_steps = 1)
BLO
for kb in 650000 700000 800000 900000; do
  run $kb "$bloc" run --quiet "$tmp/npy.blo"
  case $st in
    0) ;;
    3) case $out in *"out of memory"*) ;; *) fail "npy, ulimit -v $kb: status 3: $out" ;; esac ;;
    *) fail "npy, ulimit -v $kb: status $st, not 3 or 0: $out" ;;
  esac
done

# exact's dense 20000 x 20000 Hessian (3.2 GB) and LancBiO's basis (201 vectors of 10^6)
cat >"$tmp/exact.blo" <<'BLO'
upper x : vector[20000] = 1
lower y : vector[20000] = 0
upper objective f = 0.5 * sumsq(y - 1)
lower objective g = 0.5 * sumsq(y - x)
solve exact(outer_steps = 1, max_ny = 20000)
BLO
run 1500000 "$bloc" run --quiet "$tmp/exact.blo"
want3 "exact's Hessian" "out of memory for the dense 20000 x 20000 Hessian"
cat >"$tmp/lanc.blo" <<'BLO'
upper x : vector[1000000] = 1
lower y : vector[1000000] = 0
upper objective f = 0.5 * sumsq(y - 1)
lower objective g = 0.5 * sumsq(y - x)
solve lancbio(outer_steps = 1, m_max = 200)
BLO
run 1500000 "$bloc" run --quiet "$tmp/lanc.blo"
want3 "LancBiO's basis" "out of memory allocating the Lanczos basis"

# precision f32: the data's float copy (576 MB) beside its doubles (1152 MB)
cat >"$tmp/f32.blo" <<'BLO'
data X : matrix[12000, 12000] = uniform(0, 1)
upper x : vector[12000] = 1
lower y : vector[12000] = 0
upper objective f = 0.5 * sumsq(y - 1)
lower objective g = 0.5 * sumsq(y - x) + 0.001 * dot(y, X @ y)
solve aid_cg(outer_steps = 1)
BLO
run 1800000 "$bloc" run --precision f32 --quiet "$tmp/f32.blo"
case $st:$out in
  0:* | 3:*"out of memory"*) ;;
  *) fail "precision f32: status $st: $out" ;;
esac

# a solver from bloc emit-c shares the runtime: the same status 3
# -O0: the fastest build of the emitted file (its runtime is 1.3 MB of C); the run is tiny
if "$bloc" emit-c "$tmp/exact.blo" -o "$tmp/exact_solver.c" &&
   "$QCC" -std=c99 -O0 "$tmp/exact_solver.c" -o "$tmp/exact_solver" -lm; then
  run 1500000 "$tmp/exact_solver" --quiet
  want3 "emitted solver, exact's Hessian" "out of memory for the dense 20000 x 20000 Hessian"
else
  fail "cannot emit and build the exact solver"
fi

# The C API: statuses, the caller alive after them
lib=$build/.libs
if [ ! -f "$lib/libbloc.so" ]; then
  echo "$(basename "$0" .sh): skipped the C API and Python: no shared libbloc"
  exit $fails
fi
cat >"$tmp/prog.c" <<'EOF'
#include <stdio.h>
#include "bloc.h"
int main(int argc, char **argv) {
  bloc_problem *p;
  bloc_result *r = NULL;
  if (argc != 2 || bloc_problem_new(&p) != BLOC_OK) return 9;
  int st = bloc_compile_file(p, argv[1]);
  if (st == BLOC_OK) st = bloc_prepare(p, NULL);
  if (st == BLOC_OK) st = bloc_solve(p, NULL, NULL, NULL, &r);
  for (int i = 0; i < bloc_problem_diag_count(p); i++)
    fputs(bloc_diag_text(bloc_problem_diag(p, i)), stdout);
  printf("status %d\n", st);
  bloc_result_free(r);
  bloc_problem_free(p);
  return 0;
}
EOF
# shellcheck disable=SC2086
${CC:-cc} -std=c99 -I"$src/api" "$tmp/prog.c" -o "$tmp/prog" -L"$lib" -lbloc \
  ${BLOC_LINK_LIBS:--lm} || { fail "cannot link a program against $lib/libbloc.so"; exit 1; }
cat >"$tmp/gen.blo" <<'BLO'
const n = 20000
data X : matrix[n, n] = normal(0, 1)
upper x : vector[n] = 1
lower y : vector[n] = 0
upper objective f = 0.5 * sumsq(y - 1)
lower objective g = 0.5 * sumsq(y - x) + 0.001 * dot(y, X @ y)
solve aid_cg(outer_steps = 1)
BLO
cat >"$tmp/vars.blo" <<'BLO'
const n = 200000000
upper x : vector[n] = 1
lower y : vector[n] = 0
upper objective f = 0.5 * sumsq(y - 1)
lower objective g = 0.5 * sumsq(y - x)
solve aid_cg(outer_steps = 1)
BLO
export LD_LIBRARY_PATH=$lib
# BLOC_VERIFY's checks of the JIT's plan (on the JIT's thread, beside the data stage) take
# memory of the compiler's own, which still ends the process (doc/api.md): not what is tested
unset BLOC_VERIFY
run 1500000 "$tmp/prog" "$tmp/gen.blo"
case $st:$out in
  "0:"*"data 'X' (matrix[20000, 20000]): out of memory for 400000000 values"*"status 3") ;;
  *) fail "bloc_prepare, a generator too large: exit $st: $out" ;;
esac
run 1500000 "$tmp/prog" "$tmp/vars.blo"
# each variable (1.6 GB) larger than the limit: with two of 1.2 GB the first fitted when the
# program's own mappings were small enough (libbloc with LLVM linked in is 62 MB where libLLVM
# is 130), and LLVM's compile, beside the data stage, ran out instead
case $st:$out in # the variables' buffers, or their initial values' evaluation
  "0:"*"out of memory for "*"200000000 values"*"status 3") ;;
  *) fail "bloc_prepare, variables too large: exit $st: $out" ;;
esac
# exact's 128 MB Hessian: refused (500000), or taken with no room left for OpenBLAS's buffer
# (600000: the hang), or both fit
sed "s/20000/4000/g" "$tmp/exact.blo" >"$tmp/exact4k.blo"
for kb in 500000 600000 700000; do
  run $kb env OPENBLAS_NUM_THREADS=1 "$tmp/prog" "$tmp/exact4k.blo"
  case $st:$out in
    "0:"*"status 0" | "0:"*"out of memory"*"status 3") ;;
    *) fail "bloc_solve, exact under ulimit -v $kb: exit $st (137: a hang): $out" ;;
  esac
done

# Python: MemoryError with the message, and the interpreter goes on
. "$src/tests/support/find_python.sh"
if ! find_python numpy; then
  echo "$(basename "$0" .sh): skipped Python: no python3 with numpy"
  exit $fails
fi
cat >"$tmp/oom.py" <<'EOF'
import sys
import bloc
p = bloc.compile(sys.argv[1])
try:
    p.solve()
    print("solved")
except MemoryError as e:
    print("MemoryError:", e)
print("alive")
EOF
run 1500000 env BLOC_LIBRARY="$lib/libbloc.so" PYTHONPATH="$src/python" \
  PYTHONDONTWRITEBYTECODE=1 "$py" "$tmp/oom.py" "$tmp/gen.blo"
case $st:$out in
  "0:MemoryError: "*"data 'X' (matrix[20000, 20000]): out of memory"*"alive") ;;
  *) fail "Python, a generator too large: exit $st: $out" ;;
esac
exit $fails
