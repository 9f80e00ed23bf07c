# close.awk — awk -F, -f close.awk A B: exit 0 when every field of the CSV files A and B (same
# layout, a header line) is within 1e-12 of its column's largest magnitude in A, empty fields
# alike; used by mpi.sh and mpi_shard.sh to compare runs on N ranks with one process.
# Skipped: the 'method' column (compare's), time and the call counters (LancBiO's residual test
# may take a Lanczos step more or fewer when sums are reassociated across ranks: measured 181
# against 185 HVPs). The Ritz estimates get 1e-10: a Lanczos process amplifies the rounding of
# the reassociated sums (measured 1.6e-12).
FNR == 1 { for (i = 1; i <= NF; i++) name[i] = $i; next }
NR == FNR {
  for (i = 1; i <= NF; i++) {
    a[FNR, i] = $i; v = $i + 0; if (v < 0) v = -v; if (v > m[i] + 0) m[i] = v
  }
  n = FNR; next
}
{
  if (FNR > n) { bad = 1; exit }
  for (i = 1; i <= NF; i++) {
    x = a[FNR, i]; y = $i
    if (name[i] == "time" || name[i] == "method" || name[i] ~ /^calls_/ || x == y) continue
    tol = name[i] ~ /^ritz_/ ? 1e-10 : 1e-12
    d = x - y; if (d < 0) d = -d
    if (x == "" || y == "" || d > tol * m[i]) { bad = 1; exit }
  }
}
END { if (FNR != n) bad = 1; exit bad }
