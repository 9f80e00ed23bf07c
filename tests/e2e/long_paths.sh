#!/bin/sh
# long_paths.sh — a message naming a long path keeps its reason (make check). A data file
# under a 1,505-character path holding a NaN, and --out into a 1,500-character directory: the
# messages were cut at the 512 bytes of their buffers, inside the path, without the closing
# quote, the line and field or why. Now a long quoted path keeps its first and last 60
# characters around "...", and the reason follows.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1
d=$(awk 'BEGIN { for (i = 0; i < 300; i++) printf "dddd/" }')
mkdir -p "$d" || exit 1
printf '1\nnan\n' >"${d}x.csv"
cat >p.blo <<EOB
problem p
data A : vector[2] = load_csv("${d}x.csv")
upper x : vector[2] = 0
lower y : vector[2] = 0
upper objective f = sumsq(x - y) + sum(A)
lower objective g = sumsq(y - x)
solve aid_cg(outer_steps = 1)
EOB
head60=$(printf '%s' "$d" | cut -c1-60)
tail60=$(printf '%s' "${d}x.csv" | awk '{ print substr($0, length($0) - 59) }')
"$bloc" run --backend interp p.blo >out 2>err
st=$?
want="p.blo:2:22: error: '$head60...$tail60' line 2, field 1: 'nan' is not a finite number"
if [ $st != 1 ]; then
  fail "NaN under a long path: status $st, not 1"
elif ! head -1 err | grep -qF "$want"; then
  fail "NaN under a long path: the first line is not '$want...':
$(head -1 err | cut -c1-300)"
fi

cat >base.blo <<'EOB'
problem base
upper x : vector[3] = 1
lower y : vector[3] = 0
upper objective f = 0.5 * sumsq(y - 1) + 0.5 * sumsq(x)
lower objective g = 0.5 * sumsq(y - x)
solve aid_cg(outer_steps = 2)
EOB
"$bloc" run --backend interp --quiet base.blo --out "$d" >out 2>err
st=$?
tail60=$(printf '%s' "$d" | awk '{ print substr($0, length($0) - 59) }')
want="error: cannot write the result file '$head60...$tail60': " # checked before the data stage
if [ $st != 1 ]; then
  fail "--out into a long directory: status $st, not 1"
elif ! grep -F "$want" err | grep -qvxF "$want"; then
  fail "--out into a long directory: no line '$want' with a reason after it:
$(cut -c1-300 err)"
fi

if [ $fails -gt 0 ]; then
  echo "long_paths: $fails failure(s)"
  exit 1
fi
echo "long_paths: ok"
