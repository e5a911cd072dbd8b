#!/usr/bin/env bash
# The main command (README): install what is missing, build, run a short 2D lesson from the
# command line — train a small score network on 8 Gaussians by denoising score matching (paper
# Eq. 16), sample it with the probability-flow ODE, print the metrics; results land in
# out/lesson/ (upload them into the lab's Compare panel) — then build the web lab if needed and
# serve it on http://127.0.0.1:PORT (Ctrl-C stops the server).
# With a display ($DISPLAY or $WAYLAND_DISPLAY) it also opens the desktop lab on the default lesson.
#   scripts/lab.sh [--port N] [--no-serve] [--no-desktop]   (PORT: --port, else $WGF_PORT, else the first free from 8642)
set -euo pipefail
cd "$(dirname "$0")/.."
port="${WGF_PORT:-}"
serve=1
desktop=1
while (($#)); do
  case "$1" in
    --port) port="${2:?--port needs a number}"; shift 2 ;;
    --no-serve) serve=0; shift ;;
    --no-desktop) desktop=0; shift ;;
    *) echo "lab.sh: unknown option '$1' (expected --port N, --no-serve or --no-desktop)" >&2; exit 2 ;;
  esac
done
scripts/setup.sh
scripts/build.sh
out=out/lesson
mkdir -p "$out"
wgflab=build/default/native/cli/wgflab
"$wgflab" train2d --density gmm8 --steps 3000 --batch 256 --width 64 --depth 3 --param score \
  --weighting eps --lr 2e-3 --lr-schedule cosine --seed 1 --save "$out/gmm8.mlp" --out "$out/train.json"
"$wgflab" sample2d --density gmm8 --field "mlp:$out/gmm8.mlp" --sampler ode-heun --steps 100 --n 2000 \
  --seed 2 --out "$out/sample_mlp.json" --samples "$out/samples_mlp.csv"
"$wgflab" sample2d --density gmm8 --field exact --sampler ode-heun --steps 100 --n 2000 \
  --seed 2 --out "$out/sample_exact.json"
echo
echo "Lesson written to $out/: train.json (loss curve), sample_*.json (metrics), samples_mlp.csv."

# ---- the web lab: build it if needed, serve build/web/web/dist on 127.0.0.1 ----
web/build.sh
dist=build/web/web/dist
if [[ -z "$port" ]]; then
  port=$(python3 -c '
import socket
for p in range(8642, 8700):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); print(p); break
    except OSError: pass
    finally: s.close()')
fi
echo
echo "WGF Lab (web): http://127.0.0.1:$port/   (open it in a browser; the link in the address bar holds the lab state)"
lab=build/default/native/desktop/wgflab-lab
if [[ ! -x "$lab" ]]; then
  echo "WGF Lab (desktop): not built (the GUI needs SDL2, OpenGL and the ImGui sources: scripts/setup.sh)"
elif ((desktop)) && [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; then
  echo "WGF Lab (desktop): opening $lab"
  "$lab" &
else
  echo "WGF Lab (desktop): $lab needs a display; without one use the web lab above, 'ssh -X',"
  echo "  or a picture: xvfb-run -a -s '-screen 0 1600x1000x24' $lab --frames 60 --screenshot out/lab.png"
fi
if ((serve)); then
  echo "Serving $dist on 127.0.0.1:$port - Ctrl-C stops it."
  exec python3 -m http.server "$port" --bind 127.0.0.1 --directory "$dist"
fi
