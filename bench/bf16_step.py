#!/usr/bin/python3
"""bf16 products against float32, measured alternately in one run: the
training step of lipc's binaries compiled with --precision fp32 and
--precision bf16 (the model's forward and backward products with bf16
operands and float32 accumulation, on oneDNN), and the same algorithm in
PyTorch tuned as in pytorch_step.py (1 thread, jemalloc without decay,
OpenBLAS by CPUID), in float32 and under torch.autocast("cpu",
dtype=torch.bfloat16). Cases: the MLP 3072-512-512-10 at batch 512 and the
Shakespeare transformer at batch 64 x 256. Ratios are to lipc's bf16 step;
the line under each case is what the bf16 binary's training log says about
its products (bf16, or float32 and why: a processor without AVX512-BF16 or
AMX-BF16 keeps float32).

usage: /usr/bin/python3 bench/bf16_step.py [--build DIR] [--rounds N] [--shakespeare TEXT]"""
import os
import statistics
import subprocess
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from binary_timing import step_time_and_memory  # noqa: E402
from pytorch_step import JEMALLOC, ROOT, bench_arguments, benchmark_cases, torch_variant  # noqa: E402

COLUMNS = ("lipc-fp32", "lipc-bf16", "torch-fp32", "torch-bf16")


def products_line(binary, data):
    """The bf16 binary's log line about its model products (one step)."""
    out = subprocess.run([binary, "train", "--data", data, "--steps", "1", "--batch", "1", "--eval-every", "0",
                          "--eval-samples", "1"], check=True, capture_output=True, text=True).stdout
    return next((line for line in out.splitlines() if line.startswith("model products")), "(no line)")


def main():
    args = bench_arguments().parse_args()
    if not os.path.exists(JEMALLOC):
        sys.exit(f"{JEMALLOC} not found: the tuned PyTorch runs with jemalloc (apt-get install libjemalloc2)")
    lipc = os.path.join(args.build, "bin", "lipc")
    print(f"torch {torch.__version__}; seconds per step, medians of {args.rounds} rounds; torch tuned "
          "(1 thread + jemalloc), bf16 = autocast")
    others = [c for c in COLUMNS if c != "lipc-bf16"]
    print(f"{'model':<26}" + "".join(f"{c:>12}" for c in COLUMNS) + "".join(f"{c + '/lipc-bf16':>22}" for c in others))
    with tempfile.TemporaryDirectory() as tmp:
        for case, spec, data, batch, tokens, steps, model, torch_steps in benchmark_cases(tmp, args.shakespeare):
            binaries = {}
            for precision in ("fp32", "bf16"):
                binaries[precision] = os.path.join(tmp, f"{model}-{precision}")
                subprocess.run([lipc, "compile", os.path.join(ROOT, spec), "--precision", precision, "-o",
                                binaries[precision]], check=True)
            times = {c: [] for c in COLUMNS}
            for _ in range(args.rounds):
                for column in COLUMNS:
                    kind, precision = column.split("-")
                    if kind == "lipc":
                        seconds, _ = step_time_and_memory(binaries[precision], data, batch, tokens, steps,
                                                          os.path.join(tmp, "log.jsonl"))
                    else:
                        seconds, _ = torch_variant("tuned", model, torch_steps, args.shakespeare,
                                                   autocast=precision == "bf16")
                    times[column].append(seconds)
            t = {c: statistics.median(v) for c, v in times.items()}
            print(f"{case:<26}" + "".join(f"{t[c]:>12.3f}" for c in COLUMNS)
                  + "".join(f"{t[c] / t['lipc-bf16']:>21.2f}x" for c in others))
            print(f"  {products_line(binaries['bf16'], data)}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
