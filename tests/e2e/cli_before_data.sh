#!/bin/sh
# cli_before_data.sh — a command-line mistake is refused before the data stage: bloc run's
# options, outputs and --init-x/--init-y, bloc compare's options and outputs, bloc eval's
# points. They were reported only after every data file was loaded (seconds and GB on a big
# problem; doc/security.md promised "before any work"). The program's data file does not
# exist: the data stage's error must not come, the option's must, with status 1.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1
cat >p.blo <<'BLO'
problem p
data A : matrix[3, 3] = load_csv("no_such_data.csv")
upper x : vector[3] = 0
lower y : vector[3] = 0
upper objective f = 0.5 * sumsq(x - y)
lower objective g = 0.5 * sumsq(y - A @ x)
report a = A[0, 0]
solve aid_cg(outer_steps = 2)
BLO
mkdir adir
touch afile
# expect WHAT MESSAGE ARGS...: bloc ARGS exits 1 with MESSAGE on stderr, before the data stage
expect() {
  what=$1 msg=$2
  shift 2
  "$bloc" "$@" >out.txt 2>err.txt
  st=$?
  [ $st = 1 ] || fail "$what: status $st, not 1"
  grep -qF -- "$msg" err.txt || { fail "$what: no '$msg' on stderr:"; cat err.txt; }
  ! grep -q "no_such_data" err.txt || fail "$what: the data stage ran first"
}
expect "run --out nodir/r.json" "cannot write the result file 'nodir/r.json'" \
  run p.blo --out nodir/r.json
expect "run --trace nodir/t.csv" "cannot write the trace file 'nodir/t.csv'" \
  run p.blo --trace nodir/t.csv
expect "run --save-y adir" "cannot write the y file 'adir'" run p.blo --save-y adir
expect "run --trace p.blo" "the output 'p.blo' is the input 'p.blo'" run p.blo --trace p.blo
expect "run --out F --trace F" "--trace and --out both write 'r'" run p.blo --out r --trace r
expect "run --init-x nosuch.x" "--init-x: 'nosuch.x': cannot open" run p.blo --init-x nosuch.x
expect "run --init-y adir" "--init-y: 'adir' is a directory" run p.blo --init-y adir
expect "run --set outer_steps=-1" "option 'outer_steps' must be in" \
  run p.blo --set outer_steps=-1
expect "run --set nosuch=1" "unknown option 'nosuch' for method 'aid_cg'" \
  run p.blo --set nosuch=1
expect "run --method fom --set cg_steps=3" "--set cg_steps=3" \
  run p.blo --method fom --set cg_steps=3
expect "compare -o nodir/c" "cannot write 'nodir/c.csv'" \
  compare p.blo --methods aid_cg,soba -o nodir/c
expect "compare --out-dir nodir/sub" "cannot create the output directory 'nodir/sub'" \
  compare p.blo --methods aid_cg,soba --out-dir nodir/sub
expect "compare --out-dir afile" "cannot create the output directory 'afile'" \
  compare p.blo --methods aid_cg,soba --out-dir afile
expect "compare --maximize nosuch" "--maximize: 'nosuch' is not a report" \
  compare p.blo --methods aid_cg,soba --maximize nosuch
expect "eval --x nosuch.x" "--x: 'nosuch.x': cannot open" eval p.blo --x nosuch.x
expect "eval --v adir" "--v: 'adir' is a directory" eval p.blo --v adir
# nothing was created: not the directory a compare would write into
[ ! -e nodir ] || fail "a missing directory was created"
# the checks pass what they should: a new --out-dir, and the data stage's error comes then
"$bloc" compare p.blo --methods aid_cg --out-dir newdir >out.txt 2>err.txt
grep -q "no_such_data" err.txt || fail "compare --out-dir newdir: not the data error"
[ ! -e newdir ] || fail "compare made its directory before the data stage"
exit $((fails > 0))
