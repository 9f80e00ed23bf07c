#!/bin/sh
# hyperclean_compare.sh — the LancBiO authors' hyper-cleaning comparison (their
# Code/LancBiO_hyperclean_Fashion/main.py): all eleven methods on examples/hyperclean.blo with
# the authors' Fashion-MNIST settings, one `bloc compare` run, then a summary of test accuracy
# at fixed times and the time to reach given accuracies.
#   usage: examples/hyperclean_compare.sh [STEPS (3000)] [OUT_DIR (hyperclean_compare)]
#                                         [extra bloc compare arguments, e.g. -D n_train=1000]
# STEPS is the authors' K (epochs); soba and hjfbio get 2 x STEPS, as their main.py gives
# them 6000 epochs against 3000 (their steps are cheap). Environment: TRACE_EVERY (30, the
# authors' test_fre), TIMES (seconds for the accuracy columns, "5 10 20 40 80"), LEVELS
# (accuracies to reach, "0.80 0.81"), PLOT_FORMAT (svg), BLOC (the bloc to run), and
# SUMMARY_ONLY=1 to redo the summary from an existing OUT_DIR/hyperclean.csv (other TIMES).
# Writes OUT_DIR/hyperclean.csv (every trace: test_acc against time and steps), the plots
# OUT_DIR/hyperclean_test_acc.* (and f, hypergrad_norm), and OUT_DIR/summary.txt.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bloc=${BLOC:-$here/../bloc}
steps=${1:-3000}
out=${2:-hyperclean_compare}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] && shift
trace=${TRACE_EVERY:-30}
times=${TIMES:-5 10 20 40 80}
levels=${LEVELS:-0.80 0.81}
case $steps in ''|*[!0-9]*) echo "hyperclean_compare.sh: STEPS must be a number" >&2; exit 1;; esac
mkdir -p "$out"

# Common to every method (main.py): outer_lr 500, inner_lr 0.1, eta (v step) 0.05, corruption
# 0.5 (hyperclean.blo's p). Per method, as main.py's if-chain and the solvers set them:
#   lancbio   T = 5, m 1 -> x1.3 every 50 steps, cap 10, warm-up phase until epoch 250
#   subbio    T = 5, eta 0.05
#   aid_cg    T = 10, Q = 5 CG steps, outer_lr 100      amigo_gd  T = 10, Q = 5, eta 0.05
#   soba      T = 1, eta 0.05, 6000 epochs              stocbio   T = 10, Q = 10, eta 0.05
#   bsa       T = 10, Q = 10, eta 0.05, constant x step (their b = 0)
#   ttsa      T = 1, Q = 10, eta 0.05, constant x step (their b = 0)
#   f2sa      T = 10, outer_lr 10 ("unstable above 10"), lambda0 1, delta_lambda 0.1
#   hjfbio    T = 1, delta 1e-5, v step 0.1 (inner_lr), 6000 epochs
#   stable    Q = 20, eta 0.05 (their T = 5 is never read: one y step)
[ "${SUMMARY_ONLY:-0}" = 1 ] || "$bloc" compare "$here/hyperclean.blo" \
  --methods lancbio,subbio,aid_cg,amigo_gd,soba,stocbio,bsa,ttsa,f2sa,hjfbio,stable \
  --set outer_steps="$steps" --set x_step=500 --set y_step=0.1 --set trace_every="$trace" \
  --set lancbio.inner_steps=5 --set lancbio.m0=1 --set lancbio.m_growth=1.3 \
  --set lancbio.m_period=50 --set lancbio.m_max=10 --set lancbio.warmup_steps=250 \
  --set subbio.inner_steps=5 --set subbio.eta=0.05 \
  --set aid_cg.inner_steps=10 --set aid_cg.cg_steps=5 --set aid_cg.x_step=100 \
  --set amigo_gd.inner_steps=10 --set amigo_gd.v_steps=5 --set amigo_gd.eta=0.05 \
  --set soba.inner_steps=1 --set soba.eta=0.05 --set soba.outer_steps=$((2 * steps)) \
  --set stocbio.inner_steps=10 --set stocbio.neumann_steps=10 --set stocbio.eta=0.05 \
  --set bsa.inner_steps=10 --set bsa.neumann_steps=10 --set bsa.eta=0.05 --set bsa.x_decay=0 \
  --set ttsa.inner_steps=1 --set ttsa.neumann_steps=10 --set ttsa.eta=0.05 --set ttsa.x_decay=0 \
  --set f2sa.inner_steps=10 --set f2sa.x_step=10 --set f2sa.lambda0=1 --set f2sa.delta_lambda=0.1 \
  --set hjfbio.delta=1e-5 --set hjfbio.eta=0.1 --set hjfbio.outer_steps=$((2 * steps)) \
  --set stable.neumann_steps=20 --set stable.eta=0.05 \
  --maximize test_acc --plot-format "${PLOT_FORMAT:-svg}" --out-dir "$out" "$@"

# Summary from the CSV: the accuracy a method had reached by each time (its last trace point
# at or before it; "-" past the end of its run) and the first trace point at or above each
# level (time and step; "not reached").
awk -F, -v times="$times" -v levels="$levels" '
  NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; nt = split(times, T, " ");
            nl = split(levels, L, " "); next }
  {
    m = $1; t = $col["time"] + 0; a = $col["test_acc"]; s = $col["step"]
    if (!(m in seen)) { seen[m] = 1; order[++nm] = m }
    last[m] = t; final[m] = a; laststep[m] = s
    for (i = 1; i <= nt; i++) if (t <= T[i] + 0) at[m, i] = a
    for (j = 1; j <= nl; j++)
      if (!((m, j) in hit) && a + 0 >= L[j] + 0) hit[m, j] = sprintf("%.3g s (step %d)", t, s)
  }
  END {
    printf "%-9s", "method"
    for (i = 1; i <= nt; i++) printf " %8s", "@" T[i] "s"
    printf " %8s %7s %9s", "final", "steps", "time (s)"
    for (j = 1; j <= nl; j++) printf "  %-19s", "reach " L[j]
    printf "\n"
    for (k = 1; k <= nm; k++) {
      m = order[k]; printf "%-9s", m
      for (i = 1; i <= nt; i++)
        printf " %8s", (T[i] + 0 <= last[m] && (m, i) in at) ? sprintf("%.4f", at[m, i]) : "-"
      printf " %8.4f %7d %9.3g", final[m], laststep[m], last[m]
      for (j = 1; j <= nl; j++) printf "  %-19s", ((m, j) in hit) ? hit[m, j] : "not reached"
      printf "\n"
    }
  }' "$out/hyperclean.csv" | tee "$out/summary.txt"
