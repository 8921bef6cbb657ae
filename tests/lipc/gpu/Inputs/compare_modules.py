"""Compares the kernel modules of two `lipc --emit=ptx` outputs: prints
whether the second has more, fewer or as many as the first.

usage: compare_modules.py FIRST.ptx SECOND.ptx"""
import sys


def count(path):
    return sum(line.startswith("// kernel module ") for line in open(path))


first, second = (count(path) for path in sys.argv[1:3])
print("more" if second > first else "fewer" if second < first else "as many", f"({first} then {second})")
