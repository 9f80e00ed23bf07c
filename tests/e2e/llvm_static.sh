#!/bin/sh
# llvm_static.sh — a build whose configure linked LLVM's static libraries (STATIC_LLVM=yes, from
# configure; doc/install.md, "LLVM") gives bloc and libbloc.so no run-time dependency on the
# shared libLLVM, nor on the system libraries LLVM was built with that the components used do
# not call (libxml2, Z3: kept out by --as-needed); and bloc still compiles kernels (the
# native target and its code generator are linked in: a missing component links, then fails
# at run time). Skipped (status 77) in a build with the shared libLLVM.
. "$(dirname "$0")/prologue.sh"
[ "${STATIC_LLVM:-}" = yes ] || { echo "SKIP: this build links the shared libLLVM"; exit 77; }
command -v readelf >/dev/null || { echo "SKIP: no readelf"; exit 77; }
for f in "$bloc" "$build/.libs/libbloc.so"; do
  [ -f "$f" ] || continue
  needed=$(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  [ -n "$needed" ] || fail "$f: readelf shows no NEEDED entry"
  bad=$(echo "$needed" | grep -E '^lib(LLVM|xml2|z3)')
  [ -z "$bad" ] || fail "$f needs $(echo "$bad" | tr '\n' ' ')"
done
# a compile with the cache off: LLVM's code generator at work in the static bloc
BLOC_CACHE=0 "$bloc" run --quiet "$src/tests/e2e/quadratic.blo" >"$tmp/out" 2>"$tmp/err" ||
  fail "bloc run with the cache off: status $?: $(head -3 "$tmp/err")"
grep -q 'stopped' "$tmp/out" || fail "bloc run printed no result: $(head -3 "$tmp/out")"
[ $fails = 0 ] && echo "ok: bloc and libbloc.so carry LLVM; no libLLVM, libxml2 or libz3 needed"
exit $((fails > 0))
