# quick_cc.sh — sourced by the tests that build emitted solvers only to run them, where no gcc
# warning or optimisation is what they check (tests/e2e/emit_c.sh checks both compilers' builds
# without a warning), and by emit_c.sh for what the compilers can build. Each probes in $tmp, a
# directory of the caller's, and removes its files (outputs.sh checks nothing is left there).

# cc_probe_one CC HEADER CALL LIBS [run]: prints 1 when CC (with SAN_FLAGS) compiles and links
# `return (int)(CALL);` with LIBS and -lm (and, given run, the program exits 0), else 0
cc_probe_one() {
  printf '#include <%s>\nint main(void) { return (int)(%s); }\n' "$2" "$3" >"$tmp/cc_probe.c"
  # shellcheck disable=SC2086
  if $1 ${SAN_FLAGS:-} "$tmp/cc_probe.c" -o "$tmp/cc_probe" $4 -lm >/dev/null 2>&1 &&
     { [ -z "${5:-}" ] || "$tmp/cc_probe"; }; then
    echo 1
  else
    echo 0
  fi
  rm -f "$tmp/cc_probe.c" "$tmp/cc_probe"
}

# cc_probes: what the compilers build here, 0 or 1 each: cc_cblas and cc_zlib ($CC links
# OpenBLAS's CBLAS, zlib), clang_run ($CLANG builds a program that runs), clang_cblas ($CLANG
# links CBLAS). make check asks once: tests/cc_probes.env, written before the tests start
# (tests/support/cc_probes.sh, Makefile.am), holds the answers for its compilers and SAN_FLAGS,
# named on its first line; a test run alone, or with other compilers, probes for itself (once:
# a second call keeps the first's answers). (The probes took 0.6 s of CPU in each of
# emit_c.sh's 91 cases: 55 s of the suite.)
cc_probes() {
  cc_key="${CC:-cc}|${CLANG:-}|${SAN_FLAGS:-}"
  [ "${cc_probed:-}" = "$cc_key" ] && return 0
  cc_probed=$cc_key
  cc_file=${top_builddir:-/nonexistent}/tests/cc_probes.env
  if [ -f "$cc_file" ] && [ "$(sed -n 1p "$cc_file")" = "# $cc_key" ]; then
    . "$cc_file"
    return 0
  fi
  cc_cblas=$(cc_probe_one "${CC:-cc}" cblas.h "cblas_ddot(0, 0, 1, 0, 1)" -lopenblas)
  cc_zlib=$(cc_probe_one "${CC:-cc}" zlib.h "zlibVersion() == 0" -lz)
  clang_run=0 clang_cblas=0
  if [ -n "${CLANG:-}" ]; then
    clang_run=$(cc_probe_one "$CLANG" math.h "sqrt(4.0) < 1" "" run)
    clang_cblas=$(cc_probe_one "$CLANG" cblas.h "cblas_ddot(0, 0, 1, 0, 1)" -lopenblas)
  fi
}

# quick_cc: $QCC, clang when configure found one ($CLANG) that builds and runs a program with
# SAN_FLAGS (it builds the 1.3 MB emitted file at -O0 in ~1 s of CPU, gcc in 2.5-3 s), else $CC
quick_cc() {
  QCC=${CC:-cc}
  [ -n "${CLANG:-}" ] && [ "$CLANG" != "$QCC" ] || return 0
  cc_probes
  [ "$clang_run" = 1 ] && QCC=$CLANG
  return 0
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
