#!/bin/sh
# doc_refs.sh — the docs name only files that are in the tree (issue 16 item 4: doc/ cited
# LANGUAGE.md and ALGORITHMS.md, which were not): every path with a directory that README.md,
# doc/*.md, examples/README.md and the man page mention under compiler/, runtime/, driver/,
# lang/, doc/, examples/, tests/, bench/, stdlib/, man/ or fuzz/ exists, and so does every
# Markdown file they name. Include spellings (ir/ir.h) count from compiler/.
set -u
top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 1
fail=0 n=0
for f in README.md doc/*.md doc/design/README.md examples/README.md man/bloc.1; do
  [ -f "$f" ] || continue
  ext='md|c|h|def|sh|blo|py|awk|in|am|ac|1'
  refs=$(sed 's/\\-/-/g' "$f" | grep -oE "(\.\./)?[A-Za-z0-9_./-]*[A-Za-z0-9_]\.($ext)\b" | sort -u)
  for ref in $refs; do
    case $ref in
      */*) dir=$(dirname "$f")
           case $ref in
             compiler/*|runtime/*|driver/*|lang/*|doc/*|examples/*|tests/*|bench/*|stdlib/*|\
             man/*|fuzz/*|.ci/*)
               p=$ref ;;
             *) p=$dir/$ref ;;   # a relative link from the file's directory
           esac
           case $ref in *'*'*|*NAME*|bloc/*|/*) continue ;; esac   # patterns, installed, absolute
           n=$((n + 1))
           [ -e "$p" ] || [ -e "$ref" ] || [ -e "compiler/$ref" ] ||
             { echo "FAIL: $f names $ref, which is not in the tree"; fail=1; } ;;
      *.md) n=$((n + 1))
           [ -n "$(find . -name "$ref" -not -path './.git/*' | head -1)" ] ||
             { echo "FAIL: $f names $ref, which is not in the tree"; fail=1; } ;;
    esac
  done
done
[ $fail = 0 ] && echo "ok: $n file references in the docs, all in the tree"
exit $fail
