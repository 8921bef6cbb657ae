#!/usr/bin/python3
"""Data-parallel scaling of a compiled binary on one machine: the Shakespeare
transformer's training step at batch 64 x 256 in one process with one
thread, on two ranks under Open MPI's mpirun with one thread each (each rank
half of every batch, the gradients averaged by the step's all_reduce), and,
for comparison on the same cores, one process with two threads. Measured
alternately in one run; prints tokens/s (medians over the rounds) and each
setting's ratio to the single thread.

usage: /usr/bin/python3 bench/data_parallel.py [--build DIR] [--rounds N] [--steps N]
                                               [--batch N] [--shakespeare TEXT]
Needs a build and Open MPI (scripts/setup.sh installs both)."""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from binary_timing import step_time_and_memory  # noqa: E402

SHAKESPEARE = os.path.join(ROOT, "..", "shared", "data", "tinyshakespeare.txt")
MPIRUN = ["mpirun", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none",
          "--mca", "btl_vader_single_copy_mechanism", "none"]
SETTINGS = [  # name, launcher, threads per process
    ("1 process, 1 thread", [], 1),
    ("2 ranks, 1 thread each", MPIRUN + ["-np", "2"], 1),
    ("1 process, 2 threads", [], 2),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--shakespeare", default=SHAKESPEARE)
    args = parser.parse_args()
    if not shutil.which("mpirun"):
        sys.exit("data_parallel.py: mpirun not found (Debian's openmpi-bin; scripts/setup.sh)")
    with tempfile.TemporaryDirectory() as work:
        binary = os.path.join(work, "shakespeare")
        subprocess.run([os.path.join(args.build, "bin", "lipc"), "compile",
                        os.path.join(ROOT, "examples", "shakespeare", "model.lip"), "-o", binary],
                       check=True, stdout=subprocess.DEVNULL)
        log = os.path.join(work, "log.jsonl")
        seconds = {name: [] for name, _, _ in SETTINGS}
        for _ in range(args.rounds):
            for name, launcher, threads in SETTINGS:
                step, _ = step_time_and_memory(binary, args.shakespeare, args.batch, 256,
                                               args.steps, log, launcher=launcher,
                                               options=["--threads", str(threads)])
                seconds[name].append(step)
    tokens = args.batch * 256
    base = tokens / statistics.median(seconds[SETTINGS[0][0]])
    print(f"Shakespeare step, batch {args.batch} x 256, medians of {args.rounds} rounds "
          f"of {args.steps} steps")
    print(f"{'setting':<26} {'tokens/s':>10} {'x 1 thread':>11}")
    for name, _, _ in SETTINGS:
        rate = tokens / statistics.median(seconds[name])
        print(f"{name:<26} {rate:>10.0f} {rate / base:>10.2f}x")


if __name__ == "__main__":
    main()
