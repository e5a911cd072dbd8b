#!/usr/bin/env bash
# Reproduces the paper's image experiments end to end with WGF Lab (README: "Reproducing the
# paper"): a pixel-space MNIST U-Net, a VAE (8x8 latent) + latent U-Net, the conservative-
# regularisation ablation, every diagnostic over k (loop integrals along Brownian, rotation and
# projection paths, 64x64 sub-Jacobian asymmetry, the Stein check against the training set's
# exact score), Neal's funnel from the engine in the same format, and the figures.
#
#   experiments/reproduce_paper.sh             # the paper's settings: a GPU job (hours on CPU)
#   experiments/reproduce_paper.sh --quick     # tiny models and sweeps: minutes on a CPU
#   experiments/reproduce_paper.sh --medium    # small models trained for real: ~half an hour on 2 CPU cores
#   OUT=dir DEVICE=cuda:1 experiments/reproduce_paper.sh
#
# Figures (wgflab report) in $OUT/figures/<name>/: loop_ratio.png and loop_integral.png are
# Fig. 2a/b (integral constraint vs k per path kind), jacobian_asymmetry.png Fig. 2c/d
# (differential constraint), stein.png Figs. 4-5 (error field and Stein check); the pixel,
# latent and regularised runs are overlaid in $OUT/figures/all/ (Figs. 6-7: pixel vs latent,
# and the ablation), and funnel/ holds the engine's funnel in the same format.
# Every run folder keeps its run.json / config / loss.csv; the sweeps are $OUT/diag_*.json.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
wgflab="${WGFLAB:-$root/build/default/native/cli/wgflab}"
out="${OUT:-$root/out/paper}"
device="${DEVICE:-auto}"
preset=full
for arg in "$@"; do
  case "$arg" in
    --quick) preset=quick ;;
    --medium) preset=medium ;;
    *) echo "reproduce_paper.sh: unknown option '$arg' (expected --quick or --medium)" >&2; exit 2 ;;
  esac
done
[[ -x "$wgflab" ]] || { echo "reproduce_paper.sh: $wgflab not built (scripts/build.sh; LibTorch needed)" >&2; exit 2; }

if [[ $preset == quick ]]; then
  data=(--dataset mnist --max-images 1024)
  train=(--epochs 2 --batch 32 --lr 1e-3 --warmup 10 --base 8 --mult 1,2 --blocks 1 --grid 16 --grid-steps 20)
  vae=(--epochs 2 --batch 32 --width 8)
  sweep=(--k-sweep 5 --samples 8 --bridge-steps 50 --rotation-steps 50 --projection-points 10
         --projection-noisings 5 --jacobian 16 --probes 2 --truth-images 1000 --fd-samples 2)
  jac_reg=1.0
  features=(--epochs 1 --width 8)
  eval_n=100
  funnel=(--steps 1500)
  funnel_sweep=(--k-sweep 10 --samples 64 --bridge-steps 100 --rotation-steps 100 --projection-points 10)
elif [[ $preset == medium ]]; then
  data=(--dataset mnist)
  train=(--epochs 3 --batch 64 --lr 2e-3 --warmup 50 --base 16 --mult 1,2 --blocks 1 --grid 16 --grid-steps 50)
  vae=(--epochs 3 --batch 64 --width 16)
  sweep=(--k-sweep 10 --samples 16 --bridge-steps 200 --rotation-steps 200 --projection-points 20
         --projection-noisings 10 --jacobian 64 --probes 8 --truth-images 0 --fd-samples 4)
  jac_reg=1.0
  features=(--epochs 2 --width 16)
  eval_n=500
  funnel=(--steps 8000)
  funnel_sweep=(--k-sweep 20 --samples 128 --bridge-steps 200 --rotation-steps 200 --projection-points 20)
else
  data=(--dataset mnist)
  train=(--epochs 100 --batch 128 --lr 2e-4)
  vae=(--epochs 50 --batch 128)
  sweep=(--k-sweep 100 --samples 256 --jacobian 64 --truth-images 0)
  jac_reg=1.0
  features=(--epochs 5)
  eval_n=1000
  funnel=(--steps 20000)
  funnel_sweep=(--k-sweep 100 --samples 256)
fi
mkdir -p "$out/figures"
run() { echo "+ wgflab $*" >&2; "$wgflab" "$@"; }
# A finished stage is skipped on a re-run (a crashed one resumes: every trainer is resumable).
train_run() {  # NAME ARGS...
  local name=$1
  shift
  if [[ -f "$out/$name/run.json" ]]; then echo "reproduce: $name done, skipped" >&2; return; fi
  if [[ -f "$out/$name/checkpoint.pt" ]]; then run "$@" --out "$out/$name" --resume; else run "$@" --out "$out/$name"; fi
}

train_run mnist train "${data[@]}" "${train[@]}" --device "$device" --seed 1
train_run mnist_reg train "${data[@]}" "${train[@]}" --jac-reg "$jac_reg" --device "$device" --seed 1
train_run vae train-vae "${data[@]}" "${vae[@]}" --device "$device" --seed 2
train_run latent train "${data[@]}" "${train[@]}" --vae "$out/vae" --device "$device" --seed 3
[[ -f "$out/features/checkpoint.pt" ]] || run train-features --dataset mnist "${features[@]}" --device "$device" --out "$out/features"

for name in mnist mnist_reg latent; do
  [[ -f "$out/diag_$name.json" ]] || run diagnose --ckpt "$out/$name" "${sweep[@]}" --device "$device" --seed 7 \
    --quiet --out "$out/diag_$name.json"
  [[ -f "$out/eval_$name.json" ]] || run eval --ckpt "$out/$name" --features "$out/features" --n "$eval_n" \
    --device "$device" --quiet --out "$out/eval_$name.json"
  run report "$out/diag_$name.json" --out "$out/figures/$name"
done
run report "$out/diag_mnist.json" "$out/diag_latent.json" "$out/diag_mnist_reg.json" --out "$out/figures/all"

# Neal's funnel (engine, 2D) in the same format.
[[ -f "$out/funnel.mlp" ]] || run train2d --density funnel "${funnel[@]}" --lr-schedule cosine --seed 4 \
  --save "$out/funnel.mlp" --out "$out/funnel_train.json" --quiet
[[ -f "$out/diag_funnel.json" ]] || run diagnose2d --density funnel --field "mlp:$out/funnel.mlp" "${funnel_sweep[@]}" \
  --seed 7 --quiet --out "$out/diag_funnel.json"
run report "$out/diag_funnel.json" --out "$out/figures/funnel"

# The headline numbers, one line per run.
/usr/bin/python3 - "$out" <<'PY'
import json, sys, os
out = sys.argv[1]
print(f"{'run':<10} {'loop ratio (rotation, k mid)':>30} {'jac asym rel':>14} {'stein cancel':>13} {'frechet/floor':>14}")
for name in ["mnist", "mnist_reg", "latent", "funnel"]:
    d = json.load(open(os.path.join(out, f"diag_{name}.json")))
    rows = d["rows"]
    mid = rows[len(rows) // 2]
    lr = mid["loop_ratio"]["rotation"]["abs_mean"]
    fr = ""
    ev = os.path.join(out, f"eval_{name}.json")
    if os.path.exists(ev):
        m = json.load(open(ev))["metrics"]
        fr = f"{m['frechet']:.3g}/{m['frechet_floor']:.3g}"
    print(f"{name:<10} {lr:>30.4g} {mid['jac_asym_rel']:>14.4g} {mid['stein_cancellation'] or float('nan'):>13.4g} {fr:>14}")
PY
echo "reproduce: figures in $out/figures/"
