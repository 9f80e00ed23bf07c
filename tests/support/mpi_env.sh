# mpi_env.sh — sourced by the tests that run bloc under mpirun, with top_srcdir set. A build
# without MPI (MPIRUN empty, from configure) skips them: status 77. In a build with AddressSanitizer
# (SAN_FLAGS from configure --enable-asan), LeakSanitizer would report what OpenMPI and OpenBLAS
# allocate once and keep to the end of the process. Their stacks are symbolised only when
# OpenMPI keeps its components loaded and the unwinder walks frames without frame pointers;
# lsan-mpi.supp then names the libraries. Leaks in bloc's own code are still reported.
MPIRUN=${MPIRUN:-}
[ -n "$MPIRUN" ] || { echo "SKIP: bloc was built without MPI (configure --with-mpi)"; exit 77; }
case ${SAN_FLAGS:-} in
*-fsanitize=address*)
  LSAN_OPTIONS=suppressions=$top_srcdir/tests/support/lsan-mpi.supp:fast_unwind_on_malloc=0
  OMPI_MCA_mca_base_component_disable_dlclose=1
  export LSAN_OPTIONS OMPI_MCA_mca_base_component_disable_dlclose ;;
esac
# Open MPI's point-to-point layer: ob1 (shared memory between the ranks of this one machine)
# unless the caller chose one. The default first probes UCX, which doubles the start-up of each
# mpirun (0.40 s against 0.19 s for two ranks of a small problem), over the ~100 the suite runs.
# MPICH ignores the variable.
OMPI_MCA_pml=${OMPI_MCA_pml:-ob1}
export OMPI_MCA_pml
