#!/usr/bin/env bash
# Checks that every C++ file is formatted by .clang-format (Google style, 120
# columns). Prints each file that is not, with clang-format's first lines
# (file:line:column), and the command that fixes it. Ends with the
# "# pass N / # fail N" lines scripts/test-all.sh counts.
set -uo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null 2>&1; then
  echo "check-format: clang-format is not installed (scripts/install-deps.sh installs it)"
  echo "# pass 0"
  echo "# fail 1"
  exit 1
fi
bad=0
files=$(git ls-files '*.cc' '*.h' 2>/dev/null || find src tests bench -name '*.cc' -o -name '*.h')
for f in $files; do
  out=$(clang-format --dry-run --Werror "$f" 2>&1)
  if [ -n "$out" ]; then
    bad=$((bad + 1))
    echo "$out" | head -n 3
  fi
done
count=$(echo "$files" | wc -w)
echo "check-format: $count files checked, $bad not formatted"
[ "$bad" -eq 0 ] || echo "fix with: clang-format -i \$(git ls-files '*.cc' '*.h')"
echo "# pass $((bad == 0 ? 1 : 0))"
echo "# fail $((bad == 0 ? 0 : 1))"
[ "$bad" -eq 0 ]
