#!/bin/sh
# compare_plot_links.sh — the plots of `bloc compare` are outputs like its CSV (doc/security.md,
# "Output files"): checked before the run and replaced whole. gnuplot wrote them itself (`set
# output`), after the run: through another user's link in a sticky directory (a root run
# overwrote the file the link led to with an SVG), in place (a hard link elsewhere saw the new
# plot), and into a directory in their place with only a warning and status 0. As any user:
# a plot that is a directory, and one with a second hard link; as root, with a second user
# created here (skipped otherwise, saying so): that user's links to a root file in a mode-1777
# directory, with -o and with --out-dir. Needs a gnuplot (skipped, exit 77, without one).
. "$(dirname "$0")/prologue.sh"
if [ -n "${BLOC_GNUPLOT+set}" ]; then
  [ -n "$BLOC_GNUPLOT" ] || { echo "SKIP: BLOC_GNUPLOT is empty: no plots"; exit 77; }
elif ! grep -q '^#define BLOC_GNUPLOT ' "$build/config.h" 2>/dev/null; then
  echo "SKIP: bloc has no gnuplot: no plots"
  exit 77
fi
blo=$src/tests/e2e/quadratic.blo
name=$(sed -n 's/^problem  *\([A-Za-z_0-9]*\).*/\1/p' "$blo")
common="--methods aid_cg --backend=interp --set outer_steps=5 --quiet"

# refused WHAT ARGS...: exit 1 before the run (no CSV), naming a plot
refused() {
  what=$1
  shift
  "$bloc" compare "$blo" $common "$@" >"$tmp/stdout" 2>"$tmp/stderr"
  st=$?
  [ $st = 1 ] || fail "$what: exit $st, not 1: $(cat "$tmp/stderr")"
  grep -q "^bloc compare: error: cannot write '.*_f\.svg': " "$tmp/stderr" ||
    fail "$what: no error naming the plot: $(cat "$tmp/stderr")"
  [ -s "$tmp/stdout" ] && fail "$what: output, so it ran: $(cat "$tmp/stdout")"
}

# ---- a directory where a plot goes: refused before the run (gnuplot failed after it)
mkdir "$tmp/d" "$tmp/d/p_f.svg"
refused "a directory in place of the plot" -o "$tmp/d/p"
[ -e "$tmp/d/p.csv" ] && fail "a directory in place of the plot: the CSV was written"

# ---- replaced whole: a second hard link of the old plot keeps the old plot
mkdir "$tmp/h"
echo old >"$tmp/h/p_f.svg"
ln "$tmp/h/p_f.svg" "$tmp/h/keep"
"$bloc" compare "$blo" $common -o "$tmp/h/p" >/dev/null 2>"$tmp/stderr" ||
  fail "hard link: exit $?: $(cat "$tmp/stderr")"
grep -q '<svg' "$tmp/h/p_f.svg" || fail "hard link: the plot was not written"
[ "$(cat "$tmp/h/keep")" = old ] || fail "hard link: the plot was written in place"
ls -a "$tmp/h" | grep -q '^\.p_' && fail "hard link: a temporary was left: $(ls -a "$tmp/h")"

# ---- another user's link in a sticky directory
other_user bloc-plot-probe || exit $((fails > 0))
mkdir -m 1777 "$tmp/sticky" "$tmp/sticky/out"
chmod 1777 "$tmp/sticky" "$tmp/sticky/out" # whatever the umask
echo precious >"$tmp/victim"
runuser -u "$user" -- ln -s "$tmp/victim" "$tmp/sticky/r_f.svg" || fail "planting the link"
runuser -u "$user" -- ln -s "$tmp/victim" "$tmp/sticky/out/${name}_f.svg" ||
  fail "planting the link in --out-dir"
refused "another user's link (-o)" -o "$tmp/sticky/r"
refused "another user's link (--out-dir)" --out-dir "$tmp/sticky/out"
[ "$(cat "$tmp/victim")" = precious ] || fail "the file behind the link was written"
[ -e "$tmp/sticky/r.csv" ] && fail "another user's link: the CSV was written"
exit $((fails > 0))
