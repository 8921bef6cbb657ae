"""Whether Newton-Schulz could take bf16 operands without loosening the
constraint (issue 17): the soft cap's coupling and the largest learning-rate
scale rest on each Newton-Schulz set's largest output singular value in
exact arithmetic (dialects/lipopt/Rationale.md). This runs every set on
random matrices of the examples' shapes, with float32 products and with
every product's operands rounded to bf16 (float32 sums, as oneDNN and
cuBLAS compute them), and compares the largest singular value of the output
with that bound. Run with /usr/bin/python3 (Debian's PyTorch).

    /usr/bin/python3 bench/bf16_newton_schulz.py [--samples N]
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "reference"))
from lipoptim import NS6  # noqa: E402  (the jiacheng6 set, float64)

# numerics/lib/OptMath.cpp's newtonSchulzSet, by their spec names.
SETS = {
    "keller5": [(3.4445, -4.7750, 2.0315)] * 5,
    "jiacheng6": NS6,
    "nanogpt5": [(4.0848, -6.8946, 2.9270), (3.9505, -6.3029, 2.6377), (3.7418, -5.5913, 2.3037),
                 (2.8769, -3.1427, 1.2046), (2.8366, -3.0525, 1.2012)],
}
# The examples' Muon weights: the MLP's and the Shakespeare transformer's.
SHAPES = [(256, 784), (256, 256), (10, 256), (256, 1024), (1024, 256), (768, 256)]


def bound(steps):
    """The set's largest output on (0, 1], the scalar map on a fine grid."""
    s = torch.linspace(1e-4, 1.0, 200001, dtype=torch.float64)
    for a, b, c in steps:
        s = a * s + b * s ** 3 + c * s ** 5
    return s.max().item()


def newton_schulz(m, steps, bf16):
    """Newton-Schulz on the wide side, each product's operands in bf16 when asked."""
    r = (lambda t: t.to(torch.bfloat16).to(torch.float32)) if bf16 else (lambda t: t)
    x = m.T if m.shape[0] > m.shape[1] else m
    x = x / (x.norm() + 1e-12)
    for a, b, c in steps:
        g = r(x) @ r(x).T
        x = a * x + r(b * g + c * (r(g) @ r(g))) @ r(x)
    return x


def largest_sigma(x):
    return torch.linalg.svdvals(x.double()).max().item()


def matrices(shape, samples, generator):
    """Gaussian matrices, and ones with a spread spectrum (a gradient with a
    dominant direction and a tail of small singular values)."""
    for i in range(samples):
        m = torch.randn(shape, generator=generator)
        if i % 2:
            u, _, vt = torch.linalg.svd(m, full_matrices=False)
            spread = torch.logspace(0, -4, u.shape[1])
            m = (u * spread) @ vt
        yield m


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=8, help="matrices per shape")
    args = parser.parse_args()
    torch.set_num_threads(2)
    generator = torch.Generator().manual_seed(0)
    print("largest singular value of Newton-Schulz's output, over "
          f"{args.samples} matrices of each of {len(SHAPES)} shapes:")
    print(f"  {'set':<10}{'bound':>10}{'float32':>10}{'bf16':>10}  bf16 within the bound")
    for name, steps in SETS.items():
        worst = {False: 0.0, True: 0.0}
        for shape in SHAPES:
            for m in matrices(shape, args.samples, generator):
                for bf16 in worst:
                    worst[bf16] = max(worst[bf16], largest_sigma(newton_schulz(m, steps, bf16)))
        limit = bound(steps)
        print(f"  {name:<10}{limit:>10.5f}{worst[False]:>10.5f}{worst[True]:>10.5f}  "
              f"{'yes' if worst[True] <= limit else 'NO'}")


if __name__ == "__main__":
    main()
