#!/bin/sh
# cache_readonly.sh — a compile cache that is ours but cannot be written into (a read-only
# mount, mode 500, a full disk) stored nothing and said nothing: every run of a batch system
# compiled cold without a word (s51 nuN 1). Now each compile that cannot store says so, once;
# --quiet hides it; a read-only cache that already holds every entry serves them silently.
. "$(dirname "$0")/prologue.sh"
unset BLOC_CACHE
blo=$src/tests/e2e/quadratic.blo
as=""
if [ "$(id -u)" = 0 ]; then # root writes through mode 500: the cache is another user's
  other_user bloc-cache-ro || exit 77
  as="runuser -u $user --"
fi
work=$tmp/work
dir=$work/cache
mkdir -m 700 "$work" "$dir" && cp "$blo" "$work/q.blo"
[ -n "$as" ] && chown -R "$user" "$work"

# run WHAT WANT [ARGS]: bloc run as the cache's owner; stderr must hold WANT once as its only
# warning (WANT empty: no warning at all); sets hits to the run's jit_cached
run() {
  what=$1 want=$2
  shift 2
  $as env BLOC_CACHE_DIR="$dir" "$bloc" run "$work/q.blo" --out "$work/out.json" "$@" \
    >/dev/null 2>"$tmp/err"
  rc=$?
  [ $rc = 0 ] || fail "$what: exit $rc: $(cat "$tmp/err")"
  if [ -z "$want" ]; then
    grep -q warning "$tmp/err" && fail "$what: a warning: $(cat "$tmp/err")"
  else
    [ "$(grep -c 'warning' "$tmp/err")" = 1 ] && grep -qxF "bloc: warning: $want" "$tmp/err" ||
      fail "$what: not the one warning '$want': $(cat "$tmp/err")"
  fi
  hits=$(sed -n 's/.*"jit_cached": \([0-9]*\).*/\1/p' "$work/out.json")
}

chmod 500 "$dir"
want="not storing in the compile cache '$dir': Permission denied; this and later runs compile\
 afresh (make it writable, or set BLOC_CACHE_DIR)"
for what in "mode 500" "mode 500, again"; do
  run "$what" "$want"
  [ "$hits" = 0 ] || fail "$what: entries were loaded ($hits)"
done
run "mode 500, --quiet" "" --quiet
[ -z "$(ls -A "$dir")" ] || fail "mode 500: something was written: $(ls -A "$dir")"

# filled while writable, then read-only: every entry is served, nothing to store, no word
chmod 700 "$dir"
run "filling" "" --quiet
chmod 500 "$dir"
run "read-only and full" ""
[ "${hits:-0}" -ge 1 ] || fail "read-only and full: nothing was loaded ($hits)"
exit $((fails > 0))
