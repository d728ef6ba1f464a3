#!/usr/bin/env bash
# Style gates: mandoc's lint on the manual pages, clang-format (no diff allowed) and clang-tidy
# (.clang-tidy, findings are errors) over the project's own sources.
# Usage: scripts/lint.sh [--deep] <build-dir with compile_commands.json>
# The test command runs the fast set; --deep adds the clang static analyzer (clang-analyzer-*),
# which takes about three times as long.
set -euo pipefail
cd "$(dirname "$0")/.."
checks='-clang-analyzer-*'
if [ "${1:-}" = "--deep" ]; then
  checks=''
  shift
fi
build=${1:?build dir}

# Manual pages: mandoc -Tlint at level warning, so that what it calls warnings or errors (bad
# macros or arguments, a date it cannot read, broken tables) fails. Its STYLE level is left
# out: nearly all of it is "input text line longer than 80 bytes", and the pages' source lines
# run to the code's 100 columns on purpose (the text is refilled when rendered; the unbreakable
# option lists run longer). groff's own warnings are checked by tests/cli/docs.sh.
mapfile -t pages < <(git ls-files --cached --others --exclude-standard 'man/*.[158]' | sort)
echo "lint: mandoc on ${#pages[@]} manual pages"
mandoc -Tlint -W warning "${pages[@]}"

mapfile -t sources < <(git ls-files --cached --others --exclude-standard \
                         'src/*.cpp' 'src/*.hpp' 'include/*.hpp' 'tests/*.cpp' 'tests/*.hpp' \
                         'bench/*.cpp' | sort)
[ ${#sources[@]} -gt 0 ] || { echo "lint: no sources"; exit 1; }

echo "lint: clang-format on ${#sources[@]} files"
clang-format --dry-run --Werror "${sources[@]}"

mapfile -t tidy < <(printf '%s\n' "${sources[@]}" | grep -E '^src/.*\.cpp$')
echo "lint: clang-tidy on ${#tidy[@]} files"
log="$build/clang-tidy.log"
# The compile commands without gcc's precompiled headers (-include cmake_pch.hxx), which clang
# cannot read; every source includes what it uses, so nothing else changes.
db="$build/clang-tidy-db"
mkdir -p "$db"
sed -E 's# -Winvalid-pch -include [^ ]*/cmake_pch\.hxx##g' "$build/compile_commands.json" \
    >"$db/compile_commands.json"
if ! printf '%s\n' "${tidy[@]}" | xargs -P "$(nproc)" -n 4 \
     clang-tidy -p "$db" --quiet --checks="$checks" --warnings-as-errors='*' >"$log" 2>&1; then
  grep -v -E '^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$|^Suppressed [0-9]+ warnings|^Use -header-filter|^Use -system-headers' "$log"
  echo "lint: clang-tidy found problems (full log: $log)"
  exit 1
fi
echo "lint: ok"
