#!/bin/sh
# lib_symbols.sh — libbloc exports only bloc's prefixes (bloc_, blo_, rt_), shared and static:
# a program defining its own xmalloc, arena_init, ... (lib_symbols.c) links against either and
# solves a problem, its functions never called by libbloc. Before, the shared libbloc called
# the program's arena_init from bloc_compile_string, and the static one clashed at link time.
. "$(dirname "$0")/prologue.sh"
lib=$build/.libs
so=$lib/libbloc.so
a=$lib/libbloc.a
[ -f "$so" ] || [ -f "$a" ] || { echo "SKIP: no libbloc built"; exit 77; }
want='x = (0.9901, 0.9901)
the program'"'"'s own functions ran 0 times'
# the defined global symbols of a library not under bloc's prefixes
foreign() {
  nm "$@" --defined-only "$1" | awk 'NF == 3 && $2 ~ /[A-Z]/ { print $3 }' |
    grep -v -E '^(bloc|blo|rt)_' | grep -v -E '^(_init|_fini|_edata|_end|__bss_start)$'
}
check_run() { # $1: which; the program built at $tmp/prog
  out=$(LD_LIBRARY_PATH=$lib "$tmp/prog" 2>&1) || fail "$1: the program failed: $out"
  [ "$out" = "$want" ] || fail "$1: got
$out
want
$want"
}
if [ -f "$so" ]; then
  bad=$(foreign "$so" -D | head -5)
  [ -z "$bad" ] || fail "libbloc.so exports names outside bloc's prefixes: $bad"
  ${CC:-cc} $SAN_FLAGS -I"$src/api" "$here/lib_symbols.c" -o "$tmp/prog" \
    -L"$lib" -lbloc -Wl,-rpath,"$lib" $BLOC_LINK_LIBS ||
    fail "cannot link the program against libbloc.so"
  check_run shared
fi
if [ -f "$a" ]; then
  bad=$(foreign "$a" -g | head -5)
  [ -z "$bad" ] || fail "libbloc.a defines names outside bloc's prefixes: $bad"
  ${CC:-cc} $SAN_FLAGS -I"$src/api" "$here/lib_symbols.c" -o "$tmp/prog" \
    "$a" $BLOC_LINK_LIBS -lpthread -ldl ||
    fail "cannot link the program against libbloc.a"
  check_run static
fi
exit $fails
