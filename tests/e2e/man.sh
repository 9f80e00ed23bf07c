#!/bin/sh
# man.sh — the man page documents every command `bloc help` lists and every flag of each
# command's usage line (issue 16: --init-x, --init-y and --backend were missing from it).
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bloc=${BLOC:-${top_builddir:-$top_srcdir}/bloc}
man=$top_srcdir/man/bloc.1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# the page as plain text: troff's \- is a hyphen, \fX font changes vanish
sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$man" >"$tmp/man.txt"
fail=0
cmds=$("$bloc" help |
  awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } /^$/ { on = 0 }')
[ -n "$cmds" ] || { echo "FAIL: bloc help lists no commands"; exit 1; }
for c in $cmds; do
  [ "$c" = help ] && continue
  # the command's entry: from its ".B cmd" line to the next .TP or .SH
  awk -v c="$c" '/^\.(TP|SH)/ { on = 0 } $1 == ".B" && $2 == c { on = 1 } on' "$tmp/man.txt" \
    >"$tmp/entry"
  [ -s "$tmp/entry" ] || { echo "FAIL: man page: no entry for command '$c'"; fail=1; continue; }
  usage=$("$bloc" "$c" --help 2>&1 | head -1)
  for f in \
    $(echo "$usage" | tr ' []|' '\n\n\n\n' | grep -E '^--?[A-Za-z]' | sed 's/=.*//' | sort -u); do
    grep -q -- "$f\([^a-z-]\|\$\)" "$tmp/entry" ||
      { echo "FAIL: man page: flag $f of '$c' is not in its entry"; fail=1; }
  done
done
[ $fail = 0 ] && echo "ok: the man page covers $(echo $cmds | wc -w) commands and their flags"
exit $fail
