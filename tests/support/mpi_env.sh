# mpi_env.sh — sourced by the tests that run bloc under mpirun. In a build with AddressSanitizer
# (SAN_FLAGS from configure --enable-asan), LeakSanitizer would report what OpenMPI and OpenBLAS
# allocate once and keep to the end of the process. Their stacks are symbolised only when
# OpenMPI keeps its components loaded and the unwinder walks frames without frame pointers;
# lsan-mpi.supp then names the libraries. Leaks in bloc's own code are still reported.
case ${SAN_FLAGS:-} in
*-fsanitize=address*)
  LSAN_OPTIONS=suppressions=$top_srcdir/tests/support/lsan-mpi.supp:fast_unwind_on_malloc=0
  OMPI_MCA_mca_base_component_disable_dlclose=1
  export LSAN_OPTIONS OMPI_MCA_mca_base_component_disable_dlclose ;;
esac
