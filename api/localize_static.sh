#!/bin/sh
# localize_static.sh ARCHIVE PATTERN... — make every global symbol of a static library that no
# PATTERN (objcopy wildcards) matches local, so that a program linking the library can define
# functions of the same names (xmalloc, arena_init, ...) without a clash, and the library's
# own calls still reach its own. The archive's members are linked into one relocatable object
# first (ld -r: their references to each other are resolved there), which replaces them.
# LD, OBJCOPY, AR and RANLIB name the tools (configure's). A missing archive (--disable-static)
# is no error; missing tools leave it as it is, with a note.
set -eu
lib=$1
shift
[ -f "$lib" ] || exit 0
LD=${LD:-ld} OBJCOPY=${OBJCOPY:-objcopy} AR=${AR:-ar} RANLIB=${RANLIB:-ranlib}
for t in "$LD" "$OBJCOPY" "$AR"; do
  t=${t%% *} # libtool's LD may carry options (ld -m elf_x86_64)
  if [ "$t" = : ] || ! command -v "$t" >/dev/null 2>&1; then
    echo "localize_static.sh: no $t: $lib keeps every symbol global" >&2
    exit 0
  fi
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/localize.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2086 # LD may be a command with options
$LD -r -o "$tmp/all.o" --whole-archive "$lib"
keep=
for p in "$@"; do keep="$keep --keep-global-symbol=$p"; done
# shellcheck disable=SC2086 # the options are words
"$OBJCOPY" --wildcard $keep "$tmp/all.o"
name=$(basename "$lib" .a).o
mv "$tmp/all.o" "$tmp/$name"
"$AR" rc "$tmp/new.a" "$tmp/$name"
"$RANLIB" "$tmp/new.a"
mv "$tmp/new.a" "$lib"
