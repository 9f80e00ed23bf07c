#!/bin/sh
# examples.sh — every example end to end at a small size (make check): exit statuses, the
# output files, and the results the examples promise:
#   ufom_toy: FOM settles near x = 5.76, UFOM (q = 0.1, mean over seeds) and itd near x* = 2.84
#   synthetic: LancBiO runs, writes every output file, and g falls
#   hyperclean (small): LancBiO improves test accuracy well above chance on Fashion-MNIST
#   simplex_weights, hyperparam_box (small): the constraints hold, the weights move as promised
#   newsgroups_l2 (small, generated data): LancBiO on sparse data beats chance by far
#   fewshot_regression: itd and ufom reach the closed-form r-step MAML optimum, FOM its own
#     biased fixed point; fewshot_tasks.py regenerates the committed data byte for byte
#   kfold_ridge: exact and aid_cg reach the closed-form cross-validation optimum
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bloc=${BLOC:-${top_builddir:-$top_srcdir}/bloc}
ex=$top_srcdir/examples
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # check NAME CONDITION-EXIT-STATUS
  if [ "$2" = 0 ]; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi
}
backend=${BLOC_TEST_BACKEND:-}
B=${backend:+--backend=$backend}

# ---- UFOM toy: fixed points of FOM, UFOM and itd
"$bloc" run "$ex/ufom_toy.blo" $B --method fom --quiet --save-x "$tmp/fom.csv" 2>/dev/null
check "ufom_toy fom runs" $?
x=$(cat "$tmp/fom.csv")
awk -v x="$x" 'BEGIN { exit !(x > 5.5 && x < 6.1) }'
check "ufom_toy: FOM settles near 5.76 (got $x)" $?
"$bloc" run "$ex/ufom_toy.blo" $B --method itd --quiet --save-x "$tmp/itd.csv" 2>/dev/null
x=$(cat "$tmp/itd.csv")
awk -v x="$x" 'BEGIN { exit !(x > 2.6 && x < 3.1) }'
check "ufom_toy: itd settles near 2.84 (got $x)" $?
sum=0
for seed in 1 2 3 4 5 6; do
  "$bloc" run "$ex/ufom_toy.blo" $B --quiet --seed $seed --save-x "$tmp/u.csv" || fail=1
  sum=$(awk -v s="$sum" -v x="$(cat "$tmp/u.csv")" 'BEGIN { print s + x }')
done
mean=$(awk -v s="$sum" 'BEGIN { print s / 6 }')
awk -v x="$mean" 'BEGIN { exit !(x > 2.4 && x < 3.3) }'
check "ufom_toy: UFOM (q = 0.1) settles near 2.84, mean of 6 seeds (got $mean)" $?

# ---- MAML sinusoid: the equal-compute comparison script runs end to end (tiny budget)
out=$(BLOC="$bloc" "$ex/maml_sinusoid.sh" 40 1)
check "maml_sinusoid.sh runs" $?
[ "$(printf '%s\n' "$out" | grep -c -E '^(ufom|fom|itd) ')" = 3 ]
check "maml_sinusoid.sh reports ufom, fom and itd" $?
# the table and nothing else: each run's summary (printed even with --quiet) once landed
# between the columns of a row
printf '%s\n' "$out" | awk 'NR == 1 { ok = ($1 == "method" && $NF == "meta-test"); next }
  { n++; if ($0 !~ /^(ufom|fom|itd) +1 +[0-9]+ +[0-9.]+ +[0-9.]+$/) ok = 0 }
  END { exit !(ok && n == 3) }'
check "maml_sinusoid.sh prints a header and three clean rows" $?

# ---- few-shot regression on a rank-3 NPY file: distances to the closed-form points
dist() { # dist X.csv REF.csv: Euclidean distance
  awk 'NR == FNR { w[FNR] = $1; next } { s += ($1 - w[FNR]) ^ 2 } END { printf "%.4g", sqrt(s) }' \
    "$2" "$1"
}
for m in itd ufom fom; do
  "$bloc" run "$ex/fewshot_regression.blo" $B --method $m --quiet --save-x "$tmp/fs_$m.csv" \
    2>/dev/null
  check "fewshot_regression $m runs" $?
done
d_itd=$(dist "$tmp/fs_itd.csv" "$ex/fewshot_wstar.csv")
d_ufom=$(dist "$tmp/fs_ufom.csv" "$ex/fewshot_wstar.csv")
d_fom=$(dist "$tmp/fs_fom.csv" "$ex/fewshot_wstar.csv")
d_fomf=$(dist "$tmp/fs_fom.csv" "$ex/fewshot_wfom.csv")
awk -v a="$d_itd" -v b="$d_ufom" 'BEGIN { exit !(a < 0.02 && b < 0.02) }'
check "fewshot_regression: itd and ufom within 0.02 of the MAML optimum (got $d_itd, $d_ufom)" $?
awk -v a="$d_fom" -v b="$d_fomf" 'BEGIN { exit !(a > 0.03 && b < 0.02) }'
check "fewshot_regression: fom settles at its biased point (from w*: $d_fom, from it: $d_fomf)" $?
if command -v python3 >/dev/null 2>&1; then
  python3 "$ex/fewshot_tasks.py" --out "$tmp" >/dev/null &&
    for f in fewshot_X.npy fewshot_Y.npy fewshot_wstar.csv fewshot_wfom.csv; do cmp -s "$tmp/$f" \
      "$ex/$f" || exit 1; done
  check "fewshot_tasks.py regenerates the example's data and optima" $?
fi

# ---- K-fold cross-validation of ridge, the folds written out: the optimum of the closed form
# (per fold the 2 x 2 ridge solve, lam by golden section), which exact and aid_cg reach
kf_ref=$(awk -F, 'function phi(lam,   k, a, b, c, u, v, m, i, det, w1, w2, s, nv, r, tot) {
    tot = 0
    for (k = 0; k < 3; k++) {
      a = b = c = u = v = m = s = nv = 0
      for (i = 0; i < n; i++) if (i % 3 != k) {
        a += x1[i] * x1[i]; b += x1[i] * x2[i]; c += x2[i] * x2[i]
        u += x1[i] * y[i]; v += x2[i] * y[i]; m++ }
      a = a / m + exp(lam); b /= m; c = c / m + exp(lam); u /= m; v /= m
      det = a * c - b * b; w1 = (c * u - b * v) / det; w2 = (a * v - b * u) / det
      for (i = 0; i < n; i++) if (i % 3 == k) {
        r = x1[i] * w1 + x2[i] * w2 - y[i]; s += r * r; nv++ }
      tot += 0.5 * s / nv }
    return tot / 3 }
  BEGIN { n = 0 } { x1[n] = $1; x2[n] = $2; y[n] = $3; n++ }
  END { lo = -10; hi = 5; g = (sqrt(5) - 1) / 2
    for (it = 0; it < 100; it++) { a = hi - g * (hi - lo); b = lo + g * (hi - lo)
      if (phi(a) < phi(b)) hi = b; else lo = a }
    printf "%.10f", (lo + hi) / 2 }' "$ex/kfold_ridge.csv")
for m in exact aid_cg; do
  "$bloc" run "$ex/kfold_ridge.blo" $B --method $m --quiet --save-x "$tmp/kf_$m.csv" \
    >/dev/null 2>"$tmp/kf.err"
  check "kfold_ridge $m runs" $?
  [ ! -s "$tmp/kf.err" ]
  check "kfold_ridge $m: no warning" $?
  x=$(cat "$tmp/kf_$m.csv")
  awk -v x="$x" -v r="$kf_ref" \
    'BEGIN { d = x - r; exit !(r < -1 && r > -3 && d < 1e-5 && d > -1e-5) }'
  check "kfold_ridge $m: lam within 1e-5 of the closed form's $kf_ref (got $x)" $?
done

# ---- synthetic: a short LancBiO run with every output file
"$bloc" run "$ex/synthetic.blo" $B -D n=200 --set outer_steps=200 --set trace_every=50 --quiet \
  --trace "$tmp/tr.csv" --out "$tmp/out.json" --save-x "$tmp/x.csv" --save-y "$tmp/y.csv"
check "synthetic runs (n = 200)" $?
head -1 "$tmp/tr.csv" | grep -q '^step,time,f,g,grad_y_g_norm,hypergrad_norm,residual'
check "synthetic: trace header" $?
[ "$(grep -c . "$tmp/tr.csv")" = 6 ]
check "synthetic: trace rows at steps 0, 50, ..., 200" $?
grep -q '"stop_reason": "outer_steps"' "$tmp/out.json" && grep -q '"steps": 200' "$tmp/out.json"
check "synthetic: result JSON" $?
[ "$(grep -c . "$tmp/x.csv")" = 200 ] && [ "$(grep -c . "$tmp/y.csv")" = 200 ]
check "synthetic: saved x and y" $?
awk -F, 'NR == 2 { first = $4 } END { exit !($4 < first) }' "$tmp/tr.csv"
check "synthetic: the lower objective falls" $?
# README's quick start, as written (n = 1000, 2000 steps, 1 s): two warnings with one cause, y
# far from y*(x); the not-converged one told of "a larger x_step" while the other said to raise
# inner_steps
"$bloc" run "$ex/synthetic.blo" $B > /dev/null 2> "$tmp/readme.err"
grep -q 'warning: the run has not converged.*on estimates taken with y far from y\*(x)' \
  "$tmp/readme.err" && grep -q 'warning: the run ended with its y far.*raise inner_steps' \
  "$tmp/readme.err" && ! grep -q 'larger x_step' "$tmp/readme.err"
check "synthetic as in README: its two warnings name one cause and one cure" $?

# ---- the compile cache: a second run of the same problem loads every compiled part, with
# other options and the same results
if [ -z "$backend" ] || [ "$backend" = jit ]; then
  for i in 1 2; do
    BLOC_CACHE_DIR="$tmp/cache" "$bloc" run "$ex/synthetic.blo" -D n=50 --set \
      outer_steps=$((20 * i)) --quiet \
      --out "$tmp/c$i.json" --save-x "$tmp/cx$i.csv" || fail=1
  done
  json='"compile": {"data": [0-9.e-]*, "compile": [0-9.e-]*, "jit_parts": [1-9][0-9]*, '
  json=$json'"jit_cached": 0, "jit_overlapped": 1}'
  grep -q "$json" "$tmp/c1.json"
  check "compile cache: the first run compiles (result JSON 'compile')" $?
  parts=$(sed -n 's/.*"jit_parts": \([0-9]*\).*/\1/p' "$tmp/c2.json")
  grep -q "\"jit_parts\": $parts, \"jit_cached\": $parts," "$tmp/c2.json"
  check "compile cache: the second run loads all $parts parts" $?
  BLOC_CACHE_DIR="$tmp/cache" "$bloc" run "$ex/synthetic.blo" -D n=50 --set outer_steps=40 --quiet \
    --save-x "$tmp/cx3.csv" &&
      BLOC_CACHE=0 "$bloc" run "$ex/synthetic.blo" -D n=50 --set outer_steps=40 --quiet \
    --save-x "$tmp/cx4.csv" && cmp -s "$tmp/cx2.csv" "$tmp/cx3.csv" &&
      cmp -s "$tmp/cx3.csv" "$tmp/cx4.csv"
  check "compile cache: cached and freshly compiled kernels give the same iterates" $?
fi

# ---- hyper-cleaning on Fashion-MNIST, small
if [ -r /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  "$bloc" run "$ex/hyperclean.blo" $B -D n_train=1000 -D n_val=1000 -D n_test=2000 \
    --set outer_steps=100 --set trace_every=100 --quiet --out "$tmp/hc.json"
  check "hyperclean runs (1000 training samples)" $?
  acc=$(sed -n 's/.*"test_acc": \([0-9.e-]*\).*/\1/p' "$tmp/hc.json" | head -1)
  awk -v a="$acc" 'BEGIN { exit !(a > 0.6) }'
  check "hyperclean: test accuracy above 0.6 after 100 steps (got $acc)" $?
  # precision f32 (float data): the same accuracy within 0.002 (measured: equal)
  "$bloc" run "$ex/hyperclean.blo" $B -D n_train=1000 -D n_val=1000 -D n_test=2000 \
    --set outer_steps=100 --set trace_every=100 --quiet --precision f32 --out "$tmp/hc32.json"
  check "hyperclean runs at precision f32" $?
  acc32=$(sed -n 's/.*"test_acc": \([0-9.e-]*\).*/\1/p' "$tmp/hc32.json" | head -1)
  awk -v a="$acc" -v b="$acc32" \
    'BEGIN { d = a - b; if (d < 0) d = -d; exit !(b != "" && d <= 0.002) }'
  check "hyperclean: f32 test accuracy $acc32 within 0.002 of f64's $acc" $?
  "$bloc" run "$ex/hyperclean_minibatch.blo" $B -D n_train=1000 -D n_val=1000 -D n_test=2000 -D \
    batch=100 \
    --set outer_steps=50 --quiet --out "$tmp/hcm.json"
  check "hyperclean_minibatch runs" $?
  # constrained upper variables: the weights stay on the simplex and move off the corrupted
  # samples (measured: 0.56 -> 0.37 of the mass, 15% of the weights exactly 0)
  "$bloc" run "$ex/simplex_weights.blo" $B -D n_train=200 -D n_val=200 -D n_test=500 \
    --set outer_steps=100 --set x_step=5e-5 --set trace_every=100 --quiet --save-x "$tmp/w.csv" \
    --trace "$tmp/sw.csv" --out "$tmp/sw.json"
  check "simplex_weights runs" $?
  awk '$1 < 0 { bad = 1 } { s += $1; z += ($1 == 0) }
       END { exit !(!bad && s > 1 - 1e-9 && s < 1 + 1e-9 && z > 0) }' "$tmp/w.csv"
  check "simplex_weights: w on the simplex, some weights exactly 0" $?
  awk -F, 'NR == 2 { m0 = $11 } END { exit !($11 < m0 - 0.1) }' "$tmp/sw.csv"
  check "simplex_weights: the mass on corrupted samples falls by more than 0.1" $?
  grep -q '"stationarity": "projected_gradient"' "$tmp/sw.json"
  check "simplex_weights: the result reports the projected-gradient norm" $?
  # a box with Adam: every weight in [0, lam_max], some at each end, f falls
  "$bloc" run "$ex/hyperparam_box.blo" $B -D n_train=200 -D n_val=200 -D n_test=500 \
    --set outer_steps=60 --set trace_every=60 --quiet --save-x "$tmp/lam.csv" --trace "$tmp/hb.csv"
  check "hyperparam_box runs" $?
  awk '$1 < 0 || $1 > 0.1 { bad = 1 } { lo += ($1 == 0); hi += ($1 == 0.1) }
       END { exit !(!bad && lo > 0 && hi > 0) }' "$tmp/lam.csv"
  check "hyperparam_box: lam in [0, 0.1], some weights at each bound" $?
  awk -F, 'NR == 2 { f0 = $3 } END { exit !($3 < f0) }' "$tmp/hb.csv"
  check "hyperparam_box: the validation loss falls" $?
  # the authors' eleven-method comparison script, tiny: every method runs with the authors'
  # settings, soba and hjfbio get twice the steps, and the summary has a row per method
  BLOC="$bloc" BLOC_GNUPLOT= TRACE_EVERY=5 TIMES="0.01 100" LEVELS="0.3 0.99" \
    "$ex/hyperclean_compare.sh" 10 "$tmp/hcc" -D n_train=200 -D n_val=200 -D n_test=500 $B \
    --quiet >"$tmp/hcc.out" 2>"$tmp/hcc.err"
  check "hyperclean_compare.sh runs" $?
  methods="lancbio subbio aid_cg amigo_gd soba stocbio bsa ttsa f2sa hjfbio stable"
  got=$(awk -F, 'NR > 1 && $1 != p { printf "%s%s", s, $1; s = " "; p = $1 }' \
    "$tmp/hcc/hyperclean.csv")
  [ "$got" = "$methods" ]
  check "hyperclean_compare.sh: one CSV block per method, in order (got $got)" $?
  awk -F, 'NR > 1 { last[$1] = $2 } END { exit !(last["lancbio"] == 10 && last["stable"] == 10 &&
    last["soba"] == 20 && last["hjfbio"] == 20) }' "$tmp/hcc/hyperclean.csv"
  check "hyperclean_compare.sh: 10 steps, 20 for soba and hjfbio" $?
  [ "$(grep -c -E '^(lancbio|subbio|aid_cg|amigo_gd|soba|stocbio|bsa|ttsa|f2sa|hjfbio|stable) ' \
    "$tmp/hcc/summary.txt")" = 11 ] && grep -q 'reach 0.99' "$tmp/hcc/summary.txt" &&
    grep -q '^lancbio .* s (step [0-9]*) *not reached *$' "$tmp/hcc/summary.txt"
  check "hyperclean_compare.sh: summary row per method, 0.3 reached, 0.99 not" $?
  # lancbio's warm-up (m = 1 until step 50): v = 0, so x does not move and |hypergrad| is 0
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    $1 == "lancbio" && $2 > 0 && $c["hypergrad_norm"] != 0 { bad = 1 } END { exit bad }' \
    "$tmp/hcc/hyperclean.csv"
  check "hyperclean_compare.sh: lancbio runs the authors' warm-up (v = 0 while m = 1)" $?
else
  echo "skip: Fashion-MNIST not installed (Debian: dataset-fashion-mnist)"
fi

# ---- per-feature L2 on a 20 Newsgroups stand-in, small: 3000 sparse features, 600 documents
# a split (gen_newsgroups.py needs NumPy; the .blo reads newsgroups/ next to itself)
. "$top_srcdir/tests/support/find_python.sh"
if find_python numpy; then
  mkdir -p "$tmp/ng"
  cp "$ex/newsgroups_l2.blo" "$tmp/ng/"
  "$py" "$ex/gen_newsgroups.py" --out "$tmp/ng/newsgroups" --features 3000 \
    --docs 600 --test-docs 400 --density 0.01 >/dev/null
  check "gen_newsgroups.py writes the small stand-in" $?
  "$bloc" run "$tmp/ng/newsgroups_l2.blo" $B -D n_train=600 -D n_val=600 -D n_test=400 \
    -D d=3000 --set outer_steps=100 --set trace_every=100 --quiet --out "$tmp/ng.json"
  check "newsgroups_l2 runs (sparse[600, 3000])" $?
  acc=$(sed -n 's/.*"test_acc": \([0-9.e-]*\).*/\1/p' "$tmp/ng.json" | head -1)
  f=$(sed -n 's/^  "f": \([0-9.e-]*\).*/\1/p' "$tmp/ng.json" | head -1)
  # 20 classes: chance is 0.05 and f starts at ln 20 = 3.0 (measured: 0.47 and 1.20)
  awk -v a="$acc" -v f="$f" 'BEGIN { exit !(a > 0.3 && f != "" && f < 2) }'
  check "newsgroups_l2: test accuracy above 0.3 (got $acc) and f below 2 (got $f)" $?
else
  echo "skip: newsgroups_l2 needs python3-numpy for its data"
fi
exit $fail
