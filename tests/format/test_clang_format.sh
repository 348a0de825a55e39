#!/usr/bin/env bash
# Every tracked C file is formatted as .clang-format says
# (clang-format --dry-run --Werror). Skipped (exit 77, shown as skipped by
# ctest) when clang-format is not installed; tools/install-deps.sh
# installs it.
set -uo pipefail
SRC="${CG_SOURCE_DIR:?CG_SOURCE_DIR must point at the source tree}"
cd "$SRC" || exit 1
if ! command -v clang-format >/dev/null 2>&1; then
  echo "SKIP: clang-format is not installed (tools/install-deps.sh installs it)"
  exit 77
fi
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  files=$(git ls-files '*.c' '*.h')
else
  files=$(find core tests -name '*.c' -o -name '*.h')
fi
bad=0
for f in $files; do
  [ -f "$f" ] || continue
  if clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
    continue
  fi
  echo "FAIL: $f is not formatted; run: clang-format -i $f"
  bad=1
done
[ "$bad" -eq 0 ] && echo "ok"
exit "$bad"
