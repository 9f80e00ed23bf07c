#!/bin/sh
# cc_probes.sh FILE — writes FILE, the answers of quick_cc.sh's cc_probes for $CC, $CLANG and
# $SAN_FLAGS, for the tests of make check to read (Makefile.am runs it before they start).
# Replaced whole: written beside FILE, then renamed.
set -u
[ $# = 1 ] || { echo "usage: cc_probes.sh FILE" >&2; exit 1; }
top_builddir=
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/quick_cc.sh"
cc_probes
out=$(mktemp "$1.XXXXXX") || exit 1
{
  printf '# %s\n' "$cc_key"
  printf 'cc_cblas=%s cc_zlib=%s clang_run=%s clang_cblas=%s\n' \
    "$cc_cblas" "$cc_zlib" "$clang_run" "$clang_cblas"
} >"$out" && mv -f "$out" "$1"
