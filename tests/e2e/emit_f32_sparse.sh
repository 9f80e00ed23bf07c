#!/bin/sh
# emit_f32_sparse.sh — a solver emitted with --precision f32 from a program with sparse data
# gives bloc run's answer to float rounding. The solver used to round every data tensor to
# float, the packed CSR block of a sparse one too, read as rows * cols doubles: a sparse X read
# as zeros (f = 19, s = 0 against 2.7677, 10.599), or past the block's end (heap-buffer-overflow
# under AddressSanitizer) and garbage in the sampled rows of a minibatch. bloc run keeps sparse
# data in double at f32 (doc/performance.md, "Single precision"); the solver must too. Solvers
# are built with -fsanitize=address when clang or $CC has it (and SAN_FLAGS otherwise).
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1
CC=${CC:-cc}
quick_cc
san=${SAN_FLAGS:-}
# AddressSanitizer by the quick compiler when it has it, else by $CC
if [ -z "$san" ]; then
  for c in "$QCC" "$CC"; do
    if [ "$(cc_probe_one "$c -fsanitize=address" stdlib.h 0 "" run)" = 1 ]; then
      QCC=$c san=-fsanitize=address
      break
    fi
  done
fi
echo "note: solvers built by $QCC with '${san:-no sanitizer}'"

printf '1 1:1 2:2\n2 2:3\n3 1:4\n' >t.svm
cat >full.blo <<'EOF'
data X : sparse[3, 2] = load_libsvm("t.svm")
upper x = 1
lower w : vector[2] = 0
upper objective f = sumsq(w - 1) + x ^ 2
lower objective g = 0.5 * sumsq(X @ w) - x * sum(w)
report s = sum(X @ (w + 1))
solve exact(outer_steps = 0)
EOF
# 40 x 20 with two entries a row: the CSR block is smaller than 800 doubles
awk 'BEGIN { for (i = 1; i <= 40; i++)
  printf "%d %d:%g %d:%g\n", i % 3, i % 7 + 1, (i % 5) / 2 - 1, i % 13 + 8, (i % 4 + 1) / 4 }' \
  >m.svm
cat >batch.blo <<'EOF'
data X : sparse[40, 20] = load_libsvm("m.svm")
sample B : batch(10) of 40
upper x = 1
lower w : vector[20] = 0
upper objective f = sumsq(w - 1) + x ^ 2
lower objective g = 0.5 * sumsq(X[B, :] @ w) + 0.5 * sumsq(w) - x * sum(w)
report s = sum(X @ (w + 1))
solve stocbio(outer_steps = 20, x_step = 0.05)
EOF

# the final f and reports of a result JSON, one a line
values() { grep -E '^  "f":|^  "reports":' "$1" | grep -oE '[-+0-9.eE]+[,}]' | tr -d ',}'; }

for p in full batch; do
  "$bloc" run $p.blo --precision f32 --quiet --out b_$p.json --save-x b_$p.x --save-y b_$p.y \
    >/dev/null 2>b_$p.err || { fail "$p: bloc run failed: $(head -2 b_$p.err)"; continue; }
  "$bloc" emit-c $p.blo --precision f32 -o $p.c 2>emit.err ||
    { fail "$p: bloc emit-c failed: $(head -2 emit.err)"; continue; }
  # -O0: the fastest build of the emitted file (its runtime is 1.3 MB of C); the run is tiny
  # shellcheck disable=SC2086
  $QCC -std=c99 -O0 -g $san $p.c -o $p -lm 2>cc.err ||
    { fail "$p: the solver does not compile: $(head -2 cc.err)"; continue; }
  ./$p --quiet --out s_$p.json --save-x s_$p.x --save-y s_$p.y >/dev/null 2>s_$p.err
  rc=$?
  [ $rc = 0 ] || { fail "$p: the solver exits with $rc: $(head -3 s_$p.err)"; continue; }
  [ -s s_$p.err ] && fail "$p: the solver wrote to stderr: $(head -3 s_$p.err)"
  values b_$p.json >b_$p.v
  values s_$p.json >s_$p.v
  [ "$(wc -l <b_$p.v)" = 2 ] || fail "$p: no f and s in bloc run's result: $(cat b_$p.v)"
  for v in x y v; do
    r=$(maxrel s_$p.$v b_$p.$v)
    if [ "$(awk -v r="$r" 'BEGIN { print (r <= 1e-5) }')" = 1 ]; then
      echo "ok: $p: $v within $r of bloc run --precision f32"
    else
      fail "$p: $v differs by $r from bloc run --precision f32:" \
        "$(tr '\n' ' ' <s_$p.$v) against $(tr '\n' ' ' <b_$p.$v)"
    fi
  done
done
exit $((fails > 0))
