#!/bin/sh
# hostile_names.sh — a program without a `problem` line is named after its file, and a file
# name may hold any byte but '/' and NUL. That name reached bloc compare's gnuplot script raw
# (a newline started a `system` command: it ran as the user), the terminal (ESC sequences in
# run's summary line retitled and cleared it) and eval's JSON (invalid with a quote or an ESC).
# The name is now sanitised where it is made (diag_sanitize_name): each such byte is '_'.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1
cat >base.blo <<'BLO'
upper x : vector[2] = 0
lower y : vector[2] = 0
upper objective f = sumsq(y - 1)
lower objective g = 0.5 * sumsq(y - x)
BLO
nl=$(printf 'p\nsystem "touch OWNED"\n.blo')
cp base.blo "$nl"
"$bloc" compare "$nl" --methods exact --quiet --set outer_steps=2 >cmp.out 2>cmp.err ||
  { fail "compare: status $?"; cat cmp.err; }
[ -e OWNED ] && fail "compare ran a command from the file name"
grep -q '^wrote p_system _touch OWNED___compare/p_system _touch OWNED__\.csv' cmp.out ||
  { fail "compare: the outputs are not named after the sanitised name"; cat cmp.out; }
esc=$(printf 'e\033]0;HACKED\007\033[2J')
cp base.blo "$esc.blo"
"$bloc" run "$esc.blo" --method exact >run.out 2>run.err || fail "run: status $?"
grep -q "$(printf '\033')" run.out run.err && fail "run printed a raw ESC"
grep -q '^e_\]0;HACKED__\[2J: exact stopped' run.out || { fail "run: summary line"; cat run.out; }
cp base.blo 'q"uote.blo'
"$bloc" eval 'q"uote.blo' >eval.out 2>eval.err || fail "eval: status $?"
grep -q '^  "problem": "q_uote",$' eval.out || { fail "eval: the name in JSON"; cat eval.out; }
cp base.blo "$(printf 'r\303\251gression.blo')"
"$bloc" eval "$(printf 'r\303\251gression.blo')" >utf.out 2>&1 || fail "eval utf-8: status $?"
grep -q "$(printf '"problem": "r\303\251gression"')" utf.out || fail "UTF-8 names are kept"
[ $fails = 0 ] && echo "ok: names from file names are sanitised (compare, run, eval)"
exit $((fails > 0))
