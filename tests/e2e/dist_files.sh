#!/bin/sh
# dist_files.sh — make dist ships every file git tracks, but for NOT_SHIPPED below. A file the
# tests or the docs need and EXTRA_DIST forgot (the tests/unit/shard_sparse* data, a bench
# script doc/scaling.md tells users to run) made make check fail from the release tarball,
# which only a 25-minute make distcheck showed. This compares git ls-files with DISTFILES
# (tests/dist_files.txt, written by make check; a directory there ships all it holds) in
# seconds. Skipped (77) outside a git checkout: a tarball has no git to compare with.
. "$(dirname "$0")/prologue.sh"
# tracked on purpose and not shipped: editor, VCS and empty-directory files a user builds without
NOT_SHIPPED='.clang-format
.gitignore
m4/.keep'
list=$build/tests/dist_files.txt
command -v git >/dev/null || { echo "SKIP: no git"; exit 77; }
top=$(git -C "$src" rev-parse --show-toplevel 2>/dev/null) &&
  [ "$(cd "$top" && pwd -P)" = "$(cd "$src" && pwd -P)" ] ||
  { echo "SKIP: $src is not a git checkout's top (a tarball)"; exit 77; }
[ -s "$list" ] || { echo "FAIL: no $list (make check writes it: make tests/dist_files.txt)"
                    exit 1; }
git -C "$src" ls-files >"$tmp/tracked" || { echo "FAIL: git ls-files failed"; exit 1; }
[ -s "$tmp/tracked" ] || { echo "FAIL: git ls-files listed nothing"; exit 1; }
printf '%s\n' "$NOT_SHIPPED" >"$tmp/not_shipped"
# a tracked file ships when DISTFILES names it or a directory above it
awk 'FILENAME == ARGV[1] { sub(/\/$/, ""); dist[$0] = 1; next }
     FILENAME == ARGV[2] { skip[$0] = 1; next }
     { p = $0; shipped = 0
       while (1) { if (p in dist) { shipped = 1; break }
                   if (!sub(/\/[^\/]*$/, "", p)) break }
       if (shipped && ($0 in skip)) print "shipped but listed as not shipped: " $0
       else if (!shipped && !($0 in skip)) print "not shipped: " $0 }' \
  "$list" "$tmp/not_shipped" "$tmp/tracked" >"$tmp/missing"
if [ -s "$tmp/missing" ]; then
  sed 's/^/FAIL: /' "$tmp/missing"
  echo "(add each to EXTRA_DIST in Makefile.am, or to NOT_SHIPPED in $0 saying why)"
  fails=$((fails + 1))
fi
# the exceptions are tracked: a stale one would hide nothing, but says the list is unread
while IFS= read -r f; do
  grep -qxF "$f" "$tmp/tracked" || fail "NOT_SHIPPED names $f, which git does not track"
done <"$tmp/not_shipped"
[ $fails = 0 ] && echo "ok: the $(wc -l <"$tmp/tracked") tracked files ship," \
  "but for the $(wc -l <"$tmp/not_shipped") NOT_SHIPPED names"
exit $((fails > 0))
