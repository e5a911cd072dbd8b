#!/usr/bin/env bash
# Installs the Debian packages WGF Lab needs that are missing, and nothing else.
# Idempotent: when everything is present it only checks (no apt-get update, no network).
#   scripts/setup.sh            build + test dependencies (engine, CLI, report, tests)
#   scripts/setup.sh --bench    also python3-torch and OpenBLAS for the PyTorch reference benchmarks
set -euo pipefail

packages=(g++ cmake ninja-build pkg-config libeigen3-dev catch2 nlohmann-json3-dev libcli11-dev libstb-dev)
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

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
