#!/usr/bin/python3
"""Training-step time of lipc's compiled binaries against the same algorithm
in PyTorch (bench/reference/train_reference.py's training_step, float32,
eager), measured alternately in one run: the MLP 3072-512-512-10 at batch 512
(bench/specs/mlp3072.lip) and the Shakespeare transformer at batch 64 x 256.

lipc's binary runs twice: with its matrix products on oneDNN (the default
where libdnnl.so.2 loads) and on OpenBLAS (LIPRT_GEMM=openblas).
PyTorch runs in a fresh process per measurement, three ways: as installed
(its default threads), with one thread per core, and tuned: 1 thread,
jemalloc preloaded (Debian's libjemalloc2) with its decay off, so freed tensors' pages are reused instead
of faulted in again each step (a fault cost about 13 us on the 2-core
machine of 2026-12-02), and OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset
(OpenBLAS then picks its kernels from CPUID).

Beside the times, the peak resident memory (maxrss) of each process that
ran the steps: lipc's binary (data loaded, a few steps, one held-out
example evaluated) and each PyTorch child (torch imported, the model's
weights and optimizer state, the steps); the largest over the rounds.

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
from binary_timing import run_with_peak_memory, step_time_and_memory  # noqa: E402
from train_reference import training_step  # noqa: E402

JEMALLOC = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
SHAKESPEARE = os.path.join(ROOT, "..", "shared", "data", "tinyshakespeare.txt")


def mlp_case():
    rows = np.concatenate([np.random.default_rng(0).random((1024, 3072)),
                           np.random.default_rng(1).integers(0, 10, (1024, 1))], axis=1)
    x = torch.tensor(rows[:512, :-1], dtype=torch.float32)
    y = torch.tensor(rows[:512, -1], dtype=torch.long)
    return rows, {"in": (512, 3072), "hidden": (512, 512), "out": (10, 512)}, x, y


def shakespeare_case(path):
    ids = torch.tensor(list(open(path, "rb").read()[:64 * 257])) % 65
    windows = ids.reshape(64, 257)
    return gpt_shapes(), windows[:, :256], windows[:, 1:]


def gpt_shapes(width=256, layers=3, vocab=65):
    shapes = {"embed": (vocab, width), "head": (vocab, width)}
    for b in range(layers):
        for n in ("q", "k", "v", "out"):
            shapes[f"block{b}.attn.{n}"] = (width, width)
        shapes[f"block{b}.mlp.in"] = (4 * width, width)
        shapes[f"block{b}.mlp.out"] = (width, 4 * width)
    return shapes


def torch_seconds_per_step(model, shapes, x, y, steps, device="cpu", step=training_step, autocast=False):
    """Median seconds of `step` (training_step, or a torch.compile of it) on
    `device`, under bf16 autocast if `autocast`; `.item()` on the loss waits
    for the device."""
    gen = torch.Generator().manual_seed(0)
    params = {n: (torch.randn(s, generator=gen) / s[-1] ** 0.5).to(device) for n, s in shapes.items()}
    state = {}
    for n, s in shapes.items():
        if n == "embed":
            state[n + ".adam_m"], state[n + ".adam_v"] = torch.zeros(s, device=device), torch.zeros(s, device=device)
        else:
            state[n + ".momentum"] = torch.zeros(s, device=device)
    x, y = x.to(device), y.to(device)
    precision = torch.autocast(device, dtype=torch.bfloat16, enabled=autocast)
    with precision:
        step(model, params, state, x, y, 0)  # warm-up (and compilation)
    times = []
    for s in range(1, steps + 1):
        start = time.perf_counter()
        with precision:
            step(model, params, state, x, y, s).item()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def torch_child(model, threads, steps, shakespeare, autocast):
    """Runs in the child process: prints PyTorch's seconds per step."""
    if threads > 0:
        torch.set_num_threads(threads)
    if model == "mlp":
        _, shapes, x, y = mlp_case()
    else:
        shapes, x, y = shakespeare_case(shakespeare)
    print(torch_seconds_per_step(model, shapes, x, y, steps, autocast=autocast))


def torch_variant(variant, model, steps, shakespeare, autocast=False):
    env = dict(os.environ)
    threads = {"default": 0, "per-core": os.cpu_count(), "tuned": 1}[variant]
    if variant == "tuned":
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
        env["LD_PRELOAD"] = JEMALLOC
        env["MALLOC_CONF"] = "dirty_decay_ms:-1,muzzy_decay_ms:-1"
    out, peak = run_with_peak_memory([sys.executable, os.path.abspath(__file__), "--torch-child", model,
                                      str(threads), str(steps), "--shakespeare", shakespeare]
                                     + (["--autocast"] if autocast else []), env=env)
    return float(out.split()[-1]), peak


def bench_arguments():
    """The options every step benchmark takes: the build, the rounds, the text."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--shakespeare", default=SHAKESPEARE)
    return parser


def benchmark_cases(tmp, shakespeare):
    """The models timed, as (name, spec, data, batch, tokens per example,
    lipc steps, reference model, PyTorch steps); the MLP's random data is
    written to `tmp`, Shakespeare is left out when its text is missing."""
    rows = mlp_case()[0]
    csv = os.path.join(tmp, "random.csv")
    np.savetxt(csv, rows, delimiter=",", fmt="%.4g")
    cases = [("mlp 3072-512-512-10 b512", "bench/specs/mlp3072.lip", csv, 512, 1, 10, "mlp", 5)]
    if os.path.exists(shakespeare):
        cases.append(("shakespeare b64 x 256", "examples/shakespeare/model.lip", shakespeare, 64, 256, 4,
                      "shakespeare", 2))
    return cases


def name(variant):
    """A column's heading: lipc's variants as they are, PyTorch's prefixed."""
    return variant if variant.startswith("lipc") else "torch-" + variant


def main():
    parser = bench_arguments()
    parser.add_argument("--torch-child", nargs=3, metavar=("MODEL", "THREADS", "STEPS"), help=argparse.SUPPRESS)
    parser.add_argument("--autocast", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.torch_child:
        model, threads, steps = args.torch_child
        return torch_child(model, int(threads), int(steps), args.shakespeare, args.autocast)
    if not os.path.exists(JEMALLOC):
        sys.exit(f"{JEMALLOC} not found: the tuned PyTorch runs with jemalloc (apt-get install libjemalloc2)")
    lipc = os.path.join(args.build, "bin", "lipc")
    variants = ("default", "per-core", "tuned")
    others = ("lipc-openblas",) + variants
    print(f"torch {torch.__version__}, default threads {torch.get_num_threads()}; seconds per step, "
          f"medians of {args.rounds} rounds; per-core = {os.cpu_count()} threads, tuned = 1 thread + jemalloc, "
          "no decay, OpenBLAS by CPUID")
    print(f"{'model':<26}{'lipc':>7}" + "".join(f"{name(v):>16}" for v in others)
          + "".join(f"{name(v) + '/lipc':>21}" for v in others))
    with tempfile.TemporaryDirectory() as tmp:
        for case, spec, data, batch, tokens, steps, model, torch_steps in benchmark_cases(tmp, args.shakespeare):
            binary = os.path.join(tmp, model)
            subprocess.run([lipc, "compile", os.path.join(ROOT, spec), "-o", binary], check=True)
            times = {k: [] for k in ("lipc",) + others}
            peaks = {k: 0.0 for k in ("lipc",) + others}
            for _ in range(args.rounds):
                for k in ("lipc",) + others:
                    if k.startswith("lipc"):
                        env = dict(os.environ, LIPRT_GEMM="openblas" if k == "lipc-openblas" else "auto")
                        seconds, peak = step_time_and_memory(binary, data, batch, tokens, steps,
                                                             os.path.join(tmp, "log.jsonl"), env=env)
                    else:
                        seconds, peak = torch_variant(k, model, torch_steps, args.shakespeare)
                    times[k].append(seconds)
                    peaks[k] = max(peaks[k], peak)
            t = {k: statistics.median(v) for k, v in times.items()}
            print(f"{case:<26}{t['lipc']:>7.3f}" + "".join(f"{t[v]:>16.3f}" for v in others)
                  + "".join(f"{t[v] / t['lipc']:>20.2f}x" for v in others))
            print(f"{'  peak MiB':<26}{peaks['lipc']:>7.0f}" + "".join(f"{peaks[v]:>16.0f}" for v in others)
                  + "".join(f"{peaks[v] / peaks['lipc']:>20.2f}x" for v in others))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
