#!/bin/sh
# reshape.sh — reshape(a, m, n) against the same problem written without it (make check).
# tests/e2e/reshape_hyper.blo reshapes an upper vector h into the matrix the lower W is pulled
# to and flattens W against h; reshape_hyper_sel.blo writes both with 0/1 selector matrices,
# R @ diag(h) @ C (the workaround before reshape). At a point with distinct entries (so a wrong
# order of the elements shows): every oracle of bloc eval agrees within 1e-12 with the JIT and
# with the evaluator, and the two backends agree; bloc run (exact, aid_cg) ends at the same x
# and y; the emitted C solver of reshape_hyper.blo ends where bloc run does.
. "$(dirname "$0")/prologue.sh"
e2e=$src/tests/e2e
CC=${CC:-cc}

# the numbers of a bloc eval JSON or a bloc run result, one a line (keys and brackets dropped;
# the problem's name and the timings are not compared)
numbers() {
  grep -v '"problem"\|"time\|_s"' "$1" | sed -e 's/"[a-z_]*"://g' -e 's/[][,{}]/ /g' |
    tr -s ' \t' '\n\n' | grep -E '^-?[0-9.]+(e[-+]?[0-9]+)?$|^-?(inf|nan)$'
}
# same A B WHAT: the numbers of A and B agree within 1e-12 (relative to max(1, |value|))
same() {
  numbers "$1" >"$tmp/na"
  numbers "$2" >"$tmp/nb"
  if [ "$(wc -l <"$tmp/na")" != "$(wc -l <"$tmp/nb")" ] || [ ! -s "$tmp/na" ]; then
    fail "$3: $(wc -l <"$tmp/na") numbers against $(wc -l <"$tmp/nb")"
    return
  fi
  r=$(maxrel "$tmp/na" "$tmp/nb")
  if awk -v r="$r" 'BEGIN { exit !(r <= 1e-12) }'; then echo "ok: $3 (within $r)"
  else fail "$3: differ by $r"; fi
}

# a point with distinct entries: x = h (15), y = W (5 x 3, row-major), v
awk 'BEGIN { for (i = 0; i < 15; i++) print 0.37 * sin(1.3 * i + 0.2) }' >"$tmp/x"
awk 'BEGIN { for (i = 0; i < 15; i++) print 0.5 * cos(0.7 * i * i + 0.1) }' >"$tmp/y"
awk 'BEGIN { for (i = 0; i < 15; i++) print (i % 4) - 1.3 + 0.1 * i }' >"$tmp/v"
what=f,g,grad_x_f,grad_y_f,grad_y_g,hvp_yy,hvp_xy,hypergrad,phi,grad_phi,y_star
for b in jit interp; do
  for f in reshape_hyper reshape_hyper_sel; do
    "$bloc" eval "$e2e/$f.blo" --backend $b --x "$tmp/x" --y "$tmp/y" --v "$tmp/v" \
      --what $what >"$tmp/$f.$b.json" 2>"$tmp/err" || fail "bloc eval --backend $b $f.blo: $(
        cat "$tmp/err")"
  done
  grep -q '"hvp_xy"' "$tmp/reshape_hyper.$b.json" || fail "no hvp_xy in bloc eval's output"
  same "$tmp/reshape_hyper.$b.json" "$tmp/reshape_hyper_sel.$b.json" \
    "reshape and selector matrices: every oracle ($b)"
done
same "$tmp/reshape_hyper.jit.json" "$tmp/reshape_hyper.interp.json" "reshape: JIT and evaluator"

# whole runs: the same iterates
for m in exact aid_cg; do
  for f in reshape_hyper reshape_hyper_sel; do
    "$bloc" run "$e2e/$f.blo" --method $m --set outer_steps=20 --quiet \
      --save-x "$tmp/$f.$m.x" --save-y "$tmp/$f.$m.y" >/dev/null 2>"$tmp/err" ||
      fail "bloc run --method $m $f.blo: $(cat "$tmp/err")"
  done
  same "$tmp/reshape_hyper.$m.x" "$tmp/reshape_hyper_sel.$m.x" "run --method $m: the same x"
  same "$tmp/reshape_hyper.$m.y" "$tmp/reshape_hyper_sel.$m.y" "run --method $m: the same y"
done

# the emitted solver of the reshape program ends where bloc run does
# -O0: the fastest build of the emitted file (its runtime is 1.3 MB of C); the run is tiny
if "$bloc" emit-c "$e2e/reshape_hyper.blo" --method aid_cg -o "$tmp/rh.c" 2>"$tmp/err" &&
  $CC -std=c99 -O0 -o "$tmp/rh" "$tmp/rh.c" -lm 2>"$tmp/err"; then
  (cd "$tmp" && ./rh --set outer_steps=20 --quiet --save-x c.x --save-y c.y >/dev/null) \
    2>"$tmp/err" || fail "the emitted solver: $(cat "$tmp/err")"
  same "$tmp/c.x" "$tmp/reshape_hyper.aid_cg.x" "emit-c: bloc run's x"
  same "$tmp/c.y" "$tmp/reshape_hyper.aid_cg.y" "emit-c: bloc run's y"
else
  fail "emit-c reshape_hyper.blo: $(cat "$tmp/err")"
fi
[ "$fails" -eq 0 ]
