#!/usr/bin/env bash
# Configures (once) and builds the `web` preset into build/web: the lab page (build/web/web/dist),
# the engine's Catch2 suites and the wgflab CLI in WebAssembly, the bench. The first build also
# compiles SDL2 from Debian's source (third_party/libsdl2-src) into the build tree.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
export NODE_PATH=/usr/share/nodejs  # emcc's JS optimiser needs Debian's node-acorn
if [[ ! -f build/web/CMakeCache.txt ]]; then
  cmake --preset web
fi
cmake --build build/web -j"$jobs"
