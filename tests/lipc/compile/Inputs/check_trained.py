"""Checks a run of a compiled model's `train`: the JSONL log is well formed
(the last line carries the held-out evaluation), the loss falls, every weight
is finite, and every weight of a certified method in the final checkpoint is
within the norm the certificate assumes for it (the manifest's
guaranteed_norm: w_max, or the hard cap's overshoot) in its norm, RMS->RMS
or, for embeddings, l1->RMS (the compiled projections' promise).

usage: check_trained.py LOG.jsonl CHECKPOINT.safetensors [MAX_RATIO]
(the mean of the last five losses must be below MAX_RATIO, default 0.8, times
the mean of the first five)
Runs on Debian's Python (numpy)."""
import json
import struct
import sys

import numpy as np

log_path, checkpoint_path = sys.argv[1], sys.argv[2]
max_ratio = float(sys.argv[3]) if len(sys.argv) > 3 else 0.8
rows = [json.loads(line) for line in open(log_path)]
assert rows, "empty log"
for row in rows:
    rate = {"samples_per_second", "tokens_per_second"} & set(row)
    assert len(rate) == 1, row
    keys = {"step", "loss", "lr", "certified_bound"} | rate
    assert set(row) in (keys, keys | {"val_loss", "val_accuracy"}), row
    assert 0 < row["lr"] <= 1, row
assert "val_loss" in rows[-1] and 0 <= rows[-1]["val_accuracy"] <= 1, rows[-1]
losses = [row["loss"] for row in rows]
first, last = np.mean(losses[:5]), np.mean(losses[-5:])
assert last < max_ratio * first, f"the loss did not fall: {first:.4f} -> {last:.4f}"

data = open(checkpoint_path, "rb").read()
(header_size,) = struct.unpack("<Q", data[:8])
header = json.loads(data[8 : 8 + header_size])
manifest = json.loads(header["__metadata__"]["manifest"])
checked = 0
for arg in manifest["arguments"]:
    if arg["role"] != "param":
        continue
    entry = header[arg["name"]]
    begin, end = entry["data_offsets"]
    w = np.frombuffer(data[8 + header_size + begin : 8 + header_size + end], dtype="<f4")
    w = w.reshape(entry["shape"]).astype(np.float64)
    assert np.isfinite(w).all(), f"{arg['name']} is not finite"
    guaranteed = arg.get("constraint", {}).get("guaranteed_norm")
    if guaranteed is None:
        continue
    if arg["constraint"]["norm"] == "l1_to_rms":
        norm = np.sqrt(np.mean(w * w, axis=1)).max()  # a one-hot input selects a row
    else:
        fan_out, fan_in = w.shape
        norm = np.sqrt(fan_in / fan_out) * np.linalg.norm(w, 2)
    assert norm <= guaranteed * (1 + 1e-4), f"{arg['name']}: norm {norm} > guaranteed {guaranteed}"
    checked += 1
print(f"loss {first:.4f} -> {last:.4f}; {checked} weights within their guaranteed norm")
