#!/bin/sh
# headers.sh — the installed headers are the ones the docs list (issue 16 item 2: methods.md
# named 3 installed headers while 7 were installed). doc/install.md lists them between the
# markers <!-- installed-headers --> and <!-- /installed-headers -->, one `<bloc/NAME.h>` (or
# `<bloc.h>`) a line; Makefile.am installs blocinclude_HEADERS as bloc/NAME.h and
# include_HEADERS as NAME.h. The test fails when the two lists differ, when any doc names an
# installed-style <bloc/...> header that is not installed, or when a listed header does not
# compile alone from a copy of the installed layout (it must include only installed headers).
#   headers.sh             the test (make check)
#   headers.sh --doc-list  print doc/install.md's list (tests/install/run.sh uses it)
set -u
top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
doc=$top/doc/install.md
doc_list() {
  awk '/^<!-- installed-headers -->$/ { on = 1; next } /^<!-- \/installed-headers -->$/ { on = 0 }
       on' "$doc" | grep -o '<bloc[^>]*\.h>' | tr -d '<>' | sort
}
if [ "${1:-}" = --doc-list ]; then doc_list; exit 0; fi
# Makefile.am's VAR = ... (continued lines joined), one file a line
am_var() {
  awk -v v="$1" '
    cont { line = line " " $0 } !cont && $1 == v && $2 == "=" { line = $0; cont = 1 }
    cont { if (!sub(/\\$/, "", line)) { print line; exit } }' "$top/Makefile.am" |
    tr -s '[:blank:]' '\n' | sed -n '3,$p' | grep .
}
runtime_src=$(am_var blocinclude_HEADERS)
top_src=$(am_var include_HEADERS)
am_list=$( { for f in $runtime_src; do echo "bloc/${f##*/}"; done
             for f in $top_src; do echo "${f##*/}"; done; } | sort)
listed=$(doc_list)
fail=0
[ -n "$listed" ] || { echo "FAIL: doc/install.md lists no installed headers"; exit 1; }
if [ "$listed" != "$am_list" ]; then
  echo "FAIL: doc/install.md lists the installed headers"; echo "$listed" | sed 's/^/  /'
  echo "but Makefile.am installs"; echo "$am_list" | sed 's/^/  /'
  fail=1
fi
# every <bloc/NAME.h> a doc names is installed
for h in $(cat "$top"/README.md "$top"/doc/*.md | grep -o '<bloc[/.][^>]*\.h>' | tr -d '<>' |
           sort -u); do
  echo "$am_list" | grep -qx "$h" ||
    { echo "FAIL: the docs name <$h>, which make install does not install"; fail=1; }
done
# each installed header compiles alone against the installed layout, as plain C99
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/include/bloc"
for f in $runtime_src; do cp "$top/$f" "$tmp/include/bloc/" || fail=1; done
for f in $top_src; do cp "$top/$f" "$tmp/include/" || fail=1; done
for h in $am_list; do
  printf '#include <%s>\nint bloc_header_check;\n' "$h" >"$tmp/h.c"
  ${CC:-cc} -std=c99 -pedantic -Wall -Wextra -Werror -I"$tmp/include" -c "$tmp/h.c" \
    -o "$tmp/h.o" 2>"$tmp/err" ||
    { echo "FAIL: <$h> does not compile alone from the installed headers:"; cat "$tmp/err"
      fail=1; }
done
# C++: each installed header compiles alone as C++, and a C++ program calling a function of
# each links against libbloc and runs. rt_methods.h, rt_oracle.h and rt_run.h had no
# extern "C": their functions were looked up under C++ (mangled) names and did not link.
cxx=${CXX:-g++}
build=${top_builddir:-$top}
if ! command -v "$cxx" >/dev/null; then
  echo "headers: C++ checks skipped: no C++ compiler ($cxx; g++ is in .ci/packages)"
elif [ ! -f "$build/.libs/libbloc.so" ]; then
  echo "headers: C++ link check skipped: no shared libbloc ($build/.libs/libbloc.so)"
else
  for h in $am_list; do
    printf '#include <%s>\nint bloc_header_check;\n' "$h" >"$tmp/h.cc"
    "$cxx" -std=c++11 -Wall -Wextra -Werror -I"$tmp/include" -c "$tmp/h.cc" -o "$tmp/h.o" \
      2>"$tmp/err" ||
      { echo "FAIL: <$h> does not compile alone as C++:"; cat "$tmp/err"; fail=1; }
  done
  # one call into each header that declares functions (rt_api.h has only macros; blo_abi.h's
  # one function is inline)
  cat >"$tmp/prog.cc" <<'EOF'
#include <bloc.h>
#include <bloc/blo_abi.h>
#include <bloc/rt_methods.h>
#include <bloc/rt_oracle.h>
#include <bloc/rt_run.h>
#include <cstdio>
#include <cstring>
int main() {
  bloc_problem *p = 0;
  if (bloc_problem_new(&p) != BLOC_OK) return 1;
  bloc_problem_free(p);
  BloProblem bp;
  std::memset(&bp, 0, sizeof bp);
  RtOracle o;
  std::memset(&o, 0, sizeof o);
  RtRunConfig c;
  rt_run_config_init(&c);
  const RtMethodSpec *m = rt_method_find("exact");
  if (!m || blo_problem_stochastic(&bp) || rt_oracle_total(&o) != 0) return 1;
  std::printf("%s %s\n", m->name, rt_stop_name(RT_STOP_STEPS));
  return 0;
}
EOF
  # shellcheck disable=SC2086
  if "$cxx" ${SAN_FLAGS:-} -I"$tmp/include" "$tmp/prog.cc" -o "$tmp/prog" -L"$build/.libs" \
      -lbloc 2>"$tmp/err"; then
    out=$(LD_LIBRARY_PATH=$build/.libs "$tmp/prog" 2>&1) ||
      { echo "FAIL: the C++ program against libbloc failed: $out"; fail=1; }
  else echo "FAIL: a C++ program calling libbloc does not link:"; cat "$tmp/err"; fail=1; fi
fi
[ $fail = 0 ] && echo "ok: $(echo "$am_list" | wc -l) installed headers, as doc/install.md" \
  "lists them, each compiles alone, as C and as C++; a C++ program links against libbloc"
exit $fail
