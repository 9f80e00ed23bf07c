#!/bin/sh
# scaling_doc.sh — doc/scaling.md's model of the two-rank newsgroups run: the command the doc
# shows prints the communication and step times its text quotes (975 ms, 1480 ms). The command
# once lacked --x-summed and printed 969 ms and 1474 ms instead. The model is plain arithmetic,
# so its numbers do not depend on the machine.
. "$(dirname "$0")/prologue.sh"
py=/usr/bin/python3
[ -x "$py" ] || { echo "SKIP: no $py"; exit 77; }
doc=$src/doc/scaling.md
# the command: from its first line to the first line that does not end in a backslash
cmd=$(awk '/^\/usr\/bin\/python3 bench\/scaling_model.py --compute 1.009 / { on = 1 }
  on { line = $0; sub(/\\$/, "", line); printf "%s ", line; if ($0 !~ /\\$/) exit }' "$doc")
[ -n "$cmd" ] || { echo "FAIL: no --compute 1.009 command in $doc"; exit 1; }
out=$(cd "$src" && sh -c "$cmd") || fail "the doc's command failed: $cmd"
printf '%s\n' "$out" | grep -q '^| 2 | 504.5 ms | 975 ms | 1480 ms |' ||
  fail "the doc's command does not give 975 ms and 1480 ms on 2 nodes: $out"
tr '\n' ' ' <"$doc" | grep -q '505 ms of compute and 975 ms of allreduce, 1480 ms a step' ||
  fail "doc/scaling.md no longer quotes 975 ms and 1480 ms (update this test with it)"
[ $fails = 0 ] && echo "ok: doc/scaling.md's two-rank model command gives the numbers it quotes"
[ $fails = 0 ]
