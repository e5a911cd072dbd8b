#!/usr/bin/env bash
# The main command (README): install what is missing, build, and run a short 2D lesson —
# train a small score network on 8 Gaussians by denoising score matching (paper Eq. 16),
# sample it with the probability-flow ODE, and print the metrics; results land in out/lesson/.
set -euo pipefail
cd "$(dirname "$0")/.."
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
