#!/bin/sh
# tol_sampled_set.sh — on a problem that samples its data, a tol on the solve line is switched
# off by a setting tol=0 in every command that resolves options (bloc run, compare, emit-c) and
# in an emitted solver's own --set; a tol > 0 from a setting is refused naming the setting.
# Sema refused the solve line's tol before any setting was read, so `--set tol=0` could not
# run such a file; the emitted solver refused `--set tol=1e-3` without naming it. The messages
# of bloc run, compare, emit-c and check are the goldens' (err_solve_tol_sampled*,
# err_set_tol_*, compare_*tol_sampled, emit_set_tol_sampled).
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1
CC=${CC:-cc}
quick_cc
cat >p.blo <<'BLO'
data X : matrix[20, 2] = normal(0, 1)
data t : vector[20] = normal(0, 1)
sample s : batch(5) of 20
upper x : scalar = 0
lower y : vector[2] = 0
upper objective f = sumsq(X[s, :] @ y - t[s]) / 5
lower objective g = sumsq(X[s, :] @ y - t[s]) / 5 + exp(x) * sumsq(y)
solve stocbio(outer_steps = 3, tol = 1e-3)
BLO
"$bloc" run p.blo --quiet --set tol=0 >out 2>err || fail "run --set tol=0: $(head -3 err)"
sanitizers err
"$bloc" compare p.blo --methods stocbio,soba --quiet --set tol=0 >out 2>err ||
  fail "compare --set tol=0: $(head -3 err)"
sanitizers err
"$bloc" compare p.blo --methods stocbio,soba --quiet --set stocbio.tol=0 --set soba.tol=0 \
  >out 2>err || fail "compare --set stocbio.tol=0 --set soba.tol=0: $(head -3 err)"
sanitizers err
"$bloc" emit-c p.blo -o p.c --set tol=0 2>err || { fail "emit-c --set tol=0: $(head -3 err)"
                                                   exit 1; }
# shellcheck disable=SC2086
$QCC -std=c99 -O0 ${SAN_FLAGS:-} p.c -o p -lm 2>err ||
  { fail "the solver does not compile: $(head -2 err)"; exit 1; }
./p --quiet >/dev/null 2>err || fail "./p: $(head -2 err)"
./p --quiet --set tol=1e-3 >/dev/null 2>err
st=$?
[ $st = 1 ] || fail "./p --set tol=1e-3 exited with $st, not 1"
grep -q "^\./p: error: --set tol=1e-3: option 'tol' needs .*(the problem samples its data)" err ||
  fail "./p --set tol=1e-3 does not name the setting: $(cat err)"
./p --quiet --set tol=1e-3 --set tol=0 >/dev/null 2>err ||
  fail "./p --set tol=1e-3 --set tol=0 (the last counts): $(head -2 err)"
[ $fails = 0 ] && echo "ok: tol on a sampled problem: --set tol=0 overrides it everywhere"
[ $fails = 0 ]
