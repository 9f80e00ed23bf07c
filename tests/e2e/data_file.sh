#!/bin/sh
# data_file.sh — `--data NAME=FILE` (s51 nuN 4): the same problem on another data file from
# the command line, where a user wrote one .blo per data set. A run with --data is the run of
# the .blo edited to that path, bit for bit; FILE is relative to the working directory (a
# command-line path), the program's other paths stay relative to the .blo; the result JSON's
# program.data records it (the last of a name wins); a failed run's error line names it;
# bloc eval, check, compare, emit-c and dump-llvm take it; and the compile cache keeps kernels
# planned for a symmetric matrix apart from those of a same-shape matrix that is not.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1
mkdir p d
cat >p/ridge.blo <<'EOF2'
problem ridge
data T : matrix[6, 3] = load_csv("tr.csv")
data V : matrix[4, 3] = load_csv("va.csv")
data A = T[:, 0:2]
data b = T[:, 2]
upper lam : scalar = 0
lower w : vector[2] = 0
upper objective f = 0.5 * sumsq(V[:, 0:2] @ w - V[:, 2])
lower objective g = 0.5 * sumsq(A @ w - b) + 0.5 * exp(lam) * sumsq(w)
solve exact(outer_steps = 5, x_step = 0.05)
EOF2
printf '1,2,3\n4,5,6\n7,8,10\n1,0,1\n0,1,2\n2,2,3\n' >p/tr.csv
printf '1,1,2\n2,1,3\n0,2,1\n1,3,4\n' >p/va.csv
printf '2,1,3\n4,4,6\n7,1,10\n1,5,1\n3,1,2\n2,0,3\n' >d/tr2.csv
sed 's|"tr.csv"|"../d/tr2.csv"|' p/ridge.blo >p/edited.blo
export BLOC_CACHE_DIR="$tmp/cache"
"$bloc" run p/edited.blo --quiet --out e.json --save-x e.txt --save-y ey.txt >/dev/null ||
  fail "edited run: exit $?"
# FILE from the working directory ($tmp), va.csv still from the program's directory (p/)
"$bloc" run p/ridge.blo --quiet --data T=d/tr2.csv --out r.json --save-x r.txt \
  --save-y ry.txt >/dev/null || fail "--data run: exit $?"
cmp -s e.txt r.txt || fail "x of --data differs from the edited program's: $(cat e.txt r.txt)"
cmp -s ey.txt ry.txt || fail "y of --data differs from the edited program's"
for k in x y f g hypergrad_norm; do
  a=$(python3 -c "import json; print(repr(json.load(open('e.json'))['$k']))")
  b=$(python3 -c "import json; print(repr(json.load(open('r.json'))['$k']))")
  [ "$a" = "$b" ] || fail "JSON $k: edited $a, --data $b"
done
prog=$(python3 -c "import json; print(json.load(open('r.json'))['program']['data'])")
[ "$prog" = "{'T': 'd/tr2.csv'}" ] || fail "program.data is $prog"
prog=$(python3 -c "import json; print(json.load(open('e.json'))['program']['data'])")
[ "$prog" = "{}" ] || fail "program.data without --data is $prog"
# the last of a name wins, and the JSON keeps that one alone
"$bloc" run p/ridge.blo --quiet --data T=nothing.csv --data T=d/tr2.csv --out l.json \
  --save-x l.txt >/dev/null || fail "repeated --data: exit $?"
cmp -s e.txt l.txt || fail "repeated --data: not the last file's x"
prog=$(python3 -c "import json; print(json.load(open('l.json'))['program']['data'])")
[ "$prog" = "{'T': 'd/tr2.csv'}" ] || fail "repeated --data: program.data is $prog"
# FILE is the command line's: from p/, d/tr2.csv is not there
(cd p && "$bloc" run ridge.blo --quiet --data T=d/tr2.csv >/dev/null 2>../rel.err)
[ $? = 1 ] || fail "a FILE relative to the program's directory was found"
grep -q "ridge.blo:2:25: error: 'd/tr2.csv': cannot open" rel.err ||
  { fail "missing FILE: message"; cat rel.err; }
grep -q "note: 'd/tr2.csv' is the file of data 'T' given by --data T=d/tr2.csv" rel.err ||
  { fail "missing FILE: no note naming --data"; cat rel.err; }
# a failed run's error line names its --data (as its -D)
"$bloc" run p/ridge.blo --quiet --data T=d/tr2.csv --set x_step=1e9 --set on_divergence=stop \
  >/dev/null 2>div.err
[ $? = 2 ] || fail "divergence: not status 2"
grep -q "^bloc: error: p/ridge.blo (--data T=d/tr2.csv): numerical failure" div.err ||
  { fail "the error line does not name --data"; cat div.err; }
# eval and compare: the same numbers as the edited program's
"$bloc" eval p/edited.blo --what phi,grad_phi >ee.json || fail "eval edited: exit $?"
"$bloc" eval p/ridge.blo --data T=d/tr2.csv --what phi,grad_phi >er.json || fail "eval: exit $?"
cmp -s ee.json er.json || fail "eval --data differs from the edited program's"
"$bloc" compare p/ridge.blo --methods exact --data T=d/tr2.csv --quiet -o c >/dev/null ||
  fail "compare: exit $?"
grep -q "^exact,0,.*,$(python3 -c "import json; print(repr(json.load(open('e.json'))['f']))")," \
  c_summary.csv || { fail "compare --data: not the edited program's f"; cat c_summary.csv; }
"$bloc" check p/ridge.blo --data T=d/tr2.csv >chk.out || fail "check: exit $?"
grep -qF 'data T: matrix[6, 3] = load_csv("tr.csv") (file d/tr2.csv, from --data)' chk.out ||
  { fail "check does not show the file"; cat chk.out; }
# emit-c: the solver reads the given file (its paths are fixed in the file)
"$bloc" emit-c p/ridge.blo --data T=d/tr2.csv -o s.c || fail "emit-c: exit $?"
grep -qF "\"$tmp/d/tr2.csv\"" s.c || fail "emit-c: the solver does not read d/tr2.csv"
# a symmetric and a non-symmetric matrix of one shape, one program, one cache: the kernels
# planned for the symmetric one (transposes dropped) are not served for the other
cat >p/q.blo <<'EOF2'
problem q
data G : matrix[3, 3] = load_csv("G.csv")
upper x : vector[3] = 1
lower y : vector[3] = 0
upper objective f = 0.5 * sumsq(y - 1) + 0.05 * sumsq(x)
lower objective g = 0.5 * dot(y, G @ y) - dot(x, y)
solve aid_cg(outer_steps = 3, x_step = 0.5)
EOF2
printf '4,1,0\n1,5,1\n0,1,6\n' >p/G.csv
printf '4,2,0\n1,5,1\n0,1,6\n' >d/Gn.csv
sed 's|"G.csv"|"../d/Gn.csv"|' p/q.blo >p/qn.blo
"$bloc" eval p/q.blo --what grad_phi,y_star >qs.json || fail "eval symmetric: exit $?"
"$bloc" eval p/q.blo --data G=d/Gn.csv --what grad_phi,y_star >qd.json || fail "eval Gn: exit $?"
BLOC_CACHE=0 "$bloc" eval p/qn.blo --what grad_phi,y_star >qn.json || fail "eval qn: exit $?"
cmp -s qd.json qn.json || fail "--data G=Gn (cached after G) differs from the edited program"
cmp -s qs.json qd.json && fail "the symmetric and the non-symmetric G gave the same values"
"$bloc" dump-llvm p/q.blo >ls.ll || fail "dump-llvm: exit $?"
"$bloc" dump-llvm p/q.blo --data G=d/Gn.csv >ln.ll || fail "dump-llvm --data: exit $?"
cmp -s ls.ll ln.ll && fail "dump-llvm: the same kernels for the symmetric and the other G"
exit $((fails > 0))
