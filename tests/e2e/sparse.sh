#!/bin/sh
# sparse.sh — a sparse[n, d] data matrix against the same matrix held dense (make check).
# tests/e2e/sparse.blo and sparse_minibatch.blo each have a twin *_dense.blo that differs only
# in the declaration of X, and sparse_mtx.blo is sparse.blo with X from a MatrixMarket file
# (compared with sparse_dense.blo too). For each pair: every oracle of `bloc eval` (f, g,
# gradients, HVPs, the hypergradient and its residual) agrees within 1e-12 (relative to
# max(1, |value|)) with the JIT and with the evaluator; the emitted C solvers of both twins end
# their runs at the same x and y (1e-12), as bloc run does. Then products large enough for the
# JIT to run their generated loops in row-parallel regions of several tasks give the same bits
# with 1 and 3 threads, and agree with the evaluator.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bloc=${BLOC:-${top_builddir:-$top_srcdir}/bloc}
case $bloc in /*) ;; *) bloc=$(pwd)/$bloc ;; esac
CC=${CC:-cc}
SAN=${SAN_FLAGS:-}
e2e=$top_srcdir/tests/e2e
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# the compiler of the emitted solvers ($QCC)
. "$top_srcdir/tests/support/quick_cc.sh"
quick_cc
BLOC_VERIFY=1
export BLOC_VERIFY
fail=0
say() { printf '%s\n' "$*"; }
bad() { say "FAIL: $*"; fail=1; }

# the numbers of a bloc eval JSON or a CSV, one a line (keys and brackets dropped)
numbers() {
  sed -e 's/"[a-z_]*"://g' -e 's/[][,{}]/ /g' "$1" | tr -s ' \t' '\n\n' |
    grep -E '^-?[0-9.]+(e[-+]?[0-9]+)?$|^-?(inf|nan)$'
}

# same A B WHAT [TOL]: the two files hold the same numbers within TOL (default 1e-12;
# relative, floor 1)
same() {
  numbers "$1" >"$tmp/na"
  numbers "$2" >"$tmp/nb"
  if [ "$(wc -l <"$tmp/na")" != "$(wc -l <"$tmp/nb")" ] || [ ! -s "$tmp/na" ]; then
    bad "$3: $(wc -l <"$tmp/na") numbers against $(wc -l <"$tmp/nb")"
    return
  fi
  paste "$tmp/na" "$tmp/nb" | awk -v what="$3" -v tol="${4:-1e-12}" '
    { d = $1 - $2; if (d < 0) d = -d; s = $1 < 0 ? -$1 : $1; if (s < 1) s = 1
      if (d / s > worst) worst = d / s; n++ }
    END { if (worst > tol) { printf "FAIL: %s: differ by %.3g\n", what, worst; exit 1 }
          printf "ok: %s (%d numbers within %.3g)\n", what, n, worst }' || fail=1
}

for pair in "sparse sparse_dense" "sparse_minibatch sparse_minibatch_dense" \
  "sparse_mtx sparse_dense"; do
  p=${pair% *}
  q=${pair#* }
  for b in jit interp; do
    for f in $p $q; do
      # sparse_dense.blo twins two programs: its results are made once
      [ -s "$tmp/$f.$b.json" ] && continue
      "$bloc" eval --seed 3 --backend=$b "$e2e/$f.blo" >"$tmp/$f.$b.json" 2>"$tmp/err" ||
        bad "bloc eval --backend=$b $f.blo: $(cat "$tmp/err")"
    done
    same "$tmp/$p.$b.json" "$tmp/$q.$b.json" "$p: sparse and dense oracles ($b)"
  done
  # the JSON must hold the oracles compared, not an error
  grep -q '"hypergrad"' "$tmp/$p.jit.json" || bad "$p: no hypergradient in bloc eval's output"
  for f in $p $q; do
    [ -s "$tmp/$f.c.x" ] && continue
    "$bloc" run --quiet --seed 3 --save-x "$tmp/$f.run.x" --save-y "$tmp/$f.run.y" \
      "$e2e/$f.blo" >/dev/null 2>"$tmp/err" || bad "bloc run $f.blo: $(cat "$tmp/err")"
    if ! "$bloc" emit-c "$e2e/$f.blo" -o "$tmp/$f.c" 2>"$tmp/err"; then
      bad "bloc emit-c $f.blo: $(cat "$tmp/err")"
      continue
    fi
    # -O0: these solvers run in milliseconds; gcc -O1 of the 1.3 MB file takes 2.5 times as long
    if ! $QCC -std=c99 -O0 $SAN "$tmp/$f.c" -o "$tmp/$f.solver" -lm 2>"$tmp/err"; then
      bad "cc $f.c: $(head -5 "$tmp/err")"
      continue
    fi
    "$tmp/$f.solver" --quiet --seed 3 --save-x "$tmp/$f.c.x" --save-y "$tmp/$f.c.y" \
      >/dev/null 2>"$tmp/err" || bad "the emitted solver of $f.blo: $(cat "$tmp/err")"
  done
  for v in x y; do
    same "$tmp/$p.run.$v" "$tmp/$q.run.$v" "$p: bloc run, final $v, sparse and dense"
    same "$tmp/$p.c.$v" "$tmp/$q.c.$v" "$p: emitted C, final $v, sparse and dense"
  done
done

# precision f32 leaves a sparse matrix in double (the CSR products read doubles; only dense
# tensors become floats): the JIT and the evaluator agree at f32, and the oracles stay within
# float rounding (1e-6) of f64's, the program's dense data being rounded to float
for b in jit interp; do
  "$bloc" eval --seed 3 --backend=$b --precision f32 "$e2e/sparse.blo" \
    >"$tmp/sparse.f32.$b.json" 2>"$tmp/err" ||
    bad "bloc eval --precision f32 --backend=$b sparse.blo: $(cat "$tmp/err")"
done
same "$tmp/sparse.f32.jit.json" "$tmp/sparse.f32.interp.json" "sparse at f32: JIT and evaluator"
same "$tmp/sparse.f32.jit.json" "$tmp/sparse.jit.json" "sparse: f32 and f64 oracles" 1e-6

# products split over threads: 3000 x 1000 at 1%, 20 classes (regions of the generated loops)
awk 'BEGIN { s = 7; for (i = 0; i < 3000; i++) { line = i % 20; c = 0
  for (j = 1; j <= 1000; j++) { s = (s * 1103515245 + 12345) % 2147483648
    if (s % 100 == 0) line = line sprintf(" %d:%.3f", j, (s % 2000) / 1000 - 1) }
  print line } }' >"$tmp/big.svm"
cat >"$tmp/big.blo" <<'BLO'
problem big
data X : sparse[3000, 1000] = load_libsvm("big.svm")
data lab : vector[3000] = load_libsvm_labels("big.svm")
data Y : matrix[3000, 20] = onehot(lab, 20)
upper z : vector[1000] = 0
lower W : matrix[1000, 20] = 0.01
lower objective g = mean(cross_entropy(X @ W, Y)) + sum(colwise(W * W, exp(z))) / 20000
upper objective f = mean(cross_entropy(X @ W, Y))
BLO
for t in 1 3; do
  BLOC_THREADS=$t "$bloc" eval "$tmp/big.blo" >"$tmp/big.$t.json" 2>"$tmp/err" ||
    bad "bloc eval big.blo with $t threads: $(cat "$tmp/err")"
done
if cmp -s "$tmp/big.1.json" "$tmp/big.3.json"; then say "ok: the same bits with 1 and 3 threads"
else bad "big.blo: the oracles differ between 1 and 3 threads"; fi
"$bloc" eval --backend=interp "$tmp/big.blo" >"$tmp/big.i.json" 2>"$tmp/err" ||
  bad "bloc eval --backend=interp big.blo: $(cat "$tmp/err")"
same "$tmp/big.1.json" "$tmp/big.i.json" "big: the JIT (threads) and the evaluator"
exit $fail
