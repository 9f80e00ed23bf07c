#!/bin/sh
# compare_signals.sh — bloc compare stopped by SIGTERM, SIGHUP or SIGPIPE does what Ctrl-C
# does (doc/compare.md): the running method stops after its step, the others are skipped,
# the CSV, the summary and the table are written, the status is 128 + signal, and no
# temporary is left (the CSV's beside it, the traces' directory under TMPDIR). Those signals
# killed it: nothing written, `.NAME.csv.XXXXXX` and `bloc-compare-XXXXXX/` left behind.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1
blo=$src/tests/e2e/quadratic.blo
mkdir t
TMPDIR=$tmp/t
export TMPDIR
# SIGNUM: is the signal ignored in this shell (Linux: SigIgn in /proc)? It stays ignored in bloc
# (a script's background job ignores SIGINT; make under nohup, SIGHUP): skipped then.
ignored() {
  m=$(sed -n 's/^SigIgn:[[:space:]]*//p' /proc/$$/status 2>/dev/null)
  [ -n "$m" ] && [ $(((0x$m >> ($1 - 1)) & 1)) = 1 ]
}
# Wait (up to 60 s) until the first method is solving: its trace's temporary has rows.
started() {
  i=0
  while [ $i -lt 600 ]; do
    for f in t/bloc-compare-*/.* t/bloc-compare-*/*; do
      case $f in */.|*/..) continue ;; esac
      [ -s "$f" ] && return 0
    done
    sleep 0.1
    i=$((i + 1))
  done
  fail "the compare did not start within 60 s"
}
for sig in TERM:15 HUP:1 PIPE:13; do
  name=${sig%:*} num=${sig#*:}
  if ignored "$num"; then
    echo "skip: SIG$name is ignored in this environment"
    continue
  fi
  rm -rf out
  "$bloc" compare "$blo" --methods aid_cg,lancbio --set outer_steps=100000000 \
    --set trace_every=1000 --quiet --out-dir out >stdout 2>stderr &
  pid=$!
  started
  kill -"$name" $pid
  wait $pid
  st=$?
  [ $st = $((128 + num)) ] || fail "SIG$name: status $st, not $((128 + num)): $(cat stderr)"
  [ "$(cat out/quadratic.csv 2>/dev/null | wc -l)" -gt 2 ] ||
    fail "SIG$name: no CSV of the trace"
  grep -qs "^aid_cg," out/quadratic_summary.csv || fail "SIG$name: no summary"
  grep -q "aid_cg" stdout || fail "SIG$name: no table on stdout"
  grep -qs "^aid_cg,$((128 + num)),interrupted," out/quadratic_summary.csv ||
    fail "SIG$name: the summary does not say aid_cg stopped with $((128 + num))"
  grep -qs "^lancbio,,not run," out/quadratic_summary.csv ||
    fail "SIG$name: the method after the stop ran"
  left=$(ls -A out t 2>/dev/null |
    grep -v '^quadratic\(_.*\)\?\.\(csv\|gp\|svg\)$\|^out:$\|^t:$\|^$')
  [ -z "$left" ] && [ -z "$(ls -A t)" ] || fail "SIG$name: temporaries left: $left"
done
# ... and a real closed pipe: the progress on stderr piped into a reader that has gone (`true`),
# so the first progress line, as aid_cg starts, raises SIGPIPE (the signals above come mid-run).
# The table then cannot reach stdout (the same pipe): no error of its own, status 141 all the
# same. (`head -1` as the reader waited for the second line, plain progress's 5 s later: 8 s.)
if ! ignored 13; then
  rm -rf out
  { "$bloc" compare "$blo" --methods aid_cg,lancbio --set outer_steps=100000000 \
      --out-dir out 2>&1; echo $? >rc.txt; } | true
  [ "$(cat rc.txt)" = 141 ] || fail "a closed pipe: status $(cat rc.txt), not 141"
  grep -qs "^aid_cg,141,interrupted," out/quadratic_summary.csv ||
    fail "a closed pipe: no summary"
  [ -z "$(ls -A t)" ] || fail "a closed pipe: temporaries left: $(ls -A t)"
  [ -z "$(ls -A out 2>/dev/null | grep '^\.')" ] ||
    fail "a closed pipe: temporaries left: $(ls -A out)"
fi
exit $((fails > 0))
