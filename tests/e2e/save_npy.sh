#!/bin/sh
# save_npy.sh — points in NPY files, by name (doc/data.md "Points"): --save-x/--save-y x.npy
# write what numpy.save writes for a float64 vector (a text file under a .npy name, as they
# wrote before, was refused by np.load); --x/--y, --init-x read it back bit for bit, and an
# array of another shape is read in C order when its count is the variable's. The emitted
# solver writes them too.
. "$(dirname "$0")/prologue.sh"
. "$src/tests/support/find_python.sh"
cd "$tmp" || exit 1
cat > p.blo <<'BLO'
problem p
data A : matrix[3, 2] = [[1, 2], [3, 4], [5, 7]]
upper x : matrix[2, 2] = [[0.1, 0.2], [0.3, 0.4]]
lower y : vector[3] = 0
upper objective f = 0.5 * sumsq(y - 1) + 0.01 * sumsq(x)
lower objective g = 0.5 * sumsq(y - A @ x @ [1, -1]) + 0.05 * sumsq(y)
solve aid_cg(outer_steps = 7, x_step = 0.01)
BLO
run="$bloc run p.blo --quiet"
$run --save-x x.npy --save-y y.npy > /dev/null || fail "run --save-x x.npy"
$run --save-x x.csv --save-y y.csv > /dev/null || fail "run --save-x x.csv"
# the format: magic, version 1.0, header length with the header to a multiple of 64 bytes,
# '<f8' of shape (n,), then 8 bytes a value
for v in x:4 y:3; do
  f=${v%:*}.npy n=${v#*:}
  [ "$(head -c 8 $f | od -An -c | tr -s ' ')" = ' 223 N U M P Y 001 \0' ] ||
    fail "$f: not NPY 1.0's magic: $(head -c 8 $f | od -An -c)"
  hl=$(od -An -tu2 -j8 -N2 --endian=little $f | tr -d ' ')
  [ $(((10 + hl) % 64)) = 0 ] || fail "$f: header length $hl, not aligned to 64"
  head -c $((10 + hl)) $f | tail -c +11 | grep -q "{'descr': '<f8', 'fortran_order': False, \
'shape': ($n,), }" || fail "$f: header $(head -c $((10 + hl)) $f | tail -c +11)"
  [ "$(wc -c < $f)" = $((10 + hl + 8 * n)) ] || fail "$f: $(wc -c < $f) bytes"
done
# read back: the same f and g as from the text files (%.17g: exact)
$bloc eval p.blo --x x.npy --y y.npy --what f,g,grad_y_g > e_npy.json || fail "eval --x x.npy"
$bloc eval p.blo --x x.csv --y y.csv --what f,g,grad_y_g > e_csv.json || fail "eval --x x.csv"
cmp -s e_npy.json e_csv.json || fail "eval from .npy and .csv differ: $(diff e_npy.json e_csv.json)"
$run --init-x x.npy --init-y y.npy --save-x x2.csv > /dev/null || fail "run --init-x x.npy"
$run --init-x x.csv --init-y y.csv --save-x x3.csv > /dev/null || fail "run --init-x x.csv"
cmp -s x2.csv x3.csv || fail "a run from x.npy and one from x.csv differ"
if find_python numpy; then
  "$py" - << 'PY' || fail "numpy reading the saved files"
import numpy as np
x = np.load("x.npy"); y = np.load("y.npy")
assert x.dtype == np.float64 and x.shape == (4,) and y.shape == (3,), (x.dtype, x.shape, y.shape)
assert (x == np.loadtxt("x.csv")).all() and (y == np.loadtxt("y.csv")).all()
np.save("xm.npy", x.reshape(2, 2))                         # x's own shape, C order
np.save("xf.npy", np.asfortranarray(x.reshape(2, 2)))      # Fortran order: the same C order
np.save("x5.npy", np.zeros(5))
PY
  for f in xm xf; do
    $bloc eval p.blo --x $f.npy --y y.npy --what f,g,grad_y_g > e_$f.json || fail "eval $f.npy"
    cmp -s e_$f.json e_csv.json || fail "$f.npy (2 x 2) read otherwise than x.npy"
  done
  $bloc eval p.blo --x x5.npy --what f > /dev/null 2> err && fail "5 numbers for x accepted"
  grep -q "error: 'x5.npy' holds 5 numbers but x has 4" err || fail "x5.npy: $(cat err)"
fi
printf '0.1\n0.2\n0.3\n0.4\n' > t.npy # text under a .npy name: refused, not read as text
$bloc eval p.blo --x t.npy --what f > /dev/null 2> err && fail "a text t.npy accepted"
grep -q "'t.npy': not an NPY file" err || fail "t.npy: $(cat err)"
# the emitted solver: the same bytes
if command -v "${CC:-cc}" > /dev/null; then
  $bloc emit-c p.blo -o p.c 2> err || fail "emit-c: $(cat err)"
  # -O0: the fastest build of the emitted file (its runtime is 1.3 MB of C); the run is tiny
  ${CC:-cc} -std=c99 -O0 p.c -o p -lm 2> err || fail "cc: $(head -3 err)"
  ./p --quiet --save-x px.npy > /dev/null || fail "./p --save-x px.npy"
  ./p --quiet --save-x px.csv > /dev/null || fail "./p --save-x px.csv"
  $bloc eval p.blo --x px.npy --what f,g > e_px1.json || fail "eval --x px.npy"
  $bloc eval p.blo --x px.csv --what f,g > e_px2.json || fail "eval --x px.csv"
  cmp -s e_px1.json e_px2.json || fail "the emitted solver's px.npy and px.csv differ"
fi
[ $fails = 0 ] && echo "save_npy: ok"
exit $((fails > 0))
