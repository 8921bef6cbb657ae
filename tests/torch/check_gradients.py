"""Compares lipc's loss and parameter gradients (written by lip-grad-dump)
with PyTorch's on the same weights and batch, in float64.

    check_gradients.py MODEL DUMPDIR [TOLERANCE]

MODEL names a reference in bench/reference/lipmodels.py. Prints the largest
relative error per tensor and exits non-zero above TOLERANCE (default 1e-9).
"""
import json
import os
import sys

import numpy
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bench", "reference"))
import lipmodels  # noqa: E402

model, folder = sys.argv[1], sys.argv[2]
tolerance = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-9
manifest = json.load(open(os.path.join(folder, "manifest.json")))


def load(entry):
    data = numpy.fromfile(os.path.join(folder, entry["file"]), dtype="<f8")
    return torch.from_numpy(data.reshape(entry["shape"]))


params = {e["name"]: load(e).requires_grad_() for e in manifest if e["role"] == "param"}
inputs = [load(e) for e in manifest if e["role"] in ("input", "labels")]
expected = {e["name"]: load(e) for e in manifest if e["role"] in ("loss", "grad")}

features = inputs[0].long() if model.startswith("shakespeare") else inputs[0]
loss = lipmodels.cross_entropy(lipmodels.MODELS[model](params, features), inputs[1])
loss.backward()

worst = 0.0
rows = [("loss", loss.detach(), expected["loss"])]
rows += [(f"grad.{n}", p.grad, expected[f"grad.{n}"]) for n, p in params.items()]
for name, ours, theirs in rows:
    scale = max(theirs.abs().max().item(), 1e-30)
    error = (ours - theirs).abs().max().item() / scale
    worst = max(worst, error)
    print(f"{name:24s} max relative error {error:.2e}")
print(f"{model}: {'match' if worst <= tolerance else 'MISMATCH'} (worst {worst:.2e}, tolerance {tolerance:g})")
sys.exit(0 if worst <= tolerance else 1)
