#!/bin/sh
# big_program.sh — a program over 16 MiB is refused before it is read, the main program as a
# module (doc/language.md §2 and §10, which documented the limit for modules only). The files
# are sparse: their size is all that is looked at.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1
truncate -s $((16 * 1024 * 1024 + 1)) big.blo || exit 1
"$bloc" check big.blo >out 2>err
st=$?
[ $st = 1 ] || fail "main program: status $st, not 1"
grep -qx "bloc: error: cannot read 'big.blo': larger than 16 MiB" err ||
  fail "main program: $(head -3 err)"
cat >p.blo <<'EOB'
import "big"
upper x : vector[2] = 0
lower y : vector[2] = 0
upper objective f = sumsq(x - y)
lower objective g = sumsq(y - x)
EOB
"$bloc" check p.blo >out 2>err
st=$?
[ $st = 1 ] || fail "module: status $st, not 1"
grep -q "^p.blo:1:8: error: module '.*big.blo' is too large (more than 16 MiB)$" err ||
  fail "module: $(head -3 err)"
if [ $fails -gt 0 ]; then
  echo "big_program: $fails failure(s)"
  exit 1
fi
echo "big_program: ok"
