#!/bin/sh
# The C code is kept as .clang-format says (fix it with `npm run format:c`). Run by `npm test`.
set -eu
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null; then
  echo "check-format: clang-format not found; install it (scripts/setup.sh does: apt-get install clang-format)" >&2
  exit 1
fi
clang-format --dry-run -Werror addon/src/*.c addon/src/*.h
