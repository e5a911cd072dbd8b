#!/usr/bin/env bash
# Installs the Debian packages WGF Lab needs that are missing, and nothing else.
# Idempotent: when everything is present it only checks (no apt-get update, no network).
#   scripts/setup.sh            build + test dependencies (engine, CLI, report, tests)
#   scripts/setup.sh --bench    also python3-torch and OpenBLAS for the PyTorch reference benchmarks
# The lab GUI (native/frontend, native/desktop) also needs SDL2, OpenGL, Xvfb + Mesa (its window
# test) and the Dear ImGui sources, unpacked from Debian's source package into
# third_party/imgui-src/ (skipped when that folder exists).
set -euo pipefail

packages=(g++ cmake ninja-build pkg-config libeigen3-dev catch2 nlohmann-json3-dev libcli11-dev libstb-dev
          libsdl2-dev libgl-dev libgl1-mesa-dri xvfb dpkg-dev)
for arg in "$@"; do
  case "$arg" in
    --bench) packages+=(python3-torch libopenblas0-pthread) ;;
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

# Dear ImGui sources (the same tree for the native and the web build): `apt-get source imgui`
# needs a deb-src entry; add one mirroring the system's deb822 sources when there is none.
if [[ ! -f "$imgui_dir/imgui.h" ]]; then
  need_root "fetch the ImGui sources (apt-get source imgui)"
  src_list=/etc/apt/sources.list.d/debian-src.sources
  if ! grep -rqs '^Types:.*deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "setup: adding a deb-src entry ($src_list)"
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources | $sudo tee "$src_list" >/dev/null
    $sudo apt-get update -q
  fi
  tmp=$(mktemp -d)
  echo "setup: fetching the ImGui sources into $imgui_dir"
  (cd "$tmp" && apt-get source -q imgui)
  mkdir -p "$root/third_party"
  rm -rf "$imgui_dir"
  mv "$tmp"/imgui-*/ "$imgui_dir"
  rm -rf "$tmp"
fi
