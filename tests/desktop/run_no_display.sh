#!/usr/bin/env bash
# run_no_display.sh LAB: with no display the desktop lab exits with code 2 and says how to reach it.
set -uo pipefail
out=$(env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER "$1" --frames 1 2>&1)
rc=$?
echo "$out"
[[ $rc -eq 2 ]] || { echo "expected exit code 2, got $rc" >&2; exit 1; }
for want in "cannot open a window" "xvfb-run" "wgflab --help"; do
  grep -qF "$want" <<<"$out" || { echo "message lacks '$want'" >&2; exit 1; }
done
echo "ok: exit code 2 with the message"
