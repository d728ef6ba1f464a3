#!/usr/bin/env bash
# Documentation keeps up with the tool: the man pages render without warnings, and every
# subcommand `srpadm --help` lists has its own section in srpadm(8) and a line in the README.
set -euo pipefail
bin=$1 src=$2
fail=0
for page in "$src"/man/*.[0-9]; do
  out=$(LC_ALL=C.UTF-8 groff -man -ww -z "$page" 2>&1) || true
  if [ -n "$out" ]; then
    echo "docs: $page: $out"
    fail=1
  fi
done
mapfile -t commands < <("$bin" --help | awk '/^Subcommands:/{on=1; next} on && /^  [a-z]/{print $1}')
[ ${#commands[@]} -gt 0 ] || { echo "docs: no subcommands in --help"; exit 1; }
for c in "${commands[@]}"; do
  man_name=${c//-/\\\\-}
  if ! grep -q "^\.SS $man_name\$" "$src/man/srpadm.8"; then
    echo "docs: subcommand '$c' has no '.SS' section in man/srpadm.8"
    fail=1
  fi
  if ! grep -q "srpadm $c" "$src/README.md"; then
    echo "docs: subcommand '$c' is not mentioned in README.md"
    fail=1
  fi
done
exit $fail
