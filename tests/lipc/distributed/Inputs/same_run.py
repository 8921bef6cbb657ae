"""data-parallel.test: two runs of one compiled model agree step by step,
the losses within 1e-5 (relative) and every tensor of their final
checkpoints (weights and optimizer state) within 1e-5 of its largest
magnitude.

usage: same_run.py LOG_A LOG_B CHECKPOINT_A CHECKPOINT_B
Runs on Debian's Python (numpy)."""
import json
import struct
import sys

import numpy as np


def losses(path):
    return [(row["step"], row["loss"]) for row in map(json.loads, open(path))]


def tensors(path):
    data = open(path, "rb").read()
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + size])
    body = data[8 + size :]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        assert entry["dtype"] == "F32", (name, entry["dtype"])
        begin, end = entry["data_offsets"]
        out[name] = np.frombuffer(body[begin:end], dtype="<f4").reshape(entry["shape"])
    return out


log_a, log_b, checkpoint_a, checkpoint_b = sys.argv[1:5]
a, b = losses(log_a), losses(log_b)
assert len(a) == len(b) and len(a) > 1, (len(a), len(b))
assert [step for step, _ in a] == [step for step, _ in b], "different steps logged"
worst = max(abs(x - y) / abs(x) for (_, x), (_, y) in zip(a, b))
assert worst < 1e-5, ("losses differ", worst, a, b)
ta, tb = tensors(checkpoint_a), tensors(checkpoint_b)
assert ta.keys() == tb.keys(), (sorted(ta), sorted(tb))
for name in ta:
    scale = max(float(np.abs(ta[name]).max()), 1e-30)
    gap = float(np.abs(ta[name] - tb[name]).max()) / scale
    assert gap < 1e-5, ("checkpoints differ", name, gap)
print(f"same run: {len(a)} losses within {worst:.1e}, {len(ta)} tensors within 1e-5")
