#!/bin/sh
# emit_c.sh — bloc emit-c end to end (make check). For every example (at small sizes), every
# e2e program and every valid golden program: emit the solver, compile it (portable loops, and
# with CBLAS when OpenBLAS is there: synthetic both ways, the other programs one way
# each, in turn; see one_case), run 30 outer steps, and compare with `bloc run` with the
# same method, options and seed: exit status; final x and y within 1e-9 (relative, in the max
# norm: kernels reassociate sums differently from the JIT's, so the last bits differ; 1e-5 at
# precision f32, whose products compute in float, see XY_TOL); the
# trace's columns, steps, oracle counts and values (within 1e-7: the diagnostics evaluate f, g,
# the HVPs and the reports at every trace point); steps and stop reason of the result JSON.
# Then: every method on one problem, --embed-data (the solver runs without its data file), a
# gzip data file without and with zlib, a data file no longer symmetric, two solvers with
# different prefixes linked into one program (no heap allocation during a solve, only PREFIX_
# symbols exported), and -Wall -Wextra -pedantic -Werror with gcc and clang in both modes.
# Generated code is compiled with the sanitizers of the build (SAN_FLAGS).
#
#   emit_c.sh           every case (the programs two at a time); exit 1 if one fails
#   emit_c.sh --list    the case names, one a line: each program, then methods, keep, data,
#                       link and programs (at least 20 programs compared, read from their logs)
#   emit_c.sh CASE      one case (exit 0, 1, or 77 for a program bloc run cannot run); CASE may
#                       be a path DIR/CASE.emitc, as make check passes it (Makefile.am runs
#                       every case as its own test, so that make -j spreads them)
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bloc=${BLOC:-${top_builddir:-$top_srcdir}/bloc}
case $bloc in /*) ;; *) bloc=$(pwd)/$bloc ;; esac
CC=${CC:-cc}
CLANG=${CLANG:-}
SAN=${SAN_FLAGS:-}
JOBS=${EMIT_TEST_JOBS:-2}
exd=$top_srcdir/examples
q=$top_srcdir/tests/e2e/quadratic.blo

# the programs compared with bloc run, one a line: NAME|FILE|ARGS|STEPS (STEPS default 30)
program_cases() {
  # the Fashion-MNIST examples' training set sets the cost of every HVP, which the portable
  # loops at -O0 compute (30 rows: 5 s a case where 60 took 8-9)
  sizes='-D n_train=30 -D n_val=50 -D n_test=70'
  echo "synthetic|$exd/synthetic.blo|-D n=40"
  echo "synthetic_aid_cg|$exd/synthetic.blo|-D n=40 --method aid_cg"
  echo "hyperclean|$exd/hyperclean.blo|$sizes"
  # the methods that need grad_x g and J'u, on a problem where g depends on x nonlinearly
  for m in f2sa hjfbio stable; do
    echo "hyperclean_$m|$exd/hyperclean.blo|$sizes --method $m"
  done
  echo "hyperclean_minibatch|$exd/hyperclean_minibatch.blo|$sizes -D batch=16"
  # precision f32: float data in the emitted kernels and rt_f32_gemm, as in bloc run's (60
  # training rows, where XY_TOL was measured: at 30 x differed by 5.3e-5)
  echo "hyperclean_f32|$exd/hyperclean.blo|-D n_train=60 -D n_val=50 -D n_test=70 --precision f32"
  echo "f32_kernels|$top_srcdir/tests/unit/f32_kernels.blo|--precision f32"
  echo "hyperparam|$exd/hyperparam.blo|$sizes"
  echo "maml_sinusoid|$exd/maml_sinusoid.blo|-D T=20"
  # constrained upper variables (projection) with Adam, momentum and sgd
  echo "hyperparam_box|$exd/hyperparam_box.blo|$sizes"
  echo "simplex_weights|$exd/simplex_weights.blo|$sizes"
  echo "simplex_weights_momentum|$exd/simplex_weights.blo|$sizes --set x_optimizer=momentum" \
    "--set beta1=0.8"
  # the new methods with constraints and Adam: STABLE's y correction uses the projected Adam
  # step (eta 0.02: the lower Hessian's L reaches 50, and y_step 0.1 as eta makes the series
  # diverge); F2SA ends with 94% of the weights at the bound 0
  box="$exd/hyperparam_box.blo|$sizes"
  echo "hyperparam_box_stable|$box --method stable --set eta=0.02"
  echo "hyperparam_box_f2sa|$box --method f2sa"
  # x_decay on a method that gained it (session 46), with momentum
  echo "quadratic_decay_aid_cg|$q|--method aid_cg --set x_decay=0.6 --set x_optimizer=momentum"
  echo "ufom_toy_adam|$exd/ufom_toy.blo|--set x_optimizer=adam --set x_step=0.05"
  echo "fewshot_regression|$exd/fewshot_regression.blo|"
  echo "ufom_toy|$exd/ufom_toy.blo|"
  echo "ufom_toy_seed5|$exd/ufom_toy.blo|--seed 5"
  for f in "$top_srcdir"/tests/e2e/*.blo; do
    n=$(basename "$f" .blo)
    # builtins.blo and reshape.blo diverge (their lower levels are not convex): rounding
    # differences grow by orders of magnitude per step, so they run 10 steps (reshape's 30
    # steps differed at step 20 once y_step = auto was estimated again inside a step)
    steps=30
    case $n in builtins | reshape) steps=10 ;; esac
    # mpi_uneven (12001 x 10 lower unknowns, for tests/e2e/mpi_uneven.sh): 10 steps, two trace
    # points, in 6 s of CPU where 30 took 13
    case $n in mpi_uneven) steps=10 ;; esac
    if grep -q '^solve' "$f"; then echo "e2e_$n|$f||$steps"
    else echo "e2e_$n|$f|--method lancbio|$steps"; fi
  done
  for f in "$top_srcdir"/tests/golden/ok_*.blo; do
    n=$(basename "$f" .blo)
    # ok_sparse_bom is an eval program whose g grows with exp(x): lancbio diverges on it, and
    # at its 21st step the runs' residuals (of |b| ~ 1e20) differ by rounding (at its 10th on
    # an AMD Zen 3: 181 against 8.9e-12, so it runs 5 steps). ok_regather's
    # stocBiO runs y_step = auto's watch estimates (rt_ystep.c) on one draw's Hessian of
    # clustered eigenvalues (softmax heads), where Lanczos's early end comes by rounding: 16
    # steps under one BLAS, 13 under another, at step 11 (the values agree; the HVP counts
    # differ by 3)
    steps=
    case $n in ok_sparse_bom) steps=5 ;; ok_regather) steps=10 ;; esac
    if grep -q '^solve' "$f"; then echo "golden_$n|$f||$steps"
    else echo "golden_$n|$f|--method lancbio|$steps"; fi
  done
}
case ${1:-} in
  --list) program_cases | cut -d'|' -f1; printf '%s\n' methods keep data link programs; exit 0 ;;
  '') one= ;;
  *) one=$(basename "$1" .emitc) ;;
esac
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
say() { printf '%s\n' "$*"; }
bad() { say "FAIL: $*"; fail=1; }

# ---- what the machine has (tests/support/quick_cc.sh: make check probes once for every case)
. "$top_srcdir/tests/support/quick_cc.sh"
cc_probes
cblas=$cc_cblas zlib=$cc_zlib
ZFLAGS=""
ZLIBS=""
if [ $zlib = 1 ]; then ZFLAGS=-DBLO_USE_ZLIB; ZLIBS=-lz; fi
[ $cblas = 1 ] || say "note: no OpenBLAS for $CC: the CBLAS build of the solvers is not tested"
# the compiler of the -O0 builds (examples, golden, e2e, methods, keep, data):
# clang when configure found it and it builds with SAN_FLAGS (and OpenBLAS), 1.3 s a solver
# where gcc takes 3 s; gcc builds the -O2 solvers that run (synthetic's CBLAS one as
# doc/emit-c.md says, the warn_programs with -Werror) and links link's program
quick_cc
[ $cblas = 0 ] || [ "$clang_cblas" = 1 ] || QCC=$CC

# max |a_i - b_i| / max |b_i| (files of one number per line): the relative error of a vector
maxrel() {
  paste -d' ' "$1" "$2" | awk '
    function ab(v) { return v < 0 ? -v : v }
    { if ($1 == "" || $2 == "") bad = 1; if (ab($2) > big) big = ab($2)
      d = ab($1 - $2); if (d > m) m = d }
    END {
      if (bad || NR == 0) { print "inf"; exit }
      if (big < 1e-300) big = 1e-300
      printf "%.3g\n", m / big
    }'
}

# compare DIR TAG: the solver's outputs (s_*) against bloc run's (b_*)
compare() {
  d=$1 tag=$2
  r=$(cat "$d/s_status") rb=$(cat "$d/b_status")
  if [ "$r" != "$rb" ]; then
    echo "FAIL: $tag: exit status $r, bloc run $rb"; sed 's/^/  /' "$d/s_err" | head -5; return 1
  fi
  [ "$rb" = 0 ] || [ "$rb" = 2 ] || { echo "ok: $tag: both fail with status $rb"; return 0; }
  rx=$(maxrel "$d/s_x" "$d/b_x") ry=$(maxrel "$d/s_y" "$d/b_y")
  ok=$(awk -v a="$rx" -v b="$ry" -v t="$XY_TOL" 'BEGIN { print (a <= t && b <= t) }')
  [ "$ok" = 1 ] || { echo "FAIL: $tag: x differs by $rx, y by $ry (relative)"; return 1; }
  [ "$(head -1 "$d/s_trace")" = "$(head -1 "$d/b_trace")" ] ||
    { echo "FAIL: $tag: trace columns differ"; return 1; }
  [ "$(cut -d, -f1 "$d/s_trace")" = "$(cut -d, -f1 "$d/b_trace")" ] ||
    { echo "FAIL: $tag: trace steps differ"; return 1; }
  # every value of the trace but the time: the diagnostics call f, g, grad_y g, the HVPs and
  # the reports kernel at each trace point; oracle counts must be equal
  tr=$(paste -d, "$d/s_trace" "$d/b_trace" | awk -F, -v tol="$TRACE_TOL" '
    function ab(v) { return v < 0 ? -v : v }
    NR == 1 { n = NF / 2
              for (i = 1; i <= n; i++) { name[i] = $i; if ($i == "ritz_max") rmax = i }; next }
    {
      # once both runs have solved the problem to underflow (f at or near 0: the iterates
      # reach the exact solution, or not, by rounding), when a method skips its linear solve
      # is up to rounding too, so the oracle counts may differ from there on
      if (ab($3) < 1e-100 && ab($(3 + n)) < 1e-100) solved = 1
      for (i = 3; i <= n; i++) {
        a = $i; b = $(i + n)
        if (a == b) continue
        if (a == "" || b == "" || a ~ /nan|inf/ || b ~ /nan|inf/) {
          print "row " NR - 1 " " name[i] ": " a " vs " b; exit
        }
        d = ab(a - b); s = ab(b) > ab(a) ? ab(b) : ab(a)
        # a Ritz value is accurate relative to the spectrum, not to itself
        if (name[i] == "ritz_min" && ab($rmax) > s) s = ab($rmax)
        # a linear-solve residual below 1e-9 is rounding noise, different for each BLAS
        fl = name[i] == "residual" ? 1e-9 : 1e-12
        if (name[i] ~ /^calls_/) { if (solved) continue; d = 1; s = 0 }
        if (d > tol * s + fl) { print "row " NR - 1 " " name[i] ": " a " vs " b; exit }
      }
    }')
  [ -z "$tr" ] || { echo "FAIL: $tag: trace values differ: $tr"; return 1; }
  for k in '"steps"' '"stop_reason"' '"status"' '"method"'; do
    [ "$(grep "$k" "$d/s_out")" = "$(grep "$k" "$d/b_out")" ] ||
      { echo "FAIL: $tag: result $k differs"; return 1; }
  done
  # --quiet silences progress, not the summary on stdout (issue 11 item 10): both print it
  for w in s b; do
    grep -q ' stopped (' "$d/${w}_stdout" ||
      { echo "FAIL: $tag: no summary on stdout with --quiet ($w)"; return 1; }
  done
  echo "ok: $tag (x within $rx, y within $ry)"
}

STEPS=30
RUNARGS="--quiet --set outer_steps=$STEPS --set trace_every=10"
# run_solver BIN DIR: the solver's run into DIR/s_*
run_solver() {
  (cd "$2" && "$1" $RUNARGS --trace s_trace --out s_out --save-x s_x --save-y s_y >s_stdout 2>s_err
   echo $? >s_status)
}

# one_case NAME FILE ARGS...: emit, compile, run, compare (bloc run first: a program bloc cannot
# run is skipped, as test_backends skips it). A compile of the ~24,000-line solver takes gcc
# 3 s at -O0 and 14 s at -O2 (most of it the runtime, the same in every program), nearly all
# of a case's time, so most builds are -O0, and:
# - the CBLAS build of synthetic is doc/emit-c.md's (gcc -O2, gnu C); its portable command
#   (-std=c99 -O2) is the warn_programs' portable build without the warning flags, run on four
#   programs (fewshot_regression an example), so synthetic's portable build is QCC's;
# - the warn_programs at -O2 with the warning flags of warn_check, which they then pass: gcc's
#   -O2 builds checked for warnings are the ones run (not under SAN_FLAGS, whose
#   instrumentation gives gcc's flow warnings false positives: a separate build checks there),
#   both ways for e2e_builtins, portable (with zlib) for the others, whose CBLAS build is QCC's;
# - every other program is built one way (by QCC), portable and CBLAS in turn down the list
#   (PICK, the case's line in program_cases; golden and e2e programs -std=c99 both ways): the
#   kernels differ by program and call the same BLAS routines either way, whose portable loops
#   tests/unit/test_blas_portable checks against OpenBLAS in every storage order, transpose and
#   leading dimension. (Each example built both ways cost 21 builds and runs, 50 s of CPU,
#   most of it the portable loops at -O0 on the Fashion-MNIST examples.)
pick=0
WFLAGS="-std=c99 -O2 -Wall -Wextra -pedantic -Werror"
one_case() {
  name=$1 file=$2
  shift 2
  d=$tmp/$name
  mkdir -p "$d"
  (cd "$d" &&
    "$bloc" run "$file" "$@" $RUNARGS --trace b_trace --out b_out --save-x b_x --save-y \
    b_y >b_stdout \
     2>b_err; echo $? >b_status)
  if [ "$(cat "$d/b_status")" = 1 ] && [ ! -s "$d/b_trace" ]; then
    echo "skip: $name (bloc run cannot run it: $(head -1 "$d/b_err"))"
    return 77
  fi
  if ! "$bloc" emit-c "$file" "$@" -o "$d/solver.c" 2>"$d/emit_err"; then
    echo "FAIL: $name: bloc emit-c failed"; sed 's/^/  /' "$d/emit_err" | head -5; return 1
  fi
  pcc=$QCC popt="-std=c99 -O0 $SAN $ZFLAGS" plibs="-lm $ZLIBS" builds="p c"
  ccc=$QCC copt="-O0 $SAN $ZFLAGS"
  case $name in
    synthetic) ccc=$CC copt="-O2 $SAN $ZFLAGS" ;;
    golden_* | e2e_*) copt="-std=c99 $copt" ;;
  esac
  if [ "$name" != synthetic ]; then
    if [ $((pick % 2)) = 1 ] && [ $cblas = 1 ]; then builds=c; else builds=p; fi
  fi
  warned= pwarned= cwarned=
  case " $warn_programs " in
    *" $name "*)
      pcc=$CC ccc=$CC builds="p c"
      if [ -n "$SAN" ]; then
        popt="-std=c99 -O2 $SAN $ZFLAGS" copt="-std=c99 -O2 $SAN $ZFLAGS"
      elif [ "$name" = e2e_builtins ]; then
        # the runtime's portable code without zlib (its RT_NO_ZLIB code checked; these
        # programs read no gzip file), its CBLAS code with zlib
        popt=$WFLAGS plibs=-lm copt="$WFLAGS $ZFLAGS" warned=", -Werror" pwarned=1 cwarned=1
      else
        # the program's own code and the loaders it calls, with zlib, portable; the CBLAS
        # code is the runtime's, the same in every program (e2e_builtins checks it): the CBLAS
        # solver is QCC's, 1 s where gcc -O2 takes 13
        popt="$WFLAGS $ZFLAGS" plibs="-lm $ZLIBS" warned=", -Werror" pwarned=1
        ccc=$QCC copt="-std=c99 -O0 $ZFLAGS"
      fi ;;
  esac
  case $builds in
    *p*)
      # shellcheck disable=SC2086
      if ! $pcc $popt "$d/solver.c" -o "$d/portable" $plibs 2>"$d/cc_err"; then
        echo "FAIL: $name: the portable solver does not compile ($pcc$warned)"; head -5 "$d/cc_err"
        return 1
      fi
      [ -z "$pwarned" ] || : >"$d/warned_p"
      run_solver "$d/portable" "$d"
      compare "$d" "$name (portable)" || return 1 ;;
  esac
  case $builds in
    *c*)
      [ $cblas = 1 ] || return 0
      # shellcheck disable=SC2086
      if ! $ccc $copt -DBLO_USE_CBLAS "$d/solver.c" -o "$d/cblas" -lopenblas -lm $ZLIBS \
        2>"$d/cc_err"; then
        echo "FAIL: $name: the CBLAS solver does not compile ($ccc${cwarned:+$warned})"
        head -5 "$d/cc_err"
        return 1
      fi
      [ -z "$cwarned" ] || [ $zlib = 0 ] || : >"$d/warned_c"
      run_solver "$d/cblas" "$d"
      compare "$d" "$name (CBLAS)" || return 1 ;;
  esac
  return 0
}

# the tolerances of compare: x and y relative (max norm), the trace's values relative
XY_TOL=1e-9 TRACE_TOL=1e-7

# run_program NAME FILE ARGS STEPS: one_case with the program's stdlib and number of steps
run_program() {
  RUNARGS="--quiet --set outer_steps=${4:-$STEPS} --set trace_every=10"
  XY_TOL=1e-9 TRACE_TOL=1e-7
  # precision f32: both compute the products with float data in float arithmetic, but in a
  # different order (the JIT's skinny loops add 16 lanes along k, rt_f32_gemm sgemm blocks of
  # 256), so each product differs by float rounding, a few eps_f32 = 1.2e-7 of its terms'
  # magnitudes (doc/performance.md, "Single precision"), where f64 differs by double rounding.
  # Measured on hyperclean_f32: x within 1.2e-6, y 1.4e-7, the trace 6.9e-6 (hypergrad_norm);
  # the tolerances keep a factor 8-15 above that
  case " $3 " in *" --precision f32 "*) XY_TOL=1e-5 TRACE_TOL=1e-4 ;; esac
  # golden programs import the test modules, the others the real stdlib
  case $1 in
    golden_*) BLOC_STDLIB=$top_srcdir/tests/golden/stdlib; export BLOC_STDLIB ;;
    *) unset BLOC_STDLIB ;;
  esac
  # shellcheck disable=SC2086
  one_case "$1" "$2" $3
}

# count_programs LOGDIR: at least 20 programs compared (an "ok:" line in LOGDIR/NAME.log)
count_programs() {
  checked=0
  nprog=0
  for name in $(program_cases | cut -d'|' -f1); do
    nprog=$((nprog + 1))
    grep -q '^ok:' "$1/$name.log" 2>/dev/null && checked=$((checked + 1))
  done
  say "programs: $checked of $nprog compared with bloc run"
  [ $checked -ge 20 ] || bad "fewer than 20 programs compared"
}

# ---- every method on one problem (the methods are runtime code; the kernels they call vary)
case_methods() {
methods='lancbio subbio ufom fom itd aid_cg amigo_gd soba stocbio bsa ttsa f2sa hjfbio stable exact'
for m in $methods; do
  d=$tmp/method_$m
  mkdir -p "$d"
  (cd "$d" &&
    "$bloc" run "$q" --method "$m" $RUNARGS --trace b_trace --out b_out --save-x b_x --save-y b_y \
     >b_stdout 2>b_err; echo $? >b_status)
  if "$bloc" emit-c "$q" --method "$m" -o "$d/solver.c" 2>"$d/emit_err" &&
     $QCC -std=c99 -O0 $SAN "$d/solver.c" -o "$d/portable" -lm 2>"$d/cc_err"; then
    run_solver "$d/portable" "$d"
    compare "$d" "quadratic --method $m" || fail=1
  else
    bad "quadratic --method $m: emit or compile failed: $(head -2 "$d/emit_err" "$d/cc_err")"
  fi
done
}

# ---- what a run keeps (doc/methods.md): on_divergence = halve going back to the best trace
# point, a failed run (the best trace point saved), --keep best; the solver must agree with
# bloc run on the saved vectors, the trace, the recoveries, the best point and "saved". The
# stochastic programs above already compare eval_draws' averaged trace points.
case_keep() {
for c in "halve|aid_cg|--set x_step=100|" "stop|aid_cg|--set x_step=100 --set on_divergence=stop|" \
         "keep_best|lancbio||--keep best"; do
  name=${c%%|*} rest=${c#*|}
  m=${rest%%|*} rest=${rest#*|}
  sets=${rest%%|*} keep=${rest#*|}
  d=$tmp/keep_$name
  mkdir -p "$d"
  # shellcheck disable=SC2086
  (cd "$d" &&
    "$bloc" run "$q" --method "$m" $sets $keep $RUNARGS --trace b_trace --out b_out --save-x b_x \
     --save-y b_y >b_stdout 2>b_err; echo $? >b_status)
  # shellcheck disable=SC2086
  if "$bloc" emit-c "$q" --method "$m" $sets -o "$d/solver.c" 2>"$d/emit_err" &&
     $QCC -std=c99 -O0 $SAN "$d/solver.c" -o "$d/portable" -lm 2>"$d/cc_err"; then
    (cd "$d" &&
      ./portable $RUNARGS $keep --trace s_trace --out s_out --save-x s_x --save-y s_y >s_stdout \
      2>s_err
     echo $? >s_status)
    compare "$d" "keep: $name" || fail=1
    # which iterate, where the recoveries went and with which steps (values are compared above)
    for k in '"saved": "[a-z]*"' '{"step": [0-9]*, "from_step": [0-9]*, "x_step": [^,]*' \
             '"best": {"step": [0-9]*'; do
      [ "$(grep -o "$k" "$d/s_out")" = "$(grep -o "$k" "$d/b_out")" ] ||
        bad "keep: $name: result $k differs"
    done
  else
    bad "keep: $name: emit or compile failed: $(head -2 "$d/emit_err" "$d/cc_err")"
  fi
done
grep -q '"from_step"' "$tmp/keep_halve/b_out" || bad "keep: halve: no recovery recorded"
grep -q '"saved": "best"' "$tmp/keep_stop/b_out" || bad "keep: stop: the best iterate is not saved"
[ "$(cat "$tmp/keep_stop/b_status")" = 2 ] ||
  bad "keep: stop: status $(cat "$tmp/keep_stop/b_status"), not 2"
# the solver takes bloc's seeds, [0, 2^53 - 1], and names one past them as typed
if "$tmp/keep_stop/portable" --quiet --seed 9007199254740992 >/dev/null 2>"$tmp/seed_err"; then
  bad "keep: the solver runs with --seed 9007199254740992"
fi
grep -q "expects an integer in \[0, 9007199254740991\], got '9007199254740992'" \
  "$tmp/seed_err" || bad "keep: --seed 9007199254740992: $(head -1 "$tmp/seed_err")"
# a misspelt --set key: the nearest option as a hint, as bloc run gives it
"$tmp/keep_stop/portable" --quiet --set x_stp=1 >/dev/null 2>"$tmp/set_err"
[ $? = 1 ] || bad "keep: --set x_stp=1 not refused with status 1: $(head -1 "$tmp/set_err")"
grep -q "^hint: did you mean 'x_step'?$" "$tmp/set_err" ||
  bad "keep: --set x_stp=1: no hint: $(cat "$tmp/set_err")"
# another method's option (the solver is aid_cg's): the hint names its owner, not 'x_step'
"$tmp/keep_stop/portable" --quiet --set v_steps=3 >/dev/null 2>"$tmp/set_err"
[ $? = 1 ] || bad "keep: --set v_steps=3 not refused with status 1: $(head -1 "$tmp/set_err")"
grep -q "^hint: 'v_steps' is an option of amigo_gd, not of aid_cg$" "$tmp/set_err" ||
  bad "keep: --set v_steps=3: not the owner's hint: $(cat "$tmp/set_err")"
# the precision is the file's (its kernels and data are built for it): --set asking for the
# other was taken, the run done in f64 and the result JSON saying "precision": "f32"
if "$tmp/keep_stop/portable" --quiet --set precision=f32 --out "$tmp/prec_out" >/dev/null \
    2>"$tmp/prec_err"; then
  bad "keep: the f64 solver runs with --set precision=f32"
fi
grep -q "precision=f32: this solver was generated for precision f64" "$tmp/prec_err" ||
  bad "keep: --set precision=f32: $(head -1 "$tmp/prec_err")"
"$tmp/keep_stop/portable" --quiet --set precision=f64 >/dev/null 2>"$tmp/prec_err"
[ $? = 2 ] || bad "keep: --set precision=f64 (the file's) refused: $(head -1 "$tmp/prec_err")"
}

# ---- --embed-data: the solver needs no file; a gzip file needs zlib (or --embed-data)
# data_changed NAME WHAT PATTERN FILE CONTENT [EMIT FLAGS]: the solver of $d/NAME.blo (emitted
# in $d with the flags, compiled) runs on its data; then FILE gets CONTENT (printf) and the
# solver must stop at start-up with status 1 and a message matching PATTERN (grep), as bloc's
# data stage would: data that changed since bloc emit-c derived the kernels from it
data_changed() {
  name=$1 what=$2 pattern=$3 file=$4 content=$5
  shift 5
  # a solver already built for NAME (its data file as it was then) is used again
  if [ -x "$d/$name" ] || { (cd "$d" && "$bloc" emit-c "$@" "$name.blo" -o "$name.c") &&
    $QCC -std=c99 -O0 $SAN "$d/$name.c" -o "$d/$name" -lm 2>"$d/cc_err"; }; then
    (cd "$d" && "./$name" --quiet --set outer_steps=5 >/dev/null 2>"${name}_err"
      echo $? >"${name}_status")
    [ "$(cat "$d/${name}_status")" = 0 ] || bad "$what: the solver fails: $(cat "$d/${name}_err")"
    printf "$content" >"$d/$file"
    (cd "$d" && "./$name" --quiet --set outer_steps=5 >/dev/null 2>"${name}_err"
      echo $? >"${name}_status")
    # the place once: "x.blo:3: data 'X' : ...", not "x.blo:3: data 'X' : ... (x.blo:3)"
    if grep -q "^[^ ]*: error: \([^ ]*\.blo:[0-9]*\): .*(\1)" "$d/${name}_err"; then
      bad "$what: the message says its place twice: $(cat "$d/${name}_err")"
    elif [ "$(cat "$d/${name}_status")" = 1 ] && grep -q "$pattern" "$d/${name}_err"; then
      say "ok: $what: $(cat "$d/${name}_err")"
    else
      bad "$what: status $(cat "$d/${name}_status"): $(cat "$d/${name}_err")"
    fi
  else
    bad "$what: emit or compile failed: $(head -3 "$d/cc_err")"
  fi
}

case_data() {
d=$tmp/data
mkdir -p "$d"
awk 'BEGIN { srand(7)
  for (i = 0; i < 12; i++) { for (j = 0; j < 3; j++) printf "%s%.6f", j ? "," : "", rand() - 0.5
                             print "" } }' \
  >"$d/feat.csv"
cat >"$d/embed.blo" <<'EOF'
# a least-squares lower level on data read from a file, ridge weights learned above
data A : matrix[12, 3] = load_csv("feat.csv")
data b : vector[12] = A @ [1, -2, 0.5] + 0.1
data p : vector[12] = permutation(12)
upper w : vector[3] = p[0:3] / 12 + 0.5
lower y : vector[3] = 0
upper objective f = 0.5 * sumsq(A @ y - b) + 0.01 * sumsq(w)
lower objective g = 0.5 * sumsq(A @ y - b) + 0.5 * sum(softplus(w) * y * y)
solve aid_cg(x_step = 0.5, y_step = 0.1, inner_steps = 10)
EOF
(cd "$d" &&
  "$bloc" run embed.blo $RUNARGS --trace b_trace --out b_out --save-x b_x --save-y b_y >b_stdout \
  2>b_err
 echo $? >b_status)
if (cd "$d" && "$bloc" emit-c embed.blo --embed-data --prefix embedded -o solver.c) &&
   $QCC -std=c99 -O0 $SAN "$d/solver.c" -o "$d/embedded" -lm 2>"$d/cc_err"; then
  mv "$d/feat.csv" "$d/feat.csv.away"
  run_solver "$d/embedded" "$d"
  compare "$d" "--embed-data (data file removed)" || fail=1
  mv "$d/feat.csv.away" "$d/feat.csv"
else
  bad "--embed-data: emit or compile failed: $(head -3 "$d/cc_err")"
fi
# a relative .blo path: the solver reads feat.csv from wherever it runs (issue 16 item 4; it
# used to open data/feat.csv relative to its own working directory and fail)
mkdir -p "$d/away"
cp "$d"/b_* "$d/away/"
if (cd "$tmp" && "$bloc" emit-c data/embed.blo --prefix rel -o data/rel.c) &&
   $QCC -std=c99 -O0 $SAN "$d/rel.c" -o "$d/rel" -lm 2>"$d/cc_err"; then
  run_solver "$d/rel" "$d/away"
  (compare "$d/away" "data read through a relative .blo path, solver run elsewhere") || fail=1
else
  bad "relative .blo path: emit or compile failed: $(head -3 "$d/cc_err")"
fi
gzip -c "$d/feat.csv" >"$d/feat.csv.gz"
sed 's/feat\.csv/feat.csv.gz/' "$d/embed.blo" >"$d/gz.blo"
if "$bloc" emit-c "$d/gz.blo" -o "$d/gz.c" &&
  $QCC -std=c99 -O0 $SAN "$d/gz.c" -o "$d/gz_nozlib" -lm 2>"$d/cc_err"; then
  (cd "$d" && ./gz_nozlib --quiet >/dev/null 2>gz_err; echo $? >gz_status)
  if [ "$(cat "$d/gz_status")" = 1 ] && grep -q "feat.csv.gz' is gzip-compressed" "$d/gz_err" &&
     grep -q -- "-DBLO_USE_ZLIB and -lz" "$d/gz_err" && grep -q -- "--embed-data" "$d/gz_err"; then
    say "ok: a gzip file without zlib: $(cat "$d/gz_err")"
  else
    bad "a gzip file without zlib: status $(cat "$d/gz_status"): $(cat "$d/gz_err")"
  fi
  if [ $zlib = 1 ]; then
    $QCC -std=c99 -O0 $SAN -DBLO_USE_ZLIB "$d/gz.c" -o "$d/gz_zlib" -lm -lz &&
      run_solver "$d/gz_zlib" "$d" && compare "$d" "a gzip file with -DBLO_USE_ZLIB" || fail=1
  fi
else
  bad "gzip case: emit or compile failed: $(head -3 "$d/cc_err")"
fi

# a matrix that was symmetric when the solver was generated (its kernels use that) and is not
# any more: an error at start-up, not a wrong answer
printf '2,1,0\n1,3,1\n0,1,4\n' >"$d/S.csv"
cat >"$d/sym.blo" <<'EOF'
data S : matrix[3, 3] = load_csv("S.csv")
upper x : vector[3] = 0
lower y : vector[3] = 0
upper objective f = 0.5 * sumsq(y - 1)
lower objective g = 0.5 * dot(y, S @ y) - dot(x, y)
solve aid_cg
EOF
data_changed sym "data no longer symmetric" "data 'S' is not symmetric" S.csv \
  '2,1,0\n1,3,1\n0,2,4\n'

# labels that were classes when the solver was generated and are not any more: the error names
# the label, and its place in the file (value [6], sliced from [4:8]) as bloc's note does
printf '0\n1\n2\n0\n1\n2\n0\n0\n' >"$d/lab.csv"
cat >"$d/lab.blo" <<'EOF'
data lab : vector[8] = load_csv("lab.csv")
data Y : matrix[4, 3] = onehot(lab[4:8], 3)
upper x : vector[3] = 0
lower y : vector[3] = 0
upper objective f = sumsq(x - y)
lower objective g = sumsq(y - x) + sum(Y @ y)
solve exact
EOF
data_changed lab "a label no longer a class" \
  "label \[2\] of 'onehot' is 3, not a class.*(value \[6\] of '$d/lab.csv')" lab.csv \
  '0\n1\n2\n0\n1\n2\n3\n0\n'

# rows picked by indices that were rows when the solver was generated and are not any more
# (one past the end, a fraction): the error names the index and its place in the file, as
# bloc's note does, instead of reading past the matrix or truncating to a row
printf '0\n1\n2\n3\n4\n' >"$d/take.csv"
cat >"$d/take.blo" <<'EOF'
data A : matrix[5, 2] = [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]]
data i : vector[5] = load_csv("take.csv")
data As = A[i[1:4], :]
upper x : vector[2] = 0
lower y : vector[2] = 0
upper objective f = sumsq(x - y)
lower objective g = sumsq(y - x) + sum(As @ y)
solve exact
EOF
data_changed take "an index no longer a row" \
  "index \[1\] is 5, not a row of the matrix\[5, 2\].*(value \[2\] of '$d/take.csv')" take.csv \
  '0\n1\n5\n3\n4\n'
printf '0\n1\n2\n3\n4\n' >"$d/take.csv"
data_changed take "an index now a fraction" "index \[2\] is 2.5, not a row" take.csv \
  '0\n1\n2\n2.5\n4\n'

# precision f32, data grown beyond float after emit-c: a subexpression of the data computed once
# (hoisted) is named by its source, as bloc names it, not as '%hoisted0'
printf '1\n2\n3\n' >"$d/c.csv"
cat >"$d/hoist.blo" <<'EOF'
data c : vector[3] = load_csv("c.csv")
upper x : vector[3] = 0
lower y : vector[3] = 0
upper objective f = 0.5 * sumsq(y - 1)
lower objective g = 0.5 * sumsq(y - x) - 1e-60 * dot(c * c, y)
solve aid_cg
EOF
data_changed hoist "f32 data beyond float" "error: the subexpression c \* c of the lower \
objective (hoist.blo:5) holds 4e+60 at element \[1\], beyond the range of float" c.csv \
  '1\n2e30\n3\n' --precision f32
}

# ---- two solvers in one program, through the library interface
case_link() {
d=$tmp/link
mkdir -p "$d"
"$bloc" emit-c "$q" --prefix quad -o "$d/quad.c" &&
  "$bloc" emit-c "$exd/ufom_toy.blo" --prefix toy -o "$d/toy.c" ||
  bad "link: emit failed"
cnt=$top_srcdir/tests/e2e/emit_count_alloc.h
# the solvers by QCC (what is checked is the interface, not the compiler), linked by $CC; with
# sanitizers by $CC too (clang's instrumentation calls handlers gcc's runtime does not have)
lcc=$QCC
[ -z "$SAN" ] || lcc=$CC
if $lcc -std=c99 -O0 $SAN -include "$cnt" -Dquad_NO_MAIN -c "$d/quad.c" -o "$d/quad.o" &&
   $lcc -std=c99 -O0 $SAN -include "$cnt" -Dtoy_NO_MAIN -c "$d/toy.c" -o "$d/toy.o" &&
   $CC -std=c99 -O0 $SAN -I"$d" -c "$top_srcdir/tests/e2e/emit_link.c" -o "$d/link.o" &&
   $CC $SAN "$d/link.o" "$d/quad.o" "$d/toy.o" -o "$d/link" -lm; then
  exported=$(nm -g --defined-only "$d/quad.o" "$d/toy.o" 2>/dev/null | awk 'NF == 3 { print $3 }' |
    grep -v '^quad_\|^toy_')
  [ -z "$exported" ] || bad "symbols exported besides PREFIX_*: $exported"
  if "$d/link" "$d"; then
    for p in quad:$q toy:$exd/ufom_toy.blo; do
      n=${p%%:*} f=${p#*:}
      mkdir -p "$d/$n"
      (cd "$d/$n" &&
        "$bloc" run "$f" $RUNARGS --trace b_trace --out b_out --save-x b_x --save-y \
        b_y >/dev/null 2>&1)
      ex_=$(maxrel "$d/${n}_x.csv" "$d/$n/b_x") ey_=$(maxrel "$d/${n}_y.csv" "$d/$n/b_y")
      if [ "$(awk -v a="$ex_" -v b="$ey_" 'BEGIN { print (a <= 1e-9 && b <= 1e-9) }')" = 1 ]; then
        say "ok: library interface, $n: x within $ex_, y within $ey_ of bloc run"
      else
        bad "library interface, $n: x differs by $ex_, y by $ey_"
      fi
    done
  else
    bad "the two-solver program failed"
  fi
else
  bad "link: the two-solver program does not build"
fi
# C++ includes the declarations with C linkage (it got 'undefined reference to
# quad_data_load(...)'), and -ffast-math, which compiles the NaN checks away, is refused
if command -v "${CXX:-g++}" >/dev/null 2>&1; then
  printf '#define quad_API_ONLY\n#include "quad.c"\nint main() {\n%s\n%s\n}\n' \
    '  quad_data d; char e[256];' \
    '  if (quad_data_load(&d, -1, e, sizeof e)) return 1; quad_data_free(&d); return 0;' \
    >"$d/cxx.cpp"
  if $QCC -std=c99 -O0 -Dquad_NO_MAIN -c "$d/quad.c" -o "$d/quad_plain.o" &&
     "${CXX:-g++}" -I"$d" "$d/cxx.cpp" "$d/quad_plain.o" -o "$d/cxx" -lm 2>"$d/cxx_err" &&
     "$d/cxx"; then
    say "ok: a C++ program links the library interface"
  else
    bad "C++ cannot use the library interface: $(head -3 "$d/cxx_err")"
  fi
fi
if $CC -std=c99 -O2 -ffast-math -c "$d/quad.c" -o "$d/fm.o" 2>"$d/fm_err"; then
  bad "the solver builds with -ffast-math, which compiles its NaN checks away"
else
  grep -q "ffast-math" "$d/fm_err" && say "ok: -ffast-math is refused with a message" ||
    bad "-ffast-math fails without saying why: $(head -2 "$d/fm_err")"
fi
}

# ---- warnings: -Wall -Wextra -pedantic -Werror, gcc and clang, portable and CBLAS
# warn_check NAME: the solver one_case emitted for program NAME (none if it was skipped)
warn_check() {
  n=$1
  s=$tmp/$n/solver.c
  [ -f "$s" ] || return 0
  nomain=$(sed -n 's/^#ifndef \([A-Za-z0-9_]*_NO_MAIN\)$/\1/p' "$s" | head -1)
  for cc in "$CC" ${CLANG:+"$CLANG"}; do
    # clang's warnings come from its front end (Sema and its CFG analyses), apart from the
    # optimiser, so -O0 (1.3 s) with the macros -O2 sets for the headers (glibc's inline
    # tolower; then the preprocessed text is the same) warns as -O2 (14 s) does: the same
    # 4351 warnings under -Weverything. gcc's flow warnings (may-be-uninitialized,
    # format-truncation) depend on the level: -O2, as users build
    W="-std=c99 -O2 -Wall -Wextra -pedantic -Werror -c" wp= wc=
    if [ "$cc" = "$CLANG" ] && [ "$CLANG" != "$CC" ]; then
      W="-std=c99 -O0 -D__OPTIMIZE__=1 -U__NO_INLINE__ -Wall -Wextra -pedantic -Werror -c"
    else
      # one_case built and ran these with the same flags (WFLAGS): not compiled again
      [ -f "$tmp/$n/warned_p" ] && wp=1
      [ -f "$tmp/$n/warned_c" ] && wc=1
    fi
    [ -n "$wp" ] || $cc $W "$s" -o "$tmp/w.o" 2>"$tmp/w_err" ||
      { bad "$n: $cc warns (portable):"; head -5 "$tmp/w_err"; }
    # the library build an embedder compiles (emit_inputs, main's alone, was unused there):
    # what -D..._NO_MAIN leaves out is the runtime's, the same in every program, so gcc checks
    # it on one program, at -O1 and -Os below; clang's -O0 on each
    if [ "$cc" != "$CC" ]; then
      $cc $W -D"$nomain" "$s" -o "$tmp/w.o" 2>"$tmp/w_err" ||
        { bad "$n: $cc warns (library, -D$nomain):"; head -5 "$tmp/w_err"; }
    fi
    # gcc's -O2 CBLAS build on e2e_builtins only (one_case's): the runtime's, the same in every
    # program; clang's on each
    if [ $cblas = 1 ] && [ $zlib = 1 ] && [ -z "$wc" ] &&
       { [ "$cc" != "$CC" ] || [ "$n" = e2e_builtins ]; }; then
      $cc $W -DBLO_USE_CBLAS -DBLO_USE_ZLIB "$s" -o "$tmp/w.o" 2>"$tmp/w_err" ||
        { bad "$n: $cc warns (CBLAS):"; head -5 "$tmp/w_err"; }
    fi
  done
  # gcc's format-truncation analysis differs by level: -O1 and -O3 found hints that could be
  # cut (160 bytes for an option's owners, 400 for f2sa's lambda0 advice) where -O2 did not.
  # The runtime is the same in every program: one of them, portable, is enough. -O1 and -Os
  # compile it as the library (-D..._NO_MAIN), whose unused functions gcc reports at any
  # level: one build fewer (14 s of CPU) than a library build of its own at -O2
  if [ "$n" = e2e_builtins ]; then
    for lvl in -O1 -O3 -Os; do
      lib= what=portable
      [ $lvl = -O3 ] || lib=-D$nomain what="library, -D$nomain"
      # shellcheck disable=SC2086
      $CC -std=c99 $lvl -Wall -Wextra -pedantic -Werror $lib -c "$s" -o "$tmp/w.o" \
        2>"$tmp/w_err" || { bad "$n: $CC $lvl warns ($what):"; head -5 "$tmp/w_err"; }
    done
  fi
  say "ok: $n compiles without warnings ($CC${CLANG:+, $CLANG})"
}
# e2e_builtins calls every builtin; golden_ok_maml generates its data (normal()): of the four,
# only its data stage calls the generators (gcc -O2 drops rt_rng_fill_normal, unused, from the
# others' objects); fewshot_regression and e2e_sparse read data files (npy, LIBSVM): the
# loaders' code is compiled only when a program calls one, and gcc -O2 found a
# may-be-uninitialized read in load_npy that the others never reached
warn_programs="e2e_builtins golden_ok_maml fewshot_regression e2e_sparse"

# ---- one case (make check), or all of them with the programs two at a time
if [ -n "$one" ]; then
  case $one in
    methods | keep | data | link) "case_$one" ;;
    programs) count_programs "$(dirname "$1")" ;;
    *)
      line=$(program_cases | grep -n "^$one|") || { say "FAIL: no case $one (see --list)"; exit 1; }
      pick=${line%%:*} line=${line#*:}
      IFS='|' read -r name file args steps <<EOF2
$line
EOF2
      run_program "$name" "$file" "$args" "$steps"
      rc=$?
      [ $rc = 0 ] || exit $rc
      case " $warn_programs " in *" $one "*) warn_check "$one" ;; esac ;;
  esac
  exit $fail
fi
cases=$tmp/cases
program_cases >"$cases"
i=0
while IFS='|' read -r name file args steps; do
  i=$((i + 1))
  pick=$i
  (run_program "$name" "$file" "$args" "$steps" >"$tmp/$name.log" 2>&1; echo $? >"$tmp/$name.rc") &
  [ $((i % JOBS)) = 0 ] && wait
done <"$cases"
wait
RUNARGS="--quiet --set outer_steps=$STEPS --set trace_every=10"
while IFS='|' read -r name file args steps; do
  cat "$tmp/$name.log"
  case $(cat "$tmp/$name.rc") in 0 | 77) ;; *) fail=1 ;; esac
done <"$cases"
count_programs "$tmp"
case_methods
case_keep
case_data
case_link
for n in $warn_programs; do warn_check "$n"; done
exit $fail
