#!/usr/bin/env bash
# Fails if any C++ source differs from clang-format's output.
cd "$(dirname "$0")/.."
bad=0
for f in $(git ls-files '*.cpp' '*.hpp' 2>/dev/null || find . -name '*.[ch]pp' -not -path './build*'); do
  clang-format --dry-run -Werror "$f" > /dev/null 2>&1 || { echo "not clang-format clean: $f"; bad=1; }
done
[ "$bad" -eq 0 ] && echo "clang-format clean"
exit $bad
