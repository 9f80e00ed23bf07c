# find_python.sh — sourced by test scripts that run Python: `find_python MODULE...` sets $py
# to the first interpreter that imports every MODULE (comma-separated import list for
# python's `import`), trying $BLOC_PYTHON (configure's choice), /usr/bin/python3 (Debian's,
# where python3-numpy installs) and the python3 on PATH; it returns 1 and leaves $py empty
# when none does, so that the caller can skip (exit 77) and name the packages it needs.
find_python() {
  py=
  _mods=$(echo "$*" | sed 's/ /, /g')
  for _p in ${BLOC_PYTHON:-} /usr/bin/python3 python3; do
    if "$_p" -c "import $_mods" >/dev/null 2>&1; then py=$_p; return 0; fi
  done
  return 1
}
