#!/usr/bin/python3
"""On a machine with an NVIDIA GPU: the Shakespeare transformer's training
step (batch 64 x 256) compiled with `lipc compile --gpu`, run with
--device cuda, against the same binary on the CPU and against PyTorch on the
GPU (eager and torch.compile of the same training_step) when this Python's
torch has CUDA; alternating rounds, medians, ratios.

usage: python3 bench/gpu_step.py [--build DIR] [--rounds N] [--shakespeare TEXT]"""
import os
import statistics
import subprocess
import sys
import tempfile

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench", "reference"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from binary_timing import seconds_per_step  # noqa: E402
from pytorch_step import bench_arguments, shakespeare_case, torch_seconds_per_step  # noqa: E402
from train_reference import training_step  # noqa: E402


def main():
    args = bench_arguments().parse_args()
    lipc = os.path.join(args.build, "bin", "lipc")
    variants = {}
    with tempfile.TemporaryDirectory() as tmp:
        binary = os.path.join(tmp, "gpt")
        subprocess.run([lipc, "compile", os.path.join(ROOT, "examples/shakespeare/model.lip"), "--gpu", "-o", binary],
                       check=True)
        log = os.path.join(tmp, "log.jsonl")
        variants["lipc-cuda"] = lambda: seconds_per_step(binary, args.shakespeare, 64, 256, 4, log, "cuda")
        variants["lipc-cpu"] = lambda: seconds_per_step(binary, args.shakespeare, 64, 256, 3, log, "cpu")
        if torch.cuda.is_available():
            shapes, x, y = shakespeare_case(args.shakespeare)
            compiled = torch.compile(training_step)
            variants["torch-cuda-eager"] = lambda: torch_seconds_per_step("shakespeare", shapes, x, y, 5, "cuda")
            variants["torch-cuda-compile"] = lambda: torch_seconds_per_step("shakespeare", shapes, x, y, 5, "cuda",
                                                                            compiled)
        else:
            print(f"torch {torch.__version__} has no CUDA here: no PyTorch GPU baseline")
        times = {name: [] for name in variants}
        for _ in range(args.rounds):
            for name, measure in variants.items():
                try:
                    times[name].append(measure())
                except Exception as error:  # a baseline that fails is reported, not fatal
                    print(f"{name}: failed: {error}")
    medians = {name: statistics.median(t) for name, t in times.items() if t}
    print("shakespeare b64 x 256, seconds per step (medians):")
    for name, t in medians.items():
        ratio = f"  {t / medians['lipc-cuda']:.2f}x lipc-cuda's time" if "lipc-cuda" in medians else ""
        print(f"  {name:<20}{t:>10.4f}{ratio}")


if __name__ == "__main__":
    main()
