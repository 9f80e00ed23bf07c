# prologue.sh — sourced first by the e2e scripts that count their failures: the source and
# build trees, bloc as an absolute path (BLOC overrides it), a temporary directory $tmp removed
# on exit (KEEP=1 keeps it), and `fail MESSAGE`, which prints and counts a failure in $fails.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=${top_srcdir:-$here/../..}
build=${top_builddir:-$src}
bloc=${BLOC:-$build/bloc}
case $bloc in /*) ;; *) bloc=$(pwd)/$bloc ;; esac
tmp=$(mktemp -d) || exit 1
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
fails=0
fail() {
  echo "FAIL: $*"
  fails=$((fails + 1))
}
