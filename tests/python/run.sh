#!/bin/sh
# run.sh — the Python module's tests (tests/python/test_bloc.py) against the library just
# built: python/bloc from the source tree, libtool's .libs/libbloc.so through BLOC_LIBRARY.
# Python is configure's BLOC_PYTHON (a python3 with numpy); without one the test is skipped
# (exit 77). CI installs python3-numpy (.ci/packages).
set -u
top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${top_builddir:-$top}
. "$top/tests/support/find_python.sh"
if ! find_python numpy; then
  echo "SKIP: no python3 with numpy (Debian: apt-get install python3-numpy)"; exit 77
fi
lib=$build/.libs/libbloc.so
[ -f "$lib" ] || { echo "SKIP: no shared libbloc ($lib): configured with --disable-shared?"
                   exit 77; }
# A libbloc built with AddressSanitizer (SAN_FLAGS from configure --enable-asan) loads into a
# Python that is not: ASan's runtime must then be preloaded, and Python's own allocations,
# which it never frees at exit, are not leaks of ours.
case ${SAN_FLAGS:-} in
*-fsanitize=address*)
  LD_PRELOAD=$(${CC:-cc} -print-file-name=libasan.so)${LD_PRELOAD:+:$LD_PRELOAD}
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
  export LD_PRELOAD ASAN_OPTIONS ;;
esac
BLOC_LIBRARY=$lib PYTHONPATH=$top/python${PYTHONPATH:+:$PYTHONPATH} PYTHONDONTWRITEBYTECODE=1 \
  BLOC=${BLOC:-$build/bloc} exec "$py" "$top/tests/python/test_bloc.py"
