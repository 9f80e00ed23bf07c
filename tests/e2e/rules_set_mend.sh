#!/bin/sh
# rules_set_mend.sh — a rule between options that the solve line breaks (here tol with UFOM's
# random estimate, q < 1) is mended by a setting in every command that resolves options: bloc
# run (--set tol=0, --set q=1, --method lancbio), bloc compare (--set tol=0, --set ufom.q=1,
# --set ufom.tol=0), bloc emit-c (--set tol=0, --set q=1), and an emitted solver's own --set
# names a setting that breaks one (--set q=0.5 under a baked tol), a later one mending it.
# Sema refused the solve line before any setting was read, so no command could run the file
# unedited. The messages are the goldens' (err_solve_tol_random*, err_set_q_random,
# compare_*_random, emit_set_q_random); the other rules: run_set_m_max_mends,
# run_set_alias_mends, run_method_over_soba_inner.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1
CC=${CC:-cc}
cat >p.blo <<'BLO'
upper x = 0
lower y = 0
upper objective f = 0.5 * (y - 0.25) ^ 2
lower objective g = 0.5 * (y - 1) ^ 2 + 0.5 * exp(x) * y ^ 2
solve ufom(q = 0.5, tol = 1e-8, outer_steps = 20)
BLO
for s in "--set tol=0" "--set q=1" "--method lancbio"; do
  # shellcheck disable=SC2086
  "$bloc" run p.blo --quiet $s >out 2>err || fail "run $s: $(head -3 err)"
  sanitizers err
done
for s in "--set tol=0" "--set ufom.q=1" "--set ufom.tol=0"; do
  # shellcheck disable=SC2086
  "$bloc" compare p.blo --methods ufom,lancbio --quiet -o c $s >out 2>err ||
    fail "compare $s: $(head -3 err)"
  sanitizers err
done
"$bloc" emit-c p.blo -o p.c --set tol=0 2>err || fail "emit-c --set tol=0: $(head -3 err)"
"$bloc" emit-c p.blo -o q.c --set q=1 2>err || { fail "emit-c --set q=1: $(head -3 err)"
                                                 exit 1; }
# shellcheck disable=SC2086
$CC -std=c99 -O0 ${SAN_FLAGS:-} q.c -o q -lm 2>err ||
  { fail "the solver does not compile: $(head -2 err)"; exit 1; }
./q --quiet >/dev/null 2>err || fail "./q: $(head -2 err)"
./q --quiet --set q=0.5 >/dev/null 2>err
st=$?
[ $st = 1 ] || fail "./q --set q=0.5 exited with $st, not 1"
grep -q "^\./q: error: --set q=0.5: option 'tol' needs .*(the method draws it)" err ||
  fail "./q --set q=0.5 does not name the setting: $(cat err)"
./q --quiet --set q=0.5 --set tol=0 >/dev/null 2>err ||
  fail "./q --set q=0.5 --set tol=0 (tol off mends it): $(head -2 err)"
[ $fails = 0 ] && echo "ok: a setting mends a rule the solve line breaks, and one is named"
[ $fails = 0 ]
