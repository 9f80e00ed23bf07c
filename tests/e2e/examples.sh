#!/bin/sh
# examples.sh — every example end to end at a small size (make check): exit statuses, the
# output files, and the results the examples promise:
#   ufom_toy: FOM settles near x = 5.76, UFOM (q = 0.1, mean over seeds) and itd near x* = 2.84
#   synthetic: LancBiO runs, writes every output file, and g falls
#   hyperclean (small): LancBiO improves test accuracy well above chance on Fashion-MNIST
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

# ---- the compile cache: a second run of the same problem loads every compiled part, with
# other options and the same results
if [ -z "$backend" ] || [ "$backend" = jit ]; then
  for i in 1 2; do
    BLOC_CACHE_DIR="$tmp/cache" "$bloc" run "$ex/synthetic.blo" -D n=50 --set outer_steps=$((20 * i)) --quiet \
      --out "$tmp/c$i.json" --save-x "$tmp/cx$i.csv" || fail=1
  done
  grep -q '"compile": {"data": [0-9.e-]*, "compile": [0-9.e-]*, "jit_parts": [1-9][0-9]*, "jit_cached": 0, "jit_overlapped": 1}' "$tmp/c1.json"
  check "compile cache: the first run compiles (result JSON 'compile')" $?
  parts=$(sed -n 's/.*"jit_parts": \([0-9]*\).*/\1/p' "$tmp/c2.json")
  grep -q "\"jit_parts\": $parts, \"jit_cached\": $parts," "$tmp/c2.json"
  check "compile cache: the second run loads all $parts parts" $?
  BLOC_CACHE_DIR="$tmp/cache" "$bloc" run "$ex/synthetic.blo" -D n=50 --set outer_steps=40 --quiet \
    --save-x "$tmp/cx3.csv" && BLOC_CACHE=0 "$bloc" run "$ex/synthetic.blo" -D n=50 --set outer_steps=40 --quiet \
    --save-x "$tmp/cx4.csv" && cmp -s "$tmp/cx2.csv" "$tmp/cx3.csv" && cmp -s "$tmp/cx3.csv" "$tmp/cx4.csv"
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
  "$bloc" run "$ex/hyperclean_minibatch.blo" $B -D n_train=1000 -D n_val=1000 -D n_test=2000 -D batch=100 \
    --set outer_steps=50 --quiet --out "$tmp/hcm.json"
  check "hyperclean_minibatch runs" $?
else
  echo "skip: Fashion-MNIST not installed (Debian: dataset-fashion-mnist)"
fi
exit $fail
