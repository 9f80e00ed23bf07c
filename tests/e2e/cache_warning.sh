#!/bin/sh
# cache_warning.sh — a refused compile cache is a warning of the compile, through its
# diagnostics: bloc run prints it once however many compile parts met it, and --quiet hides it
# (it went to stderr from the library, whatever --quiet said). As any user: the directory
# writable by group, then the entries.
. "$(dirname "$0")/prologue.sh"
unset BLOC_CACHE
blo=$src/tests/e2e/quadratic.blo
dir=$tmp/cache
mkdir "$dir" && chmod 770 "$dir"

# run WHAT WANT [ARGS]: bloc run on the cache dir; stderr must hold WANT once as its only
# warning (WANT empty: nothing at all on stderr)
run() {
  what=$1 want=$2
  shift 2
  BLOC_CACHE_DIR=$dir "$bloc" run "$blo" --out "$tmp/out.json" "$@" >/dev/null 2>"$tmp/err"
  rc=$?
  [ $rc = 0 ] || fail "$what: exit $rc"
  grep -q '"jit_cached": 0' "$tmp/out.json" || fail "$what: entries were loaded"
  if [ -z "$want" ]; then
    [ -s "$tmp/err" ] && fail "$what: stderr is not empty: $(cat "$tmp/err")"
  else
    [ "$(grep -c 'warning' "$tmp/err")" = 1 ] && grep -qxF "bloc: warning: $want" "$tmp/err" ||
      fail "$what: not the one warning '$want': $(cat "$tmp/err")"
  fi
}

# the directory writable by group
want="not using the compile cache '$dir': it is writable by group or others (it must be yours,\
 mode 700); compiling afresh"
run "directory" "$want"
run "directory, --quiet" "" --quiet

# the entries writable by group: each compile part meets its own, the run warns once
chmod 700 "$dir"
BLOC_CACHE_DIR=$dir "$bloc" run "$blo" --quiet --out "$tmp/out.json" || fail "filling the cache"
parts=$(sed -n 's/.*"jit_parts": \([0-9]*\).*/\1/p' "$tmp/out.json")
[ "${parts:-0}" -ge 2 ] || echo "note: $parts compile part(s): one entry to refuse"
want="not using a compile cache entry in '$dir': it is writable by group or others; compiling\
 afresh"
chmod 660 "$dir"/*.o
run "entries" "$want"
chmod 660 "$dir"/*.o # the run replaced them with its own
run "entries, --quiet" "" --quiet

# a cache named by BLOC_CACHE_DIR that is no directory (a file, /dev/null) disabled the cache
# without a word
touch "$tmp/file"
for dir in "$tmp/file" /dev/null; do
  run "$dir" "not using the compile cache '$dir': it is not a directory; compiling afresh"
done
exit $((fails > 0))
