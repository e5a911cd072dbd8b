#!/usr/bin/python3
"""A diagnose sweep of an image model: `wgflab diagnose` against a PyTorch reference doing the
same work, measured in one run, interleaved rounds, as a ratio reference / wgflab time
(issue 7: target >= 2x faster).

The work per k (every count equal on both sides; the random draws differ):
  S forward samples x_t = m x0 + sigma eps, x0 from the empirical training set;
  S paths of each kind, every segment midpoint evaluated by the network (Eq. 4, Eq. 7):
    Brownian bridge (--bridge-steps segments, U = 9), rotation (--rotation-steps), projection
    (--noisings x --points);
  the |I| x |I| sub-Jacobian at the S samples by forward-mode AD (|I| JVPs per sample), and at
  --fd-samples further samples both by JVPs and by central differences (2 |I| evaluations);
  the Stein check at the S samples: e = s_true - s_net, and div e by --probes Rademacher
  probes: a network JVP and a central difference of the exact score per probe;
  the exact score: the Gaussian mixture centred at m x_i over --truth-images training images,
  in float64 (as the engine's EmpiricalDensity).

The reference has two modes, both timed every round:
  paper   the procedure as the paper describes it, one sample at a time: each path's midpoints
          in one network call, a sample's |I| JVP directions in one call (as torch.func.jvp
          over a vmapped basis), its probes in one call; times t as (B,) tensors.
  tuned   the same work with wgflab's batching choices: calls of --ref-batch images across
          paths and samples, one shared t (1,) per call, and glibc's allocator tuned as wgflab
          tunes it (GLIBC_TUNABLES). What is left of the ratio here is what LibTorch/C++ adds.
Both sides run the same network: the mirror U-Net (unet_reference.py) with the checkpoint's
EMA weights copied by name. The clocks cover the sweep after the model and data are loaded
(wgflab: metrics.diagnose_seconds, which also includes its data load: a bias against wgflab).

  /usr/bin/python3 bench/images/bench_diagnose.py                      # trains a tiny model first
  /usr/bin/python3 bench/images/bench_diagnose.py --ckpt RUN --ks 500 --samples 16 --rounds 3
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TUNABLES = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=536870912"


# ------------------------------------------------------------------------------ the reference

def reference(a):
    """Runs the sweep in PyTorch; prints {"seconds": ..., "evals": ...} as JSON."""
    import torch
    sys.path.insert(0, HERE)
    import unet_reference as U
    import torch.autograd.forward_ad as fwAD
    torch.set_num_threads(a.threads)
    cfg, ar = U.load_cpp_checkpoint(os.path.join(a.ckpt, "checkpoint.pt"))
    net = U.UNet(**cfg["unet"]).eval()
    src = dict(ar.ema.named_parameters())
    with torch.no_grad():
        for n, p in net.named_parameters():
            p.copy_(src[n])
    store = U.load_mnist_train()[: a.truth_images]
    data = U.to_unit(store).reshape(store.shape[0], -1).to(torch.float64)  # (M, D)
    data_sq = (data * data).sum(1)
    shape = tuple(store.shape[1:])
    D = data.shape[1]
    times = U.cosine_times(1000)  # t_k, k = 0..T
    gen = torch.Generator().manual_seed(a.seed)
    paper = a.mode == "paper"
    evals = 0

    def net_call(x, t, tangent=None):
        """Network output -> score s = -out / sigma_t; x (B, D) float32; J v with a tangent."""
        nonlocal evals
        evals += x.shape[0]
        sigma = math.sqrt(-math.expm1(-2 * t))
        tt = torch.full((1,) if not paper else (x.shape[0],), t)
        xi = x.reshape((-1,) + shape)
        with torch.no_grad():
            if tangent is None:
                out = net(xi, tt)
            else:
                with fwAD.dual_level():
                    out = fwAD.unpack_dual(net(fwAD.make_dual(xi, tangent.reshape(xi.shape)), tt)).tangent
        return -out.reshape(x.shape[0], D) / sigma

    def calls(x, t, tangent=None):
        """x (B, D): one call (paper) or chunks of --ref-batch (tuned)."""
        if paper:
            return net_call(x, t, tangent)
        outs = []
        for i in range(0, x.shape[0], a.ref_batch):
            outs.append(net_call(x[i:i + a.ref_batch], t, None if tangent is None else tangent[i:i + a.ref_batch]))
        return torch.cat(outs)

    def exact_score(x, m, sigma):
        """Empirical mixture score at x (B, D) float64: (sum_i w_i m x_i - x) / sigma^2."""
        logits = -(data_sq * m * m - 2 * m * (x @ data.T) + (x * x).sum(1, keepdim=True)) / (2 * sigma * sigma)
        w = torch.softmax(logits, 1)
        return (m * (w @ data) - x) / (sigma * sigma)

    def truth(x, m, sigma):
        if paper:
            return exact_score(x, m, sigma)
        return torch.cat([exact_score(x[i:i + a.ref_batch], m, sigma) for i in range(0, x.shape[0], a.ref_batch)])

    def segments(y):
        """y (L + 1, D) closed path -> its segments' midpoints and differences (Eq. 4's midpoint rule)."""
        return 0.5 * (y[1:] + y[:-1]), y[1:] - y[:-1]

    def integrate(paths, t):
        """paths: list of (L + 1, D) float32 -> Eq. 7 ratios."""
        if paper:
            out = []
            for y in paths:
                mid, dy = segments(y)
                s = net_call(mid, t)
                out.append(2 * (s * dy).sum() / (mid.norm(dim=1) * dy.norm(dim=1)).sum())
            return out
        mids, dys = zip(*(segments(y) for y in paths))
        mid, dy = torch.cat(mids), torch.cat(dys)
        s = calls(mid, t)
        L = paths[0].shape[0] - 1
        inner = (s * dy).sum(1).reshape(len(paths), L).sum(1)
        norm = (mid.norm(dim=1) * dy.norm(dim=1)).reshape(len(paths), L).sum(1)
        return list(2 * inner / norm)

    ks = [round(1 + i * 999 / (a.k_sweep - 1)) for i in range(a.k_sweep)] if not a.ks else [int(k) for k in a.ks.split(",")]
    t0 = time.perf_counter()
    for k in ks:
        t = float(times[k])
        m, sigma = math.exp(-t), math.sqrt(-math.expm1(-2 * t))
        S = a.samples
        x0 = data[torch.randint(0, data.shape[0], (S,), generator=gen)].to(torch.float32)
        eps = torch.randn(S, D, generator=gen)
        xt = m * x0 + sigma * eps
        # Brownian bridges.
        L = a.bridge_steps
        paths = []
        for p in range(S):
            W = torch.cat([torch.zeros(1, D), torch.cumsum(math.sqrt(9.0 / L) * torch.randn(L, D, generator=gen), 0)])
            u = torch.arange(L + 1, dtype=torch.float32).unsqueeze(1) / L
            y = xt[p] + W - u * W[-1]
            y[-1] = y[0]
            paths.append(y)
        integrate(paths, t)
        # Rotations: random pairs turned by 2 pi u.
        L = a.rotation_steps
        ang = 2 * math.pi * torch.arange(L + 1, dtype=torch.float32).unsqueeze(1) / L
        c, s_ = torch.cos(ang), torch.sin(ang)
        paths = []
        for p in range(S):
            perm = torch.randperm(D, generator=gen)
            ia, ib = perm[0:D - 1:2], perm[1:D:2]
            e = eps[p].repeat(L + 1, 1)
            e[:, ia] = c * eps[p, ia] + s_ * eps[p, ib]
            e[:, ib] = -s_ * eps[p, ia] + c * eps[p, ib]
            y = m * x0[p] + sigma * e
            y[-1] = y[0]
            paths.append(y)
        integrate(paths, t)
        # Projections: K noisings joined cyclically, projected onto the noise shell.
        K, n = a.noisings, a.points
        lam = (torch.arange(n, dtype=torch.float32) / n).unsqueeze(1)
        paths = []
        for p in range(S):
            z = sigma * torch.randn(K, D, generator=gen)
            r = z.norm(dim=1)
            segs = []
            for q in range(K):
                q1 = (q + 1) % K
                zl = (1 - lam) * z[q] + lam * z[q1]
                rl = (1 - lam) * r[q] + lam * r[q1]
                segs.append(m * x0[p] + (rl / zl.norm(dim=1, keepdim=True)) * zl)
            segs.append(segs[0][:1])
            paths.append(torch.cat(segs))
        integrate(paths, t)
        # Sub-Jacobian by JVPs (|I| directions per sample).
        I = torch.randperm(D, generator=gen)[: a.jacobian].sort().values
        basis = torch.zeros(len(I), D)
        basis[torch.arange(len(I)), I] = 1
        if paper:
            for p in range(S):
                calls(xt[p].repeat(len(I), 1), t, basis)[:, I]
        else:
            calls(xt.repeat_interleave(len(I), 0), t, basis.repeat(S, 1))
        # JVP vs central differences at fd-samples fresh samples: both sub-Jacobians.
        xf = m * data[torch.randint(0, data.shape[0], (a.fd_samples,), generator=gen)].to(torch.float32)
        xf = xf + sigma * torch.randn(a.fd_samples, D, generator=gen)
        for p in range(a.fd_samples):
            calls(xf[p].repeat(len(I), 1), t, basis)
            h = 1e-2 * max(1.0, float(xf[p].abs().max()))
            calls(torch.cat([xf[p] + h * basis, xf[p] - h * basis]), t)
        # Stein check: e, and div e from Rademacher probes.
        P = a.probes
        s_true = truth(xt.to(torch.float64), m, sigma)
        s_net = calls(xt, t)
        e = s_true - s_net.to(torch.float64)
        V = (torch.randint(0, 2, (S * P, D), generator=gen) * 2 - 1).to(torch.float64)
        X = xt.to(torch.float64).repeat_interleave(P, 0)
        hx = 6e-6 * X.abs().max(1, keepdim=True).values.clamp_min(1.0)
        if paper:
            div = []
            for p in range(S):
                sl = slice(p * P, (p + 1) * P)
                jt = (truth(X[sl] + hx[sl] * V[sl], m, sigma) - truth(X[sl] - hx[sl] * V[sl], m, sigma)) / (2 * hx[sl])
                jn = calls(X[sl].to(torch.float32), t, V[sl].to(torch.float32)).to(torch.float64)
                div.append(((jt - jn) * V[sl]).sum(1))
        else:
            jt = (truth(X + hx * V, m, sigma) - truth(X - hx * V, m, sigma)) / (2 * hx)
            jn = calls(X.to(torch.float32), t, V.to(torch.float32)).to(torch.float64)
            ((jt - jn) * V).sum(1)
        (e * s_true).sum(1)
    secs = time.perf_counter() - t0
    print(json.dumps({"seconds": secs, "evals": evals, "ks": ks, "mode": a.mode}))


# ------------------------------------------------------------------------------ the benchmark

def run(cmd, env=None):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-3000:]}")
    return p.stdout


def shared_args(a):
    """The sweep's sizes, spelled the same for wgflab diagnose and the reference."""
    return ["--samples", str(a.samples), "--bridge-steps", str(a.bridge_steps), "--rotation-steps",
            str(a.rotation_steps), "--jacobian", str(a.jacobian), "--probes", str(a.probes), "--fd-samples",
            str(a.fd_samples), "--truth-images", str(a.truth_images), "--seed", str(a.seed), "--threads", str(a.threads),
            "--ckpt", a.ckpt, "--ks", a.ks]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wgflab", default=os.path.join(REPO, "build", "default", "native", "cli", "wgflab"))
    ap.add_argument("--ckpt", help="a `wgflab train` run of the MNIST U-Net (default: train a tiny one)")
    ap.add_argument("--ks", default="500", help="k values (comma-separated)")
    ap.add_argument("--k-sweep", type=int, default=0, help="instead of --ks: this many k over 1..1000")
    ap.add_argument("--samples", type=int, default=8, help="samples per k (256 in the paper)")
    ap.add_argument("--bridge-steps", type=int, default=1000)
    ap.add_argument("--rotation-steps", type=int, default=1000)
    ap.add_argument("--noisings", type=int, default=10)
    ap.add_argument("--points", type=int, default=100)
    ap.add_argument("--jacobian", type=int, default=64)
    ap.add_argument("--probes", type=int, default=16)
    ap.add_argument("--fd-samples", type=int, default=8)
    ap.add_argument("--truth-images", type=int, default=10000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ref-batch", type=int, default=64, help="the tuned reference's images per call")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--json", help="write all numbers here")
    ap.add_argument("--reference", choices=["paper", "tuned"], dest="mode", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.k_sweep:
        a.ks = ",".join(str(round(1 + i * 999 / (a.k_sweep - 1))) for i in range(a.k_sweep))
    if a.mode:
        return reference(a)
    if not os.access(a.wgflab, os.X_OK):
        sys.exit(f"{a.wgflab} not built (scripts/build.sh with LibTorch)")
    tmp = tempfile.mkdtemp(prefix="bench_diag_")
    if not a.ckpt:
        a.ckpt = os.path.join(tmp, "run")
        print("training a tiny MNIST U-Net (base 8, mult 1,2, blocks 1) ...", flush=True)
        run([a.wgflab, "train", "--dataset", "mnist", "--max-images", "1024", "--base", "8", "--mult", "1,2",
             "--blocks", "1", "--max-steps", "60", "--batch", "32", "--lr", "1e-3", "--warmup", "10", "--grid", "0",
             "--threads", str(a.threads), "--quiet", "--out", a.ckpt])
    me = [sys.executable, os.path.abspath(__file__), "--noisings", str(a.noisings), "--points", str(a.points),
          "--ref-batch", str(a.ref_batch)] + shared_args(a)
    base_env = dict(os.environ)
    tuned_env = dict(os.environ, GLIBC_TUNABLES=TUNABLES)
    rows = []
    for r in range(a.rounds):
        out = os.path.join(tmp, f"diag_{r}.json")
        row = {}
        order = ["wgflab", "paper", "tuned"] if r % 2 == 0 else ["tuned", "paper", "wgflab"]
        for side in order:
            if side == "wgflab":
                run([a.wgflab, "diagnose", "--quiet", "--out", out, "--projection-noisings", str(a.noisings),
                     "--projection-points", str(a.points)] + shared_args(a),
                    env=base_env)
                row["wgflab"] = json.load(open(out))["metrics"]["diagnose_seconds"]
            else:
                res = json.loads(run(me + ["--reference", side], env=tuned_env if side == "tuned" else base_env))
                row[side] = res["seconds"]
                row["evals"] = res["evals"]
        row["paper_ratio"] = row["paper"] / row["wgflab"]
        row["tuned_ratio"] = row["tuned"] / row["wgflab"]
        rows.append(row)
        print(f"round {r + 1}: wgflab {row['wgflab']:.2f} s, reference paper {row['paper']:.2f} s "
              f"({row['paper_ratio']:.2f}x), tuned {row['tuned']:.2f} s ({row['tuned_ratio']:.2f}x); "
              f"{row['evals']} network images", flush=True)
    nk = len(a.ks.split(","))
    med = statistics.median(x["wgflab"] for x in rows)
    full = med / (nk * a.samples) * 100 * 256
    summary = {"paper_ratio_median": statistics.median(x["paper_ratio"] for x in rows),
               "tuned_ratio_median": statistics.median(x["tuned_ratio"] for x in rows),
               "wgflab_seconds_per_sample_k": med / (nk * a.samples),
               "full_sweep_hours_extrapolated": full / 3600}
    print(f"median ratio reference/wgflab: paper {summary['paper_ratio_median']:.2f}x, "
          f"tuned {summary['tuned_ratio_median']:.2f}x (target >= 2x); wgflab "
          f"{summary['wgflab_seconds_per_sample_k']:.3f} s per (sample, k): a full sweep "
          f"(100 k x 256 samples) would take {summary['full_sweep_hours_extrapolated']:.1f} h on this CPU")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"args": vars(a), "rounds": rows, "summary": summary}, f, indent=1)


if __name__ == "__main__":
    main()
