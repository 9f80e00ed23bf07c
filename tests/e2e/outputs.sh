#!/bin/sh
# outputs.sh — how bloc writes its output files (issue 13, findings 4 and 5; doc/security.md).
# run: a run killed with SIGKILL leaves --out, --save-x, --save-y and --trace as they were;
# SIGTERM, SIGHUP and SIGPIPE stop it after the step like SIGINT, write the results and exit
# 128 + signal; a file's mode is kept and a symbolic link written through; an output that
# cannot be written fails before the run without truncating anything. emit-c -o: a device
# (as root: a copy of /dev/full made with mknod in the test's directory; never the real one,
# which an older bloc run as root would replace) or a FIFO is written in place, never replaced;
# a symbolic link is written through; a 0600 file stays 0600; a failed write keeps the file.
# Every command exits 1 when its stdout cannot be written (finding 11); "-" is stdout. An
# output never replaces an input of the compile (8), nor another output (9).
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bloc=${BLOC:-${top_builddir:-$top_srcdir}/bloc}
case $bloc in /*) ;; *) bloc=$(pwd)/$bloc ;; esac
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
. "$top_srcdir/tests/support/quick_cc.sh"
quick_cc # the compiler of the emitted solvers ($QCC)
cd "$tmp" || exit 1
fail=0
bad() { echo "FAIL: $*"; fail=1; }
blo=$top_srcdir/tests/e2e/quadratic.blo
# about 30 s at most: a signal that is not honoured fails the test rather than hanging it
long="--set outer_steps=3000000 --quiet"

previous() { # the results of an earlier run
  seq 300 >x.csv
  seq 4 >y.csv
  echo '{"previous": true}' >out.json
  seq 50 >trace.csv
  cksum x.csv y.csv out.json trace.csv >before
}
unchanged() { cksum x.csv y.csv out.json trace.csv | cmp -s - before ||
  bad "$1: the previous results changed"; }
# Wait (up to 60 s) until the run in the background is solving: its trace's temporary has
# rows, written after the signal handlers are in place; a busy machine may compile slowly.
started() {
  i=0
  while [ $i -lt 600 ]; do
    for t in .trace.csv.*; do [ -s "$t" ] && return 0; done
    sleep 0.1
    i=$((i + 1))
  done
  bad "the run did not start within 60 s"
}
temps_left() { ls -A |
  grep -v '^\(x\|y\|out\|trace\)\.\(csv\|json\)$\|^before$\|^err$\|^link\.csv$\|^real\.csv$'; }

# 1. SIGKILL mid-run: nothing lost
previous
"$bloc" run "$blo" $long --out out.json --save-x x.csv --save-y y.csv --trace trace.csv &
pid=$!
started
kill -KILL $pid
wait $pid 2>/dev/null
unchanged "SIGKILL"
rm -f .trace.csv.* # the trace's temporary: a killed process cannot remove it

# 2. SIGTERM, SIGHUP, SIGPIPE: stop after the step, results written, 128 + signal (SIGINT:
# test_run; a background job of a script ignores it). A signal this shell was started with
# ignored (make run under nohup ignores SIGHUP) stays ignored in bloc, as it should: skipped.
ignored() { # SIGNUM: is the signal ignored in this shell (Linux: SigIgn in /proc)?
  m=$(sed -n 's/^SigIgn:[[:space:]]*//p' /proc/$$/status 2>/dev/null)
  [ -n "$m" ] && [ $(((0x$m >> ($1 - 1)) & 1)) = 1 ]
}
for sig in TERM:143:15 HUP:129:1 PIPE:141:13; do
  signum=${sig##*:} sig=${sig%:*}
  if ignored "$signum"; then
    echo "skip: SIG${sig%:*} is ignored in this environment (nohup?)"
    continue
  fi
  previous
  "$bloc" run "$blo" $long --out out.json --save-x x.csv --save-y y.csv --trace trace.csv 2>err &
  pid=$!
  started
  kill -"${sig%:*}" $pid
  wait $pid
  rc=$?
  [ $rc = "${sig#*:}" ] || bad "SIG${sig%:*}: exit $rc, expected ${sig#*:}"
  grep -q '"stop_reason": "interrupted"' out.json || bad "SIG${sig%:*}: no result JSON"
  [ "$(wc -l <x.csv)" = 3 ] || bad "SIG${sig%:*}: x.csv not written"
  [ "$(wc -l <y.csv)" = 4 ] || bad "SIG${sig%:*}: y.csv not written"
  [ "$(wc -l <trace.csv)" -gt 2 ] || bad "SIG${sig%:*}: trace not written"
  [ -z "$(temps_left)" ] || bad "SIG${sig%:*}: temporaries left: $(temps_left)"
done

# ... and a real closed pipe: `--trace - | head -1` stops the run with SIGPIPE, 141, the other
# outputs written (it exited 1: "error writing the trace file '-': Broken pipe")
if ! ignored 13; then
  previous
  { "$bloc" run "$blo" $long --quiet --trace - --set trace_every=1 --out out.json 2>err
    echo $? >rc.txt; } | head -1 >/dev/null
  [ "$(cat rc.txt)" = 141 ] || bad "a closed pipe: exit $(cat rc.txt), not 141: $(cat err)"
  grep -q '"stop_reason": "interrupted"' out.json || bad "a closed pipe: no result JSON"
  grep -q "Broken pipe" err && bad "a closed pipe is reported as an error: $(cat err)"
  rm -f rc.txt
  # ... and the progress stream's pipe closed (`2>&1 >log | head`): its next line raised a
  # second SIGPIPE, which killed the run (141 by the signal, no results written)
  previous
  { sleep 0.3; "$bloc" run "$blo" --set outer_steps=3000000 --out out.json 2>&1 >/dev/null
    echo $? >rc.txt; } | true
  [ "$(cat rc.txt)" = 141 ] || bad "a closed progress pipe: exit $(cat rc.txt), not 141"
  grep -q '"stop_reason": "interrupted"' out.json || bad "a closed progress pipe: no result JSON"
  rm -f rc.txt
fi

# ... and a file-size limit (ulimit -f): a write error, status 1, the old file kept; bloc was
# killed by SIGXFSZ (status 153, only the shell saying why) and left its temporary behind
previous
(ulimit -f 1 && exec "$bloc" run "$blo" --quiet --set outer_steps=3 --out out.json 2>err)
rc=$?
[ $rc = 1 ] || bad "ulimit -f: exit $rc, not 1"
grep -q "error writing the result file 'out.json': File too large" err ||
  bad "ulimit -f: $(cat err)"
unchanged "ulimit -f"
[ -z "$(temps_left)" ] || bad "ulimit -f: temporaries left: $(temps_left)"

# 3. mode kept, symbolic link written through
previous
chmod 600 x.csv
seq 7 >real.csv
ln -s real.csv link.csv
"$bloc" run "$blo" --quiet --save-x x.csv --save-y link.csv || bad "run with a 0600 file and a link"
[ "$(stat -c %a x.csv)" = 600 ] || bad "x.csv is now $(stat -c %a x.csv), was 600"
[ -L link.csv ] || bad "the symbolic link was replaced"
[ "$(wc -l <real.csv)" = 4 ] || bad "the link's target was not written"
rm -f link.csv real.csv

# ... but not another user's link in a sticky directory others may write (/tmp), as the
# kernel's fs.protected_symlinks would refuse a shell's `>`: bloc follows links itself, so
# `--out /tmp/r.json` replaced the file another user's link r.json pointed to. As root only
# (the link must belong to someone else).
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
  mkdir -m 1777 sticky
  echo victim >victim.txt
  ln -s "$PWD/victim.txt" sticky/r.json
  chown -h nobody sticky/r.json
  "$bloc" run "$blo" --quiet --set outer_steps=3 --out sticky/r.json >/dev/null 2>err
  rc=$?
  [ $rc = 1 ] || bad "another user's link in a sticky directory: exit $rc, not 1"
  grep -q "cannot write the result file 'sticky/r.json': Permission denied" err ||
    bad "another user's link: $(cat err)"
  [ "$(cat victim.txt)" = victim ] || bad "another user's link was followed"
  ln -s "$PWD/victim.txt" sticky/mine.json # ours: followed, as everywhere
  "$bloc" run "$blo" --quiet --set outer_steps=3 --out sticky/mine.json >/dev/null 2>err ||
    bad "our own link in a sticky directory: $(cat err)"
  grep -q '"problem"' victim.txt || bad "our own link in a sticky directory was not followed"
  rm -rf sticky victim.txt
fi

# 4. an output that cannot be written: refused before the run, nothing truncated
previous
"$bloc" run "$blo" --quiet --out out.json --save-x x.csv --save-y missing/y.csv 2>err
rc=$?
[ $rc = 1 ] || bad "unwritable --save-y: exit $rc"
grep -q "cannot write the y file 'missing/y.csv'" err || bad "unwritable --save-y: $(cat err)"
unchanged "unwritable --save-y"
if [ "$(id -u)" != 0 ]; then
  chmod 444 out.json
  "$bloc" run "$blo" --quiet --out out.json --save-x x.csv 2>err &&
    bad "a read-only --out was accepted"
  chmod 644 out.json
  unchanged "read-only --out"
fi
[ -z "$(temps_left)" ] || bad "temporaries left: $(temps_left)"

# 5. emit-c -o (files compared without the header line naming the command)
same_c() { grep -v '^ \* command: ' "$1" >a.tmp; grep -v '^ \* command: ' "$2" >b.tmp; cmp -s \
  a.tmp b.tmp; }
"$bloc" emit-c "$blo" -o ref.c || bad "emit-c"
echo "precious" >keep.c
chmod 600 keep.c
"$bloc" emit-c "$blo" -o keep.c || bad "emit-c over a 0600 file"
[ "$(stat -c %a keep.c)" = 600 ] || bad "emit-c: keep.c is now $(stat -c %a keep.c), was 600"
same_c keep.c ref.c || bad "emit-c: keep.c not written"
echo "old" >real.c
ln -s real.c link.c
"$bloc" emit-c "$blo" -o link.c || bad "emit-c to a link"
[ -L link.c ] || bad "emit-c replaced the symbolic link"
same_c real.c ref.c || bad "emit-c: the link's target was not written"
mkfifo fifo
cat fifo >got.c &
# (when emit-c fails without opening the FIFO, opening it here releases the reader: no hang)
"$bloc" emit-c "$blo" -o fifo || { bad "emit-c to a FIFO"; : >fifo; }
wait
[ -p fifo ] || bad "emit-c replaced the FIFO"
same_c got.c ref.c || bad "emit-c: the FIFO's reader got something else"
# run --out, --save-x and --save-y to FIFOs: each reader gets the whole file. The check before
# the run used to open and close them, so a reader saw end-of-file before the results and
# left, and the run then blocked forever opening the FIFO again for the results.
for o in out save-x save-y; do
  rm -f fifo
  mkfifo fifo
  cat fifo >got.txt &
  timeout 60 "$bloc" run "$blo" --quiet --set outer_steps=3 --"$o" fifo >/dev/null 2>err
  rc=$?
  # (a reader still waiting is released; one that left is not waited for)
  [ $rc = 0 ] || { bad "run --$o to a FIFO: exit $rc: $(cat err)"; timeout 5 sh -c ': >fifo'; }
  wait
  "$bloc" run "$blo" --quiet --set outer_steps=3 --"$o" ref.txt >/dev/null 2>&1
  [ "$o" = out ] && grep -v '"seconds"\|"time"\|"t_' ref.txt >a.tmp && grep -v \
    '"seconds"\|"time"\|"t_' got.txt >b.tmp && { mv a.tmp ref.txt; mv b.tmp got.txt; }
  [ -s got.txt ] || bad "run --$o to a FIFO: the reader got nothing"
  [ "$o" = out ] || cmp -s got.txt ref.txt || bad "run --$o to a FIFO: the reader got another x"
done
if [ "$(id -u)" = 0 ] && mknod full c 1 7 2>/dev/null; then
  "$bloc" emit-c "$blo" -o full 2>err
  rc=$?
  [ $rc = 1 ] || bad "emit-c -o (a copy of /dev/full): exit $rc"
  grep -q "No space left on device" err || bad "emit-c -o full: $(cat err)"
  [ -c full ] || bad "emit-c replaced the device node"
else
  echo "SKIP: emit-c -o to a device node (needs root for mknod)"
fi

# 6. BLOC_PERF_MAP appends to /tmp/perf-PID.map: a symbolic link planted there (the shell
# execs bloc as its own pid) is not followed
echo precious >victim
sh -c 'ln -s "$1" /tmp/perf-$$.map && echo $$ >pid && BLOC_PERF_MAP=1 exec "$2" run "$3" --quiet' \
  sh "$tmp/victim" "$bloc" "$blo" || bad "run with BLOC_PERF_MAP"
[ "$(cat victim)" = precious ] || bad "BLOC_PERF_MAP wrote through a planted link"
rm -f "/tmp/perf-$(cat pid).map" pid victim

# 6b. names of bloc's own descriptors inside a shell's redirection: /dev/stdout, /dev/fd/1 in
# `{ echo header; bloc ...; echo footer; } >log` write x (then the summary) between them;
# /dev/fd/3 writes through descriptor 3. Their link (/proc/self/fd/N -> log) used to be
# followed and log replaced by a new file holding x alone: header, summary and footer were lost.
"$bloc" run "$blo" --quiet --set outer_steps=3 --save-x x3.csv >/dev/null 2>&1
for name in /dev/stdout /dev/fd/1; do
  { echo header; "$bloc" run "$blo" --quiet --set outer_steps=3 --save-x "$name" 2>err
    echo footer; } >log.txt
  [ "$(head -1 log.txt)" = header ] && [ "$(tail -1 log.txt)" = footer ] &&
    sed -n 2,4p log.txt | cmp -s - x3.csv && grep -q "stopped (outer_steps)" log.txt ||
    bad "--save-x $name in > log: $(tr '\n' ' ' <log.txt)"
done
{ echo first >&3; "$bloc" run "$blo" --quiet --set outer_steps=3 --out /dev/fd/3 >/dev/null
  echo last >&3; } 3>res.json
[ "$(head -1 res.json)" = first ] && [ "$(tail -1 res.json)" = last ] &&
  grep -q '"problem": "quadratic"' res.json || bad "--out /dev/fd/3: $(head -3 res.json)"
rm -f log.txt res.json x3.csv

# 7. stdout that cannot be written (issue 13, finding 11): every command exits 1, says so
if [ -c /dev/full ]; then
  for cmd in "check" "derive" "eval" "dump-ir" "dump-ast" "dump-llvm" "run" \
    "run --quiet --save-x -" "run --quiet --out -" "emit-c -o -"; do
    # shellcheck disable=SC2086
    "$bloc" $cmd "$blo" >/dev/full 2>err
    rc=$?
    [ $rc = 1 ] || bad "bloc $cmd >/dev/full: exit $rc"
    grep -q "No space left on device" err || bad "bloc $cmd >/dev/full: no message: $(cat err)"
  done
  "$bloc" --help >/dev/full 2>err && bad "bloc --help >/dev/full exited 0"
  "$bloc" run "$blo" --quiet --save-x - >x.csv 2>err || bad "--save-x - to a file"
  [ "$(wc -l <x.csv)" = 3 ] || bad "--save-x - did not write x alone to stdout: $(cat x.csv)"
  grep -q "stopped (outer_steps)" err || bad "--save-x -: the summary is not on stderr"
  [ ! -e ./- ] || bad "--save-x - created a file named '-'"
else
  echo "SKIP: stdout write errors (no /dev/full)"
fi

# 8. an output never replaces an input of the compile: `emit-c p.blo -o p.blo` replaced the
# program with C, `run --trace d.csv` a data file with the trace, `compare -o d` d.csv likewise
# (each at the end, whole: the run was right, the input gone). Now each is an error naming both,
# before anything runs, and the files are unchanged; --init-x F --save-x F stays allowed.
mkdir in && cd in || exit 1
printf '1\n2\n' >d.csv
cat >p.blo <<'BLO'
import "imp"
data t : vector[2] = load_csv("d.csv")
upper x : scalar = 1
lower y : vector[2] = 0
upper objective f = sumsq(y - t) + sq(x)
lower objective g = 0.5 * sumsq(y - x)
solve exact(outer_steps = 3, x_step = 0.1)
BLO
echo 'fn sq(a) = a * a' >imp.blo
ln -s d.csv link.csv
cksum p.blo imp.blo d.csv >before
# input_refused WANT CMD...: CMD exits 1 saying WANT (a grep pattern) and leaves the inputs
input_refused() {
  want=$1
  shift
  "$@" >out 2>err
  rc=$?
  [ $rc = 1 ] || bad "$*: exit $rc, not 1"
  grep -q "$want" err || bad "$*: $(cat err)"
  cksum p.blo imp.blo d.csv | cmp -s - before || bad "$* changed an input"
}
for args in "emit-c p.blo -o p.blo" "emit-c p.blo -o imp.blo" "run p.blo --trace d.csv" \
  "run p.blo --out ./p.blo" "run p.blo --save-x link.csv" "run p.blo --save-y $PWD/d.csv" \
  "compare p.blo --methods exact,itd -o d"; do
  # shellcheck disable=SC2086
  input_refused "is the input '.*' (the program, an import or a data file): refusing to replace" \
    "$bloc" $args
done
# an empty output name (--out "$UNSET") is refused before the run: it failed after it, the
# run's work lost
for flag in --out --trace --save-x --save-y; do
  "$bloc" run p.blo "$flag" '' >out 2>err
  rc=$?
  [ $rc = 1 ] || bad "run $flag '': exit $rc, not 1"
  grep -q "cannot write the .* file '': No such file or directory" err || bad "$flag '': $(cat err)"
  [ -s out ] && bad "run $flag '': the run ran ($(head -1 out))"
done
echo 0.5 >x0.csv
"$bloc" run p.blo --init-x x0.csv --save-x x0.csv --quiet >out 2>err ||
  bad "--init-x F --save-x F: $(cat err)"
[ "$(cat x0.csv)" != 0.5 ] || bad "--init-x F --save-x F did not save x"
# the summary goes to stdout: a shell's `> F` with --out F kept the JSON and lost the summary,
# status 0, where doc/security.md says it is refused
"$bloc" run p.blo --quiet --out same.json >same.json 2>err && bad "--out F >F: ran"
grep -q "the summary on stdout ('-') and --out ('same.json') write the same file" err ||
  bad "--out F >F: $(cat err)"
# --init-x with another problem's much longer x: the message named "the declaration
# vector[1]" and the loader's byte limits, which the user never wrote
seq 300000 >long_x.csv
"$bloc" run p.blo --init-x long_x.csv --quiet >out 2>err && bad "--init-x long_x.csv: ran"
grep -q "'long_x.csv' is too large for x, a vector\[.*\]: it holds more than .* bytes, far more" \
  err || bad "--init-x long_x.csv: $(cat err)"
# the emitted solver refuses it too: its --save-x d.csv replaced the data it loads
"$bloc" emit-c p.blo -o in_solver.c && "$QCC" -std=c99 -O0 in_solver.c -o in_solver -lm \
  2>err || bad "the solver of p.blo does not build: $(head -3 err)"
for args in "--save-x d.csv" "--out link.csv" "--trace $PWD/d.csv"; do
  # shellcheck disable=SC2086
  input_refused "error: --[a-z-]*: the output '.*' is the input '$PWD/d.csv' (a data file)" \
    ./in_solver $args
done
# nor its own executable: `./s --out ./s` exited 0 and left s a JSON file
ln -s in_solver self_link
cp in_solver self_copy
for args in "--out ./in_solver" "--save-y self_link" "--trace $PWD/in_solver"; do
  # shellcheck disable=SC2086
  input_refused "error: --[a-z-]*: the output '.*' is this solver's own executable: refusing" \
    ./in_solver $args
  cmp -s in_solver self_copy || bad "./in_solver $args replaced the solver"
done
cd .. || exit 1

# 9. two outputs of one command never write one file: `--trace F --out F` kept the JSON alone,
# `--save-x - --out -` mixed x into the JSON on stdout. Each is an error naming both, before
# the run (what the file held is kept); so is a single-valued flag given twice, whose first
# value was dropped. bloc run, the solver emit-c writes, and the C API's run settings
# (tests/python) share the check (rt_outfile_clash). A device such as /dev/null may take several.
echo previous >same.txt
ln -s same.txt same_link.txt
# refused: CMD... -- the two flags (in rt_outfile_clash's order), the message's tail
refused() {
  want=$1
  shift
  "$@" >out.txt 2>err
  rc=$?
  [ $rc = 1 ] || bad "$*: exit $rc, not 1"
  grep -q "error: $want" err || bad "$*: $(cat err)"
  [ "$(cat same.txt)" = previous ] || bad "$*: same.txt changed"
  [ ! -e new.txt ] || bad "$*: new.txt written"
}
both="one would replace the other"
mixed="one would be mixed into the other"
refused "--trace and --out both write 'same.txt': $both" \
  "$bloc" run --quiet "$blo" --trace same.txt --out same.txt
refused "--save-x ('new.txt') and --save-y ('./new.txt') write the same file: $both" \
  "$bloc" run --quiet "$blo" --save-x new.txt --save-y ./new.txt
refused "--out ('same_link.txt') and --save-y ('$PWD/same.txt') write the same file: $both" \
  "$bloc" run --quiet "$blo" --save-y "$PWD/same.txt" --out same_link.txt
refused "--out and --save-x both write '-': $mixed" "$bloc" run --quiet "$blo" --save-x - --out -
refused "--trace ('/dev/fd/1') and --save-y ('/dev/stdout') write the same file: $mixed" \
  "$bloc" run --quiet "$blo" --save-y /dev/stdout --trace /dev/fd/1
# stdout is the file new.txt (a shell's `> new.txt`): "-" and new.txt are one file
"$bloc" run --quiet "$blo" --out - --save-x new.txt >new.txt 2>err
[ $? = 1 ] && grep -q "error: --out ('-') and --save-x ('new.txt') write the same file" err ||
  bad "--out - --save-x F > F: $(cat err)"
rm -f new.txt
refused "--out given twice" "$bloc" run --quiet "$blo" --out same.txt --out=new.txt
refused "--seed given twice" "$bloc" run --quiet "$blo" --seed 1 --seed 2 --out new.txt
refused "-o given twice" "$bloc" emit-c "$blo" -o same.txt -o new.txt
"$bloc" run --quiet "$blo" --set outer_steps=3 --save-x /dev/null --save-y /dev/null \
  --out /dev/null >/dev/null 2>err || bad "/dev/null as several outputs: $(cat err)"
"$bloc" run --quiet "$blo" --set outer_steps=3 --save-x - --out /dev/stderr >x.txt 2>/dev/null &&
  [ "$(wc -l <x.txt)" = 3 ] || bad "--save-x - --out /dev/stderr: $(cat x.txt)"
"$bloc" emit-c "$blo" -o solver.c && "$QCC" -std=c99 -O0 solver.c -o solver -lm 2>err ||
  bad "the solver does not build: $(head -3 err)"
refused "--trace and --out both write 'same.txt': $both" ./solver --out same.txt --trace same.txt
refused "--out and --save-x both write '-': $mixed" ./solver --save-x - --out -
refused "--save-x ('same_link.txt') and --save-y ('same.txt') write the same file: $both" \
  ./solver --save-x same_link.txt --save-y same.txt
refused "--out given twice" ./solver --out same.txt --out new.txt
./solver --quiet --set outer_steps=3 --save-x /dev/null --save-y /dev/null >/dev/null 2>err ||
  bad "the solver with /dev/null as two outputs: $(cat err)"
# the solver's runtime messages name it, as its option errors do (they said "bloc:")
./solver --quiet --out missing/r.json >/dev/null 2>err
grep -q "^\./solver: error: cannot write the result file 'missing/r.json'" err ||
  bad "the solver's runtime error: $(cat err)"
rm -f same.txt same_link.txt solver solver.c out.txt x.txt

# ---- every command's --help describes every flag of its usage line (issue 16 item 4)
for cmd in run compare check dump-ast derive eval dump-ir dump-llvm emit-c; do
  "$bloc" "$cmd" --help >help.txt 2>&1 || bad "bloc $cmd --help exited $?"
  usage=$(head -1 help.txt)
  for flag in $(printf '%s\n' "$usage" | grep -o -- '[[ ]-[-a-zA-Z]*' | tr -d '[ ' | sort -u); do
    sed '1,/^options:/d' help.txt | grep -q -- "^  .*$flag" ||
      bad "bloc $cmd --help does not describe $flag"
  done
done
exit $fail
