#!/usr/bin/env python3
"""Training-step time of the compiled examples with each GEMM backend of
`lipc compile --gemm=...`: OpenBLAS calls (blas, the default) against the
generated loops (loops), measured alternately in one run and reported as
ratios, so a busy machine slows both alike.

usage: bench/gemm_backends.py [--build DIR] [--rounds N] [--shakespeare TEXT]
Needs a build (scripts/build.sh) and Fashion-MNIST (scripts/setup.sh installs
it); the transformer runs when Tiny Shakespeare is found (../shared/data)."""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from binary_timing import seconds_per_step  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (name, spec, data, batch, tokens per example (the spec's seq; 1 for
# images), steps per run for blas, steps per run for loops)
MODELS = [
    ("mlp 784-256-256-10", "examples/mlp/model.lip", "", 512, 1, 20, 3),
    ("shakespeare 2.39M", "examples/shakespeare/model.lip", "TEXT", 8, 256, 6, 2),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--shakespeare", default=os.path.join(ROOT, "..", "shared", "data", "tinyshakespeare.txt"))
    args = parser.parse_args()
    lipc = os.path.join(args.build, "bin", "lipc")
    print(f"{'model':<22}{'batch':>6}{'blas':>14}{'loops':>14}{'blas/loops':>12}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, spec, data, batch, tokens, blas_steps, loop_steps in MODELS:
            if data == "TEXT":
                if not os.path.exists(args.shakespeare):
                    print(f"{name:<22} skipped: no {args.shakespeare}")
                    continue
                data = args.shakespeare
            binaries = {}
            for backend in ("blas", "loops"):
                binaries[backend] = os.path.join(tmp, f"{os.path.basename(os.path.dirname(spec))}-{backend}")
                subprocess.run([lipc, "compile", os.path.join(ROOT, spec), "-o", binaries[backend],
                                f"--gemm={backend}"], check=True)
            rates = {"blas": [], "loops": []}
            for _ in range(args.rounds):
                for backend, steps in (("blas", blas_steps), ("loops", loop_steps)):
                    seconds = seconds_per_step(binaries[backend], data, batch, tokens, steps,
                                               os.path.join(tmp, "log.jsonl"))
                    rates[backend].append(batch * tokens / seconds)
            unit = "tok/s" if tokens > 1 else "smp/s"
            blas, loops = statistics.median(rates["blas"]), statistics.median(rates["loops"])
            print(f"{name:<22}{batch:>6}{blas:>10.0f} {unit}{loops:>8.0f} {unit}{blas / loops:>11.1f}x")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
