#!/bin/sh
# compare.sh — `bloc compare` end to end (make check): three methods on tests/e2e/compare.blo
# with the interpreter backend. Checks the combined CSV (one block per method, in order, steps
# increasing from 0), that a method's block equals `bloc run`'s trace of it (one compilation,
# one seed), the plots and the gnuplot script (when bloc has a gnuplot; and the note when it has
# none), the scales and y ranges of the plots, --plot-format (PNG and PDF when gnuplot has cairo),
# the summary table, a numerically failing method that still appears, and exit statuses.
. "$(dirname "$0")/prologue.sh"
prog=$src/tests/e2e/compare.blo
# under --enable-asan/--enable-ubsan a report may come with an expected exit status: look for it
# gnuplot as configure found it (bloc's default), unless the caller chose one
has_gnuplot=no
if [ -n "${BLOC_GNUPLOT+set}" ]; then
  [ -n "$BLOC_GNUPLOT" ] && has_gnuplot=yes
elif grep -q '^#define BLOC_GNUPLOT ' "$build/config.h" 2>/dev/null; then
  has_gnuplot=yes
fi

methods="lancbio aid_cg soba"
common="--backend=interp --seed 3 --set outer_steps=30"
soba="--set soba.inner_steps=1"  # the program says inner_steps = 3; soba takes 1

# ---- three methods that finish
"$bloc" compare "$prog" --methods lancbio,aid_cg,soba $common $soba \
  --out-dir "$tmp/out" >"$tmp/stdout" 2>"$tmp/stderr"
st=$?
sanitizers "$tmp/stderr"
[ $st = 0 ] || { fail "compare exited with $st"; cat "$tmp/stderr"; }
csv=$tmp/out/quadratic.csv
if [ ! -s "$csv" ]; then
  fail "no CSV $csv"
else
  hdr='^method,step,time,f,g,grad_y_g_norm,hypergrad_norm,residual,ritz_min,ritz_max,x_norm,'
  hdr="${hdr}lower_residual,calls_f,"
  head -n 1 "$csv" | grep -q "$hdr" ||
    fail "CSV header: $(head -n 1 "$csv")"
  # one block per method, in --methods order; steps 0, 5, ..., 30 in each
  blocks=$(awk -F, 'NR > 1 && $1 != prev { printf "%s ", $1; prev = $1 }' "$csv")
  [ "$blocks" = "$methods " ] || fail "CSV blocks '$blocks', expected '$methods '"
  bad=$(awk -F, 'NR > 1 { if ($1 != m) { m = $1; if ($2 != 0) print "first step " $2 " of " m }
                          else if ($2 + 0 <= last + 0) print "step " $2 " after " last " in " m
                          last = $2 }' "$csv")
  [ -z "$bad" ] || fail "CSV steps: $bad"
  for m in $methods; do
    last=$(awk -F, -v m="$m" '$1 == m { s = $2 } END { print s }' "$csv")
    [ "$last" = 30 ] || fail "the block of $m ends at step '$last', expected 30"
  done
  # the block of aid_cg is bloc run's trace of aid_cg (time column aside)
  "$bloc" run "$prog" --method aid_cg $common --set trace_every=5 --quiet --trace "$tmp/run.csv" \
    2>"$tmp/run.err" ||
    fail "bloc run: $(cat "$tmp/run.err")"
  sanitizers "$tmp/run.err"
  cut -d, -f1,3- "$tmp/run.csv" | tail -n +2 >"$tmp/run.rows"
  awk -F, '$1 == "aid_cg"' "$csv" | cut -d, -f2,4- >"$tmp/cmp.rows"
  cmp -s "$tmp/run.rows" "$tmp/cmp.rows" ||
    fail "the aid_cg block differs from bloc run's trace: $(diff "$tmp/run.rows" "$tmp/cmp.rows" |
      head -5)"
fi

# ---- x_optimizer (issue 14): a plain --set x_optimizer=adam reaches every method; each block
# equals bloc run's trace with the same options, and Adam's differs from sgd's
adam="--set x_optimizer=adam --set x_step=0.05"
# shellcheck disable=SC2086
"$bloc" compare "$prog" --methods aid_cg,f2sa $common $adam --out-dir "$tmp/adam" >/dev/null \
  2>"$tmp/adam.err" || fail "compare with x_optimizer=adam: $(cat "$tmp/adam.err")"
sanitizers "$tmp/adam.err"
for m in aid_cg f2sa; do
  for opt in adam sgd; do
    sets=$adam
    [ $opt = sgd ] && sets="--set x_step=0.05"
    # shellcheck disable=SC2086
    "$bloc" run "$prog" --method $m $common $sets --set trace_every=5 --quiet \
      --trace "$tmp/$opt.csv" >/dev/null 2>"$tmp/run.err" ||
      fail "bloc run $m $opt: $(cat "$tmp/run.err")"
    cut -d, -f1,3- "$tmp/$opt.csv" | tail -n +2 >"$tmp/$opt.rows"
  done
  awk -F, -v m=$m '$1 == m' "$tmp/adam/quadratic.csv" | cut -d, -f2,4- >"$tmp/cmp.rows"
  cmp -s "$tmp/adam.rows" "$tmp/cmp.rows" ||
    fail "compare's $m block with x_optimizer=adam is not bloc run's: $(diff "$tmp/adam.rows" \
      "$tmp/cmp.rows" | head -3)"
  cmp -s "$tmp/sgd.rows" "$tmp/cmp.rows" && fail "compare's $m block with x_optimizer=adam is sgd's"
done
[ -s "$tmp/out/quadratic.gp" ] || fail "no gnuplot script"
for q in f hypergrad_norm x_norm lower_residual; do
  svg=$tmp/out/quadratic_$q.svg
  if [ $has_gnuplot = yes ]; then
    grep -q '<svg' "$svg" 2>/dev/null || fail "no plot $svg"
  elif [ -e "$svg" ]; then
    fail "a plot $svg without gnuplot"
  fi
done
# the script reruns from any directory and rewrites the plots next to itself
if [ $has_gnuplot = yes ]; then
  gnuplot=${BLOC_GNUPLOT:-$(sed -n 's/^#define BLOC_GNUPLOT "\(.*\)"$/\1/p' "$build/config.h")}
  rm -f "$tmp/out/quadratic_f.svg"
  (cd / && "$gnuplot" "$tmp/out/quadratic.gp") 2>"$tmp/gp.err" ||
    fail "rerunning the script: $(cat "$tmp/gp.err")"
  grep -q '<svg' "$tmp/out/quadratic_f.svg" 2>/dev/null ||
    fail "rerunning the script wrote no $tmp/out/quadratic_f.svg"
fi
# the table: a header, a row per method with status 0, a best mark
grep -q '^method  *status  *stop  *steps' "$tmp/stdout" ||
  fail "no table header: $(cat "$tmp/stdout")"
for m in $methods; do
  grep -q "^$m  *0  *outer_steps  *30 " "$tmp/stdout" ||
    fail "no table row for $m: $(cat "$tmp/stdout")"
done
grep -q '\*' "$tmp/stdout" || fail "no best value marked"
grep -q "wrote $tmp/out/quadratic.csv, $tmp/out/quadratic_summary.csv and" "$tmp/stdout" ||
  fail "the outputs are not listed"
# the table's numbers for scripts: a row per method, in order, phi at full precision (the
# table prints 6 digits of the same number)
sum=$tmp/out/quadratic_summary.csv
head -1 "$sum" | grep -q '^method,status,stop,steps,time,f,hypergrad_norm,phi,grad_phi_norm,' ||
  fail "summary header: $(head -1 "$sum")"
[ "$(tail -n +2 "$sum" | cut -d, -f1 | tr '\n' ' ')" = "$(echo $methods) " ] ||
  fail "summary rows: $(cut -d, -f1 "$sum" | tr '\n' ' ')"
for m in $methods; do
  phi=$(grep "^$m," "$sum" | cut -d, -f8)
  shown=$(printf '%.6g' "$phi")
  grep "^$m " "$tmp/stdout" | grep -q " $shown[* ]" ||
    fail "$m: the summary's phi $phi is not the table's ($shown)"
done

# ---- the methods with optional kernels (grad_x g, J'u): compiled for them, counted in the table
"$bloc" compare "$prog" --methods lancbio,f2sa,hjfbio,stable $common --quiet \
  -o "$tmp/opt" >"$tmp/stdout" \
  2>"$tmp/stderr"
st=$?
sanitizers "$tmp/stderr"
[ $st = 0 ] || { fail "compare of f2sa, hjfbio, stable exited with $st"; cat "$tmp/stderr"; }
for m in lancbio f2sa hjfbio stable; do
  grep -q "^$m  *0  *outer_steps  *30 " "$tmp/stdout" ||
    fail "no table row for $m: $(cat "$tmp/stdout")"
done
grep -q '^method .* mixed  *grad_x_g  *mixed_t *$' "$tmp/stdout" ||
  fail "no grad_x_g, mixed_t columns: $(cat "$tmp/stdout")"
# hjfbio: 2 grad_x_g per step; stable: 1 mixed_t per step
grep -q "^hjfbio .* 60  *0 *\$" "$tmp/stdout" ||
  fail "hjfbio's counts: $(grep '^hjfbio' "$tmp/stdout")"
grep -q "^stable .* 0  *30 *\$" "$tmp/stdout" ||
  fail "stable's counts: $(grep '^stable' "$tmp/stdout")"

# ---- a method that diverges still appears, with its status; others finished: status 0
"$bloc" compare "$prog" --methods aid_cg,soba $common $soba --set soba.x_step=1e6 --quiet \
  -o "$tmp/div" \
  >"$tmp/stdout" 2>"$tmp/stderr"
st=$?
sanitizers "$tmp/stderr"
[ $st = 0 ] || fail "compare with one diverging method exited with $st"
grep -q '^soba  *2  *numerical_failure ' "$tmp/stdout" ||
  fail "no failed row for soba: $(cat "$tmp/stdout")"
grep -q '^bloc compare: soba: error: divergence at outer step' "$tmp/stderr" ||
  fail "no message naming soba: $(cat "$tmp/stderr")"
grep -q '^soba,' "$tmp/div.csv" || fail "no rows of soba in the CSV"

# ---- every method fails: the worst status
"$bloc" compare "$prog" --methods soba $common $soba --set x_step=1e6 --quiet \
  -o "$tmp/all" >/dev/null 2>"$tmp/stderr"
st=$?
sanitizers "$tmp/stderr"
[ $st = 2 ] || fail "compare with every method failing exited with $st, expected 2"

# ---- no gnuplot: CSV and script, no plots, a note; default output directory
mkdir "$tmp/cwd"
(cd "$tmp/cwd" &&
  BLOC_GNUPLOT= "$bloc" compare "$prog" --methods lancbio,aid_cg $common --x-axis steps \
  --maximize x_norm) \
  >"$tmp/stdout" 2>"$tmp/stderr"
st=$?
sanitizers "$tmp/stderr"
[ $st = 0 ] || fail "compare without gnuplot exited with $st"
[ -s "$tmp/cwd/quadratic_compare/quadratic.csv" ] ||
  fail "no CSV in the default directory quadratic_compare"
[ -s "$tmp/cwd/quadratic_compare/quadratic.gp" ] || fail "no script without gnuplot"
ls "$tmp/cwd/quadratic_compare/"*.svg >/dev/null 2>&1 && fail "plots without gnuplot"
grep -q 'note: no plots: BLOC_GNUPLOT is empty' "$tmp/stderr" ||
  fail "no note about the plots: $(cat "$tmp/stderr")"
grep -q 'outer steps' "$tmp/cwd/quadratic_compare/quadratic.gp" ||
  fail "--x-axis steps: no step axis in the script"
grep -q 'wall time' "$tmp/cwd/quadratic_compare/quadratic.gp" &&
  fail "--x-axis steps: a time axis in the script"
grep -q 'largest for the --maximize reports' "$tmp/stdout" ||
  fail "--maximize is not in the table's note: $(cat "$tmp/stdout")"

# ---- scales and y ranges (doc/compare.md "PREFIX_<quantity>.svg"): f and hypergrad_norm are on a
# log scale when all their values are positive, linear when f is not; a report that starts far
# from where it stays gets the y range of its later points
gp=$tmp/out/quadratic.gp
block() { awk -v q="# ---- $2" '$0 == q { on = 1; next } /^# ---- / { on = 0 } on' "$1"; }
for q in f hypergrad_norm; do
  block "$gp" $q | grep -q '^set logscale y$' ||
    fail "no log scale for the positive $q: $(block "$gp" $q)"
done
"$bloc" compare "$src/tests/e2e/compare_range.blo" --methods lancbio,aid_cg --backend=interp \
  --quiet \
  -o "$tmp/range" >"$tmp/stdout" 2>"$tmp/stderr"
st=$?
sanitizers "$tmp/stderr"
[ $st = 0 ] || { fail "compare of compare_range.blo exited with $st"; cat "$tmp/stderr"; }
gp=$tmp/range.gp
block "$gp" f | grep -q '^set logscale y$' && fail "a log scale for f with negative values"
block "$gp" f | grep -q '^# linear: some values are zero or negative' ||
  fail "no comment on f's linear scale"
block "$gp" hypergrad_norm | grep -q '^set logscale y$' || fail "no log scale for hypergrad_norm"
# fit: 0.11 at step 0, then between 0.78 and 0.93: the range of the later points, 0.11 left out
range=$(block "$gp" fit | sed -n 's/^set yrange \[\(.*\):\(.*\)\]$/\1 \2/p')
echo "$range" | awk '{ exit !(NF == 2 && $1 > 0.75 && $1 < 0.78 && $2 > 0.93 && $2 < 0.95) }' ||
  fail "fit's y range '$range', expected the later points' (0.78..0.93, 5% margin)"
block "$gp" hypergrad_norm | grep -q '^set yrange' &&
  fail "a y range for hypergrad_norm, which has no outlier"

# ---- later points that agree to rounding: aid_cg and exact end 1e-9 apart in ynorm (0 at step
# 0), and the range of the later points, printed with 9 digits, was [1.64350102:1.64350102]:
# gnuplot refused it ("Can't plot with an empty y range!") and no plot was written or listed
cat >"$tmp/flat.blo" <<'EOF'
problem quad
data A : matrix[2, 2] = [[2, 0.5], [0.5, 1]]
data b : vector[2] = [1, -1]
upper x : vector[2] = 0
lower y : vector[2] = 0
upper objective f = 0.5 * sumsq(y - b) + 0.05 * sumsq(x)
lower objective g = 0.5 * dot(y, A @ y) - dot(x, y)
report ynorm = sumsq(y)
solve aid_cg(outer_steps = 300, x_step = 0.5, y_step = 0.3, trace_every = 50)
EOF
"$bloc" compare "$tmp/flat.blo" --methods aid_cg,exact --set outer_steps=50 --quiet \
  -o "$tmp/flat" >"$tmp/stdout" 2>"$tmp/stderr"
st=$?
sanitizers "$tmp/stderr"
[ $st = 0 ] || fail "compare of the flat ynorm exited with $st: $(cat "$tmp/stderr")"
[ -s "$tmp/stderr" ] && fail "compare of the flat ynorm printed: $(cat "$tmp/stderr")"
# every y range of the script is wide enough to draw (whether or not bloc has a gnuplot)
bad=$(sed -n 's/^set yrange \[\(.*\):\(.*\)\]$/\1 \2/p' "$tmp/flat.gp" |
  awk '!($2 - $1 > 1e-4 * ($2 > -$1 ? $2 : -$1))')
[ -z "$bad" ] || fail "y ranges too narrow to draw or label: $bad"
block "$tmp/flat.gp" ynorm | grep -q '^set yrange' || fail "no y range for ynorm (0, then 1.64)"
if [ $has_gnuplot = yes ]; then
  for q in f hypergrad_norm ynorm; do
    [ -s "$tmp/flat_$q.svg" ] || fail "no plot $tmp/flat_$q.svg"
    grep -q " $tmp/flat_$q.svg" "$tmp/stdout" ||
      fail "$tmp/flat_$q.svg is not listed: $(tail -n 1 "$tmp/stdout")"
  done
fi

# ---- a report near the largest double: its 10% margin was inf, which gnuplot read as an
# undefined variable, failing the whole script: no plot at all, f's included
cat >"$tmp/big.blo" <<'EOF'
problem big
upper x : scalar = 1
lower y : scalar = 0
upper objective f = 0.5 * (y - 2) ^ 2 + 0.5 * x ^ 2
lower objective g = 0.5 * (y - x) ^ 2
report r = 1.7e308 + 0 * x
solve exact(outer_steps = 20)
EOF
"$bloc" compare "$tmp/big.blo" --methods exact --quiet -o "$tmp/big" >"$tmp/stdout" \
  2>"$tmp/stderr"
st=$?
sanitizers "$tmp/stderr"
[ $st = 0 ] || fail "compare of a report of 1.7e308 exited with $st: $(cat "$tmp/stderr")"
grep -q '^set yrange.*inf' "$tmp/big.gp" && fail "a y range with inf: $(grep yrange "$tmp/big.gp")"
if [ $has_gnuplot = yes ]; then
  for q in f r; do [ -s "$tmp/big_$q.svg" ] || fail "report of 1.7e308: no plot big_$q.svg"; done
fi

# ---- --plot-format: PNG and PDF through gnuplot's cairo terminals, when it has them
if [ $has_gnuplot = yes ]; then
  gnuplot=${BLOC_GNUPLOT:-$(sed -n 's/^#define BLOC_GNUPLOT "\(.*\)"$/\1/p' "$build/config.h")}
  terms=$("$gnuplot" -e "set print '-'; print GPVAL_TERMINALS" 2>/dev/null)
  "$bloc" compare "$prog" --methods lancbio,aid_cg $common --quiet --plot-format png,pdf \
    -o "$tmp/fmt" \
    >"$tmp/stdout" 2>"$tmp/stderr"
  st=$?
  sanitizers "$tmp/stderr"
  [ $st = 0 ] || fail "compare --plot-format png,pdf exited with $st"
  ls "$tmp"/fmt_*.svg >/dev/null 2>&1 && fail "--plot-format png,pdf wrote SVG files"
  if echo " $terms " | grep -q ' pngcairo '; then
    for q in f hypergrad_norm x_norm lower_residual; do
      magic=$(head -c 4 "$tmp/fmt_$q.png" 2>/dev/null | tail -c 3)
      [ "$magic" = PNG ] || fail "$tmp/fmt_$q.png is not a PNG file"
      grep -q " $tmp/fmt_$q.png" "$tmp/stdout" ||
        fail "$tmp/fmt_$q.png is not listed: $(tail -n 1 "$tmp/stdout")"
    done
  else
    echo "compare: skipped the PNG check: $gnuplot has no pngcairo terminal"
  fi
  if echo " $terms " | grep -q ' pdfcairo '; then
    [ "$(head -c 5 "$tmp/fmt_f.pdf" 2>/dev/null)" = "%PDF-" ] ||
      fail "$tmp/fmt_f.pdf is not a PDF file"
  else
    echo "compare: skipped the PDF check: $gnuplot has no pdfcairo terminal"
  fi
  # a gnuplot without pngcairo: a warning naming the package, the other formats drawn, status 0
  cat >"$tmp/nocairo" <<EOS
#!/bin/sh
case "\$*" in *GPVAL_TERMINALS*) echo "dumb svg png"; exit 0 ;; esac
exec "$gnuplot" "\$@"
EOS
  chmod +x "$tmp/nocairo"
  BLOC_GNUPLOT=$tmp/nocairo "$bloc" compare "$prog" --methods lancbio $common --quiet \
    --plot-format all \
    -o "$tmp/nocairo_out" >"$tmp/stdout" 2>"$tmp/stderr"
  st=$?
  sanitizers "$tmp/stderr"
  [ $st = 0 ] || fail "compare with a gnuplot without cairo exited with $st"
  grep -q "warning: no PNG plots: gnuplot '$tmp/nocairo' has no pngcairo terminal; .*gnuplot-nox" \
    "$tmp/stderr" ||
    fail "no warning about the missing pngcairo: $(cat "$tmp/stderr")"
  grep -q "warning: no PDF plots: .* has no pdfcairo terminal" "$tmp/stderr" ||
    fail "no warning about the missing pdfcairo: $(cat "$tmp/stderr")"
  grep -q '<svg' "$tmp/nocairo_out_f.svg" 2>/dev/null ||
    fail "no SVG plot beside the missing PNG and PDF"
  ls "$tmp"/nocairo_out_*.png "$tmp"/nocairo_out_*.pdf >/dev/null 2>&1 &&
    fail "PNG or PDF files without cairo"
  grep -q 'nocairo_out_f.png' "$tmp/stdout" &&
    fail "a PNG listed without cairo: $(tail -n 1 "$tmp/stdout")"
else
  echo "compare: skipped the PNG and PDF checks: no gnuplot"
fi

# ---- an output prefix in a missing directory: an error before running
"$bloc" compare "$prog" --methods lancbio $common -o "$tmp/missing/x" >"$tmp/stdout" 2>"$tmp/stderr"
st=$?
sanitizers "$tmp/stderr"
[ $st = 1 ] || fail "compare -o into a missing directory exited with $st"
grep -q "cannot write '$tmp/missing/x.csv'" "$tmp/stderr" ||
  fail "no error for the missing directory: $(cat "$tmp/stderr")"
[ -s "$tmp/stdout" ] && fail "output after an error: $(cat "$tmp/stdout")"

# ---- a prefix whose name holds a newline would end a line of the gnuplot script and run the
# next one (`system 'touch PWNED'`): refused before running, nothing written (issue 13)
mkdir "$tmp/nl" || exit 1
nl='
'
(cd "$tmp/nl" &&
  BLOC_GNUPLOT=${BLOC_GNUPLOT-gnuplot} "$bloc" compare "$prog" --methods lancbio $common \
   -o "p${nl}system 'touch PWNED'${nl}x" >"$tmp/stdout" 2>"$tmp/stderr")
st=$?
sanitizers "$tmp/stderr"
[ $st = 1 ] || fail "compare -o with a newline exited with $st"
grep -q "control character 0x0a" "$tmp/stderr" ||
  fail "no error for the newline: $(cat "$tmp/stderr")"
[ -e "$tmp/nl/PWNED" ] && fail "compare -o with a newline ran a gnuplot command of the file name"
[ -n "$(ls "$tmp/nl")" ] && fail "compare -o with a newline wrote: $(ls "$tmp/nl")"

# ---- --set tol for every method skips the ones whose estimate is random, with a warning (it
# stopped the whole comparison with bsa's refusal); bsa.tol stays an error
"$bloc" compare "$prog" --methods lancbio,bsa $common --set tol=1e-8 --out-dir "$tmp/tol" \
  >"$tmp/stdout" 2>"$tmp/stderr"
st=$?
sanitizers "$tmp/stderr"
[ $st = 0 ] || fail "compare --set tol with bsa exited with $st: $(cat "$tmp/stderr")"
grep -q "warning: tol does not apply to 'bsa', whose hypergradient estimate is random" \
  "$tmp/stderr" || fail "no warning that tol skips bsa: $(cat "$tmp/stderr")"
"$bloc" compare "$prog" --methods lancbio,bsa $common --set bsa.tol=1e-8 --out-dir "$tmp/tol2" \
  >"$tmp/stdout" 2>"$tmp/stderr"
st=$?
[ $st = 1 ] && grep -q "error: --set bsa.tol=1e-8: option 'tol' needs a deterministic" \
  "$tmp/stderr" ||
  fail "compare --set bsa.tol: status $st, $(cat "$tmp/stderr")"

# ---- outer_steps = 0: one point per method; gnuplot warned of empty x and y ranges through
# --quiet (an xrange of [0:0], a single value of f)
"$bloc" compare "$prog" --methods lancbio --backend=interp --set outer_steps=0 --quiet \
  --out-dir "$tmp/zero" >"$tmp/stdout" 2>"$tmp/stderr"
st=$?
[ $st = 0 ] || fail "compare with outer_steps=0 exited with $st: $(cat "$tmp/stderr")"
[ -s "$tmp/stderr" ] && fail "compare --quiet with outer_steps=0 printed: $(cat "$tmp/stderr")"

# ---- Ctrl-C during a method: its phi is not computed, and the table and the summary say why
# (they said nothing); env restores SIGINT, which a background job of a script ignores
if env --default-signal=INT true 2>/dev/null; then
  env --default-signal=INT "$bloc" compare "$prog" --methods lancbio,aid_cg --backend=interp \
    --set outer_steps=100000000 --quiet --out-dir "$tmp/int" >"$tmp/stdout" 2>"$tmp/stderr" &
  pid=$!
  sleep 1
  kill -INT $pid
  wait $pid
  st=$?
  [ $st = 130 ] || fail "compare interrupted exited with $st: $(cat "$tmp/stderr")"
  grep -q "not computed: the method was interrupted" "$tmp/stdout" ||
    fail "no phi note for the interrupted method: $(cat "$tmp/stdout")"
  grep -q "^lancbio,.*the method was interrupted" "$tmp"/int/*_summary.csv ||
    fail "no phi_note in the summary: $(cat "$tmp"/int/*_summary.csv)"
fi

if [ $fails = 0 ]; then echo "compare: all checks passed"
else echo "compare: $fails checks failed"; fi
[ $fails = 0 ]
