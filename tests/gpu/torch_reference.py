#!/usr/bin/python3
"""PyTorch reference for WGF Lab's image diagnostics (issue 7's cross-check).

Reads CASE.json written by tests/gpu/test_gpu_torch.cpp: a TorchScript model file, the
schedule quantities at one t (sigma, the output kind), a point x (C, H, W), the sampled
coordinates I, one rotation path y_0..y_L (flattened images, y_L = y_0) with its centre m x0
and shell radius, and WGF Lab's own results. Recomputes independently with PyTorch:
  - the |I| x |I| sub-Jacobian by reverse mode (torch.autograd.functional.jacobian of the
    whole map, then rows and columns I), against WGF Lab's forward-mode JVPs;
  - the rotation path's midpoint line integral sum_i s(y_mid_i) . (y_{i+1} - y_i) (Eq. 4)
    and its Eq. 7 ratio, evaluating the model itself at the midpoints;
  - that the path is a rotation path: closed, and on the noise shell |y - m x0| = sigma |eps|.
Prints the differences and exits 1 beyond tolerance (float32 model: relative 1e-4).
"""
import json
import sys

import torch


def main(case_path):
    case = json.load(open(case_path))
    model = torch.jit.load(case["model"]).eval()
    shape = case["shape"]
    t = float(case["t"])
    scale = -1.0 / case["sigma"] if case["output"] == "eps" else 1.0

    def score(flat):  # (B, D) float64 -> (B, D) float64, through the float32 model
        x = flat.to(torch.float32).reshape([flat.shape[0]] + shape)
        out = model(x, torch.full((flat.shape[0],), t, dtype=torch.float32))
        return out.reshape(flat.shape[0], -1).to(torch.float64) * scale

    failures = []

    # Sub-Jacobian by reverse mode on the full map.
    x = torch.tensor(case["x"], dtype=torch.float64)
    idx = torch.tensor(case["coords"], dtype=torch.long)
    full = torch.autograd.functional.jacobian(lambda v: score(v.unsqueeze(0))[0], x)
    sub = full[idx][:, idx]
    ours = torch.tensor(case["jacobian"], dtype=torch.float64)  # J[r][c] = d s_{I_r} / d x_{I_c}
    rel = ((sub - ours).norm() / sub.norm()).item()
    asym = (sub - sub.T).abs()
    iu = torch.triu_indices(len(idx), len(idx), 1)
    asym_mean = asym[iu[0], iu[1]].mean().item()
    print(f"sub-Jacobian |I| = {len(idx)}: relative difference {rel:.3e}; asymmetry mean {asym_mean:.6e} "
          f"(WGF Lab {case['asym_mean']:.6e})")
    if rel > 1e-4:
        failures.append(f"sub-Jacobian differs by {rel:.3e}")
    if abs(asym_mean - case["asym_mean"]) > 1e-4 * max(abs(asym_mean), 1e-12):
        failures.append("asymmetry mean differs")

    # Rotation path: shape, then the line integral.
    y = torch.tensor(case["path"], dtype=torch.float64)  # (L + 1, D)
    centre = torch.tensor(case["centre"], dtype=torch.float64)
    radius = (y - centre).norm(dim=1)
    if not torch.equal(y[0], y[-1]):
        failures.append("the path is not closed")
    spread = ((radius - case["radius"]).abs().max() / case["radius"]).item()
    if spread > 1e-9:
        failures.append(f"the path leaves the noise shell (relative {spread:.3e})")
    mid = 0.5 * (y[1:] + y[:-1])
    dy = y[1:] - y[:-1]
    with torch.no_grad():
        s_mid = score(mid)
    integral = (s_mid * dy).sum().item()
    norm = (mid.norm(dim=1) * dy.norm(dim=1)).sum().item()
    ratio = 2 * integral / norm
    print(f"rotation path L = {dy.shape[0]}: integral {integral:.9e} (WGF Lab {case['integral']:.9e}), "
          f"ratio {ratio:.9e} (WGF Lab {case['ratio']:.9e})")
    # Each term is float32-accurate (~1e-7 relative to |s||dy|); the sum of L terms of both
    # signs is compared against the size of the terms, not of the (small) total.
    term_scale = (s_mid.norm(dim=1) * dy.norm(dim=1)).sum().item()
    if abs(integral - case["integral"]) > 1e-5 * term_scale:
        failures.append(f"loop integral differs: {integral} vs {case['integral']} (terms {term_scale})")
    if abs(ratio - case["ratio"]) > 1e-5 * 2 * term_scale / norm:
        failures.append("loop ratio differs")

    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
