#!/bin/sh
# overlap.sh — time to first step (issue 19, item 3), end to end on a small hyper-cleaning
# problem over generated gzip'ed IDX files. The JIT compiles while the data stage runs
# ("jit_overlapped": 1) and gives bit-identical iterates to compiling after it (BLOC_OVERLAP=0,
# cache off both ways); a problem with a square matrix computed in the data stage (whose
# symmetry, found on the values, simplifies derivatives) is not overlapped and agrees with
# the evaluator backend. The data stage's fused evaluation gives the iterates of the plain
# evaluator (BLOC_DATA_FUSE=0; tests/unit/test_eval_fused compares the tensors). The image
# file is inflated only as far as the slices read: a file damaged after those rows runs with
# the same results, one truncated inside them fails with a located error, and so does the
# damaged file when an objective reads it whole.
. "$(dirname "$0")/prologue.sh"
command -v gzip >/dev/null || { echo "SKIP: overlap.sh needs gzip"; exit 77; }
unset BLOC_OVERLAP BLOC_VECTOR_WIDTH BLOC_DATA_FUSE
export BLOC_CACHE=0

# idx FILE NROWS NCOLS MOD [CUT]: a u8 IDX file (a vector when NCOLS is 0) of pseudo-random
# bytes mod MOD, gzip'ed; CUT > 0 keeps only that many rows of values (a truncated file)
idx() {
  awk -v r="$2" -v c="$3" -v mod="$4" -v cut="${5:-0}" 'BEGIN {
    nd = c ? 3 : 1
    printf "\\000\\000\\010\\%03o", nd
    split(r " 4 " int(c / 4), d, " ")
    for (i = 1; i <= nd; i++)
      printf "\\%03o\\%03o\\%03o\\%03o", int(d[i] / 16777216) % 256, int(d[i] / 65536) % 256,
        int(d[i] / 256) % 256, d[i] % 256
    n = (cut ? cut : r) * (c ? c : 1); s = 12345
    for (i = 0; i < n; i++) {
      s = (s * 1103515245 + 12345) % 2147483648; printf "\\%03o", int(s / 65536) % mod
    }
  }' >"$tmp/fmt"
  # shellcheck disable=SC2059
  printf "$(cat "$tmp/fmt")" | gzip -c >"$1"
}
idx "$tmp/img.gz" 400 16 256
idx "$tmp/lab.gz" 400 0 4
idx "$tmp/img_tail.gz" 400 16 256 250   # damaged after the 200 rows the slices read
idx "$tmp/img_short.gz" 400 16 256 150  # truncated inside them

# prog IMAGES EXTRA: the problem over image file IMAGES, with EXTRA lines appended
prog() {
  cat <<EOF
problem hc_small
data imgs : matrix[400, 16] = load_idx("$1")
data labs : vector[400] = load_idx("$tmp/lab.gz")
data Xtr  : matrix[100, 17] = hcat(imgs[0:100, :] / 255 - 0.5, ones(100))
data Xval : matrix[100, 17] = hcat(imgs[100:200, :] / 255 - 0.5, ones(100))
data Ytr  : matrix[100, 4] = onehot(labs[0:100], 4)
data Yval : matrix[100, 4] = onehot(labs[100:200], 4)
upper lam : vector[100] = 0
lower W   : matrix[17, 4] = 0
upper objective f = mean(cross_entropy(Xval @ W, Yval))
$2
solve lancbio(outer_steps = 30, x_step = 50, y_step = 0.5, inner_steps = 3)
EOF
}
plain='lower objective g = mean(sigmoid(lam) * cross_entropy(Xtr @ W, Ytr)) + 0.01 * sumsq(W)'
prog "$tmp/img.gz" "$plain" >"$tmp/hc.blo"
prog "$tmp/img_tail.gz" "$plain" >"$tmp/hc_tail.blo"
prog "$tmp/img_short.gz" "$plain" >"$tmp/hc_short.blo"
prog "$tmp/img_tail.gz" "$plain
report whole = sum(imgs)" >"$tmp/hc_whole.blo"
prog "$tmp/img.gz" "data C : matrix[17, 17] = Xtr' @ Xtr / 100
lower objective g = mean(sigmoid(lam) * cross_entropy(Xtr @ W, Ytr)) + 0.01 * sum(W * (C @ W))" \
  >"$tmp/hc_sym.blo"

# run NAME FILE [ENV...]: bloc run, result JSON and iterates under $tmp/NAME.*
run() {
  name=$1 file=$2
  shift 2
  env "$@" "$bloc" run "$file" --quiet --out "$tmp/$name.json" --save-x "$tmp/$name.x" \
    --save-y "$tmp/$name.y" >"$tmp/$name.out" 2>"$tmp/$name.err"
}

run on "$tmp/hc.blo" || fail "overlapped run: $(cat "$tmp/on.err")"
grep -q '"jit_overlapped": 1}' "$tmp/on.json" ||
  fail "the JIT did not compile during the data stage"
run off "$tmp/hc.blo" BLOC_OVERLAP=0 || fail "run without overlap: $(cat "$tmp/off.err")"
grep -q '"jit_overlapped": 0}' "$tmp/off.json" || fail "BLOC_OVERLAP=0 still overlapped"
cmp -s "$tmp/on.x" "$tmp/off.x" && cmp -s "$tmp/on.y" "$tmp/off.y" ||
  fail "iterates differ with and without the overlap"
grep -q '"steps": 30' "$tmp/on.json" || fail "the overlapped run did not take its 30 steps"
run nofuse "$tmp/hc.blo" BLOC_DATA_FUSE=0 || fail "run without fusion: $(cat "$tmp/nofuse.err")"
cmp -s "$tmp/on.x" "$tmp/nofuse.x" && cmp -s "$tmp/on.y" "$tmp/nofuse.y" ||
  fail "iterates differ with the data stage's fused evaluation off (BLOC_DATA_FUSE=0)"

run tail "$tmp/hc_tail.blo" || fail "a file damaged past the rows read: $(cat "$tmp/tail.err")"
cmp -s "$tmp/on.x" "$tmp/tail.x" && cmp -s "$tmp/on.y" "$tmp/tail.y" ||
  fail "a file damaged past the rows read gives other iterates"
run short "$tmp/hc_short.blo"
rc=$?
[ $rc = 1 ] || fail "a file truncated inside the rows read: exit $rc, expected 1"
grep -q 'hc_short.blo:2:[0-9]*: error: .*header says 400 items but the file holds only 150' \
  "$tmp/short.err" ||
  fail "truncated file: no located error: $(cat "$tmp/short.err")"
run whole "$tmp/hc_whole.blo"
rc=$?
[ $rc = 1 ] || fail "a damaged file read whole by a report: exit $rc, expected 1"
grep -q 'hc_whole.blo:2:[0-9]*: error: .*header says 400 items but the file holds only 250' \
  "$tmp/whole.err" ||
  fail "damaged file read whole: no located error: $(cat "$tmp/whole.err")"

run sym "$tmp/hc_sym.blo" || fail "square data matrix: $(cat "$tmp/sym.err")"
grep -q '"jit_overlapped": 0}' "$tmp/sym.json" ||
  fail "overlapped although a symmetry check was pending"
"$bloc" run "$tmp/hc_sym.blo" --backend=interp --quiet --out "$tmp/symi.json" >/dev/null 2>&1 ||
  fail "square data matrix on the evaluator"
f_jit=$(sed -n 's/^  "f": \([^,]*\),$/\1/p' "$tmp/sym.json")
f_int=$(sed -n 's/^  "f": \([^,]*\),$/\1/p' "$tmp/symi.json")
[ -n "$f_jit" ] &&
  awk -v a="$f_jit" -v b="$f_int" \
  'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e-9 * (b < 0 ? -b : b) + 1e-12) }' ||
  fail "square data matrix: f $f_jit (JIT) against $f_int (evaluator)"

[ $fails = 0 ] && echo "overlap.sh: all checks passed"
[ $fails = 0 ]
