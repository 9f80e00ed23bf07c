#!/bin/sh
# progress_tty.sh — the live progress line on a real terminal (a pty from script(1)), issue 11
# item 10: at 80 and at 50 columns every redraw (the text between two \r) must fit in one row
# (at most columns - 1 characters), so the terminal never wraps it and no row is left behind;
# the progress writes one newline only, after its last line. Skipped without script(1).
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bloc=${BLOC:-${top_builddir:-$top_srcdir}/bloc}
case $bloc in /*) ;; *) bloc=$(pwd)/$bloc ;; esac
if ! script -qfec true /dev/null >/dev/null 2>&1; then
  echo "skip: no util-linux script(1) to give the run a terminal"
  exit 77
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# long report names (the line would be ~150 characters) and enough steps for many redraws
cat >"$tmp/p.blo" <<'BLO'
data A : matrix[100, 100] = random_spd(100, 1, 10)
upper x : vector[100] = 0
lower y : vector[100] = 0
upper objective f = 0.5 * sumsq(y - 1) + 0.05 * sumsq(x)
lower objective g = 0.5 * dot(y, A @ y) - dot(y, x)
report a_rather_long_report_name = sumsq(y)
report another_long_report_name = sumsq(x)
solve aid_cg(outer_steps = 5000, x_step = 0.1, y_step = 0.05)
BLO
fail=0
for cols in 80 50; do
  # only the progress (stderr) reaches the terminal; COLUMNS is unset so the pty's size counts
  script -qfec \
    "stty cols $cols rows 24; env -u COLUMNS '$bloc' run --backend=interp '$tmp/p.blo' >/dev/null" \
    "$tmp/ts" >/dev/null 2>&1
  # drop script's header and footer lines, the erase-to-end-of-line codes and the pty's \r\n
  sed '1d;$d' "$tmp/ts" | sed 's/\x1b\[K//g' | tr -d '\n' | tr '\r' '\n' >"$tmp/rows"
  redraws=$(grep -c . "$tmp/rows")
  widest=$(awk '{ if (length($0) > w) w = length($0) } END { print w + 0 }' "$tmp/rows")
  newlines=$(sed '1d;$d' "$tmp/ts" | grep -c .)
  if [ "$redraws" -lt 3 ]; then
    echo "FAIL: $cols columns: $redraws redraws (expected several)"; fail=1
  elif [ "$widest" -ge "$cols" ]; then
    echo "FAIL: $cols columns: a redraw of $widest characters wraps"; sed -n 2p "$tmp/rows"; fail=1
  elif [ "$newlines" -ne 1 ]; then
    echo "FAIL: $cols columns: the progress wrote $newlines lines, not 1"; fail=1
  else
    echo "ok: $cols columns: $redraws redraws, widest $widest characters, one line"
  fi
done
exit $fail
