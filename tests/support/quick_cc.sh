# quick_cc.sh — sourced by the tests that build emitted solvers only to run them, where no gcc
# warning or optimisation is what they check (tests/e2e/emit_c.sh checks both compilers' builds
# without a warning). Each probes in $tmp, a directory of the caller's, and removes its files
# (outputs.sh checks that nothing is left there).

# quick_cc: $QCC, clang when configure found one ($CLANG) that builds and runs a program with
# SAN_FLAGS (it builds the 1.3 MB emitted file at -O0 in ~1 s of CPU, gcc in 2.5-3 s), else $CC
quick_cc() {
  QCC=${CC:-cc}
  [ -n "${CLANG:-}" ] && [ "$CLANG" != "$QCC" ] || return 0
  printf '#include <math.h>\nint main(void) { return sqrt(4.0) < 1; }\n' >"$tmp/quick_cc.c"
  # shellcheck disable=SC2086
  $CLANG ${SAN_FLAGS:-} "$tmp/quick_cc.c" -o "$tmp/quick_cc" -lm >/dev/null 2>&1 &&
    "$tmp/quick_cc" && QCC=$CLANG
  rm -f "$tmp/quick_cc.c" "$tmp/quick_cc"
}

# quick_mpicc MPICC: Open MPI's mpicc compiles with $OMPI_CC, exported as $CLANG when it builds
# an MPI program that way (MPICH's mpicc ignores OMPI_CC: nothing changes there)
quick_mpicc() {
  [ -x "$1" ] && [ -n "${CLANG:-}" ] || return 0
  printf '#include <mpi.h>\nint main(void) { return MPI_VERSION < 1; }\n' >"$tmp/ompi_cc.c"
  if OMPI_CC=$CLANG "$1" "$tmp/ompi_cc.c" -o "$tmp/ompi_cc" >/dev/null 2>&1; then
    OMPI_CC=$CLANG
    export OMPI_CC
  fi
  rm -f "$tmp/ompi_cc.c" "$tmp/ompi_cc"
}
