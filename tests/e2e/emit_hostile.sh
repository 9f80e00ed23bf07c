#!/bin/sh
# emit_hostile.sh — bloc emit-c with hostile names (make check; issue 13, finding 6). A .blo file
# and its data file live under directories whose names hold "??/" (a trigraph: a backslash to
# a compiler in C89/C99 mode or with -trigraphs), "*/", quotes, backslashes and a newline; the
# -o path holds "*??/", a newline and "/" followed by a constructor and "/*", which used to end
# the header comment and run the constructor (exit 42). The generated solver must compile with
# -std=c99 -trigraphs -Wall -Wextra -Werror (gcc and clang when present), read its data file
# through the escaped path (a wrong path fails to load), and agree with bloc run.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bloc=${BLOC:-${top_builddir:-$top_srcdir}/bloc}
case $bloc in /*) ;; *) bloc=$(pwd)/$bloc ;; esac
CC=${CC:-cc}
CLANG=${CLANG:-}
SAN=${SAN_FLAGS:-}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { printf 'FAIL: %s\n' "$*"; fail=1; }
NL='
'

# the program's directory: "h*??" / newline / 'q"b\*' / "??" / "z"
d="$tmp/h*??/$NL/q\"b\\*/??/z"
mkdir -p "$d/v??/a\"b\\c*" || exit 1
printf '3\n-1\n' >"$d/v??/a\"b\\c*/d.csv"
cat >"$d/p.blo" <<'EOF'
problem hostile
data A : vector[2] = load_csv("v??/a\"b\\c*/d.csv")
upper x : vector[2] = 0
lower y : vector[2] = 0
upper objective f = 0.5 * sumsq(y - A) + 0.05 * sumsq(x)
lower objective g = 0.5 * sumsq(y - x)
solve exact(outer_steps = 40, x_step = 0.5)
EOF
out="$tmp/s*??/$NL/__attribute__((constructor)) static void pwn(void) { __builtin__exit(42); }/*x.c"
mkdir -p "$(dirname "$out")" || exit 1

(cd "$tmp" && "$bloc" run "$d/p.blo" --quiet --save-x b_x >/dev/null 2>b_err; echo $? >b_status)
[ "$(cat "$tmp/b_status")" = 0 ] ||
  { bad "bloc run: status $(cat "$tmp/b_status")"; cat "$tmp/b_err"; }
if ! "$bloc" emit-c "$d/p.blo" -o "$out" 2>"$tmp/emit_err"; then
  bad "bloc emit-c failed"
  cat "$tmp/emit_err"
  exit 1
fi

# Scan the generated text itself: no trigraph anywhere, and the header comment ends only once.
if grep -n '??' "$out" >"$tmp/tri"; then bad "a '??' sequence in the generated C:"; head -5 \
  "$tmp/tri"; fi
hdr_end=$(grep -n '\*/' "$out" | head -1 | cut -d: -f1)
[ "$(sed -n "${hdr_end}p" "$out")" = " */" ] ||
  bad "the header comment ends early, at line $hdr_end: $(sed -n "${hdr_end}p" "$out")"

# Compile with every compiler there is, trigraphs on, warnings as errors; run; compare x.
compilers=$CC
[ -n "$CLANG" ] && [ "$CLANG" != "$CC" ] && compilers="$compilers $CLANG"
for c in $compilers; do
  exe="$tmp/solver_$(basename "$c")"
  if ! $c -std=c99 -trigraphs -Wall -Wextra -Werror $SAN "$out" -o "$exe" -lm 2>"$tmp/cc_err"; then
    bad "$c -std=c99 -trigraphs -Werror rejects the generated C"
    head -20 "$tmp/cc_err"
    continue
  fi
  (cd "$tmp" && "$exe" --quiet --save-x s_x >/dev/null 2>s_err; echo $? >s_status)
  st=$(cat "$tmp/s_status")
  if [ "$st" != 0 ]; then
    bad "$c: the solver exits $st (42: injected code ran; 1: the data path did not round-trip)"
    head -5 "$tmp/s_err"
    continue
  fi
  if ! awk 'NR == FNR { b[FNR] = $1; next }
            { d = $1 - b[FNR]; if (d < 0) d = -d
              if (d > 1e-9 * (1 + (b[FNR] < 0 ? -b[FNR] : b[FNR]))) bad = 1; n++ }
            END { exit (bad || n != 2) }' "$tmp/b_x" "$tmp/s_x"; then
    bad "$c: the solver's x differs from bloc run's"
    paste "$tmp/b_x" "$tmp/s_x"
  fi
done
# the data really came through: x solves y = x, x = A / 1.1 at the optimum, so x[0] > 0 > x[1]
awk 'NR == 1 && $1 <= 1 { exit 1 } NR == 2 && $1 >= 0 { exit 1 }' "$tmp/b_x" ||
  bad "x does not reflect the data: $(tr '\n' ' ' <"$tmp/b_x")"

# The header's command line is the command a shell reads back (`bloc emit-c 'x*/q.blo'` was
# shown as 'x*'\''/q.blo', which reads as x*'/q.blo), and the comment holds it as it stands;
# a newline it cannot hold is shown substituted, and the header says so.
grep -q '^ \*           (shown with substitutions' "$out" ||
  bad "the command with a newline is not said to be substituted: $(grep -A1 command: "$out")"
w="x*/??/it's /*b"
mkdir -p "$tmp/$w" "$tmp/o*" || exit 1
sed '/^data/d; s/ - A)/ - 1)/' "$d/p.blo" >"$tmp/$w/q.blo"
if (cd "$tmp" && "$bloc" emit-c "$w/q.blo" -o "o*/s.c" 2>/dev/null); then
  cmd=$(sed -n 's/^ \* command:  //p' "$tmp/o*/s.c")
  eval "set -- $cmd"
  [ "$3" = "$w/q.blo" ] && [ "$5" = "o*/s.c" ] || bad "the header's command reads as $*: $cmd"
  grep -q 'shown with substitutions' "$tmp/o*/s.c" && bad "substitutions said in: $cmd"
  [ "$(grep -n '\*/' "$tmp/o*/s.c" | head -1 | cut -d: -f2-)" = " */" ] ||
    bad "the header comment ends early: $cmd"
else
  bad "bloc emit-c '$w/q.blo' failed"
fi

[ $fail = 0 ] && echo "emit_hostile: ok ($compilers)"
exit $fail
