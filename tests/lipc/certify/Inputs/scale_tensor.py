"""Writes a copy of a safetensors checkpoint with one float32 tensor scaled:
a tampered checkpoint for `lipc certify`.

usage: scale_tensor.py IN.safetensors NAME FACTOR OUT.safetensors"""
import json
import struct
import sys

import numpy as np

source, name, factor, target = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
data = bytearray(open(source, "rb").read())
(size,) = struct.unpack("<Q", data[:8])
begin, end = json.loads(data[8:8 + size])[name]["data_offsets"]
start = 8 + size
values = np.frombuffer(bytes(data[start + begin:start + end]), dtype="<f4") * np.float32(factor)
data[start + begin:start + end] = values.astype("<f4").tobytes()
open(target, "wb").write(bytes(data))
