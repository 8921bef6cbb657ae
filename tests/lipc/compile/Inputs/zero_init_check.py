"""After one step of the zero-init test's model (tests/lipc/compile/zero-init.test):
'in' and 'out' started at zero and their gradients are zero (every
activation after a zero layer is zero), so they are still zero; 'mid' has
a zero gradient too, so only the soft cap moved it, which scales all its
singular values alike: it is still orthogonal up to a scale (its initial
value is orthogonal; a gradient step would have spread the singular values).

usage: zero_init_check.py CHECKPOINT (Debian's Python: numpy)"""
import json
import struct
import sys

import numpy as np

data = open(sys.argv[1], "rb").read()
(header_size,) = struct.unpack("<Q", data[:8])
header = json.loads(data[8 : 8 + header_size])


def tensor(name):
    begin, end = header[name]["data_offsets"]
    w = np.frombuffer(data[8 + header_size + begin : 8 + header_size + end], dtype="<f4")
    return w.reshape(header[name]["shape"]).astype(np.float64)


for name in ("in", "out"):
    assert not tensor(name).any(), (name, tensor(name))
    print(f"{name}: all zero")
sigma = np.linalg.svd(tensor("mid"), compute_uv=False)
assert sigma.min() > 0.5 and sigma.max() / sigma.min() < 1 + 1e-5, sigma
print(f"mid: orthogonal up to a scale (singular values {sigma.min():.6f} to {sigma.max():.6f})")
