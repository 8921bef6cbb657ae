#!/usr/bin/python3
"""Training-step time of lipc's compiled binaries against the same algorithm
in PyTorch (bench/reference/train_reference.py's training_step, float32,
eager), measured alternately in one run: the MLP 3072-512-512-10 at batch 512
(bench/specs/mlp3072.lip) and the Shakespeare transformer at batch 64 x 256.
PyTorch runs as users run it (its default threads) and with 1 thread.

usage: /usr/bin/python3 bench/pytorch_step.py [--build DIR] [--rounds N] [--shakespeare TEXT]
Needs Debian's python3-torch (hence /usr/bin/python3) and a build."""
import argparse
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
from train_reference import training_step  # noqa: E402


def torch_seconds_per_step(model, shapes, x, y, steps, threads):
    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(0)
    params = {n: torch.randn(s, generator=gen) / s[-1] ** 0.5 for n, s in shapes.items()}
    state = {}
    for n, s in shapes.items():
        if n == "embed":
            state[n + ".adam_m"], state[n + ".adam_v"] = torch.zeros(s), torch.zeros(s)
        else:
            state[n + ".momentum"] = torch.zeros(s)
    w_max = 2.0 if model == "mlp" else 0.9763
    training_step(model, params, state, x, y, 0, w_max)  # warm-up
    times = []
    for s in range(1, steps + 1):
        start = time.perf_counter()
        training_step(model, params, state, x, y, s, w_max).item()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def gpt_shapes(width=256, layers=3, vocab=65):
    shapes = {"embed": (vocab, width), "head": (vocab, width)}
    for b in range(layers):
        for n in ("q", "k", "v", "out"):
            shapes[f"block{b}.attn.{n}"] = (width, width)
        shapes[f"block{b}.mlp.in"] = (4 * width, width)
        shapes[f"block{b}.mlp.out"] = (width, 4 * width)
    return shapes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--shakespeare", default=os.path.join(ROOT, "..", "shared", "data", "tinyshakespeare.txt"))
    args = parser.parse_args()
    lipc = os.path.join(args.build, "bin", "lipc")
    rng = np.random.default_rng(0)
    print(f"torch {torch.__version__}, default threads {torch.get_num_threads()}")
    print(f"{'model':<26}{'lipc s/step':>12}{'torch s/step':>13}{'torch-1t':>10}{'torch/lipc':>11}{'torch-1t/lipc':>14}")
    with tempfile.TemporaryDirectory() as tmp:
        cases = []
        csv = os.path.join(tmp, "random.csv")
        rows = np.concatenate([rng.random((1024, 3072)), rng.integers(0, 10, (1024, 1))], axis=1)
        np.savetxt(csv, rows, delimiter=",", fmt="%.4g")
        x = torch.tensor(rows[:512, :-1], dtype=torch.float32)
        y = torch.tensor(rows[:512, -1], dtype=torch.long)
        shapes = {"in": (512, 3072), "hidden": (512, 512), "out": (10, 512)}
        cases.append(("mlp 3072-512-512-10 b512", "bench/specs/mlp3072.lip", csv, 512, 1, 10, "mlp", shapes,
                      x, y, 5))
        if os.path.exists(args.shakespeare):
            text = open(args.shakespeare, "rb").read()
            ids = torch.tensor(list(text[:64 * 257])) % 65
            windows = ids.reshape(64, 257)
            cases.append(("shakespeare b64 x 256", "examples/shakespeare/model.lip", args.shakespeare, 64, 256,
                          4, "shakespeare", gpt_shapes(), windows[:, :256], windows[:, 1:], 2))
        for name, spec, data, batch, tokens, steps, model, shapes, x, y, torch_steps in cases:
            binary = os.path.join(tmp, model)
            subprocess.run([lipc, "compile", os.path.join(ROOT, spec), "-o", binary], check=True)
            lipc_t, torch_t, torch1_t = [], [], []
            for _ in range(args.rounds):
                lipc_t.append(seconds_per_step(binary, data, batch, tokens, steps, os.path.join(tmp, "log.jsonl")))
                torch_t.append(torch_seconds_per_step(model, shapes, x, y, torch_steps, os.cpu_count()))
                torch1_t.append(torch_seconds_per_step(model, shapes, x, y, torch_steps, 1))
            a, b, c = (statistics.median(v) for v in (lipc_t, torch_t, torch1_t))
            print(f"{name:<26}{a:>12.3f}{b:>13.3f}{c:>10.3f}{b / a:>10.2f}x{c / a:>13.2f}x")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
