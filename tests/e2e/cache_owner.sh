#!/bin/sh
# cache_owner.sh — the compile cache never loads what another user could have planted (issue 13,
# finding 1). As root, with a second user created here: a cache directory of that user holding
# genuine entries of the very problem run, a directory of ours that others can write, and an
# entry of that user in our own directory are each refused with a warning; the run compiles
# afresh (0 parts from the cache), gives the uncached result and writes nothing into a
# directory it refused. Skipped (exit 77) when not root or without useradd/runuser.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bloc=${BLOC:-${top_builddir:-$top_srcdir}/bloc}
case $bloc in /*) ;; *) bloc=$(pwd)/$bloc ;; esac
if [ "$(id -u)" != 0 ] || ! command -v useradd >/dev/null || ! command -v runuser >/dev/null; then
  echo "SKIP: cache_owner.sh needs root, useradd and runuser to act as a second user"
  exit 77
fi
user=bloc-cache-probe
created=0
if ! id "$user" >/dev/null 2>&1; then
  useradd -M -r -s /bin/sh "$user" || { echo "SKIP: useradd $user failed"; exit 77; }
  created=1
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"; [ $created = 1 ] && userdel "$user" 2>/dev/null' EXIT
chmod 755 "$tmp"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
blo=$top_srcdir/tests/e2e/quadratic.blo

# the reference: no cache; then a genuine cache of our own
BLOC_CACHE=0 "$bloc" run "$blo" --quiet --out "$tmp/ref.json" || bad "reference run"
BLOC_CACHE_DIR=$tmp/mine "$bloc" run "$blo" --quiet || bad "filling our cache"
ls "$tmp/mine"/*.o >/dev/null 2>&1 || bad "our cache holds no entries"
BLOC_CACHE_DIR=$tmp/mine "$bloc" run "$blo" --quiet --out "$tmp/hit.json" || bad "cached run"
grep -q '"jit_cached": 2' "$tmp/hit.json" || bad "our own entries are not hits"

# victim: run with cache dir $1; refused with a warning, nothing loaded, the uncached result
# (not --quiet, which hides the warning: tests/e2e/cache_warning.sh)
refused() {
  BLOC_CACHE_DIR=$1 "$bloc" run "$blo" --out "$tmp/out.json" >/dev/null 2>"$tmp/err"
  rc=$?
  [ $rc = 0 ] || bad "$2: exit $rc"
  grep -q 'warning: not using' "$tmp/err" || bad "$2: no warning: $(cat "$tmp/err")"
  grep -q '"jit_cached": 0' "$tmp/out.json" || bad "$2: entries were loaded"
  grep '^  "[fgxy]"' "$tmp/out.json" >"$tmp/got"
  grep '^  "[fgxy]"' "$tmp/ref.json" >"$tmp/want"
  cmp -s "$tmp/got" "$tmp/want" || bad "$2: result differs from the uncached run"
}

# 1. the second user's directory (0777, as under umask 000) with entries they copied in
mkdir "$tmp/shared" && chown "$user" "$tmp/shared" && chmod 777 "$tmp/shared"
mkdir "$tmp/stage" && cp "$tmp"/mine/*.o "$tmp/stage/" && chmod -R a+rX "$tmp/stage"
runuser -u "$user" -- sh -c "umask 000; cp '$tmp'/stage/*.o '$tmp/shared/'" ||
  bad "the second user cannot plant entries"
refused "$tmp/shared" "another user's directory"
[ -z "$(find "$tmp/shared" ! -user "$user")" ] || bad "bloc wrote into another user's directory"
# ... also when that directory is not writable by others
chmod 700 "$tmp/shared"
refused "$tmp/shared" "another user's 0700 directory"

# 2. our directory, writable by others
mkdir "$tmp/open" && chmod 777 "$tmp/open" && cp "$tmp"/mine/*.o "$tmp/open/"
refused "$tmp/open" "a directory writable by others"

# 3. our directory, an entry of the second user in it
mkdir "$tmp/ours" && chmod 700 "$tmp/ours" && cp "$tmp"/mine/*.o "$tmp/ours/"
chown "$user" "$tmp"/ours/*.o
refused "$tmp/ours" "another user's entry"
exit $fail
