#!/usr/bin/env python3
"""Writes the small seed inputs of tests/fuzz/corpus/ (run from anywhere).

The spec target also starts from every .lip file of examples/ and tests/
(run-fuzzer.sh collects them); corpus/spec/ adds specs at and past the front
end's limits (lipspec/Limits.h: nesting, repeat counts, sizes, recursion) and
mini.lip, the model of corpus/checkpoint/trained-mini.safetensors, which a
real run wrote:
    lipc compile corpus/spec/mini.lip -o mini && ./mini train --data mini.csv \\
        --steps 2 --batch 4 --checkpoint trained-mini.safetensors
with mini.csv 12 rows of 4 features and a label in 0..2. This script makes
the others, byte for byte the same on every run.
"""
import gzip
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    path = os.path.join(HERE, "corpus", target, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def gz(data):
    return gzip.compress(data, mtime=0)


def safetensors(tensors, metadata=None):
    """tensors: name -> (dtype, shape, values), laid out as saveCheckpoint does."""
    header, data = {}, b""
    if metadata:
        header["__metadata__"] = metadata
    for name in sorted(tensors):
        dtype, shape, values = tensors[name]
        begin = len(data)
        data += struct.pack("<%d%s" % (len(values), "f" if dtype == "F32" else "d"), *values)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [begin, len(data)]}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


tiny_model = "\nmodel m(x: features(4)) {\n  return linear(x, 2)\n}\n"
for name, spec in {
    "limits-deep-parens.lip": "let a = " + "(" * 1000 + "1" + ")" * 1000 + tiny_model,
    "limits-long-sum.lip": "let a = " + " + ".join(["1"] * 1000) + tiny_model,
    "limits-deep-minus.lip": "let a = " + "-" * 2000 + "1" + tiny_model,
    "limits-deep-repeat.lip": "model m(x: features(4)) {\n" + "repeat 2 as r {\n" * 150 +
                              "x = relu(x)\n" + "}\n" * 150 + "return linear(x, 2)\n}\n",
    "limits-huge-width.lip": "model m(x: features(4)) {\n  return linear(x, 100000000000)\n}\n",
    "limits-repeat-1e9.lip":
        "model m(x: features(4)) {\n  repeat 1e9 as b { x = relu(x) }\n  return linear(x, 2)\n}\n",
    "limits-recursive-def.lip":
        "def f(x) {\n  return f(x)\n}\nmodel m(x: features(4)) {\n  return f(x)\n}\n",
}.items():
    write("spec", name, spec.encode())

write("checkpoint", "two-tensors.safetensors", safetensors(
    {"embed": ("F32", [3, 2], [1, -2, 3.5, 0, 1e-3, 7]),
     "head": ("F64", [2, 2], [0.1, 0.2, 0.3, 1 / 3])},
    {"spec_hash": "abc123", "step": "42", "vocab": "\"quoted\"\n\ttabs and \u00e9"}))
write("checkpoint", "scalar-and-empty.safetensors", safetensors(
    {"step": ("F64", [], [7.0]), "none": ("F32", [0, 4], []), "v": ("F32", [2], [0.5, -0.25])},
    {"spec_hash": "0"}))
write("checkpoint", "metadata-only.safetensors", safetensors({}, {"spec_hash": "x", "note": "no tensors"}))
write("checkpoint", "empty.safetensors", safetensors({}))


def be32(*values):
    return b"".join(struct.pack(">I", v) for v in values)


def idx_pair(images, labels, rows, cols, compress=False):
    """The IDX target's input: 2-byte little-endian label-file length, labels, images."""
    image_file = be32(0x803, len(labels), rows, cols) + bytes(images)
    label_file = be32(0x801, len(labels)) + bytes(labels)
    if compress:
        image_file, label_file = gz(image_file), gz(label_file)
    return struct.pack("<H", len(label_file)) + label_file + image_file


pixels = [(37 * i) % 256 for i in range(3 * 4 * 4)]
write("idx", "three-4x4.idx", idx_pair(pixels, [1, 0, 7], 4, 4))
write("idx", "three-4x4-gzip.idx", idx_pair(pixels, [1, 0, 7], 4, 4, compress=True))
write("idx", "one-1x1.idx", idx_pair([255], [9], 1, 1))
write("idx", "none-28x28.idx", idx_pair([], [], 28, 28))

csv = b"0.5,1,-2,0\n3,0.25,1e-3,1\n-1,-1,-1,2\n"
write("csv", "three-rows.csv", csv)
write("csv", "three-rows.csv.gz", gz(csv))
write("csv", "crlf-blank-lines.csv", b"1,2,3\r\n\r\n4,5,6\r\n\n7.5,8e2,0\r\n")
write("csv", "one-feature.csv", b"0,1\n1,0\n")
write("csv", "label-first.csv", b"2,0.1,0.2\n0,-0.3,0.4\n1,0.5,-0.6\n")

text = b"First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n"
write("text", "shakespeare.txt", text)
write("text", "shakespeare.txt.gz", gz(text))
write("text", "hello.txt", b"hello world")
write("text", "bytes.bin", bytes(range(256)))
write("text", "two.txt", b"ab")
