#!/usr/bin/python3
"""On a machine with an NVIDIA GPU, the GPU path against PyTorch on the same
GPU, alternated round by round, medians and ratios:

- the Shakespeare transformer's training step (batch 64 x 256): lipc's binary
  with --device cuda (with and without its CUDA graph, and built with
  --gpu-attention=fused; and --device cpu), PyTorch eager and torch.compile of the
  same training_step (bench/reference), and the floor: the step's matrix
  products alone (every mm/bmm PyTorch's step runs, recorded once and replayed
  on fresh operands);
- the fused Muon + soft-cap update per weight shape of bench/fused_update.py:
  lipc's one-weight binary at batch 1 against PyTorch's unfused sequence, eager
  and compiled.

Float32 throughout (TF32 off), as lipc's default. The binaries come from a
GPU bundle (--bundle, what scripts/gpu-bundle.sh builds) or are compiled with
a build's lipc (--build). --write-update-specs DIR writes the one-weight specs
and their data for a bundle and exits.

usage: python3 bench/gpu_step.py [--bundle DIR | --build DIR] [--rounds N] [--shakespeare TEXT] [--no-cpu]
       python3 bench/gpu_step.py --write-update-specs DIR"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "reference"))
sys.path.insert(0, HERE)
import torch  # noqa: E402
from torch.utils._python_dispatch import TorchDispatchMode  # noqa: E402

from binary_timing import seconds_per_step, step_time_and_memory  # noqa: E402
from fused_update import SHAPES, muon_soft_cap_update, torch_seconds_per_update, write_update_case  # noqa: E402
from pytorch_step import shakespeare_case, torch_seconds_per_step  # noqa: E402
from train_reference import training_step  # noqa: E402

PRODUCTS = (torch.ops.aten.mm.default, torch.ops.aten.bmm.default, torch.ops.aten.addmm.default,
            torch.ops.aten.baddbmm.default)


class RecordProducts(TorchDispatchMode):
    """Records every matrix product run under it: (op, operand shapes)."""

    def __init__(self):
        super().__init__()
        self.products = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func in PRODUCTS:
            self.products.append((func, [a.shape for a in args if isinstance(a, torch.Tensor)]))
        return func(*args, **(kwargs or {}))


def products_floor(shapes, x, y, repeats=5):
    """Median seconds of the Shakespeare step's matrix products alone on the
    GPU: those one eager step runs, on fresh operands of their shapes."""
    params = {n: torch.randn(s, device="cuda") / s[-1] ** 0.5 for n, s in shapes.items()}
    state = {n + (".adam_m" if n == "embed" else ".momentum"): torch.zeros(s, device="cuda")
             for n, s in shapes.items()}
    state["embed.adam_v"] = torch.zeros(shapes["embed"], device="cuda")
    recorder = RecordProducts()
    with recorder:
        training_step("shakespeare", params, state, x.cuda(), y.cuda(), 0)
    calls = [(func, [torch.randn(s, device="cuda") for s in operands]) for func, operands in recorder.products]
    times = []
    for _ in range(repeats + 1):
        torch.cuda.synchronize()
        start = time.perf_counter()
        for func, operands in calls:
            func(*operands)
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    print(f"  (the step runs {len(calls)} matrix products)")
    return statistics.median(times[1:])


def shakespeare_variants(binary, fused, text, with_cpu):
    """name -> a function measuring seconds per step; `fused` is the binary
    compiled with --gpu-attention=fused."""
    log = os.path.join(tempfile.mkdtemp(), "log.jsonl")
    # 20 steps: the second is recorded as a CUDA graph, the rest replay it.
    no_graphs = dict(os.environ, LIPRT_CUDA_GRAPHS="off")
    variants = {
        "lipc-cuda": lambda: seconds_per_step(binary, text, 64, 256, 20, log, "cuda"),
        "lipc-cuda-no-graphs": lambda: step_time_and_memory(binary, text, 64, 256, 20, log, "cuda", no_graphs)[0],
        "lipc-cuda-fused-attention": lambda: seconds_per_step(fused, text, 64, 256, 20, log, "cuda"),
    }
    if with_cpu:
        variants["lipc-cpu"] = lambda: seconds_per_step(binary, text, 64, 256, 3, log, "cpu")
    shapes, x, y = shakespeare_case(text)
    compiled = torch.compile(training_step)
    variants["torch-eager"] = lambda: torch_seconds_per_step("shakespeare", shapes, x, y, 5, "cuda")
    variants["torch-compile"] = lambda: torch_seconds_per_step("shakespeare", shapes, x, y, 5, "cuda", compiled)
    variants["cublas-products"] = lambda: products_floor(shapes, x, y)
    return variants


def measure(variants, rounds):
    """Medians over `rounds` alternated rounds; a variant that fails is
    reported and left out."""
    times = {name: [] for name in variants}
    for _ in range(rounds):
        for name, run in variants.items():
            try:
                times[name].append(run())
            except Exception as error:  # a baseline that fails is reported, not fatal
                print(f"  {name}: failed: {error}")
    return {name: statistics.median(t) for name, t in times.items() if t}


def report_target(what, ratio, target, better_when_larger=True):
    met = ratio >= target if better_when_larger else ratio <= target
    print(f"  target {what}: {ratio:.2f}x, {'met' if met else 'NOT met'} (target {'>=' if better_when_larger else '<='}"
          f" {target}x)")


def bench_shakespeare(binary, fused, text, rounds, with_cpu):
    print("Shakespeare training step, batch 64 x 256, seconds per step (medians):")
    medians = measure(shakespeare_variants(binary, fused, text, with_cpu), rounds)
    base = medians.get("lipc-cuda")
    for name, t in medians.items():
        print(f"  {name:<26}{t:>10.4f}" + (f"  {t / base:.2f}x lipc-cuda's time" if base else ""))
    if base and "torch-compile" in medians:
        report_target("torch.compile / lipc-cuda", medians["torch-compile"] / base, 1.5)
    if base and "cublas-products" in medians:
        report_target("lipc-cuda / its products alone", base / medians["cublas-products"], 2.0, False)
    if base:
        # The paper's Shakespeare run: 2000 such steps (docs/shakespeare-long-run.md).
        minutes = 2000 * base / 60
        print(f"  the paper's 2000-step run at this step time: {minutes:.2f} min of GPU time, "
              f"{'met' if minutes < 5 else 'NOT met'} (target < 5 min)")


def bench_updates(binaries, rounds, steps=20):
    print("fused Muon + soft-cap update, milliseconds per update (medians):")
    print(f"  {'weight':<22}{'lipc':>8}{'eager':>8}{'compile':>9}{'eager/lipc':>12}{'compile/lipc':>14}")
    compiled = torch.compile(muon_soft_cap_update)
    for name, fan_in, fan_out in SHAPES:
        binary, csv = binaries[(fan_in, fan_out)]
        log = os.path.join(tempfile.mkdtemp(), "log.jsonl")
        ms = {k: 1000 * v for k, v in measure({
            "lipc": lambda: seconds_per_step(binary, csv, 1, 1, steps, log, "cuda"),
            "eager": lambda: torch_seconds_per_update(fan_in, fan_out, steps, 1, "cuda"),
            "compile": lambda: torch_seconds_per_update(fan_in, fan_out, steps, 1, "cuda", compiled),
        }, rounds).items()}
        if len(ms) < 3:
            continue
        print(f"  {name:<22}{ms['lipc']:>8.3f}{ms['eager']:>8.3f}{ms['compile']:>9.3f}"
              f"{ms['eager'] / ms['lipc']:>11.2f}x{ms['compile'] / ms['lipc']:>13.2f}x")
        report_target(f"eager / lipc ({name})", ms["eager"] / ms["lipc"], 2.0)


def binaries_from_bundle(bundle):
    """The Shakespeare binaries (attention as products, and fused) and
    {(fan_in, fan_out): (binary, csv)}."""
    updates = {(i, o): (os.path.join(bundle, "bin", f"update-{o}x{i}"),
                        os.path.join(bundle, "data", f"update-{o}x{i}.csv")) for _, i, o in SHAPES}
    shakespeare = os.path.join(bundle, "bin", "shakespeare")
    return (shakespeare, shakespeare + "-fused-attention"), updates


def binaries_from_build(build, tmp):
    """The same, compiled with `build`'s lipc into `tmp`."""
    lipc = os.path.join(build, "bin", "lipc")
    root = os.path.dirname(HERE)
    shakespeare = os.path.join(tmp, "shakespeare")
    for attention, binary in (("products", shakespeare), ("fused", shakespeare + "-fused-attention")):
        subprocess.run([lipc, "compile", os.path.join(root, "examples/shakespeare/model.lip"), "--gpu",
                        "--gpu-attention=" + attention, "-o", binary], check=True)
    updates = {}
    for _, fan_in, fan_out in SHAPES:
        spec, csv = write_update_case(tmp, fan_in, fan_out)
        binary = spec[:-len(".lip")]
        subprocess.run([lipc, "compile", spec, "--gpu", "-o", binary], check=True, stdout=subprocess.DEVNULL)
        updates[(fan_in, fan_out)] = (binary, csv)
    return (shakespeare, shakespeare + "-fused-attention"), updates


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bundle", help="a folder built by scripts/gpu-bundle.sh")
    parser.add_argument("--build", default=os.path.join(os.path.dirname(HERE), "build"))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--shakespeare", help="Tiny Shakespeare (default: the bundle's, else ../shared/data)")
    parser.add_argument("--no-cpu", action="store_true", help="leave out lipc's step on the CPU")
    parser.add_argument("--write-update-specs", metavar="DIR", help="write the one-weight specs and data, then exit")
    args = parser.parse_args()
    if args.write_update_specs:
        for _, fan_in, fan_out in SHAPES:
            write_update_case(args.write_update_specs, fan_in, fan_out)
        return 0
    if not torch.cuda.is_available():
        print(f"gpu_step: torch {torch.__version__} sees no CUDA GPU here: nothing to compare on a GPU")
        return 1
    torch.backends.cuda.matmul.allow_tf32 = False
    print(f"torch {torch.__version__} on {torch.cuda.get_device_name()}; float32, TF32 off; {args.rounds} rounds")
    with tempfile.TemporaryDirectory() as tmp:
        if args.bundle:
            shakespeare, updates = binaries_from_bundle(args.bundle)
            text = args.shakespeare or os.path.join(args.bundle, "data", "tinyshakespeare.txt")
        else:
            shakespeare, updates = binaries_from_build(args.build, tmp)
            text = args.shakespeare or os.path.join(os.path.dirname(HERE), "..", "shared", "data", "tinyshakespeare.txt")
        bench_shakespeare(*shakespeare, text, args.rounds, not args.no_cpu)
        sys.stdout.flush()
        bench_updates(updates, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
