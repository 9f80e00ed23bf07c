#!/bin/sh
# gen_newsgroups.sh — examples/gen_newsgroups.py (the 20 Newsgroups stand-in of issue 17) at a
# small size, its files checked by awk rather than by the generator's own code: the line
# counts of the three splits, labels in 0..19 (1..20 with --one-based-labels), feature indices
# strictly increasing within 1..d, every row of unit Euclidean norm, the density near the one
# asked for; the same seed gives the same bytes (plain and gzipped), another seed other ones.
# Skipped (77) when no python3 with NumPy is installed (Debian: python3-numpy).
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
gen=$top_srcdir/examples/gen_newsgroups.py
. "$top_srcdir/tests/support/find_python.sh"
find_python numpy || { echo "SKIP: no python3 with NumPy (Debian: python3-numpy)"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # check NAME CONDITION-EXIT-STATUS
  if [ "$2" = 0 ]; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi
}

d=3000 n=150 nt=90 dens=0.01
"$py" "$gen" --out "$tmp/a" --features $d --docs $n --test-docs $nt --density $dens --seed 7 \
  2>"$tmp/a.log"
check "the generator runs ($(cat "$tmp/a.log"))" $?

# one split: lines, labels, indices, norms; prints "lines nnz"
split_stats() { # FILE LABEL_LO LABEL_HI
  awk -v d=$d -v lo="$2" -v hi="$3" '
    { if ($1 !~ /^[0-9]+$/ || $1 < lo || $1 > hi) { print "bad label at line " NR; bad = 1; exit 1 }
      prev = 0; ss = 0
      for (i = 2; i <= NF; i++) {
        split($i, kv, ":"); j = kv[1] + 0; v = kv[2] + 0
        if (kv[1] !~ /^[0-9]+$/ || j <= prev || j > d) {
          print "bad index " $i " at line " NR; bad = 1; exit 1 }
        if (!(v > 0)) { print "non-positive value " $i " at line " NR; bad = 1; exit 1 }
        prev = j; ss += v * v; nnz++
      }
      if (NF < 2 || ss < 1 - 1e-7 || ss > 1 + 1e-7) {
        print "row norm^2 " ss " at line " NR; bad = 1; exit 1 }
    }
    END { if (!bad) print NR, nnz }' "$1"
}
total=0 lines=0
for s in train:$n val:$n test:$nt; do
  f=$tmp/a/${s%%:*}.svm want=${s#*:}
  st=$(split_stats "$f" 0 19)
  set -- $st
  [ "$#" = 2 ] && [ "$1" = "$want" ]
  check "${s%%:*}.svm: $want documents, labels 0..19, increasing indices in 1..$d, unit norms \
($st)" $?
  [ "$#" = 2 ] && { lines=$((lines + $1)); total=$((total + $2)); }
done
# density: the mean non-zeros a row is dens * d = 30 on average (a log-normal spread)
awk -v nz=$total -v r=$lines -v t=$dens -v d=$d \
  'BEGIN { x = nz / r / d; print "density " x; exit !(x > 0.6 * t && x < 1.4 * t) }'
check "density near $dens" $?

# the classes: all 20 present in 390 documents
cut -d' ' -f1 "$tmp/a/train.svm" "$tmp/a/val.svm" "$tmp/a/test.svm" | sort -u | wc -l |
  grep -qx 20
check "all 20 classes occur" $?

# determinism, gzip, labels 1..20
"$py" "$gen" --out "$tmp/b" --features $d --docs $n --test-docs $nt --density $dens --seed 7 \
  2>/dev/null && cmp -s "$tmp/a/train.svm" "$tmp/b/train.svm" &&
  cmp -s "$tmp/a/test.svm" "$tmp/b/test.svm"
check "the same seed gives the same files" $?
"$py" "$gen" --out "$tmp/c" --features $d --docs $n --test-docs $nt --density $dens --seed 8 \
  2>/dev/null && ! cmp -s "$tmp/a/train.svm" "$tmp/c/train.svm"
check "another seed gives other files" $?
"$py" "$gen" --out "$tmp/z" --features $d --docs $n --test-docs $nt --density $dens --seed 7 \
  --gzip 2>/dev/null && gzip -dc "$tmp/z/val.svm.gz" | cmp -s - "$tmp/a/val.svm" &&
  [ ! -e "$tmp/z/val.svm" ]
check "--gzip writes the same content gzipped" $?
"$py" "$gen" --out "$tmp/o" --features $d --docs $n --test-docs $nt --density $dens --seed 7 \
  --one-based-labels 2>/dev/null
st=$(split_stats "$tmp/o/train.svm" 1 20)
[ "$st" = "$(split_stats "$tmp/a/train.svm" 0 19)" ]
check "--one-based-labels: labels 1..20, the same features" $?
"$py" "$gen" --out "$tmp/e" --features 10 2>"$tmp/e.log"
[ $? = 2 ] && grep -q "need --features >= 40" "$tmp/e.log"
check "a bad size is refused with a message" $?
exit $fail
