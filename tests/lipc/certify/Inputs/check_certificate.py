"""Checks `lipc certify --json` against exact norms: every measured weight norm
is an upper bound on the exact one (SVD, or the largest row RMS for l1->RMS)
and within 1% of it; the empirical lower bound, when measured, is positive
and at most the certified bound of the trained weights.

usage: check_certificate.py CERTIFICATE.json CHECKPOINT.safetensors"""
import json
import struct
import sys

import numpy as np

certificate = json.load(open(sys.argv[1]))
data = open(sys.argv[2], "rb").read()
(size,) = struct.unpack("<Q", data[:8])
header = json.loads(data[8:8 + size])
checked = 0
for p in certificate["params"]:
    begin, end = header[p["name"]]["data_offsets"]
    w = np.frombuffer(data[8 + size + begin:8 + size + end], dtype="<f4").astype(np.float64)
    w = w.reshape(header[p["name"]]["shape"])
    if p["norm"] == "l1_to_rms":
        exact = np.sqrt((w * w).mean(axis=1)).max()
    else:
        exact = np.sqrt(w.shape[1] / w.shape[0]) * np.linalg.norm(w, 2)
    assert exact <= p["trained_norm"] <= 1.01 * exact, (p, exact)
    checked += 1
assert checked and certificate["trained_bound"] <= certificate["compile_time_bound"], certificate
message = f"{checked} measured norms are upper bounds within 1% of the exact ones"
if "empirical_lower_bound" in certificate:
    empirical = certificate["empirical_lower_bound"]
    assert 0 < empirical <= certificate["trained_bound"], certificate
    message += f"; empirical {empirical:.4f} <= certified {certificate['trained_bound']:.4f}"
print(message)
