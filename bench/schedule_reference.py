"""The engine's cosine-VP schedule in PyTorch, shared by the Python references of bench/
(torch_reference.py for the 2D MLP, images/unet_reference.py for the U-Net). Importing it has
no side effects (torch_reference.py pins BLAS threads before importing torch; this module does
not touch the environment)."""
import math

import torch


def cosine_times(T=1000, s=0.008, max_beta=0.999):
    """t_k, k = 0..T, float64 (engine/src/schedule.cpp make_cosine_vp): betas clipped at
    max_beta, t_k = -1/2 log abar_k."""
    k = torch.arange(T + 1, dtype=torch.float64)
    f = torch.cos(((k / T) + s) / (1 + s) * math.pi / 2) ** 2
    abar = f / f[0]
    betas = torch.clamp(1 - abar[1:] / abar[:-1], max=max_beta)
    log_abar = torch.cumsum(torch.log1p(-betas), 0)
    return torch.cat([torch.zeros(1, dtype=torch.float64), -0.5 * log_abar])
