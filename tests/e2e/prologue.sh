# prologue.sh — sourced first by the e2e scripts that count their failures: the source and
# build trees, bloc as an absolute path (BLOC overrides it), a temporary directory $tmp removed
# on exit (KEEP=1 keeps it), and `fail MESSAGE`, which prints and counts a failure in $fails.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=${top_srcdir:-$here/../..}
build=${top_builddir:-$src}
bloc=${BLOC:-$build/bloc}
case $bloc in /*) ;; *) bloc=$(pwd)/$bloc ;; esac
tmp=$(mktemp -d) || exit 1
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
fails=0
fail() {
  echo "FAIL: $*"
  fails=$((fails + 1))
}

# quick_cc: $QCC, the compiler of emitted solvers built only to be run
. "$src/tests/support/quick_cc.sh"

# sanitizers FILE: a failure when FILE (a run's stderr) holds a sanitizer's report
sanitizers() {
  if grep -q 'Sanitizer\|runtime error' "$1"; then fail "sanitizer report in $1:"; cat "$1"; fi
}

# cell FILE METHOD HEADER: the cell of METHOD under HEADER in a bloc compare table (columns
# are 2+ spaces apart; headers like "time (s)" hold one space), its mark included
cell() {
  awk -F '  +' -v m="$2" -v h="$3" '
    /^method / { for (i = 1; i <= NF; i++) { sub(/ +$/, "", $i); col[$i] = i }; next }
    $1 == m && (h in col) { v = $(col[h]); sub(/ +$/, "", v); print v; exit }' "$1"
}

# maxrel A B [FLOOR]: max |a_i - b_i| / max(FLOOR, max |b_i|) over two files of one number a
# line (FLOOR 1 unless given; "inf" when a line is missing or empty)
maxrel() {
  paste -d' ' "$1" "$2" | awk -v floor="${3:-1}" '
    function ab(v) { return v < 0 ? -v : v }
    { if ($1 == "" || $2 == "") bad = 1; if (ab($2) > big) big = ab($2)
      d = ab($1 - $2); if (d > m) m = d }
    END { if (bad || NR == 0) { print "inf"; exit }
          if (big < floor) big = floor
          printf "%.3g\n", m / big }'
}

# other_user NAME: the system user NAME as $user, for tests of what belongs to someone else
# (created when missing and then removed on exit); $tmp made readable to it. Returns 1, saying
# why, when not root or without useradd and runuser.
other_user() {
  user=$1
  if [ "$(id -u)" != 0 ] || ! command -v useradd >/dev/null || ! command -v runuser >/dev/null
  then
    echo "$(basename "$0" .sh): skipped what needs another user: needs root, useradd and runuser"
    return 1
  fi
  created=0
  if ! id "$user" >/dev/null 2>&1; then
    useradd -M -r -s /bin/sh "$user" || { echo "SKIP: useradd $user failed"; exit 77; }
    created=1
  fi
  trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"; [ $created = 1 ] && userdel "$user" 2>/dev/null' EXIT
  chmod 755 "$tmp"
}

# sets JSON: the options of a result JSON as --set KEY=VALUE arguments, one a line (rerun
# them: rerun_options.sh, decay_options.sh)
sets() {
  awk '/^  "options": \{/ { on = 1; next }
       on && /^  \}/ { exit }
       on { s = $0; sub(/^ *"/, "", s); sub(/,$/, "", s); k = s; sub(/".*/, "", k)
            v = s; sub(/^[^"]*": */, "", v); gsub(/"/, "", v); print "--set"; print k "=" v }' "$1"
}
# notime CSV: a trace without its time column
notime() { cut -d, -f1,3- "$1"; }
