#!/usr/bin/python3
"""The fused Muon + soft-cap update (`lipopt.muon_soft_cap`, what `lipc
compile` builds) against the unfused sequence of the same ops (`lipc compile
--no-fuse`) and against PyTorch's unfused version (bench/reference/
lipoptim.py: momentum, Newton-Schulz, update, soft cap; float32, eager), per
weight shape of the examples, measured alternately in one run.

lipc's update is timed as the training step of a one-layer model at batch 1,
where the forward and backward pass are a matrix-vector product each: the step
is the update plus the runtime's copies of the weight and its state.

With --device cuda (a machine with an NVIDIA GPU): lipc's binaries are built
with --gpu and run on the GPU, PyTorch runs on the GPU when it has CUDA.

usage: /usr/bin/python3 bench/fused_update.py [--build DIR] [--rounds N] [--steps N] [--device cpu|cuda]
Needs Debian's python3-torch (hence /usr/bin/python3) and a build."""
import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench", "reference"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from binary_timing import seconds_per_step  # noqa: E402
from lipoptim import coupling, momentum, ns, soft_cap  # noqa: E402

LR, BETA, W_MAX, NS_MAX_SIGMA = 0.1, 0.9, 1.0, 0.99934
# (name, fan_in, fan_out): the weight is fan_out x fan_in.
SHAPES = [("mlp in 512x3072", 3072, 512), ("mlp hidden 512x512", 512, 512),
          ("gpt mlp in 1024x256", 256, 1024), ("gpt q/k/v 256x256", 256, 256)]

SPEC = """constraint default {{ method = soft_cap, w_max = {w_max} }}
model one(x: features({fan_in}, rms = 1.0)) {{
  return linear(x, {fan_out}, name = "w")
}}
train {{
  data = csv("update.csv")
  optimizer = muon(lr = {lr}, momentum = {beta}, nesterov = false)
  steps = 100000
  batch = 1
}}
"""


def write_update_case(directory, fan_in, fan_out):
    """The one-weight model of a fan_out x fan_in weight (its spec) and 8
    random rows of its data, written to `directory`; (spec path, csv path)."""
    rows = np.concatenate([np.random.default_rng(0).random((8, fan_in)), np.zeros((8, 1))], axis=1)
    csv = os.path.join(directory, f"update-{fan_out}x{fan_in}.csv")
    np.savetxt(csv, rows, delimiter=",", fmt="%.4g")
    spec = os.path.join(directory, f"update-{fan_out}x{fan_in}.lip")
    with open(spec, "w") as f:
        f.write(SPEC.format(w_max=W_MAX, fan_in=fan_in, fan_out=fan_out, lr=LR, beta=BETA))
    return spec, csv


def muon_soft_cap_update(w, buf, g, scale, alpha):
    """PyTorch's unfused sequence: momentum, Newton-Schulz, update, soft cap;
    the new (weight, momentum)."""
    buf, update = momentum(buf, g, BETA, False)
    return soft_cap(w - LR * scale * ns(update), alpha, W_MAX), buf


def torch_seconds_per_update(fan_in, fan_out, steps, threads, device="cpu", update=muon_soft_cap_update):
    """Median seconds of `update` (muon_soft_cap_update or a torch.compile
    of it) on `device`; the first call (compilation) is left out."""
    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(0)
    w = (torch.randn(fan_out, fan_in, generator=gen) / fan_in ** 0.5).to(device)
    buf = torch.zeros_like(w)
    grads = [torch.randn(fan_out, fan_in, generator=gen).to(device) for _ in range(2)]
    scale = math.sqrt(fan_out / fan_in)
    alpha = coupling(1 + LR * NS_MAX_SIGMA / W_MAX)
    times = []
    for s in range(steps + 1):
        start = time.perf_counter()
        w, buf = update(w, buf, grads[s % 2], scale, alpha)
        w.sum().item()  # waits for the device
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    args = parser.parse_args()
    gpu = args.device == "cuda"
    torch_device = "cuda" if gpu and torch.cuda.is_available() else "cpu"
    if gpu and torch_device == "cpu":
        print(f"torch {torch.__version__} has no CUDA here: PyTorch runs on the CPU")
    lipc = os.path.join(args.build, "bin", "lipc")
    print(f"torch {torch.__version__}; milliseconds per update (median of {args.rounds} rounds)")
    print(f"{'weight':<22}{'fused':>8}{'unfused':>9}{'torch':>8}{'torch-1t':>10}"
          f"{'unfused/fused':>15}{'torch/fused':>13}{'torch-1t/fused':>16}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, fan_in, fan_out in SHAPES:
            spec, csv = write_update_case(tmp, fan_in, fan_out)
            binaries = {}
            for variant, flags in (("fused", []), ("unfused", ["--no-fuse"])):
                binaries[variant] = os.path.join(tmp, variant)
                subprocess.run([lipc, "compile", spec, "-o", binaries[variant]] + flags + (["--gpu"] if gpu else []),
                               check=True, stdout=subprocess.DEVNULL)
            times = {k: [] for k in ("fused", "unfused", "torch", "torch-1t")}
            log = os.path.join(tmp, "log.jsonl")
            for _ in range(args.rounds):
                for variant, binary in binaries.items():
                    times[variant].append(seconds_per_step(binary, csv, 1, 1, args.steps, log, args.device))
                times["torch"].append(torch_seconds_per_update(fan_in, fan_out, args.steps, os.cpu_count(),
                                                               torch_device))
                times["torch-1t"].append(torch_seconds_per_update(fan_in, fan_out, args.steps, 1, torch_device))
            ms = {k: 1000 * statistics.median(v) for k, v in times.items()}
            print(f"{name:<22}{ms['fused']:>8.2f}{ms['unfused']:>9.2f}{ms['torch']:>8.2f}{ms['torch-1t']:>10.2f}"
                  f"{ms['unfused'] / ms['fused']:>14.2f}x{ms['torch'] / ms['fused']:>12.2f}x"
                  f"{ms['torch-1t'] / ms['fused']:>15.2f}x")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
