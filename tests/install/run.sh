#!/bin/sh
# run.sh — make installcheck: programs built against the *installed* bloc, as a user builds
# them. Usage: run.sh PROGRAM.c... (Makefile.am: INSTALLCHECK_CASES), with the install
# directories in the environment (bindir, libdir, includedir, pkgconfigdir, docdir, mandir,
# pkgdatadir; set by installcheck-local) and CC, PKG_CONFIG, top_srcdir.
#
# Each PROGRAM.c is compiled three ways, run, and its stdout compared with PROGRAM.out (a
# program may call libm itself: -lm follows its link lines):
#   shared  cc P.c $(pkg-config --cflags --libs bloc)       (must load libbloc.so)
#   static  the static libbloc.a, its dependencies from pkg-config --static --libs bloc, the
#           whole archive linked (so that Libs.private is checked for all of it, not just
#           for what P.c calls); must not load libbloc.so
#   blocrt  (programs named rt_*.c only: they use the runtime alone) the installed
#           libblocrt.a, whole, with the flags doc/install.md gives (MPI_LIBS: MPI's, in a
#           build with MPI; DEFLATE_LIBS: -ldeflate, in a build with libdeflate)
# Then the install itself: the headers are exactly doc/install.md's list, each compiles
# alone; the stdlib, the man page and doc/*.md are installed; the installed bloc solves a
# program that imports the stdlib from outside any build tree.
set -u
: "${CC:=cc}" "${PKG_CONFIG:=pkg-config}"
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
m='is not set (run.sh is run by make installcheck)'
: "${bindir:?$m}" "${libdir:?$m}" "${includedir:?$m}" "${pkgconfigdir:?$m}" "${docdir:?$m}" \
  "${mandir:?$m}" "${pkgdatadir:?$m}"
PKG_CONFIG_PATH=$pkgconfigdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
export PKG_CONFIG_PATH
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
bad() { echo "FAIL: $*"; fail=1; }
cflags="-std=c99 -Wall -Wextra -Wno-unused-parameter -Werror"

needs_libbloc_so() { # whether executable $1 has libbloc.so.N among its NEEDED entries
  readelf -d "$1" | grep -q 'NEEDED.*\[libbloc\.so'
}

# run_one NAME MODE EXE EXPECTED: run EXE, compare its output with EXPECTED
run_one() {
  if ! LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} "$3" >"$tmp/out" 2>"$tmp/err"
  then
    bad "$1 ($2) exited with status $?:"; cat "$tmp/err"; return
  fi
  if ! cmp -s "$4" "$tmp/out"; then
    bad "$1 ($2): output differs from $4:"; diff "$4" "$tmp/out"; return
  fi
  n=$((n + 1))
  echo "ok: $1 ($2)"
}

pc_cflags=$($PKG_CONFIG --cflags bloc) || { bad "pkg-config does not find bloc.pc"; exit 1; }
if ! pc_libs=$($PKG_CONFIG --libs bloc) || ! pc_static=$($PKG_CONFIG --static --libs bloc); then
  bad "pkg-config --libs bloc failed"; exit 1
fi
for src in "$@"; do
  name=$(basename "$src" .c)
  expected=${src%.c}.out
  [ -f "$expected" ] || { bad "$name: no $expected"; continue; }
  exe=$tmp/$name
  # shellcheck disable=SC2086
  if $CC $cflags "$src" -o "$exe.shared" $pc_cflags $pc_libs -lm 2>"$tmp/cc"; then
    needs_libbloc_so "$exe.shared" || bad "$name (shared) does not load libbloc.so"
    run_one "$name" shared "$exe.shared" "$expected"
  else bad "$name (shared) does not build:"; cat "$tmp/cc"; fi
  # -Bstatic picks libbloc.a over libbloc.so; --as-needed drops the libbloc.so that the -lbloc
  # of pkg-config's output would add, unused
  # shellcheck disable=SC2086
  if $CC $cflags "$src" -o "$exe.static" $pc_cflags -Wl,--as-needed -L"$libdir" \
      -Wl,-Bstatic,--whole-archive -lbloc -Wl,--no-whole-archive,-Bdynamic $pc_static -lm \
      2>"$tmp/cc"; then
    needs_libbloc_so "$exe.static" && bad "$name (static) loads libbloc.so"
    run_one "$name" static "$exe.static" "$expected"
  else bad "$name (static) does not build:"; cat "$tmp/cc"; fi
  case $name in rt_*)
    # shellcheck disable=SC2086
    if $CC $cflags "$src" -o "$exe.blocrt" -I"$includedir" -L"$libdir" \
        -Wl,--whole-archive -lblocrt -Wl,--no-whole-archive \
        -lopenblas -lz ${DEFLATE_LIBS:-} ${MPI_LIBS:-} -lpthread -lm 2>"$tmp/cc"; then
      run_one "$name" libblocrt "$exe.blocrt" "$expected"
    else bad "$name (libblocrt.a) does not build:"; cat "$tmp/cc"; fi
  esac
done

# examples/api/ridge.c once more with doc/api.md's own command, as a reader types it (with
# $CC for cc): the doc said `cc ridge.c $(pkg-config --cflags --libs bloc)`, which does not
# link, ridge.c calling exp itself
doc_cmd=$(grep -o '`cc ridge\.c [^`]*`' "$top_srcdir/doc/api.md" | tr -d '`')
ridge=$top_srcdir/examples/api/ridge.c
for src in "$@"; do [ "$src" = "$ridge" ] || continue
  if [ -z "$doc_cmd" ]; then bad "doc/api.md gives no \`cc ridge.c ...\` command"; break; fi
  mkdir "$tmp/doc" && cp "$ridge" "$tmp/doc/" || exit 1
  # shellcheck disable=SC2086
  if (cd "$tmp/doc" && eval "$CC ${doc_cmd#cc }") 2>"$tmp/cc"; then
    run_one ridge "doc/api.md's command" "$tmp/doc/a.out" "${ridge%.c}.out"
  else bad "doc/api.md's \`$doc_cmd\` does not build ridge.c:"; cat "$tmp/cc"; fi
done

# the installed headers: doc/install.md's list, no more, no fewer; each one compiles alone
listed=$(sh "$top_srcdir/tests/e2e/headers.sh" --doc-list | sort)
installed=$( (cd "$includedir" && ls bloc.h 2>/dev/null
              cd bloc 2>/dev/null && find . -type f | sed 's|^\./|bloc/|') | sort)
[ "$listed" = "$installed" ] ||
  bad "installed headers ($(echo "$installed" | tr '\n' ' ')) differ from doc/install.md's" \
    "($(echo "$listed" | tr '\n' ' '))"
for h in $installed; do
  printf '#include <%s>\nint bloc_header_check;\n' "$h" >"$tmp/h.c"
  # shellcheck disable=SC2086
  $CC $cflags -pedantic $pc_cflags -c "$tmp/h.c" -o "$tmp/h.o" 2>"$tmp/cc" ||
    { bad "<$h> does not compile alone:"; cat "$tmp/cc"; }
done

# the rest of the install
for f in "$top_srcdir"/doc/*.md "$top_srcdir"/doc/design/*.md; do
  case $f in */design/*) d=$docdir/design ;; *) d=$docdir ;; esac
  [ -f "$d/$(basename "$f")" ] || bad "$d/$(basename "$f") is not installed"
done
[ -f "$mandir/man1/bloc.1" ] || bad "the man page $mandir/man1/bloc.1 is not installed"
for f in "$top_srcdir"/stdlib/*.blo; do
  [ -f "$pkgdatadir/stdlib/$(basename "$f")" ] || bad "stdlib/$(basename "$f") is not installed"
done
# from a directory outside the build tree, with no BLOC_STDLIB: the installed stdlib is found
# (x* = (0.5, 1, 1.5), stdlib_import.blo)
cp "$top_srcdir/tests/install/stdlib_import.blo" "$tmp/" || exit 1
if (cd "$tmp" && unset BLOC_STDLIB && BLOC_CACHE_DIR=$tmp/cache "$bindir/bloc" run \
    stdlib_import.blo --quiet --save-x x.csv >/dev/null 2>"$tmp/err"); then
  awk 'function abs(v) { return v < 0 ? -v : v }
       { if (abs($1 - 0.5 * NR) > 1e-9) bad = 1 } END { exit bad || NR != 3 }' "$tmp/x.csv" ||
    { bad "the installed bloc solved stdlib_import.blo to x ="; cat "$tmp/x.csv"; }
else bad "the installed bloc failed on stdlib_import.blo:"; cat "$tmp/err"; fi
[ $fail = 0 ] &&
  echo "ok: $n installed builds ran as expected; headers, stdlib, man page and docs installed"
exit $fail
