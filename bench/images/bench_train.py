#!/usr/bin/python3
"""Training images/s of the LibTorch U-Net trainer (`wgflab train`) against the same U-Net and
loop in PyTorch (bench/images/unet_reference.py), measured in one run, interleaved rounds, as
a ratio C++ / PyTorch (issue 6; target >= 1.0).

Each round runs, as two fresh child processes with the same environment, threads and batch
(the order alternates between rounds):
  C++     wgflab train --dataset mnist --max-steps S --batch B --threads T --grid 0 --quiet --out DIR
  PyTorch unet_reference.py --train --steps S --batch B --threads T
Two rates per side:
  loop    images/s of the whole training loop, S steps: the C++ run.json metrics.images_per_s
          (image_train.cpp: clock from just before the first step to after the last, so it
          includes the first steps' warm-up and the final checkpoint write); the PyTorch side
          times the same span and writes the same checkpoint content at the end.
  steady  images/s from step --skip to the end (first steps discarded, the final checkpoint
          write excluded). C++: step end times rebuilt from loss.csv (its images_per_s column is
          a rate over a window that restarts whenever it exceeds 0.5 s); PyTorch: per-step
          timestamps, over the same steps.
Both processes load the data and build the model before their clocks start.

  /usr/bin/python3 bench/images/bench_train.py                     # MNIST preset, B 64, T 2, S 20, 3 rounds
  /usr/bin/python3 bench/images/bench_train.py --steps 40 --batch 128 --threads 4
  /usr/bin/python3 bench/images/bench_train.py --check             # also the mirror check (loss replay)
  /usr/bin/python3 bench/images/bench_train.py --device cuda       # passthrough (untested)
"""
import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
REF = os.path.join(HERE, "unet_reference.py")
# What wgflab's init_runtime sets with mallopt (32 MiB mmap threshold, 512 MiB trim threshold).
TUNABLES = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=536870912"


def net_args(a):
    out = []
    if a.base:
        out += ["--base", str(a.base)]
    if a.mult:
        out += ["--mult", a.mult]
    if a.blocks:
        out += ["--blocks", str(a.blocks)]
    return out


def run(cmd, env=None):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-3000:]}")
    return p.stdout


def cpp_step_times(loss_csv, batch):
    """{step: seconds since the loop's start} at the steps where the C++ rate window restarted
    (every step when steps take > 0.5 s)."""
    times, last_step, last_t = {0: 0.0}, 0, 0.0
    with open(loss_csv) as f:
        for row in csv.DictReader(f):
            step, ips = int(row["step"]), float(row["images_per_s"])
            if ips <= 0:
                continue
            dt = (step - last_step) * batch / ips
            if dt > 0.5:
                last_t += dt
                last_step = step
                times[step] = last_t
    return times


def steady_window(cpp_times, steps, skip):
    """First and last step (>= skip) at which the C++ times are known."""
    known = sorted(s for s in cpp_times if s >= skip)
    if len(known) < 2:
        return None
    return known[0], known[-1]


def cpp_round(a, tmp, i):
    out = os.path.join(tmp, f"cpp{i}")
    cmd = [a.wgflab, "train", "--dataset", "mnist", "--max-steps", str(a.steps), "--batch", str(a.batch),
           "--threads", str(a.threads), "--grid", "0", "--quiet", "--device", a.device, "--out", out] + net_args(a)
    t = time.perf_counter()
    run(cmd)
    wall = time.perf_counter() - t
    with open(os.path.join(out, "run.json")) as f:
        m = json.load(f)["metrics"]
    times = cpp_step_times(os.path.join(out, "loss.csv"), a.batch)
    shutil.rmtree(out, ignore_errors=True)
    return {"loop": m["images_per_s"], "times": times, "parameters": m["parameters"], "wall": wall}


def py_round(a, tmp, i, cache):
    cmd = [sys.executable, REF, "--train", "--steps", str(a.steps), "--batch", str(a.batch), "--threads",
           str(a.threads), "--device", a.device, "--cache", cache, "--ckpt-out", os.path.join(tmp, f"py{i}.pt")]
    cmd += net_args(a)
    env = dict(os.environ, GLIBC_TUNABLES=TUNABLES) if a.py_tunables else None
    t = time.perf_counter()
    r = json.loads(run(cmd, env))
    r["wall"] = time.perf_counter() - t
    try:
        os.remove(os.path.join(tmp, f"py{i}.pt"))
    except OSError:
        pass
    return r


def mirror_check(a, tmp, cache):
    """Trains 8 steps in C++ (constant LR 2e-3), copies the checkpoint, resumes for step 9, and
    replays step 9 in PyTorch from that checkpoint (weights by name, RNG state, permutation)."""
    run_dir = os.path.join(tmp, "check")
    base = [a.wgflab, "train", "--threads", str(a.threads), "--grid", "0", "--quiet", "--out", run_dir]
    run(base + ["--dataset", "mnist", "--max-steps", "8", "--batch", "16", "--lr", "2e-3", "--lr-schedule", "constant",
                "--warmup", "0"] + net_args(a))
    at8 = os.path.join(tmp, "check8")
    os.makedirs(at8)
    shutil.copy(os.path.join(run_dir, "checkpoint.pt"), at8)
    run(base + ["--resume", "--max-steps", "9"])
    with open(os.path.join(run_dir, "loss.csv")) as f:
        cpp_loss = float([r for r in csv.DictReader(f)][-1]["loss"])
    r = json.loads(run([sys.executable, REF, "--check", at8, "--cache", cache]))
    rel = abs(r["loss"] - cpp_loss) / abs(cpp_loss)
    ok = r["names_equal"] and r["shapes_equal"] and r["parameters"] == r["cpp_parameters"] and rel < 1e-5
    print(f"mirror check: parameters C++ {r['cpp_parameters']} / PyTorch {r['parameters']}, names+shapes "
          f"{'equal' if r['names_equal'] and r['shapes_equal'] else 'DIFFER'}; step-9 loss C++ {cpp_loss:.6g} "
          f"(loss.csv, 6 digits) / PyTorch replay {r['loss']:.8g} -> {'OK' if ok else 'MISMATCH'}")
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--base", type=int, default=0, help="U-Net width (0: the MNIST preset, 48)")
    ap.add_argument("--mult", default="", help="e.g. 1,2,2 (empty: preset)")
    ap.add_argument("--blocks", type=int, default=0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--skip", type=int, default=3, help="steps discarded by the steady rate")
    ap.add_argument("--device", default="cpu", help="cpu | cuda (passed to both sides; untested)")
    ap.add_argument("--wgflab", default=os.path.join(REPO, "build", "gpu-dev", "native", "cli", "wgflab"))
    ap.add_argument("--check", action="store_true", help="run the mirror check first")
    ap.add_argument("--omp-passive", action="store_true",
                    help="OMP_WAIT_POLICY=PASSIVE for both children: on a machine whose cores are busy with other "
                         "work, spinning OpenMP workers (libgomp's default) waste most of the time (see README)")
    ap.add_argument("--py-tunables", action="store_true",
                    help="give the PyTorch side glibc's allocator settings that wgflab sets for itself "
                         "(gpu/src/api.cpp init_runtime) through GLIBC_TUNABLES: isolates what the allocator is worth")
    ap.add_argument("--json", help="write all numbers here")
    a = ap.parse_args()
    if not os.access(a.wgflab, os.X_OK):
        sys.exit(f"no wgflab binary at {a.wgflab} (ninja -C build/gpu-dev wgflab)")
    if a.omp_passive:
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    if a.steps <= a.skip + 1:
        sys.exit("--steps must exceed --skip + 1")

    tmp = tempfile.mkdtemp(prefix="wgf_bench_images_")
    try:
        cache = os.path.join(tmp, "mnist_train_u8.npy")
        run([sys.executable, "-c", f"import sys; sys.path.insert(0, {HERE!r}); import unet_reference as u; "
                                   f"u.load_mnist_train(cache={cache!r})"])
        print(f"U-Net {'preset' if not (a.base or a.mult or a.blocks) else net_args(a)}, batch {a.batch}, "
              f"threads {a.threads}, {a.steps} steps, {a.rounds} rounds, device {a.device}, steady = steps "
              f"{a.skip}..{a.steps}, OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset)')}"
              f"{', PyTorch with GLIBC_TUNABLES' if a.py_tunables else ''}")
        if a.check and not mirror_check(a, tmp, cache):
            print("WARNING: the mirror differs from the C++ network")
        rows = []
        print(f"{'round':>5} | {'C++ loop':>9} {'Py loop':>9} {'ratio':>6} | {'C++ steady':>10} {'Py steady':>10} "
              f"{'ratio':>6} | window")
        for i in range(a.rounds):
            if i % 2 == 0:
                c = cpp_round(a, tmp, i)
                p = py_round(a, tmp, i, cache)
            else:
                p = py_round(a, tmp, i, cache)
                c = cpp_round(a, tmp, i)
            if c["parameters"] != p["parameters"]:
                sys.exit(f"parameter counts differ: C++ {c['parameters']}, PyTorch {p['parameters']}")
            w = steady_window(c["times"], a.steps, a.skip)
            cs = ps = None
            if w:
                s0, s1 = w
                cs = (s1 - s0) * a.batch / (c["times"][s1] - c["times"][s0])
                ps = (s1 - s0) * a.batch / (p["stamps"][s1 - 1] - p["stamps"][s0 - 1])
            r = {"round": i, "cpp_loop": c["loop"], "py_loop": p["images_per_s"], "cpp_steady": cs, "py_steady": ps,
                 "window": w, "cpp_step_times": c["times"], "py_stamps": p["stamps"]}
            rows.append(r)
            fmt = lambda v: f"{v:10.2f}" if v else f"{'-':>10}"  # noqa: E731
            print(f"{i:>5} | {c['loop']:9.2f} {p['images_per_s']:9.2f} {c['loop'] / p['images_per_s']:6.3f} | "
                  f"{fmt(cs)} {fmt(ps)} {(cs / ps if cs else float('nan')):6.3f} | {w[0] if w else '-'}..{w[1] if w else '-'}",
                  flush=True)

        def summary(key):
            cpp = [r["cpp_" + key] for r in rows if r["cpp_" + key]]
            py = [r["py_" + key] for r in rows if r["py_" + key]]
            ratios = [r["cpp_" + key] / r["py_" + key] for r in rows if r["cpp_" + key] and r["py_" + key]]
            if not ratios:
                return None
            return {"cpp_best": max(cpp), "py_best": max(py), "best_ratio": max(cpp) / max(py),
                    "median_ratio": statistics.median(ratios)}

        out = {"config": vars(a), "rounds": rows}
        for key in ("loop", "steady"):
            s = summary(key)
            out[key] = s
            if s:
                print(f"{key:>6}: best C++ {s['cpp_best']:.2f} img/s, best PyTorch {s['py_best']:.2f} img/s, "
                      f"best-of ratio {s['best_ratio']:.3f}, median ratio {s['median_ratio']:.3f}  (target >= 1.0)")
        if a.json:
            with open(a.json, "w") as f:
                json.dump(out, f, indent=1, default=str)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
