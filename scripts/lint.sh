#!/usr/bin/env bash
# clang-format check and clang-tidy over the sources. clang-tidy-16 is needed: clang 14
# cannot parse libstdc++ 12's std::expected, and clang 16 only with __cpp_concepts raised
# to the C++20 value its implementation already satisfies.
#   scripts/lint.sh           check formatting and run clang-tidy
#   scripts/lint.sh --fix     reformat in place
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.h' | grep -vE '^regress/')
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
clang-format --dry-run --Werror "${files[@]}"
if ! command -v clang-tidy-16 >/dev/null; then
  echo "lint: clang-tidy-16 not installed (apt-get install clang-tidy-16); format check only" >&2
  exit 0
fi
[ -f build/compile_commands.json ] || scripts/build.sh >/dev/null
sources=$(printf '%s\n' "${files[@]}" | grep '\.cpp$')
clang-tidy-16 -p build --quiet \
  --extra-arg=-std=c++2b --extra-arg=-U__cpp_concepts --extra-arg=-D__cpp_concepts=202002L \
  --extra-arg=-Wno-builtin-macro-redefined --extra-arg=-Wno-unknown-warning-option $sources
