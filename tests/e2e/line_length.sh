#!/bin/sh
# line_length.sh — every C source and header, grammar (.y, .l) and shell script of the tree
# keeps its lines within 100 columns (issue 12, item 6). Generated files (lang/parser.c,
# lang/lexer.c, compiler/emit_c/emit_c_rt.c and the other files of a build tree) and the golden
# data of tests/golden are not written by hand and are skipped. A long line is reported as
# FILE:LINE: LENGTH columns.
set -u
top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 1
limit=100
files=$(find api compiler runtime driver lang tests bench fuzz examples autogen.sh \
  \( -path tests/golden -o -path './.git' \) -prune -o \
  -type f \( -name '*.c' -o -name '*.h' -o -name '*.y' -o -name '*.l' -o -name '*.sh' \) \
  ! -path lang/parser.c ! -path lang/lexer.c ! -path lang/parser.h \
  ! -path compiler/emit_c/emit_c_rt.c ! -name 'config.h' -print | sort)
[ -n "$files" ] || { echo "FAIL: no sources found under $top"; exit 1; }
# expand tabs as the eye sees them (8 columns) before measuring
long=$(for f in $files; do
  expand "$f" | awk -v f="$f" -v lim=$limit 'length > lim { print f ":" FNR ": " length " cols" }'
done)
n=$(echo "$files" | wc -l)
if [ -n "$long" ]; then
  echo "$long"
  echo "FAIL: $(echo "$long" | wc -l) lines longer than $limit columns in $n files (wrap them)"
  exit 1
fi
echo "ok: $n files, every line within $limit columns"
