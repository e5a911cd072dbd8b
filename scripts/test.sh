#!/usr/bin/env bash
# The one test command (README, .ci/run): install what is missing, build, run every test —
# the native suites (build/default), then the web build's (build/web): the engine's Catch2
# suites compiled to wasm and run under node, the native-vs-wasm parity of a golden lesson,
# and the lab page in headless Chromium. Arguments go to both ctest runs (e.g. -R name).
# WGF_SKIP_WEB=1 runs the native part only.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
jobs=$(nproc 2>/dev/null || echo 2)
rc=0
ctest --test-dir build/default --output-on-failure -j"$jobs" "$@" || rc=$?
if [[ "${WGF_SKIP_WEB:-0}" != 1 ]]; then
  web/build.sh
  ctest --test-dir build/web --output-on-failure -j"$jobs" "$@" || rc=$?
fi
exit "$rc"
