#!/usr/bin/env bash
# House style check (docs/devguide/style.md): every tracked C++ file formatted
# with the checked-in .clang-format.
#
#   scripts/format.sh          # check: list files that differ, exit 1 if any
#   scripts/format.sh --fix    # format them in place
#
# scripts/test.sh runs the check, so CI fails on unformatted code.
set -euo pipefail
cd "$(dirname "$0")/.."
CF="${CLANG_FORMAT:-clang-format}"
if ! command -v "$CF" >/dev/null 2>&1; then
  echo "format: $CF not found (scripts/setup.sh installs it)" >&2
  exit 1
fi
mapfile -t files < <(git ls-files -- '*.cpp' '*.h' '*.h.in' | grep -v '\.h\.in$')
if [ "${1:-}" = "--fix" ]; then
  "$CF" -i "${files[@]}"
  echo "format: formatted ${#files[@]} files"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  if ! "$CF" --dry-run --Werror "$f" >/dev/null 2>&1; then bad+=("$f"); fi
done
if [ ${#bad[@]} -gt 0 ]; then
  printf 'format: %s differs from .clang-format\n' "${bad[@]}" >&2
  echo "format: ${#bad[@]} of ${#files[@]} files need 'scripts/format.sh --fix'" >&2
  exit 1
fi
echo "format: all ${#files[@]} files formatted"
