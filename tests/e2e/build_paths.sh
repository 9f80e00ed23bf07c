#!/bin/sh
# build_paths.sh — the installed bloc, libbloc.so and libbloc.a carry no build-tree path, and
# the build tree is still known by its bloc-build-tree file (compiler/front/sema.c). The
# source and build trees' absolute paths were compiled into sema.c (the stdlib of a build
# tree), so every installed program had them, even after make install-strip: packagers object
# (reproducible builds; build-tree detection in production). make install copies these files
# as built (libtool may relink, from the same objects), so their stripped copies stand for
# the installed ones: strip --strip-debug, as install-strip does (debug information names the
# build directory by design; packagers map it with -ffile-prefix-map or split it off).
. "$(dirname "$0")/prologue.sh"
for t in strip strings; do
  command -v $t >/dev/null || { echo "SKIP: no $t (binutils)"; exit 77; }
done
abs_build=$(cd "$build" && pwd -P) abs_src=$(cd "$src" && pwd -P)
n=0
for f in bloc .libs/libbloc.so.0 .libs/libbloc.a; do
  [ -f "$build/$f" ] || continue
  n=$((n + 1))
  strip --strip-debug -o "$tmp/stripped" "$build/$f" 2>"$tmp/err" ||
    { fail "strip $f: $(cat "$tmp/err")"; continue; }
  strings -a "$tmp/stripped" >"$tmp/strings"
  for d in "$abs_build" "$abs_src" "$build" "$src"; do
    if grep -F -e "$d" "$tmp/strings" >"$tmp/hits"; then
      fail "$f (stripped) names the build or source tree ($d): $(head -3 "$tmp/hits")"
      break
    fi
  done
done
[ $n -gt 0 ] || { echo "SKIP: no bloc built in $build"; exit 77; }

# the mark: the build tree's bloc uses the source tree's stdlib; a copy elsewhere the installed
# one, unless a mark of its own, not writable by others, names a stdlib
printf 'problem none\nimport "no_such_module"\n' >"$tmp/none.blo"
stdlib_of() { # the stdlib directory where bloc $1 looked for no_such_module
  (cd "$tmp" && unset BLOC_STDLIB && "$1" check none.blo 2>&1) |
    sed -n 's|^hint: looked for .*, \([^,]*\)/no_such_module\.blo, .*|\1|p'
}
[ "$(stdlib_of "$bloc")" = "$abs_src/stdlib" ] ||
  fail "the build tree's bloc looked in '$(stdlib_of "$bloc")', not $abs_src/stdlib"
mkdir -p "$tmp/a/bin" "$tmp/std" && cp "$bloc" "$tmp/a/bin/bloc" || exit 1
dir=$(stdlib_of "$tmp/a/bin/bloc")
[ -n "$dir" ] && [ "$dir" != "$abs_src/stdlib" ] && [ "$dir" != "$tmp/std" ] ||
  fail "a copy of bloc without a mark looked in '$dir'"
echo "$tmp/std" >"$tmp/a/bloc-build-tree"
chmod 664 "$tmp/a/bloc-build-tree"
[ "$(stdlib_of "$tmp/a/bin/bloc")" = "$dir" ] ||
  fail "a group-writable mark was taken: $(stdlib_of "$tmp/a/bin/bloc")"
chmod 644 "$tmp/a/bloc-build-tree"
[ "$(stdlib_of "$tmp/a/bin/bloc")" = "$tmp/std" ] ||
  fail "the mark one directory up was not taken: $(stdlib_of "$tmp/a/bin/bloc")"
[ $fails = 0 ] && echo "ok: $n stripped binaries name no build or source tree; the build tree" \
  "is known by its mark"
exit $((fails > 0))
