"""Registers and spills of GPU kernels, as ptxas reports them for sm_90
(`ptxas -v`), for the kernel modules of a `lipc --emit=ptx` output that
match a filter: no GPU needed. Prints one line per distinct kernel shape
(its global loads, registers, spill stores, stack frame).

usage: python3 bench/ptxas_resources.py PTX [--ptxas PATH] [--min-loads N] [--with TEXT]

E.g. the fused attention kernels (they hold head_dim values per row and
compute exponentials):
  lipc examples/shakespeare/model.lip --emit=ptx --gpu-attention=fused > gpt.ptx
  python3 bench/ptxas_resources.py gpt.ptx --min-loads 40 --with ex2"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "lipc", "gpu", "Inputs"))
from ptxas_each import modules  # noqa: E402


def resources(ptxas, ptx, directory):
    path = os.path.join(directory, "kernel.ptx")
    with open(path, "w") as f:
        f.write(ptx)
    report = subprocess.run([ptxas, "-v", "-arch=sm_90", path, "-o", os.devnull], capture_output=True, text=True)
    # The kernel's own lines: from its "Compiling entry function" on (a
    # callee's "Function properties" would come before).
    text = (report.stdout + report.stderr).partition("Compiling entry function")[2]
    numbers = [re.search(pattern, text) for pattern in
               (r"Used (\d+) registers", r"(\d+) bytes spill stores", r"(\d+) bytes stack frame")]
    return tuple(int(n.group(1)) if n else 0 for n in numbers)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("ptx")
    parser.add_argument("--ptxas", default=os.path.join(os.environ.get("CUDA_HOME", "/usr/local/cuda"), "bin", "ptxas"))
    parser.add_argument("--min-loads", type=int, default=0, help="only modules with this many ld.global or more")
    parser.add_argument("--with", dest="needle", default="", help="only modules whose PTX contains this text")
    args = parser.parse_args()
    seen = set()
    print(f"{'kernel':<32}{'loads':>7}{'registers':>11}{'spill stores':>14}{'stack':>7}")
    with tempfile.TemporaryDirectory() as directory:
        for name, ptx in modules(open(args.ptx).read()):
            loads = ptx.count("ld.global")
            if loads < args.min_loads or args.needle not in ptx:
                continue
            row = (loads,) + resources(args.ptxas, ptx, directory)
            if row not in seen:
                seen.add(row)
                print(f"{name:<32}{row[0]:>7}{row[1]:>11}{row[2]:>14}{row[3]:>7}")


if __name__ == "__main__":
    main()
