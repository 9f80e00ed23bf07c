#!/bin/sh
# run.sh — golden tests of the front end. Each tests/golden/NAME.blo is run as
# `bloc check NAME.blo` from this directory, or with the arguments of a first-line comment
# `# args: ARGS` (the file is appended, or put where `{}` stands; NOFILE leaves it out).
# stdout, stderr and the exit status must equal NAME.out, NAME.err and NAME.status. A second
# line `# filter: COMMAND` pipes stdout through a shell command first (to pin part of a long
# output, such as the problem-specific code of bloc emit-c without the runtime it copies).
# A line `# env: NAME=VALUE ...` among the first three sets environment variables for the run,
# and a line `# errfilter: COMMAND` among them pipes stderr through a shell command (to drop
# bloc run's progress lines, whose times vary, from a test of its warnings).
# Every example program (examples/*.blo) must check clean: no error, no warning (but those
# it announces with a line `# check warns: TEXT`).
# UPDATE_GOLDEN=1 rewrites the expectations instead of comparing (review the diff!).
#
#   run.sh            every golden program and every example
#   run.sh FILE...    those files only: a golden program, or any other .blo as an example
#                     (make check runs each file as its own test this way)
set -u
# (make check runs this once per golden file: 746 runs, so the per-file work below uses the
# shell's own expansions and `read` where it can, not dirname, basename and sed)
case $0 in */*) here=${0%/*} ;; *) here=. ;; esac
here=$(cd "$here" && pwd)
bloc=${BLOC:-${top_builddir:-$here/../..}/bloc}
case $bloc in /*) ;; *) bloc=$(pwd)/$bloc ;; esac
# the files to run, as absolute paths (the runs happen in $here)
files=
if [ $# = 0 ]; then
  set -- "$here"/*.blo "$here"/../../examples/*.blo
fi
for f in "$@"; do
  [ -f "$f" ] || { echo "FAIL: no file $f"; exit 1; }
  case $f in */*) d=${f%/*} ;; *) d=. ;; esac
  files="$files
$(cd "${d:-/}" && pwd)/${f##*/}"
done
cd "$here" || exit 1
# `import "name"` looks in the stdlib: use the test modules under stdlib/ here
# (relative, so that messages naming them do not depend on where the tree is)
BLOC_STDLIB=stdlib
export BLOC_STDLIB
# The numbers the goldens pin are the same bits on every x86-64 CPU with AVX2 and FMA: the
# JIT compiles for the level x86-64-v3, not for this CPU (whose own cost model, vector width and
# registers change how sums are split), and OpenBLAS runs its Haswell kernels (its AVX-512
# ones add in another order). Without them 37 goldens written on an Intel AVX-512 machine
# failed on an AMD Zen 3 by last bits (doc/methods.md, "Determinism").
BLOC_CPU=x86-64-v3 OPENBLAS_CORETYPE=Haswell
export BLOC_CPU OPENBLAS_CORETYPE
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

# golden NAME.blo: run it here and compare (or update) NAME.out, NAME.err, NAME.status
# after KEY LINE: LINE without its leading "# KEY:" and the blanks after it, in $val; false when
# LINE does not start so
after() {
  case $2 in "# $1:"*) val=${2#"# $1:"} ;; *) return 1 ;; esac
  while :; do case $val in " "*) val=${val# } ;; *) return 0 ;; esac; done
}

golden() {
  t=$1
  name=${t%.blo}
  # the header: args on line 1, filter on line 2, env and errfilter on any of lines 1-3
  args= filter= envs= errfilter= n=0
  while [ $n -lt 3 ] && { IFS= read -r line || [ -n "$line" ]; }; do
    n=$((n + 1))
    if [ $n = 1 ] && after args "$line"; then args=$val; fi
    if [ $n = 2 ] && after filter "$line"; then filter=$val; fi
    if after env "$line"; then envs="$envs${envs:+ }$val"; fi
    if after errfilter "$line"; then errfilter="$errfilter${errfilter:+
}$val"; fi
    line=
  done <"$t"
  [ -n "$args" ] || args=check
  case " $args " in
    *" NOFILE "*) cmd=$(printf '%s' "$args" | sed 's/ *NOFILE *//') ;;
    *"{}"*) cmd=$(printf '%s' "$args" | sed "s|{}|$t|") ;;
    *) cmd="$args $t" ;;
  esac
  # shellcheck disable=SC2086
  if [ -n "$envs" ]; then env $envs "$bloc" $cmd >"$tmp/out" 2>"$tmp/err" </dev/null
  else "$bloc" $cmd >"$tmp/out" 2>"$tmp/err" </dev/null; fi
  echo $? >"$tmp/status"
  if [ -n "$filter" ]; then
    sh -c "$filter" <"$tmp/out" >"$tmp/out.f" && mv "$tmp/out.f" "$tmp/out"
  fi
  if [ -n "$errfilter" ]; then
    sh -c "$errfilter" <"$tmp/err" >"$tmp/err.f"
    mv "$tmp/err.f" "$tmp/err"
  fi
  if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
    cp "$tmp/out" "$name.out"
    cp "$tmp/err" "$name.err"
    cp "$tmp/status" "$name.status"
    pass=$((pass + 1))
    return
  fi
  ok=1
  for k in out err status; do
    if [ ! -f "$name.$k" ]; then
      echo "FAIL: $t: missing $name.$k (run with UPDATE_GOLDEN=1)"
      ok=0
    elif ! diff -u "$name.$k" "$tmp/$k" >"$tmp/diff"; then
      echo "FAIL: $t: $k differs"
      sed 's/^/  /' "$tmp/diff"
      ok=0
    fi
  done
  if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
}

# example FILE: it must check clean (no error, no warning), but for the warnings a line
# `# check warns: TEXT` of the file announces (each warning line must contain TEXT; the
# announced ones must appear): ufom_toy's g is C^2 by construction out of where() on y, which
# sema cannot tell from a kink
example() {
  # examples import the real stdlib, not the test modules above
  env -u BLOC_STDLIB "$bloc" check "$1" >/dev/null 2>"$tmp/err" </dev/null
  st=$?
  warns=$(sed -n 's/^# check warns: *//p' "$1")
  if [ -n "$warns" ]; then
    if grep -qF -- "$warns" "$tmp/err" &&
       ! grep ': warning: \|: error: ' "$tmp/err" | grep -qvF -- "$warns"; then
      : >"$tmp/err"
    else
      echo "(expected only warnings with: $warns)" >>"$tmp/err"
    fi
  fi
  if [ $st = 0 ] && [ ! -s "$tmp/err" ]
  then
    pass=$((pass + 1))
  else
    echo "FAIL: $1 does not check clean"
    sed 's/^/  /' "$tmp/err"
    fail=$((fail + 1))
  fi
}

while IFS= read -r f; do
  [ -n "$f" ] || continue
  if [ "${f%/*}" = "$here" ]; then golden "${f##*/}"; else example "$f"; fi
done <<EOF2
$files
EOF2
echo "golden: $pass passed, $fail failed"
[ $fail = 0 ]
