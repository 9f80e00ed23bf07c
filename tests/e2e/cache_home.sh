#!/bin/sh
# cache_home.sh — the default compile cache ($XDG_CACHE_HOME/bloc, ~/.cache/bloc) is created
# only inside directories of the user running bloc, never as the home itself, and every reason
# it is not used is one warning (doc/security.md, "The compile cache"). XDG_CACHE_HOME=/dev/null
# and HOME=/dev/null turned the cache off without a word (BLOC_CACHE_DIR=/dev/null warned);
# HOME=/nonexistent (Debian's system users) created /nonexistent/.cache/bloc; and, as root, a
# HOME of another user got a root-owned 0700 ~/.cache that locked its owner out. The last part
# needs root, useradd and runuser (skipped otherwise, saying so).
. "$(dirname "$0")/prologue.sh"
unset BLOC_CACHE BLOC_CACHE_DIR XDG_CACHE_HOME
blo=$src/tests/e2e/quadratic.blo

# run WHAT WANT ENV...: bloc run with the environment ENV; stderr must be WANT as the one
# warning, nothing loaded from a cache
run() {
  what=$1 want=$2
  shift 2
  env "$@" "$bloc" run "$blo" --out "$tmp/out.json" >/dev/null 2>"$tmp/err"
  rc=$?
  [ $rc = 0 ] || fail "$what: exit $rc: $(cat "$tmp/err")"
  grep -q '"jit_cached": 0' "$tmp/out.json" || fail "$what: entries were loaded"
  [ "$(grep -c 'warning' "$tmp/err")" = 1 ] && grep -qxF "bloc: warning: $want" "$tmp/err" ||
    fail "$what: not the one warning '$want': $(cat "$tmp/err")"
}

# ---- not a directory: as BLOC_CACHE_DIR=/dev/null says
run "XDG_CACHE_HOME=/dev/null" "not using the compile cache '/dev/null/bloc': '/dev/null'\
 (XDG_CACHE_HOME) is not a directory; compiling afresh" XDG_CACHE_HOME=/dev/null
run "HOME=/dev/null" "not using the compile cache '/dev/null/.cache/bloc': '/dev/null' (HOME)\
 is not a directory; compiling afresh" HOME=/dev/null

# ---- a home that does not exist is not created
run "a missing home" "not using the compile cache '$tmp/nohome/.cache/bloc': '$tmp/nohome'\
 (HOME) does not exist; compiling afresh" HOME="$tmp/nohome"
[ -e "$tmp/nohome" ] && fail "a missing home: it was created"

# ---- our own home and XDG_CACHE_HOME: created 0700 as before, and used the second time
mkdir "$tmp/home"
for i in 1 2; do
  HOME=$tmp/home "$bloc" run "$blo" --out "$tmp/out.json" >/dev/null 2>"$tmp/err" ||
    fail "our home, run $i: $(cat "$tmp/err")"
  grep -q warning "$tmp/err" && fail "our home, run $i: $(cat "$tmp/err")"
done
grep -q '"jit_cached": 0' "$tmp/out.json" && fail "our home: the second run loaded nothing"
[ "$(stat -c %a "$tmp/home/.cache/bloc")" = 700 ] || fail "our home: ~/.cache/bloc is not 0700"
XDG_CACHE_HOME=$tmp/xdg/cache "$bloc" run "$blo" --quiet --out "$tmp/out.json" >/dev/null ||
  fail "a missing XDG_CACHE_HOME of ours"
[ -d "$tmp/xdg/cache/bloc" ] || fail "a missing XDG_CACHE_HOME of ours was not created"

# ---- HOME unset: the password database's home, as ssh and ~ find it; never an error
env -u HOME "$bloc" run "$blo" --quiet --out "$tmp/out.json" >/dev/null ||
  fail "HOME unset: exit $?"

# ---- as root: another user's home
other_user bloc-home-probe || exit $((fails > 0))
other=$tmp/other
mkdir "$other" && chown "$user" "$other"
run "another user's home" "not using the compile cache '$other/.cache/bloc': '$other' is owned\
 by another user: bloc creates no directory there; compiling afresh" HOME="$other"
[ -e "$other/.cache" ] && fail "another user's home: ~/.cache was created"
runuser -u "$user" -- mkdir -m 755 "$other/.cache" || fail "making the other user's ~/.cache"
run "another user's ~/.cache" "not using the compile cache '$other/.cache/bloc':\
 '$other/.cache' is owned by another user: bloc creates no directory there; compiling afresh" \
  HOME="$other"
[ -e "$other/.cache/bloc" ] && fail "another user's ~/.cache: bloc/ was created"
run "XDG_CACHE_HOME of another user" "not using the compile cache '$other/.cache/bloc':\
 '$other/.cache' is owned by another user: bloc creates no directory there; compiling afresh" \
  XDG_CACHE_HOME="$other/.cache"
exit $((fails > 0))
