"""How `lipc compile`'s time and memory grow with a model's depth.

Compiles the Shakespeare transformer (examples/shakespeare/model.lip) at 3, 6
and 12 blocks and an MLP at 5, 10 and 20 hidden layers, each in a fresh
process, and prints the wall time and peak resident memory of each compile
with its ratio to the shallowest model of its family (linear growth: 2x and
4x). Run from the repository root after a build:

    python3 bench/compile_scaling.py [--lipc build/bin/lipc] [--rounds N] [--quick]

--quick leaves out the deepest model of each family. Times are the minimum
over --rounds compiles (default 1).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

MLP = """constraint default {{ method = soft_cap, w_max = 1.5 }}

model deep(x: features(784, rms = 1.0)) {{
  x = relu(linear(x, 256, name = "in"))
  repeat {layers} as hidden {{
    x = relu(linear(x, 256))
  }}
  return linear(x, 10, name = "out")
}}

train {{
  data = fashion_mnist
  optimizer = muon(lr = 0.1, momentum = 0.9)
  steps = 100
  batch = 128
}}
"""


def shakespeare(blocks):
    text = open(os.path.join(ROOT, "examples", "shakespeare", "model.lip")).read()
    text, count = re.subn(r"^let layers = \d+$", f"let layers = {blocks}", text, flags=re.M)
    assert count == 1, "examples/shakespeare/model.lip no longer sets 'let layers = N'"
    # Deeper at the same w_max, the bound would exceed the spec's budget of 2
    # and lipc compile would refuse: let the solver pick w_max instead.
    text, count = re.subn(r"^budget \{ max = ([0-9.]+) \}$", r"budget { max = \1, solve = true }", text,
                          flags=re.M)
    assert count == 1, "examples/shakespeare/model.lip no longer has 'budget { max = X }'"
    return text


def compile_once(lipc, spec_text, workdir):
    spec = os.path.join(workdir, "model.lip")
    with open(spec, "w") as f:
        f.write(spec_text)
    start = time.perf_counter()
    proc = subprocess.Popen([lipc, "compile", spec, "-o", os.path.join(workdir, "model.bin")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"lipc compile failed:\n{proc.stderr.read().decode()}")
    return seconds, usage.ru_maxrss / 1024.0  # KiB -> MiB


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--lipc", default=os.path.join(ROOT, "build", "bin", "lipc"))
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    families = [("shakespeare", "blocks", [3, 6, 12], shakespeare),
                ("mlp", "hidden layers", [5, 10, 20], lambda n: MLP.format(layers=n))]
    print(f"{'model':<12} {'depth':>14} {'seconds':>9} {'x first':>8} {'peak MiB':>9} {'x first':>8}")
    with tempfile.TemporaryDirectory() as workdir:
        for name, unit, depths, make in families:
            first = None
            for depth in depths[:-1] if args.quick else depths:
                runs = [compile_once(args.lipc, make(depth), workdir) for _ in range(args.rounds)]
                seconds, mib = min(r[0] for r in runs), max(r[1] for r in runs)
                first = first or (seconds, mib)
                print(f"{name:<12} {f'{depth} {unit}':>14} {seconds:9.2f} {seconds / first[0]:8.2f} "
                      f"{mib:9.0f} {mib / first[1]:8.2f}", flush=True)


if __name__ == "__main__":
    main()
