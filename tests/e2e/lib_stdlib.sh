#!/bin/sh
# lib_stdlib.sh — the build tree's libbloc.so finds the source tree's stdlib, as ./bloc does:
# a program outside the build tree (doc/api.md's "a program of your own against a build tree")
# compiles a file with `import "losses"`, BLOC_STDLIB unset. It looked in the installed stdlib
# only, since the program is not the build tree's. Which library holds the code decides, by its
# absolute path: a copy of it elsewhere, or the build tree's loaded by a relative name (which
# a chdir could make name another tree's), gets the installed stdlib.
. "$(dirname "$0")/prologue.sh"
lib=$build/.libs
[ -f "$lib/libbloc.so" ] || { echo "SKIP: no shared libbloc ($lib/libbloc.so)"; exit 77; }
unset BLOC_STDLIB
cat >"$tmp/prog.c" <<'EOF'
#include <stdio.h>
#include "bloc.h"
int main(int argc, char **argv) {
  bloc_problem *p;
  if (argc != 2 || bloc_problem_new(&p) != BLOC_OK) return 3;
  int st = bloc_compile_file(p, argv[1]);
  for (int i = 0; i < bloc_problem_diag_count(p); i++)
    fputs(bloc_diag_text(bloc_problem_diag(p, i)), stdout);
  printf("compile %d\n", st);
  bloc_problem_free(p);
  return 0;
}
EOF
cat >"$tmp/imp.blo" <<'EOF'
problem imp
import "losses"
upper x : vector[2] = 0
lower y : vector[2] = 0
upper objective f = sum(squared(y, [1, -1]))
lower objective g = 0.5 * sumsq(y) - dot(x, y)
EOF
# no rpath: LD_LIBRARY_PATH chooses the library in each case
# shellcheck disable=SC2086
${CC:-cc} ${SAN_FLAGS:-} -std=c99 -I"$src/api" "$tmp/prog.c" -o "$tmp/prog" -L"$lib" -lbloc \
  ${BLOC_LINK_LIBS:--lm} || { fail "cannot link a program against $lib/libbloc.so"; exit 1; }
printf 'problem none\nimport "no_such_module"\n' >"$tmp/none.blo"
# the stdlib directory where a run of the program (its output $1) looked for no_such_module
stdlib_of() {
  echo "$1" | sed -n 's|^hint: looked for .*, \([^,]*\)/no_such_module\.blo, .*|\1|p'
}
out=$(cd "$tmp" && LD_LIBRARY_PATH=$lib ./prog imp.blo 2>&1)
[ "$out" = "compile 0" ] || fail "the build tree's libbloc.so: $out"
out=$(cd "$tmp" && LD_LIBRARY_PATH=$lib ./prog none.blo 2>&1)
dir=$(stdlib_of "$out")
[ -n "$dir" ] && [ "$dir" -ef "$src/stdlib" ] ||
  fail "the build tree's libbloc.so looked for modules in '$dir', not $src/stdlib: $out"
# a copy outside the build tree, and the build tree's by a relative name: not the source
# tree's stdlib (the installed one)
mkdir "$tmp/copy" && cp "$lib/libbloc.so" "$tmp/copy/libbloc.so.0" || exit 1
rel=$(cd "$tmp" && pwd | awk '{ n = gsub("/[^/]+", ""); while (n--) printf "../" }')
for how in "copy:$tmp/copy" "relative:$rel${lib#/}"; do
  out=$(cd "$tmp" && LD_LIBRARY_PATH=${how#*:} ./prog none.blo 2>&1)
  dir=$(stdlib_of "$out")
  if [ -z "$dir" ]; then fail "${how%%:*}: no stdlib directory in: $out"
  elif [ "$dir" -ef "$src/stdlib" ]; then fail "${how%%:*}: the source tree's stdlib: $out"
  fi
done
if [ $fails = 0 ]; then echo "lib_stdlib: all checks passed"; fi
exit $fails
