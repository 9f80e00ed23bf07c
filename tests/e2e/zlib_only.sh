#!/bin/sh
# zlib_only.sh — with libdeflate in the build (configure --with-libdeflate, the default when it
# is found), whole gzip'ed data files are inflated by it and zlib is the fallback
# (runtime/rt_data.c). The data tests then run once more with libdeflate turned off
# (BLOC_LIBDEFLATE=0): every data test passes both ways. tests/unit/test_data also compares
# the two paths byte for byte on good and damaged files.
set -u
build=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
export BLOC_LIBDEFLATE=0
fails=0
for t in test_data test_data_bounds test_sparse_load test_rows; do
  exe=$build/tests/unit/$t
  [ -x "$exe" ] || { echo "FAIL: $exe is not built"; fails=$((fails + 1)); continue; }
  if "$exe" >"$build/tests/e2e/zlib_only.$t.out" 2>&1; then
    echo "ok: $t with BLOC_LIBDEFLATE=0"
  else
    echo "FAIL: $t with BLOC_LIBDEFLATE=0"
    sed 's/^/  | /' "$build/tests/e2e/zlib_only.$t.out" | grep -E "FAIL|ERROR" | head -20
    fails=$((fails + 1))
  fi
  rm -f "$build/tests/e2e/zlib_only.$t.out"
done
[ "$fails" -eq 0 ]
