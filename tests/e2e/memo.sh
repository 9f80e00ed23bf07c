#!/bin/sh
# memo.sh — the JIT's memo slots (doc/abi.md; tests/unit/test_jit_memo checks the kernels):
# hyper-cleaning and per-feature hyperparameters on Fashion-MNIST, small, with LancBiO, AID-CG
# and stocBiO at f64 and f32, give the same x and y bit for bit with memo slots (the default)
# and without (BLOC_MEMO=0), and their plans have slots only with them.
. "$(dirname "$0")/prologue.sh"
ex=$src/examples
img=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
if [ ! -r "$img" ]; then
  echo "SKIP: Fashion-MNIST not installed (Debian: dataset-fashion-mnist)"
  exit 77
fi
unset BLOC_MEMO
export BLOC_CACHE=0

HC="$ex/hyperclean.blo -D n_train=1000 -D n_val=1000 -D n_test=1000"
HP="$ex/hyperparam.blo -D n_train=600 -D n_val=600 -D n_test=1000"

# plans: slots with memo, none without
for prog in "$HC" "$HP"; do
  # shellcheck disable=SC2086
  n1=$("$bloc" dump-llvm --plan $prog 2>&1 | grep -c "(memo at w\[")
  # shellcheck disable=SC2086
  n0=$(BLOC_MEMO=0 "$bloc" dump-llvm --plan $prog 2>&1 | grep -c "(memo at w\[")
  [ "$n1" -ge 2 ] && [ "$n0" -eq 0 ] ||
    fail "${prog%% *}: $n1 memo'd products with slots (want 2 or more), $n0 without (want 0)"
done

# runs: the same iterates
run() { # NAME MEMO ARGS...
  name=$1
  memo=$2
  shift 2
  BLOC_MEMO=$memo "$bloc" run "$@" --quiet --save-x "$tmp/$name.x$memo" \
    --save-y "$tmp/$name.y$memo" >"$tmp/$name.log$memo" 2>&1 ||
    fail "$name (BLOC_MEMO=$memo) exited $?: $(tail -3 "$tmp/$name.log$memo")"
}
same() { # NAME ARGS...
  name=$1
  shift
  run "$name" 1 "$@"
  run "$name" 0 "$@"
  cmp -s "$tmp/$name.x1" "$tmp/$name.x0" && cmp -s "$tmp/$name.y1" "$tmp/$name.y0" ||
    fail "$name: x or y differs with and without memo slots"
}
# shellcheck disable=SC2086
{
  same hc_lancbio $HC --set outer_steps=30
  same hc_lancbio_f32 $HC --set outer_steps=30 --precision f32
  same hc_aid_cg $HC --method aid_cg --set outer_steps=10
  same hc_stocbio_f32 $HC --method stocbio --set outer_steps=10 --precision f32
  same hp_lancbio $HP --set outer_steps=15
}
[ "$fails" -eq 0 ] && echo "PASS: memo slots change no iterate"
[ "$fails" -eq 0 ]
