"""Prints the largest singular value, in the RMS->RMS norm, of the named
weights of a safetensors checkpoint (numpy's SVD, float64).

usage: singular_values.py CHECKPOINT NAME..."""
import json
import struct
import sys

import numpy as np

data = open(sys.argv[1], "rb").read()
(header_size,) = struct.unpack("<Q", data[:8])
header = json.loads(data[8 : 8 + header_size])
for name in sys.argv[2:]:
    entry = header[name]
    begin, end = entry["data_offsets"]
    w = np.frombuffer(data[8 + header_size + begin : 8 + header_size + end], dtype="<f4")
    w = w.reshape(entry["shape"]).astype(np.float64)
    fan_out, fan_in = w.shape
    print(f"{name}: largest RMS->RMS singular value {np.sqrt(fan_in / fan_out) * np.linalg.svd(w, compute_uv=False)[0]:.6f}")
