#!/bin/sh
# smoke.sh — make check runs each fuzz target briefly, built at -O0 as fuzz/smoke_front and
# fuzz/smoke_data by make fuzz's recipe (issue 13, finding 8: `make fuzz` had stopped linking
# and nothing noticed). A libFuzzer build runs FUZZ_SMOKE_SECONDS (default 3)
# on a copy of its seed corpus (libFuzzer adds to the first corpus directory); a build around
# fuzz/fuzz_driver.c runs the seeds and their mutations. A crash, a leak, a sanitizer report
# or a timeout fails the test and leaves the input in the log.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
secs=${FUZZ_SMOKE_SECONDS:-3}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
for t in fuzz_front fuzz_data; do
  exe=$top_builddir/fuzz/smoke_${t#fuzz_} # fuzz_front's and fuzz_data's -O0 builds
  if [ ! -x "$exe" ]; then
    echo "FAIL: $exe was not built"
    fail=1
    continue
  fi
  mkdir -p "$tmp/$t"
  if [ $t = fuzz_data ]; then
    cp "$top_srcdir"/fuzz/seeds_data/* "$tmp/$t/"
    maxlen=65536
  else
    cp "$top_srcdir"/tests/golden/*.blo "$top_srcdir"/examples/*.blo "$tmp/$t/"
    maxlen=8192
  fi
  # -artifact_prefix: a crashing input goes to the temporary directory, named in the log
  if (cd "$tmp" && TMPDIR=$tmp "$exe" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
       -max_len=$maxlen -artifact_prefix="$tmp/" -print_final_stats=1 "$tmp/$t" >"$tmp/$t.log" \
         2>&1); then
    runs=$(sed -n -e 's/^stat::number_of_executed_units: *//p' \
      -e 's/^fuzz_driver: \([0-9]*\) runs.*/\1/p' "$tmp/$t.log")
    echo "$t: ${runs:-?} runs, no crash"
  else
    echo "FAIL: $t"
    tail -40 "$tmp/$t.log"
    for a in "$tmp"/crash-* "$tmp"/leak-* "$tmp"/timeout-*; do
      [ -f "$a" ] && { echo "input $a:"; od -c "$a" | head -20; }
    done
    fail=1
  fi
done
exit $fail
