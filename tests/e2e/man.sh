#!/bin/sh
# man.sh — the man page documents every command `bloc help` lists and every flag of each
# command's usage line (issue 16: --init-x, --init-y and --backend were missing from it), every
# method `bloc help run` lists and every BLOC_ environment variable the program reads (session
# 39: it named three methods and lacked BLOC_OVERLAP, BLOC_DATA_FUSE, BLOC_LIBDEFLATE and
# BLOC_VECTOR_WIDTH, though doc/install.md called it "every command and option").
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
# the global options `bloc help` lists
for f in $("$bloc" help | sed -n 's/^global options: //p' | tr ',' ' '); do
  grep -q -- "$f\([^a-z-]\|\$\)" "$tmp/man.txt" ||
    { echo "FAIL: man page: global option $f is missing"; fail=1; }
done
# compare's outputs: the files a run says it wrote (gnuplot's plots aside), by their suffix
BLOC_GNUPLOT= "$bloc" compare "$top_srcdir/tests/e2e/quadratic.blo" --methods exact \
  --set outer_steps=2 --backend=interp --quiet -o "$tmp/p" >"$tmp/cmp.out" 2>&1 ||
  { echo "FAIL: compare did not run: $(cat "$tmp/cmp.out")"; exit 1; }
awk -v c=compare '/^\.(TP|SH)/ { on = 0 } $1 == ".B" && $2 == c { on = 1 } on' "$tmp/man.txt" |
  tr -d '\n' >"$tmp/entry"
for f in $(sed -n 's/^wrote //p' "$tmp/cmp.out" | tr ', ' '\n\n' | grep "^$tmp/p"); do
  suffix=${f#"$tmp/p"}
  grep -q "PREFIX$suffix" "$tmp/entry" ||
    { echo "FAIL: man page: compare's output PREFIX$suffix is not in its entry"; fail=1; }
done
# the methods: each has its own ".B method" entry (under METHODS)
methods=$("$bloc" help run |
  awk '/^methods / { on = 1; next } on && /^  [a-z]/ { print $1 } /^$/ { on = 0 }')
[ -n "$methods" ] || { echo "FAIL: bloc help run lists no methods"; exit 1; }
for m in $methods; do
  grep -q "^\.B $m\$" "$tmp/man.txt" ||
    { echo "FAIL: man page: no entry for method '$m'"; fail=1; }
done
# the environment: every BLOC_ variable that bloc's sources read with getenv
vars=$(cd "$top_srcdir" && grep -rhoE 'getenv\("BLOC_[A-Z0-9_]+"\)' api compiler runtime driver \
  lang 2>/dev/null | sed 's/getenv("\(.*\)")/\1/' | sort -u)
[ -n "$vars" ] || { echo "FAIL: no getenv(\"BLOC_...\") found in the sources"; exit 1; }
for v in $vars; do
  grep -q "^\.B $v\$" "$tmp/man.txt" ||
    { echo "FAIL: man page: no ENVIRONMENT entry for $v"; fail=1; }
done
# a man reader cannot resolve a make variable: `$(pkgdatadir)/stdlib` stood for the default
# stdlib directory (the page is not configured: it names the default paths in words)
if grep -n '\$(' "$man" >"$tmp/makevars"; then
  echo "FAIL: the man page names make variables:"; cat "$tmp/makevars"; fail=1
fi
[ $fail = 0 ] && echo "ok: the man page covers $(echo $cmds | wc -w) commands and their flags," \
  "$(echo $methods | wc -w) methods and $(echo $vars | wc -w) environment variables"
exit $fail
