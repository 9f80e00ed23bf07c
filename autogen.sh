#!/bin/sh
# autogen.sh — regenerate the build system from configure.ac and Makefile.am.
set -e
cd "$(dirname "$0")"
# without libtoolize autoreconf fails with an obscure "possibly undefined macro: LT_INIT"
command -v libtoolize >/dev/null ||
  { echo "autogen.sh: libtoolize not found (Debian: apt-get install libtool)" >&2; exit 1; }
autoreconf -fi
