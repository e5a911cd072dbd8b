#!/usr/bin/python3
"""PyTorch reference for `wgflab bench`: the engine's 2D DSM training step and
probability-flow ODE sampler, written the idiomatic PyTorch way, timed on one thread.

Same model as wgf::Mlp (engine/src/mlp.cpp): input z = [x; sin/cos(w_j c)] with
c = ln(max(sigma_t, 1e-4)) / 4 and 8 frequencies w_j geometric in [1, 32] (16 features),
`depth` hidden Linear+SiLU layers of `width` units, a Linear output of dim 2, score
parameterisation (NN(x, t) is the score). Same loss (paper Eq. 16, uniform weighting):
k ~ Unif{1..T}, x_t = e^{-t_k} x0 + sigma_k eps, loss = mean_j |NN(x_t, t_k) + eps_j/sigma_k|^2,
cosine-VP schedule (T = 1000, betas clipped at 0.999, t_k = -1/2 log abar_k), Adam lr 1e-3,
data = 8 Gaussians on a ring of radius 2 with std 0.2 (sampled in torch).

Modes (one JSON object on stdout):
  train   steps/s of the full step (sampling, forward, loss, backward, Adam).
  sample  Heun steps of dx/dt = -x - NN(x, t) on P particles (no autograd), on the k grid
          from T down to 0; prints particle-steps/s (one Heun step of one particle = 1).

Rates are per second of process CPU time (wall-clock rates come along as wall_*).
Run with /usr/bin/python3 (Debian's python3-torch). BLAS threads are pinned to 1 before
torch is imported; the JSON names the BLAS library torch actually loaded.
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402

from schedule_reference import cosine_times  # noqa: E402  (bench/, next to this file)


class ScoreMlp(torch.nn.Module):
    """NN(x, t) -> score, x (B, 2), sigma (B) -> (B, 2)."""

    def __init__(self, dim=2, width=128, depth=3, time_features=16):
        super().__init__()
        half = time_features // 2
        self.register_buffer("freqs", torch.tensor([32.0 ** (j / (half - 1)) for j in range(half)]))
        layers, d_in = [], dim + time_features
        for _ in range(depth):
            layers += [torch.nn.Linear(d_in, width), torch.nn.SiLU()]
            d_in = width
        layers.append(torch.nn.Linear(d_in, dim))
        self.net = torch.nn.Sequential(*layers)

    def forward(self, x, sigma):
        c = 0.25 * torch.log(torch.clamp(sigma, min=1e-4))
        wc = c[:, None] * self.freqs[None, :]
        # Interleaved sin/cos per frequency, as the engine lays out Z.
        feats = torch.stack([torch.sin(wc), torch.cos(wc)], dim=2).reshape(x.shape[0], -1)
        return self.net(torch.cat([x, feats], dim=1))


def gmm8_sample(n, gen):
    i = torch.randint(0, 8, (n,), generator=gen)
    ang = 2 * math.pi * i.to(torch.float32) / 8
    means = 2.0 * torch.stack([torch.cos(ang), torch.sin(ang)], dim=1)
    return means + 0.2 * torch.randn(n, 2, generator=gen)


def loaded_blas():
    """The BLAS shared object this process mapped (resolved through the alternatives link)."""
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                name = os.path.basename(path)
                if "blas" in name or "mkl" in name:
                    libs.add(os.path.realpath(path))
    except OSError:
        return "unknown"
    return ", ".join(sorted(libs)) if libs else "none mapped"


def blas_kind(libs):
    if "openblas" in libs:
        return "openblas"
    if "mkl" in libs:
        return "mkl"
    if "/blas/libblas" in libs:
        return "reference"
    return "unknown"


def timed_blocks(fn, steps, reps):
    """Best-of-reps seconds per call of fn over `steps` calls: (process CPU time, wall time).

    CPU time is the headline (as in bench_core.cpp): on a shared machine the time a
    single-threaded loop waits for a core is not its cost."""
    best_cpu = best_wall = float("inf")
    for _ in range(reps):
        c0, w0 = time.process_time(), time.perf_counter()
        for _ in range(steps):
            fn()
        best_cpu = min(best_cpu, (time.process_time() - c0) / steps)
        best_wall = min(best_wall, (time.perf_counter() - w0) / steps)
    return best_cpu, best_wall


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=["train", "sample"], default="train")
    ap.add_argument("--batch", type=int, default=256, help="train: batch size")
    ap.add_argument("--particles", type=int, default=4096, help="sample: particles P")
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--steps", type=int, default=200, help="timed steps per repetition")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--reps", type=int, default=3, help="repetitions; the best is reported")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed)
    T = 1000
    tk = cosine_times(T)
    t_table = tk.to(torch.float32)
    sigma_table = torch.sqrt(-torch.expm1(-2.0 * tk)).to(torch.float32)
    model = ScoreMlp(width=a.width, depth=a.depth)

    out = {"mode": a.mode, "width": a.width, "depth": a.depth, "threads": torch.get_num_threads(),
           "torch": torch.__version__}
    if a.mode == "train":
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        B = a.batch

        def step():
            x0 = gmm8_sample(B, gen)
            k = torch.randint(1, T + 1, (B,), generator=gen)
            t, sigma = t_table[k], sigma_table[k]
            eps = torch.randn(B, 2, generator=gen)
            xt = torch.exp(-t)[:, None] * x0 + sigma[:, None] * eps
            target = -eps / sigma[:, None]
            loss = (model(xt, sigma) - target).pow(2).sum(dim=1).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            return loss

        for _ in range(a.warmup):
            step()
        cpu, wall = timed_blocks(step, a.steps, a.reps)
        out.update(batch=B, steps_per_s=1.0 / cpu, wall_steps_per_s=1.0 / wall, loss=float(step()))
    else:
        P = a.particles
        ks = torch.arange(T, -1, -1)  # the k grid T -> 0, one step per index
        n_steps = min(a.steps, T)
        x = torch.randn(P, 2, generator=gen)

        @torch.no_grad()
        def vel(y, i):
            sig = sigma_table[ks[i]].expand(P)
            return -y - model(y, sig)

        state = {"x": x, "i": 0}

        @torch.no_grad()
        def heun():
            i = state["i"] % n_steps
            y = state["x"] if i else x
            h = float(t_table[ks[i + 1]] - t_table[ks[i]])
            k1 = vel(y, i)
            k2 = vel(y + h * k1, i + 1)
            state["x"] = y + 0.5 * h * (k1 + k2)
            state["i"] += 1

        for _ in range(a.warmup):
            heun()
        cpu, wall = timed_blocks(heun, n_steps, a.reps)
        out.update(particles=P, heun_steps_per_s=1.0 / cpu, particle_steps_per_s=P / cpu,
                   wall_particle_steps_per_s=P / wall)
    libs = loaded_blas()
    out.update(blas=blas_kind(libs), blas_library=libs)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
