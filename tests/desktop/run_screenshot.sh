#!/usr/bin/env bash
# run_screenshot.sh LAB CHECKER OUTDIR: start a private Xvfb (a free display number chosen by
# Xvfb itself, -displayfd), run the desktop lab for 30 frames on Mesa's software OpenGL, save
# OUTDIR/lab-screenshot.png (+ .json: where each region was drawn) and assert on the pixels.
set -euo pipefail
lab=$1 checker=$2 out=$3
command -v Xvfb >/dev/null || { echo "Xvfb not found: run scripts/setup.sh (installs xvfb)" >&2; exit 1; }
tmp=$(mktemp -d)
xvfb=""
cleanup() {
  [[ -n $xvfb ]] && kill "$xvfb" 2>/dev/null && wait "$xvfb" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
Xvfb -displayfd 3 -screen 0 1600x1000x24 -nolisten tcp 3>"$tmp/display" 2>"$tmp/xvfb.log" &
xvfb=$!
for _ in $(seq 200); do [[ -s $tmp/display ]] && break; sleep 0.05; done
[[ -s $tmp/display ]] || { echo "Xvfb did not start:" >&2; cat "$tmp/xvfb.log" >&2; exit 1; }
export DISPLAY=":$(cat "$tmp/display")" LIBGL_ALWAYS_SOFTWARE=1
png="$out/lab-screenshot.png"
rm -f "$out/lab-figure.png"
"$lab" --frames 30 --width 1600 --height 1000 --scale 1 --screenshot "$png" --layout "$out/lab-screenshot.json" \
  --export "$out/lab-figure.png"
# Regions and what they must hold: NAME:MIN_FRACTION_OF_PIXELS_OFF_BACKGROUND:MIN_DISTINCT_COLOURS.
# The density map's low values are drawn in colours close to the dark background and the forward
# process plays in wall-clock time, so its off-background share at frame 30 varies with the
# machine's load (seen 41-60%); an undrawn plot has 0%, so 25% and 30 colours still tell them apart.
"$checker" "$png" "$out/lab-screenshot.json" \
  side:0.03:3 panel:0.3:100 status:0.02:2 plot:forward.density:0.25:30 plot:forward.energy:0.005:3 plot:forward.kl:0.005:3
# The front end's Export PNG (an ExportRequest the shell fulfils): the panel area, pixel for pixel.
"$checker" --crop-of "$png" "$out/lab-screenshot.json" panel "$out/lab-figure.png"
echo "screenshot: $png"
