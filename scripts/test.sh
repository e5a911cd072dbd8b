#!/usr/bin/env bash
# The one test command (README, .ci/run): install what is missing, build, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
jobs=$(nproc 2>/dev/null || echo 2)
ctest --test-dir build/default --output-on-failure -j"$jobs" "$@"
