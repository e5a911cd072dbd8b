#!/usr/bin/env bash
# Configures (once) and builds the default preset into build/default.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
if [[ ! -f build/default/CMakeCache.txt ]]; then
  cmake --preset default
fi
cmake --build build/default -j"$jobs"
