#!/bin/sh
# sparse_coo.sh — a sparse[m, n] built in the data stage from coordinate triplets,
# sparse_coo(rows, cols, vals), against the same matrix read from a MatrixMarket file. The
# graph problem of new-user pass C (s48, finding 3: learned per-edge weights on an incidence
# matrix) written with the graph as an edge-list CSV: phi, grad_phi and the oracles of
# bloc eval agree with the load_mtx program to 1e-12 (JIT and evaluator), and so do a twin
# whose entries come split in duplicates (summed), bloc run at f64 and f32, and the solver
# bloc emit-c writes. An index out of range stops the emitted solver as it stops bloc, naming
# the declaration and the entry. Before sparse_coo the only way from an edge list was a dense
# onehot incidence (763 MiB and 400x slower at 5000 nodes and 20000 edges).
. "$(dirname "$0")/prologue.sh"
cd "$tmp" || exit 1
CC=${CC:-cc}
quick_cc
san=${SAN_FLAGS:-}

# a 30-node graph: a ring and 50 chords, as an edge list (0-based) and an incidence .mtx
awk 'BEGIN { n = 30; m = 0; s = 7
  for (i = 0; i < n; i++) { I[m] = i; J[m] = (i + 1) % n; m++ }
  while (m < 80) { s = (s * 1103515245 + 12345) % 2147483648; i = s % n
    s = (s * 1103515245 + 12345) % 2147483648; j = s % n
    if (i != j) { I[m] = i; J[m] = j; m++ } }
  for (e = 0; e < m; e++) print I[e] "," J[e] > "edges.csv"
  print "%%MatrixMarket matrix coordinate real general" > "B.mtx"
  print m, n, 2 * m > "B.mtx"
  for (e = 0; e < m; e++) {
    print e + 1, I[e] + 1, 1 > "B.mtx"; print e + 1, J[e] + 1, -1 > "B.mtx" }
  for (i = 0; i < n; i++) { print (i < 15 ? 1 : -1) > "t.csv"; print (i % 5 == 0) > "mtr.csv"
    print (i % 5 == 2 || i % 5 == 3) > "mva.csv" } }'

body='data t : vector[n] = load_csv("t.csv")
data mtr : vector[n] = load_csv("mtr.csv")
data mva : vector[n] = load_csv("mva.csv")
upper w : vector[m] = 0
lower y : vector[n] = 0
upper objective f = 0.5 * sum(mva * (y - t) ^ 2) / sum(mva) + 0.0005 * sumsq(w)
lower objective g = 0.5 * sum(mtr * (y - t) ^ 2) + 0.5 * sum(exp(w) * (B @ y) ^ 2) + 0.05 * sumsq(y)
solve aid_cg(outer_steps = 30)'
head='const n = 30
const m = 80'
printf '%s\n%s\n%s\n' "$head" 'data B : sparse[m, n] = load_mtx("B.mtx")' "$body" >mtx.blo
# the edge number is the row: arange(m) lists 0..m-1
printf '%s\n%s\n%s\n%s\n%s\n' "$head" 'data E : matrix[m, 2] = load_csv("edges.csv")' \
  'data e = arange(m)' \
  'data B : sparse[m, n] = sparse_coo(vcat(e, e), vcat(E[:, 0], E[:, 1]),' \
  '                                   vcat(ones(m), -ones(m)))' >coo.blo
printf '%s\n' "$body" >>coo.blo
# the -1 of each edge split in two halves at one position: summed
printf '%s\n%s\n%s\n%s\n%s\n' "$head" 'data E : matrix[m, 2] = load_csv("edges.csv")' \
  'data e = arange(m)' \
  'data B : sparse[m, n] = sparse_coo(vcat(e, e, e), vcat(E[:, 1], E[:, 0], E[:, 1]),' \
  '                          vcat(-0.5 * ones(m), ones(m), -0.5 * ones(m)))' >dup.blo
printf '%s\n' "$body" >>dup.blo

numbers() {
  sed -e 's/"[a-z_]*"://g' -e 's/[][,{}]/ /g' "$1" | tr -s ' \t' '\n\n' |
    grep -E '^-?[0-9.]+(e[-+]?[0-9]+)?$|^-?(inf|nan)$'
}
# same A B WHAT [TOL]: the same numbers within TOL (default 1e-12; relative, floor 1)
same() {
  numbers "$1" >na
  numbers "$2" >nb
  if [ "$(wc -l <na)" != "$(wc -l <nb)" ] || [ ! -s na ]; then
    fail "$3: $(wc -l <na) numbers against $(wc -l <nb)"
    return
  fi
  paste na nb | awk -v what="$3" -v tol="${4:-1e-12}" '
    { d = $1 - $2; if (d < 0) d = -d; s = $1 < 0 ? -$1 : $1; if (s < 1) s = 1
      if (d / s > worst) worst = d / s; n++ }
    END { if (worst > tol) { printf "FAIL: %s: differ by %.3g\n", what, worst; exit 1 }
          printf "ok: %s (%d numbers within %.3g)\n", what, n, worst }' ||
    fails=$((fails + 1))
}

for b in jit interp; do
  for f in mtx coo dup; do
    "$bloc" eval --backend=$b $f.blo >$f.$b.json 2>$f.err ||
      fail "bloc eval --backend=$b $f.blo: $(head -3 $f.err)"
  done
  grep -q '"grad_phi"' mtx.$b.json || fail "no grad_phi in bloc eval's output ($b)"
  same mtx.$b.json coo.$b.json "edge list (sparse_coo) against load_mtx: every oracle ($b)"
  same mtx.$b.json dup.$b.json "duplicates summed against load_mtx: every oracle ($b)"
done
phi=$(grep '"phi"' mtx.jit.json)
echo "note: $phi"

for prec in f64 f32; do
  for f in mtx coo; do
    "$bloc" run --quiet --precision $prec --save-x $f.$prec.x $f.blo >/dev/null 2>$f.err ||
      fail "bloc run --precision $prec $f.blo: $(head -3 $f.err)"
  done
  same mtx.$prec.x coo.$prec.x "bloc run --precision $prec: final x, edge list and load_mtx"
done

# the emitted solver builds the same matrix (and reads the triplets' files as bloc does)
for f in coo mtx; do
  "$bloc" emit-c $f.blo -o $f.c 2>emit.err ||
    { fail "emit-c $f.blo: $(head -3 emit.err)"; continue; }
  # -O0: the fastest build of the emitted file (its runtime is 1.3 MB of C); the run is tiny
  # shellcheck disable=SC2086
  $QCC -std=c99 -O0 $san $f.c -o $f.solver -lm 2>cc.err ||
    { fail "cc $f.c: $(head -3 cc.err)"; continue; }
  ./$f.solver --quiet --save-x $f.c.x >/dev/null 2>$f.serr || fail "solver $f: $(head -3 $f.serr)"
  sanitizers $f.serr
done
same mtx.f64.x coo.c.x "emitted solver of the edge-list program against bloc run of load_mtx"
same mtx.c.x coo.c.x "emitted solvers: edge list and load_mtx"

# sharded: each rank's share (BLOC_SHARD=R/N, the testing aid) equals load_mtx's
for f in mtx coo; do
  sed 's/^\(data B : sparse.*\))$/\1) sharded/' $f.blo >s$f.blo
  sed 's/vcat(ones(m), -ones(m)))$/& sharded/' s$f.blo >s$f.tmp && mv s$f.tmp s$f.blo
  grep -q 'sharded$' s$f.blo || fail "no sharded declaration in s$f.blo"
done
for r in 0/3 1/3 2/3; do
  for f in smtx scoo; do
    BLOC_SHARD=$r "$bloc" eval --what f,g,grad_y_g,hvp_yy,hvp_xy $f.blo 2>$f.err |
      sed 's/"problem": "[a-z]*"/"problem": ""/' >$f.json ||
      fail "BLOC_SHARD=$r bloc eval $f.blo: $(grep -v warning $f.err | head -3)"
  done
  same smtx.json scoo.json "BLOC_SHARD=$r: a rank's share, edge list and load_mtx"
done

# an edge that names node 30 of 30: bloc and the emitted solver both stop, exit 1, naming it
sed '5s/.*/3,30/' edges.csv >e2.csv && cp e2.csv edges.csv
want="data 'B': entry \[[0-9]*\] of sparse_coo has column index 30, not a column of the"
"$bloc" run --quiet coo.blo >/dev/null 2>bad.err
rc=$?
[ $rc = 1 ] || fail "bloc run with an index out of range: exit $rc, not 1"
grep -q "coo.blo:5:[0-9]*: error: $want sparse\[80, 30\]" bad.err ||
  fail "bloc's message for an index out of range: $(head -2 bad.err)"
if [ -x coo.solver ]; then
  ./coo.solver --quiet >/dev/null 2>bad.serr
  rc=$?
  [ $rc = 1 ] || fail "the emitted solver with an index out of range: exit $rc, not 1"
  grep -q "coo.blo:5[:0-9]*: $want" bad.serr ||
    fail "the emitted solver's message: $(head -2 bad.serr)"
fi
[ $fails = 0 ] || exit 1
echo "all sparse_coo checks passed"
