#!/bin/sh
# long_lines.sh — diagnostics on long lines stay small and fast: each excerpt shows 80 bytes
# each side of the error. 100 KB of NUL bytes gave 20 MB of output in 2 s (each of 50 errors
# echoed the whole line, escaped; measured), 400 KB did not finish in 20 s and a 1 MB line of
# spaces after one bad byte wrote 50 MB (the hostile-input pass). A long name (a long span) is
# cut too, in the message and the excerpt: 80 bytes at each end, "..." between.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1
head -c 400000 /dev/zero >zero.blo
"$bloc" check zero.blo >/dev/null 2>zero.err
st=$?
[ $st = 1 ] || fail "NUL bytes: status $st, expected 1"
size=$(wc -c <zero.err)
[ "$size" -lt 100000 ] || fail "NUL bytes: $size bytes of diagnostics"
grep -q '^zero.blo:1:1: error: unexpected byte 0x00' zero.err ||
  { fail "no error"; head -3 zero.err; }
{ printf 'problem p\nupper x : scalar = 0\nlower y : scalar = 0\nupper objective f = y + $'
  head -c 1000000 /dev/zero | tr '\0' ' '
  printf '\nlower objective g = y ^ 2\n'; } >spaces.blo
"$bloc" check spaces.blo >/dev/null 2>spaces.err
size=$(wc -c <spaces.err)
[ "$size" -lt 10000 ] || fail "a 1 MB line: $size bytes of diagnostics"
grep -q '^    4 | upper objective f = y + \$ .*\.\.\.$' spaces.err ||
  { fail "excerpt"; cat spaces.err; }
# a 1 MB unknown name: the message, the excerpt and the underline were each 1 MB (3 MB in all)
{ printf 'upper x : scalar = 0\nlower y : scalar = 0\nupper objective f = y + '
  head -c 1000000 /dev/zero | tr '\0' a
  printf '\nlower objective g = y ^ 2\n'; } >name.blo
"$bloc" check name.blo >/dev/null 2>name.err
size=$(wc -c <name.err)
[ "$size" -lt 2000 ] || fail "a 1 MB name: $size bytes of diagnostics"
grep -q "^name.blo:3:25: error: unknown name 'a*\.\.\.a*'$" name.err ||
  { fail "a 1 MB name: message"; head -c 2000 name.err; }
[ $fails = 0 ] && echo "ok: excerpts of long lines are cut"
exit $((fails > 0))
