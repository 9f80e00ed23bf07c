#!/bin/sh
# units_verdict.sh — the same problem in other units gets the same end-of-run verdict, in bloc run
# and in an emitted solver (which runs the same runtime). A scalar quadratic (x* = 10/7) with
# f, y and g in units sf, sy, sg (nuJ, session 50):
# - ITD and UFOM end far from y*(x) (their r inner steps lag) and warned so in base units, but
#   not with y in units of 1e-9 (the same iterates) nor with g in units of 1e-9 (x at the
#   unrolled problem's answer, 1e-8): the lag check had an absolute floor of 1e-8 in y's units.
# - tol is absolute: with f in units of 1e-9, tol = 1e-6 stopped AID-CG, LancBiO and exact after
#   2 steps at x0 (|d| = 5e-10 from the start), status 0 and no word; it warns now.
# - the divergence rule's bounds on f and g were absolute where the start is their zero: with y
#   in units of 1e9 and g in units of 1e18 (the same iterates) ITD and UFOM stopped with status 2,
#   "g = 7.6e14 exceeds 1e+10 x max(1, |g at start| = 0)", and SOBA with f in units of 1e18 and
#   f = 0 at the start, "f = 8e+13 exceeds 1e+10 x max(1, |f at start| = 0)". The bounds now
#   scale with f's and g's size at the first moved x.
# - the implicit methods' end check of the lower point warned "y far from y*(x)" over 1e-2 of
#   max(1, |y*(x)|): absolute for small y. STABLE on a log-utility follower ends with y 4389 from
#   y*(x) = (0.4, 0.6) (run_lower_end_far.blo) and warns; with y in units of 1e-9 it ended
#   4.4e-6 from it, silent. The threshold is now relative to the largest |y| seen.
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1
CC=${CC:-cc}
quick_cc
cat >toy.blo <<'EOF'
problem toy
const sf = 1
const sy = 1
const sg = 1
upper X = 0
lower Y = 0
upper objective F = sf * (0.5 * (Y / sy - 1) ^ 2 + 0.05 * X ^ 2)
lower objective G = sg * (0.5 * (Y / sy - X) ^ 2 + 0.5 * (Y / sy) ^ 2)
EOF
# f = 0 at the start (f is -1/2 shifted), the toy otherwise
f0='upper objective F = sf * (0.5 * (Y \/ sy - 1) ^ 2 - 0.5 + 0.05 * X ^ 2)'
sed "s/^upper objective F = .*/$f0/" toy.blo >toyf.blo
lag='r inner steps end far from y\*(x)'
early='the run stopped by tol after'

# verdict TAG PATTERN WANT ARGS...: bloc run with ARGS warns PATTERN (WANT 1) or not (WANT 0),
# on stderr and in the result JSON's warnings, with status 0
verdict() {
  tag=$1 pat=$2 want=$3
  shift 3
  "$bloc" run "${file:-toy.blo}" "$@" --out out.json >/dev/null 2>err
  st=$?
  [ $st = 0 ] || { fail "$tag: status $st: $(head -2 err)"; return; }
  sanitizers err
  n=$(grep -c "$pat" err) j=$(grep -c "$pat" out.json)
  if [ "$want" = 1 ] && { [ "$n" = 0 ] || [ "$j" = 0 ]; }; then
    fail "$tag: no warning /$pat/ (stderr $n, JSON $j)"
  elif [ "$want" = 0 ] && [ "$n" != 0 ]; then
    fail "$tag: warns /$pat/: $(grep "$pat" err | cut -c1-200)"
  else
    echo "ok: $tag"
  fi
}

for m in itd ufom; do
  verdict "$m, base units: lags" "$lag" 1 --method $m
  verdict "$m, y in units of 1e-9: lags" "$lag" 1 --method $m -D sy=1e-9 -D sg=1e-18
  verdict "$m, y in units of 1e3: lags" "$lag" 1 --method $m -D sy=1e3 -D sg=1e6
  verdict "$m, g in units of 1e-9: lags" "$lag" 1 --method $m -D sg=1e-9
  verdict "$m, f in units of 1e6: lags" "$lag" 1 --method $m -D sf=1e6 --set x_step=1e-6
  verdict "$m, y in units of 1e9, g of 1e18: lags, no divergence" "$lag" 1 --method $m \
    -D sy=1e9 -D sg=1e18
done
# f = 0 at the start: f's bound scales with f's size at the first moved x (x_step with 1/sf)
for m in soba aid_cg itd; do
  for sf in 1 1e18; do
    file=toyf.blo verdict "$m, f = 0 at the start, f in units of $sf: no divergence" \
      'divergence' 0 --method $m -D sf=$sf --set x_step="$(awk "BEGIN{print 0.1 / $sf}")"
  done
done
# enough inner steps: the lag is gone in any units, and nothing is said
verdict "itd, r = 200, y in units of 1e-9: no lag" "$lag" 0 --method itd --set r=200 \
  -D sy=1e-9 -D sg=1e-18
for m in aid_cg lancbio exact; do
  args="--method $m --set tol=1e-6 --set outer_steps=100000"
  # shellcheck disable=SC2086
  verdict "$m, tol 1e-6, base units: converged, silent" "$early" 0 $args
  # shellcheck disable=SC2086
  verdict "$m, tol 1e-6, f in units of 1e-9: stopped at the start, said" "$early" 1 $args \
    -D sf=1e-9
  # shellcheck disable=SC2086
  verdict "$m, tol 1e-15, f in units of 1e-9, x_step 1e9: converged, silent" "$early" 0 \
    $args -D sf=1e-9 --set tol=1e-15 --set x_step=1e9
done

# the lower point far from y*(x) at the end, in y's units of 1, 1e-9 and 1e9
cat >logd.blo <<'EOF'
problem logdemand2
const sy = 1
data a : vector[2] = [2, 3]
data c : vector[2] = [1, 2]
upper p : vector[2] = 0.1 in [0.05, 5]
lower Y : vector[2] = sy
upper objective f = -dot(p - c, Y / sy)
lower objective g = -sum(a * log(Y / sy)) + dot(p, Y / sy)
EOF
far='ended with its y far from y\*(x)'
for sy in 1 1e-9 1e9; do
  file=logd.blo verdict "stable, y far at the end, y in units of $sy" "$far" 1 --method stable \
    -D sy=$sy
done

# the emitted solver: the same warnings (it runs the same end checks)
# solver TAG PATTERN ARGS...: emit with ARGS, compile, run; PATTERN on stderr and in its JSON
solver() {
  tag=$1 pat=$2
  shift 2
  "$bloc" emit-c "${file:-toy.blo}" "$@" -o s.c 2>err ||
    { fail "$tag: emit-c: $(head -2 err)"; return; }
  # -O0: the fastest build of the emitted file (its runtime is 1.3 MB of C); the run is tiny
  # shellcheck disable=SC2086
  $QCC -std=c99 -O0 ${SAN_FLAGS:-} s.c -o s -lm 2>err ||
    { fail "$tag: the solver does not compile: $(head -2 err)"; return; }
  ./s --out s.json >/dev/null 2>err
  st=$?
  [ $st = 0 ] || { fail "$tag: solver status $st: $(head -2 err)"; return; }
  sanitizers err
  if grep -q "$pat" err && grep -q "$pat" s.json; then echo "ok: $tag"
  else fail "$tag: no warning /$pat/ from the solver: $(head -3 err)"; fi
}
solver "emitted itd, y in units of 1e-9: lags" "$lag" --method itd -D sy=1e-9 -D sg=1e-18
solver "emitted ufom, g in units of 1e-9: lags" "$lag" --method ufom -D sg=1e-9
solver "emitted itd, y in units of 1e9, g of 1e18: lags" "$lag" --method itd -D sy=1e9 -D sg=1e18
solver "emitted aid_cg, tol 1e-6, f in units of 1e-9: stopped at the start" "$early" \
  --method aid_cg --set tol=1e-6 --set outer_steps=100000 -D sf=1e-9
file=logd.blo solver "emitted stable, y in units of 1e-9: y far at the end" "$far" \
  --method stable -D sy=1e-9
[ "$fails" = 0 ] || exit 1
