#!/bin/sh
# maml_sinusoid.sh — meta-train with ufom, fom and itd at equal compute, then measure the
# meta-test loss: the query loss after r adaptation steps, averaged over 400 fresh tasks
# (generated with another seed, so none was seen in training).
#   usage: examples/maml_sinusoid.sh [STEPS (20000)] [SEEDS ("1 2 3 4")]
# FOM's steps cost about half of UFOM's (q = 0.5) here, so FOM gets 2 x STEPS.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bloc=${BLOC:-$here/../bloc}
prog=$here/maml_sinusoid.blo
steps=${1:-20000}
seeds=${2:-1 2 3 4}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Each run's summary goes to stdout even with --quiet, so it is sent to /dev/null (the table is
# this script's output; the results are read from --out and --trace). stderr is kept: with
# --quiet it holds only errors, which set -e would otherwise turn into a silent exit.

metatest() { # x.csv -> mean query loss after adaptation on 400 fresh tasks
  "$bloc" run "$prog" --method itd --seed 99 --init-x "$1" --set x_step=0 \
    --set outer_steps=400 --set trace_every=1 --set meta_batch=1 --set eval_draws=1 --quiet \
    --trace "$tmp/mt.csv" >/dev/null
  awk -F, 'NR > 2 { s += $3; n++ } END { printf "%.4f", s / n }' "$tmp/mt.csv"
}

printf '%-6s %6s %8s %10s %10s\n' method seed steps "time (s)" "meta-test"
for seed in $seeds; do
  for m in ufom fom itd; do
    n=$steps
    [ "$m" = fom ] && n=$((2 * steps))
    "$bloc" run "$prog" --method "$m" --seed "$seed" --set outer_steps="$n" --quiet \
      --save-x "$tmp/x.csv" --out "$tmp/out.json" >/dev/null
    t=$(sed -n 's/.*"total": \([0-9.e+-]*\).*/\1/p' "$tmp/out.json" | head -1)
    printf '%-6s %6s %8s %10.1f %10s\n' "$m" "$seed" "$n" "$t" "$(metatest "$tmp/x.csv")"
  done
done
