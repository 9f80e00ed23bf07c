#!/bin/sh
# newsgroups_peer.sh — bench/newsgroups_peer.py --selftest (issue 17's SciPy peer): its
# gradients, Hessian-vector and mixed products against central differences, its exact
# hypergradient against finite differences of f(W*(zeta)), and the hypergradients of its AID-CG
# and LancBiO steps converging to that one at a fixed zeta; then a timed run at a small size
# prints its one line. Skipped (77) without a python3 that has NumPy and SciPy (Debian:
# python3-numpy, python3-scipy).
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
peer=$top_srcdir/bench/newsgroups_peer.py
. "$top_srcdir/tests/support/find_python.sh"
find_python numpy scipy.sparse || { echo "SKIP: no python3 with NumPy and SciPy"; exit 77; }
fail=0
"$py" "$peer" --selftest || fail=1
out=$("$py" "$peer" --features 2000 --docs 100 --steps 2 --rounds 1 2>/dev/null)
echo "$out"
re='^peer scipy-sparse: n_train=100 n_val=100 d=2000 c=20 .*aid_cg \(T=10, Q=5\) [0-9.]+ ms/step'
re="$re"' \| lancbio \(T=5\) [0-9.]+ ms/step .*peak RSS [0-9]+ MB'
echo "$out" | grep -Eq "$re" ||
  { echo "FAIL: the timed run's line"; fail=1; }
exit $fail
